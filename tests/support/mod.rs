//! Shared test support: the harness that starts studybot against the local fake Discord
//! (the dev-only `fake-discord` workspace crate, `crates/fake-discord`).
#![allow(dead_code)]

use std::time::Duration;

/// Runs `fut` with a deadline and panics with `what` if it is not done in time.
pub async fn within<T>(secs: f64, what: &str, fut: impl std::future::Future<Output = T>) -> T {
    match tokio::time::timeout(Duration::from_secs_f64(secs), fut).await {
        Ok(v) => v,
        Err(_) => panic!("timed out after {secs}s: {what}"),
    }
}

pub mod harness;

/// Whether the suite runs on PostgreSQL (`STUDYBOT_TEST_DATABASE=postgres`; `.ci/test` runs
/// it once on SQLite files, the default, and once on PostgreSQL).
pub fn on_postgres() -> bool {
    match std::env::var("STUDYBOT_TEST_DATABASE").as_deref() {
        Ok("postgres") => true,
        Ok("sqlite") | Err(_) => false,
        Ok(other) => panic!("STUDYBOT_TEST_DATABASE must be sqlite or postgres, not {other}"),
    }
}

/// A new empty database with the schema, for tests of the database layer: in memory, or a
/// database on this process's throwaway PostgreSQL server.
pub async fn open_db() -> studybot::db::Db {
    let db = if on_postgres() {
        studybot::db::open(studybot::db::Location::Postgres(test_postgres::database())).await
    } else {
        studybot::db::open_memory().await
    };
    db.expect("a test database")
}

/// A new empty database for one test: a file in `dir`, or a database on this process's
/// throwaway PostgreSQL server.
pub fn new_database(dir: &std::path::Path) -> studybot::db::Location {
    if on_postgres() {
        studybot::db::Location::Postgres(test_postgres::database())
    } else {
        studybot::db::Location::Sqlite(dir.join("test.db"))
    }
}

/// (group, week) of a weekly post, read from its Check in button.
pub fn week_key(m: &serde_json::Value) -> Option<(i64, u32)> {
    use studybot::ids::CustomId;
    m["components"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|row| row["components"].as_array().cloned().unwrap_or_default())
        .find_map(|c| match CustomId::parse(c["custom_id"].as_str()?) {
            Some(CustomId::CheckIn { group_id, week }) => Some((group_id, week)),
            _ => None,
        })
}

/// The weekly posts in a channel, oldest first, as (group, week).
pub fn week_posts(tb: &harness::TestBot, channel: u64) -> Vec<(i64, u32)> {
    tb.fake.channel_posts(channel).iter().filter_map(week_key).collect()
}

/// `studybot run` as a process against `fake`, on `database` (a file or a URL), its output
/// in the file `log` (a pipe nobody reads would fill up and block it), with `env` added
/// (e.g. `STUDYBOT_METRICS_ADDR`, `STUDYBOT_LOG`).
pub fn spawn_studybot(
    fake: &fake_discord::FakeDiscord,
    database: &std::ffi::OsStr,
    log: &std::path::Path,
    env: &[(&str, &str)],
) -> tokio::process::Child {
    let file = std::fs::File::create(log).expect("log file");
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_studybot"));
    cmd.arg("run")
        .env_remove("STUDYBOT_CONFIG")
        .env("DISCORD_TOKEN", fake.token())
        .env("DISCORD_API_URL", fake.base_url())
        .env("STUDYBOT_DATABASE", database)
        .env("STUDYBOT_DEV_GUILD", fake_discord::defaults::GUILD.to_string())
        .stdout(std::process::Stdio::from(file.try_clone().expect("log file")))
        .stderr(std::process::Stdio::from(file))
        .kill_on_drop(true);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.spawn().expect("studybot starts")
}

/// A free local address (for `--metrics-addr`).
pub fn free_addr() -> std::net::SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0").expect("a free port").local_addr().expect("its address")
}

/// `GET http://ADDR/PATH`: its status and body (status 0 and the error when it fails).
pub async fn http_get(addr: std::net::SocketAddr, path: &str) -> (u16, String) {
    let client = reqwest::Client::new();
    match client.get(format!("http://{addr}{path}")).timeout(Duration::from_secs(5)).send().await {
        Ok(r) => (r.status().as_u16(), r.text().await.unwrap_or_default()),
        Err(e) => (0, e.to_string()),
    }
}

/// Group `id` checked against its server, for the database functions that take a
/// `GroupScope` (tests may reach any server: the guild is read from the row).
pub async fn scope(db: &studybot::db::Db, id: i64) -> studybot::model::GroupScope {
    let guild = db.raw_integers("SELECT guild_id FROM study_groups WHERE id = $1", &[id]).await.expect("read group");
    let guild = guild.first().copied().flatten().unwrap_or_else(|| panic!("no group {id}"));
    studybot::db::groups::scope(db, guild as u64, id).await.expect("scope").expect("the group is in its server")
}
