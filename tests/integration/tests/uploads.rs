//! Evidence files over HTTPS: the type decided from the bytes, a corpus of
//! hostile uploads all refused with nothing left on disk, encryption at
//! rest, SHA-256 for the chain of custody, downloads as sandboxed
//! attachments only for those who may see the bulletin, and the sweep of
//! orphaned uploads.

mod common;

use std::path::Path;

use common::daemon;
use common::web::*;
use custodian_harness::{Appliance, Daemon};

const PW: &str = "granite orchard whispers twice";
const BOUNDARY: &str = "custodian-test-boundary-7d1f";

fn png(padding: usize) -> Vec<u8> {
    let mut v = vec![
        0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d,
    ];
    v.extend_from_slice(b"IHDR");
    v.extend_from_slice(&[
        0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0, 0x90, 0x77, 0x53, 0xde,
    ]);
    v.extend((0..padding).map(|i| (i % 251) as u8));
    v.extend_from_slice(&[0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]);
    v
}

fn jpeg(padding: usize) -> Vec<u8> {
    let mut v = vec![0xff, 0xd8, 0xff, 0xe0, 0, 0x10];
    v.extend_from_slice(b"JFIF\0");
    v.extend((0..padding).map(|i| (i % 251) as u8));
    v.extend_from_slice(&[0xff, 0xd9]);
    v
}

/// A multipart body: csrf and id first, then the file.
fn multipart(csrf: &str, id: &str, name: &str, declared: &str, bytes: &[u8]) -> Vec<u8> {
    let mut b = Vec::new();
    for (field, value) in [("csrf", csrf), ("id", id)] {
        b.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{field}\"\r\n\r\n{value}\r\n")
                .as_bytes(),
        );
    }
    b.extend_from_slice(
        format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: {declared}\r\n\r\n"
        )
        .as_bytes(),
    );
    b.extend_from_slice(bytes);
    b.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    b
}

async fn upload(b: &mut Browser<'_>, id: &str, name: &str, declared: &str, bytes: &[u8]) -> Page {
    let csrf = b.get("/").await.csrf();
    b.post_raw(
        "/bulletins/media",
        &format!("multipart/form-data; boundary={BOUNDARY}"),
        multipart(&csrf, id, name, declared, bytes),
    )
    .await
}

fn files_in(dir: &Path) -> usize {
    std::fs::read_dir(dir).map(|d| d.count()).unwrap_or(0)
}

fn sql(a: &Appliance, q: &str) -> String {
    a.pg.psql("custodian", q).expect("sql")
}

struct Stage<'a> {
    admin: Browser<'a>,
    ana: Browser<'a>,
    ben: Browser<'a>,
    rita: Browser<'a>,
    bulletin: String,
}

/// Ana (analyst) has bulletin `bulletin` assigned to her.
async fn stage<'a>(a: &Appliance, d: &'a Daemon) -> Stage<'a> {
    set_up(d).await;
    let mut admin = Browser::new(d);
    admin.login("admin", PASSWORD).await;
    let mut ana = new_user_as(d, &mut admin, "ana", "analyst", PW).await;
    let ben = new_user_as(d, &mut admin, "ben", "analyst", PW).await;
    let rita = new_user_as(d, &mut admin, "rita", "readonly", PW).await;
    let csrf = ana.get("/bulletins/new").await.csrf();
    let r = ana
        .post(
            "/bulletins",
            &[
                ("csrf", &csrf),
                ("title", "Checkpoint footage"),
                ("description", ""),
                ("groups", ""),
            ],
        )
        .await;
    let bulletin = r
        .location
        .expect("created")
        .rsplit('=')
        .next()
        .expect("id")
        .to_owned();
    let r = ana
        .post(
            "/bulletins/workflow",
            &[
                ("csrf", &csrf),
                ("id", &bulletin),
                ("step", "self-assign"),
                ("user", ""),
            ],
        )
        .await;
    assert_eq!(r.status, 303);
    let _ = a;
    Stage {
        admin,
        ana,
        ben,
        rita,
        bulletin,
    }
}

fn daemon_with_storage(a: &Appliance, storage: &str) -> Daemon {
    let mut cfg = password_only(a, "", "login-attempts-per-5-minutes = 1000");
    cfg.storage_toml = Some(storage.into());
    daemon(cfg)
}

#[tokio::test]
async fn accepted_files_are_encrypted_hashed_and_served_as_sandboxed_attachments() {
    let a = Appliance::start(&[]).expect("appliance");
    let d = daemon_with_storage(&a, "max-upload-bytes = 1048576");
    let mut s = stage(&a, &d).await;
    let photo = png(5000);
    let r = upload(
        &mut s.ana,
        &s.bulletin,
        "../../etc/Photo 1.PNG",
        "image/png",
        &photo,
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let sha = {
        use std::fmt::Write;
        let digest = <sha2::Sha256 as sha2::Digest>::digest(&photo);
        digest.iter().fold(String::new(), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
    };
    let page = s
        .ana
        .get(&format!("/bulletins/view?id={}", s.bulletin))
        .await;
    assert!(
        page.body.contains(&sha),
        "the SHA-256 is shown: {}",
        page.body
    );
    assert!(page.body.contains("Photo 1.PNG") && !page.body.contains("../"));
    assert_eq!(
        sql(
            &a,
            "SELECT sha256 || ' ' || mime || ' ' || size_bytes FROM media"
        ),
        format!("{sha} image/png {}", photo.len())
    );
    // At rest: one object, named at random (not by the hash: the disk
    // alone must not confirm that a known file is held), nothing readable.
    let objects = d.storage_dir().join("objects");
    let names: Vec<String> = std::fs::read_dir(&objects)
        .expect("objects")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 1);
    assert!(!names[0].contains(&sha), "object named by its hash");
    let stored = std::fs::read(objects.join(&names[0])).expect("object");
    assert!(
        !stored.windows(4).any(|w| w == b"IHDR"),
        "plaintext at rest"
    );
    // The per-file key is kept only wrapped by Vault transit, under the
    // media key and bound to this file: the context of another file (or
    // an export's key) does not unwrap it.
    let wrapped = sql(&a, "SELECT wrapped_key FROM media");
    let ciphertext = wrapped
        .strip_prefix("custodian-media:")
        .unwrap_or_else(|| panic!("not wrapped for media: {wrapped}"));
    let unwrap_with = |key: &str, context: &str| {
        use base64::Engine as _;
        a.bao
            .api(
                "POST",
                &format!("/v1/transit/decrypt/{key}"),
                Some(&serde_json::json!({
                    "ciphertext": ciphertext,
                    "context": base64::engine::general_purpose::STANDARD.encode(context),
                })),
            )
            .expect("transit")
            .0
    };
    assert_eq!(
        unwrap_with("custodian-media", &format!("custodian-media:{sha}")),
        200
    );
    assert_ne!(
        unwrap_with(
            "custodian-media",
            &format!("custodian-media:{}", "0".repeat(64))
        ),
        200,
        "unwrapped for another file"
    );
    assert_ne!(
        unwrap_with("custodian-exports", &format!("custodian-exports:{sha}")),
        200,
        "unwrapped as an export key"
    );

    let id = sql(&a, "SELECT id FROM media");
    let (status, headers, body) = s.ana.download(&format!("/media?id={id}")).await;
    assert_eq!(status, 200);
    assert_eq!(body, photo);
    assert_eq!(headers["content-type"], "image/png");
    assert_eq!(
        headers["content-disposition"],
        "attachment; filename=\"Photo 1.PNG\"; filename*=UTF-8''Photo%201.PNG"
    );
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert!(headers["content-security-policy"]
        .to_str()
        .expect("csp")
        .starts_with("sandbox;"));
    // Others who may see the bulletin and have can_access_media may
    // download; read-only accounts (no can_access_media) may not; nobody
    // uploads to a bulletin they may not edit.
    assert_eq!(s.ben.download(&format!("/media?id={id}")).await.0, 200);
    assert_eq!(s.rita.download(&format!("/media?id={id}")).await.0, 403);
    assert_eq!(
        upload(&mut s.ben, &s.bulletin, "b.png", "image/png", &photo)
            .await
            .status,
        403
    );
    assert_eq!(
        upload(&mut s.rita, &s.bulletin, "b.png", "image/png", &photo)
            .await
            .status,
        403
    );
    // Restricted to a group Ben is not in: the file is as invisible as
    // its bulletin.
    sql(
        &a,
        &format!(
            "UPDATE bulletin SET access_groups = '{{team-x}}' WHERE id = {}",
            s.bulletin
        ),
    );
    assert_eq!(s.ben.download(&format!("/media?id={id}")).await.0, 404);
    assert_eq!(s.admin.download(&format!("/media?id={id}")).await.0, 200);
    // CSRF and origin are checked before any file byte is stored.
    let no_csrf = s
        .ana
        .post_raw(
            "/bulletins/media",
            &format!("multipart/form-data; boundary={BOUNDARY}"),
            multipart("", &s.bulletin, "c.png", "image/png", &photo),
        )
        .await;
    assert_eq!(no_csrf.status, 403);
    assert_eq!(files_in(&objects), 1);
    assert_eq!(audit(&a, "media.uploaded"), 1);
    assert!(audit(&a, "media.downloaded") >= 3);

    names_are_kept_and_head_is_not_a_download(&a, &mut s).await;
}

/// File names in any script are kept as written (in NFC) and sent back
/// in `filename*`; only invisible direction controls are removed. HEAD
/// answers from the database: no object read, no download recorded.
async fn names_are_kept_and_head_is_not_a_download(a: &Appliance, s: &mut Stage<'_>) {
    sql(
        a,
        &format!(
            "UPDATE bulletin SET access_groups = '{{}}' WHERE id = {}",
            s.bulletin
        ),
    );
    let photo = jpeg(3000);
    let long = format!("{}.jpg", "ش".repeat(150));
    for name in [
        "شاهد.jpg",
        "صورة (1).jpg",
        "photo\u{202e}gpj.jpg",
        long.as_str(),
    ] {
        let r = upload(&mut s.ana, &s.bulletin, name, "image/jpeg", &photo).await;
        assert_eq!(r.status, 303, "{name:?}: {}", r.body);
    }
    let stored = sql(
        a,
        "SELECT string_agg(original_name, '|' ORDER BY id) FROM media WHERE mime = 'image/jpeg'",
    );
    let names: Vec<&str> = stored.split('|').collect();
    assert_eq!(&names[..3], ["شاهد.jpg", "صورة (1).jpg", "photogpj.jpg"]);
    // 150 letters (300 bytes): accepted, cut to 255 bytes on a
    // character boundary, the extension kept.
    assert!(
        names[3].len() <= 255 && names[3].len() >= 254,
        "{}",
        names[3].len()
    );
    assert!(names[3].ends_with(".jpg"));
    let page = s
        .ana
        .get(&format!("/bulletins/view?id={}", s.bulletin))
        .await;
    assert!(page.body.contains("شاهد.jpg"), "{}", page.body);
    assert!(page.body.contains("صورة (1).jpg"), "{}", page.body);
    assert!(!page.body.contains('\u{202e}'));
    let ids = sql(
        a,
        "SELECT string_agg(id::text, ' ' ORDER BY id) FROM media WHERE mime = 'image/jpeg'",
    );
    let ids: Vec<&str> = ids.split(' ').collect();
    let (_, headers, body) = s.ana.download(&format!("/media?id={}", ids[0])).await;
    assert_eq!(body, photo);
    assert_eq!(
        headers["content-disposition"],
        "attachment; filename=\"file.jpg\"; filename*=UTF-8''%D8%B4%D8%A7%D9%87%D8%AF.jpg"
    );
    let (_, headers, _) = s.ana.download(&format!("/media?id={}", ids[1])).await;
    assert_eq!(
        headers["content-disposition"],
        "attachment; filename=\"(1).jpg\"; filename*=UTF-8''%D8%B5%D9%88%D8%B1%D8%A9%20%281%29.jpg"
    );

    // HEAD: the GET's headers and length, no download recorded, and the
    // object is not even read (it is moved away first).
    let object = sql(
        a,
        &format!("SELECT object_name FROM media WHERE id = {}", ids[0]),
    );
    let path = s.ana.d.storage_dir().join("objects").join(&object);
    // Out of objects/, where the orphan sweep looks.
    let aside = s.ana.d.storage_dir().join("object-set-aside");
    std::fs::rename(&path, &aside).expect("move object");
    let downloads = audit(a, "media.downloaded");
    let head = |b: &Browser<'_>, id: &str| {
        b.http
            .head(b.d.url(&format!("/media?id={id}")))
            .header("cookie", b.cookie_header())
            .send()
    };
    let res = head(&s.ana, ids[0]).await.expect("head");
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()["content-length"],
        photo.len().to_string().as_str()
    );
    assert_eq!(
        res.headers()["content-disposition"],
        "attachment; filename=\"file.jpg\"; filename*=UTF-8''%D8%B4%D8%A7%D9%87%D8%AF.jpg"
    );
    assert_eq!(res.headers()["content-type"], "image/jpeg");
    assert!(res.headers()["content-security-policy"]
        .to_str()
        .expect("csp")
        .starts_with("sandbox;"));
    // The same permission as a download.
    assert_eq!(head(&s.rita, ids[0]).await.expect("head").status(), 403);
    assert_eq!(head(&s.ana, "999999").await.expect("head").status(), 404);
    assert_eq!(
        audit(a, "media.downloaded"),
        downloads,
        "HEAD recorded a download"
    );
    std::fs::rename(&aside, &path).expect("restore object");
    assert_eq!(
        s.ana.download(&format!("/media?id={}", ids[0])).await.0,
        200
    );
    assert_eq!(audit(a, "media.downloaded"), downloads + 1);
}

#[tokio::test]
async fn hostile_uploads_are_refused_and_leave_nothing_behind() {
    let a = Appliance::start(&[]).expect("appliance");
    let d = daemon_with_storage(&a, "max-upload-bytes = 1048576");
    let mut s = stage(&a, &d).await;
    let good = png(100);
    let corpus: Vec<(&str, &str, &str, Vec<u8>, u16)> = vec![
        (
            "svg with script",
            "x.svg",
            "image/svg+xml",
            b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>".to_vec(),
            415,
        ),
        (
            "HTML as image/png",
            "x.png",
            "image/png",
            b"<html><body><script>alert(1)</script></body></html>".to_vec(),
            415,
        ),
        (
            "HTML with a BOM and spaces",
            "x.png",
            "image/png",
            b"\xef\xbb\xbf  <!DOCTYPE html><p>x".to_vec(),
            415,
        ),
        (
            "renamed executable",
            "cat.jpg",
            "image/jpeg",
            [b"MZ".as_slice(), &[0x90; 4000]].concat(),
            415,
        ),
        (
            "ELF executable",
            "cat.png",
            "image/png",
            [b"\x7fELF\x02\x01\x01".as_slice(), &[0; 4000]].concat(),
            415,
        ),
        (
            "GIF/script polyglot",
            "a.gif",
            "image/gif",
            [b"GIF89a/*".as_slice(), b"*/=1;alert(1)//<script>", &[0x3b]].concat(),
            415,
        ),
        (
            "PDF/HTML polyglot",
            "a.pdf",
            "application/pdf",
            b"%PDF-1.4\n<html><script>alert(1)</script></html>\n%%EOF".to_vec(),
            415,
        ),
        (
            "zip archive as pdf",
            "a.pdf",
            "application/pdf",
            [b"PK\x03\x04".as_slice(), &[0; 4000]].concat(),
            415,
        ),
        ("unknown bytes", "a.png", "image/png", vec![0x42; 4000], 415),
        ("zero bytes", "a.png", "image/png", Vec::new(), 400),
        (
            "truncated PNG",
            "a.png",
            "image/png",
            good[..40].to_vec(),
            400,
        ),
        (
            "truncated PDF",
            "a.pdf",
            "application/pdf",
            b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n".to_vec(),
            400,
        ),
        ("PNG named .jpg", "a.jpg", "image/png", good.clone(), 415),
        (
            "PNG declared as JPEG",
            "a.png",
            "image/jpeg",
            good.clone(),
            415,
        ),
        ("oversize", "big.png", "image/png", png(1024 * 1024), 413),
    ];
    let quarantine = d.storage_dir().join("quarantine");
    let objects = d.storage_dir().join("objects");
    let mut failures = Vec::new();
    for (what, name, declared, bytes, expected) in &corpus {
        let r = upload(&mut s.ana, &s.bulletin, name, declared, bytes).await;
        if r.status != *expected {
            failures.push(format!(
                "{what}: {} (expected {expected}): {}",
                r.status, r.body
            ));
        }
        if files_in(&quarantine) + files_in(&objects) != 0 {
            failures.push(format!("{what}: left files on disk"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(sql(&a, "SELECT count(*) FROM media"), "0");
    // Each refusal says what to do.
    let r = upload(
        &mut s.ana,
        &s.bulletin,
        "page.png",
        "image/png",
        b"<html>x</html>",
    )
    .await;
    assert!(r.body.contains("markup or script"), "{}", r.body);
    let r = upload(&mut s.ana, &s.bulletin, "a.jpg", "image/png", &good).await;
    assert!(
        r.body.contains("says .jpg, but its content is image/png"),
        "{}",
        r.body
    );
    assert!(audit(&a, "media.refused") >= 5);
    // The good file itself is fine.
    assert_eq!(
        upload(&mut s.ana, &s.bulletin, "ok.png", "image/png", &good)
            .await
            .status,
        303
    );
    let _ = &mut s.admin;
}

#[tokio::test]
async fn orphaned_uploads_are_swept() {
    let a = Appliance::start(&[]).expect("appliance");
    let d = daemon_with_storage(&a, "orphan-minutes = 0\nsweep-interval-secs = 1");
    let mut s = stage(&a, &d).await;
    assert_eq!(
        upload(&mut s.ana, &s.bulletin, "keep.png", "image/png", &png(10))
            .await
            .status,
        303
    );
    let objects = d.storage_dir().join("objects");
    let quarantine = d.storage_dir().join("quarantine");
    // As if a crash had happened mid-upload and between rename and insert.
    std::fs::write(
        quarantine.join("0123456789abcdef0123456789abcdef.part"),
        b"partial",
    )
    .expect("plant");
    let stray = format!("{}-{}", "ab".repeat(32), "cd".repeat(8));
    std::fs::write(objects.join(&stray), b"stray").expect("plant");
    let start = std::time::Instant::now();
    while files_in(&quarantine) > 0 || objects.join(&stray).exists() {
        assert!(start.elapsed().as_secs() < 20, "orphans not removed");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert_eq!(files_in(&objects), 1, "the recorded file stays");
    let id = sql(&a, "SELECT id FROM media");
    assert_eq!(s.ana.download(&format!("/media?id={id}")).await.0, 200);
    assert!(audit(&a, "media.orphans_removed") >= 1);
}
