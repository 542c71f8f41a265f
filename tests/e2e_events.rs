//! Study sessions as Discord scheduled events, end to end: the real bot against the fake
//! Discord (which models scheduled events from Discord's documentation) with a manual clock.
//! `/group events on|off`, the rolling window of the next 2 held sessions across a DST change
//! and a 2-week cadence, every calendar change, voice events the bot starts and ends, a
//! crash between creating an event and recording it, the interested members read back into
//! the week's post and the participation report, and the refusals (permissions, the cap).

mod support;

use fake_discord::{ChannelSpec, FakeDiscord, GuildSpec, Slash, defaults, perms};
use serde_json::Value;
use studybot::db::groups as db_groups;
use support::harness::{Mode, T, TestBot, create_cmd};

const EVENTS_ROLE: u64 = 7100;
const ROOM: u64 = 4100;

/// The default guild, plus a voice channel, with Create Events (and Connect) for the bot.
async fn fake_with_events(bot_perms: u64) -> FakeDiscord {
    let guild = GuildSpec::default_test_guild()
        .channel(ChannelSpec::voice(ROOM, "study-room"))
        .role(EVENTS_ROLE, "Events", bot_perms)
        .member(defaults::BOT_USER, defaults::BOT_NAME, &[EVENTS_ROLE]);
    FakeDiscord::builder().no_default_guild().guild(guild).start().await
}

async fn moderator(tb: &TestBot, cmd: Slash) -> String {
    tb.run(cmd.by(&tb.moderator())).await.text()
}

fn events_on() -> Slash {
    Slash::new("group").group("events").sub("on")
}

/// The upcoming (scheduled or active) events: (start, end, name), by start.
fn upcoming(tb: &TestBot) -> Vec<(String, String, String)> {
    tb.fake
        .scheduled_events(defaults::GUILD)
        .into_iter()
        .filter(|e| matches!(e["status"].as_u64(), Some(1 | 2)))
        .map(|e| {
            let s = |k: &str| e[k].as_str().unwrap_or_default().to_string();
            (s("scheduled_start_time"), s("scheduled_end_time"), s("name"))
        })
        .collect()
}

/// (start, week) of the upcoming events: "W5 · ..." gives 5.
fn starts_weeks(tb: &TestBot) -> Vec<(String, u32)> {
    upcoming(tb)
        .into_iter()
        .map(|(start, _, name)| {
            let week = name.trim_start_matches('W').split(' ').next().unwrap().parse().unwrap();
            (start, week)
        })
        .collect()
}

async fn tick(tb: &TestBot, at: &str) {
    tb.set_now(at);
    let r = tb.tick().await;
    assert_eq!(r.failed, 0, "{r:?}");
}

fn event_requests(tb: &TestBot, method: &str) -> usize {
    tb.fake.requests().iter().filter(|r| r.method == method && r.path.contains("/scheduled-events")).count()
}

fn ts(s: &str) -> String {
    // As the fake writes times: RFC 3339 with milliseconds and "+00:00".
    chrono::DateTime::parse_from_rfc3339(s).unwrap().format("%Y-%m-%dT%H:%M:%S%.3f+00:00").to_string()
}

/// Every 2 weeks on Mondays at 18:00 in Berlin from 2027-03-15: the first session is in
/// winter time (17:00 UTC), the second after the change of 2027-03-28 (16:00 UTC). Each
/// calendar change keeps exactly the events of the next two held sessions.
#[tokio::test]
async fn events_follow_the_calendar_across_dst_and_a_two_week_cadence() {
    let fake = fake_with_events(perms::CREATE_EVENTS | perms::CONNECT).await;
    let tb = TestBot::start_with(fake, Mode::Tls, "2027-03-01T12:00:00Z").await;
    let create = create_cmd("Mondays", defaults::GENERAL, "architecture", "2027-03-15", 0, "18:00", "Europe/Berlin")
        .integer("every_weeks", 2);
    assert!(moderator(&tb, create).await.contains("Created **Mondays**"));
    let g = db_groups::list(&tb.db, defaults::GUILD).await.unwrap()[0].id;

    let t = moderator(&tb, events_on().integer("duration", 90)).await;
    assert!(t.contains("**Mondays**'s next 2 sessions") && t.contains("90-minute events"), "{t}");
    tick(&tb, "2027-03-01T12:00:30Z").await;
    let events = upcoming(&tb);
    assert_eq!(
        events.iter().map(|(s, e, _)| (s.clone(), e.clone())).collect::<Vec<_>>(),
        [
            (ts("2027-03-15T17:00:00Z"), ts("2027-03-15T18:30:00Z")),
            (ts("2027-03-29T16:00:00Z"), ts("2027-03-29T17:30:00Z"))
        ]
    );
    assert!(events[0].2.starts_with("W1 · ") && events[0].2.ends_with(" · Mondays"), "{}", events[0].2);
    let first = &tb.fake.scheduled_events(defaults::GUILD)[0];
    assert_eq!(first["entity_type"], 3);
    let channel_link = format!("https://discord.com/channels/{}/{}", defaults::GUILD, defaults::GENERAL);
    assert_eq!(first["entity_metadata"]["location"], channel_link.as_str());
    assert!(first["description"].as_str().unwrap().ends_with(&channel_link), "{first}");

    // Nothing changed: a later tick changes nothing (and is not even due).
    let posts = event_requests(&tb, "POST");
    tick(&tb, "2027-03-01T13:00:00Z").await;
    assert_eq!((event_requests(&tb, "POST"), upcoming(&tb)), (posts, events.clone()));

    // Skip the first session: the window moves on, week 1 moves with it.
    moderator(&tb, Slash::new("group").sub("skip").string("date", "2027-03-15")).await;
    tick(&tb, "2027-03-01T13:01:00Z").await;
    assert_eq!(starts_weeks(&tb), [(ts("2027-03-29T16:00:00Z"), 1), (ts("2027-04-12T16:00:00Z"), 2)]);
    // Undo it: back as it was.
    moderator(&tb, Slash::new("group").sub("unskip").string("date", "2027-03-15")).await;
    tick(&tb, "2027-03-01T13:02:00Z").await;
    assert_eq!(starts_weeks(&tb), [(ts("2027-03-15T17:00:00Z"), 1), (ts("2027-03-29T16:00:00Z"), 2)]);
    // Jump to week 5: renamed in place.
    moderator(&tb, Slash::new("group").sub("jump").integer("week", 5)).await;
    tick(&tb, "2027-03-01T13:03:00Z").await;
    assert_eq!(starts_weeks(&tb), [(ts("2027-03-15T17:00:00Z"), 5), (ts("2027-03-29T16:00:00Z"), 6)]);
    assert_eq!(event_requests(&tb, "DELETE"), 2, "the skip and the unskip removed one event each; the rest were edits");

    // The first session is held: its event is history, the window takes in the third.
    tick(&tb, "2027-03-15T17:00:00Z").await;
    let all = tb.fake.scheduled_events(defaults::GUILD);
    assert_eq!(all[0]["status"], 2, "Discord started the external event: {}", all[0]);
    assert_eq!(starts_weeks(&tb)[1..], [(ts("2027-03-29T16:00:00Z"), 6), (ts("2027-04-12T16:00:00Z"), 7)]);
    // Repeat week 5 at the next session.
    tick(&tb, "2027-03-16T09:00:00Z").await;
    moderator(&tb, Slash::new("group").sub("repeat")).await;
    tick(&tb, "2027-03-16T09:01:00Z").await;
    assert_eq!(starts_weeks(&tb), [(ts("2027-03-29T16:00:00Z"), 5), (ts("2027-04-12T16:00:00Z"), 6)]);
    // Edit the time: the events move (19:00 in Berlin, summer time: 17:00 UTC).
    moderator(&tb, Slash::new("group").sub("edit").string("group", "Mondays").string("time", "19:00")).await;
    tick(&tb, "2027-03-16T09:02:00Z").await;
    assert_eq!(starts_weeks(&tb), [(ts("2027-03-29T17:00:00Z"), 5), (ts("2027-04-12T17:00:00Z"), 6)]);
    // A holiday range: 04-12 to 05-10 (sessions 2 to 4) are skipped.
    moderator(&tb, Slash::new("group").sub("skip").string("date", "2027-04-12").string("until", "2027-05-10")).await;
    tick(&tb, "2027-03-16T09:03:00Z").await;
    assert_eq!(starts_weeks(&tb), [(ts("2027-03-29T17:00:00Z"), 5), (ts("2027-05-24T17:00:00Z"), 6)]);
    // A pause without an end: nothing ahead; resume: back.
    moderator(&tb, Slash::new("group").sub("pause")).await;
    tick(&tb, "2027-03-16T09:04:00Z").await;
    assert_eq!(starts_weeks(&tb), []);
    moderator(&tb, Slash::new("group").sub("resume")).await;
    tick(&tb, "2027-03-16T09:05:00Z").await;
    assert_eq!(starts_weeks(&tb).len(), 2);
    let list = moderator(&tb, Slash::new("group").sub("list")).await;
    assert!(list.contains("📅 Events: the next 2 sessions, 90 minutes"), "{list}");

    // Off: the events to come go; the held one stays as history.
    let t = moderator(&tb, Slash::new("group").group("events").sub("off")).await;
    assert!(t.contains("no longer publishes"), "{t}");
    tick(&tb, "2027-03-16T09:06:00Z").await;
    assert_eq!(starts_weeks(&tb), []);
    assert_eq!(tb.fake.scheduled_events(defaults::GUILD).len(), 1);
    let t = moderator(&tb, Slash::new("group").group("events").sub("off")).await;
    assert!(t.contains("has no events on"), "{t}");
    let rows = tb.db.raw_integers("SELECT COUNT(*) FROM group_events", &[]).await.unwrap();
    assert_eq!(rows, [Some(0)], "turned off with nothing left to delete: the row is gone");

    // On again, then the group is deleted: its events go with it.
    moderator(&tb, events_on()).await;
    tick(&tb, "2027-03-16T09:07:00Z").await;
    assert_eq!(starts_weeks(&tb).len(), 2);
    let r = tb.run(Slash::new("group").sub("delete").string("group", "Mondays").by(&tb.moderator())).await;
    let done = tb.fake.click_button(&tb.moderator(), &r.message, &format!("sb:gd:{g}")).await.wait_reply(T).await;
    assert!(done.content.contains("Deleted **Mondays**"), "{}", done.content);
    tick(&tb, "2027-03-16T09:08:00Z").await;
    assert_eq!(starts_weeks(&tb), []);
    let rows = tb.db.raw_integers("SELECT COUNT(*) FROM session_events", &[]).await.unwrap();
    assert_eq!(rows, [Some(0)]);
    tb.finish().await;
}

/// A process killed after Discord made the event but before the bot recorded it: after the
/// restart the claim is settled by finding the event, never by making a second one; a claim
/// whose request never reached Discord is made once.
#[tokio::test]
async fn a_crash_between_creating_and_recording_leaves_one_event() {
    let fake = fake_with_events(perms::CREATE_EVENTS).await;
    let mut tb = TestBot::start_with(fake, Mode::Tls, "2027-03-01T12:00:00Z").await;
    tb.create_group("Mondays", "architecture", "2027-03-08", 0, "18:00", "UTC").await;
    moderator(&tb, events_on()).await;
    tick(&tb, "2027-03-01T12:00:30Z").await;
    assert_eq!(upcoming(&tb).len(), 2);
    // The state a kill -9 leaves: the first event made in Discord, its row still a claim; the
    // second's claim taken but its request never sent (its event deleted here).
    let second = tb.fake.scheduled_events(defaults::GUILD)[1]["id"].as_str().unwrap().parse::<u64>().unwrap();
    let http = tb.fake.proxy_http();
    http.delete_scheduled_event(
        serenity::model::id::GuildId::new(defaults::GUILD),
        serenity::model::id::ScheduledEventId::new(second),
    )
    .await
    .unwrap();
    tb.db.raw_execute("UPDATE session_events SET event_id = NULL", &[]).await.unwrap();
    // The pass never finished: the group is still due from when events were turned on.
    tb.db
        .raw_execute("UPDATE group_events SET sync_at = (SELECT MIN(claimed_at) FROM session_events)", &[])
        .await
        .unwrap();
    tb.restart().await;
    // Within the claim's lease nothing is done (the claimant may be alive)...
    tick(&tb, "2027-03-01T12:01:00Z").await;
    assert_eq!(upcoming(&tb).len(), 1);
    // ...after it, the first is found and the second made once.
    let posts = event_requests(&tb, "POST");
    tick(&tb, "2027-03-01T12:10:00Z").await;
    assert_eq!(starts_weeks(&tb), [(ts("2027-03-08T18:00:00Z"), 1), (ts("2027-03-15T18:00:00Z"), 2)]);
    assert_eq!(event_requests(&tb, "POST"), posts + 1);
    let ids = tb.db.raw_integers("SELECT COUNT(*) FROM session_events WHERE event_id IS NOT NULL", &[]).await.unwrap();
    assert_eq!(ids, [Some(2)]);
    // The member's calendar file: the same sessions, each linking its event.
    let r = tb.run(Slash::new("calendar").sub("file").by(&tb.member())).await;
    let ics = String::from_utf8(r.files[0].bytes.clone()).unwrap();
    let g = db_groups::list(&tb.db, defaults::GUILD).await.unwrap()[0].id;
    for (i, e) in tb.fake.scheduled_events(defaults::GUILD).iter().enumerate() {
        let uid = format!("UID:studybot-group-{g}-session-{i}");
        let url = format!("URL:https://discord.com/events/{}/{}", defaults::GUILD, e["id"].as_str().unwrap());
        let block = ics.split("BEGIN:VEVENT").find(|b| b.contains(&uid)).unwrap_or_else(|| panic!("{uid}: {ics}"));
        assert!(block.contains(&url), "{block}");
    }
    tb.finish().await;
}

/// Voice events: the bot starts each at its start (Discord starts no voice event by itself and
/// cancels unstarted ones) and ends it at its end.
#[tokio::test]
async fn voice_events_are_started_and_ended_by_the_bot() {
    let fake = fake_with_events(perms::CREATE_EVENTS | perms::CONNECT).await;
    let tb = TestBot::start_with(fake, Mode::Tls, "2027-03-01T12:00:00Z").await;
    tb.create_group("Mondays", "architecture", "2027-03-08", 0, "18:00", "UTC").await;
    let t = moderator(&tb, events_on().channel("voice_channel", ROOM)).await;
    assert!(t.contains(&format!("voice events in <#{ROOM}>")), "{t}");
    tick(&tb, "2027-03-01T12:00:30Z").await;
    let events = tb.fake.scheduled_events(defaults::GUILD);
    assert_eq!(
        (events.len(), &events[0]["entity_type"], &events[0]["channel_id"]),
        (2, &Value::from(2), &Value::from(ROOM.to_string()))
    );
    tick(&tb, "2027-03-08T18:00:00Z").await;
    assert_eq!(tb.fake.scheduled_events(defaults::GUILD)[0]["status"], 2, "started by the bot");
    tick(&tb, "2027-03-08T19:00:00Z").await;
    let events = tb.fake.scheduled_events(defaults::GUILD);
    assert_eq!(events[0]["status"], 3, "ended by the bot");
    assert_eq!(events.iter().filter(|e| e["status"] == 1).count(), 2, "the window moved on");
    tb.finish().await;
}

/// Without Create Events, or without Connect in the voice channel, `events on` is refused
/// with the missing permission named, and nothing is stored.
#[tokio::test]
async fn missing_permissions_are_named() {
    let tb = TestBot::start(Mode::Tls, "2027-03-01T12:00:00Z").await;
    tb.create_group("Mondays", "architecture", "2027-03-08", 0, "18:00", "UTC").await;
    let t = moderator(&tb, events_on()).await;
    assert!(t.contains("I am missing Create Events"), "{t}");
    tb.finish().await;

    let fake = fake_with_events(perms::CREATE_EVENTS).await;
    let tb = TestBot::start_with(fake, Mode::Tls, "2027-03-01T12:00:00Z").await;
    tb.create_group("Mondays", "architecture", "2027-03-08", 0, "18:00", "UTC").await;
    let t = moderator(&tb, events_on().channel("voice_channel", ROOM)).await;
    assert!(t.contains(&format!("voice events in <#{ROOM}>: I am missing Connect")), "{t}");
    let t = moderator(&tb, events_on().channel("voice_channel", defaults::GENERAL)).await;
    assert!(!t.contains("next 2 sessions"), "{t}");
    let rows = tb.db.raw_integers("SELECT COUNT(*) FROM group_events", &[]).await.unwrap();
    assert_eq!(rows, [Some(0)]);
    // A member cannot turn events on.
    let t = tb.run(events_on().by(&tb.member())).await.text();
    assert!(!t.contains("next 2 sessions"), "{t}");
    tb.finish().await;
}

/// "Interested" read back at the start: the week's post shows the count and links the event,
/// the event links the post, and `/report participation` shows the week's count and, per
/// member, the weeks they were interested in (members of the group only; others counted).
#[tokio::test]
async fn interested_members_are_read_into_the_post_and_the_report() {
    let fake = fake_with_events(perms::CREATE_EVENTS).await;
    let tb = TestBot::start_with(fake, Mode::Tls, "2027-03-01T12:00:00Z").await;
    let g = tb.create_group("Mondays", "architecture", "2027-03-08", 0, "18:00", "UTC").await;
    moderator(&tb, events_on()).await;
    tick(&tb, "2027-03-01T12:00:30Z").await;
    // Week 1 is held; Bob checks in (he is a member of the group now), Alice does not.
    tick(&tb, "2027-03-08T18:00:00Z").await;
    let checkin = Slash::new("checkin").integer("status", 0).number("hours", 2.0).integer("confidence", 4);
    assert!(tb.run(checkin.by(&tb.member())).await.text().contains("week 1"));
    let events = tb.fake.scheduled_events(defaults::GUILD);
    let second = events.iter().find(|e| e["status"] == 1).unwrap();
    let event: u64 = second["id"].as_str().unwrap().parse().unwrap();
    for user in [defaults::ALICE, defaults::BOB, 9_999] {
        tb.fake.mark_interested(event, user);
    }
    // Week 2's session starts: posted, then the interest read into the post.
    tick(&tb, "2027-03-15T18:00:00Z").await;
    let post = tb
        .fake
        .channel_posts(defaults::GENERAL)
        .into_iter()
        .rev()
        .find(|m| m["content"].as_str().unwrap_or_default().contains("week 2"));
    let post = post.expect("week 2 posted");
    let id = post["id"].as_str().unwrap().parse::<u64>().unwrap();
    let edited = tb.fake.message(id).unwrap();
    let content = edited["content"].as_str().unwrap();
    let link = format!("https://discord.com/events/{}/{event}", defaults::GUILD);
    assert!(content.ends_with(&format!("📅 3 interested in [the event]({link})")), "{content}");
    assert_eq!(edited["embeds"].as_array().unwrap().len(), post["embeds"].as_array().unwrap().len());
    assert_eq!(edited["components"], post["components"], "the buttons stay");
    let described = tb.fake.scheduled_events(defaults::GUILD).into_iter().find(|e| e["id"] == second["id"]).unwrap();
    let post_link = format!("https://discord.com/channels/{}/{}/{id}", defaults::GUILD, defaults::GENERAL);
    assert!(described["description"].as_str().unwrap().ends_with(&post_link), "{described}");
    // Read once: a later tick reads nothing again.
    let reads =
        || tb.fake.requests().iter().filter(|r| r.path.ends_with("/users") || r.path.contains("/users?")).count();
    let before = reads();
    tick(&tb, "2027-03-15T18:05:00Z").await;
    assert_eq!(reads(), before);
    let members = tb.db.raw_integers("SELECT user_id FROM event_interest WHERE group_id = $1", &[g]).await.unwrap();
    assert_eq!(members, [Some(defaults::BOB as i64)], "only the group's members are attributed");

    tick(&tb, "2027-03-16T09:00:00Z").await;
    let r = tb.run(Slash::new("report").sub("participation").by(&tb.moderator())).await;
    let text = r.text();
    assert!(text.contains("Interested in the week's Discord event\nW1 0 · W2 3"), "{text}");
    assert!(text.contains("interested 1"), "{text}");
    let csv = r.files.iter().find(|f| f.filename.as_deref().unwrap_or("").starts_with("members-")).unwrap();
    let mut rdr = csv::Reader::from_reader(csv.bytes.as_slice());
    let bob = rdr.records().map(|r| r.unwrap()).find(|r| r[0] == defaults::BOB.to_string()).unwrap();
    assert_eq!(bob.iter().next_back(), Some("1"));
    let overview = tb.run(Slash::new("report").sub("overview").by(&tb.moderator())).await.text();
    assert!(overview.contains("W2 event: 3 interested"), "{overview}");
    // It is Bob's data: /my-data has it, /forget-me deletes it.
    let r = tb.run(Slash::new("my-data").by(&tb.member())).await;
    let data: Value = serde_json::from_slice(&r.files[0].bytes).unwrap();
    assert_eq!(
        data["events_interested"],
        serde_json::json!([{"group": "Mondays", "session_start": "2027-03-15T18:00:00Z"}])
    );
    let r = tb.run(Slash::new("forget-me").by(&tb.member())).await;
    let confirm = r.custom_ids().into_iter().find(|c| c != "sb:no").unwrap();
    tb.fake.click_button(&tb.member(), &r.message, &confirm).await.wait_reply(T).await;
    let left = tb.db.raw_integers("SELECT COUNT(*) FROM event_interest", &[]).await.unwrap();
    assert_eq!(left, [Some(0)]);
    tb.finish().await;
}

/// Discord's cap of 100 upcoming events: `events on` is refused when the server would go
/// over it; a refusal by Discord later stops the group's passes and is shown to moderators.
#[tokio::test]
async fn the_cap_and_discords_refusals_are_told_to_moderators() {
    let fake = fake_with_events(perms::CREATE_EVENTS).await;
    let tb = TestBot::start_with(fake, Mode::Tls, "2027-03-01T12:00:00Z").await;
    tb.create_group("Mondays", "architecture", "2027-03-08", 0, "18:00", "UTC").await;
    // The server has 99 upcoming events of its own.
    let http = tb.fake.proxy_http();
    let g = serenity::model::id::GuildId::new(defaults::GUILD);
    let start = serenity::model::Timestamp::parse("2027-06-01T18:00:00Z").unwrap();
    let end = serenity::model::Timestamp::parse("2027-06-01T19:00:00Z").unwrap();
    for i in 0..99 {
        let e = serenity::builder::CreateScheduledEvent::new(
            serenity::model::guild::ScheduledEventType::External,
            format!("Other {i}"),
            start,
        )
        .end_time(end)
        .location("elsewhere");
        http.create_scheduled_event(g, &e, None).await.unwrap();
    }
    let t = moderator(&tb, events_on()).await;
    assert!(t.contains("more than 100 upcoming events") && t.contains("it has 99"), "{t}");
    assert_eq!(tb.db.raw_integers("SELECT COUNT(*) FROM group_events", &[]).await.unwrap(), [Some(0)]);
    // 98: room for the group's 2.
    let last = tb.fake.scheduled_events(defaults::GUILD)[0]["id"].as_str().unwrap().parse().unwrap();
    http.delete_scheduled_event(g, serenity::model::id::ScheduledEventId::new(last)).await.unwrap();
    assert!(moderator(&tb, events_on()).await.contains("next 2 sessions"));
    // Someone else fills the server before the bot's pass: Discord refuses the second (30038).
    http.create_scheduled_event(
        g,
        &serenity::builder::CreateScheduledEvent::new(
            serenity::model::guild::ScheduledEventType::External,
            "Other 99",
            start,
        )
        .end_time(end)
        .location("elsewhere"),
        None,
    )
    .await
    .unwrap();
    tb.set_now("2027-03-01T12:00:30Z");
    let r = tb.tick().await;
    assert_eq!(r.failed, 1, "{r:?}");
    assert_eq!(upcoming(&tb).iter().filter(|e| e.2.starts_with('W')).count(), 1);
    let list = moderator(&tb, Slash::new("group").sub("list")).await;
    assert!(list.contains("⚠ Events stopped: the server has 100 upcoming events"), "{list}");
    let overview = tb.run(Slash::new("report").sub("overview").by(&tb.moderator())).await.text();
    assert!(overview.contains("events stopped: the server has 100 upcoming events"), "{overview}");
    // Never retried by itself: the next ticks send nothing.
    let posts = event_requests(&tb, "POST");
    tick(&tb, "2027-03-01T13:00:00Z").await;
    tick(&tb, "2027-03-02T13:00:00Z").await;
    assert_eq!(event_requests(&tb, "POST"), posts);
    tb.finish().await;
}
