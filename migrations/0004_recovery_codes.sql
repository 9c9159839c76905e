-- Recovery codes: ten single-use codes per account, for when the
-- authenticator is lost. Stored as HMAC-SHA-256 keyed with a Vault keyring
-- version (the password pepper), so a copy of the database alone cannot be
-- brute-forced offline; shown once, when generated.

CREATE TABLE recovery_code (
    user_id        bigint NOT NULL REFERENCES app_user (id),
    code_hash      bytea  NOT NULL,
    pepper_version bigint NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    used_at        timestamptz,
    PRIMARY KEY (user_id, code_hash)
);

GRANT SELECT, INSERT, UPDATE, DELETE ON recovery_code TO custodian_runtime;
