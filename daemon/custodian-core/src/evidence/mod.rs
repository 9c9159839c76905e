//! Evidence records. Every function takes a policy [`Permit`] and runs in
//! a transaction that names the acting account to PostgreSQL, whose
//! row-level security applies the one access predicate to every read.
//!
//! [`Permit`]: crate::policy::Permit

pub mod bilingual;
pub mod csv_import;
pub mod event_types;
pub mod exports;
pub mod imports;
pub mod items;
pub mod kind;
pub mod links;
pub mod media;
pub mod pickers;
pub mod query;
pub mod record_imports;
pub mod record_page;
pub mod sanitize;
pub mod saved_searches;
pub mod search;
pub mod search_jobs;
pub mod store;
pub mod summary;
pub mod uploads;

use tokio_postgres::types::ToSql;
use tokio_postgres::{Row, Transaction};

use crate::error::CoreError;
use crate::policy::Actor;

/// Names the acting account for the rest of the transaction only. One
/// round trip in the simple protocol (nothing to prepare): the id is an
/// integer the session look-up read, formatted, never text from a request.
async fn act_as(tx: &Transaction<'_>, actor: &Actor) -> Result<(), CoreError> {
    let id: i64 = actor.user_id;
    tx.batch_execute(&format!(
        "SELECT set_config('custodian.user_id', '{id}', true)"
    ))
    .await?;
    Ok(())
}

/// A read in a transaction: its statement is prepared once per connection
/// (deadpool's cache, so a repeat is one round trip and no new plan), and
/// reads awaited together on one transaction are pipelined by
/// tokio-postgres. Only for statements whose text is fixed (values go in
/// parameters), or the cache would grow with every request.
async fn rows(
    tx: &deadpool_postgres::Transaction<'_>,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
) -> Result<Vec<Row>, CoreError> {
    let statement = tx.prepare_cached(sql).await?;
    Ok(tx.query(&statement, params).await?)
}
