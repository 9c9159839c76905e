//! The release tree: `releases/<version>/` directories and the `current`
//! link, switched by rename(2) so that it always names a whole release.
//!
//! Archives are unpacked by hand rather than with `unpack_in`, so that
//! every rule is visible here: regular files and directories only (no
//! links, devices or fifos), relative paths without `..`, modes forced to
//! 0755/0644 (no setuid, no xattrs), bounded size and count, and the
//! version inside must be the version that was signed.

use std::io::{Read, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Component, Path, PathBuf};

use crate::journal::sync_dir;
use crate::release::{ReleaseFile, RELEASE_FILE};
use crate::version::Version;

const MAX_ENTRIES: usize = 10_000;
const MAX_UNPACKED: u64 = 1024 * 1024 * 1024;
/// Files every release must carry.
const REQUIRED: &[&str] = &["bin/custodiand", "bin/custodianctl"];

#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    #[error("release archive refused: {0}")]
    Refused(String),
    #[error("{what} {path}: {source}")]
    Io {
        what: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
}

fn io<'a>(what: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> InstallError + 'a {
    move |source| InstallError::Io {
        what,
        path: path.to_owned(),
        source,
    }
}

pub struct Layout {
    root: PathBuf,
}

impl Layout {
    pub fn new(root: &Path) -> Self {
        Self {
            root: root.to_owned(),
        }
    }

    pub fn releases(&self) -> PathBuf {
        self.root.join("releases")
    }

    pub fn release_dir(&self, name: &str) -> PathBuf {
        self.releases().join(name)
    }

    fn current_link(&self) -> PathBuf {
        self.root.join("current")
    }

    /// The name of the release directory `current` points to.
    pub fn current_name(&self) -> Option<String> {
        let target = std::fs::read_link(self.current_link()).ok()?;
        target
            .file_name()
            .and_then(|n| n.to_str())
            .map(str::to_owned)
    }

    /// The version a release directory says it holds: its `release.json`,
    /// or for the release a package installed, what its custodiand says.
    pub fn version_of(&self, name: &str) -> Option<Version> {
        let dir = self.release_dir(name);
        if let Ok(bytes) = std::fs::read(dir.join(RELEASE_FILE)) {
            return serde_json::from_slice::<ReleaseFile>(&bytes)
                .ok()
                .map(|r| r.version);
        }
        let out = std::process::Command::new(dir.join("bin/custodiand"))
            .arg("--version")
            .env_clear()
            .env("PATH", crate::service::CHILD_PATH)
            .stdin(std::process::Stdio::null())
            .output()
            .ok()?;
        let text = String::from_utf8_lossy(&out.stdout);
        Version::parse(text.split_whitespace().last()?).ok()
    }

    /// Unpacks `archive` into `releases/<version>` (through a `.partial`
    /// directory, renamed when complete and synced).
    pub fn stage(&self, archive: &Path, version: Version) -> Result<PathBuf, InstallError> {
        let releases = self.releases();
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o755)
            .create(&releases)
            .map_err(io("create", &releases))?;
        let name = version.to_string();
        let final_dir = self.release_dir(&name);
        if self.current_name().as_deref() == Some(name.as_str()) {
            return Err(InstallError::Refused(format!(
                "{name} is the running release"
            )));
        }
        let partial = releases.join(format!("{name}.partial"));
        remove_tree(&partial)?;
        let result = unpack(archive, &partial, MAX_UNPACKED).and_then(|()| {
            let found = std::fs::read(partial.join(RELEASE_FILE))
                .ok()
                .and_then(|b| serde_json::from_slice::<ReleaseFile>(&b).ok())
                .map(|r| r.version);
            match found {
                Some(v) if v == version => Ok(()),
                Some(v) => Err(InstallError::Refused(format!(
                    "the archive says it is {v}, but {version} was signed"
                ))),
                None => Err(InstallError::Refused(format!("no valid {RELEASE_FILE}"))),
            }
        });
        let result = result.and_then(|()| {
            for f in REQUIRED {
                if !partial.join(f).is_file() {
                    return Err(InstallError::Refused(format!("{f} is missing")));
                }
            }
            Ok(())
        });
        if let Err(e) = result {
            let _ = remove_tree(&partial);
            return Err(e);
        }
        remove_tree(&final_dir)?;
        std::fs::rename(&partial, &final_dir).map_err(io("rename", &final_dir))?;
        sync_dir(&releases).map_err(|e| InstallError::Refused(e.to_string()))?;
        Ok(final_dir)
    }

    /// Points `current` at `releases/<name>` in one rename.
    pub fn switch_to(&self, name: &str) -> Result<(), InstallError> {
        if !self.release_dir(name).is_dir() {
            return Err(InstallError::Refused(format!(
                "releases/{name} does not exist"
            )));
        }
        let tmp = self.root.join("current.new");
        let _ = std::fs::remove_file(&tmp);
        std::os::unix::fs::symlink(Path::new("releases").join(name), &tmp)
            .map_err(io("link", &tmp))?;
        std::fs::rename(&tmp, self.current_link()).map_err(io("rename", &tmp))?;
        sync_dir(&self.root).map_err(|e| InstallError::Refused(e.to_string()))
    }

    /// Removes a staged release that never became current.
    pub fn discard(&self, name: &str) -> Result<(), InstallError> {
        if self.current_name().as_deref() == Some(name) {
            return Ok(());
        }
        remove_tree(&self.release_dir(name))?;
        remove_tree(&self.releases().join(format!("{name}.partial")))
    }

    /// Keeps `keep` (current and previous) and the newest other release;
    /// removes the rest and any leftover `.partial` directory.
    pub fn prune(&self, keep: &[&str]) -> Result<Vec<String>, InstallError> {
        let releases = self.releases();
        let mut others: Vec<(Option<Version>, String)> = Vec::new();
        let mut removed = Vec::new();
        let entries = std::fs::read_dir(&releases).map_err(io("list", &releases))?;
        for e in entries.flatten() {
            let Some(name) = e.file_name().to_str().map(str::to_owned) else {
                continue;
            };
            if keep.contains(&name.as_str()) || self.current_name().as_deref() == Some(&name) {
                continue;
            }
            if name.ends_with(".partial") {
                remove_tree(&e.path())?;
                removed.push(name);
                continue;
            }
            others.push((self.version_of(&name), name));
        }
        others.sort();
        others.pop();
        for (_, name) in others {
            remove_tree(&self.release_dir(&name))?;
            removed.push(name);
        }
        Ok(removed)
    }
}

fn remove_tree(path: &Path) -> Result<(), InstallError> {
    match std::fs::remove_dir_all(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(io("remove", path)(e)),
    }
}

/// A relative path of plain components only.
fn safe_relative(path: &Path) -> Result<PathBuf, InstallError> {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::Normal(p) => out.push(p),
            Component::CurDir => {}
            _ => {
                return Err(InstallError::Refused(format!(
                    "entry {} leaves the release directory",
                    path.display()
                )))
            }
        }
    }
    if out.as_os_str().is_empty() {
        return Err(InstallError::Refused("an entry has an empty name".into()));
    }
    Ok(out)
}

/// Unpacks at most `max_unpacked` bytes of file content.
fn unpack(archive: &Path, into: &Path, max_unpacked: u64) -> Result<(), InstallError> {
    std::fs::DirBuilder::new()
        .mode(0o755)
        .create(into)
        .map_err(io("create", into))?;
    let file = std::fs::File::open(archive).map_err(io("open", archive))?;
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(file));
    let mut total: u64 = 0;
    let entries = tar
        .entries()
        .map_err(|e| InstallError::Refused(format!("not a tar.gz: {e}")))?;
    for (n, entry) in entries.enumerate() {
        if n >= MAX_ENTRIES {
            return Err(InstallError::Refused(format!(
                "more than {MAX_ENTRIES} entries"
            )));
        }
        let mut entry =
            entry.map_err(|e| InstallError::Refused(format!("damaged archive: {e}")))?;
        let raw = entry
            .path()
            .map_err(|e| InstallError::Refused(format!("bad entry name: {e}")))?
            .into_owned();
        let rel = safe_relative(&raw)?;
        let dest = into.join(&rel);
        let kind = entry.header().entry_type();
        if kind.is_dir() {
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o755)
                .create(&dest)
                .map_err(io("create", &dest))?;
            continue;
        }
        if !kind.is_file() {
            return Err(InstallError::Refused(format!(
                "entry {} is a {:?}; only files and directories are allowed",
                raw.display(),
                kind
            )));
        }
        // The size tar reads the entry by: a PAX `size` record overrides
        // the ustar header field, so bounding by the header's field would
        // both miscount the total and cut (or fail) the file.
        let size = entry.size();
        total = total.saturating_add(size);
        if total > max_unpacked {
            return Err(InstallError::Refused(format!(
                "unpacks to more than {max_unpacked} bytes"
            )));
        }
        let mode = entry.header().mode().unwrap_or(0);
        let mode = if mode & 0o111 != 0 { 0o755 } else { 0o644 };
        if let Some(parent) = dest.parent() {
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o755)
                .create(parent)
                .map_err(io("create", parent))?;
        }
        let mut out = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(&dest)
            .map_err(|e| {
                if e.kind() == std::io::ErrorKind::AlreadyExists {
                    InstallError::Refused(format!("entry {} appears twice", raw.display()))
                } else {
                    io("create", &dest)(e)
                }
            })?;
        let mut limited = (&mut entry).take(size);
        let copied = std::io::copy(&mut limited, &mut out).map_err(io("write", &dest))?;
        if copied != size {
            return Err(InstallError::Refused(format!(
                "entry {} is truncated",
                raw.display()
            )));
        }
        out.flush().map_err(io("write", &dest))?;
        out.sync_all().map_err(io("sync", &dest))?;
    }
    sync_dir(into).map_err(|e| InstallError::Refused(e.to_string()))?;
    // Nothing in a release is writable after unpacking.
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Name, type, content and mode of one archive entry.
    type Entry = (String, tar::EntryType, Vec<u8>, u32);

    fn archive(entries: &[(&str, tar::EntryType, &[u8], u32)]) -> tempfile::NamedTempFile {
        let f = tempfile::NamedTempFile::new().unwrap_or_else(|e| panic!("{e}"));
        let gz = flate2::write::GzEncoder::new(
            f.reopen().unwrap_or_else(|e| panic!("{e}")),
            flate2::Compression::fast(),
        );
        let mut b = tar::Builder::new(gz);
        for (name, kind, data, mode) in entries {
            let mut h = tar::Header::new_gnu();
            h.set_entry_type(*kind);
            h.set_size(data.len() as u64);
            h.set_mode(*mode);
            if *kind == tar::EntryType::Symlink || *kind == tar::EntryType::Link {
                h.set_link_name("/etc/shadow")
                    .unwrap_or_else(|e| panic!("{e}"));
            }
            // set_path refuses "..", so write the name field directly.
            let bytes = name.as_bytes();
            h.as_old_mut().name[..bytes.len()].copy_from_slice(bytes);
            h.set_cksum();
            b.append(&h, *data).unwrap_or_else(|e| panic!("{e}"));
        }
        b.into_inner()
            .and_then(|gz| gz.finish())
            .unwrap_or_else(|e| panic!("{e}"));
        f
    }

    fn good(version: &str) -> Vec<Entry> {
        vec![
            (
                "release.json".into(),
                tar::EntryType::Regular,
                format!("{{\"version\":\"{version}\"}}").into_bytes(),
                0o644,
            ),
            (
                "bin/custodiand".into(),
                tar::EntryType::Regular,
                b"#!/bin/sh\n".to_vec(),
                0o4755,
            ),
            (
                "bin/custodianctl".into(),
                tar::EntryType::Regular,
                b"#!/bin/sh\n".to_vec(),
                0o755,
            ),
        ]
    }

    fn build(entries: &[(String, tar::EntryType, Vec<u8>, u32)]) -> tempfile::NamedTempFile {
        let v: Vec<(&str, tar::EntryType, &[u8], u32)> = entries
            .iter()
            .map(|(n, k, d, m)| (n.as_str(), *k, d.as_slice(), *m))
            .collect();
        archive(&v)
    }

    #[test]
    fn a_good_release_is_staged_with_forced_modes_and_switched_atomically() {
        use std::os::unix::fs::PermissionsExt;
        let root = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let layout = Layout::new(root.path());
        let a = build(&good("1.0.0"));
        let dir = layout
            .stage(a.path(), Version(1, 0, 0))
            .unwrap_or_else(|e| panic!("{e}"));
        let mode = std::fs::metadata(dir.join("bin/custodiand"))
            .map(|m| m.permissions().mode() & 0o7777)
            .unwrap_or(0);
        assert_eq!(mode, 0o755, "setuid bit must be dropped");
        layout.switch_to("1.0.0").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(layout.current_name().as_deref(), Some("1.0.0"));
        assert_eq!(layout.version_of("1.0.0"), Some(Version(1, 0, 0)));
        assert!(
            layout.stage(a.path(), Version(1, 0, 0)).is_err(),
            "the running release is not re-staged"
        );
    }

    #[test]
    fn hostile_archives_are_refused_and_leave_nothing() {
        let root = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let layout = Layout::new(root.path());
        let cases: Vec<(&str, Vec<Entry>)> = vec![
            (
                "dot-dot",
                [
                    good("1.0.0"),
                    vec![(
                        "../escape".into(),
                        tar::EntryType::Regular,
                        b"x".to_vec(),
                        0o644,
                    )],
                ]
                .concat(),
            ),
            (
                "absolute",
                [
                    good("1.0.0"),
                    vec![(
                        "/etc/evil".into(),
                        tar::EntryType::Regular,
                        b"x".to_vec(),
                        0o644,
                    )],
                ]
                .concat(),
            ),
            (
                "symlink",
                [
                    good("1.0.0"),
                    vec![(
                        "bin/link".into(),
                        tar::EntryType::Symlink,
                        Vec::new(),
                        0o777,
                    )],
                ]
                .concat(),
            ),
            (
                "hardlink",
                [
                    good("1.0.0"),
                    vec![("bin/hard".into(), tar::EntryType::Link, Vec::new(), 0o644)],
                ]
                .concat(),
            ),
            (
                "device",
                [
                    good("1.0.0"),
                    vec![("dev".into(), tar::EntryType::Char, Vec::new(), 0o644)],
                ]
                .concat(),
            ),
            (
                "fifo",
                [
                    good("1.0.0"),
                    vec![("fifo".into(), tar::EntryType::Fifo, Vec::new(), 0o644)],
                ]
                .concat(),
            ),
            (
                "twice",
                [
                    good("1.0.0"),
                    vec![(
                        "bin/custodiand".into(),
                        tar::EntryType::Regular,
                        b"y".to_vec(),
                        0o755,
                    )],
                ]
                .concat(),
            ),
            ("other version", good("9.9.9")),
            (
                "no custodiand",
                good("1.0.0")
                    .into_iter()
                    .filter(|e| e.0 != "bin/custodiand")
                    .collect(),
            ),
        ];
        for (what, entries) in cases {
            let a = build(&entries);
            let r = layout.stage(a.path(), Version(1, 0, 0));
            assert!(r.is_err(), "{what}: accepted");
            let left: Vec<_> = std::fs::read_dir(layout.releases())
                .map(|d| d.flatten().map(|e| e.file_name()).collect())
                .unwrap_or_default();
            assert!(left.is_empty(), "{what}: left {left:?}");
        }
        assert!(!root
            .path()
            .parent()
            .unwrap_or(root.path())
            .join("escape")
            .exists());
        let garbage = tempfile::NamedTempFile::new().unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(garbage.path(), b"not gzip").unwrap_or_else(|e| panic!("{e}"));
        assert!(layout.stage(garbage.path(), Version(1, 0, 0)).is_err());
    }

    /// A file whose PAX `size` record (2000) differs from its ustar size
    /// field (10), as tar reads it.
    fn pax_sized(version: &str) -> tempfile::NamedTempFile {
        let f = tempfile::NamedTempFile::new().unwrap_or_else(|e| panic!("{e}"));
        let gz = flate2::write::GzEncoder::new(
            f.reopen().unwrap_or_else(|e| panic!("{e}")),
            flate2::Compression::fast(),
        );
        let mut b = tar::Builder::new(gz);
        for (name, kind, data, mode) in good(version) {
            let mut h = tar::Header::new_ustar();
            h.set_entry_type(kind);
            h.set_size(data.len() as u64);
            h.set_mode(mode);
            h.set_path(&name).unwrap_or_else(|e| panic!("{e}"));
            h.set_cksum();
            b.append(&h, data.as_slice())
                .unwrap_or_else(|e| panic!("{e}"));
        }
        let record = b"13 size=2000\n";
        let mut x = tar::Header::new_ustar();
        x.set_entry_type(tar::EntryType::XHeader);
        x.set_size(record.len() as u64);
        x.set_path("PaxHeader/big")
            .unwrap_or_else(|e| panic!("{e}"));
        x.set_cksum();
        b.append(&x, &record[..]).unwrap_or_else(|e| panic!("{e}"));
        let mut h = tar::Header::new_ustar();
        h.set_entry_type(tar::EntryType::Regular);
        h.set_size(10);
        h.set_mode(0o644);
        h.set_path("share/big").unwrap_or_else(|e| panic!("{e}"));
        h.set_cksum();
        b.append(&h, &[b'x'; 2000][..])
            .unwrap_or_else(|e| panic!("{e}"));
        b.into_inner()
            .and_then(|gz| gz.finish())
            .unwrap_or_else(|e| panic!("{e}"));
        f
    }

    #[test]
    fn a_pax_size_is_the_size_bounded_and_unpacked() {
        let root = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let a = pax_sized("1.0.0");
        // The whole file arrives (not the 10 bytes the ustar field says).
        let into = root.path().join("whole");
        unpack(a.path(), &into, MAX_UNPACKED).unwrap_or_else(|e| panic!("{e}"));
        let len = std::fs::metadata(into.join("share/big")).map_or(0, |m| m.len());
        assert_eq!(len, 2000);
        // And the bound counts the 2000 bytes.
        let into = root.path().join("bounded");
        let r = unpack(a.path(), &into, 1500);
        assert!(
            matches!(&r, Err(InstallError::Refused(m)) if m.contains("more than 1500")),
            "{r:?}"
        );
    }

    #[test]
    fn pruning_keeps_current_previous_and_the_newest_other() {
        let root = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let layout = Layout::new(root.path());
        for v in ["1.0.0", "1.1.0", "1.2.0", "1.3.0", "1.4.0"] {
            let a = build(&good(v));
            layout
                .stage(a.path(), Version::parse(v).unwrap_or(Version(0, 0, 0)))
                .unwrap_or_else(|e| panic!("{e}"));
        }
        layout.switch_to("1.4.0").unwrap_or_else(|e| panic!("{e}"));
        let removed = layout
            .prune(&["1.4.0", "1.1.0"])
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(removed.len(), 2, "{removed:?}");
        for kept in ["1.4.0", "1.1.0", "1.3.0"] {
            assert!(layout.release_dir(kept).is_dir(), "{kept} removed");
        }
    }
}
