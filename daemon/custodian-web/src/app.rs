//! What request handlers share: the database (when configured), the
//! per-address rate limits of anonymous endpoints and the limits on
//! expensive requests.

use std::sync::Arc;
use std::time::Duration;

use custodian_vault::keyring::Keyring;

use custodian_core::identity::accounts::Decoy;
use custodian_core::identity::password::Policy;
use custodian_core::pool::Database;
pub use custodian_core::rate_limit::RateLimiter;

pub struct App {
    pub db: Option<Arc<Database>>,
    /// Versioned keys from Vault (token signing, password pepper).
    pub keyring: Option<Arc<Keyring>>,
    pub csp_reports: RateLimiter,
    /// CSP reports, written to the journal once a minute.
    pub csp_tally: Arc<crate::csp_tally::CspTally>,
    pub identity: Identity,
    /// The media store; `None` without `[storage]`.
    pub media: Option<Arc<custodian_core::evidence::media::Media>>,
    /// custodian-updated's socket; `None` without `[updates]`.
    pub updater: Option<std::path::PathBuf>,
    /// The limits on expensive requests and the counts of 503s.
    pub load: Arc<custodian_core::load::Load>,
    /// The interface language for a browser that asks for none of ours.
    pub language: crate::i18n::Lang,
    /// `[backup] stale-after-hours`: how old the last backup may be
    /// before the backups page calls it stale; `None` without `[backup]`
    /// (nothing watches the backups then, and the page says so).
    pub backup_stale_after_hours: Option<u64>,
    /// `[search]`: the interactive budget of lists and the bounds of
    /// background searches.
    pub searches: custodian_core::evidence::search_jobs::Searches,
}

/// What sign-in needs besides the database and the keyring.
/// A value of the settings page's configuration list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum About {
    /// Shown as it is: an address, a name, a version, a list of roles.
    Shown(String),
    /// Words of the interface: a catalogue key (`settings-about-…`).
    Words(&'static str),
}

pub struct Identity {
    pub policy: Policy,
    pub decoy: Decoy,
    /// Sign-in and setup attempts per peer address (socket peer only).
    pub login_attempts: RateLimiter,
    pub public_origin: String,
    /// Roles that must pass a second factor, and those for which it must
    /// be a hardware key.
    pub factors: custodian_core::identity::sessions::FactorPolicy,
    /// What the settings page shows of the configuration: never a secret.
    /// Each line's label is its catalogue key (`settings-about-…`).
    pub about: Vec<(&'static str, About)>,
    /// Passkeys; `None` when the public origin has no host name.
    pub webauthn: Option<Arc<webauthn_rs::Webauthn>>,
    /// For transit (TOTP secrets); `None` without Vault.
    pub vault: Option<custodian_vault::Client>,
}

impl App {
    pub fn new(
        db: Option<Arc<Database>>,
        keyring: Option<Arc<Keyring>>,
        csp_reports_per_minute: u32,
        identity: Identity,
        media: Option<Arc<custodian_core::evidence::media::Media>>,
        updater: Option<std::path::PathBuf>,
        load: Arc<custodian_core::load::Load>,
    ) -> Self {
        Self {
            db,
            keyring,
            csp_reports: RateLimiter::new(csp_reports_per_minute, Duration::from_secs(60)),
            csp_tally: Arc::default(),
            identity,
            media,
            updater,
            load,
            language: crate::i18n::Lang::default(),
            backup_stale_after_hours: None,
            searches: custodian_core::evidence::search_jobs::Searches::default(),
        }
    }

    /// The backups are watched, and stale after this many hours.
    pub fn with_backup_watch(mut self, stale_after_hours: Option<u64>) -> Self {
        self.backup_stale_after_hours = stale_after_hours;
        self
    }

    /// The interactive budget and background searches of `[search]`.
    pub fn with_searches(
        mut self,
        searches: custodian_core::evidence::search_jobs::Searches,
    ) -> Self {
        self.searches = searches;
        self
    }

    /// The interface language for a browser that asks for none of ours.
    pub fn with_language(mut self, language: crate::i18n::Lang) -> Self {
        self.language = language;
        self
    }
}
