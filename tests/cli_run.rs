//! `studybot run` as a process: refuses a missing or malformed token, connects to the
//! fake Discord through DISCORD_API_URL, answers a command, and exits cleanly on SIGTERM
//! without ever printing the token.

mod support;

use fake_discord::{FakeDiscord, Slash, defaults};
use std::process::{Command, Stdio};
use std::time::Duration;
use support::harness::T;
use support::{free_addr, http_get as get};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_studybot"));
    for k in ["DISCORD_TOKEN", "STUDYBOT_CONFIG", "STUDYBOT_DATABASE", "DISCORD_API_URL", "STUDYBOT_DEV_GUILD"] {
        c.env_remove(k);
    }
    c
}

#[test]
fn missing_or_malformed_token_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = bin().arg("run").env("STUDYBOT_DATABASE", dir.path().join("x.db")).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("DISCORD_TOKEN is not set"), "{err}");

    let out = bin()
        .arg("run")
        .env("DISCORD_TOKEN", "not-a-token-secret")
        .env("STUDYBOT_DATABASE", dir.path().join("x.db"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("DISCORD_TOKEN is malformed"), "{err}");
    assert!(!err.contains("not-a-token-secret"), "the token must never be printed: {err}");
}

#[tokio::test]
async fn runs_against_a_proxy_url_and_stops_on_sigterm() {
    let fake = FakeDiscord::start().await;
    fake.require_allowed_mentions();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("bot.db");
    // Logs go to a file: a pipe nobody reads would fill up and block the bot.
    let log_path = dir.path().join("bot.log");
    let log = std::fs::File::create(&log_path).unwrap();
    // An HTTP proxy in the environment that answers nothing (as Docker's client proxy
    // settings inject), with the upstream (the fake, by name) exempt: the bot's loopback hop
    // to its forwarder must not go through the proxy.
    let dead = format!("http://{}", free_addr());
    let upstream = fake.base_url().replace("127.0.0.1", "localhost");
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_studybot"))
        .env_remove("STUDYBOT_CONFIG")
        .envs([("HTTP_PROXY", &dead), ("http_proxy", &dead), ("HTTPS_PROXY", &dead), ("ALL_PROXY", &dead)])
        .envs([("NO_PROXY", "localhost"), ("no_proxy", "localhost")])
        .env("DISCORD_TOKEN", fake.token())
        .env("DISCORD_API_URL", &upstream)
        .env("STUDYBOT_DATABASE", &db)
        .env("STUDYBOT_DEV_GUILD", defaults::GUILD.to_string())
        .env("STUDYBOT_LOG", "debug")
        .stdout(Stdio::from(log.try_clone().unwrap()))
        .stderr(Stdio::from(log))
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    fake.wait_ready(T).await;
    fake.wait_commands_registered(T).await;
    let r = fake.slash(Slash::new("tracks")).await.wait_reply(T).await;
    assert!(r.text().contains("specialization tracks"));

    let pid = child.id().unwrap().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let status = tokio::time::timeout(Duration::from_secs(15), child.wait()).await.expect("exits").unwrap();
    assert!(status.success(), "{status:?}");
    let logs = std::fs::read_to_string(&log_path).unwrap();
    assert!(logs.contains("shutting down"), "{logs}");
    assert!(!logs.contains(fake.token()), "the token leaked into the logs");
    // The database was created and migrated.
    assert!(db.exists());
    fake.finish();
}

/// A Discord that refuses the token (every REST call answers 401): `studybot run` ends with a
/// clear message and a failing status instead of staying up without a gateway, so a restart
/// policy can act.
#[tokio::test]
async fn a_refused_token_ends_the_process_with_a_clear_error() {
    let fake = FakeDiscord::start().await;
    fake.require_allowed_mentions();
    let dir = tempfile::tempdir().unwrap();
    // Well-formed, but not the fake's token.
    let wrong = "MTAwMA.Zm9v.not-the-fakes-secret-token";
    let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_studybot"))
        .env_remove("STUDYBOT_CONFIG")
        .env("DISCORD_TOKEN", wrong)
        .env("DISCORD_API_URL", fake.base_url())
        .env("STUDYBOT_DATABASE", dir.path().join("bot.db"))
        .env("STUDYBOT_DEV_GUILD", defaults::GUILD.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let out = tokio::time::timeout(Duration::from_secs(30), child.wait_with_output())
        .await
        .expect("the process ends within 30 s")
        .unwrap();
    assert!(!out.status.success(), "{:?}", out.status);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("Discord refused the bot token"), "{err}");
    assert!(!err.contains("not-the-fakes-secret-token"), "the token must never be printed: {err}");
    // Logs go to standard error, without colours when that is not a terminal.
    assert!(err.contains("database ready"), "{err}");
    assert!(!err.contains('\u{1b}'), "no ANSI colours in a pipe: {err}");
    assert!(out.stdout.is_empty(), "{}", String::from_utf8_lossy(&out.stdout));
}

/// The value of one series line (`name{labels}`), 0 when absent.
fn series(metrics: &str, line_start: &str) -> f64 {
    metrics
        .lines()
        .find(|l| l.starts_with(line_start) && l[line_start.len()..].starts_with(' '))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0)
}

/// `studybot healthcheck`, with an HTTP proxy in the environment that answers nothing: the
/// loopback hop to `/readyz` never goes through it.
fn healthcheck(addr: std::net::SocketAddr) -> std::process::Output {
    let dead = format!("http://{}", free_addr());
    bin()
        .arg("healthcheck")
        .env("STUDYBOT_METRICS_ADDR", addr.to_string())
        .envs([("HTTP_PROXY", &dead), ("http_proxy", &dead), ("ALL_PROXY", &dead)])
        .env_remove("NO_PROXY")
        .env_remove("no_proxy")
        .output()
        .unwrap()
}

async fn wait_ready_status(addr: std::net::SocketAddr, want: u16) -> String {
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let (status, body) = get(addr, "/readyz").await;
        if status == want {
            return body;
        }
        assert!(std::time::Instant::now() < deadline, "/readyz stayed {status}: {body}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// `--metrics-addr`: `/metrics` moves when a post and a check-in happen, `/readyz` is 503
/// while the gateway is disconnected and 200 again after it reconnects, and `studybot
/// healthcheck` exits 1 then 0 accordingly. Logs are JSON lines with the interaction's span.
#[tokio::test]
async fn metrics_readiness_and_the_healthcheck_follow_the_bot() {
    let fake = FakeDiscord::start().await;
    fake.require_allowed_mentions();
    let dir = tempfile::tempdir().unwrap();
    let addr = free_addr();
    let log_path = dir.path().join("bot.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_studybot"))
        .env_remove("STUDYBOT_CONFIG")
        .env("DISCORD_TOKEN", fake.token())
        .env("DISCORD_API_URL", fake.base_url())
        .env("STUDYBOT_DATABASE", dir.path().join("bot.db"))
        .env("STUDYBOT_DEV_GUILD", defaults::GUILD.to_string())
        .env("STUDYBOT_METRICS_ADDR", addr.to_string())
        .env("STUDYBOT_LOG_FORMAT", "json")
        .stdout(Stdio::from(log.try_clone().unwrap()))
        .stderr(Stdio::from(log))
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    fake.wait_ready(T).await;
    fake.wait_commands_registered(T).await;
    assert_eq!(get(addr, "/livez").await.0, 200);
    wait_ready_status(addr, 200).await;
    assert!(healthcheck(addr).status.success());
    // The image's address, 0.0.0.0:PORT, is asked on loopback.
    let unspecified = std::net::SocketAddr::from(([0, 0, 0, 0], addr.port()));
    assert!(healthcheck(unspecified).status.success());

    // A group whose first session began today at 00:00 UTC: post it now, then check in.
    let (status, before) = get(addr, "/metrics").await;
    assert_eq!(status, 200);
    let today = chrono::Utc::now().date_naive();
    let weekday = i64::from(chrono::Datelike::weekday(&today).num_days_from_monday());
    let alice = fake.moderator();
    let r = fake
        .slash(
            Slash::new("group")
                .sub("create")
                .string("name", "Metrics")
                .channel("channel", defaults::GENERAL)
                .string("path", "architecture")
                .string("start", &today.to_string())
                .integer("weekday", weekday)
                .string("time", "00:00")
                .string("timezone", "UTC")
                .by(&alice),
        )
        .await
        .wait_reply(T)
        .await;
    assert!(r.text().contains("Created"), "{}", r.text());
    // The running scheduler posts it within its 30 s tick, or post-now does first.
    let _ =
        fake.slash(Slash::new("group").sub("post-now").string("group", "Metrics").by(&alice)).await.wait_reply(T).await;
    let r = fake
        .slash(Slash::new("checkin").integer("status", 0).number("hours", 2.0).integer("confidence", 4))
        .await
        .wait_reply(T)
        .await;
    assert!(r.text().contains("week 1"), "{}", r.text());
    let moved = [
        "studybot_interactions_total{command=\"checkin\",outcome=\"ok\"}",
        "studybot_interaction_seconds_count{command=\"checkin\"}",
        "studybot_posts_total{kind=\"week\",outcome=\"sent\"}",
        "studybot_post_lateness_seconds_count{kind=\"week\"}",
        "studybot_db_query_seconds_count{op=\"members.upsert_checkin\"}",
    ];
    // An interaction is counted once its handler returns, just after the reply went out.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let after = loop {
        let (_, after) = get(addr, "/metrics").await;
        let still: Vec<&str> = moved.iter().copied().filter(|l| series(&after, l) <= series(&before, l)).collect();
        if still.is_empty() {
            break after;
        }
        assert!(std::time::Instant::now() < deadline, "{still:?} did not move:\n{after}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(series(&after, "studybot_shards_connected"), 1.0);
    // Labels never carry server ids (a bare "2000" may well be part of a number).
    let id = format!("\"{}\"", defaults::GUILD);
    assert!(!after.contains(&id) && !after.contains("guild=\""), "no server ids in metrics:\n{after}");

    // Discord's gateway goes away and stays away: not ready, the healthcheck fails.
    fake.refuse_gateway(true);
    fake.drop_gateway_with(fake_discord::GatewayDrop::Abrupt).await;
    let body = wait_ready_status(addr, 503).await;
    assert!(body.contains("shard 0"), "{body}");
    let out = healthcheck(addr);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("503"), "{out:?}");
    assert_eq!(get(addr, "/livez").await.0, 200, "alive all the same");
    // It comes back: ready again.
    fake.refuse_gateway(false);
    fake.wait_connected(Duration::from_secs(60)).await;
    wait_ready_status(addr, 200).await;
    assert!(healthcheck(addr).status.success());

    let pid = child.id().unwrap().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let status = tokio::time::timeout(Duration::from_secs(15), child.wait()).await.expect("exits").unwrap();
    assert!(status.success(), "{status:?}");
    let logs = std::fs::read_to_string(&log_path).unwrap();
    let lines: Vec<serde_json::Value> =
        logs.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}"))).collect();
    assert!(lines.iter().any(|l| l["fields"]["message"] == "shutting down"), "{logs}");
    // Fields stay fields: the shutdown's figures are JSON values, not text in the message.
    assert!(lines.iter().all(|l| l["level"].is_string() && l["timestamp"].is_string()), "{logs}");
}

/// Docker gives a stopping container 10 s before SIGKILL: `studybot run` ends within that
/// whatever the gateway does: dropped, and every reconnect refused; or dropped, and every
/// reconnect left hanging.
#[tokio::test]
async fn shutdown_with_the_gateway_unreachable_ends_within_ten_seconds() {
    for stall in [false, true] {
        shutdown_within_ten_seconds(stall).await;
    }
}

async fn shutdown_within_ten_seconds(stall: bool) {
    let fake = FakeDiscord::start().await;
    fake.require_allowed_mentions();
    let dir = tempfile::tempdir().unwrap();
    let log_path = dir.path().join("bot.log");
    let mut child = support::spawn_studybot(&fake, dir.path().join("bot.db").as_os_str(), &log_path, &[]);
    fake.wait_ready(T).await;
    fake.wait_commands_registered(T).await;
    match stall {
        true => fake.stall_gateway(true),
        false => _ = fake.refuse_gateway(true),
    }
    fake.drop_gateway().await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let pid = child.id().unwrap().to_string();
    let began = std::time::Instant::now();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let status = tokio::time::timeout(Duration::from_secs(30), child.wait()).await.expect("exits").unwrap();
    let took = began.elapsed();
    let logs = std::fs::read_to_string(&log_path).unwrap();
    assert!(took < Duration::from_secs(10), "shutdown (stalled: {stall}) took {took:?}:\n{logs}");
    assert!(status.success(), "{status:?}\n{logs}");
}

/// `studybot migrate` on a new SQLite file says it created it, closes it cleanly (no
/// write-ahead log left: a copy of the .db alone holds the schema), and then says it is up to
/// date.
#[test]
fn migrate_creates_a_complete_file_then_says_up_to_date() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("new.db");
    let run = || bin().args(["--database", db.to_str().unwrap(), "migrate"]).output().unwrap();
    let versions = studybot::db::MIGRATOR.iter().count();
    let out = run();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("database {} created (schema version {versions})\n", db.display())
    );
    let wal = dir.path().join("new.db-wal");
    assert!(!wal.exists() || std::fs::metadata(&wal).unwrap().len() == 0, "a write-ahead log was left");
    // The file alone (copied away from any log) holds every migration.
    let copy = dir.path().join("copy.db");
    std::fs::copy(&db, &copy).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let applied = rt.block_on(studybot::db::applied_migrations(&studybot::db::Location::Sqlite(copy)));
    assert_eq!(applied.unwrap(), versions);
    let out = run();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("database {} is up to date (schema version {versions})\n", db.display())
    );
}
