//! custodiand: the Custodian appliance's HTTPS daemon.
#![forbid(unsafe_code)]

pub mod activity;
pub mod backup_watch;
pub mod boot;
pub mod cli;
pub mod config;
pub mod listener;
pub mod logging;
pub mod ops;
pub mod privileges;
pub mod sandbox;
pub mod secrets;
pub mod server;
pub mod tls;
