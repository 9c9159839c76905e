//! Structured logs to journald, or to stderr when journald is absent.
//!
//! Secrets never reach this module: they live in `secrecy` types whose
//! `Debug` output is redacted, and request logging records paths only.

use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::EnvFilter;

use crate::config::{LogConfig, LogTarget};

const JOURNAL_SOCKET: &str = "/run/systemd/journal/socket";
const QUIET_LIBRARIES: &[&str] = &[
    "tokio_postgres",
    "deadpool",
    "hyper",
    "hyper_util",
    "h2",
    "reqwest",
    "rustls",
    "tokio_rustls",
];

#[derive(Debug, thiserror::Error)]
pub enum LogError {
    #[error("log.target is \"journald\" but journald is not reachable ({0}); use \"stderr\" or \"auto\"")]
    Journald(std::io::Error),
    #[error("log.level: {0}")]
    Filter(String),
    #[error("logging was already initialised")]
    Twice,
}

/// Returns which sink was chosen.
pub fn init(config: &LogConfig) -> Result<&'static str, LogError> {
    let mut filter =
        EnvFilter::try_new(&config.level).map_err(|e| LogError::Filter(e.to_string()))?;
    // Libraries log request and query details (parameters, headers) at
    // debug and trace; whatever level is configured, they stop at info.
    for capped in QUIET_LIBRARIES {
        if let Ok(d) = format!("{capped}=info").parse() {
            filter = filter.add_directive(d);
        }
    }
    let want_journal = match config.target {
        LogTarget::Journald => true,
        LogTarget::Stderr => false,
        // Under systemd, stderr also lands in the journal, but without fields.
        LogTarget::Auto => {
            std::env::var_os("JOURNAL_STREAM").is_some()
                && std::path::Path::new(JOURNAL_SOCKET).exists()
        }
    };
    if want_journal {
        match tracing_journald::layer() {
            Ok(layer) => {
                tracing_subscriber::registry()
                    .with(filter)
                    .with(layer.with_syslog_identifier("custodiand".into()))
                    .try_init()
                    .map_err(|_| LogError::Twice)?;
                return Ok("journald");
            }
            Err(e) if config.target == LogTarget::Journald => return Err(LogError::Journald(e)),
            Err(_) => {}
        }
    }
    tracing_subscriber::registry()
        .with(filter)
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_ansi(false),
        )
        .try_init()
        .map_err(|_| LogError::Twice)?;
    Ok("stderr")
}
