-- custodian: additive
-- Second-factor and step-up failures count per account in PostgreSQL, as
-- password failures do, so that every custodiand node sees the same
-- count; both counters decay (halved per lockout period since their last
-- failure), so that an account that once reached the threshold is not
-- locked again by a single mistake after the lock expired. The lock itself
-- stays the one `locked_until` (administrators see and lift one lock).
--
-- Device fingerprints become keyed (HMAC under the keyring): rows made by
-- older releases (plain SHA-256) are marked unkeyed and removed by
-- custodiand at start, hence the DELETE grant.

ALTER TABLE app_user
    ADD COLUMN failed_login_at          timestamptz,
    ADD COLUMN second_factor_failures   integer NOT NULL DEFAULT 0,
    ADD COLUMN second_factor_failed_at  timestamptz;

ALTER TABLE known_device
    ADD COLUMN keyed boolean NOT NULL DEFAULT false;

GRANT DELETE ON known_device TO custodian_runtime;
