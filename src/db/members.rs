//! Members, their check-ins and self-assessment ratings. Scoped by guild.

use super::{Db, Result, decode, decode_score, decode_u8, decode_u32, from_db, to_db};
use crate::model::{Checkin, CheckinEntry, CheckinStatus, Rating};
use chrono::{DateTime, Utc};

/// Who checks in or rates, and where: the group must belong to the guild (the writes
/// re-check it in SQL).
#[derive(Debug, Clone, Copy)]
pub struct Author<'a> {
    pub guild_id: u64,
    pub group_id: i64,
    pub user_id: u64,
    pub display_name: &'a str,
}

/// Creates the member and their group membership if missing, or refreshes the display name
/// and moves `joined_week` back to `week` if that is earlier. One short transaction; the
/// service calls it only when it does not already know the member joined with this name.
pub async fn join(db: &Db, a: Author<'_>, week: u32, now: DateTime<Utc>) -> Result<()> {
    let _timer = crate::metrics::query("members.join");
    let guild = to_db(a.guild_id);
    let user = to_db(a.user_id);
    let week = i64::from(week);
    let (display_name, group_id) = (a.display_name, a.group_id);
    let mut tx = db.sqlite().begin().await?;
    sqlx::query!(
        "INSERT INTO members (guild_id, user_id, display_name, created_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (guild_id, user_id) DO UPDATE SET display_name = excluded.display_name",
        guild,
        user,
        display_name,
        now
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "INSERT INTO group_members (group_id, guild_id, user_id, joined_week, joined_at)
         SELECT id, guild_id, ?, ?, ? FROM study_groups WHERE guild_id = ? AND id = ?
         ON CONFLICT (group_id, user_id) DO UPDATE SET joined_week = MIN(joined_week, excluded.joined_week)",
        user,
        week,
        now,
        guild,
        group_id
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// What storing a check-in or rating did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    /// The first for that week (or question).
    New,
    /// It replaced an earlier one.
    Replaced,
    /// The member row is missing: call [`join`] first.
    NotMember,
    /// The group is not in that guild (a forged id): nothing was written.
    NoGroup,
}

/// What an insert-or-replace of a rating (week question or checklist skill) did.
fn rating_stored(r: std::result::Result<sqlx::sqlite::SqliteQueryResult, sqlx::Error>) -> Result<Stored> {
    match r {
        Ok(done) if done.rows_affected() == 0 => Ok(Stored::NoGroup),
        Ok(_) => Ok(Stored::New),
        Err(e) if not_member(&e) => Ok(Stored::NotMember),
        Err(e) => Err(e.into()),
    }
}

fn not_member(e: &sqlx::Error) -> bool {
    e.as_database_error().is_some_and(|d| d.is_foreign_key_violation())
}

/// Stores a check-in in one statement, replacing the member's earlier one for the same
/// group-week. The member must have [`join`]ed the group.
pub async fn upsert_checkin(db: &Db, a: Author<'_>, week: u32, c: &CheckinEntry, now: DateTime<Utc>) -> Result<Stored> {
    let _timer = crate::metrics::query("members.upsert_checkin");
    let guild = to_db(a.guild_id);
    let user = to_db(a.user_id);
    let group_id = a.group_id;
    let week = i64::from(week);
    let status = c.status.as_str();
    let confidence = i64::from(c.confidence);
    let q = sqlx::query_scalar!(
        "INSERT INTO checkins (group_id, guild_id, user_id, week, status, hours, confidence, note, created_at, updated_at)
         SELECT id, guild_id, ?, ?, ?, ?, ?, ?, ?, ? FROM study_groups WHERE guild_id = ? AND id = ?
         ON CONFLICT (group_id, user_id, week) DO UPDATE SET
             status = excluded.status, hours = excluded.hours, confidence = excluded.confidence,
             note = excluded.note, updated_at = excluded.updated_at, revision = revision + 1
         RETURNING revision",
        user,
        week,
        status,
        c.hours,
        confidence,
        c.note,
        now,
        now,
        guild,
        group_id
    );
    let r = match db.writer() {
        Some(w) => match w.lock().await.as_mut() {
            Some(conn) => q.fetch_optional(conn).await,
            None => q.fetch_optional(db.sqlite()).await,
        },
        None => q.fetch_optional(db.sqlite()).await,
    };
    match r {
        Ok(Some(0)) => Ok(Stored::New),
        Ok(Some(_)) => Ok(Stored::Replaced),
        Ok(None) => Ok(Stored::NoGroup),
        Err(e) if not_member(&e) => Ok(Stored::NotMember),
        Err(e) => Err(e.into()),
    }
}

/// Decodes a stored check-in strictly (shared with the report loader).
#[allow(clippy::too_many_arguments)]
pub(crate) fn decode_checkin(
    id: i64,
    user_id: i64,
    week: i64,
    status: String,
    hours: f64,
    confidence: i64,
    note: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
) -> Result<Checkin> {
    Ok(Checkin {
        user_id: from_db(user_id),
        week: decode_u32("checkins", id, "week", week)?,
        status: decode("checkins", id, "status", status, |s| CheckinStatus::parse(s))?,
        hours: decode("checkins", id, "hours", hours, |h| (h.is_finite() && *h >= 0.0).then_some(*h))?,
        confidence: decode_score("checkins", id, "confidence", confidence)?,
        note,
        created_at,
        updated_at,
    })
}

/// The member's check-ins in a group, by week.
pub async fn checkins(db: &Db, guild_id: u64, group_id: i64, user_id: u64) -> Result<Vec<Checkin>> {
    let _timer = crate::metrics::query("members.checkins");
    let guild = to_db(guild_id);
    let user = to_db(user_id);
    let rows = sqlx::query!(
        r#"SELECT id, user_id, week, status, hours, confidence, note,
                  created_at AS "created_at: DateTime<Utc>", updated_at AS "updated_at: DateTime<Utc>"
           FROM checkins WHERE guild_id = ? AND group_id = ? AND user_id = ? ORDER BY week"#,
        guild,
        group_id,
        user
    )
    .fetch_all(db.sqlite())
    .await?;
    rows.into_iter()
        .map(|r| {
            decode_checkin(r.id, r.user_id, r.week, r.status, r.hours, r.confidence, r.note, r.created_at, r.updated_at)
        })
        .collect()
}

/// Members who checked in for a week of a group (for the reminder's count).
pub async fn checked_in_count(db: &Db, guild_id: u64, group_id: i64, week: u32) -> Result<u32> {
    let _timer = crate::metrics::query("members.checked_in_count");
    let guild = to_db(guild_id);
    let week = i64::from(week);
    let n = sqlx::query_scalar!(
        "SELECT COUNT(*) FROM checkins WHERE guild_id = ? AND group_id = ? AND week = ?",
        guild,
        group_id,
        week
    )
    .fetch_one(db.sqlite())
    .await?;
    decode_u32("checkins", group_id, "count", n)
}

/// Stores one self-assessment rating in one statement (replacing an earlier one for the same
/// question). The member must have [`join`]ed the group.
pub async fn set_rating(
    db: &Db,
    a: Author<'_>,
    week: u32,
    question: u8,
    rating: u8,
    now: DateTime<Utc>,
) -> Result<Stored> {
    let _timer = crate::metrics::query("members.set_rating");
    let guild = to_db(a.guild_id);
    let user = to_db(a.user_id);
    let group_id = a.group_id;
    let week = i64::from(week);
    let question = i64::from(question);
    let rating = i64::from(rating);
    let q = sqlx::query!(
        "INSERT INTO ratings (group_id, guild_id, user_id, week, question, rating, updated_at)
         SELECT id, guild_id, ?, ?, ?, ?, ? FROM study_groups WHERE guild_id = ? AND id = ?
         ON CONFLICT (group_id, user_id, week, question) DO UPDATE SET
             rating = excluded.rating, updated_at = excluded.updated_at",
        user,
        week,
        question,
        rating,
        now,
        guild,
        group_id
    );
    let r = match db.writer() {
        Some(w) => match w.lock().await.as_mut() {
            Some(conn) => q.execute(conn).await,
            None => q.execute(db.sqlite()).await,
        },
        None => q.execute(db.sqlite()).await,
    };
    rating_stored(r)
}

/// Decodes a stored rating strictly (shared with the report loader).
pub(crate) fn decode_rating(group_id: i64, user_id: i64, week: i64, question: i64, rating: i64) -> Result<Rating> {
    Ok(Rating {
        user_id: from_db(user_id),
        week: decode_u32("ratings", group_id, "week", week)?,
        question: decode_u8("ratings", group_id, "question", question)?,
        rating: decode_score("ratings", group_id, "rating", rating)?,
    })
}

/// The member's ratings in a group, by week and question.
pub async fn ratings(db: &Db, guild_id: u64, group_id: i64, user_id: u64) -> Result<Vec<Rating>> {
    let _timer = crate::metrics::query("members.ratings");
    let guild = to_db(guild_id);
    let user = to_db(user_id);
    let rows = sqlx::query!(
        "SELECT user_id, week, question, rating FROM ratings WHERE guild_id = ? AND group_id = ? AND user_id = ?
         ORDER BY week, question",
        guild,
        group_id,
        user
    )
    .fetch_all(db.sqlite())
    .await?;
    rows.into_iter().map(|r| decode_rating(group_id, r.user_id, r.week, r.question, r.rating)).collect()
}

/// Groups of the guild the member belongs to (id list).
pub async fn member_groups(db: &Db, guild_id: u64, user_id: u64) -> Result<Vec<i64>> {
    let _timer = crate::metrics::query("members.member_groups");
    let guild = to_db(guild_id);
    let user = to_db(user_id);
    sqlx::query_scalar!(
        "SELECT group_id FROM group_members WHERE guild_id = ? AND user_id = ? ORDER BY group_id",
        guild,
        user
    )
    .fetch_all(db.sqlite())
    .await
    .map_err(Into::into)
}

/// What `/forget-me` removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Forgotten {
    pub checkins: u64,
    pub ratings: u64,
    pub memberships: u64,
    pub member: bool,
}

/// Deletes everything stored about one member in one guild, in one transaction.
pub async fn forget(db: &Db, guild_id: u64, user_id: u64) -> Result<Forgotten> {
    let _timer = crate::metrics::query("members.forget");
    let guild = to_db(guild_id);
    let user = to_db(user_id);
    let mut tx = db.sqlite().begin().await?;
    let checkins = sqlx::query!("DELETE FROM checkins WHERE guild_id = ? AND user_id = ?", guild, user)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    let ratings = sqlx::query!("DELETE FROM ratings WHERE guild_id = ? AND user_id = ?", guild, user)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    sqlx::query!("DELETE FROM away WHERE guild_id = ? AND user_id = ?", guild, user).execute(&mut *tx).await?;
    sqlx::query!("DELETE FROM skill_ratings WHERE guild_id = ? AND user_id = ?", guild, user).execute(&mut *tx).await?;
    let memberships = sqlx::query!("DELETE FROM group_members WHERE guild_id = ? AND user_id = ?", guild, user)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    let member = sqlx::query!("DELETE FROM members WHERE guild_id = ? AND user_id = ?", guild, user)
        .execute(&mut *tx)
        .await?
        .rows_affected()
        == 1;
    // Groups they created stay, without their id (0: nobody).
    sqlx::query!("UPDATE study_groups SET created_by = 0 WHERE guild_id = ? AND created_by = ?", guild, user)
        .execute(&mut *tx)
        .await?;
    // Calendar changes they made as a moderator stay, without their name.
    sqlx::query!(
        "UPDATE calendar_log SET user_id = NULL WHERE user_id = ?
         AND group_id IN (SELECT id FROM study_groups WHERE guild_id = ?)",
        user,
        guild
    )
    .execute(&mut *tx)
    .await?;
    // Which reminders were sent to them as DMs (the posts belong to this guild's groups).
    sqlx::query!(
        "DELETE FROM reminder_dms WHERE user_id = ?
         AND post_id IN (SELECT p.id FROM posts p JOIN study_groups g ON g.id = p.group_id WHERE g.guild_id = ?)",
        user,
        guild
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Forgotten { checkins, ratings, memberships, member })
}

/// The week from which a member belongs to a group (`None`: not a member).
pub async fn joined_week(db: &Db, guild_id: u64, group_id: i64, user_id: u64) -> Result<Option<u32>> {
    let _timer = crate::metrics::query("members.joined_week");
    let guild = to_db(guild_id);
    let user = to_db(user_id);
    let w = sqlx::query_scalar!(
        "SELECT joined_week FROM group_members WHERE guild_id = ? AND group_id = ? AND user_id = ?",
        guild,
        group_id,
        user
    )
    .fetch_optional(db.sqlite())
    .await?;
    w.map(|w| decode_u32("group_members", group_id, "joined_week", w)).transpose()
}

/// Everything stored about one member in one guild (`/my-data`).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct MemberData {
    pub guild_id: String,
    pub user_id: String,
    /// `None` when nothing is stored about the member.
    pub profile: Option<Profile>,
    pub memberships: Vec<Membership>,
    pub checkins: Vec<StoredCheckin>,
    pub ratings: Vec<StoredRating>,
    /// Groups this member created (their id is stored as the creator).
    pub groups_created: Vec<String>,
    /// Reminders the bot sent them as a direct message.
    pub reminder_dms: u64,
    /// Away periods (`/away`): group, first and last day.
    pub away: Vec<(String, String, String)>,
    /// Skills checklist ratings: group, skill (from 1), rating.
    pub skill_ratings: Vec<(String, i64, i64)>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Profile {
    pub display_name: String,
    pub reminder_dms_on: bool,
    pub first_seen: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Membership {
    pub group: String,
    pub joined_week: i64,
    pub joined_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct StoredCheckin {
    pub group: String,
    pub week: i64,
    pub status: String,
    pub hours: f64,
    pub confidence: i64,
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct StoredRating {
    pub group: String,
    pub week: i64,
    /// From 1, as shown in Discord.
    pub question: i64,
    pub rating: i64,
    pub updated_at: DateTime<Utc>,
}

/// Reads everything stored about a member in a guild, in one transaction.
pub async fn export(db: &Db, guild_id: u64, user_id: u64) -> Result<MemberData> {
    let _timer = crate::metrics::query("members.export");
    let guild = to_db(guild_id);
    let user = to_db(user_id);
    let mut tx = db.sqlite().begin().await?;
    let profile = sqlx::query!(
        r#"SELECT display_name, remind_dm, created_at AS "created_at: DateTime<Utc>"
           FROM members WHERE guild_id = ? AND user_id = ?"#,
        guild,
        user
    )
    .fetch_optional(&mut *tx)
    .await?
    .map(|r| Profile { display_name: r.display_name, reminder_dms_on: r.remind_dm == 1, first_seen: r.created_at });
    let memberships = sqlx::query!(
        r#"SELECT g.name, gm.joined_week, gm.joined_at AS "joined_at: DateTime<Utc>"
           FROM group_members gm JOIN study_groups g ON g.id = gm.group_id AND g.guild_id = gm.guild_id
           WHERE gm.guild_id = ? AND gm.user_id = ? ORDER BY g.name"#,
        guild,
        user
    )
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .map(|r| Membership { group: r.name, joined_week: r.joined_week, joined_at: r.joined_at })
    .collect();
    let checkins = sqlx::query!(
        r#"SELECT g.name, c.week, c.status, c.hours, c.confidence, c.note,
                  c.created_at AS "created_at: DateTime<Utc>", c.updated_at AS "updated_at: DateTime<Utc>"
           FROM checkins c JOIN study_groups g ON g.id = c.group_id AND g.guild_id = c.guild_id
           WHERE c.guild_id = ? AND c.user_id = ? ORDER BY g.name, c.week"#,
        guild,
        user
    )
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .map(|r| StoredCheckin {
        group: r.name,
        week: r.week,
        status: r.status,
        hours: r.hours,
        confidence: r.confidence,
        note: r.note,
        created_at: r.created_at,
        updated_at: r.updated_at,
    })
    .collect();
    let ratings = sqlx::query!(
        r#"SELECT g.name, r.week, r.question, r.rating, r.updated_at AS "updated_at: DateTime<Utc>"
           FROM ratings r JOIN study_groups g ON g.id = r.group_id AND g.guild_id = r.guild_id
           WHERE r.guild_id = ? AND r.user_id = ? ORDER BY g.name, r.week, r.question"#,
        guild,
        user
    )
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .map(|r| StoredRating {
        group: r.name,
        week: r.week,
        question: r.question + 1,
        rating: r.rating,
        updated_at: r.updated_at,
    })
    .collect();
    let groups_created = sqlx::query_scalar!(
        "SELECT name FROM study_groups WHERE guild_id = ? AND created_by = ? ORDER BY name",
        guild,
        user
    )
    .fetch_all(&mut *tx)
    .await?;
    let reminder_dms = sqlx::query_scalar!(
        "SELECT COUNT(*) FROM reminder_dms d JOIN posts p ON p.id = d.post_id
         JOIN study_groups g ON g.id = p.group_id WHERE g.guild_id = ? AND d.user_id = ? AND d.state = 'sent'",
        guild,
        user
    )
    .fetch_one(&mut *tx)
    .await?;
    let away = sqlx::query!(
        "SELECT g.name, a.from_date, a.to_date FROM away a JOIN study_groups g ON g.id = a.group_id AND g.guild_id = a.guild_id
         WHERE a.guild_id = ? AND a.user_id = ? ORDER BY g.name",
        guild,
        user
    )
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .map(|r| (r.name, r.from_date, r.to_date))
    .collect();
    let skill_ratings = sqlx::query!(
        "SELECT g.name, s.skill, s.rating FROM skill_ratings s
         JOIN study_groups g ON g.id = s.group_id AND g.guild_id = s.guild_id
         WHERE s.guild_id = ? AND s.user_id = ? ORDER BY g.name, s.skill",
        guild,
        user
    )
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .map(|r| (r.name, r.skill + 1, r.rating))
    .collect();
    tx.commit().await?;
    Ok(MemberData {
        away,
        skill_ratings,
        guild_id: guild_id.to_string(),
        user_id: user_id.to_string(),
        profile,
        memberships,
        checkins,
        ratings,
        groups_created,
        reminder_dms: reminder_dms.max(0) as u64,
    })
}

/// Turns reminder DMs off for a member Discord cannot DM (50007).
pub async fn stop_reminder_dms(db: &Db, guild_id: u64, user_id: u64) -> Result<()> {
    let _timer = crate::metrics::query("members.stop_reminder_dms");
    let guild = to_db(guild_id);
    let user = to_db(user_id);
    sqlx::query!("UPDATE members SET remind_dm = 0 WHERE guild_id = ? AND user_id = ?", guild, user)
        .execute(db.sqlite())
        .await?;
    Ok(())
}

/// Turns reminder DMs on or off for a member (creating the member row if needed).
pub async fn set_remind(
    db: &Db,
    guild_id: u64,
    user_id: u64,
    display_name: &str,
    on: bool,
    now: DateTime<Utc>,
) -> Result<()> {
    let _timer = crate::metrics::query("members.set_remind");
    let guild = to_db(guild_id);
    let user = to_db(user_id);
    let on = on as i64;
    sqlx::query!(
        "INSERT INTO members (guild_id, user_id, display_name, remind_dm, created_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (guild_id, user_id) DO UPDATE SET remind_dm = excluded.remind_dm",
        guild,
        user,
        display_name,
        on,
        now
    )
    .execute(db.sqlite())
    .await?;
    Ok(())
}

/// A member's away period in a group: local dates, both included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Away {
    pub user_id: u64,
    pub from: chrono::NaiveDate,
    pub to: chrono::NaiveDate,
}

fn decode_away(group_id: i64, user_id: i64, from: &str, to: &str) -> Result<Away> {
    let date =
        |what: &'static str, v: &str| decode("away", group_id, what, v.to_string(), |s| crate::weeks::parse_date(s));
    Ok(Away { user_id: from_db(user_id), from: date("from_date", from)?, to: date("to_date", to)? })
}

/// Sets (or replaces) the member's away period in the group; the member must have joined.
pub async fn set_away(
    db: &Db,
    a: Author<'_>,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
    now: DateTime<Utc>,
) -> Result<bool> {
    let _timer = crate::metrics::query("members.set_away");
    let guild = to_db(a.guild_id);
    let user = to_db(a.user_id);
    let (from, to) = (from.to_string(), to.to_string());
    let group_id = a.group_id;
    let r = sqlx::query!(
        "INSERT INTO away (group_id, guild_id, user_id, from_date, to_date, created_at)
         SELECT id, guild_id, ?, ?, ?, ? FROM study_groups WHERE guild_id = ? AND id = ?
         ON CONFLICT (group_id, user_id) DO UPDATE SET from_date = excluded.from_date, to_date = excluded.to_date,
             created_at = excluded.created_at",
        user,
        from,
        to,
        now,
        guild,
        group_id
    )
    .execute(db.sqlite())
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Removes the member's away period in the group; false when there was none.
pub async fn clear_away(db: &Db, guild_id: u64, group_id: i64, user_id: u64) -> Result<bool> {
    let _timer = crate::metrics::query("members.clear_away");
    let guild = to_db(guild_id);
    let user = to_db(user_id);
    let r = sqlx::query!("DELETE FROM away WHERE guild_id = ? AND group_id = ? AND user_id = ?", guild, group_id, user)
        .execute(db.sqlite())
        .await?;
    Ok(r.rows_affected() == 1)
}

/// The away periods of a group's members (or of one member).
pub async fn away(db: &Db, guild_id: u64, group_id: i64, user_id: Option<u64>) -> Result<Vec<Away>> {
    let _timer = crate::metrics::query("members.away");
    let guild = to_db(guild_id);
    let user = user_id.map(to_db);
    let rows = sqlx::query!(
        "SELECT user_id, from_date, to_date FROM away
         WHERE guild_id = ? AND group_id = ? AND (? IS NULL OR user_id = ?) ORDER BY user_id",
        guild,
        group_id,
        user,
        user
    )
    .fetch_all(db.sqlite())
    .await?;
    rows.into_iter().map(|r| decode_away(group_id, r.user_id, &r.from_date, &r.to_date)).collect()
}

/// Stores a rating of checklist skill `skill` (from 0), replacing an earlier one.
pub async fn set_skill_rating(db: &Db, a: Author<'_>, skill: u8, rating: u8, now: DateTime<Utc>) -> Result<Stored> {
    let _timer = crate::metrics::query("members.set_skill_rating");
    let guild = to_db(a.guild_id);
    let user = to_db(a.user_id);
    let group_id = a.group_id;
    let (skill, rating) = (i64::from(skill), i64::from(rating));
    let r = sqlx::query!(
        "INSERT INTO skill_ratings (group_id, guild_id, user_id, skill, rating, updated_at)
         SELECT id, guild_id, ?, ?, ?, ? FROM study_groups WHERE guild_id = ? AND id = ?
         ON CONFLICT (group_id, user_id, skill) DO UPDATE SET rating = excluded.rating, updated_at = excluded.updated_at",
        user,
        skill,
        rating,
        now,
        guild,
        group_id
    )
    .execute(db.sqlite())
    .await;
    rating_stored(r)
}

/// A member's checklist ratings in a group: (skill, rating).
pub async fn skill_ratings(db: &Db, guild_id: u64, group_id: i64, user_id: u64) -> Result<Vec<(u8, u8)>> {
    let _timer = crate::metrics::query("members.skill_ratings");
    let guild = to_db(guild_id);
    let user = to_db(user_id);
    let rows = sqlx::query!(
        "SELECT skill, rating FROM skill_ratings WHERE guild_id = ? AND group_id = ? AND user_id = ? ORDER BY skill",
        guild,
        group_id,
        user
    )
    .fetch_all(db.sqlite())
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok((
                decode_u8("skill_ratings", group_id, "skill", r.skill)?,
                decode_score("skill_ratings", group_id, "rating", r.rating)?,
            ))
        })
        .collect()
}
