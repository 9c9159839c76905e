//! The daemon's start-up, in the order it happens. Each step must succeed
//! before the next one runs; any failure stops the daemon before it serves.
//!
//! 1. read and check the configuration
//! 2. start logging
//! 3. read local secrets: Vault's CA and the AppRole secret_id (which may
//!    be root-only files); or, in development only, a PEM pair
//! 4. bind the public and operator sockets (or take systemd's)
//! 5. drop privileges: own account, no capabilities, no_new_privs,
//!    not dumpable, no core files; then enter the sandbox: Landlock (only
//!    the media store writable, configuration and credentials no longer
//!    readable) and a seccomp allow-list
//! 6. start the async runtime; log in to Vault and fetch the TLS
//!    certificate (no network code runs as root); connect to PostgreSQL
//!    with Vault's runtime credentials and check the schema version;
//!    keep all of them fresh
//! 7. serve until SIGTERM

use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::watch;

use crate::config::{Config, ConfigError, TlsConfig};
use crate::listener::{self, ListenError};
use crate::logging::{self, LogError};
use crate::ops;
use crate::privileges::{self, PrivilegeError, Target};
use crate::secrets::{self, LocalCredentials, SecretsError};
use crate::server::Server;
use crate::tls::{self, CertSlot, TlsError};
use custodian_core::error::CoreError;
use custodian_core::health::{Health, State, Stats, Transition};
use custodian_core::identity::accounts::{self, Decoy};
use custodian_core::identity::password::Policy;
use custodian_core::identity::tokens;
use custodian_core::pool::{Database, DbError};
use custodian_vault::keyring::Keyring;
use custodian_web::app::{About, App, Identity, RateLimiter};

#[derive(Debug, thiserror::Error)]
pub enum BootError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Log(#[from] LogError),
    #[error("media store: {0}")]
    Storage(#[from] custodian_core::evidence::media::OpenError),
    #[error(transparent)]
    Sandbox(#[from] crate::sandbox::SandboxError),
    #[error("TLS: {0}")]
    Tls(#[from] TlsError),
    #[error("tls.source = \"dev-pem\" reads a private key from disk and is for development and tests only; start with --dev-insecure-pem to accept that, or configure a Vault source")]
    DevPemNotAllowed,
    #[error(transparent)]
    Secrets(#[from] SecretsError),
    #[error(transparent)]
    Database(#[from] DbError),
    #[error("identity: {0}")]
    Identity(#[from] custodian_core::error::CoreError),
    #[error("identity: the decoy hash could not be made: {0}")]
    Decoy(#[from] tokio::task::JoinError),
    #[error(transparent)]
    Listen(#[from] ListenError),
    #[error(transparent)]
    Privileges(#[from] PrivilegeError),
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
}

pub struct Options {
    pub config: PathBuf,
    pub dev_insecure_pem: bool,
}

/// Steps 1 and 3 without side effects, for `--check-config`.
pub fn check(options: &Options) -> Result<Config, BootError> {
    let config = Config::load(&options.config)?;
    Target::resolve(&config.server.user, config.server.group.as_deref())?;
    read_local_secrets(&config, options)?;
    Ok(config)
}

/// What step 3 read: a finished certificate (development) or the
/// credentials to fetch one from Vault after the drop.
enum LocalSecrets {
    DevCertificate(rustls::sign::CertifiedKey),
    Vault(LocalCredentials),
}

fn read_local_secrets(config: &Config, options: &Options) -> Result<LocalSecrets, BootError> {
    match (&config.tls, &config.vault) {
        (TlsConfig::DevPem { .. }, _) if !options.dev_insecure_pem => {
            Err(BootError::DevPemNotAllowed)
        }
        (TlsConfig::DevPem { cert, key }, _) => {
            Ok(LocalSecrets::DevCertificate(tls::load_dev_pem(cert, key)?))
        }
        (_, Some(vault)) => Ok(LocalSecrets::Vault(secrets::read_local(vault)?)),
        // Config::check already refuses a Vault TLS source without [vault].
        (_, None) => Err(BootError::DevPemNotAllowed),
    }
}

pub fn run(options: &Options) -> Result<(), BootError> {
    // 1. configuration
    let config = Config::load(&options.config)?;
    let ops_listen = config.ops_listen(&options.config)?;

    // 2. logging
    let sink = logging::init(&config.log)?;
    let release = ops::set_release_from_exe();
    tracing::info!(
        version = env!("CARGO_PKG_VERSION"),
        release = ?release,
        log = sink,
        "custodiand starting"
    );

    // 3. local secrets
    let local = read_local_secrets(&config, options)?;
    if matches!(local, LocalSecrets::DevCertificate(_)) {
        tracing::warn!("TLS key read from disk (--dev-insecure-pem): not for production");
    }

    // 4. bind
    let target = Target::resolve(&config.server.user, config.server.group.as_deref())?;
    let bound = listener::bind(config.server.listen, &ops_listen, &target)?;
    let public_addr = bound.public.local_addr().ok();

    // 5. drop privileges, while this is still the only thread
    let dropped = privileges::drop_to(&target)?;
    tracing::info!(
        uid = dropped.uid,
        gid = dropped.gid,
        privileged_bind_refused = dropped.privileged_bind_refused,
        "privileges dropped: no capabilities, no_new_privs, not dumpable, no core files"
    );
    let mut writable: Vec<std::path::PathBuf> =
        config.storage.iter().map(|s| s.dir.clone()).collect();
    if let crate::config::OpsListen::Unix(path) = &ops_listen {
        // To remove the socket at exit.
        writable.extend(path.parent().map(std::path::Path::to_path_buf));
    }
    let sandbox = crate::sandbox::enter(&writable)?;
    if sandbox.landlock {
        tracing::info!(
            writable = ?writable,
            "sandbox entered: Landlock enforced, seccomp allow-list active; /etc/passwd and personality(2) refused"
        );
    } else {
        tracing::warn!(
            "sandbox entered without Landlock (this kernel does not enforce it); seccomp allow-list active"
        );
    }

    // 6. serve
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        // tokio's default of 512 blocking threads lets a flood of blocking
        // work (file reads, hashing beyond its own slots) grow the daemon
        // far past its MemoryMax; queued work waits instead.
        .max_blocking_threads(MAX_BLOCKING_THREADS)
        .thread_name("custodiand")
        .build()
        .map_err(BootError::Runtime)?;
    runtime.block_on(async move {
        let public = tokio::net::TcpListener::from_std(bound.public).map_err(BootError::Runtime)?;
        let (stop_tx, stop_rx) = watch::channel(false);
        let stats = Arc::new(Stats::default());
        let load = custodian_core::load::Load::new(custodian_core::load::Limits {
            expensive: config.limits.expensive_requests,
            per_account: config.limits.expensive_requests_per_account,
            wait: std::time::Duration::from_millis(
                config.database.as_ref().map_or(1000, |d| d.acquire_timeout_ms),
            ),
        });
        let health = Health::new(Arc::clone(&stats), Arc::clone(&load));
        let ops_task = tokio::spawn(ops::run(bound.ops, Arc::clone(&health), stop_rx.clone()));

        // 6. secrets from Vault, fetched by the unprivileged process; then
        //    the database with Vault's runtime credentials
        let mut supervisors = Vec::new();
        let (slot, db, keyring) = match local {
            LocalSecrets::DevCertificate(key) => (CertSlot::new(key), None, None),
            LocalSecrets::Vault(credentials) => {
                let running = secrets::start(credentials, &config.tls, Arc::clone(&health)).await?;
                supervisors.push(running.token_task);
                supervisors.push(running.keyring_task);
                let db = match &config.database {
                    Some(settings) => {
                        let db = Database::start(Arc::clone(&running.session), settings.clone(), health.clone()).await?;
                        load.watch_pool(&db);
                        supervisors.push(tokio::spawn(Arc::clone(&db).maintain(running.session.generations())));
                        supervisors.push(tokio::spawn(Arc::clone(&db).checkpoints()));
                        // Background searches past their 24 hours.
                        supervisors.push(tokio::spawn(custodian_core::evidence::search_jobs::sweep_forever(
                            Arc::clone(&db),
                            std::time::Duration::from_secs(600),
                        )));
                        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
                        health.notify_transitions(tx);
                        supervisors.push(tokio::spawn(record_transitions(rx, Arc::clone(&db))));
                        let started = serde_json::json!({"version": env!("CARGO_PKG_VERSION"), "uid": dropped.uid});
                        db.record("custodiand", "daemon.started", "", &started).await?;
                        Some(db)
                    }
                    None => None,
                };
                supervisors.push(running.renewer.spawn(db.clone()));
                (running.cert_slot, db, Some(running.keyring))
            }
        };
        if let (Some(backup), Some(db)) = (&config.backup, &db) {
            supervisors.push(tokio::spawn(crate::backup_watch::watch(
                backup.clone(),
                Arc::clone(db),
                Arc::clone(&health),
            )));
        }
        if let (Some(updates), Some(db)) = (&config.updates, &db) {
            supervisors.push(tokio::spawn(custodian_core::updater::follow(
                updates.clone(),
                Arc::clone(db),
            )));
        }
        let tls_config = tls::server_config(Arc::clone(&slot))?;
        let identity = identity_setup(&config, db.as_ref(), keyring.as_ref()).await?;
        let media = match (&config.storage, &db) {
            (Some(settings), Some(db)) => {
                let media = Arc::new(
                    custodian_core::evidence::media::Media::open(settings)?,
                );
                supervisors.push(tokio::spawn(Arc::clone(&media).sweep_forever(
                    Arc::clone(db),
                    std::time::Duration::from_secs(settings.sweep_interval_secs.max(1)),
                )));
                Some(media)
            }
            _ => None,
        };

        supervisors.push(tokio::spawn(Arc::clone(&load).report_every_minute()));

        // 7. serve
        let app = Arc::new(App::new(
            db,
            keyring,
            config.limits.csp_reports_per_minute,
            identity,
            media,
            config.updates.as_ref().map(|u| u.socket.clone()),
            load,
        )
        .with_language(config.server.language())
        .with_searches(custodian_core::evidence::search_jobs::Searches::new(
            config.search,
        ))
        .with_backup_watch(config.backup.as_ref().map(|b| b.stale_after_hours)));
        let csp_tally = Arc::clone(&app.csp_tally);
        supervisors.push(tokio::spawn(Arc::clone(&csp_tally).write_every_minute()));
        let server = Server {
            listener: public,
            tls: tls_config,
            limits: config.limits.clone(),
            app,
        };
        let serving = tokio::spawn(server.run(stop_rx, stats));
        health.set(State::Ready);
        notify(&[sd_notify::NotifyState::Ready]);
        tracing::info!(
            listen = ?public_addr,
            socket_activated = bound.socket_activated,
            ops = %config.ops.listen,
            "serving"
        );

        wait_for_stop_signal().await;
        tracing::info!("stop requested: finishing in-flight requests");
        health.set(State::Stopping);
        notify(&[sd_notify::NotifyState::Stopping]);
        let _ = stop_tx.send(true);
        let _ = serving.await;
        let _ = ops_task.await;
        for task in supervisors {
            task.abort();
        }
        // What the last minute counted is not lost at a stop.
        csp_tally.write_to_journal();
        tracing::info!("stopped");
        Ok(())
    })
}

/// Threads for blocking work (see the runtime above). Password hashing
/// takes at most one per CPU of these (`identity::hashing`).
const MAX_BLOCKING_THREADS: usize = 32;

/// Sign-in's fixed parts, and the one-time setup token when no
/// administrator exists yet. The token is the one secret custodiand ever
/// logs: it is useless after an hour or one use, and it is how the first
/// administrator proves access to the machine's console.
async fn identity_setup(
    config: &Config,
    db: Option<&Arc<Database>>,
    keyring: Option<&Arc<Keyring>>,
) -> Result<Identity, BootError> {
    let policy = Policy::builtin().map_err(CoreError::from)?;
    let pepper = match keyring {
        Some(k) => k
            .newest(accounts::PEPPER)
            .await
            .map(|(_, p)| p)
            .unwrap_or_default(),
        None => Default::default(),
    };
    let decoy_password = tokens::new_token().map_err(CoreError::from)?;
    let decoy_policy = policy.clone();
    let decoy =
        tokio::task::spawn_blocking(move || decoy_policy.hash(&decoy_password, &pepper)).await??;
    if let Some(db) = db {
        let c = db.client().await?;
        let pg: &tokio_postgres::Client = &c;
        let forgotten = custodian_core::identity::notifications::forget_unkeyed_devices(pg).await?;
        if forgotten > 0 {
            tracing::info!(target: "identity", forgotten, "removed device fingerprints that were not keyed");
        }
        if !accounts::has_admin(db).await? {
            let token = accounts::issue_setup_token(db).await?;
            tracing::warn!(
                target: "setup",
                "no administrator yet: open {}/setup within one hour and enter the one-time setup token {token}",
                config.server.public_origin
            );
        }
    }
    Ok(Identity {
        policy,
        decoy: Decoy(decoy),
        login_attempts: RateLimiter::new(
            config.limits.login_attempts_per_5_minutes,
            std::time::Duration::from_secs(300),
        ),
        public_origin: config.server.public_origin.clone(),
        factors: custodian_core::identity::sessions::FactorPolicy {
            required: config.identity.require_second_factor.clone(),
            hardware: config.identity.require_hardware_key.clone(),
        },
        about: about(config),
        webauthn: match custodian_core::identity::passkeys::relying_party(
            &config.server.public_origin,
        ) {
            Ok(wa) => Some(Arc::new(wa)),
            Err(e) => {
                tracing::warn!(target: "identity", "passkeys are off: {e}");
                None
            }
        },
        vault: keyring.map(|k| k.client().clone()),
    })
}

/// The configuration as the settings page shows it: names, addresses and
/// choices, never a secret (the secret_id, tokens and database passwords
/// are not in the configuration, and nothing read from Vault is listed).
/// Each label is the catalogue key the page words it by.
fn about(config: &Config) -> Vec<(&'static str, About)> {
    let shown = About::Shown;
    let mut v = vec![
        (
            "settings-about-version",
            shown(env!("CARGO_PKG_VERSION").to_owned()),
        ),
        (
            "settings-about-public-origin",
            shown(config.server.public_origin.clone()),
        ),
        ("settings-about-runs-as", shown(config.server.user.clone())),
        (
            "settings-about-tls",
            match &config.tls {
                crate::config::TlsConfig::DevPem { .. } => About::Words("settings-about-tls-pem"),
                crate::config::TlsConfig::VaultPki { mount, .. } => {
                    shown(format!("Vault PKI ({mount})"))
                }
                crate::config::TlsConfig::VaultKv { mount, path, .. } => {
                    shown(format!("Vault KV ({mount}/{path})"))
                }
            },
        ),
        (
            "settings-about-second-factor",
            shown(config.identity.require_second_factor.join(", ")),
        ),
        (
            "settings-about-hardware-key",
            shown(config.identity.require_hardware_key.join(", ")),
        ),
        (
            "settings-about-schema",
            shown(custodian_db::migrations::expected_version().to_string()),
        ),
    ];
    if let Some(vault) = &config.vault {
        v.push(("settings-about-vault", shown(vault.address.clone())));
    }
    if let Some(db) = &config.database {
        v.push((
            "settings-about-postgresql",
            shown(format!("{}:{} / {}", db.host, db.port, db.dbname)),
        ));
    }
    if let Some(s) = &config.storage {
        v.push((
            "settings-about-media-store",
            shown(s.dir.display().to_string()),
        ));
    }
    v
}

/// Writes each degradation and recovery into the activity log, where
/// administrators see it. An entry that cannot be written now (the
/// database may be the problem) is logged and dropped.
async fn record_transitions(
    mut rx: tokio::sync::mpsc::UnboundedReceiver<Transition>,
    db: Arc<Database>,
) {
    while let Some(t) = rx.recv().await {
        let (action, component, details) = match &t {
            Transition::Degraded(c, why) => (
                "appliance.degraded",
                *c,
                serde_json::json!({"problem": why}),
            ),
            Transition::Recovered(c) => ("appliance.recovered", *c, serde_json::json!({})),
        };
        if let Err(e) = db.record("custodiand", action, component, &details).await {
            tracing::warn!(error = %e, ?t, "could not record a health change in the activity log");
        }
    }
}

fn notify(state: &[sd_notify::NotifyState<'_>]) {
    if let Err(e) = sd_notify::notify(false, state) {
        tracing::warn!(error = %e, "sd_notify failed");
    }
}

async fn wait_for_stop_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        tracing::error!("cannot install signal handlers; stopping");
        return;
    };
    tokio::select! {
        _ = term.recv() => {},
        _ = int.recv() => {},
    }
}
