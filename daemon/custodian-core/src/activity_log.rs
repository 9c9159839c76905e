//! Reading the tamper-evident activity log (the writers are
//! `custodian_db::audit` and `Database::record`): newest first, filtered by
//! who, what, on what and since when.

use crate::pool::{Database, DbError};

/// What to look for: each text is a prefix, matched without regard to case
/// and with `%` and `_` taken literally.
pub struct Filters<'a> {
    pub actor: &'a str,
    pub action: &'a str,
    pub target: &'a str,
    /// Entries from this moment on (microseconds since 1970): the start of
    /// a day on the reader's clock, which the web layer knows.
    pub since_us: Option<i64>,
}

/// One entry as shown to administrators.
pub struct Entry {
    pub seq: i64,
    /// When it was recorded (the log keeps microseconds since 1970).
    pub at: std::time::SystemTime,
    pub actor: String,
    pub action: String,
    pub target: String,
    /// The details as JSON text.
    pub details: String,
}

/// Up to `limit` entries after skipping `offset`, newest first.
pub async fn search(
    db: &Database,
    f: &Filters<'_>,
    limit: i64,
    offset: i64,
) -> Result<Vec<Entry>, DbError> {
    let c = db.client().await?;
    let rows = c
        .query(
            "SELECT seq, at_us, actor, action, target, details::text \
             FROM audit_log WHERE actor ILIKE $1 AND action ILIKE $2 AND target ILIKE $3 \
             AND ($4::bigint IS NULL OR at_us >= $4) \
             ORDER BY seq DESC LIMIT $5 OFFSET $6",
            &[
                &like_prefix(f.actor),
                &like_prefix(f.action),
                &like_prefix(f.target),
                &f.since_us,
                &limit,
                &offset,
            ],
        )
        .await
        .map_err(DbError::Postgres)?;
    Ok(rows
        .iter()
        .map(|r| Entry {
            seq: r.get(0),
            at: std::time::UNIX_EPOCH
                + std::time::Duration::from_micros(u64::try_from(r.get::<_, i64>(1)).unwrap_or(0)),
            actor: r.get(2),
            action: r.get(3),
            target: r.get(4),
            details: r.get(5),
        })
        .collect())
}

fn like_prefix(text: &str) -> String {
    let mut p = String::new();
    for c in text.trim().chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_are_literal_prefixes() {
        assert_eq!(like_prefix("login_%"), "login\\_\\%%");
    }
}
