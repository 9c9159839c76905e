//! Every key from Vault: AppRole login, TLS from PKI and from KV, rotation
//! under load, refusals at start, and an outage survived on cached secrets.
//! All against a real OpenBao dev server provisioned by custodianctl.

mod common;

use std::time::{Duration, Instant};

use common::{daemon, load_until, served_cert};
use custodian_harness::{Daemon, DaemonConfig, OpenBao, VaultFixture};
use serde_json::json;

fn pki_daemon(bao_fixture: &VaultFixture, ttl_secs: u64, limits: &str) -> DaemonConfig {
    DaemonConfig {
        dev_pem_flag: false,
        vault_toml: Some(bao_fixture.vault_toml()),
        tls_toml: Some(format!(
            "source = \"vault-pki\"\ncommon-name = \"localhost\"\nip-sans = [\"127.0.0.1\"]\nttl-secs = {ttl_secs}"
        )),
        client_ca_pem: Some(bao_fixture.ca_pem.clone()),
        limits: limits.into(),
        ..DaemonConfig::default()
    }
}

#[test]
fn provisioning_is_idempotent_and_least_privilege() {
    let bao = OpenBao::start().expect("bao");
    let first = VaultFixture::provision(&bao, &[]).expect("provision");
    assert!(
        first.report.contains("enabled secrets engine pki/"),
        "{}",
        first.report
    );
    let again = VaultFixture::provision(&bao, &[]).expect("provision again");
    assert_eq!(again.role_id, first.role_id);
    for line in ["enabled", "generated", "created"] {
        assert!(
            !again.report.contains(line),
            "second run changed things: {}",
            again.report
        );
    }
    // Log in as custodiand would and probe the policy from the inside.
    let secret_id = std::fs::read_to_string(&first.secret_id_file).expect("secret-id");
    let (status, login) = bao
        .api_with_token(
            None,
            "POST",
            "/v1/auth/approle/login",
            Some(&json!({"role_id": first.role_id, "secret_id": secret_id})),
        )
        .expect("login");
    assert_eq!(status, 200, "{login}");
    let token = login["auth"]["client_token"]
        .as_str()
        .expect("token")
        .to_owned();
    let as_daemon = |method: &str, path: &str, body: serde_json::Value| {
        bao.api_with_token(Some(&token), method, path, Some(&body))
            .expect("call")
            .0
    };
    let csr_free_sign = as_daemon(
        "POST",
        "/v1/pki/issue/custodiand",
        json!({"common_name": "localhost"}),
    );
    assert_eq!(
        csr_free_sign, 403,
        "pki/issue (Vault-made keys) must not be allowed"
    );
    assert_eq!(
        as_daemon(
            "POST",
            "/v1/transit/encrypt/custodian-fields",
            json!({"plaintext": "aGk="})
        ),
        200
    );
    for (method, path) in [
        ("GET", "/v1/sys/mounts"),
        ("GET", "/v1/kv/data/other/secret"),
        ("POST", "/v1/auth/token/create"),
        ("POST", "/v1/pki/root/generate/internal"),
        ("PUT", "/v1/sys/policies/acl/custodiand"),
        ("POST", "/v1/transit/keys/custodian-fields/rotate"),
        ("GET", "/v1/database/creds/custodian-owner"),
        ("POST", "/v1/auth/approle/role/custodiand/secret-id"),
    ] {
        assert_eq!(
            as_daemon(method, path, json!({})),
            403,
            "{method} {path} must be denied"
        );
    }
}

#[tokio::test]
async fn pki_certificate_rotates_under_load_with_no_failed_request() {
    let bao = OpenBao::start().expect("bao");
    let fx = VaultFixture::provision(&bao, &[]).expect("provision");
    let d = daemon(pki_daemon(&fx, 15, ""));
    let first = served_cert(&d).await;

    // A connection opened before any rotation, used every few seconds.
    let mut long = common::tls_from(&d, [127, 0, 0, 1].into())
        .await
        .expect("long-lived");
    let long_cert = long.get_ref().1.peer_certificates().expect("cert")[0].to_vec();

    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let load = load_until(&d, stop_rx);
    let watch = async {
        let mut seen = vec![first.clone()];
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(24) {
            tokio::time::sleep(Duration::from_secs(3)).await;
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            long.write_all(b"GET /robots.txt HTTP/1.1\r\nHost: localhost\r\n\r\n")
                .await
                .expect("long write");
            let mut buf = [0u8; 2048];
            let n = long.read(&mut buf).await.expect("long read");
            assert!(
                String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"),
                "old connection broke"
            );
            let now = served_cert(&d).await;
            if !seen.contains(&now) {
                seen.push(now);
            }
        }
        let _ = stop_tx.send(true);
        seen
    };
    let ((ok, failed), seen) = tokio::join!(load, watch);
    assert!(
        failed.is_empty(),
        "{} failed requests during rotation, e.g. {:?}\n{}",
        failed.len(),
        &failed[..failed.len().min(3)],
        d.log()
    );
    assert!(ok > 100, "too little load to prove anything: {ok}");
    assert!(seen.len() >= 2, "certificate never rotated:\n{}", d.log());
    assert_eq!(
        long.get_ref().1.peer_certificates().expect("cert")[0].to_vec(),
        long_cert
    );
    assert!(d.log().contains("TLS certificate replaced"));
}

#[tokio::test]
async fn kv_certificate_is_picked_up_within_the_poll_interval() {
    let bao = OpenBao::start().expect("bao");
    let fx = VaultFixture::provision(&bao, &[]).expect("provision");
    let outside_ca = custodian_harness::TestPki::new().expect("pki");
    let write = |cert: &str, key: &str| {
        bao.must(
            "POST",
            "/v1/kv/data/custodian/tls",
            Some(&json!({"data": {"certificate": cert, "private_key": key}})),
        )
        .expect("write kv")
    };
    write(&outside_ca.cert_pem, &outside_ca.key_pem);
    let d = daemon(DaemonConfig {
        dev_pem_flag: false,
        vault_toml: Some(fx.vault_toml()),
        tls_toml: Some("source = \"vault-kv\"\npath = \"custodian/tls\"\npoll-secs = 1".into()),
        client_ca_pem: Some(outside_ca.ca_pem.clone()),
        ..DaemonConfig::default()
    });
    let v1 = custodian_harness::daemon::pem_to_der(&outside_ca.cert_pem).expect("der");
    assert_eq!(served_cert(&d).await, v1);

    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let (cert2, key2) = outside_ca.new_leaf().expect("leaf");
    let v2 = custodian_harness::daemon::pem_to_der(&cert2).expect("der");
    let rotate = async {
        write(&cert2, &key2);
        let start = Instant::now();
        let mut switched = None;
        while start.elapsed() < Duration::from_secs(10) {
            if served_cert(&d).await == v2 {
                switched = Some(start.elapsed());
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        // A bad version (key of another certificate) must not replace it.
        write(&cert2, &outside_ca.key_pem);
        tokio::time::sleep(Duration::from_secs(3)).await;
        let _ = stop_tx.send(true);
        switched
    };
    let ((ok, failed), switched) = tokio::join!(load_until(&d, stop_rx), rotate);
    assert!(
        switched.is_some(),
        "new KV version not served within 10 s:\n{}",
        d.log()
    );
    assert!(
        failed.is_empty(),
        "failed requests: {:?}",
        &failed[..failed.len().min(3)]
    );
    assert!(ok > 50);
    assert_eq!(
        served_cert(&d).await,
        v2,
        "a mismatched key pair replaced the certificate"
    );
    let ready = common::readyz(&d);
    assert_eq!(ready["status"], "degraded", "{ready}");
    assert!(
        ready["problems"]["tls-certificate"]
            .as_str()
            .unwrap_or("")
            .contains("does not match"),
        "{ready}"
    );
}

#[test]
fn wrapped_secret_id_works_once_and_is_refused_after() {
    let bao = OpenBao::start().expect("bao");
    let fx = VaultFixture::provision(&bao, &[]).expect("provision");
    let wrapped = fx
        .issue_secret_id(&bao, "wrapped", Some(120))
        .expect("wrapped");
    let toml = format!(
        "address = \"{}\"\nrole-id = \"{}\"\nsecret-id-file = \"{}\"\nsecret-id-wrapped = true",
        fx.address,
        fx.role_id,
        wrapped.display()
    );
    let cfg = DaemonConfig {
        vault_toml: Some(toml),
        ..pki_daemon(&fx, 3600, "")
    };
    let d = daemon(cfg.clone());
    assert!(d.log().contains("logged in to Vault"), "{}", d.log());
    let out = Daemon::run_to_exit(cfg, |t| t, &[]).expect("second start");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("already unwrapped") && err.contains("someone else"),
        "{err}"
    );
}

#[test]
fn start_is_refused_with_the_path_and_the_fix() {
    let bao = OpenBao::start().expect("bao");
    let fx = VaultFixture::provision(&bao, &[]).expect("provision");
    // Vault not reachable.
    let dead = format!(
        "http://127.0.0.1:{}",
        custodian_harness::free_port().expect("port")
    );
    let cfg = DaemonConfig {
        vault_toml: Some(fx.vault_toml().replace(&fx.address, &dead)),
        ..pki_daemon(&fx, 3600, "")
    };
    let out = Daemon::run_to_exit(cfg, |t| t, &[]).expect("run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("cannot reach Vault") && err.contains(&dead),
        "{err}"
    );
    // A path the policy does not grant.
    let cfg = pki_daemon(&fx, 3600, "");
    let out = Daemon::run_to_exit(
        cfg,
        |t| {
            t.replace(
                "common-name = \"localhost\"",
                "role = \"other\"\ncommon-name = \"localhost\"",
            )
        },
        &[],
    )
    .expect("run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success()
            && err.contains("denied")
            && err.contains("pki/sign/other")
            && err.contains("policy"),
        "{err}"
    );
    // A wrong secret_id.
    std::fs::write(&fx.secret_id_file, "00000000-0000-0000-0000-000000000000").expect("write");
    let out = Daemon::run_to_exit(pki_daemon(&fx, 3600, ""), |t| t, &[]).expect("run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("auth/approle/login"),
        "{err}"
    );
    // A secret_id file others can read.
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&fx.secret_id_file, std::fs::Permissions::from_mode(0o644))
        .expect("chmod");
    let out = Daemon::run_to_exit(pki_daemon(&fx, 3600, ""), |t| t, &[]).expect("run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("chmod 600"), "{err}");
}

#[test]
fn revoked_token_leads_to_a_new_login_without_restart() {
    let bao = OpenBao::start().expect("bao");
    let fx = VaultFixture::provision(&bao, &["--token-period-secs", "6"]).expect("provision");
    let d = daemon(pki_daemon(&fx, 20, ""));
    // Revoke every token custodiand holds, as a security team would after
    // an incident.
    let accessors = bao
        .must("GET", "/v1/auth/token/accessors?list=true", None)
        .expect("list");
    let mut revoked = 0;
    for a in accessors["data"]["keys"].as_array().expect("keys") {
        let info = bao
            .must(
                "POST",
                "/v1/auth/token/lookup-accessor",
                Some(&json!({"accessor": a})),
            )
            .expect("lookup");
        if info["data"]["policies"]
            .as_array()
            .is_some_and(|p| p.iter().any(|x| x == "custodiand"))
        {
            bao.must(
                "POST",
                "/v1/auth/token/revoke-accessor",
                Some(&json!({"accessor": a})),
            )
            .expect("revoke");
            revoked += 1;
        }
    }
    assert_eq!(revoked, 1, "custodiand should hold exactly one token");
    assert!(
        d.wait_log("logged in to Vault again", Duration::from_secs(20)),
        "no re-login:\n{}",
        d.log()
    );
    let log_at_relogin = d.log().len();
    // The certificate (due at ~13 s) is still renewed with the new token.
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(20)
        && !d.log()[log_at_relogin..].contains("TLS certificate replaced")
    {
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(
        d.log()[log_at_relogin..].contains("TLS certificate replaced"),
        "{}",
        d.log()
    );
}

#[test]
fn no_vault_secret_reaches_the_log() {
    let bao = OpenBao::start().expect("bao");
    let fx = VaultFixture::provision(&bao, &[]).expect("provision");
    let d = daemon(pki_daemon(&fx, 12, ""));
    assert!(
        d.wait_log("TLS certificate replaced", Duration::from_secs(20)),
        "{}",
        d.log()
    );
    let log = d.log();
    let secret_id = std::fs::read_to_string(&fx.secret_id_file).expect("sid");
    assert!(!log.contains(secret_id.trim()), "secret_id in the log");
    assert!(!log.contains(&bao.root_token));
    assert!(
        !log.contains("PRIVATE KEY") && !log.contains("client_token"),
        "{log}"
    );
    // OpenBao service tokens look like "s." followed by 24 characters.
    let token_like = log
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '.'))
        .any(|w| (w.starts_with("s.") || w.starts_with("hvs.")) && w.len() >= 26);
    assert!(!token_like, "a token-like string is in the log:\n{log}");
}

#[tokio::test]
async fn vault_over_tls_is_reached_only_through_the_pinned_ca() {
    let bao = OpenBao::start_tls().expect("bao with TLS");
    let fx = VaultFixture::provision(&bao, &[]).expect("provision over TLS");
    let d = daemon(pki_daemon(&fx, 3600, ""));
    assert!(d.log().contains("logged in to Vault"), "{}", d.log());
    drop(d);
    // Another CA pinned: refused, and VAULT_SKIP_VERIFY changes nothing.
    let other = custodian_harness::TestPki::new().expect("pki");
    let other_ca = std::env::temp_dir().join(format!("other-ca-{}.pem", std::process::id()));
    std::fs::write(&other_ca, &other.ca_pem).expect("write");
    let vault_ca = fx.vault_ca.clone().expect("vault ca");
    let mut cfg = pki_daemon(&fx, 3600, "");
    cfg.vault_toml = Some(fx.vault_toml().replace(
        &vault_ca.display().to_string(),
        &other_ca.display().to_string(),
    ));
    cfg.env = vec![
        ("VAULT_SKIP_VERIFY".into(), "1".into()),
        ("SSL_CERT_FILE".into(), vault_ca.display().to_string()),
    ];
    let out = Daemon::run_to_exit(cfg.clone(), |t| t, &[]).expect("run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success()
            && err.contains("cannot reach Vault")
            && err.to_lowercase().contains("certificate"),
        "{err}"
    );
    // No CA at all for an https address: a configuration error, not a
    // fallback to the system roots.
    cfg.vault_toml = Some(
        fx.vault_toml()
            .replace(&format!("\nca-cert = \"{}\"", vault_ca.display()), ""),
    );
    let out = Daemon::run_to_exit(cfg, |t| t, &[]).expect("run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("vault.ca-cert is required"),
        "{err}"
    );
    let _ = std::fs::remove_file(other_ca);
}

#[test]
fn secret_id_comes_from_the_systemd_credentials_directory() {
    let bao = OpenBao::start().expect("bao");
    let fx = VaultFixture::provision(&bao, &[]).expect("provision");
    let creds = std::env::temp_dir().join(format!("custodian-creds-{}", std::process::id()));
    std::fs::create_dir_all(&creds).expect("mkdir");
    std::fs::copy(&fx.secret_id_file, creds.join("vault-secret-id")).expect("copy");
    let toml = fx.vault_toml().replace(
        &format!("secret-id-file = \"{}\"", fx.secret_id_file.display()),
        "secret-id-credential = \"vault-secret-id\"",
    );
    let mut cfg = pki_daemon(&fx, 3600, "");
    cfg.vault_toml = Some(toml);
    // Outside systemd there is no $CREDENTIALS_DIRECTORY: a clear refusal.
    let out = Daemon::run_to_exit(cfg.clone(), |t| t, &[]).expect("run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success()
            && err.contains("CREDENTIALS_DIRECTORY")
            && err.contains("LoadCredential"),
        "{err}"
    );
    cfg.env = vec![("CREDENTIALS_DIRECTORY".into(), creds.display().to_string())];
    let d = daemon(cfg);
    assert!(d.log().contains("logged in to Vault"), "{}", d.log());
    let _ = std::fs::remove_dir_all(creds);
}
