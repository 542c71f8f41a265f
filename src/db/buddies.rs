//! Study buddies (tables `buddy_settings`, `buddy_members`, `buddy_avoid`): a group's rounds,
//! the members who opted in, and members' avoid lists. Scoped by guild: every group is a
//! [`GroupScope`], every avoid list a (guild, member).

use super::{Db, Result, decode, decode_u32, execute, fetch, from_db, to_db};
use crate::model::GroupScope;
use chrono::{DateTime, NaiveDate, Utc};

/// A group's rounds: every 1, 2 or 4 weeks, pairs (2) or groups of 3.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BuddySettings {
    pub every_weeks: u32,
    pub size: u8,
}

/// Turns a group's rounds on, or changes them.
pub async fn turn_on(db: &Db, group: GroupScope, s: BuddySettings) -> Result<()> {
    let _timer = crate::metrics::query("buddies.turn_on");
    let (guild, every, size) = (to_db(group.guild_id()), i64::from(s.every_weeks), i64::from(s.size));
    execute!(
        db,
        "INSERT INTO buddy_settings (group_id, guild_id, every_weeks, size) VALUES ($1, $2, $3, $4)
         ON CONFLICT (group_id) DO UPDATE SET every_weeks = excluded.every_weeks, size = excluded.size",
        group.id(),
        guild,
        every,
        size
    )?;
    Ok(())
}

/// Turns a group's rounds off (its members stay opted in for when they are on again); false
/// when they were not on.
pub async fn turn_off(db: &Db, group: GroupScope) -> Result<bool> {
    let _timer = crate::metrics::query("buddies.turn_off");
    Ok(execute!(db, "DELETE FROM buddy_settings WHERE group_id = $1", group.id())? == 1)
}

/// A group's rounds, if on.
pub async fn settings(db: &Db, group: GroupScope) -> Result<Option<BuddySettings>> {
    let _timer = crate::metrics::query("buddies.settings");
    let row = fetch!(
        db,
        fetch_optional,
        (i64, i64),
        "SELECT every_weeks, size FROM buddy_settings WHERE group_id = $1",
        group.id()
    )?;
    row.map(|(every, size)| {
        Ok(BuddySettings {
            every_weeks: decode("buddy_settings", group.id(), "every_weeks", every, |v| {
                u32::try_from(*v).ok().filter(|v| matches!(v, 1 | 2 | 4))
            })?,
            size: decode("buddy_settings", group.id(), "size", size, |v| {
                u8::try_from(*v).ok().filter(|v| matches!(v, 2 | 3))
            })?,
        })
    })
    .transpose()
}

/// A member who opted in to a group's rounds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuddyMember {
    pub joined_at: DateTime<Utc>,
    /// Paused until this local date (included).
    pub paused_until: Option<NaiveDate>,
    /// Paused by the bot after rounds without a word, until they resume.
    pub auto_paused: bool,
    pub silent: u32,
    pub trios: u32,
}

/// Opts a member in (they must be a member of the group: `db::members::join` first), or
/// resumes them: a pause ends. False when the group is not in this server.
pub async fn join(db: &Db, group: GroupScope, user_id: u64, now: DateTime<Utc>) -> Result<bool> {
    let _timer = crate::metrics::query("buddies.join");
    let (guild, user) = (to_db(group.guild_id()), to_db(user_id));
    let n = execute!(
        db,
        "INSERT INTO buddy_members (group_id, guild_id, user_id, joined_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (group_id, user_id) DO UPDATE SET paused_until = NULL, auto_paused = 0, silent = 0",
        group.id(),
        guild,
        user,
        now
    )?;
    Ok(n == 1)
}

/// Opts a member out; false when they were not in.
pub async fn leave(db: &Db, group: GroupScope, user_id: u64) -> Result<bool> {
    let _timer = crate::metrics::query("buddies.leave");
    let user = to_db(user_id);
    Ok(execute!(db, "DELETE FROM buddy_members WHERE group_id = $1 AND user_id = $2", group.id(), user)? == 1)
}

/// Pauses a member until `until` (a local date, included); false when they are not in.
pub async fn pause(db: &Db, group: GroupScope, user_id: u64, until: NaiveDate) -> Result<bool> {
    let _timer = crate::metrics::query("buddies.pause");
    let (user, until) = (to_db(user_id), until.format("%Y-%m-%d").to_string());
    let n = execute!(
        db,
        "UPDATE buddy_members SET paused_until = $3 WHERE group_id = $1 AND user_id = $2",
        group.id(),
        user,
        until
    )?;
    Ok(n == 1)
}

type MemberRow = (i64, DateTime<Utc>, Option<String>, i64, i64, i64);

fn decode_member(group_id: i64, (_, joined_at, until, auto, silent, trios): MemberRow) -> Result<BuddyMember> {
    let paused_until = until
        .map(|d| {
            decode("buddy_members", group_id, "paused_until", d, |d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        })
        .transpose()?;
    Ok(BuddyMember {
        joined_at,
        paused_until,
        auto_paused: auto != 0,
        silent: decode_u32("buddy_members", group_id, "silent", silent)?,
        trios: decode_u32("buddy_members", group_id, "trios", trios)?,
    })
}

/// A member's opt-in, if any.
pub async fn member(db: &Db, group: GroupScope, user_id: u64) -> Result<Option<BuddyMember>> {
    let _timer = crate::metrics::query("buddies.member");
    let user = to_db(user_id);
    let row = fetch!(
        db,
        fetch_optional,
        MemberRow,
        "SELECT user_id, joined_at, paused_until, auto_paused, silent, trios FROM buddy_members
         WHERE group_id = $1 AND user_id = $2",
        group.id(),
        user
    )?;
    row.map(|r| decode_member(group.id(), r)).transpose()
}

/// Everyone who opted in to a group's rounds: (user, opt-in), by user.
pub async fn members(db: &Db, group: GroupScope) -> Result<Vec<(u64, BuddyMember)>> {
    let _timer = crate::metrics::query("buddies.members");
    let rows = fetch!(
        db,
        fetch_all,
        MemberRow,
        "SELECT user_id, joined_at, paused_until, auto_paused, silent, trios FROM buddy_members
         WHERE group_id = $1 ORDER BY user_id",
        group.id()
    )?;
    rows.into_iter().map(|r| Ok((from_db(r.0), decode_member(group.id(), r)?))).collect()
}

/// Adds `avoided` to a member's avoid list in this server (they must be stored as a member:
/// `db::members::join` first); false when it was there already.
pub async fn avoid(db: &Db, guild_id: u64, user_id: u64, avoided: u64) -> Result<bool> {
    let _timer = crate::metrics::query("buddies.avoid");
    let (guild, user, avoided) = (to_db(guild_id), to_db(user_id), to_db(avoided));
    let n = execute!(
        db,
        "INSERT INTO buddy_avoid (guild_id, user_id, avoided_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        guild,
        user,
        avoided
    )?;
    Ok(n == 1)
}

/// The server's avoid lists: (member, avoided), for a round's matching.
pub async fn avoids_in_guild(db: &Db, guild_id: u64) -> Result<Vec<(u64, u64)>> {
    let _timer = crate::metrics::query("buddies.avoids_in_guild");
    let guild = to_db(guild_id);
    let rows = fetch!(
        db,
        fetch_all,
        (i64, i64),
        "SELECT user_id, avoided_id FROM buddy_avoid WHERE guild_id = $1 ORDER BY user_id, avoided_id",
        guild
    )?;
    Ok(rows.into_iter().map(|(u, a)| (from_db(u), from_db(a))).collect())
}

/// A member's own avoid list (for them only).
pub async fn avoided_by(db: &Db, guild_id: u64, user_id: u64) -> Result<Vec<u64>> {
    let _timer = crate::metrics::query("buddies.avoided_by");
    let (guild, user) = (to_db(guild_id), to_db(user_id));
    let rows = fetch!(
        db,
        fetch_all,
        (i64,),
        "SELECT avoided_id FROM buddy_avoid WHERE guild_id = $1 AND user_id = $2 ORDER BY avoided_id",
        guild,
        user
    )?;
    Ok(rows.into_iter().map(|(a,)| from_db(a)).collect())
}
