//! The one prelude in front of every signed-in handler. [`admit`] runs it
//! once, in this order: the backends are there (else 503), the request has
//! a live session (else sign in), the session's obligations are met (own
//! password, second-factor enrolment) unless the route fulfils them, the
//! policy allows the route's action (else a recorded 403), and the action's
//! step-up is fresh (else re-authenticate and come back). [`admit_form`]
//! and [`admit_json`] add the same-origin and session-bound CSRF checks of
//! a form or JSON body. What they return, [`Signed`], only they can make,
//! and it carries the [`Permit`] that the domain's functions demand: a
//! handler that takes one cannot be reached without the decision.

use std::net::SocketAddr;
use std::sync::Arc;

use http::{header, HeaderMap, Method, Request, StatusCode};

use crate::views::layout::Viewer;
use custodian_core::identity::sessions::{self, Enrolment, Session};
use custodian_core::policy::{self, Action, Actor, Permit};
use custodian_core::pool::Database;
use custodian_vault::keyring::Keyring;

use crate::app::App;
use crate::input::ReqBody;
use crate::input::{field, parse_form};
use crate::respond::WebError;
use crate::respond::{lookup_failed, needed, unavailable};
use crate::table::{self, Obligation, Route};

/// A signed-in request that the policy allowed for `A`. Only the guard's
/// functions make one (the private field).
pub(crate) struct Signed<A: Action> {
    pub session: Session,
    pub permit: Permit<A>,
    pub db: Arc<Database>,
    pub keyring: Arc<Keyring>,
    /// The route's path, for the record of a refusal.
    path: &'static str,
    _only_the_guard: (),
}

impl<A: Action> Signed<A> {
    /// Who is asking, for decisions about what to show.
    pub(crate) fn actor(&self) -> &Actor {
        self.permit.actor()
    }

    /// A fresh CSRF token for the forms of the page being answered.
    pub(crate) async fn csrf(&self) -> Result<String, WebError> {
        sessions::csrf_token(&self.keyring, &self.session.token_hash)
            .await
            .ok_or_else(unavailable)
    }
}

/// A signed-in form the policy allowed for `A`, with its fields.
pub(crate) type Form = Vec<(String, String)>;

pub(crate) async fn csrf_for(app: &App, session: &Session) -> Result<String, WebError> {
    let keyring = needed(app.keyring.as_ref())?;
    sessions::csrf_token(keyring, &session.token_hash)
        .await
        .ok_or_else(unavailable)
}

/// The database and the keyring, which every signed-in handler needs;
/// without them (a development appliance on a PEM pair) the answer is 503.
fn backends(app: &App) -> Result<(Arc<Database>, Arc<Keyring>), WebError> {
    match (app.db.as_ref(), app.keyring.as_ref()) {
        (Some(db), Some(k)) => Ok((db.clone(), k.clone())),
        _ => Err(unavailable()),
    }
}

/// The signed-in session of this request, if any. Only "no such session"
/// (no cookie, or none that is live) is `Ok(None)`, which sends the
/// browser to sign in. A lookup that fails (no pool connection in time,
/// the database restarting, a statement timeout) is the 503 that says so:
/// the session is still valid, and signing its owner out would lose their
/// work and blame them for the appliance's load.
pub(crate) async fn session_of(
    app: &App,
    headers: &HeaderMap,
) -> Result<Option<Session>, WebError> {
    let token = crate::cookies::read_cookie(headers, crate::cookies::COOKIE);
    session_for(app, token.as_deref()).await
}

/// The signed-in person an error page is for, so that it is drawn in
/// their frame (the navigation) and their language like every other page.
/// A lookup that fails leaves the anonymous frame: the answer is already
/// an error, and must not become a 503 for it.
pub(crate) async fn viewer_for_error(app: &App, token: Option<&str>) -> Option<Viewer> {
    token?;
    let session = session_for(app, token).await.ok()??;
    Some(crate::views::viewer(&session))
}

async fn session_for(app: &App, token: Option<&str>) -> Result<Option<Session>, WebError> {
    let Some(db) = app.db.as_ref() else {
        return Ok(None);
    };
    let session = sessions::current(db, &app.identity.policy, token, &app.identity.factors)
        .await
        .map_err(lookup_failed)?;
    // From here on the request speaks the account's language and keeps
    // its clock, its error pages included.
    if let Some(s) = &session {
        crate::i18n::follow(&s.preferences);
    }
    Ok(session)
}

/// A live session whose obligations are met, or the answer that sends
/// the browser where it must go. Obligations come in order: own password
/// first, then the second factor; the page that fulfils one may be used
/// while it is pending.
pub(crate) async fn signed_in(
    app: &App,
    headers: &HeaderMap,
    page: Obligation,
) -> Result<Session, WebError> {
    let session = session_of(app, headers)
        .await?
        .ok_or_else(|| WebError::SeeOther("/login".into()))?;
    if page == Obligation::Any {
        return Ok(session);
    }
    if session.must_change_password && page != Obligation::PasswordChange {
        return Err(WebError::SeeOther("/account/password".into()));
    }
    if let Some(needed) = session.enrolment {
        let fulfils = match page {
            Obligation::PasskeyEnrolment => true,
            Obligation::TotpEnrolment => needed == Enrolment::SecondFactor,
            _ => false,
        };
        if !session.must_change_password && !fulfils {
            return Err(WebError::SeeOther(needed.page().into()));
        }
    }
    Ok(session)
}

/// The route of this request as the table states it; the dispatcher
/// found it already, so its absence is a programming error, answered 500.
fn route_of<A: Action>(method: &Method, path: &str) -> Result<&'static Route, WebError> {
    let route = table::find(path);
    match route {
        Some(r) if r.access.action_for(method) == Some(A::INFO) => Ok(r),
        _ => {
            tracing::error!(target: "http", path, action = A::NAME, "the route table and the handler disagree on the action; refusing");
            Err(StatusCode::INTERNAL_SERVER_ERROR.into())
        }
    }
}

/// The whole prelude for a request without a body the guard reads.
pub(crate) async fn admit<A: Action, B>(
    app: &App,
    req: &Request<B>,
) -> Result<Signed<A>, WebError> {
    admit_parts::<A>(app, req.method(), req.uri().path(), req.headers()).await
}

async fn admit_parts<A: Action>(
    app: &App,
    method: &Method,
    path: &str,
    headers: &HeaderMap,
) -> Result<Signed<A>, WebError> {
    let route = route_of::<A>(method, path)?;
    let (db, keyring) = backends(app)?;
    let session = signed_in(app, headers, route.fulfils).await?;
    let actor = custodian_core::identity::actor_of(&session);
    let permit = match policy::permit::<A>(actor) {
        Ok(p) => p,
        Err(denied) => {
            refused(&db, &session, denied, route.path).await;
            return Err(StatusCode::FORBIDDEN.into());
        }
    };
    // A pending enrolment is done right after signing in: no step-up for
    // the page that fulfils it.
    let enrolling = session.enrolment.is_some()
        && matches!(
            route.fulfils,
            Obligation::TotpEnrolment | Obligation::PasskeyEnrolment
        );
    if A::STEP_UP && !session.fresh && !enrolling {
        return Err(WebError::SeeOther(
            format!("/reauth?next={}", route.page).into(),
        ));
    }
    Ok(Signed {
        session,
        permit,
        db,
        keyring,
        path: route.path,
        _only_the_guard: (),
    })
}

/// A second action the same request needs (reading the record it edits,
/// the workflow step of a bulk change): refused and recorded as the
/// first would be.
pub(crate) async fn also<B: Action, A: Action>(s: &Signed<A>) -> Result<Permit<B>, WebError> {
    match policy::permit::<B>(s.actor().clone()) {
        Ok(p) => Ok(p),
        Err(denied) => {
            refused(&s.db, &s.session, denied, s.path).await;
            Err(StatusCode::FORBIDDEN.into())
        }
    }
}

/// Records a refusal: evidence of probing, kept whatever else fails.
async fn refused(db: &Database, session: &Session, denied: policy::Denied, path: &str) {
    if let Err(e) = db
        .record(
            &session.username,
            "access.denied",
            denied.0,
            &serde_json::json!({ "path": path }),
        )
        .await
    {
        tracing::warn!(target: "http", error = %e, "could not record a refused request");
    }
}

/// Cross-site requests are refused before any body is read.
fn same_origin(app: &App, headers: &HeaderMap) -> Result<(), WebError> {
    if crate::cookies::same_origin(headers, &app.identity.public_origin) {
        Ok(())
    } else {
        Err(StatusCode::FORBIDDEN.into())
    }
}

async fn csrf_valid<A: Action>(s: &Signed<A>, token: &str) -> Result<(), WebError> {
    if sessions::csrf_valid(&s.keyring, &s.session.token_hash, token).await {
        Ok(())
    } else {
        // An old tab, or a form from elsewhere: what to do about it.
        Err(WebError::explained(
            StatusCode::FORBIDDEN,
            crate::i18n::t("form-expired"),
        ))
    }
}

/// The prelude, then same origin, the form and its session-bound CSRF token.
pub(crate) async fn admit_form<A: Action, B: ReqBody>(
    app: &App,
    req: Request<B>,
) -> Result<(Signed<A>, Form), WebError> {
    let s = admit::<A, B>(app, &req).await?;
    same_origin(app, req.headers())?;
    let form = parse_form(req).await?;
    csrf_valid(&s, field(&form, "csrf")).await?;
    Ok((s, form))
}

/// Same origin, the form and its CSRF token, for a route that answers GET
/// and POST in one handler after [`admit`].
pub(crate) async fn form_of<A: Action, B: ReqBody>(
    app: &App,
    s: &Signed<A>,
    req: Request<B>,
) -> Result<Form, WebError> {
    same_origin(app, req.headers())?;
    let form = parse_form(req).await?;
    csrf_valid(s, field(&form, "csrf")).await?;
    Ok(form)
}

/// Same origin, the form and its CSRF token for a session the caller has
/// already checked: the second step of signing in (a pending session,
/// anonymous by design as far as the policy goes) and the session pages,
/// whose action depends on their scope.
pub(crate) async fn session_form<B: ReqBody>(
    app: &App,
    session: &Session,
    req: Request<B>,
) -> Result<Form, WebError> {
    let keyring = needed(app.keyring.as_ref())?;
    same_origin(app, req.headers())?;
    let form = parse_form(req).await?;
    if !sessions::csrf_valid(keyring, &session.token_hash, field(&form, "csrf")).await {
        return Err(StatusCode::FORBIDDEN.into());
    }
    Ok(form)
}

/// The prelude, then same origin and the session-bound CSRF token of a
/// multipart upload (the token travels in the form's first field, read by
/// the handler with [`check_csrf`] before any other field is used): the
/// handler gets the request back to stream its parts.
pub(crate) async fn admit_multipart<A: Action, B>(
    app: &App,
    req: Request<B>,
) -> Result<(Signed<A>, Request<B>), WebError> {
    let s = admit::<A, B>(app, &req).await?;
    same_origin(app, req.headers())?;
    Ok((s, req))
}

/// Checks the CSRF token a multipart handler read from its form.
pub(crate) async fn check_csrf<A: Action>(s: &Signed<A>, token: &str) -> Result<(), WebError> {
    csrf_valid(s, token).await
}

/// The checks of a JSON POST for a session the caller already has (the
/// pending session of the passkey second step, which is anonymous by
/// design as far as the policy goes).
pub(crate) async fn json_checks(
    app: &App,
    keyring: &Keyring,
    session: &Session,
    h: &HeaderMap,
) -> Result<(), WebError> {
    let is_json = h
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json"));
    if !is_json {
        return Err(StatusCode::UNSUPPORTED_MEDIA_TYPE.into());
    }
    same_origin(app, h)?;
    let token = h
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !sessions::csrf_valid(keyring, &session.token_hash, token).await {
        return Err(StatusCode::FORBIDDEN.into());
    }
    Ok(())
}

/// An anonymous form POST (sign-in, setup, recovery: routes anonymous by
/// design), checked in this order before
/// anything in it is used: same origin, the per-address limit, the form
/// itself, and the CSRF token bound to the pre-session cookie.
pub(crate) struct Anonymous {
    pub headers: HeaderMap,
    pub form: Form,
    /// The pre-session nonce the form's CSRF token is bound to.
    pub nonce: String,
}

pub(crate) async fn admit_anonymous<B: ReqBody>(
    app: &App,
    req: Request<B>,
    peer: SocketAddr,
) -> Result<Anonymous, WebError> {
    let keyring = needed(app.keyring.as_ref())?;
    same_origin(app, req.headers())?;
    if !app.identity.login_attempts.allow(peer.ip()) {
        return Err(StatusCode::TOO_MANY_REQUESTS.into());
    }
    let headers = req.headers().clone();
    let form = parse_form(req).await?;
    let nonce = crate::cookies::read_cookie(&headers, crate::cookies::PRE_COOKIE)
        .ok_or_else(|| WebError::from(StatusCode::FORBIDDEN))?;
    if !sessions::csrf_valid(keyring, nonce.as_bytes(), field(&form, "csrf")).await {
        return Err(StatusCode::FORBIDDEN.into());
    }
    Ok(Anonymous {
        headers,
        form,
        nonce,
    })
}
