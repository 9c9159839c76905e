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
    /// A checked calendar date (YYYY-MM-DD).
    pub since: Option<&'a str>,
}

/// One entry as shown to administrators.
pub struct Entry {
    pub seq: i64,
    /// UTC, `YYYY-MM-DD HH:MM:SS`.
    pub at: String,
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
            "SELECT seq, to_char(to_timestamp(at_us / 1e6) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'), actor, action, target, details::text \
             FROM audit_log WHERE actor ILIKE $1 AND action ILIKE $2 AND target ILIKE $3 \
             AND ($4::text IS NULL OR at_us >= extract(epoch FROM $4::date) * 1e6) \
             ORDER BY seq DESC LIMIT $5 OFFSET $6",
            &[&like_prefix(f.actor), &like_prefix(f.action), &like_prefix(f.target), &f.since, &limit, &offset],
        )
        .await
        .map_err(DbError::Postgres)?;
    Ok(rows
        .iter()
        .map(|r| Entry {
            seq: r.get(0),
            at: r.get(1),
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
