//! Pages of the evidence records. Every value is escaped; descriptions are
//! sanitised HTML (on the way in, and again on the way out).

use std::fmt::Write;

use super::pages::{escape, layout};
use custodian_core::evidence::items::{Count, Cursor, Kind, Listing, Record, Revision, Sort};
use custodian_core::evidence::links;
use custodian_core::evidence::sanitize;
use custodian_core::policy::workflow::Status;

fn message_html(message: Option<&str>) -> String {
    message
        .map(|m| format!("<p class=\"error\" role=\"alert\">{}</p>", escape(m)))
        .unwrap_or_default()
}

pub struct ListView<'a> {
    pub kind: Kind,
    pub listing: &'a Listing,
    pub text: &'a str,
    pub status: Option<Status>,
    /// The order asked for (the listing says which one was used).
    pub asked: Sort,
    pub searching: bool,
    pub can_create: bool,
    /// For administrators and moderators: the CSRF token and the people
    /// the bulk form may name.
    pub bulk: Option<(&'a str, &'a [(i64, String)])>,
}

/// A list's address; `at` is a page position ("after" or "before" a row).
fn list_url(v: &ListView<'_>, at: Option<(&str, Cursor)>) -> String {
    let mut q = form_urlencoded::Serializer::new(String::new());
    if !v.text.is_empty() {
        q.append_pair("q", v.text);
    }
    if let Some(s) = v.status {
        q.append_pair("status", s.as_str());
    }
    q.append_pair("sort", v.asked.as_str());
    if let Some((name, c)) = at {
        q.append_pair(name, &c.encode());
    }
    format!("{}?{}", v.kind.path(), q.finish())
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

pub fn list(v: &ListView<'_>) -> String {
    let (path, noun, plural) = (v.kind.path(), v.kind.noun(), v.kind.plural());
    let options: String = std::iter::once(("", "Any status", v.status.is_none()))
        .chain(
            Status::ALL
                .iter()
                .map(|s| (s.as_str(), s.label(), v.status == Some(*s))),
        )
        .map(|(value, label, selected)| {
            format!(
                "<option value=\"{value}\"{}>{label}</option>",
                if selected { " selected" } else { "" }
            )
        })
        .collect();
    let sorts: String = Sort::ALL
        .iter()
        .map(|s| {
            format!(
                "<option value=\"{}\"{}>{}</option>",
                s.as_str(),
                if *s == v.asked { " selected" } else { "" },
                s.label()
            )
        })
        .collect();
    let mut table = String::from(
        "<table><thead><tr><th>#</th><th>{}</th><th>Status</th><th>Assigned to</th><th>Updated (UTC)</th></tr></thead><tbody>",
    )
    .replace("{}", v.kind.title_label());
    for r in &v.listing.rows {
        let pick = if v.bulk.is_some() {
            format!(
                "<input type=\"checkbox\" name=\"id\" value=\"{}\" aria-label=\"Select {noun} {}\"> ",
                r.id, r.id
            )
        } else {
            String::new()
        };
        let _ = write!(
            table,
            "<tr><td>{pick}{}</td><td><a href=\"{path}/view?id={}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td></tr>",
            r.id,
            r.id,
            escape(&r.title),
            r.status.label(),
            escape(&r.assignee),
            escape(&r.updated)
        );
    }
    table.push_str("</tbody></table>");
    if v.listing.rows.is_empty() {
        table = format!("<p class=\"muted\">No {} match.</p>", plural.to_lowercase());
    } else if let Some((csrf, people)) = v.bulk {
        let people: String = people
            .iter()
            .map(|(id, name)| format!("<option value=\"{id}\">{}</option>", escape(name)))
            .collect();
        table = format!(
            "<form method=\"post\" action=\"{path}/bulk\"><input type=\"hidden\" name=\"csrf\" value=\"{}\">{table}\
<p class=\"bulk\"><label for=\"bulk-step\">With the selected</label><select id=\"bulk-step\" name=\"step\">\
<option value=\"assign\">assign to</option><option value=\"finalize\">finalize (reviewed ones)</option></select>\
<select name=\"user\" aria-label=\"Person\">{people}</select><button type=\"submit\" class=\"small\">Apply</button></p></form>",
            escape(csrf)
        );
    }
    let (n, many) = match v.listing.count {
        Count::Exact(n) => (n, false),
        Count::MoreThan(n) => (n, true),
    };
    let mut nav = format!(
        "<p class=\"muted\">{}{} {noun}{}; by {}.{}</p>",
        if many { "More than " } else { "" },
        thousands(n),
        if n == 1 && !many { "" } else { "s" },
        v.listing.sort.label().to_lowercase(),
        if v.listing.sort != v.asked && v.searching {
            " Too many records match to rank them all; narrow the search to sort by relevance."
        } else {
            ""
        }
    );
    let first_page = if v.listing.previous.is_some() {
        format!("<a href=\"{}\">First page</a> ", escape(&list_url(v, None)))
    } else {
        String::new()
    };
    nav.push_str(&first_page);
    if let Some(c) = v.listing.previous {
        let _ = write!(
            nav,
            "<a href=\"{}\" rel=\"prev\">Previous page</a> ",
            escape(&list_url(v, Some(("before", c))))
        );
    }
    if let Some(c) = v.listing.next {
        let _ = write!(
            nav,
            "<a href=\"{}\" rel=\"next\">Next page</a>",
            escape(&list_url(v, Some(("after", c))))
        );
    }
    let create = if v.can_create {
        format!("<p><a class=\"button\" href=\"{path}/new\">New {noun}</a></p>")
    } else {
        String::new()
    };
    layout(
        plural,
        &format!(
            "<section class=\"card\"><h1>{plural}</h1>{create}\
<form method=\"get\" action=\"{path}\" class=\"search\">\
<label for=\"q\">Search {} and descriptions</label><input id=\"q\" name=\"q\" maxlength=\"200\" value=\"{}\">\
<label for=\"status\">Status</label><select id=\"status\" name=\"status\">{options}</select>\
<label for=\"sort\">Sort by</label><select id=\"sort\" name=\"sort\">{sorts}</select>\
<button type=\"submit\">Search</button>\
<p class=\"muted\">All words must match; \"a phrase\", word* for words starting so, a OR b, -word to leave out.</p>\
</form>{table}{nav}</section>",
            if v.kind == Kind::Actor { "names" } else { "titles" },
            escape(v.text)
        ),
    )
}

/// What a form shows: the values as typed (or stored).
pub struct FormValues<'a> {
    pub title: &'a str,
    pub description: &'a str,
    pub details: &'a serde_json::Value,
    pub groups: &'a str,
}

/// The kind's own fields: a list of choices or a line of text each.
fn detail_fields(kind: Kind, details: &serde_json::Value) -> String {
    let mut out = String::new();
    for f in kind.fields() {
        let current = Kind::detail(details, f.key);
        match f.choices {
            Some(choices) => {
                let options: String = choices
                    .iter()
                    .map(|c| {
                        format!(
                            "<option value=\"{c}\"{}>{}</option>",
                            if *c == current { " selected" } else { "" },
                            if c.is_empty() { "—" } else { c }
                        )
                    })
                    .collect();
                let _ = write!(
                    out,
                    "<label for=\"{k}\">{}</label><select id=\"{k}\" name=\"{k}\">{options}</select>",
                    escape(f.label),
                    k = f.key
                );
            }
            None => {
                let _ = write!(
                    out,
                    "<label for=\"{k}\">{}</label><input id=\"{k}\" name=\"{k}\" maxlength=\"{}\" value=\"{}\">",
                    escape(f.label),
                    f.max,
                    escape(&current),
                    k = f.key
                );
            }
        }
    }
    out
}

pub fn form(
    kind: Kind,
    csrf: &str,
    existing: Option<&Record>,
    message: Option<&str>,
    v: &FormValues<'_>,
) -> String {
    let (path, noun) = (kind.path(), kind.noun());
    let (heading, action, id_field) = match existing {
        Some(b) => (
            format!("Edit {noun} {}", b.id),
            format!("{path}/edit"),
            format!("<input type=\"hidden\" name=\"id\" value=\"{}\">", b.id),
        ),
        None => (format!("New {noun}"), path.to_owned(), String::new()),
    };
    let (title, description, groups) = (v.title, v.description, v.groups);
    layout(
        &heading,
        &format!(
            "<section class=\"card\"><h1>{}</h1>{}\
<form method=\"post\" action=\"{action}\"><input type=\"hidden\" name=\"csrf\" value=\"{}\">{id_field}\
<label for=\"title\">{}</label><input id=\"title\" name=\"title\" required maxlength=\"300\" value=\"{}\">{}\
<label for=\"description\">Description</label>\
<textarea id=\"description\" name=\"description\" rows=\"10\" maxlength=\"100000\">{}</textarea>\
<p class=\"muted\">Paragraphs, emphasis, lists, quotes, code and links are kept; anything else is removed.</p>\
<label for=\"groups\">Restrict to access groups (comma-separated; empty: everyone)</label>\
<input id=\"groups\" name=\"groups\" maxlength=\"500\" value=\"{}\">\
<button type=\"submit\">Save</button></form></section>",
            escape(&heading),
            message_html(message),
            escape(csrf),
            kind.title_label(),
            escape(title),
            detail_fields(kind, v.details),
            escape(description),
            escape(groups)
        ),
    )
}

pub struct Actions<'a> {
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
    pub files: Option<&'a [custodian_core::evidence::media::Listed]>,
    pub links: &'a links::Links,
    /// The forms' choices, when the record may be edited now.
    pub choices: Option<&'a links::Choices>,
}

fn options(list: &[(i64, String)]) -> String {
    list.iter()
        .map(|(id, t)| format!("<option value=\"{id}\">{}</option>", escape(t)))
        .collect()
}

/// "withdrawn on … by …: reason", or for a current link that may be
/// changed now, the form that withdraws it.
fn withdrawal_html(
    w: Option<&links::Withdrawal>,
    form: Option<(&str, &str)>,
    link: &str,
) -> String {
    match (w, form) {
        (Some(w), _) => format!(
            " <span class=\"withdrawn\">withdrawn {} by {}: {}</span>",
            escape(&w.when),
            escape(&w.by),
            escape(&w.reason)
        ),
        (None, Some((action, hidden))) => format!(
            " <details class=\"withdraw\"><summary>Withdraw</summary><form method=\"post\" action=\"{action}\">{hidden}\
<input type=\"hidden\" name=\"what\" value=\"withdraw\"><input type=\"hidden\" name=\"link\" value=\"{link}\">\
<label>Why is it wrong? <input name=\"reason\" maxlength=\"1000\" required></label>\
<button type=\"submit\" class=\"small\">Withdraw</button></form></details>"
        ),
        (None, None) => String::new(),
    }
}

/// `text`, struck through when the link was withdrawn.
fn struck(text: String, withdrawn: bool) -> String {
    if withdrawn {
        format!("<del>{text}</del>")
    } else {
        text
    }
}

/// Relations, references and events, with the forms that add them.
fn links_html(b: &Record, a: &Actions<'_>) -> String {
    let l = a.links;
    let action = format!("{}/links", b.kind.path());
    let hidden = format!(
        "<input type=\"hidden\" name=\"csrf\" value=\"{}\"><input type=\"hidden\" name=\"id\" value=\"{}\">",
        escape(a.csrf),
        b.id
    );
    // Links are withdrawn under the same rule as they are added.
    let form = a.choices.map(|_| (action.as_str(), hidden.as_str()));
    let mut out = String::from("<h2>Related records</h2>");
    if l.relations.is_empty() {
        out.push_str("<p class=\"muted\">None yet.</p>");
    } else {
        out.push_str("<ul class=\"relations\">");
        for r in &l.relations {
            let other = format!(
                "<a href=\"{}/view?id={}\">{} {}: {}</a>",
                r.other.path(),
                r.other_id,
                r.other.title(),
                r.other_id,
                escape(&r.other_title)
            );
            let sentence = if r.outgoing {
                format!("This {} {} {other}", b.kind.noun(), r.words)
            } else {
                format!("{other} {} this {}", r.words, b.kind.noun())
            };
            let comment = if r.comment.is_empty() {
                String::new()
            } else {
                format!(" — {}", escape(&r.comment))
            };
            let _ = write!(
                out,
                "<li>{} <span class=\"muted\">{} by {}</span>{}</li>",
                struck(
                    format!("{sentence} ({}){comment}", escape(&r.certainty)),
                    r.withdrawn.is_some()
                ),
                escape(&r.when),
                escape(&r.by),
                withdrawal_html(r.withdrawn.as_ref(), form, &format!("relation:{}", r.id))
            );
        }
        out.push_str("</ul>");
    }
    out.push_str("<h2>Labels, sources and locations</h2>");
    if l.references.is_empty() {
        out.push_str("<p class=\"muted\">None yet.</p>");
    } else {
        out.push_str("<dl class=\"facts\">");
        for r in &l.references {
            let _ = write!(
                out,
                "<dt>{}</dt><dd>{}{}</dd>",
                escape(&r.what),
                struck(escape(&r.title), r.withdrawn.is_some()),
                withdrawal_html(r.withdrawn.as_ref(), form, &format!("reference:{}", r.id))
            );
        }
        out.push_str("</dl>");
    }
    out.push_str("<h2>Events</h2>");
    if l.events.is_empty() {
        out.push_str("<p class=\"muted\">None yet.</p>");
    } else {
        out.push_str("<table><thead><tr><th>Event</th><th>Where</th><th>From</th><th>To</th><th>Note</th><th></th></tr></thead><tbody>");
        for e in &l.events {
            let gone = e.withdrawn.is_some();
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                struck(escape(&e.event_type), gone),
                struck(escape(&e.location), gone),
                struck(escape(&e.from), gone),
                struck(escape(&e.to), gone),
                struck(escape(&e.comment), gone),
                withdrawal_html(e.withdrawn.as_ref(), form, &format!("event:{}", e.id))
            );
        }
        out.push_str("</tbody></table>");
    }
    let Some(c) = a.choices else {
        return out;
    };
    let kinds: String = Kind::ALL
        .iter()
        .map(|k| format!("<option value=\"{}\">{}</option>", k.noun(), k.title()))
        .collect();
    let types: String = links::RELATION_TYPES
        .iter()
        .map(|(v, w)| format!("<option value=\"{v}\">{w}</option>"))
        .collect();
    let certainty: String = links::CERTAINTY
        .iter()
        .map(|v| format!("<option value=\"{v}\">{v}</option>"))
        .collect();
    let _ = write!(
        out,
        "<details><summary>Add a relation</summary><form method=\"post\" action=\"{action}\">{hidden}\
<input type=\"hidden\" name=\"what\" value=\"relation\">\
<label for=\"rel-type\">This {}</label><select id=\"rel-type\" name=\"relation_type\">{types}</select>\
<label for=\"rel-kind\">Record</label><select id=\"rel-kind\" name=\"to_kind\">{kinds}</select>\
<label for=\"rel-id\">Its number</label><input id=\"rel-id\" name=\"to_id\" inputmode=\"numeric\" maxlength=\"18\" required>\
<label for=\"rel-certainty\">Certainty</label><select id=\"rel-certainty\" name=\"certainty\">{certainty}</select>\
<label for=\"rel-comment\">Note</label><input id=\"rel-comment\" name=\"comment\" maxlength=\"1000\">\
<button type=\"submit\">Add relation</button></form></details>",
        b.kind.noun()
    );
    for (what, list) in [
        ("label", &c.labels),
        ("source", &c.sources),
        ("location", &c.locations),
    ] {
        if list.is_empty() {
            continue;
        }
        let _ = write!(
            out,
            "<form method=\"post\" action=\"{action}\" class=\"inline\">{hidden}\
<input type=\"hidden\" name=\"what\" value=\"{what}\"><select name=\"ref_id\" aria-label=\"{what}\">{}</select>\
<button type=\"submit\" class=\"small\">Attach {what}</button></form>",
            options(list)
        );
    }
    let _ = write!(
        out,
        "<details><summary>Add an event</summary><form method=\"post\" action=\"{action}\">{hidden}\
<input type=\"hidden\" name=\"what\" value=\"event\">\
<label for=\"ev-type\">Event type</label><select id=\"ev-type\" name=\"event_type\">{}</select>\
<label for=\"ev-location\">Location</label><select id=\"ev-location\" name=\"location\"><option value=\"\">—</option>{}</select>\
<label for=\"ev-from\">From (YYYY-MM-DD)</label><input id=\"ev-from\" name=\"from\" maxlength=\"10\">\
<label for=\"ev-to\">To (YYYY-MM-DD)</label><input id=\"ev-to\" name=\"to\" maxlength=\"10\">\
<label for=\"ev-comment\">Note</label><input id=\"ev-comment\" name=\"comment\" maxlength=\"1000\">\
<button type=\"submit\">Add event</button></form></details>",
        options(&c.event_types),
        options(&c.locations)
    );
    out
}

fn files_html(a: &Actions<'_>, bulletin_id: i64) -> String {
    // Files belong to bulletins only (actors and incidents link to them).
    let Some(files) = a.files else {
        return String::new();
    };
    let mut out = String::from("<h2>Files</h2>");
    if files.is_empty() {
        out.push_str("<p class=\"muted\">No files yet.</p>");
    } else {
        out.push_str("<table><thead><tr><th>File</th><th>Type</th><th>Size</th><th>SHA-256</th><th>Added</th></tr></thead><tbody>");
        for f in files {
            let _ = write!(
                out,
                "<tr><td><a href=\"/media?id={}\">{}</a></td><td>{}</td><td>{} bytes</td><td><code class=\"hash\">{}</code></td><td>{} by {}</td></tr>",
                f.id,
                escape(&f.name),
                escape(&f.mime),
                f.size,
                escape(&f.sha256),
                escape(&f.uploaded),
                escape(&f.uploaded_by)
            );
        }
        out.push_str("</tbody></table>");
    }
    if a.can_upload {
        let _ = write!(
            out,
            "<form method=\"post\" action=\"/bulletins/media\" enctype=\"multipart/form-data\">\
<input type=\"hidden\" name=\"csrf\" value=\"{}\"><input type=\"hidden\" name=\"id\" value=\"{bulletin_id}\">\
<label for=\"file\">Add a file (images, PDF, video, audio; the appliance checks what it really is)</label>\
<input id=\"file\" name=\"file\" type=\"file\" required><button type=\"submit\">Upload</button></form>",
            escape(a.csrf)
        );
    } else if a.no_media_store {
        let _ = write!(
            out,
            "<p class=\"notice\" role=\"status\">{}</p>",
            escape(super::pages::NO_MEDIA_STORE)
        );
    }
    out
}

pub fn view(b: &Record, a: &Actions<'_>, message: Option<&str>) -> String {
    let path = b.kind.path();
    let mut links = String::new();
    if a.can_edit {
        let _ = write!(
            links,
            "<a class=\"button\" href=\"{path}/edit?id={}\">Edit</a> ",
            b.id
        );
    }
    if a.can_history {
        let _ = write!(links, "<a href=\"{path}/history?id={}\">History</a>", b.id);
    }
    let mut facts = String::new();
    for f in b.kind.fields() {
        let value = Kind::detail(&b.details, f.key);
        if !value.is_empty() {
            let _ = write!(
                facts,
                "<dt>{}</dt><dd>{}</dd>",
                escape(f.label),
                escape(&value)
            );
        }
    }
    let people: String = a
        .people
        .iter()
        .map(|(id, name)| format!("<option value=\"{id}\">{}</option>", escape(name)))
        .collect();
    let mut steps = String::new();
    for (value, label, needs_person) in &a.steps {
        let person = if *needs_person {
            format!("<select name=\"user\" aria-label=\"Person for {label}\">{people}</select>")
        } else {
            String::new()
        };
        let _ = write!(
            steps,
            "<form method=\"post\" action=\"{path}/workflow\" class=\"inline\">\
<input type=\"hidden\" name=\"csrf\" value=\"{}\"><input type=\"hidden\" name=\"id\" value=\"{}\">\
<input type=\"hidden\" name=\"step\" value=\"{value}\">{person}<button type=\"submit\" class=\"small\">{label}</button></form>",
            escape(a.csrf),
            b.id
        );
    }
    let groups = if b.access_groups.is_empty() {
        "everyone".to_owned()
    } else {
        b.access_groups.join(", ")
    };
    layout(
        &b.title,
        &format!(
            "<section class=\"card\"><p class=\"muted\"><a href=\"{path}\">{}</a> / {}</p>\
<h1>{}</h1>{}<dl class=\"facts\">{facts}<dt>Status</dt><dd>{}</dd><dt>Assigned to</dt><dd>{}</dd>\
<dt>Reviewer</dt><dd>{}</dd><dt>Visible to</dt><dd>{}</dd><dt>Revision</dt><dd>{} ({})</dd></dl>\
<div class=\"description\">{}</div><p>{links}</p>{}{}{}</section>",
            b.kind.plural(),
            b.id,
            escape(&b.title),
            message_html(message),
            b.item.status.label(),
            escape(&b.assignee),
            escape(&b.reviewer_name),
            escape(&groups),
            b.revision,
            escape(&b.updated),
            sanitize::rich_text(&b.description_html),
            files_html(a, b.id),
            links_html(b, a),
            if steps.is_empty() {
                String::new()
            } else {
                format!("<h2>Workflow</h2>{steps}")
            }
        ),
    )
}

pub fn history(kind: Kind, id: i64, revisions: &[Revision]) -> String {
    let (path, title, noun) = (kind.path(), kind.title(), kind.noun());
    let mut table = String::from(
        "<table><thead><tr><th>Revision</th><th>When</th><th>Who</th><th>Change</th></tr></thead><tbody>",
    );
    for r in revisions {
        let _ = write!(
            table,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            r.revision,
            escape(&r.when),
            escape(&r.editor),
            escape(&r.summary)
        );
        if let Some(snapshot) = &r.snapshot {
            let _ = write!(
                table,
                "<tr><td></td><td colspan=\"3\"><pre class=\"snapshot\">{}</pre></td></tr>",
                escape(snapshot)
            );
        }
    }
    table.push_str("</tbody></table>");
    layout(
        "History",
        &format!(
            "<section class=\"card\"><p class=\"muted\"><a href=\"{path}/view?id={id}\">{title} {id}</a></p>\
<h1>History of {noun} {id}</h1>{table}</section>"
        ),
    )
}
