//! Evidence records of every [`Kind`] (bulletins, actors, incidents):
//! list (search, status filter, pages), view, create, edit, workflow steps
//! and revision history. No delete. The policy's bulletin actions
//! (`ReadBulletins`, …) govern all three kinds alike.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};
use tokio_postgres::types::ToSql;
use tokio_postgres::Row;

use super::act_as;
pub use super::bilingual::{Both, Lang};
pub use super::kind::Kind;
pub use super::query::ListQuery;
use super::query::{Dates, Filters, Person};
use super::search::Search;
use super::summary::Summary;
use crate::error::{CoreError, Problem};
use crate::identity::accounts::audit;
use crate::identity::notifications::{notify, notify_admins, Notice};
use crate::policy::workflow::{self, Item, Status, Step};
use crate::policy::{
    may_edit, may_regroup, may_restrict_to, ChangeWorkflow, CreateBulletin, EditBulletins,
    Permission, Permit, ReadBulletins, ReadHistory, Regroup, Shown,
};
use crate::pool::Database;

pub const PAGE_SIZE: i64 = 25;

/// Why a change was refused: what the person is told (a [`Problem`],
/// translated by the web layer), or the failure.
#[derive(Debug, thiserror::Error)]
pub enum Refused {
    /// No such record, or not one the actor may see ([`not_found`]).
    #[error("no such {}, or not visible", .0.noun())]
    NotFound(Kind),
    /// Not allowed (403).
    #[error("refused: {}", .0.key)]
    Policy(Problem),
    /// Allowed, but the request itself is wrong (400).
    #[error("invalid: {}", .0.key)]
    Invalid(Problem),
    #[error(transparent)]
    Account(#[from] CoreError),
}

/// What the person is told of a record that is not there or not theirs
/// to see (the same words, so that neither is told apart).
pub fn not_found(kind: Kind) -> Problem {
    Problem::new("record-not-found").with("kind", kind.noun())
}

impl Refused {
    /// What the person is told, when this is a refusal and not a failure.
    pub fn problem(&self) -> Option<Problem> {
        match self {
            Self::NotFound(kind) => Some(not_found(*kind)),
            Self::Policy(p) | Self::Invalid(p) => Some(p.clone()),
            Self::Account(_) => None,
        }
    }
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
    pub assignee: Shown,
    pub updated: SystemTime,
}

/// What an export asks for (its own substring match and status).
pub struct Query<'a> {
    pub text: &'a str,
    pub status: Option<Status>,
    pub page: i64,
}

/// Counts are exact up to this many matches; beyond it a list says "more
/// than 1,000" instead of counting a million rows on every page.
pub const COUNT_BOUND: i64 = 1000;

/// A search with fewer visible matches than this lists them by id (a
/// primary-key look-up each, ranked when asked); with more, the list walks
/// its ordering index and filters by the words, which finds a page of a
/// common word within a few thousand rows.
const FEW_MATCHES: i32 = 5000;

/// The order of a list, newest (or best) first; the id breaks ties.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    Updated,
    Created,
    Id,
    Relevance,
}

impl Sort {
    pub const ALL: [Sort; 4] = [Sort::Relevance, Sort::Updated, Sort::Created, Sort::Id];

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Sort::Updated => "updated",
            Sort::Created => "created",
            Sort::Id => "id",
            Sort::Relevance => "relevance",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Sort::Updated => "Last change",
            Sort::Created => "Created",
            Sort::Id => "Number",
            Sort::Relevance => "Relevance",
        }
    }
}

/// A position in a list: the sort key and id of a row. Keys are integers
/// so that a cursor is exact: microseconds since 1970 for times, the bits
/// of the rank for relevance, the id itself for the id order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub key: i64,
    pub id: i64,
}

impl Cursor {
    pub fn parse(text: &str) -> Option<Self> {
        let (key, id) = text.split_once('.')?;
        let (key, id): (i64, i64) = (key.parse().ok()?, id.parse().ok()?);
        (id > 0 && !text.contains('+')).then_some(Self { key, id })
    }

    pub fn encode(self) -> String {
        format!("{}.{}", self.key, self.id)
    }
}

fn micros_of(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_micros()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_micros()).unwrap_or(i64::MAX),
    }
}

fn time_of(micros: i64) -> SystemTime {
    let d = Duration::from_micros(micros.unsigned_abs());
    if micros >= 0 {
        UNIX_EPOCH + d
    } else {
        UNIX_EPOCH - d
    }
}

/// Which page of a list: the first, the one after a row, or the one
/// before a row (the "previous page" link).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    First,
    After(Cursor),
    Before(Cursor),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Count {
    Exact(i64),
    MoreThan(i64),
}

pub struct Listing {
    pub rows: Vec<Listed>,
    pub count: Count,
    /// The order used: relevance falls back to the last change when a
    /// search matches too many records to rank them all.
    pub sort: Sort,
    pub next: Option<Cursor>,
    pub previous: Option<Cursor>,
}

type Param = Box<dyn ToSql + Sync + Send>;

/// Appends a parameter; returns its placeholder.
fn bind(params: &mut Vec<Param>, value: impl ToSql + Sync + Send + 'static) -> String {
    params.push(Box::new(value));
    format!("${}", params.len())
}

fn refs(params: &[Param]) -> Vec<&(dyn ToSql + Sync)> {
    params
        .iter()
        .map(|p| p.as_ref() as &(dyn ToSql + Sync))
        .collect()
}

/// A search text as PostgreSQL's query, folded like the documents.
fn tsquery_sql(placeholder: &str) -> String {
    format!("to_tsquery('public.custodian_search', public.custodian_fold({placeholder}))")
}

/// `(column >= from AND column < to + 1 day)` in UTC, for the ends given.
fn date_range(column: &str, d: Dates, params: &mut Vec<Param>, out: &mut Vec<String>) {
    if let Some(from) = d.from {
        let p = bind(params, from.to_string());
        out.push(format!(
            "{column} >= ({p}::text::date::timestamp AT TIME ZONE 'UTC')"
        ));
    }
    if let Some(to) = d.to {
        let p = bind(params, to.to_string());
        out.push(format!(
            "{column} < (({p}::text::date + 1)::timestamp AT TIME ZONE 'UTC')"
        ));
    }
}

/// The account a filter names, as an id expression (NULL matches nothing).
fn person_sql(column: &str, p: &Person, params: &mut Vec<Param>) -> String {
    match p {
        Person::Nobody => format!("{column} IS NULL"),
        Person::Id(id) => format!("{column} = {}", bind(params, *id)),
        Person::Username(name) => format!(
            "{column} = (SELECT u.id FROM app_user u WHERE u.username = {})",
            bind(params, name.clone())
        ),
    }
}

/// The SQL of every filter, each a condition on the record `b` of `kind`
/// (table and column names are constants; every value is a parameter).
/// Links are read under their own row-level security, which shows a link
/// only when every record it touches is visible.
fn filter_sql(kind: Kind, f: &Filters, params: &mut Vec<Param>, out: &mut Vec<String>) {
    let noun = kind.noun();
    if let Some(status) = f.status {
        let p = bind(params, status.as_str());
        out.push(format!("b.status = {p}"));
    }
    if let Some(p) = &f.assignee {
        out.push(person_sql("b.assigned_to", p, params));
    }
    if let Some(p) = &f.reviewer {
        out.push(person_sql("b.reviewer", p, params));
    }
    date_range("b.created_at", f.created, params, out);
    date_range("b.updated_at", f.updated, params, out);
    for (titles, table, column) in [
        (&f.labels, "label", "label_id"),
        (&f.sources, "source", "source_id"),
        (&f.locations, "location", "location_id"),
    ] {
        for title in titles {
            let p = bind(params, title.to_lowercase());
            out.push(format!(
                "b.id IN (SELECT x.record_id FROM record_reference x \
                 WHERE x.kind = '{noun}' AND x.withdrawn_at IS NULL \
                 AND x.{column} IN (SELECT t.id FROM {table} t WHERE lower(t.title) = {p} OR lower(t.title_alt) = {p}))"
            ));
        }
    }
    if !f.event_types.is_empty() || !f.events.is_open() {
        let mut conds = vec![
            format!("x.kind = '{noun}'"),
            "x.withdrawn_at IS NULL".to_owned(),
        ];
        if !f.event_types.is_empty() {
            let lowered: Vec<String> = f.event_types.iter().map(|t| t.to_lowercase()).collect();
            let p = bind(params, lowered);
            conds.push(format!(
                "x.event_type_id IN (SELECT t.id FROM event_type t \
                 WHERE lower(t.title) = ANY({p}) OR lower(t.title_alt) = ANY({p}))"
            ));
        }
        // An event overlaps the range when it does not end before it
        // starts nor start after it ends (an open end is unbounded).
        if let Some(from) = f.events.from {
            let p = bind(params, from.to_string());
            conds.push(format!(
                "coalesce(x.to_date, x.from_date) >= {p}::text::date"
            ));
        }
        if let Some(to) = f.events.to {
            let p = bind(params, to.to_string());
            conds.push(format!(
                "coalesce(x.from_date, x.to_date) <= {p}::text::date"
            ));
        }
        out.push(format!(
            "b.id IN (SELECT x.record_id FROM record_event x WHERE {})",
            conds.join(" AND ")
        ));
    }
    if let Some((other, id)) = f.related {
        let (k, i) = (bind(params, other.noun()), bind(params, id));
        out.push(format!(
            "b.id IN (SELECT r.to_id FROM relation r WHERE r.from_kind = {k} AND r.from_id = {i} \
             AND r.to_kind = '{noun}' AND r.withdrawn_at IS NULL \
             UNION ALL SELECT r.from_id FROM relation r WHERE r.to_kind = {k} AND r.to_id = {i} \
             AND r.from_kind = '{noun}' AND r.withdrawn_at IS NULL)"
        ));
    }
    if !f.groups.is_empty() {
        let p = bind(params, f.groups.clone());
        out.push(format!("b.access_groups @> {p}::text[]"));
    }
    for (key, value) in &f.fields {
        // `key` is one of the kind's own field names (a constant).
        let p = bind(params, value.clone());
        out.push(format!("b.details ->> '{key}' = {p}"));
    }
}

/// Why a list gave no page: it ran past its interactive budget (the
/// caller moves it to the background), or it failed.
#[derive(Debug, thiserror::Error)]
pub enum ListError {
    /// A statement of the list itself hit `statement_timeout` (SQLSTATE
    /// 57014) under the budget it was given.
    #[error("the list ran past its interactive budget: {0}")]
    OverBudget(#[source] tokio_postgres::Error),
    #[error(transparent)]
    Failed(#[from] CoreError),
}

impl From<tokio_postgres::Error> for ListError {
    fn from(e: tokio_postgres::Error) -> Self {
        Self::Failed(e.into())
    }
}

/// A statement of the list: a cancelled one (the budget) is `OverBudget`.
fn list_statement(e: tokio_postgres::Error) -> ListError {
    if e.code() == Some(&tokio_postgres::error::SqlState::QUERY_CANCELED) {
        ListError::OverBudget(e)
    } else {
        ListError::Failed(e.into())
    }
}

/// What a list's statements share: the parameters, the filter (every
/// value a parameter), the order used and the text to rank by.
struct Plan {
    params: Vec<Param>,
    filter_sql: String,
    sort: Sort,
    rank_text: Option<String>,
}

/// Finds the search's candidates (the owner's function) and builds the
/// filter of `q` on `kind`.
async fn plan(
    tx: &tokio_postgres::Transaction<'_>,
    kind: Kind,
    q: &ListQuery,
) -> Result<Plan, ListError> {
    let table = kind.table();
    let mut params: Vec<Param> = Vec::new();
    let mut filters: Vec<String> = Vec::new();
    let mut sort = q.sort;
    // Bound after the count, which does not rank.
    let mut rank_text: Option<String> = None;
    if let Some(search) = q.search.as_ref() {
        let text = search.tsquery();
        let pattern = search.title_substring();
        // The owner's function reads the text indexes, which row-level
        // security would keep the runtime role from using, and applies the
        // read predicate itself (migration 0026); what it returns is read
        // again below under row-level security.
        let found = tx
            .query(
                &format!(
                    "SELECT id FROM public.custodian_search_ids($1, {}, $3, $4) AS f(id)",
                    tsquery_sql("$2")
                ),
                &[&table, &text, &pattern, &FEW_MATCHES],
            )
            .await
            .map_err(list_statement)?;
        if found.len() < FEW_MATCHES as usize {
            let ids: Vec<i64> = found.iter().map(|r| r.get(0)).collect();
            let p = bind(&mut params, ids);
            filters.push(format!("b.id = ANY({p})"));
            if sort == Sort::Relevance {
                rank_text = Some(text);
            }
        } else {
            let t = bind(&mut params, text);
            let mut matched = format!("b.search_doc @@ {}", tsquery_sql(&t));
            if let Some(pattern) = pattern {
                let p = bind(&mut params, pattern);
                matched = format!("({matched} OR b.title ILIKE {p})");
            }
            filters.push(matched);
            if sort == Sort::Relevance {
                sort = Sort::Updated;
            }
        }
    } else if sort == Sort::Relevance {
        sort = Sort::Updated;
    }
    for pattern in q
        .search
        .as_ref()
        .map(Search::literal_patterns)
        .unwrap_or_default()
    {
        let p = bind(&mut params, pattern);
        filters.push(format!(
            "(b.title ILIKE {p} OR b.description ILIKE {p} \
             OR b.title_alt ILIKE {p} OR b.description_alt ILIKE {p})"
        ));
    }
    filter_sql(kind, &q.filters, &mut params, &mut filters);
    let filter_sql = if filters.is_empty() {
        "true".to_owned()
    } else {
        filters.join(" AND ")
    };
    Ok(Plan {
        params,
        filter_sql,
        sort,
        rank_text,
    })
}

/// The rank expression (bound here) when the list ranks, else "".
fn rank_sql(params: &mut Vec<Param>, rank_text: Option<String>) -> String {
    match rank_text {
        Some(t) => {
            let t = bind(params, t);
            format!("ts_rank(b.search_doc, {})", tsquery_sql(&t))
        }
        None => String::new(),
    }
}

fn sort_key_sql(sort: Sort, rank: &str) -> String {
    match sort {
        Sort::Updated => "b.updated_at",
        Sort::Created => "b.created_at",
        Sort::Id => "b.id",
        Sort::Relevance => rank,
    }
    .to_owned()
}

/// The most ids a background search keeps (migration 0036's bound).
pub const MAX_BACKGROUND_IDS: usize = 10_000;

/// The ids of every record of `kind` that `q` matches for the actor of
/// `tx` (row-level security), in the list's order, at most
/// [`MAX_BACKGROUND_IDS`]; and whether there were more. No count, no
/// page: what a background search keeps.
pub(crate) async fn matching_ids(
    tx: &tokio_postgres::Transaction<'_>,
    kind: Kind,
    q: &ListQuery,
) -> Result<(Vec<i64>, bool), ListError> {
    let Plan {
        mut params,
        filter_sql,
        sort,
        rank_text,
    } = plan(tx, kind, q).await?;
    let rank = rank_sql(&mut params, rank_text);
    let key = sort_key_sql(sort, &rank);
    let order = match sort {
        Sort::Id => "b.id DESC".to_owned(),
        _ => format!("{key} DESC, b.id DESC"),
    };
    let rows = tx
        .query(
            &format!(
                "SELECT b.id FROM {} b WHERE {filter_sql} ORDER BY {order} LIMIT {}",
                kind.table(),
                MAX_BACKGROUND_IDS + 1
            ),
            &refs(&params),
        )
        .await
        .map_err(list_statement)?;
    let capped = rows.len() > MAX_BACKGROUND_IDS;
    Ok((
        rows.iter()
            .take(MAX_BACKGROUND_IDS)
            .map(|r| r.get(0))
            .collect(),
        capped,
    ))
}

/// The records among `ids` the actor may read now (row-level security),
/// in the order of `ids`: a background search's results, read again.
pub(crate) async fn listed_by_id(
    tx: &tokio_postgres::Transaction<'_>,
    kind: Kind,
    actor: &crate::policy::Actor,
    ids: &[i64],
) -> Result<Vec<Listed>, CoreError> {
    let rows = tx
        .query(
            &format!(
                "SELECT b.id, b.title, b.status, b.assigned_to, u.username, b.updated_at \
                 FROM {} b LEFT JOIN app_user u ON u.id = b.assigned_to WHERE b.id = ANY($1)",
                kind.table()
            ),
            &[&ids],
        )
        .await?;
    let mut found: Vec<(usize, Listed)> = rows
        .iter()
        .map(|r| {
            let id: i64 = r.get(0);
            let at = ids.iter().position(|i| *i == id).unwrap_or(usize::MAX);
            (
                at,
                Listed {
                    id,
                    title: r.get(1),
                    status: Status::parse(r.get(2)).unwrap_or(Status::Unassigned),
                    assignee: actor.shows_user(r.get(3), r.get(4)),
                    updated: r.get(5),
                },
            )
        })
        .collect();
    found.sort_by_key(|(at, _)| *at);
    Ok(found.into_iter().map(|(_, l)| l).collect())
}

/// One page of the records of `kind` the actor may see, and how many match
/// (exactly up to [`COUNT_BOUND`]). Pages are keyset pages: the next one
/// starts after the last row's sort key and id, so the thousandth page
/// costs what the first does.
///
/// With a `budget`, the list's statements run under it (`SET LOCAL
/// statement_timeout`); one that runs past it is [`ListError::OverBudget`]
/// and nothing is recorded (the caller moves the search to the
/// background, which records its own entries).
///
/// A list that searches or filters is recorded in the activity log (who
/// looked for what, [`ListQuery::logged`]), one row right after the read;
/// the list is returned only once it is recorded.
pub async fn list(
    db: &Database,
    kind: Kind,
    permit: &Permit<ReadBulletins>,
    username: &str,
    q: &ListQuery,
    budget: Option<Duration>,
) -> Result<Listing, ListError> {
    let actor = permit.actor();
    let mut c = db.client().await.map_err(CoreError::from)?;
    let tx = c.transaction().await?;
    act_as(&tx, actor).await?;
    if let Some(budget) = budget {
        // A number, made here: never text from the request.
        let ms = budget.as_millis().max(1);
        tx.batch_execute(&format!("SET LOCAL statement_timeout = {ms}"))
            .await?;
    }
    let table = kind.table();
    let Plan {
        mut params,
        filter_sql,
        sort,
        rank_text,
    } = plan(&tx, kind, q).await?;
    let counted: i64 = tx
        .query_one(
            &format!(
                "SELECT count(*) FROM (SELECT 1 FROM {table} b WHERE {filter_sql} LIMIT {}) s",
                COUNT_BOUND + 1
            ),
            &refs(&params),
        )
        .await
        .map_err(list_statement)?
        .get(0);
    let count = if counted > COUNT_BOUND {
        Count::MoreThan(COUNT_BOUND)
    } else {
        Count::Exact(counted)
    };

    let rank = rank_sql(&mut params, rank_text);
    let key = sort_key_sql(sort, &rank);
    let (position, backwards) = match q.start {
        Start::First => (None, false),
        Start::After(c) => (Some(c), false),
        Start::Before(c) => (Some(c), true),
    };
    let mut page_filters = vec![filter_sql];
    if let Some(c) = position {
        let op = if backwards { ">" } else { "<" };
        let id = bind(&mut params, c.id);
        page_filters.push(match sort {
            Sort::Id => format!("b.id {op} {id}"),
            Sort::Updated | Sort::Created => {
                let k = bind(&mut params, time_of(c.key));
                format!("({key}, b.id) {op} ({k}, {id})")
            }
            Sort::Relevance => {
                let bits = u32::try_from(c.key).unwrap_or(0);
                let k = bind(&mut params, f32::from_bits(bits));
                format!("({key}, b.id) {op} ({k}::real, {id})")
            }
        });
    }
    let dir = if backwards { "ASC" } else { "DESC" };
    let order = match sort {
        Sort::Id => format!("b.id {dir}"),
        _ => format!("{key} {dir}, b.id {dir}"),
    };
    let time_out = match sort {
        Sort::Created => "b.created_at",
        _ => "b.updated_at",
    };
    let rank_out = if sort == Sort::Relevance {
        rank.as_str()
    } else {
        "NULL::real"
    };
    let rows = tx
        .query(
            &format!(
                "SELECT b.id, b.title, b.status, b.assigned_to, u.username, \
                 b.updated_at, {time_out}, {rank_out} \
                 FROM {table} b LEFT JOIN app_user u ON u.id = b.assigned_to \
                 WHERE {} ORDER BY {order} LIMIT {}",
                page_filters.join(" AND "),
                PAGE_SIZE + 1
            ),
            &refs(&params),
        )
        .await
        .map_err(list_statement)?;
    tx.commit().await?;
    if q.is_search() {
        // After the read, on its own (see `fetch`).
        let pg: &tokio_postgres::Client = &c;
        let mut details = q.logged();
        if let Value::Object(m) = &mut details {
            m.insert("sort".into(), json!(sort.as_str()));
            m.insert(
                "page".into(),
                json!(match q.start {
                    Start::First => "first",
                    _ => "later",
                }),
            );
        }
        audit(
            pg,
            username,
            &format!("{}.searched", kind.noun()),
            kind.noun(),
            details,
        )
        .await?;
    }
    let cursor_of = |r: &Row| -> Cursor {
        let id: i64 = r.get(0);
        let key = match sort {
            Sort::Id => id,
            Sort::Updated | Sort::Created => micros_of(r.get::<_, SystemTime>(6)),
            Sort::Relevance => i64::from(r.get::<_, Option<f32>>(7).unwrap_or(0.0).to_bits()),
        };
        Cursor { key, id }
    };
    let more = rows.len() > PAGE_SIZE as usize;
    let mut page: Vec<&Row> = rows.iter().take(PAGE_SIZE as usize).collect();
    if backwards {
        page.reverse();
    }
    let first = page.first().map(|r| cursor_of(r));
    let last = page.last().map(|r| cursor_of(r));
    let (next, previous) = if backwards {
        (last, if more { first } else { None })
    } else {
        (
            if more { last } else { None },
            if position.is_some() { first } else { None },
        )
    };
    Ok(Listing {
        rows: page
            .iter()
            .map(|r| Listed {
                id: r.get(0),
                title: r.get(1),
                status: Status::parse(r.get(2)).unwrap_or(Status::Unassigned),
                assignee: actor.shows_user(r.get(3), r.get(4)),
                updated: r.get(5),
            })
            .collect(),
        count,
        sort,
        next,
        previous,
    })
}

pub struct Record {
    pub kind: Kind,
    pub id: i64,
    /// The main title (in [`Record::lang`]), as lists show it.
    pub title: String,
    /// The kind's own fields (checked when stored).
    pub details: Value,
    /// The main description. Sanitised when stored.
    pub description_html: String,
    /// The language of the main title and description.
    pub lang: Lang,
    /// The other language's title and description ('' when none).
    pub title_alt: String,
    pub description_alt_html: String,
    pub item: Item,
    pub assignee: Shown,
    pub reviewer_name: Shown,
    pub access_groups: Vec<String>,
    pub revision: i32,
    pub updated: SystemTime,
}

impl Record {
    /// The titles by language.
    pub fn titles(&self) -> Both<&str> {
        Both::from_main(self.lang, self.title.as_str(), self.title_alt.as_str())
    }

    /// The descriptions by language (sanitised HTML).
    pub fn descriptions_html(&self) -> Both<&str> {
        Both::from_main(
            self.lang,
            self.description_html.as_str(),
            self.description_alt_html.as_str(),
        )
    }
}

/// The stored language of a row (`title_lang`).
fn lang_of(r: &Row) -> Lang {
    Lang::parse(r.get("title_lang")).unwrap_or(Lang::English)
}

pub(super) fn item_of(r: &Row) -> Item {
    Item {
        status: Status::parse(r.get("status")).unwrap_or(Status::Unassigned),
        assigned_to: r.get("assigned_to"),
        reviewer: r.get("reviewer"),
    }
}

/// One record as the actor may see it. Opening it is recorded in the
/// activity log (one row, `<kind>.viewed`, written right after the read:
/// no record is returned whose opening is not recorded); a record the
/// actor may not see is not found and records nothing.
pub async fn get(
    db: &Database,
    kind: Kind,
    permit: &Permit<ReadBulletins>,
    username: &str,
    id: i64,
) -> Result<Option<Record>, CoreError> {
    fetch(db, kind, permit, Some(username), id).await
}

/// The record without a `viewed` entry: for a change that is checked
/// against it and records its own entry (an upload), never for a page
/// that shows it.
pub async fn get_for_change(
    db: &Database,
    kind: Kind,
    permit: &Permit<ReadBulletins>,
    id: i64,
) -> Result<Option<Record>, CoreError> {
    fetch(db, kind, permit, None, id).await
}

async fn fetch(
    db: &Database,
    kind: Kind,
    permit: &Permit<ReadBulletins>,
    viewer: Option<&str>,
    id: i64,
) -> Result<Option<Record>, CoreError> {
    let actor = permit.actor();
    let mut c = db.client().await?;
    let tx = c.transaction().await?;
    act_as(&tx, actor).await?;
    let record = record_in(&tx, kind, actor, id).await?;
    tx.commit().await?;
    drop(c);
    if let (Some(username), Some(_)) = (viewer, &record) {
        record_viewed(db, username, kind, id).await?;
    }
    Ok(record)
}

/// The `viewed` entry of a record page, written after the read (the
/// activity log's head row is not locked across the read's round trips)
/// and before the record is returned; entries of views that arrive
/// together share one statement ([`Database::record_grouped`]).
pub(crate) async fn record_viewed(
    db: &Database,
    username: &str,
    kind: Kind,
    id: i64,
) -> Result<(), CoreError> {
    db.record_grouped(
        username,
        &format!("{}.viewed", kind.noun()),
        &format!("{}/{id}", kind.noun()),
    )
    .await?;
    Ok(())
}

/// The record `id` as `actor` may see it, in a transaction that already
/// names them. Names of accounts come from sub-selects, not joins: a
/// prepared statement's generic plan would hash the whole account table
/// for a join on every view.
pub(crate) async fn record_in(
    tx: &deadpool_postgres::Transaction<'_>,
    kind: Kind,
    actor: &crate::policy::Actor,
    id: i64,
) -> Result<Option<Record>, CoreError> {
    let rows = super::rows(
        tx,
        &format!(
            "SELECT b.id, b.title, b.description, b.title_lang, b.title_alt, b.description_alt, b.details, b.status, b.assigned_to, b.reviewer, b.access_groups, \
             b.revision, b.updated_at AS updated, \
             (SELECT a.username FROM app_user a WHERE a.id = b.assigned_to) AS assignee_name, \
             (SELECT r.username FROM app_user r WHERE r.id = b.reviewer) AS reviewer_name \
             FROM {} b WHERE b.id = $1",
            kind.table()
        ),
        &[&id],
    )
    .await?;
    Ok(rows.first().map(|r| {
        let item = item_of(r);
        Record {
            kind,
            id: r.get("id"),
            title: r.get("title"),
            details: r.get("details"),
            description_html: r.get("description"),
            lang: lang_of(r),
            title_alt: r.get("title_alt"),
            description_alt_html: r.get("description_alt"),
            assignee: actor.shows_user(item.assigned_to, r.get("assignee_name")),
            reviewer_name: actor.shows_user(item.reviewer, r.get("reviewer_name")),
            item,
            access_groups: r.get("access_groups"),
            revision: r.get("revision"),
            updated: r.get("updated"),
        }
    }))
}

/// The stored form of a change, for the revision history: both
/// languages, under the names of the columns that hold them.
fn snapshot(text: &Texts, details: &Value, item: Item, groups: &[String]) -> Value {
    json!({
        "title": text.title,
        "description": text.description,
        "title_lang": text.lang.as_str(),
        "title_alt": text.title_alt,
        "description_alt": text.description_alt,
        "details": details,
        "status": item.status.as_str(),
        "assigned_to": item.assigned_to,
        "reviewer": item.reviewer,
        "access_groups": groups,
    })
}

pub struct Content<'a> {
    /// At least one of the two is needed (an actor's: its name).
    pub title: Both<&'a str>,
    /// Sanitised when stored.
    pub description: Both<&'a str>,
    /// From [`Kind::details`], which checked it.
    pub details: Value,
    pub access_groups: Vec<String>,
}

/// A record's text as stored: the main language's and the other's.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Texts {
    lang: Lang,
    title: String,
    description: String,
    title_alt: String,
    description_alt: String,
}

impl Texts {
    fn of_row(r: &Row) -> Self {
        Texts {
            lang: lang_of(r),
            title: r.get("title"),
            description: r.get("description"),
            title_alt: r.get("title_alt"),
            description_alt: r.get("description_alt"),
        }
    }
}

/// The content checked and arranged for storage; `keep` is the stored
/// record's main language (see [`super::bilingual::main_language`]).
fn checked(kind: Kind, c: &Content<'_>, keep: Option<Lang>) -> Result<Texts, Refused> {
    let titles = c.title.map(|t| super::sanitize::line(t, 300));
    let rich = |t: &str| super::sanitize::rich_text(t).into_string();
    let Some(lang) = super::bilingual::main_language(titles.map(String::as_str), keep) else {
        return Err(Refused::Policy(
            Problem::new("record-title-missing").with("kind", kind.noun()),
        ));
    };
    let other = lang.other();
    Ok(Texts {
        lang,
        title: titles.get(lang).clone(),
        description: rich(c.description.get(lang)),
        title_alt: titles.get(other).clone(),
        description_alt: rich(c.description.get(other)),
    })
}

/// A group list as people read it.
pub async fn create(
    db: &Database,
    kind: Kind,
    permit: &Permit<CreateBulletin>,
    username: &str,
    content: &Content<'_>,
) -> Result<i64, Refused> {
    let actor = permit.actor();
    let text = checked(kind, content, None)?;
    if !may_restrict_to(actor, &content.access_groups) {
        return Err(Refused::Policy(
            Problem::new("record-restrict-own").with("kind", kind.noun()),
        ));
    }
    let mut c = db.client().await.map_err(CoreError::from)?;
    let tx = c.transaction().await?;
    act_as(&tx, actor).await?;
    let id: i64 = tx
        .query_one(
            &format!(
                "INSERT INTO {} (title, description, title_lang, title_alt, description_alt, details, access_groups, created_by) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                kind.table()
            ),
            &[&text.title, &text.description, &text.lang.as_str(), &text.title_alt, &text.description_alt,
              &content.details, &content.access_groups, &actor.user_id],
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
            "INSERT INTO {} ({}, revision, editor, summary, snapshot) VALUES ($1, 1, $2, $3, $4)",
            kind.revisions(),
            kind.item_column()
        ),
        &[
            &id,
            &actor.user_id,
            &Summary::new("history-created").stored(),
            &snapshot(&text, &content.details, item, &content.access_groups),
        ],
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
            "SELECT title, description, title_lang, title_alt, description_alt, details, status, assigned_to, reviewer, access_groups, revision FROM {} WHERE id = $1 FOR UPDATE",
            kind.table()
        ),
        &[&id],
    )
    .await?
    .ok_or(Refused::NotFound(kind))
}

/// What a change writes: the record's fields after it.
struct Change<'a> {
    text: &'a Texts,
    details: &'a Value,
    item: Item,
    groups: &'a [String],
    summary: &'a Summary,
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
             access_groups = $8, revision = $9, title_lang = $10, title_alt = $11, description_alt = $12, \
             updated_at = now() WHERE id = $1",
            kind.table()
        ),
        &[&id, &c.text.title, &c.text.description, c.details, &item.status.as_str(), &item.assigned_to, &item.reviewer,
          &c.groups, &(revision + 1), &c.text.lang.as_str(), &c.text.title_alt, &c.text.description_alt],
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
            &c.summary.stored(),
            &snapshot(c.text, c.details, item, c.groups),
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
    summary: &Summary,
) -> Result<(), Refused> {
    let text = Texts::of_row(row);
    let (details, groups): (Value, Vec<String>) = (row.get("details"), row.get("access_groups"));
    let change = Change {
        text: &text,
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
    let mut c = db.client().await.map_err(CoreError::from)?;
    let tx = c.transaction().await?;
    act_as(&tx, actor).await?;
    // Existence first: an item the actor cannot see is "not found",
    // whatever else is wrong with the request.
    let row = locked(&tx, kind, id).await?;
    let text = checked(kind, content, Some(lang_of(&row)))?;
    let item = item_of(&row);
    if !may_edit(actor, &item) {
        return Err(Refused::Policy(
            Problem::new("record-edit-not-now").with("kind", kind.noun()),
        ));
    }
    // Who may see the record is its own decision (the policy's
    // `ChangeAccessGroups`): the same groups in another order are no
    // change and keep the stored order; anything else must pass.
    let before: Vec<String> = row.get("access_groups");
    let regroup = may_regroup(actor, &before, &content.access_groups)
        .map_err(|key| Refused::Policy(Problem::new(key)))?;
    // The groups as one text each, empty for "everyone".
    let (groups, summary) = match regroup {
        Regroup::Unchanged => (before.clone(), Summary::new("history-edited")),
        Regroup::Changed => (
            content.access_groups.clone(),
            Summary::new("history-regrouped")
                .with("before", before.join(", "))
                .with("after", content.access_groups.join(", ")),
        ),
    };
    let change = Change {
        text: &text,
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
            &Notice::new("notice-access-changed")
                .with("kind", kind.noun())
                .with("id", id)
                .with("before_count", before.len())
                .with("before", before.join(", "))
                .with("after_count", groups.len())
                .with("after", groups.join(", ")),
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
    let mut c = db.client().await.map_err(CoreError::from)?;
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
        .map_err(|key| Refused::Policy(Problem::new(key)))?;
    let summary = Summary::new("history-step").with("step", step.name());
    note(&tx, kind, actor, (id, &row), after, &summary).await?;
    let event = format!("{}.workflow", kind.noun());
    audit(
        &*tx,
        username,
        &event,
        &format!("{}/{id}", kind.noun()),
        json!({"step": step.name(), "from": before.status.as_str(), "to": after.status.as_str()}),
    )
    .await?;
    // Over a `Notice::new("..")` each, so that every key stays a literal
    // the catalogue test can read.
    let record = |n: Notice| n.with("kind", kind.noun()).with("id", id);
    let told = match step {
        Step::Assign(to) if to != actor.user_id => {
            Some((to, record(Notice::new("notice-assigned"))))
        }
        Step::Submit { reviewer } => Some((reviewer, record(Notice::new("notice-review-waiting")))),
        Step::SendBack | Step::Accept => after.assigned_to.map(|a| {
            (
                a,
                record(Notice::new("notice-review-returned")).with("status", after.status.as_str()),
            )
        }),
        _ => None,
    };
    if let Some((to, notice)) = told {
        notify(&*tx, to, &event, &notice).await?;
    }
    tx.commit().await?;
    Ok(after.status)
}

pub struct Revision {
    pub revision: i32,
    pub editor: Shown,
    pub when: SystemTime,
    pub summary: String,
    /// Only with `view_full_history`.
    pub snapshot: Option<String>,
}

pub async fn history(
    db: &Database,
    kind: Kind,
    permit: &Permit<ReadHistory>,
    id: i64,
) -> Result<Option<Vec<Revision>>, CoreError> {
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
                "SELECT h.revision, h.editor, u.username, h.changed_at, \
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
) -> Result<Vec<(i64, Shown)>, CoreError> {
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

/// The accounts a record page offers for assign and review: the record's
/// current assignee and reviewer (when still eligible) and the first
/// [`super::pickers::PICKER_LIMIT`] others by name; the picker
/// ([`super::pickers::people`]) finds the rest as people type. In a
/// transaction the caller holds (the record page's).
pub(crate) async fn view_candidates_in(
    tx: &deadpool_postgres::Transaction<'_>,
    actor: &crate::policy::Actor,
    record: &Record,
) -> Result<Vec<(i64, Shown)>, CoreError> {
    let current: Vec<i64> = [record.item.assigned_to, record.item.reviewer]
        .into_iter()
        .flatten()
        .collect();
    let rows = super::rows(
        tx,
        &format!(
            "SELECT id, username FROM (\
             (SELECT id, username FROM app_user WHERE state = 'active' AND role <> 'readonly' \
              ORDER BY username LIMIT {}) \
             UNION SELECT id, username FROM app_user WHERE state = 'active' AND role <> 'readonly' \
              AND id = ANY($1)) p ORDER BY username",
            super::pickers::PICKER_LIMIT
        ),
        &[&current],
    )
    .await?;
    Ok(rows
        .iter()
        .map(|r| (r.get(0), actor.shows_user(r.get(0), r.get(1))))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::{micros_of, time_of, Cursor, Sort};

    #[test]
    fn cursors_are_exact_and_refuse_what_no_list_made() {
        for k in [0, 1, -1, 1_764_633_600_123_456, -86_400_000_001] {
            assert_eq!(micros_of(time_of(k)), k);
        }
        let c = Cursor {
            key: 1_764_633_600_123_456,
            id: 42,
        };
        assert_eq!(Cursor::parse(&c.encode()), Some(c));
        let rank = Cursor {
            key: i64::from(0.060_792_7_f32.to_bits()),
            id: 7,
        };
        assert_eq!(Cursor::parse(&rank.encode()), Some(rank));
        for bad in [
            "",
            "1",
            "1.",
            ".1",
            "a.1",
            "1.0",
            "1.-3",
            "1.2.3",
            "+1.2",
            "99999999999999999999.1",
        ] {
            assert_eq!(Cursor::parse(bad), None, "{bad}");
        }
        assert_eq!(Sort::parse("updated"), Some(Sort::Updated));
        assert_eq!(Sort::parse("nonsense"), None);
    }
}
