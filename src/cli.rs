//! The command line: `studybot [run|check|preview|migrate|report|verify]`.

use crate::config::{Config, ConfigArgs};
use crate::curriculum::{Curriculum, Problems};
use crate::render;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::{Path, PathBuf};
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
    /// Validate the curriculum files; prints FILE:LINE:COL for every problem. With the
    /// database present, also warns of the spaced-review cards the curriculum would retire.
    Check,
    /// Write the syllabus as a static web site into DIR: paths, phases, a page per week
    /// (paths/<id>/week-<n>.html), the tracks and how to choose one, the resources, the role,
    /// and a search that runs in the browser. Host DIR on any static host, or open
    /// DIR/index.html. Made from the curriculum alone (no database, no member data).
    Site {
        /// The directory to write into (created when missing; the site's files are replaced).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
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
    /// Create or upgrade the database, then exit. With --from, copy a SQLite database into
    /// an empty PostgreSQL one instead (all tables, ids exact) and print a row count and a
    /// checksum per table, equal on both sides.
    Migrate {
        /// The SQLite database file to copy (it is upgraded to the latest schema first).
        #[arg(long, value_name = "FILE.db")]
        from: Option<PathBuf>,
        /// The PostgreSQL database to copy into (must be empty) [default: the database setting].
        #[arg(long, value_name = "postgres://...", requires = "from")]
        to: Option<String>,
    },
    /// Remove the bot's slash commands registered in one server (left over from --dev-guild
    /// after switching to global commands, where members would see every command twice).
    /// Needs DISCORD_TOKEN.
    ClearCommands {
        /// The server (its id) to remove the bot's server-only commands from.
        #[arg(long, value_name = "SERVER_ID")]
        guild: u64,
    },
    /// Ask the running bot's /readyz (at --metrics-addr): exit 0 when ready, 1 otherwise.
    /// The Docker image's HEALTHCHECK.
    Healthcheck,
    /// Participation report of a study group (moderators' view), from the database.
    ///
    /// Covers the weeks the group has held (skipped and paused weeks are not weeks), by
    /// default from week 1 to the latest held week. Formats:
    ///
    ///   text  a readable summary: totals, one line per week, at-risk members, hardest
    ///         topics. Printed, or written to --out FILE.
    ///
    ///   csv   one row per member. Printed, or with --out FILE written to FILE together with
    ///         the raw check-ins of the same weeks in FILE's name plus `-checkins` (e.g.
    ///         `--out report.csv` writes report.csv and report-checkins.csv).
    ///
    ///   png   a 1000x600 chart (check-in rate and average confidence per week). Written to
    ///         --out FILE, or to standard output when it is not a terminal (a pipe or a file).
    ///
    ///   html  one self-contained page (no script or style from elsewhere): the figures, the
    ///         chart as SVG, the weeks, the members with the members CSV's columns and values
    ///         (sortable), at-risk members, hardest and forgotten topics. Printed, or written
    ///         to --out FILE.
    ///
    /// Exit status: 0 on success, 2 for an unknown group or an invalid week range, 1 for
    /// other errors (database, curriculum, writing the output).
    #[command(verbatim_doc_comment)]
    Report(ReportArgs),
    /// Check a certificate's verification code (printed on it, e.g. SB-7K2QD-M9XWE) against
    /// the database: prints what the certificate says. Exit status 0 when it is valid, 2 when
    /// no certificate has that code (never issued, or its member used /forget-me), 1 for other
    /// errors.
    Verify {
        /// The code, in any case (I and L read as 1, O as 0).
        code: String,
    },
}

/// The arguments of `studybot report`.
#[derive(Debug, Clone, Args)]
pub struct ReportArgs {
    /// The study group's numeric id (shown by `/group list`).
    #[arg(long, value_name = "ID")]
    pub group: i64,
    /// First week of the report [default: 1].
    #[arg(long, value_name = "N")]
    pub from: Option<u32>,
    /// Last week of the report [default: the latest held week].
    #[arg(long, value_name = "N")]
    pub to: Option<u32>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
    /// Write to this file instead of standard output (required for png on a terminal).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Make the report as of this instant (RFC 3339) instead of now; for tests.
    #[arg(long, hide = true, value_name = "RFC3339")]
    pub now: Option<String>,
}

/// Output format of `studybot report`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Text,
    Csv,
    Png,
    /// One self-contained HTML page (inline style, SVG chart, sortable tables).
    Html,
    /// The raw check-ins CSV alone (streamed; what `csv` writes to FILE-checkins).
    Checkins,
}

/// Entry point used by `main`.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::load(&cli.config) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {}", crate::redact::scrub(&e.to_string()));
            return ExitCode::from(2);
        }
    };
    match cli.command.unwrap_or(Command::Run) {
        Command::Check => check(&config),
        Command::Site { out } => site(&config, &out),
        Command::Preview { path_id, week, json } => preview(&config, &path_id, week, json),
        Command::Migrate { from: None, .. } => with_runtime(&config, |config| async move {
            let before = crate::db::applied_migrations(&config.database).await?;
            let db = crate::db::open(&config.database).await?;
            // Closed cleanly: SQLite checkpoints its write-ahead log into the file, so a copy of
            // the .db alone holds the schema.
            db.close().await;
            let after = crate::db::migrations_known(&config.database);
            match before {
                0 => println!("database {} created (schema version {after})", config.database),
                n if n < after => println!("database {} migrated from schema version {n} to {after}", config.database),
                _ => println!("database {} is up to date (schema version {after})", config.database),
            }
            Ok(())
        }),
        Command::Migrate { from: Some(from), to } => {
            with_runtime(&config, |config| async move { copy_database(&from, to.as_deref(), &config).await })
        }
        Command::Run => {
            let curriculum = match load_curriculum(&config) {
                Ok(c) => c,
                Err(problems) => {
                    eprintln!("error: the curriculum is invalid, not starting:\n{problems}");
                    return ExitCode::FAILURE;
                }
            };
            for w in &curriculum.warnings {
                eprintln!("warning: {w}");
            }
            with_runtime(&config, |config| async move { crate::bot::run(config, curriculum).await })
        }
        Command::Report(args) => report(&config, args),
        Command::Healthcheck => healthcheck(&config),
        Command::Verify { code } => verify(&config, &code),
        Command::ClearCommands { guild } => with_runtime(&config, |config| async move {
            let n = crate::bot::register::clear_guild_commands(&config, guild).await?;
            println!("removed {n} server commands from {guild}; the global commands stay");
            Ok(())
        }),
    }
}

fn verify(config: &Config, typed: &str) -> ExitCode {
    // Opening would create an empty database: a missing file is an error instead.
    if let Some(file) = config.database.file()
        && !file.exists()
    {
        eprintln!("error: database {} does not exist", config.database);
        return ExitCode::FAILURE;
    }
    let rt = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let code = crate::service::progress::normalize_code(typed);
    let found = rt.block_on(async {
        let db = crate::db::open(&config.database).await?;
        let found = crate::db::certificates::by_code(&db, &code).await;
        db.close().await;
        anyhow::Ok(found?)
    });
    match found {
        Ok(Some(c)) => {
            println!("{}", render::progress::verified(&c));
            ExitCode::SUCCESS
        }
        Ok(None) => {
            eprintln!("no certificate has the code {code} (never issued, or deleted with its member's data)");
            ExitCode::from(2)
        }
        Err(e) => {
            eprintln!("error: {}", crate::redact::scrub(&format!("{e:#}")));
            ExitCode::FAILURE
        }
    }
}

fn healthcheck(config: &Config) -> ExitCode {
    let Some(addr) = config.metrics_addr else {
        eprintln!("error: healthcheck needs the bot's --metrics-addr (or STUDYBOT_METRICS_ADDR)");
        return ExitCode::FAILURE;
    };
    let rt = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(crate::ops::healthcheck(addr)) {
        Ok(()) => {
            println!("ready");
            ExitCode::SUCCESS
        }
        Err(why) => {
            eprintln!("unhealthy: {why}");
            ExitCode::FAILURE
        }
    }
}

/// Dependencies whose INFO lines are noise for an operator; shown from WARN unless the log
/// filter names them.
const QUIET_DEPENDENCIES: [&str; 1] = ["tokio_cron_scheduler"];

/// Logs go to standard error (standard output stays for what a command prints), coloured only
/// on a terminal.
/// The configured log filter with the quiet dependencies added at WARN where it does not
/// name them.
fn log_directives(log: &str) -> String {
    let mut directives = log.to_string();
    for dep in QUIET_DEPENDENCIES {
        if !directives.contains(dep) {
            directives.push_str(&format!(",{dep}=warn"));
        }
    }
    directives
}

fn init_tracing(config: &Config) {
    use std::io::IsTerminal;
    let filter = tracing_subscriber::EnvFilter::try_new(log_directives(&config.log))
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,tokio_cron_scheduler=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(crate::redact::stderr);
    let _ = match config.log_format {
        crate::config::LogFormat::Text => {
            builder.with_target(false).with_ansi(std::io::stderr().is_terminal()).try_init()
        }
        // One JSON object per line: fields (group, guild, post, user...) and the spans they
        // happened in, for a log collector.
        crate::config::LogFormat::Json => builder.json().with_current_span(true).with_span_list(true).try_init(),
    };
}

fn with_runtime<F, Fut>(config: &Config, f: F) -> ExitCode
where
    F: FnOnce(Config) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    init_tracing(config);
    for w in &config.warnings {
        tracing::warn!("{w}");
    }
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
            eprintln!("error: {}", crate::redact::scrub(&format!("{e:#}")));
            ExitCode::FAILURE
        }
    }
}

/// Loads the configured curriculum (directory or the embedded copy), validates it, then
/// renders every week's post and refuses any that Discord would not accept.
pub fn load_curriculum(config: &Config) -> Result<Curriculum, Problems> {
    let c = match &config.curriculum {
        Some(dir) => Curriculum::load_dir(dir)?,
        None => Curriculum::embedded()?,
    };
    let problems = render::post_problems(&c);
    if problems.is_empty() { Ok(c) } else { Err(Problems(problems)) }
}

fn check(config: &Config) -> ExitCode {
    match load_curriculum(config) {
        Ok(c) => {
            println!("{}", c.summary());
            for w in &c.warnings {
                println!("warning: {w}");
            }
            for line in retiring_cards(config, &c) {
                println!("{line}");
            }
            ExitCode::SUCCESS
        }
        Err(problems) => {
            println!("{problems}");
            eprintln!("{} problem(s) found", problems.0.len());
            ExitCode::FAILURE
        }
    }
}

fn site(config: &Config, out: &Path) -> ExitCode {
    let c = match load_curriculum(config) {
        Ok(c) => c,
        Err(problems) => {
            println!("{problems}");
            eprintln!("{} problem(s) found", problems.0.len());
            return ExitCode::FAILURE;
        }
    };
    let files = match crate::render::html::site(&c) {
        Ok(files) => files,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let pages = files.iter().filter(|f| f.path.ends_with(".html")).count();
    for f in &files {
        let target = out.join(&f.path);
        let written =
            target.parent().map_or(Ok(()), std::fs::create_dir_all).and_then(|()| std::fs::write(&target, &f.bytes));
        if let Err(e) = written {
            eprintln!("error: cannot write {}: {e}", target.display());
            return ExitCode::FAILURE;
        }
    }
    println!("wrote {pages} pages and {} assets to {}", files.len() - pages, out.display());
    ExitCode::SUCCESS
}

/// With a database present (a SQLite file that exists, or a PostgreSQL URL): a warning
/// listing the live spaced-review cards this curriculum would retire (questions reworded,
/// removed or made reflective), which lose their review history. Opening the database brings
/// its schema up to date, as `studybot migrate` does. Nothing when there is nothing to say.
fn retiring_cards(config: &Config, c: &Curriculum) -> Vec<String> {
    if let crate::db::Location::Sqlite(path) = &config.database
        && !path.exists()
    {
        return Vec::new();
    }
    let stored =
        tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(anyhow::Error::from).and_then(
            |rt| {
                rt.block_on(async {
                    let db = crate::db::open(config.database.clone()).await?;
                    Ok(crate::db::review::stored_questions(&db).await?)
                })
            },
        );
    let stored = match stored {
        Ok(s) => s,
        Err(e) => {
            let e = format!("{e:#}");
            return vec![format!(
                "note: cannot read the database to check its review cards: {}",
                crate::redact::scrub(&e)
            )];
        }
    };
    let retiring = crate::review::retiring(&stored, c);
    let total: u32 = retiring.iter().map(|(s, _)| s.cards).sum();
    if total == 0 {
        return Vec::new();
    }
    let mut out = vec![format!(
        "warning: this curriculum would retire {total} spaced-review card{} (their members' review history of \
         these questions ends; a question's cards retire when its text changes):",
        if total == 1 { "" } else { "s" }
    )];
    for (s, why) in retiring {
        let (path, week, q) = &s.question;
        let why = match why {
            crate::review::RetireWhy::Changed => "its text changed",
            crate::review::RetireWhy::Gone => "it is no longer in the curriculum",
            crate::review::RetireWhy::Reflective => "it is now a reflective prompt",
        };
        out.push(format!("  {path} week {week}, question {} in the file: {} ({why})", q + 1, s.cards));
    }
    out
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
        eprintln!("error: path `{path_id}` has weeks 1 to {}, not {week}", path.len_weeks());
        return ExitCode::from(2);
    };
    let body = match render::to_json(&render::week_post(&c, path, w, &render::PostTarget::default())) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: cannot serialize the post: {e}");
            return ExitCode::FAILURE;
        }
    };
    if json {
        match serde_json::to_string_pretty(&body) {
            Ok(s) => println!("{s}"),
            Err(e) => {
                eprintln!("error: {}", crate::redact::scrub(&e.to_string()));
                return ExitCode::FAILURE;
            }
        }
    } else {
        print!("{}", render::text::message_to_text(&body));
    }
    ExitCode::SUCCESS
}

/// A failure of `studybot report` with its exit status: 2 for the user's input (unknown
/// group, bad range), 1 for everything else.
struct ReportFailure {
    code: u8,
    message: String,
}

impl ReportFailure {
    fn usage(message: impl Into<String>) -> Self {
        ReportFailure { code: 2, message: message.into() }
    }

    fn other(message: impl Into<String>) -> Self {
        ReportFailure { code: 1, message: message.into() }
    }
}

fn report(config: &Config, args: ReportArgs) -> ExitCode {
    match run_report(config, args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("error: {}", f.message);
            ExitCode::from(f.code)
        }
    }
}

fn run_report(config: &Config, args: ReportArgs) -> Result<(), ReportFailure> {
    use std::io::IsTerminal;

    let now = match &args.now {
        Some(s) => chrono::DateTime::parse_from_rfc3339(s)
            .map_err(|e| ReportFailure::usage(format!("invalid --now `{s}`: {e}")))?
            .with_timezone(&chrono::Utc),
        None => chrono::Utc::now(),
    };
    // Refuse before doing any work: PNG bytes on a terminal are useless.
    if args.format == ReportFormat::Png && args.out.is_none() && std::io::stdout().is_terminal() {
        return Err(ReportFailure::usage(
            "a PNG chart is not printed to a terminal: use --out FILE or redirect the output",
        ));
    }
    // Opening would create an empty database: a missing file is an error instead.
    if let Some(file) = config.database.file()
        && !file.exists()
    {
        return Err(ReportFailure::other(format!("database {} does not exist", config.database)));
    }
    let curriculum = load_curriculum(config)
        .map_err(|p| ReportFailure::other(format!("the curriculum has problems (see `studybot check`):\n{p}")))?;
    // Several threads: a raw check-ins export reads the next week while it writes this one.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| ReportFailure::other(format!("cannot start the async runtime: {e}")))?;
    rt.block_on(async {
        let db = crate::db::open(&config.database).await.map_err(|e| ReportFailure::other(format!("{e:#}")))?;
        let done = report_command(&db, config, &curriculum, &args, now).await;
        db.close().await;
        done
    })
}

/// `studybot migrate --from FILE.db [--to postgres://...]`: the copy and its summary.
async fn copy_database(from: &Path, to: Option<&str>, config: &Config) -> anyhow::Result<()> {
    use crate::db::Location;
    let target = match to {
        Some(url) => Location::parse(url).map_err(|e| anyhow::anyhow!("--to: {e}"))?,
        None => config.database.clone(),
    };
    if !matches!(target, Location::Postgres(_)) {
        match to {
            Some(_) => anyhow::bail!("--to must be a postgres:// URL, not {target}"),
            None => {
                anyhow::bail!("--to must be a postgres:// URL (without --to, the database setting is used: {target})")
            }
        }
    }
    // Opening would create an empty file: a missing source is an error instead.
    if !from.is_file() {
        anyhow::bail!("database {} does not exist", from.display());
    }
    let source = crate::db::open(from).await?;
    let target_db = crate::db::open(&target).await?;
    let copied = crate::db::migrate::copy(&source, &target_db).await;
    source.close().await;
    target_db.close().await;
    let copied = copied.map_err(|e| anyhow::anyhow!("copy from {} to {target} failed: {e}", from.display()))?;
    println!("{:<16} {:>10}  sha256 of the rows (same in both databases)", "table", "rows");
    for c in &copied {
        println!("{:<16} {:>10}  {}", c.table, c.rows, c.checksum);
    }
    let total: u64 = copied.iter().map(|c| c.rows).sum();
    println!(
        "copied {total} rows in {} tables from {} to {target}; counts and checksums match",
        copied.len(),
        from.display()
    );
    Ok(())
}

async fn report_command(
    db: &crate::db::Db,
    config: &Config,
    curriculum: &Curriculum,
    args: &ReportArgs,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), ReportFailure> {
    use crate::report;
    use crate::service::reports::{self, ReportFailure as Failed};
    let unreadable =
        |e: &dyn std::fmt::Display| ReportFailure::other(format!("cannot read database {}: {e}", config.database));
    let Some(guild) = crate::db::reports::group_guild(db, args.group).await.map_err(|e| unreadable(&e))? else {
        return Err(ReportFailure::usage(format!("no study group with id {} in {}", args.group, config.database)));
    };
    let failed = |e: Failed| match e {
        e @ (Failed::NoGroup(_) | Failed::Range(_)) => ReportFailure::usage(e.to_string()),
        Failed::Failed(e) => ReportFailure::other(e.to_string()),
    };
    if args.format == ReportFormat::Checkins {
        // The raw rows alone: no report is built.
        let export = reports::checkins_export(db, curriculum, guild, args.group, args.from, args.to, now)
            .await
            .map_err(failed)?;
        return write_checkins(db, guild, &export, args.out.as_deref()).await;
    }
    let report =
        reports::report_of(db, curriculum, guild, args.group, args.from, args.to, now).await.map_err(failed)?;
    match args.format {
        ReportFormat::Text => emit(args.out.as_deref(), report::text_summary(&report).as_bytes()),
        ReportFormat::Csv => {
            emit(args.out.as_deref(), report::members_csv(&report).as_bytes())?;
            if let Some(out) = &args.out {
                let raw = checkins_path(out);
                write_checkins(db, guild, &reports::CheckinsExport::of(&report), Some(&raw)).await?;
                let forgotten = sibling(out, "forgotten");
                write_file(&forgotten, report::forgotten_csv(&report).as_bytes())?;
                eprintln!("wrote {}, {} and {}", out.display(), raw.display(), forgotten.display());
            }
            Ok(())
        }
        ReportFormat::Png => {
            let png = report::chart_png(&report).map_err(|e| ReportFailure::other(e.to_string()))?;
            emit(args.out.as_deref(), &png)
        }
        ReportFormat::Html => {
            let page = crate::render::html::report_page(&report).map_err(|e| ReportFailure::other(e.to_string()))?;
            emit(args.out.as_deref(), page.as_bytes())
        }
        ReportFormat::Checkins => Ok(()), // streamed above, without the report
    }
}

/// Streams the raw check-ins CSV of `export` into the file `out` (private to its owner) or,
/// without one, to standard output.
async fn write_checkins(
    db: &crate::db::Db,
    guild: u64,
    export: &crate::service::reports::CheckinsExport,
    out: Option<&Path>,
) -> Result<(), ReportFailure> {
    use crate::service::reports::write_checkins_csv;
    use std::io::Write;
    match out {
        Some(path) => {
            let cannot =
                |e: &dyn std::fmt::Display| ReportFailure::other(format!("cannot write {}: {e}", path.display()));
            let file = private_file(path).map_err(|e| cannot(&e))?;
            let written = write_checkins_csv(db, guild, export, std::io::BufWriter::new(file))
                .await
                .map_err(|e| ReportFailure::other(format!("{}: {e}", path.display())))?;
            written.into_inner().map_err(|e| cannot(e.error()))?;
        }
        None => {
            let stdout = std::io::BufWriter::new(std::io::stdout());
            let cannot =
                |e: &dyn std::fmt::Display| ReportFailure::other(format!("cannot write to standard output: {e}"));
            let mut written = write_checkins_csv(db, guild, export, stdout).await.map_err(|e| cannot(&e))?;
            written.flush().map_err(|e| cannot(&e))?;
        }
    }
    Ok(())
}

/// Where `--format csv --out FILE` writes the raw check-ins: FILE's stem plus `-checkins`,
/// same extension (`report.csv` -> `report-checkins.csv`, `out` -> `out-checkins`).
fn checkins_path(out: &Path) -> PathBuf {
    sibling(out, "checkins")
}

/// FILE's stem plus `-what`, same extension, next to FILE (the forgotten topics go to
/// `report-forgotten.csv`).
fn sibling(out: &Path, what: &str) -> PathBuf {
    let stem = out.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let name = match out.extension() {
        Some(ext) => format!("{stem}-{what}.{}", ext.to_string_lossy()),
        None => format!("{stem}-{what}"),
    };
    out.with_file_name(name)
}

fn emit(out: Option<&Path>, bytes: &[u8]) -> Result<(), ReportFailure> {
    use std::io::Write;
    match out {
        Some(path) => write_file(path, bytes),
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(bytes)
                .and_then(|()| stdout.flush())
                .map_err(|e| ReportFailure::other(format!("cannot write to standard output: {e}")))
        }
    }
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<(), ReportFailure> {
    use std::io::Write;
    private_file(path)
        .and_then(|mut f| f.write_all(bytes))
        .map_err(|e| ReportFailure::other(format!("cannot write {}: {e}", path.display())))
}

/// A report file (members' notes, ratings, names) readable by its owner only, like the
/// database: created 0600, or an existing one truncated and made 0600.
fn private_file(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        options.mode(0o600);
        let file = options.open(path)?;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        Ok(file)
    }
    #[cfg(not(unix))]
    options.open(path)
}

#[cfg(test)]
mod tests {
    #[test]
    fn dependency_noise_is_warn_unless_the_filter_names_it() {
        assert_eq!(super::log_directives("info"), "info,tokio_cron_scheduler=warn");
        assert_eq!(super::log_directives("debug,tokio_cron_scheduler=info"), "debug,tokio_cron_scheduler=info");
    }
}
