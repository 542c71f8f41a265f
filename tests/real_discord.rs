//! What the real Discord does that a friendly fake would not: command registration refused
//! or failing for a while, servers gone while the bot was offline, missing permissions per
//! channel, DM rules. Each test drives studybot (as a process or in-process) against the fake
//! Discord taught that behaviour (see the fake's self-tests).

mod support;

use fake_discord::{FakeDiscord, Fault, GuildSpec, defaults};
use std::time::Duration;
use support::{free_addr, http_get, spawn_studybot};

/// Waits for the process to end (at most `secs`) and returns its log.
async fn ended(
    child: &mut tokio::process::Child,
    log: &std::path::Path,
    secs: u64,
) -> (std::process::ExitStatus, String) {
    let status = tokio::time::timeout(Duration::from_secs(secs), child.wait())
        .await
        .unwrap_or_else(|_| panic!("still running after {secs} s:\n{}", std::fs::read_to_string(log).unwrap()))
        .unwrap();
    (status, std::fs::read_to_string(log).unwrap())
}

/// A mistyped `--dev-guild`, or a server the bot was invited to without the
/// `applications.commands` scope: start-up ends non-zero with what to fix, before any
/// gateway session (before: the bot connected and stayed deaf, every command failing).
#[tokio::test]
async fn a_refused_command_registration_ends_start_up_with_what_to_fix() {
    const NO_SCOPE: u64 = 7700;
    let fake = FakeDiscord::builder()
        .guild(GuildSpec::new(NO_SCOPE, "Invited without commands").without_commands_scope())
        .start()
        .await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("bot.db");
    let log = dir.path().join("bot.log");

    let mut child = spawn_studybot(&fake, db.as_os_str(), &log, &[("STUDYBOT_DEV_GUILD", "999999")]);
    let (status, text) = ended(&mut child, &log, 30).await;
    assert!(!status.success(), "{status:?}");
    assert!(text.contains("dev server 999999") && text.contains("STUDYBOT_DEV_GUILD"), "{text}");

    let mut child = spawn_studybot(&fake, db.as_os_str(), &log, &[("STUDYBOT_DEV_GUILD", &NO_SCOPE.to_string())]);
    let (status, text) = ended(&mut child, &log, 30).await;
    assert!(!status.success(), "{status:?}");
    assert!(text.contains("applications.commands") && text.contains("50001"), "{text}");

    assert_eq!(fake.gateway_stats().identifies, 0, "no gateway session for a bot that could not answer");
}

/// Discord failing for a moment (five 500s: more than the REST forwarder's own three
/// retries) delays registration, then the bot is ready and `/readyz` names the registration.
#[tokio::test]
async fn a_transient_registration_failure_is_retried_and_readyz_reports_it() {
    let fake = FakeDiscord::start().await;
    let commands = format!("/applications/{}/guilds/{}/commands", fake.application_id(), defaults::GUILD);
    fake.inject(Fault::server_error("PUT", &commands).times(5));
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("bot.db");
    let log = dir.path().join("bot.log");
    let metrics = free_addr();
    let mut child = spawn_studybot(&fake, db.as_os_str(), &log, &[("STUDYBOT_METRICS_ADDR", &metrics.to_string())]);
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let body = loop {
        let (status, body) = http_get(metrics, "/readyz").await;
        if status == 200 {
            break body;
        }
        assert!(std::time::Instant::now() < deadline, "/readyz stayed {status}: {body}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(body.contains("commands registered in the dev server 2000"), "{body}");
    // The forwarder's attempt (1 + 3 retries) failed; registration's second one got through.
    assert_eq!(fake.requests_to("PUT", &commands).len(), 6);
    assert!(!fake.commands_in(Some(defaults::GUILD)).is_empty());
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.contains("trying again"), "{text}");
    child.kill().await.unwrap();
}

/// A server that removes the bot while the bot is offline sends no event: it is simply not
/// in the next READY. Its removal clock starts then: nothing more is posted there (no
/// failing attempts), the other server goes on, and its data is purged after the retention
/// period (before: never purged, and posted into for ever).
#[tokio::test]
async fn a_server_absent_from_ready_is_treated_as_removed_and_purged_later() {
    use fake_discord::{Invoker, perms};
    use support::harness::{Mode, TestBot, create_cmd};
    const G2: u64 = 9000;
    const G2_CHANNEL: u64 = 9001;
    const ERIN: u64 = 9100;
    let fake = FakeDiscord::start().await;
    fake.add_guild(GuildSpec::new(G2, "Other").owner(ERIN).text_channel(G2_CHANNEL, "general").member(
        ERIN,
        "erin",
        &[],
    ));
    let mut tb = TestBot::start_with(fake, Mode::Proxy, "2026-11-23T12:00:00Z").await;
    let erin = Invoker::new(ERIN, "erin").in_guild(G2, G2_CHANNEL).permissions(perms::ALL);
    let r = tb.run(create_cmd("Far", G2_CHANNEL, "architecture", "2026-11-30", 0, "18:00", "UTC").by(&erin)).await;
    assert!(r.text().contains("Created"), "{}", r.text());
    tb.create_group("Near", "architecture", "2026-11-30", 0, "18:00", "UTC").await;
    tb.set_now("2026-11-30T18:00:00Z");
    assert_eq!(tb.tick().await.sent, 2);

    // Offline: the other server removes the bot.
    tb.bot.take().unwrap().shutdown().await;
    tb.fake.remove_guild(G2);
    tb.set_now("2026-12-07T18:00:00Z");
    tb.restart().await;
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let far_future = support::harness::utc("2100-01-01T00:00:00Z");
    while !studybot::db::servers::due_for_purge(&tb.db, far_future).await.unwrap().contains(&G2) {
        assert!(std::time::Instant::now() < deadline, "the removal was never recorded");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let before = tb.fake.requests_to("POST", &format!("/channels/{G2_CHANNEL}/messages")).len();
    let r = tb.tick().await;
    assert_eq!((r.sent, r.failed), (1, 0), "week 2 of Near only; nothing tried in the removed server");
    assert_eq!(tb.fake.requests_to("POST", &format!("/channels/{G2_CHANNEL}/messages")).len(), before);

    // After the retention period its data is gone; the other server's stays.
    tb.set_now("2027-01-08T18:00:00Z");
    tb.tick().await;
    assert!(studybot::db::groups::list(&tb.db, G2).await.unwrap().is_empty());
    assert_eq!(studybot::db::groups::list(&tb.db, defaults::GUILD).await.unwrap().len(), 1);
    tb.finish().await;
}
