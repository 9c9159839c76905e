//! The route table and request dispatch. Each route declares its methods,
//! its body limit and which of its methods are expensive; anything not
//! declared is refused before a handler runs, and an expensive request
//! runs only within the limits of [`custodian_core::load::Load`].

use crate::respond::{Reply, WebError};
// What custodiand answers with when a request outlives its time.
use crate::input::read_body;
pub use crate::respond::{error, Body};
use std::net::SocketAddr;

use bytes::Bytes;
use http::{header, HeaderValue, Method, Request, Response, StatusCode};
use http_body_util::{Full, Limited};

use super::body::Outgoing;
use super::{
    account, activity, auth, backups, event_types, evidence, exports, headers, imports, load,
    media, passkeys, permissions, pickers, preferences, record_imports, saved_searches,
    search_jobs, settings, updates,
};
use crate::app::App;
use crate::table::{allow, find, Handler, Route};
use custodian_core::identity::passkeys::Purpose;

const STYLESHEET: &str = include_str!("../assets/app.css");
const PASSKEY_SCRIPT: &str = include_str!("../assets/passkeys.js");
const ICON: &str = include_str!("../assets/icon.svg");
const ROBOTS: &str = "User-agent: *\nDisallow: /\n";
/// The only methods the appliance speaks.
const SERVED_METHODS: &str = "GET, HEAD, POST";

/// Answers one request. Never fails: every outcome is a response, and every
/// response passes through [`headers::apply`].
pub async fn handle<B>(req: Request<B>, peer: SocketAddr, app: &App) -> Response<Outgoing>
where
    B: hyper::body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let lang = crate::i18n::negotiate(
        req.headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
        app.language,
    );
    // Everything this request renders, its error page included, is in
    // the one language decided here.
    crate::i18n::scope(lang, handle_in_language(req, peer, app, method, path)).await
}

async fn handle_in_language<B>(
    req: Request<B>,
    peer: SocketAddr,
    app: &App,
    method: Method,
    path: String,
) -> Response<Outgoing>
where
    B: hyper::body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let token = crate::cookies::read_cookie(req.headers(), crate::cookies::COOKIE);
    let mut res = match dispatch(req, peer, app).await {
        Ok(res) => res,
        // The one place a refusal or failure becomes its response.
        Err(e) => {
            let expensive = find(&path).is_some_and(|r| r.expensive.contains(&method));
            let viewer = match e.is_page() {
                true => crate::guard::viewer_for_error(app, token.as_deref()).await,
                false => None,
            };
            e.answer(app, expensive, &path, viewer.as_ref())
                .map(Outgoing::from)
        }
    };
    if method == Method::HEAD {
        res = without_body(res);
    }
    headers::apply(res.headers_mut());
    let lang = crate::i18n::current();
    res.headers_mut().insert(
        header::CONTENT_LANGUAGE,
        HeaderValue::from_static(lang.tag()),
    );
    res.headers_mut()
        .append(header::VARY, HeaderValue::from_static("accept-language"));
    // Only the path is logged: query strings may carry tokens.
    tracing::info!(target: "access", %peer, %method, path = %truncate(&path, 200), status = res.status().as_u16());
    res
}

async fn dispatch<B>(
    req: Request<B>,
    peer: SocketAddr,
    app: &App,
) -> Result<Response<Outgoing>, WebError>
where
    B: hyper::body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let (route, req) = admit(req)?;
    // Held until the handler has answered (a streamed download's body
    // then needs no database connection). Turned away here, a request has
    // cost no database connection.
    let _place = if route.expensive.contains(req.method()) {
        let account = crate::cookies::read_cookie(req.headers(), crate::cookies::COOKIE)
            .map(|t| custodian_core::identity::tokens::stored_form(&t));
        app.load
            .enter(account)
            .await
            .map_err(crate::respond::turned_away)?
    } else {
        None
    };
    // Downloads stream their body; every other handler answers whole.
    match route.handler {
        Handler::MediaDownload => media::download(app, &req).await,
        Handler::ExportDownload => exports::download(app, &req).await,
        _ => answer(route, req, peer, app)
            .await
            .map(|res| res.map(Outgoing::from)),
    }
}

/// The checks every request passes before any handler runs: a method the
/// appliance speaks and its route allows, a declared body within the
/// route's limit; the body is then limited to it however it is read.
fn admit<B>(req: Request<B>) -> Result<(&'static Route, Request<Limited<B>>), WebError> {
    let route = find(req.uri().path());
    let method = req.method();
    if !matches!(*method, Method::GET | Method::HEAD | Method::POST) {
        return Err(WebError::MethodNotAllowed(
            route.map_or(SERVED_METHODS, |r| allow(r.methods)),
        ));
    }
    let Some(route) = route else {
        return Err(StatusCode::NOT_FOUND.into());
    };
    if !route.methods.contains(method) {
        return Err(WebError::MethodNotAllowed(allow(route.methods)));
    }
    // The route's body limit holds for every handler, however it reads:
    // a declared length over it is refused now, a longer stream when read.
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > route.body_limit as u64) {
        return Err(StatusCode::PAYLOAD_TOO_LARGE.into());
    }
    Ok((route, req.map(|body| Limited::new(body, route.body_limit))))
}

/// The handlers that answer with a whole body.
async fn answer<B>(
    route: &'static Route,
    req: Request<Limited<B>>,
    peer: SocketAddr,
    app: &App,
) -> Reply
where
    B: hyper::body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let method = req.method().clone();
    match route.handler {
        Handler::Home => auth::home(app, req.headers()).await,
        Handler::Robots => Ok(text(ROBOTS, "text/plain; charset=utf-8", "no-store")),
        Handler::Stylesheet => Ok(text(STYLESHEET, "text/css; charset=utf-8", "max-age=3600")),
        Handler::CspReport => {
            let body = read_body(req, route.body_limit).await?;
            csp_report(&body, peer, app).await
        }
        Handler::Login if method == Method::POST => auth::login(app, req, peer).await,
        Handler::Login => auth::login_form(app, req.headers()).await,
        Handler::Setup if method == Method::POST => auth::setup(app, req, peer).await,
        Handler::Setup => auth::setup_form(app, req.headers()).await,
        Handler::Recover if method == Method::POST => auth::recover(app, req, peer).await,
        Handler::Recover => auth::recover_form(app, req.headers()).await,
        Handler::Logout => auth::logout(app, req).await,
        Handler::Password if method == Method::POST => {
            account::change_password(app, req, peer).await
        }
        Handler::Password => account::password_form(app, &req).await,
        Handler::Reauth if method == Method::POST => account::reauth(app, req, peer).await,
        Handler::Reauth => account::reauth_form(app, &req).await,
        Handler::Accounts if method == Method::POST => account::create_account(app, req).await,
        Handler::Accounts => account::accounts_page(app, &req).await,
        Handler::AccountState => account::change_state(app, req).await,
        Handler::TotpLogin if method == Method::POST => account::totp_login(app, req, peer).await,
        Handler::TotpLogin => account::totp_login_form(app, req.headers()).await,
        Handler::TotpEnrol if method == Method::POST => account::totp_enrol(app, req).await,
        Handler::TotpEnrol => account::totp_enrol_form(app, &req).await,
        Handler::RecoveryCodes if method == Method::POST => {
            account::regenerate_recovery_codes(app, req).await
        }
        Handler::RecoveryCodes => account::recovery_codes_page(app, &req).await,
        Handler::OwnSessions if method == Method::POST => {
            account::end_session(app, req, account::Scope::Own).await
        }
        Handler::OwnSessions => account::sessions_page(app, &req, account::Scope::Own).await,
        Handler::AllSessions if method == Method::POST => {
            account::end_session(app, req, account::Scope::All).await
        }
        Handler::AllSessions => account::sessions_page(app, &req, account::Scope::All).await,
        Handler::PasskeyScript => Ok(text(
            PASSKEY_SCRIPT,
            "text/javascript; charset=utf-8",
            "max-age=3600",
        )),
        Handler::Icon => Ok(text(ICON, "image/svg+xml", "max-age=86400")),
        Handler::Passkeys if method == Method::POST => passkeys::remove(app, req).await,
        Handler::Passkeys => passkeys::page(app, &req).await,
        Handler::PasskeyRegisterBegin => passkeys::register_begin(app, req).await,
        Handler::PasskeyRegisterFinish => passkeys::register_finish(app, req).await,
        Handler::LoginPasskeyBegin => passkeys::assert_begin(app, req, peer, Purpose::Login).await,
        Handler::LoginPasskeyFinish => {
            passkeys::assert_finish(app, req, peer, Purpose::Login).await
        }
        Handler::ReauthPasskeyBegin => {
            passkeys::assert_begin(app, req, peer, Purpose::Reauth).await
        }
        Handler::ReauthPasskeyFinish => {
            passkeys::assert_finish(app, req, peer, Purpose::Reauth).await
        }
        Handler::Notifications if method == Method::POST => {
            account::mark_notifications_read(app, req).await
        }
        Handler::Notifications => account::notifications_page(app, &req).await,
        Handler::Preferences if method == Method::POST => preferences::save(app, req).await,
        Handler::Preferences => preferences::page(app, &req).await,
        Handler::Items(k) if method == Method::POST => evidence::create(app, req, k).await,
        Handler::Items(k) => evidence::list(app, &req, k).await,
        Handler::ItemNew(k) => evidence::new_form(app, &req, k).await,
        Handler::ItemView(k) => evidence::show(app, &req, k).await,
        Handler::ItemEdit(k) if method == Method::POST => evidence::edit(app, req, k).await,
        Handler::ItemEdit(k) => evidence::edit_form(app, &req, k).await,
        Handler::ItemWorkflow(k) => evidence::workflow(app, req, k).await,
        Handler::ItemHistory(k) => evidence::history(app, &req, k).await,
        Handler::MediaUpload => media::upload(app, req).await,
        // Streamed: `dispatch` never sends them here.
        Handler::MediaDownload | Handler::ExportDownload => {
            Err(StatusCode::INTERNAL_SERVER_ERROR.into())
        }
        Handler::Exports if method == Method::POST => exports::request(app, req).await,
        Handler::Exports => exports::page(app, &req).await,
        Handler::ExportDecide => exports::decide(app, req).await,
        Handler::Activity => activity::page(app, &req).await,
        Handler::Permissions if method == Method::POST => permissions::save(app, req).await,
        Handler::Permissions => permissions::page(app, &req).await,
        Handler::Settings if method == Method::POST => settings::save(app, req).await,
        Handler::Settings => settings::page(app, &req).await,
        Handler::EventTypes => event_types::handle(app, req).await,
        Handler::Updates if method == Method::POST => updates::act(app, req).await,
        Handler::Updates => updates::page(app, &req).await,
        Handler::Import if method == Method::POST => imports::upload(app, req).await,
        Handler::Import => imports::form(app, &req).await,
        Handler::ImportJob => imports::job(app, &req).await,
        Handler::ImportBulletins if method == Method::POST => {
            record_imports::upload(app, req).await
        }
        Handler::ImportBulletins => record_imports::form(app, &req).await,
        Handler::ImportBulletinsJob => record_imports::job(app, &req).await,
        Handler::Reference => imports::reference(app, &req).await,
        Handler::ItemBulk(k) => evidence::bulk(app, req, k).await,
        Handler::SaveSearch => saved_searches::save(app, req).await,
        Handler::DeleteSearch => saved_searches::delete(app, req).await,
        Handler::SearchJob => search_jobs::job(app, &req).await,
        Handler::ItemLinks(k) => evidence::links(app, req, k).await,
        Handler::Load => load::page(app, &req).await,
        Handler::Pickers => pickers::lookup(app, &req).await,
        Handler::Backups => backups::page(app, &req).await,
    }
}

/// HEAD gets the GET answer's headers, its length included, and no body:
/// HTTP/2 treats any DATA frame after a HEAD as a protocol error. A
/// handler that answers HEAD itself (media: no decryption) sets the
/// length the GET would have; it is kept.
fn without_body(res: Response<Outgoing>) -> Response<Outgoing> {
    use hyper::body::Body as _;
    let (mut parts, body) = res.into_parts();
    if parts.headers.contains_key(header::CONTENT_LENGTH) {
        return Response::from_parts(parts, Full::new(Bytes::new()).into());
    }
    if let Some(len) = body.size_hint().exact() {
        parts
            .headers
            .insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    }
    Response::from_parts(parts, Full::new(Bytes::new()).into())
}

/// Browsers report CSP violations here; an attempted injection shows up in
/// the journal (rate-limited per address so that it cannot be flooded),
/// never in the activity log. Only a few short, known fields are kept.
async fn csp_report(body: &[u8], peer: SocketAddr, app: &App) -> Reply {
    let value = serde_json::from_slice::<serde_json::Value>(body).map_err(WebError::malformed)?;
    let report = value.get("csp-report").unwrap_or(&value);
    let field = |k: &str| {
        report
            .get(k)
            .and_then(|v| v.as_str())
            .map(|s| truncate(s, 120))
            .unwrap_or_default()
    };
    if !app.csp_reports.allow(peer.ip()) {
        return Err(StatusCode::TOO_MANY_REQUESTS.into());
    }
    let (directive, blocked, document) = (
        field("violated-directive"),
        field("blocked-uri"),
        field("document-uri"),
    );
    // The journal only, counted per minute: an anonymous sender must not
    // be able to add rows to the permanent, hash-chained activity log, nor
    // choose their text, nor fill the journal.
    app.csp_tally
        .count(&directive, &blocked, &peer.ip().to_string(), &document);
    Ok(empty(StatusCode::NO_CONTENT))
}

fn truncate(s: &str, max: usize) -> String {
    s.chars()
        .take(max)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

fn text(body: &'static str, content_type: &'static str, cache: &'static str) -> Response<Body> {
    let mut res = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    res
}

fn empty(status: StatusCode) -> Response<Body> {
    let mut res = Response::new(Full::new(Bytes::new()));
    *res.status_mut() = status;
    res
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::{Access, ROUTES};
    use http_body_util::BodyExt;

    fn peer() -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], 1))
    }

    fn app() -> std::sync::Arc<App> {
        let identity = crate::app::Identity {
            policy: custodian_core::identity::password::Policy::builtin().expect("policy"),
            decoy: custodian_core::identity::accounts::Decoy(String::new()),
            login_attempts: crate::app::RateLimiter::new(10, std::time::Duration::from_secs(60)),
            public_origin: "https://localhost".into(),
            factors: Default::default(),
            about: Vec::new(),
            webauthn: None,
            vault: None,
        };
        let load = custodian_core::load::Load::new(custodian_core::load::Limits {
            expensive: 1,
            per_account: 1,
            wait: std::time::Duration::from_millis(10),
        });
        std::sync::Arc::new(App::new(None, None, 1000, identity, None, None, load))
    }

    async fn call_on(app: &App, method: &str, path: &str, cookie: Option<&str>) -> Response<Body> {
        let mut req = Request::builder().method(method).uri(path);
        if let Some(token) = cookie {
            req = req.header(
                header::COOKIE,
                format!("{}={token}", crate::cookies::COOKIE),
            );
        }
        let req = req.body(Full::new(Bytes::new())).expect("request");
        whole(handle(req, peer(), app).await)
    }

    /// A streamed body is not read in these tests.
    fn whole(res: Response<Outgoing>) -> Response<Body> {
        res.map(|b| match b {
            Outgoing::Whole(full) => full,
            Outgoing::Streamed { .. } => Full::new(Bytes::new()),
        })
    }

    async fn call(method: &str, path: &str, body: &'static str) -> Response<Body> {
        let req = Request::builder()
            .method(method)
            .uri(path)
            .body(Full::new(Bytes::from_static(body.as_bytes())))
            .expect("request");
        whole(handle(req, peer(), &app()).await)
    }

    async fn text(res: Response<Body>) -> String {
        let bytes = res.into_body().collect().await.expect("body").to_bytes();
        String::from_utf8_lossy(&bytes).into_owned()
    }

    /// Which routes are expensive is the route table's business; this
    /// pins the classification so that a change to it is a visible one.
    #[test]
    fn only_signing_out_skips_what_a_session_still_owes() {
        use custodian_core::policy::Action as _;
        let skipping: Vec<&str> = ROUTES
            .iter()
            .filter(|r| r.fulfils == crate::table::Obligation::Any)
            .map(|r| r.path)
            .collect();
        assert_eq!(skipping, ["/logout"]);
        let logout = ROUTES.iter().find(|r| r.path == "/logout").expect("route");
        assert_eq!(
            logout.access.action_for(&Method::POST),
            Some(custodian_core::policy::SignOut::INFO)
        );
    }

    #[test]
    fn lists_searches_exports_and_uploads_are_the_expensive_routes() {
        let expensive: Vec<String> = ROUTES
            .iter()
            .flat_map(|r| r.expensive.iter().map(move |m| format!("{m} {}", r.path)))
            .collect();
        assert_eq!(
            expensive,
            [
                "GET /bulletins",
                "HEAD /bulletins",
                "GET /actors",
                "HEAD /actors",
                "POST /actors/bulk",
                "GET /incidents",
                "HEAD /incidents",
                "POST /incidents/bulk",
                "POST /bulletins/media",
                "GET /media",
                "POST /exports",
                "GET /exports/download",
                "GET /admin/activity",
                "HEAD /admin/activity",
                "POST /admin/import",
                "POST /admin/import/bulletins",
                "POST /bulletins/bulk",
            ]
        );
        for r in ROUTES {
            assert!(
                r.expensive.iter().all(|m| r.methods.contains(m)),
                "{}: expensive methods must be served methods",
                r.path
            );
        }
    }

    /// The access map answers "who may call this URL" for every route: an
    /// action the policy knows, or why it is anonymous; one entry per
    /// path; a `page` that is a GET route of the table (or, where no
    /// step-up reads it, the route itself); and a step-up route comes
    /// back from `/reauth` to a page that asks for step-up itself, except
    /// the pinned form targets below, whose page (a list, the exports)
    /// is open to more people than the action: the guard asks again when
    /// the form is posted.
    #[test]
    fn every_route_names_a_known_action_or_why_it_is_anonymous() {
        const OPEN_PAGE_TARGETS: &[&str] = &[
            "/actors/bulk",
            "/incidents/bulk",
            "/exports/decide",
            "/exports/download",
            "/bulletins/bulk",
        ];
        let mut paths = std::collections::BTreeSet::new();
        let mut open_page_targets = Vec::new();
        for r in ROUTES {
            assert!(paths.insert(r.path), "{} is listed twice", r.path);
            let actions = match r.access {
                Access::Anonymous(why) => {
                    assert!(!why.trim().is_empty(), "{}: anonymous, but why?", r.path);
                    vec![]
                }
                Access::Action(a) => vec![a],
                Access::ReadPost(read, post) => vec![read, post],
            };
            for a in actions {
                assert!(
                    custodian_core::policy::ACTIONS.contains(&a),
                    "{}: {a:?} is no action of the policy",
                    r.path
                );
            }
            // A route that needs no step-up may name itself (the page is
            // then never read); any other page is a GET route.
            match find(r.page).filter(|p| p.methods.contains(&Method::GET)) {
                Some(page) if r.access.step_up() && !page.access.step_up() => {
                    open_page_targets.push(r.path);
                }
                Some(_) => {}
                None => assert!(
                    r.page == r.path && !r.access.step_up(),
                    "{}: its page {} is no GET route",
                    r.path,
                    r.page
                ),
            }
        }
        assert_eq!(open_page_targets, OPEN_PAGE_TARGETS);
    }

    #[tokio::test]
    async fn cheap_requests_are_served_while_expensive_ones_are_shed() {
        let app = app();
        let (mine, other) = ("a".repeat(43), "b".repeat(43));
        // One expensive request of this account is running (holding the
        // only place of all).
        let running = app
            .load
            .enter(Some(custodian_core::identity::tokens::stored_form(&mine)))
            .await
            .expect("place")
            .expect("a cookie takes a place");
        let own = call_on(&app, "GET", "/bulletins?q=x", Some(&mine)).await;
        assert_eq!(own.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(own.headers()[header::RETRY_AFTER], "5");
        assert!(own.headers().contains_key("content-security-policy"));
        assert!(text(own).await.contains("You already have 1 lists"));
        let others = call_on(&app, "GET", "/actors", Some(&other)).await;
        assert_eq!(others.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(others.headers()[header::RETRY_AFTER], "5");
        let page = text(others).await;
        assert!(
            page.contains("overloaded") && page.contains("Record views and other pages still work"),
            "{page}"
        );
        // Meanwhile the cheap ones go on: static files, the home page, and
        // a record view (which, with no database in this test, reaches its
        // handler and is answered for that reason, not for the load).
        for path in ["/static/app.css", "/", "/robots.txt"] {
            let r = call_on(&app, "GET", path, Some(&mine)).await;
            assert_eq!(r.status(), StatusCode::OK, "{path}");
        }
        let view = call_on(&app, "GET", "/bulletins/view?id=1", Some(&mine)).await;
        assert_eq!(view.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(view.headers()[header::RETRY_AFTER], "10", "not shed");
        // HEAD of a list is as expensive as its GET.
        let head = call_on(&app, "HEAD", "/incidents", Some(&other)).await;
        assert_eq!(head.headers()[header::RETRY_AFTER], "5");
        let totals = app.load.totals();
        assert_eq!(
            (totals[1], totals[2]),
            (1, 2),
            "one account-limit, two expensive-limit: {totals:?}"
        );
        // Once it ends, the account's next list passes the limits (and is
        // then answered for what it is: here, no database configured).
        drop(running);
        let after = call_on(&app, "GET", "/bulletins", Some(&mine)).await;
        assert_eq!(after.headers()[header::RETRY_AFTER], "10");
        assert!(!text(after).await.contains("already have"));
    }

    #[tokio::test]
    async fn unknown_methods_get_405_with_allow() {
        for m in ["PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "PROPFIND"] {
            let res = call(m, "/", "").await;
            assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED, "{m}");
            assert_eq!(res.headers()[header::ALLOW], "GET, HEAD", "{m}");
            let res = call(m, "/nowhere", "").await;
            assert_eq!(res.headers()[header::ALLOW], SERVED_METHODS, "{m}");
        }
        let res = call("POST", "/", "").await;
        assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
    }

    #[tokio::test]
    async fn body_limit_is_per_route() {
        let big: &'static str = Box::leak("x".repeat(8 * 1024 + 1).into_boxed_str());
        let res = call("POST", "/csp-report", big).await;
        assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
        let res = call(
            "POST",
            "/csp-report",
            r#"{"csp-report":{"violated-directive":"script-src"}}"#,
        )
        .await;
        assert_eq!(res.status(), StatusCode::NO_CONTENT);
    }

    #[tokio::test]
    async fn every_response_has_security_headers() {
        for (m, p) in [
            ("GET", "/"),
            ("GET", "/x"),
            ("PUT", "/"),
            ("POST", "/csp-report"),
        ] {
            let res = call(m, p, "not json").await;
            assert!(
                res.headers().contains_key("content-security-policy"),
                "{m} {p}"
            );
            assert!(
                res.headers().contains_key("strict-transport-security"),
                "{m} {p}"
            );
        }
    }
}
