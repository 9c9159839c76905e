//! custodian-web: the appliance's HTTP face. The route table, the guard in
//! front of every handler, the handlers and the pages. It holds no SQL and
//! links no database driver: every read and write goes through
//! `custodian-core`.
#![forbid(unsafe_code)]
// What is API is `pub`; everything else says `pub(crate)`.
#![warn(unreachable_pub)]

pub mod app;
mod csp_tally;
pub mod i18n;

mod account;
mod activity;
mod auth;
mod backups;
mod body;
mod cookies;
mod event_types;
mod evidence;
mod exports;
mod guard;
mod guesses;
mod headers;
mod imports;
mod input;
mod load;
mod media;
mod passkeys;
mod permissions;
mod pickers;
mod preferences;
mod record_imports;
mod respond;
pub mod routes;
mod saved_searches;
mod search_jobs;
mod settings;
mod table;
mod updates;
mod views;
