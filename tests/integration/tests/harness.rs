//! The harness starts the real servers every later integration test needs.

use custodian_harness::{OpenBao, Postgres};
use serde_json::json;

#[test]
fn private_postgres_starts_restarts_and_cleans_up() {
    let mut pg = Postgres::start().expect("start PostgreSQL");
    let v = pg.psql("postgres", "SHOW server_version").expect("query");
    assert!(
        v.starts_with("15") || v.starts_with("16") || v.starts_with("17"),
        "{v}"
    );
    assert_eq!(
        pg.psql("postgres", "SHOW listen_addresses").expect("q"),
        "127.0.0.1"
    );
    pg.psql("postgres", "CREATE DATABASE harness_check")
        .expect("create db");
    pg.stop().expect("stop");
    assert!(
        pg.psql("postgres", "SELECT 1").is_err(),
        "still answering after stop"
    );
    pg.start_server().expect("restart");
    assert!(pg.wait_ready(std::time::Duration::from_secs(10)));
    let dbs = pg
        .psql(
            "postgres",
            "SELECT datname FROM pg_database WHERE datname = 'harness_check'",
        )
        .expect("q");
    assert_eq!(dbs, "harness_check", "data survives a restart");
    let port = pg.port;
    drop(pg);
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
        "server left running"
    );
}

#[test]
fn openbao_dev_server_answers_and_pauses() {
    let bao = OpenBao::start().expect("start OpenBao");
    let (status, health) = bao
        .api_with_token(None, "GET", "/v1/sys/health", None)
        .expect("health");
    assert_eq!(status, 200);
    assert_eq!(
        health["version"],
        custodian_harness::openbao::PINNED_VERSION,
        "{health}"
    );
    assert_eq!(health["sealed"], false);
    bao.must(
        "POST",
        "/v1/sys/mounts/kv-test",
        Some(&json!({"type": "kv", "options": {"version": "2"}})),
    )
    .expect("mount kv");
    bao.must(
        "POST",
        "/v1/kv-test/data/a",
        Some(&json!({"data": {"k": "v1"}})),
    )
    .expect("write");
    let read = bao.must("GET", "/v1/kv-test/data/a", None).expect("read");
    assert_eq!(read["data"]["data"]["k"], "v1");
    assert_eq!(read["data"]["metadata"]["version"], 1);
    let (status, _) = bao
        .api_with_token(Some("wrong-token"), "GET", "/v1/kv-test/data/a", None)
        .expect("denied");
    assert_eq!(status, 403);
    bao.pause().expect("pause");
    let hung = std::net::TcpStream::connect(bao.addr).and_then(|mut s| {
        use std::io::{Read, Write};
        s.set_read_timeout(Some(std::time::Duration::from_millis(500)))?;
        s.write_all(b"GET /v1/sys/health HTTP/1.0\r\n\r\n")?;
        let mut b = [0u8; 1];
        s.read(&mut b)
    });
    assert!(hung.is_err(), "a paused server must not answer");
    bao.resume().expect("resume");
    let (status, _) = bao
        .api_with_token(None, "GET", "/v1/sys/health", None)
        .expect("health");
    assert_eq!(status, 200);
}
