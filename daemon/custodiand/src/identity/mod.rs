//! Who is asking: accounts, passwords, sessions and the first-run setup.

pub mod accounts;
pub mod console_recovery;
pub mod hashing;
pub mod lockout;
pub mod notifications;
pub mod passkeys;
pub mod password;
pub mod permissions;
pub mod recovery;
pub mod sessions;
pub mod settings;
pub mod tokens;
pub mod totp;
