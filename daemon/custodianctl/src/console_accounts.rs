//! Administrator accounts at the console, for when the web interface
//! cannot help: the only administrator lost her password and second
//! factor (`recover-admin`), or there is no second administrator to
//! confirm a new one (`confirm-admin`). Root only, with the database
//! owner's credentials; every use is in the activity log and every
//! administrator is told.
//!
//! custodianctl has no password pepper (that stays with custodiand), so it
//! never sets a password. It removes the account's password and second
//! factors and prints a one-time recovery token, valid for an hour and
//! only for that account, with which the person chooses a new password at
//! custodiand's `/recover` page.

use base64::Engine as _;
use sha2::{Digest, Sha256};
use tokio_postgres::Client;
use zeroize::Zeroizing;

/// A password hash no password matches: the account cannot be entered
/// until the recovery token is used.
const NO_PASSWORD: &str = "!recovery-pending";

/// Refuses unless the effective user is root: recovery is for whoever
/// controls the machine, never for an account on it.
pub fn require_root() -> Result<(), String> {
    if nix::unistd::geteuid().is_root() {
        Ok(())
    } else {
        Err("this command changes an administrator account and must run as root at the appliance's console".into())
    }
}

fn new_token() -> Result<Zeroizing<String>, String> {
    let mut raw = Zeroizing::new([0u8; 32]);
    getrandom::getrandom(raw.as_mut()).map_err(|e| format!("no randomness: {e}"))?;
    Ok(Zeroizing::new(
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw.as_ref()),
    ))
}

/// What console recovery does to an account, in `tx`: old password,
/// second factors, lockout, sessions and waiting changes gone, active; a
/// new recovery token (older unused ones for it dropped). Returns it.
async fn open_for_recovery(
    tx: &tokio_postgres::Transaction<'_>,
    id: i64,
) -> Result<Zeroizing<String>, String> {
    let statements: [&str; 6] = [
        "UPDATE app_user SET state = 'active', password_hash = $2, must_change_password = false, \
         failed_logins = 0, locked_until = NULL, second_factor_failures = 0, \
         totp_secret = NULL, totp_pending = NULL, totp_last_step = 0 WHERE id = $1",
        "DELETE FROM recovery_code WHERE user_id = $1",
        "DELETE FROM webauthn_credential WHERE user_id = $1",
        "DELETE FROM user_session WHERE user_id = $1",
        "DELETE FROM admin_confirmation WHERE target_id = $1",
        "DELETE FROM setup_token WHERE recovers = $1 AND used_at IS NULL",
    ];
    for (i, sql) in statements.iter().enumerate() {
        let r = if i == 0 {
            tx.execute(*sql, &[&id, &NO_PASSWORD]).await
        } else {
            tx.execute(*sql, &[&id]).await
        };
        r.map_err(|e| format!("database: {e}"))?;
    }
    let token = new_token()?;
    tx.execute(
        "INSERT INTO setup_token (token_hash, expires_at, recovers) VALUES ($1, now() + interval '1 hour', $2)",
        &[&Sha256::digest(token.as_bytes()).to_vec(), &id],
    )
    .await
    .map_err(|e| format!("database: {e}"))?;
    Ok(token)
}

/// Tells every active administrator, and the account itself: the
/// message's catalogue key (`i18n/*/account.ftl`) and its values, worded
/// in each reader's language when read (see custodian-core's `Notice`).
async fn tell(
    tx: &tokio_postgres::Transaction<'_>,
    id: i64,
    kind: &str,
    key: &str,
    args: serde_json::Value,
) -> Result<(), String> {
    tx.execute(
        "INSERT INTO notification (user_id, kind, message, message_key, message_args) \
         SELECT id, $2, $3, $3, $4 FROM app_user WHERE (role = 'admin' AND state = 'active') OR id = $1",
        &[&id, &kind, &key, &args],
    )
    .await
    .map(|_| ())
    .map_err(|e| format!("database: {e}"))
}

async fn audit(
    tx: &tokio_postgres::Transaction<'_>,
    action: &str,
    username: &str,
    details: serde_json::Value,
) -> Result<(), String> {
    custodian_db::audit::record(tx, "console", action, username, &details)
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// Locks `username`'s row; its id and role.
async fn account(
    tx: &tokio_postgres::Transaction<'_>,
    username: &str,
) -> Result<(i64, String), String> {
    let row = tx
        .query_opt(
            "SELECT id, role FROM app_user WHERE username = $1 FOR UPDATE",
            &[&username],
        )
        .await
        .map_err(|e| format!("database: {e}"))?
        .ok_or_else(|| format!("there is no account {username:?} (usernames are lower-case)"))?;
    Ok((row.get(0), row.get(1)))
}

fn check_reason(reason: &str) -> Result<&str, String> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err("--reason: say why, in up to 500 characters; it is kept in the activity log and told to every administrator".into());
    }
    Ok(reason)
}

/// `recover-admin`: the administrator account `username` gets a recovery
/// token in place of its password and second factors.
pub async fn recover_admin(
    db: &mut Client,
    username: &str,
    reason: &str,
) -> Result<Zeroizing<String>, String> {
    let reason = check_reason(reason)?;
    let tx = db
        .transaction()
        .await
        .map_err(|e| format!("database: {e}"))?;
    let (id, role) = account(&tx, username).await?;
    if role != "admin" {
        return Err(format!(
            "{username} is not an administrator (role {role}): recovery is for administrator accounts. \
             To make an administrator, ask for it on the accounts page and confirm it with `custodianctl account confirm-admin`"
        ));
    }
    let token = open_for_recovery(&tx, id).await?;
    audit(
        &tx,
        "account.recovery_issued",
        username,
        serde_json::json!({"reason": reason, "valid_minutes": 60}),
    )
    .await?;
    tell(
        &tx,
        id,
        "account.recovery_issued",
        "notice-console-recovery-issued",
        serde_json::json!({"account": username, "reason": reason}),
    )
    .await?;
    tx.commit().await.map_err(|e| format!("database: {e}"))?;
    Ok(token)
}

/// `confirm-admin`: the console is the second administrator for a grant
/// that waits (the one-administrator case). Like a confirmation on the
/// accounts page it replaces the account's credentials, so whoever asked
/// holds nothing of it: the token goes to the person at the console.
pub async fn confirm_admin(
    db: &mut Client,
    username: &str,
    reason: &str,
) -> Result<Zeroizing<String>, String> {
    let reason = check_reason(reason)?;
    let tx = db
        .transaction()
        .await
        .map_err(|e| format!("database: {e}"))?;
    let (id, _) = account(&tx, username).await?;
    let waiting = tx
        .query_opt(
            "SELECT r.username FROM admin_confirmation p JOIN app_user r ON r.id = p.requested_by \
             WHERE p.target_id = $1 AND p.kind = 'grant-admin'",
            &[&id],
        )
        .await
        .map_err(|e| format!("database: {e}"))?
        .ok_or_else(|| {
            format!("nothing waits for confirmation on {username}: ask for administrator rights on the accounts page first")
        })?;
    let asked_by: String = waiting.get(0);
    tx.execute("UPDATE app_user SET role = 'admin' WHERE id = $1", &[&id])
        .await
        .map_err(|e| format!("database: {e}"))?;
    let token = open_for_recovery(&tx, id).await?;
    audit(
        &tx,
        "account.role_changed",
        username,
        serde_json::json!({"role": "admin", "confirmed_at": "console", "asked_by": asked_by,
                           "reason": reason, "new_credentials": true}),
    )
    .await?;
    tell(
        &tx,
        id,
        "account.role_changed",
        "notice-console-admin-confirmed",
        serde_json::json!({"account": username, "asked_by": asked_by, "reason": reason}),
    )
    .await?;
    tx.commit().await.map_err(|e| format!("database: {e}"))?;
    Ok(token)
}
