//! The interface's languages: which one a request is answered in, and its
//! strings, from Fluent catalogues (`i18n/<tag>/<area>.ftl`, compiled in;
//! one file per area of the interface, so the pages of an area and their
//! strings change together).
//!
//! The language is decided once per request, in `routes::handle`, from
//! `Accept-Language` and the appliance's default, and is in scope for
//! everything that request renders ([`current`]); views ask for strings
//! with [`t`] and [`t_with`] and never compare languages themselves.
//! Adding a language: a directory of catalogues (a copy of `i18n/en/`,
//! translated), a variant of [`Lang`], its line in [`Lang::ALL`] and in
//! `Lang::catalogue` (the catalogue test then checks it is complete).

use std::cell::{Cell, RefCell};
use std::sync::OnceLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};

/// A language of the interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    En,
    Ar,
}

impl Lang {
    /// Every language, in the order a tie in `Accept-Language` prefers.
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Ar];

    /// The BCP 47 tag, as `<html lang>` and the configuration write it.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ar => "ar",
        }
    }

    /// Its name in itself, as a language menu shows it.
    pub fn name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Ar => "العربية",
        }
    }

    /// The direction of its script, for `<html dir>`.
    pub fn dir(self) -> &'static str {
        match self {
            Lang::En => "ltr",
            Lang::Ar => "rtl",
        }
    }

    /// The language a tag names (`ar`, `ar-SY`, `EN-gb`), if it is one of
    /// ours.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag.split(['-', '_']).next().unwrap_or("").trim();
        Lang::ALL
            .into_iter()
            .find(|l| l.tag().eq_ignore_ascii_case(primary))
    }

    /// The catalogue's files, one per area, in [`AREAS`]'s order.
    fn catalogue(self) -> [&'static str; AREAS.len()] {
        macro_rules! files {
            ($tag:literal) => {
                [
                    include_str!(concat!("../i18n/", $tag, "/common.ftl")),
                    include_str!(concat!("../i18n/", $tag, "/records.ftl")),
                    include_str!(concat!("../i18n/", $tag, "/admin.ftl")),
                    include_str!(concat!("../i18n/", $tag, "/account.ftl")),
                    include_str!(concat!("../i18n/", $tag, "/problems.ftl")),
                ]
            };
        }
        match self {
            Lang::En => files!("en"),
            Lang::Ar => files!("ar"),
        }
    }
}

/// The areas of the interface, each with a catalogue file per language:
/// the frame, sign-in and error pages; the records and reference data; the
/// administration; the account's own pages; the domain's refusals (what
/// the person must change), whichever page shows them.
const AREAS: [&str; 5] = ["common", "records", "admin", "account", "problems"];

/// The language of an `Accept-Language` header: the one of ours with the
/// highest weight (the first of equals), else `default`. Malformed parts
/// are skipped; `q=0` means "not this one".
pub fn negotiate(accept_language: Option<&str>, default: Lang) -> Lang {
    let mut best: Option<(Lang, u16)> = None;
    for part in accept_language.unwrap_or("").split(',').take(32) {
        let mut pieces = part.split(';');
        let Some(lang) = Lang::from_tag(pieces.next().unwrap_or("")) else {
            continue;
        };
        let q = pieces
            .find_map(|p| p.trim().strip_prefix("q="))
            .map_or(Some(1000), weight);
        let Some(q) = q.filter(|q| *q > 0) else {
            continue;
        };
        if best.map_or(true, |(_, b)| q > b) {
            best = Some((lang, q));
        }
    }
    best.map_or(default, |(l, _)| l)
}

/// A quality value (`0`, `0.8`, `1.000`) in thousandths.
fn weight(q: &str) -> Option<u16> {
    let v: f32 = q.trim().parse().ok()?;
    (0.0..=1.0)
        .contains(&v)
        .then(|| (v * 1000.0).round() as u16)
}

/// Who is reading, as far as the words and the clock go: the language and
/// the time zone of one request's pages.
struct Reader {
    lang: Cell<Lang>,
    zone: RefCell<jiff::tz::TimeZone>,
}

tokio::task_local! {
    static READER: Reader;
}

/// Runs `f` (one request's handling) with `lang` as its language (the
/// browser's, or the appliance's default) and times in UTC, until the
/// request's session says otherwise ([`follow`]).
pub async fn scope<F: std::future::Future>(lang: Lang, f: F) -> F::Output {
    let reader = Reader {
        lang: Cell::new(lang),
        zone: RefCell::new(jiff::tz::TimeZone::UTC),
    };
    READER.scope(reader, f).await
}

/// The signed-in account's own choices, once its session is known: its
/// language (kept as the browser's when it chose none, or one this build
/// no longer has) and its time zone (UTC when none, or one the database
/// does not know).
pub fn follow(prefs: &custodian_core::identity::preferences::Preferences) {
    let _ = READER.try_with(|r| {
        if let Some(lang) = prefs.language.as_deref().and_then(Lang::from_tag) {
            r.lang.set(lang);
        }
        if let Some(zone) = prefs.time_zone.as_deref().and_then(zone) {
            *r.zone.borrow_mut() = zone;
        }
    });
}

/// The language of the request being answered (English outside one:
/// unit tests, start-up).
pub fn current() -> Lang {
    READER.try_with(|r| r.lang.get()).unwrap_or_default()
}

/// The time zone the request's pages show times in (UTC outside one).
pub fn time_zone() -> jiff::tz::TimeZone {
    READER
        .try_with(|r| r.zone.borrow().clone())
        .unwrap_or(jiff::tz::TimeZone::UTC)
}

/// The zone of an IANA name, from the database compiled into the binary
/// (the sandbox keeps `/usr/share/zoneinfo` out of reach, and a zone must
/// mean the same on every appliance of a release).
pub fn zone(name: &str) -> Option<jiff::tz::TimeZone> {
    zones().get(name).ok()
}

fn zones() -> &'static jiff::tz::TimeZoneDatabase {
    static DB: OnceLock<jiff::tz::TimeZoneDatabase> = OnceLock::new();
    DB.get_or_init(jiff::tz::TimeZoneDatabase::bundled)
}

/// Every zone name a person may choose, sorted (read from the database
/// once).
pub fn zone_names() -> &'static [String] {
    static NAMES: OnceLock<Vec<String>> = OnceLock::new();
    NAMES.get_or_init(|| {
        let mut names: Vec<String> = zones()
            .available()
            .map(|n| n.as_str().to_owned())
            .filter(|n| n.contains('/') || n == "UTC")
            .collect();
        names.sort();
        names.dedup();
        names
    })
}

type Bundle = FluentBundle<FluentResource>;

fn bundles() -> &'static [Bundle; 2] {
    static BUNDLES: OnceLock<[Bundle; 2]> = OnceLock::new();
    BUNDLES.get_or_init(|| Lang::ALL.map(bundle))
}

fn bundle(lang: Lang) -> Bundle {
    let langid: unic_langid::LanguageIdentifier = lang.tag().parse().unwrap_or_default();
    let mut b = FluentBundle::new_concurrent(vec![langid]);
    // No isolation marks around placeables: the markup isolates user text
    // itself (`dir="auto"`, `<bdi>`), and the marks would end up in values
    // of attributes and in the tests' expectations.
    b.set_use_isolating(false);
    // A catalogue that does not parse is a build that must not ship; the
    // catalogue test parses each one, so this keeps what parsed.
    for (area, text) in AREAS.iter().zip(lang.catalogue()) {
        let resource = match FluentResource::try_new(text.to_owned()) {
            Ok(r) => r,
            Err((r, errors)) => {
                tracing::error!(
                    lang = lang.tag(),
                    area,
                    ?errors,
                    "interface catalogue has errors"
                );
                r
            }
        };
        if let Err(errors) = b.add_resource(resource) {
            tracing::error!(
                lang = lang.tag(),
                area,
                ?errors,
                "interface catalogue has duplicate keys"
            );
        }
    }
    b
}

/// The language's place in [`Lang::ALL`] (for tables kept per language).
pub fn index(lang: Lang) -> usize {
    Lang::ALL.iter().position(|l| *l == lang).unwrap_or(0)
}

/// The string `key` in the request's language.
pub fn t(key: &str) -> String {
    format(current(), key, None)
}

/// The string `key` with its placeables filled from `args`.
pub fn t_with(key: &str, args: &[(&str, FluentValue<'_>)]) -> String {
    let mut a = FluentArgs::new();
    for (name, value) in args {
        a.set(*name, value.clone());
    }
    format(current(), key, Some(&a))
}

/// A refusal of the domain (its message's key and values) in the
/// request's language: the one place a [`Problem`] becomes words.
///
/// [`Problem`]: custodian_core::error::Problem
pub fn problem(p: &custodian_core::error::Problem) -> String {
    use custodian_core::error::Arg;
    let args: Vec<(&str, FluentValue<'_>)> = p
        .args
        .iter()
        .map(|(name, value)| {
            let v = match value {
                Arg::Text(text) => FluentValue::from(text.as_ref()),
                Arg::Number(n) => FluentValue::from(*n),
            };
            (*name, v)
        })
        .collect();
    t_with(p.key, &args)
}

/// A stored notification (custodian-core's `Notice`: its key, and its
/// values as a JSON object of texts and numbers) in `lang`; `None` for a
/// key that is not a notice's. A text value is isolated (U+2068 …
/// U+2069) so that a group list or an address inside an Arabic sentence,
/// or a browser name carrying direction marks, keeps to itself and cannot
/// reorder the words around it; except a value shaped like an identifier
/// (`recovery-code`, `peer_review`), which a select expression may choose
/// by and which is one word in any direction.
pub fn notice_in(
    lang: Lang,
    key: &str,
    args: &serde_json::Map<String, serde_json::Value>,
) -> Option<String> {
    if !key.starts_with("notice-") {
        return None;
    }
    let mut a = FluentArgs::new();
    for (name, value) in args {
        let v = match value {
            serde_json::Value::String(text) if is_identifier(text) => {
                FluentValue::from(text.as_str())
            }
            serde_json::Value::String(text) => FluentValue::from(format!("\u{2068}{text}\u{2069}")),
            serde_json::Value::Number(n) => match n.as_i64() {
                Some(n) => FluentValue::from(n),
                None => FluentValue::from(n.to_string()),
            },
            other => FluentValue::from(other.to_string()),
        };
        a.set(name.as_str(), v);
    }
    Some(format(lang, key, Some(&a)))
}

fn is_identifier(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

fn format(lang: Lang, key: &str, args: Option<&FluentArgs<'_>>) -> String {
    let b = &bundles()[index(lang)];
    let Some(pattern) = b.get_message(key).and_then(|m| m.value()) else {
        // A key missing from a catalogue is caught by the catalogue test;
        // showing the key beats showing nothing.
        tracing::warn!(lang = lang.tag(), key, "interface string missing");
        return key.to_owned();
    };
    let mut errors = Vec::new();
    let text = b.format_pattern(pattern, args, &mut errors);
    if !errors.is_empty() {
        tracing::warn!(
            lang = lang.tag(),
            key,
            ?errors,
            "interface string did not format"
        );
    }
    text.into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeMap, BTreeSet};

    /// A catalogue's messages and the variables each one uses.
    fn messages(ftl: &str) -> BTreeMap<String, BTreeSet<String>> {
        let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut current: Option<String> = None;
        for line in ftl.lines() {
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            // A new message starts at the margin (a select's closing
            // brace may stand there too).
            if !line.starts_with(char::is_whitespace) && !line.starts_with('}') {
                let key = line.split('=').next().unwrap_or("").trim().to_owned();
                assert!(
                    out.insert(key.clone(), BTreeSet::new()).is_none(),
                    "{key} twice"
                );
                current = Some(key);
            }
            let Some(key) = &current else { continue };
            let vars = out.entry(key.clone()).or_default();
            for piece in line.split('$').skip(1) {
                let name: String = piece
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                    .collect();
                vars.insert(name);
            }
        }
        out
    }

    /// The text of every source file of the web layer.
    fn sources() -> Vec<String> {
        sources_in(concat!(env!("CARGO_MANIFEST_DIR"), "/src"))
    }

    /// The text of every source file of the domain, whose refusals are
    /// keys of `problems.ftl`.
    fn core_sources() -> Vec<String> {
        let out = sources_in(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../custodian-core/src"
        ));
        assert!(out.len() > 20, "read {} files of custodian-core", out.len());
        out
    }

    /// The text of every source file of custodiand, which names the
    /// settings page's configuration lines by key (`settings-about-…`).
    fn daemon_sources() -> Vec<String> {
        sources_in(concat!(env!("CARGO_MANIFEST_DIR"), "/../custodiand/src"))
    }

    #[test]
    fn the_configuration_lines_custodiand_names_are_in_the_catalogues() {
        let en = messages(&Lang::En.catalogue().join("\n"));
        let ar = messages(&Lang::Ar.catalogue().join("\n"));
        let named: BTreeSet<String> = daemon_sources()
            .iter()
            .flat_map(|text| string_literals(text))
            .filter(|l| l.starts_with("settings-about-"))
            .collect();
        assert!(named.len() >= 10, "{named:?}");
        for key in &named {
            assert!(en.contains_key(key) && ar.contains_key(key), "{key}");
        }
    }

    fn sources_in(root: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut dirs = vec![std::path::PathBuf::from(root)];
        while let Some(d) = dirs.pop() {
            for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
                let p = e.path();
                if p.is_dir() {
                    dirs.push(p);
                } else if p.extension().is_some_and(|x| x == "rs") {
                    out.push(std::fs::read_to_string(&p).unwrap_or_default());
                }
            }
        }
        out
    }

    /// Every string literal in the web layer's and the domain's sources.
    fn literals() -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        // The console's notifications are written by custodianctl; the
        // settings page's configuration labels are named by custodiand.
        let console = sources_in(concat!(env!("CARGO_MANIFEST_DIR"), "/../custodianctl/src"));
        for text in sources()
            .into_iter()
            .chain(core_sources())
            .chain(console)
            .chain(daemon_sources())
        {
            out.extend(string_literals(&text));
        }
        out
    }

    /// The string literals of a Rust source, as written (escapes kept):
    /// enough of Rust's lexing for keys (comments, `'"'`, `\"` and raw
    /// strings skipped or read whole).
    fn string_literals(text: &str) -> Vec<String> {
        let b = text.as_bytes();
        let (mut out, mut i) = (Vec::new(), 0);
        while i < b.len() {
            match b[i] {
                b'/' if b.get(i + 1) == Some(&b'/') => {
                    i = text[i..].find('\n').map_or(b.len(), |e| i + e);
                }
                b'\'' if b.get(i + 1) == Some(&b'"') && b.get(i + 2) == Some(&b'\'') => i += 3,
                b'\'' if b.get(i + 1) == Some(&b'\\') => i += 2,
                b'r' if b.get(i + 1) == Some(&b'#') || b.get(i + 1) == Some(&b'"') => {
                    let hashes = b[i + 1..].iter().take_while(|c| **c == b'#').count();
                    if b.get(i + 1 + hashes) != Some(&b'"') {
                        i += 1;
                        continue;
                    }
                    let start = i + 2 + hashes;
                    let close = format!("\"{}", "#".repeat(hashes));
                    let end = text[start..].find(&close).map_or(b.len(), |e| start + e);
                    out.push(text[start..end].to_owned());
                    i = end + close.len();
                }
                b'"' => {
                    let start = i + 1;
                    let mut j = start;
                    while j < b.len() && b[j] != b'"' {
                        j += if b[j] == b'\\' { 2 } else { 1 };
                    }
                    out.push(text[start..j.min(b.len())].to_owned());
                    i = j + 1;
                }
                _ => i += 1,
            }
        }
        out
    }

    /// The keys asked for by name: `t("..")` and `t_with("..", ..)`.
    fn asked_for() -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        for text in sources() {
            for line in text.lines().filter(|l| !l.trim_start().starts_with("//")) {
                for call in ["t(\"", "t_with(\""] {
                    let mut rest = line;
                    while let Some(at) = rest.find(call) {
                        let before = rest[..at].chars().next_back();
                        let after = &rest[at + call.len()..];
                        // `t(` itself, not the end of `split(`.
                        if !before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                            if let Some(key) = after.split('"').next() {
                                out.insert(key.to_owned());
                            }
                        }
                        rest = after;
                    }
                }
            }
        }
        out
    }

    /// The refusals made by key, in the domain and the web layer:
    /// `Rejected::problem("..")` and `Problem::new("..")`, each with the
    /// names its `.with("name", ..)` chain gives.
    fn problems_made() -> Vec<(String, BTreeSet<String>)> {
        // Notifications and revisions' summaries are made by key the same
        // way (`Notice::new("..")`, `Summary::new("..")`).
        let calls = [
            "problem(\"",
            "Problem::new(\"",
            "Notice::new(\"",
            "Summary::new(\"",
        ];
        let mut out = Vec::new();
        for text in sources().into_iter().chain(core_sources()) {
            let text: String = text
                .lines()
                .filter(|l| !l.trim_start().starts_with("//"))
                .collect::<Vec<_>>()
                .join("\n");
            let starts: Vec<(usize, usize)> = calls
                .iter()
                .flat_map(|call| {
                    text.match_indices(call)
                        .filter(|(at, _)| {
                            // `problem(` itself, not `a_problem(`.
                            !text[..*at]
                                .chars()
                                .next_back()
                                .is_some_and(|c| c.is_alphanumeric() || c == '_')
                        })
                        .map(|(at, _)| (at, at + call.len()))
                        .collect::<Vec<_>>()
                })
                .collect();
            let helpers = notice_helpers(&text);
            for &(at, key_at) in &starts {
                let key = text[key_at..].split('"').next().unwrap_or("").to_owned();
                // Its chain: up to the end of the statement or the next
                // refusal made.
                let next = starts
                    .iter()
                    .map(|(at, _)| *at)
                    .filter(|at| *at > key_at)
                    .min()
                    .unwrap_or(text.len());
                let end = text[key_at..]
                    .find(';')
                    .map_or(text.len(), |e| key_at + e)
                    .min(next);
                let mut names = with_names(&text[key_at..end]);
                // Made inside `helper(Notice::new(".."))`: the helper's
                // values too.
                for (helper, given) in &helpers {
                    if text[..at].ends_with(&format!("{helper}(")) {
                        names.extend(given.iter().cloned());
                    }
                }
                out.push((key, names));
            }
        }
        out
    }

    /// The names a `.with("name", ..)` chain gives.
    fn with_names(chain: &str) -> BTreeSet<String> {
        chain
            .split(".with(\"")
            .skip(1)
            .filter_map(|piece| piece.split('"').next())
            .map(str::to_owned)
            .collect()
    }

    /// Closures that add values to a notice made by key
    /// (`let to = |n: Notice| n.with("by", ..);`), each with the names it
    /// gives, those of a helper it calls included.
    fn notice_helpers(text: &str) -> Vec<(String, BTreeSet<String>)> {
        let mut helpers: Vec<(String, BTreeSet<String>)> = Vec::new();
        for (at, _) in text.match_indices(" = |n: Notice| ") {
            let Some(name) = text[..at].rsplit("let ").next() else {
                continue;
            };
            let body = &text[at..];
            let body = &body[..body.find(';').unwrap_or(body.len())];
            let mut names = with_names(body);
            for (other, given) in &helpers {
                if body.contains(&format!("{other}(")) {
                    names.extend(given.iter().cloned());
                }
            }
            helpers.push((name.trim().to_owned(), names));
        }
        helpers
    }

    /// The areas of `problems.ftl`: a literal of the domain that looks
    /// like one of its keys is one (policy checks return theirs).
    const PROBLEM_AREAS: [&str; 10] = [
        "account-",
        "permissions-",
        "settings-",
        "event-type-",
        "record-",
        "groups-",
        "workflow-",
        "link-",
        "export-",
        "import-",
    ];

    #[test]
    fn refusals_are_in_the_catalogues_with_their_placeables() {
        let en = messages(&Lang::En.catalogue().join("\n"));
        let made = problems_made();
        assert!(made.len() > 60, "found {} refusals made by key", made.len());
        for (key, names) in &made {
            let Some(vars) = en.get(key) else {
                panic!("refusal {key} is not in the English catalogue");
            };
            assert_eq!(vars, names, "placeables of {key} and the values given");
        }
        // Keys returned by the policy's checks (`Err("groups-keep-own")`)
        // and chosen between or listed (a line that is only `".."`).
        let mut placed = BTreeSet::new();
        for text in core_sources() {
            for line in text.lines().map(str::trim) {
                let alone = line.strip_suffix(',').unwrap_or(line);
                if alone.len() > 2 && alone.starts_with('"') && alone.ends_with('"') {
                    placed.insert(alone[1..alone.len() - 1].to_owned());
                }
                for piece in line.split("Err(\"").skip(1) {
                    placed.insert(piece.split('"').next().unwrap_or("").to_owned());
                }
            }
        }
        let keys: Vec<&String> = placed
            .iter()
            .filter(|l| {
                PROBLEM_AREAS.iter().any(|p| {
                    l.strip_prefix(p).is_some_and(|rest| {
                        !rest.is_empty()
                            && rest
                                .chars()
                                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                    })
                })
            })
            .collect();
        assert!(
            keys.len() > 25,
            "found {} keys in custodian-core",
            keys.len()
        );
        for key in keys {
            assert!(
                en.contains_key(key),
                "{key} is used by custodian-core but not in the English catalogue"
            );
        }
    }

    #[test]
    fn weak_passwords_are_refused_in_words_of_the_catalogue() {
        let policy = custodian_core::identity::password::Policy::builtin().expect("policy");
        let en = messages(&Lang::En.catalogue().join("\n"));
        let mut seen = BTreeSet::new();
        for weak in [
            "",
            "short",
            "qwertyuiopasdfgh",
            "aaaaaaaaaaaaaaaa",
            "abcdefghijklmnop",
            "password12345678",
            "custodiancustodian",
        ] {
            let p = policy.check(weak, &["ana", "custodian"]).expect(weak);
            assert!(
                en.contains_key(p.key),
                "{weak:?}: {} not in the catalogue",
                p.key
            );
            assert_eq!(
                en[p.key],
                p.args
                    .iter()
                    .map(|(n, _)| (*n).to_owned())
                    .collect::<BTreeSet<_>>()
            );
            seen.insert(p.key);
        }
        assert!(
            seen.len() >= 4,
            "the estimator's reasons are named: {seen:?}"
        );
        assert!(policy
            .check("granite orchard whispers twice", &[])
            .is_none());
    }

    #[test]
    fn notifications_are_worded_in_the_readers_language_from_their_key() {
        // Without the isolation marks around values, to compare the words.
        let notice_plain = |lang, key: &str, args: &serde_json::Map<String, serde_json::Value>| {
            notice_in(lang, key, args)
                .expect("a notice key")
                .replace(['\u{2068}', '\u{2069}'], "")
        };
        let args = |v: serde_json::Value| v.as_object().cloned().expect("object");
        let locked = args(
            serde_json::json!({"account": "carol", "minutes": 15, "attempts": 5,
                                             "step": "recovery-code", "peer": "10.0.0.7"}),
        );
        assert_eq!(
            notice_plain(Lang::En, "notice-locked-guesses", &locked),
            "The account carol was locked for 15 minutes after 5 wrong recovery-code attempts \
             (last from 10.0.0.7). If this was not its owner, someone knows the password: change it."
        );
        let ar = notice_plain(Lang::Ar, "notice-locked-guesses", &locked);
        assert!(
            ar.contains("رمز الاسترداد") && ar.contains("carol") && ar.contains("10.0.0.7"),
            "{ar}"
        );
        // The selectors: words for identifiers, lists when there are any.
        let perms = |mode: &str, flags: &str, groups: &[&str]| {
            notice_plain(
                Lang::En,
                "notice-permissions-changed",
                &args(
                    serde_json::json!({"by": "admin", "flags_mode": mode, "flags": flags,
                                         "groups_count": groups.len(), "groups": groups.join(", ")}),
                ),
            )
        };
        assert_eq!(
            perms("defaults", "", &[]),
            "admin changed your permissions to: the defaults of your role; access groups: none."
        );
        assert_eq!(
            perms("list", "can_export", &["north", "south"]),
            "admin changed your permissions to: can_export; access groups: north, south."
        );
        let returned =
            args(serde_json::json!({"kind": "bulletin", "id": 12, "status": "peer_review"}));
        assert_eq!(
            notice_plain(Lang::En, "notice-review-returned", &returned),
            "Your bulletin 12 came back from review: In peer review."
        );
        assert!(notice_plain(Lang::Ar, "notice-review-returned", &returned)
            .contains("قيد مراجعة الأقران"));
        // Every notice key has no English left in Arabic but its values.
        let en = messages(&Lang::En.catalogue().join("\n"));
        for key in en.keys().filter(|k| k.starts_with("notice-")) {
            let empty = serde_json::Map::new();
            assert_ne!(
                notice_plain(Lang::Ar, key, &empty),
                notice_plain(Lang::En, key, &empty),
                "{key}"
            );
        }
        // The stale-backup notice names the fix.
        let stale = notice_plain(
            Lang::En,
            "notice-backup-stale",
            &args(serde_json::json!({"hours": 30, "limit": 26})),
        );
        assert!(
            stale.contains("30 h ago (more than 26 h)")
                && stale.contains("custodianctl backup now"),
            "{stale}"
        );
        // Values are isolated; a key that is not a notice's is not worded.
        let named = args(serde_json::json!({"by": "j.doe"}));
        assert_eq!(
            notice_in(Lang::Ar, "notice-settings-changed", &named).as_deref(),
            Some("غيّر \u{2068}j.doe\u{2069} إعدادات الجهاز.")
        );
        assert_eq!(notice_in(Lang::En, "crumb-home", &named), None);
    }

    #[tokio::test]
    async fn refusals_read_as_they_did_in_english_and_are_arabic_in_arabic() {
        use custodian_core::error::Problem;
        let en = |p: Problem| problem(&p);
        assert_eq!(
            en(Problem::new("record-field-choose").with("field", "type")),
            "Person or entity: choose one of the listed values."
        );
        assert_eq!(
            en(Problem::new("record-field-too-long")
                .with("field", "nationality")
                .with("max", 100usize)),
            "Nationality: at most 100 characters."
        );
        assert_eq!(
            en(Problem::new("link-other-finalized")
                .with("kind", "incident")
                .with("id", 12i64)),
            "Incident 12 is finalized: its relations cannot change any more."
        );
        assert_eq!(
            en(Problem::new("record-restrict-own").with("kind", "actor")),
            "You can restrict an actor only to access groups you belong to."
        );
        assert_eq!(
            en(Problem::new("settings-export-window")
                .with("min", 5u64)
                .with("max", 1440u64)),
            "The export download window must be between 5 and 1440 minutes (or empty for the configured default)."
        );
        assert_eq!(
            en(Problem::new("import-file-too-many-rows").with("max", 50_000usize)),
            "The file has more than 50000 rows; split it."
        );
        assert_eq!(
            en(Problem::new("event-type-exists").with("title", "Arrest")),
            "There is an event type called \u{201c}Arrest\u{201d} already."
        );
        let fields = |n: usize| {
            scope(Lang::Ar, async move {
                problem(
                    &Problem::new("import-row-fields")
                        .with("count", n)
                        .with("expected", 4usize),
                )
            })
        };
        assert_eq!(fields(2).await, "حقلان، والمتوقع 4");
        assert_ne!(fields(3).await, fields(11).await, "Arabic plural forms");
        let ar = scope(Lang::Ar, async {
            problem(&Problem::new("record-title-missing").with("kind", "actor"))
        })
        .await;
        assert_eq!(
            ar,
            "يحتاج الفاعل إلى اسم. اكتبه بالعربية أو بالإنجليزية أو بكلتيهما."
        );
    }

    #[test]
    fn catalogues_are_complete_used_and_agree_on_placeables() {
        let en = messages(&Lang::En.catalogue().join("\n"));
        assert!(en.len() > 40, "read {} English messages", en.len());
        let literals = literals();
        for key in en.keys() {
            assert!(
                literals.contains(key),
                "{key} is in the catalogue but not used"
            );
        }
        let asked = asked_for();
        assert!(asked.len() > 20, "found {} keys asked for", asked.len());
        for key in &asked {
            assert!(
                en.contains_key(key),
                "{key} is used but not in the English catalogue"
            );
        }
        // Keys kept in tables and asked for through a variable.
        for key in literals.iter().filter(|l| {
            ["nav-", "role-", "error-", "event-"].iter().any(|p| {
                l.strip_prefix(p).is_some_and(|rest| {
                    // A prefix (`event-type-`) is not a key.
                    !rest.is_empty()
                        && !rest.ends_with('-')
                        && rest
                            .chars()
                            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                })
            })
        }) {
            assert!(
                en.contains_key(key),
                "{key} is used but not in the English catalogue"
            );
        }
        for lang in Lang::ALL {
            let other = messages(&lang.catalogue().join("\n"));
            let missing: Vec<_> = en.keys().filter(|k| !other.contains_key(*k)).collect();
            let extra: Vec<_> = other.keys().filter(|k| !en.contains_key(*k)).collect();
            assert!(
                missing.is_empty() && extra.is_empty(),
                "{}: missing {missing:?}, not in English {extra:?}",
                lang.tag()
            );
            for (key, vars) in &en {
                assert_eq!(&other[key], vars, "{}: placeables of {key}", lang.tag());
            }
            // Fluent itself parses each file, with no errors.
            for (area, text) in AREAS.iter().zip(lang.catalogue()) {
                assert!(
                    FluentResource::try_new(text.to_owned()).is_ok(),
                    "{}/{area}.ftl parses",
                    lang.tag()
                );
            }
        }
    }

    #[test]
    fn accept_language_picks_the_heaviest_of_ours() {
        assert_eq!(
            negotiate(Some("ar-SY,ar;q=0.9,en;q=0.8"), Lang::En),
            Lang::Ar
        );
        assert_eq!(negotiate(Some("en-GB, ar;q=0.5"), Lang::Ar), Lang::En);
        assert_eq!(
            negotiate(Some("fr-FR, ar;q=0.3, en;q=0.2"), Lang::En),
            Lang::Ar
        );
        assert_eq!(negotiate(Some("fr, de"), Lang::Ar), Lang::Ar);
        assert_eq!(negotiate(Some("ar;q=0, en;q=0.1"), Lang::Ar), Lang::En);
        assert_eq!(negotiate(None, Lang::Ar), Lang::Ar);
        assert_eq!(negotiate(Some(";;q=x,,ar;q=2"), Lang::En), Lang::En);
        assert_eq!(negotiate(Some("EN, AR"), Lang::Ar), Lang::En);
    }

    #[tokio::test]
    async fn strings_follow_the_request_language() {
        assert_eq!(t("nav-bulletins"), "Bulletins");
        let ar = scope(Lang::Ar, async { t("nav-bulletins") }).await;
        assert_eq!(ar, "النشرات");
        let n = |lang, n: i64| {
            scope(lang, async move {
                t_with("nav-notifications-new", &[("count", n.into())])
            })
        };
        assert_eq!(n(Lang::En, 1).await, "Notifications (1 new)");
        assert_eq!(n(Lang::En, 3).await, "Notifications (3 new)");
        assert_ne!(
            n(Lang::Ar, 1).await,
            n(Lang::Ar, 3).await,
            "Arabic plural forms"
        );
    }
}
