//! `/admin/users/permissions`: an administrator (with a recent password)
//! sets another account's permission flags and access groups.

use std::fmt::Write;

use bytes::Bytes;
use http::{Request, Response, StatusCode};

use super::account::csrf_for;
use super::auth::{field, unavailable, unavailable_because};
use super::evidence::see_other;
use super::pages::{escape, layout};
use super::routes::{error, html, Body};
use crate::app::App;
use crate::guard::{admit, admit_form};
use custodian_core::identity::permissions::{self, Current, FLAGS};
use custodian_core::policy::ManagePermissions;
use custodian_core::policy::{self, Role};

fn form(c: &Current, csrf: &str, message: Option<&str>) -> String {
    let role = Role::parse(&c.role);
    let effective: Vec<String> = match (&c.explicit, role) {
        (Some(f), _) => f.clone(),
        (None, Some(r)) => {
            let d = policy::defaults(r);
            FLAGS
                .iter()
                .filter(|(_, p)| d.contains(p))
                .map(|(n, _)| (*n).to_owned())
                .collect()
        }
        (None, None) => Vec::new(),
    };
    let mut boxes = String::new();
    for (name, _) in FLAGS {
        let _ = write!(
            boxes,
            "<label class=\"check\"><input type=\"checkbox\" name=\"flag\" value=\"{name}\"{}> {name}</label>",
            if effective.iter().any(|f| f == name) { " checked" } else { "" }
        );
    }
    let message = message
        .map(|m| format!("<p class=\"error\" role=\"alert\">{}</p>", escape(m)))
        .unwrap_or_default();
    layout(
        "Permissions",
        &format!(
            "<section class=\"card narrow\"><p class=\"muted\"><a href=\"/admin/users\">Accounts</a></p>\
<h1>Permissions of {}</h1>{message}<p>Role: {}. {}</p>\
<form method=\"post\" action=\"/admin/users/permissions\"><input type=\"hidden\" name=\"csrf\" value=\"{}\">\
<input type=\"hidden\" name=\"username\" value=\"{}\">\
<label class=\"check\"><input type=\"checkbox\" name=\"defaults\" value=\"yes\"{}> Use the role's defaults (ignore the boxes below)</label>\
{boxes}<label for=\"groups\">Access groups (comma-separated)</label>\
<input id=\"groups\" name=\"groups\" maxlength=\"500\" value=\"{}\">\
<p class=\"muted\">Saving ends this account's sessions, so the change applies at once.</p>\
<button type=\"submit\">Save</button></form></section>",
            escape(&c.username),
            escape(&c.role),
            if c.explicit.is_some() { "Explicit flags are set." } else { "The role's defaults apply." },
            escape(csrf),
            escape(&c.username),
            if c.explicit.is_none() { " checked" } else { "" },
            escape(&c.groups.join(", "))
        ),
    )
}

pub async fn page(app: &App, req: &Request<impl Sized>) -> Response<Body> {
    let result: Result<Response<Body>, Response<Body>> = async {
        let db = app.db.as_ref().ok_or_else(unavailable)?;
        let s = admit::<ManagePermissions, _>(app, req).await?;
        let session = &s.session;
        let who = super::input::text(req.uri().query(), "username", 63)?;
        let current = permissions::current(db, &who)
            .await
            .map_err(unavailable_because)?
            .ok_or_else(|| error(StatusCode::NOT_FOUND))?;
        let csrf = csrf_for(app, session).await?;
        Ok(html(StatusCode::OK, form(&current, &csrf, None)))
    }
    .await;
    result.unwrap_or_else(|r| r)
}

pub async fn save<B>(app: &App, req: Request<B>) -> Response<Body>
where
    B: hyper::body::Body<Data = Bytes> + Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let result: Result<Response<Body>, Response<Body>> = async {
        let db = app.db.as_ref().ok_or_else(unavailable)?;
        let (s, form_fields) = admit_form::<ManagePermissions, _>(app, req).await?;
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
        match permissions::set(db, &s.permit, &session.username, &who, flags, groups)
            .await
            .map_err(unavailable_because)?
        {
            Ok(()) => Ok(see_other("/admin/users".into())),
            Err(problem) => {
                let current = permissions::current(db, &who)
                    .await
                    .map_err(unavailable_because)?
                    .ok_or_else(|| error(StatusCode::NOT_FOUND))?;
                let csrf = csrf_for(app, session).await?;
                Ok(html(
                    StatusCode::BAD_REQUEST,
                    form(&current, &csrf, Some(problem)),
                ))
            }
        }
    }
    .await;
    result.unwrap_or_else(|r| r)
}
