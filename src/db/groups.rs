//! Study groups and their breaks (skipped weeks, pauses). Scoped by guild.

use super::{Db, from_db, to_db};
use crate::weeks::{Break, BreakKind};

/// A study group as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupRow {
    pub id: i64,
    pub guild_id: u64,
    pub name: String,
    pub channel_id: u64,
    pub path_id: String,
    pub start_date: String,
    pub weekday: u8,
    pub post_time: String,
    pub timezone: String,
    pub mention_role_id: Option<u64>,
    pub paused: bool,
    pub last_error: Option<String>,
    pub last_error_at: Option<String>,
}

/// The editable settings of a group.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupSettings {
    pub name: String,
    pub channel_id: u64,
    pub path_id: String,
    pub start_date: String,
    pub weekday: u8,
    pub post_time: String,
    pub timezone: String,
    pub mention_role_id: Option<u64>,
}

macro_rules! row {
    ($r:expr) => {
        GroupRow {
            id: $r.id,
            guild_id: from_db($r.guild_id),
            name: $r.name,
            channel_id: from_db($r.channel_id),
            path_id: $r.path_id,
            start_date: $r.start_date,
            weekday: $r.weekday as u8,
            post_time: $r.post_time,
            timezone: $r.timezone,
            mention_role_id: $r.mention_role_id.map(from_db),
            paused: $r.paused != 0,
            last_error: $r.last_error,
            last_error_at: $r.last_error_at,
        }
    };
}

/// Inserts a group; `Ok(None)` when the server already has a group with that name.
pub async fn insert(
    db: &Db,
    guild_id: u64,
    s: &GroupSettings,
    created_by: u64,
    now: &str,
) -> Result<Option<i64>, sqlx::Error> {
    let guild = to_db(guild_id);
    let channel = to_db(s.channel_id);
    let role = s.mention_role_id.map(to_db);
    let by = to_db(created_by);
    let weekday = s.weekday as i64;
    let r = sqlx::query!(
        "INSERT INTO study_groups (guild_id, name, channel_id, path_id, start_date, weekday, post_time,
             timezone, mention_role_id, created_by, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (guild_id, name) DO NOTHING",
        guild,
        s.name,
        channel,
        s.path_id,
        s.start_date,
        weekday,
        s.post_time,
        s.timezone,
        role,
        by,
        now,
        now
    )
    .execute(db)
    .await?;
    Ok((r.rows_affected() == 1).then(|| r.last_insert_rowid()))
}

/// Updates a group's settings; false when no such group in this guild (or the new name is taken).
pub async fn update(db: &Db, guild_id: u64, id: i64, s: &GroupSettings, now: &str) -> Result<bool, sqlx::Error> {
    let guild = to_db(guild_id);
    let channel = to_db(s.channel_id);
    let role = s.mention_role_id.map(to_db);
    let weekday = s.weekday as i64;
    let r = sqlx::query!(
        "UPDATE OR IGNORE study_groups SET name = ?, channel_id = ?, path_id = ?, start_date = ?, weekday = ?,
             post_time = ?, timezone = ?, mention_role_id = ?, updated_at = ?
         WHERE guild_id = ? AND id = ?",
        s.name,
        channel,
        s.path_id,
        s.start_date,
        weekday,
        s.post_time,
        s.timezone,
        role,
        now,
        guild,
        id
    )
    .execute(db)
    .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn get(db: &Db, guild_id: u64, id: i64) -> Result<Option<GroupRow>, sqlx::Error> {
    let guild = to_db(guild_id);
    let r = sqlx::query!(
        "SELECT id, guild_id, name, channel_id, path_id, start_date, weekday, post_time, timezone,
                mention_role_id, paused, last_error, last_error_at
         FROM study_groups WHERE guild_id = ? AND id = ?",
        guild,
        id
    )
    .fetch_optional(db)
    .await?;
    Ok(r.map(|r| row!(r)))
}

/// Groups of a guild, by name.
pub async fn list(db: &Db, guild_id: u64) -> Result<Vec<GroupRow>, sqlx::Error> {
    let guild = to_db(guild_id);
    let rows = sqlx::query!(
        "SELECT id, guild_id, name, channel_id, path_id, start_date, weekday, post_time, timezone,
                mention_role_id, paused, last_error, last_error_at
         FROM study_groups WHERE guild_id = ? ORDER BY name COLLATE NOCASE",
        guild
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| row!(r)).collect())
}

/// Every group of every guild (the scheduler's sweep; each row carries its guild id).
pub async fn all(db: &Db) -> Result<Vec<GroupRow>, sqlx::Error> {
    let rows = sqlx::query!(
        "SELECT id, guild_id, name, channel_id, path_id, start_date, weekday, post_time, timezone,
                mention_role_id, paused, last_error, last_error_at
         FROM study_groups ORDER BY id"
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| row!(r)).collect())
}

/// Deletes a group and (by cascade) its check-ins, ratings, breaks and posts.
pub async fn delete(db: &Db, guild_id: u64, id: i64) -> Result<bool, sqlx::Error> {
    let guild = to_db(guild_id);
    let r = sqlx::query!("DELETE FROM study_groups WHERE guild_id = ? AND id = ?", guild, id).execute(db).await?;
    Ok(r.rows_affected() == 1)
}

/// The breaks of a group (the group must already have been checked against the guild).
pub async fn breaks(db: &Db, group_id: i64) -> Result<Vec<Break>, sqlx::Error> {
    let rows = sqlx::query!(
        "SELECT kind, from_session, to_session FROM group_breaks WHERE group_id = ? ORDER BY from_session",
        group_id
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Break {
            kind: if r.kind == "skip" { BreakKind::Skip } else { BreakKind::Pause },
            from: r.from_session as u32,
            to: r.to_session.map(|t| t as u32),
        })
        .collect())
}

/// Marks session `session` as skipped. False if it already was.
pub async fn add_skip(db: &Db, guild_id: u64, group_id: i64, session: u32, now: &str) -> Result<bool, sqlx::Error> {
    let guild = to_db(guild_id);
    let from = session as i64;
    let to = from + 1;
    let r = sqlx::query!(
        "INSERT INTO group_breaks (group_id, kind, from_session, to_session, created_at)
         SELECT id, 'skip', ?, ?, ? FROM study_groups
         WHERE guild_id = ? AND id = ?
           AND NOT EXISTS (SELECT 1 FROM group_breaks WHERE group_id = ? AND kind = 'skip' AND from_session = ?)",
        from,
        to,
        now,
        guild,
        group_id,
        group_id,
        from
    )
    .execute(db)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Pauses a group from session `from` on (open-ended). False if already paused.
pub async fn pause(db: &Db, guild_id: u64, group_id: i64, from: u32, now: &str) -> Result<bool, sqlx::Error> {
    let guild = to_db(guild_id);
    let from = from as i64;
    let mut tx = db.begin().await?;
    let r = sqlx::query!(
        "UPDATE study_groups SET paused = 1, updated_at = ? WHERE guild_id = ? AND id = ? AND paused = 0",
        now,
        guild,
        group_id
    )
    .execute(&mut *tx)
    .await?;
    if r.rows_affected() != 1 {
        return Ok(false);
    }
    sqlx::query!(
        "INSERT INTO group_breaks (group_id, kind, from_session, to_session, created_at) VALUES (?, 'pause', ?, NULL, ?)",
        group_id,
        from,
        now
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// Ends the open pause at session `to` (the first session that will be held again).
/// A pause that covered no session at all is removed. False if the group was not paused.
pub async fn resume(db: &Db, guild_id: u64, group_id: i64, to: u32, now: &str) -> Result<bool, sqlx::Error> {
    let guild = to_db(guild_id);
    let to = to as i64;
    let mut tx = db.begin().await?;
    let r = sqlx::query!(
        "UPDATE study_groups SET paused = 0, updated_at = ? WHERE guild_id = ? AND id = ? AND paused = 1",
        now,
        guild,
        group_id
    )
    .execute(&mut *tx)
    .await?;
    if r.rows_affected() != 1 {
        return Ok(false);
    }
    sqlx::query!(
        "DELETE FROM group_breaks WHERE group_id = ? AND kind = 'pause' AND to_session IS NULL AND from_session >= ?",
        group_id,
        to
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "UPDATE group_breaks SET to_session = ? WHERE group_id = ? AND kind = 'pause' AND to_session IS NULL",
        to,
        group_id
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// Records (or clears, with `None`) the last delivery failure of a group.
pub async fn set_error(db: &Db, group_id: i64, error: Option<&str>, now: &str) -> Result<(), sqlx::Error> {
    let at = error.map(|_| now);
    sqlx::query!("UPDATE study_groups SET last_error = ?, last_error_at = ? WHERE id = ?", error, at, group_id)
        .execute(db)
        .await?;
    Ok(())
}
