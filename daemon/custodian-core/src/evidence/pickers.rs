//! Type-ahead look-ups for the record page's pickers (issue 14): labels,
//! sources, locations, event types, accounts to assign, records to relate.
//! Each answers at most [`PICKER_LIMIT`] entries for what was typed (words
//! that start with it first, then titles that contain it), so a picker
//! never loads a whole table; records are found through the full-text
//! index and read back under row-level security.

use super::act_as;
use super::bilingual::Both;
use super::items::Kind;
use super::search::Search;
use crate::error::CoreError;
use crate::policy::{may_filter_by_username, Actor, Permit, ReadBulletins};
use crate::pool::Database;

/// At most this many entries in one answer.
pub const PICKER_LIMIT: i64 = 20;

/// At most this many characters are looked up.
pub const MAX_TYPED: usize = 100;

/// The reference tables a picker looks in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reference {
    Label,
    Source,
    Location,
    EventType,
}

impl Reference {
    pub const ALL: [Reference; 4] = [
        Reference::Label,
        Reference::Source,
        Reference::Location,
        Reference::EventType,
    ];

    pub fn word(self) -> &'static str {
        match self {
            Reference::Label => "label",
            Reference::Source => "source",
            Reference::Location => "location",
            Reference::EventType => "event_type",
        }
    }

    pub fn parse(word: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.word() == word)
    }

    fn offered(self) -> &'static str {
        match self {
            Reference::EventType => "retired_at IS NULL",
            _ => "true",
        }
    }
}

/// `text` trimmed to [`MAX_TYPED`] characters, control characters dropped.
fn typed(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_control())
        .take(MAX_TYPED)
        .collect::<String>()
        .trim()
        .to_owned()
}

/// `text` with the LIKE wildcards made literal.
fn like_escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Entries of `what` whose name in either language starts with or
/// contains `text` (case and Arabic spelling folded as search folds them:
/// `custodian_fold`, migration 0026), those with a name that starts with
/// it first; with nothing typed, the first entries in alphabetical order.
/// Each entry's name in both languages.
pub async fn references(
    db: &Database,
    what: Reference,
    text: &str,
) -> Result<Vec<(i64, Both<String>)>, CoreError> {
    // Folding leaves the LIKE wildcards alone, so escaping before it holds.
    let text = like_escaped(&typed(text).to_lowercase());
    let c = db.client().await?;
    let pg: &tokio_postgres::Client = &c;
    let folded = |column: &str| format!("public.custodian_fold(lower({column}))");
    let (main, alt) = (folded("title"), folded("title_alt"));
    let rows = pg
        .query(
            &format!(
                // The pattern written out in each condition, not taken
                // from a subquery: so it is known when the trigram
                // indexes of 0033 are chosen.
                "SELECT id, {names} FROM {table} \
                 WHERE {offered} AND ({main} LIKE '%' || {p} || '%' OR {alt} LIKE '%' || {p} || '%') \
                 ORDER BY NOT ({main} LIKE {p} || '%' OR {alt} LIKE {p} || '%'), lower(title), id \
                 LIMIT {PICKER_LIMIT}",
                p = "public.custodian_fold($1::text)",
                names = super::bilingual::name_columns(what.word()),
                table = what.word(),
                offered = what.offered(),
            ),
            &[&text],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| (r.get(0), super::bilingual::names_at(r, 1)))
        .collect())
}

/// Accounts that may be named as assignee or reviewer (active, not
/// read-only) for what was typed: a username prefix for those who may see
/// usernames, otherwise only `user-N` (or `N`), shown as the actor sees
/// them.
pub async fn people(
    db: &Database,
    actor: &Actor,
    text: &str,
) -> Result<Vec<(i64, crate::policy::Shown)>, CoreError> {
    let text = typed(text);
    let by_id = text
        .strip_prefix("user-")
        .unwrap_or(&text)
        .parse::<i64>()
        .ok()
        .filter(|i| *i > 0);
    let c = db.client().await?;
    let pg: &tokio_postgres::Client = &c;
    let eligible = "state = 'active' AND role <> 'readonly'";
    let rows = match by_id {
        Some(id) => {
            pg.query(
                &format!("SELECT id, username FROM app_user WHERE {eligible} AND id = $1"),
                &[&id],
            )
            .await?
        }
        None if may_filter_by_username(actor) => {
            let prefix = like_escaped(&text.to_lowercase());
            pg.query(
                &format!(
                    "SELECT id, username FROM app_user WHERE {eligible} \
                     AND lower(username) LIKE $1 || '%' ORDER BY username LIMIT {PICKER_LIMIT}"
                ),
                &[&prefix],
            )
            .await?
        }
        None => Vec::new(),
    };
    Ok(rows
        .iter()
        .map(|r| (r.get(0), actor.shows_user(r.get(0), r.get(1))))
        .collect())
}

/// A record as a picker names it: its main title, and the other
/// language's beside it when there is one (either may be what was typed).
const LABEL: &str =
    "CASE WHEN b.title_alt = '' THEN b.title ELSE b.title || ' · ' || b.title_alt END";

/// Records of `kind` the actor may see, for a picker: a number finds that
/// record; words find records with them (the last word as a prefix, as
/// it is being typed), newest change first.
pub async fn records(
    db: &Database,
    permit: &Permit<ReadBulletins>,
    kind: Kind,
    text: &str,
) -> Result<Vec<(i64, String)>, CoreError> {
    let text = typed(text);
    let mut c = db.client().await?;
    let tx = c.transaction().await?;
    act_as(&tx, permit.actor()).await?;
    let table = kind.table();
    let rows = if let Some(id) = text.parse::<i64>().ok().filter(|i| *i > 0) {
        tx.query(
            &format!("SELECT id, {LABEL} FROM {table} b WHERE id = $1"),
            &[&id],
        )
        .await?
    } else {
        // The words as a search, the last one a prefix; nothing usable
        // typed (or a malformed search) finds nothing.
        let mut words: Vec<String> = text
            .split_whitespace()
            .map(|w| w.trim_matches(|c: char| c == '"' || c == '*').to_owned())
            .filter(|w| !w.is_empty() && w != "OR" && !w.starts_with('-'))
            .take(8)
            .collect();
        if let Some(last) = words.last_mut() {
            last.push('*');
        }
        match Search::parse(&words.join(" ")) {
            Ok(Some(search)) => {
                tx.query(
                    &format!(
                        "SELECT b.id, {LABEL} FROM {table} b \
                         WHERE b.id IN (SELECT f.id FROM public.custodian_search_ids($1, \
                         to_tsquery('public.custodian_search', public.custodian_fold($2)), NULL, 500) AS f(id)) \
                         ORDER BY b.updated_at DESC, b.id DESC LIMIT {PICKER_LIMIT}"
                    ),
                    &[&table, &search.tsquery()],
                )
                .await?
            }
            _ => Vec::new(),
        }
    };
    tx.commit().await?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
}

#[cfg(test)]
mod tests {
    use super::{like_escaped, typed, Reference};

    #[test]
    fn what_is_typed_stays_literal_and_short() {
        assert_eq!(like_escaped("50%_a\\b"), "50\\%\\_a\\\\b");
        assert_eq!(typed(&"x".repeat(500)).len(), 100);
        assert_eq!(typed(" a\u{1}b "), "ab");
        assert_eq!(Reference::parse("event_type"), Some(Reference::EventType));
        assert_eq!(Reference::parse("app_user"), None);
    }
}
