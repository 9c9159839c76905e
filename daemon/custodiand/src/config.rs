//! The daemon's configuration file: TOML, every table closed with
//! `deny_unknown_fields`, parsed in one step and checked in a second so that
//! every message can name the key and the fix.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

pub use custodian_core::config::{DatabaseConfig, SearchConfig, StorageConfig, UpdatesConfig};

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "cannot read configuration file {path}: {source}; pass an existing file with --config"
    )]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("configuration file {path} is invalid: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("configuration file {path}: `{key}` {problem}; fix: {fix}")]
    Invalid {
        path: PathBuf,
        key: &'static str,
        problem: String,
        fix: String,
    },
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Config {
    pub server: ServerConfig,
    #[serde(default)]
    pub limits: LimitsConfig,
    pub tls: TlsConfig,
    #[serde(default)]
    pub vault: Option<VaultConfig>,
    #[serde(default)]
    pub database: Option<DatabaseConfig>,
    #[serde(default)]
    pub identity: IdentityConfig,
    /// Lists and searches: the interactive budget and background searches.
    #[serde(default)]
    pub search: SearchConfig,
    /// Where evidence media are kept; without it uploads are refused.
    #[serde(default)]
    pub storage: Option<StorageConfig>,
    /// custodian-updated's socket; without it the updates page says so.
    #[serde(default)]
    pub updates: Option<UpdatesConfig>,
    /// Backups (`custodianctl backup`): with this table, a missing or
    /// stale backup makes `/readyz` degraded and tells administrators.
    #[serde(default)]
    pub backup: Option<BackupConfig>,
    #[serde(default)]
    pub ops: OpsConfig,
    #[serde(default)]
    pub log: LogConfig,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ServerConfig {
    /// Used only when no socket is passed by systemd.
    #[serde(default = "default_listen")]
    pub listen: SocketAddr,
    /// The origin browsers use, e.g. `https://custodian.example.org`.
    pub public_origin: String,
    /// The account the daemon switches to after binding.
    #[serde(default = "default_user")]
    pub user: String,
    /// Defaults to the user's primary group.
    #[serde(default)]
    pub group: Option<String>,
    /// The interface language when the browser asks for none of ours
    /// (`Accept-Language`): "en" or "ar".
    #[serde(default = "default_language")]
    pub language: String,
}

fn default_language() -> String {
    "en".into()
}

impl ServerConfig {
    /// The default interface language (checked by [`Config::check`]).
    pub fn language(&self) -> custodian_web::i18n::Lang {
        custodian_web::i18n::Lang::from_tag(&self.language).unwrap_or_default()
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct LimitsConfig {
    pub handshake_timeout_secs: u64,
    pub header_read_timeout_secs: u64,
    pub idle_timeout_secs: u64,
    pub request_timeout_secs: u64,
    pub max_header_bytes: usize,
    pub max_connections: usize,
    pub max_connections_per_ip: usize,
    pub max_h2_streams: u32,
    pub shutdown_grace_secs: u64,
    /// CSP violation reports recorded per peer address and minute; more
    /// are answered 429 and not recorded.
    pub csp_reports_per_minute: u32,
    /// Sign-in and setup attempts per peer address in five minutes.
    pub login_attempts_per_5_minutes: u32,
    /// Expensive requests (lists, searches, exports, uploads: the route
    /// table marks them) running at once, all accounts together. Below
    /// `database.pool-size`, so that sign-in and record views always find
    /// a connection; more are turned away with a 503 after the short wait
    /// of `database.acquire-timeout-ms`. Two per core: more only make each
    /// slower on PostgreSQL's CPUs.
    pub expensive_requests: usize,
    /// Expensive requests running at once for one account; more wait as
    /// briefly, then are turned away.
    pub expensive_requests_per_account: usize,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        Self {
            handshake_timeout_secs: 10,
            header_read_timeout_secs: 10,
            idle_timeout_secs: 60,
            request_timeout_secs: 60,
            max_header_bytes: 16 * 1024,
            max_connections: 4096,
            max_connections_per_ip: 128,
            max_h2_streams: 64,
            shutdown_grace_secs: 30,
            csp_reports_per_minute: 10,
            login_attempts_per_5_minutes: 30,
            // Sized for the 2-core appliance: 4 of the 16 pool connections.
            expensive_requests: 4,
            expensive_requests_per_account: 2,
        }
    }
}

impl LimitsConfig {
    pub fn handshake_timeout(&self) -> Duration {
        Duration::from_secs(self.handshake_timeout_secs)
    }
    pub fn header_read_timeout(&self) -> Duration {
        Duration::from_secs(self.header_read_timeout_secs)
    }
    pub fn idle_timeout(&self) -> Duration {
        Duration::from_secs(self.idle_timeout_secs)
    }
    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout_secs)
    }
    pub fn shutdown_grace(&self) -> Duration {
        Duration::from_secs(self.shutdown_grace_secs)
    }
}

/// Where the TLS certificate and key come from.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", tag = "source")]
pub enum TlsConfig {
    /// A PEM pair on disk, read before the privilege drop. For tests and
    /// development only: it needs `--dev-insecure-pem` on the command line,
    /// because production keys come from Vault and never touch the disk.
    DevPem { cert: PathBuf, key: PathBuf },
    /// Vault's PKI engine signs a CSR made in the daemon; renewed at two
    /// thirds of its lifetime.
    #[serde(rename_all = "kebab-case")]
    VaultPki {
        #[serde(default = "default_pki_mount")]
        mount: String,
        #[serde(default = "default_role_name")]
        role: String,
        common_name: String,
        #[serde(default)]
        alt_names: Vec<String>,
        #[serde(default)]
        ip_sans: Vec<std::net::IpAddr>,
        #[serde(default = "default_pki_ttl")]
        ttl_secs: u64,
    },
    /// A certificate from an outside CA kept in KV v2 (fields `certificate`
    /// and `private_key`, PEM), polled for new versions.
    #[serde(rename_all = "kebab-case")]
    VaultKv {
        #[serde(default = "default_kv_mount")]
        mount: String,
        path: String,
        #[serde(default = "default_poll")]
        poll_secs: u64,
    },
}

/// How old the last successful backup may be (read from the activity
/// log's `backup.finished` entries, which `custodianctl backup` writes).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct BackupConfig {
    #[serde(default = "default_backup_stale_hours")]
    pub stale_after_hours: u64,
    #[serde(default = "default_backup_check_secs")]
    pub check_interval_secs: u64,
}

fn default_backup_stale_hours() -> u64 {
    26
}

fn default_backup_check_secs() -> u64 {
    300
}

/// Sign-in settings that are the appliance operator's choice.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct IdentityConfig {
    /// Roles that must use a second factor (TOTP); accounts with these
    /// roles are sent to enrol before anything else.
    #[serde(default = "default_second_factor_roles")]
    pub require_second_factor: Vec<String>,
    /// Roles whose second factor must be a hardware security key (a
    /// WebAuthn credential that cannot be synced off its device). For
    /// them TOTP and synced passkeys do not pass the second step once a
    /// hardware key is registered, and until then the account can do
    /// nothing but register one. Recovery codes still work, as the
    /// documented way back in.
    #[serde(default)]
    pub require_hardware_key: Vec<String>,
}

impl Default for IdentityConfig {
    fn default() -> Self {
        Self {
            require_second_factor: default_second_factor_roles(),
            require_hardware_key: Vec::new(),
        }
    }
}

fn default_second_factor_roles() -> Vec<String> {
    vec!["admin".into(), "moderator".into()]
}

/// How custodiand reaches Vault (or OpenBao) and logs in with AppRole.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct VaultConfig {
    /// e.g. `https://vault.example.org:8200`; plain http only on loopback.
    pub address: String,
    /// Vault's CA, pinned (the system roots are not trusted for Vault).
    #[serde(default)]
    pub ca_cert: Option<PathBuf>,
    pub role_id: String,
    #[serde(default = "default_role_name")]
    pub role_name: String,
    #[serde(default = "default_approle_mount")]
    pub approle_mount: String,
    /// Name of a systemd credential (`LoadCredential=`/`LoadCredentialEncrypted=`)
    /// under `$CREDENTIALS_DIRECTORY` holding the secret_id.
    #[serde(default)]
    pub secret_id_credential: Option<String>,
    /// Or a root-only file holding it (read before the privilege drop).
    #[serde(default)]
    pub secret_id_file: Option<PathBuf>,
    /// The credential holds a response-wrapping token, unwrapped once.
    #[serde(default)]
    pub secret_id_wrapped: bool,
    #[serde(default = "default_vault_timeout")]
    pub request_timeout_secs: u64,
    /// KV v2 path (under `kv/`) of the versioned keyring.
    #[serde(default = "default_keyring_path")]
    pub keyring_path: String,
    /// How many versions before the newest still verify.
    #[serde(default = "default_accept_previous")]
    pub keyring_accept_previous: usize,
    #[serde(default = "default_poll")]
    pub keyring_poll_secs: u64,
}

fn default_keyring_path() -> String {
    "custodian/keyring".into()
}
fn default_accept_previous() -> usize {
    1
}

fn default_role_name() -> String {
    "custodiand".into()
}
fn default_approle_mount() -> String {
    "approle".into()
}
fn default_vault_timeout() -> u64 {
    10
}
fn default_pki_mount() -> String {
    "pki".into()
}
fn default_kv_mount() -> String {
    "kv".into()
}
fn default_pki_ttl() -> u64 {
    24 * 3600
}
fn default_poll() -> u64 {
    60
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct OpsConfig {
    /// `127.0.0.1:PORT`, `[::1]:PORT` or `unix:/path/to/socket`.
    #[serde(default = "default_ops_listen")]
    pub listen: String,
}

impl Default for OpsConfig {
    fn default() -> Self {
        Self {
            listen: default_ops_listen(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpsListen {
    Tcp(SocketAddr),
    Unix(PathBuf),
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "kebab-case")]
pub enum LogTarget {
    /// journald when its socket exists, stderr otherwise.
    #[default]
    Auto,
    Journald,
    Stderr,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct LogConfig {
    #[serde(default)]
    pub target: LogTarget,
    /// A tracing filter, e.g. `info` or `custodiand=debug,info`.
    #[serde(default = "default_log_level")]
    pub level: String,
}

impl Default for LogConfig {
    fn default() -> Self {
        Self {
            target: LogTarget::Auto,
            level: default_log_level(),
        }
    }
}

fn default_listen() -> SocketAddr {
    SocketAddr::from(([0, 0, 0, 0], 443))
}
fn default_user() -> String {
    "custodian".to_owned()
}
fn default_ops_listen() -> String {
    "127.0.0.1:9443".to_owned()
}
fn default_log_level() -> String {
    "info".to_owned()
}

impl Config {
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        let config = Self::parse(path, &text)?;
        config.check(path)?;
        Ok(config)
    }

    pub fn parse(path: &Path, text: &str) -> Result<Self, ConfigError> {
        toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: path.to_owned(),
            // toml's message already names the key, the line and, for an
            // unknown key, the keys that are allowed.
            message: e.to_string().trim_end().replace('\n', " | "),
        })
    }

    /// Checks that need more than the types: ranges and relations.
    pub fn check(&self, path: &Path) -> Result<(), ConfigError> {
        let invalid = |key: &'static str, problem: String, fix: &str| ConfigError::Invalid {
            path: path.to_owned(),
            key,
            problem,
            fix: fix.to_owned(),
        };
        if let Some(b) = &self.backup {
            if !(1..=24 * 366).contains(&b.stale_after_hours) {
                return Err(invalid(
                    "backup.stale-after-hours",
                    format!("is {}", b.stale_after_hours),
                    "hours from 1 to 8784 (26 suits daily backups)",
                ));
            }
            if !(1..=86400).contains(&b.check_interval_secs) {
                return Err(invalid(
                    "backup.check-interval-secs",
                    format!("is {}", b.check_interval_secs),
                    "seconds from 1 to 86400",
                ));
            }
        }
        if custodian_web::i18n::Lang::from_tag(&self.server.language).is_none() {
            return Err(invalid(
                "server.language",
                format!("is {:?}", self.server.language),
                "use \"en\" (English) or \"ar\" (Arabic)",
            ));
        }
        let origin = &self.server.public_origin;
        if !origin.starts_with("https://") || origin.ends_with('/') || origin.len() <= 8 {
            return Err(invalid(
                "server.public-origin",
                format!("is {origin:?}"),
                "give the https origin browsers use, without a trailing slash, e.g. \"https://custodian.example.org\"",
            ));
        }
        if let Some(storage) = &self.storage {
            if !storage.dir.is_absolute() {
                return Err(invalid(
                    "storage.dir",
                    format!("is {:?}", storage.dir),
                    "give an absolute directory the daemon's account owns, e.g. \"/var/lib/custodian/media\"",
                ));
            }
            let policy_max = custodian_core::evidence::uploads::UploadPolicy::builtin()
                .map(|p| p.max_bytes)
                .unwrap_or(0);
            if storage
                .max_upload_bytes
                .is_some_and(|m| m == 0 || m > policy_max)
            {
                return Err(invalid(
                    "storage.max-upload-bytes",
                    format!("is above policy/uploads.toml's max-bytes ({policy_max}) or zero"),
                    "leave it out (the policy's limit applies) or give a smaller positive number",
                ));
            }
        }
        if self.server.user.is_empty() {
            return Err(invalid(
                "server.user",
                "is empty".into(),
                "name the system account the daemon runs as, e.g. \"custodian\"",
            ));
        }
        let l = &self.limits;
        let ranges: [(&'static str, u64, u64, u64); 8] = [
            (
                "limits.handshake-timeout-secs",
                l.handshake_timeout_secs,
                1,
                120,
            ),
            (
                "limits.header-read-timeout-secs",
                l.header_read_timeout_secs,
                1,
                120,
            ),
            ("limits.idle-timeout-secs", l.idle_timeout_secs, 1, 3600),
            (
                "limits.request-timeout-secs",
                l.request_timeout_secs,
                1,
                3600,
            ),
            (
                "limits.max-header-bytes",
                l.max_header_bytes as u64,
                8192,
                1 << 20,
            ),
            (
                "limits.max-connections",
                l.max_connections as u64,
                1,
                1 << 20,
            ),
            (
                "limits.max-connections-per-ip",
                l.max_connections_per_ip as u64,
                1,
                1 << 20,
            ),
            ("limits.shutdown-grace-secs", l.shutdown_grace_secs, 1, 600),
        ];
        for (key, value, min, max) in ranges {
            if !(min..=max).contains(&value) {
                return Err(invalid(
                    key,
                    format!("is {value}"),
                    &format!("use a value from {min} to {max}"),
                ));
            }
        }
        if !(1..=1000).contains(&l.expensive_requests) {
            return Err(invalid(
                "limits.expensive-requests",
                format!("is {}", l.expensive_requests),
                "use a value from 1 to 1000 (below database.pool-size)",
            ));
        }
        if !(1..=l.expensive_requests).contains(&l.expensive_requests_per_account) {
            return Err(invalid(
                "limits.expensive-requests-per-account",
                format!(
                    "is {} (limits.expensive-requests is {})",
                    l.expensive_requests_per_account, l.expensive_requests
                ),
                "use a value from 1 to limits.expensive-requests",
            ));
        }
        if let Some(db) = &self.database {
            if l.expensive_requests >= db.pool_size {
                return Err(invalid(
                    "limits.expensive-requests",
                    format!(
                        "({}) is not below database.pool-size ({})",
                        l.expensive_requests, db.pool_size
                    ),
                    "lower it, or raise database.pool-size, so that connections are left for sign-in and record views while lists and searches are turned away",
                ));
            }
        }
        if l.max_connections_per_ip > l.max_connections {
            return Err(invalid(
                "limits.max-connections-per-ip",
                format!(
                    "({}) exceeds limits.max-connections ({})",
                    l.max_connections_per_ip, l.max_connections
                ),
                "lower it so that one address cannot take every connection",
            ));
        }
        if !(1..=1000).contains(&l.max_h2_streams) {
            return Err(invalid(
                "limits.max-h2-streams",
                format!("is {}", l.max_h2_streams),
                "use a value from 1 to 1000",
            ));
        }
        self.check_search(path)?;
        self.ops_listen(path)?;
        self.check_vault(path)?;
        if tracing_subscriber::EnvFilter::try_new(&self.log.level).is_err() {
            return Err(invalid(
                "log.level",
                format!("is {:?}", self.log.level),
                "use a level such as \"info\" or a filter such as \"custodiand=debug,info\"",
            ));
        }
        Ok(())
    }

    /// `[search]`: the interactive budget below the statement timeout
    /// (else the budget is never what stops a list), the background limit
    /// above it, and the background searches within the pool.
    fn check_search(&self, path: &Path) -> Result<(), ConfigError> {
        let invalid = |key: &'static str, problem: String, fix: String| ConfigError::Invalid {
            path: path.to_owned(),
            key,
            problem,
            fix,
        };
        let s = &self.search;
        let statement = self.database.as_ref().map(|d| d.statement_timeout_ms);
        let ceiling = statement.unwrap_or(3_600_000);
        if !(1..=ceiling).contains(&s.interactive_ms) {
            return Err(invalid(
                "search.interactive-ms",
                format!("is {}", s.interactive_ms),
                format!("use milliseconds from 1 to {ceiling} (database.statement-timeout-ms); a few seconds suits people waiting"),
            ));
        }
        if !(s.interactive_ms..=3_600_000).contains(&s.background_ms) {
            return Err(invalid(
                "search.background-ms",
                format!(
                    "is {} (search.interactive-ms is {})",
                    s.background_ms, s.interactive_ms
                ),
                "use milliseconds from search.interactive-ms to 3600000 (one hour)".into(),
            ));
        }
        let pool = self.database.as_ref().map_or(usize::MAX, |d| d.pool_size);
        let left = pool.saturating_sub(self.limits.expensive_requests);
        if !(1..=100).contains(&s.background_searches) || s.background_searches >= left {
            return Err(invalid(
                "search.background-searches",
                format!(
                    "is {} (database.pool-size {pool}, limits.expensive-requests {})",
                    s.background_searches, self.limits.expensive_requests
                ),
                "use a value from 1 to 100 that, added to limits.expensive-requests, stays below database.pool-size, so that sign-in and record views still find a connection".into(),
            ));
        }
        Ok(())
    }

    fn check_vault(&self, path: &Path) -> Result<(), ConfigError> {
        let invalid = |key: &'static str, problem: String, fix: &str| ConfigError::Invalid {
            path: path.to_owned(),
            key,
            problem,
            fix: fix.to_owned(),
        };
        let needs_vault = !matches!(self.tls, TlsConfig::DevPem { .. }) || self.database.is_some();
        let Some(v) = &self.vault else {
            if needs_vault {
                return Err(invalid(
                    "vault",
                    "is missing but tls.source or [database] needs Vault".into(),
                    "add a [vault] table with address, role-id and secret-id-credential (see custodianctl vault provision)",
                ));
            }
            return Ok(());
        };
        if v.role_id.trim().is_empty() {
            return Err(invalid(
                "vault.role-id",
                "is empty".into(),
                "paste the role_id printed by `custodianctl vault provision`",
            ));
        }
        match (&v.secret_id_credential, &v.secret_id_file) {
            (Some(_), Some(_)) | (None, None) => {
                return Err(invalid(
                    "vault.secret-id-credential",
                    "and vault.secret-id-file: exactly one must be set".into(),
                    "use secret-id-credential with systemd LoadCredential=, or secret-id-file for a root-only file",
                ))
            }
            (Some(name), None) if name.contains('/') || name.is_empty() || name.starts_with('.') => {
                return Err(invalid(
                    "vault.secret-id-credential",
                    format!("is {name:?}"),
                    "give the credential's name as in LoadCredential=NAME:..., without a path",
                ))
            }
            _ => {}
        }
        if let Some(db) = &self.database {
            let local = db.host.starts_with('/')
                || db.host == "localhost"
                || db
                    .host
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback());
            if !local {
                return Err(invalid(
                    "database.host",
                    format!("is {:?}", db.host),
                    "use a loopback address or a unix socket directory (TLS to PostgreSQL is not supported yet)",
                ));
            }
            for (key, value, min, max) in [
                ("database.pool-size", db.pool_size as u64, 1, 1000),
                (
                    "database.acquire-timeout-ms",
                    db.acquire_timeout_ms,
                    10,
                    10_000,
                ),
                (
                    "database.connect-timeout-ms",
                    db.connect_timeout_ms,
                    100,
                    60_000,
                ),
                (
                    "database.statement-timeout-ms",
                    db.statement_timeout_ms,
                    10,
                    3_600_000,
                ),
                ("database.drain-secs", db.drain_secs, 1, 3600),
                (
                    "database.checkpoint-interval-secs",
                    db.checkpoint_interval_secs,
                    1,
                    86400,
                ),
            ] {
                if !(min..=max).contains(&value) {
                    return Err(invalid(
                        key,
                        format!("is {value}"),
                        &format!("use a value from {min} to {max}"),
                    ));
                }
            }
        }
        if !(1..=120).contains(&v.request_timeout_secs) {
            return Err(invalid(
                "vault.request-timeout-secs",
                format!("is {}", v.request_timeout_secs),
                "use a value from 1 to 120",
            ));
        }
        match &self.tls {
            TlsConfig::VaultPki { ttl_secs, .. } if !(10..=366 * 24 * 3600).contains(ttl_secs) => {
                Err(invalid(
                    "tls.ttl-secs",
                    format!("is {ttl_secs}"),
                    "use a certificate lifetime from 10 seconds to a year",
                ))
            }
            TlsConfig::VaultKv { poll_secs, .. } if !(1..=86400).contains(poll_secs) => {
                Err(invalid(
                    "tls.poll-secs",
                    format!("is {poll_secs}"),
                    "use a value from 1 to 86400",
                ))
            }
            _ => Ok(()),
        }
    }

    pub fn ops_listen(&self, path: &Path) -> Result<OpsListen, ConfigError> {
        let raw = &self.ops.listen;
        if let Some(socket) = raw.strip_prefix("unix:") {
            let p = PathBuf::from(socket);
            if p.is_absolute() {
                return Ok(OpsListen::Unix(p));
            }
        } else if let Ok(addr) = raw.parse::<SocketAddr>() {
            if addr.ip().is_loopback() {
                return Ok(OpsListen::Tcp(addr));
            }
        }
        Err(ConfigError::Invalid {
            path: path.to_owned(),
            key: "ops.listen",
            problem: format!("is {raw:?}; the operator endpoints must stay local"),
            fix: "use a loopback address such as \"127.0.0.1:9443\" or an absolute \"unix:/run/custodian/ops.sock\"".into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
        [server]
        public-origin = "https://localhost:8443"
        [tls]
        source = "dev-pem"
        cert = "/c.pem"
        key = "/k.pem"
    "#;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        let p = Path::new("t.toml");
        let c = Config::parse(p, text)?;
        c.check(p)?;
        Ok(c)
    }

    #[test]
    fn minimal_config_gets_hardened_defaults() {
        let c = parse(MINIMAL).expect("minimal config parses");
        assert_eq!(c.server.listen.port(), 443);
        assert_eq!(c.server.user, "custodian");
        assert_eq!(
            c.ops_listen(Path::new("t")).ok(),
            Some(OpsListen::Tcp("127.0.0.1:9443".parse().expect("addr")))
        );
    }

    #[test]
    fn unknown_key_is_named() {
        let text = MINIMAL.replace("[server]", "[server]\nlisten-adress = \"0.0.0.0:1\"");
        let e = parse(&text).expect_err("typo must fail").to_string();
        assert!(e.contains("listen-adress"), "{e}");
        assert!(
            e.contains("public-origin"),
            "message lists allowed keys: {e}"
        );
    }

    #[test]
    fn out_of_range_limit_names_key_and_fix() {
        let text = format!("{MINIMAL}\n[limits]\nhandshake-timeout-secs = 0\n");
        let e = parse(&text).expect_err("zero timeout").to_string();
        assert!(
            e.contains("limits.handshake-timeout-secs") && e.contains("from 1 to 120"),
            "{e}"
        );
    }

    #[test]
    fn search_budgets_are_checked_and_unknown_keys_refused() {
        let c = parse(MINIMAL).expect("minimal");
        assert_eq!(c.search.interactive_ms, 3000);
        let c = parse(&format!("{MINIMAL}\n[search]\ninteractive-ms = 1\n")).expect("tiny");
        assert_eq!(c.search.interactive_ms, 1);
        for (extra, key) in [
            ("interactive-ms = 0", "search.interactive-ms"),
            (
                "background-ms = 10\ninteractive-ms = 20",
                "search.background-ms",
            ),
            ("background-searches = 0", "search.background-searches"),
        ] {
            let e = parse(&format!("{MINIMAL}\n[search]\n{extra}\n"))
                .expect_err(extra)
                .to_string();
            assert!(e.contains(key) && e.contains("fix:"), "{e}");
        }
        let e = parse(&format!("{MINIMAL}\n[search]\ninteractive-secs = 3\n"))
            .expect_err("unknown key")
            .to_string();
        assert!(e.contains("interactive-secs"), "{e}");
    }

    #[test]
    fn ops_listener_must_be_local() {
        let text = format!("{MINIMAL}\n[ops]\nlisten = \"0.0.0.0:9443\"\n");
        let e = parse(&text).expect_err("public ops").to_string();
        assert!(e.contains("ops.listen"), "{e}");
        let text = format!("{MINIMAL}\n[ops]\nlisten = \"unix:/run/x.sock\"\n");
        let c = parse(&text).expect("unix ops");
        assert_eq!(
            c.ops_listen(Path::new("t")).ok(),
            Some(OpsListen::Unix("/run/x.sock".into()))
        );
    }

    const DATABASE: &str = r#"
        [vault]
        address = "http://127.0.0.1:8200"
        role-id = "r"
        secret-id-file = "/s"
        [database]
        pool-size = 8
    "#;

    #[test]
    fn expensive_request_limits_leave_connections_for_cheap_requests() {
        let c = parse(&format!("{MINIMAL}{DATABASE}")).expect("defaults fit a pool of 8");
        assert_eq!(
            (
                c.limits.expensive_requests,
                c.limits.expensive_requests_per_account
            ),
            (4, 2)
        );
        let db = c.database.expect("database");
        assert_eq!((db.acquire_timeout_ms, db.connect_timeout_ms), (1000, 5000));
        let text = format!("{MINIMAL}{DATABASE}\n[limits]\nexpensive-requests = 8\n");
        let e = parse(&text)
            .expect_err("every connection expensive")
            .to_string();
        assert!(
            e.contains("limits.expensive-requests") && e.contains("database.pool-size (8)"),
            "{e}"
        );
        let text = format!(
            "{MINIMAL}\n[limits]\nexpensive-requests = 2\nexpensive-requests-per-account = 3\n"
        );
        let e = parse(&text).expect_err("one account above all").to_string();
        assert!(e.contains("limits.expensive-requests-per-account"), "{e}");
        let text = format!("{MINIMAL}\n[limits]\nexpensive-requests = 0\n");
        assert!(parse(&text).is_err());
        let text = format!("{MINIMAL}{DATABASE}acquire-timeout-ms = 60000\n");
        let e = parse(&text).expect_err("a long wait is a hang").to_string();
        assert!(e.contains("database.acquire-timeout-ms"), "{e}");
    }

    #[test]
    fn origin_must_be_https() {
        let text = MINIMAL.replace("https://localhost:8443", "http://localhost");
        let e = parse(&text).expect_err("http origin").to_string();
        assert!(e.contains("server.public-origin"), "{e}");
    }

    #[test]
    fn unknown_tls_source_is_rejected() {
        let text = MINIMAL.replace("dev-pem", "file");
        let e = parse(&text).expect_err("bad source").to_string();
        assert!(e.contains("dev-pem"), "lists the known sources: {e}");
    }
}
