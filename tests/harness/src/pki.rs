//! A throw-away CA and a server certificate for `localhost` and 127.0.0.1.

use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose,
};

use crate::{io, HarnessError, Result};

pub struct TestPki {
    pub ca_pem: String,
    pub ca_der: Vec<u8>,
    pub cert_pem: String,
    pub key_pem: String,
    ca_cert: rcgen::Certificate,
    ca_key: KeyPair,
}

fn gen(e: rcgen::Error) -> HarnessError {
    HarnessError::Setup(format!("rcgen: {e}"))
}

impl TestPki {
    pub fn new() -> Result<Self> {
        let ca_key = KeyPair::generate().map_err(gen)?;
        let mut ca = CertificateParams::new(Vec::<String>::new()).map_err(gen)?;
        ca.distinguished_name
            .push(DnType::CommonName, "custodian test CA");
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca_cert = ca.self_signed(&ca_key).map_err(gen)?;

        let (cert_pem, key_pem) = leaf(&ca_cert, &ca_key)?;
        Ok(Self {
            ca_pem: ca_cert.pem(),
            ca_der: ca_cert.der().to_vec(),
            cert_pem,
            key_pem,
            ca_cert,
            ca_key,
        })
    }

    /// Another `localhost` certificate (PEM cert, PEM key) from the same CA.
    pub fn new_leaf(&self) -> Result<(String, String)> {
        leaf(&self.ca_cert, &self.ca_key)
    }

    /// Writes `cert.pem`, `key.pem` and `ca.pem` into `dir`, the key 0600.
    pub fn write_to(&self, dir: &Path) -> Result<(PathBuf, PathBuf)> {
        use std::os::unix::fs::OpenOptionsExt;
        let cert = dir.join("cert.pem");
        let key = dir.join("key.pem");
        std::fs::write(&cert, &self.cert_pem).map_err(io("write cert.pem"))?;
        std::fs::write(dir.join("ca.pem"), &self.ca_pem).map_err(io("write ca.pem"))?;
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&key)
            .map_err(io("create key.pem"))?;
        std::io::Write::write_all(&mut f, self.key_pem.as_bytes()).map_err(io("write key.pem"))?;
        Ok((cert, key))
    }
}

fn leaf(ca_cert: &rcgen::Certificate, ca_key: &KeyPair) -> Result<(String, String)> {
    let key = KeyPair::generate().map_err(gen)?;
    let mut params = CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
        .map_err(gen)?;
    params
        .distinguished_name
        .push(DnType::CommonName, "localhost");
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let cert = params.signed_by(&key, ca_cert, ca_key).map_err(gen)?;
    Ok((cert.pem(), key.serialize_pem()))
}
