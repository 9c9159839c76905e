//! Plain SQL migrations from `migrations/`, embedded in the binary and
//! applied in order, each in its own transaction, under an advisory lock.
//! A table records what was applied with its SHA-256, so an edited
//! migration is detected instead of silently diverging.
//!
//! A migration whose first line is [`ADDITIVE_MARK`] only adds (tables,
//! columns with defaults, indexes, grants): programs built before it still
//! run on the schema it leaves. That is what lets a failed update roll
//! back to the previous release after the new one migrated; any other
//! migration is a line older programs cannot cross.

use sha2::{Digest, Sha256};
use tokio_postgres::Client;

use crate::DbError;

pub struct Migration {
    pub version: i32,
    pub name: &'static str,
    pub sql: &'static str,
}

/// The first line of a migration that older programs survive.
pub const ADDITIVE_MARK: &str = "-- custodian: additive";

impl Migration {
    pub fn additive(&self) -> bool {
        self.sql.starts_with(ADDITIVE_MARK)
    }
}

pub static MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "audit_log",
        sql: include_str!("../../../migrations/0001_audit_log.sql"),
    },
    Migration {
        version: 2,
        name: "identity",
        sql: include_str!("../../../migrations/0002_identity.sql"),
    },
    Migration {
        version: 3,
        name: "totp",
        sql: include_str!("../../../migrations/0003_totp.sql"),
    },
    Migration {
        version: 4,
        name: "recovery_codes",
        sql: include_str!("../../../migrations/0004_recovery_codes.sql"),
    },
    Migration {
        version: 5,
        name: "passkeys_notifications",
        sql: include_str!("../../../migrations/0005_passkeys_notifications.sql"),
    },
    Migration {
        version: 6,
        name: "bulletins",
        sql: include_str!("../../../migrations/0006_bulletins.sql"),
    },
    Migration {
        version: 7,
        name: "media",
        sql: include_str!("../../../migrations/0007_media.sql"),
    },
    Migration {
        version: 8,
        name: "exports",
        sql: include_str!("../../../migrations/0008_exports.sql"),
    },
    Migration {
        version: 9,
        name: "settings",
        sql: include_str!("../../../migrations/0009_settings.sql"),
    },
    Migration {
        version: 10,
        name: "reference_data",
        sql: include_str!("../../../migrations/0010_reference_data.sql"),
    },
    Migration {
        version: 11,
        name: "updater_cursor",
        sql: include_str!("../../../migrations/0011_updater_cursor.sql"),
    },
    Migration {
        version: 12,
        name: "actors_incidents",
        sql: include_str!("../../../migrations/0012_actors_incidents.sql"),
    },
    Migration {
        version: 13,
        name: "relations_events",
        sql: include_str!("../../../migrations/0013_relations_events.sql"),
    },
    Migration {
        version: 14,
        name: "link_withdrawal",
        sql: include_str!("../../../migrations/0014_link_withdrawal.sql"),
    },
    Migration {
        version: 15,
        name: "event_type_admin",
        sql: include_str!("../../../migrations/0015_event_type_admin.sql"),
    },
    Migration {
        version: 16,
        name: "second_factor_lockout",
        sql: include_str!("../../../migrations/0016_second_factor_lockout.sql"),
    },
    Migration {
        version: 17,
        name: "record_rules",
        sql: include_str!("../../../migrations/0017_record_rules.sql"),
    },
    Migration {
        version: 18,
        name: "admin_confirmation",
        sql: include_str!("../../../migrations/0018_admin_confirmation.sql"),
    },
    Migration {
        version: 19,
        name: "checkpoint_definer",
        sql: include_str!("../../../migrations/0019_checkpoint_definer.sql"),
    },
    Migration {
        version: 20,
        name: "rule_functions_qualified",
        sql: include_str!("../../../migrations/0020_rule_functions_qualified.sql"),
    },
    Migration {
        version: 21,
        name: "admin_password_reset",
        sql: include_str!("../../../migrations/0021_admin_password_reset.sql"),
    },
    Migration {
        version: 22,
        name: "device_cleanup_definer",
        sql: include_str!("../../../migrations/0022_device_cleanup_definer.sql"),
    },
    Migration {
        version: 23,
        name: "record_reference_lookup",
        sql: include_str!("../../../migrations/0023_record_reference_lookup.sql"),
    },
    Migration {
        version: 24,
        name: "reader_once_per_statement",
        sql: include_str!("../../../migrations/0024_reader_once_per_statement.sql"),
    },
    Migration {
        version: 25,
        name: "list_order_indexes",
        sql: include_str!("../../../migrations/0025_list_order_indexes.sql"),
    },
    Migration {
        version: 26,
        name: "search",
        sql: include_str!("../../../migrations/0026_search.sql"),
    },
    Migration {
        version: 27,
        name: "list_filter_indexes",
        sql: include_str!("../../../migrations/0027_list_filter_indexes.sql"),
    },
    Migration {
        version: 28,
        name: "link_read_inline",
        sql: include_str!("../../../migrations/0028_link_read_inline.sql"),
    },
    Migration {
        version: 29,
        name: "account_preferences",
        sql: include_str!("../../../migrations/0029_account_preferences.sql"),
    },
    Migration {
        version: 30,
        name: "notification_keys",
        sql: include_str!("../../../migrations/0030_notification_keys.sql"),
    },
    Migration {
        version: 31,
        name: "bilingual_records",
        sql: include_str!("../../../migrations/0031_bilingual_records.sql"),
    },
    Migration {
        version: 32,
        name: "audit_action_index",
        sql: include_str!("../../../migrations/0032_audit_action_index.sql"),
    },
    Migration {
        version: 33,
        name: "bulletin_imports",
        sql: include_str!("../../../migrations/0033_bulletin_imports.sql"),
    },
    Migration {
        version: 34,
        name: "bilingual_reference_data",
        sql: include_str!("../../../migrations/0034_bilingual_reference_data.sql"),
    },
    Migration {
        version: 35,
        name: "saved_searches",
        sql: include_str!("../../../migrations/0035_saved_searches.sql"),
    },
    Migration {
        version: 36,
        name: "search_jobs",
        sql: include_str!("../../../migrations/0036_search_jobs.sql"),
    },
    Migration {
        version: 37,
        name: "narrower_inserts",
        sql: include_str!("../../../migrations/0037_narrower_inserts.sql"),
    },
    Migration {
        version: 38,
        name: "reader_facts_inline",
        sql: include_str!("../../../migrations/0038_reader_facts_inline.sql"),
    },
];

/// The schema version this build expects.
pub fn expected_version() -> i32 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

/// What `compatible_from` will be once this build has migrated a database:
/// its newest migration that is not additive.
pub fn compatible_from_after_migrating() -> i32 {
    MIGRATIONS
        .iter()
        .filter(|m| !m.additive())
        .map(|m| m.version)
        .max()
        .unwrap_or(0)
}

fn checksum(sql: &str) -> String {
    hex::encode(Sha256::digest(sql.as_bytes()))
}

const BOOKKEEPING: &str = "
CREATE TABLE IF NOT EXISTS custodian_schema (
    version    integer PRIMARY KEY,
    name       text NOT NULL,
    sha256     text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE custodian_schema ADD COLUMN IF NOT EXISTS additive boolean NOT NULL DEFAULT false;
-- The runtime role may learn the version, not the history. A program that
-- expects version E runs on this database when compatible_from <= E <= version.
CREATE OR REPLACE VIEW custodian_schema_version AS
    SELECT coalesce(max(version), 0) AS version,
           coalesce(max(version) FILTER (WHERE NOT additive), 0) AS compatible_from
    FROM custodian_schema;
GRANT SELECT ON custodian_schema_version TO custodian_runtime;
";

/// The schema version recorded in the database (0 for an empty database).
pub async fn current_version(client: &Client) -> Result<i32, DbError> {
    let exists: bool = client
        .query_one(
            "SELECT to_regclass('public.custodian_schema_version') IS NOT NULL",
            &[],
        )
        .await?
        .get(0);
    if !exists {
        return Ok(0);
    }
    Ok(client
        .query_one("SELECT version FROM custodian_schema_version", &[])
        .await?
        .get(0))
}

/// The oldest schema version a program may expect and still run on this
/// database: the newest migration that was not additive.
pub async fn compatible_from(client: &Client) -> Result<i32, DbError> {
    Ok(client
        .query_one("SELECT compatible_from FROM custodian_schema_version", &[])
        .await?
        .get(0))
}

/// Applies what is pending; returns the versions applied.
pub async fn migrate(client: &mut Client, progress: &dyn Fn(&str)) -> Result<Vec<i32>, DbError> {
    {
        let tx = client.transaction().await?;
        tx.execute(
            "SELECT pg_advisory_xact_lock(hashtext('custodian-migrations'))",
            &[],
        )
        .await?;
        tx.batch_execute(BOOKKEEPING).await?;
        tx.commit().await?;
    }
    let mut applied = Vec::new();
    for m in MIGRATIONS {
        let tx = client.transaction().await?;
        tx.execute(
            "SELECT pg_advisory_xact_lock(hashtext('custodian-migrations'))",
            &[],
        )
        .await?;
        let row = tx
            .query_opt(
                "SELECT sha256 FROM custodian_schema WHERE version = $1",
                &[&m.version],
            )
            .await?;
        let sum = checksum(m.sql);
        match row {
            Some(r) => {
                let found: String = r.get(0);
                if found != sum {
                    return Err(DbError::ChangedMigration {
                        version: m.version,
                        name: m.name.into(),
                        found,
                        expected: sum,
                    });
                }
            }
            None => {
                progress(&format!("applying migration {} ({})", m.version, m.name));
                tx.batch_execute(m.sql)
                    .await
                    .map_err(|source| DbError::Migration {
                        version: m.version,
                        name: m.name,
                        source,
                    })?;
                tx.execute(
                    "INSERT INTO custodian_schema (version, name, sha256, additive) \
                     VALUES ($1, $2, $3, $4)",
                    &[&m.version, &m.name, &sum, &m.additive()],
                )
                .await?;
                applied.push(m.version);
            }
        }
        tx.commit().await?;
    }
    let db = current_version(client).await?;
    if db > expected_version() {
        let from = compatible_from(client).await?;
        if from > expected_version() {
            return Err(DbError::NewerSchema {
                db,
                known: expected_version(),
                breaking: from,
            });
        }
        progress(&format!(
            "the schema is at version {db}, newer than this build ({}); the newer migrations only add, so nothing was changed",
            expected_version()
        ));
    }
    Ok(applied)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_numbered_in_order_from_one() {
        assert_eq!(MIGRATIONS.first().map(|m| m.version), Some(1));
        for (i, m) in MIGRATIONS.iter().enumerate() {
            assert_eq!(m.version as usize, i + 1, "{}", m.name);
            assert!(!m.sql.trim().is_empty());
        }
    }
}
