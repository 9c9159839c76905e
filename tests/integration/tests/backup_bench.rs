//! The backup benchmark (issue 15), run by `tests/bench/backup`: a real
//! appliance with `BACKUP_BENCH_RECORDS` bulletins (tests/bench/datagen)
//! and `BACKUP_BENCH_MEDIA_MIB` MiB of files in the media store; measures
//! a full backup's wall time and throughput while an administrator reads a
//! record over and over (its p99) and custodiand's RSS is sampled, a
//! restore's wall time to an open PostgreSQL, and the recovery point (how
//! long a committed write waits to be archived). Prints one table.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use common::web::*;
use common::{daemon, proc_status, status_field};
use custodian_harness::vault::{ctl, custodianctl_bin, repo_root};
use custodian_harness::Appliance;

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn run(cmd: &mut Command) -> Output {
    let out = cmd.output().expect("run");
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn backup(config: &Path, args: &[&str]) -> Output {
    run(Command::new(custodianctl_bin().expect("ctl"))
        .arg("backup")
        .args(&args[..1])
        .arg("--config")
        .arg(config)
        .args(&args[1..])
        .env_remove("VAULT_TOKEN"))
}

fn du(p: &Path) -> u64 {
    let out = run(Command::new("du").args(["-sb"]).arg(p));
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a benchmark: run it with tests/bench/backup"]
async fn backup_and_restore_throughput_recovery_point_and_service_during_a_backup() {
    let records = env_u64("BACKUP_BENCH_RECORDS", 20_000);
    let media_mib = env_u64("BACKUP_BENCH_MEDIA_MIB", 256);
    let mut a = Appliance::start(&[]).expect("appliance");
    let base = tempfile::Builder::new()
        .prefix("custodian-backup-bench-")
        .tempdir_in("/var/tmp")
        .expect("tempdir");
    let b = base.path().to_path_buf();
    std::fs::set_permissions(&b, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let repo = b.join("repo");
    std::fs::create_dir(&repo).expect("repo");
    let media = b.join("media");
    let runtime = PathBuf::from(format!(
        "/dev/shm/custodian-backup-bench-{}",
        custodian_harness::random_hex(6)
    ));
    let identity = b.join("recovery-key.txt");
    let out = run(Command::new("age-keygen").arg("-o").arg(&identity));
    let recipient = String::from_utf8_lossy(&out.stderr)
        .lines()
        .find_map(|l| l.strip_prefix("Public key: ").map(str::to_owned))
        .expect("public key");
    let cfg = b.join("backup.toml");
    std::fs::write(
        &cfg,
        format!(
            "[repository]\npath = \"{repo}\"\n[postgres]\ndata-dir = \"{data}\"\nport = {port}\nsocket-dir = \"{socket}\"\nbin-dir = \"{bin}\"\n\
             [files]\nmedia-dir = \"{media}\"\n[vault]\naddress = \"{bao}\"\nrole-id = \"{role}\"\nsecret-id-file = \"{sid}\"\n\
             [escrow]\nfile = \"{b}/escrow.age\"\nrecipient = \"{recipient}\"\n[state]\ndir = \"{b}/state\"\nruntime-dir = \"{runtime}\"\nscratch-dir = \"{b}/scratch\"\n",
            repo = repo.display(),
            data = a.pg.data_dir().display(),
            port = a.pg.port,
            socket = a.pg.dir().display(),
            bin = a.pg.bin_dir().display(),
            media = media.display(),
            bao = a.bao.url(),
            role = a.db.migrator_role_id,
            sid = a.db.migrator_secret_id_file.display(),
            b = b.display(),
            runtime = runtime.display(),
        ),
    )
    .expect("config");
    backup(&cfg, &["setup"]);
    a.pg.stop().expect("stop");
    a.pg.start_server().expect("start");
    run(ctl(&a.bao)
        .expect("ctl")
        .args(["vault", "escrow", "--recipient", &recipient, "--out"])
        .arg(b.join("escrow.age")));

    let mut dcfg = password_only(&a, "", "login-attempts-per-5-minutes = 100000");
    dcfg.storage_toml = Some(String::new());
    dcfg.storage_dir = Some(media.clone());
    let d = daemon(dcfg);
    set_up(&d).await;
    let started = Instant::now();
    run(Command::new(repo_root().join("tests/bench/datagen"))
        .args(["--records", &records.to_string()])
        .env("PGHOST", "127.0.0.1")
        .env("PGPORT", a.pg.port.to_string())
        .env("PGUSER", "postgres")
        .env("PGPASSWORD", &a.pg.superuser_password)
        .env("PGDATABASE", "custodian"));
    let datagen_s = started.elapsed().as_secs_f64();
    // Media-store bytes (incompressible, 8 MiB files beside the objects,
    // which the orphan sweep leaves alone).
    let bulk = media.join("bench");
    std::fs::create_dir_all(&bulk).expect("bulk");
    for i in 0..media_mib.div_ceil(8) {
        run(Command::new("dd")
            .args(["if=/dev/urandom", "bs=1M", "count=8", "status=none"])
            .arg(format!("of={}/{i:05}.bin", bulk.display())));
    }
    let db_bytes = du(&a.pg.data_dir());
    let media_bytes = du(&media);

    // A full backup while an administrator reads a record.
    let mut admin = Browser::new(&d);
    admin.login("admin", PASSWORD).await;
    let id =
        a.pg.psql("custodian", "SELECT min(id) FROM bulletin")
            .expect("id");
    let view = format!("/bulletins/view?id={id}");
    assert_eq!(admin.get(&view).await.status, 200);
    let cfg2 = cfg.clone();
    let started = Instant::now();
    let job = std::thread::spawn(move || backup(&cfg2, &["now", "--type", "full"]));
    let (mut times, mut rss_max) = (Vec::new(), 0u64);
    while !job.is_finished() {
        let t = Instant::now();
        let page = admin.get(&view).await;
        assert_eq!(page.status, 200);
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        let rss: u64 = status_field(&proc_status(d.pid()), "VmRSS")
            .trim_end_matches(" kB")
            .trim()
            .parse()
            .unwrap_or(0);
        rss_max = rss_max.max(rss);
    }
    job.join().expect("backup thread");
    let backup_s = started.elapsed().as_secs_f64();
    times.sort_by(f64::total_cmp);
    let repo_bytes = du(&repo);

    // The recovery point: how long a committed write waits for archiving.
    a.pg.psql(
        "postgres",
        "CREATE TABLE rpo (at timestamptz DEFAULT clock_timestamp())",
    )
    .expect("rpo");
    let committed = Instant::now();
    let before =
        a.pg.psql(
            "postgres",
            "SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver",
        )
        .expect("archiver");
    let deadline = committed + Duration::from_secs(120);
    let rpo_s = loop {
        let now =
            a.pg.psql(
                "postgres",
                "SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver",
            )
            .expect("archiver");
        if now != before {
            break committed.elapsed().as_secs_f64();
        }
        assert!(Instant::now() < deadline, "nothing archived within 120 s");
        std::thread::sleep(Duration::from_millis(250));
    };

    // A restore of everything (database and media store) to an open
    // PostgreSQL, the Vault kept.
    drop(d);
    a.pg.stop().expect("stop");
    std::fs::remove_dir_all(a.pg.data_dir()).expect("remove data");
    let started = Instant::now();
    backup(&cfg, &["restore", "--keep-vault", "--force"]);
    let restore_files_s = started.elapsed().as_secs_f64();
    a.pg.start_server().expect("start");
    let deadline = Instant::now() + Duration::from_secs(600);
    while a
        .pg
        .psql("postgres", "SELECT pg_is_in_recovery()")
        .ok()
        .as_deref()
        != Some("f")
    {
        assert!(Instant::now() < deadline, "recovery did not finish");
        std::thread::sleep(Duration::from_millis(250));
    }
    let restore_s = started.elapsed().as_secs_f64();
    assert_eq!(
        std::fs::read_dir(&bulk).expect("restored").count() as u64,
        media_mib.div_ceil(8),
        "the media store came back"
    );
    let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
    println!("\nbackup benchmark: {records} bulletins (datagen {datagen_s:.0} s), {media_mib} MiB of media");
    println!("| measure | value |\n|---|---|");
    println!("| PostgreSQL data directory | {:.0} MiB |", mib(db_bytes));
    println!("| media store | {:.0} MiB |", mib(media_bytes));
    println!("| full backup, wall time | {backup_s:.1} s |");
    println!(
        "| full backup, throughput | {:.0} MiB/s |",
        mib(db_bytes + media_bytes) / backup_s
    );
    println!("| repository after it | {:.0} MiB |", mib(repo_bytes));
    println!(
        "| record view during it: n, median, p99 | {}, {:.0} ms, {:.0} ms |",
        times.len(),
        percentile(&times, 0.5),
        percentile(&times, 0.99)
    );
    println!(
        "| custodiand VmRSS, highest during it | {} MiB |",
        rss_max / 1024
    );
    println!("| recovery point (a write's wait for archiving) | {rpo_s:.0} s |");
    println!("| restore (pgBackRest + restic), wall time | {restore_files_s:.1} s |");
    println!(
        "| restore to an open PostgreSQL, throughput | {restore_s:.1} s, {:.0} MiB/s |",
        mib(db_bytes + media_bytes) / restore_s
    );
    let _ = std::fs::remove_dir_all(&runtime);
}
