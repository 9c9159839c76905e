//! Pages of the evidence records: lists, forms, a record with its files,
//! links and workflow, its history, and the outcome of a bulk change.
//! Descriptions are sanitised HTML (on the way in, and again here on the
//! way out): the one raw output of these pages.

use custodian_core::evidence::items::{
    Both, Count, Cursor, Kind, Lang, ListQuery, Listing, Record, Revision, Sort,
};
use custodian_core::evidence::links;
use custodian_core::evidence::media;
use custodian_core::evidence::sanitize;
use custodian_core::evidence::saved_searches::SavedSearch;
use custodian_core::policy::workflow::Status;
use custodian_core::policy::Shown;
use fluent_bundle::FluentValue;
use maud::{html, Markup, PreEscaped};

use super::layout::{alert, csrf_field, layout, when, when_to_the_second, Area, Page, Viewer};
use super::{name_html, name_text, reader_lang};
use crate::i18n::{t, t_with};

/// Where a kind of record sits in the navigation.
pub(crate) fn area(kind: Kind) -> Area {
    match kind {
        Kind::Bulletin => Area::Bulletins,
        Kind::Actor => Area::Actors,
        Kind::Incident => Area::Incidents,
    }
}

/// The catalogue keys of a kind's words (each language words them in
/// its own grammar, so every phrase that names the kind is its own key).
pub(crate) struct KindWords {
    /// "Bulletins" (the navigation's word).
    pub plural: &'static str,
    /// "Bulletin".
    pub one: &'static str,
    /// "bulletin", as a history's summary names it.
    pub noun: &'static str,
    /// "Bulletin 7" (`$id`).
    pub numbered: &'static str,
    pub new: &'static str,
    pub edit: &'static str,
    pub select: &'static str,
    pub history: &'static str,
    pub back: &'static str,
    pub none_match: &'static str,
    pub count: &'static str,
    pub count_more: &'static str,
    pub relation_out: &'static str,
    pub relation_in: &'static str,
    pub relation_this: &'static str,
}

pub(crate) fn kind_words(kind: Kind) -> &'static KindWords {
    const BULLETIN: KindWords = KindWords {
        plural: "nav-bulletins",
        one: "bulletin-one",
        noun: "bulletin-noun",
        numbered: "bulletin-numbered",
        new: "bulletin-new",
        edit: "bulletin-edit",
        select: "bulletin-select",
        history: "bulletin-history",
        back: "bulletin-back",
        none_match: "bulletin-none-match",
        count: "bulletin-count",
        count_more: "bulletin-count-more",
        relation_out: "bulletin-relation-out",
        relation_in: "bulletin-relation-in",
        relation_this: "bulletin-relation-this",
    };
    const ACTOR: KindWords = KindWords {
        plural: "nav-actors",
        one: "actor-one",
        noun: "actor-noun",
        numbered: "actor-numbered",
        new: "actor-new",
        edit: "actor-edit",
        select: "actor-select",
        history: "actor-history",
        back: "actor-back",
        none_match: "actor-none-match",
        count: "actor-count",
        count_more: "actor-count-more",
        relation_out: "actor-relation-out",
        relation_in: "actor-relation-in",
        relation_this: "actor-relation-this",
    };
    const INCIDENT: KindWords = KindWords {
        plural: "nav-incidents",
        one: "incident-one",
        noun: "incident-noun",
        numbered: "incident-numbered",
        new: "incident-new",
        edit: "incident-edit",
        select: "incident-select",
        history: "incident-history",
        back: "incident-back",
        none_match: "incident-none-match",
        count: "incident-count",
        count_more: "incident-count-more",
        relation_out: "incident-relation-out",
        relation_in: "incident-relation-in",
        relation_this: "incident-relation-this",
    };
    match kind {
        Kind::Bulletin => &BULLETIN,
        Kind::Actor => &ACTOR,
        Kind::Incident => &INCIDENT,
    }
}

/// "Bulletin 7", in the request's language.
fn numbered(kind: Kind, id: i64) -> String {
    t_with(kind_words(kind).numbered, &[("id", id.into())])
}

/// The catalogue key of a workflow status's name.
pub(crate) fn status_key(s: Status) -> &'static str {
    match s {
        Status::Unassigned => "status-unassigned",
        Status::Assigned => "status-assigned",
        Status::PeerReview => "status-peer-review",
        Status::Revisit => "status-revisit",
        Status::Reviewed => "status-reviewed",
        Status::Finalized => "status-finalized",
    }
}

fn sort_key(s: Sort) -> &'static str {
    match s {
        Sort::Relevance => "sort-relevance",
        Sort::Updated => "sort-updated",
        Sort::Created => "sort-created",
        Sort::Id => "sort-id",
    }
}

/// What the `title` column is called for this kind.
pub(crate) fn title_label(kind: Kind) -> String {
    t(match kind {
        Kind::Actor => "records-name",
        _ => "records-title",
    })
}

/// The two languages in the order a page shows them: the interface's
/// first, unless it has no text there; the second only when it has text.
fn in_reading_order(texts: Both<&str>) -> Vec<(Lang, &str)> {
    let first = reader_lang();
    let order = if texts.get(first).is_empty() {
        [first.other(), first]
    } else {
        [first, first.other()]
    };
    order
        .into_iter()
        .map(|l| (l, *texts.get(l)))
        .filter(|(_, text)| !text.is_empty())
        .collect()
}

/// "In Arabic" / "In English": what marks the second language's text.
fn in_language(lang: Lang) -> String {
    t(match lang {
        Lang::Arabic => "records-in-arabic",
        Lang::English => "records-in-english",
    })
}

/// The labels of a form's title and description in `lang`.
fn field_labels(kind: Kind, lang: Lang) -> (String, String) {
    let (title, description) = match (kind, lang) {
        (Kind::Actor, Lang::Arabic) => ("records-name-arabic", "records-description-arabic"),
        (Kind::Actor, Lang::English) => ("records-name-english", "records-description-english"),
        (_, Lang::Arabic) => ("records-title-arabic", "records-description-arabic"),
        (_, Lang::English) => ("records-title-english", "records-description-english"),
    };
    (t(title), t(description))
}

/// A kind's own field's label (core names it in English), by its key.
fn field_label(f: &custodian_core::evidence::kind::Field) -> String {
    let key = match f.key {
        "type" => "field-type",
        "sex" => "field-sex",
        "nationality" => "field-nationality",
        "potential_violations" => "field-potential-violations",
        "claimed_violations" => "field-claimed-violations",
        _ => return f.label.to_owned(),
    };
    t(key)
}

/// A stored choice of a field ("person", "female") as the reader's word.
fn choice_label(value: &str) -> String {
    let key = match value {
        "person" => "choice-person",
        "entity" => "choice-entity",
        "female" => "choice-female",
        "male" => "choice-male",
        "other" => "choice-other",
        _ => return value.to_owned(),
    };
    t(key)
}

/// An account as core shows it to the reader: "you" and "nobody" are
/// words of the interface, a username is shown as it is (even one that
/// is spelt "you"), and an account whose name the reader may not see is
/// `user-N`, as it may be typed in either language.
pub(crate) fn person(shown: &Shown) -> String {
    match shown {
        Shown::You => t("person-you"),
        Shown::Nobody => t("person-nobody"),
        Shown::Name(name) => name.clone(),
        Shown::Numbered(id) => format!("user-{id}"),
    }
}

/// A workflow step's name ("assign", as a history or a bulk change
/// names it).
fn step_name_key(name: &str) -> Option<&'static str> {
    Some(match name {
        "assign" => "step-name-assign",
        "self-assign" => "step-name-self-assign",
        "submit" => "step-name-submit",
        "accept" => "step-name-accept",
        "send-back" => "step-name-send-back",
        "finalize" => "step-name-finalize",
        _ => return None,
    })
}

/// The words of a relation type read from the record of `kind` (the
/// stored type as a fallback).
fn relation_words(stored: &str, kind: Kind) -> String {
    let key = match stored {
        "related" => "relation-related",
        "duplicate" => "relation-duplicate",
        "same_event" => "relation-same-event",
        "appears_in" => "relation-appears-in",
        "victim" => "relation-victim",
        "witness" => "relation-witness",
        "perpetrator" => "relation-perpetrator",
        "member_of" => "relation-member-of",
        "family" => "relation-family",
        "part_of" => "relation-part-of",
        _ => return stored.to_owned(),
    };
    t_with(key, &[("kind", kind.noun().into())])
}

/// A relation type's name, as a history's summary names it.
fn relation_name(stored: &str) -> String {
    let key = match stored {
        "related" => "relation-type-related",
        "duplicate" => "relation-type-duplicate",
        "same_event" => "relation-type-same-event",
        "appears_in" => "relation-type-appears-in",
        "victim" => "relation-type-victim",
        "witness" => "relation-type-witness",
        "perpetrator" => "relation-type-perpetrator",
        "member_of" => "relation-type-member-of",
        "family" => "relation-type-family",
        "part_of" => "relation-type-part-of",
        _ => return stored.to_owned(),
    };
    t(key)
}

fn certainty(stored: &str) -> String {
    let key = match stored {
        "unverified" => "certainty-unverified",
        "probable" => "certainty-probable",
        "confirmed" => "certainty-confirmed",
        _ => return stored.to_owned(),
    };
    t(key)
}

/// "label", "source", "location": what a reference is.
fn reference_word(what: &str) -> String {
    let key = match what {
        "label" => "reference-label",
        "source" => "reference-source",
        "location" => "reference-location",
        _ => return what.to_owned(),
    };
    t(key)
}

/// A stand-in for `marks[i]` of [`marked`], to pass as a placeable.
pub(crate) fn slot(i: usize) -> FluentValue<'static> {
    FluentValue::from(format!("\u{E000}{i}\u{E001}"))
}

/// A formatted sentence whose placeables [`slot`]`(i)` are shown as
/// `marks[i]` (a name in `bdi`, a link): the sentence is cut at the
/// stand-ins, and its words and the marks are each escaped as usual.
pub(crate) fn marked(text: &str, marks: &[Markup]) -> Markup {
    let mut pieces: Vec<Result<&str, usize>> = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find('\u{E000}') {
        let after = &rest[at + '\u{E000}'.len_utf8()..];
        let Some(end) = after.find('\u{E001}') else {
            break;
        };
        match after[..end].parse::<usize>() {
            Ok(i) if i < marks.len() => {
                pieces.push(Ok(&rest[..at]));
                pieces.push(Err(i));
            }
            _ => pieces.push(Ok(
                &rest[..at + '\u{E000}'.len_utf8() + end + '\u{E001}'.len_utf8()]
            )),
        }
        rest = &after[end + '\u{E001}'.len_utf8()..];
    }
    pieces.push(Ok(rest));
    html! {
        @for p in pieces {
            @match p {
                Ok(words) => (words),
                Err(i) => (marks[i]),
            }
        }
    }
}

/// The form a typed date takes, written the same in either language.
fn date_format() -> Markup {
    html! { code dir="ltr" { "YYYY-MM-DD" } }
}

/// A day as it was typed (an event's dates: `YYYY-MM-DD`, no time of
/// day nor zone), left to right inside any sentence.
fn day(text: &str) -> Markup {
    html! { span dir="ltr" { (text) } }
}

/// An account's name (or "you", "nobody", `user-N`), isolated.
pub(crate) fn who(shown: &Shown) -> Markup {
    html! { bdi { (person(shown)) } }
}

pub(crate) struct ListView<'a> {
    pub kind: Kind,
    pub listing: &'a Listing,
    /// What was asked for: the search, every filter, the order; the form
    /// shows it again and every page link carries it.
    pub query: &'a ListQuery,
    pub can_create: bool,
    /// Whether the access-group filter is offered (administrators, and
    /// whoever belongs to a group).
    pub groups: bool,
    /// For administrators and moderators: the CSRF token and the people
    /// the bulk form may name.
    pub bulk: Option<(&'a str, &'a [(i64, Shown)])>,
    pub saving: Saving<'a>,
}

/// How to write a search, each example as code in the reader's script
/// (an Arabic example keeps its own order inside the Arabic sentence).
fn search_hint() -> Markup {
    let examples = [
        ("phrase", t("records-search-example-phrase")),
        ("prefix", t("records-search-example-prefix")),
        ("either", t("records-search-example-either")),
        ("not", t("records-search-example-not")),
    ];
    let values: Vec<(&str, &str)> = examples.iter().map(|(n, e)| (*n, e.as_str())).collect();
    super::with_code("records-search-hint", &values)
}

/// The saved searches a list offers, and what saving one needs.
pub(crate) struct Saving<'a> {
    pub csrf: &'a str,
    /// The reader's own and those shared with its groups.
    pub saved: &'a [SavedSearch],
    /// The groups the reader may share a search with (its own).
    pub groups: &'a [String],
}

/// The saved searches, each a link that runs it again (the reader's own
/// with a button that deletes it), and a form that keeps the list's
/// current search under a name.
fn saved_searches(v: &ListView<'_>) -> Markup {
    let s = &v.saving;
    let path = v.kind.path();
    html! {
        @if !s.saved.is_empty() {
            p.saved {
                strong { (t("saved-searches")) } " "
                @for (i, one) in s.saved.iter().enumerate() {
                    @if i > 0 { " · " }
                    a href={(path) "?" (one.query)} { bdi { (one.name) } }
                    @if let Some(group) = &one.shared_with {
                        " " span.muted { "(" (t("saved-shared-with")) " " bdi { (group) } ")" }
                    }
                    @if one.mine {
                        " "
                        form.inline method="post" action="/searches/delete" {
                            (csrf_field(s.csrf))
                            input type="hidden" name="id" value=(one.id);
                            button.small type="submit" { (t("saved-delete")) }
                        }
                    }
                }
            }
        }
        details.save-search {
            summary { (t("saved-save-heading")) }
            form method="post" action="/searches/save" {
                (csrf_field(s.csrf))
                input type="hidden" name="kind" value=(v.kind.noun());
                input type="hidden" name="query" value=(v.query.url_params(None));
                label for="saved-name" { (t("saved-name")) }
                input #saved-name name="name" maxlength="100" required dir="auto";
                @if !s.groups.is_empty() {
                    label for="saved-share" { (t("saved-share")) }
                    select #saved-share name="shared_with" {
                        option value="" { (t("saved-private")) }
                        @for g in s.groups { option value=(g) dir="auto" { (g) } }
                    }
                }
                button.small type="submit" { (t("saved-save")) }
            }
        }
    }
}

/// A list's address; `at` is a page position ("after" or "before" a row).
/// Every filter is kept, so a filtered list pages through the same records.
fn list_url(v: &ListView<'_>, at: Option<(&str, Cursor)>) -> String {
    format!("{}?{}", v.kind.path(), v.query.url_params(at))
}

/// The filter `name` as it was asked for (its first value), to show again.
fn asked(q: &ListQuery, name: &str) -> String {
    match q.logged().get(name) {
        Some(serde_json::Value::Array(vs)) => vs
            .first()
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_owned(),
        Some(v) => v.as_str().unwrap_or_default().to_owned(),
        None => String::new(),
    }
}

/// One labelled input of the filter form.
fn filter_field(
    q: &ListQuery,
    name: &str,
    label: &str,
    kind: &str,
    hint: Option<&Markup>,
) -> Markup {
    let id = format!("f-{name}");
    html! {
        div.field {
            label for=(id) { (label) }
            input id=(id) name=(name) type=(kind) maxlength="200" dir="auto" value=(asked(q, name));
            @if let Some(h) = hint { small.muted { (h) } }
        }
    }
}

/// The filters beyond search and status, folded away until one is used.
fn more_filters(v: &ListView<'_>) -> Markup {
    let q = v.query;
    let open = {
        let f = &q.filters;
        f.assignee.is_some()
            || f.reviewer.is_some()
            || !f.created.is_open()
            || !f.updated.is_open()
            || !f.labels.is_empty()
            || !f.sources.is_empty()
            || !f.locations.is_empty()
            || !f.event_types.is_empty()
            || !f.events.is_open()
            || f.related.is_some()
            || !f.groups.is_empty()
            || !f.fields.is_empty()
    };
    // What may be typed (`me`, `user-N`, `bulletin/12`) is shown as code,
    // the same in either language.
    let code = |words: &str| html! { code dir="ltr" { (words) } };
    let person = marked(
        &t_with(
            "filter-person-hint",
            &[("me", slot(0)), ("nobody", slot(1)), ("user", slot(2))],
        ),
        &[code("me"), code("nobody"), code("user-N")],
    );
    let person = Some(&person);
    let exact = html! { (t("filter-exact-title")) };
    let exact = Some(&exact);
    let related = marked(
        &t_with("filter-related-hint", &[("example", slot(0))]),
        &[code("bulletin/12")],
    );
    html! {
        details.filters open[open] {
            summary { (t("filters-more")) }
            div.filter-grid {
                (filter_field(q, "assignee", &t("records-assigned-to"), "text", person))
                (filter_field(q, "reviewer", &t("records-reviewer"), "text", person))
                (filter_field(q, "created_from", &t("filter-created-from"), "date", None))
                (filter_field(q, "created_to", &t("filter-created-to"), "date", None))
                (filter_field(q, "updated_from", &t("filter-updated-from"), "date", None))
                (filter_field(q, "updated_to", &t("filter-updated-to"), "date", None))
                (filter_field(q, "label", &t("records-label"), "text", exact))
                (filter_field(q, "source", &t("records-source"), "text", exact))
                (filter_field(q, "location", &t("records-location"), "text", exact))
                (filter_field(q, "event_type", &t("records-event-type"), "text", None))
                (filter_field(q, "event_from", &t("filter-event-from"), "date", None))
                (filter_field(q, "event_to", &t("filter-event-to"), "date", None))
                (filter_field(q, "related", &t("filter-related"), "text", Some(&related)))
                @if v.groups {
                    (filter_field(q, "group", &t("filter-group"), "text", None))
                }
                @for f in v.kind.fields() {
                    (filter_field(q, f.key, &field_label(f), "text", None))
                }
            }
        }
    }
}

/// 1234567 as "1,234,567".
pub(crate) fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 {
        out.insert(0, '-');
    }
    out
}

fn people_options(people: &[(i64, Shown)]) -> Markup {
    html! { @for (id, name) in people { option value=(id) dir="auto" { (person(name)) } } }
}

fn list_table(v: &ListView<'_>) -> Markup {
    let path = v.kind.path();
    let words = kind_words(v.kind);
    html! {
        div.table {
            table {
                thead { tr { th { "#" } th { (title_label(v.kind)) } th { (t("records-status")) } th { (t("records-assigned-to")) } th { (t("records-updated-utc")) } } }
                tbody {
                    @for r in &v.listing.rows {
                        tr {
                            td {
                                @if v.bulk.is_some() {
                                    input type="checkbox" name="id" value=(r.id) aria-label=(t_with(words.select, &[("id", r.id.into())]));
                                    " "
                                }
                                (r.id)
                            }
                            td dir="auto" { a href={(path) "/view?id=" (r.id)} { (r.title) } }
                            td { (t(status_key(r.status))) }
                            td { (who(&r.assignee)) }
                            td { (when(r.updated)) }
                        }
                    }
                }
            }
        }
    }
}

pub(crate) fn list(viewer: &Viewer, v: &ListView<'_>) -> Markup {
    let path = v.kind.path();
    let words = kind_words(v.kind);
    let plural = t(words.plural);
    let (n, many) = match v.listing.count {
        Count::Exact(n) => (n, false),
        Count::MoreThan(n) => (n, true),
    };
    let count_args = [
        ("count", FluentValue::from(n)),
        ("shown", FluentValue::from(thousands(n))),
        (
            "sort",
            FluentValue::from(t(sort_key(v.listing.sort)).to_lowercase()),
        ),
    ];
    let count = t_with(
        if many { words.count_more } else { words.count },
        &count_args,
    );
    let page = Page::signed(&plural, viewer, area(v.kind))
        .wide()
        .csrf(v.saving.csrf);
    layout(
        &page,
        html! {
            section.card {
                div.heading {
                    h1 { (plural) }
                    @if v.can_create {
                        p { a.button href={(path) "/new"} { (t(words.new)) } }
                    }
                }
                form.search method="get" action=(path) {
                    div.field.grow {
                        label for="q" { (t(if v.kind == Kind::Actor { "records-search-names" } else { "records-search-titles" })) }
                        input #q name="q" maxlength="200" dir="auto" value=(v.query.text);
                    }
                    div.field {
                        label for="status" { (t("records-status")) }
                        select #status name="status" {
                            option value="" selected[v.query.filters.status.is_none()] { (t("records-any-status")) }
                            @for s in Status::ALL {
                                option value=(s.as_str()) selected[v.query.filters.status == Some(s)] { (t(status_key(s))) }
                            }
                        }
                    }
                    div.field {
                        label for="sort" { (t("records-sort-by")) }
                        select #sort name="sort" {
                            @for s in Sort::ALL {
                                option value=(s.as_str()) selected[s == v.query.sort] { (t(sort_key(s))) }
                            }
                        }
                    }
                    (more_filters(v))
                    button type="submit" { (t("records-search")) }
                    p.muted.hint { (search_hint()) }
                }
                (saved_searches(v))
                @if v.listing.rows.is_empty() {
                    p.muted { (t(words.none_match)) }
                } @else if let Some((csrf, people)) = v.bulk {
                    form method="post" action={(path) "/bulk"} {
                        (csrf_field(csrf))
                        (list_table(v))
                        p.bulk {
                            label for="bulk-step" { (t("records-bulk-with")) }
                            select #bulk-step name="step" {
                                option value="assign" { (t("records-bulk-assign")) }
                                option value="finalize" { (t("records-bulk-finalize")) }
                            }
                            select name="user" aria-label=(t("records-person")) { (people_options(people)) }
                            button.small type="submit" { (t("records-apply")) }
                        }
                    }
                } @else {
                    (list_table(v))
                }
                p.muted {
                    (count)
                    @if v.listing.sort != v.query.sort && v.query.search.is_some() {
                        " " (t("records-rank-too-many"))
                    }
                }
                p.pages {
                    @if v.listing.previous.is_some() {
                        a href=(list_url(v, None)) { (t("records-first-page")) } " "
                    }
                    @if let Some(c) = v.listing.previous {
                        a href=(list_url(v, Some(("before", c)))) rel="prev" { (t("records-previous-page")) } " "
                    }
                    @if let Some(c) = v.listing.next {
                        a href=(list_url(v, Some(("after", c)))) rel="next" { (t("records-next-page")) }
                    }
                }
            }
        },
    )
}

/// What a form shows: the values as typed (or stored).
pub(crate) struct FormValues<'a> {
    pub title: Both<&'a str>,
    pub description: Both<&'a str>,
    pub details: &'a serde_json::Value,
    pub groups: &'a str,
}

/// The kind's own fields: a list of choices or a line of text each.
fn detail_fields(kind: Kind, details: &serde_json::Value) -> Markup {
    html! {
        @for f in kind.fields() {
            @let current = Kind::detail(details, f.key);
            label for=(f.key) { (field_label(f)) }
            @match f.choices {
                Some(choices) => select id=(f.key) name=(f.key) {
                    @for c in choices {
                        option value=(c) selected[*c == current] { @if c.is_empty() { "—" } @else { (choice_label(c)) } }
                    }
                },
                None => input id=(f.key) name=(f.key) maxlength=(f.max) dir="auto" value=(current);,
            }
        }
    }
}

pub(crate) fn form(
    viewer: &Viewer,
    kind: Kind,
    csrf: &str,
    existing: Option<&Record>,
    message: Option<&str>,
    v: &FormValues<'_>,
) -> Markup {
    let path = kind.path();
    let words = kind_words(kind);
    let heading = match existing {
        Some(b) => t_with(words.edit, &[("id", b.id.into())]),
        None => t(words.new),
    };
    let plural = t(words.plural);
    let langs = [reader_lang(), reader_lang().other()];
    let mut page = Page::signed(&heading, viewer, area(kind))
        .trail(&plural, path)
        .csrf(csrf);
    let record = existing.map(|b| (numbered(kind, b.id), format!("{path}/view?id={}", b.id)));
    if let Some((label, href)) = &record {
        page = page.trail(label, href.clone());
    }
    layout(
        &page,
        html! {
            section.card {
                h1 { (heading) }
                (alert(message))
                form.record method="post" action=(if existing.is_some() { format!("{path}/edit") } else { path.to_owned() }) {
                    (csrf_field(csrf))
                    @if let Some(b) = existing {
                        input type="hidden" name="id" value=(b.id);
                    }
                    // The interface's language first; either title will do
                    // (core refuses a record with neither, and says so).
                    @for lang in langs {
                        @let id = format!("title-{}", lang.as_str());
                        label for=(id) { (field_labels(kind, lang).0) }
                        input id=(id) name={"title_" (lang.as_str())} maxlength="300" dir="auto" lang=(lang.as_str()) value=(v.title.get(lang));
                    }
                    p.muted { (t(if kind == Kind::Actor { "records-name-either" } else { "records-title-either" })) }
                    (detail_fields(kind, v.details))
                    @for lang in langs {
                        @let id = format!("description-{}", lang.as_str());
                        label for=(id) { (field_labels(kind, lang).1) }
                        textarea id=(id) name={"description_" (lang.as_str())} rows="8" maxlength="100000" dir="auto" lang=(lang.as_str()) { (v.description.get(lang)) }
                    }
                    p.muted { (t("records-description-hint")) }
                    label for="groups" { (t("records-groups")) }
                    input #groups name="groups" maxlength="500" dir="auto" value=(v.groups);
                    button type="submit" { (t("records-save")) }
                }
            }
        },
    )
}

pub(crate) struct Actions<'a> {
    pub csrf: &'a str,
    pub can_edit: bool,
    pub can_history: bool,
    /// (step value, catalogue key of its button, needs a person)
    pub steps: Vec<(&'static str, &'static str, bool)>,
    pub people: &'a [(i64, Shown)],
    pub can_upload: bool,
    /// The upload form would be offered, but custodiand has no media
    /// store: the page says which setting adds one instead.
    pub no_media_store: bool,
    /// `None` without `can_access_media`.
    pub files: Option<&'a [media::Listed]>,
    pub links: &'a links::Links,
    /// The forms' choices, when the record may be edited now.
    pub choices: Option<&'a links::Choices>,
    /// What was typed to find a label, source or location by name
    /// (`find_label=`, ...): its list then holds the matches.
    pub finding: &'a [(&'static str, String)],
}

/// A list's options, each named in the reader's language first.
fn options(list: &[(i64, Both<String>)]) -> Markup {
    html! {
        @for (id, names) in list {
            @let (lang, text) = name_text(names);
            option value=(id) lang=(lang.as_str()) dir="auto" { (text) }
        }
    }
}

/// The hidden fields of every link form.
fn link_hidden(b: &Record, csrf: &str) -> Markup {
    html! {
        (csrf_field(csrf))
        input type="hidden" name="id" value=(b.id);
    }
}

/// "withdrawn on … by …: reason", or for a current link that may be
/// changed now, the form that withdraws it.
fn withdrawal(w: Option<&links::Withdrawal>, form: Option<(&str, &Markup)>, link: &str) -> Markup {
    html! {
        @match (w, form) {
            (Some(w), _) => {
                " " span.withdrawn {
                    (marked(
                        &t_with("links-withdrawn", &[("when", slot(0)), ("by", slot(1)), ("reason", slot(2))]),
                        &[when(w.when), who(&w.by), html! { bdi { (w.reason) } }],
                    ))
                }
            },
            (None, Some((action, hidden))) => {
                " " details.withdraw {
                    summary { (t("links-withdraw")) }
                    form method="post" action=(action) {
                        (hidden)
                        input type="hidden" name="what" value="withdraw";
                        input type="hidden" name="link" value=(link);
                        label { (t("links-why-wrong")) " " input name="reason" maxlength="1000" dir="auto" required; }
                        button.small type="submit" { (t("links-withdraw")) }
                    }
                }
            },
            (None, None) => {},
        }
    }
}

/// `inner`, struck through when the link was withdrawn.
fn struck(withdrawn: bool, inner: Markup) -> Markup {
    html! {
        @if withdrawn { del { (inner) } } @else { (inner) }
    }
}

/// "… by …" after a link or a file.
fn when_by(at: std::time::SystemTime, by: &Shown) -> Markup {
    marked(
        &t_with("records-when-by", &[("when", slot(0)), ("by", slot(1))]),
        &[when(at), who(by)],
    )
}

/// Relations, references and events, with the forms that add them.
fn links_html(b: &Record, a: &Actions<'_>) -> Markup {
    let l = a.links;
    let action = format!("{}/links", b.kind.path());
    let hidden = link_hidden(b, a.csrf);
    // Links are withdrawn under the same rule as they are added.
    let form = a.choices.map(|_| (action.as_str(), &hidden));
    let words = kind_words(b.kind);
    html! {
        h2 { (t("links-related")) }
        @if l.relations.is_empty() {
            p.muted { (t("links-none")) }
        } @else {
            ul.relations {
                @for r in &l.relations {
                    @let other = html! {
                        a href={(r.other.path()) "/view?id=" (r.other_id)} { (numbered(r.other, r.other_id)) ": " bdi { (r.other_title) } }
                    };
                    @let stored = links::RELATION_TYPES.iter().find(|(_, w)| *w == r.words).map_or("related", |(v, _)| *v);
                    li {
                        (struck(r.withdrawn.is_some(), html! {
                            @if r.outgoing {
                                (marked(
                                    &t_with(words.relation_out, &[("words", relation_words(stored, b.kind).into()), ("other", slot(0))]),
                                    &[other],
                                ))
                            } @else {
                                (marked(
                                    &t_with(words.relation_in, &[("words", relation_words(stored, r.other).into()), ("other", slot(0))]),
                                    &[other],
                                ))
                            }
                            " (" (certainty(&r.certainty)) ")"
                            @if !r.comment.is_empty() { " — " bdi { (r.comment) } }
                        }))
                        " " span.muted { (when_by(r.when, &r.by)) }
                        (withdrawal(r.withdrawn.as_ref(), form, &format!("relation:{}", r.id)))
                    }
                }
            }
        }
        h2 { (t("links-references")) }
        @if l.references.is_empty() {
            p.muted { (t("links-none")) }
        } @else {
            dl.facts {
                @for r in &l.references {
                    dt { (reference_word(&r.what)) }
                    dd {
                        (struck(r.withdrawn.is_some(), name_html(&r.title)))
                        (withdrawal(r.withdrawn.as_ref(), form, &format!("reference:{}", r.id)))
                    }
                }
            }
        }
        h2 { (t("links-events")) }
        @if l.events.is_empty() {
            p.muted { (t("links-none")) }
        } @else {
            div.table {
                table {
                    thead { tr { th { (t("links-event")) } th { (t("links-where")) } th { (t("links-from")) } th { (t("links-to")) } th { (t("links-note")) } th {} } }
                    tbody {
                        @for e in &l.events {
                            @let gone = e.withdrawn.is_some();
                            tr {
                                td dir="auto" { (struck(gone, name_html(&e.event_type))) }
                                td dir="auto" { (struck(gone, name_html(&e.location))) }
                                td { (struck(gone, day(&e.from))) }
                                td { (struck(gone, day(&e.to))) }
                                td dir="auto" { (struck(gone, html! { (e.comment) })) }
                                td { (withdrawal(e.withdrawn.as_ref(), form, &format!("event:{}", e.id))) }
                            }
                        }
                    }
                }
            }
        }
        @if let Some(c) = a.choices {
            details {
                summary { (t("links-add-relation")) }
                form method="post" action=(action) {
                    (hidden)
                    input type="hidden" name="what" value="relation";
                    label for="rel-type" { (t(words.relation_this)) }
                    select #rel-type name="relation_type" {
                        @for (v, _) in links::RELATION_TYPES { option value=(v) { (relation_words(v, b.kind)) } }
                    }
                    label for="rel-kind" { (t("links-record")) }
                    select #rel-kind name="to_kind" {
                        @for k in Kind::ALL { option value=(k.noun()) { (t(kind_words(k).one)) } }
                    }
                    label for="rel-id" { (t("links-its-number")) }
                    input #rel-id name="to_id" inputmode="numeric" maxlength="18" dir="ltr" required;
                    label for="rel-certainty" { (t("links-certainty")) }
                    select #rel-certainty name="certainty" {
                        @for v in links::CERTAINTY { option value=(v) { (certainty(v)) } }
                    }
                    label for="rel-comment" { (t("links-note")) }
                    input #rel-comment name="comment" maxlength="1000" dir="auto";
                    button type="submit" { (t("links-add-relation-button")) }
                }
            }
            // Each list holds the first entries, or those whose name
            // matches what was typed in its look-up: a GET of this page,
            // so finding one of thousands needs no script.
            @for (what, list, attach, find) in [
                ("label", &c.labels, "links-attach-label", "links-find-label"),
                ("source", &c.sources, "links-attach-source", "links-find-source"),
                ("location", &c.locations, "links-attach-location", "links-find-location"),
            ] {
                @let typed = a.finding.iter().find(|(w, _)| *w == what).map_or("", |(_, t)| t.as_str());
                @if !list.is_empty() || !typed.is_empty() {
                    div.attach {
                        form.inline method="get" action={(b.kind.path()) "/view"} {
                            input type="hidden" name="id" value=(b.id);
                            input type="search" name={"find_" (what)} value=(typed) maxlength="100" dir="auto" aria-label=(t(find)) placeholder=(t(find));
                            button.small type="submit" { (t("links-find")) }
                        }
                        " "
                        @if list.is_empty() {
                            span.muted { (t("links-none-found")) }
                        } @else {
                            form.inline method="post" action=(action) {
                                (hidden)
                                input type="hidden" name="what" value=(what);
                                select name="ref_id" aria-label=(reference_word(what)) { (options(list)) }
                                button.small type="submit" { (t(attach)) }
                            }
                        }
                    }
                }
            }
            details {
                summary { (t("links-add-event")) }
                form method="post" action=(action) {
                    (hidden)
                    input type="hidden" name="what" value="event";
                    label for="ev-type" { (t("records-event-type")) }
                    select #ev-type name="event_type" { (options(&c.event_types)) }
                    label for="ev-location" { (t("records-location")) }
                    select #ev-location name="location" { option value="" { "—" } (options(&c.locations)) }
                    label for="ev-from" { (marked(&t_with("links-from-date", &[("format", slot(0))]), &[date_format()])) }
                    input #ev-from name="from" maxlength="10" dir="ltr";
                    label for="ev-to" { (marked(&t_with("links-to-date", &[("format", slot(0))]), &[date_format()])) }
                    input #ev-to name="to" maxlength="10" dir="ltr";
                    label for="ev-comment" { (t("links-note")) }
                    input #ev-comment name="comment" maxlength="1000" dir="auto";
                    button type="submit" { (t("links-add-event-button")) }
                }
            }
        }
    }
}

fn files_html(a: &Actions<'_>, bulletin_id: i64) -> Markup {
    // Files belong to bulletins only (actors and incidents link to them).
    let Some(files) = a.files else {
        return html! {};
    };
    html! {
        h2 { (t("files-heading")) }
        @if files.is_empty() {
            p.muted { (t("files-none")) }
        } @else {
            // On a phone each file stacks as a block, every value under
            // its heading (data-label), instead of a table to scroll.
            div.table {
                table.stack {
                    thead { tr { th { (t("files-file")) } th { (t("files-type")) } th { (t("files-size")) } th { "SHA-256" } th { (t("files-added")) } } }
                    tbody {
                        @for f in files {
                            tr {
                                // One element per cell: the heading and it are the two columns of a stacked row.
                                td data-label=(t("files-file")) { span { a dir="auto" href={"/media?id=" (f.id)} { (f.name) } } }
                                td data-label=(t("files-type")) { span { bdi dir="ltr" { (f.mime) } } }
                                td data-label=(t("files-size")) { span { (t_with("files-bytes", &[("size", f.size.to_string().into())])) } }
                                td data-label="SHA-256" { span { code.hash dir="ltr" { (f.sha256) } } }
                                td data-label=(t("files-added")) { span { (when_by(f.uploaded, &f.uploaded_by)) } }
                            }
                        }
                    }
                }
            }
        }
        @if a.can_upload {
            form method="post" action="/bulletins/media" enctype="multipart/form-data" {
                (csrf_field(a.csrf))
                input type="hidden" name="id" value=(bulletin_id);
                label for="file" { (t("files-add")) }
                input #file name="file" type="file" required;
                button type="submit" { (t("files-upload")) }
            }
        } @else if a.no_media_store {
            p.notice role="status" { (super::no_media_store()) }
        }
    }
}

pub(crate) fn view(viewer: &Viewer, b: &Record, a: &Actions<'_>, message: Option<&str>) -> Markup {
    let path = b.kind.path();
    let groups = if b.access_groups.is_empty() {
        html! { (t("records-everyone")) }
    } else {
        html! {
            @for (i, g) in b.access_groups.iter().enumerate() {
                @if i > 0 { ", " }
                bdi { (g) }
            }
        }
    };
    let plural = t(kind_words(b.kind).plural);
    let titles = in_reading_order(b.titles());
    let title = titles.first().map_or(b.title.as_str(), |(_, text)| text);
    // Sanitised again on the way out: the one raw output of this page.
    let descriptions: Vec<(Lang, String)> = in_reading_order(b.descriptions_html())
        .into_iter()
        .map(|(lang, html)| (lang, sanitize::rich_text(html).into_string()))
        .collect();
    layout(
        &Page::signed(title, viewer, area(b.kind))
            .trail(&plural, path)
            .csrf(a.csrf)
            .wide(),
        html! {
            section.card {
                @for (i, (lang, text)) in titles.iter().enumerate() {
                    @if i == 0 {
                        h1 dir="auto" lang=(lang.as_str()) { (text) }
                    } @else {
                        p.other-language { span.muted { (in_language(*lang)) ": " } span dir="auto" lang=(lang.as_str()) { (text) } }
                    }
                }
                (alert(message))
                div.record {
                    div.main {
                        dl.facts {
                            @for f in b.kind.fields() {
                                @let value = Kind::detail(&b.details, f.key);
                                @if !value.is_empty() {
                                    dt { (field_label(f)) }
                                    dd dir="auto" {
                                        @if f.choices.is_some() { (choice_label(&value)) } @else { (value) }
                                    }
                                }
                            }
                            dt { (t("records-status")) } dd { (t(status_key(b.item.status))) }
                            dt { (t("records-assigned-to")) } dd { (who(&b.assignee)) }
                            dt { (t("records-reviewer")) } dd { (who(&b.reviewer_name)) }
                            dt { (t("records-visible-to")) } dd { (groups) }
                            dt { (t("records-revision")) } dd { (b.revision) " (" (when(b.updated)) ")" }
                        }
                        @for (i, (lang, html)) in descriptions.iter().enumerate() {
                            @if i > 0 { p.muted { (in_language(*lang)) } }
                            div.description dir="auto" lang=(lang.as_str()) { (PreEscaped(html.as_str())) }
                        }
                        p {
                            @if a.can_edit {
                                a.button href={(path) "/edit?id=" (b.id)} { (t("records-edit")) } " "
                            }
                            @if a.can_history {
                                a href={(path) "/history?id=" (b.id)} { (t("records-history")) }
                            }
                        }
                        (files_html(a, b.id))
                        (links_html(b, a))
                    }
                    @if !a.steps.is_empty() {
                        aside.workflow {
                            h2 { (t("records-workflow")) }
                            @for (value, label, needs_person) in &a.steps {
                                @let label = t(label);
                                form.inline method="post" action={(path) "/workflow"} {
                                    (csrf_field(a.csrf))
                                    input type="hidden" name="id" value=(b.id);
                                    input type="hidden" name="step" value=(value);
                                    @if *needs_person {
                                        select name="user" aria-label=(t_with("records-person-for", &[("step", label.as_str().into())])) { (people_options(a.people)) }
                                    }
                                    button.small type="submit" { (label) }
                                }
                            }
                        }
                    }
                }
            }
        },
    )
}

/// A revision's stored snapshot (a JSON object) as its fields, one per
/// line: the field's name as code, a text value in its own direction
/// (Arabic and English each read in their order, which a JSON line laid
/// out left to right cannot give), any other value as compact JSON.
fn snapshot_fields(snapshot: &str) -> Markup {
    let Ok(serde_json::Value::Object(fields)) = serde_json::from_str(snapshot) else {
        return html! { pre.snapshot dir="ltr" { (snapshot) } };
    };
    html! {
        dl.snapshot {
            @for (name, value) in &fields {
                dt { code dir="ltr" { (name) } }
                @match value {
                    serde_json::Value::String(text) => dd dir="auto" { (text) },
                    other => dd { code dir="ltr" { (other.to_string()) } },
                }
            }
        }
    }
}

/// The keys a revision's summary may name (custodian-core's `Summary`);
/// a stored key outside them is shown as the text it is.
const SUMMARY_KEYS: [&str; 10] = [
    "history-created",
    "history-edited",
    "history-regrouped",
    "history-step",
    "history-relation-added",
    "history-relation-added-back",
    "history-attached",
    "history-event-added",
    "history-withdrawn",
    "history-withdrawn-back",
];

/// A revision's summary in the reader's words: stored as its key and
/// values (`history-attached {"what":"label","id":3}`), or, by a release
/// before those, as an English sentence ("label 3 attached"), which is
/// read back into its key where core's wording is known; anything else
/// is shown as it was recorded.
fn summary(stored: &str) -> Markup {
    let keyed = custodian_core::evidence::summary::parse(stored)
        .map(|(key, args)| (key.to_owned(), args))
        .or_else(|| older_summary(stored));
    match keyed {
        Some((key, args)) if SUMMARY_KEYS.contains(&key.as_str()) => summary_words(&key, &args),
        _ => html! { bdi { (stored) } },
    }
}

/// The sentence of `key` with its values: the identifiers core stores (a
/// kind, a relation type, a workflow step) in the reader's words, numbers
/// as numbers, and any other text (a reason, access groups) isolated in
/// `bdi` so that it cannot reorder the words around it; an empty list of
/// groups is "everyone".
fn summary_words(key: &str, args: &serde_json::Map<String, serde_json::Value>) -> Markup {
    use serde_json::Value;
    let mut marks: Vec<Markup> = Vec::new();
    let mut mark = |m: Markup| {
        marks.push(m);
        slot(marks.len() - 1)
    };
    let values: Vec<(&str, FluentValue<'_>)> = args
        .iter()
        .map(|(name, value)| {
            let v = match (name.as_str(), value) {
                (_, Value::Number(n)) => n
                    .as_i64()
                    .map_or_else(|| FluentValue::from(n.to_string()), FluentValue::from),
                ("kind", Value::String(s)) => match Kind::ALL.into_iter().find(|k| k.noun() == s) {
                    Some(k) => t(kind_words(k).noun).into(),
                    None => mark(html! { bdi { (s) } }),
                },
                ("relation", Value::String(s)) => relation_name(s).into(),
                ("what", Value::String(s)) => reference_word(s).into(),
                ("link", Value::String(s)) => link_word(s).into(),
                ("step", Value::String(s)) => step_name_key(s).map_or_else(|| s.clone(), t).into(),
                ("before" | "after", Value::String(s)) if s.is_empty() => {
                    mark(html! { (t("records-everyone")) })
                }
                (_, Value::String(s)) => mark(html! { bdi { (s) } }),
                (_, other) => mark(html! { bdi { (other.to_string()) } }),
            };
            (name.as_str(), v)
        })
        .collect();
    marked(&t_with(key, &values), &marks)
}

/// "relation", "reference", "event": what kind of link a summary names.
fn link_word(word: &str) -> String {
    let key = match word {
        "relation" => "history-link-relation",
        "reference" => "history-link-reference",
        "event" => "history-link-event",
        _ => return word.to_owned(),
    };
    t(key)
}

/// The key and values of a summary an older release stored in English.
fn older_summary(text: &str) -> Option<(String, serde_json::Map<String, serde_json::Value>)> {
    use serde_json::json;
    let num = |s: &str| s.parse::<i64>().ok();
    let noun = |s: &str| {
        Kind::ALL
            .into_iter()
            .find(|k| k.noun() == s)
            .map(Kind::noun)
    };
    let groups = |s: &str| if s == "everyone" { "" } else { s }.to_owned();
    let keyed = |key: &str, args: serde_json::Value| match args {
        serde_json::Value::Object(map) => Some((key.to_owned(), map)),
        _ => None,
    };
    if text == "created" {
        return keyed("history-created", json!({}));
    }
    if text == "edited" {
        return keyed("history-edited", json!({}));
    }
    if step_name_key(text).is_some() {
        return keyed("history-step", json!({"step": text}));
    }
    if let Some((before, after)) = text
        .strip_prefix("edited; access groups: ")
        .and_then(|r| r.split_once(" -> "))
    {
        return keyed(
            "history-regrouped",
            json!({"before": groups(before), "after": groups(after)}),
        );
    }
    if let Some(rest) = text.strip_prefix("relation added: ") {
        let parts: Vec<&str> = rest.split(' ').collect();
        return match parts.as_slice() {
            [kind, id, relation, "this"] => {
                let (kind, id) = (noun(kind)?, num(id)?);
                keyed(
                    "history-relation-added-back",
                    json!({"kind": kind, "id": id, "relation": relation}),
                )
            }
            [relation, kind, id] => {
                let (kind, id) = (noun(kind)?, num(id)?);
                keyed(
                    "history-relation-added",
                    json!({"relation": relation, "kind": kind, "id": id}),
                )
            }
            _ => None,
        };
    }
    if let Some((what, id)) = text
        .strip_suffix(" attached")
        .and_then(|r| r.split_once(' '))
    {
        if let (true, Some(id)) = (matches!(what, "label" | "source" | "location"), num(id)) {
            return keyed("history-attached", json!({"what": what, "id": id}));
        }
    }
    if let Some(id) = text
        .strip_prefix("event of type ")
        .and_then(|r| r.strip_suffix(" added"))
        .and_then(num)
    {
        return keyed("history-event-added", json!({"id": id}));
    }
    let link = |w: &str| matches!(w, "relation" | "reference" | "event");
    if let Some((head, reason)) = text.split_once(": ") {
        let words: Vec<&str> = head.split(' ').collect();
        match words.as_slice() {
            [word, id, "withdrawn"] if link(word) => {
                return keyed(
                    "history-withdrawn",
                    json!({"link": word, "id": num(id)?, "reason": reason}),
                );
            }
            [word, id, "withdrawn", "from", kind, from_id] if link(word) => {
                return keyed(
                    "history-withdrawn-back",
                    json!({"link": word, "id": num(id)?, "kind": noun(kind)?,
                           "from_id": num(from_id)?, "reason": reason}),
                );
            }
            _ => {}
        }
    }
    None
}

pub(crate) fn history(viewer: &Viewer, kind: Kind, id: i64, revisions: &[Revision]) -> Markup {
    let path = kind.path();
    let words = kind_words(kind);
    let crumb = numbered(kind, id);
    let (title, plural) = (t("records-history"), t(words.plural));
    layout(
        &Page::signed(&title, viewer, area(kind))
            .trail(&plural, path)
            .trail(&crumb, format!("{path}/view?id={id}"))
            .wide(),
        html! {
            section.card {
                h1 { (t_with(words.history, &[("id", id.into())])) }
                // On a phone each revision is a block of labelled lines.
                div.table {
                    table.stack {
                        thead { tr { th { (t("records-revision")) } th { (t("history-when")) } th { (t("history-who")) } th { (t("history-change")) } } }
                        tbody {
                            @for r in revisions {
                                tr {
                                    td data-label=(t("records-revision")) { span { (r.revision) } }
                                    td data-label=(t("history-when")) { span { (when_to_the_second(r.when)) } }
                                    td data-label=(t("history-who")) { span { (who(&r.editor)) } }
                                    td data-label=(t("history-change")) { span { (summary(&r.summary)) } }
                                }
                                @if let Some(snapshot) = &r.snapshot {
                                    tr { td {} td.whole colspan="3" { (snapshot_fields(snapshot)) } }
                                }
                            }
                        }
                    }
                }
            }
        },
    )
}

/// The outcome of a bulk change: one row per record.
pub(crate) fn bulk_done(
    viewer: &Viewer,
    kind: Kind,
    step: &str,
    done: usize,
    refused: usize,
    outcomes: &[(i64, String)],
) -> Markup {
    let words = kind_words(kind);
    let (title, plural) = (t("bulk-title"), t(words.plural));
    let step = step_name_key(step).map_or_else(|| step.to_owned(), t);
    layout(
        &Page::signed(&title, viewer, area(kind)).trail(&plural, kind.path()),
        html! {
            section.card {
                h1 { (t_with("bulk-heading", &[("step", step.into())])) }
                p { (t_with("bulk-done", &[("done", (done as i64).into()), ("refused", (refused as i64).into())])) }
                div.table {
                    table {
                        thead { tr { th { (t(words.one)) } th { (t("bulk-outcome")) } } }
                        tbody {
                            @for (id, outcome) in outcomes {
                                tr { td { a href={(kind.path()) "/view?id=" (id)} { (id) } } td dir="auto" { (outcome) } }
                            }
                        }
                    }
                }
                p { a href=(kind.path()) { (t(words.back)) } }
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use custodian_core::policy::workflow::Item;

    const EVIL: &str = "\"><script>alert(1)</script><img src=x onerror=alert(2)>";

    fn at(utc: &str) -> std::time::SystemTime {
        utc.parse::<jiff::Timestamp>().expect("a time").into()
    }

    fn ar_en(arabic: &str, english: &str) -> Both<String> {
        Both {
            arabic: arabic.to_owned(),
            english: english.to_owned(),
        }
    }

    fn record() -> Record {
        Record {
            kind: Kind::Bulletin,
            id: 7,
            title: EVIL.to_owned(),
            details: serde_json::Value::Null,
            description_html: format!("<p>Witness</p>{EVIL}<a href=\"javascript:alert(3)\">x</a>"),
            lang: Lang::English,
            title_alt: EVIL.to_owned(),
            description_alt_html: EVIL.to_owned(),
            item: Item {
                status: Status::Unassigned,
                assigned_to: None,
                reviewer: None,
            },
            assignee: Shown::Name(EVIL.to_owned()),
            reviewer_name: Shown::Nobody,
            access_groups: vec![EVIL.to_owned()],
            revision: 1,
            updated: at("2026-12-02T10:00:00Z"),
        }
    }

    #[test]
    fn an_evil_title_and_description_render_escaped() {
        let links = links::Links {
            relations: Vec::new(),
            references: Vec::new(),
            events: Vec::new(),
        };
        let a = Actions {
            csrf: EVIL,
            can_edit: true,
            can_history: true,
            steps: vec![("submit", "step-submit", true)],
            people: &[(1, Shown::Name(EVIL.to_owned()))],
            can_upload: false,
            no_media_store: false,
            files: None,
            links: &links,
            choices: None,
            finding: &[],
        };
        let viewer = Viewer {
            username: EVIL.to_owned(),
            // Not a key: shown as itself, and escaped.
            role: EVIL,
            ..Viewer::default()
        };
        let b = record();
        let page = view(&viewer, &b, &a, Some(EVIL)).into_string();
        for bad in ["<script", "<img", "onerror=alert(2)>", "javascript:"] {
            assert!(!page.contains(bad), "{bad} in {page}");
        }
        assert!(
            page.contains("&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{page}"
        );
        // The title in <title> and in the heading, escaped.
        assert!(page.contains("<title>&quot;&gt;&lt;script&gt;"), "{page}");
        assert!(
            page.contains("<h1 dir=\"auto\" lang=\"en\">&quot;&gt;&lt;script&gt;"),
            "{page}"
        );
        // The sanitised description keeps what the allow-list allows.
        assert!(
            page.contains("<div class=\"description\" dir=\"auto\" lang=\"en\"><p>Witness</p>"),
            "{page}"
        );
        // A form re-shows the typed (evil) description as text.
        let values = FormValues {
            title: Both {
                arabic: EVIL,
                english: EVIL,
            },
            description: Both {
                arabic: EVIL,
                english: EVIL,
            },
            details: &serde_json::Value::Null,
            groups: EVIL,
        };
        let page = form(&viewer, Kind::Actor, EVIL, Some(&b), Some(EVIL), &values).into_string();
        assert!(
            !page.contains("<script") && !page.contains("<img"),
            "{page}"
        );
    }

    #[tokio::test]
    async fn a_summary_stored_by_key_reads_in_the_readers_language_and_old_english_still_shows() {
        use crate::i18n::{scope, Lang as Ui};
        use custodian_core::evidence::summary::Summary;
        let withdrawn = Summary::new("history-withdrawn-back")
            .with("link", "relation")
            .with("id", 2)
            .with("kind", "bulletin")
            .with("from_id", 7)
            .with("reason", "<b>wrong</b>".to_owned())
            .stored();
        let regrouped = Summary::new("history-regrouped")
            .with("before", "")
            .with("after", "north, south")
            .stored();
        let step = Summary::new("history-step")
            .with("step", "send-back")
            .stored();
        let shown = |lang, stored: String| async move {
            scope(lang, async move { summary(&stored).into_string() }).await
        };
        assert_eq!(
            shown(Ui::En, withdrawn.clone()).await,
            "relation 2 withdrawn from bulletin 7: <bdi>&lt;b&gt;wrong&lt;/b&gt;</bdi>"
        );
        assert_eq!(
            shown(Ui::Ar, withdrawn).await,
            "سحب علاقة رقم 2 من نشرة رقم 7: <bdi>&lt;b&gt;wrong&lt;/b&gt;</bdi>"
        );
        assert_eq!(
            shown(Ui::En, regrouped.clone()).await,
            "edited; access groups: everyone -&gt; <bdi>north, south</bdi>"
        );
        assert_eq!(
            shown(Ui::Ar, regrouped).await,
            "عُدّل؛ مجموعات الوصول: الجميع ← <bdi>north, south</bdi>"
        );
        assert_eq!(
            shown(Ui::Ar, step).await,
            scope(Ui::Ar, async { t("step-name-send-back") }).await
        );
        // Written by a release before summaries were stored by key: read
        // back into the same words where the sentence is known…
        assert_eq!(
            shown(
                Ui::Ar,
                "relation 2 withdrawn from bulletin 7: <b>wrong</b>".into()
            )
            .await,
            "سحب علاقة رقم 2 من نشرة رقم 7: <bdi>&lt;b&gt;wrong&lt;/b&gt;</bdi>"
        );
        assert_eq!(
            shown(Ui::Ar, "label 3 attached".into()).await,
            shown(
                Ui::Ar,
                Summary::new("history-attached")
                    .with("what", "label")
                    .with("id", 3)
                    .stored()
            )
            .await
        );
        // …and otherwise shown as it was stored, as is a key no summary has.
        assert_eq!(
            shown(Ui::Ar, "merged by hand".into()).await,
            "<bdi>merged by hand</bdi>"
        );
        assert_eq!(
            shown(Ui::Ar, "history-when {}".into()).await,
            "<bdi>history-when {}</bdi>"
        );
    }

    #[tokio::test]
    async fn an_account_named_you_is_shown_by_its_name() {
        use crate::i18n::{scope, Lang as Ui};
        let moderator = custodian_core::policy::Actor::new(
            1,
            custodian_core::policy::Role::Moderator,
            None,
            Vec::new(),
        );
        let other = moderator.shows_user(Some(2), Some("you"));
        let me = moderator.shows_user(Some(1), Some("nobody"));
        let (other, me, none) = scope(Ui::Ar, async {
            (person(&other), person(&me), person(&Shown::Nobody))
        })
        .await;
        assert_eq!(other, "you");
        assert_eq!(me, "أنت");
        assert_eq!(none, "لا أحد");
    }

    /// Every page of the records area, with Arabic user data, in the
    /// request's language.
    fn pages() -> Vec<String> {
        use custodian_core::evidence::exports::Listed as Export;
        let viewer = Viewer {
            username: "سارة".to_owned(),
            role: "role-moderator",
            ..Viewer::default()
        };
        let w = |by: Shown| links::Withdrawal {
            by,
            when: at("2026-12-02T10:00:00Z"),
            reason: "خطأ في الإدخال".to_owned(),
        };
        let links = links::Links {
            relations: vec![
                links::Relation {
                    id: 1,
                    other: Kind::Incident,
                    other_id: 12,
                    other_title: "قصف السوق".to_owned(),
                    outgoing: true,
                    words: "appears in",
                    certainty: "probable".to_owned(),
                    comment: "ملاحظة".to_owned(),
                    by: Shown::You,
                    when: at("2026-12-01T10:00:00Z"),
                    withdrawn: None,
                },
                links::Relation {
                    id: 2,
                    other: Kind::Actor,
                    other_id: 3,
                    other_title: "أحمد".to_owned(),
                    outgoing: false,
                    words: "is a witness of",
                    certainty: "confirmed".to_owned(),
                    comment: String::new(),
                    by: Shown::Numbered(4),
                    when: at("2026-12-01T10:00:00Z"),
                    withdrawn: Some(w(Shown::Nobody)),
                },
            ],
            references: vec![links::Reference {
                id: 5,
                what: "label".to_owned(),
                title: ar_en("غارة جوية", "Airstrike"),
                withdrawn: None,
            }],
            events: vec![links::Event {
                id: 6,
                event_type: ar_en("اعتقال", ""),
                location: ar_en("حلب", "Aleppo"),
                from: "2026-01-01".to_owned(),
                to: "2026-01-02".to_owned(),
                comment: "شهود".to_owned(),
                withdrawn: Some(w(Shown::You)),
            }],
        };
        // A look-up by name: what was typed stays in its field.
        let finding = [("source", "مصدر".to_owned())];
        let choices = links::Choices {
            // An option is one text: the other language's name beside
            // the Arabic would read as English in the Arabic page's words.
            labels: vec![(1, ar_en("غارة جوية", ""))],
            sources: vec![(2, ar_en("شاهد عيان", ""))],
            locations: vec![(3, ar_en("حلب", ""))],
            event_types: vec![(4, ar_en("اعتقال", ""))],
        };
        let files = [media::Listed {
            id: 9,
            name: "صورة.png".to_owned(),
            mime: "image/png".to_owned(),
            size: 2048,
            sha256: "0123456789".to_owned(),
            uploaded_by: Shown::You,
            uploaded: at("2026-12-02T10:00:00Z"),
        }];
        let people = [(1, Shown::You), (2, Shown::Name("ليلى".to_owned()))];
        let a = Actions {
            csrf: "c",
            can_edit: true,
            can_history: true,
            steps: vec![
                ("assign", "step-assign", true),
                ("self-assign", "step-self-assign", false),
                ("submit", "step-submit", true),
                ("accept", "step-accept", false),
                ("send-back", "step-send-back", false),
                ("finalize", "step-finalize", false),
            ],
            people: &people,
            can_upload: true,
            no_media_store: false,
            files: Some(&files),
            links: &links,
            choices: Some(&choices),
            finding: &finding,
        };
        let mut out = Vec::new();
        for kind in Kind::ALL {
            let mut b = record();
            b.kind = kind;
            b.title = "توثيق".to_owned();
            b.description_html = "<p>وصف</p>".to_owned();
            b.lang = Lang::Arabic;
            b.title_alt = "Documentation".to_owned();
            b.description_alt_html = "Description".to_owned();
            b.assignee = Shown::You;
            b.reviewer_name = Shown::Nobody;
            b.access_groups = vec!["حلب".to_owned()];
            b.details =
                serde_json::json!({"type": "person", "sex": "female", "nationality": "سورية"});
            out.push(view(&viewer, &b, &a, None).into_string());
            let values = FormValues {
                title: b.titles(),
                description: Both {
                    arabic: "وصف",
                    english: "Description",
                },
                details: &b.details,
                groups: "",
            };
            out.push(form(&viewer, kind, "c", Some(&b), None, &values).into_string());
            out.push(form(&viewer, kind, "c", None, None, &values).into_string());
            let revisions = [
                "created",
                "edited",
                "finalize",
                "send-back",
                "edited; access groups: everyone -> حلب",
                "relation added: victim incident 12",
                "relation added: actor 3 witness this",
                "label 3 attached",
                "event of type 4 added",
                "reference 5 withdrawn: خطأ",
                "relation 2 withdrawn from actor 3: خطأ",
                r#"history-created {}"#,
                r#"history-edited {}"#,
                r#"history-step {"step":"assign"}"#,
                r#"history-regrouped {"before":"","after":"حلب, إدلب"}"#,
                r#"history-relation-added {"relation":"victim","kind":"incident","id":12}"#,
                r#"history-relation-added-back {"kind":"actor","id":3,"relation":"witness"}"#,
                r#"history-attached {"what":"source","id":3}"#,
                r#"history-event-added {"id":4}"#,
                r#"history-withdrawn {"link":"event","id":6,"reason":"خطأ"}"#,
                r#"history-withdrawn-back {"link":"relation","id":2,"kind":"bulletin","from_id":7,"reason":"خطأ"}"#,
            ]
            .iter()
            .enumerate()
            .map(|(i, s)| Revision {
                revision: i as i32 + 1,
                editor: Shown::You,
                when: at("2026-12-02T10:00:00Z"),
                summary: (*s).to_owned(),
                snapshot: None,
            })
            .collect::<Vec<_>>();
            out.push(history(&viewer, kind, 7, &revisions).into_string());
            out.push(
                bulk_done(
                    &viewer,
                    kind,
                    "finalize",
                    1,
                    1,
                    &[(
                        7,
                        t_with(
                            "bulk-now",
                            &[("status", t(status_key(Status::Finalized)).into())],
                        ),
                    )],
                )
                .into_string(),
            );
            for (count, sort) in [
                (Count::Exact(0), Sort::Updated),
                (Count::Exact(1), Sort::Id),
                (Count::Exact(3), Sort::Created),
                (Count::Exact(12), Sort::Updated),
                (Count::MoreThan(1000), Sort::Updated),
            ] {
                let listing = Listing {
                    rows: vec![custodian_core::evidence::items::Listed {
                        id: 7,
                        title: "توثيق".to_owned(),
                        status: Status::PeerReview,
                        assignee: Shown::Nobody,
                        updated: at("2026-12-02T10:00:00Z"),
                    }],
                    count,
                    sort,
                    next: Some(Cursor { key: 1, id: 1 }),
                    previous: Some(Cursor { key: 2, id: 2 }),
                };
                let actor = custodian_core::policy::Actor::new(
                    1,
                    custodian_core::policy::Role::Moderator,
                    None,
                    Vec::new(),
                );
                let query = ListQuery::from_params(
                    kind,
                    &actor,
                    Some("q=%D8%AD%D9%84%D8%A8&sort=relevance"),
                )
                .expect("query");
                let saved = [SavedSearch {
                    id: 1,
                    name: "حلب".to_owned(),
                    query: "q=%D8%AD%D9%84%D8%A8".to_owned(),
                    shared_with: Some("حلب".to_owned()),
                    mine: true,
                }];
                let groups = ["حلب".to_owned()];
                let lv = ListView {
                    kind,
                    listing: &listing,
                    query: &query,
                    can_create: true,
                    groups: true,
                    bulk: Some(("c", &people)),
                    saving: Saving {
                        csrf: "c",
                        saved: &saved,
                        groups: &groups,
                    },
                };
                out.push(list(&viewer, &lv).into_string());
            }
        }
        let export = |status: &str| Export {
            id: 1,
            requester: Shown::Name("ليلى".to_owned()),
            requested_by: 2,
            format: "csv".to_owned(),
            items: 3,
            reason: "تقرير".to_owned(),
            status: status.to_owned(),
            created: at("2026-12-02T10:00:00Z"),
            expires: (status == "approved").then(|| at("2026-12-09T10:00:00Z")),
            sha256: String::new(),
        };
        for (me, status) in [(1, "requested"), (2, "approved")] {
            let rows = [export(status)];
            let e = super::super::exports::ExportsView {
                rows: &rows,
                csrf: "c",
                me,
                can_request: true,
                can_decide: true,
                has_store: true,
            };
            out.push(super::super::exports::page(&viewer, &e).into_string());
        }
        out
    }

    /// The visible words of a page: tags and entities taken out.
    /// The page's text, without the text of an element marked as English
    /// (a record's English title or description beside the Arabic one is
    /// the user's text, not the interface's).
    fn words(page: &str) -> String {
        let mut out = String::new();
        let (mut in_tag, mut tag, mut english) = (false, String::new(), false);
        for c in page.chars() {
            match c {
                '<' => {
                    in_tag = true;
                    tag.clear();
                    english = false;
                }
                '>' => {
                    in_tag = false;
                    english = tag.contains("lang=\"en\"");
                    out.push(' ');
                }
                _ if in_tag => tag.push(c),
                _ if !english => out.push(c),
                _ => {}
            }
        }
        for e in ["&quot;", "&amp;", "&lt;", "&gt;", "&#39;"] {
            out = out.replace(e, " ");
        }
        out
    }

    #[tokio::test]
    async fn every_string_is_in_the_catalogues_and_arabic_pages_have_no_english() {
        let keys: Vec<&str> = include_str!("../../i18n/en/records.ftl")
            .lines()
            .filter(|l| l.starts_with(|c: char| c.is_ascii_lowercase()))
            .filter_map(|l| l.split(" =").next())
            .collect();
        assert!(keys.len() > 100, "{} keys", keys.len());
        let english = crate::i18n::scope(crate::i18n::Lang::En, async { pages() }).await;
        let arabic = crate::i18n::scope(crate::i18n::Lang::Ar, async { pages() }).await;
        for page in english.iter().chain(&arabic) {
            for key in &keys {
                assert!(
                    !words(page).contains(key),
                    "{key} shown as itself in {page}"
                );
            }
        }
        // Identifiers, file types and the product's name stay as they are.
        let allowed = [
            "Custodian",
            "UTC",
            "PDF",
            "CSV",
            "JSON",
            "SHA",
            "YYYY",
            "MM",
            "DD",
            "OR",
            "me",
            "nobody",
            "user",
            "N",
            "bulletin",
            "label",
            "source",
            "location",
            "event_type",
            "person",
            "actor",
            "incident",
            "image",
            "png",
            "csv",
        ];
        for page in &arabic {
            let text = words(page);
            for word in text
                .split(|c: char| !(c.is_ascii_alphabetic() || c == '_'))
                .filter(|w| !w.is_empty())
            {
                assert!(
                    allowed.contains(&word),
                    "English {word:?} on an Arabic page: {text}"
                );
            }
        }
        // The English pages keep their words.
        let all = english.join("\n");
        for expected in [
            "0 bulletins; by last change.",
            "1 bulletin; by number.",
            "More than 1,000 actors; by last change.",
            "This bulletin appears in ",
            " is a witness of this bulletin",
            "withdrawn ",
            "Done: 1. Refused: 1.",
            "Bulk change: finalize",
            "relation added: victim incident 12",
            "relation added: actor 3 witness this",
            "edited; access groups: everyone -&gt; ",
            "Download (once)",
            "2048 bytes",
        ] {
            assert!(
                all.contains(expected),
                "{expected:?} not in the English pages"
            );
        }
    }
}
