-- Evidence, second part: actors (people and entities) and incidents, with
-- the same workflow, append-only history and access predicate as
-- bulletins. What differs between the three kinds is kept in `details`,
-- checked here per kind and again in custodiand before it is stored.

ALTER TABLE bulletin ADD COLUMN details jsonb NOT NULL DEFAULT '{}'
    CHECK (details = '{}'::jsonb);

CREATE TABLE actor (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- The actor's name.
    title         text NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    description   text NOT NULL DEFAULT '' CHECK (length(description) <= 100000),
    details       jsonb NOT NULL DEFAULT '{"type": "person"}'
                  CHECK (details->>'type' IN ('person', 'entity')
                         AND coalesce(details->>'sex', '') IN ('', 'female', 'male', 'other')
                         AND length(coalesce(details->>'nationality', '')) <= 100
                         AND details - 'type' - 'sex' - 'nationality' = '{}'::jsonb),
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
CREATE INDEX actor_status ON actor (status);

CREATE TABLE incident (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    title         text NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    description   text NOT NULL DEFAULT '' CHECK (length(description) <= 100000),
    details       jsonb NOT NULL DEFAULT '{}'
                  CHECK (length(coalesce(details->>'potential_violations', '')) <= 2000
                         AND length(coalesce(details->>'claimed_violations', '')) <= 2000
                         AND details - 'potential_violations' - 'claimed_violations' = '{}'::jsonb),
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
CREATE INDEX incident_status ON incident (status);

CREATE TABLE actor_revision (
    actor_id   bigint  NOT NULL REFERENCES actor (id),
    revision   integer NOT NULL,
    editor     bigint  NOT NULL REFERENCES app_user (id),
    changed_at timestamptz NOT NULL DEFAULT now(),
    summary    text NOT NULL,
    snapshot   jsonb NOT NULL,
    PRIMARY KEY (actor_id, revision)
);

CREATE TABLE incident_revision (
    incident_id bigint  NOT NULL REFERENCES incident (id),
    revision    integer NOT NULL,
    editor      bigint  NOT NULL REFERENCES app_user (id),
    changed_at  timestamptz NOT NULL DEFAULT now(),
    summary     text NOT NULL,
    snapshot    jsonb NOT NULL,
    PRIMARY KEY (incident_id, revision)
);

ALTER TABLE actor ENABLE ROW LEVEL SECURITY;
ALTER TABLE incident ENABLE ROW LEVEL SECURITY;
ALTER TABLE actor_revision ENABLE ROW LEVEL SECURITY;
ALTER TABLE incident_revision ENABLE ROW LEVEL SECURITY;

CREATE POLICY actor_read ON actor FOR SELECT
    USING (custodian_may_read(access_groups));
CREATE POLICY actor_create ON actor FOR INSERT
    WITH CHECK (created_by = custodian_actor() AND custodian_may_read(access_groups));
CREATE POLICY actor_change ON actor FOR UPDATE
    USING (custodian_may_read(access_groups))
    WITH CHECK (custodian_may_read(access_groups));
CREATE POLICY actor_revision_read ON actor_revision FOR SELECT
    USING (EXISTS (SELECT 1 FROM actor a WHERE a.id = actor_id));
CREATE POLICY actor_revision_add ON actor_revision FOR INSERT
    WITH CHECK (editor = custodian_actor() AND EXISTS (SELECT 1 FROM actor a WHERE a.id = actor_id));

CREATE POLICY incident_read ON incident FOR SELECT
    USING (custodian_may_read(access_groups));
CREATE POLICY incident_create ON incident FOR INSERT
    WITH CHECK (created_by = custodian_actor() AND custodian_may_read(access_groups));
CREATE POLICY incident_change ON incident FOR UPDATE
    USING (custodian_may_read(access_groups))
    WITH CHECK (custodian_may_read(access_groups));
CREATE POLICY incident_revision_read ON incident_revision FOR SELECT
    USING (EXISTS (SELECT 1 FROM incident i WHERE i.id = incident_id));
CREATE POLICY incident_revision_add ON incident_revision FOR INSERT
    WITH CHECK (editor = custodian_actor() AND EXISTS (SELECT 1 FROM incident i WHERE i.id = incident_id));

GRANT SELECT, INSERT, UPDATE ON actor, incident TO custodian_runtime;
GRANT SELECT, INSERT ON actor_revision, incident_revision TO custodian_runtime;
