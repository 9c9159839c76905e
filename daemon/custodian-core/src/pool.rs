//! PostgreSQL with credentials that rotate underneath a live pool.
//!
//! Each set of Vault credentials gets its own pool (a "generation"). A
//! request takes the current generation's pool; on rotation a new pool is
//! built and tested, swapped in, and the old one is drained (its in-flight
//! queries finish) before its lease is revoked, which drops the old user.
//! Nothing fails while this happens.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use arc_swap::ArcSwap;
use custodian_db::{audit, migrations};
use custodian_vault::database::{self, DbCredentials};
use custodian_vault::{transit, Session, VaultError};
use deadpool_postgres::{Manager, ManagerConfig, Object, Pool, RecyclingMethod, Runtime};
use secrecy::ExposeSecret;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::time::Instant;

use crate::config::DatabaseConfig;

/// Where the pool reports the problems it works around (credentials it
/// could not renew, a checkpoint it could not sign), so that `/readyz`
/// and the activity log show them; `health::Health` is the one used.
pub trait Problems: Send + Sync {
    /// Records (or, with `None`, clears) a problem of one component.
    fn set_problem(&self, component: &'static str, problem: Option<String>);
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("database credentials from Vault: {0}")]
    Vault(#[from] VaultError),
    #[error("cannot connect to PostgreSQL at {target} as the runtime user: {reason}; check database.host/port/dbname and that PostgreSQL is running")]
    Connect { target: String, reason: String },
    #[error("the database schema is at version {db}; this custodiand needs version {expected}: run `custodianctl migrate`")]
    SchemaOlder { db: i32, expected: i32 },
    #[error("the database schema is at version {db}, newer than this custodiand ({expected}), and migration {breaking} changed what older releases rely on: install the custodiand that matches it")]
    SchemaNewer {
        db: i32,
        expected: i32,
        breaking: i32,
    },
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    /// No connection from the pool: kept whole, because which kind it is
    /// (every connection busy, or PostgreSQL not answering) decides what
    /// the person at the browser is told (`load::cause_of`).
    #[error("database pool: {0}")]
    Pool(#[source] deadpool_postgres::PoolError),
    /// A statement failed; its SQLSTATE (e.g. 57014, statement timeout)
    /// is kept for the same reason.
    #[error("database: {0}")]
    Postgres(#[source] tokio_postgres::Error),
    #[error("database: {0}")]
    Query(#[from] custodian_db::DbError),
    /// The failure of a group of activity entries written together, told
    /// to each request of the group (`load::cause_of` opens it).
    #[error("{0}")]
    Grouped(#[source] Arc<DbError>),
}

struct Lease {
    ttl: Duration,
    obtained: Instant,
}

struct Generation {
    number: u64,
    pool: Pool,
    username: String,
    lease_id: String,
    renewable: bool,
    /// A dynamic user has a lease to revoke; a static role's user does not.
    dynamic: bool,
    /// The TTL first granted; renewals ask for it again.
    wanted: Duration,
    lease: Mutex<Lease>,
}

pub struct Database {
    /// Record views waiting for the group writer ([`Database::record_grouped`]).
    grouped: mpsc::Sender<Grouped>,
    /// Serialises refreshes of static credentials.
    refreshing: tokio::sync::Mutex<()>,
    current: ArcSwap<Generation>,
    settings: DatabaseConfig,
    session: Arc<Session>,
    health: Arc<dyn Problems>,
}

impl Database {
    /// Fetches credentials, connects, and checks the schema version.
    pub async fn start(
        session: Arc<Session>,
        settings: DatabaseConfig,
        health: Arc<dyn Problems>,
    ) -> Result<Arc<Self>, DbError> {
        let generation = new_generation(&session, &settings, 1).await?;
        let expected = migrations::expected_version();
        let (db, compatible_from) = {
            let client = generation.pool.get().await.map_err(DbError::Pool)?;
            let db = migrations::current_version(&client).await?;
            // Only a newer schema needs the second question; an older
            // bookkeeping view does not have the column.
            let from = if db > expected {
                migrations::compatible_from(&client).await?
            } else {
                0
            };
            (db, from)
        };
        if db < expected {
            revoke_quietly(&session, &generation.lease_id).await;
            return Err(DbError::SchemaOlder { db, expected });
        }
        if compatible_from > expected {
            revoke_quietly(&session, &generation.lease_id).await;
            return Err(DbError::SchemaNewer {
                db,
                expected,
                breaking: compatible_from,
            });
        }
        if db > expected {
            // What a rollback after an update's additive migrations looks like.
            tracing::warn!(target: "database", schema = db, expected, "the schema is newer than this custodiand; the newer migrations only add, so it runs");
        }
        tracing::info!(target: "database", user = %generation.username, schema = db, "connected to PostgreSQL");
        let (grouped, waiting) = mpsc::channel(GROUP_QUEUE);
        let db = Arc::new(Self {
            grouped,
            refreshing: tokio::sync::Mutex::new(()),
            current: ArcSwap::from_pointee(generation),
            settings,
            session,
            health,
        });
        tokio::spawn(write_groups(Arc::downgrade(&db), waiting));
        Ok(db)
    }

    /// A connection from the current pool, or `Pool` within the acquire
    /// timeout (the caller answers 503 naming the cause).
    pub async fn client(&self) -> Result<Object, DbError> {
        let pool = self.current.load().pool.clone();
        match pool.get().await {
            Ok(c) => Ok(c),
            // A static role's password was rotated by Vault: the sessions we
            // hold survive it, new logins need the new password. Fetch it
            // and try once more.
            Err(deadpool_postgres::PoolError::Backend(e))
                if self.settings.vault_static_role.is_some()
                    && e.code() == Some(&tokio_postgres::error::SqlState::INVALID_PASSWORD) =>
            {
                self.refresh_static("PostgreSQL refused the old password")
                    .await?;
                let pool = self.current.load().pool.clone();
                pool.get().await.map_err(DbError::Pool)
            }
            Err(e) => Err(DbError::Pool(e)),
        }
    }

    /// The current pool's size, connections in use and waiters.
    pub fn pool_status(&self) -> deadpool_postgres::Status {
        self.current.load().pool.status()
    }

    /// Static role: takes the current password from Vault and, if Vault
    /// rotated it since we last looked, builds a new pool with it.
    async fn refresh_static(&self, reason: &str) -> Result<(), DbError> {
        let _one_at_a_time = self.refreshing.lock().await;
        let role = self
            .settings
            .vault_static_role
            .as_deref()
            .unwrap_or_default();
        let creds =
            database::static_credentials(self.session.client(), &self.settings.vault_mount, role)
                .await?;
        let held = self.current.load_full();
        if creds.lease_id == held.lease_id {
            let mut lease = held.lease.lock().unwrap_or_else(|p| p.into_inner());
            lease.ttl = creds.lease_duration;
            lease.obtained = creds.obtained;
            return Ok(());
        }
        self.rotate(reason).await
    }

    /// Records an event in the activity log.
    pub async fn record(
        &self,
        actor: &str,
        action: &str,
        target: &str,
        details: &serde_json::Value,
    ) -> Result<i64, DbError> {
        let client = self.client().await?;
        let pg: &tokio_postgres::Client = &client;
        audit::record(pg, actor, action, target, details)
            .await
            .map_err(from_audit)
    }

    /// [`Self::record`] for the entries that every page view writes (who
    /// opened which record): the request waits until its entry is
    /// committed, as with [`Self::record`], but the entries of requests
    /// that arrive together are written by one statement and one commit.
    /// Under load that is one lock of the chain's head and one WAL flush
    /// for dozens of views instead of one each; alone, it costs what
    /// [`Self::record`] does.
    pub async fn record_grouped(
        &self,
        actor: &str,
        action: &str,
        target: &str,
    ) -> Result<(), DbError> {
        let (done, written) = oneshot::channel();
        let entry = Grouped {
            actor: actor.to_owned(),
            action: action.to_owned(),
            target: target.to_owned(),
            done,
        };
        if self.grouped.send(entry).await.is_err() {
            return Err(DbError::Unavailable(
                "the activity log's writer has stopped".into(),
            ));
        }
        match written.await {
            Ok(result) => result.map_err(DbError::Grouped),
            Err(_) => Err(DbError::Unavailable(
                "the activity log's writer has stopped".into(),
            )),
        }
    }

    async fn write_group(&self, group: &[Grouped]) -> Result<(), DbError> {
        let entries: Vec<(&str, &str, &str)> = group
            .iter()
            .map(|g| (g.actor.as_str(), g.action.as_str(), g.target.as_str()))
            .collect();
        let client = self.client().await?;
        let pg: &tokio_postgres::Client = &client;
        audit::record_many(pg, &entries).await.map_err(from_audit)
    }

    /// [`Self::record`] for an entry about something already done (a
    /// sign-out, a refusal, a finished upload): it cannot be undone, so a
    /// failure to write the entry is logged with its cause, not answered.
    pub async fn record_after(
        &self,
        actor: &str,
        action: &str,
        target: &str,
        details: &serde_json::Value,
    ) {
        if let Err(e) = self.record(actor, action, target, details).await {
            tracing::warn!(target: "activity", %action, error = %e, "activity entry not written");
        }
    }

    /// The Vault user the pool currently connects as.
    pub fn current_user(&self) -> String {
        self.current.load().username.clone()
    }

    /// Renews the lease at two thirds of its TTL and rotates to new
    /// credentials when renewal is capped by max_ttl, refused, or after a
    /// Vault re-login (which revoked every lease of the old token).
    pub async fn maintain(self: Arc<Self>, mut relogins: watch::Receiver<u64>) {
        let mut failures: u32 = 0;
        loop {
            let g = self.current.load_full();
            let due = {
                let lease = g.lease.lock().unwrap_or_else(|p| p.into_inner());
                lease.obtained + lease.ttl.mul_f64(2.0 / 3.0)
            };
            let wait = if failures > 0 {
                custodian_vault::backoff(failures, Duration::from_secs(30))
            } else {
                Duration::ZERO
            };
            if self.settings.vault_static_role.is_some() {
                // Look again just after Vault's next scheduled rotation.
                let next = {
                    let lease = g.lease.lock().unwrap_or_else(|p| p.into_inner());
                    lease.obtained + lease.ttl + Duration::from_secs(1)
                };
                tokio::select! {
                    _ = tokio::time::sleep_until(next.max(Instant::now() + wait.max(Duration::from_secs(1)))) => {}
                    _ = relogins.changed() => {}
                }
                let result = self
                    .refresh_static("Vault rotated the static role's password")
                    .await;
                self.settle(result, &mut failures);
                continue;
            }
            let relogin = tokio::select! {
                _ = tokio::time::sleep_until(due.max(Instant::now() + wait)) => false,
                changed = relogins.changed() => changed.is_ok(),
            };
            let result = if relogin {
                self.rotate("Vault re-login revoked the old lease").await
            } else if !g.renewable {
                self.rotate("the lease is not renewable").await
            } else {
                match database::renew(self.session.client(), &g.lease_id, g.wanted).await {
                    Ok(granted)
                        if granted >= g.wanted.mul_f64(0.5) && granted > Duration::from_secs(5) =>
                    {
                        let mut lease = g.lease.lock().unwrap_or_else(|p| p.into_inner());
                        lease.ttl = granted;
                        lease.obtained = Instant::now();
                        Ok(())
                    }
                    // OpenBao caps renewals at max_ttl without an error.
                    Ok(_) => self.rotate("the lease is reaching its max_ttl").await,
                    Err(VaultError::Denied { .. })
                    | Err(VaultError::Status { status: 400, .. }) => {
                        self.rotate("Vault refused to renew the lease").await
                    }
                    Err(e) => Err(DbError::Vault(e)),
                }
            };
            self.settle(result, &mut failures);
        }
    }

    /// Health and back-off after a credential renewal, refresh or rotation.
    fn settle(&self, result: Result<(), DbError>, failures: &mut u32) {
        match result {
            Ok(()) => {
                *failures = 0;
                self.health.set_problem("database-credentials", None);
            }
            Err(e) => {
                if matches!(e, DbError::Vault(VaultError::Denied { .. })) {
                    self.session.token_rejected();
                }
                *failures += 1;
                tracing::warn!(target: "database", error = %e, "database credential maintenance failed; the current pool stays in use");
                self.health.set_problem(
                    "database-credentials",
                    Some(format!("renewal or rotation failing: {e}")),
                );
            }
        }
    }

    async fn rotate(&self, reason: &str) -> Result<(), DbError> {
        let old = self.current.load_full();
        let fresh = new_generation(&self.session, &self.settings, old.number + 1).await?;
        let new_user = fresh.username.clone();
        let pool = fresh.pool.clone();
        let old = self.current.swap(Arc::new(fresh));
        tracing::info!(target: "database", reason, old_user = %old.username, new_user = %new_user, "database credentials rotated");
        let details =
            serde_json::json!({"reason": reason, "old_user": old.username, "new_user": new_user});
        // Straight through the new pool: recording through `client()` could
        // come back here.
        let recorded = match pool.get().await {
            Ok(c) => {
                let pg: &tokio_postgres::Client = &c;
                audit::record(
                    pg,
                    "custodiand",
                    "secret.rotated",
                    "database-credentials",
                    &details,
                )
                .await
                .map(|_| ())
                .map_err(DbError::from)
            }
            Err(e) => Err(DbError::Pool(e)),
        };
        if let Err(e) = recorded {
            tracing::warn!(target: "database", error = %e, "could not record the rotation in the activity log");
        }
        let session = Arc::clone(&self.session);
        let drain = Duration::from_secs(self.settings.drain_secs);
        tokio::spawn(drain_and_revoke(old, session, drain));
        Ok(())
    }

    /// Signs the newest activity-log entry at the configured interval.
    pub async fn checkpoints(self: Arc<Self>) {
        let every = Duration::from_secs(self.settings.checkpoint_interval_secs);
        let mut last_signed: Option<i64> = None;
        loop {
            tokio::time::sleep(every).await;
            match self.checkpoint(last_signed).await {
                Ok(Some(seq)) => {
                    last_signed = Some(seq);
                    self.health.set_problem("audit-checkpoint", None);
                }
                Ok(None) => {}
                Err(e) => {
                    tracing::warn!(target: "audit", error = %e, "could not sign an activity-log checkpoint");
                    self.health
                        .set_problem("audit-checkpoint", Some(format!("signing failing: {e}")));
                }
            }
        }
    }

    async fn checkpoint(&self, last_signed: Option<i64>) -> Result<Option<i64>, DbError> {
        let client = self.client().await?;
        let pg: &tokio_postgres::Client = &client;
        let Some((seq, hash)) = audit::head(pg).await? else {
            return Ok(None);
        };
        if last_signed == Some(seq) {
            return Ok(None);
        }
        let signature = transit::sign(
            self.session.client(),
            "transit",
            "custodian-audit",
            &audit::checkpoint_message(seq, &hash),
        )
        .await?;
        audit::store_checkpoint(pg, seq, &hash, &signature).await?;
        tracing::info!(target: "audit", seq, "activity log checkpoint signed");
        Ok(Some(seq))
    }
}

/// An activity-log write's failure, with a PostgreSQL error kept as one
/// (its SQLSTATE decides what the person at the browser is told).
fn from_audit(e: custodian_db::DbError) -> DbError {
    match e {
        custodian_db::DbError::Postgres(p) => DbError::Postgres(p),
        other => DbError::Query(other),
    }
}

/// At most this many entries in one statement of the group writer.
const GROUP_MAX: usize = 256;
/// Entries that may wait for the writer; a request beyond waits to queue.
const GROUP_QUEUE: usize = 4096;

/// An entry for the group writer and where to tell its request the outcome.
struct Grouped {
    actor: String,
    action: String,
    target: String,
    done: oneshot::Sender<Result<(), Arc<DbError>>>,
}

/// The group writer: takes what is waiting (up to [`GROUP_MAX`]), writes
/// it in one statement, tells each request, and goes on. It adds no delay
/// of its own: a lone entry is written at once, and entries gather only
/// while a write is in flight. It ends with the [`Database`].
async fn write_groups(db: std::sync::Weak<Database>, mut waiting: mpsc::Receiver<Grouped>) {
    while let Some(first) = waiting.recv().await {
        let mut group = vec![first];
        while group.len() < GROUP_MAX {
            match waiting.try_recv() {
                Ok(next) => group.push(next),
                Err(_) => break,
            }
        }
        let Some(db) = db.upgrade() else {
            return;
        };
        let result = db.write_group(&group).await.map_err(Arc::new);
        drop(db);
        if let Err(e) = &result {
            tracing::warn!(target: "activity", entries = group.len(), error = %e, "record views not written; the requests are refused");
        }
        for g in group {
            let _ = g.done.send(result.clone());
        }
    }
}

async fn new_generation(
    session: &Session,
    s: &DatabaseConfig,
    number: u64,
) -> Result<Generation, DbError> {
    let creds: DbCredentials = match &s.vault_static_role {
        Some(role) => database::static_credentials(session.client(), &s.vault_mount, role).await?,
        None => database::credentials(session.client(), &s.vault_mount, &s.vault_role).await?,
    };
    let mut pg = tokio_postgres::Config::new();
    pg.host(&s.host)
        .port(s.port)
        .dbname(&s.dbname)
        .user(&creds.username)
        .password(creds.password.expose_secret().as_bytes())
        .application_name("custodiand")
        .connect_timeout(Duration::from_millis(s.connect_timeout_ms))
        .options(format!(
            "-c statement_timeout={} -c idle_in_transaction_session_timeout={}",
            s.statement_timeout_ms, s.statement_timeout_ms
        ));
    let manager = Manager::from_config(
        pg,
        tokio_postgres::NoTls,
        ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        },
    );
    // The wait for a free connection is short (then 503, "overloaded");
    // opening a new one may take longer on a busy machine without the
    // database being unreachable.
    let wait = Some(Duration::from_millis(s.acquire_timeout_ms));
    let connect = Some(Duration::from_millis(s.connect_timeout_ms));
    let target = format!("{}:{}/{}", s.host, s.port, s.dbname);
    let pool = Pool::builder(manager)
        .max_size(s.pool_size)
        .wait_timeout(wait)
        .create_timeout(connect)
        .recycle_timeout(connect)
        .runtime(Runtime::Tokio1)
        .build()
        .map_err(|e| DbError::Connect {
            target: target.clone(),
            reason: e.to_string(),
        })?;
    // A new generation must work before it replaces the old one.
    let probe = async {
        let c = pool.get().await.map_err(|e| e.to_string())?;
        c.simple_query("SELECT 1")
            .await
            .map_err(|e| e.to_string())?;
        Ok::<(), String>(())
    };
    if let Err(reason) = probe.await {
        if s.vault_static_role.is_none() {
            revoke_quietly(session, &creds.lease_id).await;
        }
        return Err(DbError::Connect { target, reason });
    }
    Ok(Generation {
        number,
        pool,
        username: creds.username,
        lease_id: creds.lease_id,
        renewable: creds.renewable,
        dynamic: s.vault_static_role.is_none(),
        wanted: creds.lease_duration,
        lease: Mutex::new(Lease {
            ttl: creds.lease_duration,
            obtained: creds.obtained,
        }),
    })
}

/// Waits until no connection of the old pool is in use (or the grace
/// period ends), closes it, then revokes its lease.
async fn drain_and_revoke(old: Arc<Generation>, session: Arc<Session>, grace: Duration) {
    let start = Instant::now();
    loop {
        let status = old.pool.status();
        let in_use = status.size.saturating_sub(status.available);
        if in_use == 0 || start.elapsed() >= grace {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    old.pool.close();
    if !old.dynamic {
        tracing::info!(target: "database", user = %old.username, "connections with the old static-role password drained");
        return;
    }
    match database::revoke(session.client(), &old.lease_id).await {
        Ok(()) => {
            tracing::info!(target: "database", user = %old.username, "old database credentials revoked after draining")
        }
        Err(e) => {
            tracing::warn!(target: "database", user = %old.username, error = %e, "could not revoke old database credentials; Vault will expire them")
        }
    }
}

async fn revoke_quietly(session: &Session, lease_id: &str) {
    let _ = database::revoke(session.client(), lease_id).await;
}
