//! custodiand: the Custodian appliance's HTTPS daemon.
#![forbid(unsafe_code)]

pub mod activity;
pub mod app;
pub mod backup_watch;
pub mod boot;
pub mod cli;
pub mod config;
pub mod csp_tally;
pub mod db;
pub mod evidence;
pub mod http;
pub mod identity;
pub mod listener;
pub mod load;
pub mod logging;
pub mod ops;
pub mod policy;
pub mod privileges;
pub mod rate_limit;
pub mod sandbox;
pub mod secrets;
pub mod server;
pub mod tls;
pub mod updates;
