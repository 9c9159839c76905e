//! PostgreSQL through pgBackRest: WAL archiving for point-in-time
//! recovery, full/differential/incremental backups into an encrypted
//! repository (aes-256-cbc), `check`, `verify`, retention, restore.
//!
//! The repository passphrase reaches pgBackRest only as
//! `PGBACKREST_REPO1_CIPHER_PASS` in its environment. PostgreSQL's
//! archive_command and restore_command read it from a file in a
//! memory-backed runtime directory (tmpfs, owned by PostgreSQL's account,
//! mode 0400), which custodianctl fills from Vault; it is never on disk.
//!
//! With `[remote]`, the bucket is repository 2, encrypted with the same
//! passphrase (`PGBACKREST_REPO2_CIPHER_PASS`); its access key reaches
//! pgBackRest the same way (`PGBACKREST_REPO2_S3_KEY`, `…_KEY_SECRET`).
//! pgBackRest archives each WAL segment to every repository in its
//! configuration and reports failure to PostgreSQL, which then retries
//! the same segment, when any one of them fails: a remote that does not
//! answer would hold up archiving to the local repository too. So repo2
//! is written into pgbackrest.conf only after custodianctl has reached the
//! remote with the credentials, and taken out again when it fails.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use secrecy::{ExposeSecret, SecretString};

use super::config::{Config, Repo, UriStyle};
use super::remote::Credentials;
use super::tools::{io, BackupError, Tool};

/// What pgBackRest needs from Vault: the cipher passphrase (both
/// repositories) and, while the remote is in use, its access key.
#[derive(Clone)]
pub struct Keys {
    pub pass: SecretString,
    pub remote: Option<Credentials>,
}

impl Keys {
    pub fn local(pass: &SecretString) -> Self {
        Self {
            pass: pass.clone(),
            remote: None,
        }
    }
}

pub const STANZA: &str = "custodian";

fn account(cfg: &Config) -> Result<nix::unistd::User, BackupError> {
    nix::unistd::User::from_name(&cfg.postgres.os_user)
        .ok()
        .flatten()
        .ok_or_else(|| {
            BackupError::Refused(format!(
                "postgres.os-user {} is not an account on this machine",
                cfg.postgres.os_user
            ))
        })
}

fn chown_to(cfg: &Config, p: &Path) -> Result<(), BackupError> {
    let u = account(cfg)?;
    nix::unistd::chown(p, Some(u.uid), Some(u.gid)).map_err(|e| BackupError::Io {
        what: format!("give {} to {}", p.display(), cfg.postgres.os_user),
        source: e.into(),
    })
}

/// Writes pgbackrest.conf (no secrets; repo2 only when `keys` carry the
/// remote's access key) and the runtime passphrase files.
pub fn prepare(cfg: &Config, keys: &Keys) -> Result<(), BackupError> {
    std::fs::create_dir_all(&cfg.state.dir)
        .map_err(io(format!("create {}", cfg.state.dir.display())))?;
    let lock = cfg.state.dir.join("pgbackrest-lock");
    std::fs::create_dir_all(&lock).map_err(io(format!("create {}", lock.display())))?;
    chown_to(cfg, &lock)?;
    let conf = format!(
        "# Written by custodianctl from backup.toml; no secrets (the cipher\n\
         # passphrase comes from Vault through the environment).\n\
         [global]\n\
         repo1-path={repo}\n\
         repo1-cipher-type=aes-256-cbc\n\
         repo1-retention-full={ret}\n\
         start-fast=y\n\
         compress-type=zst\n\
         process-max=2\n\
         log-level-console=info\n\
         log-level-stderr=off\n\
         log-level-file=off\n\
         lock-path={lock}\n\
         \n\
         {remote}\
         \n\
         [{STANZA}]\n\
         pg1-path={data}\n\
         pg1-port={port}\n\
         pg1-socket-path={socket}\n",
        repo = cfg.pgbackrest_repo().display(),
        ret = cfg.repository.retention_full,
        lock = lock.display(),
        data = cfg.postgres.data_dir.display(),
        port = cfg.postgres.port,
        socket = cfg.postgres.socket_dir.display(),
        remote = match (&cfg.remote, &keys.remote) {
            (Some(r), Some(_)) => {
                let (host, port) = r.host_port();
                let mut t = format!(
                    "# The remote (S3) repository; its key comes from Vault too.\n\
                     repo2-type=s3\n\
                     repo2-path={path}\n\
                     repo2-s3-bucket={bucket}\n\
                     repo2-s3-endpoint={host}\n\
                     repo2-s3-region={region}\n\
                     repo2-s3-uri-style={style}\n\
                     repo2-cipher-type=aes-256-cbc\n\
                     repo2-retention-full={ret}\n",
                    path = r.pgbackrest_path(),
                    bucket = r.bucket,
                    region = r.region,
                    style = match r.uri_style {
                        UriStyle::Host => "host",
                        UriStyle::Path => "path",
                    },
                    ret = cfg.repository.retention_full,
                );
                if let Some(p) = port {
                    t.push_str(&format!("repo2-storage-port={p}\n"));
                }
                if let Some(ca) = &r.ca_cert {
                    t.push_str(&format!("repo2-storage-ca-file={}\n", ca.display()));
                }
                t
            }
            _ => String::new(),
        },
    );
    // archive_command may run at any moment: the remote's key files are
    // in place before a configuration names repo2, and gone only after
    // one that does not.
    write_runtime_pass(cfg, &keys.pass)?;
    if keys.remote.is_some() {
        write_runtime_remote(cfg, keys.remote.as_ref())?;
        super::escrow::write_file(&cfg.pgbackrest_conf(), conf.as_bytes(), 0o644)
    } else {
        super::escrow::write_file(&cfg.pgbackrest_conf(), conf.as_bytes(), 0o644)?;
        write_runtime_remote(cfg, None)
    }
}

/// Replaces `path` with `text`, readable by PostgreSQL's account only: the
/// new file is given to that account before it is renamed over the old
/// one, so archive_command never finds it missing or unreadable.
fn write_for_postgres(cfg: &Config, path: &Path, text: &[u8]) -> Result<(), BackupError> {
    super::escrow::write_file_then(path, text, 0o400, |tmp| chown_to(cfg, tmp))
}

/// The remote's access key for archive_command, beside the passphrase;
/// removed while the remote is not in use.
fn write_runtime_remote(cfg: &Config, creds: Option<&Credentials>) -> Result<(), BackupError> {
    let files = [cfg.s3_key_file(), cfg.s3_key_secret_file()];
    let Some(c) = creds else {
        for f in &files {
            let _ = std::fs::remove_file(f);
        }
        return Ok(());
    };
    for (f, v) in files.iter().zip([&c.access_key_id, &c.secret_access_key]) {
        write_for_postgres(cfg, f, v.expose_secret().as_bytes())?;
    }
    Ok(())
}

/// The shell words before `pgbackrest` in archive_command and
/// restore_command: the passphrase from its runtime file and, with
/// `[remote]`, the remote's key from its files when they are there (they
/// are removed while the remote is left out, and pgBackRest refuses an
/// empty S3 key even for a repository it is not configured with). Only
/// shell assignments and builtins: no secret is ever an argument.
fn env_from_files(cfg: &Config) -> String {
    let pass = cfg.cipher_pass_file();
    let repo1 = format!("PGBACKREST_REPO1_CIPHER_PASS=\"$(cat {})\"", pass.display());
    if cfg.remote.is_none() {
        return repo1;
    }
    format!(
        "k=\"$(cat {key} 2>/dev/null)\"; if [ -n \"$k\" ]; then export PGBACKREST_REPO2_S3_KEY=\"$k\" PGBACKREST_REPO2_S3_KEY_SECRET=\"$(cat {secret})\" PGBACKREST_REPO2_CIPHER_PASS=\"$(cat {pass})\"; fi; {repo1}",
        key = cfg.s3_key_file().display(),
        secret = cfg.s3_key_secret_file().display(),
        pass = pass.display(),
    )
}

/// The passphrase for archive_command/restore_command, in the tmpfs
/// runtime directory, readable by PostgreSQL's account only.
pub fn write_runtime_pass(cfg: &Config, pass: &SecretString) -> Result<(), BackupError> {
    let dir = &cfg.state.runtime_dir;
    in_memory(dir)?;
    std::fs::create_dir_all(dir).map_err(io(format!("create {}", dir.display())))?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
        .map_err(io(format!("chmod {}", dir.display())))?;
    chown_to(cfg, dir)?;
    write_for_postgres(
        cfg,
        &cfg.cipher_pass_file(),
        pass.expose_secret().as_bytes(),
    )
}

/// Refuses a runtime directory that is not memory-backed: the passphrase
/// written there must never reach a disk (where it would outlive a reboot
/// and sit in the disk's blocks after deletion). The check is on the
/// directory, or the nearest part of its path that exists yet.
pub fn in_memory(dir: &Path) -> Result<(), BackupError> {
    use nix::sys::statfs::{statfs, TMPFS_MAGIC};
    let existing = dir
        .ancestors()
        .find(|p| p.exists())
        .unwrap_or_else(|| Path::new("/"));
    let fs = statfs(existing).map_err(|e| BackupError::Io {
        what: format!("find the file system of {}", existing.display()),
        source: e.into(),
    })?;
    let kind = fs.filesystem_type();
    if kind == TMPFS_MAGIC {
        return Ok(());
    }
    Err(BackupError::Refused(format!(
        "state.runtime-dir {} is on a disk (file system type {:#x}), not in memory: the passphrase PostgreSQL's archive_command reads must never be written to a disk; use a directory under /run (tmpfs on a server; systemd's RuntimeDirectory) or /dev/shm",
        dir.display(),
        kind.0
    )))
}

/// The archive_command PostgreSQL runs for every WAL segment.
pub fn archive_command(cfg: &Config) -> String {
    format!(
        "{env} pgbackrest --config={conf} --stanza={STANZA} archive-push %p",
        env = env_from_files(cfg),
        conf = cfg.pgbackrest_conf().display(),
    )
}

/// The restore_command for a cluster restored into `pg_path` from `repo`
/// (the remote one when the local repository is gone).
pub fn restore_command(cfg: &Config, pg_path: &Path, repo: Repo) -> String {
    format!(
        "{env} pgbackrest --config={conf} --stanza={STANZA} --repo={n} --pg1-path={pg} archive-get %f \"%p\"",
        env = env_from_files(cfg),
        conf = cfg.pgbackrest_conf().display(),
        n = repo.number(),
        pg = pg_path.display(),
    )
}

fn tool(cfg: &Config, keys: &Keys, what: &str) -> Tool {
    let mut t = Tool::new("pgbackrest", what)
        .run_as(&cfg.postgres.os_user)
        .secret_env("PGBACKREST_REPO1_CIPHER_PASS", &keys.pass)
        .arg(format!("--config={}", cfg.pgbackrest_conf().display()))
        .arg(format!("--stanza={STANZA}"))
        .disk(&cfg.repository.path);
    if let Some(c) = &keys.remote {
        t = t
            .secret_env("PGBACKREST_REPO2_CIPHER_PASS", &keys.pass)
            .secret_env("PGBACKREST_REPO2_S3_KEY", &c.access_key_id)
            .secret_env("PGBACKREST_REPO2_S3_KEY_SECRET", &c.secret_access_key);
    }
    t
}

/// One repository's tool (`--repo=N`).
fn tool_on(cfg: &Config, keys: &Keys, repo: Repo, what: &str) -> Tool {
    tool(cfg, keys, &format!("{what} ({} repository)", repo.name()))
        .arg(format!("--repo={}", repo.number()))
}

/// Creates the repository directory (owned by PostgreSQL's account).
pub fn ensure_repo(cfg: &Config) -> Result<(), BackupError> {
    let repo = cfg.pgbackrest_repo();
    if !repo.is_dir() {
        std::fs::create_dir_all(&repo).map_err(io(format!("create {}", repo.display())))?;
        std::fs::set_permissions(&repo, std::fs::Permissions::from_mode(0o750))
            .map_err(io(format!("chmod {}", repo.display())))?;
    }
    chown_to(cfg, &repo)
}

/// On every repository in pgbackrest.conf (idempotent).
pub fn stanza_create(cfg: &Config, keys: &Keys) -> Result<(), BackupError> {
    tool(cfg, keys, "stanza-create")
        .arg("stanza-create")
        .run()
        .map(drop)
}

pub fn check(cfg: &Config, keys: &Keys) -> Result<(), BackupError> {
    tool(
        cfg,
        keys,
        "check (is WAL archiving on? run `custodianctl backup setup` and restart PostgreSQL)",
    )
    .arg("check")
    .run()
    .map(drop)
}

pub fn backup(cfg: &Config, keys: &Keys, repo: Repo, kind: &str) -> Result<(), BackupError> {
    tool_on(cfg, keys, repo, &format!("{kind} backup"))
        .arg(format!("--type={kind}"))
        .arg("backup")
        .run()
        .map(drop)
}

pub fn verify(cfg: &Config, keys: &Keys, repo: Repo) -> Result<(), BackupError> {
    tool_on(cfg, keys, repo, "verify")
        .arg("verify")
        .run()
        .map(drop)
}

/// `pgbackrest info` as JSON: the stanza's backups and WAL range.
pub fn info(cfg: &Config, keys: &Keys, repo: Repo) -> Result<serde_json::Value, BackupError> {
    let out = tool_on(cfg, keys, repo, "info")
        .args(["--output=json", "info"])
        .quiet()
        .run()?;
    serde_json::from_slice(&out)
        .map_err(|e| BackupError::Refused(format!("pgbackrest info gave no JSON: {e}")))
}

/// The backups in the repository, oldest first: (label, type, stop time).
pub fn backups(info: &serde_json::Value) -> Vec<(String, String, u64)> {
    info.pointer("/0/backup")
        .and_then(|b| b.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|b| {
                    Some((
                        b.get("label")?.as_str()?.to_owned(),
                        b.get("type")?.as_str()?.to_owned(),
                        b.pointer("/timestamp/stop")?.as_u64()?,
                    ))
                })
                .collect()
        })
        .unwrap_or_default()
}

pub enum Target {
    /// Everything archived (the newest point).
    Latest,
    /// A point in time, `YYYY-MM-DD HH:MM:SS+00`.
    Time(String),
    /// The end of a named backup.
    Set(String),
    /// A restore point made by `custodianctl backup restore-point`.
    Name(String),
}

/// Restores into `pg_path` (PostgreSQL stopped). `delta` reuses what is
/// there (overwriting); otherwise the directory must be empty.
pub fn restore(
    cfg: &Config,
    keys: &Keys,
    repo: Repo,
    pg_path: &Path,
    target: &Target,
    delta: bool,
) -> Result<(), BackupError> {
    let mut t = tool_on(cfg, keys, repo, "restore")
        .arg(format!("--pg1-path={}", pg_path.display()))
        .arg(format!(
            "--recovery-option=restore_command={}",
            restore_command(cfg, pg_path, repo)
        ));
    if delta {
        t = t.arg("--delta");
    }
    t = match target {
        Target::Latest => t,
        Target::Time(at) => t.args([
            "--type=time".to_owned(),
            format!("--target={at}"),
            "--target-action=promote".to_owned(),
        ]),
        Target::Set(label) => t.args([
            format!("--set={label}"),
            "--type=immediate".to_owned(),
            "--target-action=promote".to_owned(),
        ]),
        Target::Name(name) => t.args([
            "--type=name".to_owned(),
            format!("--target={name}"),
            "--target-action=promote".to_owned(),
        ]),
    };
    t.arg("restore").run().map(drop)
}

/// True when a postmaster runs on `data_dir` (postmaster.pid names a live
/// process).
pub fn running(data_dir: &Path) -> bool {
    let Ok(text) = std::fs::read_to_string(data_dir.join("postmaster.pid")) else {
        return false;
    };
    let Some(pid) = text
        .lines()
        .next()
        .and_then(|l| l.trim().parse::<i32>().ok())
    else {
        return false;
    };
    // EPERM: alive, but another account's (without CAP_KILL).
    matches!(
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None),
        Ok(()) | Err(nix::errno::Errno::EPERM)
    )
}

/// Creates (or empties, with `force`) a data directory for a restore.
pub fn prepare_data_dir(cfg: &Config, dir: &PathBuf) -> Result<bool, BackupError> {
    let nonempty = std::fs::read_dir(dir)
        .map(|mut d| d.next().is_some())
        .unwrap_or(false);
    if !dir.exists() {
        std::fs::create_dir_all(dir).map_err(io(format!("create {}", dir.display())))?;
    }
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
        .map_err(io(format!("chmod {}", dir.display())))?;
    chown_to(cfg, dir)?;
    Ok(nonempty)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(extra: &str) -> Config {
        let text = format!(
            "[repository]\npath = \"/srv/backup\"\n[postgres]\ndata-dir = \"/var/lib/postgresql/15/main\"\n\
             [files]\nmedia-dir = \"/var/lib/custodian/media\"\n[vault]\naddress = \"http://127.0.0.1:8200\"\n\
             role-id = \"r\"\nsecret-id-file = \"/etc/sid\"\n[escrow]\nfile = \"/etc/e.age\"\n\
             recipient = \"age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p\"\n{extra}"
        );
        toml::from_str(&text).expect("config")
    }

    #[test]
    fn archive_command_reads_the_remote_key_from_files_only_when_there() {
        // Without [remote] it is what `backup setup` wrote before remotes
        // existed, so that `backup now` leaves such appliances alone.
        let local = config("");
        assert_eq!(
            archive_command(&local),
            "PGBACKREST_REPO1_CIPHER_PASS=\"$(cat /run/custodian-backup/pgbackrest-cipher-pass)\" pgbackrest --config=/var/lib/custodian/backup/pgbackrest.conf --stanza=custodian archive-push %p"
        );
        let remote = config(
            "[remote]\nendpoint = \"s3.example.org\"\nbucket = \"b-1\"\nregion = \"us-east-1\"\n",
        );
        let cmd = archive_command(&remote);
        // The key is exported by the shell (a builtin, no argument) and only
        // when its file is there: pgBackRest refuses an empty S3 key.
        assert!(
            cmd.starts_with("k=\"$(cat /run/custodian-backup/s3-key 2>/dev/null)\"; if [ -n \"$k\" ]; then export PGBACKREST_REPO2_S3_KEY=\"$k\""),
            "{cmd}"
        );
        assert!(cmd.ends_with("--stanza=custodian archive-push %p"), "{cmd}");
        assert!(restore_command(&remote, Path::new("/d"), Repo::Remote)
            .contains("--repo=2 --pg1-path=/d archive-get"));
    }

    #[test]
    fn the_runtime_directory_must_be_in_memory() {
        // /dev/shm is tmpfs on every Linux this runs on; a directory that
        // does not exist yet is judged by the part of its path that does.
        assert!(in_memory(Path::new("/dev/shm/custodian-not-yet/pass")).is_ok());
        // The build directory is on a disk.
        let disk = Path::new(env!("CARGO_MANIFEST_DIR"));
        let e = in_memory(disk)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("is on a disk") && e.contains("/run"), "{e}");
    }
}
