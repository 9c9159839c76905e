//! Exports with four-eyes approval: asked for with `can_export`, made from
//! what the requester may see, approved by another administrator with a
//! recent password, downloaded once before expiry, formula cells
//! neutralised, everything in the activity log; expired exports removed.

mod common;

use common::daemon;
use common::web::*;
use custodian_harness::Appliance;

const PW: &str = "granite orchard whispers twice";

fn sql(a: &Appliance, q: &str) -> String {
    a.pg.psql("custodian", q).expect("sql")
}

async fn create(b: &mut Browser<'_>, title: &str, groups: &str) {
    let csrf = b.get("/bulletins/new").await.csrf();
    let r = b
        .post(
            "/bulletins",
            &[
                ("csrf", &csrf),
                ("title", title),
                ("description", "<p>d</p>"),
                ("groups", groups),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
}

async fn ask(b: &mut Browser<'_>, format: &str, reason: &str) -> Page {
    let csrf = b.get("/").await.csrf();
    b.post(
        "/exports",
        &[
            ("csrf", &csrf),
            ("format", format),
            ("q", ""),
            ("status", ""),
            ("reason", reason),
        ],
    )
    .await
}

async fn decide(b: &mut Browser<'_>, id: &str, decision: &str) -> Page {
    let csrf = b.get("/").await.csrf();
    b.post(
        "/exports/decide",
        &[("csrf", &csrf), ("id", id), ("decision", decision)],
    )
    .await
}

#[tokio::test]
async fn four_eyes_step_up_once_only_and_formula_safe() {
    let a = Appliance::start(&[]).expect("appliance");
    let mut cfg = password_only(&a, "", "login-attempts-per-5-minutes = 1000");
    cfg.storage_toml = Some("export-ttl-minutes = 60\nsweep-interval-secs = 1".into());
    let d = daemon(cfg);
    set_up(&d).await;
    let mut admin = Browser::new(&d);
    admin.login("admin", PASSWORD).await;
    let mut ana = new_user_as(&d, &mut admin, "ana", "analyst", PW).await;
    let mut rita = new_user_as(&d, &mut admin, "rita", "readonly", PW).await;
    new_user_as(&d, &mut admin, "second", "admin", PW).await;
    // The only other administrator cannot confirm her: the console does.
    let mut second = confirm_admin_at_console(&a, &d, "second", PW).await;
    sql(&a, "UPDATE app_user SET permissions = '{view_simple_history,can_export}' WHERE username = 'ana'");
    create(
        &mut admin,
        "=HYPERLINK(\"https://evil.example\",\"click\")",
        "",
    )
    .await;
    create(&mut admin, "Ordinary", "").await;
    create(&mut admin, "Secret", "team-x").await;

    // Without can_export: refused.
    assert_eq!(ask(&mut rita, "csv", "because").await.status, 403);
    assert_eq!(rita.get("/exports").await.status, 403);
    // With it: made now, from what Ana may see.
    let r = ask(&mut ana, "csv", "for the court filing").await;
    assert_eq!(r.location.as_deref(), Some("/exports"), "{}", r.body);
    assert_eq!(
        sql(&a, "SELECT items || ' ' || status FROM export_request"),
        "2 requested"
    );
    let id = sql(&a, "SELECT id FROM export_request");
    assert!(
        sql(
            &a,
            "SELECT count(*) FROM notification WHERE kind = 'export.requested'"
        )
        .parse::<i32>()
        .expect("n")
            >= 2,
        "admins told"
    );
    // Not yet downloadable, and Ana cannot approve it.
    assert_eq!(
        ana.get(&format!("/exports/download?id={id}")).await.status,
        403
    );
    assert_eq!(decide(&mut ana, &id, "approve").await.status, 403);
    // An administrator's own export needs another administrator.
    let r = ask(&mut admin, "json", "backup for the board").await;
    assert_eq!(r.status, 303);
    let own = sql(&a, "SELECT id FROM export_request WHERE format = 'json'");
    let r = decide(&mut admin, &own, "approve").await;
    assert_eq!(r.status, 403);
    assert!(
        r.body.contains("Another administrator must decide"),
        "{}",
        r.body
    );
    // Approval needs a recent password.
    age_sign_in(&a, "second");
    let r = decide(&mut second, &id, "approve").await;
    assert_eq!(r.location.as_deref(), Some("/reauth?next=/exports"));
    let form = second.get("/reauth?next=/exports").await;
    second
        .post(
            "/reauth",
            &[
                ("csrf", &form.csrf()),
                ("password", PW),
                ("next", "/exports"),
            ],
        )
        .await;
    assert_eq!(
        decide(&mut second, &id, "approve")
            .await
            .location
            .as_deref(),
        Some("/exports")
    );
    assert_eq!(
        decide(&mut second, &own, "reject")
            .await
            .location
            .as_deref(),
        Some("/exports")
    );

    // Downloaded once, by the requester only; formulas are inert.
    assert_eq!(
        admin
            .download(&format!("/exports/download?id={id}"))
            .await
            .0,
        403,
        "not the requester"
    );
    let (status, headers, body) = ana.download(&format!("/exports/download?id={id}")).await;
    assert_eq!(status, 200);
    assert_eq!(
        headers["content-disposition"],
        format!("attachment; filename=\"custodian-export-{id}.csv\"")
    );
    let csv = String::from_utf8(body).expect("utf-8");
    assert!(
        csv.contains("\"'=HYPERLINK(\"\"https://evil.example\"\",\"\"click\"\")\""),
        "{csv}"
    );
    assert!(csv.contains("Ordinary") && !csv.contains("Secret"), "{csv}");
    assert_eq!(
        ana.download(&format!("/exports/download?id={id}")).await.0,
        403,
        "twice"
    );
    assert_eq!(
        sql(
            &a,
            &format!("SELECT status FROM export_request WHERE id = {id}")
        ),
        "downloaded"
    );
    for action in [
        "export.requested",
        "export.approved",
        "export.rejected",
        "export.downloaded",
    ] {
        assert!(audit(&a, action) >= 1, "{action}");
    }
    // Nothing of it is left on disk.
    let exports = d.storage_dir().join("exports").join("objects");
    let start = std::time::Instant::now();
    while std::fs::read_dir(&exports).expect("dir").count() > 0 {
        assert!(start.elapsed().as_secs() < 20, "files left");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }

    // An approved export that is not fetched in time expires and is gone.
    ask(&mut ana, "json", "second look").await;
    let late = sql(&a, "SELECT max(id) FROM export_request");
    // The window administrators set in the settings page applies.
    sql(&a, "INSERT INTO app_setting (key, value, updated_by) SELECT 'export_ttl_minutes', '7', id FROM app_user WHERE username = 'admin'");
    assert_eq!(decide(&mut second, &late, "approve").await.status, 303);
    assert_eq!(
        sql(&a, &format!("SELECT round(extract(epoch FROM expires_at - decided_at) / 60) FROM export_request WHERE id = {late}")),
        "7"
    );
    sql(
        &a,
        &format!(
            "UPDATE export_request SET expires_at = now() - interval '1 second' WHERE id = {late}"
        ),
    );
    let start = std::time::Instant::now();
    while sql(
        &a,
        &format!("SELECT status FROM export_request WHERE id = {late}"),
    ) != "expired"
    {
        assert!(start.elapsed().as_secs() < 20, "not expired");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert_eq!(
        ana.download(&format!("/exports/download?id={late}"))
            .await
            .0,
        403
    );
    assert!(audit(&a, "export.expired") >= 1);
    // The database itself refuses self-approval.
    let out = a.pg.psql(
        "custodian",
        &format!("UPDATE export_request SET decided_by = requested_by WHERE id = {late}"),
    );
    assert!(out.is_err_and(|e| e.to_string().contains("check constraint")));
}
