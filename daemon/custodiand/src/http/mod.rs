//! Everything that shapes what the browser receives.

pub mod account;
pub mod activity;
pub mod auth;
pub mod body;
pub mod event_types;
pub mod evidence;
pub mod evidence_pages;
pub mod exports;
mod guesses;
pub mod headers;
pub mod imports;
mod input;
pub mod load;
pub mod media;
pub mod pages;
pub mod passkeys;
pub mod permissions;
pub mod routes;
pub mod settings;
pub mod updates;
