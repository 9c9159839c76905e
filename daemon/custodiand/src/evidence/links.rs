//! What ties evidence together: typed relations between records of any
//! kind, labels/sources/locations attached to a record, and events (what
//! happened, where, when). They are added under the record's edit rules
//! and never deleted; PostgreSQL shows a link only when every record it
//! touches is visible to the acting account.

use serde_json::json;

use super::act_as;
use super::items::{item_of, locked, note, Kind, Refused};
use crate::db::Database;
use crate::identity::accounts::{audit, AccountError};
use crate::policy::{may_edit, Actor, EditBulletins, Permit, ReadBulletins};

/// (stored value, the words between the two records).
pub const RELATION_TYPES: &[(&str, &str)] = &[
    ("related", "is related to"),
    ("duplicate", "is a duplicate of"),
    ("same_event", "is the same event as"),
    ("appears_in", "appears in"),
    ("victim", "is a victim in"),
    ("witness", "is a witness of"),
    ("perpetrator", "is a perpetrator in"),
    ("member_of", "is a member of"),
    ("family", "is family of"),
    ("part_of", "is part of"),
];
pub const CERTAINTY: &[&str] = &["unverified", "probable", "confirmed"];

fn kind_of(word: &str) -> Option<Kind> {
    Kind::ALL.into_iter().find(|k| k.noun() == word)
}

pub struct Relation {
    /// The record at the other end.
    pub other: Kind,
    pub other_id: i64,
    pub other_title: String,
    /// Read from this record to the other ("victim in") or back.
    pub outgoing: bool,
    pub words: &'static str,
    pub certainty: String,
    pub comment: String,
    pub by: String,
    pub when: String,
}

pub struct Event {
    pub event_type: String,
    pub location: String,
    pub from: String,
    pub to: String,
    pub comment: String,
}

/// Everything linked to one record, as the actor may see it.
pub struct Links {
    pub relations: Vec<Relation>,
    /// ("label" | "source" | "location", title)
    pub references: Vec<(String, String)>,
    pub events: Vec<Event>,
}

pub async fn of(
    db: &Database,
    permit: &Permit<ReadBulletins>,
    kind: Kind,
    id: i64,
) -> Result<Links, AccountError> {
    let actor = permit.actor();
    let mut c = db.client().await?;
    let tx = c.transaction().await?;
    act_as(&tx, actor).await?;
    let rows = tx
        .query(
            "SELECT r.from_kind, r.from_id, r.to_kind, r.to_id, r.relation_type, r.certainty, r.comment, \
             r.created_by, u.username, to_char(r.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') \
             FROM relation r JOIN app_user u ON u.id = r.created_by \
             WHERE (r.from_kind = $1 AND r.from_id = $2) OR (r.to_kind = $1 AND r.to_id = $2) ORDER BY r.id",
            &[&kind.noun(), &id],
        )
        .await?;
    let mut relations = Vec::new();
    for r in rows {
        let (fk, fi, tk, ti): (String, i64, String, i64) = (r.get(0), r.get(1), r.get(2), r.get(3));
        let outgoing = fk == kind.noun() && fi == id;
        let (other, other_id) = if outgoing { (tk, ti) } else { (fk, fi) };
        let Some(other) = kind_of(&other) else {
            continue;
        };
        let title: String = tx
            .query_opt(
                &format!("SELECT title FROM {} WHERE id = $1", other.table()),
                &[&other_id],
            )
            .await?
            .map(|row| row.get(0))
            .unwrap_or_default();
        let stored: String = r.get(4);
        relations.push(Relation {
            other,
            other_id,
            other_title: title,
            outgoing,
            words: RELATION_TYPES
                .iter()
                .find(|(v, _)| *v == stored)
                .map_or("is related to", |(_, w)| *w),
            certainty: r.get(5),
            comment: r.get(6),
            by: actor.shows_user(r.get(7), r.get(8)),
            when: r.get(9),
        });
    }
    let references = tx
        .query(
            "SELECT CASE WHEN r.label_id IS NOT NULL THEN 'label' WHEN r.source_id IS NOT NULL THEN 'source' ELSE 'location' END, \
             coalesce(l.title, s.title, o.title) \
             FROM record_reference r LEFT JOIN label l ON l.id = r.label_id LEFT JOIN source s ON s.id = r.source_id \
             LEFT JOIN location o ON o.id = r.location_id WHERE r.kind = $1 AND r.record_id = $2 ORDER BY 1, 2",
            &[&kind.noun(), &id],
        )
        .await?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let events = tx
        .query(
            "SELECT t.title, coalesce(o.title, ''), coalesce(e.from_date::text, ''), coalesce(e.to_date::text, ''), e.comment \
             FROM record_event e JOIN event_type t ON t.id = e.event_type_id LEFT JOIN location o ON o.id = e.location_id \
             WHERE e.kind = $1 AND e.record_id = $2 ORDER BY e.from_date NULLS LAST, e.id",
            &[&kind.noun(), &id],
        )
        .await?
        .iter()
        .map(|r| Event {
            event_type: r.get(0),
            location: r.get(1),
            from: r.get(2),
            to: r.get(3),
            comment: r.get(4),
        })
        .collect();
    tx.commit().await?;
    Ok(Links {
        relations,
        references,
        events,
    })
}

/// Choices for the forms: labels, sources, locations, event types.
pub struct Choices {
    pub labels: Vec<(i64, String)>,
    pub sources: Vec<(i64, String)>,
    pub locations: Vec<(i64, String)>,
    pub event_types: Vec<(i64, String)>,
}

pub async fn choices(db: &Database) -> Result<Choices, AccountError> {
    let c = db.client().await?;
    let pg: &tokio_postgres::Client = &c;
    let mut lists = Vec::new();
    for table in ["label", "source", "location", "event_type"] {
        let rows = pg
            .query(
                &format!("SELECT id, title FROM {table} ORDER BY lower(title) LIMIT 2000"),
                &[],
            )
            .await?;
        lists.push(
            rows.iter()
                .map(|r| (r.get(0), r.get(1)))
                .collect::<Vec<_>>(),
        );
    }
    let event_types = lists.pop().unwrap_or_default();
    let locations = lists.pop().unwrap_or_default();
    let sources = lists.pop().unwrap_or_default();
    let labels = lists.pop().unwrap_or_default();
    Ok(Choices {
        labels,
        sources,
        locations,
        event_types,
    })
}

/// A link to add to a record.
pub enum NewLink<'a> {
    Relation {
        to: Kind,
        to_id: i64,
        relation_type: &'a str,
        certainty: &'a str,
        comment: &'a str,
    },
    /// "label" | "source" | "location" and its id.
    Reference { what: &'a str, ref_id: i64 },
    Event {
        event_type: i64,
        location: Option<i64>,
        from: &'a str,
        to: &'a str,
        comment: &'a str,
    },
}

/// `YYYY-MM-DD` or empty; PostgreSQL checks that the day exists.
fn date(text: &str) -> Result<Option<String>, Refused> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let shape = t.len() == 10
        && t.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    if shape {
        Ok(Some(t.to_owned()))
    } else {
        Err(Refused::Invalid("Write dates as YYYY-MM-DD.".into()))
    }
}

/// Adds a link to the record `kind`/`id`, which the actor must be allowed
/// to edit now; the other end of a relation must be visible to them.
pub async fn add(
    db: &Database,
    permit: &Permit<EditBulletins>,
    username: &str,
    kind: Kind,
    id: i64,
    link: &NewLink<'_>,
) -> Result<(), Refused> {
    let actor: &Actor = permit.actor();
    let mut c = db.client().await.map_err(AccountError::from)?;
    let tx = c.transaction().await?;
    act_as(&tx, actor).await?;
    let row = locked(&tx, kind, id).await?;
    if !may_edit(actor, &item_of(&row)) {
        return Err(Refused::Policy(format!(
            "You cannot change this {} now: it is not assigned to you, it is in review, or it is finalized.",
            kind.noun()
        )));
    }
    let (action, details, summary) = match link {
        NewLink::Relation {
            to,
            to_id,
            relation_type,
            certainty,
            comment,
        } => {
            if !RELATION_TYPES.iter().any(|(v, _)| v == relation_type)
                || !CERTAINTY.contains(certainty)
            {
                return Err(Refused::Invalid(
                    "Choose a relation and a certainty from the lists.".into(),
                ));
            }
            if *to == kind && *to_id == id {
                return Err(Refused::Invalid(
                    "A record cannot be related to itself.".into(),
                ));
            }
            let visible = tx
                .query_opt(
                    &format!("SELECT 1 FROM {} WHERE id = $1", to.table()),
                    &[to_id],
                )
                .await?
                .is_some();
            if !visible {
                return Err(Refused::NotFound(*to));
            }
            let comment = super::sanitize::line(comment, 1000);
            let added = tx
                .execute(
                    "INSERT INTO relation (from_kind, from_id, to_kind, to_id, relation_type, certainty, comment, created_by) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
                    &[&kind.noun(), &id, &to.noun(), to_id, relation_type, certainty, &comment, &actor.user_id],
                )
                .await?;
            if added == 0 {
                return Err(Refused::Invalid(
                    "That relation is recorded already.".into(),
                ));
            }
            (
                "related",
                json!({"to": format!("{}/{to_id}", to.noun()), "type": relation_type, "certainty": certainty}),
                format!("relation added: {relation_type} {} {to_id}", to.noun()),
            )
        }
        NewLink::Reference { what, ref_id } => {
            let column = match *what {
                "label" => "label_id",
                "source" => "source_id",
                "location" => "location_id",
                _ => {
                    return Err(Refused::Invalid(
                        "Choose a label, source or location.".into(),
                    ))
                }
            };
            let exists = tx
                .query_opt(&format!("SELECT 1 FROM {what} WHERE id = $1"), &[ref_id])
                .await?
                .is_some();
            if !exists {
                return Err(Refused::Invalid(format!("There is no such {what}.")));
            }
            let added = tx
                .execute(
                    &format!(
                        "INSERT INTO record_reference (kind, record_id, {column}, created_by) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING"
                    ),
                    &[&kind.noun(), &id, ref_id, &actor.user_id],
                )
                .await?;
            if added == 0 {
                return Err(Refused::Invalid(format!(
                    "That {what} is attached already."
                )));
            }
            (
                "attached",
                json!({"what": what, "id": ref_id}),
                format!("{what} {ref_id} attached"),
            )
        }
        NewLink::Event {
            event_type,
            location,
            from,
            to,
            comment,
        } => {
            let (from, to) = (date(from)?, date(to)?);
            let comment = super::sanitize::line(comment, 1000);
            let added = tx
                .execute(
                    "INSERT INTO record_event (kind, record_id, event_type_id, location_id, from_date, to_date, comment, created_by) \
                     SELECT $1, $2, t.id, $4, CAST($5::text AS date), CAST($6::text AS date), $7, $8 FROM event_type t \
                     WHERE t.id = $3 AND ($4::bigint IS NULL OR EXISTS (SELECT 1 FROM location WHERE id = $4))",
                    &[&kind.noun(), &id, event_type, location, &from, &to, &comment, &actor.user_id],
                )
                .await
                .map_err(|e| match e.code() {
                    Some(code) if code.code().starts_with("22") || code.code() == "23514" => {
                        Refused::Invalid("That date does not exist, or the event ends before it starts.".into())
                    }
                    _ => Refused::from(e),
                })?;
            if added == 0 {
                return Err(Refused::Invalid(
                    "Choose an event type and location from the lists.".into(),
                ));
            }
            (
                "event_added",
                json!({"event_type": event_type, "location": location}),
                format!("event of type {event_type} added"),
            )
        }
    };
    note(&tx, kind, actor, (id, &row), item_of(&row), &summary).await?;
    audit(
        &*tx,
        username,
        &format!("{}.{action}", kind.noun()),
        &format!("{}/{id}", kind.noun()),
        details,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::date;

    #[test]
    fn dates_must_have_the_iso_shape() {
        assert_eq!(
            date("2024-02-29").ok().flatten().as_deref(),
            Some("2024-02-29")
        );
        assert_eq!(date(" ").ok(), Some(None));
        for bad in [
            "2024-2-29",
            "29/02/2024",
            "2024-02-29T00",
            "yesterday",
            "2024_02_29",
        ] {
            assert!(date(bad).is_err(), "{bad}");
        }
    }
}
