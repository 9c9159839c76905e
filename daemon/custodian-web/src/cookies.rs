//! Cookies and the same-origin check: the only places the web layer reads
//! who is asking from the request's headers.

use http::{header, HeaderMap, HeaderValue};

use custodian_core::identity::tokens;

/// The session cookie.
pub(crate) const COOKIE: &str = "__Host-session";
/// The pre-session cookie that binds sign-in forms' CSRF tokens.
pub(crate) const PRE_COOKIE: &str = "__Host-pre";

/// The value of cookie `name`, if it looks like one of our tokens.
pub(crate) fn read_cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
        .filter(|v| tokens::plausible(v))
}

/// `Set-Cookie` for a `__Host-` cookie: Secure, HttpOnly, SameSite=Strict,
/// Path=/, no Domain. `None` clears it.
pub(crate) fn set_cookie(name: &str, value: Option<&str>) -> HeaderValue {
    let text = match value {
        Some(v) => format!("{name}={v}; Path=/; Secure; HttpOnly; SameSite=Strict"),
        None => format!("{name}=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0"),
    };
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static("invalid=; Max-Age=0"))
}

/// Cross-site requests are refused before any form is read: a POST must
/// come from our own origin (`Origin`, or `Sec-Fetch-Site: same-origin`
/// from browsers that omit Origin).
pub(crate) fn same_origin(headers: &HeaderMap, public_origin: &str) -> bool {
    match headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        Some(origin) => origin == public_origin,
        None => headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) == Some("same-origin"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_host_prefixed_and_strict() {
        let c = set_cookie(COOKIE, Some("abc"))
            .to_str()
            .expect("ascii")
            .to_owned();
        for part in [
            "__Host-session=abc",
            "Path=/",
            "Secure",
            "HttpOnly",
            "SameSite=Strict",
        ] {
            assert!(c.contains(part), "{c}");
        }
        assert!(!c.contains("Domain"));
    }

    #[test]
    fn only_plausible_cookie_values_are_read() {
        let token = tokens::new_token().expect("t");
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_str(&format!("a=b; {COOKIE}={token}; c=d")).expect("h"),
        );
        assert_eq!(read_cookie(&h, COOKIE), Some(token));
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("__Host-session=' OR 1=1 --"),
        );
        assert_eq!(read_cookie(&h, COOKIE), None);
    }

    #[test]
    fn origin_check() {
        let mut h = HeaderMap::new();
        assert!(!same_origin(&h, "https://a.example"));
        h.insert("sec-fetch-site", HeaderValue::from_static("same-origin"));
        assert!(same_origin(&h, "https://a.example"));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("https://evil.example"),
        );
        assert!(!same_origin(&h, "https://a.example"));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("https://a.example"),
        );
        assert!(same_origin(&h, "https://a.example"));
    }
}
