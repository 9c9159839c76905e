//! What the operator endpoint reports: the daemon's state, the components
//! working in a degraded mode, connection counters and load. The daemon
//! writes it; the domain (the pool, the keyring refresher) reports its
//! problems into it.

use std::sync::atomic::{AtomicU64, AtomicU8, AtomicUsize, Ordering};
use std::sync::Arc;

/// Counters shown on the operator endpoint.
#[derive(Default)]
pub struct Stats {
    pub open_connections: AtomicUsize,
    pub refused_connections: AtomicU64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum State {
    Starting = 0,
    Ready = 1,
    Stopping = 2,
}

pub struct Health {
    state: AtomicU8,
    pub stats: Arc<Stats>,
    /// Pool saturation, expensive requests and requests turned away.
    pub load: Arc<crate::load::Load>,
    /// Components working in a degraded mode (e.g. Vault unreachable, so
    /// serving on cached secrets), with the reason.
    problems: std::sync::Mutex<std::collections::BTreeMap<&'static str, String>>,
    notifier: std::sync::Mutex<Option<tokio::sync::mpsc::UnboundedSender<Transition>>>,
}

/// A component entering or leaving a degraded state.
#[derive(Debug, Clone)]
pub enum Transition {
    Degraded(&'static str, String),
    Recovered(&'static str),
}

impl Health {
    pub fn new(stats: Arc<Stats>, load: Arc<crate::load::Load>) -> Arc<Self> {
        Arc::new(Self {
            state: AtomicU8::new(State::Starting as u8),
            stats,
            load,
            problems: std::sync::Mutex::default(),
            notifier: std::sync::Mutex::default(),
        })
    }

    /// Records (or, with `None`, clears) a problem of one component.
    pub fn set_problem(&self, component: &'static str, problem: Option<String>) {
        let mut p = self.problems.lock().unwrap_or_else(|e| e.into_inner());
        let change = match problem {
            Some(text) => p
                .insert(component, text.clone())
                .is_none()
                .then_some(Transition::Degraded(component, text)),
            None => p
                .remove(component)
                .is_some()
                .then_some(Transition::Recovered(component)),
        };
        drop(p);
        if let Some(t) = change {
            let notifier = self.notifier.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(tx) = notifier.as_ref() {
                let _ = tx.send(t);
            }
        }
    }

    /// Delivers every start and end of a problem to `tx` (the activity log,
    /// so that administrators see them, not only operators).
    pub fn notify_transitions(&self, tx: tokio::sync::mpsc::UnboundedSender<Transition>) {
        *self.notifier.lock().unwrap_or_else(|e| e.into_inner()) = Some(tx);
    }

    pub fn problems(&self) -> Vec<(String, String)> {
        let p = self.problems.lock().unwrap_or_else(|e| e.into_inner());
        p.iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect()
    }

    pub fn set(&self, s: State) {
        self.state.store(s as u8, Ordering::Release);
    }

    pub fn state(&self) -> State {
        match self.state.load(Ordering::Acquire) {
            1 => State::Ready,
            2 => State::Stopping,
            _ => State::Starting,
        }
    }
}

impl crate::pool::Problems for Health {
    fn set_problem(&self, component: &'static str, problem: Option<String>) {
        Health::set_problem(self, component, problem);
    }
}
