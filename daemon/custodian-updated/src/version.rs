//! Release versions: three numbers, compared numerically. Anything else
//! (pre-release tags, build metadata) is refused rather than guessed at,
//! because the version floor depends on this order being unambiguous.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version(pub u64, pub u64, pub u64);

#[derive(Debug, thiserror::Error)]
#[error("{0:?} is not a release version (expected three numbers such as 1.4.2)")]
pub struct BadVersion(pub String);

impl Version {
    pub fn parse(s: &str) -> Result<Self, BadVersion> {
        let bad = || BadVersion(s.chars().take(40).collect());
        let mut parts = s.split('.');
        let mut next = || -> Result<u64, BadVersion> {
            let p = parts.next().ok_or_else(bad)?;
            if p.is_empty() || p.len() > 9 || !p.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            // A leading zero would give two spellings of one version.
            if p.len() > 1 && p.starts_with('0') {
                return Err(bad());
            }
            p.parse().map_err(|_| bad())
        };
        let v = Version(next()?, next()?, next()?);
        if parts.next().is_some() {
            return Err(bad());
        }
        Ok(v)
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.0, self.1, self.2)
    }
}

impl std::str::FromStr for Version {
    type Err = BadVersion;
    fn from_str(s: &str) -> Result<Self, BadVersion> {
        Self::parse(s)
    }
}

impl serde::Serialize for Version {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Version {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Version::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::Version;

    #[test]
    fn orders_numerically_and_refuses_ambiguous_spellings() {
        let v = |s| Version::parse(s).map_err(|e| e.to_string());
        assert!(v("0.10.0") > v("0.9.9"));
        assert!(v("1.0.0") > v("0.99.99"));
        assert_eq!(v("1.2.3").map(|x| x.to_string()), Ok("1.2.3".to_owned()));
        for bad in [
            "",
            "1",
            "1.2",
            "1.2.3.4",
            "01.2.3",
            "1.2.x",
            "1.2.3-rc1",
            " 1.2.3",
            "1..3",
            "9999999999.0.0",
        ] {
            assert!(v(bad).is_err(), "{bad:?} accepted");
        }
    }
}
