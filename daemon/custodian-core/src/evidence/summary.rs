//! A revision's change summary, as its history shows it: the catalogue key
//! of its message (`i18n/*/records.ftl`, `history-…`) and the values its
//! placeables name, stored in the revision's `summary` column as the key,
//! a space and the values as a JSON object (`history-attached {"what":
//! "label","id":3}`). The web layer words it in the reader's language when
//! the history is read, as it does a notification; the domain has no words
//! of its own. Revisions stored before this hold an English sentence
//! ("relation added: victim incident 4"), which is not of this form.
//!
//! Its key and values are made as a refusal's are (a [`Problem`]), and
//! checked against the catalogues by the same test.

use serde_json::{Map, Value};

use crate::error::{Arg, Problem};

/// The keys of summaries begin with this; an English sentence of an older
/// release never does.
const PREFIX: &str = "history-";

#[derive(Debug, Clone, PartialEq)]
pub struct Summary(Problem);

impl Summary {
    pub fn new(key: &'static str) -> Self {
        debug_assert!(key.starts_with(PREFIX), "{key}");
        Self(Problem::new(key))
    }

    /// With the value of the placeable `name`.
    #[must_use]
    pub fn with(self, name: &'static str, value: impl Into<Arg>) -> Self {
        Self(self.0.with(name, value))
    }

    pub fn key(&self) -> &'static str {
        self.0.key
    }

    /// What the `summary` column holds.
    pub fn stored(&self) -> String {
        format!("{} {}", self.key(), self.0.args_json())
    }
}

/// A stored summary's key and values; `None` for text of any other form
/// (a revision written before summaries were stored by key).
pub fn parse(stored: &str) -> Option<(&str, Map<String, Value>)> {
    let (key, args) = stored.split_once(' ')?;
    let named = key.strip_prefix(PREFIX).is_some_and(|rest| {
        !rest.is_empty() && rest.chars().all(|c| c.is_ascii_lowercase() || c == '-')
    });
    if !named {
        return None;
    }
    match serde_json::from_str::<Value>(args).ok()? {
        Value::Object(map) => Some((key, map)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_summary_is_stored_as_its_key_and_values_and_read_back() {
        let s = Summary::new("history-withdrawn")
            .with("link", "relation")
            .with("id", 7)
            .with("reason", "wrong person {\"x\": 1}".to_owned());
        let stored = s.stored();
        assert!(stored.starts_with("history-withdrawn {"), "{stored}");
        let (key, args) = parse(&stored).expect("parsed");
        assert_eq!(key, "history-withdrawn");
        assert_eq!(args["link"], "relation");
        assert_eq!(args["id"], 7);
        assert_eq!(args["reason"], "wrong person {\"x\": 1}");
        let bare = Summary::new("history-created").stored();
        assert_eq!(bare, "history-created {}");
        assert_eq!(
            parse(&bare).map(|(k, a)| (k, a.len())),
            Some(("history-created", 0))
        );
    }

    #[test]
    fn older_english_summaries_are_not_read_as_keys() {
        for old in [
            "created",
            "edited",
            "assign",
            "edited; access groups: everyone -> north",
            "relation added: victim incident 4",
            "label 3 attached",
            "relation 5 withdrawn: history- {}",
            "history-x [1]",
            "history-Created {}",
        ] {
            assert_eq!(parse(old), None, "{old}");
        }
    }
}
