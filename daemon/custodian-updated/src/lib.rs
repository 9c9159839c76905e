//! custodian-updated: the appliance's small privileged half. It verifies
//! signed releases (TUF, through tough), installs them atomically, runs
//! their migrations, restarts custodiand, checks its health and rolls back
//! on failure. custodiand can only ask it, over a peer-checked socket.
#![forbid(unsafe_code)]

pub mod config;
pub mod engine;
pub mod install;
pub mod journal;
pub mod release;
pub mod service;
pub mod socket;
pub mod trust;
pub mod version;
