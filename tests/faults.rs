//! Faults from outside the bot, against the real `studybot run` process: the database's disk
//! fills up, the database goes away. Nothing a member is told was saved may be missing, and
//! every member gets an answer within Discord's 3 seconds.

mod support;

use fake_discord::{FakeDiscord, Invoker, Slash, defaults};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};
use support::harness::{T, create_cmd};
use tokio::process::{Child, Command};

/// Runs `studybot run` in a mount namespace of its own whose `dir` is a fresh tmpfs of
/// `size` (e.g. "8m": room for the WAL's 4 MB before SQLite's automatic checkpoint): a small disk that the test can fill and empty through
/// `/proc/PID/root` while the bot runs. As root `unshare` needs nothing more; otherwise it
/// maps the user to root in a user namespace of its own.
fn spawn_on_small_disk(fake: &FakeDiscord, dir: &Path, size: &str, log: &Path) -> Child {
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
#[tokio::test]
async fn a_full_disk_never_confirms_an_unstored_check_in_and_recovers_without_restart() {
    const MEMBERS: u64 = 12;
    let fake = FakeDiscord::start().await;
    fake.require_allowed_mentions();
    let work = tempfile::tempdir().unwrap();
    let dir = work.path().join("disk");
    std::fs::create_dir(&dir).unwrap();
    let log = work.path().join("bot.log");
    let mut child = spawn_on_small_disk(&fake, &dir, "8m", &log);
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
    let _ = std::process::Command::new("kill").args(["-TERM", &pid.to_string()]).status();
    let _ = tokio::time::timeout(Duration::from_secs(15), child.wait()).await;
    let logs = std::fs::read_to_string(&log).unwrap();
    assert!(logs.contains("was not stored"), "the failure is logged with context: {logs}");
    fake.finish();
}
