//! TOTP (RFC 6238: SHA-1, 6 digits, 30 s) as a second factor. Secrets are
//! kept only as Vault transit ciphertext; a code is accepted once: the
//! step it belongs to must be newer than the last one accepted.

use base64::Engine as _;
use totp_rs::{Algorithm, TOTP};
use zeroize::Zeroizing;

pub const STEP_SECS: u64 = 30;
const ISSUER: &str = "Custodian";

fn totp(secret: &[u8]) -> Option<TOTP> {
    TOTP::new(Algorithm::SHA1, 6, 0, STEP_SECS, secret.to_vec()).ok()
}

/// 160 random bits, as RFC 4226 recommends.
pub fn new_secret() -> Result<Zeroizing<Vec<u8>>, getrandom::Error> {
    let mut s = Zeroizing::new(vec![0u8; 20]);
    getrandom::getrandom(&mut s)?;
    Ok(s)
}

pub fn now() -> u64 {
    crate::clock::unix_seconds()
}

/// The step (`time / 30`) whose code `code` is, looking one step either
/// side of `time` for clock drift; `None` if it matches none.
pub fn matching_step(secret: &[u8], code: &str, time: u64) -> Option<u64> {
    let t = totp(secret)?;
    let code = code.trim().replace(' ', "");
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let current = time / STEP_SECS;
    [current.saturating_sub(1), current, current + 1]
        .into_iter()
        .find(|step| {
            let expected = t.generate(step * STEP_SECS);
            // Compare without an early exit.
            expected
                .bytes()
                .zip(code.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0
        })
}

/// RFC 4648 base32 without padding, as authenticator apps expect.
pub fn base32(bytes: &[u8]) -> String {
    const A: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::new();
    for chunk in bytes.chunks(5) {
        let mut buf = [0u8; 5];
        buf[..chunk.len()].copy_from_slice(chunk);
        let n = buf.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
        let chars = (chunk.len() * 8).div_ceil(5);
        for i in 0..chars {
            out.push(A[((n >> (35 - 5 * i)) & 31) as usize] as char);
        }
    }
    out
}

pub fn otpauth_url(username: &str, secret: &[u8]) -> String {
    format!(
        "otpauth://totp/{ISSUER}:{}?secret={}&issuer={ISSUER}&algorithm=SHA1&digits=6&period={STEP_SECS}",
        form_urlencoded::byte_serialize(username.as_bytes()).collect::<String>(),
        base32(secret)
    )
}

/// The enrolment QR code as inline SVG that our own encoder drew (no
/// script, no style attribute, so the CSP stays strict). Only [`qr_svg`]
/// makes one: a page emits it unescaped.
#[derive(Debug, Clone)]
pub struct QrSvg(String);

impl QrSvg {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

pub fn qr_svg(url: &str) -> Option<QrSvg> {
    let code = qrcode::QrCode::new(url.as_bytes()).ok()?;
    let svg = code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(200, 200)
        .build();
    Some(QrSvg(
        svg.split_once("?>")
            .map_or(svg.clone(), |(_, rest)| rest.to_owned()),
    ))
}

/// Secret bytes to and from the base64 text that goes through transit.
pub fn to_b64(secret: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(secret)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6238_vector_and_window() {
        // RFC 6238 appendix B, SHA-1 secret "12345678901234567890", T = 59 s:
        // 94287082 (8 digits); the 6-digit code is its last six.
        let secret = b"12345678901234567890";
        assert_eq!(matching_step(secret, "287082", 59), Some(1));
        assert_eq!(
            matching_step(secret, "287082", 59 + 30),
            Some(1),
            "one step of drift"
        );
        assert_eq!(matching_step(secret, "287082", 59 + 90), None, "too old");
        assert_eq!(matching_step(secret, "28708x", 59), None);
        assert_eq!(matching_step(secret, "", 59), None);
    }

    #[test]
    fn base32_matches_rfc4648() {
        assert_eq!(base32(b"foobar"), "MZXW6YTBOI");
        assert_eq!(
            base32(b"12345678901234567890"),
            "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
        );
    }

    #[test]
    fn qr_is_plain_svg() {
        let svg = qr_svg(&otpauth_url("alice", b"12345678901234567890")).expect("qr");
        let svg = svg.as_str();
        assert!(svg.trim_start().starts_with("<svg"));
        assert!(!svg.contains("<script") && !svg.contains("style="));
    }
}

/// Enrolment and login checks against PostgreSQL and Vault transit.
pub mod store {
    use custodian_vault::wrapping::{self, Purpose};
    use custodian_vault::Client;
    use secrecy::ExposeSecret;

    use super::{matching_step, new_secret, now, to_b64};
    use crate::error::CoreError;
    use crate::identity::accounts::audit;
    use crate::pool::Database;

    fn vault_err(e: custodian_vault::VaultError) -> CoreError {
        CoreError::Db(crate::pool::DbError::Vault(e))
    }

    /// The secret of `user_id`: wrapped for TOTP and that account only, so
    /// a value copied to another account's row does not unwrap.
    async fn decrypt(
        vault: &Client,
        user_id: i64,
        ciphertext: &str,
    ) -> Result<zeroize::Zeroizing<Vec<u8>>, CoreError> {
        use base64::Engine as _;
        let b64 = wrapping::unwrap(vault, Purpose::Totp, &user_id.to_string(), ciphertext)
            .await
            .map_err(vault_err)?;
        // The decoders' errors are left out on purpose: they quote the
        // offending byte and its place, which is part of the secret.
        let text = std::str::from_utf8(b64.expose_secret())
            .map_err(|_| CoreError::Internal("TOTP secret is not text".into()))?;
        base64::engine::general_purpose::STANDARD
            .decode(text)
            .map(zeroize::Zeroizing::new)
            .map_err(|_| CoreError::Internal("TOTP secret is not base64".into()))
    }

    /// A new pending secret for `user_id` (replacing an older pending one);
    /// returned in clear for the enrolment page only.
    pub async fn start_enrolment(
        db: &Database,
        vault: &Client,
        user_id: i64,
    ) -> Result<zeroize::Zeroizing<Vec<u8>>, CoreError> {
        let secret = new_secret()?;
        let ciphertext = wrapping::wrap(
            vault,
            Purpose::Totp,
            &user_id.to_string(),
            to_b64(&secret).as_bytes(),
        )
        .await
        .map_err(vault_err)?;
        let c = db.client().await?;
        let pg: &tokio_postgres::Client = &c;
        pg.execute(
            "UPDATE app_user SET totp_pending = $1 WHERE id = $2",
            &[&ciphertext, &user_id],
        )
        .await?;
        Ok(secret)
    }

    /// Which of the two secrets an account may hold.
    enum Stored {
        Pending,
        Active,
    }

    /// The step `code` belongs to under the user's pending or active
    /// secret, if any.
    async fn step_of(
        pg: &tokio_postgres::Client,
        vault: &Client,
        user_id: i64,
        which: Stored,
        code: &str,
    ) -> Result<Option<u64>, CoreError> {
        let sql = match which {
            Stored::Pending => "SELECT totp_pending FROM app_user WHERE id = $1",
            Stored::Active => "SELECT totp_secret FROM app_user WHERE id = $1",
        };
        let Some(ciphertext) = pg
            .query_one(sql, &[&user_id])
            .await?
            .get::<_, Option<String>>(0)
        else {
            return Ok(None);
        };
        let secret = decrypt(vault, user_id, &ciphertext).await?;
        Ok(matching_step(&secret, code, now()))
    }

    /// Confirms enrolment with a code from the pending secret.
    pub async fn finish_enrolment(
        db: &Database,
        vault: &Client,
        user_id: i64,
        username: &str,
        code: &str,
    ) -> Result<bool, CoreError> {
        let c = db.client().await?;
        let pg: &tokio_postgres::Client = &c;
        let Some(step) = step_of(pg, vault, user_id, Stored::Pending, code).await? else {
            return Ok(false);
        };
        pg.execute(
            "UPDATE app_user SET totp_secret = totp_pending, totp_pending = NULL, totp_last_step = $2 WHERE id = $1",
            &[&user_id, &(step as i64)],
        )
        .await?;
        audit(
            pg,
            username,
            "totp.enrolled",
            username,
            serde_json::json!({}),
        )
        .await?;
        crate::identity::notifications::notify(
            pg,
            user_id,
            "totp.enrolled",
            &crate::identity::notifications::Notice::new("notice-totp-enrolled"),
        )
        .await?;
        Ok(true)
    }

    /// Whether `code` is a fresh, unused code of the user's secret. Marks
    /// its step used in the same statement, so two uses cannot both pass.
    pub async fn check(
        db: &Database,
        vault: &Client,
        user_id: i64,
        code: &str,
    ) -> Result<bool, CoreError> {
        let c = db.client().await?;
        let pg: &tokio_postgres::Client = &c;
        let Some(step) = step_of(pg, vault, user_id, Stored::Active, code).await? else {
            return Ok(false);
        };
        let claimed = pg
            .execute(
                "UPDATE app_user SET totp_last_step = $2 WHERE id = $1 AND totp_last_step < $2",
                &[&user_id, &(step as i64)],
            )
            .await?;
        Ok(claimed == 1)
    }
}
