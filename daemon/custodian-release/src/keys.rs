//! Signing keys: Ed25519, PKCS#8 DER files, mode 0600, one per file.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::Ed25519KeyPair;
use tough::key_source::{KeySource, LocalKeySource};

use crate::ReleaseError;

pub const ROOT_KEYS: [&str; 3] = ["root-1", "root-2", "root-3"];
pub const ONLINE_KEYS: [&str; 3] = ["targets", "snapshot", "timestamp"];

pub fn path(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!("{name}.pk8"))
}

pub fn generate(dir: &Path) -> Result<String, ReleaseError> {
    std::fs::create_dir_all(dir).map_err(|source| ReleaseError::Io {
        what: "create",
        path: dir.to_owned(),
        source,
    })?;
    let rng = SystemRandom::new();
    for name in ROOT_KEYS.iter().chain(ONLINE_KEYS.iter()) {
        let p = path(dir, name);
        let doc = Ed25519KeyPair::generate_pkcs8(&rng)
            .map_err(|_| ReleaseError::Msg("key generation failed".into()))?;
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&p)
            .map_err(|source| ReleaseError::Io {
                what: "create (keys are never overwritten)",
                path: p.clone(),
                source,
            })?;
        f.write_all(doc.as_ref())
            .map_err(|source| ReleaseError::Io {
                what: "write",
                path: p.clone(),
                source,
            })?;
    }
    Ok(format!(
        "six keys written to {}; keep the root keys offline and apart",
        dir.display()
    ))
}

pub fn sources(dir: &Path, names: &[&str]) -> Vec<Box<dyn KeySource>> {
    names
        .iter()
        .map(|n| path(dir, n))
        .filter(|p| p.exists())
        .map(|path| Box::new(LocalKeySource { path }) as Box<dyn KeySource>)
        .collect()
}
