-- Evidence media: files attached to bulletins. The bytes live in the
-- media store, encrypted with a per-file key; here is the key wrapped by
-- Vault transit, the content's SHA-256 (chain of custody), the type
-- decided from the bytes, and who uploaded it when. A file is visible
-- exactly when its bulletin is (row-level security through bulletin).

CREATE TABLE media (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    bulletin_id   bigint NOT NULL REFERENCES bulletin (id),
    object_name   text   NOT NULL UNIQUE CHECK (object_name ~ '^[0-9a-f]{64}-[0-9a-f]{16}$'),
    sha256        text   NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    size_bytes    bigint NOT NULL CHECK (size_bytes > 0),
    mime          text   NOT NULL,
    original_name text   NOT NULL,
    wrapped_key   text   NOT NULL,
    uploaded_by   bigint NOT NULL REFERENCES app_user (id),
    uploaded_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX media_bulletin ON media (bulletin_id);

ALTER TABLE media ENABLE ROW LEVEL SECURITY;
CREATE POLICY media_read ON media FOR SELECT
    USING (EXISTS (SELECT 1 FROM bulletin b WHERE b.id = bulletin_id));
CREATE POLICY media_add ON media FOR INSERT
    WITH CHECK (uploaded_by = custodian_actor() AND EXISTS (SELECT 1 FROM bulletin b WHERE b.id = bulletin_id));

-- The orphan sweep asks whether a stored object is recorded, without
-- seeing any row (it runs with no actor).
CREATE FUNCTION custodian_media_object_known(name text) RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
    AS $$ SELECT EXISTS (SELECT 1 FROM media WHERE object_name = name) $$;
REVOKE ALL ON FUNCTION custodian_media_object_known(text) FROM PUBLIC;

GRANT SELECT, INSERT ON media TO custodian_runtime;
GRANT EXECUTE ON FUNCTION custodian_media_object_known(text) TO custodian_runtime;
