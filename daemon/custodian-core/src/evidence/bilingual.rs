//! A record's text in Arabic and in English (issue 16). The database keeps
//! a main text (`title`, `description`, which lists, sorting and the title
//! index read), the language it is in (`title_lang`) and the other
//! language's text (`title_alt`, `description_alt`; migration 0031). The
//! web layer sees the two languages as such ([`Both`]); this module maps
//! between the two shapes.

/// The two languages a record is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Arabic,
    English,
}

impl Lang {
    /// The tag stored in `title_lang` and used in `lang` attributes.
    pub fn as_str(self) -> &'static str {
        match self {
            Lang::Arabic => "ar",
            Lang::English => "en",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "ar" => Some(Lang::Arabic),
            "en" => Some(Lang::English),
            _ => None,
        }
    }

    pub fn other(self) -> Self {
        match self {
            Lang::Arabic => Lang::English,
            Lang::English => Lang::Arabic,
        }
    }

    /// Arabic when the text has an Arabic letter, else English: how
    /// migration 0031 read the records written before it (the same
    /// ranges), and how a text given without its language is read.
    pub fn of_script(text: &str) -> Self {
        let arabic_letter = |c: char| {
            matches!(c,
                '\u{0621}'..='\u{064A}'
                | '\u{066E}'
                | '\u{066F}'
                | '\u{0671}'..='\u{06D3}'
                | '\u{06FA}'..='\u{06FC}')
        };
        if text.chars().any(arabic_letter) {
            Lang::Arabic
        } else {
            Lang::English
        }
    }
}

/// One text in each language; either may be empty.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Both<T> {
    pub arabic: T,
    pub english: T,
}

impl<T> Both<T> {
    pub fn get(&self, lang: Lang) -> &T {
        match lang {
            Lang::Arabic => &self.arabic,
            Lang::English => &self.english,
        }
    }

    /// Each language's text through `f`.
    pub fn map<'s, U>(&'s self, f: impl Fn(&'s T) -> U) -> Both<U> {
        Both {
            arabic: f(&self.arabic),
            english: f(&self.english),
        }
    }

    /// From the stored shape: the main text in `lang`, the other's beside.
    pub fn from_main(lang: Lang, main: T, alt: T) -> Self {
        match lang {
            Lang::Arabic => Both {
                arabic: main,
                english: alt,
            },
            Lang::English => Both {
                arabic: alt,
                english: main,
            },
        }
    }
}

impl<'a> Both<&'a str> {
    /// A text given without its language (an older form, a script): it
    /// is taken to be in the language its script says.
    pub fn of_one(text: &'a str) -> Self {
        Both::from_main(Lang::of_script(text), text, "")
    }
}

/// The columns of a name of reference data (a label, a source, a
/// location, an event type; migration 0033) for [`names_at`], from a
/// table aliased `alias`.
pub fn name_columns(alias: &str) -> String {
    format!("{alias}.title_lang, {alias}.title, {alias}.title_alt")
}

/// A name of reference data in both languages, from the three columns of
/// [`name_columns`] starting at `at` (all NULL, as from an outer join
/// that found nothing: empty in both).
pub fn names_at(row: &tokio_postgres::Row, at: usize) -> Both<String> {
    let lang: Option<String> = row.get(at);
    let main: Option<String> = row.get(at + 1);
    let alt: Option<String> = row.get(at + 2);
    Both::from_main(
        lang.as_deref()
            .and_then(Lang::parse)
            .unwrap_or(Lang::English),
        main.unwrap_or_default(),
        alt.unwrap_or_default(),
    )
}

/// A name given in both languages, as it is stored: the main language
/// (Arabic when there is an Arabic name, as [`main_language`] decides for
/// a new record), the main name and the other's. `None` when both are
/// empty.
pub fn stored_name(names: Both<&str>) -> Option<(Lang, &str, &str)> {
    let lang = main_language(names, None)?;
    Some((lang, names.get(lang), names.get(lang.other())))
}

/// Which language is the main one once a change is stored: the record's
/// current one (`keep`) unless the change empties its title and the other
/// language has one (then the two swap); a new record's is Arabic when it
/// has an Arabic title (the teams write Arabic first). `None` when neither
/// language has a title.
pub fn main_language(titles: Both<&str>, keep: Option<Lang>) -> Option<Lang> {
    let preferred = keep.unwrap_or(if titles.arabic.is_empty() {
        Lang::English
    } else {
        Lang::Arabic
    });
    if !titles.get(preferred).is_empty() {
        Some(preferred)
    } else if !titles.get(preferred.other()).is_empty() {
        Some(preferred.other())
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::{main_language, stored_name, Both, Lang};

    #[test]
    fn the_script_says_the_language() {
        assert_eq!(Lang::of_script("قصف السوق 3"), Lang::Arabic);
        assert_eq!(Lang::of_script("Case 12: قصف"), Lang::Arabic);
        assert_eq!(Lang::of_script("Shelling of the market"), Lang::English);
        // Arabic-Indic digits and punctuation alone are not Arabic words.
        assert_eq!(Lang::of_script("٣٤، ؟"), Lang::English);
        assert_eq!(Lang::of_script(""), Lang::English);
    }

    #[test]
    fn the_main_language_stays_until_its_title_is_emptied() {
        let both = Both {
            arabic: "قصف",
            english: "Shelling",
        };
        assert_eq!(main_language(both, None), Some(Lang::Arabic));
        assert_eq!(
            main_language(both, Some(Lang::English)),
            Some(Lang::English)
        );
        let english_only = Both {
            arabic: "",
            english: "Shelling",
        };
        assert_eq!(main_language(english_only, None), Some(Lang::English));
        assert_eq!(
            main_language(english_only, Some(Lang::Arabic)),
            Some(Lang::English)
        );
        assert_eq!(main_language(Both::default(), Some(Lang::Arabic)), None);
        assert_eq!(
            Both::from_main(Lang::English, "a", "b"),
            Both {
                arabic: "b",
                english: "a"
            }
        );
        assert_eq!(Both::of_one("قصف").arabic, "قصف");
        assert_eq!(
            stored_name(Both {
                arabic: "اعتقال",
                english: "Arrest"
            }),
            Some((Lang::Arabic, "اعتقال", "Arrest"))
        );
        assert_eq!(
            stored_name(Both {
                arabic: "",
                english: "Arrest"
            }),
            Some((Lang::English, "Arrest", ""))
        );
        assert_eq!(stored_name(Both::default()), None);
    }
}
