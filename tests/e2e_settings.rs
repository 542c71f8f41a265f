//! Per-server settings end to end: `/settings` is for Manage Server; the moderator role it
//! sets is honoured by the bot's own check, per server; reminder hours and channel reminders
//! follow the server's settings.

mod support;

use fake_discord::{GuildSpec, Invoker, Slash, defaults, perms};
use support::harness::{Mode, TestBot};

const NOW: &str = "2026-11-23T12:00:00Z";
const G2: u64 = 9000;
const G2_CHANNEL: u64 = 9001;
const ERIN: u64 = 9100; // owner of G2
const CAROL: u64 = 7100; // in both servers
const DAN: u64 = 7101; // in G2
const LEADS: u64 = 7001; // a role of the test guild, no permissions
const MENTORS: u64 = 7002; // a role of G2, no permissions
const HELPERS: u64 = 7003; // another role of G2

/// Two servers with different moderator roles: each server's role works there only, and a
/// member without it is refused; `/settings` itself needs Manage Server.
#[tokio::test]
async fn the_configured_moderator_role_is_honoured_per_server() {
    let fake = fake_discord::FakeDiscord::builder()
        .no_default_guild()
        .guild(GuildSpec::default_test_guild().role(LEADS, "Leads", perms::EVERYONE).member(CAROL, "carol", &[LEADS]))
        .guild(
            GuildSpec::new(G2, "Other")
                .owner(ERIN)
                .text_channel(G2_CHANNEL, "general")
                .role(MENTORS, "Mentors", perms::EVERYONE)
                .role(HELPERS, "Helpers", perms::EVERYONE)
                .member(ERIN, "erin", &[])
                .member(CAROL, "carol", &[HELPERS])
                .member(DAN, "dan", &[MENTORS]),
        )
        .start()
        .await;
    let tb = TestBot::start_with(fake, Mode::Tls, NOW).await;
    let carol = Invoker::new(CAROL, "carol").roles(&[LEADS]);
    let carol2 = Invoker::new(CAROL, "carol").in_guild(G2, G2_CHANNEL).roles(&[HELPERS]);
    let dan = Invoker::new(DAN, "dan").in_guild(G2, G2_CHANNEL).roles(&[MENTORS]);
    let erin = Invoker::new(ERIN, "erin").in_guild(G2, G2_CHANNEL);
    let list = || Slash::new("group").sub("list");
    let refused = |t: String| t.contains("for moderators");

    // Nobody but Manage Server yet.
    assert!(refused(tb.run(list().by(&carol)).await.text()));
    assert!(refused(tb.run(list().by(&dan)).await.text()));
    // Only Manage Server changes settings.
    let r = tb.run(Slash::new("settings").sub("moderator-role").role("role", LEADS).by(&carol)).await;
    assert!(r.ephemeral && r.text().contains("Manage Server"), "{}", r.text());

    let r = tb.run(Slash::new("settings").sub("moderator-role").role("role", LEADS).by(&tb.moderator())).await;
    assert!(r.text().contains(&format!("<@&{LEADS}>")), "{}", r.text());
    let r = tb.run(Slash::new("settings").sub("moderator-role").role("role", MENTORS).by(&erin)).await;
    assert!(r.text().contains(&format!("<@&{MENTORS}>")), "{}", r.text());

    // The test guild: carol (Leads) may; bob may not. G2: dan (Mentors) may; carol
    // (Helpers there) may not.
    assert!(tb.run(list().by(&carol)).await.text().contains("No study groups yet"));
    assert!(refused(tb.run(list().by(&tb.member())).await.text()));
    assert!(tb.run(list().by(&dan)).await.text().contains("No study groups yet"));
    assert!(refused(tb.run(list().by(&carol2)).await.text()));
    // Reports and confirmation buttons use the same check.
    let r = tb.run(Slash::new("report").sub("overview").by(&dan)).await;
    assert!(!refused(r.text()), "{}", r.text());

    // Clearing the role: Manage Server only again.
    tb.run(Slash::new("settings").sub("moderator-role").by(&erin)).await;
    assert!(refused(tb.run(list().by(&dan)).await.text()));
    let show = tb.run(Slash::new("settings").sub("show").by(&erin)).await.text();
    assert!(show.contains("Manage Server only") && show.contains("Integrations"), "{show}");
    tb.finish().await;
}

/// A server's reminder hours move its reminders; with channel reminders off only the DMs go.
#[tokio::test]
async fn reminder_settings_follow_the_server() {
    let tb = TestBot::start(Mode::Tls, "2026-11-20T12:00:00Z").await;
    let g = tb.create_group("Evenings", "architecture", "2026-11-23", 0, "18:00", "UTC").await;
    let bob = tb.member();
    assert!(tb.run(Slash::new("remind").integer("setting", 0).by(&bob)).await.text().contains("You are in"));
    tb.run(Slash::new("join").by(&bob)).await;
    let r = tb
        .run(
            Slash::new("settings")
                .sub("reminders")
                .integer("hours", 6)
                .boolean("in_channel", false)
                .by(&tb.moderator()),
        )
        .await;
    assert!(r.text().contains("6 h before") && r.text().contains("off (DMs only)"), "{}", r.text());
    let next = tb.run(Slash::new("group").sub("next").by(&tb.moderator())).await.text();
    let at = support::harness::utc("2026-11-23T12:00:00Z").timestamp();
    assert!(next.contains(&format!("<t:{at}:F>")), "the reminder 6 h before: {next}");

    let before = tb.fake.channel_posts(defaults::GENERAL).len();
    tb.set_now("2026-11-23T11:00:00Z");
    assert_eq!(tb.tick().await.sent, 0, "24 h before is no longer the reminder time");
    tb.set_now("2026-11-23T12:00:00Z");
    assert_eq!(tb.tick().await.sent, 1);
    assert_eq!(tb.fake.channel_posts(defaults::GENERAL).len(), before, "no reminder in the channel");
    let dms = tb.fake.dm_messages(defaults::BOB);
    assert!(dms.iter().any(|d| d["content"].as_str().unwrap_or("").contains("moves on to week 1")), "{dms:?}");
    let r = tb.run(Slash::new("settings").sub("reminders").boolean("reset", true).by(&tb.moderator())).await;
    assert!(r.text().contains("24 h before each weekly post (default)"), "{}", r.text());
    let _ = g;
    tb.finish().await;
}

/// Forged options: another server's channel as the digest channel, another server's role or
/// @everyone as the moderator role, are refused and change nothing; this server's own are
/// saved.
#[tokio::test]
async fn another_servers_channel_or_role_and_everyone_are_refused() {
    let fake = fake_discord::FakeDiscord::builder()
        .no_default_guild()
        .guild(GuildSpec::default_test_guild().role(LEADS, "Leads", perms::EVERYONE))
        .guild(
            GuildSpec::new(G2, "Other")
                .owner(ERIN)
                .text_channel(G2_CHANNEL, "general")
                .role(MENTORS, "Mentors", perms::EVERYONE)
                .member(ERIN, "erin", &[]),
        )
        .start()
        .await;
    let tb = TestBot::start_with(fake, Mode::Tls, NOW).await;
    let settings = |sub: &str| Slash::new("settings").sub(sub);
    let show = || async { tb.run(settings("show").by(&tb.moderator())).await.text() };
    let before = show().await;

    let r = tb.run(settings("digest").channel("channel", G2_CHANNEL).by(&tb.moderator())).await;
    assert!(r.ephemeral && r.text().contains("another server"), "{}", r.text());
    let r = tb.run(settings("moderator-role").role("role", MENTORS).by(&tb.moderator())).await;
    assert!(r.ephemeral && r.text().contains("another server"), "{}", r.text());
    let r = tb.run(settings("moderator-role").role("role", defaults::GUILD).by(&tb.moderator())).await;
    assert!(r.ephemeral && r.text().contains("@everyone cannot"), "{}", r.text());
    assert_eq!(show().await, before, "a refusal changed the settings");
    let stored = tb.db.raw_integers("SELECT COUNT(*) FROM server_settings", &[]).await.unwrap();
    assert_eq!(stored, [Some(0)]);

    // This server's own are saved.
    let r = tb.run(settings("moderator-role").role("role", LEADS).by(&tb.moderator())).await;
    assert!(r.text().contains(&format!("<@&{LEADS}>")), "{}", r.text());
    let r = tb.run(settings("digest").channel("channel", defaults::GENERAL).by(&tb.moderator())).await;
    assert!(r.text().contains(&format!("<#{}>", defaults::GENERAL)), "{}", r.text());
    tb.finish().await;
}
