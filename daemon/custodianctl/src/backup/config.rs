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
    /// Optional: a second copy of every backup in an S3-compatible bucket.
    #[serde(default)]
    pub remote: Option<RemoteConfig>,
}

/// An S3-compatible bucket that receives a second copy of every backup:
/// pgBackRest's repository 2 (`<prefix>/pgbackrest`), a restic repository
/// (`<prefix>/restic`) and the sealed key escrow (`<prefix>/escrow/`).
/// Encrypted with the same passphrases as the local repository, so the
/// recovery key restores from either. The access key comes from Vault
/// (`kv/custodian/backup-remote`), never from this file. (SFTP: pgBackRest
/// 2.45, Debian 12's, has no SFTP repository type; it came in 2.46.)
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RemoteConfig {
    /// `host` or `host:port` (HTTPS always).
    pub endpoint: String,
    pub bucket: String,
    pub region: String,
    /// The path inside the bucket under which everything is kept.
    #[serde(default = "default_prefix")]
    pub prefix: String,
    /// `host` (bucket.endpoint, AWS's default) or `path` (endpoint/bucket,
    /// most self-hosted servers).
    #[serde(default)]
    pub uri_style: UriStyle,
    /// PEM of a private CA that signed the endpoint's certificate; without
    /// it the system's CA bundle is used.
    #[serde(default)]
    pub ca_cert: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum UriStyle {
    #[default]
    Host,
    Path,
}

fn default_prefix() -> String {
    "/custodian".into()
}

/// Which of the two repositories a command works on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Repo {
    /// `repository.path` (pgBackRest's repo1).
    Local,
    /// `[remote]` (pgBackRest's repo2).
    Remote,
}

impl Repo {
    pub fn number(self) -> u8 {
        match self {
            Repo::Local => 1,
            Repo::Remote => 2,
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Repo::Local => "local",
            Repo::Remote => "remote",
        }
    }
}

impl RemoteConfig {
    /// (host, port) of the endpoint; the port only when one was given.
    pub fn host_port(&self) -> (String, Option<u16>) {
        match self.endpoint.rsplit_once(':') {
            Some((h, p)) => match p.parse::<u16>() {
                Ok(443) => (h.to_owned(), None),
                Ok(port) => (h.to_owned(), Some(port)),
                Err(_) => (self.endpoint.clone(), None),
            },
            None => (self.endpoint.clone(), None),
        }
    }
    /// `host[:port]` as it appears in URLs and the signed Host header.
    pub fn authority(&self) -> String {
        match self.host_port() {
            (h, Some(p)) => format!("{h}:{p}"),
            (h, None) => h,
        }
    }
    /// The prefix without leading or trailing slashes ("" for the root).
    pub fn key_prefix(&self) -> String {
        self.prefix.trim_matches('/').to_owned()
    }
    /// An object's key under the prefix.
    pub fn key(&self, rel: &str) -> String {
        let p = self.key_prefix();
        if p.is_empty() {
            rel.to_owned()
        } else {
            format!("{p}/{rel}")
        }
    }
    /// pgBackRest's repo2-path (absolute inside the bucket).
    pub fn pgbackrest_path(&self) -> String {
        format!("/{}", self.key("pgbackrest"))
    }
    /// restic's repository URL (`s3:https://host/bucket/prefix/restic`,
    /// whatever the URI style; restic is told the style separately).
    pub fn restic_url(&self) -> String {
        format!(
            "s3:https://{}/{}/{}",
            self.authority(),
            self.bucket,
            self.key("restic")
        )
    }
    /// For messages: `s3://bucket/prefix at endpoint`.
    pub fn describe(&self) -> String {
        format!(
            "s3://{}/{} at {}",
            self.bucket,
            self.key_prefix(),
            self.endpoint
        )
    }

    fn check(
        &self,
        bad: &dyn Fn(&'static str, String, &str) -> ConfigError,
    ) -> Result<(), ConfigError> {
        let e = &self.endpoint;
        if e.contains("://") {
            return Err(bad(
                "remote.endpoint",
                format!("is {e:?} (a URL)"),
                "give host or host:port only, e.g. s3.eu-central-1.amazonaws.com (HTTPS is always used)",
            ));
        }
        let (host, _) = self.host_port();
        let port_ok = match e.rsplit_once(':') {
            Some((_, p)) => p.parse::<u16>().is_ok_and(|p| p > 0),
            None => true,
        };
        if host.is_empty()
            || !port_ok
            || !host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
        {
            return Err(bad(
                "remote.endpoint",
                format!("is {e:?}"),
                "host or host:port (letters, digits, '-', '.'; a port from 1 to 65535), e.g. s3.eu-central-1.amazonaws.com or minio.example.org:9000",
            ));
        }
        if host.parse::<std::net::IpAddr>().is_ok() {
            return Err(bad(
                "remote.endpoint",
                format!("is an IP address ({host})"),
                "give the host name the server's certificate names (pgBackRest 2.45 matches certificates by DNS name only); add it to /etc/hosts if it has no DNS entry",
            ));
        }
        let b = &self.bucket;
        if !(3..=63).contains(&b.len())
            || !b
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
            || b.starts_with(['-', '.'])
            || b.ends_with(['-', '.'])
        {
            return Err(bad(
                "remote.bucket",
                format!("is {b:?}"),
                "an S3 bucket name: 3 to 63 lower-case letters, digits, '-' and '.'; create the bucket first (custodianctl never creates one)",
            ));
        }
        if self.uri_style == UriStyle::Host && b.contains('.') {
            return Err(bad(
                "remote.bucket",
                format!("{b:?} contains '.', which breaks TLS name checks in host-style URIs"),
                "set remote.uri-style = \"path\", or use a bucket name without dots",
            ));
        }
        if self.region.is_empty()
            || !self
                .region
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return Err(bad(
                "remote.region",
                format!("is {:?}", self.region),
                "the bucket's region, e.g. eu-central-1 (self-hosted servers usually accept us-east-1)",
            ));
        }
        let p = &self.prefix;
        if !p.starts_with('/')
            || p.contains("//")
            || p.split('/').any(|s| s == "." || s == "..")
            || !p
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '-' | '_' | '.'))
        {
            return Err(bad(
                "remote.prefix",
                format!("is {p:?}"),
                "an absolute path inside the bucket such as /custodian/appliance-1 (letters, digits, '-', '_', '.')",
            ));
        }
        if let Some(ca) = &self.ca_cert {
            if !ca.is_absolute() {
                return Err(bad(
                    "remote.ca-cert",
                    format!("is {} (relative)", ca.display()),
                    "give an absolute path to the PEM file",
                ));
            }
        }
        Ok(())
    }
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
        if let Some(r) = &self.remote {
            r.check(&bad)?;
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
    /// The remote's access key id and secret for archive_command (tmpfs).
    pub fn s3_key_file(&self) -> PathBuf {
        self.state.runtime_dir.join("s3-key")
    }
    pub fn s3_key_secret_file(&self) -> PathBuf {
        self.state.runtime_dir.join("s3-key-secret")
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
        // Its commented [remote] table too, once uncommented.
        let (head, tail) = text.split_once("#[remote]").expect("a [remote] example");
        let remote: String = tail
            .lines()
            .map(|l| l.strip_prefix('#').unwrap_or(l))
            .collect::<Vec<_>>()
            .join("\n");
        let with_remote = format!("{head}[remote]{remote}\n");
        let cfg = parse(&with_remote);
        assert!(
            cfg.as_ref().is_ok_and(|c| c.remote.is_some()),
            "{:?}",
            cfg.err()
        );
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

    const REMOTE: &str = r#"
[remote]
endpoint = "s3.eu-central-1.amazonaws.com"
bucket = "custodian-backups"
region = "eu-central-1"
prefix = "/appliance-1"
"#;

    #[test]
    fn a_remote_table_is_checked_key_by_key() {
        let cfg = parse(&format!("{GOOD}{REMOTE}")).expect("remote parses");
        let r = cfg.remote.expect("remote");
        assert_eq!(r.uri_style, UriStyle::Host);
        assert_eq!(r.pgbackrest_path(), "/appliance-1/pgbackrest");
        assert_eq!(
            r.restic_url(),
            "s3:https://s3.eu-central-1.amazonaws.com/custodian-backups/appliance-1/restic"
        );
        let with_port = parse(&format!(
            "{GOOD}{}",
            REMOTE.replace("amazonaws.com\"", "amazonaws.com:9000\"")
        ))
        .expect("port");
        assert_eq!(with_port.remote.expect("remote").host_port().1, Some(9000));
        let unknown = parse(&format!("{GOOD}{REMOTE}secret-key = \"x\"\n"));
        assert!(
            matches!(unknown, Err(ConfigError::Parse { .. })),
            "no secret (nor any unknown key) in the table"
        );
        for (from, to, key, fix) in [
            (
                "endpoint = \"s3.",
                "endpoint = \"https://s3.",
                "remote.endpoint",
                "host or host:port only",
            ),
            (
                "s3.eu-central-1.amazonaws.com\"",
                "127.0.0.1:9000\"",
                "remote.endpoint",
                "DNS name",
            ),
            (
                "custodian-backups",
                "Custodian_Backups",
                "remote.bucket",
                "bucket name",
            ),
            (
                "custodian-backups",
                "custodian.backups",
                "remote.bucket",
                "uri-style",
            ),
            (
                "region = \"eu-central-1\"",
                "region = \"\"",
                "remote.region",
                "region",
            ),
            (
                "/appliance-1",
                "appliance-1",
                "remote.prefix",
                "absolute path",
            ),
            ("/appliance-1", "/a/../b", "remote.prefix", "absolute path"),
        ] {
            let e = parse(&format!("{GOOD}{}", REMOTE.replace(from, to)))
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(e.contains(key) && e.contains(fix), "{from} -> {to}: {e}");
        }
        let e = parse(&format!("{GOOD}{REMOTE}uri-style = \"sideways\"\n"));
        assert!(matches!(e, Err(ConfigError::Parse { .. })));
    }
}
