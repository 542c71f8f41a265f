//! Faults from outside the bot, against the real `studybot run` process: the database's disk
//! fills up, the database goes away. Nothing a member is told was saved may be missing, and
//! every member gets an answer within Discord's 3 seconds.

mod support;

use fake_discord::{FakeDiscord, Invoker, Slash, defaults};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};
use support::free_addr;
use support::harness::{T, create_cmd};
use tokio::process::{Child, Command};

/// Runs `studybot run` in a mount namespace of its own whose `dir` is a fresh tmpfs of
/// `size` (e.g. "8m": room for the WAL's 4 MB before SQLite's automatic checkpoint): a small disk that the test can fill and empty through
/// `/proc/PID/root` while the bot runs. As root `unshare` needs nothing more; otherwise it
/// maps the user to root in a user namespace of its own.
fn spawn_on_small_disk(fake: &FakeDiscord, dir: &Path, size: &str, log: &Path, metrics: SocketAddr) -> Child {
    let file = std::fs::File::create(log).unwrap();
    let mut cmd = Command::new("unshare");
    cmd.arg("--mount");
    if !nix_is_root() {
        cmd.arg("--map-root-user");
    }
    cmd.args(["--propagation", "private", "sh", "-c"])
        .arg(r#"mount -t tmpfs -o size="$1" tmpfs "$2" && exec "$3" run"#)
        .args(["sh", size])
        .arg(dir)
        .arg(env!("CARGO_BIN_EXE_studybot"))
        .env_remove("STUDYBOT_CONFIG")
        .env("DISCORD_TOKEN", fake.token())
        .env("DISCORD_API_URL", fake.base_url())
        .env("STUDYBOT_DATABASE", dir.join("bot.db"))
        .env("STUDYBOT_DEV_GUILD", defaults::GUILD.to_string())
        .env("STUDYBOT_LOG", "info")
        .env("STUDYBOT_METRICS_ADDR", metrics.to_string())
        .stdout(Stdio::from(file.try_clone().unwrap()))
        .stderr(Stdio::from(file))
        .kill_on_drop(true);
    cmd.spawn().expect("unshare (util-linux) runs")
}

fn nix_is_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// `dir` as the bot's mount namespace sees it.
fn inside(pid: u32, dir: &Path) -> PathBuf {
    PathBuf::from(format!("/proc/{pid}/root")).join(dir.strip_prefix("/").unwrap())
}

/// Fills the filesystem at `dir` to the last byte with `filler`.
fn fill(dir: &Path) {
    use std::io::Write;
    let mut f = std::fs::File::create(dir.join("filler")).unwrap();
    let chunk = vec![0u8; 4096];
    loop {
        match f.write(&chunk) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) if e.raw_os_error() == Some(28) => break, // ENOSPC
            Err(e) => panic!("filling the disk: {e}"),
        }
    }
    let _ = f.flush();
    // The last partial page.
    while f.write(&[0u8]).is_ok_and(|n| n == 1) {}
}

/// Waits (at most `secs`) until `/readyz` answers `want` and a body containing `needle`.
async fn wait_readyz(addr: SocketAddr, want: u16, needle: &str, secs: u64) -> String {
    let started = Instant::now();
    loop {
        let (status, body) = support::http_get(addr, "/readyz").await;
        if status == want && body.contains(needle) {
            return body;
        }
        assert!(started.elapsed() < Duration::from_secs(secs), "/readyz stayed {status}: {body}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

fn member(i: u64) -> Invoker {
    Invoker::new(600_000_000_000 + i, &format!("member{i}")).in_guild(defaults::GUILD, defaults::GENERAL)
}

fn checkin(i: u64, hours: f64) -> Slash {
    Slash::new("checkin").integer("status", 0).number("hours", hours).integer("confidence", 3).by(&member(i))
}

/// The stored hours of member `i`'s check-ins, read from a copy of the bot's file and its
/// WAL (SQLite resolves `/proc/PID/root` to this namespace's root, so it cannot open the
/// file there itself; the bot is idle between commands).
async fn stored_hours(db: &Path, i: u64) -> Vec<f64> {
    let copy = tempfile::tempdir().unwrap();
    let file = copy.path().join("copy.db");
    std::fs::copy(db, &file).unwrap();
    let wal = PathBuf::from(format!("{}-wal", db.display()));
    if wal.exists() {
        std::fs::copy(&wal, copy.path().join("copy.db-wal")).unwrap();
    }
    let options = sqlx::sqlite::SqliteConnectOptions::new().filename(&file);
    let mut conn = <sqlx::SqliteConnection as sqlx::Connection>::connect_with(&options).await.unwrap();
    let rows: Vec<(f64,)> = sqlx::query_as("SELECT hours FROM checkins WHERE user_id = $1")
        .bind(studybot::db::to_db(600_000_000_000 + i))
        .fetch_all(&mut conn)
        .await
        .unwrap();
    rows.into_iter().map(|r| r.0).collect()
}

/// A full disk under check-ins: every reply that says "Checked in" or "Updated" is stored,
/// every other one says "not saved" and gives back what was typed, and once space is free
/// check-ins are stored again without a restart (no transaction left holding the lock).
/// `/readyz` fails while the database refuses writes and recovers with it.
#[tokio::test]
async fn a_full_disk_never_confirms_an_unstored_check_in_and_recovers_without_restart() {
    const MEMBERS: u64 = 12;
    let fake = FakeDiscord::start().await;
    fake.require_allowed_mentions();
    let work = tempfile::tempdir().unwrap();
    let dir = work.path().join("disk");
    std::fs::create_dir(&dir).unwrap();
    let log = work.path().join("bot.log");
    let metrics = free_addr();
    let mut child = spawn_on_small_disk(&fake, &dir, "8m", &log, metrics);
    fake.wait_ready(T).await;
    fake.wait_commands_registered(T).await;
    let pid = child.id().unwrap();
    let disk = inside(pid, &dir);
    let db = disk.join("bot.db");

    // A group whose first session began today at midnight UTC: week 1 is open for check-ins.
    let today = chrono::Utc::now().date_naive();
    let weekday = i64::from(chrono::Datelike::weekday(&today).num_days_from_monday());
    let create = create_cmd("Disk", defaults::GENERAL, "architecture", &today.to_string(), weekday, "00:00", "UTC");
    let r = fake.slash(create.by(&fake.moderator())).await.wait_reply(T).await;
    assert!(r.text().contains("Created"), "{}", r.text());
    // Every member checks in once: known members' updates are one statement each.
    for i in 0..MEMBERS {
        let r = fake.slash(checkin(i, 1.0)).await.wait_reply(T).await;
        assert!(r.text().contains("Checked in"), "{}", r.text());
    }

    fill(&disk);
    let mut refused = 0;
    for i in 0..MEMBERS {
        let hours = 10.0 + i as f64;
        let r = fake.slash(checkin(i, hours)).await.wait_reply(T).await;
        assert!(r.latency < Duration::from_secs(3), "answered after {:?}", r.latency);
        let text = r.text();
        if text.contains("Updated your check-in") {
            assert_eq!(stored_hours(&db, i).await, vec![hours], "confirmed but not stored: {text}");
        } else {
            assert!(text.contains("not saved"), "{text}");
            assert!(text.contains(&format!("hours:{hours}")), "what was typed is given back: {text}");
            assert_eq!(stored_hours(&db, i).await, vec![1.0], "refused yet changed");
            refused += 1;
        }
    }
    assert!(refused > 0, "the full disk refused no write: the test filled nothing");
    // Readiness says so (the heartbeat is the write probe, every 15 s).
    let body = wait_readyz(metrics, 503, "the database refuses writes", 20).await;
    assert!(body.contains("full"), "{body}");

    // Space again: stored at once, without a restart.
    std::fs::remove_file(disk.join("filler")).unwrap();
    let started = Instant::now();
    for i in 0..MEMBERS {
        let r = fake.slash(checkin(i, 20.0)).await.wait_reply(T).await;
        let logs = || std::fs::read_to_string(&log).unwrap_or_default();
        assert!(r.text().contains("Updated your check-in"), "after freeing space: {}\n{}", r.text(), logs());
        assert_eq!(stored_hours(&db, i).await, vec![20.0]);
    }
    assert!(started.elapsed() < Duration::from_secs(30));
    wait_readyz(metrics, 200, "", 20).await;
    let _ = std::process::Command::new("kill").args(["-TERM", &pid.to_string()]).status();
    let _ = tokio::time::timeout(Duration::from_secs(15), child.wait()).await;
    let logs = std::fs::read_to_string(&log).unwrap();
    assert!(logs.contains("was not stored"), "the failure is logged with context: {logs}");
    fake.finish();
}

/// `studybot run` on `database` (a file or a URL), serving `/readyz` on `metrics`.
fn spawn_bot(fake: &FakeDiscord, database: &str, log: &Path, metrics: SocketAddr) -> Child {
    let metrics = metrics.to_string();
    support::spawn_studybot(
        fake,
        database.as_ref(),
        log,
        &[("STUDYBOT_LOG", "info"), ("STUDYBOT_METRICS_ADDR", &metrics)],
    )
}

/// Starts the bot on `database`, creates a group meeting today and checks `MEMBERS` in once.
async fn bot_with_members(fake: &FakeDiscord, database: &str, log: &Path, metrics: SocketAddr) -> Child {
    let child = spawn_bot(fake, database, log, metrics);
    fake.wait_ready(T).await;
    fake.wait_commands_registered(T).await;
    let today = chrono::Utc::now().date_naive();
    let weekday = i64::from(chrono::Datelike::weekday(&today).num_days_from_monday());
    let create = create_cmd("Outage", defaults::GENERAL, "architecture", &today.to_string(), weekday, "00:00", "UTC");
    let r = fake.slash(create.by(&fake.moderator())).await.wait_reply(T).await;
    assert!(r.text().contains("Created"), "{}", r.text());
    for i in 0..3 {
        let r = fake.slash(checkin(i, 1.0)).await.wait_reply(T).await;
        assert!(r.text().contains("Checked in"), "{}", r.text());
    }
    child
}

async fn stop(mut child: Child) {
    if let Some(pid) = child.id() {
        let _ = std::process::Command::new("kill").args(["-TERM", &pid.to_string()]).status();
    }
    let _ = tokio::time::timeout(Duration::from_secs(15), child.wait()).await;
}

/// Check-ins while the database cannot be written answer within Discord's 3 seconds with
/// "not saved" and what was typed (never "This interaction failed").
async fn check_ins_answer_within_three_seconds(fake: &FakeDiscord) {
    for i in 0..3 {
        let r = fake.slash(checkin(i, 7.0)).await.wait_reply(T).await;
        assert!(r.latency < Duration::from_secs(3), "answered after {:?}: {}", r.latency, r.text());
        assert!(r.text().contains("not saved") && r.text().contains("hours:7"), "{}", r.text());
    }
}

/// SQLite held by another writer (a backup tool, a stuck process): the busy wait is bounded,
/// so members get the answer in time, and the check-in goes through once the lock is gone.
#[tokio::test]
async fn a_locked_sqlite_database_is_answered_within_three_seconds() {
    let fake = FakeDiscord::start().await;
    fake.require_allowed_mentions();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bot.db");
    let metrics = free_addr();
    let child = bot_with_members(&fake, file.to_str().unwrap(), &dir.path().join("bot.log"), metrics).await;
    let options = sqlx::sqlite::SqliteConnectOptions::new().filename(&file);
    let mut holder = <sqlx::SqliteConnection as sqlx::Connection>::connect_with(&options).await.unwrap();
    sqlx::query("BEGIN IMMEDIATE").execute(&mut holder).await.unwrap();
    check_ins_answer_within_three_seconds(&fake).await;
    sqlx::query("ROLLBACK").execute(&mut holder).await.unwrap();
    let r = fake.slash(checkin(0, 8.0)).await.wait_reply(T).await;
    assert!(r.text().contains("Updated your check-in"), "{}", r.text());
    stop(child).await;
    fake.finish();
}

/// PostgreSQL gone (no connections accepted, every connection dropped): members are answered
/// within 3 s. Then read-only (`default_transaction_read_only`): `/readyz` says the database
/// refuses writes, and recovers when it takes writes again.
#[tokio::test]
async fn a_postgresql_outage_is_answered_in_time_and_a_read_only_one_is_not_ready() {
    let fake = FakeDiscord::start().await;
    fake.require_allowed_mentions();
    let dir = tempfile::tempdir().unwrap();
    let url = test_postgres::database();
    let metrics = free_addr();
    let child = bot_with_members(&fake, &url, &dir.path().join("bot.log"), metrics).await;
    wait_readyz(metrics, 200, "", 30).await;
    // The bot's database is altered from the server's maintenance database.
    let (base, name) = url.rsplit_once('/').unwrap();
    let name = name.split('?').next().unwrap().to_string();
    let mut admin = <sqlx::PgConnection as sqlx::Connection>::connect(&format!("{base}/postgres")).await.unwrap();
    let drop_all = format!("SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = '{name}'");
    let drop_others = drop_all.as_str();
    let alter = |sql: String| sqlx::query(sqlx::AssertSqlSafe(sql));

    alter(format!("ALTER DATABASE \"{name}\" ALLOW_CONNECTIONS false")).execute(&mut admin).await.unwrap();
    alter(drop_others.to_string()).execute(&mut admin).await.unwrap();
    check_ins_answer_within_three_seconds(&fake).await;
    alter(format!("ALTER DATABASE \"{name}\" ALLOW_CONNECTIONS true")).execute(&mut admin).await.unwrap();

    alter(format!("ALTER DATABASE \"{name}\" SET default_transaction_read_only = on"))
        .execute(&mut admin)
        .await
        .unwrap();
    alter(drop_others.to_string()).execute(&mut admin).await.unwrap();
    let body = wait_readyz(metrics, 503, "the database refuses writes", 30).await;
    assert!(body.contains("read-only"), "{body}");
    check_ins_answer_within_three_seconds(&fake).await;

    alter(format!("ALTER DATABASE \"{name}\" RESET default_transaction_read_only")).execute(&mut admin).await.unwrap();
    alter(drop_others.to_string()).execute(&mut admin).await.unwrap();
    wait_readyz(metrics, 200, "", 30).await;
    let r = fake.slash(checkin(0, 9.0)).await.wait_reply(T).await;
    assert!(r.text().contains("Updated your check-in"), "{}", r.text());
    stop(child).await;
    fake.finish();
}

/// The tokens in the interaction and webhook paths the fake saw.
fn interaction_tokens(fake: &FakeDiscord) -> Vec<String> {
    fake.requests()
        .iter()
        .filter_map(|r| {
            let p = r.path.split("/interactions/").nth(1).or_else(|| r.path.split("/webhooks/").nth(1))?;
            Some(p.split('/').nth(1)?.to_string())
        })
        .filter(|t| t.len() > 8)
        .collect()
}

/// A run at debug level with the database password in the URL's query and an upstream that
/// drops the connection of an interaction callback (every retry too): no log line shows the
/// password, the bot token or an interaction token; `migrate` prints none either.
#[tokio::test]
async fn secrets_are_absent_from_every_log_line() {
    const PASSWORD: &str = "pw-Secret-4711";
    let fake = FakeDiscord::start().await;
    fake.require_allowed_mentions();
    let dir = tempfile::tempdir().unwrap();
    // The throwaway server trusts local connections: the password is carried, not needed.
    let url = format!("{}?password={PASSWORD}&application_name=studybot", test_postgres::database());
    let migrate = std::process::Command::new(env!("CARGO_BIN_EXE_studybot"))
        .args(["migrate", "--database", &url])
        .env_remove("STUDYBOT_CONFIG")
        .output()
        .unwrap();
    let printed = format!("{}{}", String::from_utf8_lossy(&migrate.stdout), String::from_utf8_lossy(&migrate.stderr));
    assert!(migrate.status.success(), "{printed}");
    assert!(!printed.contains(PASSWORD) && printed.contains("password=***"), "{printed}");

    let log = dir.path().join("bot.log");
    let mut child = support::spawn_studybot(&fake, url.as_ref(), &log, &[("STUDYBOT_LOG", "debug")]);
    fake.wait_ready(T).await;
    fake.wait_commands_registered(T).await;
    // Every attempt of the first callback is dropped (the forwarder tries 4 times).
    fake.inject(fake_discord::Fault::dropped("POST", "/interactions/").times(4));
    let _unanswered = fake.slash(Slash::new("tracks")).await;
    let started = Instant::now();
    while fake.requests().iter().filter(|r| r.path.contains("/interactions/")).count() < 4 {
        assert!(started.elapsed() < Duration::from_secs(10), "the callback was not retried");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let r = fake.slash(Slash::new("tracks")).await.wait_reply(T).await;
    assert!(r.text().contains("specialization tracks"), "{}", r.text());
    // A follow-up path (a webhook with the token) too.
    let _ = fake.slash(Slash::new("syllabus").string("path", "architecture")).await.wait_reply(T).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    if let Some(pid) = child.id() {
        let _ = std::process::Command::new("kill").args(["-TERM", &pid.to_string()]).status();
    }
    let _ = tokio::time::timeout(Duration::from_secs(15), child.wait()).await;
    let logs = std::fs::read_to_string(&log).unwrap();
    assert!(logs.contains("connection dropped") || logs.contains("cannot reach Discord"), "no drop was logged: {logs}");
    assert!(logs.contains("/interactions/") && logs.contains("/***/"), "the hidden token shows as ***: {logs}");
    let tokens = interaction_tokens(&fake);
    assert!(!tokens.is_empty());
    for (n, line) in logs.lines().enumerate() {
        assert!(!line.contains(PASSWORD), "line {n} shows the database password: {line}");
        assert!(!line.contains(fake.token()), "line {n} shows the bot token: {line}");
        for t in &tokens {
            assert!(!line.contains(t.as_str()), "line {n} shows an interaction token: {line}");
        }
    }
    fake.finish();
}
