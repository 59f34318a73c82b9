//! Database connection: SQLite in the data directory (WAL) by default,
//! PostgreSQL when the URL names it; migrations applied on connect.
//!
//! Write transactions go through [`Db::begin`]. SQLite allows one writer at a
//! time and a deferred transaction that reads before it writes can fail to
//! upgrade its lock, so on SQLite writers queue on a process-wide mutex (SQLite
//! is embedded, so one process is the whole story) and begin `IMMEDIATE`;
//! every write of the service (jobs, sessions, idempotency keys included)
//! takes this path. PostgreSQL needs no such queue: row locks (the audit
//! head, job leases) order what must be ordered. What contention remains
//! after the busy timeout is answered 503 with `Retry-After`
//! ([`crate::error::Error::is_contention`]).

use std::ops::Deref;
use std::sync::Arc;
use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    DbErr, SqliteTransactionMode, Statement, TransactionOptions, TransactionTrait,
};
use tokio::sync::{Mutex, OwnedMutexGuard};

/// The database handle shared by the whole service.
#[derive(Debug, Clone)]
pub struct Db {
    conn: DatabaseConnection,
    writer: Option<Arc<Mutex<()>>>,
    keys: Option<crate::keys::Keyring>,
    statements: Arc<std::sync::atomic::AtomicU64>,
    gram_stats: Arc<std::sync::Mutex<Option<GramStats>>>,
}

/// How common each gram of names is, as read from PostgreSQL's statistics
/// ([`crate::registry::search::gram_frequencies`]), and when.
pub type GramStats = (
    std::time::Instant,
    Arc<std::collections::HashMap<String, f32>>,
);

/// A write transaction. Dereferences to the sea-orm transaction.
#[derive(Debug)]
pub struct Tx {
    tx: DatabaseTransaction,
    writer: Option<OwnedMutexGuard<()>>,
}

impl Deref for Tx {
    type Target = DatabaseTransaction;
    fn deref(&self) -> &DatabaseTransaction {
        &self.tx
    }
}

/// The `Idempotency-Key` attempt a request runs as (set by the API's guard,
/// `api::idempotency`): every write transaction the request commits records
/// in itself that this attempt committed, or fails when a retry took the key
/// over, so a key's state and the write it protects commit together.
///
/// On SQLite the request keeps its turn on the writer queue from its first
/// commit until its answer is stored (the fence is dropped), so a crash
/// between the two is a matter of building the answer, not of waiting
/// behind every other writer.
#[derive(Debug, Clone)]
pub struct Fence {
    /// The key's row.
    pub key_hash: String,
    /// The attempt that must still hold it.
    pub attempt: uuid::Uuid,
    /// The writer's turn, kept from the first commit on (SQLite).
    turn: Arc<std::sync::Mutex<Option<OwnedMutexGuard<()>>>>,
}

impl Fence {
    /// The fence of `attempt` on the key `key_hash`.
    #[must_use]
    pub fn new(key_hash: String, attempt: uuid::Uuid) -> Self {
        Self {
            key_hash,
            attempt,
            turn: Arc::default(),
        }
    }

    fn keep_turn(&self, guard: OwnedMutexGuard<()>) {
        if let Ok(mut turn) = self.turn.lock() {
            *turn = Some(guard);
        }
    }

    fn take_turn(&self) -> Option<OwnedMutexGuard<()>> {
        self.turn.lock().ok().and_then(|mut t| t.take())
    }

    /// The writer's turn the request kept, if it committed on SQLite: for
    /// [`Db::begin_in_turn`], once the request is done.
    #[must_use]
    pub fn into_turn(self) -> Turn {
        Turn(self.take_turn())
    }
}

/// A writer's turn kept after a fenced commit ([`Fence::into_turn`]).
#[derive(Debug)]
pub struct Turn(Option<OwnedMutexGuard<()>>);

tokio::task_local! {
    /// The running request's idempotency attempt, if it sent a key.
    pub static FENCE: Fence;
}

pub use crate::error::SUPERSEDED;

impl Tx {
    /// Commits the transaction; inside a request with an `Idempotency-Key`,
    /// only while its attempt still holds the key ([`Fence`]).
    ///
    /// # Errors
    /// The database's error; `DbErr::Custom(SUPERSEDED)` (nothing written)
    /// when a retry took the key over.
    pub async fn commit(self) -> Result<(), DbErr> {
        let Ok(fence) = FENCE.try_with(Clone::clone) else {
            return self.tx.commit().await;
        };
        use entity::idempotency_keys as keys;
        use sea_orm::sea_query::Expr;
        use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _};
        let held = keys::Entity::update_many()
            .col_expr(keys::Column::Committed, Expr::value(true))
            .filter(keys::Column::KeyHash.eq(fence.key_hash.clone()))
            .filter(keys::Column::Attempt.eq(fence.attempt))
            .exec(&self.tx)
            .await?;
        if held.rows_affected != 1 {
            self.tx.rollback().await?;
            return Err(DbErr::Custom(SUPERSEDED.into()));
        }
        self.tx.commit().await?;
        if let Some(guard) = self.writer {
            fence.keep_turn(guard);
        }
        Ok(())
    }
}

/// SQLite's `synchronous` setting: `FULL` unless `COGOV_SQLITE_SYNCHRONOUS`
/// says `normal`. With `FULL` every commit is fsynced, so an acknowledged
/// write survives a power loss; `NORMAL` (in WAL mode) survives a crash of
/// the process but may lose the last commits to a power loss.
fn sqlite_synchronous() -> SqliteSynchronous {
    match std::env::var("COGOV_SQLITE_SYNCHRONOUS")
        .map(|v| v.to_ascii_lowercase())
        .as_deref()
    {
        Ok("normal") => SqliteSynchronous::Normal,
        _ => SqliteSynchronous::Full,
    }
}

/// How long a SQLite write waits for another writer before the request is
/// answered 503: `COGOV_SQLITE_BUSY_TIMEOUT_MS`, 10 seconds by default.
fn sqlite_busy_timeout() -> Duration {
    std::env::var("COGOV_SQLITE_BUSY_TIMEOUT_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .map_or(Duration::from_secs(10), Duration::from_millis)
}

impl Db {
    /// Connects (creating a SQLite file when needed) without migrating.
    ///
    /// # Errors
    /// When the database cannot be reached or opened.
    pub async fn connect(url: &str) -> Result<Self, DbErr> {
        Self::connect_waiting(url, sqlite_busy_timeout()).await
    }

    /// [`Db::connect`], a SQLite write waiting at most `busy` for another
    /// writer.
    ///
    /// # Errors
    /// When the database cannot be reached or opened.
    pub async fn connect_waiting(url: &str, busy: Duration) -> Result<Self, DbErr> {
        let mut opts = ConnectOptions::new(url.to_owned());
        opts.sqlx_logging(false);
        let sqlite = url.starts_with("sqlite:");
        if sqlite {
            opts.max_connections(4)
                .min_connections(1)
                .map_sqlx_sqlite_opts(move |o| {
                    o.journal_mode(SqliteJournalMode::Wal)
                        .synchronous(sqlite_synchronous())
                        .busy_timeout(busy)
                        .foreign_keys(true)
                        .create_if_missing(true)
                });
        } else {
            // Plans are made for the values at hand: a cached generic plan
            // cannot tell a search for a rare name from one for a common
            // character, or a batch's lookup in an empty table from one in
            // a million rows (measured: 1,100 imported rows/s with cached
            // plans).
            opts.max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                .map_sqlx_postgres_opts(|o| o.options([("plan_cache_mode", "force_custom_plan")]));
        }
        let mut conn = Database::connect(opts).await?;
        let statements = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let counter = Arc::clone(&statements);
        conn.set_metric_callback(move |_| {
            counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        });
        Ok(Self {
            writer: (conn.get_database_backend() == DbBackend::Sqlite)
                .then(|| Arc::new(Mutex::new(()))),
            conn,
            keys: None,
            statements,
            gram_stats: Arc::default(),
        })
    }

    /// Connects and applies pending migrations.
    ///
    /// # Errors
    /// When the database cannot be reached or a migration fails.
    pub async fn connect_and_migrate(url: &str) -> Result<Self, DbErr> {
        let db = Self::connect(url).await?;
        Migrator::up(&db.conn, None).await?;
        Ok(db)
    }

    /// The same database with the master key loaded (see [`crate::keys`]):
    /// what is sealed at rest is sealed and opened through it.
    #[must_use]
    pub fn with_keyring(mut self, keys: crate::keys::Keyring) -> Self {
        self.keys = Some(keys);
        self
    }

    /// The master key's ring.
    ///
    /// # Errors
    /// `Internal` when the process started without loading it (a bug of ours:
    /// every entry point loads it).
    pub fn keys(&self) -> crate::error::Result<&crate::keys::Keyring> {
        self.keys
            .as_ref()
            .ok_or_else(|| crate::error::Error::Internal("the master key is not loaded".into()))
    }

    /// The connection, for reads.
    #[must_use]
    pub fn conn(&self) -> &DatabaseConnection {
        &self.conn
    }

    /// Which database this is.
    #[must_use]
    pub fn backend(&self) -> DbBackend {
        self.conn.get_database_backend()
    }

    /// Starts a write transaction.
    ///
    /// # Errors
    /// The database's error.
    pub async fn begin(&self) -> Result<Tx, DbErr> {
        // A fenced request that already committed keeps its turn.
        let kept = FENCE.try_with(Fence::take_turn).ok().flatten();
        let guard = match (&self.writer, kept) {
            (Some(_), Some(turn)) => Some(turn),
            (Some(m), None) => Some(Arc::clone(m).lock_owned().await),
            (None, _) => None,
        };
        // On SQLite a write transaction takes the write lock at BEGIN
        // (IMMEDIATE): one that read first and then found another writer's
        // commit could not upgrade (SQLITE_BUSY_SNAPSHOT, 517), whatever the
        // busy timeout. Contention left after the timeout is a 503.
        let tx = if guard.is_some() {
            self.conn
                .begin_with_options(TransactionOptions {
                    sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                    ..TransactionOptions::default()
                })
                .await?
        } else {
            self.conn.begin().await?
        };
        Ok(Tx { tx, writer: guard })
    }

    /// Starts a write transaction in a turn kept from a fenced commit (or
    /// waits for one, as [`Db::begin`], when none was kept); never fenced.
    ///
    /// # Errors
    /// The database's error.
    pub async fn begin_in_turn(&self, turn: Turn) -> Result<Tx, DbErr> {
        match (turn.0, &self.writer) {
            (Some(guard), Some(_)) => {
                let tx = self
                    .conn
                    .begin_with_options(TransactionOptions {
                        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                        ..TransactionOptions::default()
                    })
                    .await?;
                Ok(Tx {
                    tx,
                    writer: Some(guard),
                })
            }
            _ => self.begin().await,
        }
    }

    /// Statements run through this handle so far (transactions included):
    /// what tests count to prove a list costs the same for 1 row as for 100.
    #[must_use]
    pub fn statements(&self) -> u64 {
        self.statements.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The connection pool's use now: (open connections, idle ones, the
    /// most it may open).
    #[must_use]
    pub fn pool_use(&self) -> (u32, usize, u32) {
        match self.backend() {
            DbBackend::Postgres => {
                let pool = self.conn.get_postgres_connection_pool();
                (
                    pool.size(),
                    pool.num_idle(),
                    pool.options().get_max_connections(),
                )
            }
            _ => {
                let pool = self.conn.get_sqlite_connection_pool();
                (
                    pool.size(),
                    pool.num_idle(),
                    pool.options().get_max_connections(),
                )
            }
        }
    }

    /// The search's picture of how common each gram is, kept with the
    /// connection it was read through (see
    /// [`crate::registry::search::gram_frequencies`]).
    #[must_use]
    pub fn gram_stats(&self) -> &std::sync::Mutex<Option<GramStats>> {
        &self.gram_stats
    }

    /// True when the database answers.
    pub async fn ping(&self) -> bool {
        self.conn.ping().await.is_ok()
    }
}

/// Writes a note that is not a decision (when a token or session was last
/// used): in its own transaction, and when the database is too busy to take
/// it, not at all, so the request it rides on never fails for it. Other
/// errors are the caller's.
///
/// # Errors
/// The database's error, unless it is contention.
pub async fn note<F, Fut>(db: &Db, what: &str, write: F) -> crate::error::Result<()>
where
    F: FnOnce(Tx) -> Fut,
    Fut: std::future::Future<Output = Result<(), DbErr>>,
{
    let written = match db.begin().await {
        Ok(tx) => write(tx).await,
        Err(e) => Err(e),
    };
    match written.map_err(crate::error::Error::from) {
        Err(e) if e.is_contention() => {
            tracing::debug!(error = %e, what, "not noted: database busy");
            Ok(())
        }
        other => other,
    }
}

/// Checks that a conditional state change (`UPDATE ... WHERE id = ? AND
/// status = ?`) hit its row: 0 rows means another request moved the state
/// first, and this one must not act on it.
///
/// # Errors
/// `Conflict` `state_changed` naming `what`.
pub fn changed_once(rows_affected: u64, what: &str) -> crate::error::Result<()> {
    if rows_affected == 1 {
        Ok(())
    } else {
        Err(crate::error::Error::Conflict {
            code: "state_changed",
            message: format!("{what} was decided by another request first; read it again"),
        })
    }
}

/// Writes `changes` to the row whose `id_col` is `id` only while its
/// `status_col` still holds `expected` (the state the command read and
/// decided on): the one way a state moves exactly once, whatever runs at
/// the same time on this or another instance.
///
/// # Errors
/// `Conflict` `state_changed` when another request moved it first; the
/// database's error.
pub async fn update_while<E, C>(
    tx: &C,
    changes: E::ActiveModel,
    id_col: E::Column,
    id: uuid::Uuid,
    status_col: E::Column,
    expected: impl Into<sea_orm::Value>,
    what: &str,
) -> crate::error::Result<()>
where
    E: sea_orm::EntityTrait,
    C: sea_orm::ConnectionTrait,
{
    use sea_orm::{ColumnTrait as _, QueryFilter as _};
    let hit = E::update_many()
        .set(changes)
        .filter(id_col.eq(id))
        .filter(status_col.eq(expected))
        .exec(tx)
        .await?;
    changed_once(hit.rows_affected, what)
}

/// A table numbered in creation order by a `seq` column: the order its
/// public list reads in, and the key of its text index (migrations 000048
/// 000055 and 000056).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Numbered {
    /// `organizations`, sequence `organizations_seq`.
    Organizations,
    /// `projects`, sequence `projects_seq`.
    Projects,
    /// `users`, sequence `users_seq`.
    Users,
}

impl Numbered {
    const fn table(self) -> &'static str {
        match self {
            Self::Organizations => "organizations",
            Self::Projects => "projects",
            Self::Users => "users",
        }
    }
}

/// The `seq` the next row of `table` takes, inside its write transaction
/// (SQLite's writer holds the write lock from `BEGIN`; PostgreSQL draws
/// from the table's sequence).
///
/// # Errors
/// The database's error.
pub async fn next_seq<C: ConnectionTrait>(tx: &C, table: Numbered) -> crate::error::Result<i64> {
    let backend = tx.get_database_backend();
    let name = table.table();
    let sql = match backend {
        DbBackend::Postgres => format!("SELECT nextval('{name}_seq') AS seq"),
        _ => format!("SELECT COALESCE(MAX(seq), 0) + 1 AS seq FROM {name}"),
    };
    let row = tx
        .query_one_raw(Statement::from_string(backend, sql))
        .await?
        .ok_or_else(|| crate::error::Error::Internal("no sequence value".into()))?;
    Ok(row.try_get::<i64>("", "seq")?)
}

/// `n` fresh `seq` values of `table` for a batch, ascending (contiguous on
/// SQLite).
///
/// # Errors
/// The database's error.
pub async fn next_seqs<C: ConnectionTrait>(
    tx: &C,
    table: Numbered,
    n: usize,
) -> crate::error::Result<Vec<i64>> {
    let backend = tx.get_database_backend();
    if backend != DbBackend::Postgres {
        let first = next_seq(tx, table).await?;
        return Ok((first..).take(n).collect());
    }
    let rows = tx
        .query_all_raw(Statement::from_sql_and_values(
            backend,
            format!(
                "SELECT nextval('{}_seq') AS seq FROM generate_series(1, $1)",
                table.table()
            ),
            [sea_orm::Value::from(i64::try_from(n).unwrap_or(i64::MAX))],
        ))
        .await?;
    let mut seqs = rows
        .iter()
        .map(|r| r.try_get::<i64>("", "seq"))
        .collect::<Result<Vec<_>, _>>()?;
    seqs.sort_unstable();
    Ok(seqs)
}
