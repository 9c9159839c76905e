//! CSV import of reference data (administrators) and the read-only lists
//! of labels, sources and locations.

use custodian_core::evidence::imports::{Job, Kind};
use maud::{html, Markup};

use super::layout::{csrf_field, layout, Area, Page, Viewer};

/// The upload form. `kinds`: (value, what the file holds).
pub(crate) fn form(
    v: &Viewer,
    csrf: &str,
    kinds: &[(&str, &str)],
    max_mib: usize,
    max_rows: usize,
) -> Markup {
    layout(
        &Page::signed("Import", v, Area::Import).csrf(csrf),
        html! {
            section.card.narrow {
                h1 { "Import reference data" }
                p { "A CSV file (UTF-8, at most " (max_mib) " MiB and " (max_rows) " rows) whose first line names the columns. Every row is checked; \
        rows that fail are listed with their line and the reason, and the others are added." }
                form method="post" action="/admin/import" enctype="multipart/form-data" {
                    (csrf_field(csrf))
                    label for="kind" { "What the file holds" }
                    select #kind name="kind" { @for (value, label) in kinds { option value=(value) { (label) } } }
                    label for="file" { "CSV file" }
                    input #file name="file" type="file" accept=".csv,text/csv" required;
                    button type="submit" { "Import" }
                }
            }
        },
    )
}

/// An import's progress; while it runs the page reloads itself (no
/// script needed).
pub(crate) fn job(v: &Viewer, j: &Job) -> Markup {
    let percent = if j.total > 0 {
        j.processed * 100 / j.total
    } else {
        100
    };
    layout(
        &Page::signed("Import", v, Area::Import)
            .trail("Import reference data", "/admin/import")
            .refresh((j.status == "running").then_some(1)),
        html! {
            section.card {
                h1 { "Import " (j.id) " of " (j.file_name) }
                p {
                    progress max="100" value=(percent) { (percent) "%" }
                    " " (j.processed) " of " (j.total) " rows checked (" (percent) "%). Status: " strong { (j.status) } "."
                }
                p { "Added: " (j.accepted) ". Not imported: " (j.rejected.len()) "." }
                @if !j.rejected.is_empty() {
                    h2 { "Rows not imported" }
                    div.table {
                        table {
                            thead { tr { th { "Line" } th { "Why" } } }
                            tbody { @for (line, why) in &j.rejected { tr { td { (line) } td { (crate::i18n::problem(why)) } } } }
                        }
                    }
                }
                p {
                    a href={"/reference?kind=" (j.kind)} { "See the " (j.kind) }
                    " · "
                    a href="/admin/import" { "Import another file" }
                }
            }
        },
    )
}

/// `/reference?kind=`: every row of one kind of reference data.
pub(crate) fn reference(v: &Viewer, kind: Kind, rows: &[Vec<String>]) -> Markup {
    let (title, area) = match kind {
        Kind::Labels => ("Labels", Area::Labels),
        Kind::Sources => ("Sources", Area::Sources),
        Kind::Locations => ("Locations", Area::Locations),
    };
    layout(
        &Page::signed(title, v, area).wide(),
        html! {
            section.card {
                h1 { (title) }
                div.table {
                    table {
                        thead { tr { @for c in kind.columns() { th { (c) } } } }
                        tbody { @for r in rows { tr { @for cell in r { td { (cell) } } } } }
                    }
                }
            }
        },
    )
}
