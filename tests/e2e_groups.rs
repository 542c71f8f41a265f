//! Study groups, check-ins, self-assessment, progress, forget-me and cross-server isolation,
//! end to end through the fake Discord with a manual clock.

mod support;

use fake_discord::{GuildSpec, Invoker, Slash, defaults, perms};
use serde_json::Value;
use studybot::db::members::{self, Author};
use studybot::model::CheckinStatus as Status;
use support::harness::{Mode, T, TestBot};

// Monday 2026-11-23, noon UTC. Groups start the following week.
const NOW: &str = "2026-11-23T12:00:00Z";

async fn evenings(tb: &TestBot) -> i64 {
    tb.create_group("Evenings", "architecture", "2026-11-30", 0, "18:00", "Europe/Berlin").await
}

fn field<'a>(embed: &'a Value, name: &str) -> &'a str {
    embed["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == name)
        .and_then(|f| f["value"].as_str())
        .unwrap_or_else(|| panic!("no field {name} in {embed}"))
}

fn bob_in(group_id: i64) -> Author<'static> {
    Author { guild_id: defaults::GUILD, group_id, user_id: defaults::BOB, display_name: "bob" }
}

fn checkin(status: i64, hours: f64, confidence: i64) -> Slash {
    Slash::new("checkin").integer("status", status).number("hours", hours).integer("confidence", confidence)
}

async fn evenings_and_seniors(tb: &TestBot) -> (i64, i64) {
    let a = evenings(tb).await;
    let b = tb.create_group("Seniors", "senior", "2026-12-01", 2, "19:00", "America/New_York").await;
    assert_ne!(a, b);
    (a, b)
}

fn create(name: &str, channel: u64, path: &str, start: &str, weekday: i64, time: &str, tz: &str) -> Slash {
    Slash::new("group")
        .sub("create")
        .string("name", name)
        .channel("channel", channel)
        .string("path", path)
        .string("start", start)
        .integer("weekday", weekday)
        .string("time", time)
        .string("timezone", tz)
}

#[tokio::test]
async fn group_list_shows_each_groups_path_and_schedule() {
    let tb = TestBot::start(Mode::Tls, NOW).await;
    evenings_and_seniors(&tb).await;
    let list = tb.run(Slash::new("group").sub("list").by(&tb.moderator())).await;
    let t = list.text();
    assert!(list.ephemeral);
    assert!(t.contains("**Evenings**") && t.contains("Technical Architecture"), "{t}");
    assert!(t.contains("**Seniors**") && t.contains("Wednesdays at 19:00 (America/New_York)"), "{t}");
    tb.finish().await;
}

#[tokio::test]
async fn a_member_is_refused_moderator_commands_on_the_server_side() {
    let tb = TestBot::start(Mode::Tls, NOW).await;
    let a = evenings(&tb).await;
    // Refused by the bot, whatever Discord shows the member.
    let r = tb.run(Slash::new("group").sub("pause").string("group", "Evenings").by(&tb.member())).await;
    assert!(r.ephemeral && r.content.contains("for moderators"), "{}", r.content);
    assert!(!studybot::db::groups::get(&tb.db, defaults::GUILD, a).await.unwrap().unwrap().paused);
    tb.finish().await;
}

#[tokio::test]
async fn a_bad_create_lists_every_problem_and_stores_nothing() {
    let tb = TestBot::start(Mode::Tls, NOW).await;
    evenings_and_seniors(&tb).await;
    let r = tb
        .run(
            create("Broken", defaults::GENERAL, "architecture", "2026-11-01", 0, "7pm", "Europe/Berln")
                .by(&tb.moderator()),
        )
        .await;
    assert!(r.ephemeral);
    assert!(r.content.contains("is in the past"), "{}", r.content);
    assert!(r.content.contains("`7pm` is not a time"), "{}", r.content);
    assert!(r.content.contains("Did you mean Europe/Berlin"), "{}", r.content);
    let r = tb
        .run(create("Nowhere", defaults::READONLY, "senior", "2026-12-24", 3, "18:00", "UTC").by(&tb.moderator()))
        .await;
    assert!(r.content.contains("I can't post in"), "{}", r.content);
    let r = tb
        .run(create("evenings2", defaults::GENERAL, "nonsense", "2026-13-45", 3, "18:00", "UTC").by(&tb.moderator()))
        .await;
    assert!(r.content.contains("Unknown path `nonsense`"), "{}", r.content);
    assert!(r.content.contains("`2026-13-45` is not a date"), "{}", r.content);
    assert_eq!(studybot::db::groups::list(&tb.db, defaults::GUILD).await.unwrap().len(), 2);
    tb.finish().await;
}

#[tokio::test]
async fn timezone_autocomplete_offers_the_zone_for_a_city_prefix() {
    let tb = TestBot::start(Mode::Tls, NOW).await;
    let choices = tb
        .fake
        .autocomplete(Slash::new("group").sub("create").focused("timezone", "berl").by(&tb.moderator()))
        .await
        .wait_choices(T)
        .await;
    assert_eq!(choices[0]["value"], "Europe/Berlin");
    tb.finish().await;
}

#[tokio::test]
async fn edit_pause_and_resume_answer_with_the_new_state() {
    let tb = TestBot::start(Mode::Tls, NOW).await;
    let a = evenings(&tb).await;
    let r = tb
        .run(
            Slash::new("group").sub("edit").string("group", &a.to_string()).string("time", "19:30").by(&tb.moderator()),
        )
        .await;
    assert!(r.content.contains("Updated **Evenings**") && r.content.contains("19:30"), "{}", r.content);
    let r = tb.run(Slash::new("group").sub("pause").string("group", "Evenings").by(&tb.moderator())).await;
    assert!(r.content.contains("Paused"), "{}", r.content);
    let r = tb.run(Slash::new("group").sub("resume").string("group", "evenings").by(&tb.moderator())).await;
    assert!(r.content.contains("Resumed"), "{}", r.content);
    tb.finish().await;
}

#[tokio::test]
async fn delete_asks_first_refuses_members_and_cancel_keeps_the_group() {
    let tb = TestBot::start(Mode::Tls, NOW).await;
    let (_, b) = evenings_and_seniors(&tb).await;
    let r = tb.run(Slash::new("group").sub("delete").string("group", "Seniors").by(&tb.moderator())).await;
    assert_eq!(r.custom_ids(), [format!("sb:gd:{b}"), "sb:no".to_string()]);
    // A member pressing the button (or forging it) is refused.
    let denied = tb.fake.click_button(&tb.member(), &r.message, &format!("sb:gd:{b}")).await.wait_reply(T).await;
    assert!(denied.content.contains("Only moderators"), "{}", denied.content);
    let cancel = tb.fake.click_button(&tb.moderator(), &r.message, "sb:no").await.wait_reply(T).await;
    assert!(cancel.content.contains("Cancelled"));
    assert!(studybot::db::groups::get(&tb.db, defaults::GUILD, b).await.unwrap().is_some());
    let done = tb.fake.click_button(&tb.moderator(), &r.message, &format!("sb:gd:{b}")).await.wait_reply(T).await;
    assert!(done.content.contains("Deleted **Seniors**"), "{}", done.content);
    assert!(studybot::db::groups::get(&tb.db, defaults::GUILD, b).await.unwrap().is_none());
    tb.finish().await;
}

#[tokio::test]
async fn check_in_before_the_first_session_is_refused() {
    let tb = TestBot::start(Mode::Tls, NOW).await;
    evenings(&tb).await;
    let r = tb.run(checkin(0, 2.0, 3)).await;
    assert!(r.ephemeral && r.content.contains("has not started yet"), "{}", r.content);
    tb.finish().await;
}

#[tokio::test]
async fn check_in_by_command_then_an_update_replaces_it() {
    let tb = TestBot::start(Mode::Tls, NOW).await;
    let g = evenings(&tb).await;
    tb.set_now("2026-11-30T17:30:00Z");
    let r = tb.run(checkin(1, 2.5, 3).string("note", "read chapter 3")).await;
    assert!(r.ephemeral);
    assert!(
        r.content.starts_with("Checked in for week 1 of **Evenings**: partial, 2.5 h, confidence 3/5"),
        "{}",
        r.content
    );
    let r = tb.run(checkin(0, 4.0, 4)).await;
    assert!(r.content.starts_with("Updated your check-in for week 1"), "{}", r.content);
    let rows = members::checkins(&tb.db, defaults::GUILD, g, defaults::BOB).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!((rows[0].status, rows[0].hours, rows[0].confidence, rows[0].note.clone()), (Status::Done, 4.0, 4, None));
    // The current week is shown with /week.
    let r = tb.run(Slash::new("week")).await;
    assert!(r.text().contains("Week 1 of 36"), "{}", r.text());
    tb.finish().await;
}

#[tokio::test]
async fn a_future_week_or_an_out_of_range_value_is_refused_by_the_bot() {
    let tb = TestBot::start(Mode::Tls, NOW).await;
    let g = evenings(&tb).await;
    tb.set_now("2026-11-30T17:30:00Z");
    tb.run(checkin(0, 4.0, 4)).await;
    let r = tb.run(checkin(0, 1.0, 3).integer("week", 2)).await;
    assert!(r.content.contains("Week 2 has not started yet"), "{}", r.content);
    // Not only by Discord's option limits.
    let r = tb.run(checkin(0, 1.0, 9)).await;
    assert!(r.content.contains("Confidence must be"), "{}", r.content);
    assert_eq!(members::checkins(&tb.db, defaults::GUILD, g, defaults::BOB).await.unwrap().len(), 1);
    tb.finish().await;
}

#[tokio::test]
async fn a_choice_value_the_command_does_not_define_is_named_with_the_accepted_values() {
    let tb = TestBot::start(Mode::Tls, NOW).await;
    let g = evenings(&tb).await;
    tb.set_now("2026-11-30T17:30:00Z");
    // An old client or a forged payload: choice index 7 of three.
    let r = tb.run(checkin(7, 2.0, 3)).await;
    assert!(r.ephemeral);
    assert_eq!(
        r.content,
        "`7` is not a value of the option `status` of `/checkin`. It accepts: done, partial, no time this week. Pick one of them and try again."
    );
    assert!(members::checkins(&tb.db, defaults::GUILD, g, defaults::BOB).await.unwrap().is_empty());
    tb.finish().await;
}

/// Evenings with its week 1 posted (by `/group post-now` on the session day); the post.
async fn evenings_posted(tb: &TestBot) -> (i64, Value) {
    let g = evenings(tb).await;
    tb.set_now("2026-11-30T17:00:00Z");
    let r = tb.run(Slash::new("group").sub("post-now").by(&tb.moderator())).await;
    assert!(r.content.contains("Posted"), "{}", r.content);
    let post = tb.fake.channel_posts(defaults::GENERAL).last().cloned().expect("weekly post");
    (g, post)
}

#[tokio::test]
async fn the_calendar_is_fixed_once_a_week_was_posted_but_the_time_is_not() {
    let tb = TestBot::start(Mode::Tls, NOW).await;
    let (g, _) = evenings_posted(&tb).await;
    let r = tb
        .run(
            Slash::new("group")
                .sub("edit")
                .string("group", "Evenings")
                .string("start", "2027-01-04")
                .by(&tb.moderator()),
        )
        .await;
    assert!(r.content.contains("already posted weeks"), "{}", r.content);
    let r = tb
        .run(Slash::new("group").sub("edit").string("group", "Evenings").string("time", "17:45").by(&tb.moderator()))
        .await;
    assert!(r.content.contains("Updated"), "{}", r.content);
    let stored = studybot::db::groups::get(&tb.db, defaults::GUILD, g).await.unwrap().unwrap();
    let (start, time) = (stored.schedule.start_date.to_string(), stored.schedule.time.format("%H:%M").to_string());
    assert_eq!((start.as_str(), time.as_str()), ("2026-11-30", "17:45"));
    tb.finish().await;
}

const FORM_OK: [(&str, &str); 4] = [("status", "done"), ("hours", "3"), ("confidence", "5"), ("note", "")];

#[tokio::test]
async fn check_in_with_the_button_and_form_then_the_form_comes_back_filled_in() {
    let tb = TestBot::start(Mode::Tls, NOW).await;
    let (g, post) = evenings_posted(&tb).await;
    let bob = tb.member();
    let modal = tb.fake.click_button(&bob, &post, &format!("sb:ci:{g}:1")).await.wait_modal(T).await;
    assert_eq!(modal.input_ids(), ["status", "hours", "confidence", "note"]);
    let r = tb.fake.submit_modal(&bob, &modal.custom_id, &FORM_OK).await.wait_reply(T).await;
    assert!(r.ephemeral && r.content.starts_with("Checked in for week 1"), "{}", r.content);
    // Pressing Check in again pre-fills the form with the stored check-in.
    let modal = tb.fake.click_button(&bob, &post, &format!("sb:ci:{g}:1")).await.wait_modal(T).await;
    assert_eq!(modal.inputs[1]["value"], "3");
    tb.finish().await;
}

/// What Discord shows for escaped markdown: a backslash before punctuation disappears.
fn shown(escaped: &str) -> String {
    let mut out = String::new();
    let mut chars = escaped.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, chars.peek()) {
            ('\\', Some(next)) if next.is_ascii_punctuation() => out.push(chars.next().unwrap()),
            _ => out.push(c),
        }
    }
    out
}

#[tokio::test]
async fn a_bad_form_stores_nothing_and_gives_everything_typed_back() {
    let tb = TestBot::start(Mode::Tls, NOW).await;
    let (g, post) = evenings_posted(&tb).await;
    let bob = tb.member();
    let modal = tb.fake.click_button(&bob, &post, &format!("sb:ci:{g}:1")).await.wait_modal(T).await;
    tb.fake.submit_modal(&bob, &modal.custom_id, &FORM_OK).await.wait_reply(T).await;
    // A note of the full 500 characters, with its own code fence and markdown.
    let mut note = String::from("my long thoughts\n```rust\nfn main() {}\n```\n**not bold** <@1> `x`\n");
    while note.chars().count() < 500 {
        note.push_str("and more ");
    }
    let note: String = note.chars().take(500).collect();
    let typed = [("status", "finished"), ("hours", "lots"), ("confidence", "4"), ("note", note.as_str())];
    let r = tb.fake.submit_modal(&bob, &modal.custom_id, &typed).await.wait_reply(T).await;
    assert!(r.ephemeral);
    assert!(r.content.contains("Status `finished`") && r.content.contains("Hours `lots`"), "{}", r.content);
    assert!(r.content.contains("Nothing was saved"), "{}", r.content);
    // The whole note comes back, shown exactly as typed whatever it contains.
    let echoed = r.embeds[0]["description"].as_str().expect("the note embed");
    assert_eq!(shown(echoed), note);
    let rows = members::checkins(&tb.db, defaults::GUILD, g, defaults::BOB).await.unwrap();
    assert_eq!((rows.len(), rows[0].hours, rows[0].confidence), (1, 3.0, 5));

    // "Fix my check-in" re-opens the form with every value as typed.
    assert_eq!(r.custom_ids(), [format!("sb:ci:{g}:1")]);
    let again = tb.fake.click_button(&bob, &r.message, &format!("sb:ci:{g}:1")).await.wait_modal(T).await;
    let values: Vec<&str> = again.inputs.iter().map(|i| i["value"].as_str().unwrap_or("")).collect();
    assert_eq!(values, ["finished", "lots", "4", note.as_str()]);
    // Once a form is saved, the button shows the stored check-in again.
    let fixed = [("status", "partial"), ("hours", "2"), ("confidence", "4"), ("note", "")];
    let r = tb.fake.submit_modal(&bob, &again.custom_id, &fixed).await.wait_reply(T).await;
    assert!(r.content.starts_with("Updated your check-in for week 1"), "{}", r.content);
    let reopened = tb.fake.click_button(&bob, &post, &format!("sb:ci:{g}:1")).await.wait_modal(T).await;
    assert_eq!(reopened.inputs[0]["value"], "partial");
    tb.finish().await;
}

#[tokio::test]
async fn a_forged_note_too_long_for_an_embed_comes_back_as_a_file() {
    let tb = TestBot::start(Mode::Tls, NOW).await;
    let (g, _) = evenings_posted(&tb).await;
    let note = "`*".repeat(2000);
    let typed = [("status", "done"), ("hours", "1"), ("confidence", "3"), ("note", note.as_str())];
    let modal_id = format!("sb:cm:{g}:1");
    let r = tb.fake.submit_modal(&tb.member(), &modal_id, &typed).await.wait_reply(T).await;
    assert!(r.content.contains("the limit is 500"), "{}", r.content);
    assert!(r.embeds.is_empty());
    assert_eq!(r.files.len(), 1);
    assert_eq!((r.files[0].filename.as_deref(), r.files[0].bytes.as_slice()), (Some("note.txt"), note.as_bytes()));
    tb.finish().await;
}

#[tokio::test]
async fn rate_yourself_stores_the_latest_press_and_highlights_it() {
    let tb = TestBot::start(Mode::Tls, NOW).await;
    let (g, post) = evenings_posted(&tb).await;
    let bob = tb.member();
    // One row of 1-5 per question; a press stores and highlights.
    let view = tb.fake.click_button(&bob, &post, &format!("sb:as:{g}:1")).await.wait_reply(T).await;
    assert!(view.ephemeral);
    let questions =
        studybot::curriculum::Curriculum::embedded().unwrap().week("architecture", 1).unwrap().questions.len();
    assert_eq!(view.components.len(), questions);
    let r = tb.fake.click_button(&bob, &view.message, &format!("sb:rt:{g}:1:1:2")).await.wait_reply(T).await;
    assert!(r.content.contains("question 2 rated 2/5"), "{}", r.content);
    let r = tb.fake.click_button(&bob, &view.message, &format!("sb:rt:{g}:1:1:4")).await.wait_reply(T).await;
    assert_eq!(r.components[1]["components"][3]["style"], 3, "the chosen rating is highlighted");
    tb.run(Slash::new("assess").by(&bob)).await;
    let ratings = members::ratings(&tb.db, defaults::GUILD, g, defaults::BOB).await.unwrap();
    assert_eq!(ratings, vec![studybot::model::Rating { user_id: defaults::BOB, week: 1, question: 1, rating: 4 }]);
    tb.finish().await;
}

#[tokio::test]
async fn progress_and_streaks_match_hand_computed_values() {
    let tb = TestBot::start(Mode::Tls, NOW).await;
    let g = evenings(&tb).await;
    // The session of 2026-12-14 is skipped (a holiday): weeks are 11-30, 12-07, 12-21, 12-28, 01-04.
    let r = tb.run(Slash::new("group").sub("skip").string("date", "2026-12-14").by(&tb.moderator())).await;
    assert!(r.content.contains("2026-12-14 is skipped"), "{}", r.content);
    // Across the year end: 2027-01-04 19:00 Berlin is week 5.
    tb.set_now("2027-01-04T18:00:00Z");
    let bob = tb.member();
    for (week, status, hours, conf) in [(1, 0, 2.0, 3), (2, 0, 3.0, 4), (3, 0, 4.0, 4), (4, 2, 0.0, 2), (5, 1, 1.5, 5)]
    {
        let r = tb.run(checkin(status, hours, conf).integer("week", week).by(&bob)).await;
        assert!(r.content.contains(&format!("week {week} ")), "{}", r.content);
    }
    for (q, rating) in [(0, 1), (1, 2)] {
        members::set_rating(&tb.db, bob_in(g), 3, q, rating, support::harness::utc("2026-12-01T00:00:00Z"))
            .await
            .unwrap();
    }
    members::set_rating(&tb.db, bob_in(g), 1, 0, 5, support::harness::utc("2026-12-01T00:00:00Z")).await.unwrap();

    let r = tb.run(Slash::new("progress").by(&bob)).await;
    assert!(r.ephemeral);
    let e = &r.embeds[0];
    // 5 weeks held (the skipped session is not a week); weeks 1-3 done in a row (the
    // skipped session between 2 and 3 does not break it), week 4 "skipped", week 5 partial.
    assert_eq!(field(e, "Weeks checked in"), "5 of 5 held");
    assert_eq!(field(e, "Current streak"), "1 week");
    assert_eq!(field(e, "Best streak"), "3 weeks");
    assert_eq!(field(e, "Hours"), "10.5");
    assert_eq!(field(e, "Average confidence"), "3.6/5");
    let weakest = field(e, "Weakest topics (self-assessment)");
    assert!(weakest.starts_with("- Week 3:") && weakest.contains("average 1.5/5"), "{weakest}");

    // Someone else's progress: moderators only.
    let r = tb.run(Slash::new("progress").user("member", defaults::ALICE).by(&bob)).await;
    assert!(r.content.contains("for moderators"), "{}", r.content);
    let r = tb.run(Slash::new("progress").user("member", defaults::BOB).by(&tb.moderator())).await;
    assert_eq!(field(&r.embeds[0], "Best streak"), "3 weeks");
    tb.finish().await;
}

/// An earned streak freeze end to end: weeks 1-4 done earn one, week 5 closes without a
/// check-in and is frozen, week 6 partial, week 7 in progress. `/progress` and `/report
/// member` show the timeline and why; the participation report and its CSV count the frozen
/// week apart, and nobody is at risk for it.
#[tokio::test]
async fn a_frozen_week_keeps_the_streak_and_says_so() {
    let tb = TestBot::start(Mode::Tls, NOW).await;
    evenings(&tb).await;
    // Weeks on 11-30, 12-07, 12-14, 12-21, 12-28, 01-04 and 01-11 (week 7, in progress).
    tb.set_now("2027-01-12T12:00:00Z");
    let bob = tb.member();
    for (week, status) in [(1, 0), (2, 0), (3, 0), (4, 0), (6, 1)] {
        let r = tb.run(checkin(status, 2.0, 4).integer("week", week).by(&bob)).await;
        assert!(r.content.contains(&format!("week {week} ")), "{}", r.content);
    }
    let r = tb.run(Slash::new("progress").by(&bob)).await;
    let e = &r.embeds[0];
    assert_eq!(field(e, "Current streak"), "5 weeks");
    assert_eq!(
        field(e, "Last weeks"),
        "W1 ✅ W2 ✅ W3 ✅ W4 ✅ W5 🧊 W6 🟨 W7 ⏳\n✅ done · 🧊 frozen · 🟨 partial · ⏳ not yet"
    );
    assert_eq!(
        field(e, "Why"),
        "5 weeks since week 1: every week done or partial, and a freeze kept week 5 (it keeps the streak, it does not \
         add to it). This week counts once checked in. No freeze in hand; another 3 weeks in a row earn one."
    );
    let r = tb.run(Slash::new("report").sub("member").user("member", defaults::BOB).by(&tb.moderator())).await;
    assert_eq!(field(&r.embeds[0], "Last weeks"), field(e, "Last weeks"));
    let r = tb.run(Slash::new("report").sub("participation").by(&tb.moderator())).await;
    let text = r.text();
    assert!(text.contains("frozen 1") && text.contains("Frozen: weeks an earned streak freeze kept"), "{text}");
    assert!(text.contains("Nobody has missed the last 2 weeks."), "{text}");
    let members = r.files.iter().find(|f| f.filename.as_deref().unwrap_or("").starts_with("members-")).unwrap();
    let mut rdr = csv::Reader::from_reader(members.bytes.as_slice());
    let header: Vec<String> = rdr.headers().unwrap().iter().map(String::from).collect();
    let col = header.iter().position(|h| h == "frozen_weeks").unwrap();
    let row = rdr.records().map(|r| r.unwrap()).find(|r| r[0] == defaults::BOB.to_string()).unwrap();
    assert_eq!((&row[col], &row[col - 1]), ("1", "0"), "frozen, not away");
    // A late check-in for week 5 gives the freeze back.
    tb.run(checkin(0, 1.0, 3).integer("week", 5).by(&bob)).await;
    let r = tb.run(Slash::new("progress").by(&bob)).await;
    assert_eq!(field(&r.embeds[0], "Current streak"), "6 weeks");
    assert!(
        field(&r.embeds[0], "Why").ends_with(
            "1 freeze in hand: a week that closes without a check-in uses one; another 2 weeks in a row earn another."
        ),
        "{}",
        field(&r.embeds[0], "Why")
    );
    tb.finish().await;
}

/// `/certificate`: locked with what is missing (the path, the check-ins), unlocked once the
/// path is finished and 70% of the weeks since joining are checked in; the same certificate
/// (code) every time, a PNG; `studybot verify CODE` reads it back; `/my-data` lists it and
/// `/forget-me` deletes it.
#[tokio::test]
async fn a_certificate_unlocks_at_the_end_with_seventy_percent_and_verifies() {
    let tb = TestBot::start(Mode::Tls, NOW).await;
    // The senior path's 15 weeks, Mondays from 2027-01-04: week 15 on 2027-04-12.
    tb.create_group("Seniors", "senior", "2027-01-04", 0, "18:00", "UTC").await;
    let bob = tb.member();
    let carol = Invoker::new(3002, "carol").in_guild(defaults::GUILD, defaults::GENERAL);
    tb.run(Slash::new("join").by(&bob)).await;
    tb.run(Slash::new("join").by(&carol)).await;
    tb.set_now("2027-01-19T12:00:00Z");
    let t = tb.run(Slash::new("certificate").by(&bob)).await.text();
    assert_eq!(
        t,
        "Your **Seniors** certificate is not unlocked yet: the path is not finished yet (week 3 of 15; it unlocks after \
         the last week); and you checked in for 0 of the 3 weeks held since you joined, and 3 (70%) are needed: 3 \
         more (a late check-in counts: `/checkin week:` for week 1, 2)."
    );
    // Week 15 in progress: weeks 1 to 10 checked in, 11 needed.
    tb.set_now("2027-04-13T12:00:00Z");
    for week in 1..=10 {
        let r = tb.run(checkin(0, 2.0, 4).integer("week", week).by(&bob)).await;
        assert!(r.text().contains(&format!("week {week} ")), "{}", r.text());
    }
    let t = tb.run(Slash::new("certificate").by(&bob)).await.text();
    assert_eq!(
        t,
        "Your **Seniors** certificate is not unlocked yet: the path is not finished yet (week 15 of 15; it unlocks \
         after the last week); and you checked in for 10 of the 15 weeks held since you joined, and 11 (70%) are \
         needed: 1 more (a late check-in counts: `/checkin week:` for week 11, 12, 13, 14)."
    );
    // Alice never joined; Carol joined at the start and checked in once.
    tb.run(checkin(0, 1.0, 3).by(&carol)).await;
    tb.run(checkin(1, 1.0, 3).by(&bob)).await;
    tb.set_now("2027-04-20T12:00:00Z");
    let t = tb.run(Slash::new("certificate").by(&tb.moderator())).await.text();
    assert!(t.starts_with("You are not in **Seniors**"), "{t}");
    let t = tb.run(Slash::new("certificate").by(&carol)).await.text();
    assert_eq!(
        t,
        "Your **Seniors** certificate is not unlocked yet: you checked in for 1 of the 15 weeks held since you joined, \
         and 11 (70%) are needed: 10 more (the group no longer takes check-ins now that its path is over)."
    );
    let r = tb.run(Slash::new("certificate").by(&bob)).await;
    assert!(r.ephemeral);
    let t = r.text();
    assert!(t.starts_with("Congratulations: you completed the Senior"), "{t}");
    assert!(t.contains("2027-01-04 to 2027-04-12, checked in for 11 of 15 weeks"), "{t}");
    let code = t.split('`').nth(1).unwrap().to_string();
    assert!(code.starts_with("SB-") && code.len() == 14, "{code}");
    let png = &r.files[0];
    assert_eq!(png.filename.as_deref(), Some(format!("certificate-{code}.png").as_str()));
    let decoder = png::Decoder::new(std::io::Cursor::new(png.bytes.clone()));
    let reader = decoder.read_info().unwrap();
    assert_eq!((reader.info().width, reader.info().height), (1000, 600));
    // The same one again, whatever happened since.
    tb.run(checkin(0, 1.0, 3).integer("week", 12).by(&bob)).await;
    let again = tb.run(Slash::new("certificate").by(&bob)).await.text();
    assert!(again.contains(&format!("`{code}`")) && again.contains("11 of 15"), "{again}");

    // `studybot verify`: any case, 0 when valid, 2 when unknown.
    let database = match &tb.database {
        studybot::db::Location::Sqlite(p) => p.display().to_string(),
        studybot::db::Location::Postgres(url) => url.clone(),
    };
    let verify = |code: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_studybot"))
            .args(["--database", &database, "verify", code])
            .env_remove("STUDYBOT_CONFIG")
            .output()
            .unwrap()
    };
    let out = verify(&code.to_lowercase());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout} {}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.starts_with(&format!("valid: {code}\nbob completed the ")), "{stdout}");
    assert!(stdout.contains("with the study group Seniors on Test Guild"), "{stdout}");
    let r = tb.run(Slash::new("my-data").by(&bob)).await;
    let data: Value = serde_json::from_slice(&r.files[0].bytes).unwrap();
    assert_eq!(data["certificates"][0]["code"], code.as_str());

    let r = tb.run(Slash::new("forget-me").by(&bob)).await;
    let confirm = r.custom_ids().into_iter().find(|c| c != "sb:no").unwrap();
    tb.fake.click_button(&bob, &r.message, &confirm).await.wait_reply(T).await;
    let out = verify(&code);
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    tb.finish().await;
}

#[tokio::test]
async fn forget_me_removes_exactly_that_members_rows() {
    let tb = TestBot::start(Mode::Tls, NOW).await;
    let g = evenings(&tb).await;
    tb.set_now("2026-12-08T12:00:00Z");
    for who in [tb.member(), tb.moderator()] {
        for week in [1, 2] {
            tb.run(checkin(0, 1.0, 3).integer("week", week).by(&who)).await;
        }
    }
    members::set_rating(&tb.db, bob_in(g), 1, 0, 3, support::harness::utc("2026-12-01T00:00:00Z")).await.unwrap();
    let r = tb.run(Slash::new("forget-me")).await;
    assert_eq!(r.custom_ids(), ["sb:fg", "sb:no"]);
    let done = tb.fake.click_button(&tb.member(), &r.message, "sb:fg").await.wait_reply(T).await;
    assert!(done.content.contains("deleted 2 check-ins, 1 ratings and 1 group memberships"), "{}", done.content);
    assert!(members::checkins(&tb.db, defaults::GUILD, g, defaults::BOB).await.unwrap().is_empty());
    assert_eq!(members::checkins(&tb.db, defaults::GUILD, g, defaults::ALICE).await.unwrap().len(), 2);
    tb.finish().await;
}

#[tokio::test]
async fn forget_me_also_drops_a_refused_form_and_a_later_check_in_joins_again() {
    let tb = TestBot::start(Mode::Tls, NOW).await;
    let (g, post) = evenings_posted(&tb).await;
    let bob = tb.member();
    let modal = tb.fake.click_button(&bob, &post, &format!("sb:ci:{g}:1")).await.wait_modal(T).await;
    tb.fake.submit_modal(&bob, &modal.custom_id, &FORM_OK).await.wait_reply(T).await;
    let typed = [("status", "finished"), ("hours", "2"), ("confidence", "3"), ("note", "private thoughts")];
    tb.fake.submit_modal(&bob, &modal.custom_id, &typed).await.wait_reply(T).await;
    let r = tb.run(Slash::new("forget-me")).await;
    tb.fake.click_button(&bob, &r.message, "sb:fg").await.wait_reply(T).await;
    // Nothing typed before is shown again.
    let again = tb.fake.click_button(&bob, &post, &format!("sb:ci:{g}:1")).await.wait_modal(T).await;
    let values: Vec<&str> = again.inputs.iter().map(|i| i["value"].as_str().unwrap_or("")).collect();
    assert!(!values.contains(&"private thoughts") && !values.contains(&"finished"), "{values:?}");
    // Checking in again makes bob a member again.
    let r = tb.fake.submit_modal(&bob, &again.custom_id, &FORM_OK).await.wait_reply(T).await;
    assert!(r.content.starts_with("Checked in for week 1"), "{}", r.content);
    assert_eq!(members::checkins(&tb.db, defaults::GUILD, g, defaults::BOB).await.unwrap().len(), 1);
    assert_eq!(members::member_groups(&tb.db, defaults::GUILD, defaults::BOB).await.unwrap(), vec![g]);
    tb.finish().await;
}

#[tokio::test]
async fn one_server_cannot_reach_another_servers_groups() {
    const G2: u64 = 9000;
    const G2_CHANNEL: u64 = 9001;
    const CAROL: u64 = 9100;
    let tb = TestBot::start(Mode::Tls, NOW).await;
    tb.fake.add_guild(GuildSpec::new(G2, "Other server").owner(CAROL).text_channel(G2_CHANNEL, "general").member(
        CAROL,
        "carol",
        &[],
    ));
    let g = evenings(&tb).await;
    tb.set_now("2026-11-30T17:30:00Z");
    tb.run(checkin(0, 2.0, 3)).await;

    let carol = Invoker::new(CAROL, "carol").in_guild(G2, G2_CHANNEL).permissions(perms::ALL);
    // By name or by id, the other server's group does not exist here.
    let r = tb.run(checkin(0, 1.0, 3).string("group", &g.to_string()).by(&carol)).await;
    assert!(r.content.contains("no study groups") && r.content.contains("`/week path:`"), "{}", r.content);
    let r = tb.run(Slash::new("week").by(&carol)).await;
    assert!(r.content.contains("`/week path:`") && r.content.contains("`/syllabus`"), "{}", r.content);
    let r = tb.run(Slash::new("group").sub("delete").string("group", &g.to_string()).by(&carol)).await;
    assert!(r.content.contains("no study groups"), "{}", r.content);
    let r = tb.run(Slash::new("progress").user("member", defaults::BOB).by(&carol)).await;
    assert!(r.content.contains("has not checked in"), "{}", r.content);

    // Forged custom ids naming guild 1's group, pressed in guild 2.
    let msg = tb.run(Slash::new("help").by(&carol)).await.message;
    for forged in [format!("sb:ci:{g}:1"), format!("sb:as:{g}:1"), format!("sb:rt:{g}:1:0:5"), format!("sb:gd:{g}")] {
        let r = tb.fake.click_button(&carol, &msg, &forged).await.wait_reply(T).await;
        assert!(r.ephemeral && r.content.contains("no longer exists in this server"), "{forged}: {}", r.content);
    }
    let r = tb
        .fake
        .submit_modal(
            &carol,
            &format!("sb:cm:{g}:1"),
            &[("status", "done"), ("hours", "1"), ("confidence", "1"), ("note", "")],
        )
        .await
        .wait_reply(T)
        .await;
    assert!(r.content.contains("no longer exists in this server"), "{}", r.content);

    // Nothing of guild 1 changed, and guild 2 has no rows at all.
    assert!(studybot::db::groups::get(&tb.db, defaults::GUILD, g).await.unwrap().is_some());
    assert_eq!(members::checkins(&tb.db, defaults::GUILD, g, defaults::BOB).await.unwrap().len(), 1);
    assert!(members::checkins(&tb.db, G2, g, CAROL).await.unwrap().is_empty());
    assert!(members::ratings(&tb.db, G2, g, CAROL).await.unwrap().is_empty());
    tb.finish().await;
}

/// A role *named* like a moderator role grants nothing (anyone allowed to create roles could
/// make one); only the role set by id with `/settings moderator-role` does.
#[tokio::test]
async fn a_role_named_moderator_grants_nothing_only_the_configured_role_id_does() {
    const LEAD_ROLE: u64 = 5003;
    const LEAD: u64 = 5004;
    let fake = fake_discord::FakeDiscord::builder()
        .no_default_guild()
        .guild(GuildSpec::default_test_guild().role(LEAD_ROLE, "moderator", perms::EVERYONE).member(
            LEAD,
            "lead",
            &[LEAD_ROLE],
        ))
        .start()
        .await;
    let tb = TestBot::start_with(fake, Mode::Tls, NOW).await;
    let lead = Invoker::new(LEAD, "lead").roles(&[LEAD_ROLE]);
    let r = tb.run(Slash::new("group").sub("list").by(&lead)).await;
    assert!(r.content.contains("for moderators"), "a role name is not trusted: {}", r.content);
    tb.run(Slash::new("settings").sub("moderator-role").role("role", LEAD_ROLE).by(&tb.moderator())).await;
    let r = tb.run(Slash::new("group").sub("list").by(&lead)).await;
    assert!(r.content.contains("No study groups yet"), "{}", r.content);
    // Without the role: refused.
    let r = tb.run(Slash::new("group").sub("list").by(&tb.member())).await;
    assert!(r.content.contains("for moderators"), "{}", r.content);
    tb.finish().await;
}

/// A deploy's SIGTERM with 100 check-ins in flight: shutdown waits for them, so every one is
/// answered with success and stored before the database closes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_with_100_check_ins_in_flight_answers_and_stores_every_one() {
    let mut guild = GuildSpec::default_test_guild();
    for i in 0..100u64 {
        guild = guild.member(20_000 + i, &format!("m{i}"), &[defaults::MEMBER_ROLE]);
    }
    let fake = fake_discord::FakeDiscord::builder().no_default_guild().guild(guild).start().await;
    let mut tb = TestBot::start_with(fake, Mode::Tls, NOW).await;
    let g = evenings(&tb).await;
    tb.set_now("2026-11-30T17:30:00Z");
    let mut handles = Vec::new();
    for i in 0..100u64 {
        let who = Invoker::new(20_000 + i, &format!("m{i}")).roles(&[defaults::MEMBER_ROLE]);
        handles.push(tb.fake.slash(checkin(0, 1.0, 3).by(&who)).await);
    }
    // SIGTERM now: bot::run calls exactly this.
    tb.bot.take().expect("bot running").shutdown().await;
    for h in &handles {
        let r = h.wait_reply(T).await;
        assert!(r.content.starts_with("Checked in for week 1"), "{}", r.content);
    }
    let db = studybot::db::open(&tb.database).await.unwrap();
    let stored = db.raw_integers("SELECT COUNT(*) FROM checkins WHERE group_id = $1", &[g]).await.unwrap()[0].unwrap();
    assert_eq!(stored, 100);
    tb.fake.finish();
}

/// `/calendar`: an `.ics` file of the group's upcoming sessions that parses back (RFC 5545,
/// the `icalendar` crate's parser) with the right instants across the end of summer time in
/// Berlin, a skipped week left out, and one event per remaining week of the path.
#[tokio::test]
async fn the_calendar_file_parses_back_with_the_right_instants_across_a_dst_change() {
    use icalendar::{CalendarDateTime, Component, DatePerhapsTime};
    let tb = TestBot::start(Mode::Tls, "2026-10-14T12:00:00Z").await;
    let g = tb.create_group("Berlin evenings", "architecture", "2026-10-19", 0, "18:00", "Europe/Berlin").await;
    let r = tb.run(Slash::new("group").sub("skip").string("date", "2026-11-02").by(&tb.moderator())).await;
    assert!(r.text().contains("2026-11-02"), "{}", r.text());

    let r = tb.run(Slash::new("calendar").sub("file").by(&tb.member())).await;
    assert!(r.ephemeral && r.content.contains("36 upcoming sessions"), "{}", r.content);
    let file = r.files.iter().find(|f| f.filename.as_deref() == Some("berlin-evenings.ics")).expect("an .ics file");
    let text = String::from_utf8(file.bytes.clone()).unwrap();
    // RFC 5545 3.1: lines of at most 75 octets, the space of a continuation included.
    let long: Vec<&str> = text.split("\r\n").filter(|l| l.len() > 75).collect();
    assert!(long.is_empty(), "lines over 75 octets: {long:?}");
    let cal: icalendar::Calendar = text.parse().unwrap_or_else(|e| panic!("not iCalendar ({e}):\n{text}"));
    let events: Vec<&icalendar::Event> = cal.components.iter().filter_map(|c| c.as_event()).collect();
    assert_eq!(events.len(), 36, "every week of the path, the skipped session left out");
    let start = |e: &icalendar::Event| match e.get_start() {
        Some(DatePerhapsTime::DateTime(CalendarDateTime::Utc(t))) => t,
        other => panic!("start is not a UTC date-time: {other:?}"),
    };
    // 18:00 in Berlin: 16:00Z in summer time (until 2026-10-25), 17:00Z after.
    assert_eq!(start(events[0]), support::harness::utc("2026-10-19T16:00:00Z"));
    assert_eq!(start(events[1]), support::harness::utc("2026-10-26T17:00:00Z"));
    // 2026-11-02 is skipped: week 3 is on 2026-11-09.
    assert_eq!(start(events[2]), support::harness::utc("2026-11-09T17:00:00Z"));
    assert!(events[2].get_summary().unwrap().contains("week 3"), "{:?}", events[2].get_summary());
    assert!(
        events[0].get_description().unwrap().contains("18:00 (Europe/Berlin)"),
        "{:?}",
        events[0].get_description()
    );
    let uids: std::collections::HashSet<&str> = events.iter().filter_map(|e| e.get_uid()).collect();
    assert_eq!(uids.len(), 36, "stable, distinct UIDs");
    assert!(uids.contains(format!("studybot-group-{g}-session-0").as_str()));
    assert!(text.contains("BEGIN:VCALENDAR") && text.contains("VERSION:2.0") && text.contains("PRODID"), "{text}");

    // A paused group's file has no sessions, and says so.
    tb.run(Slash::new("group").sub("pause").by(&tb.moderator())).await;
    let r = tb.run(Slash::new("calendar").sub("file").by(&tb.member())).await;
    assert!(r.content.contains("is paused"), "{}", r.content);
    tb.finish().await;
}

/// `/my-data` returns exactly the member's own rows of this server: not another member's,
/// not the member's rows in another server; after `/forget-me` nothing is left.
#[tokio::test]
async fn my_data_holds_exactly_the_members_rows_of_this_server() {
    const G2: u64 = 9000;
    const G2_CHANNEL: u64 = 9001;
    let tb = TestBot::start(Mode::Tls, NOW).await;
    tb.fake.add_guild(
        GuildSpec::new(G2, "Other server").owner(defaults::BOB).text_channel(G2_CHANNEL, "general").member(
            defaults::BOB,
            "bob",
            &[],
        ),
    );
    evenings(&tb).await;
    // bob in the other server, with a group there.
    let bob_there = Invoker::new(defaults::BOB, "bob").in_guild(G2, G2_CHANNEL).permissions(perms::ALL);
    let r =
        tb.run(create("Elsewhere", G2_CHANNEL, "architecture", "2026-11-30", 0, "17:00", "UTC").by(&bob_there)).await;
    assert!(r.text().contains("Created"), "{}", r.text());
    tb.set_now("2026-11-30T17:30:00Z");
    tb.run(checkin(0, 2.0, 3).string("note", "read chapter 1").by(&tb.member())).await;
    tb.run(checkin(1, 1.0, 2).string("note", "alice's own note").by(&tb.moderator())).await;
    let r = tb.run(checkin(0, 5.0, 5).string("note", "other server note").by(&bob_there)).await;
    assert!(r.text().contains("week 1"), "{}", r.text());

    let r = tb.run(Slash::new("my-data").by(&tb.member())).await;
    assert!(
        r.ephemeral && r.content.contains("1 check-in") && r.content.contains("moderators can read"),
        "{}",
        r.content
    );
    let file = r.files.iter().find(|f| f.filename.as_deref() == Some("my-data.json")).expect("a JSON file");
    let data: Value = serde_json::from_slice(&file.bytes).unwrap();
    assert_eq!(data["guild_id"], defaults::GUILD.to_string());
    assert_eq!(data["user_id"], defaults::BOB.to_string());
    assert_eq!(data["profile"]["display_name"], "bob");
    let checkins = data["checkins"].as_array().unwrap();
    assert_eq!(checkins.len(), 1, "{data}");
    assert_eq!(
        (checkins[0]["group"].as_str(), checkins[0]["note"].as_str()),
        (Some("Evenings"), Some("read chapter 1"))
    );
    assert_eq!(data["memberships"].as_array().unwrap().len(), 1);
    let text = String::from_utf8_lossy(&file.bytes);
    assert!(!text.contains("alice") && !text.contains("Elsewhere") && !text.contains("other server note"), "{text}");

    assert_eq!(data["calendar_changes"], serde_json::json!([]), "{data}");

    // In the other server, bob sees that server's rows only, including the group he created
    // and the calendar change he made there.
    let r = tb.run(Slash::new("group").sub("skip").by(&bob_there)).await;
    assert!(r.text().contains("kip"), "{}", r.text());
    let r = tb.run(Slash::new("my-data").by(&bob_there)).await;
    let there: Value = serde_json::from_slice(&r.files[0].bytes).unwrap();
    assert_eq!(there["checkins"][0]["note"], "other server note");
    assert_eq!(there["groups_created"], serde_json::json!(["Elsewhere"]));
    let changes = there["calendar_changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1, "{there}");
    assert_eq!((changes[0]["group"].as_str(), changes[0]["action"].as_str()), (Some("Elsewhere"), Some("skip")));

    // Forgotten: nothing left here.
    let msg = tb.run(Slash::new("forget-me").by(&tb.member())).await.message;
    tb.fake.click_button(&tb.member(), &msg, "sb:fg").await.wait_reply(T).await;
    let r = tb.run(Slash::new("my-data").by(&tb.member())).await;
    assert!(r.content.contains("Nothing is stored about you"), "{}", r.content);
    tb.finish().await;
}

/// Fair progress: a member who joins in week 7 is measured from week 7 ("1 of 1 held" after
/// one check-in), `/join` makes them a member before any check-in, and weeks they missed
/// since joining are offered to catch up on with a link to their weekly post.
#[tokio::test]
async fn a_late_joiner_counts_from_their_week_and_gets_a_catch_up_list() {
    let tb = TestBot::start(Mode::Tls, NOW).await;
    let g = evenings(&tb).await;
    // Week 7 of Evenings (Mondays 18:00 Berlin from 2026-11-30): 2027-01-11. The bot was not
    // running before (weeks 1-6 are recorded as missed by it); week 7 is posted.
    tb.set_now("2027-01-11T18:30:00Z");
    assert_eq!(tb.tick().await.sent, 1);
    let r = tb.run(Slash::new("join").by(&tb.member())).await;
    assert!(r.text().contains("You are in **Evenings** from week 7"), "{}", r.text());
    let p = tb.run(Slash::new("progress").by(&tb.member())).await.text();
    assert!(p.contains("0 of 1 held"), "{p}");
    tb.run(checkin(0, 2.0, 4).by(&tb.member())).await;
    let p = tb.run(Slash::new("progress").by(&tb.member())).await.text();
    assert!(p.contains("1 of 1 held") && !p.contains("Catch up"), "{p}");
    // Catching up on week 3 (allowed) never moves the start of counting back.
    let r = tb.run(checkin(0, 1.0, 3).integer("week", 3).by(&tb.member())).await;
    assert!(r.text().contains("week 3"), "{}", r.text());
    let p = tb.run(Slash::new("progress").by(&tb.member())).await.text();
    assert!(p.contains("1 of 1 held") && !p.contains("Catch up"), "after catching up on week 3: {p}");
    let joined = tb.db.raw_integers("SELECT joined_week FROM group_members WHERE group_id = $1", &[g]).await.unwrap();
    assert_eq!(joined, [Some(7)]);

    // Weeks 8 and 9 are posted; bob checks in for neither. In week 10 he is offered both,
    // with links to their posts and threads; week 10 itself is still in progress.
    let mut posts = std::collections::HashMap::new();
    for (week, at) in [(8, "2027-01-18T17:00:00Z"), (9, "2027-01-25T17:00:00Z"), (10, "2027-02-01T17:00:00Z")] {
        tb.set_now(at);
        assert_eq!(tb.tick().await.sent, 1, "week {week}");
        let post = tb.fake.channel_posts(defaults::GENERAL).into_iter().last().unwrap();
        posts.insert(week, post["id"].as_str().unwrap().to_string());
    }
    tb.set_now("2027-02-02T09:00:00Z");
    let p = tb.run(Slash::new("progress").by(&tb.member())).await;
    let text = p.text();
    assert!(text.contains("1 of 4 held"), "{text}");
    let catch_up = text.split("Catch up").nth(1).unwrap_or_else(|| panic!("no catch-up list: {text}"));
    for week in [8, 9] {
        let link = format!("https://discord.com/channels/{}/{}/{}", defaults::GUILD, defaults::GENERAL, posts[&week]);
        assert!(catch_up.contains(&format!("Week {week}:")) && catch_up.contains(&link), "week {week}: {catch_up}");
    }
    assert!(!catch_up.contains("Week 10:") && !catch_up.contains("Week 7:"), "{catch_up}");
    assert!(catch_up.contains("discussion <#"), "{catch_up}");
    let _ = g;
    tb.finish().await;
}

/// `/away`: the weeks of an away period keep the member's streak, do not count as missed
/// (no at-risk listing), get no reminder DM, and show as "away" to moderators.
#[tokio::test]
async fn an_away_week_keeps_the_streak_and_the_member_off_at_risk() {
    let tb = TestBot::start(Mode::Tls, NOW).await;
    evenings(&tb).await;
    let bob = tb.member();
    assert!(tb.run(Slash::new("remind").integer("setting", 0).by(&bob)).await.text().contains("You are in"));
    tb.run(Slash::new("join").by(&tb.moderator())).await;
    let r =
        tb.run(Slash::new("away").sub("set").string("from", "2026-12-07").string("to", "2026-12-20").by(&bob)).await;
    assert!(r.text().contains("weeks 2, 3") && !r.text().contains("made you a member"), "{}", r.text());
    // Someone who never joined is joined by it, and told so.
    let dave = Invoker::new(7777, "dave").in_guild(defaults::GUILD, defaults::GENERAL);
    let r =
        tb.run(Slash::new("away").sub("set").string("from", "2026-12-07").string("to", "2026-12-13").by(&dave)).await;
    assert!(r.text().contains("made you a member") && r.text().contains("from week 1"), "{}", r.text());
    // /my-data names every field of an away period.
    let r = tb.run(Slash::new("my-data").by(&bob)).await;
    let data: Value = serde_json::from_slice(&r.files[0].bytes).unwrap();
    assert_eq!(data["format_version"], 8);
    assert_eq!(data["away"][0], serde_json::json!({"group": "Evenings", "from": "2026-12-07", "to": "2026-12-20"}));
    // Refusals name the problem.
    let r =
        tb.run(Slash::new("away").sub("set").string("from", "2026-12-20").string("to", "2026-12-07").by(&bob)).await;
    assert!(r.ephemeral && r.text().contains("ends (2026-12-07) before it starts"), "{}", r.text());
    let r =
        tb.run(Slash::new("away").sub("set").string("from", "2026-12-08").string("to", "2026-12-13").by(&bob)).await;
    assert!(r.text().contains("has no session from 2026-12-08 to 2026-12-13"), "{}", r.text());

    // Mondays 18:00 Berlin = 17:00Z; reminders 24 h before. Ticks at each.
    let ci =
        |by: &Invoker| Slash::new("checkin").integer("status", 0).number("hours", 2.0).integer("confidence", 4).by(by);
    for (at, checkin_after) in [
        ("2026-11-29T17:00:00Z", false), // reminder, week 1
        ("2026-11-30T17:00:00Z", true),  // week 1: both check in
        ("2026-12-06T17:00:00Z", false), // reminder, week 2 (bob away)
        ("2026-12-07T17:00:00Z", false),
        ("2026-12-13T17:00:00Z", false), // reminder, week 3 (bob away)
        ("2026-12-14T17:00:00Z", false),
        ("2026-12-20T17:00:00Z", false), // reminder, week 4
        ("2026-12-21T17:00:00Z", false),
    ] {
        tb.set_now(at);
        assert_eq!(tb.tick().await.sent, 1, "{at}");
        if checkin_after {
            tb.set_now("2026-11-30T19:00:00Z");
            tb.run(ci(&bob)).await;
            tb.run(ci(&tb.moderator())).await;
        }
    }
    let dms = tb.fake.dm_messages(defaults::BOB);
    let weeks: Vec<bool> = [1, 2, 3, 4]
        .iter()
        .map(|w| dms.iter().any(|d| d["content"].as_str().unwrap().contains(&format!("moves on to week {w} "))))
        .collect();
    assert_eq!(weeks, [true, false, false, true], "reminder DMs for weeks 1 and 4 only: {dms:?}");

    tb.set_now("2026-12-22T09:00:00Z");
    tb.run(ci(&bob)).await;
    let p = tb.run(Slash::new("progress").by(&bob)).await.text();
    assert!(p.contains("2 of 2 held") && p.contains("Current streak\n2 weeks"), "{p}");
    let report = tb.run(Slash::new("report").sub("participation").by(&tb.moderator())).await.text();
    let at_risk = report.split("At-risk members").nth(1).unwrap_or_else(|| panic!("{report}"));
    // Week 4 is in progress (posted yesterday): alice missed the finished weeks 2 and 3.
    assert!(at_risk.contains("- alice: missed 2 weeks") && !at_risk.contains("bob"), "{at_risk}");
    let bob_line = report.lines().find(|l| l.starts_with("bob ")).unwrap_or_else(|| panic!("{report}"));
    // Finished weeks: he was active in week 1 only (away for 2 and 3); week 4, in progress,
    // is its own column.
    assert!(bob_line.contains("1/1") && bob_line.contains("yes") && bob_line.contains("away 2"), "{bob_line}");

    // Cancelled: the weeks count again (and there is nothing left to cancel).
    assert!(tb.run(Slash::new("away").sub("cancel").by(&bob)).await.text().contains("cancelled"));
    let p = tb.run(Slash::new("progress").by(&bob)).await.text();
    assert!(p.contains("2 of 4 held"), "{p}");
    assert!(tb.run(Slash::new("away").sub("cancel").by(&bob)).await.text().contains("no away period"));
    tb.finish().await;
}

/// A refusal changes nothing: `/remind on` naming a group that does not exist says so and
/// leaves reminder DMs off (and joins nothing).
#[tokio::test]
async fn remind_on_for_an_unknown_group_changes_nothing() {
    let tb = TestBot::start(Mode::Tls, NOW).await;
    evenings(&tb).await;
    let r = tb.run(Slash::new("remind").integer("setting", 0).string("group", "Nope").by(&tb.member())).await;
    assert!(r.text().contains("Nope"), "{}", r.text());
    let on = tb
        .db
        .raw_integers("SELECT remind_dm FROM members WHERE user_id = $1", &[studybot::db::to_db(defaults::BOB)])
        .await
        .unwrap();
    assert!(on.iter().all(|v| *v == Some(0)), "reminder DMs were turned on: {on:?}");
    let joined = tb.db.raw_integers("SELECT COUNT(*) FROM group_members", &[]).await.unwrap();
    assert_eq!(joined, [Some(0)]);
    tb.finish().await;
}

/// A group created an hour after its first session began: its week 1 goes out at the next
/// tick, and the reply and `/group next` say so (not "next week with week 2").
#[tokio::test]
async fn creating_a_group_after_its_first_session_began_promises_what_really_happens() {
    let tb = TestBot::start(Mode::Tls, "2026-11-30T19:00:00Z").await;
    let r = tb
        .run(
            create("Late start", defaults::GENERAL, "architecture", "2026-11-30", 0, "18:00", "UTC")
                .by(&tb.moderator()),
        )
        .await;
    let text = r.text();
    assert!(text.contains("week 1 is posted now") && !text.contains("week 2"), "{text}");
    let next = tb.run(Slash::new("group").sub("next").by(&tb.moderator())).await.text();
    assert!(next.contains("week 1") && next.contains("goes out now"), "{next}");
    let g = studybot::db::groups::list(&tb.db, defaults::GUILD).await.unwrap()[0].id;
    assert_eq!(tb.tick().await.sent, 1);
    let posted = tb.fake.channel_posts(defaults::GENERAL);
    assert_eq!(support::week_key(posted.last().unwrap()), Some((g, 1)));
    let next = tb.run(Slash::new("group").sub("next").by(&tb.moderator())).await.text();
    assert!(next.contains("week 2") && !next.contains("goes out now"), "{next}");
    tb.finish().await;
}
