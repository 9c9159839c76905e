//! The archive-scale list and search benchmark of issue 14 (not a test:
//! `#[ignore]`d, run by `tests/bench/search`). It starts a real appliance
//! (PostgreSQL, OpenBao, custodiand), signs in an administrator and an
//! analyst in no access group through the appliance's own flows, loads
//! `SEARCH_BENCH_RECORDS` bulletins (default 100,000: the quick mode) with
//! `tests/bench/datagen`, and measures over HTTPS on loopback, with a
//! bounded number of sequential requests each, the first list page, a
//! deep and the last cursor page, searches (rare, common, Arabic, phrase,
//! with a filter) and a record view. It prints a table of medians and
//! p95s, and the same statements' time in PostgreSQL for the list page.
//!
//! Regression guard only: with `SEARCH_BENCH_GUARD=1` a quick-mode p95
//! more than ten times its recorded value (`RECORDED_P95_MS`, measured
//! 2026-12-02 on the 2-core development machine) fails the run.

mod common;

use std::process::Command;
use std::time::Instant;

use common::daemon;
use common::web::*;
use custodian_harness::vault::repo_root;
use custodian_harness::{Appliance, Postgres};

const PW: &str = "granite orchard whispers twice";

/// Quick-mode (100,000 bulletins) p95s in ms, the worse of analyst and
/// administrator over the two runs of 2026-12-02 on a quiet machine (load
/// average about 2), as in tests/bench/README.md.
const RECORDED_P95_MS: &[(&str, f64)] = &[
    ("list, first page", 13.4),
    ("list, page 1000 (cursor)", 13.4),
    ("list, last page (cursor)", 13.1),
    ("list, status filter", 16.1),
    ("search, rare word", 11.5),
    ("search, common word", 55.2),
    ("search, Arabic word", 51.6),
    ("search, phrase", 94.9),
    ("search, word + status + sort", 65.5),
    ("record view", 88.4),
];

fn sql(pg: &Postgres, q: &str) -> String {
    pg.psql("custodian", q).expect(q)
}

struct Figure {
    name: String,
    who: &'static str,
    median: f64,
    p95: f64,
    status: u16,
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

async fn measure(
    b: &mut Browser<'_>,
    who: &'static str,
    name: &str,
    path: &str,
    n: usize,
) -> Figure {
    // One request to warm the caches and the connection, not counted.
    let first = b.get(path).await;
    let mut times = Vec::with_capacity(n);
    let mut status = first.status;
    for _ in 0..n {
        let t = Instant::now();
        let page = b.get(path).await;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        if page.status != 200 {
            status = page.status;
        }
    }
    times.sort_by(f64::total_cmp);
    Figure {
        name: name.to_owned(),
        who,
        median: percentile(&times, 0.5),
        p95: percentile(&times, 0.95),
        status,
    }
}

fn q(text: &str) -> String {
    form_urlencoded::Serializer::new(String::new())
        .append_pair("q", text)
        .finish()
}

#[tokio::test]
#[ignore = "a benchmark: run tests/bench/search"]
async fn archive_scale_lists_and_search() {
    let records: u64 = std::env::var("SEARCH_BENCH_RECORDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let repeats: usize = std::env::var("SEARCH_BENCH_REPEATS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20)
        .clamp(5, 200);
    let a = Appliance::start(&[]).expect("appliance");
    let d = daemon(password_only(&a, "", "login-attempts-per-5-minutes = 1000"));
    set_up(&d).await;
    let mut admin = Browser::new(&d);
    admin.login("admin", PASSWORD).await;
    let mut ana = new_user_as(&d, &mut admin, "ana", "analyst", PW).await;

    let t = Instant::now();
    let out = Command::new(repo_root().join("tests/bench/datagen"))
        .args(["--records", &records.to_string()])
        .env("PGHOST", "127.0.0.1")
        .env("PGPORT", a.pg.port.to_string())
        .env("PGUSER", "postgres")
        .env("PGPASSWORD", &a.pg.superuser_password)
        .env("PGDATABASE", "custodian")
        .output()
        .expect("run datagen");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let load = t.elapsed();
    print!("{}", String::from_utf8_lossy(&out.stdout));
    let t = Instant::now();
    sql(&a.pg, "VACUUM ANALYZE");
    let vacuum = t.elapsed();

    // Cursors 1,000 pages deep and at the end of what the analyst sees.
    let cursor_at = |offset: &str| -> String {
        sql(
            &a.pg,
            &format!(
                "SELECT (extract(epoch FROM updated_at) * 1000000)::bigint || '.' || id FROM bulletin \
                 WHERE cardinality(access_groups) = 0 ORDER BY updated_at DESC, id DESC OFFSET {offset} LIMIT 1"
            ),
        )
    };
    let visible: i64 = sql(
        &a.pg,
        "SELECT count(*) FROM bulletin WHERE cardinality(access_groups) = 0",
    )
    .parse()
    .expect("count");
    let deep = cursor_at(&(25 * 999 - 1).min(visible - 26).max(0).to_string());
    let last = cursor_at(&(visible - 26).max(0).to_string());
    let viewed = sql(
        &a.pg,
        "SELECT id FROM bulletin WHERE cardinality(access_groups) = 0 ORDER BY id DESC LIMIT 1 OFFSET 500",
    );

    let cases: Vec<(&str, String)> = vec![
        ("list, first page", "/bulletins".into()),
        (
            "list, page 1000 (cursor)",
            format!("/bulletins?sort=updated&after={deep}"),
        ),
        (
            "list, last page (cursor)",
            format!("/bulletins?sort=updated&after={last}"),
        ),
        ("list, status filter", "/bulletins?status=revisit".into()),
        ("search, rare word", format!("/bulletins?{}", q("zeppelin"))),
        (
            "search, common word",
            format!("/bulletins?{}", q("checkpoint")),
        ),
        ("search, Arabic word", format!("/bulletins?{}", q("قصف"))),
        (
            "search, phrase",
            format!("/bulletins?{}", q("\"near the checkpoint\"")),
        ),
        (
            "search, word + status + sort",
            format!("/bulletins?{}&status=finalized&sort=created", q("hospital")),
        ),
        ("record view", format!("/bulletins/view?id={viewed}")),
    ];
    let mut figures = Vec::new();
    for (name, path) in &cases {
        figures.push(measure(&mut ana, "analyst", name, path, repeats).await);
        figures.push(measure(&mut admin, "admin", name, path, repeats).await);
    }

    // The list page's statement in PostgreSQL alone, as the runtime role
    // with the analyst named: the appliance's overhead is the rest.
    let ana_id = sql(&a.pg, "SELECT id FROM app_user WHERE username = 'ana'");
    let timing = sql(
        &a.pg,
        &format!(
            "BEGIN; SET LOCAL ROLE custodian_runtime; \
             SELECT set_config('custodian.user_id', '{ana_id}', true); \
             EXPLAIN (ANALYZE, TIMING OFF) SELECT b.id, b.title, b.status, b.assigned_to, u.username \
             FROM bulletin b LEFT JOIN app_user u ON u.id = b.assigned_to \
             WHERE true ORDER BY b.updated_at DESC, b.id DESC LIMIT 26; \
             EXPLAIN (ANALYZE, TIMING OFF) SELECT count(*) FROM (SELECT 1 FROM bulletin b WHERE true LIMIT 1001) s; \
             COMMIT;"
        ),
    );
    let sql_ms: Vec<String> = timing
        .lines()
        .filter_map(|l| l.trim().strip_prefix("Execution Time: "))
        .map(str::to_owned)
        .collect();

    println!(
        "\nsearch benchmark: {records} bulletins (datagen {:.0} s, VACUUM ANALYZE {:.0} s), {repeats} requests each over HTTPS, sequential\n",
        load.as_secs_f64(),
        vacuum.as_secs_f64()
    );
    println!("| measurement | as | median ms | p95 ms | status |");
    println!("|---|---|---|---|---|");
    for f in &figures {
        println!(
            "| {} | {} | {:.1} | {:.1} | {} |",
            f.name, f.who, f.median, f.p95, f.status
        );
    }
    println!(
        "\nlist page in PostgreSQL alone (runtime role, analyst): page {}, bounded count {}",
        sql_ms.first().map_or("?", String::as_str),
        sql_ms.get(1).map_or("?", String::as_str)
    );

    for f in &figures {
        assert_eq!(f.status, 200, "{} as {}", f.name, f.who);
    }
    if std::env::var("SEARCH_BENCH_GUARD").as_deref() == Ok("1") && records == 100_000 {
        for f in &figures {
            let recorded = RECORDED_P95_MS
                .iter()
                .find(|(n, _)| *n == f.name)
                .map(|(_, v)| *v)
                .expect("a recorded figure");
            assert!(
                f.p95 <= recorded * 10.0,
                "{} as {}: p95 {:.1} ms is more than 10x the recorded {recorded} ms",
                f.name,
                f.who,
                f.p95
            );
        }
    }
}
