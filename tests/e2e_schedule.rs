//! The weekly scheduler end to end: the real bot against the fake Discord with a manual
//! clock. Ticks are driven by hand (`tb.tick()`), so nothing here waits for a schedule time.
//!
//! Covered: local post times across DST changes, pause / skip / resume, a crash between claim
//! and send (both halves), catch-up after downtime, 200 groups due at once under 429s (HTTPS
//! with serenity's rate limiter and proxy mode with the scheduler's own retries), a channel
//! without permission, reminders and reminder DMs, `/group post-now` and `/group next`, and
//! the closing post of a finished path.

mod support;

use std::collections::HashSet;
use std::sync::OnceLock;

use fake_discord::{Fault, Slash, defaults};
use serde_json::Value;
use studybot::clock::Clock;
use studybot::curriculum::Curriculum;
use studybot::db::groups as db_groups;
use studybot::db::{outbox, posts};
use studybot::ids::CustomId;
use studybot::model::{GroupSettings, Post as PostRow, PostKind, PostState, Schedule};
use support::harness::{Mode, TestBot, utc};
use support::{week_key, week_posts, within};

fn curriculum() -> &'static Curriculum {
    static C: OnceLock<Curriculum> = OnceLock::new();
    C.get_or_init(|| Curriculum::embedded().expect("embedded curriculum"))
}

fn week_title(path: &str, week: u32) -> String {
    curriculum().week(path, week).expect("week in path").title.clone()
}

fn path_len(path: &str) -> u32 {
    curriculum().path(path).expect("path").len_weeks()
}

/// Content plus embed titles and descriptions of a stored message.
fn msg_text(m: &Value) -> String {
    let mut s = m["content"].as_str().unwrap_or("").to_string();
    for e in m["embeds"].as_array().into_iter().flatten() {
        for k in ["title", "description"] {
            if let Some(t) = e[k].as_str() {
                s.push('\n');
                s.push_str(t);
            }
        }
    }
    s
}

/// The weekly post messages of one group in #general.
fn week_msgs_of(tb: &TestBot, group: i64) -> Vec<Value> {
    tb.fake
        .channel_posts(defaults::GENERAL)
        .into_iter()
        .filter(|m| week_key(m).is_some_and(|(g, _)| g == group))
        .collect()
}

/// Channel posts whose text contains `needle`.
fn posts_containing(tb: &TestBot, channel: u64, needle: &str) -> Vec<Value> {
    tb.fake.channel_posts(channel).into_iter().filter(|m| msg_text(m).contains(needle)).collect()
}

fn reminders(tb: &TestBot) -> Vec<Value> {
    posts_containing(tb, defaults::GENERAL, "Reminder: ")
}

async fn rows(tb: &TestBot, group: i64) -> Vec<PostRow> {
    posts::for_group(&tb.db, support::scope(&tb.db, group).await).await.expect("posts of group")
}

fn id_of(m: &Value) -> u64 {
    m["id"].as_str().expect("message id").parse().expect("numeric id")
}

fn settings(name: &str, channel: u64, start: &str, time: &str, tz: &str) -> GroupSettings {
    GroupSettings {
        name: name.into(),
        channel_id: channel,
        path_id: "architecture".into(),
        schedule: Schedule::from_parts(start, 0, time, tz, 1).expect("test schedule"),
        mention_role_id: None,
    }
}

/// Inserts a group straight into the bot's database (no channel permission check).
async fn insert_group(tb: &TestBot, s: &GroupSettings) -> i64 {
    let now = tb.clock.now();
    db_groups::insert_unchecked(&tb.db, defaults::GUILD, s, defaults::ALICE, now)
        .await
        .expect("insert group")
        .expect("name is free")
}

async fn group_cmd(tb: &TestBot, sub: &str) -> String {
    tb.run(Slash::new("group").sub(sub).by(&tb.moderator())).await.text()
}

/// Asserts one tick at `at` posts no weekly post.
async fn tick_posts_no_week(tb: &TestBot, at: &str) {
    let before = week_posts(tb, defaults::GENERAL).len();
    tb.set_now(at);
    let r = tb.tick().await;
    assert_eq!(r.failed, 0, "{r:?}");
    assert_eq!(week_posts(tb, defaults::GENERAL).len(), before, "a weekly post went out at {at}");
}

/// Asserts one tick at `at` posts exactly week `week` of `group` (and nothing else weekly).
async fn tick_posts_week(tb: &TestBot, at: &str, group: i64, week: u32) -> Value {
    let before = week_posts(tb, defaults::GENERAL).len();
    tb.set_now(at);
    let r = tb.tick().await;
    assert_eq!(r.failed, 0, "{r:?}");
    let all = week_posts(tb, defaults::GENERAL);
    assert_eq!(all.len(), before + 1, "expected one weekly post at {at}: {all:?}");
    assert_eq!(all.last(), Some(&(group, week)), "at {at}");
    week_msgs_of(tb, group).pop().expect("the post")
}

/// The weekly post shows the right week: title, content, Check in button, discussion thread.
fn assert_week_post(tb: &TestBot, m: &Value, group: i64, name: &str, path: &str, week: u32) {
    let title = week_title(path, week);
    let embed_title = m["embeds"][0]["title"].as_str().unwrap_or("");
    assert_eq!(embed_title, format!("Week {week} of {}: {title}", path_len(path)));
    let content = m["content"].as_str().unwrap_or("");
    assert!(content.contains(&format!("for **{name}**: week {week}.")), "{content}");
    let buttons: Vec<(String, String)> = m["components"][0]["components"]
        .as_array()
        .expect("buttons")
        .iter()
        .map(|b| (b["label"].as_str().unwrap_or("").to_string(), b["custom_id"].as_str().unwrap_or("").to_string()))
        .collect();
    assert!(
        buttons.contains(&("Check in".to_string(), CustomId::CheckIn { group_id: group, week }.encode())),
        "{buttons:?}"
    );
    let id = m["id"].as_str().unwrap();
    let thread = tb
        .fake
        .threads()
        .into_iter()
        .find(|t| t["id"].as_str() == Some(id))
        .unwrap_or_else(|| panic!("no discussion thread for week {week}"));
    assert_eq!(thread["name"].as_str().unwrap(), format!("Week {week}: {title}").chars().take(100).collect::<String>());
    assert_eq!(thread["parent_id"].as_str().unwrap(), defaults::GENERAL.to_string());
}

// ---------------------------------------------------------------------------------------------
// 1. Local time across DST
// ---------------------------------------------------------------------------------------------

/// Mondays 18:00 Europe/Berlin around 2027-03-28 (CET -> CEST): weeks 1 and 2 at 17:00Z,
/// week 3 at 16:00Z; never a second earlier, never an hour late.
#[tokio::test]
async fn posts_at_berlin_local_time_across_the_spring_dst_change() {
    let tb = TestBot::start(Mode::Tls, "2027-03-10T12:00:00Z").await;
    let g = tb.create_group("Berlin evenings", "architecture", "2027-03-15", 0, "18:00", "Europe/Berlin").await;

    tick_posts_no_week(&tb, "2027-03-15T16:59:59Z").await;
    let m = tick_posts_week(&tb, "2027-03-15T17:00:00Z", g, 1).await;
    assert_week_post(&tb, &m, g, "Berlin evenings", "architecture", 1);

    tick_posts_no_week(&tb, "2027-03-22T16:59:59Z").await;
    let m = tick_posts_week(&tb, "2027-03-22T17:00:00Z", g, 2).await;
    assert_week_post(&tb, &m, g, "Berlin evenings", "architecture", 2);

    // After the change 18:00 local is 16:00Z; a fixed +01:00 offset would post at 17:00Z.
    tick_posts_no_week(&tb, "2027-03-29T15:59:59Z").await;
    let m = tick_posts_week(&tb, "2027-03-29T16:00:00Z", g, 3).await;
    assert_week_post(&tb, &m, g, "Berlin evenings", "architecture", 3);
    tick_posts_no_week(&tb, "2027-03-29T17:00:00Z").await;

    // The database agrees: sessions 0, 1, 2 are weeks 1, 2, 3, all sent.
    let sent: Vec<(u32, Option<u32>, PostState)> = rows(&tb, g)
        .await
        .into_iter()
        .filter(|p| p.kind == PostKind::Week)
        .map(|p| (p.session, p.week, p.state))
        .collect();
    assert_eq!(sent, vec![(0, Some(1), PostState::Sent), (1, Some(2), PostState::Sent), (2, Some(3), PostState::Sent)]);
    assert_eq!(tb.fake.threads().len(), 3);
    tb.finish().await;
}

/// Mondays 09:00 America/New_York around 2027-03-14 (EST -> EDT): 14:00Z, then 13:00Z.
#[tokio::test]
async fn posts_at_new_york_local_time_across_the_spring_dst_change() {
    let tb = TestBot::start(Mode::Tls, "2027-03-01T12:00:00Z").await;
    let g = tb.create_group("NY mornings", "senior", "2027-03-08", 0, "09:00", "America/New_York").await;
    tick_posts_no_week(&tb, "2027-03-08T13:59:59Z").await;
    let m = tick_posts_week(&tb, "2027-03-08T14:00:00Z", g, 1).await;
    assert_week_post(&tb, &m, g, "NY mornings", "senior", 1);
    tick_posts_no_week(&tb, "2027-03-15T12:59:59Z").await;
    let m = tick_posts_week(&tb, "2027-03-15T13:00:00Z", g, 2).await;
    assert_week_post(&tb, &m, g, "NY mornings", "senior", 2);
    tick_posts_no_week(&tb, "2027-03-15T14:00:00Z").await;
    tb.finish().await;
}

// ---------------------------------------------------------------------------------------------
// 2. Pause, resume, skip
// ---------------------------------------------------------------------------------------------

/// Pause holds the week across two sessions (no posts, no reminders); resume continues with
/// the week it was on; a skipped session posts a short note and the next one the next week.
#[tokio::test]
async fn pause_resume_and_skip_keep_the_curriculum_week() {
    let tb = TestBot::start(Mode::Tls, "2026-11-20T12:00:00Z").await;
    let g = tb.create_group("Pausers", "architecture", "2026-11-23", 0, "18:00", "UTC").await;
    tick_posts_week(&tb, "2026-11-23T18:00:00Z", g, 1).await;

    tb.set_now("2026-11-24T10:00:00Z");
    let t = group_cmd(&tb, "pause").await;
    assert!(t.contains("Paused **Pausers**"), "{t}");
    let before = tb.fake.channel_posts(defaults::GENERAL).len();
    // Reminder windows and post times of two sessions: nothing at all goes out.
    for at in ["2026-11-29T18:00:00Z", "2026-11-30T18:00:00Z", "2026-12-06T18:00:00Z", "2026-12-07T18:00:00Z"] {
        tb.set_now(at);
        let r = tb.tick().await;
        assert_eq!((r.sent, r.failed), (0, 0), "paused group posted at {at}");
    }
    assert_eq!(tb.fake.channel_posts(defaults::GENERAL).len(), before);
    let t = group_cmd(&tb, "next").await;
    assert!(t.contains("is paused"), "{t}");

    tb.set_now("2026-12-08T10:00:00Z");
    let t = group_cmd(&tb, "resume").await;
    assert!(t.contains("Resumed **Pausers**"), "{t}");
    assert!(t.contains(&format!("<t:{}:F>", utc("2026-12-14T18:00:00Z").timestamp())), "{t}");
    // Week 2, not week 4: the paused sessions did not use up curriculum weeks.
    let m = tick_posts_week(&tb, "2026-12-14T18:00:00Z", g, 2).await;
    assert_week_post(&tb, &m, g, "Pausers", "architecture", 2);

    // Skip the next session (2026-12-21).
    tb.set_now("2026-12-15T10:00:00Z");
    let t = group_cmd(&tb, "skip").await;
    assert!(t.contains("2026-12-21") && t.contains("skipped"), "{t}");
    // No reminder for a skipped session.
    tb.set_now("2026-12-20T18:00:00Z");
    assert_eq!(tb.tick().await.sent, 0);
    tick_posts_no_week(&tb, "2026-12-21T18:00:00Z").await;
    let notes = posts_containing(&tb, defaults::GENERAL, "No session for **Pausers** this week.");
    assert_eq!(notes.len(), 1, "one skip note");
    let note = msg_text(&notes[0]);
    assert!(note.contains("Week 3 continues at the next session."), "{note}");
    assert!(note.chars().count() < 200, "the note is short: {note}");
    assert!(notes[0]["embeds"].as_array().is_none_or(|e| e.is_empty()));
    // Ticking again in the skipped session does not repeat the note.
    tb.set_now("2026-12-22T09:00:00Z");
    assert_eq!(tb.tick().await.sent, 0);

    let m = tick_posts_week(&tb, "2026-12-28T18:00:00Z", g, 3).await;
    assert_week_post(&tb, &m, g, "Pausers", "architecture", 3);
    assert_eq!(week_posts(&tb, defaults::GENERAL), vec![(g, 1), (g, 2), (g, 3)]);
    assert_eq!(posts_containing(&tb, defaults::GENERAL, "No session for").len(), 1);
    tb.finish().await;
}

// ---------------------------------------------------------------------------------------------
// 3. Crash between claim and send
// ---------------------------------------------------------------------------------------------

fn message_requests(tb: &TestBot) -> Vec<Value> {
    tb.fake
        .requests_to("POST", &format!("/channels/{}/messages", defaults::GENERAL))
        .into_iter()
        .filter(|r| r.path == format!("/channels/{}/messages", defaults::GENERAL))
        .map(|r| r.body)
        .collect()
}

/// (a) The claim row was written, then the process died before the send reached Discord:
/// after a restart the post goes out once, with the claim's nonce, and the row is completed.
#[tokio::test]
async fn crash_after_claim_before_send_posts_once_after_restart() {
    let mut tb = TestBot::start(Mode::Tls, "2026-11-20T12:00:00Z").await;
    let g = tb.create_group("Crashers", "architecture", "2026-11-23", 0, "18:00", "UTC").await;
    tb.set_now("2026-11-23T18:00:05Z");
    let claimed = outbox::claim_post(&tb.db, g, PostKind::Week, 0, Some(1), utc("2026-11-23T18:00:05Z"))
        .await
        .unwrap()
        .expect("claimed");
    assert!(tb.fake.channel_posts(defaults::GENERAL).is_empty());

    tb.set_now("2026-11-23T18:03:00Z");
    tb.restart().await;
    let r = tb.tick().await;
    assert_eq!((r.sent, r.failed), (1, 0));
    let posted = tb.fake.channel_posts(defaults::GENERAL);
    assert_eq!(posted.len(), 1);
    assert_eq!(week_key(&posted[0]), Some((g, 1)));
    let bodies = message_requests(&tb);
    assert_eq!(bodies.len(), 1);
    assert_eq!(bodies[0]["nonce"], outbox::post_nonce(g, PostKind::Week, 0));
    assert_eq!(bodies[0]["enforce_nonce"], true);

    let row = rows(&tb, g).await.into_iter().find(|p| p.id == claimed).unwrap();
    assert_eq!(row.state, PostState::Sent);
    assert_eq!(row.message_id, Some(id_of(&posted[0])));
    assert_eq!(row.attempts, 2);
    // Nothing more on later ticks or another restart.
    assert_eq!(tb.tick().await.sent, 0);
    tb.restart().await;
    assert_eq!(tb.tick().await.sent, 0);
    assert_eq!(tb.fake.channel_posts(defaults::GENERAL).len(), 1);
    tb.finish().await;
}

/// (b) The send reached Discord but the row was never completed (the process died after
/// the POST): after a restart the retry with the same nonce gets the first message back,
/// so Discord still holds exactly one post and the row is completed with its id.
#[tokio::test]
async fn crash_after_send_before_complete_does_not_duplicate() {
    let mut tb = TestBot::start(Mode::Tls, "2026-11-20T12:00:00Z").await;
    let g = tb.create_group("Crashers", "architecture", "2026-11-23", 0, "18:00", "UTC").await;

    // Variant 1: the bot's own send went out; roll its row back to 'claimed'.
    tb.set_now("2026-11-23T18:00:00Z");
    assert_eq!(tb.tick().await.sent, 1);
    let first = tb.fake.channel_posts(defaults::GENERAL);
    assert_eq!(first.len(), 1);
    let row = rows(&tb, g).await.into_iter().find(|p| p.kind == PostKind::Week).unwrap();
    tb.db
        .raw_execute(
            "UPDATE posts SET state = 'claimed', message_id = NULL, thread_id = NULL, sent_at = NULL WHERE id = $1",
            &[row.id],
        )
        .await
        .unwrap();
    tb.set_now("2026-11-23T18:01:00Z");
    tb.restart().await;
    let r = tb.tick().await;
    assert_eq!((r.sent, r.failed), (1, 0));
    assert_eq!(tb.fake.channel_posts(defaults::GENERAL).len(), 1, "a second message was created");
    let bodies = message_requests(&tb);
    assert_eq!(bodies.len(), 2, "the retry should reach Discord");
    assert_eq!(bodies[0]["nonce"], bodies[1]["nonce"]);
    let row = rows(&tb, g).await.into_iter().find(|p| p.id == row.id).unwrap();
    assert_eq!(row.state, PostState::Sent);
    assert_eq!(row.message_id, Some(id_of(&first[0])));
    assert_eq!(tb.fake.threads().len(), 1, "one discussion thread");

    // Variant 2: a claimed reminder whose message Discord already holds (sent with the
    // claim's nonce by the process that died), for the next session.
    let at = "2026-11-29T18:00:00Z";
    tb.set_now(at);
    let claimed = outbox::claim_post(&tb.db, g, PostKind::Reminder, 1, Some(2), utc(at)).await.unwrap().unwrap();
    let nonce = outbox::post_nonce(g, PostKind::Reminder, 1);
    let http = tb.fake.proxy_http();
    let pre = serenity::all::ChannelId::new(defaults::GENERAL)
        .send_message(
            &http,
            serenity::all::CreateMessage::new()
                .content("Reminder: sent before the crash")
                .allowed_mentions(studybot::render::no_pings())
                .nonce(serenity::all::Nonce::String(nonce.clone()))
                .enforce_nonce(true),
        )
        .await
        .unwrap();
    tb.restart().await;
    let r = tb.tick().await;
    assert_eq!((r.sent, r.failed), (1, 0));
    assert_eq!(reminders(&tb).len(), 1, "{:?}", reminders(&tb));
    let row = rows(&tb, g).await.into_iter().find(|p| p.id == claimed).unwrap();
    assert_eq!((row.state, row.message_id), (PostState::Sent, Some(pre.id.get())));
    assert_eq!(tb.tick().await.sent, 0);
    tb.finish().await;
}

/// (c) Beyond the nonce window: the send reached Discord, the process died before completing
/// the row, and the bot came back 30 minutes later, when Discord no longer matches the nonce
/// (the fake forgets it after 1 ms here). The retry finds its earlier message in the
/// channel's history and completes the row with it: one post, one thread, no second send.
/// The same for a reminder, whose DMs went out before the crash and are not sent again.
#[tokio::test]
async fn a_post_retried_after_the_nonce_window_is_found_in_the_channel_not_sent_again() {
    let fake = fake_discord::FakeDiscord::builder().nonce_window(std::time::Duration::from_millis(1)).start().await;
    let mut tb = TestBot::start_with(fake, Mode::Tls, "2026-11-20T12:00:00Z").await;
    let g = tb.create_group("Late", "architecture", "2026-11-23", 0, "18:00", "UTC").await;
    let week1 = tick_posts_week(&tb, "2026-11-23T18:00:00Z", g, 1).await;
    // Another bot message that looks like nothing of ours, and a member's message, come after.
    tb.fake.post_as_user(defaults::GENERAL, defaults::BOB, "anyone started the reading?");
    let row = rows(&tb, g).await.into_iter().find(|p| p.kind == PostKind::Week).unwrap();
    tb.db
        .raw_execute(
            "UPDATE posts SET state = 'claimed', message_id = NULL, thread_id = NULL, sent_at = NULL WHERE id = $1",
            &[row.id],
        )
        .await
        .unwrap();
    let thread = tb.fake.threads()[0]["id"].as_str().unwrap().parse::<u64>().unwrap();
    tb.set_now("2026-11-23T18:30:00Z");
    tb.restart().await;
    let r = tb.tick().await;
    assert_eq!((r.sent, r.failed), (1, 0));
    assert_eq!(week_posts(&tb, defaults::GENERAL), vec![(g, 1)], "one post");
    assert_eq!(message_requests(&tb).len(), 1, "the retry did not send again");
    assert_eq!(tb.fake.threads().len(), 1, "one discussion thread");
    let done = studybot::db::posts::for_group(&tb.db, support::scope(&tb.db, g).await).await.unwrap();
    let done = done.iter().find(|p| p.id == row.id).unwrap();
    assert_eq!((done.state, done.message_id), (PostState::Sent, Some(id_of(&week1))));
    let stored_thread = tb.db.raw_integers("SELECT thread_id FROM posts WHERE id = $1", &[row.id]).await.unwrap()[0];
    assert_eq!(stored_thread, Some(thread as i64));

    // A reminder: bob opted in to DMs and belongs to the group (checked in for week 1).
    tb.set_now("2026-11-24T09:00:00Z");
    tb.run(Slash::new("remind").integer("setting", 0).by(&tb.member())).await;
    tb.run(Slash::new("checkin").integer("status", 0).number("hours", 3.0).integer("confidence", 4).by(&tb.member()))
        .await;
    tb.set_now("2026-11-29T18:00:00Z");
    assert_eq!(tb.tick().await.sent, 1);
    assert_eq!((reminders(&tb).len(), tb.reminder_dms(defaults::BOB).len()), (1, 1));
    let reminder = rows(&tb, g).await.into_iter().find(|p| p.kind == PostKind::Reminder).unwrap();
    tb.db
        .raw_execute("UPDATE posts SET state = 'claimed', message_id = NULL WHERE id = $1", &[reminder.id])
        .await
        .unwrap();
    tb.set_now("2026-11-29T18:45:00Z");
    tb.restart().await;
    assert_eq!(tb.tick().await.sent, 1);
    assert_eq!(reminders(&tb).len(), 1, "one reminder in the channel");
    assert_eq!(tb.reminder_dms(defaults::BOB).len(), 1, "one reminder DM");
    let reminder = rows(&tb, g).await.into_iter().find(|p| p.kind == PostKind::Reminder).unwrap();
    assert_eq!(reminder.state, PostState::Sent);
    tb.finish().await;
}

/// Without the lookup the test above would be meaningless: past the window the fake makes a
/// second message for the same nonce, as Discord does.
#[tokio::test]
async fn past_the_nonce_window_the_fake_makes_a_second_message() {
    let fake = fake_discord::FakeDiscord::builder().nonce_window(std::time::Duration::from_millis(1)).start().await;
    let http = fake.proxy_http();
    let send = || {
        serenity::all::ChannelId::new(defaults::GENERAL).send_message(
            &http,
            serenity::all::CreateMessage::new()
                .content("twice")
                .nonce(serenity::all::Nonce::String("n1".into()))
                .enforce_nonce(true),
        )
    };
    let a = send().await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let b = send().await.unwrap();
    assert_ne!(a.id, b.id);
    assert_eq!(fake.channel_messages(defaults::GENERAL).len(), 2);
}

// ---------------------------------------------------------------------------------------------
// 4. Downtime
// ---------------------------------------------------------------------------------------------

/// The bot is down from before week 2's post until after week 3's: on the way back only the
/// current week (3) is posted, exactly once, however many ticks and restarts follow.
#[tokio::test]
async fn downtime_over_post_times_catches_up_the_current_week_once() {
    let mut tb = TestBot::start(Mode::Tls, "2026-11-20T12:00:00Z").await;
    let g = tb.create_group("Sleepers", "architecture", "2026-11-23", 0, "18:00", "UTC").await;
    tick_posts_week(&tb, "2026-11-23T18:00:00Z", g, 1).await;
    tb.set_now("2026-11-26T12:00:00Z");
    assert_eq!(tb.tick().await.sent, 0);

    // Down over 2026-11-30 18:00 (week 2) and 2026-12-07 18:00 (week 3).
    tb.set_now("2026-12-08T09:00:00Z");
    tb.restart().await;
    let r1 = tb.tick().await;
    let r2 = tb.tick().await;
    assert_eq!((r1.sent, r2.sent), (1, 0));
    assert_eq!(week_posts(&tb, defaults::GENERAL), vec![(g, 1), (g, 3)]);
    tb.clock.advance(chrono::Duration::hours(1));
    tb.restart().await;
    assert_eq!(tb.tick().await.sent, 0);
    assert_eq!(week_posts(&tb, defaults::GENERAL), vec![(g, 1), (g, 3)]);
    assert!(reminders(&tb).is_empty(), "no stale reminders after downtime");
    // And it carries on normally.
    tick_posts_week(&tb, "2026-12-14T18:00:00Z", g, 4).await;
    tb.finish().await;
}

// ---------------------------------------------------------------------------------------------
// 5. 200 groups at the same minute under rate limits
// ---------------------------------------------------------------------------------------------

async fn insert_many(tb: &TestBot, n: usize) -> Vec<i64> {
    let mut ids = Vec::new();
    for i in 0..n {
        let s = settings(&format!("Group {i:03}"), defaults::GENERAL, "2026-11-23", "18:00", "UTC");
        ids.push(insert_group(tb, &s).await);
    }
    ids
}

fn assert_one_week1_post_each(tb: &TestBot, ids: &[i64]) {
    let posted = week_posts(tb, defaults::GENERAL);
    assert_eq!(posted.len(), ids.len(), "week posts");
    let distinct: HashSet<(i64, u32)> = posted.iter().copied().collect();
    assert_eq!(distinct.len(), ids.len(), "duplicates among the posts");
    let want: HashSet<(i64, u32)> = ids.iter().map(|g| (*g, 1)).collect();
    assert_eq!(distinct, want);
}

/// HTTPS with serenity's own rate limiter: 429s (bucket and global) are waited out by
/// serenity; all 200 posts go out in one tick, once each.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_groups_post_once_under_429s_with_serenitys_rate_limiter() {
    let tb = TestBot::start(Mode::Tls, "2026-11-23T12:00:00Z").await;
    let ids = insert_many(&tb, 200).await;
    tb.fake.inject(Fault::rate_limit("POST", "/api/v10/channels").times(6).retry_after(0.2));
    tb.fake.inject(Fault::rate_limit("POST", "/api/v10/channels").global().times(1).retry_after(0.2));
    tb.set_now("2026-11-23T18:00:30Z");
    let started = std::time::Instant::now();
    let r = within(60.0, "tick of 200 groups (TLS)", tb.tick()).await;
    eprintln!("TLS: 200 posts in {:?}, {} x 429", started.elapsed(), tb.fake.count_429());
    assert_eq!((r.sent, r.failed, r.groups), (200, 0, 200));
    assert!(tb.fake.count_429() >= 7, "429s served: {}", tb.fake.count_429());
    assert_one_week1_post_each(&tb, &ids);
    assert_eq!(tb.fake.threads().len(), 200, "every post got its thread");
    for g in &ids {
        let r = rows(&tb, *g).await;
        assert_eq!(r.len(), 1);
        assert_eq!((r[0].state, r[0].attempts), (PostState::Sent, 1));
    }
    assert_eq!(tb.tick().await.sent, 0);
    assert_one_week1_post_each(&tb, &ids);
    tb.finish().await;
}

/// Proxy mode (no serenity rate limiter): the scheduler retries a 429 a few times itself; a
/// post that still fails is recorded and retried on a later tick after its backoff. All 200
/// go out, none twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_groups_post_once_under_429s_in_proxy_mode() {
    let tb = TestBot::start(Mode::Proxy, "2026-11-23T12:00:00Z").await;
    let ids = insert_many(&tb, 200).await;
    // One post gets 429 on all four attempts (fails), another on two (then succeeds). The
    // groups are delivered concurrently, so the faults follow the posts' nonces.
    let nonce = |g: i64| outbox::post_nonce(g, PostKind::Week, 0);
    tb.fake.inject(Fault::rate_limit("POST", "/api/v10/channels").nonce(&nonce(ids[0])).times(4).retry_after(0.2));
    tb.fake.inject(Fault::rate_limit("POST", "/api/v10/channels").nonce(&nonce(ids[1])).times(2).retry_after(0.2));
    tb.set_now("2026-11-23T18:00:30Z");
    let started = std::time::Instant::now();
    let r = within(60.0, "tick of 200 groups (proxy)", tb.tick()).await;
    eprintln!("proxy: first tick {:?}, {r:?}", started.elapsed());
    assert_eq!(tb.fake.count_429(), 6);
    assert_eq!(r.groups, 200);
    assert!(r.failed >= 1, "{r:?}");
    assert_eq!(r.sent + r.failed, 200, "{r:?}");
    let failed: Vec<i64> = {
        let mut v = Vec::new();
        for g in &ids {
            if rows(&tb, *g).await.iter().any(|p| p.state == PostState::Failed) {
                v.push(*g);
            }
        }
        v
    };
    assert_eq!(failed.len(), r.failed);
    let row = db_groups::get(&tb.db, defaults::GUILD, failed[0]).await.unwrap().unwrap();
    assert!(row.last_error.as_ref().is_some_and(|e| e.text.contains("429")), "{:?}", row.last_error);

    // Immediately again: still within the backoff, nothing is retried.
    let r2 = tb.tick().await;
    assert_eq!((r2.sent, r2.failed), (0, 0));
    // After the backoff the failed posts go out.
    let mut rounds = 0;
    while week_posts(&tb, defaults::GENERAL).len() < 200 {
        rounds += 1;
        assert!(rounds <= 5, "posts still missing after {rounds} retry rounds");
        tb.clock.advance(chrono::Duration::minutes(2));
        tb.tick().await;
    }
    assert_one_week1_post_each(&tb, &ids);
    let row = db_groups::get(&tb.db, defaults::GUILD, failed[0]).await.unwrap().unwrap();
    assert_eq!(row.last_error, None, "a successful retry clears the error");
    tb.clock.advance(chrono::Duration::minutes(30));
    assert_eq!(tb.tick().await.sent, 0);
    assert_one_week1_post_each(&tb, &ids);
    eprintln!("proxy: all 200 out after {:?}", started.elapsed());
    tb.finish().await;
}

// ---------------------------------------------------------------------------------------------
// 6. A channel without permission
// ---------------------------------------------------------------------------------------------

/// Two groups due at once, one in #readonly: the other still posts; the failure is stored on
/// the group and shown by `/group list`.
#[tokio::test]
async fn a_channel_without_permission_does_not_block_other_groups() {
    let tb = TestBot::start(Mode::Tls, "2026-11-20T12:00:00Z").await;
    let bad = insert_group(&tb, &settings("Readonly group", defaults::READONLY, "2026-11-23", "18:00", "UTC")).await;
    let good = tb.create_group("Good group", "architecture", "2026-11-23", 0, "18:00", "UTC").await;
    assert!(bad < good, "the failing group is scheduled first");

    tb.set_now("2026-11-23T18:00:00Z");
    let r = tb.tick().await;
    assert_eq!((r.sent, r.failed, r.groups), (1, 1, 2));
    assert_eq!(week_posts(&tb, defaults::GENERAL), vec![(good, 1)]);
    assert!(tb.fake.channel_posts(defaults::READONLY).is_empty());

    let row = db_groups::get(&tb.db, defaults::GUILD, bad).await.unwrap().unwrap();
    let err = row.last_error.expect("error recorded");
    assert!(err.text.contains("lacks Send Messages in <#4001>"), "{}", err.text);
    assert_eq!(err.at, tb.clock.now(), "the failure is stamped with the time it happened");
    let ok = db_groups::get(&tb.db, defaults::GUILD, good).await.unwrap().unwrap();
    assert_eq!(ok.last_error, None);

    let list = group_cmd(&tb, "list").await;
    let line = list.lines().skip_while(|l| !l.contains("Readonly group")).nth(1).unwrap_or_else(|| panic!("{list}"));
    assert!(line.contains("Last post failed") && line.contains("lacks Send Messages"), "{list}");
    assert_eq!(list.matches("Last post failed").count(), 1, "{list}");

    // The permission was checked before sending (nothing was tried there), and a missing
    // permission is not retried: no loop against it, nothing posted twice here.
    assert!(tb.fake.requests_to("POST", &format!("/channels/{}/messages", defaults::READONLY)).is_empty());
    tb.clock.advance(chrono::Duration::minutes(2));
    let r = tb.tick().await;
    assert_eq!((r.sent, r.failed), (0, 0));
    assert_eq!(week_posts(&tb, defaults::GENERAL), vec![(good, 1)]);
    tb.finish().await;
}

// ---------------------------------------------------------------------------------------------
// 7. Reminders
// ---------------------------------------------------------------------------------------------

/// 24 h before a session: one reminder in the channel with the check-in count and no pings,
/// and one DM to each member of the group who turned reminder DMs on; never twice.
/// A group starting Monday 2026-11-23 18:00 UTC. alice turns reminder DMs on before any
/// group exists (so she belongs to none), bob turns them on once it exists (which joins him
/// to it) and checks in for week 1. Runs to the reminder 24 h before week 2 and returns the
/// group and that reminder's text.
async fn reminded_to_week_2(tb: &TestBot) -> (i64, String) {
    let t = tb.run(Slash::new("remind").integer("setting", 0).by(&tb.moderator())).await.text();
    assert!(t.contains("Reminder DMs are on") && t.contains("/join"), "{t}");
    let g = tb.create_group("Reminded", "architecture", "2026-11-23", 0, "18:00", "UTC").await;
    let t = tb.run(Slash::new("remind").integer("setting", 0).by(&tb.member())).await.text();
    assert!(t.contains("You are in **Reminded**") && t.contains("I sent you a first DM"), "{t}");
    assert_eq!(tb.fake.dm_messages(defaults::BOB).len(), 1, "the first DM of /remind on");

    // The reminder before week 1: bob joined with `/remind on`, so he gets it before his
    // first check-in; alice belongs to no group.
    tb.set_now("2026-11-22T17:59:59Z");
    assert_eq!(tb.tick().await.sent, 0);
    tb.set_now("2026-11-22T18:00:00Z");
    assert_eq!(tb.tick().await.sent, 1);
    assert_eq!(reminders(tb).len(), 1);
    assert_eq!(tb.reminder_dms(defaults::BOB).len(), 1);
    assert!(tb.reminder_dms(defaults::ALICE).is_empty());

    tick_posts_week(tb, "2026-11-23T18:00:00Z", g, 1).await;
    tb.set_now("2026-11-24T09:00:00Z");
    let t = tb
        .run(Slash::new("checkin").integer("status", 0).number("hours", 3.0).integer("confidence", 4).by(&tb.member()))
        .await
        .text();
    assert!(t.to_lowercase().contains("week 1"), "{t}");

    // Just before the window: nothing; at 24 h before week 2: the reminder.
    tb.set_now("2026-11-29T17:59:59Z");
    assert_eq!(tb.tick().await.sent, 0);
    tb.set_now("2026-11-29T18:00:00Z");
    let r = tb.tick().await;
    assert_eq!((r.sent, r.failed), (1, 0));
    let all = reminders(tb);
    assert_eq!(all.len(), 2);
    (g, all[1]["content"].as_str().unwrap().to_string())
}

#[tokio::test]
async fn a_reminder_names_the_next_week_and_its_time_and_mentions_nobody() {
    let tb = TestBot::start(Mode::Tls, "2026-11-20T12:00:00Z").await;
    let (_, text) = reminded_to_week_2(&tb).await;
    let at = utc("2026-11-30T18:00:00Z").timestamp();
    assert!(text.contains("**Reminded** moves on to week 2"), "{text}");
    assert!(text.contains(&week_title("architecture", 2)), "{text}");
    assert!(text.contains(&format!("<t:{at}:R>")), "{text}");
    assert!(text.contains("So far 1 member checked in for week 1."), "{text}");
    assert!(!text.contains("<@"), "the reminder must not mention anyone: {text}");
    let body = message_requests(&tb)
        .into_iter()
        .rfind(|b| b["content"].as_str() == Some(text.as_str()))
        .expect("reminder request");
    let am = &body["allowed_mentions"];
    assert!(am.is_object(), "allowed_mentions must be set: {body}");
    assert_eq!(am["parse"], serde_json::json!([]), "{am}");
    for k in ["users", "roles"] {
        assert!(am[k].as_array().is_none_or(|a| a.is_empty()), "{am}");
    }
    tb.finish().await;
}

#[tokio::test]
async fn opted_in_members_of_the_group_get_the_reminder_as_a_dm_and_others_do_not() {
    let tb = TestBot::start(Mode::Tls, "2026-11-20T12:00:00Z").await;
    let (_, text) = reminded_to_week_2(&tb).await;
    // bob (opted in, member) gets the same text; alice (opted in, not a member) nothing.
    let dms = tb.reminder_dms(defaults::BOB);
    assert_eq!(dms.len(), 2, "{dms:?}");
    assert_eq!(dms[1]["content"].as_str(), Some(text.as_str()));
    assert!(tb.reminder_dms(defaults::ALICE).is_empty());
    tb.finish().await;
}

#[tokio::test]
async fn a_reminder_is_never_sent_twice_for_a_session_even_across_a_restart() {
    let mut tb = TestBot::start(Mode::Tls, "2026-11-20T12:00:00Z").await;
    reminded_to_week_2(&tb).await;
    tb.set_now("2026-11-30T12:00:00Z");
    assert_eq!(tb.tick().await.sent, 0);
    tb.restart().await;
    assert_eq!(tb.tick().await.sent, 0);
    tb.set_now("2026-11-30T17:59:00Z");
    assert_eq!(tb.tick().await.sent, 0);
    assert_eq!(reminders(&tb).len(), 2);
    assert_eq!(tb.reminder_dms(defaults::BOB).len(), 2);
    tb.finish().await;
}

#[tokio::test]
async fn turning_dms_off_stops_them_and_one_members_closed_dms_do_not_stop_the_others() {
    let tb = TestBot::start(Mode::Tls, "2026-11-20T12:00:00Z").await;
    let (g, _) = reminded_to_week_2(&tb).await;
    // Turning DMs off stops them; the channel reminder stays.
    tick_posts_week(&tb, "2026-11-30T18:00:00Z", g, 2).await;
    tb.run(Slash::new("remind").integer("setting", 1).by(&tb.member())).await;
    tb.set_now("2026-12-06T18:00:00Z");
    assert_eq!(tb.tick().await.sent, 1);
    assert_eq!(reminders(&tb).len(), 3);
    assert_eq!(tb.reminder_dms(defaults::BOB).len(), 2);

    // One member's closed DMs do not stop the others' (nor fail the reminder).
    let checkin = Slash::new("checkin").integer("status", 1).number("hours", 1.5).integer("confidence", 3);
    tb.run(checkin.by(&tb.moderator())).await;
    tb.run(Slash::new("remind").integer("setting", 0).by(&tb.member())).await;
    tb.fake.close_dms(defaults::BOB);
    tick_posts_week(&tb, "2026-12-07T18:00:00Z", g, 3).await;
    tb.set_now("2026-12-13T18:00:00Z");
    let r = tb.tick().await;
    assert_eq!((r.sent, r.failed), (1, 0));
    assert_eq!(reminders(&tb).len(), 4);
    let alice = tb.reminder_dms(defaults::ALICE);
    assert_eq!(alice.len(), 1, "{alice:?}");
    assert!(alice[0]["content"].as_str().unwrap().contains("moves on to week 4"));
    assert_eq!(tb.reminder_dms(defaults::BOB).len(), 2);
    tb.finish().await;
}

#[tokio::test]
async fn a_group_created_or_resumed_inside_the_reminder_window_gets_no_reminder_for_it() {
    // Created 22 h before its first post: no "moves on to week 1" out of nowhere.
    let tb = TestBot::start(Mode::Tls, "2026-11-22T20:00:00Z").await;
    let g = tb.create_group("Late", "architecture", "2026-11-23", 0, "18:00", "UTC").await;
    assert_eq!(tb.tick().await.sent, 0);
    tb.set_now("2026-11-23T17:59:00Z");
    assert_eq!(tb.tick().await.sent, 0);
    assert!(reminders(&tb).is_empty());
    tick_posts_week(&tb, "2026-11-23T18:00:00Z", g, 1).await;

    // Paused over the reminder time of week 2 and resumed 2 h before its post: no reminder.
    tb.set_now("2026-11-27T12:00:00Z");
    assert!(group_cmd(&tb, "pause").await.contains("Paused"));
    tb.set_now("2026-11-30T16:00:00Z");
    assert_eq!(tb.tick().await.sent, 0);
    assert!(group_cmd(&tb, "resume").await.contains("Resumed"));
    assert_eq!(tb.tick().await.sent, 0);
    assert!(reminders(&tb).is_empty());
    tick_posts_week(&tb, "2026-11-30T18:00:00Z", g, 2).await;

    // The next reminder, due after the resume, goes out as usual.
    tb.set_now("2026-12-06T18:00:00Z");
    assert_eq!(tb.tick().await.sent, 1);
    assert_eq!(reminders(&tb).len(), 1);
    tb.finish().await;
}

// ---------------------------------------------------------------------------------------------
// 8. /group post-now and /group next
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn post_now_posts_the_current_week_once_and_next_shows_local_time() {
    let tb = TestBot::start(Mode::Tls, "2026-11-20T12:00:00Z").await;
    let g = tb.create_group("Eager", "architecture", "2026-11-23", 0, "18:00", "Europe/Berlin").await;

    // Not started yet: a clear refusal, nothing posted.
    let t = group_cmd(&tb, "post-now").await;
    assert!(t.contains("has not started yet"), "{t}");
    assert!(tb.fake.channel_posts(defaults::GENERAL).is_empty());

    // /group next before the start: week 1 at 18:00 CET = 17:00Z.
    let t = group_cmd(&tb, "next").await;
    let first = utc("2026-11-23T17:00:00Z").timestamp();
    assert!(t.contains("week 1 on Monday 2026-11-23 18:00 CET"), "{t}");
    assert!(t.contains(&format!("<t:{first}:F>")), "{t}");
    assert!(t.contains(&format!("reminder goes out <t:{}:F>", first - 24 * 3600)), "{t}");

    // During week 2 (posted by nobody yet): post-now sends week 2, once.
    tb.set_now("2026-12-01T08:00:00Z");
    let t = group_cmd(&tb, "post-now").await;
    assert!(t.contains("Posted this week's session of **Eager**"), "{t}");
    assert_eq!(week_posts(&tb, defaults::GENERAL), vec![(g, 2)]);
    let m = week_msgs_of(&tb, g).pop().unwrap();
    assert_week_post(&tb, &m, g, "Eager", "architecture", 2);
    let t = group_cmd(&tb, "post-now").await;
    assert!(t.contains("already out"), "{t}");
    assert_eq!(tb.fake.channel_posts(defaults::GENERAL).len(), 1);
    // The scheduler agrees it is out.
    assert_eq!(tb.tick().await.sent, 0);
    assert_eq!(tb.fake.channel_posts(defaults::GENERAL).len(), 1);

    // /group next: week 3 on 2026-12-07 18:00 CET (17:00Z) in the group's local time.
    let t = group_cmd(&tb, "next").await;
    let ts = utc("2026-12-07T17:00:00Z").timestamp();
    assert!(t.contains("week 3 on Monday 2026-12-07 18:00 CET"), "{t}");
    assert!(t.contains(&format!("<t:{ts}:F>")), "{t}");
    assert!(t.contains(&format!("<t:{ts}:R>")), "{t}");

    // A tick and /group post-now at the same moment (week 3): one post between them.
    tb.set_now("2026-12-07T17:00:10Z");
    let cmd = Slash::new("group").sub("post-now").by(&tb.moderator());
    let (reply, report) = tokio::join!(tb.run(cmd), tb.tick());
    let t = reply.text();
    assert!(t.contains("Posted") || t.contains("already out"), "{t}");
    assert_eq!(usize::from(t.contains("Posted")) + report.sent, 1, "{t} / {report:?}");
    assert_eq!(week_posts(&tb, defaults::GENERAL), vec![(g, 2), (g, 3)]);
    tb.finish().await;
}

// ---------------------------------------------------------------------------------------------
// 9. Closing post
// ---------------------------------------------------------------------------------------------

/// The 15-week senior path: 15 weekly posts, then exactly one closing post, then silence.
#[tokio::test]
async fn a_finished_path_gets_exactly_one_closing_post() {
    let mut tb = TestBot::start(Mode::Tls, "2026-11-20T12:00:00Z").await;
    let g = tb.create_group("Seniors", "senior", "2026-11-23", 0, "18:00", "UTC").await;
    assert_eq!(path_len("senior"), 15);
    let first = utc("2026-11-23T18:00:00Z");
    for k in 0..15u32 {
        let at = first + chrono::Duration::weeks(k as i64);
        tick_posts_week(&tb, &at.to_rfc3339(), g, k + 1).await;
    }
    let closing_title = "Seniors has finished Senior Engineer Path";
    assert!(posts_containing(&tb, defaults::GENERAL, closing_title).is_empty());

    // Session 15: no week 16, one closing post instead (and no reminder before it).
    let after = first + chrono::Duration::weeks(15);
    tb.clock.set(after - chrono::Duration::hours(24));
    assert_eq!(tb.tick().await.sent, 0, "no reminder for a session past the end");
    tb.clock.set(after);
    let r = tb.tick().await;
    assert_eq!((r.sent, r.failed), (1, 0));
    let closing = posts_containing(&tb, defaults::GENERAL, closing_title);
    assert_eq!(closing.len(), 1);
    assert!(msg_text(&closing[0]).contains("last of 15 weeks"), "{}", msg_text(&closing[0]));
    assert_eq!(week_posts(&tb, defaults::GENERAL).len(), 15);

    // Later ticks, later sessions, a restart: nothing more.
    assert_eq!(tb.tick().await.sent, 0);
    tb.clock.set(after + chrono::Duration::weeks(1));
    assert_eq!(tb.tick().await.sent, 0);
    tb.restart().await;
    tb.clock.set(after + chrono::Duration::weeks(10));
    assert_eq!(tb.tick().await.sent, 0);
    assert_eq!(posts_containing(&tb, defaults::GENERAL, closing_title).len(), 1);
    let t = group_cmd(&tb, "next").await;
    assert!(t.contains("has finished its path"), "{t}");
    let closings = rows(&tb, g).await.into_iter().filter(|p| p.kind == PostKind::Closing).count();
    assert_eq!(closings, 1);
    tb.finish().await;
}

/// Behind a proxy (no serenity rate limiter) a 429 on the thread creation is retried like
/// one on the post itself: the weekly post still gets its discussion thread.
#[tokio::test]
async fn a_429_on_the_thread_creation_is_retried_in_proxy_mode() {
    let tb = TestBot::start(Mode::Proxy, "2026-11-20T12:00:00Z").await;
    let g = tb.create_group("Threads", "architecture", "2026-11-23", 0, "18:00", "UTC").await;
    // Only `/channels/4000/messages/{id}/threads` starts with this prefix, not the post.
    let prefix = format!("/api/v10/channels/{}/messages/", defaults::GENERAL);
    tb.fake.inject(Fault::rate_limit("POST", &prefix).times(1).retry_after(0.1));
    let m = tick_posts_week(&tb, "2026-11-23T18:00:00Z", g, 1).await;
    assert_eq!(tb.fake.count_429(), 1);
    assert_week_post(&tb, &m, g, "Threads", "architecture", 1);
    tb.finish().await;
}

/// An outage across a whole post slot: the week is recorded as missed by the bot, the next
/// weekly post says so once (naming it, linking nothing), `/group list` and the report show
/// it, and it is not a held week: no streak breaks and nobody is at-risk because of it.
#[tokio::test]
async fn an_outage_across_a_post_slot_is_missed_by_the_bot_and_held_against_nobody() {
    let mut tb = TestBot::start(Mode::Tls, "2026-11-20T12:00:00Z").await;
    let g = tb.create_group("Outage", "architecture", "2026-11-23", 0, "18:00", "UTC").await;
    tick_posts_week(&tb, "2026-11-23T18:00:00Z", g, 1).await;
    tb.set_now("2026-11-24T09:00:00Z");
    let checkin = |by: &fake_discord::Invoker| {
        Slash::new("checkin").integer("status", 0).number("hours", 2.0).integer("confidence", 4).by(by)
    };
    for who in [tb.member(), tb.moderator()] {
        assert!(tb.run(checkin(&who)).await.text().contains("week 1"));
    }
    // The bot is down from before week 2's post (11-30 18:00) until after week 3's began.
    tb.restart().await;
    tb.set_now("2026-12-07T18:30:00Z");
    let r = tb.tick().await;
    assert_eq!((r.sent, r.failed), (1, 0));
    let missed = studybot::db::groups::missed(&tb.db, support::scope(&tb.db, g).await).await.unwrap();
    assert_eq!(missed.iter().map(|m| (m.session, m.week, m.announced)).collect::<Vec<_>>(), [(1, 2, true)]);
    assert_eq!(missed[0].due_at, utc("2026-11-30T18:00:00Z"));

    // Week 3's post names week 2 and how to read it; it links to no post or thread of week 2.
    let posts = week_posts(&tb, defaults::GENERAL);
    assert_eq!(posts, vec![(g, 1), (g, 3)]);
    let post = tb.fake.channel_posts(defaults::GENERAL).into_iter().last().unwrap();
    let content = post["content"].as_str().unwrap();
    let title = week_title("architecture", 2);
    assert!(content.contains(&format!("week 2 (*{title}*)")) && content.contains("`/week number:2`"), "{content}");
    assert!(!content.contains("discord.com/channels") && !content.contains("<#"), "{content}");

    let list = group_cmd(&tb, "list").await;
    assert!(list.contains("Missed by the bot") && list.contains("week 2;"), "{list}");

    // bob checks in for week 3, alice does not: alice missed one held week, not two.
    tb.set_now("2026-12-08T09:00:00Z");
    assert!(tb.run(checkin(&tb.member())).await.text().contains("week 3"));
    let report = tb.run(Slash::new("report").sub("participation").by(&tb.moderator())).await.text();
    assert!(report.contains("   2  missed by the bot (offline)"), "{report}");
    assert!(report.contains("   3        1/2   50%"), "{report}");
    assert!(report.contains("Nobody has missed the last 2 weeks."), "{report}");
    // Week 1 is the only finished held week (2 of 2); week 3 is in progress, shown apart.
    assert!(report.contains("check-in rate 100% over finished weeks"), "{report}");
    assert!(report.contains("Week 3 is in progress: 1 of 2 checked in so far"), "{report}");
    let progress = tb.run(Slash::new("progress").by(&tb.member())).await.text();
    assert!(progress.contains("2 of 2 held") && progress.contains("2 weeks"), "{progress}");

    // Said once: week 4's post does not repeat it.
    tick_posts_week(&tb, "2026-12-14T18:00:00Z", g, 4).await;
    let post = tb.fake.channel_posts(defaults::GENERAL).into_iter().last().unwrap();
    assert!(!post["content"].as_str().unwrap().contains("offline"), "{post}");
    tb.finish().await;
}

/// The job registry: names are unique, and every job runs once on an empty database (on the
/// backend of this run: `.ci/test` runs the suite on SQLite and on PostgreSQL) without a
/// failure, a send or a Discord request beyond the scheduler's own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_registered_job_runs_once_on_an_empty_database() {
    let tb = TestBot::start(Mode::Tls, "2026-11-23T12:00:00Z").await;
    let scheduler = tb.bot.as_ref().expect("bot running").scheduler();
    let names = scheduler.job_names();
    let unique: HashSet<&str> = names.iter().copied().collect();
    assert_eq!(unique.len(), names.len(), "job names are unique: {names:?}");
    for expected in ["weekly_posts", "reminder_dm_retries", "digests", "retention_purge"] {
        assert!(names.contains(&expected), "{expected} is registered: {names:?}");
    }
    let before = tb.fake.requests().len();
    for name in &names {
        let r = within(10.0, name, scheduler.run_job(name, utc("2026-11-23T12:00:00Z"))).await.expect("registered");
        assert_eq!((r.sent, r.failed, r.groups), (0, 0, 0), "{name}: {r:?}");
    }
    assert!(scheduler.run_job("no_such_job", utc("2026-11-23T12:00:00Z")).await.is_none());
    assert_eq!(tb.fake.requests().len(), before, "an empty database sends nothing");
    tb.finish().await;
}
