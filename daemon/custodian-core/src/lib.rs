//! custodian-core: the domain of the Custodian appliance. Policy (who may do
//! what), identity (accounts, sessions, second factors), evidence (records,
//! media, exports, imports), the rotating database pool, the activity log's
//! writers, load limits and the daemon's health. It knows nothing of HTTP or
//! HTML: `custodian-web` is its only face, and `custodiand` wires it at boot.
#![forbid(unsafe_code)]
// What is API is `pub`; everything else says `pub(crate)`.
#![warn(unreachable_pub)]

pub mod activity_log;
pub mod backups;
pub mod clock;
pub mod config;
pub mod error;
pub mod evidence;
pub mod health;
pub mod identity;
pub mod load;
pub mod policy;
pub mod pool;
pub mod rate_limit;
pub mod updater;
