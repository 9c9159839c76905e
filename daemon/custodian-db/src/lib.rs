//! Custodian's database layer: the migration runner (run with the owner's
//! credentials only), the schema-version check custodiand runs at start,
//! and the hash-chained activity log with its verifier.

#![forbid(unsafe_code)]

pub mod audit;
pub mod migrations;

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("database: {0}")]
    Postgres(#[from] tokio_postgres::Error),
    #[error("migration {version} ({name}) was changed after it was applied (checksum {found}, expected {expected}); restore the original file")]
    ChangedMigration {
        version: i32,
        name: String,
        found: String,
        expected: String,
    },
    #[error("the database schema is at version {db}, newer than this program knows ({known}), and migration {breaking} changed what older programs rely on; upgrade custodian before running it")]
    NewerSchema { db: i32, known: i32, breaking: i32 },
    #[error("migration {version} ({name}) failed: {source}")]
    Migration {
        version: i32,
        name: &'static str,
        source: tokio_postgres::Error,
    },
}
