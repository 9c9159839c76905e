#![forbid(unsafe_code)]

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use custodian_updated::config::Config;
use custodian_updated::engine::{Engine, Origin};
use custodian_updated::socket::{self, Peer};
use custodian_updated::version::Version;

/// Verify and install signed Custodian releases.
///
/// Without a command it runs as the daemon: it first finishes or undoes an
/// update a crash interrupted, then answers custodiand on its socket.
/// `check` and `apply` do the same work once, at the console, as root,
/// while the daemon is stopped.
#[derive(Debug, Parser)]
#[command(version, about, long_about)]
struct Cli {
    /// The configuration file.
    #[arg(long, default_value = "/etc/custodian/custodian-updated.toml")]
    config: PathBuf,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Verify the repository's newest metadata and list installable releases.
    Check,
    /// Install one signed release now, showing each step.
    Apply {
        version: Version,
        /// Install even if its migrations leave a schema the running
        /// release cannot use: a failure is then not rolled back. Back up
        /// the database first.
        #[arg(long)]
        irreversible: bool,
        /// Install even if this version failed its health check here before
        /// (for example during a Vault outage). Recorded in the activity
        /// log; custodiand can never ask for this.
        #[arg(long)]
        retry_bad: bool,
    },
    /// Ask a running daemon over its socket (as custodiand's account):
    /// `status`, `check`, or `apply VERSION`.
    Ask {
        #[arg(long)]
        socket: PathBuf,
        op: String,
        version: Option<String>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,tough=warn,reqwest=warn".into()),
        )
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("custodian-updated: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("custodian-updated: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), String> {
    if let Some(Command::Ask {
        socket,
        op,
        version,
    }) = &cli.command
    {
        let mut req = serde_json::json!({"op": op});
        if let Some(v) = version {
            req["version"] = serde_json::Value::String(v.clone());
        }
        let answer = socket::ask(socket, &req).await?;
        println!("{answer}");
        return if answer["ok"].as_bool() == Some(true) {
            Ok(())
        } else {
            Err(answer["error"].as_str().unwrap_or("refused").to_owned())
        };
    }
    let config = Config::load(&cli.config).map_err(|e| e.to_string())?;
    let lock = lock(&config)?;
    let engine = Arc::new(Engine::open(config.clone())?);
    match cli.command {
        Some(Command::Check) => {
            engine.recover().await?;
            let report = engine.check().await;
            println!(
                "{}",
                serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?
            );
            if report.ok {
                Ok(())
            } else {
                Err(report.error.unwrap_or_default())
            }
        }
        Some(Command::Apply {
            version,
            irreversible,
            retry_bad,
        }) => {
            engine.recover().await?;
            eprintln!("verifying {version} against the signed metadata…");
            let plan = engine
                .prepare(
                    version,
                    Origin::Console {
                        irreversible,
                        retry_bad,
                    },
                )
                .await?;
            eprintln!(
                "installing {version} (download, stage, migrate, switch, restart, health check)…"
            );
            engine.execute(plan).await?;
            eprintln!("{version} installed and healthy");
            Ok(())
        }
        Some(Command::Ask { .. }) => Ok(()),
        None => {
            let user = nix::unistd::User::from_name(&config.client.user)
                .map_err(|e| e.to_string())?
                .ok_or_else(|| format!("client.user {} does not exist", config.client.user))?;
            let peer = Arc::new(Peer {
                uid: user.uid.as_raw(),
                gid: user.gid.as_raw(),
            });
            engine.recover().await?;
            let listener = socket::bind(&config.paths.socket, &peer)
                .map_err(|e| format!("cannot bind {}: {e}", config.paths.socket.display()))?;
            let _ = sd_notify::notify(false, &[sd_notify::NotifyState::Ready]);
            tracing::info!(socket = %config.paths.socket.display(), installed = ?engine.installed_version().map(|v| v.to_string()), "custodian-updated serving");
            tokio::select! {
                _ = socket::serve(listener, Arc::clone(&engine), peer) => {}
                _ = tokio::signal::ctrl_c() => {}
                _ = terminate() => {}
            }
            drop(lock);
            Ok(())
        }
    }
}

async fn terminate() {
    if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        s.recv().await;
    }
}

/// One updater at a time on a machine: the daemon and the console commands
/// take the same lock in the state directory.
fn lock(config: &Config) -> Result<nix::fcntl::Flock<std::fs::File>, String> {
    std::fs::create_dir_all(&config.paths.state_dir).map_err(|e| e.to_string())?;
    let path = config.paths.state_dir.join("lock");
    let f = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    nix::fcntl::Flock::lock(f, nix::fcntl::FlockArg::LockExclusiveNonblock).map_err(|_| {
        "another custodian-updated is running (the daemon?); stop it first, or use the web interface"
            .to_owned()
    })
}
