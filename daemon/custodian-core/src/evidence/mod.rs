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
pub mod sanitize;
pub mod saved_searches;
pub mod search;
pub mod search_jobs;
pub mod store;
pub mod summary;
pub mod uploads;

use tokio_postgres::Transaction;

use crate::error::CoreError;
use crate::policy::Actor;

/// Names the acting account for the rest of the transaction only.
async fn act_as(tx: &Transaction<'_>, actor: &Actor) -> Result<(), CoreError> {
    tx.execute(
        "SELECT set_config('custodian.user_id', $1, true)",
        &[&actor.user_id.to_string()],
    )
    .await?;
    Ok(())
}
