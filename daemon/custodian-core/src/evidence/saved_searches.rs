//! Saved searches (issue 14): a list's search, filters and order kept
//! under a name by the account that made it, and shared, if it chooses,
//! with one of its access groups. Only the question is kept (the list's
//! query string as [`ListQuery::url_params`] writes it), never results:
//! opening one runs the list again, under row-level security, for
//! whoever opens it. Row-level security (migration 0035) also decides
//! which saved searches an account sees and may delete.

use serde_json::json;

use super::kind::Kind;
use super::query::ListQuery;
use crate::error::{CoreError, Rejected};
use crate::identity::accounts::audit;
use crate::policy::{Permit, ReadBulletins};
use crate::pool::Database;

/// The most an account keeps per kind: every one is shown on the list page.
pub const MAX_PER_KIND: i64 = 50;
/// The longest name, in characters.
pub const MAX_NAME: usize = 100;
/// The longest query kept (the tables' check): a list's query string may
/// be longer (eight values a filter, Arabic percent-encoded).
pub const MAX_QUERY: usize = 4000;

pub struct SavedSearch {
    pub id: i64,
    pub name: String,
    /// The list's query string, without the leading `?`.
    pub query: String,
    /// The access group it is shared with, if any.
    pub shared_with: Option<String>,
    /// Whether the reader made it (and may delete it).
    pub mine: bool,
}

/// The saved searches of `kind` the reader sees: its own first, then
/// those shared with its groups, each by name.
pub async fn list(
    db: &Database,
    permit: &Permit<ReadBulletins>,
    kind: Kind,
) -> Result<Vec<SavedSearch>, CoreError> {
    let mut c = db.client().await?;
    let tx = c.transaction().await?;
    super::act_as(&tx, permit.actor()).await?;
    let me = permit.actor().user_id;
    let rows = tx
        .query(
            "SELECT id, name, query, shared_with, owner = $2 FROM saved_search \
             WHERE kind = $1 ORDER BY owner <> $2, lower(name), id LIMIT 200",
            &[&kind.noun(), &me],
        )
        .await?;
    tx.commit().await?;
    Ok(rows
        .iter()
        .map(|r| SavedSearch {
            id: r.get(0),
            name: r.get(1),
            query: r.get(2),
            shared_with: r.get(3),
            mine: r.get(4),
        })
        .collect())
}

/// Keeps `query` under `name`, shared with `shared_with` (one of the
/// account's own groups) or with nobody. Returns its id.
pub async fn save(
    db: &Database,
    permit: &Permit<ReadBulletins>,
    by: &str,
    kind: Kind,
    name: &str,
    query: &ListQuery,
    shared_with: Option<&str>,
) -> Result<i64, Rejected> {
    let name = super::sanitize::line(name, MAX_NAME + 1);
    if name.is_empty() || name.chars().count() > MAX_NAME {
        return Err(Rejected::problem("saved-search-name").with("max", MAX_NAME));
    }
    let actor = permit.actor();
    if let Some(group) = shared_with {
        if !actor.groups.iter().any(|g| g == group) {
            return Err(Rejected::problem("saved-search-group").with("group", group.to_owned()));
        }
    }
    let asked = query.url_params(None);
    if asked.chars().count() > MAX_QUERY {
        return Err(Rejected::problem("search-query-too-long").with("max", MAX_QUERY));
    }
    let mut c = db.client().await?;
    let tx = c.transaction().await?;
    super::act_as(&tx, actor).await?;
    // One save at a time per account, so two at once cannot pass the
    // count below together.
    tx.execute(
        "SELECT pg_advisory_xact_lock(hashtext('saved_search'), $1::int)",
        &[&(actor.user_id as i32)],
    )
    .await?;
    let kept: i64 = tx
        .query_one(
            "SELECT count(*) FROM saved_search WHERE owner = $1 AND kind = $2",
            &[&actor.user_id, &kind.noun()],
        )
        .await?
        .get(0);
    if kept >= MAX_PER_KIND {
        return Err(Rejected::problem("saved-search-too-many").with("max", MAX_PER_KIND));
    }
    let added = tx
        .query_opt(
            "INSERT INTO saved_search (owner, kind, name, query, shared_with) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (owner, kind, name) DO NOTHING RETURNING id",
            &[&actor.user_id, &kind.noun(), &name, &asked, &shared_with],
        )
        .await?;
    let Some(row) = added else {
        return Err(Rejected::problem("saved-search-exists").with("name", name));
    };
    let id: i64 = row.get(0);
    audit(
        &*tx,
        by,
        "search.saved",
        &format!("saved_search/{id}"),
        json!({"kind": kind.noun(), "name": name, "query": asked, "shared_with": shared_with}),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Deletes one of the account's own saved searches; another's (even one
/// shared with it) is not found.
pub async fn delete(
    db: &Database,
    permit: &Permit<ReadBulletins>,
    by: &str,
    id: i64,
) -> Result<Kind, Rejected> {
    let mut c = db.client().await?;
    let tx = c.transaction().await?;
    super::act_as(&tx, permit.actor()).await?;
    let gone = tx
        .query_opt(
            "DELETE FROM saved_search WHERE id = $1 RETURNING kind, name",
            &[&id],
        )
        .await?;
    let Some(row) = gone else {
        return Err(Rejected::problem("saved-search-not-found"));
    };
    let (noun, name): (String, String) = (row.get(0), row.get(1));
    let kind = Kind::from_noun(&noun).unwrap_or(Kind::Bulletin);
    audit(
        &*tx,
        by,
        "search.deleted",
        &format!("saved_search/{id}"),
        json!({"kind": noun, "name": name}),
    )
    .await?;
    tx.commit().await?;
    Ok(kind)
}
