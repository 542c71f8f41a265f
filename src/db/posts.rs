//! What the scheduled posts left: reads of the `posts` table (a group's posts, its weekly
//! links, when it last posted) and the reminder DMs' subscribers. Claiming and completing a
//! post is the outbox's ([`super::outbox`]).

use super::{Db, Result, decode, decode_u32, fetch, from_db, scalar, to_db};
use crate::model::{GroupScope, Post, PostKind, PostState};
use chrono::{DateTime, Utc};

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
