//! The .deb and .rpm: built from `packaging/` (cargo-deb,
//! cargo-generate-rpm), lintian and rpmlint clean with every override
//! explained, and the .deb installed on this machine: account, directories,
//! owners and modes, units enabled but not started, the installed daemon
//! serving against the harness's Vault and PostgreSQL, and a purge that
//! leaves no configuration, credentials, links or units (evidence stays).
//!
//! Needs root (CI is root) and refuses to run where Custodian is installed.

mod common;

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::daemon;
use custodian_harness::Appliance;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn run(cmd: &mut Command) -> Output {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn owner_mode(path: &str) -> (String, String, u32) {
    let m = std::fs::symlink_metadata(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let user = nix::unistd::User::from_uid(m.uid().into())
        .ok()
        .flatten()
        .map_or(m.uid().to_string(), |u| u.name);
    let group = nix::unistd::Group::from_gid(m.gid().into())
        .ok()
        .flatten()
        .map_or(m.gid().to_string(), |g| g.name);
    (user, group, m.permissions().mode() & 0o7777)
}

/// Purges the package whatever happens to the test, and removes the
/// account if the test created it.
struct Installed {
    created_account: bool,
}

impl Drop for Installed {
    fn drop(&mut self) {
        let _ = Command::new("dpkg").args(["--purge", "custodian"]).output();
        let _ = std::fs::remove_dir_all("/var/lib/custodian");
        if self.created_account {
            let _ = Command::new("deluser")
                .args(["--quiet", "--system", "custodian"])
                .output();
            let _ = Command::new("delgroup")
                .args(["--quiet", "--system", "custodian"])
                .output();
        }
    }
}

#[test]
fn deb_and_rpm_are_lint_clean_install_serve_and_purge_cleanly() {
    assert!(
        custodian_harness::is_root(),
        "installing a package needs root"
    );
    let installed_before = Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", "custodian"])
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("installed"));
    assert!(
        !installed_before && !Path::new("/var/lib/custodian").exists(),
        "refusing to test package installation on a machine where Custodian is installed"
    );
    let out_dir = tempfile::tempdir().expect("dir");
    let out = out_dir.path();
    // The packages are built exactly as they are shipped: scripts/package
    // (release build of every binary they carry, cargo-deb, cargo-generate-rpm,
    // lintian, rpmlint). Removing the built updater first shows that the
    // script builds it rather than packaging whatever an old tree left.
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || PathBuf::from("/var/cache/custodian/target"),
        PathBuf::from,
    );
    let built_updater = target.join("release/custodian-updated");
    let _ = std::fs::remove_file(&built_updater);
    let packaged = run(Command::new(workspace().join("scripts/package"))
        .env("CARGO_TARGET_DIR", &target)
        .arg("--out")
        .arg(out));
    let find = |ext: &str| {
        std::fs::read_dir(out)
            .expect("out")
            .flatten()
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|e| e == ext))
            .unwrap_or_else(|| panic!("no .{ext} built"))
    };
    let (deb, rpm) = (find("deb"), find("rpm"));
    assert!(
        String::from_utf8_lossy(&packaged.stdout).contains("0 errors, 0 warnings"),
        "rpmlint: {}",
        String::from_utf8_lossy(&packaged.stdout)
    );
    let fresh_updater =
        std::fs::read(&built_updater).expect("scripts/package built custodian-updated");
    let listing =
        String::from_utf8_lossy(&run(Command::new("rpm").args(["-qlvp"]).arg(&rpm)).stdout)
            .into_owned();
    let config_line = listing
        .lines()
        .find(|l| l.ends_with("/etc/custodian/custodiand.toml"))
        .expect("config in the rpm");
    assert!(
        config_line.starts_with("-rw-r-----") && config_line.contains(" root "),
        "{config_line}"
    );

    let created_account = Command::new("getent")
        .args(["passwd", "custodian"])
        .output()
        .is_ok_and(|o| !o.status.success());
    let guard = Installed { created_account };
    let install = run(Command::new("dpkg").arg("-i").arg(&deb));
    let said = String::from_utf8_lossy(&install.stdout);
    assert!(
        said.contains("installed and enabled, not started"),
        "{said}"
    );

    for (path, expected) in [
        ("/etc/custodian", ("root", "custodian", 0o750)),
        (
            "/etc/custodian/custodiand.toml",
            ("root", "custodian", 0o640),
        ),
        ("/etc/custodian/credentials", ("root", "root", 0o700)),
        ("/var/lib/custodian", ("custodian", "custodian", 0o750)),
        (
            "/var/lib/custodian/media",
            ("custodian", "custodian", 0o700),
        ),
        (
            "/usr/lib/custodian/releases/pkg/bin/custodiand",
            ("root", "root", 0o755),
        ),
        (
            "/lib/systemd/system/custodiand.service",
            ("root", "root", 0o644),
        ),
        ("/etc/apparmor.d/custodiand", ("root", "root", 0o644)),
        (
            "/etc/custodian/custodian-updated.toml",
            ("root", "root", 0o640),
        ),
        (
            "/usr/lib/custodian/releases/pkg/bin/custodian-updated",
            ("root", "root", 0o755),
        ),
        (
            "/lib/systemd/system/custodian-updated.service",
            ("root", "root", 0o644),
        ),
        ("/etc/apparmor.d/custodian-updated", ("root", "root", 0o644)),
    ] {
        let (u, g, m) = owner_mode(path);
        assert_eq!((u.as_str(), g.as_str(), m), expected, "{path}");
    }
    assert_eq!(
        std::fs::read_link("/usr/lib/custodian/current").expect("current"),
        Path::new("releases/pkg")
    );
    // Enabled (links in place for systemd), not started.
    assert!(Path::new("/etc/systemd/system/sockets.target.wants/custodiand.socket").exists());
    assert!(Path::new("/etc/systemd/system/timers.target.wants/custodian-prune.timer").exists());
    assert!(
        Path::new("/etc/systemd/system/multi-user.target.wants/custodian-updated.service").exists()
    );
    // The updater's shipped configuration parses; without the publisher's
    // root it says which file is missing.
    assert!(
        std::fs::read("/usr/lib/custodian/releases/pkg/bin/custodian-updated")
            .is_ok_and(|b| b == fresh_updater),
        "the package ships the custodian-updated this build made"
    );
    let check = Command::new("/usr/lib/custodian/current/bin/custodian-updated")
        .arg("check")
        .output()
        .expect("custodian-updated check");
    let why = String::from_utf8_lossy(&check.stderr);
    assert!(
        !check.status.success() && why.contains("/etc/custodian/tuf-root.json"),
        "{why}"
    );
    let help = run(Command::new("/usr/bin/custodianctl").arg("--help"));
    assert!(String::from_utf8_lossy(&help.stdout).contains("migrate"));
    // The shipped configuration is checked and names what is missing.
    let check = Command::new("/usr/lib/custodian/current/bin/custodiand")
        .args(["--check-config", "/etc/custodian/custodiand.toml"])
        .output()
        .expect("check-config");
    let why = String::from_utf8_lossy(&check.stderr);
    assert!(
        !check.status.success() && why.contains("/etc/custodian/vault-ca.pem"),
        "{why}"
    );

    // The installed daemon, as the package's account, on the harness's
    // Vault and PostgreSQL.
    let a = Appliance::start(&[]).expect("appliance");
    let mut cfg = a.daemon_config("", "");
    cfg.user = "custodian".into();
    cfg.binary = Some("/usr/lib/custodian/current/bin/custodiand".into());
    cfg.storage_toml = Some(String::new());
    let d = daemon(cfg);
    let rt = tokio::runtime::Runtime::new().expect("rt");
    let page = rt.block_on(async {
        common::client(&d)
            .get(d.url("/setup"))
            .send()
            .await
            .expect("get")
            .status()
            .as_u16()
    });
    assert_eq!(page, 200);
    let status = common::proc_status(d.pid());
    let uid = nix::unistd::User::from_name("custodian")
        .ok()
        .flatten()
        .expect("account")
        .uid;
    assert_eq!(
        common::status_field(&status, "Uid")
            .split_whitespace()
            .next(),
        Some(uid.to_string().as_str())
    );
    drop(d);

    // Purge: configuration, credentials, links and units go; evidence stays.
    std::fs::write("/var/lib/custodian/media/evidence", b"x").expect("evidence");
    let purge = run(Command::new("dpkg").args(["--purge", "custodian"]));
    assert!(String::from_utf8_lossy(&purge.stdout).contains("were kept"));
    for gone in [
        "/etc/custodian",
        "/usr/bin/custodianctl",
        "/usr/lib/custodian",
        "/lib/systemd/system/custodiand.service",
        "/etc/systemd/system/sockets.target.wants/custodiand.socket",
        "/etc/apparmor.d/custodiand",
        "/etc/apparmor.d/custodian-updated",
        "/lib/systemd/system/custodian-updated.service",
        "/var/lib/custodian-updated",
    ] {
        assert!(
            std::fs::symlink_metadata(gone).is_err(),
            "{gone} left after purge"
        );
    }
    assert!(Path::new("/var/lib/custodian/media/evidence").exists());
    drop(guard);
}
