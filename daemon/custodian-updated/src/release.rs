//! What the targets role signs about each release, in its `custom` fields.
//! The updater trusts only these signed fields (never a file name or a
//! request) to decide what a target is and whether it may be installed.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::version::Version;

/// The kind of an application release (a tar.gz of `bin/` and `release.json`).
pub const KIND_APP: &str = "app";
/// The kind of the signed floor: a target whose custom `version` no
/// installation may go below.
pub const KIND_FLOOR: &str = "floor";
/// The floor's target name (one per repository).
pub const FLOOR_TARGET: &str = "custodian-floor.txt";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct Custom {
    pub kind: String,
    pub version: Version,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arch: Option<String>,
    /// The oldest installed version this release may be installed over.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_from_version: Option<Version>,
    /// Withdrawn by the publisher: never installed; if it is the running
    /// version, stepping down to the newest good release is allowed.
    #[serde(default)]
    pub recalled: bool,
}

impl Custom {
    /// Reads a target's custom fields; `None` for targets that are not ours
    /// or that do not parse (they are ignored, never guessed at).
    pub fn from_target(custom: &HashMap<String, serde_json::Value>) -> Option<Self> {
        let value = serde_json::Value::Object(custom.clone().into_iter().collect());
        serde_json::from_value(value).ok()
    }

    pub fn to_map(&self) -> HashMap<String, serde_json::Value> {
        match serde_json::to_value(self) {
            Ok(serde_json::Value::Object(m)) => m.into_iter().collect(),
            _ => HashMap::new(),
        }
    }
}

/// The file name of an application release target. Flat names only: tough
/// mishandles targets in sub-directories.
pub fn app_target_name(version: Version, arch: &str) -> String {
    format!("custodian-{version}-{arch}.tar.gz")
}

/// What each release archive carries at its top, beside `bin/`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReleaseFile {
    pub version: Version,
}

pub const RELEASE_FILE: &str = "release.json";
