-- Checkpoints are no longer written by the runtime role directly: with
-- INSERT it could add a row with any (seq, hash, signature), and pruning
-- would have trusted it. The runtime role now only calls
-- audit_checkpoint_store, which runs with the owner's rights and accepts a
-- checkpoint only for a row that is in the chain with exactly that hash.
-- The signature itself (made through Vault transit, key custodian-audit)
-- cannot be checked inside PostgreSQL: custodianctl checks it against Vault
-- before it verifies or prunes. Not additive: a release built before this
-- migration inserts checkpoints directly and would fail to sign them.

REVOKE INSERT ON audit_checkpoint FROM custodian_runtime;

CREATE FUNCTION audit_checkpoint_store(p_seq bigint, p_hash bytea, p_signature text)
    RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public
AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM public.audit_log WHERE seq = p_seq AND hash = p_hash) THEN
        RAISE EXCEPTION 'no activity-log row % with that hash: a checkpoint must name a row of the chain', p_seq
            USING ERRCODE = 'check_violation';
    END IF;
    IF p_signature !~ '^vault:v[0-9]+:[A-Za-z0-9+/=]+$' THEN
        RAISE EXCEPTION 'a checkpoint signature is a Vault transit signature (vault:vN:...)'
            USING ERRCODE = 'check_violation';
    END IF;
    INSERT INTO public.audit_checkpoint (seq, hash, signature, signed_at_us)
    VALUES (p_seq, p_hash, p_signature,
            (extract(epoch FROM clock_timestamp()) * 1000000)::bigint)
    ON CONFLICT (seq) DO NOTHING;
END
$$;
REVOKE ALL ON FUNCTION audit_checkpoint_store(bigint, bytea, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_checkpoint_store(bigint, bytea, text) TO custodian_runtime;
