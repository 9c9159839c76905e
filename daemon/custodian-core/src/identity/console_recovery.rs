//! The way back into an administrator account that the console opened
//! (`custodianctl account recover-admin` or `confirm-admin`): a
//! setup-style token that names the account, valid for an hour, with which
//! the person at the console (or the one they hand it to) chooses a new
//! password at `/recover`. The console already removed the account's old
//! password and second factors; this only sets the new password.

use custodian_vault::keyring::Keyring;

use super::accounts::{audit, hash_with_newest_pepper};
use super::notifications::{notify_admins, Notice};
use super::password::Policy;
use super::tokens;
use crate::error::CoreError;
use crate::pool::Database;

#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    Recovered,
    /// Wrong, expired or used token, or not the account it names.
    BadToken,
}

/// The account `token` recovers, if it is `username` and the token may
/// still be used: a hash look-up, so a wrong token costs no argon2id.
async fn usable(db: &Database, token: &str, username: &str) -> Result<bool, CoreError> {
    let c = db.client().await?;
    let pg: &tokio_postgres::Client = &c;
    Ok(pg
        .query_opt(
            "SELECT 1 FROM setup_token t JOIN app_user u ON u.id = t.recovers \
             WHERE t.token_hash = $1 AND t.used_at IS NULL AND t.expires_at > now() AND u.username = $2",
            &[&tokens::stored_form(token), &username],
        )
        .await?
        .is_some())
}

/// Sets `password` on the account `token` recovers and uses the token up.
pub async fn recover(
    db: &Database,
    keyring: &Keyring,
    policy: &Policy,
    token: &str,
    username: &str,
    password: &str,
) -> Result<Outcome, CoreError> {
    if !usable(db, token, username).await? {
        return Ok(Outcome::BadToken);
    }
    let (version, hash) = hash_with_newest_pepper(keyring, policy, password).await?;
    let mut c = db.client().await?;
    let tx = c.transaction().await?;
    // Used and applied in one statement: two requests with the same token
    // cannot both succeed.
    let row = tx
        .query_opt(
            "WITH used AS (UPDATE setup_token SET used_at = now() \
               WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now() \
                 AND recovers = (SELECT id FROM app_user WHERE username = $2) RETURNING recovers) \
             UPDATE app_user SET password_hash = $3, pepper_version = $4, must_change_password = false, \
               failed_logins = 0, locked_until = NULL, second_factor_failures = 0 \
             WHERE id = (SELECT recovers FROM used) RETURNING id",
            &[
                &tokens::stored_form(token),
                &username,
                &hash,
                &(version as i64),
            ],
        )
        .await?;
    if row.is_none() {
        return Ok(Outcome::BadToken);
    }
    audit(
        &*tx,
        username,
        "account.recovered",
        username,
        serde_json::json!({"with": "console recovery token"}),
    )
    .await?;
    notify_admins(
        &*tx,
        "account.recovered",
        &Notice::new("notice-account-recovered").with("account", username.to_owned()),
    )
    .await?;
    tx.commit().await?;
    Ok(Outcome::Recovered)
}
