//! The optional S3-compatible remote repository (`[remote]`).
//!
//! pgBackRest (its repository 2) and restic talk to the bucket themselves.
//! What is here: the access key, read from Vault (`kv/custodian/backup-remote`,
//! stored by `custodianctl vault backup-remote-credentials`) and handed to
//! the tools only through the child's environment, and curl (with its own
//! AWS Signature Version 4) for the one thing neither tool does: keeping
//! the sealed key escrow in the bucket, so that the bucket alone plus the
//! recovery key restores. Its upload is also the check, before anything
//! else, that the remote is reachable and the credentials work: a remote
//! that is not is left out of the backup (and of WAL archiving), so that it
//! can never stop the local one.

use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};

use custodian_vault::provision::KV_MOUNT;
use custodian_vault::{Client, VaultError};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

use super::config::{RemoteConfig, UriStyle};
use super::tools::{io, last_lines, BackupError, Tool};

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
    let access_key_id = get(ACCESS_KEY_FIELD)?;
    if let Some(found) = access_key_id_fault(access_key_id.expose_secret()) {
        return Err(BackupError::RemoteAccessKeyId { found });
    }
    Ok(Credentials {
        access_key_id,
        secret_access_key: get(SECRET_KEY_FIELD)?,
    })
}

/// What is wrong with an access key id, if anything: curl takes the key as
/// `id:secret` and splits it at the first colon, so an id with a colon
/// would sign with the wrong key (S3 ids are letters and digits).
pub fn access_key_id_fault(id: &str) -> Option<&'static str> {
    if id.is_empty() {
        Some("nothing")
    } else if id.contains(':') {
        Some("a colon")
    } else if id.chars().any(char::is_control) {
        Some("a control character")
    } else {
        None
    }
}

/// PUT and GET of whole objects, by curl and its own AWS Signature
/// Version 4 (`--aws-sigv4`, curl 7.75 and later; Debian 12 has 7.88).
pub struct S3 {
    cfg: RemoteConfig,
    creds: Credentials,
    /// Where a PUT's body is handed to curl (see `send`).
    scratch: PathBuf,
}

impl S3 {
    /// `scratch`: a directory of ours where the body of a PUT waits for
    /// curl while it is sent (none of the bodies is secret).
    pub fn new(
        cfg: &RemoteConfig,
        creds: &Credentials,
        scratch: &Path,
    ) -> Result<Self, BackupError> {
        // The endpoint's private CA, when given, is read here so that a
        // wrong path or file is named as such rather than as a TLS failure.
        if let Some(p) = &cfg.ca_cert {
            let pem =
                std::fs::read(p).map_err(io(format!("read remote.ca-cert {}", p.display())))?;
            if !pem.windows(PEM_CERT.len()).any(|w| w == PEM_CERT) {
                return Err(BackupError::Refused(format!(
                    "remote.ca-cert {}: not a PEM certificate; give the PEM of the CA that signed the endpoint's certificate",
                    p.display()
                )));
            }
        }
        Ok(Self {
            cfg: cfg.clone(),
            creds: creds.clone(),
            scratch: scratch.to_owned(),
        })
    }

    /// An object's URL, in the configured URI style.
    fn url(&self, key: &str) -> String {
        let path_key: String = key.split('/').map(uri_encode).collect::<Vec<_>>().join("/");
        match self.cfg.uri_style {
            UriStyle::Host => format!(
                "https://{}.{}/{path_key}",
                self.cfg.bucket,
                self.cfg.authority()
            ),
            UriStyle::Path => format!(
                "https://{}/{}/{path_key}",
                self.cfg.authority(),
                uri_encode(&self.cfg.bucket)
            ),
        }
    }

    /// curl's arguments: nothing secret (every account can read them in
    /// /proc). `payload` is the body's SHA-256 in hex, which S3 wants in
    /// x-amz-content-sha256 (signed by curl with the other headers; curl
    /// 7.88 does not add it itself); `upload` the file holding the body of
    /// a PUT.
    fn arguments(&self, key: &str, payload: &str, upload: Option<&Path>) -> Vec<OsString> {
        let mut a: Vec<OsString> = [
            // First: no ~/.curlrc.
            "-q",
            "--silent",
            "--show-error",
            // The access key goes to the endpoint only: HTTPS, no proxy, no
            // redirect followed (curl follows none unless told).
            "--proto",
            "=https",
            "--noproxy",
            "*",
            "--connect-timeout",
            "10",
            "--max-time",
            "60",
            // What is fetched (the sealed escrow, a marker) is small: a
            // larger answer is refused before it is read into memory.
            "--max-filesize",
            "67108864",
            // The status after the body, whatever it is: S3's error body
            // names the problem (no --fail, which would hide it).
            "--write-out",
            "%{http_code}",
            // The access key, from standard input.
            "--config",
            "-",
        ]
        .into_iter()
        .map(OsString::from)
        .collect();
        a.push("--aws-sigv4".into());
        a.push(format!("aws:amz:{}:s3", self.cfg.region).into());
        a.push("--header".into());
        a.push(format!("x-amz-content-sha256: {payload}").into());
        if let Some(ca) = &self.cfg.ca_cert {
            // That CA alone, not the system's too: without --capath, curl
            // would also look issuers up in /etc/ssl/certs, its default
            // (/dev/null is no directory, so that holds none).
            a.push("--cacert".into());
            a.push(ca.into());
            a.push("--capath".into());
            a.push("/dev/null".into());
        }
        if let Some(f) = upload {
            // A PUT of the file's content, without the Content-Type
            // that --data-binary would add.
            a.push("--upload-file".into());
            a.push(f.into());
        }
        a.push("--url".into());
        a.push(self.url(key).into());
        a
    }

    /// What curl reads on its standard input: the access key, in curl's
    /// configuration syntax (a quoted string, `\` and `"` escaped).
    fn config(&self) -> SecretString {
        let mut user = zeroize::Zeroizing::new(String::new());
        for (i, part) in [&self.creds.access_key_id, &self.creds.secret_access_key]
            .into_iter()
            .enumerate()
        {
            if i > 0 {
                user.push(':');
            }
            for c in part.expose_secret().chars() {
                match c {
                    '\\' | '"' => {
                        user.push('\\');
                        user.push(c);
                    }
                    '\n' => user.push_str("\\n"),
                    '\r' => user.push_str("\\r"),
                    '\t' => user.push_str("\\t"),
                    c => user.push(c),
                }
            }
        }
        SecretString::from(format!("user = \"{}\"\n", user.as_str()))
    }

    fn send(&self, key: &str, body: Option<&[u8]>, what: &str) -> Result<Vec<u8>, BackupError> {
        let payload = hex::encode(Sha256::digest(body.unwrap_or_default()));
        // Standard input carries the access key (curl's configuration), so
        // a PUT's body goes in a file: created for us alone (0600, by
        // tempfile) in the state directory and removed when sent. The
        // bodies are the marker, the age-sealed escrow and the list of key
        // versions it covers, all kept on disk anyway (escrow.file, the
        // local repository); nothing secret. Handing the key on another
        // descriptor instead would need unsafe code in the child.
        let upload = match body {
            Some(b) => {
                std::fs::create_dir_all(&self.scratch)
                    .map_err(io(format!("create {}", self.scratch.display())))?;
                let mut f = tempfile::Builder::new()
                    .prefix(".s3-put-")
                    .tempfile_in(&self.scratch)
                    .map_err(io(format!("create a file in {}", self.scratch.display())))?;
                f.write_all(b)
                    .and_then(|()| f.flush())
                    .map_err(io(format!("write {}", f.path().display())))?;
                Some(f)
            }
            None => None,
        };
        let done = Tool::new("curl", what)
            .args(self.arguments(key, &payload, upload.as_ref().map(|f| f.path())))
            .stdin_secret(self.config())
            .quiet()
            .finish()?;
        drop(upload);
        let target = self.cfg.describe();
        let out = done.out;
        let (bytes, code) = out.split_at(out.len().saturating_sub(3));
        let status: u16 = std::str::from_utf8(code)
            .ok()
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        if !done.status.success() || status == 0 {
            // curl's message: "curl: (7) Failed to connect to ...".
            let detail = last_lines(&done.tail.join("\n"), 2);
            return Err(BackupError::RemoteUnreachable {
                target,
                detail: if detail.is_empty() {
                    format!("curl {}", done.status)
                } else {
                    detail
                },
            });
        }
        if (200..300).contains(&status) {
            return Ok(bytes.to_vec());
        }
        let text = String::from_utf8_lossy(bytes);
        let code = between(&text, "<Code>", "</Code>").unwrap_or_default();
        Err(BackupError::RemoteRefused {
            target,
            what: what.to_owned(),
            status,
            code: code.to_owned(),
            fix: fix_for(status, code, &self.cfg),
        })
    }

    pub fn put(&self, key: &str, body: &[u8], what: &str) -> Result<(), BackupError> {
        self.send(key, Some(body), what).map(drop)
    }

    pub fn get(&self, key: &str, what: &str) -> Result<Vec<u8>, BackupError> {
        self.send(key, None, what)
    }
}

const PEM_CERT: &[u8] = b"-----BEGIN CERTIFICATE-----";

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_key_ids_that_curl_would_split_are_refused() {
        assert_eq!(access_key_id_fault("AKIDEXAMPLE"), None);
        assert_eq!(access_key_id_fault("AKID:EXAMPLE"), Some("a colon"));
        assert_eq!(access_key_id_fault("AKID\nX"), Some("a control character"));
        assert_eq!(access_key_id_fault(""), Some("nothing"));
    }

    fn s3(uri_style: UriStyle, ca_cert: Option<&str>) -> S3 {
        let cfg = RemoteConfig {
            endpoint: "s3.example.org:9000".into(),
            bucket: "custodian".into(),
            region: "eu-central-1".into(),
            prefix: "/appliance 1".into(),
            uri_style,
            ca_cert: ca_cert.map(Into::into),
        };
        S3 {
            cfg,
            creds: Credentials {
                access_key_id: SecretString::from("AKIDEXAMPLE".to_owned()),
                secret_access_key: SecretString::from("wJal\\r/K7\"MDENG+bPx".to_owned()),
            },
            scratch: "/nonexistent".into(),
        }
    }

    #[test]
    fn urls_follow_the_uri_style_and_encode_the_key() {
        let path = s3(UriStyle::Path, None);
        assert_eq!(
            path.url(&path.cfg.key(ESCROW_KEY)),
            "https://s3.example.org:9000/custodian/appliance%201/escrow/escrow.age"
        );
        let host = s3(UriStyle::Host, None);
        assert_eq!(
            host.url("a+b/c~d"),
            "https://custodian.s3.example.org:9000/a%2Bb/c~d"
        );
    }

    #[test]
    fn the_access_key_reaches_curl_on_standard_input_only() {
        let s = s3(UriStyle::Path, Some("/etc/custodian/s3-ca.pem"));
        let empty = hex::encode(Sha256::digest(b""));
        let args: Vec<String> = s
            .arguments("k", &empty, Some(Path::new("/var/lib/x/.s3-put-1")))
            .into_iter()
            .map(|a| a.into_string().unwrap_or_default())
            .collect();
        assert_eq!(args[0], "-q", "~/.curlrc is never read");
        for want in [
            "aws:amz:eu-central-1:s3",
            "/etc/custodian/s3-ca.pem",
            "/var/lib/x/.s3-put-1",
            "https://s3.example.org:9000/custodian/k",
            &format!("x-amz-content-sha256: {empty}"),
        ] {
            assert!(args.iter().any(|a| a == want), "{want} in {args:?}");
        }
        assert!(args.windows(2).any(|w| w == ["--config", "-"]), "{args:?}");
        assert!(
            args.windows(2).any(|w| w == ["--capath", "/dev/null"]),
            "the private CA alone: {args:?}"
        );
        let joined = args.join(" ");
        assert!(
            !joined.contains("AKIDEXAMPLE") && !joined.contains("wJal"),
            "{joined}"
        );
        // Quoted as curl's configuration syntax wants it.
        assert_eq!(
            s.config().expose_secret(),
            "user = \"AKIDEXAMPLE:wJal\\\\r/K7\\\"MDENG+bPx\"\n"
        );
        let get: Vec<OsString> = s.arguments("k", &empty, None);
        assert!(
            !get.iter().any(|a| a == "--upload-file"),
            "a GET uploads nothing"
        );
    }

    #[test]
    fn keys_are_encoded_as_s3_wants() {
        assert_eq!(uri_encode("a b+c~d"), "a%20b%2Bc~d");
    }
}
