//! `/admin/event-types`: administrators, with a recent password, add event
//! types and retire the ones no longer wanted.

use std::fmt::Write;

use bytes::Bytes;
use http::{Request, Response, StatusCode};

use super::account::csrf_for;
use super::auth::{field, unavailable, unavailable_because};
use super::evidence::see_other;
use super::pages::{escape, layout};
use super::routes::{error, html, Body};
use crate::app::App;
use crate::guard::{admit, form_of};
use custodian_core::evidence::event_types::{self, EventType};
use custodian_core::policy::ManageEventTypes;

const PAGE: &str = "/admin/event-types";

fn page_html(types: &[EventType], csrf: &str, message: Option<&str>) -> String {
    let message = message
        .map(|m| format!("<p class=\"error\" role=\"alert\">{}</p>", escape(m)))
        .unwrap_or_default();
    let hidden = format!(
        "<input type=\"hidden\" name=\"csrf\" value=\"{}\">",
        escape(csrf)
    );
    let mut rows = String::new();
    for t in types {
        let state = if t.retired {
            "retired".to_owned()
        } else {
            format!(
                "<form method=\"post\" action=\"{PAGE}\" class=\"inline\">{hidden}\
<input type=\"hidden\" name=\"action\" value=\"retire\"><input type=\"hidden\" name=\"id\" value=\"{}\">\
<button type=\"submit\" class=\"small\">Retire</button></form>",
                t.id
            )
        };
        let _ = write!(
            rows,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{state}</td></tr>",
            escape(&t.title),
            escape(&t.description),
            t.used
        );
    }
    layout(
        "Event types",
        &format!(
            "<section class=\"card\"><h1>Event types</h1>{message}\
<p class=\"muted\">Offered when an event is added to a record. A retired type is no longer offered; events that have it keep it. Nothing is deleted.</p>\
<table><thead><tr><th>Title</th><th>Description</th><th>Events</th><th></th></tr></thead><tbody>{rows}</tbody></table>\
<h2>Add an event type</h2><form method=\"post\" action=\"{PAGE}\">{hidden}<input type=\"hidden\" name=\"action\" value=\"add\">\
<label for=\"title\">Title</label><input id=\"title\" name=\"title\" maxlength=\"200\" required>\
<label for=\"description\">Description</label><input id=\"description\" name=\"description\" maxlength=\"2000\">\
<button type=\"submit\">Add</button></form></section>"
        ),
    )
}

/// The page (GET) or a change (POST).
pub async fn handle<B>(app: &App, req: Request<B>) -> Response<Body>
where
    B: hyper::body::Body<Data = Bytes> + Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let result: Result<Response<Body>, Response<Body>> = async {
        let db = app.db.as_ref().ok_or_else(unavailable)?;
        let s = admit::<ManageEventTypes, _>(app, &req).await?;
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
                        field(&form, "title"),
                        field(&form, "description"),
                    )
                    .await
                }
                "retire" => {
                    let id = field(&form, "id").trim().parse::<i64>().unwrap_or(0);
                    event_types::retire(db, permit, &session.username, id).await
                }
                _ => return Err(error(StatusCode::BAD_REQUEST)),
            };
            match outcome.map_err(unavailable_because)? {
                Ok(()) => return Ok(see_other(PAGE.into())),
                Err(message) => problem = Some(message),
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
        Ok(html(status, page_html(&types, &csrf, problem.as_deref())))
    }
    .await;
    result.unwrap_or_else(|r| r)
}
