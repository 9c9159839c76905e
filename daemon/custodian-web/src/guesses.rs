//! The HTTP side of the per-account guess budget (`identity::lockout`) of
//! second steps and step-up, and of the bounded password hashing: each
//! guess is charged before it is checked, a guess over budget is a 429
//! that costs no hashing, and a full hashing pool is a 503 with
//! `Retry-After`.

use http::{header, HeaderValue, Response, StatusCode};

use super::views;
use crate::app::App;
use crate::respond::{html, Body};
use crate::respond::{unavailable, unavailable_for};
use custodian_core::error::CoreError;
use custodian_core::identity::hashing::RETRY_AFTER_SECS;
use custodian_core::identity::lockout::{self, Claim};
use custodian_core::identity::sessions::Session;

/// What a person over the budget is told (page or JSON).
pub(super) fn locked_message(minutes: i64) -> String {
    format!(
        "Too many wrong attempts: this account is locked for up to {minutes} minutes. \
         Its owner and the administrators were told. Try again later, or ask an administrator to unlock it."
    )
}

fn with_retry_after(mut res: Response<Body>, secs: i64) -> Response<Body> {
    if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
        res.headers_mut().insert(header::RETRY_AFTER, v);
    }
    res
}

pub(super) fn locked_page(app: &App) -> Response<Body> {
    let minutes = app.identity.policy.lockout_minutes;
    with_retry_after(
        html(
            StatusCode::TOO_MANY_REQUESTS,
            views::error_with(StatusCode::TOO_MANY_REQUESTS, &locked_message(minutes)),
        ),
        minutes * 60,
    )
}

/// All hashing slots stayed busy: come back in a few seconds.
pub(super) fn busy() -> Response<Body> {
    with_retry_after(
        html(
            StatusCode::SERVICE_UNAVAILABLE,
            views::error_with(
                StatusCode::SERVICE_UNAVAILABLE,
                "The appliance is busy checking other passwords. Try again in a few seconds.",
            ),
        ),
        i64::from(RETRY_AFTER_SECS),
    )
}

/// The answer for an error of the account layer.
pub(super) fn failure(e: &CoreError) -> Response<Body> {
    match e {
        CoreError::Busy(_) => busy(),
        other => unavailable_for(other),
    }
}

/// Charges one guess to the session's account; `Ok(false)` when the
/// account is locked or out of guesses.
pub(super) async fn charge(app: &App, session: &Session) -> Result<bool, Response<Body>> {
    let db = app.db.as_ref().ok_or_else(unavailable)?;
    let claim = lockout::pooled::charge(db, &app.identity.policy, session.user_id)
        .await
        .map_err(|e| failure(&e))?;
    Ok(claim == Claim::Charged)
}

/// A charged guess could not be checked: it is given back.
pub(super) async fn refund(app: &App, session: &Session) {
    if let Some(db) = &app.db {
        if let Err(e) = lockout::pooled::refund(db, session.user_id).await {
            tracing::warn!(target: "identity", error = %e, "could not give back an unchecked guess");
        }
    }
}

/// A charged guess was right (the current password on a password change):
/// the counters start over.
pub(super) async fn right(app: &App, session: &Session) -> Result<(), Response<Body>> {
    let db = app.db.as_ref().ok_or_else(unavailable)?;
    lockout::pooled::passed(db, session.user_id)
        .await
        .map_err(|e| failure(&e))
}

/// A charged guess was wrong; `step` names it for the notification.
/// Returns whether the account locked now.
pub(super) async fn wrong(
    app: &App,
    session: &Session,
    step: &str,
    peer: &str,
) -> Result<bool, Response<Body>> {
    let db = app.db.as_ref().ok_or_else(unavailable)?;
    lockout::pooled::failed(
        db,
        &app.identity.policy,
        session.user_id,
        &session.username,
        step,
        peer,
    )
    .await
    .map_err(|e| failure(&e))
}
