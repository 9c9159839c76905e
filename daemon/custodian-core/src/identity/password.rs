//! Password policy and hashing: argon2id with its parameters in every hash
//! (so they can change), peppered with a Vault keyring version (so a copy
//! of the database alone cannot be attacked offline), rehashed at login
//! when either is out of date.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use serde::Deserialize;

use crate::error::{CoreError, PolicyFileError, Problem};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Policy {
    pub min_length: usize,
    pub min_score: u8,
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
    pub lockout_after: i32,
    pub lockout_minutes: i64,
    pub session_idle_minutes: i32,
    pub session_absolute_hours: i32,
}

const POLICY_TOML: &str = include_str!("../../../../policy/password.toml");

impl Policy {
    /// The compiled-in policy (`policy/password.toml`).
    pub fn builtin() -> Result<Self, PolicyFileError> {
        const FILE: &str = "password.toml";
        let p: Policy = toml::from_str(POLICY_TOML)
            .map_err(|source| PolicyFileError::Parse { file: FILE, source })?;
        p.params().map_err(|e| PolicyFileError::Invalid {
            file: FILE,
            why: format!("argon2 parameters: {e}"),
        })?;
        if p.min_length < 8 || p.min_score > 4 || p.lockout_after < 1 {
            return Err(PolicyFileError::Invalid {
                file: FILE,
                why: "min-length >= 8, min-score <= 4, lockout-after >= 1".into(),
            });
        }
        Ok(p)
    }

    fn params(&self) -> Result<Params, argon2::Error> {
        Params::new(self.memory_kib, self.iterations, self.parallelism, None)
    }

    /// Why `password` is not acceptable (`password-…` in problems.ftl,
    /// naming what makes it guessable when the estimator says); `None` if
    /// it is. `context` holds words the password must not be built from
    /// (the username, the appliance's name).
    pub fn check(&self, password: &str, context: &[&str]) -> Option<Problem> {
        if password.chars().count() < self.min_length {
            return Some(Problem::new("password-too-short").with("min", self.min_length));
        }
        match zxcvbn::zxcvbn(password, context) {
            Ok(e) if e.score() >= self.min_score => None,
            Ok(e) => Some(Problem::new(
                e.feedback()
                    .as_ref()
                    .and_then(|f| f.warning())
                    .map_or("password-weak", weakness),
            )),
            Err(_) => Some(Problem::new("password-empty")),
        }
    }

    /// A PHC string for `password` with `pepper`.
    pub fn hash(&self, password: &str, pepper: &[u8]) -> Result<String, CoreError> {
        let argon = Argon2::new_with_secret(
            pepper,
            Algorithm::Argon2id,
            Version::V0x13,
            self.params().map_err(argon2::password_hash::Error::from)?,
        )
        .map_err(argon2::password_hash::Error::from)?;
        let mut salt = [0u8; 16];
        getrandom::getrandom(&mut salt)?;
        let salt = SaltString::encode_b64(&salt)?;
        Ok(argon.hash_password(password.as_bytes(), &salt)?.to_string())
    }

    /// Whether `password` matches `stored` (made with `pepper`). Always does
    /// the full work, whatever the outcome.
    pub fn verify(&self, password: &str, stored: &str, pepper: &[u8]) -> bool {
        let Ok(parsed) = PasswordHash::new(stored) else {
            return false;
        };
        let Ok(params) = Params::try_from(&parsed) else {
            return false;
        };
        let Ok(argon) =
            Argon2::new_with_secret(pepper, Algorithm::Argon2id, Version::V0x13, params)
        else {
            return false;
        };
        argon.verify_password(password.as_bytes(), &parsed).is_ok()
    }

    /// True when `stored` was made with other parameters than the policy's.
    pub fn outdated(&self, stored: &str) -> bool {
        let Ok(parsed) = PasswordHash::new(stored) else {
            return true;
        };
        let Ok(params) = Params::try_from(&parsed) else {
            return true;
        };
        parsed.algorithm.as_str() != "argon2id"
            || params.m_cost() != self.memory_kib
            || params.t_cost() != self.iterations
            || params.p_cost() != self.parallelism
    }
}

/// The message naming what the estimator found guessable.
fn weakness(w: zxcvbn::feedback::Warning) -> &'static str {
    use zxcvbn::feedback::Warning as W;
    match w {
        W::StraightRowsOfKeysAreEasyToGuess | W::ShortKeyboardPatternsAreEasyToGuess => {
            "password-weak-keyboard"
        }
        W::RepeatsLikeAaaAreEasyToGuess | W::RepeatsLikeAbcAbcAreOnlySlightlyHarderToGuess => {
            "password-weak-repeats"
        }
        W::ThisIsATop10Password | W::ThisIsATop100Password | W::ThisIsACommonPassword => {
            "password-weak-common"
        }
        W::ThisIsSimilarToACommonlyUsedPassword => "password-weak-similar",
        W::SequencesLikeAbcAreEasyToGuess => "password-weak-sequence",
        W::RecentYearsAreEasyToGuess | W::DatesAreOftenEasyToGuess => "password-weak-dates",
        W::AWordByItselfIsEasyToGuess => "password-weak-word",
        W::NamesAndSurnamesByThemselvesAreEasyToGuess | W::CommonNamesAndSurnamesAreEasyToGuess => {
            "password-weak-names"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_policy_loads_and_rejects_weak_passwords() {
        let p = Policy::builtin().expect("policy");
        assert!(p.check("short", &[]).is_some());
        assert!(p.check("password1234", &[]).is_some());
        assert!(p.check("alice-alice-alice", &["alice"]).is_some());
        assert!(p
            .check("violet hamster crossing 1987 quietly", &[])
            .is_none());
    }

    #[test]
    fn hashes_carry_parameters_and_need_the_pepper() {
        let p = Policy::builtin().expect("policy");
        let h = p
            .hash(
                "violet hamster crossing",
                b"pepper-one-32-bytes-long-padding",
            )
            .expect("hash");
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(p.verify(
            "violet hamster crossing",
            &h,
            b"pepper-one-32-bytes-long-padding"
        ));
        assert!(!p.verify(
            "violet hamster crossing",
            &h,
            b"pepper-two-32-bytes-long-padding"
        ));
        assert!(!p.verify(
            "violet hamster crossinG",
            &h,
            b"pepper-one-32-bytes-long-padding"
        ));
        assert!(!p.outdated(&h));
        let weaker = Policy {
            memory_kib: 8192,
            ..p.clone()
        };
        assert!(weaker.outdated(&h));
    }
}
