-- Accounts, sessions and the one-time setup token. Passwords are argon2id
-- PHC strings (parameters inside) peppered with a Vault keyring version;
-- session tokens and the setup token are stored only as SHA-256 hashes, so
-- a copy of the database logs nobody in.

CREATE TABLE app_user (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username            text NOT NULL UNIQUE CHECK (username ~ '^[a-z0-9][a-z0-9._-]{1,62}$'),
    role                text NOT NULL CHECK (role IN ('admin', 'moderator', 'analyst', 'readonly')),
    state               text NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'suspended', 'disabled')),
    password_hash       text NOT NULL,
    pepper_version      bigint NOT NULL,
    must_change_password boolean NOT NULL DEFAULT false,
    failed_logins       integer NOT NULL DEFAULT 0,
    locked_until        timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now(),
    password_changed_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE user_session (
    token_hash       bytea PRIMARY KEY,
    user_id          bigint NOT NULL REFERENCES app_user (id),
    created_at       timestamptz NOT NULL DEFAULT now(),
    last_seen        timestamptz NOT NULL DEFAULT now(),
    authenticated_at timestamptz NOT NULL DEFAULT now(),
    expires_at       timestamptz NOT NULL,
    peer             text NOT NULL,
    user_agent       text NOT NULL DEFAULT ''
);
CREATE INDEX user_session_user ON user_session (user_id);

CREATE TABLE setup_token (
    token_hash bytea PRIMARY KEY,
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);

-- Accounts are never deleted (they are referenced by the activity log and
-- by evidence); they are disabled instead.
GRANT SELECT, INSERT, UPDATE ON app_user TO custodian_runtime;
GRANT SELECT, INSERT, UPDATE, DELETE ON user_session TO custodian_runtime;
GRANT SELECT, INSERT, UPDATE ON setup_token TO custodian_runtime;
