//! The activity log: recording (the database computes the chain) and
//! verification (recomputed here, independently of the database).

use sha2::{Digest, Sha256};
use tokio_postgres::GenericClient;

use crate::DbError;

/// One row as stored.
#[derive(Debug, Clone)]
pub struct Entry {
    pub seq: i64,
    pub at_us: i64,
    pub actor: String,
    pub action: String,
    pub target: String,
    /// `details::text`, PostgreSQL's canonical text of the jsonb value.
    pub details: String,
    pub prev_hash: Vec<u8>,
    pub hash: Vec<u8>,
}

#[derive(Debug, Clone)]
pub struct Checkpoint {
    pub seq: i64,
    pub hash: Vec<u8>,
    pub signature: String,
}

/// The bytes a checkpoint signature covers.
pub fn checkpoint_message(seq: i64, hash: &[u8]) -> Vec<u8> {
    format!("custodian-audit-checkpoint:{seq}:{}", hex::encode(hash)).into_bytes()
}

fn field(out: &mut Vec<u8>, v: &str) {
    out.extend_from_slice(format!("{}:", v.len()).as_bytes());
    out.extend_from_slice(v.as_bytes());
    out.push(b';');
}

/// The hash the trigger in `migrations/0001_audit_log.sql` computes.
pub fn entry_hash(prev: &[u8], e: &Entry) -> Vec<u8> {
    let mut canon = Vec::with_capacity(128);
    field(&mut canon, &e.seq.to_string());
    field(&mut canon, &e.at_us.to_string());
    field(&mut canon, &e.actor);
    field(&mut canon, &e.action);
    field(&mut canon, &e.target);
    field(&mut canon, &e.details);
    let mut h = Sha256::new();
    h.update(prev);
    h.update(&canon);
    h.finalize().to_vec()
}

/// Appends an event; the database assigns its place in the chain.
pub async fn record(
    client: &impl GenericClient,
    actor: &str,
    action: &str,
    target: &str,
    details: &serde_json::Value,
) -> Result<i64, DbError> {
    let row = client
        .query_one(
            "INSERT INTO audit_log (actor, action, target, details) VALUES ($1, $2, $3, $4) RETURNING seq",
            &[&actor, &action, &target, details],
        )
        .await?;
    Ok(row.get(0))
}

/// Appends several events in one statement, in the order given: the
/// trigger chains each row as [`record`] would, and one commit makes them
/// all durable (the group commit of record views).
pub async fn record_many(
    client: &impl GenericClient,
    entries: &[(&str, &str, &str)],
) -> Result<(), DbError> {
    let actors: Vec<&str> = entries.iter().map(|e| e.0).collect();
    let actions: Vec<&str> = entries.iter().map(|e| e.1).collect();
    let targets: Vec<&str> = entries.iter().map(|e| e.2).collect();
    client
        .execute(
            "INSERT INTO audit_log (actor, action, target) \
             SELECT e.actor, e.action, e.target \
             FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS e(actor, action, target, n) \
             ORDER BY e.n",
            &[&actors, &actions, &targets],
        )
        .await?;
    Ok(())
}

/// The newest entry (seq and hash), to be signed as a checkpoint.
pub async fn head(client: &impl GenericClient) -> Result<Option<(i64, Vec<u8>)>, DbError> {
    let row = client
        .query_opt(
            "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1",
            &[],
        )
        .await?;
    Ok(row.map(|r| (r.get(0), r.get(1))))
}

/// Stores a checkpoint signed through Vault. The runtime role may not
/// insert checkpoints itself: the owner's definer function takes the row
/// only if `(seq, hash)` is in the chain (migration 0019).
pub async fn store_checkpoint(
    client: &impl GenericClient,
    seq: i64,
    hash: &[u8],
    signature: &str,
) -> Result<(), DbError> {
    client
        .execute(
            "SELECT audit_checkpoint_store($1, $2, $3)",
            &[&seq, &hash, &signature],
        )
        .await?;
    Ok(())
}

/// The stored signature of the checkpoint at `(seq, hash)`, if any; it
/// must still be checked against Vault before it is trusted.
pub async fn checkpoint_signature(
    client: &impl GenericClient,
    seq: i64,
    hash: &[u8],
) -> Result<Option<String>, DbError> {
    let row = client
        .query_opt(
            "SELECT signature FROM audit_checkpoint WHERE seq = $1 AND hash = $2",
            &[&seq, &hash],
        )
        .await?;
    Ok(row.map(|r| r.get(0)))
}

pub async fn load(client: &impl GenericClient) -> Result<(Vec<Entry>, Vec<Checkpoint>), DbError> {
    let rows = client
        .query("SELECT seq, at_us, actor, action, target, details::text, prev_hash, hash FROM audit_log ORDER BY seq", &[])
        .await?;
    let entries = rows
        .iter()
        .map(|r| Entry {
            seq: r.get(0),
            at_us: r.get(1),
            actor: r.get(2),
            action: r.get(3),
            target: r.get(4),
            details: r.get(5),
            prev_hash: r.get(6),
            hash: r.get(7),
        })
        .collect();
    let cps = client
        .query(
            "SELECT seq, hash, signature FROM audit_checkpoint ORDER BY seq",
            &[],
        )
        .await?
        .iter()
        .map(|r| Checkpoint {
            seq: r.get(0),
            hash: r.get(1),
            signature: r.get(2),
        })
        .collect();
    Ok((entries, cps))
}

/// What the verifier found wrong, each naming the row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    /// The row's content no longer matches its hash.
    Edited { seq: i64 },
    /// Rows with these numbers are gone.
    Missing { from: i64, to: i64 },
    /// The row does not follow the one before it (reordered or replaced).
    BrokenLink { seq: i64 },
    /// The log starts after 1 and no checkpoint vouches for the start.
    UnanchoredStart { seq: i64 },
    /// A signed checkpoint disagrees with the row it names.
    CheckpointMismatch { seq: i64 },
    /// A signed checkpoint names a row past the end: the tail was cut.
    Truncated { checkpoint: i64, last: i64 },
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Edited { seq } => write!(
                f,
                "row {seq} was edited (its hash does not match its content)"
            ),
            Self::Missing { from, to } if from == to => write!(f, "row {from} was deleted"),
            Self::Missing { from, to } => write!(f, "rows {from} to {to} were deleted"),
            Self::BrokenLink { seq } => write!(
                f,
                "row {seq} does not follow the row before it (reordered or replaced)"
            ),
            Self::UnanchoredStart { seq } => write!(
                f,
                "the log starts at row {seq} and no signed checkpoint covers the rows before it"
            ),
            Self::CheckpointMismatch { seq } => write!(
                f,
                "the signed checkpoint at row {seq} does not match the log (history rewritten)"
            ),
            Self::Truncated { checkpoint, last } => {
                write!(f, "a signed checkpoint names row {checkpoint} but the log ends at row {last} (rows removed from the end)")
            }
        }
    }
}

#[derive(Debug, Default)]
pub struct Report {
    pub rows: usize,
    pub first: Option<i64>,
    pub last: Option<i64>,
    pub checkpoints: usize,
    pub findings: Vec<Finding>,
}

/// Recomputes the chain. `checkpoints` must already have had their
/// signatures checked; a checkpoint with a bad signature must not be given.
pub fn verify_chain(entries: &[Entry], checkpoints: &[Checkpoint]) -> Report {
    let mut report = Report {
        rows: entries.len(),
        checkpoints: checkpoints.len(),
        ..Report::default()
    };
    report.first = entries.first().map(|e| e.seq);
    report.last = entries.last().map(|e| e.seq);
    let (mut expected_seq, mut prev) = match entries.first() {
        None => (1, vec![0u8; 32]),
        Some(first) if first.seq == 1 => (1, vec![0u8; 32]),
        Some(first) => match checkpoints.iter().find(|c| c.seq == first.seq - 1) {
            Some(c) => (first.seq, c.hash.clone()),
            None => {
                report
                    .findings
                    .push(Finding::UnanchoredStart { seq: first.seq });
                (first.seq, first.prev_hash.clone())
            }
        },
    };
    for e in entries {
        if e.seq != expected_seq {
            if e.seq > expected_seq {
                report.findings.push(Finding::Missing {
                    from: expected_seq,
                    to: e.seq - 1,
                });
            } else {
                report.findings.push(Finding::BrokenLink { seq: e.seq });
            }
        } else if e.prev_hash != prev {
            report.findings.push(Finding::BrokenLink { seq: e.seq });
        }
        if entry_hash(&e.prev_hash, e) != e.hash {
            report.findings.push(Finding::Edited { seq: e.seq });
        }
        prev = e.hash.clone();
        expected_seq = e.seq + 1;
    }
    let last = report.last.unwrap_or(0);
    for c in checkpoints {
        match entries.iter().find(|e| e.seq == c.seq) {
            Some(e) if e.hash != c.hash => report
                .findings
                .push(Finding::CheckpointMismatch { seq: c.seq }),
            Some(_) => {}
            None if c.seq > last => report.findings.push(Finding::Truncated {
                checkpoint: c.seq,
                last,
            }),
            // Before the first kept row: pruned, and the anchor check above covers it.
            None => {}
        }
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<Entry> {
        let mut prev = vec![0u8; 32];
        (1..=n)
            .map(|seq| {
                let mut e = Entry {
                    seq,
                    at_us: 1_700_000_000_000_000 + seq,
                    actor: format!("user-{seq}"),
                    action: "login".into(),
                    target: String::new(),
                    details: "{}".into(),
                    prev_hash: prev.clone(),
                    hash: Vec::new(),
                };
                e.hash = entry_hash(&prev, &e);
                prev = e.hash.clone();
                e
            })
            .collect()
    }

    #[test]
    fn an_intact_chain_verifies() {
        assert!(verify_chain(&chain(5), &[]).findings.is_empty());
    }

    #[test]
    fn edits_deletions_and_swaps_are_named() {
        let mut c = chain(6);
        c[1].action = "logout".into();
        c.remove(3);
        c.swap(3, 4);
        let f = verify_chain(&c, &[]).findings;
        assert!(f.contains(&Finding::Edited { seq: 2 }), "{f:?}");
        assert!(
            f.iter().any(|x| matches!(
                x,
                Finding::Missing { from: 4, to: 4 } | Finding::Missing { .. }
            )),
            "{f:?}"
        );
        assert!(
            f.iter().any(|x| matches!(x, Finding::BrokenLink { .. })),
            "{f:?}"
        );
    }

    #[test]
    fn fields_cannot_be_shifted_between_columns() {
        let c = chain(1);
        let mut shifted = c[0].clone();
        shifted.actor = "user-1lo".into();
        shifted.action = "gin".into();
        assert_ne!(entry_hash(&c[0].prev_hash, &shifted), c[0].hash);
    }

    #[test]
    fn pruning_needs_a_checkpoint_and_truncation_is_seen() {
        let c = chain(6);
        let pruned = &c[3..];
        let f = verify_chain(pruned, &[]).findings;
        assert_eq!(f, vec![Finding::UnanchoredStart { seq: 4 }]);
        let cp = Checkpoint {
            seq: 3,
            hash: c[2].hash.clone(),
            signature: String::new(),
        };
        assert!(verify_chain(pruned, &[cp]).findings.is_empty());
        let cp = Checkpoint {
            seq: 6,
            hash: c[5].hash.clone(),
            signature: String::new(),
        };
        let f = verify_chain(&c[..4], &[cp]).findings;
        assert_eq!(
            f,
            vec![Finding::Truncated {
                checkpoint: 6,
                last: 4
            }]
        );
    }
}
