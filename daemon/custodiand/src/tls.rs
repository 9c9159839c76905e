//! TLS policy and the certificate slot.
//!
//! The certificate lives behind an `ArcSwap` so that a renewed key can be
//! swapped in while connections that already completed their handshake keep
//! the key they started with.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use arc_swap::ArcSwap;
use rustls::crypto::ring as provider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls::ServerConfig;
use zeroize::Zeroizing;

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read {what} {path}: {source}")]
    Read {
        what: &'static str,
        path: String,
        source: std::io::Error,
    },
    #[error("{what} {path} holds no usable PEM {expected}")]
    Pem {
        what: &'static str,
        path: String,
        expected: &'static str,
    },
    #[error("the private key is not usable for TLS: {0}")]
    Key(String),
    #[error("the certificate does not match the private key: {0}")]
    Mismatch(String),
    #[error("TLS policy: {0}")]
    Policy(String),
}

/// The current certificate and key, replaceable at run time.
pub struct CertSlot {
    current: ArcSwap<CertifiedKey>,
}

impl fmt::Debug for CertSlot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CertSlot(<redacted>)")
    }
}

impl CertSlot {
    pub fn new(key: CertifiedKey) -> Arc<Self> {
        Arc::new(Self {
            current: ArcSwap::from_pointee(key),
        })
    }

    pub fn replace(&self, key: CertifiedKey) {
        self.current.store(Arc::new(key));
    }
}

impl ResolvesServerCert for CertSlot {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.current.load_full())
    }
}

/// Builds a `CertifiedKey` from PEM text. The key text is zeroized by the
/// caller's `Zeroizing` wrapper; the DER copy is dropped here.
pub fn certified_key_from_pem(cert_pem: &[u8], key_pem: &[u8]) -> Result<CertifiedKey, TlsError> {
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(cert_pem)
        .collect::<Result<_, _>>()
        .map_err(|_| TlsError::Pem {
            what: "certificate",
            path: "(PEM)".into(),
            expected: "CERTIFICATE",
        })?;
    if chain.is_empty() {
        return Err(TlsError::Pem {
            what: "certificate",
            path: "(PEM)".into(),
            expected: "CERTIFICATE",
        });
    }
    let key = PrivateKeyDer::from_pem_slice(key_pem).map_err(|_| TlsError::Pem {
        what: "private key",
        path: "(PEM)".into(),
        expected: "PRIVATE KEY",
    })?;
    certified_key(chain, &key)
}

/// Pairs a chain (leaf first) with its key, checking that they match.
pub fn certified_key(
    chain: Vec<CertificateDer<'static>>,
    key: &PrivateKeyDer<'_>,
) -> Result<CertifiedKey, TlsError> {
    let signing_key =
        provider::sign::any_supported_type(key).map_err(|e| TlsError::Key(e.to_string()))?;
    let certified = CertifiedKey::new(chain, signing_key);
    certified
        .keys_match()
        .map_err(|e| TlsError::Mismatch(e.to_string()))?;
    Ok(certified)
}

/// Development only: reads a PEM pair from disk.
pub fn load_dev_pem(cert: &Path, key: &Path) -> Result<CertifiedKey, TlsError> {
    let read = |what: &'static str, p: &Path| {
        std::fs::read(p)
            .map(Zeroizing::new)
            .map_err(|source| TlsError::Read {
                what,
                path: p.display().to_string(),
                source,
            })
    };
    let cert_pem = read("certificate", cert)?;
    let key_pem = read("private key", key)?;
    certified_key_from_pem(&cert_pem, &key_pem).map_err(|e| match e {
        TlsError::Pem { what, expected, .. } => TlsError::Pem {
            what,
            path: if what == "certificate" { cert } else { key }
                .display()
                .to_string(),
            expected,
        },
        other => other,
    })
}

/// The server's TLS policy: TLS 1.3 and 1.2 only, AEAD suites only (rustls
/// implements nothing else), the server's preference order, no
/// renegotiation (rustls has none), ALPN h2 then http/1.1.
pub fn server_config(slot: Arc<CertSlot>) -> Result<Arc<ServerConfig>, TlsError> {
    let mut crypto = provider::default_provider();
    crypto.cipher_suites = vec![
        provider::cipher_suite::TLS13_AES_256_GCM_SHA384,
        provider::cipher_suite::TLS13_CHACHA20_POLY1305_SHA256,
        provider::cipher_suite::TLS13_AES_128_GCM_SHA256,
        provider::cipher_suite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        provider::cipher_suite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        provider::cipher_suite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        provider::cipher_suite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        provider::cipher_suite::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
        provider::cipher_suite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    ];
    let mut config = ServerConfig::builder_with_provider(Arc::new(crypto))
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| TlsError::Policy(e.to_string()))?
        .with_no_client_auth()
        .with_cert_resolver(slot);
    config.ignore_client_order = true;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}
