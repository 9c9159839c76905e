//! Response headers every answer carries, errors included.

use http::header::{HeaderMap, HeaderName, HeaderValue};

/// Scripts and styles from this origin only, nothing inline, no framing,
/// no `<base>`, forms post back here only. Violations are reported to the
/// appliance itself.
pub(crate) const CONTENT_SECURITY_POLICY: &str =
    "default-src 'none'; script-src 'self'; style-src 'self'; \
img-src 'self'; font-src 'self'; connect-src 'self'; manifest-src 'self'; form-action 'self'; \
frame-ancestors 'none'; base-uri 'none'; object-src 'none'; upgrade-insecure-requests; \
report-uri /csp-report; report-to csp";

const PERMISSIONS_POLICY: &str = "accelerometer=(), autoplay=(), camera=(), display-capture=(), \
encrypted-media=(), fullscreen=(), geolocation=(), gyroscope=(), hid=(), idle-detection=(), \
magnetometer=(), microphone=(), midi=(), payment=(), picture-in-picture=(), serial=(), usb=(), \
interest-cohort=(), browsing-topics=(), publickey-credentials-get=(self), \
publickey-credentials-create=(self)";

const FIXED: &[(&str, &str)] = &[
    ("content-security-policy", CONTENT_SECURITY_POLICY),
    ("reporting-endpoints", "csp=\"/csp-report\""),
    (
        "strict-transport-security",
        "max-age=63072000; includeSubDomains",
    ),
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    // Not `no-referrer`: under it browsers send `Origin: null` with form
    // POSTs, which the same-origin check must refuse. `same-origin` sends
    // nothing to other sites, which is what matters.
    ("referrer-policy", "same-origin"),
    ("permissions-policy", PERMISSIONS_POLICY),
    ("cross-origin-opener-policy", "same-origin"),
    ("cross-origin-resource-policy", "same-origin"),
    ("cross-origin-embedder-policy", "require-corp"),
    ("x-robots-tag", "noindex, nofollow"),
    ("x-permitted-cross-domain-policies", "none"),
];

/// Adds the fixed security headers, a `no-store` cache policy unless the
/// handler chose one, and removes anything naming the server software.
pub(crate) fn apply(headers: &mut HeaderMap) {
    for (name, value) in FIXED {
        let name = HeaderName::from_static(name);
        // A handler may set a stricter CSP (media downloads: `sandbox`);
        // no handler sets a looser one (see `http/media.rs`).
        if name == "content-security-policy" && headers.contains_key(&name) {
            continue;
        }
        headers.insert(name, HeaderValue::from_static(value));
    }
    headers
        .entry(http::header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    headers.remove(http::header::SERVER);
    headers.remove(HeaderName::from_static("x-powered-by"));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csp_forbids_inline_and_framing() {
        for required in [
            "default-src 'none'",
            "script-src 'self';",
            "style-src 'self';",
            "frame-ancestors 'none'",
            "base-uri 'none'",
            "form-action 'self'",
        ] {
            assert!(CONTENT_SECURITY_POLICY.contains(required), "{required}");
        }
        assert!(!CONTENT_SECURITY_POLICY.contains("unsafe"));
    }

    #[test]
    fn apply_keeps_a_chosen_cache_policy_and_strips_server() {
        let mut h = HeaderMap::new();
        h.insert(
            http::header::CACHE_CONTROL,
            HeaderValue::from_static("max-age=60"),
        );
        h.insert(http::header::SERVER, HeaderValue::from_static("x/1.0"));
        apply(&mut h);
        assert_eq!(h[http::header::CACHE_CONTROL], "max-age=60");
        assert!(h.get(http::header::SERVER).is_none());
        assert_eq!(h["x-content-type-options"], "nosniff");
    }
}
