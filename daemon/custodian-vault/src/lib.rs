//! Custodian's Vault (OpenBao) client.
//!
//! A small client of our own rather than a general binding: it pins Vault's
//! CA (never the system roots, never switched off by an environment
//! variable), keeps every secret in `secrecy` types, never puts a response
//! body into an error, and knows the lease rules OpenBao actually follows
//! (see shared notes: renewals capped at max_ttl, leases dying with their
//! token).

#![forbid(unsafe_code)]

pub mod approle;
pub mod client;
pub mod database;
pub mod keyring;
pub mod kv;
pub mod pki;
pub mod provision;
pub mod transit;
pub mod wrapping;

pub use approle::{SecretIdSource, Session};
pub use client::{Client, ClientConfig, VaultError};

/// A pseudo-random fraction in [0, 1) for retry jitter. Not for secrets.
pub fn jitter() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    (h.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// Exponential back-off with jitter: 1 s, 2 s, 4 s ... capped at `max`.
pub fn backoff(attempt: u32, max: std::time::Duration) -> std::time::Duration {
    let base = std::time::Duration::from_secs(1u64 << attempt.min(10));
    let capped = base.min(max);
    capped.mul_f64(0.5 + jitter() / 2.0)
}
