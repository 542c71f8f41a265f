//! The live bot against the fake Discord: registration, the informational commands,
//! error replies, a 429 on a reply, and a dropped gateway connection.

mod support;

use fake_discord::{FakeDiscord, Fault, GatewayDrop, GuildSpec, Invoker, Slash, defaults, perms};
use support::harness::{Mode, T, TestBot};

const NOW: &str = "2026-11-23T12:00:00Z";

#[tokio::test]
async fn registration_matches_the_command_set() {
    let tb = TestBot::start(Mode::Tls, NOW).await;
    let registered = tb.fake.commands_in(Some(defaults::GUILD));
    let expected = poise::builtins::create_application_commands(&studybot::bot::commands::all());
    let expected = serde_json::to_value(&expected).unwrap();
    let names = |v: &[serde_json::Value]| {
        let mut n: Vec<String> = v.iter().map(|c| c["name"].as_str().unwrap().to_string()).collect();
        n.sort();
        n
    };
    assert_eq!(names(&registered), names(expected.as_array().unwrap()));
    let group = registered.iter().find(|c| c["name"] == "group").unwrap();
    let mut subs: Vec<&str> =
        group["options"].as_array().unwrap().iter().map(|o| o["name"].as_str().unwrap()).collect();
    subs.sort();
    assert_eq!(
        subs,
        [
            "buddies",
            "calendar-link",
            "create",
            "delete",
            "edit",
            "events",
            "jump",
            "list",
            "next",
            "pause",
            "post-now",
            "repeat",
            "resume",
            "skip",
            "unskip"
        ]
    );
    // Moderator commands are hidden from members by default (and checked by the bot too).
    assert_eq!(group["default_member_permissions"], "32");
    for c in &registered {
        let d = c["description"].as_str().unwrap_or("");
        assert!(!d.is_empty() && d.chars().count() <= 100, "{}: {d}", c["name"]);
    }
    tb.finish().await;
}

#[tokio::test]
async fn informational_commands_answer_quickly_and_ephemerally() {
    let tb = TestBot::start(Mode::Tls, NOW).await;
    // How to start in the reply; the commands in a follow-up (each message within 6,000).
    let help = tb.fake.slash(Slash::new("help")).await.wait_replies(2, T).await;
    assert!(help.iter().all(|r| r.ephemeral));
    let text = help.iter().map(|r| r.text()).collect::<Vec<_>>().join("\n");
    for cmd in ["/checkin", "/group create", "/track", "/search", "/report participation", "/join", "/calendar"] {
        assert!(text.contains(cmd), "help lacks {cmd}:\n{text}");
    }
    // Getting started first, then member commands, then moderator commands.
    let at = |s: &str| text.find(s).unwrap_or_else(|| panic!("help lacks {s}:\n{text}"));
    assert!(at("Getting started") < at("For members") && at("For members") < at("For moderators"), "{text}");
    let members = &text[at("For members")..at("For moderators")];
    let moderators = &text[at("For moderators")..];
    assert!(members.contains("`/checkin`") && !members.contains("`/group create`"), "{members}");
    assert!(moderators.contains("`/group create`") && moderators.contains("`/report participation`"), "{moderators}");

    // How to choose first (seed 000's guidance), then the five tracks, in one message.
    let tracks = tb.run(Slash::new("tracks")).await;
    assert!(tracks.ephemeral);
    assert_eq!(tracks.embeds[0]["title"], "Choosing a specialization");
    let guide = serde_json::to_string(&tracks.embeds[0]).unwrap();
    for part in ["Why specialize", "20-40%", "How to decide", "T-shaped skills", "Career timeline", "Years 3-5"] {
        assert!(guide.contains(part), "{part} missing: {guide}");
    }
    assert!(
        guide.contains("Choose (months 1-3, 20 hours)") && guide.contains("Learn (months 4-6, 100 hours)"),
        "{guide}"
    );
    assert_eq!(tracks.embeds[1]["fields"].as_array().unwrap().len(), 5);
    assert!(tracks.text().contains("Site Reliability Engineer"));

    let card = tb.run(Slash::new("track").string("name", "streaming")).await;
    let t = card.text();
    assert!(t.contains("Streaming Systems Specialist"), "{t}");
    assert!(t.contains("Kafka"), "{t}");
    assert!(t.contains("150 hours"), "{t}");
    assert!(t.contains("Best for"), "{t}");

    // Typed by hand, with different case.
    let card = tb.run(Slash::new("track").string("name", "database architect")).await;
    assert!(card.text().contains("Database Architect"));

    let search = tb.run(Slash::new("search").string("query", "raft consensus")).await;
    let first = search.embeds[0]["description"].as_str().unwrap().lines().next().unwrap().to_lowercase();
    assert!(first.contains("raft") || first.contains("consensus"), "{first}");
    // A result opens in full from the menu under the results.
    let menu = &search.message["components"][0]["components"][0];
    assert_eq!(menu["custom_id"], "sb:so");
    let value = menu["options"][0]["value"].as_str().unwrap().to_string();
    // Each entry names the hit, with where it lives below.
    let label = menu["options"][0]["label"].as_str().unwrap().to_lowercase();
    assert!(label.starts_with("1. ") && (label.contains("raft") || label.contains("consensus")), "{label}");
    assert!(!menu["options"][0]["description"].as_str().unwrap_or("").is_empty(), "{menu}");
    let opened = tb.fake.select(&tb.member(), &search.message, "sb:so", &[&value]).await.wait_reply(T).await;
    assert!(opened.ephemeral && !opened.embeds.is_empty(), "{:?}", opened.content);
    let text = opened.text().to_lowercase();
    assert!(text.contains("raft") || text.contains("consensus"), "{text}");
    // A forged value is refused.
    let r = tb.fake.select(&tb.member(), &search.message, "sb:so", &["w:9:999"]).await.wait_reply(T).await;
    assert!(r.ephemeral && r.content.contains("no longer supported"), "{}", r.content);
    tb.finish().await;
}

#[tokio::test]
async fn resources_are_filtered_and_split_within_limits() {
    let tb = TestBot::start(Mode::Tls, NOW).await;
    // Everything: more than one embed's worth, split into pages the fake checks for limits.
    let c = studybot::curriculum::Curriculum::embedded().unwrap();
    let all: Vec<_> = c.resources.iter().collect();
    let messages = studybot::render::cards::resources_pages("Resources", &all).len();
    assert!(messages >= 2, "the full list should need follow-up messages");
    let h = tb.fake.slash(Slash::new("resources")).await;
    let replies = h.wait_replies(messages, T).await;
    assert!(replies.iter().all(|r| r.ephemeral));
    let listed: usize = replies
        .iter()
        .flat_map(|r| r.embeds.iter())
        .map(|e| e["description"].as_str().unwrap().lines().filter(|l| l.starts_with("- ")).count())
        .sum();
    assert_eq!(listed, c.resources.len());

    let books = tb.run(Slash::new("resources").string("track", "sre").integer("kind", 0)).await;
    let t = books.text();
    assert!(t.contains("Site Reliability Engineering"), "{t}");
    assert!(t.contains("Books"), "{t}");
    assert!(!t.contains("(course)"), "{t}");

    let none = tb.run(Slash::new("resources").string("track", "sre").integer("kind", 7)).await;
    assert!(none.ephemeral);
    assert!(none.content.contains("No certifications match"), "{}", none.content);
    tb.finish().await;
}

#[tokio::test]
async fn autocomplete_offers_matching_tracks() {
    let tb = TestBot::start(Mode::Tls, NOW).await;
    let choices = tb.fake.autocomplete(Slash::new("track").focused("name", "stream")).await.wait_choices(T).await;
    let values: Vec<&str> = choices.iter().map(|c| c["value"].as_str().unwrap()).collect();
    assert_eq!(values, ["streaming"]);
    let infra = tb.fake.autocomplete(Slash::new("track").focused("name", "infra")).await.wait_choices(T).await;
    assert_eq!(infra.len(), 2);
    let all = tb.fake.autocomplete(Slash::new("track").focused("name", "")).await.wait_choices(T).await;
    assert_eq!(all.len(), 5);
    tb.finish().await;
}

#[tokio::test]
async fn bad_input_gets_a_clear_ephemeral_message() {
    let tb = TestBot::start(Mode::Tls, NOW).await;
    let r = tb.run(Slash::new("track").string("name", "strem systems")).await;
    assert!(r.ephemeral);
    assert!(r.content.contains("I don't know a track called \"strem systems\""), "{}", r.content);
    assert!(r.content.contains("Did you mean **Streaming Systems Specialist**"), "{}", r.content);

    let r = tb.run(Slash::new("search").string("query", "x")).await;
    assert!(r.ephemeral && r.content.contains("at least two characters"), "{}", r.content);

    let r = tb.run(Slash::new("search").string("query", "qwzxv")).await;
    assert!(r.ephemeral && r.content.contains("Nothing matches"), "{}", r.content);

    // A choice index out of range (an outdated client): a clear message, not silence.
    let r = tb.run(Slash::new("resources").integer("kind", 42)).await;
    assert!(r.ephemeral && r.content.contains("try again"), "{}", r.content);
    assert!(r.content.contains("option `kind`") && r.content.contains("Books, Courses"), "{}", r.content);
    tb.finish().await;
}

#[tokio::test]
async fn a_rate_limited_reply_is_retried_and_arrives() {
    // HTTPS mode: serenity's own rate limiter handles the 429.
    let tb = TestBot::start(Mode::Tls, NOW).await;
    tb.fake.inject(Fault::rate_limit("POST", "/api/v10/interactions").times(1).retry_after(0.3));
    let r = tb.fake.slash(Slash::new("tracks")).await.wait_reply(T).await;
    assert!(r.text().contains("specialization tracks"));
    assert_eq!(tb.fake.count_429(), 1);
    assert!(r.latency < support::harness::DISCORD_DEADLINE);
    tb.finish().await;
}

#[tokio::test]
async fn a_dropped_gateway_connection_is_survived() {
    let tb = TestBot::start(Mode::Tls, NOW).await;
    for how in [GatewayDrop::Abrupt, GatewayDrop::Resumable] {
        let before = tb.fake.gateway_stats();
        tb.fake.drop_gateway_with(how).await;
        tb.fake.wait_connected(T).await;
        let after = tb.fake.gateway_stats();
        assert!(after.sessions() > before.sessions() || after.resumes > before.resumes, "{after:?}");
        let r = tb.run(Slash::new("tracks")).await;
        assert!(r.text().contains("specialization tracks"));
    }
    tb.finish().await;
}

/// The token revoked while running (gateway close 4004): the client stops by itself and says
/// why, so `studybot run` can exit instead of staying up without a gateway.
#[tokio::test]
async fn a_revoked_token_on_the_gateway_stops_the_client_with_the_reason() {
    let mut tb = TestBot::start(Mode::Tls, NOW).await;
    tb.fake.drop_gateway_with(GatewayDrop::AuthenticationFailed).await;
    let bot = tb.bot.as_mut().expect("bot running");
    let reason = tokio::time::timeout(T, bot.client_stopped()).await.expect("the client stops");
    assert!(reason.contains("refused the bot token on the gateway"), "{reason}");
    tb.finish().await;
}

/// Sharded as Discord says: the bot asks `GET /gateway/bot` for the shard count (Discord
/// refuses a single shard from 2,500 servers) and identifies as shard 0 of 1 here.
#[tokio::test]
async fn the_bot_asks_discord_for_its_shard_count() {
    let tb = TestBot::start(Mode::Tls, NOW).await;
    assert!(!tb.fake.requests_to("GET", "/gateway/bot").is_empty(), "no GET /gateway/bot");
    let identify = tb.fake.gateway_ops().into_iter().find(|op| op["op"] == 2).expect("an IDENTIFY");
    assert_eq!(identify["d"]["shard"], serde_json::json!([0, 1]), "{identify}");
    tb.finish().await;
}

/// Two shards, as Discord asks for once the bot is in enough servers: each shard identifies
/// as itself, each server's interactions arrive on its own shard's connection and are
/// answered there, and one shard going away leaves the other answering.
/// A second server on shard 1 of 2 (the test guild, 2000, is on shard 0): `(id >> 22) % 2`.
const G2: u64 = (1 << 22) | 2001;
const G2_CHANNEL: u64 = 9001;
const CAROL: u64 = 9100;

/// A fake recommending 2 shards, with the test guild on shard 0 and [`G2`] on shard 1.
async fn two_shard_fake() -> FakeDiscord {
    FakeDiscord::builder()
        .shards(2)
        .guild(GuildSpec::new(G2, "Second server").owner(CAROL).text_channel(G2_CHANNEL, "general").member(
            CAROL,
            "carol",
            &[],
        ))
        .start()
        .await
}

#[tokio::test]
async fn two_shards_each_answer_interactions_from_their_own_servers() {
    // Guild 2000 is on shard 0 of 2; this one on shard 1: (id >> 22) % 2.
    let fake = two_shard_fake().await;
    assert_eq!((fake.shard_of(defaults::GUILD), fake.shard_of(G2)), (0, 1));
    let tb = TestBot::start_with(fake, Mode::Tls, NOW).await;
    tb.fake.wait_connected(T).await;
    let mut shards: Vec<serde_json::Value> =
        tb.fake.gateway_ops().into_iter().filter(|op| op["op"] == 2).map(|op| op["d"]["shard"].clone()).collect();
    shards.sort_by_key(|s| s[0].as_u64());
    assert_eq!(shards, [serde_json::json!([0, 2]), serde_json::json!([1, 2])]);

    let carol = Invoker::new(CAROL, "carol").in_guild(G2, G2_CHANNEL).permissions(perms::ALL);
    let on_shard_0 = tb.run(Slash::new("tracks").by(&tb.member())).await;
    let on_shard_1 = tb.run(Slash::new("tracks").by(&carol)).await;
    assert_eq!(on_shard_0.text(), on_shard_1.text());
    assert!(!on_shard_1.text().is_empty());

    // Shard 1's connection ends for good (Discord would resume it; here it is refused):
    // shard 0's server is still answered.
    tb.fake.drop_shard(1, GatewayDrop::Abrupt).await;
    let r = tb.run(Slash::new("tracks").by(&tb.member())).await;
    assert_eq!(r.text(), on_shard_0.text());
    tb.fake.wait_connected(T).await;
    let r = tb.run(Slash::new("tracks").by(&carol)).await;
    assert_eq!(r.text(), on_shard_1.text(), "shard 1 answers again once it reconnected");
    tb.finish().await;
}

/// One process of two (`--shards 1-1 --shard-total 2`): it identifies as shard 1 only and
/// schedules only the groups of servers on shard 1; the other server's group is left to the
/// process running shard 0.
#[tokio::test]
async fn a_process_with_a_shard_range_runs_and_schedules_only_its_shards() {
    let fake = two_shard_fake().await;
    fake.expect_shards(&[1]);
    let tb = TestBot::start_configured(fake, Mode::Tls, "2026-11-20T12:00:00Z", |c| {
        c.shards = studybot::shards::Shards::Range { first: 1, last: 1, total: 2 };
    })
    .await;
    let shards: Vec<serde_json::Value> =
        tb.fake.gateway_ops().into_iter().filter(|op| op["op"] == 2).map(|op| op["d"]["shard"].clone()).collect();
    assert_eq!(shards, [serde_json::json!([1, 2])], "only shard 1 identifies");
    let at = support::harness::utc("2026-11-20T12:00:00Z");
    for (guild, channel, name) in [(defaults::GUILD, defaults::GENERAL, "On shard 0"), (G2, G2_CHANNEL, "On shard 1")] {
        let s = support::harness::monday_group(name, channel, "2026-11-23");
        studybot::db::groups::insert_unchecked(&tb.db, guild, &s, CAROL, at).await.unwrap();
    }
    tb.set_now("2026-11-23T18:00:00Z");
    let r = tb.tick().await;
    assert_eq!((r.groups, r.sent, r.failed), (1, 1, 0), "only the shard-1 server's group");
    assert_eq!(tb.fake.channel_posts(G2_CHANNEL).len(), 1);
    assert!(tb.fake.channel_posts(defaults::GENERAL).is_empty(), "shard 0's group is another process's");
    tb.finish().await;
}

/// Two processes, shards 0 and 1 of 2, on one database file: each answers and schedules its
/// own server; ticking both at once posts every group exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_split_the_servers_by_shard_and_post_each_group_once() {
    let fake = two_shard_fake().await;
    fake.expect_shards(&[0]);
    let tb = TestBot::start_configured(fake, Mode::Tls, "2026-11-20T12:00:00Z", |c| {
        c.shards = studybot::shards::Shards::Range { first: 0, last: 0, total: 2 };
    })
    .await;
    let other = tb.spawn_other(|c| c.shards = studybot::shards::Shards::Range { first: 1, last: 1, total: 2 }).await;
    tb.fake.expect_shards(&[0, 1]);
    tb.fake.wait_connected(T).await;
    let a = tb.create_group("Evenings", "architecture", "2026-11-23", 0, "18:00", "UTC").await;
    let carol = Invoker::new(CAROL, "carol").in_guild(G2, G2_CHANNEL).permissions(perms::ALL);
    let cmd = support::harness::create_cmd("Second", G2_CHANNEL, "architecture", "2026-11-23", 0, "18:00", "UTC");
    let r = tb.run(cmd.by(&carol)).await;
    assert!(r.text().contains("Created **Second**"), "answered by the shard-1 process: {}", r.text());
    tb.set_now("2026-11-23T18:00:00Z");
    let b = other.scheduler();
    let (ra, rb) = tokio::join!(tb.tick(), b.tick());
    assert_eq!((ra.groups, ra.sent, rb.groups, rb.sent), (1, 1, 1, 1));
    let (ra, rb) = tokio::join!(tb.tick(), b.tick());
    assert_eq!(ra.sent + rb.sent, 0, "nothing twice");
    let posts = |ch| tb.fake.channel_posts(ch).iter().filter(|m| support::week_key(m).is_some()).count();
    assert_eq!((posts(defaults::GENERAL), posts(G2_CHANNEL)), (1, 1));
    let r = tb
        .run(Slash::new("checkin").integer("status", 0).number("hours", 1.0).integer("confidence", 3).by(&carol))
        .await;
    assert!(r.text().contains("week 1"), "{}", r.text());
    let _ = a;
    drop(b);
    other.shutdown().await;
    tb.finish().await;
}

/// `/syllabus` in a server with no study group, and in a DM: a path's phases page by page
/// with buttons (past the last page is refused), weeks opened in full from the menu, and
/// `/week path:` reading any week without a group.
#[tokio::test]
async fn the_syllabus_pages_through_a_path_without_any_group() {
    let tb = TestBot::start(Mode::Tls, NOW).await;
    let c = studybot::curriculum::Curriculum::embedded().unwrap();
    let arch = c.path("architecture").unwrap();
    let r = tb.run(Slash::new("syllabus").string("path", "architecture")).await;
    assert!(r.ephemeral, "a private page");
    let title = r.embeds[0]["title"].as_str().unwrap().to_string();
    assert!(title.contains("phase 1 of 4"), "{title}");
    let text = r.text();
    // The architecture path's seed gives no hours a week, so none are shown.
    assert!(text.contains(&arch.path.audience) && !text.contains("hours a week"), "{text}");
    for w in arch.weeks.iter().filter(|w| w.phase == 1) {
        assert!(text.contains(&format!("Week {}", w.number)) && text.contains(&w.title), "week {}: {text}", w.number);
    }
    let buttons = |m: &serde_json::Value| -> Vec<(String, bool)> {
        m["components"][0]["components"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| (b["custom_id"].as_str().unwrap().to_string(), b["disabled"].as_bool().unwrap_or(false)))
            .collect()
    };
    assert!(buttons(&r.message)[0].1, "no previous page on the first");

    // Page to the last phase with the Next button; there, Next is disabled.
    let mut message = r.message.clone();
    for phase in 2..=4 {
        let next = buttons(&message)[1].0.clone();
        let u = tb.fake.click_button(&tb.member(), &message, &next).await.wait_reply(T).await;
        assert!(u.embeds[0]["title"].as_str().unwrap().contains(&format!("phase {phase} of 4")), "{:?}", u.embeds);
        message = u.message;
    }
    assert!(buttons(&message)[1].1, "no next page after the last");
    // A forged page past the end is refused with the range.
    let r2 = tb.fake.click_button(&tb.member(), &message, "sb:sy:0:5").await.wait_reply(T).await;
    assert!(r2.content.contains("has phases 1 to 4, not 5"), "{}", r2.content);

    // The menu opens a week in full.
    let week = arch.weeks.iter().rfind(|w| w.phase == 4).unwrap();
    let menu = message["components"][1]["components"][0]["custom_id"].as_str().unwrap().to_string();
    let r = tb.fake.select(&tb.member(), &message, &menu, &[&week.number.to_string()]).await.wait_reply(T).await;
    assert!(r.ephemeral && r.text().contains(&week.title) && r.text().contains("Self-assessment"), "{}", r.text());

    // In a DM, and `/week path:` without any group.
    let dm = tb.member().dm();
    let r = tb.run(Slash::new("syllabus").string("path", "senior").by(&dm)).await;
    assert!(r.embeds[0]["title"].as_str().unwrap().contains("phase 1 of 5"), "{:?}", r.embeds);
    assert!(r.text().contains("**About** 10-15 hours a week."), "{}", r.text());
    let senior3 = &c.path("senior").unwrap().weeks[2];
    let r = tb.run(Slash::new("week").string("path", "senior").integer("number", 3).by(&dm)).await;
    assert!(r.text().contains(&senior3.title), "{}", r.text());
    let r = tb.run(Slash::new("syllabus").string("path", "gardening")).await;
    assert!(r.content.contains("no path called \"gardening\"") && r.content.contains("`senior`"), "{}", r.content);
    tb.finish().await;
}

/// `/role` shows the role overview with seed 003's best practices and common challenges, then
/// a page on pay, requirements, progression and the market, in pages within Discord's
/// limits, and `/search` finds their lines and the track guide's.
#[tokio::test]
async fn the_role_overview_has_best_practices_challenges_and_pay_and_is_searchable() {
    let tb = TestBot::start(Mode::Tls, NOW).await;
    // Three pages: the reply and two follow-ups (the overview's "(1/2)" and "(2/2)", then pay).
    let replies = tb.fake.slash(Slash::new("role").by(&tb.member().dm())).await.wait_replies(3, T).await;
    assert!(replies[1].text().contains("(2/2)"), "{}", replies[1].text());
    let text: String = replies.iter().map(|r| r.text()).collect::<Vec<_>>().join("\n");
    for part in ["Skills", "Best practices", "Common challenges", "Chaos engineering", "Partitions and latency"] {
        assert!(text.contains(part), "{part} missing:\n{text}");
    }
    let pay = replies[2].text();
    for part in [
        "pay and progression",
        "not promises",
        "Pay by level",
        "**Entry level**: $151,277 to $168,000",
        "**Mid level (4+ years)**: $170,000 to $243,300",
        "Requirements",
        "Progression",
        "The market",
        "below 2022 levels",
    ] {
        assert!(pay.contains(part), "{part} missing:\n{pay}");
    }
    assert!(replies.iter().all(|r| r.ephemeral));
    for (query, context) in [
        ("circuit breakers", "role overview: best practices"),
        ("Bellevue", "role overview: pay"),
        ("T-shaped", "choosing a track: T-shaped skills"),
        ("100 hours", "choosing a track: action plan"),
    ] {
        let r = tb.run(Slash::new("search").string("query", query)).await;
        let results = r.embeds.first().and_then(|e| e["description"].as_str()).unwrap_or(&r.content);
        assert!(results.contains(context), "{query}: {results}");
    }
    tb.finish().await;
}
