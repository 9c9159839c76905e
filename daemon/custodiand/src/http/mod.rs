//! Everything that shapes what the browser receives.

pub mod auth;
pub mod headers;
pub mod pages;
pub mod routes;
