//! CSV import of reference data (administrators) and the read-only lists
//! of labels, sources and locations; the job's page of both imports.

use custodian_core::evidence::csv_import::Job;
use custodian_core::evidence::imports::Kind;
use maud::{html, Markup};

use super::layout::{csrf_field, layout, Area, Page, Viewer};
use crate::i18n::{t, t_with};

/// An import's status (the status's own word in English).
fn status_name(status: &str) -> String {
    match status {
        "running" => t("import-status-running"),
        "done" => t("import-status-done"),
        "failed" => t("import-status-failed"),
        other => other.to_owned(),
    }
}

/// A column of reference data (the CSV column's name in English).
fn column_name(column: &str) -> String {
    match column {
        "title" => t("reference-column-title"),
        "title_ar" => t("reference-column-title-arabic"),
        "title_en" => t("reference-column-title-english"),
        "description" => t("reference-column-description"),
        "url" => t("reference-column-url"),
        "latitude" => t("reference-column-latitude"),
        "longitude" => t("reference-column-longitude"),
        "country_code" => t("reference-column-country-code"),
        other => other.to_owned(),
    }
}

/// The upload form. `kinds`: (value, catalogue key of what the file
/// holds).
pub(crate) fn form(
    v: &Viewer,
    csrf: &str,
    kinds: &[(&str, &str)],
    max_mib: usize,
    max_rows: usize,
) -> Markup {
    let title = t("nav-admin-import");
    layout(
        &Page::signed(&title, v, Area::Import).csrf(csrf),
        html! {
            section.card.narrow {
                h1 { (t("import-heading")) }
                p {
                    (t_with("import-intro", &[
                        ("mib", max_mib.to_string().into()),
                        ("rows", max_rows.to_string().into()),
                    ]))
                }
                ul {
                    @for (value, label) in kinds {
                        @if let Some(kind) = Kind::parse(value) {
                            li { (t(label)) ": " code dir="ltr" { (kind.columns().join(",")) } }
                        }
                    }
                }
                p.muted { (super::with_code("import-names", &[("ar", "title_ar"), ("en", "title_en"), ("old", "title")])) }
                form method="post" action="/admin/import" enctype="multipart/form-data" {
                    (csrf_field(csrf))
                    label for="kind" { (t("import-kind")) }
                    select #kind name="kind" { @for (value, label) in kinds { option value=(value) { (t(label)) } } }
                    label for="file" { (t("import-file")) }
                    input #file name="file" type="file" accept=".csv,text/csv" required;
                    button type="submit" { (t("import-button")) }
                }
            }
        },
    )
}

/// What differs between the imports' job pages: the page's title and
/// place in the navigation, the import's form (the trail's step back to
/// it, "import another file") and the list of what the import made.
pub(crate) struct JobPage {
    pub title: String,
    pub area: Area,
    /// The form's name in the trail, and its address.
    pub form_name: String,
    pub form: &'static str,
    /// The list's address, and the words of the link to it.
    pub list: String,
    pub see: String,
}

/// An import's progress, whichever import it is; while it runs the page
/// reloads itself (no script needed).
pub(crate) fn job_page(v: &Viewer, j: &Job, page: &JobPage) -> Markup {
    let percent = if j.total > 0 {
        j.processed * 100 / j.total
    } else {
        100
    };
    layout(
        &Page::signed(&page.title, v, page.area)
            .trail(&page.form_name, page.form)
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
                    a href=(page.list) { (page.see) }
                    " · "
                    a href=(page.form) { (t("import-another")) }
                }
            }
        },
    )
}

/// A job of reference data: it leads to the list of its kind.
pub(crate) fn job(v: &Viewer, j: &Job) -> Markup {
    let see = match j.kind.as_str() {
        "labels" => t("import-see-labels"),
        "sources" => t("import-see-sources"),
        "locations" => t("import-see-locations"),
        other => other.to_owned(),
    };
    let page = JobPage {
        title: t("nav-admin-import"),
        area: Area::Import,
        form_name: t("import-heading"),
        form: "/admin/import",
        list: format!("/reference?kind={}", j.kind),
        see,
    };
    job_page(v, j, &page)
}

/// `/reference?kind=`: every row of one kind of reference data.
pub(crate) fn reference(v: &Viewer, kind: Kind, rows: &[Vec<String>]) -> Markup {
    let (title, area) = match kind {
        Kind::Labels => (t("nav-labels"), Area::Labels),
        Kind::Sources => (t("nav-sources"), Area::Sources),
        Kind::Locations => (t("nav-locations"), Area::Locations),
    };
    layout(
        &Page::signed(&title, v, area).wide(),
        html! {
            section.card {
                h1 { (title) }
                // Each cell keeps the page's alignment, its text isolated
                // in its own direction (an English name in an Arabic page
                // lines up with its column's heading); on a phone each
                // entry is a block of labelled lines.
                div.table {
                    table.stack {
                        thead { tr { @for c in kind.columns() { th { (column_name(c)) } } } }
                        tbody {
                            @for r in rows {
                                tr {
                                    @for (column, cell) in kind.columns().iter().zip(r) {
                                        td data-label=(column_name(column)) {
                                            @match *column {
                                                "title_ar" => bdi lang="ar" { (cell) },
                                                "title_en" => bdi lang="en" { (cell) },
                                                _ => bdi { (cell) },
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
