//! `/etc/custodian/custodian-updated.toml`. No secret belongs here: the
//! migrator's secret_id is a systemd credential, named by path.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Config {
    pub repository: Repository,
    pub paths: Paths,
    pub client: Client,
    pub service: Service,
    pub migrate: Migrate,
    /// A restore point before every migration (`custodianctl backup
    /// restore-point`), and the restore a rollback across a migration the
    /// previous release cannot run on performs. With it, such an update
    /// is reversible and needs no `--irreversible`.
    #[serde(default)]
    pub backup: Option<Backup>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Backup {
    /// Run before the migrations; `{point}` is replaced by the restore
    /// point's name (`update-<version>-<operation>`).
    pub restore_point: Vec<String>,
    /// Run when rolling back across a non-additive migration, after
    /// `current` points to the previous release again and before it is
    /// restarted; `{point}` as above. It must stop custodiand and
    /// PostgreSQL, restore, and start PostgreSQL.
    pub restore: Vec<String>,
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    #[serde(default = "default_backup_timeout")]
    pub timeout_secs: u64,
}

fn default_backup_timeout() -> u64 {
    3600
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Repository {
    /// `https://…/metadata` or `file:///…/metadata`.
    pub metadata_url: url::Url,
    /// `https://…/targets` or `file:///…/targets`.
    pub targets_url: url::Url,
    /// The root shipped with the package; the persisted one is used when newer.
    pub trusted_root: PathBuf,
    /// CA bundle for an https repository (default: the system's).
    #[serde(default)]
    pub ca_cert: Option<PathBuf>,
    #[serde(default = "default_channel")]
    pub channel: String,
    #[serde(default = "default_arch")]
    pub arch: String,
    /// How long one release download may take in all (the reads have
    /// their own shorter timeouts).
    #[serde(default = "default_download_deadline")]
    pub download_deadline_secs: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Paths {
    /// Trusted metadata, the journal, the version floor, downloads.
    pub state_dir: PathBuf,
    /// Holds `releases/<version>/` and the `current` link.
    pub install_root: PathBuf,
    /// The unix socket custodiand asks on.
    pub socket: PathBuf,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Client {
    /// The only account whose processes may use the socket (custodiand's).
    pub user: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Service {
    /// Argument vector that restarts custodiand (no shell).
    pub restart: Vec<String>,
    /// custodiand's operator endpoint: `unix:/path` or `127.0.0.1:port`.
    pub readiness: String,
    #[serde(default = "default_ready_timeout")]
    pub ready_timeout_secs: u64,
    /// How long the new version must stay ready before it is committed.
    #[serde(default = "default_soak")]
    pub soak_secs: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Migrate {
    /// Argument vector run before the switch; `{release}` is replaced by the
    /// new release's directory, so the migrations come from the verified
    /// release itself.
    pub command: Vec<String>,
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    #[serde(default = "default_migrate_timeout")]
    pub timeout_secs: u64,
}

fn default_channel() -> String {
    "stable".into()
}
fn default_arch() -> String {
    std::env::consts::ARCH.into()
}
fn default_download_deadline() -> u64 {
    1800
}
fn default_ready_timeout() -> u64 {
    120
}
fn default_soak() -> u64 {
    30
}
fn default_migrate_timeout() -> u64 {
    600
}

impl Config {
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        let config: Config = toml::from_str(&text).map_err(|e| ConfigError::Parse {
            path: path.to_owned(),
            message: e.to_string(),
        })?;
        config.check().map_err(|message| ConfigError::Invalid {
            path: path.to_owned(),
            message,
        })?;
        Ok(config)
    }

    fn check(&self) -> Result<(), String> {
        for (name, url) in [
            ("repository.metadata-url", &self.repository.metadata_url),
            ("repository.targets-url", &self.repository.targets_url),
        ] {
            if !matches!(url.scheme(), "https" | "file") {
                return Err(format!(
                    "{name} must be https:// or file:// (plain http would let anyone on the path see which version is installed)"
                ));
            }
        }
        if self.service.restart.is_empty() {
            return Err("service.restart is empty; use [\"systemctl\", \"restart\", \"custodiand.service\"]".into());
        }
        if self.migrate.command.is_empty() {
            return Err("migrate.command is empty".into());
        }
        if let Some(b) = &self.backup {
            if b.restore_point.is_empty() || b.restore.is_empty() {
                return Err("backup.restore-point and backup.restore must both be set (e.g. [\"custodianctl\", \"backup\", \"restore-point\", \"--name\", \"{point}\"])".into());
            }
        }
        if !self.paths.install_root.is_absolute() || !self.paths.state_dir.is_absolute() {
            return Err("paths.install-root and paths.state-dir must be absolute".into());
        }
        Ok(())
    }
}
