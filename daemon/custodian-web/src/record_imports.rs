//! CSV import of bulletins (administrators, step-up): the upload form, the
//! upload, and the job's progress with every refused row by line.

use std::sync::Arc;

use bytes::Bytes;
use http::{Request, StatusCode};

use super::imports::{bad, read_form, requested_job};
use super::views;
use crate::app::App;
use crate::guard::{admit, admit_multipart, csrf_for};
use crate::respond::{html, see_other, Reply};
use custodian_core::evidence::csv_import::{MAX_BYTES, MAX_ROWS};
use custodian_core::evidence::record_imports::{self, JOB_KIND};
use custodian_core::policy::ImportBulletins;

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
    let form = read_form(&s, req, "groups").await?;
    let groups = super::evidence::groups_of(&form.field);
    let parsed = record_imports::parse(&form.bytes).map_err(bad)?;
    let id = record_imports::start(
        Arc::clone(&s.db),
        &s.permit,
        form.upload(&s),
        groups,
        parsed,
    )
    .await
    .map_err(super::evidence::refused)?;
    Ok(see_other(format!("/admin/import/bulletins/job?id={id}")))
}

pub(crate) async fn job(app: &App, req: &Request<impl Sized>) -> Reply {
    let s = admit::<ImportBulletins, _>(app, req).await?;
    let j = requested_job(&s.db, req).await?;
    // A job of reference data is shown on its own page.
    if j.kind != JOB_KIND {
        return Err(StatusCode::NOT_FOUND.into());
    }
    Ok(html(
        StatusCode::OK,
        views::record_imports::job(&views::viewer(&s.session), &j),
    ))
}
