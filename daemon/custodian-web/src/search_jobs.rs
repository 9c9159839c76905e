//! `/searches/job?id=N`: a background search of the reader's own (row-level
//! security: another's, or one past its 24 hours, is not found), its
//! status while it runs (the page reloads itself) and, once done, its
//! results read again under the reader's row-level security, a page of
//! them at a time.

use http::{Request, StatusCode};

use super::views;
use crate::app::App;
use crate::guard::admit;
use crate::input::query_param;
use crate::respond::{html, problem_in, unavailable_because, Reply, WebError};
use custodian_core::evidence::search_jobs;
use custodian_core::policy::ReadBulletins;

pub(crate) async fn job(app: &App, req: &Request<impl Sized>) -> Reply {
    let s = admit::<ReadBulletins, _>(app, req).await?;
    let id = query_param(req.uri().query(), "id")
        .parse::<i64>()
        .ok()
        .filter(|i| *i > 0)
        .ok_or_else(|| WebError::from(StatusCode::NOT_FOUND))?;
    let page = query_param(req.uri().query(), "page")
        .parse::<usize>()
        .ok()
        .filter(|p| (1..=1000).contains(p))
        .unwrap_or(1);
    let j = search_jobs::job(&s.db, &s.permit, id, page)
        .await
        .map_err(unavailable_because)?
        .ok_or_else(|| WebError::from(StatusCode::NOT_FOUND))?;
    Ok(html(
        StatusCode::OK,
        views::search_jobs::job(&views::viewer(&s.session), &j),
    ))
}

/// A background search that cannot start now: the sender waits or
/// narrows it (429, with the words that say which).
pub(crate) fn refused(r: custodian_core::error::Rejected) -> WebError {
    match problem_in(r) {
        Ok(why) => WebError::explained(StatusCode::TOO_MANY_REQUESTS, why),
        Err(e) => e,
    }
}
