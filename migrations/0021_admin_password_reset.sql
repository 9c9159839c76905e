-- custodian: additive
-- An administrator's password is reset only when a different
-- administrator confirms, and the one-time password is shown to her
-- (issue 12: one administrator must not come to hold another's account).
-- Releases built before it never write the new kind.
ALTER TABLE admin_confirmation DROP CONSTRAINT admin_confirmation_kind_check;
ALTER TABLE admin_confirmation ADD CONSTRAINT admin_confirmation_kind_check
    CHECK (kind IN ('grant-admin', 'reset-second-factor', 'reset-password'));
