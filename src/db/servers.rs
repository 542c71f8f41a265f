//! Servers that removed the bot, and the purge of their data after the grace period.

use super::{Db, Result, from_db, to_db};
use chrono::{DateTime, Utc};

/// The bot was removed from a server at `at` (the first removal time is kept).
pub async fn removed(db: &Db, guild_id: u64, at: DateTime<Utc>) -> Result<()> {
    let _timer = crate::metrics::query("servers.removed");
    let guild = to_db(guild_id);
    sqlx::query!("INSERT INTO removed_servers (guild_id, removed_at) VALUES (?, ?) ON CONFLICT DO NOTHING", guild, at)
        .execute(db.sqlite())
        .await?;
    Ok(())
}

/// The bot is in the server (again): nothing of it is to be purged. True if a pending purge
/// was cancelled.
pub async fn present(db: &Db, guild_id: u64) -> Result<bool> {
    let _timer = crate::metrics::query("servers.present");
    let guild = to_db(guild_id);
    let r = sqlx::query!("DELETE FROM removed_servers WHERE guild_id = ?", guild).execute(db.sqlite()).await?;
    Ok(r.rows_affected() > 0)
}

/// Servers removed at or before `before`, whose data is due to be purged.
pub async fn due_for_purge(db: &Db, before: DateTime<Utc>) -> Result<Vec<u64>> {
    let _timer = crate::metrics::query("servers.due_for_purge");
    let rows =
        sqlx::query_scalar!("SELECT guild_id FROM removed_servers WHERE removed_at <= ? ORDER BY guild_id", before)
            .fetch_all(db.sqlite())
            .await?;
    Ok(rows.into_iter().map(from_db).collect())
}

/// Deletes everything stored about a server, in one transaction: its groups (with their
/// breaks, marks, log, posts, DMs, check-ins, ratings, away periods and skill ratings, by
/// cascade), its members, settings and digests. Returns how many groups and members went.
pub async fn purge(db: &Db, guild_id: u64) -> Result<(u64, u64)> {
    let _timer = crate::metrics::query("servers.purge");
    let guild = to_db(guild_id);
    let mut tx = db.sqlite().begin().await?;
    let groups =
        sqlx::query!("DELETE FROM study_groups WHERE guild_id = ?", guild).execute(&mut *tx).await?.rows_affected();
    let members =
        sqlx::query!("DELETE FROM members WHERE guild_id = ?", guild).execute(&mut *tx).await?.rows_affected();
    sqlx::query!("DELETE FROM server_settings WHERE guild_id = ?", guild).execute(&mut *tx).await?;
    sqlx::query!("DELETE FROM digests WHERE guild_id = ?", guild).execute(&mut *tx).await?;
    sqlx::query!("DELETE FROM removed_servers WHERE guild_id = ?", guild).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok((groups, members))
}
