//! Rich text on the way in: a strict allow-list (ammonia). Anything else,
//! scripts, styles, event handlers, images, forms, is removed; links keep
//! only absolute http(s) and mailto addresses and open nothing in this
//! page's context. Relative addresses (`/exports/download?id=3`,
//! `//host/x`, `?q=`) are removed: a description must not be a link to
//! one of the appliance's own GET actions (a download that is audited
//! in the name of whoever clicks it).

use std::collections::HashSet;

/// HTML that went through [`rich_text`]'s allow-list: the only rich text a
/// page may emit unescaped. Nothing else can make one (the field is
/// private and there is no `From`), so a view that holds a `SafeHtml`
/// holds sanitised markup, and every other string it renders is escaped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SafeHtml(String);

impl SafeHtml {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The markup, to store (it is sanitised again when it is shown).
    pub fn into_string(self) -> String {
        self.0
    }
}

/// Sanitises `input` to the allow-list above.
pub fn rich_text(input: &str) -> SafeHtml {
    SafeHtml(clean(input))
}

fn clean(input: &str) -> String {
    ammonia::Builder::empty()
        .add_tags([
            "p",
            "br",
            "strong",
            "em",
            "b",
            "i",
            "u",
            "ul",
            "ol",
            "li",
            "blockquote",
            "code",
            "pre",
            "h3",
            "h4",
            "a",
        ])
        .add_tag_attributes("a", ["href"])
        .url_schemes(HashSet::from(["http", "https", "mailto"]))
        .url_relative(ammonia::UrlRelative::Deny)
        .link_rel(Some("noopener noreferrer nofollow"))
        .clean(input)
        .to_string()
}

/// Plain one-line text (titles): control characters removed, trimmed.
pub fn line(input: &str, max: usize) -> String {
    input
        .chars()
        .filter(|c| !c.is_control())
        .take(max)
        .collect::<String>()
        .trim()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_markup_is_stripped() {
        for (input, forbidden) in [
            ("<script>alert(1)</script>ok", "<script"),
            ("<img src=x onerror=alert(1)>", "onerror"),
            ("<a href=\"javascript:alert(1)\">x</a>", "javascript:"),
            ("<p style=\"color:red\">x</p>", "style="),
            ("<svg><script>alert(1)</script></svg>", "<svg"),
            ("<iframe src=//evil></iframe>", "<iframe"),
            ("<form action=//evil><input></form>", "<form"),
            ("<p onclick=\"x()\">a</p>", "onclick"),
        ] {
            let out = rich_text(input).into_string();
            assert!(!out.contains(forbidden), "{input} -> {out}");
        }
        assert_eq!(
            rich_text("<p><strong>Witness</strong> statement</p>").as_str(),
            "<p><strong>Witness</strong> statement</p>"
        );
        assert!(rich_text("<a href=\"https://example.org\">src</a>")
            .as_str()
            .contains("rel=\"noopener noreferrer nofollow\""));
    }

    #[test]
    fn relative_links_lose_their_address() {
        for input in [
            "<a href=\"/exports/download?id=3\">x</a>",
            "<a href=\"media/download?id=1\">x</a>",
            "<a href=\"//evil.example/x\">x</a>",
            "<a href=\"?q=1\">x</a>",
            "<a href=\"#top\">x</a>",
            "<a href=\"../logout\">x</a>",
            "<a href=\" /bulletins\">x</a>",
        ] {
            let out = rich_text(input).into_string();
            assert!(!out.contains("href"), "{input} -> {out}");
            assert!(out.contains(">x</a>"), "the text stays: {out}");
        }
        assert!(rich_text("<a href=\"https://example.org/a\">x</a>")
            .as_str()
            .contains("href=\"https://example.org/a\""));
        assert!(rich_text("<a href=\"mailto:a@example.org\">x</a>")
            .as_str()
            .contains("href="));
    }

    #[test]
    fn lines_lose_control_characters() {
        assert_eq!(line("  a\u{0}b\nc  ", 10), "abc");
        assert_eq!(line("abcdef", 3), "abc");
    }
}
