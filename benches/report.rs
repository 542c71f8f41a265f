//! Participation report benchmark: `cargo bench --bench report`.
//!
//! Fills a file database (the production settings of `db::open`: WAL, synchronous=NORMAL)
//! with one group of 10,000 members x 36 weeks of check-ins and some ratings, in one
//! transaction, then measures in fresh processes (so each peak memory is its own):
//! - **studybot**: the whole report as the bot makes it (`service::reports::report_of`: SQL
//!   aggregates + `report::build_from`), the summary text, the members CSV and the PNG chart;
//!   and apart, the raw check-ins CSV as `studybot report --format checkins` streams it
//!   (`service::reports::checkins_export`: the group's weeks and names, no report);
//! - **floor**: every figure computed in SQL by one plain script (the aggregate queries run
//!   with sqlx and their rows fetched, nothing decoded or built), plus the raw check-ins read
//!   once, as a CSV export must.
//!
//! Printed: median time of 5 runs and peak resident memory (VmHWM) of each, and their ratio;
//! then the renderers' times and the query plans. Then the same database is copied into
//! PostgreSQL (a throwaway server, `crates/test-postgres`) with `studybot migrate --from`,
//! the report made there is compared with the SQLite one (text, members CSV, chart and raw
//! check-ins CSV, byte for byte), and both sides are measured again on PostgreSQL. A plain `main` (harness = false);
//! `REPORT_BENCH_ROLE` makes a child process one of the two.

use std::time::{Duration, Instant};
use studybot::db::{Db, reports, to_db};
use studybot::report;

use fill::{GUILD, WEEKS};
const RUNS: usize = 5;
/// At 2026-06-01 a Monday group started 2025-06-02 has held all 36 weeks of the path.
const NOW: &str = "2026-06-01T00:00:00Z";

#[path = "common.rs"]
mod common;
#[path = "fill.rs"]
mod fill;
use fill::fill;

fn main() -> std::process::ExitCode {
    match std::env::var("REPORT_BENCH_ROLE") {
        Ok(role) => common::run(async move { child(&role).await }),
        Err(_) => common::run(run()),
    }
}

fn now() -> anyhow::Result<chrono::DateTime<chrono::Utc>> {
    Ok(chrono::DateTime::parse_from_rfc3339(NOW)?.with_timezone(&chrono::Utc))
}

/// Peak resident memory of this process so far, in KiB.
fn peak_kib() -> anyhow::Result<u64> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).ok_or_else(|| anyhow::anyhow!("no VmHWM"))?;
    Ok(line.split_whitespace().nth(1).ok_or_else(|| anyhow::anyhow!("odd VmHWM"))?.parse()?)
}

/// One side of the comparison, in its own process: prints `median_ms peak_kib`.
async fn child(role: &str) -> anyhow::Result<()> {
    let path = std::env::var("REPORT_BENCH_DB")?;
    let group: i64 = std::env::var("REPORT_BENCH_GROUP")?.parse()?;
    let db = studybot::db::open(studybot::db::Location::parse(&path).map_err(anyhow::Error::msg)?).await?;
    let curriculum = studybot::curriculum::Curriculum::embedded().map_err(|p| anyhow::anyhow!("{p}"))?;
    let now = now()?;
    let mut times = Vec::new();
    for _ in 0..RUNS {
        let t = Instant::now();
        match role {
            "studybot" => {
                let r = studybot::service::reports::report_of(&db, &curriculum, GUILD, group, None, None, now).await?;
                std::hint::black_box(report::text_summary(&r));
                std::hint::black_box(report::members_csv(&r));
                std::hint::black_box(report::chart_png(&r)?);
            }
            "floor" => {
                for (name, sql) in reports::QUERIES {
                    if name.starts_with("aggregate_") {
                        let n = match (db.sqlite(), db.postgres()) {
                            (Some(p), _) => query(sql, group).fetch_all(p).await?.len(),
                            (_, Some(p)) => query(sql, group).fetch_all(p).await?.len(),
                            _ => 0,
                        };
                        std::hint::black_box(n);
                    }
                }
            }
            "studybot-csv" => {
                // `studybot report --format checkins`: the export alone, no report built.
                use studybot::service::reports::{checkins_export, write_checkins_csv};
                let export = checkins_export(&db, &curriculum, GUILD, group, None, None, now).await?;
                let raw = write_checkins_csv(&db, GUILD, &export, std::io::sink()).await?;
                std::hint::black_box(raw);
            }
            _ => {
                // The raw check-ins, every row read once in order, nothing decoded.
                use futures_util::TryStreamExt;
                let sql = reports::QUERIES.iter().find(|(n, _)| *n == "checkins_in_range").map(|q| q.1).unwrap_or("");
                let mut n = 0usize;
                if let Some(p) = db.sqlite() {
                    let mut rows = query(sql, group).fetch(p);
                    while rows.try_next().await?.is_some() {
                        n += 1;
                    }
                } else if let Some(p) = db.postgres() {
                    let mut rows = query(sql, group).fetch(p);
                    while rows.try_next().await?.is_some() {
                        n += 1;
                    }
                }
                std::hint::black_box(n);
            }
        }
        times.push(t.elapsed());
    }
    times.sort();
    println!("{:.1} {}", times[times.len() / 2].as_secs_f64() * 1000.0, peak_kib()?);
    db.close().await;
    Ok(())
}

/// One report query with its binds (guild, group, weeks 1 to 36), for either backend.
fn query<DB: sqlx::Database>(sql: &'static str, group: i64) -> sqlx::query::Query<'static, DB, DB::Arguments>
where
    i64: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    sqlx::query(sqlx::AssertSqlSafe(sql)).bind(to_db(GUILD)).bind(group).bind(1i64).bind(WEEKS)
}

/// Runs `role` in a fresh process; its median time (ms) and peak memory (KiB).
fn measure(role: &str, path: impl AsRef<std::ffi::OsStr>, group: i64) -> anyhow::Result<(f64, u64)> {
    let out = std::process::Command::new(std::env::current_exe()?)
        .env("REPORT_BENCH_ROLE", role)
        .env("REPORT_BENCH_DB", path)
        .env("REPORT_BENCH_GROUP", group.to_string())
        .output()?;
    if !out.status.success() {
        anyhow::bail!("{role}: {}", String::from_utf8_lossy(&out.stderr));
    }
    let text = String::from_utf8(out.stdout)?;
    let mut parts = text.split_whitespace();
    let ms = parts.next().ok_or_else(|| anyhow::anyhow!("no time"))?.parse()?;
    let kib = parts.next().ok_or_else(|| anyhow::anyhow!("no memory"))?.parse()?;
    Ok((ms, kib))
}

async fn run() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("bench.db");
    let db = studybot::db::open(&path).await?;
    let curriculum = studybot::curriculum::Curriculum::embedded().map_err(|p| anyhow::anyhow!("{p}"))?;
    let now = now()?;

    let started = Instant::now();
    let (group, rows) = fill(&db).await?;
    let fill_time = started.elapsed();
    // One giant transaction leaves everything in the WAL; a running bot checkpoints every
    // 1000 pages, so read from a checkpointed database as it would.
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(db.sqlite().expect("a SQLite file")).await?;
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    println!("fill: {} members, {} check-ins, {} ratings", rows.0, rows.1, rows.2);
    println!(
        "fill: {:.2} s in one transaction, database {:.1} MiB",
        fill_time.as_secs_f64(),
        size as f64 / (1024.0 * 1024.0)
    );

    println!();
    println!("SQLite, 10k members x 36 weeks (median of {RUNS} runs, a fresh process each):");
    let sqlite_ms = compare(path.as_os_str(), group)?;
    let r = studybot::service::reports::report_of(&db, &curriculum, GUILD, group, None, None, now).await?;
    println!();
    println!(
        "report over {} weeks, {} members, {} check-ins; renderers ({RUNS} runs):",
        r.weeks.len(),
        r.summary.members,
        r.summary.checkins
    );
    let timed = |f: &dyn Fn() -> usize| {
        let mut times = Vec::new();
        let mut bytes = 0;
        for _ in 0..RUNS {
            let t = Instant::now();
            bytes = f();
            times.push(t.elapsed());
        }
        (figures(&times), bytes)
    };
    let (t, n) = timed(&|| report::text_summary(&r).len());
    println!("  text_summary        {t} ({n} bytes)");
    let (t, n) = timed(&|| report::members_csv(&r).len());
    println!("  members_csv         {t} ({:.1} MiB)", n as f64 / 1048576.0);
    let (t, n) = timed(&|| report::chart_png(&r).map(|p| p.len()).unwrap_or(0));
    println!("  chart_png           {t} ({:.0} KiB)", n as f64 / 1024.0);
    let mut times = Vec::new();
    let mut bytes = 0;
    for _ in 0..RUNS {
        let t = Instant::now();
        let export = studybot::service::reports::CheckinsExport::of(&r);
        bytes = studybot::service::reports::write_checkins_csv(&db, GUILD, &export, Vec::new()).await?.len();
        times.push(t.elapsed());
    }
    println!("  checkins_csv (SQL stream) {} ({:.1} MiB)", figures(&times), bytes as f64 / 1048576.0);
    println!(
        "  summary: rate {:.1}%, {} at risk, hardest: week {} Q{} avg {:.2}",
        r.summary.checkin_rate * 100.0,
        r.summary.at_risk,
        r.hardest.first().map(|h| h.week).unwrap_or(0),
        r.hardest.first().map(|h| u32::from(h.question) + 1).unwrap_or(0),
        r.hardest.first().map(|h| h.average).unwrap_or(0.0),
    );

    // Plans as a production database has them (nobody runs ANALYZE), then with statistics.
    print_plans(&db, group, "EXPLAIN QUERY PLAN, no statistics (as in production)").await?;
    sqlx::query("ANALYZE").execute(db.sqlite().expect("a SQLite file")).await?;
    print_plans(&db, group, "EXPLAIN QUERY PLAN after ANALYZE").await?;
    db.close().await;
    on_postgres(&path, group, &r, sqlite_ms).await
}

/// Copies the benchmark database into PostgreSQL with `studybot migrate --from`, checks the
/// report there is the SQLite one, and measures both sides on PostgreSQL.
async fn on_postgres(
    path: &std::path::Path,
    group: i64,
    sqlite: &report::Report,
    sqlite_ms: [f64; 2],
) -> anyhow::Result<()> {
    let url = test_postgres::database();
    let started = Instant::now();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_studybot"))
        .env_remove("STUDYBOT_CONFIG")
        .args(["migrate", "--from"])
        .arg(path)
        .args(["--to", &url])
        .output()?;
    if !out.status.success() {
        anyhow::bail!("studybot migrate --from: {}", String::from_utf8_lossy(&out.stderr));
    }
    let copy = started.elapsed();
    let summary = String::from_utf8_lossy(&out.stdout);
    println!();
    println!("studybot migrate --from (SQLite to PostgreSQL 15, this machine): {:.1} s", copy.as_secs_f64());
    for line in summary.lines().filter(|l| {
        ["study_groups", "members", "group_members", "checkins", "ratings", "copied"].iter().any(|t| l.starts_with(t))
    }) {
        println!("  {line}");
    }
    let db = studybot::db::open(studybot::db::Location::Postgres(url.clone())).await?;
    let curriculum = studybot::curriculum::Curriculum::embedded().map_err(|p| anyhow::anyhow!("{p}"))?;
    let r = studybot::service::reports::report_of(&db, &curriculum, GUILD, group, None, None, now()?).await?;
    let same = |what: &str, a: &[u8], b: &[u8]| -> anyhow::Result<()> {
        if a != b {
            anyhow::bail!("the {what} on PostgreSQL differs from the one on SQLite");
        }
        println!("  {what}: identical ({} bytes)", a.len());
        Ok(())
    };
    println!("the report on PostgreSQL against the report on SQLite:");
    same("text summary", report::text_summary(&r).as_bytes(), report::text_summary(sqlite).as_bytes())?;
    same("members CSV", report::members_csv(&r).as_bytes(), report::members_csv(sqlite).as_bytes())?;
    same("chart PNG", &report::chart_png(&r)?, &report::chart_png(sqlite)?)?;
    let lite = studybot::db::open(path).await?;
    use studybot::service::reports::{CheckinsExport, checkins_export, write_checkins_csv};
    let raw_pg = write_checkins_csv(&db, GUILD, &CheckinsExport::of(&r), Vec::new()).await?;
    let raw_lite = write_checkins_csv(&lite, GUILD, &CheckinsExport::of(sqlite), Vec::new()).await?;
    same("raw check-ins CSV", &raw_pg, &raw_lite)?;
    // The export alone (no report) writes the same file.
    let alone = checkins_export(&db, &curriculum, GUILD, group, None, None, now()?).await?;
    same(
        "raw check-ins CSV without the report",
        &write_checkins_csv(&db, GUILD, &alone, Vec::new()).await?,
        &raw_lite,
    )?;
    lite.close().await;
    db.close().await;
    println!();
    println!("PostgreSQL, the same database (median of {RUNS} runs, a fresh process each):");
    let pg_ms = compare(std::ffi::OsStr::new(&url), group)?;
    println!(
        "  PostgreSQL / SQLite: report {:.2}x, raw check-ins CSV {:.2}x",
        pg_ms[0] / sqlite_ms[0],
        pg_ms[1] / sqlite_ms[1]
    );
    Ok(())
}

/// Measures studybot's report and raw CSV against their floors on the database at `db`;
/// prints them and returns studybot's two times (ms).
fn compare(db: &std::ffi::OsStr, group: i64) -> anyhow::Result<[f64; 2]> {
    // Each side and its floor alternate twice; the better run of each is kept.
    let best = |v: &[(f64, u64)]| {
        (v.iter().map(|x| x.0).fold(f64::INFINITY, f64::min), v.iter().map(|x| x.1).min().unwrap_or(0))
    };
    println!("  {:<50} {:>10} {:>12}", "", "time", "peak memory");
    let mut times = [0.0; 2];
    for (k, (ours_role, floor_role, ours_what, floor_what)) in [
        ("studybot", "floor", "studybot: report, text, members CSV, chart", "floor: the figures in plain SQL"),
        ("studybot-csv", "floor-csv", "studybot: raw check-ins CSV (streamed)", "floor: the raw rows read once"),
    ]
    .into_iter()
    .enumerate()
    {
        let (mut ours, mut floor) = (Vec::new(), Vec::new());
        for _ in 0..2 {
            floor.push(measure(floor_role, db, group)?);
            ours.push(measure(ours_role, db, group)?);
        }
        let (ours, floor) = (best(&ours), best(&floor));
        println!("  {floor_what:<50} {:>8.0}ms {:>9.1}MiB", floor.0, floor.1 as f64 / 1024.0);
        println!("  {ours_what:<50} {:>8.0}ms {:>9.1}MiB", ours.0, ours.1 as f64 / 1024.0);
        println!("    ratio: time {:.2}x, memory {:.2}x", ours.0 / floor.0, ours.1 as f64 / floor.1 as f64);
        times[k] = ours.0;
    }
    Ok(times)
}

/// Prints the plan of every report query, flagging full table scans.
async fn print_plans(db: &Db, group: i64, title: &str) -> anyhow::Result<()> {
    println!();
    println!("{title} (?1 = guild, ?2 = group, ?3..?4 = weeks; group_guild: ?1 = group):");
    for (name, sql) in reports::QUERIES {
        // Our own constant SQL with a constant prefix: nothing from outside goes in.
        let explain = sqlx::AssertSqlSafe(format!("EXPLAIN QUERY PLAN {sql}"));
        let q = sqlx::query_as::<_, (i64, i64, i64, String)>(explain);
        let q = if name == "group_guild" { q.bind(group) } else { q.bind(to_db(GUILD)).bind(group) };
        let q = if name.starts_with("aggregate_") || name == "checkins_in_range" { q.bind(1).bind(WEEKS) } else { q };
        let plan = q.fetch_all(db.sqlite().expect("a SQLite file")).await?;
        let scans: Vec<&str> =
            plan.iter().map(|p| p.3.as_str()).filter(|d| d.starts_with("SCAN") && !d.contains("USING")).collect();
        println!("  {name}{}", if scans.is_empty() { "" } else { "   <-- full scan" });
        for (_, _, _, detail) in &plan {
            println!("    {detail}");
        }
    }
    Ok(())
}

/// Min and median of some durations, in ms.
fn figures(times: &[Duration]) -> String {
    let mut ms: Vec<f64> = times.iter().map(|d| d.as_secs_f64() * 1000.0).collect();
    ms.sort_by(f64::total_cmp);
    let min = ms.first().copied().unwrap_or(0.0);
    let median = ms.get(ms.len() / 2).copied().unwrap_or(0.0);
    format!("min {min:8.1} ms  median {median:8.1} ms")
}
