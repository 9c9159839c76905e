//! `/admin/settings`: administrators, with a recent password, see how the
//! appliance is configured (never a secret) and change the few settings
//! kept in the database. Changes are recorded with old and new values.

use http::{Request, StatusCode};

use super::views;
use crate::app::App;
use crate::guard::{admit, admit_form};
use crate::input::field;
use crate::input::ReqBody;
use crate::respond::problem_in;
use crate::respond::see_other;
use crate::respond::unavailable_because;
use crate::respond::{html, Reply};
use custodian_core::identity::settings::{self, EXPORT_TTL, LOGIN_NOTICE};
use custodian_core::policy::ManageSettings;

fn page_html(
    app: &App,
    session: &custodian_core::identity::sessions::Session,
    csrf: &str,
    notice: &str,
    ttl: &str,
    message: Option<&str>,
) -> views::Markup {
    views::admin::settings(
        &views::viewer(session),
        &app.identity.about,
        csrf,
        notice,
        ttl,
        message,
    )
}

pub(crate) async fn page(app: &App, req: &Request<impl Sized>) -> Reply {
    let s = admit::<ManageSettings, _>(app, req).await?;
    let db = &s.db;
    let notice = settings::get(db, LOGIN_NOTICE)
        .await
        .map_err(unavailable_because)?
        .unwrap_or_default();
    let ttl = settings::get(db, EXPORT_TTL)
        .await
        .map_err(unavailable_because)?
        .unwrap_or_default();
    let csrf = s.csrf().await?;
    Ok(html(
        StatusCode::OK,
        page_html(app, &s.session, &csrf, &notice, &ttl, None),
    ))
}

pub(crate) async fn save<B: ReqBody>(app: &App, req: Request<B>) -> Reply {
    let (s, form) = admit_form::<ManageSettings, _>(app, req).await?;
    let (notice, ttl) = (field(&form, "notice"), field(&form, "ttl"));
    match settings::save(&s.db, &s.permit, &s.session.username, notice, ttl).await {
        Ok(()) => Ok(see_other("/admin/settings".into())),
        Err(refused) => {
            let problem = problem_in(refused)?;
            let csrf = s.csrf().await?;
            Ok(html(
                StatusCode::BAD_REQUEST,
                page_html(app, &s.session, &csrf, notice, ttl, Some(&problem)),
            ))
        }
    }
}
