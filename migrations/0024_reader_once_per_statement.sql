-- custodian: additive
-- Row-level security the planner can use (issue 14). The read predicate
-- called the SECURITY DEFINER function custodian_may_read(access_groups)
-- once per row: definer functions are never inlined, and each call ran its
-- own query on app_user, so a count over a million bulletins took seconds.
-- The same rule is now written into the policies with the actor's facts
-- read by two small definer functions, each called as an uncorrelated
-- sub-select, which PostgreSQL evaluates once per statement (an InitPlan);
-- what is left per row is an inline test of the row's own groups:
--
--   (SELECT custodian_reader_groups()) IS NOT NULL          -- an active actor
--   AND ((SELECT custodian_reader_sees_all())                -- administrators
--        OR cardinality(access_groups) = 0                   -- open records
--        OR access_groups && (SELECT custodian_reader_groups()))  -- a shared group
--
-- A statement without an actor, or with one that is not active, gets NULL
-- groups and sees nothing, as before. The rule is unchanged, so releases
-- built before it run on this schema (additive). custodian_may_read stays
-- for them and says the same.
--
-- Like the other rule functions (0020) the definer functions name their
-- table with the schema and search pg_temp last, so a temporary app_user
-- cannot stand in for the real one.

CREATE FUNCTION custodian_reader_groups() RETURNS text[]
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
    AS $$
        SELECT u.access_groups FROM public.app_user u
        WHERE u.id = public.custodian_actor() AND u.state = 'active'
    $$;

CREATE FUNCTION custodian_reader_sees_all() RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
    AS $$
        SELECT EXISTS (
            SELECT 1 FROM public.app_user u
            WHERE u.id = public.custodian_actor() AND u.state = 'active' AND u.role = 'admin'
        )
    $$;

REVOKE ALL ON FUNCTION custodian_reader_groups() FROM PUBLIC;
REVOKE ALL ON FUNCTION custodian_reader_sees_all() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION custodian_reader_groups() TO custodian_runtime;
GRANT EXECUTE ON FUNCTION custodian_reader_sees_all() TO custodian_runtime;

ALTER POLICY bulletin_read ON bulletin
    USING ((SELECT public.custodian_reader_groups()) IS NOT NULL
           AND ((SELECT public.custodian_reader_sees_all())
                OR cardinality(access_groups) = 0
                OR access_groups && (SELECT public.custodian_reader_groups())));
ALTER POLICY bulletin_create ON bulletin
    WITH CHECK (created_by = public.custodian_actor()
                AND (SELECT public.custodian_reader_groups()) IS NOT NULL
                AND ((SELECT public.custodian_reader_sees_all())
                     OR cardinality(access_groups) = 0
                     OR access_groups && (SELECT public.custodian_reader_groups())));
ALTER POLICY bulletin_change ON bulletin
    USING ((SELECT public.custodian_reader_groups()) IS NOT NULL
           AND ((SELECT public.custodian_reader_sees_all())
                OR cardinality(access_groups) = 0
                OR access_groups && (SELECT public.custodian_reader_groups())))
    WITH CHECK ((SELECT public.custodian_reader_groups()) IS NOT NULL
                AND ((SELECT public.custodian_reader_sees_all())
                     OR cardinality(access_groups) = 0
                     OR access_groups && (SELECT public.custodian_reader_groups()))
                AND public.custodian_may_regroup(public.custodian_groups_before('bulletin', id), access_groups));

ALTER POLICY actor_read ON actor
    USING ((SELECT public.custodian_reader_groups()) IS NOT NULL
           AND ((SELECT public.custodian_reader_sees_all())
                OR cardinality(access_groups) = 0
                OR access_groups && (SELECT public.custodian_reader_groups())));
ALTER POLICY actor_create ON actor
    WITH CHECK (created_by = public.custodian_actor()
                AND (SELECT public.custodian_reader_groups()) IS NOT NULL
                AND ((SELECT public.custodian_reader_sees_all())
                     OR cardinality(access_groups) = 0
                     OR access_groups && (SELECT public.custodian_reader_groups())));
ALTER POLICY actor_change ON actor
    USING ((SELECT public.custodian_reader_groups()) IS NOT NULL
           AND ((SELECT public.custodian_reader_sees_all())
                OR cardinality(access_groups) = 0
                OR access_groups && (SELECT public.custodian_reader_groups())))
    WITH CHECK ((SELECT public.custodian_reader_groups()) IS NOT NULL
                AND ((SELECT public.custodian_reader_sees_all())
                     OR cardinality(access_groups) = 0
                     OR access_groups && (SELECT public.custodian_reader_groups()))
                AND public.custodian_may_regroup(public.custodian_groups_before('actor', id), access_groups));

ALTER POLICY incident_read ON incident
    USING ((SELECT public.custodian_reader_groups()) IS NOT NULL
           AND ((SELECT public.custodian_reader_sees_all())
                OR cardinality(access_groups) = 0
                OR access_groups && (SELECT public.custodian_reader_groups())));
ALTER POLICY incident_create ON incident
    WITH CHECK (created_by = public.custodian_actor()
                AND (SELECT public.custodian_reader_groups()) IS NOT NULL
                AND ((SELECT public.custodian_reader_sees_all())
                     OR cardinality(access_groups) = 0
                     OR access_groups && (SELECT public.custodian_reader_groups())));
ALTER POLICY incident_change ON incident
    USING ((SELECT public.custodian_reader_groups()) IS NOT NULL
           AND ((SELECT public.custodian_reader_sees_all())
                OR cardinality(access_groups) = 0
                OR access_groups && (SELECT public.custodian_reader_groups())))
    WITH CHECK ((SELECT public.custodian_reader_groups()) IS NOT NULL
                AND ((SELECT public.custodian_reader_sees_all())
                     OR cardinality(access_groups) = 0
                     OR access_groups && (SELECT public.custodian_reader_groups()))
                AND public.custodian_may_regroup(public.custodian_groups_before('incident', id), access_groups));
