//! `/admin/settings`: administrators, with a recent password, see how the
//! appliance is configured (never a secret) and change the few settings
//! kept in the database. Changes are recorded with old and new values.

use std::fmt::Write;

use bytes::Bytes;
use http::{Request, Response, StatusCode};

use super::auth::{field, unavailable_because};
use super::evidence::see_other;
use super::pages::{escape, layout};
use super::routes::{html, Body};
use crate::app::App;
use crate::guard::{admit, admit_form};
use custodian_core::identity::settings::{self, EXPORT_TTL, EXPORT_TTL_RANGE, LOGIN_NOTICE};
use custodian_core::policy::ManageSettings;

fn page_html(app: &App, csrf: &str, notice: &str, ttl: &str, message: Option<&str>) -> String {
    let mut facts = String::from("<dl class=\"facts\">");
    for (k, v) in &app.identity.about {
        let _ = write!(facts, "<dt>{}</dt><dd>{}</dd>", escape(k), escape(v));
    }
    facts.push_str("</dl>");
    let message = message
        .map(|m| format!("<p class=\"error\" role=\"alert\">{}</p>", escape(m)))
        .unwrap_or_default();
    layout(
        "Settings",
        &format!(
            "<section class=\"card\"><h1>Settings</h1>{message}\
<form method=\"post\" action=\"/admin/settings\"><input type=\"hidden\" name=\"csrf\" value=\"{}\">\
<label for=\"notice\">Notice on the sign-in page (plain text, at most 1000 characters)</label>\
<textarea id=\"notice\" name=\"notice\" rows=\"4\" maxlength=\"1000\">{}</textarea>\
<label for=\"ttl\">Export download window in minutes ({}–{}; empty: the configured default)</label>\
<input id=\"ttl\" name=\"ttl\" inputmode=\"numeric\" maxlength=\"4\" value=\"{}\">\
<button type=\"submit\">Save</button></form>\
<h2>Configuration</h2><p class=\"muted\">Set in /etc/custodian/custodiand.toml and Vault; secrets are never shown here.</p>{facts}</section>",
            escape(csrf),
            escape(notice),
            EXPORT_TTL_RANGE.start(),
            EXPORT_TTL_RANGE.end(),
            escape(ttl)
        ),
    )
}

pub async fn page(app: &App, req: &Request<impl Sized>) -> Response<Body> {
    let result: Result<Response<Body>, Response<Body>> = async {
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
            page_html(app, &csrf, &notice, &ttl, None),
        ))
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
        let (s, form) = admit_form::<ManageSettings, _>(app, req).await?;
        let (notice, ttl) = (field(&form, "notice"), field(&form, "ttl"));
        match settings::save(&s.db, &s.permit, &s.session.username, notice, ttl)
            .await
            .map_err(unavailable_because)?
        {
            Ok(()) => Ok(see_other("/admin/settings".into())),
            Err(problem) => {
                let csrf = s.csrf().await?;
                Ok(html(
                    StatusCode::BAD_REQUEST,
                    page_html(app, &csrf, notice, ttl, Some(&problem)),
                ))
            }
        }
    }
    .await;
    result.unwrap_or_else(|r| r)
}
