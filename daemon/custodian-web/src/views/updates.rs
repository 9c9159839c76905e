//! `/admin/updates`: what custodian-updated reports, and the forms that
//! ask it to check or to install a signed version.

use maud::{html, Markup};

use super::layout::{alert, csrf_field, layout, Area, Page, Viewer};

const PAGE: &str = "/admin/updates";

/// A reported value as text ("—" when absent).
pub(crate) fn s(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => "—".into(),
        serde_json::Value::String(t) => t.clone(),
        other => other.to_string(),
    }
}

/// Seconds since the epoch (as the updater reports them) in UTC.
fn when(v: &serde_json::Value) -> String {
    v.as_i64()
        .and_then(|t| jiff::Timestamp::from_second(t).ok())
        .map_or_else(
            || "—".into(),
            |t| t.strftime("%Y-%m-%d %H:%M:%S UTC").to_string(),
        )
}

fn check_form(csrf: &str) -> Markup {
    html! {
        form method="post" action=(PAGE) {
            (csrf_field(csrf))
            input type="hidden" name="action" value="check";
            button type="submit" { "Check for signed updates" }
        }
    }
}

/// `status`: what custodian-updated said, or why it could not be asked.
pub(crate) fn page(
    v: &Viewer,
    csrf: &str,
    status: Result<&serde_json::Value, &str>,
    message: Option<&str>,
) -> Markup {
    let busy = status.is_ok_and(|st| st["busy"].as_bool() == Some(true));
    layout(
        &Page::signed("Updates", v, Area::Updates)
            .csrf(csrf)
            .refresh(busy.then_some(2))
            .wide(),
        html! {
            section.card {
                h1 { "Updates" }
                (alert(message))
                @match status {
                    Err(e) => {
                        p.error role="alert" { (e) }
                        p.muted { "Start it with " code { "systemctl start custodian-updated" } "; its journal says why it stopped." }
                    },
                    Ok(st) => (report(st, csrf, busy)),
                }
            }
        },
    )
}

fn report(st: &serde_json::Value, csrf: &str, busy: bool) -> Markup {
    let bad: Vec<String> = st["bad"]
        .as_array()
        .map(|a| a.iter().map(s).collect())
        .unwrap_or_default();
    let check = &st["last_check"];
    let events = st["events"].as_array().cloned().unwrap_or_default();
    html! {
        dl.facts {
            dt { "Installed" } dd #installed { (s(&st["installed"])) }
            dt { "Release directory" } dd { (s(&st["release_dir"])) }
            dt { "Never below" } dd { (s(&st["floor"])) }
            dt { "State" }
            dd #update-state {
                (s(&st["step"]))
                @if busy { " (installing " (s(&st["updating_to"])) ")" }
            }
            dt { "Refused here after a failed health check" }
            dd { @if bad.is_empty() { "none" } @else { (bad.join(", ")) } }
        }
        (check_form(csrf))
        @if check.is_object() {
            h2 { "Last check" }
            @if check["ok"].as_bool() == Some(true) {
                p { (when(&check["at"])) ": the signed metadata verified." }
                div.table {
                    table {
                        thead { tr { th { "Version" } th { "Status" } th {} } }
                        tbody {
                            @for r in check["releases"].as_array().into_iter().flatten() {
                                @let version = s(&r["version"]);
                                @let installable = r["installable"].as_bool() == Some(true);
                                tr {
                                    td { (version) }
                                    td { @if installable { "can be installed" } @else { (s(&r["why_not"])) } }
                                    td {
                                        @if installable && !busy {
                                            form method="post" action=(PAGE) {
                                                (csrf_field(csrf))
                                                input type="hidden" name="action" value="apply";
                                                input type="hidden" name="version" value=(version);
                                                button type="submit" { "Install " (version) }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            } @else {
                p { (when(&check["at"])) ": " strong.error { "refused" } ": " (s(&check["error"])) }
            }
        }
        h2 { "Steps" }
        div.table {
            table {
                thead { tr { th { "When" } th { "Step" } th { "Outcome" } th { "Version" } th { "Detail" } } }
                tbody {
                    @for e in events.iter().rev().take(30) {
                        tr {
                            td { (when(&e["at"])) } td { (s(&e["step"])) } td { (s(&e["outcome"])) }
                            td { (s(&e["version"])) } td { (s(&e["detail"])) }
                        }
                    }
                }
            }
        }
        p.muted { "Every step is also in the activity log." }
    }
}
