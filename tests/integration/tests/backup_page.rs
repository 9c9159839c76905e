//! The backups page and the stale-backup notification (issue 15), against
//! real PostgreSQL and OpenBao. The activity entries a backup writes are
//! written the way `custodianctl backup` writes them
//! (`custodian_db::audit::record`, actor `custodianctl`, target `backup`,
//! the same details); running pgBackRest and restic for real is
//! `backup.rs`'s business and would cost minutes here.

mod common;

use std::time::{Duration, Instant};

use common::daemon;
use common::web::*;
use custodian_harness::Appliance;

fn sql(a: &Appliance, q: &str) -> String {
    a.pg.psql("custodian", q).expect("psql")
}

/// `backup.stale` notifications of `user`.
fn stale_notices(a: &Appliance, user: &str) -> usize {
    sql(
        a,
        &format!(
            "SELECT count(*) FROM notification n JOIN app_user u ON u.id = n.user_id \
             WHERE u.username = '{user}' AND n.kind = 'backup.stale'"
        ),
    )
    .parse()
    .expect("count")
}

async fn record(a: &Appliance, action: &str, details: serde_json::Value) {
    let conn = format!(
        "host=127.0.0.1 port={} user={} password={} dbname=custodian",
        a.pg.port, a.pg.superuser, a.pg.superuser_password
    );
    let (client, connection) = tokio_postgres::connect(&conn, tokio_postgres::NoTls)
        .await
        .expect("connect");
    let running = tokio::spawn(connection);
    custodian_db::audit::record(&client, "custodianctl", action, "backup", &details)
        .await
        .expect("record");
    drop(client);
    let _ = running.await;
}

/// Waits (up to 30 s) until `f` holds; else fails with what custodiand
/// said about the backups.
async fn until(d: &custodian_harness::Daemon, what: &str, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while !f() {
        if start.elapsed() > Duration::from_secs(30) {
            let log = d.log();
            let said: Vec<&str> = log.lines().filter(|l| l.contains("backup")).collect();
            panic!("waited for {what}; custodiand said:\n{}", said.join("\n"));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn backup_problem(d: &custodian_harness::Daemon) -> Option<String> {
    common::readyz(d)
        .pointer("/problems/backup")
        .and_then(|p| p.as_str())
        .map(str::to_owned)
}

#[tokio::test]
async fn administrators_see_the_backups_and_are_told_once_when_they_are_stale() {
    let a = Appliance::start(&[]).expect("appliance");
    let mut cfg = password_only(&a, "", "login-attempts-per-5-minutes = 1000");
    cfg.extra_toml
        .push_str("\n[backup]\nstale-after-hours = 1\ncheck-interval-secs = 1\n");
    let d = daemon(cfg);
    let (mut admin, mut ana) = admin_and_analyst(&d).await;

    // No backup yet: the page says so, with the commands to run.
    let page = admin.get("/admin/backups").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("No backup yet."), "{}", page.body);
    assert!(
        page.body.contains("No restore verified yet."),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("custodianctl backup drill"),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("href=\"/admin/backups\" aria-current=\"page\""),
        "{}",
        page.body
    );
    // Not for analysts, nor offered to them.
    assert_eq!(ana.get("/admin/backups").await.status, 403);
    assert!(!ana.get("/").await.body.contains("/admin/backups"));

    // Missing backups: every administrator is told once, however many
    // checks run (one a second here), and the telling is in the log.
    until(&d, "the administrator's notice", || {
        stale_notices(&a, "admin") == 1
    })
    .await;
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert_eq!(stale_notices(&a, "admin"), 1, "told once per episode");
    assert_eq!(stale_notices(&a, "ana"), 0, "analysts are not told");
    assert_eq!(audit(&a, "backup.stale_notified"), 1);
    let notices = admin.get("/account/notifications").await;
    assert!(
        notices.body.contains("No backup has succeeded yet"),
        "{}",
        notices.body
    );

    // A backup and a drill, as custodianctl records them.
    record(&a, "backup.started", serde_json::json!({"type": "full"})).await;
    record(
        &a,
        "backup.finished",
        serde_json::json!({"type": "full", "label": "20261203-120000F", "snapshot": "4f1c2a9b", "counts": {}, "seconds": 12.5}),
    )
    .await;
    record(
        &a,
        "backup.drill_passed",
        serde_json::json!({"ok": true, "seconds": 30.0}),
    )
    .await;
    record(
        &a,
        "backup.verify_failed",
        serde_json::json!({"ok": false, "error": "restic check: the repository is locked"}),
    )
    .await;
    until(&d, "/readyz to see the backup", || {
        backup_problem(&d).is_none()
    })
    .await;
    let page = admin.get("/admin/backups").await;
    let last = page
        .body
        .split("id=\"last-backup\">")
        .nth(1)
        .and_then(|rest| rest.split("</dd>").next())
        .unwrap_or_else(|| panic!("no last backup on the page: {}", page.body))
        .to_owned();
    let today = sql(&a, "SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD')");
    assert!(last.contains(&format!(">{today} ")), "{last}");
    assert!(
        last.contains(" UTC</time> · full <code dir=\"ltr\">20261203-120000F</code>"),
        "{last}"
    );
    assert!(last.contains("current (at most 1 h old)"), "{last}");
    assert!(
        !page.body.contains("No restore verified yet."),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("Backup verification failed"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("the repository is locked"),
        "{}",
        page.body
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(stale_notices(&a, "admin"), 1, "current backups tell nobody");

    // The backup grows old (its time moved back two hours): a new
    // episode, told once more.
    sql(
        &a,
        "UPDATE audit_log SET at_us = at_us - 7200000000 WHERE action = 'backup.finished'",
    );
    until(&d, "the second notice", || stale_notices(&a, "admin") == 2).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(stale_notices(&a, "admin"), 2);
    assert_eq!(stale_notices(&a, "ana"), 0);
    assert!(backup_problem(&d).is_some_and(|p| p.contains("2 h ago")));
    let page = admin.get("/admin/backups").await;
    assert!(
        page.body
            .contains("stale: the last one was 2 h ago, more than 1 h"),
        "{}",
        page.body
    );
}
