//! `/report overview` and the weekly digest end to end, against hand-computed numbers for
//! three groups; the digest is posted exactly once across a restart and a crash.

mod support;

use fake_discord::{Slash, defaults};
use serde_json::Value;
use studybot::db::groups as db_groups;
use studybot::db::members::{self, Author};
use studybot::model::{CheckinEntry, CheckinStatus, GroupSettings};
use support::harness::{Mode, TestBot, utc};

/// Tuesday: weeks 1 to 9 (2026-10-05 to 11-30) are finished, week 10 (12-07) is in progress.
const NOW: &str = "2026-12-08T12:00:00Z";

fn settings(name: &str, start: &str) -> GroupSettings {
    support::harness::monday_group(name, defaults::GENERAL, start)
}

async fn checkin(tb: &TestBot, g: i64, user: u64, name: &str, week: u32) {
    let who = Author { guild_id: defaults::GUILD, group_id: g, user_id: user, display_name: name };
    let at = utc(NOW);
    members::join(&tb.db, who, week, at).await.unwrap();
    let c = CheckinEntry { status: CheckinStatus::Done, hours: 1.0, confidence: 3, note: None };
    members::upsert_checkin(&tb.db, who, week, &c, at).await.unwrap();
}

async fn rate(tb: &TestBot, g: i64, user: u64, name: &str, week: u32, question: u8, rating: u8) {
    let who = Author { guild_id: defaults::GUILD, group_id: g, user_id: user, display_name: name };
    members::set_rating(&tb.db, who, week, question, rating, utc(NOW)).await.unwrap();
}

/// Alpha: 4 members from week 1. Weeks 2-5: a1, a2 (8 of 16, 50%); weeks 6-9: a1, a2, a3 (12
/// of 16, 75%): trend +25. a4 missed weeks 2-9: at risk (not newly).
/// Beta: b1 from week 1, b2 from week 5. Weeks 2-5: b1, and b2 in week 5 (5 of 5, 100%);
/// weeks 6-9: b1, and b2 in weeks 6-7 (6 of 8, 75%): trend -25. b2 missed exactly the
/// finished weeks 8 and 9, with no streak freeze earned (3 weeks in a row): newly at risk.
/// Gamma: starts in January, with a delivery error.
async fn seed(tb: &TestBot) -> (i64, i64, i64) {
    let now = utc(NOW);
    let ins = |s: GroupSettings| async move {
        db_groups::insert_unchecked(&tb.db, defaults::GUILD, &s, defaults::ALICE, now).await.unwrap().unwrap()
    };
    let alpha = ins(settings("Alpha", "2026-10-05")).await;
    let beta = ins(settings("Beta", "2026-10-05")).await;
    let gamma = ins(settings("Gamma", "2027-01-04")).await;
    for (u, n) in [(101, "a1"), (102, "a2"), (103, "a3"), (104, "a4")] {
        checkin(tb, alpha, u, n, 1).await;
        for w in 2..=9 {
            if n == "a1" || n == "a2" || (n == "a3" && w >= 6) {
                checkin(tb, alpha, u, n, w).await;
            }
        }
    }
    for w in 1..=9 {
        checkin(tb, beta, 201, "b1", w).await;
        if (5..=7).contains(&w) {
            checkin(tb, beta, 202, "b2", w).await;
        }
    }
    // Self-ratings of the week in progress: Beta's Q2 is the hardest, then Alpha's Q1.
    rate(tb, alpha, 101, "a1", 10, 0, 2).await;
    rate(tb, beta, 201, "b1", 10, 1, 1).await;
    db_groups::set_error(&tb.db, support::scope(&tb.db, gamma).await, Some("Missing Access (50001)"), now)
        .await
        .unwrap();
    (alpha, beta, gamma)
}

fn overview_lines(text: &str) {
    for want in [
        "**Alpha** · week 10 of 36 · check-ins 75% (\u{2191} +25) · 1 at risk",
        "**Beta** · week 10 of 36 · check-ins 75% (\u{2193} -25) · 1 at risk",
        &format!(
            "**Gamma** · starts <t:{}:d> · check-ins no finished week yet · 0 at risk",
            utc("2027-01-04T18:00:00Z").timestamp()
        ),
        "delivery failed",
        "Missing Access \\(50001\\)",
    ] {
        assert!(text.contains(want), "missing `{want}` in:\n{text}");
    }
}

fn digests(tb: &TestBot) -> Vec<Value> {
    tb.fake
        .channel_posts(defaults::GENERAL)
        .into_iter()
        .filter(|m| m["embeds"][0]["title"].as_str().is_some_and(|t| t.starts_with("Weekly digest")))
        .collect()
}

#[tokio::test]
async fn the_overview_shows_every_group_with_hand_computed_numbers() {
    let tb = TestBot::start(Mode::Tls, NOW).await;
    seed(&tb).await;
    let r = tb.run(Slash::new("report").sub("overview").by(&tb.moderator())).await;
    assert!(r.ephemeral);
    overview_lines(&r.text());
    let png = r.files.iter().find(|f| f.filename.as_deref() == Some("overview.png")).expect("chart attached");
    let reader = png::Decoder::new(std::io::Cursor::new(png.bytes.clone())).read_info().unwrap();
    assert_eq!((reader.info().width, reader.info().height), (1000, 600));
    // Members are refused.
    let r = tb.run(Slash::new("report").sub("overview").by(&tb.member())).await;
    assert!(r.text().contains("for moderators"), "{}", r.text());
    tb.finish().await;
}

#[tokio::test]
async fn the_weekly_digest_is_posted_once_across_a_restart_and_a_crash() {
    let mut tb = TestBot::start(Mode::Tls, NOW).await;
    seed(&tb).await;
    let cmd = Slash::new("settings")
        .sub("digest")
        .channel("channel", defaults::GENERAL)
        .integer("weekday", 1)
        .string("time", "09:00")
        .string("timezone", "UTC");
    let r = tb.run(cmd.by(&tb.moderator())).await;
    assert!(r.text().contains("on Tuesdays at 09:00 (UTC)"), "{}", r.text());

    // This Tuesday's 09:00 slot is three hours old: caught up at the next tick.
    tb.tick().await;
    let d = digests(&tb);
    assert_eq!(d.len(), 1, "one digest");
    let embed = &d[0]["embeds"][0];
    assert_eq!(embed["title"], "Weekly digest, 2026-12-08");
    overview_lines(embed["description"].as_str().unwrap());
    let fields: Vec<(String, String)> = embed["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["name"].as_str().unwrap().to_string(), f["value"].as_str().unwrap().to_string()))
        .collect();
    let field = |name: &str| {
        fields.iter().find(|(n, _)| n.starts_with(name)).map(|(_, v)| v.clone()).unwrap_or_else(|| panic!("{fields:?}"))
    };
    assert_eq!(field("Newly at risk"), "- b2: Beta", "a4 was at risk before; b2 just became");
    let hardest = field("Hardest topics this week");
    let (beta_at, alpha_at) = (hardest.find("Beta, week 10 Q2").unwrap(), hardest.find("Alpha, week 10 Q1").unwrap());
    assert!(beta_at < alpha_at && hardest.contains("(avg 1.0)"), "{hardest}");
    assert!(field("Delivery errors").contains("Gamma: Missing Access \\(50001\\)"), "escaped for markdown");
    let body = tb
        .fake
        .requests_to("POST", &format!("/channels/{}/messages", defaults::GENERAL))
        .into_iter()
        .map(|r| r.body)
        .rfind(|b| b["embeds"][0]["title"] == "Weekly digest, 2026-12-08")
        .expect("the digest's request");
    assert_eq!(body["allowed_mentions"]["parse"], serde_json::json!([]), "the digest pings nobody");

    // Again, and after a restart: still one.
    tb.tick().await;
    tb.restart().await;
    tb.tick().await;
    assert_eq!(digests(&tb).len(), 1);

    // Next week: a crash after sending, before recording it, retries with the same nonce
    // and Discord returns the first message: still one digest for that week.
    tb.set_now("2026-12-15T09:00:00Z");
    tb.tick().await;
    assert_eq!(digests(&tb).len(), 2);
    tb.db
        .raw_execute(
            "UPDATE digests SET state = 'claimed', message_id = NULL WHERE slot = (SELECT MAX(slot) FROM digests)",
            &[],
        )
        .await
        .unwrap();
    tb.set_now("2026-12-15T09:01:00Z");
    tb.tick().await;
    assert_eq!(digests(&tb).len(), 2, "the retry did not post a second copy");
    let sent = tb.db.raw_integers("SELECT COUNT(*) FROM digests WHERE state = 'sent'", &[]).await.unwrap()[0].unwrap();
    assert_eq!(sent, 2, "both weeks' digests are recorded as sent");
    // Turned off: nothing the week after.
    tb.run(Slash::new("settings").sub("digest-off").by(&tb.moderator())).await;
    tb.set_now("2026-12-22T09:00:00Z");
    tb.tick().await;
    assert_eq!(digests(&tb).len(), 2);
    tb.finish().await;
}
