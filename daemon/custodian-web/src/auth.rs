//! Sign-in, first-run setup and sign-out. Every POST passes the origin
//! check and a CSRF token before its form is looked at; every outcome is a
//! plain page or a 303 redirect.

use crate::i18n::t;
use crate::input::field;
use crate::respond::{redirect, unavailable, unavailable_because};
use std::net::SocketAddr;

use http::{header, HeaderMap, HeaderValue, Request, Response, StatusCode};

use super::views;
use crate::app::App;
use crate::cookies::{COOKIE, PRE_COOKIE};
use crate::guard::session_of;
use crate::guard::{admit_anonymous, Anonymous};
use crate::input::ReqBody;
use crate::respond::{html, Body, Reply};
use custodian_core::error::CoreError;
use custodian_core::identity::accounts::{self, LoginError, SetupOutcome};
use custodian_core::identity::console_recovery;
use custodian_core::identity::notifications;
use custodian_core::identity::sessions::{self};
use custodian_core::identity::tokens;

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

pub(crate) async fn home(app: &App, headers: &HeaderMap) -> Reply {
    let session = session_of(app, headers).await?;
    let (Some(keyring), Some(session)) = (app.keyring.as_ref(), session) else {
        return Ok(public_home());
    };
    if session.must_change_password {
        return Ok(redirect("/account/password"));
    }
    if let Some(enrolment) = session.enrolment {
        return Ok(redirect(enrolment.page()));
    }
    let unread = match &app.db {
        Some(db) => notifications::unread(db, session.user_id)
            .await
            .unwrap_or(0),
        None => 0,
    };
    match sessions::csrf_token(keyring, &session.token_hash).await {
        Some(csrf) => Ok(html(
            StatusCode::OK,
            views::auth::signed_in(&views::viewer(&session), &csrf, unread),
        )),
        None => Err(unavailable()),
    }
}

/// The public home page: the same for everyone who reads a language, so
/// made once per language (it is the page a flood of new connections
/// asks for, and what the front-door benchmark measures).
fn public_home() -> Response<Body> {
    use std::sync::OnceLock;
    static PAGES: [OnceLock<bytes::Bytes>; crate::i18n::Lang::ALL.len()] =
        [const { OnceLock::new() }; crate::i18n::Lang::ALL.len()];
    let page = PAGES[crate::i18n::index(crate::i18n::current())]
        .get_or_init(|| bytes::Bytes::from(views::auth::home().into_string()));
    crate::respond::html_bytes(StatusCode::OK, page.clone())
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

pub(crate) async fn login_form(app: &App, headers: &HeaderMap) -> Reply {
    let Some(keyring) = app.keyring.as_ref() else {
        return Err(unavailable());
    };
    let Some((nonce, cookie)) = pre_binding(headers) else {
        return Err(StatusCode::INTERNAL_SERVER_ERROR.into());
    };
    match sessions::csrf_token(keyring, nonce.as_bytes()).await {
        Some(csrf) => Ok(with_cookie(
            html(
                StatusCode::OK,
                views::auth::login(&csrf, None, "", &login_notice(app).await),
            ),
            cookie,
        )),
        None => Err(unavailable()),
    }
}

pub(crate) async fn login<B: ReqBody>(app: &App, req: Request<B>, peer: SocketAddr) -> Reply {
    let (Some(db), Some(keyring)) = (app.db.as_ref(), app.keyring.as_ref()) else {
        return Err(unavailable());
    };
    let Anonymous {
        headers,
        form,
        nonce,
    } = admit_anonymous(app, req, peer).await?;
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
        Ok(user) => {
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
                    Ok(res)
                }
                Err(e) => Err(unavailable_because(e)),
            }
        }
        Err(LoginError::Refused(_)) => {
            match sessions::csrf_token(keyring, nonce.as_bytes()).await {
                Some(csrf) => Ok(html(
                    StatusCode::UNAUTHORIZED,
                    views::auth::login(
                        &csrf,
                        Some(&t("sign-in-failed")),
                        &username,
                        &login_notice(app).await,
                    ),
                )),
                None => Err(unavailable()),
            }
        }
        Err(LoginError::Failed(e @ CoreError::Busy(_))) => {
            tracing::warn!(target: "identity", error = %e, "login turned away: hashing pool full");
            Err(super::guesses::busy())
        }
        Err(LoginError::Failed(e)) => {
            tracing::warn!(target: "identity", error = %e, "login could not be checked");
            Err(unavailable())
        }
    }
}

pub(crate) async fn setup_form(app: &App, headers: &HeaderMap) -> Reply {
    let Some(db) = app.db.as_ref() else {
        return Err(unavailable());
    };
    match accounts::has_admin(db).await {
        Ok(true) => return Ok(redirect("/login")),
        Ok(false) => {}
        Err(e) => return Err(unavailable_because(e)),
    }
    token_form(app, headers, views::auth::setup).await
}

/// An empty setup or recovery form, its CSRF token bound to the
/// pre-session cookie (set here when the browser has none yet).
async fn token_form(app: &App, headers: &HeaderMap, page: TokenPage) -> Reply {
    let Some(keyring) = app.keyring.as_ref() else {
        return Err(unavailable());
    };
    let Some((nonce, cookie)) = pre_binding(headers) else {
        return Err(StatusCode::INTERNAL_SERVER_ERROR.into());
    };
    match sessions::csrf_token(keyring, nonce.as_bytes()).await {
        Some(csrf) => Ok(with_cookie(
            html(
                StatusCode::OK,
                page(&csrf, None, "", app.identity.policy.min_length),
            ),
            cookie,
        )),
        None => Err(unavailable()),
    }
}

pub(crate) fn valid_username(u: &str) -> bool {
    let b = u.as_bytes();
    (2..=63).contains(&b.len())
        && b[0].is_ascii_alphanumeric()
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || b"._-".contains(c))
}

pub(crate) async fn setup<B: ReqBody>(app: &App, req: Request<B>, peer: SocketAddr) -> Reply {
    let (Some(db), Some(keyring)) = (app.db.as_ref(), app.keyring.as_ref()) else {
        return Err(unavailable());
    };
    let Anonymous { form, nonce, .. } = admit_anonymous(app, req, peer).await?;
    // Once an administrator exists, setup is over: answered without any
    // password check or hashing.
    match accounts::has_admin(db).await {
        Ok(true) => return Ok(redirect("/login")),
        Ok(false) => {}
        Err(e) => return Err(super::guesses::failure(&e)),
    }
    let policy = &app.identity.policy;
    let username = field(&form, "username").trim().to_lowercase();
    let password = field(&form, "password");
    let problem = if !valid_username(&username) {
        Some(t("setup-problem-username"))
    } else if password != field(&form, "confirm") {
        Some(t("setup-problem-differ"))
    } else {
        policy
            .check(password, &[&username, "custodian"])
            .map(|p| crate::i18n::problem(&p))
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
            Ok(redirect("/login"))
        }
        Ok(SetupOutcome::Done) => Ok(redirect("/login")),
        Ok(SetupOutcome::BadToken) => {
            db.record_after(
                "anonymous",
                "setup.refused",
                "",
                &serde_json::json!({"peer": peer.ip().to_string()}),
            )
            .await;
            let msg = &t("setup-problem-token");
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
            Err(super::guesses::failure(&e))
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
) -> Reply {
    let Some(keyring) = app.keyring.as_ref() else {
        return Err(unavailable());
    };
    match sessions::csrf_token(keyring, nonce.as_bytes()).await {
        Some(csrf) => Ok(html(
            status,
            page(
                &csrf,
                Some(message),
                username,
                app.identity.policy.min_length,
            ),
        )),
        None => Err(unavailable()),
    }
}

/// The form for a recovery token issued at the console. Anonymous by
/// design: whoever holds the token proves it by the token.
pub(crate) async fn recover_form(app: &App, headers: &HeaderMap) -> Reply {
    token_form(app, headers, views::auth::recover).await
}

/// Sets a new password on the administrator account a console recovery
/// token names. The token is checked (a hash look-up) before any hashing.
pub(crate) async fn recover<B: ReqBody>(app: &App, req: Request<B>, peer: SocketAddr) -> Reply {
    let (Some(db), Some(keyring)) = (app.db.as_ref(), app.keyring.as_ref()) else {
        return Err(unavailable());
    };
    let Anonymous { form, nonce, .. } = admit_anonymous(app, req, peer).await?;
    let policy = &app.identity.policy;
    let username = field(&form, "username").trim().to_lowercase();
    let password = field(&form, "password");
    let again = |msg: String, status| {
        let (nonce, username) = (nonce.clone(), username.clone());
        async move { token_page_again(app, &nonce, views::auth::recover, &msg, &username, status).await }
    };
    if password != field(&form, "confirm") {
        return again(t("setup-problem-differ"), StatusCode::BAD_REQUEST).await;
    }
    if let Some(p) = policy.check(password, &[&username, "custodian"]) {
        return again(crate::i18n::problem(&p), StatusCode::BAD_REQUEST).await;
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
            Ok(redirect("/login"))
        }
        Ok(console_recovery::Outcome::BadToken) => {
            db.record_after(
                "anonymous",
                "recovery.refused",
                "",
                &serde_json::json!({"peer": peer.ip().to_string()}),
            )
            .await;
            again(t("recover-problem-token"), StatusCode::FORBIDDEN).await
        }
        Err(e) => {
            tracing::warn!(target: "identity", error = %e, "recovery failed");
            Err(super::guesses::failure(&e))
        }
    }
}

pub(crate) async fn logout<B: ReqBody>(app: &App, req: Request<B>) -> Reply {
    // The guard checks the origin and the session's CSRF token; without a
    // session it sends the browser to sign in, as there is nothing to end.
    let (s, _) = crate::guard::admit_form::<custodian_core::policy::SignOut, B>(app, req).await?;
    let (session, db) = (&s.session, &s.db);
    if let Err(e) = sessions::revoke(db, &session.token_hash).await {
        return Err(unavailable_because(e));
    }
    db.record_after(
        &session.username,
        "logout",
        &session.username,
        &serde_json::json!({}),
    )
    .await;
    let mut res = redirect("/login");
    res.headers_mut()
        .append(header::SET_COOKIE, crate::cookies::set_cookie(COOKIE, None));
    Ok(res)
}
