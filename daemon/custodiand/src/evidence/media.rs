//! Evidence files attached to bulletins: accepted by [`uploads::verdict`],
//! kept encrypted in the [`Store`], recorded with their SHA-256 and their
//! key wrapped by Vault transit, read back only through the bulletin's
//! access predicate.

use std::time::Duration;

use custodian_vault::{transit, Client};
use secrecy::ExposeSecret;
use serde_json::json;

use super::act_as;
use super::store::{Finished, Store, StoreError};
use super::uploads::{self, AllowedType, Refusal, UploadPolicy};
use crate::db::{Database, DbError};
use crate::identity::accounts::{audit, AccountError};
use crate::policy::{AccessMedia, Permit};

/// Transit key that wraps per-file keys.
const WRAP_KEY: &str = "custodian-fields";

pub struct Media {
    pub store: Store,
    /// Exports waiting for approval or download, encrypted the same way.
    pub exports: Store,
    pub policy: UploadPolicy,
    orphan_age: Duration,
    pub export_ttl: Duration,
}

impl Media {
    pub fn open(settings: &crate::config::StorageConfig) -> Result<Self, String> {
        let mut policy = UploadPolicy::builtin()?;
        if let Some(max) = settings.max_upload_bytes {
            policy.max_bytes = policy.max_bytes.min(max);
        }
        let store = Store::open(&settings.dir).map_err(|e| {
            format!(
                "{e} (storage.dir {}: it must be a directory the daemon's account may write)",
                settings.dir.display()
            )
        })?;
        let exports = Store::open(&settings.dir.join("exports")).map_err(|e| e.to_string())?;
        Ok(Self {
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

fn vault_err(e: custodian_vault::VaultError) -> AccountError {
    AccountError::Db(DbError::Vault(e))
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
) -> Result<Stored, AccountError> {
    let actor = permit.actor();
    let wrapped = transit::encrypt(vault, "transit", WRAP_KEY, done.key.as_ref())
        .await
        .map_err(vault_err)?;
    let (sha256, size) = (done.sha256.clone(), done.size as i64);
    let object = media
        .store
        .keep(done)
        .await
        .map_err(|e| AccountError::Internal(e.to_string()))?;
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
        Ok::<_, AccountError>(id)
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
    pub uploaded_by: String,
    pub uploaded: String,
}

pub async fn list(
    db: &Database,
    permit: &Permit<AccessMedia>,
    bulletin_id: i64,
) -> Result<Vec<Listed>, AccountError> {
    let actor = permit.actor();
    let mut c = db.client().await?;
    let tx = c.transaction().await?;
    act_as(&tx, actor).await?;
    let rows = tx
        .query(
            "SELECT m.id, m.original_name, m.mime, m.size_bytes, m.sha256, m.uploaded_by, u.username, \
             to_char(m.uploaded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI \"UTC\"') \
             FROM media m JOIN app_user u ON u.id = m.uploaded_by WHERE m.bulletin_id = $1 ORDER BY m.id",
            &[&bulletin_id],
        )
        .await?;
    tx.commit().await?;
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

pub struct Download {
    pub name: String,
    pub mime: String,
    pub bytes: Vec<u8>,
}

/// The file `id`, if the actor may see its bulletin; the download is
/// recorded.
pub async fn fetch(
    db: &Database,
    vault: &Client,
    media: &Media,
    permit: &Permit<AccessMedia>,
    username: &str,
    id: i64,
) -> Result<Option<Download>, AccountError> {
    let actor = permit.actor();
    let mut c = db.client().await?;
    let tx = c.transaction().await?;
    act_as(&tx, actor).await?;
    let Some(row) = tx
        .query_opt(
            "SELECT object_name, wrapped_key, original_name, mime, bulletin_id, sha256 FROM media WHERE id = $1",
            &[&id],
        )
        .await?
    else {
        return Ok(None);
    };
    let (object, wrapped, name, mime, bulletin_id, sha256): (
        String,
        String,
        String,
        String,
        i64,
        String,
    ) = (
        row.get(0),
        row.get(1),
        row.get(2),
        row.get(3),
        row.get(4),
        row.get(5),
    );
    audit(
        &*tx,
        username,
        "media.downloaded",
        &format!("bulletin/{bulletin_id}"),
        json!({"media": id, "sha256": sha256}),
    )
    .await?;
    tx.commit().await?;
    let key = transit::decrypt(vault, "transit", WRAP_KEY, &wrapped)
        .await
        .map_err(vault_err)?;
    let bytes = media
        .store
        .read(&object, key.expose_secret())
        .await
        .map_err(|e: StoreError| AccountError::Internal(e.to_string()))?;
    Ok(Some(Download { name, mime, bytes }))
}

pub struct Described {
    pub name: String,
    pub mime: String,
    pub size: u64,
}

/// What `fetch` would serve for `id`, under the same visibility, from the
/// database alone: for HEAD, which neither reads nor decrypts the object
/// and is not a download (nothing is recorded).
pub async fn describe(
    db: &Database,
    permit: &Permit<AccessMedia>,
    id: i64,
) -> Result<Option<Described>, AccountError> {
    let actor = permit.actor();
    let mut c = db.client().await?;
    let tx = c.transaction().await?;
    act_as(&tx, actor).await?;
    let row = tx
        .query_opt(
            "SELECT original_name, mime, size_bytes FROM media WHERE id = $1",
            &[&id],
        )
        .await?;
    tx.commit().await?;
    Ok(row.map(|r| Described {
        name: r.get(0),
        mime: r.get(1),
        size: u64::try_from(r.get::<_, i64>(2)).unwrap_or(0),
    }))
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
