//! Backup freshness, for operators and administrators: `custodianctl
//! backup` records `backup.finished` and `backup.drill_passed` in the
//! activity log (which this daemon may read); when the newest successful
//! backup is missing or older than `[backup] stale-after-hours`, the
//! `backup` component is degraded: `/readyz` says so with the fix, and the
//! transition is recorded in the activity log like every other problem.
//! The reading, and the administrators' notification (once per episode of
//! missing or stale backups), are `custodian_core::backups::watch_once`.
#![forbid(unsafe_code)]

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::config::BackupConfig;
use custodian_core::backups;
use custodian_core::health::Health;
use custodian_core::pool::Database;

/// Microseconds since the epoch, as `problem` counts.
fn micros(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

fn ago(now_us: i64, at_us: i64) -> String {
    let h = (now_us - at_us).max(0) / 3_600_000_000;
    format!("{h} h ago")
}

/// What is wrong with the backups, if anything: their age, else a key
/// escrow that lacks rotated keys.
pub fn problem(
    now_us: i64,
    stale_after_hours: u64,
    last_backup: Option<i64>,
    last_drill: Option<i64>,
    escrow: &backups::Escrow,
) -> Option<String> {
    age_problem(now_us, stale_after_hours, last_backup, last_drill).or_else(|| match escrow {
        backups::Escrow::Lacks(gaps) => Some(format!(
            "the key escrow lacks {}: keys were rotated after it was sealed; re-seal it with an operator token (custodianctl vault escrow) before the next backup",
            gaps.iter()
                .map(|(k, v)| format!("{k} version {v}"))
                .collect::<Vec<_>>()
                .join(", ")
        )),
        backups::Escrow::Unchecked(why) => Some(format!(
            "the last backup could not check the key escrow ({why}): see `journalctl -u custodian-backup@incr`"
        )),
        _ => None,
    })
}

/// The newest backup's remote copy failed; the local one is stored.
fn remote_problem(error: &str) -> String {
    format!(
        "the last backup is stored locally, but its remote copy failed: {error}; see `journalctl -u custodian-backup@incr`"
    )
}

fn age_problem(
    now_us: i64,
    stale_after_hours: u64,
    last_backup: Option<i64>,
    last_drill: Option<i64>,
) -> Option<String> {
    let drill = match last_drill {
        Some(d) => format!("last verified restore (drill) {}", ago(now_us, d)),
        None => "no restore verified yet (custodianctl backup drill)".to_owned(),
    };
    let limit = i64::try_from(stale_after_hours)
        .unwrap_or(i64::MAX / 3_600_000_000)
        .saturating_mul(3_600_000_000);
    match last_backup {
        None => Some(format!(
            "no backup has succeeded yet: run `custodianctl backup now --type full` and enable custodian-backup-full.timer and custodian-backup-incr.timer; {drill}"
        )),
        Some(b) if now_us - b > limit => Some(format!(
            "the last successful backup was {} (more than {stale_after_hours} h): see `journalctl -u custodian-backup@incr` and run `custodianctl backup now`; {drill}",
            ago(now_us, b)
        )),
        Some(_) => None,
    }
}

pub async fn watch(cfg: BackupConfig, db: Arc<Database>, health: Arc<Health>) {
    loop {
        let now = custodian_core::clock::now();
        match backups::watch_once(&db, now, cfg.stale_after_hours).await {
            Ok(check) => {
                let p = problem(
                    micros(now),
                    cfg.stale_after_hours,
                    check.last_backup.map(micros),
                    check.last_drill.map(micros),
                    &check.escrow,
                )
                .or_else(|| check.remote_failed.as_deref().map(remote_problem));
                if let Some(text) = &p {
                    tracing::warn!(target: "backup", problem = %text, "backups are not current");
                }
                if check.notified {
                    tracing::info!(target: "backup", "administrators notified that backups are not current");
                }
                health.set_problem("backup", p);
            }
            Err(e) => {
                tracing::warn!(target: "backup", error = %e, "could not read the backup status");
            }
        }
        tokio::time::sleep(Duration::from_secs(cfg.check_interval_secs)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::problem;
    use custodian_core::backups::Escrow;
    const H: i64 = 3_600_000_000;

    #[test]
    fn missing_and_stale_backups_are_problems_with_the_fix() {
        let now = 1000 * H;
        let ok = &Escrow::Covers;
        let none = problem(now, 26, None, None, ok).unwrap_or_default();
        assert!(none.contains("custodianctl backup now"), "{none}");
        assert!(problem(now, 26, Some(now - 2 * H), Some(now - 50 * H), ok).is_none());
        let lacks = Escrow::Lacks(vec![("transit/custodian-media".into(), 3)]);
        let gap = problem(now, 26, Some(now - 2 * H), None, &lacks).unwrap_or_default();
        assert!(
            gap.contains("transit/custodian-media version 3")
                && gap.contains("custodianctl vault escrow"),
            "{gap}"
        );
        let stale = problem(now, 26, Some(now - 30 * H), Some(now - 3 * H), ok).unwrap_or_default();
        assert!(
            stale.contains("30 h ago") && stale.contains("drill) 3 h ago"),
            "{stale}"
        );
        let remote = super::remote_problem("the remote repository … is unreachable");
        assert!(
            remote.contains("stored locally") && remote.contains("is unreachable"),
            "{remote}"
        );
    }
}
