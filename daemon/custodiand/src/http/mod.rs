//! Everything that shapes what the browser receives.

pub mod headers;
pub mod pages;
pub mod routes;
