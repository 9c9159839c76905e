//! Bilingual reference data (issue 16): an event type added on its page,
//! labels, sources and locations imported from CSV, each named in Arabic
//! and in English; the record page names them in the reader's language
//! with the other beside it; the type-ahead pickers find either name,
//! Arabic folded as search folds it; the CSV import reads both columns
//! (and the old one-title header) and Arabic. One server for every case.

mod common;

use common::daemon;
use common::web::*;
use custodian_harness::Appliance;

const BOUNDARY: &str = "custodian-refdata-boundary-71c2";

fn sql(a: &Appliance, q: &str) -> String {
    a.pg.psql("custodian", q).expect("sql").trim().to_owned()
}

async fn import(b: &mut Browser<'_>, kind: &str, csv: &str) {
    let csrf = b.get("/admin/import").await.csrf();
    let mut body = Vec::new();
    for (field, value) in [("csrf", csrf.as_str()), ("kind", kind)] {
        body.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{field}\"\r\n\r\n{value}\r\n").as_bytes(),
        );
    }
    body.extend_from_slice(
        format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{kind}.csv\"\r\nContent-Type: text/csv\r\n\r\n")
            .as_bytes(),
    );
    body.extend_from_slice(csv.as_bytes());
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    let r = b
        .post_raw(
            "/admin/import",
            &format!("multipart/form-data; boundary={BOUNDARY}"),
            body,
        )
        .await;
    assert_eq!(r.status, 303, "{kind}: {}", r.body);
    let job = r.location.expect("the job's page");
    let start = std::time::Instant::now();
    loop {
        let page = b.get(&job).await;
        if !page.body.contains("http-equiv=\"refresh\"") {
            assert!(
                page.body.contains("Not imported: 0."),
                "{kind}: {}",
                page.body
            );
            return;
        }
        assert!(start.elapsed().as_secs() < 30, "import did not finish");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
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

fn before(page: &str, first: &str, second: &str) -> bool {
    match (page.find(first), page.find(second)) {
        (Some(f), Some(s)) => f < s,
        _ => false,
    }
}

/// Each name with diacritics, a hamza on alef, ta marbuta or alef
/// maqsura: what the pickers must find spelled plainly.
const TYPE_AR: &str = "إِصابةٌ بالغة";
const LABEL_AR: &str = "غارةٌ جوّيّة";
const SOURCE_AR: &str = "شهادةٌ مُوَثَّقة";
const PLACE_AR: &str = "مُستشفى الأمل";

#[tokio::test]
async fn reference_data_has_both_names_shown_found_and_imported() {
    let a = Appliance::start(&[]).expect("appliance");
    let d = daemon(password_only(&a, "", "login-attempts-per-5-minutes = 1000"));
    let (mut admin, mut ana) = admin_and_analyst(&d).await;

    // The event type's form, in Arabic: the Arabic name's field first.
    sql(
        &a,
        "UPDATE app_user SET language = 'ar' WHERE username = 'admin'",
    );
    let form = admin.get("/admin/event-types").await;
    assert!(
        before(&form.body, "name=\"title_ar\"", "name=\"title_en\""),
        "{}",
        form.body
    );
    let csrf = form.csrf();
    let added = admin
        .post(
            "/admin/event-types",
            &[
                ("csrf", csrf.as_str()),
                ("action", "add"),
                ("title_ar", TYPE_AR),
                ("title_en", "Serious injury"),
                ("description", ""),
            ],
        )
        .await;
    assert_eq!(added.status, 303, "{}", added.body);
    assert_eq!(
        sql(
            &a,
            "SELECT title_lang || '|' || title || '|' || title_alt FROM event_type WHERE title_alt = 'Serious injury'"
        ),
        format!("ar|{TYPE_AR}|Serious injury")
    );
    // The English name of another type is taken: refused.
    let csrf = admin.get("/admin/event-types").await.csrf();
    let taken = admin
        .post(
            "/admin/event-types",
            &[
                ("csrf", csrf.as_str()),
                ("action", "add"),
                ("title_ar", "جديد"),
                ("title_en", "SERIOUS injury"),
            ],
        )
        .await;
    assert_eq!(taken.status, 400, "{}", taken.body);
    let page = admin.get("/admin/event-types").await;
    assert!(
        page.body.contains(&format!(
            "<bdi lang=\"ar\">{TYPE_AR}</bdi> · <bdi lang=\"en\">Serious injury</bdi>"
        )),
        "{}",
        page.body
    );
    // The ten types of 0013 are English, read from their script.
    assert_eq!(
        sql(
            &a,
            "SELECT title_lang FROM event_type WHERE title = 'Shelling'"
        ),
        "en"
    );

    sql(
        &a,
        "UPDATE app_user SET language = 'en' WHERE username = 'admin'",
    );

    // Labels, sources and locations from CSV: both names, Arabic text,
    // Arabic-Indic digits, a byte-order mark; and a file with the one
    // `title` of before, read in its script's language.
    import(
        &mut admin,
        "labels",
        &format!("title_ar,title_en,description\n{LABEL_AR},Airstrike,من الجو\n,English only,\n"),
    )
    .await;
    import(
        &mut admin,
        "sources",
        &format!("\u{feff}title_ar,title_en,url\n\"{SOURCE_AR}\",Documented testimony,https://example.org/t\n"),
    )
    .await;
    import(
        &mut admin,
        "locations",
        &format!("title_ar,title_en,latitude,longitude,country_code\n{PLACE_AR},Al-Amal hospital,٣٦٫٢,37.15,SY\n"),
    )
    .await;
    import(
        &mut admin,
        "labels",
        "title,description\nقصف,\nCluster munitions,\n",
    )
    .await;
    assert_eq!(
        sql(
            &a,
            "SELECT string_agg(title_lang || '|' || title || '|' || title_alt, ';' ORDER BY id) FROM label"
        ),
        format!("ar|{LABEL_AR}|Airstrike;en|English only|;ar|قصف|;en|Cluster munitions|")
    );
    assert_eq!(
        sql(
            &a,
            "SELECT title || '|' || title_alt || '|' || latitude FROM location"
        ),
        format!("{PLACE_AR}|Al-Amal hospital|36.2")
    );
    // The list has a column for each language, whichever is the main one.
    let list = admin.get("/reference?kind=labels").await;
    for cells in [
        format!("<bdi lang=\"ar\">{LABEL_AR}</bdi></td><td data-label=\"name in English\"><bdi lang=\"en\">Airstrike</bdi>"),
        "<bdi lang=\"ar\"></bdi></td><td data-label=\"name in English\"><bdi lang=\"en\">English only</bdi>".to_owned(),
    ] {
        assert!(list.body.contains(&cells), "{cells}: {}", list.body);
    }

    // On a record: attached, and an event of the new type at the place.
    let csrf = admin.get("/bulletins/new").await.csrf();
    let created = admin
        .post(
            "/bulletins",
            &[
                ("csrf", csrf.as_str()),
                ("title_en", "Night of the raid"),
                ("groups", ""),
            ],
        )
        .await;
    assert_eq!(created.status, 303, "{}", created.body);
    let id = created
        .location
        .as_deref()
        .and_then(|l| l.split("id=").nth(1))
        .expect("the record's address")
        .to_owned();
    let label = sql(&a, "SELECT id FROM label WHERE title_alt = 'Airstrike'");
    let source = sql(&a, "SELECT id FROM source");
    let place = sql(&a, "SELECT id FROM location");
    let injury = sql(
        &a,
        "SELECT id FROM event_type WHERE title_alt = 'Serious injury'",
    );
    let links: [&[(&str, &str)]; 4] = [
        &[("what", "label"), ("ref_id", &label)],
        &[("what", "source"), ("ref_id", &source)],
        &[("what", "location"), ("ref_id", &place)],
        &[
            ("what", "event"),
            ("event_type", &injury),
            ("location", &place),
            ("from", "2024-03-01"),
        ],
    ];
    for fields in links {
        let csrf = admin.get("/account/password").await.csrf();
        let mut all = vec![("csrf", csrf.as_str()), ("id", id.as_str())];
        all.extend_from_slice(fields);
        let r = admin.post("/bulletins/links", &all).await;
        assert_eq!(r.status, 303, "{fields:?}: {}", r.body);
    }

    // In Arabic: each Arabic name, the English beside it.
    sql(
        &a,
        "UPDATE app_user SET language = 'ar' WHERE username = 'admin'",
    );
    let page = admin.get(&format!("/bulletins/view?id={id}")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    for (ar, en) in [
        (LABEL_AR, "Airstrike"),
        (SOURCE_AR, "Documented testimony"),
        (PLACE_AR, "Al-Amal hospital"),
        (TYPE_AR, "Serious injury"),
    ] {
        let shown = format!("<bdi lang=\"ar\">{ar}</bdi> · <bdi lang=\"en\">{en}</bdi>");
        assert!(page.body.contains(&shown), "{shown}: {}", page.body);
    }
    // The record page's lists offer the Arabic name first.
    assert!(
        page.body.contains(&format!(
            "lang=\"ar\" dir=\"auto\">{LABEL_AR} · Airstrike</option>"
        )),
        "{}",
        page.body
    );
    // In English: the English first, the Arabic beside it; a name with no
    // English is shown in Arabic.
    sql(
        &a,
        "UPDATE app_user SET language = 'en' WHERE username = 'admin'",
    );
    let page = admin.get(&format!("/bulletins/view?id={id}")).await;
    let shown = format!("<bdi lang=\"en\">Airstrike</bdi> · <bdi lang=\"ar\">{LABEL_AR}</bdi>");
    assert!(page.body.contains(&shown), "{}", page.body);
    assert!(
        page.body.contains("lang=\"ar\" dir=\"auto\">قصف</option>"),
        "{}",
        page.body
    );

    // The pickers: Arabic spelled plainly (no diacritics, bare alef, ha
    // for ta marbuta, ya for alef maqsura) or English, either name.
    for (what, q, id) in [
        ("label", "غاره جويه", &label),
        ("label", "AIRSTR", &label),
        ("source", "شهاده موثقه", &source),
        ("source", "testimony", &source),
        ("location", "مستشفي الامل", &place),
        ("location", "amal", &place),
        ("event_type", "اصابه", &injury),
        ("event_type", "injury", &injury),
    ] {
        let found = ana
            .get(&format!("/pickers?what={what}&q={}", encoded(q)))
            .await;
        assert_eq!(found.status, 200, "{}", found.body);
        let v: serde_json::Value = serde_json::from_str(&found.body).expect("json");
        let ids: Vec<String> = v
            .as_array()
            .expect("a list")
            .iter()
            .map(|e| e["id"].to_string())
            .collect();
        assert_eq!(ids, [id.as_str()], "{what} {q}: {v}");
    }
    let v: serde_json::Value = serde_json::from_str(
        &ana.get(&format!("/pickers?what=label&q={}", encoded("جوي")))
            .await
            .body,
    )
    .expect("json");
    assert_eq!(v[0]["title"], format!("Airstrike · {LABEL_AR}"), "{v}");
    assert_eq!(v[0]["lang"], "en", "{v}");
    assert_eq!(v[0]["title_ar"], LABEL_AR, "{v}");
    assert_eq!(v[0]["title_en"], "Airstrike", "{v}");
    // Nothing else matches what was typed.
    let none = ana
        .get(&format!("/pickers?what=label&q={}", encoded("مدرسة")))
        .await;
    assert_eq!(none.body, "[]");

    // The record list filtered by a label's Arabic name finds the record.
    let filtered = ana
        .get(&format!("/bulletins?label={}", encoded(LABEL_AR)))
        .await;
    assert_eq!(filtered.status, 200, "{}", filtered.body);
    assert!(
        filtered
            .body
            .contains(&format!("/bulletins/view?id={id}\"")),
        "{}",
        filtered.body
    );
}
