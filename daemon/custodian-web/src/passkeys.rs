//! Passkey endpoints: the list page (HTML, removal by form) and the JSON
//! ceremonies the passkey script drives: registration, the second step of
//! signing in, and step-up. JSON requests carry the session-bound CSRF
//! token in `x-csrf-token` and pass the same Origin check as forms.

use http::{Request, Response, StatusCode};
use serde_json::{json, Value};

use super::account::{pending_session, step_up_allowed, with_session_cookie};
use super::guesses;
use super::views;
use crate::app::App;
use crate::guard::csrf_for;
use crate::guard::{admit, session_form};
use crate::i18n::t;
use crate::input::field;
use crate::input::read_body;
use crate::input::ReqBody;
use crate::respond::{html, Body, Reply, WebError};
use crate::respond::{needed, redirect, unavailable_because};
use custodian_core::identity::notifications::Notice;
use custodian_core::identity::passkeys::{self, Purpose, Refused};
use custodian_core::identity::sessions::{self, Session};
use custodian_core::policy::{SecureOwnAccount, UseOwnAccount};

use crate::table::JSON_LIMIT;

use crate::respond::json as json_response;

fn json_error(status: StatusCode, message: impl Into<std::borrow::Cow<'static, str>>) -> WebError {
    WebError::Json {
        status,
        message: message.into(),
    }
}

fn refused(r: Refused) -> WebError {
    match (r.problem(), r) {
        (Some(p), _) => json_error(StatusCode::BAD_REQUEST, crate::i18n::problem(&p)),
        (None, r) => {
            tracing::warn!(target: "identity", error = %r, "passkey ceremony failed");
            json_error(StatusCode::SERVICE_UNAVAILABLE, t("passkeys-busy"))
        }
    }
}

/// The Origin and CSRF checks of a JSON POST, then its body.
async fn checked_json<B: ReqBody>(
    app: &App,
    session: &Session,
    req: Request<B>,
) -> Result<Value, WebError> {
    let keyring = needed(app.keyring.as_ref())?;
    crate::guard::json_checks(app, keyring, session, req.headers()).await?;
    let body = read_body(req, JSON_LIMIT).await?;
    serde_json::from_slice(&body).map_err(|e| {
        tracing::info!(target: "identity", error = %e, "a passkey answer that is not JSON");
        refused(Refused::Invalid)
    })
}

/// Passkeys are off when the appliance is reached by an address, not a name.
fn passkeys_off() -> WebError {
    json_error(
        StatusCode::SERVICE_UNAVAILABLE,
        t("passkeys-need-host-name"),
    )
}

/// Registering or removing keys changes how the account signs in: it
/// needs a recent password unless the account is enrolling its first
/// factor right after signing in.
async fn manager<B>(app: &App, req: &Request<B>) -> Result<Session, WebError> {
    admit::<SecureOwnAccount, _>(app, req)
        .await
        .map(|s| s.session)
}

async fn list_page(
    app: &App,
    session: &Session,
    message: Option<&str>,
    status: StatusCode,
) -> Result<Response<Body>, WebError> {
    let db = needed(app.db.as_ref())?;
    let keys = passkeys::list(db, session.user_id)
        .await
        .map_err(unavailable_because)?;
    let csrf = csrf_for(app, session).await?;
    Ok(html(
        status,
        views::account::passkeys(
            &views::viewer(session),
            &csrf,
            &keys,
            message,
            session.enrolment,
        ),
    ))
}

pub(crate) async fn page(app: &App, req: &Request<impl Sized>) -> Reply {
    let session = manager(app, req).await?;
    list_page(app, &session, None, StatusCode::OK).await
}

pub(crate) async fn remove<B: ReqBody>(app: &App, req: Request<B>) -> Reply {
    let db = needed(app.db.as_ref())?;
    let session = manager(app, &req).await?;
    let form = session_form(app, &session, req).await?;
    let id = field(&form, "remove").parse::<i64>().unwrap_or(-1);
    match passkeys::remove(db, session.user_id, &session.username, id)
        .await
        .map_err(unavailable_because)?
    {
        Some(name) => {
            passkeys::tell_admins_if_admin(
                db,
                session.role,
                &Notice::new("notice-admin-passkey-removed")
                    .with("account", session.username.clone())
                    .with("name", name),
            )
            .await;
            Ok(redirect("/account/passkeys"))
        }
        None => {
            list_page(
                app,
                &session,
                Some(&t("passkeys-no-such-key")),
                StatusCode::BAD_REQUEST,
            )
            .await
        }
    }
}

pub(crate) async fn register_begin<B: ReqBody>(app: &App, req: Request<B>) -> Reply {
    let (db, wa) = (
        needed(app.db.as_ref())?,
        app.identity.webauthn.as_deref().ok_or_else(passkeys_off)?,
    );
    let session = manager(app, &req).await?;
    checked_json(app, &session, req).await?;
    let options = passkeys::start_registration(db, wa, session.user_id, &session.username)
        .await
        .map_err(refused)?;
    Ok(json_response(StatusCode::OK, &json!(options)))
}

pub(crate) async fn register_finish<B: ReqBody>(app: &App, req: Request<B>) -> Reply {
    let (db, wa) = (
        needed(app.db.as_ref())?,
        app.identity.webauthn.as_deref().ok_or_else(passkeys_off)?,
    );
    let session = manager(app, &req).await?;
    let body = checked_json(app, &session, req).await?;
    let name = body.get("name").and_then(Value::as_str).unwrap_or("");
    let hardware_required = app.identity.factors.hardware_only(session.role);
    passkeys::finish_registration(
        db,
        wa,
        session.user_id,
        &session.username,
        name,
        body.get("credential").unwrap_or(&Value::Null),
        hardware_required,
    )
    .await
    .map_err(refused)?;
    passkeys::tell_admins_if_admin(
        db,
        session.role,
        &Notice::new("notice-admin-passkey-added")
            .with("account", session.username.clone())
            .with("name", name.trim().to_owned()),
    )
    .await;
    Ok(json_response(
        StatusCode::OK,
        &json!({"next": "/account/passkeys"}),
    ))
}

/// Whether this account may pass with synced passkeys: not when its role
/// is under the hardware-key policy and it has a hardware key.
async fn hardware_only(app: &App, session: &Session) -> Result<bool, WebError> {
    if !app.identity.factors.hardware_only(session.role) {
        return Ok(false);
    }
    let db = needed(app.db.as_ref())?;
    Ok(passkeys::factors_of(db, session.user_id)
        .await
        .map_err(unavailable_because)?
        .hardware)
}

/// The session an assertion is for: pending its second factor (sign-in),
/// or complete (step-up).
async fn asserting<B>(app: &App, req: &Request<B>, purpose: Purpose) -> Result<Session, WebError> {
    match purpose {
        Purpose::Login => pending_session(app, req.headers()).await,
        Purpose::Reauth => admit::<UseOwnAccount, _>(app, req).await.map(|s| s.session),
    }
}

pub(crate) async fn assert_begin<B: ReqBody>(
    app: &App,
    req: Request<B>,
    peer: std::net::SocketAddr,
    purpose: Purpose,
) -> Reply {
    let (db, wa) = (
        needed(app.db.as_ref())?,
        app.identity.webauthn.as_deref().ok_or_else(passkeys_off)?,
    );
    if !app.identity.login_attempts.allow(peer.ip()) {
        return Err(StatusCode::TOO_MANY_REQUESTS.into());
    }
    let session = asserting(app, &req, purpose).await?;
    checked_json(app, &session, req).await?;
    let hw = hardware_only(app, &session).await?;
    let options = passkeys::start_authentication(db, wa, session.user_id, purpose, hw)
        .await
        .map_err(refused)?;
    Ok(json_response(StatusCode::OK, &json!(options)))
}

pub(crate) async fn assert_finish<B: ReqBody>(
    app: &App,
    req: Request<B>,
    peer: std::net::SocketAddr,
    purpose: Purpose,
) -> Reply {
    let (db, wa) = (
        needed(app.db.as_ref())?,
        app.identity.webauthn.as_deref().ok_or_else(passkeys_off)?,
    );
    if !app.identity.login_attempts.allow(peer.ip()) {
        return Err(StatusCode::TOO_MANY_REQUESTS.into());
    }
    let session = asserting(app, &req, purpose).await?;
    let body = checked_json(app, &session, req).await?;
    let hw = hardware_only(app, &session).await?;
    let (failed, passed) = match purpose {
        Purpose::Login => ("login.second_factor_failed", "login.second_factor_passed"),
        Purpose::Reauth => ("reauth.failed", "reauth.succeeded"),
    };
    // An answer is a guess like a code: charged to the account first.
    let locked = || {
        json_error(
            StatusCode::TOO_MANY_REQUESTS,
            guesses::locked_message(app.identity.policy.lockout_minutes),
        )
    };
    if !guesses::charge(app, &session).await? {
        return Err(locked());
    }
    let outcome = passkeys::finish_authentication(
        db,
        wa,
        session.user_id,
        purpose,
        body.get("credential").unwrap_or(&Value::Null),
        hw,
    )
    .await;
    if let Err(why) = outcome {
        // No answer was checked: a backend failure, or no ceremony
        // (expired, used, never begun) to check it against.
        if matches!(why, Refused::Account(_) | Refused::NoCeremony) {
            guesses::refund(app, &session).await;
        } else {
            db.record_after(
                &session.username,
                failed,
                &session.username,
                &json!({"method": "passkey", "peer": peer.ip().to_string()}),
            )
            .await;
            let step = match purpose {
                Purpose::Login => "passkey",
                Purpose::Reauth => "passkey-step-up",
            };
            if guesses::wrong(app, &session, step, &peer.ip().to_string()).await? {
                return Err(locked());
            }
        }
        return Err(refused(why));
    }
    let (token, next) = match purpose {
        Purpose::Login => (
            sessions::second_factor_passed(db, &session.token_hash).await,
            if session.must_change_password {
                "/account/password"
            } else {
                "/"
            },
        ),
        Purpose::Reauth => (
            sessions::reauthenticated(db, &session.token_hash).await,
            step_up_allowed(body.get("next").and_then(Value::as_str).unwrap_or("")),
        ),
    };
    let token = token.map_err(unavailable_because)?;
    db.record_after(
        &session.username,
        passed,
        &session.username,
        &json!({"method": "passkey"}),
    )
    .await;
    Ok(with_session_cookie(
        json_response(StatusCode::OK, &json!({ "next": next })),
        &token,
    ))
}
