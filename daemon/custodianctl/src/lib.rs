//! custodianctl: the administrator's command line.
#![forbid(unsafe_code)]

pub mod backup;
mod console_accounts;
mod owner;

use std::io::Write;
use std::os::fd::AsRawFd;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use custodian_vault::provision::{self, Options};
use custodian_vault::{Client, ClientConfig};
use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

/// Administer a Custodian appliance.
#[derive(Debug, Parser)]
#[command(version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Work with the Vault (or OpenBao) that holds the appliance's keys.
    #[command(subcommand)]
    Vault(VaultCommand),
    /// Apply pending database migrations, with short-lived owner
    /// credentials from Vault (the migrator's AppRole).
    Migrate(OwnerArgs),
    /// Print, as JSON, the schema version this build's migrations reach and
    /// `compatible_from`: the oldest schema version a program may expect and
    /// still run after them. The updater compares releases with it to know
    /// whether a failed update can be rolled back. Needs no database.
    Schema,
    /// The activity log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Administrator accounts, at the console (root and the database
    /// owner's credentials), for when the web interface cannot help.
    #[command(subcommand)]
    Account(AccountCommand),
    /// Backups and disaster recovery: PostgreSQL through pgBackRest (with
    /// WAL archiving, restorable to any second), the media store and state
    /// through restic, both encrypted with passphrases from Vault; the keys
    /// that make them readable escrowed to an offline age recipient
    /// (`vault escrow`). Configured in /etc/custodian/backup.toml.
    #[command(subcommand)]
    Backup(backup::BackupCommand),
}

#[derive(Debug, Subcommand)]
enum AccountCommand {
    /// Give an administrator account back to its owner when its password
    /// and second factors are lost (for example the only administrator's).
    /// Removes them, ends its sessions and prints a one-time recovery
    /// token, valid for an hour and only for that account: open
    /// https://APPLIANCE/recover, give the username and the token, and
    /// choose a new password; a second factor is enrolled at the next
    /// sign-in. Recorded in the activity log; every administrator is told.
    RecoverAdmin(AccountArgs),
    /// Confirm administrator rights that wait for a second administrator
    /// when there is none to confirm them on the accounts page (the
    /// one-administrator case). As on that page, the account's credentials
    /// are replaced: a recovery token is printed for the person at the
    /// console to hand over, so the administrator who asked holds nothing
    /// of the new account. Recorded; every administrator is told.
    ConfirmAdmin(AccountArgs),
}

#[derive(Debug, Args)]
struct AccountArgs {
    #[command(flatten)]
    owner: OwnerArgs,
    /// The account's username.
    #[arg(long)]
    username: String,
    /// Why (kept in the activity log and told to every administrator).
    #[arg(long)]
    reason: String,
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Recompute the hash chain and check every signed checkpoint; names
    /// each edited, deleted or reordered row. Exit status 1 if anything is
    /// wrong.
    Verify(OwnerArgs),
    /// Delete entries older than the retention period. The newest deleted
    /// entry is first covered by a signed checkpoint, so the log that
    /// remains still verifies from its first row.
    Prune(PruneArgs),
}

#[derive(Debug, Args)]
struct PruneArgs {
    #[command(flatten)]
    owner: OwnerArgs,
    /// Keep entries younger than this many days.
    #[arg(long, value_name = "DAYS")]
    keep_days: u32,
}

/// Connection as the migrator: Vault AppRole, then owner credentials.
#[derive(Debug, Args)]
struct OwnerArgs {
    #[command(flatten)]
    vault: MigratorLogin,
    #[command(flatten)]
    db: DbTarget,
}

#[derive(Debug, Args)]
struct MigratorLogin {
    /// Vault's address.
    #[arg(long, env = "VAULT_ADDR")]
    address: String,
    /// CA certificate of Vault's TLS certificate (pinned). Required for https.
    #[arg(long, value_name = "PEM")]
    ca_cert: Option<PathBuf>,
    /// The migrator AppRole's role_id (printed by `vault provision-database`).
    #[arg(long, env = "CUSTODIAN_MIGRATOR_ROLE_ID")]
    role_id: String,
    /// File holding the migrator's secret_id (mode 0600).
    #[arg(long, value_name = "PATH")]
    secret_id_file: PathBuf,
}

#[derive(Debug, Args)]
struct DbTarget {
    /// PostgreSQL host: a loopback address or a unix socket directory.
    #[arg(long, default_value = "127.0.0.1")]
    db_host: String,
    #[arg(long, default_value_t = 5432)]
    db_port: u16,
    #[arg(long, default_value = "custodian")]
    db_name: String,
}

#[derive(Debug, Subcommand)]
enum VaultCommand {
    /// Enable the engines, write the policies, the PKI role, the transit
    /// keys and custodiand's AppRole. Safe to run again: existing things
    /// are kept. Prints the role_id for custodiand.toml.
    Provision(ProvisionArgs),
    /// Issue a new secret_id for custodiand and write it to a file
    /// (optionally response-wrapped, so it can be used only once).
    SecretId(SecretIdArgs),
    /// Write a new version of the keyring (password pepper, token keys).
    /// custodiand signs with it within its poll interval and keeps
    /// accepting the previous version(s). Then re-seals the key escrow, if
    /// one was sealed at --escrow, to the same recipient, so that it holds
    /// the new version too.
    RotateKeyring(RotateKeyringArgs),
    /// Configure Vault's database engine for Custodian's PostgreSQL (after
    /// policy/postgres/bootstrap.sql): the runtime and owner roles and the
    /// migrator's AppRole. Prints the migrator's role_id.
    ProvisionDatabase(ProvisionDatabaseArgs),
    /// Seal the keys that make the backups readable (the transit keys, the
    /// keyring, the repository passphrases) to an offline age recipient,
    /// with an operator token. Marks the transit keys exportable (Vault
    /// cannot take that back; only an operator token can export). Run at
    /// provisioning and after every transit key rotation (`vault
    /// rotate-keyring` re-seals by itself); backups copy the sealed file
    /// into the repository and warn when a key in use is newer than it.
    Escrow(EscrowArgs),
    /// Store the remote backup repository's access key (backup.toml's
    /// `[remote]`) in Vault, at kv/custodian/backup-remote, with an
    /// operator token. Read from standard input, never an argument: two
    /// lines (the access key id, then the secret key), or asked for at the
    /// console (the secret without echo). The backup job reads it with the
    /// migrator's policy.
    BackupRemoteCredentials(RemoteCredentialsArgs),
}

#[derive(Debug, Args)]
struct RemoteCredentialsArgs {
    #[command(flatten)]
    conn: VaultConn,
}

/// One line of standard input, asked for at a console (with echo off for
/// a secret), else read as it comes (a pipe or a file).
fn read_line(prompt: &str, secret: bool) -> Result<Zeroizing<String>, String> {
    use nix::sys::termios::{tcgetattr, tcsetattr, LocalFlags, SetArg};
    let stdin = std::io::stdin();
    let console = nix::unistd::isatty(std::io::stdin().as_raw_fd()).unwrap_or(false);
    let saved = if console {
        eprint!("{prompt}: ");
        let _ = std::io::stderr().flush();
        match (secret, tcgetattr(&stdin)) {
            (true, Ok(t)) => {
                let mut quiet = t.clone();
                quiet.local_flags.remove(LocalFlags::ECHO);
                let _ = tcsetattr(&stdin, SetArg::TCSANOW, &quiet);
                Some(t)
            }
            _ => None,
        }
    } else {
        None
    };
    let mut line = Zeroizing::new(String::new());
    let read = std::io::BufRead::read_line(&mut stdin.lock(), &mut line);
    if let Some(t) = saved {
        let _ = tcsetattr(&stdin, SetArg::TCSANOW, &t);
        eprintln!();
    }
    read.map_err(|e| format!("cannot read the {prompt} from standard input: {e}"))?;
    let value = Zeroizing::new(line.trim().to_owned());
    if value.is_empty() {
        return Err(format!(
            "no {prompt} on standard input: give the access key id and the secret key on two lines"
        ));
    }
    Ok(value)
}

/// Writes the remote's access key into Vault (KV v2, enabled when a fresh
/// Vault has none yet, as before a restore from the remote).
async fn store_remote_credentials(admin: &Client) -> Result<(), String> {
    use custodian_vault::provision::{BACKUP_REMOTE_PATH, KV_MOUNT};
    let id = read_line("access key id", false)?;
    if let Some(found) = backup::remote::access_key_id_fault(&id) {
        return Err(format!(
            "the access key id has {found}, which no S3 access key id has (curl would split the key at the first colon); nothing was stored: give the id on the first line and the secret key on the second"
        ));
    }
    let secret = read_line("secret access key", true)?;
    let mounts = admin
        .get("sys/mounts")
        .await
        .map_err(|e| e.to_string())?
        .unwrap_or(serde_json::Value::Null);
    let present = mounts.get(format!("{KV_MOUNT}/")).is_some()
        || mounts.pointer(&format!("/data/{KV_MOUNT}~1")).is_some();
    if !present {
        admin
            .post(
                &format!("sys/mounts/{KV_MOUNT}"),
                &serde_json::json!({"type": "kv", "options": {"version": "2"}}),
            )
            .await
            .map_err(|e| e.to_string())?;
        eprintln!("  enabled secrets engine {KV_MOUNT}/");
    }
    admin
        .post(
            &format!("{KV_MOUNT}/data/{BACKUP_REMOTE_PATH}"),
            &serde_json::json!({"data": {
                backup::remote::ACCESS_KEY_FIELD: id.as_str(),
                backup::remote::SECRET_KEY_FIELD: secret.as_str(),
            }}),
        )
        .await
        .map_err(|e| e.to_string())?;
    eprintln!(
        "stored the remote repository's access key at {KV_MOUNT}/{BACKUP_REMOTE_PATH}; `custodianctl backup now` uses it from the next backup"
    );
    Ok(())
}

#[derive(Debug, Args)]
struct EscrowArgs {
    #[command(flatten)]
    conn: VaultConn,
    /// The offline recipient's public key (age1…); its private key (the
    /// recovery key) is kept by the security team, never on the appliance.
    /// Without it, the escrow at --out is re-sealed to the recipient it was
    /// sealed to (recorded beside it in escrow.covers.json).
    #[arg(long, value_name = "AGE1…")]
    recipient: Option<String>,
    /// Where to write the sealed escrow (backup.toml's escrow.file).
    #[arg(long, value_name = "PATH", default_value = "/etc/custodian/escrow.age")]
    out: PathBuf,
}

#[derive(Debug, Args)]
struct RotateKeyringArgs {
    #[command(flatten)]
    conn: VaultConn,
    /// The sealed key escrow to re-seal with the new version (backup.toml's
    /// escrow.file). Nothing is sealed if there is none there yet.
    #[arg(long, value_name = "PATH", default_value = "/etc/custodian/escrow.age")]
    escrow: PathBuf,
    /// Leave the escrow as it is (backups then warn that it lacks the new
    /// keyring version until `custodianctl vault escrow` is run).
    #[arg(long)]
    no_reseal: bool,
}

/// Seals the escrow to `recipient`, or to the one `out` was sealed to.
async fn seal_escrow(admin: &Client, recipient: Option<&str>, out: &Path) -> Result<(), String> {
    let recipient = match recipient {
        Some(r) => r.to_owned(),
        None => backup::escrow::Coverage::load(out)
            .map(|c| c.recipient)
            .filter(|r| !r.is_empty())
            .ok_or_else(|| {
                format!(
                    "no escrow sealed by this custodianctl at {} (its escrow.covers.json names the recipient): pass --recipient age1…",
                    out.display()
                )
            })?,
    };
    let (bundle, coverage) = backup::escrow::collect(admin, &|s| eprintln!("  {s}"))
        .await
        .map_err(|e| e.to_string())?;
    backup::escrow::seal(&bundle, &coverage, &recipient, out).map_err(|e| e.to_string())?;
    eprintln!(
        "sealed the key escrow to {recipient} in {} (transit key versions {:?}, keyring versions {:?}); the recovery key (its private key) stays offline",
        out.display(),
        coverage.transit,
        coverage.keyring
    );
    Ok(())
}

#[derive(Debug, Args)]
struct ProvisionDatabaseArgs {
    #[command(flatten)]
    conn: VaultConn,
    #[command(flatten)]
    db: DbTarget,
    /// sslmode Vault uses to reach PostgreSQL (verify-full off the machine).
    #[arg(long, default_value = "disable")]
    db_sslmode: String,
    /// The login Vault administers users with.
    #[arg(long, default_value = "custodian_vault_admin")]
    admin_user: String,
    /// File with that login's bootstrap password (Vault rotates it at
    /// once). Needed the first time only.
    #[arg(long, value_name = "PATH")]
    admin_password_file: Option<PathBuf>,
    /// Lifetime of custodiand's database users, renewed up to the maximum.
    #[arg(long, default_value_t = 3600)]
    runtime_ttl_secs: u64,
    #[arg(long, default_value_t = 86400)]
    runtime_max_ttl_secs: u64,
    /// Also issue a migrator secret_id and write it here (mode 0600).
    #[arg(long, value_name = "PATH")]
    migrator_secret_id_out: Option<PathBuf>,
    /// Let Vault manage this existing login role (a member of
    /// custodian_runtime) as the static role custodian-runtime-static.
    #[arg(long, value_name = "ROLE")]
    static_runtime_user: Option<String>,
    /// How often Vault rotates the static role's password.
    #[arg(long, default_value_t = 86400)]
    static_rotation_secs: u64,
}

#[derive(Debug, Args)]
struct VaultConn {
    /// Vault's address, e.g. https://vault.example.org:8200.
    #[arg(long, env = "VAULT_ADDR")]
    address: String,
    /// CA certificate that signed Vault's TLS certificate (pinned; the
    /// system roots are not used). Required for https.
    #[arg(long, value_name = "PEM")]
    ca_cert: Option<PathBuf>,
    /// File holding an operator token allowed to configure Vault. Without
    /// it, the token is read from $VAULT_TOKEN.
    #[arg(long, value_name = "PATH")]
    token_file: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct ProvisionArgs {
    #[command(flatten)]
    conn: VaultConn,
    /// A name the appliance's TLS certificate may carry (repeat for more).
    #[arg(long = "tls-domain", value_name = "NAME", default_value = "localhost")]
    tls_domains: Vec<String>,
    /// Generate a self-signed root CA when pki/ has none. Development and
    /// tests only: production imports an intermediate CA.
    #[arg(long)]
    dev_root_ca: bool,
    /// Period of custodiand's token, in seconds.
    #[arg(long, default_value_t = 3600)]
    token_period_secs: u64,
    /// Restrict login and token use to these addresses (repeat).
    #[arg(long = "bind-cidr", value_name = "CIDR")]
    bind_cidrs: Vec<String>,
    /// Also issue a secret_id and write it here (mode 0600).
    #[arg(long, value_name = "PATH")]
    secret_id_out: Option<PathBuf>,
    /// With --secret-id-out: write a response-wrapping token valid this many
    /// seconds instead of the secret_id itself.
    #[arg(long, value_name = "SECS")]
    wrap_ttl_secs: Option<u64>,
    /// Write the PKI CA certificate here (for browsers to trust).
    #[arg(long, value_name = "PATH")]
    ca_out: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct SecretIdArgs {
    #[command(flatten)]
    conn: VaultConn,
    /// Where to write it (mode 0600; an existing file is replaced).
    #[arg(long, value_name = "PATH")]
    out: PathBuf,
    /// Write a response-wrapping token valid this many seconds instead.
    #[arg(long, value_name = "SECS")]
    wrap_ttl_secs: Option<u64>,
    /// Whose secret_id: custodiand or custodian-migrator.
    #[arg(long, default_value = "custodiand", value_parser = ["custodiand", "custodian-migrator"])]
    role: String,
}

fn client(conn: &VaultConn) -> Result<Client, String> {
    let ca_pem = match &conn.ca_cert {
        Some(p) => Some(
            std::fs::read(p).map_err(|e| format!("cannot read --ca-cert {}: {e}", p.display()))?,
        ),
        None => None,
    };
    let client = Client::new(&ClientConfig {
        address: conn.address.clone(),
        ca_pem,
        timeout: Duration::from_secs(30),
    })
    .map_err(|e| e.to_string())?;
    let token =
        match &conn.token_file {
            Some(p) => {
                let raw = Zeroizing::new(
                    std::fs::read_to_string(p)
                        .map_err(|e| format!("cannot read --token-file {}: {e}", p.display()))?,
                );
                SecretString::from(raw.trim().to_owned())
            }
            None => SecretString::from(std::env::var("VAULT_TOKEN").map_err(|_| {
                "no operator token: pass --token-file or set VAULT_TOKEN".to_owned()
            })?),
        };
    client.set_token(Some(token));
    Ok(client)
}

/// Writes a secret to a new 0600 file (replacing an old one atomically).
fn write_private(path: &Path, secret: &SecretString) -> Result<(), String> {
    let tmp = path.with_extension("tmp");
    let _ = std::fs::remove_file(&tmp);
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&tmp)
        .map_err(|e| format!("cannot create {}: {e}", tmp.display()))?;
    f.write_all(secret.expose_secret().as_bytes())
        .and_then(|()| f.sync_all())
        .map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, path)
        .map_err(|e| format!("cannot move {} into place: {e}", path.display()))
}

async fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::Vault(VaultCommand::Provision(a)) => {
            let admin = client(&a.conn)?;
            let opts = Options {
                tls_domains: a.tls_domains,
                dev_root_ca: a.dev_root_ca,
                token_period: Duration::from_secs(a.token_period_secs),
                bind_cidrs: a.bind_cidrs,
                ..Options::default()
            };
            let done = provision::provision(&admin, &opts, &|step| eprintln!("  {step}"))
                .await
                .map_err(|e| e.to_string())?;
            if let (Some(path), Some(pem)) = (&a.ca_out, &done.ca_pem) {
                std::fs::write(path, pem)
                    .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
                eprintln!("  wrote the PKI CA certificate to {}", path.display());
            }
            if let Some(out) = &a.secret_id_out {
                let s = provision::new_secret_id(
                    &admin,
                    provision::ROLE,
                    a.wrap_ttl_secs.map(Duration::from_secs),
                    "custodianctl vault provision",
                )
                .await
                .map_err(|e| e.to_string())?;
                write_private(out, &s)?;
                eprintln!(
                    "  wrote a {} to {} (mode 0600)",
                    if a.wrap_ttl_secs.is_some() {
                        "wrapped secret_id token"
                    } else {
                        "secret_id"
                    },
                    out.display()
                );
            }
            eprintln!("provisioned; set vault.role-id in custodiand.toml to:");
            println!("{}", done.role_id);
            Ok(())
        }
        Command::Vault(VaultCommand::SecretId(a)) => {
            let admin = client(&a.conn)?;
            let s = provision::new_secret_id(
                &admin,
                &a.role,
                a.wrap_ttl_secs.map(Duration::from_secs),
                "custodianctl vault secret-id",
            )
            .await
            .map_err(|e| e.to_string())?;
            write_private(&a.out, &s)?;
            eprintln!(
                "wrote a new {} to {}",
                if a.wrap_ttl_secs.is_some() {
                    "wrapped secret_id token"
                } else {
                    "secret_id"
                },
                a.out.display()
            );
            Ok(())
        }
        Command::Vault(VaultCommand::RotateKeyring(a)) => {
            let admin = client(&a.conn)?;
            let v = provision::rotate_keyring(&admin)
                .await
                .map_err(|e| e.to_string())?;
            eprintln!("wrote keyring version {v}");
            if a.no_reseal {
                eprintln!(
                    "the key escrow was not re-sealed: run `custodianctl vault escrow --out {}` before the next backup",
                    a.escrow.display()
                );
            } else if backup::escrow::Coverage::load(&a.escrow).is_some() {
                seal_escrow(&admin, None, &a.escrow).await?;
            } else {
                eprintln!(
                    "no sealed key escrow at {} to re-seal (seal one with `custodianctl vault escrow --recipient age1… --out PATH`)",
                    a.escrow.display()
                );
            }
            Ok(())
        }
        Command::Vault(VaultCommand::ProvisionDatabase(a)) => {
            let admin = client(&a.conn)?;
            let admin_password = match &a.admin_password_file {
                Some(path) => {
                    let raw = Zeroizing::new(std::fs::read_to_string(path).map_err(|e| {
                        format!("cannot read --admin-password-file {}: {e}", path.display())
                    })?);
                    Some(SecretString::from(raw.trim().to_owned()))
                }
                None => None,
            };
            let opts = provision::DatabaseOptions {
                host: a.db.db_host.clone(),
                port: a.db.db_port,
                dbname: a.db.db_name.clone(),
                sslmode: a.db_sslmode,
                admin_user: a.admin_user,
                admin_password,
                runtime_ttl: Duration::from_secs(a.runtime_ttl_secs),
                runtime_max_ttl: Duration::from_secs(a.runtime_max_ttl_secs),
                owner_ttl: Duration::from_secs(900),
                static_runtime_user: a.static_runtime_user,
                static_rotation: Duration::from_secs(a.static_rotation_secs),
            };
            let role_id = provision::provision_database(&admin, &opts, &|s| eprintln!("  {s}"))
                .await
                .map_err(|e| e.to_string())?;
            if let Some(out) = &a.migrator_secret_id_out {
                let s = provision::new_secret_id(
                    &admin,
                    provision::MIGRATOR_ROLE,
                    None,
                    "custodianctl vault provision-database",
                )
                .await
                .map_err(|e| e.to_string())?;
                write_private(out, &s)?;
                eprintln!(
                    "  wrote the migrator's secret_id to {} (mode 0600)",
                    out.display()
                );
            }
            eprintln!("database provisioned; the migrator's role_id is:");
            println!("{role_id}");
            Ok(())
        }
        Command::Vault(VaultCommand::Escrow(a)) => {
            let admin = client(&a.conn)?;
            seal_escrow(&admin, a.recipient.as_deref(), &a.out).await
        }
        Command::Vault(VaultCommand::BackupRemoteCredentials(a)) => {
            let admin = client(&a.conn)?;
            store_remote_credentials(&admin).await
        }
        Command::Backup(b) => backup::run(b).await.map_err(|e| e.to_string()),
        Command::Schema => {
            use custodian_db::migrations::{compatible_from_after_migrating, expected_version};
            println!(
                "{}",
                serde_json::json!({
                    "version": expected_version(),
                    "compatible_from": compatible_from_after_migrating(),
                })
            );
            Ok(())
        }
        Command::Migrate(a) => {
            let owner = connect_owner(&a).await?;
            let mut owner = owner;
            let db = &mut owner.client;
            let before = custodian_db::migrations::current_version(db)
                .await
                .map_err(|e| e.to_string())?;
            let applied = custodian_db::migrations::migrate(db, &|s| eprintln!("  {s}")).await;
            let after = custodian_db::migrations::current_version(db)
                .await
                .unwrap_or(before);
            if let Ok(v) = &applied {
                if !v.is_empty() {
                    let _ = custodian_db::audit::record(
                        &*db,
                        "custodianctl",
                        "schema.migrated",
                        "database",
                        &serde_json::json!({"from": before, "to": after}),
                    )
                    .await;
                }
            }
            owner.session_end().await;
            applied.map_err(|e| e.to_string())?;
            eprintln!(
                "schema at version {after} (was {before}; this build expects {})",
                custodian_db::migrations::expected_version()
            );
            Ok(())
        }
        Command::Audit(AuditCommand::Prune(p)) => {
            let a = p.owner;
            let owner = connect_owner(&a).await?;
            let result = owner::prune_audit(&owner, p.keep_days).await;
            owner.session_end().await;
            match result? {
                Some((through, deleted)) => eprintln!("deleted {deleted} entries through row {through}; a signed checkpoint anchors the rest"),
                None => eprintln!("nothing older than {} days", p.keep_days),
            }
            Ok(())
        }
        Command::Account(command) => {
            let (a, recover) = match command {
                AccountCommand::RecoverAdmin(a) => (a, true),
                AccountCommand::ConfirmAdmin(a) => (a, false),
            };
            console_accounts::require_root()?;
            let mut owner = connect_owner(&a.owner).await?;
            let username = a.username.trim().to_lowercase();
            let result = if recover {
                console_accounts::recover_admin(&mut owner.client, &username, &a.reason).await
            } else {
                console_accounts::confirm_admin(&mut owner.client, &username, &a.reason).await
            };
            owner.session_end().await;
            let token = result?;
            eprintln!(
                "{username}: password and second factors removed, sessions ended, every administrator told.\n\
                 Give this recovery token to the account's owner, in person. It is valid for one hour, for {username} only:\n\
                 open https://<appliance>/recover, enter the username and the token, and choose a new password."
            );
            println!("{}", token.as_str());
            Ok(())
        }
        Command::Audit(AuditCommand::Verify(a)) => {
            let owner = connect_owner(&a).await?;
            let result = owner::verify_audit(&owner).await;
            owner.session_end().await;
            let report = result?;
            for f in &report.findings {
                println!("TAMPERED: {f}");
            }
            println!(
                "{} rows ({}..{}), {} signed checkpoints: {}",
                report.rows,
                report.first.unwrap_or(0),
                report.last.unwrap_or(0),
                report.checkpoints,
                if report.findings.is_empty() {
                    "intact"
                } else {
                    "NOT intact"
                }
            );
            if report.findings.is_empty() {
                Ok(())
            } else {
                Err("the activity log failed verification".into())
            }
        }
    }
}

/// Logs in as the migrator and connects with fresh owner credentials.
async fn connect_owner(a: &OwnerArgs) -> Result<owner::Owner, String> {
    owner::connect(
        &a.vault.address,
        a.vault.ca_cert.as_deref(),
        &a.vault.role_id,
        &a.vault.secret_id_file,
        &a.db.db_host,
        a.db.db_port,
        &a.db.db_name,
    )
    .await
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("custodianctl: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("custodianctl: {e}");
            ExitCode::FAILURE
        }
    }
}
