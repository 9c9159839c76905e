//! The activity monitor: administrators only, with step-up, filtered by
//! who, what, on what and since when; hostile filters are just text; the
//! viewing itself is recorded.

mod common;

use common::daemon;
use common::web::*;
use custodian_harness::Appliance;

#[tokio::test]
async fn administrators_filter_the_activity_log_others_cannot() {
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
    let mut stranger = Browser::new(&d);
    stranger
        .login("nobody-here", "wrong password entirely")
        .await;

    // Failed sign-ins are recorded after the answer (so that they cannot
    // be timed): wait for the entry.
    let start = std::time::Instant::now();
    while audit(&a, "login.failed") == 0 {
        assert!(
            start.elapsed().as_secs() < 10,
            "login.failed never recorded"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let all = admin.get("/admin/activity").await;
    assert_eq!(all.status, 200, "{}", all.body);
    assert!(all.body.contains("account.created") && all.body.contains("login.failed"));
    let logins = admin.get("/admin/activity?action=login.").await;
    assert!(logins.body.contains("login.succeeded") && !logins.body.contains("account.created"));
    let by_ana = admin.get("/admin/activity?actor=ana").await;
    assert!(by_ana.body.contains("password.changed") && !by_ana.body.contains("setup.completed"));
    // Filters are text, never SQL or markup.
    for hostile in [
        "/admin/activity?action=%27%20OR%201%3D1--",
        "/admin/activity?actor=%25",
        "/admin/activity?since=2026-01-01%27%3B--",
        "/admin/activity?target=%3Cscript%3E",
    ] {
        let r = admin.get(hostile).await;
        assert_eq!(r.status, 200, "{hostile}");
        assert!(!r.body.contains("<script>"), "{hostile}");
    }
    let r = admin.get("/admin/activity?actor=%25").await;
    assert!(!r.body.contains("login.succeeded"), "% is literal");
    // Not for analysts; and only with a recent password.
    assert_eq!(ana.get("/admin/activity").await.status, 403);
    age_sign_in(&a, "admin");
    assert_eq!(
        admin.get("/admin/activity").await.location.as_deref(),
        Some("/reauth?next=/admin/activity")
    );
    assert!(audit(&a, "activity.viewed") >= 4);
}
