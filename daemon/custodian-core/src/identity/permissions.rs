//! Administrators set another account's permission flags (or return it to
//! its role's defaults) and access groups. Like a role change, this ends
//! the account's sessions, is recorded with what changed, and is told to
//! the account and to the administrators.

use serde_json::json;

use super::accounts::audit;
use super::notifications::{notify, notify_admins, Notice};
use crate::error::{CoreError, Rejected};
use crate::policy::Permission;
use crate::pool::Database;

/// Every flag, in the order pages show them.
/// (`can_import_web` is gone until web import exists: a flag that gates
/// nothing only misleads whoever grants it.)
pub const FLAGS: [(&str, Permission); 7] = [
    ("view_usernames", Permission::ViewUsernames),
    ("view_simple_history", Permission::ViewSimpleHistory),
    ("view_full_history", Permission::ViewFullHistory),
    ("can_self_assign", Permission::CanSelfAssign),
    ("can_edit_locations", Permission::CanEditLocations),
    ("can_export", Permission::CanExport),
    ("can_access_media", Permission::CanAccessMedia),
];

pub struct Current {
    pub username: String,
    pub role: String,
    /// `None`: the role's defaults.
    pub explicit: Option<Vec<String>>,
    pub groups: Vec<String>,
}

pub async fn current(db: &Database, username: &str) -> Result<Option<Current>, CoreError> {
    let c = db.client().await?;
    let pg: &tokio_postgres::Client = &c;
    Ok(pg
        .query_opt(
            "SELECT username, role, permissions, access_groups FROM app_user WHERE username = $1",
            &[&username],
        )
        .await?
        .map(|r| Current {
            username: r.get(0),
            role: r.get(1),
            explicit: r.get(2),
            groups: r.get(3),
        }))
}

/// Sets `username`'s flags (`None`: role defaults) and groups on behalf
/// of `by`. Unknown flag names are dropped. Returns a message for the
/// administrator when refused.
pub async fn set(
    db: &Database,
    _permit: &crate::policy::Permit<crate::policy::ManagePermissions>,
    by: &str,
    username: &str,
    flags: Option<Vec<String>>,
    groups: Vec<String>,
) -> Result<(), Rejected> {
    if by == username {
        return Err(Rejected::problem("permissions-own"));
    }
    let flags: Option<Vec<String>> = flags.map(|f| {
        FLAGS
            .iter()
            .filter(|(name, _)| f.iter().any(|x| x == name))
            .map(|(name, _)| (*name).to_owned())
            .collect()
    });
    let mut c = db.client().await?;
    let tx = c.transaction().await?;
    let Some(before) = tx
        .query_opt(
            "SELECT id, permissions, access_groups FROM app_user WHERE username = $1 FOR UPDATE",
            &[&username],
        )
        .await?
    else {
        return Err(Rejected::problem("account-not-found"));
    };
    let id: i64 = before.get(0);
    let (old_flags, old_groups): (Option<Vec<String>>, Vec<String>) =
        (before.get(1), before.get(2));
    tx.execute(
        "UPDATE app_user SET permissions = $2, access_groups = $3 WHERE id = $1",
        &[&id, &flags, &groups],
    )
    .await?;
    let ended = tx
        .execute("DELETE FROM user_session WHERE user_id = $1", &[&id])
        .await?;
    audit(
        &*tx,
        by,
        "account.permissions_changed",
        username,
        json!({"before": {"flags": old_flags, "groups": old_groups},
               "after": {"flags": flags, "groups": groups}, "sessions_ended": ended}),
    )
    .await?;
    // The permissions are named by their identifiers (`can_export`), as
    // on the permissions page; only "the defaults" and "none" are words.
    let (flags_mode, flag_list) = match &flags {
        None => ("defaults", String::new()),
        Some(f) if f.is_empty() => ("none", String::new()),
        Some(f) => ("list", f.join(", ")),
    };
    notify(
        &*tx,
        id,
        "account.permissions_changed",
        &Notice::new("notice-permissions-changed")
            .with("by", by.to_owned())
            .with("flags_mode", flags_mode)
            .with("flags", flag_list)
            .with("groups_count", groups.len())
            .with("groups", groups.join(", ")),
    )
    .await?;
    notify_admins(
        &*tx,
        "account.permissions_changed",
        &Notice::new("notice-admins-permissions-changed")
            .with("by", by.to_owned())
            .with("account", username.to_owned()),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
