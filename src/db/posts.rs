//! Scheduled posts: claimed before sending, completed after. The unique keys on
//! (group, kind, session), (group, week) and the closing post make each happen once.

use super::{Db, from_db, to_db};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PostKind {
    Week,
    Skip,
    Closing,
    Reminder,
}

impl PostKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PostKind::Week => "week",
            PostKind::Skip => "skip",
            PostKind::Closing => "closing",
            PostKind::Reminder => "reminder",
        }
    }

    fn parse(s: &str) -> PostKind {
        match s {
            "skip" => PostKind::Skip,
            "closing" => PostKind::Closing,
            "reminder" => PostKind::Reminder,
            _ => PostKind::Week,
        }
    }

    /// A letter that is not a hex digit, used in nonces.
    fn letter(self) -> char {
        match self {
            PostKind::Week => 'p',
            PostKind::Skip => 'k',
            PostKind::Closing => 'z',
            PostKind::Reminder => 'r',
        }
    }
}

/// Discord message nonce for a post: stable across retries, at most 25 characters.
pub fn nonce(group_id: i64, kind: PostKind, session: u32) -> String {
    format!("{:x}{}{:x}", group_id as u64, kind.letter(), session)
}

#[derive(Debug, Clone, PartialEq)]
pub struct PostRow {
    pub id: i64,
    pub group_id: i64,
    pub session: u32,
    pub kind: PostKind,
    pub week: Option<u32>,
    pub nonce: String,
    pub state: String,
    pub attempts: u32,
    pub message_id: Option<u64>,
    pub claimed_at: String,
    pub error: Option<String>,
}

/// Posts of one group.
pub async fn for_group(db: &Db, group_id: i64) -> Result<Vec<PostRow>, sqlx::Error> {
    let rows = sqlx::query!(
        "SELECT id, group_id, session, kind, week, nonce, state, attempts, message_id, claimed_at, error
         FROM posts WHERE group_id = ? ORDER BY session, id",
        group_id
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| PostRow {
            id: r.id,
            group_id: r.group_id,
            session: r.session as u32,
            kind: PostKind::parse(&r.kind),
            week: r.week.map(|w| w as u32),
            nonce: r.nonce,
            state: r.state,
            attempts: r.attempts as u32,
            message_id: r.message_id.map(from_db),
            claimed_at: r.claimed_at,
            error: r.error,
        })
        .collect())
}

/// Claims a post before sending it. `None` when it was already claimed (by an earlier
/// attempt, a concurrent `/group post-now`, or before a restart).
pub async fn claim(
    db: &Db,
    group_id: i64,
    kind: PostKind,
    session: u32,
    week: Option<u32>,
    now: &str,
) -> Result<Option<i64>, sqlx::Error> {
    let n = nonce(group_id, kind, session);
    let kind_s = kind.as_str();
    let session = session as i64;
    let week = week.map(|w| w as i64);
    let r = sqlx::query!(
        "INSERT INTO posts (group_id, session, kind, week, nonce, state, attempts, claimed_at)
         VALUES (?, ?, ?, ?, ?, 'claimed', 1, ?) ON CONFLICT DO NOTHING",
        group_id,
        session,
        kind_s,
        week,
        n,
        now
    )
    .execute(db)
    .await?;
    Ok((r.rows_affected() == 1).then(|| r.last_insert_rowid()))
}

/// Starts another attempt of an unfinished post; returns the nonce it was first claimed
/// with (a retry must reuse it), or `None` when the post was completed meanwhile.
pub async fn retry(db: &Db, id: i64, now: &str) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar!(
        "UPDATE posts SET state = 'claimed', attempts = attempts + 1, claimed_at = ?
         WHERE id = ? AND state != 'sent' RETURNING nonce",
        now,
        id
    )
    .fetch_optional(db)
    .await
}

/// True once any weekly post of the group went out (its calendar is then fixed).
pub async fn has_week_posts(db: &Db, group_id: i64) -> Result<bool, sqlx::Error> {
    let n = sqlx::query_scalar!(
        "SELECT COUNT(*) FROM posts WHERE group_id = ? AND kind = 'week' AND state = 'sent'",
        group_id
    )
    .fetch_one(db)
    .await?;
    Ok(n > 0)
}

pub async fn mark_sent(
    db: &Db,
    id: i64,
    message_id: Option<u64>,
    thread_id: Option<u64>,
    now: &str,
) -> Result<(), sqlx::Error> {
    let m = message_id.map(to_db);
    let t = thread_id.map(to_db);
    sqlx::query!(
        "UPDATE posts SET state = 'sent', message_id = ?, thread_id = ?, sent_at = ?, error = NULL WHERE id = ?",
        m,
        t,
        now,
        id
    )
    .execute(db)
    .await?;
    Ok(())
}

pub async fn mark_failed(db: &Db, id: i64, error: &str, now: &str) -> Result<(), sqlx::Error> {
    sqlx::query!("UPDATE posts SET state = 'failed', error = ?, claimed_at = ? WHERE id = ?", error, now, id)
        .execute(db)
        .await?;
    Ok(())
}

/// Members who checked in for a week of a group (for the reminder's count).
pub async fn checked_in_count(db: &Db, guild_id: u64, group_id: i64, week: u32) -> Result<i64, sqlx::Error> {
    let guild = to_db(guild_id);
    let week = week as i64;
    sqlx::query_scalar!(
        "SELECT COUNT(*) FROM checkins WHERE guild_id = ? AND group_id = ? AND week = ?",
        guild,
        group_id,
        week
    )
    .fetch_one(db)
    .await
}

/// Members of a group who opted in to reminder DMs.
pub async fn dm_subscribers(db: &Db, guild_id: u64, group_id: i64) -> Result<Vec<u64>, sqlx::Error> {
    let guild = to_db(guild_id);
    let rows = sqlx::query_scalar!(
        "SELECT m.user_id FROM group_members gm
         JOIN members m ON m.guild_id = gm.guild_id AND m.user_id = gm.user_id
         WHERE gm.guild_id = ? AND gm.group_id = ? AND m.remind_dm = 1 ORDER BY m.user_id",
        guild,
        group_id
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(from_db).collect())
}
