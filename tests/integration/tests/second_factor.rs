//! Passkey endpoints as a script would call them (origin, CSRF, content
//! type, single-use ceremonies), the hardware-key policy against TOTP, and
//! in-app notifications of security events. The passkey ceremonies
//! themselves run in Chromium (`browser.rs`).

mod common;
use common::notifications_of;

use common::daemon;
use common::web::*;
use custodian_harness::Appliance;

fn data_csrf(page: &Page) -> String {
    page.first_after("data-csrf=\"", '"')
}

#[tokio::test]
async fn passkey_endpoints_check_origin_csrf_type_and_use_each_challenge_once() {
    let a = Appliance::start(&[]).expect("appliance");
    let d = daemon(password_only(&a, "", "login-attempts-per-5-minutes = 1000"));
    set_up(&d).await;
    let mut b = Browser::new(&d);
    b.login("admin", PASSWORD).await;
    let page = b.get("/account/passkeys").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page
        .body
        .contains("<script src=\"/static/passkeys.js\" defer></script>"));
    assert!(
        page.body.contains("hidden data-passkey=\"register\""),
        "the button stays hidden without JavaScript"
    );
    let csrf = data_csrf(&page);
    let origin = format!("https://localhost:{}", d.port);
    let json = "application/json";

    let r = b
        .post_json("/account/passkeys/begin", "", &origin, json, "{}")
        .await;
    assert_eq!(r.status, 403, "no CSRF token");
    let r = b
        .post_json(
            "/account/passkeys/begin",
            &csrf,
            "https://evil.example",
            json,
            "{}",
        )
        .await;
    assert_eq!(r.status, 403, "foreign origin");
    let r = b
        .post_json(
            "/account/passkeys/begin",
            &csrf,
            &origin,
            "application/x-www-form-urlencoded",
            "{}",
        )
        .await;
    assert_eq!(r.status, 415, "not JSON");

    let r = b
        .post_json("/account/passkeys/begin", &csrf, &origin, json, "{}")
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let options: serde_json::Value = serde_json::from_str(&r.body).expect("json");
    assert_eq!(options["publicKey"]["rp"]["id"], "localhost");
    assert_eq!(
        options["publicKey"]["authenticatorSelection"]["userVerification"],
        "required"
    );
    assert!(
        options["publicKey"]["challenge"]
            .as_str()
            .expect("challenge")
            .len()
            >= 43
    );
    // The user handle is random, not the account's id or name.
    let handle = options["publicKey"]["user"]["id"].as_str().expect("id");
    assert!(handle.len() >= 22 && !handle.contains("admin"));

    let forged = r#"{"name":"x","credential":{"id":"AA","rawId":"AA","type":"public-key",
        "response":{"attestationObject":"AA","clientDataJSON":"AA"}}}"#;
    let r = b
        .post_json("/account/passkeys/finish", &csrf, &origin, json, forged)
        .await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.body.contains("not valid"), "{}", r.body);
    // The challenge was used up by that answer.
    let r = b
        .post_json("/account/passkeys/finish", &csrf, &origin, json, forged)
        .await;
    assert_eq!(r.status, 400);
    assert!(r.body.contains("expired or was already used"), "{}", r.body);
    let r = b
        .post_json(
            "/account/passkeys/finish",
            &csrf,
            &origin,
            json,
            r#"{"name":"","credential":{}}"#,
        )
        .await;
    assert!(r.body.contains("Give the key a name"), "{}", r.body);

    // Sign-in ceremonies need a session waiting for its second factor.
    let mut anonymous = Browser::new(&d);
    let r = anonymous
        .post_json("/login/passkey/begin", "", &origin, json, "{}")
        .await;
    assert_eq!((r.status, r.location.as_deref()), (303, Some("/login")));
    // Step-up with a passkey needs one registered.
    let r = b
        .post_json("/reauth/passkey/begin", &csrf, &origin, json, "{}")
        .await;
    assert!(r.body.contains("No passkey is registered"), "{}", r.body);

    // Managing keys needs a recent password.
    a.pg.psql(
        "custodian",
        "UPDATE user_session SET authenticated_at = now() - interval '1 hour'",
    )
    .expect("age the session");
    let r = b.get("/account/passkeys").await;
    assert_eq!(
        r.location.as_deref(),
        Some("/reauth?next=/account/passkeys")
    );
    let r = b
        .post_json("/account/passkeys/begin", &csrf, &origin, json, "{}")
        .await;
    assert_eq!(
        r.location.as_deref(),
        Some("/reauth?next=/account/passkeys")
    );
    // The script is served from this origin, as JavaScript, and nothing
    // inline is needed (the CSP is unchanged).
    let js = b.get("/static/passkeys.js").await;
    assert_eq!(js.status, 200);
    assert!(js.body.contains("navigator.credentials.create"));
}

#[tokio::test]
async fn hardware_key_policy_refuses_totp_once_a_hardware_key_exists() {
    let a = Appliance::start(&[]).expect("appliance");
    let codes = {
        let d = daemon(a.daemon_config("", "login-attempts-per-5-minutes = 1000"));
        set_up(&d).await;
        let mut b = Browser::new(&d);
        b.login("admin", PASSWORD).await;
        enrol_totp(&mut b).await;
        let page = b.get("/account/recovery-codes").await;
        let generated = b
            .post("/account/recovery-codes", &[("csrf", &page.csrf())])
            .await;
        all_secrets(&generated)
    };
    // The policy is switched on; the administrator has TOTP only.
    let mut cfg = a.daemon_config("", "login-attempts-per-5-minutes = 1000");
    cfg.extra_toml = "\n[identity]\nrequire-hardware-key = [\"admin\"]\n".into();
    let d = daemon(cfg);
    let key =
        a.pg.psql("custodian", "SELECT totp_secret IS NOT NULL FROM app_user")
            .expect("q");
    assert_eq!(key, "t");
    let mut b = Browser::new(&d);
    b.login("admin", PASSWORD).await;
    // Without a hardware key yet, the second step still takes what the
    // account has (here a recovery code).
    let r = second_step(&mut b, &codes[0]).await;
    assert_eq!(r.location.as_deref(), Some("/"), "{}", r.body);
    // Without a hardware key, the session can only register one.
    assert_eq!(
        b.get("/").await.location.as_deref(),
        Some("/account/passkeys")
    );
    assert_eq!(
        b.get("/admin/users").await.location.as_deref(),
        Some("/account/passkeys")
    );
    assert_eq!(
        b.get("/account/totp").await.location.as_deref(),
        Some("/account/passkeys")
    );
    let page = b.get("/account/passkeys").await;
    assert!(
        page.body.contains("requires a hardware security key"),
        "{}",
        page.body
    );
    // A synced passkey does not count; a hardware key does.
    let insert = |hardware: bool| {
        a.pg.psql(
            "custodian",
            &format!(
                "DELETE FROM webauthn_credential; INSERT INTO webauthn_credential (user_id, name, credential_id, credential, hardware) \
                 SELECT id, 'key', '\\x01', '{{}}', {hardware} FROM app_user WHERE username = 'admin'"
            ),
        )
        .expect("insert key")
    };
    insert(false);
    assert_eq!(
        b.get("/").await.location.as_deref(),
        Some("/account/passkeys")
    );
    insert(true);
    assert_eq!(b.get("/").await.status, 200);
    sign_out(&mut b).await;
    // With a hardware key registered, TOTP no longer passes the second
    // step (whatever the code); a recovery code still does.
    b.login("admin", PASSWORD).await;
    let r = second_step(&mut b, "123456").await;
    assert_eq!(r.status, 401);
    assert!(
        r.body.contains("requires your hardware security key"),
        "{}",
        r.body
    );
    let r = second_step(&mut b, &codes[1]).await;
    assert_eq!(r.location.as_deref(), Some("/"), "{}", r.body);
}

#[tokio::test]
async fn security_events_reach_the_people_concerned() {
    let a = Appliance::start(&[]).expect("appliance");
    let d = daemon(password_only(&a, "", "login-attempts-per-5-minutes = 1000"));
    set_up(&d).await;
    let mut admin = Browser::new(&d);
    admin.login("admin", PASSWORD).await;
    let carol_password = "amber lantern drifting softly";
    let _first = new_user(&d, &mut admin, "carol", carol_password).await;
    assert_eq!(
        notifications_of(&a, "carol"),
        "",
        "the first device is not news"
    );

    // Same browser again: nothing. Another browser: a notification.
    let mut again = Browser::new(&d);
    assert_eq!(again.login("carol", carol_password).await.status, 303);
    assert_eq!(notifications_of(&a, "carol"), "");
    let mut other = Browser::with_user_agent(&d, "Unfamiliar Browser/1.0");
    assert_eq!(other.login("carol", carol_password).await.status, 303);
    let notes = notifications_of(&a, "carol");
    assert!(
        notes.contains("New sign-in from 127.0.0.1 with Unfamiliar Browser/1.0"),
        "{notes}"
    );
    let home = other.get("/").await;
    assert!(
        home.body.contains("1 new security notification"),
        "{}",
        home.body
    );
    let list = other.get("/account/notifications").await;
    assert!(list.body.contains("Unfamiliar Browser/1.0"));
    other
        .post("/account/notifications", &[("csrf", &list.csrf())])
        .await;
    assert!(!other
        .get("/")
        .await
        .body
        .contains("new security notification"));

    // A lockout is told to the account and to the administrators.
    let mut attacker = Browser::new(&d);
    for _ in 0..5 {
        attacker.login("carol", "not her password at all").await;
    }
    let wait = std::time::Instant::now();
    while !notifications_of(&a, "carol").contains("was locked") {
        assert!(wait.elapsed().as_secs() < 10, "no lockout notification");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(notifications_of(&a, "admin").contains("The account carol was locked"));
    state_change(&mut admin, "unlock", "carol").await;

    // A role change ends the account's sessions and is told to both sides.
    let r = state_change(&mut admin, "role-moderator", "carol").await;
    assert_eq!(r.location.as_deref(), Some("/admin/users"), "{}", r.body);
    assert!(!other.get("/").await.body.contains("Signed in as"));
    assert_eq!(
        a.pg.psql(
            "custodian",
            "SELECT role FROM app_user WHERE username = 'carol'"
        )
        .expect("role"),
        "moderator"
    );
    assert!(notifications_of(&a, "carol").contains("Your role was changed to moderator by admin"));
    assert!(notifications_of(&a, "admin").contains("carol: their role was changed to moderator"));
    let r = state_change(&mut admin, "role-analyst", "admin").await;
    assert_eq!(
        r.status, 400,
        "an administrator cannot change their own role"
    );
    let r = state_change(&mut admin, "role-superuser", "carol").await;
    assert_eq!(r.status, 400, "unknown roles are refused");
    assert!(audit(&a, "account.role_changed") == 1);
}
