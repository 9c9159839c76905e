//! Recovery codes: ten single-use codes per account, for when the
//! authenticator is lost. Shown once when generated; stored as HMAC-SHA-256
//! under the keyring's password pepper (its version kept with each code),
//! so the database alone does not reveal or test them.

use custodian_vault::keyring::Keyring;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::accounts::{audit, PEPPER};
use super::totp::base32;
use crate::error::CoreError;
use crate::pool::{Database, DbError};

pub const COUNT: usize = 10;

/// Upper-case, without spaces or dashes: what the user typed, as stored.
fn normalise(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// Looks like a recovery code rather than a six-digit TOTP code.
pub fn looks_like_recovery_code(code: &str) -> bool {
    normalise(code).len() == 12
}

fn digest(pepper: &[u8], user_id: i64, code: &str) -> Option<Vec<u8>> {
    let mut mac = Hmac::<Sha256>::new_from_slice(pepper).ok()?;
    mac.update(format!("recovery|{user_id}|{}", normalise(code)).as_bytes());
    Some(mac.finalize().into_bytes().to_vec())
}

/// Twelve base32 characters (60 random bits) shown as XXXX-XXXX-XXXX.
fn new_code() -> Result<String, getrandom::Error> {
    let mut raw = zeroize::Zeroizing::new([0u8; 8]);
    getrandom::getrandom(raw.as_mut())?;
    let text: String = base32(raw.as_ref()).chars().take(12).collect();
    Ok(format!("{}-{}-{}", &text[..4], &text[4..8], &text[8..]))
}

/// Replaces the account's codes with ten new ones, returned once.
pub async fn regenerate(
    db: &Database,
    keyring: &Keyring,
    user_id: i64,
    username: &str,
) -> Result<Vec<String>, CoreError> {
    let (version, pepper) = keyring
        .newest(PEPPER)
        .await
        .ok_or_else(|| CoreError::Internal("keyring has no pepper".into()))?;
    let codes = (0..COUNT)
        .map(|_| new_code())
        .collect::<Result<Vec<_>, _>>()?;
    let mut c = db.client().await?;
    let tx = c.transaction().await?;
    tx.execute("DELETE FROM recovery_code WHERE user_id = $1", &[&user_id])
        .await?;
    for code in &codes {
        let h = digest(&pepper, user_id, code).ok_or_else(|| CoreError::Internal("hmac".into()))?;
        tx.execute(
            "INSERT INTO recovery_code (user_id, code_hash, pepper_version) VALUES ($1, $2, $3)",
            &[&user_id, &h, &(version as i64)],
        )
        .await?;
    }
    audit(
        &*tx,
        username,
        "recovery_codes.generated",
        username,
        serde_json::json!({"count": COUNT}),
    )
    .await?;
    crate::identity::notifications::notify(
        &*tx,
        user_id,
        "recovery_codes.generated",
        &crate::identity::notifications::Notice::new("notice-recovery-codes"),
    )
    .await?;
    tx.commit().await?;
    Ok(codes)
}

/// Uses up `code` if it is one of the account's unused codes.
pub async fn redeem(
    db: &Database,
    keyring: &Keyring,
    user_id: i64,
    username: &str,
    code: &str,
) -> Result<bool, CoreError> {
    let c = db.client().await?;
    let pg: &tokio_postgres::Client = &c;
    let versions = pg
        .query("SELECT DISTINCT pepper_version FROM recovery_code WHERE user_id = $1 AND used_at IS NULL", &[&user_id])
        .await?;
    for row in versions {
        let version: i64 = row.get(0);
        let Some(pepper) = keyring
            .key_at(PEPPER, version as u64)
            .await
            .map_err(|e| CoreError::Db(DbError::Vault(e)))?
        else {
            continue;
        };
        let Some(h) = digest(&pepper, user_id, code) else {
            continue;
        };
        let used = pg
            .execute(
                "UPDATE recovery_code SET used_at = now() WHERE user_id = $1 AND code_hash = $2 AND pepper_version = $3 AND used_at IS NULL",
                &[&user_id, &h, &version],
            )
            .await?;
        if used == 1 {
            let left: i64 = pg
                .query_one(
                    "SELECT count(*) FROM recovery_code WHERE user_id = $1 AND used_at IS NULL",
                    &[&user_id],
                )
                .await?
                .get(0);
            audit(
                pg,
                username,
                "recovery_code.used",
                username,
                serde_json::json!({"remaining": left}),
            )
            .await?;
            return Ok(true);
        }
    }
    Ok(false)
}

pub async fn remaining(db: &Database, user_id: i64) -> Result<i64, CoreError> {
    let c = db.client().await?;
    let pg: &tokio_postgres::Client = &c;
    Ok(pg
        .query_one(
            "SELECT count(*) FROM recovery_code WHERE user_id = $1 AND used_at IS NULL",
            &[&user_id],
        )
        .await?
        .get(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_and_normalised() {
        let a = new_code().expect("a");
        let b = new_code().expect("b");
        assert_ne!(a, b);
        assert_eq!(a.len(), 14);
        assert!(
            looks_like_recovery_code(&a)
                && looks_like_recovery_code(&a.to_lowercase().replace('-', " "))
        );
        assert!(!looks_like_recovery_code("123456"));
        assert_eq!(
            digest(b"pepper", 1, &a),
            digest(b"pepper", 1, &a.to_lowercase())
        );
        assert_ne!(
            digest(b"pepper", 1, &a),
            digest(b"pepper", 2, &a),
            "bound to the account"
        );
    }
}
