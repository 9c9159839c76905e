//! The domain's one error type: a failure of the appliance (the database,
//! the hashing pool, an internal fault), never the person's. What a person
//! can fix is a refusal, returned beside it with the text that says how.

use crate::pool::DbError;

/// Kept whole so that its kind (connection lost, statement timeout, busy
/// hashing pool) decides what the person is told.
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("{0}")]
    Internal(String),
    /// Every password hashing slot is taken: answer 503 with Retry-After.
    #[error(transparent)]
    Busy(HashError),
    /// The operating system gave no random bytes (tokens, salts, secrets).
    #[error("the operating system gave no random bytes: {0}")]
    Random(#[from] getrandom::Error),
    /// argon2id refused its parameters or its input.
    #[error("argon2id: {0}")]
    Hashing(#[from] argon2::password_hash::Error),
    /// A policy file compiled into the binary does not hold.
    #[error(transparent)]
    Policy(#[from] PolicyFileError),
}

/// A policy file compiled into the binary (`policy/*.toml`) that does not
/// parse or does not hold; the tests read each one, so this is a build
/// that should never have shipped.
#[derive(Debug, thiserror::Error)]
pub enum PolicyFileError {
    #[error("policy/{file} does not parse: {source}")]
    Parse {
        file: &'static str,
        source: toml::de::Error,
    },
    #[error("policy/{file}: {why}")]
    Invalid { file: &'static str, why: String },
}

/// What the person asked for that the domain declines, in words that say
/// how to put it right (a form field out of range, a CSV cell that is not
/// a number). Only the text: it is shown on the page that was sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Problem(pub std::borrow::Cow<'static, str>);

impl From<&'static str> for Problem {
    fn from(text: &'static str) -> Self {
        Self(text.into())
    }
}

impl From<String> for Problem {
    fn from(text: String) -> Self {
        Self(text.into())
    }
}

impl From<Problem> for Rejected {
    fn from(p: Problem) -> Self {
        Self::Problem(p.0)
    }
}

impl From<HashError> for CoreError {
    fn from(e: HashError) -> Self {
        match e {
            HashError::Busy(_) => Self::Busy(e),
            HashError::Task(t) => Self::Internal(t.to_string()),
        }
    }
}

/// Kept whole: its kind (connection lost, statement timeout) decides what
/// the person is told (`load::cause_of`).
impl From<tokio_postgres::Error> for CoreError {
    fn from(e: tokio_postgres::Error) -> Self {
        Self::Db(DbError::Postgres(e))
    }
}

/// Password hashing could not run: every slot stayed busy, or the task
/// failed.
#[derive(Debug, thiserror::Error)]
pub enum HashError {
    #[error("every password hashing slot stayed busy for {0:?}")]
    Busy(std::time::Duration),
    #[error("the hashing task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
}

/// What the domain declines to do because of what was asked (the person
/// can fix it: the text says how), or the failure that kept it from
/// deciding. One `Result<T, Rejected>` instead of a result inside a result.
#[derive(Debug, thiserror::Error)]
pub enum Rejected {
    #[error("{0}")]
    Problem(std::borrow::Cow<'static, str>),
    #[error(transparent)]
    Failed(#[from] CoreError),
}

impl From<&'static str> for Rejected {
    fn from(text: &'static str) -> Self {
        Self::Problem(text.into())
    }
}

impl From<String> for Rejected {
    fn from(text: String) -> Self {
        Self::Problem(text.into())
    }
}

impl From<DbError> for Rejected {
    fn from(e: DbError) -> Self {
        Self::Failed(e.into())
    }
}

impl From<tokio_postgres::Error> for Rejected {
    fn from(e: tokio_postgres::Error) -> Self {
        Self::Failed(e.into())
    }
}

impl From<HashError> for Rejected {
    fn from(e: HashError) -> Self {
        Self::Failed(e.into())
    }
}
