-- custodian: additive
-- A wrong link is withdrawn, never deleted: who withdrew it, when and why
-- stay beside who added it. The runtime role may set only these three
-- columns, once, on a link whose records it can see; a withdrawn link no
-- longer blocks adding the corrected one. Older releases keep working on
-- this schema (they show withdrawn links as current).

ALTER TABLE relation
    ADD COLUMN withdrawn_at timestamptz,
    ADD COLUMN withdrawn_by bigint REFERENCES app_user (id),
    ADD COLUMN withdrawn_reason text NOT NULL DEFAULT '',
    ADD CONSTRAINT relation_withdrawn_whole CHECK (
        (withdrawn_at IS NULL AND withdrawn_by IS NULL AND withdrawn_reason = '')
        OR (withdrawn_at IS NOT NULL AND withdrawn_by IS NOT NULL
            AND length(withdrawn_reason) BETWEEN 1 AND 1000));
ALTER TABLE record_reference
    ADD COLUMN withdrawn_at timestamptz,
    ADD COLUMN withdrawn_by bigint REFERENCES app_user (id),
    ADD COLUMN withdrawn_reason text NOT NULL DEFAULT '',
    ADD CONSTRAINT record_reference_withdrawn_whole CHECK (
        (withdrawn_at IS NULL AND withdrawn_by IS NULL AND withdrawn_reason = '')
        OR (withdrawn_at IS NOT NULL AND withdrawn_by IS NOT NULL
            AND length(withdrawn_reason) BETWEEN 1 AND 1000));
ALTER TABLE record_event
    ADD COLUMN withdrawn_at timestamptz,
    ADD COLUMN withdrawn_by bigint REFERENCES app_user (id),
    ADD COLUMN withdrawn_reason text NOT NULL DEFAULT '',
    ADD CONSTRAINT record_event_withdrawn_whole CHECK (
        (withdrawn_at IS NULL AND withdrawn_by IS NULL AND withdrawn_reason = '')
        OR (withdrawn_at IS NOT NULL AND withdrawn_by IS NOT NULL
            AND length(withdrawn_reason) BETWEEN 1 AND 1000));

-- Only current links must be unique.
ALTER TABLE relation DROP CONSTRAINT relation_from_kind_from_id_to_kind_to_id_relation_type_key;
CREATE UNIQUE INDEX relation_once ON relation (from_kind, from_id, to_kind, to_id, relation_type)
    WHERE withdrawn_at IS NULL;
DROP INDEX record_reference_once;
CREATE UNIQUE INDEX record_reference_once ON record_reference
    (kind, record_id, coalesce(label_id, 0), coalesce(source_id, 0), coalesce(location_id, 0))
    WHERE withdrawn_at IS NULL;

CREATE POLICY relation_withdraw ON relation FOR UPDATE
    USING (withdrawn_at IS NULL
           AND custodian_record_visible(from_kind, from_id) AND custodian_record_visible(to_kind, to_id))
    WITH CHECK (withdrawn_at IS NOT NULL AND withdrawn_by = custodian_actor());
CREATE POLICY record_reference_withdraw ON record_reference FOR UPDATE
    USING (withdrawn_at IS NULL AND custodian_record_visible(kind, record_id))
    WITH CHECK (withdrawn_at IS NOT NULL AND withdrawn_by = custodian_actor());
CREATE POLICY record_event_withdraw ON record_event FOR UPDATE
    USING (withdrawn_at IS NULL AND custodian_record_visible(kind, record_id))
    WITH CHECK (withdrawn_at IS NOT NULL AND withdrawn_by = custodian_actor());

GRANT UPDATE (withdrawn_at, withdrawn_by, withdrawn_reason)
    ON relation, record_reference, record_event TO custodian_runtime;
