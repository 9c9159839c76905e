# Vault/OpenBao policy for custodiand, the web daemon. Least privilege:
# every path it may touch is listed; nothing it does not use is granted.
# Written by `custodianctl vault provision` as the policy "custodiand".
# Token self-management (renew-self, lookup-self, revoke-self) comes from
# Vault's built-in "default" policy.

# TLS: sign a CSR made inside the daemon (the key never leaves it).
path "pki/sign/custodiand" {
  capabilities = ["create", "update"]
}

# TLS from an outside CA: a certificate and key kept in KV instead.
path "kv/data/custodian/tls" {
  capabilities = ["read"]
}

# Versioned keyring (password pepper, token HMAC keys) and third-party
# credentials. Metadata tells which versions are still valid.
path "kv/data/custodian/keyring" {
  capabilities = ["read"]
}
path "kv/metadata/custodian/keyring" {
  capabilities = ["read"]
}
path "kv/data/custodian/third-party/*" {
  capabilities = ["read"]
}

# Dynamic PostgreSQL credentials for the runtime role; renew and revoke
# only leases of that role.
path "database/creds/custodian-runtime" {
  capabilities = ["read"]
}
# Or a static role (one user, password rotated by Vault on a schedule).
path "database/static-creds/custodian-runtime-static" {
  capabilities = ["read"]
}
path "sys/leases/renew/database/creds/custodian-runtime/*" {
  capabilities = ["update"]
}
path "sys/leases/revoke/database/creds/custodian-runtime/*" {
  capabilities = ["update"]
}

# Transit: field encryption, per-file data keys, audit checkpoint signing.
path "transit/encrypt/custodian-fields" {
  capabilities = ["update"]
}
path "transit/decrypt/custodian-fields" {
  capabilities = ["update"]
}
# Keys wrapped for one purpose each, bound to their record by the
# derivation context (custodian_vault::wrapping).
path "transit/encrypt/custodian-totp" {
  capabilities = ["update"]
}
path "transit/decrypt/custodian-totp" {
  capabilities = ["update"]
}
path "transit/encrypt/custodian-media" {
  capabilities = ["update"]
}
path "transit/decrypt/custodian-media" {
  capabilities = ["update"]
}
path "transit/encrypt/custodian-exports" {
  capabilities = ["update"]
}
path "transit/decrypt/custodian-exports" {
  capabilities = ["update"]
}
path "transit/datakey/wrapped/custodian-files" {
  capabilities = ["update"]
}
path "transit/decrypt/custodian-files" {
  capabilities = ["update"]
}
path "transit/sign/custodian-audit" {
  capabilities = ["update"]
}
path "transit/verify/custodian-audit" {
  capabilities = ["update"]
}
