//! The key escrow. Every media file, export and TOTP secret is encrypted
//! under a key wrapped by a Vault transit key, the activity log's
//! checkpoints are signed by another, and passwords are peppered from the
//! keyring in KV: without these a restored database and media store are
//! unreadable. The escrow is a JSON bundle of
//!
//! - each transit key's backup (`transit/backup/KEY`, all versions),
//! - every live version of the keyring (`kv/custodian/keyring`), at its
//!   version number (password hashes name the pepper version),
//! - the two repository passphrases (`kv/custodian/backup`),
//!
//! sealed with age to a recipient whose private key is kept offline by the
//! security team (never on the appliance). The sealed file is copied into
//! the backup repository at every backup; on its own it is ciphertext.
//!
//! Making a transit key backup requires the key to be marked exportable
//! with plaintext backup allowed; only an operator token can ask for a
//! backup (neither custodiand's nor the migrator's policy grants
//! `transit/backup/*` or `transit/export/*`).

use std::collections::BTreeMap;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use custodian_vault::provision::{KEYRING_PATH, KV_MOUNT, TRANSIT_KEYS, TRANSIT_MOUNT};
use custodian_vault::{Client, VaultError};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use zeroize::Zeroizing;

use super::tools::{io, BackupError, Tool};

pub use custodian_vault::provision::BACKUP_SECRETS_PATH;
pub const PGBACKREST_FIELD: &str = "pgbackrest-cipher-pass";
pub const RESTIC_FIELD: &str = "restic-password";
const FORMAT: u64 = 1;

fn vault(what: impl Into<String>) -> impl FnOnce(VaultError) -> BackupError {
    let what = what.into();
    move |source| BackupError::Vault { what, source }
}

/// The repository passphrases.
pub struct Passphrases {
    pub pgbackrest: SecretString,
    pub restic: SecretString,
}

/// Reads the passphrases with the migrator's token.
pub async fn passphrases(client: &Client) -> Result<Passphrases, BackupError> {
    let s = custodian_vault::kv::read(client, KV_MOUNT, BACKUP_SECRETS_PATH, None)
        .await
        .map_err(|source| BackupError::PassphraseUnavailable {
            what: format!("{KV_MOUNT}/{BACKUP_SECRETS_PATH}"),
            source,
        })?;
    let get = |f: &'static str| {
        s.get(f)
            .cloned()
            .ok_or_else(|| BackupError::PassphraseUnavailable {
                what: format!("{KV_MOUNT}/{BACKUP_SECRETS_PATH} field {f}"),
                source: VaultError::Missing {
                    path: format!("{KV_MOUNT}/{BACKUP_SECRETS_PATH}"),
                    field: "the passphrase field (run custodianctl vault provision)",
                },
            })
    };
    Ok(Passphrases {
        pgbackrest: get(PGBACKREST_FIELD)?,
        restic: get(RESTIC_FIELD)?,
    })
}

/// Collects the escrow bundle with an operator token. Marks each transit
/// key exportable with plaintext backup allowed (once; Vault does not
/// allow taking that back).
pub async fn collect(
    admin: &Client,
    progress: &dyn Fn(&str),
) -> Result<(SecretString, Coverage), BackupError> {
    let mut transit = serde_json::Map::new();
    let mut versions = serde_json::Map::new();
    for (key, _, _) in TRANSIT_KEYS {
        admin
            .post(
                &format!("{TRANSIT_MOUNT}/keys/{key}/config"),
                &json!({"exportable": true, "allow_plaintext_backup": true}),
            )
            .await
            .map_err(vault(format!("allow a backup of transit key {key}")))?;
        let v = admin
            .get(&format!("{TRANSIT_MOUNT}/backup/{key}"))
            .await
            .map_err(vault(format!("back up transit key {key}")))?
            .unwrap_or(Value::Null);
        let b = v
            .pointer("/data/backup")
            .and_then(Value::as_str)
            .ok_or_else(|| {
                BackupError::Refused(format!("Vault gave no backup of transit key {key}"))
            })?;
        transit.insert((*key).to_owned(), Value::String(b.to_owned()));
        let info = admin
            .get(&format!("{TRANSIT_MOUNT}/keys/{key}"))
            .await
            .map_err(vault(format!("read transit key {key}")))?
            .unwrap_or(Value::Null);
        versions.insert(
            (*key).to_owned(),
            info.pointer("/data/latest_version")
                .cloned()
                .unwrap_or(Value::Null),
        );
        progress(&format!("escrowed transit key {key}"));
    }
    let mut keyring = serde_json::Map::new();
    let live = custodian_vault::kv::live_versions(admin, KV_MOUNT, KEYRING_PATH)
        .await
        .map_err(vault("list the keyring's versions"))?;
    for v in &live {
        let s = custodian_vault::kv::read(admin, KV_MOUNT, KEYRING_PATH, Some(*v))
            .await
            .map_err(vault(format!("read keyring version {v}")))?;
        let data: serde_json::Map<String, Value> = s
            .values
            .iter()
            .map(|(k, val)| (k.clone(), Value::String(val.expose_secret().to_owned())))
            .collect();
        keyring.insert(v.to_string(), Value::Object(data));
    }
    progress(&format!("escrowed {} keyring version(s)", live.len()));
    let secrets = custodian_vault::kv::read(admin, KV_MOUNT, BACKUP_SECRETS_PATH, None)
        .await
        .map_err(vault("read the repository passphrases"))?;
    let backup: serde_json::Map<String, Value> = secrets
        .values
        .iter()
        .map(|(k, val)| (k.clone(), Value::String(val.expose_secret().to_owned())))
        .collect();
    let created = super::status::now_rfc3339();
    let coverage = Coverage {
        sealed: created.clone(),
        recipient: String::new(),
        transit: versions
            .iter()
            .filter_map(|(k, v)| v.as_u64().map(|v| (k.clone(), v)))
            .collect(),
        keyring: live.clone(),
    };
    let bundle = json!({
        "format": FORMAT,
        "created": created,
        "transit": transit,
        "transit_latest_versions": versions,
        "keyring": keyring,
        "backup": backup,
    });
    Ok((SecretString::from(bundle.to_string()), coverage))
}

/// What a sealed escrow holds, by version number only (no key material),
/// written beside it ([`coverage_file`]) so that every backup can tell
/// whether a key was rotated after the escrow was sealed, and so that a
/// re-seal knows the recipient.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Coverage {
    pub sealed: String,
    pub recipient: String,
    /// Each transit key's latest version at sealing (its backup holds
    /// every version up to it).
    pub transit: BTreeMap<String, u64>,
    /// The keyring's live versions at sealing.
    pub keyring: Vec<u64>,
}

/// `escrow.age` → `escrow.covers.json`.
pub fn coverage_file(sealed: &Path) -> PathBuf {
    sealed.with_extension("covers.json")
}

impl Coverage {
    pub fn load(sealed: &Path) -> Option<Self> {
        let text = std::fs::read_to_string(coverage_file(sealed)).ok()?;
        serde_json::from_str(&text).ok()
    }

    /// The key versions in use that this escrow lacks.
    pub fn gaps(&self, in_use: &InUse) -> Vec<Gap> {
        let mut gaps: Vec<Gap> = in_use
            .transit
            .iter()
            .filter(|(k, v)| self.transit.get(*k).map_or(true, |have| have < *v))
            .map(|(k, v)| Gap {
                key: format!("{TRANSIT_MOUNT}/{k}"),
                version: *v,
            })
            .collect();
        gaps.extend(
            in_use
                .keyring
                .iter()
                .filter(|v| !self.keyring.contains(v))
                .map(|v| Gap {
                    key: format!("{KV_MOUNT}/{KEYRING_PATH}"),
                    version: *v,
                }),
        );
        gaps
    }
}

/// A key version in use that the sealed escrow does not hold: a restore on
/// a fresh Vault could not read what it encrypted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Gap {
    pub key: String,
    pub version: u64,
}

/// The key versions Vault has now (the migrator's token may read version
/// numbers, never key material).
#[derive(Debug, Clone, Default)]
pub struct InUse {
    pub transit: BTreeMap<String, u64>,
    pub keyring: Vec<u64>,
}

pub async fn in_use(client: &Client) -> Result<InUse, BackupError> {
    let mut transit = BTreeMap::new();
    for (key, _, _) in TRANSIT_KEYS {
        let info = client
            .get(&format!("{TRANSIT_MOUNT}/keys/{key}"))
            .await
            .map_err(vault(format!("read transit key {key}'s versions")))?
            .unwrap_or(Value::Null);
        if let Some(v) = info.pointer("/data/latest_version").and_then(Value::as_u64) {
            transit.insert((*key).to_owned(), v);
        }
    }
    let keyring = custodian_vault::kv::live_versions(client, KV_MOUNT, KEYRING_PATH)
        .await
        .map_err(vault("list the keyring's versions"))?;
    Ok(InUse { transit, keyring })
}

/// Seals `bundle` to `recipient` into `out` (0644: it is ciphertext), and
/// what it covers beside it.
pub fn seal(
    bundle: &SecretString,
    coverage: &Coverage,
    recipient: &str,
    out: &Path,
) -> Result<(), BackupError> {
    let tmp = out.with_extension("tmp");
    let _ = std::fs::remove_file(&tmp);
    Tool::new("age", "seal the key escrow")
        .args(["--encrypt", "--recipient", recipient, "--output"])
        .arg(&tmp)
        .stdin_secret(bundle.clone())
        .quiet()
        .run()?;
    let f = std::fs::File::open(&tmp).map_err(io(format!("open {}", tmp.display())))?;
    f.sync_all()
        .map_err(io(format!("sync {}", tmp.display())))?;
    std::fs::rename(&tmp, out).map_err(io(format!("move {} into place", out.display())))?;
    let coverage = Coverage {
        recipient: recipient.to_owned(),
        ..coverage.clone()
    };
    let text = serde_json::to_vec_pretty(&coverage).unwrap_or_default();
    write_file(&coverage_file(out), &text, 0o644)
}

/// Opens a sealed escrow with the offline identity file.
pub fn open(sealed: &Path, identity: &Path) -> Result<Bundle, BackupError> {
    if !sealed.is_file() {
        return Err(BackupError::Refused(format!(
            "no key escrow at {}: the repository lacks escrow/escrow.age (copy the sealed escrow the security team keeps there)",
            sealed.display()
        )));
    }
    let out = Zeroizing::new(
        Tool::new(
            "age",
            "open the key escrow (is this the right recovery key?)",
        )
        .args(["--decrypt", "--identity"])
        .arg(identity)
        .arg(sealed)
        .quiet()
        .run()?,
    );
    let v: Value = serde_json::from_slice(&out).map_err(|_| {
        BackupError::Refused("the key escrow is not a bundle this custodianctl knows".into())
    })?;
    if v.get("format").and_then(Value::as_u64) != Some(FORMAT) {
        return Err(BackupError::Refused(
            "the key escrow has an unknown format".into(),
        ));
    }
    Ok(Bundle(v))
}

/// An opened escrow (secret; its Debug shows nothing).
pub struct Bundle(Value);

impl std::fmt::Debug for Bundle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Bundle(..)")
    }
}

impl Drop for Bundle {
    fn drop(&mut self) {
        // Best effort: overwrite the strings we can reach.
        fn wipe(v: &mut Value) {
            match v {
                Value::String(s) => zeroize::Zeroize::zeroize(s),
                Value::Object(m) => m.values_mut().for_each(wipe),
                Value::Array(a) => a.iter_mut().for_each(wipe),
                _ => {}
            }
        }
        wipe(&mut self.0);
    }
}

impl Bundle {
    pub fn passphrases(&self) -> Result<Passphrases, BackupError> {
        let get = |f: &str| {
            self.0
                .pointer(&format!("/backup/{f}"))
                .and_then(Value::as_str)
                .map(|s| SecretString::from(s.to_owned()))
                .ok_or_else(|| BackupError::Refused(format!("the key escrow lacks {f}")))
        };
        Ok(Passphrases {
            pgbackrest: get(PGBACKREST_FIELD)?,
            restic: get(RESTIC_FIELD)?,
        })
    }

    /// Latest transit key versions at the time of sealing.
    pub fn transit_versions(&self) -> BTreeMap<String, u64> {
        self.0
            .get("transit_latest_versions")
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| v.as_u64().map(|v| (k.clone(), v)))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Puts the escrowed keys into a fresh Vault (operator token): the
    /// transit keys, the keyring at its version numbers, the passphrases.
    /// Refuses to replace keys a Vault already has unless `force`.
    pub async fn import(
        &self,
        admin: &Client,
        force: bool,
        progress: &dyn Fn(&str),
    ) -> Result<(), BackupError> {
        let mounts = admin
            .get("sys/mounts")
            .await
            .map_err(vault("list the secrets engines"))?
            .unwrap_or(Value::Null);
        for (name, body) in [
            (KV_MOUNT, json!({"type": "kv", "options": {"version": "2"}})),
            (TRANSIT_MOUNT, json!({"type": "transit"})),
        ] {
            let present = mounts.get(format!("{name}/")).is_some()
                || mounts.pointer(&format!("/data/{name}~1")).is_some();
            if !present {
                admin
                    .post(&format!("sys/mounts/{name}"), &body)
                    .await
                    .map_err(vault(format!("enable {name}/")))?;
                progress(&format!("enabled secrets engine {name}/"));
            }
        }
        admin
            .post(&format!("{KV_MOUNT}/config"), &json!({"max_versions": 10}))
            .await
            .map_err(vault("configure kv/"))?;
        let transit = self
            .0
            .get("transit")
            .and_then(Value::as_object)
            .ok_or_else(|| BackupError::Refused("the key escrow holds no transit keys".into()))?;
        for (key, backup) in transit {
            let exists = match admin.get(&format!("{TRANSIT_MOUNT}/keys/{key}")).await {
                Ok(_) => true,
                Err(VaultError::NotFound { .. }) => false,
                Err(e) => {
                    return Err(BackupError::Vault {
                        what: format!("look up transit key {key}"),
                        source: e,
                    })
                }
            };
            if exists && !force {
                return Err(BackupError::Refused(format!(
                    "transit key {key} already exists in this Vault; restore the escrow into a fresh Vault before `custodianctl vault provision` (or pass --force to replace it)"
                )));
            }
            admin
                .post(
                    &format!("{TRANSIT_MOUNT}/restore/{key}"),
                    &json!({"backup": backup, "force": exists}),
                )
                .await
                .map_err(vault(format!("restore transit key {key}")))?;
            progress(&format!("restored transit key {key}"));
        }
        let keyring = self
            .0
            .get("keyring")
            .and_then(Value::as_object)
            .ok_or_else(|| BackupError::Refused("the key escrow holds no keyring".into()))?;
        let mut versions: Vec<u64> = keyring.keys().filter_map(|k| k.parse().ok()).collect();
        versions.sort_unstable();
        let existing = custodian_vault::kv::live_versions(admin, KV_MOUNT, KEYRING_PATH).await;
        if matches!(&existing, Ok(v) if !v.is_empty()) && !force {
            return Err(BackupError::Refused(format!(
                "{KV_MOUNT}/{KEYRING_PATH} already exists in this Vault; restore the escrow into a fresh Vault (or pass --force)"
            )));
        }
        if existing.is_ok() {
            admin
                .call(
                    reqwest::Method::DELETE,
                    &format!("{KV_MOUNT}/metadata/{KEYRING_PATH}"),
                    None,
                )
                .await
                .map_err(vault("remove the keyring this Vault had"))?;
        }
        // Versions keep their numbers: a password hash names the pepper
        // version it used. A version deleted before sealing is written as a
        // placeholder and deleted again.
        let newest = versions.last().copied().unwrap_or(0);
        let mut placeholders = Vec::new();
        for v in 1..=newest {
            let data = match keyring.get(&v.to_string()) {
                Some(d) => d.clone(),
                None => {
                    placeholders.push(v);
                    json!({"placeholder": "deleted before the escrow was sealed"})
                }
            };
            admin
                .post(
                    &format!("{KV_MOUNT}/data/{KEYRING_PATH}"),
                    &json!({"data": data}),
                )
                .await
                .map_err(vault(format!("write keyring version {v}")))?;
        }
        if !placeholders.is_empty() {
            admin
                .post(
                    &format!("{KV_MOUNT}/delete/{KEYRING_PATH}"),
                    &json!({"versions": placeholders}),
                )
                .await
                .map_err(vault("delete the keyring's placeholder versions"))?;
        }
        progress(&format!("restored the keyring (versions 1..{newest})"));
        let backup = self.0.get("backup").cloned().unwrap_or(Value::Null);
        admin
            .post(
                &format!("{KV_MOUNT}/data/{BACKUP_SECRETS_PATH}"),
                &json!({"data": backup}),
            )
            .await
            .map_err(vault("restore the repository passphrases"))?;
        progress("restored the repository passphrases");
        Ok(())
    }
}

/// Writes `text` to a new file with `mode` (replacing one atomically).
pub fn write_file(path: &Path, text: &[u8], mode: u32) -> Result<(), BackupError> {
    write_file_then(path, text, mode, |_| Ok(()))
}

/// [`write_file`], with `ready` done to the new file (its owner, say)
/// before it is moved over the old one: whoever reads `path` finds the old
/// file or the finished new one, never a missing or half-made one.
pub fn write_file_then(
    path: &Path,
    text: &[u8],
    mode: u32,
    ready: impl FnOnce(&Path) -> Result<(), BackupError>,
) -> Result<(), BackupError> {
    let tmp = path.with_extension("tmp");
    let _ = std::fs::remove_file(&tmp);
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(&tmp)
        .map_err(io(format!("create {}", tmp.display())))?;
    f.write_all(text)
        .and_then(|()| f.sync_all())
        .map_err(io(format!("write {}", tmp.display())))?;
    ready(&tmp)?;
    std::fs::rename(&tmp, path).map_err(io(format!("move {} into place", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rotated_key_is_a_gap_until_the_escrow_is_resealed() {
        let covered = Coverage {
            sealed: "2026-12-03T15:00:00Z".into(),
            recipient: "age1x".into(),
            transit: [
                ("custodian-media".to_owned(), 2),
                ("custodian-fields".to_owned(), 1),
            ]
            .into_iter()
            .collect(),
            keyring: vec![2, 1],
        };
        let mut now = InUse {
            transit: covered.transit.clone(),
            keyring: vec![2, 1],
        };
        assert!(covered.gaps(&now).is_empty());
        // The security team rotated one transit key in Vault, and the
        // keyring gained a version; an old keyring version was deleted
        // (fewer in use is no gap).
        now.transit.insert("custodian-media".into(), 3);
        now.transit.insert("custodian-exports".into(), 1);
        now.keyring = vec![3, 2];
        let gaps = covered.gaps(&now);
        let want = |key: &str, version| Gap {
            key: key.into(),
            version,
        };
        assert_eq!(
            gaps,
            vec![
                want("transit/custodian-exports", 1),
                want("transit/custodian-media", 3),
                want("kv/custodian/keyring", 3),
            ]
        );
        let text = serde_json::to_string(&covered).unwrap_or_default();
        assert!(!text.contains("backup"), "version numbers only: {text}");
    }
}
