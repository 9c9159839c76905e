//! Export routes. Asking needs `can_export`; approving needs an
//! administrator other than the requester; approving and downloading both
//! need a password (or passkey) from the last 15 minutes.

use std::fmt::Write;

use bytes::Bytes;
use http::{header, HeaderValue, Request, Response, StatusCode};

use super::account::csrf_for;
use super::auth::{field, no_media_store, unavailable, unavailable_because, unavailable_for};
use super::body::Outgoing;
use super::evidence::{query_param, see_other};
use super::pages::{self, escape, layout};
use super::routes::{error, html, Body};
use crate::app::App;
use crate::guard::{admit, admit_form};
use custodian_core::evidence::exports::{self, Format, Refused};
use custodian_core::evidence::items::Query;
use custodian_core::policy::workflow::Status;
use custodian_core::policy::{
    would_allow, DecideExports, DownloadExport, RequestExport, ViewExports,
};

type Reply = Result<Response<Body>, Response<Body>>;

fn refused(r: Refused) -> Response<Body> {
    match r {
        Refused::Policy(p) => html(
            StatusCode::FORBIDDEN,
            pages::error_with(StatusCode::FORBIDDEN, p),
        ),
        Refused::Account(e) => unavailable_because(e),
        e @ (Refused::Store(_) | Refused::Task(_)) => unavailable_for(&e),
    }
}

fn page_html(
    rows: &[exports::Listed],
    csrf: &str,
    me: i64,
    can_request: bool,
    can_decide: bool,
    has_store: bool,
) -> String {
    let mut table = String::from(
        "<table><thead><tr><th>#</th><th>Asked by</th><th>Format</th><th>Items</th><th>Why</th><th>Status</th><th>Asked</th><th>Expires</th><th></th></tr></thead><tbody>",
    );
    for r in rows {
        let mut actions = String::new();
        if r.status == "requested" && can_decide && r.requested_by != me {
            for (decision, label) in [("approve", "Approve"), ("reject", "Reject")] {
                let _ = write!(
                    actions,
                    "<form method=\"post\" action=\"/exports/decide\" class=\"inline\"><input type=\"hidden\" name=\"csrf\" value=\"{}\">\
<input type=\"hidden\" name=\"id\" value=\"{}\"><input type=\"hidden\" name=\"decision\" value=\"{decision}\">\
<button type=\"submit\" class=\"small\">{label}</button></form>",
                    escape(csrf),
                    r.id
                );
            }
        }
        if r.status == "approved" && r.requested_by == me {
            let _ = write!(
                actions,
                "<a class=\"button\" href=\"/exports/download?id={}\">Download (once)</a>",
                r.id
            );
        }
        let _ = write!(
            table,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{actions}</td></tr>",
            r.id,
            escape(&r.requester),
            escape(&r.format),
            r.items,
            escape(&r.reason),
            escape(&r.status),
            escape(&r.created),
            escape(&r.expires)
        );
    }
    table.push_str("</tbody></table>");
    let form = if can_request && !has_store {
        format!(
            "<h2>Ask for an export</h2><p class=\"notice\" role=\"status\">{}</p>",
            escape(pages::NO_MEDIA_STORE)
        )
    } else if can_request {
        let statuses: String =
            std::iter::once(String::from("<option value=\"\">Any status</option>"))
                .chain(
                    Status::ALL.iter().map(|s| {
                        format!("<option value=\"{}\">{}</option>", s.as_str(), s.label())
                    }),
                )
                .collect();
        format!(
            "<h2>Ask for an export</h2><p class=\"muted\">The file is made now from what you may see, and released \
when another administrator approves it. You can download it once.</p>\
<form method=\"post\" action=\"/exports\"><input type=\"hidden\" name=\"csrf\" value=\"{}\">\
<label for=\"format\">Format</label><select id=\"format\" name=\"format\"><option value=\"csv\">CSV</option><option value=\"json\">JSON</option></select>\
<label for=\"q\">Bulletins matching</label><input id=\"q\" name=\"q\" maxlength=\"200\">\
<label for=\"status\">Status</label><select id=\"status\" name=\"status\">{statuses}</select>\
<label for=\"reason\">Why is it needed?</label><input id=\"reason\" name=\"reason\" required maxlength=\"500\">\
<button type=\"submit\">Ask for the export</button></form>",
            escape(csrf)
        )
    } else {
        String::new()
    };
    layout(
        "Exports",
        &format!("<section class=\"card\"><h1>Exports</h1>{table}{form}</section>"),
    )
}

pub async fn page(app: &App, req: &Request<impl Sized>) -> Response<Body> {
    let result: Reply = async {
        let s = admit::<ViewExports, _>(app, req).await?;
        let (session, actor, db) = (&s.session, s.actor(), &s.db);
        let (can_request, can_decide) = (
            would_allow::<RequestExport>(actor),
            would_allow::<DecideExports>(actor),
        );
        let rows = exports::list(db, actor)
            .await
            .map_err(unavailable_because)?;
        let csrf = csrf_for(app, session).await?;
        Ok(html(
            StatusCode::OK,
            page_html(
                &rows,
                &csrf,
                actor.user_id,
                can_request,
                can_decide,
                app.media.is_some(),
            ),
        ))
    }
    .await;
    result.unwrap_or_else(|r| r)
}

pub async fn request<B>(app: &App, req: Request<B>) -> Response<Body>
where
    B: hyper::body::Body<Data = Bytes> + Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let result: Reply = async {
        let (Some(db), Some(vault)) = (app.db.as_ref(), app.identity.vault.as_ref()) else {
            return Err(unavailable());
        };
        let media = app.media.as_ref().ok_or_else(no_media_store)?;
        let (s, form) = admit_form::<RequestExport, _>(app, req).await?;
        let (session, permit) = (&s.session, &s.permit);
        let format =
            Format::parse(field(&form, "format")).ok_or_else(|| error(StatusCode::BAD_REQUEST))?;
        let q = Query {
            text: field(&form, "q"),
            status: Status::parse(field(&form, "status")),
            page: 0,
        };
        exports::request(
            db,
            vault,
            &media.exports,
            permit,
            &session.username,
            format,
            &q,
            field(&form, "reason"),
        )
        .await
        .map_err(refused)?;
        Ok(see_other("/exports".into()))
    }
    .await;
    result.unwrap_or_else(|r| r)
}

pub async fn decide<B>(app: &App, req: Request<B>) -> Response<Body>
where
    B: hyper::body::Body<Data = Bytes> + Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let result: Reply = async {
        let db = app.db.as_ref().ok_or_else(unavailable)?;
        let media = app.media.as_ref().ok_or_else(no_media_store)?;
        let (s, form) = admit_form::<DecideExports, _>(app, req).await?;
        let (session, permit) = (&s.session, &s.permit);
        let id = field(&form, "id")
            .parse::<i64>()
            .map_err(|_| error(StatusCode::NOT_FOUND))?;
        let approve = match field(&form, "decision") {
            "approve" => true,
            "reject" => false,
            _ => return Err(error(StatusCode::BAD_REQUEST)),
        };
        let ttl = custodian_core::identity::settings::export_ttl(db, media.export_ttl).await;
        exports::decide(
            db,
            &media.exports,
            permit,
            &session.username,
            id,
            approve,
            ttl,
        )
        .await
        .map_err(refused)?;
        Ok(see_other("/exports".into()))
    }
    .await;
    result.unwrap_or_else(|r| r)
}

/// `GET /exports/download?id=`: the export, streamed once.
pub async fn download(app: &App, req: &Request<impl Sized>) -> Response<Outgoing> {
    let result: Result<Response<Outgoing>, Response<Body>> = async {
        let (Some(db), Some(vault), Some(media)) = (
            app.db.as_ref(),
            app.identity.vault.as_ref(),
            app.media.as_ref(),
        ) else {
            return Err(unavailable());
        };
        let s = admit::<DownloadExport, _>(app, req).await?;
        let (session, permit) = (&s.session, &s.permit);
        let id = query_param(req.uri().query(), "id")
            .parse::<i64>()
            .map_err(|_| error(StatusCode::NOT_FOUND))?;
        let file = exports::download(db, vault, &media.exports, permit, &session.username, id)
            .await
            .map_err(refused)?;
        let len = file.reader.len();
        let mut res = Response::new(Outgoing::stream(file.reader, 0, len));
        let h = res.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(file.format.content_type()),
        );
        h.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
        if let Ok(v) = HeaderValue::from_str(&format!(
            "attachment; filename=\"custodian-export-{id}.{}\"",
            file.format.as_str()
        )) {
            h.insert(header::CONTENT_DISPOSITION, v);
        }
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("sandbox; default-src 'none'; frame-ancestors 'none'"),
        );
        // Downloaded once: a resumed range would be a second download,
        // which the export no longer allows.
        h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("none"));
        Ok(res)
    }
    .await;
    result.unwrap_or_else(|r| r.map(Outgoing::from))
}
