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
