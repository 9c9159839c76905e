//! custodian-web: the appliance's HTTP face. The route table, the guard in
//! front of every handler, the handlers and the pages. It holds no SQL and
//! links no database driver: every read and write goes through
//! `custodian-core`.
#![forbid(unsafe_code)]

pub mod app;
pub mod csp_tally;

pub mod account;
pub mod activity;
pub mod auth;
pub mod body;
pub mod cookies;
pub mod event_types;
pub mod evidence;
pub mod exports;
mod guard;
mod guesses;
pub mod headers;
pub mod imports;
mod input;
pub mod load;
pub mod media;
pub mod passkeys;
pub mod permissions;
pub mod pickers;
pub mod routes;
pub mod settings;
pub mod updates;
pub mod views;
