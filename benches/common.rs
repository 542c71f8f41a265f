//! What the benchmarks share (each includes this file with `#[path]`; they are separate
//! crates with `harness = false`).

use std::future::Future;
use std::process::ExitCode;

/// Runs a benchmark's async `main` on a 2-worker runtime (the machine has 2 cores) and turns
/// its error into a message and a failing exit code.
pub fn run(main: impl Future<Output = anyhow::Result<()>>) -> ExitCode {
    let rt = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(main) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// The bot's configuration for a benchmark against the fake Discord `fake`, on `database`:
/// the fake's default server as the development server, warnings only in the log.
#[allow(dead_code)] // `checkin` and `report` configure their own
pub fn config(fake: &fake_discord::FakeDiscord, database: studybot::db::Location) -> studybot::config::Config {
    studybot::config::Config {
        discord_token: Some(studybot::config::Secret::new(fake.token())),
        database,
        curriculum: None,
        discord_api_url: fake.base_url(),
        dev_guild: Some(fake_discord::defaults::GUILD),
        reminder_hours: 24,
        log: "warn".into(),
        log_format: Default::default(),
        metrics_addr: None,
        web_addr: None,
        public_url: None,
        retention: chrono::Duration::days(30),
        shards: Default::default(),
        warnings: Vec::new(),
    }
}

/// The scheduler's passes of a benchmark against the fake Discord: how many ticks ran, how
/// long they took, what they sent and failed, and the requests the fake got meanwhile.
#[allow(dead_code)] // `review` and `buddies` use it
pub struct Passes {
    pub ticks: usize,
    pub took: f64,
    pub sent: usize,
    pub failed: usize,
    pub requests: usize,
}

/// Starts the bot on `db` at `clock`'s time against `fake`, then has the fake enforce
/// Discord's budgets with `round_trip`, and ticks until a tick sends nothing (at most 100).
#[allow(dead_code)]
pub async fn tick_until_idle(
    fake: &fake_discord::FakeDiscord,
    db: &studybot::db::Db,
    location: studybot::db::Location,
    clock: &studybot::clock::ManualClock,
    round_trip: std::time::Duration,
) -> anyhow::Result<(studybot::bot::RunningBot, Passes)> {
    use std::time::{Duration, Instant};
    let config = config(fake, location);
    let curriculum = studybot::curriculum::Curriculum::embedded().map_err(|p| anyhow::anyhow!("{p}"))?;
    let options = studybot::bot::StartOptions {
        clock: Some(std::sync::Arc::new(clock.clone())),
        ..studybot::bot::StartOptions::default()
    };
    let bot = studybot::bot::start(config, curriculum, db.clone(), options).await?;
    fake.wait_ready(Duration::from_secs(30)).await;
    fake.wait_commands_registered(Duration::from_secs(30)).await;
    fake.enforce_rate_limits();
    fake.set_latency(round_trip);
    let before = fake.requests().len();
    let started = Instant::now();
    let (mut sent, mut failed, mut ticks) = (0, 0, 0);
    loop {
        let r = bot.scheduler().tick().await;
        ticks += 1;
        sent += r.sent;
        failed += r.failed;
        if r.sent == 0 || ticks > 100 {
            break;
        }
    }
    let took = started.elapsed().as_secs_f64();
    let requests = fake.requests().len() - before;
    Ok((bot, Passes { ticks, took, sent, failed, requests }))
}
