//! Spaced-review benchmark: `cargo bench --bench review`.
//!
//! On each backend (a SQLite file, then a throwaway PostgreSQL), one server with 10 groups,
//! 10,000 members and 36 weeks x 4 rated questions of cards each (1.44 million scheduled
//! cards, about half of them due), and every member's review choices with DMs on; 1,000 of
//! them (one in ten) have their DM hour now.
//!
//! 1. **Due-card selection**, against the same selection in plain SQL measured in the same
//!    run (sqlx, rows fetched, nothing decoded; the goal: at most 1.3x):
//!    - a session's cards: `db::review::due` for 1,000 members (5 cards each, most overdue
//!      first) against the query run plainly;
//!    - the DM pass's members: `db::review::due_dms` (the members whose hour came, with
//!      their due-card counts, 500 at a time) against the faster of the plain `JOIN ...
//!      GROUP BY` a person would write and its own SQL text run plainly.
//! 2. **The daily review-DM pass**: the real bot's scheduler ticks until the 1,000 DMs are
//!    out, against the fake Discord enforcing Discord's budgets with a 50 ms round trip. The
//!    floor is what Discord allows: the requests made, at 50 per second. Checked: every due
//!    member got exactly one DM, nobody else any.
//!
//! Printed: each figure, its floor and their ratio. A plain `main` (harness = false);
//! `REVIEW_BENCH_MEMBERS` changes the size (a multiple of 10).

use chrono::{DateTime, Utc};
use fake_discord::{FakeDiscord, defaults};
use std::time::{Duration, Instant};
use studybot::clock::ManualClock;
use studybot::db::{Db, Location, to_db};
use studybot::model::{GroupSettings, Schedule};

#[path = "common.rs"]
mod common;

const GROUPS: i64 = 10;
const WEEKS: i64 = 36;
const QUESTIONS: i64 = 4;
const FIRST_USER: i64 = 500_000_000_000;
/// Every member's DM hour is 09:00 UTC; the pass runs just after it.
const NOW: &str = "2026-03-01T09:00:30Z";
const ROUND_TRIP: Duration = Duration::from_millis(50);
/// Discord's global budget, requests per second.
const DISCORD_PER_SECOND: f64 = 50.0;
/// Repetitions of each selection (the best of each is compared).
const RUNS: usize = 5;

fn main() -> std::process::ExitCode {
    let members: i64 = std::env::var("REVIEW_BENCH_MEMBERS").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000);
    common::run(async move {
        let dir = tempfile::tempdir()?;
        let mut worst: f64 = 0.0;
        for (name, location) in [
            ("SQLite", Location::Sqlite(dir.path().join("review.db"))),
            ("PostgreSQL", Location::Postgres(test_postgres::database())),
        ] {
            worst = worst.max(run(name, location, members).await?);
        }
        if worst > 1.3 {
            anyhow::bail!("a due-card selection costs {worst:.2}x its plain SQL (the goal: at most 1.3x)");
        }
        Ok(())
    })
}

fn utc(s: &str) -> anyhow::Result<DateTime<Utc>> {
    Ok(DateTime::parse_from_rfc3339(s)?.with_timezone(&Utc))
}

/// An instant `days` (an SQL expression) days after `base`, as each backend stores it.
fn instant(postgres: bool, base: &str, days: &str) -> String {
    if postgres {
        format!("(CAST('{base}Z' AS TIMESTAMPTZ) + ({days}) * INTERVAL '1 day')")
    } else {
        format!("strftime('%Y-%m-%dT%H:%M:%S+00:00', '{base}', '+' || ({days}) || ' days')")
    }
}

/// The server, its groups (ids returned), members, memberships, cards and choices.
async fn seed(db: &Db, members: i64, postgres: bool) -> anyhow::Result<i64> {
    let at = instant(postgres, "2025-06-01T00:00:00", "0");
    let schedule = Schedule::from_parts("2027-01-04", 0, "18:00", "UTC", 1).map_err(anyhow::Error::msg)?;
    let mut first_group = None;
    for g in 0..GROUPS {
        let s = GroupSettings {
            name: format!("Group {g}"),
            channel_id: 100_000 + g as u64,
            path_id: "architecture".into(),
            schedule: schedule.clone(),
            mention_role_id: None,
        };
        let id = studybot::db::groups::insert_unchecked(db, defaults::GUILD, &s, 1, utc(NOW)?)
            .await?
            .ok_or_else(|| anyhow::anyhow!("group {g} not stored"))?;
        let first = *first_group.get_or_insert(id);
        anyhow::ensure!(id == first + g, "group ids are not consecutive");
    }
    let first_group = first_group.unwrap_or(1);
    let guild = to_db(defaults::GUILD);
    let series = "WITH RECURSIVE n(i) AS (SELECT CAST(0 AS BIGINT) UNION ALL SELECT i + 1 FROM n WHERE i < $1 - 1)";
    db.raw_execute(
        &format!(
            "{series} INSERT INTO members (guild_id, user_id, display_name, remind_dm, created_at)
             SELECT $2, $3 + i, 'm' || i, 0, {at} FROM n"
        ),
        &[members, guild, FIRST_USER],
    )
    .await?;
    db.raw_execute(
        &format!(
            "{series} INSERT INTO group_members (group_id, guild_id, user_id, joined_week, joined_at)
             SELECT $4 + i % {GROUPS}, $2, $3 + i, 1, {at} FROM n"
        ),
        &[members, guild, FIRST_USER, first_group],
    )
    .await?;
    // Due dates spread over 120 days from 2026-01-01 09:00: about half are due at NOW.
    let per_member = WEEKS * QUESTIONS;
    let due = instant(postgres, "2026-01-01T09:00:00", "(i * 7919) % 120");
    db.raw_execute(
        &format!(
            "{series} INSERT INTO review_cards (guild_id, user_id, group_id, path_id, week, question, seed_rating,
                 rated_at, question_hash, stability, difficulty, due_at, last_review_at, reps, lapses)
             SELECT $2, $3 + i / {per_member}, $4 + (i / {per_member}) % {GROUPS}, 'architecture',
                 1 + (i / {QUESTIONS}) % {WEEKS}, i % {QUESTIONS}, 3, {at}, '0123456789abcdef', 5.0, 5.0, {due}, {at}, 1, 0
             FROM n"
        ),
        &[members * per_member, guild, FIRST_USER, first_group],
    )
    .await?;
    // One member in ten has their DM hour now; the others tomorrow.
    let now_slot = instant(postgres, "2026-03-01T09:00:00", "0");
    let tomorrow = instant(postgres, "2026-03-01T09:00:00", "1");
    db.raw_execute(
        &format!(
            "{series} INSERT INTO review_prefs (guild_id, user_id, group_id, daily_max, dm_hour, next_dm_at)
             SELECT $2, $3 + i, $4 + i % {GROUPS}, 5, 9, CASE WHEN i % 10 = 0 THEN {now_slot} ELSE {tomorrow} END FROM n"
        ),
        &[members, guild, FIRST_USER, first_group],
    )
    .await?;
    // Fresh statistics, as a database that grew to this size would have.
    db.raw_execute("ANALYZE", &[]).await?;
    Ok(first_group)
}

/// The best of [`RUNS`] timings of `f`, in seconds.
async fn best<F, Fut>(mut f: F) -> anyhow::Result<f64>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    let mut times = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let started = Instant::now();
        f().await?;
        times.push(started.elapsed().as_secs_f64());
    }
    Ok(times.into_iter().fold(f64::INFINITY, f64::min))
}

/// The session query, run plainly: the same text `db::review::due` runs, rows fetched as
/// tuples of its columns, nothing decoded into cards.
const SESSION_SQL: &str = "SELECT c.id, c.guild_id, c.user_id, c.group_id, c.path_id, c.week, c.question,
        c.seed_rating, c.rated_at, c.question_hash, c.stability, c.difficulty, c.due_at, c.last_review_at, c.reps,
        c.lapses
     FROM review_cards c
     WHERE c.guild_id = $1 AND c.user_id = $2 AND c.retired = 0 AND c.due_at IS NOT NULL AND c.due_at <= $3
     ORDER BY c.due_at, c.id LIMIT $4";

/// The members whose hour came with their due-card counts, as a person would write it.
const DM_SQL: &str = "SELECT p.guild_id, p.user_id, COUNT(c.id)
     FROM review_prefs p
     LEFT JOIN review_cards c ON c.guild_id = p.guild_id AND c.user_id = p.user_id AND c.retired = 0
         AND c.due_at IS NOT NULL AND c.due_at <= $1
     WHERE p.next_dm_at <= $1
     GROUP BY p.guild_id, p.user_id, p.next_dm_at
     ORDER BY p.next_dm_at LIMIT $2";

/// The text `db::review::due_dms` runs, run plainly (every shard).
const DM_SAME_SQL: &str = "SELECT p.guild_id, p.user_id, p.daily_max, p.group_id, p.dm_hour, p.next_dm_at,
        (SELECT COUNT(*) FROM review_cards c
         WHERE c.guild_id = p.guild_id AND c.user_id = p.user_id AND c.retired = 0
           AND c.due_at IS NOT NULL AND c.due_at <= $1)
     FROM review_prefs p
     WHERE p.next_dm_at <= $1 AND (p.guild_id >> 22) % $2 BETWEEN $3 AND $4
       AND NOT EXISTS (SELECT 1 FROM removed_servers r WHERE r.guild_id = p.guild_id)
     ORDER BY p.next_dm_at LIMIT $5";

type DmRow = (i64, i64, i64, Option<i64>, i64, DateTime<Utc>, i64);

async fn plain_dms_same(db: &Db, now: DateTime<Utc>, limit: i64) -> anyhow::Result<usize> {
    Ok(match (db.sqlite(), db.postgres()) {
        (Some(p), _) => sqlx::query_as::<_, DmRow>(DM_SAME_SQL)
            .bind(now)
            .bind(1i64)
            .bind(0i64)
            .bind(0i64)
            .bind(limit)
            .fetch_all(p)
            .await?
            .len(),
        (_, Some(p)) => sqlx::query_as::<_, DmRow>(DM_SAME_SQL)
            .bind(now)
            .bind(1i64)
            .bind(0i64)
            .bind(0i64)
            .bind(limit)
            .fetch_all(p)
            .await?
            .len(),
        _ => anyhow::bail!("no pool"),
    })
}

type SessionRow = (
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

async fn plain_session(db: &Db, user: i64, now: DateTime<Utc>) -> anyhow::Result<usize> {
    let guild = to_db(defaults::GUILD);
    let q = sqlx::query_as::<_, SessionRow>;
    Ok(match (db.sqlite(), db.postgres()) {
        (Some(p), _) => q(SESSION_SQL).bind(guild).bind(user).bind(now).bind(5i64).fetch_all(p).await?.len(),
        (_, Some(p)) => sqlx::query_as::<_, SessionRow>(SESSION_SQL)
            .bind(guild)
            .bind(user)
            .bind(now)
            .bind(5i64)
            .fetch_all(p)
            .await?
            .len(),
        _ => anyhow::bail!("no pool"),
    })
}

async fn plain_dms(db: &Db, now: DateTime<Utc>, limit: i64) -> anyhow::Result<usize> {
    Ok(match (db.sqlite(), db.postgres()) {
        (Some(p), _) => sqlx::query_as::<_, (i64, i64, i64)>(DM_SQL).bind(now).bind(limit).fetch_all(p).await?.len(),
        (_, Some(p)) => sqlx::query_as::<_, (i64, i64, i64)>(DM_SQL).bind(now).bind(limit).fetch_all(p).await?.len(),
        _ => anyhow::bail!("no pool"),
    })
}

/// Returns the worse of the two selection ratios.
async fn run(backend: &str, location: Location, members: i64) -> anyhow::Result<f64> {
    let postgres = matches!(location, Location::Postgres(_));
    let db = studybot::db::open(&location).await?;
    let seeding = Instant::now();
    seed(&db, members, postgres).await?;
    println!(
        "{backend}: {members} members x {WEEKS} weeks x {QUESTIONS} questions = {} cards, stored in {:.1} s",
        members * WEEKS * QUESTIONS,
        seeding.elapsed().as_secs_f64()
    );
    let now = utc(NOW)?;
    let sampled: Vec<i64> = (0..members).step_by(10).map(|i| FIRST_USER + i).collect();

    // 1a. A session's cards for 1,000 members.
    let ours = best(|| async {
        for u in &sampled {
            let cards = studybot::db::review::due(&db, defaults::GUILD, *u as u64, None, now, 5).await?;
            anyhow::ensure!(cards.len() == 5, "member {u}: {} due cards", cards.len());
        }
        Ok(())
    })
    .await?;
    let floor = best(|| async {
        for u in &sampled {
            anyhow::ensure!(plain_session(&db, *u, now).await? == 5);
        }
        Ok(())
    })
    .await?;
    let session_ratio = ours / floor;
    println!("  session selection, {} members x 5 cards (best of {RUNS}):", sampled.len());
    println!("    studybot db::review::due: {:.1} ms; plain SQL: {:.1} ms", ours * 1e3, floor * 1e3);
    println!("    ratio: {session_ratio:.2}x (goal: at most 1.3x)");

    // 1b. The DM pass's members (500 at a time, the pass's batch).
    let shards = (1, 0, 0);
    let batch = (members / 10).min(500);
    let ours = best(|| async {
        let due = studybot::db::review::due_dms(&db, now, shards, batch).await?;
        anyhow::ensure!(due.len() as i64 == batch && due.iter().all(|d| d.due_cards > 0), "{} due", due.len());
        Ok(())
    })
    .await?;
    let join = best(|| async {
        anyhow::ensure!(plain_dms(&db, now, batch).await? as i64 == batch);
        Ok(())
    })
    .await?;
    let same = best(|| async {
        anyhow::ensure!(plain_dms_same(&db, now, batch).await? as i64 == batch);
        Ok(())
    })
    .await?;
    // The faster of the two plain forms is the floor.
    let floor = join.min(same);
    let dm_ratio = ours / floor;
    println!("  DM pass selection, {batch} of {} members due (best of {RUNS}):", members / 10);
    println!(
        "    studybot db::review::due_dms: {:.2} ms; plain JOIN + GROUP BY: {:.2} ms; its own text, plain: {:.2} ms",
        ours * 1e3,
        join * 1e3,
        same * 1e3
    );
    println!("    ratio to the faster plain form: {dm_ratio:.2}x (goal: at most 1.3x)");

    // 2. The daily DM pass through the real scheduler.
    dm_pass(&db, location, members).await?;
    db.close().await;
    Ok(session_ratio.max(dm_ratio))
}

async fn dm_pass(db: &Db, location: Location, members: i64) -> anyhow::Result<()> {
    let fake = FakeDiscord::builder().start().await;
    let clock = ManualClock::new(utc(NOW)?);
    let (bot, passes) = common::tick_until_idle(&fake, db, location, &clock, ROUND_TRIP).await?;
    let common::Passes { ticks, took, sent, failed, requests } = passes;
    let floor = requests as f64 / DISCORD_PER_SECOND;
    let (mut wrong, mut dms) = (0, 0);
    for i in 0..members {
        let n = fake.dm_messages((FIRST_USER + i) as u64).len();
        dms += n;
        if n != usize::from(i % 10 == 0) {
            wrong += 1;
        }
    }
    println!(
        "  daily review-DM pass, {} members whose hour came, {} ms round trip:",
        members / 10,
        ROUND_TRIP.as_millis()
    );
    println!("    {ticks} ticks: {took:.2} s, {sent} sent, {failed} failed, {requests} requests");
    println!("    floor (Discord's 50 requests/s for those requests): {floor:.2} s");
    println!("    ratio pass / floor: {:.2}x", took / floor);
    println!(
        "    exactly one DM per member whose hour came, none to the others: {}; requests over Discord's budgets: {}",
        if wrong == 0 { "yes".to_string() } else { format!("NO ({wrong} members wrong, {dms} DMs)") },
        fake.count_over_budget()
    );
    bot.shutdown().await;
    if wrong > 0 {
        anyhow::bail!("{wrong} members without exactly the DMs they were due");
    }
    Ok(())
}
