//! Evidence files attached to bulletins: accepted by [`uploads::verdict`],
//! kept encrypted in the [`Store`], recorded with their SHA-256 and their
//! key wrapped by Vault transit, read back only through the bulletin's
//! access predicate.

use std::time::{Duration, SystemTime};

use custodian_vault::wrapping::{self, Purpose};
use custodian_vault::Client;
use secrecy::ExposeSecret;
use serde_json::json;

use super::act_as;
use super::store::{Finished, Reader, Store, StoreError};
use super::uploads::{self, AllowedType, Refusal, UploadPolicy};
use crate::error::CoreError;
use crate::identity::accounts::audit;
use crate::policy::{AccessMedia, Permit, Shown};
use crate::pool::{Database, DbError};

/// Why the media store could not be opened at start.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error(transparent)]
    Policy(#[from] crate::error::PolicyFileError),
    #[error("storage.dir {dir}: {source} (it must be a directory the daemon's account may write)", dir = dir.display())]
    Store {
        dir: std::path::PathBuf,
        source: super::store::StoreError,
    },
    #[error("storage.dir {dir} is in use by another custodiand (it holds {IN_USE_FILE}): stop that one first; two daemons on one store would sweep each other's uploads away", dir = dir.display())]
    InUse { dir: std::path::PathBuf },
    #[error("storage.dir {dir}: cannot lock {IN_USE_FILE}: {source}", dir = dir.display())]
    Lock {
        dir: std::path::PathBuf,
        source: std::io::Error,
    },
}

/// The file in the media store's root that a serving custodiand holds an
/// exclusive lock on (flock), for its whole life: a second daemon on the
/// same store refuses to start, and `custodianctl backup restore` refuses
/// to overwrite a store that is being served. The lock goes with the
/// process, however it ends.
pub const IN_USE_FILE: &str = ".in-use";

fn hold(dir: &std::path::Path) -> Result<nix::fcntl::Flock<std::fs::File>, OpenError> {
    use std::os::unix::fs::OpenOptionsExt;
    let lock = |source| OpenError::Lock {
        dir: dir.to_owned(),
        source,
    };
    let f = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .mode(0o600)
        .open(dir.join(IN_USE_FILE))
        .map_err(lock)?;
    match nix::fcntl::Flock::lock(f, nix::fcntl::FlockArg::LockExclusiveNonblock) {
        Ok(held) => Ok(held),
        Err((_, nix::errno::Errno::EWOULDBLOCK)) => Err(OpenError::InUse {
            dir: dir.to_owned(),
        }),
        Err((_, e)) => Err(lock(e.into())),
    }
}

pub struct Media {
    /// Locked while this process serves the store ([`IN_USE_FILE`]).
    _in_use: nix::fcntl::Flock<std::fs::File>,
    pub store: Store,
    /// Exports waiting for approval or download, encrypted the same way.
    pub exports: Store,
    pub policy: UploadPolicy,
    orphan_age: Duration,
    pub export_ttl: Duration,
}

impl Media {
    pub fn open(settings: &crate::config::StorageConfig) -> Result<Self, OpenError> {
        let mut policy = UploadPolicy::builtin()?;
        if let Some(max) = settings.max_upload_bytes {
            policy.max_bytes = policy.max_bytes.min(max);
        }
        let open = |dir: std::path::PathBuf| {
            Store::open(&dir).map_err(|source| OpenError::Store { dir, source })
        };
        let store = open(settings.dir.clone())?;
        let in_use = hold(&settings.dir)?;
        let exports = open(settings.dir.join("exports"))?;
        Ok(Self {
            _in_use: in_use,
            store,
            exports,
            policy,
            orphan_age: Duration::from_secs(settings.orphan_minutes * 60),
            export_ttl: Duration::from_secs(settings.export_ttl_minutes * 60),
        })
    }

    /// Removes interrupted uploads and unrecorded objects, every `every`.
    pub async fn sweep_forever(
        self: std::sync::Arc<Self>,
        db: std::sync::Arc<Database>,
        every: Duration,
    ) {
        loop {
            tokio::time::sleep(every).await;
            match super::exports::clean_up(&db, &self.exports).await {
                Ok(n) if n > 0 => {
                    tracing::info!(target: "exports", removed = n, "expired exports removed")
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(target: "exports", error = %e, "export clean-up skipped"),
            }
            let mut known = std::collections::HashSet::new();
            let names = self.store.object_names();
            let checked = async {
                let c = db.client().await?;
                let pg: &tokio_postgres::Client = &c;
                for name in &names {
                    let row = pg
                        .query_one("SELECT custodian_media_object_known($1)", &[name])
                        .await
                        .map_err(|e| DbError::Unavailable(e.to_string()))?;
                    if row.get::<_, bool>(0) {
                        known.insert(name.clone());
                    }
                }
                Ok::<_, DbError>(())
            }
            .await;
            if let Err(e) = checked {
                // Without the database nothing can be called unknown.
                tracing::warn!(target: "media", error = %e, "orphan sweep skipped");
                continue;
            }
            let removed = self.store.sweep(self.orphan_age, &|n| known.contains(n));
            if removed > 0 {
                tracing::info!(target: "media", removed, "orphaned uploads removed");
                let _ = db
                    .record(
                        "custodiand",
                        "media.orphans_removed",
                        "",
                        &json!({"count": removed}),
                    )
                    .await;
            }
        }
    }
}

fn vault_err(e: custodian_vault::VaultError) -> CoreError {
    CoreError::Db(DbError::Vault(e))
}

pub struct Stored {
    pub id: i64,
    pub sha256: String,
}

/// Records an accepted upload on `bulletin_id`: the object is kept only if
/// the row is written.
#[allow(clippy::too_many_arguments)]
pub async fn record(
    db: &Database,
    vault: &Client,
    media: &Media,
    permit: &Permit<AccessMedia>,
    username: &str,
    bulletin_id: i64,
    done: Finished,
    kind: &AllowedType,
    name: &str,
) -> Result<Stored, CoreError> {
    let actor = permit.actor();
    // Wrapped for media and for this file (its SHA-256 is the context): a
    // wrapped key copied to another row, or to an export, does not unwrap.
    let wrapped = wrapping::wrap(vault, Purpose::Media, &done.sha256, done.key.as_ref())
        .await
        .map_err(vault_err)?;
    let (sha256, size) = (done.sha256.clone(), done.size as i64);
    let object = media
        .store
        .keep(done)
        .await
        .map_err(|e| CoreError::Internal(e.to_string()))?;
    let written = async {
        let mut c = db.client().await?;
        let tx = c.transaction().await?;
        act_as(&tx, actor).await?;
        let id: i64 = tx
            .query_one(
                "INSERT INTO media (bulletin_id, object_name, sha256, size_bytes, mime, original_name, wrapped_key, uploaded_by) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                &[&bulletin_id, &object, &sha256, &size, &kind.mime, &name, &wrapped, &actor.user_id],
            )
            .await?
            .get(0);
        audit(
            &*tx,
            username,
            "media.uploaded",
            &format!("bulletin/{bulletin_id}"),
            json!({"media": id, "sha256": sha256, "bytes": size, "type": kind.mime}),
        )
        .await?;
        tx.commit().await?;
        Ok::<_, CoreError>(id)
    }
    .await;
    match written {
        Ok(id) => Ok(Stored { id, sha256 }),
        Err(e) => {
            media.store.forget(&object).await;
            Err(e)
        }
    }
}

pub struct Listed {
    pub id: i64,
    pub name: String,
    pub mime: String,
    pub size: i64,
    pub sha256: String,
    pub uploaded_by: Shown,
    pub uploaded: SystemTime,
}

/// The files of a bulletin, in a transaction that already names the
/// permit's actor (row-level security through the bulletin).
pub(crate) async fn list_in(
    tx: &deadpool_postgres::Transaction<'_>,
    permit: &Permit<AccessMedia>,
    bulletin_id: i64,
) -> Result<Vec<Listed>, CoreError> {
    let actor = permit.actor();
    let rows = super::rows(
        tx,
        "SELECT m.id, m.original_name, m.mime, m.size_bytes, m.sha256, m.uploaded_by, \
         (SELECT u.username FROM app_user u WHERE u.id = m.uploaded_by), m.uploaded_at \
         FROM media m WHERE m.bulletin_id = $1 ORDER BY m.id",
        &[&bulletin_id],
    )
    .await?;
    Ok(rows
        .iter()
        .map(|r| Listed {
            id: r.get(0),
            name: r.get(1),
            mime: r.get(2),
            size: r.get(3),
            sha256: r.get(4),
            uploaded_by: actor.shows_user(r.get(5), r.get(6)),
            uploaded: r.get(7),
        })
        .collect())
}

/// A file as its row describes it, found under the bulletin's visibility.
/// Its bytes come only through [`Found::release`], which records the
/// download first: no code path hands out plaintext unrecorded.
pub struct Found {
    pub id: i64,
    pub name: String,
    pub mime: String,
    /// The plaintext length recorded at upload.
    pub size: u64,
    bulletin_id: i64,
    sha256: String,
    object: String,
    wrapped: String,
}

/// The file `id`, if the actor may see its bulletin, from the database
/// alone: nothing is read, decrypted or recorded. HEAD answers from this
/// (link checkers and download managers probing the size are not
/// downloads), and a GET decides its range from `size` before it costs
/// a Vault call or a file read.
pub async fn find(
    db: &Database,
    permit: &Permit<AccessMedia>,
    id: i64,
) -> Result<Option<Found>, CoreError> {
    let actor = permit.actor();
    let mut c = db.client().await?;
    let tx = c.transaction().await?;
    act_as(&tx, actor).await?;
    let row = tx
        .query_opt(
            "SELECT original_name, mime, size_bytes, bulletin_id, sha256, object_name, wrapped_key \
             FROM media WHERE id = $1",
            &[&id],
        )
        .await?;
    tx.commit().await?;
    Ok(row.map(|r| Found {
        id,
        name: r.get(0),
        mime: r.get(1),
        size: u64::try_from(r.get::<_, i64>(2)).unwrap_or(0),
        bulletin_id: r.get(3),
        sha256: r.get(4),
        object: r.get(5),
        wrapped: r.get(6),
    }))
}

impl Found {
    /// Opens the object for streaming and records the download of `range`
    /// (`start..end`, `None` for the whole file) before any byte is
    /// served. The object is opened first, so a file that cannot be read
    /// is not recorded as handed out; its length must be the recorded
    /// one, or it is refused as damaged.
    pub async fn release(
        self,
        db: &Database,
        vault: &Client,
        media: &Media,
        permit: &Permit<AccessMedia>,
        username: &str,
        range: Option<(u64, u64)>,
    ) -> Result<Reader, ReleaseError> {
        let key = wrapping::unwrap(vault, Purpose::Media, &self.sha256, &self.wrapped)
            .await
            .map_err(vault_err)?;
        let path = media.store.object_path(&self.object)?;
        let reader =
            tokio::task::spawn_blocking(move || Reader::open(path, key.expose_secret())).await??;
        if reader.len() != self.size {
            return Err(StoreError::Corrupt(self.object).into());
        }
        let mut details = json!({"media": self.id, "sha256": self.sha256});
        if let Some((start, end)) = range {
            // Each ranged GET hands out evidence bytes, so each is
            // recorded, never only the first: otherwise a file could be
            // fetched in pieces unrecorded. The range tells a reviewer a
            // player's seek (many short entries) from a full copy. Players
            // ask again as the viewer seeks, so one viewing may leave
            // several entries; that is the price of recording every
            // release.
            details["range"] = json!(format!("bytes {start}-{}/{}", end - 1, self.size));
        }
        let recorded = async {
            let mut c = db.client().await?;
            let tx = c.transaction().await?;
            act_as(&tx, permit.actor()).await?;
            audit(
                &*tx,
                username,
                "media.downloaded",
                &format!("bulletin/{}", self.bulletin_id),
                details,
            )
            .await?;
            tx.commit().await?;
            Ok::<_, CoreError>(())
        };
        recorded.await?;
        Ok(reader)
    }
}

/// Why a file could not be handed out; each keeps its cause.
#[derive(Debug, thiserror::Error)]
pub enum ReleaseError {
    #[error(transparent)]
    Account(#[from] CoreError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("opening a media object on the blocking pool: {0}")]
    Task(#[from] tokio::task::JoinError),
}

/// Applies the verdict to a finished upload.
pub fn accept<'p>(
    policy: &'p UploadPolicy,
    done: &Finished,
    name: &str,
    declared: &str,
) -> Result<&'p AllowedType, Refusal> {
    uploads::verdict(policy, &done.head, &done.tail, done.size, name, declared)
}
