//! Random tokens for cookies and the setup token, and their stored form.

use base64::Engine as _;
use sha2::{Digest, Sha256};

/// 256 random bits, base64url without padding.
pub fn new_token() -> Result<String, getrandom::Error> {
    let mut raw = zeroize::Zeroizing::new([0u8; 32]);
    getrandom::getrandom(raw.as_mut())?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw.as_ref()))
}

/// What the database keeps of a token: its SHA-256.
pub fn stored_form(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// A cookie value that can only be one of our tokens (43 base64url
/// characters); anything else is ignored without a database lookup.
pub fn plausible(token: &str) -> bool {
    token.len() == 43
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_well_formed() {
        let (a, b) = (new_token().expect("a"), new_token().expect("b"));
        assert_ne!(a, b);
        assert!(plausible(&a) && plausible(&b));
        assert!(!plausible("x") && !plausible(&format!("{}!", &a[..42])));
        assert_eq!(stored_form(&a).len(), 32);
    }
}
