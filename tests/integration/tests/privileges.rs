//! Bind, then drop: the running daemon holds no privilege at all.

mod common;

use std::os::unix::fs::MetadataExt;

use common::{daemon, proc_status, status_field};
use custodian_harness::daemon::TEST_USER;
use custodian_harness::DaemonConfig;

#[test]
fn running_daemon_has_target_ids_no_capabilities_and_no_new_privs() {
    let d = daemon(DaemonConfig::default());
    let user = nix::unistd::User::from_name(TEST_USER)
        .expect("lookup")
        .expect("test user");
    let st = proc_status(d.pid());
    let uid = user.uid.as_raw().to_string();
    let gid = user.gid.as_raw().to_string();
    assert_eq!(
        status_field(&st, "Uid")
            .split_whitespace()
            .collect::<Vec<_>>(),
        vec![uid.as_str(); 4]
    );
    assert_eq!(
        status_field(&st, "Gid")
            .split_whitespace()
            .collect::<Vec<_>>(),
        vec![gid.as_str(); 4]
    );
    assert_eq!(
        status_field(&st, "Groups"),
        "",
        "supplementary groups must be cleared"
    );
    for set in ["CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"] {
        assert_eq!(status_field(&st, set), "0000000000000000", "{set}");
    }
    assert_eq!(status_field(&st, "NoNewPrivs"), "1");
}

#[test]
fn running_daemon_refuses_core_dumps_and_privileged_binds() {
    let d = daemon(DaemonConfig::default());
    let limits = std::fs::read_to_string(format!("/proc/{}/limits", d.pid())).expect("limits");
    let core = limits
        .lines()
        .find(|l| l.starts_with("Max core file size"))
        .expect("core line");
    let fields: Vec<&str> = core.split_whitespace().collect();
    assert_eq!(&fields[4..6], &["0", "0"], "{core}");
    // A non-dumpable process's /proc entries belong to root, not to it.
    let meta = std::fs::metadata(format!("/proc/{}/environ", d.pid())).expect("proc environ");
    assert_eq!(meta.uid(), 0, "process is still dumpable");
    // The daemon tried to bind a port below 1024 after the drop and the
    // kernel refused; it would not serve otherwise.
    assert!(
        d.log().contains("privileged_bind_refused=true"),
        "{}",
        d.log()
    );
}

#[test]
fn refuses_to_run_as_a_missing_account() {
    let cfg = DaemonConfig {
        user: "custodian-no-such-user".into(),
        ..DaemonConfig::default()
    };
    let out = custodian_harness::Daemon::run_to_exit(cfg, |t| t, &[]).expect("run");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("server.user") && err.contains("useradd"),
        "{err}"
    );
}

#[test]
fn refuses_to_run_as_root() {
    let cfg = DaemonConfig {
        user: "root".into(),
        ..DaemonConfig::default()
    };
    let out = custodian_harness::Daemon::run_to_exit(cfg, |t| t, &[]).expect("run");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("is root"), "{err}");
}

#[test]
fn a_crash_leaves_no_core_dump() {
    use std::os::unix::process::ExitStatusExt;
    // The daemon may write to its working directory, so only its own
    // settings can keep a core file from appearing there.
    let mut d = daemon(DaemonConfig {
        writable_cwd: true,
        ..DaemonConfig::default()
    });
    // SIGABRT: its default action is to dump core. (Rust's own SIGSEGV
    // handler ignores a SIGSEGV sent by kill, so that one would prove nothing.)
    d.signal(nix::sys::signal::Signal::SIGABRT).expect("signal");
    let status = d
        .wait_exit(std::time::Duration::from_secs(10))
        .expect("exit");
    assert_eq!(status.signal(), Some(6), "{status:?}");
    assert!(!status.core_dumped(), "the kernel wrote a core dump");
    let cores: Vec<_> = std::fs::read_dir(d.dir())
        .expect("dir")
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with("core"))
        .collect();
    assert!(cores.is_empty(), "core files: {cores:?}");
}
