//! `custodianctl backup`: encrypted, point-in-time backups of the whole
//! appliance, verified by restoring.
//!
//! - PostgreSQL: pgBackRest (WAL archiving, full/diff/incr, encrypted
//!   repository), see [`pgbackrest`].
//! - Media store and state: restic, see [`restic`].
//! - The keys that make both readable: the age-sealed escrow, see
//!   [`escrow`]; its private key never lives on the appliance.
//!
//! Every step is printed to standard error (the journal under systemd) and
//! recorded in the hash-chained activity log (`backup.*` actions).

pub mod config;
pub mod drill;
pub mod escrow;
pub mod pgbackrest;
pub mod remote;
pub mod restic;
pub mod status;
pub mod tools;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use clap::{Args, Subcommand};
use custodian_vault::Session;
use serde_json::json;

use crate::owner::{self, Owner};
use config::{Config, Repo};
use pgbackrest::Keys;
use remote::Credentials;
use restic::Where;
use status::{Event, Status};
use tools::{io, BackupError};

#[derive(Debug, Subcommand)]
pub enum BackupCommand {
    /// Check backup.toml (and the files it names) without doing anything.
    CheckConfig(ConfigArg),
    /// Once, as root: create the repository, write pgbackrest.conf, turn on
    /// WAL archiving in PostgreSQL (ALTER SYSTEM; restart PostgreSQL after)
    /// and create the pgBackRest stanza.
    Setup(ConfigArg),
    /// Back up now: PostgreSQL (pgBackRest) and the media store and state
    /// (restic), with the sealed key escrow copied into the repository.
    Now(NowArgs),
    /// The backups in the repository and the points in time they reach.
    List(ConfigArg),
    /// Check the repository: pgBackRest `verify` (every file's checksum)
    /// and restic `check --read-data-subset`.
    Verify(ConfigArg),
    /// At the console (root, custodiand and PostgreSQL stopped): restore
    /// PostgreSQL, the media store and the state from the repository, and
    /// the escrowed keys into a fresh Vault (with VAULT_TOKEN set), using
    /// the offline recovery key.
    Restore(RestoreArgs),
    /// Mark the present moment as a named restore point (before a
    /// migration): a backup first if the repository has none, then
    /// PostgreSQL's pg_create_restore_point, the WAL segment switched and
    /// archived. `restore --keep-vault --name NAME` goes back to it.
    RestorePoint(RestorePointArgs),
    /// Restore the latest backup into a scratch PostgreSQL and a scratch
    /// media directory, decrypt a sample of media, compare record counts,
    /// check the activity log's chain; report (and record) the result.
    Drill(DrillArgs),
}

#[derive(Debug, Args)]
pub struct ConfigArg {
    /// The backup configuration.
    #[arg(long, default_value = "/etc/custodian/backup.toml")]
    pub config: PathBuf,
}

#[derive(Debug, Args)]
pub struct NowArgs {
    #[command(flatten)]
    pub config: ConfigArg,
    /// full, diff (changes since the last full) or incr (since the last
    /// backup). The first backup is always full.
    #[arg(long = "type", default_value = "incr", value_parser = ["full", "diff", "incr"])]
    pub kind: String,
}

#[derive(Debug, Args)]
pub struct RestorePointArgs {
    #[command(flatten)]
    pub config: ConfigArg,
    /// The restore point's name (letters, digits, `.`, `-`, `_`).
    #[arg(long)]
    pub name: String,
}

#[derive(Debug, Args)]
pub struct RestoreArgs {
    #[command(flatten)]
    pub config: ConfigArg,
    /// The offline age identity (the recovery key) that opens the escrow.
    /// Not needed with --keep-vault (the passphrases then come from Vault).
    #[arg(long, value_name = "FILE", required_unless_present = "keep_vault")]
    pub recovery_key: Option<PathBuf>,
    /// Restore to this point in time (UTC, `YYYY-MM-DD HH:MM:SS`).
    #[arg(long, value_name = "TIME", conflicts_with_all = ["set", "name"])]
    pub time: Option<String>,
    /// Restore to the end of this backup (a label from `backup list`).
    #[arg(long, value_name = "LABEL", conflicts_with = "name")]
    pub set: Option<String>,
    /// Restore to a restore point (`backup restore-point`).
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// Overwrite an existing database and media store (PostgreSQL is
    /// stopped first).
    #[arg(long)]
    pub force: bool,
    /// The Vault kept its keys: do not import the escrowed keys.
    #[arg(long)]
    pub keep_vault: bool,
    /// Which repository to restore from: `remote` needs only the bucket
    /// (with its access key in Vault: the migrator's with --keep-vault,
    /// else the operator's VAULT_TOKEN), and the recovery key.
    #[arg(long, value_enum, default_value = "local")]
    pub from: RepoArg,
}

/// `--from local|remote`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RepoArg {
    /// `repository.path`.
    Local,
    /// The `[remote]` bucket alone (the local repository may be gone).
    Remote,
}

impl RepoArg {
    pub fn repo(self) -> Repo {
        match self {
            RepoArg::Local => Repo::Local,
            RepoArg::Remote => Repo::Remote,
        }
    }
}

#[derive(Debug, Args)]
pub struct DrillArgs {
    #[command(flatten)]
    pub config: ConfigArg,
    /// Which repository to restore from.
    #[arg(long, value_enum, default_value = "local")]
    pub from: RepoArg,
    /// How many media files to decrypt and hash.
    #[arg(long, default_value_t = 20)]
    pub sample: usize,
}

pub fn require_root(what: &str) -> Result<(), BackupError> {
    if nix::unistd::geteuid().is_root() {
        Ok(())
    } else {
        Err(BackupError::Refused(format!(
            "`custodianctl backup {what}` must run as root (it runs pgBackRest as PostgreSQL's account and reads the media store)"
        )))
    }
}

fn step(n: usize, of: usize, text: &str) {
    eprintln!("backup: [{n}/{of}] {text}");
}

/// The tables whose row counts a backup records and a drill compares.
pub const COUNTED: &[&str] = &[
    "app_user",
    "bulletin",
    "bulletin_revision",
    "actor",
    "incident",
    "relation",
    "media",
    "export_request",
    "audit_checkpoint",
    "label",
    "source",
    "location",
    "webauthn_credential",
];

pub async fn counts(
    db: &tokio_postgres::Client,
) -> Result<serde_json::Map<String, serde_json::Value>, BackupError> {
    let mut m = serde_json::Map::new();
    for t in COUNTED {
        let row = db
            .query_one(&format!("SELECT count(*) FROM {t}"), &[])
            .await
            .map_err(|source| BackupError::Database {
                what: format!("count {t}"),
                source,
            })?;
        m.insert((*t).to_owned(), json!(row.get::<_, i64>(0)));
    }
    Ok(m)
}

/// The migrator's secret_id: the systemd credential when the unit passes
/// one (`LoadCredential=migrator-secret-id:…`), else `vault.secret-id-file`.
fn secret_id_file(cfg: &Config) -> PathBuf {
    std::env::var_os("CREDENTIALS_DIRECTORY")
        .map(|d| PathBuf::from(d).join("migrator-secret-id"))
        .filter(|p| p.is_file())
        .unwrap_or_else(|| cfg.vault.secret_id_file.clone())
}

/// The migrator's Vault session alone, without PostgreSQL (a restore, with
/// the database stopped); [`revoke`] ends it.
async fn migrator_session(cfg: &Config) -> Result<Arc<Session>, BackupError> {
    owner::login(
        &cfg.vault.address,
        cfg.vault.ca_cert.as_deref(),
        &cfg.vault.role_id,
        &secret_id_file(cfg),
    )
    .await
    .map_err(|e| BackupError::Refused(format!("cannot log in as the migrator: {e}")))
}

/// Revokes a session's token (best effort: it expires by itself).
async fn revoke(session: &Session) {
    let _ = session
        .client()
        .post("auth/token/revoke-self", &json!({}))
        .await;
}

async fn connect(cfg: &Config) -> Result<Owner, BackupError> {
    owner::connect(
        &cfg.vault.address,
        cfg.vault.ca_cert.as_deref(),
        &cfg.vault.role_id,
        &secret_id_file(cfg),
        &cfg.vault.db_host,
        cfg.postgres.port,
        &cfg.postgres.dbname,
    )
    .await
    .map_err(|e| {
        BackupError::Refused(format!(
            "cannot log in as the migrator (Vault) and reach PostgreSQL: {e}"
        ))
    })
}

pub async fn record(db: &tokio_postgres::Client, action: &str, detail: &serde_json::Value) {
    if let Err(e) = custodian_db::audit::record(db, "custodianctl", action, "backup", detail).await
    {
        eprintln!("backup: warning: could not write {action} to the activity log: {e}");
    }
}

fn repository_present(cfg: &Config) -> Result<(), BackupError> {
    if cfg.repository.path.is_dir() {
        Ok(())
    } else {
        Err(BackupError::RepositoryMissing {
            path: cfg.repository.path.clone(),
        })
    }
}

pub async fn run(cmd: BackupCommand) -> Result<(), BackupError> {
    match cmd {
        BackupCommand::CheckConfig(a) => {
            let cfg = Config::load(&a.config)?;
            for (what, p) in [
                ("vault.secret-id-file", Some(&cfg.vault.secret_id_file)),
                ("vault.ca-cert", cfg.vault.ca_cert.as_ref()),
                (
                    "remote.ca-cert",
                    cfg.remote.as_ref().and_then(|r| r.ca_cert.as_ref()),
                ),
            ] {
                if let Some(p) = p {
                    if !p.is_file() {
                        return Err(BackupError::Refused(format!(
                            "{}: {what} {} does not exist",
                            a.config.display(),
                            p.display()
                        )));
                    }
                }
            }
            pgbackrest::in_memory(&cfg.state.runtime_dir)?;
            eprintln!("{}: ok", a.config.display());
            Ok(())
        }
        BackupCommand::Setup(a) => setup(&Config::load(&a.config)?).await,
        BackupCommand::Now(a) => now(&Config::load(&a.config.config)?, &a.kind).await,
        BackupCommand::List(a) => list(&Config::load(&a.config)?).await,
        BackupCommand::Verify(a) => verify(&Config::load(&a.config)?).await,
        BackupCommand::Restore(a) => restore(&Config::load(&a.config.config)?, &a).await,
        BackupCommand::RestorePoint(a) => {
            restore_point(&Config::load(&a.config.config)?, &a.name).await
        }
        BackupCommand::Drill(a) => {
            drill::drill(&Config::load(&a.config.config)?, a.sample, a.from).await
        }
    }
}

async fn setup(cfg: &Config) -> Result<(), BackupError> {
    require_root("setup")?;
    repository_present(cfg)?;
    let owner = connect(cfg).await?;
    let pass = escrow::passphrases(owner.vault()).await?;
    pgbackrest::ensure_repo(cfg)?;
    let (creds, problem) = reach_remote(cfg, owner.vault(), None).await;
    if let Some(e) = &problem {
        eprintln!("backup: WARNING: {e}; WAL is archived to the local repository only until the remote works");
    }
    let mut keys = Keys {
        pass: pass.pgbackrest.clone(),
        remote: creds,
    };
    pgbackrest::prepare(cfg, &keys)?;
    let psql = cfg.postgres.bin_dir.join("psql");
    let sql = format!(
        "ALTER SYSTEM SET archive_mode = 'on';\n\
         ALTER SYSTEM SET archive_timeout = '{}s';\n\
         ALTER SYSTEM SET archive_command = $cmd${}$cmd$;\n\
         SELECT pg_reload_conf();\n",
        cfg.postgres.archive_timeout_secs,
        pgbackrest::archive_command(cfg)
    );
    tools::Tool::new("psql", "turn on WAL archiving (as PostgreSQL's superuser)")
        .program(&psql)
        .run_as(&cfg.postgres.os_user)
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-h"])
        .arg(&cfg.postgres.socket_dir)
        .arg("-p")
        .arg(cfg.postgres.port.to_string())
        .args(["-d", "postgres", "-f", "-"])
        .stdin_secret(secrecy::SecretString::from(sql))
        .quiet()
        .run()
        .map_err(|e| {
            BackupError::Refused(format!(
                "{e} (psql lives in postgres.bin-dir {})",
                psql.display()
            ))
        })?;
    let problem = stanzas(cfg, &mut keys)?.or(problem);
    restic::init_if_missing(cfg, &pass.restic)?;
    record(
        &owner.client,
        "backup.configured",
        &json!({"repository": cfg.repository.path, "remote": remote_detail(cfg, problem.as_ref(), None)}),
    )
    .await;
    owner.session_end().await;
    eprintln!(
        "backup: repository ready at {}. If archive_mode was off, restart PostgreSQL now (systemctl restart postgresql), then run `custodianctl backup now --type full`.",
        cfg.repository.path.display()
    );
    Ok(())
}

async fn now(cfg: &Config, kind: &str) -> Result<(), BackupError> {
    require_root("now")?;
    repository_present(cfg)?;
    let started = Instant::now();
    let owner = connect(cfg).await?;
    let result = now_inner(cfg, kind, &owner).await;
    let mut st = Status::load(&cfg.status_file());
    match &result {
        Ok((detail, remote_problem)) => {
            let mut d = detail.clone();
            d["seconds"] = json!(started.elapsed().as_secs_f64());
            record(&owner.client, "backup.finished", &d).await;
            if remote_problem.is_some() {
                st.last_failure = Some(Event {
                    at: status::now_secs(),
                    what: "remote".into(),
                    detail: d["remote"].clone(),
                });
            }
            st.last_backup = Some(Event {
                at: status::now_secs(),
                what: kind.into(),
                detail: d,
            });
        }
        Err(e) => {
            let d = json!({"type": kind, "error": e.to_string()});
            record(&owner.client, "backup.failed", &d).await;
            st.last_failure = Some(Event {
                at: status::now_secs(),
                what: kind.into(),
                detail: d,
            });
        }
    }
    let _ = st.save(&cfg.status_file());
    owner.session_end().await;
    let (detail, remote_problem) = result?;
    eprintln!(
        "backup: done in {:.1} s: PostgreSQL {} ({}), files snapshot {}{}",
        started.elapsed().as_secs_f64(),
        detail["label"].as_str().unwrap_or("?"),
        detail["type"].as_str().unwrap_or("?"),
        detail["snapshot"].as_str().unwrap_or("?"),
        match detail.pointer("/remote/label").and_then(|l| l.as_str()) {
            Some(l) => format!(
                "; remote: PostgreSQL {l}, files snapshot {}",
                detail
                    .pointer("/remote/snapshot")
                    .and_then(|s| s.as_str())
                    .unwrap_or("?")
            ),
            None => String::new(),
        }
    );
    match remote_problem {
        Some(e) => Err(BackupError::RemoteFailed {
            local: detail["label"].as_str().unwrap_or("?").to_owned(),
            source: Box::new(e),
        }),
        None => Ok(()),
    }
}

/// The remote's access key when `[remote]` is configured and answers:
/// read from Vault, then a small object written under the prefix (and the
/// sealed escrow with what it covers, when given), which proves the
/// endpoint, its certificate, the bucket and the key's right to write.
/// Otherwise the problem, to be reported; the remote is then left out.
/// Every command that writes pgbackrest.conf asks this first, so that none
/// puts a remote that does not answer back into WAL archiving.
async fn reach_remote(
    cfg: &Config,
    vault: &custodian_vault::Client,
    escrow: Option<(&[u8], &[u8])>,
) -> (Option<Credentials>, Option<BackupError>) {
    let Some(r) = &cfg.remote else {
        return (None, None);
    };
    let attempt = async {
        let creds = remote::credentials(vault).await?;
        let s3 = remote::S3::new(r, &creds, &cfg.state.dir)?;
        s3.put(
            &r.key("custodian-backup.txt"),
            b"Custodian backup repository: pgbackrest/ (pgBackRest), restic/ (restic), escrow/ (the age-sealed key escrow). Encrypted; written by custodianctl backup.\n",
            "write under remote.prefix",
        )?;
        if let Some((sealed, covers)) = escrow {
            s3.put(
                &r.key(remote::ESCROW_KEY),
                sealed,
                "store the sealed key escrow",
            )?;
            s3.put(
                &r.key(remote::COVERAGE_KEY),
                covers,
                "store the escrow's coverage",
            )?;
        }
        Ok::<_, BackupError>(creds)
    };
    match attempt.await {
        Ok(c) => (Some(c), None),
        Err(e) => (None, Some(e)),
    }
}

/// stanza-create on every repository in pgbackrest.conf; when it fails
/// with the remote in, the remote is taken out and the local one created
/// alone (the remote's failure returned, to be reported).
fn stanzas(cfg: &Config, keys: &mut Keys) -> Result<Option<BackupError>, BackupError> {
    match pgbackrest::stanza_create(cfg, keys) {
        Ok(()) => Ok(None),
        Err(e) if keys.remote.is_some() => {
            keys.remote = None;
            pgbackrest::prepare(cfg, keys)?;
            pgbackrest::stanza_create(cfg, keys)?;
            Ok(Some(e))
        }
        Err(e) => Err(e),
    }
}

/// What `backup.finished` (and `backup.configured`) says of the remote.
fn remote_detail(
    cfg: &Config,
    problem: Option<&BackupError>,
    done: Option<(&str, &str)>,
) -> serde_json::Value {
    let Some(r) = &cfg.remote else {
        return serde_json::Value::Null;
    };
    match (problem, done) {
        (Some(e), _) => json!({"target": r.describe(), "ok": false, "error": e.to_string()}),
        (None, Some((label, snapshot))) => {
            json!({"target": r.describe(), "ok": true, "label": label, "snapshot": snapshot})
        }
        (None, None) => json!({"target": r.describe(), "ok": true}),
    }
}

/// archive_command as backup.toml wants it (set again when `[remote]` was
/// added or removed since `backup setup`; PostgreSQL reloads it).
fn ensure_archive_command(cfg: &Config) -> Result<(), BackupError> {
    let want = pgbackrest::archive_command(cfg);
    let have = superuser_sql(
        cfg,
        "read archive_command",
        "SHOW archive_command;\n".into(),
    )?;
    if have == want {
        return Ok(());
    }
    eprintln!("backup: setting PostgreSQL's archive_command for this configuration");
    superuser_sql(
        cfg,
        "set archive_command",
        format!("ALTER SYSTEM SET archive_command = $cmd${want}$cmd$;\nSELECT pg_reload_conf();\n"),
    )
    .map(drop)
}

/// The remote part of a backup: pgBackRest into repo2 (a full one first
/// if it has none), the new restic snapshots copied, retention there too.
fn remote_backup(
    cfg: &Config,
    keys: &Keys,
    restic_pass: &secrecy::SecretString,
    creds: &Credentials,
    kind: &str,
) -> Result<(String, String), BackupError> {
    pgbackrest::backup(cfg, keys, Repo::Remote, kind)?;
    let info = pgbackrest::info(cfg, keys, Repo::Remote)?;
    let (label, _, _) = pgbackrest::backups(&info).pop().unwrap_or_default();
    restic::init_remote_if_missing(cfg, restic_pass, creds)?;
    let _ = restic::unlock(cfg, restic_pass, Where::Remote(creds));
    restic::copy_to_remote(cfg, restic_pass, creds)?;
    restic::forget(cfg, restic_pass, Where::Remote(creds))?;
    let snapshot = restic::snapshots(cfg, restic_pass, Where::Remote(creds))?
        .pop()
        .map(|(id, _)| id)
        .unwrap_or_default();
    Ok((label, snapshot))
}

async fn now_inner(
    cfg: &Config,
    kind: &str,
    owner: &Owner,
) -> Result<(serde_json::Value, Option<BackupError>), BackupError> {
    let steps = if cfg.remote.is_some() { 7 } else { 5 };
    // The local steps' numbers, after the remote's check when there is one.
    let at = |n: usize| {
        if cfg.remote.is_some() && n >= 3 {
            n + 1
        } else {
            n
        }
    };
    step(1, steps, "reading the repository passphrases from Vault");
    let pass = escrow::passphrases(owner.vault()).await?;
    record(&owner.client, "backup.started", &json!({"type": kind})).await;
    step(
        2,
        steps,
        "copying the sealed key escrow into the repository",
    );
    if !cfg.escrow.file.is_file() {
        return Err(BackupError::Refused(format!(
            "no sealed key escrow at {} (escrow.file): run `custodianctl vault escrow --recipient {} --out {}` with an operator token first; without it a restore on a fresh Vault could read nothing",
            cfg.escrow.file.display(),
            cfg.escrow.recipient,
            cfg.escrow.file.display()
        )));
    }
    let sealed = std::fs::read(&cfg.escrow.file)
        .map_err(io(format!("read {}", cfg.escrow.file.display())))?;
    let dir = cfg.escrow_copy();
    if let Some(parent) = dir.parent() {
        std::fs::create_dir_all(parent).map_err(io(format!("create {}", parent.display())))?;
    }
    escrow::write_file(&cfg.escrow_copy(), &sealed, 0o644).map_err(|e| disk_full_or(cfg, e))?;
    let coverage = escrow_coverage(cfg, owner).await;
    // The remote is checked before anything waits on it: one that does not
    // answer is left out of WAL archiving, so the local backup goes ahead.
    let mut problem = None;
    let mut creds = None;
    if let Some(r) = &cfg.remote {
        step(
            3,
            steps,
            &format!(
                "remote {}: access key from Vault, the sealed key escrow stored there",
                r.describe()
            ),
        );
        let covers = std::fs::read(escrow::coverage_file(&cfg.escrow.file)).unwrap_or_default();
        let (c, p) = reach_remote(cfg, owner.vault(), Some((&sealed, &covers))).await;
        if let Some(e) = &p {
            eprintln!("backup: WARNING: {e}; backing up to the local repository only");
        }
        (creds, problem) = (c, p);
    }
    let mut keys = Keys {
        pass: pass.pgbackrest.clone(),
        remote: creds,
    };
    step(
        at(3),
        steps,
        &format!("PostgreSQL: pgBackRest {kind} backup (local repository)"),
    );
    pgbackrest::ensure_repo(cfg)?;
    pgbackrest::prepare(cfg, &keys)?;
    ensure_archive_command(cfg)?;
    if let Some(e) = stanzas(cfg, &mut keys)? {
        eprintln!(
            "backup: WARNING: the remote repository: {e}; backing up to the local repository only"
        );
        problem = Some(e);
    }
    let counts = counts(&owner.client).await?;
    pgbackrest::backup(cfg, &keys, Repo::Local, kind)?;
    let info = pgbackrest::info(cfg, &keys, Repo::Local)?;
    let (label, actual, _) = pgbackrest::backups(&info).pop().unwrap_or_default();
    step(at(4), steps, "media store and state: restic snapshot");
    restic::init_if_missing(cfg, &pass.restic)?;
    let _ = restic::unlock(cfg, &pass.restic, Where::Local);
    let snapshot = restic::backup(cfg, &pass.restic)?;
    step(
        at(5),
        steps,
        "retention (pgBackRest expires with each backup; restic forget --prune)",
    );
    restic::forget(cfg, &pass.restic, Where::Local)?;
    let mut done = None;
    if let Some(r) = &cfg.remote {
        step(
            7,
            steps,
            &format!(
                "remote {}: pgBackRest {kind} backup, restic copy of the new snapshot",
                r.describe()
            ),
        );
        match keys.remote.clone() {
            Some(c) => match remote_backup(cfg, &keys, &pass.restic, &c, kind) {
                Ok(d) => done = Some(d),
                Err(e) => {
                    eprintln!("backup: WARNING: the remote copy failed: {e}");
                    // Out of WAL archiving until the next backup reaches it.
                    keys.remote = None;
                    if let Err(e2) = pgbackrest::prepare(cfg, &keys) {
                        eprintln!("backup: WARNING: could not take the remote out of pgbackrest.conf: {e2}");
                    }
                    problem = Some(e);
                }
            },
            None => eprintln!("  skipped: the remote is not reachable (above)"),
        }
    }
    let remote = remote_detail(
        cfg,
        problem.as_ref(),
        done.as_ref().map(|(l, s)| (l.as_str(), s.as_str())),
    );
    let mut detail = json!({"type": actual, "label": label, "snapshot": snapshot, "counts": counts, "escrow": coverage});
    if !remote.is_null() {
        detail["remote"] = remote;
    }
    Ok((detail, problem))
}

/// Whether the sealed escrow holds every key version in use, as recorded
/// with the backup (`escrow.gaps`, or `escrow.unchecked` with the reason)
/// and shown to administrators. A gap does not fail the backup (the data
/// is still worth keeping) but is printed with the fix: after a rotation,
/// what the new version encrypts could not be read on a fresh Vault.
async fn escrow_coverage(cfg: &Config, owner: &Owner) -> serde_json::Value {
    let file = &cfg.escrow.file;
    let Some(covered) = escrow::Coverage::load(file) else {
        eprintln!(
            "backup: WARNING: {} does not say which key versions the escrow holds (sealed by an older custodianctl): re-seal it with an operator token: custodianctl vault escrow --recipient {} --out {}",
            escrow::coverage_file(file).display(),
            cfg.escrow.recipient,
            file.display()
        );
        return json!({"unchecked": "coverage-unknown"});
    };
    if let Err(e) = escrow::write_file(
        &escrow::coverage_file(&cfg.escrow_copy()),
        &std::fs::read(escrow::coverage_file(file)).unwrap_or_default(),
        0o644,
    ) {
        eprintln!("backup: WARNING: could not copy the escrow's coverage into the repository: {e}");
    }
    let in_use = match escrow::in_use(owner.vault()).await {
        Ok(v) => v,
        Err(e) => {
            eprintln!(
                "backup: WARNING: could not check the escrow against Vault's key versions: {e}"
            );
            return json!({"unchecked": "vault"});
        }
    };
    let gaps = covered.gaps(&in_use);
    if !gaps.is_empty() {
        let list: Vec<String> = gaps
            .iter()
            .map(|g| format!("{} version {}", g.key, g.version))
            .collect();
        eprintln!(
            "backup: WARNING: the key escrow (sealed {}) lacks {}: keys were rotated after it was sealed, and a restore on a fresh Vault could not read what they encrypt. Re-seal it with an operator token: custodianctl vault escrow --out {}",
            covered.sealed,
            list.join(", "),
            file.display()
        );
    }
    json!({"sealed": covered.sealed, "gaps": gaps})
}

fn disk_full_or(cfg: &Config, e: BackupError) -> BackupError {
    match e {
        BackupError::Io { source, what } if source.raw_os_error() == Some(28) => {
            BackupError::DiskFull {
                path: cfg.repository.path.clone(),
                tool: "custodianctl",
                detail: format!("{what}: {source}"),
            }
        }
        other => other,
    }
}

async fn list(cfg: &Config) -> Result<(), BackupError> {
    require_root("list")?;
    repository_present(cfg)?;
    let owner = connect(cfg).await?;
    let pass = escrow::passphrases(owner.vault()).await?;
    let (creds, mut problem) = reach_remote(cfg, owner.vault(), None).await;
    owner.session_end().await;
    let keys = Keys {
        pass: pass.pgbackrest.clone(),
        remote: creds,
    };
    pgbackrest::prepare(cfg, &keys)?;
    let info = pgbackrest::info(cfg, &keys, Repo::Local)?;
    println!("PostgreSQL (pgBackRest, stanza {}):", pgbackrest::STANZA);
    let backups = pgbackrest::backups(&info);
    if backups.is_empty() {
        println!("  no backups yet");
    }
    for (label, kind, stop) in &backups {
        println!("  {label}  {kind:<4}  consistent at {}", status::utc(*stop));
    }
    if let Some(max) = info.pointer("/0/archive/0/max").and_then(|m| m.as_str()) {
        println!("  WAL archived up to segment {max} (restore to any time up to its end)");
    }
    println!("Media and state (restic):");
    let snaps = restic::snapshots(cfg, &pass.restic, Where::Local)?;
    if snaps.is_empty() {
        println!("  no snapshots yet");
    }
    for (id, time) in snaps {
        println!("  {id}  {time}");
    }
    if let Some(r) = &cfg.remote {
        println!("Remote {}:", r.describe());
        if let Some(c) = &keys.remote {
            let listed = (|| {
                let info = pgbackrest::info(cfg, &keys, Repo::Remote)?;
                let backups = pgbackrest::backups(&info);
                if backups.is_empty() {
                    println!("  PostgreSQL: no backups yet");
                }
                for (label, kind, stop) in &backups {
                    println!(
                        "  PostgreSQL {label}  {kind:<4}  consistent at {}",
                        status::utc(*stop)
                    );
                }
                let snaps = restic::snapshots(cfg, &pass.restic, Where::Remote(c))?;
                if snaps.is_empty() {
                    println!("  files: no snapshots yet");
                }
                for (id, time) in snaps {
                    println!("  files snapshot {id}  {time}");
                }
                Ok::<_, BackupError>(())
            })();
            if let Err(e) = listed {
                problem = Some(e);
            }
        }
        if let Some(e) = &problem {
            println!("  unavailable: {e}");
        }
    }
    let st = Status::load(&cfg.status_file());
    if let Some(e) = st.last_restore_verified {
        println!("Last verified restore: {} ({})", status::utc(e.at), e.what);
    }
    match problem {
        Some(e) => Err(BackupError::Refused(format!(
            "the local repository is listed above; the remote one is not: {e}"
        ))),
        None => Ok(()),
    }
}

async fn verify(cfg: &Config) -> Result<(), BackupError> {
    require_root("verify")?;
    repository_present(cfg)?;
    let owner = connect(cfg).await?;
    let result = async {
        let pass = escrow::passphrases(owner.vault()).await?;
        // Without the remote's key the local repository is still verified;
        // the remote's problem is the result.
        let (creds, problem) = reach_remote(cfg, owner.vault(), None).await;
        let keys = Keys {
            pass: pass.pgbackrest.clone(),
            remote: creds,
        };
        pgbackrest::prepare(cfg, &keys)?;
        let steps = if keys.remote.is_some() { 4 } else { 2 };
        step(
            1,
            steps,
            "PostgreSQL: pgBackRest verify (every backup and WAL file's checksum)",
        );
        pgbackrest::verify(cfg, &keys, Repo::Local)?;
        step(
            2,
            steps,
            &format!(
                "media and state: restic check, reading {}% of the data",
                cfg.repository.verify_read_data_percent
            ),
        );
        let _ = restic::unlock(cfg, &pass.restic, Where::Local);
        restic::check(cfg, &pass.restic, Where::Local)?;
        if let (Some(c), Some(r)) = (&keys.remote, &cfg.remote) {
            step(
                3,
                steps,
                &format!("remote {}: pgBackRest verify", r.describe()),
            );
            pgbackrest::verify(cfg, &keys, Repo::Remote)?;
            step(4, steps, "remote: restic check");
            let _ = restic::unlock(cfg, &pass.restic, Where::Remote(c));
            restic::check(cfg, &pass.restic, Where::Remote(c))?;
        }
        if let Some(e) = problem {
            return Err(BackupError::Refused(format!(
                "the local repository is verified (no damage found); the remote one is not: {e}"
            )));
        }
        Ok::<_, BackupError>(())
    }
    .await;
    let d = match &result {
        Ok(()) => json!({"ok": true}),
        Err(e) => json!({"ok": false, "error": e.to_string()}),
    };
    record(
        &owner.client,
        if result.is_ok() {
            "backup.verified"
        } else {
            "backup.verify_failed"
        },
        &d,
    )
    .await;
    owner.session_end().await;
    let mut st = Status::load(&cfg.status_file());
    st.last_verify = Some(Event {
        at: status::now_secs(),
        what: "verify".into(),
        detail: d,
    });
    let _ = st.save(&cfg.status_file());
    result?;
    eprintln!(
        "backup: {} verified: no damage found",
        if cfg.remote.is_some() {
            "both repositories (local and remote)"
        } else {
            "repository"
        }
    );
    Ok(())
}

/// Parses `YYYY-MM-DD HH:MM:SS` (UTC) loosely into pgBackRest's form.
fn target_time(t: &str) -> Result<String, BackupError> {
    let t = t.trim().trim_end_matches('Z').replace('T', " ");
    let t = t.strip_suffix("+00").unwrap_or(&t).to_owned();
    let ok = t.len() >= 19
        && t.as_bytes()
            .iter()
            .take(19)
            .enumerate()
            .all(|(i, b)| match i {
                4 | 7 => *b == b'-',
                10 => *b == b' ',
                13 | 16 => *b == b':',
                _ => b.is_ascii_digit(),
            });
    if ok {
        Ok(format!("{t}+00"))
    } else {
        Err(BackupError::Refused(format!(
            "--time {t:?}: give a UTC time as YYYY-MM-DD HH:MM:SS"
        )))
    }
}

/// The access key for a restore from the remote: the migrator's Vault
/// when it kept its keys, else the operator's (VAULT_TOKEN), where the
/// security team stored it again (`vault backup-remote-credentials`).
async fn restore_creds(cfg: &Config, a: &RestoreArgs) -> Result<Credentials, BackupError> {
    if a.keep_vault {
        let session = migrator_session(cfg).await?;
        let creds = remote::credentials(session.client()).await;
        revoke(&session).await;
        creds
    } else {
        remote::credentials(&operator_client(cfg)?).await
    }
}

/// The sealed escrow kept in the bucket, into the state directory (it is
/// ciphertext; the recovery key opens it).
async fn fetch_escrow(cfg: &Config, creds: &Credentials) -> Result<PathBuf, BackupError> {
    let Some(r) = &cfg.remote else {
        return Err(no_remote());
    };
    let s3 = remote::S3::new(r, creds, &cfg.state.dir)?;
    let sealed = s3.get(&r.key(remote::ESCROW_KEY), "give the sealed key escrow")?;
    std::fs::create_dir_all(&cfg.state.dir)
        .map_err(io(format!("create {}", cfg.state.dir.display())))?;
    let p = cfg.state.dir.join("remote-escrow.age");
    escrow::write_file(&p, &sealed, 0o600)?;
    Ok(p)
}

fn no_remote() -> BackupError {
    BackupError::Refused(
        "--from remote: backup.toml has no [remote] table; add it (see /usr/share/doc/custodian/examples/backup.toml)".into(),
    )
}

async fn restore(cfg: &Config, a: &RestoreArgs) -> Result<(), BackupError> {
    require_root("restore")?;
    let from = a.from.repo();
    if from == Repo::Local {
        repository_present(cfg)?;
    } else if cfg.remote.is_none() {
        return Err(no_remote());
    }
    let target = match (&a.time, &a.set, &a.name) {
        (Some(t), _, _) => pgbackrest::Target::Time(target_time(t)?),
        (None, Some(s), _) => pgbackrest::Target::Set(s.clone()),
        (None, None, Some(n)) => pgbackrest::Target::Name(point_name(n)?),
        (None, None, None) => pgbackrest::Target::Latest,
    };
    // A running appliance is never overwritten, not even with --force:
    // systemd's view, and the lock a serving custodiand holds on the
    // media store (which also catches one started by hand).
    if custodiand_active() || media_store_served(&cfg.files.media_dir) {
        return Err(BackupError::Refused(format!(
            "custodiand is running (it serves {}): stop it first (systemctl stop custodiand.socket custodiand)",
            cfg.files.media_dir.display()
        )));
    }
    let pg_running = pgbackrest::running(&cfg.postgres.data_dir);
    let has_data = cfg.postgres.data_dir.join("PG_VERSION").exists();
    let media_nonempty = std::fs::read_dir(&cfg.files.media_dir)
        .map(|mut d| d.next().is_some())
        .unwrap_or(false);
    if (pg_running || has_data || media_nonempty) && !a.force {
        return Err(BackupError::Refused(format!(
            "this appliance has data ({}{}{}): a restore would overwrite it. Pass --force to overwrite (PostgreSQL is stopped first)",
            if pg_running { "PostgreSQL is running; " } else { "" },
            if has_data { "a database exists; " } else { "" },
            if media_nonempty { "the media store is not empty" } else { "" },
        )));
    }
    const STEPS: usize = 5;
    let creds = match from {
        Repo::Remote => Some(restore_creds(cfg, a).await?),
        Repo::Local => None,
    };
    let pass = match &a.recovery_key {
        Some(key) => {
            step(1, STEPS, "opening the key escrow with the recovery key");
            let sealed = match &creds {
                Some(c) => fetch_escrow(cfg, c).await?,
                None => cfg.escrow_copy(),
            };
            let bundle = escrow::open(&sealed, key)?;
            let pass = bundle.passphrases()?;
            if a.keep_vault {
                step(2, STEPS, "keeping the keys this Vault has (--keep-vault)");
            } else {
                step(
                    2,
                    STEPS,
                    &format!(
                        "importing the escrowed keys into the Vault at {}",
                        cfg.vault.address
                    ),
                );
                let admin = operator_client(cfg)?;
                bundle
                    .import(&admin, a.force, &|s| eprintln!("  {s}"))
                    .await?;
            }
            pass
        }
        None => {
            step(
                1,
                STEPS,
                "reading the repository passphrases from Vault (--keep-vault)",
            );
            let session = migrator_session(cfg).await?;
            let pass = escrow::passphrases(session.client()).await?;
            revoke(&session).await;
            step(2, STEPS, "keeping the keys this Vault has (--keep-vault)");
            pass
        }
    };
    step(3, STEPS, "PostgreSQL: pgBackRest restore");
    if pg_running {
        tools::Tool::new("pg_ctl", "stop PostgreSQL before the restore")
            .run_as(&cfg.postgres.os_user)
            .arg("-D")
            .arg(&cfg.postgres.data_dir)
            .args(["-m", "fast", "-w", "stop"])
            .program(cfg.postgres.bin_dir.join("pg_ctl"))
            .run()?;
    }
    let keys = Keys {
        pass: pass.pgbackrest.clone(),
        remote: creds.clone(),
    };
    pgbackrest::prepare(cfg, &keys)?;
    let nonempty = pgbackrest::prepare_data_dir(cfg, &cfg.postgres.data_dir)?;
    pgbackrest::restore(cfg, &keys, from, &cfg.postgres.data_dir, &target, nonempty)?;
    let at = match &creds {
        Some(c) => Where::Remote(c),
        None => Where::Local,
    };
    let snapshot = if let pgbackrest::Target::Name(n) = &target {
        // A restore point undoes schema changes; media are not touched by
        // migrations and stay as they are.
        step(
            4,
            STEPS,
            &format!("media store kept as it is (restore point {n})"),
        );
        "kept".to_owned()
    } else {
        step(
            4,
            STEPS,
            &format!(
                "media store and state: restic restore ({} repository)",
                from.name()
            ),
        );
        let snaps = restic::snapshots(cfg, &pass.restic, at)?;
        let wanted = match &target {
            pgbackrest::Target::Time(t) => {
                // The newest snapshot taken at or before the target (RFC
                // 3339 strings of one zone compare in time order).
                let t3339 = t.trim_end_matches("+00").replacen(' ', "T", 1);
                snaps
                    .iter()
                    .rev()
                    .find(|(_, time)| time.as_str() <= t3339.as_str())
                    .or(snaps.first())
            }
            _ => snaps.last(),
        };
        let Some((snapshot, _)) = wanted.cloned() else {
            return Err(BackupError::Refused(
                "the restic repository has no snapshot".into(),
            ));
        };
        if media_nonempty && a.force {
            clear_dir(&cfg.files.media_dir)?;
        }
        restic::restore(cfg, &pass.restic, at, &snapshot, Path::new("/"))?;
        snapshot
    };
    step(5, STEPS, "recording the restore");
    let mut st = Status::load(&cfg.status_file());
    st.last_restore_verified = None;
    st.last_failure = None;
    let detail = json!({"snapshot": snapshot, "from": from.name(), "target": match &target {
        pgbackrest::Target::Latest => "latest".to_owned(),
        pgbackrest::Target::Time(t) => t.clone(),
        pgbackrest::Target::Set(s) | pgbackrest::Target::Name(s) => s.clone(),
    }, "pending-log": true});
    st.last_backup = None;
    st.last_verify = Some(Event {
        at: status::now_secs(),
        what: "restore".into(),
        detail,
    });
    let _ = st.save(&cfg.status_file());
    eprintln!(
        "backup: restored. Next, at the console:\n\
         1. start PostgreSQL (it replays the archived WAL to the target and opens);\n\
         2. `custodianctl vault provision` and `vault provision-database` (they keep the restored keys; the database admin's password must be reset first, since only the old Vault knew it);\n\
         3. `custodianctl audit verify`, then start custodiand (systemctl start custodiand.socket)."
    );
    Ok(())
}

fn point_name(n: &str) -> Result<String, BackupError> {
    if !n.is_empty()
        && n.len() <= 60
        && n.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
    {
        Ok(n.to_owned())
    } else {
        Err(BackupError::Refused(format!(
            "restore point name {n:?}: use letters, digits, '.', '-' and '_' (at most 60)"
        )))
    }
}

/// psql as PostgreSQL's superuser over the unix socket; SQL on stdin.
fn superuser_sql(cfg: &Config, what: &str, sql: String) -> Result<String, BackupError> {
    let out = tools::Tool::new("psql", what)
        .program(cfg.postgres.bin_dir.join("psql"))
        .run_as(&cfg.postgres.os_user)
        .args(["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h"])
        .arg(&cfg.postgres.socket_dir)
        .arg("-p")
        .arg(cfg.postgres.port.to_string())
        .args(["-d", "postgres", "-f", "-"])
        .stdin_secret(secrecy::SecretString::from(sql))
        .quiet()
        .run()?;
    Ok(String::from_utf8_lossy(&out).trim().to_owned())
}

async fn restore_point(cfg: &Config, name: &str) -> Result<(), BackupError> {
    require_root("restore-point")?;
    repository_present(cfg)?;
    let name = point_name(name)?;
    let owner = connect(cfg).await?;
    let pass = escrow::passphrases(owner.vault()).await?;
    let (creds, _) = reach_remote(cfg, owner.vault(), None).await;
    let keys = Keys {
        pass: pass.pgbackrest.clone(),
        remote: creds,
    };
    pgbackrest::prepare(cfg, &keys)?;
    let has_backup = !pgbackrest::backups(&pgbackrest::info(cfg, &keys, Repo::Local)?).is_empty();
    owner.session_end().await;
    if !has_backup {
        eprintln!("backup: the repository holds no backup yet: taking a full one first");
        Box::pin(now(cfg, "full")).await?;
    }
    let owner = connect(cfg).await?;
    let wal = superuser_sql(
        cfg,
        "create the restore point",
        format!(
            "SELECT pg_create_restore_point('{name}');\nSELECT pg_walfile_name(pg_switch_wal());\n"
        ),
    )?;
    let wal = wal.lines().last().unwrap_or_default().to_owned();
    // Bounded wait until the segment holding the point is in the repository.
    let deadline = Instant::now() + std::time::Duration::from_secs(120);
    loop {
        let archived = superuser_sql(
            cfg,
            "ask how far WAL is archived",
            "SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver;\n".into(),
        )?;
        if archived.as_str() >= wal.as_str() {
            break;
        }
        if Instant::now() > deadline {
            let d = json!({"name": name, "error": "WAL not archived within 120 s"});
            record(&owner.client, "backup.restore_point_failed", &d).await;
            owner.session_end().await;
            return Err(BackupError::Refused(format!(
                "restore point {name} was made, but WAL segment {wal} is not archived after 120 s: check archive_command (`custodianctl backup setup`) and the backup disk"
            )));
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    record(
        &owner.client,
        "backup.restore_point",
        &json!({"name": name, "wal": wal}),
    )
    .await;
    owner.session_end().await;
    eprintln!("backup: restore point {name} is in the repository (WAL {wal})");
    Ok(())
}

fn clear_dir(dir: &Path) -> Result<(), BackupError> {
    for e in std::fs::read_dir(dir).map_err(io(format!("list {}", dir.display())))? {
        let p = e.map_err(io(format!("list {}", dir.display())))?.path();
        if p.is_dir() {
            std::fs::remove_dir_all(&p)
        } else {
            std::fs::remove_file(&p)
        }
        .map_err(io(format!("remove {}", p.display())))?;
    }
    Ok(())
}

/// The operator's token (VAULT_TOKEN) for the Vault the escrow goes into.
fn operator_client(cfg: &Config) -> Result<custodian_vault::Client, BackupError> {
    let ca_pem = match &cfg.vault.ca_cert {
        Some(p) => {
            Some(std::fs::read(p).map_err(io(format!("read vault.ca-cert {}", p.display())))?)
        }
        None => None,
    };
    let client = custodian_vault::Client::new(&custodian_vault::ClientConfig {
        address: cfg.vault.address.clone(),
        ca_pem,
        timeout: std::time::Duration::from_secs(30),
    })
    .map_err(|source| BackupError::Vault {
        what: "client".into(),
        source,
    })?;
    let token = std::env::var("VAULT_TOKEN").map_err(|_| {
        BackupError::Refused("no operator token: set VAULT_TOKEN (the security team's) to import the escrowed keys into the new Vault, or pass --keep-vault if the Vault kept them".into())
    })?;
    client.set_token(Some(secrecy::SecretString::from(token)));
    Ok(client)
}

/// custodiand under systemd (a test or development run is the operator's
/// to stop).
/// Whether a custodiand holds the media store's in-use lock
/// (custodian-core's `evidence::media::IN_USE_FILE`).
fn media_store_served(media_dir: &Path) -> bool {
    std::fs::OpenOptions::new()
        .read(true)
        .open(media_dir.join(".in-use"))
        .is_ok_and(|f| {
            matches!(
                nix::fcntl::Flock::lock(f, nix::fcntl::FlockArg::LockSharedNonblock),
                Err((_, nix::errno::Errno::EWOULDBLOCK))
            )
        })
}

fn custodiand_active() -> bool {
    std::process::Command::new("systemctl")
        .args(["is-active", "--quiet", "custodiand.service"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}
