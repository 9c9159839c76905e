//! The three kinds of evidence record. They share workflow, history, the
//! access predicate and the pages; what differs (the table, the words,
//! and each kind's own fields) is here, in one place. Table names come
//! only from this enum, never from a request.

use crate::error::Problem;
use serde_json::{json, Map, Value};

use super::sanitize;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Bulletin,
    Actor,
    Incident,
}

/// A field of one kind's `details`.
pub struct Field {
    pub key: &'static str,
    pub label: &'static str,
    /// `Some(choices)`: one of them (the first is the default); `None`: text.
    pub choices: Option<&'static [&'static str]>,
    pub max: usize,
}

const ACTOR_FIELDS: &[Field] = &[
    Field {
        key: "type",
        label: "Person or entity",
        choices: Some(&["person", "entity"]),
        max: 10,
    },
    Field {
        key: "sex",
        label: "Sex (people only; may stay empty)",
        choices: Some(&["", "female", "male", "other"]),
        max: 10,
    },
    Field {
        key: "nationality",
        label: "Nationality",
        choices: None,
        max: 100,
    },
];

const INCIDENT_FIELDS: &[Field] = &[
    Field {
        key: "potential_violations",
        label: "Potential violations",
        choices: None,
        max: 2000,
    },
    Field {
        key: "claimed_violations",
        label: "Claimed violations",
        choices: None,
        max: 2000,
    },
];

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::Bulletin, Kind::Actor, Kind::Incident];

    pub fn table(self) -> &'static str {
        match self {
            Kind::Bulletin => "bulletin",
            Kind::Actor => "actor",
            Kind::Incident => "incident",
        }
    }

    pub fn revisions(self) -> &'static str {
        match self {
            Kind::Bulletin => "bulletin_revision",
            Kind::Actor => "actor_revision",
            Kind::Incident => "incident_revision",
        }
    }

    /// The revision table's reference to the item.
    pub fn item_column(self) -> &'static str {
        match self {
            Kind::Bulletin => "bulletin_id",
            Kind::Actor => "actor_id",
            Kind::Incident => "incident_id",
        }
    }

    /// Lower case, singular: "bulletin".
    pub fn noun(self) -> &'static str {
        self.table()
    }

    /// The kind whose [`Kind::noun`] is `word`, as stored and as forms send it.
    pub fn from_noun(word: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.noun() == word)
    }

    /// Capitalised, singular: "Bulletin".
    pub fn title(self) -> &'static str {
        match self {
            Kind::Bulletin => "Bulletin",
            Kind::Actor => "Actor",
            Kind::Incident => "Incident",
        }
    }

    /// Capitalised, plural: "Bulletins".
    pub fn plural(self) -> &'static str {
        match self {
            Kind::Bulletin => "Bulletins",
            Kind::Actor => "Actors",
            Kind::Incident => "Incidents",
        }
    }

    /// Where its pages live: "/bulletins".
    pub fn path(self) -> &'static str {
        match self {
            Kind::Bulletin => "/bulletins",
            Kind::Actor => "/actors",
            Kind::Incident => "/incidents",
        }
    }

    /// What the `title` column means for this kind.
    pub fn title_label(self) -> &'static str {
        match self {
            Kind::Actor => "Name",
            _ => "Title",
        }
    }

    pub fn fields(self) -> &'static [Field] {
        match self {
            Kind::Bulletin => &[],
            Kind::Actor => ACTOR_FIELDS,
            Kind::Incident => INCIDENT_FIELDS,
        }
    }

    /// This kind's own fields from a form (`get` reads one field), checked:
    /// a choice must be one of its choices, text is one sanitised line.
    pub fn details<'a>(self, get: impl Fn(&str) -> &'a str) -> Result<Value, Problem> {
        let mut m = Map::new();
        for f in self.fields() {
            let raw = get(f.key);
            let value = match f.choices {
                Some(choices) => {
                    let v = if raw.is_empty() { choices[0] } else { raw };
                    if !choices.contains(&v) {
                        return Err(Problem::new("record-field-choose").with("field", f.key));
                    }
                    v.to_owned()
                }
                None => {
                    if raw.chars().count() > f.max {
                        return Err(Problem::new("record-field-too-long")
                            .with("field", f.key)
                            .with("max", f.max));
                    }
                    sanitize::line(raw, f.max)
                }
            };
            if !value.is_empty() {
                m.insert(f.key.to_owned(), json!(value));
            }
        }
        Ok(Value::Object(m))
    }

    /// A stored value of field `key`, as text ("" when absent).
    pub fn detail(details: &Value, key: &str) -> String {
        details[key].as_str().unwrap_or("").to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::Kind;

    #[test]
    fn details_are_checked_per_kind() {
        let form = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| pairs.iter().find(|(n, _)| *n == k).map_or("", |(_, v)| *v)
        };
        let actor = Kind::Actor.details(form(&[("type", "entity"), ("nationality", " Syrian ")]));
        assert_eq!(
            actor.ok(),
            Some(serde_json::json!({"type": "entity", "nationality": "Syrian"}))
        );
        assert_eq!(
            Kind::Actor.details(form(&[])).ok(),
            Some(serde_json::json!({"type": "person"})),
            "the first choice is the default"
        );
        assert!(Kind::Actor.details(form(&[("type", "robot")])).is_err());
        assert!(Kind::Actor.details(form(&[("sex", "<script>")])).is_err());
        let long: &'static str = Box::leak("x".repeat(2001).into_boxed_str());
        let pairs: &'static [(&'static str, &'static str)] =
            Box::leak(vec![("potential_violations", long)].into_boxed_slice());
        assert!(Kind::Incident.details(form(pairs)).is_err());
        assert_eq!(
            Kind::Bulletin.details(form(&[("type", "entity")])).ok(),
            Some(serde_json::json!({}))
        );
    }
}
