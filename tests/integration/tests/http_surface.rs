//! What a browser (or a scanner) sees: headers, methods, error pages.

mod common;

use common::{client, daemon, raw_request};
use custodian_harness::DaemonConfig;

const REQUIRED: &[(&str, &str)] = &[
    (
        "strict-transport-security",
        "max-age=63072000; includeSubDomains",
    ),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "same-origin"),
    ("cross-origin-opener-policy", "same-origin"),
    ("cross-origin-resource-policy", "same-origin"),
    ("x-frame-options", "DENY"),
];

fn assert_hardened(res: &reqwest::Response, what: &str) {
    let h = res.headers();
    for (k, v) in REQUIRED {
        assert_eq!(
            h.get(*k).and_then(|v| v.to_str().ok()),
            Some(*v),
            "{what}: {k}"
        );
    }
    let csp = h
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    for d in [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'self'",
    ] {
        assert!(csp.contains(d), "{what}: CSP lacks {d}: {csp}");
    }
    assert!(!csp.contains("unsafe-"), "{what}: {csp}");
    assert!(h.contains_key("permissions-policy"), "{what}");
    assert!(h.get("server").is_none(), "{what}: Server header present");
}

#[tokio::test]
async fn every_answer_carries_the_security_headers() {
    let d = daemon(DaemonConfig::default());
    let c = client(&d);
    for (method, path, status) in [
        ("GET", "/", 200),
        ("HEAD", "/", 200),
        ("GET", "/robots.txt", 200),
        ("GET", "/static/app.css", 200),
        ("GET", "/no/such/page", 404),
        ("PUT", "/", 405),
        ("DELETE", "/robots.txt", 405),
        ("POST", "/", 405),
        ("POST", "/csp-report", 400),
    ] {
        let res = c
            .request(method.parse().expect("method"), d.url(path))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        assert_eq!(res.status().as_u16(), status, "{method} {path}");
        assert_hardened(&res, &format!("{method} {path}"));
    }
}

#[tokio::test]
async fn other_methods_get_405_with_allow() {
    let d = daemon(DaemonConfig::default());
    let c = client(&d);
    for method in ["PUT", "DELETE", "PATCH", "OPTIONS", "PROPFIND"] {
        let res = c
            .request(method.parse().expect("m"), d.url("/"))
            .send()
            .await
            .expect("send");
        assert_eq!(res.status().as_u16(), 405, "{method}");
        assert_eq!(res.headers()["allow"], "GET, HEAD", "{method}");
    }
    // TRACE is refused too (sent raw: clients refuse to send it).
    let raw = raw_request(
        &d,
        "TRACE / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert!(raw.starts_with("HTTP/1.1 405"), "{raw}");
    assert!(
        raw.to_ascii_lowercase().contains("allow: get, head"),
        "{raw}"
    );
}

#[tokio::test]
async fn robots_txt_disallows_everything() {
    let d = daemon(DaemonConfig::default());
    let res = client(&d)
        .get(d.url("/robots.txt"))
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.text().await.expect("body"),
        "User-agent: *\nDisallow: /\n"
    );
}

#[tokio::test]
async fn head_has_no_body_and_pages_have_no_inline_script() {
    let d = daemon(DaemonConfig::default());
    let c = client(&d);
    let head = c.head(d.url("/")).send().await.expect("head");
    assert_eq!(head.status(), 200);
    assert!(head.bytes().await.expect("body").is_empty());
    let page = c
        .get(d.url("/"))
        .send()
        .await
        .expect("get")
        .text()
        .await
        .expect("text");
    assert!(page.contains("<link rel=\"stylesheet\" href=\"/static/app.css\">"));
    assert!(!page.contains("<script") && !page.contains("style=") && !page.contains("<style"));
}

#[tokio::test]
async fn error_pages_show_no_internals() {
    let d = daemon(DaemonConfig::default());
    let c = client(&d);
    let body = c
        .get(d.url("/%2e%2e/%2e%2e/etc/passwd?x=<script>"))
        .send()
        .await
        .expect("get")
        .text()
        .await
        .expect("text");
    assert!(body.contains("Not found"));
    for leak in [
        "custodiand",
        "hyper",
        "rustls",
        "panicked",
        ".rs",
        "<script>",
        "passwd",
        "0.1.0",
    ] {
        assert!(!body.contains(leak), "error page shows {leak:?}: {body}");
    }
    let res = c
        .post(d.url("/csp-report"))
        .header("content-type", "application/csp-report")
        .body("{not json")
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 400);
    let body = res.text().await.expect("text");
    assert!(
        !body.contains("expected") && !body.contains("line 1"),
        "parser error leaked: {body}"
    );
}

#[tokio::test]
async fn http2_and_http11_are_negotiated_by_alpn() {
    let d = daemon(DaemonConfig::default());
    let res = client(&d).get(d.url("/")).send().await.expect("get");
    assert_eq!(res.version(), reqwest::Version::HTTP_2);
    let raw = raw_request(
        &d,
        "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert!(raw.starts_with("HTTP/1.1 200"), "{raw}");
}

#[tokio::test]
async fn operator_endpoints_are_not_on_the_public_listener() {
    let d = daemon(DaemonConfig::default());
    let c = client(&d);
    for path in ["/readyz", "/livez", "/health", "/version"] {
        let res = c.get(d.url(path)).send().await.expect("get");
        assert_eq!(res.status(), 404, "{path}");
    }
    let ops = d.ops_get("/readyz").expect("ops");
    assert!(
        ops.starts_with("HTTP/1.1 200") && ops.contains("\"ready\""),
        "{ops}"
    );
}

#[tokio::test]
async fn operator_endpoints_can_use_a_unix_socket() {
    let d = daemon(DaemonConfig {
        ops_unix: true,
        ..DaemonConfig::default()
    });
    let ready = d.ops_get("/readyz").expect("ops over unix");
    assert!(ready.contains("\"status\":\"ready\""), "{ready}");
    let live = d.ops_get("/livez").expect("livez");
    assert!(live.contains("alive"), "{live}");
}

#[tokio::test]
async fn no_secret_reaches_the_log() {
    let d = daemon(DaemonConfig::default());
    let _ = client(&d)
        .get(d.url("/?token=abc123secret"))
        .send()
        .await
        .expect("get");
    let log = d.log();
    assert!(log.contains("path=/"), "access log present: {log}");
    assert!(!log.contains("abc123secret"), "query string logged: {log}");
    let key_body: String = d
        .pki
        .key_pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    assert!(!log.contains(&key_body[..32]), "key material in the log");
}

/// The interface speaks the browser's language when it is one of ours
/// (Arabic, right to left; English), else the appliance's default.
#[tokio::test]
async fn pages_follow_accept_language_and_the_configured_default() {
    async fn page(
        d: &custodian_harness::Daemon,
        path: &str,
        lang: Option<&str>,
    ) -> (String, String) {
        let mut req = client(d).get(d.url(path));
        if let Some(l) = lang {
            req = req.header("accept-language", l);
        }
        let res = req.send().await.expect("get");
        let content_language = res
            .headers()
            .get("content-language")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        (content_language, res.text().await.expect("body"))
    }
    let d = daemon(DaemonConfig::default());
    let (cl, en) = page(&d, "/", None).await;
    assert_eq!(cl, "en");
    assert!(en.contains("<html lang=\"en\" dir=\"ltr\">"), "{en}");
    assert!(en.contains("Before you sign in"), "{en}");
    for accept in ["ar-SY,ar;q=0.9,en;q=0.8", "fr-FR, ar;q=0.5, en;q=0.4", "AR"] {
        let (cl, ar) = page(&d, "/", Some(accept)).await;
        assert_eq!(cl, "ar", "{accept}");
        assert!(
            ar.contains("<html lang=\"ar\" dir=\"rtl\">"),
            "{accept}: {ar}"
        );
        assert!(ar.contains("قبل تسجيل الدخول"), "{ar}");
        for english in [
            "Before you sign in",
            "Skip to the page",
            "Sign in",
            "evidence appliance",
        ] {
            assert!(!ar.contains(english), "{english} on the Arabic page: {ar}");
        }
    }
    let (_, fr) = page(&d, "/", Some("fr, de;q=0.5")).await;
    assert!(fr.contains("<html lang=\"en\""), "{fr}");
    // An error page is in the request's language too.
    let (_, missing) = page(&d, "/no-such-page", Some("ar")).await;
    assert!(missing.contains("dir=\"rtl\""), "{missing}");
    assert!(missing.contains("لا يوجد شيء في هذا العنوان"), "{missing}");
    assert!(!missing.contains("nothing at this address"), "{missing}");

    let d = daemon(DaemonConfig {
        server_toml: "language = \"ar\"".into(),
        ..DaemonConfig::default()
    });
    let (_, ar) = page(&d, "/", None).await;
    assert!(ar.contains("<html lang=\"ar\" dir=\"rtl\">"), "{ar}");
    let (_, en) = page(&d, "/", Some("en-GB")).await;
    assert!(en.contains("<html lang=\"en\" dir=\"ltr\">"), "{en}");
}
