//! Sign-in flows end to end in Debian's Chromium driven by playwright-core
//! (`tests/browser/e2e.mjs`), on https://localhost with a certificate from
//! the appliance's Vault PKI that the browser really trusts, passkeys
//! through Chromium's virtual authenticator. The script fails on any
//! Content-Security-Policy violation or script error; screenshots land in
//! the target directory for a look by eye (the main pages of the evidence
//! scenario also at 1440 and 390 px wide: `evidence-NAME-1440.png`).

mod common;

use common::daemon;
use common::web::setup_token;
use custodian_harness::browser::BrowserHome;
use custodian_harness::{Appliance, Daemon};

fn scenario(a: &Appliance, d: &Daemon, name: &str) {
    let home = BrowserHome::trusting(&a.vault.ca_pem).expect("browser home");
    let shots = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    let out = home
        .run_e2e(
            name,
            &format!("https://localhost:{}", d.port),
            &setup_token(d),
            &shots,
        )
        .expect("run the browser");
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(
        out.status.success() && stdout.contains(&format!("ok: {name}")),
        "{stdout}\n{stderr}\n--- daemon log ---\n{}",
        d.log()
    );
}

fn count(a: &Appliance, sql: &str) -> i64 {
    a.pg.psql("custodian", sql)
        .expect("query")
        .parse()
        .expect("number")
}

#[test]
fn setup_totp_passkey_step_up_and_logout_in_chromium() {
    let a = Appliance::start(&[]).expect("appliance");
    let d = daemon(a.daemon_config("", ""));
    scenario(&a, &d, "full");
    // What the browser did is what the appliance recorded.
    assert_eq!(
        count(
            &a,
            "SELECT count(*) FROM webauthn_credential WHERE name = 'Desk key' AND hardware AND last_used_at IS NOT NULL"
        ),
        1
    );
    for (action, at_least) in [
        ("setup.completed", 1),
        ("totp.enrolled", 1),
        ("passkey.added", 1),
        ("login.second_factor_passed", 1),
        ("reauth.succeeded", 1),
        ("logout", 2),
    ] {
        assert!(
            count(
                &a,
                &format!("SELECT count(*) FROM audit_log WHERE action = '{action}'")
            ) >= at_least,
            "{action}"
        );
    }
    assert_eq!(
        count(
            &a,
            "SELECT count(*) FROM audit_log WHERE action IN ('login.second_factor_passed', 'reauth.succeeded') \
             AND details->>'method' = 'passkey'"
        ),
        2
    );
    // The owner heard about the new second factors.
    assert_eq!(
        count(
            &a,
            "SELECT count(*) FROM notification WHERE kind IN ('totp.enrolled', 'passkey.added')"
        ),
        2
    );
}

#[test]
fn hardware_key_policy_refuses_synced_passkeys_in_chromium() {
    let a = Appliance::start(&[]).expect("appliance");
    let mut cfg = a.daemon_config("", "");
    cfg.extra_toml = "\n[identity]\nrequire-hardware-key = [\"admin\"]\n".into();
    let d = daemon(cfg);
    scenario(&a, &d, "hardware");
    assert_eq!(
        count(&a, "SELECT count(*) FROM webauthn_credential"),
        1,
        "only the hardware key is stored"
    );
    assert_eq!(
        count(
            &a,
            "SELECT count(*) FROM webauthn_credential WHERE name = 'YubiKey' AND hardware"
        ),
        1
    );
}

#[test]
fn evidence_pages_work_without_script_in_chromium() {
    let a = Appliance::start(&[]).expect("appliance");
    let mut cfg = a.daemon_config("", "");
    cfg.extra_toml = "\n[identity]\nrequire-second-factor = []\n".into();
    cfg.storage_toml = Some(String::new());
    let d = daemon(cfg);
    scenario(&a, &d, "evidence");
    assert_eq!(count(&a, "SELECT count(*) FROM media"), 1);
    assert_eq!(
        count(
            &a,
            "SELECT count(*) FROM bulletin WHERE description LIKE '%<script%'"
        ),
        0
    );
}
