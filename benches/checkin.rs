//! Check-in benchmark: `cargo bench --bench checkin`.
//!
//! The real studybot bot and a bare poise bot (one `checkin` command with the same options,
//! answering a constant) each run as their own process, connected to the same kind of fake
//! Discord in this process. Both get the same `/checkin` interactions from 32 members, first
//! one at a time, then 32 at once. Printed per bot: throughput, CPU time per interaction
//! (the bot process's user + system time from `/proc`, so the fake's own work is not
//! counted) and context switches per interaction (all the process's threads, from
//! `/proc/PID/task/*/status`), and studybot's ratio to the bare bot measured in the same run.
//! `CHECKIN_BENCH_ONLY=proxy` (or `direct`, `backends`, comma-separated) runs only those parts.
//!
//! Two deployments, each its own table: **direct** (the default: `https://discord.com`,
//! resolved to the fake's TLS listener, serenity's rate limiter on, for both bots) and
//! **proxy** (`DISCORD_API_URL` set: the bare bot talks to the URL with no retry at all,
//! studybot through its local retry forwarder, `studybot::rest`, whose cost this shows).
//!
//! A third table compares the **database backends**: 2,000 check-ins (one at a time, and 32
//! at once) answered by studybot on its SQLite file and on PostgreSQL (a throwaway server
//! on this machine, `crates/test-postgres`), with the bare bot as the floor.
//!
//! A plain `main` (harness = false); `CHECKIN_BENCH_ROLE` makes a child process a bot.

use fake_discord::{FakeDiscord, Invoker, Slash, defaults};
use poise::serenity_prelude as serenity;
use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use studybot::bot::commands::member::StatusChoice;
use studybot::config::{Config, Secret};
use studybot::model::{GroupSettings, Schedule};

const MEMBERS: u64 = 32;
const SEQUENTIAL: usize = 1_000;
const CONCURRENT: usize = 4_000;
const WAIT: Duration = Duration::from_secs(30);

#[path = "common.rs"]
mod common;

fn main() -> std::process::ExitCode {
    match std::env::var("CHECKIN_BENCH_ROLE").as_deref() {
        Ok("studybot") => common::run(child_studybot()),
        Ok("bare") => common::run(child_bare()),
        _ => common::run(parent()),
    }
}

// ----- the two bots (child processes) -----

fn env(name: &str) -> anyhow::Result<String> {
    std::env::var(name).map_err(|_| anyhow::anyhow!("{name} is not set"))
}

/// Runs until the parent closes our stdin.
async fn until_parent_leaves() {
    let _ = tokio::task::spawn_blocking(|| {
        let mut sink = Vec::new();
        let _ = std::io::stdin().read_to_end(&mut sink);
    })
    .await;
}

/// Direct mode: a client that resolves discord.com to the fake's TLS listener and trusts
/// only its CA (like `FakeDiscord::tls_client`); `None` in proxy mode.
fn direct_client() -> anyhow::Result<Option<reqwest::Client>> {
    let Ok(addr) = env("BENCH_TLS_ADDR") else { return Ok(None) };
    let ca = reqwest::Certificate::from_pem(env("BENCH_CA_PEM")?.as_bytes())?;
    Ok(Some(
        reqwest::Client::builder()
            .no_proxy()
            .use_rustls_tls()
            .tls_built_in_root_certs(false)
            .add_root_certificate(ca)
            .resolve("discord.com", addr.parse()?)
            .build()?,
    ))
}

async fn child_studybot() -> anyhow::Result<()> {
    let database = studybot::db::Location::parse(&env("BENCH_DB")?).map_err(anyhow::Error::msg)?;
    let client = direct_client()?;
    let config = Config {
        discord_token: Some(Secret::new(env("BENCH_TOKEN")?)),
        database: database.clone(),
        curriculum: None,
        discord_api_url: match client {
            Some(_) => studybot::config::DEFAULT_DISCORD_API.to_string(),
            None => env("BENCH_API")?,
        },
        dev_guild: Some(defaults::GUILD),
        reminder_hours: 24,
        log: "warn".into(),
        log_format: Default::default(),
        metrics_addr: None,
        web_addr: None,
        public_url: None,
        retention: chrono::Duration::days(30),
        shards: Default::default(),
        warnings: Vec::new(),
    };
    let db = studybot::db::open(&database).await?;
    let curriculum = studybot::curriculum::Curriculum::embedded().map_err(|p| anyhow::anyhow!("{p}"))?;
    let options = studybot::bot::StartOptions { http_client: client, ..Default::default() };
    let bot = studybot::bot::start(config, curriculum, db, options).await?;
    until_parent_leaves().await;
    bot.shutdown().await;
    Ok(())
}

type BareError = Box<dyn std::error::Error + Send + Sync>;

/// The same options as studybot's `/checkin`; answers a constant.
#[poise::command(slash_command, guild_only)]
#[allow(clippy::too_many_arguments)]
async fn checkin(
    ctx: poise::Context<'_, (), BareError>,
    #[description = "How the week went"] status: StatusChoice,
    #[description = "Hours spent"] hours: f64,
    #[description = "Confidence"] confidence: i64,
    #[description = "Note"] note: Option<String>,
    #[description = "Study group"] group: Option<String>,
    #[description = "Week"] week: Option<u32>,
) -> Result<(), BareError> {
    let _ = (status, hours, confidence, note, group, week);
    ctx.send(poise::CreateReply::default().content("Checked in.").ephemeral(true)).await?;
    Ok(())
}

async fn child_bare() -> anyhow::Result<()> {
    let http = match direct_client()? {
        Some(client) => serenity::HttpBuilder::new(env("BENCH_TOKEN")?).client(client).build(),
        None => {
            serenity::HttpBuilder::new(env("BENCH_TOKEN")?).proxy(env("BENCH_API")?).ratelimiter_disabled(true).build()
        }
    };
    let framework = poise::Framework::builder()
        .options(poise::FrameworkOptions { commands: vec![checkin()], ..Default::default() })
        .setup(|ctx, _ready, framework| {
            Box::pin(async move {
                let g = serenity::GuildId::new(defaults::GUILD);
                poise::builtins::register_in_guild(ctx, &framework.options().commands, g).await?;
                Ok(())
            })
        })
        .build();
    let mut client =
        serenity::ClientBuilder::new_with_http(http, serenity::GatewayIntents::GUILDS).framework(framework).await?;
    let shards = client.shard_manager.clone();
    let task = tokio::spawn(async move { client.start().await });
    until_parent_leaves().await;
    shards.shutdown_all().await;
    let _ = task.await;
    Ok(())
}

// ----- the driver -----

/// CPU time (user + system) a process has used so far, from `/proc/PID/stat`.
fn cpu_time(pid: u32, tick: f64) -> anyhow::Result<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    let after = stat.rsplit_once(')').map(|(_, rest)| rest).ok_or_else(|| anyhow::anyhow!("odd stat"))?;
    let fields: Vec<&str> = after.split_whitespace().collect();
    // After the command name: state is field 3 of stat(5), utime 14 and stime 15.
    let utime: f64 = fields.get(11).ok_or_else(|| anyhow::anyhow!("no utime"))?.parse()?;
    let stime: f64 = fields.get(12).ok_or_else(|| anyhow::anyhow!("no stime"))?.parse()?;
    Ok(Duration::from_secs_f64((utime + stime) / tick))
}

/// Context switches (voluntary and involuntary) of all a process's threads so far, from
/// `/proc/PID/task/*/status`.
fn context_switches(pid: u32) -> anyhow::Result<u64> {
    let mut total = 0;
    for task in std::fs::read_dir(format!("/proc/{pid}/task"))? {
        // A thread may end between listing and reading: it no longer counts.
        let Ok(status) = std::fs::read_to_string(task?.path().join("status")) else { continue };
        for line in status.lines() {
            if let Some(n) = line
                .strip_prefix("voluntary_ctxt_switches:")
                .or_else(|| line.strip_prefix("nonvoluntary_ctxt_switches:"))
            {
                total += n.trim().parse::<u64>()?;
            }
        }
    }
    Ok(total)
}

fn clock_tick() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}

fn member(i: u64) -> Invoker {
    Invoker::new(10_000 + i, &format!("member{i}")).roles(&[defaults::MEMBER_ROLE])
}

fn checkin_of(i: usize) -> Slash {
    Slash::new("checkin")
        .integer("status", (i % 3) as i64)
        .number("hours", 1.0 + (i % 7) as f64)
        .integer("confidence", 1 + (i % 5) as i64)
        .by(&member(i as u64 % MEMBERS))
}

/// One interaction and its reply (a missing reply panics the worker, failing the run);
/// false when the reply contains none of the `|`-separated `expect`ed texts.
async fn one(fake: &FakeDiscord, i: usize, expect: &str) -> bool {
    let content = fake.slash(checkin_of(i)).await.wait_reply(WAIT).await.content;
    let ok = expect.split('|').any(|e| content.contains(e));
    if !ok {
        eprintln!("unexpected reply: {content}");
    }
    ok
}

struct Figures {
    per_second: f64,
    cpu_per_interaction: Duration,
    switches_per_interaction: f64,
}

async fn measure(
    fake: &FakeDiscord,
    pid: u32,
    tick: f64,
    n: usize,
    concurrency: usize,
    expect: &str,
) -> anyhow::Result<Figures> {
    let cpu_before = cpu_time(pid, tick)?;
    let switches_before = context_switches(pid)?;
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for worker in 0..concurrency {
        let fake = fake.clone();
        let expect = expect.to_string();
        tasks.spawn(async move {
            let mut ok = 0;
            for i in (worker..n).step_by(concurrency) {
                ok += usize::from(one(&fake, i, &expect).await);
            }
            ok
        });
    }
    let mut ok = 0;
    while let Some(done) = tasks.join_next().await {
        ok += done?;
    }
    let wall = started.elapsed();
    let cpu = cpu_time(pid, tick)? - cpu_before;
    let switches = context_switches(pid)?.saturating_sub(switches_before);
    if ok != n {
        anyhow::bail!("{} of {n} interactions got no expected reply", n - ok);
    }
    Ok(Figures {
        per_second: n as f64 / wall.as_secs_f64(),
        cpu_per_interaction: cpu / n as u32,
        switches_per_interaction: switches as f64 / n as f64,
    })
}

struct Running {
    fake: FakeDiscord,
    child: Child,
    _dir: tempfile::TempDir,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Direct,
    Proxy,
}

/// Where studybot keeps its data in a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Backend {
    Sqlite,
    Postgres,
}

async fn launch(role: &str, mode: Mode, backend: Backend) -> anyhow::Result<Running> {
    let mut guild = fake_discord::GuildSpec::default_test_guild();
    for i in 0..MEMBERS {
        guild = guild.member(10_000 + i, &format!("member{i}"), &[defaults::MEMBER_ROLE]);
    }
    let fake = FakeDiscord::builder().no_default_guild().guild(guild).start().await;
    let dir = tempfile::tempdir()?;
    let database = match backend {
        Backend::Sqlite => dir.path().join("bench.db").display().to_string(),
        Backend::Postgres => test_postgres::database(),
    };
    if role == "studybot" {
        // One group that started four weeks ago: every check-in is for its current week.
        let db = studybot::db::open(studybot::db::Location::parse(&database).map_err(anyhow::Error::msg)?).await?;
        let monday = chrono::Utc::now().date_naive() - chrono::Duration::days(28);
        let monday =
            monday - chrono::Duration::days(i64::from(chrono::Datelike::weekday(&monday).num_days_from_monday()));
        let s = GroupSettings {
            name: "Evenings".into(),
            channel_id: defaults::GENERAL,
            path_id: "architecture".into(),
            schedule: Schedule::from_parts(&monday.to_string(), 0, "00:00", "UTC", 1).map_err(anyhow::Error::msg)?,
            mention_role_id: None,
        };
        studybot::db::groups::insert_unchecked(&db, defaults::GUILD, &s, defaults::ALICE, chrono::Utc::now()).await?;
        db.close().await;
    }
    let mut child = Command::new(std::env::current_exe()?);
    child
        .env("CHECKIN_BENCH_ROLE", role)
        .env("BENCH_API", fake.base_url())
        .env("BENCH_TOKEN", fake.token())
        .env("BENCH_DB", &database)
        .env("STUDYBOT_LOG", "warn")
        .env_remove("BENCH_TLS_ADDR")
        .stdin(Stdio::piped());
    if mode == Mode::Direct {
        child.env("BENCH_TLS_ADDR", fake.tls_addr().to_string()).env("BENCH_CA_PEM", fake.ca_pem());
    }
    let child = child.spawn()?;
    fake.wait_ready(WAIT).await;
    fake.wait_commands_registered(WAIT).await;
    Ok(Running { fake, child, _dir: dir })
}

/// Rounds of measurement; the two bots alternate within each, and the median is printed.
const ROUNDS: usize = 3;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

struct Result2 {
    cpu_1: f64,
    cpu_32: f64,
    rate_1: f64,
    rate_32: f64,
    switches_1: f64,
    switches_32: f64,
}

/// Both bots run side by side; each round measures one, then the other, at concurrency 1
/// and 32, so drift of the machine touches both alike.
async fn bench_both(tick: f64, mode: Mode) -> anyhow::Result<(Result2, Result2)> {
    let mut running = Vec::new();
    for (role, expect) in [("bare", "Checked in."), ("studybot", "check-in for week|Checked in for week")] {
        running.push((launch(role, mode, Backend::Sqlite).await?, expect));
    }
    let mut figures: Vec<[Vec<f64>; 6]> = vec![Default::default(), Default::default()];
    for (run, expect) in &running {
        let pid = run.child.id();
        eprintln!("bot process {pid}");
        // Warm up: every member checks in a few times (studybot: joins them, fills caches).
        measure(&run.fake, pid, tick, 4 * MEMBERS as usize, 1, expect).await?;
    }
    for _ in 0..ROUNDS {
        for (i, (run, expect)) in running.iter().enumerate() {
            let pid = run.child.id();
            let one = measure(&run.fake, pid, tick, SEQUENTIAL, 1, expect).await?;
            let many = measure(&run.fake, pid, tick, CONCURRENT, 32, expect).await?;
            figures[i][0].push(one.cpu_per_interaction.as_secs_f64() * 1e6);
            figures[i][1].push(many.cpu_per_interaction.as_secs_f64() * 1e6);
            figures[i][2].push(one.per_second);
            figures[i][3].push(many.per_second);
            figures[i][4].push(one.switches_per_interaction);
            figures[i][5].push(many.switches_per_interaction);
        }
    }
    for (mut run, _) in running {
        drop(run.child.stdin.take());
        let _ = run.child.wait();
        run.fake.assert_no_violations();
    }
    let mut out = figures.into_iter().map(|[a, b, c, d, e, f]| Result2 {
        cpu_1: median(a),
        cpu_32: median(b),
        rate_1: median(c),
        rate_32: median(d),
        switches_1: median(e),
        switches_32: median(f),
    });
    let bare = out.next().ok_or_else(|| anyhow::anyhow!("no bare figures"))?;
    let bot = out.next().ok_or_else(|| anyhow::anyhow!("no studybot figures"))?;
    Ok((bare, bot))
}

/// Whether a part of the benchmark runs: `CHECKIN_BENCH_ONLY` (e.g. `proxy`, or
/// `direct,backends`) picks some; unset, all run.
fn wanted(part: &str) -> bool {
    std::env::var("CHECKIN_BENCH_ONLY").map_or(true, |only| only.split(',').any(|p| p.trim() == part))
}

async fn parent() -> anyhow::Result<()> {
    let tick = clock_tick();
    for (mode, part, what) in [
        (Mode::Direct, "direct", "direct (https://discord.com, serenity's rate limiter; the default)"),
        (Mode::Proxy, "proxy", "proxy (DISCORD_API_URL; studybot through its retry forwarder)"),
    ] {
        if !wanted(part) {
            continue;
        }
        let (bare, bot) = bench_both(tick, mode).await?;
        println!(
            "check-in, {what}: {SEQUENTIAL} interactions one at a time and {CONCURRENT} at concurrency 32 \
             (32 members), median of {ROUNDS} interleaved rounds"
        );
        println!("{:<28} {:>14} {:>14} {:>10}", "", "bare poise", "studybot", "ratio");
        let row = |what: &str, unit: &str, floor: f64, ours: f64| {
            println!("{what:<28} {floor:>12.1}{unit} {ours:>12.1}{unit} {:>9.2}x", ours / floor);
        };
        row("CPU per interaction (c=1)", "us", bare.cpu_1, bot.cpu_1);
        row("CPU per interaction (c=32)", "us", bare.cpu_32, bot.cpu_32);
        row("throughput (c=1)", "/s", bare.rate_1, bot.rate_1);
        row("throughput (c=32)", "/s", bare.rate_32, bot.rate_32);
        row("switches/interaction (c=1)", "  ", bare.switches_1, bot.switches_1);
        row("switches/interaction (c=32)", "  ", bare.switches_32, bot.switches_32);
        println!();
    }
    if wanted("backends") {
        backends().await?;
    }
    Ok(())
}

/// Check-ins per measurement of the backend comparison.
const BACKEND_CHECKINS: usize = 2_000;

/// The bare bot, studybot on SQLite and studybot on PostgreSQL, side by side (direct mode):
/// the wall time of 2,000 check-ins one at a time and 32 at once, median of interleaved rounds.
async fn backends() -> anyhow::Result<()> {
    let tick = clock_tick();
    let bots = [
        ("bare poise", "bare", Backend::Sqlite, "Checked in."),
        ("studybot, SQLite", "studybot", Backend::Sqlite, "check-in for week|Checked in for week"),
        ("studybot, PostgreSQL", "studybot", Backend::Postgres, "check-in for week|Checked in for week"),
    ];
    let mut running = Vec::new();
    for (_, role, backend, expect) in bots {
        let run = launch(role, Mode::Direct, backend).await?;
        measure(&run.fake, run.child.id(), tick, 4 * MEMBERS as usize, 1, expect).await?;
        running.push(run);
    }
    let mut seconds: Vec<[Vec<f64>; 2]> = vec![Default::default(), Default::default(), Default::default()];
    for _ in 0..ROUNDS {
        for (i, run) in running.iter().enumerate() {
            for (j, concurrency) in [1, 32].into_iter().enumerate() {
                let f = measure(&run.fake, run.child.id(), tick, BACKEND_CHECKINS, concurrency, bots[i].3).await?;
                seconds[i][j].push(BACKEND_CHECKINS as f64 / f.per_second);
            }
        }
    }
    for mut run in running {
        drop(run.child.stdin.take());
        let _ = run.child.wait();
        run.fake.assert_no_violations();
    }
    println!(
        "check-in by database backend: the wall time of {BACKEND_CHECKINS} check-ins (32 members, direct mode), \
         median of {ROUNDS} interleaved rounds; ratio to the bare bot"
    );
    println!("{:<24} {:>16} {:>16}", "", "one at a time", "32 at once");
    let floor = [median(seconds[0][0].clone()), median(seconds[0][1].clone())];
    for (i, (name, ..)) in bots.iter().enumerate() {
        let t = [median(seconds[i][0].clone()), median(seconds[i][1].clone())];
        println!("{name:<24} {:>7.2}s ({:.2}x) {:>7.2}s ({:.2}x)", t[0], t[0] / floor[0], t[1], t[1] / floor[1]);
    }
    Ok(())
}
