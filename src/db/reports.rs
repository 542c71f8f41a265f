//! Loads the input of a participation report (`crate::report`). Scoped by guild: every
//! query takes the guild id and reaches the group's rows through
//! `study_groups g WHERE g.guild_id = ? AND g.id = ?`, so a group id alone is never trusted.
//!
//! The SQL lives in `src/db/reports/*.sql`, checked at compile time by `sqlx::query_file!`;
//! the same text is exported in [`QUERIES`] so the benchmark can show their query plans.

use super::{from_db, to_db, Db};
use crate::curriculum::Curriculum;
use crate::report::{self, CheckinRecord, CheckinStatus, GroupInfo, MemberInfo, RatingRecord, ReportInput};
use crate::weeks::{self, Break, BreakKind, Schedule};
use chrono::{DateTime, Utc, Weekday};

/// The report queries by name, with their SQL exactly as compiled (for `EXPLAIN QUERY PLAN`).
/// Each takes `?1` = guild id and `?2` = group id, except `group_guild` (`?1` = group id).
pub const QUERIES: [(&str, &str); 6] = [
    ("group", include_str!("reports/group.sql")),
    ("breaks", include_str!("reports/breaks.sql")),
    ("members", include_str!("reports/members.sql")),
    ("checkins", include_str!("reports/checkins.sql")),
    ("ratings", include_str!("reports/ratings.sql")),
    ("group_guild", include_str!("reports/group_guild.sql")),
];

/// Why a report's input could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    /// The stored schedule does not parse (the row was edited by hand).
    #[error("group {group_id} has an invalid schedule: {reason}")]
    BadSchedule { group_id: i64, reason: String },
    /// The group's path is not in the loaded curriculum.
    #[error("group {group_id} follows path `{path_id}`, which the curriculum does not have")]
    UnknownPath { group_id: i64, path_id: String },
    /// A stored value is outside what the schema allows (the row was edited by hand).
    #[error("group {group_id} has an invalid stored value: {what}")]
    BadRow { group_id: i64, what: String },
}

/// A group as stored, before its schedule is parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredGroup {
    pub id: i64,
    pub name: String,
    pub path_id: String,
    pub start_date: String,
    /// 0 = Monday ... 6 = Sunday.
    pub weekday: i64,
    pub post_time: String,
    pub timezone: String,
    pub breaks: Vec<Break>,
}

/// Everything stored about one group that a report needs.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportRows {
    pub group: StoredGroup,
    pub members: Vec<MemberInfo>,
    pub checkins: Vec<CheckinRecord>,
    pub ratings: Vec<RatingRecord>,
}

/// The guild of group `group_id`, for the self-hoster's CLI, which is not acting for a
/// Discord user. Bot commands know their guild and must not use this.
pub async fn group_guild(db: &Db, group_id: i64) -> Result<Option<u64>, sqlx::Error> {
    let guild = sqlx::query_file_scalar!("src/db/reports/group_guild.sql", group_id)
        .fetch_optional(db)
        .await?;
    Ok(guild.map(from_db))
}

/// Loads the stored rows of group `group_id` of guild `guild_id`; `None` when the guild has
/// no such group. Reads in one transaction, so the rows are consistent with each other.
pub async fn load_rows(db: &Db, guild_id: u64, group_id: i64) -> Result<Option<ReportRows>, LoadError> {
    let guild = to_db(guild_id);
    let mut tx = db.begin().await?;
    let Some(g) = sqlx::query_file!("src/db/reports/group.sql", guild, group_id)
        .fetch_optional(&mut *tx)
        .await?
    else {
        return Ok(None);
    };
    let bad = |what: String| LoadError::BadRow { group_id, what };
    let week = |w: i64| u32::try_from(w).map_err(|_| bad(format!("week {w}")));

    let mut breaks = Vec::new();
    for b in sqlx::query_file!("src/db/reports/breaks.sql", guild, group_id).fetch_all(&mut *tx).await? {
        let kind = match b.kind.as_str() {
            "skip" => BreakKind::Skip,
            "pause" => BreakKind::Pause,
            other => return Err(bad(format!("break kind `{other}`"))),
        };
        let session = |s: i64| u32::try_from(s).map_err(|_| bad(format!("break session {s}")));
        breaks.push(Break { kind, from: session(b.from_session)?, to: b.to_session.map(session).transpose()? });
    }

    let mut members = Vec::new();
    for m in sqlx::query_file!("src/db/reports/members.sql", guild, group_id).fetch_all(&mut *tx).await? {
        members.push(MemberInfo {
            user_id: from_db(m.user_id),
            display_name: m.display_name,
            joined_week: week(m.joined_week)?,
        });
    }

    let rows = sqlx::query_file!("src/db/reports/checkins.sql", guild, group_id).fetch_all(&mut *tx).await?;
    let mut checkins = Vec::with_capacity(rows.len());
    for c in rows {
        let status =
            CheckinStatus::parse(&c.status).ok_or_else(|| bad(format!("check-in status `{}`", c.status)))?;
        let confidence = u8::try_from(c.confidence).map_err(|_| bad(format!("confidence {}", c.confidence)))?;
        checkins.push(CheckinRecord {
            user_id: from_db(c.user_id),
            week: week(c.week)?,
            status,
            hours: c.hours,
            confidence,
            note: c.note,
            created_at: c.created_at,
            updated_at: c.updated_at,
        });
    }

    let rows = sqlx::query_file!("src/db/reports/ratings.sql", guild, group_id).fetch_all(&mut *tx).await?;
    let mut ratings = Vec::with_capacity(rows.len());
    for r in rows {
        ratings.push(RatingRecord {
            user_id: from_db(r.user_id),
            week: week(r.week)?,
            question: u8::try_from(r.question).map_err(|_| bad(format!("question {}", r.question)))?,
            rating: u8::try_from(r.rating).map_err(|_| bad(format!("rating {}", r.rating)))?,
        });
    }
    tx.commit().await?;

    Ok(Some(ReportRows {
        group: StoredGroup {
            id: g.id,
            name: g.name,
            path_id: g.path_id,
            start_date: g.start_date,
            weekday: g.weekday,
            post_time: g.post_time,
            timezone: g.timezone,
            breaks,
        },
        members,
        checkins,
        ratings,
    }))
}

/// Loads a report's input: the stored rows plus the path's length and questions from the
/// curriculum; `None` when the guild has no such group. Then call [`report::build`].
pub async fn load_input(
    db: &Db,
    guild_id: u64,
    group_id: i64,
    curriculum: &Curriculum,
    now: DateTime<Utc>,
) -> Result<Option<ReportInput>, LoadError> {
    let Some(rows) = load_rows(db, guild_id, group_id).await? else {
        return Ok(None);
    };
    let group = &rows.group;
    let path = curriculum
        .path(&group.path_id)
        .ok_or_else(|| LoadError::UnknownPath { group_id, path_id: group.path_id.clone() })?;
    let schedule = schedule_of(group).map_err(|reason| LoadError::BadSchedule { group_id, reason })?;
    Ok(Some(ReportInput {
        group: GroupInfo {
            id: group.id,
            name: group.name.clone(),
            path_id: group.path_id.clone(),
            total_weeks: path.len_weeks(),
            schedule,
            breaks: group.breaks.clone(),
        },
        questions: report::week_questions(path),
        members: rows.members,
        checkins: rows.checkins,
        ratings: rows.ratings,
        now,
    }))
}

fn schedule_of(g: &StoredGroup) -> Result<Schedule, String> {
    let weekday = u8::try_from(g.weekday)
        .ok()
        .and_then(|d| Weekday::try_from(d).ok())
        .ok_or_else(|| format!("bad weekday {}", g.weekday))?;
    Ok(Schedule {
        start_date: weeks::parse_date(&g.start_date).ok_or_else(|| format!("bad start date `{}`", g.start_date))?,
        weekday,
        time: weeks::parse_time(&g.post_time).ok_or_else(|| format!("bad time `{}`", g.post_time))?,
        tz: weeks::parse_tz(&g.timezone).ok_or_else(|| format!("bad timezone `{}`", g.timezone))?,
    })
}
