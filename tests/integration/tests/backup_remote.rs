//! The optional S3-compatible remote repository (issue 15), against a real
//! S3 server on loopback (moto, over HTTPS with a private CA, as pgBackRest
//! requires), real PostgreSQL, OpenBao, pgBackRest, restic and age. One
//! appliance goes through, in order:
//!
//! 1. `check-config` names the key and the fix of a bad `[remote]` table
//!    and refuses a secret in it.
//! 2. The access key is stored from standard input; `backup now` writes to
//!    both repositories (pgBackRest's repo2, a restic copy, the sealed
//!    escrow in the bucket); `list` and `verify` cover both.
//! 3. The remote failing (its access key missing from Vault; the endpoint
//!    unreachable) fails the command clearly with the fix, is recorded in
//!    `backup.finished`, and the local backup is stored all the same.
//! 4. The local repository is destroyed: a drill from the remote passes,
//!    and a restore from the remote alone, with the recovery key, brings
//!    the database and the media store back.

mod common;

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Instant;

use common::backup::*;
use custodian_harness::vault::ctl;
use custodian_harness::{Appliance, S3Server};

const BUCKET: &str = "custodian-test";
const PREFIX: &str = "/appliance-1";
const ACCESS_KEY_ID: &str = "AKIACUSTODIANTEST01";
const SECRET_KEY: &str = "remote-secret-key-never-in-argv-0123456789";

/// custodianctl's closing lines (its verdict).
fn last_lines(t: &str) -> String {
    let lines: Vec<&str> = t.lines().collect();
    lines[lines.len().saturating_sub(3)..].join("\n")
}

/// An incremental backup while the remote fails (`what`): the command
/// fails and says the local backup is stored all the same. Its output.
fn remote_fails(cfg: &Path, what: &str) -> String {
    let out = backup(cfg, &["now", "--type", "incr"]);
    let msg = text(&out);
    assert!(!out.status.success(), "{msg}");
    assert!(
        msg.contains("is stored, but the remote copy failed"),
        "{msg}"
    );
    println!("{what}:\n{}", last_lines(&msg));
    msg
}

/// Stores the remote's access key the way an operator does: on standard
/// input, never as an argument.
fn store_credentials(a_bao: &custodian_harness::OpenBao, id: &str, secret: &str) {
    let mut child = ctl(a_bao)
        .expect("ctl")
        .args(["vault", "backup-remote-credentials"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(format!("{id}\n{secret}\n").as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("wait");
    assert!(
        text(&out).contains("stored the remote repository's access key"),
        "{}",
        text(&out)
    );
}

fn last_finished_remote(a: &Appliance) -> serde_json::Value {
    let raw = a
        .pg
        .psql(
            "custodian",
            "SELECT details->'remote' FROM audit_log WHERE action = 'backup.finished' ORDER BY seq DESC LIMIT 1",
        )
        .expect("audit");
    serde_json::from_str(&raw).unwrap_or(serde_json::Value::Null)
}

const FINGERPRINT: &str = "SELECT concat_ws(' ',
    (SELECT md5(string_agg(b::text, ',' ORDER BY id)) FROM bulletin b),
    (SELECT count(*) FROM bulletin),
    (SELECT string_agg(label, ',' ORDER BY label) FROM public.remote_marker))";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_remote_repository_alone_restores_and_its_failures_spare_the_local_backup() {
    let started = Instant::now();
    let mut a = Appliance::start(&[]).expect("appliance");
    let s3 = S3Server::start().expect("moto S3 server");
    s3.create_bucket(BUCKET).expect("bucket");

    let base_dir = tempfile::Builder::new()
        .prefix("custodian-backup-remote-")
        .tempdir_in("/var/tmp")
        .expect("tempdir");
    let base = base_dir.path().to_path_buf();
    std::fs::set_permissions(&base, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let repo = base.join("repo");
    std::fs::create_dir(&repo).expect("repo");
    let media = base.join("media");
    std::fs::create_dir_all(media.join("objects")).expect("media");
    let evidence: Vec<u8> = (0..300_000u32).map(|i| (i % 253) as u8).collect();
    std::fs::write(media.join("objects/evidence.bin"), &evidence).expect("media file");
    let runtime = PathBuf::from(format!(
        "/dev/shm/custodian-backup-remote-{}",
        custodian_harness::random_hex(6)
    ));
    let offline = base.join("offline");
    std::fs::create_dir(&offline).expect("offline");
    let identity = offline.join("recovery-key.txt");
    let recipient = age_keygen(&identity);
    let remote_table = |endpoint: &str| {
        format!(
            "[remote]\nendpoint = \"{endpoint}\"\nbucket = \"{BUCKET}\"\nregion = \"us-east-1\"\nprefix = \"{PREFIX}\"\nuri-style = \"path\"\nca-cert = \"{}\"\n",
            s3.ca_cert.display()
        )
    };
    let toml = BackupToml {
        repo: repo.clone(),
        media: media.clone(),
        base: base.clone(),
        runtime: runtime.clone(),
        pg: pg_at(&a.pg),
        bao: a.bao.url(),
        role_id: a.db.migrator_role_id.clone(),
        secret_id: a.db.migrator_secret_id_file.clone(),
        recipient: recipient.clone(),
        retention_full: None,
        archive_timeout_secs: None,
    };
    let write_config = |name: &str, remote: &str| toml.write(name, remote);
    let cfg = write_config("backup.toml", &remote_table(&s3.endpoint()));

    // 1. check-config: the table is closed and every key is checked.
    ok(backup(&cfg, &["check-config"]));
    for (remote, key, fix) in [
        (
            remote_table(&format!("https://{}", s3.endpoint())),
            "remote.endpoint",
            "host or host:port only",
        ),
        (
            remote_table(&format!("127.0.0.1:{}", s3.port)),
            "remote.endpoint",
            "DNS name",
        ),
        (
            remote_table(&s3.endpoint()).replace(BUCKET, "Not_A_Bucket"),
            "remote.bucket",
            "create the bucket first",
        ),
        (
            format!(
                "{}secret-access-key = \"{SECRET_KEY}\"\n",
                remote_table(&s3.endpoint())
            ),
            "secret-access-key",
            "unknown field",
        ),
    ] {
        let bad = write_config("bad.toml", &remote);
        let out = backup(&bad, &["check-config"]);
        assert!(!out.status.success(), "{remote}");
        assert!(
            text(&out).contains(key) && text(&out).contains(fix),
            "{key}: {}",
            text(&out)
        );
    }
    let missing_ca = write_config(
        "bad.toml",
        &remote_table(&s3.endpoint()).replace("ca.pem", "no-such-ca.pem"),
    );
    let out = backup(&missing_ca, &["check-config"]);
    assert!(!out.status.success() && text(&out).contains("remote.ca-cert"));

    // 2. Both repositories.
    store_credentials(&a.bao, ACCESS_KEY_ID, SECRET_KEY);
    a.pg.psql(
        "custodian",
        "CREATE TABLE public.remote_marker (label text); INSERT INTO public.remote_marker VALUES ('first')",
    )
    .expect("marker");
    datagen(&a.pg, "60");
    ok(backup(&cfg, &["setup"]));
    a.pg.stop().expect("stop");
    a.pg.start_server().expect("start with archiving");
    let sealed = ctl(&a.bao)
        .expect("ctl")
        .args(["vault", "escrow", "--recipient", &recipient, "--out"])
        .arg(base.join("escrow.age"))
        .output()
        .expect("escrow");
    assert!(sealed.status.success(), "{}", text(&sealed));
    let t = Instant::now();
    let first = backup(&cfg, &["now", "--type", "full"]);
    if !first.status.success() {
        let log = a.pg.log();
        panic!(
            "{}\nPostgreSQL's log:\n{}",
            text(&first),
            custodian_harness::log_tail(&log, 6000)
        );
    }
    let first = text(&first);
    println!(
        "full backup, both repositories: {:.1} s",
        t.elapsed().as_secs_f64()
    );
    assert!(
        first.contains("[7/7]") && first.contains("; remote: PostgreSQL"),
        "{first}"
    );
    assert_eq!(last_finished_remote(&a)["ok"], true, "{first}");
    let keys = s3.keys(BUCKET).expect("list the bucket");
    let prefix = PREFIX.trim_start_matches('/');
    for want in [
        format!("{prefix}/pgbackrest/backup/custodian/backup.info"),
        format!("{prefix}/pgbackrest/archive/custodian/archive.info"),
        format!("{prefix}/restic/config"),
        format!("{prefix}/escrow/escrow.age"),
    ] {
        assert!(keys.contains(&want), "{want} in the bucket: {keys:?}");
    }
    assert!(keys
        .iter()
        .any(|k| k.starts_with(&format!("{prefix}/restic/snapshots/"))));
    // The bucket alone reads nothing: no passphrase, no access key, no
    // plaintext of the media store.
    let pgb = passphrase(&a.bao, "pgbackrest-cipher-pass");
    for k in &keys {
        let body = s3.curl("GET", &format!("/{BUCKET}/{k}")).expect("get");
        for (what, needle) in [
            ("the pgBackRest passphrase", pgb.as_bytes()),
            ("the secret key", SECRET_KEY.as_bytes()),
            ("media plaintext", &evidence[1000..1064]),
            ("a table name", b"bulletin_revision".as_slice()),
        ] {
            assert!(!contains(&body, needle), "{k} holds {what}");
        }
    }
    let list = ok(backup(&cfg, &["list"]));
    assert!(
        list.contains("Remote s3://custodian-test/appliance-1"),
        "{list}"
    );
    assert!(
        list.contains("  PostgreSQL ") && list.contains("F  full"),
        "{list}"
    );
    assert!(list.contains("files snapshot "), "{list}");
    let verified = ok(backup(&cfg, &["verify"]));
    assert!(verified.contains("both repositories"), "{verified}");

    // 3. The remote failing spares the local backup. Its key missing:
    let local_backups = |cfg: &Path| {
        let l = text(&backup(cfg, &["list"]));
        l.lines()
            .filter(|l| l.contains("consistent at") && !l.contains("PostgreSQL "))
            .count()
    };
    let before = local_backups(&cfg);
    let kept = a
        .bao
        .must("GET", "/v1/kv/data/custodian/backup-remote", None)
        .expect("kv");
    a.bao
        .must("DELETE", "/v1/kv/metadata/custodian/backup-remote", None)
        .expect("delete");
    let msg = remote_fails(&cfg, "the remote's key missing from Vault");
    assert!(
        msg.contains("the local backup")
            && msg.contains("custodianctl vault backup-remote-credentials"),
        "{msg}"
    );
    let recorded = last_finished_remote(&a);
    assert_eq!(recorded["ok"], false);
    assert!(
        recorded["error"]
            .as_str()
            .is_some_and(|e| e.contains("backup-remote-credentials")),
        "{recorded}"
    );
    let data = serde_json::json!({"data": kept.pointer("/data/data").cloned().expect("data")});
    a.bao
        .must("POST", "/v1/kv/data/custodian/backup-remote", Some(&data))
        .expect("put back");
    // The endpoint unreachable (a port the harness reserved, where
    // nothing listens):
    let closed = custodian_harness::free_port().expect("port");
    let unreachable = write_config(
        "unreachable.toml",
        &remote_table(&format!("localhost:{closed}")),
    );
    let msg = remote_fails(&unreachable, "the remote unreachable");
    assert!(
        msg.contains("is unreachable") && msg.contains("check remote.endpoint"),
        "{msg}"
    );
    assert_eq!(last_finished_remote(&a)["ok"], false);
    // The server answers, but the bucket is not there (moto takes any
    // access key, so a wrong one cannot be shown; the S3 error's code
    // chooses the fix the same way):
    let no_bucket = write_config(
        "no-bucket.toml",
        &remote_table(&s3.endpoint()).replace(BUCKET, "custodian-absent"),
    );
    let msg = remote_fails(&no_bucket, "no such bucket");
    assert!(
        msg.contains("NoSuchBucket") && msg.contains("create the bucket custodian-absent"),
        "{msg}"
    );
    assert_eq!(
        local_backups(&cfg),
        before + 3,
        "the three local backups were stored"
    );
    // Back to a working remote: the next backup reaches both again.
    a.pg.psql(
        "custodian",
        "INSERT INTO public.remote_marker VALUES ('second')",
    )
    .expect("marker");
    let back = ok(backup(&cfg, &["now", "--type", "incr"]));
    assert!(back.contains("; remote: PostgreSQL"), "{back}");
    assert_eq!(last_finished_remote(&a)["ok"], true);
    let at_last_backup = a.pg.psql("custodian", FINGERPRINT).expect("fingerprint");

    // Everything written so far is archived (to both: once the local
    // repository is gone, pgBackRest reports every segment failed and
    // PostgreSQL stops moving on).
    archive_wal(&a.pg);

    // 4. The local repository is destroyed; the remote alone restores.
    std::fs::remove_dir_all(&repo).expect("destroy the local repository");
    let t = Instant::now();
    let drill = ok(backup(
        &cfg,
        &["drill", "--from", "remote", "--sample", "5"],
    ));
    println!("drill from the remote: {:.1} s", t.elapsed().as_secs_f64());
    assert!(drill.contains("\"from\": \"remote\""), "{drill}");
    a.pg.stop().expect("stop PostgreSQL");
    std::fs::remove_dir_all(a.pg.data_dir()).expect("destroy the data directory");
    std::fs::remove_dir_all(&media).expect("destroy the media store");
    std::fs::create_dir(&media).expect("an empty media store");
    let t = Instant::now();
    let restored = ok(backup(
        &cfg,
        &[
            "restore",
            "--from",
            "remote",
            "--keep-vault",
            "--recovery-key",
            identity.to_str().expect("path"),
        ],
    ));
    assert!(restored.contains("(remote repository)"), "{restored}");
    a.pg.start_server().expect("start the restored PostgreSQL");
    recovered(&a.pg, "recovery to end");
    println!(
        "restore from the remote: {:.1} s",
        t.elapsed().as_secs_f64()
    );
    assert_eq!(
        a.pg.psql("custodian", FINGERPRINT).expect("fingerprint"),
        at_last_backup,
        "the same records, both markers"
    );
    assert_eq!(
        std::fs::read(media.join("objects/evidence.bin")).expect("restored media"),
        evidence
    );
    let _ = std::fs::remove_dir_all(&runtime);
    println!("whole test: {:.1} s", started.elapsed().as_secs_f64());
}
