//! Spaced-review cards and their log (tables `review_cards`, `review_log`). A card is seeded
//! by the trigger on `ratings` (migration `0013_review`), scheduled here by the review-cards
//! job, and graded by its member. Every read and write of a member's cards names the server
//! and the member: a card id from another member or server finds nothing.

use super::{Db, Error, Result, decode_u8, decode_u32, execute, fetch, from_db, scalar, to_db, with_pool};
use crate::model::{DueReviewDm, ReviewCard, ReviewDmTime, ReviewPrefs, ReviewStats, Scheduled};
use crate::review::{Grade, Memory, Next};
use chrono::{DateTime, Utc};

/// The columns [`decode`] reads, in order.
macro_rules! card_columns {
    () => {
        "c.id, c.guild_id, c.user_id, c.group_id, c.path_id, c.week, c.question, c.seed_rating, c.rated_at,
         c.question_hash, c.stability, c.difficulty, c.due_at, c.last_review_at, c.reps, c.lapses"
    };
}

type CardRow = (
    i64,
    i64,
    i64,
    i64,
    String,
    i64,
    i64,
    i64,
    DateTime<Utc>,
    Option<String>,
    Option<f64>,
    Option<f64>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
    i64,
    i64,
);

/// Decodes a stored card strictly: a card is either unscheduled (no hash, memory or due
/// time) or wholly scheduled.
fn decode(r: CardRow) -> Result<ReviewCard> {
    let (id, guild, user, group_id, path_id, week, question, seed, rated_at, hash, s, d, due, last, reps, lapses) = r;
    let t = "review_cards";
    let scheduled = match (hash, s, d, due, last) {
        (None, None, None, None, None) => None,
        (Some(question_hash), Some(s), Some(d), Some(due_at), Some(last_review_at))
            if s.is_finite() && d.is_finite() && s > 0.0 =>
        {
            Some(Scheduled {
                question_hash,
                memory: Memory { stability: s as f32, difficulty: d as f32 },
                due_at,
                last_review_at,
            })
        }
        _ => return Err(Error::Corrupt { table: t, row: id, what: "schedule", value: "partly set".into() }),
    };
    Ok(ReviewCard {
        id,
        guild_id: from_db(guild),
        user_id: from_db(user),
        group_id,
        path_id,
        week: decode_u32(t, id, "week", week)?,
        question: decode_u8(t, id, "question", question)?,
        seed_rating: decode_u8(t, id, "seed_rating", seed)?,
        rated_at,
        scheduled,
        reps: decode_u32(t, id, "reps", reps)?,
        lapses: decode_u32(t, id, "lapses", lapses)?,
    })
}

/// Seeded cards not scheduled yet, oldest first, at most `limit`, in servers the bot is in
/// (served by the partial index `review_cards_new`: a tick costs what is new).
pub async fn unscheduled(db: &Db, limit: i64) -> Result<Vec<ReviewCard>> {
    let _timer = crate::metrics::query("review.unscheduled");
    let rows = fetch!(
        db,
        fetch_all,
        CardRow,
        concat!(
            "SELECT ",
            card_columns!(),
            " FROM review_cards c WHERE c.retired = 0 AND c.due_at IS NULL
              AND NOT EXISTS (SELECT 1 FROM removed_servers r WHERE r.guild_id = c.guild_id)
            ORDER BY c.id LIMIT $1"
        ),
        limit
    )?;
    rows.into_iter().map(decode).collect()
}

/// A member's unscheduled cards in a server (their own fresh ratings, before `/review`).
pub async fn unscheduled_of(db: &Db, guild_id: u64, user_id: u64) -> Result<Vec<ReviewCard>> {
    let _timer = crate::metrics::query("review.unscheduled_of");
    let (guild, user) = (to_db(guild_id), to_db(user_id));
    let rows = fetch!(
        db,
        fetch_all,
        CardRow,
        concat!(
            "SELECT ",
            card_columns!(),
            " FROM review_cards c WHERE c.guild_id = $1 AND c.user_id = $2 AND c.retired = 0 AND c.due_at IS NULL
            ORDER BY c.id"
        ),
        guild,
        user
    )?;
    rows.into_iter().map(decode).collect()
}

/// Schedules a seeded card: its first review is the seed rating, logged at `rated_at`.
/// False when it was scheduled meanwhile (another process) or is gone.
pub async fn schedule_seed(db: &Db, card: &ReviewCard, hash: &str, grade: Grade, next: &Next) -> Result<bool> {
    let _timer = crate::metrics::query("review.schedule_seed");
    let lapses = i64::from(grade == Grade::Again);
    let (s, d) = (f64::from(next.memory.stability), f64::from(next.memory.difficulty));
    let g = i64::from(grade.number());
    let scheduled = i64::from(next.scheduled_days);
    with_pool!(db, p => async {
        let mut tx = p.begin().await?;
        let n = sqlx::query(
            "UPDATE review_cards SET question_hash = $1, stability = $2, difficulty = $3, due_at = $4,
                 last_review_at = rated_at, reps = 1, lapses = $5
             WHERE id = $6 AND due_at IS NULL AND retired = 0",
        )
        .bind(hash)
        .bind(s)
        .bind(d)
        .bind(next.due)
        .bind(lapses)
        .bind(card.id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 1 {
            sqlx::query(
                "INSERT INTO review_log (card_id, guild_id, user_id, at, grade, elapsed_days, scheduled_days, source)
                 SELECT id, guild_id, user_id, rated_at, $1, 0, $2, 'seed' FROM review_cards WHERE id = $3",
            )
            .bind(g)
            .bind(scheduled)
            .bind(card.id)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok::<_, Error>(n == 1)
    }
    .await)
}

/// Retires a card: its question changed or left the curriculum. It is never due again.
pub async fn retire(db: &Db, card_id: i64) -> Result<()> {
    let _timer = crate::metrics::query("review.retire");
    execute!(db, "UPDATE review_cards SET retired = 1 WHERE id = $1", card_id)?;
    Ok(())
}

/// A member's cards due at `now` in a server, most overdue first, at most `limit`; only
/// those of path `path_id` when given.
pub async fn due(
    db: &Db,
    guild_id: u64,
    user_id: u64,
    path_id: Option<&str>,
    now: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<ReviewCard>> {
    let _timer = crate::metrics::query("review.due");
    let (guild, user) = (to_db(guild_id), to_db(user_id));
    let rows = fetch!(
        db,
        fetch_all,
        CardRow,
        concat!(
            "SELECT ",
            card_columns!(),
            " FROM review_cards c WHERE c.guild_id = $1 AND c.user_id = $2 AND c.retired = 0
              AND c.due_at IS NOT NULL AND c.due_at <= $3 AND (CAST($4 AS TEXT) IS NULL OR c.path_id = $4)
            ORDER BY c.due_at, c.id LIMIT $5"
        ),
        guild,
        user,
        now,
        path_id,
        limit
    )?;
    rows.into_iter().map(decode).collect()
}

/// When the member's next card is due after `now` (`None`: no scheduled card).
pub async fn next_due(db: &Db, guild_id: u64, user_id: u64, now: DateTime<Utc>) -> Result<Option<DateTime<Utc>>> {
    let _timer = crate::metrics::query("review.next_due");
    let (guild, user) = (to_db(guild_id), to_db(user_id));
    Ok(scalar!(
        db,
        fetch_optional,
        DateTime<Utc>,
        "SELECT due_at FROM review_cards WHERE guild_id = $1 AND user_id = $2 AND retired = 0
           AND due_at IS NOT NULL AND due_at > $3 ORDER BY due_at LIMIT 1",
        guild,
        user,
        now
    )?)
}

/// Reviews (not seeds) the member made in a server since `since`.
pub async fn reviewed_since(db: &Db, guild_id: u64, user_id: u64, since: DateTime<Utc>) -> Result<u32> {
    let _timer = crate::metrics::query("review.reviewed_since");
    let (guild, user) = (to_db(guild_id), to_db(user_id));
    let n = scalar!(
        db,
        fetch_one,
        i64,
        "SELECT COUNT(*) FROM review_log WHERE guild_id = $1 AND user_id = $2 AND source = 'review' AND at >= $3",
        guild,
        user,
        since
    )?;
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}

/// One of the member's own cards in a server (`None` for anyone else's, or another server's).
pub async fn card(db: &Db, guild_id: u64, user_id: u64, card_id: i64) -> Result<Option<ReviewCard>> {
    let _timer = crate::metrics::query("review.card");
    let (guild, user) = (to_db(guild_id), to_db(user_id));
    let row = fetch!(
        db,
        fetch_optional,
        CardRow,
        concat!(
            "SELECT ",
            card_columns!(),
            " FROM review_cards c WHERE c.id = $1 AND c.guild_id = $2 AND c.user_id = $3 AND c.retired = 0"
        ),
        card_id,
        guild,
        user
    )?;
    row.map(decode).transpose()
}

/// Records a review of the member's card, which they saw after `reps` reviews: false (and
/// nothing changed) when it is not theirs, not in this server, retired, or was graded
/// meanwhile (a second press of the same buttons).
pub async fn grade(
    db: &Db,
    card: &ReviewCard,
    reps: u32,
    grade: Grade,
    next: &Next,
    now: DateTime<Utc>,
) -> Result<bool> {
    let _timer = crate::metrics::query("review.grade");
    let (guild, user) = (to_db(card.guild_id), to_db(card.user_id));
    let lapse = i64::from(grade == Grade::Again);
    let (s, d) = (f64::from(next.memory.stability), f64::from(next.memory.difficulty));
    let reps = i64::from(reps);
    let g = i64::from(grade.number());
    let (elapsed, scheduled) = (i64::from(next.elapsed_days), i64::from(next.scheduled_days));
    with_pool!(db, p => async {
        let mut tx = p.begin().await?;
        let n = sqlx::query(
            "UPDATE review_cards SET stability = $1, difficulty = $2, due_at = $3, last_review_at = $4,
                 reps = reps + 1, lapses = lapses + $5
             WHERE id = $6 AND guild_id = $7 AND user_id = $8 AND reps = $9 AND retired = 0 AND due_at IS NOT NULL",
        )
        .bind(s)
        .bind(d)
        .bind(next.due)
        .bind(now)
        .bind(lapse)
        .bind(card.id)
        .bind(guild)
        .bind(user)
        .bind(reps)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 1 {
            sqlx::query(
                "INSERT INTO review_log (card_id, guild_id, user_id, at, grade, elapsed_days, scheduled_days, source)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, 'review')",
            )
            .bind(card.id)
            .bind(guild)
            .bind(user)
            .bind(now)
            .bind(g)
            .bind(elapsed)
            .bind(scheduled)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok::<_, Error>(n == 1)
    }
    .await)
}

/// A member's cards in a server, by id (the tests read them; `/my-data` reads them with
/// their log in [`super::members::export`]).
pub async fn cards_of(db: &Db, guild_id: u64, user_id: u64) -> Result<Vec<ReviewCard>> {
    let _timer = crate::metrics::query("review.cards_of");
    let (guild, user) = (to_db(guild_id), to_db(user_id));
    let rows = fetch!(
        db,
        fetch_all,
        CardRow,
        concat!(
            "SELECT ",
            card_columns!(),
            " FROM review_cards c WHERE c.guild_id = $1 AND c.user_id = $2 ORDER BY c.id"
        ),
        guild,
        user
    )?;
    rows.into_iter().map(decode).collect()
}

/// A member's spaced review of one path in a server: reviews made (seeds excluded), those
/// recalled (graded above "couldn't answer"), cards due at `now`, and cards at all.
pub async fn stats(db: &Db, guild_id: u64, user_id: u64, path_id: &str, now: DateTime<Utc>) -> Result<ReviewStats> {
    let _timer = crate::metrics::query("review.stats");
    let (guild, user) = (to_db(guild_id), to_db(user_id));
    let (reviews, recalled) = fetch!(
        db,
        fetch_one,
        (i64, i64),
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN l.grade > 1 THEN 1 ELSE 0 END), 0)
         FROM review_log l JOIN review_cards c ON c.id = l.card_id
         WHERE l.guild_id = $1 AND l.user_id = $2 AND l.source = 'review' AND c.path_id = $3",
        guild,
        user,
        path_id
    )?;
    let (cards, due) = fetch!(
        db,
        fetch_one,
        (i64, i64),
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN due_at IS NOT NULL AND due_at <= $4 THEN 1 ELSE 0 END), 0)
         FROM review_cards WHERE guild_id = $1 AND user_id = $2 AND path_id = $3 AND retired = 0",
        guild,
        user,
        path_id,
        now
    )?;
    let n = |v: i64| u32::try_from(v).unwrap_or(0);
    Ok(ReviewStats { reviews: n(reviews), recalled: n(recalled), due: n(due), cards: n(cards) })
}

/// When a member's scheduled cards in a server are due, up to `until` (overdue ones too).
pub async fn due_until(db: &Db, guild_id: u64, user_id: u64, until: DateTime<Utc>) -> Result<Vec<DateTime<Utc>>> {
    let _timer = crate::metrics::query("review.due_until");
    let (guild, user) = (to_db(guild_id), to_db(user_id));
    Ok(scalar!(
        db,
        fetch_all,
        DateTime<Utc>,
        "SELECT due_at FROM review_cards WHERE guild_id = $1 AND user_id = $2 AND retired = 0
           AND due_at IS NOT NULL AND due_at <= $3 ORDER BY due_at",
        guild,
        user,
        until
    )?)
}

// ---- A member's choices and the daily DM (table `review_prefs`) ----

type PrefsRow = (i64, Option<i64>, i64, Option<i64>, Option<DateTime<Utc>>);

/// Decodes stored choices strictly: the DM's hour and instant are both set or both unset.
fn decode_prefs(user: i64, r: PrefsRow) -> Result<ReviewPrefs> {
    let (daily_max, group_id, _, hour, next_at) = r;
    let t = "review_prefs";
    let dm = match (hour, next_at) {
        (None, None) => None,
        (Some(h), Some(next_at)) => Some(ReviewDmTime { hour: decode_u8(t, user, "dm_hour", h)?, next_at }),
        _ => return Err(Error::Corrupt { table: t, row: user, what: "dm", value: "partly set".into() }),
    };
    Ok(ReviewPrefs { daily_max: decode_u32(t, user, "daily_max", daily_max)?, group_id, dm })
}

/// A member's choices, if they made any.
pub async fn prefs(db: &Db, guild_id: u64, user_id: u64) -> Result<Option<ReviewPrefs>> {
    let _timer = crate::metrics::query("review.prefs");
    let (guild, user) = (to_db(guild_id), to_db(user_id));
    let row = fetch!(
        db,
        fetch_optional,
        PrefsRow,
        "SELECT daily_max, group_id, user_id, dm_hour, next_dm_at FROM review_prefs WHERE guild_id = $1 AND user_id = $2",
        guild,
        user
    )?;
    row.map(|r| decode_prefs(user, r)).transpose()
}

/// Stores a member's choices (replacing earlier ones). The member must have joined a group.
pub async fn set_prefs(db: &Db, guild_id: u64, user_id: u64, p: &ReviewPrefs) -> Result<()> {
    let _timer = crate::metrics::query("review.set_prefs");
    let (guild, user) = (to_db(guild_id), to_db(user_id));
    let daily = i64::from(p.daily_max);
    let hour = p.dm.map(|d| i64::from(d.hour));
    let next = p.dm.map(|d| d.next_at);
    execute!(
        db,
        "INSERT INTO review_prefs (guild_id, user_id, group_id, daily_max, dm_hour, next_dm_at)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (guild_id, user_id) DO UPDATE SET group_id = excluded.group_id, daily_max = excluded.daily_max,
             dm_hour = excluded.dm_hour, next_dm_at = excluded.next_dm_at",
        guild,
        user,
        p.group_id,
        daily,
        hour,
        next
    )?;
    Ok(())
}

/// Turns a member's review DMs off (Discord reported their DMs closed).
pub async fn stop_dms(db: &Db, guild_id: u64, user_id: u64) -> Result<()> {
    let _timer = crate::metrics::query("review.stop_dms");
    let (guild, user) = (to_db(guild_id), to_db(user_id));
    execute!(
        db,
        "UPDATE review_prefs SET dm_hour = NULL, next_dm_at = NULL WHERE guild_id = $1 AND user_id = $2",
        guild,
        user
    )?;
    Ok(())
}

/// Moves a member's next review DM from `slot` to `next`, unless their choices changed
/// meanwhile (then the new ones stand); true when it moved.
pub async fn dm_advance(
    db: &Db,
    guild_id: u64,
    user_id: u64,
    slot: DateTime<Utc>,
    next: DateTime<Utc>,
) -> Result<bool> {
    let _timer = crate::metrics::query("review.dm_advance");
    let (guild, user) = (to_db(guild_id), to_db(user_id));
    let n = execute!(
        db,
        "UPDATE review_prefs SET next_dm_at = $3 WHERE guild_id = $1 AND user_id = $2 AND next_dm_at = $4",
        guild,
        user,
        next,
        slot
    )?;
    Ok(n == 1)
}

type DueDmRow = (i64, i64, i64, Option<i64>, i64, DateTime<Utc>, i64);

/// Members of this process's shards (`shards`: total, first, last) whose review-DM instant
/// is at or before `now`, in servers the bot is in, earliest first, at most `limit`, each
/// with the count of their cards due at `now`. Served by the partial index on `next_dm_at`
/// (and the due-cards index per member): a pass reads what is due, not what exists.
pub async fn due_dms(db: &Db, now: DateTime<Utc>, shards: (u32, u32, u32), limit: i64) -> Result<Vec<DueReviewDm>> {
    let _timer = crate::metrics::query("review.due_dms");
    let (total, first, last) = super::shard_binds(shards);
    let rows = fetch!(
        db,
        fetch_all,
        DueDmRow,
        "SELECT p.guild_id, p.user_id, p.daily_max, p.group_id, p.dm_hour, p.next_dm_at,
                (SELECT COUNT(*) FROM review_cards c
                 WHERE c.guild_id = p.guild_id AND c.user_id = p.user_id AND c.retired = 0
                   AND c.due_at IS NOT NULL AND c.due_at <= $1)
         FROM review_prefs p
         WHERE p.next_dm_at <= $1 AND (p.guild_id >> 22) % $2 BETWEEN $3 AND $4
           AND NOT EXISTS (SELECT 1 FROM removed_servers r WHERE r.guild_id = p.guild_id)
         ORDER BY p.next_dm_at LIMIT $5",
        now,
        total,
        first,
        last,
        limit
    )?;
    rows.into_iter()
        .map(|(guild, user, daily, group_id, hour, slot, due)| {
            let prefs = decode_prefs(user, (daily, group_id, user, Some(hour), Some(slot)))?;
            Ok(DueReviewDm {
                guild_id: from_db(guild),
                user_id: from_db(user),
                prefs,
                slot,
                due_cards: decode_u32("review_cards", user, "due count", due)?,
            })
        })
        .collect()
}

/// The server of a member's own card (`None` for anyone else's card, or a card gone).
pub async fn card_guild(db: &Db, user_id: u64, card_id: i64) -> Result<Option<u64>> {
    let _timer = crate::metrics::query("review.card_guild");
    let user = to_db(user_id);
    let guild = scalar!(
        db,
        fetch_optional,
        i64,
        "SELECT guild_id FROM review_cards WHERE id = $1 AND user_id = $2 AND retired = 0",
        card_id,
        user
    )?;
    Ok(guild.map(from_db))
}

/// The live scheduled cards per question and question-text hash, for `studybot check`.
pub async fn stored_questions(db: &Db) -> Result<Vec<crate::review::StoredQuestion>> {
    let _timer = crate::metrics::query("review.stored_questions");
    let rows = fetch!(
        db,
        fetch_all,
        (String, i64, i64, String, i64),
        "SELECT path_id, week, question, question_hash, COUNT(*) FROM review_cards
         WHERE retired = 0 AND question_hash IS NOT NULL
         GROUP BY path_id, week, question, question_hash ORDER BY path_id, week, question",
    )?;
    rows.into_iter()
        .map(|(path, week, question, hash, cards)| {
            let t = "review_cards";
            Ok(crate::review::StoredQuestion {
                question: (path, decode_u32(t, week, "week", week)?, decode_u32(t, question, "question", question)?),
                hash,
                cards: decode_u32(t, cards, "count", cards)?,
            })
        })
        .collect()
}
