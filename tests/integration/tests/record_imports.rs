//! CSV import of bulletins (issue 16): the CSV export imported again gives
//! bulletins with the same Arabic and English texts, each created as on
//! the page (revision 1 in its history, the activity log, found by an
//! Arabic search); formula cells and bad rows reported by line while the
//! good rows import; Arabic-only rows (with a byte-order mark) import, with
//! the access groups the importer gives. Administrators with step-up only.
//! One server for every case.

mod common;

use common::daemon;
use common::web::*;
use custodian_harness::Appliance;

const PW: &str = "granite orchard whispers twice";
const BOUNDARY: &str = "custodian-bulletin-import-7c1d";

const TITLE_AR: &str = "قصف مدرسة الزيتون";
const TITLE_EN: &str = "Shelling of Al-Zaytoun school";
const DESCRIPTION_AR: &str = "<p>شهود عيان عند المدخل</p>";
const DESCRIPTION_EN: &str = "<p>Eyewitnesses at the entrance.</p>";

fn sql(a: &Appliance, q: &str) -> String {
    a.pg.psql("custodian", q).expect("sql").trim().to_owned()
}

fn multipart(csrf: &str, groups: &str, bytes: &[u8]) -> Vec<u8> {
    let mut b = Vec::new();
    for (field, value) in [("csrf", csrf), ("groups", groups)] {
        b.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{field}\"\r\n\r\n{value}\r\n").as_bytes(),
        );
    }
    b.extend_from_slice(
        format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"bulletins.csv\"\r\nContent-Type: text/csv\r\n\r\n")
            .as_bytes(),
    );
    b.extend_from_slice(bytes);
    b.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    b
}

/// Imports `csv` and follows the job until it is done; returns its page.
async fn import(b: &mut Browser<'_>, groups: &str, csv: &[u8]) -> Page {
    let csrf = b.get("/admin/import/bulletins").await.csrf();
    let r = b
        .post_raw(
            "/admin/import/bulletins",
            &format!("multipart/form-data; boundary={BOUNDARY}"),
            multipart(&csrf, groups, csv),
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let job = r.location.expect("the job's page");
    assert!(job.starts_with("/admin/import/bulletins/job?id="), "{job}");
    let start = std::time::Instant::now();
    loop {
        let page = b.get(&job).await;
        assert_eq!(page.status, 200, "{}", page.body);
        if !page.body.contains("http-equiv=\"refresh\"") {
            assert!(
                page.body.contains("Status: <strong>done</strong>"),
                "{}",
                page.body
            );
            return page;
        }
        assert!(start.elapsed().as_secs() < 30, "import did not finish");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

/// A bulletin's texts as stored: main language, then both languages.
fn texts(a: &Appliance, id: &str) -> String {
    sql(
        a,
        &format!(
            "SELECT title_lang || '|' || title || '|' || title_alt || '|' || description || '|' || description_alt \
             FROM bulletin WHERE id = {id}"
        ),
    )
}

/// `q` as a query value (percent-encoded UTF-8).
fn encoded(q: &str) -> String {
    q.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn exported_bulletins_import_again_with_both_languages() {
    let a = Appliance::start(&[]).expect("appliance");
    let mut cfg = password_only(&a, "", "login-attempts-per-5-minutes = 1000");
    // Exports are kept in the media store until fetched.
    cfg.storage_toml = Some("export-ttl-minutes = 60".into());
    let d = daemon(cfg);
    set_up(&d).await;
    let mut admin = Browser::new(&d);
    admin.login("admin", PASSWORD).await;
    let mut ana = new_user_as(&d, &mut admin, "ana", "analyst", PW).await;
    sql(
        &a,
        "UPDATE app_user SET permissions = '{view_simple_history,can_export}' WHERE username = 'ana'",
    );

    // A bilingual bulletin made on the page.
    let csrf = admin.get("/bulletins/new").await.csrf();
    let created = admin
        .post(
            "/bulletins",
            &[
                ("csrf", &csrf),
                ("title_ar", TITLE_AR),
                ("title_en", TITLE_EN),
                ("description_ar", DESCRIPTION_AR),
                ("description_en", DESCRIPTION_EN),
                ("groups", ""),
            ],
        )
        .await;
    assert_eq!(created.status, 303, "{}", created.body);
    let original = sql(&a, "SELECT max(id) FROM bulletin");

    // Exported as CSV: asked for by Ana, approved by the administrator
    // (four eyes), downloaded by Ana.
    let csrf = ana.get("/").await.csrf();
    let r = ana
        .post(
            "/exports",
            &[
                ("csrf", &csrf),
                ("format", "csv"),
                ("q", "Zaytoun"),
                ("status", ""),
                ("reason", "import round trip"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let export = sql(&a, "SELECT max(id) FROM export_request");
    let csrf = admin.get("/").await.csrf();
    let r = admin
        .post(
            "/exports/decide",
            &[("csrf", &csrf), ("id", &export), ("decision", "approve")],
        )
        .await;
    assert_eq!(r.location.as_deref(), Some("/exports"), "{}", r.body);
    let (status, _, csv) = ana
        .download(&format!("/exports/download?id={export}"))
        .await;
    assert_eq!(status, 200);
    assert!(
        String::from_utf8_lossy(&csv).contains(TITLE_AR),
        "{}",
        String::from_utf8_lossy(&csv)
    );

    // Imported again: one new bulletin with the same four texts.
    let created_before = audit(&a, "bulletin.created");
    let page = import(&mut admin, "", &csv).await;
    assert!(
        page.body.contains("Added: 1. Not imported: 0."),
        "{}",
        page.body
    );
    let imported = sql(&a, "SELECT max(id) FROM bulletin");
    assert_ne!(imported, original);
    assert_eq!(texts(&a, &imported), texts(&a, &original));
    assert_eq!(
        texts(&a, &imported),
        format!("ar|{TITLE_AR}|{TITLE_EN}|{DESCRIPTION_AR}|{DESCRIPTION_EN}")
    );
    // Created as on the page: unassigned, in the importer's name, revision
    // 1 in its history, in the activity log.
    assert_eq!(
        sql(
            &a,
            &format!("SELECT status || '|' || revision || '|' || u.username FROM bulletin b JOIN app_user u ON u.id = b.created_by WHERE b.id = {imported}")
        ),
        "unassigned|1|admin"
    );
    assert_eq!(
        sql(
            &a,
            &format!("SELECT revision || '|' || summary || '|' || (snapshot->>'title') || '|' || (snapshot->>'title_alt') FROM bulletin_revision WHERE bulletin_id = {imported}")
        ),
        format!("1|history-created {{}}|{TITLE_AR}|{TITLE_EN}")
    );
    assert_eq!(audit(&a, "bulletin.created"), created_before + 1);
    // The simple history (Ana's) shows the revision; the full one (the
    // administrator's) both languages in its snapshot.
    let history = ana.get(&format!("/bulletins/history?id={imported}")).await;
    assert_eq!(history.status, 200, "{}", history.body);
    assert!(
        history
            .body
            .contains("<tr><td data-label=\"Revision\"><span>1</span></td>")
            && history
                .body
                .contains("<td data-label=\"Change\"><span>created</span></td>"),
        "{}",
        history.body
    );
    let history = admin
        .get(&format!("/bulletins/history?id={imported}"))
        .await;
    for text in [TITLE_AR, TITLE_EN, "شهود عيان"] {
        assert!(history.body.contains(text), "{text}: {}", history.body);
    }
    // Found by an Arabic search (Ana's, through row-level security).
    let list = ana
        .get(&format!("/bulletins?q={}", encoded("مدرسه الزيتون")))
        .await;
    assert_eq!(list.status, 200, "{}", list.body);
    for id in [&original, &imported] {
        assert!(
            list.body.contains(&format!("/bulletins/view?id={id}\"")),
            "{id}: {}",
            list.body
        );
    }

    // A formula cell and bad rows are reported by their line (CR LF line
    // ends, as the export writes them); the good rows import.
    let mixed =
        "id,title_ar,title_en,description_ar,description_en,status,revision,updated_utc\r\n\
                 ,غارة جوية على المخبز,Airstrike on the bakery,,,unassigned,,\r\n\
                 ,,=1+2,,,,,\r\n\
                 ,عنوان,,,,archived,,\r\n\
                 ,قصير\r\n\
                 ,,,,,,,\r\n\
                 ,,Market fire,,<p>Smoke</p>,,,\r\n";
    let page = import(&mut admin, "", mixed.as_bytes()).await;
    for text in [
        "Added: 2. Not imported: 4.",
        "<td>3</td><td>title_en starts with =: spreadsheet formulas are not accepted</td>",
        "<td>4</td><td>status &quot;archived&quot; is not a status of the workflow</td>",
        "<td>5</td><td>2 fields, expected 8</td>",
        "<td>6</td><td>no title in Arabic or in English</td>",
    ] {
        assert!(page.body.contains(text), "{text}: {}", page.body);
    }
    assert_eq!(
        sql(
            &a,
            "SELECT string_agg(title, '|' ORDER BY id) FROM bulletin WHERE title IN ('غارة جوية على المخبز', 'Market fire', '=1+2', 'عنوان')"
        ),
        "غارة جوية على المخبز|Market fire"
    );
    // The same job's page in Arabic.
    sql(
        &a,
        "UPDATE app_user SET language = 'ar' WHERE username = 'admin'",
    );
    let job = sql(&a, "SELECT max(id) FROM import_job");
    let arabic = admin
        .get(&format!("/admin/import/bulletins/job?id={job}"))
        .await;
    assert!(
        arabic.body.contains("لا عنوان بالعربية ولا بالإنجليزية"),
        "{}",
        arabic.body
    );
    sql(
        &a,
        "UPDATE app_user SET language = NULL WHERE username = 'admin'",
    );

    // Arabic-only rows, saved with a byte-order mark, restricted to an
    // access group Ana is not in.
    let arabic_only =
        "\u{feff}id,title_ar,title_en,description_ar,description_en,status,revision,updated_utc\n\
                       ,اعتقال تعسفي في حمص,,<p>روايات الأهالي</p>,,,,\n\
                       ,تهجير قسري من داريا,,,,,,\n";
    let page = import(&mut admin, "team-x", arabic_only.as_bytes()).await;
    assert!(
        page.body.contains("Added: 2. Not imported: 0."),
        "{}",
        page.body
    );
    assert_eq!(
        sql(
            &a,
            "SELECT string_agg(title_lang || '|' || title || '|' || title_alt || '|' || description || '|' || array_to_string(access_groups, ','), ' ; ' ORDER BY id) \
             FROM bulletin WHERE title IN ('اعتقال تعسفي في حمص', 'تهجير قسري من داريا')"
        ),
        "ar|اعتقال تعسفي في حمص||<p>روايات الأهالي</p>|team-x ; ar|تهجير قسري من داريا|||team-x"
    );
    let hidden = ana.get(&format!("/bulletins?q={}", encoded("حمص"))).await;
    assert_eq!(hidden.status, 200, "{}", hidden.body);
    assert!(!hidden.body.contains("اعتقال تعسفي"), "{}", hidden.body);
    let seen = admin.get(&format!("/bulletins?q={}", encoded("حمص"))).await;
    assert!(seen.body.contains("اعتقال تعسفي"), "{}", seen.body);

    // A file that is not in the export's format is refused whole.
    let csrf = admin.get("/admin/import/bulletins").await.csrf();
    let r = admin
        .post_raw(
            "/admin/import/bulletins",
            &format!("multipart/form-data; boundary={BOUNDARY}"),
            multipart(&csrf, "", b"title,description\nx,y\n"),
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(
        r.body.contains("must be exactly: id,title_ar,title_en,description_ar,description_en,status,revision,updated_utc"),
        "{}",
        r.body
    );

    // Only administrators, with a recent password; every job audited.
    assert_eq!(ana.get("/admin/import/bulletins").await.status, 403);
    assert_eq!(
        ana.get(&format!("/admin/import/bulletins/job?id={job}"))
            .await
            .status,
        403
    );
    assert_eq!(
        sql(
            &a,
            "SELECT count(*) FROM audit_log WHERE action = 'import.finished' AND details->>'kind' = 'bulletins'"
        ),
        "3"
    );
    age_sign_in(&a, "admin");
    assert_eq!(
        admin
            .get("/admin/import/bulletins")
            .await
            .location
            .as_deref(),
        Some("/reauth?next=/admin/import/bulletins")
    );
}
