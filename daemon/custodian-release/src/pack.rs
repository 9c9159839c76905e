//! A release archive: `release.json` and `bin/` with the binaries.

use std::path::Path;

use custodian_updated::release::{ReleaseFile, RELEASE_FILE};
use custodian_updated::version::Version;

use crate::ReleaseError;

const BINARIES: &[(&str, bool)] = &[
    ("custodiand", true),
    ("custodianctl", true),
    ("custodian-updated", false),
];

pub fn pack(
    bin_dir: &Path,
    version: Version,
    out: &Path,
    level: u32,
) -> Result<String, ReleaseError> {
    let io = |what: &'static str, path: &Path| {
        let path = path.to_owned();
        move |source| ReleaseError::Io { what, path, source }
    };
    let file = std::fs::File::create(out).map_err(io("create", out))?;
    let gz = flate2::write::GzEncoder::new(file, flate2::Compression::new(level));
    let mut tar = tar::Builder::new(gz);
    tar.mode(tar::HeaderMode::Deterministic);
    // Sparse entries are refused by the updater (only plain files).
    tar.sparse(false);
    let manifest = serde_json::to_vec(&ReleaseFile { version })
        .map_err(|e| ReleaseError::Msg(e.to_string()))?;
    let mut h = tar::Header::new_gnu();
    h.set_size(manifest.len() as u64);
    h.set_mode(0o644);
    h.set_cksum();
    tar.append_data(&mut h, RELEASE_FILE, manifest.as_slice())
        .map_err(io("write", out))?;
    let mut included = Vec::new();
    for (name, required) in BINARIES {
        let p = bin_dir.join(name);
        if !p.is_file() {
            if *required {
                return Err(ReleaseError::Msg(format!(
                    "{} is missing; build the workspace first",
                    p.display()
                )));
            }
            continue;
        }
        let mut f = std::fs::File::open(&p).map_err(io("open", &p))?;
        tar.append_file(format!("bin/{name}"), &mut f)
            .map_err(io("write", out))?;
        included.push(*name);
    }
    tar.into_inner()
        .and_then(|gz| gz.finish())
        .map_err(io("finish", out))?;
    Ok(format!(
        "{} holds release {version}: {}",
        out.display(),
        included.join(", ")
    ))
}
