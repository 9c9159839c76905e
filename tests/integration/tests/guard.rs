//! The guard in front of every signed-in handler, over HTTPS: each way a
//! request can fall short (no session, a session waiting for its second
//! factor, a password still to change, the wrong role, a stale step-up, a
//! missing, foreign or cross-origin CSRF proof, a method the route does
//! not serve) is answered the way the route table says, nothing changes,
//! and a policy refusal is in the activity log with the action and path.
//! One appliance; the cases run in order against it.

mod common;

use common::daemon;
use common::web::*;
use custodian_harness::{Appliance, Daemon};

const PW: &str = "granite orchard whispers twice";
const BOUNDARY: &str = "custodian-guard-boundary-3e9a";
const EVIL: &str = "https://evil.example";

/// The administrator pages and the action each one names.
const ADMIN_PAGES: &[(&str, &str, &str)] = &[
    ("/admin/settings", "settings.manage", "/admin/settings"),
    ("/admin/users", "accounts.manage", "/admin/users"),
    ("/admin/activity", "activity.view", "/admin/activity"),
    ("/admin/sessions", "sessions.manage", "/admin/sessions"),
    ("/admin/import", "imports.run", "/admin/import"),
    (
        "/admin/import/bulletins",
        "imports.bulletins",
        "/admin/import/bulletins",
    ),
    ("/admin/updates", "updates.install", "/admin/updates"),
    ("/admin/load", "load.view", "/admin/load"),
    ("/admin/backups", "backups.view", "/admin/backups"),
    (
        "/admin/event-types",
        "event_types.manage",
        "/admin/event-types",
    ),
    (
        "/admin/users/permissions?username=x",
        "permissions.manage",
        "/admin/users/permissions",
    ),
];

fn sql(a: &Appliance, q: &str) -> String {
    a.pg.psql("custodian", q).expect("sql")
}

/// Where the activity log stands now.
fn log_head(a: &Appliance) -> i64 {
    sql(a, "SELECT coalesce(max(seq), 0) FROM audit_log")
        .parse()
        .expect("seq")
}

/// The `access.denied` entries after `since`, as "actor target path".
fn denials_since(a: &Appliance, since: i64) -> Vec<String> {
    let rows = sql(
        a,
        &format!(
            "SELECT coalesce(string_agg(actor || ' ' || target || ' ' || coalesce(details->>'path', '?'), \
             E'\\n' ORDER BY seq), '') FROM audit_log WHERE action = 'access.denied' AND seq > {since}"
        ),
    );
    rows.lines().map(str::to_owned).collect()
}

fn state_of(a: &Appliance, user: &str) -> String {
    sql(
        a,
        &format!("SELECT state FROM app_user WHERE username = '{user}'"),
    )
}

fn accounts_named(a: &Appliance, user: &str) -> String {
    sql(
        a,
        &format!("SELECT count(*) FROM app_user WHERE username = '{user}'"),
    )
}

fn bulletins_titled(a: &Appliance, title: &str) -> String {
    sql(
        a,
        &format!("SELECT count(*) FROM bulletin WHERE title = '{title}'"),
    )
}

/// A POST whose headers the caller chooses: `origin` and `fetch_site`
/// are sent only when given.
async fn post_with(
    b: &mut Browser<'_>,
    path: &str,
    content_type: &str,
    body: Vec<u8>,
    origin: Option<&str>,
    fetch_site: Option<&str>,
) -> Page {
    let mut req = b
        .http
        .post(b.d.url(path))
        .header("cookie", b.cookie_header())
        .header("content-type", content_type)
        .body(body);
    if let Some(o) = origin {
        req = req.header("origin", o);
    }
    if let Some(s) = fetch_site {
        req = req.header("sec-fetch-site", s);
    }
    let res = req.send().await.expect("post");
    b.finish(res).await
}

fn form(fields: &[(&str, &str)]) -> Vec<u8> {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish()
        .into_bytes()
}

const FORM: &str = "application/x-www-form-urlencoded";

fn png() -> Vec<u8> {
    let mut v = vec![
        0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d,
    ];
    v.extend_from_slice(b"IHDR");
    v.extend_from_slice(&[
        0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0, 0x90, 0x77, 0x53, 0xde,
    ]);
    v.extend((0..2000).map(|i| (i % 251) as u8));
    v.extend_from_slice(&[0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]);
    v
}

/// An upload to `bulletin`: the csrf field first when given, then id and
/// the file.
fn multipart(csrf: Option<&str>, bulletin: &str) -> Vec<u8> {
    let mut b = Vec::new();
    let mut fields = Vec::new();
    if let Some(c) = csrf {
        fields.push(("csrf", c));
    }
    fields.push(("id", bulletin));
    for (field, value) in fields {
        b.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{field}\"\r\n\r\n{value}\r\n")
                .as_bytes(),
        );
    }
    b.extend_from_slice(
        format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"probe.png\"\r\nContent-Type: image/png\r\n\r\n"
        )
        .as_bytes(),
    );
    b.extend_from_slice(&png());
    b.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    b
}

/// A request with any method, no cookie: what `Allow` says.
async fn allow_of(d: &Daemon, method: &str, path: &str) -> (u16, String) {
    let b = Browser::new(d);
    let res = b
        .http
        .request(
            reqwest::Method::from_bytes(method.as_bytes()).expect("method"),
            d.url(path),
        )
        .send()
        .await
        .expect("request");
    let allow = res
        .headers()
        .get("allow")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    (res.status().as_u16(), allow)
}

#[tokio::test]
async fn the_guard_refuses_each_case_the_right_way_and_records_policy_refusals() {
    let a = Appliance::start(&[]).expect("appliance");
    let mut cfg = password_only(&a, "", "login-attempts-per-5-minutes = 1000");
    cfg.storage_toml = Some("max-upload-bytes = 1048576".into());
    let d = daemon(cfg);
    set_up(&d).await;
    let mut admin = Browser::new(&d);
    admin.login("admin", PASSWORD).await;
    let mut ana = new_user_as(&d, &mut admin, "ana", "analyst", PW).await;
    let mut rita = new_user_as(&d, &mut admin, "rita", "readonly", PW).await;
    // A bulletin assigned to Ana, so that she may add files to it.
    let csrf = ana.get("/bulletins/new").await.csrf();
    let created = ana
        .post(
            "/bulletins",
            &[
                ("csrf", &csrf),
                ("title", "Checkpoint footage"),
                ("description", ""),
                ("groups", ""),
            ],
        )
        .await;
    let bulletin = created
        .location
        .expect("created")
        .rsplit('=')
        .next()
        .expect("id")
        .to_owned();
    let r = ana
        .post(
            "/bulletins/workflow",
            &[
                ("csrf", &csrf),
                ("id", &bulletin),
                ("step", "self-assign"),
                ("user", ""),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);

    anonymous(&a, &d).await;
    must_change_password(&a, &d, &mut admin).await;
    wrong_role(&a, &mut ana, &mut rita).await;
    csrf_proofs(&a, &d, &mut ana, &mut admin, &bulletin).await;
    stale_step_up(&a, &mut admin).await;
    allow_from_the_route_methods(&d).await;
    pending_second_factor(&a, &d, &mut admin).await;
}

/// No cookie: every signed-in page and form sends the browser to sign in,
/// nothing changes, and nobody is recorded (there is nobody to name).
async fn anonymous(a: &Appliance, d: &Daemon) {
    let head = log_head(a);
    let mut anon = Browser::new(d);
    for path in [
        "/bulletins",
        "/bulletins/new",
        "/bulletins/view?id=1",
        "/account/password",
        "/account/sessions",
        "/account/passkeys",
        "/reauth",
        "/exports",
        "/exports/download?id=1",
        "/media?id=1",
        "/admin/users",
        "/admin/settings",
        "/admin/activity",
        "/admin/users/permissions?username=ana",
    ] {
        let r = anon.get(path).await;
        assert_eq!(
            (r.status, r.location.as_deref()),
            (303, Some("/login")),
            "anonymous GET {path}"
        );
    }
    let r = anon
        .post(
            "/admin/users/state",
            &[("csrf", "x"), ("username", "ana"), ("action", "disable")],
        )
        .await;
    assert_eq!((r.status, r.location.as_deref()), (303, Some("/login")));
    assert_eq!(state_of(a, "ana"), "active");
    let r = anon
        .post(
            "/admin/users",
            &[("csrf", "x"), ("username", "eve"), ("role", "admin")],
        )
        .await;
    assert_eq!((r.status, r.location.as_deref()), (303, Some("/login")));
    assert_eq!(accounts_named(a, "eve"), "0");
    let r = anon
        .post(
            "/bulletins",
            &[
                ("csrf", "x"),
                ("title", "anonymous probe"),
                ("description", ""),
                ("groups", ""),
            ],
        )
        .await;
    assert_eq!((r.status, r.location.as_deref()), (303, Some("/login")));
    assert_eq!(bulletins_titled(a, "anonymous probe"), "0");
    assert_eq!(denials_since(a, head), Vec::<String>::new());
}

/// A session whose password an administrator set: every other page sends
/// it to `/account/password` (before the policy is asked: the
/// administrator page is no recorded refusal), which it may use.
async fn must_change_password(a: &Appliance, d: &Daemon, admin: &mut Browser<'_>) {
    let list = admin.get("/admin/users").await;
    let created = admin
        .post(
            "/admin/users",
            &[
                ("csrf", &list.csrf()),
                ("username", "mona"),
                ("role", "analyst"),
            ],
        )
        .await;
    let temporary = one_time_password(&created);
    let mut mona = Browser::new(d);
    let r = mona.login("mona", &temporary).await;
    assert_eq!(r.location.as_deref(), Some("/account/password"));
    let head = log_head(a);
    for path in [
        "/",
        "/bulletins",
        "/account/sessions",
        "/account/totp",
        "/account/notifications",
        "/reauth?next=/admin/users",
        "/admin/users",
        "/admin/settings",
    ] {
        let r = mona.get(path).await;
        assert_eq!(
            (r.status, r.location.as_deref()),
            (303, Some("/account/password")),
            "must-change GET {path}"
        );
    }
    let page = mona.get("/account/password").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let csrf = page.csrf();
    let r = mona
        .post(
            "/bulletins",
            &[
                ("csrf", &csrf),
                ("title", "before the password"),
                ("description", ""),
                ("groups", ""),
            ],
        )
        .await;
    assert_eq!(r.location.as_deref(), Some("/account/password"));
    assert_eq!(bulletins_titled(a, "before the password"), "0");
    assert_eq!(denials_since(a, head), Vec::<String>::new());
    // The page itself works: the password is changed, and then the rest
    // opens.
    let r = mona
        .post(
            "/account/password",
            &[
                ("csrf", &csrf),
                ("current", &temporary),
                ("password", PW),
                ("confirm", PW),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(
        sql(
            a,
            "SELECT must_change_password FROM app_user WHERE username = 'mona'"
        ),
        "f"
    );
    assert_eq!(mona.get("/bulletins").await.status, 200);
}

/// An analyst on every administrator page, and a readonly account on the
/// forms it may not use: 403, and an `access.denied` entry naming the
/// account, the action and the path (without its query).
async fn wrong_role(a: &Appliance, ana: &mut Browser<'_>, rita: &mut Browser<'_>) {
    // Signed in and allowed her own pages (the refusals below are about
    // the role, not the session).
    let own = ana.get("/").await;
    assert_eq!(own.status, 200, "{}", own.body);
    let csrf = own.csrf();
    let head = log_head(a);
    let mut expected = Vec::new();
    for (path, action, logged) in ADMIN_PAGES {
        let r = ana.get(path).await;
        assert_eq!(r.status, 403, "analyst GET {path}: {}", r.body);
        assert!(!r.body.contains("name=\"csrf\""), "{path}: {}", r.body);
        expected.push(format!("ana {action} {logged}"));
        assert_eq!(denials_since(a, head), expected, "after GET {path}");
    }
    // Posts, with her own valid token: refused and recorded, nothing done.
    let r = ana
        .post(
            "/admin/users",
            &[("csrf", &csrf), ("username", "eve"), ("role", "admin")],
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert_eq!(accounts_named(a, "eve"), "0");
    expected.push("ana accounts.manage /admin/users".into());
    let r = ana
        .post(
            "/admin/users/state",
            &[
                ("csrf", &csrf),
                ("username", "admin"),
                ("action", "disable"),
            ],
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert_eq!(state_of(a, "admin"), "active");
    expected.push("ana accounts.manage /admin/users/state".into());
    assert_eq!(denials_since(a, head), expected);

    let own = rita.get("/").await;
    assert_eq!(own.status, 200, "{}", own.body);
    let csrf = own.csrf();
    assert_eq!(rita.get("/admin/users").await.status, 403);
    expected.push("rita accounts.manage /admin/users".into());
    assert_eq!(rita.get("/bulletins/new").await.status, 403);
    expected.push("rita bulletins.create /bulletins/new".into());
    let r = rita
        .post(
            "/bulletins",
            &[
                ("csrf", &csrf),
                ("title", "readonly probe"),
                ("description", ""),
                ("groups", ""),
            ],
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert_eq!(bulletins_titled(a, "readonly probe"), "0");
    expected.push("rita bulletins.create /bulletins".into());
    assert_eq!(denials_since(a, head), expected);
    // What she may do still opens.
    assert_eq!(rita.get("/bulletins").await.status, 200);
}

/// Form, session-form, multipart and JSON posts: without the session's
/// token, with another session's, from another origin or with no origin
/// at all, 403 and nothing changes; the same post done right works.
async fn csrf_proofs(
    a: &Appliance,
    d: &Daemon,
    ana: &mut Browser<'_>,
    admin: &mut Browser<'_>,
    bulletin: &str,
) {
    let origin = format!("https://localhost:{}", d.port);
    let own = ana.get("/").await.csrf();
    let foreign = admin.get("/").await.csrf();
    assert_ne!(own, foreign);
    let head = log_head(a);

    // A form (admit_form).
    let create = |csrf: &str| {
        form(&[
            ("csrf", csrf),
            ("title", "csrf probe"),
            ("description", ""),
            ("groups", ""),
        ])
    };
    let no_token = form(&[("title", "csrf probe"), ("description", ""), ("groups", "")]);
    for (why, body, o, site) in [
        ("missing token", no_token, Some(origin.as_str()), None),
        ("empty token", create(""), Some(origin.as_str()), None),
        (
            "another session's token",
            create(&foreign),
            Some(origin.as_str()),
            None,
        ),
        ("another origin", create(&own), Some(EVIL), None),
        (
            "another origin, same-origin claimed",
            create(&own),
            Some(EVIL),
            Some("same-origin"),
        ),
        ("no origin", create(&own), None, None),
        (
            "no origin, cross-site",
            create(&own),
            None,
            Some("cross-site"),
        ),
    ] {
        let r = post_with(ana, "/bulletins", FORM, body, o, site).await;
        assert_eq!(r.status, 403, "/bulletins, {why}: {}", r.body);
        assert_eq!(bulletins_titled(a, "csrf probe"), "0", "{why}");
    }
    // Done right (a browser that sends Sec-Fetch-Site but no Origin).
    let r = post_with(
        ana,
        "/bulletins",
        FORM,
        create(&own),
        None,
        Some("same-origin"),
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(bulletins_titled(a, "csrf probe"), "1");

    // A session page's form (session_form): ending a session.
    let sessions = || {
        sql(
            a,
            "SELECT count(*) FROM user_session s JOIN app_user u ON u.id = s.user_id \
             WHERE u.username = 'ana'",
        )
    };
    let before = sessions();
    assert_eq!(before, "1");
    let r = post_with(
        ana,
        "/account/sessions",
        FORM,
        form(&[("session", "1")]),
        Some(&origin),
        None,
    )
    .await;
    assert_eq!(r.status, 403, "{}", r.body);
    let r = post_with(
        ana,
        "/account/sessions",
        FORM,
        form(&[("csrf", &foreign), ("session", "1")]),
        Some(&origin),
        None,
    )
    .await;
    assert_eq!(r.status, 403, "{}", r.body);
    let r = post_with(
        ana,
        "/account/sessions",
        FORM,
        form(&[("csrf", &own), ("session", "1")]),
        Some(EVIL),
        None,
    )
    .await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert_eq!(sessions(), before);

    // A multipart upload (admit_multipart, the token in the first field).
    let multipart_type = format!("multipart/form-data; boundary={BOUNDARY}");
    let media = || sql(a, "SELECT count(*) FROM media");
    let objects = d.storage_dir().join("objects");
    let stored = || std::fs::read_dir(&objects).map(|d| d.count()).unwrap_or(0);
    for (why, csrf, o) in [
        ("missing token", None, Some(origin.as_str())),
        (
            "another session's token",
            Some(foreign.as_str()),
            Some(origin.as_str()),
        ),
        ("another origin", Some(own.as_str()), Some(EVIL)),
        ("no origin", Some(own.as_str()), None),
    ] {
        let r = post_with(
            ana,
            "/bulletins/media",
            &multipart_type,
            multipart(csrf, bulletin),
            o,
            None,
        )
        .await;
        assert_eq!(r.status, 403, "upload, {why}: {}", r.body);
        assert_eq!((media(), stored()), ("0".into(), 0), "upload, {why}");
    }
    let r = post_with(
        ana,
        "/bulletins/media",
        &multipart_type,
        multipart(Some(&own), bulletin),
        Some(&origin),
        None,
    )
    .await;
    assert_eq!(
        (r.status, r.location),
        (303, Some(format!("/bulletins/view?id={bulletin}"))),
        "{}",
        r.body
    );
    assert_eq!((media(), stored()), ("1".into(), 1));

    // A JSON call (the passkey script's), the token in X-CSRF-Token.
    let page = ana.get("/account/passkeys").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let own_json = page.first_after("data-csrf=\"", '"');
    let ceremonies = || {
        sql(
            a,
            "SELECT count(*) FROM webauthn_ceremony c JOIN app_user u ON u.id = c.user_id \
             WHERE u.username = 'ana'",
        )
    };
    let json = "application/json";
    for (why, csrf, o) in [
        ("missing token", "", origin.as_str()),
        ("another session's token", foreign.as_str(), origin.as_str()),
        ("another origin", own_json.as_str(), EVIL),
    ] {
        let r = ana
            .post_json("/account/passkeys/begin", csrf, o, json, "{}")
            .await;
        assert_eq!(r.status, 403, "passkey begin, {why}: {}", r.body);
    }
    let res = ana
        .http
        .post(d.url("/account/passkeys/begin"))
        .header("cookie", ana.cookie_header())
        .header("content-type", json)
        .header("x-csrf-token", &own_json)
        .body("{}")
        .send()
        .await
        .expect("post");
    let r = ana.finish(res).await;
    assert_eq!(r.status, 403, "passkey begin, no origin: {}", r.body);
    assert_eq!(ceremonies(), "0", "a refused call began a ceremony");
    let r = ana
        .post_json("/account/passkeys/begin", &own_json, &origin, json, "{}")
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(ceremonies(), "1");
    // CSRF refusals are no policy decision: nothing is recorded as one.
    assert_eq!(denials_since(a, head), Vec::<String>::new());
}

/// An administrator whose password is older than the step-up window is
/// sent to re-authenticate, with the route's page to come back to, and
/// nothing is done meanwhile; `next` is only ever one of those pages.
async fn stale_step_up(a: &Appliance, admin: &mut Browser<'_>) {
    // A token for the forms, from a page without step-up.
    let csrf = admin.get("/").await.csrf();
    age_sign_in(a, "admin");
    let head = log_head(a);
    for (path, page) in [
        ("/admin/users", "/admin/users"),
        ("/admin/settings", "/admin/settings"),
        ("/admin/activity", "/admin/activity"),
        ("/admin/users/permissions?username=ana", "/admin/users"),
        ("/admin/import/job?id=1", "/admin/import"),
        ("/exports/download?id=1", "/exports"),
        ("/account/passkeys", "/account/passkeys"),
        ("/account/recovery-codes", "/account/recovery-codes"),
    ] {
        let r = admin.get(path).await;
        assert_eq!(
            (r.status, r.location.as_deref()),
            (303, Some(format!("/reauth?next={page}").as_str())),
            "stale GET {path}"
        );
    }
    for (path, fields, page) in [
        (
            "/admin/users/state",
            &[("username", "ana"), ("action", "disable")][..],
            "/admin/users",
        ),
        (
            "/admin/users",
            &[("username", "eve"), ("role", "admin")][..],
            "/admin/users",
        ),
        (
            "/exports/decide",
            &[("id", "1"), ("decision", "approve")][..],
            "/exports",
        ),
        (
            "/bulletins/bulk",
            &[("ids", "1"), ("step", "self-assign")][..],
            "/bulletins",
        ),
    ] {
        let mut with_token = vec![("csrf", csrf.as_str())];
        with_token.extend_from_slice(fields);
        let r = admin.post(path, &with_token).await;
        assert_eq!(
            (r.status, r.location.as_deref()),
            (303, Some(format!("/reauth?next={page}").as_str())),
            "stale POST {path}"
        );
    }
    assert_eq!(state_of(a, "ana"), "active");
    assert_eq!(accounts_named(a, "eve"), "0");
    // Pages without step-up still open.
    assert_eq!(admin.get("/bulletins").await.status, 200);
    assert_eq!(denials_since(a, head), Vec::<String>::new());

    // `next` is one of the table's step-up pages, or `/`.
    let next_of = |p: &Page| p.first_after("name=\"next\" value=\"", '"');
    for (asked, kept) in [
        ("/admin/users", "/admin/users"),
        ("/exports", "/exports"),
        ("/nowhere", "/"),
        ("https://evil.example/", "/"),
        ("//evil.example", "/"),
        ("/account/sessions", "/"),
        ("/admin/users/state", "/"),
        ("", "/"),
    ] {
        let page = admin.get(&format!("/reauth?next={asked}")).await;
        assert_eq!(page.status, 200, "{}", page.body);
        assert_eq!(next_of(&page), kept, "/reauth?next={asked}");
    }
    let form = admin.get("/reauth?next=/admin/users").await;
    let r = admin
        .post(
            "/reauth",
            &[
                ("csrf", &form.csrf()),
                ("next", "https://evil.example/admin/users"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!((r.status, r.location.as_deref()), (303, Some("/")));
    // Re-authenticated, the page opens; stale again, a re-authentication
    // comes back where it was asked for.
    assert_eq!(admin.get("/admin/users").await.status, 200);
    age_sign_in(a, "admin");
    let r = admin.get("/admin/users").await;
    let back = r.location.expect("sent to re-authenticate");
    let form = admin.get(&back).await;
    let r = admin
        .post(
            "/reauth",
            &[
                ("csrf", &form.csrf()),
                ("next", &next_of(&form)),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(
        (r.status, r.location.as_deref()),
        (303, Some("/admin/users"))
    );
    let page = admin.get("/admin/users").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("mona"), "{}", page.body);
    // And the form target passes the guard now: the handler answers (no
    // such export), and no refusal is recorded.
    let head = log_head(a);
    let csrf = page.csrf();
    let r = admin
        .post(
            "/exports/decide",
            &[("csrf", &csrf), ("id", "999"), ("decision", "approve")],
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert!(
        r.body
            .contains("There is no pending export with that number."),
        "{}",
        r.body
    );
    assert_eq!(denials_since(a, head), Vec::<String>::new());
}

/// A 405's `Allow` is the route's methods, for every kind of route.
async fn allow_from_the_route_methods(d: &Daemon) {
    for (method, path, allow) in [
        // Read-only pages.
        ("POST", "/admin/activity", "GET, HEAD"),
        ("PUT", "/admin/load", "GET, HEAD"),
        // A download that a HEAD must not use up.
        ("HEAD", "/exports/download?id=1", "GET"),
        ("POST", "/exports/download", "GET"),
        // Form targets.
        ("GET", "/admin/users/state", "POST"),
        ("DELETE", "/exports/decide", "POST"),
        ("GET", "/account/passkeys/begin", "POST"),
        // Pages with a form.
        ("PUT", "/admin/settings", "GET, HEAD, POST"),
        ("DELETE", "/bulletins", "GET, HEAD, POST"),
    ] {
        assert_eq!(
            allow_of(d, method, path).await,
            (405, allow.to_owned()),
            "{method} {path}"
        );
    }
}

/// An administrator who passed the password but not the second step:
/// no signed-in page, administrator pages included, and no form; the
/// administrator's complete session is not touched. Once the second step
/// is done the same browser gets in.
async fn pending_second_factor(a: &Appliance, d: &Daemon, admin: &mut Browser<'_>) {
    let key = enrol_totp(admin).await;
    let mut pending = Browser::new(d);
    let r = pending.login("admin", PASSWORD).await;
    assert_eq!(r.location.as_deref(), Some("/login/totp"));
    let second = pending.get("/login/totp").await;
    assert_eq!(second.status, 200, "{}", second.body);
    let csrf = second.csrf();
    let head = log_head(a);
    for path in [
        "/bulletins",
        "/account/sessions",
        "/account/password",
        "/account/totp",
        "/account/passkeys",
        "/reauth",
        "/exports",
        "/admin/users",
        "/admin/settings",
        "/admin/activity",
        "/admin/sessions",
        "/admin/users/permissions?username=ana",
    ] {
        let r = pending.get(path).await;
        assert_eq!(
            (r.status, r.location.as_deref()),
            (303, Some("/login")),
            "pending GET {path}"
        );
    }
    assert!(!pending.get("/").await.body.contains("Signed in as"));
    let r = pending
        .post(
            "/admin/users/state",
            &[("csrf", &csrf), ("username", "ana"), ("action", "disable")],
        )
        .await;
    assert_eq!((r.status, r.location.as_deref()), (303, Some("/login")));
    assert_eq!(state_of(a, "ana"), "active");
    let r = pending
        .post(
            "/admin/users",
            &[("csrf", &csrf), ("username", "eve"), ("role", "admin")],
        )
        .await;
    assert_eq!((r.status, r.location.as_deref()), (303, Some("/login")));
    assert_eq!(accounts_named(a, "eve"), "0");
    assert_eq!(denials_since(a, head), Vec::<String>::new());
    // The complete session was left alone.
    assert_eq!(admin.get("/admin/users").await.status, 200);
    // The second step done, the same browser is in.
    sql(
        a,
        "UPDATE app_user SET totp_last_step = 0 WHERE username = 'admin'",
    );
    let r = second_step(&mut pending, &totp_code(&key, 0)).await;
    assert_eq!(r.location.as_deref(), Some("/"), "{}", r.body);
    assert_eq!(pending.get("/admin/users").await.status, 200);
}
