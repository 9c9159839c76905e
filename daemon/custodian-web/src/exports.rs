//! Export routes. Asking needs `can_export`; approving needs an
//! administrator other than the requester; approving and downloading both
//! need a password (or passkey) from the last 15 minutes.

use http::{header, HeaderValue, Request, Response, StatusCode};

use super::body::Outgoing;
use super::views;
use crate::app::App;
use crate::guard::csrf_for;
use crate::guard::{admit, admit_form};
use crate::input::field;
use crate::input::query_param;
use crate::input::ReqBody;
use crate::respond::see_other;
use crate::respond::{html, Reply, WebError};
use crate::respond::{no_media_store, unavailable, unavailable_because, unavailable_for};
use custodian_core::evidence::exports::{self, Format, Refused};
use custodian_core::evidence::items::Query;
use custodian_core::policy::workflow::Status;
use custodian_core::policy::{
    would_allow, DecideExports, DownloadExport, RequestExport, ViewExports,
};

fn refused(r: Refused) -> WebError {
    match r {
        Refused::Policy(p) => WebError::explained(StatusCode::FORBIDDEN, p),
        Refused::Account(e) => unavailable_because(e),
        e @ (Refused::Store(_) | Refused::Task(_)) => unavailable_for(&e),
    }
}

pub(crate) async fn page(app: &App, req: &Request<impl Sized>) -> Reply {
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
        views::exports::page(
            &views::viewer(session),
            &views::exports::ExportsView {
                rows: &rows,
                csrf: &csrf,
                me: actor.user_id,
                can_request,
                can_decide,
                has_store: app.media.is_some(),
            },
        ),
    ))
}

pub(crate) async fn request<B: ReqBody>(app: &App, req: Request<B>) -> Reply {
    let (Some(db), Some(vault)) = (app.db.as_ref(), app.identity.vault.as_ref()) else {
        return Err(unavailable());
    };
    let media = app.media.as_ref().ok_or_else(no_media_store)?;
    let (s, form) = admit_form::<RequestExport, _>(app, req).await?;
    let (session, permit) = (&s.session, &s.permit);
    let format = Format::parse(field(&form, "format"))
        .ok_or_else(|| WebError::from(StatusCode::BAD_REQUEST))?;
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

pub(crate) async fn decide<B: ReqBody>(app: &App, req: Request<B>) -> Reply {
    let media = app.media.as_ref().ok_or_else(no_media_store)?;
    let (s, form) = admit_form::<DecideExports, _>(app, req).await?;
    let db = &s.db;
    let (session, permit) = (&s.session, &s.permit);
    let id = field(&form, "id")
        .parse::<i64>()
        .map_err(WebError::not_found)?;
    let approve = match field(&form, "decision") {
        "approve" => true,
        "reject" => false,
        _ => return Err(StatusCode::BAD_REQUEST.into()),
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

/// `GET /exports/download?id=`: the export, streamed once.
pub(crate) async fn download(
    app: &App,
    req: &Request<impl Sized>,
) -> Result<Response<Outgoing>, WebError> {
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
        .map_err(WebError::not_found)?;
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
