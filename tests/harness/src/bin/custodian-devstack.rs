//! Starts a complete local appliance for development and demonstration:
//! a private PostgreSQL, an OpenBao provisioned by `custodianctl vault
//! provision`, a media store, and custodiand serving https://localhost:PORT
//! with its TLS certificate from OpenBao's PKI.
//!
//! Everything lives in a state directory that outlives a run: Ctrl-C stops
//! the servers and keeps their data, the next run starts them on the same
//! data, and `--fresh` deletes it first. OpenBao's unseal key and root token
//! are kept there too, which is what makes this development-only.
#![forbid(unsafe_code)]

use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use custodian_harness::daemon::custodiand_bin;
use custodian_harness::{
    ensure_system_user, free_port, is_addr_in_use, is_root, retry_on_port_clash, DbFixture,
    HarnessError, OpenBao, Postgres, VaultFixture,
};

const USAGE: &str = "usage: custodian-devstack [--port PORT] [--state-dir DIR] [--fresh]

Starts a local Custodian appliance for development and demonstration: a
private PostgreSQL, an OpenBao provisioned with `custodianctl vault
provision`, a media store, and custodiand on https://localhost:PORT, until
Ctrl-C. Run as root: custodiand binds, then drops to the `custodian` account.

Everything is kept in the state directory and reused by the next run (the
same accounts, records, uploaded files, CA certificate):
  DIR/postgres/   PostgreSQL's data and its superuser password (pwfile)
  DIR/openbao/    OpenBao's storage, and init.json: its unseal key and root
                  token (mode 0600, root only)
  DIR/vault/      custodiand's and the migrator's AppRole secret_ids
  DIR/media/      uploaded evidence files and exports (encrypted)
  DIR/backup/     the backup repository (repository/), backup.toml, the
                  sealed key escrow and its recovery key (development only:
                  on a server the recovery key never lives on the machine)
  DIR/custodiand.toml, DIR/ca.pem   the configuration and the CA to trust
DEVELOPMENT ONLY: whoever can read DIR as root holds the whole appliance,
since OpenBao's unseal key and root token sit next to the data they open.
A production appliance keeps them with its security team (see README).

Ctrl-C (or SIGTERM) stops custodiand, OpenBao and PostgreSQL cleanly and
deletes nothing.

  --port PORT       public HTTPS port on 127.0.0.1 (default 8443; 0 picks
                    a free one and prints it)
  --state-dir DIR   where everything is kept (default ./.appliance)
  --fresh           delete the state directory first and start an empty
                    appliance (setup page again)
  -h, --help        this text";

/// Written into every state directory: what it holds, and the mark that
/// lets `--fresh` delete it (and nothing else).
const MARKER: &str = "DEVELOPMENT-ONLY.txt";
const MARKER_TEXT: &str = "This directory is the state of a local Custodian appliance started by\n\
scripts/appliance (custodian-devstack). It holds PostgreSQL's data, the media\n\
store, and an OpenBao together with its unseal key and root token\n\
(openbao/init.json): for development only. Start over with\n\
scripts/appliance --fresh, which deletes this directory.\n";

/// A unix socket's path is at most 107 bytes; PostgreSQL's and OpenBao's
/// sockets live two levels below the state directory.
const MAX_STATE_PATH: usize = 80;

struct Args {
    /// `None`: pick a free port.
    port: Option<u16>,
    state: PathBuf,
    fresh: bool,
}

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("custodian-devstack: {e}");
            ExitCode::FAILURE
        }
    }
}

fn parse_args() -> Result<Option<Args>, String> {
    let mut a = Args {
        port: Some(8443),
        state: PathBuf::from(".appliance"),
        fresh: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--port" => {
                let p: u16 = args
                    .next()
                    .and_then(|p| p.parse().ok())
                    .ok_or("--port needs a number (0 picks a free port)")?;
                a.port = (p != 0).then_some(p);
            }
            "--state-dir" => {
                a.state = args
                    .next()
                    .map(PathBuf::from)
                    .ok_or("--state-dir needs a path")?
            }
            "--fresh" => a.fresh = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(None);
            }
            other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
        }
    }
    Ok(Some(a))
}

fn run() -> Result<ExitCode, String> {
    let Some(args) = parse_args()? else {
        return Ok(ExitCode::SUCCESS);
    };
    if !is_root() {
        return Err("run as root: custodiand binds, then drops to the `custodian` account".into());
    }
    if let Some(port) = args.port {
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_err() {
            return Err(format!(
                "port {port} is in use; stop what uses it or pass --port (0 picks a free one)"
            ));
        }
    }
    // Signals are caught from here on: a Ctrl-C during start-up stops what
    // has started instead of leaving it running.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let stop = Arc::new(AtomicBool::new(false));
    {
        let _in = rt.enter();
        use tokio::signal::unix::{signal, SignalKind};
        let (mut term, mut int) = (
            signal(SignalKind::terminate()).map_err(|e| e.to_string())?,
            signal(SignalKind::interrupt()).map_err(|e| e.to_string())?,
        );
        let stop = Arc::clone(&stop);
        rt.spawn(async move {
            tokio::select! {
                _ = term.recv() => {},
                _ = int.recv() => {},
            }
            stop.store(true, Ordering::SeqCst);
        });
    }

    let (state, _lock) = open_state(&args)?;
    // A custodiand a killed run left behind still holds its port.
    stop_leftover_daemon(&state);
    let stopped = || {
        if stop.load(Ordering::SeqCst) {
            Err("stopped during start-up; nothing was deleted".to_owned())
        } else {
            Ok(())
        }
    };
    ensure_system_user("custodian").map_err(|e| e.to_string())?;

    step("starting PostgreSQL (data kept in postgres/)");
    let mut pg = Postgres::start_persistent(&state.join("postgres")).map_err(|e| e.to_string())?;
    println!("      127.0.0.1:{}", pg.port);
    stopped()?;
    step("starting OpenBao (storage and unseal key kept in openbao/)");
    let bao = OpenBao::start_persistent(&state.join("openbao")).map_err(|e| e.to_string())?;
    println!("      {} (unsealed)", bao.url());
    stopped()?;
    step("provisioning OpenBao (custodianctl vault provision; keeps what exists)");
    let vault =
        VaultFixture::provision_in(&bao, &state.join("vault"), &[]).map_err(|e| e.to_string())?;
    for line in vault.report.lines() {
        println!("    {}", line.trim());
    }
    stopped()?;
    step("bootstrapping PostgreSQL, provisioning Vault's database engine, migrating");
    let db = DbFixture::provision(&bao, &vault, &pg, &[]).map_err(|e| e.to_string())?;
    for line in db.report.lines() {
        println!("    {}", line.trim());
    }
    stopped()?;
    let media = media_dir(&state)?;
    step("configuring the backup repository (backup/; custodianctl backup setup)");
    let backup_config = backup_repository(&state, &bao, &db, &mut pg, &media)?;
    stopped()?;
    let ca = state.join("ca.pem");
    std::fs::write(&ca, &vault.ca_pem).map_err(|e| format!("write {}: {e}", ca.display()))?;

    step("starting custodiand");
    let config = state.join("custodiand.toml");
    let tables = Tables {
        vault: vault.vault_toml(),
        database: db.database_toml(),
        media,
    };
    let mut daemon = start_daemon(&config, &tables, args.port, &stop)?;
    let port = daemon.port;
    let first_time = daemon.setup_token_logged.load(Ordering::SeqCst);
    println!(
        "\nCustodian is serving on https://localhost:{port}/\n\
         \n  state:          {state} (kept between runs)\n\
         \x20 start over:     scripts/appliance --fresh (deletes {state})\n\
         \x20 trust its CA:   curl --cacert {ca} https://localhost:{port}/\n\
         \x20                 (browsers: import {ca} as an authority, or accept the warning)\n\
         \x20 readiness:      curl http://127.0.0.1:{ops}/readyz\n\
         \x20 configuration:  {config}\n\
         \x20 OpenBao:        {bao_url} (root token in {keys}; development only)\n\
         \x20 PostgreSQL:     127.0.0.1:{pg_port} (user postgres, password in {pw})\n",
        state = state.display(),
        ca = ca.display(),
        ops = daemon.ops,
        config = config.display(),
        bao_url = bao.url(),
        keys = state.join("openbao/init.json").display(),
        pg_port = pg.port,
        pw = state.join("postgres/pwfile").display(),
    );
    if first_time {
        println!(
            "No administrator yet: open https://localhost:{port}/setup and enter the one-time\n\
             setup token custodiand printed above (valid for an hour)."
        );
    }
    println!(
        "Backups (as root, while this runs):\n\
         \x20 custodianctl backup now --type full --config {c}\n\
         \x20 custodianctl backup list --config {c}\n\
         \x20 custodianctl backup verify --config {c}\n\
         \x20 custodianctl backup drill --config {c}",
        c = backup_config.display()
    );
    println!("Press Ctrl-C to stop; the data stays for the next run.");

    let exited = loop {
        if stop.load(Ordering::SeqCst) {
            break None;
        }
        if let Ok(Some(status)) = daemon.child.try_wait() {
            break Some(status);
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    step("stopping custodiand, OpenBao and PostgreSQL (the data stays)");
    let status = match exited {
        Some(s) => s,
        None => stop_child(&mut daemon.child, Duration::from_secs(30)),
    };
    daemon.join_output();
    // OpenBao closes its storage on SIGTERM, PostgreSQL checkpoints
    // ("fast" shutdown): their handles do both when dropped.
    drop(db);
    drop(vault);
    drop(bao);
    drop(pg);
    // PostgreSQL is down: its archive_command's passphrase file can go
    // (the next start writes it again).
    let _ = std::fs::remove_dir_all(backup_runtime_dir(&state));
    println!(
        "stopped; the state is kept in {} (scripts/appliance --fresh starts over)",
        state.display()
    );
    Ok(if exited.is_some() && !status.success() {
        eprintln!(
            "custodian-devstack: custodiand stopped by itself ({status}); see its messages above"
        );
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn step(what: &str) {
    println!("==> {what}");
}

/// Creates (or, with `--fresh`, first deletes) the state directory and
/// locks it for this run. Returns its canonical path and the lock.
fn open_state(args: &Args) -> Result<(PathBuf, Lock), String> {
    let state = &args.state;
    if state.exists() && !looks_like_state(state) {
        return Err(format!(
            "{} is not empty and has no {MARKER}, so it is not a state directory this tool made; not touching it (pass another --state-dir)",
            state.display()
        ));
    }
    if args.fresh && state.exists() {
        let lock = lock_state(state)?;
        // Servers an earlier, killed run left behind would keep the
        // deleted files open.
        stop_leftovers(state);
        println!(
            "==> --fresh: deleting {} (PostgreSQL data, media, OpenBao and its keys)",
            state.display()
        );
        std::fs::remove_dir_all(state)
            .map_err(|e| format!("--fresh: cannot delete {}: {e}", state.display()))?;
        drop(lock);
    }
    let created = !state.exists();
    std::fs::create_dir_all(state)
        .map_err(|e| format!("cannot create {}: {e}", state.display()))?;
    let state = state
        .canonicalize()
        .map_err(|e| format!("{}: {e}", state.display()))?;
    if state.as_os_str().len() > MAX_STATE_PATH {
        return Err(format!(
            "the state directory's path {} is longer than {MAX_STATE_PATH} bytes, too long for the unix sockets inside it; pass a shorter --state-dir",
            state.display()
        ));
    }
    let meta = std::fs::metadata(&state).map_err(|e| e.to_string())?;
    if meta.uid() != 0 {
        return Err(format!(
            "{} belongs to uid {}, not root: it will hold OpenBao's unseal key; use a directory root owns",
            state.display(),
            meta.uid()
        ));
    }
    let lock = lock_state(&state)?;
    // Others may pass through (custodiand, as `custodian`, reaches media/)
    // but not list it; what is secret inside is 0700 or 0600 itself.
    std::fs::set_permissions(&state, std::fs::Permissions::from_mode(0o711))
        .map_err(|e| format!("chmod 0711 {}: {e}", state.display()))?;
    std::fs::write(state.join(MARKER), MARKER_TEXT).map_err(|e| e.to_string())?;
    if created {
        step(&format!("new state directory {}", state.display()));
    } else {
        step(&format!(
            "reusing the state in {} (--fresh starts over)",
            state.display()
        ));
    }
    Ok((state, lock))
}

/// Whether `dir` may be used (and, with `--fresh`, deleted) as a state
/// directory: it has the marker, or holds nothing but what the earlier
/// devstack (which kept no data) wrote there.
fn looks_like_state(dir: &Path) -> bool {
    if dir.join(MARKER).is_file() {
        return true;
    }
    std::fs::read_dir(dir).is_ok_and(|entries| {
        entries.into_iter().all(|e| {
            e.is_ok_and(|e| {
                matches!(
                    e.file_name().to_str(),
                    Some("lock" | "ca.pem" | "custodiand.toml")
                )
            })
        })
    })
}

/// An exclusive flock(2) on `DIR/lock`, released when dropped.
type Lock = nix::fcntl::Flock<File>;

/// Holds `DIR/lock` for as long as the file stays open: two runs on one
/// state directory would start two servers on the same data.
fn lock_state(state: &Path) -> Result<Lock, String> {
    std::fs::create_dir_all(state)
        .map_err(|e| format!("cannot create {}: {e}", state.display()))?;
    let path = state.join("lock");
    let f = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    // flock(2) through nix: std's File::try_lock is newer than the
    // workspace's rust-version.
    nix::fcntl::Flock::lock(f, nix::fcntl::FlockArg::LockExclusiveNonblock).map_err(|_| {
        format!(
            "another custodian-devstack is using {}; stop it first (Ctrl-C in its terminal)",
            state.display()
        )
    })
}

/// Stops a custodiand that a killed run left on `state`: the pid it
/// recorded, if that process still runs this state's configuration.
fn stop_leftover_daemon(state: &Path) {
    let Some(pid) = std::fs::read_to_string(state.join("custodiand.pid"))
        .ok()
        .and_then(|t| t.trim().parse::<i32>().ok())
    else {
        return;
    };
    let config = state.join("custodiand.toml");
    let ours = || {
        std::fs::read(format!("/proc/{pid}/cmdline"))
            .map(|c| {
                c.split(|b| *b == 0)
                    .any(|a| a == config.as_os_str().as_encoded_bytes())
            })
            .unwrap_or(false)
    };
    if !ours() {
        return;
    }
    println!("==> stopping a custodiand an earlier run left running (pid {pid})");
    let signal = |s| nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), s);
    let _ = signal(nix::sys::signal::Signal::SIGTERM);
    let deadline = Instant::now() + Duration::from_secs(30);
    while ours() {
        if Instant::now() > deadline {
            let _ = signal(nix::sys::signal::Signal::SIGKILL);
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Stops the servers that a killed run left on `state`.
fn stop_leftovers(state: &Path) {
    stop_leftover_daemon(state);
    if let Err(e) = custodian_harness::openbao::stop_leftover(&state.join("openbao")) {
        eprintln!("custodian-devstack: {e}");
    }
    if let Err(e) = custodian_harness::postgres::stop_leftover(&state.join("postgres")) {
        eprintln!("custodian-devstack: {e}");
    }
}

/// `DIR/media`, owned by `custodian` (0700). custodiand opens it after
/// dropping to that account, so every directory above it must let other
/// accounts pass.
/// A backup repository in `state/backup/`: an age recovery key (kept
/// there: development only), the key escrow sealed to it, backup.toml for
/// this run's ports, WAL archiving turned on (PostgreSQL restarted once
/// for it). Returns backup.toml's path.
fn backup_repository(
    state: &Path,
    bao: &OpenBao,
    db: &DbFixture,
    pg: &mut Postgres,
    media: &Path,
) -> Result<PathBuf, String> {
    let dir = state.join("backup");
    let repo = dir.join("repository");
    std::fs::create_dir_all(&repo).map_err(|e| format!("create {}: {e}", repo.display()))?;
    // PostgreSQL's account reaches its configuration and repository.
    for d in [&dir, &repo] {
        std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755))
            .map_err(|e| format!("chmod {}: {e}", d.display()))?;
    }
    let key = dir.join("recovery-key.txt");
    if !key.is_file() {
        let out = Command::new("age-keygen")
            .arg("-o")
            .arg(&key)
            .output()
            .map_err(|e| format!("age-keygen (apt-get install age): {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "age-keygen: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
    }
    let out = Command::new("age-keygen")
        .arg("-y")
        .arg(&key)
        .output()
        .map_err(|e| format!("age-keygen -y: {e}"))?;
    let recipient = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    let escrow = dir.join("escrow.age");
    let out = custodian_harness::vault::ctl(bao)
        .map_err(|e| e.to_string())?
        .args(["vault", "escrow", "--recipient", &recipient, "--out"])
        .arg(&escrow)
        .output()
        .map_err(|e| format!("custodianctl vault escrow: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "custodianctl vault escrow: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let runtime = backup_runtime_dir(state);
    let config = dir.join("backup.toml");
    let text = format!(
        "# Written by scripts/appliance at every start (the ports change).\n\
         [repository]\npath = \"{repo}\"\nretention-full = 2\n\n\
         [postgres]\ndata-dir = \"{data}\"\nport = {port}\nsocket-dir = \"{socket}\"\nbin-dir = \"{bin}\"\n\n\
         [files]\nmedia-dir = \"{media}\"\nstate-paths = [\"{state}/custodiand.toml\"]\n\n\
         [vault]\naddress = \"{bao}\"\nrole-id = \"{role}\"\nsecret-id-file = \"{sid}\"\n\n\
         [escrow]\nfile = \"{escrow}\"\nrecipient = \"{recipient}\"\n\n\
         [state]\ndir = \"{dir}/state\"\nruntime-dir = \"{runtime}\"\nscratch-dir = \"{dir}/scratch\"\n",
        repo = repo.display(),
        data = pg.data_dir().display(),
        port = pg.port,
        socket = pg.dir().display(),
        bin = pg.bin_dir().display(),
        media = media.display(),
        state = state.display(),
        bao = bao.url(),
        role = db.migrator_role_id,
        sid = db.migrator_secret_id_file.display(),
        escrow = escrow.display(),
        dir = dir.display(),
        runtime = runtime.display(),
    );
    std::fs::write(&config, text).map_err(|e| format!("write {}: {e}", config.display()))?;
    let archiving = pg
        .psql("postgres", "SHOW archive_mode")
        .map_err(|e| e.to_string())?;
    let out =
        Command::new(custodian_harness::vault::custodianctl_bin().map_err(|e| e.to_string())?)
            .args(["backup", "setup", "--config"])
            .arg(&config)
            .env_remove("VAULT_TOKEN")
            .output()
            .map_err(|e| format!("custodianctl backup setup: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "custodianctl backup setup: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    if archiving.trim() != "on" {
        pg.stop().map_err(|e| e.to_string())?;
        pg.start_server().map_err(|e| e.to_string())?;
        println!("      WAL archiving on (PostgreSQL restarted once)");
    }
    println!("      {}", repo.display());
    Ok(config)
}

/// A name per state directory, in memory (tmpfs) as /run is on a server.
fn backup_runtime_dir(state: &Path) -> PathBuf {
    PathBuf::from(format!(
        "/dev/shm/custodian-appliance-{}",
        std::fs::metadata(state).map(|m| m.ino()).unwrap_or(0)
    ))
}

fn media_dir(state: &Path) -> Result<PathBuf, String> {
    let media = state.join("media");
    std::fs::create_dir_all(&media).map_err(|e| format!("create {}: {e}", media.display()))?;
    let user = nix::unistd::User::from_name("custodian")
        .ok()
        .flatten()
        .ok_or("the `custodian` account is missing")?;
    nix::unistd::chown(&media, Some(user.uid), Some(user.gid))
        .map_err(|e| format!("chown {}: {e}", media.display()))?;
    std::fs::set_permissions(&media, std::fs::Permissions::from_mode(0o700))
        .map_err(|e| format!("chmod {}: {e}", media.display()))?;
    for dir in state.ancestors() {
        let mode = std::fs::metadata(dir).map_err(|e| e.to_string())?.mode();
        if mode & 0o001 == 0 {
            return Err(format!(
                "custodiand runs as `custodian` and must reach {}, but {} (mode {:o}) lets no other account through: chmod o+x {}, or pass another --state-dir",
                media.display(),
                dir.display(),
                mode & 0o7777,
                dir.display()
            ));
        }
    }
    Ok(media)
}

/// The parts of custodiand.toml that do not change between attempts.
struct Tables {
    vault: String,
    database: String,
    media: PathBuf,
}

fn write_config(path: &Path, t: &Tables, port: u16, ops: u16) -> Result<(), String> {
    let text = format!(
        "# Written by custodian-devstack at every start (the ports change); the\n\
         # servers it names run while the devstack runs. Development only.\n\
         [server]\nlisten = \"127.0.0.1:{port}\"\npublic-origin = \"https://localhost:{port}\"\nuser = \"custodian\"\n\n\
         [vault]\n{}\n\n\
         [database]\n{}\n\
         [storage]\n# Uploaded evidence and exports, encrypted; kept between runs.\ndir = \"{}\"\n\n\
         [tls]\nsource = \"vault-pki\"\ncommon-name = \"localhost\"\nip-sans = [\"127.0.0.1\"]\nttl-secs = 86400\n\n\
         [ops]\nlisten = \"127.0.0.1:{ops}\"\n\n[log]\ntarget = \"stderr\"\n",
        t.vault,
        t.database,
        t.media.display()
    );
    std::fs::write(path, text).map_err(|e| format!("write {}: {e}", path.display()))
}

struct Running {
    child: Child,
    port: u16,
    ops: u16,
    /// custodiand wrote its one-time setup token (no administrator yet).
    setup_token_logged: Arc<AtomicBool>,
    output: Option<std::thread::JoinHandle<()>>,
}

impl Running {
    fn join_output(&mut self) {
        if let Some(t) = self.output.take() {
            let _ = t.join();
        }
    }
}

/// Starts custodiand and waits until it is ready. A taken port (the ops
/// port, or a public port picked here) means another try on fresh ones.
fn start_daemon(
    config: &Path,
    tables: &Tables,
    fixed_port: Option<u16>,
    stop: &AtomicBool,
) -> Result<Running, String> {
    let bin = custodiand_bin().map_err(|e| e.to_string())?;
    retry_on_port_clash("custodiand", |_| {
        let port = match fixed_port {
            Some(p) => p,
            None => free_port()?,
        };
        let ops = free_port()?;
        write_config(config, tables, port, ops).map_err(HarnessError::Setup)?;
        let mut child = Command::new(&bin)
            .arg("--config")
            .arg(config)
            .stdin(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| HarnessError::Setup(format!("cannot start custodiand: {e}")))?;
        // For `stop_leftover_daemon`, should this run be killed.
        let _ = std::fs::write(
            config.with_file_name("custodiand.pid"),
            child.id().to_string(),
        );
        // Its messages go on to the terminal; the devstack reads them on
        // the way for a bind failure and the setup token's presence.
        let clash = Arc::new(AtomicBool::new(false));
        let setup = Arc::new(AtomicBool::new(false));
        let output = child.stderr.take().map(|err| {
            let (clash, setup) = (Arc::clone(&clash), Arc::clone(&setup));
            std::thread::spawn(move || {
                let mut out = std::io::stderr();
                for line in BufReader::new(err).lines().map_while(Result::ok) {
                    if is_addr_in_use(&line) {
                        clash.store(true, Ordering::SeqCst);
                    }
                    if line.contains("one-time setup token") {
                        setup.store(true, Ordering::SeqCst);
                    }
                    let _ = writeln!(out, "{line}");
                }
            })
        });
        let mut running = Running {
            child,
            port,
            ops,
            setup_token_logged: setup,
            output,
        };
        let started = Instant::now();
        loop {
            let ready = matches!(
                custodian_harness::process::http_get(([127, 0, 0, 1], ops).into(), "/readyz", &[]),
                Ok((200, _))
            );
            if ready {
                return Ok(running);
            }
            if let Ok(Some(status)) = running.child.try_wait() {
                running.join_output();
                return Err(HarnessError::Setup(if clash.load(Ordering::SeqCst) {
                    format!("custodiand could not bind: address already in use ({status})")
                } else {
                    format!("custodiand exited during start-up ({status}); see its messages above")
                }));
            }
            if stop.load(Ordering::SeqCst) {
                stop_child(&mut running.child, Duration::from_secs(10));
                running.join_output();
                return Err(HarnessError::Setup(
                    "stopped during start-up; nothing was deleted".into(),
                ));
            }
            if started.elapsed() > Duration::from_secs(120) {
                stop_child(&mut running.child, Duration::from_secs(10));
                running.join_output();
                return Err(HarnessError::Setup(
                    "custodiand did not become ready within 120 s; see its messages above".into(),
                ));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    })
    .map_err(|e| e.to_string())
}

/// SIGTERM, then SIGKILL after `grace`; returns how the child ended.
fn stop_child(child: &mut Child, grace: Duration) -> ExitStatus {
    let _ = nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    );
    let start = Instant::now();
    while start.elapsed() < grace {
        if let Ok(Some(status)) = child.try_wait() {
            return status;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    child.wait().unwrap_or_else(|_| {
        use std::os::unix::process::ExitStatusExt;
        ExitStatus::from_raw(9)
    })
}
