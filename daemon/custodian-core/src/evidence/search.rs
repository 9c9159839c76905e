//! The search language of the record lists (issue 14), turned into a
//! PostgreSQL text-search query:
//!
//! - words: all must match (`shelling market`); English words match their
//!   other forms (`shelling` finds "shelled"), Arabic ones are folded and
//!   stemmed in the database (migration 0026);
//! - `"a phrase"`: the words next to each other, in that order;
//! - `word*`: words that start with it;
//! - `a OR b`: either (binds tighter than the implied AND: `a b OR c` is
//!   a and (b or c));
//! - `-word`, `-"a phrase"`: records without it.
//!
//! Everything else a person types is literal: `%`, `_`, `\`, quotes inside
//! words and a `*` that does not end a word are characters, not patterns.
//! Each word reaches PostgreSQL as a quoted operand, so nothing typed can
//! change the query's shape. Mistakes get a message that says what to
//! change, never a database error.

/// At most this many words and phrases in one search: every one is an
/// index look-up, and a search stays an interactive request.
pub const MAX_TERMS: usize = 16;

/// Why a search cannot be run, in words for the person who typed it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SearchError {
    #[error("has a quotation mark that is not closed; add the closing \" or remove it.")]
    UnclosedQuote,
    #[error("has an empty phrase (\"\"); put words between the quotation marks or remove them.")]
    EmptyPhrase,
    #[error("has OR without a word on each side; write it between two words, as in: shelling OR airstrike.")]
    DanglingOr,
    #[error("has a - with nothing after it; write it straight before the word to leave out, as in: -market.")]
    DanglingNot,
    #[error("has a * on its own; write it at the end of a word to find the words that start with it, as in: detain*.")]
    LonePrefix,
    #[error("only leaves words out; add at least one word to look for.")]
    OnlyExcluded,
    #[error("has {0} words and phrases; at most 16 are accepted. Leave some out and try again.")]
    TooManyTerms(usize),
    #[error("cannot leave out a word inside OR; write -word outside the OR.")]
    NotInsideOr,
}

impl SearchError {
    /// What to tell the person who typed it (`search-…` in problems.ftl).
    pub fn problem(&self) -> crate::error::Problem {
        use crate::error::Problem;
        match self {
            SearchError::UnclosedQuote => Problem::new("search-unclosed-quote"),
            SearchError::EmptyPhrase => Problem::new("search-empty-phrase"),
            SearchError::DanglingOr => Problem::new("search-dangling-or"),
            SearchError::DanglingNot => Problem::new("search-dangling-not"),
            SearchError::LonePrefix => Problem::new("search-lone-prefix"),
            SearchError::OnlyExcluded => Problem::new("search-only-excluded"),
            SearchError::TooManyTerms(n) => Problem::new("search-too-many-terms")
                .with("count", *n)
                .with("max", MAX_TERMS),
            SearchError::NotInsideOr => Problem::new("search-not-inside-or"),
        }
    }
}

/// One thing to look for.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Term {
    Word(String),
    Prefix(String),
    Phrase(Vec<String>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Part {
    negated: bool,
    term: Term,
}

/// A parsed search: groups that must all match, each group matching when
/// any of its terms does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Search {
    groups: Vec<Vec<Part>>,
}

/// A word as a quoted text-search operand: `'` doubled, `\` escaped.
fn operand(word: &str) -> String {
    let mut out = String::with_capacity(word.len() + 2);
    out.push('\'');
    for c in word.chars() {
        match c {
            '\'' => out.push_str("''"),
            '\\' => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

impl Term {
    fn tsquery(&self) -> String {
        match self {
            Term::Word(w) => operand(w),
            Term::Prefix(w) => format!("{}:*", operand(w)),
            Term::Phrase(words) => {
                let inner: Vec<String> = words.iter().map(|w| operand(w)).collect();
                format!("({})", inner.join(" <-> "))
            }
        }
    }
}

/// What the tokenizer sees: a word, a phrase, or OR.
#[derive(Debug)]
enum Token {
    Or,
    Item { negated: bool, term: Term },
}

fn tokens(text: &str) -> Result<Vec<Token>, SearchError> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let Some(&first) = chars.peek() else { break };
        let negated = first == '-';
        if negated {
            chars.next();
            match chars.peek() {
                None => return Err(SearchError::DanglingNot),
                Some(c) if c.is_whitespace() => return Err(SearchError::DanglingNot),
                _ => {}
            }
        }
        if chars.peek() == Some(&'"') {
            chars.next();
            let mut phrase = String::new();
            let mut closed = false;
            for c in chars.by_ref() {
                if c == '"' {
                    closed = true;
                    break;
                }
                phrase.push(c);
            }
            if !closed {
                return Err(SearchError::UnclosedQuote);
            }
            let words: Vec<String> = phrase.split_whitespace().map(str::to_owned).collect();
            let term = match words.len() {
                0 => return Err(SearchError::EmptyPhrase),
                1 => Term::Word(words.into_iter().next().unwrap_or_default()),
                _ => Term::Phrase(words),
            };
            out.push(Token::Item { negated, term });
            continue;
        }
        let mut word = String::new();
        while let Some(&c) = chars.peek() {
            if c.is_whitespace() {
                break;
            }
            word.push(c);
            chars.next();
        }
        if word == "OR" && !negated {
            out.push(Token::Or);
            continue;
        }
        let term = match word.strip_suffix('*') {
            Some("") => return Err(SearchError::LonePrefix),
            Some(stem) if !stem.ends_with('*') => Term::Prefix(stem.to_owned()),
            _ => Term::Word(word),
        };
        out.push(Token::Item { negated, term });
    }
    Ok(out)
}

impl Search {
    /// `None` for a search with nothing in it (only spaces).
    pub fn parse(text: &str) -> Result<Option<Self>, SearchError> {
        let tokens = tokens(text)?;
        if tokens.is_empty() {
            return Ok(None);
        }
        let mut groups: Vec<Vec<Part>> = Vec::new();
        let mut after_or = false;
        for (i, t) in tokens.into_iter().enumerate() {
            match t {
                Token::Or => {
                    if i == 0 || after_or {
                        return Err(SearchError::DanglingOr);
                    }
                    after_or = true;
                }
                Token::Item { negated, term } => {
                    let part = Part { negated, term };
                    match groups.last_mut() {
                        Some(g) if after_or => g.push(part),
                        _ => groups.push(vec![part]),
                    }
                    after_or = false;
                }
            }
        }
        if after_or {
            return Err(SearchError::DanglingOr);
        }
        let terms: usize = groups.iter().map(Vec::len).sum();
        if terms > MAX_TERMS {
            return Err(SearchError::TooManyTerms(terms));
        }
        if groups
            .iter()
            .any(|g| g.len() > 1 && g.iter().any(|p| p.negated))
        {
            return Err(SearchError::NotInsideOr);
        }
        // A search must look for something: only exclusions would read the
        // whole table, and no index helps with that.
        if groups.iter().all(|g| g.iter().all(|p| p.negated)) {
            return Err(SearchError::OnlyExcluded);
        }
        Ok(Some(Self { groups }))
    }

    /// The query in PostgreSQL's `to_tsquery` syntax, every word a quoted
    /// operand; the database folds and stems it (custodian_search).
    pub fn tsquery(&self) -> String {
        self.groups
            .iter()
            .map(|g| {
                let alternatives: Vec<String> = g
                    .iter()
                    .map(|p| {
                        let t = p.term.tsquery();
                        if p.negated {
                            format!("!{t}")
                        } else {
                            t
                        }
                    })
                    .collect();
                if alternatives.len() == 1 {
                    alternatives.into_iter().next().unwrap_or_default()
                } else {
                    format!("({})", alternatives.join(" | "))
                }
            })
            .collect::<Vec<_>>()
            .join(" & ")
    }

    /// ILIKE patterns (wildcards escaped) for the words that carry ASCII
    /// punctuation: the text parser drops it (`100%` would be `100`, and
    /// `%%%x` would be `x`), so such a word must also appear as typed in
    /// the title or the description. Only words that must match (not
    /// inside OR, not left out).
    pub fn literal_patterns(&self) -> Vec<String> {
        self.groups
            .iter()
            .filter_map(|g| match g.as_slice() {
                [Part {
                    negated: false,
                    term: Term::Word(w),
                }] if w
                    .chars()
                    .any(|c| c.is_ascii_punctuation() && !matches!(c, '-' | '\'')) =>
                {
                    Some(like_pattern(w))
                }
                _ => None,
            })
            .collect()
    }

    /// For a search that is one identifier-like word (ASCII, at least three
    /// characters, with a digit: a case number, a file name), an ILIKE
    /// pattern that finds it inside titles; `%`, `_` and `\` escaped.
    pub fn title_substring(&self) -> Option<String> {
        let [group] = self.groups.as_slice() else {
            return None;
        };
        let [Part {
            negated: false,
            term: Term::Word(w),
        }] = group.as_slice()
        else {
            return None;
        };
        let identifier = w.chars().count() >= 3
            && w.is_ascii()
            && w.chars().any(|c| c.is_ascii_digit())
            && !w.chars().any(|c| c.is_ascii_control());
        identifier.then(|| like_pattern(w))
    }
}

/// `%word%` for ILIKE, with `%`, `_` and `\\` literal.
fn like_pattern(w: &str) -> String {
    let mut p = String::from("%");
    for c in w.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

#[cfg(test)]
mod tests {
    use super::{Search, SearchError};

    fn ts(text: &str) -> String {
        Search::parse(text).expect(text).expect(text).tsquery()
    }

    #[test]
    fn words_phrases_prefixes_or_and_not() {
        assert_eq!(ts("shelling market"), "'shelling' & 'market'");
        assert_eq!(
            ts("\"near the checkpoint\" aleppo"),
            "('near' <-> 'the' <-> 'checkpoint') & 'aleppo'"
        );
        assert_eq!(ts("detain*"), "'detain':*");
        assert_eq!(ts("a b OR c"), "'a' & ('b' | 'c')");
        assert_eq!(ts("a OR b OR c"), "('a' | 'b' | 'c')");
        assert_eq!(
            ts("market -\"bus station\" -school"),
            "'market' & !('bus' <-> 'station') & !'school'"
        );
        assert_eq!(ts("  قصف   حلب "), "'قصف' & 'حلب'");
        assert_eq!(ts("\"one\""), "'one'");
        // `or` in lower case is a word like any other.
        assert_eq!(ts("war or peace"), "'war' & 'or' & 'peace'");
        assert_eq!(Search::parse("   ").expect("empty"), None);
    }

    #[test]
    fn what_people_type_stays_literal() {
        // Quotes and backslashes inside words cannot end the operand.
        assert_eq!(ts("o'brien"), "'o''brien'");
        assert_eq!(ts("a\\' | !b"), "'a\\\\''' & '|' & '!b'");
        assert_eq!(ts("100%"), "'100%'");
        assert_eq!(ts("50%_off"), "'50%_off'");
        // Only a final * is the prefix operator.
        assert_eq!(ts("*abc"), "'*abc'");
        assert_eq!(ts("a**"), "'a**'");
        assert_eq!(ts("(a:*"), "'(a:':*");
    }

    #[test]
    fn malformed_searches_say_what_is_wrong() {
        let err = |t: &str| Search::parse(t).expect_err(t);
        assert_eq!(err("\"open phrase"), SearchError::UnclosedQuote);
        assert_eq!(err("a \"\" b"), SearchError::EmptyPhrase);
        assert_eq!(err("OR a"), SearchError::DanglingOr);
        assert_eq!(err("a OR"), SearchError::DanglingOr);
        assert_eq!(err("a OR OR b"), SearchError::DanglingOr);
        assert_eq!(err("a -"), SearchError::DanglingNot);
        assert_eq!(err("a - b"), SearchError::DanglingNot);
        assert_eq!(err("*"), SearchError::LonePrefix);
        assert_eq!(err("-a -b"), SearchError::OnlyExcluded);
        assert_eq!(err("a OR -b"), SearchError::NotInsideOr);
        let many = "w ".repeat(17);
        assert_eq!(err(&many), SearchError::TooManyTerms(17));
        assert!(Search::parse(&"w ".repeat(16)).is_ok());
        for e in [
            SearchError::UnclosedQuote,
            SearchError::DanglingOr,
            SearchError::TooManyTerms(17),
        ] {
            assert!(e.to_string().ends_with('.'), "{e}");
        }
    }

    #[test]
    fn identifiers_are_also_found_inside_titles() {
        let sub = |t: &str| Search::parse(t).expect(t).expect(t).title_substring();
        assert_eq!(sub("IMG_2031").as_deref(), Some("%IMG\\_2031%"));
        assert_eq!(sub("100%").as_deref(), Some("%100\\%%"));
        assert_eq!(sub("market"), None);
        assert_eq!(sub("a1"), None);
        assert_eq!(sub("IMG_2031 market"), None);
        assert_eq!(sub("-IMG_2031 x"), None);
        assert_eq!(sub("قصف2"), None);
    }

    #[test]
    fn words_with_punctuation_must_appear_as_typed() {
        let lit = |t: &str| Search::parse(t).expect(t).expect(t).literal_patterns();
        assert_eq!(lit("100% verified"), vec!["%100\\%%".to_owned()]);
        assert_eq!(lit("%%%x"), vec!["%\\%\\%\\%x%".to_owned()]);
        assert_eq!(lit("al-hassan o'brien market"), Vec::<String>::new());
        assert_eq!(lit("a.b OR c -d.e"), Vec::<String>::new());
    }
}
