//! Three `studybot run` processes (shards 0, 1 and 2 of 3) on one PostgreSQL database (the
//! throwaway server) and the fake Discord enforcing Discord's budgets: 300 groups over
//! servers on every shard, all due at once. The shard-1 process is killed with SIGKILL while
//! it posts and started again. Every weekly post exists exactly once, every check-in sent
//! during the run is stored, and 429s stay under 1% of the requests. Two processes on the
//! same shard range send each post once, with its thread, with the fake's nonce window off.

mod support;

use chrono::{Datelike, Duration as Days, Utc};
use fake_discord::{FakeDiscord, GuildSpec, Invoker, Slash};
use std::collections::HashMap;
use std::time::{Duration, Instant};
use studybot::db::{self, Location};
use studybot::model::{GroupSettings, Schedule};
use tokio::process::{Child, Command};

const SHARDS: u64 = 3;
const GROUPS_PER_SERVER: u64 = 100;
const T: Duration = Duration::from_secs(20);

/// A server on shard `k` of 3: Discord's shard is `(id >> 22) % 3`.
fn guild_id(k: u64) -> u64 {
    ((3_000 + k) << 22) | 17
}

fn channel_id(k: u64, i: u64) -> u64 {
    900_000_000_000 + k * 1_000 + i
}

fn member_id(k: u64) -> u64 {
    700_000_000_000 + k
}

struct Process {
    child: Child,
    log: std::path::PathBuf,
}

fn spawn(fake: &FakeDiscord, url: &str, shard: u64, dir: &std::path::Path, run: u32) -> Process {
    let log = dir.join(format!("shard{shard}-{run}.log"));
    let file = std::fs::File::create(&log).unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_studybot"))
        .env_remove("STUDYBOT_CONFIG")
        .env_remove("STUDYBOT_DEV_GUILD")
        .env("DISCORD_TOKEN", fake.token())
        .env("DISCORD_API_URL", fake.base_url())
        .env("STUDYBOT_DATABASE", url)
        .env("STUDYBOT_SHARDS", format!("{shard}-{shard}"))
        .env("STUDYBOT_SHARD_TOTAL", SHARDS.to_string())
        .env("STUDYBOT_LOG", "info")
        .stdout(std::process::Stdio::from(file.try_clone().unwrap()))
        .stderr(std::process::Stdio::from(file))
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    Process { child, log }
}

/// Inserts `n` groups into server `k` (channels `channel_id(k, 0..n)`) whose first session
/// was due two minutes ago (created before that).
async fn insert_due_groups(setup: &db::Db, k: u64, n: u64) {
    let due = Utc::now() - Days::minutes(2);
    let schedule = Schedule::from_parts(
        &due.format("%Y-%m-%d").to_string(),
        i64::from(due.weekday().num_days_from_monday()),
        &due.format("%H:%M").to_string(),
        "UTC",
        1,
    )
    .unwrap();
    for i in 0..n {
        let s = GroupSettings {
            name: format!("Group {i}"),
            channel_id: channel_id(k, i),
            path_id: "architecture".into(),
            schedule: schedule.clone(),
            mention_role_id: None,
        };
        db::groups::insert_unchecked(setup, guild_id(k), &s, 1, due - Days::minutes(10)).await.unwrap().unwrap();
    }
}

/// SIGTERM to every process, then waits (at most 15 s each) until they are gone.
async fn stop_all(procs: &mut [Process]) {
    for p in procs.iter() {
        if let Some(pid) = p.child.id() {
            let _ = std::process::Command::new("kill").args(["-TERM", &pid.to_string()]).status();
        }
    }
    for p in procs.iter_mut() {
        let _ = tokio::time::timeout(Duration::from_secs(15), p.child.wait()).await;
    }
}

/// The weekly posts in the channels of server `k`, by channel.
fn week_posts(fake: &FakeDiscord, k: u64) -> HashMap<u64, usize> {
    (0..GROUPS_PER_SERVER)
        .map(|i| {
            let ch = channel_id(k, i);
            (ch, fake.channel_posts(ch).iter().filter(|m| support::week_key(m).is_some()).count())
        })
        .collect()
}

async fn checkin(fake: &FakeDiscord, k: u64, i: u64) {
    let who = Invoker::new(member_id(k), &format!("member{k}")).in_guild(guild_id(k), channel_id(k, i));
    let cmd = Slash::new("checkin")
        .string("group", &format!("Group {i}"))
        .integer("status", 0)
        .number("hours", 1.5)
        .integer("confidence", 4)
        .by(&who);
    let r = fake.slash(cmd).await.wait_reply(T).await;
    assert!(r.text().contains("week 1"), "check-in in server {k} channel {i}: {}", r.text());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_processes_post_every_week_once_through_a_sigkill() {
    let mut builder = FakeDiscord::builder().shards(SHARDS);
    for k in 0..SHARDS {
        let mut g =
            GuildSpec::new(guild_id(k), &format!("Server {k}")).member(member_id(k), &format!("member{k}"), &[]);
        for i in 0..GROUPS_PER_SERVER {
            g = g.text_channel(channel_id(k, i), &format!("group-{i}"));
        }
        builder = builder.guild(g);
    }
    let fake = builder.start().await;
    for k in 0..SHARDS {
        assert_eq!(fake.shard_of(guild_id(k)), k);
    }
    fake.require_allowed_mentions();
    fake.enforce_rate_limits();

    // 300 groups whose first session was due two minutes ago (created before that).
    let url = test_postgres::database();
    let setup = db::open(Location::Postgres(url.clone())).await.unwrap();
    for k in 0..SHARDS {
        insert_due_groups(&setup, k, GROUPS_PER_SERVER).await;
    }

    let dir = tempfile::tempdir().unwrap();
    let mut procs: Vec<Process> = (0..SHARDS).map(|k| spawn(&fake, &url, k, dir.path(), 0)).collect();

    // Kill the shard-1 process while it is posting: some of its servers' weeks are out, not
    // all, and at least one is claimed but not sent (the restarted process must finish it,
    // with the same nonce).
    let in_flight = "SELECT COUNT(*) FROM posts p JOIN study_groups g ON g.id = p.group_id
                     WHERE g.guild_id = $1 AND p.kind = 'week' AND p.state = 'claimed'";
    let shard1 = db::to_db(guild_id(1));
    let started = Instant::now();
    loop {
        let posted: usize = week_posts(&fake, 1).values().sum();
        let claimed = setup.raw_integers(in_flight, &[shard1]).await.unwrap()[0].unwrap_or(0);
        if posted >= 3 && claimed > 0 {
            assert!(posted < GROUPS_PER_SERVER as usize, "the kill came too late to interrupt the tick");
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "shard 1 posted nothing in 60 s");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    procs[1].child.start_kill().unwrap();
    procs[1].child.wait().await.unwrap();
    let at_kill: usize = week_posts(&fake, 1).values().sum();
    let claimed_at_kill = setup.raw_integers(in_flight, &[shard1]).await.unwrap()[0].unwrap_or(0);

    // Members keep checking in on the live shards meanwhile.
    let mut sent = 0;
    for i in 0..5 {
        checkin(&fake, 0, i).await;
        checkin(&fake, 2, i).await;
        sent += 2;
    }
    procs[1] = spawn(&fake, &url, 1, dir.path(), 1);
    for i in 0..5 {
        checkin(&fake, 1, 50 + i).await;
        sent += 1;
    }

    // Every group's week is posted, once.
    let started = Instant::now();
    loop {
        let done =
            setup.raw_integers("SELECT COUNT(*) FROM posts WHERE kind = 'week' AND state = 'sent'", &[]).await.unwrap()
                [0]
            .unwrap();
        if done == (SHARDS * GROUPS_PER_SERVER) as i64 {
            break;
        }
        // A post that failed waits its backoff (1, then 2 minutes) before the next attempt.
        if started.elapsed() > Duration::from_secs(300) {
            let logs: Vec<String> = procs.iter().map(|p| std::fs::read_to_string(&p.log).unwrap_or_default()).collect();
            panic!("{done} of 300 weekly posts after 300 s; logs:\n{}", logs.join("\n----\n"));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for k in 0..SHARDS {
        let posts = week_posts(&fake, k);
        let wrong: Vec<_> = posts.iter().filter(|(_, n)| **n != 1).collect();
        assert!(wrong.is_empty(), "server {k}: channels without exactly one weekly post: {wrong:?}");
    }
    let claims = setup.raw_integers("SELECT COUNT(*) FROM posts WHERE kind = 'week'", &[]).await.unwrap();
    assert_eq!(claims, [Some(300)], "one claim per group");
    let stored = setup.raw_integers("SELECT COUNT(*) FROM checkins", &[]).await.unwrap();
    assert_eq!(stored, [Some(sent)], "every check-in is stored");

    let requests = fake.requests().len();
    let too_many = fake.count_429();
    let limited: Vec<String> =
        fake.requests().iter().filter(|r| r.status == 429).map(|r| format!("{} {}", r.method, r.path)).collect();
    assert!(
        (too_many as f64) < 0.01 * requests as f64,
        "{too_many} 429s in {requests} requests ({} over budget): {limited:?}",
        fake.count_over_budget()
    );
    eprintln!(
        "3 processes: 300 weekly posts, {at_kill} of shard 1's posted and {claimed_at_kill} claimed but unsent at \
         the SIGKILL, {sent} check-ins, {requests} requests, {too_many} 429s"
    );

    stop_all(&mut procs).await;
    setup.close().await;
    fake.assert_no_violations();
}

/// Two processes given the same shard range (a restart overlap, a mistaken deployment) on
/// one PostgreSQL database, with the fake's nonce deduplication off: a claim is a lease held
/// by the live process that made it, so each of 120 weekly posts goes out once, with its
/// thread recorded, by construction and not by Discord's nonce window.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_on_the_same_shards_send_each_post_once_with_its_thread() {
    const GROUPS: u64 = 120;
    let mut g = GuildSpec::new(guild_id(0), "Server 0").member(member_id(0), "member0", &[]);
    for i in 0..GROUPS {
        g = g.text_channel(channel_id(0, i), &format!("group-{i}"));
    }
    // Discord would hand back the first message for a repeated nonce; here nothing does.
    let fake = FakeDiscord::builder().shards(SHARDS).nonce_window(Duration::ZERO).guild(g).start().await;
    fake.require_allowed_mentions();
    fake.enforce_rate_limits();
    let url = test_postgres::database();
    let setup = db::open(Location::Postgres(url.clone())).await.unwrap();
    insert_due_groups(&setup, 0, GROUPS).await;
    let dir = tempfile::tempdir().unwrap();
    // Both run shard 0 of 3: the same servers.
    let mut procs = [spawn(&fake, &url, 0, dir.path(), 0), spawn(&fake, &url, 0, dir.path(), 1)];
    let started = Instant::now();
    let sent = "SELECT COUNT(*) FROM posts WHERE kind = 'week' AND state = 'sent'";
    loop {
        let done = setup.raw_integers(sent, &[]).await.unwrap()[0].unwrap();
        if done == GROUPS as i64 {
            break;
        }
        if started.elapsed() > Duration::from_secs(120) {
            let logs: Vec<String> = procs.iter().map(|p| std::fs::read_to_string(&p.log).unwrap_or_default()).collect();
            panic!("{done} of {GROUPS} weekly posts after 120 s; logs:\n{}", logs.join("\n----\n"));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Another tick of each (every 30 s) finds nothing to do.
    tokio::time::sleep(Duration::from_secs(31)).await;
    let posts = week_posts(&fake, 0);
    let wrong: Vec<_> = posts.iter().filter(|(_, n)| **n != 1).collect();
    assert!(wrong.is_empty(), "channels without exactly one weekly post: {wrong:?}");
    let message_sends = fake
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/messages") && r.path.contains("/channels/"))
        .count();
    assert_eq!(message_sends, GROUPS as usize, "each post was sent once, not once per process");
    assert_eq!(fake.threads().len(), GROUPS as usize, "one discussion thread per post");
    let without_thread =
        setup.raw_integers("SELECT COUNT(*) FROM posts WHERE kind = 'week' AND thread_id IS NULL", &[]).await.unwrap();
    assert_eq!(without_thread, [Some(0)], "every post row records its thread");
    stop_all(&mut procs).await;
    // A clean shutdown leaves no heartbeat behind: the next process may take over at once.
    assert_eq!(setup.raw_integers("SELECT COUNT(*) FROM workers", &[]).await.unwrap(), [Some(0)]);
    setup.close().await;
    fake.assert_no_violations();
}

/// Two processes on the same shard range keep the same groups' Discord events: each session's
/// event is created once (the claim is the database's primary key), not once per process.
#[tokio::test]
async fn two_processes_on_the_same_shards_create_each_event_once() {
    const GROUPS: u64 = 40;
    const EVENTS_ROLE: u64 = 7_100;
    let mut g = GuildSpec::new(guild_id(0), "Server 0")
        .role(EVENTS_ROLE, "Events", fake_discord::perms::CREATE_EVENTS)
        .member(fake_discord::defaults::BOT_USER, fake_discord::defaults::BOT_NAME, &[EVENTS_ROLE]);
    for i in 0..GROUPS {
        g = g.text_channel(channel_id(0, i), &format!("group-{i}"));
    }
    let fake = FakeDiscord::builder().shards(SHARDS).guild(g).start().await;
    fake.require_allowed_mentions();
    fake.enforce_rate_limits();
    let url = test_postgres::database();
    let setup = db::open(Location::Postgres(url.clone())).await.unwrap();
    // Groups whose first session is a week from now: nothing to post, two events each.
    let first = Utc::now() + Days::days(7);
    let schedule = Schedule::from_parts(
        &first.format("%Y-%m-%d").to_string(),
        i64::from(first.weekday().num_days_from_monday()),
        "18:00",
        "UTC",
        1,
    )
    .unwrap();
    for i in 0..GROUPS {
        let s = GroupSettings {
            name: format!("Group {i}"),
            channel_id: channel_id(0, i),
            path_id: "architecture".into(),
            schedule: schedule.clone(),
            mention_role_id: None,
        };
        let id = db::groups::insert_unchecked(&setup, guild_id(0), &s, 1, Utc::now()).await.unwrap().unwrap();
        let group = db::groups::get(&setup, guild_id(0), id).await.unwrap().unwrap();
        db::events::turn_on(&setup, group.scope(), None, 60, None, Utc::now()).await.unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let mut procs = [spawn(&fake, &url, 0, dir.path(), 0), spawn(&fake, &url, 0, dir.path(), 1)];
    let started = Instant::now();
    let made = "SELECT COUNT(*) FROM session_events WHERE event_id IS NOT NULL";
    loop {
        let done = setup.raw_integers(made, &[]).await.unwrap()[0].unwrap();
        if done == 2 * GROUPS as i64 {
            break;
        }
        if started.elapsed() > Duration::from_secs(120) {
            let logs: Vec<String> = procs.iter().map(|p| std::fs::read_to_string(&p.log).unwrap_or_default()).collect();
            panic!("{done} of {} events after 120 s; logs:\n{}", 2 * GROUPS, logs.join("\n----\n"));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Another tick of each (every 30 s) finds nothing to do.
    tokio::time::sleep(Duration::from_secs(31)).await;
    let creates =
        fake.requests().iter().filter(|r| r.method == "POST" && r.path.ends_with("/scheduled-events")).count();
    assert_eq!(creates, 2 * GROUPS as usize, "each event was created once, not once per process");
    assert_eq!(fake.scheduled_events(guild_id(0)).len(), 2 * GROUPS as usize);
    stop_all(&mut procs).await;
    setup.close().await;
    fake.assert_no_violations();
}

/// Two processes on the same shard range make each study-buddy round once and open each
/// pair's private thread once (the round's unique key, the pair's claim).
#[tokio::test]
async fn two_processes_on_the_same_shards_open_each_buddy_thread_once() {
    const GROUPS: u64 = 10;
    const MEMBERS: u64 = 10;
    const THREADS_ROLE: u64 = 7_300;
    let mut g = GuildSpec::new(guild_id(0), "Server 0")
        .role(THREADS_ROLE, "Threads", fake_discord::perms::CREATE_PRIVATE_THREADS)
        .member(fake_discord::defaults::BOT_USER, fake_discord::defaults::BOT_NAME, &[THREADS_ROLE]);
    for i in 0..GROUPS {
        g = g.text_channel(channel_id(0, i), &format!("group-{i}"));
    }
    let user = |i: u64, m: u64| 800_000_000_000 + i * 100 + m;
    for i in 0..GROUPS {
        // One more member per group, opted in after the round: free for a rematch.
        for m in 0..=MEMBERS {
            g = g.member(user(i, m), &format!("u{i}-{m}"), &[]);
        }
    }
    let fake = FakeDiscord::builder().shards(SHARDS).nonce_window(Duration::ZERO).guild(g).start().await;
    fake.require_allowed_mentions();
    fake.enforce_rate_limits();
    let url = test_postgres::database();
    let setup = db::open(Location::Postgres(url.clone())).await.unwrap();
    insert_due_groups(&setup, 0, GROUPS).await;
    for group in db::groups::list(&setup, guild_id(0)).await.unwrap() {
        let i = group.channel_id - channel_id(0, 0);
        let s = db::buddies::BuddySettings { every_weeks: 1, size: 2 };
        db::buddies::turn_on(&setup, group.scope(), s, Utc::now() - Days::minutes(1)).await.unwrap();
        for m in 0..MEMBERS {
            let (u, name) = (user(i, m), format!("u{i}-{m}"));
            let a = db::members::Author { guild_id: guild_id(0), group_id: group.id, user_id: u, display_name: &name };
            db::members::join(&setup, a, 1, Utc::now()).await.unwrap();
            db::buddies::join(&setup, group.scope(), u, Utc::now()).await.unwrap();
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let mut procs = [spawn(&fake, &url, 0, dir.path(), 0), spawn(&fake, &url, 0, dir.path(), 1)];
    let started = Instant::now();
    let open = "SELECT COUNT(*) FROM buddy_pairs WHERE state = 'open'";
    let want = (GROUPS * MEMBERS / 2) as i64;
    loop {
        let done = setup.raw_integers(open, &[]).await.unwrap()[0].unwrap();
        if done == want {
            break;
        }
        if started.elapsed() > Duration::from_secs(120) {
            let logs: Vec<String> = procs.iter().map(|p| std::fs::read_to_string(&p.log).unwrap_or_default()).collect();
            panic!("{done} of {want} buddy threads after 120 s; logs:\n{}", logs.join("\n----\n"));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // In each group, the first pair's first member reported "partner unreachable" 48 hours
    // ago without an answer, and one more member opted in: both processes see the rematches
    // due; each is decided once and its thread opened once.
    for group in db::groups::list(&setup, guild_id(0)).await.unwrap() {
        let i = group.channel_id - channel_id(0, 0);
        let (u, name) = (user(i, MEMBERS), format!("u{i}-{MEMBERS}"));
        let a = db::members::Author { guild_id: guild_id(0), group_id: group.id, user_id: u, display_name: &name };
        db::members::join(&setup, a, 1, Utc::now()).await.unwrap();
        db::buddies::join(&setup, group.scope(), u, Utc::now()).await.unwrap();
    }
    let reported = setup
        .raw_execute(
            "INSERT INTO buddy_reports (pair_id, guild_id, reporter_id, reported_at, confirm_by)
             SELECT p.id, p.guild_id, MIN(m.user_id), now() - interval '48 hours', now() - interval '1 second'
             FROM buddy_pairs p JOIN buddy_pair_members m ON m.pair_id = p.id WHERE p.idx = 0 GROUP BY p.id, p.guild_id",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(reported, GROUPS);
    let rematched = "SELECT COUNT(*) FROM buddy_pairs WHERE state = 'open' AND rematch_of IS NOT NULL";
    loop {
        let done = setup.raw_integers(rematched, &[]).await.unwrap()[0].unwrap();
        if done == GROUPS as i64 {
            break;
        }
        if started.elapsed() > Duration::from_secs(180) {
            let logs: Vec<String> = procs.iter().map(|p| std::fs::read_to_string(&p.log).unwrap_or_default()).collect();
            panic!("{done} of {GROUPS} rematch threads; logs:\n{}", logs.join("\n----\n"));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Another tick of each (every 30 s) opens nothing more.
    tokio::time::sleep(Duration::from_secs(31)).await;
    let threads: Vec<serde_json::Value> = fake.threads().into_iter().filter(|t| t["type"] == 12).collect();
    assert_eq!(
        threads.len(),
        (want + GROUPS as i64) as usize,
        "each pair's thread and each rematch's opened once, not once per process"
    );
    let rounds = setup.raw_integers("SELECT COUNT(*) FROM buddy_rounds", &[]).await.unwrap();
    assert_eq!(rounds, [Some(GROUPS as i64)]);
    let outcomes = "SELECT COUNT(*) FROM buddy_reports WHERE outcome = 'rematched' AND notice_due IS NULL";
    assert_eq!(setup.raw_integers(outcomes, &[]).await.unwrap(), [Some(GROUPS as i64)]);
    for t in &threads {
        let id: u64 = t["id"].as_str().unwrap().parse().unwrap();
        let posts = fake.channel_posts(id);
        let reported = t["name"].as_str().unwrap().starts_with("W1 buddies 1:");
        assert_eq!(posts.len(), if reported { 2 } else { 1 }, "one opening message per thread, one outcome: {posts:?}");
    }
    stop_all(&mut procs).await;
    setup.close().await;
    fake.assert_no_violations();
}
