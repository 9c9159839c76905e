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
    // A short grace period: the test stops the daemon at the end.
    let d = daemon(password_only(
        &a,
        "",
        "login-attempts-per-5-minutes = 1000\nshutdown-grace-secs = 2",
    ));
    // The day before anything is recorded, and two days on (UTC: the
    // administrator has chosen no time zone).
    let day = |offset: i32| {
        a.pg.psql(
            "custodian",
            &format!("SELECT ((now() AT TIME ZONE 'UTC')::date + {offset})::text"),
        )
        .expect("date")
        .trim()
        .to_owned()
    };
    let (today, later) = (day(0), day(2));
    let (mut admin, mut ana) = admin_and_analyst(&d).await;
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
    // Since a day: from its midnight on the reader's clock; each entry's
    // moment is shown on that clock with UTC on hover.
    let since = admin.get(&format!("/admin/activity?since={today}")).await;
    assert!(since.body.contains("login.succeeded"), "{}", since.body);
    assert!(since.body.contains("<time datetime=\""), "{}", since.body);
    let after = admin.get(&format!("/admin/activity?since={later}")).await;
    assert!(!after.body.contains("login.succeeded"), "{}", after.body);
    let by_ana = admin.get("/admin/activity?actor=ana").await;
    assert!(by_ana.body.contains("password.changed") && !by_ana.body.contains("setup.completed"));
    // Filters are text, never SQL or markup.
    for hostile in [
        "/admin/activity?action=%27%20OR%201%3D1--",
        "/admin/activity?actor=%25",
        "/admin/activity?target=%3Cscript%3E",
    ] {
        let r = admin.get(hostile).await;
        assert_eq!(r.status, 200, "{hostile}");
        assert!(!r.body.contains("<script>"), "{hostile}");
    }
    let r = admin.get("/admin/activity?actor=%25").await;
    assert!(!r.body.contains("login.succeeded"), "% is literal");
    // Input that cannot be a filter is the sender's mistake: a 400 that
    // names the field, never the 503 that a database error used to give.
    for (bad, field) in [
        ("/admin/activity?since=2026-01-01%27%3B--", "since"),
        ("/admin/activity?since=2026-02-31", "since"),
        ("/admin/activity?actor=a%00b", "actor"),
        ("/admin/activity?target=%07", "target"),
        ("/bulletins?q=x%00y", "q"),
    ] {
        let r = admin.get(bad).await;
        assert_eq!(r.status, 400, "{bad}: {}", r.body);
        assert!(
            r.body.contains(&format!("\u{201c}{field}\u{201d}")),
            "{bad} names {field}: {}",
            r.body
        );
    }
    let long = format!("/admin/activity?action={}", "a".repeat(101));
    let r = admin.get(&long).await;
    assert_eq!(r.status, 400);
    assert!(r.body.contains("at most 100"), "{}", r.body);
    let form = admin.get("/bulletins/new").await;
    let r = admin
        .post(
            "/bulletins",
            &[
                ("csrf", &form.csrf()),
                ("title", "a\0b"),
                ("description", ""),
            ],
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(
        r.body.contains("\u{201c}title\u{201d}") && r.body.contains("NUL"),
        "{}",
        r.body
    );
    assert_eq!(
        audit(&a, "bulletin.created"),
        0,
        "nothing stored from a refused form"
    );

    // CSP reports are anonymous: they go to the journal, never into the
    // hash-chained activity log, whatever target text they carry.
    let http = common::client(&d);
    let mut accepted = 0;
    for i in 0..20 {
        let r = http
            .post(format!("https://localhost:{}/csp-report", d.addr().port()))
            .header("content-type", "application/csp-report")
            .body(format!(r#"{{"csp-report":{{"violated-directive":"script-src","blocked-uri":"https://evil.example/{i}"}}}}"#))
            .send()
            .await
            .expect("csp report");
        match r.status().as_u16() {
            204 => accepted += 1,
            429 => {}
            other => panic!("csp report answered {other}"),
        }
    }
    assert!(accepted > 0, "some reports were taken");
    assert_eq!(
        audit(&a, "csp.violation"),
        0,
        "no activity-log row from an anonymous report"
    );
    // Not for analysts; and only with a recent password.
    assert_eq!(ana.get("/admin/activity").await.status, 403);
    age_sign_in(&a, "admin");
    assert_eq!(
        admin.get("/admin/activity").await.location.as_deref(),
        Some("/reauth?next=/admin/activity")
    );
    assert!(audit(&a, "activity.viewed") >= 4);

    // In the journal, counted per minute (written at the latest when the
    // daemon stops): one line for the twenty, not a line per report.
    drop((admin, ana, stranger, http));
    d.signal(nix::sys::signal::Signal::SIGTERM)
        .expect("SIGTERM");
    assert!(
        d.wait_log(
            "custodiand::boot: stopped",
            std::time::Duration::from_secs(30)
        ),
        "{}",
        d.log()
    );
    let log = d.log();
    let lines: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("content security policy"))
        .collect();
    assert_eq!(lines.len(), 1, "{lines:#?}");
    assert!(
        lines[0].contains(&format!("reports={accepted}"))
            && lines[0].contains("https://evil.example"),
        "{}",
        lines[0]
    );
}
