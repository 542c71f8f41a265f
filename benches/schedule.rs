//! Scheduler benchmark: `cargo bench --bench schedule`.
//!
//! 200 and then 2,000 groups, each in its own channel, all due at the same instant. The real
//! bot (its scheduler with Discord's budgets, in proxy mode where serenity's rate limiter is
//! off) posts them to the fake Discord, which answers every request after a 50 ms round trip
//! and enforces Discord's limits (50 requests/s; 5 messages per 5 s per channel) with 429s.
//!
//! The floor is what Discord allows: the requests the tick made at 50 per second. Printed:
//! the tick's time, the floor, their ratio, and the checks that every group got exactly one
//! weekly post and no request went over budget. A plain `main` (harness = false).

use chrono::{DateTime, Utc};
use fake_discord::{ChannelSpec, FakeDiscord, GuildSpec, defaults};
use std::sync::Arc;
use std::time::{Duration, Instant};
use studybot::bot::{StartOptions, start};
use studybot::clock::ManualClock;
use studybot::curriculum::Curriculum;
use studybot::model::{GroupSettings, Schedule};

const ROUND_TRIP: Duration = Duration::from_millis(50);
/// Discord's global budget, requests per second.
const DISCORD_PER_SECOND: f64 = 50.0;
const FIRST_CHANNEL: u64 = 100_000;

#[path = "common.rs"]
mod common;

fn main() -> std::process::ExitCode {
    let sizes: Vec<usize> = match std::env::var("SCHEDULE_BENCH_GROUPS") {
        Ok(v) => v.split(',').filter_map(|n| n.trim().parse().ok()).collect(),
        Err(_) => vec![200, 2000],
    };
    common::run(async move {
        for n in sizes {
            run(n).await?;
        }
        Ok(())
    })
}

fn utc(s: &str) -> anyhow::Result<DateTime<Utc>> {
    Ok(DateTime::parse_from_rfc3339(s)?.with_timezone(&Utc))
}

async fn run(groups: usize) -> anyhow::Result<()> {
    let mut guild = GuildSpec::default_test_guild();
    for i in 0..groups as u64 {
        guild = guild.channel(ChannelSpec::text(FIRST_CHANNEL + i, &format!("group-{i}")));
    }
    let fake = FakeDiscord::builder().no_default_guild().guild(guild).start().await;
    let dir = tempfile::tempdir()?;
    let db_path = dir.path().join("bench.db");
    let db = studybot::db::open(&db_path).await?;
    // Monday 2026-11-30 18:00 UTC is every group's first session.
    let clock = ManualClock::new(utc("2026-11-23T12:00:00Z")?);
    let schedule = Schedule::from_parts("2026-11-30", 0, "18:00", "UTC", 1).map_err(anyhow::Error::msg)?;
    for i in 0..groups as u64 {
        let s = GroupSettings {
            name: format!("Group {i}"),
            channel_id: FIRST_CHANNEL + i,
            path_id: "architecture".into(),
            schedule: schedule.clone(),
            mention_role_id: None,
        };
        studybot::db::groups::insert_unchecked(&db, defaults::GUILD, &s, defaults::ALICE, clock_now(&clock))
            .await?
            .ok_or_else(|| anyhow::anyhow!("group {i} not stored"))?;
    }
    let config = common::config(&fake, db_path.into());
    let curriculum = Curriculum::embedded().map_err(|p| anyhow::anyhow!("{p}"))?;
    let options = StartOptions { clock: Some(Arc::new(clock.clone())), ..StartOptions::default() };
    let bot = start(config, curriculum, db.clone(), options).await?;
    fake.wait_ready(Duration::from_secs(30)).await;
    fake.wait_commands_registered(Duration::from_secs(30)).await;

    fake.enforce_rate_limits();
    fake.set_latency(ROUND_TRIP);
    let before = fake.requests().len();
    clock.set(utc("2026-11-30T18:00:10Z")?);
    let started = Instant::now();
    let report = bot.scheduler().tick().await;
    let took = started.elapsed();
    let requests = fake.requests().len() - before;
    let floor = requests as f64 / DISCORD_PER_SECOND;

    let mut wrong = 0;
    for i in 0..groups as u64 {
        if fake.channel_posts(FIRST_CHANNEL + i).len() != 1 {
            wrong += 1;
        }
    }
    println!("{groups} groups due at once, {} ms round trip:", ROUND_TRIP.as_millis());
    println!(
        "  tick: {:.2} s, {} sent, {} failed, {requests} requests",
        took.as_secs_f64(),
        report.sent,
        report.failed
    );
    println!("  floor (Discord's 50 requests/s for those requests): {floor:.2} s");
    println!("  ratio tick / floor: {:.2}x", took.as_secs_f64() / floor);
    println!(
        "  exactly one weekly post per group: {}; requests over Discord's budgets: {}",
        if wrong == 0 { "yes".to_string() } else { format!("NO ({wrong} groups wrong)") },
        fake.count_over_budget()
    );
    bot.shutdown().await;
    db.close().await;
    if wrong > 0 || report.sent != groups {
        anyhow::bail!("{wrong} groups without exactly one post, {} sent of {groups}", report.sent);
    }
    Ok(())
}

fn clock_now(c: &ManualClock) -> DateTime<Utc> {
    use studybot::clock::Clock;
    c.now()
}
