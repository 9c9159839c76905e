-- custodian: additive
-- The reader's facts at the cost of a cached plan (issue 14). Every read
-- policy asks custodian_reader_groups() and custodian_reader_sees_all()
-- (migration 0024), once per statement for each table the statement reads
-- under row-level security: a record page's relation list reads the
-- record tables six times over, so up to a dozen calls. A SQL function
-- that is SECURITY DEFINER is never inlined, and PostgreSQL parses and
-- plans its body again on every such call (a SQL function keeps its plan
-- only for one call site of one query): about 0.1 ms each, most of a
-- record page's time in the database. The same queries in PL/pgSQL keep
-- their plans for the life of the connection. Same arguments, same
-- results, same owner, same grants, the same pinned search_path: the rule
-- is unchanged, so releases built before it run on this schema.

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
