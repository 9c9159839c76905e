//! Per-account failure counters in PostgreSQL (so that every custodiand
//! node sees the same count): one for passwords at sign-in, one for second
//! steps (TOTP, recovery codes, passkeys) and step-up (`/reauth`, passkey
//! re-authentication, the current password on `/account/password`).
//!
//! Both counters decay: a counter is halved for every full lockout period
//! since its last failure, so an account that once reached the threshold
//! is not locked again by one mistake after its lock expired, while an
//! attacker who keeps guessing keeps it high. Both lock the same
//! `locked_until` for the same time, which administrators see and lift.
//!
//! A second-step or step-up guess is charged *before* it is checked (and
//! refunded only when it was right), so concurrent guesses from any number
//! of addresses cannot exceed the threshold, and a guess over budget costs
//! no hashing at all.

use tokio_postgres::GenericClient;

use super::accounts::audit;
use super::notifications::{notify, notify_admins, Notice};
use super::password::Policy;
use crate::error::CoreError;

/// The counter `count` (last failure at `at`) after decay; `$2` is the
/// lockout period in minutes. Shifts by at most 30 (an int4 shift by 32 or
/// more wraps).
pub(crate) fn decayed(count: &str, at: &str) -> String {
    format!(
        "(CASE WHEN {at} IS NULL THEN 0 ELSE {count} >> LEAST(30, GREATEST(0, \
         floor(extract(epoch FROM now() - {at}) / ($2::int * 60))::int)) END)"
    )
}

/// What a guess may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// The guess is counted; check it.
    Charged,
    /// The account is locked or out of guesses: refuse without checking.
    Refused,
}

/// Charges one second-step or step-up guess to `user_id`.
pub async fn claim(
    pg: &impl GenericClient,
    policy: &Policy,
    user_id: i64,
) -> Result<Claim, CoreError> {
    let d = decayed("second_factor_failures", "second_factor_failed_at");
    let sql = format!(
        "UPDATE app_user SET second_factor_failures = {d} + 1, second_factor_failed_at = now() \
         WHERE id = $1 AND coalesce(locked_until <= now(), true) AND {d} < $3 RETURNING 1"
    );
    let minutes = policy.lockout_minutes as i32;
    let row = pg
        .query_opt(&sql, &[&user_id, &minutes, &policy.lockout_after])
        .await?;
    Ok(if row.is_some() {
        Claim::Charged
    } else {
        Claim::Refused
    })
}

/// The guess could not be checked (Vault or the database failed): it is
/// given back rather than held against the person.
pub async fn refund(pg: &impl GenericClient, user_id: i64) -> Result<(), CoreError> {
    pg.execute(
        "UPDATE app_user SET second_factor_failures = GREATEST(0, second_factor_failures - 1) \
         WHERE id = $1",
        &[&user_id],
    )
    .await?;
    Ok(())
}

/// The whole sign-in (or the step-up) succeeded: both counters start over.
pub async fn passed(pg: &impl GenericClient, user_id: i64) -> Result<(), CoreError> {
    pg.execute(
        "UPDATE app_user SET failed_logins = 0, failed_login_at = NULL, \
         second_factor_failures = 0, second_factor_failed_at = NULL WHERE id = $1",
        &[&user_id],
    )
    .await?;
    Ok(())
}

/// A charged guess was wrong. When it was the last one the budget allowed,
/// the account locks, its sessions waiting for a second factor end, and
/// the owner and every administrator are told. Returns whether it locked.
pub async fn failed(
    pg: &impl GenericClient,
    policy: &Policy,
    user_id: i64,
    username: &str,
    step: &str,
    peer: &str,
) -> Result<bool, CoreError> {
    let locked = pg
        .query_opt(
            "UPDATE app_user SET locked_until = now() + make_interval(mins => $3) \
             WHERE id = $1 AND second_factor_failures >= $2 \
               AND coalesce(locked_until <= now(), true) RETURNING 1",
            &[
                &user_id,
                &policy.lockout_after,
                &(policy.lockout_minutes as i32),
            ],
        )
        .await?
        .is_some();
    if !locked {
        return Ok(false);
    }
    let ended = pg
        .execute(
            "DELETE FROM user_session WHERE user_id = $1 AND second_factor_pending",
            &[&user_id],
        )
        .await?;
    let notice = Notice::new("notice-locked-guesses")
        .with("account", username.to_owned())
        .with("minutes", policy.lockout_minutes)
        .with("attempts", policy.lockout_after)
        .with("step", step.to_owned())
        .with("peer", peer.to_owned());
    notify(pg, user_id, "account.locked", &notice).await?;
    notify_admins(pg, "account.locked", &notice).await?;
    audit(
        pg,
        "custodiand",
        "account.locked",
        username,
        serde_json::json!({"minutes": policy.lockout_minutes, "step": step, "pending_sessions_ended": ended}),
    )
    .await?;
    tracing::warn!(target: "identity", account = %username, step, "account locked after repeated wrong second-step or step-up attempts");
    Ok(true)
}

/// The password counter's update after a wrong password (not while locked:
/// a refused guess proves nothing, and counting it would keep the counter
/// from ever decaying). `$1` username, `$2` period, `$3` threshold; returns
/// the id and whether this failure locked the account.
pub(crate) fn password_failure_sql() -> String {
    let d = decayed("failed_logins", "failed_login_at");
    format!(
        "UPDATE app_user SET failed_logins = {d} + 1, failed_login_at = now(), \
         locked_until = CASE WHEN {d} + 1 >= $3 THEN now() + make_interval(mins => $2::int) \
           ELSE locked_until END \
         WHERE username = $1 AND coalesce(locked_until <= now(), true) \
         RETURNING id, coalesce(locked_until > now(), false)"
    )
}

/// The guess budget as the web layer uses it: each call takes its own
/// pooled connection, so that no database handle crosses into the web
/// crate.
pub mod pooled {
    use super::{Claim, CoreError, Policy};
    use crate::pool::Database;

    /// [`super::claim`] on a pooled connection.
    pub async fn charge(db: &Database, policy: &Policy, user_id: i64) -> Result<Claim, CoreError> {
        let c = db.client().await?;
        super::claim(&**c, policy, user_id).await
    }

    /// [`super::refund`] on a pooled connection.
    pub async fn refund(db: &Database, user_id: i64) -> Result<(), CoreError> {
        let c = db.client().await?;
        super::refund(&**c, user_id).await
    }

    /// [`super::passed`] on a pooled connection.
    pub async fn passed(db: &Database, user_id: i64) -> Result<(), CoreError> {
        let c = db.client().await?;
        super::passed(&**c, user_id).await
    }

    /// [`super::failed`] on a pooled connection.
    pub async fn failed(
        db: &Database,
        policy: &Policy,
        user_id: i64,
        username: &str,
        step: &str,
        peer: &str,
    ) -> Result<bool, CoreError> {
        let c = db.client().await?;
        super::failed(&**c, policy, user_id, username, step, peer).await
    }
}
