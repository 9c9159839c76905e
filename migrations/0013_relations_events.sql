-- Evidence, third part: typed relations between records of any kind,
-- labels/sources/locations attached to records, event types and events.
-- A link is visible exactly when every record it touches is visible to
-- the acting account (the records' own row-level security decides), and
-- it can be made only between records the account can see. Links are
-- added, never deleted by the runtime role: like the records, they are
-- evidence of what was asserted, by whom and when.

-- SECURITY INVOKER on purpose: the look-ups run under the caller's
-- row-level security, so "visible" means visible to the acting account.
CREATE FUNCTION custodian_record_visible(kind text, record bigint) RETURNS boolean
    LANGUAGE sql STABLE
    AS $$
        SELECT CASE kind
            WHEN 'bulletin' THEN EXISTS (SELECT 1 FROM bulletin b WHERE b.id = record)
            WHEN 'actor'    THEN EXISTS (SELECT 1 FROM actor a WHERE a.id = record)
            WHEN 'incident' THEN EXISTS (SELECT 1 FROM incident i WHERE i.id = record)
            ELSE false
        END
    $$;

CREATE TABLE relation (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    from_kind     text NOT NULL CHECK (from_kind IN ('bulletin', 'actor', 'incident')),
    from_id       bigint NOT NULL,
    to_kind       text NOT NULL CHECK (to_kind IN ('bulletin', 'actor', 'incident')),
    to_id         bigint NOT NULL,
    relation_type text NOT NULL CHECK (relation_type IN (
        'related', 'duplicate', 'same_event', 'appears_in', 'victim', 'witness',
        'perpetrator', 'member_of', 'family', 'part_of')),
    certainty     text NOT NULL DEFAULT 'unverified' CHECK (certainty IN ('unverified', 'probable', 'confirmed')),
    comment       text NOT NULL DEFAULT '' CHECK (length(comment) <= 1000),
    created_by    bigint NOT NULL REFERENCES app_user (id),
    created_at    timestamptz NOT NULL DEFAULT now(),
    CHECK (NOT (from_kind = to_kind AND from_id = to_id)),
    UNIQUE (from_kind, from_id, to_kind, to_id, relation_type)
);
CREATE INDEX relation_from ON relation (from_kind, from_id);
CREATE INDEX relation_to ON relation (to_kind, to_id);

CREATE TABLE event_type (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    title       text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    description text NOT NULL DEFAULT '' CHECK (length(description) <= 2000)
);
CREATE UNIQUE INDEX event_type_title ON event_type (lower(title));
INSERT INTO event_type (title) VALUES
    ('Arrest'), ('Attack'), ('Detention'), ('Disappearance'), ('Displacement'),
    ('Killing'), ('Property destruction'), ('Shelling'), ('Torture'), ('Other');

-- One reference per row: a label, a source or a location.
CREATE TABLE record_reference (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind        text NOT NULL CHECK (kind IN ('bulletin', 'actor', 'incident')),
    record_id   bigint NOT NULL,
    label_id    bigint REFERENCES label (id),
    source_id   bigint REFERENCES source (id),
    location_id bigint REFERENCES location (id),
    created_by  bigint NOT NULL REFERENCES app_user (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    CHECK (num_nonnulls(label_id, source_id, location_id) = 1)
);
CREATE UNIQUE INDEX record_reference_once ON record_reference
    (kind, record_id, coalesce(label_id, 0), coalesce(source_id, 0), coalesce(location_id, 0));

CREATE TABLE record_event (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind          text NOT NULL CHECK (kind IN ('bulletin', 'actor', 'incident')),
    record_id     bigint NOT NULL,
    event_type_id bigint NOT NULL REFERENCES event_type (id),
    location_id   bigint REFERENCES location (id),
    from_date     date,
    to_date       date,
    comment       text NOT NULL DEFAULT '' CHECK (length(comment) <= 1000),
    created_by    bigint NOT NULL REFERENCES app_user (id),
    created_at    timestamptz NOT NULL DEFAULT now(),
    CHECK (to_date IS NULL OR from_date IS NULL OR to_date >= from_date)
);
CREATE INDEX record_event_record ON record_event (kind, record_id);

ALTER TABLE relation ENABLE ROW LEVEL SECURITY;
ALTER TABLE record_reference ENABLE ROW LEVEL SECURITY;
ALTER TABLE record_event ENABLE ROW LEVEL SECURITY;

CREATE POLICY relation_read ON relation FOR SELECT
    USING (custodian_record_visible(from_kind, from_id) AND custodian_record_visible(to_kind, to_id));
CREATE POLICY relation_add ON relation FOR INSERT
    WITH CHECK (created_by = custodian_actor()
                AND custodian_record_visible(from_kind, from_id) AND custodian_record_visible(to_kind, to_id));
CREATE POLICY record_reference_read ON record_reference FOR SELECT
    USING (custodian_record_visible(kind, record_id));
CREATE POLICY record_reference_add ON record_reference FOR INSERT
    WITH CHECK (created_by = custodian_actor() AND custodian_record_visible(kind, record_id));
CREATE POLICY record_event_read ON record_event FOR SELECT
    USING (custodian_record_visible(kind, record_id));
CREATE POLICY record_event_add ON record_event FOR INSERT
    WITH CHECK (created_by = custodian_actor() AND custodian_record_visible(kind, record_id));

GRANT SELECT, INSERT ON relation, record_reference, record_event TO custodian_runtime;
GRANT SELECT ON event_type TO custodian_runtime;
GRANT EXECUTE ON FUNCTION custodian_record_visible(text, bigint) TO custodian_runtime;
