//! What the appliance knows about its backups, read from the activity
//! log: `custodianctl backup` records every run there (`backup.finished`
//! with the pgBackRest type and label, `backup.verified`,
//! `backup.drill_passed`, and their `*_failed` counterparts with the
//! error). The log is the source rather than custodianctl's `status.json`
//! because custodiand may read it (and nothing else of root's), and
//! because its entries are hash-chained.
//!
//! Two readers: the administrators' page ([`status`], behind a permit) and
//! the daemon's watcher ([`watch_once`]), which also tells the
//! administrators, once per episode, that backups are missing or stale.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::json;

use crate::error::CoreError;
use crate::identity::accounts::audit;
use crate::identity::notifications::{notify_admins, Notice};
use crate::policy::{Permit, ViewBackups};
use crate::pool::Database;

/// The drill timer runs weekly (`custodian-backup-drill.timer`); a
/// verified restore is stale once it is older than that plus the margin
/// the backups get (`stale-after-hours`).
pub const DRILL_EVERY: Duration = Duration::from_secs(7 * 24 * 3600);

/// How many recent failures the page lists.
const FAILURES_SHOWN: i64 = 5;

/// What the watcher records when it has told the administrators: the
/// episode it belongs to is the one since the newest `backup.finished`.
pub const STALE_NOTIFIED: &str = "backup.stale_notified";

const FAILED: &[&str] = &[
    "backup.failed",
    "backup.verify_failed",
    "backup.drill_failed",
    "backup.restore_point_failed",
];

/// The newest successful backup.
#[derive(Debug, Clone, PartialEq)]
pub struct Backup {
    pub at: SystemTime,
    /// pgBackRest's type: `full`, `diff` or `incr` (empty if not recorded).
    pub kind: String,
    /// pgBackRest's label (`20261202-050014F`), empty if not recorded.
    pub label: String,
    /// The restic snapshot of the media store and state.
    pub snapshot: String,
    pub seconds: Option<f64>,
    /// Whether the key escrow held every key version in use at the time.
    pub escrow: Escrow,
    /// Whether it reached the remote repository, when there is one.
    pub remote: RemoteCopy,
}

/// What became of the remote copy of a backup (custodianctl's `remote`
/// detail of `backup.finished`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RemoteCopy {
    /// No remote repository is configured (or the backup predates them).
    NotConfigured,
    Copied,
    /// The local copy is stored; the remote one failed, for this reason.
    Failed(String),
}

impl RemoteCopy {
    pub fn of(details: &serde_json::Value) -> Self {
        match (remote_failure(details), details["remote"]["ok"] == true) {
            (Some(error), _) => Self::Failed(error),
            (None, true) => Self::Copied,
            (None, false) => Self::NotConfigured,
        }
    }
}

/// What the backup found of the sealed key escrow (custodianctl's
/// `escrow` detail of `backup.finished`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Escrow {
    /// Recorded before custodianctl checked it.
    NotRecorded,
    /// Holds every key version in use.
    Covers,
    /// Keys were rotated after it was sealed: (key, version) it lacks.
    Lacks(Vec<(String, u64)>),
    /// Could not be checked: `coverage-unknown` (sealed by an older
    /// custodianctl) or `vault` (Vault did not answer).
    Unchecked(String),
}

impl Escrow {
    fn of(details: &serde_json::Value) -> Self {
        let e = &details["escrow"];
        if let Some(why) = e["unchecked"].as_str() {
            return Self::Unchecked(why.to_owned());
        }
        match e["gaps"].as_array() {
            None => Self::NotRecorded,
            Some(g) if g.is_empty() => Self::Covers,
            Some(g) => Self::Lacks(
                g.iter()
                    .map(|x| (text(x, "key"), x["version"].as_u64().unwrap_or(0)))
                    .collect(),
            ),
        }
    }

    /// Whether a restore on a fresh Vault could miss keys.
    pub fn is_a_problem(&self) -> bool {
        matches!(self, Self::Lacks(_) | Self::Unchecked(_))
    }
}

/// A failed run, as custodianctl recorded it.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub at: SystemTime,
    /// The logged action (`backup.failed`, `backup.drill_failed`, …).
    pub action: String,
    /// The backup type asked for, when it was a backup.
    pub kind: String,
    /// custodianctl's error text (English, as the tool printed it).
    pub error: String,
}

/// Whether something that should happen regularly did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freshness {
    Current,
    /// Never happened.
    Missing,
    /// Older than allowed; how many whole hours ago it was.
    Stale {
        hours: u64,
    },
}

impl Freshness {
    pub fn is_current(self) -> bool {
        self == Self::Current
    }
}

/// `last` against `limit`, at `now`.
pub fn freshness(now: SystemTime, limit: Duration, last: Option<SystemTime>) -> Freshness {
    match last {
        None => Freshness::Missing,
        Some(at) => {
            let age = now.duration_since(at).unwrap_or_default();
            if age > limit {
                Freshness::Stale {
                    hours: age.as_secs() / 3600,
                }
            } else {
                Freshness::Current
            }
        }
    }
}

/// What the page shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Status {
    pub last_backup: Option<Backup>,
    /// The newest clean `custodianctl backup verify`.
    pub last_verify: Option<SystemTime>,
    /// The newest passed drill (a restore into scratch copies, checked).
    pub last_drill: Option<SystemTime>,
    /// Newest first, at most a few.
    pub failures: Vec<Failure>,
}

impl Status {
    pub fn backup_freshness(&self, now: SystemTime, stale_after: Duration) -> Freshness {
        freshness(now, stale_after, self.last_backup.as_ref().map(|b| b.at))
    }

    pub fn drill_freshness(&self, now: SystemTime, stale_after: Duration) -> Freshness {
        freshness(now, DRILL_EVERY + stale_after, self.last_drill)
    }
}

fn time_of(at_us: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_micros(u64::try_from(at_us).unwrap_or(0))
}

fn text(details: &serde_json::Value, key: &str) -> String {
    details[key].as_str().unwrap_or_default().to_owned()
}

/// The newest entry of each of `actions` that has one: (action, seq,
/// at_us, details). Each is one descent of the `(action, seq)` index
/// (migration 0032), whether the action is recent, old or never logged.
async fn newest(
    pg: &impl tokio_postgres::GenericClient,
    actions: &[&str],
) -> Result<Vec<(String, i64, i64, serde_json::Value)>, CoreError> {
    let rows = pg
        .query(
            "SELECT a.action, l.seq, l.at_us, l.details FROM unnest($1::text[]) AS a(action) \
             CROSS JOIN LATERAL (SELECT seq, at_us, details FROM audit_log \
                                 WHERE action = a.action ORDER BY seq DESC LIMIT 1) l",
            &[&actions],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
        .collect())
}

/// The backups' status for the administrators' page.
pub async fn status(db: &Database, _permit: &Permit<ViewBackups>) -> Result<Status, CoreError> {
    let c = db.client().await?;
    let pg: &tokio_postgres::Client = &c;
    let mut st = Status {
        last_backup: None,
        last_verify: None,
        last_drill: None,
        failures: Vec::new(),
    };
    for (action, _, at_us, d) in newest(
        pg,
        &["backup.finished", "backup.verified", "backup.drill_passed"],
    )
    .await?
    {
        let at = time_of(at_us);
        match action.as_str() {
            "backup.finished" => {
                st.last_backup = Some(Backup {
                    at,
                    kind: text(&d, "type"),
                    label: text(&d, "label"),
                    snapshot: text(&d, "snapshot"),
                    seconds: d["seconds"].as_f64(),
                    escrow: Escrow::of(&d),
                    remote: RemoteCopy::of(&d),
                });
            }
            "backup.verified" => st.last_verify = Some(at),
            _ => st.last_drill = Some(at),
        }
    }
    let rows = pg
        .query(
            "SELECT action, at_us, details FROM audit_log WHERE action = ANY($1) \
             ORDER BY seq DESC LIMIT $2",
            &[&FAILED, &FAILURES_SHOWN],
        )
        .await?;
    st.failures = rows
        .iter()
        .map(|r| {
            let d: serde_json::Value = r.get(2);
            Failure {
                at: time_of(r.get(1)),
                action: r.get(0),
                kind: text(&d, "type"),
                error: text(&d, "error"),
            }
        })
        .collect();
    Ok(st)
}

/// What one look of the watcher found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub last_backup: Option<SystemTime>,
    pub last_drill: Option<SystemTime>,
    pub backup: Freshness,
    /// What the newest backup found of the key escrow.
    pub escrow: Escrow,
    /// The newest backup stored the local copy but its remote copy failed:
    /// custodianctl's error.
    pub remote_failed: Option<String>,
    /// The administrators were told just now.
    pub notified: bool,
}

/// Whether this look should tell the administrators: backups are not
/// current, and nobody was told since the newest successful backup (or,
/// with none, ever). Sequence numbers, not times: the log's order is its
/// chain's.
fn should_notify(backup: Freshness, finished_seq: Option<i64>, notified_seq: Option<i64>) -> bool {
    !backup.is_current()
        && match (notified_seq, finished_seq) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(n), Some(f)) => n < f,
        }
}

/// What administrators are told (`notice-backup-…` in account.ftl).
fn notice(backup: Freshness, stale_after_hours: u64) -> Notice {
    match backup {
        Freshness::Stale { hours } => Notice::new("notice-backup-stale")
            .with("hours", hours)
            .with("limit", stale_after_hours),
        _ => Notice::new("notice-backup-missing"),
    }
}

/// One look at the backups: their freshness, and once per episode of
/// missing or stale backups a notification to every active administrator,
/// recorded in the activity log in the same transaction (so an episode is
/// told once even across restarts of custodiand, and again after a backup
/// succeeded and then grew old).
pub async fn watch_once(
    db: &Database,
    now: SystemTime,
    stale_after_hours: u64,
) -> Result<Check, CoreError> {
    let stale_after = Duration::from_secs(stale_after_hours.saturating_mul(3600));
    let mut c = db.client().await?;
    let tx = c.transaction().await?;
    let (mut finished, mut drill, mut notified) = (None, None, None);
    let mut escrow = Escrow::NotRecorded;
    let mut remote_failed = None;
    for (action, seq, at_us, details) in newest(
        &*tx,
        &["backup.finished", "backup.drill_passed", STALE_NOTIFIED],
    )
    .await?
    {
        match action.as_str() {
            "backup.finished" => {
                finished = Some((seq, time_of(at_us)));
                escrow = Escrow::of(&details);
                remote_failed = remote_failure(&details);
            }
            "backup.drill_passed" => drill = Some(time_of(at_us)),
            _ => notified = Some(seq),
        }
    }
    let last_backup = finished.map(|(_, at)| at);
    let backup = freshness(now, stale_after, last_backup);
    let mut admins = 0_i64;
    let mut notify = should_notify(backup, finished.map(|(seq, _)| seq), notified);
    if notify {
        // Before the first administrator exists (a fresh appliance has no
        // backup either) there is nobody to tell: the episode stays untold
        // until there is.
        admins = tx
            .query_one(
                "SELECT count(*) FROM app_user WHERE role = 'admin' AND state = 'active'",
                &[],
            )
            .await?
            .get(0);
        notify = admins > 0;
    }
    if notify {
        notify_admins(&*tx, "backup.stale", &notice(backup, stale_after_hours)).await?;
        let last = last_backup.and_then(|t| t.duration_since(UNIX_EPOCH).ok());
        audit(
            &*tx,
            "custodiand",
            STALE_NOTIFIED,
            "backup",
            json!({
                "last_backup_unix": last.map(|d| d.as_secs()),
                "stale_after_hours": stale_after_hours,
                "administrators": admins,
            }),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(Check {
        last_backup,
        last_drill: drill,
        backup,
        escrow,
        remote_failed,
        notified: notify,
    })
}

/// custodianctl's error when a backup stored the local copy but not the
/// remote one (`remote.ok` false in `backup.finished`); none without a
/// remote or when it worked.
pub fn remote_failure(details: &serde_json::Value) -> Option<String> {
    let r = &details["remote"];
    (r["ok"] == false).then(|| {
        r["error"]
            .as_str()
            .unwrap_or("no error was recorded")
            .to_owned()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: u64 = 3600;

    #[test]
    fn freshness_counts_whole_hours_past_the_limit() {
        let now = UNIX_EPOCH + Duration::from_secs(1000 * H);
        let limit = Duration::from_secs(26 * H);
        assert_eq!(freshness(now, limit, None), Freshness::Missing);
        let at = |h| Some(now - Duration::from_secs(h * H));
        assert_eq!(freshness(now, limit, at(2)), Freshness::Current);
        assert_eq!(freshness(now, limit, at(26)), Freshness::Current);
        assert_eq!(
            freshness(now, limit, at(30)),
            Freshness::Stale { hours: 30 }
        );
        // A clock behind the entry is not an age.
        let ahead = Some(now + Duration::from_secs(H));
        assert_eq!(freshness(now, limit, ahead), Freshness::Current);
    }

    #[test]
    fn an_episode_is_told_once_and_again_after_a_recovery() {
        let stale = Freshness::Stale { hours: 30 };
        // Never told: tell (missing or stale).
        assert!(should_notify(Freshness::Missing, None, None));
        assert!(should_notify(stale, Some(10), None));
        // Told during this episode: not again.
        assert!(!should_notify(Freshness::Missing, None, Some(5)));
        assert!(!should_notify(stale, Some(10), Some(11)));
        // A backup succeeded after the last notice, and grew old: tell.
        assert!(should_notify(stale, Some(12), Some(11)));
        // Current backups: nothing to tell.
        assert!(!should_notify(Freshness::Current, Some(12), None));
    }

    #[test]
    fn the_notice_says_how_old_and_the_limit() {
        assert_eq!(
            notice(Freshness::Missing, 26),
            Notice::new("notice-backup-missing")
        );
        assert_eq!(
            notice(Freshness::Stale { hours: 30 }, 26),
            Notice::new("notice-backup-stale")
                .with("hours", 30u64)
                .with("limit", 26u64)
        );
    }

    #[test]
    fn a_failed_remote_copy_reads_as_custodianctl_records_it() {
        assert_eq!(remote_failure(&json!({"label": "x"})), None);
        assert_eq!(
            remote_failure(&json!({"remote": {"ok": true, "label": "x"}})),
            None
        );
        assert_eq!(
            remote_failure(&json!({"remote": {"ok": false, "error": "unreachable"}})).as_deref(),
            Some("unreachable")
        );
    }

    #[test]
    fn the_escrow_detail_reads_as_custodianctl_records_it() {
        let of = |v: serde_json::Value| Escrow::of(&json!({ "escrow": v }));
        assert_eq!(Escrow::of(&json!({"type": "full"})), Escrow::NotRecorded);
        assert_eq!(of(json!({"sealed": "x", "gaps": []})), Escrow::Covers);
        let lacks = of(json!({"gaps": [{"key": "transit/custodian-media", "version": 3}]}));
        assert_eq!(
            lacks,
            Escrow::Lacks(vec![("transit/custodian-media".into(), 3)])
        );
        assert!(lacks.is_a_problem());
        assert!(of(json!({"unchecked": "vault"})).is_a_problem());
        assert!(!Escrow::Covers.is_a_problem() && !Escrow::NotRecorded.is_a_problem());
    }

    #[test]
    fn a_drill_is_stale_a_week_and_the_margin_later() {
        let now = UNIX_EPOCH + Duration::from_secs(1000 * H);
        let st = |h: u64| Status {
            last_backup: None,
            last_verify: None,
            last_drill: Some(now - Duration::from_secs(h * H)),
            failures: vec![],
        };
        let margin = Duration::from_secs(26 * H);
        assert!(st(7 * 24 + 20).drill_freshness(now, margin).is_current());
        assert_eq!(
            st(7 * 24 + 27).drill_freshness(now, margin),
            Freshness::Stale { hours: 195 }
        );
    }
}
