//! CSV import of labels, sources and locations: administrators with
//! step-up; each refused row reported with its line and reason; duplicates
//! refused; progress shown until done; start and outcome audited.

mod common;

use common::daemon;
use common::web::*;
use custodian_harness::Appliance;

const BOUNDARY: &str = "custodian-import-boundary-3b9e";

fn multipart(csrf: &str, kind: &str, name: &str, bytes: &[u8]) -> Vec<u8> {
    let mut b = Vec::new();
    for (field, value) in [("csrf", csrf), ("kind", kind)] {
        b.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{field}\"\r\n\r\n{value}\r\n").as_bytes(),
        );
    }
    b.extend_from_slice(
        format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: text/csv\r\n\r\n")
            .as_bytes(),
    );
    b.extend_from_slice(bytes);
    b.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    b
}

async fn import(b: &mut Browser<'_>, kind: &str, csv: &str) -> Page {
    let csrf = b.get("/admin/import").await.csrf();
    b.post_raw(
        "/admin/import",
        &format!("multipart/form-data; boundary={BOUNDARY}"),
        multipart(&csrf, kind, "data.csv", csv.as_bytes()),
    )
    .await
}

/// Follows the job page until the import is done; returns the page.
async fn finished(b: &mut Browser<'_>, location: &str) -> Page {
    let start = std::time::Instant::now();
    loop {
        let page = b.get(location).await;
        if !page.body.contains("http-equiv=\"refresh\"") {
            return page;
        }
        assert!(start.elapsed().as_secs() < 30, "import did not finish");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn rows_are_checked_reported_and_imported_by_administrators_only() {
    let a = Appliance::start(&[]).expect("appliance");
    let d = daemon(password_only(&a, "", "login-attempts-per-5-minutes = 1000"));
    let (mut admin, mut ana) = admin_and_analyst(&d).await;

    let mut csv = String::from("title,latitude,longitude,country_code\n");
    csv.push_str("Aleppo,36.2,37.15,SY\n=cmd|' /C calc'!A0,1,1,SY\nNowhere,91,0,\nHoms,34.7,36.7,SY\n<b>Idlib</b>,35.9,36.6,\n");
    for i in 0..500 {
        csv.push_str(&format!("Village {i},35.{i},36.{i},SY\n"));
    }
    let r = import(&mut admin, "locations", &csv).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let job = r.location.expect("job page");
    let page = finished(&mut admin, &job).await;
    assert!(
        page.body.contains("Status: <strong>done</strong>"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("Added: 503. Not imported: 2."),
        "{}",
        page.body
    );
    assert!(
        page.body.contains(
            "<td>3</td><td>title starts with =: spreadsheet formulas are not accepted</td>"
        ),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("<td>4</td><td>latitude 91 is outside -90 to 90</td>"),
        "{}",
        page.body
    );
    assert_eq!(
        a.pg.psql("custodian", "SELECT count(*) FROM location")
            .expect("n"),
        "503"
    );
    // Titles come back escaped.
    let list = admin.get("/reference?kind=locations").await;
    assert!(list.body.contains("&lt;b&gt;Idlib&lt;/b&gt;"));
    // The same file again: every row already exists.
    let r = import(&mut admin, "locations", &csv).await;
    let page = finished(&mut admin, &r.location.expect("job")).await;
    assert!(
        page.body.contains("Added: 0. Not imported: 505."),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("&quot;Aleppo&quot; already exists"),
        "{}",
        page.body
    );
    // A wrong header is refused as a whole, saying what is expected.
    let r = import(&mut admin, "labels", "name,notes\nx,y\n").await;
    assert_eq!(r.status, 400);
    assert!(
        r.body
            .contains("must be exactly: title_ar,title_en,description"),
        "{}",
        r.body
    );
    let r = import(
        &mut admin,
        "sources",
        "title,url\nCourt records,https://court.example\nBad,javascript:alert(1)\n",
    )
    .await;
    let page = finished(&mut admin, &r.location.expect("job")).await;
    assert!(
        page.body.contains("Added: 1. Not imported: 1."),
        "{}",
        page.body
    );
    // Only administrators, with a recent password.
    assert_eq!(ana.get("/admin/import").await.status, 403);
    assert_eq!(ana.get("/reference?kind=sources").await.status, 200);
    age_sign_in(&a, "admin");
    assert_eq!(
        admin.get("/admin/import").await.location.as_deref(),
        Some("/reauth?next=/admin/import")
    );
    assert_eq!(audit(&a, "import.started"), 3);
    assert_eq!(audit(&a, "import.finished"), 3);
}
