//! Security and privacy end to end: deletion that deletes, retention after the bot is
//! removed from a server, the per-server group limit, closed DMs, and names that cannot
//! format. (Every body the fake receives must carry `allowed_mentions`: the fake records a
//! violation otherwise, and every test's `finish` fails on it.)

mod support;

use fake_discord::{Slash, defaults};
use serde_json::json;
use studybot::db::{groups as db_groups, members};
use support::harness::{Mode, T, TestBot};

const NOW: &str = "2026-11-23T12:00:00Z";
const NOTE: &str = "QZX-secret-note-8841 about my week";

fn checkin() -> Slash {
    Slash::new("checkin").integer("status", 0).number("hours", 2.0).integer("confidence", 4)
}

/// Every byte of the database file and its WAL, after a checkpoint (SQLite; `None` on
/// PostgreSQL, whose files are the server's).
async fn db_bytes(tb: &TestBot) -> Option<Vec<u8>> {
    let file = tb.database.file()?;
    tb.db.raw_execute("PRAGMA wal_checkpoint(TRUNCATE)", &[]).await.unwrap();
    let mut all = std::fs::read(file).unwrap();
    if let Ok(w) = std::fs::read(file.with_extension("db-wal")) {
        all.extend(w);
    }
    Some(all)
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

/// After `/forget-me` and a checkpoint the note's bytes are nowhere in the database files
/// (secure_delete), and the group the member created no longer names them.
#[tokio::test]
async fn a_forgotten_note_is_gone_from_the_database_file() {
    let tb = TestBot::start(Mode::Tls, NOW).await;
    let g = tb.create_group("Evenings", "architecture", "2026-11-23", 0, "18:00", "UTC").await;
    tb.set_now("2026-11-23T19:00:00Z");
    let r = tb.run(checkin().string("note", NOTE).by(&tb.moderator())).await;
    assert!(r.text().contains("week 1"), "{}", r.text());
    if let Some(bytes) = db_bytes(&tb).await {
        assert!(contains(&bytes, NOTE), "the note is stored");
    }
    assert_eq!(tb.db.raw_integers("SELECT COUNT(*) FROM checkins", &[]).await.unwrap(), [Some(1)]);

    let r = tb.run(Slash::new("forget-me").by(&tb.moderator())).await;
    let done = tb.fake.click_button(&tb.moderator(), &r.message, "sb:fg").await.wait_reply(T).await;
    assert!(done.content.contains("deleted 1 check-ins"), "{}", done.content);
    if let Some(bytes) = db_bytes(&tb).await {
        assert!(!contains(&bytes, NOTE), "the forgotten note is still readable in the file");
    }
    assert_eq!(tb.db.raw_integers("SELECT COUNT(*) FROM checkins", &[]).await.unwrap(), [Some(0)]);
    let by = tb.db.raw_integers("SELECT created_by FROM study_groups WHERE id = $1", &[g]).await.unwrap();
    assert_eq!(by, [Some(0)], "the group no longer names its creator");
    tb.finish().await;
}

/// Waits until `removed_servers` holds `n` rows (the gateway event was handled).
async fn removed_servers_become(tb: &TestBot, n: i64) {
    support::within(5.0, "the removal table to follow the gateway events", async {
        loop {
            let rows = tb.db.raw_integers("SELECT COUNT(*) FROM removed_servers", &[]).await.unwrap();
            if rows == [Some(n)] {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    })
    .await;
}

async fn rows_of_guild(tb: &TestBot) -> i64 {
    let g = studybot::db::to_db(defaults::GUILD);
    let mut n = 0;
    for table in ["study_groups", "members", "checkins", "server_settings"] {
        let sql = format!("SELECT COUNT(*) FROM {table} WHERE guild_id = $1");
        n += tb.db.raw_integers(&sql, &[g]).await.unwrap()[0].unwrap();
    }
    n
}

/// Removed from a server: its data is kept through the grace period, purged after it; an
/// outage (unavailable) starts nothing, and coming back cancels the purge.
#[tokio::test]
async fn a_removed_servers_data_is_purged_after_the_grace_period_unless_the_bot_comes_back() {
    let tb = TestBot::start(Mode::Tls, NOW).await;
    tb.create_group("Evenings", "architecture", "2026-11-23", 0, "18:00", "UTC").await;
    tb.set_now("2026-11-23T19:00:00Z");
    tb.run(checkin().by(&tb.member())).await;
    tb.run(Slash::new("settings").sub("reminders").integer("hours", 6).by(&tb.moderator())).await;
    let before = rows_of_guild(&tb).await;
    assert!(before >= 4, "{before}");
    assert!(tb.bot.as_ref().unwrap().scheduler().cached_members() > 0, "the member is cached");

    // An outage is not a removal.
    tb.fake.dispatch("GUILD_DELETE", json!({"id": defaults::GUILD.to_string(), "unavailable": true}));
    // Removed, then added back: kept.
    tb.fake.dispatch("GUILD_DELETE", json!({"id": defaults::GUILD.to_string()}));
    removed_servers_become(&tb, 1).await;
    tb.set_now("2026-12-20T00:00:00Z");
    tb.tick().await;
    assert_eq!(rows_of_guild(&tb).await, before, "kept during the 30 days");
    tb.fake.add_guild(fake_discord::GuildSpec::default_test_guild());
    removed_servers_become(&tb, 0).await;
    tb.set_now("2027-01-30T00:00:00Z");
    tb.tick().await;
    assert_eq!(rows_of_guild(&tb).await, before, "the bot came back: nothing purged");

    // Removed for good: purged once the 30 days have passed.
    tb.fake.dispatch("GUILD_DELETE", json!({"id": defaults::GUILD.to_string()}));
    removed_servers_become(&tb, 1).await;
    tb.set_now("2027-02-28T23:00:00Z");
    tb.tick().await;
    assert_eq!(rows_of_guild(&tb).await, before, "29 days: kept");
    tb.set_now("2027-03-02T00:00:00Z");
    tb.tick().await;
    assert_eq!(rows_of_guild(&tb).await, 0, "purged after 30 days");
    let scheduler = tb.bot.as_ref().unwrap().scheduler();
    assert_eq!(scheduler.cached_members(), 0, "nothing of the server stays in memory either");
    tb.finish().await;
}

/// A server holds at most 25 groups: the 26th is refused with a clear message.
#[tokio::test]
async fn the_26th_group_is_refused() {
    let tb = TestBot::start(Mode::Tls, NOW).await;
    for i in 0..25 {
        let s = support::harness::monday_group(&format!("Group {i}"), defaults::GENERAL, "2026-11-30");
        db_groups::insert_unchecked(&tb.db, defaults::GUILD, &s, defaults::ALICE, support::harness::utc(NOW))
            .await
            .unwrap()
            .unwrap();
    }
    let cmd = support::harness::create_cmd(
        "One too many",
        defaults::GENERAL,
        "architecture",
        "2026-11-30",
        0,
        "18:00",
        "UTC",
    );
    let r = tb.run(cmd.by(&tb.moderator())).await;
    assert!(r.ephemeral && r.text().contains("already has 25 study groups"), "{}", r.text());
    assert_eq!(db_groups::list(&tb.db, defaults::GUILD).await.unwrap().len(), 25);
    tb.finish().await;
}

/// A member Discord cannot DM (50007) gets no more reminder DMs: their setting is turned off.
#[tokio::test]
async fn closed_dms_stop_reminder_dms() {
    let tb = TestBot::start(Mode::Tls, "2026-11-20T12:00:00Z").await;
    tb.create_group("Evenings", "architecture", "2026-11-23", 0, "18:00", "UTC").await;
    assert!(tb.run(Slash::new("remind").integer("setting", 0).by(&tb.member())).await.text().contains("You are in"));
    tb.fake.close_dms(defaults::BOB);
    tb.set_now("2026-11-22T18:00:00Z");
    assert_eq!(tb.tick().await.sent, 1, "the channel reminder");
    let (_, reminder_dms_on, _) =
        members::export(&tb.db, defaults::GUILD, defaults::BOB).await.unwrap().profile.unwrap();
    assert!(!reminder_dms_on, "DMs turned off after 50007");
    tb.finish().await;
}

/// A nickname shaped like a masked link is shown as text in the at-risk list.
#[tokio::test]
async fn a_masked_link_nickname_renders_as_text() {
    let tb = TestBot::start(Mode::Tls, "2026-11-20T12:00:00Z").await;
    // Weeks 1 and 2 (11-02, 11-09) finished, week 3 in progress: 2 finished weeks missed.
    let s = support::harness::monday_group("Evenings", defaults::GENERAL, "2026-11-02");
    let at = support::harness::utc("2026-11-20T12:00:00Z");
    let g = db_groups::insert_unchecked(&tb.db, defaults::GUILD, &s, defaults::ALICE, at).await.unwrap().unwrap();
    let evil = "[Mod](https://example.com)";
    let who = members::Author { guild_id: defaults::GUILD, group_id: g, user_id: 77, display_name: evil };
    members::join(&tb.db, who, 1, at).await.unwrap();
    let r = tb.run(Slash::new("report").sub("participation").by(&tb.moderator())).await;
    let text = r.text();
    assert!(text.contains("\\[Mod\\]\\(https\\:\\/\\/example\\.com\\)"), "{text}");
    assert!(!text.contains(evil), "{text}");
    tb.finish().await;
}
