//! Record rules from issue 12, over HTTPS against real PostgreSQL with one
//! daemon for every case: who may change a record's access groups (and
//! that PostgreSQL refuses a widening too), that finalized records gain
//! and lose no relations from the other end, that `can_edit_locations`
//! gates attaching locations, and that a named assignee or reviewer is
//! checked every time.

mod common;

use common::daemon;
use common::web::*;
use custodian_harness::Appliance;

const PW: &str = "granite orchard whispers twice";

fn sql(a: &Appliance, q: &str) -> String {
    a.pg.psql("custodian", q).expect("sql")
}

fn user_id(a: &Appliance, name: &str) -> String {
    sql(
        a,
        &format!("SELECT id FROM app_user WHERE username = '{name}'"),
    )
}

/// A statement run as the runtime role with `actor` named, as custodiand
/// runs it; psql's error text when PostgreSQL refuses.
fn as_runtime(a: &Appliance, actor: &str, q: &str) -> Result<String, String> {
    a.pg.psql("custodian", &format!(
        "BEGIN; SET LOCAL ROLE custodian_runtime; \
         SELECT set_config('custodian.user_id', (SELECT id::text FROM app_user WHERE username = '{actor}'), true); \
         {q}; COMMIT;"
    ))
    .map_err(|e| e.to_string())
}

/// The session's token from a page every account has, so that a refusal
/// is the policy's and not the CSRF check's.
async fn csrf(b: &mut Browser<'_>) -> String {
    b.get("/account/password").await.csrf()
}

/// Creates a record under `path` restricted to `groups`; returns its id.
async fn create(b: &mut Browser<'_>, path: &str, title: &str, groups: &str) -> String {
    let form = b.get(&format!("{path}/new")).await;
    let r = b
        .post(
            path,
            &[
                ("csrf", &form.csrf()),
                ("title", title),
                ("description", "<p>statement</p>"),
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

async fn edit(b: &mut Browser<'_>, path: &str, id: &str, title: &str, groups: &str) -> Page {
    let csrf = csrf(b).await;
    b.post(
        &format!("{path}/edit"),
        &[
            ("csrf", &csrf),
            ("id", id),
            ("title", title),
            ("description", "<p>edited</p>"),
            ("groups", groups),
        ],
    )
    .await
}

async fn step(b: &mut Browser<'_>, path: &str, id: &str, step: &str, user: &str) -> Page {
    let csrf = csrf(b).await;
    b.post(
        &format!("{path}/workflow"),
        &[("csrf", &csrf), ("id", id), ("step", step), ("user", user)],
    )
    .await
}

async fn link(b: &mut Browser<'_>, path: &str, id: &str, fields: &[(&str, &str)]) -> Page {
    let csrf = csrf(b).await;
    let mut all = vec![("csrf", csrf.as_str()), ("id", id)];
    all.extend_from_slice(fields);
    b.post(&format!("{path}/links"), &all).await
}

/// A relation from an actor to bulletin `to`.
fn relate<'a>(rel: &'a str, to: &'a str) -> [(&'a str, &'a str); 5] {
    [
        ("what", "relation"),
        ("to_kind", "bulletin"),
        ("to_id", to),
        ("relation_type", rel),
        ("certainty", "probable"),
    ]
}

fn groups_of(a: &Appliance, table: &str, id: &str) -> String {
    sql(
        a,
        &format!("SELECT array_to_string(access_groups, ',') FROM {table} WHERE id = {id}"),
    )
}

fn revisions(a: &Appliance, table: &str, id: &str) -> String {
    sql(
        a,
        &format!(
            "SELECT string_agg(summary, ' | ' ORDER BY revision) FROM {table}_revision WHERE {table}_id = {id}"
        ),
    )
}

/// Runs `q` as the runtime role acting for `actor`, in a transaction that
/// first lets the runtime role create temporary tables (the bootstrap
/// does not: `the_runtime_user_has_data_rights_only`) and is rolled back;
/// the last line of output, or psql's error.
fn as_runtime_with_temp_tables(a: &Appliance, actor: &str, q: &str) -> Result<String, String> {
    let out = a.pg.psql("custodian", &format!(
        "BEGIN; GRANT TEMPORARY ON DATABASE custodian TO custodian_runtime; \
         SET LOCAL ROLE custodian_runtime; \
         SELECT set_config('custodian.user_id', (SELECT id::text FROM app_user WHERE username = '{actor}'), true); \
         {q}; ROLLBACK;"
    ))
    .map_err(|e| e.to_string())?;
    Ok(out.lines().last().unwrap_or_default().to_owned())
}

/// A temporary table named like one of ours changes no rule: PostgreSQL
/// searches pg_temp first for unqualified table names, so without the
/// schema in the rule functions (migration 0020) a runtime role with
/// TEMPORARY could invent its own `app_user` row (and read a restricted
/// record) or its own copy of the record (and pass a widening off as
/// "unchanged").
fn shadowing_changes_no_rule(a: &Appliance, table: &str, team: &str) {
    let ben = user_id(a, "ben");
    let read = as_runtime_with_temp_tables(
        a,
        "ben",
        &format!(
            "CREATE TEMP TABLE app_user (id bigint, state text, role text, access_groups text[]); \
             INSERT INTO pg_temp.app_user VALUES ({ben}, 'active', 'admin', '{{}}'); \
             GRANT SELECT ON pg_temp.app_user TO PUBLIC; \
             SELECT count(*) FROM app_user; \
             SELECT count(*) FROM public.{table} WHERE id = {team}"
        ),
    );
    assert_eq!(
        read.as_deref(),
        Ok("0"),
        "{table}: a shadowed app_user read"
    );
    let widened = as_runtime_with_temp_tables(
        a,
        "ana",
        &format!(
            "CREATE TEMP TABLE {table} (id bigint, access_groups text[], status text); \
             INSERT INTO pg_temp.{table} VALUES ({team}, '{{}}', 'assigned'); \
             UPDATE public.{table} SET access_groups = '{{}}' WHERE id = {team}"
        ),
    );
    assert!(
        widened
            .as_ref()
            .is_err_and(|e| e.contains("row-level security")),
        "{table}: a widening through a shadowed {table}: {widened:?}"
    );
}

#[tokio::test]
async fn access_groups_links_locations_and_named_people_follow_the_rules() {
    let a = Appliance::start(&[]).expect("appliance");
    let d = daemon(password_only(&a, "", "login-attempts-per-5-minutes = 1000"));
    set_up(&d).await;
    let mut admin = Browser::new(&d);
    admin.login("admin", PASSWORD).await;
    let mut mona = new_user_as(&d, &mut admin, "mona", "moderator", PW).await;
    let mut ana = new_user_as(&d, &mut admin, "ana", "analyst", PW).await;
    let mut ben = new_user_as(&d, &mut admin, "ben", "analyst", PW).await;
    let mut rev = new_user_as(&d, &mut admin, "rev", "analyst", PW).await;
    sql(
        &a,
        "UPDATE app_user SET access_groups = '{team-a}' WHERE username IN ('mona', 'ana')",
    );
    let (admin_id, mona_id, ana_id, ben_id, rev_id) = (
        user_id(&a, "admin"),
        user_id(&a, "mona"),
        user_id(&a, "ana"),
        user_id(&a, "ben"),
        user_id(&a, "rev"),
    );

    // 11 (second half). can_import_web gated nothing and is offered
    // nowhere (checked first, while the administrator's sign-in is fresh).
    let page = admin.get("/admin/users/permissions?username=ana").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("can_edit_locations") && !page.body.contains("can_import_web"));

    // 3. Access groups, for every kind of record.
    for (path, table) in [
        ("/bulletins", "bulletin"),
        ("/actors", "actor"),
        ("/incidents", "incident"),
    ] {
        let team = create(&mut admin, path, "Team A only", "team-a").await;
        assert_eq!(
            step(&mut mona, path, &team, "assign", &ana_id).await.status,
            303
        );
        // The assigned analyst cannot open it to everyone by emptying the
        // field; it stays restricted and invisible to others.
        let r = edit(&mut ana, path, &team, "Open to all?", "").await;
        assert_eq!(r.status, 403, "{table}: {}", r.body);
        assert!(
            r.body
                .contains("Only administrators can make a restricted record visible to everyone"),
            "{}",
            r.body
        );
        assert_eq!(groups_of(&a, table, &team), "team-a");
        assert_eq!(
            ben.get(&format!("{path}/view?id={team}")).await.status,
            404,
            "{table} still hidden"
        );
        // Nor directly in PostgreSQL: the UPDATE policy refuses the
        // widening for her, and lets her keep the groups as they are.
        let widened = as_runtime(
            &a,
            "ana",
            &format!("UPDATE {table} SET access_groups = '{{}}' WHERE id = {team}"),
        );
        assert!(
            widened
                .as_ref()
                .is_err_and(|e| e.contains("row-level security")),
            "{table}: {widened:?}"
        );
        as_runtime(
            &a,
            "ana",
            &format!(
                "UPDATE {table} SET title = 'kept', access_groups = '{{team-a}}' WHERE id = {team}"
            ),
        )
        .expect("an unchanged list is no change");
        assert_eq!(groups_of(&a, table, &team), "team-a");
        shadowing_changes_no_rule(&a, table, &team);

        // A member of one of two groups edits and keeps both (in any order).
        let two = create(&mut admin, path, "Two teams", "team-a, team-z").await;
        assert_eq!(
            step(&mut mona, path, &two, "assign", &ana_id).await.status,
            303
        );
        let r = edit(&mut ana, path, &two, "Two teams, edited", "team-a, team-z").await;
        assert_eq!(r.status, 303, "{table}: {}", r.body);
        let r = edit(&mut ana, path, &two, "Two teams, again", "Team-Z, team-a").await;
        assert_eq!(r.status, 303, "{table}: {}", r.body);
        assert_eq!(groups_of(&a, table, &two), "team-a,team-z");
        // But she may not remove the group she is not in.
        let r = edit(&mut ana, path, &two, "Two teams", "team-a").await;
        assert_eq!(r.status, 403, "{}", r.body);
        assert!(r.body.contains("not in"), "{}", r.body);
        assert_eq!(groups_of(&a, table, &two), "team-a,team-z");
        assert_eq!(audit(&a, &format!("{table}.access_changed")), 0);

        // An administrator may widen: a revision, an activity entry and a
        // notice to every administrator.
        let r = edit(&mut admin, path, &team, "Team A only", "").await;
        assert_eq!(r.status, 303, "{}", r.body);
        assert_eq!(groups_of(&a, table, &team), "");
        assert!(
            revisions(&a, table, &team)
                .ends_with(r#"history-regrouped {"after":"","before":"team-a"}"#),
            "{}",
            revisions(&a, table, &team)
        );
        assert_eq!(audit(&a, &format!("{table}.access_changed")), 1);
        assert_eq!(
            sql(
                &a,
                &format!("SELECT count(*) FROM notification WHERE kind = '{table}.access_changed' AND user_id = {admin_id}")
            ),
            "1"
        );
        assert_eq!(ben.get(&format!("{path}/view?id={team}")).await.status, 200);
    }

    // 12. A named account is checked every time, even when it already is
    // the record's reviewer or assignee.
    let b = create(&mut admin, "/bulletins", "Checkpoint video", "").await;
    assert_eq!(
        step(&mut mona, "/bulletins", &b, "assign", &ana_id)
            .await
            .status,
        303
    );
    assert_eq!(
        step(&mut ana, "/bulletins", &b, "submit", &rev_id)
            .await
            .status,
        303
    );
    assert_eq!(
        step(&mut rev, "/bulletins", &b, "send-back", "")
            .await
            .status,
        303
    );
    // Meanwhile the reviewer became read-only.
    sql(
        &a,
        "UPDATE app_user SET role = 'readonly' WHERE username = 'rev'",
    );
    let r = step(&mut ana, "/bulletins", &b, "submit", &rev_id).await;
    assert_eq!(
        r.status, 403,
        "resubmitted to a read-only reviewer: {}",
        r.body
    );
    assert!(r.body.contains("cannot review"), "{}", r.body);
    let r = step(&mut mona, "/bulletins", &b, "assign", &rev_id).await;
    assert_eq!(r.status, 403, "assigned to the former reviewer: {}", r.body);
    // The assignee was disabled: reassigning to him is refused too.
    assert_eq!(
        step(&mut mona, "/bulletins", &b, "assign", &ben_id)
            .await
            .status,
        303
    );
    sql(
        &a,
        "UPDATE app_user SET state = 'disabled' WHERE username = 'ben'",
    );
    let r = step(&mut mona, "/bulletins", &b, "assign", &ben_id).await;
    assert_eq!(
        r.status, 403,
        "reassigned to a disabled assignee: {}",
        r.body
    );
    assert!(r.body.contains("cannot be assigned"), "{}", r.body);
    sql(
        &a,
        "UPDATE app_user SET state = 'active' WHERE username = 'ben'",
    );

    // 10. A finalized record gains and loses no relations from the other
    // end; before that, a relation is in both records' histories.
    let fin = create(&mut admin, "/bulletins", "Finalized statement", "").await;
    let open = create(&mut admin, "/actors", "Unit 9", "").await;
    let r = link(&mut admin, "/actors", &open, &relate("appears_in", &fin)).await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(
        revisions(&a, "bulletin", &fin).ends_with(&format!(
            r#"history-relation-added-back {{"id":{open},"kind":"actor","relation":"appears_in"}}"#
        )),
        "{}",
        revisions(&a, "bulletin", &fin)
    );
    for (moderator, s, user) in [
        (false, "assign", admin_id.as_str()),
        (false, "submit", mona_id.as_str()),
        (true, "accept", ""),
        (false, "finalize", ""),
    ] {
        let who = if moderator { &mut mona } else { &mut admin };
        let r = step(who, "/bulletins", &fin, s, user).await;
        assert_eq!(r.status, 303, "{s}: {}", r.body);
    }
    let history = revisions(&a, "bulletin", &fin);
    let r = link(&mut admin, "/actors", &open, &relate("witness", &fin)).await;
    assert_eq!(r.status, 403, "added from the other end: {}", r.body);
    assert!(r.body.contains("is finalized"), "{}", r.body);
    let relation = sql(
        &a,
        &format!("SELECT id FROM relation WHERE to_kind = 'bulletin' AND to_id = {fin}"),
    );
    let r = link(
        &mut admin,
        "/actors",
        &open,
        &[
            ("what", "withdraw"),
            ("link", &format!("relation:{relation}")),
            ("reason", "wrong unit"),
        ],
    )
    .await;
    assert_eq!(r.status, 403, "withdrawn from the other end: {}", r.body);
    assert_eq!(
        sql(
            &a,
            &format!("SELECT withdrawn_at IS NULL FROM relation WHERE id = {relation}")
        ),
        "t"
    );
    assert_eq!(
        revisions(&a, "bulletin", &fin),
        history,
        "its history is closed"
    );
    let admin_sql = as_runtime(
        &a,
        "admin",
        &format!(
            "INSERT INTO relation (from_kind, from_id, to_kind, to_id, relation_type, created_by) \
             VALUES ('actor', {open}, 'bulletin', {fin}, 'family', {admin_id})"
        ),
    );
    assert!(
        admin_sql
            .as_ref()
            .is_err_and(|e| e.contains("row-level security")),
        "{admin_sql:?}"
    );
    // Withdrawing works while both ends are open, and is in both histories.
    let other = create(&mut admin, "/bulletins", "Open statement", "").await;
    let r = link(&mut admin, "/actors", &open, &relate("witness", &other)).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let relation = sql(
        &a,
        &format!("SELECT id FROM relation WHERE to_kind = 'bulletin' AND to_id = {other}"),
    );
    let r = link(
        &mut admin,
        "/actors",
        &open,
        &[
            ("what", "withdraw"),
            ("link", &format!("relation:{relation}")),
            ("reason", "wrong unit"),
        ],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(
        revisions(&a, "bulletin", &other).ends_with(&format!(
            r#"history-withdrawn-back {{"from_id":{open},"id":{relation},"kind":"actor","link":"relation","reason":"wrong unit"}}"#
        )),
        "{}",
        revisions(&a, "bulletin", &other)
    );
    // Stored by key, worded when the history is read.
    let history = admin
        .get(&format!("/bulletins/history?id={other}"))
        .await
        .body;
    assert!(
        history.contains(&format!(
            "relation {relation} withdrawn from actor {open}: <bdi>wrong unit</bdi>"
        )),
        "{history}"
    );

    // 11. can_edit_locations gates attaching and withdrawing locations.
    sql(
        &a,
        &format!(
            "INSERT INTO location (title, created_by) VALUES ('Old Market', {admin_id}); \
             INSERT INTO label (title, created_by) VALUES ('Chemical', {admin_id})"
        ),
    );
    let place = sql(&a, "SELECT id FROM location WHERE title = 'Old Market'");
    let label = sql(&a, "SELECT id FROM label WHERE title = 'Chemical'");
    let shelling = sql(&a, "SELECT id FROM event_type WHERE title = 'Shelling'");
    let inc = create(&mut admin, "/incidents", "Market shelling", "").await;
    assert_eq!(
        step(&mut mona, "/incidents", &inc, "assign", &ana_id)
            .await
            .status,
        303
    );
    // Her page offers no location; a moderator's does.
    let form = ana.get(&format!("/incidents/view?id={inc}")).await.body;
    assert!(
        !form.contains("Old Market") && form.contains("Attach label"),
        "{form}"
    );
    let form = mona.get(&format!("/incidents/view?id={inc}")).await.body;
    assert!(form.contains("Attach location"), "{form}");
    let location = [("what", "location"), ("ref_id", place.as_str())];
    let event_at = [
        ("what", "event"),
        ("event_type", shelling.as_str()),
        ("location", place.as_str()),
    ];
    for fields in [&location[..], &event_at[..]] {
        let r = link(&mut ana, "/incidents", &inc, fields).await;
        assert_eq!(r.status, 403, "{fields:?}: {}", r.body);
        assert!(r.body.contains("can_edit_locations"), "{}", r.body);
    }
    for fields in [
        &[("what", "label"), ("ref_id", label.as_str())][..],
        &[("what", "event"), ("event_type", shelling.as_str())][..],
    ] {
        let r = link(&mut ana, "/incidents", &inc, fields).await;
        assert_eq!(r.status, 303, "{fields:?}: {}", r.body);
    }
    assert_eq!(
        sql(&a, &format!("SELECT count(*) FROM record_reference WHERE location_id IS NOT NULL AND record_id = {inc}")),
        "0"
    );
    // With the flag (here set directly), the same request is accepted; a
    // location reference is withdrawn only with it too.
    sql(
        &a,
        "UPDATE app_user SET permissions = '{view_simple_history,can_edit_locations}' WHERE username = 'ana'",
    );
    let r = link(&mut ana, "/incidents", &inc, &location).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let attached = sql(
        &a,
        &format!(
            "SELECT id FROM record_reference WHERE location_id = {place} AND record_id = {inc}"
        ),
    );
    sql(
        &a,
        "UPDATE app_user SET permissions = NULL WHERE username = 'ana'",
    );
    let withdraw = [
        ("what", "withdraw"),
        ("link", &*format!("reference:{attached}")),
        ("reason", "wrong place"),
    ];
    let r = link(&mut ana, "/incidents", &inc, &withdraw).await;
    assert_eq!(r.status, 403, "{}", r.body);
    let r = link(&mut mona, "/incidents", &inc, &withdraw).await;
    assert_eq!(r.status, 303, "moderators have the flag: {}", r.body);
}
