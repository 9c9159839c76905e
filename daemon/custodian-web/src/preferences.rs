//! `/account/preferences`: the language and time zone of one's own pages.
//! Only what the interface has is accepted: a language it has catalogues
//! for, a zone of the database compiled into it.

use http::{Request, StatusCode};

use crate::app::App;
use crate::guard::{admit, admit_form, Signed};
use crate::i18n::{self, Lang};
use crate::input::{field, ReqBody};
use crate::respond::{html, unavailable_because, Reply};
use crate::views;
use custodian_core::identity::preferences::{self, Preferences};
use custodian_core::policy::UseOwnAccount;

pub(crate) async fn page(app: &App, req: &Request<impl Sized>) -> Reply {
    let s = admit::<UseOwnAccount, _>(app, req).await?;
    let saved = req.uri().query() == Some("saved=1");
    page_with(&s, StatusCode::OK, None, saved).await
}

/// The form with the account's current choices.
async fn page_with(
    s: &Signed<UseOwnAccount>,
    status: StatusCode,
    problem: Option<&str>,
    saved: bool,
) -> Reply {
    let csrf = s.csrf().await?;
    Ok(html(
        status,
        views::account::preferences(
            &views::viewer(&s.session),
            &csrf,
            &s.session.preferences,
            i18n::zone_names(),
            problem,
            saved,
        ),
    ))
}

pub(crate) async fn save<B: ReqBody>(app: &App, req: Request<B>) -> Reply {
    let (s, form) = admit_form::<UseOwnAccount, _>(app, req).await?;
    let chosen = match chosen(field(&form, "language"), field(&form, "time_zone")) {
        Ok(p) => p,
        Err(problem) => {
            let text = i18n::t(problem);
            return page_with(&s, StatusCode::UNPROCESSABLE_ENTITY, Some(&text), false).await;
        }
    };
    preferences::save(&s.db, &s.permit, &s.session.username, &chosen)
        .await
        .map_err(unavailable_because)?;
    // A redirect, so the next page is drawn in what was just chosen and a
    // reload does not post the form again.
    Ok(crate::respond::redirect("/account/preferences?saved=1"))
}

/// The preferences a form asks for, or the key of what is wrong with it.
/// Empty means "not chosen": the browser's language, UTC.
fn chosen(language: &str, time_zone: &str) -> Result<Preferences, &'static str> {
    let language = match language {
        "" => None,
        tag => Some(
            Lang::ALL
                .into_iter()
                .find(|l| l.tag() == tag)
                .ok_or("preferences-unknown-language")?
                .tag()
                .to_owned(),
        ),
    };
    let time_zone = match time_zone {
        "" => None,
        name => {
            let zone = i18n::zone(name).ok_or("preferences-unknown-time-zone")?;
            // The database's own spelling, so a zone is stored one way.
            Some(zone.iana_name().unwrap_or(name).to_owned())
        }
    };
    Ok(Preferences {
        language,
        time_zone,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_what_the_interface_has_is_accepted() {
        assert_eq!(chosen("", ""), Ok(Preferences::default()));
        let p = chosen("ar", "asia/damascus").expect("known");
        assert_eq!(p.language.as_deref(), Some("ar"));
        assert_eq!(p.time_zone.as_deref(), Some("Asia/Damascus"));
        assert_eq!(chosen("fr", ""), Err("preferences-unknown-language"));
        assert_eq!(chosen("AR", ""), Err("preferences-unknown-language"));
        assert_eq!(
            chosen("", "Mars/Olympus"),
            Err("preferences-unknown-time-zone")
        );
        assert_eq!(
            chosen("", "../../etc/passwd"),
            Err("preferences-unknown-time-zone")
        );
    }
}
