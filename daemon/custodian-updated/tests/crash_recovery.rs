//! A crash (kill -9) at any step of an update leaves a working appliance.
//! Each case puts the journal and the install tree where a crash at that
//! point leaves them (the journal is written before each step, so these
//! are all the states there are), starts the updater's recovery, and
//! checks that a healthy release serves, the journal is idle, and nothing
//! half-made remains. A stand-in custodiand answers `/readyz` with the
//! release `current` points to, as the real one does.
// Helpers outside `#[test]` functions fail the test loudly too.
#![allow(clippy::expect_used)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use custodian_updated::config::Config;
use custodian_updated::engine::Engine;
use custodian_updated::install::Layout;
use custodian_updated::journal::{Installed, Journal, Step, Store};
use custodian_updated::version::Version;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const OLD: Version = Version(0, 1, 0);
const NEW: Version = Version(0, 2, 0);

/// What a crash left besides the journal.
#[derive(Clone, Copy, Debug)]
enum Left {
    /// A download cut short.
    TornDownload,
    /// The archive, and an unpacking cut short.
    TornUnpack,
    /// The new release staged, `current` still on the old one.
    Staged,
    /// `current` renamed to the new release.
    Switched,
    /// A rollback had already renamed `current` back to the old release.
    SwitchedBack,
}

struct Case {
    step: Step,
    left: Left,
    /// An operator accepted migrations the old release cannot run on.
    irreversible: bool,
    new_is_healthy: bool,
    /// Whether the new release ends up serving (else the old one does).
    new_serves: bool,
}

/// A fake custodiand: ready for whatever release `current` names, unless
/// that release is broken.
async fn serve_readiness(root: PathBuf, broken: Arc<Mutex<BTreeSet<String>>>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr").to_string();
    tokio::spawn(async move {
        loop {
            let Ok((mut s, _)) = listener.accept().await else {
                return;
            };
            let (root, broken) = (root.clone(), Arc::clone(&broken));
            tokio::spawn(async move {
                let mut buf = [0u8; 1024];
                let _ = s.read(&mut buf).await;
                let release = Layout::new(&root).current_name().unwrap_or_default();
                let bad = broken.lock().expect("lock").contains(&release);
                let status = if bad { "starting" } else { "ready" };
                let body = format!("{{\"status\":\"{status}\",\"release\":\"{release}\"}}");
                let answer =
                    format!("HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n{body}");
                let _ = s.write_all(answer.as_bytes()).await;
            });
        }
    });
    addr
}

fn write(path: &Path, bytes: &[u8]) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, bytes).expect("write");
}

fn release_dir(root: &Path, name: &str) {
    let d = root.join("releases").join(name);
    write(&d.join("bin/custodiand"), b"#!/bin/sh\n");
    write(
        &d.join("release.json"),
        format!("{{\"version\":\"{name}\"}}").as_bytes(),
    );
}

fn config(dir: &Path, readiness: &str) -> Config {
    let text = format!(
        r#"[repository]
metadata-url = "file:///nonexistent/metadata/"
targets-url = "file:///nonexistent/targets/"
trusted-root = "/nonexistent/root.json"
[paths]
state-dir = "{d}/state"
install-root = "{d}/root"
socket = "{d}/updater.sock"
[client]
user = "root"
[service]
restart = ["true"]
readiness = "{readiness}"
ready-timeout-secs = 2
soak-secs = 1
[migrate]
command = ["true"]
"#,
        d = dir.display()
    );
    let path = dir.join("updater.toml");
    std::fs::write(&path, text).expect("config");
    Config::load(&path).expect("config loads")
}

/// Builds the tree a crash in `case` leaves, recovers, and checks.
async fn crash_and_recover(case: &Case) {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("root");
    release_dir(&root, "0.1.0");
    let layout = Layout::new(&root);
    layout.switch_to("0.1.0").expect("current");

    let store = Store::open(&dir.path().join("state")).expect("store");
    store
        .set_installed(&Installed {
            committed: Some(OLD),
            floor: Some(OLD),
            bad: Vec::new(),
        })
        .expect("installed");
    let archive = store.downloads().join("custodian-0.2.0-x86_64.tar.gz");
    match case.left {
        Left::TornDownload => write(&archive.with_extension("gz.partial"), b"\x1f\x8b half"),
        Left::TornUnpack => {
            write(&archive, b"\x1f\x8b whole");
            write(&root.join("releases/0.2.0.partial/bin/custodiand"), b"half");
        }
        Left::Staged => {
            write(&archive, b"\x1f\x8b whole");
            release_dir(&root, "0.2.0");
        }
        Left::Switched => {
            write(&archive, b"\x1f\x8b whole");
            release_dir(&root, "0.2.0");
            layout.switch_to("0.2.0").expect("switch");
        }
        Left::SwitchedBack => {
            write(&archive, b"\x1f\x8b whole");
            release_dir(&root, "0.2.0");
        }
    }
    store
        .set_journal(&Journal {
            step: case.step,
            op: 1,
            from: Some(OLD),
            to: Some(NEW),
            previous_dir: Some("0.1.0".into()),
            irreversible: case.irreversible,
            restore_point: None,
        })
        .expect("journal");

    let broken = Arc::new(Mutex::new(BTreeSet::new()));
    if !case.new_is_healthy {
        broken.lock().expect("lock").insert("0.2.0".to_owned());
    }
    let readiness = serve_readiness(root.clone(), Arc::clone(&broken)).await;
    let engine = Engine::open(config(dir.path(), &readiness)).expect("engine");
    engine.recover().await.expect("recover");

    let what = format!(
        "{case:?}",
        case = (case.step, case.left, case.irreversible, case.new_is_healthy)
    );
    let store = Store::open(&dir.path().join("state")).expect("store");
    assert_eq!(store.journal().expect("journal").step, Step::Idle, "{what}");
    let serving = layout.current_name().expect("current");
    let expected = if case.new_serves { "0.2.0" } else { "0.1.0" };
    assert_eq!(serving, expected, "{what}");
    assert!(
        !broken.lock().expect("lock").contains(&serving),
        "{what}: a broken release serves"
    );
    let installed = store.installed().expect("installed");
    let committed = if case.new_serves { NEW } else { OLD };
    assert_eq!(installed.committed, Some(committed), "{what}");
    assert_eq!(installed.floor, Some(committed), "{what}");
    let marked_bad =
        !case.new_is_healthy && matches!(case.left, Left::Switched | Left::SwitchedBack);
    assert_eq!(installed.bad.contains(&NEW), marked_bad, "{what}");

    let mut releases: Vec<String> = std::fs::read_dir(root.join("releases"))
        .expect("releases")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    releases.sort();
    let want: Vec<&str> = if case.new_serves {
        vec!["0.1.0", "0.2.0"]
    } else {
        vec!["0.1.0"]
    };
    assert_eq!(
        releases, want,
        "{what}: nothing half-made or abandoned stays"
    );
    let downloads = std::fs::read_dir(store.downloads())
        .map(|d| d.count())
        .unwrap_or(0);
    assert_eq!(downloads, 0, "{what}: no archive stays behind");

    let steps: Vec<(String, String)> = store
        .events()
        .expect("events")
        .into_iter()
        .map(|e| (e.step, e.outcome))
        .collect();
    assert!(
        steps.iter().any(|(s, o)| s == "recover" && o == "ok"),
        "{what}: {steps:?}"
    );
    if marked_bad {
        assert!(
            steps.iter().any(|(s, o)| s == "rollback" && o == "ok"),
            "{what}: {steps:?}"
        );
    }
    if case.new_serves {
        assert!(
            steps.iter().any(|(s, o)| s == "commit" && o == "ok"),
            "{what}: {steps:?}"
        );
    }
}

#[tokio::test]
async fn a_crash_at_any_step_leaves_a_healthy_release_serving() {
    use Left::*;
    let case = |step, left, new_is_healthy, new_serves| Case {
        step,
        left,
        irreversible: false,
        new_is_healthy,
        new_serves,
    };
    // Migrations the old release cannot run on may have run: only forward.
    let forward = |step| Case {
        step,
        left: Staged,
        irreversible: true,
        new_is_healthy: true,
        new_serves: true,
    };
    let cases = [
        // Before the switch: whatever was made is thrown away.
        case(Step::Downloading, TornDownload, true, false),
        case(Step::Downloading, TornUnpack, true, false),
        case(Step::Staged, Staged, true, false),
        case(Step::Migrating, Staged, true, false),
        case(Step::Switching, Staged, true, false),
        // The rename happened, the journal had not moved on yet.
        case(Step::Switching, Switched, true, true),
        case(Step::Switching, Switched, false, false),
        // After the switch: restart, check again, commit or roll back.
        case(Step::Restarting, Switched, true, true),
        case(Step::Restarting, Switched, false, false),
        case(Step::HealthCheck, Switched, true, true),
        case(Step::HealthCheck, Switched, false, false),
        // Mid-rollback, before and after `current` was switched back.
        case(Step::RollingBack, Switched, false, false),
        case(Step::RollingBack, SwitchedBack, false, false),
        forward(Step::Migrating),
        forward(Step::Switching),
    ];
    for c in &cases {
        crash_and_recover(c).await;
    }
}

/// An irreversible update that fails after its migrations is not switched
/// back to a release that cannot run on the schema: it stops in `failed`,
/// and from then on only an operator at the console may install.
#[tokio::test]
async fn a_failed_irreversible_update_is_left_for_an_operator() {
    use custodian_updated::engine::Origin;
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("root");
    release_dir(&root, "0.1.0");
    release_dir(&root, "0.2.0");
    let layout = Layout::new(&root);
    layout.switch_to("0.2.0").expect("current");
    let store = Store::open(&dir.path().join("state")).expect("store");
    store
        .set_journal(&Journal {
            step: Step::HealthCheck,
            op: 4,
            from: Some(OLD),
            to: Some(NEW),
            previous_dir: Some("0.1.0".into()),
            irreversible: true,
            restore_point: None,
        })
        .expect("journal");
    let broken = Arc::new(Mutex::new(BTreeSet::from(["0.2.0".to_owned()])));
    let readiness = serve_readiness(root.clone(), broken).await;
    let engine = Engine::open(config(dir.path(), &readiness)).expect("engine");
    engine.recover().await.expect("recover");
    assert_eq!(store.journal().expect("journal").step, Step::Failed);
    assert_eq!(layout.current_name().as_deref(), Some("0.2.0"));
    assert!(root.join("releases/0.1.0").is_dir());
    assert_eq!(store.installed().expect("installed").bad, vec![NEW]);
    let last = store.events().expect("events").pop().expect("an event");
    assert_eq!(
        (last.step.as_str(), last.outcome.as_str()),
        ("rollback", "failed")
    );
    assert!(
        last.detail.contains("restore the database backup"),
        "{}",
        last.detail
    );

    let refused = engine
        .prepare(Version(0, 3, 0), Origin::Socket)
        .await
        .err()
        .expect("refused through the socket");
    assert!(refused.contains("an operator must look"), "{refused}");
    // The console gets past that gate (here to a repository that does not
    // exist).
    let console = engine
        .prepare(
            Version(0, 3, 0),
            Origin::Console {
                irreversible: false,
                retry_bad: false,
            },
        )
        .await
        .err()
        .expect("no repository here");
    assert!(!console.contains("an operator must look"), "{console}");
}

/// A version marked bad (say its health check ran into a short Vault
/// outage) that an operator retried at the console with --retry-bad and
/// that passes this time is no longer bad.
#[tokio::test]
async fn a_bad_version_that_passes_on_a_retry_is_no_longer_bad() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("root");
    release_dir(&root, "0.1.0");
    release_dir(&root, "0.2.0");
    let layout = Layout::new(&root);
    layout.switch_to("0.2.0").expect("current");
    let store = Store::open(&dir.path().join("state")).expect("store");
    store
        .set_installed(&Installed {
            committed: Some(OLD),
            floor: Some(OLD),
            bad: vec![NEW],
        })
        .expect("installed");
    store
        .set_journal(&Journal {
            step: Step::HealthCheck,
            op: 7,
            from: Some(OLD),
            to: Some(NEW),
            previous_dir: Some("0.1.0".into()),
            irreversible: false,
            restore_point: None,
        })
        .expect("journal");
    let readiness = serve_readiness(root.clone(), Arc::new(Mutex::new(BTreeSet::new()))).await;
    let engine = Engine::open(config(dir.path(), &readiness)).expect("engine");
    engine.recover().await.expect("recover");
    let installed = store.installed().expect("installed");
    assert_eq!(installed.committed, Some(NEW));
    assert!(installed.bad.is_empty(), "{:?}", installed.bad);
}

/// Through the socket a bad version stays refused; the console may retry
/// it only when asked with --retry-bad, and the refusal names that.
#[test]
fn only_the_console_retries_a_bad_version_and_only_when_asked() {
    use custodian_updated::engine::bad_version;
    let installed = Installed {
        committed: Some(OLD),
        floor: Some(OLD),
        bad: vec![NEW],
    };
    let why = bad_version(&installed, NEW, false).expect("refused");
    assert!(why.contains("apply --retry-bad 0.2.0"), "{why}");
    assert_eq!(bad_version(&installed, NEW, true), None);
    assert_eq!(bad_version(&installed, Version(0, 3, 0), false), None);
}

/// With `[backup]` configured, an update whose migrations the previous
/// release cannot run on is reversible: a failed health check switches
/// back and restores the restore point taken before the migrations (before
/// the old release restarts); a crash while migrating restores it too.
#[tokio::test]
async fn a_restore_point_makes_a_non_additive_update_reversible() {
    for (step, switched) in [(Step::HealthCheck, true), (Step::Migrating, false)] {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("root");
        release_dir(&root, "0.1.0");
        release_dir(&root, "0.2.0");
        let layout = Layout::new(&root);
        layout
            .switch_to(if switched { "0.2.0" } else { "0.1.0" })
            .expect("current");
        let store = Store::open(&dir.path().join("state")).expect("store");
        store
            .set_journal(&Journal {
                step,
                op: 7,
                from: Some(OLD),
                to: Some(NEW),
                previous_dir: Some("0.1.0".into()),
                irreversible: false,
                restore_point: Some("update-0.2.0-7".into()),
            })
            .expect("journal");
        let broken = Arc::new(Mutex::new(BTreeSet::from(["0.2.0".to_owned()])));
        let readiness = serve_readiness(root.clone(), broken).await;
        let log = dir.path().join("restored");
        let mut cfg = config(dir.path(), &readiness);
        let path = dir.path().join("updater.toml");
        let mut text = std::fs::read_to_string(&path).expect("config");
        text.push_str(&format!(
            "[backup]\nrestore-point = [\"true\"]\nrestore = [\"sh\", \"-c\", \"echo {{point}} $(readlink {root}/current) >> {log}\"]\n",
            root = root.display(),
            log = log.display()
        ));
        std::fs::write(&path, text).expect("config");
        cfg = Config::load(&path).unwrap_or(cfg);
        assert!(cfg.backup.is_some());
        let engine = Engine::open(cfg).expect("engine");
        engine.recover().await.expect("recover");
        assert_eq!(
            std::fs::read_to_string(&log)
                .expect("the restore ran")
                .trim(),
            "update-0.2.0-7 releases/0.1.0",
            "{step:?}: restored once, with current back on the old release"
        );
        assert_eq!(store.journal().expect("journal").step, Step::Idle);
        assert_eq!(layout.current_name().as_deref(), Some("0.1.0"));
        let events = store.events().expect("events");
        assert!(
            events
                .iter()
                .any(|e| e.step == "restore" && e.outcome == "ok")
                || events
                    .iter()
                    .any(|e| e.step == "recover" && e.detail.contains("restore point")),
            "{step:?}: {:?}",
            events.iter().map(|e| &e.detail).collect::<Vec<_>>()
        );
    }
}
