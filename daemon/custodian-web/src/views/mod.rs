//! The pages, as maud templates: every value is escaped when the page is
//! built, so a forgotten escape cannot compile. The only unescaped output
//! (`grep -rn PreEscaped daemon/`) is:
//!
//! - a record's description, a [`SafeHtml`] that only the sanitiser's
//!   allow-list makes (`evidence.rs`);
//! - the TOTP enrolment QR code, a [`QrSvg`] that only our own encoder
//!   draws (`account.rs`).
//!
//! No page carries inline script or style (no `style=` either): the CSS
//! is `assets/app.css`, the one script `assets/passkeys.js`.
//!
//! [`SafeHtml`]: custodian_core::evidence::sanitize::SafeHtml
//! [`QrSvg`]: custodian_core::identity::totp::QrSvg

pub(crate) mod account;
pub(crate) mod activity;
pub(crate) mod admin;
pub(crate) mod auth;
pub(crate) mod backups;
pub(crate) mod evidence;
pub(crate) mod exports;
pub(crate) mod imports;
pub(crate) mod layout;
pub(crate) mod record_imports;
pub(crate) mod search_jobs;
pub(crate) mod updates;

pub(crate) use layout::{Area, Page, Viewer};
pub(crate) use maud::Markup;

use custodian_core::evidence::bilingual::{Both, Lang};
use custodian_core::identity::sessions::Session;
use maud::html;

/// The record language the interface speaks, shown first on a page.
pub(crate) fn reader_lang() -> Lang {
    match crate::i18n::current() {
        crate::i18n::Lang::Ar => Lang::Arabic,
        crate::i18n::Lang::En => Lang::English,
    }
}

/// A name of reference data (a label, a source, a location, an event
/// type) in reading order: the reader's language's, else the other's,
/// then the other's beside it when there is one.
pub(crate) fn names_in_order(names: &Both<String>) -> Vec<(Lang, &str)> {
    let first = reader_lang();
    let order = if names.get(first).is_empty() {
        [first.other(), first]
    } else {
        [first, first.other()]
    };
    order
        .into_iter()
        .map(|l| (l, names.get(l).as_str()))
        .filter(|(_, name)| !name.is_empty())
        .collect()
}

/// A name as a page shows it: the reader's language's, the other's beside
/// it, each isolated and marked with its language.
pub(crate) fn name_html(names: &Both<String>) -> Markup {
    html! {
        @for (i, (lang, name)) in names_in_order(names).into_iter().enumerate() {
            @if i > 0 { " · " }
            bdi lang=(lang.as_str()) { (name) }
        }
    }
}

/// A name as plain text (a list's option, a picker's answer), in reading
/// order, and the language it starts with.
pub(crate) fn name_text(names: &Both<String>) -> (Lang, String) {
    let shown = names_in_order(names);
    let lang = shown.first().map_or(reader_lang(), |(l, _)| *l);
    let text = shown
        .iter()
        .map(|(_, n)| *n)
        .collect::<Vec<_>>()
        .join(" · ");
    (lang, text)
}

/// The navigation's view of a session: who, and which administration
/// pages to offer (each one the policy would allow; the guard still
/// decides when the page is asked for).
// policy: the one place in the web layer that decides what the navigation
// offers. It asks `policy::would_allow` for an actor made from the
// session's role alone (no flags, no groups: the administration actions
// are decided by role); to become the guard's own actor (`Signed::actor`).
/// The sentence of `key` with each value shown as code in its own
/// direction: column names, file names and identifiers (left to right),
/// and examples of what to type, which may be Arabic, inside the
/// reader's words.
pub(crate) fn with_code(key: &str, values: &[(&str, &str)]) -> Markup {
    let marks: Vec<Markup> = values
        .iter()
        .map(|(_, value)| html! { code dir="auto" { (value) } })
        .collect();
    let args: Vec<_> = values
        .iter()
        .enumerate()
        .map(|(i, (name, _))| (*name, evidence::slot(i)))
        .collect();
    evidence::marked(&crate::i18n::t_with(key, &args), &marks)
}

pub(crate) fn viewer(session: &Session) -> Viewer {
    use custodian_core::policy::{
        would_allow, Actor, ImportBulletins, ImportReference, InstallUpdates, ManageAccounts,
        ManageEventTypes, ManageSessions, ManageSettings, ViewActivity, ViewBackups, ViewLoad,
    };
    let actor = Actor::new(session.user_id, session.role, None, Vec::new());
    let administration = [
        (
            would_allow::<ManageAccounts>(&actor),
            "/admin/users",
            "nav-admin-accounts",
            Area::Accounts,
        ),
        (
            would_allow::<ManageSessions>(&actor),
            "/admin/sessions",
            "nav-admin-sessions",
            Area::Sessions,
        ),
        (
            would_allow::<ViewActivity>(&actor),
            "/admin/activity",
            "nav-admin-activity",
            Area::Activity,
        ),
        (
            would_allow::<ViewLoad>(&actor),
            "/admin/load",
            "nav-admin-load",
            Area::Load,
        ),
        (
            would_allow::<ViewBackups>(&actor),
            "/admin/backups",
            "nav-admin-backups",
            Area::Backups,
        ),
        (
            would_allow::<ManageSettings>(&actor),
            "/admin/settings",
            "nav-admin-settings",
            Area::Settings,
        ),
        (
            would_allow::<ManageEventTypes>(&actor),
            "/admin/event-types",
            "nav-admin-event-types",
            Area::EventTypes,
        ),
        (
            would_allow::<InstallUpdates>(&actor),
            "/admin/updates",
            "nav-admin-updates",
            Area::Updates,
        ),
        (
            would_allow::<ImportReference>(&actor),
            "/admin/import",
            "nav-admin-import",
            Area::Import,
        ),
        (
            would_allow::<ImportBulletins>(&actor),
            "/admin/import/bulletins",
            "nav-admin-import-bulletins",
            Area::ImportBulletins,
        ),
    ]
    .into_iter()
    .filter(|(allowed, ..)| *allowed)
    .map(|(_, href, label, area)| (href, label, area))
    .collect();
    Viewer {
        username: session.username.clone(),
        role: match session.role {
            custodian_core::policy::Role::Admin => "role-admin",
            custodian_core::policy::Role::Moderator => "role-moderator",
            custodian_core::policy::Role::Analyst => "role-analyst",
            custodian_core::policy::Role::ReadOnly => "role-readonly",
        },
        administration,
        restricted: session.must_change_password || session.enrolment.is_some(),
        unread: None,
    }
}

/// What the pages that need the media store (files on a bulletin,
/// exports) say when custodiand runs without one: the setting to add.
pub(crate) fn no_media_store() -> String {
    crate::i18n::t("no-media-store")
}

/// The plain words for `status`.
pub(crate) fn error_text(status: http::StatusCode) -> String {
    crate::i18n::t(match status.as_u16() {
        400 => "error-400-text",
        403 => "error-403-text",
        404 => "error-404-text",
        405 => "error-405-text",
        408 => "error-408-text",
        413 => "error-413-text",
        415 => "error-415-text",
        416 => "error-416-text",
        429 => "error-429-text",
        503 => "error-503-text",
        _ => "error-other-text",
    })
}

/// Error pages say what happened in plain words and never why inside.
pub(crate) fn error(status: http::StatusCode, viewer: Option<&Viewer>) -> Markup {
    error_with(status, &error_text(status), viewer)
}

/// An error page with a specific, user-facing explanation; in the
/// signed-in frame when `viewer` is the person who asked.
pub(crate) fn error_with(status: http::StatusCode, text: &str, viewer: Option<&Viewer>) -> Markup {
    let title = crate::i18n::t(match status.as_u16() {
        400 => "error-400",
        403 => "error-403",
        404 => "error-404",
        405 => "error-405",
        408 => "error-408",
        413 => "error-413",
        415 => "error-415",
        416 => "error-416",
        429 => "error-429",
        503 => "error-503",
        _ => "error-other",
    });
    let page = match viewer {
        Some(v) => Page::signed(&title, v, Area::Nowhere),
        None => Page::new(&title),
    };
    layout::layout(
        &page,
        html! {
            section.card {
                h1 { (title) }
                p dir="auto" { (text) }
            }
        },
    )
}

/// The words a person reads in `<main>`: no markup, no `<code>` (for the
/// tests that look for English on an Arabic page).
#[cfg(test)]
pub(crate) fn words_read(page: &str) -> String {
    let main = page
        .split("<main")
        .nth(1)
        .and_then(|m| m.split_once('>'))
        .map_or("", |(_, rest)| rest);
    let mut out = String::new();
    let (mut in_tag, mut in_code) = (false, 0);
    let mut rest = main;
    while let Some(c) = rest.chars().next() {
        if rest.starts_with("<code") {
            in_code += 1;
        } else if rest.starts_with("</code") {
            in_code -= 1;
        }
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag && in_code == 0 => out.push(c),
            _ => {}
        }
        rest = &rest[c.len_utf8()..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_have_no_inline_script_or_style() {
        let v = Viewer {
            username: "u".into(),
            role: "role-analyst",
            ..Viewer::default()
        };
        for page in [
            auth::home(),
            error(http::StatusCode::NOT_FOUND, None),
            error(http::StatusCode::INTERNAL_SERVER_ERROR, Some(&v)),
            auth::signed_in(&v, "csrf", 2),
            account::notifications(&v, "csrf", &[]),
        ] {
            let page = page.into_string();
            assert!(!page.contains("<script"), "{page}");
            assert!(!page.contains("<style"), "{page}");
            assert!(!page.contains("style="), "{page}");
        }
    }

    #[test]
    fn the_navigation_offers_administration_only_when_told() {
        let mut v = Viewer {
            username: "analyst1".into(),
            role: "role-analyst",
            ..Viewer::default()
        };
        let page = account::notifications(&v, "c", &[]).into_string();
        assert!(page.contains("href=\"/bulletins\"") && page.contains("href=\"/exports\""));
        // (The sessions test asserts an analyst's page never says "admin".)
        assert!(!page.contains("admin"), "{page}");
        v.administration = vec![("/admin/users", "Accounts", Area::Accounts)];
        let page = account::notifications(&v, "c", &[]).into_string();
        assert!(page.contains("href=\"/admin/users\""), "{page}");
        v.restricted = true;
        let page = account::notifications(&v, "c", &[]).into_string();
        assert!(!page.contains("href=\"/bulletins\""), "{page}");
    }

    #[test]
    fn every_page_has_a_title_and_a_breadcrumb() {
        let page = error(http::StatusCode::NOT_FOUND, None).into_string();
        assert!(
            page.contains("<title>Not found · Custodian</title>"),
            "{page}"
        );
        assert!(
            page.contains("<nav class=\"crumbs\" aria-label=\"Breadcrumb\">"),
            "{page}"
        );
        assert!(page.contains("<h1>Not found</h1>"), "{page}");
        assert!(!page.contains("href=\"/bulletins\""), "{page}");
    }

    #[test]
    fn a_signed_in_persons_error_page_keeps_their_navigation() {
        let v = Viewer {
            username: "analyst1".into(),
            role: "role-analyst",
            ..Viewer::default()
        };
        let page = error(http::StatusCode::FORBIDDEN, Some(&v)).into_string();
        assert!(page.contains("href=\"/bulletins\""), "{page}");
        assert!(page.contains("<bdi>analyst1</bdi>"), "{page}");
        // No link of the navigation is marked as the current page.
        // (A current link reads `<a href=".." aria-current="page">`.)
        assert!(!page.contains("\" aria-current=\"page\">"), "{page}");
    }
}
