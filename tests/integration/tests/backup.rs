//! Backups and disaster recovery (issue 15), against real PostgreSQL,
//! OpenBao, pgBackRest, restic and age; nothing is mocked. One appliance
//! (records, relations, media, an export, an activity log with signed
//! checkpoints, an administrator with a second factor) goes through, in
//! order:
//!
//! 1. `custodianctl backup setup|now|list|verify`, each step in the
//!    activity log; `drill` restores into scratch copies and checks them.
//! 2. The repository alone (no recovery key, no Vault) yields nothing
//!    readable: no plaintext in any file, the tools refuse other
//!    passphrases, the escrow refuses another identity.
//! 3. kill -9 of a running backup leaves the repository consistent and the
//!    next backup succeeds; a full backup disk fails clearly and loses
//!    nothing already stored.
//! 4. The disaster: the PostgreSQL data directory, the media store and
//!    OpenBao are destroyed; a fresh OpenBao, `backup restore` with the
//!    recovery key to a point in time: the same records (by content),
//!    every media file decrypts to its recorded SHA-256 (downloaded from a
//!    restored custodiand), `audit verify` is clean, the administrator
//!    signs in with the same password and second factor; a write made
//!    before the target time is there, one made after it is not.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::backup::*;
use common::daemon;
use common::web::*;
use custodian_harness::vault::{ctl, custodianctl_bin};
use custodian_harness::{Appliance, DbFixture, OpenBao, VaultFixture};
use sha2::{Digest, Sha256};

const BOUNDARY: &str = "custodian-backup-boundary";
/// The backup disk: a small tmpfs, so that "full" can be made true.
const REPO_MIB: u64 = 256;

/// Record contents, one digest per table (as tests/integration/tests/datagen.rs).
const FINGERPRINT: &str = "SELECT concat_ws(' ',
    (SELECT md5(string_agg(b::text, ',' ORDER BY id)) FROM bulletin b),
    (SELECT md5(string_agg(a::text, ',' ORDER BY id)) FROM actor a),
    (SELECT md5(string_agg(i::text, ',' ORDER BY id)) FROM incident i),
    (SELECT md5(string_agg(r::text, ',' ORDER BY bulletin_id, revision)) FROM bulletin_revision r),
    (SELECT md5(string_agg(r::text, ',' ORDER BY id)) FROM relation r),
    (SELECT md5(string_agg(r::text, ',' ORDER BY id)) FROM record_event r),
    (SELECT md5(string_agg(u::text, ',' ORDER BY id)) FROM app_user u),
    (SELECT md5(string_agg(m::text, ',' ORDER BY id)) FROM media m),
    (SELECT md5(string_agg(e::text, ',' ORDER BY id)) FROM export_request e),
    (SELECT md5(string_agg(l::text, ',' ORDER BY seq)) FROM audit_log l),
    (SELECT md5(string_agg(c::text, ',' ORDER BY seq)) FROM audit_checkpoint c),
    (SELECT count(*) FROM bulletin), (SELECT count(*) FROM relation),
    (SELECT count(*) FROM media), (SELECT count(*) FROM audit_log))";

/// Where everything of the test lives; the repository is a tmpfs mount,
/// unmounted on drop.
struct Layout {
    _base: tempfile::TempDir,
    base: PathBuf,
    repo: PathBuf,
    media: PathBuf,
    runtime: PathBuf,
    offline: PathBuf,
}

impl Layout {
    fn new() -> Self {
        let base = tempfile::Builder::new()
            .prefix("custodian-backup-")
            .tempdir_in("/var/tmp")
            .expect("tempdir");
        let p = base.path().to_path_buf();
        // PostgreSQL's account reaches the configuration and repository.
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        let repo = p.join("repo");
        std::fs::create_dir(&repo).expect("repo");
        let ok = Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={REPO_MIB}m,mode=0755"),
                "tmpfs",
            ])
            .arg(&repo)
            .status()
            .expect("mount");
        assert!(ok.success(), "mount a tmpfs as the backup disk");
        let media = p.join("media");
        let offline = p.join("offline");
        std::fs::create_dir(&offline).expect("offline");
        std::fs::set_permissions(&offline, std::fs::Permissions::from_mode(0o700)).expect("chmod");
        // A memory-backed runtime directory, as /run is on a server.
        let runtime = PathBuf::from(format!(
            "/dev/shm/custodian-backup-{}",
            custodian_harness::random_hex(6)
        ));
        Self {
            _base: base,
            base: p,
            repo,
            media,
            runtime,
            offline,
        }
    }

    fn config(
        &self,
        name: &str,
        bao: &str,
        role_id: &str,
        secret_id: &Path,
        pg: &custodian_harness::Postgres,
        recipient: &str,
    ) -> PathBuf {
        BackupToml {
            repo: self.repo.clone(),
            media: self.media.clone(),
            base: self.base.clone(),
            runtime: self.runtime.clone(),
            pg: pg_at(pg),
            bao: bao.to_owned(),
            role_id: role_id.to_owned(),
            secret_id: secret_id.to_owned(),
            recipient: recipient.to_owned(),
            retention_full: Some(3),
            archive_timeout_secs: Some(60),
        }
        .write(name, "")
    }
}

impl Drop for Layout {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.repo).status();
        let _ = std::fs::remove_dir_all(&self.runtime);
    }
}

fn sql(pg: &custodian_harness::Postgres, q: &str) -> String {
    pg.psql("custodian", q).expect(q)
}

fn png(seed: u8) -> Vec<u8> {
    let mut v = vec![
        0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d,
    ];
    v.extend_from_slice(b"IHDR");
    v.extend_from_slice(&[
        0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0, 0x90, 0x77, 0x53, 0xde,
    ]);
    v.extend((0..200_000u32).map(|i| ((i % 251) as u8) ^ seed));
    v.extend_from_slice(&[0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]);
    v
}

fn multipart(csrf: &str, id: &str, name: &str, bytes: &[u8]) -> Vec<u8> {
    let mut b = Vec::new();
    for (field, value) in [("csrf", csrf), ("id", id)] {
        b.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{field}\"\r\n\r\n{value}\r\n")
                .as_bytes(),
        );
    }
    b.extend_from_slice(
        format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: image/png\r\n\r\n")
            .as_bytes(),
    );
    b.extend_from_slice(bytes);
    b.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    b
}

fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Every file under `dir`, recursively.
fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).expect("read_dir").flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// The administrator, the data, two media files, an export, signed
/// checkpoints. Returns the TOTP key and the files' bytes.
async fn populate(a: &Appliance, d: &custodian_harness::Daemon) -> (String, Vec<Vec<u8>>) {
    set_up(d).await;
    let mut admin = Browser::new(d);
    admin.login("admin", PASSWORD).await;
    let key = enrol_totp(&mut admin).await;
    let csrf = admin.get("/bulletins/new").await.csrf();
    let created = admin
        .post(
            "/bulletins",
            &[
                ("csrf", &csrf),
                ("title", "Checkpoint footage, kept offsite"),
                ("description", "<p>seen at dawn</p>"),
                ("groups", ""),
            ],
        )
        .await;
    let view = created.location.clone().expect("created");
    let id = view.rsplit('=').next().expect("id").to_owned();
    let mut uploaded = Vec::new();
    for (i, name) in ["one.png", "two.png"].iter().enumerate() {
        let file = png(i as u8 + 1);
        let page = admin.get(&view).await;
        let r = admin
            .post_raw(
                "/bulletins/media",
                &format!("multipart/form-data; boundary={BOUNDARY}"),
                multipart(&page.csrf(), &id, name, &file),
            )
            .await;
        assert_eq!(r.status, 303, "upload: {}", r.body);
        uploaded.push(file);
    }
    let csrf = admin.get("/").await.csrf();
    let r = admin
        .post(
            "/exports",
            &[
                ("csrf", &csrf),
                ("format", "json"),
                ("q", ""),
                ("status", ""),
                ("reason", "for the court filing"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "export: {}", r.body);
    datagen(&a.pg, "150");
    poll("a signed checkpoint", Duration::from_secs(60), || {
        sql(&a.pg, "SELECT count(*) FROM audit_checkpoint") != "0"
    });
    (key, uploaded)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backups_restore_everything_on_a_fresh_vault_and_nothing_without_the_key() {
    let mut a = Appliance::start(&[]).expect("appliance");
    let t = Layout::new();

    // The security team: an offline age identity, the escrow sealed to it.
    let identity = t.offline.join("recovery-key.txt");
    let recipient = age_keygen(&identity);
    let cfg = t.config(
        "backup.toml",
        &a.bao.url(),
        &a.db.migrator_role_id,
        &a.db.migrator_secret_id_file,
        &a.pg,
        &recipient,
    );
    ok(backup(&cfg, &["check-config"]));

    // Without the escrow, a backup is refused with the fix.
    a.pg.psql("postgres", "CREATE TABLE pitr_marker (label text)")
        .expect("marker table");
    let out = backup(&cfg, &["setup"]);
    let setup = ok(out);
    assert!(setup.contains("restart PostgreSQL"), "{setup}");
    a.pg.stop().expect("stop");
    a.pg.start_server().expect("start with archiving");
    // Errors that name the fix: the repository's disk missing, the
    // passphrases unavailable from Vault.
    let unmounted = std::fs::read_to_string(&cfg).expect("config").replace(
        &format!("path = \"{}\"", t.repo.display()),
        "path = \"/nonexistent/backup-disk\"",
    );
    let unmounted_cfg = t.base.join("unmounted.toml");
    std::fs::write(&unmounted_cfg, unmounted).expect("write");
    let out = backup(&unmounted_cfg, &["now"]);
    assert!(!out.status.success());
    assert!(
        text(&out).contains("does not exist or is not mounted: mount the backup disk"),
        "{}",
        text(&out)
    );
    let kept = a
        .bao
        .must("GET", "/v1/kv/data/custodian/backup", None)
        .expect("kv");
    a.bao
        .must("DELETE", "/v1/kv/metadata/custodian/backup", None)
        .expect("delete");
    let out = backup(&cfg, &["list"]);
    assert!(!out.status.success());
    assert!(
        text(&out).contains("passphrases are unavailable from Vault"),
        "{}",
        text(&out)
    );
    let data = serde_json::json!({"data": kept.pointer("/data/data").cloned().expect("data")});
    a.bao
        .must("POST", "/v1/kv/data/custodian/backup", Some(&data))
        .expect("put back");

    let refused = backup(&cfg, &["now", "--type", "full"]);
    assert!(!refused.status.success());
    assert!(
        text(&refused).contains("custodianctl vault escrow"),
        "{}",
        text(&refused)
    );
    let sealed = ctl(&a.bao)
        .expect("ctl")
        .args(["vault", "escrow", "--recipient", &recipient, "--out"])
        .arg(t.base.join("escrow.age"))
        .output()
        .expect("escrow");
    assert!(sealed.status.success(), "{}", text(&sealed));

    // The appliance, in use.
    let mut dcfg = a.daemon_config(
        "checkpoint-interval-secs = 1\n",
        "login-attempts-per-5-minutes = 1000",
    );
    dcfg.storage_toml = Some(String::new());
    dcfg.storage_dir = Some(t.media.clone());
    dcfg.extra_toml
        .push_str("\n[backup]\nstale-after-hours = 1\ncheck-interval-secs = 1\n");
    let d = daemon(dcfg.clone());
    let (totp_key, uploaded) = populate(&a, &d).await;
    // No backup yet: /readyz is degraded and names the fix.
    let backup_problem = |d: &custodian_harness::Daemon| {
        common::readyz(d)
            .pointer("/problems/backup")
            .and_then(|p| p.as_str())
            .map(str::to_owned)
    };
    poll(
        "/readyz to report the missing backup",
        Duration::from_secs(30),
        || backup_problem(&d).is_some_and(|p| p.contains("custodianctl backup now")),
    );
    assert_eq!(common::readyz(&d)["status"], "degraded");

    // 1. now, list, verify, drill.
    let started = Instant::now();
    let first = ok(backup(&cfg, &["now", "--type", "full"]));
    println!("full backup: {:.1} s", started.elapsed().as_secs_f64());
    for step in ["[1/5]", "[3/5]", "[5/5]", "backup: done"] {
        assert!(first.contains(step), "progress {step}:\n{first}");
    }
    poll("/readyz to see the backup", Duration::from_secs(30), || {
        backup_problem(&d).is_none()
    });
    let list = ok(backup(&cfg, &["list"]));
    assert!(list.contains("F  full"), "{list}");
    assert!(list.contains("WAL archived up to"), "{list}");
    ok(backup(&cfg, &["verify"]));
    ok(backup(&cfg, &["now", "--type", "incr"]));
    for action in [
        "backup.configured",
        "backup.started",
        "backup.finished",
        "backup.verified",
    ] {
        assert!(audit(&a, action) >= 1, "{action} recorded");
    }
    let started = Instant::now();
    let drill = ok(backup(&cfg, &["drill", "--sample", "10"]));
    println!("drill: {:.1} s", started.elapsed().as_secs_f64());
    assert!(drill.contains("\"media_checked\": 2"), "{drill}");
    assert_eq!(audit(&a, "backup.drill_passed"), 1);

    // 1b. The escrow after key rotations.
    escrow_follows_rotations(&a, &d, &t, &cfg, &recipient, &backup_problem);

    // 2. The repository on its own.
    repository_alone_reads_nothing(&a, &t, &cfg, &identity).await;

    // 3. kill -9 mid-backup; a full disk.
    killed_backup_leaves_a_consistent_repository(&cfg);
    full_disk_fails_clearly_and_keeps_what_was_stored(&t, &cfg);

    // 4. A restore point (what the updater takes before migrating) and a
    // restore to it with the Vault kept (no recovery key needed). Not while
    // custodiand serves the media store, not even with --force (it was
    // started by hand here, so only its lock on the store can tell).
    let served = sql(&a.pg, FINGERPRINT);
    let serving = backup(&cfg, &["restore", "--keep-vault", "--force"]);
    assert!(!serving.status.success());
    assert!(
        text(&serving).contains("custodiand is running")
            && text(&serving).contains("systemctl stop custodiand"),
        "{}",
        text(&serving)
    );
    // The running custodiand may sign a checkpoint meanwhile (the 11th
    // field): everything else must be as it was.
    let without_checkpoints = |f: &str| {
        let mut v: Vec<&str> = f.split(' ').collect();
        v.remove(10);
        v.join(" ")
    };
    assert_eq!(
        without_checkpoints(&sql(&a.pg, FINGERPRINT)),
        without_checkpoints(&served),
        "nothing was touched"
    );
    // Nor does a second custodiand start on the same media store.
    let second = custodian_harness::Daemon::run_to_exit(dcfg, |t| t, &[]).expect("run");
    assert!(!second.status.success());
    assert!(
        String::from_utf8_lossy(&second.stderr).contains("is in use by another custodiand"),
        "{}",
        String::from_utf8_lossy(&second.stderr)
    );
    drop(d);
    let at_point = sql(&a.pg, FINGERPRINT);
    ok(backup(&cfg, &["restore-point", "--name", "before-0.2.0"]));
    assert_eq!(audit(&a, "backup.restore_point"), 1);
    a.pg.psql(
        "postgres",
        "INSERT INTO pitr_marker VALUES ('past the point')",
    )
    .expect("marker");
    sql(&a.pg, "UPDATE bulletin SET title = 'changed by a migration' WHERE id = (SELECT min(id) FROM bulletin)");
    a.pg.stop().expect("stop");
    let refused = backup(&cfg, &["restore", "--keep-vault", "--name", "before-0.2.0"]);
    assert!(!refused.status.success());
    assert!(text(&refused).contains("--force"), "{}", text(&refused));
    ok(backup(
        &cfg,
        &[
            "restore",
            "--keep-vault",
            "--name",
            "before-0.2.0",
            "--force",
        ],
    ));
    a.pg.start_server().expect("start");
    recovered(&a.pg, "recovery to the restore point");
    assert_eq!(
        a.pg.psql("postgres", "SELECT count(*) FROM pitr_marker")
            .expect("markers"),
        "0"
    );
    assert_eq!(
        sql(&a.pg, FINGERPRINT),
        at_point,
        "back at the restore point"
    );
    ok(backup(&cfg, &["now", "--type", "incr"]));

    // 5. The disaster. What the appliance held is noted.
    let before = sql(&a.pg, FINGERPRINT);
    let media: Vec<(String, String)> =
        sql(&a.pg, "SELECT id || ' ' || sha256 FROM media ORDER BY id")
            .lines()
            .filter_map(|l| l.split_once(' ').map(|(i, s)| (i.to_owned(), s.to_owned())))
            .collect();
    assert_eq!(media.len(), 2);
    let export_objects = sql(
        &a.pg,
        "SELECT count(*) FROM export_request WHERE object_name IS NOT NULL",
    );
    // A write before the target time, one after.
    a.pg.psql("postgres", "INSERT INTO pitr_marker VALUES ('before')")
        .expect("marker");
    std::thread::sleep(Duration::from_millis(1100));
    let target =
        a.pg.psql(
            "postgres",
            "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')",
        )
        .expect("now");
    std::thread::sleep(Duration::from_millis(1100));
    a.pg.psql("postgres", "INSERT INTO pitr_marker VALUES ('after')")
        .expect("marker");
    archive_wal(&a.pg);

    let Appliance {
        bao,
        vault,
        mut pg,
        db,
    } = a;
    pg.stop().expect("stop PostgreSQL");
    std::fs::remove_dir_all(pg.data_dir()).expect("destroy the data directory");
    for e in std::fs::read_dir(&t.media).expect("media").flatten() {
        let p = e.path();
        if p.is_dir() {
            std::fs::remove_dir_all(&p)
        } else {
            std::fs::remove_file(&p)
        }
        .expect("destroy the media store");
    }
    drop(vault);
    drop(bao);
    drop(db);
    let bao = OpenBao::start().expect("a fresh OpenBao");
    let cfg2 = t.config(
        "backup-new-vault.toml",
        &bao.url(),
        "to-be-provisioned",
        &t.base.join("none"),
        &pg,
        &recipient,
    );

    // Another identity opens nothing and changes nothing.
    let stranger = t.offline.join("stranger.txt");
    age_keygen(&stranger);
    let wrong = Command::new(custodianctl_bin().expect("ctl"))
        .args(["backup", "restore", "--config"])
        .arg(&cfg2)
        .arg("--recovery-key")
        .arg(&stranger)
        .env("VAULT_TOKEN", &bao.root_token)
        .output()
        .expect("restore");
    assert!(!wrong.status.success());
    assert!(
        text(&wrong).contains("open the key escrow"),
        "{}",
        text(&wrong)
    );
    assert!(!pg.data_dir().join("PG_VERSION").exists());

    let started = Instant::now();
    let restored = Command::new(custodianctl_bin().expect("ctl"))
        .args(["backup", "restore", "--config"])
        .arg(&cfg2)
        .arg("--recovery-key")
        .arg(&identity)
        .args(["--time", &target])
        .env("VAULT_TOKEN", &bao.root_token)
        .output()
        .expect("restore");
    let restored = ok(restored);
    pg.start_server().expect("start the restored PostgreSQL");
    recovered(&pg, "recovery to end");
    println!(
        "restore to a running PostgreSQL: {:.1} s",
        started.elapsed().as_secs_f64()
    );
    assert!(
        restored.contains("restored transit key custodian-media"),
        "{restored}"
    );
    assert_eq!(
        pg.psql("postgres", "SELECT string_agg(label, ',') FROM pitr_marker")
            .expect("markers"),
        "before"
    );
    assert_eq!(
        sql(&pg, FINGERPRINT),
        before,
        "the same records, media rows, exports and activity log"
    );
    assert_eq!(
        sql(
            &pg,
            "SELECT count(*) FROM export_request WHERE object_name IS NOT NULL"
        ),
        export_objects
    );

    // The security team provisions the fresh Vault: it keeps the restored
    // keys. The database admin's password is reset (only the old Vault knew it).
    let vault = VaultFixture::provision(&bao, &[]).expect("provision");
    assert!(
        !vault.report.contains("created transit key"),
        "{}",
        vault.report
    );
    let pw = custodian_harness::random_hex(16);
    pg.psql(
        "postgres",
        &format!("ALTER ROLE custodian_vault_admin PASSWORD '{pw}'"),
    )
    .expect("reset");
    let pw_file = t.offline.join("pw");
    std::fs::write(&pw_file, &pw).expect("pw");
    let sid = t.offline.join("migrator-secret-id");
    let out = ctl(&bao)
        .expect("ctl")
        .args([
            "vault",
            "provision-database",
            "--db-host",
            "127.0.0.1",
            "--db-port",
            &pg.port.to_string(),
        ])
        .arg("--admin-password-file")
        .arg(&pw_file)
        .arg("--migrator-secret-id-out")
        .arg(&sid)
        .output()
        .expect("provision-database");
    assert!(out.status.success(), "{}", text(&out));
    let db = DbFixture {
        migrator_role_id: String::from_utf8_lossy(&out.stdout).trim().to_owned(),
        migrator_secret_id_file: sid,
        host: "127.0.0.1".into(),
        port: pg.port,
        report: String::new(),
    };
    let verified = db
        .ctl_owner(&bao, &["audit", "verify"])
        .expect("audit verify");
    assert!(
        verified.status.success() && text(&verified).contains("intact"),
        "{}",
        text(&verified)
    );
    let a = Appliance { bao, vault, pg, db };

    // custodiand on the restored appliance: the same sign-in, the same files.
    let mut dcfg = a.daemon_config("", "login-attempts-per-5-minutes = 1000");
    dcfg.storage_toml = Some(String::new());
    dcfg.storage_dir = Some(t.media.clone());
    let d = daemon(dcfg);
    let mut admin = Browser::new(&d);
    let step = admin.login("admin", PASSWORD).await;
    assert_eq!(
        step.location.as_deref(),
        Some("/login/totp"),
        "{}",
        step.body
    );
    let home = second_step(&mut admin, &totp_code(&totp_key, 1)).await;
    assert_eq!(home.location.as_deref(), Some("/"), "{}", home.body);
    for (id, sha) in &media {
        let (status, _, bytes) = admin.download(&format!("/media?id={id}")).await;
        assert_eq!(status, 200);
        assert_eq!(
            &hex_sha256(&bytes),
            sha,
            "media {id} decrypts to its recorded SHA-256"
        );
    }
    let mut got: Vec<String> = media.iter().map(|(_, s)| s.clone()).collect();
    let mut want: Vec<String> = uploaded.iter().map(|f| hex_sha256(f)).collect();
    got.sort();
    want.sort();
    assert_eq!(got, want);
}

/// What the repository yields to someone who has only it.
/// Every backup checks that the sealed escrow holds every key version in
/// use: a transit key rotated in Vault by the security team is named (on
/// the console and in /readyz) until the escrow is re-sealed, which needs
/// no recipient the second time; `vault rotate-keyring` re-seals by itself.
fn escrow_follows_rotations(
    a: &Appliance,
    d: &custodian_harness::Daemon,
    t: &Layout,
    cfg: &Path,
    recipient: &str,
    backup_problem: &dyn Fn(&custodian_harness::Daemon) -> Option<String>,
) {
    let sealed = t.base.join("escrow.age");
    let coverage = |p: &Path| -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(p.with_extension("covers.json")).expect("covers"))
            .expect("json")
    };
    let covered = coverage(&sealed);
    assert_eq!(covered["recipient"], recipient);
    assert_eq!(covered["keyring"], serde_json::json!([1]));
    let newest_escrow_detail = || {
        sql(
            &a.pg,
            "SELECT details->'escrow'->'gaps' FROM audit_log WHERE action = 'backup.finished' ORDER BY seq DESC LIMIT 1",
        )
    };
    assert_eq!(
        newest_escrow_detail(),
        "[]",
        "the first backups were covered"
    );

    a.bao
        .must("POST", "/v1/transit/keys/custodian-media/rotate", None)
        .expect("rotate");
    let warned = ok(backup(cfg, &["now", "--type", "incr"]));
    assert!(
        warned.contains("lacks transit/custodian-media version 2")
            && warned.contains("custodianctl vault escrow --out"),
        "{warned}"
    );
    assert!(newest_escrow_detail().contains("custodian-media"));
    poll(
        "/readyz to name the escrow's gap",
        Duration::from_secs(30),
        || backup_problem(d).is_some_and(|p| p.contains("transit/custodian-media version 2")),
    );

    let resealed = ctl(&a.bao)
        .expect("ctl")
        .args(["vault", "escrow", "--out"])
        .arg(&sealed)
        .output()
        .expect("escrow");
    assert!(resealed.status.success(), "{}", text(&resealed));
    assert_eq!(coverage(&sealed)["transit"]["custodian-media"], 2);
    let clean = ok(backup(cfg, &["now", "--type", "incr"]));
    assert!(!clean.contains("WARNING"), "{clean}");
    assert_eq!(newest_escrow_detail(), "[]");
    poll("/readyz to clear", Duration::from_secs(30), || {
        backup_problem(d).is_none()
    });
    // The copy in the repository is the re-sealed one, with its coverage.
    let copy = t.repo.join("escrow").join("escrow.age");
    assert_eq!(std::fs::read(&copy).ok(), std::fs::read(&sealed).ok());
    assert_eq!(coverage(&copy), coverage(&sealed));

    let rotated = ctl(&a.bao)
        .expect("ctl")
        .args(["vault", "rotate-keyring", "--escrow"])
        .arg(&sealed)
        .output()
        .expect("rotate-keyring");
    assert!(rotated.status.success(), "{}", text(&rotated));
    assert!(
        text(&rotated).contains("sealed the key escrow"),
        "{}",
        text(&rotated)
    );
    assert_eq!(coverage(&sealed)["keyring"], serde_json::json!([2, 1]));
}

async fn repository_alone_reads_nothing(a: &Appliance, t: &Layout, cfg: &Path, identity: &Path) {
    let title = sql(
        &a.pg,
        "SELECT title FROM bulletin WHERE length(title) >= 16 ORDER BY id DESC LIMIT 1",
    );
    let media_plain = &png(1)[5000..5064];
    let pgb = passphrase(&a.bao, "pgbackrest-cipher-pass");
    let rst = passphrase(&a.bao, "restic-password");
    let mut all = Vec::new();
    files(&t.repo, &mut all);
    assert!(all.len() > 20, "the repository holds files: {}", all.len());
    let secret = std::fs::read_to_string(identity).expect("identity");
    let secret_key = secret
        .lines()
        .find(|l| l.starts_with("AGE-SECRET-KEY-"))
        .expect("key");
    for f in &all {
        let bytes = std::fs::read(f).expect("read");
        for (what, needle) in [
            ("a record's title", title.as_bytes()),
            ("media plaintext", media_plain),
            ("the media store's header", b"CUSTODIAN-MEDIA1".as_slice()),
            ("a table name", b"bulletin_revision".as_slice()),
            ("the pgBackRest passphrase", pgb.as_bytes()),
            ("the restic password", rst.as_bytes()),
            ("the recovery key", secret_key.as_bytes()),
        ] {
            assert!(!contains(&bytes, needle), "{} holds {what}", f.display());
        }
    }
    // The tools, given the repository without its passphrases, refuse.
    let conf = t.base.join("state/pgbackrest.conf");
    let pgbackrest = Command::new("runuser")
        .args(["-u", "postgres", "--", "pgbackrest"])
        .arg(format!("--config={}", conf.display()))
        .args(["--stanza=custodian", "--output=json", "info"])
        .env_clear()
        .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
        .env("PGBACKREST_REPO1_CIPHER_PASS", "guessed")
        .output()
        .expect("pgbackrest");
    assert!(
        !text(&pgbackrest).contains("\"label\""),
        "pgBackRest listed backups under a guessed passphrase: {}",
        text(&pgbackrest)
    );
    let restic = Command::new("restic")
        .args(["snapshots", "--no-cache"])
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("RESTIC_REPOSITORY", t.repo.join("restic"))
        .env("RESTIC_PASSWORD", "guessed")
        .output()
        .expect("restic");
    assert!(
        !restic.status.success(),
        "restic opened with a guessed password"
    );
    assert!(
        text(&restic).contains("wrong password"),
        "{}",
        text(&restic)
    );
    let stranger = t.offline.join("stranger-early.txt");
    age_keygen(&stranger);
    let age = Command::new("age")
        .args(["--decrypt", "--identity"])
        .arg(&stranger)
        .arg(t.repo.join("escrow/escrow.age"))
        .stdout(Stdio::piped())
        .output()
        .expect("age");
    assert!(
        !age.status.success() && age.stdout.is_empty(),
        "the escrow opened without the recovery key"
    );
    let _ = cfg;
}

fn killed_backup_leaves_a_consistent_repository(cfg: &Path) {
    use std::os::unix::process::CommandExt;
    let log = cfg.with_extension("killed.log");
    let mut child = Command::new(custodianctl_bin().expect("ctl"))
        .args(["backup", "now", "--type", "full", "--config"])
        .arg(cfg)
        .stderr(std::fs::File::create(&log).expect("log"))
        .stdout(Stdio::null())
        .process_group(0)
        .spawn()
        .expect("spawn");
    let pgid = nix::unistd::Pid::from_raw(i32::try_from(child.id()).expect("pid"));
    poll("pgBackRest copying files", Duration::from_secs(60), || {
        std::fs::read_to_string(&log)
            .unwrap_or_default()
            .contains("backup start archive")
    });
    nix::sys::signal::killpg(pgid, nix::sys::signal::Signal::SIGKILL).expect("kill -9");
    let status = child.wait().expect("wait");
    assert!(!status.success());
    // Every process of the killed backup is gone before the next one.
    poll(
        "the killed backup's processes to exit",
        Duration::from_secs(30),
        || nix::sys::signal::killpg(pgid, None).is_err(),
    );
    let verified = ok(backup(cfg, &["verify"]));
    assert!(verified.contains("no damage found"), "{verified}");
    ok(backup(cfg, &["now", "--type", "full"]));
    ok(backup(cfg, &["verify"]));
}

fn full_disk_fails_clearly_and_keeps_what_was_stored(t: &Layout, cfg: &Path) {
    let before = ok(backup(cfg, &["list"]));
    // Fill the backup disk, leaving a few KiB.
    let filler = t.repo.join("filler");
    let out = Command::new("dd")
        .args(["if=/dev/zero", "bs=1M", &format!("count={REPO_MIB}")])
        .arg(format!("of={}", filler.display()))
        .output()
        .expect("dd");
    assert!(!out.status.success(), "the disk filled up");
    let failed = backup(cfg, &["now", "--type", "full"]);
    assert!(!failed.status.success());
    let msg = text(&failed);
    assert!(
        msg.contains("is full") && msg.contains("nothing already stored was changed"),
        "{msg}"
    );
    std::fs::remove_file(&filler).expect("free the disk");
    let after = ok(backup(cfg, &["list"]));
    let labels = |s: &str| {
        s.lines()
            .filter(|l| l.contains("consistent at"))
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        labels(&after),
        labels(&before),
        "the stored backups are all still there"
    );
    ok(backup(cfg, &["verify"]));
}
