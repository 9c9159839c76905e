-- The activity log: append-only and hash-chained. Each row's hash covers
-- the previous row's hash and every field of its own, so an edited,
-- deleted or reordered row breaks the chain at that row. The runtime role
-- may INSERT and SELECT only; the chain is computed by a trigger that runs
-- with the owner's rights, so the runtime role cannot forge it either.

CREATE TABLE audit_log (
    seq       bigint PRIMARY KEY,
    at_us     bigint NOT NULL,              -- microseconds since the epoch
    actor     text   NOT NULL,
    action    text   NOT NULL,
    target    text   NOT NULL DEFAULT '',
    details   jsonb  NOT NULL DEFAULT '{}',
    prev_hash bytea  NOT NULL,
    hash      bytea  NOT NULL
);

-- The chain's head: one row, locked by every insert, so concurrent inserts
-- are serialised and the sequence has no gaps.
CREATE TABLE audit_head (
    id   boolean PRIMARY KEY DEFAULT true CHECK (id),
    seq  bigint NOT NULL,
    hash bytea  NOT NULL
);
INSERT INTO audit_head (seq, hash) VALUES (0, '\x0000000000000000000000000000000000000000000000000000000000000000');

-- Signed checkpoints (Vault transit, key custodian-audit). They survive
-- pruning, so a pruned log still verifies from its first kept row.
CREATE TABLE audit_checkpoint (
    seq          bigint PRIMARY KEY,
    hash         bytea  NOT NULL,
    signature    text   NOT NULL,
    signed_at_us bigint NOT NULL
);

-- Canonical form, mirrored by the verifier: every field as
-- "<octet length>:<bytes>;" so that no two rows encode alike.
CREATE FUNCTION audit_field(v text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT
    RETURN octet_length(v)::text || ':' || v || ';';

CREATE FUNCTION audit_chain() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public
AS $$
DECLARE
    head record;
BEGIN
    SELECT seq, hash INTO head FROM public.audit_head WHERE id FOR UPDATE;
    NEW.seq := head.seq + 1;
    NEW.at_us := (extract(epoch FROM clock_timestamp()) * 1000000)::bigint;
    NEW.prev_hash := head.hash;
    NEW.hash := sha256(head.hash || convert_to(
        public.audit_field(NEW.seq::text) || public.audit_field(NEW.at_us::text) ||
        public.audit_field(NEW.actor) || public.audit_field(NEW.action) ||
        public.audit_field(NEW.target) || public.audit_field(NEW.details::text), 'UTF8'));
    UPDATE public.audit_head SET seq = NEW.seq, hash = NEW.hash WHERE id;
    RETURN NEW;
END
$$;
REVOKE ALL ON FUNCTION audit_chain() FROM PUBLIC;

CREATE TRIGGER audit_chain BEFORE INSERT ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_chain();

GRANT SELECT, INSERT ON audit_log TO custodian_runtime;
GRANT SELECT, INSERT ON audit_checkpoint TO custodian_runtime;
