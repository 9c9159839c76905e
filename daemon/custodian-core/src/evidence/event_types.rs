//! The list of event types administrators keep: added with a name in
//! Arabic and in English (either may be empty, not both; migration 0033)
//! and a description, retired when no longer wanted, never deleted
//! (events keep the type they were recorded with).

use serde_json::json;

use super::bilingual::{name_columns, names_at, stored_name, Both};
use crate::error::{CoreError, Rejected};
use crate::identity::accounts::audit;
use crate::policy::{ManageEventTypes, Permit};
use crate::pool::Database;

pub struct EventType {
    pub id: i64,
    /// Its name in both languages.
    pub title: Both<String>,
    pub description: String,
    /// How many events have this type.
    pub used: i64,
    pub retired: bool,
}

pub async fn list(
    db: &Database,
    permit: &Permit<ManageEventTypes>,
) -> Result<Vec<EventType>, CoreError> {
    let mut c = db.client().await?;
    let tx = c.transaction().await?;
    // Events are counted as the administrator may see them (row-level
    // security applies to counts too).
    super::act_as(&tx, permit.actor()).await?;
    let rows = tx
        .query(
            &format!(
                "SELECT t.id, t.description, t.retired_at IS NOT NULL, \
                 (SELECT count(*) FROM record_event e WHERE e.event_type_id = t.id), {} \
                 FROM event_type t ORDER BY t.retired_at IS NOT NULL, lower(t.title)",
                name_columns("t")
            ),
            &[],
        )
        .await?;
    tx.commit().await?;
    Ok(rows
        .iter()
        .map(|r| EventType {
            id: r.get(0),
            description: r.get(1),
            retired: r.get(2),
            used: r.get(3),
            title: names_at(r, 4),
        })
        .collect())
}

/// Adds a type named `title` in each language (either may be empty, not
/// both); refused when the administrator must change something.
pub async fn add(
    db: &Database,
    _: &Permit<ManageEventTypes>,
    by: &str,
    title: Both<&str>,
    description: &str,
) -> Result<(), Rejected> {
    let names = title.map(|t| super::sanitize::line(t, 201));
    let description = super::sanitize::line(description, 2001);
    if names.arabic.chars().count() > 200 || names.english.chars().count() > 200 {
        return Err(Rejected::problem("event-type-title"));
    }
    let Some((lang, title, title_alt)) = stored_name(names.map(String::as_str)) else {
        return Err(Rejected::problem("event-type-title"));
    };
    if description.chars().count() > 2000 {
        return Err(Rejected::problem("event-type-description-too-long"));
    }
    let mut c = db.client().await?;
    let tx = c.transaction().await?;
    let added = tx
        .query_opt(
            "INSERT INTO event_type (title, title_lang, title_alt, description) \
             SELECT $1, $2, $3, $4 WHERE NOT EXISTS (SELECT 1 FROM event_type \
             WHERE lower(title) IN (lower($1), lower($3)) OR (title_alt <> '' AND lower(title_alt) IN (lower($1), lower($3)))) \
             ON CONFLICT DO NOTHING RETURNING id",
            &[&title, &lang.as_str(), &title_alt, &description],
        )
        .await?;
    let Some(row) = added else {
        return Err(Rejected::problem("event-type-exists").with("title", title.to_owned()));
    };
    let id: i64 = row.get(0);
    audit(
        &*tx,
        by,
        "event_type.added",
        &format!("event_type/{id}"),
        json!({"title": title, "title_alt": title_alt, "title_lang": lang.as_str()}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Retires a type: no longer offered for new events.
pub async fn retire(
    db: &Database,
    _: &Permit<ManageEventTypes>,
    by: &str,
    id: i64,
) -> Result<(), Rejected> {
    let mut c = db.client().await?;
    let tx = c.transaction().await?;
    let retired = tx
        .query_opt(
            "UPDATE event_type SET retired_at = now() WHERE id = $1 AND retired_at IS NULL RETURNING title",
            &[&id],
        )
        .await?;
    let Some(row) = retired else {
        return Err(Rejected::problem("event-type-not-found"));
    };
    let title: String = row.get(0);
    audit(
        &*tx,
        by,
        "event_type.retired",
        &format!("event_type/{id}"),
        json!({"title": title}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
