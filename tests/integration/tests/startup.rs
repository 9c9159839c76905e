//! Configuration errors and refusals: every message names the key and the fix.

mod common;

use custodian_harness::{Daemon, DaemonConfig};

fn refused(edit: impl FnOnce(String) -> String, args: &[&str]) -> String {
    let out = Daemon::run_to_exit(DaemonConfig::default(), edit, args).expect("run");
    assert!(
        !out.status.success(),
        "custodiand should have refused; stdout: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn dev_pem_needs_the_explicit_flag() {
    let out = Daemon::run_to_exit(
        DaemonConfig {
            dev_pem_flag: false,
            ..DaemonConfig::default()
        },
        |t| t,
        &[],
    )
    .expect("run");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--dev-insecure-pem"), "{err}");
}

#[test]
fn unknown_key_is_named_with_the_allowed_ones() {
    let err = refused(
        |t| t.replace("[server]", "[server]\nlisen = \"0.0.0.0:1\""),
        &[],
    );
    assert!(err.contains("lisen") && err.contains("listen"), "{err}");
}

#[test]
fn bad_limit_names_key_and_range() {
    let err = refused(
        |t| t.replace("[limits]", "[limits]\nmax-connections = 0"),
        &[],
    );
    assert!(
        err.contains("limits.max-connections") && err.contains("from 1 to"),
        "{err}"
    );
}

#[test]
fn unreadable_key_file_is_named() {
    let err = refused(|t| t.replace("key.pem", "missing-key.pem"), &[]);
    assert!(err.contains("missing-key.pem"), "{err}");
}

#[test]
fn busy_port_names_the_fix() {
    let holder = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = holder.local_addr().expect("addr").port();
    let err = refused(
        |t| {
            let start = t.find("listen = \"127.0.0.1:").expect("listen line");
            let end = start + t[start..].find('\n').expect("eol");
            format!("{}listen = \"127.0.0.1:{port}\"{}", &t[..start], &t[end..])
        },
        &[],
    );
    assert!(
        err.contains("server.listen") || err.contains("custodiand.socket"),
        "{err}"
    );
}

#[test]
fn check_config_validates_without_serving() {
    let out = Daemon::run_to_exit(
        DaemonConfig::default(),
        |t| t,
        &["--check-config", "{config}"],
    )
    .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("configuration OK"));
    let out = Daemon::run_to_exit(
        DaemonConfig::default(),
        |t| t.replace("public-origin = \"https://", "public-origin = \"http://"),
        &["--check-config", "{config}"],
    )
    .expect("run");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("server.public-origin"));
}

#[test]
fn help_explains_the_flags() {
    let out = std::process::Command::new(custodian_harness::daemon::custodiand_bin().expect("bin"))
        .arg("--help")
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    for flag in ["--config", "--check-config", "--dev-insecure-pem"] {
        assert!(text.contains(flag), "{text}");
    }
}
