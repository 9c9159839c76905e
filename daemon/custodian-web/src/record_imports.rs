//! CSV import of bulletins (administrators, step-up): the upload form, the
//! upload, and the job's progress with every refused row by line.

use bytes::Bytes;
use http::{Request, StatusCode};
use sha2::{Digest, Sha256};

use super::views;
use crate::app::App;
use crate::guard::{admit, admit_multipart, check_csrf, csrf_for};
use crate::i18n::t;
use crate::input::query_param;
use crate::respond::{html, see_other, unavailable_because, Reply, WebError};
use custodian_core::evidence::imports::{self, MAX_BYTES, MAX_ROWS};
use custodian_core::evidence::record_imports::{self, JOB_KIND};
use custodian_core::policy::ImportBulletins;

fn bad(text: impl Into<crate::respond::Why>) -> WebError {
    WebError::explained(StatusCode::BAD_REQUEST, text)
}

pub(crate) async fn form(app: &App, req: &Request<impl Sized>) -> Reply {
    let s = admit::<ImportBulletins, _>(app, req).await?;
    let csrf = csrf_for(app, &s.session).await?;
    Ok(html(
        StatusCode::OK,
        views::record_imports::form(
            &views::viewer(&s.session),
            &csrf,
            MAX_BYTES / 1024 / 1024,
            MAX_ROWS,
        ),
    ))
}

pub(crate) async fn upload<B>(app: &App, req: Request<B>) -> Reply
where
    B: hyper::body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>> + Send,
{
    let (s, req) = admit_multipart::<ImportBulletins, _>(app, req).await?;
    let (session, db) = (&s.session, &s.db);
    let mut form = super::media::multipart_form(req)
        .ok_or_else(|| WebError::from(StatusCode::UNSUPPORTED_MEDIA_TYPE))?;
    let (mut csrf_ok, mut groups) = (false, Vec::new());
    while let Some(mut field) = form.next_field().await.map_err(WebError::malformed)? {
        match field.name() {
            Some("csrf") => {
                let token = field.text().await.map_err(WebError::malformed)?;
                check_csrf(&s, &token).await?;
                csrf_ok = true;
            }
            Some("groups") if csrf_ok => {
                let text = field.text().await.map_err(WebError::malformed)?;
                groups = super::evidence::groups_of(&text);
            }
            Some("file") if csrf_ok => {
                let name =
                    custodian_core::evidence::uploads::safe_name(field.file_name().unwrap_or(""));
                let mut bytes = Vec::new();
                while let Some(chunk) = field.chunk().await.map_err(WebError::malformed)? {
                    bytes.extend_from_slice(&chunk);
                    if bytes.len() > MAX_BYTES {
                        return Err(bad(t("import-too-large")));
                    }
                }
                let parsed = record_imports::parse(&bytes).map_err(bad)?;
                let sha256: String = Sha256::digest(&bytes)
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect();
                let request = record_imports::Request {
                    username: session.username.clone(),
                    file_name: &name,
                    sha256: &sha256,
                    access_groups: groups,
                };
                let id =
                    record_imports::start(std::sync::Arc::clone(db), &s.permit, request, parsed)
                        .await
                        .map_err(super::evidence::refused)?;
                return Ok(see_other(format!("/admin/import/bulletins/job?id={id}")));
            }
            _ => return Err(StatusCode::FORBIDDEN.into()),
        }
    }
    Err(bad(t("import-no-file")))
}

pub(crate) async fn job(app: &App, req: &Request<impl Sized>) -> Reply {
    let s = admit::<ImportBulletins, _>(app, req).await?;
    let id = query_param(req.uri().query(), "id")
        .parse::<i64>()
        .map_err(WebError::not_found)?;
    let j = imports::job(&s.db, id)
        .await
        .map_err(unavailable_because)?
        // A job of reference data is shown on its own page.
        .filter(|j| j.kind == JOB_KIND)
        .ok_or_else(|| WebError::from(StatusCode::NOT_FOUND))?;
    Ok(html(
        StatusCode::OK,
        views::record_imports::job(&views::viewer(&s.session), &j),
    ))
}
