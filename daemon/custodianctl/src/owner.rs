//! The migrator's connection: log in with the migrator's AppRole, take
//! short-lived owner credentials from Vault's database engine, and give
//! them back (revoke the lease) when done.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use custodian_db::audit;
use custodian_vault::approle::AppRole;
use custodian_vault::database::{self, DbCredentials};
use custodian_vault::provision::{APPROLE_MOUNT, DATABASE_MOUNT, MIGRATOR_ROLE, OWNER_DB_ROLE};
use custodian_vault::{transit, Client, ClientConfig, SecretIdSource, Session};
use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

pub struct Owner {
    pub client: tokio_postgres::Client,
    session: Arc<Session>,
    creds: DbCredentials,
}

impl Owner {
    /// The migrator's Vault session.
    pub fn vault(&self) -> &Client {
        self.session.client()
    }

    /// Revokes the owner credentials (Vault drops the user) and the token.
    pub async fn session_end(self) {
        drop(self.client);
        if let Err(e) = database::revoke(self.session.client(), &self.creds.lease_id).await {
            eprintln!("custodianctl: warning: could not revoke the owner credentials' lease: {e}");
        }
        let _ = self
            .session
            .client()
            .post("auth/token/revoke-self", &serde_json::json!({}))
            .await;
    }
}

/// Only loopback and unix-socket connections: custodianctl does not speak
/// TLS to PostgreSQL yet, and credentials must not cross a network in clear.
fn check_host(host: &str) -> Result<(), String> {
    let local = host.starts_with('/')
        || host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    if local {
        Ok(())
    } else {
        Err(format!("--db-host {host}: only a loopback address or a unix socket directory is supported (no TLS to PostgreSQL yet)"))
    }
}

/// Logs in as the migrator without touching PostgreSQL (a restore, with
/// the database stopped, reads the repository passphrases this way).
pub async fn login(
    address: &str,
    ca_cert: Option<&Path>,
    role_id: &str,
    secret_id_file: &Path,
) -> Result<Arc<Session>, String> {
    let ca_pem = match ca_cert {
        Some(p) => Some(
            std::fs::read(p).map_err(|e| format!("cannot read --ca-cert {}: {e}", p.display()))?,
        ),
        None => None,
    };
    let vault = Client::new(&ClientConfig {
        address: address.to_owned(),
        ca_pem,
        timeout: Duration::from_secs(30),
    })
    .map_err(|e| e.to_string())?;
    let raw = Zeroizing::new(std::fs::read_to_string(secret_id_file).map_err(|e| {
        format!(
            "cannot read --secret-id-file {}: {e}",
            secret_id_file.display()
        )
    })?);
    let approle = AppRole {
        mount: APPROLE_MOUNT.into(),
        role_name: MIGRATOR_ROLE.into(),
        role_id: role_id.to_owned(),
        secret_id: SecretIdSource::Plain(SecretString::from(raw.trim().to_owned())),
    };
    Session::start(vault, approle)
        .await
        .map_err(|e| e.to_string())
}

#[allow(clippy::too_many_arguments)]
pub async fn connect(
    address: &str,
    ca_cert: Option<&Path>,
    role_id: &str,
    secret_id_file: &Path,
    host: &str,
    port: u16,
    dbname: &str,
) -> Result<Owner, String> {
    check_host(host)?;
    let ca_pem = match ca_cert {
        Some(p) => Some(
            std::fs::read(p).map_err(|e| format!("cannot read --ca-cert {}: {e}", p.display()))?,
        ),
        None => None,
    };
    let vault = Client::new(&ClientConfig {
        address: address.to_owned(),
        ca_pem,
        timeout: Duration::from_secs(30),
    })
    .map_err(|e| e.to_string())?;
    let raw = Zeroizing::new(std::fs::read_to_string(secret_id_file).map_err(|e| {
        format!(
            "cannot read --secret-id-file {}: {e}",
            secret_id_file.display()
        )
    })?);
    let approle = AppRole {
        mount: APPROLE_MOUNT.into(),
        role_name: MIGRATOR_ROLE.into(),
        role_id: role_id.to_owned(),
        secret_id: SecretIdSource::Plain(SecretString::from(raw.trim().to_owned())),
    };
    let session = Session::start(vault, approle)
        .await
        .map_err(|e| e.to_string())?;
    let creds = database::credentials(session.client(), DATABASE_MOUNT, OWNER_DB_ROLE)
        .await
        .map_err(|e| e.to_string())?;
    let mut cfg = tokio_postgres::Config::new();
    cfg.host(host)
        .port(port)
        .dbname(dbname)
        .user(&creds.username)
        .password(creds.password.expose_secret())
        .application_name("custodianctl")
        .connect_timeout(Duration::from_secs(10));
    let (client, conn) = cfg.connect(tokio_postgres::NoTls).await.map_err(|e| {
        format!("cannot connect to PostgreSQL at {host}:{port}/{dbname} as the owner: {e}")
    })?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Ok(Owner {
        client,
        session,
        creds,
    })
}

/// Loads the log, keeps only checkpoints whose Vault signature is valid,
/// and verifies the chain against them.
pub async fn verify_audit(owner: &Owner) -> Result<audit::Report, String> {
    verify_audit_on(&owner.client, owner.session.client()).await
}

/// [`verify_audit`] on any database (a restored copy), with signatures
/// checked by `vault`.
pub async fn verify_audit_on(
    db: &tokio_postgres::Client,
    vault: &Client,
) -> Result<audit::Report, String> {
    let (entries, checkpoints) = audit::load(db).await.map_err(|e| e.to_string())?;
    let mut trusted = Vec::new();
    let mut forged = Vec::new();
    for c in checkpoints {
        let ok = transit::verify(
            vault,
            "transit",
            "custodian-audit",
            &audit::checkpoint_message(c.seq, &c.hash),
            &c.signature,
        )
        .await
        .map_err(|e| e.to_string())?;
        if ok {
            trusted.push(c);
        } else {
            forged.push(c.seq);
        }
    }
    let mut report = audit::verify_chain(&entries, &trusted);
    for seq in forged {
        report
            .findings
            .push(audit::Finding::CheckpointMismatch { seq });
    }
    Ok(report)
}

/// Deletes entries older than `keep_days`, after making sure the newest of
/// them is covered by a signed checkpoint. Returns (last deleted row,
/// rows deleted).
pub async fn prune_audit(owner: &Owner, keep_days: u32) -> Result<Option<(i64, u64)>, String> {
    let db = &owner.client;
    let cutoff_us = i64::from(keep_days) * 86_400 * 1_000_000;
    let boundary = db
        .query_opt(
            "SELECT seq, hash FROM audit_log WHERE at_us < (extract(epoch FROM clock_timestamp()) * 1000000)::bigint - $1 \
             ORDER BY seq DESC LIMIT 1",
            &[&cutoff_us],
        )
        .await
        .map_err(|e| e.to_string())?;
    let Some(row) = boundary else { return Ok(None) };
    let (seq, hash): (i64, Vec<u8>) = (row.get(0), row.get(1));
    let message = audit::checkpoint_message(seq, &hash);
    let stored = audit::checkpoint_signature(db, seq, &hash)
        .await
        .map_err(|e| e.to_string())?;
    if stored.is_none() {
        let signature = transit::sign(
            owner.session.client(),
            "transit",
            "custodian-audit",
            &message,
        )
        .await
        .map_err(|e| e.to_string())?;
        audit::store_checkpoint(db, seq, &hash, &signature)
            .await
            .map_err(|e| e.to_string())?;
    }
    // Whatever row stands now is checked, ours included: the store keeps
    // a row written meanwhile (ON CONFLICT DO NOTHING), and a row in the
    // table proves nothing by itself: whoever could write it could have
    // made up the signature too.
    let signature = audit::checkpoint_signature(db, seq, &hash)
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| {
            format!("no checkpoint at row {seq} after storing one; nothing was deleted")
        })?;
    let valid = transit::verify(
        owner.session.client(),
        "transit",
        "custodian-audit",
        &message,
        &signature,
    )
    .await
    .map_err(|e| e.to_string())?;
    if !valid {
        return Err(format!(
            "the checkpoint at row {seq} does not carry a valid Vault signature (forged or damaged); nothing was deleted. \
             Find out who wrote it (custodianctl audit verify), then delete that audit_checkpoint row as the owner and prune again"
        ));
    }
    let deleted = db
        .execute("DELETE FROM audit_log WHERE seq <= $1", &[&seq])
        .await
        .map_err(|e| e.to_string())?;
    audit::record(
        db,
        "custodianctl",
        "audit.pruned",
        "audit_log",
        &serde_json::json!({"through": seq, "deleted": deleted, "keep_days": keep_days}),
    )
    .await
    .map_err(|e| e.to_string())?;
    Ok(Some((seq, deleted)))
}
