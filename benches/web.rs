//! Web pages benchmark: `cargo bench --bench web`.
//!
//! 1. **The 10,000-member report page, served** (`GET /web/report/ID` over loopback HTTP to
//!    the running bot's web server, a moderator's session in a cookie: the session check, the
//!    report, the self-contained page with its SVG chart) against its **floor**, building the
//!    same report for the CLI (`service::reports::report_of` plus `report::text_summary`, what
//!    `studybot report` does), both on the same SQLite file (`fill.rs`), medians of 5 runs in
//!    the same process.
//! 2. **The site export of the whole syllabus** (`render::html::site` and writing its files,
//!    what `studybot site` does) against its floor, writing the same bytes to as many files.
//!
//! Each prints the figure, the floor and their ratio. A plain `main` (harness = false).

use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[path = "common.rs"]
mod common;
#[path = "fill.rs"]
mod fill;

const RUNS: usize = 5;

fn main() -> std::process::ExitCode {
    common::run(run())
}

fn median(mut t: Vec<Duration>) -> f64 {
    t.sort();
    t[t.len() / 2].as_secs_f64() * 1000.0
}

async fn get(addr: std::net::SocketAddr, path: &str, cookie: &str) -> anyhow::Result<(u16, usize)> {
    let mut s = tokio::net::TcpStream::connect(addr).await?;
    let req = format!("GET {path} HTTP/1.1\r\nHost: bench\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n");
    s.write_all(req.as_bytes()).await?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).await?;
    let head = String::from_utf8_lossy(&raw[..raw.len().min(64)]).to_string();
    let status = head.split(' ').nth(1).unwrap_or("0").parse()?;
    Ok((status, raw.len()))
}

async fn run() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("web-bench.db");
    let location = studybot::db::Location::Sqlite(path.clone());
    let db = studybot::db::open(location.clone()).await?;
    let started = Instant::now();
    let (group, (members, checkins, ratings)) = fill::fill(&db).await?;
    println!(
        "filled: {members} members, {checkins} check-ins, {ratings} ratings in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    // The bot with its web server; a moderator's session (fresh: no Discord check within
    // 10 minutes), stored as the bot stores one.
    let fake = fake_discord::FakeDiscord::start().await;
    let mut config = common::config(&fake, location);
    config.web_addr = Some("127.0.0.1:0".parse()?);
    let curriculum = studybot::curriculum::Curriculum::embedded().map_err(|p| anyhow::anyhow!("{p}"))?;
    let bot =
        studybot::bot::start(config, curriculum.clone(), db.clone(), studybot::bot::StartOptions::default()).await?;
    let addr = bot.web_addr().ok_or_else(|| anyhow::anyhow!("no web server"))?;
    let moderator = fill::user_of(0);
    let id = "B".repeat(43);
    let holder = studybot::db::web::Holder {
        guild_id: fill::GUILD,
        user_id: moderator,
        scope: studybot::db::web::Scope::Moderator,
    };
    studybot::db::web::start(&db, &studybot::service::web::hash(&id), holder, chrono::Utc::now()).await?;
    let cookie = format!("__Host-studybot={id}");

    let now = chrono::Utc::now();
    let mut floor = Vec::new();
    let mut served = Vec::new();
    let mut bytes = 0;
    for _ in 0..RUNS {
        let t = Instant::now();
        let r = studybot::service::reports::report_of(&db, &curriculum, fill::GUILD, group, None, None, now).await?;
        let text = studybot::report::text_summary(&r);
        std::hint::black_box(text);
        floor.push(t.elapsed());
        let t = Instant::now();
        let (status, n) = get(addr, &format!("/web/report/{group}"), &cookie).await?;
        served.push(t.elapsed());
        anyhow::ensure!(status == 200, "the report page answered {status}");
        bytes = n;
    }
    let (page, cli) = (median(served), median(floor));
    println!("report page, 10,000 members x 36 weeks ({:.1} MB served):", bytes as f64 / 1e6);
    println!("  served (GET /web/report/ID):          {page:8.1} ms");
    println!("  floor (the CLI's report_of + text):   {cli:8.1} ms");
    println!("  ratio:                                {:8.2}x (goal 1.3x)", page / cli);
    bot.shutdown().await;

    // The site export.
    let c = studybot::curriculum::Curriculum::embedded().map_err(|p| anyhow::anyhow!("{p}"))?;
    let mut export = Vec::new();
    let mut write = Vec::new();
    let mut files = 0;
    for run in 0..RUNS {
        let out = dir.path().join(format!("site-{run}"));
        let t = Instant::now();
        let site = studybot::render::html::site(&c)?;
        for f in &site {
            let target = out.join(&f.path);
            if let Some(p) = target.parent() {
                std::fs::create_dir_all(p)?;
            }
            std::fs::write(target, &f.bytes)?;
        }
        export.push(t.elapsed());
        files = site.len();
        // The floor: the same bytes into as many files, nothing rendered.
        let out = dir.path().join(format!("floor-{run}"));
        let t = Instant::now();
        for f in &site {
            let target = out.join(&f.path);
            if let Some(p) = target.parent() {
                std::fs::create_dir_all(p)?;
            }
            std::fs::write(target, &f.bytes)?;
        }
        write.push(t.elapsed());
    }
    let (export, write) = (median(export), median(write));
    println!("site export, the whole syllabus ({files} files):");
    println!("  studybot site:                        {export:8.2} ms");
    println!("  floor (writing the same files):       {write:8.2} ms");
    println!("  ratio:                                {:8.2}x", export / write);
    Ok(())
}
