//! Limits against abuse: sizes, timeouts, and floods from one address that
//! must not starve clients at another.

mod common;

use std::net::IpAddr;
use std::time::Duration;

use common::{client, client_from, daemon, raw_request, read_until_closed, tcp_from, tls_from};
use custodian_harness::DaemonConfig;
use tokio::io::AsyncWriteExt;

const SHORT: &str = "handshake-timeout-secs = 2\nheader-read-timeout-secs = 2\nidle-timeout-secs = 2\nrequest-timeout-secs = 5\nmax-connections = 300\nmax-connections-per-ip = 20\nshutdown-grace-secs = 5";

fn short() -> DaemonConfig {
    DaemonConfig {
        limits: SHORT.into(),
        ..DaemonConfig::default()
    }
}

#[tokio::test]
async fn oversized_headers_are_refused() {
    let d = daemon(DaemonConfig::default());
    let big = "a".repeat(40 * 1024);
    let raw = raw_request(
        &d,
        &format!("GET / HTTP/1.1\r\nHost: localhost\r\nX-Big: {big}\r\nConnection: close\r\n\r\n"),
    )
    .await;
    assert!(
        raw.is_empty() || raw.starts_with("HTTP/1.1 431"),
        "{}",
        &raw[..raw.len().min(200)]
    );
    // Over HTTP/2 too.
    let res = client(&d).get(d.url("/")).header("x-big", big).send().await;
    assert!(
        res.map(|r| r.status().as_u16() == 431).unwrap_or(true),
        "h2 accepted a 40 KiB header"
    );
}

#[tokio::test]
async fn body_over_the_route_limit_gets_413() {
    let d = daemon(DaemonConfig::default());
    let res = client(&d)
        .post(d.url("/csp-report"))
        .header("content-type", "application/csp-report")
        .body(vec![b'x'; 64 * 1024])
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 413);
    // Without a declared length (chunked), the limit holds while streaming.
    let chunk = "x".repeat(9000);
    let raw = raw_request(
        &d,
        &format!("POST /csp-report HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n{:x}\r\n{chunk}\r\n0\r\n\r\n", chunk.len()),
    )
    .await;
    assert!(
        raw.starts_with("HTTP/1.1 413"),
        "{}",
        &raw[..raw.len().min(200)]
    );
}

#[tokio::test]
async fn slow_headers_idle_connections_and_silent_handshakes_are_cut() {
    let d = daemon(short());
    let local: IpAddr = [127, 0, 0, 1].into();
    // A request head that never completes.
    let mut slow = tls_from(&d, local).await.expect("tls");
    slow.write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\n")
        .await
        .expect("w");
    let (_, closed) = read_until_closed(&mut slow, Duration::from_secs(8)).await;
    assert!(closed, "slow header not cut");
    // A keep-alive connection that goes quiet after one request.
    let mut idle = tls_from(&d, local).await.expect("tls");
    idle.write_all(b"GET /robots.txt HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .expect("w");
    let (got, closed) = read_until_closed(&mut idle, Duration::from_secs(8)).await;
    assert!(
        String::from_utf8_lossy(&got).starts_with("HTTP/1.1 200"),
        "first answer"
    );
    assert!(closed, "idle keep-alive connection not closed");
    // A TCP connection that never starts TLS.
    let mut silent = tcp_from(&d, local).await.expect("tcp");
    let (_, closed) = read_until_closed(&mut silent, Duration::from_secs(8)).await;
    assert!(closed, "silent handshake not cut");
}

#[tokio::test]
async fn slowloris_and_connection_flood_do_not_starve_other_clients() {
    let d = daemon(short());
    let attacker_slow: IpAddr = [127, 0, 0, 2].into();
    let attacker_flood: IpAddr = [127, 0, 0, 3].into();
    let mut slow = Vec::new();
    for _ in 0..60 {
        if let Ok(mut s) = tls_from(&d, attacker_slow).await {
            let _ = s
                .write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\nX-A: ")
                .await;
            slow.push(s);
        }
    }
    let mut flood = Vec::new();
    for _ in 0..250 {
        if let Ok(s) = tcp_from(&d, attacker_flood).await {
            flood.push(s);
        }
    }
    // Keep the slow connections trickling while the real client works.
    let trickle = tokio::spawn(async move {
        for _ in 0..6 {
            for s in slow.iter_mut() {
                let _ = s.write_all(b"a").await;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        slow
    });
    let c = client_from(&d, [127, 0, 0, 1].into());
    for i in 0..20 {
        let res = c
            .get(d.url("/"))
            .send()
            .await
            .unwrap_or_else(|e| panic!("request {i} failed during attack: {e}"));
        assert_eq!(res.status(), 200, "request {i}");
    }
    let _ = trickle.await;
    drop(flood);
    let stats = d.ops_get("/readyz").expect("ops");
    let refused: u64 = stats
        .split("\"refused_connections\":")
        .nth(1)
        .and_then(|s| s.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(
        refused >= 200,
        "per-address limit should have refused most of the flood: {stats}"
    );
}
