//! What the updater remembers between runs, each file replaced atomically
//! (temporary file, fsync, rename, fsync of the directory) so that a crash
//! at any instant leaves either the old or the new content:
//!
//! - `journal.json`: the step an update is in, written before each step;
//! - `installed.json`: the committed version, the floor and bad versions;
//! - `events.jsonl`: every step, appended and synced, for the audit log.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::version::Version;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Step {
    Idle,
    Downloading,
    Staged,
    Migrating,
    Switching,
    Restarting,
    HealthCheck,
    RollingBack,
    /// Rolled back, and the previous version also failed its health check:
    /// an operator must look.
    Failed,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Journal {
    pub step: Step,
    /// The operation the step belongs to (also in each event).
    pub op: u64,
    #[serde(default)]
    pub from: Option<Version>,
    #[serde(default)]
    pub to: Option<Version>,
    /// The release directory `current` pointed to before the switch.
    #[serde(default)]
    pub previous_dir: Option<String>,
    /// The new release's migrations leave a schema the previous release
    /// cannot run on: a failure after them cannot be rolled back.
    #[serde(default)]
    pub irreversible: bool,
    /// The restore point taken before the migrations, when a rollback
    /// must restore it (the previous release cannot run on the new schema).
    #[serde(default)]
    pub restore_point: Option<String>,
}

impl Journal {
    pub fn idle(op: u64) -> Self {
        Self {
            step: Step::Idle,
            op,
            from: None,
            to: None,
            previous_dir: None,
            irreversible: false,
            restore_point: None,
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Installed {
    /// The version last committed (health-checked and soaked).
    pub committed: Option<Version>,
    /// The highest version ever committed: nothing older is installed
    /// unless the running version is recalled.
    pub floor: Option<Version>,
    /// Versions that failed their health check here; never retried.
    #[serde(default)]
    pub bad: Vec<Version>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Event {
    pub seq: u64,
    /// Seconds since the epoch.
    pub at: i64,
    pub op: u64,
    pub step: String,
    pub outcome: String,
    #[serde(default)]
    pub version: Option<Version>,
    #[serde(default)]
    pub detail: String,
}

#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is damaged ({message}); move it aside to start afresh")]
    Damaged { path: PathBuf, message: String },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> JournalError + '_ {
    move |source| JournalError::Io {
        path: path.to_owned(),
        source,
    }
}

/// Replaces `path` with `bytes` so that a crash leaves one or the other.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), JournalError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let tmp = path.with_extension("tmp");
    {
        let mut f = std::fs::File::create(&tmp).map_err(io(&tmp))?;
        f.write_all(bytes).map_err(io(&tmp))?;
        f.sync_all().map_err(io(&tmp))?;
    }
    std::fs::rename(&tmp, path).map_err(io(path))?;
    sync_dir(dir)
}

pub fn sync_dir(dir: &Path) -> Result<(), JournalError> {
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io(dir))
}

pub struct Store {
    dir: PathBuf,
}

impl Store {
    pub fn open(dir: &Path) -> Result<Self, JournalError> {
        use std::os::unix::fs::DirBuilderExt;
        for sub in ["", "tuf", "downloads"] {
            let d = dir.join(sub);
            if !d.exists() {
                std::fs::DirBuilder::new()
                    .recursive(true)
                    .mode(0o700)
                    .create(&d)
                    .map_err(io(&d))?;
            }
        }
        Ok(Self {
            dir: dir.to_owned(),
        })
    }

    pub fn tuf_dir(&self) -> PathBuf {
        self.dir.join("tuf")
    }

    pub fn downloads(&self) -> PathBuf {
        self.dir.join("downloads")
    }

    fn read<T: for<'de> Deserialize<'de>>(&self, name: &str) -> Result<Option<T>, JournalError> {
        let path = self.dir.join(name);
        match std::fs::read(&path) {
            Ok(bytes) => {
                serde_json::from_slice(&bytes)
                    .map(Some)
                    .map_err(|e| JournalError::Damaged {
                        path,
                        message: e.to_string(),
                    })
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io(&path)(e)),
        }
    }

    fn write<T: Serialize>(&self, name: &str, value: &T) -> Result<(), JournalError> {
        let path = self.dir.join(name);
        let bytes = serde_json::to_vec_pretty(value).map_err(|e| JournalError::Damaged {
            path: path.clone(),
            message: e.to_string(),
        })?;
        write_atomic(&path, &bytes)
    }

    pub fn journal(&self) -> Result<Journal, JournalError> {
        Ok(self.read("journal.json")?.unwrap_or(Journal::idle(0)))
    }

    pub fn set_journal(&self, j: &Journal) -> Result<(), JournalError> {
        self.write("journal.json", j)
    }

    pub fn installed(&self) -> Result<Installed, JournalError> {
        Ok(self.read("installed.json")?.unwrap_or_default())
    }

    pub fn set_installed(&self, i: &Installed) -> Result<(), JournalError> {
        self.write("installed.json", i)
    }

    fn events_path(&self) -> PathBuf {
        self.dir.join("events.jsonl")
    }

    /// Every event, oldest first. A torn last line (a crash mid-append) is
    /// skipped; it was never acknowledged.
    pub fn events(&self) -> Result<Vec<Event>, JournalError> {
        let path = self.events_path();
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io(&path)(e)),
        };
        Ok(text
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect())
    }

    pub fn append_event(&self, mut event: Event) -> Result<Event, JournalError> {
        let path = self.events_path();
        event.seq = self.events()?.last().map_or(1, |e| e.seq + 1);
        // After a torn append, start on a fresh line so this one parses.
        let torn = std::fs::read(&path).is_ok_and(|b| b.last().is_some_and(|c| *c != b'\n'));
        let mut line = if torn { vec![b'\n'] } else { Vec::new() };
        serde_json::to_writer(&mut line, &event).map_err(|e| JournalError::Damaged {
            path: path.clone(),
            message: e.to_string(),
        })?;
        line.push(b'\n');
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(io(&path))?;
        f.write_all(&line).map_err(io(&path))?;
        f.sync_all().map_err(io(&path))?;
        Ok(event)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_survives_reopening_and_a_torn_event_line_is_skipped() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let store = Store::open(dir.path()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(store.journal().map(|j| j.step).ok(), Some(Step::Idle));
        let mut j = Journal::idle(7);
        j.step = Step::Migrating;
        j.to = Some(Version(1, 2, 3));
        store.set_journal(&j).unwrap_or_else(|e| panic!("{e}"));
        let ev = |step: &str| Event {
            seq: 0,
            at: 1,
            op: 7,
            step: step.into(),
            outcome: "ok".into(),
            version: None,
            detail: String::new(),
        };
        store
            .append_event(ev("a"))
            .unwrap_or_else(|e| panic!("{e}"));
        store
            .append_event(ev("b"))
            .unwrap_or_else(|e| panic!("{e}"));
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(dir.path().join("events.jsonl"))
            .unwrap_or_else(|e| panic!("{e}"));
        f.write_all(b"{\"seq\":3,\"at\"")
            .unwrap_or_else(|e| panic!("{e}"));
        let again = Store::open(dir.path()).unwrap_or_else(|e| panic!("{e}"));
        let j2 = again.journal().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (j2.step, j2.op, j2.to),
            (Step::Migrating, 7, Some(Version(1, 2, 3)))
        );
        let seqs: Vec<u64> = again
            .events()
            .unwrap_or_default()
            .iter()
            .map(|e| e.seq)
            .collect();
        assert_eq!(seqs, vec![1, 2]);
        again
            .append_event(ev("c"))
            .unwrap_or_else(|e| panic!("{e}"));
        let steps: Vec<String> = again
            .events()
            .unwrap_or_default()
            .into_iter()
            .map(|e| e.step)
            .collect();
        assert_eq!(steps, vec!["a", "b", "c"]);
        assert!(!dir.path().join("journal.tmp").exists());
    }
}
