//! Search and lists at archive scale (issue 14) against real PostgreSQL:
//! the plans PostgreSQL makes for the list and search queries under the
//! runtime role with an actor set (indexes, no per-row access function),
//! what row-level security lets through a search, Arabic folding, and over
//! HTTPS the query language, its 400s, bounded counts and cursor pages.

mod common;

use std::collections::BTreeSet;
use std::process::Command;

use common::daemon;
use common::web::*;
use custodian_harness::vault::repo_root;
use custodian_harness::{Appliance, Postgres};

const PW: &str = "granite orchard whispers twice";

fn sql(pg: &Postgres, q: &str) -> String {
    pg.psql("custodian", q).expect(q)
}

/// `q` as the runtime role with `actor` (a username; unknown: no actor)
/// named the way custodiand names it, in one transaction.
fn as_runtime(pg: &Postgres, actor: &str, q: &str) -> String {
    sql(
        pg,
        &format!(
            "BEGIN; SET LOCAL ROLE custodian_runtime; \
             SELECT set_config('custodian.user_id', coalesce((SELECT id::text FROM app_user WHERE username = '{actor}'), ''), true); \
             {q}; COMMIT;"
        ),
    )
}

/// The plan of `q` as the runtime role, as text.
fn plan(pg: &Postgres, actor: &str, q: &str) -> String {
    as_runtime(pg, actor, &format!("EXPLAIN (COSTS OFF) {q}"))
}

/// One number from `q` as the runtime role.
fn number(pg: &Postgres, actor: &str, q: &str) -> i64 {
    let out = as_runtime(pg, actor, &format!("SELECT 'n=' || ({q})"));
    out.lines()
        .find_map(|l| l.trim().strip_prefix("n="))
        .unwrap_or_else(|| panic!("{q}: {out}"))
        .parse()
        .expect("a number")
}

/// The search as custodiand sends it (items.rs): the text folded and
/// parsed by the search configuration.
fn ts(words: &str) -> String {
    format!(
        "to_tsquery('public.custodian_search', public.custodian_fold('{}'))",
        words.replace('\'', "''")
    )
}

fn search_ids(words: &str) -> String {
    format!(
        "SELECT count(*) FROM public.custodian_search_ids('bulletin', {}, NULL, 5000)",
        ts(words)
    )
}

#[test]
fn list_and_search_plans_use_the_indexes_under_the_runtime_role() {
    let a = Appliance::start(&[]).expect("appliance");
    let out = Command::new(repo_root().join("tests/bench/datagen"))
        .args(["--records", "4000"])
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
    sql(&a.pg, "VACUUM ANALYZE");
    // An analyst in no group sees exactly the open records.
    let reader = "datagen-analyst-30";

    // The list: first page and a page after a cursor walk the ordering
    // index; the access rule is an inline filter whose actor facts are
    // InitPlans, never a per-row function call.
    let first = plan(
        &a.pg,
        reader,
        "SELECT b.id FROM bulletin b LEFT JOIN app_user u ON u.id = b.assigned_to \
         WHERE true ORDER BY b.updated_at DESC, b.id DESC LIMIT 26",
    );
    let deep = plan(
        &a.pg,
        reader,
        "SELECT b.id FROM bulletin b LEFT JOIN app_user u ON u.id = b.assigned_to \
         WHERE true AND (b.updated_at, b.id) < ('2019-06-01', 2000) \
         ORDER BY b.updated_at DESC, b.id DESC LIMIT 26",
    );
    // A status filter walks the status's own ordered index.
    let filtered = plan(
        &a.pg,
        reader,
        "SELECT b.id FROM bulletin b LEFT JOIN app_user u ON u.id = b.assigned_to \
         WHERE true AND b.status = 'finalized' AND (b.updated_at, b.id) < ('2019-06-01', 2000) \
         ORDER BY b.updated_at DESC, b.id DESC LIMIT 26",
    );
    for (p, index) in [
        (&first, "bulletin_updated_order"),
        (&deep, "bulletin_updated_order"),
        (&filtered, "bulletin_status_order"),
    ] {
        assert!(
            p.contains(&format!("Index Scan Backward using {index} on bulletin")),
            "{p}"
        );
        assert!(p.contains("InitPlan"), "{p}");
        assert!(
            !p.contains("SubPlan")
                && !p.contains("custodian_may_read")
                && !p.contains("Seq Scan on bulletin"),
            "{p}"
        );
    }
    // The list filters (items.rs `filter_sql`, as it writes them): an
    // assignee or reviewer walks its own ordered index; a label, an event
    // type or an event date range is looked up in its link index and the
    // records read back by primary key (the link tables' own row-level
    // security applies as well). None reads a whole table.
    let analyst = "(SELECT id FROM app_user WHERE username = 'datagen-analyst-30')";
    let page = |filter: &str| {
        format!(
            "SELECT b.id FROM bulletin b LEFT JOIN app_user u ON u.id = b.assigned_to \
             WHERE {filter} ORDER BY b.updated_at DESC, b.id DESC LIMIT 26"
        )
    };
    let label_filter = "b.id IN (SELECT x.record_id FROM record_reference x \
        WHERE x.kind = 'bulletin' AND x.withdrawn_at IS NULL \
        AND x.label_id = (SELECT t.id FROM label t WHERE lower(t.title) = (SELECT lower(title) FROM label ORDER BY id LIMIT 1)))";
    let event_filter = "b.id IN (SELECT x.record_id FROM record_event x WHERE x.kind = 'bulletin' AND x.withdrawn_at IS NULL \
        AND x.event_type_id IN (SELECT t.id FROM event_type t WHERE lower(t.title) = ANY(ARRAY[(SELECT lower(title) FROM event_type ORDER BY id LIMIT 1)])) \
        AND coalesce(x.to_date, x.from_date) >= '2015-01-01'::text::date AND coalesce(x.from_date, x.to_date) <= '2015-03-01'::text::date)";
    for (filter, index) in [
        (
            format!("b.assigned_to = {analyst}"),
            "bulletin_assignee_order",
        ),
        (
            "b.reviewer = (SELECT id FROM app_user WHERE username = 'datagen-moderator-1')"
                .to_owned(),
            "bulletin_reviewer_order",
        ),
        (label_filter.to_owned(), "record_reference_label"),
        (
            event_filter.to_owned(),
            "record_event_type|record_event_dates",
        ),
        (
            format!("b.assigned_to = {analyst} AND {label_filter}"),
            "record_reference_label",
        ),
    ] {
        let p = plan(&a.pg, reader, &page(&filter));
        assert!(
            index.split('|').any(|i| p.contains(&format!("using {i} "))
                || p.lines()
                    .any(|l| l.trim_end().ends_with(&format!("Index Scan on {i}")))),
            "{filter}:\n{p}"
        );
        assert!(
            !p.contains("Seq Scan on bulletin") && !p.contains("Seq Scan on record_"),
            "{filter}:\n{p}"
        );
        // The links' own rule is inline too (migration link_read_inline):
        // no function call per link row.
        assert!(
            !p.contains("custodian_may_read") && !p.contains("custodian_record_visible"),
            "{p}"
        );
    }
    let count = plan(
        &a.pg,
        reader,
        "SELECT count(*) FROM (SELECT 1 FROM bulletin b WHERE true LIMIT 1001) s",
    );
    assert!(
        !count.contains("SubPlan") && !count.contains("custodian_may_read"),
        "{count}"
    );

    // The search: inside the owner's function the text index is used for
    // a rare word, an Arabic word and a phrase (auto_explain shows the
    // plan of the statement inside the function) ...
    let log_before = a.pg.log().len();
    sql(
        &a.pg,
        &format!(
            "LOAD 'auto_explain'; SET auto_explain.log_min_duration = 0; \
             SET auto_explain.log_nested_statements = on; \
             BEGIN; SET LOCAL ROLE custodian_runtime; \
             SELECT set_config('custodian.user_id', (SELECT id::text FROM app_user WHERE username = '{reader}'), true); \
             {}; {}; {}; COMMIT;",
            search_ids("'zeppelin'"),
            search_ids("'قصف'"),
            search_ids("('near' <-> 'the' <-> 'checkpoint')"),
        ),
    );
    let log = a.pg.log();
    let inner: Vec<&str> = log[log_before..]
        .split("Query Text: ")
        .filter(|s| s.starts_with("SELECT r.id FROM public.bulletin r"))
        .collect();
    assert_eq!(inner.len(), 3, "{}", &log[log_before..]);
    for p in &inner {
        assert!(
            p.contains("Bitmap Index Scan on bulletin_search")
                && !p.contains("Seq Scan on bulletin"),
            "{p}"
        );
    }
    // ... and what it returns is read back by primary key, under
    // row-level security.
    let some_ids = as_runtime(
        &a.pg,
        reader,
        &format!(
            "SELECT 'ids=' || array_agg(id)::text FROM public.custodian_search_ids('bulletin', {}, NULL, 5000) AS f(id)",
            ts("'قصف'")
        ),
    );
    let ids = some_ids
        .lines()
        .find_map(|l| l.trim().strip_prefix("ids="))
        .expect("ids")
        .to_owned();
    let read_back = plan(
        &a.pg,
        reader,
        &format!(
            "SELECT b.id FROM bulletin b LEFT JOIN app_user u ON u.id = b.assigned_to \
             WHERE b.id = ANY('{ids}'::bigint[]) ORDER BY b.updated_at DESC, b.id DESC LIMIT 26"
        ),
    );
    assert!(
        read_back.contains("bulletin_pkey") && !read_back.contains("Seq Scan on bulletin"),
        "{read_back}"
    );

    // What the function returns is what row-level security lets through:
    // the open matches for this analyst, nothing without an actor or for
    // a suspended one, everything for the administrator.
    let all = |words: &str, open_only: bool| -> i64 {
        sql(
            &a.pg,
            &format!(
                "SELECT count(*) FROM bulletin WHERE search_doc @@ {}{}",
                ts(words),
                if open_only {
                    " AND cardinality(access_groups) = 0"
                } else {
                    ""
                }
            ),
        )
        .parse()
        .expect("count")
    };
    let arabic = all("'قصف'", true);
    assert!(arabic > 0 && arabic < all("'قصف'", false));
    assert_eq!(number(&a.pg, reader, &search_ids("'قصف'")), arabic);
    assert_eq!(
        number(&a.pg, "datagen-admin", &search_ids("'قصف'")),
        all("'قصف'", false)
    );
    assert_eq!(number(&a.pg, "nobody", &search_ids("'قصف'")), 0);
    sql(
        &a.pg,
        "UPDATE app_user SET state = 'suspended' WHERE username = 'datagen-analyst-31'",
    );
    assert_eq!(number(&a.pg, "datagen-analyst-31", &search_ids("'قصف'")), 0);
    assert_eq!(
        number(&a.pg, "datagen-analyst-31", "SELECT count(*) FROM bulletin"),
        0
    );
    // Folding: the generator's spellings with diacritics, tatweel, bare
    // alef, final ha and ya are one word with the plain spelling, as the
    // documents are folded the same way.
    for spelling in ["'قَصْف'", "'قـصـف'"] {
        assert_eq!(number(&a.pg, reader, &search_ids(spelling)), arabic);
    }
    assert_eq!(
        all("'المُسْتَشْفَى'", false),
        all("'المستشفي'", false),
        "alef maqsura and diacritics"
    );
    assert!(all("'المستشفى'", false) > 0);
    // The kinds' own text fields are searched too: an actor's nationality,
    // an incident's violations (weight C).
    let kind_field = |table: &str, words: &str, field: &str, value: &str| -> (i64, i64) {
        let n = |q: String| -> i64 { sql(&a.pg, &q).parse().expect("count") };
        (
            n(format!(
                "SELECT count(*) FROM {table} WHERE details->>'{field}' = '{value}' \
                 AND NOT search_doc @@ {}",
                ts(words)
            )),
            n(format!(
                "SELECT count(*) FROM {table} WHERE details->>'{field}' = '{value}'"
            )),
        )
    };
    let (missed, with) = kind_field("actor", "'syrian'", "nationality", "Syrian");
    assert!(
        missed == 0 && with > 0,
        "{missed} of {with} Syrian actors not found"
    );
    let (missed, with) = kind_field(
        "incident",
        "'arbitrary' <-> 'detention'",
        "potential_violations",
        "Arbitrary detention",
    );
    assert!(
        missed == 0 && with > 0,
        "{missed} of {with} incidents not found"
    );
    assert_eq!(
        sql(
            &a.pg,
            "SELECT custodian_fold('أَحْمَد إبراهيم آمنة مُسْتَشْفَى مدرسة مـحـمـد سؤال')"
        ),
        "احمد ابراهيم امنه مستشفي مدرسه محمد سوال"
    );
}

/// Creates a bulletin through the form; returns its id.
async fn create(b: &mut Browser<'_>, title: &str, description: &str, groups: &str) -> String {
    let form = b.get("/bulletins/new").await;
    let r = b
        .post(
            "/bulletins",
            &[
                ("csrf", &form.csrf()),
                ("title", title),
                ("description", description),
                ("groups", groups),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    r.location
        .expect("location")
        .rsplit('=')
        .next()
        .expect("id")
        .to_owned()
}

/// The ids a list page links to.
fn listed(page: &Page) -> Vec<String> {
    page.all_after("/bulletins/view?id=", '"')
}

fn get_q(text: &str) -> String {
    let q: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("q", text)
        .finish();
    format!("/bulletins?{q}")
}

#[tokio::test]
async fn search_language_counts_and_cursor_pages_over_https() {
    let a = Appliance::start(&[]).expect("appliance");
    let d = daemon(password_only(&a, "", "login-attempts-per-5-minutes = 1000"));
    set_up(&d).await;
    let mut admin = Browser::new(&d);
    admin.login("admin", PASSWORD).await;
    let mut ana = new_user_as(&d, &mut admin, "ana", "analyst", PW).await;
    let shelled = create(
        &mut ana,
        "Shelling near the checkpoint",
        "<p>Seen from the bakery.</p>",
        "",
    )
    .await;
    let market = create(
        &mut ana,
        "Airstrike on the market",
        "<p>The checkpoint was closed.</p>",
        "",
    )
    .await;
    let arabic = create(&mut ana, "قَصْف المُسْتَشْفَى في حلب", "", "").await;
    let file = create(&mut ana, "Video IMG_2031 from Homs", "", "").await;
    let hidden = create(&mut admin, "Shelling of the sealed archive", "", "team-x").await;

    let ids = |page: &Page| listed(page).into_iter().collect::<BTreeSet<_>>();
    let set = |v: &[&String]| v.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
    let cases: Vec<(&str, BTreeSet<String>)> = vec![
        // English stems: "shelled" finds "Shelling"; words in any field.
        ("shelled", set(&[&shelled])),
        ("checkpoint", set(&[&shelled, &market])),
        ("checkpoint bakery", set(&[&shelled])),
        ("\"near the checkpoint\"", set(&[&shelled])),
        ("\"checkpoint near\"", set(&[])),
        ("bakery OR airstrike", set(&[&shelled, &market])),
        ("checkpoint -bakery", set(&[&market])),
        ("check*", set(&[&shelled, &market])),
        // Arabic: folded and stemmed, whatever the spelling.
        ("قصف", set(&[&arabic])),
        ("مستشفى", set(&[&arabic])),
        ("المستشفي", set(&[&arabic])),
        ("قـصـف", set(&[&arabic])),
        // An identifier, whole or as part of a title.
        ("IMG_2031", set(&[&file])),
        // Wildcards are characters: "MG%2" is not "MG, anything, 2".
        ("G_20", set(&[&file])),
        ("MG%2", set(&[])),
    ];
    for (text, expected) in &cases {
        let page = ana.get(&get_q(text)).await;
        assert_eq!(
            page.status,
            200,
            "{text}: {}",
            d.log()
                .lines()
                .filter(|l| l.contains("503"))
                .collect::<Vec<_>>()
                .join("\n")
        );
        assert_eq!(&ids(&page), expected, "{text}: {}", page.body);
        assert!(!ids(&page).contains(&hidden), "{text}");
    }
    // A search is ranked by default: a word in the title before one in the
    // description, although the description's record is newer.
    assert_eq!(
        listed(&ana.get(&get_q("checkpoint")).await),
        vec![shelled.clone(), market.clone()]
    );
    assert_eq!(
        listed(
            &ana.get(&format!("{}&sort=updated", get_q("checkpoint")))
                .await
        ),
        vec![market.clone(), shelled.clone()]
    );
    // The administrator sees the restricted record through search too.
    assert!(ids(&admin.get(&get_q("shelling")).await).contains(&hidden));

    // Malformed searches: a 400 that names the field and the mistake.
    for (text, says) in [
        ("\"open phrase", "quotation mark that is not closed"),
        ("OR market", "OR without a word on each side"),
        ("-market", "only leaves words out"),
        ("market -", "a - with nothing after it"),
        ("*", "a * on its own"),
    ] {
        let page = ana.get(&get_q(text)).await;
        assert_eq!(page.status, 400, "{text}: {}", page.body);
        assert!(
            page.body.contains("The field \u{201c}q\u{201d}") && page.body.contains(says),
            "{text}: {}",
            page.body
        );
    }
    let bad = ana.get("/bulletins?after=yesterday").await;
    assert_eq!(bad.status, 400, "{}", bad.body);
    assert!(
        bad.body.contains("start again from the first page"),
        "{}",
        bad.body
    );

    // 1,030 more open bulletins (made directly: the form is not what is
    // tested here) with distinct times: the count stops at the bound, and
    // following "Next page" visits every record once, newest first.
    let ana_id = sql(&a.pg, "SELECT id FROM app_user WHERE username = 'ana'");
    sql(
        &a.pg,
        &format!(
            "INSERT INTO bulletin (title, created_by, updated_at) \
             SELECT 'Filler ' || n, {ana_id}, timestamptz '2020-01-01' + n * interval '1 minute' \
             FROM generate_series(1, 1030) n"
        ),
    );
    let visible: i64 = sql(
        &a.pg,
        "SELECT count(*) FROM bulletin WHERE cardinality(access_groups) = 0",
    )
    .parse()
    .expect("count");
    let mut page = ana.get("/bulletins").await;
    assert!(
        page.body.contains("More than 1,000 bulletins"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("Previous page"), "{}", page.body);
    let mut seen: Vec<String> = Vec::new();
    let mut pages = 0;
    loop {
        pages += 1;
        assert!(pages <= 50, "the pages do not end");
        let ids = listed(&page);
        assert!(ids.len() <= 25);
        seen.extend(ids);
        if !page.body.contains("rel=\"next\"") {
            break;
        }
        let next_href = page
            .all_after("<a href=\"", '"')
            .into_iter()
            .find(|l| l.contains("after="))
            .expect("a next link")
            .replace("&amp;", "&");
        page = ana.get(&next_href).await;
        assert_eq!(page.status, 200, "{}", page.body);
    }
    assert_eq!(seen.len() as i64, visible, "every visible record once");
    assert_eq!(
        seen.iter().collect::<BTreeSet<_>>().len(),
        seen.len(),
        "no record twice"
    );
    assert!(!seen.contains(&hidden));
    // The last page links back; the page before it ends where it began.
    let links = page.all_after("<a href=\"", '"');
    let previous = links
        .iter()
        .find(|l| l.contains("before="))
        .expect("a previous link")
        .replace("&amp;", "&");
    let back = ana.get(&previous).await;
    let back_ids = listed(&back);
    assert_eq!(back_ids.len(), 25);
    let at = seen.len() - listed(&page).len();
    assert_eq!(back_ids, seen[at - 25..at].to_vec());
    // Ranked pages of a search follow one another the same way.
    let mut page = ana.get(&get_q("filler")).await;
    assert!(
        page.body
            .contains("More than 1,000 bulletins; by relevance."),
        "{}",
        page.body
    );
    let mut ranked: Vec<String> = Vec::new();
    for _ in 0..50 {
        ranked.extend(listed(&page));
        let Some(next) = page
            .all_after("<a href=\"", '"')
            .into_iter()
            .find(|l| l.contains("after="))
        else {
            break;
        };
        page = ana.get(&next.replace("&amp;", "&")).await;
        assert_eq!(page.status, 200, "{}", page.body);
    }
    assert_eq!(ranked.len(), 1030);
    assert_eq!(ranked.iter().collect::<BTreeSet<_>>().len(), 1030);
    // A filtered count below the bound is exact.
    let one = ana.get(&get_q("\"Filler 1030\"")).await;
    assert!(one.body.contains("1 bulletin;"), "{}", one.body);
}
