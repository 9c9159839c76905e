//! Helpers of the backup tests (backup.rs, backup_remote.rs): running
//! `custodianctl backup`, waiting on PostgreSQL, test data.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use custodian_harness::vault::{custodianctl_bin, repo_root};
use custodian_harness::{OpenBao, Postgres};

/// `custodianctl backup <args[0]> --config <config> <args[1..]>`, without
/// the operator's token.
pub fn backup(config: &Path, args: &[&str]) -> Output {
    Command::new(custodianctl_bin().expect("custodianctl"))
        .arg("backup")
        .args(&args[..1])
        .arg("--config")
        .arg(config)
        .args(&args[1..])
        .env_remove("VAULT_TOKEN")
        .output()
        .expect("run custodianctl backup")
}

/// Standard output and standard error, together.
pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// The command succeeded; its output.
pub fn ok(o: Output) -> String {
    let t = text(&o);
    assert!(o.status.success(), "custodianctl failed:\n{t}");
    t
}

pub fn poll(what: &str, limit: Duration, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// A new age identity in `path`; its public key (the recipient).
pub fn age_keygen(path: &Path) -> String {
    let out = Command::new("age-keygen")
        .arg("-o")
        .arg(path)
        .output()
        .expect("age-keygen");
    assert!(out.status.success(), "{}", text(&out));
    text(&out)
        .lines()
        .find_map(|l| l.strip_prefix("Public key: "))
        .expect("public key")
        .trim()
        .to_owned()
}

/// `records` records of tests/bench/datagen into the custodian database.
pub fn datagen(pg: &Postgres, records: &str) {
    let out = Command::new(repo_root().join("tests/bench/datagen"))
        .args(["--records", records])
        .env("PGHOST", "127.0.0.1")
        .env("PGPORT", pg.port.to_string())
        .env("PGUSER", "postgres")
        .env("PGPASSWORD", &pg.superuser_password)
        .env("PGDATABASE", "custodian")
        .output()
        .expect("datagen");
    assert!(out.status.success(), "{}", text(&out));
}

/// One of the repository passphrases custodianctl keeps in Vault
/// (`pgbackrest-cipher-pass`, `restic-password`).
pub fn passphrase(bao: &OpenBao, name: &str) -> String {
    bao.must("GET", "/v1/kv/data/custodian/backup", None)
        .expect("kv")
        .pointer(&format!("/data/data/{name}"))
        .and_then(|v| v.as_str())
        .expect("pass")
        .to_owned()
}

/// Switches to a new WAL segment and waits until everything written so
/// far is archived.
pub fn archive_wal(pg: &Postgres) {
    let wal = pg
        .psql("postgres", "SELECT pg_walfile_name(pg_switch_wal())")
        .expect("switch");
    poll(
        "the last WAL segment archived",
        Duration::from_secs(60),
        || {
            pg.psql(
                "postgres",
                "SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver",
            )
            .map(|w| w.as_str() >= wal.as_str())
            .unwrap_or(false)
        },
    );
}

/// Waits until a restored PostgreSQL has left recovery.
pub fn recovered(pg: &Postgres, what: &str) {
    poll(what, Duration::from_secs(120), || {
        pg.psql("postgres", "SELECT pg_is_in_recovery()")
            .map(|r| r == "f")
            .unwrap_or(false)
    });
}

pub fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// A backup.toml as the tests write it: the local repository `repo`, the
/// state, scratch directory and sealed escrow below `base`.
pub struct BackupToml {
    pub repo: PathBuf,
    pub media: PathBuf,
    pub base: PathBuf,
    pub runtime: PathBuf,
    /// PostgreSQL's data directory, port, socket directory and programs
    /// (copied: the tests stop, destroy and start the cluster).
    pub pg: (PathBuf, u16, PathBuf, PathBuf),
    pub bao: String,
    pub role_id: String,
    pub secret_id: PathBuf,
    pub recipient: String,
    /// `repository.retention-full` and `postgres.archive-timeout-secs`,
    /// where the test sets them.
    pub retention_full: Option<u32>,
    pub archive_timeout_secs: Option<u32>,
}

/// Where `pg` is, for [`BackupToml::pg`].
pub fn pg_at(pg: &Postgres) -> (PathBuf, u16, PathBuf, PathBuf) {
    (
        pg.data_dir(),
        pg.port,
        pg.dir().to_path_buf(),
        pg.bin_dir().to_path_buf(),
    )
}

impl BackupToml {
    /// Writes `base/name`, with `extra` (a `[remote]` table) at the end.
    pub fn write(&self, name: &str, extra: &str) -> PathBuf {
        let set =
            |key: &str, v: Option<u32>| v.map(|v| format!("{key} = {v}\n")).unwrap_or_default();
        let (data, port, socket, bin) = &self.pg;
        let text = format!(
            r#"[repository]
path = "{repo}"
{retention}
[postgres]
data-dir = "{data}"
port = {port}
socket-dir = "{socket}"
bin-dir = "{bin}"
{archive_timeout}
[files]
media-dir = "{media}"

[vault]
address = "{bao}"
role-id = "{role_id}"
secret-id-file = "{sid}"

[escrow]
file = "{base}/escrow.age"
recipient = "{recipient}"

[state]
dir = "{base}/state"
runtime-dir = "{runtime}"
scratch-dir = "{base}/scratch"
{extra}"#,
            repo = self.repo.display(),
            retention = set("retention-full", self.retention_full),
            data = data.display(),
            socket = socket.display(),
            bin = bin.display(),
            archive_timeout = set("archive-timeout-secs", self.archive_timeout_secs),
            media = self.media.display(),
            bao = self.bao,
            role_id = self.role_id,
            sid = self.secret_id.display(),
            base = self.base.display(),
            recipient = self.recipient,
            runtime = self.runtime.display(),
        );
        let p = self.base.join(name);
        std::fs::write(&p, text).expect("write backup.toml");
        p
    }
}
