//! Background searches: the page a list answers with when it goes on in
//! the background, and a job's page (its status, then its results as the
//! reader may read them now).

use custodian_core::evidence::items::Kind;
use custodian_core::evidence::search_jobs::Job;
use fluent_bundle::FluentValue;
use maud::{html, Markup};

use super::evidence::{area, kind_words, status_key, thousands, title_label, who};
use super::layout::{layout, when, Page, Viewer};
use crate::i18n::{t, t_with};

fn job_path(id: i64) -> String {
    format!("/searches/job?id={id}")
}

/// The list's answer (202) when its search runs past the interactive
/// budget: it goes on, a notification will say when it is ready, and
/// the job's page follows it.
pub(crate) fn moved(viewer: &Viewer, kind: Kind, id: i64) -> Markup {
    let plural = t(kind_words(kind).plural);
    layout(
        &Page::signed(&t("search-moved-title"), viewer, area(kind)).trail(&plural, kind.path()),
        html! {
            section.card {
                h1 { (t("search-moved-title")) }
                p { (t("search-moved-text")) }
                p { a.button href=(job_path(id)) { (t_with("search-moved-link", &[("id", id.into())])) } }
            }
        },
    )
}

pub(crate) fn job(viewer: &Viewer, j: &Job) -> Markup {
    let words = kind_words(j.kind);
    let plural = t(words.plural);
    let title = t_with("search-job-title", &[("id", j.id.into())]);
    let page_link = |p: usize| format!("{}&page={p}", job_path(j.id));
    let capped = if j.capped { "yes" } else { "no" };
    let found = t_with(
        "search-job-done",
        &[
            ("count", FluentValue::from(j.matched as i64)),
            ("shown", FluentValue::from(thousands(j.matched as i64))),
            ("capped", FluentValue::from(capped)),
        ],
    );
    layout(
        &Page::signed(&title, viewer, area(j.kind))
            .wide()
            .trail(&plural, j.kind.path())
            .refresh((j.status == "running").then_some(2)),
        html! {
            section.card {
                h1 { (title) " · " (plural) }
                p.muted { (t("search-job-started")) " " (when(j.created)) ". " (t("search-job-kept")) " " (when(j.expires)) "." }
                @match j.status.as_str() {
                    "running" => { p { (t("search-job-running")) } },
                    "failed" => { p { (t("search-job-failed")) } },
                    _ => {
                        p { (found) }
                        @if j.hidden > 0 {
                            p.muted { (t_with("search-job-hidden", &[("count", (j.hidden as i64).into())])) }
                        }
                        @if j.rows.is_empty() {
                            p.muted { (t(words.none_match)) }
                        } @else {
                            div.table {
                                table {
                                    thead { tr { th { "#" } th { (title_label(j.kind)) } th { (t("records-status")) } th { (t("records-assigned-to")) } th { (t("records-updated-utc")) } } }
                                    tbody {
                                        @for r in &j.rows {
                                            tr {
                                                td { (r.id) }
                                                td dir="auto" { a href={(j.kind.path()) "/view?id=" (r.id)} { (r.title) } }
                                                td { (t(status_key(r.status))) }
                                                td { (who(&r.assignee)) }
                                                td { (when(r.updated)) }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                        p.pages {
                            @if j.page > 1 {
                                a href=(page_link(j.page - 1)) rel="prev" { (t("records-previous-page")) } " "
                            }
                            (t_with("search-job-page", &[("page", (j.page as i64).into()), ("pages", (j.pages as i64).into())]))
                            @if j.page < j.pages {
                                " " a href=(page_link(j.page + 1)) rel="next" { (t("records-next-page")) }
                            }
                        }
                    },
                }
                p { a href={(j.kind.path()) "?" (j.query)} { (t("search-job-again")) } }
            }
        },
    )
}
