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
    let mut tb = TestBot::start_with(fake, Mode::Tls, "2026-11-23T12:00:00Z").await;
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

const NO_HISTORY: u64 = 4100;
const NO_THREADS: u64 = 4101;
const HIDDEN: u64 = 4102;
const READERS: u64 = 5100;

/// `/group create`, `/group edit` and `/settings digest` check every permission the bot will
/// use in the channel and name what is missing; a role that is not mentionable would ping
/// nobody and is refused (before: only View, Send and Embed Links were checked, the digest
/// channel not at all, and any role was taken).
#[tokio::test]
async fn channel_choices_are_checked_for_every_permission_the_bot_uses() {
    use fake_discord::Slash;
    use support::harness::{Mode, TestBot, create_cmd};
    let fake = FakeDiscord::builder()
        .no_default_guild()
        .guild({
            use fake_discord::{ChannelSpec, perms};
            GuildSpec::default_test_guild()
                .channel(ChannelSpec::text(NO_HISTORY, "no-history").deny_bot(perms::READ_MESSAGE_HISTORY))
                .channel(ChannelSpec::text(NO_THREADS, "no-threads").deny_bot(perms::CREATE_PUBLIC_THREADS))
                .channel(ChannelSpec::text(HIDDEN, "hidden").deny_bot(perms::VIEW_CHANNEL))
                .mentionable_role(READERS, "Readers", perms::EVERYONE)
        })
        .start()
        .await;
    let tb = TestBot::start_with(fake, Mode::Tls, "2026-11-23T12:00:00Z").await;
    let create = |channel: u64| create_cmd("Evenings", channel, "architecture", "2026-11-30", 0, "18:00", "UTC");
    let t = tb.run(create(NO_HISTORY).by(&tb.moderator())).await.text();
    assert!(t.contains("missing Read Message History"), "{t}");
    let t = tb.run(create(NO_THREADS).by(&tb.moderator())).await.text();
    assert!(t.contains("missing Create Public Threads"), "{t}");
    // A channel the bot cannot see at all is named as such, not "couldn't understand".
    let t = tb.run(create(HIDDEN).by(&tb.moderator())).await.text();
    assert!(t.contains("View Channel") && !t.contains("understand"), "{t}");
    let t = tb.run(create(defaults::GENERAL).role("role", defaults::MEMBER_ROLE).by(&tb.moderator())).await.text();
    assert!(t.contains("**Member** is not mentionable"), "{t}");
    let t =
        tb.run(Slash::new("settings").sub("digest").channel("channel", NO_HISTORY).by(&tb.moderator())).await.text();
    assert!(t.contains("missing Read Message History"), "{t}");
    assert!(studybot::db::groups::list(&tb.db, defaults::GUILD).await.unwrap().is_empty(), "a refusal stored a group");

    let t = tb.run(create(defaults::GENERAL).role("role", READERS).by(&tb.moderator())).await.text();
    assert!(t.contains("Created"), "{t}");
    let edit = Slash::new("group").sub("edit").string("group", "Evenings").channel("channel", NO_THREADS);
    let t = tb.run(edit.by(&tb.moderator())).await.text();
    assert!(t.contains("missing Create Public Threads"), "{t}");
    tb.finish().await;
}

/// At send time the scheduler checks the channel again: a permission revoked since the group
/// was created stops the post before anything goes out, with the reason in `/group list`, and
/// no retries run against it; `/group post-now` says why until it is fixed, then posts. A
/// send Discord refuses for good (the cache missed the change) is tried once, not eight
/// times; embeds Discord dropped are reported; a deleted channel is named (before: the post
/// went out without its embeds and counted as sent, and refusals were retried eight times
/// a post).
#[tokio::test]
async fn revoked_permissions_stop_posts_with_the_reason_and_no_retries() {
    use fake_discord::{Slash, perms};
    use support::harness::{Mode, TestBot};
    let tb = TestBot::start(Mode::Tls, "2026-11-23T12:00:00Z").await;
    let g = tb.create_group("Evenings", "architecture", "2026-11-30", 0, "18:00", "UTC").await;
    let posts_to_general =
        |tb: &TestBot| tb.fake.requests_to("POST", &format!("/channels/{}/messages", defaults::GENERAL)).len();
    tb.set_now("2026-11-30T18:00:00Z");
    assert_eq!(tb.tick().await.sent, 1);

    // Embed Links revoked (Discord sends CHANNEL_UPDATE): nothing goes out.
    tb.fake.set_bot_denied(defaults::GENERAL, perms::EMBED_LINKS, true);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = posts_to_general(&tb);
    tb.set_now("2026-12-07T18:00:00Z");
    let r = tb.tick().await;
    assert_eq!((r.sent, r.failed), (0, 1));
    assert_eq!(posts_to_general(&tb), before, "a post without its embeds went out");
    let t = group_list(&tb).await;
    assert!(t.contains("lacks Embed Links in <#4000>"), "{t}");
    tb.set_now("2026-12-07T20:00:00Z");
    assert_eq!(tb.tick().await.failed, 0, "no retry against a missing permission");
    let t = tb.run(Slash::new("group").sub("post-now").by(&tb.moderator())).await.text();
    assert!(t.contains("could not post") && t.contains("lacks Embed Links"), "{t}");
    assert_eq!(posts_to_general(&tb), before);

    // Fixed: post-now posts it.
    tb.fake.set_bot_denied(defaults::GENERAL, 0, true);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let t = tb.run(Slash::new("group").sub("post-now").by(&tb.moderator())).await.text();
    assert!(t.contains("Posted") || t.contains("posted"), "{t}");
    assert!(!group_list(&tb).await.contains("lacks Embed Links"));

    // The cache missed a change: Discord refuses the send (50013) once, and that is all.
    tb.fake.set_bot_denied(defaults::GENERAL, perms::SEND_MESSAGES, false);
    let before = posts_to_general(&tb);
    tb.set_now("2026-12-14T18:00:00Z");
    assert_eq!(tb.tick().await.failed, 1);
    tb.set_now("2026-12-14T23:00:00Z");
    tb.tick().await;
    assert_eq!(posts_to_general(&tb), before + 1, "a refused send was retried");
    let posts = studybot::db::posts::for_group(&tb.db, support::scope(&tb.db, g).await).await.unwrap();
    assert_eq!(posts.iter().find(|p| p.session == 2).unwrap().attempts, studybot::plan::MAX_ATTEMPTS);
    assert!(group_list(&tb).await.contains("lacks a permission in <#4000> (50013)"));

    // Embeds dropped by Discord (the cache missed the change): the post is out, and said.
    tb.fake.set_bot_denied(defaults::GENERAL, perms::EMBED_LINKS, false);
    tb.set_now("2026-12-21T18:00:00Z");
    assert_eq!(tb.tick().await.sent, 1);
    let t = group_list(&tb).await;
    assert!(t.contains("Discord dropped its embeds"), "{t}");

    // The channel is deleted: named, tried once.
    tb.fake.delete_channel(defaults::GENERAL);
    tokio::time::sleep(Duration::from_millis(300)).await;
    tb.set_now("2026-12-28T18:00:00Z");
    assert_eq!(tb.tick().await.failed, 1);
    let t = group_list(&tb).await;
    assert!(t.contains("<#4000> no longer exists") && t.contains("/group edit channel:"), "{t}");
    tb.finish().await;
}

async fn group_list(tb: &support::harness::TestBot) -> String {
    tb.run(fake_discord::Slash::new("group").sub("list").by(&tb.moderator())).await.text()
}

/// Reminder DMs: a member's DM channel is opened once and reused; "opening DMs too fast"
/// (40003) and Discord failing for a while are tried again a minute later, once, with the
/// same nonce (before: a channel was opened per DM, and any failure dropped the reminder).
#[tokio::test]
async fn reminder_dms_reuse_the_channel_and_passing_failures_are_retried() {
    use fake_discord::{Slash, defaults::*};
    use support::harness::{Mode, TestBot};
    let tb = TestBot::start(Mode::Proxy, "2026-11-20T12:00:00Z").await;
    tb.create_group("Reminded", "architecture", "2026-11-23", 0, "18:00", "UTC").await;
    tb.run(Slash::new("remind").integer("setting", 0).by(&tb.member())).await;
    let opens = |tb: &TestBot| tb.fake.requests_to("POST", "/users/@me/channels").len();
    let dms_about = |tb: &TestBot, user: u64, week: u32| {
        tb.fake
            .dm_messages(user)
            .iter()
            .filter(|d| d["content"].as_str().unwrap_or("").contains(&format!("moves on to week {week} ")))
            .count()
    };
    // Reminders before weeks 1 and 2: one DM channel opened for bob, reused.
    for at in ["2026-11-22T18:00:00Z", "2026-11-23T18:00:00Z", "2026-11-29T18:00:00Z"] {
        tb.set_now(at);
        tb.tick().await;
    }
    assert_eq!((dms_about(&tb, BOB, 1), dms_about(&tb, BOB, 2)), (1, 1));
    let opened = opens(&tb);
    assert!(opened <= 1, "a DM channel per DM: {opened}");

    // alice opts in; Discord refuses to open her DM channel (40003) and fails bob's send
    // (500s past the forwarder's own retries, hence proxy mode): both are tried again a
    // minute later.
    tb.fake.limit_dm_opens(0, Duration::from_secs(3600));
    let t = tb.run(Slash::new("remind").integer("setting", 0).string("group", "Reminded").by(&tb.moderator())).await;
    assert!(t.text().contains("did not go through"), "{}", t.text());
    let bob_dm = tb.fake.dm_channel_of(BOB);
    tb.fake.inject(Fault::server_error("POST", &format!("/channels/{bob_dm}/messages")).times(4));
    tb.set_now("2026-11-30T18:00:00Z");
    tb.tick().await;
    tb.set_now("2026-12-06T18:00:00Z");
    tb.tick().await;
    assert_eq!((dms_about(&tb, ALICE, 3), dms_about(&tb, BOB, 3)), (0, 0));
    tb.fake.limit_dm_opens(100, Duration::from_secs(3600));
    tb.set_now("2026-12-06T18:00:59Z");
    tb.tick().await;
    assert_eq!(dms_about(&tb, ALICE, 3), 0, "not before its minute");
    tb.set_now("2026-12-06T18:01:00Z");
    tb.tick().await;
    assert_eq!((dms_about(&tb, ALICE, 3), dms_about(&tb, BOB, 3)), (1, 1));
    tb.set_now("2026-12-06T19:00:00Z");
    tb.tick().await;
    assert_eq!((dms_about(&tb, ALICE, 3), dms_about(&tb, BOB, 3)), (1, 1), "never twice");
    tb.finish().await;
}

/// `/remind on` sends a first DM at once: a member whose DMs are closed (50007) is told how
/// to open them, and reminder DMs stay off (before: "You are in ..." and silence until the
/// first reminder failed).
#[tokio::test]
async fn remind_on_sends_a_first_dm_and_says_at_once_when_dms_are_closed() {
    use fake_discord::Slash;
    use support::harness::{Mode, TestBot};
    let tb = TestBot::start(Mode::Tls, "2026-11-20T12:00:00Z").await;
    tb.create_group("Evenings", "architecture", "2026-11-23", 0, "18:00", "UTC").await;
    let t = tb.run(Slash::new("remind").integer("setting", 0).by(&tb.moderator())).await.text();
    assert!(t.contains("I sent you a first DM"), "{t}");
    let welcome = tb.fake.dm_messages(defaults::ALICE);
    assert_eq!(welcome.len(), 1);
    assert!(welcome[0]["content"].as_str().unwrap().contains("Reminder DMs are on"), "{welcome:?}");

    tb.fake.close_dms(defaults::BOB);
    let t = tb.run(Slash::new("remind").integer("setting", 0).by(&tb.member())).await.text();
    assert!(t.contains("your DMs are closed") && t.contains("stay **off**") && t.contains("`/remind on` again"), "{t}");
    let (_, reminder_dms_on, _) =
        studybot::db::members::export(&tb.db, defaults::GUILD, defaults::BOB).await.unwrap().profile.unwrap();
    assert!(!reminder_dms_on, "reminder DMs left on for closed DMs");
    tb.finish().await;
}

/// Start-up reads the identify budget from `GET /gateway/bot` and refuses to connect when it
/// is nearly spent, saying when it renews (before: every restart identified, and a restart
/// loop could use up the day's 1,000 sessions, after which Discord resets the token).
#[tokio::test]
async fn start_up_refuses_when_the_identify_budget_is_nearly_spent() {
    let fake = FakeDiscord::start().await;
    fake.set_identify_budget(5);
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("bot.db");
    let log = dir.path().join("bot.log");
    let mut child = spawn_studybot(&fake, db.as_os_str(), &log, &[]);
    let (status, text) = ended(&mut child, &log, 30).await;
    assert!(!status.success(), "{status:?}");
    assert!(text.contains("nearly spent: 5 of 1000 left, 1 needed") && text.contains("renewed in 4h00m"), "{text}");
    assert_eq!(fake.gateway_stats().identifies, 0);

    // With enough left it connects (and says what is left).
    fake.set_identify_budget(500);
    let mut child = spawn_studybot(&fake, db.as_os_str(), &log, &[]);
    fake.wait_ready(Duration::from_secs(20)).await;
    child.kill().await.unwrap();
    assert!(std::fs::read_to_string(&log).unwrap().contains("gateway session budget"));
}

/// Commands left in a server from `--dev-guild` would show twice once the bot registers
/// globally: `studybot clear-commands --guild ID` removes them and leaves the global ones.
#[tokio::test]
async fn clear_commands_removes_a_dev_servers_leftover_commands() {
    let fake = FakeDiscord::start().await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("bot.db");
    let log = dir.path().join("bot.log");
    let mut child = spawn_studybot(&fake, db.as_os_str(), &log, &[]);
    fake.wait_commands_registered(Duration::from_secs(20)).await;
    child.kill().await.unwrap();
    assert!(!fake.commands_in(Some(defaults::GUILD)).is_empty());
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_studybot"))
        .args(["clear-commands", "--guild", &defaults::GUILD.to_string()])
        .env_remove("STUDYBOT_CONFIG")
        .env("DISCORD_TOKEN", fake.token())
        .env("DISCORD_API_URL", fake.base_url())
        .env("STUDYBOT_DATABASE", &db)
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    let n = studybot::bot::commands::all().len();
    assert!(stdout.contains(&format!("removed {n} server commands from 2000")), "{stdout}");
    assert!(fake.commands_in(Some(defaults::GUILD)).is_empty());
}

/// `/checkin` does not run in DMs, so a reminder DM carries a button to check in for the week
/// ending: it opens the check-in form in the DM and stores the check-in in the group's server.
/// Someone who is not in the group is refused (before: the DM pointed to `/checkin` only).
#[tokio::test]
async fn a_reminder_dm_has_a_check_in_button_that_works_in_the_dm() {
    use fake_discord::Slash;
    use support::harness::{Mode, T, TestBot};
    let tb = TestBot::start(Mode::Tls, "2026-11-20T12:00:00Z").await;
    let g = tb.create_group("Reminded", "architecture", "2026-11-23", 0, "18:00", "UTC").await;
    tb.run(Slash::new("remind").integer("setting", 0).by(&tb.member())).await;
    for at in ["2026-11-22T18:00:00Z", "2026-11-23T18:00:00Z", "2026-11-29T18:00:00Z"] {
        tb.set_now(at);
        tb.tick().await;
    }
    let dms = tb.reminder_dms(defaults::BOB);
    assert!(dms[0]["components"].as_array().is_none_or(|c| c.is_empty()), "no week to check in for before week 1");
    let dm = dms.last().unwrap().clone();
    let button = &dm["components"][0]["components"][0];
    assert_eq!(button["label"], "Check in for week 1");
    let id = button["custom_id"].as_str().unwrap().to_string();
    assert_eq!(id, format!("sb:ci:{g}:1"));

    let bob = tb.member().dm();
    let modal = tb.fake.click_button(&bob, &dm, &id).await.wait_modal(T).await;
    let form = [("status", "done"), ("hours", "2"), ("confidence", "4"), ("note", "")];
    let r = tb.fake.submit_modal(&bob, &modal.custom_id, &form).await.wait_reply(T).await;
    assert!(r.content.starts_with("Checked in for week 1"), "{}", r.content);
    let stored = studybot::db::members::checkins(&tb.db, defaults::GUILD, g, defaults::BOB).await.unwrap();
    assert_eq!((stored.len(), stored[0].week), (1, 1));

    // Not a member of the group: refused, nothing stored.
    let stranger = fake_discord::Invoker::new(4242, "stranger").dm();
    let r = tb.fake.click_button(&stranger, &dm, &id).await.wait_reply(T).await;
    assert!(r.ephemeral && r.content.contains("for members of that study group"), "{}", r.content);
    tb.finish().await;
}
