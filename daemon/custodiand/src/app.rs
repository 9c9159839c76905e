//! What request handlers share: the database (when configured) and the
//! per-address rate limits of anonymous endpoints.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use custodian_vault::keyring::Keyring;

use crate::db::Database;
use crate::identity::accounts::Decoy;
use crate::identity::password::Policy;

pub struct App {
    pub db: Option<Arc<Database>>,
    /// Versioned keys from Vault (token signing, password pepper).
    pub keyring: Option<Arc<Keyring>>,
    pub csp_reports: RateLimiter,
    pub identity: Identity,
    /// The media store; `None` without `[storage]`.
    pub media: Option<Arc<crate::evidence::media::Media>>,
    /// custodian-updated's socket; `None` without `[updates]`.
    pub updater: Option<std::path::PathBuf>,
}

/// What sign-in needs besides the database and the keyring.
pub struct Identity {
    pub policy: Policy,
    pub decoy: Decoy,
    /// Sign-in and setup attempts per peer address (socket peer only).
    pub login_attempts: RateLimiter,
    pub public_origin: String,
    /// Roles that must pass a second factor, and those for which it must
    /// be a hardware key.
    pub factors: crate::identity::sessions::FactorPolicy,
    /// What the settings page shows of the configuration: never a secret.
    pub about: Vec<(&'static str, String)>,
    /// Passkeys; `None` when the public origin has no host name.
    pub webauthn: Option<Arc<webauthn_rs::Webauthn>>,
    /// For transit (TOTP secrets); `None` without Vault.
    pub vault: Option<custodian_vault::Client>,
}

impl App {
    pub fn new(
        db: Option<Arc<Database>>,
        keyring: Option<Arc<Keyring>>,
        csp_reports_per_minute: u32,
        identity: Identity,
        media: Option<Arc<crate::evidence::media::Media>>,
        updater: Option<std::path::PathBuf>,
    ) -> Arc<Self> {
        Arc::new(Self {
            db,
            keyring,
            csp_reports: RateLimiter::new(csp_reports_per_minute, Duration::from_secs(60)),
            identity,
            media,
            updater,
        })
    }
}

/// A fixed-window counter per peer address. Bounded: when it tracks too
/// many addresses it starts over, which only ever errs towards allowing.
pub struct RateLimiter {
    limit: u32,
    window: Duration,
    seen: Mutex<HashMap<IpAddr, (Instant, u32)>>,
}

const MAX_TRACKED: usize = 65_536;

impl RateLimiter {
    pub fn new(limit: u32, window: Duration) -> Self {
        Self {
            limit,
            window,
            seen: Mutex::new(HashMap::new()),
        }
    }

    /// True if `ip` may make one more request now.
    pub fn allow(&self, ip: IpAddr) -> bool {
        let now = Instant::now();
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        if seen.len() >= MAX_TRACKED {
            seen.retain(|_, (start, _)| now.duration_since(*start) < self.window);
            if seen.len() >= MAX_TRACKED {
                seen.clear();
            }
        }
        let entry = seen.entry(ip).or_insert((now, 0));
        if now.duration_since(entry.0) >= self.window {
            *entry = (now, 0);
        }
        if entry.1 >= self.limit {
            return false;
        }
        entry.1 += 1;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_each_address_separately() {
        let r = RateLimiter::new(2, Duration::from_secs(60));
        let a: IpAddr = [192, 0, 2, 1].into();
        let b: IpAddr = [192, 0, 2, 2].into();
        assert!(r.allow(a) && r.allow(a));
        assert!(!r.allow(a));
        assert!(r.allow(b));
    }
}
