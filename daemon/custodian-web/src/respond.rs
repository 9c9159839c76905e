//! Every answer the handlers give is made here: a page, a redirect, the
//! error pages, and the 503 that carries its cause to the dispatcher
//! (`routes::handle`), which logs it once. This module uses nothing of the
//! handlers, so everything may use it.

use bytes::Bytes;
use http::{header, HeaderValue, Response, StatusCode};
use http_body_util::Full;

use crate::views;
use custodian_core::load::{Cause, Unavailable};

pub type Body = Full<Bytes>;

/// What a handler answers: its page, or the refusal it stopped at (a
/// redirect to sign in, a 403, a 503 marked with its cause). Both are
/// responses; `answer` makes them one.
pub(crate) type Reply = Result<Response<Body>, Response<Body>>;

/// A page (a maud template: escaped when it was built) as the response.
pub(crate) fn html(status: StatusCode, page: maud::Markup) -> Response<Body> {
    let mut res = Response::new(Full::new(Bytes::from(page.into_string())));
    *res.status_mut() = status;
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    res
}

/// A complete error response with the plain error page.
pub fn error(status: StatusCode) -> Response<Body> {
    let mut res = html(status, views::error(status));
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
pub(crate) fn unavailable() -> Response<Body> {
    marked(
        Cause::Other,
        "a backend this request needs is not available".into(),
        Some(std::panic::Location::caller()),
    )
}

/// A 503 caused by `cause` (a database, pool or Vault error). Which kind
/// of failure it is decides the page (overloaded, database unreachable,
/// statement timeout); the dispatcher logs the cause once and shows none
/// of its text. (Mostly passed to `map_err`, where a caller location would
/// name the standard library: the error and the path say where.)
pub(crate) fn unavailable_because<E: std::error::Error + 'static>(cause: E) -> Response<Body> {
    unavailable_for(&cause)
}

/// [`unavailable_because`] for an error the caller keeps.
pub(crate) fn unavailable_for(cause: &(dyn std::error::Error + 'static)) -> Response<Body> {
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
) -> Response<Body> {
    let mut res = error(StatusCode::SERVICE_UNAVAILABLE);
    res.extensions_mut()
        .insert(Unavailable { cause, detail, at });
    res
}

/// A 503 for a request that needs the media store of a custodiand
/// configured without `[storage]`: not a passing outage, so the page names
/// the setting instead of asking to try again.
#[track_caller]
pub(crate) fn no_media_store() -> Response<Body> {
    let at = std::panic::Location::caller();
    tracing::warn!(target: "http", at = %at, "503: this request needs the media store; add [storage] dir to the configuration");
    html(
        StatusCode::SERVICE_UNAVAILABLE,
        views::error_with(StatusCode::SERVICE_UNAVAILABLE, views::NO_MEDIA_STORE),
    )
}

/// The answer when a session could not be looked up. A statement timeout
/// here is no expensive search of the person's: the database is too
/// loaded to answer a small query in time.
pub(crate) fn lookup_failed(e: custodian_core::pool::DbError) -> Response<Body> {
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

/// A decision of the domain as a handler needs it: the person's problem to
/// show on the page (`Ok(Err(text))`), or the failure, as the 503 that
/// names its cause.
#[allow(clippy::result_large_err)] // the refusal is a response, as elsewhere in this layer
pub(crate) trait Decided<T> {
    fn decided(self) -> Result<Result<T, std::borrow::Cow<'static, str>>, Response<Body>>;
}

impl<T> Decided<T> for Result<T, custodian_core::error::Rejected> {
    fn decided(self) -> Result<Result<T, std::borrow::Cow<'static, str>>, Response<Body>> {
        use custodian_core::error::Rejected;
        match self {
            Ok(v) => Ok(Ok(v)),
            Err(Rejected::Problem(text)) => Ok(Err(text)),
            Err(Rejected::Failed(e)) => Err(unavailable_because(e)),
        }
    }
}
