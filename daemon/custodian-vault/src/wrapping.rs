//! Keys wrapped by Vault transit for one purpose and one record. Each
//! purpose has its own derived transit key, and the record's name is the
//! derivation context, so a wrapped value copied to another purpose or
//! another row (by someone who can write the database) does not unwrap.
//!
//! Stored form: `<transit key>:vault:vN:…`. Values from before this
//! scheme (`vault:vN:…`, under the one shared key `custodian-fields`,
//! no context) still unwrap, so existing TOTP secrets, files and exports
//! stay readable; they lose nothing and gain the binding when rewritten
//! (a new second factor, a new upload, a new export).

use secrecy::SecretBox;

use crate::client::{Client, VaultError};
use crate::transit;

/// The transit mount the keys live in (see `provision`).
const MOUNT: &str = "transit";
/// The key everything was wrapped with before purposes had their own.
pub const LEGACY_KEY: &str = "custodian-fields";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// An account's TOTP secret; the record is the account id.
    Totp,
    /// A media file's key; the record is its object name.
    Media,
    /// An export file's key; the record is its object name.
    Export,
}

impl Purpose {
    pub const ALL: [Purpose; 3] = [Self::Totp, Self::Media, Self::Export];

    /// The transit key of this purpose.
    pub fn key(self) -> &'static str {
        match self {
            Self::Totp => "custodian-totp",
            Self::Media => "custodian-media",
            Self::Export => "custodian-exports",
        }
    }

    fn context(self, record: &str) -> Vec<u8> {
        format!("{}:{record}", self.key()).into_bytes()
    }
}

/// Wraps `secret` for `purpose` and `record`.
pub async fn wrap(
    client: &Client,
    purpose: Purpose,
    record: &str,
    secret: &[u8],
) -> Result<String, VaultError> {
    let ciphertext = transit::encrypt_in_context(
        client,
        MOUNT,
        purpose.key(),
        &purpose.context(record),
        secret,
    )
    .await?;
    Ok(format!("{}:{ciphertext}", purpose.key()))
}

/// Unwraps what [`wrap`] returned for the same purpose and record (or a
/// value from before purposes, under the legacy key).
pub async fn unwrap(
    client: &Client,
    purpose: Purpose,
    record: &str,
    stored: &str,
) -> Result<SecretBox<[u8]>, VaultError> {
    if stored.starts_with("vault:") {
        return transit::decrypt(client, MOUNT, LEGACY_KEY, stored).await;
    }
    let Some(ciphertext) = stored
        .strip_prefix(purpose.key())
        .and_then(|rest| rest.strip_prefix(':'))
    else {
        return Err(VaultError::Invalid(format!(
            "a key wrapped for another purpose was offered as {}",
            purpose.key()
        )));
    };
    transit::decrypt_in_context(
        client,
        MOUNT,
        purpose.key(),
        &purpose.context(record),
        ciphertext,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purposes_have_distinct_keys_and_contexts() {
        let keys: std::collections::HashSet<_> = Purpose::ALL.iter().map(|p| p.key()).collect();
        assert_eq!(keys.len(), Purpose::ALL.len());
        assert!(!keys.contains(LEGACY_KEY));
        assert_ne!(Purpose::Media.context("a"), Purpose::Export.context("a"));
        assert_ne!(Purpose::Media.context("a"), Purpose::Media.context("b"));
    }
}
