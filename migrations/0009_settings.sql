-- Settings administrators change in the appliance (the rest is the
-- configuration file and Vault). Only known keys; every change is in the
-- activity log with its old and new value.

CREATE TABLE app_setting (
    key        text PRIMARY KEY CHECK (key IN ('login_notice', 'export_ttl_minutes')),
    value      text NOT NULL CHECK (length(value) <= 1000),
    updated_by bigint NOT NULL REFERENCES app_user (id),
    updated_at timestamptz NOT NULL DEFAULT now()
);

GRANT SELECT, INSERT, UPDATE ON app_setting TO custodian_runtime;
