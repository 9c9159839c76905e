//! `/searches/save` and `/searches/delete`: whoever may read records keeps
//! a list's search under a name (shared, if it chooses, with one of its
//! access groups) and deletes its own. Both answer with the list again.

use http::{Request, StatusCode};

use crate::app::App;
use crate::guard::admit_form;
use crate::input::{bad_field, field, ReqBody};
use crate::respond::{problem_in, see_other, Reply, WebError};
use custodian_core::evidence::kind::Kind;
use custodian_core::evidence::query::ListQuery;
use custodian_core::evidence::saved_searches;
use custodian_core::policy::ReadBulletins;

/// Keeps the list's query (`query`, as the list page wrote it) under
/// `name`; the list it was saved from is shown again.
pub(crate) async fn save<B: ReqBody>(app: &App, req: Request<B>) -> Reply {
    let (s, form) = admit_form::<ReadBulletins, _>(app, req).await?;
    let kind = kind_named(field(&form, "kind"))?;
    // Read and checked as the list reads it, so only a search the list
    // can run is kept, in the list's own spelling.
    let query = ListQuery::from_params(kind, s.actor(), Some(field(&form, "query")))
        .map_err(|e| bad_field(e.field(), &crate::i18n::problem(&e.problem())))?;
    let shared = Some(field(&form, "shared_with")).filter(|g| !g.is_empty());
    let (name, by) = (field(&form, "name"), &s.session.username);
    saved_searches::save(&s.db, &s.permit, by, kind, name, &query, shared)
        .await
        .map_err(refused)?;
    Ok(see_other(format!(
        "{}?{}",
        kind.path(),
        query.url_params(None)
    )))
}

/// Deletes one of the account's own saved searches.
pub(crate) async fn delete<B: ReqBody>(app: &App, req: Request<B>) -> Reply {
    let (s, form) = admit_form::<ReadBulletins, _>(app, req).await?;
    let id = field(&form, "id").trim().parse::<i64>().unwrap_or(0);
    let kind = saved_searches::delete(&s.db, &s.permit, &s.session.username, id)
        .await
        .map_err(refused)?;
    Ok(see_other(kind.path().to_owned()))
}

fn kind_named(noun: &str) -> Result<Kind, WebError> {
    Kind::from_noun(noun).ok_or_else(|| WebError::from(StatusCode::BAD_REQUEST))
}

/// A refusal is the sender's to fix: a 400 that says what.
fn refused(r: custodian_core::error::Rejected) -> WebError {
    match problem_in(r) {
        Ok(why) => WebError::explained(StatusCode::BAD_REQUEST, why),
        Err(e) => e,
    }
}
