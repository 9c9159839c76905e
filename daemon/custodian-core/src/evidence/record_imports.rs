//! CSV import of bulletins (issue 16), in the CSV export's own format, so
//! that an export imported again gives bulletins with the same Arabic and
//! English titles and descriptions. The file is checked as every CSV
//! import's is ([`super::csv_import::rows`]: size, UTF-8 with or without a byte-order
//! mark, the exact header, the row limit, no spreadsheet formulas, every
//! refused row reported with its line and reason); then a background job
//! creates each good row through [`items::create`], the path of a bulletin
//! created on the page: revision 1 in its history, `bulletin.created` in
//! the activity log, row-level security as the importer, and the access
//! groups the importer gives (checked as on the page).
//!
//! Of the export's columns, the four texts are imported. `status` is
//! checked (a status the workflow does not know refuses the row), but an
//! imported bulletin starts unassigned, as one created on the page: who
//! works on it and who reviews it is decided here, not by the file. `id`,
//! `revision` and `updated_utc` are ignored (the appliance numbers and
//! dates its own records); they are still checked for formulas.

use std::sync::Arc;

use serde_json::json;

use super::bilingual::{self, Both};
use super::csv_import::{self, rows, text, Import, NewJob, Progress, Upload};
use super::items::{self, Kind, Refused};
use crate::error::{CoreError, Problem};
use crate::policy::{permit, workflow::Status, CreateBulletin, ImportBulletins, Permit};
use crate::pool::Database;

/// The CSV export's header ([`super::exports::CSV_HEAD`]), the header an
/// import file must have.
pub const COLUMNS: &[&str] = &[
    "id",
    "title_ar",
    "title_en",
    "description_ar",
    "description_en",
    "status",
    "revision",
    "updated_utc",
];

/// The columns whose values become the bulletin's.
pub const IMPORTED: &[&str] = &["title_ar", "title_en", "description_ar", "description_en"];

/// The columns read but not kept.
pub const IGNORED: &[&str] = &["id", "revision", "updated_utc"];

/// The kind an import job of bulletins is recorded with.
pub const JOB_KIND: &str = "bulletins";

/// A title's and a description's longest, as the bulletin form takes them.
const TITLE_MAX: usize = 300;
const DESCRIPTION_MAX: usize = 100_000;

/// The reasons a row of bulletins may be refused for, besides the
/// reference import's (the job page finds their keys again).
pub(crate) const ROW_KEYS: &[&str] = &[
    "import-record-no-title",
    "import-record-status",
    "import-record-refused",
];

/// One row's bulletin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bulletin {
    pub title: Both<String>,
    pub description: Both<String>,
}

/// A text as the export wrote it: [`super::exports::csv_cell`] puts an
/// apostrophe before a text a spreadsheet would run; it is not part of the
/// text, and is taken off once the cell is known to be no formula.
fn unguarded(t: String) -> String {
    match t.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest.to_owned(),
        _ => t,
    }
}

/// A description may hold what a form posts in a text area (line breaks
/// as CR LF, tabs): HTML's white space, so only the other control
/// characters are refused.
fn description(cell: &str, column: &str) -> Result<String, Problem> {
    text(
        &cell.replace(['\r', '\t'], " "),
        column,
        DESCRIPTION_MAX,
        false,
    )?;
    Ok(unguarded(cell.trim().to_owned()))
}

fn bulletin(cells: &csv::StringRecord) -> Result<Bulletin, Problem> {
    let c = |i: usize| cells.get(i).unwrap_or("");
    // Not kept, but no formula passes unnoticed in any column.
    for (i, column) in COLUMNS.iter().enumerate() {
        if IGNORED.contains(column) {
            text(c(i), column, 100, false)?;
        }
    }
    let title = Both {
        arabic: unguarded(text(c(1), "title_ar", TITLE_MAX, false)?),
        english: unguarded(text(c(2), "title_en", TITLE_MAX, false)?),
    };
    let description = Both {
        arabic: description(c(3), "description_ar")?,
        english: description(c(4), "description_en")?,
    };
    let status = text(c(5), "status", 40, false)?;
    if !status.is_empty() && Status::parse(&status).is_none() {
        return Err(Problem::new("import-record-status").with("value", format!("{status:?}")));
    }
    if bilingual::main_language(title.map(|t| t.as_str()), None).is_none() {
        return Err(Problem::new("import-record-no-title"));
    }
    Ok(Bulletin { title, description })
}

/// Checks the whole file. `Err` is a problem with the file itself (its
/// size, encoding, header or length); row problems are in `rejected`.
pub fn parse(bytes: &[u8]) -> Result<Parsed, Problem> {
    rows(&[COLUMNS], bytes, |r, _| bulletin(r))
}

pub type Parsed = csv_import::Parsed<Bulletin>;

/// Records the job and starts it in the background; returns its id. The
/// importer must also be allowed to create bulletins, and to restrict
/// them to `access_groups` (as the form's field: none is everyone; checked
/// now, for the whole file).
pub async fn start(
    db: Arc<Database>,
    permit_to_import: &Permit<ImportBulletins>,
    upload: Upload<'_>,
    access_groups: Vec<String>,
    parsed: Parsed,
) -> Result<i64, Refused> {
    let actor = permit_to_import.actor().clone();
    let may_create = permit::<CreateBulletin>(actor)
        .map_err(|_| Refused::Policy(Problem::new("import-record-create")))?;
    if !crate::policy::may_restrict_to(may_create.actor(), &access_groups) {
        return Err(Refused::Policy(
            Problem::new("record-restrict-own").with("kind", Kind::Bulletin.noun()),
        ));
    }
    let job = NewJob {
        kind: JOB_KIND,
        user_id: may_create.actor().user_id,
        started: json!({"access_groups": access_groups}),
        outcome: json!({"kind": JOB_KIND}),
        upload,
    };
    let create = CreateBulletins {
        permit: may_create,
        username: job.upload.username.clone(),
        access_groups,
    };
    Ok(csv_import::start(db, create, job, parsed).await?)
}

/// Each row's bulletin created as on the page, in its own transaction;
/// the job's progress is kept after each batch.
struct CreateBulletins {
    permit: Permit<CreateBulletin>,
    username: String,
    access_groups: Vec<String>,
}

impl Import for CreateBulletins {
    type Row = Bulletin;
    const BATCH: usize = 50;

    async fn add(
        &self,
        db: &Database,
        rows: &[(usize, Bulletin)],
        progress: &mut Progress,
    ) -> Result<(), CoreError> {
        let mut refused = Vec::new();
        for (line, b) in rows {
            let content = items::Content {
                title: b.title.map(String::as_str),
                description: b.description.map(String::as_str),
                details: json!({}),
                access_groups: self.access_groups.clone(),
            };
            let created =
                items::create(db, Kind::Bulletin, &self.permit, &self.username, &content).await;
            match created {
                Ok(_) => {}
                Err(Refused::Account(e)) => return Err(e),
                // A reason of the import's own is shown as it is, any
                // other as the row's being refused.
                Err(Refused::Policy(why) | Refused::Invalid(why))
                    if ROW_KEYS.contains(&why.key) =>
                {
                    refused.push((*line, why));
                }
                Err(_) => refused.push((*line, Problem::new("import-record-refused"))),
            }
        }
        let c = db.client().await?;
        let pg: &tokio_postgres::Client = &c;
        progress.record(pg, rows.len(), &refused).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::exports::{csv_cell, CSV_HEAD};

    #[test]
    fn the_header_is_the_exports() {
        assert_eq!(format!("{}\r\n", COLUMNS.join(",")), CSV_HEAD);
        for c in IMPORTED.iter().chain(IGNORED) {
            assert!(COLUMNS.contains(c), "{c}");
        }
    }

    #[test]
    fn an_exported_row_reads_back_as_it_was() {
        let row = |cells: [&str; 8]| {
            cells
                .iter()
                .map(|c| csv_cell(c))
                .collect::<Vec<_>>()
                .join(",")
        };
        let file = format!(
            "\u{feff}{CSV_HEAD}{}\r\n{}\r\n",
            row([
                "7",
                "قَصْفُ مُسْتَشْفَى الأَمَل",
                "Shelling of Al-Amal hospital",
                "<p>شهود\r\nعند البوابة</p>",
                "<p>Witnesses</p>",
                "peer_review",
                "3",
                "2025-01-02 03:04:05",
            ]),
            row(["", "", "-5 killed", "", "=not a formula here", "", "", ""]),
        );
        let p = parse(file.as_bytes()).expect("parsed");
        assert!(p.rejected.is_empty(), "{:?}", p.rejected);
        assert_eq!(
            p.rows[0],
            (
                2,
                Bulletin {
                    title: Both {
                        arabic: "قَصْفُ مُسْتَشْفَى الأَمَل".into(),
                        english: "Shelling of Al-Amal hospital".into()
                    },
                    description: Both {
                        arabic: "<p>شهود\r\nعند البوابة</p>".into(),
                        english: "<p>Witnesses</p>".into()
                    },
                }
            )
        );
        // The export's apostrophe before a would-be formula is taken off.
        assert_eq!(p.rows[1].1.title.english, "-5 killed");
        assert_eq!(p.rows[1].1.description.english, "=not a formula here");
        // The line of the second row counts the first's line break.
        assert_eq!(p.rows[1].0, 4);
    }

    #[test]
    fn formulas_bad_rows_and_arabic_only_rows() {
        let file = format!(
            "{CSV_HEAD}\
             ,غارة على السوق,,وصف,,,,\n\
             ,=HYPERLINK(\"x\"),,,,,,\n\
             ,,,,,,,\n\
             ,عنوان,,,,archived,,\n\
             @1,عنوان,,,,,,\n\
             ,قصير\n\
             ,حلب,,,,unassigned,,\n"
        );
        let p = parse(file.as_bytes()).expect("parsed");
        let read: Vec<(usize, &str)> = p
            .rows
            .iter()
            .map(|(l, b)| (*l, b.title.arabic.as_str()))
            .collect();
        assert_eq!(read, [(2, "غارة على السوق"), (8, "حلب")]);
        let refused: Vec<(usize, &str)> = p.rejected.iter().map(|(l, w)| (*l, w.key)).collect();
        assert_eq!(
            refused,
            [
                (3, "import-cell-formula"),
                (4, "import-record-no-title"),
                (5, "import-record-status"),
                (6, "import-cell-formula"),
                (7, "import-row-fields"),
            ]
        );
        assert_eq!(
            parse(b"title,description\nx,y\n").unwrap_err().key,
            "import-header-mismatch"
        );
    }
}
