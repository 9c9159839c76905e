//! CSV import of bulletins (issue 16), in the CSV export's own format, so
//! that an export imported again gives bulletins with the same Arabic and
//! English titles and descriptions. The file is checked as reference data
//! is ([`super::imports::rows`]: size, UTF-8 with or without a byte-order
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
use super::imports::{reason_json, rows, text};
use super::items::{self, Kind, Refused};
use crate::error::{CoreError, Problem};
use crate::identity::accounts::audit;
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

/// Bulletins created between two updates of the job's progress.
const BATCH: usize = 50;

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

#[derive(Debug, Default)]
pub struct Parsed {
    /// (line, bulletin)
    pub rows: Vec<(usize, Bulletin)>,
    /// (line, reason)
    pub rejected: Vec<(usize, Problem)>,
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
    let (rows, rejected) = rows(&[COLUMNS], bytes, |r, _| bulletin(r))?;
    Ok(Parsed { rows, rejected })
}

/// What one import is: who, the file, and the access groups every
/// bulletin it creates gets (as the form's field: none is everyone).
pub struct Request<'a> {
    pub username: String,
    pub file_name: &'a str,
    pub sha256: &'a str,
    pub access_groups: Vec<String>,
}

/// Records the job and starts it in the background; returns its id. The
/// importer must also be allowed to create bulletins, and to restrict
/// them to `access_groups` (checked now, for the whole file).
pub async fn start(
    db: Arc<Database>,
    permit_to_import: &Permit<ImportBulletins>,
    request: Request<'_>,
    parsed: Parsed,
) -> Result<i64, Refused> {
    let actor = permit_to_import.actor().clone();
    let may_create = permit::<CreateBulletin>(actor)
        .map_err(|_| Refused::Policy(Problem::new("import-record-create")))?;
    if !crate::policy::may_restrict_to(may_create.actor(), &request.access_groups) {
        return Err(Refused::Policy(
            Problem::new("record-restrict-own").with("kind", Kind::Bulletin.noun()),
        ));
    }
    let user_id = may_create.actor().user_id;
    let total = (parsed.rows.len() + parsed.rejected.len()) as i32;
    let rejected: Vec<_> = parsed
        .rejected
        .iter()
        .map(|(line, why)| reason_json(*line, why))
        .collect();
    let Request {
        username,
        file_name,
        sha256,
        access_groups,
    } = request;
    let id: i64 = {
        let c = db.client().await.map_err(CoreError::from)?;
        let pg: &tokio_postgres::Client = &c;
        let id: i64 = pg
            .query_one(
                "INSERT INTO import_job (kind, requested_by, file_name, sha256, total, processed, rejected) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                &[&JOB_KIND, &user_id, &file_name, &sha256, &total, &(parsed.rejected.len() as i32), &json!(rejected)],
            )
            .await?
            .get(0);
        audit(
            pg,
            &username,
            "import.started",
            &format!("import/{id}"),
            json!({"kind": JOB_KIND, "file": file_name, "sha256": sha256, "rows": total,
                   "access_groups": access_groups}),
        )
        .await?;
        id
    };
    tokio::spawn(async move {
        let job = Job {
            db: &db,
            id,
            permit: &may_create,
            username: &username,
            access_groups: &access_groups,
        };
        if let Err(e) = job.run(parsed.rows).await {
            tracing::warn!(target: "imports", job = id, error = %e, "import of bulletins failed");
            if let Ok(c) = db.client().await {
                let pg: &tokio_postgres::Client = &c;
                let _ = pg
                    .execute(
                        "UPDATE import_job SET status = 'failed', finished_at = now() WHERE id = $1",
                        &[&id],
                    )
                    .await;
                let _ = audit(
                    pg,
                    &username,
                    "import.failed",
                    &format!("import/{id}"),
                    json!({"kind": JOB_KIND}),
                )
                .await;
            }
        }
    });
    Ok(id)
}

/// A running import: what each bulletin is created with.
struct Job<'a> {
    db: &'a Database,
    id: i64,
    permit: &'a Permit<CreateBulletin>,
    username: &'a str,
    access_groups: &'a [String],
}

impl Job<'_> {
    async fn run(&self, rows: Vec<(usize, Bulletin)>) -> Result<(), CoreError> {
        let mut accepted = 0i32;
        for batch in rows.chunks(BATCH) {
            let mut refused = Vec::new();
            for (line, b) in batch {
                let content = items::Content {
                    title: b.title.map(String::as_str),
                    description: b.description.map(String::as_str),
                    details: json!({}),
                    access_groups: self.access_groups.to_vec(),
                };
                // Each in its own transaction, as on the page.
                match items::create(
                    self.db,
                    Kind::Bulletin,
                    self.permit,
                    self.username,
                    &content,
                )
                .await
                {
                    Ok(_) => accepted += 1,
                    Err(Refused::Account(e)) => return Err(e),
                    Err(Refused::Policy(why) | Refused::Invalid(why)) => {
                        let why = if ROW_KEYS.contains(&why.key) {
                            why
                        } else {
                            Problem::new("import-record-refused")
                        };
                        refused.push(reason_json(*line, &why));
                    }
                    Err(Refused::NotFound(_)) => {
                        refused.push(reason_json(*line, &Problem::new("import-record-refused")));
                    }
                }
            }
            let c = self.db.client().await?;
            let pg: &tokio_postgres::Client = &c;
            pg.execute(
                "UPDATE import_job SET processed = processed + $2, accepted = $3, rejected = rejected || $4 WHERE id = $1",
                &[&self.id, &(batch.len() as i32), &accepted, &json!(refused)],
            )
            .await?;
        }
        let c = self.db.client().await?;
        let pg: &tokio_postgres::Client = &c;
        let row = pg
            .query_one(
                "UPDATE import_job SET status = 'done', finished_at = now() WHERE id = $1 RETURNING jsonb_array_length(rejected)",
                &[&self.id],
            )
            .await?;
        audit(
            pg,
            self.username,
            "import.finished",
            &format!("import/{}", self.id),
            json!({"kind": JOB_KIND, "accepted": accepted, "rejected": row.get::<_, i32>(0)}),
        )
        .await
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
