//! A provisioned OpenBao for custodiand, made the way a security team
//! would: by running `custodianctl vault provision` against it.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::openbao::OpenBao;
use crate::postgres::Postgres;
use crate::{io, HarnessError, Result};

/// The `custodianctl` binary next to the running program (or $CUSTODIANCTL_BIN).
pub fn custodianctl_bin() -> Result<PathBuf> {
    crate::sibling_bin("custodianctl", "CUSTODIANCTL_BIN")
}

pub struct VaultFixture {
    /// Removed on drop; `None` with [`VaultFixture::provision_in`].
    _temp: Option<tempfile::TempDir>,
    /// Where the secret_id files and the CA certificate are written.
    dir: PathBuf,
    pub address: String,
    pub role_id: String,
    /// The PKI CA custodiand's certificates chain to.
    pub ca_pem: String,
    pub secret_id_file: PathBuf,
    /// What custodianctl printed on stderr (its list of changes).
    pub report: String,
    /// Vault's own CA, when it speaks TLS (pinned by custodiand).
    pub vault_ca: Option<PathBuf>,
}

impl VaultFixture {
    /// Runs `custodianctl vault provision --dev-root-ca` with the root token.
    pub fn provision(bao: &OpenBao, extra: &[&str]) -> Result<Self> {
        let temp = tempfile::Builder::new()
            .prefix("custodian-vault-")
            .tempdir()
            .map_err(io("tempdir"))?;
        let mut me = Self::provision_in(bao, temp.path(), extra)?;
        me._temp = Some(temp);
        Ok(me)
    }

    /// Like [`VaultFixture::provision`], with the files in `dir` (0700,
    /// created when missing), which outlives the fixture. custodianctl
    /// keeps what the Vault already has (same CA, keys and roles), so
    /// running it again on a kept Vault changes nothing but issuing a new
    /// secret_id.
    pub fn provision_in(bao: &OpenBao, dir: &Path, extra: &[&str]) -> Result<Self> {
        use std::os::unix::fs::PermissionsExt;
        std::fs::create_dir_all(dir).map_err(io(format!("create {}", dir.display())))?;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .map_err(io(format!("chmod 0700 {}", dir.display())))?;
        let sid = dir.join("secret-id");
        let ca = dir.join("ca.pem");
        let out = ctl(bao)?
            .args([
                "vault",
                "provision",
                "--dev-root-ca",
                "--bind-cidr",
                "127.0.0.1/32",
            ])
            .arg("--secret-id-out")
            .arg(&sid)
            .arg("--ca-out")
            .arg(&ca)
            .args(ca_args(bao))
            .args(extra)
            .output()
            .map_err(io("run custodianctl"))?;
        let report = String::from_utf8_lossy(&out.stderr).into_owned();
        if !out.status.success() {
            return Err(HarnessError::Setup(format!(
                "custodianctl vault provision failed: {report}"
            )));
        }
        Ok(Self {
            address: bao.url(),
            role_id: String::from_utf8_lossy(&out.stdout).trim().to_owned(),
            ca_pem: std::fs::read_to_string(&ca).map_err(io("read ca.pem"))?,
            secret_id_file: sid,
            report,
            vault_ca: bao.ca_cert.clone(),
            _temp: None,
            dir: dir.to_path_buf(),
        })
    }

    /// A `[vault]` table for custodiand.toml.
    pub fn vault_toml(&self) -> String {
        let ca = self
            .vault_ca
            .as_ref()
            .map(|p| format!("\nca-cert = \"{}\"", p.display()))
            .unwrap_or_default();
        format!(
            "address = \"{}\"\nrole-id = \"{}\"\nsecret-id-file = \"{}\"\nrequest-timeout-secs = 3{ca}",
            self.address,
            self.role_id,
            self.secret_id_file.display()
        )
    }

    /// Issues another secret_id (wrapped for `wrap_ttl` seconds if given)
    /// into a new file and returns its path.
    pub fn issue_secret_id(
        &self,
        bao: &OpenBao,
        name: &str,
        wrap_ttl: Option<u64>,
    ) -> Result<PathBuf> {
        let path = self.dir.join(name);
        let mut cmd = ctl(bao)?;
        cmd.args(["vault", "secret-id", "--out"])
            .arg(&path)
            .args(ca_args(bao));
        if let Some(t) = wrap_ttl {
            cmd.arg("--wrap-ttl-secs").arg(t.to_string());
        }
        let out = cmd.output().map_err(io("run custodianctl"))?;
        if !out.status.success() {
            return Err(HarnessError::Setup(format!(
                "custodianctl vault secret-id: {}",
                String::from_utf8_lossy(&out.stderr)
            )));
        }
        Ok(path)
    }
}

/// The repository root (for policy/ and migrations/ files).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// PostgreSQL bootstrapped with `policy/postgres/bootstrap.sql`, Vault's
/// database engine provisioned, and the schema migrated by the migrator.
pub struct DbFixture {
    pub migrator_role_id: String,
    pub migrator_secret_id_file: PathBuf,
    pub host: String,
    pub port: u16,
    pub report: String,
}

impl DbFixture {
    /// `extra` goes to `custodianctl vault provision-database` (e.g. shorter
    /// credential lifetimes).
    pub fn provision(
        bao: &OpenBao,
        vault: &VaultFixture,
        pg: &Postgres,
        extra: &[&str],
    ) -> Result<Self> {
        let password = crate::random_hex(16);
        pg.psql_file(
            "postgres",
            &repo_root().join("policy/postgres/bootstrap.sql"),
            &[("vault_admin_password", &password)],
        )?;
        let pw_file = vault.dir.join("vault-admin-password");
        std::fs::write(&pw_file, &password).map_err(io("write password file"))?;
        let sid = vault.dir.join("migrator-secret-id");
        let out = ctl(bao)?
            .args([
                "vault",
                "provision-database",
                "--db-host",
                "127.0.0.1",
                "--db-port",
                &pg.port.to_string(),
            ])
            .arg("--admin-password-file")
            .arg(&pw_file)
            .arg("--migrator-secret-id-out")
            .arg(&sid)
            .args(extra)
            .output()
            .map_err(io("run custodianctl"))?;
        let _ = std::fs::remove_file(&pw_file);
        let mut report = String::from_utf8_lossy(&out.stderr).into_owned();
        if !out.status.success() {
            return Err(HarnessError::Setup(format!(
                "custodianctl vault provision-database failed: {report}"
            )));
        }
        let fx = Self {
            migrator_role_id: String::from_utf8_lossy(&out.stdout).trim().to_owned(),
            migrator_secret_id_file: sid,
            host: "127.0.0.1".into(),
            port: pg.port,
            report: String::new(),
        };
        let migrated = fx.ctl_owner(bao, &["migrate"])?;
        if !migrated.status.success() {
            return Err(HarnessError::Setup(format!(
                "custodianctl migrate failed: {}",
                String::from_utf8_lossy(&migrated.stderr)
            )));
        }
        report.push_str(&String::from_utf8_lossy(&migrated.stderr));
        Ok(Self { report, ..fx })
    }

    /// Runs a custodianctl command that works as the migrator/owner
    /// (`migrate`, `audit verify`), with the connection arguments added.
    pub fn ctl_owner(&self, bao: &OpenBao, args: &[&str]) -> Result<std::process::Output> {
        ctl(bao)?
            .args(args)
            .args(["--role-id", &self.migrator_role_id])
            .arg("--secret-id-file")
            .arg(&self.migrator_secret_id_file)
            .args(["--db-host", &self.host, "--db-port", &self.port.to_string()])
            .output()
            .map_err(io("run custodianctl"))
    }

    /// A `[database]` table for custodiand.toml.
    pub fn database_toml(&self) -> String {
        format!("host = \"{}\"\nport = {}\n", self.host, self.port)
    }
}

/// `--ca-cert PATH` for a TLS dev server.
fn ca_args(bao: &OpenBao) -> Vec<std::ffi::OsString> {
    match &bao.ca_cert {
        Some(p) => vec!["--ca-cert".into(), p.into()],
        None => Vec::new(),
    }
}

/// `custodianctl` with the dev server's address and root token in its
/// environment, as a security team's shell would have them.
pub fn ctl(bao: &OpenBao) -> Result<Command> {
    let mut cmd = Command::new(custodianctl_bin()?);
    cmd.env("VAULT_ADDR", bao.url())
        .env("VAULT_TOKEN", &bao.root_token);
    Ok(cmd)
}
