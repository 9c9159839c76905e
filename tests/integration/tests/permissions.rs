//! Administrators set another account's permission flags and access
//! groups: the change applies at once (sessions end), unknown flags grant
//! nothing, nobody changes their own, and it is recorded and told.

mod common;

use common::daemon;
use common::web::*;
use custodian_harness::Appliance;

const PW: &str = "granite orchard whispers twice";

fn sql(a: &Appliance, q: &str) -> String {
    a.pg.psql("custodian", q).expect("sql")
}

async fn save(admin: &mut Browser<'_>, fields: &[(&str, &str)]) -> Page {
    let page = admin.get("/admin/users/permissions?username=ana").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let csrf = page.csrf();
    let mut form = vec![("csrf", csrf.as_str()), ("username", "ana")];
    form.extend_from_slice(fields);
    admin.post("/admin/users/permissions", &form).await
}

#[tokio::test]
async fn flags_and_groups_are_set_by_another_administrator_and_apply_at_once() {
    let a = Appliance::start(&[]).expect("appliance");
    let d = daemon(password_only(&a, "", "login-attempts-per-5-minutes = 1000"));
    set_up(&d).await;
    let mut admin = Browser::new(&d);
    admin.login("admin", PASSWORD).await;
    let mut ana = new_user_as(&d, &mut admin, "ana", "analyst", PW).await;
    assert_eq!(
        ana.get("/exports").await.status,
        403,
        "analysts cannot export by default"
    );

    let r = save(
        &mut admin,
        &[
            ("flag", "can_export"),
            ("flag", "view_usernames"),
            ("flag", "sudo"),
            ("groups", "Team-X, team-x, "),
        ],
    )
    .await;
    assert_eq!(r.location.as_deref(), Some("/admin/users"), "{}", r.body);
    assert_eq!(
        sql(&a, "SELECT array_to_string(permissions, ',') || ' ' || array_to_string(access_groups, ',') FROM app_user WHERE username = 'ana'"),
        "view_usernames,can_export team-x"
    );
    // Her session ended; signed in again, the new rights apply.
    assert!(!ana.get("/").await.body.contains("Signed in as"));
    ana.login("ana", PW).await;
    assert_eq!(ana.get("/exports").await.status, 200);
    assert!(common::notifications_where(
        &a,
        "u.username = 'ana' AND n.kind = 'account.permissions_changed'"
    )
    .contains("can_export"));
    let details = sql(
        &a,
        "SELECT details::text FROM audit_log WHERE action = 'account.permissions_changed'",
    );
    assert!(
        details.contains("\"before\"") && details.contains("can_export"),
        "{details}"
    );

    // Back to the role's defaults.
    save(
        &mut admin,
        &[("defaults", "yes"), ("flag", "can_export"), ("groups", "")],
    )
    .await;
    assert_eq!(
        sql(
            &a,
            "SELECT permissions IS NULL FROM app_user WHERE username = 'ana'"
        ),
        "t"
    );
    ana.login("ana", PW).await;
    assert_eq!(ana.get("/exports").await.status, 403);

    // Not one's own; not without being an administrator.
    let page = admin.get("/admin/users/permissions?username=admin").await;
    let r = admin
        .post(
            "/admin/users/permissions",
            &[
                ("csrf", &page.csrf()),
                ("username", "admin"),
                ("flag", "can_export"),
                ("groups", ""),
            ],
        )
        .await;
    assert_eq!(r.status, 400);
    assert!(r.body.contains("cannot change your own permissions"));
    assert_eq!(
        ana.get("/admin/users/permissions?username=ana")
            .await
            .status,
        403
    );
}
