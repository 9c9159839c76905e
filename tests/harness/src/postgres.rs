//! A private PostgreSQL cluster on a free loopback port.
//!
//! `initdb` refuses to run as root, so as root the cluster belongs to the
//! `postgres` account (in a private directory); otherwise to the caller.

use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use crate::{free_port, io, is_root, random_hex, HarnessError, Result};

pub struct Postgres {
    /// Removed on drop, for a throw-away cluster; `None` for a persistent
    /// one (see [`Postgres::start_persistent`]).
    _temp: Option<tempfile::TempDir>,
    /// Holds `data/`, `pwfile`, `server.log` and the unix socket.
    dir: PathBuf,
    bin: PathBuf,
    pub port: u16,
    pub superuser: String,
    pub superuser_password: String,
    /// A persistent cluster syncs its writes and stops with a checkpoint
    /// ("fast"); a throw-away one does neither, for speed.
    persistent: bool,
    running: bool,
}

fn pg_bin() -> Result<PathBuf> {
    if let Some(p) = std::env::var_os("PG_BIN") {
        return Ok(PathBuf::from(p));
    }
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map_err(io(
            "look for PostgreSQL in /usr/lib/postgresql (apt-get install postgresql)",
        ))?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|p| p.join("initdb").exists())
        .collect();
    found.sort();
    found.pop().ok_or_else(|| {
        HarnessError::Setup(
            "no PostgreSQL server binaries under /usr/lib/postgresql; apt-get install postgresql"
                .into(),
        )
    })
}

/// Written next to `data/` once initdb has finished: a `data/` without it
/// is what an interrupted initdb left, and holds nothing worth keeping.
const INITIALISED: &str = "initialised";

impl Postgres {
    /// A throw-away cluster in a temporary directory, removed on drop.
    pub fn start() -> Result<Self> {
        let temp = tempfile::Builder::new()
            .prefix("custodian-pg-")
            .tempdir()
            .map_err(io("create PostgreSQL directory"))?;
        let dir = temp.path().to_path_buf();
        let mut me = Self::open(dir, false)?;
        me._temp = Some(temp);
        Ok(me)
    }

    /// A cluster kept in `dir` (created when missing): the first start runs
    /// initdb, later starts use the same data and superuser password
    /// (`dir/pwfile`, mode 0600). The port is picked afresh each time.
    /// Dropping the handle stops the server and keeps the data.
    pub fn start_persistent(dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(dir).map_err(io(format!("create {}", dir.display())))?;
        Self::open(dir.to_path_buf(), true)
    }

    fn open(dir: PathBuf, persistent: bool) -> Result<Self> {
        let bin = pg_bin()?;
        let pwfile = dir.join("pwfile");
        let initialised = persistent && dir.join(INITIALISED).is_file();
        let password = if initialised {
            std::fs::read_to_string(&pwfile)
                .map_err(io(format!(
                    "read {} (the superuser password of the kept PostgreSQL cluster; start over with --fresh if it is lost)",
                    pwfile.display()
                )))?
                .trim()
                .to_owned()
        } else {
            let password = random_hex(16);
            let _ = std::fs::remove_file(&pwfile);
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&pwfile)
                .map_err(io("create pwfile"))?;
            f.write_all(password.as_bytes())
                .and_then(|()| f.sync_all())
                .map_err(io("write pwfile"))?;
            password
        };
        if is_root() {
            let pg = nix::unistd::User::from_name("postgres")
                .ok()
                .flatten()
                .ok_or_else(|| {
                    HarnessError::Setup(
                        "the postgres account is missing; apt-get install postgresql".into(),
                    )
                })?;
            for p in [dir.clone(), pwfile.clone()] {
                nix::unistd::chown(&p, Some(pg.uid), Some(pg.gid))
                    .map_err(io("chown PostgreSQL directory"))?;
            }
        }
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))
            .map_err(io("chmod"))?;
        let mut me = Self {
            _temp: None,
            dir,
            bin,
            port: free_port()?,
            superuser: "postgres".into(),
            superuser_password: password,
            persistent,
            running: false,
        };
        let data = me.data_dir();
        if !initialised {
            if data.exists() {
                std::fs::remove_dir_all(&data)
                    .map_err(io("remove the data of an interrupted initdb"))?;
            }
            let mut args = vec![
                "-D",
                path_str(&data)?,
                "-U",
                "postgres",
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "--pwfile",
                path_str(&pwfile)?,
                "-E",
                "UTF8",
                "--locale=C",
            ];
            if !persistent {
                args.push("--no-sync");
            }
            me.run_as_owner("initdb", &args)?;
            if persistent {
                std::fs::write(me.dir.join(INITIALISED), "initdb finished\n")
                    .map_err(io("mark the cluster initialised"))?;
            }
        }
        if initialised {
            stop_leftover(&me.dir)?;
        }
        // Another process may bind the picked port first: start again on a
        // fresh one (the cluster itself stays).
        crate::retry_on_port_clash("PostgreSQL", |attempt| {
            if attempt > 1 {
                me.port = free_port()?;
            }
            me.start_server()
        })?;
        Ok(me)
    }

    /// The cluster's data directory.
    pub fn data_dir(&self) -> PathBuf {
        self.dir.join("data")
    }

    /// The directory holding `data/` and the unix socket.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The server binaries' directory (pg_ctl, psql).
    pub fn bin_dir(&self) -> &Path {
        &self.bin
    }

    fn run_as_owner(&self, tool: &str, args: &[&str]) -> Result<Output> {
        let exe = self.bin.join(tool);
        let mut cmd = if is_root() {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&exe);
            c
        } else {
            Command::new(&exe)
        };
        let out = cmd.args(args).output().map_err(io(format!("run {tool}")))?;
        if !out.status.success() {
            return Err(HarnessError::Setup(format!(
                "{tool} failed: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )));
        }
        Ok(out)
    }

    /// Starts (or restarts after [`Postgres::stop`]) the server.
    pub fn start_server(&mut self) -> Result<()> {
        // Throw-away clusters skip durability for speed; a kept one must
        // survive a crash of the machine.
        let durability = if self.persistent {
            ""
        } else {
            " -c fsync=off -c full_page_writes=off"
        };
        let opts = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1{durability} -c max_connections=200",
            self.port,
            self.dir.display()
        );
        let data = self.data_dir();
        let log = self.dir.join("server.log");
        self.run_as_owner(
            "pg_ctl",
            &[
                "-D",
                path_str(&data)?,
                "-o",
                &opts,
                "-l",
                path_str(&log)?,
                "-w",
                "-t",
                "60",
                "start",
            ],
        )
        // pg_ctl only says "see the log": the log says why.
        .map_err(|e| {
            HarnessError::Setup(format!(
                "{e}\nPostgreSQL's log:\n{}",
                crate::log_tail(&self.log(), 4000)
            ))
        })?;
        self.running = true;
        Ok(())
    }

    /// Stops the server at once (clients see their connections drop); a
    /// persistent cluster with a checkpoint first ("fast"), so that the
    /// next start needs no crash recovery.
    pub fn stop(&mut self) -> Result<()> {
        let data = self.data_dir();
        let mode = if self.persistent { "fast" } else { "immediate" };
        self.run_as_owner(
            "pg_ctl",
            &["-D", path_str(&data)?, "-m", mode, "-w", "-t", "60", "stop"],
        )?;
        self.running = false;
        Ok(())
    }

    /// A libpq URL for `user` on database `db`.
    pub fn url(&self, user: &str, password: &str, db: &str) -> String {
        format!(
            "postgresql://{user}:{password}@127.0.0.1:{}/{db}?sslmode=disable",
            self.port
        )
    }

    /// psql connected over TCP as `user`, stopping at the first error.
    fn psql_command(&self, user: &str, password: &str, db: &str) -> Command {
        let mut cmd = Command::new(self.bin.join("psql"));
        cmd.args([
            "-h",
            "127.0.0.1",
            "-p",
            &self.port.to_string(),
            "-U",
            user,
            "-d",
            db,
        ])
        .args(["-v", "ON_ERROR_STOP=1", "-X", "-q"])
        .env("PGPASSWORD", password)
        .env("PGCONNECT_TIMEOUT", "5");
        cmd
    }

    /// A shell command line running psql as the superuser on `db`, for
    /// test scripts that stand in for a release's own tools.
    pub fn superuser_shell_command(&self, db: &str) -> String {
        format!(
            "PGPASSWORD='{}' {} -h 127.0.0.1 -p {} -U postgres -d {db} -v ON_ERROR_STOP=1 -X -q",
            self.superuser_password,
            self.bin.join("psql").display(),
            self.port
        )
    }

    /// Runs SQL as the superuser through psql and returns its unaligned
    /// output.
    pub fn psql(&self, db: &str, sql: &str) -> Result<String> {
        self.psql_as("postgres", &self.superuser_password, db, sql)
            .map_err(|e| HarnessError::Setup(format!("psql: {e}")))
    }

    /// Runs a SQL file as the superuser with psql variables. The variables
    /// go through psql's standard input (`\set`, then `\i FILE`), never its
    /// arguments: they carry passwords, and arguments are visible to every
    /// account on the machine.
    pub fn psql_file(&self, db: &str, file: &Path, vars: &[(&str, &str)]) -> Result<String> {
        use std::process::Stdio;
        let mut script = String::new();
        for (k, v) in vars {
            // Inside psql's single quotes a quote is written twice.
            script.push_str(&format!("\\set {k} '{}'\n", v.replace('\'', "''")));
        }
        script.push_str(&format!("\\i '{}'\n", path_str(file)?.replace('\'', "''")));
        let mut child = self
            .psql_command("postgres", &self.superuser_password, db)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(io("run psql"))?;
        if let Some(mut stdin) = child.stdin.take() {
            stdin
                .write_all(script.as_bytes())
                .map_err(io("write to psql"))?;
        }
        let out = child.wait_with_output().map_err(io("run psql"))?;
        if !out.status.success() {
            return Err(HarnessError::Setup(format!(
                "psql -f {}: {}",
                file.display(),
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
    }

    /// Runs SQL as `user`/`password` (not the superuser); returns the
    /// output or psql's error text.
    pub fn psql_as(
        &self,
        user: &str,
        password: &str,
        db: &str,
        sql: &str,
    ) -> std::result::Result<String, String> {
        let out = self
            .psql_command(user, password, db)
            .args(["-A", "-t", "-c", sql])
            .output()
            .map_err(|e| e.to_string())?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).trim().to_owned())
        }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default()
    }

    pub fn wait_ready(&self, limit: Duration) -> bool {
        let start = std::time::Instant::now();
        while start.elapsed() < limit {
            if self.psql("postgres", "SELECT 1").is_ok() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        false
    }
}

/// Stops a server that an earlier owner of the cluster in `dir` (see
/// [`Postgres::start_persistent`]) left running because it was killed
/// before it could stop it; the caller holds `dir`, so the server is no one
/// else's. Nothing to do without `data/postmaster.pid`; a stale one (after
/// a crash) makes pg_ctl fail here, and the next start removes it.
pub fn stop_leftover(dir: &Path) -> Result<()> {
    let data = dir.join("data");
    if !data.join("postmaster.pid").exists() {
        return Ok(());
    }
    let pg_ctl = pg_bin()?.join("pg_ctl");
    let mut cmd = if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(&pg_ctl);
        c
    } else {
        Command::new(&pg_ctl)
    };
    let stopped = cmd
        .arg("-D")
        .arg(&data)
        .args(["-m", "fast", "-w", "-t", "60", "stop"])
        .output()
        .map_err(io("run pg_ctl"))?;
    if stopped.status.success() {
        eprintln!(
            "harness: stopped a PostgreSQL left running on {}",
            data.display()
        );
    }
    Ok(())
}

fn path_str(p: &Path) -> Result<&str> {
    p.to_str()
        .ok_or_else(|| HarnessError::Setup(format!("non-UTF-8 path {}", p.display())))
}

impl Drop for Postgres {
    fn drop(&mut self) {
        if self.running {
            let _ = self.stop();
        }
    }
}
