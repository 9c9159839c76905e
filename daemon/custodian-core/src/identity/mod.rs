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

/// The account behind `session` as the policy sees it: its role, its
/// explicit permissions and its access groups, which the session's own
/// look-up read fresh on this request (so that a change an administrator
/// makes applies at once).
pub fn actor_of(session: &sessions::Session) -> Actor {
    Actor::new(
        session.user_id,
        session.role,
        session.permissions.as_deref(),
        session.access_groups.clone(),
    )
}
