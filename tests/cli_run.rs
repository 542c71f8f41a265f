//! `studybot run` as a process: refuses a missing or malformed token, connects to the
//! fake Discord through DISCORD_API_URL, answers a command, and exits cleanly on SIGTERM
//! without ever printing the token.

mod support;

use fake_discord::{FakeDiscord, Slash, defaults};
use std::process::{Command, Stdio};
use std::time::Duration;
use support::harness::T;

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
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("bot.db");
    // Logs go to a file: a pipe nobody reads would fill up and block the bot.
    let log_path = dir.path().join("bot.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_studybot"))
        .env_remove("STUDYBOT_CONFIG")
        .env("DISCORD_TOKEN", fake.token())
        .env("DISCORD_API_URL", fake.base_url())
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
