//! Signed-in pages: changing one's password (forced after an
//! administrator set it), step-up re-authentication, and the account list
//! for administrators. Each handler states its own access decision first.

use crate::guard::csrf_for;
use http::{header, HeaderMap, Request, Response, StatusCode};

use super::guesses;
use super::views;
use crate::i18n::t;
use crate::input::field;
use crate::respond::{html, Body, Reply, WebError};
use crate::respond::{needed, redirect, unavailable_because};

use crate::app::App;
use crate::cookies::COOKIE;
use crate::guard::{admit, admit_form, session_form};
use crate::input::ReqBody;
use crate::respond::problem_in;
use custodian_core::identity::sessions::{self, Session};
use custodian_core::identity::{accounts, notifications, passkeys, recovery, totp};
use custodian_core::policy::{ManageAccounts, ManageSessions, SecureOwnAccount, UseOwnAccount};

pub(crate) async fn password_form(app: &App, req: &Request<impl Sized>) -> Reply {
    let s = admit::<UseOwnAccount, _>(app, req).await?;
    let session = &s.session;
    let csrf = csrf_for(app, session).await?;
    Ok(html(
        StatusCode::OK,
        views::auth::change_password(
            &views::viewer(session),
            &csrf,
            None,
            session.must_change_password,
            app.identity.policy.min_length,
        ),
    ))
}

pub(crate) async fn change_password<B: ReqBody>(
    app: &App,
    req: Request<B>,
    peer: std::net::SocketAddr,
) -> Reply {
    let headers = req.headers().clone();
    let (s, form) = admit_form::<UseOwnAccount, _>(app, req).await?;
    let (session, db, keyring) = (&s.session, &s.db, &s.keyring);
    let policy = &app.identity.policy;
    let (current, new) = (field(&form, "current"), field(&form, "password"));
    // The current password is a step-up guess: charged before hashing.
    if !guesses::charge(app, session).await? {
        return Err(guesses::locked_page(app));
    }
    let matches =
        match accounts::password_matches(db, keyring, policy, session.user_id, current).await {
            Ok(m) => m,
            Err(e) => {
                guesses::refund(app, session).await;
                return Err(guesses::failure(&e));
            }
        };
    if matches {
        guesses::right(app, session).await?;
    } else {
        if guesses::wrong(app, session, "current-password", &peer.ip().to_string()).await? {
            return Err(guesses::locked_page(app));
        }
    }
    let problem = if !matches {
        Some(t("password-problem-wrong-current"))
    } else if new != field(&form, "confirm") {
        Some(t("password-problem-differ"))
    } else if new == current {
        Some(t("password-problem-same"))
    } else {
        policy
            .check(new, &[&session.username, "custodian"])
            .map(|p| crate::i18n::problem(&p))
    };
    if let Some(p) = problem {
        let csrf = csrf_for(app, session).await?;
        return Ok(html(
            StatusCode::BAD_REQUEST,
            views::auth::change_password(
                &views::viewer(session),
                &csrf,
                Some(&p),
                session.must_change_password,
                policy.min_length,
            ),
        ));
    }
    accounts::set_password(db, keyring, policy, session.user_id, &session.username, new)
        .await
        .map_err(|e| guesses::failure(&e))?;
    // Every session of the account ends; this browser gets a new one.
    sessions::revoke_all(db, session.user_id)
        .await
        .map_err(unavailable_because)?;
    let peer = peer.ip().to_string();
    let ua = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let token = sessions::create(db, policy, session.user_id, &peer, ua, false)
        .await
        .map_err(unavailable_because)?;
    let mut res = redirect("/");
    res.headers_mut().append(
        header::SET_COOKIE,
        crate::cookies::set_cookie(COOKIE, Some(&token)),
    );
    Ok(res)
}

/// `next` if it is a known step-up target, else the home page.
pub(super) fn step_up_allowed(next: &str) -> &'static str {
    crate::table::step_up_page(next).unwrap_or("/")
}

fn step_up_target(query: Option<&str>) -> &'static str {
    let next = query
        .into_iter()
        .flat_map(|q| form_urlencoded::parse(q.as_bytes()))
        .find(|(k, _)| k == "next")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    step_up_allowed(&next)
}

/// Whether the account can confirm with a passkey (step-up page).
async fn has_passkey(app: &App, session: &Session) -> bool {
    match (&app.db, &app.identity.webauthn) {
        (Some(db), Some(_)) => passkeys::factors_of(db, session.user_id)
            .await
            .is_ok_and(|f| f.passkey),
        _ => false,
    }
}

pub(crate) async fn reauth_form<B>(app: &App, req: &Request<B>) -> Reply {
    let s = admit::<UseOwnAccount, _>(app, req).await?;
    let session = &s.session;
    let csrf = csrf_for(app, session).await?;
    Ok(html(
        StatusCode::OK,
        views::auth::reauth(
            &views::viewer(session),
            &csrf,
            None,
            step_up_target(req.uri().query()),
            has_passkey(app, session).await,
        ),
    ))
}

pub(crate) async fn reauth<B: ReqBody>(
    app: &App,
    req: Request<B>,
    peer: std::net::SocketAddr,
) -> Reply {
    let _headers = req.headers().clone();
    let (s, form) = admit_form::<UseOwnAccount, _>(app, req).await?;
    let (session, db, keyring) = (&s.session, &s.db, &s.keyring);
    let next = step_up_allowed(field(&form, "next"));
    let policy = &app.identity.policy;
    // Charged before hashing: a flood of guesses costs a few hashes
    // and is then answered 429 without any.
    if !guesses::charge(app, session).await? {
        return Err(guesses::locked_page(app));
    }
    let matches = match accounts::password_matches(
        db,
        keyring,
        policy,
        session.user_id,
        field(&form, "password"),
    )
    .await
    {
        Ok(m) => m,
        Err(e) => {
            guesses::refund(app, session).await;
            return Err(guesses::failure(&e));
        }
    };
    if !matches {
        if guesses::wrong(app, session, "step-up", &peer.ip().to_string()).await? {
            return Err(guesses::locked_page(app));
        }
        db.record_after(
            &session.username,
            "reauth.failed",
            &session.username,
            &serde_json::json!({}),
        )
        .await;
        let csrf = csrf_for(app, session).await?;
        return Ok(html(
            StatusCode::UNAUTHORIZED,
            views::auth::reauth(
                &views::viewer(session),
                &csrf,
                Some(&t("reauth-wrong-password")),
                next,
                has_passkey(app, session).await,
            ),
        ));
    }
    let token = sessions::reauthenticated(db, &session.token_hash)
        .await
        .map_err(unavailable_because)?;
    db.record_after(
        &session.username,
        "reauth.succeeded",
        &session.username,
        &serde_json::json!({}),
    )
    .await;
    let mut res = redirect(next);
    res.headers_mut().append(
        header::SET_COOKIE,
        crate::cookies::set_cookie(COOKIE, Some(&token)),
    );
    Ok(res)
}

pub(crate) async fn accounts_page(app: &App, req: &Request<impl Sized>) -> Reply {
    let s = admit::<ManageAccounts, _>(app, req).await?;
    let (session, db) = (&s.session, &s.db);
    let rows = accounts::list_accounts(db, &s.permit)
        .await
        .map_err(unavailable_because)?;
    let csrf = csrf_for(app, session).await?;
    Ok(html(
        StatusCode::OK,
        views::admin::accounts(&views::viewer(session), &rows, &csrf, None, None),
    ))
}

pub(crate) async fn create_account<B: ReqBody>(app: &App, req: Request<B>) -> Reply {
    let (s, form) = admit_form::<ManageAccounts, _>(app, req).await?;
    let (session, db, keyring) = (&s.session, &s.db, &s.keyring);
    let username = field(&form, "username").trim().to_lowercase();
    let outcome = if super::auth::valid_username(&username) {
        accounts::create_account(
            db,
            &s.permit,
            keyring,
            &app.identity.policy,
            &session.username,
            &username,
            field(&form, "role"),
        )
        .await
    } else {
        Err(custodian_core::error::Rejected::problem(
            "account-username-invalid",
        ))
    };
    let rows = accounts::list_accounts(db, &s.permit)
        .await
        .map_err(unavailable_because)?;
    let csrf = csrf_for(app, session).await?;
    Ok(match outcome {
        Ok(temporary) => html(
            StatusCode::OK,
            views::admin::accounts(
                &views::viewer(session),
                &rows,
                &csrf,
                None,
                Some((&username, &temporary)),
            ),
        ),
        Err(refused) => {
            let problem = problem_in(refused)?;
            html(
                StatusCode::BAD_REQUEST,
                views::admin::accounts(&views::viewer(session), &rows, &csrf, Some(&problem), None),
            )
        }
    })
}

pub(crate) async fn change_state<B: ReqBody>(app: &App, req: Request<B>) -> Reply {
    let (s, form) = admit_form::<ManageAccounts, _>(app, req).await?;
    let (session, db, keyring) = (&s.session, &s.db, &s.keyring);
    let who = field(&form, "username");
    let policy = &app.identity.policy;
    // Ok(Some(password)): a one-time password to show once; Ok(None):
    // done, or waiting for a second administrator.
    let outcome = match field(&form, "action") {
        "reset-password" => {
            accounts::reset_password(
                db,
                keyring,
                policy,
                &session.username,
                who,
                field(&form, "reason"),
            )
            .await
        }
        // Every account at once only with the box ticked: a single
        // mis-click must not sign everybody out.
        "force-password-change" if who == "*" && field(&form, "confirm") != "every-account" => Err(
            custodian_core::error::Rejected::problem("account-force-confirm"),
        ),
        "force-password-change" => accounts::force_password_change(db, &session.username, who)
            .await
            .map(|_| None),
        action => match accounts::StateChange::parse(action) {
            Some(change) => {
                accounts::change_state(
                    db,
                    &s.permit,
                    keyring,
                    policy,
                    &session.username,
                    who,
                    change,
                )
                .await
            }
            None => Err(custodian_core::error::Rejected::problem(
                "account-unknown-action",
            )),
        },
    };
    if let Ok(None) = outcome {
        return Ok(redirect("/admin/users"));
    }
    let rows = accounts::list_accounts(db, &s.permit)
        .await
        .map_err(unavailable_because)?;
    let csrf = csrf_for(app, session).await?;
    Ok(match outcome {
        Ok(temporary) => html(
            StatusCode::OK,
            views::admin::accounts(
                &views::viewer(session),
                &rows,
                &csrf,
                None,
                temporary.as_deref().map(|t| (who, t)),
            ),
        ),
        Err(refused) => {
            let problem = problem_in(refused)?;
            html(
                StatusCode::BAD_REQUEST,
                views::admin::accounts(&views::viewer(session), &rows, &csrf, Some(&problem), None),
            )
        }
    })
}

pub(super) fn with_session_cookie(mut res: Response<Body>, token: &str) -> Response<Body> {
    res.headers_mut().append(
        header::SET_COOKIE,
        crate::cookies::set_cookie(COOKIE, Some(token)),
    );
    res
}

/// The second step of signing in, for a session that passed the password.
pub(super) async fn pending_session(app: &App, headers: &HeaderMap) -> Result<Session, WebError> {
    let db = needed(app.db.as_ref())?;
    sessions::pending(
        db,
        &app.identity.policy,
        crate::cookies::read_cookie(headers, crate::cookies::COOKIE).as_deref(),
    )
    .await
    .map_err(crate::respond::lookup_failed)?
    .ok_or_else(|| WebError::SeeOther("/login".into()))
}

pub(crate) async fn totp_login_form(app: &App, headers: &HeaderMap) -> Reply {
    let session = pending_session(app, headers).await?;
    second_step_page(app, &session, None, StatusCode::OK).await
}

async fn second_step_page(
    app: &App,
    session: &Session,
    message: Option<&str>,
    status: StatusCode,
) -> Result<Response<Body>, WebError> {
    let db = needed(app.db.as_ref())?;
    let f = passkeys::factors_of(db, session.user_id)
        .await
        .map_err(unavailable_because)?;
    let csrf = csrf_for(app, session).await?;
    Ok(html(
        status,
        views::auth::second_step(
            &csrf,
            message,
            f.passkey && app.identity.webauthn.is_some(),
            f.totp,
        ),
    ))
}

pub(crate) async fn totp_login<B: ReqBody>(
    app: &App,
    req: Request<B>,
    peer: std::net::SocketAddr,
) -> Reply {
    let (db, vault) = (
        needed(app.db.as_ref())?,
        needed(app.identity.vault.as_ref())?,
    );
    if !app.identity.login_attempts.allow(peer.ip()) {
        return Err(StatusCode::TOO_MANY_REQUESTS.into());
    }
    let headers = req.headers().clone();
    let session = pending_session(app, &headers).await?;
    let form = session_form(app, &session, req).await?;
    let code = field(&form, "code");
    let keyring = needed(app.keyring.as_ref())?;
    let is_recovery = recovery::looks_like_recovery_code(code);
    let peer_text = peer.ip().to_string();
    // Under the hardware-key policy, an account that has a hardware key
    // must use it (or, to get back in, a recovery code).
    if !is_recovery && app.identity.factors.hardware_only(session.role) {
        let f = passkeys::factors_of(db, session.user_id)
            .await
            .map_err(unavailable_because)?;
        if f.hardware {
            return second_step_page(
                app,
                &session,
                Some(&t("second-step-hardware-required")),
                StatusCode::UNAUTHORIZED,
            )
            .await;
        }
    }
    // Every code is charged to the account before it is checked, from
    // whatever address it comes: the budget is the account's.
    if !guesses::charge(app, &session).await? {
        return Err(guesses::locked_page(app));
    }
    let passed = if is_recovery {
        recovery::redeem(db, keyring, session.user_id, &session.username, code).await
    } else {
        totp::store::check(db, vault, session.user_id, code).await
    };
    let passed = match passed {
        Ok(p) => p,
        Err(e) => {
            guesses::refund(app, &session).await;
            return Err(guesses::failure(&e));
        }
    };
    if !passed {
        db
            .record_after(
                &session.username,
                "login.second_factor_failed",
                &session.username,
                &serde_json::json!({"peer": peer_text, "method": if is_recovery { "recovery code" } else { "totp" }}),
            )
            .await;
        let step = if is_recovery {
            "recovery-code"
        } else {
            "authenticator-code"
        };
        if guesses::wrong(app, &session, step, &peer_text).await? {
            // The pending session ended with the lock.
            return Err(guesses::locked_page(app));
        }
        return second_step_page(
            app,
            &session,
            Some(&t("second-step-wrong-code")),
            StatusCode::UNAUTHORIZED,
        )
        .await;
    }
    let token = sessions::second_factor_passed(db, &session.token_hash)
        .await
        .map_err(unavailable_because)?;
    db.record_after(
        &session.username,
        "login.second_factor_passed",
        &session.username,
        &serde_json::json!({}),
    )
    .await;
    Ok(with_session_cookie(
        redirect(if session.must_change_password {
            "/account/password"
        } else {
            "/"
        }),
        &token,
    ))
}

async fn enrol_page(
    app: &App,
    session: &Session,
    message: Option<&str>,
    status: StatusCode,
) -> Result<Response<Body>, WebError> {
    let (db, vault) = (
        needed(app.db.as_ref())?,
        needed(app.identity.vault.as_ref())?,
    );
    let secret = totp::store::start_enrolment(db, vault, session.user_id)
        .await
        .map_err(unavailable_because)?;
    let url = totp::otpauth_url(&session.username, &secret);
    let qr = totp::qr_svg(&url);
    let csrf = csrf_for(app, session).await?;
    Ok(html(
        status,
        views::account::totp_enrol(
            &views::viewer(session),
            &csrf,
            message,
            qr.as_ref(),
            &totp::base32(&secret),
        ),
    ))
}

pub(crate) async fn totp_enrol_form(app: &App, req: &Request<impl Sized>) -> Reply {
    // Replacing an enrolled second factor is a sensitive change: the
    // action's step-up, waived while enrolling the first one.
    let s = admit::<SecureOwnAccount, _>(app, req).await?;
    enrol_page(app, &s.session, None, StatusCode::OK).await
}

pub(crate) async fn totp_enrol<B: ReqBody>(app: &App, req: Request<B>) -> Reply {
    let (s, form) = admit_form::<SecureOwnAccount, _>(app, req).await?;
    let (session, db) = (&s.session, &s.db);
    let vault = needed(app.identity.vault.as_ref())?;
    if totp::store::finish_enrolment(
        db,
        vault,
        session.user_id,
        &session.username,
        field(&form, "code"),
    )
    .await
    .map_err(unavailable_because)?
    {
        return Ok(redirect("/"));
    }
    enrol_page(
        app,
        session,
        Some(&t("totp-enrol-mismatch")),
        StatusCode::BAD_REQUEST,
    )
    .await
}

pub(crate) async fn recovery_codes_page(app: &App, req: &Request<impl Sized>) -> Reply {
    let s = admit::<SecureOwnAccount, _>(app, req).await?;
    let (session, db) = (&s.session, &s.db);
    let left = recovery::remaining(db, session.user_id)
        .await
        .map_err(unavailable_because)?;
    let csrf = csrf_for(app, session).await?;
    Ok(html(
        StatusCode::OK,
        views::account::recovery_codes(&views::viewer(session), &csrf, left, None),
    ))
}

pub(crate) async fn regenerate_recovery_codes<B: ReqBody>(app: &App, req: Request<B>) -> Reply {
    let (s, _) = admit_form::<SecureOwnAccount, _>(app, req).await?;
    let (session, db, keyring) = (&s.session, &s.db, &s.keyring);
    let codes = recovery::regenerate(db, keyring, session.user_id, &session.username)
        .await
        .map_err(unavailable_because)?;
    let csrf = csrf_for(app, session).await?;
    Ok(html(
        StatusCode::OK,
        views::account::recovery_codes(
            &views::viewer(session),
            &csrf,
            codes.len() as i64,
            Some(&codes),
        ),
    ))
}

/// `/account/sessions` (own) and `/admin/sessions` (everyone's).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Scope {
    Own,
    All,
}

impl Scope {
    fn path(self) -> &'static str {
        match self {
            Scope::Own => "/account/sessions",
            Scope::All => "/admin/sessions",
        }
    }
}

/// Own sessions are the account's own business; everyone's are an
/// administrator's ([`ManageSessions`]).
async fn scoped_session<B>(app: &App, req: &Request<B>, scope: Scope) -> Result<Session, WebError> {
    match scope {
        Scope::Own => admit::<UseOwnAccount, _>(app, req).await.map(|s| s.session),
        Scope::All => admit::<ManageSessions, _>(app, req)
            .await
            .map(|s| s.session),
    }
}

pub(crate) async fn sessions_page(app: &App, req: &Request<impl Sized>, scope: Scope) -> Reply {
    let session = scoped_session(app, req, scope).await?;
    let db = needed(app.db.as_ref())?;
    let owner = matches!(scope, Scope::Own).then_some(session.user_id);
    let rows = sessions::list(db, owner, &session.token_hash)
        .await
        .map_err(unavailable_because)?;
    let csrf = csrf_for(app, &session).await?;
    let title = match scope {
        Scope::Own => t("account-sessions"),
        Scope::All => t("nav-admin-sessions"),
    };
    Ok(html(
        StatusCode::OK,
        views::account::sessions(
            &views::viewer(&session),
            &title,
            &rows,
            &csrf,
            scope.path(),
            matches!(scope, Scope::All),
        ),
    ))
}

pub(crate) async fn end_session<B: ReqBody>(app: &App, req: Request<B>, scope: Scope) -> Reply {
    let session = scoped_session(app, &req, scope).await?;
    let db = needed(app.db.as_ref())?;
    let form = session_form(app, &session, req).await?;
    let owner = matches!(scope, Scope::Own).then_some(session.user_id);
    if let Some(account) = sessions::end(db, field(&form, "session"), owner)
        .await
        .map_err(unavailable_because)?
    {
        db.record_after(
            &session.username,
            "session.revoked",
            &account,
            &serde_json::json!({}),
        )
        .await;
    }
    Ok(redirect(scope.path()))
}

pub(crate) async fn notifications_page(app: &App, req: &Request<impl Sized>) -> Reply {
    let s = admit::<UseOwnAccount, _>(app, req).await?;
    let (session, actor, db) = (&s.session, s.actor(), &s.db);
    let mut rows = notifications::list(db, session.user_id)
        .await
        .map_err(unavailable_because)?;
    // Notices name accounts; who may not see usernames sees them as
    // elsewhere, `user-<id>`. Only the values that are account names are
    // masked: the others are words the catalogue chooses by (a role, a
    // status) or the reader's own text (a passkey's name).
    if !actor.has(custodian_core::policy::Permission::ViewUsernames) {
        let mut names = notifications::usernames(db)
            .await
            .map_err(unavailable_because)?;
        names.retain(|(id, _)| *id != session.user_id);
        for row in &mut rows {
            row.message = notifications::mask_names(&row.message, &names);
            for (arg, value) in row.args.iter_mut() {
                if let (true, serde_json::Value::String(text)) =
                    (notifications::NAME_ARGS.contains(&arg.as_str()), value)
                {
                    *text = notifications::mask_names(text, &names);
                }
            }
        }
    }
    // In the reader's language; a notification from before they were
    // stored by key keeps its English sentence.
    for row in &mut rows {
        if let Some(text) = row
            .key
            .as_deref()
            .and_then(|key| crate::i18n::notice_in(crate::i18n::current(), key, &row.args))
        {
            row.message = text;
        }
    }
    let csrf = csrf_for(app, session).await?;
    Ok(html(
        StatusCode::OK,
        views::account::notifications(&views::viewer(session), &csrf, &rows),
    ))
}

pub(crate) async fn mark_notifications_read<B: ReqBody>(app: &App, req: Request<B>) -> Reply {
    let (s, _) = admit_form::<UseOwnAccount, _>(app, req).await?;
    let (session, db) = (&s.session, &s.db);
    notifications::mark_all_read(db, session.user_id)
        .await
        .map_err(unavailable_because)?;
    Ok(redirect("/account/notifications"))
}
