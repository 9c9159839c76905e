-- TOTP as a second factor. The secret is stored only as Vault transit
-- ciphertext (key custodian-fields); the last accepted time step is kept
-- so that a code cannot be used twice. A session that has passed the
-- password but not yet the second factor is marked and grants nothing.

ALTER TABLE app_user
    ADD COLUMN totp_secret    text,
    ADD COLUMN totp_pending   text,
    ADD COLUMN totp_last_step bigint NOT NULL DEFAULT 0;

ALTER TABLE user_session
    ADD COLUMN second_factor_pending boolean NOT NULL DEFAULT false;
