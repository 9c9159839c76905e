//! `/admin/updates`: what custodian-updated reports, and the forms that
//! ask it to check or to install a signed version.

use custodian_core::error::{Arg, Problem};
use fluent_bundle::FluentValue;
use maud::{html, Markup};

use super::layout::{alert, csrf_field, layout, Area, Page, Viewer};
use crate::i18n::{t, t_with};

const PAGE: &str = "/admin/updates";

/// Why custodian-updated could not be asked: the names of files and
/// tables it gives as code, the updater's own words isolated.
fn unavailable(p: &Problem) -> Markup {
    let marks: Vec<Markup> = p
        .args
        .iter()
        .map(|(name, value)| {
            let text = match value {
                Arg::Text(text) => text.to_string(),
                Arg::Number(n) => n.to_string(),
            };
            match *name {
                "reason" => html! { bdi { (text) } },
                _ => html! { code dir="ltr" { (text) } },
            }
        })
        .collect();
    let values: Vec<(&str, FluentValue<'_>)> = p
        .args
        .iter()
        .enumerate()
        .map(|(i, (name, _))| (*name, super::evidence::slot(i)))
        .collect();
    super::evidence::marked(&t_with(p.key, &values), &marks)
}

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
            button type="submit" { (t("updates-check")) }
        }
    }
}

/// `status`: what custodian-updated said, or why it could not be asked.
pub(crate) fn page(
    v: &Viewer,
    csrf: &str,
    status: Result<&serde_json::Value, &Problem>,
    message: Option<&str>,
) -> Markup {
    let busy = status.is_ok_and(|st| st["busy"].as_bool() == Some(true));
    let title = t("nav-admin-updates");
    layout(
        &Page::signed(&title, v, Area::Updates)
            .csrf(csrf)
            .refresh(busy.then_some(2))
            .wide(),
        html! {
            section.card {
                h1 { (title) }
                (alert(message))
                @match status {
                    Err(e) => {
                        p.error role="alert" { (unavailable(e)) }
                        // Starting the updater helps only when it is configured but not running.
                        @if e.key == "updates-unreachable" {
                            p.muted { (t("updates-start-before")) " " code dir="ltr" { "systemctl start custodian-updated" } (t("updates-start-after")) }
                        }
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
            dt { (t("updates-installed")) } dd #installed dir="ltr" { (s(&st["installed"])) }
            dt { (t("updates-release-dir")) } dd dir="ltr" { (s(&st["release_dir"])) }
            dt { (t("updates-floor")) } dd dir="ltr" { (s(&st["floor"])) }
            dt { (t("updates-state")) }
            dd #update-state {
                bdi { (s(&st["step"])) }
                @if busy { " " (t_with("updates-installing", &[("version", s(&st["updating_to"]).into())])) }
            }
            dt { (t("updates-refused-here")) }
            dd { @if bad.is_empty() { (t("updates-none")) } @else { span dir="ltr" { (bad.join(", ")) } } }
        }
        (check_form(csrf))
        @if check.is_object() {
            h2 { (t("updates-last-check")) }
            @if check["ok"].as_bool() == Some(true) {
                p { (t_with("updates-verified", &[("when", when(&check["at"]).into())])) }
                div.table {
                    table {
                        thead { tr { th { (t("updates-version")) } th { (t("updates-status")) } th {} } }
                        tbody {
                            @for r in check["releases"].as_array().into_iter().flatten() {
                                @let version = s(&r["version"]);
                                @let installable = r["installable"].as_bool() == Some(true);
                                tr {
                                    td dir="ltr" { (version) }
                                    td { @if installable { (t("updates-installable")) } @else { bdi { (s(&r["why_not"])) } } }
                                    td {
                                        @if installable && !busy {
                                            form method="post" action=(PAGE) {
                                                (csrf_field(csrf))
                                                input type="hidden" name="action" value="apply";
                                                input type="hidden" name="version" value=(version);
                                                button type="submit" { (t_with("updates-install", &[("version", version.as_str().into())])) }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            } @else {
                p { span dir="ltr" { (when(&check["at"])) } ": " strong.error { (t("updates-refused")) } ": " bdi { (s(&check["error"])) } }
            }
        }
        h2 { (t("updates-steps")) }
        div.table {
            table {
                thead { tr { th { (t("updates-when")) } th { (t("updates-step")) } th { (t("updates-outcome")) } th { (t("updates-version")) } th { (t("updates-detail")) } } }
                tbody {
                    @for e in events.iter().rev().take(30) {
                        tr {
                            td { span dir="ltr" { (when(&e["at"])) } } td dir="ltr" { (s(&e["step"])) } td dir="ltr" { (s(&e["outcome"])) }
                            td dir="ltr" { (s(&e["version"])) } td dir="auto" { (s(&e["detail"])) }
                        }
                    }
                }
            }
        }
        p.muted { (t("updates-in-activity-log")) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{scope, Lang};

    #[tokio::test]
    async fn starting_the_updater_is_offered_only_when_it_is_not_running() {
        let v = Viewer {
            username: "mona".into(),
            role: "role-admin",
            ..Viewer::default()
        };
        let shown = |p: Problem| {
            let v = v.clone();
            scope(Lang::En, async move {
                page(&v, "c", Err(&p), None).into_string()
            })
        };
        let unconfigured = shown(
            Problem::new("updates-not-configured")
                .with("file", "custodiand.toml")
                .with("table", "[updates]"),
        )
        .await;
        assert!(
            unconfigured.contains("<code dir=\"ltr\">custodiand.toml</code> has no <code dir=\"ltr\">[updates]</code> table")
                && !unconfigured.contains("systemctl start"),
            "{unconfigured}"
        );
        let stopped = shown(Problem::new("updates-unreachable")).await;
        assert!(
            stopped.contains("systemctl start custodian-updated"),
            "{stopped}"
        );
    }
}
