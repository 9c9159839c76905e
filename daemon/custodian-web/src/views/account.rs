//! One's own account: passkeys, the authenticator app, recovery codes,
//! sessions (one's own, and everyone's for administrators), security
//! notifications, and the language and time zone of its pages.

use custodian_core::identity::preferences::Preferences;
use custodian_core::identity::totp::QrSvg;
use custodian_core::identity::{notifications, passkeys as keys, sessions};
use maud::{html, Markup, PreEscaped};

use super::auth::passkey_button;
use super::layout::{alert, csrf_field, layout, when, Area, Page, Viewer};
use crate::i18n::{t, t_with, Lang};

/// The passkey list: names, kind, dates, a remove button each, and the
/// registration button. `required` explains a pending obligation.
pub(crate) fn passkeys(
    v: &Viewer,
    csrf: &str,
    keys: &[keys::Listed],
    message: Option<&str>,
    required: Option<sessions::Enrolment>,
) -> Markup {
    use sessions::Enrolment;
    let (title, account) = (t("passkeys-title"), t("crumb-account"));
    layout(
        &Page::signed(&title, v, Area::Account)
            .trail(&account, "/")
            .csrf(csrf)
            .passkeys(true),
        html! {
            section.card {
                h1 { (t("passkeys-heading")) }
                @match required {
                    Some(Enrolment::HardwareKey) => p.notice role="status" {
                        (t("passkeys-hardware-required"))
                    },
                    Some(Enrolment::SecondFactor) => p.notice role="status" {
                        (t("passkeys-second-factor-required")) " "
                        a href="/account/totp" { (t("passkeys-or-totp")) } "."
                    },
                    None => {},
                }
                (alert(message))
                @if keys.is_empty() {
                    p.muted { (t("passkeys-none")) }
                } @else {
                    div.table {
                        table {
                            thead { tr { th { (t("passkeys-name")) } th { (t("passkeys-kind")) } th { (t("passkeys-added")) } th { (t("passkeys-last-used")) } th {} } }
                            tbody {
                                @for k in keys {
                                    tr {
                                        td dir="auto" { (k.name) }
                                        td { @if k.hardware { (t("passkeys-hardware")) } @else { (t("passkeys-synced")) } }
                                        td { (when(k.created)) }
                                        td {
                                            @match k.last_used {
                                                Some(at) => (when(at)),
                                                None => (t("passkeys-never")),
                                            }
                                        }
                                        td {
                                            form.inline method="post" action="/account/passkeys" {
                                                (csrf_field(csrf))
                                                input type="hidden" name="remove" value=(k.id);
                                                button.small type="submit" { (t("passkeys-remove")) }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                h2 { (t("passkeys-add")) }
                p { (t("passkeys-add-hint")) }
                label for="passkey-name" { (t("passkeys-name")) }
                input #passkey-name maxlength="60" autocomplete="off" dir="auto";
                (passkey_button("register", "/account/passkeys", csrf, "", &t("passkeys-register")))
                noscript { p.muted { (t("passkeys-needs-script")) } }
            }
        },
    )
}

pub(crate) fn notifications(v: &Viewer, csrf: &str, rows: &[notifications::Listed]) -> Markup {
    layout(
        &Page::signed(&t("nav-notifications"), v, Area::Notifications).csrf(csrf),
        html! {
            section.card {
                h1 { (t("notifications-heading")) }
                @if rows.is_empty() {
                    p.muted { (t("notifications-none")) }
                } @else {
                    ul.notifications {
                        @for n in rows {
                            li class=(if n.unread { "unread" } else { "read" }) {
                                span.muted { (when(n.created)) } " "
                                // Worded in the reader's language, its values isolated; one
                                // stored before notices had keys is English, in its own direction.
                                @if n.key.is_some() { span { (n.message) } } @else { span dir="auto" { (n.message) } }
                                // A background search's: its page.
                                @if let (Some(true), Some(job)) = (n.key.as_deref().map(|k| k.starts_with("notice-search-")), n.args.get("job").and_then(|j| j.as_i64())) {
                                    " " a href={"/searches/job?id=" (job)} { (t("notifications-open-search")) }
                                }
                            }
                        }
                    }
                }
                form method="post" action="/account/notifications" {
                    (csrf_field(csrf))
                    button type="submit" { (t("notifications-mark-read")) }
                }
            }
        },
    )
}

/// Enrolment: the QR code (inline SVG from our own encoder), the secret in
/// text for manual entry, and the confirmation form.
pub(crate) fn totp_enrol(
    v: &Viewer,
    csrf: &str,
    message: Option<&str>,
    qr: Option<&QrSvg>,
    secret_base32: &str,
) -> Markup {
    layout(
        &Page::signed(&t("totp-title"), v, Area::Account)
            .trail(&t("crumb-account"), "/")
            .csrf(csrf),
        html! {
            section.card.narrow {
                h1 { (t("totp-heading")) }
                p { (t("totp-explain")) }
                (alert(message))
                // Raw output: the SVG our QR encoder drew (no script, no style).
                div.qr { @if let Some(qr) = qr { (PreEscaped(qr.as_str())) } }
                p { (t("totp-key")) " " code.secret { (secret_base32) } }
                form method="post" action="/account/totp" {
                    (csrf_field(csrf))
                    label for="code" { (t("totp-code")) }
                    input #code name="code" inputmode="numeric" autocomplete="one-time-code" required maxlength="7" dir="ltr";
                    button type="submit" { (t("totp-confirm")) }
                }
            }
        },
    )
}

/// The recovery-codes page: how many remain, and (right after generating)
/// the new codes, shown this once.
pub(crate) fn recovery_codes(
    v: &Viewer,
    csrf: &str,
    remaining: i64,
    fresh_codes: Option<&[String]>,
) -> Markup {
    layout(
        &Page::signed(&t("recovery-title"), v, Area::Account)
            .trail(&t("crumb-account"), "/")
            .csrf(csrf),
        html! {
            section.card.narrow {
                h1 { (t("recovery-title")) }
                @if let Some(codes) = fresh_codes {
                    p.notice role="status" { (t("recovery-fresh")) }
                    ol.codes dir="ltr" { @for c in codes { li { code.secret { (c) } } } }
                }
                p { (t_with("recovery-remaining", &[("count", remaining.into())])) }
                form method="post" action="/account/recovery-codes" {
                    (csrf_field(csrf))
                    button type="submit" { (t("recovery-generate")) }
                }
                p.muted { (t("recovery-replace")) }
            }
        },
    )
}

/// Sessions with a button to end each; `action` is where the form posts.
/// `show_user`: everyone's (the administrators' page), else one's own.
pub(crate) fn sessions(
    v: &Viewer,
    title: &str,
    rows: &[sessions::Listed],
    csrf: &str,
    action: &str,
    show_user: bool,
) -> Markup {
    let account = t("crumb-account");
    let page = if show_user {
        Page::signed(title, v, Area::Sessions)
    } else {
        Page::signed(title, v, Area::Account).trail(&account, "/")
    };
    layout(
        &page.csrf(csrf).wide(),
        html! {
            section.card {
                h1 { (title) }
                div.table {
                    table {
                        thead {
                            tr {
                                @if show_user { th { (t("sessions-account")) } }
                                th { (t("sessions-signed-in")) } th { (t("sessions-last-seen")) } th { (t("sessions-from")) } th { (t("sessions-browser")) } th {}
                            }
                        }
                        tbody {
                            @for r in rows {
                                tr {
                                    @if show_user { td { bdi { (r.username) } } }
                                    td { (when(r.created)) }
                                    td { (when(r.last_seen)) }
                                    td dir="ltr" { (r.peer) }
                                    td.muted dir="ltr" { (r.user_agent.chars().take(60).collect::<String>()) }
                                    td {
                                        @if r.current {
                                            span.muted { (t("sessions-this")) }
                                        } @else {
                                            form.inline method="post" action=(action) {
                                                (csrf_field(csrf))
                                                input type="hidden" name="session" value=(r.handle);
                                                button.small type="submit" { (t("sessions-end")) }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        },
    )
}

/// The account's language and time zone. Each language is named in
/// itself, so a reader lost in the other language still finds their own.
pub(crate) fn preferences(
    v: &Viewer,
    csrf: &str,
    prefs: &Preferences,
    zones: &[String],
    message: Option<&str>,
    saved: bool,
) -> Markup {
    let title = t("preferences-title");
    let home = t("crumb-account");
    let chosen_lang = prefs.language.as_deref().unwrap_or("");
    let chosen_zone = prefs.time_zone.as_deref().unwrap_or("");
    layout(
        &Page::signed(&title, v, Area::Account)
            .trail(&home, "/")
            .csrf(csrf),
        html! {
            section.card.narrow {
                h1 { (title) }
                @if saved { p.notice role="status" { (t("preferences-saved")) } }
                (alert(message))
                form method="post" action="/account/preferences" {
                    (csrf_field(csrf))
                    label for="language" { (t("preferences-language")) }
                    select #language name="language" {
                        option value="" selected[chosen_lang.is_empty()] { (t("preferences-language-browser")) }
                        @for lang in Lang::ALL {
                            option value=(lang.tag()) lang=(lang.tag()) dir=(lang.dir())
                                selected[chosen_lang == lang.tag()] { (lang.name()) }
                        }
                    }
                    label for="time_zone" { (t("preferences-time-zone")) }
                    select #time_zone name="time_zone" dir="ltr" {
                        option value="" selected[chosen_zone.is_empty()] { "UTC" }
                        @for z in zones {
                            option value=(z) selected[chosen_zone == z] { (z) }
                        }
                    }
                    p.muted { (t("preferences-time-zone-hint")) }
                    button type="submit" { (t("preferences-save")) }
                }
            }
        },
    )
}
