//! Spaced review end to end through the fake Discord: a first rating seeds a card, the
//! review-cards job schedules it after its week, `/review start` shows the most overdue
//! card, a grade moves it as FSRS says, forged or repeated grades change nothing, and
//! `/forget-me` leaves no card.

mod support;

use fake_discord::{Invoker, Slash, defaults};
use studybot::db::review as cards;
use studybot::review::{self, Grade};
use support::harness::{Mode, T, TestBot, utc};

const NOW: &str = "2026-11-23T12:00:00Z";
const CAROL: u64 = 5555;

/// Bob as the author of ratings in group `g`.
fn bob_in(group_id: i64) -> studybot::db::members::Author<'static> {
    studybot::db::members::Author { guild_id: defaults::GUILD, group_id, user_id: defaults::BOB, display_name: "bob" }
}

#[tokio::test]
async fn a_rated_question_comes_back_after_its_week_and_a_grade_moves_it_as_fsrs_says() {
    let tb = TestBot::start(Mode::Tls, NOW).await;
    let g = tb.create_group("Evenings", "architecture", "2026-11-30", 0, "18:00", "Europe/Berlin").await;
    tb.set_now("2026-11-30T17:00:00Z");
    assert!(tb.run(Slash::new("group").sub("post-now").by(&tb.moderator())).await.content.contains("Posted"));
    let post = tb.fake.channel_posts(defaults::GENERAL).last().cloned().expect("weekly post");
    let bob = tb.member();

    // Nothing rated yet: nothing to review, and the member is told how cards come.
    let r = tb.run(Slash::new("review").sub("start").by(&bob)).await;
    assert!(r.ephemeral && r.content.contains("no review cards yet"), "{}", r.content);

    // Bob rates question 1 "4" (Good) and question 2 "1" (Again); a second rating of
    // question 1 does not reseed it.
    tb.set_now("2026-11-30T20:00:00Z");
    let view = tb.fake.click_button(&bob, &post, &format!("sb:as:{g}:1")).await.wait_reply(T).await;
    for id in [format!("sb:rt:{g}:1:0:4"), format!("sb:rt:{g}:1:1:1"), format!("sb:rt:{g}:1:0:2")] {
        tb.fake.click_button(&bob, &view.message, &id).await.wait_reply(T).await;
    }
    let seeded = cards::cards_of(&tb.db, defaults::GUILD, defaults::BOB).await.unwrap();
    assert_eq!(seeded.len(), 2, "{seeded:?}");
    assert_eq!((seeded[0].question, seeded[0].seed_rating), (0, 4));
    assert_eq!((seeded[1].question, seeded[1].seed_rating), (1, 1));
    assert!(seeded.iter().all(|c| c.scheduled.is_none()), "scheduled by the job");

    // The job schedules them: both wait for the end of week 1's session (the next session,
    // 2026-12-07 18:00 Berlin), though FSRS alone would bring them back sooner.
    tb.tick().await;
    let scheduled = cards::cards_of(&tb.db, defaults::GUILD, defaults::BOB).await.unwrap();
    let week_end = utc("2026-12-07T17:00:00Z");
    for c in &scheduled {
        let s = c.scheduled.as_ref().expect("scheduled");
        assert_eq!(s.due_at, week_end, "{c:?}");
        assert_eq!(s.last_review_at, utc("2026-11-30T20:00:00Z"));
        assert_eq!(c.reps, 1);
    }
    assert_eq!((scheduled[0].lapses, scheduled[1].lapses), (0, 1), "a first 1/5 is a lapse");
    let good = scheduled[0].scheduled.clone().unwrap();
    assert!((good.memory.stability - 2.3065).abs() < 1e-3, "FSRS's first Good: {good:?}");

    // Before the end of the week: nothing due, and when the next is.
    let r = tb.run(Slash::new("review").sub("start").by(&bob)).await;
    assert!(r.content.contains("Nothing is due") && r.content.contains(&format!("<t:{}:R>", week_end.timestamp())));

    // A day later both are due; the shown one is the most overdue (then the first).
    tb.set_now("2026-12-08T09:00:00Z");
    let r = tb.run(Slash::new("review").sub("start").by(&bob)).await;
    let question =
        studybot::curriculum::Curriculum::embedded().unwrap().week("architecture", 1).unwrap().questions[0].clone();
    let shown = r.embeds[0]["description"].as_str().unwrap();
    assert!(shown.contains(question.trim()), "{shown}");
    let card = scheduled[0].id;
    let ids = r.custom_ids();
    let mut expected: Vec<String> = (1..=4).map(|n| format!("sb:rv:{card}:1:{n}:0")).collect();
    expected.push(format!("sb:ro:{card}:0"));
    assert_eq!(ids, expected, "four grades, and the outline the curriculum gives");
    assert!(r.embeds[0]["fields"].as_array().is_none_or(|f| f.is_empty()), "the outline waits to be asked for");

    // "Show outline": the same card with the curriculum's outline, the grades still there.
    let outline = tb.fake.click_button(&bob, &r.message, &ids[4]).await.wait_reply(T).await;
    let points = studybot::curriculum::Curriculum::embedded()
        .unwrap()
        .week("architecture", 1)
        .unwrap()
        .outline_of(0)
        .unwrap()
        .to_vec();
    let field = &outline.embeds[0]["fields"][0];
    assert_eq!(field["name"], "A good answer touches on");
    assert_eq!(field["value"], points.iter().map(|p| format!("- {p}")).collect::<Vec<_>>().join("\n"));
    assert_eq!(outline.custom_ids(), ids[..4].to_vec());

    // A forged grade of bob's card by another member, or from another server, changes nothing.
    let carol = Invoker::new(CAROL, "carol").in_guild(defaults::GUILD, defaults::GENERAL);
    let forged = tb.fake.click_button(&carol, &r.message, &ids[3]).await.wait_reply(T).await;
    assert!(forged.ephemeral && forged.content.contains("not there any more"), "{}", forged.content);
    assert_eq!(cards::cards_of(&tb.db, defaults::GUILD, defaults::BOB).await.unwrap(), scheduled);

    // Bob grades it "solid": it comes back when FSRS says (three more days of memory).
    let graded = tb.fake.click_button(&bob, &r.message, &ids[2]).await.wait_reply(T).await;
    let now = utc("2026-12-08T09:00:00Z");
    let expected = review::review(good.memory, good.last_review_at, Grade::Good, now, 0.9, review::fuzz_key(card, 2));
    assert_eq!(expected.elapsed_days, 7);
    let after = cards::card(&tb.db, defaults::GUILD, defaults::BOB, card).await.unwrap().unwrap();
    let s = after.scheduled.as_ref().unwrap();
    assert_eq!((s.due_at, after.reps, s.last_review_at), (expected.due, 2, now));
    assert!((s.memory.stability - expected.memory.stability).abs() < 1e-4);
    assert!(graded.content.contains(&format!("comes back <t:{}:R>", expected.due.timestamp())), "{}", graded.content);
    // ... and the next card follows in the same message.
    assert_eq!(graded.custom_ids()[0], format!("sb:rv:{}:1:1:0", scheduled[1].id));
    // The same button again: already graded, nothing changes.
    let again = tb.fake.click_button(&bob, &r.message, &ids[2]).await.wait_reply(T).await;
    assert!(again.content.contains("not there any more"), "{}", again.content);
    assert_eq!(cards::card(&tb.db, defaults::GUILD, defaults::BOB, card).await.unwrap().unwrap(), after);

    // /my-data holds the cards and every review (two seeds, one grade), questions from 1.
    let r = tb.run(Slash::new("my-data").by(&bob)).await;
    let data: serde_json::Value = serde_json::from_slice(&r.files[0].bytes).unwrap();
    assert_eq!(data["review_cards"].as_array().unwrap().len(), 2, "{data}");
    assert_eq!(data["review_cards"][0]["question"], 1);
    let sources: Vec<&str> =
        data["reviews"].as_array().unwrap().iter().map(|r| r["source"].as_str().unwrap()).collect();
    assert_eq!(sources, ["seed", "seed", "review"]);

    // /forget-me leaves no card (nor its log).
    let r = tb.run(Slash::new("forget-me").by(&bob)).await;
    tb.fake.click_button(&bob, &r.message, "sb:fg").await.wait_reply(T).await;
    assert!(cards::cards_of(&tb.db, defaults::GUILD, defaults::BOB).await.unwrap().is_empty());
    let log = tb.db.raw_integers("SELECT COUNT(*) FROM review_log WHERE user_id = $1", &[defaults::BOB as i64]).await;
    assert_eq!(log.unwrap(), [Some(0)]);
    tb.finish().await;
}

/// The daily allowance: at most five reviews a day; the rest waits for tomorrow.
#[tokio::test]
async fn at_most_five_cards_a_day() {
    let tb = TestBot::start(Mode::Tls, NOW).await;
    let g = tb.create_group("Evenings", "architecture", "2026-11-30", 0, "18:00", "Europe/Berlin").await;
    let bob = tb.member();
    tb.set_now("2026-12-22T12:00:00Z");
    let author = bob_in(g);
    studybot::db::members::join(&tb.db, author, 1, utc("2026-11-30T18:00:00Z")).await.unwrap();
    let path = studybot::curriculum::Curriculum::embedded().unwrap();
    let mut rated = 0;
    for week in 1..=2u32 {
        let w = path.week("architecture", week).unwrap();
        for q in (0..w.questions.len()).filter(|q| w.is_rated(*q)) {
            let at = utc("2026-11-30T20:00:00Z") + chrono::Duration::days(7 * i64::from(week - 1));
            studybot::db::members::set_rating(&tb.db, author, week, q as u8, 3, at).await.unwrap();
            rated += 1;
        }
    }
    assert!(rated > 5, "{rated}");
    let mut reviewed = 0;
    let mut r = tb.run(Slash::new("review").sub("start").by(&bob)).await;
    while let Some(id) = r.custom_ids().get(2).cloned() {
        r = tb.fake.click_button(&bob, &r.message, &id).await.wait_reply(T).await;
        reviewed += 1;
        assert!(reviewed <= 5, "past the allowance");
    }
    assert_eq!(reviewed, 5);
    assert!(r.content.contains("That is 5 reviews today"), "{}", r.content);
    // /progress: every review so far was "solid", and the cards left are due.
    let left = rated - 5;
    let p = tb.run(Slash::new("progress").by(&bob)).await;
    let line = p.embeds[0]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "Spaced review")
        .map(|f| f["value"].as_str().unwrap().to_string())
        .expect("a spaced-review line");
    assert_eq!(line, format!("Recalled 100% of 5 reviews, {left} due (`/review start`)."));
    // /review forecast: the overdue cards today, in Berlin's days.
    let f = tb.run(Slash::new("review").sub("forecast").by(&bob)).await;
    assert!(f.ephemeral && f.content.contains("Europe/Berlin"), "{}", f.content);
    assert!(f.content.contains(&format!("- Today: {left}\n")), "{}", f.content);
    // The next day (Berlin), five more.
    tb.set_now("2026-12-23T00:30:00Z");
    let r = tb.run(Slash::new("review").sub("start").by(&bob)).await;
    assert_eq!(r.custom_ids().len(), 4, "{}", r.content);
    tb.finish().await;
}

/// A card whose question the curriculum rewrote (its stored hash no longer matches the
/// text) retires instead of asking the new question with the old memory; the other card of
/// the week is shown.
#[tokio::test]
async fn a_card_whose_question_changed_retires() {
    let tb = TestBot::start(Mode::Tls, NOW).await;
    let g = tb.create_group("Evenings", "architecture", "2026-11-30", 0, "18:00", "Europe/Berlin").await;
    let bob = tb.member();
    let author = bob_in(g);
    studybot::db::members::join(&tb.db, author, 1, utc("2026-11-30T18:00:00Z")).await.unwrap();
    for q in [0u8, 1] {
        studybot::db::members::set_rating(&tb.db, author, 1, q, 3, utc("2026-11-30T20:00:00Z")).await.unwrap();
    }
    tb.set_now("2026-12-22T12:00:00Z");
    tb.tick().await;
    let before = cards::cards_of(&tb.db, defaults::GUILD, defaults::BOB).await.unwrap();
    assert!(before.iter().all(|c| c.scheduled.is_some()), "{before:?}");
    // As if the curriculum had rewritten question 1 since the card was scheduled.
    let changed = tb
        .db
        .raw_execute("UPDATE review_cards SET question_hash = '0000000000000000' WHERE id = $1", &[before[0].id])
        .await
        .unwrap();
    assert_eq!(changed, 1);
    let r = tb.run(Slash::new("review").sub("start").by(&bob)).await;
    assert_eq!(r.custom_ids()[0], format!("sb:rv:{}:1:1:0", before[1].id), "the changed one is skipped");
    let retired = tb.db.raw_integers("SELECT retired FROM review_cards WHERE id = $1", &[before[0].id]).await;
    assert_eq!(retired.unwrap(), [Some(1)]);
    // Retired cards are never due again, but stay in /my-data as retired.
    let due = cards::due(&tb.db, defaults::GUILD, defaults::BOB, None, utc("2027-12-01T00:00:00Z"), 10).await.unwrap();
    assert_eq!(due.iter().map(|c| c.id).collect::<Vec<_>>(), [before[1].id]);
    tb.finish().await;
}

/// `/settings review retention:80`: cards come back later, as FSRS says for 80 % recall.
#[tokio::test]
async fn a_servers_desired_retention_moves_the_intervals() {
    let tb = TestBot::start(Mode::Tls, NOW).await;
    let g = tb.create_group("Evenings", "architecture", "2026-11-30", 0, "18:00", "Europe/Berlin").await;
    let r = tb.run(Slash::new("settings").sub("review").integer("retention", 80).by(&tb.moderator())).await;
    assert!(r.content.contains("recall falls to 80%"), "{}", r.content);
    let author = bob_in(g);
    let rated = utc("2026-11-30T20:00:00Z");
    studybot::db::members::join(&tb.db, author, 1, rated).await.unwrap();
    studybot::db::members::set_rating(&tb.db, author, 1, 0, 5, rated).await.unwrap();
    tb.set_now("2026-12-01T12:00:00Z");
    tb.tick().await;
    let card = cards::cards_of(&tb.db, defaults::GUILD, defaults::BOB).await.unwrap().remove(0);
    let week_end = utc("2026-12-07T17:00:00Z");
    let at = |retention| review::seed(5, rated, week_end, retention, review::fuzz_key(card.id, 1)).1.due;
    assert_eq!(card.scheduled.unwrap().due_at, at(0.80));
    assert!(at(0.80) > at(0.90), "{} {}", at(0.80), at(0.90));
    let r = tb.run(Slash::new("settings").sub("review").boolean("reset", true).by(&tb.moderator())).await;
    assert!(r.content.contains("recall falls to 90% (default)"), "{}", r.content);
    tb.finish().await;
}

/// Bob's cards of week 1 (questions 1 and 2), rated on 2026-11-30 and scheduled by a tick
/// on 2026-12-07 (due 2026-12-07 18:00 Berlin, the end of week 1's session).
async fn two_cards(tb: &TestBot) -> i64 {
    let g = tb.create_group("Evenings", "architecture", "2026-11-30", 0, "18:00", "Europe/Berlin").await;
    let author = bob_in(g);
    studybot::db::members::join(&tb.db, author, 1, utc("2026-11-30T18:00:00Z")).await.unwrap();
    for q in [0u8, 1] {
        studybot::db::members::set_rating(&tb.db, author, 1, q, 4, utc("2026-11-30T20:00:00Z")).await.unwrap();
    }
    tb.set_now("2026-12-07T12:00:00Z");
    tb.tick().await;
    g
}

/// Bob's review DMs.
fn review_dms(tb: &TestBot) -> Vec<serde_json::Value> {
    tb.fake
        .dm_messages(defaults::BOB)
        .into_iter()
        .filter(|m| m["content"].as_str().unwrap_or("").starts_with("**Spaced review"))
        .collect()
}

async fn next_dm_at(tb: &TestBot) -> Option<chrono::DateTime<chrono::Utc>> {
    let p = cards::prefs(&tb.db, defaults::GUILD, defaults::BOB).await.unwrap().expect("choices stored");
    p.dm.map(|d| d.next_at)
}

/// The opt-in daily DM: at the member's hour in the group's timezone, once a day across
/// ticks, a restart and a crash mid-send (the tick dies while Discord holds the message and
/// its claim is left to a process that is gone); its button starts a session in the DM
/// whose grades work there; none on a day the member is away; closed DMs turn it off.
#[tokio::test]
async fn the_review_dm_comes_once_a_day_across_a_restart_and_a_crash_never_while_away() {
    let mut tb = TestBot::start(Mode::Tls, NOW).await;
    let g = two_cards(&tb).await;
    let bob = tb.member();

    // Out-of-range choices are refused with nothing stored.
    let r = tb.run(Slash::new("review").sub("on").integer("max", 30).by(&bob)).await;
    assert!(r.ephemeral && r.content.contains("1 to 20"), "{}", r.content);
    assert!(cards::prefs(&tb.db, defaults::GUILD, defaults::BOB).await.unwrap().is_none());

    // On at 09:00 Berlin (08:00 UTC), three cards a day.
    let r = tb.run(Slash::new("review").sub("on").integer("hour", 9).integer("max", 3).by(&bob)).await;
    let first = utc("2026-12-08T08:00:00Z");
    assert!(r.content.contains("09:00 (Europe/Berlin") && r.content.contains(&format!("<t:{}:R>", first.timestamp())));
    assert_eq!(next_dm_at(&tb).await, Some(first));

    // Not before the hour.
    tb.set_now("2026-12-08T07:59:00Z");
    tb.tick().await;
    assert!(review_dms(&tb).is_empty());

    // At the hour: one DM with the day's count and a button; never a second that day,
    // across ticks and a restart.
    tb.set_now("2026-12-08T08:00:20Z");
    assert_eq!(tb.tick().await.sent, 1);
    let dms = review_dms(&tb);
    assert_eq!(dms.len(), 1);
    let text = dms[0]["content"].as_str().unwrap();
    assert!(text.starts_with("**Spaced review, Tuesday 8 December**: 2 cards to review today"), "{text}");
    assert_eq!(dms[0]["components"][0]["components"][0]["custom_id"], format!("sb:rs:{g}"));
    assert_eq!(next_dm_at(&tb).await, Some(utc("2026-12-09T08:00:00Z")));
    tb.tick().await;
    tb.restart().await;
    tb.tick().await;
    assert_eq!(review_dms(&tb).len(), 1, "a second DM the same day");

    // The button starts the session in the DM; the outline and a grade work there too.
    let bob_dm = tb.member().dm();
    let s = tb.fake.click_button(&bob_dm, &dms[0], &format!("sb:rs:{g}")).await.wait_reply(T).await;
    assert!(s.ephemeral, "{}", s.content);
    let ids = s.custom_ids();
    assert_eq!(ids.len(), 5, "four grades and the outline: {}", s.content);
    let outline = tb.fake.click_button(&bob_dm, &s.message, &ids[4]).await.wait_reply(T).await;
    assert_eq!(outline.embeds[0]["fields"][0]["name"], "A good answer touches on", "{}", outline.content);
    let graded = tb.fake.click_button(&bob_dm, &s.message, &ids[2]).await.wait_reply(T).await;
    assert!(graded.content.contains("comes back"), "{}", graded.content);
    let reviews = tb.db.raw_integers("SELECT COUNT(*) FROM review_log WHERE source = 'review'", &[]).await.unwrap();
    assert_eq!(reviews, [Some(1)]);
    // A stranger's click on the DM's button finds no group of theirs.
    let stranger = Invoker::new(CAROL, "carol").dm();
    let r = tb.fake.click_button(&stranger, &dms[0], &format!("sb:rs:{g}")).await.wait_reply(T).await;
    assert!(r.ephemeral && r.custom_ids().is_empty(), "{}", r.content);

    // The next day the process dies mid-send: Discord created the DM, its answer never came
    // back, and the claim stays with the dead process. After a restart the DM is tried
    // again with the same nonce: Discord returns the first one; still one DM that day.
    tb.set_now("2026-12-09T08:00:10Z");
    tb.fake.set_latency(std::time::Duration::from_millis(800));
    {
        let tick = tb.tick();
        tokio::pin!(tick);
        let created = async {
            while review_dms(&tb).len() < 2 {
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
        };
        tokio::select! {
            _ = &mut tick => panic!("the tick ended before it was cut"),
            _ = tokio::time::timeout(T, created) => {}
        }
    }
    tb.fake.set_latency(std::time::Duration::ZERO);
    let left = tb.db.raw_execute("UPDATE review_dms SET owner = 'killed' WHERE state = 'claimed'", &[]).await.unwrap();
    assert_eq!(left, 1, "the crash left the day's claim unfinished");
    tb.restart().await;
    tb.tick().await;
    assert_eq!(review_dms(&tb).len(), 2, "one DM on the 9th");
    let dm_channel = tb.fake.dm_channel_of(defaults::BOB);
    let posts = tb.fake.requests_to("POST", &format!("/channels/{dm_channel}/messages"));
    // (The dying attempt's request is not in the fake's log: its connection was dropped.)
    let retry = posts.last().expect("the retry reached Discord");
    let created = &review_dms(&tb)[1];
    assert_eq!(retry.response["id"], created["id"], "the retry got the dying attempt's DM back");
    assert_eq!(retry.body["nonce"], created["nonce"], "the retry reused the nonce");
    let states = tb.db.raw_integers("SELECT COUNT(*) FROM review_dms WHERE state = 'sent'", &[]).await.unwrap();
    assert_eq!(states, [Some(2)]);
    assert_eq!(next_dm_at(&tb).await, Some(utc("2026-12-10T08:00:00Z")));

    // Away from the 10th to the 14th (the session of Monday the 14th): no DM on the 10th.
    let r =
        tb.run(Slash::new("away").sub("set").string("from", "2026-12-10").string("to", "2026-12-14").by(&bob)).await;
    let away = tb.db.raw_integers("SELECT COUNT(*) FROM away", &[]).await.unwrap();
    assert_eq!(away, [Some(1)], "{}", r.content);
    tb.set_now("2026-12-10T08:00:05Z");
    tb.tick().await;
    assert_eq!(review_dms(&tb).len(), 2, "a DM while away");
    assert_eq!(next_dm_at(&tb).await, Some(utc("2026-12-11T08:00:00Z")));
    // Back on the 15th, the bot having been down since: the 11th's DM is not sent days late;
    // the next one is the 16th's.
    tb.set_now("2026-12-15T08:00:05Z");
    tb.tick().await;
    assert_eq!(review_dms(&tb).len(), 2, "a DM days late");
    assert_eq!(next_dm_at(&tb).await, Some(utc("2026-12-16T08:00:00Z")));
    tb.set_now("2026-12-16T08:00:05Z");
    tb.tick().await;
    assert_eq!(review_dms(&tb).len(), 3);

    // Closed DMs: the next DM fails with 50007 and turns review DMs off.
    tb.fake.close_dms(defaults::BOB);
    tb.set_now("2026-12-17T08:00:05Z");
    tb.tick().await;
    assert_eq!(next_dm_at(&tb).await, None);
    tb.set_now("2026-12-18T08:00:05Z");
    tb.tick().await;
    assert_eq!(review_dms(&tb).len(), 3);

    // /review off keeps the daily maximum.
    let r = tb.run(Slash::new("review").sub("off").by(&bob)).await;
    assert!(r.content.contains("off") && r.content.contains("at most 3 cards a day"), "{}", r.content);

    // /my-data has the choices and the DMs; /forget-me deletes them.
    let r = tb.run(Slash::new("my-data").by(&bob)).await;
    let data: serde_json::Value = serde_json::from_slice(&r.files[0].bytes).unwrap();
    assert_eq!(data["review_choices"], serde_json::json!({"daily_max": 3, "dm_hour": null}));
    let days: Vec<&str> = data["review_dms"].as_array().unwrap().iter().map(|d| d["day"].as_str().unwrap()).collect();
    assert_eq!(days, ["2026-12-08", "2026-12-09", "2026-12-16", "2026-12-17"]);
    assert_eq!(data["review_dms"][3]["state"], "failed");
    let r = tb.run(Slash::new("forget-me").by(&bob)).await;
    tb.fake.click_button(&bob, &r.message, "sb:fg").await.wait_reply(T).await;
    for table in ["review_prefs", "review_dms"] {
        let n = tb.db.raw_integers(&format!("SELECT COUNT(*) FROM {table}"), &[]).await.unwrap();
        assert_eq!(n, [Some(0)], "{table}");
    }
    tb.finish().await;
}

/// Forgotten topics by hand: six members reviewed question 1 of week 1 six weeks after
/// rating it, three "couldn't answer": 50 %. Question 2 was reviewed so by four members only:
/// not shown. Moderators see it in the participation report (and its CSV) and the overview,
/// without names.
#[tokio::test]
async fn forgotten_topics_are_the_share_of_late_reviews_graded_couldnt_answer() {
    let tb = TestBot::start(Mode::Tls, NOW).await;
    let g = tb.create_group("Evenings", "architecture", "2026-11-30", 0, "18:00", "Europe/Berlin").await;
    let users: Vec<u64> = (1..=6).map(|i| 7_000 + i).collect();
    let names = ["m1", "m2", "m3", "m4", "m5", "m6"];
    for (user, name) in users.iter().zip(names) {
        let author = studybot::db::members::Author {
            guild_id: defaults::GUILD,
            group_id: g,
            user_id: *user,
            display_name: name,
        };
        studybot::db::members::join(&tb.db, author, 1, utc("2026-11-30T18:00:00Z")).await.unwrap();
        for q in [0u8, 1] {
            studybot::db::members::set_rating(&tb.db, author, 1, q, 4, utc("2026-11-30T20:00:00Z")).await.unwrap();
        }
    }
    tb.set_now("2026-12-07T12:00:00Z");
    tb.tick().await;
    // Reviews on 2027-01-11, 42 days after the seed: q1 by all six (three Again), q2 by four.
    let now = utc("2027-01-11T10:00:00Z");
    for (i, user) in users.iter().enumerate() {
        for card in cards::cards_of(&tb.db, defaults::GUILD, *user).await.unwrap() {
            if card.question == 1 && i >= 4 {
                continue;
            }
            let grade = if card.question == 0 && i < 3 { Grade::Again } else { Grade::Good };
            let s = card.scheduled.clone().unwrap();
            let next = review::review(s.memory, s.last_review_at, grade, now, 0.9, review::fuzz_key(card.id, 2));
            assert!(next.elapsed_days >= review::FORGOTTEN_AFTER_DAYS);
            assert!(cards::grade(&tb.db, &card, 1, grade, &next, now).await.unwrap());
        }
    }
    tb.set_now("2027-01-11T12:00:00Z");
    let r = tb.run(Slash::new("report").sub("participation").by(&tb.moderator())).await;
    let field = |r: &fake_discord::Reply, name: &str| {
        r.embeds
            .iter()
            .flat_map(|e| e["fields"].as_array().cloned().unwrap_or_default())
            .find(|f| f["name"] == name)
            .map(|f| f["value"].as_str().unwrap().to_string())
    };
    let lines = field(&r, "Forgotten topics (spaced review)").expect("a forgotten-topics field");
    assert!(
        lines.starts_with("- week 1 Q1: ") && lines.ends_with(": 50% couldn't answer (6 members, 6 reviews)"),
        "{lines}"
    );
    assert_eq!(lines.lines().count(), 1, "question 2 had four members: {lines}");
    assert!(names.iter().all(|n| !lines.contains(n)));
    let csv = r.files.iter().find(|f| f.filename.as_deref() == Some(&format!("forgotten-{g}.csv"))).expect("the CSV");
    let csv = String::from_utf8(csv.bytes.clone()).unwrap();
    let mut rows = csv.lines();
    assert_eq!(
        rows.next(),
        Some("\"week\",\"question\",\"text\",\"members\",\"reviews\",\"couldnt_answer\",\"couldnt_answer_share\"")
    );
    let row = rows.next().unwrap();
    assert!(row.starts_with("\"1\",\"1\",\"") && row.ends_with("\"6\",\"6\",\"3\",\"0.5\""), "{row}");
    assert_eq!(rows.next(), None);

    let o = tb.run(Slash::new("report").sub("overview").by(&tb.moderator())).await;
    let lines = field(&o, "Forgotten topics (spaced review)").expect("in the overview");
    assert!(lines.starts_with("- Evenings, week 1 Q1: ") && lines.ends_with("(6 members, 6 reviews)"), "{lines}");
    tb.finish().await;
}
