//! The benchmark data generator (`tests/bench/datagen`, issue 14) against
//! a real PostgreSQL migrated by `custodianctl migrate`: what it makes, that
//! every row passed the schema's checks, that a second run changes nothing
//! and that growing adds only the difference.

use std::process::{Command, Output};

use custodian_harness::vault::repo_root;
use custodian_harness::{DbFixture, OpenBao, Postgres, VaultFixture};

fn datagen(pg: &Postgres, args: &[&str]) -> Output {
    Command::new(repo_root().join("tests/bench/datagen"))
        .args(args)
        .env("PGHOST", "127.0.0.1")
        .env("PGPORT", pg.port.to_string())
        .env("PGUSER", "postgres")
        .env("PGPASSWORD", &pg.superuser_password)
        .env("PGDATABASE", "custodian")
        .output()
        .expect("run tests/bench/datagen")
}

fn load(pg: &Postgres, records: &str) -> String {
    load_with(pg, &["--records", records])
}

fn load_with(pg: &Postgres, args: &[&str]) -> String {
    let out = datagen(pg, args);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

fn q(pg: &Postgres, sql: &str) -> String {
    pg.psql("custodian", sql).expect(sql)
}

/// Everything generated, as one digest per table (content and ids).
const FINGERPRINT: &str = "SELECT concat_ws(' ',
    (SELECT md5(string_agg(b::text, ',' ORDER BY id)) FROM bulletin b),
    (SELECT md5(string_agg(a::text, ',' ORDER BY id)) FROM actor a),
    (SELECT md5(string_agg(i::text, ',' ORDER BY id)) FROM incident i),
    (SELECT md5(string_agg(r::text, ',' ORDER BY bulletin_id, revision)) FROM bulletin_revision r),
    (SELECT md5(string_agg(r::text, ',' ORDER BY actor_id, revision)) FROM actor_revision r),
    (SELECT md5(string_agg(r::text, ',' ORDER BY incident_id, revision)) FROM incident_revision r),
    (SELECT md5(string_agg(r::text, ',' ORDER BY id)) FROM relation r),
    (SELECT md5(string_agg(r::text, ',' ORDER BY id)) FROM record_reference r),
    (SELECT md5(string_agg(e::text, ',' ORDER BY id)) FROM record_event e),
    (SELECT md5(string_agg(u::text, ',' ORDER BY id)) FROM app_user u),
    (SELECT md5(string_agg(l::text, ',' ORDER BY id)) FROM label l),
    (SELECT md5(string_agg(s::text, ',' ORDER BY id)) FROM source s),
    (SELECT md5(string_agg(l::text, ',' ORDER BY id)) FROM location l))";

/// The same digests restricted to the records that existed at `max_id`
/// bulletins/actors/incidents (ids up to the given ones) and what they own.
fn fingerprint_upto(pg: &Postgres, b: &str, a: &str, i: &str) -> String {
    q(
        pg,
        &format!(
            "SELECT concat_ws(' ',
        (SELECT md5(string_agg(x::text, ',' ORDER BY id)) FROM bulletin x WHERE id <= {b}),
        (SELECT md5(string_agg(x::text, ',' ORDER BY id)) FROM actor x WHERE id <= {a}),
        (SELECT md5(string_agg(x::text, ',' ORDER BY id)) FROM incident x WHERE id <= {i}),
        (SELECT md5(string_agg(x::text, ',' ORDER BY bulletin_id, revision)) FROM bulletin_revision x WHERE bulletin_id <= {b}),
        (SELECT md5(string_agg(x::text, ',' ORDER BY id)) FROM relation x
          WHERE from_id <= CASE from_kind WHEN 'bulletin' THEN {b} WHEN 'actor' THEN {a} ELSE {i} END),
        (SELECT md5(string_agg(x::text, ',' ORDER BY id)) FROM record_event x
          WHERE record_id <= CASE kind WHEN 'bulletin' THEN {b} WHEN 'actor' THEN {a} ELSE {i} END))"
        ),
    )
}

#[test]
fn datagen_loads_checked_data_once_and_grows_by_the_difference() {
    let pg = Postgres::start().expect("postgres");
    let bao = OpenBao::start().expect("bao");
    let vault = VaultFixture::provision(&bao, &[]).expect("provision");
    let _db = DbFixture::provision(&bao, &vault, &pg, &[]).expect("provision database");

    // Bad input is refused before anything is written, naming the fix.
    let bad = datagen(&pg, &["--records", "2k"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--records N (a whole number"));

    let first = load(&pg, "2000");
    // Loaded at all means every CHECK, foreign key and unique index held.
    assert_eq!(
        q(&pg, "SELECT (SELECT count(*) FROM bulletin) || ' ' || (SELECT count(*) FROM actor) || ' ' || (SELECT count(*) FROM incident)"),
        "2000 500 100"
    );
    assert!(
        first.contains("bulletin              |           2000 |      2000"),
        "{first}"
    );
    let counts: Vec<i64> = q(
        &pg,
        "SELECT concat_ws(' ',
            (SELECT count(*) FROM bulletin_revision) + (SELECT count(*) FROM actor_revision) + (SELECT count(*) FROM incident_revision),
            (SELECT count(*) FROM relation), (SELECT count(DISTINCT from_kind || to_kind) FROM relation),
            (SELECT count(*) FROM record_reference), (SELECT count(*) FROM record_event),
            (SELECT count(DISTINCT event_type_id) FROM record_event),
            (SELECT count(DISTINCT assigned_to) FROM bulletin), (SELECT count(DISTINCT reviewer) FROM bulletin),
            (SELECT count(DISTINCT status) FROM bulletin))",
    )
    .split(' ')
    .map(|n| n.parse().expect("count"))
    .collect();
    let [revisions, relations, pairs, references, events, types, assignees, reviewers, statuses] =
        counts[..]
    else {
        panic!("{counts:?}")
    };
    assert!(
        revisions > 2600 && relations > 3000 && references > 2600 && events > 1000,
        "{counts:?}"
    );
    assert!(
        pairs >= 6 && types == 10 && assignees == 40 && reviewers == 8 && statuses == 6,
        "{counts:?}"
    );
    // Every revision history ends in the record as it stands.
    assert_eq!(
        q(&pg, "SELECT count(*) FROM bulletin b JOIN bulletin_revision r ON r.bulletin_id = b.id AND r.revision = b.revision
                WHERE r.snapshot->>'title' IS DISTINCT FROM b.title OR r.snapshot->>'status' IS DISTINCT FROM b.status
                   OR (SELECT count(*) FROM bulletin_revision x WHERE x.bulletin_id = b.id) <> b.revision"),
        "0"
    );

    // 30 % restricted (± a few), over all three kinds.
    let restricted: f64 = q(
        &pg,
        "SELECT 100.0 * count(*) FILTER (WHERE cardinality(access_groups) > 0) / count(*) FROM
           (SELECT access_groups FROM bulletin UNION ALL SELECT access_groups FROM actor
            UNION ALL SELECT access_groups FROM incident) r",
    )
    .parse()
    .expect("share");
    assert!(
        (27.0..=33.0).contains(&restricted),
        "{restricted} % restricted"
    );

    // Arabic text, some of it in the spellings folding must unify:
    // diacritics, tatweel, final ha for ta marbuta, bare alef.
    let arabic = q(
        &pg,
        "SELECT concat_ws(' ', count(*) FILTER (WHERE title ~ '[ء-ي]'),
            count(*) FILTER (WHERE title ~ '[ً-ْ]'), count(*) FILTER (WHERE title LIKE '%ـ%'),
            count(*) FILTER (WHERE description ~ 'ه[ .<]'), count(*) FILTER (WHERE title LIKE '%أ%'))
         FROM bulletin",
    );
    let arabic: Vec<i64> = arabic.split(' ').map(|n| n.parse().expect("n")).collect();
    assert!(
        arabic[0] > 300 && arabic[1..].iter().all(|&n| n > 0),
        "{arabic:?}"
    );
    // Rare words are rare and common ones common.
    let words = q(
        &pg,
        "SELECT concat_ws(' ', count(*) FILTER (WHERE description LIKE '%painted on the wall%'),
            count(*) FILTER (WHERE description LIKE '%civilians%'), count(*) FILTER (WHERE title LIKE '%the checkpoint%'))
         FROM bulletin",
    );
    let words: Vec<i64> = words.split(' ').map(|n| n.parse().expect("n")).collect();
    assert!(
        words[0] < 20 && words[1] > 200 && words[2] > 50,
        "{words:?}"
    );

    // Generated accounts hold no password hash any password can match,
    // and nothing was written to the activity log.
    assert_eq!(
        q(&pg, "SELECT count(*) || ' ' || count(*) FILTER (WHERE password_hash LIKE '$%') FROM app_user WHERE username LIKE 'datagen-%'"),
        "49 0"
    );
    assert_eq!(
        q(&pg, "SELECT string_agg(action, ',') FROM audit_log"),
        "schema.migrated"
    );
    // Under the runtime role the groups work as meant: an analyst in no
    // group sees the unrestricted records, the administrator all of them.
    let seen = |who: &str| {
        q(
            &pg,
            &format!(
                "SET ROLE custodian_runtime; SELECT set_config('custodian.user_id', (SELECT id FROM app_user WHERE username = '{who}')::text, false);
                 SELECT count(*) FROM bulletin"
            ),
        )
        .lines()
        .last()
        .expect("count")
        .to_owned()
    };
    assert_eq!(
        seen("datagen-analyst-40"),
        q(
            &pg,
            "SELECT count(*) FROM bulletin WHERE access_groups = '{}'"
        )
    );
    assert_eq!(seen("datagen-admin"), "2000");

    // A second run with the same N changes nothing.
    let before = q(&pg, FINGERPRINT);
    let again = load(&pg, "2000");
    assert!(
        again.contains("bulletin              |           2000 |         0"),
        "{again}"
    );
    assert_eq!(q(&pg, FINGERPRINT), before);

    // Growing to 3,000 adds exactly the difference and leaves what was
    // there as it was.
    let (b, a, i) = (
        q(&pg, "SELECT max(id) FROM bulletin"),
        q(&pg, "SELECT max(id) FROM actor"),
        q(&pg, "SELECT max(id) FROM incident"),
    );
    let old = fingerprint_upto(&pg, &b, &a, &i);
    // In one connection and one transaction this time (--jobs 1); the
    // loads above used the default two.
    let grown = load_with(&pg, &["--records", "3000", "--jobs", "1"]);
    assert!(
        grown.contains("bulletin              |           3000 |      1000"),
        "{grown}"
    );
    assert!(
        grown.contains("actor                 |            750 |       250"),
        "{grown}"
    );
    assert!(
        grown.contains("incident              |            150 |        50"),
        "{grown}"
    );
    assert_eq!(
        q(&pg, "SELECT (SELECT count(*) FROM bulletin) || ' ' || (SELECT count(*) FROM actor) || ' ' || (SELECT count(*) FROM incident)"),
        "3000 750 150"
    );
    assert_eq!(fingerprint_upto(&pg, &b, &a, &i), old);
    // Asking for fewer removes nothing.
    let fewer = load(&pg, "1000");
    assert!(
        fewer.contains("bulletin              |           3000 |         0"),
        "{fewer}"
    );

    // Kinds out of step (what a run stopped between its two commits
    // leaves: here the last actor no longer counts as generated) are
    // refused before anything is written.
    let creator = q(
        &pg,
        "SELECT created_by FROM actor WHERE id = (SELECT max(id) FROM actor)",
    );
    q(
        &pg,
        "INSERT INTO app_user (username, role, password_hash, pepper_version) VALUES ('outsider', 'analyst', '!', 0);
         UPDATE actor SET created_by = (SELECT id FROM app_user WHERE username = 'outsider')
          WHERE id = (SELECT max(id) FROM actor)",
    );
    let refused = datagen(&pg, &["--records", "4000"]);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        !refused.status.success() && stderr.contains("out of step"),
        "{stderr}"
    );
    assert_eq!(q(&pg, "SELECT count(*) FROM bulletin"), "3000");
    q(
        &pg,
        &format!("UPDATE actor SET created_by = {creator} WHERE id = (SELECT max(id) FROM actor)"),
    );
}
