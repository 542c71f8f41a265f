//! Live calendar feeds (tables `calendar_links`, `member_feeds`, `feed_sessions`): the secret
//! tokens of group and personal feeds, and what each feed last said of a session.

use super::{Db, Result, decode_u32, execute, fetch, from_db, scalar, to_db};
use crate::calendar::Published;
use crate::model::GroupScope;
use chrono::{DateTime, Utc};

/// The group's feed token, if a moderator made one.
pub async fn group_token(db: &Db, group: GroupScope) -> Result<Option<String>> {
    let _timer = crate::metrics::query("feeds.group_token");
    Ok(scalar!(
        db,
        fetch_optional,
        String,
        "SELECT token FROM calendar_links WHERE guild_id = $1 AND group_id = $2",
        to_db(group.guild_id()),
        group.id()
    )?)
}

/// Sets the group's feed token (a new one replaces the old, which stops working).
pub async fn set_group_token(db: &Db, group: GroupScope, token: &str, by: u64, now: DateTime<Utc>) -> Result<()> {
    let _timer = crate::metrics::query("feeds.set_group_token");
    execute!(
        db,
        "INSERT INTO calendar_links (group_id, guild_id, token, created_by, created_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (group_id) DO UPDATE SET token = excluded.token, created_by = excluded.created_by,
             created_at = excluded.created_at",
        group.id(),
        to_db(group.guild_id()),
        token,
        to_db(by),
        now
    )?;
    Ok(())
}

/// The group (server, id) whose feed token is `token`.
pub async fn group_of_token(db: &Db, token: &str) -> Result<Option<(u64, i64)>> {
    let _timer = crate::metrics::query("feeds.group_of_token");
    let row = fetch!(
        db,
        fetch_optional,
        (i64, i64),
        "SELECT guild_id, group_id FROM calendar_links WHERE token = $1",
        token
    )?;
    Ok(row.map(|(guild, group)| (from_db(guild), group)))
}

/// Sets the member's personal feed (its token's hash; a new one replaces the old). The
/// member must be stored (`members`).
pub async fn set_member_feed(db: &Db, guild_id: u64, user_id: u64, token_hash: &str, now: DateTime<Utc>) -> Result<()> {
    let _timer = crate::metrics::query("feeds.set_member_feed");
    execute!(
        db,
        "INSERT INTO member_feeds (guild_id, user_id, token_hash, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (guild_id, user_id) DO UPDATE SET token_hash = excluded.token_hash, created_at = excluded.created_at",
        to_db(guild_id),
        to_db(user_id),
        token_hash,
        now
    )?;
    Ok(())
}

/// The member (server, user) whose personal feed token hashes to `token_hash`.
pub async fn member_of_token(db: &Db, token_hash: &str) -> Result<Option<(u64, u64)>> {
    let _timer = crate::metrics::query("feeds.member_of_token");
    let row = fetch!(
        db,
        fetch_optional,
        (i64, i64),
        "SELECT guild_id, user_id FROM member_feeds WHERE token_hash = $1",
        token_hash
    )?;
    Ok(row.map(|(guild, user)| (from_db(guild), from_db(user))))
}

/// Records that the group's feed says `starts_at` (and cancelled or not) for `session`: the
/// first time at revision 0; when either differs from what it said before, at the next
/// revision (a compare-and-set, so two processes answering at once bump it once); else as
/// it was. Returns the session's revision and when it last changed.
pub async fn publish(
    db: &Db,
    group: GroupScope,
    session: u32,
    starts_at: DateTime<Utc>,
    cancelled: bool,
    now: DateTime<Utc>,
) -> Result<Published> {
    let _timer = crate::metrics::query("feeds.publish");
    let cancelled = i64::from(cancelled);
    execute!(
        db,
        "INSERT INTO feed_sessions (group_id, session, starts_at, cancelled, sequence, changed_at)
         VALUES ($1, $2, $3, $4, 0, $5)
         ON CONFLICT (group_id, session) DO UPDATE SET starts_at = excluded.starts_at,
             cancelled = excluded.cancelled, sequence = feed_sessions.sequence + 1, changed_at = excluded.changed_at
         WHERE feed_sessions.starts_at <> excluded.starts_at OR feed_sessions.cancelled <> excluded.cancelled",
        group.id(),
        i64::from(session),
        starts_at,
        cancelled,
        now
    )?;
    let (sequence, changed_at) = fetch!(
        db,
        fetch_one,
        (i64, DateTime<Utc>),
        "SELECT sequence, changed_at FROM feed_sessions WHERE group_id = $1 AND session = $2",
        group.id(),
        i64::from(session)
    )?;
    Ok(Published { sequence: decode_u32("feed_sessions", group.id(), "sequence", sequence)?, changed_at })
}
