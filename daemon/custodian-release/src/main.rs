//! custodian-release: makes and signs the update repository that
//! custodian-updated trusts. The keys live in a directory of their own
//! (ideally on an offline machine), never inside the repository.
#![forbid(unsafe_code)]

mod keys;
mod pack;
mod repo;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use custodian_updated::version::Version;

/// Build and sign Custodian's TUF update repository.
///
/// A first release, step by step:
///   custodian-release keygen --keys /secure/keys
///   custodian-release init   --keys /secure/keys --repo /srv/repo
///   custodian-release pack   --bin-dir target/release --version 1.0.0 --out custodian.tar.gz
///   custodian-release add    --keys /secure/keys --repo /srv/repo --file custodian.tar.gz --version 1.0.0
/// then copy /srv/repo/metadata/1.root.json to appliances as their trusted root, and
/// run `refresh` at least weekly (the timestamp expires after 7 days).
#[derive(Debug, Parser)]
#[command(version, about, long_about, verbatim_doc_comment)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Args)]
struct Repo {
    /// Directory of signing keys (PKCS#8 Ed25519, made by `keygen`).
    #[arg(long)]
    keys: PathBuf,
    /// The repository (`metadata/` and `targets/` are created inside).
    #[arg(long)]
    repo: PathBuf,
    /// Seconds until the new timestamp expires (negative makes an expired
    /// one, for tests of refusal).
    #[arg(long, default_value_t = 7 * 86400, allow_negative_numbers = true)]
    timestamp_expires_in: i64,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Make three root keys (2-of-3), and targets, snapshot and timestamp keys.
    Keygen {
        #[arg(long)]
        keys: PathBuf,
    },
    /// Write root version 1 (signed by every root key present) and empty
    /// signed targets.
    Init {
        #[command(flatten)]
        repo: Repo,
    },
    /// Make a release archive (release.json and bin/) from built binaries.
    Pack {
        #[arg(long)]
        bin_dir: PathBuf,
        #[arg(long)]
        version: Version,
        #[arg(long)]
        out: PathBuf,
        /// gzip level, 1 (fast) to 9 (small).
        #[arg(long, default_value_t = 6, value_parser = clap::value_parser!(u32).range(1..=9))]
        level: u32,
    },
    /// Sign a release archive into the repository.
    Add {
        #[command(flatten)]
        repo: Repo,
        #[arg(long)]
        file: PathBuf,
        #[arg(long)]
        version: Version,
        #[arg(long, default_value = "stable")]
        channel: String,
        #[arg(long, default_value = std::env::consts::ARCH)]
        arch: String,
        /// Appliances must run this version or later to install it.
        #[arg(long)]
        min_from_version: Option<Version>,
    },
    /// Mark a release recalled: appliances will not install it, and may step
    /// down from it.
    Recall {
        #[command(flatten)]
        repo: Repo,
        #[arg(long)]
        version: Version,
    },
    /// Set the signed minimum version no appliance may install below.
    Floor {
        #[command(flatten)]
        repo: Repo,
        #[arg(long)]
        version: Version,
    },
    /// Re-sign targets, snapshot and timestamp with new versions and
    /// expiry dates (run it before the timestamp expires).
    Refresh {
        #[command(flatten)]
        repo: Repo,
    },
    /// Publish the next root version, signed by the named root keys (the
    /// threshold of the old root must be among them).
    RotateRoot {
        #[command(flatten)]
        repo: Repo,
        /// Root key files (names in --keys) that sign, comma-separated.
        #[arg(long, value_delimiter = ',', default_value = "root-1,root-2,root-3")]
        sign_with: Vec<String>,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum ReleaseError {
    #[error("{0}")]
    Msg(String),
    #[error("{what} {path}: {source}")]
    Io {
        what: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("TUF: {0}")]
    Tuf(String),
}

impl From<tough::error::Error> for ReleaseError {
    fn from(e: tough::error::Error) -> Self {
        ReleaseError::Tuf(custodian_updated::trust::chain(&e))
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("custodian-release: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(cli.command)) {
        Ok(msg) => {
            eprintln!("{msg}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("custodian-release: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command) -> Result<String, ReleaseError> {
    match command {
        Command::Keygen { keys } => keys::generate(&keys),
        Command::Init { repo } => {
            repo::init(&repo.keys, &repo.repo, repo.timestamp_expires_in).await
        }
        Command::Pack {
            bin_dir,
            version,
            out,
            level,
        } => pack::pack(&bin_dir, version, &out, level),
        Command::Add {
            repo: r,
            file,
            version,
            channel,
            arch,
            min_from_version,
        } => {
            repo::add(
                &r.keys,
                &r.repo,
                r.timestamp_expires_in,
                &file,
                version,
                &channel,
                &arch,
                min_from_version,
            )
            .await
        }
        Command::Recall { repo: r, version } => {
            repo::recall(&r.keys, &r.repo, r.timestamp_expires_in, version).await
        }
        Command::Floor { repo: r, version } => {
            repo::floor(&r.keys, &r.repo, r.timestamp_expires_in, version).await
        }
        Command::Refresh { repo: r } => {
            repo::refresh(&r.keys, &r.repo, r.timestamp_expires_in).await
        }
        Command::RotateRoot { repo: r, sign_with } => {
            repo::rotate_root(&r.keys, &r.repo, &sign_with).await
        }
    }
}
