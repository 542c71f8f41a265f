//! `/report participation` and `/report member` end to end: numbers against hand-computed
//! values, CSV parsed back, PNG decoded, moderators only, other servers invisible.

mod support;

use fake_discord::{GuildSpec, Invoker, Slash, defaults, perms};
use studybot::db::members::{self, Author};
use studybot::model::{CheckinEntry, CheckinStatus as Status};
use support::harness::{Mode, T, TestBot, utc};

const DAVE: u64 = 5002;
const CAROL: u64 = 5001;

async fn seed(tb: &TestBot, g: i64) {
    let rows: [(u64, &str, u32, Status, f64, u8); 9] = [
        (defaults::BOB, "bob", 1, Status::Done, 2.0, 4),
        (defaults::BOB, "bob", 2, Status::Done, 3.0, 3),
        (defaults::BOB, "bob", 3, Status::Partial, 1.0, 2),
        (defaults::BOB, "bob", 4, Status::Done, 2.0, 4),
        (defaults::ALICE, "alice", 1, Status::Done, 1.0, 5),
        (defaults::ALICE, "alice", 2, Status::Skipped, 0.0, 1),
        (CAROL, "carol, \"the\" reader", 2, Status::Done, 4.0, 3),
        (CAROL, "carol, \"the\" reader", 4, Status::Done, 1.0, 4),
        (DAVE, "dave", 1, Status::Done, 1.0, 2),
    ];
    for (user, name, week, status, hours, confidence) in rows {
        let c = CheckinEntry {
            status,
            hours,
            confidence,
            note: (user == CAROL).then(|| "line one\nline two, with \"quotes\"".to_string()),
        };
        let who = Author { guild_id: defaults::GUILD, group_id: g, user_id: user, display_name: name };
        members::join(&tb.db, who, week, utc("2026-12-22T10:00:00+00:00")).await.unwrap();
        members::upsert_checkin(&tb.db, who, week, &c, utc("2026-12-22T10:00:00+00:00")).await.unwrap();
    }
    for (user, name, week, q, rating) in
        [(defaults::BOB, "bob", 3, 0, 1), (CAROL, "carol, \"the\" reader", 2, 1, 2), (defaults::BOB, "bob", 1, 0, 5)]
    {
        let who = Author { guild_id: defaults::GUILD, group_id: g, user_id: user, display_name: name };
        members::join(&tb.db, who, week, utc("2026-12-22T10:00:00+00:00")).await.unwrap();
        members::set_rating(&tb.db, who, week, q, rating, utc("2026-12-22T10:00:00+00:00")).await.unwrap();
    }
}

#[tokio::test]
async fn participation_report_matches_hand_computed_values() {
    let tb = TestBot::start(Mode::Tls, "2026-11-23T12:00:00Z").await;
    let g = tb.create_group("Evenings", "architecture", "2026-11-30", 0, "18:00", "Europe/Berlin").await;
    // Weeks 1-4 held: 11-30, 12-07, 12-14, 12-21.
    tb.set_now("2026-12-22T12:00:00Z");
    seed(&tb, g).await;

    let r = tb.run(Slash::new("report").sub("participation").by(&tb.moderator())).await;
    assert!(r.ephemeral);
    let text = r.text();
    // Active members: bob, alice, dave from week 1, carol from week 2.
    // Week 1: 3/3, 4 h, conf (4+5+2)/3; week 2: 3/4, 7 h, (3+1+3)/3; week 3: 1/4; week 4: 2/4.
    for line in [
        "   1        3/3  100%      4   3.7",
        "   2        3/4   75%      7   2.3",
        "   3        1/4   25%      1   2.0",
        "   4        2/4   50%      3   4.0 *",
    ] {
        assert!(text.contains(line), "missing `{line}` in:\n{text}");
    }
    // The rate counts the finished weeks 1-3, as at-risk does: 7 check-ins of 11 active
    // member-weeks. Week 4 is shown apart. Hours (15) and confidence (28/9) count every check-in.
    assert!(
        text.contains("4 members · check-in rate 64% over finished weeks · 15.0 h in total · average confidence 3.1"),
        "{text}"
    );
    assert!(text.contains("Week 4 is in progress: 2 of 4 checked in so far (not counted yet)."), "{text}");
    // Per member: finished weeks in "Weeks", the running week in its own column.
    assert!(text.contains("Member               Weeks  Streak  Last  Conf  Now"), "{text}");
    assert!(text.contains("Now: checked in for week 4 yet"), "{text}");
    // Week 4 is in progress (posted yesterday): nobody has missed it yet. At risk: dave
    // (finished weeks 2 and 3), named in plain text, never mentioned; alice missed only week 3.
    assert!(text.contains("- dave: missed 2 weeks in a row (last check-in: week 1)"), "{text}");
    assert!(!text.contains("- alice: missed"), "{text}");
    assert!(text.contains("marked * is in progress"), "{text}");
    assert!(!text.contains("carol, \"the\" reader: missed"), "{text}");
    assert!(!text.contains("<@"), "{text}");
    // Hardest topic first: week 3 question 1, rated 1.
    let hardest = text.split("Hardest topics").nth(1).unwrap();
    assert!(hardest.trim_start().starts_with("- Week 3, Q1:") && hardest.contains("(avg 1.0, 1 ratings)"), "{hardest}");

    // Attachments: chart, members CSV, raw check-ins CSV.
    let file = |prefix: &str| r.files.iter().find(|f| f.filename.as_deref().unwrap_or("").starts_with(prefix)).unwrap();
    let png = file("participation-");
    let decoder = png::Decoder::new(std::io::Cursor::new(png.bytes.clone()));
    let reader = decoder.read_info().unwrap();
    assert_eq!((reader.info().width, reader.info().height), (1000, 600));

    let mut rdr = csv::Reader::from_reader(file("members-").bytes.as_slice());
    let header: Vec<String> = rdr.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(header, studybot::report::MEMBERS_HEADER);
    let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 4);
    let bob = rows.iter().find(|r| r[0] == defaults::BOB.to_string()).unwrap();
    // Finished weeks only (as the rate); week 4 in its own column.
    assert_eq!((&bob[1], &bob[3], &bob[4], &bob[13]), ("bob", "3", "3", "yes"));
    let carol = rows.iter().find(|r| r[0] == CAROL.to_string()).unwrap();
    assert_eq!(&carol[1], "carol, \"the\" reader");
    assert_eq!((&carol[2], &carol[3], &carol[4], &carol[13]), ("2", "2", "1", "yes"));

    let mut rdr = csv::Reader::from_reader(file("checkins-").bytes.as_slice());
    let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 9);
    let note = rows.iter().find(|r| r[0] == CAROL.to_string()).unwrap();
    assert_eq!(&note[6], "line one\nline two, with \"quotes\"");

    // A range.
    let r = tb
        .run(
            Slash::new("report").sub("participation").integer("from_week", 2).integer("to_week", 3).by(&tb.moderator()),
        )
        .await;
    assert!(r.text().contains("Weeks 2-3 of 36"), "{}", r.text());
    let r = tb.run(Slash::new("report").sub("participation").integer("from_week", 9).by(&tb.moderator())).await;
    assert!(r.content.contains("out of range"), "{}", r.content);

    // Public: the channel gets the summary and chart; member rows stay private.
    let h = tb.fake.slash(Slash::new("report").sub("participation").boolean("public", true).by(&tb.moderator())).await;
    let replies = h.wait_replies(2, T).await;
    // The deferred answer is private (an error would be too); the summary follows publicly.
    assert!(replies[0].ephemeral && replies[0].text().contains("dave: missed 2"));
    assert!(!replies[1].ephemeral && replies[1].text().contains("Participation: Evenings"));
    assert!(!replies[1].text().contains("missed"), "at-risk members must not be public");

    // As one HTML page: privately (even when asked in public), its members the CSV's.
    let html = Slash::new("report").sub("participation").integer("format", 1).boolean("public", true);
    let r = tb.run(html.by(&tb.moderator())).await;
    assert!(r.ephemeral && r.content.contains("comes only to you"), "{}", r.content);
    assert_eq!(r.files.len(), 1);
    assert_eq!(r.files[0].filename.as_deref(), Some(format!("participation-{g}.html").as_str()));
    let page = String::from_utf8(r.files[0].bytes.clone()).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>") && page.contains("<h1>Participation: Evenings</h1>"));
    assert!(page.contains("carol, &quot;the&quot; reader") || page.contains("carol, &#34;the&#34; reader"), "escaped");
    assert!(page.contains("dave: 2 weeks missed in a row"), "at-risk on the private page");
    assert!(page.contains("<svg") && page.contains("Content-Security-Policy"));
    // A member is refused as for the Discord format.
    let r = tb.run(Slash::new("report").sub("participation").integer("format", 1).by(&tb.member())).await;
    assert!(r.ephemeral && r.content.contains("for moderators") && r.files.is_empty(), "{}", r.content);
    tb.finish().await;
}

#[tokio::test]
async fn reports_are_for_moderators_of_the_same_server_only() {
    const G2: u64 = 9000;
    const G2_CHANNEL: u64 = 9001;
    const ERIN: u64 = 9100;
    let tb = TestBot::start(Mode::Tls, "2026-11-23T12:00:00Z").await;
    let g = tb.create_group("Evenings", "architecture", "2026-11-30", 0, "18:00", "Europe/Berlin").await;
    tb.set_now("2026-12-22T12:00:00Z");
    seed(&tb, g).await;

    let r = tb.run(Slash::new("report").sub("participation").by(&tb.member())).await;
    assert!(r.ephemeral && r.content.contains("for moderators"), "{}", r.content);
    let r = tb.run(Slash::new("report").sub("member").user("member", defaults::ALICE).by(&tb.member())).await;
    assert!(r.content.contains("for moderators"), "{}", r.content);

    tb.fake.add_guild(GuildSpec::new(G2, "Other").owner(ERIN).text_channel(G2_CHANNEL, "general").member(
        ERIN,
        "erin",
        &[],
    ));
    let erin = Invoker::new(ERIN, "erin").in_guild(G2, G2_CHANNEL).permissions(perms::ALL);
    let r = tb.run(Slash::new("report").sub("participation").string("group", &g.to_string()).by(&erin)).await;
    assert!(r.content.contains("no study groups"), "{}", r.content);
    let r = tb.run(Slash::new("report").sub("member").user("member", defaults::BOB).by(&erin)).await;
    assert!(r.content.contains("no check-ins or ratings in this server"), "{}", r.content);

    // The member history in the right server.
    let r = tb.run(Slash::new("report").sub("member").user("member", defaults::BOB).by(&tb.moderator())).await;
    let t = r.text();
    assert!(t.contains("Weeks checked in") && t.contains("4 of 4 held"), "{t}");
    assert!(t.contains("- Evenings week 4: done, 2 h, confidence 4/5"), "{t}");
    tb.finish().await;
}

/// Reflective prompts (architecture week 6, question 1) are shown without rating buttons,
/// cannot be rated even with a forged button, and a rating stored for one before it was
/// marked never appears in "hardest topics".
#[tokio::test]
async fn reflective_questions_get_no_rating_buttons_and_are_never_hardest_topics() {
    let tb = TestBot::start(Mode::Tls, "2026-11-23T12:00:00Z").await;
    let g = tb.create_group("Evenings", "architecture", "2026-11-30", 0, "18:00", "Europe/Berlin").await;
    // Week 6: 2027-01-04.
    tb.set_now("2027-01-05T12:00:00Z");
    let r = tb.run(Slash::new("assess").by(&tb.member())).await;
    let text = r.text();
    assert!(text.contains("To think about (no rating):"), "{text}");
    let ids: Vec<String> = r.message["components"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|row| row["components"].as_array().unwrap().iter())
        .map(|b| b["custom_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 15, "three rated questions, five buttons each: {ids:?}");
    assert!(ids.iter().all(|id| !id.starts_with(&format!("sb:rt:{g}:6:0:"))), "no buttons for question 1: {ids:?}");
    assert!(ids.contains(&format!("sb:rt:{g}:6:1:5")));
    // A forged button for the reflective prompt is refused.
    let r = tb.fake.click_button(&tb.member(), &r.message, &format!("sb:rt:{g}:6:0:1")).await.wait_reply(T).await;
    assert!(
        r.ephemeral && r.content.contains("reflective prompt") && r.content.contains("not to be rated"),
        "{}",
        r.content
    );

    // Ratings stored for it before it was marked reflective (and a rated one, higher).
    for (user, name) in [(defaults::BOB, "bob"), (CAROL, "carol")] {
        let who = Author { guild_id: defaults::GUILD, group_id: g, user_id: user, display_name: name };
        members::join(&tb.db, who, 6, utc("2027-01-05T10:00:00+00:00")).await.unwrap();
        members::set_rating(&tb.db, who, 6, 0, 1, utc("2027-01-05T10:00:00+00:00")).await.unwrap();
        members::set_rating(&tb.db, who, 6, 1, 3, utc("2027-01-05T10:00:00+00:00")).await.unwrap();
    }
    let report = tb.run(Slash::new("report").sub("participation").by(&tb.moderator())).await.text();
    let hardest = report.split("Hardest topics").nth(1).unwrap_or_else(|| panic!("{report}"));
    // Stored question 1 is the first rated one: members see it as question 1 (the reflective
    // prompt comes last in the post and in /assess), and the report says Q1 too.
    let curriculum = studybot::curriculum::Curriculum::embedded().unwrap();
    let rated = &curriculum.path("architecture").unwrap().week(6).unwrap().questions[1];
    let shown: String = rated.chars().take(40).collect();
    assert!(hardest.contains(&format!("- Week 6, Q1: {shown}")), "{hardest}");
    assert!(!hardest.contains("Week 6, Q2"), "{hardest}");
    tb.finish().await;
}

/// The senior path's skills checklist: offered by a button on the week-15 post (not before),
/// paged four skills at a time, each rated 1 to 5 like `/assess`.
#[tokio::test]
async fn the_skills_checklist_is_offered_in_the_last_week_and_rated_like_assess() {
    let tb = TestBot::start(Mode::Tls, "2026-11-23T12:00:00Z").await;
    let g = tb.create_group("Seniors", "senior", "2026-11-30", 0, "18:00", "UTC").await;
    let last_post = |tb: &TestBot| tb.fake.channel_posts(defaults::GENERAL).into_iter().last().unwrap();
    let ids = |m: &serde_json::Value| -> Vec<String> {
        m["components"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|row| row["components"].as_array().unwrap().iter())
            .map(|b| b["custom_id"].as_str().unwrap().to_string())
            .collect()
    };
    // Week 14 (2027-03-01): no checklist yet, and a forged button is refused.
    tb.set_now("2027-03-01T18:00:00Z");
    assert_eq!(tb.tick().await.sent, 1);
    let week14 = last_post(&tb);
    assert!(!ids(&week14).iter().any(|i| i.starts_with("sb:sk:")), "{:?}", ids(&week14));
    let r = tb.fake.click_button(&tb.member(), &week14, &format!("sb:sk:{g}:0")).await.wait_reply(T).await;
    assert!(r.content.contains("opens in its last week, week 15"), "{}", r.content);

    // Week 15 (2027-03-08): the post carries the button.
    tb.set_now("2027-03-08T18:00:00Z");
    assert_eq!(tb.tick().await.sent, 1);
    let week15 = last_post(&tb);
    let button = format!("sb:sk:{g}:0");
    assert!(ids(&week15).contains(&button), "{:?}", ids(&week15));
    let page = tb.fake.click_button(&tb.member(), &week15, &button).await.wait_reply(T).await;
    assert!(page.ephemeral && page.text().contains("Skills checklist (1/4)"), "{}", page.text());
    assert!(page.text().contains("Design systems that handle 1M+ QPS"), "{}", page.text());
    let page_ids = ids(&page.message);
    assert_eq!(page_ids.len(), 4 * 5 + 2, "four skills of five buttons, then paging: {page_ids:?}");
    // Paging from the page just opened updates it in place, like /syllabus.
    let two = tb.fake.click_button(&tb.member(), &page.message, &format!("sb:sk:{g}:1")).await.wait_reply(T).await;
    assert_eq!(two.callback_type, 7, "paging from the first page opened a new message");
    let page = tb.fake.click_button(&tb.member(), &two.message, &format!("sb:sk:{g}:0")).await.wait_reply(T).await;
    assert_eq!(page.callback_type, 7);
    // Rate skill 2 as 4: saved and highlighted.
    let rated = tb.fake.click_button(&tb.member(), &page.message, &format!("sb:rs:{g}:1:4")).await.wait_reply(T).await;
    assert!(rated.content.contains("Saved: skill 2 rated 4/5"), "{}", rated.content);
    let stored = members::skill_ratings(&tb.db, defaults::GUILD, g, defaults::BOB).await.unwrap();
    assert_eq!(stored, [(1, 4)]);
    // Next page: skills 5 to 8, in the same private message.
    let next = tb.fake.click_button(&tb.member(), &rated.message, &format!("sb:sk:{g}:1")).await.wait_reply(T).await;
    assert!(next.text().contains("Skills checklist (2/4)") && next.text().contains("S5."), "{}", next.text());
    assert_eq!(next.callback_type, 7, "paging updates the checklist message");
    tb.finish().await;
}

/// A public report that fails (nothing held yet) tells only the moderator: the deferred answer
/// is private, so the error is too (before: a public defer made the error public, as the
/// first follow-up takes the deferred answer's visibility).
#[tokio::test]
async fn an_error_in_a_public_report_is_shown_to_the_moderator_only() {
    let tb = TestBot::start(Mode::Tls, "2026-11-23T12:00:00Z").await;
    tb.create_group("Evenings", "architecture", "2026-11-30", 0, "18:00", "Europe/Berlin").await;
    let h = tb.fake.slash(Slash::new("report").sub("participation").boolean("public", true).by(&tb.moderator())).await;
    let r = h.wait_reply(T).await;
    assert!(r.ephemeral && r.text().contains("has not held any week"), "{} (ephemeral: {})", r.text(), r.ephemeral);
    tb.finish().await;
}
