//! custodiand with PostgreSQL: credentials from Vault rotating under load,
//! the schema check at start, PostgreSQL restarts, signed checkpoints.

mod common;

use std::time::{Duration, Instant};

use common::{client, daemon};
use custodian_harness::{Appliance, Daemon, DaemonConfig};

type Stack = Appliance;

fn stack(db_extra: &[&str]) -> Stack {
    Appliance::start(db_extra).expect("appliance back end")
}

fn config(s: &Stack, database_extra: &str, limits: &str) -> DaemonConfig {
    s.daemon_config(database_extra, limits)
}

/// An anonymous request that needs the database: the setup page asks
/// whether an administrator exists (200 while none does, 503 when the
/// database cannot answer). CSP reports used to serve here, but they no
/// longer touch the database (they go to the journal only).
const DB_PAGE: &str = "/setup";
/// What `DB_PAGE` answers while the database works and nobody set it up.
const DB_OK: u16 = 200;

/// Requests `DB_PAGE` (each one a database query) from four tasks
/// until `stop`; returns the status codes seen and transport errors.
async fn db_load(d: &Daemon, stop: tokio::sync::watch::Receiver<bool>) -> (Vec<u16>, Vec<String>) {
    let c = client(d);
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let (c, url, stop) = (c.clone(), d.url(DB_PAGE), stop.clone());
        tasks.push(tokio::spawn(async move {
            let (mut codes, mut errors) = (Vec::new(), Vec::new());
            while !*stop.borrow() {
                match c.get(&url).send().await {
                    Ok(r) => codes.push(r.status().as_u16()),
                    Err(e) => errors.push(format!("{e:?}")),
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            (codes, errors)
        }));
    }
    let (mut codes, mut errors) = (Vec::new(), Vec::new());
    for t in tasks {
        let (c, e) = t.await.expect("task");
        codes.extend(c);
        errors.extend(e);
    }
    (codes, errors)
}

#[tokio::test]
async fn database_credentials_rotate_under_load_with_no_failed_request() {
    // Short leases: renewed at 2/3 of 6 s, capped by max_ttl at 14 s.
    let s = stack(&["--runtime-ttl-secs", "6", "--runtime-max-ttl-secs", "14"]);
    let d = daemon(config(&s, "drain-secs = 2\n", ""));
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let stopper = async {
        tokio::time::sleep(Duration::from_secs(32)).await;
        let _ = stop_tx.send(true);
    };
    let ((codes, errors), ()) = tokio::join!(db_load(&d, stop_rx), stopper);
    let rotations = d.log().matches("database credentials rotated").count();
    assert!(
        rotations >= 2,
        "expected at least two rotations in 32 s, saw {rotations}:\n{}",
        d.log()
    );
    assert!(
        errors.is_empty(),
        "transport errors: {:?}",
        &errors[..errors.len().min(3)]
    );
    let bad: Vec<_> = codes.iter().filter(|c| **c != DB_OK).collect();
    assert!(
        bad.is_empty(),
        "{} of {} requests failed: {:?}",
        bad.len(),
        codes.len(),
        &bad[..bad.len().min(5)]
    );
    assert!(codes.len() > 200, "too little load: {}", codes.len());
    // Old users are gone once drained (at most the current one and one
    // still draining remain).
    std::thread::sleep(Duration::from_secs(3));
    let users = s
        .pg
        .psql("postgres", "SELECT count(*) FROM pg_roles r JOIN pg_auth_members m ON m.member = r.oid JOIN pg_roles g ON g.oid = m.roleid WHERE g.rolname = 'custodian_runtime' AND r.rolcanlogin")
        .expect("count");
    assert!(
        users.parse::<u32>().expect("n") <= 2,
        "old runtime users were not revoked: {users}"
    );
    let recorded = s.pg.psql("custodian", "SELECT count(*) FROM audit_log WHERE action = 'secret.rotated' AND target = 'database-credentials'").expect("q");
    assert!(
        recorded.parse::<usize>().expect("n") >= rotations.min(2),
        "rotations not in the activity log"
    );
    let out =
        s.db.ctl_owner(&s.bao, &["audit", "verify"])
            .expect("verify");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn a_schema_that_does_not_match_is_refused_with_the_fix() {
    let s = stack(&[]);
    // A newer release's migration that only adds (what a rollback after an
    // update leaves behind): this build still runs, and its migrate
    // changes nothing.
    s.pg.psql(
        "custodian",
        "CREATE TABLE future_notes (id bigint); \
         INSERT INTO custodian_schema (version, name, sha256, additive) \
         VALUES (98, 'future_notes', 'x', true)",
    )
    .expect("newer, additive");
    let d = daemon(config(&s, "", ""));
    let ready = d.ops_get("/readyz").expect("readyz");
    assert!(ready.contains("\"ready\""), "{ready}");
    drop(d);
    let out = s.db.ctl_owner(&s.bao, &["migrate"]).expect("migrate");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && err.contains("only add, so nothing was changed"),
        "{err}"
    );
    // One that changes what older programs rely on: refused, naming it.
    s.pg.psql(
        "custodian",
        "INSERT INTO custodian_schema (version, name, sha256) VALUES (99, 'future', 'x')",
    )
    .expect("newer");
    let out = Daemon::run_to_exit(config(&s, "", ""), |t| t, &[]).expect("run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success()
            && err.contains("version 99")
            && err.contains("newer")
            && err.contains("migration 99 changed"),
        "{err}"
    );
    let out = s.db.ctl_owner(&s.bao, &["migrate"]).expect("migrate");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("upgrade custodian"),
        "{err}"
    );
    s.pg.psql("custodian", "DELETE FROM custodian_schema")
        .expect("older");
    let out = Daemon::run_to_exit(config(&s, "", ""), |t| t, &[]).expect("run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("custodianctl migrate"),
        "{err}"
    );
}

#[tokio::test]
async fn a_postgres_restart_gives_503_while_down_and_recovers_without_restart() {
    let mut s = stack(&[]);
    let d = daemon(config(&s, "acquire-timeout-ms = 1000\n", ""));
    let c = client(&d);
    let post = || c.get(d.url(DB_PAGE)).send();
    assert_eq!(post().await.expect("post").status(), DB_OK);
    s.pg.stop().expect("stop postgres");
    let mut during = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        let r = post().await.expect("the daemon must still answer");
        during.push((r.status().as_u16(), started.elapsed()));
        let body = r.text().await.expect("body");
        assert!(
            body.contains("Unavailable")
                && !body.contains("tokio_postgres")
                && !body.contains("connection"),
            "{body}"
        );
    }
    assert!(
        during
            .iter()
            .all(|(code, took)| *code == 503 && *took < Duration::from_secs(8)),
        "{during:?}"
    );
    s.pg.start_server().expect("start postgres");
    let start = Instant::now();
    let mut recovered = false;
    while start.elapsed() < Duration::from_secs(20) {
        if post().await.is_ok_and(|r| r.status() == DB_OK) {
            recovered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(
        recovered,
        "no recovery after PostgreSQL came back:\n{}",
        d.log()
    );
    let started =
        s.pg.psql(
            "custodian",
            "SELECT count(*) FROM audit_log WHERE action = 'daemon.started'",
        )
        .expect("q");
    assert_eq!(
        started, "1",
        "the daemon was restarted instead of recovering"
    );
}

#[test]
fn checkpoints_are_signed_and_verified() {
    let s = stack(&[]);
    let d = daemon(config(&s, "checkpoint-interval-secs = 1\n", ""));
    assert!(
        d.wait_log("activity log checkpoint signed", Duration::from_secs(10)),
        "{}",
        d.log()
    );
    let out =
        s.db.ctl_owner(&s.bao, &["audit", "verify"])
            .expect("verify");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && text.contains("intact") && !text.contains(" 0 signed"),
        "{text}"
    );
    // The harness runs the daemon at debug level; query parameters (which
    // libraries log at debug) must still not appear.
    let log = d.log();
    assert!(
        !log.contains("tokio_postgres") && !log.contains("with parameters"),
        "library debug output leaked:\n{log}"
    );
}

/// Vault unreachable for two minutes. While it is away the appliance keeps
/// serving on what it holds (certificate, database pool) and says it is
/// degraded; its token and certificate come due during the outage. When
/// Vault is back, it logs in again, takes new database credentials and a
/// new certificate, and is ready again, all without a restart.
#[tokio::test]
async fn two_minutes_without_vault_are_served_through_and_recovered_from() {
    let s = stack(&[]);
    // Short token period and certificate lifetime so both come due inside
    // the outage; PostgreSQL credentials last an hour.
    let out =
        std::process::Command::new(custodian_harness::vault::custodianctl_bin().expect("ctl"))
            .args(["vault", "provision", "--token-period-secs", "90"])
            .env("VAULT_ADDR", s.bao.url())
            .env("VAULT_TOKEN", &s.bao.root_token)
            .output()
            .expect("reprovision");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut cfg = config(&s, "acquire-timeout-ms = 2000\n", "");
    cfg.tls_toml =
        Some("source = \"vault-pki\"\ncommon-name = \"localhost\"\nttl-secs = 150".into());
    let d = daemon(cfg);
    let first = common::served_cert(&d).await;
    let c = client(&d);
    let post = || c.get(d.url(DB_PAGE)).send();

    tokio::time::sleep(Duration::from_secs(3)).await;
    s.bao.pause().expect("pause Vault");
    let paused_at = Instant::now();
    let mut failures_during = Vec::new();
    let mut degraded = None;
    while paused_at.elapsed() < Duration::from_secs(120) {
        match post().await {
            Ok(r) if r.status() == DB_OK => {}
            Ok(r) => failures_during.push(format!("{} at {:?}", r.status(), paused_at.elapsed())),
            Err(e) => failures_during.push(format!("{e} at {:?}", paused_at.elapsed())),
        }
        if let Ok(r) = c.get(d.url("/")).send().await {
            if r.status() != 200 {
                failures_during.push(format!("GET / {}", r.status()));
            }
        }
        if degraded.is_none() {
            let r = common::readyz(&d);
            if r["status"] == "degraded" {
                degraded = Some(r);
            }
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    s.bao.resume().expect("resume Vault");
    assert!(
        failures_during.is_empty(),
        "requests failed while Vault was away: {failures_during:?}"
    );
    let degraded = degraded.unwrap_or_else(|| panic!("never reported degraded:\n{}", d.log()));
    assert!(
        degraded["problems"]
            .as_object()
            .is_some_and(|p| !p.is_empty()),
        "{degraded}"
    );

    // Recovery, without a restart.
    let resumed = Instant::now();
    let mut recovered = false;
    while resumed.elapsed() < Duration::from_secs(60) {
        let ready = common::readyz(&d)["status"] == "ready";
        let db_ok = post().await.is_ok_and(|r| r.status() == DB_OK);
        if ready && db_ok && common::served_cert(&d).await != first {
            recovered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert!(
        recovered,
        "no recovery within 60 s of Vault's return: {}\n{}",
        common::readyz(&d),
        d.log()
    );
    let log = d.log();
    assert!(log.contains("logged in to Vault again"), "{log}");
    assert!(log.contains("TLS certificate replaced"), "{log}");
    // Administrators see the outage and its end in the activity log.
    let notices = s
        .pg
        .psql(
            "custodian",
            "SELECT string_agg(DISTINCT action, ',' ORDER BY action) FROM audit_log WHERE action LIKE 'appliance.%'",
        )
        .expect("q");
    assert_eq!(notices, "appliance.degraded,appliance.recovered");
    let starts =
        s.pg.psql(
            "custodian",
            "SELECT count(*) FROM audit_log WHERE action = 'daemon.started'",
        )
        .expect("q");
    assert_eq!(starts, "1", "the daemon restarted");
}

/// A Vault static role: one database user whose password Vault rotates on
/// a schedule (and on demand). Sessions survive a rotation; new logins need
/// the new password, which custodiand fetches when the schedule says so or
/// PostgreSQL refuses the old one.
#[tokio::test]
async fn static_role_rotation_under_load_fails_nothing() {
    let s = stack(&[]);
    s.pg.psql(
        "postgres",
        "CREATE ROLE custodian_app LOGIN PASSWORD 'set-by-the-dba' IN ROLE custodian_runtime",
    )
    .expect("DBA creates the login role");
    let out = custodian_harness::vault::ctl(&s.bao)
        .expect("ctl")
        .args([
            "vault",
            "provision-database",
            "--db-port",
            &s.pg.port.to_string(),
        ])
        .args([
            "--static-runtime-user",
            "custodian_app",
            "--static-rotation-secs",
            "8",
        ])
        .output()
        .expect("provision static role");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let d = daemon(config(
        &s,
        "vault-static-role = \"custodian-runtime-static\"\ndrain-secs = 1\n",
        "",
    ));
    assert!(d.log().contains("user=custodian_app"), "{}", d.log());
    let phase = |secs: u64| {
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let stopper = async move {
            tokio::time::sleep(Duration::from_secs(secs)).await;
            let _ = stop_tx.send(true);
        };
        let d = &d;
        async move { tokio::join!(db_load(d, stop_rx), stopper).0 }
    };
    // Scheduled rotations (every 8 s) under load.
    let (mut codes, mut errors) = phase(12).await;
    // Out of schedule: the security team forces a rotation, and the
    // sessions of the old password end, so the pool must log in again
    // with a password it does not have yet.
    s.bao
        .must(
            "POST",
            "/v1/database/rotate-role/custodian-runtime-static",
            None,
        )
        .expect("rotate-role");
    s.pg.psql(
        "postgres",
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'custodian_app'",
    )
    .expect("end sessions");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let r = client(&d).get(d.url(DB_PAGE)).send().await.expect("post");
    assert_eq!(r.status(), DB_OK, "{}", d.log());
    assert!(
        d.log().contains("PostgreSQL refused the old password"),
        "{}",
        d.log()
    );
    // Vault's next scheduled rotation comes 8 s after the forced one and is
    // picked up a second later: 15 s leave room on a loaded machine.
    let (c2, e2) = phase(15).await;
    codes.extend(c2);
    errors.extend(e2);
    let rotations = d.log().matches("database credentials rotated").count();
    assert!(
        rotations >= 3,
        "expected scheduled and forced rotations, saw {rotations}:\n{}",
        d.log()
    );
    assert!(
        errors.is_empty(),
        "transport errors: {:?}",
        &errors[..errors.len().min(3)]
    );
    let bad: Vec<_> = codes.iter().filter(|c| **c != DB_OK).collect();
    assert!(
        bad.is_empty(),
        "{} of {} requests failed:\n{}",
        bad.len(),
        codes.len(),
        d.log()
    );
    assert!(codes.len() > 200, "too little load: {}", codes.len());
}
