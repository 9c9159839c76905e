//! Runs `custodiand` as a separate process with a generated configuration
//! and test certificate, and waits until its readiness endpoint answers.

use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

use crate::pki::TestPki;
use crate::process::{http_get, wait_until, Guarded};
use crate::{free_port, io, is_root, HarnessError, Result};

/// The account the daemon under test switches to.
pub const TEST_USER: &str = "custodian-test";

#[derive(Debug, Clone)]
pub struct DaemonConfig {
    pub user: String,
    /// Body of the `[limits]` table, e.g. `"idle-timeout-secs = 2"`.
    pub limits: String,
    /// Serve the operator endpoints on a unix socket instead of TCP.
    pub ops_unix: bool,
    /// Start through `systemd-socket-activate` instead of binding.
    pub socket_activated: bool,
    /// Pass `--dev-insecure-pem` (needed for the dev-pem TLS source).
    pub dev_pem_flag: bool,
    /// Body of a `[vault]` table (e.g. from [`VaultFixture::vault_toml`]).
    pub vault_toml: Option<String>,
    /// Body of a `[database]` table (e.g. from [`DbFixture::database_toml`]).
    pub database_toml: Option<String>,
    /// Body of the `[tls]` table; `None` for the test PKI's PEM pair.
    pub tls_toml: Option<String>,
    /// PEM CA the test clients trust; `None` for the test PKI's CA.
    pub client_ca_pem: Option<String>,
    /// Set NOTIFY_SOCKET, as systemd does for Type=notify services.
    pub notify_socket: Option<PathBuf>,
    /// Extra environment variables for the daemon.
    pub env: Vec<(String, String)>,
    /// Further tables appended to the configuration (e.g. `[identity]`).
    pub extra_toml: String,
    /// More keys of `[server]` (e.g. `language = "ar"`).
    pub server_toml: String,
    /// Give the daemon's account its working directory, so that a core
    /// dump could be written there if the daemon allowed one.
    pub writable_cwd: bool,
    /// Lines for a `[storage]` table; the harness adds `dir`, a private
    /// directory owned by the daemon's account (see [`Daemon::storage_dir`]).
    pub storage_toml: Option<String>,
    /// With `storage_toml`: this directory (kept after the daemon) instead
    /// of a fresh one in the daemon's own directory, e.g. for a media
    /// store that outlives one daemon (backups and restores).
    pub storage_dir: Option<PathBuf>,
    /// Start the daemon already as its account, with no capabilities and
    /// no_new_privs (through `setpriv`), as systemd's `User=` with an
    /// empty `CapabilityBoundingSet=` does; the files it reads at start
    /// are given to that account.
    pub start_unprivileged: bool,
    /// Another custodiand binary (an installed package's) instead of the
    /// workspace build.
    pub binary: Option<PathBuf>,
}

impl Default for DaemonConfig {
    fn default() -> Self {
        Self {
            user: TEST_USER.to_owned(),
            limits: String::new(),
            ops_unix: false,
            socket_activated: false,
            dev_pem_flag: true,
            vault_toml: None,
            database_toml: None,
            tls_toml: None,
            client_ca_pem: None,
            notify_socket: None,
            writable_cwd: false,
            storage_toml: None,
            storage_dir: None,
            start_unprivileged: false,
            binary: None,
            env: Vec::new(),
            extra_toml: String::new(),
            server_toml: String::new(),
        }
    }
}

pub enum OpsAddr {
    Tcp(std::net::SocketAddr),
    Unix(PathBuf),
}

pub struct Daemon {
    child: Guarded,
    dir: tempfile::TempDir,
    pub port: u16,
    pub ops: OpsAddr,
    pub pki: TestPki,
    /// DER of the CA that signed the served certificate.
    pub client_ca_der: Vec<u8>,
}

/// The `custodiand` binary: `$CUSTODIAND_BIN`, or the one cargo built next
/// to the running program.
pub fn custodiand_bin() -> Result<PathBuf> {
    crate::sibling_bin("custodiand", "CUSTODIAND_BIN")
}

impl Daemon {
    /// Writes the configuration and certificate into a private directory and
    /// returns (directory, public port, ops address, config path, pki).
    fn prepare(cfg: &DaemonConfig) -> Result<(tempfile::TempDir, u16, OpsAddr, PathBuf, TestPki)> {
        let dir = tempfile::Builder::new()
            .prefix("custodiand-test-")
            .tempdir()
            .map_err(io("tempdir"))?;
        let pki = TestPki::new()?;
        let (cert, key) = pki.write_to(dir.path())?;
        let port = free_port()?;
        let ops = if cfg.ops_unix {
            OpsAddr::Unix(dir.path().join("ops.sock"))
        } else {
            OpsAddr::Tcp(([127, 0, 0, 1], free_port()?).into())
        };
        let ops_line = match &ops {
            OpsAddr::Tcp(a) => a.to_string(),
            OpsAddr::Unix(p) => format!("unix:{}", p.display()),
        };
        let tls = match &cfg.tls_toml {
            Some(t) => t.clone(),
            None => format!(
                "source = \"dev-pem\"\ncert = \"{}\"\nkey = \"{}\"",
                cert.display(),
                key.display()
            ),
        };
        let mut vault = cfg
            .vault_toml
            .as_ref()
            .map(|v| format!("[vault]\n{v}\n\n"))
            .unwrap_or_default();
        if let Some(db) = &cfg.database_toml {
            vault.push_str(&format!("[database]\n{db}\n\n"));
        }
        if let Some(extra) = &cfg.storage_toml {
            let storage = cfg
                .storage_dir
                .clone()
                .unwrap_or_else(|| dir.path().join("storage"));
            std::fs::create_dir_all(&storage).map_err(io("create storage dir"))?;
            if is_root() {
                let user = nix::unistd::User::from_name(&cfg.user)
                    .ok()
                    .flatten()
                    .ok_or_else(|| HarnessError::Setup(format!("no account {}", cfg.user)))?;
                nix::unistd::chown(&storage, Some(user.uid), Some(user.gid))
                    .map_err(io("chown storage dir"))?;
            }
            vault.push_str(&format!(
                "[storage]\ndir = \"{}\"\n{extra}\n\n",
                storage.display()
            ));
        }
        let config = format!(
            "[server]\nlisten = \"127.0.0.1:{port}\"\npublic-origin = \"https://localhost:{port}\"\nuser = \"{user}\"\n{server}\n\n\
             {vault}[tls]\n{tls}\n\n\
             [ops]\nlisten = \"{ops_line}\"\n\n[log]\ntarget = \"stderr\"\nlevel = \"debug,hyper=info,rustls=info,h2=info,reqwest=info\"\n\n[limits]\n{limits}\n",
            user = cfg.user,
            server = cfg.server_toml,
            limits = cfg.limits,
        ) + &cfg.extra_toml;
        let path = dir.path().join("custodiand.toml");
        std::fs::write(&path, config).map_err(io("write config"))?;
        if is_root() {
            // The unix socket lives here and the daemon (no longer root)
            // removes it on shutdown.
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))
                .map_err(io("chmod"))?;
        }
        Ok((dir, port, ops, path, pki))
    }

    /// Starts custodiand; when one of its ports was taken meanwhile (by
    /// another test process), again on fresh ports.
    pub fn start(cfg: DaemonConfig) -> Result<Self> {
        crate::retry_on_port_clash("custodiand", |_| Self::start_once(&cfg))
    }

    fn start_once(cfg: &DaemonConfig) -> Result<Self> {
        let (dir, port, ops, config, pki) = Self::prepare(cfg)?;
        if cfg.writable_cwd && is_root() {
            let user = nix::unistd::User::from_name(&cfg.user)
                .ok()
                .flatten()
                .ok_or_else(|| HarnessError::Setup(format!("no account {}", cfg.user)))?;
            nix::unistd::chown(dir.path(), Some(user.uid), None).map_err(io("chown daemon dir"))?;
        }
        let log = std::fs::File::create(dir.path().join("daemon.log"))
            .map_err(io("create daemon.log"))?;
        let bin = match &cfg.binary {
            Some(b) => b.clone(),
            None => custodiand_bin()?,
        };
        let mut cmd = if cfg.start_unprivileged {
            let user = nix::unistd::User::from_name(&cfg.user)
                .ok()
                .flatten()
                .ok_or_else(|| HarnessError::Setup(format!("no account {}", cfg.user)))?;
            for f in ["key.pem", "cert.pem", "custodiand.toml"] {
                nix::unistd::chown(&dir.path().join(f), Some(user.uid), Some(user.gid))
                    .map_err(io("chown for an unprivileged start"))?;
            }
            let mut c = Command::new("setpriv");
            c.arg(format!("--reuid={}", user.uid))
                .arg(format!("--regid={}", user.gid))
                .arg("--clear-groups")
                .arg("--inh-caps=-all")
                .arg("--bounding-set=-all")
                .arg("--no-new-privs")
                .arg(&bin);
            c
        } else if cfg.socket_activated {
            let mut c = Command::new("systemd-socket-activate");
            c.arg("-l").arg(format!("127.0.0.1:{port}")).arg(&bin);
            c
        } else {
            Command::new(&bin)
        };
        cmd.arg("--config").arg(&config);
        if cfg.dev_pem_flag {
            cmd.arg("--dev-insecure-pem");
        }
        cmd.env_remove("NOTIFY_SOCKET");
        cmd.envs(cfg.env.iter().map(|(k, v)| (k, v)));
        if let Some(sock) = &cfg.notify_socket {
            cmd.env("NOTIFY_SOCKET", sock);
        }
        // Its working directory is the private one, where a core file would land.
        let child = cmd
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .map_err(io("start custodiand"))?;
        let mut child = Guarded {
            child,
            name: "custodiand",
            log: Some(dir.path().join("daemon.log")),
        };
        if cfg.socket_activated {
            // systemd-socket-activate starts the daemon on the first
            // connection; that connection then waits in the backlog.
            let start = Instant::now();
            while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
                if start.elapsed() > Duration::from_secs(10) {
                    return Err(HarnessError::Setup(format!(
                        "systemd-socket-activate did not listen; its output:\n{}",
                        child.log_tail()
                    )));
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        let probe = |ops: &OpsAddr| match ops {
            OpsAddr::Tcp(a) => matches!(http_get(*a, "/readyz", &[]), Ok((200, _))),
            OpsAddr::Unix(p) => unix_get(p, "/readyz").is_ok_and(|r| r.starts_with("HTTP/1.1 200")),
        };
        let ready = wait_until(&mut child, Duration::from_secs(20), || probe(&ops));
        let client_ca_der = match &cfg.client_ca_pem {
            Some(pem) => pem_to_der(pem)?,
            None => pki.ca_der.clone(),
        };
        let daemon = Self {
            child,
            dir,
            port,
            ops,
            pki,
            client_ca_der,
        };
        if let Err(e) = ready {
            return Err(HarnessError::Setup(format!(
                "{e}; daemon log:\n{}",
                daemon.log()
            )));
        }
        Ok(daemon)
    }

    /// Runs custodiand to completion with the given arguments (after
    /// `--config PATH` of a prepared configuration, which `edit` may
    /// rewrite), for tests of refusals.
    pub fn run_to_exit(
        cfg: DaemonConfig,
        edit: impl FnOnce(String) -> String,
        extra_args: &[&str],
    ) -> Result<Output> {
        let (dir, _, _, config, _) = Self::prepare(&cfg)?;
        let text = std::fs::read_to_string(&config).map_err(io("read config"))?;
        std::fs::write(&config, edit(text)).map_err(io("write config"))?;
        let mut cmd = Command::new(custodiand_bin()?);
        for a in extra_args {
            cmd.arg(a.replace("{config}", &config.display().to_string()));
        }
        if !extra_args.iter().any(|a| a.contains("{config}")) {
            cmd.arg("--config").arg(&config);
        }
        if cfg.dev_pem_flag {
            cmd.arg("--dev-insecure-pem");
        }
        let out = cmd
            .envs(cfg.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .output()
            .map_err(io("run custodiand"))?;
        drop(dir);
        Ok(out)
    }

    pub fn pid(&self) -> u32 {
        self.child.pid()
    }

    pub fn url(&self, path: &str) -> String {
        format!("https://localhost:{}{path}", self.port)
    }

    pub fn addr(&self) -> std::net::SocketAddr {
        ([127, 0, 0, 1], self.port).into()
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The media store given to the daemon with `storage_toml`.
    pub fn storage_dir(&self) -> PathBuf {
        self.dir.path().join("storage")
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("daemon.log")).unwrap_or_default()
    }

    /// GET on the operator listener; returns the raw response text.
    pub fn ops_get(&self, path: &str) -> Result<String> {
        match &self.ops {
            OpsAddr::Tcp(a) => {
                let (status, body) = http_get(*a, path, &[]).map_err(io("ops GET"))?;
                Ok(format!("HTTP/1.1 {status}\r\n\r\n{body}"))
            }
            OpsAddr::Unix(p) => unix_get(p, path).map_err(io("ops GET (unix)")),
        }
    }

    pub fn signal(&self, sig: Signal) -> Result<()> {
        kill(Pid::from_raw(self.child.pid() as i32), sig).map_err(io("kill"))
    }

    /// Waits for the process to exit.
    pub fn wait_exit(&mut self, limit: Duration) -> Option<ExitStatus> {
        let start = Instant::now();
        while start.elapsed() < limit {
            if let Some(s) = self.child.exited() {
                return Some(s);
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        None
    }

    /// Waits until the log contains `needle`.
    pub fn wait_log(&self, needle: &str, limit: Duration) -> bool {
        let start = Instant::now();
        while start.elapsed() < limit {
            if self.log().contains(needle) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        false
    }
}

/// The first certificate in a PEM text, as DER.
pub fn pem_to_der(pem: &str) -> Result<Vec<u8>> {
    use rustls::pki_types::pem::PemObject;
    rustls::pki_types::CertificateDer::from_pem_slice(pem.as_bytes())
        .map(|c| c.to_vec())
        .map_err(|e| HarnessError::Setup(format!("CA PEM: {e:?}")))
}

fn unix_get(path: &Path, target: &str) -> std::io::Result<String> {
    use std::io::{Read, Write};
    let mut s = UnixStream::connect(path)?;
    s.set_read_timeout(Some(Duration::from_secs(5)))?;
    write!(
        s,
        "GET {target} HTTP/1.1\r\nHost: ops\r\nConnection: close\r\n\r\n"
    )?;
    let mut out = String::new();
    s.read_to_string(&mut out)?;
    Ok(out)
}
