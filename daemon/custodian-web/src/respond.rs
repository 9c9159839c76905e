//! Every answer the handlers give is made here: a page, a redirect, and
//! [`WebError`], the one type for a request that ends without its page.
//! Handlers, the guard and the input readers return it; the dispatcher
//! (`routes::handle`) turns it into its response with [`WebError::answer`],
//! the one place that does, and which logs the cause (a 503 is also
//! counted by cause for `/admin/load` and says `Retry-After`). This module uses
//! nothing of the handlers, so everything may use it.

use bytes::Bytes;
use http::{header, HeaderValue, Response, StatusCode};
use http_body_util::Full;

use crate::views;
use custodian_core::load::{Cause, Unavailable};

pub type Body = Full<Bytes>;

/// What a handler answers: its page, or why it stopped.
pub(crate) type Reply = Result<Response<Body>, WebError>;

/// Why a request ends without the page it asked for.
#[derive(Debug)]
pub(crate) enum WebError {
    /// The error page for `status`, with `why` (what to put right) when
    /// there are words for it, `Retry-After` when waiting helps, and the
    /// `cause` for the journal (never shown).
    Page {
        status: StatusCode,
        why: Option<std::borrow::Cow<'static, str>>,
        retry_after: Option<i64>,
        cause: Option<String>,
    },
    /// Somewhere the person must go first: sign in, change the password,
    /// enrol a second factor, confirm the password again.
    SeeOther(std::borrow::Cow<'static, str>),
    /// A method the route does not take; the `Allow` header lists these.
    MethodNotAllowed(&'static str),
    /// A backend failed or is not there: a 503 whose words follow the
    /// cause (overloaded, unreachable, too slow), counted and logged.
    Unavailable(Unavailable),
    /// A request for the media store of a custodiand without `[storage]`.
    NoMediaStore(&'static std::panic::Location<'static>),
    /// A byte range that starts past the end of a file of `size` bytes.
    RangeNotSatisfiable { size: u64 },
    /// A refusal on a JSON endpoint (the passkey ceremonies), as JSON.
    Json {
        status: StatusCode,
        message: std::borrow::Cow<'static, str>,
    },
}

impl From<StatusCode> for WebError {
    fn from(status: StatusCode) -> Self {
        Self::Page {
            status,
            why: None,
            retry_after: None,
            cause: None,
        }
    }
}

impl WebError {
    /// The error page for `status` with the words that say what to do
    /// (a refusal of the domain is translated here).
    pub(crate) fn explained(status: StatusCode, why: impl Into<Why>) -> Self {
        Self::Page {
            status,
            why: Some(why.into().0),
            retry_after: None,
            cause: None,
        }
    }

    /// 404 for a reference that names nothing (an id that is not a
    /// number): the parse error goes to the journal at debug.
    pub(crate) fn not_found(cause: impl std::fmt::Display) -> Self {
        Self::Page {
            status: StatusCode::NOT_FOUND,
            why: None,
            retry_after: None,
            cause: Some(cause.to_string()),
        }
    }

    /// 400 for a request no browser of ours sends (a broken multipart
    /// body, a form field that is not text); its cause for the journal.
    pub(crate) fn malformed(cause: impl std::fmt::Display) -> Self {
        Self::Page {
            status: StatusCode::BAD_REQUEST,
            why: None,
            retry_after: None,
            cause: Some(cause.to_string()),
        }
    }

    /// The status the answer will have.
    #[cfg(test)]
    pub(crate) fn status(&self) -> StatusCode {
        match self {
            Self::Page { status, .. } | Self::Json { status, .. } => *status,
            Self::SeeOther(_) => StatusCode::SEE_OTHER,
            Self::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            Self::Unavailable(_) | Self::NoMediaStore(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::RangeNotSatisfiable { .. } => StatusCode::RANGE_NOT_SATISFIABLE,
        }
    }

    pub(crate) fn with_retry_after(mut self, secs: i64) -> Self {
        if let Self::Page { retry_after, .. } = &mut self {
            *retry_after = Some(secs);
        }
        self
    }

    /// Whether the answer is an error page that a signed-in person should
    /// see in their own frame. Not a redirect or JSON, and not a 503 of the
    /// database's (looking the session up would ask the overloaded
    /// database once more).
    pub(crate) fn is_page(&self) -> bool {
        match self {
            Self::Page { status, .. } => !matches!(
                *status,
                StatusCode::SERVICE_UNAVAILABLE | StatusCode::TOO_MANY_REQUESTS
            ),
            Self::MethodNotAllowed(_)
            | Self::NoMediaStore(_)
            | Self::RangeNotSatisfiable { .. } => true,
            Self::SeeOther(_) | Self::Unavailable(_) | Self::Json { .. } => false,
        }
    }

    /// The response, made here and nowhere else; the cause is logged here.
    /// `expensive` (the route's method is an expensive one) and `path`
    /// choose the words of a 503 and go into its journal line; `viewer`,
    /// when the person who asked is signed in, the frame it is drawn in.
    pub(crate) fn answer(
        self,
        app: &crate::app::App,
        expensive: bool,
        path: &str,
        viewer: Option<&views::Viewer>,
    ) -> Response<Body> {
        match self {
            Self::Page {
                status,
                why,
                retry_after,
                cause,
            } => {
                if let Some(cause) = &cause {
                    tracing::debug!(target: "http", status = status.as_u16(), path = %clean(path), %cause, "request refused");
                }
                let mut res = match why {
                    Some(text) => html(status, views::error_with(status, &text, viewer)),
                    None => html(status, views::error(status, viewer)),
                };
                if let Some(secs) = retry_after {
                    res.headers_mut()
                        .insert(header::RETRY_AFTER, HeaderValue::from(secs));
                }
                res
            }
            Self::SeeOther(to) => see_other(to.into_owned()),
            Self::MethodNotAllowed(allow) => {
                let mut res = html(
                    StatusCode::METHOD_NOT_ALLOWED,
                    views::error(StatusCode::METHOD_NOT_ALLOWED, viewer),
                );
                res.headers_mut()
                    .insert(header::ALLOW, HeaderValue::from_static(allow));
                res
            }
            Self::Unavailable(marked) => outage(app, &marked, expensive, path),
            Self::NoMediaStore(at) => {
                tracing::warn!(target: "http", %at, path = %clean(path), "503: this request needs the media store; add [storage] dir to the configuration");
                html(
                    StatusCode::SERVICE_UNAVAILABLE,
                    views::error_with(
                        StatusCode::SERVICE_UNAVAILABLE,
                        &views::no_media_store(),
                        viewer,
                    ),
                )
            }
            Self::RangeNotSatisfiable { size } => {
                let mut res = error(StatusCode::RANGE_NOT_SATISFIABLE);
                if let Ok(v) = HeaderValue::from_str(&format!("bytes */{size}")) {
                    res.headers_mut().insert(header::CONTENT_RANGE, v);
                }
                res.headers_mut()
                    .insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
                res
            }
            Self::Json { status, message } => {
                json(status, &serde_json::json!({ "error": message }))
            }
        }
    }
}

/// The words of an error page: text made here, or a refusal of the
/// domain, translated into the request's language when the error is made.
pub(crate) struct Why(std::borrow::Cow<'static, str>);

impl From<&'static str> for Why {
    fn from(text: &'static str) -> Self {
        Self(text.into())
    }
}

impl From<String> for Why {
    fn from(text: String) -> Self {
        Self(text.into())
    }
}

impl From<std::borrow::Cow<'static, str>> for Why {
    fn from(text: std::borrow::Cow<'static, str>) -> Self {
        Self(text)
    }
}

impl From<custodian_core::error::Problem> for Why {
    fn from(p: custodian_core::error::Problem) -> Self {
        Self(crate::i18n::problem(&p).into())
    }
}

/// What the person at the browser is told. Every page but the last says
/// that they are still signed in: the one thing a 503 must never look
/// like is a sign-out.
fn message(cause: Cause, expensive_route: bool, per_account: usize) -> String {
    use crate::i18n::{t, t_with};
    match cause {
        Cause::Overloaded => t("outage-overloaded"),
        Cause::AccountBusy => t_with(
            "outage-account-busy",
            &[("count", (per_account as i64).into())],
        ),
        Cause::ExpensiveBusy => t("outage-expensive-busy"),
        Cause::StatementTimeout if expensive_route => t("outage-too-expensive"),
        Cause::StatementTimeout => t("outage-statement-timeout"),
        Cause::DatabaseUnreachable => t("outage-database-unreachable"),
        Cause::Other => views::error_text(StatusCode::SERVICE_UNAVAILABLE),
    }
}

/// The page of a 503 (of the overload issue's causes): counted, logged (the first of its cause
/// each minute as a warning, with the error; the rest at debug, since the
/// minute's journal line gives their number), and shown with the words
/// for its cause and `Retry-After`.
fn outage(
    app: &crate::app::App,
    marked: &Unavailable,
    expensive_route: bool,
    path: &str,
) -> Response<Body> {
    let cause = marked.cause;
    let first = app.load.count(cause);
    let at = marked.at.map(ToString::to_string).unwrap_or_default();
    let path = clean(path);
    if first || cause == Cause::Other {
        tracing::warn!(target: "http", cause = cause.name(), %at, %path, error = %marked.detail, "503: request not completed");
    } else {
        tracing::debug!(target: "http", cause = cause.name(), %at, %path, error = %marked.detail, "503: request not completed");
    }
    let status = StatusCode::SERVICE_UNAVAILABLE;
    let text = message(cause, expensive_route, app.load.limits().per_account);
    let mut res = html(status, views::error_with(status, &text, None));
    res.headers_mut().insert(
        header::RETRY_AFTER,
        HeaderValue::from(cause.retry_after_secs()),
    );
    res
}

/// An expensive request turned away by its account's or the overall limit,
/// before it touched the database.
pub(crate) fn turned_away(cause: Cause) -> WebError {
    WebError::Unavailable(Unavailable {
        cause,
        detail: "the expensive-request limit is reached".into(),
        at: None,
    })
}

/// A JSON answer (the passkey ceremonies).
pub(crate) fn json(status: StatusCode, value: &serde_json::Value) -> Response<Body> {
    let mut res = Response::new(Full::new(Bytes::from(value.to_string())));
    *res.status_mut() = status;
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    res
}

/// A path as it may go into the journal: bounded, no control characters.
pub(crate) fn clean(path: &str) -> String {
    path.chars()
        .take(200)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

/// A page (a maud template: escaped when it was built) as the response.
pub(crate) fn html(status: StatusCode, page: maud::Markup) -> Response<Body> {
    html_bytes(status, Bytes::from(page.into_string()))
}

/// A page made earlier from a template (kept because it never changes).
pub(crate) fn html_bytes(status: StatusCode, page: Bytes) -> Response<Body> {
    let mut res = Response::new(Full::new(page));
    *res.status_mut() = status;
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    res
}

/// A complete error response with the plain error page.
pub fn error(status: StatusCode) -> Response<Body> {
    let mut res = html(status, views::error(status, None));
    crate::headers::apply(res.headers_mut());
    res
}

pub(crate) fn redirect(to: &'static str) -> Response<Body> {
    let mut res = Response::new(http_body_util::Full::new(Bytes::new()));
    *res.status_mut() = StatusCode::SEE_OTHER;
    res.headers_mut()
        .insert(header::LOCATION, HeaderValue::from_static(to));
    res
}

/// A 503 for a backend this request needs that is not there (database,
/// Vault or keyring not configured or not ready). Marked with where it
/// was answered, so no 503 goes unexplained in the journal.
#[track_caller]
pub(crate) fn unavailable() -> WebError {
    marked(
        Cause::Other,
        "a backend this request needs is not available".into(),
        Some(std::panic::Location::caller()),
    )
}

/// A backend this request needs (the database, the keyring, Vault), or
/// the 503 marked with where it was needed: the one check of an optional
/// backend (a development appliance on a PEM pair has none of them).
#[track_caller]
pub(crate) fn needed<T>(backend: Option<&T>) -> Result<&T, WebError> {
    match backend {
        Some(b) => Ok(b),
        None => Err(unavailable()),
    }
}

/// A 503 caused by `cause` (a database, pool or Vault error). Which kind
/// of failure it is decides the page (overloaded, database unreachable,
/// statement timeout); the dispatcher logs the cause once and shows none
/// of its text. (Mostly passed to `map_err`, where a caller location would
/// name the standard library: the error and the path say where.)
pub(crate) fn unavailable_because<E: std::error::Error + 'static>(cause: E) -> WebError {
    unavailable_for(&cause)
}

/// [`unavailable_because`] for an error the caller keeps.
pub(crate) fn unavailable_for(cause: &(dyn std::error::Error + 'static)) -> WebError {
    marked(
        custodian_core::load::cause_of(cause),
        cause.to_string(),
        None,
    )
}

fn marked(
    cause: Cause,
    detail: String,
    at: Option<&'static std::panic::Location<'static>>,
) -> WebError {
    WebError::Unavailable(Unavailable { cause, detail, at })
}

/// A 503 for a request that needs the media store of a custodiand
/// configured without `[storage]`: not a passing outage, so the page names
/// the setting instead of asking to try again.
#[track_caller]
pub(crate) fn no_media_store() -> WebError {
    WebError::NoMediaStore(std::panic::Location::caller())
}

/// The answer when a session could not be looked up. A statement timeout
/// here is no expensive search of the person's: the database is too
/// loaded to answer a small query in time.
pub(crate) fn lookup_failed(e: custodian_core::pool::DbError) -> WebError {
    let cause = match custodian_core::load::cause_of(&e) {
        Cause::StatementTimeout => Cause::Overloaded,
        other => other,
    };
    marked(cause, format!("session lookup failed: {e}"), None)
}

pub(crate) fn see_other(to: String) -> Response<Body> {
    let mut res = Response::new(http_body_util::Full::new(Bytes::new()));
    *res.status_mut() = StatusCode::SEE_OTHER;
    if let Ok(v) = HeaderValue::from_str(&to) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    res
}

/// The person's problem in a refusal of the domain, in the request's
/// language, to show on the page that was sent; a failure instead is the
/// answer (the 503 that names its cause).
pub(crate) fn problem_in(
    r: custodian_core::error::Rejected,
) -> Result<std::borrow::Cow<'static, str>, WebError> {
    match r {
        custodian_core::error::Rejected::Problem(p) => Ok(crate::i18n::problem(&p).into()),
        custodian_core::error::Rejected::Failed(e) => Err(unavailable_because(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_overload_page_reads_like_a_sign_out_or_a_start() {
        for cause in Cause::ALL {
            for expensive in [false, true] {
                let text = message(cause, expensive, 2);
                // The daemon answers only once it has started (boot.rs);
                // a database that is restarting may be named.
                assert!(
                    !text
                        .split(|c: char| !c.is_alphabetic())
                        .any(|w| w == "starting"),
                    "{cause:?}: {text}"
                );
                if cause != Cause::Other && !(cause == Cause::StatementTimeout && expensive) {
                    assert!(text.contains("still signed in"), "{cause:?}: {text}");
                }
            }
        }
        assert!(message(Cause::StatementTimeout, true, 2).contains("Narrow it"));
        assert!(message(Cause::AccountBusy, true, 3).contains("3 lists"));
    }

    #[tokio::test]
    async fn overload_pages_say_the_same_in_arabic() {
        let still_signed_in = "ما زلت مسجّل الدخول";
        for cause in Cause::ALL {
            let text =
                crate::i18n::scope(
                    crate::i18n::Lang::Ar,
                    async move { message(cause, false, 2) },
                )
                .await;
            assert!(!text.contains("signed in"), "{cause:?}: {text}");
            if cause != Cause::Other {
                assert!(text.contains(still_signed_in), "{cause:?}: {text}");
            }
        }
    }
}
