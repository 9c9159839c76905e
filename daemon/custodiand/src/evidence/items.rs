//! Evidence records of every [`Kind`] (bulletins, actors, incidents):
//! list (search, status filter, pages), view, create, edit, workflow steps
//! and revision history. No delete. The policy's bulletin actions
//! (`ReadBulletins`, …) govern all three kinds alike.

use serde_json::{json, Value};
use tokio_postgres::Row;

use super::act_as;
pub use super::kind::Kind;
use crate::db::Database;
use crate::identity::accounts::{audit, AccountError};
use crate::identity::notifications::{notify, notify_admins};
use crate::policy::workflow::{self, Item, Status, Step};
use crate::policy::{
    may_edit, may_regroup, may_restrict_to, ChangeWorkflow, CreateBulletin, EditBulletins,
    Permission, Permit, ReadBulletins, ReadHistory, Regroup,
};

pub const PAGE_SIZE: i64 = 25;

/// Why a change was refused, in words for the person asking.
#[derive(Debug, thiserror::Error)]
pub enum Refused {
    #[error("There is no such {}, or you may not see it.", .0.noun())]
    NotFound(Kind),
    /// Not allowed (403).
    #[error("{0}")]
    Policy(String),
    /// Allowed, but the request itself is wrong (400).
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Account(#[from] AccountError),
}

impl From<tokio_postgres::Error> for Refused {
    fn from(e: tokio_postgres::Error) -> Self {
        Self::Account(e.into())
    }
}

pub struct Listed {
    pub id: i64,
    pub title: String,
    pub status: Status,
    pub assignee: String,
    pub updated: String,
}

pub struct Query<'a> {
    pub text: &'a str,
    pub status: Option<Status>,
    pub page: i64,
}

/// `%` and `_` in what people type are literal, not patterns.
fn like_pattern(text: &str) -> String {
    let mut p = String::from("%");
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

/// One page of the records of `kind` the actor may see, and how many match.
pub async fn list(
    db: &Database,
    kind: Kind,
    permit: &Permit<ReadBulletins>,
    q: &Query<'_>,
) -> Result<(Vec<Listed>, i64), AccountError> {
    let actor = permit.actor();
    let mut c = db.client().await?;
    let tx = c.transaction().await?;
    act_as(&tx, actor).await?;
    let pattern = like_pattern(q.text.trim());
    let status = q.status.map(Status::as_str);
    let filter = "($1 = '%%' OR b.title ILIKE $1 OR b.description ILIKE $1) AND ($2::text IS NULL OR b.status = $2)";
    let total: i64 = tx
        .query_one(
            &format!("SELECT count(*) FROM {} b WHERE {filter}", kind.table()),
            &[&pattern, &status],
        )
        .await?
        .get(0);
    let rows = tx
        .query(
            &format!(
                "SELECT b.id, b.title, b.status, b.assigned_to, u.username, \
                 to_char(b.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') \
                 FROM {} b LEFT JOIN app_user u ON u.id = b.assigned_to \
                 WHERE {filter} ORDER BY b.updated_at DESC, b.id DESC LIMIT $3 OFFSET $4",
                kind.table()
            ),
            &[&pattern, &status, &PAGE_SIZE, &(q.page.max(0) * PAGE_SIZE)],
        )
        .await?;
    tx.commit().await?;
    Ok((
        rows.iter()
            .map(|r| Listed {
                id: r.get(0),
                title: r.get(1),
                status: Status::parse(r.get(2)).unwrap_or(Status::Unassigned),
                assignee: actor.shows_user(r.get(3), r.get(4)),
                updated: r.get(5),
            })
            .collect(),
        total,
    ))
}

pub struct Record {
    pub kind: Kind,
    pub id: i64,
    pub title: String,
    /// The kind's own fields (checked when stored).
    pub details: Value,
    /// Sanitised when stored.
    pub description_html: String,
    pub item: Item,
    pub assignee: String,
    pub reviewer_name: String,
    pub access_groups: Vec<String>,
    pub revision: i32,
    pub updated: String,
}

pub(super) fn item_of(r: &Row) -> Item {
    Item {
        status: Status::parse(r.get("status")).unwrap_or(Status::Unassigned),
        assigned_to: r.get("assigned_to"),
        reviewer: r.get("reviewer"),
    }
}

pub async fn get(
    db: &Database,
    kind: Kind,
    permit: &Permit<ReadBulletins>,
    id: i64,
) -> Result<Option<Record>, AccountError> {
    let actor = permit.actor();
    let mut c = db.client().await?;
    let tx = c.transaction().await?;
    act_as(&tx, actor).await?;
    let row = tx
        .query_opt(
            &format!(
                "SELECT b.id, b.title, b.description, b.details, b.status, b.assigned_to, b.reviewer, b.access_groups, \
                 b.revision, to_char(b.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI \"UTC\"') AS updated, \
                 a.username AS assignee_name, r.username AS reviewer_name \
                 FROM {} b LEFT JOIN app_user a ON a.id = b.assigned_to LEFT JOIN app_user r ON r.id = b.reviewer \
                 WHERE b.id = $1",
                kind.table()
            ),
            &[&id],
        )
        .await?;
    tx.commit().await?;
    Ok(row.map(|r| {
        let item = item_of(&r);
        Record {
            kind,
            id: r.get("id"),
            title: r.get("title"),
            details: r.get("details"),
            description_html: r.get("description"),
            assignee: actor.shows_user(item.assigned_to, r.get("assignee_name")),
            reviewer_name: actor.shows_user(item.reviewer, r.get("reviewer_name")),
            item,
            access_groups: r.get("access_groups"),
            revision: r.get("revision"),
            updated: r.get("updated"),
        }
    }))
}

/// The stored form of a change, for the revision history.
fn snapshot(
    title: &str,
    description: &str,
    details: &Value,
    item: Item,
    groups: &[String],
) -> Value {
    json!({
        "title": title,
        "description": description,
        "details": details,
        "status": item.status.as_str(),
        "assigned_to": item.assigned_to,
        "reviewer": item.reviewer,
        "access_groups": groups,
    })
}

pub struct Content<'a> {
    pub title: &'a str,
    pub description: &'a str,
    /// From [`Kind::details`], which checked it.
    pub details: Value,
    pub access_groups: Vec<String>,
}

fn checked<'a>(kind: Kind, c: &'a Content<'a>) -> Result<(String, String), Refused> {
    let title = super::sanitize::line(c.title, 300);
    if title.is_empty() {
        return Err(Refused::Policy(format!(
            "{} needs a {}.",
            kind.title(),
            kind.title_label().to_lowercase()
        )));
    }
    Ok((title, super::sanitize::rich_text(c.description)))
}

/// A group list as people read it.
fn groups_text(groups: &[String]) -> String {
    if groups.is_empty() {
        "everyone".to_owned()
    } else {
        groups.join(", ")
    }
}

pub async fn create(
    db: &Database,
    kind: Kind,
    permit: &Permit<CreateBulletin>,
    username: &str,
    content: &Content<'_>,
) -> Result<i64, Refused> {
    let actor = permit.actor();
    let (title, description) = checked(kind, content)?;
    if !may_restrict_to(actor, &content.access_groups) {
        return Err(Refused::Policy(format!(
            "You can restrict {} {} only to access groups you belong to.",
            if kind == Kind::Incident { "an" } else { "a" },
            kind.noun()
        )));
    }
    let mut c = db.client().await.map_err(AccountError::from)?;
    let tx = c.transaction().await?;
    act_as(&tx, actor).await?;
    let id: i64 = tx
        .query_one(
            &format!(
                "INSERT INTO {} (title, description, details, access_groups, created_by) VALUES ($1, $2, $3, $4, $5) RETURNING id",
                kind.table()
            ),
            &[&title, &description, &content.details, &content.access_groups, &actor.user_id],
        )
        .await?
        .get(0);
    let item = Item {
        status: Status::Unassigned,
        assigned_to: None,
        reviewer: None,
    };
    tx.execute(
        &format!(
            "INSERT INTO {} ({}, revision, editor, summary, snapshot) VALUES ($1, 1, $2, 'created', $3)",
            kind.revisions(),
            kind.item_column()
        ),
        &[&id, &actor.user_id, &snapshot(&title, &description, &content.details, item, &content.access_groups)],
    )
    .await?;
    audit(
        &*tx,
        username,
        &format!("{}.created", kind.noun()),
        &format!("{}/{id}", kind.noun()),
        json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Locks the record for a change; `NotFound` when the actor may not see it.
pub(super) async fn locked(
    tx: &tokio_postgres::Transaction<'_>,
    kind: Kind,
    id: i64,
) -> Result<Row, Refused> {
    tx.query_opt(
        &format!(
            "SELECT title, description, details, status, assigned_to, reviewer, access_groups, revision FROM {} WHERE id = $1 FOR UPDATE",
            kind.table()
        ),
        &[&id],
    )
    .await?
    .ok_or(Refused::NotFound(kind))
}

/// What a change writes: the record's fields after it.
struct Change<'a> {
    title: &'a str,
    description: &'a str,
    details: &'a Value,
    item: Item,
    groups: &'a [String],
    summary: &'a str,
}

async fn save(
    tx: &tokio_postgres::Transaction<'_>,
    kind: Kind,
    actor: &crate::policy::Actor,
    id: i64,
    revision: i32,
    c: &Change<'_>,
) -> Result<(), Refused> {
    let item = c.item;
    tx.execute(
        &format!(
            "UPDATE {} SET title = $2, description = $3, details = $4, status = $5, assigned_to = $6, reviewer = $7, \
             access_groups = $8, revision = $9, updated_at = now() WHERE id = $1",
            kind.table()
        ),
        &[&id, &c.title, &c.description, c.details, &item.status.as_str(), &item.assigned_to, &item.reviewer, &c.groups, &(revision + 1)],
    )
    .await?;
    tx.execute(
        &format!(
            "INSERT INTO {} ({}, revision, editor, summary, snapshot) VALUES ($1, $2, $3, $4, $5)",
            kind.revisions(),
            kind.item_column()
        ),
        &[
            &id,
            &(revision + 1),
            &actor.user_id,
            &c.summary,
            &snapshot(c.title, c.description, c.details, item, c.groups),
        ],
    )
    .await?;
    Ok(())
}

/// A revision that keeps the locked `row`'s content and records `summary`
/// with the workflow state `item`: a workflow step, or a link added (the
/// state unchanged), so that the history tells every change to a record.
pub(super) async fn note(
    tx: &tokio_postgres::Transaction<'_>,
    kind: Kind,
    actor: &crate::policy::Actor,
    (id, row): (i64, &Row),
    item: Item,
    summary: &str,
) -> Result<(), Refused> {
    let (title, description, details, groups): (String, String, Value, Vec<String>) = (
        row.get("title"),
        row.get("description"),
        row.get("details"),
        row.get("access_groups"),
    );
    let change = Change {
        title: &title,
        description: &description,
        details: &details,
        item,
        groups: &groups,
        summary,
    };
    save(tx, kind, actor, id, row.get("revision"), &change).await
}

pub async fn update(
    db: &Database,
    kind: Kind,
    permit: &Permit<EditBulletins>,
    username: &str,
    id: i64,
    content: &Content<'_>,
) -> Result<(), Refused> {
    let actor = permit.actor();
    let mut c = db.client().await.map_err(AccountError::from)?;
    let tx = c.transaction().await?;
    act_as(&tx, actor).await?;
    // Existence first: an item the actor cannot see is "not found",
    // whatever else is wrong with the request.
    let row = locked(&tx, kind, id).await?;
    let (title, description) = checked(kind, content)?;
    let item = item_of(&row);
    if !may_edit(actor, &item) {
        return Err(Refused::Policy(format!(
            "You cannot edit this {} now: it is not assigned to you, it is in review, or it is finalized.",
            kind.noun()
        )));
    }
    // Who may see the record is its own decision (the policy's
    // `ChangeAccessGroups`): the same groups in another order are no
    // change and keep the stored order; anything else must pass.
    let before: Vec<String> = row.get("access_groups");
    let regroup = may_regroup(actor, &before, &content.access_groups)
        .map_err(|e| Refused::Policy(e.to_owned()))?;
    let (groups, summary) = match regroup {
        Regroup::Unchanged => (before.clone(), "edited".to_owned()),
        Regroup::Changed => (
            content.access_groups.clone(),
            format!(
                "edited; access groups: {} -> {}",
                groups_text(&before),
                groups_text(&content.access_groups)
            ),
        ),
    };
    let change = Change {
        title: &title,
        description: &description,
        details: &content.details,
        item,
        groups: &groups,
        summary: &summary,
    };
    // PostgreSQL's UPDATE policy keeps the same rule (migration 0017).
    save(&tx, kind, actor, id, row.get("revision"), &change).await?;
    audit(
        &*tx,
        username,
        &format!("{}.updated", kind.noun()),
        &format!("{}/{id}", kind.noun()),
        json!({}),
    )
    .await?;
    if regroup == Regroup::Changed {
        let event = format!("{}.access_changed", kind.noun());
        audit(
            &*tx,
            username,
            &event,
            &format!("{}/{id}", kind.noun()),
            json!({"before": before, "after": groups}),
        )
        .await?;
        notify_admins(
            &*tx,
            &event,
            &format!(
                "Who may see {} {id} changed: {} -> {}. Its history tells who.",
                kind.noun(),
                groups_text(&before),
                groups_text(&groups)
            ),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Applies a workflow step; the new assignee or reviewer is notified.
pub async fn step(
    db: &Database,
    kind: Kind,
    permit: &Permit<ChangeWorkflow>,
    username: &str,
    id: i64,
    step: Step,
) -> Result<Status, Refused> {
    let actor = permit.actor();
    let mut c = db.client().await.map_err(AccountError::from)?;
    let tx = c.transaction().await?;
    act_as(&tx, actor).await?;
    let row = locked(&tx, kind, id).await?;
    let before = item_of(&row);
    // A named assignee or reviewer must be an active account that can
    // see the record and is not read-only: asked every time it is named.
    let named = step.named();
    let eligible = match named {
        Some(uid) => tx
            .query_opt(
                "SELECT 1 FROM app_user WHERE id = $1 AND state = 'active' AND role <> 'readonly' \
                 AND (role = 'admin' OR cardinality($2::text[]) = 0 OR $2::text[] && access_groups)",
                &[&uid, &row.get::<_, Vec<String>>("access_groups")],
            )
            .await?
            .is_some(),
        None => true,
    };
    // `next_checked` asks only about the account the step names, which is
    // the one just looked up.
    let after = workflow::next_checked(actor, before, step, |_| eligible)
        .map_err(|e| Refused::Policy(e.to_owned()))?;
    note(&tx, kind, actor, (id, &row), after, step.name()).await?;
    let event = format!("{}.workflow", kind.noun());
    audit(
        &*tx,
        username,
        &event,
        &format!("{}/{id}", kind.noun()),
        json!({"step": step.name(), "from": before.status.as_str(), "to": after.status.as_str()}),
    )
    .await?;
    let (title_word, noun) = (kind.title(), kind.noun());
    let told = match step {
        Step::Assign(to) if to != actor.user_id => {
            Some((to, format!("{title_word} {id} was assigned to you.")))
        }
        Step::Submit { reviewer } => Some((
            reviewer,
            format!("{title_word} {id} waits for your review."),
        )),
        Step::SendBack | Step::Accept => after.assigned_to.map(|a| {
            (
                a,
                format!(
                    "Your {noun} {id} came back from review: {}.",
                    after.status.label()
                ),
            )
        }),
        _ => None,
    };
    if let Some((to, message)) = told {
        notify(&*tx, to, &event, &message).await?;
    }
    tx.commit().await?;
    Ok(after.status)
}

pub struct Revision {
    pub revision: i32,
    pub editor: String,
    pub when: String,
    pub summary: String,
    /// Only with `view_full_history`.
    pub snapshot: Option<String>,
}

pub async fn history(
    db: &Database,
    kind: Kind,
    permit: &Permit<ReadHistory>,
    id: i64,
) -> Result<Option<Vec<Revision>>, AccountError> {
    let actor = permit.actor();
    let full = actor.has(Permission::ViewFullHistory);
    let mut c = db.client().await?;
    let tx = c.transaction().await?;
    act_as(&tx, actor).await?;
    if tx
        .query_opt(
            &format!("SELECT 1 FROM {} WHERE id = $1", kind.table()),
            &[&id],
        )
        .await?
        .is_none()
    {
        return Ok(None);
    }
    let rows = tx
        .query(
            &format!(
                "SELECT h.revision, h.editor, u.username, to_char(h.changed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS \"UTC\"'), \
                 h.summary, CASE WHEN $2 THEN h.snapshot::text END \
                 FROM {} h JOIN app_user u ON u.id = h.editor WHERE h.{} = $1 ORDER BY h.revision DESC",
                kind.revisions(),
                kind.item_column()
            ),
            &[&id, &full],
        )
        .await?;
    tx.commit().await?;
    Ok(Some(
        rows.iter()
            .map(|r| Revision {
                revision: r.get(0),
                editor: actor.shows_user(r.get(1), r.get(2)),
                when: r.get(3),
                summary: r.get(4),
                snapshot: r.get(5),
            })
            .collect(),
    ))
}

/// Accounts that may be named as assignee or reviewer (active, not
/// read-only), shown as the actor may see them.
pub async fn candidates(
    db: &Database,
    actor: &crate::policy::Actor,
) -> Result<Vec<(i64, String)>, AccountError> {
    let c = db.client().await?;
    let pg: &tokio_postgres::Client = &c;
    let rows = pg
        .query(
            "SELECT id, username FROM app_user WHERE state = 'active' AND role <> 'readonly' ORDER BY username",
            &[],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| (r.get(0), actor.shows_user(r.get(0), r.get(1))))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::like_pattern;

    #[test]
    fn wildcards_are_literal() {
        assert_eq!(like_pattern("50%_off\\"), "%50\\%\\_off\\\\%");
        assert_eq!(like_pattern(""), "%%");
    }
}
