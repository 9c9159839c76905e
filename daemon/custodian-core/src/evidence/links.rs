//! What ties evidence together: typed relations between records of any
//! kind, labels/sources/locations attached to a record, and events (what
//! happened, where, when). They are added under the record's edit rules
//! and never deleted: a wrong one is withdrawn, with a reason, and stays
//! on the page as withdrawn. PostgreSQL shows a link only when every
//! record it touches is visible to the acting account.

use std::time::SystemTime;

use serde_json::json;

use super::act_as;
use super::bilingual::{name_columns, names_at, Both};
use super::items::{item_of, locked, note, Kind, Refused};
use super::summary::Summary;
use crate::error::{CoreError, Problem};
use crate::identity::accounts::audit;
use crate::policy::{
    may_edit, may_link_to, Action, Actor, EditBulletins, EditLocations, Permit, Shown,
};
use crate::pool::Database;

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
    Kind::from_noun(word)
}

/// Who withdrew a link, when and why.
pub struct Withdrawal {
    pub by: Shown,
    pub when: SystemTime,
    pub reason: String,
}

/// The columns `withdrawal` reads, for a link table aliased `x`: who
/// withdrew it, when and why. The name is a sub-select, not a join: a
/// prepared statement's generic plan would hash the whole account table
/// for a join on every page.
const WITHDRAWAL_COLUMNS: &str = "x.withdrawn_by, (SELECT w.username FROM app_user w WHERE w.id = x.withdrawn_by), x.withdrawn_at, x.withdrawn_reason";

fn withdrawal(actor: &Actor, r: &tokio_postgres::Row, at: usize) -> Option<Withdrawal> {
    let by: Option<i64> = r.get(at);
    let name: Option<String> = r.get(at + 1);
    by.map(|by| Withdrawal {
        by: actor.shows_user(Some(by), name.as_deref()),
        when: r.get(at + 2),
        reason: r.get(at + 3),
    })
}

pub struct Relation {
    pub id: i64,
    /// The record at the other end.
    pub other: Kind,
    pub other_id: i64,
    pub other_title: String,
    /// Read from this record to the other ("victim in") or back.
    pub outgoing: bool,
    pub words: &'static str,
    pub certainty: String,
    pub comment: String,
    pub by: Shown,
    pub when: SystemTime,
    pub withdrawn: Option<Withdrawal>,
}

pub struct Reference {
    pub id: i64,
    /// "label" | "source" | "location"
    pub what: String,
    /// Its name in both languages (migration 0033).
    pub title: Both<String>,
    pub withdrawn: Option<Withdrawal>,
}

pub struct Event {
    pub id: i64,
    /// The type's name and the location's in both languages (empty when
    /// the event has no location).
    pub event_type: Both<String>,
    pub location: Both<String>,
    pub from: String,
    pub to: String,
    pub comment: String,
    pub withdrawn: Option<Withdrawal>,
}

/// Everything linked to one record, as the actor may see it.
pub struct Links {
    pub relations: Vec<Relation>,
    pub references: Vec<Reference>,
    pub events: Vec<Event>,
}

/// Everything linked to record `id`, in a transaction that already names
/// the actor: relations (with their other ends' titles), references and
/// events, the three read together (pipelined).
pub(crate) async fn of_in(
    tx: &deadpool_postgres::Transaction<'_>,
    actor: &Actor,
    kind: Kind,
    id: i64,
) -> Result<Links, CoreError> {
    let (relations, references, events) = futures_util::future::try_join3(
        relations_in(tx, actor, kind, id),
        references_in(tx, actor, kind, id),
        events_in(tx, actor, kind, id),
    )
    .await?;
    Ok(Links {
        relations,
        references,
        events,
    })
}

async fn relations_in(
    tx: &deadpool_postgres::Transaction<'_>,
    actor: &Actor,
    kind: Kind,
    id: i64,
) -> Result<Vec<Relation>, CoreError> {
    // The other end's title comes in the same statement, joined under the
    // record tables' own row-level security (a relation is visible only
    // when both its ends are, so the join always finds the title).
    let rows = super::rows(
        tx,
        &format!(
            "SELECT x.outgoing, x.other_kind, x.other_id, x.relation_type, x.certainty, x.comment, \
             x.created_by, (SELECT u.username FROM app_user u WHERE u.id = x.created_by), x.created_at, x.id, \
             coalesce(ob.title, oa.title, oi.title, ''), \
             {WITHDRAWAL_COLUMNS} \
             FROM (SELECT r.*, o.outgoing, \
                          CASE WHEN o.outgoing THEN r.to_kind ELSE r.from_kind END AS other_kind, \
                          CASE WHEN o.outgoing THEN r.to_id ELSE r.from_id END AS other_id \
                   FROM relation r, LATERAL (SELECT r.from_kind = $1 AND r.from_id = $2 AS outgoing) o \
                   WHERE (r.from_kind = $1 AND r.from_id = $2) OR (r.to_kind = $1 AND r.to_id = $2)) x \
             LEFT JOIN bulletin ob ON x.other_kind = 'bulletin' AND ob.id = x.other_id \
             LEFT JOIN actor oa ON x.other_kind = 'actor' AND oa.id = x.other_id \
             LEFT JOIN incident oi ON x.other_kind = 'incident' AND oi.id = x.other_id \
             ORDER BY x.id"
        ),
        &[&kind.noun(), &id],
    )
    .await?;
    Ok(rows
        .iter()
        .filter_map(|r| {
            let other = kind_of(r.get(1))?;
            let stored: String = r.get(3);
            Some(Relation {
                id: r.get(9),
                other,
                other_id: r.get(2),
                other_title: r.get(10),
                outgoing: r.get(0),
                words: RELATION_TYPES
                    .iter()
                    .find(|(v, _)| *v == stored)
                    .map_or("is related to", |(_, w)| *w),
                certainty: r.get(4),
                comment: r.get(5),
                by: actor.shows_user(r.get(6), r.get(7)),
                when: r.get(8),
                withdrawn: withdrawal(actor, r, 11),
            })
        })
        .collect())
}

async fn references_in(
    tx: &deadpool_postgres::Transaction<'_>,
    actor: &Actor,
    kind: Kind,
    id: i64,
) -> Result<Vec<Reference>, CoreError> {
    let rows = super::rows(
        tx,
        &format!(
            "SELECT CASE WHEN x.label_id IS NOT NULL THEN 'label' WHEN x.source_id IS NOT NULL THEN 'source' ELSE 'location' END, \
             coalesce(l.title_lang, s.title_lang, o.title_lang), coalesce(l.title, s.title, o.title), \
             coalesce(l.title_alt, s.title_alt, o.title_alt), x.id, {WITHDRAWAL_COLUMNS} \
             FROM record_reference x LEFT JOIN label l ON l.id = x.label_id LEFT JOIN source s ON s.id = x.source_id \
             LEFT JOIN location o ON o.id = x.location_id \
             WHERE x.kind = $1 AND x.record_id = $2 ORDER BY 1, 3, x.id"
        ),
        &[&kind.noun(), &id],
    )
    .await?;
    Ok(rows
        .iter()
        .map(|r| Reference {
            what: r.get(0),
            title: names_at(r, 1),
            id: r.get(4),
            withdrawn: withdrawal(actor, r, 5),
        })
        .collect())
}

async fn events_in(
    tx: &deadpool_postgres::Transaction<'_>,
    actor: &Actor,
    kind: Kind,
    id: i64,
) -> Result<Vec<Event>, CoreError> {
    let rows = super::rows(
        tx,
        &format!(
            "SELECT {type_names}, {location_names}, coalesce(x.from_date::text, ''), coalesce(x.to_date::text, ''), x.comment, \
             x.id, {WITHDRAWAL_COLUMNS} \
             FROM record_event x JOIN event_type t ON t.id = x.event_type_id LEFT JOIN location o ON o.id = x.location_id \
             WHERE x.kind = $1 AND x.record_id = $2 ORDER BY x.from_date NULLS LAST, x.id",
            type_names = name_columns("t"),
            location_names = name_columns("o"),
        ),
        &[&kind.noun(), &id],
    )
    .await?;
    Ok(rows
        .iter()
        .map(|r| Event {
            event_type: names_at(r, 0),
            location: names_at(r, 3),
            from: r.get(6),
            to: r.get(7),
            comment: r.get(8),
            id: r.get(9),
            withdrawn: withdrawal(actor, r, 10),
        })
        .collect())
}

/// Choices for the forms: labels, sources, locations, event types, each
/// named in both languages.
pub struct Choices {
    pub labels: Vec<(i64, Both<String>)>,
    pub sources: Vec<(i64, Both<String>)>,
    pub locations: Vec<(i64, Both<String>)>,
    pub event_types: Vec<(i64, Both<String>)>,
}

pub async fn choices(db: &Database) -> Result<Choices, CoreError> {
    let mut c = db.client().await?;
    let tx = c.transaction().await?;
    let all = choices_in(&tx, 2000).await?;
    tx.commit().await?;
    Ok(all)
}

/// Up to `limit` labels, sources and locations and the event types in
/// use (a short list), read together. The record page asks for
/// [`super::pickers::PICKER_LIMIT`]: the pickers,
/// [`super::pickers::references`], find the others as people type.
pub(crate) async fn choices_in(
    tx: &deadpool_postgres::Transaction<'_>,
    limit: i64,
) -> Result<Choices, CoreError> {
    let list = |table: &'static str, offered: &'static str, limit: i64| async move {
        let sql = format!(
            "SELECT id, {} FROM {table} WHERE {offered} ORDER BY lower(title) LIMIT {limit}",
            name_columns(table),
        );
        Ok::<_, CoreError>(
            super::rows(tx, &sql, &[])
                .await?
                .iter()
                .map(|r| (r.get(0), names_at(r, 1)))
                .collect::<Vec<_>>(),
        )
    };
    let (labels, sources, locations, event_types) = futures_util::future::try_join4(
        list("label", "true", limit),
        list("source", "true", limit),
        list("location", "true", limit),
        list("event_type", "retired_at IS NULL", 2000),
    )
    .await?;
    Ok(Choices {
        labels,
        sources,
        locations,
        event_types,
    })
}

/// The three kinds of link, as forms and the activity log name them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkTable {
    Relation,
    Reference,
    Event,
}

impl LinkTable {
    pub fn word(self) -> &'static str {
        match self {
            Self::Relation => "relation",
            Self::Reference => "reference",
            Self::Event => "event",
        }
    }

    pub fn parse(word: &str) -> Option<Self> {
        [Self::Relation, Self::Reference, Self::Event]
            .into_iter()
            .find(|t| t.word() == word)
    }

    fn table(self) -> &'static str {
        match self {
            Self::Relation => "relation",
            Self::Reference => "record_reference",
            Self::Event => "record_event",
        }
    }

    /// SQL that holds when the link is on the record whose kind and id are
    /// the statement's parameters `$kind` and `$id`.
    fn on_record(self, kind: u8, id: u8) -> String {
        match self {
            Self::Relation => format!(
                "((from_kind = ${kind} AND from_id = ${id}) OR (to_kind = ${kind} AND to_id = ${id}))"
            ),
            Self::Reference | Self::Event => format!("kind = ${kind} AND record_id = ${id}"),
        }
    }
}

/// A change to a record's links: one added, or a wrong one withdrawn.
pub enum LinkChange<'a> {
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
    Withdraw {
        table: LinkTable,
        link_id: i64,
        reason: &'a str,
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
        Err(Refused::Invalid(Problem::new("link-date-format")))
    }
}

fn no_locations() -> Refused {
    Refused::Policy(Problem::new("link-locations-permission"))
}

/// The other end of a relation, locked, or why it may not change: a
/// finalized record gains and loses no relations, from either end.
async fn other_end(
    tx: &tokio_postgres::Transaction<'_>,
    other: Kind,
    other_id: i64,
) -> Result<tokio_postgres::Row, Refused> {
    let row = locked(tx, other, other_id).await?;
    if !may_link_to(&item_of(&row)) {
        return Err(Refused::Policy(
            Problem::new("link-other-finalized")
                .with("kind", other.noun())
                .with("id", other_id),
        ));
    }
    Ok(row)
}

/// Changes the links of the record `kind`/`id`, which the actor must be
/// allowed to edit now; the other end of a relation must be visible to
/// them and not finalized, and the change is in both records' histories.
/// Locations need `can_edit_locations` as well.
pub async fn change(
    db: &Database,
    permit: &Permit<EditBulletins>,
    username: &str,
    kind: Kind,
    id: i64,
    link: &LinkChange<'_>,
) -> Result<(), Refused> {
    let actor: &Actor = permit.actor();
    let mut c = db.client().await.map_err(CoreError::from)?;
    let tx = c.transaction().await?;
    act_as(&tx, actor).await?;
    let row = locked(&tx, kind, id).await?;
    if !may_edit(actor, &item_of(&row)) {
        return Err(Refused::Policy(
            Problem::new("link-edit-not-now").with("kind", kind.noun()),
        ));
    }
    let (action, details, summary) = match link {
        LinkChange::Relation {
            to,
            to_id,
            relation_type,
            certainty,
            comment,
        } => {
            if !RELATION_TYPES.iter().any(|(v, _)| v == relation_type)
                || !CERTAINTY.contains(certainty)
            {
                return Err(Refused::Invalid(Problem::new("link-relation-choose")));
            }
            if *to == kind && *to_id == id {
                return Err(Refused::Invalid(Problem::new("link-relation-self")));
            }
            let other_row = other_end(&tx, *to, *to_id).await?;
            let comment = super::sanitize::line(comment, 1000);
            let added = tx
                .execute(
                    "INSERT INTO relation (from_kind, from_id, to_kind, to_id, relation_type, certainty, comment, created_by) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
                    &[&kind.noun(), &id, &to.noun(), to_id, relation_type, certainty, &comment, &actor.user_id],
                )
                .await?;
            if added == 0 {
                return Err(Refused::Invalid(Problem::new("link-relation-exists")));
            }
            let back = Summary::new("history-relation-added-back")
                .with("kind", kind.noun())
                .with("id", id)
                .with("relation", relation_type.to_string());
            note(
                &tx,
                *to,
                actor,
                (*to_id, &other_row),
                item_of(&other_row),
                &back,
            )
            .await?;
            (
                "related",
                json!({"to": format!("{}/{to_id}", to.noun()), "type": relation_type, "certainty": certainty}),
                Summary::new("history-relation-added")
                    .with("relation", relation_type.to_string())
                    .with("kind", to.noun())
                    .with("id", *to_id),
            )
        }
        LinkChange::Reference { what, ref_id } => {
            if *what == "location" && !EditLocations::allowed(actor) {
                return Err(no_locations());
            }
            let column = match *what {
                "label" => "label_id",
                "source" => "source_id",
                "location" => "location_id",
                _ => return Err(Refused::Invalid(Problem::new("link-reference-choose"))),
            };
            let exists = tx
                .query_opt(&format!("SELECT 1 FROM {what} WHERE id = $1"), &[ref_id])
                .await?
                .is_some();
            if !exists {
                return Err(Refused::Invalid(
                    Problem::new("link-reference-not-found").with("what", what.to_string()),
                ));
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
                return Err(Refused::Invalid(
                    Problem::new("link-reference-attached").with("what", what.to_string()),
                ));
            }
            (
                "attached",
                json!({"what": what, "id": ref_id}),
                Summary::new("history-attached")
                    .with("what", what.to_string())
                    .with("id", *ref_id),
            )
        }
        LinkChange::Event {
            event_type,
            location,
            from,
            to,
            comment,
        } => {
            if location.is_some() && !EditLocations::allowed(actor) {
                return Err(no_locations());
            }
            let (from, to) = (date(from)?, date(to)?);
            let comment = super::sanitize::line(comment, 1000);
            let added = tx
                .execute(
                    "INSERT INTO record_event (kind, record_id, event_type_id, location_id, from_date, to_date, comment, created_by) \
                     SELECT $1, $2, t.id, $4, CAST($5::text AS date), CAST($6::text AS date), $7, $8 FROM event_type t \
                     WHERE t.id = $3 AND t.retired_at IS NULL AND ($4::bigint IS NULL OR EXISTS (SELECT 1 FROM location WHERE id = $4))",
                    &[&kind.noun(), &id, event_type, location, &from, &to, &comment, &actor.user_id],
                )
                .await
                .map_err(|e| match e.code() {
                    Some(code) if code.code().starts_with("22") || code.code() == "23514" => {
                        Refused::Invalid(Problem::new("link-event-dates"))
                    }
                    _ => Refused::from(e),
                })?;
            if added == 0 {
                return Err(Refused::Invalid(Problem::new("link-event-choose")));
            }
            (
                "event_added",
                json!({"event_type": event_type, "location": location}),
                Summary::new("history-event-added").with("id", *event_type),
            )
        }
        LinkChange::Withdraw {
            table,
            link_id,
            reason,
        } => {
            let reason = super::sanitize::line(reason, 1000);
            if reason.is_empty() {
                return Err(Refused::Invalid(Problem::new("link-withdraw-reason")));
            }
            // What the link touches besides this record: the other end of
            // a relation (which must not be finalized), or a location.
            let touches = tx
                .query_opt(
                    &format!(
                        "SELECT {} FROM {} WHERE id = $1 AND withdrawn_at IS NULL AND {}",
                        match table {
                            LinkTable::Relation => "CASE WHEN from_kind = $2 AND from_id = $3 THEN to_kind ELSE from_kind END, \
                                CASE WHEN from_kind = $2 AND from_id = $3 THEN to_id ELSE from_id END, false",
                            _ => "'', 0::bigint, location_id IS NOT NULL",
                        },
                        table.table(),
                        table.on_record(2, 3)
                    ),
                    &[link_id, &kind.noun(), &id],
                )
                .await?;
            let mut other = None;
            if let Some(t) = &touches {
                let (other_kind, other_id, location): (String, i64, bool) =
                    (t.get(0), t.get(1), t.get(2));
                if location && !EditLocations::allowed(actor) {
                    return Err(no_locations());
                }
                if let Some(k) = kind_of(&other_kind) {
                    other = Some((k, other_id, other_end(&tx, k, other_id).await?));
                }
            }
            let changed = tx
                .execute(
                    &format!(
                        "UPDATE {} SET withdrawn_at = now(), withdrawn_by = $1, withdrawn_reason = $2 \
                         WHERE id = $5 AND withdrawn_at IS NULL AND {}",
                        table.table(),
                        table.on_record(3, 4)
                    ),
                    &[&actor.user_id, &reason, &kind.noun(), &id, link_id],
                )
                .await?;
            if changed == 0 {
                return Err(Refused::Invalid(
                    Problem::new("link-withdraw-not-found")
                        .with("link", table.word())
                        .with("kind", kind.noun()),
                ));
            }
            if let Some((k, other_id, other_row)) = &other {
                let back = Summary::new("history-withdrawn-back")
                    .with("link", table.word())
                    .with("id", *link_id)
                    .with("kind", kind.noun())
                    .with("from_id", id)
                    .with("reason", reason.clone());
                note(
                    &tx,
                    *k,
                    actor,
                    (*other_id, other_row),
                    item_of(other_row),
                    &back,
                )
                .await?;
            }
            (
                "link_withdrawn",
                json!({"link": table.word(), "id": link_id, "reason": reason}),
                Summary::new("history-withdrawn")
                    .with("link", table.word())
                    .with("id", *link_id)
                    .with("reason", reason.clone()),
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
