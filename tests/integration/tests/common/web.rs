//! A minimal browser for the sign-in tests (cookies kept, redirects not
//! followed, Origin sent) and the steps those tests share.

use std::collections::BTreeMap;
use std::time::Duration;

use custodian_harness::{Appliance, Daemon};

pub const PASSWORD: &str = "violet hamster crossing quietly";

/// A minimal browser: keeps cookies, follows nothing, sends Origin. A
/// clone is a second tab of the same session (its cookies diverge only if
/// the server sets new ones).
#[derive(Clone)]
pub struct Browser<'a> {
    pub d: &'a Daemon,
    pub http: reqwest::Client,
    pub cookies: BTreeMap<String, String>,
    pub origin: String,
}

pub struct Page {
    pub status: u16,
    pub location: Option<String>,
    pub set_cookies: Vec<String>,
    pub body: String,
}

impl Page {
    /// The page's CSRF token, or "" when it has no form.
    pub fn csrf_or_empty(&self) -> String {
        if self.body.contains("name=\"csrf\" value=\"") {
            self.csrf()
        } else {
            String::new()
        }
    }

    pub fn csrf(&self) -> String {
        self.first_after("name=\"csrf\" value=\"", '"')
    }

    /// Every text that follows `marker`, up to `end`.
    pub fn all_after(&self, marker: &str, end: char) -> Vec<String> {
        self.body
            .split(marker)
            .skip(1)
            .map(|rest| rest.split(end).next().unwrap_or("").to_owned())
            .collect()
    }

    /// The first text that follows `marker`, up to `end`; the page must
    /// have one.
    pub fn first_after(&self, marker: &str, end: char) -> String {
        self.all_after(marker, end)
            .into_iter()
            .next()
            .unwrap_or_else(|| panic!("no {marker:?} on the page:\n{}", self.body))
    }
}

impl<'a> Browser<'a> {
    pub fn new(d: &'a Daemon) -> Self {
        Self::with_user_agent(d, "custodian-tests")
    }

    /// A browser whose language is Arabic (`Accept-Language: ar`).
    pub fn arabic(d: &'a Daemon) -> Self {
        Self::built(d, "custodian-tests", Some("ar"))
    }

    /// A browser that names itself `user_agent` (another device).
    pub fn with_user_agent(d: &'a Daemon, user_agent: &str) -> Self {
        Self::built(d, user_agent, None)
    }

    fn built(d: &'a Daemon, user_agent: &str, language: Option<&str>) -> Self {
        let mut headers = reqwest::header::HeaderMap::new();
        if let Some(l) = language {
            headers.insert(
                reqwest::header::ACCEPT_LANGUAGE,
                reqwest::header::HeaderValue::from_str(l).expect("language"),
            );
        }
        let http = reqwest::Client::builder()
            .user_agent(user_agent)
            .default_headers(headers)
            .tls_built_in_root_certs(false)
            .add_root_certificate(reqwest::Certificate::from_der(&d.client_ca_der).expect("CA"))
            .resolve("localhost", d.addr())
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(20))
            .build()
            .expect("client");
        Self {
            d,
            http,
            cookies: BTreeMap::new(),
            origin: format!("https://localhost:{}", d.port),
        }
    }

    pub fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub async fn finish(&mut self, res: reqwest::Response) -> Page {
        let status = res.status().as_u16();
        let location = res
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let set_cookies: Vec<String> = res
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .map(str::to_owned)
            .collect();
        for c in &set_cookies {
            let (kv, _) = c.split_once(';').unwrap_or((c, ""));
            if let Some((k, v)) = kv.split_once('=') {
                if v.is_empty() {
                    self.cookies.remove(k);
                } else {
                    self.cookies.insert(k.to_owned(), v.to_owned());
                }
            }
        }
        Page {
            status,
            location,
            set_cookies,
            body: res.text().await.expect("body"),
        }
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let res = self
            .http
            .get(self.d.url(path))
            .header("cookie", self.cookie_header())
            .send()
            .await
            .expect("get");
        self.finish(res).await
    }

    pub async fn head(&mut self, path: &str) -> Page {
        let res = self
            .http
            .head(self.d.url(path))
            .header("cookie", self.cookie_header())
            .send()
            .await
            .expect("head");
        self.finish(res).await
    }

    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let body: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        let res = self
            .http
            .post(self.d.url(path))
            .header("cookie", self.cookie_header())
            .header("origin", &self.origin)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .expect("post");
        self.finish(res).await
    }

    /// A POST with a body made by the caller (multipart uploads).
    pub async fn post_raw(&mut self, path: &str, content_type: &str, body: Vec<u8>) -> Page {
        let res = self
            .http
            .post(self.d.url(path))
            .header("cookie", self.cookie_header())
            .header("origin", &self.origin)
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .expect("post");
        self.finish(res).await
    }

    /// A GET returning the raw bytes and headers (downloads).
    pub async fn download(&mut self, path: &str) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
        let res = self
            .http
            .get(self.d.url(path))
            .header("cookie", self.cookie_header())
            .send()
            .await
            .expect("get");
        let (status, headers) = (res.status().as_u16(), res.headers().clone());
        (status, headers, res.bytes().await.expect("body").to_vec())
    }

    /// A JSON POST as the passkey script sends it.
    pub async fn post_json(
        &mut self,
        path: &str,
        csrf: &str,
        origin: &str,
        content_type: &str,
        body: &str,
    ) -> Page {
        let res = self
            .http
            .post(self.d.url(path))
            .header("cookie", self.cookie_header())
            .header("origin", origin)
            .header("content-type", content_type)
            .header("x-csrf-token", csrf)
            .body(body.to_owned())
            .send()
            .await
            .expect("post");
        self.finish(res).await
    }

    pub async fn login(&mut self, user: &str, password: &str) -> Page {
        let form = self.get("/login").await;
        let csrf = form.csrf();
        self.post(
            "/login",
            &[("csrf", &csrf), ("username", user), ("password", password)],
        )
        .await
    }
}

/// These tests are about passwords and sessions: no second factor.
pub fn password_only(
    a: &Appliance,
    database_extra: &str,
    limits: &str,
) -> custodian_harness::DaemonConfig {
    let mut cfg = a.daemon_config(database_extra, limits);
    cfg.extra_toml = "\n[identity]\nrequire-second-factor = []\n".into();
    cfg
}

pub fn setup_token(d: &Daemon) -> String {
    let log = d.log();
    let line = log
        .lines()
        .find(|l| l.contains("one-time setup token"))
        .unwrap_or_else(|| panic!("no setup token:\n{log}"));
    line.rsplit(' ').next().expect("token").trim().to_owned()
}

pub async fn set_up(d: &Daemon) -> String {
    let mut b = Browser::new(d);
    let form = b.get("/setup").await;
    let r = b
        .post(
            "/setup",
            &[
                ("csrf", &form.csrf()),
                ("token", &setup_token(d)),
                ("username", "admin"),
                ("password", PASSWORD),
                ("confirm", PASSWORD),
            ],
        )
        .await;
    assert_eq!(
        (r.status, r.location.as_deref()),
        (303, Some("/login")),
        "{}",
        r.body
    );
    "admin".into()
}

pub fn audit(a: &Appliance, action: &str) -> usize {
    a.pg.psql(
        "custodian",
        &format!("SELECT count(*) FROM audit_log WHERE action = '{action}'"),
    )
    .expect("q")
    .parse()
    .expect("n")
}

pub fn one_time_password(page: &Page) -> String {
    page.first_after("<code class=\"secret\">", '<')
}

/// An administrator's account-state action (suspend, disable, activate,
/// unlock) on `who`.
pub async fn state_change(admin: &mut Browser<'_>, action: &str, who: &str) -> Page {
    let list = admin.get("/admin/users").await;
    admin
        .post(
            "/admin/users/state",
            &[
                ("csrf", &list.csrf()),
                ("username", who),
                ("action", action),
            ],
        )
        .await
}

/// Admin creates `name`; the new user sets `password`. Returns the user's
/// signed-in browser.
pub async fn new_user<'a>(
    d: &'a Daemon,
    admin: &mut Browser<'_>,
    name: &str,
    password: &str,
) -> Browser<'a> {
    new_user_as(d, admin, name, "analyst", password).await
}

/// The first administrator, signed in, and the analyst `ana` it created
/// (signed in with her own password): the cast of most tests.
pub async fn admin_and_analyst(d: &Daemon) -> (Browser<'_>, Browser<'_>) {
    set_up(d).await;
    let mut admin = Browser::new(d);
    admin.login("admin", PASSWORD).await;
    let ana = new_user_as(
        d,
        &mut admin,
        "ana",
        "analyst",
        "granite orchard whispers twice",
    )
    .await;
    (admin, ana)
}

/// Like [`new_user`], with a role.
pub async fn new_user_as<'a>(
    d: &'a Daemon,
    admin: &mut Browser<'_>,
    name: &str,
    role: &str,
    password: &str,
) -> Browser<'a> {
    let list = admin.get("/admin/users").await;
    let created = admin
        .post(
            "/admin/users",
            &[("csrf", &list.csrf()), ("username", name), ("role", role)],
        )
        .await;
    let temporary = one_time_password(&created);
    sign_in_with_one_time_password(d, name, &temporary, password).await
}

/// `name` signs in with a one-time password an administrator gave her and
/// chooses `password`. Returns her signed-in browser.
pub async fn sign_in_with_one_time_password<'a>(
    d: &'a Daemon,
    name: &str,
    temporary: &str,
    password: &str,
) -> Browser<'a> {
    let mut user = Browser::new(d);
    user.login(name, temporary).await;
    let form = user.get("/account/password").await;
    let done = user
        .post(
            "/account/password",
            &[
                ("csrf", &form.csrf()),
                ("current", temporary),
                ("password", password),
                ("confirm", password),
            ],
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    user
}

pub fn base32_decode(s: &str) -> Vec<u8> {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let (mut acc, mut bits, mut out) = (0u64, 0u32, Vec::new());
    for c in s.bytes() {
        acc = (acc << 5) | A.iter().position(|&x| x == c).expect("base32") as u64;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}

/// The code an authenticator app would show, `offset` steps from now.
pub fn totp_code(key: &str, offset: i64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("time")
        .as_secs() as i64;
    totp_rs::TOTP::new(totp_rs::Algorithm::SHA1, 6, 0, 30, base32_decode(key))
        .expect("totp")
        .generate((now + offset * 30) as u64)
}

pub fn enrolment_key(page: &Page) -> String {
    one_time_password(page)
}

pub fn all_secrets(page: &Page) -> Vec<String> {
    page.all_after("<code class=\"secret\">", '<')
}

/// Signs in (password, then TOTP if enrolled) and enrols TOTP if asked to;
/// returns the authenticator key when a new one was enrolled.
pub async fn enrol_totp(b: &mut Browser<'_>) -> String {
    let page = b.get("/account/totp").await;
    let key = enrolment_key(&page);
    let done = b
        .post(
            "/account/totp",
            &[("csrf", &page.csrf()), ("code", &totp_code(&key, 0))],
        )
        .await;
    assert_eq!(done.location.as_deref(), Some("/"), "{}", done.body);
    key
}

pub async fn sign_out(b: &mut Browser<'_>) {
    let home = b.get("/").await;
    b.post("/logout", &[("csrf", &home.csrf())]).await;
}

pub async fn second_step(b: &mut Browser<'_>, code: &str) -> Page {
    let form = b.get("/login/totp").await;
    b.post("/login/totp", &[("csrf", &form.csrf()), ("code", code)])
        .await
}

/// Makes `user`'s password entry older than the step-up window, as if
/// signed in an hour ago.
pub fn age_sign_in(a: &Appliance, user: &str) {
    a.pg.psql(
        "custodian",
        &format!(
            "UPDATE user_session SET authenticated_at = now() - interval '1 hour' \
             WHERE user_id = (SELECT id FROM app_user WHERE username = '{user}')"
        ),
    )
    .expect("age the sign-in");
}

/// The one-administrator case (policy/roles.md): the console confirms the
/// waiting grant with `custodianctl account confirm-admin`, which replaces
/// the account's credentials with a recovery token; `who` chooses
/// `password` with it at /recover. Returns her signed-in browser.
pub async fn confirm_admin_at_console<'a>(
    a: &Appliance,
    d: &'a Daemon,
    who: &str,
    password: &str,
) -> Browser<'a> {
    let token = console_account(a, "confirm-admin", who).expect("confirm-admin");
    let done = recover_with_token(d, who, &token, password).await;
    assert_eq!(done.location.as_deref(), Some("/login"), "{}", done.body);
    let mut b = Browser::new(d);
    b.login(who, password).await;
    b
}

/// `custodianctl account COMMAND --username WHO` as root with the owner's
/// credentials: the printed token, or custodianctl's error output.
pub fn console_account(a: &Appliance, command: &str, who: &str) -> Result<String, String> {
    let out =
        a.db.ctl_owner(
            &a.bao,
            &[
                "account",
                command,
                "--username",
                who,
                "--reason",
                "asked at the console",
            ],
        )
        .expect("run custodianctl");
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// Chooses `password` for `who` at /recover with a console token.
pub async fn recover_with_token(d: &Daemon, who: &str, token: &str, password: &str) -> Page {
    let mut b = Browser::new(d);
    let form = b.get("/recover").await;
    b.post(
        "/recover",
        &[
            ("csrf", &form.csrf()),
            ("token", token),
            ("username", who),
            ("password", password),
            ("confirm", password),
        ],
    )
    .await
}
