//! The media store and the appliance's state through restic: encrypted,
//! deduplicated snapshots, `check --read-data-subset` to verify. The
//! password reaches restic only as `RESTIC_PASSWORD` in its environment.
//!
//! With `[remote]`, a second restic repository in the bucket receives the
//! local repository's new snapshots by `restic copy` (initialised with the
//! local one's chunker parameters, so that deduplication carries over and
//! the media store is read once per backup). Same password; the access
//! key only in the environment (`AWS_ACCESS_KEY_ID`,
//! `AWS_SECRET_ACCESS_KEY`).

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use secrecy::SecretString;

use super::config::{Config, UriStyle};
use super::remote::Credentials;
use super::tools::{io, BackupError, Tool};

pub const TAG: &str = "custodian";

/// Which restic repository: the local one, or the remote with its key.
#[derive(Clone, Copy)]
pub enum Where<'a> {
    Local,
    Remote(&'a Credentials),
}

fn tool(cfg: &Config, pass: &SecretString, at: Where<'_>, what: &str) -> Tool {
    let t = Tool::new("restic", what)
        .secret_env("RESTIC_PASSWORD", pass)
        .env("RESTIC_CACHE_DIR", cfg.state.dir.join("restic-cache"));
    match (at, &cfg.remote) {
        (Where::Remote(c), Some(r)) => {
            let mut t = t
                .env("RESTIC_REPOSITORY", r.restic_url())
                .secret_env("AWS_ACCESS_KEY_ID", &c.access_key_id)
                .secret_env("AWS_SECRET_ACCESS_KEY", &c.secret_access_key)
                .args(["-o".to_owned(), format!("s3.region={}", r.region)])
                .args([
                    "-o",
                    match r.uri_style {
                        UriStyle::Host => "s3.bucket-lookup=dns",
                        UriStyle::Path => "s3.bucket-lookup=path",
                    },
                ]);
            if let Some(ca) = &r.ca_cert {
                t = t.arg("--cacert").arg(ca);
            }
            t
        }
        _ => t
            .env("RESTIC_REPOSITORY", cfg.restic_repo())
            .disk(&cfg.repository.path),
    }
}

/// The remote repository, initialised if it has none yet, with the local
/// one's chunker parameters.
pub fn init_remote_if_missing(
    cfg: &Config,
    pass: &SecretString,
    creds: &Credentials,
) -> Result<(), BackupError> {
    let probe = tool(cfg, pass, Where::Remote(creds), "cat config")
        .args(["cat", "config"])
        .quiet()
        .run();
    match probe {
        Ok(_) => Ok(()),
        Err(BackupError::ToolFailed { tail, .. })
            if tail.contains("Is there a repository") || tail.contains("does not exist") =>
        {
            tool(cfg, pass, Where::Remote(creds), "init (remote)")
                .secret_env("RESTIC_FROM_PASSWORD", pass)
                .env("RESTIC_FROM_REPOSITORY", cfg.restic_repo())
                .args(["init", "--copy-chunker-params"])
                .run()
                .map(drop)
        }
        Err(e) => Err(e),
    }
}

/// Copies the local snapshots the remote lacks into it.
pub fn copy_to_remote(
    cfg: &Config,
    pass: &SecretString,
    creds: &Credentials,
) -> Result<(), BackupError> {
    tool(cfg, pass, Where::Remote(creds), "copy (to the remote)")
        .secret_env("RESTIC_FROM_PASSWORD", pass)
        .env("RESTIC_FROM_REPOSITORY", cfg.restic_repo())
        .args(["copy", "--tag", TAG])
        .run()
        .map(drop)
}

pub fn init_if_missing(cfg: &Config, pass: &SecretString) -> Result<(), BackupError> {
    let repo = cfg.restic_repo();
    if repo.join("config").is_file() {
        return Ok(());
    }
    std::fs::create_dir_all(&repo).map_err(io(format!("create {}", repo.display())))?;
    std::fs::set_permissions(&repo, std::fs::Permissions::from_mode(0o700))
        .map_err(io(format!("chmod {}", repo.display())))?;
    tool(cfg, pass, Where::Local, "init")
        .arg("init")
        .run()
        .map(drop)
}

/// A snapshot of the media store and the state paths; returns its id.
pub fn backup(cfg: &Config, pass: &SecretString) -> Result<String, BackupError> {
    let mut t = tool(cfg, pass, Where::Local, "backup")
        .args(["backup", "--json", "--host", "custodian", "--tag", TAG])
        .env("RESTIC_PROGRESS_FPS", "0.2")
        .arg(&cfg.files.media_dir);
    for p in &cfg.files.state_paths {
        if p.exists() {
            t = t.arg(p);
        } else {
            eprintln!("  restic: skipping {} (does not exist)", p.display());
        }
    }
    let out = t.run()?;
    let mut id = None;
    for line in String::from_utf8_lossy(&out).lines() {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if v.get("message_type").and_then(|m| m.as_str()) == Some("summary") {
            {
                id = v
                    .get("snapshot_id")
                    .and_then(|s| s.as_str())
                    .map(str::to_owned);
                eprintln!(
                    "  restic: {} files ({} new), {} bytes added",
                    v.get("total_files_processed")
                        .unwrap_or(&serde_json::Value::Null),
                    v.get("files_new").unwrap_or(&serde_json::Value::Null),
                    v.get("data_added").unwrap_or(&serde_json::Value::Null)
                );
            }
        }
    }
    id.ok_or_else(|| BackupError::Refused("restic backup reported no snapshot".into()))
}

pub fn forget(cfg: &Config, pass: &SecretString, at: Where<'_>) -> Result<(), BackupError> {
    tool(cfg, pass, at, "forget")
        .args(["forget", "--tag", TAG, "--prune", "--keep-last"])
        .arg(cfg.repository.keep_snapshots.to_string())
        .run()
        .map(drop)
}

/// The snapshots, oldest first: (id, time as RFC 3339).
pub fn snapshots(
    cfg: &Config,
    pass: &SecretString,
    at: Where<'_>,
) -> Result<Vec<(String, String)>, BackupError> {
    let out = tool(cfg, pass, at, "snapshots")
        .args(["snapshots", "--json", "--tag", TAG])
        .quiet()
        .run()?;
    let v: serde_json::Value = serde_json::from_slice(&out)
        .map_err(|e| BackupError::Refused(format!("restic snapshots gave no JSON: {e}")))?;
    Ok(v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| {
                    Some((
                        s.get("short_id")?.as_str()?.to_owned(),
                        s.get("time")?.as_str()?.to_owned(),
                    ))
                })
                .collect()
        })
        .unwrap_or_default())
}

pub fn check(cfg: &Config, pass: &SecretString, at: Where<'_>) -> Result<(), BackupError> {
    tool(cfg, pass, at, "check")
        .arg("check")
        .arg(format!(
            "--read-data-subset={}%",
            cfg.repository.verify_read_data_percent
        ))
        .run()
        .map(drop)
}

/// Restores `snapshot` under `target` (`/` puts every file back where it
/// was).
pub fn restore(
    cfg: &Config,
    pass: &SecretString,
    at: Where<'_>,
    snapshot: &str,
    target: &Path,
) -> Result<(), BackupError> {
    tool(cfg, pass, at, "restore")
        .args(["restore", snapshot, "--target"])
        .arg(target)
        .run()
        .map(drop)
}

/// Unlocks locks left by a killed restic.
pub fn unlock(cfg: &Config, pass: &SecretString, at: Where<'_>) -> Result<(), BackupError> {
    tool(cfg, pass, at, "unlock")
        .arg("unlock")
        .quiet()
        .run()
        .map(drop)
}
