//! Sessions: an opaque 256-bit token in a `__Host-` cookie, only its hash
//! in PostgreSQL (so several nodes share sessions and a database copy
//! holds none), idle and absolute lifetimes, one session per account.
//! CSRF tokens are keyring signatures bound to the session (or, before
//! login, to a random pre-session cookie), so they rotate with the keyring.

use super::password::Policy;
use super::tokens;
use crate::error::CoreError;
use crate::policy::Role;
use crate::pool::{Database, DbError};
use custodian_vault::keyring::Keyring;

/// Why a session could not be created, changed or listed. The database
/// error is kept whole so that the page can say what happened
/// (`load::cause_of`).
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error("{0}")]
    Db(#[from] DbError),
    #[error("no randomness for a session token: {0}")]
    Random(#[source] getrandom::Error),
    #[error("the session ended meanwhile")]
    Ended,
    #[error("{0}")]
    Account(#[from] CoreError),
}

impl From<tokio_postgres::Error> for SessionError {
    fn from(e: tokio_postgres::Error) -> Self {
        Self::Db(DbError::Postgres(e))
    }
}

#[derive(Debug, Clone)]
pub struct Session {
    pub user_id: i64,
    pub username: String,
    pub role: Role,
    pub token_hash: Vec<u8>,
    pub must_change_password: bool,
    /// Authenticated (password) within the step-up window.
    pub fresh: bool,
    /// The account's role requires a second factor it does not have yet.
    pub enrolment: Option<Enrolment>,
    /// The language and time zone the account chose for its pages.
    pub preferences: super::preferences::Preferences,
    /// The account's explicit permissions (none: its role's) and access
    /// groups, read in the same statement as the session, on every
    /// request, so that an administrator's change applies at once.
    pub permissions: Option<Vec<String>>,
    pub access_groups: Vec<String>,
}

/// Which roles need a second factor, and which a hardware key.
#[derive(Debug, Clone, Default)]
pub struct FactorPolicy {
    pub required: Vec<String>,
    pub hardware: Vec<String>,
}

impl FactorPolicy {
    pub fn hardware_only(&self, role: Role) -> bool {
        self.hardware.iter().any(|r| r == role.key())
    }
}

/// What an account must enrol before it may do anything else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Enrolment {
    /// Any second factor: TOTP or a passkey.
    SecondFactor,
    /// A hardware security key.
    HardwareKey,
}

impl Enrolment {
    /// The page where it is enrolled.
    pub fn page(self) -> &'static str {
        match self {
            Self::SecondFactor => "/account/totp",
            Self::HardwareKey => "/account/passkeys",
        }
    }
}

/// How recent the last password entry must be for sensitive actions.
pub const STEP_UP_MINUTES: i32 = 15;

/// Starts a session for `user_id`, ending any other session of the account
/// (single-session default). With `second_factor_pending` the session
/// grants nothing until [`second_factor_passed`], and only another session
/// waiting for its second factor ends: a password alone must not sign the
/// account's owner out (the others end when the second factor passes).
/// Returns the token.
pub async fn create(
    db: &Database,
    policy: &Policy,
    user_id: i64,
    peer: &str,
    user_agent: &str,
    second_factor_pending: bool,
) -> Result<String, SessionError> {
    let token = tokens::new_token().map_err(SessionError::Random)?;
    let mut c = db.client().await?;
    let tx = c.transaction().await?;
    tx.execute(
        "DELETE FROM user_session WHERE user_id = $1 AND (second_factor_pending OR NOT $2)",
        &[&user_id, &second_factor_pending],
    )
    .await?;
    let ua: String = user_agent.chars().take(200).collect();
    tx.execute(
        "INSERT INTO user_session (token_hash, user_id, expires_at, peer, user_agent, second_factor_pending) \
         VALUES ($1, $2, now() + make_interval(hours => $3), $4, $5, $6)",
        &[&tokens::stored_form(&token), &user_id, &policy.session_absolute_hours, &peer, &ua, &second_factor_pending],
    )
    .await
    ?;
    tx.commit().await?;
    Ok(token)
}

/// The live, complete session for the request's cookie, if any.
/// Refreshes its idle timer at most once a minute.
pub async fn current(
    db: &Database,
    policy: &Policy,
    token: Option<&str>,
    factors: &FactorPolicy,
) -> Result<Option<Session>, DbError> {
    lookup(db, policy, token, false, factors).await
}

/// A session that passed the password and waits for its second factor.
pub async fn pending(
    db: &Database,
    policy: &Policy,
    token: Option<&str>,
) -> Result<Option<Session>, DbError> {
    lookup(db, policy, token, true, &FactorPolicy::default()).await
}

async fn lookup(
    db: &Database,
    policy: &Policy,
    token: Option<&str>,
    pending: bool,
    factors: &FactorPolicy,
) -> Result<Option<Session>, DbError> {
    let Some(token) = token.filter(|t| tokens::plausible(t)) else {
        return Ok(None);
    };
    let hash = tokens::stored_form(token);
    let c = db.client().await?;
    let pg: &tokio_postgres::Client = &c;
    // Prepared once per connection: every signed-in request asks this.
    let statement = c
        .prepare_cached(
            "SELECT u.id, u.username, u.role, u.must_change_password, s.last_seen < now() - interval '1 minute', \
             s.authenticated_at > now() - make_interval(mins => $3), \
             CASE WHEN u.role = ANY($6) AND NOT EXISTS \
                    (SELECT 1 FROM webauthn_credential w WHERE w.user_id = u.id AND w.hardware) THEN 2 \
                  WHEN u.role = ANY($5) AND u.totp_secret IS NULL AND NOT EXISTS \
                    (SELECT 1 FROM webauthn_credential w WHERE w.user_id = u.id) THEN 1 \
                  ELSE 0 END, \
             u.language, u.time_zone, u.permissions, u.access_groups \
             FROM user_session s JOIN app_user u ON u.id = s.user_id \
             WHERE s.token_hash = $1 AND s.expires_at > now() AND s.second_factor_pending = $4 \
               AND s.last_seen > now() - make_interval(mins => $2) AND u.state = 'active'",
        )
        .await
        .map_err(DbError::Postgres)?;
    let row = pg
        .query_opt(
            &statement,
            &[
                &hash,
                &policy.session_idle_minutes,
                &STEP_UP_MINUTES,
                &pending,
                &factors.required,
                &factors.hardware,
            ],
        )
        .await
        .map_err(DbError::Postgres)?;
    let Some(r) = row else { return Ok(None) };
    // A role the policy does not know grants nothing (deny by default).
    let Some(role) = Role::parse(r.get(2)) else {
        return Ok(None);
    };
    if r.get::<_, bool>(4) {
        let _ = pg
            .execute(
                "UPDATE user_session SET last_seen = now() WHERE token_hash = $1",
                &[&hash],
            )
            .await;
    }
    Ok(Some(Session {
        user_id: r.get(0),
        username: r.get(1),
        role,
        must_change_password: r.get(3),
        fresh: r.get(5),
        enrolment: match r.get::<_, i32>(6) {
            2 => Some(Enrolment::HardwareKey),
            1 => Some(Enrolment::SecondFactor),
            _ => None,
        },
        preferences: super::preferences::Preferences {
            language: r.get(7),
            time_zone: r.get(8),
        },
        permissions: r.get(9),
        access_groups: r.get(10),
        token_hash: hash,
    }))
}

/// The second factor was right: the session becomes complete, with a new
/// token; the account's other sessions end and its failure counters start
/// over (the whole sign-in succeeded). Returns the token.
pub async fn second_factor_passed(
    db: &Database,
    token_hash: &[u8],
) -> Result<String, SessionError> {
    fresh_token(db, token_hash, true).await
}

/// After the password was entered again: a new token (the old one stops
/// working) and a fresh authentication time. Returns the new token.
pub async fn reauthenticated(db: &Database, token_hash: &[u8]) -> Result<String, SessionError> {
    fresh_token(db, token_hash, false).await
}

/// Gives the session a new token and a fresh authentication time. Only a
/// session in the expected state qualifies: pending its second factor when
/// `completing_second_factor`, complete otherwise.
async fn fresh_token(
    db: &Database,
    token_hash: &[u8],
    completing_second_factor: bool,
) -> Result<String, SessionError> {
    let token = tokens::new_token().map_err(SessionError::Random)?;
    let fresh = tokens::stored_form(&token);
    let mut c = db.client().await?;
    let tx = c.transaction().await?;
    let row = tx
        .query_opt(
            "UPDATE user_session SET token_hash = $2, second_factor_pending = false, authenticated_at = now(), \
             last_seen = now() WHERE token_hash = $1 AND second_factor_pending = $3 RETURNING user_id",
            &[&token_hash, &fresh, &completing_second_factor],
        )
        .await
        ?;
    let Some(row) = row else {
        return Err(SessionError::Ended);
    };
    let user_id: i64 = row.get(0);
    if completing_second_factor {
        tx.execute(
            "DELETE FROM user_session WHERE user_id = $1 AND token_hash <> $2",
            &[&user_id, &fresh],
        )
        .await?;
    }
    // Sign-in or step-up, the guess was right: the counters start over.
    super::lockout::passed(&*tx, user_id)
        .await
        .map_err(SessionError::Account)?;
    tx.commit().await?;
    Ok(token)
}

/// Ends every session of `user_id` (password change, deactivation).
pub async fn revoke_all(db: &Database, user_id: i64) -> Result<u64, SessionError> {
    let c = db.client().await?;
    let pg: &tokio_postgres::Client = &c;
    pg.execute("DELETE FROM user_session WHERE user_id = $1", &[&user_id])
        .await
        .map_err(SessionError::from)
}

pub async fn revoke(db: &Database, token_hash: &[u8]) -> Result<(), SessionError> {
    let c = db.client().await?;
    let pg: &tokio_postgres::Client = &c;
    pg.execute(
        "DELETE FROM user_session WHERE token_hash = $1",
        &[&token_hash],
    )
    .await?;
    Ok(())
}

fn csrf_message(binding: &[u8]) -> Vec<u8> {
    let mut m = b"csrf|".to_vec();
    m.extend_from_slice(binding);
    m
}

/// A CSRF token for forms of the session (or pre-session) `binding`.
pub async fn csrf_token(keyring: &Keyring, binding: &[u8]) -> Option<String> {
    keyring.sign("token-hmac", &csrf_message(binding)).await
}

pub async fn csrf_valid(keyring: &Keyring, binding: &[u8], token: &str) -> bool {
    keyring
        .verify("token-hmac", &csrf_message(binding), token)
        .await
}

/// A session as shown to people: never its token or full hash, only a
/// short handle derived from the hash.
pub struct Listed {
    pub handle: String,
    pub username: String,
    pub created: std::time::SystemTime,
    pub last_seen: std::time::SystemTime,
    pub peer: String,
    pub user_agent: String,
    pub current: bool,
}

/// Sessions of `user_id`, or of everyone with `None`.
pub async fn list(
    db: &Database,
    user_id: Option<i64>,
    current: &[u8],
) -> Result<Vec<Listed>, SessionError> {
    let c = db.client().await?;
    let pg: &tokio_postgres::Client = &c;
    let rows = pg
        .query(
            "SELECT left(encode(s.token_hash, 'hex'), 16), u.username, \
             s.created_at, s.last_seen, \
             s.peer, s.user_agent, s.token_hash = $2 \
             FROM user_session s JOIN app_user u ON u.id = s.user_id \
             WHERE ($1::bigint IS NULL OR s.user_id = $1) AND s.expires_at > now() ORDER BY s.last_seen DESC",
            &[&user_id, &current],
        )
        .await
        ?;
    Ok(rows
        .iter()
        .map(|r| Listed {
            handle: r.get(0),
            username: r.get(1),
            created: r.get(2),
            last_seen: r.get(3),
            peer: r.get(4),
            user_agent: r.get(5),
            current: r.get(6),
        })
        .collect())
}

/// Ends the session with `handle` (of `user_id` only, unless `None`).
/// Returns the account whose session ended.
pub async fn end(
    db: &Database,
    handle: &str,
    user_id: Option<i64>,
) -> Result<Option<String>, SessionError> {
    if handle.len() != 16 || !handle.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    let c = db.client().await?;
    let pg: &tokio_postgres::Client = &c;
    let row = pg
        .query_opt(
            "DELETE FROM user_session s USING app_user u \
             WHERE u.id = s.user_id AND left(encode(s.token_hash, 'hex'), 16) = $1 \
               AND ($2::bigint IS NULL OR s.user_id = $2) RETURNING u.username",
            &[&handle.to_ascii_lowercase(), &user_id],
        )
        .await?;
    Ok(row.map(|r| r.get(0)))
}
