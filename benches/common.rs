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
        retention: chrono::Duration::days(30),
        shards: Default::default(),
        warnings: Vec::new(),
    }
}
