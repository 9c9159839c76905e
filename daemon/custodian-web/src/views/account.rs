//! One's own account: passkeys, the authenticator app, recovery codes,
//! sessions (one's own, and everyone's for administrators) and security
//! notifications.

use custodian_core::identity::totp::QrSvg;
use custodian_core::identity::{notifications, passkeys as keys, sessions};
use maud::{html, Markup, PreEscaped};

use super::auth::passkey_button;
use super::layout::{alert, csrf_field, layout, Area, Page, Viewer};

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
    layout(
        &Page::signed("Passkeys", v, Area::Account)
            .trail("Your account", "/")
            .csrf(csrf)
            .passkeys(true),
        html! {
            section.card {
                h1 { "Passkeys and security keys" }
                @match required {
                    Some(Enrolment::HardwareKey) => p.notice role="status" {
                        "Your role requires a hardware security key (one that cannot be copied off the device). \
        Register one before you continue."
                    },
                    Some(Enrolment::SecondFactor) => p.notice role="status" {
                        "Your account needs a second factor. Register a passkey or security key here, or "
                        a href="/account/totp" { "set up an authenticator app" } "."
                    },
                    None => {},
                }
                (alert(message))
                @if keys.is_empty() {
                    p.muted { "No passkeys yet." }
                } @else {
                    div.table {
                        table {
                            thead { tr { th { "Name" } th { "Kind" } th { "Added" } th { "Last used" } th {} } }
                            tbody {
                                @for k in keys {
                                    tr {
                                        td { (k.name) }
                                        td { @if k.hardware { "hardware key" } @else { "synced passkey" } }
                                        td { (k.created) }
                                        td { (k.last_used) }
                                        td {
                                            form.inline method="post" action="/account/passkeys" {
                                                (csrf_field(csrf))
                                                input type="hidden" name="remove" value=(k.id);
                                                button.small type="submit" { "Remove" }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                h2 { "Add one" }
                p { "Name it after the device, so you can tell your keys apart later." }
                label for="passkey-name" { "Name" }
                input #passkey-name maxlength="60" autocomplete="off";
                (passkey_button("register", "/account/passkeys", csrf, "", "Register a passkey"))
                noscript { p.muted { "Registering a passkey needs JavaScript; everything else works without it." } }
            }
        },
    )
}

pub(crate) fn notifications(v: &Viewer, csrf: &str, rows: &[notifications::Listed]) -> Markup {
    layout(
        &Page::signed("Notifications", v, Area::Notifications).csrf(csrf),
        html! {
            section.card {
                h1 { "Security notifications" }
                @if rows.is_empty() {
                    p.muted { "Nothing to report." }
                } @else {
                    ul.notifications {
                        @for n in rows {
                            li class=(if n.unread { "unread" } else { "read" }) {
                                span.muted { (n.created) } " " (n.message)
                            }
                        }
                    }
                }
                form method="post" action="/account/notifications" {
                    (csrf_field(csrf))
                    button type="submit" { "Mark all as read" }
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
        &Page::signed("Authenticator app", v, Area::Account)
            .trail("Your account", "/")
            .csrf(csrf),
        html! {
            section.card.narrow {
                h1 { "Set up an authenticator app" }
                p { "Your account needs a second factor. Scan this code with an authenticator app, or type the key \
        below into it, then enter the six-digit code it shows." }
                (alert(message))
                // Raw output: the SVG our QR encoder drew (no script, no style).
                div.qr { @if let Some(qr) = qr { (PreEscaped(qr.as_str())) } }
                p { "Key: " code.secret { (secret_base32) } }
                form method="post" action="/account/totp" {
                    (csrf_field(csrf))
                    label for="code" { "Code from the app" }
                    input #code name="code" inputmode="numeric" autocomplete="one-time-code" required maxlength="7";
                    button type="submit" { "Confirm" }
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
        &Page::signed("Recovery codes", v, Area::Account)
            .trail("Your account", "/")
            .csrf(csrf),
        html! {
            section.card.narrow {
                h1 { "Recovery codes" }
                @if let Some(codes) = fresh_codes {
                    p.notice role="status" { "Your new recovery codes. Write them down or print them and keep them \
        somewhere safe: each works once, and they are shown only now." }
                    ol.codes { @for c in codes { li { code.secret { (c) } } } }
                }
                p { "If you lose your authenticator app, a recovery code gets you in once. You have " (remaining) " unused." }
                form method="post" action="/account/recovery-codes" {
                    (csrf_field(csrf))
                    button type="submit" { "Generate new codes" }
                }
                p.muted { "New codes replace all old ones." }
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
    let page = if show_user {
        Page::signed(title, v, Area::Sessions)
    } else {
        Page::signed(title, v, Area::Account).trail("Your account", "/")
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
                                @if show_user { th { "Account" } }
                                th { "Signed in" } th { "Last seen" } th { "From" } th { "Browser" } th {}
                            }
                        }
                        tbody {
                            @for r in rows {
                                tr {
                                    @if show_user { td { (r.username) } }
                                    td { (r.created) }
                                    td { (r.last_seen) }
                                    td { (r.peer) }
                                    td.muted { (r.user_agent.chars().take(60).collect::<String>()) }
                                    td {
                                        @if r.current {
                                            span.muted { "this session" }
                                        } @else {
                                            form.inline method="post" action=(action) {
                                                (csrf_field(csrf))
                                                input type="hidden" name="session" value=(r.handle);
                                                button.small type="submit" { "End" }
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
