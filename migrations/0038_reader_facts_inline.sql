-- custodian: additive
-- The reader's facts without a function call in the hot read policies
-- (issue 14). Every read policy of the record tables asked
-- custodian_reader_groups() and custodian_reader_sees_all() (migration
-- 0024) once per statement for each place the statement reads a record
-- table: a record page's relation list reads them six times over. A SQL
-- function that is SECURITY DEFINER is never inlined, and PostgreSQL
-- parsed and planned its body again on every such call; a profile of
-- PostgreSQL under 64 connections on record views put 28 % of its time in
-- those calls (the definer switch, the pinned search_path, the executor
-- started for the body).
--
-- The three read policies now hold the same two questions as plain
-- sub-selects on app_user (uncorrelated, so still evaluated once per
-- statement, now as part of the statement's own plan). They run with the
-- reader's rights, and the runtime role reads app_user already (every
-- session look-up does); a policy's table references are resolved when it
-- is created, so no search_path can change what they read. The actor's id
-- is itself a sub-select, read once, not once per account row scanned
-- (on a small app_user the planner scans it rather than use its key, and
-- current_setting() per row was a further 7 %). The rule is
-- the same: no actor, or one that is not active, sees nothing;
-- administrators see everything; others see open records and records
-- that share one of their groups.
--
-- The functions stay for the other policies and the search function, in
-- PL/pgSQL, which keeps their plans for the life of the connection. Same
-- arguments, results, owner, grants and pinned search_path, so releases
-- built before this run on this schema.

CREATE OR REPLACE FUNCTION custodian_reader_groups() RETURNS text[]
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
    AS $$
    BEGIN
        RETURN (SELECT u.access_groups FROM public.app_user u
                WHERE u.id = public.custodian_actor() AND u.state = 'active');
    END
    $$;

CREATE OR REPLACE FUNCTION custodian_reader_sees_all() RETURNS boolean
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
    AS $$
    BEGIN
        RETURN EXISTS (
            SELECT 1 FROM public.app_user u
            WHERE u.id = public.custodian_actor() AND u.state = 'active' AND u.role = 'admin'
        );
    END
    $$;

ALTER POLICY bulletin_read ON bulletin
    USING ((SELECT u.access_groups FROM public.app_user u
            WHERE u.id = (SELECT public.custodian_actor()) AND u.state = 'active') IS NOT NULL
           AND (coalesce((SELECT u.role = 'admin' FROM public.app_user u
                          WHERE u.id = (SELECT public.custodian_actor()) AND u.state = 'active'), false)
                OR cardinality(access_groups) = 0
                OR access_groups && (SELECT u.access_groups FROM public.app_user u
                                     WHERE u.id = (SELECT public.custodian_actor()) AND u.state = 'active')));

ALTER POLICY actor_read ON actor
    USING ((SELECT u.access_groups FROM public.app_user u
            WHERE u.id = (SELECT public.custodian_actor()) AND u.state = 'active') IS NOT NULL
           AND (coalesce((SELECT u.role = 'admin' FROM public.app_user u
                          WHERE u.id = (SELECT public.custodian_actor()) AND u.state = 'active'), false)
                OR cardinality(access_groups) = 0
                OR access_groups && (SELECT u.access_groups FROM public.app_user u
                                     WHERE u.id = (SELECT public.custodian_actor()) AND u.state = 'active')));

ALTER POLICY incident_read ON incident
    USING ((SELECT u.access_groups FROM public.app_user u
            WHERE u.id = (SELECT public.custodian_actor()) AND u.state = 'active') IS NOT NULL
           AND (coalesce((SELECT u.role = 'admin' FROM public.app_user u
                          WHERE u.id = (SELECT public.custodian_actor()) AND u.state = 'active'), false)
                OR cardinality(access_groups) = 0
                OR access_groups && (SELECT u.access_groups FROM public.app_user u
                                     WHERE u.id = (SELECT public.custodian_actor()) AND u.state = 'active')));
