//! Child processes that are killed when their handle drops, and a small
//! HTTP probe for readiness checks that needs no async runtime.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::Child;
use std::time::{Duration, Instant};

use crate::{HarnessError, Result};

pub struct Guarded {
    pub child: Child,
    pub name: &'static str,
    /// The file its stdout/stderr go to, quoted in errors.
    pub log: Option<std::path::PathBuf>,
}

impl Guarded {
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// `Some(status)` once the process has exited.
    pub fn exited(&mut self) -> Option<std::process::ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// Asks the process to stop (SIGTERM) and waits up to `grace` for it;
    /// returns its status, or `None` when it is still running (dropping
    /// the guard then kills it).
    pub fn terminate(&mut self, grace: Duration) -> Option<std::process::ExitStatus> {
        if let Some(status) = self.exited() {
            return Some(status);
        }
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(self.child.id() as i32),
            nix::sys::signal::Signal::SIGTERM,
        );
        let start = Instant::now();
        while start.elapsed() < grace {
            if let Some(status) = self.exited() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }

    /// The end of its log, or "" without one.
    pub fn log_tail(&self) -> String {
        self.log
            .as_ref()
            .and_then(|p| std::fs::read_to_string(p).ok())
            .map(|t| crate::log_tail(&t, 4000).to_owned())
            .unwrap_or_default()
    }
}

impl Drop for Guarded {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Sends a bare HTTP/1.0 GET and returns (status, body).
pub fn http_get(
    addr: SocketAddr,
    path: &str,
    headers: &[(&str, &str)],
) -> std::io::Result<(u16, String)> {
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(2))?;
    s.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut req = format!("GET {path} HTTP/1.0\r\nHost: {addr}\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes())?;
    let mut out = String::new();
    s.read_to_string(&mut out)?;
    let status = out
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = out
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    Ok((status, body))
}

/// Polls `probe` until it returns true, the child exits, or `limit` passes.
pub fn wait_until(
    child: &mut Guarded,
    limit: Duration,
    mut probe: impl FnMut() -> bool,
) -> Result<()> {
    let start = Instant::now();
    while start.elapsed() < limit {
        if probe() {
            return Ok(());
        }
        if let Some(status) = child.exited() {
            return Err(HarnessError::Setup(format!(
                "{} exited early: {status}; its output:\n{}",
                child.name,
                child.log_tail()
            )));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Err(HarnessError::Setup(format!(
        "{} not ready after {limit:?}; its output:\n{}",
        child.name,
        child.log_tail()
    )))
}
