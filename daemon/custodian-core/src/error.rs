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

/// A value filled into a refusal's message: text (a name, a title the
/// person typed, a field) or a number (which may choose a plural form).
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    Text(std::borrow::Cow<'static, str>),
    Number(i64),
}

impl From<&'static str> for Arg {
    fn from(text: &'static str) -> Self {
        Self::Text(text.into())
    }
}

impl From<String> for Arg {
    fn from(text: String) -> Self {
        Self::Text(text.into())
    }
}

impl From<&String> for Arg {
    fn from(text: &String) -> Self {
        Self::Text(text.clone().into())
    }
}

macro_rules! number_arg {
    ($($t:ty),*) => {$(
        impl From<$t> for Arg {
            fn from(n: $t) -> Self {
                Self::Number(i64::try_from(n).unwrap_or(i64::MAX))
            }
        }
    )*};
}
number_arg!(i32, i64, u32, u64, usize);

/// What the person asked for that the domain declines, as the key of the
/// message that says how to put it right (a form field out of range, a
/// CSV cell that is not a number) and the values it names. The web layer
/// turns it into words in the person's language (`i18n/*/problems.ftl`);
/// the domain has no words of its own, so none can slip past the
/// catalogues. Deliberately no `Display`: a problem is never shown as it
/// is, only translated (its `Debug` names the key for the journal).
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// The message's key in the catalogues.
    pub key: &'static str,
    /// The values its placeables name, by name.
    pub args: Vec<(&'static str, Arg)>,
}

impl Problem {
    /// The problem whose message is `key`.
    pub fn new(key: &'static str) -> Self {
        Self {
            key,
            args: Vec::new(),
        }
    }

    /// With the value of the placeable `name`.
    #[must_use]
    pub fn with(mut self, name: &'static str, value: impl Into<Arg>) -> Self {
        self.args.push((name, value.into()));
        self
    }

    /// The values as a JSON object, by name: how notifications and
    /// revision summaries store them beside their key.
    pub fn args_json(&self) -> serde_json::Value {
        serde_json::Value::Object(
            self.args
                .iter()
                .map(|(name, value)| {
                    let v = match value {
                        Arg::Text(t) => serde_json::Value::from(t.as_ref()),
                        Arg::Number(n) => serde_json::Value::from(*n),
                    };
                    ((*name).to_owned(), v)
                })
                .collect(),
        )
    }

    /// The value given for `name`, if any.
    pub fn arg(&self, name: &str) -> Option<&Arg> {
        self.args.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }
}

impl From<Problem> for Rejected {
    fn from(p: Problem) -> Self {
        Self::Problem(p)
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
/// can fix it: the [`Problem`] says how), or the failure that kept it
/// from deciding. One `Result<T, Rejected>` instead of a result inside a
/// result.
#[derive(Debug, thiserror::Error)]
pub enum Rejected {
    /// Logged by its key; the person reads it translated.
    #[error("refused: {}", .0.key)]
    Problem(Problem),
    #[error(transparent)]
    Failed(#[from] CoreError),
}

impl Rejected {
    /// The refusal whose message is `key` (`Rejected::problem("..")`).
    pub fn problem(key: &'static str) -> Self {
        Self::Problem(Problem::new(key))
    }

    /// With the value of the placeable `name` (a failure stays as it is).
    #[must_use]
    pub fn with(self, name: &'static str, value: impl Into<Arg>) -> Self {
        match self {
            Self::Problem(p) => Self::Problem(p.with(name, value)),
            failed @ Self::Failed(_) => failed,
        }
    }

    /// The problem's key, if this is a refusal (tests compare it).
    pub fn key(&self) -> Option<&'static str> {
        match self {
            Self::Problem(p) => Some(p.key),
            Self::Failed(_) => None,
        }
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
