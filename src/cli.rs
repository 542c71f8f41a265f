//! The command line: `studybot [run|check|preview|migrate]`.

use crate::config::{Config, ConfigArgs};
use crate::curriculum::{Curriculum, Problems};
use crate::render;
use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// A Discord bot that runs study groups through a phased distributed-systems curriculum.
#[derive(Debug, Parser)]
#[command(name = "studybot", version, about, long_about = None)]
pub struct Cli {
    #[command(flatten)]
    pub config: ConfigArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Connect to Discord and run the bot (the default). Needs DISCORD_TOKEN.
    Run,
    /// Validate the curriculum files; prints FILE:LINE:COL for every problem.
    Check,
    /// Print a week's post exactly as the bot will send it.
    Preview {
        /// Path id, e.g. `architecture` or `senior`.
        #[arg(long = "path")]
        path_id: String,
        /// Week number, from 1.
        #[arg(long)]
        week: u32,
        /// Print the Discord create-message request body (JSON) instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Create or upgrade the database, then exit.
    Migrate,
}

/// Entry point used by `main`.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::load(&cli.config) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    match cli.command.unwrap_or(Command::Run) {
        Command::Check => check(&config),
        Command::Preview { path_id, week, json } => preview(&config, &path_id, week, json),
        Command::Migrate => with_runtime(&config, |config| async move {
            crate::db::open(&config.database).await?;
            println!("database {} is up to date", config.database.display());
            Ok(())
        }),
        Command::Run => with_runtime(&config, |config| async move { crate::bot::run(config).await }),
    }
}

fn init_tracing(config: &Config) {
    let filter = tracing_subscriber::EnvFilter::try_new(&config.log)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_target(false).try_init();
}

fn with_runtime<F, Fut>(config: &Config, f: F) -> ExitCode
where
    F: FnOnce(Config) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    init_tracing(config);
    let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(f(config.clone())) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Loads the configured curriculum (directory or the embedded copy).
pub fn load_curriculum(config: &Config) -> Result<Curriculum, Problems> {
    match &config.curriculum {
        Some(dir) => Curriculum::load_dir(dir),
        None => Curriculum::embedded(),
    }
}

fn check(config: &Config) -> ExitCode {
    match load_curriculum(config) {
        Ok(c) => {
            println!("{}", c.summary());
            ExitCode::SUCCESS
        }
        Err(problems) => {
            println!("{problems}");
            eprintln!("{} problem(s) found", problems.0.len());
            ExitCode::FAILURE
        }
    }
}

fn preview(config: &Config, path_id: &str, week: u32, json: bool) -> ExitCode {
    let c = match load_curriculum(config) {
        Ok(c) => c,
        Err(problems) => {
            println!("{problems}");
            return ExitCode::FAILURE;
        }
    };
    let Some(path) = c.path(path_id) else {
        let ids: Vec<&str> = c.paths.iter().map(|p| p.path.id.as_str()).collect();
        eprintln!("error: unknown path `{path_id}`; known paths: {}", ids.join(", "));
        return ExitCode::from(2);
    };
    let Some(w) = path.week(week) else {
        eprintln!(
            "error: path `{path_id}` has weeks 1 to {}, not {week}",
            path.len_weeks()
        );
        return ExitCode::from(2);
    };
    let body = render::to_json(&render::week_post(&c, path, w, &render::PostTarget::default()));
    if json {
        match serde_json::to_string_pretty(&body) {
            Ok(s) => println!("{s}"),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        }
    } else {
        print!("{}", render::text::message_to_text(&body));
    }
    ExitCode::SUCCESS
}
