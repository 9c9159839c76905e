//! CSV import of bulletins (administrators): the form, which says which
//! of the export's columns are imported and which are not, and a job's
//! progress with every refused row by line.

use custodian_core::evidence::csv_import::Job;
use custodian_core::evidence::record_imports::COLUMNS;
use maud::{html, Markup};

use super::layout::{csrf_field, layout, Area, Page, Viewer};
use crate::i18n::{t, t_with};

/// The upload form.
pub(crate) fn form(v: &Viewer, csrf: &str, max_mib: usize, max_rows: usize) -> Markup {
    let title = t("import-bulletins-heading");
    layout(
        &Page::signed(&title, v, Area::ImportBulletins).csrf(csrf),
        html! {
            section.card.narrow {
                h1 { (title) }
                p {
                    (t_with("import-bulletins-intro", &[
                        ("mib", max_mib.to_string().into()),
                        ("rows", max_rows.to_string().into()),
                    ]))
                }
                p dir="ltr" { code { (COLUMNS.join(",")) } }
                ul {
                    li { (t("import-bulletins-imported")) }
                    li { (t("import-bulletins-status")) }
                    li { (t("import-bulletins-ignored")) }
                    li { (t("import-bulletins-formulas")) }
                    li { (t("import-bulletins-created")) }
                }
                form method="post" action="/admin/import/bulletins" enctype="multipart/form-data" {
                    (csrf_field(csrf))
                    label for="groups" { (t("records-groups")) }
                    input #groups name="groups" maxlength="500" dir="auto";
                    label for="file" { (t("import-file")) }
                    input #file name="file" type="file" accept=".csv,text/csv" required;
                    button type="submit" { (t("import-button")) }
                }
            }
        },
    )
}

/// A job's status (the status's own word in English).
fn status_name(status: &str) -> String {
    match status {
        "running" => t("import-status-running"),
        "done" => t("import-status-done"),
        "failed" => t("import-status-failed"),
        other => other.to_owned(),
    }
}

/// An import's progress; while it runs the page reloads itself (no
/// script needed).
pub(crate) fn job(v: &Viewer, j: &Job) -> Markup {
    let percent = if j.total > 0 {
        j.processed * 100 / j.total
    } else {
        100
    };
    let heading = t("import-bulletins-heading");
    layout(
        &Page::signed(&heading, v, Area::ImportBulletins)
            .trail(&heading, "/admin/import/bulletins")
            .refresh((j.status == "running").then_some(1)),
        html! {
            section.card {
                h1 { (t_with("import-job", &[("id", j.id.to_string().into())])) " " bdi { (j.file_name) } }
                p {
                    progress max="100" value=(percent) { (percent) "%" }
                    " "
                    (t_with("import-progress", &[
                        ("processed", j.processed.to_string().into()),
                        ("total", j.total.to_string().into()),
                        ("percent", percent.to_string().into()),
                    ]))
                    " " strong { (status_name(&j.status)) } "."
                }
                p {
                    (t_with("import-counts", &[
                        ("accepted", j.accepted.to_string().into()),
                        ("rejected", j.rejected.len().to_string().into()),
                    ]))
                }
                @if !j.rejected.is_empty() {
                    h2 { (t("import-rejected-heading")) }
                    div.table {
                        table {
                            thead { tr { th { (t("import-line")) } th { (t("import-why")) } } }
                            tbody { @for (line, why) in &j.rejected { tr { td { (line) } td { (crate::i18n::problem(why)) } } } }
                        }
                    }
                }
                p {
                    a href="/bulletins" { (t("import-bulletins-see")) }
                    " · "
                    a href="/admin/import/bulletins" { (t("import-another")) }
                }
            }
        },
    )
}
