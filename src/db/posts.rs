//! Scheduled posts: claimed before sending, completed after. The unique keys on
//! (group, kind, session), (group, week) and the closing post make each happen once.

use super::{Db, Result, decode, decode_u32, from_db, to_db};
use crate::model::{Post, PostKind, PostState};
use chrono::{DateTime, Utc};

/// A letter that is not a hex digit, used in nonces.
fn letter(kind: PostKind) -> char {
    match kind {
        PostKind::Week => 'p',
        PostKind::Skip => 'k',
        PostKind::Closing => 'z',
        PostKind::Reminder => 'r',
    }
}

/// Discord message nonce for a post: stable across retries, at most 25 characters.
pub fn nonce(group_id: i64, kind: PostKind, session: u32) -> String {
    format!("{:x}{}{:x}", group_id as u64, letter(kind), session)
}

/// Posts of one group.
pub async fn for_group(db: &Db, group_id: i64) -> Result<Vec<Post>> {
    let _timer = crate::metrics::query("posts.for_group");
    let rows = sqlx::query!(
        r#"SELECT id, group_id, session, kind, week, nonce, state, attempts, message_id,
                  claimed_at AS "claimed_at: DateTime<Utc>", error
           FROM posts WHERE group_id = ? ORDER BY session, id"#,
        group_id
    )
    .fetch_all(db.sqlite())
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(Post {
                id: r.id,
                group_id: r.group_id,
                session: decode_u32("posts", r.id, "session", r.session)?,
                kind: decode("posts", r.id, "kind", r.kind, |k| PostKind::parse(k))?,
                week: r.week.map(|w| decode_u32("posts", r.id, "week", w)).transpose()?,
                nonce: r.nonce,
                state: decode("posts", r.id, "state", r.state, |s| PostState::parse(s))?,
                attempts: decode_u32("posts", r.id, "attempts", r.attempts)?,
                message_id: r.message_id.map(from_db),
                claimed_at: r.claimed_at,
                error: r.error,
            })
        })
        .collect()
}

/// Claims a post before sending it. `None` when it was already claimed (by an earlier
/// attempt, a concurrent `/group post-now`, or before a restart).
pub async fn claim(
    db: &Db,
    group_id: i64,
    kind: PostKind,
    session: u32,
    week: Option<u32>,
    now: DateTime<Utc>,
) -> Result<Option<i64>> {
    let _timer = crate::metrics::query("posts.claim");
    let n = nonce(group_id, kind, session);
    let kind_s = kind.as_str();
    let session = session as i64;
    let week = week.map(|w| w as i64);
    let r = sqlx::query!(
        "INSERT INTO posts (group_id, session, kind, week, nonce, state, attempts, claimed_at, first_claimed_at)
         VALUES (?, ?, ?, ?, ?, 'claimed', 1, ?, ?) ON CONFLICT DO NOTHING",
        group_id,
        session,
        kind_s,
        week,
        n,
        now,
        now
    )
    .execute(db.sqlite())
    .await?;
    Ok((r.rows_affected() == 1).then(|| r.last_insert_rowid()))
}

/// Starts another attempt of an unfinished post; returns the nonce it was first claimed
/// with (a retry must reuse it) and when that first claim was, or `None` when the post was
/// completed meanwhile.
pub async fn retry(db: &Db, id: i64, now: DateTime<Utc>) -> Result<Option<(String, DateTime<Utc>)>> {
    let _timer = crate::metrics::query("posts.retry");
    let row = sqlx::query!(
        r#"UPDATE posts SET state = 'claimed', attempts = attempts + 1, claimed_at = ?
           WHERE id = ? AND state != 'sent' RETURNING nonce, first_claimed_at AS "first: DateTime<Utc>""#,
        now,
        id
    )
    .fetch_optional(db.sqlite())
    .await?;
    Ok(row.map(|r| (r.nonce, r.first)))
}

/// Claims one reminder DM before it is sent; false when it was claimed before (sent, or
/// being sent when the process stopped): a reminder DM goes out at most once.
pub async fn claim_dm(db: &Db, post_id: i64, user_id: u64, now: DateTime<Utc>) -> Result<bool> {
    let _timer = crate::metrics::query("posts.claim_dm");
    let user = to_db(user_id);
    let r = sqlx::query!(
        "INSERT INTO reminder_dms (post_id, user_id, state, claimed_at) VALUES (?, ?, 'claimed', ?)
         ON CONFLICT DO NOTHING",
        post_id,
        user,
        now
    )
    .execute(db.sqlite())
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Records how a claimed reminder DM went.
pub async fn complete_dm(db: &Db, post_id: i64, user_id: u64, sent: bool) -> Result<()> {
    let _timer = crate::metrics::query("posts.complete_dm");
    let user = to_db(user_id);
    let state = if sent { "sent" } else { "failed" };
    sqlx::query!("UPDATE reminder_dms SET state = ? WHERE post_id = ? AND user_id = ?", state, post_id, user)
        .execute(db.sqlite())
        .await?;
    Ok(())
}

/// When the group's latest weekly post went out, if any did.
pub async fn last_week_post(db: &Db, group_id: i64) -> Result<Option<DateTime<Utc>>> {
    let _timer = crate::metrics::query("posts.last_week_post");
    let at = sqlx::query_scalar!(
        r#"SELECT MAX(sent_at) AS "at: DateTime<Utc>" FROM posts WHERE group_id = ? AND kind = 'week' AND state = 'sent'"#,
        group_id
    )
    .fetch_one(db.sqlite())
    .await?;
    Ok(at)
}

/// True once any weekly post of the group went out (its calendar is then fixed).
pub async fn has_week_posts(db: &Db, group_id: i64) -> Result<bool> {
    let _timer = crate::metrics::query("posts.has_week_posts");
    let n = sqlx::query_scalar!(
        "SELECT COUNT(*) FROM posts WHERE group_id = ? AND kind = 'week' AND state = 'sent'",
        group_id
    )
    .fetch_one(db.sqlite())
    .await?;
    Ok(n > 0)
}

pub async fn mark_sent(
    db: &Db,
    id: i64,
    message_id: Option<u64>,
    thread_id: Option<u64>,
    now: DateTime<Utc>,
) -> Result<()> {
    let _timer = crate::metrics::query("posts.mark_sent");
    let m = message_id.map(to_db);
    let t = thread_id.map(to_db);
    sqlx::query!(
        "UPDATE posts SET state = 'sent', message_id = ?, thread_id = ?, sent_at = ?, error = NULL WHERE id = ?",
        m,
        t,
        now,
        id
    )
    .execute(db.sqlite())
    .await?;
    Ok(())
}

pub async fn mark_failed(db: &Db, id: i64, error: &str, now: DateTime<Utc>) -> Result<()> {
    let _timer = crate::metrics::query("posts.mark_failed");
    sqlx::query!("UPDATE posts SET state = 'failed', error = ?, claimed_at = ? WHERE id = ?", error, now, id)
        .execute(db.sqlite())
        .await?;
    Ok(())
}

/// The weekly posts that went out, by week: (week, message, thread).
pub async fn week_links(db: &Db, group_id: i64) -> Result<Vec<(u32, u64, Option<u64>)>> {
    let _timer = crate::metrics::query("posts.week_links");
    let rows = sqlx::query!(
        "SELECT id, week, message_id, thread_id FROM posts
         WHERE group_id = ? AND kind = 'week' AND state = 'sent' AND message_id IS NOT NULL ORDER BY week",
        group_id
    )
    .fetch_all(db.sqlite())
    .await?;
    rows.into_iter()
        .filter_map(|r| Some((r.id, r.week?, r.message_id?, r.thread_id)))
        .map(|(id, week, message, thread)| {
            Ok((decode_u32("posts", id, "week", week)?, from_db(message), thread.map(from_db)))
        })
        .collect()
}

/// Members of a group who opted in to reminder DMs.
pub async fn dm_subscribers(db: &Db, guild_id: u64, group_id: i64) -> Result<Vec<u64>> {
    let _timer = crate::metrics::query("posts.dm_subscribers");
    let guild = to_db(guild_id);
    let rows = sqlx::query_scalar!(
        "SELECT m.user_id FROM group_members gm
         JOIN members m ON m.guild_id = gm.guild_id AND m.user_id = gm.user_id
         WHERE gm.guild_id = ? AND gm.group_id = ? AND m.remind_dm = 1 ORDER BY m.user_id",
        guild,
        group_id
    )
    .fetch_all(db.sqlite())
    .await?;
    Ok(rows.into_iter().map(from_db).collect())
}
