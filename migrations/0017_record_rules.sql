-- Record rules kept by PostgreSQL as well as by custodiand (issue 12):
-- who may change a record's access groups, and that a finalized record
-- gains and loses no links. Not additive: releases before it let an
-- analyst empty a record's groups and link to finalized records, and
-- this schema refuses both.

-- The access groups of a record as the acting account sees them now
-- (NULL when it cannot see the record). SECURITY INVOKER on purpose: the
-- look-up runs under the caller's row-level security. STABLE, so inside
-- an UPDATE's policy it reads the row as it was before the UPDATE.
CREATE FUNCTION custodian_groups_before(kind text, record bigint) RETURNS text[]
    LANGUAGE sql STABLE
    AS $$
        SELECT CASE kind
            WHEN 'bulletin' THEN (SELECT b.access_groups FROM bulletin b WHERE b.id = record)
            WHEN 'actor'    THEN (SELECT a.access_groups FROM actor a WHERE a.id = record)
            WHEN 'incident' THEN (SELECT i.access_groups FROM incident i WHERE i.id = record)
        END
    $$;

-- The policy's `may_regroup` (daemon/custodiand/src/policy/mod.rs): the
-- same set of groups is never a change; administrators change freely;
-- otherwise nobody removes a group they are not in, an open record is
-- restricted only to one's own groups, a restricted one is never opened
-- to everyone, and only moderators add groups, their own, to it. That
-- the actor still sees the result is the policies' custodian_may_read.
-- SECURITY DEFINER (like custodian_may_read) to read the actor's role
-- and groups; search_path pinned.
CREATE FUNCTION custodian_may_regroup(before text[], proposed text[]) RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
    AS $$
        SELECT coalesce(before <@ proposed AND proposed <@ before, false)
            OR EXISTS (
                SELECT 1 FROM app_user u
                WHERE u.id = custodian_actor() AND u.state = 'active' AND before IS NOT NULL
                  AND (u.role = 'admin'
                       OR (u.role IN ('moderator', 'analyst')
                           AND NOT EXISTS (SELECT 1 FROM unnest(before) g
                                           WHERE g <> ALL (proposed) AND g <> ALL (u.access_groups))
                           AND CASE
                               WHEN cardinality(before) = 0 THEN proposed <@ u.access_groups
                               WHEN cardinality(proposed) = 0 THEN false
                               ELSE proposed <@ before
                                    OR (u.role = 'moderator'
                                        AND NOT EXISTS (SELECT 1 FROM unnest(proposed) g
                                                        WHERE g <> ALL (before) AND g <> ALL (u.access_groups)))
                               END))
            )
    $$;
REVOKE ALL ON FUNCTION custodian_may_regroup(text[], text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION custodian_groups_before(text, bigint) TO custodian_runtime;
GRANT EXECUTE ON FUNCTION custodian_may_regroup(text[], text[]) TO custodian_runtime;

ALTER POLICY bulletin_change ON bulletin
    WITH CHECK (custodian_may_read(access_groups)
                AND custodian_may_regroup(custodian_groups_before('bulletin', id), access_groups));
ALTER POLICY actor_change ON actor
    WITH CHECK (custodian_may_read(access_groups)
                AND custodian_may_regroup(custodian_groups_before('actor', id), access_groups));
ALTER POLICY incident_change ON incident
    WITH CHECK (custodian_may_read(access_groups)
                AND custodian_may_regroup(custodian_groups_before('incident', id), access_groups));

-- Visible to the acting account and not finalized. SECURITY INVOKER, as
-- custodian_record_visible.
CREATE FUNCTION custodian_record_open(kind text, record bigint) RETURNS boolean
    LANGUAGE sql STABLE
    AS $$
        SELECT CASE kind
            WHEN 'bulletin' THEN EXISTS (SELECT 1 FROM bulletin b WHERE b.id = record AND b.status <> 'finalized')
            WHEN 'actor'    THEN EXISTS (SELECT 1 FROM actor a WHERE a.id = record AND a.status <> 'finalized')
            WHEN 'incident' THEN EXISTS (SELECT 1 FROM incident i WHERE i.id = record AND i.status <> 'finalized')
            ELSE false
        END
    $$;
GRANT EXECUTE ON FUNCTION custodian_record_open(text, bigint) TO custodian_runtime;

-- Links are added and withdrawn only while every record they touch is
-- open (reading them is unchanged).
ALTER POLICY relation_add ON relation
    WITH CHECK (created_by = custodian_actor()
                AND custodian_record_open(from_kind, from_id) AND custodian_record_open(to_kind, to_id));
ALTER POLICY relation_withdraw ON relation
    USING (withdrawn_at IS NULL
           AND custodian_record_open(from_kind, from_id) AND custodian_record_open(to_kind, to_id));
ALTER POLICY record_reference_add ON record_reference
    WITH CHECK (created_by = custodian_actor() AND custodian_record_open(kind, record_id));
ALTER POLICY record_reference_withdraw ON record_reference
    USING (withdrawn_at IS NULL AND custodian_record_open(kind, record_id));
ALTER POLICY record_event_add ON record_event
    WITH CHECK (created_by = custodian_actor() AND custodian_record_open(kind, record_id));
ALTER POLICY record_event_withdraw ON record_event
    USING (withdrawn_at IS NULL AND custodian_record_open(kind, record_id));

-- can_import_web gated nothing and is gone from the interface until web
-- import exists; explicit flags no longer carry it.
UPDATE app_user SET permissions = array_remove(permissions, 'can_import_web')
    WHERE 'can_import_web' = ANY (permissions);
