//! Server-rendered pages. Every dynamic value goes through [`escape`]; the
//! markup carries no inline script or style, so the CSP can stay strict.

use std::fmt::Write;

/// HTML-escapes text for element content and double-quoted attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            _ => out.push(c),
        }
    }
    out
}

/// A whole page around `body_html`, which the caller built from escaped
/// parts.
pub fn layout(title: &str, body_html: &str) -> String {
    let mut page = String::with_capacity(1024 + body_html.len());
    let _ = write!(
        page,
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
<meta name=\"robots\" content=\"noindex, nofollow\">\n\
<title>{} · Custodian</title>\n<link rel=\"stylesheet\" href=\"/static/app.css\">\n</head>\n<body>\n\
<header class=\"top\"><a class=\"brand\" href=\"/\">Custodian</a></header>\n<main>\n{}\n</main>\n\
<footer>Custodian evidence appliance</footer>\n</body>\n</html>\n",
        escape(title),
        body_html
    );
    page
}

pub fn home() -> String {
    layout(
        "Welcome",
        "<section class=\"card\"><h1>Custodian</h1>\
<p>This appliance keeps documentation of human-rights violations: bulletins, actors, incidents \
and the media that support them, with a record of who did what and when.</p>\
<h2>Before you sign in</h2>\
<ul>\
<li>Accounts are created by the appliance administrators. There is no self-registration and no \
password reset by e-mail: if you are locked out, contact an administrator in person.</li>\
<li>Check that the address bar shows this appliance's name and a valid certificate. The appliance \
never asks for your password anywhere else.</li>\
<li>Every sign-in, export and change is written to a tamper-evident activity log.</li>\
</ul>\
<h2>What this appliance does not do</h2>\
<ul>\
<li>It loads no scripts, fonts or images from other sites and sets no tracking cookies.</li>\
<li>It does not share data with third parties; exports need a second administrator's approval.</li>\
</ul>\
<h2>If something seems wrong</h2>\
<p>A sign-in you did not make, a warning about the certificate, or a page that asks for more than \
your own credentials: stop, do not enter anything, and tell an administrator. Administrators can \
see and end every session from the activity monitor.</p>\
<p class=\"muted\">Sign-in is set up by the appliance administrator.</p></section>",
    )
}

/// Error pages say what happened in plain words and never why inside.
pub fn error(status: http::StatusCode) -> String {
    let (title, text) = match status.as_u16() {
        400 => ("Bad request", "The request could not be understood."),
        403 => ("Forbidden", "You are not allowed to do this."),
        404 => ("Not found", "There is nothing at this address."),
        405 => (
            "Method not allowed",
            "This address does not accept that kind of request.",
        ),
        408 => ("Request timeout", "The request took too long to arrive."),
        413 => (
            "Too large",
            "The request is larger than this address accepts.",
        ),
        415 => (
            "Unsupported type",
            "This address does not accept that content type.",
        ),
        429 => ("Too many requests", "Please wait a moment and try again."),
        503 => (
            "Unavailable",
            "The appliance is busy or starting. Please try again shortly.",
        ),
        _ => (
            "Something went wrong",
            "The appliance could not complete the request.",
        ),
    };
    layout(
        title,
        &format!(
            "<section class=\"card\"><h1>{}</h1><p>{}</p></section>",
            escape(title),
            escape(text)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_neutralises_markup() {
        assert_eq!(
            escape("<script>alert('x')</script>&\""),
            "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;&amp;&quot;"
        );
    }

    #[test]
    fn pages_have_no_inline_script_or_style() {
        for page in [
            home(),
            error(http::StatusCode::NOT_FOUND),
            error(http::StatusCode::INTERNAL_SERVER_ERROR),
        ] {
            assert!(!page.contains("<script"), "{page}");
            assert!(!page.contains("<style"), "{page}");
            assert!(!page.contains("style="), "{page}");
        }
    }
}
