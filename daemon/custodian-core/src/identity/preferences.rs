//! An account's own preferences: the interface language it reads and the
//! time zone its pages show times in. Either may be unset ("follow the
//! browser", "UTC"). Which values exist is the web layer's knowledge (its
//! catalogues, the IANA database it carries); this module stores what the
//! account chose, for the account itself only, and records the change.

use crate::error::CoreError;
use crate::policy::{Permit, UseOwnAccount};
use crate::pool::Database;

/// What an account chose.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Preferences {
    /// A language tag the interface has a catalogue for, or none: the
    /// browser's `Accept-Language` decides.
    pub language: Option<String>,
    /// An IANA zone name (`Asia/Damascus`), or none: UTC.
    pub time_zone: Option<String>,
}

/// Saves `prefs` for the permit's own account. The change is recorded, so
/// that an investigator reading the log knows why the pages of an account
/// changed their language or their clock.
pub async fn save(
    db: &Database,
    permit: &Permit<UseOwnAccount>,
    username: &str,
    prefs: &Preferences,
) -> Result<(), CoreError> {
    let user_id = permit.actor().user_id;
    // The change and its entry in the log together, or neither.
    let mut c = db.client().await?;
    let tx = c.transaction().await?;
    tx.execute(
        "UPDATE app_user SET language = $2, time_zone = $3 WHERE id = $1",
        &[&user_id, &prefs.language, &prefs.time_zone],
    )
    .await?;
    super::accounts::audit(
        &*tx,
        username,
        "account.preferences_changed",
        username,
        serde_json::json!({
            "language": prefs.language,
            "time_zone": prefs.time_zone,
        }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
