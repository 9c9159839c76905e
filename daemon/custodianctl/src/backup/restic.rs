//! The media store and the appliance's state through restic: encrypted,
//! deduplicated snapshots, `check --read-data-subset` to verify. The
//! password reaches restic only as `RESTIC_PASSWORD` in its environment.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use secrecy::SecretString;

use super::config::Config;
use super::tools::{io, BackupError, Tool};

pub const TAG: &str = "custodian";

fn tool(cfg: &Config, pass: &SecretString, what: &str) -> Tool {
    Tool::new("restic", what)
        .secret_env("RESTIC_PASSWORD", pass)
        .env("RESTIC_REPOSITORY", cfg.restic_repo())
        .env("RESTIC_CACHE_DIR", cfg.state.dir.join("restic-cache"))
        .disk(&cfg.repository.path)
}

pub fn init_if_missing(cfg: &Config, pass: &SecretString) -> Result<(), BackupError> {
    let repo = cfg.restic_repo();
    if repo.join("config").is_file() {
        return Ok(());
    }
    std::fs::create_dir_all(&repo).map_err(io(format!("create {}", repo.display())))?;
    std::fs::set_permissions(&repo, std::fs::Permissions::from_mode(0o700))
        .map_err(io(format!("chmod {}", repo.display())))?;
    tool(cfg, pass, "init").arg("init").run().map(drop)
}

/// A snapshot of the media store and the state paths; returns its id.
pub fn backup(cfg: &Config, pass: &SecretString) -> Result<String, BackupError> {
    let mut t = tool(cfg, pass, "backup")
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

pub fn forget(cfg: &Config, pass: &SecretString) -> Result<(), BackupError> {
    tool(cfg, pass, "forget")
        .args(["forget", "--tag", TAG, "--prune", "--keep-last"])
        .arg(cfg.repository.keep_snapshots.to_string())
        .run()
        .map(drop)
}

/// The snapshots, oldest first: (id, time as RFC 3339).
pub fn snapshots(cfg: &Config, pass: &SecretString) -> Result<Vec<(String, String)>, BackupError> {
    let out = tool(cfg, pass, "snapshots")
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

pub fn check(cfg: &Config, pass: &SecretString) -> Result<(), BackupError> {
    tool(cfg, pass, "check")
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
    snapshot: &str,
    target: &Path,
) -> Result<(), BackupError> {
    tool(cfg, pass, "restore")
        .args(["restore", snapshot, "--target"])
        .arg(target)
        .run()
        .map(drop)
}

/// Unlocks locks left by a killed restic.
pub fn unlock(cfg: &Config, pass: &SecretString) -> Result<(), BackupError> {
    tool(cfg, pass, "unlock")
        .arg("unlock")
        .quiet()
        .run()
        .map(drop)
}
