//! custodiand's side of signed updates: it may only ask custodian-updated
//! (over its peer-checked socket) for `status`, `check` and `apply`, and it
//! copies each update step the updater reports into the activity log, where
//! administrators see them beside everything else.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::config::UpdatesConfig;
use crate::pool::Database;

/// One request, one answer; the updater closes the connection.
pub async fn ask(socket: &Path, request: &serde_json::Value) -> Result<serde_json::Value, String> {
    let exchange = async {
        let mut s = tokio::net::UnixStream::connect(socket)
            .await
            .map_err(|e| format!("custodian-updated is not reachable ({e}); is it running?"))?;
        let mut line = serde_json::to_vec(request).map_err(|e| e.to_string())?;
        line.push(b'\n');
        s.write_all(&line).await.map_err(|e| e.to_string())?;
        let mut buf = Vec::new();
        (&mut s)
            .take(8 * 1024 * 1024)
            .read_to_end(&mut buf)
            .await
            .map_err(|e| e.to_string())?;
        serde_json::from_slice::<serde_json::Value>(&buf)
            .map_err(|e| format!("custodian-updated gave a malformed answer: {e}"))
    };
    tokio::time::timeout(Duration::from_secs(120), exchange)
        .await
        .map_err(|_| "custodian-updated did not answer within 2 minutes".to_owned())?
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
pub async fn copy_new_events(socket: &Path, db: &Database) -> Result<usize, String> {
    let mut client = db.client().await.map_err(|e| e.to_string())?;
    let after: i64 = client
        .query_one("SELECT seq FROM updater_cursor", &[])
        .await
        .map_err(|e| e.to_string())?
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
        let tx = client.transaction().await.map_err(|e| e.to_string())?;
        let moved = tx
            .execute("UPDATE updater_cursor SET seq = $1 WHERE seq < $1", &[&seq])
            .await
            .map_err(|e| e.to_string())?;
        if moved == 1 {
            custodian_db::audit::record(
                &*tx,
                "custodian-updated",
                &format!("update.{step}"),
                &version,
                &details,
            )
            .await
            .map_err(|e| e.to_string())?;
        }
        tx.commit().await.map_err(|e| e.to_string())?;
        copied += usize::try_from(moved).unwrap_or(0);
    }
    Ok(copied)
}
