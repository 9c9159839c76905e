//! Running pgBackRest, restic, age and curl. Secrets reach them only through the
//! child's environment or standard input, never an argument (which every
//! account can read in /proc) and never a file on disk. Their output goes
//! to our standard error (the journal under systemd), line by line, so that
//! long steps show progress; the tail is kept to explain a failure.

use std::ffi::OsString;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use secrecy::{ExposeSecret, SecretString};

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("the backup repository {path} does not exist or is not mounted: mount the backup disk, or create it with `custodianctl backup setup`")]
    RepositoryMissing { path: PathBuf },
    #[error("the repository passphrases are unavailable from Vault ({what}): {source}; check that Vault is reachable and unsealed, that the migrator's secret_id is valid (`custodianctl vault secret-id --role custodian-migrator`), and that `custodianctl vault provision` has run")]
    PassphraseUnavailable {
        what: String,
        source: custodian_vault::VaultError,
    },
    #[error("the backup disk holding {path} is full: {tool} stopped ({detail}); nothing already stored was changed. Free space on it, or keep fewer backups (repository.retention-full), then run the backup again")]
    DiskFull {
        path: PathBuf,
        tool: &'static str,
        detail: String,
    },
    #[error("{tool} is not installed ({source}): run scripts/install-deps or apt-get install pgbackrest restic age curl")]
    ToolMissing {
        tool: &'static str,
        source: std::io::Error,
    },
    #[error("{tool} {what} failed ({status}): {tail}")]
    ToolFailed {
        tool: &'static str,
        what: String,
        status: String,
        tail: String,
    },
    #[error("{what}: {source}")]
    Io {
        what: String,
        source: std::io::Error,
    },
    #[error("Vault: {what}: {source}")]
    Vault {
        what: String,
        source: custodian_vault::VaultError,
    },
    #[error("database: {what}: {source}")]
    Database {
        what: String,
        source: tokio_postgres::Error,
    },
    #[error("the remote repository's access key is unavailable from Vault: {source}; store it with `custodianctl vault backup-remote-credentials` (an operator token; read from standard input, never an argument) and check that the migrator's policy may read it (`custodianctl vault provision` writes the policy)")]
    RemoteCredentials { source: custodian_vault::VaultError },
    #[error("the remote repository's access key id in Vault has {found}, which no S3 access key id has (curl would split the key at the first colon): store the right one with `custodianctl vault backup-remote-credentials`")]
    RemoteAccessKeyId { found: &'static str },
    #[error("the remote repository {target} is unreachable: {detail}; check remote.endpoint, the network (DNS, firewall) and remote.ca-cert (the CA that signed the endpoint's certificate)")]
    RemoteUnreachable {
        target: String,
        /// curl's own message ("Couldn't connect to server", a
        /// certificate problem, a timeout).
        detail: String,
    },
    #[error("the remote repository {target} refused to {what} (HTTP {status} {code}): {fix}")]
    RemoteRefused {
        target: String,
        what: String,
        status: u16,
        code: String,
        fix: String,
    },
    #[error("the local backup {local} is stored, but the remote copy failed: {source}")]
    RemoteFailed {
        local: String,
        source: Box<BackupError>,
    },
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    Config(#[from] super::config::ConfigError),
}

pub fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> BackupError {
    let what = what.into();
    move |source| BackupError::Io { what, source }
}

/// A child process: its program, arguments (never secret), environment
/// secrets and the account it runs as.
pub struct Tool {
    pub name: &'static str,
    pub what: String,
    program: OsString,
    args: Vec<OsString>,
    secret_env: Vec<(&'static str, SecretString)>,
    plain_env: Vec<(&'static str, OsString)>,
    run_as: Option<String>,
    stdin: Option<SecretString>,
    /// Where a "no space left" failure is reported against.
    disk: Option<PathBuf>,
    quiet: bool,
}

impl Tool {
    pub fn new(name: &'static str, what: impl Into<String>) -> Self {
        Self {
            name,
            what: what.into(),
            program: name.into(),
            args: Vec::new(),
            secret_env: Vec::new(),
            plain_env: Vec::new(),
            run_as: None,
            stdin: None,
            disk: None,
            quiet: false,
        }
    }
    /// Runs this executable (a full path) instead of `name` from PATH.
    pub fn program(mut self, p: impl Into<OsString>) -> Self {
        self.program = p.into();
        self
    }
    pub fn arg(mut self, a: impl Into<OsString>) -> Self {
        self.args.push(a.into());
        self
    }
    pub fn args<I: IntoIterator<Item = S>, S: Into<OsString>>(mut self, a: I) -> Self {
        self.args.extend(a.into_iter().map(Into::into));
        self
    }
    pub fn secret_env(mut self, key: &'static str, value: &SecretString) -> Self {
        self.secret_env.push((key, value.clone()));
        self
    }
    pub fn env(mut self, key: &'static str, value: impl Into<OsString>) -> Self {
        self.plain_env.push((key, value.into()));
        self
    }
    /// Runs as `user` (through runuser, which keeps the environment) when
    /// we are root and `user` is someone else.
    pub fn run_as(mut self, user: &str) -> Self {
        self.run_as = Some(user.to_owned());
        self
    }
    pub fn stdin_secret(mut self, s: SecretString) -> Self {
        self.stdin = Some(s);
        self
    }
    pub fn disk(mut self, p: &Path) -> Self {
        self.disk = Some(p.to_owned());
        self
    }
    /// Keeps the child's output to ourselves (for JSON we parse).
    pub fn quiet(mut self) -> Self {
        self.quiet = true;
        self
    }

    fn command(&self) -> Command {
        let me = nix::unistd::User::from_uid(nix::unistd::geteuid())
            .ok()
            .flatten()
            .map(|u| u.name);
        let mut cmd = match &self.run_as {
            Some(u) if me.as_deref() != Some(u.as_str()) && nix::unistd::geteuid().is_root() => {
                let mut c = Command::new("runuser");
                c.args(["-u", u, "--"]).arg(&self.program);
                c
            }
            _ => Command::new(&self.program),
        };
        cmd.args(&self.args);
        // Only what the tool needs: no inherited secrets (VAULT_TOKEN).
        cmd.env_clear();
        cmd.env("PATH", "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin");
        cmd.env("LANG", "C.UTF-8");
        if let Some(h) = std::env::var_os("HOME") {
            cmd.env("HOME", h);
        }
        for (k, v) in &self.plain_env {
            cmd.env(k, v);
        }
        for (k, v) in &self.secret_env {
            cmd.env(k, v.expose_secret());
        }
        cmd
    }

    /// Runs to completion; returns its standard output.
    pub fn run(self) -> Result<Vec<u8>, BackupError> {
        let name = self.name;
        let what = self.what.clone();
        let disk = self.disk.clone();
        let Finished { status, out, tail } = self.finish()?;
        if status.success() {
            return Ok(out);
        }
        failure(name, what, disk, status, &out, &tail)
    }

    /// Runs to completion, whatever its exit status: the status, its
    /// standard output and the last lines of its standard error. Only a
    /// child that cannot be started (or fed, or waited for) is an error.
    pub fn finish(self) -> Result<Finished, BackupError> {
        let mut cmd = self.command();
        cmd.stdin(if self.stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
        let mut child = cmd.spawn().map_err(|source| {
            if source.kind() == std::io::ErrorKind::NotFound {
                BackupError::ToolMissing {
                    tool: self.name,
                    source,
                }
            } else {
                BackupError::Io {
                    what: format!("start {}", self.name),
                    source,
                }
            }
        })?;
        if let (Some(secret), Some(mut sin)) = (&self.stdin, child.stdin.take()) {
            sin.write_all(secret.expose_secret().as_bytes())
                .map_err(io(format!("hand {} its input", self.name)))?;
        }
        let name = self.name;
        let quiet = self.quiet;
        let err_reader = child.stderr.take().map(|e| {
            std::thread::spawn(move || {
                let mut tail: Vec<String> = Vec::new();
                for line in BufReader::new(e).lines().map_while(Result::ok) {
                    if !quiet {
                        eprintln!("  {name}: {line}");
                    }
                    tail.push(line);
                    if tail.len() > 40 {
                        tail.remove(0);
                    }
                }
                tail
            })
        });
        let mut out = Vec::new();
        if let Some(mut o) = child.stdout.take() {
            if quiet {
                o.read_to_end(&mut out)
                    .map_err(io(format!("read {}'s output", self.name)))?;
            } else {
                for line in BufReader::new(o).split(b'\n').map_while(Result::ok) {
                    eprintln!("  {name}: {}", String::from_utf8_lossy(&line));
                    out.extend_from_slice(&line);
                    out.push(b'\n');
                }
            }
        }
        let status = child
            .wait()
            .map_err(io(format!("wait for {}", self.name)))?;
        let tail = err_reader.and_then(|h| h.join().ok()).unwrap_or_default();
        Ok(Finished { status, out, tail })
    }
}

/// A child that ran to completion.
pub struct Finished {
    pub status: std::process::ExitStatus,
    pub out: Vec<u8>,
    /// Its standard error's last lines.
    pub tail: Vec<String>,
}

/// A failed child's error: a full disk, else its status and last lines.
fn failure(
    name: &'static str,
    what: String,
    disk: Option<PathBuf>,
    status: std::process::ExitStatus,
    out: &[u8],
    tail: &[String],
) -> Result<Vec<u8>, BackupError> {
    let text = format!("{}\n{}", tail.join("\n"), String::from_utf8_lossy(out));
    let lower = text.to_ascii_lowercase();
    if lower.contains("no space left on device") || lower.contains("disk quota exceeded") {
        let detail = text
            .lines()
            .find(|l| l.to_ascii_lowercase().contains("no space left"))
            .unwrap_or("no space left on device")
            .trim()
            .to_owned();
        return Err(BackupError::DiskFull {
            path: disk.unwrap_or_default(),
            tool: name,
            detail,
        });
    }
    Err(BackupError::ToolFailed {
        tool: name,
        what,
        status: status.to_string(),
        tail: last_lines(&text, 6),
    })
}

pub fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(n)..].join(" | ")
}
