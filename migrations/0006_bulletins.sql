-- Evidence, first part: bulletins with their workflow and an append-only
-- revision history, and the one SQL access predicate every read shares.
--
-- Access: an item may be restricted to access groups; only members of one
-- of them (and administrators) see it. custodiand sets the acting account
-- for each transaction (`SET LOCAL custodian.user_id`); row-level security
-- applies the predicate to every statement of the runtime role, so a list,
-- a count, a search, the history and (later) exports and media all get
-- the same answer, and a statement without an actor sees nothing.

ALTER TABLE app_user
    -- Explicit permission flags; NULL means the role's defaults
    -- (policy/permissions.toml).
    ADD COLUMN permissions   text[],
    ADD COLUMN access_groups text[] NOT NULL DEFAULT '{}';

CREATE FUNCTION custodian_actor() RETURNS bigint
    LANGUAGE sql STABLE
    AS $$ SELECT nullif(current_setting('custodian.user_id', true), '')::bigint $$;

-- SECURITY DEFINER so that the predicate reads the actor's role and groups
-- the same way whatever the caller may read; search_path pinned.
CREATE FUNCTION custodian_may_read(restricted text[]) RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
    AS $$
        SELECT EXISTS (
            SELECT 1 FROM app_user u
            WHERE u.id = custodian_actor() AND u.state = 'active'
              AND (u.role = 'admin' OR cardinality(restricted) = 0 OR restricted && u.access_groups)
        )
    $$;

CREATE TABLE bulletin (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    title         text NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    -- Sanitised HTML (ammonia, strict allow-list) as it came in.
    description   text NOT NULL DEFAULT '' CHECK (length(description) <= 100000),
    status        text NOT NULL DEFAULT 'unassigned'
                  CHECK (status IN ('unassigned', 'assigned', 'peer_review', 'revisit', 'reviewed', 'finalized')),
    assigned_to   bigint REFERENCES app_user (id),
    reviewer      bigint REFERENCES app_user (id),
    access_groups text[] NOT NULL DEFAULT '{}',
    created_by    bigint NOT NULL REFERENCES app_user (id),
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    revision      integer NOT NULL DEFAULT 1
);
CREATE INDEX bulletin_status ON bulletin (status);
CREATE INDEX bulletin_assigned ON bulletin (assigned_to);

-- One row per change, never updated or deleted by the runtime role: who,
-- when, what kind of change, and the full snapshot after it.
CREATE TABLE bulletin_revision (
    bulletin_id bigint  NOT NULL REFERENCES bulletin (id),
    revision    integer NOT NULL,
    editor      bigint  NOT NULL REFERENCES app_user (id),
    changed_at  timestamptz NOT NULL DEFAULT now(),
    summary     text NOT NULL,
    snapshot    jsonb NOT NULL,
    PRIMARY KEY (bulletin_id, revision)
);

ALTER TABLE bulletin ENABLE ROW LEVEL SECURITY;
ALTER TABLE bulletin_revision ENABLE ROW LEVEL SECURITY;

CREATE POLICY bulletin_read ON bulletin FOR SELECT
    USING (custodian_may_read(access_groups));
CREATE POLICY bulletin_create ON bulletin FOR INSERT
    WITH CHECK (created_by = custodian_actor() AND custodian_may_read(access_groups));
CREATE POLICY bulletin_change ON bulletin FOR UPDATE
    USING (custodian_may_read(access_groups))
    WITH CHECK (custodian_may_read(access_groups));

-- History is visible exactly when its bulletin is (the subquery is itself
-- under bulletin_read).
CREATE POLICY bulletin_revision_read ON bulletin_revision FOR SELECT
    USING (EXISTS (SELECT 1 FROM bulletin b WHERE b.id = bulletin_id));
CREATE POLICY bulletin_revision_add ON bulletin_revision FOR INSERT
    WITH CHECK (editor = custodian_actor() AND EXISTS (SELECT 1 FROM bulletin b WHERE b.id = bulletin_id));

-- No DELETE anywhere: evidence is never hard-deleted.
GRANT SELECT, INSERT, UPDATE ON bulletin TO custodian_runtime;
GRANT SELECT, INSERT ON bulletin_revision TO custodian_runtime;
REVOKE ALL ON FUNCTION custodian_may_read(text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION custodian_actor() TO custodian_runtime;
GRANT EXECUTE ON FUNCTION custodian_may_read(text[]) TO custodian_runtime;
