//! Signed updates end to end: custodian-release publishes a TUF repository
//! with keys kept outside it; custodian-updated verifies, installs, runs
//! migrations, restarts custodiand, checks its health and rolls back.
//!
//! The first test attacks the metadata and targets (no custodiand needed:
//! every refusal happens before anything is switched). The second runs the
//! whole appliance: an update through the web page, a release whose daemon
//! does not start (rolled back), kill -9 of the updater mid-update (undone
//! or finished on its next start), and the socket's peer check.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use common::web::*;
use custodian_harness::{daemon::TEST_USER, sibling_bin, Appliance};

fn bin(name: &str) -> PathBuf {
    sibling_bin(name, "UNSET_FOR_UPDATES_TEST").expect(name)
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn write_exec(path: &Path, body: &str) {
    std::fs::write(path, body).expect("write script");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

/// A publisher: keys in one directory, the repository in another.
struct Publisher {
    dir: tempfile::TempDir,
}

impl Publisher {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = Self { dir };
        p.ok(&["keygen", "--keys", &p.keys()]);
        p.repo_cmd(&["init"]);
        p
    }
    fn keys(&self) -> String {
        self.dir.path().join("keys").display().to_string()
    }
    fn repo(&self) -> PathBuf {
        self.dir.path().join("repo")
    }
    fn metadata(&self, file: &str) -> PathBuf {
        self.repo().join("metadata").join(file)
    }
    fn run(&self, args: &[&str]) -> Output {
        Command::new(bin("custodian-release"))
            .args(args)
            .output()
            .expect("run custodian-release")
    }
    fn ok(&self, args: &[&str]) {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "custodian-release {args:?}: {}",
            text(&out)
        );
    }
    fn repo_cmd(&self, args: &[&str]) {
        let repo = self.repo().display().to_string();
        let keys = self.keys();
        let mut all = args.to_vec();
        all.extend(["--keys", &keys, "--repo", &repo]);
        self.ok(&all);
    }
    /// Packs `bin_dir` as `version` and signs it in.
    fn release(&self, version: &str, bin_dir: &Path) {
        let out = self.dir.path().join(format!("{version}.tar.gz"));
        let o = out.display().to_string();
        self.ok(&[
            "pack",
            "--bin-dir",
            &bin_dir.display().to_string(),
            "--version",
            version,
            "--out",
            &o,
            "--level",
            "1",
        ]);
        self.repo_cmd(&["add", "--file", &o, "--version", version]);
    }
    fn target_file(&self, version: &str) -> PathBuf {
        let suffix = format!(".custodian-{version}-{}.tar.gz", std::env::consts::ARCH);
        std::fs::read_dir(self.repo().join("targets"))
            .expect("targets")
            .flatten()
            .map(|e| e.path())
            .find(|p| p.to_string_lossy().ends_with(&suffix))
            .expect("target file")
    }
}

/// A machine with `releases/0.1.0` current and an updater configuration.
struct Machine {
    dir: tempfile::TempDir,
}

impl Machine {
    fn new(
        publisher: &Publisher,
        initial_bin: &Path,
        service: &str,
        migrate: &str,
        client: &str,
    ) -> Self {
        let m = Self::tree(initial_bin);
        m.configure(publisher, service, migrate, client);
        m
    }

    /// `releases/0.1.0` (the given binaries) as `current`.
    fn tree(initial_bin: &Path) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))
            .expect("chmod");
        let rel = dir.path().join("root/releases/0.1.0/bin");
        std::fs::create_dir_all(&rel).expect("mkdir");
        for b in ["custodiand", "custodianctl"] {
            std::fs::copy(initial_bin.join(b), rel.join(b)).expect("copy binary");
        }
        std::fs::write(
            dir.path().join("root/releases/0.1.0/release.json"),
            r#"{"version":"0.1.0"}"#,
        )
        .expect("release.json");
        std::os::unix::fs::symlink("releases/0.1.0", dir.path().join("root/current"))
            .expect("current");
        Self { dir }
    }

    fn configure(&self, publisher: &Publisher, service: &str, migrate: &str, client: &str) {
        let dir = &self.dir;
        let repo = publisher.repo();
        let config = format!(
            "[repository]\nmetadata-url = \"file://{r}/metadata\"\ntargets-url = \"file://{r}/targets\"\ntrusted-root = \"{r}/metadata/1.root.json\"\n\n\
             [paths]\nstate-dir = \"{d}/state\"\ninstall-root = \"{d}/root\"\nsocket = \"{d}/updater.sock\"\n\n\
             [client]\nuser = \"{client}\"\n\n[service]\n{service}\n\n[migrate]\n{migrate}\n",
            r = repo.display(),
            d = dir.path().display(),
        );
        // The trusted root is a copy, as a package would ship it.
        let root = dir.path().join("root.json");
        std::fs::copy(publisher.metadata("1.root.json"), &root).expect("copy root");
        let config = config.replace(
            &format!("{}/metadata/1.root.json", repo.display()),
            &root.display().to_string(),
        );
        std::fs::write(dir.path().join("updater.toml"), config).expect("config");
    }
    fn path(&self, p: &str) -> PathBuf {
        self.dir.path().join(p)
    }
    fn updater(&self, args: &[&str]) -> Output {
        Command::new(bin("custodian-updated"))
            .arg("--config")
            .arg(self.path("updater.toml"))
            .args(args)
            .output()
            .expect("run custodian-updated")
    }
    fn current(&self) -> String {
        std::fs::read_link(self.path("root/current"))
            .expect("current")
            .display()
            .to_string()
    }
    fn trusted_root_version(&self) -> u64 {
        let v: serde_json::Value = serde_json::from_slice(
            &std::fs::read(self.path("state/tuf/root.json")).expect("persisted root"),
        )
        .expect("json");
        v["signed"]["version"].as_u64().expect("version")
    }
    fn journal_step(&self) -> String {
        std::fs::read(self.path("state/journal.json"))
            .ok()
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
            .and_then(|v| v["step"].as_str().map(str::to_owned))
            .unwrap_or_else(|| "idle".into())
    }
}

/// The repository served over HTTPS (Python's server, the test CA).
struct HttpsRepo {
    child: std::process::Child,
    port: u16,
    ca: PathBuf,
    _dir: tempfile::TempDir,
}

impl HttpsRepo {
    fn serve(repo: &Path) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let pki = custodian_harness::TestPki::new().expect("pki");
        let (cert, key) = pki.write_to(dir.path()).expect("pki files");
        let ca = dir.path().join("ca.pem");
        std::fs::write(&ca, &pki.ca_pem).expect("ca");
        let port = custodian_harness::free_port().expect("port");
        let server = "import http.server, ssl, sys, functools\n\
port, d, cert, key = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]\n\
h = functools.partial(http.server.SimpleHTTPRequestHandler, directory=d)\n\
s = http.server.ThreadingHTTPServer(('127.0.0.1', port), h)\n\
c = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)\n\
c.load_cert_chain(cert, key)\n\
s.socket = c.wrap_socket(s.socket, server_side=True)\n\
s.serve_forever()\n";
        let child = Command::new("python3")
            .args(["-c", server, &port.to_string()])
            .arg(repo)
            .arg(&cert)
            .arg(&key)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("python3 https server");
        wait_for(
            "the https repository",
            Duration::from_secs(20),
            || std::net::TcpStream::connect(("127.0.0.1", port)).is_ok(),
            String::new,
        );
        Self {
            child,
            port,
            ca,
            _dir: dir,
        }
    }
}

impl Drop for HttpsRepo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Scripts that stand in for custodiand and custodianctl in releases whose
/// binaries are never run.
fn tiny_bin_dir(dir: &Path) -> PathBuf {
    let b = dir.join("tiny-bin");
    std::fs::create_dir_all(&b).expect("mkdir");
    write_exec(&b.join("custodiand"), "#!/bin/sh\nexit 0\n");
    write_exec(&b.join("custodianctl"), "#!/bin/sh\nexit 0\n");
    b
}

fn check_refused(m: &Machine, what: &str, expect: &[&str]) {
    let out = m.updater(&["check"]);
    let t = text(&out);
    assert!(!out.status.success(), "{what}: accepted:\n{t}");
    assert!(
        expect
            .iter()
            .any(|e| t.to_lowercase().contains(&e.to_lowercase())),
        "{what}: refused for another reason than {expect:?}:\n{t}"
    );
}

fn check_ok(m: &Machine, what: &str) -> serde_json::Value {
    let out = m.updater(&["check"]);
    assert!(out.status.success(), "{what}: {}", text(&out));
    serde_json::from_slice(&out.stdout).expect("report")
}

#[test]
fn tuf_refuses_tampering_wrong_keys_replay_freeze_endless_data_and_downgrades() {
    let p = Publisher::new();
    let work = tempfile::tempdir().expect("tempdir");
    let tiny = tiny_bin_dir(work.path());
    p.release("0.2.0", &tiny);
    let m = Machine::new(
        &p,
        &tiny,
        "restart = [\"true\"]\nreadiness = \"127.0.0.1:9\"\nready-timeout-secs = 1\nsoak-secs = 0",
        "command = [\"true\"]",
        "root",
    );

    let report = check_ok(&m, "first check");
    assert_eq!(report["releases"][0]["version"], "0.2.0", "{report}");
    assert_eq!(report["releases"][0]["installable"], true, "{report}");

    // The same repository over HTTPS (the configured CA only); plain http
    // is refused by the configuration check.
    let https = HttpsRepo::serve(&p.repo());
    let over_https = Machine::new(
        &p,
        &tiny,
        "restart = [\"true\"]\nreadiness = \"127.0.0.1:9\"",
        "command = [\"true\"]",
        "root",
    );
    let cfg_path = over_https.path("updater.toml");
    let file_url = format!("file://{}", p.repo().display());
    let cfg = std::fs::read_to_string(&cfg_path).expect("config");
    let https_cfg = cfg
        .replace(&file_url, &format!("https://localhost:{}", https.port))
        .replace(
            "[repository]\n",
            &format!("[repository]\nca-cert = \"{}\"\n", https.ca.display()),
        );
    std::fs::write(&cfg_path, &https_cfg).expect("config");
    let report = check_ok(&over_https, "over https");
    assert_eq!(report["releases"][0]["version"], "0.2.0", "{report}");
    std::fs::write(&cfg_path, cfg.replace(&file_url, "http://localhost:1")).expect("config");
    let out = over_https.updater(&["check"]);
    assert!(
        !out.status.success() && text(&out).contains("must be https:// or file://"),
        "{}",
        text(&out)
    );

    // Mix and match: a snapshot other than the one the timestamp names.
    let snapshots: Vec<PathBuf> = std::fs::read_dir(p.repo().join("metadata"))
        .expect("metadata")
        .flatten()
        .map(|e| e.path())
        .filter(|x| x.to_string_lossy().ends_with(".snapshot.json"))
        .collect();
    let newest = snapshots
        .iter()
        .max_by_key(|x| std::fs::metadata(x).and_then(|m| m.modified()).ok())
        .expect("snapshot")
        .clone();
    let oldest = p.metadata("1.snapshot.json");
    let kept = std::fs::read(&newest).expect("snapshot");
    std::fs::copy(&oldest, &newest).expect("swap");
    check_refused(&m, "mixed snapshot", &["hash mismatch"]);
    std::fs::write(&newest, &kept).expect("restore");

    // Replay: once the client has seen a newer timestamp, the older one
    // (validly signed, not expired) is refused.
    let ts = p.metadata("timestamp.json");
    let old = std::fs::read(&ts).expect("timestamp");
    p.repo_cmd(&["refresh"]);
    check_ok(&m, "after refresh");
    let new = std::fs::read(&ts).expect("timestamp");
    std::fs::write(&ts, &old).expect("replay");
    check_refused(
        &m,
        "replayed timestamp",
        &["when we had previously fetched"],
    );
    std::fs::write(&ts, &new).expect("restore");
    check_ok(&m, "restored timestamp");

    // Freeze: an expired timestamp is refused.
    p.repo_cmd(&["refresh", "--timestamp-expires-in", "-60"]);
    check_refused(&m, "expired timestamp", &["expired"]);
    p.repo_cmd(&["refresh"]);
    check_ok(&m, "fresh timestamp");

    // A timestamp signed by a key the root does not name.
    let other = Publisher::new();
    let good = std::fs::read(&ts).expect("timestamp");
    let mut forged: serde_json::Value =
        serde_json::from_slice(&std::fs::read(other.metadata("timestamp.json")).expect("other"))
            .expect("json");
    let ours: serde_json::Value = serde_json::from_slice(&good).expect("json");
    forged["signed"] = ours["signed"].clone();
    std::fs::write(&ts, serde_json::to_vec(&forged).expect("json")).expect("forge");
    check_refused(
        &m,
        "timestamp signed by a foreign key",
        &["signature threshold of 1 not met"],
    );
    // A timestamp whose signed part was edited after signing.
    let mut edited = ours.clone();
    edited["signed"]["version"] =
        serde_json::json!(ours["signed"]["version"].as_u64().expect("v") + 100);
    std::fs::write(&ts, serde_json::to_vec(&edited).expect("json")).expect("edit");
    check_refused(
        &m,
        "edited timestamp",
        &["signature threshold of 1 not met"],
    );

    // Endless data: a timestamp far beyond the size limit.
    std::fs::write(&ts, vec![b' '; 4 * 1024 * 1024]).expect("huge");
    check_refused(&m, "4 MiB timestamp", &["maximum size 65536"]);
    std::fs::write(&ts, &good).expect("restore");
    check_ok(&m, "restored");

    // Root rotation below the old root's threshold (1 of 2) is refused and
    // the trusted root stays at version 1; a proper one (2 of 3) is taken.
    p.repo_cmd(&["rotate-root", "--sign-with", "root-1"]);
    check_refused(
        &m,
        "root v2 signed by one key",
        &["threshold of 2 not met for role root"],
    );
    assert_eq!(m.trusted_root_version(), 1);
    std::fs::remove_file(p.metadata("2.root.json")).expect("rm");
    p.repo_cmd(&["rotate-root", "--sign-with", "root-2,root-3"]);
    check_ok(&m, "root v2 signed by two keys");
    assert_eq!(m.trusted_root_version(), 2, "rotation persisted");

    // A tampered target: refused at download, nothing staged or switched.
    let target = p.target_file("0.2.0");
    let original = std::fs::read(&target).expect("target");
    let mut bad = original.clone();
    let mid = bad.len() / 2;
    bad[mid] ^= 0x55;
    std::fs::write(&target, &bad).expect("tamper");
    let out = m.updater(&["apply", "0.2.0"]);
    let t = text(&out);
    assert!(!out.status.success(), "tampered target installed:\n{t}");
    assert!(
        t.to_lowercase().contains("hash")
            || t.to_lowercase().contains("digest")
            || t.contains("sha256"),
        "{t}"
    );
    assert_eq!(m.current(), "releases/0.1.0");
    assert!(!m.path("root/releases/0.2.0").exists(), "nothing staged");
    assert_eq!(
        std::fs::read_dir(m.path("state/downloads"))
            .expect("downloads")
            .count(),
        0,
        "no partial download kept"
    );
    // Endless target: more bytes than signed.
    let mut longer = original.clone();
    longer.extend(vec![0u8; 1024 * 1024]);
    std::fs::write(&target, &longer).expect("lengthen");
    let out = m.updater(&["apply", "0.2.0"]);
    assert!(
        !out.status.success(),
        "overlong target installed: {}",
        text(&out)
    );
    assert_eq!(m.current(), "releases/0.1.0");
    std::fs::write(&target, &original).expect("restore");

    // Downgrade: an older release, properly signed, is refused.
    p.release("0.0.9", &tiny);
    let out = m.updater(&["apply", "0.0.9"]);
    assert!(!out.status.success());
    assert!(text(&out).contains("older than 0.1.0"), "{}", text(&out));
    // A version that is not signed at all.
    let out = m.updater(&["apply", "0.7.0"]);
    assert!(
        text(&out).contains("not a signed release"),
        "{}",
        text(&out)
    );
    // The signed floor: nothing below it, even if newer than installed.
    p.repo_cmd(&["floor", "--version", "0.3.0"]);
    let out = m.updater(&["apply", "0.2.0"]);
    assert!(
        text(&out).contains("below the signed minimum version 0.3.0"),
        "{}",
        text(&out)
    );
    let report = check_ok(&m, "with a floor");
    assert_eq!(report["signed_floor"], "0.3.0");
    // A recalled release is never installed.
    p.release("0.4.0", &tiny);
    p.repo_cmd(&["recall", "--version", "0.4.0"]);
    let out = m.updater(&["apply", "0.4.0"]);
    assert!(text(&out).contains("recalled"), "{}", text(&out));
    assert_eq!(m.current(), "releases/0.1.0");

    // Every refusal was recorded as an event.
    let events = std::fs::read_to_string(m.path("state/events.jsonl")).expect("events");
    assert!(
        events.contains("\"step\":\"download\",\"outcome\":\"failed\""),
        "{events}"
    );
    assert!(
        events.contains("\"step\":\"policy\",\"outcome\":\"refused\""),
        "{events}"
    );
    assert!(
        events.contains("\"step\":\"check\",\"outcome\":\"refused\""),
        "{events}"
    );
}

/// The updater daemon, killed (as with kill -9) when dropped.
struct UpdaterProcess {
    child: std::process::Child,
}

impl UpdaterProcess {
    fn start(m: &Machine) -> Self {
        let _ = std::fs::remove_file(m.path("updater.sock"));
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(m.path("updater.log"))
            .expect("log");
        let child = Command::new(bin("custodian-updated"))
            .arg("--config")
            .arg(m.path("updater.toml"))
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start custodian-updated");
        let p = Self { child };
        wait_for(
            "the updater's socket",
            Duration::from_secs(120),
            || m.path("updater.sock").exists(),
            || std::fs::read_to_string(m.path("updater.log")).unwrap_or_default(),
        );
        p
    }
}

impl Drop for UpdaterProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Kills whatever custodiand the restart script started last.
struct Restarted(PathBuf);

impl Drop for Restarted {
    fn drop(&mut self) {
        if let Some(pid) = std::fs::read_to_string(&self.0)
            .ok()
            .and_then(|p| p.trim().parse::<i32>().ok())
        {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(pid),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
    }
}

fn wait_for(
    what: &str,
    limit: Duration,
    mut ok: impl FnMut() -> bool,
    context: impl Fn() -> String,
) {
    let start = Instant::now();
    while !ok() {
        assert!(
            start.elapsed() < limit,
            "timed out waiting for {what}:\n{}",
            context()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn id_of(flag: &str, user: &str) -> String {
    let out = Command::new("id").args([flag, user]).output().expect("id");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// `custodian-updated ask` as `user` (through setpriv), as custodiand would.
fn ask_as(user: &str, m: &Machine, args: &[&str]) -> Output {
    let mut cmd = if user == "root" {
        Command::new(bin("custodian-updated"))
    } else {
        let mut c = Command::new("setpriv");
        c.arg(format!("--reuid={}", id_of("-u", user)))
            .arg(format!("--regid={}", id_of("-g", user)))
            .arg("--clear-groups")
            .arg(bin("custodian-updated"));
        c
    };
    cmd.arg("ask")
        .arg("--socket")
        .arg(m.path("updater.sock"))
        .args(args)
        .output()
        .expect("ask")
}

fn release_served(d: &custodian_harness::Daemon) -> String {
    d.ops_get("/readyz")
        .ok()
        .and_then(|r| r.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()))
        .and_then(|b| serde_json::from_str::<serde_json::Value>(&b).ok())
        .and_then(|v| v["release"].as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// A bin directory whose files are the workspace's binaries (packing
/// follows the links), optionally with either replaced by a script.
fn real_bin_dir(
    dir: &Path,
    name: &str,
    custodiand: Option<&str>,
    custodianctl: Option<&str>,
) -> PathBuf {
    let b = dir.join(name);
    std::fs::create_dir_all(&b).expect("mkdir");
    for (n, script) in [("custodiand", custodiand), ("custodianctl", custodianctl)] {
        match script {
            Some(body) => write_exec(&b.join(n), body),
            None => std::os::unix::fs::symlink(bin(n), b.join(n)).expect("link"),
        }
    }
    b
}

#[tokio::test(flavor = "multi_thread")]
async fn updates_install_roll_back_and_survive_kill_9_with_every_step_audited() {
    let a = Appliance::start(&[]).expect("appliance");
    let p = Publisher::new();
    let work = tempfile::tempdir().expect("tempdir");
    let built = bin("custodiand").parent().expect("bin dir").to_owned();
    let m = Machine::tree(&built);

    let mut cfg = password_only(&a, "", "login-attempts-per-5-minutes = 1000");
    cfg.ops_unix = true;
    cfg.binary = Some(m.path("root/current/bin/custodiand"));
    cfg.extra_toml.push_str(&format!(
        "\n[updates]\nsocket = \"{}\"\nfollow-secs = 1\n",
        m.path("updater.sock").display()
    ));
    let d = common::daemon(cfg);
    assert_eq!(
        release_served(&d),
        "0.1.0",
        "readyz names the release directory"
    );
    let pidfile = d.dir().join("custodiand.pid");
    std::fs::write(&pidfile, d.pid().to_string()).expect("pidfile");
    let _restarted = Restarted(pidfile.clone());
    let restart = m.path("restart-custodiand");
    write_exec(
        &restart,
        &format!(
            "#!/bin/sh\n# Stands in for `systemctl restart custodiand.service`.\n\
             dir={dir}\nold=$(cat \"$dir/custodiand.pid\" 2>/dev/null)\n\
             if [ -n \"$old\" ]; then\n  kill -TERM \"$old\" 2>/dev/null\n  i=0\n\
               while [ -d \"/proc/$old\" ] && ! grep -q '^State:.*Z' \"/proc/$old/status\" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done\n\
               kill -KILL \"$old\" 2>/dev/null\nfi\n\
             cd \"$dir\"\nsetsid {root}/current/bin/custodiand --config \"$dir/custodiand.toml\" </dev/null >>\"$dir/daemon.log\" 2>&1 &\n\
             echo $! > \"$dir/custodiand.pid\"\n",
            dir = d.dir().display(),
            root = m.path("root").display(),
        ),
    );
    // A debug custodiand on a loaded CI machine (two cores, other tests'
    // PostgreSQL and OpenBao beside it) may take more than 15 s to become
    // ready after a restart that first stops one still starting: the likely
    // cause of a rare failure below, where the recovery's health check ran
    // out and rolled back to 0.2.0. The timeout only bounds how long the
    // bad release (0.3.0) takes to fail.
    let ops = d.dir().join("ops.sock");
    let service = format!(
        "restart = [\"{}\"]\nreadiness = \"unix:{}\"\nready-timeout-secs = 40\nsoak-secs = 2",
        restart.display(),
        ops.display()
    );
    // Migrations come from the new release; the pause makes the step
    // long enough to be interrupted.
    let migrate = format!(
        "command = [\"/bin/sh\", \"-c\", \"sleep 2; exec \\\"$0\\\" \\\"$@\\\"\", \"{{release}}/bin/custodianctl\", \"migrate\", \"--role-id\", \"{}\", \"--secret-id-file\", \"{}\", \"--db-host\", \"127.0.0.1\", \"--db-port\", \"{}\"]\nenv = {{ VAULT_ADDR = \"{}\" }}",
        a.db.migrator_role_id,
        a.db.migrator_secret_id_file.display(),
        a.pg.port,
        a.bao.url(),
    );
    m.configure(&p, &service, &migrate, TEST_USER);
    p.release("0.2.0", &real_bin_dir(work.path(), "good", None, None));
    let mut updater = UpdaterProcess::start(&m);

    // Only custodiand's account may use the socket: others cannot open it
    // (mode 0660, custodiand's group), and root, who can, is refused by
    // the peer-credential check.
    let out = ask_as("nobody", &m, &["status"]);
    assert!(
        !out.status.success() && text(&out).contains("Permission denied"),
        "{}",
        text(&out)
    );
    let out = ask_as("root", &m, &["status"]);
    assert!(
        !out.status.success() && text(&out).contains("not allowed"),
        "{}",
        text(&out)
    );
    let out = ask_as(TEST_USER, &m, &["status"]);
    assert!(out.status.success(), "{}", text(&out));
    // A request may name only a version; anything else is refused.
    let out = ask_as(TEST_USER, &m, &["apply", "https://evil.example/x.tar.gz"]);
    assert!(
        !out.status.success() && text(&out).contains("bad request"),
        "{}",
        text(&out)
    );

    // An administrator (after step-up) checks and installs through the page.
    set_up(&d).await;
    let mut admin = Browser::new(&d);
    admin.login("admin", PASSWORD).await;
    let page = admin.get("/admin/updates").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body
            .contains("<dd id=\"installed\" dir=\"ltr\">0.1.0</dd>"),
        "{}",
        page.body
    );
    let r = admin
        .post(
            "/admin/updates",
            &[("csrf", &page.csrf()), ("action", "check")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = admin.get("/admin/updates").await;
    assert!(page.body.contains("Install 0.2.0"), "{}", page.body);
    // Checks in quick succession get the same report: no second refresh.
    let at = |o: Output| -> i64 {
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
        v["check"]["at"].as_i64().expect("at")
    };
    let first = at(ask_as(TEST_USER, &m, &["check"]));
    assert_eq!(at(ask_as(TEST_USER, &m, &["check"])), first);
    let r = admin
        .post(
            "/admin/updates",
            &[
                ("csrf", &page.csrf()),
                ("action", "apply"),
                ("version", "0.2.0"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let log = || {
        std::fs::read_to_string(m.path("updater.log")).unwrap_or_default()
            + &std::fs::read_to_string(m.path("state/events.jsonl")).unwrap_or_default()
            + &d.log()
    };
    wait_for(
        "0.2.0 to serve and be committed",
        Duration::from_secs(120),
        || release_served(&d) == "0.2.0" && m.journal_step() == "idle",
        log,
    );
    assert_eq!(m.current(), "releases/0.2.0");
    let page = admin.get("/admin/updates").await;
    assert!(
        page.body
            .contains("<dd id=\"installed\" dir=\"ltr\">0.2.0</dd>"),
        "{}",
        page.body
    );
    wait_for(
        "the steps in the activity log",
        Duration::from_secs(20),
        || audit(&a, "update.commit") == 1,
        log,
    );
    for action in [
        "update.apply.requested",
        "update.check.requested",
        "update.verify",
        "update.download",
        "update.stage",
        "update.migrate",
        "update.switch",
        "update.restart",
        "update.commit",
    ] {
        assert!(audit(&a, action) >= 1, "{action} not in the activity log");
    }
    // A stale page cannot install a version that is not signed.
    let r = admin
        .post(
            "/admin/updates",
            &[
                ("csrf", &page.csrf()),
                ("action", "apply"),
                ("version", "9.9.9"),
            ],
        )
        .await;
    assert_eq!(r.status, 409);
    assert!(r.body.contains("not a signed release"), "{}", r.body);

    // A release whose daemon never becomes ready is rolled back, marked
    // bad, and refused from then on; the previous release serves. This one
    // also brings a migration that only adds a table: 0.2.0, which does
    // not know it, must run on it after the rollback.
    let known = custodian_db::migrations::expected_version();
    let migrate_next = format!(
        "#!/bin/sh\nset -e\n{real} \"$@\"\nif [ \"$1\" = migrate ]; then {psql} -c \"{sql}\"; fi\n",
        real = bin("custodianctl").display(),
        psql = a.pg.superuser_shell_command("custodian"),
        sql = format_args!(
            "CREATE TABLE future_notes (id bigint); \
             INSERT INTO custodian_schema (version, name, sha256, additive) \
             VALUES ({}, 'future_notes', 'test', true)",
            known + 1
        ),
    );
    p.release(
        "0.3.0",
        &real_bin_dir(
            work.path(),
            "broken",
            Some("#!/bin/sh\nexit 1\n"),
            Some(&migrate_next),
        ),
    );
    let out = ask_as(TEST_USER, &m, &["apply", "0.3.0"]);
    assert!(out.status.success(), "{}", text(&out));
    wait_for(
        "the rollback",
        Duration::from_secs(120),
        || {
            std::fs::read_to_string(m.path("state/events.jsonl"))
                .unwrap_or_default()
                .contains("\"step\":\"rollback\",\"outcome\":\"ok\"")
                && m.journal_step() == "idle"
        },
        log,
    );
    assert_eq!(release_served(&d), "0.2.0");
    assert_eq!(m.current(), "releases/0.2.0");
    assert_eq!(
        a.pg.psql("custodian", "SELECT version FROM custodian_schema_version")
            .expect("schema"),
        (known + 1).to_string(),
        "0.2.0 serves on the schema 0.3.0 left"
    );
    assert!(
        !m.path("root/releases/0.3.0").exists(),
        "the bad release is removed"
    );
    let out = ask_as(TEST_USER, &m, &["apply", "0.3.0"]);
    assert!(
        text(&out).contains("failed its health check"),
        "{}",
        text(&out)
    );

    // kill -9 before the switch: the next start discards the staged
    // release; nothing changed.
    p.release("0.4.0", &real_bin_dir(work.path(), "next", None, None));
    let out = ask_as(TEST_USER, &m, &["apply", "0.4.0"]);
    assert!(out.status.success(), "{}", text(&out));
    wait_for(
        "the migration step",
        Duration::from_secs(60),
        || m.journal_step() == "migrating",
        log,
    );
    drop(updater);
    assert_eq!(m.current(), "releases/0.2.0");
    assert_eq!(release_served(&d), "0.2.0");
    updater = UpdaterProcess::start(&m);
    assert_eq!(m.journal_step(), "idle");
    assert!(!m.path("root/releases/0.4.0").exists());
    assert_eq!(release_served(&d), "0.2.0");

    // kill -9 during the health check, after the switch: the next start
    // restarts, checks again and commits.
    let out = ask_as(TEST_USER, &m, &["apply", "0.4.0"]);
    assert!(out.status.success(), "{}", text(&out));
    wait_for(
        "the health check",
        Duration::from_secs(120),
        || m.journal_step() == "health-check",
        log,
    );
    drop(updater);
    assert_eq!(m.current(), "releases/0.4.0");
    let updater = UpdaterProcess::start(&m);
    assert_eq!(m.journal_step(), "idle", "{}", log());
    assert_eq!(release_served(&d), "0.4.0", "{}", log());
    let installed: serde_json::Value =
        serde_json::from_slice(&std::fs::read(m.path("state/installed.json")).expect("installed"))
            .expect("json");
    assert_eq!(installed["committed"], "0.4.0");
    assert_eq!(installed["floor"], "0.4.0");
    assert_eq!(installed["bad"], serde_json::json!(["0.3.0"]));
    // Downgrading to 0.2.0 is refused now.
    let out = ask_as(TEST_USER, &m, &["apply", "0.2.0"]);
    assert!(text(&out).contains("older than 0.4.0"), "{}", text(&out));

    wait_for(
        "recoveries and the rollback in the activity log",
        Duration::from_secs(20),
        || {
            audit(&a, "update.recover") >= 2
                && audit(&a, "update.rollback") >= 1
                && audit(&a, "update.commit") >= 2
        },
        log,
    );
    let page = admin.get("/admin/updates").await;
    assert!(
        page.body
            .contains("<dd id=\"installed\" dir=\"ltr\">0.4.0</dd>"),
        "{}",
        page.body
    );
    assert!(page.body.contains("0.3.0"), "the bad version is shown");

    // A release whose migrations the running release could not run on:
    // refused through the socket before anything is migrated (a failure
    // could not be rolled back); an operator at the console may accept it.
    let marker = work.path().join("migrated-0.5.0");
    let breaking = format!(
        "#!/bin/sh\ncase \"$1\" in\n  schema) echo '{{\"version\": 999, \"compatible_from\": 999}}' ;;\n  migrate) touch {marker} ;;\n  *) exec {real} \"$@\" ;;\nesac\n",
        marker = marker.display(),
        real = bin("custodianctl").display(),
    );
    p.release(
        "0.5.0",
        &real_bin_dir(work.path(), "breaking", None, Some(&breaking)),
    );
    let out = ask_as(TEST_USER, &m, &["apply", "0.5.0"]);
    assert!(out.status.success(), "{}", text(&out));
    let events = || std::fs::read_to_string(m.path("state/events.jsonl")).unwrap_or_default();
    wait_for(
        "the schema refusal",
        Duration::from_secs(60),
        || {
            events().contains("\"step\":\"schema\",\"outcome\":\"failed\"")
                && m.journal_step() == "idle"
        },
        log,
    );
    assert!(
        events().contains("custodian-updated apply --irreversible 0.5.0"),
        "the refusal names the way: {}",
        events()
    );
    assert!(!marker.exists(), "nothing was migrated");
    assert_eq!(m.current(), "releases/0.4.0");
    assert!(!m.path("root/releases/0.5.0").exists());
    drop(updater);
    let out = m.updater(&["apply", "--irreversible", "0.5.0"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(marker.exists(), "migrated after the operator accepted");
    assert_eq!(m.current(), "releases/0.5.0");
    assert_eq!(release_served(&d), "0.5.0");
}
