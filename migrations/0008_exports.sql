-- Exports with four-eyes approval (feature matrix E4). The file is made
-- when requested, from what the requester may see (row-level security as
-- the requester), kept encrypted like media, released only when a
-- different administrator approves, downloadable once by the requester
-- until it expires, then deleted.

CREATE TABLE export_request (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    requested_by bigint NOT NULL REFERENCES app_user (id),
    format       text   NOT NULL CHECK (format IN ('csv', 'json')),
    query        text   NOT NULL DEFAULT '',
    reason       text   NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
    items        integer NOT NULL,
    status       text   NOT NULL DEFAULT 'requested'
                 CHECK (status IN ('requested', 'approved', 'rejected', 'downloaded', 'expired')),
    decided_by   bigint REFERENCES app_user (id),
    decided_at   timestamptz,
    expires_at   timestamptz,
    object_name  text,
    wrapped_key  text,
    sha256       text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    downloaded_at timestamptz,
    -- Four eyes, in the database too.
    CHECK (decided_by IS NULL OR decided_by <> requested_by)
);
CREATE INDEX export_request_status ON export_request (status);

GRANT SELECT, INSERT, UPDATE ON export_request TO custodian_runtime;
