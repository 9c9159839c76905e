//! The activity monitor: administrators (with a recent password) read the
//! tamper-evident activity log, filtered by who, what and when, newest
//! first, a page at a time. Reading it is itself recorded.

use http::{Request, StatusCode};

use super::views;
use crate::app::App;
use crate::guard::admit;
use crate::input::query_param;
use crate::respond::unavailable_because;
use crate::respond::{html, Reply};
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

pub(crate) async fn page(app: &App, req: &Request<impl Sized>) -> Reply {
    let s = admit::<ViewActivity, _>(app, req).await?;
    let db = &s.db;
    let session = &s.session;
    let q = req.uri().query();
    let f = Filters {
        actor: super::input::text(q, "actor", 100)?,
        action: super::input::text(q, "action", 100)?,
        target: super::input::text(q, "target", 100)?,
        since: super::input::date(q, "since")?.unwrap_or_default(),
        page: query_param(q, "page")
            .parse::<i64>()
            .unwrap_or(0)
            .clamp(0, 1_000_000),
    };
    // A checked calendar date (YYYY-MM-DD), or none: from its midnight on
    // the reader's clock (the zone their pages show).
    let since_us = f
        .since
        .parse::<jiff::civil::Date>()
        .ok()
        .and_then(|d| d.to_zoned(crate::i18n::time_zone()).ok())
        .map(|z| z.timestamp().as_microsecond());
    let rows = activity_log::search(
        db,
        &activity_log::Filters {
            actor: &f.actor,
            action: &f.action,
            target: &f.target,
            since_us,
        },
        PAGE + 1,
        f.page * PAGE,
    )
    .await
    .map_err(unavailable_because)?;
    db
        .record_after(&session.username, "activity.viewed", "", &serde_json::json!({"actor": f.actor, "action": f.action, "target": f.target, "since": f.since, "zone": crate::i18n::time_zone().iana_name(), "page": f.page}))
        .await;
    let newer = (f.page > 0).then(|| url(&f, f.page - 1));
    let older = (rows.len() as i64 > PAGE).then(|| url(&f, f.page + 1));
    Ok(html(
        StatusCode::OK,
        views::activity::page(
            &views::viewer(session),
            &views::activity::Filters {
                actor: &f.actor,
                action: &f.action,
                target: &f.target,
                since: &f.since,
            },
            &rows[..rows.len().min(PAGE as usize)],
            newer,
            older,
        ),
    ))
}
