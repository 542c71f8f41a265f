//! Study buddies end to end, first stage: opting in and out, pausing, status, the
//! confidential avoid list, and the moderators' `/group buddies on|off` with its permission
//! check. The real bot against the fake Discord (which models private threads).

mod support;

use fake_discord::{FakeDiscord, GuildSpec, Invoker, Slash, defaults, perms};
use serde_json::Value;
use support::harness::{Mode, TestBot};

const THREADS_ROLE: u64 = 7300;
const OTHER_GUILD: u64 = 990_000_000_000_000_001;
const OTHER_CHANNEL: u64 = 990_000_000_000_000_002;

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
    assert!(t.contains("you are in; no round yet.") && t.contains("next round"), "{t}");
    let t = tb.run(buddy("pause").string("until", "2027-02-01").by(&tb.member())).await.text();
    assert!(t.contains("is in the past"), "{t}");
    let t = tb.run(buddy("pause").string("until", "2027-03-20").by(&tb.member())).await.text();
    assert!(t.contains("until 2027-03-20"), "{t}");
    let t = tb.run(buddy("status").by(&tb.member())).await.text();
    assert!(t.contains("you are paused until 2027-03-20"), "{t}");
    // Joining again resumes.
    tb.run(buddy("join").by(&tb.member())).await;
    assert!(tb.run(buddy("status").by(&tb.member())).await.text().contains("you are in; no round yet."));

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

/// Five members opted in: the round comes with week 1's post, one private thread per group
/// (a pair and the one trio), each with its members and one opening message naming who
/// proposes a time; a later tick opens nothing more; after a crash between opening a thread
/// and recording it, the restarted bot finds the thread instead of opening another.
#[tokio::test]
async fn a_round_opens_one_private_thread_per_pair_once() {
    let mut guild = GuildSpec::default_test_guild()
        .role(THREADS_ROLE, "Threads", perms::CREATE_PRIVATE_THREADS)
        .member(defaults::BOT_USER, defaults::BOT_NAME, &[THREADS_ROLE]);
    let others: Vec<u64> = (3002..3005).collect();
    for u in &others {
        guild = guild.member(*u, &format!("user{u}"), &[defaults::MEMBER_ROLE]);
    }
    // Discord's nonce window off: a repeated message would show.
    // Another server, whose members must not reach this one's pairs.
    let other = GuildSpec::new(OTHER_GUILD, "Other server")
        .text_channel(OTHER_CHANNEL, "general")
        .member(defaults::BOT_USER, defaults::BOT_NAME, &[])
        .member(3100, "stranger", &[]);
    let fake = FakeDiscord::builder()
        .no_default_guild()
        .nonce_window(std::time::Duration::ZERO)
        .guild(guild)
        .guild(other)
        .start()
        .await;
    let mut tb = TestBot::start_with(fake, Mode::Tls, "2027-03-01T12:00:00Z").await;
    tb.create_group("Mondays", "architecture", "2027-03-08", 0, "18:00", "UTC").await;
    tb.run(buddies("on").by(&tb.moderator())).await;
    let mut people: Vec<Invoker> = vec![tb.member(), tb.moderator()];
    people.extend(
        others.iter().map(|u| Invoker::new(*u, &format!("user{u}")).in_guild(defaults::GUILD, defaults::GENERAL)),
    );
    for p in &people {
        let t = tb.run(buddy("join").by(p)).await.text();
        assert!(t.contains("You are in **Mondays**"), "{t}");
    }
    tb.set_now("2027-03-08T18:00:00Z");
    let r = tb.tick().await;
    assert_eq!(r.failed, 0, "{r:?}");
    let threads = private_threads(&tb);
    assert_eq!(threads.len(), 2, "a pair and a trio: {threads:?}");
    let mut everyone: Vec<u64> = Vec::new();
    for t in &threads {
        let id: u64 = t["id"].as_str().unwrap().parse().unwrap();
        assert_eq!(t["parent_id"], defaults::GENERAL.to_string());
        assert!(t["name"].as_str().unwrap().starts_with("W1 buddies "), "{t}");
        assert_eq!(t["thread_metadata"]["invitable"], false);
        let members: Vec<u64> = tb.fake.thread_members(id).into_iter().filter(|u| *u != defaults::BOT_USER).collect();
        assert!(members.len() == 2 || members.len() == 3, "{members:?}");
        let msgs = tb.fake.channel_posts(id);
        assert_eq!(msgs.len(), 1, "one opening message");
        let content = msgs[0]["content"].as_str().unwrap();
        assert!(content.starts_with("**Week 1: ") && content.contains("would you propose a time"), "{content}");
        for m in &members {
            assert!(content.contains(&format!("<@{m}>")), "{content}");
        }
        everyone.extend(members);
    }
    everyone.sort_unstable();
    let mut want: Vec<u64> = vec![defaults::ALICE, defaults::BOB];
    want.extend(&others);
    assert_eq!(everyone, want, "nobody dropped, nobody twice");
    // A later tick of the same round opens nothing more.
    tb.set_now("2027-03-08T18:01:00Z");
    tb.tick().await;
    assert_eq!(private_threads(&tb).len(), 2);

    // The state a kill -9 leaves between opening the first pair's thread and recording it.
    tb.db.raw_execute("UPDATE buddy_pairs SET state = 'claimed', thread_id = NULL WHERE idx = 0", &[]).await.unwrap();
    tb.db
        .raw_execute("UPDATE buddy_settings SET next_round_at = (SELECT made_at FROM buddy_rounds)", &[])
        .await
        .unwrap();
    tb.restart().await;
    tb.set_now("2027-03-08T18:10:00Z");
    let r = tb.tick().await;
    assert_eq!(r.failed, 0, "{r:?}");
    assert_eq!(private_threads(&tb).len(), 2, "the thread was found, not opened again");
    let open = tb
        .db
        .raw_integers("SELECT COUNT(*) FROM buddy_pairs WHERE state = 'open' AND thread_id IS NOT NULL", &[])
        .await
        .unwrap();
    assert_eq!(open, [Some(2)]);
    for t in private_threads(&tb) {
        let id: u64 = t["id"].as_str().unwrap().parse().unwrap();
        assert_eq!(tb.fake.channel_posts(id).len(), 1, "the opening message was found, not posted again");
    }

    // Halfway to the next session (2027-03-15 18:00): the check-back, once per thread; not
    // before.
    tb.set_now("2027-03-12T05:59:00Z");
    tb.tick().await;
    assert!(
        private_threads(&tb)
            .iter()
            .all(|t| tb.fake.channel_posts(t["id"].as_str().unwrap().parse().unwrap()).len() == 1)
    );
    tb.set_now("2027-03-12T06:00:00Z");
    assert_eq!(tb.tick().await.failed, 0);
    tb.set_now("2027-03-12T06:05:00Z");
    tb.tick().await;
    let threads = private_threads(&tb);
    let mut checks = Vec::new();
    for t in &threads {
        let id: u64 = t["id"].as_str().unwrap().parse().unwrap();
        let posts = tb.fake.channel_posts(id);
        assert_eq!(posts.len(), 2, "opening and one check-back");
        assert!(posts[1]["content"].as_str().unwrap().starts_with("Halfway to the next session:"), "{}", posts[1]);
        let members: Vec<u64> = tb.fake.thread_members(id).into_iter().filter(|u| *u != defaults::BOT_USER).collect();
        checks.push((id, posts[1].clone(), members));
    }
    let who = |u: u64| Invoker::new(u, &format!("user{u}")).in_guild(defaults::GUILD, defaults::GENERAL);
    let (_, msg, members) = &checks[0];
    let met = msg["components"][0]["components"][0]["custom_id"].as_str().unwrap().to_string();
    let r = tb.fake.click_button(&who(members[0]), msg, &met).await.wait_reply(support::harness::T).await;
    assert!(r.ephemeral && r.content.starts_with("Noted: you met"), "{}", r.content);
    // Someone of the other pair, or a forged pair id, changes nothing.
    let outsider = checks[1].2[0];
    let r = tb.fake.click_button(&who(outsider), msg, &met).await.wait_reply(support::harness::T).await;
    assert!(r.content.contains("for the buddies of this thread"), "{}", r.content);
    let r = tb.fake.click_button(&who(outsider), msg, "sb:bc:999999:1").await.wait_reply(support::harness::T).await;
    assert!(r.content.contains("for the buddies of this thread"), "{}", r.content);
    // The same pair's buttons from another server, even by a member of the pair.
    let elsewhere = Invoker::new(members[1], "twin").in_guild(OTHER_GUILD, OTHER_CHANNEL);
    let unreachable = format!("{}2", &met[..met.len() - 1]);
    for id in [met.clone(), unreachable, format!("sb:bh:{}", met.split(':').nth(2).unwrap())] {
        let r = tb.fake.click_button(&elsewhere, msg, &id).await.wait_reply(support::harness::T).await;
        assert!(r.content.contains("for the buddies of this thread"), "{id}: {}", r.content);
    }
    let reports = tb.db.raw_integers("SELECT COUNT(*) FROM buddy_reports", &[]).await.unwrap();
    assert_eq!(reports, [Some(0)], "nothing reported from another server");
    let answers = tb.db.raw_integers("SELECT COUNT(*) FROM buddy_answers", &[]).await.unwrap();
    assert_eq!(answers, [Some(1)]);
    // Counts only, in the reports: 1 of the 2 pairs met.
    let overview = tb.run(Slash::new("report").sub("overview").by(&tb.moderator())).await.text();
    assert!(overview.contains("buddies met 1/2"), "{overview}");
    let report = tb.run(Slash::new("report").sub("participation").by(&tb.moderator())).await.text();
    assert!(report.contains("Study buddies, week 1: 1 of 2 pairs met."), "{report}");
    tb.finish().await;
}

fn private_threads(tb: &TestBot) -> Vec<Value> {
    tb.fake.threads().into_iter().filter(|t| t["type"] == 12).collect()
}

/// Two rounds without a check-in or an answer pause a member (a DM says how to resume); a
/// member who checked in stays in and, alone this round, is told so; `/buddy status` shows
/// the rounds so far and the latest buddies.
#[tokio::test]
async fn silent_members_are_paused_and_the_odd_one_out_is_told() {
    let guild = GuildSpec::default_test_guild()
        .role(THREADS_ROLE, "Threads", perms::CREATE_PRIVATE_THREADS)
        .member(defaults::BOT_USER, defaults::BOT_NAME, &[THREADS_ROLE])
        .member(3002, "carol", &[defaults::MEMBER_ROLE]);
    let fake = FakeDiscord::builder().no_default_guild().guild(guild).start().await;
    let tb = TestBot::start_with(fake, Mode::Tls, "2027-03-01T12:00:00Z").await;
    tb.create_group("Mondays", "architecture", "2027-03-08", 0, "18:00", "UTC").await;
    tb.run(buddies("on").by(&tb.moderator())).await;
    let carol = Invoker::new(3002, "carol").in_guild(defaults::GUILD, defaults::GENERAL);
    for p in [tb.member(), tb.moderator(), carol.clone()] {
        tb.run(buddy("join").by(&p)).await;
    }
    let tick = |at: &'static str| {
        let tb = &tb;
        async move {
            tb.set_now(at);
            let r = tb.tick().await;
            assert_eq!(r.failed, 0, "{at}: {r:?}");
        }
    };
    tick("2027-03-08T18:00:00Z").await;
    tick("2027-03-15T18:00:00Z").await;
    assert_eq!(private_threads(&tb).len(), 2, "a trio each week");
    let t = tb.run(buddy("status").by(&tb.member())).await.text();
    assert!(t.contains("you are in; 2 rounds so far. Latest round with <@"), "{t}");
    // Bob checks in for week 2; Alice and Carol say nothing for two rounds.
    tb.set_now("2027-03-16T09:00:00Z");
    let checkin = Slash::new("checkin").integer("status", 0).number("hours", 2.0).integer("confidence", 4);
    assert!(tb.run(checkin.by(&tb.member())).await.text().contains("week 2"));
    tick("2027-03-22T18:00:00Z").await;
    assert_eq!(private_threads(&tb).len(), 2, "no round thread for Bob alone");
    for u in [defaults::ALICE, 3002] {
        let dms = tb.fake.dm_messages(u);
        assert!(
            dms.iter().any(|m| m["content"].as_str().unwrap().starts_with("You are paused in **Mondays**")),
            "{u}: {dms:?}"
        );
    }
    let bob = tb.fake.dm_messages(defaults::BOB);
    assert!(
        bob.iter().any(|m| m["content"].as_str().unwrap().starts_with("No study buddy for you this round")),
        "{bob:?}"
    );
    let t = tb.run(buddy("status").by(&carol)).await.text();
    assert!(t.contains("paused after two rounds without a word"), "{t}");
    // Joining again resumes.
    tb.run(buddy("join").by(&carol)).await;
    assert!(tb.run(buddy("status").by(&carol)).await.text().contains("you are in; 2 rounds so far"));
    tb.finish().await;
}

/// `/group buddies now`: a round for the session in progress, off the cadence; once.
#[tokio::test]
async fn a_moderator_starts_a_round_now() {
    let tb = with_threads().await;
    tb.run(buddies("on").integer("every", 1).by(&tb.moderator())).await;
    for p in [tb.member(), tb.moderator()] {
        tb.run(buddy("join").by(&p)).await;
    }
    let t = tb.run(buddies("now").by(&tb.moderator())).await.text();
    assert!(t.contains("has no session going on right now"), "{t}");
    // Week 1 (session 0) carries a round; week 2 (session 1) does not, every 2 weeks.
    tb.set_now("2027-03-08T18:00:00Z");
    tb.tick().await;
    assert_eq!(private_threads(&tb).len(), 1);
    tb.set_now("2027-03-15T18:00:00Z");
    tb.tick().await;
    assert_eq!(private_threads(&tb).len(), 1, "no round at session 1 every 2 weeks");
    tb.set_now("2027-03-15T19:00:00Z");
    let t = tb.run(buddies("now").by(&tb.member())).await.text();
    assert!(!t.contains("starts within a minute"), "members cannot: {t}");
    let t = tb.run(buddies("now").by(&tb.moderator())).await.text();
    assert!(t.contains("round for **Mondays** (week 2) starts within a minute"), "{t}");
    tb.tick().await;
    assert_eq!(private_threads(&tb).len(), 2);
    let t = tb.run(buddies("now").by(&tb.moderator())).await.text();
    assert!(t.contains("round for week 2 is already out"), "{t}");
    tb.finish().await;
}

/// Whom the message starting with `start` sent to `channel` may ping (its `allowed_mentions`).
fn sent_mentions(tb: &TestBot, channel: u64, start: &str) -> Value {
    let sent = tb.fake.requests_to("POST", &format!("/channels/{channel}/messages"));
    let body = sent.iter().map(|r| &r.body).find(|b| b["content"].as_str().is_some_and(|c| c.starts_with(start)));
    body.expect("sent")["allowed_mentions"]["users"].clone()
}

fn thread_id(t: &Value) -> u64 {
    t["id"].as_str().unwrap().parse().unwrap()
}

fn buddies_of(tb: &TestBot, thread: u64) -> Vec<u64> {
    tb.fake.thread_members(thread).into_iter().filter(|u| *u != defaults::BOT_USER).collect()
}

/// "Partner unreachable": the others are asked in the thread and have 48 hours to press
/// "I'm here" (which settles it); without a word the reporter gets a new buddy, a member free
/// this round, in a new private thread, and the old thread says so; all once. Refusals: asked
/// twice, the reporter's own "I'm here", someone of another pair, a late "I'm here".
#[tokio::test]
async fn partner_unreachable_asks_then_rematches_with_someone_free() {
    let mut guild = GuildSpec::default_test_guild()
        .role(THREADS_ROLE, "Threads", perms::CREATE_PRIVATE_THREADS)
        .member(defaults::BOT_USER, defaults::BOT_NAME, &[THREADS_ROLE]);
    for u in [3002, 3003, 3004] {
        guild = guild.member(u, &format!("user{u}"), &[defaults::MEMBER_ROLE]);
    }
    // Discord's nonce window off: a repeated message would show.
    let fake =
        FakeDiscord::builder().no_default_guild().nonce_window(std::time::Duration::ZERO).guild(guild).start().await;
    let tb = TestBot::start_with(fake, Mode::Tls, "2027-03-01T12:00:00Z").await;
    tb.create_group("Mondays", "architecture", "2027-03-08", 0, "18:00", "UTC").await;
    tb.run(buddies("on").by(&tb.moderator())).await;
    let who = |u: u64| match u {
        defaults::ALICE => tb.moderator(),
        defaults::BOB => tb.member(),
        u => Invoker::new(u, &format!("user{u}")).in_guild(defaults::GUILD, defaults::GENERAL),
    };
    for u in [defaults::ALICE, defaults::BOB, 3002, 3003] {
        tb.run(buddy("join").by(&who(u))).await;
    }
    let t = tb.run(buddy("rematch").by(&tb.member())).await.text();
    assert!(t.contains("no buddy in **Mondays**'s round in progress"), "{t}");
    tb.set_now("2027-03-08T18:00:00Z");
    assert_eq!(tb.tick().await.failed, 0);
    let threads = private_threads(&tb);
    assert_eq!(threads.len(), 2);
    let (one, two) = (thread_id(&threads[0]), thread_id(&threads[1]));
    let (pair_one, pair_two) = (buddies_of(&tb, one), buddies_of(&tb, two));
    // 3004 joins after the round was made: free for a rematch.
    tb.set_now("2027-03-09T09:00:00Z");
    tb.run(buddy("join").by(&who(3004))).await;

    // Pair one: its first member cannot reach the other.
    let (reporter, silent) = (pair_one[0], pair_one[1]);
    tb.set_now("2027-03-09T10:00:00Z");
    let r = tb.run(buddy("rematch").by(&who(reporter))).await;
    let deadline = chrono_ts("2027-03-11T10:00:00Z");
    assert!(r.ephemeral && r.text().contains(&format!("say they are there by <t:{deadline}:F>")), "{}", r.text());
    let t = tb.run(buddy("rematch").by(&who(reporter))).await.text();
    assert!(t.contains("Your buddy was asked already"), "{t}");
    assert_eq!(tb.tick().await.failed, 0);
    let posts = tb.fake.channel_posts(one);
    assert_eq!(posts.len(), 2, "the opening and the ask: {posts:?}");
    let ask = posts[1].clone();
    let text = ask["content"].as_str().unwrap();
    assert!(text.starts_with(&format!("**Still there?** <@{silent}>, <@{reporter}> could not reach you")), "{text}");
    assert_eq!(
        sent_mentions(&tb, one, "**Still there?**"),
        serde_json::json!([silent.to_string()]),
        "pings the other only"
    );
    let here = ask["components"][0]["components"][0]["custom_id"].as_str().unwrap().to_string();
    let r = tb.fake.click_button(&who(reporter), &ask, &here).await.wait_reply(support::harness::T).await;
    assert!(r.content.contains("the button is for your buddy"), "{}", r.content);
    let r = tb.fake.click_button(&who(pair_two[0]), &ask, &here).await.wait_reply(support::harness::T).await;
    assert!(r.content.contains("for the buddies of this thread"), "{}", r.content);
    // Not before the 48 hours are over.
    tb.set_now("2027-03-11T09:59:00Z");
    assert_eq!(tb.tick().await.failed, 0);
    assert_eq!(private_threads(&tb).len(), 2);
    tb.set_now("2027-03-11T10:00:00Z");
    let r = tb.tick().await;
    assert_eq!(r.failed, 0, "{r:?}");
    let threads = private_threads(&tb);
    assert_eq!(threads.len(), 3, "a new thread for the rematch");
    let new = thread_id(&threads[2]);
    assert!(threads[2]["name"].as_str().unwrap().starts_with("W1 buddies 3: "), "{}", threads[2]);
    let mut members = buddies_of(&tb, new);
    members.sort_unstable();
    let mut want = vec![reporter, 3004];
    want.sort_unstable();
    assert_eq!(members, want, "the reporter with the member free this round");
    let opening = tb.fake.channel_posts(new);
    assert_eq!(opening.len(), 1);
    let text = opening[0]["content"].as_str().unwrap();
    assert!(text.contains("Your new study buddies for the rest of this round"), "{text}");
    assert!(text.contains(&format!("<@{reporter}>, would you propose a time")), "{text}");
    let posts = tb.fake.channel_posts(one);
    assert_eq!(posts.len(), 3, "{posts:?}");
    let text = posts[2]["content"].as_str().unwrap();
    assert!(text.starts_with(&format!("No word within 48 hours: <@{reporter}> has a new buddy")), "{text}");
    // Later ticks change nothing; a late "I'm here" is refused.
    tb.set_now("2027-03-11T10:01:00Z");
    assert_eq!(tb.tick().await.failed, 0);
    assert_eq!(private_threads(&tb).len(), 3);
    assert_eq!(tb.fake.channel_posts(one).len(), 3);
    assert_eq!(tb.fake.channel_posts(new).len(), 1);
    let r = tb.fake.click_button(&who(silent), &ask, &here).await.wait_reply(support::harness::T).await;
    assert!(r.content.contains("is settled already"), "{}", r.content);
    let t = tb.run(buddy("status").by(&who(reporter))).await.text();
    assert!(t.contains(&format!("1 round so far. Latest round with <@3004> in <#{new}>")), "{t}");

    // Pair two, from the check-back (halfway to the next session): the other says "I'm here".
    tb.set_now("2027-03-12T06:00:00Z");
    assert_eq!(tb.tick().await.failed, 0);
    let posts = tb.fake.channel_posts(two);
    let check = posts.last().unwrap().clone();
    assert!(check["content"].as_str().unwrap().starts_with("Halfway to the next session:"), "{check}");
    let unreachable = check["components"][0]["components"][2]["custom_id"].as_str().unwrap().to_string();
    assert_eq!(check["components"][0]["components"][2]["label"], "Partner unreachable");
    let r = tb.fake.click_button(&who(pair_two[1]), &check, &unreachable).await.wait_reply(support::harness::T).await;
    assert!(r.ephemeral && r.content.starts_with("Noted. I asked your buddy"), "{}", r.content);
    tb.set_now("2027-03-12T06:01:00Z");
    assert_eq!(tb.tick().await.failed, 0);
    let ask = tb.fake.channel_posts(two).last().unwrap().clone();
    let here = ask["components"][0]["components"][0]["custom_id"].as_str().unwrap().to_string();
    let r = tb.fake.click_button(&who(pair_two[0]), &ask, &here).await.wait_reply(support::harness::T).await;
    assert_eq!(
        r.content,
        format!("<@{}> is here. Carry on together, <@{}>: propose a time to meet.", pair_two[0], pair_two[1])
    );
    tb.set_now("2027-03-14T07:00:00Z");
    assert_eq!(tb.tick().await.failed, 0);
    assert_eq!(private_threads(&tb).len(), 3, "settled: no rematch");
    let outcomes = tb
        .db
        .raw_integers(
            "SELECT CAST(CASE outcome WHEN 'rematched' THEN 1 WHEN 'here' THEN 2 ELSE 0 END AS BIGINT) FROM buddy_reports
             ORDER BY reported_at",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(outcomes, [Some(1), Some(2)], "rematched, then here");
    // The rematched pair counts no more: the other pair and the rematch's.
    let overview = tb.run(Slash::new("report").sub("overview").by(&tb.moderator())).await.text();
    assert!(overview.contains("buddies met 0/2"), "{overview}");
    let r = tb.run(Slash::new("my-data").by(&who(reporter))).await;
    let data: Value = serde_json::from_slice(&r.files[0].bytes).unwrap();
    assert_eq!(data["buddy_reports"][0]["outcome"], "rematched");
    assert_eq!(data["buddy_reports"][0]["week"], 1);
    tb.finish().await;
}

/// Nobody free: the reporter is told so in the thread (pinged); nobody else is touched.
#[tokio::test]
async fn nobody_free_for_a_rematch_is_said_in_the_thread() {
    let tb = with_threads().await;
    tb.run(buddies("on").by(&tb.moderator())).await;
    for p in [tb.member(), tb.moderator()] {
        tb.run(buddy("join").by(&p)).await;
    }
    tb.set_now("2027-03-08T18:00:00Z");
    tb.tick().await;
    let thread = thread_id(&private_threads(&tb)[0]);
    tb.set_now("2027-03-08T20:00:00Z");
    tb.run(buddy("rematch").by(&tb.member())).await;
    tb.tick().await;
    tb.set_now("2027-03-10T20:00:00Z");
    assert_eq!(tb.tick().await.failed, 0);
    assert_eq!(private_threads(&tb).len(), 1);
    let posts = tb.fake.channel_posts(thread);
    let last = posts.last().unwrap();
    let text = last["content"].as_str().unwrap();
    assert!(
        text.starts_with(&format!("No word within 48 hours, <@{}>, and nobody in the group is free", defaults::BOB)),
        "{text}"
    );
    assert_eq!(sent_mentions(&tb, thread, "No word within 48 hours"), serde_json::json!([defaults::BOB.to_string()]));
    let t = tb.run(buddy("rematch").by(&tb.member())).await.text();
    assert!(t.contains("is settled already"), "{t}");
    tb.finish().await;
}
