//! CSP violation reports, counted and written to the journal once a
//! minute. Reports are anonymous: one journal line each would let anyone
//! fill the journal (the per-address limit does not stop many addresses),
//! and they never go into the activity log. Per minute at most
//! [`KINDS`] kinds (directive and blocked origin) are kept, each with its
//! count and its first example; the rest are only counted.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

/// Distinct kinds kept per minute: enough for real pages (a handful of
/// directives), bounded whatever a sender invents.
pub(crate) const KINDS: usize = 32;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kind {
    pub directive: String,
    /// The blocked URI's scheme and host (`https://evil.example`), or a
    /// keyword such as `inline`: paths and queries would make every
    /// report a kind of its own.
    pub blocked: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub kind: Kind,
    pub count: u64,
    /// The first report of the kind in the minute.
    pub first_peer: String,
    pub first_document: String,
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub lines: Vec<Line>,
    /// Reports of kinds beyond the first [`KINDS`].
    pub other: u64,
}

#[derive(Default)]
pub struct CspTally {
    minute: Mutex<Minute>,
}

/// The lines in order of first report, where each kind's line is, and the
/// count beyond [`KINDS`].
#[derive(Default)]
struct Minute {
    lines: Vec<Line>,
    index: HashMap<(String, String), usize>,
    other: u64,
}

/// `https://host/path?q` → `https://host`, `data:…` → `data:`; keywords
/// (`inline`, `eval`) as they are.
pub(crate) fn blocked_origin(uri: &str) -> String {
    match uri.split_once("://") {
        Some((scheme, rest)) => {
            let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
            format!("{scheme}://{host}")
        }
        // `data:…`, `blob:…`: the scheme says enough.
        None => match uri.split_once(':') {
            Some((scheme, _)) => format!("{scheme}:"),
            None => uri.to_owned(),
        },
    }
}

impl CspTally {
    pub fn count(&self, directive: &str, blocked_uri: &str, peer: &str, document: &str) {
        let blocked = blocked_origin(blocked_uri);
        let mut m = self.minute.lock().unwrap_or_else(|p| p.into_inner());
        let Minute {
            lines,
            index,
            other,
        } = &mut *m;
        if let Some(&i) = index.get(&(directive.to_owned(), blocked.clone())) {
            lines[i].count += 1;
        } else if lines.len() < KINDS {
            index.insert((directive.to_owned(), blocked.clone()), lines.len());
            lines.push(Line {
                kind: Kind {
                    directive: directive.to_owned(),
                    blocked,
                },
                count: 1,
                first_peer: peer.to_owned(),
                first_document: document.to_owned(),
            });
        } else {
            *other += 1;
        }
    }

    /// What was counted since the last call, and a fresh minute.
    pub fn take(&self) -> Summary {
        let mut m = self.minute.lock().unwrap_or_else(|p| p.into_inner());
        let Minute { lines, other, .. } = std::mem::take(&mut *m);
        Summary { lines, other }
    }

    /// Writes what was counted to the journal: one line per kind.
    pub fn write_to_journal(&self) {
        let s = self.take();
        for l in &s.lines {
            tracing::warn!(
                target: "csp",
                directive = %l.kind.directive,
                blocked = %l.kind.blocked,
                reports = l.count,
                first_peer = %l.first_peer,
                first_document = %l.first_document,
                "content security policy violations reported in the last minute"
            );
        }
        if s.other > 0 {
            tracing::warn!(target: "csp", reports = s.other, "content security policy violations of further kinds in the last minute (not itemised)");
        }
    }

    /// Every minute, until the task is dropped.
    pub async fn write_every_minute(self: std::sync::Arc<Self>) {
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        tick.tick().await;
        loop {
            tick.tick().await;
            self.write_to_journal();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flood_of_invented_kinds_is_counted_in_bounded_memory() {
        let t = CspTally::default();
        for i in 0..100_000u32 {
            t.count(
                "script-src",
                &format!("https://host{}.example/path/{i}", i % 100),
                "192.0.2.1",
                "https://appliance/bulletins",
            );
        }
        let s = t.take();
        assert_eq!(s.lines.len(), KINDS);
        assert_eq!(s.lines[0].count, 1000, "paths are one kind per host");
        assert_eq!(s.lines[0].kind.blocked, "https://host0.example");
        let total: u64 = s.lines.iter().map(|l| l.count).sum::<u64>() + s.other;
        assert_eq!(total, 100_000, "every report is counted");
        assert_eq!(s.other, 68_000);
        assert_eq!(t.take(), Summary::default(), "a fresh minute");
    }

    #[test]
    fn keywords_and_origins() {
        assert_eq!(blocked_origin("inline"), "inline");
        assert_eq!(
            blocked_origin("https://evil.example:8443/x?y#z"),
            "https://evil.example:8443"
        );
        assert_eq!(blocked_origin("data:image/png;base64,AAAA"), "data:");
    }
}
