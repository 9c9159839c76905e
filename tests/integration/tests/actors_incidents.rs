//! Actors and incidents: the same workflow, history, access predicate and
//! escaping as bulletins, with each kind's own fields checked (on the
//! server and again by PostgreSQL), and each kind kept apart.

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

/// Creates a record of the kind under `path` through its form.
async fn create(b: &mut Browser<'_>, path: &str, fields: &[(&str, &str)]) -> Page {
    let form = b.get(&format!("{path}/new")).await;
    assert_eq!(form.status, 200, "{}", form.body);
    let csrf = form.csrf();
    let mut all = vec![("csrf", csrf.as_str())];
    all.extend_from_slice(fields);
    b.post(path, &all).await
}

fn id_from(p: &Page) -> String {
    p.location
        .as_deref()
        .expect("location")
        .rsplit('=')
        .next()
        .expect("id")
        .to_owned()
}

async fn step(b: &mut Browser<'_>, path: &str, id: &str, step: &str, user: &str) -> u16 {
    // The session's token from a page every account has, so that a refusal
    // is the policy's and not the CSRF check's.
    let csrf = b.get("/account/password").await.csrf();
    b.post(
        &format!("{path}/workflow"),
        &[("csrf", &csrf), ("id", id), ("step", step), ("user", user)],
    )
    .await
    .status
}

#[tokio::test]
async fn actors_and_incidents_have_their_fields_workflow_history_and_access_rules() {
    let a = Appliance::start(&[]).expect("appliance");
    let d = daemon(password_only(&a, "", "login-attempts-per-5-minutes = 1000"));
    set_up(&d).await;
    let mut admin = Browser::new(&d);
    admin.login("admin", PASSWORD).await;
    let mut ana = new_user_as(&d, &mut admin, "ana", "analyst", PW).await;
    let mut ben = new_user_as(&d, &mut admin, "ben", "analyst", PW).await;
    let mut rita = new_user_as(&d, &mut admin, "rita", "readonly", PW).await;
    let ben_id = user_id(&a, "ben");

    // An actor with its own fields; markup in the description is cleaned,
    // in the name and fields escaped.
    let r = create(
        &mut admin,
        "/actors",
        &[
            ("title", "Col. <b>X</b>"),
            ("type", "entity"),
            ("nationality", "<script>alert(1)</script>"),
            (
                "description",
                "<p>Commander</p><script>alert(2)</script><img src=x onerror=alert(3)>",
            ),
            ("groups", ""),
        ],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let actor = id_from(&r);
    let page = admin.get(&format!("/actors/view?id={actor}")).await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("Col. &lt;b&gt;X&lt;/b&gt;"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("<dd dir=\"auto\">entity</dd>"),
        "{}",
        page.body
    );
    assert!(page.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(page.body.contains("<p>Commander</p>"));
    for bad in ["<script>", "onerror", "alert(2)"] {
        assert!(!page.body.contains(bad), "{bad} came back: {}", page.body);
    }
    assert_eq!(
        sql(&a, &format!("SELECT details->>'type' || '/' || (details->>'nationality') FROM actor WHERE id = {actor}")),
        "entity/<script>alert(1)</script>",
        "stored as typed, escaped on the way out"
    );

    // A value outside the choices is refused with the reason; nothing stored.
    let r = create(
        &mut admin,
        "/actors",
        &[("title", "Robot"), ("type", "robot")],
    )
    .await;
    assert_eq!(r.status, 400);
    assert!(
        r.body
            .contains("Person or entity: choose one of the listed values."),
        "{}",
        r.body
    );
    assert_eq!(
        sql(&a, "SELECT count(*) FROM actor WHERE title = 'Robot'"),
        "0"
    );
    // PostgreSQL refuses what the server would never send.
    assert!(a
        .pg
        .psql(
            "custodian",
            "UPDATE actor SET details = '{\"type\":\"robot\"}'"
        )
        .is_err());
    let r = create(&mut admin, "/actors", &[("title", " "), ("type", "person")]).await;
    assert!(r.body.contains("Actor needs a name."), "{}", r.body);

    // An incident, kept apart from actors.
    let r = create(
        &mut admin,
        "/incidents",
        &[
            ("title", "Shelling of the market"),
            ("potential_violations", "attack on civilians"),
            ("claimed_violations", "\"><svg onload=alert(4)>"),
            ("description", "<p>Three witnesses</p>"),
        ],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let incident = id_from(&r);
    let page = admin.get(&format!("/incidents/view?id={incident}")).await;
    assert!(
        page.body
            .contains("<dt>Potential violations</dt><dd dir=\"auto\">attack on civilians</dd>"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("&quot;&gt;&lt;svg onload=alert(4)&gt;")
            && !page.body.contains("<svg onload"),
        "{}",
        page.body
    );
    assert!(admin
        .get("/actors?q=Col")
        .await
        .body
        .contains(&format!("/actors/view?id={actor}")));
    assert!(admin
        .get("/actors?q=market")
        .await
        .body
        .contains("No actors match."));
    assert!(admin
        .get("/incidents?q=market")
        .await
        .body
        .contains(&format!("/incidents/view?id={incident}")));
    assert_eq!(
        admin
            .get(&format!("/incidents/view?id={actor}9"))
            .await
            .status,
        404
    );

    // Read-only accounts read but do not create; nobody signed out reads.
    assert_eq!(rita.get("/actors").await.status, 200);
    assert_eq!(rita.get("/actors/new").await.status, 403);
    assert_eq!(rita.get("/incidents/new").await.status, 403);
    let mut anonymous = Browser::new(&d);
    for path in ["/actors", "/incidents", &format!("/actors/view?id={actor}")] {
        assert_ne!(
            anonymous.get(path).await.status,
            200,
            "{path} without signing in"
        );
    }

    // The workflow, enforced on the server as for bulletins.
    assert_eq!(
        step(&mut ana, "/actors", &actor, "self-assign", "").await,
        303
    );
    assert_eq!(
        step(&mut ben, "/actors", &actor, "self-assign", "").await,
        403,
        "taken already"
    );
    let csrf = ana.get(&format!("/actors/view?id={actor}")).await.csrf();
    let edit = |title: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("id", actor.clone()),
            ("title", title.to_owned()),
            ("type", "person".to_owned()),
            ("sex", "female".to_owned()),
            ("description", "<p>edited</p>".to_owned()),
            ("groups", String::new()),
        ]
    };
    let form: Vec<(&str, String)> = edit("Col. Y");
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(ana.post("/actors/edit", &pairs).await.status, 303);
    assert_eq!(
        ben.post("/actors/edit", &pairs).await.status,
        403,
        "not assigned to ben"
    );
    assert_eq!(
        step(&mut ana, "/actors", &actor, "submit", &ben_id).await,
        303
    );
    assert_eq!(
        ana.post("/actors/edit", &pairs).await.status,
        403,
        "locked during review"
    );
    assert_eq!(step(&mut ben, "/actors", &actor, "accept", "").await, 303);
    assert_eq!(
        step(&mut admin, "/actors", &actor, "finalize", "").await,
        303
    );
    assert_eq!(
        sql(&a, &format!("SELECT status || ' ' || title || ' ' || (details->>'sex') FROM actor WHERE id = {actor}")),
        "finalized Col. Y female"
    );
    // Notified as for bulletins, in the kind's words.
    assert!(common::notifications_where(&a, &format!("u.id = {ben_id}"))
        .contains(&format!("Actor {actor} waits for your review.")));

    // History: every change, with the kind's fields in the full snapshot.
    let history = admin.get(&format!("/actors/history?id={actor}")).await;
    assert_eq!(history.status, 200);
    assert!(
        history.body.contains("History of actor"),
        "{}",
        history.body
    );
    assert_eq!(
        sql(
            &a,
            &format!("SELECT count(*) FROM actor_revision WHERE actor_id = {actor}")
        ),
        "6",
        "created, self-assigned, edited, submitted, accepted, finalized"
    );
    assert!(
        history.body.contains("&quot;sex&quot;: &quot;female&quot;")
            || history.body.contains("&quot;sex&quot;:&quot;female&quot;"),
        "{}",
        history.body
    );
    for action in [
        "actor.created",
        "actor.updated",
        "actor.workflow",
        "incident.created",
    ] {
        assert!(audit(&a, action) >= 1, "{action} missing");
    }

    // Access groups: a restricted incident is a 404 to those outside them,
    // and missing from their lists and searches.
    let r = create(
        &mut admin,
        "/incidents",
        &[
            ("title", "Sealed incident"),
            ("groups", "witness-protection"),
        ],
    )
    .await;
    let sealed = id_from(&r);
    assert_eq!(
        ana.get(&format!("/incidents/view?id={sealed}"))
            .await
            .status,
        404
    );
    assert_eq!(
        ana.get(&format!("/incidents/history?id={sealed}"))
            .await
            .status,
        404
    );
    let search = ana.get("/incidents?q=Sealed").await.body;
    assert!(
        search.contains("No incidents match.") && !search.contains(&format!("id={sealed}\"")),
        "{search}"
    );
    assert!(!ana.get("/incidents").await.body.contains("Sealed incident"));
    assert!(admin
        .get("/incidents?q=Sealed")
        .await
        .body
        .contains("Sealed incident"));
    let csrf = ana.get("/incidents").await.csrf_or_empty();
    let r = ana
        .post(
            "/incidents/workflow",
            &[("csrf", &csrf), ("id", &sealed), ("step", "self-assign")],
        )
        .await;
    assert!(r.status == 404 || r.status == 403, "{}", r.status);
    // And there is no way to delete any of them.
    assert_eq!(sql(&a, "SELECT count(*) FROM actor"), "1");
    assert!(a
        .pg
        .psql(
            "custodian",
            "SET ROLE custodian_runtime; DELETE FROM incident"
        )
        .is_err());
}

/// A form's fields.
type Fields<'a> = &'a [(&'a str, &'a str)];

fn fields(v: &[(String, String)]) -> Vec<(&str, &str)> {
    v.iter().map(|(k, x)| (k.as_str(), x.as_str())).collect()
}

async fn link(b: &mut Browser<'_>, path: &str, id: &str, fields: &[(&str, &str)]) -> Page {
    let csrf = b.get("/account/password").await.csrf();
    let mut all = vec![("csrf", csrf.as_str()), ("id", id)];
    all.extend_from_slice(fields);
    b.post(&format!("{path}/links"), &all).await
}

/// One number from a query run as the runtime role with `actor` named,
/// as custodiand runs it.
fn count_as(a: &Appliance, actor: &str, q: &str) -> String {
    let out = sql(
        a,
        &format!(
            "BEGIN; SET LOCAL ROLE custodian_runtime; \
             SELECT set_config('custodian.user_id', (SELECT id::text FROM app_user WHERE username = '{actor}'), true); \
             SELECT 'n=' || ({q}); COMMIT;"
        ),
    );
    out.lines()
        .find_map(|l| l.trim().strip_prefix("n="))
        .unwrap_or_else(|| panic!("{q}: {out}"))
        .to_owned()
}

#[tokio::test]
async fn relations_references_and_events_follow_the_records_visibility() {
    let a = Appliance::start(&[]).expect("appliance");
    let d = daemon(password_only(&a, "", "login-attempts-per-5-minutes = 1000"));
    set_up(&d).await;
    let mut admin = Browser::new(&d);
    admin.login("admin", PASSWORD).await;
    let mut ana = new_user_as(&d, &mut admin, "ana", "analyst", PW).await;
    let mut rita = new_user_as(&d, &mut admin, "rita", "readonly", PW).await;
    let new = |r: Page| id_from(&r);
    let bulletin = new(create(
        &mut admin,
        "/bulletins",
        &[("title", "Video of the market")],
    )
    .await);
    let actor = new(create(
        &mut admin,
        "/actors",
        &[("title", "Unit 7"), ("type", "entity")],
    )
    .await);
    let incident = new(create(&mut admin, "/incidents", &[("title", "Market shelling")]).await);
    let sealed = new(create(
        &mut admin,
        "/bulletins",
        &[
            ("title", "Sealed witness statement"),
            ("groups", "witness-protection"),
        ],
    )
    .await);

    // Typed relations between kinds, with certainty and a note.
    for (to_kind, to_id, rel) in [
        ("bulletin", &bulletin, "appears_in"),
        ("incident", &incident, "perpetrator"),
        ("bulletin", &sealed, "witness"),
    ] {
        let r = link(
            &mut admin,
            "/actors",
            &actor,
            &[
                ("what", "relation"),
                ("to_kind", to_kind),
                ("to_id", to_id),
                ("relation_type", rel),
                ("certainty", "probable"),
                ("comment", "<i>seen</i>"),
            ],
        )
        .await;
        assert_eq!(r.status, 303, "{rel}: {}", r.body);
    }
    let refusals: [(Fields<'_>, u16, &str); 4] = [
        (
            &[
                ("what", "relation"),
                ("to_kind", "actor"),
                ("to_id", &actor),
                ("relation_type", "related"),
                ("certainty", "probable"),
            ],
            400,
            "cannot be related to itself",
        ),
        (
            &[
                ("what", "relation"),
                ("to_kind", "bulletin"),
                ("to_id", &bulletin),
                ("relation_type", "lover"),
                ("certainty", "probable"),
            ],
            400,
            "from the lists",
        ),
        (
            &[
                ("what", "relation"),
                ("to_kind", "bulletin"),
                ("to_id", &bulletin),
                ("relation_type", "appears_in"),
                ("certainty", "probable"),
            ],
            400,
            "recorded already",
        ),
        (
            &[
                ("what", "relation"),
                ("to_kind", "incident"),
                ("to_id", "987654"),
                ("relation_type", "related"),
                ("certainty", "probable"),
            ],
            404,
            "",
        ),
    ];
    for (fields, status, words) in refusals {
        let r = link(&mut admin, "/actors", &actor, fields).await;
        assert_eq!(r.status, status, "{fields:?}: {}", r.body);
        assert!(r.body.contains(words), "{fields:?}: {}", r.body);
    }
    let view = admin.get(&format!("/actors/view?id={actor}")).await.body;
    assert!(view.contains(&format!("This actor appears in <a href=\"/bulletins/view?id={bulletin}\">Bulletin {bulletin}: <bdi>Video of the market</bdi></a> (probable) — <bdi>&lt;i&gt;seen&lt;/i&gt;</bdi>")), "{view}");
    let back = admin
        .get(&format!("/incidents/view?id={incident}"))
        .await
        .body;
    assert!(back.contains(&format!("<a href=\"/actors/view?id={actor}\">Actor {actor}: <bdi>Unit 7</bdi></a> is a perpetrator in this incident")), "{back}");

    // A relation shows only when both ends are visible: ana is outside the
    // sealed bulletin's group.
    let seen = ana.get(&format!("/actors/view?id={actor}")).await.body;
    assert!(
        seen.contains(&format!("/incidents/view?id={incident}")),
        "{seen}"
    );
    assert!(
        !seen.contains(&format!("/bulletins/view?id={sealed}")) && !seen.contains("Sealed witness"),
        "{seen}"
    );
    assert_eq!(count_as(&a, "admin", "SELECT count(*) FROM relation"), "3");
    assert_eq!(count_as(&a, "ana", "SELECT count(*) FROM relation"), "2");
    // Nor can she relate anything to it, or change a record not hers.
    assert_eq!(
        link(
            &mut ana,
            "/actors",
            &actor,
            &[
                ("what", "relation"),
                ("to_kind", "bulletin"),
                ("to_id", &sealed),
                ("relation_type", "related"),
                ("certainty", "unverified")
            ]
        )
        .await
        .status,
        403,
        "not assigned"
    );
    assert_eq!(
        link(
            &mut rita,
            "/actors",
            &actor,
            &[("what", "label"), ("ref_id", "1")]
        )
        .await
        .status,
        403,
        "read-only"
    );
    let mut anonymous = Browser::new(&d);
    let r = anonymous
        .post(
            "/actors/links",
            &[("id", &actor), ("what", "label"), ("ref_id", "1")],
        )
        .await;
    assert!(
        r.status == 403 || r.location.as_deref() == Some("/login"),
        "anonymous: {} {:?}",
        r.status,
        r.location
    );

    // Labels, sources, locations and events.
    let admin_id = user_id(&a, "admin");
    sql(
        &a,
        &format!("INSERT INTO label (title, created_by) VALUES ('Chemical', {admin_id})"),
    );
    sql(
        &a,
        &format!("INSERT INTO location (title, created_by) VALUES ('Old Market', {admin_id})"),
    );
    let label = sql(&a, "SELECT id FROM label WHERE title = 'Chemical'");
    let place = sql(&a, "SELECT id FROM location WHERE title = 'Old Market'");
    let shelling = sql(&a, "SELECT id FROM event_type WHERE title = 'Shelling'");
    for (what, ref_id) in [("label", &label), ("location", &place)] {
        let r = link(
            &mut admin,
            "/incidents",
            &incident,
            &[("what", what), ("ref_id", ref_id)],
        )
        .await;
        assert_eq!(r.status, 303, "{what}: {}", r.body);
    }
    let again = link(
        &mut admin,
        "/incidents",
        &incident,
        &[("what", "label"), ("ref_id", &label)],
    )
    .await;
    assert!(
        again.status == 400 && again.body.contains("attached already"),
        "{}",
        again.body
    );
    let missing = link(
        &mut admin,
        "/incidents",
        &incident,
        &[("what", "source"), ("ref_id", "424242")],
    )
    .await;
    assert!(
        missing.status == 400 && missing.body.contains("no such source"),
        "{}",
        missing.body
    );
    let (shelling, place) = (shelling.as_str(), place.as_str());
    let event = |from: &'static str, to: &'static str| {
        vec![
            ("what", "event"),
            ("event_type", shelling),
            ("location", place),
            ("from", from),
            ("to", to),
            ("comment", "morning<script>alert(5)</script>"),
        ]
    };
    assert_eq!(
        link(
            &mut admin,
            "/incidents",
            &incident,
            &event("2024-02-29", "2024-03-01")
        )
        .await
        .status,
        303
    );
    for (from, to, words) in [
        ("2023-02-29", "", "does not exist"),
        ("2024-03-02", "2024-03-01", "ends before it starts"),
        ("29/02/2024", "", "YYYY-MM-DD"),
    ] {
        let r = link(&mut admin, "/incidents", &incident, &event(from, to)).await;
        assert!(
            r.status == 400 && r.body.contains(words),
            "{from}..{to}: {}",
            r.body
        );
    }
    let view = admin
        .get(&format!("/incidents/view?id={incident}"))
        .await
        .body;
    assert!(
        view.contains(
            "<dt>label</dt><dd><bdi lang=\"en\">Chemical</bdi> <details class=\"withdraw\">"
        ) && view.contains(
            "<dt>location</dt><dd><bdi lang=\"en\">Old Market</bdi> <details class=\"withdraw\">"
        ),
        "{view}"
    );
    assert!(view.contains("<td dir=\"auto\"><bdi lang=\"en\">Shelling</bdi></td><td dir=\"auto\"><bdi lang=\"en\">Old Market</bdi></td><td><span dir=\"ltr\">2024-02-29</span></td><td><span dir=\"ltr\">2024-03-01</span></td><td dir=\"auto\">morning&lt;script&gt;alert(5)&lt;/script&gt;</td>"), "{view}");
    // Each link is also a revision of the record it was added to.
    let history = admin
        .get(&format!("/incidents/history?id={incident}"))
        .await
        .body;
    for summary in ["label ", "location ", "event of type "] {
        assert!(history.contains(summary), "{summary}: {history}");
    }
    assert!(admin
        .get(&format!("/actors/history?id={actor}"))
        .await
        .body
        .contains(&format!("relation added: perpetrator incident {incident}")));
    for action in ["actor.related", "incident.attached", "incident.event_added"] {
        assert!(audit(&a, action) >= 1, "{action} missing");
    }

    // Links of a record follow its visibility too; a finalized record
    // takes no more.
    assert_eq!(
        count_as(&a, "ana", "SELECT count(*) FROM record_event"),
        "1"
    );
    let sealed_label = link(
        &mut admin,
        "/bulletins",
        &sealed,
        &[("what", "label"), ("ref_id", &label)],
    )
    .await;
    assert_eq!(sealed_label.status, 303);
    assert_eq!(
        count_as(&a, "admin", "SELECT count(*) FROM record_reference"),
        "3"
    );
    assert_eq!(
        count_as(&a, "ana", "SELECT count(*) FROM record_reference"),
        "2"
    );
    sql(
        &a,
        &format!("UPDATE incident SET status = 'finalized' WHERE id = {incident}"),
    );
    assert_eq!(
        link(
            &mut admin,
            "/incidents",
            &incident,
            &event("2024-01-01", "")
        )
        .await
        .status,
        403
    );
    assert!(
        a.pg.psql(
            "custodian",
            "SET ROLE custodian_runtime; DELETE FROM relation"
        )
        .is_err(),
        "links are never deleted"
    );

    // A wrong link is withdrawn with a reason instead: it stays on the
    // page, struck through, and the corrected one can be added.
    let rel = sql(
        &a,
        &format!(
            "SELECT id FROM relation WHERE from_id = {actor} AND relation_type = 'appears_in'"
        ),
    );
    let withdraw = |link: String, reason: &'static str| {
        vec![
            ("what".to_owned(), "withdraw".to_owned()),
            ("link".to_owned(), link),
            ("reason".to_owned(), reason.to_owned()),
        ]
    };
    let this = withdraw(format!("relation:{rel}"), "Wrong video: <b>mixed up</b>");
    let no_reason = withdraw(format!("relation:{rel}"), "  ");
    let r = link(&mut admin, "/actors", &actor, &fields(&no_reason)).await;
    assert!(r.status == 400 && r.body.contains("Say why"), "{}", r.body);
    assert_eq!(
        link(&mut rita, "/actors", &actor, &fields(&this))
            .await
            .status,
        403,
        "read-only"
    );
    assert_eq!(
        link(&mut ana, "/actors", &actor, &fields(&this))
            .await
            .status,
        403,
        "not assigned"
    );
    let event_id = sql(&a, "SELECT id FROM record_event LIMIT 1");
    let elsewhere = withdraw(format!("event:{event_id}"), "not here");
    let r = link(&mut admin, "/actors", &actor, &fields(&elsewhere)).await;
    assert!(
        r.status == 400 && r.body.contains("not on this actor"),
        "another record's link: {}",
        r.body
    );
    let r = link(&mut admin, "/actors", &actor, &fields(&this)).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let r = link(&mut admin, "/actors", &actor, &fields(&this)).await;
    assert!(
        r.status == 400 && r.body.contains("withdrawn already"),
        "{}",
        r.body
    );
    let view = admin.get(&format!("/actors/view?id={actor}")).await.body;
    assert!(view.contains(&format!("<del>This actor appears in <a href=\"/bulletins/view?id={bulletin}\">Bulletin {bulletin}: <bdi>Video of the market</bdi></a> (probable) — <bdi>&lt;i&gt;seen&lt;/i&gt;</bdi></del>")), "{view}");
    assert!(
        view.contains(
            "by <bdi>you</bdi>: <bdi>Wrong video: &lt;b&gt;mixed up&lt;/b&gt;</bdi></span>"
        ),
        "{view}"
    );
    let corrected = link(
        &mut admin,
        "/actors",
        &actor,
        &[
            ("what", "relation"),
            ("to_kind", "bulletin"),
            ("to_id", &bulletin),
            ("relation_type", "appears_in"),
            ("certainty", "confirmed"),
        ],
    )
    .await;
    assert_eq!(corrected.status, 303, "{}", corrected.body);
    assert_eq!(
        count_as(
            &a,
            "admin",
            "SELECT count(*) FROM relation WHERE withdrawn_at IS NULL"
        ),
        "3"
    );
    let history = admin.get(&format!("/actors/history?id={actor}")).await.body;
    assert!(
        history.contains(&format!("relation {rel} withdrawn: <bdi>Wrong video")),
        "{history}"
    );
    assert!(audit(&a, "actor.link_withdrawn") >= 1);
    // The runtime role may set the withdrawal columns only, and only once.
    assert!(
        a.pg.psql(
            "custodian",
            "SET ROLE custodian_runtime; UPDATE relation SET relation_type = 'related'"
        )
        .is_err(),
        "no other column"
    );
    sql(
        &a,
        &format!(
            "BEGIN; SET LOCAL ROLE custodian_runtime; \
             SELECT set_config('custodian.user_id', '{}', true); \
             UPDATE relation SET withdrawn_reason = 'rewritten' WHERE id = {rel}; COMMIT;",
            user_id(&a, "admin")
        ),
    );
    assert_eq!(
        sql(
            &a,
            &format!("SELECT withdrawn_reason FROM relation WHERE id = {rel}")
        ),
        "Wrong video: <b>mixed up</b>"
    );
}

/// Adds or retires an event type through the administrators' page.
async fn event_types(b: &mut Browser<'_>, fields: &[(&str, &str)]) -> Page {
    let page = b.get("/admin/event-types").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let csrf = page.csrf();
    let mut all = vec![("csrf", csrf.as_str())];
    all.extend_from_slice(fields);
    b.post("/admin/event-types", &all).await
}

#[tokio::test]
async fn administrators_add_and_retire_event_types_and_nothing_is_deleted() {
    let a = Appliance::start(&[]).expect("appliance");
    let d = daemon(password_only(&a, "", "login-attempts-per-5-minutes = 1000"));
    set_up(&d).await;
    let mut admin = Browser::new(&d);
    admin.login("admin", PASSWORD).await;
    let mut ana = new_user_as(&d, &mut admin, "ana", "analyst", PW).await;

    let added = event_types(
        &mut admin,
        &[
            ("action", "add"),
            ("title", "Enforced disappearance<script>"),
            ("description", "Held with no record"),
        ],
    )
    .await;
    assert_eq!(
        added.location.as_deref(),
        Some("/admin/event-types"),
        "{}",
        added.body
    );
    for (title, words) in [
        ("ENFORCED disappearance<script>", "already"),
        ("   ", "name in Arabic or in English"),
    ] {
        let r = event_types(&mut admin, &[("action", "add"), ("title", title)]).await;
        assert!(
            r.status == 400 && r.body.contains(words),
            "{title}: {}",
            r.body
        );
    }
    let page = admin.get("/admin/event-types").await.body;
    assert!(
        page.contains(
            "<td dir=\"auto\"><bdi lang=\"en\">Enforced disappearance&lt;script&gt;</bdi></td><td dir=\"auto\">Held with no record</td><td>0</td>"
        ),
        "{page}"
    );
    let id = sql(
        &a,
        "SELECT id FROM event_type WHERE title = 'Enforced disappearance<script>'",
    );

    // In use on a record, then retired: the event keeps it, new events
    // cannot have it, and it is no longer offered.
    let incident = id_from(&create(&mut admin, "/incidents", &[("title", "Night raid")]).await);
    let event = [
        ("what", "event"),
        ("event_type", id.as_str()),
        ("from", "2024-04-01"),
    ];
    assert_eq!(
        link(&mut admin, "/incidents", &incident, &event)
            .await
            .status,
        303
    );
    assert!(admin
        .get("/admin/event-types")
        .await
        .body
        .contains("<td dir=\"auto\">Held with no record</td><td>1</td>"));
    let r = event_types(&mut admin, &[("action", "retire"), ("id", &id)]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let again = event_types(&mut admin, &[("action", "retire"), ("id", &id)]).await;
    assert!(
        again.status == 400 && again.body.contains("retired already"),
        "{}",
        again.body
    );
    let view = admin
        .get(&format!("/incidents/view?id={incident}"))
        .await
        .body;
    assert!(
        view.contains(
            "<td dir=\"auto\"><bdi lang=\"en\">Enforced disappearance&lt;script&gt;</bdi></td>"
        ),
        "the event keeps its type: {view}"
    );
    assert!(
        !view.contains(&format!("<option value=\"{id}\"")),
        "a retired type is not offered: {view}"
    );
    let r = link(&mut admin, "/incidents", &incident, &event).await;
    assert!(
        r.status == 400 && r.body.contains("Choose an event type"),
        "{}",
        r.body
    );
    assert!(audit(&a, "event_type.added") >= 1 && audit(&a, "event_type.retired") >= 1);

    // Administrators only, with a recent password; never deleted or renamed
    // by the runtime role.
    assert_eq!(ana.get("/admin/event-types").await.status, 403);
    age_sign_in(&a, "admin");
    assert_eq!(
        admin.get("/admin/event-types").await.location.as_deref(),
        Some("/reauth?next=/admin/event-types")
    );
    for statement in [
        "DELETE FROM event_type",
        "UPDATE event_type SET title = 'x'",
    ] {
        assert!(
            a.pg.psql(
                "custodian",
                &format!("SET ROLE custodian_runtime; {statement}")
            )
            .is_err(),
            "{statement}"
        );
    }
}
