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
    let text = match status.as_u16() {
        400 => "The request could not be understood.",
        403 => "You are not allowed to do this.",
        404 => "There is nothing at this address.",
        405 => "This address does not accept that kind of request.",
        408 => "The request took too long to arrive.",
        413 => "The request is larger than this address accepts.",
        415 => "This address does not accept that content type.",
        429 => "Please wait a moment and try again.",
        503 => "The appliance is busy or starting. Please try again shortly.",
        _ => "The appliance could not complete the request.",
    };
    error_with(status, text)
}

fn message_html(message: Option<&str>) -> String {
    message
        .map(|m| format!("<p class=\"error\" role=\"alert\">{}</p>", escape(m)))
        .unwrap_or_default()
}

pub fn login(csrf: &str, message: Option<&str>, username: &str) -> String {
    layout(
        "Sign in",
        &format!(
            "<section class=\"card narrow\"><h1>Sign in</h1>{}\
<form method=\"post\" action=\"/login\">\
<input type=\"hidden\" name=\"csrf\" value=\"{}\">\
<label for=\"username\">Username</label>\
<input id=\"username\" name=\"username\" autocomplete=\"username\" required maxlength=\"63\" value=\"{}\">\
<label for=\"password\">Password</label>\
<input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required maxlength=\"1024\">\
<button type=\"submit\">Sign in</button></form>\
<p class=\"muted\">Forgot your password? Ask an administrator of this appliance in person.</p></section>",
            message_html(message),
            escape(csrf),
            escape(username)
        ),
    )
}

pub fn setup(csrf: &str, message: Option<&str>, username: &str, min_length: usize) -> String {
    layout(
        "First administrator",
        &format!(
            "<section class=\"card narrow\"><h1>Set up this appliance</h1>\
<p>Create the first administrator. You need the one-time setup token that custodiand wrote to its log \
(<code>journalctl -u custodiand</code>) when it started; it is valid for one hour.</p>{}\
<form method=\"post\" action=\"/setup\">\
<input type=\"hidden\" name=\"csrf\" value=\"{}\">\
<label for=\"token\">Setup token</label>\
<input id=\"token\" name=\"token\" autocomplete=\"off\" required maxlength=\"64\">\
<label for=\"username\">Administrator's username</label>\
<input id=\"username\" name=\"username\" autocomplete=\"username\" required maxlength=\"63\" value=\"{}\">\
<label for=\"password\">Password (at least {} characters)</label>\
<input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"new-password\" required maxlength=\"1024\">\
<label for=\"confirm\">Password again</label>\
<input id=\"confirm\" name=\"confirm\" type=\"password\" autocomplete=\"new-password\" required maxlength=\"1024\">\
<button type=\"submit\">Create administrator</button></form></section>",
            message_html(message),
            escape(csrf),
            escape(username),
            min_length
        ),
    )
}

pub fn signed_in(username: &str, role: &str, csrf: &str) -> String {
    layout(
        "Home",
        &format!(
            "<section class=\"card\"><h1>Welcome, {}</h1><p class=\"muted\">Signed in as {} ({}).</p>\
<form method=\"post\" action=\"/logout\"><input type=\"hidden\" name=\"csrf\" value=\"{}\">\
<button type=\"submit\">Sign out</button></form></section>",
            escape(username),
            escape(username),
            escape(role),
            escape(csrf)
        ),
    )
}

/// An error page with a specific, user-facing explanation.
pub fn error_with(status: http::StatusCode, text: &str) -> String {
    let title = match status.as_u16() {
        400 => "Bad request",
        403 => "Forbidden",
        404 => "Not found",
        405 => "Method not allowed",
        408 => "Request timeout",
        413 => "Too large",
        415 => "Unsupported type",
        429 => "Too many requests",
        503 => "Unavailable",
        _ => "Something went wrong",
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
