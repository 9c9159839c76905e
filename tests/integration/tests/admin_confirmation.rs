//! Four eyes on administrators themselves: an administrator made (or
//! raised) by one administrator has no administrator rights until a
//! different administrator confirms it; every administrator is told at
//! once; resetting an administrator's second factor waits the same way.

mod common;
use common::notifications_of;

use common::daemon;
use common::web::*;
use custodian_harness::Appliance;

const PW: &str = "granite orchard whispers twice";
const PW2: &str = "copper valley listens slowly";

fn sql(a: &Appliance, q: &str) -> String {
    a.pg.psql("custodian", q).expect("sql")
}

fn role_of(a: &Appliance, user: &str) -> String {
    sql(
        a,
        &format!("SELECT role FROM app_user WHERE username = '{user}'"),
    )
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
async fn a_second_administrator_needs_a_third_to_confirm_her() {
    let a = Appliance::start(&[]).expect("appliance");
    let mut cfg = password_only(&a, "", "login-attempts-per-5-minutes = 1000");
    cfg.storage_toml = Some("export-ttl-minutes = 60".into());
    let d = daemon(cfg);
    set_up(&d).await;
    let mut admin = Browser::new(&d);
    admin.login("admin", PASSWORD).await;

    // Carol, the second administrator, waits; admin cannot confirm her.
    let mut carol = new_user_as(&d, &mut admin, "carol", "admin", PW).await;
    assert_eq!(role_of(&a, "carol"), "readonly", "no rights yet");
    assert_eq!(carol.get("/admin/users").await.status, 403);
    let own = state_change(&mut admin, "confirm-admin", "carol").await;
    assert_eq!(own.status, 400);
    assert!(
        own.body.contains("A different administrator"),
        "{}",
        own.body
    );
    assert!(
        admin
            .get("/admin/users")
            .await
            .body
            .contains("Confirm administrator"),
        "the accounts page offers the confirmation"
    );
    assert_eq!(role_of(&a, "carol"), "readonly");
    // One's own row offers nothing the server refuses.
    let page = admin.get("/admin/users").await;
    assert!(page.body.contains("Your own account"), "{}", page.body);
    assert!(!page.body.contains("Actions for admin"), "{}", page.body);
    assert!(page.body.contains("Actions for carol"));
    // With one administrator, only the console confirms (policy/roles.md),
    // and the account's credentials are replaced there too.
    drop(carol);
    let mut carol = confirm_admin_at_console(&a, &d, "carol", PW).await;
    assert_eq!(role_of(&a, "carol"), "admin");
    assert_eq!(
        sql(
            &a,
            "SELECT actor || ' ' || (details->>'confirmed_at') FROM audit_log \
             WHERE action = 'account.role_changed' AND target = 'carol'"
        ),
        "console console"
    );
    assert!(notifications_of(&a, "admin")
        .contains("At the appliance's console, administrator rights for carol"));

    // Admin now makes a sock puppet, Bob, to approve her own export.
    let mut bob = new_user_as(&d, &mut admin, "bob", "admin", PW).await;
    for who in ["admin", "carol"] {
        assert!(
            notifications_of(&a, who)
                .contains("admin asked for administrator rights for the account bob"),
            "{who} was not told: {}",
            notifications_of(&a, who)
        );
    }
    let csrf = admin.get("/").await.csrf();
    let asked = admin
        .post(
            "/exports",
            &[
                ("csrf", &csrf),
                ("format", "json"),
                ("q", ""),
                ("status", ""),
                ("reason", "backup for the board"),
            ],
        )
        .await;
    assert_eq!(asked.status, 303, "{}", asked.body);
    let export = sql(&a, "SELECT id FROM export_request");
    assert_eq!(decide(&mut bob, &export, "approve").await.status, 403);
    assert_eq!(
        sql(&a, "SELECT status FROM export_request"),
        "requested",
        "an unconfirmed administrator approved"
    );
    // Nor can he confirm himself: the accounts page is not his.
    assert_eq!(bob.get("/admin/users").await.status, 403);

    // Carol confirms Bob (her own sign-in is recent: step-up holds). Admin
    // made Bob and so knew his first password: confirming hands him new
    // credentials through Carol, and what admin knew opens nothing.
    let confirmed = state_change(&mut carol, "confirm-admin", "bob").await;
    assert_eq!(confirmed.status, 200, "{}", confirmed.body);
    let from_carol = one_time_password(&confirmed);
    assert_eq!(role_of(&a, "bob"), "admin");
    assert_eq!(sql(&a, "SELECT count(*) FROM admin_confirmation"), "0");
    assert!(
        notifications_of(&a, "bob").contains("Sign in with the one-time password carol gives you")
    );
    // The role change ended Bob's sessions, and the old password is gone.
    assert!(!bob.get("/").await.body.contains("Signed in"));
    let mut old = Browser::new(&d);
    assert_ne!(
        old.login("bob", PW).await.location.as_deref(),
        Some("/"),
        "the password admin knew still opens bob's account"
    );
    let mut bob = sign_in_with_one_time_password(&d, "bob", &from_carol, PW2).await;
    assert_eq!(
        decide(&mut bob, &export, "approve")
            .await
            .location
            .as_deref(),
        Some("/exports")
    );
    assert_eq!(sql(&a, "SELECT status FROM export_request"), "approved");

    // Raising an existing account waits the same way.
    new_user_as(&d, &mut admin, "dave", "analyst", PW).await;
    let raised = state_change(&mut admin, "role-admin", "dave").await;
    assert_eq!(raised.location.as_deref(), Some("/admin/users"));
    assert_eq!(role_of(&a, "dave"), "analyst");
    assert!(notifications_of(&a, "bob")
        .contains("admin asked for administrator rights for the account dave"));
    // Another role decided meanwhile drops the waiting grant.
    state_change(&mut admin, "role-moderator", "dave").await;
    assert_eq!(role_of(&a, "dave"), "moderator");
    assert_eq!(
        state_change(&mut carol, "confirm-admin", "dave")
            .await
            .status,
        400
    );
    assert_eq!(role_of(&a, "dave"), "moderator");

    // Resetting an administrator's second factor waits for a second one.
    let before = audit(&a, "second_factor.reset");
    let asked = state_change(&mut admin, "reset-totp", "carol").await;
    assert_eq!(asked.location.as_deref(), Some("/admin/users"));
    assert_eq!(audit(&a, "second_factor.reset"), before, "applied at once");
    assert!(
        carol.get("/").await.body.contains("Signed in"),
        "sessions ended"
    );
    assert!(notifications_of(&a, "bob")
        .contains("admin asked for a reset of their second factors for the account carol"));
    assert_eq!(
        state_change(&mut admin, "confirm-reset-totp", "carol")
            .await
            .status,
        400
    );
    let done = state_change(&mut bob, "confirm-reset-totp", "carol").await;
    assert_eq!(
        done.location.as_deref(),
        Some("/admin/users"),
        "{}",
        done.body
    );
    assert_eq!(audit(&a, "second_factor.reset"), before + 1);
    assert!(!carol.get("/").await.body.contains("Signed in"));

    // An administrator's password waits the same way, and the one-time
    // password goes to the one who confirms, never to the one who asked.
    let mut carol = Browser::new(&d);
    carol.login("carol", PW).await;
    let list = admin.get("/admin/users").await;
    let asked = admin
        .post(
            "/admin/users/state",
            &[
                ("csrf", &list.csrf()),
                ("username", "carol"),
                ("action", "reset-password"),
                ("reason", "lost her laptop"),
            ],
        )
        .await;
    assert_eq!(
        asked.location.as_deref(),
        Some("/admin/users"),
        "{}",
        asked.body
    );
    assert!(
        carol.get("/").await.body.contains("Signed in"),
        "applied at once"
    );
    let page = admin.get("/admin/users").await;
    assert!(page
        .body
        .contains("password reset: waiting for a second administrator"));
    assert!(
        !page.body.contains("class=\"secret\""),
        "a password was shown to the asker"
    );
    assert!(notifications_of(&a, "bob")
        .contains("admin asked for a reset of their password for the account carol"));
    assert_eq!(
        state_change(&mut admin, "confirm-reset-password", "carol")
            .await
            .status,
        400
    );
    let done = state_change(&mut bob, "confirm-reset-password", "carol").await;
    assert_eq!(done.status, 200, "{}", done.body);
    let from_bob = one_time_password(&done);
    assert!(
        !carol.get("/").await.body.contains("Signed in"),
        "session kept"
    );
    let mut old = Browser::new(&d);
    assert_ne!(old.login("carol", PW).await.location.as_deref(), Some("/"));
    let mut carol = sign_in_with_one_time_password(&d, "carol", &from_bob, PW2).await;
    assert!(carol.get("/").await.body.contains("Signed in"));
    assert_eq!(
        sql(
            &a,
            "SELECT count(*) FROM audit_log WHERE action = 'account.confirmation_requested' \
             AND target = 'carol' AND details->'details'->>'reason' = 'lost her laptop'"
        ),
        "1"
    );

    // Reset first, raise after: admin resets frank's password (he is an
    // analyst, so she sees it), then asks for administrator rights for
    // him. The confirmation replaces what she knows.
    new_user_as(&d, &mut admin, "frank", "analyst", PW).await;
    let list = admin.get("/admin/users").await;
    let reset = admin
        .post(
            "/admin/users/state",
            &[
                ("csrf", &list.csrf()),
                ("username", "frank"),
                ("action", "reset-password"),
                ("reason", "asked by phone"),
            ],
        )
        .await;
    let known_to_admin = one_time_password(&reset);
    state_change(&mut admin, "role-admin", "frank").await;
    let confirmed = state_change(&mut carol, "confirm-admin", "frank").await;
    assert_eq!(confirmed.status, 200, "{}", confirmed.body);
    assert_eq!(role_of(&a, "frank"), "admin");
    let mut old = Browser::new(&d);
    assert_ne!(
        old.login("frank", &known_to_admin)
            .await
            .location
            .as_deref(),
        Some("/"),
        "the password admin reset still opens the new administrator's account"
    );
    sign_in_with_one_time_password(&d, "frank", &one_time_password(&confirmed), PW2).await;

    // Password reset by an administrator: a reason, a one-time password
    // shown once, the old password and every session gone, the owner told.
    // (The role changes above ended his session: he signs in again.)
    let mut dave = Browser::new(&d);
    dave.login("dave", PW).await;
    assert!(dave.get("/").await.body.contains("Signed in"));
    let list = admin.get("/admin/users").await;
    let no_reason = admin
        .post(
            "/admin/users/state",
            &[
                ("csrf", &list.csrf()),
                ("username", "dave"),
                ("action", "reset-password"),
                ("reason", " "),
            ],
        )
        .await;
    assert_eq!(no_reason.status, 400);
    assert!(
        no_reason.body.contains("Give a reason"),
        "{}",
        no_reason.body
    );
    let reset = admin
        .post(
            "/admin/users/state",
            &[
                ("csrf", &list.csrf()),
                ("username", "dave"),
                ("action", "reset-password"),
                ("reason", "forgot it, called the help desk"),
            ],
        )
        .await;
    assert_eq!(reset.status, 200, "{}", reset.body);
    let temporary = one_time_password(&reset);
    assert!(
        !dave.get("/").await.body.contains("Signed in"),
        "session kept"
    );
    let mut dave = Browser::new(&d);
    assert_ne!(
        dave.login("dave", PW).await.location.as_deref(),
        Some("/"),
        "the old password still works"
    );
    dave.login("dave", &temporary).await;
    assert_eq!(
        dave.get("/").await.location.as_deref(),
        Some("/account/password"),
        "must change the one-time password"
    );
    assert!(notifications_of(&a, "dave").contains("Your password was reset by admin"));
    assert_eq!(
        sql(
            &a,
            "SELECT count(*) FROM audit_log WHERE action = 'password.reset' AND target = 'dave' \
             AND details->>'reason' = 'forgot it, called the help desk'"
        ),
        "1"
    );
    assert_eq!(
        state_change(&mut admin, "reset-password", "admin")
            .await
            .status,
        400,
        "one's own password is changed on the account page"
    );

    // Notices naming an administrator are masked without view_usernames.
    new_user_as(&d, &mut admin, "erin", "analyst", PW).await;
    state_change(&mut admin, "role-readonly", "erin").await;
    let mut erin = Browser::new(&d);
    erin.login("erin", PW).await;
    let page = erin.get("/account/notifications").await;
    let admin_id = sql(&a, "SELECT id FROM app_user WHERE username = 'admin'");
    assert!(
        page.body.contains(&format!(
            "Your role was changed to readonly by user-{admin_id}."
        )),
        "{}",
        page.body
    );
    assert!(!page.body.contains("by admin"), "{}", page.body);

    // Forced change for one account, then for all (but one's own).
    let mut bob = Browser::new(&d);
    bob.login("bob", PW2).await;
    assert!(bob.get("/").await.body.contains("Signed in"));
    let forced = state_change(&mut admin, "force-password-change", "bob").await;
    assert_eq!(forced.location.as_deref(), Some("/admin/users"));
    assert!(!bob.get("/").await.body.contains("Signed in"));
    assert_eq!(
        sql(
            &a,
            "SELECT must_change_password FROM app_user WHERE username = 'bob'"
        ),
        "t"
    );
    // Every account at once only with the box ticked.
    let unticked = state_change(&mut admin, "force-password-change", "*").await;
    assert_eq!(unticked.status, 400);
    assert!(unticked.body.contains("Tick the box"), "{}", unticked.body);
    let list = admin.get("/admin/users").await;
    assert!(list.body.contains("every account but mine is signed out"));
    let all = admin
        .post(
            "/admin/users/state",
            &[
                ("csrf", &list.csrf()),
                ("username", "*"),
                ("action", "force-password-change"),
                ("confirm", "every-account"),
            ],
        )
        .await;
    assert_eq!(all.location.as_deref(), Some("/admin/users"));
    assert_eq!(
        sql(
            &a,
            "SELECT string_agg(username, ',' ORDER BY username) FROM app_user WHERE NOT must_change_password"
        ),
        "admin"
    );
    assert!(
        admin.get("/").await.body.contains("Signed in"),
        "own session ended"
    );
    assert_eq!(audit(&a, "password.reset_forced"), 2);
    assert!(notifications_of(&a, "carol").contains("asked you to choose a new password"));

    recovery_at_the_console(&a, &d).await;
}

/// The only way back when an administrator lost password and second
/// factor: root at the console with the owner's credentials issues a
/// recovery token for that account; it works once, for it only.
async fn recovery_at_the_console(a: &Appliance, d: &custodian_harness::Daemon) {
    // Not for anyone but root.
    let ctl = custodian_harness::vault::custodianctl_bin().expect("custodianctl");
    let out = std::process::Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(&ctl)
        .args([
            "account",
            "recover-admin",
            "--username",
            "admin",
            "--reason",
            "x",
        ])
        .args([
            "--address",
            "http://127.0.0.1:1",
            "--role-id",
            "r",
            "--secret-id-file",
            "/nonexistent",
        ])
        .output()
        .expect("setpriv");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("must run as root"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Only for administrators.
    let err = console_account(a, "recover-admin", "dave").expect_err("dave is no administrator");
    assert!(err.contains("not an administrator"), "{err}");

    let mut admin = Browser::new(d);
    admin.login("admin", PASSWORD).await;
    assert!(admin.get("/").await.body.contains("Signed in"));
    let token = console_account(a, "recover-admin", "admin").expect("recover-admin");
    assert_eq!(token.len(), 43, "{token}");
    assert!(
        !admin.get("/").await.body.contains("Signed in"),
        "session kept"
    );
    let mut old = Browser::new(d);
    assert_ne!(
        old.login("admin", PASSWORD).await.location.as_deref(),
        Some("/"),
        "the old password still works"
    );
    for who in ["carol", "bob"] {
        assert!(
            notifications_of(a, who)
                .contains("a recovery of the administrator account admin was issued"),
            "{who} was not told"
        );
    }
    assert_eq!(
        sql(
            a,
            "SELECT actor || ' ' || (details->>'reason') FROM audit_log WHERE action = 'account.recovery_issued'"
        ),
        "console asked at the console"
    );
    // The token: not for another account, not a wrong one, once only.
    const NEW: &str = "harbour lights over quiet water";
    for (who, tok) in [
        ("carol", token.as_str()),
        ("admin", "A".repeat(43).as_str()),
    ] {
        let r = recover_with_token(d, who, tok, NEW).await;
        assert_eq!(r.status, 403, "{who}: {}", r.body);
        assert!(
            r.body.contains("That recovery token is wrong"),
            "{}",
            r.body
        );
    }
    let r = recover_with_token(d, "admin", &token, NEW).await;
    assert_eq!(r.location.as_deref(), Some("/login"), "{}", r.body);
    assert_eq!(
        recover_with_token(d, "admin", &token, PW).await.status,
        403,
        "used twice"
    );
    let mut admin = Browser::new(d);
    admin.login("admin", NEW).await;
    assert!(admin.get("/").await.body.contains("Signed in"));
    assert!(notifications_of(a, "carol").contains("The administrator account admin was recovered"));
    // An hour, not more.
    let late = console_account(a, "recover-admin", "admin").expect("recover-admin");
    sql(
        a,
        "UPDATE setup_token SET expires_at = now() - interval '1 second' WHERE used_at IS NULL",
    );
    assert_eq!(
        recover_with_token(d, "admin", &late, NEW).await.status,
        403,
        "expired"
    );
    let again = console_account(a, "recover-admin", "admin").expect("recover-admin");
    let r = recover_with_token(d, "admin", &again, NEW).await;
    assert_eq!(r.location.as_deref(), Some("/login"), "{}", r.body);
    // A setup token it is not: /setup stays closed.
    assert_eq!(
        Browser::new(d).get("/setup").await.location.as_deref(),
        Some("/login")
    );
}
