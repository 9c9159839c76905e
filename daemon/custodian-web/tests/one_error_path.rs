//! The error path stays one path: the shapes that lose a cause or hide a
//! failure inside a success do not come back into the domain or the web
//! layer. (Read from the sources, as a reviewer would grep them.)

// A test fails by panicking; the crate's lints are for the daemon's code.
#![allow(clippy::panic, clippy::expect_used)]

use std::path::{Path, PathBuf};

fn sources(crate_dir: &str) -> Vec<(PathBuf, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(crate_dir)
        .join("src");
    let mut out = Vec::new();
    let mut dirs = vec![root.clone()];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
            let p = e.expect("entry").path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                let text = std::fs::read_to_string(&p).expect("source");
                out.push((p, text));
            }
        }
    }
    assert!(
        out.len() > 10,
        "found the sources of {crate_dir} under {root:?}"
    );
    out
}

/// Lines of `crate_dir` for which `bad` holds, as `file:line: text`.
fn offending(crate_dir: &str, bad: impl Fn(&str) -> bool) -> Vec<String> {
    let mut found = Vec::new();
    for (path, text) in sources(crate_dir) {
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            if bad(code) {
                found.push(format!("{}:{}: {}", path.display(), n + 1, line.trim()));
            }
        }
    }
    found
}

#[test]
fn no_result_inside_a_result() {
    for c in ["custodian-core", "custodian-web"] {
        let found = offending(c, |l| l.contains("Result<Result<"));
        assert!(
            found.is_empty(),
            "a result inside a result:\n{}",
            found.join("\n")
        );
    }
}

#[test]
fn the_domain_has_no_string_errors() {
    let found = offending("custodian-core", |l| {
        l.find("Result<")
            .is_some_and(|at| l[at..].contains(", String>"))
    });
    assert!(
        found.is_empty(),
        "Result<_, String> in the domain (use CoreError, Problem or a typed error):\n{}",
        found.join("\n")
    );
}

#[test]
fn the_web_layer_drops_no_cause() {
    let found = offending("custodian-web", |l| {
        l.contains("map_err(|_|") || l.contains("unwrap_or_else(|r| r)")
    });
    assert!(
        found.is_empty(),
        "a dropped cause or a response used as an error (return WebError with the cause):\n{}",
        found.join("\n")
    );
}

#[test]
fn an_optional_backend_is_checked_in_one_place() {
    // `respond::needed` marks its 503 with the line that needed the
    // backend; `ok_or_else(unavailable)` would mark the standard library.
    let found = offending("custodian-web", |l| {
        l.contains(".as_ref().ok_or_else(unavailable)")
    });
    assert!(
        found.is_empty(),
        "use respond::needed(..):\n{}",
        found.join("\n")
    );
}

#[test]
fn the_reader_sees_the_sources() {
    // The checks above pass on an empty reading too; this one does not.
    let uses = offending("custodian-web", |l| l.contains("WebError"));
    assert!(uses.len() > 50, "{} lines name WebError", uses.len());
    let results = offending("custodian-core", |l| l.contains("Result<"));
    assert!(results.len() > 50, "{} lines name Result", results.len());
}
