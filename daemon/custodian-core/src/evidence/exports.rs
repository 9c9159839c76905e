//! Exports with four-eyes approval (feature matrix E4): made when asked,
//! from exactly what the requester may see (row-level security as the
//! requester, not as the approver); kept encrypted in their own store;
//! released only when a different administrator approves with a recent
//! password; downloaded once by the requester before they expire; then
//! deleted. CSV cells that a spreadsheet would run as a formula are
//! neutralised. Every step is in the activity log and told to the people
//! concerned.

use std::time::Duration;

use custodian_vault::wrapping::{self, Purpose};
use custodian_vault::Client;
use secrecy::ExposeSecret;
use serde_json::json;

use super::act_as;
use super::bilingual::{Both, Lang};
use super::items::Query;
use super::store::{Reader, Store, StoreError};
use crate::error::{CoreError, Problem};
use crate::identity::accounts::audit;
use crate::identity::notifications::{notify, notify_admins, Notice};
use crate::policy::{may_decide_export, DecideExports, DownloadExport, Permit, RequestExport};
use crate::pool::{Database, DbError};

/// At most this many bulletins in one export.
pub const MAX_ITEMS: i64 = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Json,
}

impl Format {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "csv" => Some(Self::Csv),
            "json" => Some(Self::Json),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Json => "json",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Self::Csv => "text/csv; charset=utf-8",
            Self::Json => "application/json",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Refused {
    /// What the person is told (translated by the web layer).
    #[error("refused: {}", .0.key)]
    Policy(Problem),
    #[error(transparent)]
    Account(#[from] CoreError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("reading an export on the blocking pool: {0}")]
    Task(#[from] tokio::task::JoinError),
}

impl From<tokio_postgres::Error> for Refused {
    fn from(e: tokio_postgres::Error) -> Self {
        Self::Account(e.into())
    }
}

/// A cell a spreadsheet would evaluate (`=`, `+`, `-`, `@`, tab, CR at the
/// start) gets a leading apostrophe; every cell is quoted.
pub fn csv_cell(value: &str) -> String {
    let guarded = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    format!("\"{}\"", guarded.replace('"', "\"\""))
}

/// The CSV file's first line: both languages, each in its own column
/// (the bulletin import reads the same, `super::record_imports`).
pub const CSV_HEAD: &str =
    "id,title_ar,title_en,description_ar,description_en,status,revision,updated_utc\r\n";

/// Rows fetched from the database at a time while the export is made:
/// the file is rendered and encrypted batch by batch, so neither the rows
/// nor the file are ever held whole (up to [`MAX_ITEMS`] bulletins with
/// long descriptions would be tens of MiB per export being made).
const BATCH: i32 = 200;

struct Row {
    id: i64,
    /// Both languages, each in its own column of the file.
    title: Both<String>,
    description: Both<String>,
    status: String,
    updated: String,
    revision: i32,
}

impl Row {
    fn of(r: &tokio_postgres::Row) -> Self {
        let lang = Lang::parse(r.get(6)).unwrap_or(Lang::English);
        Self {
            id: r.get(0),
            title: Both::from_main(lang, r.get(1), r.get(7)),
            description: Both::from_main(lang, r.get(2), r.get(8)),
            status: r.get(3),
            revision: r.get(4),
            updated: r.get(5),
        }
    }
}

/// The export file in pieces: `head`, each row (`first` for the first),
/// `tail`. Put together they are what rendering all rows at once would
/// give (for JSON, `serde_json`'s pretty form of `{"bulletins": [...]}`).
mod render {
    use super::{csv_cell, Format, Row};

    /// One file's item, as JSON.
    pub(super) fn item(r: &Row) -> serde_json::Value {
        json!({"id": r.id,
               "title_ar": r.title.arabic, "title_en": r.title.english,
               "description_ar": r.description.arabic, "description_en": r.description.english,
               "status": r.status, "revision": r.revision, "updated_utc": r.updated})
    }
    use serde_json::json;

    pub(super) fn head(format: Format) -> &'static [u8] {
        match format {
            Format::Csv => super::CSV_HEAD.as_bytes(),
            Format::Json => b"{\n  \"bulletins\": [",
        }
    }

    pub(super) fn row(format: Format, r: &Row, first: bool, out: &mut Vec<u8>) {
        match format {
            Format::Csv => out.extend_from_slice(
                format!(
                    "{},{},{},{},{},{},{},{}\r\n",
                    r.id,
                    csv_cell(&r.title.arabic),
                    csv_cell(&r.title.english),
                    csv_cell(&r.description.arabic),
                    csv_cell(&r.description.english),
                    csv_cell(&r.status),
                    r.revision,
                    csv_cell(&r.updated)
                )
                .as_bytes(),
            ),
            Format::Json => {
                let pretty = serde_json::to_string_pretty(&item(r)).unwrap_or_default();
                out.extend_from_slice(if first { b"\n" } else { b",\n" });
                // Pretty JSON has line breaks only between tokens (a
                // string's own are escaped), so indenting each line nests
                // the item two levels deep exactly.
                for (i, line) in pretty.split('\n').enumerate() {
                    if i > 0 {
                        out.push(b'\n');
                    }
                    out.extend_from_slice(b"    ");
                    out.extend_from_slice(line.as_bytes());
                }
            }
        }
    }

    pub(super) fn tail(format: Format, any: bool) -> &'static [u8] {
        match (format, any) {
            (Format::Csv, _) => b"",
            (Format::Json, true) => b"\n  ]\n}",
            (Format::Json, false) => b"]\n}",
        }
    }
}

/// Makes the export and records the request; returns its id and size.
#[allow(clippy::too_many_arguments)]
pub async fn request(
    db: &Database,
    vault: &Client,
    store: &Store,
    permit: &Permit<RequestExport>,
    username: &str,
    format: Format,
    q: &Query<'_>,
    reason: &str,
) -> Result<(i64, usize), Refused> {
    let actor = permit.actor();
    let reason = super::sanitize::line(reason, 500);
    if reason.is_empty() {
        return Err(Refused::Policy(Problem::new("export-reason")));
    }
    let mut c = db.client().await.map_err(CoreError::from)?;
    let tx = c.transaction().await?;
    act_as(&tx, actor).await?;
    let pattern = format!(
        "%{}%",
        q.text
            .trim()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    );
    let status = q.status.map(|s| s.as_str());
    let select = tx
        .prepare(
            "SELECT id, title, description, status, revision, to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'), \
             title_lang, title_alt, description_alt \
             FROM bulletin WHERE ($1 = '%%' OR title ILIKE $1 OR description ILIKE $1 OR title_alt ILIKE $1 OR description_alt ILIKE $1) \
             AND ($2::text IS NULL OR status = $2) \
             ORDER BY id LIMIT $3",
        )
        .await?;
    let portal = tx
        .bind(&select, &[&pattern, &status, &(MAX_ITEMS + 1)])
        .await?;
    // Dropped on any refusal or failure below, the partial file is removed.
    let mut incoming = store.begin().await?;
    incoming.write(render::head(format)).await?;
    let (mut items, mut piece) = (0usize, Vec::new());
    loop {
        let batch = tx.query_portal(&portal, BATCH).await?;
        if batch.is_empty() {
            break;
        }
        for r in &batch {
            render::row(format, &Row::of(r), items == 0, &mut piece);
            items += 1;
        }
        if items as i64 > MAX_ITEMS {
            return Err(Refused::Policy(Problem::new("export-too-many")));
        }
        incoming.write(&piece).await?;
        piece.clear();
    }
    incoming.write(render::tail(format, items > 0)).await?;
    let done = incoming.finish().await?;
    // Wrapped for exports and for this file (its SHA-256 is the context).
    let wrapped = wrapping::wrap(vault, Purpose::Export, &done.sha256, done.key.as_ref())
        .await
        .map_err(|e| CoreError::Db(DbError::Vault(e)))?;
    let sha256 = done.sha256.clone();
    let object = store.keep(done).await?;
    let query_text = json!({"q": q.text, "status": status}).to_string();
    let id: i64 = tx
        .query_one(
            "INSERT INTO export_request (requested_by, format, query, reason, items, object_name, wrapped_key, sha256) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            &[&actor.user_id, &format.as_str(), &query_text, &reason, &(items as i32), &object, &wrapped, &sha256],
        )
        .await?
        .get(0);
    audit(
        &*tx,
        username,
        "export.requested",
        &format!("export/{id}"),
        json!({"format": format.as_str(), "items": items, "sha256": sha256, "reason": reason}),
    )
    .await?;
    notify_admins(
        &*tx,
        "export.requested",
        &Notice::new("notice-export-requested")
            .with("by", username.to_owned())
            .with("items", items)
            .with("format", format.as_str())
            .with("reason", reason.to_owned()),
    )
    .await?;
    if let Err(e) = tx.commit().await {
        store.forget(&object).await;
        return Err(e.into());
    }
    Ok((id, items))
}

pub struct Listed {
    pub id: i64,
    pub requester: crate::policy::Shown,
    pub requested_by: i64,
    pub format: String,
    pub items: i32,
    pub reason: String,
    pub status: String,
    pub created: std::time::SystemTime,
    /// Until it is approved: none.
    pub expires: Option<std::time::SystemTime>,
    pub sha256: String,
}

/// The actor's own requests, and for administrators everyone's.
pub async fn list(db: &Database, actor: &crate::policy::Actor) -> Result<Vec<Listed>, CoreError> {
    let c = db.client().await?;
    let pg: &tokio_postgres::Client = &c;
    let everyone = actor.role == crate::policy::Role::Admin;
    let rows = pg
        .query(
            "SELECT e.id, u.username, e.requested_by, e.format, e.items, e.reason, e.status, \
             e.created_at, e.expires_at, coalesce(e.sha256, '') \
             FROM export_request e JOIN app_user u ON u.id = e.requested_by \
             WHERE $1 OR e.requested_by = $2 ORDER BY e.id DESC LIMIT 200",
            &[&everyone, &actor.user_id],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| Listed {
            id: r.get(0),
            requester: actor.shows_user(r.get(2), r.get(1)),
            requested_by: r.get(2),
            format: r.get(3),
            items: r.get(4),
            reason: r.get(5),
            status: r.get(6),
            created: r.get(7),
            expires: r.get(8),
            sha256: r.get(9),
        })
        .collect())
}

/// Approves (for `ttl`) or rejects a pending request of someone else.
pub async fn decide(
    db: &Database,
    store: &Store,
    permit: &Permit<DecideExports>,
    username: &str,
    id: i64,
    approve: bool,
    ttl: Duration,
) -> Result<(), Refused> {
    let actor = permit.actor();
    let mut c = db.client().await.map_err(CoreError::from)?;
    let tx = c.transaction().await?;
    let row = tx
        .query_opt(
            "SELECT requested_by, object_name FROM export_request WHERE id = $1 AND status = 'requested' FOR UPDATE",
            &[&id],
        )
        .await?
        .ok_or_else(|| Refused::Policy(Problem::new("export-not-pending")))?;
    let (requester, object): (i64, Option<String>) = (row.get(0), row.get(1));
    if !may_decide_export(actor, requester) {
        return Err(Refused::Policy(Problem::new("export-decide-own")));
    }
    let (status, action) = if approve {
        ("approved", "export.approved")
    } else {
        ("rejected", "export.rejected")
    };
    tx.execute(
        "UPDATE export_request SET status = $2, decided_by = $3, decided_at = now(), \
         expires_at = CASE WHEN $2 = 'approved' THEN now() + make_interval(secs => $4) END WHERE id = $1",
        &[&id, &status, &actor.user_id, &(ttl.as_secs() as f64)],
    )
    .await?;
    audit(&*tx, username, action, &format!("export/{id}"), json!({})).await?;
    notify(
        &*tx,
        requester,
        action,
        &if approve {
            Notice::new("notice-export-approved")
                .with("id", id)
                .with("minutes", ttl.as_secs() / 60)
        } else {
            Notice::new("notice-export-rejected").with("id", id)
        },
    )
    .await?;
    tx.commit().await?;
    if !approve {
        if let Some(o) = object {
            store.forget(&o).await;
        }
    }
    Ok(())
}

pub struct Download {
    pub format: Format,
    /// The file, to be streamed; already deleted from the store, its open
    /// descriptor keeps it readable until the stream ends.
    pub reader: Reader,
}

/// The requester's approved, unexpired export, once; the file is deleted.
pub async fn download(
    db: &Database,
    vault: &Client,
    store: &Store,
    permit: &Permit<DownloadExport>,
    username: &str,
    id: i64,
) -> Result<Download, Refused> {
    let actor = permit.actor();
    let mut c = db.client().await.map_err(CoreError::from)?;
    let tx = c.transaction().await?;
    let row = tx
        .query_opt(
            "SELECT format, object_name, wrapped_key, sha256 FROM export_request \
             WHERE id = $1 AND requested_by = $2 AND status = 'approved' AND expires_at > now() FOR UPDATE",
            &[&id, &actor.user_id],
        )
        .await?
        .ok_or_else(|| Refused::Policy(Problem::new("export-not-downloadable")))?;
    let (format, object, wrapped): (String, String, String) = (row.get(0), row.get(1), row.get(2));
    // Nullable in the schema; without it only a key from before purposes
    // (no context) unwraps.
    let sha256: String = row.get::<_, Option<String>>(3).unwrap_or_default();
    let key = wrapping::unwrap(vault, Purpose::Export, &sha256, &wrapped)
        .await
        .map_err(|e| CoreError::Db(DbError::Vault(e)))?;
    let path = store.object_path(&object)?;
    // The one download is used up when the row below commits, before the
    // first byte is streamed. So every chunk is authenticated first, one
    // at a time (one more decryption pass, no more memory): a damaged
    // file is refused and its export left as it was, as when the whole
    // file was decrypted before answering.
    let reader = tokio::task::spawn_blocking(move || {
        let mut reader = Reader::open(path, key.expose_secret())?;
        for i in 0..reader.chunks() {
            reader.chunk(i)?;
        }
        Ok::<_, StoreError>(reader)
    })
    .await??;
    tx.execute(
        "UPDATE export_request SET status = 'downloaded', downloaded_at = now(), object_name = NULL, wrapped_key = NULL WHERE id = $1",
        &[&id],
    )
    .await?;
    audit(
        &*tx,
        username,
        "export.downloaded",
        &format!("export/{id}"),
        json!({}),
    )
    .await?;
    tx.commit().await?;
    store.forget(&object).await;
    Ok(Download {
        format: Format::parse(&format).unwrap_or(Format::Csv),
        reader,
    })
}

/// Expires approved exports past their time and requests left undecided
/// for a week, deleting their files; removes files no request names.
pub async fn clean_up(db: &Database, store: &Store) -> Result<usize, CoreError> {
    let c = db.client().await?;
    let pg: &tokio_postgres::Client = &c;
    let rows = pg
        .query(
            "UPDATE export_request SET status = 'expired', object_name = NULL, wrapped_key = NULL \
             WHERE (status = 'approved' AND expires_at <= now()) OR (status = 'requested' AND created_at < now() - interval '7 days') \
             RETURNING id, object_name",
            &[],
        )
        .await?;
    // RETURNING shows the new (NULL) name; the files go by the sweep below.
    for r in &rows {
        let id: i64 = r.get(0);
        audit(
            pg,
            "custodiand",
            "export.expired",
            &format!("export/{id}"),
            json!({}),
        )
        .await?;
    }
    let known: std::collections::HashSet<String> = pg
        .query(
            "SELECT object_name FROM export_request WHERE object_name IS NOT NULL",
            &[],
        )
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    // Only files older than a few minutes: a request being made keeps its
    // file before its row is committed.
    Ok(rows.len() + store.sweep(Duration::from_secs(600), &|n| known.contains(n)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_and_quotes_doubled() {
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        for bad in ["+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            assert!(csv_cell(bad).starts_with("\"'"), "{bad}");
        }
        assert_eq!(csv_cell("plain"), "\"plain\"");
    }

    /// The file made row by row is byte for byte the one made from all
    /// rows at once (the JSON as `serde_json` pretty-prints it).
    #[test]
    fn rendered_in_pieces_as_it_would_be_whole() {
        let rows: Vec<Row> = (1..=3)
            .map(|i| Row {
                id: i,
                title: Both {
                    arabic: format!("ع{i}"),
                    english: format!("t{i} \"quoted\"\nline"),
                },
                description: Both {
                    arabic: String::new(),
                    english: "=1+1".into(),
                },
                status: "draft".into(),
                updated: "2026-01-01 00:00:00".into(),
                revision: 2,
            })
            .collect();
        let pieces = |format: Format, rows: &[Row]| {
            let mut out = render::head(format).to_vec();
            for (i, r) in rows.iter().enumerate() {
                render::row(format, r, i == 0, &mut out);
            }
            out.extend_from_slice(render::tail(format, !rows.is_empty()));
            out
        };
        for n in [0, 1, 3] {
            let items: Vec<_> = rows[..n]
                .iter()
                .map(|r| {
                    json!({"id": r.id, "title_ar": r.title.arabic, "title_en": r.title.english,
                           "description_ar": r.description.arabic, "description_en": r.description.english,
                           "status": r.status, "revision": r.revision, "updated_utc": r.updated})
                })
                .collect();
            let whole = serde_json::to_vec_pretty(&json!({"bulletins": items})).expect("json");
            assert_eq!(
                String::from_utf8(pieces(Format::Json, &rows[..n])).expect("utf-8"),
                String::from_utf8(whole).expect("utf-8"),
                "{n} rows"
            );
        }
        let csv = String::from_utf8(pieces(Format::Csv, &rows[..2])).expect("utf-8");
        assert_eq!(
            csv,
            "id,title_ar,title_en,description_ar,description_en,status,revision,updated_utc\r\n\
             1,\"ع1\",\"t1 \"\"quoted\"\"\nline\",\"\",\"'=1+1\",\"draft\",2,\"2026-01-01 00:00:00\"\r\n\
             2,\"ع2\",\"t2 \"\"quoted\"\"\nline\",\"\",\"'=1+1\",\"draft\",2,\"2026-01-01 00:00:00\"\r\n"
        );
    }
}
