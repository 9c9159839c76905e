//! The settings of the domain's resources (database pool, media store,
//! updater socket). custodiand's `Config` embeds them; they live here so
//! that the domain never reaches back into the daemon for its settings.

use serde::Deserialize;

/// Where custodian-updated listens, and how often its steps are copied
/// into the activity log.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct UpdatesConfig {
    #[serde(default = "default_updater_socket")]
    pub socket: std::path::PathBuf,
    #[serde(default = "default_follow_secs")]
    pub follow_secs: u64,
}

fn default_updater_socket() -> std::path::PathBuf {
    "/run/custodian-updated/updater.sock".into()
}

fn default_follow_secs() -> u64 {
    30
}

/// The media store (evidence files, encrypted at rest).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct StorageConfig {
    /// A directory the daemon's account owns, outside anything served,
    /// e.g. `/var/lib/custodian/media`.
    pub dir: std::path::PathBuf,
    /// At most `policy/uploads.toml`'s `max-bytes`; defaults to it.
    #[serde(default)]
    pub max_upload_bytes: Option<u64>,
    /// Interrupted uploads and unrecorded files are removed after this.
    #[serde(default = "default_orphan_minutes")]
    pub orphan_minutes: u64,
    #[serde(default = "default_sweep_secs")]
    pub sweep_interval_secs: u64,
    /// How long an approved export may be downloaded (once).
    #[serde(default = "default_export_ttl")]
    pub export_ttl_minutes: u64,
}

fn default_export_ttl() -> u64 {
    120
}

fn default_orphan_minutes() -> u64 {
    60
}

fn default_sweep_secs() -> u64 {
    300
}

/// PostgreSQL, with credentials from Vault's database engine.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct DatabaseConfig {
    /// A loopback address or a unix socket directory (TLS to PostgreSQL is
    /// not supported yet, so credentials must not cross a network).
    #[serde(default = "default_db_host")]
    pub host: String,
    #[serde(default = "default_db_port")]
    pub port: u16,
    #[serde(default = "default_db_name")]
    pub dbname: String,
    #[serde(default = "default_db_mount")]
    pub vault_mount: String,
    #[serde(default = "default_db_role")]
    pub vault_role: String,
    /// Use a Vault *static* role instead (one database user whose password
    /// Vault rotates on a schedule); `vault-role` is then ignored.
    #[serde(default)]
    pub vault_static_role: Option<String>,
    #[serde(default = "default_pool_size")]
    pub pool_size: usize,
    /// How long a request waits for a free connection before it gets a
    /// 503 saying that the appliance is overloaded. Short: a person is
    /// better served by that answer than by a page that hangs.
    #[serde(default = "default_acquire_ms")]
    pub acquire_timeout_ms: u64,
    /// How long opening a new connection to PostgreSQL may take before the
    /// database counts as unreachable.
    #[serde(default = "default_connect_ms")]
    pub connect_timeout_ms: u64,
    /// No statement runs longer than this.
    #[serde(default = "default_statement_ms")]
    pub statement_timeout_ms: u64,
    /// How long old connections may finish their work after a credential
    /// rotation before the old lease is revoked.
    #[serde(default = "default_drain_secs")]
    pub drain_secs: u64,
    /// How often the newest activity-log entry is signed (Vault transit).
    #[serde(default = "default_checkpoint_secs")]
    pub checkpoint_interval_secs: u64,
}

fn default_db_host() -> String {
    "127.0.0.1".into()
}
fn default_db_port() -> u16 {
    5432
}
fn default_db_name() -> String {
    "custodian".into()
}
fn default_db_mount() -> String {
    "database".into()
}
fn default_db_role() -> String {
    "custodian-runtime".into()
}
fn default_pool_size() -> usize {
    16
}
fn default_acquire_ms() -> u64 {
    1000
}
fn default_connect_ms() -> u64 {
    5000
}
fn default_statement_ms() -> u64 {
    10_000
}
fn default_drain_secs() -> u64 {
    30
}
fn default_checkpoint_secs() -> u64 {
    3600
}

/// Lists and searches (`[search]`): how long one may run while the
/// person waits, and what runs on in the background past that.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct SearchConfig {
    /// A list's statements run under this budget; one that runs past it
    /// goes on in the background instead of answering 503.
    pub interactive_ms: u64,
    /// How long a background search's statements may run.
    pub background_ms: u64,
    /// Background searches running at once, all accounts together (one
    /// per account); more are refused with a message that says so.
    pub background_searches: usize,
}

impl Default for SearchConfig {
    fn default() -> Self {
        Self {
            interactive_ms: 3000,
            background_ms: 60_000,
            // Of the 16 pool connections, beside the 4 expensive requests.
            background_searches: 2,
        }
    }
}
