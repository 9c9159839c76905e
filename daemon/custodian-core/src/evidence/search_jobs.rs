//! Background searches (issue 14): a list or search that runs past the
//! interactive budget (`[search] interactive-ms`) is not refused with a
//! 503: it goes on here, as a job of the account that asked, under that
//! account's row-level security and a longer limit (`background-ms`),
//! and the account is notified when its results are ready (or when it
//! failed). Only the ids of the matches are kept, in the list's order, at
//! most [`items::MAX_BACKGROUND_IDS`]; the job's page reads the records again
//! by id under the reader's row-level security, so a record whose access
//! changed since is not shown. A job is kept 24 hours (migration 0036).
//!
//! At most `background-searches` run at once, all accounts together, and
//! one per account: past that a search is refused with words that say
//! what to do, and never ties up the pool.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use serde_json::json;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::items::{self, Kind, ListError, ListQuery, Listed};
use crate::config::SearchConfig;
use crate::error::{CoreError, Rejected};
use crate::identity::accounts::audit;
use crate::identity::notifications::{notify, Notice};
use crate::policy::{Actor, Permit, ReadBulletins};
use crate::pool::Database;

/// Results shown per page of a job.
pub const JOB_PAGE: usize = 50;

/// The budgets and the bounds of background searches.
pub struct Searches {
    interactive: Duration,
    background: Duration,
    slots: Arc<Semaphore>,
    /// Accounts with a background search running.
    running: Arc<Mutex<HashSet<i64>>>,
}

impl Searches {
    pub fn new(config: SearchConfig) -> Self {
        Self {
            interactive: Duration::from_millis(config.interactive_ms),
            background: Duration::from_millis(config.background_ms),
            slots: Arc::new(Semaphore::new(config.background_searches.max(1))),
            running: Arc::default(),
        }
    }

    /// The budget a list runs under while the person waits.
    pub fn interactive(&self) -> Duration {
        self.interactive
    }
}

impl Default for Searches {
    fn default() -> Self {
        Self::new(SearchConfig::default())
    }
}

/// An account's one running search; the account may start another once
/// it is dropped.
struct Running {
    user_id: i64,
    running: Arc<Mutex<HashSet<i64>>>,
    _slot: OwnedSemaphorePermit,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.running
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&self.user_id);
    }
}

/// Records a job for `q` (a list that ran past its budget) and runs it in
/// the background as the permit's actor; returns the job's id. Refused
/// while the account has one running, or while every slot is taken.
pub async fn start(
    db: Arc<Database>,
    searches: &Searches,
    permit: &Permit<ReadBulletins>,
    username: &str,
    kind: Kind,
    q: &ListQuery,
) -> Result<i64, Rejected> {
    let actor = permit.actor().clone();
    let running = {
        let mut held = searches.running.lock().unwrap_or_else(|p| p.into_inner());
        if held.contains(&actor.user_id) {
            return Err(Rejected::problem("search-background-own"));
        }
        let Ok(slot) = Arc::clone(&searches.slots).try_acquire_owned() else {
            return Err(Rejected::problem("search-background-busy"));
        };
        held.insert(actor.user_id);
        Running {
            user_id: actor.user_id,
            running: Arc::clone(&searches.running),
            _slot: slot,
        }
    };
    let asked = q.url_params(None);
    if asked.chars().count() > super::saved_searches::MAX_QUERY {
        return Err(Rejected::problem("search-query-too-long")
            .with("max", super::saved_searches::MAX_QUERY));
    }
    let id = {
        let mut c = db.client().await.map_err(CoreError::from)?;
        let tx = c.transaction().await.map_err(CoreError::from)?;
        super::act_as(&tx, &actor).await?;
        let id: i64 = tx
            .query_one(
                "INSERT INTO search_job (owner, kind, query) VALUES ($1, $2, $3) RETURNING id",
                &[&actor.user_id, &kind.noun(), &asked],
            )
            .await
            .map_err(CoreError::from)?
            .get(0);
        audit(
            &*tx,
            username,
            "search.background",
            &format!("search_job/{id}"),
            json!({"step": "started", "kind": kind.noun(), "query": asked}),
        )
        .await?;
        tx.commit().await.map_err(CoreError::from)?;
        id
    };
    let (q, username, limit) = (q.clone(), username.to_owned(), searches.background);
    tokio::spawn(async move {
        let _running = running;
        let outcome = run(&db, &actor, &username, kind, &q, id, limit).await;
        let Err(e) = outcome else { return };
        tracing::warn!(target: "searches", job = id, kind = kind.noun(), error = %e, "background search failed");
        if let Err(e) = failed(&db, &actor, &username, kind, id).await {
            tracing::warn!(target: "searches", job = id, error = %e, "background search not marked failed");
        }
    });
    Ok(id)
}

/// Runs the search for ids only, keeps them, notifies the owner.
async fn run(
    db: &Database,
    actor: &Actor,
    username: &str,
    kind: Kind,
    q: &ListQuery,
    id: i64,
    limit: Duration,
) -> Result<(), CoreError> {
    let mut c = db.client().await?;
    let tx = c.transaction().await?;
    super::act_as(&tx, actor).await?;
    let ms = limit.as_millis().max(1);
    tx.batch_execute(&format!("SET LOCAL statement_timeout = {ms}"))
        .await?;
    let (ids, capped) = match items::matching_ids(&tx, kind, q).await {
        Ok(found) => found,
        Err(ListError::OverBudget(e)) => return Err(e.into()),
        Err(ListError::Failed(e)) => return Err(e),
    };
    let matched = ids.len();
    // Only a job still running is finished: one the sweep already marked
    // failed (or whose owner can no longer be acted for) stays as it is,
    // and no one is told it is ready.
    let finished = tx
        .execute(
            "UPDATE search_job SET status = 'done', ids = $2, matched = $3, capped = $4, finished_at = now() \
             WHERE id = $1 AND status = 'running'",
            &[&id, &ids, &(matched as i32), &capped],
        )
        .await?;
    if finished == 0 {
        return Ok(());
    }
    let more = if capped { "yes" } else { "no" };
    let notice = Notice::new("notice-search-ready")
        .with("kind", kind.noun())
        .with("count", matched)
        .with("capped", more)
        .with("job", id);
    // In the same transaction: the job is done exactly when the log says so.
    let step =
        json!({"step": "finished", "kind": kind.noun(), "matched": matched, "capped": capped});
    tell(&*tx, actor, username, id, &notice, step).await?;
    tx.commit().await?;
    Ok(())
}

/// Tells the owner how its job ended and records it in the activity log,
/// in the transaction that ended it.
async fn tell(
    pg: &impl tokio_postgres::GenericClient,
    actor: &Actor,
    username: &str,
    id: i64,
    notice: &Notice,
    step: serde_json::Value,
) -> Result<(), CoreError> {
    notify(pg, actor.user_id, "search.background", notice).await?;
    audit(
        pg,
        username,
        "search.background",
        &format!("search_job/{id}"),
        step,
    )
    .await
}

/// Marks the job failed and tells the owner.
async fn failed(
    db: &Database,
    actor: &Actor,
    username: &str,
    kind: Kind,
    id: i64,
) -> Result<(), CoreError> {
    let mut c = db.client().await?;
    let tx = c.transaction().await?;
    super::act_as(&tx, actor).await?;
    tx.execute(
        "UPDATE search_job SET status = 'failed', finished_at = now() WHERE id = $1 AND status = 'running'",
        &[&id],
    )
    .await?;
    let notice = Notice::new("notice-search-failed")
        .with("kind", kind.noun())
        .with("job", id);
    let step = json!({"step": "failed", "kind": kind.noun()});
    tell(&*tx, actor, username, id, &notice, step).await?;
    tx.commit().await?;
    Ok(())
}

/// A job as its owner reads it, with one page of its results.
pub struct Job {
    pub id: i64,
    pub kind: Kind,
    /// The list's query string, without the leading `?`.
    pub query: String,
    /// `running`, `done` or `failed`.
    pub status: String,
    pub matched: usize,
    pub capped: bool,
    pub created: SystemTime,
    pub expires: SystemTime,
    /// The page shown (from 1) and how many pages the ids fill.
    pub page: usize,
    pub pages: usize,
    /// The records of this page the reader may read now, in the list's
    /// order; a match whose access changed since is not among them.
    pub rows: Vec<Listed>,
    /// How many of this page's matches the reader may no longer read.
    pub hidden: usize,
}

/// The job `id` of the reader (row-level security: another's is not
/// found), with page `page` of its results read again under the
/// reader's row-level security. An expired job is deleted and not found.
pub async fn job(
    db: &Database,
    permit: &Permit<ReadBulletins>,
    id: i64,
    page: usize,
) -> Result<Option<Job>, CoreError> {
    let actor = permit.actor();
    let mut c = db.client().await?;
    let tx = c.transaction().await?;
    super::act_as(&tx, actor).await?;
    tx.execute(
        "DELETE FROM search_job WHERE id = $1 AND expires_at <= now()",
        &[&id],
    )
    .await?;
    let page = page.max(1);
    // Positions in the array, from 1, both ends included.
    let from = i32::try_from((page - 1) * JOB_PAGE + 1).unwrap_or(i32::MAX);
    let to = i32::try_from(page * JOB_PAGE).unwrap_or(i32::MAX);
    let Some(r) = tx
        .query_opt(
            "SELECT kind, query, status, matched, capped, created_at, expires_at, ids[$2:$3] \
             FROM search_job WHERE id = $1 AND expires_at > now()",
            &[&id, &from, &to],
        )
        .await?
    else {
        tx.commit().await?;
        return Ok(None);
    };
    let noun: String = r.get(0);
    let kind = Kind::from_noun(&noun).unwrap_or(Kind::Bulletin);
    let ids: Vec<i64> = r.get(7);
    // A running or failed job has no ids: nothing to read.
    let rows = if ids.is_empty() {
        Vec::new()
    } else {
        items::listed_by_id(&tx, kind, actor, &ids).await?
    };
    tx.commit().await?;
    let matched = usize::try_from(r.get::<_, i32>(3)).unwrap_or(0);
    Ok(Some(Job {
        id,
        kind,
        query: r.get(1),
        status: r.get(2),
        matched,
        capped: r.get(4),
        created: r.get(5),
        expires: r.get(6),
        page,
        pages: matched.div_ceil(JOB_PAGE).max(1),
        hidden: ids.len() - rows.len(),
        rows,
    }))
}

/// Removes expired jobs (and marks failed those left running by a
/// daemon that stopped), every `every`; the owner's function does it,
/// since no account acts here.
pub async fn sweep_forever(db: Arc<Database>, every: Duration) {
    let mut tick = tokio::time::interval(every);
    loop {
        tick.tick().await;
        let swept = async {
            let c = db.client().await?;
            let pg: &tokio_postgres::Client = &c;
            let gone: i64 = pg
                .query_one("SELECT custodian_forget_expired_searches()", &[])
                .await
                .map_err(CoreError::from)?
                .get(0);
            Ok::<i64, CoreError>(gone)
        }
        .await;
        match swept {
            Ok(0) => {}
            Ok(gone) => {
                tracing::info!(target: "searches", gone, "expired background searches removed")
            }
            Err(e) => {
                tracing::warn!(target: "searches", error = %e, "expired background searches not removed")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_search_per_account_and_the_slots_bound_them_all() {
        let s = Searches::new(SearchConfig {
            interactive_ms: 5,
            background_ms: 10,
            background_searches: 1,
        });
        assert_eq!(s.interactive(), Duration::from_millis(5));
        let slot = Arc::clone(&s.slots).try_acquire_owned().expect("a slot");
        s.running.lock().expect("lock").insert(7);
        let held = Running {
            user_id: 7,
            running: Arc::clone(&s.running),
            _slot: slot,
        };
        assert!(Arc::clone(&s.slots).try_acquire_owned().is_err());
        drop(held);
        assert!(s.running.lock().expect("lock").is_empty());
        assert!(Arc::clone(&s.slots).try_acquire_owned().is_ok());
        assert_eq!(items::MAX_BACKGROUND_IDS, 10_000);
    }
}
