//! CSV import of reference data (administrators, step-up) and the
//! read-only lists of labels, sources and locations; and the reading of
//! the upload form and the job's look-up, which the import of bulletins
//! shares.

use std::sync::Arc;

use bytes::Bytes;
use http::{Request, StatusCode};
use sha2::{Digest, Sha256};

use super::views;
use crate::app::App;
use crate::guard::{admit, admit_multipart, check_csrf, csrf_for, Signed};
use crate::i18n::t;
use crate::input::query_param;
use crate::respond::{html, see_other, unavailable_because, Reply, WebError};
use custodian_core::evidence::csv_import::{self, Job, Upload, MAX_BYTES, MAX_ROWS};
use custodian_core::evidence::imports::{self, Kind};
use custodian_core::policy::{Action, ImportReference, ReadBulletins};
use custodian_core::pool::Database;

/// (value, catalogue key of what the file holds).
const KINDS: [(&str, &str); 3] = [
    ("labels", "import-kind-labels"),
    ("sources", "import-kind-sources"),
    ("locations", "import-kind-locations"),
];

pub(crate) fn bad(text: impl Into<crate::respond::Why>) -> WebError {
    WebError::explained(StatusCode::BAD_REQUEST, text)
}

/// An import's form as posted: the CSRF token, the import's one other
/// field, then the file, which ends what is read.
pub(crate) struct ImportForm {
    /// The other field's value ('' when it was not given).
    pub field: String,
    pub bytes: Vec<u8>,
    file_name: String,
    sha256: String,
}

impl ImportForm {
    /// Who imports this file.
    pub(crate) fn upload(&self, s: &Signed<impl Action>) -> Upload<'_> {
        Upload {
            username: s.session.username.clone(),
            file_name: &self.file_name,
            sha256: &self.sha256,
        }
    }
}

/// Reads an import's form, `field` naming its other field; the file at
/// most [`MAX_BYTES`]. Nothing but the token is read before the token is
/// checked.
pub(crate) async fn read_form<A: Action, B>(
    s: &Signed<A>,
    req: Request<B>,
    field: &str,
) -> Result<ImportForm, WebError>
where
    B: hyper::body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>> + Send,
{
    let mut multipart = super::media::multipart_form(req)
        .ok_or_else(|| WebError::from(StatusCode::UNSUPPORTED_MEDIA_TYPE))?;
    let (mut csrf_ok, mut value) = (false, String::new());
    while let Some(mut part) = multipart.next_field().await.map_err(WebError::malformed)? {
        match part.name() {
            Some("csrf") => {
                let token = part.text().await.map_err(WebError::malformed)?;
                check_csrf(s, &token).await?;
                csrf_ok = true;
            }
            Some(name) if csrf_ok && name == field => {
                value = part.text().await.map_err(WebError::malformed)?;
            }
            Some("file") if csrf_ok => {
                let file_name =
                    custodian_core::evidence::uploads::safe_name(part.file_name().unwrap_or(""));
                let mut bytes = Vec::new();
                while let Some(chunk) = part.chunk().await.map_err(WebError::malformed)? {
                    bytes.extend_from_slice(&chunk);
                    if bytes.len() > MAX_BYTES {
                        return Err(bad(t("import-too-large")));
                    }
                }
                let sha256 = Sha256::digest(&bytes)
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect();
                return Ok(ImportForm {
                    field: value,
                    bytes,
                    file_name,
                    sha256,
                });
            }
            _ => return Err(StatusCode::FORBIDDEN.into()),
        }
    }
    Err(bad(t("import-no-file")))
}

/// The job `?id=` names (404 when there is none).
pub(crate) async fn requested_job(
    db: &Database,
    req: &Request<impl Sized>,
) -> Result<Job, WebError> {
    let id = query_param(req.uri().query(), "id")
        .parse::<i64>()
        .map_err(WebError::not_found)?;
    csv_import::job(db, id)
        .await
        .map_err(unavailable_because)?
        .ok_or_else(|| WebError::from(StatusCode::NOT_FOUND))
}

pub(crate) async fn form(app: &App, req: &Request<impl Sized>) -> Reply {
    let s = admit::<ImportReference, _>(app, req).await?;
    let session = &s.session;
    let csrf = csrf_for(app, session).await?;
    Ok(html(
        StatusCode::OK,
        views::imports::form(
            &views::viewer(session),
            &csrf,
            &KINDS,
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
    let (s, req) = admit_multipart::<ImportReference, _>(app, req).await?;
    let form = read_form(&s, req, "kind").await?;
    let kind = Kind::parse(&form.field).ok_or_else(|| bad(t("import-choose-kind")))?;
    let parsed = imports::parse(kind, &form.bytes).map_err(bad)?;
    let id = imports::start(Arc::clone(&s.db), &s.permit, form.upload(&s), kind, parsed)
        .await
        .map_err(unavailable_because)?;
    Ok(see_other(format!("/admin/import/job?id={id}")))
}

pub(crate) async fn job(app: &App, req: &Request<impl Sized>) -> Reply {
    let s = admit::<ImportReference, _>(app, req).await?;
    let j = requested_job(&s.db, req).await?;
    Ok(html(
        StatusCode::OK,
        views::imports::job(&views::viewer(&s.session), &j),
    ))
}

pub(crate) async fn reference(app: &App, req: &Request<impl Sized>) -> Reply {
    let s = admit::<ReadBulletins, _>(app, req).await?;
    let db = &s.db;
    let session = &s.session;
    let kind = Kind::parse(&query_param(req.uri().query(), "kind"))
        .ok_or_else(|| WebError::from(StatusCode::NOT_FOUND))?;
    let rows = imports::list(db, kind).await.map_err(unavailable_because)?;
    Ok(html(
        StatusCode::OK,
        views::imports::reference(&views::viewer(session), kind, &rows),
    ))
}
