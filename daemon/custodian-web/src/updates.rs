//! `/admin/updates`: administrators, after a recent step-up, see what
//! custodian-updated reports (installed version, floor, bad versions, the
//! last verified check, every step) and ask it to check or to install a
//! signed version. custodiand sends only a verb and a version number.

use std::fmt::Write;

use bytes::Bytes;
use http::{Request, Response, StatusCode};

use super::account::csrf_for;
use super::auth::{field, unavailable};
use super::evidence::see_other;
use super::pages::{escape, layout};
use super::routes::{html, Body};
use crate::app::App;
use crate::guard::{admit, admit_form};
use custodian_core::policy::InstallUpdates;
use custodian_core::updater;

const PAGE: &str = "/admin/updates";

fn s(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => "—".into(),
        serde_json::Value::String(t) => t.clone(),
        other => other.to_string(),
    }
}

/// Seconds since the epoch (as the updater reports them) in UTC.
fn when(v: &serde_json::Value) -> String {
    v.as_i64()
        .and_then(|t| jiff::Timestamp::from_second(t).ok())
        .map_or_else(
            || "—".into(),
            |t| t.strftime("%Y-%m-%d %H:%M:%S UTC").to_string(),
        )
}

fn page_html(
    csrf: &str,
    status: Result<&serde_json::Value, &str>,
    message: Option<&str>,
) -> String {
    let mut body = String::from("<section class=\"card\"><h1>Updates</h1>");
    if let Some(m) = message {
        let _ = write!(body, "<p class=\"error\" role=\"alert\">{}</p>", escape(m));
    }
    let check_form = format!(
        "<form method=\"post\" action=\"{PAGE}\"><input type=\"hidden\" name=\"csrf\" value=\"{}\">\
<input type=\"hidden\" name=\"action\" value=\"check\"><button type=\"submit\">Check for signed updates</button></form>",
        escape(csrf)
    );
    let st = match status {
        Err(e) => {
            let _ = write!(
                body,
                "<p class=\"error\" role=\"alert\">{}</p><p class=\"muted\">Start it with <code>systemctl start custodian-updated</code>; its journal says why it stopped.</p></section>",
                escape(e)
            );
            return layout("Updates", &body);
        }
        Ok(st) => st,
    };
    let busy = st["busy"].as_bool() == Some(true);
    let refresh = if busy {
        "<meta http-equiv=\"refresh\" content=\"2\">"
    } else {
        ""
    };
    let bad: Vec<String> = st["bad"]
        .as_array()
        .map(|a| a.iter().map(s).collect())
        .unwrap_or_default();
    let _ = write!(
        body,
        "<dl class=\"facts\"><dt>Installed</dt><dd id=\"installed\">{}</dd><dt>Release directory</dt><dd>{}</dd>\
<dt>Never below</dt><dd>{}</dd><dt>State</dt><dd id=\"update-state\">{}{}</dd><dt>Refused here after a failed health check</dt><dd>{}</dd></dl>",
        escape(&s(&st["installed"])),
        escape(&s(&st["release_dir"])),
        escape(&s(&st["floor"])),
        escape(&s(&st["step"])),
        if busy {
            format!(" (installing {})", escape(&s(&st["updating_to"])))
        } else {
            String::new()
        },
        if bad.is_empty() { "none".into() } else { escape(&bad.join(", ")) },
    );
    body.push_str(&check_form);
    let check = &st["last_check"];
    if check.is_object() {
        let _ = write!(
            body,
            "<h2>Last check</h2><p>{}: ",
            escape(&when(&check["at"]))
        );
        if check["ok"].as_bool() == Some(true) {
            body.push_str("the signed metadata verified.</p>");
            let _ = write!(
                body,
                "<table><thead><tr><th>Version</th><th>Status</th><th></th></tr></thead><tbody>"
            );
            for r in check["releases"].as_array().into_iter().flatten() {
                let v = s(&r["version"]);
                let action = if r["installable"].as_bool() == Some(true) && !busy {
                    format!(
                        "<form method=\"post\" action=\"{PAGE}\"><input type=\"hidden\" name=\"csrf\" value=\"{}\">\
<input type=\"hidden\" name=\"action\" value=\"apply\"><input type=\"hidden\" name=\"version\" value=\"{}\">\
<button type=\"submit\">Install {}</button></form>",
                        escape(csrf),
                        escape(&v),
                        escape(&v)
                    )
                } else {
                    String::new()
                };
                let state = if r["installable"].as_bool() == Some(true) {
                    "can be installed".to_owned()
                } else {
                    s(&r["why_not"])
                };
                let _ = write!(
                    body,
                    "<tr><td>{}</td><td>{}</td><td>{action}</td></tr>",
                    escape(&v),
                    escape(&state)
                );
            }
            body.push_str("</tbody></table>");
        } else {
            let _ = write!(
                body,
                "<strong class=\"error\">refused</strong>: {}</p>",
                escape(&s(&check["error"]))
            );
        }
    }
    body.push_str("<h2>Steps</h2><table><thead><tr><th>When</th><th>Step</th><th>Outcome</th><th>Version</th><th>Detail</th></tr></thead><tbody>");
    let events = st["events"].as_array().cloned().unwrap_or_default();
    for e in events.iter().rev().take(30) {
        let _ = write!(
            body,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&when(&e["at"])),
            escape(&s(&e["step"])),
            escape(&s(&e["outcome"])),
            escape(&s(&e["version"])),
            escape(&s(&e["detail"]))
        );
    }
    body.push_str(
        "</tbody></table><p class=\"muted\">Every step is also in the activity log.</p></section>",
    );
    layout("Updates", &format!("{refresh}{body}"))
}

async fn status(app: &App) -> Result<serde_json::Value, String> {
    let socket = app
        .updater
        .as_ref()
        .ok_or("updates are not configured here (no [updates] in custodiand.toml)")?;
    let answer = updater::ask(socket, &serde_json::json!({"op": "status"})).await?;
    if answer["ok"].as_bool() == Some(true) {
        Ok(answer["status"].clone())
    } else {
        Err(format!(
            "custodian-updated refused: {}",
            s(&answer["error"])
        ))
    }
}

pub async fn page(app: &App, req: &Request<impl Sized>) -> Response<Body> {
    let result: Result<Response<Body>, Response<Body>> = async {
        let signed = admit::<InstallUpdates, _>(app, req).await?;
        let session = &signed.session;
        let csrf = csrf_for(app, session).await?;
        let st = status(app).await;
        Ok(html(
            StatusCode::OK,
            page_html(&csrf, st.as_ref().map_err(String::as_str), None),
        ))
    }
    .await;
    result.unwrap_or_else(|r| r)
}

pub async fn act<B>(app: &App, req: Request<B>) -> Response<Body>
where
    B: hyper::body::Body<Data = Bytes> + Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let result: Result<Response<Body>, Response<Body>> = async {
        let db = app.db.as_ref().ok_or_else(unavailable)?;
        let (signed, form) = admit_form::<InstallUpdates, _>(app, req).await?;
        let session = &signed.session;
        let socket = app.updater.clone();
        let (request, target) = match field(&form, "action") {
            "check" => (serde_json::json!({"op": "check"}), String::new()),
            "apply" => {
                let v = field(&form, "version");
                let plausible = !v.is_empty()
                    && v.len() <= 32
                    && v.bytes().all(|b| b.is_ascii_digit() || b == b'.');
                if !plausible {
                    let csrf = csrf_for(app, session).await?;
                    let st = status(app).await;
                    return Ok(html(
                        StatusCode::BAD_REQUEST,
                        page_html(
                            &csrf,
                            st.as_ref().map_err(String::as_str),
                            Some("Choose a version from the list."),
                        ),
                    ));
                }
                (
                    serde_json::json!({"op": "apply", "version": v}),
                    v.to_owned(),
                )
            }
            _ => return Ok(see_other(PAGE.into())),
        };
        let op = request["op"].as_str().unwrap_or("").to_owned();
        let _ = db
            .record(
                &session.username,
                &format!("update.{op}.requested"),
                &target,
                &serde_json::json!({}),
            )
            .await;
        let answer = match &socket {
            Some(sock) => updater::ask(sock, &request).await,
            None => Err("updates are not configured here".into()),
        };
        if let Some(sock) = &socket {
            let _ = updater::copy_new_events(sock, db).await;
        }
        let problem = match answer {
            Ok(a) if a["ok"].as_bool() == Some(true) => None,
            Ok(a) => Some(s(&a["error"])),
            Err(e) => Some(e),
        };
        match problem {
            None => Ok(see_other(PAGE.into())),
            Some(p) => {
                let csrf = csrf_for(app, session).await?;
                let st = status(app).await;
                Ok(html(
                    StatusCode::CONFLICT,
                    page_html(&csrf, st.as_ref().map_err(String::as_str), Some(&p)),
                ))
            }
        }
    }
    .await;
    result.unwrap_or_else(|r| r)
}
