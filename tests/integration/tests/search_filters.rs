//! The rest of issue 14 over HTTPS, on one appliance: every search and
//! every record view leaves an entry in the activity log that an
//! administrator finds; the list filters (from GET parameters, read in
//! core), their refusals and keyset pages; the bounded record page; and
//! the type-ahead pickers under row-level security.

mod common;

use std::collections::BTreeSet;

use common::daemon;
use common::web::*;
use custodian_harness::{Appliance, Postgres};

const PW: &str = "granite orchard whispers twice";

fn sql(pg: &Postgres, q: &str) -> String {
    pg.psql("custodian", q).expect(q)
}

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

fn listed(page: &Page) -> BTreeSet<String> {
    page.all_after("/bulletins/view?id=", '"')
        .into_iter()
        .collect()
}

/// A form's fields as `Browser::post` takes them.
fn pairs<'a>(fields: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    fields.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

fn set(v: &[&String]) -> BTreeSet<String> {
    v.iter().map(|s| s.to_string()).collect()
}

#[tokio::test]
async fn views_and_searches_are_logged_filters_and_pickers_over_https() {
    let a = Appliance::start(&[]).expect("appliance");
    let d = daemon(password_only(&a, "", "login-attempts-per-5-minutes = 1000"));
    set_up(&d).await;
    let mut admin = Browser::new(&d);
    admin.login("admin", PASSWORD).await;
    let mut ana = new_user_as(&d, &mut admin, "ana", "analyst", PW).await;
    let mut mo = new_user_as(&d, &mut admin, "mo", "moderator", PW).await;
    let shelled = create(
        &mut ana,
        "Shelling near the checkpoint",
        "<p>Bakery.</p>",
        "",
    )
    .await;
    let market = create(&mut ana, "Airstrike on the market", "", "").await;
    let school = create(&mut ana, "Shelling of the school", "", "").await;
    let hidden = create(&mut admin, "Shelling of the sealed archive", "", "team-x").await;

    // Workflow, links and dates set directly: the forms are not what is
    // tested here.
    let uid = |name: &str| {
        sql(
            &a.pg,
            &format!("SELECT id FROM app_user WHERE username = '{name}'"),
        )
    };
    let (ana_id, mo_id) = (uid("ana"), uid("mo"));
    sql(
        &a.pg,
        &format!(
            "UPDATE bulletin SET status = 'assigned', assigned_to = {ana_id} WHERE id = {shelled}; \
             UPDATE bulletin SET status = 'peer_review', assigned_to = {ana_id}, reviewer = {mo_id} WHERE id = {market}; \
             UPDATE bulletin SET created_at = '2020-05-05 12:00+00', updated_at = '2020-06-01 00:30+00' WHERE id = {school}; \
             UPDATE bulletin SET assigned_to = {ana_id}, reviewer = {mo_id} WHERE id = {hidden}; \
             INSERT INTO label (title, created_by) VALUES ('Airstrike', {ana_id}), ('Verified', {ana_id}); \
             INSERT INTO source (title, created_by) VALUES ('Local witness', {ana_id}); \
             INSERT INTO location (title, created_by) VALUES ('Aleppo', {ana_id}); \
             INSERT INTO record_reference (kind, record_id, label_id, created_by) \
               SELECT 'bulletin', b, (SELECT id FROM label WHERE title = 'Airstrike'), {ana_id} FROM unnest(ARRAY[{market}, {school}, {hidden}]) b; \
             INSERT INTO record_reference (kind, record_id, label_id, created_by) \
               VALUES ('bulletin', {market}, (SELECT id FROM label WHERE title = 'Verified'), {ana_id}); \
             INSERT INTO record_reference (kind, record_id, source_id, created_by) \
               VALUES ('bulletin', {shelled}, (SELECT id FROM source WHERE title = 'Local witness'), {ana_id}); \
             INSERT INTO record_reference (kind, record_id, location_id, created_by) \
               VALUES ('bulletin', {school}, (SELECT id FROM location WHERE title = 'Aleppo'), {ana_id}); \
             INSERT INTO record_reference (kind, record_id, label_id, created_by, withdrawn_at, withdrawn_by, withdrawn_reason) \
               VALUES ('bulletin', {shelled}, (SELECT id FROM label WHERE title = 'Verified'), {ana_id}, now(), {ana_id}, 'wrong'); \
             INSERT INTO event_type (title) VALUES ('Arrest') ON CONFLICT DO NOTHING; \
             INSERT INTO record_event (kind, record_id, event_type_id, from_date, to_date, created_by) \
               VALUES ('bulletin', {school}, (SELECT id FROM event_type WHERE lower(title) = 'arrest'), '2019-03-01', '2019-03-04', {ana_id}); \
             INSERT INTO relation (from_kind, from_id, to_kind, to_id, relation_type, created_by) \
               VALUES ('bulletin', {shelled}, 'bulletin', {school}, 'related', {ana_id}), \
                      ('bulletin', {hidden}, 'bulletin', {shelled}, 'related', {ana_id});"
        ),
    );

    // 1. A record view leaves one entry naming who opened which record,
    //    and the administrator finds it in the activity log.
    let before = audit(&a, "bulletin.viewed");
    let view = ana.get(&format!("/bulletins/view?id={shelled}")).await;
    assert_eq!(view.status, 200, "{}", view.body);
    assert_eq!(audit(&a, "bulletin.viewed"), before + 1);
    // A record the analyst may not see is not found and records nothing.
    assert_eq!(
        ana.get(&format!("/bulletins/view?id={hidden}"))
            .await
            .status,
        404
    );
    assert_eq!(audit(&a, "bulletin.viewed"), before + 1);
    // Views that arrive together are written together (one statement for
    // the group): every one of them still has its own entry before its
    // page is sent, in one unbroken chain.
    let last_seq = sql(&a.pg, "SELECT max(seq) FROM audit_log");
    let tabs: Vec<_> = (0..24).map(|_| ana.clone()).collect();
    let path = format!("/bulletins/view?id={shelled}");
    let path = &path;
    let pages = futures_util::future::join_all(
        tabs.into_iter()
            .map(|mut tab| async move { tab.get(path).await }),
    )
    .await;
    assert!(pages.iter().all(|p| p.status == 200), "a view failed");
    assert_eq!(audit(&a, "bulletin.viewed"), before + 25);
    assert_eq!(
        sql(
            &a.pg,
            &format!(
                "SELECT count(*) FILTER (WHERE action = 'bulletin.viewed' AND actor = 'ana' AND target = 'bulletin/{shelled}') \
                 || ' ' || (max(seq) - min(seq) + 1 = count(*)) \
                 || ' ' || bool_and(l.prev_hash = (SELECT p.hash FROM audit_log p WHERE p.seq = l.seq - 1)) \
                 FROM audit_log l WHERE seq > {last_seq}"
            )
        ),
        "24 true true",
        "the grouped entries are contiguous and chained"
    );
    let log = admin
        .get(&format!(
            "/admin/activity?actor=ana&action=bulletin.viewed&target=bulletin/{shelled}"
        ))
        .await;
    assert_eq!(log.status, 200, "{}", log.body);
    assert!(
        log.body.contains(&format!("bulletin/{shelled}")),
        "{}",
        log.body
    );

    // 2. A search with filters leaves an entry with the words and filters.
    let searches = audit(&a, "bulletin.searched");
    let found = ana.get("/bulletins?q=shelling&label=airstrike").await;
    assert_eq!(found.status, 200, "{}", found.body);
    assert_eq!(listed(&found), set(&[&school]));
    assert_eq!(audit(&a, "bulletin.searched"), searches + 1);
    let details = sql(
        &a.pg,
        "SELECT details::text FROM audit_log WHERE action = 'bulletin.searched' ORDER BY seq DESC LIMIT 1",
    );
    assert!(
        details.contains("\"q\": \"shelling\"") && details.contains("\"label\": [\"airstrike\"]"),
        "{details}"
    );
    let log = admin
        .get("/admin/activity?actor=ana&action=bulletin.searched")
        .await;
    assert!(
        log.body.contains("shelling") && log.body.contains("airstrike"),
        "{}",
        log.body
    );
    // A plain list (no words, no filter) is browsing, not a search.
    ana.get("/bulletins").await;
    assert_eq!(audit(&a, "bulletin.searched"), searches + 1);

    // 3. Filters from GET parameters: each one alone and combined; the
    //    restricted record never shows for the analyst.
    let cases: Vec<(String, BTreeSet<String>)> = vec![
        ("status=assigned".into(), set(&[&shelled])),
        ("assignee=me".into(), set(&[&shelled, &market])),
        (format!("assignee=user-{ana_id}"), set(&[&shelled, &market])),
        ("assignee=nobody".into(), set(&[&school])),
        (format!("reviewer=user-{mo_id}"), set(&[&market])),
        (
            "created_from=2020-05-05&created_to=2020-05-05".into(),
            set(&[&school]),
        ),
        ("updated_to=2020-06-01".into(), set(&[&school])),
        ("updated_from=2020-06-02".into(), set(&[&shelled, &market])),
        ("label=Airstrike".into(), set(&[&market, &school])),
        ("label=airstrike&label=verified".into(), set(&[&market])),
        // A withdrawn label does not count.
        ("label=verified".into(), set(&[&market])),
        ("source=local%20witness".into(), set(&[&shelled])),
        ("location=Aleppo".into(), set(&[&school])),
        ("event_type=arrest".into(), set(&[&school])),
        (
            "event_from=2019-03-03&event_to=2019-12-31".into(),
            set(&[&school]),
        ),
        ("event_from=2019-03-05".into(), set(&[])),
        ("event_type=arrest&event_to=2019-02-28".into(), set(&[])),
        (format!("related=bulletin/{shelled}"), set(&[&school])),
        // The relation to the restricted record is not visible.
        (format!("related=bulletin/{hidden}"), set(&[])),
        ("label=nonesuch".into(), set(&[])),
        (
            "q=shelling&assignee=me&status=assigned&label=".into(),
            set(&[&shelled]),
        ),
    ];
    for (q, expected) in &cases {
        let page = ana.get(&format!("/bulletins?{q}")).await;
        assert_eq!(page.status, 200, "{q}: {}", page.body);
        assert_eq!(&listed(&page), expected, "{q}: {}", page.body);
    }
    // Administrators filter by usernames and by any group; analysts by
    // their own groups only.
    let page = admin
        .get("/bulletins?assignee=ana&reviewer=mo&group=team-x")
        .await;
    assert_eq!(listed(&page), set(&[&hidden]), "{}", page.body);
    assert_eq!(
        listed(&mo.get("/bulletins?assignee=ana&reviewer=mo").await),
        set(&[&market])
    );

    // 4. Bad input: a 400 naming the field and what to change.
    for (q, field, says) in [
        ("status=done", "status", "is not one of"),
        ("created_from=2024-02-30", "created_from", "YYYY-MM-DD"),
        (
            "updated_from=2024-05-01&updated_to=2024-04-01",
            "updated_to",
            "swap the two dates",
        ),
        ("assignee=ana", "assignee", "user-N"),
        ("group=team-x", "group", "your own groups"),
        ("related=bulletin/abc", "related", "bulletin/12"),
        ("sort=random", "sort", "is not one of"),
        ("label=a%01b", "label", "control character"),
        ("q=%22open", "q", "not closed"),
    ] {
        let page = ana.get(&format!("/bulletins?{q}")).await;
        assert_eq!(page.status, 400, "{q}: {}", page.body);
        assert!(
            page.body
                .contains(&format!("The field \u{201c}{field}\u{201d}"))
                && page.body.contains(says),
            "{q}: {}",
            page.body
        );
    }

    // 5. Keyset pages keep working with filters: 60 labelled records and
    //    40 unlabelled ones, followed through "after" positions with the
    //    filter kept, visit exactly the labelled ones, once each.
    sql(
        &a.pg,
        &format!(
            "INSERT INTO bulletin (title, created_by, updated_at, assigned_to) \
             SELECT 'Filler ' || n, {ana_id}, timestamptz '2021-01-01' + n * interval '1 minute', \
                    CASE WHEN n <= 60 THEN {ana_id} END FROM generate_series(1, 100) n; \
             INSERT INTO record_reference (kind, record_id, label_id, created_by) \
             SELECT 'bulletin', id, (SELECT id FROM label WHERE title = 'Verified'), {ana_id} \
             FROM bulletin WHERE title LIKE 'Filler %' AND assigned_to IS NOT NULL;"
        ),
    );
    let filter = "label=verified&assignee=me&sort=updated";
    let mut page = ana.get(&format!("/bulletins?{filter}")).await;
    // The form shows the filters again, folded open because one is used.
    assert!(
        page.body.contains("<details class=\"filters\" open"),
        "{}",
        page.body
    );
    // `me` is shown as the account it stands for.
    assert!(
        page.body.contains(&format!(
            "name=\"assignee\" type=\"text\" maxlength=\"200\" dir=\"auto\" value=\"user-{ana_id}\""
        )),
        "{}",
        page.body
    );
    let mut seen: Vec<String> = Vec::new();
    for _ in 0..10 {
        seen.extend(page.all_after("/bulletins/view?id=", '"'));
        // The page's own link to the next page: it must carry the filters.
        let Some(next) = page
            .all_after("href=\"/bulletins?", '"')
            .into_iter()
            .find(|h| h.contains("after="))
            .map(|h| h.replace("&amp;", "&"))
        else {
            break;
        };
        assert!(
            next.contains(&format!("assignee=user-{ana_id}")) && next.contains("label="),
            "{next}"
        );
        page = ana.get(&format!("/bulletins?{next}")).await;
        assert_eq!(page.status, 200, "{}", page.body);
    }
    let labelled: BTreeSet<String> = sql(
        &a.pg,
        &format!(
            "SELECT string_agg(id::text, ',') FROM bulletin WHERE assigned_to = {ana_id} \
             AND id IN (SELECT record_id FROM record_reference WHERE label_id = (SELECT id FROM label WHERE title = 'Verified') AND withdrawn_at IS NULL)"
        ),
    )
    .split(',')
    .map(str::to_owned)
    .collect();
    assert_eq!(labelled.len(), 61, "the fillers and the market");
    assert_eq!(seen.len(), 61, "{seen:?}");
    assert_eq!(seen.iter().cloned().collect::<BTreeSet<_>>(), labelled);

    // 6. The record page no longer loads whole tables for its pickers:
    //    at most 20 accounts are offered (plus the current ones), and
    //    the picker finds the others.
    sql(
        &a.pg,
        "INSERT INTO app_user (username, password_hash, pepper_version, role, state) \
         SELECT 'zz-analyst-' || n, 'x', 1, 'analyst', 'active' FROM generate_series(1, 40) n",
    );
    // The unassigned school bulletin offers "Assign" with a person.
    let view = admin.get(&format!("/bulletins/view?id={school}")).await;
    assert_eq!(view.status, 200, "{}", view.body);
    let options = view.body.matches("<option value=").count();
    assert!(view.body.contains(">zz-analyst-1<"), "{}", view.body);
    assert!(
        !view.body.contains(">zz-analyst-40<"),
        "the 40th account is not offered"
    );
    assert!(options <= 20 * 4, "{options} options");
    // The current reviewer is offered although past the first twenty.
    sql(&a.pg, &format!("UPDATE bulletin SET reviewer = (SELECT id FROM app_user WHERE username = 'zz-analyst-40') WHERE id = {school}"));
    let view = admin.get(&format!("/bulletins/view?id={school}")).await;
    assert!(view.body.contains(">zz-analyst-40<"), "{}", view.body);

    // 7. Pickers: at most 20 matches as JSON, prefix first, under
    //    row-level security for records; usernames only for those who
    //    may see them.
    let json = |p: &Page| -> serde_json::Value { serde_json::from_str(&p.body).expect(&p.body) };
    let labels = json(&ana.get("/pickers?what=label&q=air").await);
    assert_eq!(labels[0]["title"], "Airstrike", "{labels}");
    // The record page offers the first 20 labels and finds any other by
    // name with a GET of itself: no script needed.
    sql(
        &a.pg,
        &format!(
            "INSERT INTO label (title, created_by) SELECT 'Checkpoint ' || lpad(n::text, 2, '0'), {ana_id} FROM generate_series(1, 30) n"
        ),
    );
    let page = admin.get(&format!("/bulletins/view?id={school}")).await;
    assert!(
        page.body.contains(">Checkpoint 19</option>")
            && !page.body.contains(">Checkpoint 30</option>"),
        "{}",
        page.body
    );
    let found = admin
        .get(&format!(
            "/bulletins/view?id={school}&find_label=POINT%2030"
        ))
        .await;
    assert_eq!(found.status, 200, "{}", found.body);
    assert!(
        found.body.contains(">Checkpoint 30</option>")
            && !found.body.contains(">Airstrike</option>"),
        "{}",
        found.body
    );
    assert!(
        found
            .body
            .contains("name=\"find_label\" value=\"POINT 30\""),
        "what was typed stays: {}",
        found.body
    );
    let none = admin
        .get(&format!("/bulletins/view?id={school}&find_label=zzzz"))
        .await;
    assert!(none.body.contains("Nothing by that name"), "{}", none.body);
    let people = json(&admin.get("/pickers?what=person&q=zz-analyst").await);
    assert_eq!(people.as_array().map(Vec::len), Some(20), "{people}");
    let people = json(&ana.get("/pickers?what=person&q=zz").await);
    assert_eq!(people.as_array().map(Vec::len), Some(0), "{people}");
    let people = json(
        &ana.get(&format!("/pickers?what=person&q=user-{mo_id}"))
            .await,
    );
    assert_eq!(
        people[0]["id"].as_i64().map(|i| i.to_string()),
        Some(mo_id.clone())
    );
    let records = json(&ana.get("/pickers?what=bulletin&q=shell").await);
    let ids: BTreeSet<String> = records
        .as_array()
        .expect("array")
        .iter()
        .map(|r| r["id"].to_string())
        .collect();
    assert_eq!(ids, set(&[&shelled, &school]), "{records}");
    let by_id = json(&ana.get(&format!("/pickers?what=bulletin&q={hidden}")).await);
    assert_eq!(by_id.as_array().map(Vec::len), Some(0), "{by_id}");
    let bad = ana.get("/pickers?what=app_user&q=a").await;
    assert_eq!(bad.status, 400, "{}", bad.body);
    assert!(
        bad.body.contains("The field \u{201c}what\u{201d}"),
        "{}",
        bad.body
    );

    // 8. Saved searches: the list's question kept by name (in the list's
    //    own spelling), shared only with one of the owner's groups, seen
    //    by that group's members and run again under row-level security
    //    for whoever opens it; deleted by its owner only.
    sql(
        &a.pg,
        "UPDATE app_user SET access_groups = '{team-y}' WHERE username IN ('ana', 'mo')",
    );
    let csrf = ana.get("/bulletins?q=shelling&sort=created").await.csrf();
    let save = |name: &'static str, query: &'static str, group: &'static str| {
        [
            ("csrf", csrf.clone()),
            ("kind", "bulletin".to_owned()),
            ("query", query.to_owned()),
            ("name", name.to_owned()),
            ("shared_with", group.to_owned()),
        ]
    };
    let saved = ana
        .post(
            "/searches/save",
            &pairs(&save(
                "Shelling, newest",
                "sort=created&q=shelling",
                "team-y",
            )),
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let stored = sql(
        &a.pg,
        "SELECT query FROM saved_search WHERE name = 'Shelling, newest'",
    );
    assert_eq!(
        stored, "q=shelling&sort=created",
        "kept as the list writes it"
    );
    assert_eq!(
        saved.location.as_deref(),
        Some(format!("/bulletins?{stored}").as_str())
    );
    let link = format!(
        "href=\"/bulletins?{}\"><bdi>Shelling, newest</bdi>",
        stored.replace('&', "&amp;")
    );
    let mine = ana.get("/bulletins").await;
    assert!(
        mine.body.contains(&link) && mine.body.contains("action=\"/searches/delete\""),
        "{}",
        mine.body
    );
    let opened = ana.get(&format!("/bulletins?{stored}")).await;
    assert_eq!(listed(&opened), set(&[&shelled, &school]));
    // Mo, in the group, sees it (without a delete button) and gets his
    // own answer; the administrator, outside it, does not see it, and the
    // same question shows him the sealed record too.
    let theirs = mo.get("/bulletins").await;
    assert!(theirs.body.contains(&link), "{}", theirs.body);
    assert!(
        !theirs.body.contains("action=\"/searches/delete\""),
        "{}",
        theirs.body
    );
    assert!(!admin
        .get("/bulletins")
        .await
        .body
        .contains("Shelling, newest"));
    assert_eq!(
        listed(&admin.get(&format!("/bulletins?{stored}")).await),
        set(&[&shelled, &school, &hidden])
    );
    // Without an actor, or as someone else, row-level security shows none.
    assert_eq!(
        sql(
            &a.pg,
            "SET ROLE custodian_runtime; SELECT count(*) FROM saved_search"
        ),
        "0"
    );
    let id = sql(
        &a.pg,
        "SELECT id FROM saved_search WHERE name = 'Shelling, newest'",
    );
    let mo_csrf = theirs.csrf();
    let refused = mo
        .post("/searches/delete", &[("csrf", &mo_csrf), ("id", &id)])
        .await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert!(
        refused.body.contains("not one of yours"),
        "{}",
        refused.body
    );
    // Refusals name the fix; nothing is kept.
    for (fields, says) in [
        (
            save("Elsewhere", "q=shelling", "team-x"),
            "team-x is not one of them",
        ),
        (
            save("Shelling, newest", "q=school", ""),
            "already have a saved search called Shelling, newest",
        ),
        (save("   ", "q=school", ""), "needs a name"),
        (
            save("Bad date", "created_from=yesterday", ""),
            "created_from",
        ),
    ] {
        let r = ana.post("/searches/save", &pairs(&fields)).await;
        assert_eq!(r.status, 400, "{says}: {}", r.body);
        assert!(r.body.contains(says), "{says}: {}", r.body);
    }
    // A question longer than is kept (eight long Arabic labels,
    // percent-encoded) is refused with the fix, not failed.
    let long: String = (0..8)
        .map(|i| {
            format!(
                "label={}",
                form_urlencoded::byte_serialize(format!("{i}{}", "ب".repeat(199)).as_bytes())
                    .collect::<String>()
            )
        })
        .collect::<Vec<_>>()
        .join("&");
    let r = ana
        .post(
            "/searches/save",
            &[
                ("csrf", &csrf),
                ("kind", "bulletin"),
                ("query", &long),
                ("name", "Long"),
                ("shared_with", ""),
            ],
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.body.contains("too long to keep"), "{}", r.body);
    assert_eq!(sql(&a.pg, "SELECT count(*) FROM saved_search"), "1");
    let gone = ana
        .post("/searches/delete", &[("csrf", &csrf), ("id", &id)])
        .await;
    assert_eq!(gone.status, 303, "{}", gone.body);
    assert_eq!(sql(&a.pg, "SELECT count(*) FROM saved_search"), "0");
    assert_eq!(audit(&a, "search.saved"), 1);
    assert_eq!(audit(&a, "search.deleted"), 1);
}
