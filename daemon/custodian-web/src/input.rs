//! Checks on what a request's query string and form fields carry, before any
//! of it reaches SQL or date arithmetic. A value PostgreSQL cannot store (a
//! NUL byte) or a date that does not exist used to surface as a database
//! error and a 503; it is the sender's mistake, so it is a 400 that names the
//! field and says what to change.

// The refusal is the finished 400 response, as everywhere in this layer;
// it is built once per refused request, so its size does not matter.
#![allow(clippy::result_large_err)]

use bytes::Bytes;
use http::{header, Request, StatusCode};
use http_body_util::{BodyExt, Limited};

use crate::respond::WebError;

/// A request body the handlers read: bytes, sendable, with an error that
/// boxes. One bound instead of a two-line where-clause on every handler.
pub(crate) trait ReqBody:
    hyper::body::Body<Data = Bytes, Error = Self::Fault> + Send
{
    type Fault: Into<Box<dyn std::error::Error + Send + Sync>>;
}

impl<T> ReqBody for T
where
    T: hyper::body::Body<Data = Bytes> + Send,
    T::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    type Fault = T::Error;
}

/// Forms are also bounded by their route's limit (the route table), which
/// is usually much smaller.
const FORM_LIMIT: usize = 1024 * 1024;

/// A 400 page naming the field and the fix.
pub(crate) fn bad_field(field: &str, problem: &str) -> WebError {
    WebError::explained(
        StatusCode::BAD_REQUEST,
        crate::i18n::t_with(
            "field-refused",
            &[("field", field.into()), ("problem", problem.into())],
        ),
    )
}

/// Why a value is refused, if it is.
fn problem(value: &str, max_chars: usize) -> Option<String> {
    if value.contains('\0') {
        return Some(crate::i18n::t("field-nul"));
    }
    // Tab, newline and carriage return are ordinary in multi-line text; the
    // other C0/C1 controls have no business in a form.
    if value
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
    {
        return Some(crate::i18n::t("field-control"));
    }
    let n = value.chars().count();
    (n > max_chars).then(|| {
        crate::i18n::t_with(
            "field-too-long",
            &[("length", n.into()), ("max", max_chars.into())],
        )
    })
}

/// The query parameter `name` (empty when absent), refused when it carries
/// a control character or is longer than `max_chars`.
pub(crate) fn text(query: Option<&str>, name: &str, max_chars: usize) -> Result<String, WebError> {
    let value = query_param(query, name);
    match problem(&value, max_chars) {
        Some(p) => Err(bad_field(name, &p)),
        None => Ok(value),
    }
}

/// A calendar date `YYYY-MM-DD` (as a browser's date field sends it) from
/// the query, or `None` when empty. 2026-02-31 does not exist and is refused.
pub(crate) fn date(query: Option<&str>, name: &str) -> Result<Option<String>, WebError> {
    let value = text(query, name, 10)?;
    if value.is_empty() {
        return Ok(None);
    }
    let shaped = value.len() == 10
        && value.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    match (shaped, value.parse::<jiff::civil::Date>()) {
        (true, Ok(_)) => Ok(Some(value)),
        _ => Err(bad_field(name, &crate::i18n::t("field-not-a-date"))),
    }
}

/// Every form field, refused as a whole when one carries a NUL or another
/// control character (nothing is stored from such a form).
pub(crate) fn check_form(form: &[(String, String)]) -> Result<(), WebError> {
    for (name, value) in form {
        if let Some(p) = problem(value, usize::MAX) {
            // The name is the sender's too: show only a safe, short form of it.
            let shown: String = name.chars().filter(|c| !c.is_control()).take(40).collect();
            return Err(bad_field(&shown, &p));
        }
    }
    Ok(())
}

pub(crate) async fn parse_form<B: ReqBody>(
    req: Request<B>,
) -> Result<Vec<(String, String)>, WebError> {
    let form_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(';').next().is_some_and(|t| {
                t.trim()
                    .eq_ignore_ascii_case("application/x-www-form-urlencoded")
            })
        });
    if !form_type {
        return Err(StatusCode::UNSUPPORTED_MEDIA_TYPE.into());
    }
    let body = read_body(req, FORM_LIMIT).await?;
    let form: Vec<(String, String)> = form_urlencoded::parse(&body).into_owned().collect();
    check_form(&form)?;
    Ok(form)
}

pub(crate) fn field<'a>(form: &'a [(String, String)], name: &str) -> &'a str {
    form.iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

/// Reads a whole body up to `limit` bytes, refusing early on a declared
/// length that is too large.
pub(crate) async fn read_body<B: ReqBody>(
    req: Request<B>,
    limit: usize,
) -> Result<Bytes, StatusCode> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(StatusCode::PAYLOAD_TOO_LARGE);
    }
    match Limited::new(req.into_body(), limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => Err(StatusCode::PAYLOAD_TOO_LARGE),
        Err(_) => Err(StatusCode::BAD_REQUEST),
    }
}

pub(crate) fn query_param(query: Option<&str>, name: &str) -> String {
    query
        .into_iter()
        .flat_map(|q| form_urlencoded::parse(q.as_bytes()))
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_long_values_and_impossible_dates_are_refused() {
        assert_eq!(text(Some("q=abc"), "q", 10).ok(), Some("abc".into()));
        assert_eq!(text(None, "q", 10).ok(), Some(String::new()));
        for bad in ["q=a%00b", "q=%07", "q=%C2%85", "q=abcdefghijk"] {
            let r = text(Some(bad), "q", 10).expect_err(bad);
            assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{bad}");
        }
        assert_eq!(
            date(Some("since=2026-02-28"), "since").ok(),
            Some(Some("2026-02-28".into()))
        );
        assert_eq!(date(Some("since="), "since").ok(), Some(None));
        for bad in [
            "since=2026-02-31",
            "since=2026-13-01",
            "since=26-11-22",
            "since=2026-1-02",
            "since=2024-02-30",
        ] {
            assert!(date(Some(bad), "since").is_err(), "{bad}");
        }
        assert!(
            date(Some("since=2024-02-29"), "since").is_ok(),
            "a leap day exists"
        );
        let form = vec![("title".to_string(), "line\r\nnext\tcol".to_string())];
        assert!(check_form(&form).is_ok());
        let form = vec![("title".to_string(), "a\0b".to_string())];
        assert_eq!(
            check_form(&form).expect_err("NUL").status(),
            StatusCode::BAD_REQUEST
        );
    }
}
