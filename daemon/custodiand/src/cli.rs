//! Command-line entry point.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

use crate::boot::{self, Options};

/// Custodian's HTTPS daemon: terminates TLS itself, drops to its own
/// account with no capabilities, and serves the evidence appliance.
///
/// Start it as root (it binds, then drops privileges) or through
/// custodiand.socket. Logs go to journald, or stderr without journald.
#[derive(Debug, Parser)]
#[command(version, about, long_about)]
struct Args {
    /// Configuration file (TOML), e.g. /etc/custodian/custodiand.toml.
    #[arg(
        long,
        value_name = "PATH",
        required_unless_present = "check_config",
        conflicts_with = "check_config"
    )]
    config: Option<PathBuf>,

    /// Validate a configuration file (and the files it names) and exit
    /// without binding or serving.
    #[arg(long, value_name = "PATH")]
    check_config: Option<PathBuf>,

    /// Allow `tls.source = "dev-pem"`: a TLS key read from disk. For
    /// development and tests only; production keys come from Vault.
    #[arg(long)]
    dev_insecure_pem: bool,
}

pub fn main() -> ExitCode {
    let args = Args::parse();
    if let Some(path) = args.check_config {
        let options = Options {
            config: path.clone(),
            dev_insecure_pem: args.dev_insecure_pem,
        };
        return match boot::check(&options) {
            Ok(_) => {
                println!("{}: configuration OK", path.display());
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("custodiand: {e}");
                ExitCode::from(2)
            }
        };
    }
    let Some(config) = args.config else {
        eprintln!("custodiand: --config PATH is required");
        return ExitCode::from(2);
    };
    let options = Options {
        config,
        dev_insecure_pem: args.dev_insecure_pem,
    };
    match boot::run(&options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "custodiand refused to start");
            eprintln!("custodiand: refusing to start: {e}");
            ExitCode::FAILURE
        }
    }
}
