//! Passkeys and security keys (WebAuthn, through webauthn-rs) as a second
//! factor and for step-up. Several per account, each with a name.
//!
//! Ceremony state lives in PostgreSQL, not in the process, so any node can
//! finish what another began; it is taken (deleted) by the answer, so a
//! challenge is answered at most once, and it expires after five minutes.
//! User verification is required (webauthn-rs passkey mode).
//!
//! "Hardware key" here means a credential that cannot leave its device:
//! the authenticator reports it as not backup-eligible. Synced passkeys
//! (phones, password managers) are accepted as a second factor unless the
//! account's role is under the hardware-key policy.

use serde_json::Value;
use tokio_postgres::GenericClient;
use webauthn_rs::prelude::{
    CreationChallengeResponse, Passkey, PasskeyAuthentication, PasskeyRegistration,
    PublicKeyCredential, RegisterPublicKeyCredential, RequestChallengeResponse, Url, Uuid,
    Webauthn, WebauthnBuilder,
};

use super::accounts::audit;
use super::notifications::{notify, notify_admins, Notice};
use crate::error::{CoreError, Problem};
use crate::pool::Database;

/// How long a browser has to answer a challenge.
const CEREMONY_MINUTES: i32 = 5;

/// The relying party: this appliance's public origin (its host is the RP ID).
pub fn relying_party(public_origin: &str) -> Result<Webauthn, OriginError> {
    let url = Url::parse(public_origin)?;
    let host = url.host_str().ok_or(OriginError::NoHost)?.to_owned();
    WebauthnBuilder::new(&host, &url)
        .and_then(|b| b.rp_name("Custodian").build())
        .map_err(|source| OriginError::Refused {
            origin: public_origin.to_owned(),
            source,
        })
}

/// Why the configured public origin cannot be a WebAuthn relying party.
#[derive(Debug, thiserror::Error)]
pub enum OriginError {
    #[error("public origin: {0}")]
    Unparsable(#[from] url::ParseError),
    #[error("the public origin has no host name")]
    NoHost,
    #[error("WebAuthn cannot use {origin} ({source}); it needs a host name, not an address")]
    Refused {
        origin: String,
        source: webauthn_rs::prelude::WebauthnError,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Login,
    Reauth,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Self::Login => "login",
            Self::Reauth => "reauth",
        }
    }
}

/// Why a registration or an assertion was not accepted. The person reads it
/// as its [`Refused::problem`]; the English here is for the journal.
#[derive(Debug, thiserror::Error)]
pub enum Refused {
    #[error("The request expired or was already used. Try again.")]
    NoCeremony,
    #[error("The browser's answer was not valid. Try again.")]
    Invalid,
    #[error("Your role requires a hardware security key. A passkey that syncs to other devices (a phone or a password manager) is not accepted.")]
    NotHardware,
    #[error("This key is already registered.")]
    Duplicate,
    #[error("No passkey is registered for this account.")]
    NoKeys,
    #[error("Give the key a name (1 to 60 characters).")]
    BadName,
    #[error(transparent)]
    Account(#[from] CoreError),
}

impl Refused {
    /// The refusal as the person reads it (`passkey-…` in problems.ftl);
    /// `None` for a failure of the appliance, which is not theirs to fix.
    pub fn problem(&self) -> Option<Problem> {
        Some(Problem::new(match self {
            Self::NoCeremony => "passkey-no-ceremony",
            Self::Invalid => "passkey-invalid",
            Self::NotHardware => "passkey-not-hardware",
            Self::Duplicate => "passkey-duplicate",
            Self::NoKeys => "passkey-none",
            Self::BadName => "passkey-bad-name",
            Self::Account(_) => return None,
        }))
    }
}

impl From<tokio_postgres::Error> for Refused {
    fn from(e: tokio_postgres::Error) -> Self {
        Self::Account(e.into())
    }
}

fn internal(e: impl std::fmt::Display) -> CoreError {
    CoreError::Internal(e.to_string())
}

/// Synced passkeys report themselves as backup-eligible; the flag is kept
/// in the serialised credential.
fn is_hardware(passkey: &Passkey) -> bool {
    serde_json::to_value(passkey)
        .ok()
        .and_then(|v| v.pointer("/cred/backup_eligible").and_then(Value::as_bool))
        .is_some_and(|eligible| !eligible)
}

/// The account's stable, random WebAuthn user handle (never the id or name).
async fn user_handle(pg: &impl GenericClient, user_id: i64) -> Result<Uuid, CoreError> {
    Ok(pg
        .query_one(
            "UPDATE app_user SET webauthn_handle = coalesce(webauthn_handle, $2) WHERE id = $1 RETURNING webauthn_handle",
            &[&user_id, &Uuid::new_v4()],
        )
        .await?
        .get(0))
}

async fn save_ceremony(
    pg: &impl GenericClient,
    user_id: i64,
    purpose: &str,
    state: Value,
) -> Result<(), CoreError> {
    pg.execute(
        "INSERT INTO webauthn_ceremony (user_id, purpose, state, expires_at) \
         VALUES ($1, $2, $3, now() + make_interval(mins => $4)) \
         ON CONFLICT (user_id, purpose) DO UPDATE SET state = EXCLUDED.state, expires_at = EXCLUDED.expires_at",
        &[&user_id, &purpose, &state, &CEREMONY_MINUTES],
    )
    .await?;
    Ok(())
}

async fn take_ceremony(
    pg: &impl GenericClient,
    user_id: i64,
    purpose: &str,
) -> Result<Option<Value>, CoreError> {
    Ok(pg
        .query_opt(
            "DELETE FROM webauthn_ceremony WHERE user_id = $1 AND purpose = $2 RETURNING state, expires_at > now()",
            &[&user_id, &purpose],
        )
        .await?
        .filter(|r| r.get::<_, bool>(1))
        .map(|r| r.get(0)))
}

/// Stored credentials of `user_id`: (row id, credential, hardware).
async fn stored(
    pg: &impl GenericClient,
    user_id: i64,
) -> Result<Vec<(i64, Passkey, bool)>, CoreError> {
    pg.query(
        "SELECT id, credential, hardware FROM webauthn_credential WHERE user_id = $1 ORDER BY id",
        &[&user_id],
    )
    .await?
    .iter()
    .map(|r| {
        let key: Passkey = serde_json::from_value(r.get(1)).map_err(internal)?;
        Ok((r.get(0), key, r.get(2)))
    })
    .collect()
}

/// Begins registering a new key; the options go to the browser.
pub async fn start_registration(
    db: &Database,
    wa: &Webauthn,
    user_id: i64,
    username: &str,
) -> Result<CreationChallengeResponse, Refused> {
    let c = db.client().await.map_err(CoreError::from)?;
    let pg: &tokio_postgres::Client = &c;
    let handle = user_handle(pg, user_id).await?;
    let existing: Vec<_> = stored(pg, user_id)
        .await?
        .into_iter()
        .map(|(_, k, _)| k.cred_id().clone())
        .collect();
    let (options, state) = wa
        .start_passkey_registration(handle, username, username, Some(existing))
        .map_err(internal)?;
    save_ceremony(
        pg,
        user_id,
        "register",
        serde_json::to_value(&state).map_err(internal)?,
    )
    .await?;
    Ok(options)
}

/// Finishes a registration begun by [`start_registration`].
pub async fn finish_registration(
    db: &Database,
    wa: &Webauthn,
    user_id: i64,
    username: &str,
    name: &str,
    answer: &Value,
    hardware_required: bool,
) -> Result<(), Refused> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 60 || name.chars().any(char::is_control) {
        return Err(Refused::BadName);
    }
    let c = db.client().await.map_err(CoreError::from)?;
    let pg: &tokio_postgres::Client = &c;
    let state: PasskeyRegistration = take_ceremony(pg, user_id, "register")
        .await?
        .and_then(|v| serde_json::from_value(v).ok())
        .ok_or(Refused::NoCeremony)?;
    let answer: RegisterPublicKeyCredential =
        serde_json::from_value(answer.clone()).map_err(|_| Refused::Invalid)?;
    let key = wa
        .finish_passkey_registration(&answer, &state)
        .map_err(|e| {
            tracing::info!(target: "identity", error = %e, "passkey registration refused");
            Refused::Invalid
        })?;
    let hardware = is_hardware(&key);
    if hardware_required && !hardware {
        return Err(Refused::NotHardware);
    }
    let added = pg
        .execute(
            "INSERT INTO webauthn_credential (user_id, name, credential_id, credential, hardware) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (credential_id) DO NOTHING",
            &[
                &user_id,
                &name,
                &key.cred_id().as_ref(),
                &serde_json::to_value(&key).map_err(internal)?,
                &hardware,
            ],
        )
        .await?;
    if added != 1 {
        return Err(Refused::Duplicate);
    }
    audit(
        pg,
        username,
        "passkey.added",
        username,
        serde_json::json!({"name": name, "hardware": hardware}),
    )
    .await?;
    notify(
        pg,
        user_id,
        "passkey.added",
        &Notice::new("notice-passkey-added").with("name", name.to_owned()),
    )
    .await?;
    Ok(())
}

/// Begins an assertion (second factor at sign-in, or step-up). With
/// `hardware_only`, synced passkeys are not offered.
pub async fn start_authentication(
    db: &Database,
    wa: &Webauthn,
    user_id: i64,
    purpose: Purpose,
    hardware_only: bool,
) -> Result<RequestChallengeResponse, Refused> {
    let c = db.client().await.map_err(CoreError::from)?;
    let pg: &tokio_postgres::Client = &c;
    let keys: Vec<Passkey> = stored(pg, user_id)
        .await?
        .into_iter()
        .filter(|(_, _, hw)| *hw || !hardware_only)
        .map(|(_, k, _)| k)
        .collect();
    if keys.is_empty() {
        return Err(Refused::NoKeys);
    }
    let (options, state) = wa.start_passkey_authentication(&keys).map_err(internal)?;
    save_ceremony(
        pg,
        user_id,
        purpose.as_str(),
        serde_json::to_value(&state).map_err(internal)?,
    )
    .await?;
    Ok(options)
}

/// Checks the browser's answer to [`start_authentication`]; on success the
/// key's counter and last use are updated.
pub async fn finish_authentication(
    db: &Database,
    wa: &Webauthn,
    user_id: i64,
    purpose: Purpose,
    answer: &Value,
    hardware_only: bool,
) -> Result<(), Refused> {
    let c = db.client().await.map_err(CoreError::from)?;
    let pg: &tokio_postgres::Client = &c;
    let state: PasskeyAuthentication = take_ceremony(pg, user_id, purpose.as_str())
        .await?
        .and_then(|v| serde_json::from_value(v).ok())
        .ok_or(Refused::NoCeremony)?;
    let answer: PublicKeyCredential =
        serde_json::from_value(answer.clone()).map_err(|_| Refused::Invalid)?;
    let result = wa
        .finish_passkey_authentication(&answer, &state)
        .map_err(|e| {
            tracing::info!(target: "identity", error = %e, "passkey assertion refused");
            Refused::Invalid
        })?;
    if hardware_only && result.backup_eligible() {
        return Err(Refused::NotHardware);
    }
    for (id, mut key, _) in stored(pg, user_id).await? {
        if key.update_credential(&result).is_some() {
            pg.execute(
                "UPDATE webauthn_credential SET credential = $2, last_used_at = now() WHERE id = $1",
                &[&id, &serde_json::to_value(&key).map_err(internal)?],
            )
            .await?;
            return Ok(());
        }
    }
    // Verified against the ceremony's copy, but removed since.
    Err(Refused::Invalid)
}

pub struct Listed {
    pub id: i64,
    pub name: String,
    pub hardware: bool,
    pub created: std::time::SystemTime,
    /// `None`: never used to sign in.
    pub last_used: Option<std::time::SystemTime>,
}

pub async fn list(db: &Database, user_id: i64) -> Result<Vec<Listed>, CoreError> {
    let c = db.client().await?;
    let pg: &tokio_postgres::Client = &c;
    let rows = pg
        .query(
            "SELECT id, name, hardware, created_at, last_used_at \
             FROM webauthn_credential WHERE user_id = $1 ORDER BY id",
            &[&user_id],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| Listed {
            id: r.get(0),
            name: r.get(1),
            hardware: r.get(2),
            created: r.get(3),
            last_used: r.get(4),
        })
        .collect())
}

/// The second factors an account holds.
#[derive(Debug, Clone, Copy)]
pub struct Factors {
    pub totp: bool,
    pub passkey: bool,
    pub hardware: bool,
}

pub async fn factors_of(db: &Database, user_id: i64) -> Result<Factors, CoreError> {
    let c = db.client().await?;
    let pg: &tokio_postgres::Client = &c;
    let r = pg
        .query_one(
            "SELECT u.totp_secret IS NOT NULL, \
               EXISTS (SELECT 1 FROM webauthn_credential w WHERE w.user_id = u.id), \
               EXISTS (SELECT 1 FROM webauthn_credential w WHERE w.user_id = u.id AND w.hardware) \
             FROM app_user u WHERE u.id = $1",
            &[&user_id],
        )
        .await?;
    Ok(Factors {
        totp: r.get(0),
        passkey: r.get(1),
        hardware: r.get(2),
    })
}

/// Removes key `id` of `user_id`. Returns its name if it existed.
pub async fn remove(
    db: &Database,
    user_id: i64,
    username: &str,
    id: i64,
) -> Result<Option<String>, CoreError> {
    let c = db.client().await?;
    let pg: &tokio_postgres::Client = &c;
    let Some(row) = pg
        .query_opt(
            "DELETE FROM webauthn_credential WHERE id = $1 AND user_id = $2 RETURNING name",
            &[&id, &user_id],
        )
        .await?
    else {
        return Ok(None);
    };
    let name: String = row.get(0);
    audit(
        pg,
        username,
        "passkey.removed",
        username,
        serde_json::json!({"name": name}),
    )
    .await?;
    notify(
        pg,
        user_id,
        "passkey.removed",
        &Notice::new("notice-passkey-removed").with("name", name.clone()),
    )
    .await?;
    Ok(Some(name))
}

/// Tells administrators when an administrator's second factor changes.
pub async fn tell_admins_if_admin(db: &Database, role: crate::policy::Role, notice: &Notice) {
    if role != crate::policy::Role::Admin {
        return;
    }
    // The change is made and in the activity log already; a notification
    // that cannot be written is logged with its cause, not answered.
    let told = async {
        let c = db.client().await?;
        let pg: &tokio_postgres::Client = &c;
        notify_admins(pg, "admin.second_factor_changed", notice).await
    };
    if let Err(e) = told.await {
        tracing::warn!(target: "identity", error = %e, "administrators not told of a second-factor change");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relying_party_needs_a_host_name() {
        assert!(relying_party("https://localhost:8443").is_ok());
        assert!(relying_party("https://custodian.example").is_ok());
        assert!(relying_party("not a url").is_err());
    }
}
