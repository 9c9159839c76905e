-- custodian: additive
-- The runtime role may no longer delete known devices at will: it only
-- calls this function, which removes the rows an older release wrote with
-- a plain (unkeyed) fingerprint and nothing else. Releases before it
-- deleted with DELETE; they still run (their cleanup fails, is logged,
-- and leaves the rows for the next start of a newer release).
CREATE FUNCTION custodian_forget_unkeyed_devices() RETURNS bigint
    LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
    AS $$
        WITH gone AS (DELETE FROM public.known_device WHERE NOT keyed RETURNING 1)
        SELECT count(*) FROM gone
    $$;
REVOKE ALL ON FUNCTION custodian_forget_unkeyed_devices() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION custodian_forget_unkeyed_devices() TO custodian_runtime;
REVOKE DELETE ON known_device FROM custodian_runtime;
