//! The one place the domain and the web layer read the clock. Every
//! decision that depends on time (rate-limit windows, TOTP steps, load
//! minutes, the sweep of orphaned uploads) takes the time as an argument
//! (`RateLimiter::allow_at`, `totp::matching_step`, `Load::close_minute`)
//! and its caller reads it here, so tests drive the decision with any time
//! they like. `clippy.toml` in custodian-core and custodian-web forbids
//! reading the clock anywhere else. Lockout windows and step-up freshness
//! are decided by PostgreSQL's `now()` in the same statement that reads
//! them; tests move the stored timestamps instead.
#![allow(clippy::disallowed_methods)]

use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// Wall-clock time.
pub fn now() -> SystemTime {
    SystemTime::now()
}

/// Seconds since the Unix epoch (0 if the clock is before it).
pub fn unix_seconds() -> u64 {
    now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// A monotonic instant, for windows and elapsed times.
pub fn instant() -> Instant {
    Instant::now()
}
