//! What a list asks for, read from the list's query parameters in one
//! place (issue 14): the search text (the language of [`super::search`]),
//! filters, the order and the page. The web handler passes the query
//! string through; a value that cannot be used is a [`QueryError`] that
//! names the parameter and says what to change, never a database error.
//!
//! Parameters (each may be absent or empty; unknown names are ignored):
//!
//! | name | meaning |
//! |---|---|
//! | `q` | the search text |
//! | `status` | one workflow status (`unassigned`, `assigned`, …) |
//! | `assignee`, `reviewer` | `me`, `nobody`, `user-N`, or a username (for those who may see usernames) |
//! | `created_from`, `created_to`, `updated_from`, `updated_to` | calendar dates `YYYY-MM-DD` (UTC, both ends included) |
//! | `label`, `source`, `location` | a title; repeated: the record has all of them |
//! | `event_type` | an event type's title; repeated: any of them |
//! | `event_from`, `event_to` | an event of the record (of that type, when given) overlaps these dates |
//! | `related` | `bulletin/12`, `actor/3`, `incident/7`: records related to that one |
//! | `group` | an access group the record is restricted to (see [`may_filter_by_group`]) |
//! | the kind's own fields (`type`, `sex`, `nationality`, …) | exact value |
//! | `sort` | `relevance`, `updated`, `created`, `id` |
//! | `after`, `before` | a position this list gave out (keyset pages) |

use serde_json::{json, Map, Value};

use super::items::{Cursor, Kind, Sort, Start};
use super::search::{Search, SearchError};
use crate::policy::workflow::Status;
use crate::policy::{may_filter_by_group, may_filter_by_username, Actor};

/// At most this many values of one repeatable filter.
pub const MAX_VALUES: usize = 8;

/// Why a list request cannot be run; `field` names the parameter.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    #[error("{0}")]
    Search(#[source] SearchError),
    #[error("contains a control character; remove it and try again.")]
    Control { field: String },
    #[error("is {len} characters long; at most {max} are accepted. Shorten it and try again.")]
    TooLong {
        field: String,
        len: usize,
        max: usize,
    },
    #[error("is given {count} times; at most {MAX_VALUES} are accepted.")]
    TooMany { field: String, count: usize },
    #[error("is not a date; write it as YYYY-MM-DD, for example 2024-03-01.")]
    Date { field: String },
    #[error("ends before it starts; swap the two dates.")]
    Reversed { field: String },
    #[error("is not one of: {choices}.")]
    Choice {
        field: String,
        choices: &'static str,
    },
    #[error("is not a position this list gave out; start again from the first page.")]
    Position { field: String },
    #[error(
        "names an account the way only those who may see usernames can; use me, nobody, or user-N."
    )]
    Username { field: String },
    #[error("is not a record; write it as bulletin/12, actor/3 or incident/7.")]
    Record { field: String },
    #[error("names an access group you are not in; you can filter by your own groups only.")]
    Group { field: String },
}

impl QueryError {
    /// What to tell the person who sent it, by catalogue key (`query-…`
    /// and `search-…` in problems.ftl); `Display` stays for the journal.
    pub fn problem(&self) -> crate::error::Problem {
        use crate::error::Problem;
        match self {
            QueryError::Search(e) => e.problem(),
            QueryError::Control { .. } => Problem::new("query-control"),
            QueryError::TooLong { len, max, .. } => Problem::new("query-too-long")
                .with("len", *len)
                .with("max", *max),
            QueryError::TooMany { count, .. } => Problem::new("query-too-many")
                .with("count", *count)
                .with("max", MAX_VALUES),
            QueryError::Date { .. } => Problem::new("query-date"),
            QueryError::Reversed { .. } => Problem::new("query-reversed"),
            QueryError::Choice { choices, .. } => {
                Problem::new("query-choice").with("choices", *choices)
            }
            QueryError::Position { .. } => Problem::new("query-position"),
            QueryError::Username { .. } => Problem::new("query-username"),
            QueryError::Record { .. } => Problem::new("query-record"),
            QueryError::Group { .. } => Problem::new("query-group"),
        }
    }

    /// The query parameter that was refused.
    pub fn field(&self) -> &str {
        match self {
            QueryError::Search(_) => "q",
            QueryError::Control { field }
            | QueryError::TooLong { field, .. }
            | QueryError::TooMany { field, .. }
            | QueryError::Date { field }
            | QueryError::Reversed { field }
            | QueryError::Choice { field, .. }
            | QueryError::Position { field }
            | QueryError::Username { field }
            | QueryError::Record { field }
            | QueryError::Group { field } => field,
        }
    }
}

/// A checked calendar date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    year: u16,
    month: u8,
    day: u8,
}

impl Date {
    /// `YYYY-MM-DD`, a day that exists, years 1000 to 9999.
    pub fn parse(text: &str) -> Option<Self> {
        let b = text.as_bytes();
        let shaped = b.len() == 10
            && b.iter().enumerate().all(|(i, c)| {
                if i == 4 || i == 7 {
                    *c == b'-'
                } else {
                    c.is_ascii_digit()
                }
            });
        if !shaped {
            return None;
        }
        let year: u16 = text[0..4].parse().ok()?;
        let month: u8 = text[5..7].parse().ok()?;
        let day: u8 = text[8..10].parse().ok()?;
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        let days = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return None,
        };
        (year >= 1000 && (1..=days).contains(&day)).then_some(Self { year, month, day })
    }
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// Both ends included; either may be open.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Dates {
    pub from: Option<Date>,
    pub to: Option<Date>,
}

impl Dates {
    pub fn is_open(&self) -> bool {
        self.from.is_none() && self.to.is_none()
    }
}

/// An account named in a filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Person {
    /// Not assigned (no reviewer).
    Nobody,
    Id(i64),
    Username(String),
}

impl Person {
    fn text(&self) -> String {
        match self {
            Person::Nobody => "nobody".into(),
            Person::Id(i) => format!("user-{i}"),
            Person::Username(u) => u.clone(),
        }
    }
}

/// Every filter of a list; all must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    pub status: Option<Status>,
    pub assignee: Option<Person>,
    pub reviewer: Option<Person>,
    pub created: Dates,
    pub updated: Dates,
    pub labels: Vec<String>,
    pub sources: Vec<String>,
    pub locations: Vec<String>,
    pub event_types: Vec<String>,
    pub events: Dates,
    pub related: Option<(Kind, i64)>,
    pub groups: Vec<String>,
    /// The kind's own fields (key from [`Kind::fields`], exact value).
    pub fields: Vec<(&'static str, String)>,
}

impl Filters {
    pub fn is_empty(&self) -> bool {
        *self == Filters::default()
    }
}

/// A list request: what to look for, in which order, from where.
#[derive(Debug, Clone)]
pub struct ListQuery {
    /// The search as typed (shown again in the form).
    pub text: String,
    pub search: Option<Search>,
    pub filters: Filters,
    /// The order asked for (relevance when searching, else the last change).
    pub sort: Sort,
    pub start: Start,
}

fn values<'q>(pairs: &'q [(String, String)], name: &str) -> Vec<&'q str> {
    pairs
        .iter()
        .filter(|(k, v)| k == name && !v.trim().is_empty())
        .map(|(_, v)| v.as_str())
        .collect()
}

/// The checked text of a parameter given at most once (the first wins).
fn one(pairs: &[(String, String)], name: &str, max: usize) -> Result<String, QueryError> {
    let v = pairs
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str());
    checked(name, v, max)
}

fn checked(name: &str, v: &str, max: usize) -> Result<String, QueryError> {
    if v.chars().any(|c| c.is_control()) {
        return Err(QueryError::Control { field: name.into() });
    }
    let len = v.chars().count();
    if len > max {
        return Err(QueryError::TooLong {
            field: name.into(),
            len,
            max,
        });
    }
    Ok(v.trim().to_owned())
}

fn many(pairs: &[(String, String)], name: &str, max: usize) -> Result<Vec<String>, QueryError> {
    let vs = values(pairs, name);
    if vs.len() > MAX_VALUES {
        return Err(QueryError::TooMany {
            field: name.into(),
            count: vs.len(),
        });
    }
    let mut out: Vec<String> = Vec::new();
    for v in vs {
        let v = checked(name, v, max)?;
        if !out.iter().any(|o| o.to_lowercase() == v.to_lowercase()) {
            out.push(v);
        }
    }
    Ok(out)
}

fn date(pairs: &[(String, String)], name: &str) -> Result<Option<Date>, QueryError> {
    let v = one(pairs, name, 10).map_err(|_| QueryError::Date { field: name.into() })?;
    if v.is_empty() {
        return Ok(None);
    }
    Date::parse(&v)
        .map(Some)
        .ok_or(QueryError::Date { field: name.into() })
}

fn dates(pairs: &[(String, String)], prefix: &str) -> Result<Dates, QueryError> {
    let (from_name, to_name) = (format!("{prefix}_from"), format!("{prefix}_to"));
    let d = Dates {
        from: date(pairs, &from_name)?,
        to: date(pairs, &to_name)?,
    };
    if let (Some(f), Some(t)) = (d.from, d.to) {
        if t < f {
            return Err(QueryError::Reversed { field: to_name });
        }
    }
    Ok(d)
}

fn person(
    actor: &Actor,
    pairs: &[(String, String)],
    name: &str,
) -> Result<Option<Person>, QueryError> {
    let v = one(pairs, name, 100)?;
    if v.is_empty() {
        return Ok(None);
    }
    if v == "me" || v == "you" {
        return Ok(Some(Person::Id(actor.user_id)));
    }
    if v == "nobody" {
        return Ok(Some(Person::Nobody));
    }
    if let Some(id) = v
        .strip_prefix("user-")
        .and_then(|n| n.parse::<i64>().ok())
        .filter(|i| *i > 0)
    {
        return Ok(Some(Person::Id(id)));
    }
    if !may_filter_by_username(actor) {
        return Err(QueryError::Username { field: name.into() });
    }
    Ok(Some(Person::Username(v)))
}

fn record(text: &str) -> Option<(Kind, i64)> {
    let (kind, id) = text.split_once('/')?;
    let kind = Kind::ALL.into_iter().find(|k| k.noun() == kind)?;
    let id: i64 = id.parse().ok().filter(|i| *i > 0)?;
    (!id.to_string().is_empty() && !text.contains('+')).then_some((kind, id))
}

impl ListQuery {
    /// The list request of `kind` in the URL query `query`, as `actor`
    /// may ask it.
    pub fn from_params(kind: Kind, actor: &Actor, query: Option<&str>) -> Result<Self, QueryError> {
        let pairs: Vec<(String, String)> = query
            .into_iter()
            .flat_map(|q| form_urlencoded::parse(q.as_bytes()))
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let text = one(&pairs, "q", 200)?;
        let search = Search::parse(&text).map_err(QueryError::Search)?;
        let status = match one(&pairs, "status", 20)?.as_str() {
            "" => None,
            s => Some(Status::parse(s).ok_or(QueryError::Choice {
                field: "status".into(),
                choices: "unassigned, assigned, peer_review, revisit, reviewed, finalized",
            })?),
        };
        let sort = match one(&pairs, "sort", 20)?.as_str() {
            "" if search.is_some() => Sort::Relevance,
            "" => Sort::Updated,
            s => Sort::parse(s).ok_or(QueryError::Choice {
                field: "sort".into(),
                choices: "relevance, updated, created, id",
            })?,
        };
        let cursor = |name: &str| -> Result<Option<Cursor>, QueryError> {
            let v =
                one(&pairs, name, 60).map_err(|_| QueryError::Position { field: name.into() })?;
            if v.is_empty() {
                return Ok(None);
            }
            Cursor::parse(&v)
                .map(Some)
                .ok_or(QueryError::Position { field: name.into() })
        };
        let start = match (cursor("after")?, cursor("before")?) {
            (Some(c), _) => Start::After(c),
            (None, Some(c)) => Start::Before(c),
            (None, None) => Start::First,
        };
        let related = match one(&pairs, "related", 40)?.as_str() {
            "" => None,
            r => Some(record(r).ok_or(QueryError::Record {
                field: "related".into(),
            })?),
        };
        let groups: Vec<String> = many(&pairs, "group", 60)?
            .into_iter()
            .map(|g| g.to_lowercase())
            .collect();
        if let Some(g) = groups.iter().find(|g| !may_filter_by_group(actor, g)) {
            let _ = g;
            return Err(QueryError::Group {
                field: "group".into(),
            });
        }
        let mut fields = Vec::new();
        for f in kind.fields() {
            let v = one(&pairs, f.key, f.max)?;
            if v.is_empty() {
                continue;
            }
            if let Some(choices) = f.choices {
                if !choices.contains(&v.as_str()) {
                    return Err(QueryError::Choice {
                        field: f.key.into(),
                        choices: match f.key {
                            "type" => "person, entity",
                            _ => "female, male, other",
                        },
                    });
                }
            }
            fields.push((f.key, v));
        }
        let filters = Filters {
            status,
            assignee: person(actor, &pairs, "assignee")?,
            reviewer: person(actor, &pairs, "reviewer")?,
            created: dates(&pairs, "created")?,
            updated: dates(&pairs, "updated")?,
            labels: many(&pairs, "label", 200)?,
            sources: many(&pairs, "source", 200)?,
            locations: many(&pairs, "location", 200)?,
            event_types: many(&pairs, "event_type", 200)?,
            events: dates(&pairs, "event")?,
            related,
            groups,
            fields,
        };
        Ok(Self {
            text,
            search,
            filters,
            sort,
            start,
        })
    }

    /// What was asked, for the activity log: the search text and every
    /// filter given, by parameter name.
    pub fn logged(&self) -> Value {
        let f = &self.filters;
        let mut m = Map::new();
        if !self.text.trim().is_empty() {
            m.insert("q".into(), json!(self.text));
        }
        let mut put = |k: &str, v: Value| {
            m.insert(k.to_owned(), v);
        };
        if let Some(s) = f.status {
            put("status", json!(s.as_str()));
        }
        if let Some(p) = &f.assignee {
            put("assignee", json!(p.text()));
        }
        if let Some(p) = &f.reviewer {
            put("reviewer", json!(p.text()));
        }
        for (name, d) in [
            ("created", f.created),
            ("updated", f.updated),
            ("event", f.events),
        ] {
            if let Some(x) = d.from {
                put(&format!("{name}_from"), json!(x.to_string()));
            }
            if let Some(x) = d.to {
                put(&format!("{name}_to"), json!(x.to_string()));
            }
        }
        for (name, vs) in [
            ("label", &f.labels),
            ("source", &f.sources),
            ("location", &f.locations),
            ("event_type", &f.event_types),
            ("group", &f.groups),
        ] {
            if !vs.is_empty() {
                put(name, json!(vs));
            }
        }
        if let Some((k, id)) = f.related {
            put("related", json!(format!("{}/{id}", k.noun())));
        }
        for (k, v) in &f.fields {
            put(k, json!(v));
        }
        Value::Object(m)
    }

    /// The query string of this list at another position (`("after", c)`
    /// or `("before", c)`), every filter kept: what a page link carries,
    /// so that a filtered list pages through the same records.
    pub fn url_params(&self, at: Option<(&str, Cursor)>) -> String {
        let mut q = form_urlencoded::Serializer::new(String::new());
        if let Value::Object(m) = self.logged() {
            for (k, v) in m {
                match v {
                    Value::Array(vs) => {
                        for v in vs {
                            q.append_pair(&k, v.as_str().unwrap_or_default());
                        }
                    }
                    v => {
                        q.append_pair(&k, v.as_str().unwrap_or_default());
                    }
                }
            }
        }
        q.append_pair("sort", self.sort.as_str());
        if let Some((name, c)) = at {
            q.append_pair(name, &c.encode());
        }
        q.finish()
    }

    /// Whether this request looks for something (a search or a filter):
    /// those are the lists the activity log records.
    pub fn is_search(&self) -> bool {
        self.search.is_some() || !self.filters.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::{Date, ListQuery, Person, QueryError};
    use crate::evidence::items::{Kind, Sort, Start};
    use crate::policy::{Actor, Role};

    fn analyst() -> Actor {
        Actor::new(7, Role::Analyst, None, vec!["team-a".into()])
    }

    fn parse(kind: Kind, q: &str) -> Result<ListQuery, QueryError> {
        ListQuery::from_params(kind, &analyst(), Some(q))
    }

    #[test]
    fn dates_are_days_that_exist() {
        assert!(Date::parse("2024-02-29").is_some());
        for bad in [
            "2023-02-29",
            "2024-13-01",
            "2024-00-10",
            "24-01-01",
            "2024-1-01",
            "0999-01-01",
            "2024-01-32",
            "２０２４-01-01",
        ] {
            assert_eq!(Date::parse(bad), None, "{bad}");
        }
        assert_eq!(
            Date::parse("2024-03-01").map(|d| d.to_string()).as_deref(),
            Some("2024-03-01")
        );
    }

    #[test]
    fn every_filter_is_read_from_the_query() {
        let q = parse(
            Kind::Actor,
            "q=shelling&status=assigned&assignee=me&reviewer=user-3&created_from=2024-01-01&created_to=2024-12-31\
             &label=Airstrike&label=airstrike&label=Market&source=SANA&location=Aleppo&event_type=Arrest\
             &event_from=2020-01-01&related=bulletin/12&group=team-a&type=entity&nationality=Syrian&sort=created&after=5.9",
        )
        .expect("parses");
        let f = &q.filters;
        assert_eq!(f.assignee, Some(Person::Id(7)));
        assert_eq!(f.reviewer, Some(Person::Id(3)));
        assert_eq!(f.labels, vec!["Airstrike".to_owned(), "Market".to_owned()]);
        assert_eq!(f.related, Some((Kind::Bulletin, 12)));
        assert_eq!(
            f.fields,
            vec![
                ("type", "entity".to_owned()),
                ("nationality", "Syrian".to_owned())
            ]
        );
        assert_eq!(q.sort, Sort::Created);
        assert!(matches!(q.start, Start::After(_)));
        assert!(q.is_search());
        let logged = q.logged();
        assert_eq!(logged["q"], "shelling");
        assert_eq!(logged["label"][1], "Market");
        assert_eq!(logged["related"], "bulletin/12");
        let again = parse(Kind::Actor, &q.url_params(None)).expect("round trip");
        assert_eq!(again.filters, q.filters);
        assert_eq!(again.text, q.text);
        let plain = parse(Kind::Bulletin, "page=3&type=entity").expect("plain");
        assert!(
            !plain.is_search(),
            "a bulletin has no type field; page is ignored"
        );
        assert_eq!(plain.sort, Sort::Updated);
    }

    #[test]
    fn bad_values_name_the_field_and_say_what_to_do() {
        let err = |q: &str| parse(Kind::Bulletin, q).expect_err(q);
        for (q, field) in [
            ("q=%22open", "q"),
            ("status=done", "status"),
            ("sort=random", "sort"),
            ("created_from=2024-02-30", "created_from"),
            (
                "updated_from=2024-05-01&updated_to=2024-04-01",
                "updated_to",
            ),
            ("after=1.0", "after"),
            ("assignee=alice", "assignee"),
            ("related=bulletin/x", "related"),
            ("related=case/1", "related"),
            ("group=team-b", "group"),
            ("label=a%01b", "label"),
        ] {
            let e = err(q);
            assert_eq!(e.field(), field, "{q}: {e}");
            assert!(e.to_string().ends_with('.'), "{e}");
        }
        let distinct: String = (0..9).map(|i| format!("label=l{i}&")).collect();
        assert!(matches!(err(&distinct), QueryError::TooMany { .. }));
        let admin = Actor::new(1, Role::Admin, None, vec![]);
        let q = ListQuery::from_params(Kind::Bulletin, &admin, Some("group=team-b&assignee=alice"))
            .expect("admin");
        assert_eq!(q.filters.assignee, Some(Person::Username("alice".into())));
        assert_eq!(q.filters.groups, vec!["team-b".to_owned()]);
    }
}
