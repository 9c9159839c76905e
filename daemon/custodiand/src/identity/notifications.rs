//! In-app notifications of security events: a sign-in from a new device,
//! a lockout, a change of second factor or role. Written in the same
//! transaction or connection as the event they report, read on the
//! account's notifications page.

use sha2::{Digest, Sha256};
use tokio_postgres::GenericClient;

use super::accounts::AccountError;
use crate::db::Database;

/// Tells `user_id` about `message`.
pub async fn notify(
    pg: &impl GenericClient,
    user_id: i64,
    kind: &str,
    message: &str,
) -> Result<(), AccountError> {
    pg.execute(
        "INSERT INTO notification (user_id, kind, message) VALUES ($1, $2, $3)",
        &[&user_id, &kind, &message],
    )
    .await?;
    Ok(())
}

/// Tells every active administrator about `message`.
pub async fn notify_admins(
    pg: &impl GenericClient,
    kind: &str,
    message: &str,
) -> Result<(), AccountError> {
    pg.execute(
        "INSERT INTO notification (user_id, kind, message) \
         SELECT id, $1, $2 FROM app_user WHERE role = 'admin' AND state = 'active'",
        &[&kind, &message],
    )
    .await?;
    Ok(())
}

/// The stored form of a device: a hash of the address and the browser, so
/// the table is no second record of where people were.
fn fingerprint(peer: &str, user_agent: &str) -> Vec<u8> {
    let mut h = Sha256::new();
    h.update(b"custodian-device");
    for part in [peer, user_agent] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    h.finalize().to_vec()
}

/// Remembers the device of a successful sign-in and notifies the account
/// when it is new (but not on its very first sign-in, which is always new).
pub async fn note_device(
    pg: &impl GenericClient,
    user_id: i64,
    peer: &str,
    user_agent: &str,
) -> Result<bool, AccountError> {
    let had_any = pg
        .query_opt(
            "SELECT 1 FROM known_device WHERE user_id = $1 LIMIT 1",
            &[&user_id],
        )
        .await?
        .is_some();
    let added = pg
        .execute(
            "INSERT INTO known_device (user_id, fingerprint) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            &[&user_id, &fingerprint(peer, user_agent)],
        )
        .await?;
    let new_device = added == 1 && had_any;
    if new_device {
        let browser: String = user_agent.chars().take(80).collect();
        notify(
            pg,
            user_id,
            "login.new_device",
            &format!(
                "New sign-in from {peer} with {}. If this was not you, change your password and tell an administrator.",
                if browser.is_empty() { "an unnamed browser" } else { &browser }
            ),
        )
        .await?;
    }
    Ok(new_device)
}

pub struct Listed {
    pub id: i64,
    pub kind: String,
    pub message: String,
    pub created: String,
    pub unread: bool,
}

pub async fn list(db: &Database, user_id: i64) -> Result<Vec<Listed>, AccountError> {
    let c = db.client().await?;
    let pg: &tokio_postgres::Client = &c;
    let rows = pg
        .query(
            "SELECT id, kind, message, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI \"UTC\"'), \
             read_at IS NULL FROM notification WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT 200",
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
        })
        .collect())
}

pub async fn unread(db: &Database, user_id: i64) -> Result<i64, AccountError> {
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

pub async fn mark_all_read(db: &Database, user_id: i64) -> Result<(), AccountError> {
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
    use super::*;

    #[test]
    fn fingerprints_separate_address_and_browser() {
        assert_ne!(fingerprint("10.0.0.1", "a"), fingerprint("10.0.0.2", "a"));
        assert_ne!(fingerprint("10.0.0.1", "a"), fingerprint("10.0.0.1", "b"));
        assert_ne!(fingerprint("1", "0|x"), fingerprint("1|0", "x"));
        assert_eq!(fingerprint("10.0.0.1", "a"), fingerprint("10.0.0.1", "a"));
    }
}
