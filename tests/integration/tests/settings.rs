//! The settings page: administrators with step-up only; the configuration
//! is shown without any secret; changes are validated, take effect (the
//! sign-in notice, escaped; the export window) and are recorded with old
//! and new values. An account's own language and time zone.

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
    let (mut admin, mut ana) = admin_and_analyst(&d).await;

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

    own_preferences(&a, &mut admin, &mut ana).await;
}

/// An account's language and time zone: its own to choose, among what the
/// interface has; its pages follow them whatever the browser asks; the
/// change is recorded; nobody else's pages change.
async fn own_preferences(a: &Appliance, admin: &mut Browser<'_>, ana: &mut Browser<'_>) {
    let stored = || {
        a.pg.psql(
            "custodian",
            "SELECT coalesce(language, '-') || ' ' || coalesce(time_zone, '-') FROM app_user WHERE username = 'ana'",
        )
        .expect("psql")
        .trim()
        .to_owned()
    };
    let page = ana.get("/account/preferences").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body
            .contains(r#"<option value="ar" lang="ar" dir="rtl">العربية</option>"#),
        "{}",
        page.body
    );
    assert!(page.body.contains(r#"<option value="Asia/Damascus">"#));
    let csrf = page.csrf();
    // The form's own checks: a CSRF token, and only what is offered.
    let forged = ana
        .post(
            "/account/preferences",
            &[("language", "ar"), ("time_zone", "")],
        )
        .await;
    assert_eq!(forged.status, 403, "{}", forged.body);
    for (language, zone, problem) in [
        ("fr", "", "Choose one of the languages offered."),
        ("", "Mars/Olympus", "Choose one of the time zones offered."),
        (
            "",
            "../../etc/passwd",
            "Choose one of the time zones offered.",
        ),
    ] {
        let r = ana
            .post(
                "/account/preferences",
                &[("csrf", &csrf), ("language", language), ("time_zone", zone)],
            )
            .await;
        assert_eq!(r.status, 422, "{language} {zone}: {}", r.body);
        assert!(r.body.contains(problem), "{}", r.body);
    }
    assert_eq!(stored(), "- -", "a refused form changes nothing");

    let r = ana
        .post(
            "/account/preferences",
            &[
                ("csrf", &csrf),
                ("language", "ar"),
                ("time_zone", "asia/damascus"),
            ],
        )
        .await;
    assert_eq!(
        r.location.as_deref(),
        Some("/account/preferences?saved=1"),
        "{}",
        r.body
    );
    assert_eq!(
        stored(),
        "ar Asia/Damascus",
        "stored in the database's spelling"
    );
    assert_eq!(audit(a, "account.preferences_changed"), 1);
    // Arabic now, though the browser asks for nothing (the appliance's
    // default is English), its error pages too.
    let saved = ana.get("/account/preferences?saved=1").await;
    assert!(
        saved.body.contains(r#"<html lang="ar" dir="rtl">"#),
        "{}",
        saved.body
    );
    assert!(saved.body.contains("حُفظ"), "{}", saved.body);
    assert!(saved
        .body
        .contains(r#"<option value="Asia/Damascus" selected>"#));
    let home = ana.get("/").await;
    assert!(
        home.body.contains(r#"<html lang="ar" dir="rtl">"#),
        "{}",
        home.body
    );
    let missing = ana.get("/no-such-page").await;
    assert_eq!(missing.status, 404);
    assert!(missing.body.contains(r#"dir="rtl""#), "{}", missing.body);
    // ... drawn in the signed-in frame: the navigation, the account.
    assert!(
        missing.body.contains(r#"href="/bulletins""#),
        "{}",
        missing.body
    );
    assert!(missing.body.contains("<bdi>ana</bdi>"), "{}", missing.body);
    // Someone else's pages are unchanged.
    let other = admin.get("/").await;
    assert!(
        other.body.contains(r#"<html lang="en" dir="ltr">"#),
        "{}",
        other.body
    );
    // Notifications are worded when they are read, in the reader's
    // language: the settings change told the administrators in English
    // (admin reads English); the same notice reads Arabic for ana, with
    // the administrator's name masked (she may not see usernames). One
    // stored before notifications had keys keeps its sentence.
    let notes = admin.get("/account/notifications").await.body;
    assert!(
        notes.contains("admin changed the appliance settings."),
        "{notes}"
    );
    a.pg.psql(
        "custodian",
        "INSERT INTO notification (user_id, kind, message, message_key, message_args) \
         SELECT id, 'settings.changed', 'notice-settings-changed', 'notice-settings-changed', \
                '{\"by\": \"admin\"}' FROM app_user WHERE username = 'ana'; \
         INSERT INTO notification (user_id, kind, message) \
         SELECT id, 'old.kind', 'A sentence from an older release.' FROM app_user WHERE username = 'ana'",
    )
    .expect("notifications");
    let notes = ana.get("/account/notifications").await.body;
    assert!(notes.contains("إعدادات الجهاز"), "{notes}");
    assert!(!notes.contains("غيّر admin"), "{notes}");
    assert!(
        notes.contains("A sentence from an older release."),
        "{notes}"
    );
    // "The browser's language" again.
    let csrf = saved.csrf();
    ana.post(
        "/account/preferences",
        &[("csrf", &csrf), ("language", ""), ("time_zone", "")],
    )
    .await;
    assert_eq!(stored(), "- -");
    let home = ana.get("/").await;
    assert!(
        home.body.contains(r#"<html lang="en" dir="ltr">"#),
        "{}",
        home.body
    );
}
