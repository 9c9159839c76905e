//! What both CSV imports share, whatever their rows become (reference data
//! in [`super::imports`], bulletins in [`super::record_imports`]): the
//! checks of the file, and the job that adds its good rows in the
//! background, batch by batch, keeping its progress and every refused row
//! with its line and reason; the job's start and outcome are in the
//! activity log.

use std::future::Future;
use std::sync::Arc;

use serde_json::{json, Value};
use tokio_postgres::GenericClient;

use crate::error::{CoreError, Problem};
use crate::identity::accounts::audit;
use crate::pool::Database;

pub const MAX_BYTES: usize = 5 * 1024 * 1024;
pub const MAX_ROWS: usize = 50_000;

/// A file as its checks left it.
#[derive(Debug)]
pub struct Parsed<R> {
    /// (line, row)
    pub rows: Vec<(usize, R)>,
    /// (line, reason)
    pub rejected: Vec<(usize, Problem)>,
}

/// One cell checked as text: no spreadsheet formula, no control character
/// but a line break, `required` not empty, at most `max` characters.
pub(crate) fn text(cell: &str, what: &str, max: usize, required: bool) -> Result<String, Problem> {
    let t = cell.trim();
    if t.starts_with(['=', '+', '-', '@']) {
        return Err(Problem::new("import-cell-formula")
            .with("column", what.to_owned())
            .with("start", t[..1].to_owned()));
    }
    if t.chars().any(|c| c.is_control() && c != '\n') {
        return Err(Problem::new("import-cell-control").with("column", what.to_owned()));
    }
    if required && t.is_empty() {
        return Err(Problem::new("import-cell-empty").with("column", what.to_owned()));
    }
    if t.chars().count() > max {
        return Err(Problem::new("import-cell-too-long")
            .with("column", what.to_owned())
            .with("max", max));
    }
    Ok(t.to_owned())
}

/// What every CSV import checks of the file: its size, UTF-8 (after an
/// optional byte-order mark), the header exactly one of `headers` (the
/// first is the one a refusal names), the number of rows and each row's
/// number of fields; `row` reads each row, told which header the file
/// has. `Err` is a problem with the file itself.
pub(crate) fn rows<R>(
    headers: &[&[&str]],
    bytes: &[u8],
    mut row: impl FnMut(&csv::StringRecord, usize) -> Result<R, Problem>,
) -> Result<Parsed<R>, Problem> {
    if bytes.len() > MAX_BYTES {
        return Err(Problem::new("import-file-too-large").with("mib", MAX_BYTES / 1024 / 1024));
    }
    let text = std::str::from_utf8(bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes))
        .map_err(|_| Problem::new("import-file-not-utf8"))?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        // The CSV reader's own words for what it could not read.
        .map_err(|e| Problem::new("import-header-unreadable").with("error", e.to_string()))?
        .iter()
        .map(|h| h.trim().to_lowercase())
        .collect();
    let Some(which) = headers.iter().position(|h| header == *h) else {
        let expected = headers.first().map(|h| h.join(",")).unwrap_or_default();
        return Err(Problem::new("import-header-mismatch")
            .with("expected", expected)
            .with("found", header.join(",")));
    };
    let columns = headers[which];
    let mut parsed = Parsed {
        rows: Vec::new(),
        rejected: Vec::new(),
    };
    let mut lines = Lines {
        text,
        byte: 0,
        line: 1,
    };
    for (i, result) in reader.records().enumerate() {
        if i >= MAX_ROWS {
            return Err(Problem::new("import-file-too-many-rows").with("max", MAX_ROWS));
        }
        let line = result
            .as_ref()
            .ok()
            .and_then(|r| r.position())
            .map_or(i + 2, |p| lines.at(p.byte() as usize));
        match result {
            Err(e) => parsed.rejected.push((
                line,
                Problem::new("import-row-unreadable").with("error", e.to_string()),
            )),
            Ok(r) if r.len() != columns.len() => parsed.rejected.push((
                line,
                Problem::new("import-row-fields")
                    .with("count", r.len())
                    .with("expected", columns.len()),
            )),
            Ok(r) => match row(&r, which) {
                Ok(read) => parsed.rows.push((line, read)),
                Err(why) => parsed.rejected.push((line, why)),
            },
        }
    }
    Ok(parsed)
}

/// The line a record starts on, counted from its byte offset. The CSV
/// reader's own count is one short after a CR LF line end (files saved on
/// Windows, and the export's own): it has not yet read the LF.
struct Lines<'a> {
    text: &'a str,
    /// Where the count has reached, and the line there.
    byte: usize,
    line: usize,
}

impl Lines<'_> {
    fn at(&mut self, byte: usize) -> usize {
        let mut end = byte.min(self.text.len());
        // A record does not start on the LF that ends the line before it.
        if self.text.as_bytes().get(end) == Some(&b'\n') {
            end += 1;
        }
        if end > self.byte {
            self.line += self.text.as_bytes()[self.byte..end]
                .iter()
                .filter(|b| **b == b'\n')
                .count();
            self.byte = end;
        }
        self.line
    }
}

/// What an import makes of the rows its file's checks let through.
pub(crate) trait Import: Send + Sync + 'static {
    type Row: Send + Sync + 'static;
    /// Rows added between two updates of the job's progress.
    const BATCH: usize;
    /// Adds `rows` (line, row), then records them in `progress`: in the
    /// transaction that adds them where they share one (the counts then
    /// commit with the rows), else once they are added.
    fn add(
        &self,
        db: &Database,
        rows: &[(usize, Self::Row)],
        progress: &mut Progress,
    ) -> impl Future<Output = Result<(), CoreError>> + Send;
}

/// A running job's count of rows added, kept with each batch.
pub(crate) struct Progress {
    job: i64,
    accepted: i32,
}

impl Progress {
    /// Records a batch of `rows` rows done, all added but the `refused`
    /// ones (line, reason).
    pub(crate) async fn record(
        &mut self,
        pg: &impl GenericClient,
        rows: usize,
        refused: &[(usize, Problem)],
    ) -> Result<(), CoreError> {
        self.accepted += (rows - refused.len()) as i32;
        let refused: Vec<Value> = refused
            .iter()
            .map(|(line, why)| reason_json(*line, why))
            .collect();
        pg.execute(
            "UPDATE import_job SET processed = processed + $2, accepted = $3, rejected = rejected || $4 WHERE id = $1",
            &[&self.job, &(rows as i32), &self.accepted, &json!(refused)],
        )
        .await?;
        Ok(())
    }
}

/// Who imports which file.
pub struct Upload<'a> {
    pub username: String,
    pub file_name: &'a str,
    pub sha256: &'a str,
}

/// A job to record: its kind (as its page and the activity log name it),
/// who asked and for what file, and what the activity log says of it
/// beyond the file and the counts (each import has its own details).
pub(crate) struct NewJob<'a> {
    pub kind: &'static str,
    pub user_id: i64,
    pub upload: Upload<'a>,
    /// Added to the details of `import.started`.
    pub started: Value,
    /// The details of `import.failed`, and of `import.finished` with the
    /// counts.
    pub outcome: Value,
}

/// `details` (a JSON object) with the keys of `more` (one too) added.
fn merged(mut details: Value, more: &Value) -> Value {
    if let (Some(d), Some(m)) = (details.as_object_mut(), more.as_object()) {
        d.extend(m.clone());
    }
    details
}

/// Records the job, with the rows the file's checks refused, and adds the
/// others in the background; returns the job's id.
pub(crate) async fn start<I: Import>(
    db: Arc<Database>,
    import: I,
    job: NewJob<'_>,
    parsed: Parsed<I::Row>,
) -> Result<i64, CoreError> {
    let Upload {
        username,
        file_name,
        sha256,
    } = job.upload;
    let total = (parsed.rows.len() + parsed.rejected.len()) as i32;
    let rejected: Vec<Value> = parsed
        .rejected
        .iter()
        .map(|(line, why)| reason_json(*line, why))
        .collect();
    let c = db.client().await?;
    let pg: &tokio_postgres::Client = &c;
    let id: i64 = pg
        .query_one(
            "INSERT INTO import_job (kind, requested_by, file_name, sha256, total, processed, rejected) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            &[&job.kind, &job.user_id, &file_name, &sha256, &total, &(parsed.rejected.len() as i32), &json!(rejected)],
        )
        .await?
        .get(0);
    let target = format!("import/{id}");
    let details = json!({"kind": job.kind, "file": file_name, "sha256": sha256, "rows": total});
    let details = merged(details, &job.started);
    audit(pg, &username, "import.started", &target, details).await?;
    let (kind, outcome) = (job.kind, job.outcome);
    tokio::spawn(async move {
        let done = run(&db, &import, id, &username, &target, &outcome, parsed.rows).await;
        let Err(e) = done else { return };
        tracing::warn!(target: "imports", job = id, kind, error = %e, "import failed");
        let Ok(c) = db.client().await else { return };
        let pg: &tokio_postgres::Client = &c;
        let _ = pg
            .execute(
                "UPDATE import_job SET status = 'failed', finished_at = now() WHERE id = $1",
                &[&id],
            )
            .await;
        let _ = audit(pg, &username, "import.failed", &target, outcome).await;
    });
    Ok(id)
}

/// Adds the rows batch by batch, then records the job done.
async fn run<I: Import>(
    db: &Database,
    import: &I,
    id: i64,
    username: &str,
    target: &str,
    outcome: &Value,
    rows: Vec<(usize, I::Row)>,
) -> Result<(), CoreError> {
    let mut progress = Progress {
        job: id,
        accepted: 0,
    };
    for batch in rows.chunks(I::BATCH) {
        import.add(db, batch, &mut progress).await?;
    }
    let c = db.client().await?;
    let pg: &tokio_postgres::Client = &c;
    let row = pg
        .query_one(
            "UPDATE import_job SET status = 'done', finished_at = now() WHERE id = $1 RETURNING jsonb_array_length(rejected)",
            &[&id],
        )
        .await?;
    let counts = json!({"accepted": progress.accepted, "rejected": row.get::<_, i32>(0)});
    let details = merged(counts, outcome);
    audit(pg, username, "import.finished", target, details).await
}

pub struct Job {
    pub id: i64,
    pub kind: String,
    pub file_name: String,
    pub status: String,
    pub total: i32,
    pub processed: i32,
    pub accepted: i32,
    /// (line, reason), in line order.
    pub rejected: Vec<(i64, Problem)>,
}

pub async fn job(db: &Database, id: i64) -> Result<Option<Job>, CoreError> {
    let c = db.client().await?;
    let pg: &tokio_postgres::Client = &c;
    let Some(r) = pg
        .query_opt(
            "SELECT id, kind, file_name, status, total, processed, accepted, rejected FROM import_job WHERE id = $1",
            &[&id],
        )
        .await?
    else {
        return Ok(None);
    };
    let mut rejected: Vec<(i64, Problem)> = r
        .get::<_, Value>(7)
        .as_array()
        .map(|a| {
            a.iter()
                .map(|v| (v["line"].as_i64().unwrap_or(0), reason_of(v)))
                .collect()
        })
        .unwrap_or_default();
    rejected.sort_by_key(|(l, _)| *l);
    Ok(Some(Job {
        id: r.get(0),
        kind: r.get(1),
        file_name: r.get(2),
        status: r.get(3),
        total: r.get(4),
        processed: r.get(5),
        accepted: r.get(6),
        rejected,
    }))
}

/// A refused row as the job keeps it: its line, the message's key and
/// its values, translated when the job is shown.
pub(crate) fn reason_json(line: usize, why: &Problem) -> Value {
    json!({"line": line, "key": why.key, "args": why.args_json()})
}

/// The reason of a stored row, its key found again among those each
/// import may refuse a row for. A job recorded before reasons were kept
/// by key has its English words, shown as they are (`import-row-stored`).
pub(crate) fn reason_of(v: &Value) -> Problem {
    let mut keys = super::imports::ROW_KEYS
        .iter()
        .chain(super::record_imports::ROW_KEYS);
    let stored = v["key"].as_str().and_then(|k| keys.find(|r| **r == k));
    let Some(key) = stored else {
        return Problem::new("import-row-stored")
            .with("reason", v["reason"].as_str().unwrap_or("").to_owned());
    };
    let mut p = Problem::new(key);
    let names: &[&'static str] = &[
        "column", "start", "max", "value", "min", "error", "count", "expected", "title",
    ];
    if let Some(args) = v["args"].as_object() {
        for (name, value) in args {
            let Some(&name) = names.iter().find(|n| **n == name) else {
                continue;
            };
            p = match value {
                Value::Number(n) => p.with(name, n.as_i64().unwrap_or(0)),
                other => p.with(name, other.as_str().unwrap_or("").to_owned()),
            };
        }
    }
    p
}
