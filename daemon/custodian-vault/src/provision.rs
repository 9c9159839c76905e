//! `custodianctl vault provision`: everything custodiand needs in a Vault
//! or OpenBao, created if missing and left alone if present, so it can run
//! again safely. Runs with an operator's token, never custodiand's.

use std::time::Duration;

use reqwest::Method;
use secrecy::SecretString;
use serde_json::{json, Value};

use crate::client::{field, Client, VaultError};

pub const PKI_MOUNT: &str = "pki";
pub const KV_MOUNT: &str = "kv";
pub const TRANSIT_MOUNT: &str = "transit";
pub const APPROLE_MOUNT: &str = "approle";
pub const ROLE: &str = "custodiand";
pub const KEYRING_PATH: &str = "custodian/keyring";
/// The backup repositories' passphrases (KV v2).
pub const BACKUP_SECRETS_PATH: &str = "custodian/backup";
pub const BACKUP_SECRET_FIELDS: &[&str] = &["pgbackrest-cipher-pass", "restic-password"];
/// The optional remote (S3-compatible) backup repository's access key
/// (KV v2), stored by an operator (`custodianctl vault
/// backup-remote-credentials`), read by the backup job.
pub const BACKUP_REMOTE_PATH: &str = "custodian/backup-remote";
pub const MIGRATOR_ROLE: &str = "custodian-migrator";
pub const DATABASE_MOUNT: &str = "database";
pub const DATABASE_CONNECTION: &str = "custodian";
pub const RUNTIME_DB_ROLE: &str = "custodian-runtime";
pub const OWNER_DB_ROLE: &str = "custodian-owner";
pub const STATIC_RUNTIME_DB_ROLE: &str = "custodian-runtime-static";
pub const POLICY_NAME: &str = "custodiand";
pub const MIGRATOR_POLICY_NAME: &str = "custodian-migrator";
pub const POLICY: &str = include_str!("../../../policy/vault/custodiand.hcl");
pub const MIGRATOR_POLICY: &str = include_str!("../../../policy/vault/custodian-migrator.hcl");
/// Transit keys: name, type, and whether it is derived (each ciphertext
/// bound to a context, see `wrapping`).
pub const TRANSIT_KEYS: &[(&str, &str, bool)] = &[
    // Field encryption; also what every wrapped key used before purposes
    // had their own keys, kept so that those stay readable.
    ("custodian-fields", "aes256-gcm96", false),
    ("custodian-files", "aes256-gcm96", false),
    ("custodian-audit", "ed25519", false),
    ("custodian-totp", "aes256-gcm96", true),
    ("custodian-media", "aes256-gcm96", true),
    ("custodian-exports", "aes256-gcm96", true),
];

#[derive(Debug, Clone)]
pub struct Options {
    /// Names the TLS certificate may carry (the PKI role's allowed_domains).
    pub tls_domains: Vec<String>,
    /// Make a self-signed root CA when the PKI mount has none. For
    /// development and tests; production imports an intermediate.
    pub dev_root_ca: bool,
    /// Longest certificate lifetime the PKI role allows.
    pub tls_max_ttl: Duration,
    /// custodiand's token is periodic: renewable indefinitely by itself,
    /// dead after one period without renewal.
    pub token_period: Duration,
    /// Addresses allowed to log in and use the token (empty: any).
    pub bind_cidrs: Vec<String>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            tls_domains: vec!["localhost".into()],
            dev_root_ca: false,
            tls_max_ttl: Duration::from_secs(72 * 3600),
            token_period: Duration::from_secs(3600),
            bind_cidrs: Vec::new(),
        }
    }
}

#[derive(Debug)]
pub struct Provisioned {
    pub role_id: String,
    /// The PKI CA certificate, for browsers and clients to trust.
    pub ca_pem: Option<String>,
    /// What was created or changed, one line each.
    pub changes: Vec<String>,
}

pub async fn provision(
    admin: &Client,
    opts: &Options,
    progress: &dyn Fn(&str),
) -> Result<Provisioned, VaultError> {
    let mut changes = Vec::new();
    let mut note = |s: String| {
        progress(&s);
        changes.push(s);
    };

    let mounts = admin.get("sys/mounts").await?.unwrap_or(Value::Null);
    let mounted = |name: &str| {
        mounts.get(format!("{name}/")).is_some()
            || mounts.pointer(&format!("/data/{name}~1")).is_some()
    };
    for (name, body) in [
        (
            PKI_MOUNT,
            json!({"type": "pki", "config": {"max_lease_ttl": format!("{}s", 10 * 365 * 24 * 3600)}}),
        ),
        (KV_MOUNT, json!({"type": "kv", "options": {"version": "2"}})),
        (TRANSIT_MOUNT, json!({"type": "transit"})),
    ] {
        if !mounted(name) {
            admin.post(&format!("sys/mounts/{name}"), &body).await?;
            note(format!("enabled secrets engine {name}/"));
        }
    }
    let auths = admin.get("sys/auth").await?.unwrap_or(Value::Null);
    if auths.get(format!("{APPROLE_MOUNT}/")).is_none()
        && auths.pointer(&format!("/data/{APPROLE_MOUNT}~1")).is_none()
    {
        admin
            .post(
                &format!("sys/auth/{APPROLE_MOUNT}"),
                &json!({"type": "approle"}),
            )
            .await?;
        note(format!("enabled auth method {APPROLE_MOUNT}/"));
    }

    // PKI: a CA (development only) and the role custodiand signs against.
    let ca_pem = match admin
        .call(Method::GET, &format!("{PKI_MOUNT}/cert/ca"), None)
        .await
    {
        Ok(Some(v)) => v
            .pointer("/data/certificate")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned),
        Ok(None)
        | Err(VaultError::NotFound { .. })
        | Err(VaultError::Status { status: 400, .. }) => None,
        Err(e) => return Err(e),
    };
    let ca_pem = match ca_pem {
        Some(pem) => Some(pem),
        None if opts.dev_root_ca => {
            let v = admin
                .post(
                    &format!("{PKI_MOUNT}/root/generate/internal"),
                    &json!({"common_name": "Custodian development root CA", "ttl": "87600h", "key_type": "ec", "key_bits": 256, "issuer_name": "custodian-dev-root"}),
                )
                .await?
                .unwrap_or(Value::Null);
            note("generated a development root CA in pki/ (not for production)".into());
            v.pointer("/data/certificate")
                .and_then(Value::as_str)
                .map(str::to_owned)
        }
        None => {
            note("pki/ has no CA yet: import an intermediate CA before custodiand starts (see README)".into());
            None
        }
    };
    admin
        .post(
            &format!("{PKI_MOUNT}/roles/{ROLE}"),
            &json!({
                "allowed_domains": opts.tls_domains,
                "allow_bare_domains": true,
                "allow_subdomains": false,
                "allow_localhost": true,
                "allow_ip_sans": true,
                "allow_wildcard_certificates": false,
                "key_type": "ec",
                "key_bits": 256,
                "max_ttl": format!("{}s", opts.tls_max_ttl.as_secs()),
                "ttl": format!("{}s", opts.tls_max_ttl.as_secs().min(24 * 3600)),
                "server_flag": true,
                "client_flag": false,
                "use_csr_sans": true,
                "use_csr_common_name": true,
                "no_store": false,
                "generate_lease": false,
            }),
        )
        .await?;
    note(format!(
        "wrote PKI role {PKI_MOUNT}/roles/{ROLE} for {}",
        opts.tls_domains.join(", ")
    ));

    // KV: keep some history so a rotation can accept the previous version.
    admin
        .post(&format!("{KV_MOUNT}/config"), &json!({"max_versions": 10}))
        .await?;

    for (key, kind, derived) in TRANSIT_KEYS {
        match admin.get(&format!("{TRANSIT_MOUNT}/keys/{key}")).await {
            Ok(_) => {}
            Err(VaultError::NotFound { .. }) => {
                admin
                    .post(
                        &format!("{TRANSIT_MOUNT}/keys/{key}"),
                        &json!({"type": kind, "exportable": false, "derived": derived}),
                    )
                    .await?;
                note(format!("created transit key {key} ({kind})"));
            }
            Err(e) => return Err(e),
        }
    }

    match admin
        .get(&format!("{KV_MOUNT}/metadata/{KEYRING_PATH}"))
        .await
    {
        Ok(_) => {}
        Err(VaultError::NotFound { .. }) => {
            rotate_keyring(admin).await?;
            note(format!(
                "wrote the first keyring version at {KV_MOUNT}/{KEYRING_PATH}"
            ));
        }
        Err(e) => return Err(e),
    }

    // The backup repositories' passphrases (pgBackRest's cipher pass and
    // restic's password), generated once; read by the backup job with the
    // migrator's token, escrowed with the keys (`custodianctl vault escrow`).
    match admin
        .get(&format!("{KV_MOUNT}/metadata/{BACKUP_SECRETS_PATH}"))
        .await
    {
        Ok(_) => {}
        Err(VaultError::NotFound { .. }) => {
            let mut data = serde_json::Map::new();
            for field in BACKUP_SECRET_FIELDS {
                data.insert(
                    (*field).to_owned(),
                    Value::String(crate::keyring::random_b64(32)?),
                );
            }
            admin
                .post(
                    &format!("{KV_MOUNT}/data/{BACKUP_SECRETS_PATH}"),
                    &json!({"data": data}),
                )
                .await?;
            note(format!(
                "generated the backup passphrases at {KV_MOUNT}/{BACKUP_SECRETS_PATH}"
            ));
        }
        Err(e) => return Err(e),
    }

    for (name, text) in [
        (POLICY_NAME, POLICY),
        (MIGRATOR_POLICY_NAME, MIGRATOR_POLICY),
    ] {
        admin
            .put(
                &format!("sys/policies/acl/{name}"),
                &json!({"policy": text}),
            )
            .await?;
        note(format!("wrote policy {name}"));
    }

    admin
        .post(
            &format!("auth/{APPROLE_MOUNT}/role/{ROLE}"),
            &json!({
                "token_policies": [POLICY_NAME],
                "token_type": "service",
                "token_period": format!("{}s", opts.token_period.as_secs()),
                "token_ttl": 0,
                "token_max_ttl": 0,
                "secret_id_num_uses": 0,
                "secret_id_ttl": 0,
                "token_bound_cidrs": opts.bind_cidrs,
                "secret_id_bound_cidrs": opts.bind_cidrs,
                "bind_secret_id": true,
            }),
        )
        .await?;
    note(format!(
        "wrote AppRole {APPROLE_MOUNT}/role/{ROLE} (periodic token, {} s)",
        opts.token_period.as_secs()
    ));
    let v = admin
        .get(&format!("auth/{APPROLE_MOUNT}/role/{ROLE}/role-id"))
        .await?
        .ok_or(VaultError::Missing {
            path: "role-id".into(),
            field: "data",
        })?;
    let role_id = field(&v, "/data/role_id", "role-id", "data.role_id")?.to_owned();
    Ok(Provisioned {
        role_id,
        ca_pem,
        changes,
    })
}

/// Issues a new secret_id for an AppRole (custodiand or the migrator). With `wrap_ttl`, the result is a
/// response-wrapping token that can be unwrapped once within that time.
pub async fn new_secret_id(
    admin: &Client,
    role: &str,
    wrap_ttl: Option<Duration>,
    metadata: &str,
) -> Result<SecretString, VaultError> {
    let path = format!("auth/{APPROLE_MOUNT}/role/{role}/secret-id");
    let body = json!({"metadata": json!({"issued-by": metadata}).to_string()});
    match wrap_ttl {
        Some(ttl) => {
            let ttl = format!("{}s", ttl.as_secs());
            let v = admin
                .call_with_headers(
                    Method::POST,
                    &path,
                    Some(&body),
                    &[("X-Vault-Wrap-TTL", &ttl)],
                )
                .await?
                .ok_or(VaultError::Missing {
                    path: path.clone(),
                    field: "wrap_info",
                })?;
            Ok(SecretString::from(
                field(&v, "/wrap_info/token", &path, "wrap_info.token")?.to_owned(),
            ))
        }
        None => {
            let v = admin.post(&path, &body).await?.ok_or(VaultError::Missing {
                path: path.clone(),
                field: "data",
            })?;
            Ok(SecretString::from(
                field(&v, "/data/secret_id", &path, "data.secret_id")?.to_owned(),
            ))
        }
    }
}

/// Where Vault's database engine reaches PostgreSQL, and as whom.
pub struct DatabaseOptions {
    pub host: String,
    pub port: u16,
    pub dbname: String,
    pub sslmode: String,
    pub admin_user: String,
    /// The bootstrap password of `admin_user`; Vault rotates it at once, so
    /// afterwards only Vault knows it. Needed only for the first run.
    pub admin_password: Option<SecretString>,
    pub runtime_ttl: Duration,
    pub runtime_max_ttl: Duration,
    pub owner_ttl: Duration,
    /// An existing login role (member of `custodian_runtime`) whose
    /// password Vault should rotate every `static_rotation`: the static
    /// alternative to dynamic users.
    pub static_runtime_user: Option<String>,
    pub static_rotation: Duration,
}

impl std::fmt::Debug for DatabaseOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DatabaseOptions")
            .field("host", &self.host)
            .field("port", &self.port)
            .finish_non_exhaustive()
    }
}

/// Configures the database engine, the runtime and owner roles, and the
/// migrator's AppRole. Returns the migrator's role_id.
pub async fn provision_database(
    admin: &Client,
    opts: &DatabaseOptions,
    progress: &dyn Fn(&str),
) -> Result<String, VaultError> {
    use secrecy::ExposeSecret;
    let mounts = admin.get("sys/mounts").await?.unwrap_or(Value::Null);
    if mounts.get(format!("{DATABASE_MOUNT}/")).is_none()
        && mounts
            .pointer(&format!("/data/{DATABASE_MOUNT}~1"))
            .is_none()
    {
        admin
            .post(
                &format!("sys/mounts/{DATABASE_MOUNT}"),
                &json!({"type": "database"}),
            )
            .await?;
        progress(&format!("enabled secrets engine {DATABASE_MOUNT}/"));
    }
    let config_path = format!("{DATABASE_MOUNT}/config/{DATABASE_CONNECTION}");
    let connection_url = format!(
        "postgresql://{{{{username}}}}:{{{{password}}}}@{}:{}/{}?sslmode={}",
        opts.host, opts.port, opts.dbname, opts.sslmode
    );
    let existing = match admin.get(&config_path).await {
        Ok(v) => Some(v.unwrap_or(Value::Null)),
        Err(VaultError::NotFound { .. }) => None,
        Err(e) => return Err(e),
    };
    let configured = existing.is_some();
    let admin_password = match (&opts.admin_password, configured) {
        (Some(p), _) => Some(p),
        (None, true) => None,
        (None, false) => {
            return Err(VaultError::Invalid(format!(
                "{config_path} does not exist yet: pass the bootstrap password of {} (--admin-password-file)",
                opts.admin_user
            )))
        }
    };
    if let Some(existing) = &existing {
        let current = existing
            .pointer("/data/connection_details/connection_url")
            .and_then(Value::as_str);
        if current == Some(connection_url.as_str()) {
            progress(&format!(
                "{config_path} exists; kept (its admin password is known only to Vault)"
            ));
        } else {
            // PostgreSQL moved (another host or port): only the address
            // changes. An update keeps the fields it does not name, so the
            // admin password Vault rotated stays Vault's alone.
            admin
                .post(
                    &config_path,
                    &json!({"connection_url": connection_url, "verify_connection": true}),
                )
                .await?;
            progress(&format!(
                "{config_path} now reaches {}:{}/{} (was {}); its admin password kept",
                opts.host,
                opts.port,
                opts.dbname,
                current.map(redact_url).unwrap_or_else(|| "unknown".into())
            ));
        }
    } else {
        admin
            .post(
                &config_path,
                &json!({
                    "plugin_name": "postgresql-database-plugin",
                    "connection_url": connection_url,
                    "username": opts.admin_user,
                    "password": admin_password.map(|p| p.expose_secret()).unwrap_or_default(),
                    "password_authentication": "scram-sha-256",
                    "allowed_roles": [RUNTIME_DB_ROLE, OWNER_DB_ROLE, STATIC_RUNTIME_DB_ROLE],
                    "verify_connection": true,
                }),
            )
            .await?;
        admin
            .post(
                &format!("{DATABASE_MOUNT}/rotate-root/{DATABASE_CONNECTION}"),
                &json!({}),
            )
            .await?;
        progress(&format!(
            "configured {config_path} and rotated {}'s password (now known only to Vault)",
            opts.admin_user
        ));
    }
    let revoke = json!([
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{{name}}';",
        "DROP ROLE IF EXISTS \"{{name}}\";"
    ]);
    admin
        .post(
            &format!("{DATABASE_MOUNT}/roles/{RUNTIME_DB_ROLE}"),
            &json!({
                "db_name": DATABASE_CONNECTION,
                "creation_statements": ["CREATE ROLE \"{{name}}\" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}' IN ROLE custodian_runtime;"],
                "revocation_statements": revoke,
                "default_ttl": format!("{}s", opts.runtime_ttl.as_secs()),
                "max_ttl": format!("{}s", opts.runtime_max_ttl.as_secs()),
            }),
        )
        .await?;
    // Objects made by a migration belong to the NOLOGIN owner role, never to
    // the short-lived user (which Vault drops afterwards).
    admin
        .post(
            &format!("{DATABASE_MOUNT}/roles/{OWNER_DB_ROLE}"),
            &json!({
                "db_name": DATABASE_CONNECTION,
                "creation_statements": [
                    "CREATE ROLE \"{{name}}\" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}' IN ROLE custodian_owner;",
                    "ALTER ROLE \"{{name}}\" SET role = 'custodian_owner';"
                ],
                "revocation_statements": revoke,
                "default_ttl": format!("{}s", opts.owner_ttl.as_secs()),
                "max_ttl": format!("{}s", opts.owner_ttl.as_secs() * 4),
            }),
        )
        .await?;
    progress(&format!(
        "wrote database roles {RUNTIME_DB_ROLE} and {OWNER_DB_ROLE}"
    ));
    if let Some(user) = &opts.static_runtime_user {
        admin
            .post(
                &format!("{DATABASE_MOUNT}/static-roles/{STATIC_RUNTIME_DB_ROLE}"),
                &json!({
                    "db_name": DATABASE_CONNECTION,
                    "username": user,
                    "rotation_period": format!("{}s", opts.static_rotation.as_secs()),
                }),
            )
            .await?;
        progress(&format!(
            "wrote static role {STATIC_RUNTIME_DB_ROLE} for {user} (rotated every {} s)",
            opts.static_rotation.as_secs()
        ));
    }
    admin
        .post(
            &format!("auth/{APPROLE_MOUNT}/role/{MIGRATOR_ROLE}"),
            &json!({
                "token_policies": [MIGRATOR_POLICY_NAME],
                "token_type": "service",
                "token_ttl": "900s",
                "token_max_ttl": "3600s",
                "secret_id_num_uses": 0,
                "secret_id_ttl": 0,
            }),
        )
        .await?;
    progress(&format!(
        "wrote AppRole {APPROLE_MOUNT}/role/{MIGRATOR_ROLE}"
    ));
    let v = admin
        .get(&format!(
            "auth/{APPROLE_MOUNT}/role/{MIGRATOR_ROLE}/role-id"
        ))
        .await?
        .ok_or(VaultError::Missing {
            path: "role-id".into(),
            field: "data",
        })?;
    Ok(field(&v, "/data/role_id", "role-id", "data.role_id")?.to_owned())
}

/// `host:port/db` of a connection URL: what changed, without the
/// credential placeholders.
fn redact_url(url: &str) -> String {
    let after = url.rsplit_once('@').map_or(url, |(_, r)| r);
    after.split('?').next().unwrap_or(after).to_owned()
}

/// Writes a new keyring version (fresh random keys); returns its number.
/// Tokens signed with the previous versions keep verifying for as long as
/// custodiand accepts them (`vault.keyring-accept-previous`).
pub async fn rotate_keyring(admin: &Client) -> Result<u64, VaultError> {
    let path = format!("{KV_MOUNT}/data/{KEYRING_PATH}");
    let v = admin
        .post(&path, &json!({"data": crate::keyring::new_version_data()?}))
        .await?
        .ok_or(VaultError::Missing {
            path: path.clone(),
            field: "data",
        })?;
    v.pointer("/data/version")
        .and_then(Value::as_u64)
        .ok_or(VaultError::Missing {
            path,
            field: "data.version",
        })
}
