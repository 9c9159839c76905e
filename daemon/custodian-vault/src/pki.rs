//! TLS certificates from Vault's PKI engine. The key pair is made here and
//! only a CSR goes to Vault (`pki/sign`), so the private key never leaves
//! the daemon's memory.

use std::net::IpAddr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::json;
use zeroize::Zeroizing;

use crate::client::{field, number, Client, VaultError};

#[derive(Debug, Clone)]
pub struct CertRequest {
    pub mount: String,
    pub role: String,
    pub common_name: String,
    pub alt_names: Vec<String>,
    pub ip_sans: Vec<IpAddr>,
    pub ttl: Duration,
}

pub struct IssuedCert {
    /// Leaf first, then the issuing chain, as PEM.
    pub chain_pem: Vec<String>,
    /// PKCS#8 DER of the private key; wiped on drop.
    pub key_pkcs8: Zeroizing<Vec<u8>>,
    pub serial: String,
    pub not_after: SystemTime,
    /// When we received it: OpenBao back-dates not_before by 30 s, so the
    /// renewal point is counted from here, not from not_before.
    pub received: SystemTime,
}

impl std::fmt::Debug for IssuedCert {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedCert")
            .field("serial", &self.serial)
            .field("not_after", &self.not_after)
            .finish_non_exhaustive()
    }
}

impl IssuedCert {
    /// Two thirds of the way from receipt to expiry.
    pub fn renew_at(&self) -> SystemTime {
        let life = self
            .not_after
            .duration_since(self.received)
            .unwrap_or_default();
        self.received + life.mul_f64(2.0 / 3.0)
    }
}

fn gen(e: rcgen::Error) -> VaultError {
    VaultError::Invalid(format!("cannot build the certificate request: {e}"))
}

pub async fn issue(client: &Client, req: &CertRequest) -> Result<IssuedCert, VaultError> {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).map_err(gen)?;
    let mut sans: Vec<String> = vec![req.common_name.clone()];
    sans.extend(
        req.alt_names
            .iter()
            .filter(|n| **n != req.common_name)
            .cloned(),
    );
    sans.extend(req.ip_sans.iter().map(ToString::to_string));
    let mut params = rcgen::CertificateParams::new(sans).map_err(gen)?;
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, req.common_name.clone());
    let csr = params
        .serialize_request(&key)
        .map_err(gen)?
        .pem()
        .map_err(gen)?;
    let path = format!("{}/sign/{}", req.mount, req.role);
    let v = client
        .post(&path, &json!({"csr": csr, "common_name": req.common_name, "ttl": format!("{}s", req.ttl.as_secs()), "format": "pem"}))
        .await?
        .ok_or(VaultError::Missing { path: path.clone(), field: "data" })?;
    let received = SystemTime::now();
    let mut chain_pem = vec![field(&v, "/data/certificate", &path, "data.certificate")?.to_owned()];
    if let Some(chain) = v.pointer("/data/ca_chain").and_then(|c| c.as_array()) {
        chain_pem.extend(chain.iter().filter_map(|c| c.as_str()).map(str::to_owned));
    } else if let Some(ca) = v.pointer("/data/issuing_ca").and_then(|c| c.as_str()) {
        chain_pem.push(ca.to_owned());
    }
    let expiration = number(&v, "/data/expiration", &path, "data.expiration")?;
    Ok(IssuedCert {
        chain_pem,
        key_pkcs8: Zeroizing::new(key.serialize_der()),
        serial: field(&v, "/data/serial_number", &path, "data.serial_number")?.to_owned(),
        not_after: UNIX_EPOCH + Duration::from_secs(expiration),
        received,
    })
}
