//! Secrets from Vault. The local AppRole credential (and Vault's CA) are
//! read before the privilege drop, because they may be root-only files;
//! everything that talks to Vault runs afterwards, in the unprivileged
//! process, so no network code ever runs as root.

use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use custodian_vault::approle::AppRole;
use custodian_vault::keyring::Keyring;
use custodian_vault::pki::{self, CertRequest, IssuedCert};
use custodian_vault::{kv, ClientConfig, SecretIdSource, Session, VaultError};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::sign::CertifiedKey;
use secrecy::{ExposeSecret, SecretString};
use tokio::task::JoinHandle;
use zeroize::Zeroizing;

use crate::config::{TlsConfig, VaultConfig};
use crate::tls::{self, CertSlot, TlsError};
use custodian_core::health::Health;
use custodian_core::pool::Database;

#[derive(Debug, thiserror::Error)]
pub enum SecretsError {
    #[error("vault.ca-cert {path}: {reason}")]
    Ca { path: PathBuf, reason: String },
    #[error("vault.secret-id-credential {name:?}: $CREDENTIALS_DIRECTORY is not set; start custodiand through its systemd unit (LoadCredential=) or use vault.secret-id-file")]
    NoCredentialsDirectory { name: String },
    #[error("cannot read the AppRole secret_id from {path}: {reason}")]
    SecretId { path: PathBuf, reason: String },
    #[error("{path} is readable by group or others (mode {mode:o}); run `chmod 600 {path}`", path = path.display())]
    Exposed { path: PathBuf, mode: u32 },
    #[error("{path} is owned by uid {uid}, not root: another account could replace the secret_id; run `chown root:root {path} && chmod 600 {path}`", path = path.display())]
    NotRootOwned { path: PathBuf, uid: u32 },
    #[error("Vault: {0}")]
    Vault(#[from] VaultError),
    #[error("the TLS certificate from Vault is unusable: {0}")]
    Tls(#[from] TlsError),
}

/// What is read from local files before the drop.
pub struct LocalCredentials {
    client: ClientConfig,
    approle: AppRole,
    /// Keyring path, versions accepted before the newest, poll interval.
    keyring: (String, usize, Duration),
}

impl std::fmt::Debug for LocalCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalCredentials")
            .field("address", &self.client.address)
            .finish_non_exhaustive()
    }
}

fn read_secret_file(path: &Path, check_mode: bool) -> Result<SecretString, SecretsError> {
    let err = |reason: String| SecretsError::SecretId {
        path: path.to_owned(),
        reason,
    };
    // Opened once, and the checks below are of the open file (fstat), so
    // the file cannot be swapped between checking and reading. O_NOFOLLOW
    // refuses a symbolic link in the last component.
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)
        .map_err(|e| err(e.to_string()))?;
    let meta = file.metadata().map_err(|e| err(e.to_string()))?;
    if !meta.is_file() {
        return Err(err("not a regular file".into()));
    }
    // Owned by root (or, run unprivileged, by the process itself): no
    // other account may write the credential the daemon logs in with.
    if check_mode && meta.uid() != 0 && meta.uid() != nix::unistd::geteuid().as_raw() {
        return Err(SecretsError::NotRootOwned {
            path: path.to_owned(),
            uid: meta.uid(),
        });
    }
    if check_mode && meta.mode() & 0o077 != 0 {
        return Err(SecretsError::Exposed {
            path: path.to_owned(),
            mode: meta.mode() & 0o7777,
        });
    }
    let mut raw = Zeroizing::new(String::new());
    std::io::Read::read_to_string(&mut file, &mut raw).map_err(|e| err(e.to_string()))?;
    let value = raw.trim();
    if value.is_empty() {
        return Err(err("the file is empty".into()));
    }
    Ok(SecretString::from(value.to_owned()))
}

pub fn read_local(config: &VaultConfig) -> Result<LocalCredentials, SecretsError> {
    let ca_pem = match &config.ca_cert {
        Some(p) => Some(std::fs::read(p).map_err(|e| SecretsError::Ca {
            path: p.clone(),
            reason: e.to_string(),
        })?),
        None => None,
    };
    let secret = match (&config.secret_id_credential, &config.secret_id_file) {
        (Some(name), _) => {
            let dir = std::env::var_os("CREDENTIALS_DIRECTORY")
                .ok_or_else(|| SecretsError::NoCredentialsDirectory { name: name.clone() })?;
            // systemd makes the credential directory private to the service.
            read_secret_file(&Path::new(&dir).join(name), false)?
        }
        (None, Some(path)) => read_secret_file(path, true)?,
        (None, None) => {
            return Err(SecretsError::SecretId {
                path: PathBuf::from("(none)"),
                reason: "no secret-id source configured".into(),
            })
        }
    };
    Ok(LocalCredentials {
        client: ClientConfig {
            address: config.address.clone(),
            ca_pem,
            timeout: Duration::from_secs(config.request_timeout_secs),
        },
        approle: AppRole {
            mount: config.approle_mount.clone(),
            role_name: config.role_name.clone(),
            role_id: config.role_id.clone(),
            secret_id: if config.secret_id_wrapped {
                SecretIdSource::Wrapped(secret)
            } else {
                SecretIdSource::Plain(secret)
            },
        },
        keyring: (
            config.keyring_path.clone(),
            config.keyring_accept_previous,
            Duration::from_secs(config.keyring_poll_secs),
        ),
    })
}

/// The running secret supply: the Vault session, the TLS slot, and the
/// certificate renewer (started by the caller once the activity log, if
/// any, is available to record rotations in).
pub struct Running {
    pub session: Arc<Session>,
    pub keyring: Arc<Keyring>,
    pub keyring_task: JoinHandle<()>,
    pub cert_slot: Arc<CertSlot>,
    pub renewer: CertRenewer,
    pub token_task: JoinHandle<()>,
}

pub struct CertRenewer {
    source: CertSource,
    session: Arc<Session>,
    slot: Arc<CertSlot>,
    health: Arc<Health>,
    held: Held,
}

impl CertRenewer {
    pub fn spawn(self, db: Option<Arc<Database>>) -> JoinHandle<()> {
        tokio::spawn(renew_certificates(self, db))
    }
}

/// Logs in, fetches the first certificate, and starts the token's
/// supervisor. Errors here are fatal at start-up; later failures only
/// degrade.
pub async fn start(
    local: LocalCredentials,
    tls_config: &TlsConfig,
    health: Arc<Health>,
) -> Result<Running, SecretsError> {
    let client = custodian_vault::Client::new(&local.client)?;
    let session = Session::start(client, local.approle).await?;
    tracing::info!(target: "vault", address = session.client().address(), "logged in to Vault with AppRole");
    let status_health = Arc::clone(&health);
    let token_task = tokio::spawn(Arc::clone(&session).maintain(Arc::new(move |p| {
        status_health.set_problem("vault-token", p)
    })));
    let keyring = Keyring::load(
        session.client().clone(),
        "kv",
        &local.keyring.0,
        local.keyring.1,
    )
    .await?;
    tracing::info!(target: "vault", version = ?keyring.newest_version().await, "keyring loaded");
    let keyring_health = Arc::clone(&health);
    let keyring_task = tokio::spawn(Arc::clone(&keyring).maintain(
        local.keyring.2,
        Arc::new(move |p| keyring_health.set_problem("keyring", p)),
    ));
    let source = CertSource::from_config(tls_config).ok_or_else(|| {
        SecretsError::Vault(VaultError::Invalid(
            "tls.source is not a Vault source".into(),
        ))
    })?;
    let (first, held) = source.fetch(&session, None).await?.ok_or_else(|| {
        SecretsError::Vault(VaultError::Invalid("no certificate in Vault".into()))
    })?;
    tracing::info!(target: "vault", certificate = %held.describe(), "TLS certificate obtained from Vault");
    let slot = CertSlot::new(first);
    let renewer = CertRenewer {
        source,
        session: Arc::clone(&session),
        slot: Arc::clone(&slot),
        health,
        held,
    };
    Ok(Running {
        session,
        keyring,
        keyring_task,
        cert_slot: slot,
        renewer,
        token_task,
    })
}

#[derive(Debug, Clone)]
enum CertSource {
    Pki(CertRequest),
    Kv {
        mount: String,
        path: String,
        poll: Duration,
    },
}

/// When to look again, and what we hold now.
#[derive(Debug, Clone)]
enum Held {
    Pki {
        serial: String,
        renew_at: SystemTime,
        not_after: SystemTime,
    },
    Kv {
        version: u64,
        poll: Duration,
    },
}

impl Held {
    fn describe(&self) -> String {
        match self {
            Held::Pki {
                serial, not_after, ..
            } => format!("serial {serial}, expires {}", unix(*not_after)),
            Held::Kv { version, .. } => format!("KV version {version}"),
        }
    }

    fn wait(&self) -> Duration {
        match self {
            Held::Pki { renew_at, .. } => renew_at
                .duration_since(SystemTime::now())
                .unwrap_or_default(),
            Held::Kv { poll, .. } => *poll,
        }
    }
}

fn unix(t: SystemTime) -> u64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

impl CertSource {
    fn from_config(c: &TlsConfig) -> Option<Self> {
        match c {
            TlsConfig::DevPem { .. } => None,
            TlsConfig::VaultPki {
                mount,
                role,
                common_name,
                alt_names,
                ip_sans,
                ttl_secs,
            } => Some(Self::Pki(CertRequest {
                mount: mount.clone(),
                role: role.clone(),
                common_name: common_name.clone(),
                alt_names: alt_names.clone(),
                ip_sans: ip_sans.clone(),
                ttl: Duration::from_secs(*ttl_secs),
            })),
            TlsConfig::VaultKv {
                mount,
                path,
                poll_secs,
            } => Some(Self::Kv {
                mount: mount.clone(),
                path: path.clone(),
                poll: Duration::from_secs(*poll_secs),
            }),
        }
    }

    /// Fetches a certificate; `None` when KV still holds the version we
    /// already serve.
    async fn fetch(
        &self,
        session: &Session,
        held: Option<&Held>,
    ) -> Result<Option<(CertifiedKey, Held)>, SecretsError> {
        match self {
            CertSource::Pki(req) => {
                let issued = pki::issue(session.client(), req).await?;
                let key = certified_from_issued(&issued)?;
                Ok(Some((
                    key,
                    Held::Pki {
                        serial: issued.serial.clone(),
                        renew_at: issued.renew_at(),
                        not_after: issued.not_after,
                    },
                )))
            }
            CertSource::Kv { mount, path, poll } => {
                let secret = kv::read(session.client(), mount, path, None).await?;
                if let Some(Held::Kv { version, .. }) = held {
                    if *version == secret.version {
                        return Ok(None);
                    }
                }
                let field = |name: &'static str| {
                    secret.get(name).ok_or_else(|| {
                        SecretsError::Vault(VaultError::Invalid(format!(
                            "{mount}/{path} version {} has no field {name:?}; store the PEM chain as \"certificate\" and the key as \"private_key\"",
                            secret.version
                        )))
                    })
                };
                let key = tls::certified_key_from_pem(
                    field("certificate")?.expose_secret().as_bytes(),
                    field("private_key")?.expose_secret().as_bytes(),
                )?;
                Ok(Some((
                    key,
                    Held::Kv {
                        version: secret.version,
                        poll: *poll,
                    },
                )))
            }
        }
    }
}

fn certified_from_issued(issued: &IssuedCert) -> Result<CertifiedKey, SecretsError> {
    let joined = issued.chain_pem.join("\n");
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(joined.as_bytes())
        .collect::<Result<_, _>>()
        .map_err(|_| TlsError::Pem {
            what: "certificate",
            path: "(Vault PKI)".into(),
            expected: "CERTIFICATE",
        })?;
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(issued.key_pkcs8.as_slice()));
    Ok(tls::certified_key(chain, &key)?)
}

/// Replaces the certificate when due. A failure leaves the current one in
/// place (it is still valid) and retries with back-off, reporting the
/// appliance as degraded until it succeeds.
async fn renew_certificates(r: CertRenewer, db: Option<Arc<Database>>) {
    let CertRenewer {
        source,
        session,
        slot,
        health,
        mut held,
    } = r;
    let mut failures: u32 = 0;
    loop {
        let wait = if failures == 0 {
            held.wait()
        } else {
            custodian_vault::backoff(failures, Duration::from_secs(60))
        };
        tokio::time::sleep(wait).await;
        match source.fetch(&session, Some(&held)).await {
            Ok(Some((key, next))) => {
                slot.replace(key);
                tracing::info!(target: "vault", previous = %held.describe(), current = %next.describe(), "TLS certificate replaced");
                if let Some(db) = &db {
                    let details = serde_json::json!({"previous": held.describe(), "current": next.describe()});
                    if let Err(e) = db
                        .record("custodiand", "secret.rotated", "tls-certificate", &details)
                        .await
                    {
                        tracing::warn!(target: "vault", error = %e, "could not record the rotation in the activity log");
                    }
                }
                held = next;
                failures = 0;
                health.set_problem("tls-certificate", None);
            }
            Ok(None) => {
                if failures > 0 {
                    health.set_problem("tls-certificate", None);
                }
                failures = 0;
            }
            Err(e) => {
                if matches!(e, SecretsError::Vault(VaultError::Denied { .. })) {
                    session.token_rejected();
                }
                failures += 1;
                let expiry = match &held {
                    Held::Pki { not_after, .. } => format!(
                        "; the current certificate stays in use until it expires at {}",
                        unix(*not_after)
                    ),
                    Held::Kv { .. } => "; the current certificate stays in use".into(),
                };
                tracing::warn!(target: "vault", error = %e, "TLS certificate refresh failed{expiry}");
                health.set_problem(
                    "tls-certificate",
                    Some(format!("refresh failing: {e}{expiry}")),
                );
            }
        }
    }
}

#[cfg(test)]
mod owner_tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn a_secret_id_file_not_owned_by_root_is_refused_with_the_fix() {
        let dir = std::env::temp_dir().join(format!("custodian-sid-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("secret-id");
        std::fs::write(&path, "s3cret\n").expect("write");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        assert!(
            nix::unistd::geteuid().is_root(),
            "tests run as root (CI does)"
        );
        assert!(read_secret_file(&path, true).is_ok(), "root-owned, 0600");
        std::os::unix::fs::chown(&path, Some(4242), Some(4242)).expect("chown");
        let e = read_secret_file(&path, true).expect_err("another owner");
        assert!(
            e.to_string().contains("chown root:root") && e.to_string().contains("4242"),
            "{e}"
        );
        std::os::unix::fs::chown(&path, Some(0), Some(0)).expect("chown back");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o620)).expect("chmod");
        assert!(read_secret_file(&path, true).is_err(), "group-writable");
        // Checked and read through one open file: a symbolic link (which
        // could be pointed elsewhere between a check and a read) is
        // refused, and so is anything but a regular file.
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        let link = dir.join("link");
        std::os::unix::fs::symlink(&path, &link).expect("symlink");
        assert!(read_secret_file(&link, true).is_err(), "followed a symlink");
        assert!(read_secret_file(&dir, true).is_err(), "read a directory");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
