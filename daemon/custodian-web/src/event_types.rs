//! `/admin/event-types`: administrators, with a recent password, add event
//! types (named in Arabic and in English: `title_ar`, `title_en`; a form
//! that posts one `title` is read in the language of its script) and
//! retire the ones no longer wanted.

use http::{Request, StatusCode};

use super::views;
use crate::app::App;
use crate::guard::csrf_for;
use crate::guard::{admit, form_of};
use crate::input::field;
use crate::input::ReqBody;
use crate::respond::problem_in;
use crate::respond::see_other;
use crate::respond::unavailable_because;
use crate::respond::{html, Reply};
use custodian_core::evidence::event_types;
use custodian_core::policy::ManageEventTypes;

const PAGE: &str = "/admin/event-types";

/// The page (GET) or a change (POST).
pub(crate) async fn handle<B: ReqBody>(app: &App, req: Request<B>) -> Reply {
    let s = admit::<ManageEventTypes, _>(app, &req).await?;
    let db = &s.db;
    let (session, permit) = (&s.session, &s.permit);
    let mut problem = None;
    if req.method() == http::Method::POST {
        let form = form_of(app, &s, req).await?;
        let outcome = match field(&form, "action") {
            "add" => {
                event_types::add(
                    db,
                    permit,
                    &session.username,
                    super::evidence::both(&form, "title"),
                    field(&form, "description"),
                )
                .await
            }
            "retire" => {
                let id = field(&form, "id").trim().parse::<i64>().unwrap_or(0);
                event_types::retire(db, permit, &session.username, id).await
            }
            _ => return Err(StatusCode::BAD_REQUEST.into()),
        };
        match outcome {
            Ok(()) => return Ok(see_other(PAGE.into())),
            Err(refused) => problem = Some(problem_in(refused)?),
        }
    }
    let types = event_types::list(db, permit)
        .await
        .map_err(unavailable_because)?;
    let csrf = csrf_for(app, session).await?;
    let status = if problem.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    Ok(html(
        status,
        views::admin::event_types(&views::viewer(session), &types, &csrf, problem.as_deref()),
    ))
}
