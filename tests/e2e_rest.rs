//! Proxy mode (serenity's rate limiter off): every request goes through `studybot::rest`, one
//! retry policy. A 429 with `retry_after` or a 5xx on any kind of request still delivers it
//! exactly once; a request that cannot succeed is sent once and never retried.

mod support;

use fake_discord::{Fault, Slash, defaults};
use studybot::model::{GroupSettings, Schedule};
use support::harness::{Mode, T, TestBot};

const FORM_OK: [(&str, &str); 4] = [("status", "done"), ("hours", "3"), ("confidence", "5"), ("note", "")];

fn successes(tb: &TestBot, method: &str, prefix: &str) -> usize {
    tb.fake.requests_to(method, prefix).iter().filter(|r| r.status < 300).count()
}

/// A group whose week 1 was posted on Monday 2026-11-23 18:00 UTC; returns it and the post.
async fn posted(tb: &TestBot) -> (i64, serde_json::Value) {
    let g = tb.create_group("Evenings", "architecture", "2026-11-23", 0, "18:00", "UTC").await;
    tb.set_now("2026-11-23T18:00:00Z");
    assert_eq!(tb.tick().await.sent, 1);
    let post = tb.fake.channel_posts(defaults::GENERAL).into_iter().last().expect("week 1 post");
    (g, post)
}

#[tokio::test]
async fn a_429_on_a_modal_reply_and_on_a_follow_up_still_delivers_each_once() {
    let tb = TestBot::start(Mode::Proxy, "2026-11-20T12:00:00Z").await;
    let (g, post) = posted(&tb).await;
    let bob = tb.member();

    // The modal submit's reply (the interaction callback) is rate limited once.
    let modal = tb.fake.click_button(&bob, &post, &format!("sb:ci:{g}:1")).await.wait_modal(T).await;
    tb.fake.inject(Fault::rate_limit("POST", "/api/v10/interactions/").times(1).retry_after(0.4));
    let before = successes(&tb, "POST", "/interactions/");
    let r = tb.fake.submit_modal(&bob, &modal.custom_id, &FORM_OK).await.wait_reply(T).await;
    assert!(r.content.starts_with("Checked in for week 1"), "{}", r.content);
    assert!(r.latency >= std::time::Duration::from_millis(400), "waited retry_after: {:?}", r.latency);
    assert!(r.latency < support::harness::DISCORD_DEADLINE, "{:?}", r.latency);
    assert_eq!(successes(&tb, "POST", "/interactions/") - before, 1, "one reply, not two");
    assert_eq!(tb.fake.count_429(), 1);

    // `/group post-now` answers with a follow-up after deferring: that follow-up is rate limited.
    tb.fake.inject(Fault::rate_limit("POST", "/api/v10/webhooks/").times(1).retry_after(0.3));
    let r = tb.run(Slash::new("group").sub("post-now").string("group", "Evenings").by(&tb.moderator())).await;
    assert!(r.text().contains("already"), "{}", r.text());
    assert_eq!(successes(&tb, "POST", "/webhooks/"), 1, "one follow-up");
    assert_eq!(tb.fake.count_429(), 2);
    let stored = studybot::db::members::checkins(&tb.db, defaults::GUILD, g, defaults::BOB).await.unwrap();
    assert_eq!(stored.len(), 1);
    tb.finish().await;
}

#[tokio::test]
async fn a_429_and_a_500_on_a_reminder_dm_still_deliver_it_once() {
    let tb = TestBot::start(Mode::Proxy, "2026-11-20T12:00:00Z").await;
    posted(&tb).await;
    tb.set_now("2026-11-24T09:00:00Z");
    let t = tb.run(Slash::new("remind").integer("setting", 0).by(&tb.member())).await.text();
    assert!(t.contains("direct message"), "{t}");
    let t = tb
        .run(Slash::new("checkin").integer("status", 0).number("hours", 3.0).integer("confidence", 4).by(&tb.member()))
        .await
        .text();
    assert!(t.contains("week 1"), "{t}");
    // The DM gets a 429, then a 500 (the channel reminder is sent first, to another
    // channel: the faults wait for the DM's path). The DM channel, opened for the first DM
    // of `/remind on`, is reused.
    tb.set_now("2026-11-29T18:00:00Z");
    let dm_channel = tb.fake.dm_channel_of(defaults::BOB);
    let dm = format!("/api/v10/channels/{dm_channel}/messages");
    tb.fake.inject(Fault::rate_limit("POST", &dm).times(1).retry_after(0.2));
    tb.fake.inject(Fault::server_error("POST", &dm).times(1));
    let r = tb.tick().await;
    assert_eq!((r.sent, r.failed), (1, 0));
    assert_eq!(tb.reminder_dms(defaults::BOB).len(), 1);
    assert_eq!((tb.fake.count_429(), tb.fake.count_5xx()), (1, 1));
    assert_eq!(tb.fake.requests_to("POST", "/users/@me/channels").len(), 1, "one DM channel, opened once");
    tb.finish().await;
}

/// Posting where the bot may not (403/50013) is sent once: no retry, the error is recorded.
#[tokio::test]
async fn a_request_that_cannot_succeed_is_not_retried() {
    let tb = TestBot::start(Mode::Proxy, "2026-11-20T12:00:00Z").await;
    // Stored directly: `/group create` itself refuses a channel the bot cannot post in.
    let settings = GroupSettings {
        name: "Readonly".into(),
        channel_id: defaults::READONLY,
        path_id: "architecture".into(),
        schedule: Schedule::from_parts("2026-11-23", 0, "18:00", "UTC", 1).unwrap(),
        mention_role_id: None,
    };
    let now = support::harness::utc("2026-11-20T12:00:00Z");
    studybot::db::groups::insert_unchecked(&tb.db, defaults::GUILD, &settings, defaults::ALICE, now)
        .await
        .unwrap()
        .unwrap();
    tb.set_now("2026-11-23T18:00:00Z");
    let r = tb.tick().await;
    assert_eq!((r.sent, r.failed), (0, 1));
    // Whether the gateway cache knew the channel by this tick decides who refuses: the bot
    // itself (no request) or Discord (one 403). Never a second request either way.
    let tries = tb.fake.requests_to("POST", &format!("/channels/{}/messages", defaults::READONLY));
    assert!(tries.len() <= 1, "{tries:?}");
    assert!(tries.iter().all(|t| t.status == 403), "{tries:?}");
    let r = tb.tick().await;
    assert_eq!((r.sent, r.failed), (0, 0), "a refused post is not tried again by the next tick");
    assert_eq!(tb.fake.requests_to("POST", &format!("/channels/{}/messages", defaults::READONLY)).len(), tries.len());
    tb.finish().await;
}

/// Discord exempts interaction endpoints from the global rate limit: while a global 429
/// holds the bot's other requests, a command is still answered within 3 s (before: its
/// callback waited behind the hold and the interaction failed).
#[tokio::test]
async fn a_global_429_does_not_hold_interaction_answers() {
    let tb = TestBot::start(Mode::Proxy, "2026-11-20T12:00:00Z").await;
    tb.create_group("Evenings", "architecture", "2026-11-23", 0, "18:00", "UTC").await;
    let global = Fault {
        kind: fake_discord::FaultKind::RateLimit { retry_after: 20.0, global: true },
        ..Fault::rate_limit("POST", &format!("/channels/{}/messages", defaults::GENERAL))
    };
    tb.fake.inject(global);
    tb.set_now("2026-11-23T18:00:00Z");
    assert_eq!(tb.tick().await.sent, 0, "the post met the global 429");
    // The hold is on (20 s): the command is answered anyway, in time.
    let r = tb.run(Slash::new("tracks").by(&tb.member())).await;
    assert!(r.text().contains("specialization tracks"), "{}", r.text());
    tb.finish().await;
}

/// A follow-up whose answer was lost (Discord made it, the proxy answered 502) is not sent
/// again: follow-ups carry no nonce, so a retry would post it twice.
#[tokio::test]
async fn a_follow_up_whose_answer_was_lost_is_not_sent_twice() {
    let tb = TestBot::start(Mode::Proxy, "2026-11-20T12:00:00Z").await;
    posted(&tb).await;
    tb.set_now("2026-11-24T12:00:00Z");
    tb.fake.inject(Fault::lost_answer("POST", &format!("/webhooks/{}/", tb.fake.application_id())));
    let public = Slash::new("report").sub("participation").boolean("public", true).by(&tb.moderator());
    let h = tb.fake.slash(public).await;
    // The first follow-up (the private member rows) is made, its answer lost: the bot
    // reports an error instead of sending it again.
    h.wait_replies(1, T).await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let webhook = format!("/webhooks/{}/", tb.fake.application_id());
    let made: Vec<String> = tb
        .fake
        .requests_to("POST", &webhook)
        .iter()
        .map(|r| r.body["embeds"][0]["title"].as_str().or(r.body["content"].as_str()).unwrap_or("").to_string())
        .collect();
    assert_eq!(made.iter().filter(|t| t.starts_with("Members: Evenings")).count(), 1, "sent again: {made:?}");
    tb.finish().await;
}
