//! Running processes and their heartbeats: what makes a claim a lease.
//!
//! Every process writes its worker id ([`Db::worker`]) and the time into `workers` every few
//! seconds ([`beat`]; the scheduler does, and readiness reads how the last write went). A
//! post or digest claimed by a worker whose heartbeat is older than [`LEASE`] (the process
//! died) may be retried by another; while it is fresh, nobody else touches it, so two
//! processes on the same shards never send the same item. A clean shutdown removes the row
//! ([`leave`]), so its unfinished claims are free at once.

use super::{Db, Result, execute};
use chrono::{DateTime, Duration, Utc};

/// How old a heartbeat may be before the worker's claims may be taken over: several
/// heartbeats ([`BEAT_EVERY`]), so a slow write does not lose a lease.
pub const LEASE: Duration = Duration::seconds(60);

/// How often a running process writes its heartbeat.
pub const BEAT_EVERY: std::time::Duration = std::time::Duration::from_secs(15);

/// Writes this worker's heartbeat (and so proves the database takes writes).
pub async fn beat(db: &Db, now: DateTime<Utc>) -> Result<()> {
    let _timer = crate::metrics::query("workers.beat");
    execute!(
        db,
        "INSERT INTO workers (id, seen_at) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET seen_at = excluded.seen_at",
        db.worker(),
        now
    )?;
    // Rows of processes that died long ago.
    execute!(db, "DELETE FROM workers WHERE seen_at < $1", now - Duration::days(1))?;
    Ok(())
}

/// Removes this worker's heartbeat on a clean shutdown: its unfinished claims (none, once
/// the scheduler has stopped) are free for the next process at once.
pub async fn leave(db: &Db) -> Result<()> {
    let _timer = crate::metrics::query("workers.leave");
    execute!(db, "DELETE FROM workers WHERE id = $1", db.worker())?;
    Ok(())
}
