//! CSV import of reference data (administrators, step-up) and the
//! read-only lists of labels, sources and locations.

use bytes::Bytes;
use http::{Request, StatusCode};
use sha2::{Digest, Sha256};

use super::views;
use crate::app::App;
use crate::guard::csrf_for;
use crate::guard::{admit, admit_multipart, check_csrf};
use crate::i18n::t;
use crate::input::query_param;
use crate::respond::see_other;
use crate::respond::unavailable_because;
use crate::respond::{html, Reply, WebError};
use custodian_core::evidence::imports::{self, Kind, MAX_BYTES};
use custodian_core::policy::{ImportReference, ReadBulletins};

/// (value, catalogue key of what the file holds).
const KINDS: [(&str, &str); 3] = [
    ("labels", "import-kind-labels"),
    ("sources", "import-kind-sources"),
    ("locations", "import-kind-locations"),
];

fn bad(text: impl Into<crate::respond::Why>) -> WebError {
    WebError::explained(StatusCode::BAD_REQUEST, text)
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
            imports::MAX_ROWS,
        ),
    ))
}

pub(crate) async fn upload<B>(app: &App, req: Request<B>) -> Reply
where
    B: hyper::body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>> + Send,
{
    let (s, req) = admit_multipart::<ImportReference, _>(app, req).await?;
    let (session, db) = (&s.session, &s.db);
    let mut form = super::media::multipart_form(req)
        .ok_or_else(|| WebError::from(StatusCode::UNSUPPORTED_MEDIA_TYPE))?;
    let (mut csrf_ok, mut kind) = (false, None);
    while let Some(mut field) = form.next_field().await.map_err(WebError::malformed)? {
        match field.name() {
            Some("csrf") => {
                let token = field.text().await.map_err(WebError::malformed)?;
                check_csrf(&s, &token).await?;
                csrf_ok = true;
            }
            Some("kind") if csrf_ok => {
                let text = field.text().await.map_err(WebError::malformed)?;
                kind = Kind::parse(&text);
            }
            Some("file") if csrf_ok => {
                let kind = kind.ok_or_else(|| bad(t("import-choose-kind")))?;
                let name =
                    custodian_core::evidence::uploads::safe_name(field.file_name().unwrap_or(""));
                let mut bytes = Vec::new();
                while let Some(chunk) = field.chunk().await.map_err(WebError::malformed)? {
                    bytes.extend_from_slice(&chunk);
                    if bytes.len() > MAX_BYTES {
                        return Err(bad(t("import-too-large")));
                    }
                }
                let parsed = imports::parse(kind, &bytes).map_err(bad)?;
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
            _ => return Err(StatusCode::FORBIDDEN.into()),
        }
    }
    Err(bad(t("import-no-file")))
}

pub(crate) async fn job(app: &App, req: &Request<impl Sized>) -> Reply {
    let s = admit::<ImportReference, _>(app, req).await?;
    let db = &s.db;
    let session = &s.session;
    let id = query_param(req.uri().query(), "id")
        .parse::<i64>()
        .map_err(WebError::not_found)?;
    let j = imports::job(db, id)
        .await
        .map_err(unavailable_because)?
        .ok_or_else(|| WebError::from(StatusCode::NOT_FOUND))?;
    Ok(html(
        StatusCode::OK,
        views::imports::job(&views::viewer(session), &j),
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
