//! Overload benchmark (issue 19): a whole appliance on loopback (private
//! PostgreSQL, OpenBao, custodiand with its default pool and limits), the
//! data generator's archive, then for a fixed time N connections on the
//! most expensive page while a second client reads record views one after
//! another. Reports sign-outs (redirects to /login), record-view latency
//! (p50, p99, max, before and under the load) and the 503s by message.
//!
//! Every loop is bounded by time and by count; every address is 127.0.0.1.
#![forbid(unsafe_code)]

use std::collections::BTreeMap;
use std::process::{Command, ExitCode};
use std::sync::Arc;
use std::time::{Duration, Instant};

use custodian_harness::daemon::TEST_USER;
use custodian_harness::vault::repo_root;
use custodian_harness::{ensure_system_user, is_root, Appliance, Daemon};

const USAGE: &str = "usage: custodian-overload-bench [--records N] [--seconds S] [--connections C]
                                 [--accounts A] [--page PATH] [--baseline-seconds B]
                                 [--hold-seconds H]

Starts PostgreSQL, OpenBao and custodiand (the binaries next to this one:
build them with --release), loads N bulletins with tests/bench/datagen,
signs in A analysts and a reader, then runs C connections (spread over the A
accounts) on PATH for S seconds while the reader opens record views one after
another. Run as root. Defaults: --records 100000 --seconds 30 --connections 64
--accounts 1 --page '/bulletins?q=zeppelin' --baseline-seconds 10.
--page views puts the C connections on record views themselves (500
unrestricted bulletins in turn; issue 14's 64-connection record-view figure)
and reports their requests per second.
--hold-seconds H keeps the appliance up H seconds after the report (its
PostgreSQL port and superuser password are printed at the start), to look at
query plans.";

const PASSWORD: &str = "benchmark lanterns drift slowly";
/// No loop sends more than this, whatever the time allows.
const MAX_REQUESTS_PER_CLIENT: u64 = 1_000_000;

struct Args {
    records: u64,
    seconds: u64,
    connections: usize,
    accounts: usize,
    page: String,
    baseline: u64,
    hold: u64,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        records: 100_000,
        seconds: 30,
        connections: 64,
        accounts: 1,
        page: "/bulletins?q=zeppelin".into(),
        baseline: 10,
        hold: 0,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value\n{USAGE}"));
        let number = |v: String| {
            v.parse::<u64>()
                .map_err(|_| format!("{flag}: {v:?} is not a number"))
        };
        match flag.as_str() {
            "--records" => a.records = number(value()?)?,
            "--seconds" => a.seconds = number(value()?)?.clamp(1, 600),
            "--connections" => a.connections = number(value()?)?.clamp(1, 512) as usize,
            "--accounts" => a.accounts = number(value()?)?.clamp(1, 20) as usize,
            "--baseline-seconds" => a.baseline = number(value()?)?.min(600),
            "--hold-seconds" => a.hold = number(value()?)?.min(3600),
            "--page" => a.page = value()?,
            "-h" | "--help" => return Err(USAGE.into()),
            other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
        }
    }
    Ok(a)
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    if !is_root() {
        eprintln!(
            "custodian-overload-bench: run as root (custodiand binds, then drops to its account)"
        );
        return ExitCode::FAILURE;
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("custodian-overload-bench: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("custodian-overload-bench: {e}");
            ExitCode::FAILURE
        }
    }
}

/// A browser for the set-up steps: cookies kept, no redirects followed.
struct Agent {
    http: reqwest::Client,
    url: String,
    cookies: BTreeMap<String, String>,
}

struct Answer {
    status: u16,
    location: Option<String>,
    body: String,
}

impl Answer {
    fn after(&self, marker: &str) -> Option<String> {
        let rest = self.body.split(marker).nth(1)?;
        rest.split(['"', '<']).next().map(str::to_owned)
    }
}

fn client(d: &Daemon) -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(
            reqwest::Certificate::from_der(&d.client_ca_der).map_err(|e| e.to_string())?,
        )
        .resolve("localhost", d.addr())
        .redirect(reqwest::redirect::Policy::none())
        .http1_only()
        .pool_max_idle_per_host(1)
        .timeout(Duration::from_secs(60))
        .build()
        .map_err(|e| e.to_string())
}

impl Agent {
    fn new(d: &Daemon) -> Result<Self, String> {
        Ok(Self {
            http: client(d)?,
            url: format!("https://localhost:{}", d.port),
            cookies: BTreeMap::new(),
        })
    }

    fn cookie(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn finish(&mut self, res: reqwest::Response) -> Result<Answer, String> {
        for c in res.headers().get_all("set-cookie") {
            let text = c.to_str().unwrap_or("");
            let kv = text.split(';').next().unwrap_or("");
            if let Some((k, v)) = kv.split_once('=') {
                if v.is_empty() {
                    self.cookies.remove(k);
                } else {
                    self.cookies.insert(k.to_owned(), v.to_owned());
                }
            }
        }
        let status = res.status().as_u16();
        let location = res
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = res.text().await.map_err(|e| e.to_string())?;
        Ok(Answer {
            status,
            location,
            body,
        })
    }

    async fn get(&mut self, path: &str) -> Result<Answer, String> {
        let res = self
            .http
            .get(format!("{}{path}", self.url))
            .header("cookie", self.cookie())
            .send()
            .await
            .map_err(|e| format!("GET {path}: {e}"))?;
        self.finish(res).await
    }

    async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Result<Answer, String> {
        let mut body = String::new();
        for (i, (k, v)) in form.iter().enumerate() {
            if i > 0 {
                body.push('&');
            }
            body.push_str(&format!("{}={}", encode(k), encode(v)));
        }
        let res = self
            .http
            .post(format!("{}{path}", self.url))
            .header("cookie", self.cookie())
            .header("origin", &self.url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .map_err(|e| format!("POST {path}: {e}"))?;
        self.finish(res).await
    }

    async fn csrf(&mut self, path: &str) -> Result<String, String> {
        self.get(path)
            .await?
            .after("name=\"csrf\" value=\"")
            .ok_or(format!("no form on {path}"))
    }

    async fn login(&mut self, user: &str, password: &str) -> Result<Answer, String> {
        let csrf = self.csrf("/login").await?;
        self.post(
            "/login",
            &[("csrf", &csrf), ("username", user), ("password", password)],
        )
        .await
    }
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            b' ' => "+".into(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The administrator creates `name` (an analyst, no access group); its
/// first sign-in sets the password. Returns its session cookie.
async fn analyst(d: &Daemon, admin: &mut Agent, name: &str) -> Result<String, String> {
    let csrf = admin.csrf("/admin/users").await?;
    let made = admin
        .post(
            "/admin/users",
            &[("csrf", &csrf), ("username", name), ("role", "analyst")],
        )
        .await?;
    let temporary = made
        .after("<code class=\"secret\">")
        .ok_or(format!("no one-time password for {name}: {}", made.body))?;
    let mut user = Agent::new(d)?;
    user.login(name, &temporary).await?;
    let csrf = user.csrf("/account/password").await?;
    let done = user
        .post(
            "/account/password",
            &[
                ("csrf", &csrf),
                ("current", &temporary),
                ("password", PASSWORD),
                ("confirm", PASSWORD),
            ],
        )
        .await?;
    if done.status != 303 {
        return Err(format!("password change for {name}: {}", done.status));
    }
    Ok(user.cookie())
}

#[derive(Default)]
struct Tally {
    ok: u64,
    sign_outs: u64,
    by_message: BTreeMap<String, u64>,
    other: BTreeMap<String, u64>,
    latencies: Vec<Duration>,
}

impl Tally {
    fn add(&mut self, other: Tally) {
        self.ok += other.ok;
        self.sign_outs += other.sign_outs;
        for (k, v) in other.by_message {
            *self.by_message.entry(k).or_default() += v;
        }
        for (k, v) in other.other {
            *self.other.entry(k).or_default() += v;
        }
        self.latencies.extend(other.latencies);
    }
}

/// The text of an error page (`<h1>…</h1><p>…</p>`).
fn page_message(body: &str) -> String {
    body.split("</h1><p>")
        .nth(1)
        .and_then(|r| r.split("</p>").next())
        .unwrap_or("(no message)")
        .replace("&#x27;", "'")
}

/// Sends GETs of `paths` in turn until `until`, on one connection.
async fn hammer(
    http: reqwest::Client,
    base: String,
    cookie: String,
    paths: Arc<Vec<String>>,
    until: Instant,
) -> Tally {
    let mut t = Tally::default();
    let mut n = 0u64;
    while Instant::now() < until && n < MAX_REQUESTS_PER_CLIENT {
        let path = &paths[(n as usize) % paths.len()];
        n += 1;
        let started = Instant::now();
        let res = http
            .get(format!("{base}{path}"))
            .header("cookie", &cookie)
            .send()
            .await;
        match res {
            Ok(r) => {
                let status = r.status().as_u16();
                let to_login = r
                    .headers()
                    .get("location")
                    .is_some_and(|l| l.as_bytes().starts_with(b"/login"));
                let body = r.text().await.unwrap_or_default();
                t.latencies.push(started.elapsed());
                match status {
                    200 => t.ok += 1,
                    303 if to_login => t.sign_outs += 1,
                    503 => *t.by_message.entry(page_message(&body)).or_default() += 1,
                    s => *t.other.entry(format!("status {s}")).or_default() += 1,
                }
            }
            Err(e) => {
                let kind = if e.is_timeout() {
                    "client timeout (60 s)"
                } else {
                    "connection error"
                };
                *t.other.entry(kind.into()).or_default() += 1;
            }
        }
    }
    t
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn latency_line(t: &mut Tally) -> String {
    t.latencies.sort();
    format!(
        "{} views: p50 {}, p99 {}, max {}",
        t.latencies.len(),
        ms(percentile(&t.latencies, 0.50)),
        ms(percentile(&t.latencies, 0.99)),
        ms(t.latencies.last().copied().unwrap_or_default())
    )
}

async fn run(args: Args) -> Result<(), String> {
    ensure_system_user(TEST_USER).map_err(|e| e.to_string())?;
    eprintln!("bench: starting PostgreSQL, OpenBao and custodiand");
    let a = Appliance::start(&[]).map_err(|e| e.to_string())?;
    let mut cfg = a.daemon_config("", "");
    cfg.extra_toml = "\n[identity]\nrequire-second-factor = []\n".into();
    let d = Daemon::start(cfg).map_err(|e| e.to_string())?;
    eprintln!(
        "bench: PostgreSQL on 127.0.0.1:{} (user postgres, password {}, database custodian)",
        a.pg.port, a.pg.superuser_password
    );

    // Set-up before the generator (setup is not offered once datagen's
    // administrator exists).
    let token = d
        .log()
        .lines()
        .find(|l| l.contains("one-time setup token"))
        .and_then(|l| l.rsplit(' ').next().map(|t| t.trim().to_owned()))
        .ok_or("no setup token in the daemon's log")?;
    let mut admin = Agent::new(&d)?;
    let csrf = admin.csrf("/setup").await?;
    admin
        .post(
            "/setup",
            &[
                ("csrf", &csrf),
                ("token", &token),
                ("username", "admin"),
                ("password", PASSWORD),
                ("confirm", PASSWORD),
            ],
        )
        .await?;
    let signed = admin.login("admin", PASSWORD).await?;
    if signed.location.as_deref() != Some("/") {
        return Err(format!("administrator sign-in: {}", signed.status));
    }
    let reader = analyst(&d, &mut admin, "bench-reader").await?;
    let mut load_cookies = Vec::new();
    for i in 1..=args.accounts {
        load_cookies.push(analyst(&d, &mut admin, &format!("bench-load-{i:02}")).await?);
    }

    eprintln!(
        "bench: loading {} bulletins with tests/bench/datagen",
        args.records
    );
    let started = Instant::now();
    let out = Command::new(repo_root().join("tests/bench/datagen"))
        .args(["--records", &args.records.to_string()])
        .env("PGHOST", "127.0.0.1")
        .env("PGPORT", a.pg.port.to_string())
        .env("PGUSER", "postgres")
        .env("PGPASSWORD", &a.pg.superuser_password)
        .env("PGDATABASE", "custodian")
        .output()
        .map_err(|e| format!("datagen: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "datagen failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let load_time = started.elapsed();
    a.pg.psql("custodian", "VACUUM ANALYZE")
        .map_err(|e| e.to_string())?;
    // Record views of what an analyst without access groups sees.
    let ids =
        a.pg.psql(
            "custodian",
            "SELECT string_agg(id::text, ',') FROM (SELECT id FROM bulletin \
             WHERE cardinality(access_groups) = 0 ORDER BY id LIMIT 500) v",
        )
        .map_err(|e| e.to_string())?;
    let views: Arc<Vec<String>> = Arc::new(
        ids.split(',')
            .filter(|s| !s.is_empty())
            .map(|id| format!("/bulletins/view?id={id}"))
            .collect(),
    );
    if views.is_empty() {
        return Err("no unrestricted bulletin to view".into());
    }
    let base = format!("https://localhost:{}", d.port);

    eprintln!("bench: {} s of record views alone", args.baseline);
    let mut alone = hammer(
        client(&d)?,
        base.clone(),
        reader.clone(),
        Arc::clone(&views),
        Instant::now() + Duration::from_secs(args.baseline),
    )
    .await;

    eprintln!(
        "bench: {} connections on {} for {} s, with record views",
        args.connections, args.page, args.seconds
    );
    let until = Instant::now() + Duration::from_secs(args.seconds);
    let page = if args.page == "views" {
        Arc::clone(&views)
    } else {
        Arc::new(vec![args.page.clone()])
    };
    let mut tasks = Vec::new();
    for i in 0..args.connections {
        tasks.push(tokio::spawn(hammer(
            client(&d)?,
            base.clone(),
            load_cookies[i % load_cookies.len()].clone(),
            Arc::clone(&page),
            until,
        )));
    }
    let viewer = tokio::spawn(hammer(client(&d)?, base.clone(), reader, views, until));
    let mut load = Tally::default();
    for t in tasks {
        load.add(t.await.map_err(|e| e.to_string())?);
    }
    let mut under = viewer.await.map_err(|e| e.to_string())?;
    let readyz = d.ops_get("/readyz").map_err(|e| e.to_string())?;
    let readyz = readyz
        .split_once("\r\n\r\n")
        .map_or("", |(_, b)| b)
        .to_owned();

    load.latencies.sort();
    println!("# custodian overload benchmark");
    println!();
    println!(
        "{} bulletins (loaded in {:.0} s); custodiand's defaults (pool 16, 4 expensive requests, 2 per account, 1 s wait, 10 s statement timeout)",
        args.records,
        load_time.as_secs_f64()
    );
    println!(
        "load: {} connections, {} account(s), GET {} for {} s",
        args.connections, args.accounts, args.page, args.seconds
    );
    println!();
    println!(
        "- record views alone: {}; {} failed, {} sign-outs",
        latency_line(&mut alone),
        alone.latencies.len() as u64 - alone.ok,
        alone.sign_outs
    );
    println!(
        "- record views under load: {}; {} answered 200, {} sign-outs, other: {:?}, 503: {:?}",
        latency_line(&mut under),
        under.ok,
        under.sign_outs,
        under.other,
        under.by_message
    );
    println!(
        "- the load ({}): {} requests ({:.0} per second), {} answered 200, {} sign-outs (redirects to /login), p50 {}, p99 {}, max {}",
        args.page,
        load.latencies.len(),
        load.latencies.len() as f64 / args.seconds.max(1) as f64,
        load.ok,
        load.sign_outs,
        ms(percentile(&load.latencies, 0.50)),
        ms(percentile(&load.latencies, 0.99)),
        ms(load.latencies.last().copied().unwrap_or_default())
    );
    for (message, n) in &load.by_message {
        println!("  - 503 x {n}: {message}");
    }
    for (what, n) in &load.other {
        println!("  - {what} x {n}");
    }
    println!("- /readyz afterwards: {readyz}");
    if args.hold > 0 {
        eprintln!(
            "bench: holding the appliance for {} s (SIGTERM ends it early, cleaning up)",
            args.hold
        );
        // Returning (not dying of the signal) lets every server's guard
        // stop it and delete its directory.
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .map_err(|e| e.to_string())?;
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(args.hold)) => {}
            _ = term.recv() => {}
        }
    }
    Ok(())
}
