//! The update state machine. Each step is written to the journal before it
//! starts and announced as an event, so that a crash at any point is
//! finished or undone on the next start (`recover`), and administrators
//! see every step in the activity log.
//!
//! ```text
//! idle → (verify metadata, judge by policy) → downloading → staged
//!      → migrating → switching → restarting → health-check → idle (committed)
//!                                   └─ any failure ─→ rolling-back → idle
//!                                                       └─ fails too → failed
//! ```
//! Before `switching`, a failure only discards the staged release; after
//! it, the previous release is switched back, restarted and checked, and
//! the version is recorded as bad.

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use tokio::sync::{Mutex, OwnedMutexGuard};

use crate::config::Config;
use crate::install::Layout;
use crate::journal::{Event, Installed, Journal, Step, Store};
use crate::release::{self, Custom};
use crate::service;
use crate::trust::Trust;
use crate::version::Version;

#[derive(Debug, Clone, Serialize)]
pub struct Available {
    pub version: Version,
    pub recalled: bool,
    pub installable: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub why_not: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    pub at: i64,
    pub ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub signed_floor: Option<Version>,
    pub releases: Vec<Available>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Status {
    pub installed: Option<Version>,
    pub release_dir: Option<String>,
    pub floor: Option<Version>,
    pub step: Step,
    pub busy: bool,
    pub updating_to: Option<Version>,
    pub bad: Vec<Version>,
    pub last_check: Option<CheckReport>,
    pub events: Vec<Event>,
}

/// Who asks for an install. Only an operator at the console may accept a
/// release whose migrations rule out a rollback, or go on after an update
/// that failed for good.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Socket,
    Console {
        irreversible: bool,
        /// Install even a version that failed its health check here before
        /// (a failure may have had a passing cause, such as a Vault outage).
        retry_bad: bool,
    },
}

impl Origin {
    fn retries_bad(self) -> bool {
        matches!(
            self,
            Self::Console {
                retry_bad: true,
                ..
            }
        )
    }
}

/// Why a version marked bad may not be installed, unless an operator at
/// the console asked to retry it.
pub fn bad_version(installed: &Installed, v: Version, retry_bad: bool) -> Option<String> {
    (installed.bad.contains(&v) && !retry_bad).then(|| {
        format!("failed its health check on this appliance before; once its cause is fixed an operator may retry it at the console: custodian-updated apply --retry-bad {v}")
    })
}

/// A verified target, judged installable, waiting to be installed.
pub struct Plan {
    repo: tough::Repository,
    target: String,
    version: Version,
    sha256: String,
    origin: Origin,
    _guard: OwnedMutexGuard<()>,
}

pub struct Engine {
    config: Config,
    store: Store,
    layout: Layout,
    trust: Trust,
    busy: Arc<Mutex<()>>,
    last_check: std::sync::Mutex<Option<CheckReport>>,
    /// The version of a release directory without `release.json` (the
    /// package's), found by running its custodiand once, not per status.
    version_of_dir: std::sync::Mutex<Option<(String, Option<Version>)>>,
}

/// Checks closer together than this get the last report (no refresh).
const MIN_CHECK_INTERVAL_SECS: i64 = 10;

/// The updater's one clock read (clippy.toml forbids others): what is
/// decided with it (check spacing, step times) takes its value.
#[allow(clippy::disallowed_methods)]
fn now() -> i64 {
    jiff::Timestamp::now().as_second()
}

impl Engine {
    pub fn open(config: Config) -> Result<Self, String> {
        let store = Store::open(&config.paths.state_dir).map_err(|e| e.to_string())?;
        let trust = Trust::new(&config.repository, &store.tuf_dir()).map_err(|e| e.to_string())?;
        Ok(Self {
            layout: Layout::new(&config.paths.install_root),
            store,
            trust,
            config,
            busy: Arc::new(Mutex::new(())),
            last_check: std::sync::Mutex::new(None),
            version_of_dir: std::sync::Mutex::new(None),
        })
    }

    fn event(&self, op: u64, step: &str, outcome: &str, version: Option<Version>, detail: &str) {
        tracing::info!(op, step, outcome, version = ?version.map(|v| v.to_string()), detail, "update step");
        let e = Event {
            seq: 0,
            at: now(),
            op,
            step: step.into(),
            outcome: outcome.into(),
            version,
            detail: detail.into(),
        };
        if let Err(err) = self.store.append_event(e) {
            tracing::error!(error = %err, "cannot record an update event");
        }
    }

    fn journal(&self, j: &Journal) -> Result<(), String> {
        self.store.set_journal(j).map_err(|e| e.to_string())
    }

    /// The version the `current` release says it is.
    pub fn installed_version(&self) -> Option<Version> {
        let name = self.layout.current_name()?;
        let mut cache = self
            .version_of_dir
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let found = match cache.as_ref() {
            Some((dir, v)) if *dir == name => *v,
            _ => {
                let v = self.layout.version_of(&name);
                *cache = Some((name, v));
                v
            }
        };
        found.or_else(|| self.store.installed().ok().and_then(|i| i.committed))
    }

    pub fn status(&self, events_after: u64) -> Result<Status, String> {
        let j = self.store.journal().map_err(|e| e.to_string())?;
        let installed = self.store.installed().map_err(|e| e.to_string())?;
        let mut events = self.store.events().map_err(|e| e.to_string())?;
        events.retain(|e| e.seq > events_after);
        events.truncate(500);
        Ok(Status {
            installed: self.installed_version(),
            release_dir: self.layout.current_name(),
            floor: installed.floor,
            step: j.step,
            busy: self.busy.try_lock().is_err(),
            updating_to: (j.step != Step::Idle).then_some(j.to).flatten(),
            bad: installed.bad,
            last_check: self.last_check.lock().map(|c| c.clone()).unwrap_or(None),
            events,
        })
    }

    /// Our releases in the verified targets, for this channel and machine.
    fn releases(&self, repo: &tough::Repository) -> (Vec<(String, Custom)>, Option<Version>) {
        let mut apps = Vec::new();
        let mut floor = None;
        for (name, target) in repo.all_targets() {
            let Some(c) = Custom::from_target(&target.custom) else {
                continue;
            };
            if c.kind == release::KIND_FLOOR && name.raw() == release::FLOOR_TARGET {
                floor = Some(c.version);
            } else if c.kind == release::KIND_APP
                && c.channel.as_deref() == Some(self.config.repository.channel.as_str())
                && c.arch.as_deref() == Some(self.config.repository.arch.as_str())
                && name.raw() == release::app_target_name(c.version, &self.config.repository.arch)
            {
                apps.push((name.raw().to_owned(), c));
            }
        }
        apps.sort_by_key(|a| std::cmp::Reverse(a.1.version));
        (apps, floor)
    }

    /// Why `c` may not be installed here, if it may not.
    fn judge(
        &self,
        c: &Custom,
        apps: &[(String, Custom)],
        signed_floor: Option<Version>,
        installed: &Installed,
        retry_bad: bool,
    ) -> Option<String> {
        let current = self.installed_version();
        let v = c.version;
        if c.recalled {
            return Some("recalled by the publisher".into());
        }
        if let Some(why) = bad_version(installed, v, retry_bad) {
            return Some(why);
        }
        if let Some(f) = signed_floor {
            if v < f {
                return Some(format!("below the signed minimum version {f}"));
            }
        }
        if Some(v) == current {
            return Some("installed already".into());
        }
        // Stepping down is allowed only away from a recalled release.
        let current_recalled =
            current.is_some_and(|cv| apps.iter().any(|(_, a)| a.version == cv && a.recalled));
        let local_floor = installed.floor.max(current);
        if let Some(f) = local_floor {
            if v < f && !current_recalled {
                return Some(format!(
                    "older than {f}, the newest version installed here; a downgrade needs the publisher to recall {f}"
                ));
            }
        }
        if let (Some(min), Some(cur)) = (c.min_from_version, current) {
            if cur < min {
                return Some(format!(
                    "must be installed over {min} or later (this is {cur})"
                ));
            }
        }
        None
    }

    /// Verifies the newest metadata and lists what could be installed.
    pub async fn check(&self) -> CheckReport {
        let last = self.last_check.lock().map(|c| c.clone()).unwrap_or(None);
        // One metadata refresh at a time: two loaders writing the same
        // datastore could interleave. While an update runs, or within a
        // few seconds of the last check, the last report stands.
        let Ok(_guard) = self.busy.try_lock() else {
            return last.unwrap_or_else(|| CheckReport {
                at: now(),
                ok: false,
                error: Some("an update is in progress; check again when it has finished".into()),
                signed_floor: None,
                releases: Vec::new(),
            });
        };
        if let Some(r) = last.filter(|r| now() - r.at < MIN_CHECK_INTERVAL_SECS) {
            return r;
        }
        let op = self.store.journal().map(|j| j.op).unwrap_or(0);
        let report = match self.trust.refresh().await {
            Ok(repo) => {
                let (apps, signed_floor) = self.releases(&repo);
                let installed = self.store.installed().unwrap_or_default();
                let releases = apps
                    .iter()
                    .map(|(_, c)| {
                        let why_not = self.judge(c, &apps, signed_floor, &installed, false);
                        Available {
                            version: c.version,
                            recalled: c.recalled,
                            installable: why_not.is_none(),
                            why_not,
                        }
                    })
                    .collect::<Vec<_>>();
                let newest = releases.iter().find(|r| r.installable).map(|r| r.version);
                self.event(
                    op,
                    "check",
                    "ok",
                    newest,
                    &match newest {
                        Some(v) => format!("{v} can be installed"),
                        None => "nothing newer to install".into(),
                    },
                );
                CheckReport {
                    at: now(),
                    ok: true,
                    error: None,
                    signed_floor,
                    releases,
                }
            }
            Err(e) => {
                self.event(op, "check", "refused", None, &e.to_string());
                CheckReport {
                    at: now(),
                    ok: false,
                    error: Some(e.to_string()),
                    signed_floor: None,
                    releases: Vec::new(),
                }
            }
        };
        if let Ok(mut last) = self.last_check.lock() {
            *last = Some(report.clone());
        }
        report
    }

    /// Verifies metadata and judges `version`; the plan holds the
    /// single-flight lock until it is executed or dropped.
    pub async fn prepare(&self, version: Version, origin: Origin) -> Result<Plan, String> {
        let guard = Arc::clone(&self.busy)
            .try_lock_owned()
            .map_err(|_| "another update is in progress".to_owned())?;
        let j = self.store.journal().map_err(|e| e.to_string())?;
        match (j.step, origin) {
            (Step::Idle, _) | (Step::Failed, Origin::Console { .. }) => {}
            (Step::Failed, Origin::Socket) => {
                return Err("the last update failed and was not rolled back; an operator must look at the events, then install at the console (custodian-updated apply VERSION)".into())
            }
            (step, _) => {
                return Err(format!(
                    "the previous update stopped in step {step:?}; restart custodian-updated to finish or undo it"
                ))
            }
        }
        let op = j.op + 1;
        self.journal(&Journal::idle(op))?;
        self.event(op, "apply", "requested", Some(version), "");
        let repo = match self.trust.refresh().await {
            Ok(r) => r,
            Err(e) => {
                self.event(op, "verify", "refused", Some(version), &e.to_string());
                return Err(e.to_string());
            }
        };
        let (apps, signed_floor) = self.releases(&repo);
        let Some((target, custom)) = apps.iter().find(|(_, c)| c.version == version) else {
            let why = format!(
                "{version} is not a signed release for {} on channel {}",
                self.config.repository.arch, self.config.repository.channel
            );
            self.event(op, "verify", "refused", Some(version), &why);
            return Err(why);
        };
        let installed = self.store.installed().map_err(|e| e.to_string())?;
        if let Some(why) = self.judge(
            custom,
            &apps,
            signed_floor,
            &installed,
            origin.retries_bad(),
        ) {
            let why = format!("{version} cannot be installed: {why}");
            self.event(op, "policy", "refused", Some(version), &why);
            return Err(why);
        }
        if installed.bad.contains(&version) {
            // Only reachable from the console with --retry-bad: recorded
            // like every other step, so the activity log shows who chose it.
            self.event(
                op,
                "policy",
                "ok",
                Some(version),
                "retrying a version marked bad after a failed health check, as asked at the console (--retry-bad)",
            );
        }
        let sha256 = repo
            .all_targets()
            .find(|(n, _)| n.raw() == target)
            .map(|(_, t)| hex::encode(&t.hashes.sha256))
            .unwrap_or_default();
        self.event(
            op,
            "verify",
            "ok",
            Some(version),
            &format!("signed target {target}"),
        );
        Ok(Plan {
            repo,
            target: target.clone(),
            version,
            sha256,
            origin,
            _guard: guard,
        })
    }

    /// Downloads, stages, migrates, switches, restarts and checks; rolls
    /// back on failure after the switch.
    pub async fn execute(&self, plan: Plan) -> Result<(), String> {
        let op = self
            .store
            .journal()
            .map(|j| j.op)
            .map_err(|e| e.to_string())?;
        let version = plan.version;
        let mut j = Journal {
            step: Step::Downloading,
            op,
            from: self.installed_version(),
            to: Some(version),
            previous_dir: self.layout.current_name(),
            irreversible: false,
            restore_point: None,
        };
        self.journal(&j)?;
        let archive = self.store.downloads().join(&plan.target);
        let abandon = |step: &str, why: String| self.abandon(op, version, step, why);
        let deadline = Duration::from_secs(self.config.repository.download_deadline_secs);
        if let Err(e) = Trust::fetch(&plan.repo, &plan.target, &archive, deadline).await {
            return abandon("download", e.to_string());
        }
        self.event(
            op,
            "download",
            "ok",
            Some(version),
            &format!("sha256 {} verified", plan.sha256),
        );

        let staged = match self.layout.stage(&archive, version) {
            Ok(d) => d,
            Err(e) => return abandon("stage", e.to_string()),
        };
        j.step = Step::Staged;
        self.journal(&j)?;
        self.event(
            op,
            "stage",
            "ok",
            Some(version),
            &staged.display().to_string(),
        );

        if let Some(prev) = j.previous_dir.clone() {
            match self.rollback_possible(&staged, &prev).await {
                Ok(true) => {}
                Ok(false) if self.config.backup.is_some() => {
                    let point = format!("update-{version}-{op}");
                    j.restore_point = Some(point.clone());
                    self.event(
                        op,
                        "schema",
                        "ok",
                        Some(version),
                        &format!("releases/{prev} cannot run on the new schema; a failure will restore the database to restore point {point}"),
                    );
                }
                Ok(false) if matches!(plan.origin, Origin::Console { irreversible: true, .. }) => {
                    j.irreversible = true;
                    self.event(
                        op,
                        "schema",
                        "ok",
                        Some(version),
                        &format!("accepted at the console: releases/{prev} cannot run on the new schema, so a failure will not be rolled back"),
                    );
                }
                Ok(false) => {
                    return abandon(
                        "schema",
                        format!(
                            "{version} changes the database so that the running release (releases/{prev}) cannot run on it, so a failed update could not be rolled back. Back up the database, then install it at the console: custodian-updated apply --irreversible {version}"
                        ),
                    )
                }
                Err(e) => return abandon("schema", e),
            }
        }

        self.migrate_and_switch(j).await
    }

    /// Before the switch nothing changed for custodiand: the staged release
    /// and the download go, the journal is idle again.
    fn abandon(&self, op: u64, version: Version, step: &str, why: String) -> Result<(), String> {
        self.event(op, step, "failed", Some(version), &why);
        let _ = self.layout.discard(&version.to_string());
        self.clear_downloads();
        let _ = self.journal(&Journal::idle(op));
        Err(why)
    }

    /// Runs the staged release's migrations, switches to it and finishes.
    async fn migrate_and_switch(&self, mut j: Journal) -> Result<(), String> {
        let (op, version) = (j.op, j.to.ok_or("journal without a target version")?);
        let name = version.to_string();
        let staged = self.layout.release_dir(&name);
        if let Some(b) = &self.config.backup {
            let point = j
                .restore_point
                .clone()
                .unwrap_or_else(|| format!("update-{version}-{op}"));
            let argv: Vec<String> = service::expand(&b.restore_point, &staged)
                .iter()
                .map(|a| a.replace("{point}", &point))
                .collect();
            if let Err(e) = service::run(&argv, &b.env, Duration::from_secs(b.timeout_secs)).await {
                return self.abandon(
                    op,
                    version,
                    "backup",
                    format!("no restore point before migrating, so nothing was migrated: {e}"),
                );
            }
            self.event(
                op,
                "backup",
                "ok",
                Some(version),
                &format!("restore point {point} taken before the migrations"),
            );
        }
        j.step = Step::Migrating;
        self.journal(&j)?;
        let m = &self.config.migrate;
        let argv = service::expand(&m.command, &staged);
        if let Err(e) = service::run(&argv, &m.env, Duration::from_secs(m.timeout_secs)).await {
            if j.irreversible {
                // Some migrations may have run: the running release may no
                // longer start, and only going forward can fix that.
                j.step = Step::Failed;
                self.journal(&j)?;
                let why = format!("{e}; the schema may be past what the running release can use: restore the database backup, or fix the cause and run custodian-updated apply --irreversible {version} again");
                self.event(op, "migrate", "failed", Some(version), &why);
                return Err(why);
            }
            if let Some(point) = j.restore_point.clone() {
                // Some non-additive migrations may have run: back to the point.
                if let Err(r) = self.restore_point(&j, &point).await {
                    j.step = Step::Failed;
                    self.journal(&j)?;
                    let why = format!("{e}; restoring restore point {point} failed too: {r}");
                    self.event(op, "restore", "failed", Some(version), &why);
                    return Err(why);
                }
                self.event(
                    op,
                    "restore",
                    "ok",
                    Some(version),
                    &format!("database back at restore point {point}"),
                );
            }
            return self.abandon(op, version, "migrate", e);
        }
        self.event(
            op,
            "migrate",
            "ok",
            Some(version),
            "migrations from the new release applied",
        );

        j.step = Step::Switching;
        self.journal(&j)?;
        if let Err(e) = self.layout.switch_to(&name) {
            return self.abandon(op, version, "switch", e.to_string());
        }
        self.event(
            op,
            "switch",
            "ok",
            Some(version),
            &format!("current -> releases/{name}"),
        );
        self.finish(j).await
    }

    /// Restart, health gate, commit; or roll back.
    async fn finish(&self, mut j: Journal) -> Result<(), String> {
        let (op, version) = (j.op, j.to.ok_or("journal without a target version")?);
        let name = version.to_string();
        if j.step != Step::HealthCheck {
            j.step = Step::Restarting;
            self.journal(&j)?;
            if let Err(e) = self.restart().await {
                return self.roll_back(j, e).await;
            }
            self.event(op, "restart", "ok", Some(version), "");
        }
        j.step = Step::HealthCheck;
        self.journal(&j)?;
        if let Err(e) = self.health(&name).await {
            return self.roll_back(j, e).await;
        }
        let mut installed = self.store.installed().map_err(|e| e.to_string())?;
        installed.committed = Some(version);
        installed.floor = installed.floor.max(Some(version));
        // Healthy now (a retry at the console): no longer bad.
        installed.bad.retain(|b| *b != version);
        self.store
            .set_installed(&installed)
            .map_err(|e| e.to_string())?;
        self.journal(&Journal::idle(op))?;
        let keep: Vec<&str> = [Some(name.as_str()), j.previous_dir.as_deref()]
            .into_iter()
            .flatten()
            .collect();
        let removed = self.layout.prune(&keep).unwrap_or_default();
        self.clear_downloads();
        self.event(
            op,
            "commit",
            "ok",
            Some(version),
            &if removed.is_empty() {
                "healthy; committed".to_owned()
            } else {
                format!(
                    "healthy; committed; removed old releases {}",
                    removed.join(", ")
                )
            },
        );
        Ok(())
    }

    /// Whether the release in `prev` can run on the schema the staged
    /// release's migrations leave.
    async fn rollback_possible(
        &self,
        staged: &std::path::Path,
        prev: &str,
    ) -> Result<bool, String> {
        let new = service::schema_of(staged).await?;
        let old = service::schema_of(&self.layout.release_dir(prev)).await?;
        Ok(new.compatible_from <= old.version)
    }

    /// Runs `backup.restore` for `point`.
    async fn restore_point(&self, j: &Journal, point: &str) -> Result<(), String> {
        let Some(b) = &self.config.backup else {
            return Err("no [backup] in the configuration".into());
        };
        let release = j
            .previous_dir
            .as_deref()
            .map(|p| self.layout.release_dir(p))
            .unwrap_or_default();
        let argv: Vec<String> = service::expand(&b.restore, &release)
            .iter()
            .map(|a| a.replace("{point}", point))
            .collect();
        service::run(&argv, &b.env, Duration::from_secs(b.timeout_secs)).await
    }

    /// Archives are worth nothing once installed or abandoned (a verified
    /// download is fetched again if needed), and a torn one must not stay.
    fn clear_downloads(&self) {
        if let Ok(entries) = std::fs::read_dir(self.store.downloads()) {
            for e in entries.flatten() {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }

    async fn restart(&self) -> Result<(), String> {
        service::run(
            &self.config.service.restart,
            &Default::default(),
            Duration::from_secs(self.config.service.ready_timeout_secs),
        )
        .await
    }

    async fn health(&self, release: &str) -> Result<(), String> {
        service::health_gate(
            &self.config.service.readiness,
            release,
            Duration::from_secs(self.config.service.ready_timeout_secs),
            Duration::from_secs(self.config.service.soak_secs),
        )
        .await
    }

    async fn roll_back(&self, mut j: Journal, reason: String) -> Result<(), String> {
        let op = j.op;
        let version = j.to;
        self.event(op, "health", "failed", version, &reason);
        j.step = Step::RollingBack;
        self.journal(&j)?;
        if let Some(v) = version {
            let mut installed = self.store.installed().map_err(|e| e.to_string())?;
            if !installed.bad.contains(&v) {
                installed.bad.push(v);
            }
            self.store
                .set_installed(&installed)
                .map_err(|e| e.to_string())?;
        }
        if j.irreversible {
            j.step = Step::Failed;
            self.journal(&j)?;
            let why = "the previous release cannot run on the migrated schema (accepted at the console); restore the database backup and switch back, or install a fixed release";
            self.event(op, "rollback", "failed", version, why);
            return Err(format!("{reason}; {why}"));
        }
        let Some(prev) = j.previous_dir.clone() else {
            j.step = Step::Failed;
            self.journal(&j)?;
            self.event(
                op,
                "rollback",
                "failed",
                version,
                "no previous release is recorded",
            );
            return Err(format!("{reason}; no previous release to roll back to"));
        };
        let back = async {
            self.layout.switch_to(&prev).map_err(|e| e.to_string())?;
            if let Some(point) = &j.restore_point {
                self.restore_point(&j, point)
                    .await
                    .map_err(|e| format!("restoring restore point {point}: {e}"))?;
                self.event(
                    op,
                    "restore",
                    "ok",
                    version,
                    &format!("database back at restore point {point}"),
                );
            }
            self.restart().await?;
            self.health(&prev).await
        }
        .await;
        match back {
            Ok(()) => {
                if let Some(v) = version {
                    let _ = self.layout.discard(&v.to_string());
                }
                self.clear_downloads();
                self.journal(&Journal::idle(op))?;
                self.event(
                    op,
                    "rollback",
                    "ok",
                    version,
                    &format!("releases/{prev} serves again; the version is marked bad"),
                );
                Err(format!("{reason}; rolled back to releases/{prev}"))
            }
            Err(e) => {
                j.step = Step::Failed;
                self.journal(&j)?;
                self.event(op, "rollback", "failed", version, &e);
                Err(format!(
                    "{reason}; the rollback to releases/{prev} failed too: {e}"
                ))
            }
        }
    }

    /// Finishes or undoes what a crash interrupted. Runs before the socket
    /// is served, holding the single-flight lock.
    pub async fn recover(&self) -> Result<(), String> {
        let _guard = self.busy.lock().await;
        let j = self.store.journal().map_err(|e| e.to_string())?;
        let version = j.to;
        let to_name = version.map(|v| v.to_string());
        let switched = to_name.is_some() && self.layout.current_name() == to_name;
        match j.step {
            Step::Idle | Step::Failed => Ok(()),
            Step::Migrating | Step::Switching if !switched && j.irreversible => {
                self.event(j.op, "recover", "ok", version, &format!("interrupted in {:?} of an update accepted as irreversible; the old release may not run on the schema, so migrating again and going forward", j.step));
                self.migrate_and_switch(j).await.or(Ok(()))
            }
            Step::Migrating | Step::Switching if !switched && j.restore_point.is_some() => {
                // Non-additive migrations may have run: back to the point.
                let point = j.restore_point.clone().unwrap_or_default();
                if let Err(e) = self.restore_point(&j, &point).await {
                    let mut j = j;
                    j.step = Step::Failed;
                    self.journal(&j)?;
                    let why = format!(
                        "interrupted in {:?}; restoring restore point {point} failed: {e}",
                        j.step
                    );
                    self.event(j.op, "recover", "failed", version, &why);
                    return Ok(());
                }
                if let Some(n) = &to_name {
                    self.layout.discard(n).map_err(|e| e.to_string())?;
                }
                self.clear_downloads();
                self.journal(&Journal::idle(j.op))?;
                self.event(j.op, "recover", "ok", version, &format!("interrupted in {:?} before the switch; the database is back at restore point {point}, the staged release discarded", j.step));
                Ok(())
            }
            Step::Downloading | Step::Staged | Step::Migrating | Step::Switching if !switched => {
                if let Some(n) = &to_name {
                    self.layout.discard(n).map_err(|e| e.to_string())?;
                }
                self.clear_downloads();
                self.journal(&Journal::idle(j.op))?;
                self.event(j.op, "recover", "ok", version, &format!("interrupted in {:?} before the switch; the staged release was discarded and nothing changed", j.step));
                Ok(())
            }
            Step::RollingBack => {
                self.event(
                    j.op,
                    "recover",
                    "ok",
                    version,
                    "interrupted while rolling back; rolling back again",
                );
                self.roll_back(j, "interrupted update".into())
                    .await
                    .or(Ok(()))
            }
            _ => {
                self.event(j.op, "recover", "ok", version, &format!("interrupted in {:?} after the switch; restarting and checking health again", j.step));
                let mut j = j;
                j.step = Step::Restarting;
                self.finish(j).await.or(Ok(()))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_explicit_console_request_retries_a_bad_version() {
        assert!(!Origin::Socket.retries_bad());
        assert!(!Origin::Console {
            irreversible: true,
            retry_bad: false
        }
        .retries_bad());
        assert!(Origin::Console {
            irreversible: false,
            retry_bad: true
        }
        .retries_bad());
    }
}
