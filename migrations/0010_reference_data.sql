-- Reference data (feature matrix C6): labels, sources and locations, and
-- the CSV import jobs that fill them (E1). Titles are unique
-- case-insensitively; nothing here is deleted by the runtime role.

CREATE TABLE label (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    title       text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    description text NOT NULL DEFAULT '' CHECK (length(description) <= 2000),
    created_by  bigint NOT NULL REFERENCES app_user (id),
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX label_title ON label (lower(title));

CREATE TABLE source (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    title      text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    url        text NOT NULL DEFAULT '' CHECK (url = '' OR url ~ '^https?://'),
    created_by bigint NOT NULL REFERENCES app_user (id),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX source_title ON source (lower(title));

CREATE TABLE location (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    title        text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    latitude     double precision CHECK (latitude BETWEEN -90 AND 90),
    longitude    double precision CHECK (longitude BETWEEN -180 AND 180),
    country_code text NOT NULL DEFAULT '' CHECK (country_code = '' OR country_code ~ '^[A-Z]{2}$'),
    created_by   bigint NOT NULL REFERENCES app_user (id),
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX location_title ON location (lower(title));

CREATE TABLE import_job (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind         text NOT NULL CHECK (kind IN ('labels', 'sources', 'locations')),
    requested_by bigint NOT NULL REFERENCES app_user (id),
    file_name    text NOT NULL,
    sha256       text NOT NULL,
    status       text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'done', 'failed')),
    total        integer NOT NULL,
    processed    integer NOT NULL DEFAULT 0,
    accepted     integer NOT NULL DEFAULT 0,
    rejected     jsonb NOT NULL DEFAULT '[]',
    created_at   timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz
);

GRANT SELECT, INSERT ON label, source, location TO custodian_runtime;
GRANT SELECT, INSERT, UPDATE ON import_job TO custodian_runtime;
