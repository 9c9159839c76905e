//! In-app notifications of security events: a sign-in from a new device,
//! a lockout, a change of second factor or role. Written in the same
//! transaction or connection as the event they report, read on the
//! account's notifications page.

use custodian_vault::keyring::Keyring;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use tokio_postgres::GenericClient;

use crate::error::{Arg, CoreError, Problem};
use crate::pool::Database;

/// What a notification says: the catalogue key of its message
/// (`i18n/*/account.ftl`, `notice-…`) and the values its placeables name.
/// The web layer words it in the reader's language when it is read, so a
/// notification written to an Arabic reader by an English administrator
/// is Arabic, and the domain has no words of its own.
///
/// Its key and values are made as a refusal's are (a [`Problem`]), and
/// checked against the catalogues by the same test.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice(Problem);

impl Notice {
    pub fn new(key: &'static str) -> Self {
        Self(Problem::new(key))
    }

    /// With the value of the placeable `name`.
    #[must_use]
    pub fn with(self, name: &'static str, value: impl Into<Arg>) -> Self {
        Self(self.0.with(name, value))
    }

    pub fn key(&self) -> &'static str {
        self.0.key
    }

    /// What `message` holds: the key and the values, which is what a
    /// release before migration 0030 shows after a rollback (no words, but
    /// nothing of a lockout's who and where lost).
    fn fallback(&self) -> String {
        format!("{} {}", self.key(), self.args_json())
    }

    /// The values as stored (`message_args`): a JSON object of texts and
    /// numbers.
    fn args_json(&self) -> serde_json::Value {
        self.0.args_json()
    }
}

/// Tells `user_id` about `notice`.
pub async fn notify(
    pg: &impl GenericClient,
    user_id: i64,
    kind: &str,
    notice: &Notice,
) -> Result<(), CoreError> {
    pg.execute(
        "INSERT INTO notification (user_id, kind, message, message_key, message_args) \
         VALUES ($1, $2, $3, $4, $5)",
        &[
            &user_id,
            &kind,
            &notice.fallback(),
            &notice.key(),
            &notice.args_json(),
        ],
    )
    .await?;
    Ok(())
}

/// Tells every active administrator about `notice`.
pub async fn notify_admins(
    pg: &impl GenericClient,
    kind: &str,
    notice: &Notice,
) -> Result<(), CoreError> {
    pg.execute(
        "INSERT INTO notification (user_id, kind, message, message_key, message_args) \
         SELECT id, $1, $2, $3, $4 FROM app_user WHERE role = 'admin' AND state = 'active'",
        &[
            &kind,
            &notice.fallback(),
            &notice.key(),
            &notice.args_json(),
        ],
    )
    .await?;
    Ok(())
}

/// The keyring field device fingerprints are keyed with (domain-separated
/// from CSRF tokens by the message prefix).
const FINGERPRINT_KEY: &str = "token-hmac";

/// The stored form of a device: an HMAC of the address and the browser
/// under a key from Vault, so the table is no second record of where
/// people were (a plain hash of an address and a browser name is quickly
/// found by trying them all).
fn fingerprint(key: &[u8], peer: &str, user_agent: &str) -> Option<Vec<u8>> {
    let mut h = Hmac::<Sha256>::new_from_slice(key).ok()?;
    h.update(b"custodian-device|");
    for part in [peer, user_agent] {
        h.update(&(part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    Some(h.finalize().into_bytes().to_vec())
}

/// Fingerprints made by releases before they were keyed are removed (at
/// start): they are exactly the record the keyed form avoids.
pub async fn forget_unkeyed_devices(pg: &impl GenericClient) -> Result<u64, CoreError> {
    // Through the owner's function: the runtime role has no DELETE here.
    let gone: i64 = pg
        .query_one("SELECT custodian_forget_unkeyed_devices()", &[])
        .await?
        .get(0);
    Ok(gone as u64)
}

/// [`note_device`] on a pooled connection of its own.
pub async fn note_device_pooled(
    db: &Database,
    keyring: &Keyring,
    user_id: i64,
    peer: &str,
    user_agent: &str,
) -> Result<bool, CoreError> {
    let c = db.client().await?;
    note_device(&**c, keyring, user_id, peer, user_agent).await
}

/// Remembers the device of a successful sign-in and notifies the account
/// when it is new (but not on its very first sign-in, which is always new).
/// A device is also known under the keyring's previous version, so a
/// rotation does not make every device look new.
pub async fn note_device(
    pg: &impl GenericClient,
    keyring: &Keyring,
    user_id: i64,
    peer: &str,
    user_agent: &str,
) -> Result<bool, CoreError> {
    let (version, key) = keyring
        .newest(FINGERPRINT_KEY)
        .await
        .ok_or_else(|| CoreError::Internal("keyring has no fingerprint key".into()))?;
    let current = fingerprint(&key, peer, user_agent)
        .ok_or_else(|| CoreError::Internal("fingerprint key".into()))?;
    let mut candidates = vec![current.clone()];
    // The previous version only if still held: a device check on every
    // sign-in must not cost a Vault request.
    if version > 1 {
        if let Some(previous) = keyring.held_at(FINGERPRINT_KEY, version - 1).await {
            candidates.extend(fingerprint(&previous, peer, user_agent));
        }
    }
    // One round trip: what was known before, and the device remembered.
    let row = pg
        .query_one(
            "WITH prior AS (SELECT count(*) > 0 AS had_any, coalesce(bool_or(fingerprint = ANY($2)), false) AS seen \
                            FROM known_device WHERE user_id = $1 AND keyed), \
                  kept AS (INSERT INTO known_device (user_id, fingerprint, keyed) VALUES ($1, $3, true) \
                           ON CONFLICT DO NOTHING) \
             SELECT had_any, seen FROM prior",
            &[&user_id, &candidates, &current],
        )
        .await?;
    let (had_any, seen): (bool, bool) = (row.get(0), row.get(1));
    let new_device = !seen && had_any;
    if new_device {
        let browser: String = user_agent.chars().take(80).collect();
        let notice = if browser.is_empty() {
            Notice::new("notice-new-device-unnamed").with("peer", peer.to_owned())
        } else {
            Notice::new("notice-new-device")
                .with("peer", peer.to_owned())
                .with("browser", browser)
        };
        notify(pg, user_id, "login.new_device", &notice).await?;
    }
    Ok(new_device)
}

pub struct Listed {
    pub id: i64,
    pub kind: String,
    /// The English sentence of a notification written before migration
    /// 0030; for later ones, their key (as `key`).
    pub message: String,
    /// The catalogue key, and the values by name (texts and numbers).
    pub key: Option<String>,
    pub args: serde_json::Map<String, serde_json::Value>,
    pub created: std::time::SystemTime,
    pub unread: bool,
}

pub async fn list(db: &Database, user_id: i64) -> Result<Vec<Listed>, CoreError> {
    let c = db.client().await?;
    let pg: &tokio_postgres::Client = &c;
    let rows = pg
        .query(
            "SELECT id, kind, message, created_at, read_at IS NULL, message_key, message_args \
             FROM notification WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT 200",
            &[&user_id],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| Listed {
            id: r.get(0),
            kind: r.get(1),
            message: r.get(2),
            created: r.get(3),
            unread: r.get(4),
            key: r.get(5),
            args: match r.get::<_, serde_json::Value>(6) {
                serde_json::Value::Object(m) => m,
                _ => serde_json::Map::new(),
            },
        })
        .collect())
}

/// The values of a [`Notice`] that are account names (masked for a reader
/// without `view_usernames`).
pub const NAME_ARGS: [&str; 3] = ["account", "by", "asked_by"];

/// Every account's name as `(id, username)`, for masking the names a
/// notification carries when it is shown to an account without
/// `view_usernames` (an account demoted since, or any other, included).
pub async fn usernames(db: &Database) -> Result<Vec<(i64, String)>, CoreError> {
    let c = db.client().await?;
    let pg: &tokio_postgres::Client = &c;
    Ok(pg
        .query("SELECT id, username FROM app_user", &[])
        .await?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect())
}

/// Replaces every whole-word occurrence of a name in `names` by
/// `user-<id>` (the form the rest of the interface shows without
/// `view_usernames`); a word is a run of username characters, so a name
/// inside a longer word is left alone.
pub fn mask_names(message: &str, names: &[(i64, String)]) -> String {
    let is_name_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_');
    let mut out = String::with_capacity(message.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        // A sentence's full stop is not part of the name.
        let trimmed = word.trim_end_matches('.');
        let tail = &word[trimmed.len()..];
        match names.iter().find(|(_, n)| n == trimmed) {
            Some((id, _)) => {
                out.push_str(&format!("user-{id}"));
                out.push_str(tail);
            }
            None => out.push_str(word),
        }
        word.clear();
    };
    for c in message.chars() {
        if is_name_char(c) {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

pub async fn unread(db: &Database, user_id: i64) -> Result<i64, CoreError> {
    let c = db.client().await?;
    let pg: &tokio_postgres::Client = &c;
    Ok(pg
        .query_one(
            "SELECT count(*) FROM notification WHERE user_id = $1 AND read_at IS NULL",
            &[&user_id],
        )
        .await?
        .get(0))
}

pub async fn mark_all_read(db: &Database, user_id: i64) -> Result<(), CoreError> {
    let c = db.client().await?;
    let pg: &tokio_postgres::Client = &c;
    pg.execute(
        "UPDATE notification SET read_at = now() WHERE user_id = $1 AND read_at IS NULL",
        &[&user_id],
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn administrators_names_are_masked_as_whole_words() {
        let names = vec![(3, "admin".to_owned()), (9, "bob".to_owned())];
        assert_eq!(
            super::mask_names(
                "admin asked for administrator rights for the account bob.",
                &names
            ),
            "user-3 asked for administrator rights for the account user-9."
        );
        assert_eq!(super::mask_names("bobby: admins", &names), "bobby: admins");
    }

    use super::*;

    #[test]
    fn fingerprints_separate_address_and_browser_and_need_the_key() {
        let f = |key: &[u8], peer: &str, ua: &str| fingerprint(key, peer, ua).expect("hmac");
        let k = b"key-one-32-bytes-long-padding---";
        assert_ne!(f(k, "10.0.0.1", "a"), f(k, "10.0.0.2", "a"));
        assert_ne!(f(k, "10.0.0.1", "a"), f(k, "10.0.0.1", "b"));
        assert_ne!(f(k, "1", "0|x"), f(k, "1|0", "x"));
        assert_eq!(f(k, "10.0.0.1", "a"), f(k, "10.0.0.1", "a"));
        assert_ne!(
            f(k, "10.0.0.1", "a"),
            f(b"key-two-32-bytes-long-padding---", "10.0.0.1", "a"),
            "without the key the stored value cannot be recomputed"
        );
    }
}
