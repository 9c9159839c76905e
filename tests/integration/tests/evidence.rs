//! Bulletins over HTTPS against real PostgreSQL: the authorization matrix
//! (every route x every role, and object-level checks on restricted and
//! other people's items), the workflow enforced by the server, row-level
//! security as the one read predicate, revision history by permission,
//! username masking, and hostile text coming back inert.

mod common;

use common::daemon;
use common::web::*;
use custodian_harness::{Appliance, Daemon};

const PW: &str = "granite orchard whispers twice";

struct Team<'a> {
    admin: Browser<'a>,
    mona: Browser<'a>,
    ana: Browser<'a>,
    ben: Browser<'a>,
    rita: Browser<'a>,
}

async fn team<'a>(d: &'a Daemon) -> Team<'a> {
    set_up(d).await;
    let mut admin = Browser::new(d);
    admin.login("admin", PASSWORD).await;
    let mona = new_user_as(d, &mut admin, "mona", "moderator", PW).await;
    let ana = new_user_as(d, &mut admin, "ana", "analyst", PW).await;
    let ben = new_user_as(d, &mut admin, "ben", "analyst", PW).await;
    let rita = new_user_as(d, &mut admin, "rita", "readonly", PW).await;
    Team {
        admin,
        mona,
        ana,
        ben,
        rita,
    }
}

fn sql(a: &Appliance, q: &str) -> String {
    a.pg.psql("custodian", q).expect("sql")
}

fn id_of(a: &Appliance, name: &str) -> String {
    sql(
        a,
        &format!("SELECT id FROM app_user WHERE username = '{name}'"),
    )
}

/// Creates a bulletin through the form; returns its id.
async fn create(b: &mut Browser<'_>, title: &str, description: &str, groups: &str) -> String {
    create_in(b, "/bulletins", title, description, groups).await
}

/// Creates a record of the kind at `kind` (e.g. "/actors"); returns its id.
async fn create_in(
    b: &mut Browser<'_>,
    kind: &str,
    title: &str,
    description: &str,
    groups: &str,
) -> String {
    let form = b.get(&format!("{kind}/new")).await;
    let r = b
        .post(
            kind,
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

async fn csrf_of(b: &mut Browser<'_>) -> String {
    b.get("/bulletins/new").await.csrf()
}

async fn step(b: &mut Browser<'_>, csrf: &str, id: &str, step: &str, user: &str) -> u16 {
    b.post(
        "/bulletins/workflow",
        &[("csrf", csrf), ("id", id), ("step", step), ("user", user)],
    )
    .await
    .status
}

async fn edit(b: &mut Browser<'_>, csrf: &str, id: &str, title: &str) -> u16 {
    edit_in(b, csrf, id, title, "").await
}

/// An edit that keeps the bulletin restricted to `groups`.
async fn edit_in(b: &mut Browser<'_>, csrf: &str, id: &str, title: &str, groups: &str) -> u16 {
    edit_at(b, "/bulletins", csrf, id, title, groups).await
}

/// An edit of a record of the kind at `kind`.
async fn edit_at(
    b: &mut Browser<'_>,
    kind: &str,
    csrf: &str,
    id: &str,
    title: &str,
    groups: &str,
) -> u16 {
    b.post(
        &format!("{kind}/edit"),
        &[
            ("csrf", csrf),
            ("id", id),
            ("title", title),
            ("description", "<p>edited</p>"),
            ("groups", groups),
        ],
    )
    .await
    .status
}

#[tokio::test]
async fn authorization_matrix_every_route_every_role() {
    let a = Appliance::start(&[]).expect("appliance");
    let d = daemon(password_only(&a, "", "login-attempts-per-5-minutes = 1000"));
    let mut t = team(&d).await;
    sql(
        &a,
        "UPDATE app_user SET access_groups = '{team-x}' WHERE username IN ('admin', 'ana')",
    );
    // The same matrix for each kind of record.
    for kind in ["/bulletins", "/actors", "/incidents"] {
        let open = create_in(
            &mut t.admin,
            kind,
            "Open bulletin",
            "<p>for everyone</p>",
            "",
        )
        .await;
        let closed = create_in(
            &mut t.admin,
            kind,
            "Closed bulletin",
            "<p>team x only</p>",
            "team-x",
        )
        .await;

        // GET routes: expected status per role (admin, moderator, analyst in
        // team-x, analyst outside it, read-only).
        let gets: Vec<(String, [u16; 5])> = vec![
            (kind.into(), [200, 200, 200, 200, 200]),
            (format!("{kind}/new"), [200, 200, 200, 200, 403]),
            (format!("{kind}/view?id={open}"), [200, 200, 200, 200, 200]),
            (format!("{kind}/edit?id={open}"), [200, 200, 403, 403, 403]),
            (
                format!("{kind}/history?id={open}"),
                [200, 200, 200, 200, 200],
            ),
            (
                format!("{kind}/view?id={closed}"),
                [200, 404, 200, 404, 404],
            ),
            (
                format!("{kind}/edit?id={closed}"),
                [200, 404, 403, 404, 403],
            ),
            (
                format!("{kind}/history?id={closed}"),
                [200, 404, 200, 404, 404],
            ),
            (format!("{kind}/view?id=999999"), [404, 404, 404, 404, 404]),
            (format!("{kind}/view?id=x'--"), [404, 404, 404, 404, 404]),
        ];
        let mut failures = Vec::new();
        for (path, expected) in &gets {
            let browsers: [&mut Browser<'_>; 5] = [
                &mut t.admin,
                &mut t.mona,
                &mut t.ana,
                &mut t.ben,
                &mut t.rita,
            ];
            for (i, b) in browsers.into_iter().enumerate() {
                let got = b.get(path).await.status;
                if got != expected[i] {
                    failures.push(format!(
                        "GET {path} as #{i}: {got}, expected {}",
                        expected[i]
                    ));
                }
            }
        }
        // Anonymous: every route sends to the sign-in page.
        let mut anonymous = Browser::new(&d);
        for (path, _) in &gets {
            let r = anonymous.get(path).await;
            if r.location.as_deref() != Some("/login") {
                failures.push(format!("anonymous GET {path}: {}", r.status));
            }
        }
        // POST routes.
        let posts: [(&str, [u16; 5]); 3] = [
            ("create", [303, 303, 303, 303, 403]),
            ("edit-open", [303, 303, 403, 403, 403]),
            ("edit-closed", [303, 404, 403, 404, 403]),
        ];
        for (what, expected) in posts {
            let browsers: [&mut Browser<'_>; 5] = [
                &mut t.admin,
                &mut t.mona,
                &mut t.ana,
                &mut t.ben,
                &mut t.rita,
            ];
            for (i, b) in browsers.into_iter().enumerate() {
                let csrf = b.get("/").await.csrf();
                let got = match what {
                    "create" => {
                        b.post(
                            kind,
                            &[
                                ("csrf", &csrf),
                                ("title", "t"),
                                ("description", ""),
                                ("groups", ""),
                            ],
                        )
                        .await
                        .status
                    }
                    "edit-open" => edit_at(b, kind, &csrf, &open, "Open bulletin", "").await,
                    _ => edit_at(b, kind, &csrf, &closed, "Closed bulletin", "team-x").await,
                };
                if got != expected[i] {
                    failures.push(format!(
                        "POST {kind} {what} as #{i}: {got}, expected {}",
                        expected[i]
                    ));
                }
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
        let noun = kind.trim_start_matches('/').trim_end_matches('s');

        // Lists and counts share the predicate: outsiders never see the
        // closed bulletin, not even through search or its count.
        for b in [&mut t.mona, &mut t.ben, &mut t.rita] {
            let page = b.get(&format!("{kind}?q=closed")).await;
            assert!(!page.body.contains("Closed bulletin"), "{}", page.body);
            assert!(page.body.contains(&format!("0 {noun}s")), "{}", page.body);
        }
        let page = t.ana.get(&format!("{kind}?q=closed")).await;
        assert!(page.body.contains("Closed bulletin") && page.body.contains(&format!("1 {noun};")));
        // Restricting to a group one is not in is refused.
        let csrf = t.ben.get(&format!("{kind}/new")).await.csrf();
        let r = t
            .ben
            .post(
                kind,
                &[
                    ("csrf", &csrf),
                    ("title", "mine"),
                    ("description", ""),
                    ("groups", "team-x"),
                ],
            )
            .await;
        assert_eq!(r.status, 400);
        assert!(r.body.contains("only to access groups you belong to"));
    }
    // Denials are in the activity log.
    assert!(audit(&a, "access.denied") >= 1);
}

#[tokio::test]
async fn workflow_is_enforced_by_the_server() {
    let a = Appliance::start(&[]).expect("appliance");
    let d = daemon(password_only(&a, "", "login-attempts-per-5-minutes = 1000"));
    let mut t = team(&d).await;
    let id = create(
        &mut t.mona,
        "Shelling of the market",
        "<p>Three witnesses.</p>",
        "",
    )
    .await;
    let (ana_id, ben_id) = (id_of(&a, "ana"), id_of(&a, "ben"));
    let (ben_csrf, ana_csrf, mona_csrf, rita_csrf) = (
        csrf_of(&mut t.ben).await,
        csrf_of(&mut t.ana).await,
        csrf_of(&mut t.mona).await,
        t.rita.get("/").await.csrf(),
    );
    // Read-only accounts change nothing; analysts cannot assign others.
    assert_eq!(
        step(&mut t.rita, &rita_csrf, &id, "self-assign", "").await,
        403
    );
    assert_eq!(
        step(&mut t.ben, &ben_csrf, &id, "assign", &ana_id).await,
        403
    );
    assert_eq!(
        step(&mut t.ben, &ben_csrf, &id, "self-assign", "").await,
        303
    );
    assert_eq!(
        step(&mut t.ana, &ana_csrf, &id, "self-assign", "").await,
        403,
        "already taken"
    );
    assert_eq!(edit(&mut t.ana, &ana_csrf, &id, "not hers").await, 403);
    assert_eq!(
        edit(&mut t.ben, &ben_csrf, &id, "Shelling of the market, 3 May").await,
        303
    );
    assert_eq!(
        step(&mut t.ben, &ben_csrf, &id, "submit", &ben_id).await,
        403,
        "own review"
    );
    assert_eq!(
        step(&mut t.ben, &ben_csrf, &id, "submit", &ana_id).await,
        303
    );
    // In review the assignee is locked out; only the reviewer reviews.
    assert_eq!(edit(&mut t.ben, &ben_csrf, &id, "sneaky").await, 403);
    assert_eq!(step(&mut t.ben, &ben_csrf, &id, "accept", "").await, 403);
    assert_eq!(step(&mut t.mona, &mona_csrf, &id, "accept", "").await, 403);
    assert_eq!(step(&mut t.ana, &ana_csrf, &id, "send-back", "").await, 303);
    assert_eq!(
        edit(
            &mut t.ben,
            &ben_csrf,
            &id,
            "Shelling of the market, 3 May 2026"
        )
        .await,
        303
    );
    assert_eq!(
        step(&mut t.ben, &ben_csrf, &id, "submit", &ana_id).await,
        303
    );
    assert_eq!(step(&mut t.ana, &ana_csrf, &id, "accept", "").await, 303);
    assert_eq!(step(&mut t.ben, &ben_csrf, &id, "finalize", "").await, 403);
    assert_eq!(
        step(&mut t.mona, &mona_csrf, &id, "finalize", "").await,
        303
    );
    // Finalized: nobody edits, not even an administrator; nothing moves.
    let admin_csrf = csrf_of(&mut t.admin).await;
    assert_eq!(edit(&mut t.admin, &admin_csrf, &id, "rewrite").await, 403);
    assert_eq!(
        step(&mut t.admin, &admin_csrf, &id, "assign", &ana_id).await,
        403
    );
    assert_eq!(
        sql(
            &a,
            &format!("SELECT status || ' ' || revision FROM bulletin WHERE id = {id}")
        ),
        "finalized 9"
    );
    // The people involved were told.
    let told = sql(&a, &format!("SELECT count(*) FROM notification WHERE kind = 'bulletin.workflow' AND user_id IN ({ana_id}, {ben_id})"));
    assert_eq!(told, "4", "two review requests and two review outcomes");

    // History: who and when for everyone with the simple permission;
    // snapshots only with the full one; names masked for analysts.
    let simple = t.ben.get(&format!("/bulletins/history?id={id}")).await;
    assert_eq!(simple.status, 200);
    assert!(simple.body.contains("finalize") && simple.body.contains("send-back"));
    assert!(
        !simple.body.contains("class=\"snapshot\""),
        "analysts see no snapshots"
    );
    assert!(
        simple.body.contains(&format!("user-{}", id_of(&a, "mona"))),
        "names masked"
    );
    assert!(!simple.body.contains(">mona<"));
    let full = t.admin.get(&format!("/bulletins/history?id={id}")).await;
    assert!(full.body.contains("class=\"snapshot\"") && full.body.contains(">mona<"));
    // An account without history permissions gets none.
    sql(
        &a,
        "UPDATE app_user SET permissions = '{}' WHERE username = 'rita'",
    );
    assert_eq!(
        t.rita
            .get(&format!("/bulletins/history?id={id}"))
            .await
            .status,
        403
    );
    assert_eq!(audit(&a, "bulletin.workflow"), 6);
}

#[tokio::test]
async fn row_level_security_is_the_one_read_predicate_and_evidence_is_never_deleted() {
    let a = Appliance::start(&[]).expect("appliance");
    let d = daemon(password_only(&a, "", "login-attempts-per-5-minutes = 1000"));
    let mut t = team(&d).await;
    sql(
        &a,
        "UPDATE app_user SET access_groups = '{team-x}' WHERE username = 'ana'",
    );
    create(&mut t.admin, "Open", "", "").await;
    create(&mut t.admin, "Closed", "", "team-x").await;
    let as_runtime = |actor: &str, q: &str| {
        sql(
            &a,
            &format!(
                "BEGIN; SET LOCAL ROLE custodian_runtime; \
                 SELECT set_config('custodian.user_id', coalesce((SELECT id::text FROM app_user WHERE username = '{actor}'), ''), true); \
                 {q}; COMMIT;"
            ),
        )
    };
    // The query's one value, marked so that psql's other output does
    // not matter.
    let count = |actor: &str, q: &str| -> String {
        let out = as_runtime(actor, &format!("SELECT 'n=' || ({q})"));
        out.lines()
            .find_map(|l| l.trim().strip_prefix("n="))
            .unwrap_or_else(|| panic!("{q}: {out}"))
            .to_owned()
    };
    // No actor named: nothing at all.
    assert_eq!(count("nobody", "SELECT count(*) FROM bulletin"), "0");
    assert_eq!(
        count("nobody", "SELECT count(*) FROM bulletin_revision"),
        "0"
    );
    assert_eq!(count("ben", "SELECT count(*) FROM bulletin"), "1");
    assert_eq!(count("ben", "SELECT count(*) FROM bulletin_revision"), "1");
    assert_eq!(
        count(
            "ben",
            "SELECT count(*) FROM bulletin WHERE title ILIKE '%closed%'"
        ),
        "0"
    );
    assert_eq!(count("ana", "SELECT count(*) FROM bulletin"), "2");
    assert_eq!(count("admin", "SELECT count(*) FROM bulletin"), "2");
    // A suspended account sees nothing even with a valid-looking actor.
    sql(
        &a,
        "UPDATE app_user SET state = 'suspended' WHERE username = 'ana'",
    );
    assert_eq!(count("ana", "SELECT count(*) FROM bulletin"), "0");
    // Writes through RLS: an outsider cannot update what it cannot see.
    as_runtime(
        "ben",
        "UPDATE bulletin SET title = 'x' WHERE title = 'Closed'",
    );
    assert_eq!(
        sql(&a, "SELECT count(*) FROM bulletin WHERE title = 'Closed'"),
        "1",
        "an outsider changed a bulletin it cannot see"
    );
    // Never deleted, history never rewritten.
    for q in [
        "DELETE FROM bulletin",
        "UPDATE bulletin_revision SET summary = 'x'",
        "DELETE FROM bulletin_revision",
        "TRUNCATE bulletin",
    ] {
        let out = a.pg.psql(
            "custodian",
            &format!("BEGIN; SET LOCAL ROLE custodian_runtime; {q}; COMMIT;"),
        );
        assert!(
            out.as_ref()
                .is_err_and(|e| e.to_string().contains("permission denied")),
            "{q}: {out:?}"
        );
    }
}

#[tokio::test]
async fn hostile_text_comes_back_inert() {
    let a = Appliance::start(&[]).expect("appliance");
    let d = daemon(password_only(&a, "", "login-attempts-per-5-minutes = 1000"));
    let mut t = team(&d).await;
    let payloads = [
        "<script>alert(1)</script>",
        "\"><img src=x onerror=alert(1)>",
        "<svg onload=alert(1)>",
        "javascript:alert(1)",
        "<a href=\"javascript:alert(1)\">x</a>",
        "<iframe src=\"https://evil.example\"></iframe>",
        "<p style=\"background:url(https://evil.example)\">x</p>",
        "{{7*7}}",
    ];
    for p in payloads {
        let id = create(&mut t.ana, &format!("T {p}"), &format!("<p>D</p>{p}"), "").await;
        let page = t.ana.get(&format!("/bulletins/view?id={id}")).await;
        let body = &page.body;
        for bad in [
            "<script>alert",
            "<img",
            "<svg",
            "<iframe",
            "href=\"javascript",
            "style=\"background",
            "onerror=alert(1)>",
        ] {
            assert!(!body.contains(bad), "{p}: {bad} in page");
        }
        // Titles are escaped, not stripped: what was typed is visible.
        assert!(
            body.contains("T &lt;")
                || body.contains("T &quot;")
                || body.contains("T javascript")
                || body.contains("T {{7*7}}"),
            "{p}"
        );
        let stored = sql(
            &a,
            &format!("SELECT description FROM bulletin WHERE id = {id}"),
        );
        assert!(
            !stored.contains("<script")
                && !stored.contains("onerror")
                && !stored.contains("<iframe"),
            "stored: {stored}"
        );
    }
    // Wildcards in searches are literal.
    create(&mut t.ana, "Report 100% verified", "", "").await;
    let hit = t.ana.get("/bulletins?q=100%25").await;
    assert!(
        hit.body.contains("Report 100% verified") && hit.body.contains("1 bulletin;"),
        "{}",
        hit.body
    );
    let none = t.ana.get("/bulletins?q=%25%25%25x").await;
    assert!(none.body.contains("0 bulletins"));
}

#[tokio::test]
async fn moderators_bulk_update_and_each_item_is_checked_on_its_own() {
    let a = Appliance::start(&[]).expect("appliance");
    let d = daemon(password_only(&a, "", "login-attempts-per-5-minutes = 1000"));
    let mut t = team(&d).await;
    let first = create(&mut t.mona, "First", "", "").await;
    let second = create(&mut t.mona, "Second", "", "").await;
    let hidden = create(&mut t.admin, "Hidden", "", "").await;
    sql(
        &a,
        &format!("UPDATE bulletin SET access_groups = '{{team-z}}' WHERE id = {hidden}"),
    );
    sql(
        &a,
        &format!("UPDATE bulletin SET status = 'finalized' WHERE id = {second}"),
    );
    let ana_id = id_of(&a, "ana");
    // The list offers the bulk form to moderators only.
    assert!(t
        .mona
        .get("/bulletins")
        .await
        .body
        .contains("action=\"/bulletins/bulk\""));
    assert!(!t
        .ana
        .get("/bulletins")
        .await
        .body
        .contains("/bulletins/bulk"));
    let csrf = t.mona.get("/bulletins").await.csrf();
    let r = t
        .mona
        .post(
            "/bulletins/bulk",
            &[
                ("csrf", &csrf),
                ("id", &first),
                ("id", &second),
                ("id", &hidden),
                ("step", "assign"),
                ("user", &ana_id),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("Done: 1. Refused: 2."), "{}", r.body);
    assert!(
        r.body.contains("not possible in the record"),
        "finalized one refused: {}",
        r.body
    );
    assert!(
        r.body.contains("no such bulletin, or you may not see it"),
        "hidden one: {}",
        r.body
    );
    assert_eq!(
        sql(
            &a,
            &format!("SELECT status || ' ' || assigned_to FROM bulletin WHERE id = {first}")
        ),
        format!("assigned {ana_id}")
    );
    assert_eq!(audit(&a, "bulletin.bulk"), 1);
    assert_eq!(audit(&a, "bulletin.workflow"), 1);
    // Analysts may not; moderators need a recent password.
    let csrf = t.ana.get("/bulletins").await.csrf_or_empty();
    let r = t
        .ana
        .post(
            "/bulletins/bulk",
            &[
                ("csrf", &csrf),
                ("id", &first),
                ("step", "finalize"),
                ("user", ""),
            ],
        )
        .await;
    assert_eq!(r.status, 403);
    age_sign_in(&a, "mona");
    let r = t
        .mona
        .post(
            "/bulletins/bulk",
            &[
                ("csrf", "x"),
                ("id", &first),
                ("step", "finalize"),
                ("user", ""),
            ],
        )
        .await;
    assert_eq!(r.location.as_deref(), Some("/reauth?next=/bulletins"));
}
