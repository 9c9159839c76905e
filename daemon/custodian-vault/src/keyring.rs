//! A versioned keyring in KV v2: each version of the secret is one
//! generation of keys. New tokens are signed with the newest version;
//! tokens from the previous `accept_previous` versions still verify, so a
//! rotation invalidates nothing at once. A version that is deleted or
//! destroyed in Vault stops verifying at the next poll: that is how a
//! compromised key is revoked.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretBox};
use sha2::Sha256;
use tokio::sync::RwLock;

use crate::client::{Client, VaultError};
use crate::kv;

type HmacSha256 = Hmac<Sha256>;

/// The key fields every keyring version carries (base64, 32 bytes each).
pub const FIELDS: &[&str] = &["token-hmac", "password-pepper"];

struct Generation {
    version: u64,
    keys: Vec<(String, SecretBox<[u8]>)>,
}

impl Generation {
    fn key(&self, field: &str) -> Option<&[u8]> {
        self.keys
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, k)| k.expose_secret())
    }
}

pub struct Keyring {
    client: Client,
    mount: String,
    path: String,
    accept_previous: usize,
    /// Newest first.
    generations: RwLock<Vec<Arc<Generation>>>,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keyring")
            .field("path", &self.path)
            .field("accept_previous", &self.accept_previous)
            .finish_non_exhaustive()
    }
}

fn decode(
    mount: &str,
    path: &str,
    version: u64,
    field: &str,
    value: &str,
) -> Result<SecretBox<[u8]>, VaultError> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(value.trim())
        .map_err(|_| {
            VaultError::Invalid(format!(
                "{mount}/{path} version {version}: field {field:?} is not base64"
            ))
        })?;
    if bytes.len() < 32 {
        return Err(VaultError::Invalid(format!(
            "{mount}/{path} version {version}: field {field:?} is shorter than 32 bytes"
        )));
    }
    Ok(SecretBox::new(bytes.into_boxed_slice()))
}

impl Keyring {
    /// Loads the newest `1 + accept_previous` live versions.
    pub async fn load(
        client: Client,
        mount: &str,
        path: &str,
        accept_previous: usize,
    ) -> Result<Arc<Self>, VaultError> {
        let ring = Arc::new(Self {
            client,
            mount: mount.to_owned(),
            path: path.to_owned(),
            accept_previous,
            generations: RwLock::new(Vec::new()),
        });
        ring.refresh().await?;
        Ok(ring)
    }

    /// Re-reads which versions are live; fetches new ones, forgets revoked
    /// ones. Returns the newest version.
    pub async fn refresh(&self) -> Result<u64, VaultError> {
        let live = kv::live_versions(&self.client, &self.mount, &self.path).await?;
        let wanted: Vec<u64> = live.into_iter().take(1 + self.accept_previous).collect();
        let Some(&newest) = wanted.first() else {
            return Err(VaultError::Invalid(format!(
                "{}/{} has no live version; write one (custodianctl vault provision does)",
                self.mount, self.path
            )));
        };
        let held: Vec<Arc<Generation>> = self.generations.read().await.clone();
        let mut next = Vec::with_capacity(wanted.len());
        for v in &wanted {
            if let Some(g) = held.iter().find(|g| g.version == *v) {
                next.push(Arc::clone(g));
                continue;
            }
            let secret = kv::read(&self.client, &self.mount, &self.path, Some(*v)).await?;
            let mut keys = Vec::new();
            for field in FIELDS {
                let value = secret.get(field).ok_or_else(|| {
                    VaultError::Invalid(format!(
                        "{}/{} version {v} lacks field {field:?}",
                        self.mount, self.path
                    ))
                })?;
                keys.push((
                    (*field).to_owned(),
                    decode(&self.mount, &self.path, *v, field, value.expose_secret())?,
                ));
            }
            next.push(Arc::new(Generation { version: *v, keys }));
        }
        *self.generations.write().await = next;
        Ok(newest)
    }

    /// Polls until the end of time, reporting failures to `status`; the
    /// keys held stay in use while Vault is unreachable.
    pub async fn maintain(self: Arc<Self>, every: Duration, status: crate::approle::StatusSink) {
        let mut failures = 0u32;
        let mut newest = self.newest_version().await;
        loop {
            let wait = if failures == 0 {
                every
            } else {
                crate::backoff(failures, every.max(Duration::from_secs(1)))
            };
            tokio::time::sleep(wait).await;
            match self.refresh().await {
                Ok(v) => {
                    if newest != Some(v) {
                        tracing::info!(target: "vault", version = v, previous = ?newest, "keyring version {v} now signs; earlier live versions still verify");
                        newest = Some(v);
                    }
                    failures = 0;
                    status(None);
                }
                Err(e) => {
                    failures += 1;
                    tracing::warn!(target: "vault", error = %e, "keyring refresh failed; the keys held stay in use");
                    status(Some(format!("keyring refresh failing: {e}")));
                }
            }
        }
    }

    /// The Vault client the keyring reads with.
    pub fn client(&self) -> &Client {
        &self.client
    }

    pub async fn newest_version(&self) -> Option<u64> {
        self.generations.read().await.first().map(|g| g.version)
    }

    /// `v<version>.<base64url HMAC-SHA256>` over `message` with the newest
    /// version of `field`.
    pub async fn sign(&self, field: &str, message: &[u8]) -> Option<String> {
        let g = self.generations.read().await.first().cloned()?;
        let mut mac = HmacSha256::new_from_slice(g.key(field)?).ok()?;
        mac.update(message);
        Some(format!(
            "v{}.{}",
            g.version,
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
        ))
    }

    /// True if `token` is a valid signature of `message` by a version still
    /// accepted. Constant-time comparison.
    pub async fn verify(&self, field: &str, message: &[u8], token: &str) -> bool {
        let Some((v, tag)) = token.strip_prefix('v').and_then(|t| t.split_once('.')) else {
            return false;
        };
        let (Ok(version), Ok(tag)) = (
            v.parse::<u64>(),
            base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(tag),
        ) else {
            return false;
        };
        let generations = self.generations.read().await;
        let Some(g) = generations.iter().find(|g| g.version == version) else {
            return false;
        };
        let Some(key) = g.key(field) else {
            return false;
        };
        let Ok(mut mac) = HmacSha256::new_from_slice(key) else {
            return false;
        };
        mac.update(message);
        mac.verify_slice(&tag).is_ok()
    }
}

/// A fresh keyring version's fields: 32 random bytes each, base64.
/// `n` random bytes in base64 (a new passphrase).
pub fn random_b64(n: usize) -> Result<String, VaultError> {
    let mut bytes = zeroize::Zeroizing::new(vec![0u8; n]);
    getrandom::getrandom(bytes.as_mut())
        .map_err(|e| VaultError::Invalid(format!("no randomness: {e}")))?;
    Ok(base64::engine::general_purpose::STANDARD.encode(bytes.as_slice()))
}

pub fn new_version_data() -> Result<serde_json::Value, VaultError> {
    let mut data = serde_json::Map::new();
    for field in FIELDS {
        let mut bytes = zeroize::Zeroizing::new([0u8; 32]);
        getrandom::getrandom(bytes.as_mut())
            .map_err(|e| VaultError::Invalid(format!("no randomness: {e}")))?;
        data.insert(
            (*field).to_owned(),
            serde_json::Value::String(
                base64::engine::general_purpose::STANDARD.encode(bytes.as_ref()),
            ),
        );
    }
    Ok(serde_json::Value::Object(data))
}

impl Keyring {
    /// The newest version and its `field` key, for new hashes or tokens.
    pub async fn newest(&self, field: &str) -> Option<(u64, zeroize::Zeroizing<Vec<u8>>)> {
        let g = self.generations.read().await.first().cloned()?;
        Some((g.version, zeroize::Zeroizing::new(g.key(field)?.to_vec())))
    }

    /// `field` of a version held in memory (the newest and those still
    /// accepted), never asking Vault: for look-ups on every request.
    pub async fn held_at(&self, field: &str, version: u64) -> Option<zeroize::Zeroizing<Vec<u8>>> {
        self.generations
            .read()
            .await
            .iter()
            .find(|g| g.version == version)
            .and_then(|g| g.key(field))
            .map(|k| zeroize::Zeroizing::new(k.to_vec()))
    }

    /// `field` of a given version, if Vault still has that version live:
    /// held versions from memory, older live ones fetched on demand (a
    /// password hashed before several rotations must still verify, once,
    /// to be rehashed with the newest pepper).
    pub async fn key_at(
        &self,
        field: &str,
        version: u64,
    ) -> Result<Option<zeroize::Zeroizing<Vec<u8>>>, VaultError> {
        if let Some(g) = self
            .generations
            .read()
            .await
            .iter()
            .find(|g| g.version == version)
        {
            return Ok(g.key(field).map(|k| zeroize::Zeroizing::new(k.to_vec())));
        }
        if !kv::live_versions(&self.client, &self.mount, &self.path)
            .await?
            .contains(&version)
        {
            return Ok(None);
        }
        let secret = kv::read(&self.client, &self.mount, &self.path, Some(version)).await?;
        let Some(value) = secret.get(field) else {
            return Ok(None);
        };
        let key = decode(
            &self.mount,
            &self.path,
            version,
            field,
            value.expose_secret(),
        )?;
        Ok(Some(zeroize::Zeroizing::new(key.expose_secret().to_vec())))
    }
}
