-- custodian: additive
-- Two ways back for administrator accounts (issue 12, items 4 and 16).
-- An administrator's password is reset only when a different
-- administrator confirms, and the one-time password is shown to her: one
-- administrator must not come to hold another's account.
-- The console's recovery (`custodianctl account recover-admin`,
-- `confirm-admin`) issues a setup-style token that names the account it
-- recovers; custodiand's /recover page takes it. Setup tokens proper have
-- no account. Releases built before it never write either.
ALTER TABLE admin_confirmation DROP CONSTRAINT admin_confirmation_kind_check;
ALTER TABLE admin_confirmation ADD CONSTRAINT admin_confirmation_kind_check
    CHECK (kind IN ('grant-admin', 'reset-second-factor', 'reset-password'));

ALTER TABLE setup_token ADD COLUMN recovers bigint REFERENCES app_user (id);
