//! Database roles and the activity log, against a real PostgreSQL whose
//! users are created by a real OpenBao, migrated by `custodianctl migrate`.

use custodian_harness::{DbFixture, OpenBao, Postgres, VaultFixture};
use serde_json::json;

struct Stack {
    bao: OpenBao,
    vault: VaultFixture,
    pg: Postgres,
    db: DbFixture,
}

fn stack() -> Stack {
    let pg = Postgres::start().expect("postgres");
    let bao = OpenBao::start().expect("bao");
    let vault = VaultFixture::provision(&bao, &[]).expect("provision");
    let db = DbFixture::provision(&bao, &vault, &pg, &[]).expect("provision database");
    Stack { bao, vault, pg, db }
}

/// Credentials custodiand would get: log in with its AppRole, then read
/// the runtime role's creds.
fn runtime_creds(s: &Stack) -> (String, String) {
    let secret_id = std::fs::read_to_string(&s.vault.secret_id_file).expect("sid");
    let login = s
        .bao
        .api_with_token(
            None,
            "POST",
            "/v1/auth/approle/login",
            Some(&json!({"role_id": s.vault.role_id, "secret_id": secret_id})),
        )
        .expect("login")
        .1;
    let token = login["auth"]["client_token"].as_str().expect("token");
    let (status, creds) = s
        .bao
        .api_with_token(
            Some(token),
            "GET",
            "/v1/database/creds/custodian-runtime",
            None,
        )
        .expect("creds");
    assert_eq!(status, 200, "{creds}");
    (
        creds["data"]["username"].as_str().expect("u").into(),
        creds["data"]["password"].as_str().expect("p").into(),
    )
}

#[test]
fn migrations_leave_everything_owned_by_the_owner_role_and_rerun_cleanly() {
    let s = stack();
    assert!(
        s.db.report.contains("applying migration 1"),
        "{}",
        s.db.report
    );
    let owners = s
        .pg
        .psql("custodian", "SELECT string_agg(DISTINCT tableowner, ',') FROM pg_tables WHERE schemaname = 'public'")
        .expect("owners");
    assert_eq!(owners, "custodian_owner");
    let fn_owner =
        s.pg.psql(
            "custodian",
            "SELECT pg_get_userbyid(proowner) FROM pg_proc WHERE proname = 'audit_chain'",
        )
        .expect("fn owner");
    assert_eq!(fn_owner, "custodian_owner");
    // No Vault-made user is left behind after the migration.
    let leftover =
        s.pg.psql(
            "postgres",
            "SELECT count(*) FROM pg_roles WHERE rolname LIKE 'v-%owner%'",
        )
        .expect("roles");
    assert_eq!(leftover, "0", "the owner credentials were not revoked");
    let again = s.db.ctl_owner(&s.bao, &["migrate"]).expect("migrate again");
    let err = String::from_utf8_lossy(&again.stderr);
    assert!(
        again.status.success()
            && !err.contains("applying")
            && err.contains(&format!(
                "schema at version {v} (was {v}",
                v = custodian_db::migrations::expected_version()
            )),
        "{err}"
    );
}

#[test]
fn an_edited_migration_is_refused() {
    let s = stack();
    s.pg.psql(
        "custodian",
        "UPDATE custodian_schema SET sha256 = 'x' WHERE version = 1",
    )
    .expect("tamper");
    let out = s.db.ctl_owner(&s.bao, &["migrate"]).expect("migrate");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("changed after it was applied"),
        "{err}"
    );
}

#[test]
fn the_runtime_user_has_data_rights_only() {
    let s = stack();
    let (user, pass) = runtime_creds(&s);
    let run = |sql: &str| s.pg.psql_as(&user, &pass, "custodian", sql);
    assert!(run("INSERT INTO audit_log (actor, action) VALUES ('tester', 'probe')").is_ok());
    // The migration's own entry, then ours.
    assert_eq!(
        run("SELECT string_agg(action, ',' ORDER BY seq) FROM audit_log").expect("select"),
        "schema.migrated,probe"
    );
    assert_eq!(
        run("SELECT version FROM custodian_schema_version").expect("version"),
        custodian_db::migrations::expected_version().to_string()
    );
    for sql in [
        "UPDATE audit_log SET actor = 'someone else'",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
        "ALTER TABLE audit_log ADD COLUMN x int",
        "DROP TABLE audit_log",
        "CREATE TABLE smuggled (x int)",
        "SELECT * FROM custodian_schema",
        "SELECT * FROM audit_head",
        "UPDATE audit_head SET seq = 0",
        "UPDATE audit_checkpoint SET signature = 'x'",
        "DELETE FROM audit_checkpoint",
        "INSERT INTO audit_checkpoint VALUES (1, '\\x00', 'vault:v1:AAAA', 0)",
        "CREATE FUNCTION f() RETURNS int LANGUAGE sql RETURN 1",
        // Temporary tables would shadow ours in unqualified names
        // (record_rules.rs, migration 0020).
        "CREATE TEMP TABLE app_user (id bigint)",
        // Only unkeyed devices go, through custodian_forget_unkeyed_devices.
        "DELETE FROM known_device",
    ] {
        let r = run(sql);
        assert!(
            r.as_ref()
                .is_err_and(|e| e.contains("permission denied") || e.contains("must be owner")),
            "{sql}: {r:?}"
        );
    }
    assert_eq!(
        run("SELECT custodian_forget_unkeyed_devices()").as_deref(),
        Ok("0")
    );
    // Checkpoints go through the owner's function, which takes only a row
    // of the chain with its real hash.
    let r = run("SELECT audit_checkpoint_store(1, '\\x00', 'vault:v1:AAAA')");
    assert!(
        r.as_ref()
            .is_err_and(|e| e.contains("no activity-log row 1")),
        "{r:?}"
    );
    // The chain fields are the trigger's, whatever the client sends.
    run("INSERT INTO audit_log (seq, at_us, actor, action, prev_hash, hash) VALUES (999, 1, 'x', 'forged', '\\x00', '\\x00')")
        .expect("insert with forged chain fields");
    assert_eq!(
        run("SELECT seq FROM audit_log WHERE action = 'forged'").expect("seq"),
        "3"
    );
    let out =
        s.db.ctl_owner(&s.bao, &["audit", "verify"])
            .expect("verify");
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn audit_verify_names_edited_deleted_and_cut_rows() {
    let s = stack();
    let (user, pass) = runtime_creds(&s);
    for i in 1..=6 {
        s.pg.psql_as(&user, &pass, "custodian", &format!("INSERT INTO audit_log (actor, action, details) VALUES ('u{i}', 'login', '{{\"ip\": \"192.0.2.{i}\"}}')"))
            .expect("insert");
    }
    // The migration itself recorded an entry first (seq 1); these are 2..7.
    let verify = || {
        let out =
            s.db.ctl_owner(&s.bao, &["audit", "verify"])
                .expect("verify");
        (
            out.status.success(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        )
    };
    let (ok, text) = verify();
    assert!(ok && text.contains("intact"), "{text}");

    // A signed checkpoint at the last row (signed by Vault's transit key).
    let head =
        s.pg.psql(
            "custodian",
            "SELECT seq || ' ' || encode(hash, 'hex') FROM audit_log ORDER BY seq DESC LIMIT 1",
        )
        .expect("head");
    let (seq, hash) = head.split_once(' ').expect("seq hash");
    let message = format!("custodian-audit-checkpoint:{seq}:{hash}");
    let sig = s
        .bao
        .must(
            "POST",
            "/v1/transit/sign/custodian-audit",
            Some(&json!({"input": b64(message.as_bytes())})),
        )
        .expect("sign")["data"]["signature"]
        .as_str()
        .expect("signature")
        .to_owned();
    s.pg.psql_as(
        &user,
        &pass,
        "custodian",
        &format!("SELECT audit_checkpoint_store({seq}, '\\x{hash}', '{sig}')"),
    )
    .expect("checkpoint through the owner's function");
    let (ok, text) = verify();
    assert!(ok && text.contains("1 signed checkpoints"), "{text}");

    // Someone with database superuser rights edits, deletes and cuts.
    s.pg.psql(
        "custodian",
        "UPDATE audit_log SET details = '{\"ip\": \"203.0.113.9\"}' WHERE seq = 3",
    )
    .expect("edit");
    s.pg.psql("custodian", "DELETE FROM audit_log WHERE seq = 5")
        .expect("delete");
    s.pg.psql(
        "custodian",
        &format!("DELETE FROM audit_log WHERE seq = {seq}"),
    )
    .expect("cut");
    let (ok, text) = verify();
    assert!(!ok, "{text}");
    assert!(text.contains("row 3 was edited"), "{text}");
    assert!(text.contains("row 5 was deleted"), "{text}");
    assert!(
        text.contains(&format!("checkpoint names row {seq}")),
        "{text}"
    );

    // A checkpoint with a signature Vault did not make is not trusted.
    s.pg.psql(
        "custodian",
        "INSERT INTO audit_checkpoint VALUES (2, '\\x00', 'vault:v1:AAAA', 0)",
    )
    .expect("forge");
    let (_, text) = verify();
    assert!(
        text.contains("checkpoint at row 2 does not match"),
        "{text}"
    );
}

fn b64(data: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(data)
}

#[test]
fn pruning_keeps_the_remaining_log_verifiable() {
    let s = stack();
    let (user, pass) = runtime_creds(&s);
    for i in 1..=5 {
        s.pg.psql_as(
            &user,
            &pass,
            "custodian",
            &format!("INSERT INTO audit_log (actor, action) VALUES ('u{i}', 'login')"),
        )
        .expect("insert");
    }
    let prune = || {
        s.db.ctl_owner(&s.bao, &["audit", "prune", "--keep-days", "0"])
            .expect("prune")
    };
    // A checkpoint row with the right (seq, hash) whose signature Vault did
    // not make for it (here: Vault's signature of another message), written
    // by someone with the owner's rights: prune refuses and deletes nothing.
    let hash =
        s.pg.psql(
            "custodian",
            "SELECT encode(hash, 'hex') FROM audit_log WHERE seq = 6",
        )
        .expect("hash");
    let other = s
        .bao
        .must(
            "POST",
            "/v1/transit/sign/custodian-audit",
            Some(&json!({"input": b64(b"custodian-audit-checkpoint:1:00")})),
        )
        .expect("sign")["data"]["signature"]
        .as_str()
        .expect("signature")
        .to_owned();
    s.pg.psql(
        "custodian",
        &format!("INSERT INTO audit_checkpoint VALUES (6, '\\x{hash}', '{other}', 0)"),
    )
    .expect("forged checkpoint as the owner");
    let out = prune();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("does not carry a valid Vault signature"),
        "{err}"
    );
    assert_eq!(
        s.pg.psql("custodian", "SELECT count(*) FROM audit_log")
            .expect("count"),
        "6",
        "nothing was deleted"
    );
    s.pg.psql("custodian", "DELETE FROM audit_checkpoint WHERE seq = 6")
        .expect("remove the forged checkpoint");
    let out = prune();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && err.contains("deleted 6 entries through row 6"),
        "{err}"
    );
    assert_eq!(
        s.pg.psql("custodian", "SELECT string_agg(action, ',') FROM audit_log")
            .expect("q"),
        "audit.pruned"
    );
    let verify = || {
        s.db.ctl_owner(&s.bao, &["audit", "verify"])
            .expect("verify")
    };
    let out = verify();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // Without the checkpoint, the start of the log is no longer vouched for.
    s.pg.psql("custodian", "DELETE FROM audit_checkpoint")
        .expect("delete checkpoint");
    let out = verify();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        !out.status.success() && text.contains("no signed checkpoint covers"),
        "{text}"
    );
}
