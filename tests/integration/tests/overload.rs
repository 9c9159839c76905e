//! Overload fails safe (issue 19), against real PostgreSQL: the database
//! is made slow deterministically by a table lock that the test holds as
//! the superuser, and each step waits for a state it can see
//! (`pg_stat_activity`), never for a time.
//!
//! One appliance for every case (pool of 4, one expensive request at a
//! time, a 300 ms wait for a connection, a 10 s statement timeout):
//! - expensive requests over the account's or the overall limit are turned
//!   away with a 503 that says so, while a record view, a static file and
//!   the sign-in page are served;
//! - a list that runs into the statement timeout names that cause;
//! - a pool with every connection held: an authenticated request gets a
//!   503 with `Retry-After` and the overload message, not the sign-in
//!   page, and the same cookie works once the pool recovers; session
//!   lookups that were only slow end signed in;
//! - `/readyz` and the administrators' load page report all of it.

mod common;

use std::time::{Duration, Instant};

use common::web::*;
use common::{daemon, readyz, TableLock};
use custodian_harness::Appliance;

const PW: &str = "lantern meadow quietly folds";

fn sql(a: &Appliance, q: &str) -> String {
    a.pg.psql("custodian", q).expect("sql")
}

/// Waits for a state the test can observe (bounded, so that a broken
/// appliance fails the test instead of hanging it).
async fn until(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "gave up waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// custodiand's statements now waiting for a lock.
fn waiting(a: &Appliance) -> usize {
    sql(
        a,
        "SELECT count(*) FROM pg_stat_activity \
         WHERE application_name = 'custodiand' AND wait_event_type = 'Lock'",
    )
    .parse()
    .expect("count")
}

/// A GET that runs on its own (so that the test can go on while it waits
/// in the database), with `b`'s cookie.
fn in_background(
    b: &Browser<'_>,
    path: &str,
) -> tokio::task::JoinHandle<(u16, Option<String>, String)> {
    let pending = b
        .http
        .get(b.d.url(path))
        .header("cookie", b.cookie_header())
        .send();
    tokio::spawn(async move {
        let r = pending.await.expect("response");
        let status = r.status().as_u16();
        let retry = r
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        (status, retry, r.text().await.expect("body"))
    })
}

fn retry_after(headers: &reqwest::header::HeaderMap) -> String {
    headers
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned()
}

/// A GET keeping the headers, for `Retry-After`.
async fn get_with_headers(b: &mut Browser<'_>, path: &str) -> (Page, reqwest::header::HeaderMap) {
    let res = b
        .http
        .get(b.d.url(path))
        .header("cookie", b.cookie_header())
        .send()
        .await
        .expect("get");
    let headers = res.headers().clone();
    (b.finish(res).await, headers)
}

// Several threads: the requests sent in the background must go on while
// the test waits (briefly, in psql) for what the database shows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overload_is_shed_named_and_never_a_sign_out() {
    let a = Appliance::start(&[]).expect("appliance");
    let d = daemon(password_only(
        &a,
        "pool-size = 4\nacquire-timeout-ms = 300\nstatement-timeout-ms = 10000\n",
        "expensive-requests = 1\nexpensive-requests-per-account = 1\n",
    ));
    set_up(&d).await;
    let mut admin = Browser::new(&d);
    admin.login("admin", PASSWORD).await;
    let mut ana = new_user(&d, &mut admin, "ana", PW).await;
    let mut ben = new_user(&d, &mut admin, "ben", PW).await;
    let form = ana.get("/actors/new").await;
    let created = ana
        .post(
            "/actors",
            &[
                ("csrf", &form.csrf()),
                ("title", "Witness at the checkpoint"),
                ("description", "seen"),
                ("groups", ""),
            ],
        )
        .await;
    assert_eq!(created.status, 303, "{}", created.body);
    let actor = created.location.expect("location");
    assert_eq!(ana.get(&actor).await.status, 200);

    // 1. Expensive requests are limited; cheap ones go on. The
    //    administrator's search of the activity log waits on a lock of
    //    that table, holding the only place.
    let lock = TableLock::take(&a.pg, "audit_log").await;
    let search = in_background(&admin, "/admin/activity?actor=ana");
    until("the activity search waiting in the database", || {
        waiting(&a) == 1
    })
    .await;

    let (own, h) = get_with_headers(&mut admin, "/admin/activity?actor=ben").await;
    assert_eq!(
        (own.status, own.location.as_deref()),
        (503, None),
        "{}",
        own.body
    );
    assert_eq!(retry_after(&h), "5");
    assert!(
        own.body.contains("You already have 1 lists"),
        "{}",
        own.body
    );
    assert!(own.body.contains("still signed in"), "{}", own.body);

    let (all, h) = get_with_headers(&mut ana, "/bulletins?q=checkpoint").await;
    assert_eq!(
        (all.status, all.location.as_deref()),
        (503, None),
        "{}",
        all.body
    );
    assert_eq!(retry_after(&h), "5");
    assert!(
        all.body.contains("overloaded")
            && all.body.contains("Record views and other pages still work"),
        "{}",
        all.body
    );

    // A cheap page that reads records is served meanwhile. (Not the record
    // view itself: every view now writes its own activity-log row, and
    // this test stalls the search by locking that table outright, which a
    // real slow search never does; `tests/bench/overload --page views`
    // measures record views while lists are shed.)
    let history = ana.get(&actor.replace("/view?", "/history?")).await;
    assert_eq!(
        history.status, 200,
        "a record's history is served: {}",
        history.body
    );
    assert!(history.body.contains("<h1>History"), "{}", history.body);
    let form = ana.get("/actors/new").await;
    assert_eq!(form.status, 200, "a form is served: {}", form.body);
    assert_eq!(ana.get("/static/app.css").await.status, 200);
    assert_eq!(Browser::new(&d).get("/login").await.status, 200);

    let r = readyz(&d);
    assert_eq!(r["status"], "ready", "{r}");
    assert_eq!(r["expensive_requests"]["running"], 1, "{r}");
    assert_eq!(r["expensive_requests"]["limit"], 1, "{r}");
    assert_eq!(r["shed"]["total"], 2, "{r}");
    assert_eq!(r["unavailable_by_cause"]["account-limit"], 1, "{r}");
    assert_eq!(r["unavailable_by_cause"]["expensive-limit"], 1, "{r}");

    // Slow is not failed: released, the search finishes.
    lock.release();
    let (status, _, body) = search.await.expect("search");
    assert_eq!(status, 200, "{body}");

    // 2. A list that runs past the interactive budget (`[search]
    //    interactive-ms`, 3 s; waiting on a lock here) is no 503: it goes
    //    on in the background (202), and finishes once the lock is gone.
    let lock = TableLock::take(&a.pg, "bulletin").await;
    let list = in_background(&ana, "/bulletins?q=checkpoint");
    until("the list waiting in the database", || waiting(&a) == 1).await;
    let (status, _, body) = list.await.expect("list");
    assert_eq!(status, 202, "{body}");
    assert!(body.contains("continues in the background"), "{body}");
    lock.release();
    until("the background search done", || {
        sql(
            &a,
            "SELECT count(*) FROM search_job WHERE status = 'running'",
        ) == "0"
    })
    .await;
    assert_eq!(ana.get("/bulletins?q=checkpoint").await.status, 200);
    // A page that has no background (the activity log) and runs into the
    // statement timeout names that cause.
    let lock = TableLock::take(&a.pg, "audit_log").await;
    let page = in_background(&admin, "/admin/activity?actor=ana");
    until("the activity search waiting in the database", || {
        waiting(&a) == 1
    })
    .await;
    let (status, retry, body) = page.await.expect("activity");
    lock.release();
    assert_eq!(status, 503, "{body}");
    assert!(retry.is_some(), "Retry-After");
    assert!(
        body.contains("This list or search was too expensive") && body.contains("Narrow it"),
        "{body}"
    );
    assert!(!body.contains("overloaded"), "{body}");
    assert_eq!(readyz(&d)["unavailable_by_cause"]["statement-timeout"], 1);

    // 3. Every pool connection held: four session lookups of ben's wait on
    //    a lock on the sessions table.
    let lock = TableLock::take(&a.pg, "user_session").await;
    let held: Vec<_> = (0..4).map(|_| in_background(&ben, "/")).collect();
    until("four session lookups holding the pool", || waiting(&a) == 4).await;
    let r = readyz(&d);
    assert_eq!(r["database_pool"]["in_use"], 4, "{r}");
    assert_eq!(r["database_pool"]["saturated"], true, "{r}");

    let (turned, h) = get_with_headers(&mut ana, &actor).await;
    assert_eq!(
        (turned.status, turned.location.as_deref()),
        (503, None),
        "not a redirect to /login: {}",
        turned.body
    );
    assert_eq!(retry_after(&h), "5");
    assert!(
        turned.body.contains("The appliance is overloaded")
            && turned.body.contains("still signed in"),
        "{}",
        turned.body
    );
    assert!(turned.set_cookies.is_empty(), "{:?}", turned.set_cookies);

    lock.release();
    for h in held {
        let (status, _, body) = h.await.expect("held");
        // Slow, not failed: each ends signed in.
        assert_eq!(status, 200, "{body}");
        assert!(body.contains("Welcome, ben"), "{body}");
    }
    let back = ana.get(&actor).await;
    assert_eq!(
        back.status, 200,
        "the same cookie works again: {}",
        back.body
    );
    assert!(ben.get("/").await.body.contains("Welcome, ben"));

    // 4. The causes were logged (the first of each minute as a warning)
    //    and administrators see the counts; no activity-log row per 503.
    let log = d.log();
    for cause in [
        "account-limit",
        "expensive-limit",
        "statement-timeout",
        "pool-exhausted",
    ] {
        assert!(
            log.lines()
                .any(|l| l.contains("503: request not completed") && l.contains(cause)),
            "{cause} not logged:\n{log}"
        );
    }
    let load = admin.get("/admin/load").await;
    assert_eq!(load.status, 200, "{}", load.body);
    assert!(
        load.body.contains("Requests answered 503") && load.body.contains("this minute so far"),
        "{}",
        load.body
    );
    let rows = sql(
        &a,
        "SELECT count(*) FROM audit_log WHERE action LIKE '%shed%' OR action LIKE '%overload%'",
    );
    assert_eq!(rows, "0");
}
