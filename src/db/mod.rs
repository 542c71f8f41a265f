//! The database layer: every SQL statement of the bot lives in this module tree.
//!
//! SQLite through sqlx with compile-time checked queries (offline data in `.sqlx/`).
//! Every query takes the guild id and filters by it, so one server never sees another's rows.
//!
//! The boundary is a set of typed functions over [`Db`]: they take and return the types of
//! `crate::model` and fail with [`Error`]; no sqlx type crosses it. Stored values are decoded
//! strictly: an unknown value is [`Error::Corrupt`] naming the table, row and value, never a
//! default. A second backend (PostgreSQL is planned) implements the same functions.

pub mod groups;
pub mod members;
pub mod posts;
pub mod reports;
pub mod servers;
pub mod settings;

use sqlx::SqlitePool;
use sqlx::sqlite::SqliteConnection;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

/// The database: a handle to the SQLite pool (and the writer connection), cheap to clone.
#[derive(Debug, Clone)]
pub struct Db {
    pool: SqlitePool,
    /// A connection of its own for the hottest writes (check-ins, ratings): no pool checkout
    /// and no test of the connection when it goes back, so such a write is one round trip to
    /// SQLite's thread. `None` for an in-memory database (a second connection would be a
    /// different database).
    writer: Option<Arc<Writer>>,
}

/// The writer connection; `None` once the database was closed.
type Writer = tokio::sync::Mutex<Option<SqliteConnection>>;

impl Db {
    /// The raw pool, for tests and benchmarks that seed or inspect rows with their own SQL.
    /// The bot's code goes through the typed functions of this module.
    pub fn sqlite(&self) -> &SqlitePool {
        &self.pool
    }

    pub(crate) fn writer(&self) -> Option<&Writer> {
        self.writer.as_deref()
    }

    /// Waits for in-flight statements and closes every connection.
    pub async fn close(&self) {
        if let Some(w) = &self.writer
            && let Some(conn) = w.lock().await.take()
        {
            // A connection that fails to close cleanly is closed all the same.
            let _ = sqlx::Connection::close(conn).await;
        }
        self.pool.close().await
    }
}

/// Answers when the database does (readiness checks).
pub async fn ping(db: &Db) -> Result<()> {
    let _timer = crate::metrics::query("ping");
    sqlx::query("SELECT 1").execute(&db.pool).await?;
    Ok(())
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

/// The embedded migrations from `migrations/`.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Discord snowflakes are u64; SQLite integers are i64. The bits are reinterpreted, so every
/// id round-trips exactly (ids above i64::MAX are stored as negative numbers).
pub fn to_db(id: u64) -> i64 {
    i64::from_ne_bytes(id.to_ne_bytes())
}

/// Inverse of [`to_db`].
pub fn from_db(v: i64) -> u64 {
    u64::from_ne_bytes(v.to_ne_bytes())
}

/// Opens (creating if missing) the database file with WAL, foreign keys and a busy timeout,
/// and applies pending migrations.
pub async fn open(path: &Path) -> anyhow::Result<Db> {
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
        .busy_timeout(Duration::from_secs(5));
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
    Ok(Db { pool, writer: Some(Arc::new(tokio::sync::Mutex::new(Some(writer)))) })
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
    Ok(Db { pool, writer: None })
}

#[cfg(test)]
mod tests {
    use super::*;

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
        sqlx::query("CREATE TABLE t (x)").execute(db.sqlite()).await.unwrap();
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
                .fetch_all(db.sqlite())
                .await
                .unwrap();
        let names: Vec<&str> = tables.iter().map(|t| t.0.as_str()).collect();
        for t in ["checkins", "group_breaks", "group_members", "members", "posts", "ratings", "study_groups"] {
            assert!(names.contains(&t), "{t} missing from {names:?}");
        }
        let (mode,): (String,) = sqlx::query_as("PRAGMA journal_mode").fetch_one(db.sqlite()).await.unwrap();
        assert_eq!(mode, "wal");
        let (fk,): (i64,) = sqlx::query_as("PRAGMA foreign_keys").fetch_one(db.sqlite()).await.unwrap();
        assert_eq!(fk, 1);
        db.close().await;
        // Re-opening applies nothing new and keeps working.
        let db = open(&path).await.unwrap();
        let (n,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM _sqlx_migrations").fetch_one(db.sqlite()).await.unwrap();
        assert_eq!(n as usize, MIGRATOR.iter().count());
    }

    #[tokio::test]
    async fn u64_ids_survive_the_database() {
        let db = open_memory().await.unwrap();
        let big = u64::MAX - 7;
        sqlx::query("INSERT INTO members (guild_id, user_id, display_name, created_at) VALUES (?, ?, 'x', 'now')")
            .bind(to_db(big))
            .bind(to_db(1))
            .execute(db.sqlite())
            .await
            .unwrap();
        let (g,): (i64,) = sqlx::query_as("SELECT guild_id FROM members").fetch_one(db.sqlite()).await.unwrap();
        assert_eq!(from_db(g), big);
    }
}
