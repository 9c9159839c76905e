//! CSV import of bulletins (administrators): the form, which says which
//! of the export's columns are imported and which are not, and a job's
//! progress with every refused row by line.

use custodian_core::evidence::csv_import::Job;
use custodian_core::evidence::record_imports::COLUMNS;
use maud::{html, Markup};

use super::imports::{job_page, JobPage};
use super::layout::{csrf_field, layout, Area, Page, Viewer};
use super::with_code;
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
                    li { (with_code("import-bulletins-imported", &[("columns", "title_ar, title_en, description_ar, description_en")])) }
                    li { (with_code("import-bulletins-status", &[("column", "status")])) }
                    li { (with_code("import-bulletins-ignored", &[("columns", "id, revision, updated_utc")])) }
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

/// A job of bulletins: it leads to the list of bulletins.
pub(crate) fn job(v: &Viewer, j: &Job) -> Markup {
    let page = JobPage {
        title: t("import-bulletins-heading"),
        area: Area::ImportBulletins,
        form_name: t("import-bulletins-heading"),
        form: "/admin/import/bulletins",
        list: "/bulletins".to_owned(),
        see: t("import-bulletins-see"),
    };
    job_page(v, j, &page)
}
