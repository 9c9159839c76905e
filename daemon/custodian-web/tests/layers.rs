//! The layers stay layers: custodiand → custodian-web → custodian-core,
//! the web face links no database driver, the domain no HTTP or HTML, and
//! no crate's top-level modules use each other in a circle (which would
//! make "what does this module depend on" a question about all of them).

// A test fails by panicking; the crate's lints are for the daemon's code.
#![allow(clippy::panic, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn daemon_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The `[dependencies]` names of a crate's manifest.
fn dependencies(krate: &str) -> BTreeSet<String> {
    let text =
        std::fs::read_to_string(daemon_dir().join(krate).join("Cargo.toml")).expect("Cargo.toml");
    let mut out = BTreeSet::new();
    let mut inside = false;
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            inside = line == "[dependencies]";
        } else if inside && !line.is_empty() && !line.starts_with('#') {
            let name = line.split(['=', '.', ' ']).next().unwrap_or("");
            out.insert(name.to_owned());
        }
    }
    assert!(out.len() > 3, "read the dependencies of {krate}: {out:?}");
    out
}

#[test]
fn the_arrows_run_one_way() {
    let web = dependencies("custodian-web");
    let core = dependencies("custodian-core");
    assert!(web.contains("custodian-core"));
    assert!(core.contains("custodian-db"));
    for no in [
        "tokio-postgres",
        "deadpool-postgres",
        "postgres-types",
        "custodiand",
    ] {
        assert!(!web.contains(no), "custodian-web depends on {no}");
    }
    for no in [
        "hyper",
        "http",
        "maud",
        "custodian-web",
        "custodiand",
        "multer",
    ] {
        assert!(!core.contains(no), "custodian-core depends on {no}");
    }
}

/// Each top-level module of `src` and the top-level modules it names
/// (`crate::x`, and `super::x` from a top-level file); test modules left out.
fn module_graph(krate: &str) -> BTreeMap<String, BTreeSet<String>> {
    let src = daemon_dir().join(krate).join("src");
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut files = vec![];
    let mut dirs = vec![src.clone()];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).expect("src").flatten() {
            let p = e.path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                files.push(p);
            }
        }
    }
    for p in files {
        let rel = p.strip_prefix(&src).expect("under src");
        let parts: Vec<String> = rel
            .with_extension("")
            .iter()
            .map(|c| c.to_string_lossy().into_owned())
            .collect();
        let top = parts[0].clone();
        if top == "lib" || top == "main" {
            continue;
        }
        let text = std::fs::read_to_string(&p).expect("source");
        let code = text.split("#[cfg(test)]\nmod tests").next().unwrap_or("");
        let mut names = BTreeSet::new();
        let mut prefixes = vec!["crate::"];
        if parts.len() == 1 {
            prefixes.push("super::");
        }
        for prefix in prefixes {
            for piece in code.split(prefix).skip(1) {
                if let Some(first) = piece.strip_prefix('{') {
                    // `use super::{a, b::c}`
                    let list = first.split('}').next().unwrap_or("");
                    names.extend(list.split(',').map(|n| ident(n.trim())));
                } else {
                    names.insert(ident(piece));
                }
            }
        }
        names.remove(&top);
        graph.entry(top).or_default().extend(names);
    }
    let known: BTreeSet<String> = graph.keys().cloned().collect();
    for edges in graph.values_mut() {
        edges.retain(|n| known.contains(n));
    }
    graph
}

fn ident(s: &str) -> String {
    s.chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect()
}

/// A circle of modules, if there is one (depth-first search).
fn circle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        at: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|p| p == at) {
            let mut c = path[i..].to_vec();
            c.push(at.to_owned());
            return Some(c);
        }
        if done.contains(at) {
            return None;
        }
        path.push(at.to_owned());
        for next in graph.get(at).into_iter().flatten() {
            if let Some(c) = visit(next, graph, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(at.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|m| visit(m, graph, &mut Vec::new(), &mut done))
}

#[test]
fn no_crate_has_an_import_circle() {
    for krate in ["custodian-core", "custodian-web", "custodiand"] {
        let graph = module_graph(krate);
        assert!(graph.len() > 8, "{krate}: read {} modules", graph.len());
        assert_eq!(
            circle(&graph),
            None,
            "{krate}: modules that use each other in a circle"
        );
    }
}

#[test]
fn the_circle_finder_finds_one() {
    let g: BTreeMap<String, BTreeSet<String>> = [("a", "b"), ("b", "c"), ("c", "a"), ("d", "a")]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), BTreeSet::from([v.to_owned()])))
        .collect();
    assert_eq!(
        circle(&g).map(|c| c.len()),
        Some(4),
        "a → b → c → a: {:?}",
        circle(&g)
    );
}
