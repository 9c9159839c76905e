//! Pages of the evidence records: lists, forms, a record with its files,
//! links and workflow, its history, and the outcome of a bulk change.
//! Descriptions are sanitised HTML (on the way in, and again here on the
//! way out): the one raw output of these pages.

use custodian_core::evidence::items::{
    Count, Cursor, Kind, ListQuery, Listing, Record, Revision, Sort,
};
use custodian_core::evidence::links;
use custodian_core::evidence::media;
use custodian_core::evidence::sanitize;
use custodian_core::policy::workflow::Status;
use maud::{html, Markup, PreEscaped};

use super::layout::{alert, csrf_field, layout, Area, Page, Viewer};

/// Where a kind of record sits in the navigation.
pub(crate) fn area(kind: Kind) -> Area {
    match kind {
        Kind::Bulletin => Area::Bulletins,
        Kind::Actor => Area::Actors,
        Kind::Incident => Area::Incidents,
    }
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
    pub bulk: Option<(&'a str, &'a [(i64, String)])>,
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
fn filter_field(q: &ListQuery, name: &str, label: &str, kind: &str, hint: Option<&str>) -> Markup {
    let id = format!("f-{name}");
    html! {
        div.field {
            label for=(id) { (label) }
            input id=(id) name=(name) type=(kind) maxlength="200" value=(asked(q, name));
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
    let person = Some("me, nobody, user-N or a username");
    html! {
        details.filters open[open] {
            summary { "More filters" }
            div.filter-grid {
                (filter_field(q, "assignee", "Assigned to", "text", person))
                (filter_field(q, "reviewer", "Reviewer", "text", person))
                (filter_field(q, "created_from", "Created from", "date", None))
                (filter_field(q, "created_to", "Created until", "date", None))
                (filter_field(q, "updated_from", "Changed from", "date", None))
                (filter_field(q, "updated_to", "Changed until", "date", None))
                (filter_field(q, "label", "Label", "text", Some("its exact title")))
                (filter_field(q, "source", "Source", "text", Some("its exact title")))
                (filter_field(q, "location", "Location", "text", Some("its exact title")))
                (filter_field(q, "event_type", "Event type", "text", None))
                (filter_field(q, "event_from", "Event from", "date", None))
                (filter_field(q, "event_to", "Event until", "date", None))
                (filter_field(q, "related", "Related to", "text", Some("for example bulletin/12")))
                @if v.groups {
                    (filter_field(q, "group", "Access group", "text", None))
                }
                @for f in v.kind.fields() {
                    (filter_field(q, f.key, f.label, "text", None))
                }
            }
        }
    }
}

/// 1234567 as "1,234,567".
fn thousands(n: i64) -> String {
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

fn people_options(people: &[(i64, String)]) -> Markup {
    html! { @for (id, name) in people { option value=(id) { (name) } } }
}

fn list_table(v: &ListView<'_>) -> Markup {
    let (path, noun) = (v.kind.path(), v.kind.noun());
    html! {
        div.table {
            table {
                thead { tr { th { "#" } th { (v.kind.title_label()) } th { "Status" } th { "Assigned to" } th { "Updated (UTC)" } } }
                tbody {
                    @for r in &v.listing.rows {
                        tr {
                            td {
                                @if v.bulk.is_some() {
                                    input type="checkbox" name="id" value=(r.id) aria-label={"Select " (noun) " " (r.id)};
                                    " "
                                }
                                (r.id)
                            }
                            td dir="auto" { a href={(path) "/view?id=" (r.id)} { (r.title) } }
                            td { (r.status.label()) }
                            td { bdi { (r.assignee) } }
                            td { span dir="ltr" { (r.updated) } }
                        }
                    }
                }
            }
        }
    }
}

pub(crate) fn list(viewer: &Viewer, v: &ListView<'_>) -> Markup {
    let (path, noun, plural) = (v.kind.path(), v.kind.noun(), v.kind.plural());
    let (n, many) = match v.listing.count {
        Count::Exact(n) => (n, false),
        Count::MoreThan(n) => (n, true),
    };
    let mut page = Page::signed(plural, viewer, area(v.kind)).wide();
    if let Some((csrf, _)) = v.bulk {
        page = page.csrf(csrf);
    }
    layout(
        &page,
        html! {
            section.card {
                div.heading {
                    h1 { (plural) }
                    @if v.can_create {
                        p { a.button href={(path) "/new"} { "New " (noun) } }
                    }
                }
                form.search method="get" action=(path) {
                    div.field.grow {
                        label for="q" { "Search " @if v.kind == Kind::Actor { "names" } @else { "titles" } " and descriptions" }
                        input #q name="q" maxlength="200" value=(v.query.text);
                    }
                    div.field {
                        label for="status" { "Status" }
                        select #status name="status" {
                            option value="" selected[v.query.filters.status.is_none()] { "Any status" }
                            @for s in Status::ALL {
                                option value=(s.as_str()) selected[v.query.filters.status == Some(s)] { (s.label()) }
                            }
                        }
                    }
                    div.field {
                        label for="sort" { "Sort by" }
                        select #sort name="sort" {
                            @for s in Sort::ALL {
                                option value=(s.as_str()) selected[s == v.query.sort] { (s.label()) }
                            }
                        }
                    }
                    (more_filters(v))
                    button type="submit" { "Search" }
                    p.muted.hint { "All words must match; \"a phrase\", word* for words starting so, a OR b, -word to leave out." }
                }
                @if v.listing.rows.is_empty() {
                    p.muted { "No " (plural.to_lowercase()) " match." }
                } @else if let Some((csrf, people)) = v.bulk {
                    form method="post" action={(path) "/bulk"} {
                        (csrf_field(csrf))
                        (list_table(v))
                        p.bulk {
                            label for="bulk-step" { "With the selected" }
                            select #bulk-step name="step" {
                                option value="assign" { "assign to" }
                                option value="finalize" { "finalize (reviewed ones)" }
                            }
                            select name="user" aria-label="Person" { (people_options(people)) }
                            button.small type="submit" { "Apply" }
                        }
                    }
                } @else {
                    (list_table(v))
                }
                p.muted {
                    @if many { "More than " }
                    (thousands(n)) " " (noun) @if n != 1 || many { "s" } "; by " (v.listing.sort.label().to_lowercase()) "."
                    @if v.listing.sort != v.query.sort && v.query.search.is_some() {
                        " Too many records match to rank them all; narrow the search to sort by relevance."
                    }
                }
                p.pages {
                    @if v.listing.previous.is_some() {
                        a href=(list_url(v, None)) { "First page" } " "
                    }
                    @if let Some(c) = v.listing.previous {
                        a href=(list_url(v, Some(("before", c)))) rel="prev" { "Previous page" } " "
                    }
                    @if let Some(c) = v.listing.next {
                        a href=(list_url(v, Some(("after", c)))) rel="next" { "Next page" }
                    }
                }
            }
        },
    )
}

/// What a form shows: the values as typed (or stored).
pub(crate) struct FormValues<'a> {
    pub title: &'a str,
    pub description: &'a str,
    pub details: &'a serde_json::Value,
    pub groups: &'a str,
}

/// The kind's own fields: a list of choices or a line of text each.
fn detail_fields(kind: Kind, details: &serde_json::Value) -> Markup {
    html! {
        @for f in kind.fields() {
            @let current = Kind::detail(details, f.key);
            label for=(f.key) { (f.label) }
            @match f.choices {
                Some(choices) => select id=(f.key) name=(f.key) {
                    @for c in choices {
                        option value=(c) selected[*c == current] { @if c.is_empty() { "—" } @else { (c) } }
                    }
                },
                None => input id=(f.key) name=(f.key) maxlength=(f.max) value=(current);,
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
    let (path, noun) = (kind.path(), kind.noun());
    let heading = match existing {
        Some(b) => format!("Edit {noun} {}", b.id),
        None => format!("New {noun}"),
    };
    let mut page = Page::signed(&heading, viewer, area(kind))
        .trail(kind.plural(), path)
        .csrf(csrf);
    let record = existing.map(|b| {
        (
            format!("{} {}", kind.title(), b.id),
            format!("{path}/view?id={}", b.id),
        )
    });
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
                    label for="title" { (kind.title_label()) }
                    input #title name="title" required maxlength="300" value=(v.title);
                    (detail_fields(kind, v.details))
                    label for="description" { "Description" }
                    textarea #description name="description" rows="10" maxlength="100000" { (v.description) }
                    p.muted { "Paragraphs, emphasis, lists, quotes, code and links are kept; anything else is removed." }
                    label for="groups" { "Restrict to access groups (comma-separated; empty: everyone)" }
                    input #groups name="groups" maxlength="500" value=(v.groups);
                    button type="submit" { "Save" }
                }
            }
        },
    )
}

pub(crate) struct Actions<'a> {
    pub csrf: &'a str,
    pub can_edit: bool,
    pub can_history: bool,
    /// (step value, label, needs a person)
    pub steps: Vec<(&'static str, &'static str, bool)>,
    pub people: &'a [(i64, String)],
    pub can_upload: bool,
    /// The upload form would be offered, but custodiand has no media
    /// store: the page says which setting adds one instead.
    pub no_media_store: bool,
    /// `None` without `can_access_media`.
    pub files: Option<&'a [media::Listed]>,
    pub links: &'a links::Links,
    /// The forms' choices, when the record may be edited now.
    pub choices: Option<&'a links::Choices>,
}

fn options(list: &[(i64, String)]) -> Markup {
    html! { @for (id, t) in list { option value=(id) { (t) } } }
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
                " " span.withdrawn { "withdrawn " (w.when) " by " (w.by) ": " (w.reason) }
            },
            (None, Some((action, hidden))) => {
                " " details.withdraw {
                    summary { "Withdraw" }
                    form method="post" action=(action) {
                        (hidden)
                        input type="hidden" name="what" value="withdraw";
                        input type="hidden" name="link" value=(link);
                        label { "Why is it wrong? " input name="reason" maxlength="1000" required; }
                        button.small type="submit" { "Withdraw" }
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

/// Relations, references and events, with the forms that add them.
fn links_html(b: &Record, a: &Actions<'_>) -> Markup {
    let l = a.links;
    let action = format!("{}/links", b.kind.path());
    let hidden = link_hidden(b, a.csrf);
    // Links are withdrawn under the same rule as they are added.
    let form = a.choices.map(|_| (action.as_str(), &hidden));
    html! {
        h2 { "Related records" }
        @if l.relations.is_empty() {
            p.muted { "None yet." }
        } @else {
            ul.relations {
                @for r in &l.relations {
                    @let other = html! {
                        a href={(r.other.path()) "/view?id=" (r.other_id)} { (r.other.title()) " " (r.other_id) ": " (r.other_title) }
                    };
                    li {
                        (struck(r.withdrawn.is_some(), html! {
                            @if r.outgoing {
                                "This " (b.kind.noun()) " " (r.words) " " (other)
                            } @else {
                                (other) " " (r.words) " this " (b.kind.noun())
                            }
                            " (" (r.certainty) ")"
                            @if !r.comment.is_empty() { " — " (r.comment) }
                        }))
                        " " span.muted { (r.when) " by " (r.by) }
                        (withdrawal(r.withdrawn.as_ref(), form, &format!("relation:{}", r.id)))
                    }
                }
            }
        }
        h2 { "Labels, sources and locations" }
        @if l.references.is_empty() {
            p.muted { "None yet." }
        } @else {
            dl.facts {
                @for r in &l.references {
                    dt { (r.what) }
                    dd {
                        (struck(r.withdrawn.is_some(), html! { (r.title) }))
                        (withdrawal(r.withdrawn.as_ref(), form, &format!("reference:{}", r.id)))
                    }
                }
            }
        }
        h2 { "Events" }
        @if l.events.is_empty() {
            p.muted { "None yet." }
        } @else {
            div.table {
                table {
                    thead { tr { th { "Event" } th { "Where" } th { "From" } th { "To" } th { "Note" } th {} } }
                    tbody {
                        @for e in &l.events {
                            @let gone = e.withdrawn.is_some();
                            tr {
                                td { (struck(gone, html! { (e.event_type) })) }
                                td { (struck(gone, html! { (e.location) })) }
                                td { (struck(gone, html! { (e.from) })) }
                                td { (struck(gone, html! { (e.to) })) }
                                td { (struck(gone, html! { (e.comment) })) }
                                td { (withdrawal(e.withdrawn.as_ref(), form, &format!("event:{}", e.id))) }
                            }
                        }
                    }
                }
            }
        }
        @if let Some(c) = a.choices {
            details {
                summary { "Add a relation" }
                form method="post" action=(action) {
                    (hidden)
                    input type="hidden" name="what" value="relation";
                    label for="rel-type" { "This " (b.kind.noun()) }
                    select #rel-type name="relation_type" {
                        @for (v, w) in links::RELATION_TYPES { option value=(v) { (w) } }
                    }
                    label for="rel-kind" { "Record" }
                    select #rel-kind name="to_kind" {
                        @for k in Kind::ALL { option value=(k.noun()) { (k.title()) } }
                    }
                    label for="rel-id" { "Its number" }
                    input #rel-id name="to_id" inputmode="numeric" maxlength="18" required;
                    label for="rel-certainty" { "Certainty" }
                    select #rel-certainty name="certainty" {
                        @for v in links::CERTAINTY { option value=(v) { (v) } }
                    }
                    label for="rel-comment" { "Note" }
                    input #rel-comment name="comment" maxlength="1000";
                    button type="submit" { "Add relation" }
                }
            }
            @for (what, list) in [("label", &c.labels), ("source", &c.sources), ("location", &c.locations)] {
                @if !list.is_empty() {
                    form.inline method="post" action=(action) {
                        (hidden)
                        input type="hidden" name="what" value=(what);
                        select name="ref_id" aria-label=(what) { (options(list)) }
                        button.small type="submit" { "Attach " (what) }
                    }
                }
            }
            details {
                summary { "Add an event" }
                form method="post" action=(action) {
                    (hidden)
                    input type="hidden" name="what" value="event";
                    label for="ev-type" { "Event type" }
                    select #ev-type name="event_type" { (options(&c.event_types)) }
                    label for="ev-location" { "Location" }
                    select #ev-location name="location" { option value="" { "—" } (options(&c.locations)) }
                    label for="ev-from" { "From (YYYY-MM-DD)" }
                    input #ev-from name="from" maxlength="10";
                    label for="ev-to" { "To (YYYY-MM-DD)" }
                    input #ev-to name="to" maxlength="10";
                    label for="ev-comment" { "Note" }
                    input #ev-comment name="comment" maxlength="1000";
                    button type="submit" { "Add event" }
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
        h2 { "Files" }
        @if files.is_empty() {
            p.muted { "No files yet." }
        } @else {
            div.table {
                table {
                    thead { tr { th { "File" } th { "Type" } th { "Size" } th { "SHA-256" } th { "Added" } } }
                    tbody {
                        @for f in files {
                            tr {
                                td { a href={"/media?id=" (f.id)} { (f.name) } }
                                td { (f.mime) }
                                td { (f.size) " bytes" }
                                td { code.hash { (f.sha256) } }
                                td { (f.uploaded) " by " (f.uploaded_by) }
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
                label for="file" { "Add a file (images, PDF, video, audio; the appliance checks what it really is)" }
                input #file name="file" type="file" required;
                button type="submit" { "Upload" }
            }
        } @else if a.no_media_store {
            p.notice role="status" { (super::no_media_store()) }
        }
    }
}

pub(crate) fn view(viewer: &Viewer, b: &Record, a: &Actions<'_>, message: Option<&str>) -> Markup {
    let path = b.kind.path();
    let groups = if b.access_groups.is_empty() {
        "everyone".to_owned()
    } else {
        b.access_groups.join(", ")
    };
    // Sanitised again on the way out: the one raw output of this page.
    let description = sanitize::rich_text(&b.description_html);
    layout(
        &Page::signed(&b.title, viewer, area(b.kind))
            .trail(b.kind.plural(), path)
            .csrf(a.csrf)
            .wide(),
        html! {
            section.card {
                h1 dir="auto" { (b.title) }
                (alert(message))
                div.record {
                    div.main {
                        dl.facts {
                            @for f in b.kind.fields() {
                                @let value = Kind::detail(&b.details, f.key);
                                @if !value.is_empty() {
                                    dt { (f.label) } dd { (value) }
                                }
                            }
                            dt { "Status" } dd { (b.item.status.label()) }
                            dt { "Assigned to" } dd { (b.assignee) }
                            dt { "Reviewer" } dd { (b.reviewer_name) }
                            dt { "Visible to" } dd { (groups) }
                            dt { "Revision" } dd { (b.revision) " (" (b.updated) ")" }
                        }
                        div.description { (PreEscaped(description.as_str())) }
                        p {
                            @if a.can_edit {
                                a.button href={(path) "/edit?id=" (b.id)} { "Edit" } " "
                            }
                            @if a.can_history {
                                a href={(path) "/history?id=" (b.id)} { "History" }
                            }
                        }
                        (files_html(a, b.id))
                        (links_html(b, a))
                    }
                    @if !a.steps.is_empty() {
                        aside.workflow {
                            h2 { "Workflow" }
                            @for (value, label, needs_person) in &a.steps {
                                form.inline method="post" action={(path) "/workflow"} {
                                    (csrf_field(a.csrf))
                                    input type="hidden" name="id" value=(b.id);
                                    input type="hidden" name="step" value=(value);
                                    @if *needs_person {
                                        select name="user" aria-label={"Person for " (label)} { (people_options(a.people)) }
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

pub(crate) fn history(viewer: &Viewer, kind: Kind, id: i64, revisions: &[Revision]) -> Markup {
    let (path, title, noun) = (kind.path(), kind.title(), kind.noun());
    let crumb = format!("{title} {id}");
    layout(
        &Page::signed("History", viewer, area(kind))
            .trail(kind.plural(), path)
            .trail(&crumb, format!("{path}/view?id={id}"))
            .wide(),
        html! {
            section.card {
                h1 { "History of " (noun) " " (id) }
                div.table {
                    table {
                        thead { tr { th { "Revision" } th { "When" } th { "Who" } th { "Change" } } }
                        tbody {
                            @for r in revisions {
                                tr { td { (r.revision) } td { (r.when) } td { (r.editor) } td { (r.summary) } }
                                @if let Some(snapshot) = &r.snapshot {
                                    tr { td {} td colspan="3" { pre.snapshot { (snapshot) } } }
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
    layout(
        &Page::signed("Bulk change", viewer, area(kind)).trail(kind.plural(), kind.path()),
        html! {
            section.card {
                h1 { "Bulk change: " (step) }
                p { "Done: " (done) ". Refused: " (refused) "." }
                div.table {
                    table {
                        thead { tr { th { (kind.title()) } th { "Outcome" } } }
                        tbody {
                            @for (id, outcome) in outcomes {
                                tr { td { a href={(kind.path()) "/view?id=" (id)} { (id) } } td { (outcome) } }
                            }
                        }
                    }
                }
                p { a href=(kind.path()) { "Back to the " (kind.plural().to_lowercase()) } }
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use custodian_core::policy::workflow::Item;

    const EVIL: &str = "\"><script>alert(1)</script><img src=x onerror=alert(2)>";

    fn record() -> Record {
        Record {
            kind: Kind::Bulletin,
            id: 7,
            title: EVIL.to_owned(),
            details: serde_json::Value::Null,
            description_html: format!("<p>Witness</p>{EVIL}<a href=\"javascript:alert(3)\">x</a>"),
            item: Item {
                status: Status::Unassigned,
                assigned_to: None,
                reviewer: None,
            },
            assignee: EVIL.to_owned(),
            reviewer_name: String::new(),
            access_groups: vec![EVIL.to_owned()],
            revision: 1,
            updated: "2026-12-02".to_owned(),
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
            steps: vec![("submit", "Submit", true)],
            people: &[(1, EVIL.to_owned())],
            can_upload: false,
            no_media_store: false,
            files: None,
            links: &links,
            choices: None,
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
            page.contains("<h1 dir=\"auto\">&quot;&gt;&lt;script&gt;"),
            "{page}"
        );
        // The sanitised description keeps what the allow-list allows.
        assert!(
            page.contains("<div class=\"description\"><p>Witness</p>"),
            "{page}"
        );
        // A form re-shows the typed (evil) description as text.
        let values = FormValues {
            title: EVIL,
            description: EVIL,
            details: &serde_json::Value::Null,
            groups: EVIL,
        };
        let page = form(&viewer, Kind::Actor, EVIL, Some(&b), Some(EVIL), &values).into_string();
        assert!(
            !page.contains("<script") && !page.contains("<img"),
            "{page}"
        );
    }
}
