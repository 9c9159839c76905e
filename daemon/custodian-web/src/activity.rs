//! The activity monitor: administrators (with a recent password) read the
//! tamper-evident activity log, filtered by who, what and when, newest
//! first, a page at a time. Reading it is itself recorded.

use std::fmt::Write;

use http::{Request, Response, StatusCode};

use super::auth::{unavailable, unavailable_because};
use super::evidence::query_param;
use super::pages::{escape, layout};
use super::routes::{html, Body};
use crate::app::App;
use crate::guard::admit;
use custodian_core::activity_log;
use custodian_core::policy::ViewActivity;

const PAGE: i64 = 50;

struct Filters {
    actor: String,
    action: String,
    target: String,
    since: String,
    page: i64,
}

fn url(f: &Filters, page: i64) -> String {
    let mut q = form_urlencoded::Serializer::new(String::new());
    for (k, v) in [
        ("actor", &f.actor),
        ("action", &f.action),
        ("target", &f.target),
        ("since", &f.since),
    ] {
        if !v.is_empty() {
            q.append_pair(k, v);
        }
    }
    q.append_pair("page", &page.to_string());
    format!("/admin/activity?{}", q.finish())
}

pub async fn page(app: &App, req: &Request<impl Sized>) -> Response<Body> {
    let result: Result<Response<Body>, Response<Body>> = async {
        let db = app.db.as_ref().ok_or_else(unavailable)?;
        let s = admit::<ViewActivity, _>(app, req).await?;
        let session = &s.session;
        let q = req.uri().query();
        let f = Filters {
            actor: super::input::text(q, "actor", 100)?,
            action: super::input::text(q, "action", 100)?,
            target: super::input::text(q, "target", 100)?,
            since: super::input::date(q, "since")?.unwrap_or_default(),
            page: query_param(q, "page").parse::<i64>().unwrap_or(0).clamp(0, 1_000_000),
        };
        // A checked calendar date (YYYY-MM-DD), or none.
        let since = (!f.since.is_empty()).then(|| f.since.clone());
        let rows = activity_log::search(
            db,
            &activity_log::Filters {
                actor: &f.actor,
                action: &f.action,
                target: &f.target,
                since: since.as_deref(),
            },
            PAGE + 1,
            f.page * PAGE,
        )
        .await
        .map_err(unavailable_because)?;
        let _ = db
            .record(&session.username, "activity.viewed", "", &serde_json::json!({"actor": f.actor, "action": f.action, "target": f.target, "since": f.since, "page": f.page}))
            .await;
        let mut table = String::from("<table><thead><tr><th>#</th><th>When (UTC)</th><th>Who</th><th>What</th><th>On</th><th>Details</th></tr></thead><tbody>");
        for r in rows.iter().take(PAGE as usize) {
            let details: String = r.details.chars().take(300).collect();
            let _ = write!(
                table,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td></tr>",
                r.seq,
                escape(&r.at),
                escape(&r.actor),
                escape(&r.action),
                escape(&r.target),
                escape(&details)
            );
        }
        table.push_str("</tbody></table>");
        let mut nav = String::new();
        if f.page > 0 {
            let _ = write!(nav, "<a href=\"{}\">Newer</a> ", escape(&url(&f, f.page - 1)));
        }
        if rows.len() as i64 > PAGE {
            let _ = write!(nav, "<a href=\"{}\">Older</a>", escape(&url(&f, f.page + 1)));
        }
        Ok(html(
            StatusCode::OK,
            layout(
                "Activity",
                &format!(
                    "<section class=\"card\"><h1>Activity</h1>\
<p class=\"muted\">Every entry is hash-chained to the one before and checkpointed with Vault's signature; \
<code>custodianctl audit verify</code> names any entry changed or removed.</p>\
<form method=\"get\" action=\"/admin/activity\" class=\"search\">\
<label for=\"actor\">Who (starts with)</label><input id=\"actor\" name=\"actor\" maxlength=\"100\" value=\"{}\">\
<label for=\"action\">What (starts with, e.g. login. or export.)</label><input id=\"action\" name=\"action\" maxlength=\"100\" value=\"{}\">\
<label for=\"target\">On (starts with, e.g. bulletin/12)</label><input id=\"target\" name=\"target\" maxlength=\"100\" value=\"{}\">\
<label for=\"since\">Since</label><input id=\"since\" name=\"since\" type=\"date\" value=\"{}\">\
<button type=\"submit\">Filter</button></form>{table}<p>{nav}</p></section>",
                    escape(&f.actor),
                    escape(&f.action),
                    escape(&f.target),
                    escape(&f.since)
                ),
            ),
        ))
    }
    .await;
    result.unwrap_or_else(|r| r)
}
