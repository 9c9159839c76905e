//! The operator endpoints (`/livez`, `/readyz`): plain HTTP on a loopback
//! address or a unix socket, never on the public listener, so that the
//! version and internal state are not shown to the network.

use std::convert::Infallible;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{header, Request, Response, StatusCode};
use http_body_util::Full;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::sync::watch;

use crate::listener::OpsSocket;
use custodian_core::health::{Health, State};

/// The release directory this binary runs from (`…/releases/<name>/bin/
/// custodiand`), so that custodian-updated can tell which release answers.
static RELEASE: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();

/// Read once at start, before the sandbox hides the file system.
pub fn set_release_from_exe() -> Option<String> {
    let release = std::env::current_exe().ok().and_then(|exe| {
        let bin = exe.parent()?;
        let dir = bin.parent()?;
        let in_releases = dir.parent()?.file_name()? == "releases" && bin.file_name()? == "bin";
        in_releases.then(|| dir.file_name()?.to_str().map(str::to_owned))?
    });
    RELEASE.get_or_init(|| release).clone()
}

fn respond(health: &Health, path: &str) -> Response<Full<Bytes>> {
    let (status, body) = match path {
        "/livez" => (StatusCode::OK, serde_json::json!({"status": "alive"})),
        "/readyz" => {
            let state = health.state();
            let status = if state == State::Ready {
                StatusCode::OK
            } else {
                StatusCode::SERVICE_UNAVAILABLE
            };
            let problems: std::collections::BTreeMap<String, String> =
                health.problems().into_iter().collect();
            let word = match state {
                State::Ready if !problems.is_empty() => "degraded",
                State::Ready => "ready",
                State::Starting => "starting",
                State::Stopping => "stopping",
            };
            let mut body = serde_json::json!({
                "status": word,
                "problems": problems,
                "version": env!("CARGO_PKG_VERSION"),
                "release": RELEASE.get().cloned().flatten(),
                "open_connections": health.stats.open_connections.load(Ordering::Relaxed),
                "refused_connections": health.stats.refused_connections.load(Ordering::Relaxed),
            });
            // Load is reported, never judged here: an overloaded appliance
            // is still ready (it sheds and recovers by itself), and the
            // updater must not roll back a release for a busy minute.
            if let (Some(b), serde_json::Value::Object(l)) =
                (body.as_object_mut(), health.load.readiness())
            {
                b.extend(l);
            }
            (status, body)
        }
        _ => (
            StatusCode::NOT_FOUND,
            serde_json::json!({"error": "not found"}),
        ),
    };
    let mut res = Response::new(Full::new(Bytes::from(body.to_string())));
    *res.status_mut() = status;
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        http::HeaderValue::from_static("no-store"),
    );
    res
}

async fn serve_one<I>(io: I, health: Arc<Health>)
where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let svc = service_fn(move |req: Request<hyper::body::Incoming>| {
        let res = respond(&health, req.uri().path());
        async move { Ok::<_, Infallible>(res) }
    });
    let conn = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(Duration::from_secs(5))
        .serve_connection(TokioIo::new(io), svc);
    let _ = tokio::time::timeout(Duration::from_secs(30), conn).await;
}

pub async fn run(socket: OpsSocket, health: Arc<Health>, mut shutdown: watch::Receiver<bool>) {
    match socket {
        OpsSocket::Tcp(l) => {
            let Ok(l) = tokio::net::TcpListener::from_std(l) else {
                return;
            };
            loop {
                tokio::select! {
                    r = l.accept() => if let Ok((s, _)) = r { tokio::spawn(serve_one(s, Arc::clone(&health))); },
                    _ = shutdown.changed() => break,
                }
            }
        }
        OpsSocket::Unix(l, path) => {
            let Ok(l) = tokio::net::UnixListener::from_std(l) else {
                return;
            };
            loop {
                tokio::select! {
                    r = l.accept() => if let Ok((s, _)) = r { tokio::spawn(serve_one(s, Arc::clone(&health))); },
                    _ = shutdown.changed() => break,
                }
            }
            let _ = std::fs::remove_file(path);
        }
    }
}
