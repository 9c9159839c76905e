//! Start under systemd socket activation; stop on SIGTERM without cutting
//! requests that are in flight.

mod common;

use std::net::IpAddr;
use std::time::Duration;

use common::{client, daemon, read_until_closed, tls_from};
use custodian_harness::DaemonConfig;
use nix::sys::signal::Signal;
use tokio::io::AsyncWriteExt;

#[tokio::test]
async fn sigterm_lets_in_flight_requests_finish() {
    let mut d = daemon(DaemonConfig::default());
    let local: IpAddr = [127, 0, 0, 1].into();
    let body = br#"{"csp-report":{"violated-directive":"script-src-elem","blocked-uri":"inline"}}"#;
    let mut s = tls_from(&d, local).await.expect("tls");
    let head = format!(
        "POST /csp-report HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/csp-report\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).await.expect("head");
    s.write_all(&body[..10]).await.expect("first part");
    s.flush().await.expect("flush");
    tokio::time::sleep(Duration::from_millis(200)).await;
    d.signal(Signal::SIGTERM).expect("SIGTERM");
    assert!(
        d.wait_log("stop requested", Duration::from_secs(5)),
        "{}",
        d.log()
    );
    // New connections are no longer accepted...
    let refused = client(&d).get(d.url("/")).send().await;
    assert!(refused.is_err(), "accepted a new connection while stopping");
    // ...but the request already under way completes.
    s.write_all(&body[10..]).await.expect("rest");
    let (got, _) = read_until_closed(&mut s, Duration::from_secs(10)).await;
    let text = String::from_utf8_lossy(&got);
    assert!(
        text.starts_with("HTTP/1.1 204"),
        "in-flight request cut: {text:?}\n{}",
        d.log()
    );
    let status = d
        .wait_exit(Duration::from_secs(10))
        .expect("exit after SIGTERM");
    assert!(status.success(), "{status}");
    assert!(d.log().contains("stopped"));
}

#[tokio::test]
async fn socket_activation_is_accepted() {
    let d = daemon(DaemonConfig {
        socket_activated: true,
        ..DaemonConfig::default()
    });
    let res = client(&d)
        .get(d.url("/robots.txt"))
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), 200);
    assert!(d.log().contains("socket_activated=true"), "{}", d.log());
    // Still dropped to the service account, with nothing to bind itself.
    let st = common::proc_status(d.pid());
    assert_eq!(common::status_field(&st, "CapEff"), "0000000000000000");
}

#[tokio::test]
async fn systemd_is_told_ready_and_stopping() {
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::net::UnixDatagram;
    let dir = tempfile_dir();
    let path = dir.join("notify.sock");
    let sock = UnixDatagram::bind(&path).expect("bind notify socket");
    // The daemon has dropped to its own account when it reports.
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o666)).expect("chmod");
    sock.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let mut d = daemon(DaemonConfig {
        notify_socket: Some(path.clone()),
        ..DaemonConfig::default()
    });
    let mut buf = [0u8; 512];
    let n = sock.recv(&mut buf).expect("READY message");
    assert!(String::from_utf8_lossy(&buf[..n]).contains("READY=1"));
    d.signal(Signal::SIGTERM).expect("SIGTERM");
    let n = sock.recv(&mut buf).expect("STOPPING message");
    assert!(String::from_utf8_lossy(&buf[..n]).contains("STOPPING=1"));
    assert!(d
        .wait_exit(Duration::from_secs(10))
        .is_some_and(|s| s.success()));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn logs_fall_back_to_stderr_without_journald() {
    // log.target = "auto" with no JOURNAL_STREAM (not under systemd). The
    // root account makes it stop right after logging has started.
    let out = custodian_harness::Daemon::run_to_exit(
        DaemonConfig {
            user: "root".into(),
            ..DaemonConfig::default()
        },
        |t| t.replace("target = \"stderr\"", "target = \"auto\""),
        &[],
    )
    .expect("run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("custodiand starting") && err.contains("log=\"stderr\""),
        "{err}"
    );
}

fn tempfile_dir() -> std::path::PathBuf {
    let p = std::env::temp_dir().join(format!("custodian-notify-{}", std::process::id()));
    std::fs::create_dir_all(&p).expect("mkdir");
    std::fs::set_permissions(&p, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .expect("chmod");
    p
}

/// Structured logs reach journald. A private journald runs in a mount
/// namespace of its own (so the machine's /run is untouched) and custodiand,
/// started in that namespace with `log.target = "journald"`, writes to it.
#[test]
fn logs_reach_journald_as_structured_entries() {
    let pki = custodian_harness::TestPki::new().expect("pki");
    let dir = std::env::temp_dir().join(format!("custodian-journald-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("mkdir");
    let (cert, key) = pki.write_to(&dir).expect("pki files");
    let port = custodian_harness::free_port().expect("port");
    let ops = custodian_harness::free_port().expect("port");
    common::daemon(DaemonConfig::default()); // creates the test account
    std::fs::write(
        dir.join("c.toml"),
        format!(
            "[server]\nlisten = \"127.0.0.1:{port}\"\npublic-origin = \"https://localhost:{port}\"\nuser = \"custodian-test\"\n\
             [tls]\nsource = \"dev-pem\"\ncert = \"{}\"\nkey = \"{}\"\n[ops]\nlisten = \"127.0.0.1:{ops}\"\n\
             [log]\ntarget = \"journald\"\nlevel = \"info\"\n",
            cert.display(),
            key.display()
        ),
    )
    .expect("config");
    let bin = custodian_harness::daemon::custodiand_bin().expect("bin");
    let script = format!(
        r#"set -e
mount -t tmpfs tmpfs /run/systemd
mount -t tmpfs tmpfs /run/log
mkdir -p /run/systemd/journal
/lib/systemd/systemd-journald >/dev/null 2>&1 &
JD=$!
for i in $(seq 50); do [ -S /run/systemd/journal/socket ] && break; sleep 0.1; done
{bin} --config {dir}/c.toml --dev-insecure-pem 2>{dir}/stderr &
D=$!
for i in $(seq 100); do curl -fs http://127.0.0.1:{ops}/readyz >/dev/null && break; sleep 0.1; done
curl -sk -o /dev/null "https://127.0.0.1:{port}/robots.txt?token=s3cr3t-query"
kill -TERM $D; wait $D || true
sleep 0.3
journalctl --no-pager -o json SYSLOG_IDENTIFIER=custodiand
kill $JD
"#,
        bin = bin.display(),
        dir = dir.display()
    );
    let out = std::process::Command::new("unshare")
        .args(["--mount", "--propagation", "private", "bash", "-c", &script])
        .output()
        .expect("unshare (util-linux)");
    let journal = String::from_utf8_lossy(&out.stdout);
    let stderr = std::fs::read_to_string(dir.join("stderr")).unwrap_or_default();
    assert!(
        out.status.success(),
        "{}\n{journal}",
        String::from_utf8_lossy(&out.stderr)
    );
    let entries: Vec<serde_json::Value> = journal
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let find = |text: &str| {
        entries
            .iter()
            .find(|e| e["MESSAGE"].as_str().is_some_and(|m| m.contains(text)))
    };
    let dropped = find("privileges dropped")
        .unwrap_or_else(|| panic!("no entry in journald:\n{journal}\nstderr: {stderr}"));
    // tracing-journald maps INFO to "notice" and prefixes fields with F_.
    assert_eq!(dropped["PRIORITY"], "5", "{dropped}");
    assert_eq!(
        dropped["F_PRIVILEGED_BIND_REFUSED"], "true",
        "fields are structured: {dropped}"
    );
    let user = nix::unistd::User::from_name("custodian-test")
        .expect("lookup")
        .expect("user");
    assert_eq!(
        dropped["_UID"],
        user.uid.as_raw().to_string(),
        "logged after the drop: {dropped}"
    );
    let access = entries
        .iter()
        .find(|e| e["TARGET"] == "access")
        .expect("access entry");
    assert_eq!(access["F_STATUS"], "200", "{access}");
    assert!(find("stopped").is_some(), "{journal}");
    assert!(
        !journal.contains("s3cr3t-query"),
        "query string in the journal"
    );
    assert!(
        stderr.is_empty(),
        "with journald reachable nothing goes to stderr: {stderr}"
    );
    let _ = std::fs::remove_dir_all(dir);
}
