//! Scheduled posts: claimed before sending, completed after. The unique keys on
//! (group, kind, session), (group, week) and the closing post make each happen once.

use super::{Db, Result, decode, decode_u32, execute, fetch, from_db, scalar, to_db};
use crate::model::{GroupScope, Post, PostKind, PostState};
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
pub async fn for_group(db: &Db, group: GroupScope) -> Result<Vec<Post>> {
    let _timer = crate::metrics::query("posts.for_group");
    let group_id = group.id();
    type Row = (
        i64,
        i64,
        i64,
        String,
        Option<i64>,
        String,
        String,
        i64,
        Option<i64>,
        DateTime<Utc>,
        DateTime<Utc>,
        Option<String>,
    );
    let rows = fetch!(
        db,
        fetch_all,
        Row,
        "SELECT id, group_id, session, kind, week, nonce, state, attempts, message_id, claimed_at, first_claimed_at,
                error
         FROM posts WHERE group_id = $1 ORDER BY session, id",
        group_id
    )?;
    rows.into_iter()
        .map(|(id, group_id, session, kind, week, nonce, state, attempts, message_id, claimed_at, first, error)| {
            Ok(Post {
                id,
                group_id,
                session: decode_u32("posts", id, "session", session)?,
                kind: decode("posts", id, "kind", kind, |k| PostKind::parse(k))?,
                week: week.map(|w| decode_u32("posts", id, "week", w)).transpose()?,
                nonce,
                state: decode("posts", id, "state", state, |s| PostState::parse(s))?,
                attempts: decode_u32("posts", id, "attempts", attempts)?,
                message_id: message_id.map(from_db),
                claimed_at,
                first_claimed_at: first,
                error,
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
    let session = i64::from(session);
    let week = week.map(i64::from);
    Ok(scalar!(
        db,
        fetch_all,
        i64,
        "INSERT INTO posts (group_id, session, kind, week, nonce, state, attempts, claimed_at, first_claimed_at, owner)
         VALUES ($1, $2, $3, $4, $5, 'claimed', 1, $6, $6, $7) ON CONFLICT DO NOTHING RETURNING id",
        group_id,
        session,
        kind_s,
        week,
        &n,
        now,
        db.worker()
    )?
    .into_iter()
    .next())
}

/// Starts another attempt of an unfinished post; returns the nonce it was first claimed
/// with (a retry must reuse it) and when that first claim was, or `None` when the post was
/// completed meanwhile or another live process holds it. A claim is a lease: a `claimed`
/// post is taken over only from a worker whose heartbeat is older than
/// [`workers::LEASE`](super::workers::LEASE) (or gone), and a `failed` one only once (the
/// statement itself moves it to `claimed` under this worker).
pub async fn retry(db: &Db, id: i64, now: DateTime<Utc>) -> Result<Option<(String, DateTime<Utc>)>> {
    let _timer = crate::metrics::query("posts.retry");
    let stale = now - super::workers::LEASE;
    Ok(fetch!(
        db,
        fetch_all,
        (String, DateTime<Utc>),
        "UPDATE posts SET state = 'claimed', attempts = attempts + 1, claimed_at = $1, owner = $2
         WHERE id = $3 AND state != 'sent'
           AND (state = 'failed' OR owner IS NULL OR owner = $2
                OR NOT EXISTS (SELECT 1 FROM workers w WHERE w.id = posts.owner AND w.seen_at > $4))
         RETURNING nonce, first_claimed_at",
        now,
        db.worker(),
        id,
        stale
    )?
    .into_iter()
    .next())
}

/// Claims one reminder DM before it is sent; false when it was claimed before (sent, or
/// being sent when the process stopped): a reminder DM goes out at most once.
pub async fn claim_dm(db: &Db, post_id: i64, user_id: u64, now: DateTime<Utc>) -> Result<bool> {
    let _timer = crate::metrics::query("posts.claim_dm");
    let user = to_db(user_id);
    let n = execute!(
        db,
        "INSERT INTO reminder_dms (post_id, user_id, state, claimed_at) VALUES ($1, $2, 'claimed', $3)
         ON CONFLICT DO NOTHING",
        post_id,
        user,
        now
    )?;
    Ok(n == 1)
}

/// How a claimed reminder DM went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DmOutcome {
    Sent,
    /// Failed for a passing reason: tried again from then on ([`due_dm_retries`]).
    RetryAt(DateTime<Utc>),
    /// Failed for good (DMs closed), or too often.
    GaveUp,
}

/// Records how a claimed reminder DM went.
pub async fn complete_dm(db: &Db, post_id: i64, user_id: u64, outcome: DmOutcome) -> Result<()> {
    let _timer = crate::metrics::query("posts.complete_dm");
    let user = to_db(user_id);
    let (state, retry_at) = match outcome {
        DmOutcome::Sent => ("sent", None),
        DmOutcome::RetryAt(at) => ("failed", Some(at)),
        DmOutcome::GaveUp => ("failed", None),
    };
    execute!(
        db,
        "UPDATE reminder_dms SET state = $1, retry_at = $2 WHERE post_id = $3 AND user_id = $4",
        state,
        retry_at,
        post_id,
        user
    )?;
    Ok(())
}

/// A reminder DM due for another attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DmRetry {
    pub post_id: i64,
    pub group_id: i64,
    pub guild_id: u64,
    pub user_id: u64,
}

/// Reminder DMs whose retry is due at `now`, earliest first, at most `limit`, in servers the
/// bot is in. Served by the index on `retry_at`: a tick costs what is due.
pub async fn due_dm_retries(db: &Db, now: DateTime<Utc>, limit: i64) -> Result<Vec<DmRetry>> {
    let _timer = crate::metrics::query("posts.due_dm_retries");
    let rows = fetch!(
        db,
        fetch_all,
        (i64, i64, i64, i64),
        "SELECT d.post_id, p.group_id, g.guild_id, d.user_id
         FROM reminder_dms d JOIN posts p ON p.id = d.post_id JOIN study_groups g ON g.id = p.group_id
         WHERE d.retry_at IS NOT NULL AND d.retry_at <= $1
           AND NOT EXISTS (SELECT 1 FROM removed_servers r WHERE r.guild_id = g.guild_id)
         ORDER BY d.retry_at, d.post_id, d.user_id LIMIT $2",
        now,
        limit
    )?;
    Ok(rows
        .into_iter()
        .map(|(post_id, group_id, guild, user)| DmRetry {
            post_id,
            group_id,
            guild_id: from_db(guild),
            user_id: from_db(user),
        })
        .collect())
}

/// Claims a due retry of a reminder DM (one process wins); returns its attempt number.
pub async fn retry_dm(db: &Db, post_id: i64, user_id: u64, now: DateTime<Utc>) -> Result<Option<u32>> {
    let _timer = crate::metrics::query("posts.retry_dm");
    let user = to_db(user_id);
    let rows = scalar!(
        db,
        fetch_all,
        i64,
        "UPDATE reminder_dms SET state = 'claimed', claimed_at = $3, attempts = attempts + 1, retry_at = NULL
         WHERE post_id = $1 AND user_id = $2 AND retry_at IS NOT NULL AND retry_at <= $3
         RETURNING attempts",
        post_id,
        user,
        now
    )?;
    Ok(rows.into_iter().next().map(|a| u32::try_from(a).unwrap_or(u32::MAX)))
}

/// The Discord nonce of a reminder DM (at most 25 characters): the same for every attempt,
/// so a retry after a lost answer does not send it twice.
pub fn dm_nonce(post_id: i64, user_id: u64) -> String {
    format!("{:x}m{user_id:x}", post_id as u64 & 0xffff_ffff)
}

/// When the group's latest weekly post went out, if any did.
pub async fn last_week_post(db: &Db, group: GroupScope) -> Result<Option<DateTime<Utc>>> {
    let _timer = crate::metrics::query("posts.last_week_post");
    let group_id = group.id();
    // The latest by ordering, not MAX(): SQLite's MAX of a text column is text, which only
    // a column (not an expression) decodes as an instant.
    let at = scalar!(
        db,
        fetch_optional,
        DateTime<Utc>,
        "SELECT sent_at FROM posts WHERE group_id = $1 AND kind = 'week' AND state = 'sent' AND sent_at IS NOT NULL
         ORDER BY sent_at DESC LIMIT 1",
        group_id
    )?;
    Ok(at)
}

/// True once any weekly post of the group went out (its calendar is then fixed).
pub async fn has_week_posts(db: &Db, group: GroupScope) -> Result<bool> {
    let _timer = crate::metrics::query("posts.has_week_posts");
    let group_id = group.id();
    let n = scalar!(
        db,
        fetch_one,
        i64,
        "SELECT COUNT(*) FROM posts WHERE group_id = $1 AND kind = 'week' AND state = 'sent'",
        group_id
    )?;
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
    execute!(
        db,
        // A thread recorded by another copy of this attempt is kept.
        "UPDATE posts SET state = 'sent', message_id = $1, thread_id = COALESCE($2, thread_id), sent_at = $3,
             error = NULL WHERE id = $4",
        m,
        t,
        now,
        id
    )?;
    Ok(())
}

/// `give_up`: Discord refused for good (the channel is gone, a permission is missing): the
/// post counts as having used every attempt, so no retry runs against the refusal; a
/// moderator's `/group post-now` tries it again.
pub async fn mark_failed(db: &Db, id: i64, error: &str, now: DateTime<Utc>, give_up: bool) -> Result<()> {
    let _timer = crate::metrics::query("posts.mark_failed");
    let floor = if give_up { i64::from(crate::plan::MAX_ATTEMPTS) } else { 0 };
    execute!(
        db,
        "UPDATE posts SET state = 'failed', error = $1, claimed_at = $2,
                attempts = CASE WHEN attempts < $4 THEN $4 ELSE attempts END
         WHERE id = $3",
        error,
        now,
        id,
        floor
    )?;
    Ok(())
}

/// The weekly posts that went out, by week: (week, message, thread).
pub async fn week_links(db: &Db, group: GroupScope) -> Result<Vec<(u32, u64, Option<u64>)>> {
    let _timer = crate::metrics::query("posts.week_links");
    let group_id = group.id();
    let rows = fetch!(
        db,
        fetch_all,
        (i64, Option<i64>, Option<i64>, Option<i64>),
        "SELECT id, week, message_id, thread_id FROM posts
         WHERE group_id = $1 AND kind = 'week' AND state = 'sent' AND message_id IS NOT NULL ORDER BY week",
        group_id
    )?;
    rows.into_iter()
        .filter_map(|(id, week, message, thread)| Some((id, week?, message?, thread)))
        .map(|(id, week, message, thread)| {
            Ok((decode_u32("posts", id, "week", week)?, from_db(message), thread.map(from_db)))
        })
        .collect()
}

/// Members of a group who opted in to reminder DMs.
pub async fn dm_subscribers(db: &Db, guild_id: u64, group_id: i64) -> Result<Vec<u64>> {
    let _timer = crate::metrics::query("posts.dm_subscribers");
    let guild = to_db(guild_id);
    let rows = scalar!(
        db,
        fetch_all,
        i64,
        "SELECT m.user_id FROM group_members gm
         JOIN members m ON m.guild_id = gm.guild_id AND m.user_id = gm.user_id
         WHERE gm.guild_id = $1 AND gm.group_id = $2 AND m.remind_dm = 1 ORDER BY m.user_id",
        guild,
        group_id
    )?;
    Ok(rows.into_iter().map(from_db).collect())
}
