//! `/admin/activity`: the activity log, filtered, newest first.

use custodian_core::activity_log::Entry;
use maud::{html, Markup};

use super::layout::{layout, when_to_the_second, Area, Page, Viewer};
use crate::i18n::t;

pub(crate) struct Filters<'a> {
    pub actor: &'a str,
    pub action: &'a str,
    pub target: &'a str,
    pub since: &'a str,
}

/// The catalogue key of the human name of an event the activity log
/// records (`login.failed` → "event-login-failed"), if it is one the
/// appliance writes. The writers are all over the workspace (`record`,
/// `record_after`, `audit::record`, `accounts::audit`, custodianctl's
/// backups and console, the updater's steps copied as `update.<step>`);
/// a name not listed here is shown as it is.
pub(crate) fn event_key(action: &str) -> Option<&'static str> {
    Some(match action {
        "access.denied" => "event-access-denied",
        "account.activated" => "event-account-activated",
        "account.confirmation_requested" => "event-account-confirmation-requested",
        "account.created" => "event-account-created",
        "account.disabled" => "event-account-disabled",
        "account.locked" => "event-account-locked",
        "account.permissions_changed" => "event-account-permissions-changed",
        "account.recovered" => "event-account-recovered",
        "account.recovery_issued" => "event-account-recovery-issued",
        "account.role_changed" => "event-account-role-changed",
        "account.suspended" => "event-account-suspended",
        "account.unlocked" => "event-account-unlocked",
        "activity.viewed" => "event-activity-viewed",
        "appliance.degraded" => "event-appliance-degraded",
        "appliance.recovered" => "event-appliance-recovered",
        "audit.pruned" => "event-audit-pruned",
        "backup.configured" => "event-backup-configured",
        "backup.drill_failed" => "event-backup-drill-failed",
        "backup.drill_passed" => "event-backup-drill-passed",
        "backup.failed" => "event-backup-failed",
        "backup.finished" => "event-backup-finished",
        "backup.restore_point" => "event-backup-restore-point",
        "backup.restore_point_failed" => "event-backup-restore-point-failed",
        "backup.started" => "event-backup-started",
        "backup.stale_notified" => "event-backup-stale-notified",
        "backup.verified" => "event-backup-verified",
        "backup.verify_failed" => "event-backup-verify-failed",
        "daemon.started" => "event-daemon-started",
        "event_type.added" => "event-event-type-added",
        "event_type.retired" => "event-event-type-retired",
        "export.approved" => "event-export-approved",
        "export.downloaded" => "event-export-downloaded",
        "export.expired" => "event-export-expired",
        "export.rejected" => "event-export-rejected",
        "export.requested" => "event-export-requested",
        "import.failed" => "event-import-failed",
        "import.finished" => "event-import-finished",
        "import.started" => "event-import-started",
        "login.failed" => "event-login-failed",
        "login.second_factor_failed" => "event-login-second-factor-failed",
        "login.second_factor_passed" => "event-login-second-factor-passed",
        "login.succeeded" => "event-login-succeeded",
        "logout" => "event-logout",
        "media.downloaded" => "event-media-downloaded",
        "media.orphans_removed" => "event-media-orphans-removed",
        "media.refused" => "event-media-refused",
        "media.uploaded" => "event-media-uploaded",
        "passkey.added" => "event-passkey-added",
        "passkey.removed" => "event-passkey-removed",
        "password.changed" => "event-password-changed",
        "password.rehashed" => "event-password-rehashed",
        "password.reset" => "event-password-reset",
        "password.reset_forced" => "event-password-reset-forced",
        "reauth.failed" => "event-reauth-failed",
        "reauth.succeeded" => "event-reauth-succeeded",
        "recovery.refused" => "event-recovery-refused",
        "recovery_code.used" => "event-recovery-code-used",
        "recovery_codes.generated" => "event-recovery-codes-generated",
        "schema.migrated" => "event-schema-migrated",
        "second_factor.reset" => "event-second-factor-reset",
        "secret.rotated" => "event-secret-rotated",
        "session.revoked" => "event-session-revoked",
        "settings.changed" => "event-settings-changed",
        "setup.completed" => "event-setup-completed",
        "setup.refused" => "event-setup-refused",
        "totp.enrolled" => "event-totp-enrolled",
        // The records: `<kind>.<what>` for bulletins, actors, incidents.
        "bulletin.searched" => "event-bulletin-searched",
        "bulletin.viewed" => "event-bulletin-viewed",
        "bulletin.created" => "event-bulletin-created",
        "bulletin.updated" => "event-bulletin-updated",
        "bulletin.access_changed" => "event-bulletin-access-changed",
        "bulletin.workflow" => "event-bulletin-workflow",
        "bulletin.bulk" => "event-bulletin-bulk",
        "actor.searched" => "event-actor-searched",
        "actor.viewed" => "event-actor-viewed",
        "actor.created" => "event-actor-created",
        "actor.updated" => "event-actor-updated",
        "actor.access_changed" => "event-actor-access-changed",
        "actor.workflow" => "event-actor-workflow",
        "actor.bulk" => "event-actor-bulk",
        "incident.searched" => "event-incident-searched",
        "incident.viewed" => "event-incident-viewed",
        "incident.created" => "event-incident-created",
        "incident.updated" => "event-incident-updated",
        "incident.access_changed" => "event-incident-access-changed",
        "incident.workflow" => "event-incident-workflow",
        "incident.bulk" => "event-incident-bulk",
        // Its links (custodian-core's `links`): `<kind>.<what>` too.
        "bulletin.related" => "event-bulletin-related",
        "bulletin.attached" => "event-bulletin-attached",
        "bulletin.event_added" => "event-bulletin-event-added",
        "bulletin.link_withdrawn" => "event-bulletin-link-withdrawn",
        "actor.related" => "event-actor-related",
        "actor.attached" => "event-actor-attached",
        "actor.event_added" => "event-actor-event-added",
        "actor.link_withdrawn" => "event-actor-link-withdrawn",
        "incident.related" => "event-incident-related",
        "incident.attached" => "event-incident-attached",
        "incident.event_added" => "event-incident-event-added",
        "incident.link_withdrawn" => "event-incident-link-withdrawn",
        // Updates: asked for here, then custodian-updated's steps.
        "update.check.requested" => "event-update-check-requested",
        "update.apply.requested" => "event-update-apply-requested",
        "update.check" => "event-update-check",
        "update.apply" => "event-update-apply",
        "update.verify" => "event-update-verify",
        "update.policy" => "event-update-policy",
        "update.download" => "event-update-download",
        "update.stage" => "event-update-stage",
        "update.backup" => "event-update-backup",
        "update.schema" => "event-update-schema",
        "update.migrate" => "event-update-migrate",
        "update.restore" => "event-update-restore",
        "update.switch" => "event-update-switch",
        "update.restart" => "event-update-restart",
        "update.health" => "event-update-health",
        "update.commit" => "event-update-commit",
        "update.rollback" => "event-update-rollback",
        "update.recover" => "event-update-recover",
        _ => return None,
    })
}

/// An event's name for people, with the name the log keeps beside it (for
/// investigators, and for the filter); an unknown one as it is.
fn event(action: &str) -> Markup {
    html! {
        @match event_key(action) {
            Some(key) => {
                span title=(action) { (t(key)) }
                br;
                small { code dir="ltr" { (action) } }
            },
            None => code dir="ltr" { (action) },
        }
    }
}

/// `newer` / `older`: the addresses of the neighbouring pages, if any.
pub(crate) fn page(
    v: &Viewer,
    f: &Filters<'_>,
    rows: &[Entry],
    newer: Option<String>,
    older: Option<String>,
) -> Markup {
    let title = t("nav-admin-activity");
    layout(
        &Page::signed(&title, v, Area::Activity).wide(),
        html! {
            section.card {
                h1 { (title) }
                p.muted {
                    (t("activity-hint-before")) " "
                    code dir="ltr" { "custodianctl audit verify" } " " (t("activity-hint-after"))
                }
                form.search method="get" action="/admin/activity" {
                    div.field {
                        label for="actor" { (t("activity-filter-who")) }
                        input #actor name="actor" maxlength="100" value=(f.actor) dir="auto";
                    }
                    div.field {
                        label for="action" { (t("activity-filter-what")) }
                        input #action name="action" maxlength="100" value=(f.action) dir="ltr";
                    }
                    div.field {
                        label for="target" { (t("activity-filter-on")) }
                        input #target name="target" maxlength="100" value=(f.target) dir="auto";
                    }
                    div.field {
                        label for="since" { (t("activity-filter-since")) }
                        input #since name="since" type="date" value=(f.since);
                    }
                    button type="submit" { (t("activity-filter")) }
                }
                div.table {
                    table {
                        thead {
                            tr {
                                th { "#" } th { (t("activity-when")) } th { (t("activity-who")) }
                                th { (t("activity-what")) } th { (t("activity-on")) } th { (t("activity-details")) }
                            }
                        }
                        tbody {
                            @for r in rows {
                                tr {
                                    td { (r.seq) } td.when { (when_to_the_second(r.at)) } td { bdi { (r.actor) } } td { (event(&r.action)) } td dir="auto" { (r.target) }
                                    td dir="auto" { code { (r.details.chars().take(300).collect::<String>()) } }
                                }
                            }
                        }
                    }
                }
                p.pages {
                    @if let Some(href) = newer { a href=(href) { (t("activity-newer")) } " " }
                    @if let Some(href) = older { a href=(href) { (t("activity-older")) } }
                }
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_have_names_and_keep_the_logged_one() {
        let known = event("login.failed").into_string();
        assert!(known.contains("Sign-in failed"), "{known}");
        assert!(
            known.contains(r#"<small><code dir="ltr">login.failed</code></small>"#),
            "{known}"
        );
        // Every link a record's page makes is named, for each kind.
        for kind in ["bulletin", "actor", "incident"] {
            for what in ["related", "attached", "event_added", "link_withdrawn"] {
                let action = format!("{kind}.{what}");
                assert!(event_key(&action).is_some(), "{action} has no name");
            }
        }
        let unknown = event("made.up<x>").into_string();
        assert_eq!(unknown, r#"<code dir="ltr">made.up&lt;x&gt;</code>"#);
    }
}
