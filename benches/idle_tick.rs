//! Idle-tick benchmark: `cargo bench --bench idle_tick`.
//!
//! A tick must cost what is due, not what exists. On each backend (a SQLite file, then a
//! throwaway PostgreSQL), the real bot's scheduler ticks:
//!
//! 1. on an empty database (the floor: the heartbeat and the jobs' "what is due" queries);
//! 2. after 100,000 groups in 4,000 servers (each server with a weekly digest) were stored
//!    and one tick planned them all (printed too: the one tick after start-up that visits
//!    every group), with nothing due.
//!
//! Printed per backend: the median of [`TICKS`] ticks of each, and their ratio (the goal:
//! at most 2x). A plain `main` (harness = false). `IDLE_BENCH_GROUPS` changes the size.

use chrono::{DateTime, Utc};
use fake_discord::{FakeDiscord, defaults};
use std::sync::Arc;
use std::time::{Duration, Instant};
use studybot::bot::{RunningBot, StartOptions, start};
use studybot::clock::ManualClock;
use studybot::curriculum::Curriculum;
use studybot::db::{Db, Location};

#[path = "common.rs"]
mod common;

/// Ticks measured of each kind (the median is printed).
const TICKS: usize = 25;
const SERVERS: i64 = 4_000;
/// A tick at this instant finds nothing due: every group starts on Monday 2027-01-04 and
/// every digest is on Sundays at 09:00, more than a day ago.
const NOW: &str = "2026-11-23T12:00:00Z";

fn main() -> std::process::ExitCode {
    let groups: i64 = std::env::var("IDLE_BENCH_GROUPS").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    common::run(async move {
        let dir = tempfile::tempdir()?;
        let mut worst: f64 = 0.0;
        for (name, location) in [
            ("SQLite", Location::Sqlite(dir.path().join("idle.db"))),
            ("PostgreSQL", Location::Postgres(test_postgres::database())),
        ] {
            worst = worst.max(run(name, location, groups).await?);
        }
        if worst > 2.0 {
            anyhow::bail!("an idle tick costs {worst:.2}x an empty database's tick (the goal: at most 2x)");
        }
        Ok(())
    })
}

fn utc(s: &str) -> anyhow::Result<DateTime<Utc>> {
    Ok(DateTime::parse_from_rfc3339(s)?.with_timezone(&Utc))
}

/// The median of `TICKS` ticks, in seconds.
async fn median_tick(bot: &RunningBot) -> anyhow::Result<f64> {
    let mut times = Vec::with_capacity(TICKS);
    for _ in 0..TICKS {
        let started = Instant::now();
        let r = bot.scheduler().tick().await;
        times.push(started.elapsed().as_secs_f64());
        if r.sent + r.failed + r.groups > 0 {
            anyhow::bail!("an idle tick did something: {r:?}");
        }
    }
    times.sort_by(f64::total_cmp);
    Ok(times[TICKS / 2])
}

/// Stores `groups` groups over [`SERVERS`] servers and a digest per server, in two statements.
async fn seed(db: &Db, groups: i64, postgres: bool) -> anyhow::Result<()> {
    // The same statements on both backends but for the instants' literals.
    let at = if postgres { "CAST('2026-11-01T00:00:00Z' AS TIMESTAMPTZ)" } else { "'2026-11-01T00:00:00+00:00'" };
    db.raw_execute(
        &format!(
            "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < $1 - 1)
             INSERT INTO study_groups (guild_id, name, channel_id, path_id, start_date, weekday, post_time, timezone,
                 created_by, created_at, updated_at, live_since, every_weeks)
             SELECT $2 + (i % $3) * 4194304, 'Group ' || i, 100000 + i, 'architecture', '2027-01-04', 0, '18:00',
                 'Europe/Berlin', 1, {at}, {at}, {at}, 1
             FROM n"
        ),
        &[groups, defaults::GUILD as i64, SERVERS],
    )
    .await?;
    db.raw_execute(
        &format!(
            "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < $1 - 1)
             INSERT INTO server_settings (guild_id, digest_channel_id, digest_weekday, digest_time, digest_timezone,
                 updated_at)
             SELECT $2 + CAST(i AS BIGINT) * 4194304, 99, 6, '09:00', 'UTC', {at} FROM n"
        ),
        &[SERVERS, defaults::GUILD as i64],
    )
    .await?;
    Ok(())
}

async fn run(backend: &str, location: Location, groups: i64) -> anyhow::Result<f64> {
    let postgres = matches!(location, Location::Postgres(_));
    let fake = FakeDiscord::builder().start().await;
    let db = studybot::db::open(&location).await?;
    let clock = ManualClock::new(utc(NOW)?);
    let config = common::config(&fake, location);
    let curriculum = Curriculum::embedded().map_err(|p| anyhow::anyhow!("{p}"))?;
    let options = StartOptions { clock: Some(Arc::new(clock.clone())), ..StartOptions::default() };
    let bot = start(config, curriculum, db.clone(), options).await?;
    fake.wait_ready(Duration::from_secs(30)).await;
    fake.wait_commands_registered(Duration::from_secs(30)).await;

    let before = fake.requests().len();
    let empty = median_tick(&bot).await?;
    let seeding = Instant::now();
    seed(&db, groups, postgres).await?;
    let seeded = seeding.elapsed();
    let planning = Instant::now();
    let first = bot.scheduler().tick().await;
    let planned = planning.elapsed();
    if first.groups as i64 != groups || first.sent + first.failed > 0 {
        anyhow::bail!("the planning tick should visit every group and send nothing: {first:?}");
    }
    let idle = median_tick(&bot).await?;
    let requests = fake.requests().len() - before;
    println!("{backend}: {groups} groups in {SERVERS} servers, nothing due (median of {TICKS} ticks):");
    println!(
        "  stored in {:.1} s; the tick after start-up that plans them all: {:.1} s",
        seeded.as_secs_f64(),
        planned.as_secs_f64()
    );
    println!("  empty database tick (floor): {:.2} ms", empty * 1e3);
    println!("  idle tick: {:.2} ms", idle * 1e3);
    println!(
        "  ratio idle / empty: {:.2}x (goal: at most 2x); Discord requests by the ticks: {requests}",
        idle / empty
    );
    bot.shutdown().await;
    db.close().await;
    Ok(idle / empty)
}
