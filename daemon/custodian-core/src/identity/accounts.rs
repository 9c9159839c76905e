//! Accounts in PostgreSQL: the first administrator (with the one-time setup
//! token), password login with per-account lockout, and rehashing.

use std::sync::Arc;

use custodian_vault::keyring::Keyring;
use tokio_postgres::GenericClient;

use super::hashing;
use super::lockout;
use super::notifications::{notify, notify_admins, Notice};
use super::password::Policy;
use super::tokens;
use crate::error::{CoreError, Rejected};
use crate::policy::Role;
use crate::pool::{Database, DbError};

pub const PEPPER: &str = "password-pepper";

/// Whether any active administrator exists.
pub async fn has_admin(db: &Database) -> Result<bool, CoreError> {
    let c = db.client().await?;
    let pg: &tokio_postgres::Client = &c;
    Ok(pg
        .query_opt(
            "SELECT 1 FROM app_user WHERE role = 'admin' AND state = 'active' LIMIT 1",
            &[],
        )
        .await?
        .is_some())
}

/// Makes a one-time setup token valid for an hour, replacing older unused
/// ones. Returned in clear once; only its hash is stored.
pub async fn issue_setup_token(db: &Database) -> Result<String, CoreError> {
    let token = tokens::new_token()?;
    let c = db.client().await?;
    let pg: &tokio_postgres::Client = &c;
    pg.execute(
        "DELETE FROM setup_token WHERE used_at IS NULL AND recovers IS NULL",
        &[],
    )
    .await
    .ok();
    pg.execute(
        "INSERT INTO setup_token (token_hash, expires_at) VALUES ($1, now() + interval '1 hour')",
        &[&tokens::stored_form(&token)],
    )
    .await?;
    Ok(token)
}

async fn hash_blocking(
    policy: &Policy,
    password: &str,
    pepper: zeroize::Zeroizing<Vec<u8>>,
) -> Result<String, CoreError> {
    let (policy, password) = (policy.clone(), zeroize::Zeroizing::new(password.to_owned()));
    hashing::run(move || policy.hash(&password, &pepper)).await?
}

/// `password` hashed under the keyring's newest pepper: the pepper's
/// version (stored beside the hash) and the hash.
pub(super) async fn hash_with_newest_pepper(
    keyring: &Keyring,
    policy: &Policy,
    password: &str,
) -> Result<(u64, String), CoreError> {
    let (version, pepper) = keyring
        .newest(PEPPER)
        .await
        .ok_or_else(|| CoreError::Internal("keyring has no pepper".into()))?;
    Ok((version, hash_blocking(policy, password, pepper).await?))
}

/// A one-time password (128 random bits in base64url: far above any
/// strength requirement) and its hash under the newest pepper.
async fn one_time_password(
    keyring: &Keyring,
    policy: &Policy,
) -> Result<(String, u64, String), CoreError> {
    let temporary: String = tokens::new_token()?.chars().take(22).collect();
    let (version, hash) = hash_with_newest_pepper(keyring, policy, &temporary).await?;
    Ok((temporary, version, hash))
}

/// Whether `token` is a setup token that may still be used (checked before
/// any hashing, so a wrong token costs no argon2id).
async fn setup_token_usable(db: &Database, token: &str) -> Result<bool, CoreError> {
    let c = db.client().await?;
    let pg: &tokio_postgres::Client = &c;
    Ok(pg
        .query_opt(
            "SELECT 1 FROM setup_token WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now() AND recovers IS NULL",
            &[&tokens::stored_form(token)],
        )
        .await?
        .is_some())
}

pub enum SetupOutcome {
    Created(i64),
    /// Wrong, expired or used token (one message for all three).
    BadToken,
    /// Setup is already complete.
    Done,
}

/// Creates the first administrator if `token` is the valid setup token.
/// The token is consumed in the same transaction, which also makes sure
/// no administrator exists (the handler asks first, so that a finished
/// setup costs no hashing).
pub async fn complete_setup(
    db: &Database,
    keyring: &Keyring,
    policy: &Policy,
    token: &str,
    username: &str,
    password: &str,
) -> Result<SetupOutcome, CoreError> {
    if !setup_token_usable(db, token).await? {
        return Ok(SetupOutcome::BadToken);
    }
    let (pepper_version, hash) = hash_with_newest_pepper(keyring, policy, password).await?;
    let mut c = db.client().await?;
    let tx = c.transaction().await?;
    tx.execute("LOCK TABLE setup_token IN EXCLUSIVE MODE", &[])
        .await?;
    if tx
        .query_opt("SELECT 1 FROM app_user WHERE role = 'admin' LIMIT 1", &[])
        .await?
        .is_some()
    {
        return Ok(SetupOutcome::Done);
    }
    let used = tx
        .execute(
            "UPDATE setup_token SET used_at = now() WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now() AND recovers IS NULL",
            &[&tokens::stored_form(token)],
        )
        .await?;
    if used != 1 {
        return Ok(SetupOutcome::BadToken);
    }
    let id: i64 = tx
        .query_one(
            "INSERT INTO app_user (username, role, password_hash, pepper_version) VALUES ($1, 'admin', $2, $3) RETURNING id",
            &[&username, &hash, &(pepper_version as i64)],
        )
        .await?
        .get(0);
    custodian_db::audit::record(
        &*tx,
        username,
        "setup.completed",
        "",
        &serde_json::json!({}),
    )
    .await
    .map_err(DbError::from)?;
    custodian_db::audit::record(
        &*tx,
        username,
        "account.created",
        username,
        &serde_json::json!({"role": "admin", "by": "setup token"}),
    )
    .await
    .map_err(DbError::from)?;
    tx.commit().await?;
    Ok(SetupOutcome::Created(id))
}

pub struct Authenticated {
    pub user_id: i64,
    pub username: String,
    pub must_change_password: bool,
    pub has_totp: bool,
    pub has_passkey: bool,
}

impl Authenticated {
    /// The password was right, and a second step must follow.
    pub fn second_factor_pending(&self) -> bool {
        self.has_totp || self.has_passkey
    }
}

/// Why a login failed; never shown to the client, only audited.
#[derive(Debug, Clone, Copy)]
pub enum Refusal {
    UnknownUser,
    WrongPassword,
    Locked,
    NotActive,
}

impl Refusal {
    fn as_str(self) -> &'static str {
        match self {
            Self::UnknownUser => "unknown user",
            Self::WrongPassword => "wrong password",
            Self::Locked => "account locked",
            Self::NotActive => "account not active",
        }
    }
}

/// A sign-in that did not succeed: refused (the person is told only that
/// it failed), or not decided because the appliance failed.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    #[error("sign-in refused: {}", .0.as_str())]
    Refused(Refusal),
    #[error(transparent)]
    Failed(#[from] CoreError),
}

impl From<Refusal> for LoginError {
    fn from(r: Refusal) -> Self {
        Self::Refused(r)
    }
}

impl From<DbError> for LoginError {
    fn from(e: DbError) -> Self {
        Self::Failed(e.into())
    }
}

impl From<tokio_postgres::Error> for LoginError {
    fn from(e: tokio_postgres::Error) -> Self {
        Self::Failed(e.into())
    }
}

impl From<crate::error::HashError> for LoginError {
    fn from(e: crate::error::HashError) -> Self {
        Self::Failed(e.into())
    }
}

/// A hash of a random password, made at start, so that an unknown
/// username costs the same work as a known one.
pub struct Decoy(pub String);

/// Checks a login. Every outcome does one full argon2id verification; the
/// failure bookkeeping (counter, lock, activity log) happens after the
/// answer, so that it cannot be timed either.
pub async fn login(
    db: &Arc<Database>,
    keyring: &Arc<Keyring>,
    policy: &Policy,
    decoy: &Decoy,
    username: &str,
    password: &str,
    peer: &str,
) -> Result<Authenticated, LoginError> {
    let row = {
        let c = db.client().await?;
        let pg: &tokio_postgres::Client = &c;
        pg.query_opt(
            "SELECT id, password_hash, pepper_version, state, must_change_password, \
             coalesce(locked_until > now(), false), totp_secret IS NOT NULL, \
             EXISTS (SELECT 1 FROM webauthn_credential w WHERE w.user_id = app_user.id) FROM app_user WHERE username = $1",
            &[&username],
        )
        .await?
    };
    let (stored, version) = match &row {
        Some(r) => (r.get::<_, String>(1), r.get::<_, i64>(2) as u64),
        None => (decoy.0.clone(), keyring.newest_version().await.unwrap_or(0)),
    };
    let pepper = keyring
        .key_at(PEPPER, version)
        .await
        .map_err(|e| CoreError::Db(DbError::Vault(e)))?
        .unwrap_or_else(|| zeroize::Zeroizing::new(vec![0u8; 32]));
    let verified = {
        let (policy, password, stored) = (
            policy.clone(),
            zeroize::Zeroizing::new(password.to_owned()),
            stored.clone(),
        );
        hashing::run(move || policy.verify(&password, &stored, &pepper)).await?
    };
    let outcome = match &row {
        None => Err(Refusal::UnknownUser),
        Some(r) if r.get::<_, String>(3) != "active" => Err(Refusal::NotActive),
        Some(r) if r.get::<_, bool>(5) => Err(Refusal::Locked),
        Some(_) if !verified => Err(Refusal::WrongPassword),
        Some(r) => Ok(Authenticated {
            user_id: r.get(0),
            username: username.to_owned(),
            must_change_password: r.get(4),
            has_totp: r.get(6),
            has_passkey: r.get(7),
        }),
    };
    match &outcome {
        Err(why) => {
            let (db, policy, username, peer, why) = (
                Arc::clone(db),
                policy.clone(),
                username.to_owned(),
                peer.to_owned(),
                *why,
            );
            tokio::spawn(async move {
                if let Err(e) = record_failure(&db, &policy, &username, &peer, why).await {
                    tracing::warn!(target: "identity", error = %e, "could not record a failed login");
                }
            });
        }
        Ok(user) => {
            let c = db.client().await?;
            let pg: &tokio_postgres::Client = &c;
            // With a second factor to come, the password alone proves
            // nothing yet: the counters start over (and other sessions end)
            // only once the whole sign-in succeeded (`lockout::passed`).
            if !user.second_factor_pending() {
                lockout::passed(pg, user.user_id).await?;
            }
            // Rehash with the newest pepper and the policy's parameters.
            let newest = keyring.newest(PEPPER).await;
            if let Some((v, pepper)) = newest {
                if v != version || policy.outdated(&stored) {
                    let fresh = hash_blocking(policy, password, pepper).await?;
                    pg.execute(
                        "UPDATE app_user SET password_hash = $1, pepper_version = $2 WHERE id = $3",
                        &[&fresh, &(v as i64), &user.user_id],
                    )
                    .await?;
                    custodian_db::audit::record(
                        pg,
                        &user.username,
                        "password.rehashed",
                        &user.username,
                        &serde_json::json!({"pepper_version": v}),
                    )
                    .await
                    .map_err(DbError::from)?;
                }
            }
            custodian_db::audit::record(
                pg,
                &user.username,
                "login.succeeded",
                &user.username,
                &serde_json::json!({"peer": peer, "second_factor_pending": user.second_factor_pending()}),
            )
            .await
            .map_err(DbError::from)?;
        }
    }
    Ok(outcome?)
}

async fn record_failure(
    db: &Database,
    policy: &Policy,
    username: &str,
    peer: &str,
    why: Refusal,
) -> Result<(), CoreError> {
    let c = db.client().await?;
    let pg: &tokio_postgres::Client = &c;
    let mut locked_now = None;
    if matches!(why, Refusal::WrongPassword) {
        let row = pg
            .query_opt(
                &lockout::password_failure_sql(),
                &[
                    &username,
                    &(policy.lockout_minutes as i32),
                    &policy.lockout_after,
                ],
            )
            .await?;
        locked_now = row.and_then(|r| r.get::<_, bool>(1).then(|| r.get::<_, i64>(0)));
    }
    // The attempted name is recorded only when it is an account: a
    // password typed into the username field must not land in the log.
    let target = if matches!(why, Refusal::UnknownUser) {
        ""
    } else {
        username
    };
    custodian_db::audit::record(
        pg,
        "anonymous",
        "login.failed",
        target,
        &serde_json::json!({"reason": why.as_str(), "peer": peer}),
    )
    .await
    .map_err(DbError::from)?;
    if let Some(user_id) = locked_now {
        let notice = Notice::new("notice-locked-sign-ins")
            .with("account", username.to_owned())
            .with("minutes", policy.lockout_minutes)
            .with("attempts", policy.lockout_after)
            .with("peer", peer.to_owned());
        notify(pg, user_id, "account.locked", &notice).await?;
        notify_admins(pg, "account.locked", &notice).await?;
        custodian_db::audit::record(
            pg,
            "custodiand",
            "account.locked",
            username,
            &serde_json::json!({"minutes": policy.lockout_minutes}),
        )
        .await
        .map_err(DbError::from)?;
        tracing::warn!(target: "identity", account = %username, "account locked after repeated failed logins");
    }
    Ok(())
}

/// Helper for callers holding a plain client.
pub async fn audit(
    pg: &impl GenericClient,
    actor: &str,
    action: &str,
    target: &str,
    details: serde_json::Value,
) -> Result<(), CoreError> {
    custodian_db::audit::record(pg, actor, action, target, &details)
        .await
        .map_err(DbError::from)?;
    Ok(())
}

/// Whether `password` is the current password of `user_id` (re-auth).
pub async fn password_matches(
    db: &Database,
    keyring: &Keyring,
    policy: &Policy,
    user_id: i64,
    password: &str,
) -> Result<bool, CoreError> {
    let row = {
        let c = db.client().await?;
        let pg: &tokio_postgres::Client = &c;
        pg.query_one(
            "SELECT password_hash, pepper_version FROM app_user WHERE id = $1",
            &[&user_id],
        )
        .await?
    };
    let (stored, version): (String, i64) = (row.get(0), row.get(1));
    let Some(pepper) = keyring
        .key_at(PEPPER, version as u64)
        .await
        .map_err(|e| CoreError::Db(DbError::Vault(e)))?
    else {
        return Ok(false);
    };
    let (policy, password) = (policy.clone(), zeroize::Zeroizing::new(password.to_owned()));
    Ok(hashing::run(move || policy.verify(&password, &stored, &pepper)).await?)
}

/// Sets a new password chosen by the user; clears the forced-change flag.
pub async fn set_password(
    db: &Database,
    keyring: &Keyring,
    policy: &Policy,
    user_id: i64,
    username: &str,
    password: &str,
) -> Result<(), CoreError> {
    let (version, hash) = hash_with_newest_pepper(keyring, policy, password).await?;
    let c = db.client().await?;
    let pg: &tokio_postgres::Client = &c;
    pg.execute(
        "UPDATE app_user SET password_hash = $1, pepper_version = $2, must_change_password = false, \
         password_changed_at = now(), failed_logins = 0, locked_until = NULL WHERE id = $3",
        &[&hash, &(version as i64), &user_id],
    )
    .await?;
    audit(
        pg,
        username,
        "password.changed",
        username,
        serde_json::json!({}),
    )
    .await
}

pub const ROLES: &[&str] = &["admin", "moderator", "analyst", "readonly"];

/// An administrator creates an account with a one-time password that must
/// be changed at first sign-in. Returns that password, shown once.
pub async fn create_account(
    db: &Database,
    _permit: &crate::policy::Permit<crate::policy::ManageAccounts>,
    keyring: &Keyring,
    policy: &Policy,
    by: &str,
    username: &str,
    role: &str,
) -> Result<String, Rejected> {
    if !ROLES.contains(&role) {
        return Err(Rejected::problem("account-role-unknown"));
    }
    let (temporary, version, hash) = one_time_password(keyring, policy).await?;
    let mut c = db.client().await?;
    let tx = c.transaction().await?;
    // An administrator made by one administrator alone would be her own
    // second pair of eyes: the account starts read-only and the grant
    // waits for a different administrator (`confirm_pending`).
    let granting_admin = Role::parse(role) == Some(Role::Admin);
    let stored_role = if granting_admin {
        Role::ReadOnly.key()
    } else {
        role
    };
    let inserted = tx
        .query_opt(
            "INSERT INTO app_user (username, role, password_hash, pepper_version, must_change_password) \
             VALUES ($1, $2, $3, $4, true) ON CONFLICT (username) DO NOTHING RETURNING id",
            &[&username, &stored_role, &hash, &(version as i64)],
        )
        .await?;
    let Some(inserted) = inserted else {
        return Err(Rejected::problem("account-username-taken"));
    };
    audit(
        &*tx,
        by,
        "account.created",
        username,
        serde_json::json!({"role": stored_role, "by": by}),
    )
    .await?;
    if granting_admin {
        request_confirmation(
            &*tx,
            by,
            username,
            inserted.get(0),
            Pending::GrantAdmin,
            serde_json::json!({}),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(temporary)
}

/// A change that takes effect only once a different administrator
/// confirms it (four eyes on the four-eyes principle itself).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pending {
    GrantAdmin,
    ResetSecondFactor,
    /// An administrator's password: the one-time password goes to the
    /// administrator who confirms, never to the one who asked.
    ResetPassword,
}

impl Pending {
    pub fn key(self) -> &'static str {
        match self {
            Self::GrantAdmin => "grant-admin",
            Self::ResetSecondFactor => "reset-second-factor",
            Self::ResetPassword => "reset-password",
        }
    }

    /// Whether confirming it hands the account a new one-time password,
    /// shown to the confirming administrator.
    pub fn issues_password(self) -> bool {
        matches!(self, Self::GrantAdmin | Self::ResetPassword)
    }
}

/// Records that `by` asked for `what` on `username` and tells every
/// administrator at once, so that a sock-puppet administrator cannot be
/// made in silence.
async fn request_confirmation(
    pg: &impl GenericClient,
    by: &str,
    username: &str,
    target_id: i64,
    what: Pending,
    details: serde_json::Value,
) -> Result<(), CoreError> {
    pg.execute(
        "INSERT INTO admin_confirmation (target_id, kind, requested_by) \
         SELECT $1::bigint, $2::text, id FROM app_user WHERE username = $3 \
         ON CONFLICT (target_id, kind) DO UPDATE SET requested_by = EXCLUDED.requested_by, requested_at = now()",
        &[&target_id, &what.key(), &by],
    )
    .await?;
    audit(
        pg,
        by,
        "account.confirmation_requested",
        username,
        serde_json::json!({"change": what.key(), "details": details}),
    )
    .await?;
    notify_admins(
        pg,
        "account.confirmation_requested",
        &Notice::new("notice-confirmation-requested")
            .with("by", by.to_owned())
            .with("change", what.key())
            .with("account", username.to_owned()),
    )
    .await
}

/// Applies a waiting change once a different, confirmed administrator
/// agrees: not the one who asked, not the account itself.
async fn confirm_pending(
    pg: &impl GenericClient,
    by: &str,
    username: &str,
    what: Pending,
) -> Result<i64, Rejected> {
    let row = pg
        .query_opt(
            "DELETE FROM admin_confirmation p USING app_user t, app_user c \
             WHERE p.target_id = t.id AND t.username = $1 AND p.kind = $2 \
               AND c.username = $3 AND c.role = 'admin' AND c.state = 'active' \
               AND c.id <> p.requested_by AND c.id <> t.id \
             RETURNING t.id",
            &[&username, &what.key(), &by],
        )
        .await?;
    if let Some(row) = row {
        return Ok(row.get(0));
    }
    let waiting = pg
        .query_opt(
            "SELECT 1 FROM admin_confirmation p JOIN app_user t ON t.id = p.target_id \
             WHERE t.username = $1 AND p.kind = $2",
            &[&username, &what.key()],
        )
        .await?
        .is_some();
    Err(Rejected::problem(if waiting {
        "account-confirm-by-another"
    } else {
        "account-nothing-to-confirm"
    }))
}

pub struct AccountRow {
    pub username: String,
    pub role: String,
    pub state: String,
    pub locked: bool,
    pub must_change_password: bool,
    /// Changes waiting for a second administrator (`Pending::key`).
    pub pending: Vec<String>,
}

pub async fn list_accounts(
    db: &Database,
    _permit: &crate::policy::Permit<crate::policy::ManageAccounts>,
) -> Result<Vec<AccountRow>, CoreError> {
    let c = db.client().await?;
    let pg: &tokio_postgres::Client = &c;
    let rows = pg
        .query(
            "SELECT username, role, state, coalesce(locked_until > now(), false), must_change_password, \
             ARRAY(SELECT kind FROM admin_confirmation p WHERE p.target_id = app_user.id ORDER BY kind) \
             FROM app_user ORDER BY username",
            &[],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| AccountRow {
            username: r.get(0),
            role: r.get(1),
            state: r.get(2),
            locked: r.get(3),
            must_change_password: r.get(4),
            pending: r.get(5),
        })
        .collect())
}

/// What an administrator can do to another account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateChange {
    Suspend,
    Disable,
    Activate,
    Unlock,
    /// The person lost their authenticator and their recovery codes: the
    /// second factor and the codes are removed, sessions end, and the
    /// account must enrol again (if its role requires one).
    ResetSecondFactor,
    /// A new role; the account's sessions end, so no session keeps the
    /// old privileges. Administrator waits for confirmation.
    Role(Role),
    /// A different administrator confirms a waiting change.
    Confirm(Pending),
}

impl StateChange {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "suspend" => Some(Self::Suspend),
            "disable" => Some(Self::Disable),
            "activate" => Some(Self::Activate),
            "unlock" => Some(Self::Unlock),
            "reset-totp" => Some(Self::ResetSecondFactor),
            "confirm-admin" => Some(Self::Confirm(Pending::GrantAdmin)),
            "confirm-reset-totp" => Some(Self::Confirm(Pending::ResetSecondFactor)),
            "confirm-reset-password" => Some(Self::Confirm(Pending::ResetPassword)),
            other => other
                .strip_prefix("role-")
                .and_then(Role::parse)
                .map(Self::Role),
        }
    }

    fn audit_action(self) -> &'static str {
        match self {
            Self::Suspend => "account.suspended",
            Self::Disable => "account.disabled",
            Self::Activate => "account.activated",
            Self::Unlock => "account.unlocked",
            Self::ResetSecondFactor => "second_factor.reset",
            Self::Role(_) | Self::Confirm(Pending::GrantAdmin) => "account.role_changed",
            Self::Confirm(Pending::ResetSecondFactor) => "second_factor.reset",
            Self::Confirm(Pending::ResetPassword) => "password.reset",
        }
    }

    /// What the account is told, and what every administrator is told
    /// when the change is one they should know of. `new_admin`: the
    /// account became an administrator and was handed new credentials.
    fn notices(self, by: &str, username: &str, new_admin: bool) -> (Notice, Option<Notice>) {
        // Over a `Notice::new("..")` each, so that every key stays a
        // literal the catalogue test can read.
        let to = |n: Notice| n.with("by", by.to_owned());
        let admins = |n: Notice| Some(to(n).with("account", username.to_owned()));
        match self {
            _ if new_admin => (
                to(Notice::new("notice-admin-granted-new-credentials")),
                admins(Notice::new("notice-admins-admin-granted")),
            ),
            Self::Suspend => (to(Notice::new("notice-account-suspended")), None),
            Self::Disable => (to(Notice::new("notice-account-disabled")), None),
            Self::Activate => (to(Notice::new("notice-account-activated")), None),
            Self::Unlock => (to(Notice::new("notice-account-unlocked")), None),
            // A confirmed change is applied as the change itself (see
            // `change_state`), so these two share its words.
            Self::ResetSecondFactor | Self::Confirm(Pending::ResetSecondFactor) => (
                to(Notice::new("notice-second-factors-reset")),
                admins(Notice::new("notice-admins-second-factors-reset")),
            ),
            Self::Role(_) | Self::Confirm(Pending::GrantAdmin) => {
                let role = match self {
                    Self::Role(role) => role,
                    _ => Role::Admin,
                };
                (
                    to(Notice::new("notice-role-changed")).with("role", role.key()),
                    admins(Notice::new("notice-admins-role-changed"))
                        .map(|n| n.with("role", role.key())),
                )
            }
            Self::Confirm(Pending::ResetPassword) => (
                to(Notice::new("notice-password-reset-confirmed")),
                admins(Notice::new("notice-admins-password-reset-confirmed")),
            ),
        }
    }
}

/// Applies `change` to `username` on behalf of `by`. Suspending or
/// disabling ends the account's sessions at once. Returns `Err` with a
/// message for the administrator when it does not apply, and the
/// one-time password to show once when a confirmation issued one.
pub async fn change_state(
    db: &Database,
    _permit: &crate::policy::Permit<crate::policy::ManageAccounts>,
    keyring: &Keyring,
    policy: &Policy,
    by: &str,
    username: &str,
    change: StateChange,
) -> Result<Option<String>, Rejected> {
    if by == username && change != StateChange::Unlock {
        return Err(Rejected::problem("account-state-own"));
    }
    // Hashed before the transaction so that no row stays locked through
    // argon2id.
    let fresh = match change {
        StateChange::Confirm(what) if what.issues_password() => {
            Some(one_time_password(keyring, policy).await?)
        }
        _ => None,
    };
    let mut c = db.client().await?;
    let tx = c.transaction().await?;
    let pg = &*tx;
    // Locked, so that a role decided at the same moment by another
    // administrator cannot slip between this check and the change.
    let target = pg
        .query_opt(
            "SELECT id, role FROM app_user WHERE username = $1 FOR UPDATE",
            &[&username],
        )
        .await?;
    let Some(target) = target else {
        return Err(Rejected::problem("account-not-found"));
    };
    let (target_id, target_role): (i64, String) = (target.get(0), target.get(1));
    // Administrator rights, and the second factor of an administrator,
    // change only with a second administrator's confirmation.
    let target_is_admin = Role::parse(&target_role) == Some(Role::Admin);
    let waits = match change {
        StateChange::Role(Role::Admin) if !target_is_admin => Some(Pending::GrantAdmin),
        StateChange::ResetSecondFactor if target_is_admin => Some(Pending::ResetSecondFactor),
        _ => None,
    };
    if let Some(what) = waits {
        request_confirmation(pg, by, username, target_id, what, serde_json::json!({})).await?;
        tx.commit().await?;
        return Ok(None);
    }
    let change = match change {
        StateChange::Confirm(what) => {
            confirm_pending(pg, by, username, what).await?;
            tracing::info!(target: "identity", account = %username, by = %by, change = what.key(), "confirmed by a second administrator");
            match what {
                Pending::GrantAdmin => StateChange::Role(Role::Admin),
                Pending::ResetSecondFactor => StateChange::ResetSecondFactor,
                Pending::ResetPassword => change,
            }
        }
        StateChange::Role(_) => {
            // Any other role decided now replaces a waiting grant.
            pg.execute(
                "DELETE FROM admin_confirmation WHERE target_id = $1 AND kind = 'grant-admin'",
                &[&target_id],
            )
            .await?;
            change
        }
        other => other,
    };
    let id = target_id;
    match change {
        StateChange::Suspend => {
            pg.execute("UPDATE app_user SET state = 'suspended' WHERE id = $1", &[&id])
                .await?
        }
        StateChange::Disable => {
            pg.execute("UPDATE app_user SET state = 'disabled' WHERE id = $1", &[&id])
                .await?
        }
        StateChange::Activate => {
            pg.execute("UPDATE app_user SET state = 'active' WHERE id = $1", &[&id])
                .await?
        }
        StateChange::Unlock => {
            pg.execute(
                "UPDATE app_user SET failed_logins = 0, locked_until = NULL, second_factor_failures = 0 WHERE id = $1",
                &[&id],
            )
            .await?
        }
        StateChange::Role(role) => {
            pg.execute("UPDATE app_user SET role = $2 WHERE id = $1", &[&id, &role.key()])
                .await?
        }
        // Below, with the new credentials or the second factors.
        StateChange::ResetSecondFactor | StateChange::Confirm(Pending::ResetPassword) => 0,
        StateChange::Confirm(_) => unreachable!("resolved above"),
    };
    // Whoever held the account's credentials before the confirmation (the
    // administrator who created it, or who reset it while it was not an
    // administrator) holds nothing afterwards: the confirming
    // administrator hands over a new one-time password, and a new
    // administrator enrols her own second factor.
    let new_admin = change == StateChange::Role(Role::Admin) && fresh.is_some();
    if let Some((_, version, hash)) = &fresh {
        pg.execute(
            "UPDATE app_user SET password_hash = $2, pepper_version = $3, must_change_password = true, \
             failed_logins = 0, locked_until = NULL, second_factor_failures = 0 WHERE id = $1",
            &[&id, hash, &(*version as i64)],
        )
        .await?;
    }
    if change == StateChange::ResetSecondFactor || new_admin {
        clear_second_factors(pg, id).await?;
    }
    let ended = if matches!(
        change,
        StateChange::Suspend
            | StateChange::Disable
            | StateChange::ResetSecondFactor
            | StateChange::Role(_)
            | StateChange::Confirm(Pending::ResetPassword)
    ) {
        pg.execute("DELETE FROM user_session WHERE user_id = $1", &[&id])
            .await?
    } else {
        0
    };
    let details = match change {
        StateChange::Role(role) => {
            serde_json::json!({"sessions_ended": ended, "role": role.key(), "new_credentials": new_admin})
        }
        _ => serde_json::json!({"sessions_ended": ended}),
    };
    audit(pg, by, change.audit_action(), username, details).await?;
    let (notice, for_admins) = change.notices(by, username, new_admin);
    notify(pg, id, change.audit_action(), &notice).await?;
    if let Some(n) = for_admins {
        notify_admins(pg, change.audit_action(), &n).await?;
    }
    tx.commit().await?;
    Ok(fresh.map(|(temporary, _, _)| temporary))
}

/// Removes the authenticator app, the recovery codes and the passkeys.
async fn clear_second_factors(pg: &impl GenericClient, id: i64) -> Result<(), CoreError> {
    pg.execute(
        "UPDATE app_user SET totp_secret = NULL, totp_pending = NULL, totp_last_step = 0 WHERE id = $1",
        &[&id],
    )
    .await?;
    pg.execute("DELETE FROM recovery_code WHERE user_id = $1", &[&id])
        .await?;
    pg.execute("DELETE FROM webauthn_credential WHERE user_id = $1", &[&id])
        .await?;
    Ok(())
}

/// An administrator resets another account's forgotten password: a
/// one-time password (returned, shown once) that must be changed at the
/// next sign-in; the account's sessions end and its lockout clears; the
/// reason is kept in the activity log and the owner is told. An
/// administrator's password waits for a different administrator
/// (`Pending::ResetPassword`): `Ok(None)`.
pub async fn reset_password(
    db: &Database,
    keyring: &Keyring,
    policy: &Policy,
    by: &str,
    username: &str,
    reason: &str,
) -> Result<Option<String>, Rejected> {
    if by == username {
        return Err(Rejected::problem("account-reset-own-password"));
    }
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(Rejected::problem("account-reset-reason"));
    }
    // Hashed before the transaction so that no row stays locked through
    // argon2id (wasted when the account turns out to be an administrator's).
    let (temporary, version, hash) = one_time_password(keyring, policy).await?;
    let mut c = db.client().await?;
    let tx = c.transaction().await?;
    let target = tx
        .query_opt(
            "SELECT id, role FROM app_user WHERE username = $1 FOR UPDATE",
            &[&username],
        )
        .await?;
    let Some(target) = target else {
        return Err(Rejected::problem("account-not-found"));
    };
    let (id, role): (i64, String) = (target.get(0), target.get(1));
    // The one who resets learns the password: for an administrator that
    // would make one administrator the holder of another's account, so a
    // different administrator confirms, and the password goes to her.
    if Role::parse(&role) == Some(Role::Admin) {
        request_confirmation(
            &*tx,
            by,
            username,
            id,
            Pending::ResetPassword,
            serde_json::json!({"reason": reason}),
        )
        .await?;
        tx.commit().await?;
        return Ok(None);
    }
    tx.execute(
        "UPDATE app_user SET password_hash = $2, pepper_version = $3, must_change_password = true, \
         failed_logins = 0, locked_until = NULL, second_factor_failures = 0 WHERE id = $1",
        &[&id, &hash, &(version as i64)],
    )
    .await?;
    let ended = tx
        .execute("DELETE FROM user_session WHERE user_id = $1", &[&id])
        .await?;
    audit(
        &*tx,
        by,
        "password.reset",
        username,
        serde_json::json!({"reason": reason, "sessions_ended": ended}),
    )
    .await?;
    notify(
        &*tx,
        id,
        "password.reset",
        &Notice::new("notice-password-reset").with("by", by.to_owned()),
    )
    .await?;
    notify_admins(
        &*tx,
        "password.reset",
        &Notice::new("notice-admins-password-reset")
            .with("by", by.to_owned())
            .with("account", username.to_owned()),
    )
    .await?;
    tx.commit().await?;
    Ok(Some(temporary))
}

/// Forces a password change at the next sign-in and ends the sessions of
/// one account, or (`*`) of every account but the administrator's own,
/// after an incident. Returns how many accounts were concerned.
pub async fn force_password_change(
    db: &Database,
    by: &str,
    username: &str,
) -> Result<u64, Rejected> {
    if by == username {
        return Err(Rejected::problem("account-reset-own-password"));
    }
    let mut c = db.client().await?;
    let tx = c.transaction().await?;
    let ids: Vec<i64> = tx
        .query(
            "UPDATE app_user SET must_change_password = true \
             WHERE ($1 = '*' AND username <> $2) OR ($1 <> '*' AND username = $1) RETURNING id",
            &[&username, &by],
        )
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    if ids.is_empty() {
        return Err(Rejected::problem("account-not-found"));
    }
    let ended = tx
        .execute("DELETE FROM user_session WHERE user_id = ANY($1)", &[&ids])
        .await?;
    audit(
        &*tx,
        by,
        "password.reset_forced",
        if username == "*" {
            "all accounts"
        } else {
            username
        },
        serde_json::json!({"accounts": ids.len(), "sessions_ended": ended}),
    )
    .await?;
    for id in &ids {
        notify(
            &*tx,
            *id,
            "password.reset_forced",
            &Notice::new("notice-password-change-forced").with("by", by.to_owned()),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(ids.len() as u64)
}
