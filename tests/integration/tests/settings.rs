//! The settings page: administrators with step-up only; the configuration
//! is shown without any secret; changes are validated, take effect (the
//! sign-in notice, escaped; the export window) and are recorded with old
//! and new values.

mod common;

use common::daemon;
use common::web::*;
use custodian_harness::Appliance;

async fn save(b: &mut Browser<'_>, notice: &str, ttl: &str) -> Page {
    let page = b.get("/admin/settings").await;
    assert_eq!(page.status, 200, "{}", page.body);
    b.post(
        "/admin/settings",
        &[("csrf", &page.csrf()), ("notice", notice), ("ttl", ttl)],
    )
    .await
}

#[tokio::test]
async fn settings_are_for_administrators_show_no_secret_and_are_audited() {
    let a = Appliance::start(&[]).expect("appliance");
    let d = daemon(password_only(&a, "", "login-attempts-per-5-minutes = 1000"));
    set_up(&d).await;
    let mut admin = Browser::new(&d);
    admin.login("admin", PASSWORD).await;
    let mut ana = new_user_as(
        &d,
        &mut admin,
        "ana",
        "analyst",
        "granite orchard whispers twice",
    )
    .await;

    let page = admin.get("/admin/settings").await;
    assert!(page.body.contains(&format!("https://localhost:{}", d.port)));
    assert!(page.body.contains("Vault PKI"));
    // No secret of any kind on the page.
    let secret_id = std::fs::read_to_string(&a.vault.secret_id_file).expect("secret_id");
    for secret in [secret_id.trim(), a.bao.root_token.as_str()] {
        assert!(!page.body.contains(secret), "a secret is shown");
    }
    assert!(!page.body.to_lowercase().contains("password ="));

    let r = save(
        &mut admin,
        "Official use only. <script>alert(1)</script>",
        "30",
    )
    .await;
    assert_eq!(r.location.as_deref(), Some("/admin/settings"), "{}", r.body);
    let login = Browser::new(&d).get("/login").await;
    assert!(
        login.body.contains("Official use only. &lt;script&gt;"),
        "{}",
        login.body
    );
    assert!(!login.body.contains("<script>alert"));
    let r = save(&mut admin, "x", "0").await;
    assert_eq!(r.status, 400);
    assert!(r.body.contains("between 5 and 1440 minutes"), "{}", r.body);
    let details =
        a.pg.psql(
            "custodian",
            "SELECT details::text FROM audit_log WHERE action = 'settings.changed'",
        )
        .expect("audit");
    assert!(
        details.contains("\"before\"") && details.contains("\"after\": \"30\""),
        "{details}"
    );
    // Not for others; not without a recent password.
    assert_eq!(ana.get("/admin/settings").await.status, 403);
    age_sign_in(&a, "admin");
    assert_eq!(
        admin.get("/admin/settings").await.location.as_deref(),
        Some("/reauth?next=/admin/settings")
    );
}
