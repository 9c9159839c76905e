-- Passkeys and security keys (WebAuthn) as a second factor and for
-- step-up; in-app notifications of security events; the devices an
-- account has signed in from, to tell a new one.
--
-- A credential is stored as webauthn-rs serialises it (public key,
-- counter, flags: nothing secret). `hardware` is false for credentials
-- that may be synced to other devices (backup eligible): a policy can
-- require a hardware key, which these do not satisfy.

ALTER TABLE app_user
    ADD COLUMN webauthn_handle uuid UNIQUE;

CREATE TABLE webauthn_credential (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id       bigint NOT NULL REFERENCES app_user (id),
    name          text   NOT NULL CHECK (length(name) BETWEEN 1 AND 60),
    credential_id bytea  NOT NULL UNIQUE,
    credential    jsonb  NOT NULL,
    hardware      boolean NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_used_at  timestamptz
);
CREATE INDEX webauthn_credential_user ON webauthn_credential (user_id);

-- One ceremony in flight per account and purpose; the challenge state is
-- taken (deleted) when the answer arrives, so it is used at most once.
CREATE TABLE webauthn_ceremony (
    user_id    bigint NOT NULL REFERENCES app_user (id),
    purpose    text   NOT NULL CHECK (purpose IN ('register', 'login', 'reauth')),
    state      jsonb  NOT NULL,
    expires_at timestamptz NOT NULL,
    PRIMARY KEY (user_id, purpose)
);

CREATE TABLE notification (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES app_user (id),
    kind       text   NOT NULL,
    message    text   NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    read_at    timestamptz
);
CREATE INDEX notification_user ON notification (user_id, created_at DESC);

-- A device is the pair (address, browser), kept as a keyed hash only.
CREATE TABLE known_device (
    user_id     bigint NOT NULL REFERENCES app_user (id),
    fingerprint bytea  NOT NULL,
    first_seen  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, fingerprint)
);

GRANT SELECT, INSERT, UPDATE, DELETE ON webauthn_credential TO custodian_runtime;
GRANT SELECT, INSERT, UPDATE, DELETE ON webauthn_ceremony TO custodian_runtime;
GRANT SELECT, INSERT, UPDATE ON notification TO custodian_runtime;
GRANT SELECT, INSERT ON known_device TO custodian_runtime;
