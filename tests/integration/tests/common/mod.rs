//! Clients shared by the integration tests.
#![allow(dead_code)]

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use custodian_harness::{daemon::TEST_USER, ensure_system_user, is_root, Daemon, DaemonConfig};
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;

pub mod backup;
pub mod web;

/// Starts a daemon; as root (CI) it drops to the test account.
pub fn daemon(cfg: DaemonConfig) -> Daemon {
    assert!(
        is_root(),
        "these tests start custodiand as root, as production does; run them as root (CI does)"
    );
    ensure_system_user(TEST_USER).expect("create the test account");
    Daemon::start(cfg).unwrap_or_else(|e| panic!("custodiand did not start: {e}"))
}

pub fn client(d: &Daemon) -> reqwest::Client {
    client_from(d, IpAddr::from([127, 0, 0, 1]))
}

/// A client whose connections come from `source` (any 127/8 address).
pub fn client_from(d: &Daemon, source: IpAddr) -> reqwest::Client {
    reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_der(&d.client_ca_der).expect("CA"))
        .resolve("localhost", d.addr())
        .local_address(source)
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client")
}

pub fn tls_connector(d: &Daemon, alpn: &[&[u8]]) -> TlsConnector {
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from(d.client_ca_der.clone()))
        .expect("CA");
    let mut cfg = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("versions")
    .with_root_certificates(roots)
    .with_no_client_auth();
    cfg.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    TlsConnector::from(Arc::new(cfg))
}

/// A TCP connection to the daemon from a chosen loopback source address.
pub async fn tcp_from(d: &Daemon, source: IpAddr) -> std::io::Result<TcpStream> {
    let sock = TcpSocket::new_v4()?;
    sock.bind(SocketAddr::new(source, 0))?;
    sock.connect(d.addr()).await
}

/// A TLS connection speaking HTTP/1.1 from a chosen source address.
pub async fn tls_from(d: &Daemon, source: IpAddr) -> std::io::Result<TlsStream<TcpStream>> {
    let tcp = tcp_from(d, source).await?;
    tls_connector(d, &[b"http/1.1"])
        .connect(ServerName::try_from("localhost").expect("name"), tcp)
        .await
}

/// Reads until the peer closes; returns what arrived and whether the close
/// happened within `limit`.
pub async fn read_until_closed<S: AsyncReadExt + Unpin>(
    s: &mut S,
    limit: Duration,
) -> (Vec<u8>, bool) {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        match tokio::time::timeout_at(deadline, s.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return (out, true),
            Ok(Ok(n)) => out.extend_from_slice(&buf[..n]),
            Err(_) => return (out, false),
        }
    }
}

/// Sends a raw HTTP/1.1 request over TLS and returns the raw response.
pub async fn raw_request(d: &Daemon, request: &str) -> String {
    let mut s = tls_from(d, IpAddr::from([127, 0, 0, 1]))
        .await
        .expect("tls");
    s.write_all(request.as_bytes()).await.expect("write");
    let (out, _) = read_until_closed(&mut s, Duration::from_secs(10)).await;
    String::from_utf8_lossy(&out).into_owned()
}

/// Reads /proc/PID/status into (key, value) pairs.
pub fn proc_status(pid: u32) -> Vec<(String, String)> {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .expect("read /proc status")
        .lines()
        .filter_map(|l| {
            l.split_once(':')
                .map(|(k, v)| (k.to_owned(), v.trim().to_owned()))
        })
        .collect()
}

pub fn status_field(status: &[(String, String)], key: &str) -> String {
    status
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

/// The leaf certificate (DER) a fresh handshake is served.
pub async fn served_cert(d: &Daemon) -> Vec<u8> {
    let tcp = tcp_from(d, IpAddr::from([127, 0, 0, 1]))
        .await
        .expect("tcp");
    let tls = tls_connector(d, &[b"http/1.1"])
        .connect(ServerName::try_from("localhost").expect("name"), tcp)
        .await
        .expect("handshake");
    tls.get_ref().1.peer_certificates().expect("certificates")[0].to_vec()
}

/// Load from two kinds of client until `stop` turns true: one reusing its
/// connections, one opening a new connection (a full handshake) per
/// request. Returns (successes, failures with their errors).
pub async fn load_until(
    d: &Daemon,
    stop: tokio::sync::watch::Receiver<bool>,
) -> (u64, Vec<String>) {
    let keep_alive = client(d);
    let fresh = reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_der(&d.client_ca_der).expect("CA"))
        .resolve("localhost", d.addr())
        .pool_max_idle_per_host(0)
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client");
    let mut tasks = Vec::new();
    for c in [keep_alive.clone(), keep_alive, fresh.clone(), fresh] {
        let url = d.url("/");
        let stop = stop.clone();
        tasks.push(tokio::spawn(async move {
            let (mut ok, mut failed) = (0u64, Vec::new());
            while !*stop.borrow() {
                match c.get(&url).send().await {
                    Ok(r) if r.status() == 200 => match r.bytes().await {
                        Ok(_) => ok += 1,
                        Err(e) => failed.push(format!("body: {e:?}")),
                    },
                    Ok(r) => failed.push(format!("status {}", r.status())),
                    Err(e) => failed.push(format!("{e:?}")),
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            (ok, failed)
        }));
    }
    let mut ok = 0;
    let mut failed = Vec::new();
    for t in tasks {
        let (o, f) = t.await.expect("load task");
        ok += o;
        failed.extend(f);
    }
    (ok, failed)
}

/// The operator endpoint's readiness answer, parsed.
pub fn readyz(d: &Daemon) -> serde_json::Value {
    let raw = d.ops_get("/readyz").expect("ops");
    let body = raw
        .split_once("\r\n\r\n")
        .map(|(_, b)| b)
        .unwrap_or_default();
    serde_json::from_str(body).unwrap_or_else(|_| panic!("readyz: {raw}"))
}

/// The notifications whose row `n` (joined with its account `u`) meets
/// `condition`, oldest first, as the English catalogue words them (they
/// are stored by key), joined by " | ".
pub fn notifications_where(a: &custodian_harness::Appliance, condition: &str) -> String {
    let rows = a
        .pg
        .psql(
            "custodian",
            &format!(
                "SELECT coalesce(json_agg(json_build_object('key', n.message_key, 'args', n.message_args, \
                 'message', n.message) ORDER BY n.id), '[]') \
                 FROM notification n JOIN app_user u ON u.id = n.user_id WHERE {condition}"
            ),
        )
        .expect("sql");
    let rows: Vec<serde_json::Value> =
        serde_json::from_str(rows.trim()).expect("notifications as JSON");
    rows.iter()
        .map(|r| match (r["key"].as_str(), r["args"].as_object()) {
            // Without the marks that isolate each value, to compare words.
            (Some(key), Some(args)) => {
                custodian_web::i18n::notice_in(custodian_web::i18n::Lang::En, key, args)
                    .expect("a notice key")
                    .replace(['\u{2068}', '\u{2069}'], "")
            }
            _ => r["message"].as_str().unwrap_or_default().to_owned(),
        })
        .collect::<Vec<_>>()
        .join(" | ")
}

/// [`notifications_where`] for the account `user`.
pub fn notifications_of(a: &custodian_harness::Appliance, user: &str) -> String {
    notifications_where(a, &format!("u.username = '{user}'"))
}

/// `LOCK TABLE … IN ACCESS EXCLUSIVE MODE` held by a superuser psql
/// session of its own until released or dropped: every statement of
/// custodiand that reads the table waits for it.
pub struct TableLock {
    psql: std::process::Child,
}

impl TableLock {
    pub async fn take(pg: &custodian_harness::Postgres, table: &str) -> Self {
        use std::io::Write;
        use std::process::{Command, Stdio};
        // `PGPASSWORD='…' psql …`: exported, then psql in the shell's
        // place, so that killing the child ends the session.
        let line = pg.superuser_shell_command("custodian");
        let (password, psql) = line.split_once(' ').expect("PGPASSWORD=… psql …");
        let mut psql = Command::new("sh")
            .arg("-c")
            .arg(format!("export {password}; exec {psql}"))
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .expect("psql");
        let stdin = psql.stdin.as_mut().expect("stdin");
        writeln!(stdin, "BEGIN; LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE;").expect("lock");
        stdin.flush().expect("flush");
        let held = format!(
            "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation \
             WHERE c.relname = '{table}' AND l.mode = 'AccessExclusiveLock' AND l.granted"
        );
        // Bounded: a broken appliance fails the test instead of hanging it.
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        while pg.psql("custodian", &held).expect("pg_locks").trim() != "1" {
            assert!(std::time::Instant::now() < deadline, "no lock on {table}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Self { psql }
    }

    /// Ends the transaction (the lock goes with it) and the session.
    pub fn release(mut self) {
        use std::io::Write;
        if let Some(mut stdin) = self.psql.stdin.take() {
            let _ = writeln!(stdin, "ROLLBACK;");
        }
        let _ = self.psql.wait();
    }
}

impl Drop for TableLock {
    fn drop(&mut self) {
        let _ = self.psql.kill();
        let _ = self.psql.wait();
    }
}
