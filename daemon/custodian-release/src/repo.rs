//! Writing the repository with tough's editor: consistent snapshots, flat
//! target names, and every change re-signing targets, snapshot and
//! timestamp with the next versions.

use std::collections::HashMap;
use std::num::NonZeroU64;
use std::path::{Path, PathBuf};

use aws_lc_rs::rand::SystemRandom;
use custodian_updated::release::{self, Custom};
use custodian_updated::version::Version;
use tough::editor::signed::SignedRole;
use tough::editor::RepositoryEditor;
use tough::schema::{KeyHolder, RoleKeys, RoleType, Root, Target};
use tough::{ExpirationEnforcement, FilesystemTransport, RepositoryLoader, TargetName};

use crate::keys::{self, ONLINE_KEYS, ROOT_KEYS};
use crate::ReleaseError;

const DAY: i64 = 86400;

fn nz(n: u64) -> NonZeroU64 {
    NonZeroU64::new(n.max(1)).unwrap_or(NonZeroU64::MIN)
}

fn in_secs(secs: i64) -> Result<jiff::Timestamp, ReleaseError> {
    jiff::Timestamp::now()
        .checked_add(jiff::SignedDuration::from_secs(secs))
        .map_err(|e| ReleaseError::Msg(e.to_string()))
}

fn metadata(repo: &Path) -> PathBuf {
    repo.join("metadata")
}

fn targets(repo: &Path) -> PathBuf {
    repo.join("targets")
}

/// The newest `N.root.json` in the repository.
fn latest_root(repo: &Path) -> Result<(u64, PathBuf), ReleaseError> {
    let dir = metadata(repo);
    let mut best = None;
    for e in std::fs::read_dir(&dir)
        .map_err(|source| ReleaseError::Io {
            what: "list",
            path: dir.clone(),
            source,
        })?
        .flatten()
    {
        let name = e.file_name().to_string_lossy().into_owned();
        if let Some(n) = name
            .strip_suffix(".root.json")
            .and_then(|n| n.parse::<u64>().ok())
        {
            if best.as_ref().map_or(true, |(b, _)| n > *b) {
                best = Some((n, e.path()));
            }
        }
    }
    best.ok_or_else(|| ReleaseError::Msg(format!("no root in {}; run init", dir.display())))
}

pub async fn init(keys_dir: &Path, repo: &Path, ts_secs: i64) -> Result<String, ReleaseError> {
    if metadata(repo).join("1.root.json").exists() {
        return Err(ReleaseError::Msg(format!(
            "{} already has a root",
            repo.display()
        )));
    }
    let mut keys = HashMap::new();
    let mut ids: HashMap<&str, Vec<_>> = HashMap::new();
    for name in ROOT_KEYS.iter().chain(ONLINE_KEYS.iter()) {
        let path = keys::path(keys_dir, name);
        let der = std::fs::read(&path).map_err(|source| ReleaseError::Io {
            what: "read key",
            path: path.clone(),
            source,
        })?;
        let key = tough::sign::parse_keypair(&der)?;
        let public = tough::sign::Sign::tuf_key(&key);
        let id = public
            .key_id()
            .map_err(|e| ReleaseError::Tuf(e.to_string()))?;
        keys.insert(id.clone(), public);
        let role = if name.starts_with("root") {
            "root"
        } else {
            name
        };
        ids.entry(role).or_default().push(id);
    }
    let role = |name: &str, threshold: u64| RoleKeys {
        keyids: ids.get(name).cloned().unwrap_or_default(),
        threshold: nz(threshold),
        _extra: HashMap::new(),
    };
    let root = Root {
        spec_version: "1.0.0".into(),
        consistent_snapshot: true,
        version: nz(1),
        expires: in_secs(365 * DAY)?,
        keys,
        roles: HashMap::from([
            (RoleType::Root, role("root", 2)),
            (RoleType::Targets, role("targets", 1)),
            (RoleType::Snapshot, role("snapshot", 1)),
            (RoleType::Timestamp, role("timestamp", 1)),
        ]),
        _extra: HashMap::new(),
    };
    let signed = SignedRole::new(
        root.clone(),
        &KeyHolder::Root(root),
        &keys::sources(keys_dir, &ROOT_KEYS),
        &SystemRandom::new(),
    )
    .await?;
    signed.write(metadata(repo), true).await?;
    std::fs::create_dir_all(targets(repo)).map_err(|source| ReleaseError::Io {
        what: "create",
        path: targets(repo),
        source,
    })?;
    let root_path = metadata(repo).join("1.root.json");
    let mut editor = RepositoryEditor::new(&root_path).await?;
    editor
        .targets_version(nz(1))?
        .targets_expires(in_secs(180 * DAY)?)?
        .snapshot_version(nz(1))
        .snapshot_expires(in_secs(28 * DAY)?)
        .timestamp_version(nz(1))
        .timestamp_expires(in_secs(ts_secs)?);
    let all = keys::sources(keys_dir, &[&ROOT_KEYS[..], &ONLINE_KEYS[..]].concat());
    editor.sign(&all).await?.write(metadata(repo)).await?;
    Ok(format!(
        "repository initialised; ship {} to appliances as their trusted root",
        root_path.display()
    ))
}

/// Loads the repository as published (expired metadata too: a publisher
/// must be able to re-sign it) and hands an editor to `change`.
async fn edit<F>(keys_dir: &Path, repo: &Path, ts_secs: i64, change: F) -> Result<(), ReleaseError>
where
    F: FnOnce(&mut RepositoryEditor, &tough::Repository) -> Result<(), ReleaseError>,
{
    let (_, root_path) = latest_root(repo)?;
    let root = std::fs::read(&root_path).map_err(|source| ReleaseError::Io {
        what: "read",
        path: root_path.clone(),
        source,
    })?;
    let url = |p: PathBuf| {
        url::Url::from_directory_path(&p)
            .map_err(|()| ReleaseError::Msg(format!("{} is not an absolute path", p.display())))
    };
    let abs = std::path::absolute(repo).map_err(|source| ReleaseError::Io {
        what: "resolve",
        path: repo.to_owned(),
        source,
    })?;
    let scratch = tempfile::tempdir().map_err(|source| ReleaseError::Io {
        what: "tempdir",
        path: PathBuf::from("/tmp"),
        source,
    })?;
    let loaded = RepositoryLoader::new(&root, url(metadata(&abs))?, url(targets(&abs))?)
        .transport(FilesystemTransport)
        .datastore(scratch.path())
        .expiration_enforcement(ExpirationEnforcement::Unsafe)
        .load()
        .await?;
    let next = |v: NonZeroU64| nz(v.get() + 1);
    let (tv, sv, ts) = (
        next(loaded.targets().signed.version),
        next(loaded.snapshot().signed.version),
        next(loaded.timestamp().signed.version),
    );
    let mut editor = RepositoryEditor::from_repo(&root_path, loaded.clone()).await?;
    change(&mut editor, &loaded)?;
    editor
        .targets_version(tv)?
        .targets_expires(in_secs(180 * DAY)?)?
        .snapshot_version(sv)
        .snapshot_expires(in_secs(28 * DAY)?)
        .timestamp_version(ts)
        .timestamp_expires(in_secs(ts_secs)?);
    let all = keys::sources(keys_dir, &ONLINE_KEYS);
    editor.sign(&all).await?.write(metadata(repo)).await?;
    Ok(())
}

fn existing(loaded: &tough::Repository, name: &str) -> Option<Target> {
    loaded
        .all_targets()
        .find(|(n, _)| n.raw() == name)
        .map(|(_, t)| t.clone())
}

/// Copies `file` to `targets/<sha256>.<name>` (consistent snapshots).
fn publish(repo: &Path, file: &Path, target: &Target, name: &str) -> Result<(), ReleaseError> {
    let dest = targets(repo).join(format!("{}.{name}", hex::encode(&target.hashes.sha256)));
    std::fs::create_dir_all(targets(repo)).ok();
    std::fs::copy(file, &dest).map_err(|source| ReleaseError::Io {
        what: "copy",
        path: dest,
        source,
    })?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
pub async fn add(
    keys_dir: &Path,
    repo: &Path,
    ts_secs: i64,
    file: &Path,
    version: Version,
    channel: &str,
    arch: &str,
    min_from_version: Option<Version>,
) -> Result<String, ReleaseError> {
    let name = release::app_target_name(version, arch);
    let mut target = Target::from_path(file)
        .await
        .map_err(|e| ReleaseError::Tuf(e.to_string()))?;
    target.custom = Custom {
        kind: release::KIND_APP.into(),
        version,
        channel: Some(channel.into()),
        arch: Some(arch.into()),
        min_from_version,
        recalled: false,
    }
    .to_map();
    publish(repo, file, &target, &name)?;
    let t = target.clone();
    let n = name.clone();
    edit(keys_dir, repo, ts_secs, move |editor, loaded| {
        if existing(loaded, &n).is_some() {
            return Err(ReleaseError::Msg(format!(
                "{n} is signed already; releases are never replaced"
            )));
        }
        editor.add_target(TargetName::new(&n)?, t)?;
        Ok(())
    })
    .await?;
    Ok(format!("{name} signed into {}", repo.display()))
}

pub async fn recall(
    keys_dir: &Path,
    repo: &Path,
    ts_secs: i64,
    version: Version,
) -> Result<String, ReleaseError> {
    edit(keys_dir, repo, ts_secs, move |editor, loaded| {
        let mut found = false;
        for (name, target) in loaded.all_targets() {
            let Some(mut c) = Custom::from_target(&target.custom) else {
                continue;
            };
            if c.kind == release::KIND_APP && c.version == version {
                c.recalled = true;
                let mut t = target.clone();
                t.custom = c.to_map();
                editor.add_target(name.clone(), t)?;
                found = true;
            }
        }
        if found {
            Ok(())
        } else {
            Err(ReleaseError::Msg(format!(
                "no release {version} in the repository"
            )))
        }
    })
    .await?;
    Ok(format!("{version} recalled"))
}

pub async fn floor(
    keys_dir: &Path,
    repo: &Path,
    ts_secs: i64,
    version: Version,
) -> Result<String, ReleaseError> {
    let dir = tempfile::tempdir().map_err(|source| ReleaseError::Io {
        what: "tempdir",
        path: PathBuf::from("/tmp"),
        source,
    })?;
    let file = dir.path().join(release::FLOOR_TARGET);
    std::fs::write(&file, format!("{version}\n")).map_err(|source| ReleaseError::Io {
        what: "write",
        path: file.clone(),
        source,
    })?;
    let mut target = Target::from_path(&file)
        .await
        .map_err(|e| ReleaseError::Tuf(e.to_string()))?;
    target.custom = Custom {
        kind: release::KIND_FLOOR.into(),
        version,
        channel: None,
        arch: None,
        min_from_version: None,
        recalled: false,
    }
    .to_map();
    publish(repo, &file, &target, release::FLOOR_TARGET)?;
    edit(keys_dir, repo, ts_secs, move |editor, _| {
        editor.add_target(TargetName::new(release::FLOOR_TARGET)?, target)?;
        Ok(())
    })
    .await?;
    Ok(format!("signed minimum version is now {version}"))
}

pub async fn refresh(keys_dir: &Path, repo: &Path, ts_secs: i64) -> Result<String, ReleaseError> {
    edit(keys_dir, repo, ts_secs, |_, _| Ok(())).await?;
    Ok("targets, snapshot and timestamp re-signed".into())
}

pub async fn rotate_root(
    keys_dir: &Path,
    repo: &Path,
    sign_with: &[String],
) -> Result<String, ReleaseError> {
    let (n, path) = latest_root(repo)?;
    let bytes = std::fs::read(&path).map_err(|source| ReleaseError::Io {
        what: "read",
        path: path.clone(),
        source,
    })?;
    let old: tough::schema::Signed<Root> =
        serde_json::from_slice(&bytes).map_err(|e| ReleaseError::Msg(e.to_string()))?;
    let mut root = old.signed;
    root.version = nz(n + 1);
    root.expires = in_secs(365 * DAY)?;
    let names: Vec<&str> = sign_with.iter().map(String::as_str).collect();
    let sources = keys::sources(keys_dir, &names);
    if sources.len() != names.len() {
        return Err(ReleaseError::Msg(format!(
            "not every key of {names:?} is in {}",
            keys_dir.display()
        )));
    }
    let signed = SignedRole::new(
        root.clone(),
        &KeyHolder::Root(root),
        &sources,
        &SystemRandom::new(),
    )
    .await?;
    signed.write(metadata(repo), true).await?;
    Ok(format!(
        "root version {} written, signed by {}",
        n + 1,
        names.join(", ")
    ))
}
