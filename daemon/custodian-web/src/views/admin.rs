//! The administration pages: accounts, permissions, settings, event
//! types and load.

use custodian_core::evidence::event_types::EventType;
use custodian_core::identity::accounts::{AccountRow, ROLES};
use custodian_core::identity::permissions::{Current, FLAGS};
use custodian_core::identity::settings::EXPORT_TTL_RANGE;
use custodian_core::load::{Cause, Counts, Limits, PoolReport};
use custodian_core::policy::{self, Role};
use maud::{html, Markup};

use super::layout::{alert, csrf_field, layout, Area, Page, Viewer};

/// One button that posts `action` for `user` to `/admin/users/state`.
fn state_button(csrf: &str, user: &str, action: &str, label: &str) -> Markup {
    html! {
        form.inline method="post" action="/admin/users/state" {
            (csrf_field(csrf))
            input type="hidden" name="username" value=(user);
            input type="hidden" name="action" value=(action);
            button.small type="submit" { (label) }
        }
    }
}

/// What the notes column says about an account.
fn notes(r: &AccountRow) -> String {
    let mut notes = Vec::new();
    if r.locked {
        notes.push("locked");
    }
    if r.must_change_password {
        notes.push("must change password");
    }
    for kind in &r.pending {
        notes.push(match kind.as_str() {
            "grant-admin" => "administrator: waiting for a second administrator",
            "reset-password" => "password reset: waiting for a second administrator",
            _ => "second-factor reset: waiting for a second administrator",
        });
    }
    notes.join(", ")
}

/// The actions on another account: waiting confirmations in the open,
/// the rest folded away (a row of fourteen buttons is no page to work on
/// all day).
fn account_actions(r: &AccountRow, n: usize, csrf: &str) -> Markup {
    let user = r.username.as_str();
    html! {
        // A different administrator confirms (after step-up, like every
        // action on this page) what another one asked for.
        @for kind in &r.pending {
            @match kind.as_str() {
                "grant-admin" => (state_button(csrf, user, "confirm-admin", "Confirm administrator")),
                "reset-second-factor" => (state_button(csrf, user, "confirm-reset-totp", "Confirm second-factor reset")),
                "reset-password" => (state_button(csrf, user, "confirm-reset-password", "Confirm password reset")),
                _ => {},
            }
        }
        details.actions {
            summary { "Actions for " (user) }
            @if r.state == "active" {
                (state_button(csrf, user, "suspend", "Suspend"))
                (state_button(csrf, user, "disable", "Disable"))
            } @else {
                (state_button(csrf, user, "activate", "Activate"))
            }
            @if r.locked {
                (state_button(csrf, user, "unlock", "Unlock"))
            }
            (state_button(csrf, user, "reset-totp", "Reset second factor"))
            (state_button(csrf, user, "force-password-change", "Force password change"))
            form method="post" action="/admin/users/state" {
                (csrf_field(csrf))
                input type="hidden" name="username" value=(user);
                label for={"role-" (n)} { "New role" }
                select id={"role-" (n)} name="action" {
                    @for role in ROLES.iter().filter(|role| **role != r.role) {
                        option value={"role-" (role)} { (role) }
                    }
                }
                button.small type="submit" { "Change role" }
            }
            form method="post" action="/admin/users/state" {
                (csrf_field(csrf))
                input type="hidden" name="username" value=(user);
                input type="hidden" name="action" value="reset-password";
                label for={"reason-" (n)} { "Reason for a password reset (kept in the activity log)" }
                input id={"reason-" (n)} name="reason" required maxlength="500";
                button.small type="submit" { "Reset password" }
            }
            a.small href={"/admin/users/permissions?username=" (user)} { "Permissions" }
        }
    }
}

/// The accounts page of the administrator `v`: one row per account, and
/// none of the actions the server refuses on one's own account. `created`
/// shows a new account's one-time password, once.
pub(crate) fn accounts(
    v: &Viewer,
    rows: &[AccountRow],
    csrf: &str,
    message: Option<&str>,
    created: Option<(&str, &str)>,
) -> Markup {
    layout(
        &Page::signed("Accounts", v, Area::Accounts)
            .csrf(csrf)
            .wide(),
        html! {
            section.card {
                h1 { "Accounts" }
                @if let Some((user, password)) = created {
                    p.notice role="status" {
                        "The one-time password of " strong { (user) } " is " code.secret { (password) }
                        ". Give it to the person directly; it is shown only now, and they must change it at \
        their next sign-in."
                    }
                }
                (alert(message))
                div.table {
                    table {
                        thead { tr { th { "Username" } th { "Role" } th { "State" } th { "Notes" } th { "Actions" } } }
                        tbody {
                            @for (n, r) in rows.iter().enumerate() {
                                tr {
                                    td { (r.username) }
                                    td { (r.role) }
                                    td { (r.state) }
                                    td.muted { (notes(r)) }
                                    td {
                                        @if r.username == v.username {
                                            span.muted {
                                                "Your own account: change your password and second factors on "
                                                a href="/" { "your account pages" }
                                                "; another administrator changes its state."
                                            }
                                        } @else {
                                            (account_actions(r, n, csrf))
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                div.columns {
                    div {
                        h2 { "Add an account" }
                        form method="post" action="/admin/users" {
                            (csrf_field(csrf))
                            label for="username" { "Username" }
                            input #username name="username" required maxlength="63";
                            label for="role" { "Role" }
                            select #role name="role" { @for r in ROLES { option value=(r) { (r) } } }
                            button type="submit" { "Add account" }
                        }
                    }
                    div {
                        h2 { "After an incident" }
                        form method="post" action="/admin/users/state" {
                            (csrf_field(csrf))
                            input type="hidden" name="username" value="*";
                            input type="hidden" name="action" value="force-password-change";
                            label.check {
                                input type="checkbox" name="confirm" value="every-account" required;
                                " I understand: every account but mine is signed out at once and must choose a new password at its next sign-in."
                            }
                            button type="submit" { "Force every other account to change its password" }
                        }
                    }
                }
            }
        },
    )
}

/// `/admin/users/permissions`: another account's flags and access groups.
pub(crate) fn permissions(v: &Viewer, c: &Current, csrf: &str, message: Option<&str>) -> Markup {
    let effective: Vec<String> = match (&c.explicit, Role::parse(&c.role)) {
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
    layout(
        &Page::signed("Permissions", v, Area::Accounts)
            .trail("Accounts", "/admin/users")
            .csrf(csrf),
        html! {
            section.card.narrow {
                h1 { "Permissions of " (c.username) }
                (alert(message))
                p {
                    "Role: " (c.role) ". "
                    @if c.explicit.is_some() { "Explicit flags are set." } @else { "The role's defaults apply." }
                }
                form method="post" action="/admin/users/permissions" {
                    (csrf_field(csrf))
                    input type="hidden" name="username" value=(c.username);
                    label.check {
                        input type="checkbox" name="defaults" value="yes" checked[c.explicit.is_none()];
                        " Use the role's defaults (ignore the boxes below)"
                    }
                    @for (name, _) in FLAGS {
                        label.check {
                            input type="checkbox" name="flag" value=(name) checked[effective.iter().any(|f| f == name)];
                            " " (name)
                        }
                    }
                    label for="groups" { "Access groups (comma-separated)" }
                    input #groups name="groups" maxlength="500" value=(c.groups.join(", "));
                    p.muted { "Saving ends this account's sessions, so the change applies at once." }
                    button type="submit" { "Save" }
                }
            }
        },
    )
}

/// `/admin/settings`: the settings kept in the database, and how the
/// appliance is configured (never a secret).
pub(crate) fn settings(
    v: &Viewer,
    about: &[(&str, String)],
    csrf: &str,
    notice: &str,
    ttl: &str,
    message: Option<&str>,
) -> Markup {
    layout(
        &Page::signed("Settings", v, Area::Settings).csrf(csrf),
        html! {
            section.card {
                h1 { "Settings" }
                (alert(message))
                form method="post" action="/admin/settings" {
                    (csrf_field(csrf))
                    label for="notice" { "Notice on the sign-in page (plain text, at most 1000 characters)" }
                    textarea #notice name="notice" rows="4" maxlength="1000" { (notice) }
                    label for="ttl" {
                        "Export download window in minutes (" (EXPORT_TTL_RANGE.start()) "–" (EXPORT_TTL_RANGE.end())
                        "; empty: the configured default)"
                    }
                    input #ttl name="ttl" inputmode="numeric" maxlength="4" value=(ttl);
                    button type="submit" { "Save" }
                }
                h2 { "Configuration" }
                p.muted { "Set in /etc/custodian/custodiand.toml and Vault; secrets are never shown here." }
                dl.facts { @for (k, val) in about { dt { (k) } dd { (val) } } }
            }
        },
    )
}

/// `/admin/event-types`: the list, retiring, and adding one.
pub(crate) fn event_types(
    v: &Viewer,
    types: &[EventType],
    csrf: &str,
    message: Option<&str>,
) -> Markup {
    const PAGE: &str = "/admin/event-types";
    layout(
        &Page::signed("Event types", v, Area::EventTypes)
            .csrf(csrf)
            .wide(),
        html! {
            section.card {
                h1 { "Event types" }
                (alert(message))
                p.muted { "Offered when an event is added to a record. A retired type is no longer offered; events that have it keep it. Nothing is deleted." }
                div.table {
                    table {
                        thead { tr { th { "Title" } th { "Description" } th { "Events" } th {} } }
                        tbody {
                            @for t in types {
                                tr {
                                    td { (t.title) }
                                    td { (t.description) }
                                    td { (t.used) }
                                    td {
                                        @if t.retired {
                                            "retired"
                                        } @else {
                                            form.inline method="post" action=(PAGE) {
                                                (csrf_field(csrf))
                                                input type="hidden" name="action" value="retire";
                                                input type="hidden" name="id" value=(t.id);
                                                button.small type="submit" { "Retire" }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                h2 { "Add an event type" }
                form.narrow method="post" action=(PAGE) {
                    (csrf_field(csrf))
                    input type="hidden" name="action" value="add";
                    label for="title" { "Title" }
                    input #title name="title" maxlength="200" required;
                    label for="description" { "Description" }
                    input #description name="description" maxlength="2000";
                    button type="submit" { "Add" }
                }
            }
        },
    )
}

/// What `/admin/load` shows; read from memory only.
pub(crate) struct LoadView {
    pub pool: Option<PoolReport>,
    pub limits: Limits,
    pub expensive_running: usize,
    /// (label, counts in the order of `Cause::ALL`), newest first.
    pub rows: Vec<(String, Counts)>,
}

pub(crate) fn load(v: &Viewer, l: &LoadView) -> Markup {
    layout(
        &Page::signed("Load", v, Area::Load).wide(),
        html! {
            section.card {
                h1 { "Load" }
                dl.facts {
                    dt { "Database connections" }
                    @match &l.pool {
                        Some(p) => dd { (p.in_use) " in use of " (p.max) " (" (p.open) " open), " (p.waiting) " requests waiting for one" },
                        None => dd { "no database configured" },
                    }
                    dt { "Lists, searches, exports and uploads running" }
                    dd { (l.expensive_running) " of at most " (l.limits.expensive) " (" (l.limits.per_account) " per account)" }
                }
                h2 { "Requests answered 503, per minute" }
                p.muted { "Minutes without any are left out; an hour is kept. pool-exhausted, account-limit and \
        expensive-limit were turned away so that everything else kept working; statement-timeout ran longer than \
        the database allows; database-unreachable could not reach PostgreSQL. The journal has one line per such minute." }
                div.table {
                    table {
                        thead { tr { th { "Minute ending (UTC)" } @for k in Cause::ALL { th { (k.name()) } } } }
                        tbody {
                            @for (label, counts) in &l.rows {
                                tr { td { (label) } @for n in counts { td { (n) } } }
                            }
                        }
                    }
                }
            }
        },
    )
}
