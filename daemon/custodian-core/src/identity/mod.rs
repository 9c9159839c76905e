//! Who is asking: accounts, passwords, sessions and the first-run setup.

pub mod accounts;
pub mod console_recovery;
pub mod hashing;
pub mod lockout;
pub mod notifications;
pub mod passkeys;
pub mod password;
pub mod permissions;
pub mod preferences;
pub mod recovery;
pub mod sessions;
pub mod settings;
pub mod tokens;
pub mod totp;

use crate::policy::Actor;
use crate::pool::{Database, DbError};

/// The account behind `session` as the policy sees it: its role, its
/// explicit permissions and its access groups, read fresh on every
/// request so that a change an administrator makes applies at once.
pub async fn actor_of(db: &Database, session: &sessions::Session) -> Result<Actor, DbError> {
    let c = db.client().await?;
    let row = c
        .query_one(
            "SELECT permissions, access_groups FROM app_user WHERE id = $1",
            &[&session.user_id],
        )
        .await
        .map_err(DbError::Postgres)?;
    let explicit: Option<Vec<String>> = row.get(0);
    Ok(Actor::new(
        session.user_id,
        session.role,
        explicit.as_deref(),
        row.get(1),
    ))
}
