//! sqlmap and wapiti (injection modules only) against a running appliance
//! with a signed-in administrator's session: they must find nothing.
//! Both come pinned from PyPI (scripts/install-deps).

mod common;

use std::path::Path;
use std::process::Command;

use common::daemon;
use common::web::*;
use custodian_harness::Appliance;

const TOOLS: &str = "/opt/custodian-tools/venv/bin";

fn tool(name: &str) -> String {
    let p = format!("{TOOLS}/{name}");
    assert!(
        Path::new(&p).exists(),
        "{p} missing: run scripts/install-deps"
    );
    p
}

#[tokio::test]
async fn sqlmap_and_wapiti_find_nothing() {
    let a = Appliance::start(&[]).expect("appliance");
    let mut cfg = password_only(&a, "", "login-attempts-per-5-minutes = 100000");
    cfg.storage_toml = Some(String::new());
    let d = daemon(cfg);
    set_up(&d).await;
    let mut admin = Browser::new(&d);
    admin.login("admin", PASSWORD).await;
    let csrf = admin.get("/bulletins/new").await.csrf();
    admin
        .post(
            "/bulletins",
            &[
                ("csrf", &csrf),
                ("title", "Scan target"),
                ("description", "<p>text</p>"),
                ("groups", ""),
            ],
        )
        .await;
    let csrf = admin.get("/actors/new").await.csrf();
    admin
        .post(
            "/actors",
            &[
                ("csrf", &csrf),
                ("title", "Scan actor"),
                ("type", "person"),
                ("nationality", "x"),
                ("description", ""),
                ("groups", ""),
            ],
        )
        .await;
    let cookie = format!(
        "__Host-session={}",
        admin.cookies.get("__Host-session").expect("session")
    );
    let base = format!("https://localhost:{}", d.port);
    let out_dir = tempfile::tempdir().expect("dir");

    for target in [
        format!("{base}/bulletins?q=scan&status=unassigned&page=0"),
        format!("{base}/bulletins/view?id=1"),
        format!("{base}/bulletins/history?id=1"),
        format!("{base}/actors?q=scan&status=unassigned&page=0"),
        format!("{base}/actors/view?id=1"),
        format!("{base}/admin/activity?actor=admin&action=login.&target=x&since=2026-01-01&page=0"),
        format!("{base}/admin/users/permissions?username=admin"),
    ] {
        let out = Command::new(tool("sqlmap"))
            .args([
                "-u", &target, "--cookie", &cookie, "--batch", "--level", "2", "--risk", "1",
            ])
            .args([
                "--technique",
                "BEUS",
                "--flush-session",
                "--disable-coloring",
                "--smart",
            ])
            .arg("--output-dir")
            .arg(out_dir.path())
            .output()
            .expect("sqlmap");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            !text.contains("is vulnerable")
                && !text.contains("appears to be injectable")
                && !text.contains("sqlmap identified the following injection point"),
            "sqlmap found something at {target}:\n{text}"
        );
        assert!(
            text.contains("do not appear to be injectable")
                || text.contains("heuristic (basic) test shows that"),
            "sqlmap did not test {target}:\n{text}"
        );
    }
    // The session is still alive (sqlmap did not break anything).
    assert!(admin.get("/").await.body.contains("Signed in as admin"));

    let report = out_dir.path().join("wapiti.json");
    let out = Command::new(tool("wapiti"))
        .args([
            "-u",
            &format!("{base}/"),
            "--scope",
            "domain",
            "-C",
            &cookie,
        ])
        .args(["-m", "sql,xss,permanentxss,exec,file,crlf,redirect"])
        .args([
            "-x",
            &format!("{base}/logout"),
            "-x",
            &format!("{base}/admin/users/state"),
        ])
        .args([
            "--max-scan-time",
            "240",
            "--max-attack-time",
            "60",
            "--flush-session",
        ])
        .args(["--verify-ssl", "0", "-f", "json", "-o"])
        .arg(&report)
        .env("HOME", out_dir.path())
        .output()
        .expect("wapiti");
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&report).unwrap_or_else(|e| {
            panic!(
                "no wapiti report ({e}):\n{}\n{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
        }))
        .expect("report");
    let found: Vec<String> = json["vulnerabilities"]
        .as_object()
        .expect("vulnerabilities")
        .iter()
        .filter(|(_, v)| v.as_array().is_some_and(|a| !a.is_empty()))
        .map(|(k, v)| format!("{k}: {v}"))
        .collect();
    assert!(found.is_empty(), "wapiti found:\n{}", found.join("\n"));
    // It did crawl the signed-in pages.
    let crawled = json["infos"]["crawled_pages_nbr"].as_u64().unwrap_or(0);
    assert!(
        crawled >= 10,
        "wapiti crawled only {crawled} pages: {}",
        json["infos"]
    );
}
