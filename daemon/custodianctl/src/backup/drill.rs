//! `custodianctl backup drill`: a restore, rehearsed. The latest backup is
//! restored into a scratch PostgreSQL (its own data directory, a unix
//! socket only, no archiving) and a scratch media directory; then every
//! counted table must hold at least the rows it held when that backup
//! began, a sample of media files must decrypt (through Vault transit,
//! the keys the escrow holds) to their recorded SHA-256, and the restored
//! activity log must verify. The result is reported, kept in the status
//! file and recorded in the live activity log. The scratch copies are
//! removed afterwards.

use std::path::{Path, PathBuf};
use std::time::Instant;

use secrecy::ExposeSecret;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::config::{Config, Repo};
use super::pgbackrest::Keys;
use super::restic::Where;
use super::status::{Event, Status};
use super::tools::{io, BackupError, Tool};
use super::{connect, counts, escrow, pgbackrest, record, require_root, restic, status, step};

const MAGIC: &[u8; 16] = b"CUSTODIAN-MEDIA1";
const CHUNK: usize = 64 * 1024;

/// Removes the scratch copies whatever happens.
struct Scratch {
    dir: PathBuf,
    pg: Option<(PathBuf, PathBuf, String)>,
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if let Some((bin, data, user)) = self.pg.take() {
            let _ = Tool::new("pg_ctl", "stop the scratch PostgreSQL")
                .run_as(&user)
                .program(bin.join("pg_ctl"))
                .arg("-D")
                .arg(&data)
                .args(["-m", "immediate", "-w", "stop"])
                .quiet()
                .run();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

pub async fn drill(cfg: &Config, sample: usize, from: super::RepoArg) -> Result<(), BackupError> {
    require_root("drill")?;
    let from = from.repo();
    if from == Repo::Remote && cfg.remote.is_none() {
        return Err(super::no_remote());
    }
    if from == Repo::Local && !cfg.repository.path.is_dir() {
        return Err(BackupError::RepositoryMissing {
            path: cfg.repository.path.clone(),
        });
    }
    let started = Instant::now();
    let owner = connect(cfg).await?;
    let result = run(cfg, sample, from, &owner).await;
    let mut st = Status::load(&cfg.status_file());
    let d = match &result {
        Ok(d) => {
            let mut d = d.clone();
            d["seconds"] = json!(started.elapsed().as_secs_f64());
            d
        }
        Err(e) => json!({"ok": false, "from": from.name(), "error": e.to_string()}),
    };
    record(
        &owner.client,
        if result.is_ok() {
            "backup.drill_passed"
        } else {
            "backup.drill_failed"
        },
        &d,
    )
    .await;
    if result.is_ok() {
        st.last_restore_verified = Some(Event {
            at: status::now_secs(),
            what: "drill".into(),
            detail: d.clone(),
        });
    } else {
        st.last_failure = Some(Event {
            at: status::now_secs(),
            what: "drill".into(),
            detail: d.clone(),
        });
    }
    let _ = st.save(&cfg.status_file());
    owner.session_end().await;
    result?;
    println!("{}", serde_json::to_string_pretty(&d).unwrap_or_default());
    eprintln!(
        "backup: drill passed in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

async fn run(
    cfg: &Config,
    sample: usize,
    from: Repo,
    owner: &crate::owner::Owner,
) -> Result<serde_json::Value, BackupError> {
    const STEPS: usize = 6;
    let pass = escrow::passphrases(owner.vault()).await?;
    // The remote's key whenever it answers, so that pgbackrest.conf keeps
    // it for WAL archiving; required when restoring from it.
    let (creds, problem) = super::reach_remote(cfg, owner.vault(), None).await;
    if let (Repo::Remote, Some(e)) = (from, problem) {
        return Err(e);
    }
    let keys = Keys {
        pass: pass.pgbackrest.clone(),
        remote: creds.clone(),
    };
    let at = match (&creds, from) {
        (Some(c), Repo::Remote) => Where::Remote(c),
        _ => Where::Local,
    };
    pgbackrest::prepare(cfg, &keys)?;
    let info = pgbackrest::info(cfg, &keys, from)?;
    let Some((label, _, _)) = pgbackrest::backups(&info).pop() else {
        return Err(BackupError::Refused(
            "the repository holds no backup yet: run `custodianctl backup now --type full`".into(),
        ));
    };
    let expected = Status::load(&cfg.status_file())
        .last_backup
        .and_then(|e| e.detail.get("counts").cloned())
        .unwrap_or(json!({}));
    let dir = cfg
        .state
        .scratch_dir
        .join(format!("drill-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(io(format!("create {}", dir.display())))?;
    let mut scratch = Scratch {
        dir: dir.clone(),
        pg: None,
    };
    let data = dir.join("pg");
    let files = dir.join("files");
    let socket = dir.join("socket");
    pgbackrest::prepare_data_dir(cfg, &dir)?;
    pgbackrest::prepare_data_dir(cfg, &data)?;
    pgbackrest::prepare_data_dir(cfg, &socket)?;

    step(
        1,
        STEPS,
        &format!(
            "restoring PostgreSQL backup {label} ({} repository) into {}",
            from.name(),
            data.display()
        ),
    );
    pgbackrest::restore(
        cfg,
        &keys,
        from,
        &data,
        &pgbackrest::Target::Set(label.clone()),
        false,
    )?;
    step(
        2,
        STEPS,
        "starting the scratch PostgreSQL (unix socket only, no archiving)",
    );
    // Recovery refuses lower limits than the server that wrote the WAL had.
    let mut opts = format!(
        "-c listen_addresses='' -k {} -p {} -c archive_mode=off -c archive_command=''",
        socket.display(),
        cfg.postgres.port
    );
    for setting in [
        "max_connections",
        "max_worker_processes",
        "max_wal_senders",
        "max_prepared_transactions",
        "max_locks_per_transaction",
    ] {
        let row = owner
            .client
            .query_one(&format!("SELECT current_setting('{setting}')"), &[])
            .await
            .map_err(|source| BackupError::Database {
                what: format!("read {setting}"),
                source,
            })?;
        let value: String = row.get(0);
        if value.chars().all(|c| c.is_ascii_digit()) {
            opts.push_str(&format!(" -c {setting}={value}"));
        }
    }
    scratch.pg = Some((
        cfg.postgres.bin_dir.clone(),
        data.clone(),
        cfg.postgres.os_user.clone(),
    ));
    Tool::new("pg_ctl", "start the scratch PostgreSQL")
        .run_as(&cfg.postgres.os_user)
        .program(cfg.postgres.bin_dir.join("pg_ctl"))
        .arg("-D")
        .arg(&data)
        .arg("-o")
        .arg(opts)
        .arg("-l")
        .arg(dir.join("pg.log"))
        .args(["-w", "-t", "300", "start"])
        .quiet()
        .run()
        .map_err(|e| {
            let log = std::fs::read_to_string(dir.join("pg.log")).unwrap_or_default();
            BackupError::Refused(format!(
                "{e}; its log: {}",
                super::tools::last_lines(&log, 8)
            ))
        })?;
    let mut pgc = tokio_postgres::Config::new();
    pgc.host_path(&socket)
        .port(cfg.postgres.port)
        .user(&cfg.postgres.os_user)
        .dbname(&cfg.postgres.dbname)
        .application_name("custodianctl-drill");
    let (db, conn) =
        pgc.connect(tokio_postgres::NoTls)
            .await
            .map_err(|source| BackupError::Database {
                what: "connect to the scratch PostgreSQL".into(),
                source,
            })?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    // Recovery ends with a promotion; wait for it (bounded).
    let deadline = Instant::now() + std::time::Duration::from_secs(300);
    loop {
        let r = db
            .query_one("SELECT pg_is_in_recovery()", &[])
            .await
            .map_err(|source| BackupError::Database {
                what: "ask the scratch PostgreSQL".into(),
                source,
            })?;
        if !r.get::<_, bool>(0) {
            break;
        }
        if Instant::now() > deadline {
            return Err(BackupError::Refused(
                "the scratch PostgreSQL is still recovering after 300 s".into(),
            ));
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }

    step(3, STEPS, "comparing record counts with those at the backup");
    let restored = counts(&db).await?;
    let mut short = Vec::new();
    for (t, n) in &restored {
        let want = expected.get(t).and_then(|v| v.as_i64()).unwrap_or(0);
        let got = n.as_i64().unwrap_or(0);
        if got < want {
            short.push(format!(
                "{t}: {got} rows restored, {want} when the backup began"
            ));
        }
    }
    if !short.is_empty() {
        return Err(BackupError::Refused(format!(
            "the restored database lacks rows: {}",
            short.join("; ")
        )));
    }

    step(
        4,
        STEPS,
        "restoring the media store into the scratch directory (restic)",
    );
    let Some((snapshot, _)) = restic::snapshots(cfg, &pass.restic, at)?.pop() else {
        return Err(BackupError::Refused(
            "the restic repository has no snapshot".into(),
        ));
    };
    std::fs::create_dir_all(&files).map_err(io(format!("create {}", files.display())))?;
    restic::restore(cfg, &pass.restic, at, &snapshot, &files)?;
    let media_root = files.join(
        cfg.files
            .media_dir
            .strip_prefix("/")
            .unwrap_or(&cfg.files.media_dir),
    );

    step(
        5,
        STEPS,
        &format!("decrypting a sample of {sample} media files and checking their SHA-256"),
    );
    let rows = db
        .query(
            "SELECT object_name, sha256, wrapped_key FROM media ORDER BY random() LIMIT $1",
            &[&i64::try_from(sample).unwrap_or(20)],
        )
        .await
        .map_err(|source| BackupError::Database {
            what: "sample the media".into(),
            source,
        })?;
    let mut checked = 0usize;
    for r in &rows {
        let (object, sha, wrapped): (String, String, String) = (r.get(0), r.get(1), r.get(2));
        let key = custodian_vault::wrapping::unwrap(
            owner.vault(),
            custodian_vault::wrapping::Purpose::Media,
            &sha,
            &wrapped,
        )
        .await
        .map_err(|source| BackupError::Vault {
            what: format!("unwrap the key of media {object}"),
            source,
        })?;
        let got = decrypt_sha256(
            &media_root.join("objects").join(&object),
            key.expose_secret(),
        )?;
        if got != sha {
            return Err(BackupError::Refused(format!(
                "media {object} decrypts to SHA-256 {got}, recorded {sha}"
            )));
        }
        checked += 1;
    }

    step(
        6,
        STEPS,
        "verifying the restored activity log (hash chain, signed checkpoints)",
    );
    let report = crate::owner::verify_audit_on(&db, owner.vault())
        .await
        .map_err(BackupError::Refused)?;
    if !report.findings.is_empty() {
        return Err(BackupError::Refused(format!(
            "the restored activity log does not verify: {}",
            report
                .findings
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        )));
    }
    drop(db);
    drop(scratch);
    Ok(json!({
        "ok": true,
        "from": from.name(),
        "backup": label,
        "snapshot": snapshot,
        "counts": restored,
        "media_checked": checked,
        "audit_rows": report.rows,
        "audit_checkpoints": report.checkpoints,
    }))
}

/// Decrypts a media object (the store's format: magic, nonce prefix,
/// ChaCha20-Poly1305 STREAM chunks of 64 KiB) and returns the plaintext's
/// SHA-256, without keeping the plaintext.
pub fn decrypt_sha256(path: &Path, key: &[u8]) -> Result<String, BackupError> {
    use custodian_seal::{Opener, NONCE_PREFIX, TAG};
    use std::io::Read;
    let corrupt = || {
        BackupError::Refused(format!(
            "media object {} is damaged or was encrypted under another key",
            path.display()
        ))
    };
    let mut file = std::fs::File::open(path).map_err(io(format!("open {}", path.display())))?;
    let file_len = file
        .metadata()
        .map_err(io(format!("stat {}", path.display())))?
        .len();
    let header_len = MAGIC.len() + NONCE_PREFIX;
    let mut header = vec![0u8; header_len];
    file.read_exact(&mut header).map_err(|_| corrupt())?;
    if &header[..MAGIC.len()] != MAGIC {
        return Err(corrupt());
    }
    let opener = Opener::new(key, &header[MAGIC.len()..]).ok_or_else(corrupt)?;
    let body = usize::try_from(file_len)
        .map_err(|_| corrupt())?
        .saturating_sub(header_len);
    if body < TAG {
        return Err(corrupt());
    }
    let sealed = CHUNK + TAG;
    let chunks = body.div_ceil(sealed).max(1);
    let mut hash = Sha256::new();
    let mut left = body;
    for i in 0..chunks {
        let last = i + 1 == chunks;
        let len = if last { left } else { sealed };
        left -= len;
        let mut buf = vec![0u8; len];
        file.read_exact(&mut buf).map_err(|_| corrupt())?;
        opener
            .open_in_place(u32::try_from(i).map_err(|_| corrupt())?, last, &mut buf)
            .map_err(|_| corrupt())?;
        hash.update(&buf);
    }
    Ok(hex::encode(hash.finalize()))
}
