//! AppRole login and the token's life: renewal at two thirds of its TTL,
//! re-login when renewal is refused or capped (OpenBao caps silently at
//! max_ttl rather than failing), and a generation counter that tells the
//! holders of leases to fetch them again after a re-login, because leases
//! die with the token that created them.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::Method;
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use tokio::sync::watch;
use tokio::time::Instant;

use crate::client::{field, number, Client, VaultError};

/// Where the AppRole secret_id comes from. Both variants are read from a
/// local file (a systemd credential, typically) before the daemon drops
/// privileges; the network exchange happens afterwards.
pub enum SecretIdSource {
    /// The secret_id itself.
    Plain(SecretString),
    /// A response-wrapping token that yields the secret_id exactly once.
    Wrapped(SecretString),
}

impl std::fmt::Debug for SecretIdSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Plain(_) => "Plain(<redacted>)",
            Self::Wrapped(_) => "Wrapped(<redacted>)",
        })
    }
}

#[derive(Debug)]
pub struct AppRole {
    pub mount: String,
    pub role_name: String,
    pub role_id: String,
    pub secret_id: SecretIdSource,
}

#[derive(Debug, Clone, Copy)]
struct TokenState {
    obtained: Instant,
    ttl: Duration,
    /// The TTL the token had at login, which renewals ask for again.
    wanted: Duration,
    renewable: bool,
}

pub struct Session {
    client: Client,
    mount: String,
    role_id: String,
    secret_id: SecretString,
    state: Mutex<TokenState>,
    generation: watch::Sender<u64>,
    /// Woken when another component saw the token refused.
    rejected: tokio::sync::Notify,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("mount", &self.mount)
            .field("role_id", &self.role_id)
            .finish_non_exhaustive()
    }
}

/// Health of the Vault connection, as the daemon reports it.
pub type StatusSink = Arc<dyn Fn(Option<String>) + Send + Sync>;

impl Session {
    /// Unwraps the secret_id if needed, logs in, and returns the session.
    pub async fn start(client: Client, approle: AppRole) -> Result<Arc<Self>, VaultError> {
        let secret_id = match approle.secret_id {
            SecretIdSource::Plain(s) => s,
            SecretIdSource::Wrapped(w) => {
                unwrap_secret_id(&client, &approle.mount, &approle.role_name, &w).await?
            }
        };
        let (state, token) = login(&client, &approle.mount, &approle.role_id, &secret_id).await?;
        client.set_token(Some(token));
        let (generation, _) = watch::channel(1);
        Ok(Arc::new(Self {
            client,
            mount: approle.mount,
            role_id: approle.role_id,
            secret_id,
            state: Mutex::new(state),
            generation,
            rejected: tokio::sync::Notify::new(),
        }))
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Changes after every re-login: leases obtained before are gone.
    pub fn generations(&self) -> watch::Receiver<u64> {
        self.generation.subscribe()
    }

    fn state(&self) -> TokenState {
        *self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    async fn relogin(&self) -> Result<(), VaultError> {
        let (state, token) =
            login(&self.client, &self.mount, &self.role_id, &self.secret_id).await?;
        self.client.set_token(Some(token));
        *self.state.lock().unwrap_or_else(|p| p.into_inner()) = state;
        self.generation.send_modify(|g| *g += 1);
        tracing::info!(target: "vault", ttl_secs = state.ttl.as_secs(), "logged in to Vault again; leases will be fetched anew");
        Ok(())
    }

    /// Renews the token; returns the TTL Vault granted.
    async fn renew(&self) -> Result<Duration, VaultError> {
        let wanted = self.state().wanted;
        let v = self
            .client
            .call(
                Method::POST,
                "auth/token/renew-self",
                Some(&json!({"increment": format!("{}s", wanted.as_secs())})),
            )
            .await?
            .ok_or(VaultError::Missing {
                path: "auth/token/renew-self".into(),
                field: "auth",
            })?;
        let ttl = Duration::from_secs(number(
            &v,
            "/auth/lease_duration",
            "auth/token/renew-self",
            "auth.lease_duration",
        )?);
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        s.obtained = Instant::now();
        s.ttl = ttl;
        Ok(ttl)
    }

    /// Keeps the token alive for as long as the daemon runs. Never returns.
    /// Tells the session that Vault refused its token (HTTP 403) elsewhere,
    /// so it checks the token now instead of at the next renewal. After an
    /// outage longer than the token's life this is what brings the appliance
    /// back at once.
    pub fn token_rejected(&self) {
        self.rejected.notify_one();
    }

    /// Whether Vault still accepts the token (`lookup-self`).
    async fn token_valid(&self) -> Result<bool, VaultError> {
        match self.client.get("auth/token/lookup-self").await {
            Ok(_) => Ok(true),
            Err(VaultError::Denied { .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }

    pub async fn maintain(self: Arc<Self>, status: StatusSink) {
        let mut failures: u32 = 0;
        loop {
            let s = self.state();
            let renew_at = s.obtained + s.ttl.mul_f64(2.0 / 3.0);
            let expires = s.obtained + s.ttl;
            let wait_until = if failures == 0 {
                renew_at
            } else {
                Instant::now() + crate::backoff(failures, Duration::from_secs(15))
            };
            let nudged = tokio::select! {
                _ = tokio::time::sleep_until(wait_until) => false,
                _ = self.rejected.notified() => true,
            };
            let result = if nudged && failures == 0 {
                match self.token_valid().await {
                    Ok(true) => continue,
                    Ok(false) => self.relogin().await,
                    Err(e) => Err(e),
                }
            } else if !s.renewable || Instant::now() >= expires {
                self.relogin().await
            } else {
                match self.renew().await {
                    // Capped by max_ttl: renewal "succeeds" with less time;
                    // log in again before the token runs out.
                    Ok(granted) if granted < s.wanted.mul_f64(0.5) => self.relogin().await,
                    Ok(_) => Ok(()),
                    Err(VaultError::Denied { .. }) => self.relogin().await,
                    Err(e) => Err(e),
                }
            };
            match result {
                Ok(()) => {
                    if failures > 0 {
                        tracing::info!(target: "vault", "Vault reachable again");
                    }
                    failures = 0;
                    status(None);
                }
                Err(e) => {
                    failures += 1;
                    tracing::warn!(target: "vault", error = %e, "Vault token renewal failed; retrying");
                    status(Some(format!("Vault token renewal failing: {e}")));
                }
            }
        }
    }
}

async fn login(
    client: &Client,
    mount: &str,
    role_id: &str,
    secret_id: &SecretString,
) -> Result<(TokenState, SecretString), VaultError> {
    let path = format!("auth/{mount}/login");
    let v = client
        .call_as(
            None,
            Method::POST,
            &path,
            Some(&json!({"role_id": role_id, "secret_id": secret_id.expose_secret()})),
            &[],
        )
        .await?
        .ok_or(VaultError::Missing {
            path: path.clone(),
            field: "auth",
        })?;
    let token =
        SecretString::from(field(&v, "/auth/client_token", &path, "auth.client_token")?.to_owned());
    let ttl = Duration::from_secs(number(
        &v,
        "/auth/lease_duration",
        &path,
        "auth.lease_duration",
    )?);
    let renewable = v
        .pointer("/auth/renewable")
        .and_then(serde_json::Value::as_bool)
        .unwrap_or(false);
    if ttl.is_zero() {
        return Err(VaultError::Invalid(format!(
            "the AppRole at {path} issued a token without a TTL; set token_ttl or token_period on the role"
        )));
    }
    Ok((
        TokenState {
            obtained: Instant::now(),
            ttl,
            wanted: ttl,
            renewable,
        },
        token,
    ))
}

/// Checks that the wrapping token was made for exactly our role's
/// secret-id endpoint, then unwraps it (which consumes it).
async fn unwrap_secret_id(
    client: &Client,
    mount: &str,
    role_name: &str,
    wrapped: &SecretString,
) -> Result<SecretString, VaultError> {
    let expected = format!("auth/{mount}/role/{role_name}/secret-id");
    let lookup = client
        .call_as(None, Method::POST, "sys/wrapping/lookup", Some(&json!({"token": wrapped.expose_secret()})), &[])
        .await
        .map_err(|e| match e {
            VaultError::Status { status: 400, .. } | VaultError::Denied { .. } => VaultError::Invalid(
                "the wrapped secret_id token is invalid, expired or already unwrapped; if custodiand did not unwrap it, \
                 someone else may have: revoke the role's secret_ids and issue a new wrapped one"
                    .into(),
            ),
            other => other,
        })?
        .ok_or(VaultError::Missing { path: "sys/wrapping/lookup".into(), field: "data" })?;
    let creation_path = field(
        &lookup,
        "/data/creation_path",
        "sys/wrapping/lookup",
        "data.creation_path",
    )?;
    if creation_path != expected {
        return Err(VaultError::Invalid(format!(
            "the wrapped token was created at {creation_path:?}, not {expected:?}; refusing to use it"
        )));
    }
    let v = client
        .call_as(Some(wrapped), Method::POST, "sys/wrapping/unwrap", None, &[])
        .await
        .map_err(|e| match e {
            VaultError::Status { status: 400, .. } | VaultError::Denied { .. } => {
                VaultError::Invalid("the wrapped secret_id was unwrapped by someone else in the meantime; treat it as compromised".into())
            }
            other => other,
        })?
        .ok_or(VaultError::Missing { path: "sys/wrapping/unwrap".into(), field: "data" })?;
    Ok(SecretString::from(
        field(
            &v,
            "/data/secret_id",
            "sys/wrapping/unwrap",
            "data.secret_id",
        )?
        .to_owned(),
    ))
}
