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
    encrypt_in(client, mount, key, None, plaintext).await
}

/// Encrypts under a derived key (created with `derived: true`): the same
/// `context` is needed to decrypt, so a ciphertext is bound to it.
pub async fn encrypt_in_context(
    client: &Client,
    mount: &str,
    key: &str,
    context: &[u8],
    plaintext: &[u8],
) -> Result<String, VaultError> {
    encrypt_in(client, mount, key, Some(context), plaintext).await
}

/// Decrypts what [`encrypt_in_context`] returned, given the same context.
pub async fn decrypt_in_context(
    client: &Client,
    mount: &str,
    key: &str,
    context: &[u8],
    ciphertext: &str,
) -> Result<secrecy::SecretBox<[u8]>, VaultError> {
    decrypt_in(client, mount, key, Some(context), ciphertext).await
}

fn with_context(mut body: serde_json::Value, context: Option<&[u8]>) -> serde_json::Value {
    if let (Some(c), Some(map)) = (context, body.as_object_mut()) {
        map.insert("context".into(), b64(c).into());
    }
    body
}

async fn encrypt_in(
    client: &Client,
    mount: &str,
    key: &str,
    context: Option<&[u8]>,
    plaintext: &[u8],
) -> Result<String, VaultError> {
    let path = format!("{mount}/encrypt/{key}");
    let v = client
        .post(
            &path,
            &with_context(json!({"plaintext": b64(plaintext)}), context),
        )
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
    decrypt_in(client, mount, key, None, ciphertext).await
}

async fn decrypt_in(
    client: &Client,
    mount: &str,
    key: &str,
    context: Option<&[u8]>,
    ciphertext: &str,
) -> Result<secrecy::SecretBox<[u8]>, VaultError> {
    use base64::Engine as _;
    let path = format!("{mount}/decrypt/{key}");
    let v = client
        .post(
            &path,
            &with_context(json!({"ciphertext": ciphertext}), context),
        )
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
