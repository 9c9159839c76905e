//! custodiand's side of signed updates: it may only ask custodian-updated
//! (over its peer-checked socket) for `status`, `check` and `apply`, and it
//! copies each update step the updater reports into the activity log, where
//! administrators see them beside everything else.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::config::UpdatesConfig;
use crate::pool::{Database, DbError};

/// Why custodian-updated gave no usable answer. Each says what to check.
#[derive(Debug, thiserror::Error)]
pub enum UpdaterError {
    #[error("updates are not configured here (no [updates] in custodiand.toml)")]
    NotConfigured,
    #[error("custodian-updated is not reachable ({0}); is it running?")]
    Unreachable(#[source] std::io::Error),
    #[error("the exchange with custodian-updated broke off: {0}")]
    Exchange(#[source] std::io::Error),
    #[error("custodian-updated gave a malformed answer: {0}")]
    Malformed(#[source] serde_json::Error),
    #[error("custodian-updated did not answer within 2 minutes")]
    Timeout,
    #[error("custodian-updated refused: {0}")]
    Refused(String),
    #[error("the update steps could not be copied into the activity log: {0}")]
    Db(#[from] DbError),
}

impl UpdaterError {
    /// What the administrator is told, by catalogue key (`updates-…` in
    /// problems.ftl); `Display` stays for the journal.
    pub fn problem(&self) -> crate::error::Problem {
        use crate::error::Problem;
        match self {
            UpdaterError::NotConfigured => Problem::new("updates-not-configured")
                .with("file", "custodiand.toml")
                .with("table", "[updates]"),
            UpdaterError::Unreachable(_) => Problem::new("updates-unreachable"),
            UpdaterError::Exchange(_) => Problem::new("updates-exchange"),
            UpdaterError::Malformed(_) => Problem::new("updates-malformed"),
            UpdaterError::Timeout => Problem::new("updates-timeout"),
            // The updater's own words: it has no catalogue.
            UpdaterError::Refused(why) => {
                Problem::new("updates-refused-by").with("reason", why.clone())
            }
            UpdaterError::Db(_) => Problem::new("updates-not-copied"),
        }
    }
}

impl From<tokio_postgres::Error> for UpdaterError {
    fn from(e: tokio_postgres::Error) -> Self {
        Self::Db(DbError::Postgres(e))
    }
}

/// One request, one answer; the updater closes the connection.
pub async fn ask(
    socket: &Path,
    request: &serde_json::Value,
) -> Result<serde_json::Value, UpdaterError> {
    let exchange = async {
        let mut s = tokio::net::UnixStream::connect(socket)
            .await
            .map_err(UpdaterError::Unreachable)?;
        let mut line = serde_json::to_vec(request).map_err(UpdaterError::Malformed)?;
        line.push(b'\n');
        s.write_all(&line).await.map_err(UpdaterError::Exchange)?;
        let mut buf = Vec::new();
        (&mut s)
            .take(8 * 1024 * 1024)
            .read_to_end(&mut buf)
            .await
            .map_err(UpdaterError::Exchange)?;
        serde_json::from_slice::<serde_json::Value>(&buf).map_err(UpdaterError::Malformed)
    };
    // An elapsed timer is the whole cause: there is nothing more to keep.
    tokio::time::timeout(Duration::from_secs(120), exchange)
        .await
        .unwrap_or(Err(UpdaterError::Timeout))
}

/// Copies new updater events into the activity log, forever.
pub async fn follow(config: UpdatesConfig, db: Arc<Database>) {
    let period = Duration::from_secs(config.follow_secs.max(1));
    loop {
        if let Err(e) = copy_new_events(&config.socket, &db).await {
            tracing::debug!(error = %e, "update steps not copied this time");
        }
        tokio::time::sleep(period).await;
    }
}

/// Each event and the cursor move in one transaction: none twice, none lost.
pub async fn copy_new_events(socket: &Path, db: &Database) -> Result<usize, UpdaterError> {
    let mut client = db.client().await?;
    let after: i64 = client
        .query_one("SELECT seq FROM updater_cursor", &[])
        .await?
        .get(0);
    let answer = ask(
        socket,
        &serde_json::json!({"op": "status", "events_after": after.max(0)}),
    )
    .await?;
    let events = answer["status"]["events"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut copied = 0;
    for e in events {
        let Some(seq) = e["seq"].as_i64().filter(|s| *s > after) else {
            continue;
        };
        let step = e["step"].as_str().unwrap_or("unknown");
        let step: String = step
            .chars()
            .filter(|c| c.is_ascii_lowercase() || *c == '-')
            .take(32)
            .collect();
        let version = e["version"]
            .as_str()
            .unwrap_or("")
            .chars()
            .take(32)
            .collect::<String>();
        let details = serde_json::json!({
            "updater_seq": seq,
            "op": e["op"],
            "outcome": e["outcome"],
            "detail": e["detail"],
            "at": e["at"],
        });
        let tx = client.transaction().await?;
        let moved = tx
            .execute("UPDATE updater_cursor SET seq = $1 WHERE seq < $1", &[&seq])
            .await?;
        if moved == 1 {
            custodian_db::audit::record(
                &*tx,
                "custodian-updated",
                &format!("update.{step}"),
                &version,
                &details,
            )
            .await
            .map_err(DbError::from)?;
        }
        tx.commit().await?;
        copied += usize::try_from(moved).unwrap_or(0);
    }
    Ok(copied)
}
