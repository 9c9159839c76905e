//! Headless Chromium for end-to-end tests: a private home directory whose
//! NSS database trusts the test certificate authority (WebAuthn refuses
//! pages with certificate errors, so ignoring them is not an option), and
//! the playwright-core scripts in `tests/browser/`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::{HarnessError as Error, Result};

/// Where the browser scripts and their `node_modules` live.
pub fn scripts_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../browser")
}

/// A `$HOME` for Chromium whose NSS database trusts `ca_pem`.
pub struct BrowserHome {
    dir: tempfile::TempDir,
}

impl BrowserHome {
    pub fn trusting(ca_pem: &str) -> Result<Self> {
        let dir = tempfile::Builder::new()
            .prefix("custodian-chromium-")
            .tempdir()
            .map_err(|e| Error::Setup(format!("browser home: {e}")))?;
        let nssdb = dir.path().join(".pki/nssdb");
        std::fs::create_dir_all(&nssdb).map_err(|e| Error::Setup(format!("nssdb: {e}")))?;
        let ca = dir.path().join("ca.pem");
        std::fs::write(&ca, ca_pem).map_err(|e| Error::Setup(format!("ca.pem: {e}")))?;
        let db = format!("sql:{}", nssdb.display());
        run_certutil(&["-N", "--empty-password", "-d", &db])?;
        run_certutil(&[
            "-A",
            "-t",
            "C,,",
            "-n",
            "custodian-test-ca",
            "-i",
            &ca.display().to_string(),
            "-d",
            &db,
        ])?;
        Ok(Self { dir })
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Runs `tests/browser/e2e.mjs <scenario> <base> <token> <shots>`.
    pub fn run_e2e(&self, scenario: &str, base: &str, token: &str, shots: &Path) -> Result<Output> {
        let dir = scripts_dir();
        if !dir.join("node_modules/playwright-core").is_dir() {
            return Err(Error::Setup(format!(
                "playwright-core is not installed: run `npm ci` in {} (scripts/install-deps does)",
                dir.display()
            )));
        }
        Command::new("node")
            .current_dir(&dir)
            .arg("e2e.mjs")
            .args([scenario, base, token])
            .arg(shots)
            .env("HOME", self.path())
            .output()
            .map_err(|e| Error::Setup(format!("node: {e} (install Debian's nodejs)")))
    }
}

fn run_certutil(args: &[&str]) -> Result<()> {
    let out = Command::new("certutil")
        .args(args)
        .output()
        .map_err(|e| Error::Setup(format!("certutil: {e} (install Debian's libnss3-tools)")))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(Error::Setup(format!(
            "certutil {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        )))
    }
}
