//! Members, their check-ins and self-assessment ratings. Scoped by guild.

use super::{
    Db, Error, Result, decode, decode_score, decode_u8, decode_u32, execute, fetch, from_db, is_foreign_key_violation,
    scalar, to_db, with_pool,
};
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

/// Stores the member in the server if they are not yet (no group membership), keeping a
/// stored display name.
pub async fn ensure_member(db: &Db, guild_id: u64, user_id: u64, display_name: &str, now: DateTime<Utc>) -> Result<()> {
    let _timer = crate::metrics::query("members.ensure");
    let (guild, user) = (to_db(guild_id), to_db(user_id));
    execute!(
        db,
        "INSERT INTO members (guild_id, user_id, display_name, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (guild_id, user_id) DO NOTHING",
        guild,
        user,
        display_name,
        now
    )?;
    Ok(())
}

/// Creates the member and their group membership (from `week`) if missing, or refreshes the
/// display name. An existing membership keeps its `joined_week`: catching up on an earlier
/// week never moves the start of counting back. One short transaction; the
/// service calls it only when it does not already know the member joined with this name.
pub async fn join(db: &Db, a: Author<'_>, week: u32, now: DateTime<Utc>) -> Result<()> {
    let _timer = crate::metrics::query("members.join");
    let guild = to_db(a.guild_id);
    let user = to_db(a.user_id);
    let week = i64::from(week);
    let (display_name, group_id) = (a.display_name, a.group_id);
    with_pool!(db, p => async {
        let mut tx = p.begin().await?;
        sqlx::query(
            "INSERT INTO members (guild_id, user_id, display_name, created_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (guild_id, user_id) DO UPDATE SET display_name = excluded.display_name",
        )
        .bind(guild)
        .bind(user)
        .bind(display_name)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO group_members (group_id, guild_id, user_id, joined_week, joined_at)
             SELECT id, guild_id, $1, $2, $3 FROM study_groups WHERE guild_id = $4 AND id = $5
             ON CONFLICT (group_id, user_id) DO NOTHING",
        )
        .bind(user)
        .bind(week)
        .bind(now)
        .bind(guild)
        .bind(group_id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok::<_, Error>(())
    }
    .await)
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
fn rating_stored(r: std::result::Result<u64, sqlx::Error>) -> Result<Stored> {
    match r {
        Ok(0) => Ok(Stored::NoGroup),
        Ok(_) => Ok(Stored::New),
        Err(e) if is_foreign_key_violation(&e) => Ok(Stored::NotMember),
        Err(e) => Err(e.into()),
    }
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
    let hours = c.hours;
    let note = c.note.clone();
    const SQL: &str = "INSERT INTO checkins (group_id, guild_id, user_id, week, status, hours, confidence, note, created_at, updated_at)
         SELECT id, guild_id, $1, $2, $3, $4, $5, $6, $7, $7 FROM study_groups WHERE guild_id = $8 AND id = $9
         ON CONFLICT (group_id, user_id, week) DO UPDATE SET
             status = excluded.status, hours = excluded.hours, confidence = excluded.confidence,
             note = excluded.note, updated_at = excluded.updated_at, revision = checkins.revision + 1
         RETURNING revision";
    macro_rules! q {
        () => {
            sqlx::query_scalar::<_, i64>(SQL)
                .bind(user)
                .bind(week)
                .bind(status)
                .bind(hours)
                .bind(confidence)
                .bind(note.clone())
                .bind(now)
                .bind(guild)
                .bind(group_id)
        };
    }
    // Run to completion (`fetch_all`), so a failed commit is seen: never confirmed unstored.
    let r = match db.writer() {
        // SQLite: the writer connection, when there is one.
        Some((pool, w)) => w.run(pool, move |conn| Box::pin(async move { q!().fetch_all(conn).await })).await,
        None => with_pool!(db, p => q!().fetch_all(p).await),
    }
    .map(|rows| rows.into_iter().next());
    match r {
        Ok(Some(0)) => Ok(Stored::New),
        Ok(Some(_)) => Ok(Stored::Replaced),
        Ok(None) => Ok(Stored::NoGroup),
        Err(e) if is_foreign_key_violation(&e) => Ok(Stored::NotMember),
        Err(e) => Err(e.into()),
    }
}

/// A stored check-in row (here and in the report loader): id, user, week, status, hours,
/// confidence, note, created, updated. A tuple, decoded by column position (the streamed raw
/// CSV decodes hundreds of thousands).
pub(crate) type CheckinRow = (i64, i64, i64, String, f64, i64, Option<String>, DateTime<Utc>, DateTime<Utc>);

/// Decodes a stored check-in strictly (shared with the report loader).
pub(crate) fn decode_checkin(r: CheckinRow) -> Result<Checkin> {
    let (id, user_id, week, status, hours, confidence, note, created_at, updated_at) = r;
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
    let rows = fetch!(
        db,
        fetch_all,
        CheckinRow,
        "SELECT id, user_id, week, status, hours, confidence, note, created_at, updated_at
         FROM checkins WHERE guild_id = $1 AND group_id = $2 AND user_id = $3 ORDER BY week",
        guild,
        group_id,
        user
    )?;
    rows.into_iter().map(decode_checkin).collect()
}

/// Members who checked in for a week of a group (for the reminder's count).
pub async fn checked_in_count(db: &Db, guild_id: u64, group_id: i64, week: u32) -> Result<u32> {
    let _timer = crate::metrics::query("members.checked_in_count");
    let guild = to_db(guild_id);
    let week = i64::from(week);
    let n = scalar!(
        db,
        fetch_one,
        i64,
        "SELECT COUNT(*) FROM checkins WHERE guild_id = $1 AND group_id = $2 AND week = $3",
        guild,
        group_id,
        week
    )?;
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
    const SQL: &str = "INSERT INTO ratings (group_id, guild_id, user_id, week, question, rating, updated_at)
         SELECT id, guild_id, $1, $2, $3, $4, $5 FROM study_groups WHERE guild_id = $6 AND id = $7
         ON CONFLICT (group_id, user_id, week, question) DO UPDATE SET
             rating = excluded.rating, updated_at = excluded.updated_at";
    macro_rules! q {
        () => {
            sqlx::query(SQL).bind(user).bind(week).bind(question).bind(rating).bind(now).bind(guild).bind(group_id)
        };
    }
    let r = match db.writer() {
        // SQLite: the writer connection, when there is one.
        Some((pool, w)) => {
            w.run(pool, move |conn| Box::pin(async move { q!().execute(conn).await.map(|r| r.rows_affected()) })).await
        }
        None => with_pool!(db, p => q!().execute(p).await.map(|r| r.rows_affected())),
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
    let rows = fetch!(
        db,
        fetch_all,
        (i64, i64, i64, i64),
        "SELECT user_id, week, question, rating FROM ratings WHERE guild_id = $1 AND group_id = $2 AND user_id = $3
         ORDER BY week, question",
        guild,
        group_id,
        user
    )?;
    rows.into_iter().map(|(u, week, question, rating)| decode_rating(group_id, u, week, question, rating)).collect()
}

/// Groups of the guild the member belongs to (id list).
pub async fn member_groups(db: &Db, guild_id: u64, user_id: u64) -> Result<Vec<i64>> {
    let _timer = crate::metrics::query("members.member_groups");
    let guild = to_db(guild_id);
    let user = to_db(user_id);
    Ok(scalar!(
        db,
        fetch_all,
        i64,
        "SELECT group_id FROM group_members WHERE guild_id = $1 AND user_id = $2 ORDER BY group_id",
        guild,
        user
    )?)
}

/// The member's stored display name in the server, if stored.
pub async fn display_name(db: &Db, guild_id: u64, user_id: u64) -> Result<Option<String>> {
    let _timer = crate::metrics::query("members.display_name");
    Ok(scalar!(
        db,
        fetch_optional,
        String,
        "SELECT display_name FROM members WHERE guild_id = $1 AND user_id = $2",
        to_db(guild_id),
        to_db(user_id)
    )?)
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
    with_pool!(db, p => async {
        let mut tx = p.begin().await?;
        let mut delete = async |sql: &'static str| -> std::result::Result<u64, sqlx::Error> {
            Ok(sqlx::query(sql).bind(guild).bind(user).execute(&mut *tx).await?.rows_affected())
        };
        let checkins = delete("DELETE FROM checkins WHERE guild_id = $1 AND user_id = $2").await?;
        let ratings = delete("DELETE FROM ratings WHERE guild_id = $1 AND user_id = $2").await?;
        delete("DELETE FROM away WHERE guild_id = $1 AND user_id = $2").await?;
        delete("DELETE FROM skill_ratings WHERE guild_id = $1 AND user_id = $2").await?;
        let memberships = delete("DELETE FROM group_members WHERE guild_id = $1 AND user_id = $2").await?;
        let member = delete("DELETE FROM members WHERE guild_id = $1 AND user_id = $2").await? == 1;
        // Groups they created stay, without their id (0: nobody).
        delete("UPDATE study_groups SET created_by = 0 WHERE guild_id = $1 AND created_by = $2").await?;
        // Calendar changes they made as a moderator stay, without their name.
        delete(
            "UPDATE calendar_log SET user_id = NULL WHERE user_id = $2
             AND group_id IN (SELECT id FROM study_groups WHERE guild_id = $1)",
        )
        .await?;
        // Which reminders were sent to them as DMs (the posts belong to this guild's groups).
        delete(
            "DELETE FROM reminder_dms WHERE user_id = $2
             AND post_id IN (SELECT p.id FROM posts p JOIN study_groups g ON g.id = p.group_id WHERE g.guild_id = $1)",
        )
        .await?;
        tx.commit().await?;
        Ok::<_, Error>(Forgotten { checkins, ratings, memberships, member })
    }
    .await)
}

/// The week from which a member belongs to a group (`None`: not a member).
pub async fn joined_week(db: &Db, guild_id: u64, group_id: i64, user_id: u64) -> Result<Option<u32>> {
    let _timer = crate::metrics::query("members.joined_week");
    let guild = to_db(guild_id);
    let user = to_db(user_id);
    let w = scalar!(
        db,
        fetch_optional,
        i64,
        "SELECT joined_week FROM group_members WHERE guild_id = $1 AND group_id = $2 AND user_id = $3",
        guild,
        group_id,
        user
    )?;
    w.map(|w| decode_u32("group_members", group_id, "joined_week", w)).transpose()
}

/// The server of group `group_id` if `user_id` is a member of it (and the bot is still in
/// that server): how a check-in from a reminder DM, which carries no server, finds its scope.
pub async fn membership_guild(db: &Db, group_id: i64, user_id: u64) -> Result<Option<u64>> {
    let _timer = crate::metrics::query("members.membership_guild");
    let user = to_db(user_id);
    let g = scalar!(
        db,
        fetch_optional,
        i64,
        "SELECT m.guild_id FROM group_members m JOIN study_groups g ON g.id = m.group_id AND g.guild_id = m.guild_id
         WHERE m.group_id = $1 AND m.user_id = $2
           AND NOT EXISTS (SELECT 1 FROM removed_servers r WHERE r.guild_id = m.guild_id)",
        group_id,
        user
    )?;
    Ok(g.map(from_db))
}

/// A stored check-in in the export: (group, week, status, hours, confidence, note, created, updated).
pub type ExportedCheckin = (String, i64, String, f64, i64, Option<String>, DateTime<Utc>, DateTime<Utc>);

/// A logged calendar change in the export: (group, at, action, on date, until date, week).
pub type ExportedChange = (String, DateTime<Utc>, String, String, Option<String>, Option<i64>);

/// A spaced-review card in the export: (path, week, question from 0, first rating, rated
/// at, stability, difficulty, due at, reviews, lapses, retired).
pub type ExportedCard =
    (String, i64, i64, i64, DateTime<Utc>, Option<f64>, Option<f64>, Option<DateTime<Utc>>, i64, i64, i64);

/// A logged review in the export: (path, week, question from 0, at, grade 1-4, days since the
/// previous review, days scheduled, `seed` or `review`).
pub type ExportedReview = (String, i64, i64, DateTime<Utc>, i64, i64, i64, String);

/// Everything stored about one member in one guild, as stored (the `/my-data` export is
/// shaped from it by `service::my_data`). Group names stand for group ids.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MemberRows {
    /// (display name, reminder DMs on, first seen); `None` when nothing is stored.
    pub profile: Option<(String, bool, DateTime<Utc>)>,
    /// (group, joined week, joined at), by group.
    pub memberships: Vec<(String, i64, DateTime<Utc>)>,
    /// By group and week.
    pub checkins: Vec<ExportedCheckin>,
    /// (group, week, question from 0, rating, updated), by group, week and question.
    pub ratings: Vec<(String, i64, i64, i64, DateTime<Utc>)>,
    /// Names of the groups they created.
    pub groups_created: Vec<String>,
    /// Reminder DMs sent to them.
    pub reminder_dms: u64,
    /// (group, first day, last day), by group.
    pub away: Vec<(String, String, String)>,
    /// (group, skill from 0, rating), by group and skill.
    pub skill_ratings: Vec<(String, i64, i64)>,
    /// In the order they were made.
    pub calendar_changes: Vec<ExportedChange>,
    /// Spaced-review cards, by path, week and question.
    pub review_cards: Vec<ExportedCard>,
    /// Their reviews, in the order they were made.
    pub reviews: Vec<ExportedReview>,
    /// Their spaced-review choices: (daily maximum, DM hour), if they made any.
    pub review_choices: Option<(i64, Option<i64>)>,
    /// Their review DMs: (local day, cards, state), by day.
    pub review_dms: Vec<(String, i64, String)>,
    /// The sessions' Discord events they said they were interested in: (group, the
    /// session's start), by start.
    pub events_interested: Vec<(String, DateTime<Utc>)>,
    /// Their study-buddy opt-ins: (group, paused until, paused by the bot), by group.
    pub buddies: Vec<(String, Option<String>, i64)>,
    /// Whom they never want as a buddy (theirs only), by id.
    pub avoided: Vec<i64>,
    /// Their "partner unreachable" reports: (group, week, when, outcome), by time.
    pub buddy_reports: Vec<(String, i64, DateTime<Utc>, String)>,
    /// Their certificates: (code, group, path, issued), by issue.
    pub certificates: Vec<(String, String, String, DateTime<Utc>)>,
    /// When their personal calendar feed was made (`/calendar subscribe`), if they have one.
    pub calendar_feed_since: Option<DateTime<Utc>>,
}

/// Reads everything stored about a member in a guild, in one transaction.
pub async fn export(db: &Db, guild_id: u64, user_id: u64) -> Result<MemberRows> {
    let _timer = crate::metrics::query("members.export");
    let guild = to_db(guild_id);
    let user = to_db(user_id);
    with_pool!(db, p => async {
        let mut tx = p.begin().await?;
        let profile = sqlx::query_as::<_, (String, i64, DateTime<Utc>)>(
            "SELECT display_name, remind_dm, created_at FROM members WHERE guild_id = $1 AND user_id = $2",
        )
        .bind(guild)
        .bind(user)
        .fetch_optional(&mut *tx)
        .await?
        .map(|(display_name, remind_dm, created_at)| (display_name, remind_dm == 1, created_at));
        let memberships = sqlx::query_as::<_, (String, i64, DateTime<Utc>)>(
            "SELECT g.name, gm.joined_week, gm.joined_at
             FROM group_members gm JOIN study_groups g ON g.id = gm.group_id AND g.guild_id = gm.guild_id
             WHERE gm.guild_id = $1 AND gm.user_id = $2 ORDER BY g.name",
        )
        .bind(guild)
        .bind(user)
        .fetch_all(&mut *tx)
        .await?;
        let checkins = sqlx::query_as::<_, ExportedCheckin>(
            "SELECT g.name, c.week, c.status, c.hours, c.confidence, c.note, c.created_at, c.updated_at
             FROM checkins c JOIN study_groups g ON g.id = c.group_id AND g.guild_id = c.guild_id
             WHERE c.guild_id = $1 AND c.user_id = $2 ORDER BY g.name, c.week",
        )
        .bind(guild)
        .bind(user)
        .fetch_all(&mut *tx)
        .await?;
        let ratings = sqlx::query_as::<_, (String, i64, i64, i64, DateTime<Utc>)>(
            "SELECT g.name, r.week, r.question, r.rating, r.updated_at
             FROM ratings r JOIN study_groups g ON g.id = r.group_id AND g.guild_id = r.guild_id
             WHERE r.guild_id = $1 AND r.user_id = $2 ORDER BY g.name, r.week, r.question",
        )
        .bind(guild)
        .bind(user)
        .fetch_all(&mut *tx)
        .await?;
        let groups_created = sqlx::query_scalar::<_, String>(
            "SELECT name FROM study_groups WHERE guild_id = $1 AND created_by = $2 ORDER BY name",
        )
        .bind(guild)
        .bind(user)
        .fetch_all(&mut *tx)
        .await?;
        let reminder_dms = sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM reminder_dms d JOIN posts p ON p.id = d.post_id
             JOIN study_groups g ON g.id = p.group_id WHERE g.guild_id = $1 AND d.user_id = $2 AND d.state = 'sent'",
        )
        .bind(guild)
        .bind(user)
        .fetch_one(&mut *tx)
        .await?;
        let away = sqlx::query_as::<_, (String, String, String)>(
            "SELECT g.name, a.from_date, a.to_date FROM away a
             JOIN study_groups g ON g.id = a.group_id AND g.guild_id = a.guild_id
             WHERE a.guild_id = $1 AND a.user_id = $2 ORDER BY g.name",
        )
        .bind(guild)
        .bind(user)
        .fetch_all(&mut *tx)
        .await?;
        let skill_ratings = sqlx::query_as::<_, (String, i64, i64)>(
            "SELECT g.name, s.skill, s.rating FROM skill_ratings s
             JOIN study_groups g ON g.id = s.group_id AND g.guild_id = s.guild_id
             WHERE s.guild_id = $1 AND s.user_id = $2 ORDER BY g.name, s.skill",
        )
        .bind(guild)
        .bind(user)
        .fetch_all(&mut *tx)
        .await?;
        let calendar_changes = sqlx::query_as::<_, ExportedChange>(
            "SELECT g.name, l.at, l.action, l.on_date, l.until_date, l.week FROM calendar_log l
             JOIN study_groups g ON g.id = l.group_id
             WHERE g.guild_id = $1 AND l.user_id = $2 ORDER BY l.at, l.id",
        )
        .bind(guild)
        .bind(user)
        .fetch_all(&mut *tx)
        .await?;
        let review_cards = sqlx::query_as::<_, ExportedCard>(
            "SELECT path_id, week, question, seed_rating, rated_at, stability, difficulty, due_at, reps, lapses, retired
             FROM review_cards WHERE guild_id = $1 AND user_id = $2 ORDER BY path_id, week, question",
        )
        .bind(guild)
        .bind(user)
        .fetch_all(&mut *tx)
        .await?;
        let reviews = sqlx::query_as::<_, ExportedReview>(
            "SELECT c.path_id, c.week, c.question, l.at, l.grade, l.elapsed_days, l.scheduled_days, l.source
             FROM review_log l JOIN review_cards c ON c.id = l.card_id
             WHERE l.guild_id = $1 AND l.user_id = $2 AND c.guild_id = $1 ORDER BY l.at, l.id",
        )
        .bind(guild)
        .bind(user)
        .fetch_all(&mut *tx)
        .await?;
        let review_choices = sqlx::query_as::<_, (i64, Option<i64>)>(
            "SELECT daily_max, dm_hour FROM review_prefs WHERE guild_id = $1 AND user_id = $2",
        )
        .bind(guild)
        .bind(user)
        .fetch_optional(&mut *tx)
        .await?;
        let review_dms = sqlx::query_as::<_, (String, i64, String)>(
            "SELECT day, cards, state FROM review_dms WHERE guild_id = $1 AND user_id = $2 ORDER BY day",
        )
        .bind(guild)
        .bind(user)
        .fetch_all(&mut *tx)
        .await?;
        let events_interested = sqlx::query_as::<_, (String, DateTime<Utc>)>(
            "SELECT g.name, s.start_at FROM event_interest i
             JOIN study_groups g ON g.id = i.group_id AND g.guild_id = i.guild_id
             JOIN session_events s ON s.group_id = i.group_id AND s.session = i.session
             WHERE i.guild_id = $1 AND i.user_id = $2 ORDER BY s.start_at, g.name",
        )
        .bind(guild)
        .bind(user)
        .fetch_all(&mut *tx)
        .await?;
        let buddies = sqlx::query_as::<_, (String, Option<String>, i64)>(
            "SELECT g.name, b.paused_until, b.auto_paused FROM buddy_members b
             JOIN study_groups g ON g.id = b.group_id AND g.guild_id = b.guild_id
             WHERE b.guild_id = $1 AND b.user_id = $2 ORDER BY g.name",
        )
        .bind(guild)
        .bind(user)
        .fetch_all(&mut *tx)
        .await?;
        let avoided = sqlx::query_scalar::<_, i64>(
            "SELECT avoided_id FROM buddy_avoid WHERE guild_id = $1 AND user_id = $2 ORDER BY avoided_id",
        )
        .bind(guild)
        .bind(user)
        .fetch_all(&mut *tx)
        .await?;
        let buddy_reports = sqlx::query_as::<_, (String, i64, DateTime<Utc>, String)>(
            "SELECT g.name, r.week, x.reported_at, x.outcome FROM buddy_reports x
             JOIN buddy_pairs p ON p.id = x.pair_id JOIN buddy_rounds r ON r.id = p.round_id
             JOIN study_groups g ON g.id = r.group_id AND g.guild_id = r.guild_id
             WHERE x.guild_id = $1 AND x.reporter_id = $2 ORDER BY x.reported_at, x.pair_id",
        )
        .bind(guild)
        .bind(user)
        .fetch_all(&mut *tx)
        .await?;
        let certificates = sqlx::query_as::<_, (String, String, String, DateTime<Utc>)>(
            "SELECT code, group_name, path_name, issued_at FROM certificates
             WHERE guild_id = $1 AND user_id = $2 ORDER BY issued_at, code",
        )
        .bind(guild)
        .bind(user)
        .fetch_all(&mut *tx)
        .await?;
        let calendar_feed_since = sqlx::query_scalar::<_, DateTime<Utc>>(
            "SELECT created_at FROM member_feeds WHERE guild_id = $1 AND user_id = $2",
        )
        .bind(guild)
        .bind(user)
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok::<_, Error>(MemberRows {
            certificates,
            calendar_feed_since,
            buddies,
            avoided,
            buddy_reports,
            events_interested,
            review_cards,
            reviews,
            review_choices,
            review_dms,
            away,
            skill_ratings,
            calendar_changes,
            profile,
            memberships,
            checkins,
            ratings,
            groups_created,
            reminder_dms: reminder_dms.max(0) as u64,
        })
    }
    .await)
}

/// Turns reminder DMs off for a member Discord cannot DM (50007).
pub async fn stop_reminder_dms(db: &Db, guild_id: u64, user_id: u64) -> Result<()> {
    let _timer = crate::metrics::query("members.stop_reminder_dms");
    let guild = to_db(guild_id);
    let user = to_db(user_id);
    execute!(db, "UPDATE members SET remind_dm = 0 WHERE guild_id = $1 AND user_id = $2", guild, user)?;
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
    execute!(
        db,
        "INSERT INTO members (guild_id, user_id, display_name, remind_dm, created_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (guild_id, user_id) DO UPDATE SET remind_dm = excluded.remind_dm",
        guild,
        user,
        display_name,
        on,
        now
    )?;
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

/// Whether the member is away on local date `day` in any of their groups of the server.
pub async fn away_on(db: &Db, guild_id: u64, user_id: u64, day: chrono::NaiveDate) -> Result<bool> {
    let _timer = crate::metrics::query("members.away_on");
    let (guild, user) = (to_db(guild_id), to_db(user_id));
    let day = day.format("%Y-%m-%d").to_string();
    let n = scalar!(
        db,
        fetch_one,
        i64,
        "SELECT COUNT(*) FROM away WHERE guild_id = $1 AND user_id = $2 AND from_date <= $3 AND to_date >= $3",
        guild,
        user,
        &day
    )?;
    Ok(n > 0)
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
    let n = execute!(
        db,
        "INSERT INTO away (group_id, guild_id, user_id, from_date, to_date, created_at)
         SELECT id, guild_id, $1, $2, $3, $4 FROM study_groups WHERE guild_id = $5 AND id = $6
         ON CONFLICT (group_id, user_id) DO UPDATE SET from_date = excluded.from_date, to_date = excluded.to_date,
             created_at = excluded.created_at",
        user,
        &from,
        &to,
        now,
        guild,
        group_id
    )?;
    Ok(n == 1)
}

/// Removes the member's away period in the group; false when there was none.
pub async fn clear_away(db: &Db, guild_id: u64, group_id: i64, user_id: u64) -> Result<bool> {
    let _timer = crate::metrics::query("members.clear_away");
    let guild = to_db(guild_id);
    let user = to_db(user_id);
    let n =
        execute!(db, "DELETE FROM away WHERE guild_id = $1 AND group_id = $2 AND user_id = $3", guild, group_id, user)?;
    Ok(n == 1)
}

/// The away periods of a group's members (or of one member).
pub async fn away(db: &Db, guild_id: u64, group_id: i64, user_id: Option<u64>) -> Result<Vec<Away>> {
    let _timer = crate::metrics::query("members.away");
    let guild = to_db(guild_id);
    let user = user_id.map(to_db);
    let rows = fetch!(
        db,
        fetch_all,
        (i64, String, String),
        "SELECT user_id, from_date, to_date FROM away
         WHERE guild_id = $1 AND group_id = $2 AND (CAST($3 AS BIGINT) IS NULL OR user_id = $3) ORDER BY user_id",
        guild,
        group_id,
        user
    )?;
    rows.into_iter().map(|(u, from, to)| decode_away(group_id, u, &from, &to)).collect()
}

/// Stores a rating of checklist skill `skill` (from 0), replacing an earlier one.
pub async fn set_skill_rating(db: &Db, a: Author<'_>, skill: u8, rating: u8, now: DateTime<Utc>) -> Result<Stored> {
    let _timer = crate::metrics::query("members.set_skill_rating");
    let guild = to_db(a.guild_id);
    let user = to_db(a.user_id);
    let group_id = a.group_id;
    let (skill, rating) = (i64::from(skill), i64::from(rating));
    let r = execute!(
        db,
        "INSERT INTO skill_ratings (group_id, guild_id, user_id, skill, rating, updated_at)
         SELECT id, guild_id, $1, $2, $3, $4 FROM study_groups WHERE guild_id = $5 AND id = $6
         ON CONFLICT (group_id, user_id, skill) DO UPDATE SET rating = excluded.rating, updated_at = excluded.updated_at",
        user,
        skill,
        rating,
        now,
        guild,
        group_id
    );
    rating_stored(r)
}

/// A member's checklist ratings in a group: (skill, rating).
pub async fn skill_ratings(db: &Db, guild_id: u64, group_id: i64, user_id: u64) -> Result<Vec<(u8, u8)>> {
    let _timer = crate::metrics::query("members.skill_ratings");
    let guild = to_db(guild_id);
    let user = to_db(user_id);
    let rows = fetch!(
        db,
        fetch_all,
        (i64, i64),
        "SELECT skill, rating FROM skill_ratings WHERE guild_id = $1 AND group_id = $2 AND user_id = $3 ORDER BY skill",
        guild,
        group_id,
        user
    )?;
    rows.into_iter()
        .map(|(skill, rating)| {
            Ok((
                decode_u8("skill_ratings", group_id, "skill", skill)?,
                decode_score("skill_ratings", group_id, "rating", rating)?,
            ))
        })
        .collect()
}
