//! `/admin/backups`: administrators (with a recent password, as every
//! admin page) see when the last backup succeeded, when a restore was
//! last verified, whether either is stale, and the last failures. The
//! page only reads: backups run at the console and by their timers
//! (`custodianctl backup`), never from the web.

use http::{Request, StatusCode};

use super::views;
use crate::app::App;
use crate::guard::admit;
use crate::respond::{html, unavailable_because, Reply};
use custodian_core::backups;
use custodian_core::policy::ViewBackups;

pub(crate) async fn page(app: &App, req: &Request<impl Sized>) -> Reply {
    let s = admit::<ViewBackups, _>(app, req).await?;
    let status = backups::status(&s.db, &s.permit)
        .await
        .map_err(unavailable_because)?;
    Ok(html(
        StatusCode::OK,
        views::backups::page(
            &views::viewer(&s.session),
            &status,
            custodian_core::clock::now(),
            app.backup_stale_after_hours,
        ),
    ))
}
