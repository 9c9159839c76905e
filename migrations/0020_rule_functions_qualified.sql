-- custodian: additive
-- The rule functions name their tables with the schema, and the definer
-- functions search pg_temp last. PostgreSQL searches a session's temporary
-- schema *first* for tables unless the search path names it, so a role
-- that may create temporary tables could shadow `app_user` or `bulletin`
-- with its own and make these functions answer for rows it invented (read
-- restricted records, or pass off a widening as "unchanged"). The
-- bootstrap already takes TEMPORARY away from everyone but the owner
-- (policy/postgres/bootstrap.sql revokes ALL on the database from PUBLIC);
-- this keeps the rules sound even where a database administrator grants
-- it. Functions are never looked up in pg_temp, so only table names need
-- the schema. The invoker functions get no SET search_path: that would
-- stop PostgreSQL from inlining them into the policies' plans.
-- Same answers as before, so releases built before it run unchanged.

ALTER FUNCTION audit_chain() SET search_path = pg_catalog, public, pg_temp;
ALTER FUNCTION audit_checkpoint_store(bigint, bytea, text) SET search_path = pg_catalog, public, pg_temp;

CREATE OR REPLACE FUNCTION custodian_may_read(restricted text[]) RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
    AS $$
        SELECT EXISTS (
            SELECT 1 FROM public.app_user u
            WHERE u.id = public.custodian_actor() AND u.state = 'active'
              AND (u.role = 'admin' OR cardinality(restricted) = 0 OR restricted && u.access_groups)
        )
    $$;

CREATE OR REPLACE FUNCTION custodian_media_object_known(name text) RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
    AS $$ SELECT EXISTS (SELECT 1 FROM public.media WHERE object_name = name) $$;

CREATE OR REPLACE FUNCTION custodian_may_regroup(before text[], proposed text[]) RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
    AS $$
        SELECT coalesce(before <@ proposed AND proposed <@ before, false)
            OR EXISTS (
                SELECT 1 FROM public.app_user u
                WHERE u.id = public.custodian_actor() AND u.state = 'active' AND before IS NOT NULL
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

CREATE OR REPLACE FUNCTION custodian_record_visible(kind text, record bigint) RETURNS boolean
    LANGUAGE sql STABLE
    AS $$
        SELECT CASE kind
            WHEN 'bulletin' THEN EXISTS (SELECT 1 FROM public.bulletin b WHERE b.id = record)
            WHEN 'actor'    THEN EXISTS (SELECT 1 FROM public.actor a WHERE a.id = record)
            WHEN 'incident' THEN EXISTS (SELECT 1 FROM public.incident i WHERE i.id = record)
            ELSE false
        END
    $$;

CREATE OR REPLACE FUNCTION custodian_groups_before(kind text, record bigint) RETURNS text[]
    LANGUAGE sql STABLE
    AS $$
        SELECT CASE kind
            WHEN 'bulletin' THEN (SELECT b.access_groups FROM public.bulletin b WHERE b.id = record)
            WHEN 'actor'    THEN (SELECT a.access_groups FROM public.actor a WHERE a.id = record)
            WHEN 'incident' THEN (SELECT i.access_groups FROM public.incident i WHERE i.id = record)
        END
    $$;

CREATE OR REPLACE FUNCTION custodian_record_open(kind text, record bigint) RETURNS boolean
    LANGUAGE sql STABLE
    AS $$
        SELECT CASE kind
            WHEN 'bulletin' THEN EXISTS (SELECT 1 FROM public.bulletin b WHERE b.id = record AND b.status <> 'finalized')
            WHEN 'actor'    THEN EXISTS (SELECT 1 FROM public.actor a WHERE a.id = record AND a.status <> 'finalized')
            WHEN 'incident' THEN EXISTS (SELECT 1 FROM public.incident i WHERE i.id = record AND i.status <> 'finalized')
            ELSE false
        END
    $$;
