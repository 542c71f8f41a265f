//! Members, their check-ins and self-assessment ratings. Scoped by guild.

use super::{Db, to_db};
use sqlx::{Sqlite, Transaction};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Done,
    Partial,
    Skipped,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Done => "done",
            Status::Partial => "partial",
            Status::Skipped => "skipped",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        match s.trim().to_ascii_lowercase().as_str() {
            "done" | "d" => Some(Status::Done),
            "partial" | "p" | "partly" => Some(Status::Partial),
            "skipped" | "skip" | "s" => Some(Status::Skipped),
            _ => None,
        }
    }
}

/// A check-in to store.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckinInput {
    pub guild_id: u64,
    pub group_id: i64,
    pub user_id: u64,
    pub display_name: String,
    pub week: u32,
    pub status: Status,
    pub hours: f64,
    pub confidence: u8,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Checkin {
    pub week: u32,
    pub status: Status,
    pub hours: f64,
    pub confidence: u8,
    pub note: Option<String>,
    pub updated_at: String,
}

/// Creates the member and their group membership if missing (first check-in or rating).
async fn ensure_member(
    tx: &mut Transaction<'_, Sqlite>,
    guild_id: u64,
    group_id: i64,
    user_id: u64,
    display_name: &str,
    week: u32,
    now: &str,
) -> Result<(), sqlx::Error> {
    let guild = to_db(guild_id);
    let user = to_db(user_id);
    let week = week as i64;
    sqlx::query!(
        "INSERT INTO members (guild_id, user_id, display_name, created_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (guild_id, user_id) DO UPDATE SET display_name = excluded.display_name",
        guild,
        user,
        display_name,
        now
    )
    .execute(&mut **tx)
    .await?;
    sqlx::query!(
        "INSERT INTO group_members (group_id, guild_id, user_id, joined_week, joined_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (group_id, user_id) DO UPDATE SET joined_week = MIN(joined_week, excluded.joined_week)",
        group_id,
        guild,
        user,
        week,
        now
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Stores a check-in, replacing the member's earlier one for the same group-week.
/// Returns true when an existing check-in was updated. The group must belong to the guild
/// (checked by the caller through `groups::get`); the insert re-checks it in SQL.
pub async fn upsert_checkin(db: &Db, c: &CheckinInput, now: &str) -> Result<bool, sqlx::Error> {
    let mut tx = db.begin().await?;
    ensure_member(&mut tx, c.guild_id, c.group_id, c.user_id, &c.display_name, c.week, now).await?;
    let guild = to_db(c.guild_id);
    let user = to_db(c.user_id);
    let week = c.week as i64;
    let status = c.status.as_str();
    let confidence = c.confidence as i64;
    let existed = sqlx::query_scalar!(
        "SELECT COUNT(*) FROM checkins WHERE guild_id = ? AND group_id = ? AND user_id = ? AND week = ?",
        guild,
        c.group_id,
        user,
        week
    )
    .fetch_one(&mut *tx)
    .await?
        > 0;
    sqlx::query!(
        "INSERT INTO checkins (group_id, guild_id, user_id, week, status, hours, confidence, note, created_at, updated_at)
         SELECT id, guild_id, ?, ?, ?, ?, ?, ?, ?, ? FROM study_groups WHERE guild_id = ? AND id = ?
         ON CONFLICT (group_id, user_id, week) DO UPDATE SET
             status = excluded.status, hours = excluded.hours, confidence = excluded.confidence,
             note = excluded.note, updated_at = excluded.updated_at",
        user,
        week,
        status,
        c.hours,
        confidence,
        c.note,
        now,
        now,
        guild,
        c.group_id
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(existed)
}

/// The member's check-ins in a group, by week.
pub async fn checkins(db: &Db, guild_id: u64, group_id: i64, user_id: u64) -> Result<Vec<Checkin>, sqlx::Error> {
    let guild = to_db(guild_id);
    let user = to_db(user_id);
    let rows = sqlx::query!(
        "SELECT week, status, hours, confidence, note, updated_at FROM checkins
         WHERE guild_id = ? AND group_id = ? AND user_id = ? ORDER BY week",
        guild,
        group_id,
        user
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Checkin {
            week: r.week as u32,
            status: Status::parse(&r.status).unwrap_or(Status::Done),
            hours: r.hours,
            confidence: r.confidence as u8,
            note: r.note,
            updated_at: r.updated_at,
        })
        .collect())
}

/// Stores one self-assessment rating (replacing an earlier one for the same question).
#[allow(clippy::too_many_arguments)]
pub async fn set_rating(
    db: &Db,
    guild_id: u64,
    group_id: i64,
    user_id: u64,
    display_name: &str,
    week: u32,
    question: u8,
    rating: u8,
    now: &str,
) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    ensure_member(&mut tx, guild_id, group_id, user_id, display_name, week, now).await?;
    let guild = to_db(guild_id);
    let user = to_db(user_id);
    let week = week as i64;
    let question = question as i64;
    let rating = rating as i64;
    sqlx::query!(
        "INSERT INTO ratings (group_id, guild_id, user_id, week, question, rating, updated_at)
         SELECT id, guild_id, ?, ?, ?, ?, ? FROM study_groups WHERE guild_id = ? AND id = ?
         ON CONFLICT (group_id, user_id, week, question) DO UPDATE SET
             rating = excluded.rating, updated_at = excluded.updated_at",
        user,
        week,
        question,
        rating,
        now,
        guild,
        group_id
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The member's ratings in a group: (week, question, rating).
pub async fn ratings(db: &Db, guild_id: u64, group_id: i64, user_id: u64) -> Result<Vec<(u32, u8, u8)>, sqlx::Error> {
    let guild = to_db(guild_id);
    let user = to_db(user_id);
    let rows = sqlx::query!(
        "SELECT week, question, rating FROM ratings WHERE guild_id = ? AND group_id = ? AND user_id = ?
         ORDER BY week, question",
        guild,
        group_id,
        user
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.week as u32, r.question as u8, r.rating as u8)).collect())
}

/// Groups of the guild the member belongs to (id list).
pub async fn member_groups(db: &Db, guild_id: u64, user_id: u64) -> Result<Vec<i64>, sqlx::Error> {
    let guild = to_db(guild_id);
    let user = to_db(user_id);
    sqlx::query_scalar!(
        "SELECT group_id FROM group_members WHERE guild_id = ? AND user_id = ? ORDER BY group_id",
        guild,
        user
    )
    .fetch_all(db)
    .await
}

/// What `/forget-me` removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Forgotten {
    pub checkins: u64,
    pub ratings: u64,
    pub memberships: u64,
    pub member: bool,
}

/// Deletes everything stored about one member in one guild, in one transaction.
pub async fn forget(db: &Db, guild_id: u64, user_id: u64) -> Result<Forgotten, sqlx::Error> {
    let guild = to_db(guild_id);
    let user = to_db(user_id);
    let mut tx = db.begin().await?;
    let checkins = sqlx::query!("DELETE FROM checkins WHERE guild_id = ? AND user_id = ?", guild, user)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    let ratings = sqlx::query!("DELETE FROM ratings WHERE guild_id = ? AND user_id = ?", guild, user)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    let memberships = sqlx::query!("DELETE FROM group_members WHERE guild_id = ? AND user_id = ?", guild, user)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    let member = sqlx::query!("DELETE FROM members WHERE guild_id = ? AND user_id = ?", guild, user)
        .execute(&mut *tx)
        .await?
        .rows_affected()
        == 1;
    tx.commit().await?;
    Ok(Forgotten { checkins, ratings, memberships, member })
}

/// Turns reminder DMs on or off for a member (creating the member row if needed).
pub async fn set_remind(
    db: &Db,
    guild_id: u64,
    user_id: u64,
    display_name: &str,
    on: bool,
    now: &str,
) -> Result<(), sqlx::Error> {
    let guild = to_db(guild_id);
    let user = to_db(user_id);
    let on = on as i64;
    sqlx::query!(
        "INSERT INTO members (guild_id, user_id, display_name, remind_dm, created_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (guild_id, user_id) DO UPDATE SET remind_dm = excluded.remind_dm",
        guild,
        user,
        display_name,
        on,
        now
    )
    .execute(db)
    .await?;
    Ok(())
}
