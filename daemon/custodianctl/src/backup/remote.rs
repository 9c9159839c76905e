//! The optional S3-compatible remote repository (`[remote]`).
//!
//! pgBackRest (its repository 2) and restic talk to the bucket themselves.
//! What is here: the access key, read from Vault (`kv/custodian/backup-remote`,
//! stored by `custodianctl vault backup-remote-credentials`) and handed to
//! the tools only through the child's environment, and a small S3 client
//! (Signature Version 4) for the one thing neither tool does: keeping the
//! sealed key escrow in the bucket, so that the bucket alone plus the
//! recovery key restores. Its upload is also the check, before anything
//! else, that the remote is reachable and the credentials work: a remote
//! that is not is left out of the backup (and of WAL archiving), so that it
//! can never stop the local one.

use std::time::Duration;

use custodian_vault::provision::KV_MOUNT;
use custodian_vault::{Client, VaultError};
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

use super::config::{RemoteConfig, UriStyle};
use super::tools::BackupError;

pub use custodian_vault::provision::BACKUP_REMOTE_PATH;
pub const ACCESS_KEY_FIELD: &str = "access-key-id";
pub const SECRET_KEY_FIELD: &str = "secret-access-key";

/// Where the escrow is kept in the bucket, under the prefix.
pub const ESCROW_KEY: &str = "escrow/escrow.age";
pub const COVERAGE_KEY: &str = "escrow/escrow.covers.json";

/// The remote's access key (both parts kept secret: the id names the
/// account).
#[derive(Clone)]
pub struct Credentials {
    pub access_key_id: SecretString,
    pub secret_access_key: SecretString,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Credentials(..)")
    }
}

/// Reads the access key from Vault (the migrator's token, or an
/// operator's at a restore onto a fresh Vault).
pub async fn credentials(client: &Client) -> Result<Credentials, BackupError> {
    let s = custodian_vault::kv::read(client, KV_MOUNT, BACKUP_REMOTE_PATH, None)
        .await
        .map_err(|source| BackupError::RemoteCredentials { source })?;
    let get = |f: &'static str| {
        s.get(f)
            .cloned()
            .ok_or_else(|| BackupError::RemoteCredentials {
                source: VaultError::Missing {
                    path: format!("{KV_MOUNT}/{BACKUP_REMOTE_PATH}"),
                    field: f,
                },
            })
    };
    Ok(Credentials {
        access_key_id: get(ACCESS_KEY_FIELD)?,
        secret_access_key: get(SECRET_KEY_FIELD)?,
    })
}

/// A minimal S3 client: PUT and GET of whole objects.
pub struct S3 {
    http: reqwest::Client,
    cfg: RemoteConfig,
    creds: Credentials,
}

impl S3 {
    pub fn new(cfg: &RemoteConfig, creds: &Credentials) -> Result<Self, BackupError> {
        // The endpoint's CA: the private one given, else the system's
        // bundle (this reqwest build has no roots of its own).
        let (pem_path, required) = match &cfg.ca_cert {
            Some(p) => (p.clone(), true),
            None => ("/etc/ssl/certs/ca-certificates.crt".into(), false),
        };
        let mut builder = reqwest::Client::builder()
            // The endpoint is explicit; a proxy variable must not send the
            // signed requests elsewhere.
            .no_proxy()
            .tls_built_in_root_certs(false)
            .https_only(true)
            .timeout(Duration::from_secs(60))
            .connect_timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none());
        match std::fs::read(&pem_path) {
            Ok(pem) => {
                let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
                    BackupError::Refused(format!(
                        "remote.ca-cert {}: not a PEM certificate ({e}); give the PEM of the CA that signed the endpoint's certificate",
                        pem_path.display()
                    ))
                })?;
                for c in certs {
                    builder = builder.add_root_certificate(c);
                }
            }
            Err(e) if required => {
                return Err(BackupError::Io {
                    what: format!("read remote.ca-cert {}", pem_path.display()),
                    source: e,
                })
            }
            Err(_) => {}
        }
        let http = builder
            .build()
            .map_err(|e| BackupError::Refused(format!("cannot build the S3 client: {e}")))?;
        Ok(Self {
            http,
            cfg: cfg.clone(),
            creds: creds.clone(),
        })
    }

    /// (URL, Host header, canonical URI) of an object.
    fn locate(&self, key: &str) -> (String, String, String) {
        let path_key: String = key.split('/').map(uri_encode).collect::<Vec<_>>().join("/");
        match self.cfg.uri_style {
            UriStyle::Host => {
                let host = format!("{}.{}", self.cfg.bucket, self.cfg.authority());
                let uri = format!("/{path_key}");
                (format!("https://{host}{uri}"), host, uri)
            }
            UriStyle::Path => {
                let host = self.cfg.authority();
                let uri = format!("/{}/{path_key}", uri_encode(&self.cfg.bucket));
                (format!("https://{host}{uri}"), host, uri)
            }
        }
    }

    async fn send(
        &self,
        method: reqwest::Method,
        key: &str,
        body: Vec<u8>,
        what: &str,
    ) -> Result<Vec<u8>, BackupError> {
        let (url, host, uri) = self.locate(key);
        let payload = hex::encode(Sha256::digest(&body));
        let amz_date = amz_date(super::status::now_secs());
        let auth = authorization(&Request {
            method: method.as_str(),
            host: &host,
            uri: &uri,
            query: "",
            extra: &[],
            payload: &payload,
            amz_date: &amz_date,
            region: &self.cfg.region,
            creds: &self.creds,
        });
        let target = self.cfg.describe();
        let resp = self
            .http
            .request(method, &url)
            .header("x-amz-date", &amz_date)
            .header("x-amz-content-sha256", &payload)
            .header("authorization", auth)
            .body(body)
            .send()
            .await
            .map_err(|source| unreachable(&target, source))?;
        let status = resp.status();
        let bytes = resp
            .bytes()
            .await
            .map_err(|source| unreachable(&target, source))?;
        if status.is_success() {
            return Ok(bytes.to_vec());
        }
        let text = String::from_utf8_lossy(&bytes);
        let code = between(&text, "<Code>", "</Code>").unwrap_or_default();
        Err(BackupError::RemoteRefused {
            target,
            what: what.to_owned(),
            status: status.as_u16(),
            code: code.to_owned(),
            fix: fix_for(status.as_u16(), code, &self.cfg).to_owned(),
        })
    }

    pub async fn put(&self, key: &str, body: Vec<u8>, what: &str) -> Result<(), BackupError> {
        self.send(reqwest::Method::PUT, key, body, what)
            .await
            .map(drop)
    }

    pub async fn get(&self, key: &str, what: &str) -> Result<Vec<u8>, BackupError> {
        self.send(reqwest::Method::GET, key, Vec::new(), what).await
    }
}

fn unreachable(target: &str, source: reqwest::Error) -> BackupError {
    // reqwest's own message names only the URL; the cause says why.
    let mut detail = source.to_string();
    let mut cause = std::error::Error::source(&source);
    while let Some(c) = cause {
        detail.push_str(": ");
        detail.push_str(&c.to_string());
        cause = c.source();
    }
    BackupError::RemoteUnreachable {
        target: target.to_owned(),
        detail,
        source,
    }
}

/// What to do about an S3 error, by its status and code.
fn fix_for(status: u16, code: &str, cfg: &RemoteConfig) -> String {
    match (status, code) {
        (_, "NoSuchBucket") => format!(
            "create the bucket {} at {} (custodianctl never creates buckets), or correct remote.bucket",
            cfg.bucket, cfg.endpoint
        ),
        (_, "InvalidAccessKeyId" | "SignatureDoesNotMatch") | (401, _) => "the access key in Vault is wrong: store the right one with `custodianctl vault backup-remote-credentials` (an operator token; read from standard input)".into(),
        (_, "AuthorizationHeaderMalformed" | "PermanentRedirect") | (301, _) => format!(
            "remote.region ({}) is not the bucket's region, or remote.uri-style ({:?}) is not what the server expects",
            cfg.region, cfg.uri_style
        ),
        (403, _) => "the access key may not write there: grant it s3:PutObject, s3:GetObject, s3:ListBucket and s3:DeleteObject on the bucket and prefix".into(),
        (404, "NoSuchKey") => "the remote holds no key escrow yet: run `custodianctl backup now` once the remote is configured".into(),
        _ => "check remote.endpoint and the server's own log".into(),
    }
}

fn between<'a>(s: &'a str, a: &str, b: &str) -> Option<&'a str> {
    let start = s.find(a)? + a.len();
    let len = s[start..].find(b)?;
    Some(&s[start..start + len])
}

/// S3's URI encoding of one path segment (RFC 3986 unreserved characters
/// kept, everything else percent-encoded).
fn uri_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `YYYYMMDDTHHMMSSZ` for `secs` since the epoch.
fn amz_date(secs: u64) -> String {
    // status::utc gives `YYYY-MM-DD HH:MM:SS+00`.
    let t = super::status::utc(secs);
    let digits: String = t
        .trim_end_matches("+00")
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    format!("{}T{}Z", &digits[..8], &digits[8..])
}

struct Request<'a> {
    method: &'a str,
    host: &'a str,
    uri: &'a str,
    /// Already canonical (sorted, encoded); "" for none.
    query: &'a str,
    /// Signed headers besides host, x-amz-content-sha256 and x-amz-date
    /// (lower-case names, sorted among them by the caller's choice).
    extra: &'a [(&'a str, &'a str)],
    payload: &'a str,
    amz_date: &'a str,
    region: &'a str,
    creds: &'a Credentials,
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    // HMAC accepts a key of any length: this cannot fail.
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    m.update(data);
    m.finalize().into_bytes().to_vec()
}

/// The Authorization header of AWS Signature Version 4 for S3.
fn authorization(r: &Request<'_>) -> String {
    let mut headers: Vec<(String, String)> = vec![
        ("host".into(), r.host.to_owned()),
        ("x-amz-content-sha256".into(), r.payload.to_owned()),
        ("x-amz-date".into(), r.amz_date.to_owned()),
    ];
    headers.extend(
        r.extra
            .iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v.trim().to_owned())),
    );
    headers.sort();
    let canonical_headers: String = headers.iter().map(|(k, v)| format!("{k}:{v}\n")).collect();
    let signed: Vec<&str> = headers.iter().map(|(k, _)| k.as_str()).collect();
    let signed = signed.join(";");
    let canonical = format!(
        "{}\n{}\n{}\n{canonical_headers}\n{signed}\n{}",
        r.method, r.uri, r.query, r.payload
    );
    let day = &r.amz_date[..8];
    let scope = format!("{day}/{}/s3/aws4_request", r.region);
    let to_sign = format!(
        "AWS4-HMAC-SHA256\n{}\n{scope}\n{}",
        r.amz_date,
        hex::encode(Sha256::digest(canonical.as_bytes()))
    );
    let secret =
        zeroize::Zeroizing::new(format!("AWS4{}", r.creds.secret_access_key.expose_secret()));
    let k_date = hmac(secret.as_bytes(), day.as_bytes());
    let k_region = hmac(&k_date, r.region.as_bytes());
    let k_service = hmac(&k_region, b"s3");
    let k_signing = hmac(&k_service, b"aws4_request");
    let signature = hex::encode(hmac(&k_signing, to_sign.as_bytes()));
    format!(
        "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={signed}, Signature={signature}",
        r.creds.access_key_id.expose_secret()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The GET Object example of AWS's Signature Version 4 documentation
    /// ("Examples: Signature Calculations in AWS Signature Version 4").
    #[test]
    fn signatures_match_the_published_example() {
        let creds = Credentials {
            access_key_id: SecretString::from("AKIAIOSFODNN7EXAMPLE".to_owned()),
            secret_access_key: SecretString::from(
                "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".to_owned(),
            ),
        };
        let empty = hex::encode(Sha256::digest(b""));
        let auth = authorization(&Request {
            method: "GET",
            host: "examplebucket.s3.amazonaws.com",
            uri: "/test.txt",
            query: "",
            extra: &[("range", "bytes=0-9")],
            payload: &empty,
            amz_date: "20130524T000000Z",
            region: "us-east-1",
            creds: &creds,
        });
        assert_eq!(
            auth,
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
        );
    }

    #[test]
    fn dates_and_keys_are_encoded_as_s3_wants() {
        assert_eq!(amz_date(1_369_353_600), "20130524T000000Z");
        assert_eq!(uri_encode("a b+c~d"), "a%20b%2Bc~d");
    }
}
