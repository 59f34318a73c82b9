//! The domain error type. Area modules return it; `api::problem` and `web`
//! map it to HTTP, each in one place.

use sea_orm::{DbErr, SqlErr};

/// A problem with one input field.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    /// The field's name as the client sent it (`email`, `password`, `items[2].name`).
    pub field: String,
    /// Stable machine code, also the translation key on pages (`password_too_short`).
    pub code: String,
    /// English explanation for a person.
    pub message: String,
}

impl FieldError {
    /// A field error.
    pub fn new(
        field: impl Into<String>,
        code: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            field: field.into(),
            code: code.into(),
            message: message.into(),
        }
    }
}

/// The message of the error a fenced commit fails with when a retry took
/// the key over (`crate::db::Fence`, [`Error::is_superseded`]).
pub const SUPERSEDED: &str = "idempotency attempt superseded by a retry";

/// What went wrong in a domain command.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No identity: sign in or send a token.
    #[error("authentication required")]
    Unauthenticated,
    /// Identity known but the action is not allowed.
    #[error("{0}")]
    Forbidden(String),
    /// The thing does not exist, or the caller may not know it exists.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The thing is in the wrong state for the action, or would duplicate another.
    #[error("{message}")]
    Conflict {
        /// Stable machine code.
        code: &'static str,
        /// English explanation.
        message: String,
    },
    /// Input that could not be understood (400).
    #[error("invalid request")]
    BadInput(Vec<FieldError>),
    /// Input understood but breaking a rule (422).
    #[error("validation failed")]
    Invalid(Vec<FieldError>),
    /// Too many attempts; try again after the given number of seconds.
    #[error("too many attempts, retry in {retry_after_secs} s")]
    TooManyRequests {
        /// Seconds until a new attempt may succeed.
        retry_after_secs: u64,
    },
    /// The database refused a row: a key already holds it (the same thing
    /// made twice at once, past a check), or it names a row that does not
    /// exist. Classified once, from the database's error ([`From<DbErr>`]);
    /// a command that must name the field turns it into `Invalid`
    /// ([`Error::unique_as`]).
    #[error("{kind:?} refused by {constraint}")]
    Refused {
        /// Which key refused it.
        kind: Refusal,
        /// What the database said (it names the constraint or columns).
        constraint: String,
    },
    /// The database failed.
    #[error("database error: {0}")]
    Db(DbErr),
    /// A failure of ours that is not the caller's fault.
    #[error("internal error: {0}")]
    Internal(String),
}

/// Why the database refused a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// A unique key holds it already: 409.
    Duplicate,
    /// A foreign key names nothing: 422.
    MissingReference,
}

impl From<DbErr> for Error {
    fn from(e: DbErr) -> Self {
        match e.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(m)) => Self::Refused {
                kind: Refusal::Duplicate,
                constraint: m,
            },
            Some(SqlErr::ForeignKeyConstraintViolation(m)) => Self::Refused {
                kind: Refusal::MissingReference,
                constraint: m,
            },
            _ => Self::Db(e),
        }
    }
}

/// Result of a domain command.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// A 422 with one field error.
    pub fn invalid(field: &str, code: &str, message: impl Into<String>) -> Self {
        Self::Invalid(vec![FieldError::new(field, code, message)])
    }

    /// A 400 with one field error.
    pub fn bad_input(field: &str, code: &str, message: impl Into<String>) -> Self {
        Self::BadInput(vec![FieldError::new(field, code, message)])
    }

    /// A 403 with a reason.
    pub fn forbidden(reason: impl Into<String>) -> Self {
        Self::Forbidden(reason.into())
    }

    /// True when the database could not take the request for contention
    /// that passes: SQLite busy or locked (codes 5, 6, 517 and their
    /// extended forms) after the busy timeout, PostgreSQL serialization
    /// failures and deadlocks, or no connection free in time. The answer is
    /// 503 with `Retry-After`, and nothing was written.
    #[must_use]
    pub fn is_contention(&self) -> bool {
        let Self::Db(e) = self else {
            return false;
        };
        let runtime = match e {
            DbErr::ConnectionAcquire(_) => return true,
            DbErr::Conn(r) | DbErr::Exec(r) | DbErr::Query(r) => r,
            _ => return false,
        };
        let sea_orm::RuntimeErr::SqlxError(sqlx) = runtime else {
            return false;
        };
        match &**sqlx {
            sea_orm::sqlx::Error::PoolTimedOut => true,
            sea_orm::sqlx::Error::Database(db) => {
                let code = db.code().unwrap_or_default();
                // SQLite: 5 BUSY, 6 LOCKED, and extended codes whose low byte is 5 or 6.
                let sqlite_busy = code.parse::<u32>().is_ok_and(|c| matches!(c & 0xff, 5 | 6));
                sqlite_busy || code == "40001" || code == "40P01" || code == "55P03"
            }
            _ => false,
        }
    }

    /// True when a request's write was not committed because a retry with
    /// its `Idempotency-Key` took the key over (`db::Fence`).
    #[must_use]
    pub fn is_superseded(&self) -> bool {
        matches!(self, Self::Db(DbErr::Custom(m)) if m == SUPERSEDED)
    }

    /// True when the database refused a row because a unique key already holds it.
    #[must_use]
    pub fn is_unique_violation(&self) -> bool {
        matches!(
            self,
            Self::Refused {
                kind: Refusal::Duplicate,
                ..
            }
        )
    }

    /// True when a foreign key refused a row (it names something missing).
    #[must_use]
    pub fn is_foreign_key_violation(&self) -> bool {
        matches!(
            self,
            Self::Refused {
                kind: Refusal::MissingReference,
                ..
            }
        )
    }

    /// True when a unique key whose name or column mentions `name` refused a row
    /// (for tables with more than one unique key).
    #[must_use]
    pub fn is_unique_violation_of(&self, name: &str) -> bool {
        matches!(
            self,
            Self::Refused {
                kind: Refusal::Duplicate,
                constraint,
            } if constraint.contains(name)
        )
    }

    /// Turns a unique-key violation into a 422 on `field`; other errors pass through.
    #[must_use]
    pub fn unique_as(self, field: &str, code: &str, message: &str) -> Self {
        if self.is_unique_violation() {
            Self::invalid(field, code, message)
        } else {
            self
        }
    }
}
