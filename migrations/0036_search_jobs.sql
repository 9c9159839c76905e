-- custodian: additive
-- Background searches (issue 14): a list or search that runs past the
-- interactive budget goes on in the background as a job of the account
-- that asked. The job keeps the question (the list's query string, as
-- the list writes it) and, once done, the ids of the matching records in
-- the list's order, at most 10,000 of them. The ids are no results to
-- show as they are: the job's page reads the records again by id under
-- the reader's row-level security, so a record whose access changed
-- since is not shown. A job is kept 24 hours.
--
-- Row-level security: only the owner (an active account acting as
-- itself) reads, adds, updates and deletes its jobs; a statement without
-- an actor sees none. Expired jobs are removed by the owner's function
-- below, the one way rows go without an actor.

CREATE TABLE search_job (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    owner       bigint NOT NULL REFERENCES app_user (id),
    kind        text   NOT NULL CHECK (kind IN ('bulletin', 'actor', 'incident')),
    query       text   NOT NULL CHECK (char_length(query) <= 4000),
    status      text   NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'done', 'failed')),
    ids         bigint[] NOT NULL DEFAULT '{}' CHECK (cardinality(ids) <= 10000),
    matched     integer NOT NULL DEFAULT 0 CHECK (matched >= 0),
    capped      boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    expires_at  timestamptz NOT NULL DEFAULT now() + interval '24 hours',
    CHECK ((status = 'running') = (finished_at IS NULL))
);
CREATE INDEX search_job_owner ON search_job (owner, created_at DESC);
CREATE INDEX search_job_expires ON search_job (expires_at);
CREATE INDEX search_job_running ON search_job (owner) WHERE status = 'running';

ALTER TABLE search_job ENABLE ROW LEVEL SECURITY;

CREATE POLICY search_job_read ON search_job FOR SELECT
    USING ((SELECT public.custodian_reader_groups()) IS NOT NULL
           AND owner = public.custodian_actor());
CREATE POLICY search_job_add ON search_job FOR INSERT
    WITH CHECK ((SELECT public.custodian_reader_groups()) IS NOT NULL
                AND owner = public.custodian_actor());
CREATE POLICY search_job_finish ON search_job FOR UPDATE
    USING (owner = public.custodian_actor())
    WITH CHECK (owner = public.custodian_actor());
CREATE POLICY search_job_remove ON search_job FOR DELETE
    USING (owner = public.custodian_actor());

GRANT SELECT, INSERT, DELETE ON search_job TO custodian_runtime;
GRANT UPDATE (status, ids, matched, capped, finished_at) ON search_job TO custodian_runtime;

-- Jobs past their 24 hours, whoever's (the periodic cleanup, which acts
-- as no account), are deleted; one still running after an hour (longer
-- than the background limit allows: its daemon stopped) is failed.
-- Returns how many were deleted.
CREATE FUNCTION custodian_forget_expired_searches() RETURNS bigint
    LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
    AS $$
        WITH stale AS (
            UPDATE public.search_job SET status = 'failed', finished_at = now()
            WHERE status = 'running' AND created_at < now() - interval '1 hour'
              AND expires_at > now()
            RETURNING 1
        ), gone AS (DELETE FROM public.search_job WHERE expires_at <= now() RETURNING 1)
        SELECT count(*) FROM gone
    $$;
REVOKE ALL ON FUNCTION custodian_forget_expired_searches() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION custodian_forget_expired_searches() TO custodian_runtime;
