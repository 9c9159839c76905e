//! TUF through tough: the trusted root (the newer of the packaged one and
//! the persisted one), a persisted datastore (which is what refuses
//! replayed metadata across runs), size limits on every download, expiry
//! always enforced, and target bytes used only after their hash matched.

use std::path::{Path, PathBuf};
use std::time::Duration;

use futures_util::TryStreamExt;
use tokio::io::AsyncWriteExt;
use tough::{
    ExpirationEnforcement, FilesystemTransport, Limits, Repository, RepositoryLoader, TargetName,
    Transport, TransportError, TransportErrorKind, TransportStream,
};

use crate::config::Repository as RepoConfig;

#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    #[error("the trusted root {path} cannot be read: {source}")]
    Root {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("update metadata refused: {0}")]
    Metadata(String),
    #[error("{0} is not listed in the signed targets")]
    NotListed(String),
    #[error("download of {name} refused: {reason}")]
    Target { name: String, reason: String },
    #[error("{0}")]
    Local(String),
}

/// Limits far above our real metadata (a few KiB) and far below what
/// could fill the disk: an endless-data attack stops here.
pub const LIMITS: Limits = Limits {
    max_root_size: 512 * 1024,
    max_targets_size: 4 * 1024 * 1024,
    max_timestamp_size: 64 * 1024,
    max_snapshot_size: 512 * 1024,
    max_root_updates: 64,
};

/// tough's errors nest; the whole chain says what went wrong.
pub fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        let next = c.to_string();
        if !s.contains(&next) {
            s.push_str(": ");
            s.push_str(&next);
        }
        cur = c.source();
    }
    s
}

pub struct Trust {
    config: RepoConfig,
    datastore: PathBuf,
    transport: AnyTransport,
}

/// The two ways to reach a repository.
#[derive(Debug, Clone)]
enum AnyTransport {
    File(FilesystemTransport),
    Https(HttpsTransport),
}

#[tough::async_trait]
impl Transport for AnyTransport {
    async fn fetch(&self, url: url::Url) -> Result<TransportStream, TransportError> {
        match self {
            Self::File(t) => t.fetch(url).await,
            Self::Https(t) => t.fetch(url).await,
        }
    }
}

impl Trust {
    pub fn new(config: &RepoConfig, datastore: &Path) -> Result<Self, TrustError> {
        let transport = match config.metadata_url.scheme() {
            "file" => AnyTransport::File(FilesystemTransport),
            _ => AnyTransport::Https(HttpsTransport::new(config.ca_cert.as_deref())?),
        };
        Ok(Self {
            config: config.clone(),
            datastore: datastore.to_owned(),
            transport,
        })
    }

    /// The root to start the chain from: the persisted one once it is newer
    /// than the packaged one (a newer package may ship a newer root).
    fn root(&self) -> Result<Vec<u8>, TrustError> {
        let packaged =
            std::fs::read(&self.config.trusted_root).map_err(|source| TrustError::Root {
                path: self.config.trusted_root.clone(),
                source,
            })?;
        let persisted = std::fs::read(self.datastore.join("root.json")).ok();
        let version = |b: &[u8]| {
            serde_json::from_slice::<serde_json::Value>(b)
                .ok()
                .and_then(|v| v["signed"]["version"].as_u64())
                .unwrap_or(0)
        };
        Ok(match persisted {
            Some(p) if version(&p) > version(&packaged) => p,
            _ => packaged,
        })
    }

    /// Walks the root chain and loads timestamp, snapshot and targets,
    /// persisting each once verified.
    pub async fn refresh(&self) -> Result<Repository, TrustError> {
        let root = self.root()?;
        let load = RepositoryLoader::new(
            &root,
            self.config.metadata_url.clone(),
            self.config.targets_url.clone(),
        )
        .transport(self.transport.clone())
        .datastore(&self.datastore)
        .limits(LIMITS)
        .expiration_enforcement(ExpirationEnforcement::Safe)
        .load();
        // Per-read timeouts alone let a server that trickles a byte a
        // minute hold the update (and the single-flight lock) for ever.
        tokio::time::timeout(METADATA_DEADLINE, load)
            .await
            .map_err(|_| {
                TrustError::Metadata(format!(
                    "the repository did not deliver its metadata within {} s",
                    METADATA_DEADLINE.as_secs()
                ))
            })?
            .map_err(|e| TrustError::Metadata(chain(&e)))
    }

    /// Downloads a target to `dest` (through `dest.partial`), keeping it
    /// only if its length and SHA-256 match the signed targets.
    /// The whole download must end within `deadline`.
    pub async fn fetch(
        repo: &Repository,
        name: &str,
        dest: &Path,
        deadline: Duration,
    ) -> Result<(), TrustError> {
        let target = TargetName::new(name).map_err(|e| TrustError::Local(chain(&e)))?;
        let refused = |reason: String| TrustError::Target {
            name: name.to_owned(),
            reason,
        };
        let stream = repo
            .read_target(&target)
            .await
            .map_err(|e| refused(chain(&e)))?
            .ok_or_else(|| TrustError::NotListed(name.to_owned()))?;
        save_within(stream, dest, deadline).await.map_err(refused)
    }
}

/// How long walking the root chain and loading timestamp, snapshot and
/// targets may take in all (a few KiB at our limits).
pub const METADATA_DEADLINE: Duration = Duration::from_secs(300);

/// Writes `stream` to `dest` through `dest.partial`, all within `deadline`;
/// on any failure (the deadline included) the partial file goes.
pub async fn save_within<S, B, E>(stream: S, dest: &Path, deadline: Duration) -> Result<(), String>
where
    S: futures_util::Stream<Item = Result<B, E>>,
    B: AsRef<[u8]>,
    E: std::error::Error,
{
    let partial = dest.with_extension("partial");
    let copy = async {
        let mut file = tokio::fs::File::create(&partial)
            .await
            .map_err(|e| format!("cannot write {}: {e}", partial.display()))?;
        let mut stream = std::pin::pin!(stream);
        // tough checks the length while streaming and the hash at the
        // end; an error on any chunk means the file is not used.
        while let Some(chunk) = stream.try_next().await.map_err(|e| chain(&e))? {
            file.write_all(chunk.as_ref())
                .await
                .map_err(|e| format!("cannot write {}: {e}", partial.display()))?;
        }
        file.sync_all()
            .await
            .map_err(|e| format!("cannot sync {}: {e}", partial.display()))?;
        tokio::fs::rename(&partial, dest)
            .await
            .map_err(|e| format!("cannot rename to {}: {e}", dest.display()))
    };
    let result = match tokio::time::timeout(deadline, copy).await {
        Ok(r) => r,
        Err(_) => Err(format!(
            "not complete within {} s (repository.download-deadline-secs); try again when the connection is faster, or raise the deadline",
            deadline.as_secs()
        )),
    };
    if result.is_err() {
        let _ = tokio::fs::remove_file(&partial).await;
    }
    result
}

/// https only, with the configured CA bundle (or the system's), time
/// limits, and a 404 reported as "not found" (the end of the root chain).
#[derive(Debug, Clone)]
pub struct HttpsTransport {
    client: reqwest::Client,
}

impl HttpsTransport {
    pub fn new(ca: Option<&Path>) -> Result<Self, TrustError> {
        let path = ca.unwrap_or(Path::new("/etc/ssl/certs/ca-certificates.crt"));
        let pem = std::fs::read(path).map_err(|e| {
            TrustError::Local(format!("cannot read CA bundle {}: {e}", path.display()))
        })?;
        let mut builder = reqwest::Client::builder()
            .use_rustls_tls()
            .https_only(true)
            .tls_built_in_root_certs(false)
            .connect_timeout(std::time::Duration::from_secs(20))
            .read_timeout(std::time::Duration::from_secs(60))
            .redirect(reqwest::redirect::Policy::none());
        let certs = reqwest::Certificate::from_pem_bundle(&pem)
            .map_err(|e| TrustError::Local(format!("CA bundle {}: {e}", path.display())))?;
        for c in certs {
            builder = builder.add_root_certificate(c);
        }
        let client = builder
            .build()
            .map_err(|e| TrustError::Local(format!("https client: {e}")))?;
        Ok(Self { client })
    }
}

#[tough::async_trait]
impl Transport for HttpsTransport {
    async fn fetch(&self, url: url::Url) -> Result<TransportStream, TransportError> {
        if url.scheme() != "https" {
            return Err(TransportError::new(
                TransportErrorKind::UnsupportedUrlScheme,
                url,
            ));
        }
        let u = url.to_string();
        let res = self
            .client
            .get(url)
            .send()
            .await
            .map_err(|e| TransportError::new_with_cause(TransportErrorKind::Other, &u, e))?;
        match res.status().as_u16() {
            200 => {}
            404 | 403 => {
                return Err(TransportError::new(TransportErrorKind::FileNotFound, &u));
            }
            s => {
                return Err(TransportError::new_with_cause(
                    TransportErrorKind::Other,
                    &u,
                    format!("HTTP status {s}"),
                ))
            }
        }
        let stream = res
            .bytes_stream()
            .map_err(move |e| TransportError::new_with_cause(TransportErrorKind::Other, &u, e));
        Ok(Box::pin(stream))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A server that sends one chunk and then trickles nothing: every read
    /// would wait, and without an overall deadline the download never ends.
    #[tokio::test]
    async fn a_trickling_download_ends_at_its_deadline_and_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let dest = dir.path().join("custodian-9.9.9-x86_64.tar.gz");
        let first = futures_util::stream::iter([Ok::<_, std::io::Error>(vec![0u8; 16])]);
        let stream = futures_util::StreamExt::chain(first, futures_util::stream::pending());
        #[allow(clippy::disallowed_methods)] // measures the test itself
        let start = std::time::Instant::now();
        let r = save_within(stream, &dest, Duration::from_millis(300)).await;
        assert!(
            r.as_ref()
                .is_err_and(|e| e.contains("download-deadline-secs")),
            "{r:?}"
        );
        assert!(start.elapsed() < Duration::from_secs(5));
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .map(|d| d.flatten().map(|e| e.file_name()).collect())
            .unwrap_or_default();
        assert!(left.is_empty(), "{left:?}");
        // A stream that ends in time is saved whole.
        let whole = futures_util::stream::iter([Ok::<_, std::io::Error>(b"abc".to_vec())]);
        save_within(whole, &dest, Duration::from_secs(5))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(std::fs::read(&dest).unwrap_or_default(), b"abc");
    }
}
