//! A real S3 server on loopback: moto's (`moto[server]` from PyPI, pinned
//! in scripts/install-deps, in a venv of its own) over HTTPS with a
//! certificate for `localhost` from a throw-away CA (pgBackRest speaks
//! only TLS to S3), terminated by nginx in front of moto: Werkzeug's
//! development server, moto's own TLS, ends every connection without a
//! TLS close_notify, which pgBackRest reports as "unexpected eof" and
//! retries until it gives up. Both ports come from [`free_port`] and a
//! start whose bind fails is retried with fresh ones. State is in memory.
//!
//! moto accepts any access key (it checks no signature unless told to),
//! so tests of wrong credentials need another way to fail.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::process::{wait_until, Guarded};
use crate::{free_port, io, is_addr_in_use, retry_on_port_clash, HarnessError, Result};

/// The version scripts/install-deps installs.
pub const PINNED_VERSION: &str = "5.2.5";

pub struct S3Server {
    _nginx: Guarded,
    _moto: Guarded,
    _dir: tempfile::TempDir,
    pub port: u16,
    /// The CA of the server's certificate (PEM), readable by every account
    /// (pgBackRest reads it as PostgreSQL's).
    pub ca_cert: PathBuf,
}

fn moto_bin() -> Result<PathBuf> {
    if let Some(p) = std::env::var_os("MOTO_SERVER") {
        return Ok(PathBuf::from(p));
    }
    let p = PathBuf::from("/opt/custodian-tools/moto-venv/bin/moto_server");
    if p.is_file() {
        return Ok(p);
    }
    Err(HarnessError::Setup(format!(
        "moto_server not found: run scripts/install-deps (moto[server]=={PINNED_VERSION} into /opt/custodian-tools/moto-venv) or set MOTO_SERVER"
    )))
}

impl S3Server {
    pub fn start() -> Result<Self> {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::Builder::new()
            .prefix("custodian-s3-")
            .tempdir_in("/var/tmp")
            .map_err(io("tempdir"))?;
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))
            .map_err(io("chmod the S3 directory"))?;
        let pki = crate::TestPki::new()?;
        let (cert, key) = pki.write_to(dir.path())?;
        let ca_cert = dir.path().join("ca.pem");
        std::fs::set_permissions(&ca_cert, std::fs::Permissions::from_mode(0o644))
            .map_err(io("chmod ca.pem"))?;
        let bin = moto_bin()?;
        let path = dir.path().to_path_buf();
        let (moto, moto_port) =
            retry_on_port_clash("moto_server", |_| Self::launch_moto(&bin, &path))?;
        let (nginx, port) = retry_on_port_clash("nginx (TLS for moto)", |_| {
            Self::launch_nginx(&path, &cert, &key, moto_port)
        })?;
        Ok(Self {
            _nginx: nginx,
            _moto: moto,
            _dir: dir,
            port,
            ca_cert,
        })
    }

    fn launch_nginx(dir: &Path, cert: &Path, key: &Path, upstream: u16) -> Result<(Guarded, u16)> {
        let port = free_port()?;
        let d = dir.join("nginx");
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir(&d).map_err(io("create the nginx directory"))?;
        let conf = format!(
            "# Written by the Custodian test harness: TLS in front of moto.\n\
             daemon off;\nworker_processes 1;\npid {d}/nginx.pid;\nerror_log {d}/error.log;\n\
             events {{ worker_connections 64; }}\n\
             http {{\n  access_log off;\n  client_body_temp_path {d}/body;\n  proxy_temp_path {d}/proxy;\n\
             fastcgi_temp_path {d}/fastcgi;\n  uwsgi_temp_path {d}/uwsgi;\n  scgi_temp_path {d}/scgi;\n\
             server {{\n    listen 127.0.0.1:{port} ssl;\n    ssl_certificate {cert};\n    ssl_certificate_key {key};\n\
             client_max_body_size 0;\n\
             location / {{\n      proxy_pass http://127.0.0.1:{upstream};\n      proxy_set_header Host $http_host;\n      proxy_buffering off;\n    }}\n  }}\n}}\n",
            d = d.display(),
            cert = cert.display(),
            key = key.display(),
        );
        let conf_path = d.join("nginx.conf");
        std::fs::write(&conf_path, conf).map_err(io("write nginx.conf"))?;
        let log_path = d.join("error.log");
        let out = std::fs::File::create(d.join("out.log")).map_err(io("create out.log"))?;
        let out2 = out.try_clone().map_err(io("dup out.log"))?;
        let child = Command::new("nginx")
            .arg("-c")
            .arg(&conf_path)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(out2)
            .spawn()
            .map_err(io("start nginx (apt-get install nginx-light)"))?;
        let mut child = Guarded {
            child,
            name: "nginx",
            log: Some(log_path.clone()),
        };
        let up = wait_until(&mut child, Duration::from_secs(30), || {
            std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
        });
        if let Err(e) = up {
            let text = std::fs::read_to_string(&log_path).unwrap_or_default()
                + &std::fs::read_to_string(d.join("out.log")).unwrap_or_default();
            if is_addr_in_use(&text) {
                return Err(HarnessError::Setup(format!(
                    "nginx: address already in use on port {port}"
                )));
            }
            return Err(e);
        }
        Ok((child, port))
    }

    fn launch_moto(bin: &Path, dir: &Path) -> Result<(Guarded, u16)> {
        let port = free_port()?;
        let log_path = dir.join("moto.log");
        let log = std::fs::File::create(&log_path).map_err(io("create moto.log"))?;
        let log2 = log.try_clone().map_err(io("dup moto.log"))?;
        let child = Command::new(bin)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .env("HOME", dir)
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log2)
            .spawn()
            .map_err(io("start moto_server"))?;
        let mut child = Guarded {
            child,
            name: "moto_server",
            log: Some(log_path.clone()),
        };
        let up = wait_until(&mut child, Duration::from_secs(60), || {
            std::fs::read_to_string(&log_path)
                .map(|t| t.contains("Running on"))
                .unwrap_or(false)
                && std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
        });
        if let Err(e) = up {
            let text = std::fs::read_to_string(&log_path).unwrap_or_default();
            if is_addr_in_use(&text) {
                return Err(HarnessError::Setup(format!(
                    "moto_server: address already in use on port {port}"
                )));
            }
            return Err(e);
        }
        Ok((child, port))
    }

    /// `localhost:PORT`: a name the certificate holds (pgBackRest matches
    /// DNS names only, not IP addresses).
    pub fn endpoint(&self) -> String {
        format!("localhost:{}", self.port)
    }

    /// Runs curl against the server (path-style URL `path`). Returns the
    /// body.
    pub fn curl(&self, method: &str, path: &str) -> Result<Vec<u8>> {
        let out = Command::new("curl")
            // Signed (any key does for moto): objects written with a key
            // are not given to anonymous requests.
            .args(["-sS", "--fail", "--aws-sigv4", "aws:amz:us-east-1:s3"])
            .args(["--user", "harness:harness", "-X", method, "--cacert"])
            .arg(&self.ca_cert)
            .arg(format!("https://{}{path}", self.endpoint()))
            .output()
            .map_err(io("run curl"))?;
        if !out.status.success() {
            return Err(HarnessError::Setup(format!(
                "curl {method} {path}: {}",
                String::from_utf8_lossy(&out.stderr)
            )));
        }
        Ok(out.stdout)
    }

    pub fn create_bucket(&self, bucket: &str) -> Result<()> {
        self.curl("PUT", &format!("/{bucket}")).map(drop)
    }

    /// Every object key in `bucket` (ListObjectsV2, all pages).
    pub fn keys(&self, bucket: &str) -> Result<Vec<String>> {
        let mut keys = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let q = match &token {
                Some(t) => format!("/{bucket}?list-type=2&continuation-token={}", encode(t)),
                None => format!("/{bucket}?list-type=2"),
            };
            let body = String::from_utf8_lossy(&self.curl("GET", &q)?).into_owned();
            let mut rest = body.as_str();
            while let Some(i) = rest.find("<Key>") {
                let after = &rest[i + 5..];
                let end = after.find("</Key>").unwrap_or(after.len());
                keys.push(after[..end].to_owned());
                rest = &after[end..];
            }
            token = body
                .split_once("<NextContinuationToken>")
                .and_then(|(_, t)| t.split_once("</NextContinuationToken>"))
                .map(|(t, _)| t.to_owned());
            if token.is_none() {
                return Ok(keys);
            }
        }
    }
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
