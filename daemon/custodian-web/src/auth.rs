//! Sign-in, first-run setup and sign-out. Every POST passes the origin
//! check and a CSRF token before its form is looked at; every outcome is a
//! plain page or a 303 redirect.

use crate::input::{field, parse_form};
use crate::respond::{redirect, unavailable, unavailable_because};
use std::net::SocketAddr;

use http::{header, HeaderMap, HeaderValue, Request, Response, StatusCode};

use super::views;
use crate::app::App;
use crate::cookies::{COOKIE, PRE_COOKIE};
use crate::guard::session_of;
use crate::guard::{admit_anonymous, Anonymous};
use crate::input::ReqBody;
use crate::respond::{error, html, Body};
use custodian_core::error::CoreError;
use custodian_core::identity::accounts::{self, SetupOutcome};
use custodian_core::identity::console_recovery;
use custodian_core::identity::notifications;
use custodian_core::identity::sessions::{self};
use custodian_core::identity::tokens;

const LOGIN_FAILED: &str = "Wrong username or password, or the account is locked for a while.";
const FORM_EXPIRED: &str =
    "This form expired or did not come from this appliance. Reload the page and try again.";

/// The pre-session nonce that binds anonymous forms' CSRF tokens, and the
/// cookie to set when the browser had none yet.
fn pre_binding(headers: &HeaderMap) -> Option<(String, Option<HeaderValue>)> {
    match crate::cookies::read_cookie(headers, PRE_COOKIE) {
        Some(n) => Some((n, None)),
        None => {
            let n = tokens::new_token().ok()?;
            let cookie = crate::cookies::set_cookie(PRE_COOKIE, Some(&n));
            Some((n, Some(cookie)))
        }
    }
}

fn with_cookie(mut res: Response<Body>, cookie: Option<HeaderValue>) -> Response<Body> {
    if let Some(c) = cookie {
        res.headers_mut().append(header::SET_COOKIE, c);
    }
    res
}

async fn note_device(
    db: &custodian_core::pool::Database,
    keyring: &custodian_vault::keyring::Keyring,
    user_id: i64,
    peer: &str,
    user_agent: &str,
) -> Result<bool, CoreError> {
    notifications::note_device_pooled(db, keyring, user_id, peer, user_agent).await
}

pub(crate) async fn home(app: &App, headers: &HeaderMap) -> Response<Body> {
    let session = match session_of(app, headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let (Some(keyring), Some(session)) = (app.keyring.as_ref(), session) else {
        return html(StatusCode::OK, views::auth::home());
    };
    if session.must_change_password {
        return redirect("/account/password");
    }
    if let Some(enrolment) = session.enrolment {
        return redirect(enrolment.page());
    }
    let unread = match &app.db {
        Some(db) => notifications::unread(db, session.user_id)
            .await
            .unwrap_or(0),
        None => 0,
    };
    match sessions::csrf_token(keyring, &session.token_hash).await {
        Some(csrf) => html(
            StatusCode::OK,
            views::auth::signed_in(&views::viewer(&session), &csrf, unread),
        ),
        None => unavailable(),
    }
}

/// The administrators' notice for the sign-in page, if any.
async fn login_notice(app: &App) -> String {
    match &app.db {
        Some(db) => custodian_core::identity::settings::get(
            db,
            custodian_core::identity::settings::LOGIN_NOTICE,
        )
        .await
        .ok()
        .flatten()
        .unwrap_or_default(),
        None => String::new(),
    }
}

pub(crate) async fn login_form(app: &App, headers: &HeaderMap) -> Response<Body> {
    let Some(keyring) = app.keyring.as_ref() else {
        return unavailable();
    };
    let Some((nonce, cookie)) = pre_binding(headers) else {
        return error(StatusCode::INTERNAL_SERVER_ERROR);
    };
    match sessions::csrf_token(keyring, nonce.as_bytes()).await {
        Some(csrf) => with_cookie(
            html(
                StatusCode::OK,
                views::auth::login(&csrf, None, "", &login_notice(app).await),
            ),
            cookie,
        ),
        None => unavailable(),
    }
}

pub(crate) async fn login<B: ReqBody>(
    app: &App,
    req: Request<B>,
    peer: SocketAddr,
) -> Response<Body> {
    let (Some(db), Some(keyring)) = (app.db.as_ref(), app.keyring.as_ref()) else {
        return unavailable();
    };
    let Anonymous {
        headers,
        form,
        nonce,
    } = match admit_anonymous(app, req, peer).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let (username, password) = (
        field(&form, "username").trim().to_lowercase(),
        field(&form, "password"),
    );
    let id = &app.identity;
    let outcome = accounts::login(
        db,
        keyring,
        &id.policy,
        &id.decoy,
        &username,
        password,
        &peer.ip().to_string(),
    )
    .await;
    match outcome {
        Ok(Ok(user)) => {
            let ua = headers
                .get(header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            let pending = user.second_factor_pending();
            if let Err(e) = note_device(db, keyring, user.user_id, &peer.ip().to_string(), ua).await
            {
                tracing::warn!(target: "identity", error = %e, "could not check the sign-in device");
            }
            match sessions::create(
                db,
                &id.policy,
                user.user_id,
                &peer.ip().to_string(),
                ua,
                pending,
            )
            .await
            {
                Ok(token) => {
                    let mut res = redirect(if pending {
                        "/login/totp"
                    } else if user.must_change_password {
                        "/account/password"
                    } else {
                        "/"
                    });
                    // A new token at every sign-in: nothing set before login
                    // (session fixation) survives it.
                    res.headers_mut().append(
                        header::SET_COOKIE,
                        crate::cookies::set_cookie(COOKIE, Some(&token)),
                    );
                    res
                }
                Err(e) => unavailable_because(e),
            }
        }
        Ok(Err(_)) => match sessions::csrf_token(keyring, nonce.as_bytes()).await {
            Some(csrf) => html(
                StatusCode::UNAUTHORIZED,
                views::auth::login(
                    &csrf,
                    Some(LOGIN_FAILED),
                    &username,
                    &login_notice(app).await,
                ),
            ),
            None => unavailable(),
        },
        Err(e @ CoreError::Busy(_)) => {
            tracing::warn!(target: "identity", error = %e, "login turned away: hashing pool full");
            super::guesses::busy()
        }
        Err(e) => {
            tracing::warn!(target: "identity", error = %e, "login could not be checked");
            unavailable()
        }
    }
}

pub(crate) async fn setup_form(app: &App, headers: &HeaderMap) -> Response<Body> {
    let Some(db) = app.db.as_ref() else {
        return unavailable();
    };
    match accounts::has_admin(db).await {
        Ok(true) => return redirect("/login"),
        Ok(false) => {}
        Err(e) => return unavailable_because(e),
    }
    token_form(app, headers, views::auth::setup).await
}

/// An empty setup or recovery form, its CSRF token bound to the
/// pre-session cookie (set here when the browser has none yet).
async fn token_form(app: &App, headers: &HeaderMap, page: TokenPage) -> Response<Body> {
    let Some(keyring) = app.keyring.as_ref() else {
        return unavailable();
    };
    let Some((nonce, cookie)) = pre_binding(headers) else {
        return error(StatusCode::INTERNAL_SERVER_ERROR);
    };
    match sessions::csrf_token(keyring, nonce.as_bytes()).await {
        Some(csrf) => with_cookie(
            html(
                StatusCode::OK,
                page(&csrf, None, "", app.identity.policy.min_length),
            ),
            cookie,
        ),
        None => unavailable(),
    }
}

pub(crate) fn valid_username(u: &str) -> bool {
    let b = u.as_bytes();
    (2..=63).contains(&b.len())
        && b[0].is_ascii_alphanumeric()
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || b"._-".contains(c))
}

pub(crate) async fn setup<B: ReqBody>(
    app: &App,
    req: Request<B>,
    peer: SocketAddr,
) -> Response<Body> {
    let (Some(db), Some(keyring)) = (app.db.as_ref(), app.keyring.as_ref()) else {
        return unavailable();
    };
    let Anonymous { form, nonce, .. } = match admit_anonymous(app, req, peer).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    // Once an administrator exists, setup is over: answered without any
    // password check or hashing.
    match accounts::has_admin(db).await {
        Ok(true) => return redirect("/login"),
        Ok(false) => {}
        Err(e) => return super::guesses::failure(&e),
    }
    let policy = &app.identity.policy;
    let username = field(&form, "username").trim().to_lowercase();
    let password = field(&form, "password");
    let problem = if !valid_username(&username) {
        Some("Usernames are 2 to 63 lower-case letters, digits, dots, dashes or underscores, starting with a letter or digit.".to_owned())
    } else if password != field(&form, "confirm") {
        Some("The two passwords differ.".to_owned())
    } else {
        policy.check(password, &[&username, "custodian"])
    };
    if let Some(p) = problem {
        return token_page_again(
            app,
            &nonce,
            views::auth::setup,
            &p,
            &username,
            StatusCode::BAD_REQUEST,
        )
        .await;
    }
    match accounts::complete_setup(
        db,
        keyring,
        policy,
        field(&form, "token").trim(),
        &username,
        password,
    )
    .await
    {
        Ok(SetupOutcome::Created(_)) => {
            tracing::info!(target: "identity", admin = %username, "setup complete: first administrator created");
            redirect("/login")
        }
        Ok(SetupOutcome::Done) => redirect("/login"),
        Ok(SetupOutcome::BadToken) => {
            let _ = db
                .record(
                    "anonymous",
                    "setup.refused",
                    "",
                    &serde_json::json!({"peer": peer.ip().to_string()}),
                )
                .await;
            let msg = "That setup token is wrong, expired or already used. Restart custodiand for a new one.";
            token_page_again(
                app,
                &nonce,
                views::auth::setup,
                msg,
                &username,
                StatusCode::FORBIDDEN,
            )
            .await
        }
        Err(e) => {
            tracing::warn!(target: "identity", error = %e, "setup failed");
            super::guesses::failure(&e)
        }
    }
}

type TokenPage = fn(&str, Option<&str>, &str, usize) -> views::Markup;

/// The setup or recovery form again, with what the user typed (except
/// passwords and the token) and what was wrong.
async fn token_page_again(
    app: &App,
    nonce: &str,
    page: TokenPage,
    message: &str,
    username: &str,
    status: StatusCode,
) -> Response<Body> {
    let Some(keyring) = app.keyring.as_ref() else {
        return unavailable();
    };
    match sessions::csrf_token(keyring, nonce.as_bytes()).await {
        Some(csrf) => html(
            status,
            page(
                &csrf,
                Some(message),
                username,
                app.identity.policy.min_length,
            ),
        ),
        None => unavailable(),
    }
}

/// The form for a recovery token issued at the console. Anonymous by
/// design: whoever holds the token proves it by the token.
pub(crate) async fn recover_form(app: &App, headers: &HeaderMap) -> Response<Body> {
    token_form(app, headers, views::auth::recover).await
}

/// Sets a new password on the administrator account a console recovery
/// token names. The token is checked (a hash look-up) before any hashing.
pub(crate) async fn recover<B: ReqBody>(
    app: &App,
    req: Request<B>,
    peer: SocketAddr,
) -> Response<Body> {
    let (Some(db), Some(keyring)) = (app.db.as_ref(), app.keyring.as_ref()) else {
        return unavailable();
    };
    let Anonymous { form, nonce, .. } = match admit_anonymous(app, req, peer).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let policy = &app.identity.policy;
    let username = field(&form, "username").trim().to_lowercase();
    let password = field(&form, "password");
    let again = |msg: String, status| {
        let (nonce, username) = (nonce.clone(), username.clone());
        async move { token_page_again(app, &nonce, views::auth::recover, &msg, &username, status).await }
    };
    if password != field(&form, "confirm") {
        return again("The two passwords differ.".into(), StatusCode::BAD_REQUEST).await;
    }
    if let Some(p) = policy.check(password, &[&username, "custodian"]) {
        return again(p, StatusCode::BAD_REQUEST).await;
    }
    match console_recovery::recover(
        db,
        keyring,
        policy,
        field(&form, "token").trim(),
        &username,
        password,
    )
    .await
    {
        Ok(console_recovery::Outcome::Recovered) => {
            tracing::info!(target: "identity", account = %username, "administrator account recovered with a console token");
            redirect("/login")
        }
        Ok(console_recovery::Outcome::BadToken) => {
            let _ = db
                .record(
                    "anonymous",
                    "recovery.refused",
                    "",
                    &serde_json::json!({"peer": peer.ip().to_string()}),
                )
                .await;
            again(
                "That recovery token is wrong, expired, already used or for another account. Issue a new one at the console: custodianctl account recover-admin --help.".into(),
                StatusCode::FORBIDDEN,
            )
            .await
        }
        Err(e) => {
            tracing::warn!(target: "identity", error = %e, "recovery failed");
            super::guesses::failure(&e)
        }
    }
}

pub(crate) async fn logout<B: ReqBody>(app: &App, req: Request<B>) -> Response<Body> {
    let (Some(db), Some(keyring)) = (app.db.as_ref(), app.keyring.as_ref()) else {
        return unavailable();
    };
    if !crate::cookies::same_origin(req.headers(), &app.identity.public_origin) {
        return error(StatusCode::FORBIDDEN);
    }
    let headers = req.headers().clone();
    let session = match session_of(app, &headers).await {
        Ok(Some(s)) => s,
        Ok(None) => return redirect("/login"),
        Err(r) => return r,
    };
    let form = match parse_form(req).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    if !sessions::csrf_valid(keyring, &session.token_hash, field(&form, "csrf")).await {
        return html(
            StatusCode::FORBIDDEN,
            views::error_with(StatusCode::FORBIDDEN, FORM_EXPIRED),
        );
    }
    if let Err(e) = sessions::revoke(db, &session.token_hash).await {
        return unavailable_because(e);
    }
    let _ = db
        .record(
            &session.username,
            "logout",
            &session.username,
            &serde_json::json!({}),
        )
        .await;
    let mut res = redirect("/login");
    res.headers_mut()
        .append(header::SET_COOKIE, crate::cookies::set_cookie(COOKIE, None));
    res
}
