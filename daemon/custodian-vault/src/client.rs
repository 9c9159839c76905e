//! The HTTP layer: one `reqwest` client that trusts exactly the configured
//! CA, ignores proxy and TLS environment variables, and reports errors
//! without echoing response bodies (which may hold secrets).

use std::net::IpAddr;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use reqwest::{Method, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;

#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error("vault.address {0:?} is not valid; give e.g. \"https://vault.example.org:8200\"")]
    Address(String),
    #[error(
        "vault.address uses plain http on a non-loopback host ({0}); use https with vault.ca-cert"
    )]
    PlainHttp(String),
    #[error("vault.ca-cert is required for an https vault.address (Vault's CA is pinned, the system roots are not used)")]
    MissingCa,
    #[error("cannot read Vault CA {path}: {reason}")]
    Ca { path: String, reason: String },
    #[error("cannot build the Vault HTTP client: {0}")]
    Http(String),
    #[error("cannot reach Vault at {address} ({path}): {reason}; check vault.address and that Vault is running and unsealed")]
    Unreachable {
        address: String,
        path: String,
        reason: String,
    },
    #[error("Vault denied {method} {path} (HTTP 403); the token's policy must grant it (see policy/vault/custodiand.hcl){detail}")]
    Denied {
        method: String,
        path: String,
        detail: String,
    },
    #[error("Vault has nothing at {path} (HTTP 404){detail}")]
    NotFound { path: String, detail: String },
    #[error("Vault answered {method} {path} with HTTP {status}{detail}")]
    Status {
        method: String,
        path: String,
        status: u16,
        detail: String,
    },
    #[error("Vault's answer to {path} lacks {field}")]
    Missing { path: String, field: &'static str },
    #[error("{0}")]
    Invalid(String),
}

impl VaultError {
    /// Worth retrying later (network, sealed, overloaded) rather than a
    /// configuration or permission problem.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Unreachable { .. } => true,
            Self::Status { status, .. } => *status >= 500 || *status == 429,
            _ => false,
        }
    }
}

#[derive(Debug, Clone)]
pub struct ClientConfig {
    pub address: String,
    /// PEM of the CA that signed Vault's certificate (required for https).
    pub ca_pem: Option<Vec<u8>>,
    pub timeout: Duration,
}

#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    token: Arc<RwLock<Option<SecretString>>>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base", &self.base)
            .field("token", &"<redacted>")
            .finish()
    }
}

impl Client {
    pub fn new(cfg: &ClientConfig) -> Result<Self, VaultError> {
        let url = reqwest::Url::parse(&cfg.address)
            .map_err(|_| VaultError::Address(cfg.address.clone()))?;
        let host = url
            .host_str()
            .ok_or_else(|| VaultError::Address(cfg.address.clone()))?;
        let mut builder = reqwest::Client::builder()
            // Vault's address is explicit; HTTPS_PROXY and friends must not
            // redirect secrets elsewhere.
            .no_proxy()
            .tls_built_in_root_certs(false)
            .https_only(url.scheme() == "https")
            .timeout(cfg.timeout)
            .connect_timeout(cfg.timeout.min(Duration::from_secs(5)))
            .redirect(reqwest::redirect::Policy::none())
            .pool_idle_timeout(Duration::from_secs(30));
        match url.scheme() {
            "https" => {
                let pem = cfg.ca_pem.as_ref().ok_or(VaultError::MissingCa)?;
                let certs =
                    reqwest::Certificate::from_pem_bundle(pem).map_err(|e| VaultError::Ca {
                        path: "vault.ca-cert".into(),
                        reason: e.to_string(),
                    })?;
                if certs.is_empty() {
                    return Err(VaultError::Ca {
                        path: "vault.ca-cert".into(),
                        reason: "no certificate in the file".into(),
                    });
                }
                for c in certs {
                    builder = builder.add_root_certificate(c);
                }
            }
            "http" => {
                let loopback = host == "localhost"
                    || host
                        .trim_start_matches('[')
                        .trim_end_matches(']')
                        .parse::<IpAddr>()
                        .is_ok_and(|ip| ip.is_loopback());
                if !loopback {
                    return Err(VaultError::PlainHttp(host.to_owned()));
                }
            }
            _ => return Err(VaultError::Address(cfg.address.clone())),
        }
        let http = builder
            .build()
            .map_err(|e| VaultError::Http(e.to_string()))?;
        Ok(Self {
            http,
            base: cfg.address.trim_end_matches('/').to_owned(),
            token: Arc::new(RwLock::new(None)),
        })
    }

    pub fn address(&self) -> &str {
        &self.base
    }

    pub fn set_token(&self, token: Option<SecretString>) {
        *self.token.write().unwrap_or_else(|p| p.into_inner()) = token;
    }

    pub fn has_token(&self) -> bool {
        self.token
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .is_some()
    }

    /// Calls `/v1/{path}` with the session token. `Ok(None)` for 204.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Option<Value>, VaultError> {
        self.call_with_headers(method, path, body, &[]).await
    }

    /// Like [`Client::call`], with extra request headers.
    pub async fn call_with_headers(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> Result<Option<Value>, VaultError> {
        let token = self.token.read().unwrap_or_else(|p| p.into_inner()).clone();
        self.call_as(token.as_ref(), method, path, body, headers)
            .await
    }

    /// Calls `/v1/{path}` with an explicit token (or none) and extra headers.
    pub async fn call_as(
        &self,
        token: Option<&SecretString>,
        method: Method,
        path: &str,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> Result<Option<Value>, VaultError> {
        let url = format!("{}/v1/{}", self.base, path.trim_start_matches('/'));
        let mut req = self.http.request(method.clone(), &url);
        if let Some(t) = token {
            req = req.header("X-Vault-Token", t.expose_secret());
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        let res = req.send().await.map_err(|e| VaultError::Unreachable {
            address: self.base.clone(),
            path: path.to_owned(),
            reason: describe(&e),
        })?;
        let status = res.status();
        let bytes = res.bytes().await.map_err(|e| VaultError::Unreachable {
            address: self.base.clone(),
            path: path.to_owned(),
            reason: describe(&e),
        })?;
        if status.is_success() {
            if status == StatusCode::NO_CONTENT || bytes.is_empty() {
                return Ok(None);
            }
            return serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|_| VaultError::Invalid(format!("Vault's answer to {path} is not JSON")));
        }
        // Vault's own error strings ("permission denied", "check-and-set
        // parameter did not match") carry no secrets; the rest of the body
        // is not shown.
        let detail = serde_json::from_slice::<Value>(&bytes)
            .ok()
            .and_then(|v| v.get("errors").cloned())
            .and_then(|e| e.as_array().cloned())
            .map(|errs| {
                let msgs: Vec<String> = errs
                    .iter()
                    .filter_map(|e| e.as_str())
                    .map(|s| s.chars().take(200).collect())
                    .collect();
                if msgs.is_empty() {
                    String::new()
                } else {
                    format!(": {}", msgs.join("; "))
                }
            })
            .unwrap_or_default();
        Err(match status {
            StatusCode::FORBIDDEN => VaultError::Denied {
                method: method.to_string(),
                path: path.to_owned(),
                detail,
            },
            StatusCode::NOT_FOUND => VaultError::NotFound {
                path: path.to_owned(),
                detail,
            },
            s => VaultError::Status {
                method: method.to_string(),
                path: path.to_owned(),
                status: s.as_u16(),
                detail,
            },
        })
    }

    pub async fn get(&self, path: &str) -> Result<Option<Value>, VaultError> {
        self.call(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Result<Option<Value>, VaultError> {
        self.call(Method::POST, path, Some(body)).await
    }

    pub async fn put(&self, path: &str, body: &Value) -> Result<Option<Value>, VaultError> {
        self.call(Method::PUT, path, Some(body)).await
    }
}

/// A reqwest error as a short reason, without the URL's query or any body.
fn describe(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "connection failed"
    } else if e.is_body() || e.is_decode() {
        "reading the answer failed"
    } else {
        "request failed"
    };
    let mut source = std::error::Error::source(e);
    let mut inner = String::new();
    while let Some(s) = source {
        inner = s.to_string();
        source = s.source();
    }
    if inner.is_empty() {
        kind.to_owned()
    } else {
        format!("{kind}: {inner}")
    }
}

/// Reads a string field at a JSON pointer.
pub fn field<'a>(
    v: &'a Value,
    pointer: &str,
    path: &str,
    name: &'static str,
) -> Result<&'a str, VaultError> {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .ok_or_else(|| VaultError::Missing {
            path: path.to_owned(),
            field: name,
        })
}

/// Reads an integer field at a JSON pointer.
pub fn number(v: &Value, pointer: &str, path: &str, name: &'static str) -> Result<u64, VaultError> {
    v.pointer(pointer)
        .and_then(Value::as_u64)
        .ok_or_else(|| VaultError::Missing {
            path: path.to_owned(),
            field: name,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(address: &str) -> ClientConfig {
        ClientConfig {
            address: address.into(),
            ca_pem: None,
            timeout: Duration::from_secs(1),
        }
    }

    #[test]
    fn plain_http_only_on_loopback() {
        assert!(Client::new(&cfg("http://127.0.0.1:8200")).is_ok());
        assert!(Client::new(&cfg("http://localhost:8200")).is_ok());
        assert!(Client::new(&cfg("http://[::1]:8200")).is_ok());
        assert!(matches!(
            Client::new(&cfg("http://vault.example.org:8200")),
            Err(VaultError::PlainHttp(_))
        ));
        assert!(matches!(
            Client::new(&cfg("http://10.0.0.1:8200")),
            Err(VaultError::PlainHttp(_))
        ));
    }

    #[test]
    fn https_needs_a_pinned_ca() {
        assert!(matches!(
            Client::new(&cfg("https://vault.example.org")),
            Err(VaultError::MissingCa)
        ));
        let mut c = cfg("https://vault.example.org");
        c.ca_pem = Some(b"not a pem".to_vec());
        assert!(matches!(Client::new(&c), Err(VaultError::Ca { .. })));
    }

    #[test]
    fn debug_redacts_the_token() {
        let c = Client::new(&cfg("http://127.0.0.1:1")).expect("client");
        c.set_token(Some(SecretString::from("s.supersecret".to_owned())));
        assert!(!format!("{c:?}").contains("supersecret"));
    }
}
