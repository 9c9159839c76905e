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
