//! What the last backup, verification and restore drill did, kept in
//! `state.dir/status.json` (no secrets) and, for custodiand, in the
//! activity log (`backup.*` actions), which it already reads.

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use super::tools::BackupError;

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Status {
    #[serde(default)]
    pub last_backup: Option<Event>,
    #[serde(default)]
    pub last_failure: Option<Event>,
    #[serde(default)]
    pub last_verify: Option<Event>,
    /// The last restore that was checked: a drill or a real restore.
    #[serde(default)]
    pub last_restore_verified: Option<Event>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Event {
    /// Seconds since the epoch.
    pub at: u64,
    pub what: String,
    pub detail: serde_json::Value,
}

impl Status {
    pub fn load(path: &Path) -> Self {
        std::fs::read(path)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
    }

    pub fn save(&self, path: &Path) -> Result<(), BackupError> {
        let text = serde_json::to_vec_pretty(self)
            .map_err(|e| BackupError::Refused(format!("cannot encode the backup status: {e}")))?;
        super::escrow::write_file(path, &text, 0o644)
    }
}

pub fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// `YYYY-MM-DD HH:MM:SS+00` for `secs` since the epoch (UTC).
pub fn utc(secs: u64) -> String {
    let days = secs / 86_400;
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days as i64);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}+00",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

pub fn now_rfc3339() -> String {
    utc(now_secs()).replacen(' ', "T", 1).replace("+00", "Z")
}

/// Howard Hinnant's days-to-civil algorithm.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    #[test]
    fn utc_formats_known_instants() {
        assert_eq!(super::utc(0), "1970-01-01 00:00:00+00");
        assert_eq!(super::utc(1_796_186_042), "2026-12-02 04:34:02+00");
        assert_eq!(super::utc(951_782_400), "2000-02-29 00:00:00+00");
    }
}
