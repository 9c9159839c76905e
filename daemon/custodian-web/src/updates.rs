//! `/admin/updates`: administrators, after a recent step-up, see what
//! custodian-updated reports (installed version, floor, bad versions, the
//! last verified check, every step) and ask it to check or to install a
//! signed version. custodiand sends only a verb and a version number.

use http::{Request, StatusCode};

use super::views;
use super::views::updates::s;
use crate::app::App;
use crate::guard::csrf_for;
use crate::guard::{admit, admit_form};
use crate::i18n::t;
use crate::input::field;
use crate::input::ReqBody;
use crate::respond::{html, Reply};
use crate::respond::{see_other, unavailable_because};
use custodian_core::error::Problem;
use custodian_core::policy::InstallUpdates;
use custodian_core::updater::{self, UpdaterError};

const PAGE: &str = "/admin/updates";

async fn status(app: &App) -> Result<serde_json::Value, UpdaterError> {
    let socket = app.updater.as_ref().ok_or(UpdaterError::NotConfigured)?;
    let answer = updater::ask(socket, &serde_json::json!({"op": "status"})).await?;
    if answer["ok"].as_bool() == Some(true) {
        Ok(answer["status"].clone())
    } else {
        Err(UpdaterError::Refused(s(&answer["error"])))
    }
}

pub(crate) async fn page(app: &App, req: &Request<impl Sized>) -> Reply {
    let signed = admit::<InstallUpdates, _>(app, req).await?;
    let session = &signed.session;
    let csrf = csrf_for(app, session).await?;
    let st = status(app).await.map_err(|e| shown(&e));
    Ok(html(
        StatusCode::OK,
        views::updates::page(&views::viewer(session), &csrf, st.as_ref(), None),
    ))
}

pub(crate) async fn act<B: ReqBody>(app: &App, req: Request<B>) -> Reply {
    let (signed, form) = admit_form::<InstallUpdates, _>(app, req).await?;
    let db = &signed.db;
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
                let st = status(app).await.map_err(|e| shown(&e));
                return Ok(html(
                    StatusCode::BAD_REQUEST,
                    views::updates::page(
                        &views::viewer(session),
                        &csrf,
                        st.as_ref(),
                        Some(&t("updates-choose-version")),
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
    // Asked for only once the request is on record.
    db.record(
        &session.username,
        &format!("update.{op}.requested"),
        &target,
        &serde_json::json!({}),
    )
    .await
    .map_err(unavailable_because)?;
    let answer = match &socket {
        Some(sock) => updater::ask(sock, &request).await,
        None => Err(UpdaterError::NotConfigured),
    };
    if let Some(sock) = &socket {
        // The follower copies them within seconds if this fails.
        if let Err(e) = updater::copy_new_events(sock, db).await {
            tracing::debug!(target: "updates", error = %e, "update steps not copied yet");
        }
    }
    let problem = match answer {
        Ok(a) if a["ok"].as_bool() == Some(true) => None,
        Ok(a) => Some(UpdaterError::Refused(s(&a["error"])).to_string()),
        Err(e) => Some(e.to_string()),
    };
    match problem {
        None => Ok(see_other(PAGE.into())),
        Some(p) => {
            let csrf = csrf_for(app, session).await?;
            let st = status(app).await.map_err(|e| shown(&e));
            Ok(html(
                StatusCode::CONFLICT,
                views::updates::page(&views::viewer(session), &csrf, st.as_ref(), Some(&p)),
            ))
        }
    }
}

/// Why the updater could not be asked, for the page; the journal has
/// the cause.
fn shown(e: &UpdaterError) -> Problem {
    tracing::warn!(target: "updates", error = %e, "custodian-updated not asked");
    e.problem()
}
