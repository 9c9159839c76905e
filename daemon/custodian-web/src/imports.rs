//! CSV import of reference data (administrators, step-up) and the
//! read-only lists of labels, sources and locations.

use std::fmt::Write;

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use sha2::{Digest, Sha256};

use super::account::csrf_for;
use super::auth::{unavailable, unavailable_because};
use super::evidence::{query_param, see_other};
use super::pages::{self, escape, layout};
use super::routes::{error, html, Body};
use crate::app::App;
use crate::guard::{admit, admit_multipart, check_csrf};
use custodian_core::evidence::imports::{self, Kind, MAX_BYTES};
use custodian_core::policy::{ImportReference, ReadBulletins};

const KINDS: [(&str, &str); 3] = [
    ("labels", "Labels (title,description)"),
    ("sources", "Sources (title,url)"),
    (
        "locations",
        "Locations (title,latitude,longitude,country_code)",
    ),
];

fn bad(text: &str) -> Response<Body> {
    html(
        StatusCode::BAD_REQUEST,
        pages::error_with(StatusCode::BAD_REQUEST, text),
    )
}

pub async fn form(app: &App, req: &Request<impl Sized>) -> Response<Body> {
    let result: Result<Response<Body>, Response<Body>> = async {
        let s = admit::<ImportReference, _>(app, req).await?;
        let session = &s.session;
        let csrf = csrf_for(app, session).await?;
        let options: String = KINDS
            .iter()
            .map(|(v, l)| format!("<option value=\"{v}\">{l}</option>"))
            .collect();
        Ok(html(
            StatusCode::OK,
            layout(
                "Import",
                &format!(
                    "<section class=\"card narrow\"><h1>Import reference data</h1>\
<p>A CSV file (UTF-8, at most {} MiB and {} rows) whose first line names the columns. Every row is checked; \
rows that fail are listed with their line and the reason, and the others are added.</p>\
<form method=\"post\" action=\"/admin/import\" enctype=\"multipart/form-data\">\
<input type=\"hidden\" name=\"csrf\" value=\"{}\">\
<label for=\"kind\">What the file holds</label><select id=\"kind\" name=\"kind\">{options}</select>\
<label for=\"file\">CSV file</label><input id=\"file\" name=\"file\" type=\"file\" accept=\".csv,text/csv\" required>\
<button type=\"submit\">Import</button></form></section>",
                    MAX_BYTES / 1024 / 1024,
                    imports::MAX_ROWS,
                    escape(&csrf)
                ),
            ),
        ))
    }
    .await;
    result.unwrap_or_else(|r| r)
}

pub async fn upload<B>(app: &App, req: Request<B>) -> Response<Body>
where
    B: hyper::body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>> + Send,
{
    let result: Result<Response<Body>, Response<Body>> = async {
        let (s, req) = admit_multipart::<ImportReference, _>(app, req).await?;
        let (session, db) = (&s.session, &s.db);
        let mut form = super::media::multipart_form(req)
            .ok_or_else(|| error(StatusCode::UNSUPPORTED_MEDIA_TYPE))?;
        let (mut csrf_ok, mut kind) = (false, None);
        while let Some(mut field) = form
            .next_field()
            .await
            .map_err(|_| error(StatusCode::BAD_REQUEST))?
        {
            match field.name() {
                Some("csrf") => {
                    let token = field
                        .text()
                        .await
                        .map_err(|_| error(StatusCode::BAD_REQUEST))?;
                    check_csrf(&s, &token).await?;
                    csrf_ok = true;
                }
                Some("kind") if csrf_ok => {
                    let text = field
                        .text()
                        .await
                        .map_err(|_| error(StatusCode::BAD_REQUEST))?;
                    kind = Kind::parse(&text);
                }
                Some("file") if csrf_ok => {
                    let kind = kind.ok_or_else(|| bad("Choose what the file holds."))?;
                    let name = custodian_core::evidence::uploads::safe_name(
                        field.file_name().unwrap_or(""),
                    );
                    let mut bytes = Vec::new();
                    while let Some(chunk) = field
                        .chunk()
                        .await
                        .map_err(|_| error(StatusCode::BAD_REQUEST))?
                    {
                        bytes.extend_from_slice(&chunk);
                        if bytes.len() > MAX_BYTES {
                            return Err(bad("The file is larger than 5 MiB; split it."));
                        }
                    }
                    let parsed = imports::parse(kind, &bytes).map_err(|why| bad(&why))?;
                    let sha256: String = Sha256::digest(&bytes)
                        .iter()
                        .map(|b| format!("{b:02x}"))
                        .collect();
                    let id = imports::start(
                        std::sync::Arc::clone(db),
                        &s.permit,
                        session.user_id,
                        session.username.clone(),
                        kind,
                        &name,
                        &sha256,
                        parsed,
                    )
                    .await
                    .map_err(unavailable_because)?;
                    return Ok(see_other(format!("/admin/import/job?id={id}")));
                }
                _ => return Err(error(StatusCode::FORBIDDEN)),
            }
        }
        Err(bad("No file was sent."))
    }
    .await;
    result.unwrap_or_else(|r| r)
}

pub async fn job(app: &App, req: &Request<impl Sized>) -> Response<Body> {
    let result: Result<Response<Body>, Response<Body>> = async {
        let db = app.db.as_ref().ok_or_else(unavailable)?;
        admit::<ImportReference, _>(app, req).await?;
        let id = query_param(req.uri().query(), "id")
            .parse::<i64>()
            .map_err(|_| error(StatusCode::NOT_FOUND))?;
        let j = imports::job(db, id)
            .await
            .map_err(unavailable_because)?
            .ok_or_else(|| error(StatusCode::NOT_FOUND))?;
        let percent = if j.total > 0 { j.processed * 100 / j.total } else { 100 };
        let mut rejected = String::new();
        if !j.rejected.is_empty() {
            rejected.push_str("<h2>Rows not imported</h2><table><thead><tr><th>Line</th><th>Why</th></tr></thead><tbody>");
            for (line, why) in &j.rejected {
                let _ = write!(rejected, "<tr><td>{line}</td><td>{}</td></tr>", escape(why));
            }
            rejected.push_str("</tbody></table>");
        }
        // While it runs the page reloads itself (no script needed).
        let refresh = if j.status == "running" {
            "<meta http-equiv=\"refresh\" content=\"1\">"
        } else {
            ""
        };
        Ok(html(
            StatusCode::OK,
            layout(
                "Import",
                &format!(
                    "{refresh}<section class=\"card\"><h1>Import {} of {}</h1>\
<p><progress max=\"100\" value=\"{percent}\">{percent}%</progress> {} of {} rows checked ({percent}%). Status: <strong>{}</strong>.</p>\
<p>Added: {}. Not imported: {}.</p>{rejected}\
<p><a href=\"/reference?kind={}\">See the {}</a> · <a href=\"/admin/import\">Import another file</a></p></section>",
                    j.id,
                    escape(&j.file_name),
                    j.processed,
                    j.total,
                    escape(&j.status),
                    j.accepted,
                    j.rejected.len(),
                    escape(&j.kind),
                    escape(&j.kind)
                ),
            ),
        ))
    }
    .await;
    result.unwrap_or_else(|r| r)
}

pub async fn reference(app: &App, req: &Request<impl Sized>) -> Response<Body> {
    let result: Result<Response<Body>, Response<Body>> = async {
        let db = app.db.as_ref().ok_or_else(unavailable)?;
        admit::<ReadBulletins, _>(app, req).await?;
        let kind = Kind::parse(&query_param(req.uri().query(), "kind"))
            .ok_or_else(|| error(StatusCode::NOT_FOUND))?;
        let rows = imports::list(db, kind).await.map_err(unavailable_because)?;
        let mut table = String::from("<table><thead><tr>");
        for c in kind.columns() {
            let _ = write!(table, "<th>{c}</th>");
        }
        table.push_str("</tr></thead><tbody>");
        for r in &rows {
            table.push_str("<tr>");
            for cell in r {
                let _ = write!(table, "<td>{}</td>", escape(cell));
            }
            table.push_str("</tr>");
        }
        table.push_str("</tbody></table>");
        let title = match kind {
            Kind::Labels => "Labels",
            Kind::Sources => "Sources",
            Kind::Locations => "Locations",
        };
        Ok(html(
            StatusCode::OK,
            layout(
                title,
                &format!("<section class=\"card\"><h1>{title}</h1>{table}</section>"),
            ),
        ))
    }
    .await;
    result.unwrap_or_else(|r| r)
}
