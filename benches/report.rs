//! Participation report benchmark: `cargo bench --bench report`.
//!
//! Fills a file database (the production settings of `db::open`: WAL, synchronous=NORMAL)
//! with one group of 10,000 members x 36 weeks of check-ins and some ratings, in one
//! transaction (sqlx keeps each statement prepared on the connection, so every insert reuses
//! it), then times loading + building the report, the renderers, and prints the query plan
//! of every report query. A plain `main` (harness = false) that prints figures.

use std::time::{Duration, Instant};
use studybot::db::{Db, reports, to_db};
use studybot::report;

const GUILD: u64 = 1_234_567_890_123_456_789;
const MEMBERS: u64 = 10_000;
const WEEKS: i64 = 36;
const RUNS: usize = 5;
/// At 2026-06-01 a Monday group started 2025-06-02 has held all 36 weeks of the path.
const NOW: &str = "2026-06-01T00:00:00Z";

fn main() -> std::process::ExitCode {
    let rt = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match rt.block_on(run()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("bench.db");
    let db = studybot::db::open(&path).await?;
    let curriculum = studybot::curriculum::Curriculum::embedded().map_err(|p| anyhow::anyhow!("{p}"))?;
    let now = chrono::DateTime::parse_from_rfc3339(NOW)?.with_timezone(&chrono::Utc);

    let started = Instant::now();
    let (group, rows) = fill(&db).await?;
    let fill_time = started.elapsed();
    // One giant transaction leaves everything in the WAL; a running bot checkpoints every
    // 1000 pages, so read from a checkpointed database as it would.
    let t = Instant::now();
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(db.sqlite()).await?;
    let checkpoint = t.elapsed();
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0)
        + std::fs::metadata(path.with_extension("db-wal")).map(|m| m.len()).unwrap_or(0);
    println!("fill: {} members, {} check-ins, {} ratings", rows.0, rows.1, rows.2);
    println!(
        "fill: {:.2} s in one transaction ({:.0} rows/s), database {:.1} MiB",
        fill_time.as_secs_f64(),
        (rows.0 * 2 + rows.1 + rows.2) as f64 / fill_time.as_secs_f64(),
        size as f64 / (1024.0 * 1024.0)
    );
    println!("checkpoint: {:.2} s", checkpoint.as_secs_f64());

    let mut load = Vec::new();
    let mut build = Vec::new();
    let mut last = None;
    for _ in 0..RUNS {
        let t = Instant::now();
        let input = studybot::service::reports::load_input(&db, &curriculum, GUILD, group, now)
            .await?
            .ok_or_else(|| anyhow::anyhow!("the group vanished"))?;
        load.push(t.elapsed());
        let t = Instant::now();
        let r = report::build(&input, None, None)?;
        build.push(t.elapsed());
        last = Some(r);
    }
    let r = last.ok_or_else(|| anyhow::anyhow!("no run"))?;
    let total: Vec<Duration> = load.iter().zip(&build).map(|(a, b)| *a + *b).collect();
    println!();
    println!(
        "report over {} weeks, {} members, {} check-ins ({RUNS} runs):",
        r.weeks.len(),
        r.summary.members,
        r.summary.checkins
    );
    println!("  load (SQL + decode) {}", figures(&load));
    println!("  build (pure)        {}", figures(&build));
    println!("  load + build        {}", figures(&total));
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
    let (t, n) = timed(&|| report::checkins_csv(&r).len());
    println!("  checkins_csv        {t} ({:.1} MiB)", n as f64 / 1048576.0);
    let (t, n) = timed(&|| report::chart_png(&r).map(|p| p.len()).unwrap_or(0));
    println!("  chart_png           {t} ({:.0} KiB)", n as f64 / 1024.0);
    println!(
        "  summary: rate {:.1}%, {} at risk, hardest: week {} Q{} avg {:.2}",
        r.summary.checkin_rate * 100.0,
        r.summary.at_risk,
        r.hardest.first().map(|h| h.week).unwrap_or(0),
        r.hardest.first().map(|h| u32::from(h.question) + 1).unwrap_or(0),
        r.hardest.first().map(|h| h.average).unwrap_or(0.0),
    );

    println!();
    println!("raw fetch of each query (rows not decoded into structs):");
    for (name, sql) in reports::QUERIES {
        let mut times = Vec::new();
        let mut n = 0;
        for _ in 0..RUNS {
            let q = sqlx::query(sqlx::AssertSqlSafe(sql));
            let q = if name == "group_guild" { q.bind(group) } else { q.bind(to_db(GUILD)).bind(group) };
            let t = Instant::now();
            n = q.fetch_all(db.sqlite()).await?.len();
            times.push(t.elapsed());
        }
        println!("  {name:<12} {} ({n} rows)", figures(&times));
    }

    // Plans as a production database has them (nobody runs ANALYZE), then with statistics.
    print_plans(&db, group, "EXPLAIN QUERY PLAN, no statistics (as in production)").await?;
    sqlx::query("ANALYZE").execute(db.sqlite()).await?;
    print_plans(&db, group, "EXPLAIN QUERY PLAN after ANALYZE").await?;
    db.close().await;
    Ok(())
}

/// Prints the plan of every report query, flagging full table scans.
async fn print_plans(db: &Db, group: i64, title: &str) -> anyhow::Result<()> {
    println!();
    println!("{title} (?1 = guild, ?2 = group; group_guild: ?1 = group):");
    for (name, sql) in reports::QUERIES {
        // Our own constant SQL with a constant prefix: nothing from outside goes in.
        let explain = sqlx::AssertSqlSafe(format!("EXPLAIN QUERY PLAN {sql}"));
        let q = sqlx::query_as::<_, (i64, i64, i64, String)>(explain);
        let q = if name == "group_guild" { q.bind(group) } else { q.bind(to_db(GUILD)).bind(group) };
        let plan = q.fetch_all(db.sqlite()).await?;
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

/// One group of 10,000 members (joining in weeks 1 to 4), filled week by week as in real
/// use: a check-in for every member and week from their join on, except the last 3 weeks of
/// every 25th member (at risk); two ratings per week from every 4th member. A second group
/// of the guild shares 1,000 of the members.
/// Returns the group id and the row counts (members, check-ins, ratings).
async fn fill(db: &Db) -> anyhow::Result<(i64, (u64, u64, u64))> {
    let t = "2025-06-01T00:00:00+00:00";
    let guild = to_db(GUILD);
    let mut tx = db.sqlite().begin().await?;
    let group = sqlx::query(
        "INSERT INTO study_groups (guild_id, name, channel_id, path_id, start_date, weekday, post_time,
             timezone, created_by, created_at, updated_at)
         VALUES (?, 'Benchmark group', 1, 'architecture', '2025-06-02', 0, '18:00', 'Europe/Berlin', 1, ?, ?)",
    )
    .bind(guild)
    .bind(t)
    .bind(t)
    .execute(&mut *tx)
    .await?
    .last_insert_rowid();
    // A second group in the same guild with a little data, so the group filter matters.
    let other = sqlx::query(
        "INSERT INTO study_groups (guild_id, name, channel_id, path_id, start_date, weekday, post_time,
             timezone, created_by, created_at, updated_at)
         VALUES (?, 'Other group', 1, 'senior', '2025-06-02', 2, '18:00', 'UTC', 1, ?, ?)",
    )
    .bind(guild)
    .bind(t)
    .bind(t)
    .execute(&mut *tx)
    .await?
    .last_insert_rowid();

    let user_of = |m: u64| to_db(1_000_000_000_000_000_000 + m * 7919);
    let joined_of = |m: u64| 1 + (m % 4) as i64;
    for m in 0..MEMBERS {
        sqlx::query("INSERT INTO members (guild_id, user_id, display_name, created_at) VALUES (?, ?, ?, ?)")
            .bind(guild)
            .bind(user_of(m))
            .bind(format!("member {m:05}"))
            .bind(t)
            .execute(&mut *tx)
            .await?;
        for g in [group, other] {
            if g == other && m % 10 != 0 {
                continue;
            }
            sqlx::query(
                "INSERT INTO group_members (group_id, guild_id, user_id, joined_week, joined_at) VALUES (?, ?, ?, ?, ?)",
            )
            .bind(g)
            .bind(guild)
            .bind(user_of(m))
            .bind(joined_of(m))
            .bind(t)
            .execute(&mut *tx)
            .await?;
        }
    }
    // Week by week, as members check in over time.
    let (mut checkins, mut ratings) = (0u64, 0u64);
    for week in 1..=WEEKS {
        for m in 0..MEMBERS {
            if week < joined_of(m) || (m % 25 == 0 && week > WEEKS - 3) {
                continue;
            }
            let user = user_of(m);
            let status = match (m + week as u64) % 10 {
                0 => "skipped",
                1 | 2 => "partial",
                _ => "done",
            };
            let hours = ((m + week as u64 * 3) % 12) as f64 * 0.5;
            let confidence = 1 + ((m / 3 + week as u64) % 5) as i64;
            let note = (m % 5 == 0).then(|| format!("week {week}: notes, \"quotes\" and more"));
            let at = format!("2026-01-{:02}T12:00:00+00:00", 1 + week % 28);
            sqlx::query(
                "INSERT INTO checkins (group_id, guild_id, user_id, week, status, hours, confidence, note,
                     created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(group)
            .bind(guild)
            .bind(user)
            .bind(week)
            .bind(status)
            .bind(hours)
            .bind(confidence)
            .bind(note)
            .bind(&at)
            .bind(&at)
            .execute(&mut *tx)
            .await?;
            checkins += 1;
            if m % 4 == 0 {
                for question in [week % 5, (week + 2) % 5] {
                    let rating = 1 + ((m + week as u64 * 7 + question as u64) % 5) as i64;
                    sqlx::query(
                        "INSERT INTO ratings (group_id, guild_id, user_id, week, question, rating, updated_at)
                         VALUES (?, ?, ?, ?, ?, ?, ?)",
                    )
                    .bind(group)
                    .bind(guild)
                    .bind(user)
                    .bind(week)
                    .bind(question)
                    .bind(rating)
                    .bind(t)
                    .execute(&mut *tx)
                    .await?;
                    ratings += 1;
                }
            }
        }
    }
    tx.commit().await?;
    Ok((group, (MEMBERS, checkins, ratings)))
}
