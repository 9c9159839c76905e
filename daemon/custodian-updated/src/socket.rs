//! The only way in: a unix socket, mode 0660, group of custodiand's
//! account, and every connection's peer checked with SO_PEERCRED. One
//! JSON request per connection: `status`, `check` or `apply` a version.
//! Nothing asked can name a URL, a path or a key; a version must resolve
//! against freshly verified targets.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};

use crate::engine::{Engine, Origin};
use crate::version::Version;

const MAX_REQUEST: u64 = 1024;

#[derive(Debug, Deserialize)]
#[serde(tag = "op", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Request {
    Status {
        #[serde(default)]
        events_after: u64,
    },
    Check,
    Apply {
        version: Version,
    },
}

pub struct Peer {
    pub uid: u32,
    pub gid: u32,
}

/// Binds the socket for `peer` only (root may not use it either: the
/// operator's way is `custodian-updated check|apply` at the console).
pub fn bind(path: &Path, peer: &Peer) -> std::io::Result<UnixListener> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    let l = UnixListener::bind(path)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o660))?;
    nix::unistd::chown(path, None, Some(nix::unistd::Gid::from_raw(peer.gid)))
        .map_err(std::io::Error::from)?;
    Ok(l)
}

pub async fn serve(listener: UnixListener, engine: Arc<Engine>, peer: Arc<Peer>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let engine = Arc::clone(&engine);
        let peer = Arc::clone(&peer);
        tokio::spawn(async move {
            let _ = tokio::time::timeout(Duration::from_secs(300), one(stream, engine, peer)).await;
        });
    }
}

async fn one(mut stream: UnixStream, engine: Arc<Engine>, peer: Arc<Peer>) {
    // The request is read (bounded) even from a refused peer, so that the
    // refusal reaches it instead of a connection reset.
    let mut line = String::new();
    let read = tokio::time::timeout(
        Duration::from_secs(5),
        BufReader::new((&mut stream).take(MAX_REQUEST)).read_line(&mut line),
    )
    .await;
    let cred = stream.peer_cred();
    let allowed = cred.as_ref().is_ok_and(|c| c.uid() == peer.uid);
    if !allowed {
        let who = cred.map(|c| (c.uid(), c.pid())).ok();
        tracing::warn!(
            ?who,
            "update socket: peer refused (not custodiand's account)"
        );
        let _ = reply(
            &mut stream,
            &serde_json::json!({"ok": false, "error": "not allowed"}),
        )
        .await;
        return;
    }
    let request = match read {
        Ok(Ok(_)) => serde_json::from_str::<Request>(line.trim()),
        _ => {
            let _ = reply(
                &mut stream,
                &serde_json::json!({"ok": false, "error": "no request"}),
            )
            .await;
            return;
        }
    };
    let answer = match request {
        Err(e) => serde_json::json!({"ok": false, "error": format!("bad request: {e}")}),
        Ok(Request::Status { events_after }) => match engine.status(events_after) {
            Ok(s) => serde_json::json!({"ok": true, "status": s}),
            Err(e) => serde_json::json!({"ok": false, "error": e}),
        },
        Ok(Request::Check) => serde_json::json!({"ok": true, "check": engine.check().await}),
        Ok(Request::Apply { version }) => match engine.prepare(version, Origin::Socket).await {
            Ok(plan) => {
                let e = Arc::clone(&engine);
                tokio::spawn(async move {
                    if let Err(why) = e.execute(plan).await {
                        tracing::warn!(%why, "update not installed");
                    }
                });
                serde_json::json!({"ok": true, "started": version})
            }
            Err(e) => serde_json::json!({"ok": false, "error": e}),
        },
    };
    let _ = reply(&mut stream, &answer).await;
}

async fn reply(stream: &mut UnixStream, v: &serde_json::Value) -> std::io::Result<()> {
    let mut bytes = serde_json::to_vec(v).unwrap_or_default();
    bytes.push(b'\n');
    stream.write_all(&bytes).await?;
    stream.shutdown().await
}

/// Asks the daemon once (for custodiand, and for tests as its account).
pub async fn ask(path: &Path, request: &serde_json::Value) -> Result<serde_json::Value, String> {
    let mut s = UnixStream::connect(path)
        .await
        .map_err(|e| format!("cannot reach custodian-updated at {}: {e}", path.display()))?;
    let mut line = serde_json::to_vec(request).map_err(|e| e.to_string())?;
    line.push(b'\n');
    s.write_all(&line).await.map_err(|e| e.to_string())?;
    let mut buf = Vec::new();
    tokio::time::timeout(
        Duration::from_secs(120),
        (&mut s).take(8 * 1024 * 1024).read_to_end(&mut buf),
    )
    .await
    .map_err(|_| "custodian-updated did not answer".to_owned())?
    .map_err(|e| e.to_string())?;
    serde_json::from_slice(&buf).map_err(|e| format!("malformed answer: {e}"))
}
