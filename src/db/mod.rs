//! The database layer: every SQL statement of the bot lives in this module tree.
//!
//! Two backends through sqlx: SQLite (a file, the embedded default) and PostgreSQL (several
//! processes). Every function runs one SQL text on either (see [`with_pool`]); the whole test
//! suite runs on both, which is what checks every query against both engines. Every query
//! takes the guild id and filters by it, so one server never sees another's rows.
//!
//! The boundary is a set of typed functions over [`Db`]: they take and return the types of
//! `crate::model` and fail with [`Error`]; no sqlx type crosses it. Stored values are decoded
//! strictly: an unknown value is [`Error::Corrupt`] naming the table, row and value, never a
//! default.

pub mod buddies;
pub mod certificates;
pub mod events;
pub mod feeds;
pub mod groups;
pub mod members;
pub mod migrate;
pub mod outbox;
pub mod posts;
pub mod reports;
pub mod review;
pub mod servers;
pub mod settings;
pub mod web;
pub(crate) mod workers;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::SqliteConnection;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

/// Where the database is: a SQLite file (the embedded default) or a PostgreSQL server.
#[derive(Clone, PartialEq, Eq)]
pub enum Location {
    Sqlite(PathBuf),
    /// A `postgres://` (or `postgresql://`) URL.
    Postgres(String),
}

/// Why the database setting names no database (URLs shown with their secrets redacted).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LocationError {
    #[error("the database setting is empty")]
    Empty,
    #[error("invalid PostgreSQL URL {url}: {reason}")]
    Postgres { url: String, reason: String },
    #[error("`{0}` names no database file")]
    NoFile(String),
    #[error("unsupported database URL `{0}` (use a file path, sqlite: or postgres://)")]
    Unsupported(String),
}

impl Location {
    /// Parses the database setting: a `postgres://` or `postgresql://` URL, a `sqlite:` URL
    /// (`sqlite:path` or `sqlite://path`), or else a file path.
    pub fn parse(s: &str) -> std::result::Result<Location, LocationError> {
        let s = s.trim();
        if s.is_empty() {
            return Err(LocationError::Empty);
        }
        if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            PgConnectOptions::from_str(s)
                .map_err(|e| LocationError::Postgres { url: redact(s), reason: e.to_string() })?;
            return Ok(Location::Postgres(s.to_string()));
        }
        if let Some(rest) = s.strip_prefix("sqlite:") {
            let path = rest.strip_prefix("//").unwrap_or(rest);
            let path = path.split('?').next().unwrap_or(path);
            if path.is_empty() || path == ":memory:" {
                return Err(LocationError::NoFile(s.to_string()));
            }
            return Ok(Location::Sqlite(PathBuf::from(path)));
        }
        if s.contains("://") {
            return Err(LocationError::Unsupported(redact(s)));
        }
        Ok(Location::Sqlite(PathBuf::from(s)))
    }

    /// The SQLite file, if this is one.
    pub fn file(&self) -> Option<&Path> {
        match self {
            Location::Sqlite(p) => Some(p),
            Location::Postgres(_) => None,
        }
    }
}

impl FromStr for Location {
    type Err = LocationError;
    fn from_str(s: &str) -> std::result::Result<Location, LocationError> {
        Location::parse(s)
    }
}

impl From<&Path> for Location {
    fn from(p: &Path) -> Location {
        Location::Sqlite(p.to_path_buf())
    }
}

impl From<&PathBuf> for Location {
    fn from(p: &PathBuf) -> Location {
        Location::Sqlite(p.clone())
    }
}

impl From<PathBuf> for Location {
    fn from(p: PathBuf) -> Location {
        Location::Sqlite(p)
    }
}

impl From<&Location> for Location {
    fn from(l: &Location) -> Location {
        l.clone()
    }
}

/// Shown in logs and messages: a PostgreSQL URL without its password.
impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::Sqlite(p) => write!(f, "{}", p.display()),
            Location::Postgres(url) => f.write_str(&redact(url)),
        }
    }
}

impl std::fmt::Debug for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Location({self})")
    }
}

/// A database URL as it may be shown: see [`crate::redact::database_url`].
fn redact(url: &str) -> String {
    crate::redact::database_url(url)
}

/// The database: a handle to the backend's pool, cheap to clone.
#[derive(Debug, Clone)]
pub struct Db {
    backend: Backend,
    /// This handle's worker id: the owner of the claims it makes (see [`workers`]).
    worker: Arc<str>,
}

/// A worker id unique to this open of the database: the process id, the time and a counter.
fn new_worker_id() -> Arc<str> {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    format!("{}-{nanos:x}-{n}", std::process::id()).into()
}

#[derive(Debug, Clone)]
enum Backend {
    Sqlite {
        pool: SqlitePool,
        /// A connection of its own for the hottest writes (check-ins, ratings): no pool
        /// checkout and no test of the connection when it goes back, so such a write is one
        /// round trip to SQLite's thread. `None` for an in-memory database (a second
        /// connection would be a different database).
        writer: Option<Arc<Writer>>,
    },
    Postgres(PgPool),
}

/// The writer connection (`None` once the database was closed, or after a failure until it
/// is reopened) and how to open it again.
#[derive(Debug)]
pub(crate) struct Writer {
    conn: tokio::sync::Mutex<Option<SqliteConnection>>,
    options: SqliteConnectOptions,
    closed: std::sync::atomic::AtomicBool,
}

impl Writer {
    /// Runs one write on the writer connection (reopened first if an earlier failure
    /// dropped it), or on the pool when there is none. A failure other than a constraint's
    /// refusal (a full disk, an I/O error, a lock held too long) rolls the connection back
    /// and drops it, so no half-finished transaction keeps the database locked; the next
    /// write opens a fresh one. SQLite's advice after FULL, IOERR, BUSY and NOMEM.
    pub(crate) async fn run<T, F>(&self, pool: &SqlitePool, write: F) -> std::result::Result<T, sqlx::Error>
    where
        F: for<'c> FnOnce(
            &'c mut SqliteConnection,
        ) -> futures_util::future::BoxFuture<'c, std::result::Result<T, sqlx::Error>>,
    {
        let mut guard = self.conn.lock().await;
        if guard.is_none() && !self.closed.load(std::sync::atomic::Ordering::Acquire) {
            match <SqliteConnection as sqlx::Connection>::connect_with(&self.options).await {
                Ok(c) => *guard = Some(c),
                Err(e) => tracing::warn!("cannot reopen the database's writer connection: {e}"),
            }
        }
        let Some(conn) = guard.as_mut() else {
            drop(guard);
            let mut conn = pool.acquire().await?;
            return write(&mut conn).await;
        };
        let r = write(conn).await;
        if let Err(e) = &r
            && !is_unique_violation(e)
            && !is_foreign_key_violation(e)
            && let Some(mut conn) = guard.take()
        {
            tracing::warn!("a write failed ({e}): rolling back and replacing the writer connection");
            // "cannot rollback - no transaction is active" when SQLite rolled back already.
            let _ = sqlx::Executor::execute(&mut conn, "ROLLBACK").await;
            let _ = sqlx::Connection::close(conn).await;
        }
        r
    }
}

/// The backend's pool, for the query macros below.
pub(crate) enum Pool<'a> {
    Sqlite(&'a SqlitePool),
    Postgres(&'a PgPool),
}

/// Runs `$body` with `$p` bound to the backend's pool (`&SqlitePool` or `&PgPool`). The body
/// is compiled once per backend, so one SQL text and one row type serve both: the SQL is the
/// dialect both engines speak (`$1` placeholders, `ON CONFLICT`, `RETURNING`, `CAST`), and the
/// body's value has the same type on both.
macro_rules! with_pool {
    ($db:expr, $p:ident => $body:expr) => {
        match $db.pool() {
            $crate::db::Pool::Sqlite($p) => $body,
            $crate::db::Pool::Postgres($p) => $body,
        }
    };
}
pub(crate) use with_pool;

/// One statement with its binds; the number of rows it changed.
macro_rules! execute {
    ($db:expr, $sql:expr $(, $arg:expr)* $(,)?) => {
        $crate::db::with_pool!($db, p => sqlx::query($sql)$(.bind($arg))*.execute(p).await.map(|r| r.rows_affected()))
    };
}
pub(crate) use execute;

/// Rows of type `$t` (a tuple or a `FromRow` struct): `fetch_all`, `fetch_optional` or `fetch_one`.
///
/// A write (`INSERT`/`UPDATE`/`DELETE ... RETURNING`) is read with `fetch_all` only: sqlx
/// stops a `fetch_optional` or `fetch_one` at the first row, and SQLite's autocommit then
/// commits when the statement is reset, where a failed commit (a full disk) is never seen.
/// Debug builds (the whole test suite) check it.
macro_rules! fetch {
    ($db:expr, $how:ident, $t:ty, $sql:expr $(, $arg:expr)* $(,)?) => {{
        debug_assert!(stringify!($how) == "fetch_all" || !$crate::db::is_write($sql), "a write read with {}: {}", stringify!($how), $sql);
        $crate::db::with_pool!($db, p => sqlx::query_as::<_, $t>($sql)$(.bind($arg))*.$how(p).await)
    }};
}
pub(crate) use fetch;

/// Single values of type `$t`: `fetch_all`, `fetch_optional` or `fetch_one`.
/// Writes are read with `fetch_all` only, as for [`fetch`].
macro_rules! scalar {
    ($db:expr, $how:ident, $t:ty, $sql:expr $(, $arg:expr)* $(,)?) => {{
        debug_assert!(stringify!($how) == "fetch_all" || !$crate::db::is_write($sql), "a write read with {}: {}", stringify!($how), $sql);
        $crate::db::with_pool!($db, p => sqlx::query_scalar::<_, $t>($sql)$(.bind($arg))*.$how(p).await)
    }};
}

/// Whether `sql` changes rows (for the check in [`fetch`] and [`scalar`]).
pub(crate) fn is_write(sql: &str) -> bool {
    let first = sql.split_whitespace().next().unwrap_or("").to_ascii_uppercase();
    matches!(first.as_str(), "INSERT" | "UPDATE" | "DELETE" | "REPLACE")
}
pub(crate) use scalar;

/// In a transaction `$tx` on PostgreSQL, waits for a transaction-scoped lock on `$key` (a
/// server or group id), so check-then-write statements on it run one at a time, as SQLite
/// runs every write; under READ COMMITTED they would otherwise run side by side. Nothing on
/// SQLite.
macro_rules! serialize_on {
    ($db:expr, $tx:expr, $key:expr) => {
        if let $crate::db::Pool::Postgres(_) = $db.pool() {
            sqlx::query("SELECT pg_advisory_xact_lock($1)").bind($key).execute(&mut *$tx).await?;
        }
    };
}
pub(crate) use serialize_on;

impl Db {
    /// The worker id owning this handle's claims.
    pub fn worker(&self) -> &str {
        &self.worker
    }

    pub(crate) fn pool(&self) -> Pool<'_> {
        match &self.backend {
            Backend::Sqlite { pool, .. } => Pool::Sqlite(pool),
            Backend::Postgres(pool) => Pool::Postgres(pool),
        }
    }

    /// `"sqlite"` or `"postgres"`.
    pub fn backend_name(&self) -> &'static str {
        match &self.backend {
            Backend::Sqlite { .. } => "sqlite",
            Backend::Postgres(_) => "postgres",
        }
    }

    /// The raw SQLite pool (`None` on PostgreSQL), for the tests of SQLite's own settings.
    #[doc(hidden)]
    pub fn sqlite(&self) -> Option<&SqlitePool> {
        match &self.backend {
            Backend::Sqlite { pool, .. } => Some(pool),
            Backend::Postgres(_) => None,
        }
    }

    /// The raw PostgreSQL pool (`None` on SQLite), for benchmarks that time plain SQL.
    #[doc(hidden)]
    pub fn postgres(&self) -> Option<&PgPool> {
        match &self.backend {
            Backend::Sqlite { .. } => None,
            Backend::Postgres(pool) => Some(pool),
        }
    }

    /// The SQLite pool and its writer connection, when there is one.
    pub(crate) fn writer(&self) -> Option<(&SqlitePool, &Writer)> {
        match &self.backend {
            Backend::Sqlite { pool, writer: Some(w) } => Some((pool, w)),
            _ => None,
        }
    }

    /// Tests only: prepares `sql` on this backend without running it (the check that every
    /// SQL text of this module is valid on both engines, `tests/sql_prepares.rs`).
    #[doc(hidden)]
    pub async fn prepare(&self, sql: &str) -> Result<()> {
        use sqlx::{Executor, SqlSafeStr};
        let sql = sqlx::AssertSqlSafe(sql.to_string()).into_sql_str();
        with_pool!(self, p => p.prepare(sql).await.map(|_| ()))?;
        Ok(())
    }

    /// Tests and benchmarks only: runs one statement of `sql` with integer binds (`$1`...)
    /// on either backend and returns the rows it changed. The bot's code goes through the
    /// typed functions of this module.
    #[doc(hidden)]
    pub async fn raw_execute(&self, sql: &str, binds: &[i64]) -> Result<u64> {
        let sql = sqlx::AssertSqlSafe(sql.to_string());
        Ok(with_pool!(self, p => {
            let mut q = sqlx::query(sql);
            for b in binds {
                q = q.bind(*b);
            }
            q.execute(p).await.map(|r| r.rows_affected())
        })?)
    }

    /// Tests and benchmarks only: the first column of every row of `sql` (integer binds
    /// `$1`...), as integers (`None` for NULL), on either backend.
    #[doc(hidden)]
    pub async fn raw_integers(&self, sql: &str, binds: &[i64]) -> Result<Vec<Option<i64>>> {
        let sql = sqlx::AssertSqlSafe(sql.to_string());
        Ok(with_pool!(self, p => {
            let mut q = sqlx::query_scalar::<_, Option<i64>>(sql);
            for b in binds {
                q = q.bind(*b);
            }
            q.fetch_all(p).await
        })?)
    }

    /// Waits for in-flight statements and closes every connection.
    pub async fn close(&self) {
        match &self.backend {
            Backend::Sqlite { pool, writer } => {
                if let Some(w) = writer
                    && let Some(conn) = {
                        w.closed.store(true, std::sync::atomic::Ordering::Release);
                        w.conn.lock().await.take()
                    }
                {
                    // A connection that fails to close cleanly is closed all the same.
                    let _ = sqlx::Connection::close(conn).await;
                }
                pool.close().await
            }
            Backend::Postgres(pool) => pool.close().await,
        }
    }
}

/// Answers when the database does (readiness checks).
pub async fn ping(db: &Db) -> Result<()> {
    let _timer = crate::metrics::query("ping");
    execute!(db, "SELECT 1")?;
    Ok(())
}

/// A unique key refused the statement (e.g. a group name taken).
pub(crate) fn is_unique_violation(e: &sqlx::Error) -> bool {
    e.as_database_error().is_some_and(|d| d.is_unique_violation())
}

/// A foreign key refused the statement (e.g. a check-in of someone who never joined).
pub(crate) fn is_foreign_key_violation(e: &sqlx::Error) -> bool {
    e.as_database_error().is_some_and(|d| d.is_foreign_key_violation())
}

/// The binds of the shard filter `(guild_id >> 22) % $total BETWEEN $first AND $last` from
/// `Shards::range` (total, first, last).
pub(crate) fn shard_binds(shards: (u32, u32, u32)) -> (i64, i64, i64) {
    (i64::from(shards.0), i64::from(shards.1), i64::from(shards.2))
}

/// Why a database function failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("database error: {0}")]
    Sqlx(#[from] sqlx::Error),
    /// A stored value outside what the code accepts (the row was edited by hand, or by a
    /// newer version). Never replaced by a default.
    #[error("invalid stored value in {table} row {row}: {what} `{value}`")]
    Corrupt { table: &'static str, row: i64, what: &'static str, value: String },
}

pub type Result<T> = std::result::Result<T, Error>;

/// Decodes a stored value with `parse`, naming table, row and column when it fails.
pub(crate) fn decode<T, V: ToString>(
    table: &'static str,
    row: i64,
    what: &'static str,
    value: V,
    parse: impl FnOnce(&V) -> Option<T>,
) -> Result<T> {
    parse(&value).ok_or_else(|| Error::Corrupt { table, row, what, value: value.to_string() })
}

/// A stored non-negative integer (week, session, count) as u32.
pub(crate) fn decode_u32(table: &'static str, row: i64, what: &'static str, value: i64) -> Result<u32> {
    decode(table, row, what, value, |v| u32::try_from(*v).ok())
}

/// A stored small integer (question, rating, confidence) as u8.
pub(crate) fn decode_u8(table: &'static str, row: i64, what: &'static str, value: i64) -> Result<u8> {
    decode(table, row, what, value, |v| u8::try_from(*v).ok())
}

/// A stored (or summed) non-negative integer as u64.
pub(crate) fn decode_u64(table: &'static str, row: i64, what: &'static str, value: i64) -> Result<u64> {
    decode(table, row, what, value, |v| u64::try_from(*v).ok())
}

/// A stored 1-to-5 score (a confidence or a self-rating).
pub(crate) fn decode_score(table: &'static str, row: i64, what: &'static str, value: i64) -> Result<u8> {
    decode(table, row, what, value, |v| u8::try_from(*v).ok().filter(|v| (1..=5).contains(v)))
}

/// The embedded SQLite migrations from `migrations/sqlite/`.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// The embedded PostgreSQL migrations from `migrations/postgres/`.
pub static PG_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Discord snowflakes are u64; SQLite integers are i64. The bits are reinterpreted, so every
/// id round-trips exactly (ids above i64::MAX are stored as negative numbers).
pub fn to_db(id: u64) -> i64 {
    i64::from_ne_bytes(id.to_ne_bytes())
}

/// Inverse of [`to_db`].
pub fn from_db(v: i64) -> u64 {
    u64::from_ne_bytes(v.to_ne_bytes())
}

/// Opens the database and applies its backend's pending migrations: a SQLite file (created
/// if missing) or a PostgreSQL database (which must exist).
pub async fn open(location: impl Into<Location>) -> anyhow::Result<Db> {
    match location.into() {
        Location::Sqlite(path) => open_file(&path).await,
        Location::Postgres(url) => open_postgres(&url).await,
    }
}

/// How many migrations the database at `location` has applied (0 for a database that does not
/// exist yet or has no schema), read without creating or migrating anything: `studybot
/// migrate` says "created" or "migrated from N to M".
pub async fn applied_migrations(location: &Location) -> anyhow::Result<usize> {
    use sqlx::Connection;
    const COUNT: &str = "SELECT COUNT(*) FROM _sqlx_migrations WHERE success";
    let count = match location {
        Location::Sqlite(path) => {
            if !path.exists() {
                return Ok(0);
            }
            let options = SqliteConnectOptions::new().filename(path).read_only(true);
            let mut conn = SqliteConnection::connect_with(&options)
                .await
                .map_err(|e| anyhow::anyhow!("cannot open database {}: {e}", path.display()))?;
            let n = sqlx::query_scalar::<_, i64>(COUNT).fetch_one(&mut conn).await;
            conn.close().await.ok();
            n
        }
        Location::Postgres(url) => {
            crate::redact::register_url_secrets(url);
            let options = PgConnectOptions::from_str(url)
                .map_err(|e| anyhow::anyhow!("invalid PostgreSQL URL {}: {e}", redact(url)))?;
            let mut conn = sqlx::PgConnection::connect_with(&options)
                .await
                .map_err(|e| anyhow::anyhow!("cannot connect to PostgreSQL {}: {e}", redact(url)))?;
            let n = sqlx::query_scalar::<_, i64>(COUNT).fetch_one(&mut conn).await;
            conn.close().await.ok();
            n
        }
    };
    // No migrations table yet: nothing applied.
    Ok(count.map_or(0, |n| usize::try_from(n).unwrap_or(0)))
}

/// The migrations of the database's backend (its schema's latest version).
pub fn migrations_known(location: &Location) -> usize {
    match location {
        Location::Sqlite(_) => MIGRATOR.iter().count(),
        Location::Postgres(_) => PG_MIGRATOR.iter().count(),
    }
}

/// The longest a statement waits for a connection (PostgreSQL) or for another connection's
/// write lock (SQLite's busy timeout): an interaction then still gets its apology within
/// Discord's 3 seconds. Writes take milliseconds, so a longer wait means an outage.
pub const WAIT_LIMIT: Duration = Duration::from_millis(1500);

/// Connections per process to PostgreSQL: enough for the scheduler and concurrent commands,
/// small enough for several processes under the server's default `max_connections` (100).
const PG_CONNECTIONS: u32 = 10;

/// Connects to PostgreSQL and applies pending migrations (under sqlx's advisory lock, so
/// processes starting together migrate once).
async fn open_postgres(url: &str) -> anyhow::Result<Db> {
    crate::redact::register_url_secrets(url);
    let shown = redact(url);
    let options =
        PgConnectOptions::from_str(url).map_err(|e| anyhow::anyhow!("invalid PostgreSQL URL {shown}: {e}"))?;
    let pool = PgPoolOptions::new()
        .max_connections(PG_CONNECTIONS)
        // A member's interaction must be answered within Discord's 3 s: waiting longer for a
        // connection (the server down or every connection busy) helps nobody.
        .acquire_timeout(WAIT_LIMIT)
        .connect_with(options)
        .await
        .map_err(|e| anyhow::anyhow!("cannot connect to PostgreSQL {shown}: {e}"))?;
    PG_MIGRATOR.run(&pool).await.map_err(|e| anyhow::anyhow!("cannot migrate database {shown}: {e}"))?;
    Ok(Db { backend: Backend::Postgres(pool), worker: new_worker_id() })
}

/// Opens (creating if missing) a SQLite file with WAL, foreign keys and a busy timeout, and
/// applies pending migrations.
async fn open_file(path: &Path) -> anyhow::Result<Db> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .map_err(|e| anyhow::anyhow!("cannot create directory {}: {e}", parent.display()))?;
    }
    restrict_file(path)?;
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        // Deleted rows (a forgotten note) are overwritten, not left readable in free pages.
        .pragma("secure_delete", "ON")
        .busy_timeout(WAIT_LIMIT);
    let pool = SqlitePoolOptions::new()
        .max_connections(4)
        // A local file does not drop connections like a server does: no ping (an extra
        // round trip to the connection's thread) before every statement.
        .test_before_acquire(false)
        .connect_with(options.clone())
        .await
        .map_err(|e| anyhow::anyhow!("cannot open database {}: {e}{}", path.display(), writable_hint(path)))?;
    MIGRATOR.run(&pool).await.map_err(|e| anyhow::anyhow!("cannot migrate database {}: {e}", path.display()))?;
    let writer = <SqliteConnection as sqlx::Connection>::connect_with(&options)
        .await
        .map_err(|e| anyhow::anyhow!("cannot open database {}: {e}", path.display()))?;
    let writer = Writer {
        conn: tokio::sync::Mutex::new(Some(writer)),
        options,
        closed: std::sync::atomic::AtomicBool::new(false),
    };
    Ok(Db { backend: Backend::Sqlite { pool, writer: Some(Arc::new(writer)) }, worker: new_worker_id() })
}

/// Creates the database file readable by its owner only (mode 0600) if it is missing, and
/// takes group and other access away from an existing one. SQLite creates the WAL and SHM
/// files with the database file's mode, so they are 0600 too.
fn restrict_file(path: &Path) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        let created = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path);
        match created {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                let mode = std::fs::metadata(path)?.permissions().mode();
                if mode & 0o077 != 0 {
                    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode & 0o700))
                        .map_err(|e| anyhow::anyhow!("cannot make {} private (chmod 600): {e}", path.display()))?;
                }
            }
            Err(e) => {
                return Err(anyhow::anyhow!("cannot create database {}: {e}{}", path.display(), writable_hint(path)));
            }
        }
    }
    Ok(())
}

/// When the database's directory refuses a new file, says so: the usual cause in Docker is a
/// volume owned by another user than the image's (uid 10001).
fn writable_hint(path: &Path) -> String {
    let dir = match path.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(d) => d.to_path_buf(),
        None => std::path::PathBuf::from("."),
    };
    let probe = dir.join(".studybot-write-test");
    match std::fs::File::create(&probe) {
        Ok(_) => {
            let _ = std::fs::remove_file(&probe);
            String::new()
        }
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => format!(
            " ({} is not writable by this user; in the Docker image the bot runs as uid 10001: is the volume writable by uid 10001?)",
            dir.display()
        ),
        Err(_) => String::new(),
    }
}

/// An in-memory database with the schema applied (tests and benchmarks).
pub async fn open_memory() -> anyhow::Result<Db> {
    let options = SqliteConnectOptions::from_str("sqlite::memory:")?.foreign_keys(true);
    // One connection: every connection to :memory: is a separate database.
    let pool = SqlitePoolOptions::new().max_connections(1).connect_with(options).await?;
    MIGRATOR.run(&pool).await?;
    Ok(Db { backend: Backend::Sqlite { pool, writer: None }, worker: new_worker_id() })
}

/// A new empty database for a unit test: in-memory SQLite, or with
/// `STUDYBOT_TEST_DATABASE=postgres` a database on the throwaway PostgreSQL server.
#[cfg(test)]
pub(crate) async fn open_test() -> Db {
    let db = match std::env::var("STUDYBOT_TEST_DATABASE").as_deref() {
        Ok("postgres") => open(Location::Postgres(test_postgres::database())).await,
        _ => open_memory().await,
    };
    db.expect("a test database")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_database_setting_is_a_file_a_sqlite_url_or_a_postgres_url() {
        let file = |p: &str| Location::Sqlite(PathBuf::from(p));
        assert_eq!(Location::parse("studybot.db"), Ok(file("studybot.db")));
        assert_eq!(Location::parse("/data/bot.db"), Ok(file("/data/bot.db")));
        assert_eq!(Location::parse("sqlite:bot.db"), Ok(file("bot.db")));
        assert_eq!(Location::parse("sqlite:///data/bot.db?mode=rwc"), Ok(file("/data/bot.db")));
        let url = "postgres://bot:pa%40ss@db.internal:5432/studybot";
        assert_eq!(Location::parse(url), Ok(Location::Postgres(url.into())));
        assert!(matches!(Location::parse("postgresql://db/studybot"), Ok(Location::Postgres(_))));
        assert!(Location::parse("").is_err());
        assert!(Location::parse("sqlite::memory:").unwrap_err().to_string().contains("no database file"));
        assert!(Location::parse("mysql://db/x").unwrap_err().to_string().contains("unsupported database URL"));
        // The password never shows in logs, errors or debug output.
        let shown = Location::parse(url).unwrap();
        assert_eq!(shown.to_string(), "postgres://bot:***@db.internal:5432/studybot");
        assert!(!format!("{shown:?}").contains("pa%40ss"));
        assert_eq!(redact("postgres://db/x"), "postgres://db/x");
        assert_eq!(redact("postgres://bot@db/x"), "postgres://bot@db/x");
        assert!(!Location::parse("mysql://u:secret@db/x").unwrap_err().to_string().contains("secret"));
    }

    #[test]
    fn snowflakes_round_trip() {
        for id in [0, 1, 80351110224678912, i64::MAX as u64, i64::MAX as u64 + 1, u64::MAX] {
            assert_eq!(from_db(to_db(id)), id);
        }
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn the_database_and_its_wal_are_private_to_their_owner() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("private.db");
        let db = open(&path).await.unwrap();
        sqlx::query("CREATE TABLE t (x)").execute(db.sqlite().unwrap()).await.unwrap();
        for p in [path.clone(), dir.path().join("private.db-wal"), dir.path().join("private.db-shm")] {
            let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{}", p.display());
        }
        db.close().await;
        // An existing world-readable file is made private on open.
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        open(&path).await.unwrap().close().await;
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    }

    #[tokio::test]
    async fn migrations_apply_to_an_empty_file_and_again() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/dir/test.db");
        let db = open(&path).await.unwrap();
        let tables: Vec<(String,)> =
            sqlx::query_as("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
                .fetch_all(db.sqlite().unwrap())
                .await
                .unwrap();
        let names: Vec<&str> = tables.iter().map(|t| t.0.as_str()).collect();
        for t in ["checkins", "group_breaks", "group_members", "members", "posts", "ratings", "study_groups"] {
            assert!(names.contains(&t), "{t} missing from {names:?}");
        }
        let (mode,): (String,) = sqlx::query_as("PRAGMA journal_mode").fetch_one(db.sqlite().unwrap()).await.unwrap();
        assert_eq!(mode, "wal");
        let (fk,): (i64,) = sqlx::query_as("PRAGMA foreign_keys").fetch_one(db.sqlite().unwrap()).await.unwrap();
        assert_eq!(fk, 1);
        db.close().await;
        // Re-opening applies nothing new and keeps working.
        let db = open(&path).await.unwrap();
        let (n,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM _sqlx_migrations").fetch_one(db.sqlite().unwrap()).await.unwrap();
        assert_eq!(n as usize, MIGRATOR.iter().count());
    }

    /// SQLite is compiled without its memory statistics (`.cargo/config.toml`), so none of its
    /// allocations takes the global mutex: a build that lost the setting fails here.
    #[tokio::test]
    async fn sqlite_keeps_no_memory_statistics() {
        let db = open_memory().await.unwrap();
        let options: Vec<(String,)> =
            sqlx::query_as("PRAGMA compile_options").fetch_all(db.sqlite().unwrap()).await.unwrap();
        let options: Vec<&str> = options.iter().map(|o| o.0.as_str()).collect();
        assert!(options.contains(&"DEFAULT_MEMSTATUS=0"), "{options:?}");
    }

    #[tokio::test]
    async fn u64_ids_survive_the_database() {
        let db = open_memory().await.unwrap();
        let big = u64::MAX - 7;
        sqlx::query("INSERT INTO members (guild_id, user_id, display_name, created_at) VALUES (?, ?, 'x', 'now')")
            .bind(to_db(big))
            .bind(to_db(1))
            .execute(db.sqlite().unwrap())
            .await
            .unwrap();
        let (g,): (i64,) =
            sqlx::query_as("SELECT guild_id FROM members").fetch_one(db.sqlite().unwrap()).await.unwrap();
        assert_eq!(from_db(g), big);
    }
}
