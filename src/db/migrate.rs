//! `studybot migrate --from FILE.db --to postgres://...`: copies a SQLite database into an
//! empty PostgreSQL one, every table and every id exactly, then proves it with a row count
//! and a checksum per table computed on both sides from the rows as read back.
//!
//! Both databases are first brought to their latest schema (the SQLite file by its own
//! migrations), so their tables and columns agree; a column one side lacks stops the copy.

use super::{Db, Error, Result};
use chrono::{DateTime, SubsecRound, Utc};
use sha2::{Digest, Sha256};
use sqlx::Row;

/// Every table, parents before children (foreign keys), with its primary key (the order
/// rows are copied and checksummed in) and whether `id` is an identity to move past the
/// copied ids.
const TABLES: [(&str, &str, bool); 38] = [
    ("study_groups", "id", true),
    ("group_breaks", "id", true),
    ("members", "guild_id, user_id", false),
    ("group_members", "group_id, user_id", false),
    ("checkins", "id", true),
    ("ratings", "group_id, user_id, week, question", false),
    ("posts", "id", true),
    ("missed_sessions", "group_id, session", false),
    ("reminder_dms", "post_id, user_id", false),
    ("away", "group_id, user_id", false),
    ("skill_ratings", "group_id, user_id, skill", false),
    ("review_cards", "id", true),
    ("review_log", "id", true),
    ("review_prefs", "guild_id, user_id", false),
    ("review_dms", "id", true),
    ("group_events", "group_id", false),
    ("session_events", "group_id, session", false),
    ("event_interest", "group_id, session, user_id", false),
    ("buddy_settings", "group_id", false),
    ("buddy_members", "group_id, user_id", false),
    ("buddy_avoid", "guild_id, user_id, avoided_id", false),
    ("buddy_rounds", "id", true),
    ("buddy_pairs", "id", true),
    ("buddy_pair_members", "pair_id, user_id", false),
    ("buddy_answers", "pair_id, user_id", false),
    ("buddy_reports", "pair_id", false),
    ("certificates", "code", false),
    ("calendar_links", "group_id", false),
    ("member_feeds", "guild_id, user_id", false),
    ("feed_sessions", "group_id, session", false),
    ("web_links", "token_hash", false),
    ("web_sessions", "id_hash", false),
    ("week_marks", "group_id, session", false),
    ("calendar_log", "id", true),
    ("server_settings", "guild_id", false),
    ("digests", "id", true),
    ("removed_servers", "guild_id", false),
    ("workers", "id", false),
];

/// Rows per INSERT statement (PostgreSQL takes at most 65,535 binds per statement).
const BATCH_BINDS: usize = 30_000;

/// What was copied of one table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Copied {
    pub table: &'static str,
    pub rows: u64,
    /// SHA-256 of the table's rows in primary-key order (hex), the same on both sides.
    pub checksum: String,
}

/// Why a copy did not happen or did not check out.
#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    #[error("the source must be a SQLite database and the target a PostgreSQL one")]
    Backends,
    #[error("the target database is not empty: table {table} has {rows} rows (copy into an empty database)")]
    NotEmpty { table: &'static str, rows: i64 },
    #[error("the copy does not know the tables {0} (add them to db::migrate::TABLES)")]
    UnknownTables(String),
    #[error("table {table}: the column set differs between the databases (SQLite: {sqlite}; PostgreSQL: {postgres})")]
    Columns { table: &'static str, sqlite: String, postgres: String },
    #[error("table {table}: {what} differ after the copy (SQLite {sqlite}, PostgreSQL {postgres})")]
    Mismatch { table: &'static str, what: &'static str, sqlite: String, postgres: String },
    #[error(transparent)]
    Db(#[from] Error),
}

impl From<sqlx::Error> for CopyError {
    fn from(e: sqlx::Error) -> CopyError {
        CopyError::Db(Error::Sqlx(e))
    }
}

/// The type of a column, as PostgreSQL declares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Integer,
    Real,
    Text,
    Instant,
}

/// One stored value, decoded by its column's kind.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Null,
    Integer(i64),
    Real(f64),
    Text(String),
    Instant(DateTime<Utc>),
}

impl Value {
    /// Feeds the value to the checksum: a tag, then a fixed-width or length-prefixed body.
    fn hash(&self, h: &mut Sha256) {
        match self {
            Value::Null => h.update([0]),
            Value::Integer(v) => {
                h.update([1]);
                h.update(v.to_le_bytes());
            }
            Value::Real(v) => {
                h.update([2]);
                h.update(v.to_bits().to_le_bytes());
            }
            Value::Text(s) => {
                h.update([3]);
                h.update((s.len() as u64).to_le_bytes());
                h.update(s.as_bytes());
            }
            Value::Instant(t) => {
                h.update([4]);
                h.update(t.timestamp_micros().to_le_bytes());
            }
        }
    }
}

/// Decodes column `i` of a row of either backend by `kind`; an instant is kept to the
/// microsecond (PostgreSQL's precision).
macro_rules! decode_value {
    ($row:expr, $i:expr, $kind:expr, $table:expr, $column:expr) => {{
        let (row, i, table, column) = (&$row, $i, $table, $column);
        let bad = |e: sqlx::Error| Error::Corrupt { table, row: 0, what: "column", value: format!("{column}: {e}") };
        match $kind {
            Kind::Integer => row.try_get::<Option<i64>, _>(i).map_err(bad)?.map_or(Value::Null, Value::Integer),
            Kind::Real => row.try_get::<Option<f64>, _>(i).map_err(bad)?.map_or(Value::Null, Value::Real),
            Kind::Text => row.try_get::<Option<String>, _>(i).map_err(bad)?.map_or(Value::Null, Value::Text),
            Kind::Instant => row
                .try_get::<Option<DateTime<Utc>>, _>(i)
                .map_err(bad)?
                .map_or(Value::Null, |t| Value::Instant(t.trunc_subsecs(6))),
        }
    }};
}

/// Copies every table of `from` (SQLite) into `to` (PostgreSQL, empty), in one transaction
/// on the target, and checks the result before committing it.
pub async fn copy(from: &Db, to: &Db) -> std::result::Result<Vec<Copied>, CopyError> {
    let (Some(src), super::Pool::Postgres(dst)) = (from.sqlite(), to.pool()) else {
        return Err(CopyError::Backends);
    };
    // Every table of either schema is copied: one the copy does not know stops it.
    let mut present: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::TEXT FROM information_schema.tables
         WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name NOT LIKE '\\_sqlx%'",
    )
    .fetch_all(dst)
    .await?;
    present.extend(
        sqlx::query_scalar::<_, String>(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%' AND name NOT LIKE '\\_sqlx%' ESCAPE '\\'",
        )
        .fetch_all(src)
        .await?,
    );
    present.retain(|t| !TABLES.iter().any(|(known, _, _)| known == t));
    present.sort();
    present.dedup();
    if !present.is_empty() {
        return Err(CopyError::UnknownTables(present.join(", ")));
    }
    for (table, _, _) in TABLES {
        let rows: i64 =
            sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}"))).fetch_one(dst).await?;
        if rows > 0 {
            return Err(CopyError::NotEmpty { table, rows });
        }
    }
    let mut schema = Vec::new();
    for (table, key, identity) in TABLES {
        schema.push((table, key, identity, columns(src, dst, table).await?));
    }
    let mut tx = dst.begin().await?;
    // The copied ratings must not seed cards: the cards are copied as they are.
    sqlx::query("ALTER TABLE ratings DISABLE TRIGGER ratings_seed_card").execute(&mut *tx).await?;
    for (table, key, _, columns) in &schema {
        copy_table(src, &mut tx, table, key, columns).await?;
    }
    sqlx::query("ALTER TABLE ratings ENABLE TRIGGER ratings_seed_card").execute(&mut *tx).await?;
    for (table, _, identity, _) in &schema {
        if *identity {
            // The next id the database hands out follows the copied ones.
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE(MAX(id), 0) + 1, false) FROM {table}"
            )))
            .execute(&mut *tx)
            .await?;
        }
    }
    // Verified before the commit: a copy that does not match, or that is interrupted, leaves
    // the target empty, so the copy can simply be run again.
    let mut out = Vec::new();
    for (table, key, _, columns) in &schema {
        let source = summarize!(src, table, key, columns)?;
        let target = summarize!(&mut *tx, table, key, columns)?;
        if source.0 != target.0 {
            return Err(CopyError::Mismatch {
                table,
                what: "row counts",
                sqlite: source.0.to_string(),
                postgres: target.0.to_string(),
            });
        }
        if source.1 != target.1 {
            return Err(CopyError::Mismatch { table, what: "checksums", sqlite: source.1, postgres: target.1 });
        }
        out.push(Copied { table, rows: source.0, checksum: source.1 });
    }
    tx.commit().await?;
    // Statistics for the planner right away (autovacuum would get there later).
    sqlx::query("ANALYZE").execute(dst).await?;
    Ok(out)
}

/// The columns of `table` with their kinds, from PostgreSQL's catalogue; SQLite must have
/// the same set.
async fn columns(
    src: &sqlx::SqlitePool,
    dst: &sqlx::PgPool,
    table: &'static str,
) -> std::result::Result<Vec<(String, Kind)>, CopyError> {
    let pg: Vec<(String, String)> = sqlx::query_as(
        "SELECT column_name::TEXT, data_type::TEXT FROM information_schema.columns
         WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
    )
    .bind(table)
    .fetch_all(dst)
    .await?;
    let lite: Vec<String> =
        sqlx::query_scalar("SELECT name FROM pragma_table_info($1) ORDER BY cid").bind(table).fetch_all(src).await?;
    let mut a: Vec<&str> = lite.iter().map(String::as_str).collect();
    let mut b: Vec<&str> = pg.iter().map(|(c, _)| c.as_str()).collect();
    a.sort_unstable();
    b.sort_unstable();
    if a != b || a.is_empty() {
        return Err(CopyError::Columns { table, sqlite: a.join(", "), postgres: b.join(", ") });
    }
    pg.into_iter()
        .map(|(column, ty)| {
            let kind = match ty.as_str() {
                "bigint" => Kind::Integer,
                "double precision" => Kind::Real,
                "text" => Kind::Text,
                "timestamp with time zone" => Kind::Instant,
                other => {
                    return Err(CopyError::Db(Error::Corrupt {
                        table,
                        row: 0,
                        what: "column type",
                        value: format!("{column}: {other}"),
                    }));
                }
            };
            Ok((column, kind))
        })
        .collect()
}

/// Streams `table` out of SQLite in key order and inserts it into PostgreSQL in batches.
async fn copy_table(
    src: &sqlx::SqlitePool,
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    table: &'static str,
    key: &str,
    columns: &[(String, Kind)],
) -> std::result::Result<(), CopyError> {
    use futures_util::TryStreamExt;
    let names = columns.iter().map(|(c, _)| c.as_str()).collect::<Vec<_>>().join(", ");
    let select = format!("SELECT {names} FROM {table} ORDER BY {key}");
    let per_batch = (BATCH_BINDS / columns.len()).max(1);
    let mut rows = sqlx::query(sqlx::AssertSqlSafe(select)).fetch(src);
    let mut batch: Vec<Vec<Value>> = Vec::with_capacity(per_batch);
    while let Some(row) = rows.try_next().await? {
        let mut values = Vec::with_capacity(columns.len());
        for (i, (column, kind)) in columns.iter().enumerate() {
            values.push(decode_value!(row, i, *kind, table, column.as_str()));
        }
        batch.push(values);
        if batch.len() == per_batch {
            insert(tx, table, &names, columns, &batch).await?;
            batch.clear();
        }
    }
    if !batch.is_empty() {
        insert(tx, table, &names, columns, &batch).await?;
    }
    Ok(())
}

/// One multi-row INSERT of `rows` into `table`.
async fn insert(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    table: &str,
    names: &str,
    columns: &[(String, Kind)],
    rows: &[Vec<Value>],
) -> std::result::Result<(), CopyError> {
    let width = columns.len();
    let mut sql = format!("INSERT INTO {table} ({names}) VALUES ");
    for r in 0..rows.len() {
        sql.push_str(if r == 0 { "(" } else { ", (" });
        for c in 0..width {
            if c > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!("${}", r * width + c + 1));
        }
        sql.push(')');
    }
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    for (v, (_, kind)) in rows.iter().flat_map(|r| r.iter().zip(columns)) {
        q = match v {
            // A NULL is bound with its column's type.
            Value::Null => match kind {
                Kind::Integer => q.bind(None::<i64>),
                Kind::Real => q.bind(None::<f64>),
                Kind::Text => q.bind(None::<String>),
                Kind::Instant => q.bind(None::<DateTime<Utc>>),
            },
            Value::Integer(i) => q.bind(*i),
            Value::Real(f) => q.bind(*f),
            Value::Text(s) => q.bind(s.clone()),
            Value::Instant(t) => q.bind(*t),
        };
    }
    q.execute(&mut **tx).await?;
    Ok(())
}

/// The row count and checksum of `table` read through `$exec` (a pool or a transaction of
/// either backend): `Result<(u64, String)>`.
macro_rules! summarize {
    ($exec:expr, $table:expr, $key:expr, $columns:expr) => {{
        use futures_util::TryStreamExt;
        let (table, columns): (&'static str, &[(String, Kind)]) = ($table, $columns);
        let names = columns.iter().map(|(c, _)| c.as_str()).collect::<Vec<_>>().join(", ");
        let select = format!("SELECT {names} FROM {table} ORDER BY {}", $key);
        let mut hash = Sha256::new();
        let mut count = 0u64;
        let summary: Result<(u64, String)> = async {
            let mut rows = sqlx::query(sqlx::AssertSqlSafe(select)).fetch($exec);
            while let Some(row) = rows.try_next().await? {
                for (i, (column, kind)) in columns.iter().enumerate() {
                    decode_value!(row, i, *kind, table, column.as_str()).hash(&mut hash);
                }
                count += 1;
            }
            let digest = hash.finalize();
            Ok((count, digest.iter().map(|b| format!("{b:02x}")).collect()))
        }
        .await;
        summary
    }};
}
use summarize;
