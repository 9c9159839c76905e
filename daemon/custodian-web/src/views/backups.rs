//! `/admin/backups`: the last backup, repository check and verified
//! restore, whether they are stale, the last failures, and the console
//! commands that act on them (the page itself runs nothing).

use std::time::{Duration, SystemTime};

use custodian_core::backups::{Escrow, Freshness, RemoteCopy, Status, DRILL_EVERY};
use maud::{html, Markup};

use super::layout::{layout, when, Area, Page, Viewer};
use crate::i18n::{t, t_with};

/// pgBackRest's backup type in words (its own word when unknown).
fn kind_name(kind: &str) -> Markup {
    let key = match kind {
        "full" => "backups-type-full",
        "diff" => "backups-type-diff",
        "incr" => "backups-type-incr",
        other => return html! { code dir="ltr" { (other) } },
    };
    html! { (t(key)) }
}

/// Current, stale or missing, against `limit` hours.
fn verdict(f: Freshness, limit: u64) -> Markup {
    match f {
        Freshness::Current => {
            html! { span.ok { (t_with("backups-current", &[("limit", limit.into())])) } }
        }
        Freshness::Stale { hours } => html! {
            strong.error { (t_with("backups-stale", &[("hours", hours.into()), ("limit", limit.into())])) }
        },
        Freshness::Missing => html! { strong.error { (t("backups-missing")) } },
    }
}

/// Whether the key escrow copied with the last backup holds every key
/// version in use; key names and versions stay as Vault writes them.
fn escrow(e: &Escrow) -> Markup {
    match e {
        Escrow::NotRecorded => html! { (t("backups-escrow-not-recorded")) },
        Escrow::Covers => html! { span.ok { (t("backups-escrow-covers")) } },
        Escrow::Lacks(gaps) => html! {
            strong.error { (t("backups-escrow-lacks")) }
            ul {
                @for (key, version) in gaps {
                    li { code dir="ltr" { (key) } " " (t_with("backups-escrow-version", &[("version", (*version).into())])) }
                }
            }
            (t("backups-escrow-reseal")) " " code dir="ltr" { "custodianctl vault escrow" }
        },
        Escrow::Unchecked(_) => html! { strong.error { (t("backups-escrow-unchecked")) } },
    }
}

/// The console commands, each with what it does.
fn commands() -> Markup {
    let rows = [
        ("custodianctl backup now", "backups-command-now"),
        ("custodianctl backup list", "backups-command-list"),
        ("custodianctl backup verify", "backups-command-verify"),
        ("custodianctl backup drill", "backups-command-drill"),
    ];
    html! {
        dl.facts {
            @for (command, key) in rows {
                dt { code dir="ltr" { (command) } }
                dd { (t(key)) }
            }
        }
    }
}

/// `stale_after_hours`: `[backup] stale-after-hours`, `None` when nothing
/// watches the backups.
pub(crate) fn page(
    v: &Viewer,
    st: &Status,
    now: SystemTime,
    stale_after_hours: Option<u64>,
) -> Markup {
    let title = t("nav-admin-backups");
    let margin = stale_after_hours.map(|h| Duration::from_secs(h.saturating_mul(3600)));
    let drill_limit = stale_after_hours.map(|h| DRILL_EVERY.as_secs() / 3600 + h);
    layout(
        &Page::signed(&title, v, Area::Backups).wide(),
        html! {
            section.card {
                h1 { (title) }
                p.muted { (t("backups-intro")) }
                @if stale_after_hours.is_none() {
                    p.error role="alert" { (t("backups-not-watched-before")) " " code dir="ltr" { "[backup]" } " " (t("backups-not-watched-after")) }
                }
                dl.facts {
                    dt { (t("backups-last-backup")) }
                    dd #last-backup {
                        @match &st.last_backup {
                            Some(b) => {
                                (when(b.at)) " · " (kind_name(&b.kind))
                                @if !b.label.is_empty() { " " code dir="ltr" { (b.label) } }
                            },
                            None => strong { (t("backups-no-backup")) },
                        }
                        @if let (Some(m), Some(h)) = (margin, stale_after_hours) {
                            br; (verdict(st.backup_freshness(now, m), h))
                        }
                    }
                    @if let Some(b) = &st.last_backup {
                        dt { (t("backups-escrow")) }
                        dd #escrow { (escrow(&b.escrow)) }
                        @match &b.remote {
                            RemoteCopy::NotConfigured => {},
                            RemoteCopy::Copied => {
                                dt { (t("backups-remote")) }
                                dd #remote { span.ok { (t("backups-remote-copied")) } }
                            },
                            // custodianctl's own words (English) with the fix, as the failures below.
                            RemoteCopy::Failed(why) => {
                                dt { (t("backups-remote")) }
                                dd #remote { strong.error { (t("backups-remote-failed")) } " " code dir="auto" { (why) } }
                            },
                        }
                    }
                    dt { (t("backups-last-drill")) }
                    dd #last-drill {
                        @match st.last_drill {
                            Some(at) => (when(at)),
                            None => strong { (t("backups-no-drill")) },
                        }
                        @if let (Some(m), Some(h)) = (margin, drill_limit) {
                            br; (verdict(st.drill_freshness(now, m), h))
                        }
                    }
                    dt { (t("backups-last-verify")) }
                    dd #last-verify {
                        @match st.last_verify {
                            Some(at) => (when(at)),
                            None => (t("backups-no-verify")),
                        }
                    }
                }
                h2 { (t("backups-failures")) }
                @if st.failures.is_empty() {
                    p #failures { (t("backups-no-failures")) }
                } @else {
                    div.table {
                        table #failures {
                            thead { tr { th { (t("backups-when")) } th { (t("backups-what")) } th { (t("backups-error")) } } }
                            tbody {
                                @for f in &st.failures {
                                    tr {
                                        td { (when(f.at)) }
                                        td {
                                            @match super::activity::event_key(&f.action) {
                                                Some(key) => (t(key)),
                                                None => code dir="ltr" { (f.action) },
                                            }
                                            @if !f.kind.is_empty() { " (" (kind_name(&f.kind)) ")" }
                                        }
                                        // custodianctl's own words, as it printed them.
                                        td { code dir="auto" { (f.error) } }
                                    }
                                }
                            }
                        }
                    }
                }
                h2 { (t("backups-at-the-console")) }
                p.muted { (t("backups-console-hint")) }
                (commands())
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{scope, Lang};
    use custodian_core::backups::{Backup, Failure};
    use std::time::UNIX_EPOCH;

    const H: u64 = 3600;

    fn viewer() -> Viewer {
        Viewer {
            username: "mona".into(),
            role: "role-admin",
            ..Viewer::default()
        }
    }

    fn status(now: SystemTime) -> Status {
        Status {
            last_backup: Some(Backup {
                at: now - Duration::from_secs(30 * H),
                kind: "incr".into(),
                label: "20261202-050014F_20261203-050011I".into(),
                snapshot: "4f1c".into(),
                seconds: Some(3.5),
                escrow: Escrow::Lacks(vec![("transit/custodian-media".into(), 3)]),
                remote: RemoteCopy::Failed("unreachable".into()),
            }),
            last_verify: None,
            last_drill: Some(now - Duration::from_secs(2 * H)),
            failures: vec![Failure {
                at: now - Duration::from_secs(H),
                action: "backup.failed".into(),
                kind: "full".into(),
                error: "the backup disk is full".into(),
            }],
        }
    }

    #[tokio::test]
    async fn the_page_says_what_is_stale_and_what_to_run() {
        let now = UNIX_EPOCH + Duration::from_secs(1_000_000 * H);
        let shown = scope(Lang::En, async {
            page(&viewer(), &status(now), now, Some(26)).into_string()
        })
        .await;
        for text in [
            "incremental <code dir=\"ltr\">20261202-050014F_20261203-050011I</code>",
            "stale: the last one was 30 h ago, more than 26 h",
            "current (at most 194 h old)",
            "Backup failed (full)",
            "the backup disk is full",
            "custodianctl backup drill",
            "<code dir=\"ltr\">transit/custodian-media</code> version 3",
            "<code dir=\"ltr\">custodianctl vault escrow</code>",
            "not copied: the local copy is stored, the remote one failed.</strong> <code dir=\"auto\">unreachable</code>",
        ] {
            assert!(shown.contains(text), "{text:?} in {shown}");
        }
        let empty = Status {
            last_backup: None,
            last_verify: None,
            last_drill: None,
            failures: vec![],
        };
        let none = scope(Lang::En, async {
            page(&viewer(), &empty, now, None).into_string()
        })
        .await;
        assert!(none.contains("No backup yet"), "{none}");
        assert!(none.contains("<code dir=\"ltr\">[backup]</code>"), "{none}");
        assert!(
            !none.contains("stale:") && !none.contains("current ("),
            "{none}"
        );
    }

    #[tokio::test]
    async fn the_arabic_page_is_arabic_outside_code() {
        let now = UNIX_EPOCH + Duration::from_secs(1_000_000 * H);
        let shown = scope(Lang::Ar, async {
            page(&viewer(), &status(now), now, Some(26)).into_string()
        })
        .await;
        let words = super::super::words_read(&shown);
        for w in words.split(|c: char| !c.is_ascii_alphabetic()) {
            assert!(
                w.len() < 3 || ["UTC", "Custodian"].contains(&w),
                "English {w:?} on the Arabic page: {words}"
            );
        }
    }
}
