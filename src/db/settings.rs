//! Per-server settings and when each server's digest is next due (its claims are the
//! outbox's, [`super::outbox`]).

use super::groups::{REPLAN, replan_guild};
use super::{Db, Error, Result, decode, decode_u32, execute, fetch, from_db, to_db, with_pool};
use crate::model::{DigestSettings, ServerSettings};
use chrono::{DateTime, Utc};

/// A stored settings row.
#[derive(sqlx::FromRow)]
struct Row {
    guild_id: i64,
    moderator_role_id: Option<i64>,
    reminder_hours: Option<i64>,
    channel_reminders: Option<i64>,
    digest_channel_id: Option<i64>,
    digest_weekday: Option<i64>,
    digest_time: Option<String>,
    digest_timezone: Option<String>,
    review_retention: Option<i64>,
}

/// Decodes a stored settings row strictly.
fn decode_row(r: Row) -> Result<ServerSettings> {
    let (t, guild) = ("server_settings", r.guild_id);
    let digest = match (r.digest_channel_id, r.digest_weekday, r.digest_time, r.digest_timezone) {
        (Some(channel), Some(weekday), Some(time), Some(tz)) => Some(DigestSettings {
            channel_id: from_db(channel),
            weekday: decode(t, guild, "digest_weekday", weekday, |d| {
                u8::try_from(*d).ok().and_then(|d| chrono::Weekday::try_from(d).ok())
            })?,
            time: decode(t, guild, "digest_time", time, |s| crate::weeks::parse_time(s))?,
            tz: decode(t, guild, "digest_timezone", tz, |s| crate::weeks::parse_tz(s))?,
        }),
        (None, None, None, None) => None,
        (c, d, h, z) => {
            return Err(super::Error::Corrupt {
                table: t,
                row: guild,
                what: "digest",
                value: format!("{c:?} {d:?} {h:?} {z:?}"),
            });
        }
    };
    Ok(ServerSettings {
        moderator_role_id: r.moderator_role_id.map(from_db),
        reminder_hours: r.reminder_hours.map(|h| decode_u32(t, guild, "reminder_hours", h)).transpose()?,
        channel_reminders: r
            .channel_reminders
            .map(|v| {
                decode(t, guild, "channel_reminders", v, |v| match v {
                    0 => Some(false),
                    1 => Some(true),
                    _ => None,
                })
            })
            .transpose()?,
        digest,
        review_retention: r
            .review_retention
            .map(|p| {
                decode(t, guild, "review_retention", p, |p| u8::try_from(*p).ok().filter(|p| (80..=95).contains(p)))
            })
            .transpose()?,
    })
}

/// A server's settings (all defaults when it never set any).
pub async fn get(db: &Db, guild_id: u64) -> Result<ServerSettings> {
    let _timer = crate::metrics::query("settings.get");
    let guild = to_db(guild_id);
    let row = fetch!(
        db,
        fetch_optional,
        Row,
        "SELECT guild_id, moderator_role_id, reminder_hours, channel_reminders, digest_channel_id, digest_weekday,
                digest_time, digest_timezone, review_retention
         FROM server_settings WHERE guild_id = $1",
        guild
    )?;
    row.map(decode_row).transpose().map(Option::unwrap_or_default)
}

/// A server whose digest is due for a visit, with its `digest_replan` counter.
#[derive(sqlx::FromRow)]
struct DueRow {
    #[sqlx(flatten)]
    row: Row,
    digest_replan: i64,
}

/// The servers of this process's shards (`shards`: total, first, last) with a digest whose
/// next-due instant is at or before `now` (or with an unfinished claim), that the bot is in, each with its counter (see
/// [`digest_planned`]). Served by the index on `digest_due_at`.
pub async fn due_digests(
    db: &Db,
    now: DateTime<Utc>,
    shards: (u32, u32, u32),
) -> Result<Vec<(u64, ServerSettings, i64)>> {
    let _timer = crate::metrics::query("settings.due_digests");
    let (total, first, last) = super::shard_binds(shards);
    let rows = fetch!(
        db,
        fetch_all,
        DueRow,
        "SELECT guild_id, moderator_role_id, reminder_hours, channel_reminders, digest_channel_id, digest_weekday,
                digest_time, digest_timezone, review_retention, digest_replan
         FROM server_settings s
         WHERE s.digest_due_at <= $1 AND digest_channel_id IS NOT NULL
           AND (s.guild_id >> 22) % $2 BETWEEN $3 AND $4
           AND NOT EXISTS (SELECT 1 FROM removed_servers r WHERE r.guild_id = s.guild_id)
         UNION
         SELECT s.guild_id, moderator_role_id, reminder_hours, channel_reminders, digest_channel_id, digest_weekday,
                digest_time, digest_timezone, review_retention, digest_replan
         FROM digests d JOIN server_settings s ON s.guild_id = d.guild_id
         WHERE d.state = 'claimed' AND digest_channel_id IS NOT NULL
           AND (s.guild_id >> 22) % $2 BETWEEN $3 AND $4
           AND NOT EXISTS (SELECT 1 FROM removed_servers r WHERE r.guild_id = s.guild_id)",
        now,
        total,
        first,
        last
    )?;
    rows.into_iter().map(|r| Ok((from_db(r.row.guild_id), decode_row(r.row)?, r.digest_replan))).collect()
}

/// Stores when a server's digest is next due (`None`: not until a change), unless its
/// settings changed since it was read with counter `replan`. True when stored.
pub async fn digest_planned(db: &Db, guild_id: u64, replan: i64, next: Option<DateTime<Utc>>) -> Result<bool> {
    let _timer = crate::metrics::query("settings.digest_planned");
    let guild = to_db(guild_id);
    let n = execute!(
        db,
        "UPDATE server_settings SET digest_due_at = $1 WHERE guild_id = $2 AND digest_replan = $3",
        next,
        guild,
        replan
    )?;
    Ok(n == 1)
}

/// Plans every digest of this process's shards again at the next tick (at start-up).
pub async fn replan_digests(db: &Db, shards: (u32, u32, u32)) -> Result<u64> {
    let _timer = crate::metrics::query("settings.replan_digests");
    let (total, first, last) = super::shard_binds(shards);
    Ok(execute!(
        db,
        "UPDATE server_settings SET digest_due_at = $1, digest_replan = digest_replan + 1
         WHERE (guild_id >> 22) % $2 BETWEEN $3 AND $4",
        REPLAN,
        total,
        first,
        last
    )?)
}

/// Stores a server's settings (replacing them). The server's groups and its digest are
/// planned again at the next tick (reminder settings move reminders; the digest may move).
pub async fn save(db: &Db, guild_id: u64, s: &ServerSettings, now: DateTime<Utc>) -> Result<()> {
    let _timer = crate::metrics::query("settings.save");
    let guild = to_db(guild_id);
    let role = s.moderator_role_id.map(to_db);
    let hours = s.reminder_hours.map(i64::from);
    let channel_reminders = s.channel_reminders.map(i64::from);
    let d = s.digest.as_ref();
    let channel = d.map(|d| to_db(d.channel_id));
    let weekday = d.map(|d| i64::from(d.weekday.num_days_from_monday()));
    let time = d.map(|d| d.time.format("%H:%M").to_string());
    let tz = d.map(|d| d.tz.name());
    let retention = s.review_retention.map(i64::from);
    with_pool!(db, p => async {
        let mut tx = p.begin().await?;
        sqlx::query(
            "INSERT INTO server_settings (guild_id, moderator_role_id, reminder_hours, channel_reminders,
                 digest_channel_id, digest_weekday, digest_time, digest_timezone, updated_at, digest_due_at,
                 review_retention)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
             ON CONFLICT (guild_id) DO UPDATE SET moderator_role_id = excluded.moderator_role_id,
                 reminder_hours = excluded.reminder_hours, channel_reminders = excluded.channel_reminders,
                 digest_channel_id = excluded.digest_channel_id, digest_weekday = excluded.digest_weekday,
                 digest_time = excluded.digest_time, digest_timezone = excluded.digest_timezone,
                 updated_at = excluded.updated_at, digest_due_at = excluded.digest_due_at,
                 digest_replan = server_settings.digest_replan + 1, review_retention = excluded.review_retention",
        )
        .bind(guild)
        .bind(role)
        .bind(hours)
        .bind(channel_reminders)
        .bind(channel)
        .bind(weekday)
        .bind(&time)
        .bind(tz)
        .bind(now)
        .bind(REPLAN)
        .bind(retention)
        .execute(&mut *tx)
        .await?;
        replan_guild!(tx, guild);
        tx.commit().await?;
        Ok::<_, Error>(())
    }
    .await)
}
