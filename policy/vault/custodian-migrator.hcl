# Vault/OpenBao policy for the migrator (custodian-updated and
# `custodianctl migrate`): owner credentials for schema changes, and
# checkpoint signing for the update steps it records. custodiand never
# holds this policy.

path "database/creds/custodian-owner" {
  capabilities = ["read"]
}
path "sys/leases/revoke/database/creds/custodian-owner/*" {
  capabilities = ["update"]
}
path "transit/sign/custodian-audit" {
  capabilities = ["update"]
}
# `custodianctl audit verify` checks checkpoint signatures.
path "transit/verify/custodian-audit" {
  capabilities = ["update"]
}
# The backup job (`custodianctl backup`, run with the migrator's AppRole):
# the repository passphrases, and, for the weekly restore drill, unwrapping
# media keys to check that restored files decrypt to their SHA-256.
# Neither custodiand nor this policy may back up or export transit keys:
# the key escrow is made with an operator token (`custodianctl vault
# escrow`).
path "kv/data/custodian/backup" {
  capabilities = ["read"]
}
# The optional remote (S3) repository's access key, stored by an operator
# (`custodianctl vault backup-remote-credentials`).
path "kv/data/custodian/backup-remote" {
  capabilities = ["read"]
}
path "transit/decrypt/custodian-media" {
  capabilities = ["update"]
}
path "transit/decrypt/custodian-fields" {
  capabilities = ["update"]
}
# The backup job checks that the sealed key escrow holds every key version
# in use: version numbers only (a transit key's metadata and the keyring's
# version list), never key material.
path "transit/keys/custodian-*" {
  capabilities = ["read"]
}
path "kv/metadata/custodian/keyring" {
  capabilities = ["read"]
}
