//! The local appliance (`scripts/appliance`, which runs custodian-devstack)
//! keeps its state: after Ctrl-C and a new start on the same state
//! directory the administrator signs in (password and authenticator, both
//! checked with keys kept in its OpenBao) and an uploaded file downloads
//! with the same SHA-256; `--fresh` gives an empty appliance. A custodiand
//! without `[storage]` names that setting where files and exports need it.

mod common;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::daemon;
use common::web::*;
use custodian_harness::Appliance;
use sha2::{Digest, Sha256};

const BOUNDARY: &str = "custodian-appliance-boundary";

/// A small valid PNG (the store checks what a file really is).
fn png() -> Vec<u8> {
    let mut v = vec![
        0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d,
    ];
    v.extend_from_slice(b"IHDR");
    v.extend_from_slice(&[
        0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0, 0x90, 0x77, 0x53, 0xde,
    ]);
    v.extend((0..3000).map(|i| (i % 251) as u8));
    v.extend_from_slice(&[0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]);
    v
}

fn multipart(csrf: &str, id: &str, bytes: &[u8]) -> Vec<u8> {
    let mut b = Vec::new();
    for (field, value) in [("csrf", csrf), ("id", id)] {
        b.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{field}\"\r\n\r\n{value}\r\n")
                .as_bytes(),
        );
    }
    b.extend_from_slice(
        format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"checkpoint.png\"\r\nContent-Type: image/png\r\n\r\n"
        )
        .as_bytes(),
    );
    b.extend_from_slice(bytes);
    b.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    b
}

fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// One run of custodian-devstack on `state`, on a public port it picks
/// (`--port 0`); its output is collected for the assertions and for the
/// failure messages.
struct Devstack {
    child: Child,
    port: u16,
    stdout: Arc<Mutex<String>>,
    stderr: Arc<Mutex<String>>,
}

fn collect(stream: impl std::io::Read + Send + 'static) -> Arc<Mutex<String>> {
    let text = Arc::new(Mutex::new(String::new()));
    let sink = Arc::clone(&text);
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            let mut t = sink.lock().unwrap_or_else(|e| e.into_inner());
            t.push_str(&line);
            t.push('\n');
        }
    });
    text
}

impl Devstack {
    fn start(state: &Path, extra: &[&str]) -> Self {
        let bin = custodian_harness::sibling_bin("custodian-devstack", "CUSTODIAN_DEVSTACK_BIN")
            .expect("custodian-devstack (cargo build --workspace)");
        let mut child = Command::new(bin)
            .args(["--port", "0", "--state-dir"])
            .arg(state)
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start custodian-devstack");
        let stdout = collect(child.stdout.take().expect("stdout"));
        let stderr = collect(child.stderr.take().expect("stderr"));
        let mut me = Self {
            child,
            port: 0,
            stdout,
            stderr,
        };
        let marker = "Custodian is serving on https://localhost:";
        // The first run builds a cluster and migrates; on two busy cores
        // that can take a few minutes.
        let started = Instant::now();
        loop {
            let out = me.out();
            if let Some(rest) = out.split(marker).nth(1) {
                me.port = rest
                    .split('/')
                    .next()
                    .and_then(|p| p.parse().ok())
                    .expect("port");
                // The banner ends with this line.
                if out.contains("Press Ctrl-C to stop") {
                    return me;
                }
            }
            if let Ok(Some(status)) = me.child.try_wait() {
                std::thread::sleep(Duration::from_millis(200));
                panic!(
                    "custodian-devstack exited ({status}) before serving:\n{}\n{}",
                    me.out(),
                    me.err()
                );
            }
            assert!(
                started.elapsed() < Duration::from_secs(600),
                "custodian-devstack not serving after 10 minutes:\n{}\n{}",
                me.out(),
                me.err()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn out(&self) -> String {
        self.stdout
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn err(&self) -> String {
        self.stderr
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn setup_token(&self) -> String {
        let err = self.err();
        let line = err
            .lines()
            .find(|l| l.contains("one-time setup token"))
            .unwrap_or_else(|| panic!("no setup token:\n{err}"));
        line.rsplit(' ').next().expect("token").trim().to_owned()
    }

    /// Ctrl-C, as in its terminal; it must stop everything and succeed.
    fn interrupt(mut self) {
        let status = self.stop_with_sigint();
        assert!(
            status.is_some_and(|s| s.success()),
            "custodian-devstack did not stop cleanly on SIGINT ({status:?}):\n{}\n{}",
            self.out(),
            self.err()
        );
        std::thread::sleep(Duration::from_millis(200));
        assert!(
            self.out().contains("the state is kept in"),
            "{}",
            self.out()
        );
    }

    fn stop_with_sigint(&mut self) -> Option<std::process::ExitStatus> {
        if let Ok(Some(s)) = self.child.try_wait() {
            return Some(s);
        }
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(self.child.id() as i32),
            nix::sys::signal::Signal::SIGINT,
        );
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(120) {
            if let Ok(Some(s)) = self.child.try_wait() {
                return Some(s);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        None
    }
}

impl Drop for Devstack {
    /// A failed assertion still stops the servers (the devstack stops
    /// them on SIGINT); SIGKILL only if it hangs.
    fn drop(&mut self) {
        if self.stop_with_sigint().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A browser for the devstack: trusts its CA, keeps cookies, follows no
/// redirect, sends Origin.
struct Visitor {
    http: reqwest::Client,
    origin: String,
    cookies: BTreeMap<String, String>,
}

impl Visitor {
    fn new(port: u16, ca: &Path) -> Self {
        let pem = std::fs::read(ca).expect("ca.pem");
        let http = reqwest::Client::builder()
            .tls_built_in_root_certs(false)
            .add_root_certificate(reqwest::Certificate::from_pem(&pem).expect("CA"))
            .resolve("localhost", ([127, 0, 0, 1], port).into())
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .build()
            .expect("client");
        Self {
            http,
            origin: format!("https://localhost:{port}"),
            cookies: BTreeMap::new(),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn send(&mut self, req: reqwest::RequestBuilder) -> (Page, Vec<u8>) {
        let res = req
            .header("cookie", self.cookie_header())
            .header("origin", &self.origin)
            .send()
            .await
            .expect("request");
        let status = res.status().as_u16();
        let location = res
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let set_cookies: Vec<String> = res
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .map(str::to_owned)
            .collect();
        for c in &set_cookies {
            let (kv, _) = c.split_once(';').unwrap_or((c, ""));
            if let Some((k, v)) = kv.split_once('=') {
                if v.is_empty() {
                    self.cookies.remove(k);
                } else {
                    self.cookies.insert(k.to_owned(), v.to_owned());
                }
            }
        }
        let bytes = res.bytes().await.expect("body").to_vec();
        let page = Page {
            status,
            location,
            set_cookies,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        };
        (page, bytes)
    }

    async fn get(&mut self, path: &str) -> Page {
        let req = self.http.get(format!("{}{path}", self.origin));
        self.send(req).await.0
    }

    async fn download(&mut self, path: &str) -> (u16, Vec<u8>) {
        let req = self.http.get(format!("{}{path}", self.origin));
        let (page, bytes) = self.send(req).await;
        (page.status, bytes)
    }

    async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let body: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        let req = self
            .http
            .post(format!("{}{path}", self.origin))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        self.send(req).await.0
    }

    async fn post_raw(&mut self, path: &str, content_type: &str, body: Vec<u8>) -> Page {
        let req = self
            .http
            .post(format!("{}{path}", self.origin))
            .header("content-type", content_type)
            .body(body);
        self.send(req).await.0
    }

    async fn login(&mut self, user: &str, password: &str) -> Page {
        let csrf = self.get("/login").await.csrf();
        self.post(
            "/login",
            &[("csrf", &csrf), ("username", user), ("password", password)],
        )
        .await
    }
}

/// A state directory custodiand (as `custodian`) can reach: the
/// temporary directory above it is 0700 when created.
fn state_dir() -> (tempfile::TempDir, PathBuf) {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::Builder::new()
        .prefix("cust-dev-")
        .tempdir()
        .expect("tempdir");
    std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o711)).expect("chmod");
    let state = tmp.path().join("state");
    (tmp, state)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_local_appliance_keeps_its_data_until_started_fresh() {
    assert!(custodian_harness::is_root(), "run as root (CI does)");
    let (_tmp, state) = state_dir();
    let ca = state.join("ca.pem");
    let file = png();

    // First run: an empty appliance; an administrator with an
    // authenticator, a bulletin, a file on it.
    let first = Devstack::start(&state, &[]);
    assert!(
        first.out().contains("new state directory"),
        "{}",
        first.out()
    );
    let token = first.setup_token();
    let mut admin = Visitor::new(first.port, &ca);
    let form = admin.get("/setup").await;
    let done = admin
        .post(
            "/setup",
            &[
                ("csrf", &form.csrf()),
                ("token", &token),
                ("username", "admin"),
                ("password", PASSWORD),
                ("confirm", PASSWORD),
            ],
        )
        .await;
    assert_eq!(done.location.as_deref(), Some("/login"), "{}", done.body);
    admin.login("admin", PASSWORD).await;
    let enrol = admin.get("/account/totp").await;
    let key = enrolment_key(&enrol);
    let enrolled = admin
        .post(
            "/account/totp",
            &[("csrf", &enrol.csrf()), ("code", &totp_code(&key, 0))],
        )
        .await;
    assert_eq!(enrolled.location.as_deref(), Some("/"), "{}", enrolled.body);
    let csrf = admin.get("/bulletins/new").await.csrf();
    let created = admin
        .post(
            "/bulletins",
            &[
                ("csrf", &csrf),
                ("title", "Checkpoint footage"),
                ("description", ""),
                ("groups", ""),
            ],
        )
        .await;
    let view = created.location.clone().expect("created");
    let id = view.rsplit('=').next().expect("id").to_owned();
    let page = admin.get(&view).await;
    assert!(
        page.body.contains("action=\"/bulletins/media\""),
        "the devstack's bulletin page offers uploads:\n{}",
        page.body
    );
    let uploaded = admin
        .post_raw(
            "/bulletins/media",
            &format!("multipart/form-data; boundary={BOUNDARY}"),
            multipart(&page.csrf(), &id, &file),
        )
        .await;
    assert_eq!(uploaded.status, 303, "upload: {}", uploaded.body);
    let media = admin.get(&view).await.first_after("href=\"/media?id=", '"');
    let (status, bytes) = admin.download(&format!("/media?id={media}")).await;
    assert_eq!(status, 200);
    assert_eq!(hex_sha256(&bytes), hex_sha256(&file));
    // The state directory's backup repository works as a server's would.
    let backup_toml = state.join("backup/backup.toml");
    for args in [
        &["now", "--type", "full"][..],
        &["list"],
        &["verify"],
        &["drill", "--sample", "5"],
    ] {
        let out = Command::new(custodian_harness::vault::custodianctl_bin().expect("custodianctl"))
            .arg("backup")
            .args(&args[..1])
            .arg("--config")
            .arg(&backup_toml)
            .args(&args[1..])
            .output()
            .expect("custodianctl backup");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "backup {args:?}:\n{text}");
        if args[0] == "drill" {
            assert!(text.contains("\"media_checked\": 1"), "{text}");
        }
    }
    first.interrupt();

    // Second run on the same state: nothing to set up, the same account
    // (password peppered and authenticator secret encrypted with keys
    // from the kept OpenBao), the same file.
    let second = Devstack::start(&state, &[]);
    assert!(
        second.out().contains("reusing the state in"),
        "{}",
        second.out()
    );
    assert!(
        !second.err().contains("one-time setup token"),
        "the administrator is still there:\n{}",
        second.err()
    );
    let mut admin = Visitor::new(second.port, &ca);
    let step = admin.login("admin", PASSWORD).await;
    assert_eq!(
        step.location.as_deref(),
        Some("/login/totp"),
        "{}",
        step.body
    );
    let csrf = admin.get("/login/totp").await.csrf();
    // The next step's code: the first run used the current one.
    let signed_in = admin
        .post(
            "/login/totp",
            &[("csrf", &csrf), ("code", &totp_code(&key, 1))],
        )
        .await;
    assert_eq!(
        signed_in.location.as_deref(),
        Some("/"),
        "{}",
        signed_in.body
    );
    let page = admin.get(&view).await;
    assert!(page.body.contains("Checkpoint footage"), "{}", page.body);
    assert!(page.body.contains("checkpoint.png"), "{}", page.body);
    let (status, bytes) = admin.download(&format!("/media?id={media}")).await;
    assert_eq!(status, 200);
    assert_eq!(
        hex_sha256(&bytes),
        hex_sha256(&file),
        "the same file after a restart"
    );
    second.interrupt();

    // --fresh: the state is deleted first, and the appliance is empty.
    let fresh = Devstack::start(&state, &["--fresh"]);
    assert!(fresh.out().contains("--fresh: deleting"), "{}", fresh.out());
    assert!(
        fresh.out().contains("new state directory"),
        "{}",
        fresh.out()
    );
    fresh.setup_token();
    let mut visitor = Visitor::new(fresh.port, &ca);
    let setup = visitor.get("/setup").await;
    assert_eq!(setup.status, 200);
    assert!(setup.body.contains("name=\"token\""), "{}", setup.body);
    let refused = visitor.login("admin", PASSWORD).await;
    assert_ne!(refused.location.as_deref(), Some("/login/totp"));
    fresh.interrupt();
}

#[tokio::test]
async fn without_a_media_store_the_pages_name_the_setting() {
    let a = Appliance::start(&[]).expect("appliance");
    // No `storage_toml`: a configuration without [storage].
    let d = daemon(password_only(&a, "", ""));
    set_up(&d).await;
    let mut admin = Browser::new(&d);
    admin.login("admin", PASSWORD).await;
    let csrf = admin.get("/bulletins/new").await.csrf();
    let created = admin
        .post(
            "/bulletins",
            &[
                ("csrf", &csrf),
                ("title", "No store"),
                ("description", ""),
                ("groups", ""),
            ],
        )
        .await;
    let view = created.location.expect("created");
    let id = view.rsplit('=').next().expect("id").to_owned();
    let page = admin.get(&view).await;
    assert!(!page.body.contains("action=\"/bulletins/media\""));
    assert!(
        page.body.contains("[storage]") && page.body.contains("configuration file"),
        "the bulletin page names the setting:\n{}",
        page.body
    );
    let upload = admin
        .post_raw(
            "/bulletins/media",
            &format!("multipart/form-data; boundary={BOUNDARY}"),
            multipart(&page.csrf(), &id, &png()),
        )
        .await;
    assert_eq!(upload.status, 503);
    assert!(upload.body.contains("[storage]"), "{}", upload.body);
    let exports = admin.get("/exports").await;
    assert!(exports.body.contains("[storage]"), "{}", exports.body);
    let csrf = admin.get("/").await.csrf();
    let asked = admin
        .post(
            "/exports",
            &[
                ("csrf", &csrf),
                ("format", "csv"),
                ("q", ""),
                ("status", ""),
                ("reason", "for the court"),
            ],
        )
        .await;
    assert_eq!(asked.status, 503);
    assert!(
        asked.body.contains("[storage]") && !asked.body.contains("try again"),
        "an export request names the setting:\n{}",
        asked.body
    );
}
