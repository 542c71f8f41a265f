//! Study groups and their breaks (skipped weeks, pauses). Scoped by guild.

use super::{
    Db, Error, Result, decode, decode_u32, execute, fetch, from_db, is_unique_violation, scalar, serialize_on, to_db,
    with_pool,
};
use crate::model::{
    Break, BreakKind, Calendar, CalendarAction, CalendarChange, Group, GroupScope, GroupSettings, Mark, Missed,
};
use chrono::{DateTime, Utc};

/// A stored group row, as selected by [`group_columns`] (here and in `reports`).
#[derive(sqlx::FromRow)]
pub(crate) struct GroupRow {
    pub id: i64,
    pub guild_id: i64,
    pub name: String,
    pub channel_id: i64,
    pub path_id: String,
    pub start_date: String,
    pub weekday: i64,
    pub post_time: String,
    pub timezone: String,
    pub mention_role_id: Option<i64>,
    pub paused: i64,
    pub last_error: Option<String>,
    pub last_error_at: Option<DateTime<Utc>>,
    pub live_since: DateTime<Utc>,
    pub every_weeks: i64,
}

/// The columns of a [`GroupRow`] of `study_groups g`, as a literal for `concat!`.
macro_rules! group_columns {
    () => {
        "g.id, g.guild_id, g.name, g.channel_id, g.path_id, g.start_date, g.weekday, g.post_time, g.timezone,
         g.mention_role_id, g.paused, g.last_error, g.last_error_at, g.live_since, g.every_weeks"
    };
}

/// The stored next-due instant that means "plan this group again at the next tick": every
/// write that can move what a group posts sets it (migration `0012_next_due`).
pub const REPLAN: DateTime<Utc> = DateTime::<Utc>::UNIX_EPOCH;

/// Run in the transaction of every write that can move what group `$2` posts.
const REPLAN_GROUP: &str = "UPDATE study_groups SET next_due_at = $1, replan = replan + 1 WHERE id = $2";

/// [`REPLAN_GROUP`] in the transaction `$tx`.
macro_rules! replan_group {
    ($tx:expr, $group_id:expr) => {
        sqlx::query(REPLAN_GROUP).bind(REPLAN).bind($group_id).execute(&mut *$tx).await?
    };
}

/// Plans every group of server `$guild` (a stored id) again, in the transaction `$tx`.
macro_rules! replan_guild {
    ($tx:expr, $guild:expr) => {
        sqlx::query("UPDATE study_groups SET next_due_at = $1, replan = replan + 1 WHERE guild_id = $2")
            .bind($crate::db::groups::REPLAN)
            .bind($guild)
            .execute(&mut *$tx)
            .await?
    };
}
pub(crate) use replan_guild;

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
                    value: e.to_string(),
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
            scope: $crate::model::GroupScope::checked($crate::db::from_db(r.guild_id), r.id),
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
/// groups (checked in the same statement, and on PostgreSQL under a per-server lock, so
/// concurrent creates cannot pass the limit).
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
    with_pool!(db, p => async {
        let mut tx = p.begin().await?;
        // The server's creates one at a time, so the count below is always the latest.
        serialize_on!(db, tx, guild);
        let id = sqlx::query_scalar::<_, i64>(
            "INSERT INTO study_groups (guild_id, name, channel_id, path_id, start_date, weekday, post_time,
                 timezone, mention_role_id, created_by, created_at, updated_at, live_since, every_weeks)
             SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, $11, $12
             WHERE (SELECT COUNT(*) FROM study_groups WHERE guild_id = $1) < $13
             ON CONFLICT (guild_id, name) DO NOTHING
             RETURNING id",
        )
        .bind(guild)
        .bind(&s.name)
        .bind(channel)
        .bind(&s.path_id)
        .bind(&start_date)
        .bind(weekday)
        .bind(&post_time)
        .bind(timezone)
        .bind(role)
        .bind(by)
        .bind(now)
        .bind(every)
        .bind(max)
        .fetch_all(&mut *tx)
        .await?
        .into_iter()
        .next();
        let outcome = match id {
            Some(id) => Ok(id),
            // Refused: say why (only then is the count needed).
            None => {
                let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM study_groups WHERE guild_id = $1")
                    .bind(guild)
                    .fetch_one(&mut *tx)
                    .await?;
                Err(if count >= max { NotInserted::Full } else { NotInserted::NameTaken })
            }
        };
        tx.commit().await?;
        Ok::<_, Error>(outcome)
    }
    .await)
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
    let r = execute!(
        db,
        "UPDATE study_groups SET name = $1, channel_id = $2, path_id = $3, start_date = $4, weekday = $5,
             post_time = $6, timezone = $7, mention_role_id = $8, every_weeks = $9, updated_at = $10,
             next_due_at = $13, replan = replan + 1
         WHERE guild_id = $11 AND id = $12",
        &s.name,
        channel,
        &s.path_id,
        &start_date,
        weekday,
        &post_time,
        timezone,
        role,
        every,
        now,
        guild,
        id,
        REPLAN
    );
    match r {
        Ok(n) => Ok(n == 1),
        // The new name is taken.
        Err(e) if is_unique_violation(&e) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

pub async fn get(db: &Db, guild_id: u64, id: i64) -> Result<Option<Group>> {
    let _timer = crate::metrics::query("groups.get");
    let guild = to_db(guild_id);
    let r = fetch!(
        db,
        fetch_optional,
        GroupRow,
        concat!("SELECT ", group_columns!(), " FROM study_groups g WHERE g.guild_id = $1 AND g.id = $2"),
        guild,
        id
    )?;
    Ok(match r {
        Some(r) => Some(group_row!(r)),
        None => None,
    })
}

/// Decodes group rows strictly, in order.
fn decode_groups(rows: Vec<GroupRow>) -> Result<Vec<Group>> {
    let mut groups = Vec::with_capacity(rows.len());
    for r in rows {
        groups.push(group_row!(r));
    }
    Ok(groups)
}

/// Groups of a guild, by name.
pub async fn list(db: &Db, guild_id: u64) -> Result<Vec<Group>> {
    let _timer = crate::metrics::query("groups.list");
    let guild = to_db(guild_id);
    let rows = fetch!(
        db,
        fetch_all,
        GroupRow,
        concat!(
            "SELECT ",
            group_columns!(),
            " FROM study_groups g WHERE g.guild_id = $1 ORDER BY lower(g.name), g.name"
        ),
        guild
    )?;
    decode_groups(rows)
}

/// Group `id` checked against server `guild_id` (for callers that hold a bare id, such as the
/// CLI and tests); `None` when the server has no such group.
pub async fn scope(db: &Db, guild_id: u64, id: i64) -> Result<Option<GroupScope>> {
    let _timer = crate::metrics::query("groups.scope");
    let guild = to_db(guild_id);
    let found =
        scalar!(db, fetch_optional, i64, "SELECT id FROM study_groups WHERE guild_id = $1 AND id = $2", guild, id)?;
    Ok(found.map(|id| GroupScope::checked(guild_id, id)))
}

/// A group due for a visit, with its `replan` counter as read (see [`planned`]).
#[derive(sqlx::FromRow)]
struct DueRow {
    #[sqlx(flatten)]
    group: GroupRow,
    replan: i64,
}

/// The groups of this process's shards (`shards`: total, first, last) whose next-due instant
/// is at or before `now`, or with an unfinished claim (a process stopped mid-send), in
/// servers the bot is in, each with its `replan` counter. Served by the partial indexes on
/// `next_due_at` and on claimed posts: a tick reads what is due, not what exists. (A UNION,
/// not an OR: PostgreSQL cannot combine an index with an `IN (subquery)`, and scans; no ORDER
/// BY: ordering by id makes SQLite scan the table in id order.)
pub async fn due(db: &Db, now: DateTime<Utc>, shards: (u32, u32, u32)) -> Result<Vec<(Group, i64)>> {
    let _timer = crate::metrics::query("groups.due");
    let (total, first, last) = super::shard_binds(shards);
    let rows = fetch!(
        db,
        fetch_all,
        DueRow,
        concat!(
            "SELECT ",
            group_columns!(),
            ", g.replan FROM study_groups g
             WHERE g.next_due_at <= $1 AND (g.guild_id >> 22) % $2 BETWEEN $3 AND $4
               AND NOT EXISTS (SELECT 1 FROM removed_servers r WHERE r.guild_id = g.guild_id)
             UNION
             SELECT ",
            group_columns!(),
            ", g.replan FROM posts p JOIN study_groups g ON g.id = p.group_id
             WHERE p.state = 'claimed' AND (g.guild_id >> 22) % $2 BETWEEN $3 AND $4
               AND NOT EXISTS (SELECT 1 FROM removed_servers r WHERE r.guild_id = g.guild_id)"
        ),
        now,
        total,
        first,
        last
    )?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let group = r.group;
        out.push((group_row!(group), r.replan));
    }
    Ok(out)
}

/// Stores when group `id` is next due (`None`: not until a change), unless a change replanned
/// it since it was read with counter `replan` (then the change's "plan again" stays). True
/// when stored.
pub async fn planned(db: &Db, group: GroupScope, replan: i64, next: Option<DateTime<Utc>>) -> Result<bool> {
    let _timer = crate::metrics::query("groups.planned");
    let id = group.id();
    let n = execute!(db, "UPDATE study_groups SET next_due_at = $1 WHERE id = $2 AND replan = $3", next, id, replan)?;
    Ok(n == 1)
}

/// Plans group `id` again at the next tick (after `/group post-now` sent its post).
pub async fn replan(db: &Db, group: GroupScope) -> Result<()> {
    let _timer = crate::metrics::query("groups.replan");
    let id = group.id();
    execute!(db, REPLAN_GROUP, REPLAN, id)?;
    Ok(())
}

/// Plans every group of this process's shards again at the next tick (at start-up: the curriculum or the defaults may
/// have changed while the bot was down).
pub async fn replan_all(db: &Db, shards: (u32, u32, u32)) -> Result<u64> {
    let _timer = crate::metrics::query("groups.replan_all");
    let (total, first, last) = super::shard_binds(shards);
    Ok(execute!(
        db,
        "UPDATE study_groups SET next_due_at = $1, replan = replan + 1 WHERE (guild_id >> 22) % $2 BETWEEN $3 AND $4",
        REPLAN,
        total,
        first,
        last
    )?)
}

/// Deletes a group and (by cascade) its check-ins, ratings, breaks and posts.
pub async fn delete(db: &Db, guild_id: u64, id: i64, now: DateTime<Utc>) -> Result<bool> {
    let _timer = crate::metrics::query("groups.delete");
    let guild = to_db(guild_id);
    with_pool!(db, p => async {
        let mut tx = p.begin().await?;
        let n = sqlx::query("DELETE FROM study_groups WHERE guild_id = $1 AND id = $2")
            .bind(guild)
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        // Its Discord events outlive it until the events job deletes them (`db::events`).
        sqlx::query("UPDATE group_events SET enabled = 0, sync_at = $3 WHERE guild_id = $1 AND group_id = $2")
            .bind(guild)
            .bind(id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok::<_, Error>(n == 1)
    }
    .await)
}

/// The calendar (breaks and week marks) of a group (the group must already have been
/// checked against the guild).
pub async fn calendar(db: &Db, group: GroupScope) -> Result<Calendar> {
    let _timer = crate::metrics::query("groups.calendar");
    let group_id = group.id();
    let rows = fetch!(
        db,
        fetch_all,
        (i64, String, i64, Option<i64>),
        "SELECT id, kind, from_session, to_session FROM group_breaks WHERE group_id = $1 ORDER BY from_session",
        group_id
    )?;
    let breaks =
        rows.into_iter().map(|(id, kind, from, to)| decode_break(id, &kind, from, to)).collect::<Result<_>>()?;
    let marks = fetch!(
        db,
        fetch_all,
        (i64, i64, i64),
        "SELECT group_id, session, week FROM week_marks WHERE group_id = $1 ORDER BY session",
        group_id
    )?
    .into_iter()
    .map(|(g, session, week)| decode_mark(g, session, week))
    .collect::<Result<_>>()?;
    Ok(Calendar { breaks, marks })
}

/// The calendars of every group of a guild, by group.
pub async fn guild_calendars(db: &Db, guild_id: u64) -> Result<std::collections::HashMap<i64, Calendar>> {
    let _timer = crate::metrics::query("groups.guild_calendars");
    let guild = to_db(guild_id);
    let rows = fetch!(
        db,
        fetch_all,
        (i64, i64, String, i64, Option<i64>),
        "SELECT b.id, b.group_id, b.kind, b.from_session, b.to_session
         FROM group_breaks b JOIN study_groups g ON g.id = b.group_id
         WHERE g.guild_id = $1 ORDER BY b.group_id, b.from_session",
        guild
    )?;
    let mut out: std::collections::HashMap<i64, Calendar> = std::collections::HashMap::new();
    for (id, group_id, kind, from, to) in rows {
        out.entry(group_id).or_default().breaks.push(decode_break(id, &kind, from, to)?);
    }
    let marks = fetch!(
        db,
        fetch_all,
        (i64, i64, i64),
        "SELECT m.group_id, m.session, m.week FROM week_marks m JOIN study_groups g ON g.id = m.group_id
         WHERE g.guild_id = $1 ORDER BY m.group_id, m.session",
        guild
    )?;
    for (group_id, session, week) in marks {
        out.entry(group_id).or_default().marks.push(decode_mark(group_id, session, week)?);
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
/// paused open-ended). False if a skip would overlap any break, or a pause another pause: a
/// pause may cover skips (as an open-ended pause does), which stay in the calendar.
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
    with_pool!(db, p => async {
        let mut tx = p.begin().await?;
        // The group's breaks one at a time, so two overlapping ones cannot both pass the check.
        serialize_on!(db, tx, group_id);
        let n = sqlx::query(
            "INSERT INTO group_breaks (group_id, kind, from_session, to_session, created_at)
             SELECT id, $6, $1, $2, $3 FROM study_groups
             WHERE guild_id = $4 AND id = $5 AND ($6 = 'skip' OR paused = 0)
               AND NOT EXISTS (SELECT 1 FROM group_breaks WHERE group_id = $5 AND ($6 = 'skip' OR kind = 'pause')
                               AND from_session < $2 AND (to_session IS NULL OR to_session > $1))",
        )
        .bind(from)
        .bind(to)
        .bind(now)
        .bind(guild)
        .bind(group_id)
        .bind(kind)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 1 {
            replan_group!(tx, group_id);
        }
        tx.commit().await?;
        Ok::<_, Error>(n == 1)
    }
    .await)
}

/// Holds skipped session `session` again: removes it from its skip (a range is split in
/// two). False if it was not skipped.
pub async fn unskip(db: &Db, guild_id: u64, group_id: i64, session: u32, now: DateTime<Utc>) -> Result<bool> {
    let _timer = crate::metrics::query("groups.unskip");
    let guild = to_db(guild_id);
    let k = i64::from(session);
    with_pool!(db, p => async {
        let mut tx = p.begin().await?;
        let Some((id, from_session, to_session)) = sqlx::query_as::<_, (i64, i64, Option<i64>)>(
            "SELECT b.id, b.from_session, b.to_session FROM group_breaks b JOIN study_groups g ON g.id = b.group_id
             WHERE g.guild_id = $1 AND b.group_id = $2 AND b.kind = 'skip' AND b.from_session <= $3
               AND (b.to_session IS NULL OR b.to_session > $3)",
        )
        .bind(guild)
        .bind(group_id)
        .bind(k)
        .fetch_optional(&mut *tx)
        .await?
        else {
            return Ok(false);
        };
        sqlx::query("DELETE FROM group_breaks WHERE id = $1").bind(id).execute(&mut *tx).await?;
        for (from, to) in [(from_session, Some(k)), (k + 1, to_session)] {
            if to.is_none_or(|t| t > from) {
                sqlx::query(
                    "INSERT INTO group_breaks (group_id, kind, from_session, to_session, created_at)
                     VALUES ($1, 'skip', $2, $3, $4)",
                )
                .bind(group_id)
                .bind(from)
                .bind(to)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
        }
        replan_group!(tx, group_id);
        tx.commit().await?;
        Ok::<_, Error>(true)
    }
    .await)
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
    with_pool!(db, p => async {
        let mut tx = p.begin().await?;
        let n = sqlx::query(
            "INSERT INTO week_marks (group_id, session, week, created_at)
             SELECT id, $1, $2, $3 FROM study_groups WHERE guild_id = $4 AND id = $5
             ON CONFLICT (group_id, session) DO UPDATE SET week = excluded.week, created_at = excluded.created_at",
        )
        .bind(session)
        .bind(week)
        .bind(now)
        .bind(guild)
        .bind(group_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 1 {
            replan_group!(tx, group_id);
        }
        tx.commit().await?;
        Ok::<_, Error>(n == 1)
    }
    .await)
}

/// Records a calendar change.
pub async fn log_change(db: &Db, group: GroupScope, c: &CalendarChange) -> Result<()> {
    let _timer = crate::metrics::query("groups.log_change");
    let group_id = group.id();
    let by = c.by.map(to_db);
    let action = c.action.as_str();
    let session = i64::from(c.session);
    let on = c.on.format("%Y-%m-%d").to_string();
    let until = c.until.map(|(k, _)| i64::from(k));
    let until_date = c.until.map(|(_, d)| d.format("%Y-%m-%d").to_string());
    let week = c.week.map(i64::from);
    execute!(
        db,
        "INSERT INTO calendar_log (group_id, at, user_id, action, session, on_date, until_session, until_date, week)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        group_id,
        c.at,
        by,
        action,
        session,
        &on,
        until,
        &until_date,
        week
    )?;
    Ok(())
}

type ChangeRow = (i64, DateTime<Utc>, Option<i64>, String, i64, String, Option<i64>, Option<String>, Option<i64>);

/// The latest `limit` calendar changes of a group, oldest first.
pub async fn changes(db: &Db, group: GroupScope, limit: u32) -> Result<Vec<CalendarChange>> {
    let _timer = crate::metrics::query("groups.changes");
    let group_id = group.id();
    let limit = i64::from(limit);
    let rows = fetch!(
        db,
        fetch_all,
        ChangeRow,
        "SELECT id, at, user_id, action, session, on_date, until_session, until_date, week
         FROM calendar_log
         WHERE group_id = $1 ORDER BY id DESC LIMIT $2",
        group_id,
        limit
    )?;
    let mut out = rows
        .into_iter()
        .map(|(id, at, user_id, action, session, on_date, until_session, until_date, week)| {
            Ok(CalendarChange {
                at,
                by: user_id.map(from_db),
                action: decode("calendar_log", id, "action", action, |a| CalendarAction::parse(a))?,
                session: decode_u32("calendar_log", id, "session", session)?,
                on: decode("calendar_log", id, "on_date", on_date, |d| crate::weeks::parse_date(d))?,
                until: match (until_session, until_date) {
                    (Some(k), Some(d)) => Some((
                        decode_u32("calendar_log", id, "until_session", k)?,
                        decode("calendar_log", id, "until_date", d, |d| crate::weeks::parse_date(d))?,
                    )),
                    (None, None) => None,
                    (k, d) => {
                        return Err(super::Error::Corrupt {
                            table: "calendar_log",
                            row: id,
                            what: "until_session/until_date",
                            value: format!("{k:?} / {d:?}"),
                        });
                    }
                },
                week: week.map(|w| decode_u32("calendar_log", id, "week", w)).transpose()?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    out.reverse();
    Ok(out)
}

/// Flips the group's paused flag (in the transaction `$tx`); true when it changed, false if
/// it already had that value (or the group is not in the guild).
macro_rules! set_paused {
    ($tx:expr, $guild_id:expr, $group_id:expr, $paused:expr, $now:expr) => {{
        let paused: bool = $paused;
        sqlx::query(
            "UPDATE study_groups SET paused = $1, updated_at = $2 WHERE guild_id = $3 AND id = $4 AND paused = $5",
        )
        .bind(i64::from(paused))
        .bind($now)
        .bind(to_db($guild_id))
        .bind($group_id)
        .bind(i64::from(!paused))
        .execute(&mut *$tx)
        .await?
        .rows_affected()
            == 1
    }};
}

/// Pauses a group from session `from` on (open-ended). False if already paused.
pub async fn pause(db: &Db, guild_id: u64, group_id: i64, from: u32, now: DateTime<Utc>) -> Result<bool> {
    let _timer = crate::metrics::query("groups.pause");
    let from = i64::from(from);
    with_pool!(db, p => async {
        let mut tx = p.begin().await?;
        if !set_paused!(tx, guild_id, group_id, true, now) {
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO group_breaks (group_id, kind, from_session, to_session, created_at) VALUES ($1, 'pause', $2, NULL, $3)",
        )
        .bind(group_id)
        .bind(from)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        replan_group!(tx, group_id);
        tx.commit().await?;
        Ok::<_, Error>(true)
    }
    .await)
}

/// Ends the open pause at session `to` (the first session that will be held again); the
/// group is live again from `now`. A pause that covered no session at all is removed. False
/// if the group was not paused.
pub async fn resume(db: &Db, guild_id: u64, group_id: i64, to: u32, now: DateTime<Utc>) -> Result<bool> {
    let _timer = crate::metrics::query("groups.resume");
    let to = i64::from(to);
    with_pool!(db, p => async {
        let mut tx = p.begin().await?;
        if !set_paused!(tx, guild_id, group_id, false, now) {
            // Not paused open-ended: end a pause with an end date early (or drop one that has
            // not begun).
            let owned: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM study_groups WHERE guild_id = $1 AND id = $2")
                .bind(to_db(guild_id))
                .bind(group_id)
                .fetch_one(&mut *tx)
                .await?;
            if owned == 0 {
                return Ok(false);
            }
            let dropped = sqlx::query(
                "DELETE FROM group_breaks WHERE group_id = $1 AND kind = 'pause' AND to_session > $2 AND from_session >= $2",
            )
            .bind(group_id)
            .bind(to)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            let ended = sqlx::query(
                "UPDATE group_breaks SET to_session = $1 WHERE group_id = $2 AND kind = 'pause' AND to_session > $1",
            )
            .bind(to)
            .bind(group_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if dropped + ended > 0 {
                replan_group!(tx, group_id);
            }
            tx.commit().await?;
            return Ok(dropped + ended > 0);
        }
        sqlx::query("UPDATE study_groups SET live_since = $1 WHERE id = $2")
            .bind(now)
            .bind(group_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "DELETE FROM group_breaks WHERE group_id = $1 AND kind = 'pause' AND to_session IS NULL AND from_session >= $2",
        )
        .bind(group_id)
        .bind(to)
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE group_breaks SET to_session = $1 WHERE group_id = $2 AND kind = 'pause' AND to_session IS NULL")
            .bind(to)
            .bind(group_id)
            .execute(&mut *tx)
            .await?;
        replan_group!(tx, group_id);
        tx.commit().await?;
        Ok::<_, Error>(true)
    }
    .await)
}

/// Records (or clears, with `None`) the last delivery failure of a group.
pub async fn set_error(db: &Db, group: GroupScope, error: Option<&str>, now: DateTime<Utc>) -> Result<()> {
    let _timer = crate::metrics::query("groups.set_error");
    let group_id = group.id();
    let at = error.map(|_| now);
    execute!(db, "UPDATE study_groups SET last_error = $1, last_error_at = $2 WHERE id = $3", error, at, group_id)?;
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

type MissedRow = (i64, i64, i64, DateTime<Utc>, Option<i64>);

/// The weeks the bot missed for one group, by session.
pub async fn missed(db: &Db, group: GroupScope) -> Result<Vec<Missed>> {
    let _timer = crate::metrics::query("groups.missed");
    let group_id = group.id();
    let rows = fetch!(
        db,
        fetch_all,
        MissedRow,
        "SELECT group_id, session, week, due_at, announced_in FROM missed_sessions WHERE group_id = $1 ORDER BY session",
        group_id
    )?;
    rows.into_iter()
        .map(|(g, session, week, due_at, announced)| decode_missed(g, session, week, due_at, announced))
        .collect()
}

/// The weeks the bot missed for every group of a guild, by group then session.
pub async fn guild_missed(db: &Db, guild_id: u64) -> Result<Vec<(i64, Missed)>> {
    let _timer = crate::metrics::query("groups.guild_missed");
    let guild = to_db(guild_id);
    let rows = fetch!(
        db,
        fetch_all,
        MissedRow,
        "SELECT m.group_id, m.session, m.week, m.due_at, m.announced_in
         FROM missed_sessions m JOIN study_groups g ON g.id = m.group_id
         WHERE g.guild_id = $1 ORDER BY m.group_id, m.session",
        guild
    )?;
    rows.into_iter()
        .map(|(g, session, week, due_at, announced)| Ok((g, decode_missed(g, session, week, due_at, announced)?)))
        .collect()
}

/// Records sessions the bot missed (an earlier record of the same session stays); returns
/// how many were new.
pub async fn record_missed(db: &Db, group: GroupScope, missed: &[Missed], now: DateTime<Utc>) -> Result<u64> {
    let _timer = crate::metrics::query("groups.record_missed");
    let group_id = group.id();
    with_pool!(db, p => async {
        let mut tx = p.begin().await?;
        let mut new = 0;
        for m in missed {
            new += sqlx::query(
                "INSERT INTO missed_sessions (group_id, session, week, due_at, detected_at) VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (group_id, session) DO NOTHING",
            )
            .bind(group_id)
            .bind(i64::from(m.session))
            .bind(i64::from(m.week))
            .bind(m.due_at)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        }
        tx.commit().await?;
        Ok::<_, Error>(new)
    }
    .await)
}

/// The weekly post `post_id` told the group about the missed sessions before `session`.
pub async fn announce_missed(db: &Db, group: GroupScope, session: u32, post_id: i64) -> Result<()> {
    let _timer = crate::metrics::query("groups.announce_missed");
    let group_id = group.id();
    let session = i64::from(session);
    execute!(
        db,
        "UPDATE missed_sessions SET announced_in = $1 WHERE group_id = $2 AND session < $3 AND announced_in IS NULL",
        post_id,
        group_id,
        session
    )?;
    Ok(())
}
