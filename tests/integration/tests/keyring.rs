//! The KV v2 keyring and transit, used with custodiand's own AppRole (so
//! its policy is exercised too) against a real OpenBao.

mod common;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::daemon;
use custodian_harness::{DaemonConfig, OpenBao, VaultFixture};
use custodian_vault::approle::AppRole;
use custodian_vault::keyring::Keyring;
use custodian_vault::{transit, Client, ClientConfig, SecretIdSource, Session};
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;

async fn session(bao: &OpenBao, fx: &VaultFixture) -> Arc<Session> {
    let client = Client::new(&ClientConfig {
        address: bao.url(),
        ca_pem: None,
        timeout: Duration::from_secs(5),
    })
    .expect("client");
    let secret = std::fs::read_to_string(&fx.secret_id_file).expect("sid");
    Session::start(
        client,
        AppRole {
            mount: "approle".into(),
            role_name: "custodiand".into(),
            role_id: fx.role_id.clone(),
            secret_id: SecretIdSource::Plain(SecretString::from(secret.trim().to_owned())),
        },
    )
    .await
    .expect("login as custodiand")
}

fn rotate(bao: &OpenBao) -> u64 {
    let out =
        std::process::Command::new(custodian_harness::vault::custodianctl_bin().expect("ctl"))
            .args(["vault", "rotate-keyring"])
            .env("VAULT_ADDR", bao.url())
            .env("VAULT_TOKEN", &bao.root_token)
            .output()
            .expect("run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    // After it: what became of the key escrow (none in these tests).
    assert!(err.contains("no sealed key escrow at"), "{err}");
    err.lines()
        .find_map(|l| l.strip_prefix("wrote keyring version "))
        .and_then(|v| v.trim().parse().ok())
        .expect("version")
}

#[tokio::test]
async fn newest_version_signs_previous_verifies_and_destroyed_is_revoked() {
    let bao = OpenBao::start().expect("bao");
    let fx = VaultFixture::provision(&bao, &[]).expect("provision");
    let s = session(&bao, &fx).await;
    let ring = Keyring::load(s.client().clone(), "kv", "custodian/keyring", 1)
        .await
        .expect("load");
    assert_eq!(ring.newest_version().await, Some(1));
    let t1 = ring.sign("token-hmac", b"session-42").await.expect("sign");
    assert!(t1.starts_with("v1."));
    assert!(ring.verify("token-hmac", b"session-42", &t1).await);
    assert!(
        !ring.verify("token-hmac", b"session-43", &t1).await,
        "message bound"
    );
    assert!(
        !ring.verify("password-pepper", b"session-42", &t1).await,
        "field bound"
    );

    assert_eq!(rotate(&bao), 2);
    ring.refresh().await.expect("refresh");
    let t2 = ring.sign("token-hmac", b"session-42").await.expect("sign");
    assert!(t2.starts_with("v2."), "{t2}");
    assert!(
        ring.verify("token-hmac", b"session-42", &t1).await,
        "previous version still accepted"
    );

    assert_eq!(rotate(&bao), 3);
    ring.refresh().await.expect("refresh");
    assert!(
        !ring.verify("token-hmac", b"session-42", &t1).await,
        "two versions back is no longer accepted"
    );
    assert!(ring.verify("token-hmac", b"session-42", &t2).await);

    // A compromised version is destroyed in Vault: it stops verifying.
    bao.must(
        "POST",
        "/v1/kv/destroy/custodian/keyring",
        Some(&json!({"versions": [2]})),
    )
    .expect("destroy");
    ring.refresh().await.expect("refresh");
    assert!(
        !ring.verify("token-hmac", b"session-42", &t2).await,
        "destroyed version still accepted"
    );
    // Forged and malformed tokens.
    for bad in [
        "",
        "v3",
        "v3.",
        "v3.AAAA",
        "x3.abc",
        "v999.abc",
        &t2.replace("v2.", "v3."),
    ] {
        assert!(
            !ring.verify("token-hmac", b"session-42", bad).await,
            "{bad:?}"
        );
    }
}

#[tokio::test]
async fn rotation_under_continuous_use_fails_nothing() {
    let bao = OpenBao::start().expect("bao");
    let fx = VaultFixture::provision(&bao, &[]).expect("provision");
    let s = session(&bao, &fx).await;
    let ring = Keyring::load(s.client().clone(), "kv", "custodian/keyring", 1)
        .await
        .expect("load");
    let poller =
        tokio::spawn(Arc::clone(&ring).maintain(Duration::from_millis(300), Arc::new(|_| {})));
    let (ok, failed) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let deadline = Instant::now() + Duration::from_secs(6);
    let mut workers = Vec::new();
    for w in 0..4 {
        let (ring, ok, failed) = (Arc::clone(&ring), Arc::clone(&ok), Arc::clone(&failed));
        workers.push(tokio::spawn(async move {
            let mut i = 0u64;
            while Instant::now() < deadline {
                let msg = format!("{w}-{i}");
                let token = ring.sign("token-hmac", msg.as_bytes()).await.expect("sign");
                // A token is used a moment after it was issued.
                tokio::time::sleep(Duration::from_millis(5)).await;
                if ring.verify("token-hmac", msg.as_bytes(), &token).await {
                    ok.fetch_add(1, Ordering::Relaxed);
                } else {
                    failed.fetch_add(1, Ordering::Relaxed);
                }
                i += 1;
            }
        }));
    }
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_millis(1500)).await;
        rotate(&bao);
    }
    for w in workers {
        w.await.expect("worker");
    }
    poller.abort();
    assert_eq!(failed.load(Ordering::Relaxed), 0);
    assert!(ok.load(Ordering::Relaxed) > 200);
    assert_eq!(
        ring.newest_version().await,
        Some(4),
        "rotations picked up by polling"
    );
}

#[tokio::test]
async fn custodiand_picks_up_a_new_keyring_version_within_its_poll_interval() {
    let bao = OpenBao::start().expect("bao");
    let fx = VaultFixture::provision(&bao, &[]).expect("provision");
    let d = daemon(DaemonConfig {
        dev_pem_flag: false,
        vault_toml: Some(format!("{}\nkeyring-poll-secs = 1", fx.vault_toml())),
        tls_toml: Some("source = \"vault-pki\"\ncommon-name = \"localhost\"".into()),
        client_ca_pem: Some(fx.ca_pem.clone()),
        ..DaemonConfig::default()
    });
    assert!(d.log().contains("keyring loaded"), "{}", d.log());
    rotate(&bao);
    assert!(
        d.wait_log("keyring version 2 now signs", Duration::from_secs(10)),
        "{}",
        d.log()
    );
}

#[tokio::test]
async fn transit_encrypts_fields_and_survives_key_rotation() {
    let bao = OpenBao::start().expect("bao");
    let fx = VaultFixture::provision(&bao, &[]).expect("provision");
    let s = session(&bao, &fx).await;
    let c = s.client();
    let old = transit::encrypt(c, "transit", "custodian-fields", b"JBSWY3DPEHPK3PXP")
        .await
        .expect("encrypt");
    assert!(old.starts_with("vault:v1:"), "{old}");
    assert!(!old.contains("JBSWY3DPEHPK3PXP"));
    bao.must("POST", "/v1/transit/keys/custodian-fields/rotate", None)
        .expect("rotate");
    let new = transit::encrypt(c, "transit", "custodian-fields", b"JBSWY3DPEHPK3PXP")
        .await
        .expect("encrypt");
    assert!(new.starts_with("vault:v2:"), "{new}");
    for ct in [&old, &new] {
        let pt = transit::decrypt(c, "transit", "custodian-fields", ct)
            .await
            .expect("decrypt");
        assert_eq!(pt.expose_secret(), b"JBSWY3DPEHPK3PXP");
    }
    // custodiand may use the key, not manage it.
    let token_denied = c
        .post("transit/keys/custodian-fields/rotate", &json!({}))
        .await;
    assert!(
        matches!(
            token_denied,
            Err(custodian_vault::VaultError::Denied { .. })
        ),
        "{token_denied:?}"
    );
}
