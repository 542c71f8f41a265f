//! Study buddies (tables `buddy_settings`, `buddy_members`, `buddy_avoid`): a group's rounds,
//! the members who opted in, and members' avoid lists. Scoped by guild: every group is a
//! [`GroupScope`], every avoid list a (guild, member).

use super::{Db, Error, Result, decode, decode_u32, execute, fetch, from_db, to_db, with_pool};
use crate::model::GroupScope;
use chrono::{DateTime, NaiveDate, Utc};

/// A group's rounds: every 1, 2 or 4 weeks, pairs (2) or groups of 3.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BuddySettings {
    pub every_weeks: u32,
    pub size: u8,
}

/// Asks for a round at session `session` (`/group buddies now`), due at once; false when the
/// group has no rounds.
pub async fn force(db: &Db, group: GroupScope, session: u32, now: DateTime<Utc>) -> Result<bool> {
    let _timer = crate::metrics::query("buddies.force");
    let session = i64::from(session);
    let n = execute!(
        db,
        "UPDATE buddy_settings SET forced_session = $2, next_round_at = $3 WHERE group_id = $1",
        group.id(),
        session,
        now
    )?;
    Ok(n == 1)
}

/// The session a moderator asked a round for (`/group buddies now`), if any.
pub async fn forced(db: &Db, group: GroupScope) -> Result<Option<u32>> {
    let _timer = crate::metrics::query("buddies.forced");
    let row = fetch!(
        db,
        fetch_optional,
        (Option<i64>,),
        "SELECT forced_session FROM buddy_settings WHERE group_id = $1",
        group.id()
    )?;
    row.and_then(|(s,)| s).map(|s| decode_u32("buddy_settings", group.id(), "forced_session", s)).transpose()
}

/// Whether the group's round of `session` was made.
pub async fn round_made(db: &Db, group: GroupScope, session: u32) -> Result<bool> {
    let _timer = crate::metrics::query("buddies.round_made");
    let session = i64::from(session);
    let n = fetch!(
        db,
        fetch_optional,
        (i64,),
        "SELECT id FROM buddy_rounds WHERE group_id = $1 AND session = $2",
        group.id(),
        session
    )?;
    Ok(n.is_some())
}

/// Turns a group's rounds on, or changes them: the job looks at the group now.
pub async fn turn_on(db: &Db, group: GroupScope, s: BuddySettings, now: DateTime<Utc>) -> Result<()> {
    let _timer = crate::metrics::query("buddies.turn_on");
    let (guild, every, size) = (to_db(group.guild_id()), i64::from(s.every_weeks), i64::from(s.size));
    execute!(
        db,
        "INSERT INTO buddy_settings (group_id, guild_id, every_weeks, size, next_round_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (group_id) DO UPDATE SET every_weeks = excluded.every_weeks, size = excluded.size,
             next_round_at = excluded.next_round_at",
        group.id(),
        guild,
        every,
        size,
        now
    )?;
    Ok(())
}

/// Every group of the server with rounds is looked at now (its calendar changed).
pub async fn touch_guild(db: &Db, guild_id: u64, now: DateTime<Utc>) -> Result<()> {
    let _timer = crate::metrics::query("buddies.touch_guild");
    let guild = to_db(guild_id);
    execute!(db, "UPDATE buddy_settings SET next_round_at = $2 WHERE guild_id = $1", guild, now)?;
    Ok(())
}

/// The groups of this process's shards whose round is due at `now` (guild, group), in
/// servers the bot is in, at most `limit`. Served by the partial index on `next_round_at`.
pub async fn due(db: &Db, now: DateTime<Utc>, shards: (u32, u32, u32), limit: i64) -> Result<Vec<(u64, i64)>> {
    let _timer = crate::metrics::query("buddies.due");
    let (total, first, last) = super::shard_binds(shards);
    let rows = fetch!(
        db,
        fetch_all,
        (i64, i64),
        "SELECT b.guild_id, b.group_id FROM buddy_settings b
         WHERE b.next_round_at <= $1 AND (b.guild_id >> 22) % $2 BETWEEN $3 AND $4
           AND NOT EXISTS (SELECT 1 FROM removed_servers r WHERE r.guild_id = b.guild_id)
         ORDER BY b.next_round_at LIMIT $5",
        now,
        total,
        first,
        last,
        limit
    )?;
    Ok(rows.into_iter().map(|(g, id)| (from_db(g), id)).collect())
}

/// When the group's rounds are next looked at (none: until its calendar or settings change).
pub async fn set_next(db: &Db, group: GroupScope, next: Option<DateTime<Utc>>) -> Result<()> {
    let _timer = crate::metrics::query("buddies.set_next");
    execute!(db, "UPDATE buddy_settings SET next_round_at = $2 WHERE group_id = $1", group.id(), next)?;
    Ok(())
}

/// One pair (or trio) of a round.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PairRow {
    pub id: i64,
    pub idx: u32,
    pub members: Vec<u64>,
    /// The member asked to propose a time.
    pub proposer: u64,
    pub thread_id: Option<u64>,
    /// `new`, `claimed`, `open` or `failed`.
    pub state: String,
    pub claimed_at: Option<DateTime<Utc>>,
}

/// The groups of the group's last `rounds` rounds, most recent first (for matching).
pub async fn history(db: &Db, group: GroupScope, rounds: usize) -> Result<Vec<Vec<Vec<u64>>>> {
    let _timer = crate::metrics::query("buddies.history");
    let limit = i64::try_from(rounds).unwrap_or(i64::MAX);
    let rows = fetch!(
        db,
        fetch_all,
        (i64, i64, i64),
        "SELECT r.session, p.id, m.user_id FROM buddy_rounds r
         JOIN buddy_pairs p ON p.round_id = r.id JOIN buddy_pair_members m ON m.pair_id = p.id
         WHERE r.group_id = $1 AND r.session IN
             (SELECT session FROM buddy_rounds WHERE group_id = $1 ORDER BY session DESC LIMIT $2)
         ORDER BY r.session DESC, p.id, m.user_id",
        group.id(),
        limit
    )?;
    // (session, [(pair, members)]), in the query's order.
    type Round = (i64, Vec<(i64, Vec<u64>)>);
    let mut out: Vec<Round> = Vec::new();
    for (session, pair, user) in rows {
        if out.last().is_none_or(|(s, _)| *s != session) {
            out.push((session, Vec::new()));
        }
        let pairs = &mut out.last_mut().expect("pushed above").1;
        if pairs.last().is_none_or(|(p, _)| *p != pair) {
            pairs.push((pair, Vec::new()));
        }
        pairs.last_mut().expect("pushed above").1.push(from_db(user));
    }
    Ok(out.into_iter().map(|(_, pairs)| pairs.into_iter().map(|(_, m)| m).collect()).collect())
}

/// Records a round's groups, once per (group, session): false when it was recorded already
/// (by another process). Members of a group of 3 count one more trio. One transaction.
pub async fn insert_round(
    db: &Db,
    group: GroupScope,
    session: u32,
    week: u32,
    groups: &[(Vec<u64>, u64)],
    now: DateTime<Utc>,
) -> Result<bool> {
    let _timer = crate::metrics::query("buddies.insert_round");
    let (id, guild, session, week) = (group.id(), to_db(group.guild_id()), i64::from(session), i64::from(week));
    with_pool!(db, p => async {
        let mut tx = p.begin().await?;
        let round: Vec<i64> = sqlx::query_scalar(
            "INSERT INTO buddy_rounds (group_id, guild_id, session, week, made_at) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (group_id, session) DO NOTHING RETURNING id",
        )
        .bind(id)
        .bind(guild)
        .bind(session)
        .bind(week)
        .bind(now)
        .fetch_all(&mut *tx)
        .await?;
        let Some(round) = round.first().copied() else {
            tx.rollback().await?;
            return Ok::<_, Error>(false);
        };
        for (idx, (members, proposer)) in groups.iter().enumerate() {
            let pair: i64 = sqlx::query_scalar(
                "INSERT INTO buddy_pairs (round_id, guild_id, idx, proposer) VALUES ($1, $2, $3, $4) RETURNING id",
            )
            .bind(round)
            .bind(guild)
            .bind(idx as i64)
            .bind(to_db(*proposer))
            .fetch_one(&mut *tx)
            .await?;
            for user in members {
                sqlx::query("INSERT INTO buddy_pair_members (pair_id, guild_id, user_id) VALUES ($1, $2, $3)")
                    .bind(pair)
                    .bind(guild)
                    .bind(to_db(*user))
                    .execute(&mut *tx)
                    .await?;
                if members.len() == 3 {
                    sqlx::query("UPDATE buddy_members SET trios = trios + 1 WHERE group_id = $1 AND user_id = $2")
                        .bind(id)
                        .bind(to_db(*user))
                        .execute(&mut *tx)
                        .await?;
                }
            }
        }
        tx.commit().await?;
        Ok(true)
    }
    .await)
}

/// The pairs of the group's round of `session`, by index.
pub async fn pairs(db: &Db, group: GroupScope, session: u32) -> Result<Vec<PairRow>> {
    let _timer = crate::metrics::query("buddies.pairs");
    let session = i64::from(session);
    let rows = fetch!(
        db,
        fetch_all,
        (i64, i64, i64, Option<i64>, String, Option<DateTime<Utc>>, i64),
        "SELECT p.id, p.idx, p.proposer, p.thread_id, p.state, p.claimed_at, m.user_id FROM buddy_pairs p
         JOIN buddy_rounds r ON r.id = p.round_id JOIN buddy_pair_members m ON m.pair_id = p.id
         WHERE r.group_id = $1 AND r.session = $2 ORDER BY p.idx, m.user_id",
        group.id(),
        session
    )?;
    let mut out: Vec<PairRow> = Vec::new();
    for (id, idx, proposer, thread, state, claimed_at, user) in rows {
        if out.last().is_none_or(|p| p.id != id) {
            out.push(PairRow {
                id,
                idx: decode_u32("buddy_pairs", id, "idx", idx)?,
                members: Vec::new(),
                proposer: from_db(proposer),
                thread_id: thread.map(from_db),
                state,
                claimed_at,
            });
        }
        out.last_mut().expect("pushed above").members.push(from_db(user));
    }
    Ok(out)
}

/// Claims a pair for opening its thread: a new one, or one whose claim is older than `stale`
/// (its process died); false when another process holds it or it is done.
pub async fn claim_pair(db: &Db, pair_id: i64, stale: DateTime<Utc>, now: DateTime<Utc>) -> Result<bool> {
    let _timer = crate::metrics::query("buddies.claim_pair");
    let n = execute!(
        db,
        "UPDATE buddy_pairs SET state = 'claimed', claimed_at = $3, owner = $4
         WHERE id = $1 AND (state = 'new' OR (state = 'claimed' AND claimed_at <= $2))",
        pair_id,
        stale,
        now,
        db.worker()
    )?;
    Ok(n == 1)
}

/// Records the pair's thread as soon as Discord made it.
pub async fn pair_thread(db: &Db, pair_id: i64, thread_id: u64) -> Result<()> {
    let _timer = crate::metrics::query("buddies.pair_thread");
    let thread = to_db(thread_id);
    execute!(db, "UPDATE buddy_pairs SET thread_id = $2 WHERE id = $1", pair_id, thread)?;
    Ok(())
}

/// The pair's thread is open (members in, opening posted; its check-back due at
/// `checkback`), or failed for good with `error`.
pub async fn pair_done(db: &Db, pair_id: i64, error: Option<&str>, checkback: Option<DateTime<Utc>>) -> Result<()> {
    let _timer = crate::metrics::query("buddies.pair_done");
    let state = if error.is_some() { "failed" } else { "open" };
    let checkback = if error.is_some() { None } else { checkback };
    execute!(
        db,
        "UPDATE buddy_pairs SET state = $2, error = $3, checkback_due = $4 WHERE id = $1",
        pair_id,
        state,
        error,
        checkback
    )?;
    Ok(())
}

/// A pair's check-back to post: its thread, its members, and whether an earlier attempt was
/// made (then the thread is looked at first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueCheckback {
    pub pair_id: i64,
    pub guild_id: u64,
    pub thread_id: u64,
    pub members: Vec<u64>,
    pub tried: bool,
}

/// Claims the check-backs due at `now` on this process's shards, at most `limit`: each one's
/// due instant becomes a lease until `lease` (another process skips it; a dead one's is
/// retaken after it).
pub async fn claim_checkbacks(
    db: &Db,
    now: DateTime<Utc>,
    lease: DateTime<Utc>,
    shards: (u32, u32, u32),
    limit: i64,
) -> Result<Vec<DueCheckback>> {
    let _timer = crate::metrics::query("buddies.claim_checkbacks");
    let (total, first, last) = super::shard_binds(shards);
    let due = fetch!(
        db,
        fetch_all,
        (i64, i64, i64, Option<DateTime<Utc>>),
        "SELECT p.id, p.guild_id, p.thread_id, p.checkback_claimed FROM buddy_pairs p
         WHERE p.checkback_due <= $1 AND p.thread_id IS NOT NULL AND (p.guild_id >> 22) % $2 BETWEEN $3 AND $4
         ORDER BY p.checkback_due LIMIT $5",
        now,
        total,
        first,
        last,
        limit
    )?;
    let mut out = Vec::new();
    for (pair, guild, thread, claimed) in due {
        let n = execute!(
            db,
            "UPDATE buddy_pairs SET checkback_due = $3, checkback_claimed = COALESCE(checkback_claimed, $2)
             WHERE id = $1 AND checkback_due <= $2",
            pair,
            now,
            lease
        )?;
        if n != 1 {
            continue;
        }
        let members = fetch!(
            db,
            fetch_all,
            (i64,),
            "SELECT user_id FROM buddy_pair_members WHERE pair_id = $1 ORDER BY user_id",
            pair
        )?;
        out.push(DueCheckback {
            pair_id: pair,
            guild_id: from_db(guild),
            thread_id: from_db(thread),
            members: members.into_iter().map(|(u,)| from_db(u)).collect(),
            tried: claimed.is_some(),
        });
    }
    Ok(out)
}

/// The pair's check-back is posted (or given up): nothing more to do.
pub async fn checkback_done(db: &Db, pair_id: i64) -> Result<()> {
    let _timer = crate::metrics::query("buddies.checkback_done");
    execute!(db, "UPDATE buddy_pairs SET checkback_due = NULL WHERE id = $1", pair_id)?;
    Ok(())
}

/// The group and members of pair `pair_id` in this server (none: not a pair of this server).
pub async fn pair_in_guild(db: &Db, guild_id: u64, pair_id: i64) -> Result<Option<(i64, Vec<u64>)>> {
    let _timer = crate::metrics::query("buddies.pair_in_guild");
    let guild = to_db(guild_id);
    let rows = fetch!(
        db,
        fetch_all,
        (i64, i64),
        "SELECT r.group_id, m.user_id FROM buddy_pairs p JOIN buddy_rounds r ON r.id = p.round_id
         JOIN buddy_pair_members m ON m.pair_id = p.id
         WHERE p.id = $1 AND p.guild_id = $2 AND r.guild_id = $2 ORDER BY m.user_id",
        pair_id,
        guild
    )?;
    Ok(rows.first().map(|(g, _)| (*g, rows.iter().map(|(_, u)| from_db(*u)).collect())))
}

/// A word from a member in their pair's round ("partner unreachable", "I'm here"): it keeps
/// them from a silent round without changing an answer they gave ("We met" stays).
pub async fn spoke(db: &Db, guild_id: u64, pair_id: i64, user_id: u64, now: DateTime<Utc>) -> Result<()> {
    let _timer = crate::metrics::query("buddies.spoke");
    let (guild, user) = (to_db(guild_id), to_db(user_id));
    execute!(
        db,
        "INSERT INTO buddy_answers (pair_id, guild_id, user_id, met, at) VALUES ($1, $2, $3, 0, $4)
         ON CONFLICT (pair_id, user_id) DO NOTHING",
        pair_id,
        guild,
        user,
        now
    )?;
    Ok(())
}

/// A member's answer to their pair's check-back (the latest counts).
pub async fn answer(db: &Db, guild_id: u64, pair_id: i64, user_id: u64, met: bool, now: DateTime<Utc>) -> Result<()> {
    let _timer = crate::metrics::query("buddies.answer");
    let (guild, user, met) = (to_db(guild_id), to_db(user_id), i64::from(met));
    execute!(
        db,
        "INSERT INTO buddy_answers (pair_id, guild_id, user_id, met, at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (pair_id, user_id) DO UPDATE SET met = excluded.met, at = excluded.at",
        pair_id,
        guild,
        user,
        met,
        now
    )?;
    Ok(())
}

/// The group's latest round: (its week, pairs whose thread opened, of them pairs that met).
/// A pair whose member was rematched away counts no more (its rematch pair does).
pub async fn latest_round_met(db: &Db, group: GroupScope) -> Result<Option<(u32, u32, u32)>> {
    let _timer = crate::metrics::query("buddies.latest_round_met");
    let row = fetch!(
        db,
        fetch_optional,
        (i64, i64, i64),
        "SELECT r.week,
             (SELECT COUNT(*) FROM buddy_pairs p WHERE p.round_id = r.id AND p.state = 'open'
                AND NOT EXISTS (SELECT 1 FROM buddy_reports x WHERE x.pair_id = p.id AND x.outcome = 'rematched')),
             (SELECT COUNT(*) FROM buddy_pairs p WHERE p.round_id = r.id AND p.state = 'open'
                AND NOT EXISTS (SELECT 1 FROM buddy_reports x WHERE x.pair_id = p.id AND x.outcome = 'rematched')
                AND EXISTS (SELECT 1 FROM buddy_answers a WHERE a.pair_id = p.id AND a.met = 1))
         FROM buddy_rounds r WHERE r.group_id = $1 ORDER BY r.session DESC LIMIT 1",
        group.id()
    )?;
    row.map(|(w, pairs, met)| {
        Ok((
            decode_u32("buddy_rounds", group.id(), "week", w)?,
            decode_u32("buddy_rounds", group.id(), "pairs", pairs)?,
            decode_u32("buddy_rounds", group.id(), "met", met)?,
        ))
    })
    .transpose()
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

/// The display names of the group's opted-in members, for their threads' names.
pub async fn display_names(db: &Db, group: GroupScope) -> Result<std::collections::HashMap<u64, String>> {
    let _timer = crate::metrics::query("buddies.display_names");
    let rows = fetch!(
        db,
        fetch_all,
        (i64, String),
        "SELECT b.user_id, m.display_name FROM buddy_members b
         JOIN members m ON m.guild_id = b.guild_id AND m.user_id = b.user_id WHERE b.group_id = $1",
        group.id()
    )?;
    Ok(rows.into_iter().map(|(u, n)| (from_db(u), n)).collect())
}

/// Settles the silence of the group's round before session `session`, once (the first caller
/// wins): its members who neither answered its check-back nor checked in for its week count
/// one more silent round, the others none; those reaching `pause_after` are paused. The
/// members paused now. One transaction.
pub async fn settle_previous(db: &Db, group: GroupScope, session: u32, pause_after: u32) -> Result<Vec<u64>> {
    let _timer = crate::metrics::query("buddies.settle_previous");
    let (id, session, pause_after) = (group.id(), i64::from(session), i64::from(pause_after));
    with_pool!(db, p => async {
        let mut tx = p.begin().await?;
        let prev: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT id, week FROM buddy_rounds WHERE group_id = $1 AND session < $2 ORDER BY session DESC LIMIT 1",
        )
        .bind(id)
        .bind(session)
        .fetch_all(&mut *tx)
        .await?;
        let Some((round, week)) = prev.first().copied() else {
            tx.rollback().await?;
            return Ok::<_, Error>(Vec::new());
        };
        let claimed = sqlx::query("UPDATE buddy_rounds SET settled = 1 WHERE id = $1 AND settled = 0")
            .bind(round)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if claimed != 1 {
            tx.rollback().await?;
            return Ok(Vec::new());
        }
        sqlx::query(
            "UPDATE buddy_members SET silent = CASE
                 WHEN EXISTS (SELECT 1 FROM buddy_answers a JOIN buddy_pairs p ON p.id = a.pair_id
                              WHERE p.round_id = $2 AND a.user_id = buddy_members.user_id)
                   OR EXISTS (SELECT 1 FROM checkins c
                              WHERE c.group_id = $1 AND c.user_id = buddy_members.user_id AND c.week = $3)
                 THEN 0 ELSE silent + 1 END
             WHERE group_id = $1 AND user_id IN
                 (SELECT m.user_id FROM buddy_pair_members m JOIN buddy_pairs p ON p.id = m.pair_id
                  WHERE p.round_id = $2 AND p.state = 'open')",
        )
        .bind(id)
        .bind(round)
        .bind(week)
        .execute(&mut *tx)
        .await?;
        let paused: Vec<i64> = sqlx::query_scalar(
            "UPDATE buddy_members SET auto_paused = 1 WHERE group_id = $1 AND silent >= $2 AND auto_paused = 0
             RETURNING user_id",
        )
        .bind(id)
        .bind(pause_after)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(paused.into_iter().map(from_db).collect())
    }
    .await)
}

/// A member's rounds in a group: how many they were in, and their latest group (its
/// members and thread; a rematch's when they were rematched).
pub async fn member_rounds(db: &Db, group: GroupScope, user_id: u64) -> Result<(u32, Option<(Vec<u64>, Option<u64>)>)> {
    let _timer = crate::metrics::query("buddies.member_rounds");
    let user = to_db(user_id);
    let rows = fetch!(
        db,
        fetch_all,
        (i64, i64, Option<i64>),
        "SELECT r.id, p.id, p.thread_id FROM buddy_pairs p JOIN buddy_rounds r ON r.id = p.round_id
         JOIN buddy_pair_members m ON m.pair_id = p.id
         WHERE r.group_id = $1 AND m.user_id = $2 ORDER BY r.session DESC, p.id DESC",
        group.id(),
        user
    )?;
    // A rematch puts a member in a second pair of the same round.
    let rounds: std::collections::HashSet<i64> = rows.iter().map(|(r, _, _)| *r).collect();
    let count = u32::try_from(rounds.len()).unwrap_or(u32::MAX);
    let Some((_, pair, thread)) = rows.first().copied() else { return Ok((0, None)) };
    let members = fetch!(
        db,
        fetch_all,
        (i64,),
        "SELECT user_id FROM buddy_pair_members WHERE pair_id = $1 ORDER BY user_id",
        pair
    )?;
    Ok((count, Some((members.into_iter().map(|(u,)| from_db(u)).collect(), thread.map(from_db)))))
}

/// What a round's eligibility looks at for each opted-in member of the group, in two queries:
/// the week their membership counts from, and the weeks they checked in for.
pub async fn activity(db: &Db, group: GroupScope) -> Result<std::collections::HashMap<u64, (u32, Vec<u32>)>> {
    let _timer = crate::metrics::query("buddies.activity");
    let joined = fetch!(
        db,
        fetch_all,
        (i64, i64),
        "SELECT b.user_id, gm.joined_week FROM buddy_members b
         JOIN group_members gm ON gm.group_id = b.group_id AND gm.user_id = b.user_id WHERE b.group_id = $1",
        group.id()
    )?;
    let checked = fetch!(
        db,
        fetch_all,
        (i64, i64),
        "SELECT c.user_id, c.week FROM checkins c
         JOIN buddy_members b ON b.group_id = c.group_id AND b.user_id = c.user_id WHERE c.group_id = $1
         ORDER BY c.user_id, c.week",
        group.id()
    )?;
    let mut out = std::collections::HashMap::new();
    for (user, week) in joined {
        out.insert(from_db(user), (decode_u32("group_members", group.id(), "joined_week", week)?, Vec::new()));
    }
    for (user, week) in checked {
        if let Some((_, weeks)) = out.get_mut(&from_db(user)) {
            weeks.push(decode_u32("checkins", group.id(), "week", week)?);
        }
    }
    Ok(out)
}

/// A "partner unreachable" report on a pair (table `buddy_reports`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub reporter: u64,
    /// `waiting`, `here`, `rematched`, `nobody` or `lapsed`.
    pub outcome: String,
    /// Until when the others may say they are there (while waiting).
    pub confirm_by: Option<DateTime<Utc>>,
}

/// A member of an open pair of the group's latest round: (pair, its members). The latest
/// pair when they are in two (a rematch).
pub async fn current_pair(db: &Db, group: GroupScope, user_id: u64) -> Result<Option<(i64, Vec<u64>)>> {
    let _timer = crate::metrics::query("buddies.current_pair");
    let user = to_db(user_id);
    let pair = fetch!(
        db,
        fetch_optional,
        (i64,),
        "SELECT p.id FROM buddy_pairs p JOIN buddy_pair_members m ON m.pair_id = p.id
         WHERE m.user_id = $2 AND p.state = 'open' AND p.round_id =
             (SELECT id FROM buddy_rounds WHERE group_id = $1 ORDER BY session DESC LIMIT 1)
         ORDER BY p.id DESC LIMIT 1",
        group.id(),
        user
    )?;
    let Some((pair,)) = pair else { return Ok(None) };
    Ok(pair_in_guild(db, group.guild_id(), pair).await?.map(|(_, members)| (pair, members)))
}

/// Whether pair `pair_id` is open and of its group's latest round (a report is about the
/// round in progress).
pub async fn pair_is_current(db: &Db, pair_id: i64) -> Result<bool> {
    let _timer = crate::metrics::query("buddies.pair_is_current");
    let row = fetch!(
        db,
        fetch_optional,
        (i64,),
        "SELECT p.id FROM buddy_pairs p JOIN buddy_rounds r ON r.id = p.round_id
         WHERE p.id = $1 AND p.state = 'open'
           AND r.session = (SELECT MAX(x.session) FROM buddy_rounds x WHERE x.group_id = r.group_id)",
        pair_id
    )?;
    Ok(row.is_some())
}

/// Records `reporter`'s "partner unreachable" on the pair, the others asked at once (the ask
/// is due now) until `confirm_by`; false when the pair has a report already.
pub async fn report(
    db: &Db,
    guild_id: u64,
    pair_id: i64,
    reporter: u64,
    now: DateTime<Utc>,
    confirm_by: DateTime<Utc>,
) -> Result<bool> {
    let _timer = crate::metrics::query("buddies.report");
    let (guild, user) = (to_db(guild_id), to_db(reporter));
    let n = execute!(
        db,
        "INSERT INTO buddy_reports (pair_id, guild_id, reporter_id, reported_at, confirm_by, notice_due)
         VALUES ($1, $2, $3, $4, $5, $4) ON CONFLICT (pair_id) DO NOTHING",
        pair_id,
        guild,
        user,
        now,
        confirm_by
    )?;
    Ok(n == 1)
}

/// The pair's report, if any.
pub async fn report_of(db: &Db, pair_id: i64) -> Result<Option<Report>> {
    let _timer = crate::metrics::query("buddies.report_of");
    let row = fetch!(
        db,
        fetch_optional,
        (i64, String, Option<DateTime<Utc>>),
        "SELECT reporter_id, outcome, confirm_by FROM buddy_reports WHERE pair_id = $1",
        pair_id
    )?;
    Ok(row.map(|(reporter, outcome, confirm_by)| Report { reporter: from_db(reporter), outcome, confirm_by }))
}

/// Someone of the pair is there after all ("I'm here" before `confirm_by`, or "We met"):
/// the report is settled, nobody is rematched. False when it was not waiting (or too late,
/// for a `now`).
pub async fn report_answered(db: &Db, pair_id: i64, now: Option<DateTime<Utc>>) -> Result<bool> {
    let _timer = crate::metrics::query("buddies.report_answered");
    let n = match now {
        Some(now) => execute!(
            db,
            "UPDATE buddy_reports SET outcome = 'here', confirm_by = NULL, notice_due = NULL
             WHERE pair_id = $1 AND outcome = 'waiting' AND confirm_by > $2",
            pair_id,
            now
        )?,
        None => execute!(
            db,
            "UPDATE buddy_reports SET outcome = 'here', confirm_by = NULL, notice_due = NULL
             WHERE pair_id = $1 AND outcome = 'waiting'",
            pair_id
        )?,
    };
    Ok(n == 1)
}

/// A message about a report to post in the pair's thread: the ask (`outcome` waiting) or
/// the outcome (rematched, nobody).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueNotice {
    pub pair_id: i64,
    pub guild_id: u64,
    pub thread_id: u64,
    pub reporter: u64,
    pub members: Vec<u64>,
    pub outcome: String,
    pub confirm_by: Option<DateTime<Utc>>,
    /// An earlier attempt was made: look for the message first.
    pub tried: bool,
}

/// Claims the report messages due at `now` on this process's shards, at most `limit`: the due
/// instant becomes a lease until `lease`.
pub async fn claim_notices(
    db: &Db,
    now: DateTime<Utc>,
    lease: DateTime<Utc>,
    shards: (u32, u32, u32),
    limit: i64,
) -> Result<Vec<DueNotice>> {
    let _timer = crate::metrics::query("buddies.claim_notices");
    let (total, first, last) = super::shard_binds(shards);
    let due = fetch!(
        db,
        fetch_all,
        (i64, i64, Option<i64>, i64, String, Option<DateTime<Utc>>, Option<DateTime<Utc>>),
        "SELECT x.pair_id, x.guild_id, p.thread_id, x.reporter_id, x.outcome, x.confirm_by, x.notice_claimed
         FROM buddy_reports x JOIN buddy_pairs p ON p.id = x.pair_id
         WHERE x.notice_due <= $1 AND (x.guild_id >> 22) % $2 BETWEEN $3 AND $4
         ORDER BY x.notice_due LIMIT $5",
        now,
        total,
        first,
        last,
        limit
    )?;
    let mut out = Vec::new();
    for (pair, guild, thread, reporter, outcome, confirm_by, claimed) in due {
        let n = execute!(
            db,
            "UPDATE buddy_reports SET notice_due = $3, notice_claimed = COALESCE(notice_claimed, $2)
             WHERE pair_id = $1 AND notice_due <= $2",
            pair,
            now,
            lease
        )?;
        if n != 1 {
            continue;
        }
        let Some(thread) = thread else {
            notice_done(db, pair).await?;
            continue;
        };
        let members = fetch!(
            db,
            fetch_all,
            (i64,),
            "SELECT user_id FROM buddy_pair_members WHERE pair_id = $1 ORDER BY user_id",
            pair
        )?;
        out.push(DueNotice {
            pair_id: pair,
            guild_id: from_db(guild),
            thread_id: from_db(thread),
            reporter: from_db(reporter),
            members: members.into_iter().map(|(u,)| from_db(u)).collect(),
            outcome,
            confirm_by,
            tried: claimed.is_some(),
        });
    }
    Ok(out)
}

/// The report's message is posted (or given up).
pub async fn notice_done(db: &Db, pair_id: i64) -> Result<()> {
    let _timer = crate::metrics::query("buddies.notice_done");
    execute!(db, "UPDATE buddy_reports SET notice_due = NULL, notice_claimed = NULL WHERE pair_id = $1", pair_id)?;
    Ok(())
}

/// The rounds, on this process's shards, with reports whose 48 hours ran out unanswered at
/// `now`: (guild, group, round), at most `limit`.
pub async fn expired_rounds(
    db: &Db,
    now: DateTime<Utc>,
    shards: (u32, u32, u32),
    limit: i64,
) -> Result<Vec<(u64, i64, i64)>> {
    let _timer = crate::metrics::query("buddies.expired_rounds");
    let (total, first, last) = super::shard_binds(shards);
    let rows = fetch!(
        db,
        fetch_all,
        (i64, i64, i64),
        "SELECT DISTINCT r.guild_id, r.group_id, r.id FROM buddy_reports x
         JOIN buddy_pairs p ON p.id = x.pair_id JOIN buddy_rounds r ON r.id = p.round_id
         WHERE x.confirm_by <= $1 AND (x.guild_id >> 22) % $2 BETWEEN $3 AND $4
           AND NOT EXISTS (SELECT 1 FROM removed_servers s WHERE s.guild_id = x.guild_id)
         ORDER BY r.id LIMIT $5",
        now,
        total,
        first,
        last,
        limit
    )?;
    Ok(rows.into_iter().map(|(g, group, round)| (from_db(g), group, round)).collect())
}

/// Takes the round's rematch lease until `lease` (one process decides a round's rematches at
/// a time); false when another process holds it.
pub async fn lease_round(db: &Db, round_id: i64, now: DateTime<Utc>, lease: DateTime<Utc>) -> Result<bool> {
    let _timer = crate::metrics::query("buddies.lease_round");
    let n = execute!(
        db,
        "UPDATE buddy_rounds SET rematch_lease = $3 WHERE id = $1 AND (rematch_lease IS NULL OR rematch_lease <= $2)",
        round_id,
        now,
        lease
    )?;
    Ok(n == 1)
}

/// Gives the round's rematch lease back.
pub async fn release_round(db: &Db, round_id: i64) -> Result<()> {
    let _timer = crate::metrics::query("buddies.release_round");
    execute!(db, "UPDATE buddy_rounds SET rematch_lease = NULL WHERE id = $1", round_id)?;
    Ok(())
}

/// A round to rematch in: its session and week, everyone in one of its groups, and its
/// reports that ran out at `now` unanswered: (pair, reporter, the pair's members).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RematchRound {
    pub session: u32,
    pub week: u32,
    pub in_round: Vec<u64>,
    pub expired: Vec<(i64, u64, Vec<u64>)>,
}

/// What deciding a round's rematches looks at (see [`RematchRound`]).
pub async fn rematch_round(db: &Db, round_id: i64, now: DateTime<Utc>) -> Result<Option<RematchRound>> {
    let _timer = crate::metrics::query("buddies.rematch_round");
    let Some((session, week)) =
        fetch!(db, fetch_optional, (i64, i64), "SELECT session, week FROM buddy_rounds WHERE id = $1", round_id)?
    else {
        return Ok(None);
    };
    let members = fetch!(
        db,
        fetch_all,
        (i64, i64),
        "SELECT p.id, m.user_id FROM buddy_pairs p JOIN buddy_pair_members m ON m.pair_id = p.id
         WHERE p.round_id = $1 ORDER BY p.id, m.user_id",
        round_id
    )?;
    let reports = fetch!(
        db,
        fetch_all,
        (i64, i64),
        "SELECT x.pair_id, x.reporter_id FROM buddy_reports x JOIN buddy_pairs p ON p.id = x.pair_id
         WHERE p.round_id = $1 AND x.confirm_by <= $2 ORDER BY x.pair_id",
        round_id,
        now
    )?;
    let mut in_round: Vec<u64> = members.iter().map(|(_, u)| from_db(*u)).collect();
    in_round.sort_unstable();
    in_round.dedup();
    let expired = reports
        .into_iter()
        .map(|(pair, reporter)| {
            let of_pair = members.iter().filter(|(p, _)| *p == pair).map(|(_, u)| from_db(*u)).collect();
            (pair, from_db(reporter), of_pair)
        })
        .collect();
    Ok(Some(RematchRound {
        session: decode_u32("buddy_rounds", round_id, "session", session)?,
        week: decode_u32("buddy_rounds", round_id, "week", week)?,
        in_round,
        expired,
    }))
}

/// Settles a round's expired reports (pair, outcome: `rematched`, `nobody` or `lapsed`) and
/// records its new pairs (members, proposer, the reported pair it replaces), in one
/// transaction; false, with nothing written, when one of the reports was settled meanwhile.
/// A rematched or unmatched reporter's thread gets a message (due at `now`); a rematched
/// pair's check-back is off.
pub async fn settle_rematches(
    db: &Db,
    round_id: i64,
    guild_id: u64,
    outcomes: &[(i64, &str)],
    groups: &[(Vec<u64>, u64, i64)],
    now: DateTime<Utc>,
) -> Result<bool> {
    let _timer = crate::metrics::query("buddies.settle_rematches");
    let guild = to_db(guild_id);
    with_pool!(db, p => async {
        let mut tx = p.begin().await?;
        for (pair, outcome) in outcomes {
            let n = sqlx::query(
                "UPDATE buddy_reports SET outcome = $2, confirm_by = NULL, notice_due = $3, notice_claimed = NULL
                 WHERE pair_id = $1 AND outcome = 'waiting'",
            )
            .bind(pair)
            .bind(*outcome)
            // A lapsed report says nothing more.
            .bind((*outcome != "lapsed").then_some(now))
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n != 1 {
                tx.rollback().await?;
                return Ok::<_, Error>(false);
            }
            if *outcome == "rematched" {
                sqlx::query("UPDATE buddy_pairs SET checkback_due = NULL WHERE id = $1")
                    .bind(pair)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        let next: Vec<i64> =
            sqlx::query_scalar("SELECT COALESCE(MAX(idx), -1) + 1 FROM buddy_pairs WHERE round_id = $1")
                .bind(round_id)
                .fetch_all(&mut *tx)
                .await?;
        for (idx, (members, proposer, of)) in (next.first().copied().unwrap_or(0)..).zip(groups) {
            let pair: i64 = sqlx::query_scalar(
                "INSERT INTO buddy_pairs (round_id, guild_id, idx, proposer, rematch_of) VALUES ($1, $2, $3, $4, $5)
                 RETURNING id",
            )
            .bind(round_id)
            .bind(guild)
            .bind(idx)
            .bind(to_db(*proposer))
            .bind(of)
            .fetch_one(&mut *tx)
            .await?;
            for user in members {
                sqlx::query("INSERT INTO buddy_pair_members (pair_id, guild_id, user_id) VALUES ($1, $2, $3)")
                    .bind(pair)
                    .bind(guild)
                    .bind(to_db(*user))
                    .execute(&mut *tx)
                    .await?;
            }
        }
        tx.commit().await?;
        Ok(true)
    }
    .await)
}

/// Rematch pairs not open yet on this process's shards (a process died opening them, or a
/// passing failure): (guild, group, round week, pair), at most `limit`.
pub async fn pending_rematches(db: &Db, shards: (u32, u32, u32), limit: i64) -> Result<Vec<(u64, i64, u32, PairRow)>> {
    let _timer = crate::metrics::query("buddies.pending_rematches");
    let (total, first, last) = super::shard_binds(shards);
    let rows = fetch!(
        db,
        fetch_all,
        (i64, i64, i64, i64, i64, i64, Option<i64>, String, Option<DateTime<Utc>>, i64),
        "SELECT p.guild_id, r.group_id, r.week, p.id, p.idx, p.proposer, p.thread_id, p.state, p.claimed_at, m.user_id
         FROM buddy_pairs p JOIN buddy_rounds r ON r.id = p.round_id JOIN buddy_pair_members m ON m.pair_id = p.id
         WHERE p.id IN (SELECT q.id FROM buddy_pairs q
             WHERE q.rematch_of IS NOT NULL AND q.state IN ('new', 'claimed') AND (q.guild_id >> 22) % $1 BETWEEN $2 AND $3
               AND NOT EXISTS (SELECT 1 FROM removed_servers s WHERE s.guild_id = q.guild_id)
             ORDER BY q.id LIMIT $4)
         ORDER BY p.id, m.user_id",
        total,
        first,
        last,
        limit
    )?;
    let mut out: Vec<(u64, i64, u32, PairRow)> = Vec::new();
    for (guild, group, week, id, idx, proposer, thread, state, claimed_at, user) in rows {
        if out.last().is_none_or(|(_, _, _, p)| p.id != id) {
            out.push((
                from_db(guild),
                group,
                decode_u32("buddy_rounds", id, "week", week)?,
                PairRow {
                    id,
                    idx: decode_u32("buddy_pairs", id, "idx", idx)?,
                    members: Vec::new(),
                    proposer: from_db(proposer),
                    thread_id: thread.map(from_db),
                    state,
                    claimed_at,
                },
            ));
        }
        out.last_mut().expect("pushed above").3.members.push(from_db(user));
    }
    Ok(out)
}
