//! `backup.toml`: where the repository is, what is backed up, how Vault is
//! reached. Every table is closed (`deny_unknown_fields`); parsing and
//! checking are two steps so that every message names the key and the fix.
//! No secret belongs in this file: the repository passphrases come from
//! Vault, the recovery key never touches the appliance.

use std::path::{Path, PathBuf};

use serde::Deserialize;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read backup configuration {path}: {source}; pass an existing file with --config (example: /usr/share/doc/custodian/examples/backup.toml)")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("backup configuration {path} is invalid: {source}")]
    Parse {
        path: PathBuf,
        source: toml::de::Error,
    },
    #[error("backup configuration {path}: `{key}` {problem}; fix: {fix}")]
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
    pub repository: RepositoryConfig,
    pub postgres: PostgresConfig,
    pub files: FilesConfig,
    pub vault: VaultConfig,
    pub escrow: EscrowConfig,
    #[serde(default)]
    pub state: StateConfig,
}

/// A local directory (another disk). pgBackRest keeps its repository in
/// `pgbackrest/`, restic in `restic/`, and the sealed key escrow is copied
/// to `escrow/` at every backup.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RepositoryConfig {
    pub path: PathBuf,
    /// Full backups kept (with everything that depends on them).
    #[serde(default = "default_retention_full")]
    pub retention_full: u32,
    /// restic snapshots kept (`forget --keep-last`).
    #[serde(default = "default_keep_snapshots")]
    pub keep_snapshots: u32,
    /// Share of restic's pack data read back by `verify` (percent, 1-100).
    #[serde(default = "default_read_data_percent")]
    pub verify_read_data_percent: u8,
}

fn default_retention_full() -> u32 {
    4
}
fn default_keep_snapshots() -> u32 {
    30
}
fn default_read_data_percent() -> u8 {
    10
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct PostgresConfig {
    pub data_dir: PathBuf,
    #[serde(default = "default_pg_port")]
    pub port: u16,
    /// The unix socket directory pgBackRest connects through.
    #[serde(default = "default_socket_dir")]
    pub socket_dir: PathBuf,
    /// The account PostgreSQL runs as; pgBackRest runs as it too.
    #[serde(default = "default_os_user")]
    pub os_user: String,
    /// Where pg_ctl, initdb and psql are (the drill starts a scratch server).
    #[serde(default = "default_bin_dir")]
    pub bin_dir: PathBuf,
    /// The appliance's database.
    #[serde(default = "default_dbname")]
    pub dbname: String,
    /// Seconds after which a partly filled WAL segment is archived: the
    /// recovery point is at most this far behind (at most 60).
    #[serde(default = "default_archive_timeout")]
    pub archive_timeout_secs: u32,
}

fn default_pg_port() -> u16 {
    5432
}
fn default_socket_dir() -> PathBuf {
    PathBuf::from("/var/run/postgresql")
}
fn default_os_user() -> String {
    "postgres".into()
}
fn default_bin_dir() -> PathBuf {
    PathBuf::from("/usr/lib/postgresql/15/bin")
}
fn default_dbname() -> String {
    "custodian".into()
}
fn default_archive_timeout() -> u32 {
    60
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct FilesConfig {
    /// custodiand's `[storage] dir`: the encrypted media and exports.
    pub media_dir: PathBuf,
    /// Configuration without secrets, updater state, TUF trusted metadata.
    #[serde(default)]
    pub state_paths: Vec<PathBuf>,
}

/// How the backup job reaches Vault: the migrator's AppRole, which may
/// read the repository passphrases (`kv/custodian/backup`) and write the
/// activity log through owner credentials.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct VaultConfig {
    pub address: String,
    #[serde(default)]
    pub ca_cert: Option<PathBuf>,
    pub role_id: String,
    /// The migrator's secret_id (root, 0600), e.g. a systemd credential.
    pub secret_id_file: PathBuf,
    /// PostgreSQL as the migrator reaches it (for the activity log).
    #[serde(default = "default_db_host")]
    pub db_host: String,
}

fn default_db_host() -> String {
    "127.0.0.1".into()
}

/// The key escrow: `custodianctl vault escrow` seals the keys that make
/// the backups readable to an offline age recipient; this is that file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct EscrowConfig {
    pub file: PathBuf,
    /// The offline recipient's public key (age1…), for checking that the
    /// file was sealed to it.
    pub recipient: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct StateConfig {
    /// pgbackrest.conf (no secrets), locks, the status file.
    #[serde(default = "default_state_dir")]
    pub dir: PathBuf,
    /// Memory-backed (tmpfs) directory for the passphrase PostgreSQL's
    /// archive_command hands to pgBackRest; never on disk.
    #[serde(default = "default_runtime_dir")]
    pub runtime_dir: PathBuf,
    /// A backup older than this is stale (status, readiness, notification).
    #[serde(default = "default_stale_hours")]
    pub stale_after_hours: u32,
    /// Where the drill starts its scratch PostgreSQL and media directory.
    #[serde(default = "default_scratch_dir")]
    pub scratch_dir: PathBuf,
}

impl Default for StateConfig {
    fn default() -> Self {
        Self {
            dir: default_state_dir(),
            runtime_dir: default_runtime_dir(),
            stale_after_hours: default_stale_hours(),
            scratch_dir: default_scratch_dir(),
        }
    }
}

fn default_state_dir() -> PathBuf {
    PathBuf::from("/var/lib/custodian/backup")
}
fn default_runtime_dir() -> PathBuf {
    PathBuf::from("/run/custodian-backup")
}
fn default_stale_hours() -> u32 {
    26
}
fn default_scratch_dir() -> PathBuf {
    PathBuf::from("/var/tmp/custodian-drill")
}

impl Config {
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        let cfg: Config = toml::from_str(&text).map_err(|source| ConfigError::Parse {
            path: path.to_owned(),
            source,
        })?;
        cfg.check(path)?;
        Ok(cfg)
    }

    fn check(&self, path: &Path) -> Result<(), ConfigError> {
        let bad = |key: &'static str, problem: String, fix: &str| ConfigError::Invalid {
            path: path.to_owned(),
            key,
            problem,
            fix: fix.into(),
        };
        let absolute: [(&'static str, &Path); 8] = [
            ("repository.path", &self.repository.path),
            ("postgres.data-dir", &self.postgres.data_dir),
            ("postgres.socket-dir", &self.postgres.socket_dir),
            ("postgres.bin-dir", &self.postgres.bin_dir),
            ("files.media-dir", &self.files.media_dir),
            ("state.dir", &self.state.dir),
            ("state.runtime-dir", &self.state.runtime_dir),
            ("escrow.file", &self.escrow.file),
        ];
        for (key, p) in absolute {
            if !p.is_absolute() {
                return Err(bad(
                    key,
                    format!("is {} (relative)", p.display()),
                    "give an absolute path",
                ));
            }
        }
        for p in &self.files.state_paths {
            if !p.is_absolute() {
                return Err(bad(
                    "files.state-paths",
                    format!("holds {} (relative)", p.display()),
                    "give absolute paths",
                ));
            }
        }
        if self.repository.path.starts_with(&self.postgres.data_dir)
            || self.repository.path.starts_with(&self.files.media_dir)
        {
            return Err(bad(
                "repository.path",
                format!(
                    "{} is inside what it backs up",
                    self.repository.path.display()
                ),
                "put the repository on another disk",
            ));
        }
        if self.repository.retention_full == 0 {
            return Err(bad(
                "repository.retention-full",
                "is 0".into(),
                "keep at least 1 full backup",
            ));
        }
        if self.repository.keep_snapshots == 0 {
            return Err(bad(
                "repository.keep-snapshots",
                "is 0".into(),
                "keep at least 1 snapshot",
            ));
        }
        if !(1..=100).contains(&self.repository.verify_read_data_percent) {
            return Err(bad(
                "repository.verify-read-data-percent",
                format!("is {}", self.repository.verify_read_data_percent),
                "a percentage from 1 to 100",
            ));
        }
        if !(1..=60).contains(&self.postgres.archive_timeout_secs) {
            return Err(bad(
                "postgres.archive-timeout-secs",
                format!("is {}", self.postgres.archive_timeout_secs),
                "1 to 60 seconds, so that at most a minute of writes can be lost",
            ));
        }
        if self.postgres.os_user.is_empty()
            || !self
                .postgres
                .os_user
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(bad(
                "postgres.os-user",
                format!("is {:?}", self.postgres.os_user),
                "the account PostgreSQL runs as, e.g. postgres",
            ));
        }
        if !self.escrow.recipient.starts_with("age1") || self.escrow.recipient.len() < 40 {
            return Err(bad(
                "escrow.recipient",
                "is not an age public key".into(),
                "the offline recipient's age1… public key (age-keygen -y on the offline machine)",
            ));
        }
        if !(self.vault.address.starts_with("https://")
            || self.vault.address.starts_with("http://127.0.0.1")
            || self.vault.address.starts_with("http://localhost"))
        {
            return Err(bad(
                "vault.address",
                format!("is {}", self.vault.address),
                "https://… (plain http only on loopback)",
            ));
        }
        if self.vault.address.starts_with("https://") && self.vault.ca_cert.is_none() {
            return Err(bad(
                "vault.ca-cert",
                "is missing for an https address".into(),
                "the PEM of the CA that signed Vault's certificate (pinned)",
            ));
        }
        if self.state.stale_after_hours == 0 {
            return Err(bad(
                "state.stale-after-hours",
                "is 0".into(),
                "hours after which a backup is stale, e.g. 26",
            ));
        }
        Ok(())
    }

    pub fn pgbackrest_repo(&self) -> PathBuf {
        self.repository.path.join("pgbackrest")
    }
    pub fn restic_repo(&self) -> PathBuf {
        self.repository.path.join("restic")
    }
    pub fn escrow_copy(&self) -> PathBuf {
        self.repository.path.join("escrow").join("escrow.age")
    }
    pub fn pgbackrest_conf(&self) -> PathBuf {
        self.state.dir.join("pgbackrest.conf")
    }
    pub fn cipher_pass_file(&self) -> PathBuf {
        self.state.runtime_dir.join("pgbackrest-cipher-pass")
    }
    pub fn status_file(&self) -> PathBuf {
        self.state.dir.join("status.json")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
[repository]
path = "/srv/backup"
[postgres]
data-dir = "/var/lib/postgresql/15/main"
[files]
media-dir = "/var/lib/custodian/media"
state-paths = ["/etc/custodian/custodiand.toml"]
[vault]
address = "https://vault.example.org:8200"
ca-cert = "/etc/custodian/vault-ca.pem"
role-id = "r"
secret-id-file = "/etc/custodian/credentials/migrator-secret-id"
[escrow]
file = "/etc/custodian/escrow.age"
recipient = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"
"#;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        let dir = tempfile::tempdir().map_err(|source| ConfigError::Read {
            path: "tmp".into(),
            source,
        })?;
        let p = dir.path().join("backup.toml");
        std::fs::write(&p, text).map_err(|source| ConfigError::Read {
            path: p.clone(),
            source,
        })?;
        Config::load(&p)
    }

    #[test]
    fn the_shipped_example_parses() {
        let text = include_str!("../../../../packaging/backup.toml");
        assert!(parse(text).is_ok(), "{:?}", parse(text).err());
    }

    #[test]
    fn example_parses_and_bad_values_name_their_key() {
        assert!(parse(GOOD).is_ok());
        let unknown = parse(&GOOD.replace("[files]", "[files]\ncolour = 1"));
        assert!(matches!(unknown, Err(ConfigError::Parse { .. })));
        let e = parse(&GOOD.replace(
            "path = \"/srv/backup\"",
            "path = \"/var/lib/custodian/media/b\"",
        ))
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
        assert!(e.contains("repository.path"), "{e}");
        let e = parse(&GOOD.replace("[postgres]", "[postgres]\narchive-timeout-secs = 300"))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("archive-timeout-secs"), "{e}");
        let e = parse(&GOOD.replace("recipient = \"age1", "recipient = \"ssh-"))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("escrow.recipient"), "{e}");
    }
}
