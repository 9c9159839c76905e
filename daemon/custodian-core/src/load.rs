//! Overload, failing safe (issue 19).
//!
//! - [`cause_of`]: what a failed database step means for the person at the
//!   browser. Only "no such session" signs anyone out; a pool that ran dry,
//!   a database that is restarting or a statement that ran into
//!   `statement_timeout` are each a 503 that says so, with `Retry-After`.
//! - [`Load`]: the limits on expensive requests (lists, searches, exports,
//!   uploads; the route table marks which), per account and overall, so
//!   that one person or one page cannot take every pool connection while
//!   sign-in and record views go on.
//! - The counts of requests turned away, per cause and per minute: one
//!   journal line a minute and the administrators' load page, never a row
//!   per request in the activity log (which is evidence of what people
//!   did, and would itself become the load).

use std::collections::{HashMap, VecDeque};
use std::error::Error;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::{Duration, SystemTime};

use deadpool_postgres::{PoolError, TimeoutType};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_postgres::error::SqlState;

use crate::error::CoreError;
use crate::identity::hashing::HashError;
use crate::pool::{Database, DbError};

/// Why a request was answered 503, as the person at the browser and the
/// administrator need to know it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cause {
    /// No database connection came free within the wait, or PostgreSQL
    /// ran out of connections or memory: the appliance is overloaded.
    Overloaded,
    /// This account already runs as many expensive requests as one
    /// account may.
    AccountBusy,
    /// The appliance already runs as many expensive requests as it allows.
    ExpensiveBusy,
    /// A statement ran longer than `database.statement-timeout-ms`
    /// (SQLSTATE 57014).
    StatementTimeout,
    /// PostgreSQL could not be reached or refused connections (down,
    /// restarting, shutting down).
    DatabaseUnreachable,
    /// Anything else: a backend that is not configured, or a fault.
    Other,
}

impl Cause {
    pub const ALL: [Cause; 6] = [
        Cause::Overloaded,
        Cause::AccountBusy,
        Cause::ExpensiveBusy,
        Cause::StatementTimeout,
        Cause::DatabaseUnreachable,
        Cause::Other,
    ];

    /// The name in the journal, `/readyz` and the load page.
    pub fn name(self) -> &'static str {
        match self {
            Cause::Overloaded => "pool-exhausted",
            Cause::AccountBusy => "account-limit",
            Cause::ExpensiveBusy => "expensive-limit",
            Cause::StatementTimeout => "statement-timeout",
            Cause::DatabaseUnreachable => "database-unreachable",
            Cause::Other => "other",
        }
    }

    fn index(self) -> usize {
        match self {
            Cause::Overloaded => 0,
            Cause::AccountBusy => 1,
            Cause::ExpensiveBusy => 2,
            Cause::StatementTimeout => 3,
            Cause::DatabaseUnreachable => 4,
            Cause::Other => 5,
        }
    }

    /// Turned away on purpose so that the rest keeps working.
    pub fn is_shed(self) -> bool {
        matches!(
            self,
            Cause::Overloaded | Cause::AccountBusy | Cause::ExpensiveBusy
        )
    }

    /// What `Retry-After` says: overload passes in seconds, a database
    /// restart takes longer.
    pub fn retry_after_secs(self) -> u32 {
        match self {
            Cause::Overloaded | Cause::AccountBusy | Cause::ExpensiveBusy => 5,
            Cause::StatementTimeout | Cause::Other => 10,
            Cause::DatabaseUnreachable => 15,
        }
    }
}

/// The cause of a failed request, found by walking `e` and its sources.
///
/// Errors keep their cause (thiserror `#[source]`/`#[from]`), so the
/// PostgreSQL or pool error is somewhere in the chain. `#[error(transparent)]`
/// wrappers hand on their inner error's source and not the inner error
/// itself, so the two wrappers that matter are opened here.
pub fn cause_of(e: &(dyn Error + 'static)) -> Cause {
    let mut next = Some(e);
    while let Some(e) = next {
        if let Some(p) = e.downcast_ref::<PoolError>() {
            return match p {
                PoolError::Timeout(TimeoutType::Wait) => Cause::Overloaded,
                PoolError::Backend(pg) => match pg.code() {
                    Some(code) if insufficient_resources(code) => Cause::Overloaded,
                    _ => Cause::DatabaseUnreachable,
                },
                PoolError::Timeout(_) | PoolError::Closed => Cause::DatabaseUnreachable,
                PoolError::NoRuntimeSpecified | PoolError::PostCreateHook(_) => Cause::Other,
            };
        }
        if let Some(pg) = e.downcast_ref::<tokio_postgres::Error>() {
            if pg.is_closed() {
                return Cause::DatabaseUnreachable;
            }
            if let Some(code) = pg.code() {
                return of_sqlstate(code);
            }
            // I/O on the connection: the server went away mid-request.
            if pg.source().is_some_and(|s| s.is::<std::io::Error>()) {
                return Cause::DatabaseUnreachable;
            }
            // A row count or decoding error: a fault, not the load.
            return Cause::Other;
        }
        if let Some(db) = e.downcast_ref::<tokio_postgres::error::DbError>() {
            return of_sqlstate(db.code());
        }
        if let Some(HashError::Busy(_)) = e.downcast_ref::<HashError>() {
            return Cause::Overloaded;
        }
        if let Some(d) = e.downcast_ref::<DbError>() {
            match d {
                DbError::Unavailable(_) => return Cause::DatabaseUnreachable,
                DbError::Pool(p) => next = Some(p as &(dyn Error + 'static)),
                DbError::Postgres(p) => next = Some(p as &(dyn Error + 'static)),
                DbError::Grouped(g) => next = Some(g.as_ref() as &(dyn Error + 'static)),
                _ => next = e.source(),
            }
            continue;
        }
        if let Some(a) = e.downcast_ref::<CoreError>() {
            match a {
                CoreError::Db(d) => next = Some(d as &(dyn Error + 'static)),
                CoreError::Busy(h) => next = Some(h as &(dyn Error + 'static)),
                CoreError::Internal(_)
                | CoreError::Random(_)
                | CoreError::Hashing(_)
                | CoreError::Policy(_) => next = e.source(),
            }
            continue;
        }
        if let Some(crate::evidence::items::Refused::Account(a)) =
            e.downcast_ref::<crate::evidence::items::Refused>()
        {
            next = Some(a as &(dyn Error + 'static));
            continue;
        }
        next = e.source();
    }
    Cause::Other
}

/// Class 53: too many connections, out of memory or disk.
fn insufficient_resources(code: &SqlState) -> bool {
    code.code().starts_with("53")
}

fn of_sqlstate(code: &SqlState) -> Cause {
    if *code == SqlState::QUERY_CANCELED {
        Cause::StatementTimeout
    } else if insufficient_resources(code) {
        Cause::Overloaded
    } else if code.code().starts_with("08")
        || [
            SqlState::ADMIN_SHUTDOWN,
            SqlState::CRASH_SHUTDOWN,
            SqlState::CANNOT_CONNECT_NOW,
        ]
        .contains(code)
    {
        Cause::DatabaseUnreachable
    } else {
        Cause::Other
    }
}

/// The limits of [`Load`], from `[limits]` and `[database]`.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Expensive requests running at once, all accounts together.
    pub expensive: usize,
    /// Expensive requests running at once for one account.
    pub per_account: usize,
    /// How long an expensive request waits for a free place before it is
    /// turned away (the same short wait as for a pool connection).
    pub wait: Duration,
}

/// Counts of 503s by cause.
pub type Counts = [u64; 6];

/// One minute's 503s, kept for the load page.
#[derive(Debug, Clone)]
pub struct Minute {
    pub ended: SystemTime,
    pub counts: Counts,
}

/// Minutes kept for the load page.
const HISTORY_MINUTES: usize = 60;

/// The expensive-request limits, the database pool to report on, and the
/// counts of requests turned away.
pub struct Load {
    limits: Limits,
    expensive: Arc<Semaphore>,
    /// Each account's places, keyed by the session token's stored form:
    /// an account has one complete session at a time (`sessions::create`
    /// ends the others), so the token stands for the account without a
    /// database lookup, and a request turned away here costs no
    /// connection. An entry lives while a request of the account holds or
    /// waits for a place.
    accounts: Mutex<HashMap<Vec<u8>, Arc<Semaphore>>>,
    total: [AtomicU64; 6],
    this_minute: [AtomicU64; 6],
    history: Mutex<VecDeque<Minute>>,
    pool: OnceLock<Weak<Database>>,
}

/// A place among the expensive requests, given back when dropped.
pub struct Pass {
    _overall: OwnedSemaphorePermit,
    _account: AccountSlot,
}

/// One of an account's places (or a wait for one).
struct AccountSlot {
    load: Arc<Load>,
    key: Vec<u8>,
    places: Arc<Semaphore>,
    permit: Option<OwnedSemaphorePermit>,
}

impl Drop for AccountSlot {
    fn drop(&mut self) {
        drop(self.permit.take());
        // Every clone of `places` is made under this lock, so the map and
        // this slot being its only holders means no request of the account
        // holds or waits for a place: the entry can go.
        let mut accounts = self.load.accounts.lock().unwrap_or_else(|p| p.into_inner());
        if Arc::strong_count(&self.places) == 2 {
            accounts.remove(&self.key);
        }
    }
}

/// What the operator endpoint and the load page show of the pool.
#[derive(Debug, Clone, Copy, Default)]
pub struct PoolReport {
    pub max: usize,
    pub open: usize,
    pub in_use: usize,
    pub waiting: usize,
}

impl Load {
    pub fn new(limits: Limits) -> Arc<Self> {
        Arc::new(Self {
            expensive: Arc::new(Semaphore::new(limits.expensive)),
            limits,
            accounts: Mutex::default(),
            total: Default::default(),
            this_minute: Default::default(),
            history: Mutex::default(),
            pool: OnceLock::new(),
        })
    }

    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Reports on `db`'s pool from now on (weakly: the database does not
    /// live longer for being reported on).
    pub fn watch_pool(&self, db: &Arc<Database>) {
        let _ = self.pool.set(Arc::downgrade(db));
    }

    pub fn pool(&self) -> Option<PoolReport> {
        let db = self.pool.get()?.upgrade()?;
        let s = db.pool_status();
        Some(PoolReport {
            max: s.max_size,
            open: s.size,
            in_use: s.size.saturating_sub(s.available),
            waiting: s.waiting,
        })
    }

    /// Expensive requests running now.
    pub fn expensive_running(&self) -> usize {
        self.limits
            .expensive
            .saturating_sub(self.expensive.available_permits())
    }

    /// A place for one expensive request of the session whose token's
    /// stored form is `account` (`None`: no session cookie, so the handler
    /// answers with the sign-in page without any database work). First one
    /// of the account's own places, then one among all expensive requests,
    /// each waited for as briefly as a pool connection: a second click
    /// gets in when the first list ends, and a client that sends many at
    /// once is slowed down by the wait instead of being answered as fast
    /// as it can send (which would take the CPU from everyone else).
    pub async fn enter(self: &Arc<Self>, account: Option<Vec<u8>>) -> Result<Option<Pass>, Cause> {
        let Some(key) = account else {
            return Ok(None);
        };
        let places = {
            let mut accounts = self.accounts.lock().unwrap_or_else(|p| p.into_inner());
            Arc::clone(
                accounts
                    .entry(key.clone())
                    .or_insert_with(|| Arc::new(Semaphore::new(self.limits.per_account))),
            )
        };
        let mut slot = AccountSlot {
            load: Arc::clone(self),
            key,
            places: Arc::clone(&places),
            permit: None,
        };
        // On every early return the slot drops and gives back what it has.
        slot.permit = Some(self.place(places, Cause::AccountBusy).await?);
        let overall = self
            .place(Arc::clone(&self.expensive), Cause::ExpensiveBusy)
            .await?;
        Ok(Some(Pass {
            _overall: overall,
            _account: slot,
        }))
    }

    /// A permit of `places` at once, or within the wait, or `busy`.
    async fn place(
        &self,
        places: Arc<Semaphore>,
        busy: Cause,
    ) -> Result<OwnedSemaphorePermit, Cause> {
        if let Ok(p) = Arc::clone(&places).try_acquire_owned() {
            return Ok(p);
        }
        match tokio::time::timeout(self.limits.wait, places.acquire_owned()).await {
            Ok(Ok(p)) => Ok(p),
            _ => Err(busy),
        }
    }

    /// Accounts holding or waiting for a place (for the tests).
    #[cfg(test)]
    fn accounts_tracked(&self) -> usize {
        self.accounts.lock().map(|a| a.len()).unwrap_or(0)
    }

    /// Counts one 503; true for the first of its cause this minute (which
    /// the caller logs as a warning, the rest at debug: the minute's line
    /// gives their number, so the journal does not grow with the load).
    pub fn count(&self, cause: Cause) -> bool {
        let i = cause.index();
        self.total[i].fetch_add(1, Ordering::Relaxed);
        self.this_minute[i].fetch_add(1, Ordering::Relaxed) == 0
    }

    /// Every 503 since the start, by cause.
    pub fn totals(&self) -> Counts {
        self.total.each_ref().map(|a| a.load(Ordering::Relaxed))
    }

    /// The minute so far.
    pub fn current_minute(&self) -> Counts {
        self.this_minute
            .each_ref()
            .map(|a| a.load(Ordering::Relaxed))
    }

    /// The past hour's minutes that had any 503, oldest first.
    pub fn history(&self) -> Vec<Minute> {
        let h = self.history.lock().unwrap_or_else(|p| p.into_inner());
        h.iter().cloned().collect()
    }

    /// Closes the current minute: its counts start over and, when any
    /// request was turned away, they are kept and returned.
    pub fn close_minute(&self, now: SystemTime) -> Option<Counts> {
        let counts: Counts = self
            .this_minute
            .each_ref()
            .map(|a| a.swap(0, Ordering::Relaxed));
        let mut h = self.history.lock().unwrap_or_else(|p| p.into_inner());
        let horizon = now
            .checked_sub(Duration::from_secs(60 * HISTORY_MINUTES as u64))
            .unwrap_or(SystemTime::UNIX_EPOCH);
        while h.front().is_some_and(|m| m.ended <= horizon) {
            h.pop_front();
        }
        if counts.iter().all(|&n| n == 0) {
            return None;
        }
        h.push_back(Minute { ended: now, counts });
        while h.len() > HISTORY_MINUTES {
            h.pop_front();
        }
        Some(counts)
    }

    /// Writes one journal line a minute while requests are being turned
    /// away, with the number per cause.
    pub async fn report_every_minute(self: Arc<Self>) {
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tick.tick().await;
        loop {
            tick.tick().await;
            if let Some(c) = self.close_minute(crate::clock::now()) {
                let shed: u64 = Cause::ALL
                    .iter()
                    .filter(|k| k.is_shed())
                    .map(|k| c[k.index()])
                    .sum();
                let all: u64 = c.iter().sum();
                tracing::warn!(
                    target: "load",
                    shed,
                    pool_exhausted = c[Cause::Overloaded.index()],
                    account_limit = c[Cause::AccountBusy.index()],
                    expensive_limit = c[Cause::ExpensiveBusy.index()],
                    statement_timeout = c[Cause::StatementTimeout.index()],
                    database_unreachable = c[Cause::DatabaseUnreachable.index()],
                    other = c[Cause::Other.index()],
                    "in the last minute {all} requests were answered 503, {shed} of them turned away under load"
                );
            }
        }
    }

    /// What `/readyz` reports: pool saturation, expensive requests and the
    /// requests turned away.
    pub fn readiness(&self) -> serde_json::Value {
        let by_cause = |c: Counts| -> serde_json::Map<String, serde_json::Value> {
            Cause::ALL
                .iter()
                .map(|k| (k.name().to_owned(), c[k.index()].into()))
                .collect()
        };
        let shed = |c: &Counts| -> u64 {
            Cause::ALL
                .iter()
                .filter(|k| k.is_shed())
                .map(|k| c[k.index()])
                .sum()
        };
        let last_minute = self
            .history()
            .last()
            .filter(|m| {
                m.ended
                    .elapsed()
                    .is_ok_and(|e| e < Duration::from_secs(120))
            })
            .map(|m| m.counts)
            .unwrap_or_default();
        let (totals, current) = (self.totals(), self.current_minute());
        serde_json::json!({
            "database_pool": self.pool().map(|p| serde_json::json!({
                "max": p.max,
                "open": p.open,
                "in_use": p.in_use,
                "waiting": p.waiting,
                "saturated": p.max > 0 && p.in_use >= p.max,
            })),
            "expensive_requests": {
                "running": self.expensive_running(),
                "limit": self.limits.expensive,
                "per_account_limit": self.limits.per_account,
            },
            "shed": {
                "total": shed(&totals),
                "this_minute": shed(&current),
                "last_minute": shed(&last_minute),
            },
            "unavailable_by_cause": by_cause(totals),
        })
    }
}

/// Marks a 503 response with its cause; the route dispatcher counts it,
/// logs it and gives it the page that names the cause (`http::load`).
#[derive(Debug, Clone)]
pub struct Unavailable {
    pub cause: Cause,
    /// The error, for the journal only (never the page).
    pub detail: String,
    /// Where in the code it was answered, when the error does not say.
    pub at: Option<&'static std::panic::Location<'static>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(expensive: usize, per_account: usize) -> Limits {
        Limits {
            expensive,
            per_account,
            wait: Duration::from_millis(20),
        }
    }

    #[tokio::test]
    async fn one_account_gets_its_share_and_the_others_keep_theirs() {
        let load = Load::new(limits(3, 2));
        assert_eq!(load.accounts_tracked(), 0);
        let (a, b) = (b"a".to_vec(), b"b".to_vec());
        let a1 = load.enter(Some(a.clone())).await.expect("a1");
        let a2 = load.enter(Some(a.clone())).await.expect("a2");
        assert_eq!(
            load.enter(Some(a.clone())).await.err(),
            Some(Cause::AccountBusy)
        );
        let b1 = load.enter(Some(b.clone())).await.expect("b1");
        assert_eq!(load.expensive_running(), 3);
        // Every place is taken: b waits briefly, then is turned away.
        assert_eq!(
            load.enter(Some(b.clone())).await.err(),
            Some(Cause::ExpensiveBusy)
        );
        // The refused attempt did not keep b's slot.
        drop(b1);
        let _b2 = load.enter(Some(b.clone())).await.expect("b2");
        drop(a1);
        let _a3 = load
            .enter(Some(a.clone()))
            .await
            .expect("a3 after a1 ended");
        drop(a2);
        assert_eq!(load.expensive_running(), 2);
        // No cookie: nothing to run, nothing held.
        assert!(load.enter(None).await.expect("anonymous").is_none());
        drop((_b2, _a3));
        assert_eq!(load.accounts_tracked(), 0, "no entry outlives its requests");
    }

    #[tokio::test]
    async fn a_request_that_waits_gets_the_place_its_predecessor_gives_back() {
        let load = Load::new(Limits {
            expensive: 4,
            per_account: 1,
            wait: Duration::from_secs(600),
        });
        let first = load.enter(Some(b"a".to_vec())).await.expect("first");
        let waiting = tokio::spawn({
            let load = Arc::clone(&load);
            async move { load.enter(Some(b"a".to_vec())).await.map(|p| p.is_some()) }
        });
        // The second one waits (it cannot have a place while `first` holds
        // the only one); when `first` ends it gets in.
        tokio::task::yield_now().await;
        assert!(!waiting.is_finished());
        drop(first);
        assert_eq!(waiting.await.expect("task"), Ok(true));
        assert_eq!(load.accounts_tracked(), 0);
    }

    #[test]
    fn minutes_are_counted_and_kept_for_an_hour() {
        let load = Load::new(limits(1, 1));
        assert!(load.count(Cause::AccountBusy), "first this minute");
        assert!(!load.count(Cause::AccountBusy));
        assert!(load.count(Cause::StatementTimeout));
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let closed = load.close_minute(t0).expect("a minute with 503s");
        assert_eq!(closed[Cause::AccountBusy.index()], 2);
        assert_eq!(closed[Cause::StatementTimeout.index()], 1);
        assert!(load.count(Cause::AccountBusy), "a new minute logs again");
        assert_eq!(load.totals()[Cause::AccountBusy.index()], 3);
        assert!(load.close_minute(t0 + Duration::from_secs(60)).is_some());
        // A quiet minute is not kept; an hour later the old ones are gone.
        assert!(load.close_minute(t0 + Duration::from_secs(120)).is_none());
        assert_eq!(load.history().len(), 2);
        load.count(Cause::Overloaded);
        load.close_minute(t0 + Duration::from_secs(3660));
        let h = load.history();
        assert_eq!(h.len(), 1, "{h:?}");
        assert_eq!(h[0].counts[Cause::Overloaded.index()], 1);
        let r = load.readiness();
        assert_eq!(r["shed"]["total"], 4, "{r}");
        assert_eq!(r["unavailable_by_cause"]["statement-timeout"], 1, "{r}");
        assert_eq!(r["expensive_requests"]["limit"], 1, "{r}");
    }

    #[test]
    fn causes_are_found_through_the_error_chain() {
        let wait = DbError::Pool(PoolError::Timeout(TimeoutType::Wait));
        assert_eq!(cause_of(&wait), Cause::Overloaded);
        let wrapped = CoreError::Db(DbError::Pool(PoolError::Timeout(TimeoutType::Wait)));
        assert_eq!(cause_of(&wrapped), Cause::Overloaded);
        let refused = crate::evidence::items::Refused::Account(CoreError::Db(DbError::Pool(
            PoolError::Timeout(TimeoutType::Create),
        )));
        assert_eq!(cause_of(&refused), Cause::DatabaseUnreachable);
        assert_eq!(
            cause_of(&DbError::Pool(PoolError::Closed)),
            Cause::DatabaseUnreachable
        );
        assert_eq!(
            cause_of(&DbError::Unavailable("gone".into())),
            Cause::DatabaseUnreachable
        );
        let busy = CoreError::Busy(HashError::Busy(Duration::from_secs(1)));
        assert_eq!(cause_of(&busy), Cause::Overloaded);
        assert_eq!(
            cause_of(&CoreError::Internal("no pepper".into())),
            Cause::Other
        );
        let io = std::io::Error::other("disk");
        assert_eq!(
            cause_of(&io),
            Cause::Other,
            "a media store fault is not the database"
        );
    }

    #[test]
    fn sqlstates_name_their_cause() {
        assert_eq!(
            of_sqlstate(&SqlState::QUERY_CANCELED),
            Cause::StatementTimeout
        );
        assert_eq!(
            of_sqlstate(&SqlState::TOO_MANY_CONNECTIONS),
            Cause::Overloaded
        );
        assert_eq!(
            of_sqlstate(&SqlState::CANNOT_CONNECT_NOW),
            Cause::DatabaseUnreachable
        );
        assert_eq!(
            of_sqlstate(&SqlState::ADMIN_SHUTDOWN),
            Cause::DatabaseUnreachable
        );
        assert_eq!(
            of_sqlstate(&SqlState::CONNECTION_FAILURE),
            Cause::DatabaseUnreachable
        );
        assert_eq!(of_sqlstate(&SqlState::UNIQUE_VIOLATION), Cause::Other);
    }
}
