//! Operating-system hardening: the systemd units' exposure as
//! `systemd-analyze security --offline=true` measures it, the AppArmor
//! profiles as `apparmor_parser -Q -K` compiles them, and the in-process
//! sandbox (Landlock and a seccomp allow-list) in a running custodiand,
//! started both as root (it drops) and already unprivileged (as the unit
//! starts it).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{daemon, proc_status, status_field};
use custodian_harness::DaemonConfig;

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
}

/// The overall exposure systemd reports for a unit file.
fn exposure(unit: &Path) -> f64 {
    let out = Command::new("systemd-analyze")
        .args(["security", "--offline=true", "--no-pager"])
        .arg(unit)
        .output()
        .expect("systemd-analyze (Debian's systemd package)");
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .find_map(|l| l.split("Overall exposure level for").nth(1))
        .and_then(|rest| rest.split(':').nth(1))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| {
            panic!(
                "no exposure for {}: {text}{}",
                unit.display(),
                String::from_utf8_lossy(&out.stderr)
            )
        })
}

#[test]
fn systemd_units_stay_within_their_exposure_budget() {
    for (unit, budget) in [
        ("systemd/custodiand.service", 1.5),
        ("systemd/custodian-updated.service", 3.0),
        ("systemd/custodian-prune.service", 1.5),
        // Root (pgBackRest runs as postgres, restic reads the media store).
        ("systemd/custodian-backup@.service", 2.5),
        ("systemd/custodian-backup-drill.service", 2.5),
        ("systemd/custodian-backup-setup.service", 2.5),
    ] {
        let e = exposure(&repo(unit));
        assert!(e <= budget, "{unit}: exposure {e} > {budget}");
    }
    // The measurement can fail: an unhardened unit scores far worse.
    let dir = tempfile_dir();
    let plain = dir.join("plain.service");
    std::fs::write(&plain, "[Service]\nExecStart=/bin/true\n").expect("write");
    assert!(exposure(&plain) > 9.0);
    let _ = std::fs::remove_dir_all(dir);
}

fn tempfile_dir() -> PathBuf {
    let d = std::env::temp_dir().join(format!("custodian-units-{}", std::process::id()));
    std::fs::create_dir_all(&d).expect("dir");
    d
}

#[test]
fn apparmor_profiles_compile() {
    let profiles: Vec<PathBuf> = std::fs::read_dir(repo("apparmor"))
        .expect("apparmor/")
        .flatten()
        .map(|e| e.path())
        .collect();
    assert_eq!(profiles.len(), 2, "{profiles:?}");
    for p in &profiles {
        let out = Command::new("apparmor_parser")
            .args(["-Q", "-K"])
            .arg(p)
            .output()
            .expect("apparmor_parser (Debian's apparmor package)");
        assert!(
            out.status.success(),
            "{}: {}",
            p.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // And a broken profile is refused, so the check can fail.
    let bad = tempfile_dir().join("bad");
    std::fs::write(&bad, "profile x /x {\n  /etc/foo rwz,\n}\n").expect("write");
    let out = Command::new("apparmor_parser")
        .args(["-Q", "-K"])
        .arg(&bad)
        .output()
        .expect("apparmor_parser");
    assert!(!out.status.success());
}

fn check_sandbox(cfg: DaemonConfig) {
    let d = daemon(cfg);
    let log = d.log();
    assert!(
        log.contains("sandbox entered: Landlock enforced, seccomp allow-list active"),
        "{log}"
    );
    let status = proc_status(d.pid());
    assert_eq!(status_field(&status, "Seccomp"), "2", "filter mode");
    assert!(
        status_field(&status, "Seccomp_filters")
            .parse::<u32>()
            .expect("n")
            >= 1
    );
    assert_eq!(status_field(&status, "NoNewPrivs"), "1");
    assert_eq!(status_field(&status, "CapEff"), "0000000000000000");
    // Still serving behind all of it.
    let rt = tokio::runtime::Runtime::new().expect("rt");
    let status = rt.block_on(async {
        common::client(&d)
            .get(d.url("/"))
            .send()
            .await
            .expect("get")
            .status()
            .as_u16()
    });
    assert_eq!(status, 200);
}

#[test]
fn the_sandbox_is_entered_and_checked_after_the_privilege_drop() {
    check_sandbox(DaemonConfig::default());
}

#[test]
fn an_unprivileged_start_as_systemd_does_it_works_and_is_sandboxed() {
    check_sandbox(DaemonConfig {
        start_unprivileged: true,
        ..DaemonConfig::default()
    });
}
