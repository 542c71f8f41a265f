//! Servers that removed the bot, and the purge of their data after the grace period.

use super::{Db, Error, Result, execute, from_db, scalar, to_db, with_pool};
use chrono::{DateTime, Utc};

/// The bot was removed from a server at `at` (the first removal time is kept).
pub async fn removed(db: &Db, guild_id: u64, at: DateTime<Utc>) -> Result<()> {
    let _timer = crate::metrics::query("servers.removed");
    let guild = to_db(guild_id);
    execute!(
        db,
        "INSERT INTO removed_servers (guild_id, removed_at) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        guild,
        at
    )?;
    Ok(())
}

/// The bot is in the server (again): nothing of it is to be purged. True if a pending purge
/// was cancelled.
pub async fn present(db: &Db, guild_id: u64) -> Result<bool> {
    let _timer = crate::metrics::query("servers.present");
    let guild = to_db(guild_id);
    with_pool!(db, p => async {
        let mut tx = p.begin().await?;
        let n = sqlx::query("DELETE FROM removed_servers WHERE guild_id = $1").bind(guild).execute(&mut *tx).await?.rows_affected();
        if n > 0 {
            // Back in the server: its groups and digest are planned again (nothing was sent
            // while it was away).
            super::groups::replan_guild!(tx, guild);
            sqlx::query("UPDATE server_settings SET digest_due_at = $1, digest_replan = digest_replan + 1 WHERE guild_id = $2")
                .bind(super::groups::REPLAN)
                .bind(guild)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok::<_, Error>(n > 0)
    }
    .await)
}

/// Every server with data stored here (groups, members or settings) that is not already
/// counted as removed: what a READY is compared with.
pub async fn stored(db: &Db) -> Result<Vec<u64>> {
    let _timer = crate::metrics::query("servers.stored");
    let rows = scalar!(
        db,
        fetch_all,
        i64,
        "SELECT guild_id FROM (SELECT guild_id FROM study_groups UNION SELECT guild_id FROM members
                                UNION SELECT guild_id FROM server_settings) s
         WHERE NOT EXISTS (SELECT 1 FROM removed_servers r WHERE r.guild_id = s.guild_id) ORDER BY guild_id"
    )?;
    Ok(rows.into_iter().map(from_db).collect())
}

/// Servers removed at or before `before`, whose data is due to be purged.
pub async fn due_for_purge(db: &Db, before: DateTime<Utc>) -> Result<Vec<u64>> {
    let _timer = crate::metrics::query("servers.due_for_purge");
    let rows = scalar!(
        db,
        fetch_all,
        i64,
        "SELECT guild_id FROM removed_servers WHERE removed_at <= $1 ORDER BY guild_id",
        before
    )?;
    Ok(rows.into_iter().map(from_db).collect())
}

/// Deletes everything stored about a server, in one transaction: its groups (with their
/// breaks, marks, log, posts, DMs, check-ins, ratings, away periods and skill ratings, by
/// cascade), its members, settings and digests. Returns how many groups and members went.
pub async fn purge(db: &Db, guild_id: u64) -> Result<(u64, u64)> {
    let _timer = crate::metrics::query("servers.purge");
    let guild = to_db(guild_id);
    with_pool!(db, p => async {
        let mut tx = p.begin().await?;
        let mut delete = async |sql: &'static str| -> std::result::Result<u64, sqlx::Error> {
            Ok(sqlx::query(sql).bind(guild).execute(&mut *tx).await?.rows_affected())
        };
        let groups = delete("DELETE FROM study_groups WHERE guild_id = $1").await?;
        let members = delete("DELETE FROM members WHERE guild_id = $1").await?;
        delete("DELETE FROM server_settings WHERE guild_id = $1").await?;
        delete("DELETE FROM digests WHERE guild_id = $1").await?;
        delete("DELETE FROM session_events WHERE guild_id = $1").await?;
        delete("DELETE FROM group_events WHERE guild_id = $1").await?;
        delete("DELETE FROM removed_servers WHERE guild_id = $1").await?;
        tx.commit().await?;
        Ok::<_, Error>((groups, members))
    }
    .await)
}
