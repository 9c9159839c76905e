//! The administration pages: accounts, permissions, settings, event
//! types and load.

use custodian_core::evidence::bilingual::Lang;
use custodian_core::evidence::event_types::EventType;
use custodian_core::identity::accounts::{AccountRow, ROLES};
use custodian_core::identity::permissions::{Current, FLAGS};
use custodian_core::identity::settings::EXPORT_TTL_RANGE;
use custodian_core::load::{Cause, Counts, Limits, PoolReport};
use custodian_core::policy::{self, Role};
use maud::{html, Markup};

use crate::app::About;

use super::layout::{alert, csrf_field, layout, Area, Page, Viewer};
use crate::i18n::{t, t_with};

/// A role as the accounts pages name it (the role's own word in English).
pub(crate) fn role_name(role: &str) -> String {
    match role {
        "admin" => t("accounts-role-admin"),
        "moderator" => t("accounts-role-moderator"),
        "analyst" => t("accounts-role-analyst"),
        "readonly" => t("accounts-role-readonly"),
        other => other.to_owned(),
    }
}

/// An account's state (the state's own word in English).
fn state_name(state: &str) -> String {
    match state {
        "active" => t("accounts-state-active"),
        "suspended" => t("accounts-state-suspended"),
        "disabled" => t("accounts-state-disabled"),
        other => other.to_owned(),
    }
}

/// A permission flag (its identifier in English).
fn flag_name(flag: &str) -> String {
    match flag {
        "view_usernames" => t("permissions-flag-view-usernames"),
        "view_simple_history" => t("permissions-flag-view-simple-history"),
        "view_full_history" => t("permissions-flag-view-full-history"),
        "can_self_assign" => t("permissions-flag-can-self-assign"),
        "can_edit_locations" => t("permissions-flag-can-edit-locations"),
        "can_export" => t("permissions-flag-can-export"),
        "can_access_media" => t("permissions-flag-can-access-media"),
        other => other.to_owned(),
    }
}

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
        notes.push(t("accounts-note-locked"));
    }
    if r.must_change_password {
        notes.push(t("accounts-note-must-change-password"));
    }
    for kind in &r.pending {
        notes.push(t(match kind.as_str() {
            "grant-admin" => "accounts-note-pending-admin",
            "reset-password" => "accounts-note-pending-password",
            _ => "accounts-note-pending-second-factor",
        }));
    }
    notes.join(&t("accounts-notes-separator"))
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
                "grant-admin" => (state_button(csrf, user, "confirm-admin", &t("accounts-confirm-admin"))),
                "reset-second-factor" => (state_button(csrf, user, "confirm-reset-totp", &t("accounts-confirm-second-factor-reset"))),
                "reset-password" => (state_button(csrf, user, "confirm-reset-password", &t("accounts-confirm-password-reset"))),
                _ => {},
            }
        }
        details.actions {
            summary { (t_with("accounts-actions-for", &[("username", user.into())])) }
            @if r.state == "active" {
                (state_button(csrf, user, "suspend", &t("accounts-suspend")))
                (state_button(csrf, user, "disable", &t("accounts-disable")))
            } @else {
                (state_button(csrf, user, "activate", &t("accounts-activate")))
            }
            @if r.locked {
                (state_button(csrf, user, "unlock", &t("accounts-unlock")))
            }
            (state_button(csrf, user, "reset-totp", &t("accounts-reset-second-factor")))
            (state_button(csrf, user, "force-password-change", &t("accounts-force-password-change")))
            form method="post" action="/admin/users/state" {
                (csrf_field(csrf))
                input type="hidden" name="username" value=(user);
                label for={"role-" (n)} { (t("accounts-new-role")) }
                select id={"role-" (n)} name="action" {
                    @for role in ROLES.iter().filter(|role| **role != r.role) {
                        option value={"role-" (role)} { (role_name(role)) }
                    }
                }
                button.small type="submit" { (t("accounts-change-role")) }
            }
            form method="post" action="/admin/users/state" {
                (csrf_field(csrf))
                input type="hidden" name="username" value=(user);
                input type="hidden" name="action" value="reset-password";
                label for={"reason-" (n)} { (t("accounts-reset-reason")) }
                input id={"reason-" (n)} name="reason" required maxlength="500";
                button.small type="submit" { (t("accounts-reset-password")) }
            }
            a.small href={"/admin/users/permissions?username=" (user)} { (t("accounts-permissions")) }
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
    let title = t("nav-admin-accounts");
    layout(
        &Page::signed(&title, v, Area::Accounts).csrf(csrf).wide(),
        html! {
            section.card {
                h1 { (title) }
                @if let Some((user, password)) = created {
                    p.notice role="status" {
                        (t("accounts-created-before")) " " strong dir="auto" { (user) } " " (t("accounts-created-middle")) " "
                        span dir="ltr" { code.secret { (password) } }
                        (t("accounts-created-after"))
                    }
                }
                (alert(message))
                div.table {
                    table {
                        thead { tr { th { (t("username")) } th { (t("accounts-role")) } th { (t("accounts-state")) } th { (t("accounts-notes")) } th { (t("accounts-actions")) } } }
                        tbody {
                            @for (n, r) in rows.iter().enumerate() {
                                tr {
                                    td dir="auto" { (r.username) }
                                    td { (role_name(&r.role)) }
                                    td { (state_name(&r.state)) }
                                    td.muted { (notes(r)) }
                                    td {
                                        @if r.username == v.username {
                                            span.muted {
                                                (t("accounts-own-before")) " "
                                                a href="/" { (t("accounts-own-link")) }
                                                (t("accounts-own-after"))
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
                        h2 { (t("accounts-add")) }
                        form method="post" action="/admin/users" {
                            (csrf_field(csrf))
                            label for="username" { (t("username")) }
                            input #username name="username" required maxlength="63";
                            label for="role" { (t("accounts-role")) }
                            select #role name="role" { @for r in ROLES { option value=(r) { (role_name(r)) } } }
                            button type="submit" { (t("accounts-add-button")) }
                        }
                    }
                    div {
                        h2 { (t("accounts-after-incident")) }
                        form method="post" action="/admin/users/state" {
                            (csrf_field(csrf))
                            input type="hidden" name="username" value="*";
                            input type="hidden" name="action" value="force-password-change";
                            label.check {
                                input type="checkbox" name="confirm" value="every-account" required;
                                " " (t("accounts-force-all-confirm"))
                            }
                            button type="submit" { (t("accounts-force-all-button")) }
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
    let (title, accounts) = (t("accounts-permissions"), t("nav-admin-accounts"));
    layout(
        &Page::signed(&title, v, Area::Accounts)
            .trail(&accounts, "/admin/users")
            .csrf(csrf),
        html! {
            section.card.narrow {
                h1 { (t("permissions-of")) " " bdi { (c.username) } }
                (alert(message))
                p {
                    (t_with("permissions-role", &[("role", role_name(&c.role).into())])) " "
                    @if c.explicit.is_some() { (t("permissions-explicit")) } @else { (t("permissions-defaults-apply")) }
                }
                form method="post" action="/admin/users/permissions" {
                    (csrf_field(csrf))
                    input type="hidden" name="username" value=(c.username);
                    label.check {
                        input type="checkbox" name="defaults" value="yes" checked[c.explicit.is_none()];
                        " " (t("permissions-use-defaults"))
                    }
                    @for (name, _) in FLAGS {
                        label.check {
                            input type="checkbox" name="flag" value=(name) checked[effective.iter().any(|f| f == name)];
                            " " span title=(name) { (flag_name(name)) }
                        }
                    }
                    label for="groups" { (t("permissions-groups")) }
                    input #groups name="groups" maxlength="500" value=(c.groups.join(", "));
                    p.muted { (t("permissions-saving-ends")) }
                    button type="submit" { (t("admin-save")) }
                }
            }
        },
    )
}

/// `/admin/settings`: the settings kept in the database, and how the
/// appliance is configured (never a secret).
pub(crate) fn settings(
    v: &Viewer,
    about: &[(&'static str, About)],
    csrf: &str,
    notice: &str,
    ttl: &str,
    message: Option<&str>,
) -> Markup {
    let title = t("nav-admin-settings");
    layout(
        &Page::signed(&title, v, Area::Settings).csrf(csrf),
        html! {
            section.card {
                h1 { (title) }
                (alert(message))
                form method="post" action="/admin/settings" {
                    (csrf_field(csrf))
                    label for="notice" { (t("settings-notice")) }
                    textarea #notice name="notice" rows="4" maxlength="1000" { (notice) }
                    label for="ttl" {
                        (t_with("settings-ttl", &[
                            ("min", EXPORT_TTL_RANGE.start().to_string().into()),
                            ("max", EXPORT_TTL_RANGE.end().to_string().into()),
                        ]))
                    }
                    input #ttl name="ttl" inputmode="numeric" maxlength="4" value=(ttl);
                    button type="submit" { (t("admin-save")) }
                }
                h2 { (t("settings-configuration")) }
                p.muted { (t("settings-configuration-hint")) }
                dl.facts {
                    @for (label, val) in about {
                        dt { (t(label)) }
                        @match val {
                            About::Words(key) => dd { (t(key)) },
                            About::Shown(text) => dd { span dir="ltr" { (text) } },
                        }
                    }
                }
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
    let title = t("nav-admin-event-types");
    layout(
        &Page::signed(&title, v, Area::EventTypes).csrf(csrf).wide(),
        html! {
            section.card {
                h1 { (title) }
                (alert(message))
                p.muted { (t("event-types-hint")) }
                div.table {
                    table {
                        thead { tr { th { (t("event-types-title")) } th { (t("event-types-description")) } th { (t("event-types-events")) } th {} } }
                        tbody {
                            @for ty in types {
                                tr {
                                    td dir="auto" { (super::name_html(&ty.title)) }
                                    td dir="auto" { (ty.description) }
                                    td { (ty.used) }
                                    td {
                                        @if ty.retired {
                                            (t("event-types-retired"))
                                        } @else {
                                            form.inline method="post" action=(PAGE) {
                                                (csrf_field(csrf))
                                                input type="hidden" name="action" value="retire";
                                                input type="hidden" name="id" value=(ty.id);
                                                button.small type="submit" { (t("event-types-retire")) }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                h2 { (t("event-types-add-heading")) }
                form.narrow method="post" action=(PAGE) {
                    (csrf_field(csrf))
                    input type="hidden" name="action" value="add";
                    // Each language in its own field, the interface's first.
                    @for lang in [super::reader_lang(), super::reader_lang().other()] {
                        @let id = format!("title_{}", lang.as_str());
                        label for=(id) {
                            (t(match lang {
                                Lang::Arabic => "event-types-name-arabic",
                                Lang::English => "event-types-name-english",
                            }))
                        }
                        input id=(id) name=(id) maxlength="200" dir="auto" lang=(lang.as_str());
                    }
                    label for="description" { (t("event-types-description")) }
                    input #description name="description" maxlength="2000";
                    button type="submit" { (t("event-types-add")) }
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
    let title = t("nav-admin-load");
    layout(
        &Page::signed(&title, v, Area::Load).wide(),
        html! {
            section.card {
                h1 { (title) }
                dl.facts {
                    dt { (t("load-connections")) }
                    @match &l.pool {
                        Some(p) => dd { (t_with("load-pool", &[
                            ("in_use", p.in_use.into()),
                            ("max", p.max.into()),
                            ("open", p.open.into()),
                            ("waiting", p.waiting.into()),
                        ])) },
                        None => dd { (t("load-no-database")) },
                    }
                    dt { (t("load-expensive-running")) }
                    dd { (t_with("load-expensive", &[
                        ("running", l.expensive_running.into()),
                        ("max", l.limits.expensive.into()),
                        ("per_account", l.limits.per_account.into()),
                    ])) }
                }
                h2 { (t("load-turned-away")) }
                p.muted { (turned_away_hint()) }
                div.table {
                    table {
                        thead { tr { th { (t("load-minute-ending")) } @for k in Cause::ALL { th { code dir="ltr" { (k.name()) } } } } }
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

/// The hint under the table of 503s: it names the causes by the
/// identifiers the table's columns and the journal use, as code.
fn turned_away_hint() -> Markup {
    super::with_code(
        "load-turned-away-hint",
        &[
            ("pool", Cause::Overloaded.name()),
            ("account", Cause::AccountBusy.name()),
            ("expensive", Cause::ExpensiveBusy.name()),
            ("timeout", Cause::StatementTimeout.name()),
            ("unreachable", Cause::DatabaseUnreachable.name()),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{scope, Lang};
    use custodian_core::evidence::csv_import::Job;

    /// The pages of this module (and the import and activity pages), with
    /// something in every column and every notice shown.
    fn pages() -> Vec<String> {
        let v = Viewer {
            username: "mona".into(),
            role: "role-admin",
            ..Viewer::default()
        };
        let rows = [
            AccountRow {
                username: "mona".into(),
                role: "admin".into(),
                state: "active".into(),
                locked: false,
                must_change_password: false,
                pending: vec![],
            },
            AccountRow {
                username: "carol".into(),
                role: "readonly".into(),
                state: "suspended".into(),
                locked: true,
                must_change_password: true,
                pending: vec!["grant-admin".into(), "reset-password".into()],
            },
        ];
        let current = Current {
            username: "carol".into(),
            role: "analyst".into(),
            explicit: None,
            groups: vec!["team-x".into()],
        };
        let types = [EventType {
            id: 1,
            title: custodian_core::evidence::bilingual::Both {
                arabic: "قصف".into(),
                english: "Shelling".into(),
            },
            description: "Artillery".into(),
            used: 2,
            retired: false,
        }];
        let load = LoadView {
            pool: Some(PoolReport {
                max: 10,
                open: 4,
                in_use: 3,
                waiting: 2,
            }),
            limits: Limits {
                expensive: 8,
                per_account: 1,
                wait: std::time::Duration::from_millis(100),
            },
            expensive_running: 1,
            rows: vec![(t("load-this-minute"), [0; 6])],
        };
        let job = Job {
            id: 7,
            kind: "locations".into(),
            file_name: "places.csv".into(),
            status: "done".into(),
            total: 4,
            processed: 4,
            accepted: 3,
            rejected: vec![(
                3,
                custodian_core::error::Problem::new("import-file-not-utf8"),
            )],
        };
        let about = [
            ("settings-about-version", About::Shown("0.1.0".to_owned())),
            ("settings-about-tls", About::Words("settings-about-tls-pem")),
        ];
        vec![
            accounts(&v, &rows, "c", None, Some(("carol", "pw-1"))),
            permissions(&v, &current, "c", None),
            settings(&v, &about, "c", "", "", None),
            event_types(&v, &types, "c", None),
            super::super::admin::load(&v, &load),
            super::super::imports::job(&v, &job),
            super::super::imports::form(&v, "c", &[("labels", "import-kind-labels")], 5, 10),
        ]
        .into_iter()
        .map(Markup::into_string)
        .collect()
    }

    #[tokio::test]
    async fn the_admin_pages_are_wholly_arabic_in_arabic() {
        let pages = scope(Lang::Ar, async { pages() }).await;
        // Names of things, accounts, data and identifiers stay as they are.
        let allowed = [
            "Custodian",
            "Vault",
            "PostgreSQL",
            "TLS",
            "PEM",
            "CSV",
            "UTF",
            "UTC",
            "mona",
            "carol",
            "team",
            "Shelling",
            "Artillery",
            "places",
            "csv",
            "title",
            "title_ar",
            "title_en",
            "description",
            "latitude",
            "longitude",
            "country_code",
            "pool",
            "exhausted",
            "account",
            "limit",
            "expensive",
            "statement",
            "timeout",
            "database",
            "unreachable",
            "etc",
            "custodian",
            "custodiand",
            "toml",
        ];
        for page in &pages {
            let text = super::super::words_read(page);
            for w in text.split(|c: char| !c.is_ascii_alphabetic() && c != '_') {
                assert!(
                    w.len() < 3 || allowed.contains(&w),
                    "English {w:?} on an Arabic page: {text}"
                );
            }
        }
        assert!(pages[0].contains("carol، مقفل") || pages[0].contains("مقفل، يجب"));
    }

    #[tokio::test]
    async fn the_english_pages_keep_their_words() {
        let pages = scope(Lang::En, async { pages() }).await.join("\n");
        for english in [
            "Actions for carol",
            "locked, must change password, administrator: waiting for a second administrator",
            "The one-time password of <strong dir=\"auto\">carol</strong> is <span dir=\"ltr\"><code class=\"secret\">pw-1</code></span>. Give it",
            "Your own account: change your password and second factors on <a href=\"/\">your account pages</a>; another administrator",
            "Role: analyst. The role's defaults apply.",
            "Export download window in minutes (5–1440; empty: the configured default)",
            "3 in use of 10 (4 open), 2 requests waiting for one",
            "1 of at most 8 (1 per account)",
            "4 of 4 rows checked (100%). Status: <strong>done</strong>.",
            "Added: 3. Not imported: 1.",
            "<td>3</td><td>The file is not UTF-8 text; save it as CSV UTF-8.</td>",
            "See the locations",
        ] {
            assert!(pages.contains(english), "{english:?} in {pages}");
        }
    }
}
