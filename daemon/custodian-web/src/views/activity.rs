//! `/admin/activity`: the activity log, filtered, newest first.

use custodian_core::activity_log::Entry;
use maud::{html, Markup};

use super::layout::{layout, Area, Page, Viewer};

pub(crate) struct Filters<'a> {
    pub actor: &'a str,
    pub action: &'a str,
    pub target: &'a str,
    pub since: &'a str,
}

/// `newer` / `older`: the addresses of the neighbouring pages, if any.
pub(crate) fn page(
    v: &Viewer,
    f: &Filters<'_>,
    rows: &[Entry],
    newer: Option<String>,
    older: Option<String>,
) -> Markup {
    layout(
        &Page::signed("Activity", v, Area::Activity).wide(),
        html! {
            section.card {
                h1 { "Activity" }
                p.muted {
                    "Every entry is hash-chained to the one before and checkpointed with Vault's signature; "
                    code { "custodianctl audit verify" } " names any entry changed or removed."
                }
                form.search method="get" action="/admin/activity" {
                    div.field {
                        label for="actor" { "Who (starts with)" }
                        input #actor name="actor" maxlength="100" value=(f.actor);
                    }
                    div.field {
                        label for="action" { "What (starts with, e.g. login. or export.)" }
                        input #action name="action" maxlength="100" value=(f.action);
                    }
                    div.field {
                        label for="target" { "On (starts with, e.g. bulletin/12)" }
                        input #target name="target" maxlength="100" value=(f.target);
                    }
                    div.field {
                        label for="since" { "Since" }
                        input #since name="since" type="date" value=(f.since);
                    }
                    button type="submit" { "Filter" }
                }
                div.table {
                    table {
                        thead { tr { th { "#" } th { "When (UTC)" } th { "Who" } th { "What" } th { "On" } th { "Details" } } }
                        tbody {
                            @for r in rows {
                                tr {
                                    td { (r.seq) } td.when { span dir="ltr" { (r.at) } } td { bdi { (r.actor) } } td { (r.action) } td dir="auto" { (r.target) }
                                    td dir="auto" { code { (r.details.chars().take(300).collect::<String>()) } }
                                }
                            }
                        }
                    }
                }
                p.pages {
                    @if let Some(href) = newer { a href=(href) { "Newer" } " " }
                    @if let Some(href) = older { a href=(href) { "Older" } }
                }
            }
        },
    )
}
