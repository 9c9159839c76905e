//! CSV import of reference data (labels, sources, locations): a strict
//! parser (size and row limits, exact header, no spreadsheet formulas,
//! each field validated; a name in Arabic and one in English, or the one
//! `title` of files made before names were bilingual), then a background job that adds the good rows
//! in batches, reports every refused row with its line and the reason,
//! and shows its progress. Started by an administrator with step-up; the
//! start and the outcome are in the activity log.

use super::bilingual::{stored_name, Both, Lang};
use crate::error::{Arg, Problem};
use std::sync::Arc;

use serde_json::json;

use crate::error::CoreError;
use crate::identity::accounts::audit;
use crate::pool::Database;

pub const MAX_BYTES: usize = 5 * 1024 * 1024;
pub const MAX_ROWS: usize = 50_000;
const BATCH: usize = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Labels,
    Sources,
    Locations,
}

impl Kind {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "labels" => Some(Self::Labels),
            "sources" => Some(Self::Sources),
            "locations" => Some(Self::Locations),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Labels => "labels",
            Self::Sources => "sources",
            Self::Locations => "locations",
        }
    }

    /// The header line the file must start with: a name in each language
    /// (either cell may be empty, not both), then the kind's details.
    pub fn columns(self) -> &'static [&'static str] {
        match self {
            Self::Labels => &["title_ar", "title_en", "description"],
            Self::Sources => &["title_ar", "title_en", "url"],
            Self::Locations => &[
                "title_ar",
                "title_en",
                "latitude",
                "longitude",
                "country_code",
            ],
        }
    }

    /// The header of files made before names were bilingual, still
    /// accepted: one `title`, in the language its script says.
    pub fn legacy_columns(self) -> &'static [&'static str] {
        match self {
            Self::Labels => &["title", "description"],
            Self::Sources => &["title", "url"],
            Self::Locations => &["title", "latitude", "longitude", "country_code"],
        }
    }
}

/// A row's name as it is stored (migration 0033): the main name, its
/// language and the other language's name ('' when there is none).
#[derive(Debug, Clone, PartialEq)]
pub struct Name {
    pub title: String,
    pub lang: Lang,
    pub title_alt: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    Label {
        title: Name,
        description: String,
    },
    Source {
        title: Name,
        url: String,
    },
    Location {
        title: Name,
        latitude: f64,
        longitude: f64,
        country: String,
    },
}

impl Record {
    /// The main name.
    fn title(&self) -> &str {
        self.name().title.as_str()
    }

    pub fn name(&self) -> &Name {
        match self {
            Self::Label { title, .. }
            | Self::Source { title, .. }
            | Self::Location { title, .. } => title,
        }
    }
}

#[derive(Debug, Default)]
pub struct Parsed {
    /// (line, record)
    pub rows: Vec<(usize, Record)>,
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

fn number(cell: &str, what: &str, range: std::ops::RangeInclusive<f64>) -> Result<f64, Problem> {
    let v: f64 = cell.trim().parse().map_err(|_| {
        Problem::new("import-cell-not-a-number")
            .with("column", what.to_owned())
            .with("value", format!("{:?}", cell.trim()))
    })?;
    if !v.is_finite() || !range.contains(&v) {
        // As Rust writes them ("-90", "91.5"), not as numbers to format.
        return Err(Problem::new("import-cell-out-of-range")
            .with("column", what.to_owned())
            .with("value", v.to_string())
            .with("min", range.start().to_string())
            .with("max", range.end().to_string()));
    }
    Ok(v)
}

/// A number as written in Arabic too: Arabic-Indic (٣٦٫٢) or Eastern
/// Arabic-Indic digits (۳۶٫۲), the Arabic decimal separator, the Arabic
/// minus sign's look-alikes; anything else is left for the parser to
/// refuse.
fn western_digits(cell: &str) -> String {
    cell.chars()
        .map(|c| match c {
            '\u{0660}'..='\u{0669}' => char::from(b'0' + (c as u32 - 0x0660) as u8),
            '\u{06F0}'..='\u{06F9}' => char::from(b'0' + (c as u32 - 0x06F0) as u8),
            '\u{066B}' => '.',
            '\u{2212}' => '-',
            other => other,
        })
        .collect()
}

/// The row's name from its cells: `title_ar` and `title_en` (`bilingual`),
/// else the one `title`. The remaining cells start at the returned index.
fn name<'c>(cells: &dyn Fn(usize) -> &'c str, bilingual: bool) -> Result<(Name, usize), Problem> {
    let names = if bilingual {
        Both {
            arabic: text(cells(0), "title_ar", 200, false)?,
            english: text(cells(1), "title_en", 200, false)?,
        }
    } else {
        let title = text(cells(0), "title", 200, true)?;
        match Lang::of_script(&title) {
            Lang::Arabic => Both {
                arabic: title,
                english: String::new(),
            },
            Lang::English => Both {
                arabic: String::new(),
                english: title,
            },
        }
    };
    let (lang, title, alt) = stored_name(names.map(String::as_str))
        .ok_or_else(|| Problem::new("import-cell-empty").with("column", "title_ar, title_en"))?;
    let name = Name {
        title: title.to_owned(),
        lang,
        title_alt: alt.to_owned(),
    };
    Ok((name, if bilingual { 2 } else { 1 }))
}

fn record(kind: Kind, cells: &csv::StringRecord, bilingual: bool) -> Result<Record, Problem> {
    let cell = |i: usize| cells.get(i).unwrap_or("");
    let (title, at) = name(&cell, bilingual)?;
    let c = |i: usize| cell(at + i - 1);
    Ok(match kind {
        Kind::Labels => Record::Label {
            title,
            description: text(c(1), "description", 2000, false)?,
        },
        Kind::Sources => {
            let url = text(c(1), "url", 2000, false)?;
            if !(url.is_empty() || url.starts_with("https://") || url.starts_with("http://")) {
                return Err(Problem::new("import-url-scheme"));
            }
            Record::Source { title, url }
        }
        Kind::Locations => {
            let country = c(3).trim().to_owned();
            if !(country.is_empty()
                || (country.len() == 2 && country.bytes().all(|b| b.is_ascii_uppercase())))
            {
                return Err(
                    Problem::new("import-country-code").with("value", format!("{country:?}"))
                );
            }
            Record::Location {
                title,
                latitude: number(&western_digits(c(1)), "latitude", -90.0..=90.0)?,
                longitude: number(&western_digits(c(2)), "longitude", -180.0..=180.0)?,
                country,
            }
        }
    })
}

/// Checks the whole file. `Err` is a problem with the file itself (its
/// size, encoding, header or length); row problems are in `rejected`.
pub fn parse(kind: Kind, bytes: &[u8]) -> Result<Parsed, Problem> {
    // The bilingual header first (the one a refusal names), then the one
    // files made before reference data had two names use.
    let (rows, rejected) = rows(
        &[kind.columns(), kind.legacy_columns()],
        bytes,
        |r, header| record(kind, r, header == 0),
    )?;
    Ok(Parsed { rows, rejected })
}

/// What every CSV import checks of the file: its size, UTF-8 (after an
/// optional byte-order mark), the header exactly one of `headers` (the
/// first is the one a refusal names), the number of rows and each row's
/// number of fields; `record` reads each row, told which header the file
/// has. Returns the (line, record) read and the (line, reason) refused.
#[allow(clippy::type_complexity)] // the two lists `Parsed` keeps
pub(crate) fn rows<R>(
    headers: &[&[&str]],
    bytes: &[u8],
    mut record: impl FnMut(&csv::StringRecord, usize) -> Result<R, Problem>,
) -> Result<(Vec<(usize, R)>, Vec<(usize, Problem)>), Problem> {
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
    let (mut read, mut refused) = (Vec::new(), Vec::new());
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
            Err(e) => refused.push((
                line,
                Problem::new("import-row-unreadable").with("error", e.to_string()),
            )),
            Ok(r) if r.len() != columns.len() => refused.push((
                line,
                Problem::new("import-row-fields")
                    .with("count", r.len())
                    .with("expected", columns.len()),
            )),
            Ok(r) => match record(&r, which) {
                Ok(rec) => read.push((line, rec)),
                Err(why) => refused.push((line, why)),
            },
        }
    }
    Ok((read, refused))
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

/// Records the job and starts it in the background; returns its id.
#[allow(clippy::too_many_arguments)] // the job's whole description, checked once
pub async fn start(
    db: Arc<Database>,
    _permit: &crate::policy::Permit<crate::policy::ImportReference>,
    user_id: i64,
    username: String,
    kind: Kind,
    file_name: &str,
    sha256: &str,
    parsed: Parsed,
) -> Result<i64, CoreError> {
    let total = (parsed.rows.len() + parsed.rejected.len()) as i32;
    let rejected: Vec<_> = parsed
        .rejected
        .iter()
        .map(|(line, why)| reason_json(*line, why))
        .collect();
    let id: i64 = {
        let c = db.client().await?;
        let pg: &tokio_postgres::Client = &c;
        let id: i64 = pg
            .query_one(
                "INSERT INTO import_job (kind, requested_by, file_name, sha256, total, processed, rejected) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                &[&kind.as_str(), &user_id, &file_name, &sha256, &total, &(parsed.rejected.len() as i32), &json!(rejected)],
            )
            .await?
            .get(0);
        audit(
            pg,
            &username,
            "import.started",
            &format!("import/{id}"),
            json!({"kind": kind.as_str(), "file": file_name, "sha256": sha256, "rows": total}),
        )
        .await?;
        id
    };
    tokio::spawn(async move {
        if let Err(e) = run(&db, id, user_id, &username, parsed.rows).await {
            tracing::warn!(target: "imports", job = id, error = %e, "import failed");
            if let Ok(c) = db.client().await {
                let pg: &tokio_postgres::Client = &c;
                let _ = pg
                    .execute("UPDATE import_job SET status = 'failed', finished_at = now() WHERE id = $1", &[&id])
                    .await;
                let _ = audit(
                    pg,
                    &username,
                    "import.failed",
                    &format!("import/{id}"),
                    json!({}),
                )
                .await;
            }
        }
    });
    Ok(id)
}

async fn run(
    db: &Database,
    id: i64,
    user_id: i64,
    username: &str,
    rows: Vec<(usize, Record)>,
) -> Result<(), CoreError> {
    let mut accepted = 0i32;
    for batch in rows.chunks(BATCH) {
        let mut c = db.client().await?;
        let tx = c.transaction().await?;
        let mut refused = Vec::new();
        for (line, rec) in batch {
            let Name {
                title,
                lang,
                title_alt,
            } = rec.name();
            let lang = lang.as_str();
            let n = match rec {
                Record::Label { description, .. } => {
                    tx.execute(
                        "INSERT INTO label (title, title_lang, title_alt, description, created_by) VALUES ($1, $2, $3, $4, $5) \
                         ON CONFLICT ((lower(title))) DO NOTHING",
                        &[title, &lang, title_alt, description, &user_id],
                    )
                    .await?
                }
                Record::Source { url, .. } => {
                    tx.execute(
                        "INSERT INTO source (title, title_lang, title_alt, url, created_by) VALUES ($1, $2, $3, $4, $5) \
                         ON CONFLICT ((lower(title))) DO NOTHING",
                        &[title, &lang, title_alt, url, &user_id],
                    )
                    .await?
                }
                Record::Location { latitude, longitude, country, .. } => {
                    tx.execute(
                        "INSERT INTO location (title, title_lang, title_alt, latitude, longitude, country_code, created_by) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT ((lower(title))) DO NOTHING",
                        &[title, &lang, title_alt, latitude, longitude, country, &user_id],
                    )
                    .await?
                }
            };
            if n == 1 {
                accepted += 1;
            } else {
                refused.push(reason_json(
                    *line,
                    &Problem::new("import-row-exists").with("title", format!("{:?}", rec.title())),
                ));
            }
        }
        tx.execute(
            "UPDATE import_job SET processed = processed + $2, accepted = $3, rejected = rejected || $4 WHERE id = $1",
            &[&id, &(batch.len() as i32), &accepted, &json!(refused)],
        )
        .await?;
        tx.commit().await?;
    }
    let c = db.client().await?;
    let pg: &tokio_postgres::Client = &c;
    let row = pg
        .query_one(
            "UPDATE import_job SET status = 'done', finished_at = now() WHERE id = $1 RETURNING jsonb_array_length(rejected)",
            &[&id],
        )
        .await?;
    audit(
        pg,
        username,
        "import.finished",
        &format!("import/{id}"),
        json!({"accepted": accepted, "rejected": row.get::<_, i32>(0)}),
    )
    .await
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
        .get::<_, serde_json::Value>(7)
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

/// Every key a refused row may be stored with (`reason_of` finds the
/// static key again).
const ROW_KEYS: &[&str] = &[
    "import-cell-formula",
    "import-cell-control",
    "import-cell-empty",
    "import-cell-too-long",
    "import-cell-not-a-number",
    "import-cell-out-of-range",
    "import-url-scheme",
    "import-country-code",
    "import-row-unreadable",
    "import-row-fields",
    "import-row-exists",
];

/// A refused row as the job keeps it: its line, the message's key and
/// its values, translated when the job is shown.
pub(crate) fn reason_json(line: usize, why: &Problem) -> serde_json::Value {
    let args: serde_json::Map<String, serde_json::Value> = why
        .args
        .iter()
        .map(|(name, value)| {
            let v = match value {
                Arg::Text(t) => json!(t),
                Arg::Number(n) => json!(n),
            };
            ((*name).to_owned(), v)
        })
        .collect();
    json!({"line": line, "key": why.key, "args": args})
}

/// The reason of a stored row. A job recorded before reasons were kept by
/// key has its English words, shown as they are
/// (`import-row-stored`).
fn reason_of(v: &serde_json::Value) -> Problem {
    let stored = v["key"]
        .as_str()
        .and_then(|k| (ROW_KEYS.iter().chain(super::record_imports::ROW_KEYS)).find(|r| **r == k));
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
                serde_json::Value::Number(n) => p.with(name, n.as_i64().unwrap_or(0)),
                other => p.with(name, other.as_str().unwrap_or("").to_owned()),
            };
        }
    }
    p
}

/// Names (in the columns of [`Kind::columns`]: Arabic, English) and
/// details of one kind of reference data, for the list page.
pub async fn list(db: &Database, kind: Kind) -> Result<Vec<Vec<String>>, CoreError> {
    let c = db.client().await?;
    let pg: &tokio_postgres::Client = &c;
    let names = "CASE WHEN title_lang = 'ar' THEN title ELSE title_alt END, \
                 CASE WHEN title_lang = 'ar' THEN title_alt ELSE title END";
    let sql = match kind {
        Kind::Labels => {
            format!("SELECT {names}, description FROM label ORDER BY lower(title) LIMIT 1000")
        }
        Kind::Sources => format!("SELECT {names}, url FROM source ORDER BY lower(title) LIMIT 1000"),
        Kind::Locations => format!(
            "SELECT {names}, coalesce(latitude::text, ''), coalesce(longitude::text, ''), country_code \
             FROM location ORDER BY lower(title) LIMIT 1000"
        ),
    };
    let sql = sql.as_str();
    Ok(pg
        .query(sql, &[])
        .await?
        .iter()
        .map(|r| (0..r.len()).map(|i| r.get::<_, String>(i)).collect())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_validated_one_by_one_and_reported_by_line() {
        let file = "title,latitude,longitude,country_code\n\
                    Aleppo,36.2,37.15,SY\n\
                    =HYPERLINK(\"x\"),1,1,SY\n\
                    Nowhere,91,0,\n\
                    Homs,34.7,36.7,sy\n\
                    Short,1\n\
                    Idlib,35.9,36.6,\n";
        let p = parse(Kind::Locations, file.as_bytes()).expect("parsed");
        let titles: Vec<&str> = p.rows.iter().map(|(_, r)| r.title()).collect();
        assert_eq!(titles, ["Aleppo", "Idlib"]);
        let lines: Vec<usize> = p.rejected.iter().map(|(l, _)| *l).collect();
        assert_eq!(lines, [3, 4, 5, 6]);
        let keys: Vec<&str> = p.rejected.iter().map(|(_, why)| why.key).collect();
        assert_eq!(
            keys,
            [
                "import-cell-formula",
                "import-cell-out-of-range",
                "import-country-code",
                "import-row-fields"
            ]
        );
        let why = &p.rejected[1].1;
        assert_eq!(why.arg("min"), Some(&Arg::Text("-90".into())));
        assert_eq!(why.arg("max"), Some(&Arg::Text("90".into())));
        assert_eq!(why.arg("value"), Some(&Arg::Text("91".into())));
        let why = &p.rejected[3].1;
        assert_eq!(why.arg("count"), Some(&Arg::Number(2)));
        assert_eq!(why.arg("expected"), Some(&Arg::Number(4)));
        // As the job keeps them, and as it reads them back.
        let sorted = |mut p: Problem| {
            p.args.sort_by_key(|(name, _)| *name);
            p
        };
        for (line, why) in &p.rejected {
            let stored = reason_json(*line, why);
            assert_eq!(sorted(reason_of(&stored)), sorted(why.clone()));
        }
        let old = json!({"line": 3, "reason": "title is empty"});
        assert_eq!(
            reason_of(&old),
            Problem::new("import-row-stored").with("reason", "title is empty")
        );
    }

    #[test]
    fn both_names_and_arabic_are_read_and_the_old_header_still_is() {
        let file = "\u{feff}title_ar,title_en,latitude,longitude,country_code\n\
                    حلب,Aleppo,٣٦٫٢,37.15,SY\n\
                    ,Idlib,35.9,36.6,\n\
                    \"مستشفى الأمل، حمص\",,34.7,36.7,SY\n\
                    ,,1,1,\n";
        let p = parse(Kind::Locations, file.as_bytes()).expect("parsed");
        let names: Vec<(&str, Lang, &str)> = p
            .rows
            .iter()
            .map(|(_, r)| {
                let n = r.name();
                (n.title.as_str(), n.lang, n.title_alt.as_str())
            })
            .collect();
        assert_eq!(
            names,
            [
                ("حلب", Lang::Arabic, "Aleppo"),
                ("Idlib", Lang::English, ""),
                ("مستشفى الأمل، حمص", Lang::Arabic, ""),
            ]
        );
        assert!(matches!(
            p.rows[0].1,
            Record::Location { latitude, .. } if (latitude - 36.2).abs() < 1e-9
        ));
        assert_eq!(p.rejected.len(), 1);
        assert_eq!(p.rejected[0].0, 5);
        assert_eq!(p.rejected[0].1.key, "import-cell-empty");
        // A file with the one `title`: its language from its script.
        let old = parse(
            Kind::Labels,
            "title,description\nقصف,x\nShelling,\n".as_bytes(),
        )
        .expect("old header");
        let langs: Vec<Lang> = old.rows.iter().map(|(_, r)| r.name().lang).collect();
        assert_eq!(langs, [Lang::Arabic, Lang::English]);
        assert!(old.rows.iter().all(|(_, r)| r.name().title_alt.is_empty()));
        // Three cells where the bilingual header has three: a short row.
        let short = parse(Kind::Sources, b"title_ar,title_en,url\nA,https://a\n").expect("parsed");
        assert_eq!(short.rejected[0].1.key, "import-row-fields");
    }

    #[test]
    fn the_file_itself_is_checked() {
        let header = parse(Kind::Labels, b"name,notes\nx,y\n").unwrap_err();
        assert_eq!(header.key, "import-header-mismatch");
        assert_eq!(
            header.arg("expected"),
            Some(&Arg::Text("title_ar,title_en,description".into()))
        );
        assert_eq!(
            parse(Kind::Labels, b"title,description\n\xff\xfe\n")
                .unwrap_err()
                .key,
            "import-file-not-utf8"
        );
        let big = vec![b'a'; MAX_BYTES + 1];
        assert_eq!(
            parse(Kind::Labels, &big).unwrap_err().key,
            "import-file-too-large"
        );
        let p = parse(
            Kind::Sources,
            "\u{feff}title,url\nA,https://a.example\nB,ftp://b\n".as_bytes(),
        )
        .expect("bom");
        assert_eq!(p.rows.len(), 1);
        assert_eq!(p.rejected[0].1.key, "import-url-scheme");
    }
}
