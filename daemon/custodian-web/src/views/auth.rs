//! Signing in and out: the public home page, the sign-in form, the second
//! step, setup and console recovery, step-up, and the signed-in home.

use maud::{html, Markup};

use super::layout::{alert, csrf_field, layout, Area, Page, Viewer};
use crate::i18n::{t, t_with};
use fluent_bundle::FluentValue;

pub(crate) fn home() -> Markup {
    let title = t("home-title");
    layout(
        &Page::new(&title).home(),
        html! {
            section.card {
                h1 { "Custodian" }
                p { (t("home-about")) }
                h2 { (t("home-before")) }
                ul {
                    li { (t("home-accounts")) }
                    li { (t("home-address")) }
                    li { (t("home-log")) }
                }
                h2 { (t("home-does-not")) }
                ul {
                    li { (t("home-no-third-party-content")) }
                    li { (t("home-no-sharing")) }
                }
                h2 { (t("home-wrong")) }
                p { (t("home-wrong-text")) }
                p { a.button href="/login" { (t("sign-in")) } }
            }
        },
    )
}

pub(crate) fn login(csrf: &str, message: Option<&str>, username: &str, notice: &str) -> Markup {
    layout(
        &Page::new(&t("sign-in")),
        html! {
            section.card.narrow {
                h1 { (t("sign-in")) }
                @if !notice.is_empty() {
                    p.notice { (notice) }
                }
                (alert(message))
                form method="post" action="/login" {
                    (csrf_field(csrf))
                    label for="username" { (t("username")) }
                    input #username name="username" autocomplete="username" required maxlength="63" value=(username);
                    label for="password" { (t("password")) }
                    input #password name="password" type="password" autocomplete="current-password" required maxlength="1024";
                    button type="submit" { (t("sign-in")) }
                }
                p.muted { (t("forgot-password")) }
            }
        },
    )
}

/// The words of a page that takes a one-time token, a username and a new
/// password (setup and console recovery).
struct TokenForm {
    title: String,
    heading: String,
    intro: Markup,
    action: &'static str,
    token_label: String,
    username_label: String,
    button: String,
}

pub(crate) fn setup(
    csrf: &str,
    message: Option<&str>,
    username: &str,
    min_length: usize,
) -> Markup {
    token_and_password(
        &TokenForm {
            title: t("setup-title"),
            heading: t("setup-heading"),
            intro: html! {
                (t("setup-intro-before")) " " code dir="ltr" { "journalctl -u custodiand" } " " (t("setup-intro-after"))
            },
            action: "/setup",
            token_label: t("setup-token"),
            username_label: t("setup-username"),
            button: t("setup-button"),
        },
        csrf,
        message,
        username,
        min_length,
    )
}

/// The page for a recovery token issued at the console.
pub(crate) fn recover(
    csrf: &str,
    message: Option<&str>,
    username: &str,
    min_length: usize,
) -> Markup {
    let heading = t("recover-title");
    token_and_password(
        &TokenForm {
            title: heading.clone(),
            heading,
            intro: html! {
                (t("recover-intro-before")) " " code dir="ltr" { "custodianctl account recover-admin" }
                " (" (t("word-or")) " " code dir="ltr" { "confirm-admin" } ") " (t("recover-intro-after"))
            },
            action: "/recover",
            token_label: t("recover-token"),
            username_label: t("recover-username"),
            button: t("recover-button"),
        },
        csrf,
        message,
        username,
        min_length,
    )
}

fn token_and_password(
    f: &TokenForm,
    csrf: &str,
    message: Option<&str>,
    username: &str,
    min_length: usize,
) -> Markup {
    let min = [("min", FluentValue::from(min_length as i64))];
    layout(
        &Page::new(&f.title),
        html! {
            section.card.narrow {
                h1 { (f.heading) }
                p { (f.intro) }
                (alert(message))
                form method="post" action=(f.action) {
                    (csrf_field(csrf))
                    label for="token" { (f.token_label) }
                    input #token name="token" autocomplete="off" required maxlength="64";
                    label for="username" { (f.username_label) }
                    input #username name="username" autocomplete="username" required maxlength="63" value=(username);
                    label for="password" { (t_with("password-with-min", &min)) }
                    input #password name="password" type="password" autocomplete="new-password" required maxlength="1024";
                    label for="confirm" { (t("password-again")) }
                    input #confirm name="confirm" type="password" autocomplete="new-password" required maxlength="1024";
                    button type="submit" { (f.button) }
                }
            }
        },
    )
}

/// The signed-in home: who, unread notifications, and the account's pages
/// (the rest of the site is in the navigation).
pub(crate) fn signed_in(v: &Viewer, csrf: &str, unread: i64) -> Markup {
    let mut v = v.clone();
    v.unread = Some(unread);
    let home = t("crumb-home");
    layout(
        &Page::signed(&home, &v, Area::Home).csrf(csrf).home(),
        html! {
            section.card {
                h1 { (t_with("home-welcome", &[("name", v.username.as_str().into())])) }
                p.muted {
                    (t_with("home-signed-in-as", &[("name", v.username.as_str().into()), ("role", t(v.role).into())]))
                }
                @if unread > 0 {
                    p.notice role="status" {
                        a href="/account/notifications" {
                            (t_with("home-unread", &[("count", unread.into())]))
                        }
                    }
                }
                h2 { (t("nav-account")) }
                ul.links {
                    li { a href="/account/password" { (t("account-change-password")) } }
                    li { a href="/account/passkeys" { (t("account-passkeys")) } }
                    li { a href="/account/totp" { (t("account-totp")) } }
                    li { a href="/account/recovery-codes" { (t("account-recovery-codes")) } }
                    li { a href="/account/sessions" { (t("account-sessions")) } }
                    li { a href="/account/notifications" { (t("nav-notifications")) } }
                    li { a href="/account/preferences" { (t("preferences-title")) } }
                }
                form method="post" action="/logout" {
                    (csrf_field(csrf))
                    button type="submit" { (t("sign-out")) }
                }
            }
        },
    )
}

/// A passkey button, hidden until the script shows it (so a browser
/// without JavaScript never sees a button that cannot work).
pub(super) fn passkey_button(
    kind: &str,
    endpoint: &str,
    csrf: &str,
    next: &str,
    label: &str,
) -> Markup {
    html! {
        p {
            button type="button" hidden data-passkey=(kind) data-endpoint=(endpoint) data-csrf=(csrf)
                data-next=(next) data-name-input="passkey-name" data-status="passkey-status" { (label) }
        }
        p #passkey-status.muted role="status" aria-live="polite" {}
    }
}

/// The second step of signing in: the passkey button when the account has
/// one, and the code form (authenticator code, or a recovery code).
pub(crate) fn second_step(csrf: &str, message: Option<&str>, passkey: bool, totp: bool) -> Markup {
    let (label, hint) = if totp {
        (t("totp-or-recovery"), t("totp-hint"))
    } else {
        (t("recovery-code"), t("recovery-hint"))
    };
    let title = t("second-factor");
    layout(
        &Page::new(&title).passkeys(passkey),
        html! {
            section.card.narrow {
                h1 { (title) }
                (alert(message))
                @if passkey {
                    (passkey_button("login", "/login/passkey", csrf, "", &t("use-passkey")))
                }
                p { (hint) }
                form method="post" action="/login/totp" {
                    (csrf_field(csrf))
                    label for="code" { (label) }
                    input #code name="code" autocomplete="one-time-code" required maxlength="24";
                    button type="submit" { (t("continue")) }
                }
            }
        },
    )
}

pub(crate) fn change_password(
    v: &Viewer,
    csrf: &str,
    message: Option<&str>,
    forced: bool,
    min_length: usize,
) -> Markup {
    let (title, account) = (t("password-change"), t("nav-account"));
    let min = [("min", FluentValue::from(min_length as i64))];
    layout(
        &Page::signed(&title, v, Area::Account)
            .trail(&account, "/")
            .csrf(csrf),
        html! {
            section.card.narrow {
                h1 { (title) }
                @if forced {
                    p { (t("password-forced")) }
                }
                (alert(message))
                form method="post" action="/account/password" {
                    (csrf_field(csrf))
                    label for="current" { (t("password-current")) }
                    input #current name="current" type="password" autocomplete="current-password" required maxlength="1024";
                    label for="password" { (t_with("password-new", &min)) }
                    input #password name="password" type="password" autocomplete="new-password" required maxlength="1024";
                    label for="confirm" { (t("password-new-again")) }
                    input #confirm name="confirm" type="password" autocomplete="new-password" required maxlength="1024";
                    button type="submit" { (title) }
                }
            }
        },
    )
}

pub(crate) fn reauth(
    v: &Viewer,
    csrf: &str,
    message: Option<&str>,
    next: &str,
    passkey: bool,
) -> Markup {
    let title = t("reauth-title");
    layout(
        &Page::signed(&title, v, Area::Account)
            .csrf(csrf)
            .passkeys(passkey),
        html! {
            section.card.narrow {
                h1 { (title) }
                p { (t(if passkey { "reauth-password-or-passkey" } else { "reauth-password" })) }
                (alert(message))
                @if passkey {
                    (passkey_button("reauth", "/reauth/passkey", csrf, next, &t("use-passkey")))
                }
                form method="post" action="/reauth" {
                    (csrf_field(csrf))
                    input type="hidden" name="next" value=(next);
                    label for="password" { (t("password")) }
                    input #password name="password" type="password" autocomplete="current-password" required maxlength="1024";
                    button type="submit" { (t("continue")) }
                }
            }
        },
    )
}
