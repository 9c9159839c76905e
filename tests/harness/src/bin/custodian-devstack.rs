//! Starts a complete local appliance for development and demonstration:
//! a private PostgreSQL, an OpenBao dev server provisioned by
//! `custodianctl vault provision`, and custodiand serving
//! https://localhost:PORT with its TLS certificate from OpenBao's PKI.
//! Everything stops (and the private servers are deleted) on Ctrl-C.
#![forbid(unsafe_code)]

use std::path::PathBuf;
use std::process::{Command, ExitCode, Stdio};
use std::time::Duration;

use custodian_harness::daemon::custodiand_bin;
use custodian_harness::{ensure_system_user, is_root, DbFixture, OpenBao, Postgres, VaultFixture};

const USAGE: &str = "usage: custodian-devstack [--port PORT] [--state-dir DIR]

Starts a private PostgreSQL and OpenBao dev server on free loopback ports,
provisions OpenBao with custodianctl, and runs custodiand on
https://localhost:PORT (default 8443) until Ctrl-C. Run as root: custodiand
binds, then drops to the `custodian` account.

  --port PORT       public HTTPS port on 127.0.0.1 (default 8443)
  --state-dir DIR   where the configuration and the CA certificate are
                    written (default ./.appliance)";

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("custodian-devstack: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<ExitCode, String> {
    let mut port: u16 = 8443;
    let mut state = PathBuf::from(".appliance");
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--port" => {
                port = args
                    .next()
                    .and_then(|p| p.parse().ok())
                    .ok_or("--port needs a number")?
            }
            "--state-dir" => {
                state = args
                    .next()
                    .map(PathBuf::from)
                    .ok_or("--state-dir needs a path")?
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(ExitCode::SUCCESS);
            }
            other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
        }
    }
    if !is_root() {
        return Err("run as root: custodiand binds, then drops to the `custodian` account".into());
    }
    if std::net::TcpListener::bind(("127.0.0.1", port)).is_err() {
        return Err(format!(
            "port {port} is in use; stop what uses it or pass --port"
        ));
    }
    ensure_system_user("custodian").map_err(|e| e.to_string())?;
    std::fs::create_dir_all(&state)
        .map_err(|e| format!("cannot create {}: {e}", state.display()))?;
    let state = state.canonicalize().map_err(|e| e.to_string())?;

    step("starting a private PostgreSQL");
    let pg = Postgres::start().map_err(|e| e.to_string())?;
    println!("      127.0.0.1:{}", pg.port);
    step("starting an OpenBao dev server");
    let bao = OpenBao::start().map_err(|e| e.to_string())?;
    println!("      {}", bao.url());
    step("provisioning OpenBao (custodianctl vault provision)");
    let vault = VaultFixture::provision(&bao, &[]).map_err(|e| e.to_string())?;
    for line in vault.report.lines() {
        println!("    {}", line.trim());
    }
    step("bootstrapping PostgreSQL, provisioning Vault's database engine, migrating");
    let db = DbFixture::provision(&bao, &vault, &pg, &[]).map_err(|e| e.to_string())?;
    for line in db.report.lines() {
        println!("    {}", line.trim());
    }
    let ca = state.join("ca.pem");
    std::fs::write(&ca, &vault.ca_pem).map_err(|e| e.to_string())?;
    let config = state.join("custodiand.toml");
    let ops = custodian_harness::free_port().map_err(|e| e.to_string())?;
    std::fs::write(
        &config,
        format!(
            "# Written by custodian-devstack; the servers it names live only while it runs.\n\
             [server]\nlisten = \"127.0.0.1:{port}\"\npublic-origin = \"https://localhost:{port}\"\nuser = \"custodian\"\n\n\
             [vault]\n{}\n\n\
             [database]\n{}\n\
             [tls]\nsource = \"vault-pki\"\ncommon-name = \"localhost\"\nip-sans = [\"127.0.0.1\"]\nttl-secs = 86400\n\n\
             [ops]\nlisten = \"127.0.0.1:{ops}\"\n\n[log]\ntarget = \"stderr\"\n",
            vault.vault_toml(),
            db.database_toml()
        ),
    )
    .map_err(|e| e.to_string())?;

    step("starting custodiand");
    let mut daemon = Command::new(custodiand_bin().map_err(|e| e.to_string())?)
        .arg("--config")
        .arg(&config)
        .stdin(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start custodiand: {e}"))?;
    let ready = (0..100).any(|_| {
        std::thread::sleep(Duration::from_millis(100));
        matches!(
            custodian_harness::process::http_get(([127, 0, 0, 1], ops).into(), "/readyz", &[]),
            Ok((200, _))
        )
    });
    if !ready {
        let _ = daemon.kill();
        return Err("custodiand did not become ready; see its messages above".into());
    }
    println!(
        "\nCustodian is serving on https://localhost:{port}/\n\
         \n  trust its CA:   curl --cacert {ca} https://localhost:{port}/\n\
         \x20 (browsers: import {ca} as an authority, or accept the warning)\n\
         \x20 readiness:      curl http://127.0.0.1:{ops}/readyz\n\
         \x20 configuration:  {config}\n\
         \x20 OpenBao:        {} (root token {})\n\
         \x20 PostgreSQL:     127.0.0.1:{} (user postgres)\n\
         \nPress Ctrl-C to stop everything.",
        bao.url(),
        bao.root_token,
        pg.port,
        ca = ca.display(),
        config = config.display(),
    );

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let exited = rt.block_on(async {
        use tokio::signal::unix::{signal, SignalKind};
        let (mut term, mut int) = match (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) {
            (Ok(t), Ok(i)) => (t, i),
            _ => return false,
        };
        loop {
            tokio::select! {
                _ = term.recv() => return false,
                _ = int.recv() => return false,
                _ = tokio::time::sleep(Duration::from_millis(500)) => {
                    if matches!(daemon.try_wait(), Ok(Some(_))) {
                        return true;
                    }
                }
            }
        }
    });
    step("stopping");
    if !exited {
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(daemon.id() as i32),
            nix::sys::signal::Signal::SIGTERM,
        );
    }
    let status = daemon.wait().map_err(|e| e.to_string())?;
    drop(bao);
    drop(pg);
    Ok(if exited && !status.success() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn step(what: &str) {
    println!("==> {what}");
}
