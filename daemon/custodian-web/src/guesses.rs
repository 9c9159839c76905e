//! The HTTP side of the per-account guess budget (`identity::lockout`) of
//! second steps and step-up, and of the bounded password hashing: each
//! guess is charged before it is checked, a guess over budget is a 429
//! that costs no hashing, and a full hashing pool is a 503 with
//! `Retry-After`.

use http::StatusCode;

use crate::app::App;
use crate::respond::WebError;
use crate::respond::{needed, unavailable_for};
use custodian_core::error::CoreError;
use custodian_core::identity::hashing::RETRY_AFTER_SECS;
use custodian_core::identity::lockout::{self, Claim};
use custodian_core::identity::sessions::Session;

/// What a person over the budget is told (page or JSON).
pub(super) fn locked_message(minutes: i64) -> String {
    crate::i18n::t_with("sign-in-locked", &[("minutes", minutes.into())])
}

pub(super) fn locked_page(app: &App) -> WebError {
    let minutes = app.identity.policy.lockout_minutes;
    WebError::explained(StatusCode::TOO_MANY_REQUESTS, locked_message(minutes))
        .with_retry_after(minutes * 60)
}

/// All hashing slots stayed busy: come back in a few seconds.
pub(super) fn busy() -> WebError {
    WebError::explained(
        StatusCode::SERVICE_UNAVAILABLE,
        crate::i18n::t("sign-in-busy"),
    )
    .with_retry_after(i64::from(RETRY_AFTER_SECS))
}

/// The answer for an error of the account layer.
pub(super) fn failure(e: &CoreError) -> WebError {
    match e {
        CoreError::Busy(_) => busy(),
        other => unavailable_for(other),
    }
}

/// Charges one guess to the session's account; `Ok(false)` when the
/// account is locked or out of guesses.
pub(super) async fn charge(app: &App, session: &Session) -> Result<bool, WebError> {
    let db = needed(app.db.as_ref())?;
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
pub(super) async fn right(app: &App, session: &Session) -> Result<(), WebError> {
    let db = needed(app.db.as_ref())?;
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
) -> Result<bool, WebError> {
    let db = needed(app.db.as_ref())?;
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
