//! Settings administrators change in the appliance: a notice on the
//! sign-in page and the export download window. Everything else lives in
//! the configuration file or Vault and is only shown, never a secret.

use std::time::Duration;

use serde_json::json;

use super::accounts::audit;
use super::notifications::{notify_admins, Notice};
use crate::error::{CoreError, Rejected};
use crate::policy::{ManageSettings, Permit};
use crate::pool::Database;

pub const LOGIN_NOTICE: &str = "login_notice";
pub const EXPORT_TTL: &str = "export_ttl_minutes";

/// Allowed range for the export download window, in minutes.
pub const EXPORT_TTL_RANGE: std::ops::RangeInclusive<u64> = 5..=1440;

pub async fn get(db: &Database, key: &str) -> Result<Option<String>, CoreError> {
    let c = db.client().await?;
    let pg: &tokio_postgres::Client = &c;
    Ok(pg
        .query_opt("SELECT value FROM app_setting WHERE key = $1", &[&key])
        .await?
        .map(|r| r.get(0)))
}

/// The export window: the setting if made, else the configuration's.
pub async fn export_ttl(db: &Database, configured: Duration) -> Duration {
    match get(db, EXPORT_TTL).await {
        Ok(Some(v)) => v
            .parse::<u64>()
            .ok()
            .filter(|m| EXPORT_TTL_RANGE.contains(m))
            .map_or(configured, |m| Duration::from_secs(m * 60)),
        _ => configured,
    }
}

/// Validates and stores the settings; returns a message for the
/// administrator when a value is refused.
pub async fn save(
    db: &Database,
    permit: &Permit<ManageSettings>,
    by: &str,
    notice: &str,
    export_ttl: &str,
) -> Result<(), Rejected> {
    let by_id = permit.actor().user_id;
    let notice: String = notice
        .chars()
        .filter(|c| !c.is_control() || *c == '\n')
        .collect::<String>()
        .trim()
        .to_owned();
    if notice.chars().count() > 1000 {
        return Err(Rejected::problem("settings-notice-too-long"));
    }
    let ttl = export_ttl.trim();
    if !ttl.is_empty()
        && !ttl
            .parse::<u64>()
            .is_ok_and(|m| EXPORT_TTL_RANGE.contains(&m))
    {
        return Err(Rejected::problem("settings-export-window")
            .with("min", *EXPORT_TTL_RANGE.start())
            .with("max", *EXPORT_TTL_RANGE.end()));
    }
    let mut c = db.client().await?;
    let tx = c.transaction().await?;
    let mut changed = Vec::new();
    for (key, value) in [(LOGIN_NOTICE, notice.as_str()), (EXPORT_TTL, ttl)] {
        let before: Option<String> = tx
            .query_opt(
                "SELECT value FROM app_setting WHERE key = $1 FOR UPDATE",
                &[&key],
            )
            .await?
            .map(|r| r.get(0));
        if before.as_deref().unwrap_or("") == value {
            continue;
        }
        if value.is_empty() {
            tx.execute("DELETE FROM app_setting WHERE key = $1", &[&key])
                .await?;
        } else {
            tx.execute(
                "INSERT INTO app_setting (key, value, updated_by) VALUES ($1, $2, $3) \
                 ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_by = EXCLUDED.updated_by, updated_at = now()",
                &[&key, &value, &by_id],
            )
            .await?;
        }
        changed.push(json!({"key": key, "before": before, "after": value}));
    }
    if !changed.is_empty() {
        audit(
            &*tx,
            by,
            "settings.changed",
            "settings",
            json!({"changes": changed}),
        )
        .await?;
        notify_admins(
            &*tx,
            "settings.changed",
            &Notice::new("notice-settings-changed").with("by", by.to_owned()),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}
