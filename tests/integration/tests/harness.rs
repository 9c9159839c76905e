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

/// Another process may bind a port between the harness's pick and the
/// server's own bind (issue 12, item 22): every server starts again on
/// fresh ports, OpenBao's cluster port is one the harness picked, and when
/// every attempt fails the error quotes the server's own output.
#[test]
fn servers_start_on_fresh_ports_when_a_picked_port_is_taken() {
    use custodian_harness::{force_next_ports, free_port, Daemon, DaemonConfig};
    let holder = std::net::TcpListener::bind(("127.0.0.1", free_port().expect("port")))
        .expect("hold a port");
    let taken = holder.local_addr().expect("addr").port();

    // OpenBao's listener.
    force_next_ports(&[taken]);
    let bao = OpenBao::start().expect("OpenBao despite a taken listen port");
    assert!(
        bao.attempts >= 2,
        "the first pick was taken: {}",
        bao.attempts
    );
    assert_ne!(bao.addr.port(), taken);
    let (status, _) = bao
        .api_with_token(None, "GET", "/v1/sys/health", None)
        .expect("health");
    assert_eq!(status, 200);
    drop(bao);

    // OpenBao's cluster listener (what failed `bao server -dev` in CI).
    force_next_ports(&[free_port().expect("port"), taken]);
    let bao = OpenBao::start().expect("OpenBao despite a taken cluster port");
    assert!(bao.attempts >= 2, "{}", bao.attempts);
    assert_ne!(bao.cluster_addr.port(), taken);
    assert_ne!(
        bao.cluster_addr.port(),
        bao.addr.port() + 1,
        "picked, not derived"
    );
    assert!(
        std::net::TcpStream::connect(bao.cluster_addr).is_ok(),
        "the cluster listener is bound where the harness said"
    );
    drop(bao);

    // PostgreSQL.
    force_next_ports(&[taken]);
    let pg = Postgres::start().expect("PostgreSQL despite a taken port");
    assert_ne!(pg.port, taken);
    assert_eq!(pg.psql("postgres", "SELECT 1").expect("query"), "1");
    drop(pg);

    // custodiand's public listener.
    force_next_ports(&[taken]);
    let d = Daemon::start(DaemonConfig::default()).expect("custodiand despite a taken port");
    assert_ne!(d.port, taken);
    assert!(d
        .ops_get("/readyz")
        .expect("ready")
        .starts_with("HTTP/1.1 200"));
    drop(d);

    // Every attempt collides: the error carries the server's own words.
    force_next_ports(&[taken; 2 * custodian_harness::START_ATTEMPTS]);
    let err = OpenBao::start()
        .err()
        .expect("no free port, no server")
        .to_string();
    assert!(
        err.contains("after 5 attempts") && err.contains("address already in use"),
        "{err}"
    );
    assert!(err.contains(&taken.to_string()), "names the port: {err}");
}
