//! `/admin/users/permissions`: an administrator (with a recent password)
//! sets another account's permission flags and access groups.

use http::{Request, StatusCode};

use super::views;
use crate::app::App;
use crate::guard::csrf_for;
use crate::guard::{admit, admit_form};
use crate::input::field;
use crate::input::ReqBody;
use crate::respond::problem_in;
use crate::respond::see_other;
use crate::respond::unavailable_because;
use crate::respond::{html, Reply, WebError};
use custodian_core::identity::permissions;
use custodian_core::policy::ManagePermissions;

pub(crate) async fn page(app: &App, req: &Request<impl Sized>) -> Reply {
    let s = admit::<ManagePermissions, _>(app, req).await?;
    let db = &s.db;
    let session = &s.session;
    let who = super::input::text(req.uri().query(), "username", 63)?;
    let current = permissions::current(db, &who)
        .await
        .map_err(unavailable_because)?
        .ok_or_else(|| WebError::from(StatusCode::NOT_FOUND))?;
    let csrf = csrf_for(app, session).await?;
    Ok(html(
        StatusCode::OK,
        views::admin::permissions(&views::viewer(session), &current, &csrf, None),
    ))
}

pub(crate) async fn save<B: ReqBody>(app: &App, req: Request<B>) -> Reply {
    let (s, form_fields) = admit_form::<ManagePermissions, _>(app, req).await?;
    let db = &s.db;
    let session = &s.session;
    let who = field(&form_fields, "username").to_owned();
    let flags = (field(&form_fields, "defaults") != "yes").then(|| {
        form_fields
            .iter()
            .filter(|(k, _)| k == "flag")
            .map(|(_, v)| v.clone())
            .collect::<Vec<_>>()
    });
    let mut groups: Vec<String> = field(&form_fields, "groups")
        .split(',')
        .map(|g| custodian_core::evidence::sanitize::line(g, 60).to_lowercase())
        .filter(|g| !g.is_empty())
        .collect();
    groups.sort();
    groups.dedup();
    match permissions::set(db, &s.permit, &session.username, &who, flags, groups).await {
        Ok(()) => Ok(see_other("/admin/users".into())),
        Err(refused) => {
            let problem = problem_in(refused)?;
            let current = permissions::current(db, &who)
                .await
                .map_err(unavailable_because)?
                .ok_or_else(|| WebError::from(StatusCode::NOT_FOUND))?;
            let csrf = csrf_for(app, session).await?;
            Ok(html(
                StatusCode::BAD_REQUEST,
                views::admin::permissions(&views::viewer(session), &current, &csrf, Some(&problem)),
            ))
        }
    }
}
