//! Dynamic PostgreSQL credentials from Vault's database engine, with the
//! lease id kept (the general-purpose bindings drop it) so the lease can be
//! renewed and, after its connections are drained, revoked.

use std::time::Duration;

use secrecy::SecretString;
use serde_json::json;
use tokio::time::Instant;

use crate::client::{field, number, Client, VaultError};

pub struct DbCredentials {
    pub username: String,
    pub password: SecretString,
    pub lease_id: String,
    pub lease_duration: Duration,
    pub renewable: bool,
    pub obtained: Instant,
}

impl std::fmt::Debug for DbCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DbCredentials")
            .field("username", &self.username)
            .field("lease_id", &self.lease_id)
            .field("lease_duration", &self.lease_duration)
            .finish_non_exhaustive()
    }
}

/// Reads `path` and its username and password.
async fn read_login(
    client: &Client,
    path: &str,
) -> Result<(serde_json::Value, String, SecretString), VaultError> {
    let v = client.get(path).await?.ok_or(VaultError::Missing {
        path: path.to_owned(),
        field: "data",
    })?;
    let username = field(&v, "/data/username", path, "data.username")?.to_owned();
    let password =
        SecretString::from(field(&v, "/data/password", path, "data.password")?.to_owned());
    Ok((v, username, password))
}

/// `GET {mount}/creds/{role}`.
pub async fn credentials(
    client: &Client,
    mount: &str,
    role: &str,
) -> Result<DbCredentials, VaultError> {
    let path = format!("{mount}/creds/{role}");
    let (v, username, password) = read_login(client, &path).await?;
    Ok(DbCredentials {
        username,
        password,
        lease_id: field(&v, "/lease_id", &path, "lease_id")?.to_owned(),
        lease_duration: Duration::from_secs(number(
            &v,
            "/lease_duration",
            &path,
            "lease_duration",
        )?),
        renewable: v
            .get("renewable")
            .and_then(serde_json::Value::as_bool)
            .unwrap_or(false),
        obtained: Instant::now(),
    })
}

/// Renews a lease; returns the TTL granted, which OpenBao silently caps at
/// the role's max_ttl (the caller must compare it with what it asked for).
pub async fn renew(
    client: &Client,
    lease_id: &str,
    increment: Duration,
) -> Result<Duration, VaultError> {
    let path = format!("sys/leases/renew/{lease_id}");
    let v = client
        .put(&path, &json!({"increment": increment.as_secs()}))
        .await?
        .ok_or(VaultError::Missing {
            path: path.clone(),
            field: "lease_duration",
        })?;
    Ok(Duration::from_secs(number(
        &v,
        "/lease_duration",
        &path,
        "lease_duration",
    )?))
}

/// Revokes a lease (Vault drops the database user and ends its sessions).
pub async fn revoke(client: &Client, lease_id: &str) -> Result<(), VaultError> {
    client
        .put(&format!("sys/leases/revoke/{lease_id}"), &json!({}))
        .await
        .map(|_| ())
}

/// `GET {mount}/static-creds/{role}`: a database user whose password Vault
/// rotates on a schedule. There is no lease; `lease_duration` is the time
/// until the next rotation and `lease_id` holds the last rotation's time,
/// which tells whether the password changed.
pub async fn static_credentials(
    client: &Client,
    mount: &str,
    role: &str,
) -> Result<DbCredentials, VaultError> {
    let path = format!("{mount}/static-creds/{role}");
    let (v, username, password) = read_login(client, &path).await?;
    Ok(DbCredentials {
        username,
        password,
        lease_id: v
            .pointer("/data/last_vault_rotation")
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        lease_duration: Duration::from_secs(number(&v, "/data/ttl", &path, "data.ttl")?),
        renewable: false,
        obtained: Instant::now(),
    })
}
