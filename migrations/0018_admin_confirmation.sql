-- custodian: additive
-- Administrator rights and the reset of an administrator's second factor
-- wait here until a different administrator confirms them. While a grant
-- waits, app_user.role keeps the account's previous role (a new account:
-- readonly), so every check of role = 'admin' in SQL and in the policy
-- module stays sound without knowing about this table.
CREATE TABLE admin_confirmation (
    target_id    bigint NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
    kind         text NOT NULL CHECK (kind IN ('grant-admin', 'reset-second-factor')),
    requested_by bigint NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
    requested_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (target_id, kind)
);

GRANT SELECT, INSERT, UPDATE, DELETE ON admin_confirmation TO custodian_runtime;
