//! Background searches (issue 14) over HTTPS, on one appliance whose
//! interactive budget is 1 ms: a search over a few thousand records runs
//! past it and goes on in the background (202, a page that says so in
//! the reader's language, a link to the job); the job's page shows its
//! results once done, read again under the reader's row-level security;
//! the owner is notified; another account, a statement without an actor
//! and an expired job see nothing; the activity log has the entries.

mod common;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use common::web::*;
use common::{daemon, TableLock};
use custodian_harness::Postgres;

const PW: &str = "granite orchard whispers twice";

fn sql(pg: &Postgres, q: &str) -> String {
    pg.psql("custodian", q).expect(q)
}

fn listed(page: &Page) -> BTreeSet<String> {
    page.all_after("/bulletins/view?id=", '"')
        .into_iter()
        .collect()
}

/// Polls the job's page until it no longer reloads itself.
async fn finished(b: &mut Browser<'_>, link: &str) -> Page {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let page = b.get(link).await;
        assert_eq!(page.status, 200, "{}", page.body);
        if !page.body.contains("http-equiv=\"refresh\"") {
            return page;
        }
        assert!(Instant::now() < deadline, "still running: {}", page.body);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_search_past_the_budget_goes_on_in_the_background_and_is_read_again_under_row_level_security(
) {
    let started = Instant::now();
    let a = custodian_harness::Appliance::start(&[]).expect("appliance");
    let mut cfg = password_only(&a, "", "login-attempts-per-5-minutes = 1000");
    cfg.extra_toml
        .push_str("\n[search]\ninteractive-ms = 1\nbackground-ms = 3000\n");
    let d = daemon(cfg);
    set_up(&d).await;
    let mut admin = Browser::new(&d);
    admin.login("admin", PASSWORD).await;
    let mut ana = new_user_as(&d, &mut admin, "ana", "analyst", PW).await;
    let mut bo = new_user_as(&d, &mut admin, "bo", "analyst", PW).await;
    let ana_id = sql(&a.pg, "SELECT id FROM app_user WHERE username = 'ana'");
    // A few thousand convoys, one statement; the newest two are the ones
    // watched: one restricted to a group ana is not in from the start,
    // one whose access changes after the search.
    sql(
        &a.pg,
        &format!(
            "INSERT INTO bulletin (title, description, created_by) \
             SELECT 'Convoy seen near the bridge ' || n, '<p>Trucks and a convoy.</p>', {ana_id} \
             FROM generate_series(1, 6000) n"
        ),
    );
    let newest = sql(&a.pg, "SELECT max(id) FROM bulletin");
    let restricted = sql(&a.pg, "SELECT max(id) - 1 FROM bulletin");
    sql(
        &a.pg,
        &format!("UPDATE bulletin SET access_groups = '{{team-x}}' WHERE id = {restricted}"),
    );

    // 0. A HEAD of that list only asks about the page: it is refused
    //    (503) and starts nothing.
    let head = ana.head("/bulletins?q=convoy&sort=id").await;
    assert_eq!(head.status, 503);
    assert_eq!(sql(&a.pg, "SELECT count(*) FROM search_job"), "0");

    // 1. Past the budget: 202, the page says so and links to the job.
    let moved = ana.get("/bulletins?q=convoy&sort=id").await;
    assert_eq!(moved.status, 202, "{}", moved.body);
    assert!(
        moved.body.contains("continues in the background") && moved.body.contains("notification"),
        "{}",
        moved.body
    );
    let id = moved.first_after("/searches/job?id=", '"');
    let link = format!("/searches/job?id={id}");
    assert_eq!(audit(&a, "bulletin.searched"), 0, "moved, not listed");

    // 2. Done: the matches ana may read, newest first, 50 a page.
    let done = finished(&mut ana, &link).await;
    assert!(
        done.body
            .contains("matches, shown as you may read them now"),
        "{}",
        done.body
    );
    let first = listed(&done);
    assert_eq!(first.len(), 50, "{}", done.body);
    assert!(first.contains(&newest), "{}", done.body);
    assert!(!first.contains(&restricted), "restricted from the start");
    assert!(done.body.contains("&amp;page=2"), "{}", done.body);
    assert_eq!(
        sql(
            &a.pg,
            &format!("SELECT status, matched, capped FROM search_job WHERE id = {id}")
        ),
        "done|5999|f"
    );

    // 3. Read again under row-level security: a record restricted since
    //    is not shown.
    sql(
        &a.pg,
        &format!("UPDATE bulletin SET access_groups = '{{team-x}}' WHERE id = {newest}"),
    );
    let again = ana.get(&link).await;
    assert!(!listed(&again).contains(&newest), "{}", again.body);
    assert!(
        again.body.contains("no longer visible to you"),
        "{}",
        again.body
    );

    // 4. The owner is notified, with a link to the job.
    assert_eq!(
        sql(
            &a.pg,
            &format!(
                "SELECT count(*) FROM notification WHERE user_id = {ana_id} AND message_key = 'notice-search-ready' \
                 AND message_args ->> 'job' = '{id}'"
            )
        ),
        "1"
    );
    let told = ana.get("/account/notifications").await;
    assert!(
        told.body.contains("background search of bulletins") && told.body.contains(&link),
        "{}",
        told.body
    );

    // 5. Nobody else reads it: another account (404), a statement
    //    without an actor (0 rows).
    assert_eq!(bo.get(&link).await.status, 404);
    assert_eq!(admin.get(&link).await.status, 404);
    assert_eq!(
        sql(
            &a.pg,
            "SET ROLE custodian_runtime; SELECT count(*) FROM search_job"
        ),
        "0"
    );

    // Nor can the runtime role make one up: it inserts only the owner,
    // kind and query (migration 0037), never an expiry or results.
    let forged = a.pg.psql(
        "custodian",
        &format!(
            "SET ROLE custodian_runtime; SELECT set_config('custodian.user_id', '{ana_id}', false); \
             INSERT INTO search_job (owner, kind, query, status, expires_at) \
             VALUES ({ana_id}, 'bulletin', 'q=x', 'done', now() + interval '1 year')"
        ),
    );
    let refused = forged.expect_err("a forged job is refused");
    assert!(
        refused.to_string().contains("permission denied"),
        "{refused}"
    );

    // 6. In Arabic: the page that says the search goes on, no English.
    let mut ar = Browser::arabic(&d);
    ar.login("ana", PW).await;
    let moved_ar = ar.get("/bulletins?q=convoy").await;
    assert_eq!(moved_ar.status, 202, "{}", moved_ar.body);
    assert!(
        moved_ar.body.contains("يتواصل البحث في الخلفية"),
        "{}",
        moved_ar.body
    );
    assert!(!moved_ar.body.contains("background"), "{}", moved_ar.body);
    let id_ar = moved_ar.first_after("/searches/job?id=", '"');
    let done_ar = finished(&mut ar, &format!("/searches/job?id={id_ar}")).await;
    assert!(
        done_ar.body.contains("كما يحق لك الاطلاع عليها الآن"),
        "{}",
        done_ar.body
    );

    // 7. The activity log: started and finished, each job.
    assert_eq!(audit(&a, "search.background"), 4);
    assert_eq!(
        sql(
            &a.pg,
            &format!(
                "SELECT string_agg(details ->> 'step', ',' ORDER BY seq) FROM audit_log \
                 WHERE action = 'search.background' AND target = 'search_job/{id}'"
            )
        ),
        "started,finished"
    );

    // 8. A background search that runs past its own limit (waiting on a
    //    lock here) fails: the page says so, the owner is told.
    let lock = TableLock::take(&a.pg, "bulletin").await;
    let moved_again = ar.get("/bulletins?q=convoy").await;
    assert_eq!(moved_again.status, 202, "{}", moved_again.body);
    let id_failed = moved_again.first_after("/searches/job?id=", '"');
    let failed = finished(&mut ar, &format!("/searches/job?id={id_failed}")).await;
    lock.release();
    assert!(failed.body.contains("أخفق هذا البحث"), "{}", failed.body);
    assert_eq!(
        sql(
            &a.pg,
            &format!(
                "SELECT status || ',' || (finished_at IS NOT NULL) FROM search_job WHERE id = {id_failed}; \
                 SELECT count(*) FROM notification WHERE user_id = {ana_id} AND message_key = 'notice-search-failed'"
            )
        ),
        "failed,true\n1"
    );
    assert_eq!(audit(&a, "search.background"), 6);

    // 9. Past its 24 hours: not found, and gone.
    sql(
        &a.pg,
        &format!("UPDATE search_job SET expires_at = now() - interval '1 second' WHERE id = {id}"),
    );
    // Through ana's Arabic browser, whose session is the current one.
    let expired = ar.get(&link).await;
    assert_eq!(
        expired.status, 404,
        "{:?} {}",
        expired.location, expired.body
    );
    assert_eq!(
        sql(
            &a.pg,
            &format!("SELECT count(*) FROM search_job WHERE id = {id}")
        ),
        "0"
    );
    eprintln!("background searches: {:?}", started.elapsed());
}
