//! A whole appliance's back end for a test: PostgreSQL, OpenBao provisioned
//! by custodianctl, the database engine configured and the schema migrated.

use crate::daemon::DaemonConfig;
use crate::{DbFixture, OpenBao, Postgres, Result, VaultFixture};

pub struct Appliance {
    pub bao: OpenBao,
    pub vault: VaultFixture,
    pub pg: Postgres,
    pub db: DbFixture,
}

impl Appliance {
    /// `db_extra` goes to `custodianctl vault provision-database`.
    pub fn start(db_extra: &[&str]) -> Result<Self> {
        let pg = Postgres::start()?;
        let bao = OpenBao::start()?;
        let vault = VaultFixture::provision(&bao, &[])?;
        let db = DbFixture::provision(&bao, &vault, &pg, db_extra)?;
        Ok(Self { bao, vault, pg, db })
    }

    /// custodiand on this back end: TLS from Vault PKI, the database, and
    /// extra lines for `[database]` and `[limits]`.
    pub fn daemon_config(&self, database_extra: &str, limits: &str) -> DaemonConfig {
        DaemonConfig {
            dev_pem_flag: false,
            vault_toml: Some(self.vault.vault_toml()),
            database_toml: Some(format!("{}{database_extra}", self.db.database_toml())),
            tls_toml: Some(
                "source = \"vault-pki\"\ncommon-name = \"localhost\"\nttl-secs = 3600".into(),
            ),
            client_ca_pem: Some(self.vault.ca_pem.clone()),
            limits: format!("csp-reports-per-minute = 1000000\n{limits}"),
            ..DaemonConfig::default()
        }
    }
}
