//! Evidence files: upload (streamed multipart onto a bulletin) and
//! download (attachment, nosniff, sandboxing CSP; streamed, with single
//! byte ranges). The upload is checked in this order, each before the
//! next byte is trusted: same origin; the CSRF token (a field that must
//! come before the file); the bulletin (visible to the actor, editable by
//! them, `can_access_media`); then the file itself, whose type the bytes
//! decide.

use bytes::Bytes;
use futures_util::StreamExt;
use http::{header, HeaderValue, Request, Response, StatusCode};
use http_body_util::{BodyStream, Full};

use super::body::{self, Outgoing};
use crate::app::App;
use crate::guard::{admit, admit_multipart, also, check_csrf};
use crate::i18n::t;
use crate::respond::{no_media_store, unavailable, unavailable_because};
use crate::respond::{Reply, WebError};
use custodian_core::evidence::items::{self, Kind};
use custodian_core::evidence::media;
use custodian_core::evidence::uploads::{self, Refusal};
use custodian_core::policy::{may_edit, AccessMedia, ReadBulletins};

/// Largest non-file multipart field, in bytes.
pub(super) const TEXT_FIELD_LIMIT: u64 = 4 * 1024;

/// The streamed multipart form of an upload (media, imports); `None`
/// when the request is not multipart (answered 415).
pub(super) fn multipart_form<B>(req: Request<B>) -> Option<multer::Multipart<'static>>
where
    B: hyper::body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>> + Send,
{
    let boundary = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| multer::parse_boundary(v).ok())?;
    let stream = BodyStream::new(req.into_body()).filter_map(|frame| async move {
        match frame {
            Ok(f) => f
                .into_data()
                .ok()
                .map(Ok::<Bytes, Box<dyn std::error::Error + Send + Sync>>),
            Err(e) => Some(Err(e.into())),
        }
    });
    // Every field but the file is a token or a short choice: a few KiB
    // each, refused while it streams (before the CSRF check has run)
    // instead of read up to the route's limit.
    let constraints = multer::Constraints::new().size_limit(
        multer::SizeLimit::new()
            .per_field(TEXT_FIELD_LIMIT)
            .for_field("file", u64::MAX),
    );
    Some(multer::Multipart::with_constraints(
        stream,
        boundary,
        constraints,
    ))
}

/// A refusal the person can act on, with its status.
fn refusal(r: &Refusal) -> WebError {
    let status = match r {
        Refusal::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
        Refusal::Empty | Refusal::Truncated(_) => StatusCode::BAD_REQUEST,
        _ => StatusCode::UNSUPPORTED_MEDIA_TYPE,
    };
    WebError::explained(status, crate::i18n::problem(&r.problem()))
}

pub(crate) async fn upload<B>(app: &App, req: Request<B>) -> Reply
where
    B: hyper::body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>> + Send,
{
    let (Some(db), Some(vault)) = (app.db.as_ref(), app.identity.vault.as_ref()) else {
        return Err(unavailable());
    };
    let Some(store) = app.media.as_ref() else {
        return Err(no_media_store());
    };
    let (s, req) = admit_multipart::<AccessMedia, _>(app, req).await?;
    let (session, actor, media_permit) = (&s.session, s.actor().clone(), &s.permit);
    let read_permit = also::<ReadBulletins, _>(&s).await?;
    let mut form =
        multipart_form(req).ok_or_else(|| WebError::from(StatusCode::UNSUPPORTED_MEDIA_TYPE))?;
    let (mut csrf_ok, mut bulletin) = (false, None);
    while let Some(mut field) = form.next_field().await.map_err(WebError::malformed)? {
        match field.name() {
            Some("csrf") => {
                let token = field.text().await.map_err(WebError::malformed)?;
                check_csrf(&s, &token).await?;
                csrf_ok = true;
            }
            Some("id") => {
                if !csrf_ok {
                    return Err(StatusCode::FORBIDDEN.into());
                }
                let id = field
                    .text()
                    .await
                    .ok()
                    .and_then(|t| t.trim().parse::<i64>().ok())
                    .ok_or_else(|| WebError::from(StatusCode::NOT_FOUND))?;
                let b = items::get_for_change(db, Kind::Bulletin, &read_permit, id)
                    .await
                    .map_err(unavailable_because)?
                    .ok_or_else(|| WebError::from(StatusCode::NOT_FOUND))?;
                if !may_edit(&actor, &b.item) {
                    return Err(WebError::explained(
                        StatusCode::FORBIDDEN,
                        t("files-only-editable"),
                    ));
                }
                bulletin = Some(b.id);
            }
            Some("file") => {
                if !csrf_ok {
                    return Err(StatusCode::FORBIDDEN.into());
                }
                let Some(bulletin_id) = bulletin else {
                    return Err(StatusCode::BAD_REQUEST.into());
                };
                let name = uploads::safe_name(field.file_name().unwrap_or(""));
                let declared = field
                    .content_type()
                    .map(|m| m.essence_str().to_owned())
                    .unwrap_or_default();
                let mut incoming = store.store.begin().await.map_err(unavailable_because)?;
                let mut early_done = false;
                while let Some(chunk) = field.chunk().await.map_err(WebError::malformed)? {
                    incoming.write(&chunk).await.map_err(unavailable_because)?;
                    if incoming.size() > store.policy.max_bytes {
                        // Dropping `incoming` removes what was written.
                        return Err(refusal(&Refusal::TooLarge(store.policy.max_bytes)));
                    }
                    // Refuse a wrong type as soon as its first bytes
                    // show it, not after the whole file.
                    if !early_done && incoming.head().len() >= uploads::HEAD_BYTES {
                        early_done = true;
                        if let Err(r @ (Refusal::ActiveContent | Refusal::NotAllowed(_))) =
                            uploads::verdict(&store.policy, incoming.head(), &[], 1, &name, "")
                        {
                            return Err(refusal(&r));
                        }
                    }
                }
                let done = incoming.finish().await.map_err(unavailable_because)?;
                let kind = match media::accept(&store.policy, &done, &name, &declared) {
                    Ok(kind) => kind,
                    Err(r) => {
                        db.record_after(
                            &session.username,
                            "media.refused",
                            &format!("bulletin/{bulletin_id}"),
                            &serde_json::json!({"reason": r.to_string(), "sha256": done.sha256}),
                        )
                        .await;
                        return Err(refusal(&r));
                    }
                };
                let kind = kind.clone();
                media::record(
                    db,
                    vault,
                    store,
                    media_permit,
                    &session.username,
                    bulletin_id,
                    done,
                    &kind,
                    &name,
                )
                .await
                .map_err(unavailable_because)?;
                return Ok(crate::respond::see_other(format!(
                    "/bulletins/view?id={bulletin_id}"
                )));
            }
            _ => return Err(StatusCode::BAD_REQUEST.into()),
        }
    }
    Err(WebError::explained(
        StatusCode::BAD_REQUEST,
        t("files-none-sent"),
    ))
}

/// The name as its owner wrote it in `filename*`, an ASCII stand-in in
/// `filename` (RFC 6266, RFC 5987).
fn disposition(name: &str) -> HeaderValue {
    HeaderValue::from_str(&uploads::content_disposition(name))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"))
}

/// The headers every answer for a stored file carries.
fn file_headers(h: &mut http::HeaderMap, name: &str, mime: &str) {
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(mime).unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    h.insert(header::CONTENT_DISPOSITION, disposition(name));
    // Even opened directly, the file runs nothing and loads nothing.
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("sandbox; default-src 'none'; frame-ancestors 'none'"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // Players seek in video with ranges; see `download`.
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
}

/// `GET /media?id=`: the file, streamed, whole (200) or one byte range
/// (206) for players that seek; `HEAD`: its headers from the row.
pub(crate) async fn download(
    app: &App,
    req: &Request<impl Sized>,
) -> Result<Response<Outgoing>, WebError> {
    let (Some(db), Some(vault), Some(store)) = (
        app.db.as_ref(),
        app.identity.vault.as_ref(),
        app.media.as_ref(),
    ) else {
        return Err(unavailable());
    };
    let s = admit::<AccessMedia, _>(app, req).await?;
    let (session, permit) = (&s.session, &s.permit);
    let id = crate::input::query_param(req.uri().query(), "id")
        .parse::<i64>()
        .map_err(WebError::not_found)?;
    let file = media::find(db, permit, id)
        .await
        .map_err(unavailable_because)?
        .ok_or_else(|| WebError::from(StatusCode::NOT_FOUND))?;
    if req.method() == http::Method::HEAD {
        // A HEAD (link checkers, download managers probing the size)
        // is not a download: answered from the row, the object is
        // neither read nor decrypted and nothing is recorded. The
        // length is the stored size; `routes::without_body` keeps it.
        // `Range` is ignored, as RFC 9110 §14.2 defines it for GET only.
        let mut res = Response::new(Outgoing::from(Full::new(Bytes::new())));
        let h = res.headers_mut();
        file_headers(h, &file.name, &file.mime);
        h.insert(header::CONTENT_LENGTH, HeaderValue::from(file.size));
        return Ok(res);
    }
    // Without validators (no ETag, no Last-Modified) no `If-Range`
    // can match, and RFC 9110 §13.1.5 then asks for the whole file.
    let asked = if req.headers().contains_key(header::IF_RANGE) {
        body::Range::Whole
    } else {
        body::range(
            req.headers()
                .get(header::RANGE)
                .and_then(|v| v.to_str().ok()),
            file.size,
        )
    };
    let (start, end, part) = match asked {
        // Nothing is handed out, so nothing is recorded, and the
        // answer needs neither the key nor the object.
        body::Range::Unsatisfiable => {
            return Err(WebError::RangeNotSatisfiable { size: file.size })
        }
        body::Range::Whole => (0, file.size, None),
        body::Range::Part(start, end) => (start, end, Some((start, end))),
    };
    let (name, mime, size) = (file.name.clone(), file.mime.clone(), file.size);
    let reader = file
        .release(db, vault, store, permit, &session.username, part)
        .await
        .map_err(unavailable_because)?;
    let mut res = Response::new(Outgoing::stream(reader, start, end));
    let h = res.headers_mut();
    file_headers(h, &name, &mime);
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(end - start));
    if part.is_some() {
        *res.status_mut() = StatusCode::PARTIAL_CONTENT;
        if let Ok(v) = HeaderValue::from_str(&format!("bytes {start}-{}/{size}", end - 1)) {
            res.headers_mut().insert(header::CONTENT_RANGE, v);
        }
    }
    Ok(res)
}

/// 416 for a range that starts past the end, with the length a client
/// needs to ask again (RFC 9110 §15.5.17).
#[cfg(test)]
mod multipart_tests {
    use super::*;

    /// A body that sends the start of a 10 MiB text field and then never
    /// more: a form that waited for the whole field would hang.
    #[tokio::test]
    async fn a_huge_text_field_is_refused_without_reading_it_all() {
        let mut start = b"--B\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n".to_vec();
        start.extend(std::iter::repeat(b'x').take(64 * 1024));
        let rx = stalled_after(start);
        let req = Request::builder()
            .header(header::CONTENT_TYPE, "multipart/form-data; boundary=B")
            .body(rx)
            .expect("request");
        let mut form = multipart_form(req).expect("multipart");
        let field = form.next_field().await.expect("field").expect("some");
        let read = tokio::time::timeout(std::time::Duration::from_secs(5), field.text()).await;
        let err = read
            .expect("refused at once, not after the whole field")
            .expect_err("too large");
        assert!(
            matches!(err, multer::Error::FieldSizeExceeded { .. }),
            "{err}"
        );
    }

    type Chunks = http_body_util::StreamBody<
        futures_util::stream::BoxStream<'static, Result<hyper::body::Frame<Bytes>, std::io::Error>>,
    >;

    fn stalled_after(first: Vec<u8>) -> Chunks {
        let stream =
            futures_util::stream::once(
                async move { Ok(hyper::body::Frame::data(Bytes::from(first))) },
            )
            .chain(futures_util::stream::pending());
        http_body_util::StreamBody::new(stream.boxed())
    }
}
