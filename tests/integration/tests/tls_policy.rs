//! TLS versions, suites and the server's preference order, checked with
//! rustls and with OpenSSL's client as an outside peer.

mod common;

use std::process::{Command, Stdio};
use std::sync::Arc;

use common::{daemon, tcp_from};
use custodian_harness::{Daemon, DaemonConfig};
use rustls::crypto::ring::{cipher_suite, default_provider};
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::AsyncWriteExt;

fn s_client(d: &Daemon, args: &[&str]) -> (bool, String) {
    s_client_input(d, args, &[])
}

/// Runs `openssl s_client`, feeding `input` lines with pauses between them
/// (s_client reads commands such as `R` for renegotiate from stdin).
fn s_client_input(d: &Daemon, args: &[&str], input: &[&str]) -> (bool, String) {
    let mut child = Command::new("openssl")
        .args([
            "s_client",
            "-connect",
            &format!("127.0.0.1:{}", d.port),
            "-servername",
            "localhost",
        ])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("openssl s_client (apt-get install openssl)");
    if let Some(mut stdin) = child.stdin.take() {
        for line in input {
            std::thread::sleep(std::time::Duration::from_millis(500));
            let _ = std::io::Write::write_all(&mut stdin, line.as_bytes());
        }
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
    let out = child.wait_with_output().expect("wait");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let established = text.contains("Cipher is ") && !text.contains("Cipher is (NONE)");
    (established, text)
}

#[test]
fn old_protocols_and_non_aead_suites_are_refused() {
    let d = daemon(DaemonConfig::default());
    for args in [
        &["-tls1", "-cipher", "ALL:@SECLEVEL=0"][..],
        &["-tls1_1", "-cipher", "ALL:@SECLEVEL=0"][..],
        &[
            "-tls1_2",
            "-cipher",
            "ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA384:AES128-SHA",
        ][..],
        &["-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-SHA256"][..],
    ] {
        let (ok, text) = s_client(&d, args);
        assert!(!ok, "handshake should fail with {args:?}:\n{text}");
    }
}

#[test]
fn tls12_aead_and_tls13_are_accepted() {
    let d = daemon(DaemonConfig::default());
    let (ok, text) = s_client(&d, &["-tls1_2", "-cipher", "ECDHE-ECDSA-AES256-GCM-SHA384"]);
    assert!(ok, "{text}");
    let (ok, text) = s_client(&d, &["-tls1_3"]);
    assert!(ok && text.contains("TLSv1.3"), "{text}");
}

#[test]
fn renegotiation_is_refused() {
    let d = daemon(DaemonConfig {
        limits: "idle-timeout-secs = 2".into(),
        ..DaemonConfig::default()
    });
    // `R` asks OpenSSL to renegotiate; the server answers with a
    // no_renegotiation alert and never starts a new handshake, so the client
    // stalls and the request after it is never answered (until the idle
    // timeout closes the connection).
    let (_, text) = s_client_input(
        &d,
        &["-tls1_2", "-alpn", "http/1.1"],
        &[
            "R\n",
            "GET /robots.txt HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
        ],
    );
    assert!(text.contains("RENEGOTIATING"), "{text}");
    assert!(
        !text.contains("HTTP/1.1 200"),
        "served after a renegotiation: {text}"
    );
    // Control: without `R` the same request is answered.
    let (_, text) = s_client_input(
        &d,
        &["-tls1_2", "-alpn", "http/1.1"],
        &["GET /robots.txt HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"],
    );
    assert!(text.contains("HTTP/1.1 200"), "{text}");
}

#[tokio::test]
async fn server_chooses_the_suite_order() {
    let d = daemon(DaemonConfig::default());
    let mut provider = default_provider();
    // The client prefers AES-128; the server's order puts AES-256 first.
    provider.cipher_suites = vec![
        cipher_suite::TLS13_AES_128_GCM_SHA256,
        cipher_suite::TLS13_AES_256_GCM_SHA384,
    ];
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from(d.client_ca_der.clone()))
        .expect("CA");
    let cfg = rustls::ClientConfig::builder_with_provider(Arc::new(provider))
        .with_protocol_versions(&[&rustls::version::TLS13])
        .expect("v")
        .with_root_certificates(roots)
        .with_no_client_auth();
    let tcp = tcp_from(&d, [127, 0, 0, 1].into()).await.expect("tcp");
    let mut tls = tokio_rustls::TlsConnector::from(Arc::new(cfg))
        .connect(ServerName::try_from("localhost").expect("n"), tcp)
        .await
        .expect("handshake");
    let suite = tls.get_ref().1.negotiated_cipher_suite().expect("suite");
    assert_eq!(suite.suite(), rustls::CipherSuite::TLS13_AES_256_GCM_SHA384);
    let _ = tls.shutdown().await;
}
