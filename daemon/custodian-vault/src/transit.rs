//! Vault transit: signatures for audit checkpoints, encryption of fields.

use serde_json::json;

use crate::client::{field, Client, VaultError};

fn b64(data: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(data)
}

/// Signs `data` with transit key `key`; returns Vault's `vault:vN:…` text.
pub async fn sign(
    client: &Client,
    mount: &str,
    key: &str,
    data: &[u8],
) -> Result<String, VaultError> {
    let path = format!("{mount}/sign/{key}");
    let v = client
        .post(&path, &json!({"input": b64(data)}))
        .await?
        .ok_or(VaultError::Missing {
            path: path.clone(),
            field: "data",
        })?;
    Ok(field(&v, "/data/signature", &path, "data.signature")?.to_owned())
}

/// Checks a transit signature over `data`.
pub async fn verify(
    client: &Client,
    mount: &str,
    key: &str,
    data: &[u8],
    signature: &str,
) -> Result<bool, VaultError> {
    let path = format!("{mount}/verify/{key}");
    let v = client
        .post(&path, &json!({"input": b64(data), "signature": signature}))
        .await?
        .ok_or(VaultError::Missing {
            path: path.clone(),
            field: "data",
        })?;
    Ok(v.pointer("/data/valid")
        .and_then(serde_json::Value::as_bool)
        .unwrap_or(false))
}

/// Encrypts a field value with transit key `key`; returns `vault:vN:…`.
pub async fn encrypt(
    client: &Client,
    mount: &str,
    key: &str,
    plaintext: &[u8],
) -> Result<String, VaultError> {
    let path = format!("{mount}/encrypt/{key}");
    let v = client
        .post(&path, &json!({"plaintext": b64(plaintext)}))
        .await?
        .ok_or(VaultError::Missing {
            path: path.clone(),
            field: "data",
        })?;
    Ok(field(&v, "/data/ciphertext", &path, "data.ciphertext")?.to_owned())
}

/// Decrypts what [`encrypt`] returned (any key version Vault still allows).
pub async fn decrypt(
    client: &Client,
    mount: &str,
    key: &str,
    ciphertext: &str,
) -> Result<secrecy::SecretBox<[u8]>, VaultError> {
    use base64::Engine as _;
    let path = format!("{mount}/decrypt/{key}");
    let v = client
        .post(&path, &json!({"ciphertext": ciphertext}))
        .await?
        .ok_or(VaultError::Missing {
            path: path.clone(),
            field: "data",
        })?;
    let b =
        zeroize::Zeroizing::new(field(&v, "/data/plaintext", &path, "data.plaintext")?.to_owned());
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(b.as_bytes())
        .map_err(|_| VaultError::Invalid(format!("{path}: plaintext is not base64")))?;
    Ok(secrecy::SecretBox::new(bytes.into_boxed_slice()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn base64_matches_rfc4648() {
        assert_eq!(super::b64(b""), "");
        assert_eq!(super::b64(b"f"), "Zg==");
        assert_eq!(super::b64(b"fo"), "Zm8=");
        assert_eq!(super::b64(b"foo"), "Zm9v");
        assert_eq!(super::b64(b"foobar"), "Zm9vYmFy");
    }
}
