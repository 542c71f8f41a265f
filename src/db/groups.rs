//! Study groups and their breaks (skipped weeks, pauses). Scoped by guild.

use super::{Db, Result, decode, decode_u32, from_db, to_db};
use crate::model::{Break, BreakKind, Calendar, CalendarAction, CalendarChange, Group, GroupSettings, Mark, Missed};
use chrono::{DateTime, Utc};
use sqlx::{Sqlite, Transaction};

type SettingsBinds = (i64, Option<i64>, String, i64, String, &'static str, i64);

fn settings_binds(s: &GroupSettings) -> SettingsBinds {
    (
        to_db(s.channel_id),
        s.mention_role_id.map(to_db),
        s.schedule.start_date.format("%Y-%m-%d").to_string(),
        i64::from(s.schedule.weekday.num_days_from_monday()),
        s.schedule.time.format("%H:%M").to_string(),
        s.schedule.tz.name(),
        i64::from(s.schedule.every_weeks),
    )
}

/// Decodes a stored group row strictly: a schedule that does not parse is an error. Used
/// by every query that selects a whole group (here and in `reports`).
macro_rules! group_row {
    ($r:expr) => {{
        let r = $r;
        let schedule =
            $crate::model::Schedule::from_parts(&r.start_date, r.weekday, &r.post_time, &r.timezone, r.every_weeks)
                .map_err(|e| $crate::db::Error::Corrupt {
                    table: "study_groups",
                    row: r.id,
                    what: "schedule",
                    value: e,
                })?;
        let last_error = match (r.last_error, r.last_error_at) {
            (Some(text), Some(at)) => Some($crate::model::DeliveryError { text, at }),
            (None, None) => None,
            (text, at) => {
                return Err($crate::db::Error::Corrupt {
                    table: "study_groups",
                    row: r.id,
                    what: "last_error/last_error_at",
                    value: format!("{text:?} / {at:?}"),
                });
            }
        };
        $crate::model::Group {
            id: r.id,
            guild_id: $crate::db::from_db(r.guild_id),
            name: r.name,
            channel_id: $crate::db::from_db(r.channel_id),
            path_id: r.path_id,
            schedule,
            mention_role_id: r.mention_role_id.map($crate::db::from_db),
            paused: $crate::db::decode("study_groups", r.id, "paused", r.paused, |p| match p {
                0 => Some(false),
                1 => Some(true),
                _ => None,
            })?,
            last_error,
            live_since: r.live_since,
        }
    }};
}
pub(crate) use group_row;

/// Why a group was not inserted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotInserted {
    /// The server already has a group with that name.
    NameTaken,
    /// The server already has `max_groups` groups.
    Full,
}

/// Inserts a group unless the server has a group of that name or already `max_groups`
/// groups (checked in the same statement, so concurrent creates cannot pass the limit).
pub async fn insert(
    db: &Db,
    guild_id: u64,
    s: &GroupSettings,
    created_by: u64,
    now: DateTime<Utc>,
    max_groups: u32,
) -> Result<std::result::Result<i64, NotInserted>> {
    let _timer = crate::metrics::query("groups.insert");
    let guild = to_db(guild_id);
    let max = i64::from(max_groups);
    let (channel, role, start_date, weekday, post_time, timezone, every) = settings_binds(s);
    let by = to_db(created_by);
    let r = sqlx::query!(
        "INSERT INTO study_groups (guild_id, name, channel_id, path_id, start_date, weekday, post_time,
             timezone, mention_role_id, created_by, created_at, updated_at, live_since, every_weeks)
         SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11, ?11, ?12
         WHERE (SELECT COUNT(*) FROM study_groups WHERE guild_id = ?1) < ?13
         ON CONFLICT (guild_id, name) DO NOTHING",
        guild,
        s.name,
        channel,
        s.path_id,
        start_date,
        weekday,
        post_time,
        timezone,
        role,
        by,
        now,
        every,
        max
    )
    .execute(db.sqlite())
    .await?;
    if r.rows_affected() == 1 {
        return Ok(Ok(r.last_insert_rowid()));
    }
    // Refused: say why (only then is the count needed).
    let count = sqlx::query_scalar!("SELECT COUNT(*) FROM study_groups WHERE guild_id = ?", guild)
        .fetch_one(db.sqlite())
        .await?;
    Ok(Err(if count >= max { NotInserted::Full } else { NotInserted::NameTaken }))
}

/// Inserts a group without the per-server limit, for seeding tests and benchmarks (many
/// groups in one fake server). `Ok(None)` when the name is taken.
pub async fn insert_unchecked(
    db: &Db,
    guild_id: u64,
    s: &GroupSettings,
    created_by: u64,
    now: DateTime<Utc>,
) -> Result<Option<i64>> {
    Ok(insert(db, guild_id, s, created_by, now, u32::MAX).await?.ok())
}

/// Updates a group's settings; false when no such group in this guild (or the new name is taken).
pub async fn update(db: &Db, guild_id: u64, id: i64, s: &GroupSettings, now: DateTime<Utc>) -> Result<bool> {
    let _timer = crate::metrics::query("groups.update");
    let guild = to_db(guild_id);
    let (channel, role, start_date, weekday, post_time, timezone, every) = settings_binds(s);
    let r = sqlx::query!(
        "UPDATE OR IGNORE study_groups SET name = ?, channel_id = ?, path_id = ?, start_date = ?, weekday = ?,
             post_time = ?, timezone = ?, mention_role_id = ?, every_weeks = ?, updated_at = ?
         WHERE guild_id = ? AND id = ?",
        s.name,
        channel,
        s.path_id,
        start_date,
        weekday,
        post_time,
        timezone,
        role,
        every,
        now,
        guild,
        id
    )
    .execute(db.sqlite())
    .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn get(db: &Db, guild_id: u64, id: i64) -> Result<Option<Group>> {
    let _timer = crate::metrics::query("groups.get");
    let guild = to_db(guild_id);
    let r = sqlx::query!(
        r#"SELECT id, guild_id, name, channel_id, path_id, start_date, weekday, post_time, timezone,
                mention_role_id, paused, last_error, last_error_at AS "last_error_at: DateTime<Utc>",
                live_since AS "live_since: DateTime<Utc>", every_weeks
         FROM study_groups WHERE guild_id = ? AND id = ?"#,
        guild,
        id
    )
    .fetch_optional(db.sqlite())
    .await?;
    Ok(match r {
        Some(r) => Some(group_row!(r)),
        None => None,
    })
}

/// Groups of a guild, by name.
pub async fn list(db: &Db, guild_id: u64) -> Result<Vec<Group>> {
    let _timer = crate::metrics::query("groups.list");
    let guild = to_db(guild_id);
    let rows = sqlx::query!(
        r#"SELECT id, guild_id, name, channel_id, path_id, start_date, weekday, post_time, timezone,
                mention_role_id, paused, last_error, last_error_at AS "last_error_at: DateTime<Utc>",
                live_since AS "live_since: DateTime<Utc>", every_weeks
         FROM study_groups WHERE guild_id = ? ORDER BY name COLLATE NOCASE"#,
        guild
    )
    .fetch_all(db.sqlite())
    .await?;
    let mut groups = Vec::with_capacity(rows.len());
    for r in rows {
        groups.push(group_row!(r));
    }
    Ok(groups)
}

/// Every group of every guild (the scheduler's sweep; each row carries its guild id).
pub async fn all(db: &Db) -> Result<Vec<Group>> {
    let _timer = crate::metrics::query("groups.all");
    let rows = sqlx::query!(
        r#"SELECT id, guild_id, name, channel_id, path_id, start_date, weekday, post_time, timezone,
                mention_role_id, paused, last_error, last_error_at AS "last_error_at: DateTime<Utc>",
                live_since AS "live_since: DateTime<Utc>", every_weeks
         FROM study_groups ORDER BY id"#
    )
    .fetch_all(db.sqlite())
    .await?;
    let mut groups = Vec::with_capacity(rows.len());
    for r in rows {
        groups.push(group_row!(r));
    }
    Ok(groups)
}

/// Deletes a group and (by cascade) its check-ins, ratings, breaks and posts.
pub async fn delete(db: &Db, guild_id: u64, id: i64) -> Result<bool> {
    let _timer = crate::metrics::query("groups.delete");
    let guild = to_db(guild_id);
    let r =
        sqlx::query!("DELETE FROM study_groups WHERE guild_id = ? AND id = ?", guild, id).execute(db.sqlite()).await?;
    Ok(r.rows_affected() == 1)
}

/// The calendar (breaks and week marks) of a group (the group must already have been
/// checked against the guild).
pub async fn calendar(db: &Db, group_id: i64) -> Result<Calendar> {
    let _timer = crate::metrics::query("groups.calendar");
    let rows = sqlx::query!(
        "SELECT id, kind, from_session, to_session FROM group_breaks WHERE group_id = ? ORDER BY from_session",
        group_id
    )
    .fetch_all(db.sqlite())
    .await?;
    let breaks =
        rows.into_iter().map(|r| decode_break(r.id, &r.kind, r.from_session, r.to_session)).collect::<Result<_>>()?;
    let marks =
        sqlx::query!("SELECT group_id, session, week FROM week_marks WHERE group_id = ? ORDER BY session", group_id)
            .fetch_all(db.sqlite())
            .await?
            .into_iter()
            .map(|r| decode_mark(r.group_id, r.session, r.week))
            .collect::<Result<_>>()?;
    Ok(Calendar { breaks, marks })
}

/// The calendars of every group of a guild, by group.
pub async fn guild_calendars(db: &Db, guild_id: u64) -> Result<std::collections::HashMap<i64, Calendar>> {
    let _timer = crate::metrics::query("groups.guild_calendars");
    let guild = to_db(guild_id);
    let rows = sqlx::query!(
        "SELECT b.id, b.group_id, b.kind, b.from_session, b.to_session
         FROM group_breaks b JOIN study_groups g ON g.id = b.group_id
         WHERE g.guild_id = ? ORDER BY b.group_id, b.from_session",
        guild
    )
    .fetch_all(db.sqlite())
    .await?;
    let mut out: std::collections::HashMap<i64, Calendar> = std::collections::HashMap::new();
    for r in rows {
        out.entry(r.group_id).or_default().breaks.push(decode_break(r.id, &r.kind, r.from_session, r.to_session)?);
    }
    let marks = sqlx::query!(
        "SELECT m.group_id, m.session, m.week FROM week_marks m JOIN study_groups g ON g.id = m.group_id
         WHERE g.guild_id = ? ORDER BY m.group_id, m.session",
        guild
    )
    .fetch_all(db.sqlite())
    .await?;
    for r in marks {
        out.entry(r.group_id).or_default().marks.push(decode_mark(r.group_id, r.session, r.week)?);
    }
    Ok(out)
}

/// Decodes a stored week mark strictly (shared with the report loader).
pub(crate) fn decode_mark(group_id: i64, session: i64, week: i64) -> Result<Mark> {
    Ok(Mark {
        session: decode_u32("week_marks", group_id, "session", session)?,
        week: decode_u32("week_marks", group_id, "week", week)?,
    })
}

/// Decodes a stored break strictly (shared with the report loader).
pub(crate) fn decode_break(id: i64, kind: &str, from: i64, to: Option<i64>) -> Result<Break> {
    Ok(Break {
        kind: decode("group_breaks", id, "kind", kind, |k| BreakKind::parse(k))?,
        from: decode_u32("group_breaks", id, "from_session", from)?,
        to: to.map(|t| decode_u32("group_breaks", id, "to_session", t)).transpose()?,
    })
}

/// Adds a break over sessions `from..to`: a skip (one session, or a holiday range) or a
/// pause with an end (the group posts again at `to` by itself; refused while the group is
/// paused open-ended). False if any of those sessions is already skipped or paused.
pub async fn add_break(
    db: &Db,
    guild_id: u64,
    group_id: i64,
    kind: BreakKind,
    from: u32,
    to: u32,
    now: DateTime<Utc>,
) -> Result<bool> {
    let _timer = crate::metrics::query("groups.add_break");
    let guild = to_db(guild_id);
    let kind = kind.as_str();
    let (from, to) = (i64::from(from), i64::from(to));
    let r = sqlx::query!(
        "INSERT INTO group_breaks (group_id, kind, from_session, to_session, created_at)
         SELECT id, ?6, ?1, ?2, ?3 FROM study_groups
         WHERE guild_id = ?4 AND id = ?5 AND (?6 = 'skip' OR paused = 0)
           AND NOT EXISTS (SELECT 1 FROM group_breaks WHERE group_id = ?5 AND from_session < ?2
                           AND (to_session IS NULL OR to_session > ?1))",
        from,
        to,
        now,
        guild,
        group_id,
        kind
    )
    .execute(db.sqlite())
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Holds skipped session `session` again: removes it from its skip (a range is split in
/// two). False if it was not skipped.
pub async fn unskip(db: &Db, guild_id: u64, group_id: i64, session: u32, now: DateTime<Utc>) -> Result<bool> {
    let _timer = crate::metrics::query("groups.unskip");
    let guild = to_db(guild_id);
    let k = i64::from(session);
    let mut tx = db.sqlite().begin().await?;
    let Some(b) = sqlx::query!(
        "SELECT b.id, b.from_session, b.to_session FROM group_breaks b JOIN study_groups g ON g.id = b.group_id
         WHERE g.guild_id = ?1 AND b.group_id = ?2 AND b.kind = 'skip' AND b.from_session <= ?3
           AND (b.to_session IS NULL OR b.to_session > ?3)",
        guild,
        group_id,
        k
    )
    .fetch_optional(&mut *tx)
    .await?
    else {
        return Ok(false);
    };
    sqlx::query!("DELETE FROM group_breaks WHERE id = ?", b.id).execute(&mut *tx).await?;
    let after = k + 1;
    for (from, to) in [(b.from_session, Some(k)), (after, b.to_session)] {
        if to.is_none_or(|t| t > from) {
            sqlx::query!(
                "INSERT INTO group_breaks (group_id, kind, from_session, to_session, created_at)
                 VALUES (?, 'skip', ?, ?, ?)",
                group_id,
                from,
                to,
                now
            )
            .execute(&mut *tx)
            .await?;
        }
    }
    tx.commit().await?;
    Ok(true)
}

/// From session `session` on, the curriculum continues at week `week` (replaces a mark on
/// the same session). False when the guild has no such group.
pub async fn set_mark(
    db: &Db,
    guild_id: u64,
    group_id: i64,
    session: u32,
    week: u32,
    now: DateTime<Utc>,
) -> Result<bool> {
    let _timer = crate::metrics::query("groups.set_mark");
    let guild = to_db(guild_id);
    let (session, week) = (i64::from(session), i64::from(week));
    let r = sqlx::query!(
        "INSERT INTO week_marks (group_id, session, week, created_at)
         SELECT id, ?, ?, ? FROM study_groups WHERE guild_id = ? AND id = ?
         ON CONFLICT (group_id, session) DO UPDATE SET week = excluded.week, created_at = excluded.created_at",
        session,
        week,
        now,
        guild,
        group_id
    )
    .execute(db.sqlite())
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Records a calendar change.
pub async fn log_change(db: &Db, group_id: i64, c: &CalendarChange) -> Result<()> {
    let _timer = crate::metrics::query("groups.log_change");
    let by = c.by.map(to_db);
    let action = c.action.as_str();
    let session = i64::from(c.session);
    let on = c.on.format("%Y-%m-%d").to_string();
    let until = c.until.map(|(k, _)| i64::from(k));
    let until_date = c.until.map(|(_, d)| d.format("%Y-%m-%d").to_string());
    let week = c.week.map(i64::from);
    sqlx::query!(
        "INSERT INTO calendar_log (group_id, at, user_id, action, session, on_date, until_session, until_date, week)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        group_id,
        c.at,
        by,
        action,
        session,
        on,
        until,
        until_date,
        week
    )
    .execute(db.sqlite())
    .await?;
    Ok(())
}

/// The latest `limit` calendar changes of a group, oldest first.
pub async fn changes(db: &Db, group_id: i64, limit: u32) -> Result<Vec<CalendarChange>> {
    let _timer = crate::metrics::query("groups.changes");
    let limit = i64::from(limit);
    let rows = sqlx::query!(
        r#"SELECT id, at AS "at: DateTime<Utc>", user_id, action, session, on_date, until_session, until_date, week
           FROM calendar_log
           WHERE group_id = ? ORDER BY id DESC LIMIT ?"#,
        group_id,
        limit
    )
    .fetch_all(db.sqlite())
    .await?;
    let mut out = rows
        .into_iter()
        .map(|r| {
            Ok(CalendarChange {
                at: r.at,
                by: r.user_id.map(from_db),
                action: decode("calendar_log", r.id, "action", r.action, |a| CalendarAction::parse(a))?,
                session: decode_u32("calendar_log", r.id, "session", r.session)?,
                on: decode("calendar_log", r.id, "on_date", r.on_date, |d| crate::weeks::parse_date(d))?,
                until: match (r.until_session, r.until_date) {
                    (Some(k), Some(d)) => Some((
                        decode_u32("calendar_log", r.id, "until_session", k)?,
                        decode("calendar_log", r.id, "until_date", d, |d| crate::weeks::parse_date(d))?,
                    )),
                    (None, None) => None,
                    (k, d) => {
                        return Err(super::Error::Corrupt {
                            table: "calendar_log",
                            row: r.id,
                            what: "until_session/until_date",
                            value: format!("{k:?} / {d:?}"),
                        });
                    }
                },
                week: r.week.map(|w| decode_u32("calendar_log", r.id, "week", w)).transpose()?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    out.reverse();
    Ok(out)
}

/// Flips the group's paused flag; false if it already had that value (or is not in the guild).
async fn set_paused(
    tx: &mut Transaction<'_, Sqlite>,
    guild_id: u64,
    group_id: i64,
    paused: bool,
    now: DateTime<Utc>,
) -> Result<bool> {
    let guild = to_db(guild_id);
    let r = sqlx::query!(
        "UPDATE study_groups SET paused = ?, updated_at = ? WHERE guild_id = ? AND id = ? AND paused = ?",
        paused,
        now,
        guild,
        group_id,
        !paused
    )
    .execute(&mut **tx)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Pauses a group from session `from` on (open-ended). False if already paused.
pub async fn pause(db: &Db, guild_id: u64, group_id: i64, from: u32, now: DateTime<Utc>) -> Result<bool> {
    let _timer = crate::metrics::query("groups.pause");
    let from = from as i64;
    let mut tx = db.sqlite().begin().await?;
    if !set_paused(&mut tx, guild_id, group_id, true, now).await? {
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

/// Ends the open pause at session `to` (the first session that will be held again); the
/// group is live again from `now`. A pause that covered no session at all is removed. False
/// if the group was not paused.
pub async fn resume(db: &Db, guild_id: u64, group_id: i64, to: u32, now: DateTime<Utc>) -> Result<bool> {
    let _timer = crate::metrics::query("groups.resume");
    let to = to as i64;
    let mut tx = db.sqlite().begin().await?;
    if !set_paused(&mut tx, guild_id, group_id, false, now).await? {
        // Not paused open-ended: end a pause with an end date early (or drop one that has
        // not begun).
        let guild = to_db(guild_id);
        let owned =
            sqlx::query_scalar!("SELECT COUNT(*) FROM study_groups WHERE guild_id = ? AND id = ?", guild, group_id)
                .fetch_one(&mut *tx)
                .await?;
        if owned == 0 {
            return Ok(false);
        }
        let dropped = sqlx::query!(
            "DELETE FROM group_breaks WHERE group_id = ? AND kind = 'pause' AND to_session > ? AND from_session >= ?",
            group_id,
            to,
            to
        )
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let ended = sqlx::query!(
            "UPDATE group_breaks SET to_session = ? WHERE group_id = ? AND kind = 'pause' AND to_session > ?",
            to,
            group_id,
            to
        )
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        return Ok(dropped + ended > 0);
    }
    sqlx::query!("UPDATE study_groups SET live_since = ? WHERE id = ?", now, group_id).execute(&mut *tx).await?;
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
pub async fn set_error(db: &Db, group_id: i64, error: Option<&str>, now: DateTime<Utc>) -> Result<()> {
    let _timer = crate::metrics::query("groups.set_error");
    let at = error.map(|_| now);
    sqlx::query!("UPDATE study_groups SET last_error = ?, last_error_at = ? WHERE id = ?", error, at, group_id)
        .execute(db.sqlite())
        .await?;
    Ok(())
}

fn decode_missed(
    group_id: i64,
    session: i64,
    week: i64,
    due_at: DateTime<Utc>,
    announced_in: Option<i64>,
) -> Result<Missed> {
    Ok(Missed {
        session: decode_u32("missed_sessions", group_id, "session", session)?,
        week: decode_u32("missed_sessions", group_id, "week", week)?,
        due_at,
        announced: announced_in.is_some(),
    })
}

/// The weeks the bot missed for one group, by session.
pub async fn missed(db: &Db, group_id: i64) -> Result<Vec<Missed>> {
    let _timer = crate::metrics::query("groups.missed");
    let rows = sqlx::query!(
        r#"SELECT group_id, session, week, due_at AS "due_at: DateTime<Utc>", announced_in
           FROM missed_sessions WHERE group_id = ? ORDER BY session"#,
        group_id
    )
    .fetch_all(db.sqlite())
    .await?;
    rows.into_iter().map(|r| decode_missed(r.group_id, r.session, r.week, r.due_at, r.announced_in)).collect()
}

/// The weeks the bot missed for every group of a guild, by group then session.
pub async fn guild_missed(db: &Db, guild_id: u64) -> Result<Vec<(i64, Missed)>> {
    let _timer = crate::metrics::query("groups.guild_missed");
    let guild = to_db(guild_id);
    let rows = sqlx::query!(
        r#"SELECT m.group_id, m.session, m.week, m.due_at AS "due_at: DateTime<Utc>", m.announced_in
           FROM missed_sessions m JOIN study_groups g ON g.id = m.group_id
           WHERE g.guild_id = ? ORDER BY m.group_id, m.session"#,
        guild
    )
    .fetch_all(db.sqlite())
    .await?;
    rows.into_iter()
        .map(|r| Ok((r.group_id, decode_missed(r.group_id, r.session, r.week, r.due_at, r.announced_in)?)))
        .collect()
}

/// Records sessions the bot missed (an earlier record of the same session stays); returns
/// how many were new.
pub async fn record_missed(db: &Db, group_id: i64, missed: &[Missed], now: DateTime<Utc>) -> Result<u64> {
    let _timer = crate::metrics::query("groups.record_missed");
    let mut tx = db.sqlite().begin().await?;
    let mut new = 0;
    for m in missed {
        let (session, week, due_at) = (i64::from(m.session), i64::from(m.week), m.due_at);
        new += sqlx::query!(
            "INSERT INTO missed_sessions (group_id, session, week, due_at, detected_at) VALUES (?, ?, ?, ?, ?)
             ON CONFLICT (group_id, session) DO NOTHING",
            group_id,
            session,
            week,
            due_at,
            now
        )
        .execute(&mut *tx)
        .await?
        .rows_affected();
    }
    tx.commit().await?;
    Ok(new)
}

/// The weekly post `post_id` told the group about the missed sessions before `session`.
pub async fn announce_missed(db: &Db, group_id: i64, session: u32, post_id: i64) -> Result<()> {
    let _timer = crate::metrics::query("groups.announce_missed");
    let session = i64::from(session);
    sqlx::query!(
        "UPDATE missed_sessions SET announced_in = ? WHERE group_id = ? AND session < ? AND announced_in IS NULL",
        post_id,
        group_id,
        session
    )
    .execute(db.sqlite())
    .await?;
    Ok(())
}
