//! Study-buddy benchmark: `cargo bench --bench buddies`.
//!
//! 1. **Matching a 50-member round** (pure, `buddies::match_round`) with 6 rounds of history
//!    and 20 avoids, against its floor measured in the same run: computing every pair's cost
//!    once (the least any cost-minimising matcher does). Printed in milliseconds too: the goal
//!    is "milliseconds", whatever the ratio.
//! 2. **25 groups' rounds due at once** (one server, 50 opted-in members each: 625 private
//!    threads with their members and opening messages, plus the 25 weekly posts of the same
//!    sessions) through the real bot's scheduler, against the fake Discord enforcing Discord's
//!    budgets with a 50 ms round trip. The floor is what Discord allows: the requests made, at
//!    50 per second. Checked: every opted-in member is in exactly one thread, once.
//!
//! Printed: each figure, its floor and their ratio. A plain `main` (harness = false);
//! `BUDDY_BENCH_GROUPS` and `BUDDY_BENCH_MEMBERS` change the size.

use fake_discord::{ChannelSpec, FakeDiscord, GuildSpec, defaults, perms};
use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};
use studybot::buddies::{self, Candidate, Rules};
use studybot::clock::ManualClock;
use studybot::db::{self, Location};
use studybot::model::{GroupSettings, Schedule};

#[path = "common.rs"]
mod common;

const ROUND_TRIP: Duration = Duration::from_millis(50);
const DISCORD_PER_SECOND: f64 = 50.0;
const FIRST_USER: u64 = 600_000_000_000;
const FIRST_CHANNEL: u64 = 910_000_000_000;
const THREADS_ROLE: u64 = 7_300;

fn main() -> std::process::ExitCode {
    common::run(bench())
}

fn env(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

async fn bench() -> anyhow::Result<()> {
    let groups = env("BUDDY_BENCH_GROUPS", 25);
    let members = env("BUDDY_BENCH_MEMBERS", 50);
    matching(members);
    rounds(groups, members).await
}

/// Best of `runs` timings of `f`, in seconds.
fn best(runs: usize, mut f: impl FnMut()) -> f64 {
    (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64()
        })
        .fold(f64::MAX, f64::min)
}

fn matching(n: usize) {
    let people: Vec<Candidate> = (0..n as u64)
        .map(|i| Candidate { user_id: i + 1, at_risk: i % 7 == 0, weeks_checked_in: (i % 12) as u32, trios: 0 })
        .collect();
    // Six earlier rounds and twenty avoids.
    let mut rules = Rules::default();
    for round in 0..6 {
        let m = buddies::match_round(&people, 2, &rules, buddies::seed(1, round));
        rules.history.insert(0, m.groups);
    }
    rules.avoid = (0..20u64).map(|i| (i + 1, (i * 7) % n as u64 + 1)).filter(|(a, b)| a != b).collect();
    let mut groups = 0;
    let ours = best(20, || groups = buddies::match_round(&people, 2, &rules, buddies::seed(1, 6)).groups.len());
    let mut sum = 0;
    let floor = best(20, || {
        for (i, a) in people.iter().enumerate() {
            for b in &people[i + 1..] {
                sum += buddies::pair_cost(a, b, &rules);
            }
        }
    });
    println!("buddies: matching a {n}-member round (6 rounds of history, 20 avoids): {groups} groups");
    println!("  match_round: {:.2} ms; floor (every pair's cost once): {:.3} ms", ours * 1e3, floor * 1e3);
    println!("  ratio match / floor: {:.0}x (goal: milliseconds) [{sum}]", ours / floor);
}

async fn rounds(groups: usize, members: usize) -> anyhow::Result<()> {
    let mut guild = GuildSpec::default_test_guild()
        .role(THREADS_ROLE, "Threads", perms::CREATE_PRIVATE_THREADS)
        .member(defaults::BOT_USER, defaults::BOT_NAME, &[THREADS_ROLE]);
    for g in 0..groups as u64 {
        guild = guild.channel(ChannelSpec::text(FIRST_CHANNEL + g, &format!("group-{g}")));
    }
    let users: Vec<u64> = (0..(groups * members) as u64).map(|i| FIRST_USER + i).collect();
    for u in &users {
        guild = guild.member(*u, &format!("m{u}"), &[defaults::MEMBER_ROLE]);
    }
    let fake = FakeDiscord::builder().no_default_guild().guild(guild).start().await;
    let dir = tempfile::tempdir()?;
    let location = Location::Sqlite(dir.path().join("bench.db"));
    let db = db::open(&location).await?;
    // Mondays 18:00 UTC from 2027-03-08; the pass runs a minute after.
    let start_at = "2027-03-08T18:00:00Z".parse::<chrono::DateTime<chrono::Utc>>()?;
    let now = start_at + chrono::Duration::minutes(1);
    for g in 0..groups {
        let s = GroupSettings {
            name: format!("Group {g}"),
            channel_id: FIRST_CHANNEL + g as u64,
            path_id: "architecture".into(),
            schedule: Schedule::from_parts("2027-03-08", 0, "18:00", "UTC", 1).map_err(|e| anyhow::anyhow!(e))?,
            mention_role_id: None,
        };
        let id = db::groups::insert_unchecked(&db, defaults::GUILD, &s, 1, start_at - chrono::Duration::days(7))
            .await?
            .ok_or_else(|| anyhow::anyhow!("group not stored"))?;
        let group = db::groups::get(&db, defaults::GUILD, id).await?.ok_or_else(|| anyhow::anyhow!("no group"))?;
        db::buddies::turn_on(&db, group.scope(), db::buddies::BuddySettings { every_weeks: 1, size: 2 }, now).await?;
        for u in &users[g * members..(g + 1) * members] {
            let name = format!("m{u}");
            let a = db::members::Author { guild_id: defaults::GUILD, group_id: id, user_id: *u, display_name: &name };
            db::members::join(&db, a, 1, start_at).await?;
            db::buddies::join(&db, group.scope(), *u, start_at).await?;
        }
    }

    let clock = ManualClock::new(now);
    let (bot, passes) = common::tick_until_idle(&fake, &db, location, &clock, ROUND_TRIP).await?;
    let common::Passes { ticks, took, sent, failed, requests } = passes;
    let floor = requests as f64 / DISCORD_PER_SECOND;
    // Every opted-in member in exactly one private thread, each thread with one opening message.
    let threads: Vec<u64> = fake
        .threads()
        .into_iter()
        .filter(|t| t["type"] == 12)
        .filter_map(|t| t["id"].as_str().and_then(|i| i.parse().ok()))
        .collect();
    let mut seen: HashMap<u64, usize> = HashMap::new();
    let mut openings_wrong = 0;
    for t in &threads {
        for u in fake.thread_members(*t) {
            if u != defaults::BOT_USER {
                *seen.entry(u).or_default() += 1;
            }
        }
        if fake.channel_posts(*t).len() != 1 {
            openings_wrong += 1;
        }
    }
    let wanted: HashSet<u64> = users.iter().copied().collect();
    let wrong =
        users.iter().filter(|u| seen.get(u) != Some(&1)).count() + seen.keys().filter(|u| !wanted.contains(u)).count();
    println!(
        "  {groups} groups' rounds due at once, {members} members each ({} threads), {} ms round trip:",
        threads.len(),
        ROUND_TRIP.as_millis()
    );
    println!("    {ticks} ticks: {took:.2} s, {sent} sent, {failed} failed, {requests} requests");
    println!("    floor (Discord's 50 requests/s for those requests): {floor:.2} s");
    println!("    ratio rounds / floor: {:.2}x", took / floor);
    println!(
        "    every member in exactly one thread, one opening each: {}; requests over Discord's budgets: {}",
        if wrong == 0 && openings_wrong == 0 {
            "yes".to_string()
        } else {
            format!("NO ({wrong} members, {openings_wrong} threads wrong)")
        },
        fake.count_over_budget()
    );
    bot.shutdown().await;
    db.close().await;
    if wrong > 0 || openings_wrong > 0 {
        anyhow::bail!("{wrong} members and {openings_wrong} threads not as they should be");
    }
    Ok(())
}
