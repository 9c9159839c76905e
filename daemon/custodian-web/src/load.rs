//! The HTTP side of overload (`custodian_core::load`): the one place where a 503's
//! cause becomes the page that names it, with `Retry-After`, is counted and
//! is logged; and `/admin/load`, where administrators see the pool, the
//! expensive requests and how many requests were turned away per minute.

use http::{header, HeaderValue, Request, Response, StatusCode};

use super::views;
use crate::app::App;
use crate::guard::admit;
use crate::respond::{html, Body, Reply, WebError};
use custodian_core::load::{Cause, Unavailable};
use custodian_core::policy::ViewLoad;

/// What the person at the browser is told. Every page but the last says
/// that they are still signed in: the one thing a 503 must never look
/// like is a sign-out.
fn message(cause: Cause, expensive_route: bool, per_account: usize) -> String {
    match cause {
        Cause::Overloaded => "The appliance is overloaded: too many requests are waiting for the database. \
             You are still signed in; try again in a few seconds."
            .into(),
        Cause::AccountBusy => format!(
            "You already have {per_account} lists, searches, exports or uploads running, as many as one account may. \
             They go on; wait for them to finish, then try again. You are still signed in."
        ),
        Cause::ExpensiveBusy => "The appliance is overloaded: it is already running as many lists, searches, exports \
             and uploads as it can. Record views and other pages still work. You are still signed in; \
             try again in a few seconds."
            .into(),
        Cause::StatementTimeout if expensive_route => "This list or search was too expensive: it took longer than the appliance allows \
             and was stopped. Narrow it (a more specific search term, a status filter) and try again."
            .into(),
        Cause::StatementTimeout => "The database took longer than the appliance allows to answer this request, so it \
             was stopped: the appliance is overloaded. You are still signed in; try again in a minute."
            .into(),
        Cause::DatabaseUnreachable => "The appliance cannot reach its database right now (it may be restarting). \
             You are still signed in; try again in a minute."
            .into(),
        Cause::Other => views::error_text(StatusCode::SERVICE_UNAVAILABLE).into(),
    }
}

/// The page for a marked 503: counted, logged (the first of its cause
/// each minute as a warning, with the error; the rest at debug, since the
/// minute's journal line gives their number), and shown with the words
/// for its cause and `Retry-After`.
pub(crate) fn answer(
    app: &App,
    marked: &Unavailable,
    expensive_route: bool,
    path: &str,
) -> Response<Body> {
    let cause = marked.cause;
    let first = app.load.count(cause);
    let at = marked.at.map(ToString::to_string).unwrap_or_default();
    let path = truncate(path);
    if first || cause == Cause::Other {
        tracing::warn!(target: "http", cause = cause.name(), %at, %path, error = %marked.detail, "503: request not completed");
    } else {
        tracing::debug!(target: "http", cause = cause.name(), %at, %path, error = %marked.detail, "503: request not completed");
    }
    let status = StatusCode::SERVICE_UNAVAILABLE;
    let text = message(cause, expensive_route, app.load.limits().per_account);
    let mut res = html(status, views::error_with(status, &text));
    res.headers_mut().insert(
        header::RETRY_AFTER,
        HeaderValue::from(cause.retry_after_secs()),
    );
    res
}

/// An expensive request turned away by its account's or the overall limit,
/// before it touched the database.
pub(super) fn turned_away(cause: Cause) -> WebError {
    WebError::Unavailable(Unavailable {
        cause,
        detail: "the expensive-request limit is reached".into(),
        at: None,
    })
}

fn truncate(path: &str) -> String {
    path.chars()
        .take(200)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

/// `/admin/load`: administrators (with a recent password, as every admin
/// page) see the database pool, the expensive requests running, and the
/// requests answered 503 per minute over the last hour, by cause. Only
/// memory is read: the page works while the database is overloaded.
pub(crate) async fn page(app: &App, req: &Request<impl Sized>) -> Reply {
    let s = admit::<ViewLoad, _>(app, req).await?;
    let session = &s.session;
    let load = &app.load;
    let mut rows = vec![("this minute so far".to_owned(), load.current_minute())];
    for m in load.history().iter().rev() {
        let when = m
            .ended
            .duration_since(std::time::UNIX_EPOCH)
            .ok()
            .and_then(|d| jiff::Timestamp::from_second(d.as_secs() as i64).ok())
            .map(|t| t.strftime("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_default();
        rows.push((when, m.counts));
    }
    rows.push(("since custodiand started".to_owned(), load.totals()));
    Ok(html(
        StatusCode::OK,
        views::admin::load(
            &views::viewer(session),
            &views::admin::LoadView {
                pool: load.pool(),
                limits: load.limits(),
                expensive_running: load.expensive_running(),
                rows,
            },
        ),
    ))
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
}
