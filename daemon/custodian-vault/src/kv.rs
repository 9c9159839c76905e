//! KV version 2: reads that keep the version number (which is how a
//! rotation is noticed) and the values in secret types.

use std::collections::BTreeMap;

use secrecy::SecretString;

use crate::client::{number, Client, VaultError};

pub struct KvSecret {
    pub version: u64,
    pub values: BTreeMap<String, SecretString>,
}

impl std::fmt::Debug for KvSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KvSecret")
            .field("version", &self.version)
            .field("keys", &self.values.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl KvSecret {
    pub fn get(&self, key: &str) -> Option<&SecretString> {
        self.values.get(key)
    }
}

/// Reads the current version (or `version`) of `mount/path`.
pub async fn read(
    client: &Client,
    mount: &str,
    path: &str,
    version: Option<u64>,
) -> Result<KvSecret, VaultError> {
    let api = match version {
        Some(v) => format!("{mount}/data/{path}?version={v}"),
        None => format!("{mount}/data/{path}"),
    };
    let v = client.get(&api).await?.ok_or(VaultError::Missing {
        path: api.clone(),
        field: "data",
    })?;
    let version = number(&v, "/data/metadata/version", &api, "data.metadata.version")?;
    let data = v
        .pointer("/data/data")
        .and_then(|d| d.as_object())
        .ok_or(VaultError::Missing {
            path: api.clone(),
            field: "data.data (the secret was deleted or destroyed)",
        })?;
    let values = data
        .iter()
        .filter_map(|(k, v)| {
            v.as_str()
                .map(|s| (k.clone(), SecretString::from(s.to_owned())))
        })
        .collect();
    Ok(KvSecret { version, values })
}

/// The versions of a secret that can still be read, newest first.
pub async fn live_versions(
    client: &Client,
    mount: &str,
    path: &str,
) -> Result<Vec<u64>, VaultError> {
    let api = format!("{mount}/metadata/{path}");
    let v = client.get(&api).await?.ok_or(VaultError::Missing {
        path: api.clone(),
        field: "data",
    })?;
    let mut live: Vec<u64> = v
        .pointer("/data/versions")
        .and_then(|m| m.as_object())
        .map(|m| {
            m.iter()
                .filter(|(_, meta)| {
                    !meta
                        .get("destroyed")
                        .and_then(|d| d.as_bool())
                        .unwrap_or(false)
                        && meta
                            .get("deletion_time")
                            .and_then(|d| d.as_str())
                            .unwrap_or("")
                            .is_empty()
                })
                .filter_map(|(k, _)| k.parse().ok())
                .collect()
        })
        .unwrap_or_default();
    live.sort_unstable_by(|a, b| b.cmp(a));
    Ok(live)
}
