//! Study sessions as Discord events (tables `group_events`, `session_events`,
//! `event_interest`): a group's choices, when its events are next due to be brought in line
//! with its calendar, the events the bot made (each claimed before its create request: one
//! process, one create), and who said they were interested.

use super::{Db, Error, Result, decode_u32, execute, fetch, from_db, scalar, to_db, with_pool};
use crate::model::GroupScope;
use crate::report::EventInterest;
use crate::session_events::{Started, Stored, Wanted};
use chrono::{DateTime, Utc};

/// A group's event choices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventSettings {
    /// The voice channel of its events (the bot starts them), or none: external events.
    pub channel_id: Option<u64>,
    pub minutes: u32,
    /// Where an external event says it is (none: a link to the group's channel).
    pub location: Option<String>,
    /// `false` once turned off (or the group deleted): the job removes the events to come,
    /// then the row.
    pub enabled: bool,
    /// Why the last pass stopped for good (Discord's refusal, in moderators' words).
    pub error: Option<String>,
}

/// A group whose events are due for a pass, with its choices. The group may be gone (deleted
/// since): then only its events to come are removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueEvents {
    pub guild_id: u64,
    pub group_id: i64,
    pub settings: EventSettings,
}

type SettingsRow = (Option<i64>, i64, Option<String>, i64, Option<String>);

fn decode_settings(group_id: i64, (channel, minutes, location, enabled, error): SettingsRow) -> Result<EventSettings> {
    Ok(EventSettings {
        channel_id: channel.map(from_db),
        minutes: decode_u32("group_events", group_id, "minutes", minutes)?,
        location,
        enabled: enabled != 0,
        error,
    })
}

/// Turns a group's events on (or changes them): due for a pass now.
pub async fn turn_on(
    db: &Db,
    group: GroupScope,
    channel_id: Option<u64>,
    minutes: u32,
    location: Option<&str>,
    now: DateTime<Utc>,
) -> Result<()> {
    let _timer = crate::metrics::query("events.turn_on");
    let guild = to_db(group.guild_id());
    let (channel, minutes) = (channel_id.map(to_db), i64::from(minutes));
    execute!(
        db,
        "INSERT INTO group_events (group_id, guild_id, channel_id, minutes, location, enabled, sync_at, error)
         VALUES ($1, $2, $3, $4, $5, 1, $6, NULL)
         ON CONFLICT (group_id) DO UPDATE SET channel_id = excluded.channel_id, minutes = excluded.minutes,
             location = excluded.location, enabled = 1, sync_at = excluded.sync_at, error = NULL",
        group.id(),
        guild,
        channel,
        minutes,
        location,
        now
    )?;
    Ok(())
}

/// Turns a group's events off: the next pass removes the events of sessions to come. False
/// when they were not on.
pub async fn turn_off(db: &Db, group: GroupScope, now: DateTime<Utc>) -> Result<bool> {
    let _timer = crate::metrics::query("events.turn_off");
    let n = execute!(
        db,
        "UPDATE group_events SET enabled = 0, sync_at = $2, error = NULL WHERE group_id = $1 AND enabled = 1",
        group.id(),
        now
    )?;
    Ok(n == 1)
}

/// A group's event choices, if it ever turned events on.
pub async fn settings(db: &Db, group: GroupScope) -> Result<Option<EventSettings>> {
    let _timer = crate::metrics::query("events.settings");
    let row = fetch!(
        db,
        fetch_optional,
        SettingsRow,
        "SELECT channel_id, minutes, location, enabled, error FROM group_events WHERE group_id = $1",
        group.id()
    )?;
    row.map(|r| decode_settings(group.id(), r)).transpose()
}

/// The event choices of the server's groups that have events on (or are removing them):
/// group id -> choices, for `/group list`, the overview and the digest.
pub async fn guild_settings(db: &Db, guild_id: u64) -> Result<Vec<(i64, EventSettings)>> {
    let _timer = crate::metrics::query("events.guild_settings");
    let guild = to_db(guild_id);
    let rows = fetch!(
        db,
        fetch_all,
        (i64, Option<i64>, i64, Option<String>, i64, Option<String>),
        "SELECT group_id, channel_id, minutes, location, enabled, error FROM group_events WHERE guild_id = $1
         ORDER BY group_id",
        guild
    )?;
    rows.into_iter().map(|(id, c, m, l, e, err)| Ok((id, decode_settings(id, (c, m, l, e, err))?))).collect()
}

/// Every group of the server is due for a pass now (its calendar, or a setting its events
/// show, changed). Served by the index on `guild_id`.
pub async fn touch_guild(db: &Db, guild_id: u64, now: DateTime<Utc>) -> Result<()> {
    let _timer = crate::metrics::query("events.touch_guild");
    let guild = to_db(guild_id);
    execute!(db, "UPDATE group_events SET sync_at = $2 WHERE guild_id = $1", guild, now)?;
    Ok(())
}

/// The groups of this process's shards due for a pass at `now`, in servers the bot is in, at
/// most `limit`. Served by the partial index on `sync_at`.
pub async fn due(db: &Db, now: DateTime<Utc>, shards: (u32, u32, u32), limit: i64) -> Result<Vec<DueEvents>> {
    let _timer = crate::metrics::query("events.due");
    let (total, first, last) = super::shard_binds(shards);
    let rows = fetch!(
        db,
        fetch_all,
        (i64, i64, Option<i64>, i64, Option<String>, i64, Option<String>),
        "SELECT e.guild_id, e.group_id, e.channel_id, e.minutes, e.location, e.enabled, e.error FROM group_events e
         WHERE e.sync_at <= $1 AND (e.guild_id >> 22) % $2 BETWEEN $3 AND $4
           AND NOT EXISTS (SELECT 1 FROM removed_servers r WHERE r.guild_id = e.guild_id)
         ORDER BY e.sync_at LIMIT $5",
        now,
        total,
        first,
        last,
        limit
    )?;
    rows.into_iter()
        .map(|(g, id, c, m, l, e, err)| {
            Ok(DueEvents { guild_id: from_db(g), group_id: id, settings: decode_settings(id, (c, m, l, e, err))? })
        })
        .collect()
}

/// After a pass: the next one at `next` (none: until something changes), and the refusal
/// that stopped this one, if any. A group turned off whose events to come are all gone loses
/// its row, and a deleted group its events' rows too.
pub async fn passed(db: &Db, due: &DueEvents, next: Option<DateTime<Utc>>, error: Option<&str>) -> Result<()> {
    let _timer = crate::metrics::query("events.passed");
    let id = due.group_id;
    execute!(db, "UPDATE group_events SET sync_at = $2, error = $3 WHERE group_id = $1", id, next, error)?;
    if !due.settings.enabled {
        let n = execute!(
            db,
            "DELETE FROM group_events WHERE group_id = $1 AND enabled = 0 AND sync_at IS NULL
               AND NOT EXISTS (SELECT 1 FROM session_events s WHERE s.group_id = $1 AND s.event_id IS NULL)",
            id
        )?;
        if n == 1 {
            execute!(
                db,
                "DELETE FROM session_events WHERE group_id = $1
                   AND NOT EXISTS (SELECT 1 FROM study_groups g WHERE g.id = $1)",
                id
            )?;
        }
    }
    Ok(())
}

/// A session's event row: its event (none yet: claimed, being created) and what it says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRow {
    pub event_id: Option<u64>,
    /// The voice channel the event is in (none: external).
    pub channel_id: Option<u64>,
    pub claimed_at: DateTime<Utc>,
    pub owner: Option<String>,
    pub started: Started,
    /// How many said they were interested, once read at the start.
    pub interested: Option<u32>,
    pub stored: Stored,
}

type Row = (
    i64,
    Option<i64>,
    Option<i64>,
    DateTime<Utc>,
    DateTime<Utc>,
    String,
    String,
    DateTime<Utc>,
    Option<String>,
    i64,
    Option<i64>,
);

/// The group's event rows, by session.
pub async fn rows(db: &Db, group_id: i64) -> Result<Vec<EventRow>> {
    let _timer = crate::metrics::query("events.rows");
    let rows = fetch!(
        db,
        fetch_all,
        Row,
        "SELECT session, event_id, channel_id, start_at, end_at, name, description, claimed_at, owner, started,
             interested
         FROM session_events WHERE group_id = $1 ORDER BY session",
        group_id
    )?;
    rows.into_iter()
        .map(|(session, event_id, channel, start, end, name, description, claimed_at, owner, started, interested)| {
            let session = decode_u32("session_events", group_id, "session", session)?;
            let started = match started {
                0 => Started::No,
                1 => Started::Yes,
                2 => Started::Ended,
                v => {
                    return Err(Error::Corrupt {
                        table: "session_events",
                        row: group_id,
                        what: "started",
                        value: v.to_string(),
                    });
                }
            };
            let interested = interested.map(|n| decode_u32("session_events", group_id, "interested", n)).transpose()?;
            let event = event_id.map(from_db);
            Ok(EventRow {
                event_id: event,
                channel_id: channel.map(from_db),
                claimed_at,
                owner,
                started,
                interested,
                stored: Stored { session, event_id: event.unwrap_or(0), start, end, name, description },
            })
        })
        .collect()
}

/// Claims a session's event before the create request; false when it is claimed already.
pub async fn claim(db: &Db, due: &DueEvents, w: &Wanted, channel_id: Option<u64>, now: DateTime<Utc>) -> Result<bool> {
    let _timer = crate::metrics::query("events.claim");
    let guild = to_db(due.guild_id);
    let (session, channel) = (i64::from(w.session), channel_id.map(to_db));
    let n = execute!(
        db,
        "INSERT INTO session_events (group_id, session, guild_id, event_id, channel_id, start_at, end_at, name,
             description, claimed_at, owner)
         VALUES ($1, $2, $3, NULL, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING",
        due.group_id,
        session,
        guild,
        channel,
        w.start,
        w.end,
        &w.name,
        &w.description,
        now,
        db.worker()
    )?;
    Ok(n == 1)
}

/// Takes over a claim whose create never completed (its process stopped), claimed at or
/// before `stale`; false when another process took it or it completed.
pub async fn retake(db: &Db, group_id: i64, session: u32, stale: DateTime<Utc>, now: DateTime<Utc>) -> Result<bool> {
    let _timer = crate::metrics::query("events.retake");
    let session = i64::from(session);
    let n = execute!(
        db,
        "UPDATE session_events SET claimed_at = $4, owner = $5
         WHERE group_id = $1 AND session = $2 AND event_id IS NULL AND claimed_at <= $3",
        group_id,
        session,
        stale,
        now,
        db.worker()
    )?;
    Ok(n == 1)
}

/// Records a session's event as Discord has it now (made, found, or changed).
pub async fn record(db: &Db, group_id: i64, event_id: u64, w: &Wanted, channel_id: Option<u64>) -> Result<()> {
    let _timer = crate::metrics::query("events.record");
    let (session, event, channel) = (i64::from(w.session), to_db(event_id), channel_id.map(to_db));
    execute!(
        db,
        "UPDATE session_events SET event_id = $3, channel_id = $4, start_at = $5, end_at = $6, name = $7,
             description = $8
         WHERE group_id = $1 AND session = $2",
        group_id,
        session,
        event,
        channel,
        w.start,
        w.end,
        &w.name,
        &w.description
    )?;
    Ok(())
}

/// The session's event started or ended (see [`Started`]).
pub async fn mark_started(db: &Db, group_id: i64, session: u32, state: Started) -> Result<()> {
    let _timer = crate::metrics::query("events.mark_started");
    let session = i64::from(session);
    let state: i64 = match state {
        Started::No => 0,
        Started::Yes => 1,
        Started::Ended => 2,
    };
    execute!(
        db,
        "UPDATE session_events SET started = $3 WHERE group_id = $1 AND session = $2",
        group_id,
        session,
        state
    )?;
    Ok(())
}

/// Forgets a session's event (deleted, or its create failed).
pub async fn forget(db: &Db, group_id: i64, session: u32) -> Result<()> {
    let _timer = crate::metrics::query("events.forget");
    let session = i64::from(session);
    execute!(db, "DELETE FROM session_events WHERE group_id = $1 AND session = $2", group_id, session)?;
    Ok(())
}

/// Records who said they were interested in a session's event, read at its start: the count
/// of everyone, and each of `users` who is a member of the group (others are only counted).
/// One transaction.
pub async fn record_interest(db: &Db, group: GroupScope, session: u32, count: u32, users: &[u64]) -> Result<()> {
    let _timer = crate::metrics::query("events.record_interest");
    let (id, guild, session, count) = (group.id(), to_db(group.guild_id()), i64::from(session), i64::from(count));
    with_pool!(db, p => async {
        let mut tx = p.begin().await?;
        sqlx::query("UPDATE session_events SET interested = $3 WHERE group_id = $1 AND session = $2")
            .bind(id)
            .bind(session)
            .bind(count)
            .execute(&mut *tx)
            .await?;
        for user in users {
            sqlx::query(
                "INSERT INTO event_interest (group_id, guild_id, session, user_id)
                 SELECT $1, $2, $3, $4 WHERE EXISTS
                     (SELECT 1 FROM group_members m WHERE m.group_id = $1 AND m.user_id = $4)
                 ON CONFLICT DO NOTHING",
            )
            .bind(id)
            .bind(guild)
            .bind(session)
            .bind(to_db(*user))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok::<_, Error>(())
    }
    .await)
}

/// Who said they were interested in each of the group's sessions whose event started (read
/// at the start), by session: how many, and the group's members among them.
pub async fn interest(db: &Db, group: GroupScope) -> Result<Vec<EventInterest>> {
    let _timer = crate::metrics::query("events.interest");
    let counts = fetch!(
        db,
        fetch_all,
        (i64, i64),
        "SELECT session, interested FROM session_events WHERE group_id = $1 AND interested IS NOT NULL
         ORDER BY session",
        group.id()
    )?;
    let members = fetch!(
        db,
        fetch_all,
        (i64, i64),
        "SELECT session, user_id FROM event_interest WHERE group_id = $1 ORDER BY session, user_id",
        group.id()
    )?;
    let mut out = Vec::with_capacity(counts.len());
    for (session, count) in counts {
        out.push(EventInterest {
            session: decode_u32("session_events", group.id(), "session", session)?,
            count: decode_u32("session_events", group.id(), "interested", count)?,
            members: members.iter().filter(|(s, _)| *s == session).map(|(_, u)| from_db(*u)).collect(),
        });
    }
    Ok(out)
}

/// The server's events the bot keeps that have not ended by `now` (Discord's cap counts
/// scheduled and active events), and those of a group being turned on are not counted twice:
/// `except` is left out.
pub async fn upcoming_in_guild(db: &Db, guild_id: u64, except: i64, now: DateTime<Utc>) -> Result<u32> {
    let _timer = crate::metrics::query("events.upcoming_in_guild");
    let guild = to_db(guild_id);
    let n = scalar!(
        db,
        fetch_one,
        i64,
        "SELECT COUNT(*) FROM session_events WHERE guild_id = $1 AND end_at > $2 AND group_id <> $3",
        guild,
        now,
        except
    )?;
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}

/// The server's groups with events on, other than `except` (each will keep up to
/// [`crate::session_events::WINDOW`] events).
pub async fn enabled_in_guild(db: &Db, guild_id: u64, except: i64) -> Result<u32> {
    let _timer = crate::metrics::query("events.enabled_in_guild");
    let guild = to_db(guild_id);
    let n = scalar!(
        db,
        fetch_one,
        i64,
        "SELECT COUNT(*) FROM group_events WHERE guild_id = $1 AND enabled = 1 AND group_id <> $2",
        guild,
        except
    )?;
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}
