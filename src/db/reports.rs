//! Loads the input of a participation report (`crate::report`). Scoped by guild: every
//! query takes the guild id and reaches the group's rows through
//! `study_groups g WHERE g.guild_id = ? AND g.id = ?`, so a group id alone is never trusted.
//!
//! The SQL lives in `src/db/reports/*.sql` (one text for both backends); the same text is
//! exported in [`QUERIES`] so the benchmark can show their query plans.

use super::groups::{GroupRow, group_row};
#[cfg(test)]
use super::members::decode_rating;
use super::members::{CheckinRow as StoredCheckinRow, decode_checkin};
use super::{Db, Error, Result, decode_u8, decode_u32, decode_u64, fetch, from_db, scalar, to_db, with_pool};
use crate::model::Checkin;
use crate::model::{Calendar, Group};
#[cfg(test)]
use crate::model::{GroupMember, Rating};
use crate::report::{Aggregates, CheckinRow, MemberAgg, MemberOrder, Range, TopicAgg, WeekAgg};
#[cfg(test)]
use chrono::Utc;
use std::collections::HashMap;

/// The report queries by name, with their SQL exactly as run (for `EXPLAIN QUERY PLAN`).
/// Each takes `$1` = guild id and `$2` = group id, except `group_guild` (`$1` = group id); the
/// `aggregate_*` and `checkins_in_range` ones also `$3`..=`$4`, the weeks.
pub const QUERIES: [(&str, &str); 10] = [
    ("aggregate_members", include_str!("reports/aggregate_members.sql")),
    ("aggregate_weeks", include_str!("reports/aggregate_weeks.sql")),
    ("aggregate_topics", include_str!("reports/aggregate_topics.sql")),
    ("checkins_in_range", include_str!("reports/checkins_in_range.sql")),
    ("group", include_str!("reports/group.sql")),
    ("breaks", include_str!("reports/breaks.sql")),
    ("members", include_str!("reports/members.sql")),
    ("checkins", include_str!("reports/checkins.sql")),
    ("ratings", include_str!("reports/ratings.sql")),
    ("group_guild", include_str!("reports/group_guild.sql")),
];

/// Everything stored about one group that a report needs.
#[cfg(test)]
#[derive(Debug, Clone, PartialEq)]
pub struct ReportRows {
    pub group: Group,
    pub calendar: Calendar,
    pub members: Vec<GroupMember>,
    pub checkins: Vec<Checkin>,
    pub ratings: Vec<Rating>,
}

/// The guild of group `group_id`, for the self-hoster's CLI, which is not acting for a
/// Discord user. Bot commands know their guild and must not use this.
pub async fn group_guild(db: &Db, group_id: i64) -> Result<Option<u64>> {
    let _timer = crate::metrics::query("reports.group_guild");
    let guild = scalar!(db, fetch_optional, i64, include_str!("reports/group_guild.sql"), group_id)?;
    Ok(guild.map(from_db))
}

/// The group and its calendar (guild-scoped); `None` when the guild has no such group.
pub async fn group(db: &Db, guild_id: u64, group_id: i64) -> Result<Option<(Group, Calendar)>> {
    let _timer = crate::metrics::query("reports.group");
    let guild = to_db(guild_id);
    let Some(g) = fetch!(db, fetch_optional, GroupRow, include_str!("reports/group.sql"), guild, group_id)? else {
        return Ok(None);
    };
    let group = group_row!(g);
    let calendar = super::groups::calendar(db, group.scope()).await?;
    Ok(Some((group, calendar)))
}

/// The display names of group `group_id`'s members (user id -> name); empty when the guild
/// has no such group.
pub async fn member_names(db: &Db, guild_id: u64, group_id: i64) -> Result<HashMap<u64, String>> {
    let _timer = crate::metrics::query("reports.member_names");
    let guild = to_db(guild_id);
    let rows = fetch!(db, fetch_all, (i64, String, i64), include_str!("reports/members.sql"), guild, group_id)?;
    Ok(rows.into_iter().map(|(user_id, name, _)| (from_db(user_id), name)).collect())
}

/// A report's figures over weeks `r.from..=r.to`, aggregated by SQL: per member, per week
/// and per question. Reads in one transaction, so the three agree with each other.
pub async fn aggregates(db: &Db, guild_id: u64, group_id: i64, r: Range) -> Result<Aggregates> {
    let _timer = crate::metrics::query("reports.aggregates");
    let guild = to_db(guild_id);
    let (from, to) = (i64::from(r.from), i64::from(r.to));
    type MemberRow = (i64, Option<String>, i64, i64, i64, f64, i64);
    type WeekRow = (i64, i64, f64, i64);
    type TopicRow = (i64, i64, i64, i64);
    let (member_rows, week_rows, topic_rows) = with_pool!(db, p => async {
        let mut tx = p.begin().await?;
        // One aggregate query over weeks `from..=to` of the group, in the transaction.
        macro_rules! aggregate {
            ($row:ty, $file:literal) => {
                sqlx::query_as::<_, $row>(include_str!($file))
                    .bind(guild)
                    .bind(group_id)
                    .bind(from)
                    .bind(to)
                    .fetch_all(&mut *tx)
                    .await?
            };
        }
        let m = aggregate!(MemberRow, "reports/aggregate_members.sql");
        let w = aggregate!(WeekRow, "reports/aggregate_weeks.sql");
        let t = aggregate!(TopicRow, "reports/aggregate_topics.sql");
        tx.commit().await?;
        Ok::<_, Error>((m, w, t))
    }
    .await)?;
    let mut members = Vec::with_capacity(member_rows.len());
    for (user_id, display_name, joined_week, checked, streak, hours, confidence) in member_rows {
        members.push(MemberAgg {
            user_id: from_db(user_id),
            display_name,
            joined_week: decode_u32("group_members", group_id, "joined_week", joined_week)?,
            checked: from_db(checked),
            streak: from_db(streak),
            hours,
            confidence: decode_u64("checkins", group_id, "confidence sum", confidence)?,
        });
    }
    let mut weeks = Vec::with_capacity(week_rows.len());
    for (week, checkins, hours, confidence) in week_rows {
        weeks.push(WeekAgg {
            week: decode_u32("checkins", group_id, "week", week)?,
            checkins: decode_u32("checkins", group_id, "count", checkins)?,
            hours,
            confidence: decode_u64("checkins", group_id, "confidence sum", confidence)?,
        });
    }
    let mut topics = Vec::with_capacity(topic_rows.len());
    for (week, question, sum, ratings) in topic_rows {
        topics.push(TopicAgg {
            week: decode_u32("ratings", group_id, "week", week)?,
            question: decode_u8("ratings", group_id, "question", question)?,
            sum: decode_u64("ratings", group_id, "rating sum", sum)?,
            ratings: decode_u32("ratings", group_id, "count", ratings)?,
        });
    }
    Ok(Aggregates { members, weeks, topics })
}

/// The check-ins of weeks `r.from..=r.to` of a group, read by a task started at once (so
/// they are read while the caller loads what else it needs, and the next week is read and
/// decoded while [`each`](CheckinPages::each) hands out this one). One week's rows form a
/// page; at most three pages are held (one being read, one waiting, one handed out).
pub struct CheckinPages {
    pages: tokio::sync::mpsc::Receiver<Result<Vec<Checkin>>>,
    reader: AbortOnDrop,
}

/// Starts reading the check-ins of weeks `r.from..=r.to` of group `group_id` of guild
/// `guild_id` (nothing is read unless [`CheckinPages::each`] takes them).
pub fn checkin_pages(db: &Db, guild_id: u64, group_id: i64, r: Range) -> CheckinPages {
    let (tx, pages) = tokio::sync::mpsc::channel(1);
    let reader = AbortOnDrop(Some(tokio::spawn(read_weeks(db.clone(), guild_id, group_id, r, tx))));
    CheckinPages { pages, reader }
}

impl CheckinPages {
    /// Hands the check-ins to `each` by week and within a week in `order` (the report's
    /// member order), with the name the report shows (the user id for someone without a
    /// name). An error from `each` stops the stream and the reader, and is returned.
    pub async fn each<E: From<Error>>(
        mut self,
        names: &HashMap<u64, String>,
        order: &MemberOrder,
        mut each: impl FnMut(&CheckinRow<'_>) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E> {
        use std::borrow::Cow;
        let _timer = crate::metrics::query("reports.each_checkin");
        let mut week: Vec<CheckinRow<'_>> = Vec::new();
        while let Some(page) = self.pages.recv().await {
            week.extend(page?.into_iter().map(|checkin| {
                let display_name = match names.get(&checkin.user_id) {
                    Some(name) => Cow::Borrowed(name.as_str()),
                    None => Cow::Owned(checkin.user_id.to_string()),
                };
                CheckinRow { display_name, checkin }
            }));
            order.sort(&mut week);
            for row in week.drain(..) {
                each(&row)?;
            }
        }
        // The reader sends its error before it stops; a panic in it goes on here, as it
        // would have without the task (not a complete file).
        if let Some(Err(e)) = self.reader.join().await
            && e.is_panic()
        {
            std::panic::resume_unwind(e.into_panic());
        }
        Ok(())
    }
}

/// Aborts a spawned task when dropped before it is joined (the consumer stopped early).
struct AbortOnDrop(Option<tokio::task::JoinHandle<()>>);

impl AbortOnDrop {
    async fn join(mut self) -> Option<std::result::Result<(), tokio::task::JoinError>> {
        Some(self.0.take()?.await)
    }
}

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        if let Some(task) = &self.0 {
            task.abort();
        }
    }
}

/// Reads and decodes the check-ins of weeks `r.from..=r.to`, sending each week's as one page
/// (or the first error, then stopping); stops when the receiver is gone.
async fn read_weeks(
    db: Db,
    guild_id: u64,
    group_id: i64,
    r: Range,
    tx: tokio::sync::mpsc::Sender<Result<Vec<Checkin>>>,
) {
    use futures_util::TryStreamExt;
    let guild = to_db(guild_id);
    let (from, to) = (i64::from(r.from), i64::from(r.to));
    let read = async {
        let mut page: Vec<Checkin> = Vec::new();
        with_pool!(&db, p => {
            let mut rows = sqlx::query_as::<_, StoredCheckinRow>(include_str!("reports/checkins_in_range.sql"))
                .bind(guild)
                .bind(group_id)
                .bind(from)
                .bind(to)
                .fetch(p);
            while let Some(c) = rows.try_next().await? {
                let checkin = decode_checkin(c)?;
                if page.last().is_some_and(|last| last.week != checkin.week) {
                    let next = Vec::with_capacity(page.len());
                    if tx.send(Ok(std::mem::replace(&mut page, next))).await.is_err() {
                        return Ok(());
                    }
                }
                page.push(checkin);
            }
        });
        if !page.is_empty() {
            let _ = tx.send(Ok(page)).await;
        }
        Ok::<(), Error>(())
    };
    if let Err(e) = read.await {
        let _ = tx.send(Err(e)).await;
    }
}

/// Loads the stored rows of group `group_id` of guild `guild_id`; `None` when the guild has
/// no such group. Reads in one transaction, so the rows are consistent with each other. The
/// raw rows are for tests only (reports are built from [`aggregates`]).
#[cfg(test)]
pub async fn load_rows(db: &Db, guild_id: u64, group_id: i64) -> Result<Option<ReportRows>> {
    let _timer = crate::metrics::query("reports.load_rows");
    let guild = to_db(guild_id);
    with_pool!(db, p => async {
        let mut tx = p.begin().await?;
        let Some(g) = sqlx::query_as::<_, GroupRow>(include_str!("reports/group.sql"))
            .bind(guild)
            .bind(group_id)
            .fetch_optional(&mut *tx)
            .await?
        else {
            return Ok(None);
        };
        let group = group_row!(g);
        let mut breaks = Vec::new();
        for (id, kind, from, to) in sqlx::query_as::<_, (i64, String, i64, Option<i64>)>(include_str!("reports/breaks.sql"))
            .bind(guild)
            .bind(group_id)
            .fetch_all(&mut *tx)
            .await?
        {
            breaks.push(super::groups::decode_break(id, &kind, from, to)?);
        }
        let mut marks = Vec::new();
        for (g, session, week) in sqlx::query_as::<_, (i64, i64, i64)>(
            "SELECT group_id, session, week FROM week_marks WHERE group_id = $1 ORDER BY session",
        )
        .bind(group_id)
        .fetch_all(&mut *tx)
        .await?
        {
            marks.push(super::groups::decode_mark(g, session, week)?);
        }
        let calendar = Calendar { breaks, marks };
        let mut members = Vec::new();
        for (user_id, display_name, joined_week) in
            sqlx::query_as::<_, (i64, String, i64)>(include_str!("reports/members.sql"))
                .bind(guild)
                .bind(group_id)
                .fetch_all(&mut *tx)
                .await?
        {
            members.push(GroupMember {
                user_id: from_db(user_id),
                display_name,
                joined_week: decode_u32("group_members", group_id, "joined_week", joined_week)?,
            });
        }
        let checkins = sqlx::query_as::<_, StoredCheckinRow>(include_str!("reports/checkins.sql"))
            .bind(guild)
            .bind(group_id)
            .fetch_all(&mut *tx)
            .await?
            .into_iter()
            .map(decode_checkin)
            .collect::<Result<Vec<_>>>()?;
        let ratings = sqlx::query_as::<_, (i64, i64, i64, i64)>(include_str!("reports/ratings.sql"))
            .bind(guild)
            .bind(group_id)
            .fetch_all(&mut *tx)
            .await?
            .into_iter()
            .map(|(user_id, week, question, rating)| decode_rating(group_id, user_id, week, question, rating))
            .collect::<Result<Vec<_>>>()?;
        tx.commit().await?;
        Ok::<_, Error>(Some(ReportRows { group, calendar, members, checkins, ratings }))
    }
    .await)
}

/// The reviews of group `group_id`'s cards (of guild `guild_id`) made
/// [`crate::review::FORGOTTEN_AFTER_DAYS`] days or more after the previous one, of weeks up
/// to `max_week`: the input of the "forgotten topics".
pub async fn forgotten_reviews(
    db: &Db,
    guild_id: u64,
    group_id: i64,
    max_week: u32,
) -> Result<Vec<crate::review::LoggedReview>> {
    let _timer = crate::metrics::query("reports.forgotten_reviews");
    let guild = to_db(guild_id);
    let (max_week, after) = (i64::from(max_week), i64::from(crate::review::FORGOTTEN_AFTER_DAYS));
    let rows = fetch!(
        db,
        fetch_all,
        (String, i64, i64, i64, i64, i64, i64),
        "SELECT c.path_id, c.week, c.question, l.user_id, l.grade, l.elapsed_days, l.id
         FROM review_log l JOIN review_cards c ON c.id = l.card_id
         WHERE c.guild_id = $1 AND c.group_id = $2 AND l.guild_id = $1 AND c.week <= $3
           AND l.source = 'review' AND l.elapsed_days >= $4",
        guild,
        group_id,
        max_week,
        after
    )?;
    rows.into_iter()
        .map(|(path, week, question, user, grade, elapsed, id)| {
            let t = "review_log";
            let grade = decode_u8(t, id, "grade", grade)?;
            Ok(crate::review::LoggedReview {
                question: (path, decode_u32(t, id, "week", week)?, decode_u32(t, id, "question", question)?),
                user_id: from_db(user),
                grade: crate::review::Grade::from_number(grade).ok_or_else(|| Error::Corrupt {
                    table: t,
                    row: id,
                    what: "grade",
                    value: grade.to_string(),
                })?,
                elapsed_days: decode_u32(t, id, "elapsed_days", elapsed)?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::curriculum::Curriculum;
    use crate::model::{Break, BreakKind, CheckinStatus};
    use crate::report;
    use crate::service::reports::load_input;

    const GUILD: u64 = u64::MAX - 3;

    async fn exec(db: &Db, sql: &str, binds: &[i64]) {
        db.raw_execute(sql, binds).await.unwrap();
    }

    const T: &str = "'2026-01-05T00:00:00+00:00'";

    /// Two groups in GUILD and one in guild 7, each with one member and one check-in.
    async fn fixture() -> (Db, i64, i64, i64) {
        let db = crate::db::open_test().await;
        let mut ids = Vec::new();
        for (guild, path) in [(to_db(GUILD), "architecture"), (to_db(GUILD), "senior"), (7, "architecture")] {
            let id = db
                .raw_integers(
                    &format!(
                        "INSERT INTO study_groups (guild_id, name, channel_id, path_id, start_date, weekday, post_time,
                             timezone, created_by, created_at, updated_at)
                         VALUES ($1, 'g{}', 1, '{path}', '2026-01-05', 0, '18:00', 'Europe/Berlin', 1, {T}, {T})
                         RETURNING id",
                        ids.len()
                    ),
                    &[guild],
                )
                .await
                .unwrap()[0]
                .unwrap();
            let user = 100 + id;
            exec(
                &db,
                &format!(
                    "INSERT INTO members (guild_id, user_id, display_name, created_at) VALUES ($1, $2, 'm', {T})
                          ON CONFLICT DO NOTHING"
                ),
                &[guild, user],
            )
            .await;
            exec(
                &db,
                &format!("INSERT INTO group_members (group_id, guild_id, user_id, joined_week, joined_at) VALUES ($1, $2, $3, 1, {T})"),
                &[id, guild, user],
            )
            .await;
            exec(
                &db,
                &format!("INSERT INTO checkins (group_id, guild_id, user_id, week, status, hours, confidence, created_at, updated_at)
                          VALUES ($1, $2, $3, 1, 'partial', 1.5, 3, {T}, {T})"),
                &[id, guild, user],
            )
            .await;
            exec(
                &db,
                &format!(
                    "INSERT INTO ratings (group_id, guild_id, user_id, week, question, rating, updated_at)
                          VALUES ($1, $2, $3, 1, 4, 2, {T})"
                ),
                &[id, guild, user],
            )
            .await;
            ids.push(id);
        }
        exec(
            &db,
            &format!("INSERT INTO group_breaks (group_id, kind, from_session, to_session, created_at) VALUES ($1, 'pause', 3, NULL, {T})"),
            &[ids[0]],
        )
        .await;
        (db, ids[0], ids[1], ids[2])
    }

    #[tokio::test]
    async fn loads_one_group_and_nothing_of_the_others() {
        let (db, a, _, _) = fixture().await;
        let rows = load_rows(&db, GUILD, a).await.unwrap().unwrap();
        assert_eq!(rows.group.name, "g0");
        assert_eq!(rows.calendar.breaks, vec![Break { kind: BreakKind::Pause, from: 3, to: None }]);
        assert_eq!(
            rows.members,
            vec![GroupMember { user_id: 100 + a as u64, display_name: "m".into(), joined_week: 1 }]
        );
        assert_eq!(rows.checkins.len(), 1);
        let c = &rows.checkins[0];
        assert_eq!(
            (c.user_id, c.week, c.status, c.hours, c.confidence),
            (100 + a as u64, 1, CheckinStatus::Partial, 1.5, 3)
        );
        assert_eq!(rows.ratings, vec![Rating { user_id: 100 + a as u64, week: 1, question: 4, rating: 2 }]);
    }

    #[tokio::test]
    async fn a_group_id_from_another_guild_finds_nothing() {
        let (db, a, _, other) = fixture().await;
        assert!(load_rows(&db, GUILD, other).await.unwrap().is_none());
        assert!(load_rows(&db, 7, a).await.unwrap().is_none());
        assert!(load_rows(&db, GUILD, 999).await.unwrap().is_none());
        let c = Curriculum::embedded().unwrap();
        assert!(load_input(&db, &c, 7, a, Utc::now()).await.unwrap().is_none());
        assert_eq!(group_guild(&db, a).await.unwrap(), Some(GUILD));
        assert_eq!(group_guild(&db, other).await.unwrap(), Some(7));
        assert_eq!(group_guild(&db, 999).await.unwrap(), None);
    }

    #[tokio::test]
    async fn load_input_completes_the_rows_from_the_curriculum() {
        let (db, a, b, _) = fixture().await;
        let c = Curriculum::embedded().unwrap();
        let now = Utc::now();
        let input = load_input(&db, &c, GUILD, a, now).await.unwrap().unwrap();
        let path = c.path("architecture").unwrap();
        assert_eq!(input.group.total_weeks, path.len_weeks());
        assert_eq!(input.group.group.schedule.tz, chrono_tz::Europe::Berlin);
        assert_eq!(input.group.group.schedule.weekday, chrono::Weekday::Mon);
        assert_eq!(input.questions[0], path.week(1).unwrap().questions);
        // Paused from session 3 on: weeks 1 to 3 are held, whatever "now" is.
        let r = report::build(&input, None, None).unwrap();
        assert_eq!(r.latest_held_week, 3);
        assert_eq!(r.summary.checkins, 1);
        let senior = load_input(&db, &c, GUILD, b, now).await.unwrap().unwrap();
        assert_eq!(senior.group.total_weeks, c.path("senior").unwrap().len_weeks());
    }

    #[tokio::test]
    async fn unknown_paths_and_broken_rows_are_reported() {
        let (db, a, _, _) = fixture().await;
        let c = Curriculum::embedded().unwrap();
        exec(&db, "UPDATE study_groups SET path_id = 'gone' WHERE id = $1", &[a]).await;
        let e = load_input(&db, &c, GUILD, a, Utc::now()).await.unwrap_err();
        assert_eq!(e.to_string(), format!("group {a} follows path `gone`, which the curriculum does not have"));
        exec(&db, "UPDATE study_groups SET path_id = 'architecture', timezone = 'Mars/Base' WHERE id = $1", &[a]).await;
        let e = load_input(&db, &c, GUILD, a, Utc::now()).await.unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("invalid stored value in study_groups row {a}: schedule `bad timezone `Mars/Base``")
        );
    }

    /// 40 members joining in weeks 1 to 4, ten weeks of mixed check-ins and ratings, and two
    /// people with check-ins but no membership: the SQL aggregates equal the Rust
    /// specification ([`report::aggregate`]) for several ranges.
    #[tokio::test]
    async fn sql_aggregates_equal_the_rust_specification() {
        let (db, a, _, _) = fixture().await;
        let g = to_db(GUILD);
        for m in 0..42i64 {
            let user = 1_000 + m;
            exec(
                &db,
                &format!("INSERT INTO members (guild_id, user_id, display_name, created_at) VALUES ($1, $2, 'n', {T})"),
                &[g, user],
            )
            .await;
            if m < 40 {
                exec(
                    &db,
                    &format!("INSERT INTO group_members (group_id, guild_id, user_id, joined_week, joined_at) VALUES ($1, $2, $3, $4, {T})"),
                    &[a, g, user, 1 + m % 4],
                )
                .await;
            }
            for week in 1..=10i64 {
                if (m + week) % 3 == 0 || week < 1 + m % 4 && m < 40 {
                    continue;
                }
                let status = ["done", "partial", "skipped"][((m * 7 + week) % 3) as usize];
                let hours = ((m + week) % 9) as f64 * 0.5;
                exec(
                    &db,
                    &format!(
                        "INSERT INTO checkins (group_id, guild_id, user_id, week, status, hours, confidence, created_at, updated_at)
                         VALUES ($1, $2, $3, $4, '{status}', {hours:.1}, $5, {T}, {T})"
                    ),
                    &[a, g, user, week, 1 + (m + 2 * week) % 5],
                )
                .await;
                if m % 2 == 0 {
                    exec(
                        &db,
                        &format!("INSERT INTO ratings (group_id, guild_id, user_id, week, question, rating, updated_at) VALUES ($1, $2, $3, $4, $5, $6, {T})"),
                        &[a, g, user, week, week % 4, 1 + (m + week) % 5],
                    )
                    .await;
                }
            }
        }
        let c = Curriculum::embedded().unwrap();
        let input = load_input(&db, &c, GUILD, a, Utc::now()).await.unwrap().unwrap();
        for (from, to) in [(1, 3), (2, 3), (3, 3), (1, 1)] {
            let r = report::Range { from, to, latest: 3, in_progress: None };
            let mut sql = aggregates(&db, GUILD, a, r).await.unwrap();
            let mut spec = report::aggregate(&input, r);
            for agg in [&mut sql, &mut spec] {
                agg.members.sort_by_key(|m| m.user_id);
                agg.weeks.sort_by_key(|w| w.week);
                agg.topics.sort_by_key(|t| (t.week, t.question));
                for m in &mut agg.members {
                    m.hours = (m.hours * 100.0).round();
                }
                for w in &mut agg.weeks {
                    w.hours = (w.hours * 100.0).round();
                }
            }
            assert!(
                sql.members.len() > 40 && !sql.weeks.is_empty() && !sql.topics.is_empty(),
                "{} {} {} / {} {} {}",
                sql.members.len(),
                sql.weeks.len(),
                sql.topics.len(),
                spec.members.len(),
                spec.weeks.len(),
                spec.topics.len()
            );
            assert_eq!(sql, spec, "weeks {from} to {to}");
        }
    }

    #[test]
    fn every_query_is_guild_scoped_through_the_group() {
        for (name, sql) in QUERIES {
            if name != "group_guild" {
                assert!(sql.contains("WHERE g.guild_id = $1 AND g.id = $2"), "{name}: {sql}");
            }
        }
    }
}
