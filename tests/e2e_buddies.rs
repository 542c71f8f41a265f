//! Study buddies end to end, first stage: opting in and out, pausing, status, the
//! confidential avoid list, and the moderators' `/group buddies on|off` with its permission
//! check. The real bot against the fake Discord (which models private threads).

mod support;

use fake_discord::{FakeDiscord, GuildSpec, Slash, defaults, perms};
use serde_json::Value;
use support::harness::{Mode, TestBot};

const THREADS_ROLE: u64 = 7300;

async fn with_threads() -> TestBot {
    let guild = GuildSpec::default_test_guild().role(THREADS_ROLE, "Threads", perms::CREATE_PRIVATE_THREADS).member(
        defaults::BOT_USER,
        defaults::BOT_NAME,
        &[THREADS_ROLE],
    );
    let fake = FakeDiscord::builder().no_default_guild().guild(guild).start().await;
    let tb = TestBot::start_with(fake, Mode::Tls, "2027-03-01T12:00:00Z").await;
    tb.create_group("Mondays", "architecture", "2027-03-08", 0, "18:00", "UTC").await;
    tb
}

fn buddy(sub: &str) -> Slash {
    Slash::new("buddy").sub(sub)
}

fn buddies(sub: &str) -> Slash {
    Slash::new("group").group("buddies").sub(sub)
}

/// Without Create Private Threads in the group's channel, rounds are refused with the
/// permission named; nothing is stored and members cannot join.
#[tokio::test]
async fn rounds_need_private_threads() {
    let tb = TestBot::start(Mode::Tls, "2027-03-01T12:00:00Z").await;
    tb.create_group("Mondays", "architecture", "2027-03-08", 0, "18:00", "UTC").await;
    let t = tb.run(buddies("on").by(&tb.moderator())).await.text();
    assert!(
        t.contains(&format!("buddy threads in <#{}>: I am missing Create Private Threads", defaults::GENERAL)),
        "{t}"
    );
    let t = tb.run(buddy("join").by(&tb.member())).await.text();
    assert!(t.contains("has no study-buddy rounds"), "{t}");
    tb.finish().await;
}

#[tokio::test]
async fn members_join_pause_leave_and_avoid_in_confidence() {
    let tb = with_threads().await;
    let r = tb.run(buddies("on").integer("every", 1).by(&tb.moderator())).await;
    let t = r.text();
    assert!(r.ephemeral && t.contains("every 2 weeks, in pairs"), "{t}");
    assert!(t.contains(&format!("<t:{}:F>", chrono_ts("2027-03-08T18:00:00Z"))), "the first round: {t}");
    // A member's buddy commands are refused to members (moderators only).
    let t = tb.run(buddies("off").by(&tb.member())).await.text();
    assert!(!t.contains("no more study-buddy rounds"), "{t}");

    let t = tb.run(buddy("join").by(&tb.member())).await.text();
    assert!(t.contains("You are in **Mondays**'s study-buddy rounds (every 2 weeks, in pairs)"), "{t}");
    assert!(t.contains("server moderators with the Manage Threads permission can read private threads"), "{t}");
    let t = tb.run(buddy("status").by(&tb.member())).await.text();
    assert!(t.contains("you are in.") && t.contains("next round"), "{t}");
    let t = tb.run(buddy("pause").string("until", "2027-02-01").by(&tb.member())).await.text();
    assert!(t.contains("is in the past"), "{t}");
    let t = tb.run(buddy("pause").string("until", "2027-03-20").by(&tb.member())).await.text();
    assert!(t.contains("until 2027-03-20"), "{t}");
    let t = tb.run(buddy("status").by(&tb.member())).await.text();
    assert!(t.contains("you are paused until 2027-03-20"), "{t}");
    // Joining again resumes.
    tb.run(buddy("join").by(&tb.member())).await;
    assert!(tb.run(buddy("status").by(&tb.member())).await.text().contains("you are in."));

    // The avoid list: never oneself; confirmed to its owner only, in /my-data only.
    let r = tb.run(buddy("avoid").user("member", defaults::BOB).by(&tb.member())).await;
    assert!(r.text().contains("cannot avoid yourself"), "{}", r.text());
    let r = tb.run(buddy("avoid").user("member", defaults::ALICE).by(&tb.member())).await;
    assert!(r.ephemeral && r.text().starts_with("Done: you will never be matched"), "{}", r.text());
    let again = tb.run(buddy("avoid").user("member", defaults::ALICE).by(&tb.member())).await.text();
    assert!(again.starts_with("Already on your list"), "{again}");
    assert!(tb.fake.dm_messages(defaults::ALICE).is_empty(), "nobody is told");
    let r = tb.run(Slash::new("my-data").by(&tb.member())).await;
    let data: Value = serde_json::from_slice(&r.files[0].bytes).unwrap();
    assert_eq!(data["buddy_avoid"], serde_json::json!([defaults::ALICE.to_string()]));
    assert_eq!(data["buddies"][0]["group"], "Mondays");
    let r = tb.run(Slash::new("my-data").by(&tb.moderator())).await;
    let data: Value = serde_json::from_slice(&r.files[0].bytes).unwrap();
    assert_eq!(data["buddy_avoid"], serde_json::json!([]), "Alice's file says nothing of Bob's list");

    let t = tb.run(buddy("leave").by(&tb.member())).await.text();
    assert!(t.contains("You left **Mondays**'s study-buddy rounds"), "{t}");
    let t = tb.run(buddy("leave").by(&tb.member())).await.text();
    assert!(t.contains("You are not in **Mondays**'s study-buddy rounds"), "{t}");
    let t = tb.run(buddies("off").by(&tb.moderator())).await.text();
    assert!(t.contains("no more study-buddy rounds"), "{t}");
    let t = tb.run(buddies("off").by(&tb.moderator())).await.text();
    assert!(t.contains("has no study-buddy rounds"), "{t}");
    // /forget-me takes the avoid list and the opt-ins with the member.
    let r = tb.run(Slash::new("forget-me").by(&tb.member())).await;
    let confirm = r.custom_ids().into_iter().find(|c| c != "sb:no").unwrap();
    tb.fake.click_button(&tb.member(), &r.message, &confirm).await.wait_reply(support::harness::T).await;
    let left = tb.db.raw_integers("SELECT COUNT(*) FROM buddy_avoid", &[]).await.unwrap();
    assert_eq!(left, [Some(0)]);
    tb.finish().await;
}

fn chrono_ts(s: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(s).unwrap().timestamp()
}
