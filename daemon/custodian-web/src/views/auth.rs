//! Signing in and out: the public home page, the sign-in form, the second
//! step, setup and console recovery, step-up, and the signed-in home.

use maud::{html, Markup};

use super::layout::{alert, csrf_field, layout, Area, Page, Viewer};
use crate::i18n::t;

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
    title: &'static str,
    heading: &'static str,
    intro: Markup,
    action: &'static str,
    token_label: &'static str,
    username_label: &'static str,
    button: &'static str,
}

pub(crate) fn setup(
    csrf: &str,
    message: Option<&str>,
    username: &str,
    min_length: usize,
) -> Markup {
    token_and_password(
        &TokenForm {
            title: "First administrator",
            heading: "Set up this appliance",
            intro: html! {
                "Create the first administrator. You need the one-time setup token that custodiand wrote to its log ("
                code { "journalctl -u custodiand" }
                ") when it started; it is valid for one hour."
            },
            action: "/setup",
            token_label: "Setup token",
            username_label: "Administrator's username",
            button: "Create administrator",
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
    token_and_password(
        &TokenForm {
            title: "Recover an administrator account",
            heading: "Recover an administrator account",
            intro: html! {
                "Choose a new password for an administrator account with the recovery token that "
                code { "custodianctl account recover-admin" } " (or " code { "confirm-admin" } ") printed at the appliance's console; \
            it is valid for one hour and only for the account it names. The account's old password and second factors are gone: \
            after signing in you enrol a second factor again. Every administrator is told."
            },
            action: "/recover",
            token_label: "Recovery token",
            username_label: "Username of the account",
            button: "Set the new password",
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
    layout(
        &Page::new(f.title),
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
                    label for="password" { "Password (at least " (min_length) " characters)" }
                    input #password name="password" type="password" autocomplete="new-password" required maxlength="1024";
                    label for="confirm" { "Password again" }
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
                h1 { "Welcome, " (v.username) }
                p.muted { "Signed in as " (v.username) " (" (t(v.role)) ")." }
                @if unread > 0 {
                    p.notice role="status" {
                        a href="/account/notifications" {
                            (unread) " new security notification" @if unread != 1 { "s" }
                        }
                    }
                }
                h2 { "Your account" }
                ul.links {
                    li { a href="/account/password" { "Change your password" } }
                    li { a href="/account/passkeys" { "Passkeys and security keys" } }
                    li { a href="/account/totp" { "Authenticator app" } }
                    li { a href="/account/recovery-codes" { "Recovery codes" } }
                    li { a href="/account/sessions" { "Your sessions" } }
                    li { a href="/account/notifications" { "Notifications" } }
                }
                form method="post" action="/logout" {
                    (csrf_field(csrf))
                    button type="submit" { "Sign out" }
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
    layout(
        &Page::signed("Change password", v, Area::Account)
            .trail("Your account", "/")
            .csrf(csrf),
        html! {
            section.card.narrow {
                h1 { "Change password" }
                @if forced {
                    p { "Your password was set by an administrator. Choose your own before you continue." }
                }
                (alert(message))
                form method="post" action="/account/password" {
                    (csrf_field(csrf))
                    label for="current" { "Current password" }
                    input #current name="current" type="password" autocomplete="current-password" required maxlength="1024";
                    label for="password" { "New password (at least " (min_length) " characters)" }
                    input #password name="password" type="password" autocomplete="new-password" required maxlength="1024";
                    label for="confirm" { "New password again" }
                    input #confirm name="confirm" type="password" autocomplete="new-password" required maxlength="1024";
                    button type="submit" { "Change password" }
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
    layout(
        &Page::signed("Confirm it is you", v, Area::Account)
            .csrf(csrf)
            .passkeys(passkey),
        html! {
            section.card.narrow {
                h1 { "Confirm it is you" }
                p { "This part of the appliance needs your password" @if passkey { " or your passkey" } " again." }
                (alert(message))
                @if passkey {
                    (passkey_button("reauth", "/reauth/passkey", csrf, next, "Use your passkey"))
                }
                form method="post" action="/reauth" {
                    (csrf_field(csrf))
                    input type="hidden" name="next" value=(next);
                    label for="password" { "Password" }
                    input #password name="password" type="password" autocomplete="current-password" required maxlength="1024";
                    button type="submit" { "Continue" }
                }
            }
        },
    )
}
