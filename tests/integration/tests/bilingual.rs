//! Bilingual records (issue 16): a record's Arabic and English title and
//! description go through create, edit, the record page (the interface's
//! language first, each text marked with its `lang` and `dir="auto"`),
//! the history, CSV and JSON exports; search and the type-ahead pickers
//! find either language, Arabic folded. One server for every case.

mod common;

use common::daemon;
use common::web::*;
use custodian_harness::Appliance;

const PW: &str = "granite orchard whispers twice";

fn sql(a: &Appliance, q: &str) -> String {
    a.pg.psql("custodian", q).expect("sql").trim().to_owned()
}

/// Posts the record form of `kind` (`/bulletins`, `/actors`); `id` edits.
async fn save(b: &mut Browser<'_>, kind: &str, id: Option<&str>, fields: &[(&str, &str)]) -> Page {
    let csrf = b.get(&format!("{kind}/new")).await.csrf();
    let mut form = vec![("csrf", csrf.as_str())];
    let path = match id {
        Some(id) => {
            form.push(("id", id));
            format!("{kind}/edit")
        }
        None => kind.to_owned(),
    };
    form.extend_from_slice(fields);
    b.post(&path, &form).await
}

fn id_of(created: &Page) -> String {
    assert_eq!(created.status, 303, "{}", created.body);
    created
        .location
        .as_deref()
        .and_then(|l| l.split("id=").nth(1))
        .expect("a record's address")
        .to_owned()
}

fn before(page: &str, first: &str, second: &str) -> bool {
    match (page.find(first), page.find(second)) {
        (Some(f), Some(s)) => f < s,
        _ => false,
    }
}

const TITLE_EN: &str = "Shelling of Al-Amal hospital";
const DESCRIPTION_EN: &str = "<p>Witnesses at the gate.</p>";
// Diacritics, hamza on alef, alef maqsura, ta marbuta and tatweel: each
// of them folded away by the search.
const TITLE_AR: &str = "قَصْفُ مُسْتَشْفَى الأَمَل";
const DESCRIPTION_AR: &str = "<p>شهـود عند البوابة الرئيسية</p>";

#[tokio::test]
async fn both_languages_round_trip_and_are_found() {
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

    // Created in English only, then given its Arabic text: English stays
    // the main language and the Arabic is the other one (the alt columns).
    let id = id_of(
        &save(
            &mut admin,
            "/bulletins",
            None,
            &[
                ("title_ar", ""),
                ("title_en", TITLE_EN),
                ("description_ar", ""),
                ("description_en", DESCRIPTION_EN),
                ("groups", ""),
            ],
        )
        .await,
    );
    let edited = save(
        &mut admin,
        "/bulletins",
        Some(&id),
        &[
            ("title_ar", TITLE_AR),
            ("title_en", TITLE_EN),
            ("description_ar", DESCRIPTION_AR),
            ("description_en", DESCRIPTION_EN),
            ("groups", ""),
        ],
    )
    .await;
    assert_eq!(edited.status, 303, "{}", edited.body);
    assert_eq!(
        sql(
            &a,
            &format!(
                "SELECT title_lang || '|' || title || '|' || title_alt || '|' || description_alt FROM bulletin WHERE id = {id}"
            )
        ),
        format!("en|{TITLE_EN}|{TITLE_AR}|{DESCRIPTION_AR}")
    );

    // The page in English: English first, Arabic beside it, each marked.
    let page = admin.get(&format!("/bulletins/view?id={id}")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let h1_en = format!("<h1 dir=\"auto\" lang=\"en\">{TITLE_EN}</h1>");
    let alt_ar = format!("<span dir=\"auto\" lang=\"ar\">{TITLE_AR}</span>");
    let desc_en =
        format!("<div class=\"description\" dir=\"auto\" lang=\"en\">{DESCRIPTION_EN}</div>");
    let desc_ar =
        format!("<div class=\"description\" dir=\"auto\" lang=\"ar\">{DESCRIPTION_AR}</div>");
    assert!(before(&page.body, &h1_en, &alt_ar), "{}", page.body);
    assert!(before(&page.body, &desc_en, &desc_ar), "{}", page.body);
    assert!(page.body.contains("In Arabic"), "{}", page.body);
    // In Arabic: the Arabic first.
    sql(
        &a,
        "UPDATE app_user SET language = 'ar' WHERE username = 'admin'",
    );
    let page = admin.get(&format!("/bulletins/view?id={id}")).await;
    let h1_ar = format!("<h1 dir=\"auto\" lang=\"ar\">{TITLE_AR}</h1>");
    let alt_en = format!("<span dir=\"auto\" lang=\"en\">{TITLE_EN}</span>");
    assert!(before(&page.body, &h1_ar, &alt_en), "{}", page.body);
    assert!(before(&page.body, &desc_ar, &desc_en), "{}", page.body);
    assert!(page.body.contains("بالإنجليزية"), "{}", page.body);
    // The edit form shows each language in its own field, the
    // interface's first.
    let form = admin.get(&format!("/bulletins/edit?id={id}")).await;
    let (ar_field, en_field) = (
        format!(
            "name=\"title_ar\" maxlength=\"300\" dir=\"auto\" lang=\"ar\" value=\"{TITLE_AR}\""
        ),
        format!(
            "name=\"title_en\" maxlength=\"300\" dir=\"auto\" lang=\"en\" value=\"{TITLE_EN}\""
        ),
    );
    assert!(before(&form.body, &ar_field, &en_field), "{}", form.body);
    sql(
        &a,
        "UPDATE app_user SET language = NULL WHERE username = 'admin'",
    );

    // The history keeps both languages in every snapshot.
    let history = admin.get(&format!("/bulletins/history?id={id}")).await;
    assert_eq!(history.status, 200, "{}", history.body);
    for text in [
        // One field a line, each text in its own direction.
        "<dt><code dir=\"ltr\">title_alt</code></dt><dd dir=\"auto\">قَصْفُ",
        "<dt><code dir=\"ltr\">title_lang</code></dt><dd dir=\"auto\">en</dd>",
        "شهـود",
    ] {
        assert!(history.body.contains(text), "{text}: {}", history.body);
    }
    assert_eq!(
        sql(
            &a,
            &format!(
                "SELECT string_agg(snapshot->>'title_alt', '|' ORDER BY revision) FROM bulletin_revision WHERE bulletin_id = {id}"
            )
        ),
        format!("|{TITLE_AR}")
    );

    // No English left on an Arabic history: each change is stored as its
    // message's key and worded for the reader, each time is on the
    // reader's clock (UTC on hover); a change an older release recorded
    // in English is still shown as it was stored.
    sql(
        &a,
        &format!(
            "UPDATE app_user SET language = 'ar', time_zone = 'Asia/Riyadh' WHERE username = 'admin'; \
             INSERT INTO bulletin_revision (bulletin_id, revision, editor, summary, snapshot) \
             SELECT {id}, max(revision) + 1, min(editor), 'merged by hand', '{{}}' FROM bulletin_revision WHERE bulletin_id = {id}"
        ),
    );
    assert_eq!(
        sql(
            &a,
            &format!(
                "SELECT summary FROM bulletin_revision WHERE bulletin_id = {id} AND revision = 1"
            )
        ),
        "history-created {}"
    );
    let history = admin.get(&format!("/bulletins/history?id={id}")).await.body;
    for text in [
        "<span>أُنشئ</span></td>",
        "<span>عُدّل</span></td>",
        "<bdi>merged by hand</bdi>",
        " +03:00</time>",
        " UTC\" dir=\"ltr\">",
    ] {
        assert!(history.contains(text), "{text}: {history}");
    }
    for english in [">created<", ">edited<", "history-"] {
        assert!(!history.contains(english), "{english}: {history}");
    }
    let page = admin.get(&format!("/bulletins/view?id={id}")).await.body;
    assert!(page.contains(" +03:00</time>"), "{page}");
    sql(
        &a,
        "UPDATE app_user SET language = NULL, time_zone = NULL WHERE username = 'admin'",
    );

    // Search in Arabic spelled without diacritics, with bare alef, ya for
    // alef maqsura, ha for ta marbuta, no tatweel: found though the Arabic
    // is only in the other-language columns.
    let other = id_of(
        &save(
            &mut admin,
            "/bulletins",
            None,
            &[("title_en", "Unrelated"), ("groups", "")],
        )
        .await,
    );
    for q in ["مستشفي الامل", "قصف", "شهود البوابه"] {
        let list = ana.get(&format!("/bulletins?q={}", urlencoding(q))).await;
        assert_eq!(list.status, 200, "{}", list.body);
        assert!(
            list.body.contains(&format!("/bulletins/view?id={id}\"")),
            "{q}: {}",
            list.body
        );
        assert!(
            !list.body.contains(&format!("/bulletins/view?id={other}\"")),
            "{q}: {}",
            list.body
        );
    }
    // The English main text is found as before.
    let list = ana.get("/bulletins?q=hospital").await;
    assert!(
        list.body.contains(&format!("/bulletins/view?id={id}\"")),
        "{}",
        list.body
    );

    // An edit that empties the main language keeps the other as main.
    let swapped = id_of(
        &save(
            &mut admin,
            "/bulletins",
            None,
            &[
                ("title_ar", "غارة"),
                ("title_en", "Airstrike"),
                ("groups", ""),
            ],
        )
        .await,
    );
    assert_eq!(
        sql(&a, &format!("SELECT title_lang || '|' || title || '|' || title_alt FROM bulletin WHERE id = {swapped}")),
        "ar|غارة|Airstrike"
    );
    let r = save(
        &mut admin,
        "/bulletins",
        Some(&swapped),
        &[("title_ar", ""), ("title_en", "Airstrike"), ("groups", "")],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(
        sql(&a, &format!("SELECT title_lang || '|' || title || '|' || title_alt FROM bulletin WHERE id = {swapped}")),
        "en|Airstrike|"
    );
    // Neither title: refused, and told how to put it right.
    let r = save(
        &mut admin,
        "/bulletins",
        None,
        &[("title_ar", " "), ("title_en", ""), ("groups", "")],
    )
    .await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(
        r.body.contains("Give it in Arabic, in English or both."),
        "{}",
        r.body
    );

    // An actor's Arabic name (the other language) found by the picker,
    // typed folded and as a prefix.
    let actor = id_of(
        &save(
            &mut admin,
            "/actors",
            None,
            &[
                ("title_en", "Ahmad Khalil"),
                ("type", "person"),
                ("groups", ""),
            ],
        )
        .await,
    );
    let r = save(
        &mut admin,
        "/actors",
        Some(&actor),
        &[
            ("title_ar", "أحمد خليل"),
            ("title_en", "Ahmad Khalil"),
            ("type", "person"),
            ("groups", ""),
        ],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.body);
    for q in ["احمد", "خلي", "ahmad"] {
        let found = ana
            .get(&format!("/pickers?what=actor&q={}", urlencoding(q)))
            .await;
        assert_eq!(found.status, 200, "{}", found.body);
        let v: serde_json::Value = serde_json::from_str(&found.body).expect("json");
        assert_eq!(v[0]["id"].to_string(), actor, "{q}: {v}");
        assert_eq!(v[0]["title"], "Ahmad Khalil · أحمد خليل", "{q}: {v}");
    }

    // Exports keep both languages, each in its own column.
    for format in ["csv", "json"] {
        let csrf = ana.get("/").await.csrf();
        let r = ana
            .post(
                "/exports",
                &[
                    ("csrf", &csrf),
                    ("format", format),
                    ("q", "hospital"),
                    ("status", ""),
                    ("reason", "bilingual check"),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let export = sql(
            &a,
            &format!("SELECT max(id) FROM export_request WHERE format = '{format}'"),
        );
        let csrf = admin.get("/").await.csrf();
        let r = admin
            .post(
                "/exports/decide",
                &[("csrf", &csrf), ("id", &export), ("decision", "approve")],
            )
            .await;
        assert_eq!(r.location.as_deref(), Some("/exports"), "{}", r.body);
        let (status, _, body) = ana
            .download(&format!("/exports/download?id={export}"))
            .await;
        assert_eq!(status, 200);
        let text = String::from_utf8(body).expect("utf-8");
        if format == "csv" {
            let mut lines = text.split("\r\n");
            assert_eq!(
                lines.next(),
                Some("id,title_ar,title_en,description_ar,description_en,status,revision,updated_utc")
            );
            let row = lines.next().unwrap_or_default();
            assert!(
                row.starts_with(&format!(
                    "{id},\"{TITLE_AR}\",\"{TITLE_EN}\",\"{DESCRIPTION_AR}\",\"{DESCRIPTION_EN}\","
                )),
                "{text}"
            );
        } else {
            let v: serde_json::Value = serde_json::from_str(&text).expect("json");
            let item = &v["bulletins"][0];
            assert_eq!(item["title_ar"], TITLE_AR, "{v}");
            assert_eq!(item["title_en"], TITLE_EN, "{v}");
            assert_eq!(item["description_ar"], DESCRIPTION_AR, "{v}");
            assert_eq!(item["description_en"], DESCRIPTION_EN, "{v}");
        }
    }
}

/// `q` as a query value (percent-encoded UTF-8).
fn urlencoding(q: &str) -> String {
    q.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
