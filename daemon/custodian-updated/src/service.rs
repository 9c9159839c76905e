//! What the updater does to custodiand: run the new release's migrations,
//! restart it, and ask its operator endpoint whether it is ready and
//! which release it runs. Commands are argument vectors, never a shell.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The only search path a child gets. The updater runs as root: nothing of
/// its own environment (a VAULT_TOKEN or LD_PRELOAD an operator's shell
/// had, systemd's credentials directory) is handed on to a child.
pub const CHILD_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// Runs `argv` with only `PATH` and `env` set, for at most `limit`. Returns the last
/// lines of its output on failure (for the event log and the operator).
pub async fn run(
    argv: &[String],
    env: &BTreeMap<String, String>,
    limit: Duration,
) -> Result<(), String> {
    output(argv, env, limit).await.map(|_| ())
}

/// As `run`, returning what the command printed on standard output.
pub async fn output(
    argv: &[String],
    env: &BTreeMap<String, String>,
    limit: Duration,
) -> Result<Vec<u8>, String> {
    let (program, args) = argv.split_first().ok_or("empty command")?;
    let mut cmd = tokio::process::Command::new(program);
    cmd.args(args)
        .env_clear()
        .env("PATH", CHILD_PATH)
        .envs(env)
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true);
    let out = tokio::time::timeout(limit, cmd.output())
        .await
        .map_err(|_| format!("{program} did not finish within {} s", limit.as_secs()))?
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    if out.status.success() {
        return Ok(out.stdout);
    }
    let text = String::from_utf8_lossy(&out.stderr);
    let tail: Vec<&str> = text.lines().rev().take(5).collect();
    Err(format!(
        "{program} failed ({}): {}",
        out.status,
        tail.into_iter().rev().collect::<Vec<_>>().join(" / ")
    ))
}

/// The schema a release's migrations leave (`custodianctl schema`).
#[derive(Debug, Clone, Copy, serde::Deserialize)]
pub struct Schema {
    pub version: i32,
    /// The oldest schema a program may expect and still run after them.
    pub compatible_from: i32,
}

/// Asks the release in `dir` which schema it expects and leaves.
pub async fn schema_of(dir: &Path) -> Result<Schema, String> {
    let argv = [
        dir.join("bin/custodianctl").display().to_string(),
        "schema".to_owned(),
    ];
    let out = output(&argv, &BTreeMap::new(), Duration::from_secs(30)).await?;
    serde_json::from_slice(&out).map_err(|e| {
        format!(
            "{}/bin/custodianctl schema printed no schema: {e}",
            dir.display()
        )
    })
}

/// `{release}` in each argument becomes the release directory.
pub fn expand(argv: &[String], release: &Path) -> Vec<String> {
    let r = release.display().to_string();
    argv.iter().map(|a| a.replace("{release}", &r)).collect()
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Readiness {
    pub status: String,
    pub release: Option<String>,
}

impl Readiness {
    /// Ready (or degraded but serving) and running `release`.
    pub fn serves(&self, release: &str) -> bool {
        matches!(self.status.as_str(), "ready" | "degraded")
            && self.release.as_deref() == Some(release)
    }
}

/// Writes `request` and reads the answer (at most 64 KiB).
async fn exchange<S>(mut s: S, request: &[u8]) -> Result<Vec<u8>, String>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    s.write_all(request).await.map_err(|e| e.to_string())?;
    let mut buf = Vec::new();
    (&mut s)
        .take(64 * 1024)
        .read_to_end(&mut buf)
        .await
        .map_err(|e| e.to_string())?;
    Ok(buf)
}

/// One `GET /readyz` on custodiand's operator endpoint.
pub async fn readiness(endpoint: &str) -> Result<Readiness, String> {
    let request = b"GET /readyz HTTP/1.0\r\nHost: localhost\r\n\r\n";
    let fut = async {
        if let Some(path) = endpoint.strip_prefix("unix:") {
            let s = tokio::net::UnixStream::connect(path).await;
            exchange(s.map_err(|e| format!("{endpoint}: {e}"))?, request).await
        } else {
            let s = tokio::net::TcpStream::connect(endpoint).await;
            exchange(s.map_err(|e| format!("{endpoint}: {e}"))?, request).await
        }
    };
    let buf = tokio::time::timeout(Duration::from_secs(5), fut)
        .await
        .map_err(|_| format!("{endpoint}: no answer within 5 s"))??;
    let text = String::from_utf8_lossy(&buf);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b)
        .ok_or("malformed answer")?;
    let v: serde_json::Value =
        serde_json::from_str(body).map_err(|e| format!("malformed readiness: {e}"))?;
    Ok(Readiness {
        status: v["status"].as_str().unwrap_or("unknown").to_owned(),
        release: v["release"].as_str().map(str::to_owned),
    })
}

/// Waits until custodiand serves `release`, then requires it to keep doing
/// so for `soak` (a crash loop shows up as a failed probe).
pub async fn health_gate(
    endpoint: &str,
    release: &str,
    timeout: Duration,
    soak: Duration,
) -> Result<(), String> {
    let start = tokio::time::Instant::now();
    loop {
        let last = match readiness(endpoint).await {
            Ok(r) if r.serves(release) => break,
            Ok(r) => format!("status {}, release {:?}", r.status, r.release),
            Err(e) => e,
        };
        if start.elapsed() > timeout {
            return Err(format!(
                "release {release} not ready within {} s ({last})",
                timeout.as_secs()
            ));
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let soak_end = tokio::time::Instant::now() + soak;
    while tokio::time::Instant::now() < soak_end {
        tokio::time::sleep(Duration::from_millis(500)).await;
        match readiness(endpoint).await {
            Ok(r) if r.serves(release) => {}
            Ok(r) => {
                return Err(format!(
                    "release {release} stopped serving during the soak (status {}, release {:?})",
                    r.status, r.release
                ))
            }
            Err(e) => {
                return Err(format!(
                    "release {release} stopped answering during the soak: {e}"
                ))
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_child_gets_only_path_and_what_it_is_given() {
        let argv = ["/usr/bin/env".to_owned()];
        let env = BTreeMap::from([("VAULT_ADDR".to_owned(), "https://v:8200".to_owned())]);
        let out = output(&argv, &env, Duration::from_secs(10))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let mut seen: Vec<String> = String::from_utf8_lossy(&out)
            .lines()
            .map(str::to_owned)
            .collect();
        seen.sort();
        assert_eq!(
            seen,
            vec![
                format!("PATH={CHILD_PATH}"),
                "VAULT_ADDR=https://v:8200".to_owned()
            ]
        );
        // A restart (systemctl) and the probes are given nothing.
        let out = output(&argv, &BTreeMap::new(), Duration::from_secs(10))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            String::from_utf8_lossy(&out).trim(),
            format!("PATH={CHILD_PATH}")
        );
    }
}
