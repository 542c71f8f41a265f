//! The web server (`--web-addr`): the syllabus site and the live calendar feeds, over real
//! HTTP against the running bot. Feeds parse back (the `icalendar` crate's parser) with the
//! right instants across a DST change, keep each session's UID when it moves (SEQUENCE
//! bumped), show a skip as cancelled, and revalidate with their ETag; links rotate and end;
//! the security headers, methods, long URLs and traversal; no member data on public pages.

mod support;

#[path = "support/browser.rs"]
mod browser;

use icalendar::Component;
use std::collections::HashMap;
use support::harness::{Mode, TestBot};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn with_web(c: &mut studybot::config::Config) {
    c.web_addr = Some("127.0.0.1:0".parse().unwrap());
    c.public_url = Some("https://study.example.org/".trim_end_matches('/').to_string());
}

/// An HTTP answer: status, headers (lower-case names), body.
struct Answer {
    status: u16,
    headers: HashMap<String, String>,
    body: String,
}

/// One request over a fresh connection (`Connection: close`), as a calendar app would.
async fn http(tb: &TestBot, method: &str, path: &str, extra: &[(&str, &str)]) -> Answer {
    let addr = tb.bot.as_ref().unwrap().web_addr().expect("the web server runs");
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: study.example.org\r\nConnection: close\r\n");
    for (k, v) in extra {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).await.unwrap();
    let raw = String::from_utf8(raw).unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap();
    let mut lines = head.lines();
    let status = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
    let headers =
        lines.filter_map(|l| l.split_once(": ")).map(|(k, v)| (k.to_ascii_lowercase(), v.to_string())).collect();
    Answer { status, headers, body: body.to_string() }
}

/// The path of a link the bot gave (`https://study.example.org/feeds/...` -> `/feeds/...`).
fn path_of(reply: &str) -> String {
    let start = reply.find("https://study.example.org").expect("a link");
    let rest = &reply[start + "https://study.example.org".len()..];
    rest[..rest.find('>').unwrap()].to_string()
}

/// The feed's events by UID: (start, SEQUENCE, cancelled, summary).
fn events(ics: &str) -> Vec<(String, String, u32, bool, String)> {
    let cal: icalendar::Calendar = ics.parse().expect("the feed parses back");
    cal.components
        .iter()
        .filter_map(|c| c.as_event())
        .map(|e| {
            let start = match e.get_start().unwrap() {
                icalendar::DatePerhapsTime::DateTime(icalendar::CalendarDateTime::Utc(t)) => t.to_rfc3339(),
                icalendar::DatePerhapsTime::Date(d) => d.to_string(),
                other => panic!("{other:?}"),
            };
            let cancelled = e.get_status() == Some(icalendar::EventStatus::Cancelled);
            (
                e.get_uid().unwrap().to_string(),
                start,
                e.get_sequence().unwrap_or(0),
                cancelled,
                e.get_summary().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

async fn tb_count(tb: &TestBot, sql: &str) -> i64 {
    tb.db.raw_integers(sql, &[]).await.unwrap()[0].unwrap()
}

async fn moderator(tb: &TestBot, cmd: fake_discord::Slash) -> String {
    tb.run(cmd.by(&tb.moderator())).await.text()
}

#[tokio::test]
async fn a_group_feed_follows_the_calendar_across_dst_and_revalidates() {
    let fake = fake_discord::FakeDiscord::start().await;
    let tb = TestBot::start_configured(fake, Mode::Tls, "2027-03-01T12:00:00Z", with_web).await;
    let g = tb.create_group("Mondays", "architecture", "2027-03-08", 0, "18:00", "Europe/Berlin").await;
    // Members may not make the link.
    let r = tb.run(fake_discord::Slash::new("group").sub("calendar-link").by(&tb.member())).await;
    assert!(r.content.contains("for moderators"), "{}", r.content);
    let link = moderator(&tb, fake_discord::Slash::new("group").sub("calendar-link")).await;
    assert!(link.contains("A new live calendar link for **Mondays**"), "{link}");
    let feed = path_of(&link);
    assert!(feed.starts_with("/feeds/group/") && feed.ends_with(".ics"), "{feed}");
    // Asked again: the same link.
    assert_eq!(path_of(&moderator(&tb, fake_discord::Slash::new("group").sub("calendar-link")).await), feed);

    let a = http(&tb, "GET", &feed, &[]).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.headers["content-type"], "text/calendar; charset=utf-8");
    assert_eq!(a.headers["cache-control"], "private, max-age=900");
    let etag = a.headers["etag"].clone();
    let evs = events(&a.body);
    // 26 weeks from 2027-03-01 12:00Z: Mondays 2027-03-08 to 2027-08-23.
    assert_eq!(evs.len(), 25);
    let uid = |k: u32| format!("studybot-group-{g}-session-{k}");
    // 18:00 in Berlin: 17:00Z in winter, 16:00Z from 2027-03-28 (DST).
    assert_eq!(
        evs[0],
        (uid(0), "2027-03-08T17:00:00+00:00".into(), 0, false, "Mondays: week 1, Core Database Concepts: Ideas".into())
    );
    assert_eq!((evs[2].1.as_str(), evs[3].1.as_str()), ("2027-03-22T17:00:00+00:00", "2027-03-29T16:00:00+00:00"));
    assert!(a.body.contains("METHOD:PUBLISH") && a.body.contains("REFRESH-INTERVAL;VALUE=DURATION:PT1H"));

    // Unchanged: 304 on the entity tag, nothing sent; the same bytes otherwise.
    let again = http(&tb, "GET", &feed, &[("If-None-Match", &etag)]).await;
    assert_eq!((again.status, again.body.as_str()), (304, ""));
    assert_eq!(again.headers["etag"], etag);
    assert_eq!(http(&tb, "GET", &feed, &[]).await.body, a.body);

    // A skip: the session stays, cancelled, at its next revision; a new entity tag.
    moderator(&tb, fake_discord::Slash::new("group").sub("skip").string("date", "2027-03-15")).await;
    let b = http(&tb, "GET", &feed, &[("If-None-Match", &etag)]).await;
    assert_eq!(b.status, 200);
    assert_ne!(b.headers["etag"], etag);
    let evs = events(&b.body);
    assert_eq!(evs[1], (uid(1), "2027-03-15T17:00:00+00:00".into(), 1, true, "Mondays: no session".into()));
    assert_eq!((evs[2].0.as_str(), evs[2].2, evs[2].3), (uid(2).as_str(), 0, false));
    assert!(evs[2].4.contains("week 2,"), "the week moves on: {:?}", evs[2]);

    // The time moves: the same UIDs, one revision more each, the new instants.
    moderator(&tb, fake_discord::Slash::new("group").sub("edit").string("group", "Mondays").string("time", "19:00"))
        .await;
    let c = events(&http(&tb, "GET", &feed, &[]).await.body);
    assert_eq!(c[0], (uid(0), "2027-03-08T18:00:00+00:00".into(), 1, false, evs[0].4.clone()));
    assert_eq!((c[1].2, c[1].3), (2, true));
    assert_eq!(c[3].1, "2027-03-29T17:00:00+00:00");
    assert_eq!(c.iter().map(|e| e.0.clone()).collect::<Vec<_>>(), evs.iter().map(|e| e.0.clone()).collect::<Vec<_>>());
    // A reader polling again sees no further revision.
    let d = events(&http(&tb, "GET", &feed, &[]).await.body);
    assert_eq!(c, d);

    // Rotated: a new link; the old one is gone.
    let rotated = moderator(&tb, fake_discord::Slash::new("group").sub("calendar-link").boolean("rotate", true)).await;
    let new_feed = path_of(&rotated);
    assert_ne!(new_feed, feed);
    assert_eq!(http(&tb, "GET", &feed, &[]).await.status, 404);
    assert_eq!(http(&tb, "GET", &new_feed, &[]).await.status, 200);
    // No member names in a group feed.
    let body = http(&tb, "GET", &new_feed, &[]).await.body;
    for name in ["alice", "bob", "moderator"] {
        assert!(!body.to_lowercase().contains(name), "{name} in the feed");
    }
    tb.finish().await;
}

#[tokio::test]
async fn the_server_answers_only_what_it_should_with_its_headers() {
    let fake = fake_discord::FakeDiscord::start().await;
    let tb = TestBot::start_configured(fake, Mode::Tls, "2027-03-01T12:00:00Z", with_web).await;
    tb.create_group("Mondays", "architecture", "2027-03-08", 0, "18:00", "UTC").await;
    let r = tb.run(fake_discord::Slash::new("join").by(&tb.member())).await;
    assert!(r.ephemeral);
    // Every page of the site, served from memory with the security headers; no member data
    // (the members' names, alice and bob, are on none).
    let c = studybot::curriculum::Curriculum::embedded().unwrap();
    let site = studybot::render::html::site(&c).unwrap();
    let members = ["alice", "bob"];
    for f in &site {
        let a = http(&tb, "GET", &format!("/{}", f.path), &[]).await;
        assert_eq!(a.status, 200, "{}", f.path);
        assert_eq!(a.body.as_bytes(), f.bytes.as_slice(), "{}", f.path);
        assert!(a.headers["content-security-policy"].contains("frame-ancestors 'none'"), "{}", f.path);
        assert_eq!(a.headers["x-content-type-options"], "nosniff");
        assert_eq!(a.headers["referrer-policy"], "no-referrer");
        for m in members {
            assert!(!a.body.to_lowercase().contains(m), "{m} on {}", f.path);
        }
    }
    let index = http(&tb, "GET", "/", &[]).await;
    assert_eq!((index.status, index.headers["content-type"].as_str()), (200, "text/html; charset=utf-8"));
    assert_eq!(http(&tb, "HEAD", "/", &[]).await.status, 200);
    // Not served: other methods, unknown and traversing paths, malformed tokens, long URLs.
    let post = http(&tb, "POST", "/", &[("Content-Length", "0")]).await;
    assert_eq!((post.status, post.headers["allow"].as_str()), (405, "GET, HEAD"));
    for path in [
        "/../../../../etc/passwd",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/paths/../../Cargo.toml",
        "/assets/../../../../etc/hostname",
        "/feeds/group/..%2F..%2Fetc%2Fpasswd.ics",
        "/feeds/group/not-a-token.ics",
        "/feeds/me/AAAAAAAAAAAAAAAAAAAAAA.ics",
        "/feeds/group/AAAAAAAAAAAAAAAAAAAAAA",
    ] {
        let a = http(&tb, "GET", path, &[]).await;
        assert_eq!(a.status, 404, "{path}: {}", a.body);
        assert!(!a.body.contains("root:"), "{path}");
    }
    let long = format!("/{}", "a".repeat(5000));
    assert_eq!(http(&tb, "GET", &long, &[]).await.status, 414);
    tb.finish().await;
}

#[tokio::test]
async fn a_personal_feed_has_my_groups_and_away_dates_and_ends_with_forget_me() {
    let fake = fake_discord::FakeDiscord::start().await;
    let tb = TestBot::start_configured(fake, Mode::Tls, "2027-03-01T12:00:00Z", with_web).await;
    let mondays = tb.create_group("Mondays", "architecture", "2027-03-08", 0, "18:00", "UTC").await;
    let fridays = tb.create_group("Fridays", "senior", "2027-03-12", 4, "09:00", "Asia/Tokyo").await;
    let me = tb.member();
    for g in ["Mondays", "Fridays"] {
        let r = tb.run(fake_discord::Slash::new("join").string("group", g).by(&me)).await;
        assert!(r.ephemeral, "{}", r.text());
    }
    tb.run(
        fake_discord::Slash::new("away")
            .sub("set")
            .string("from", "2027-04-01")
            .string("to", "2027-04-10")
            .string("group", "Mondays")
            .by(&me),
    )
    .await;
    let r = tb.run(fake_discord::Slash::new("calendar").sub("subscribe").by(&me)).await;
    assert!(r.ephemeral && r.content.contains("shown only now"), "{}", r.content);
    let feed = path_of(&r.content);
    assert!(feed.starts_with("/feeds/me/"), "{feed}");
    let a = http(&tb, "GET", &feed, &[]).await;
    assert_eq!(a.status, 200, "{}", a.body);
    let evs = events(&a.body);
    let of = |g: i64| evs.iter().filter(|e| e.0.starts_with(&format!("studybot-group-{g}-"))).count();
    assert!(of(mondays) > 20 && of(fridays) > 10, "{evs:?}");
    // 09:00 in Tokyo is 00:00Z.
    assert!(
        evs.iter().any(|e| e.0 == format!("studybot-group-{fridays}-session-0") && e.1 == "2027-03-12T00:00:00+00:00")
    );
    let away: Vec<_> = evs.iter().filter(|e| e.4 == "Away from Mondays").collect();
    assert_eq!(away.len(), 1);
    assert_eq!(away[0].1, "2027-04-01");
    // The token is stored only as its hash (64 hex digits), never as it is.
    let token = feed.trim_start_matches("/feeds/me/").trim_end_matches(".ics");
    assert_eq!(tb_count(&tb, &format!("SELECT COUNT(*) FROM member_feeds WHERE token_hash = '{token}'")).await, 0);
    assert_eq!(tb_count(&tb, "SELECT COUNT(*) FROM member_feeds WHERE LENGTH(token_hash) = 64").await, 1);

    // A new link replaces the old.
    let r = tb.run(fake_discord::Slash::new("calendar").sub("subscribe").by(&me)).await;
    let feed2 = path_of(&r.content);
    assert_ne!(feed2, feed);
    assert_eq!(http(&tb, "GET", &feed, &[]).await.status, 404);
    assert_eq!(http(&tb, "GET", &feed2, &[]).await.status, 200);
    // /my-data says when it was made (never the token).
    let r = tb.run(fake_discord::Slash::new("my-data").by(&me)).await;
    let data: serde_json::Value = serde_json::from_slice(&r.files[0].bytes).unwrap();
    assert_eq!(data["calendar_feed_since"], "2027-03-01T12:00:00Z", "{data}");
    assert!(
        !String::from_utf8_lossy(&r.files[0].bytes)
            .contains(feed2.trim_start_matches("/feeds/me/").trim_end_matches(".ics"))
    );
    // /forget-me ends it.
    let r = tb.run(fake_discord::Slash::new("forget-me").by(&me)).await;
    let confirm = r.custom_ids().into_iter().find(|c| c != "sb:no").unwrap();
    tb.fake.click_button(&me, &r.message, &confirm).await.wait_reply(support::harness::T).await;
    assert_eq!(http(&tb, "GET", &feed2, &[]).await.status, 404);
    tb.finish().await;
}

/// Without `--web-addr` the links are refused with what to do.
#[tokio::test]
async fn without_the_web_server_the_links_say_how_to_turn_it_on() {
    let tb = TestBot::start(Mode::Tls, "2027-03-01T12:00:00Z").await;
    tb.create_group("Mondays", "architecture", "2027-03-08", 0, "18:00", "UTC").await;
    let r = tb.run(fake_discord::Slash::new("group").sub("calendar-link").by(&tb.moderator())).await;
    assert!(r.content.contains("`--web-addr`") && r.content.contains("`/calendar file`"), "{}", r.content);
    let r = tb.run(fake_discord::Slash::new("calendar").sub("subscribe").by(&tb.member())).await;
    assert!(r.content.contains("`--web-addr`"), "{}", r.content);
    tb.finish().await;
}

// ---------------------------------------------------------------- read-only pages (stage 3)

const CAROL: u64 = 3002;

/// The default guild plus carol, a moderator by the Moderator role only (not the owner).
fn with_carol() -> fake_discord::GuildSpec {
    fake_discord::GuildSpec::default_test_guild().member(CAROL, "carol", &[fake_discord::defaults::MODERATOR_ROLE])
}

fn cookie_of(a: &Answer) -> String {
    let set = &a.headers["set-cookie"];
    assert!(
        set.starts_with("__Host-studybot=") && set.contains("; Path=/; HttpOnly; Secure; SameSite=Lax; Max-Age=28800"),
        "{set}"
    );
    set.split(';').next().unwrap().to_string()
}

/// `/web` or `/report web` by `who`, the link's token, its page, and the exchange: the cookie.
async fn enter(tb: &TestBot, cmd: fake_discord::Slash, who: &fake_discord::Invoker) -> (String, Answer) {
    let r = tb.run(cmd.by(who)).await;
    assert!(r.ephemeral && r.content.contains("works once, within 5 minutes"), "{}", r.content);
    let path = path_of(&r.content);
    let token = path.trim_start_matches("/web/enter/").to_string();
    let page = http(tb, "GET", &path, &[]).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("method=\"post\" action=\"/web/enter\"") && page.body.contains(&token), "{}", page.body);
    let body = format!("token={token}");
    let len = body.len().to_string();
    let answer = http_body(
        tb,
        "POST",
        "/web/enter",
        &[("Content-Type", "application/x-www-form-urlencoded"), ("Content-Length", &len)],
        &body,
    )
    .await;
    (token, answer)
}

async fn http_body(tb: &TestBot, method: &str, path: &str, extra: &[(&str, &str)], body: &str) -> Answer {
    let addr = tb.bot.as_ref().unwrap().web_addr().unwrap();
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: study.example.org\r\nConnection: close\r\n");
    for (k, v) in extra {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(body);
    s.write_all(req.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).await.unwrap();
    let raw = String::from_utf8(raw).unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap();
    let mut lines = head.lines();
    let status = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
    let headers =
        lines.filter_map(|l| l.split_once(": ")).map(|(k, v)| (k.to_ascii_lowercase(), v.to_string())).collect();
    Answer { status, headers, body: body.to_string() }
}

#[tokio::test]
async fn a_single_use_link_opens_a_member_session_once() {
    let fake = fake_discord::FakeDiscord::builder().no_default_guild().guild(with_carol()).start().await;
    let tb = TestBot::start_configured(fake, Mode::Tls, "2027-03-01T12:00:00Z", with_web).await;
    tb.create_group("Mondays", "architecture", "2027-03-08", 0, "18:00", "UTC").await;
    let bob = tb.member();
    tb.run(fake_discord::Slash::new("join").by(&bob)).await;
    let (token, a) = enter(&tb, fake_discord::Slash::new("web"), &bob).await;
    assert_eq!((a.status, a.headers["location"].as_str()), (303, "/web/me"));
    let cookie = cookie_of(&a);
    // The link works once: a second exchange grants nothing.
    let body = format!("token={token}");
    let len = body.len().to_string();
    let again = http_body(&tb, "POST", "/web/enter", &[("Content-Length", &len)], &body).await;
    assert_eq!(again.status, 400);
    assert!(
        again.body.contains("does not work any more") && !again.headers.contains_key("set-cookie"),
        "{}",
        again.body
    );
    // The member's pages.
    let me = http(&tb, "GET", "/web/me", &[("Cookie", &cookie)]).await;
    assert_eq!(me.status, 200, "{}", me.body);
    assert!(me.body.contains("<h1>My progress</h1>") && me.body.contains("Mondays"), "{}", me.body);
    assert_eq!(me.headers["cache-control"], "no-store");
    // Not the moderators' pages, nor a forged or missing cookie.
    let r = http(&tb, "GET", "/web/report", &[("Cookie", &cookie)]).await;
    assert_eq!(r.status, 403);
    assert!(r.body.contains("For moderators"), "{}", r.body);
    let g = studybot::db::groups::list(&tb.db, fake_discord::defaults::GUILD).await.unwrap()[0].id;
    assert_eq!(http(&tb, "GET", &format!("/web/report/{g}"), &[("Cookie", &cookie)]).await.status, 403);
    assert_eq!(http(&tb, "GET", &format!("/web/report/{g}/members.csv"), &[("Cookie", &cookie)]).await.status, 403);
    let forged = format!("__Host-studybot={}", "A".repeat(43));
    assert_eq!(http(&tb, "GET", "/web/me", &[("Cookie", &forged)]).await.status, 401);
    assert_eq!(http(&tb, "GET", "/web/me", &[]).await.status, 401);
    // Members may not mint moderator links.
    let r = tb.run(fake_discord::Slash::new("report").sub("web").by(&bob)).await;
    assert!(r.content.contains("for moderators"), "{}", r.content);

    // A link older than 5 minutes grants nothing.
    let r = tb.run(fake_discord::Slash::new("web").by(&bob)).await;
    let late = path_of(&r.content).trim_start_matches("/web/enter/").to_string();
    tb.set_now("2027-03-01T12:05:01Z");
    let body = format!("token={late}");
    let len = body.len().to_string();
    assert_eq!(http_body(&tb, "POST", "/web/enter", &[("Content-Length", &len)], &body).await.status, 400);
    // Seen at 12:00 and idle for 30 minutes: ended.
    tb.set_now("2027-03-01T12:20:00Z");
    assert_eq!(http(&tb, "GET", "/web/me", &[("Cookie", &cookie)]).await.status, 200);
    tb.set_now("2027-03-01T12:50:01Z");
    assert_eq!(http(&tb, "GET", "/web/me", &[("Cookie", &cookie)]).await.status, 401);
    // Nothing secret is stored as it is.
    assert_eq!(tb_count(&tb, &format!("SELECT COUNT(*) FROM web_links WHERE token_hash = '{token}'")).await, 0);
    tb.finish().await;
}

#[tokio::test]
async fn a_moderator_session_sees_only_its_servers_reports_and_ends_when_discord_says_so() {
    let fake = fake_discord::FakeDiscord::builder().no_default_guild().guild(with_carol()).start().await;
    let tb = TestBot::start_configured(fake, Mode::Tls, "2027-03-01T12:00:00Z", with_web).await;
    let g = tb.create_group("Mondays", "architecture", "2027-03-08", 0, "18:00", "UTC").await;
    // Another server's group, in the same database.
    let other = studybot::db::groups::insert_unchecked(
        &tb.db,
        42,
        &support::harness::monday_group("Elsewhere", 77, "2027-03-08"),
        1,
        support::harness::utc("2027-03-01T12:00:00Z"),
    )
    .await
    .unwrap()
    .unwrap();
    let carol = fake_discord::Invoker::new(CAROL, "carol")
        .in_guild(fake_discord::defaults::GUILD, fake_discord::defaults::GENERAL)
        .roles(&[fake_discord::defaults::MODERATOR_ROLE])
        .permissions(fake_discord::perms::MODERATOR);
    let (_, a) = enter(&tb, fake_discord::Slash::new("report").sub("web"), &carol).await;
    assert_eq!((a.status, a.headers["location"].as_str()), (303, "/web/report"));
    let cookie = cookie_of(&a);
    let overview = http(&tb, "GET", "/web/report", &[("Cookie", &cookie)]).await;
    assert_eq!(overview.status, 200, "{}", overview.body);
    assert!(overview.body.contains(&format!("href=\"/web/report/{g}\">Mondays</a>")), "{}", overview.body);
    assert!(!overview.body.contains("Elsewhere"));
    // Before its first week: said so.
    let early = http(&tb, "GET", &format!("/web/report/{g}"), &[("Cookie", &cookie)]).await;
    assert!(early.body.contains("has not held any week yet"), "{}", early.body);
    // A week later (the visit idle longer than 30 minutes has ended): a new link.
    tb.set_now("2027-03-08T19:00:00Z");
    assert_eq!(http(&tb, "GET", "/web/report", &[("Cookie", &cookie)]).await.status, 401);
    let (_, a) = enter(&tb, fake_discord::Slash::new("report").sub("web"), &carol).await;
    let cookie = cookie_of(&a);
    let report = http(&tb, "GET", &format!("/web/report/{g}"), &[("Cookie", &cookie)]).await;
    assert_eq!(report.status, 200, "{}", report.body);
    assert!(report.body.contains("<h1>Participation: Mondays</h1>"));
    let csp = &report.headers["content-security-policy"];
    assert!(csp.contains("script-src 'sha256-") && csp.contains("frame-ancestors 'none'"), "{csp}");
    let csv = http(&tb, "GET", &format!("/web/report/{g}/members.csv"), &[("Cookie", &cookie)]).await;
    assert_eq!(csv.status, 200);
    assert_eq!(csv.headers["content-disposition"], format!("attachment; filename=\"members-{g}.csv\""));
    assert!(csv.body.starts_with("\"user_id\",\"display_name\""), "{}", csv.body);
    // Another server's group is not reachable from this session.
    for path in [format!("/web/report/{other}"), format!("/web/report/{other}/members.csv"), "/web/report/x".into()] {
        let a = http(&tb, "GET", &path, &[("Cookie", &cookie)]).await;
        assert_eq!(a.status, 404, "{path}");
        assert!(!a.body.contains("Elsewhere"));
    }
    // Within 10 minutes Discord is not asked again; after, it is: still a moderator.
    let asked =
        || tb.fake.requests_to("GET", &format!("/guilds/{}/members/{CAROL}", fake_discord::defaults::GUILD)).len();
    assert_eq!(asked(), 0);
    tb.set_now("2027-03-08T19:09:00Z");
    assert_eq!(http(&tb, "GET", "/web/report", &[("Cookie", &cookie)]).await.status, 200);
    assert_eq!(asked(), 0);
    tb.set_now("2027-03-08T19:11:00Z");
    assert_eq!(http(&tb, "GET", "/web/report", &[("Cookie", &cookie)]).await.status, 200);
    assert_eq!(asked(), 1);
    assert_eq!(http(&tb, "GET", "/web/report", &[("Cookie", &cookie)]).await.status, 200);
    assert_eq!(asked(), 1);
    // The role is taken away: at the next check the moderator pages close and the session ends.
    let http_api = tb.fake.proxy_http();
    http_api
        .remove_member_role(
            serenity::model::id::GuildId::new(fake_discord::defaults::GUILD),
            serenity::model::id::UserId::new(CAROL),
            serenity::model::id::RoleId::new(fake_discord::defaults::MODERATOR_ROLE),
            None,
        )
        .await
        .unwrap();
    tb.set_now("2027-03-08T19:22:00Z");
    let a = http(&tb, "GET", "/web/report", &[("Cookie", &cookie)]).await;
    assert_eq!(a.status, 403, "{}", a.body);
    assert_eq!(http(&tb, "GET", "/web/me", &[("Cookie", &cookie)]).await.status, 401);

    // A member's session ends when they leave the server.
    let bob = tb.member();
    let (_, a) = enter(&tb, fake_discord::Slash::new("web"), &bob).await;
    let bobs = cookie_of(&a);
    assert_eq!(http(&tb, "GET", "/web/me", &[("Cookie", &bobs)]).await.status, 200);
    tb.fake.remove_member(fake_discord::defaults::GUILD, fake_discord::defaults::BOB);
    tb.set_now("2027-03-08T19:33:00Z");
    assert_eq!(http(&tb, "GET", "/web/me", &[("Cookie", &bobs)]).await.status, 401);
    assert_eq!(tb_count(&tb, "SELECT COUNT(*) FROM web_sessions WHERE user_id = 3001").await, 0);
    tb.finish().await;
}

#[tokio::test]
async fn forget_me_ends_the_sessions_and_the_exchange_is_rate_limited() {
    let fake = fake_discord::FakeDiscord::start().await;
    let tb = TestBot::start_configured(fake, Mode::Tls, "2027-03-01T12:00:00Z", with_web).await;
    tb.create_group("Mondays", "architecture", "2027-03-08", 0, "18:00", "UTC").await;
    let bob = tb.member();
    let (_, a) = enter(&tb, fake_discord::Slash::new("web"), &bob).await;
    let cookie = cookie_of(&a);
    let r = tb.run(fake_discord::Slash::new("forget-me").by(&bob)).await;
    let confirm = r.custom_ids().into_iter().find(|c| c != "sb:no").unwrap();
    tb.fake.click_button(&bob, &r.message, &confirm).await.wait_reply(support::harness::T).await;
    assert_eq!(http(&tb, "GET", "/web/me", &[("Cookie", &cookie)]).await.status, 401);
    assert_eq!(tb_count(&tb, "SELECT COUNT(*) FROM web_links").await, 0);
    // 10 exchanges a minute from one address (one was used above); then 429, nothing tried.
    let mut statuses = Vec::new();
    for _ in 0..10 {
        let body = format!("token={}", "B".repeat(43));
        let len = body.len().to_string();
        statuses.push(http_body(&tb, "POST", "/web/enter", &[("Content-Length", &len)], &body).await.status);
    }
    assert_eq!(statuses, [400, 400, 400, 400, 400, 400, 400, 400, 400, 429]);
    // A body over 1 KiB is refused.
    let big = "x".repeat(2000);
    let len = big.len().to_string();
    assert_eq!(http_body(&tb, "POST", "/web/enter", &[("Content-Length", &len)], &big).await.status, 413);
    tb.finish().await;
}

fn with_local_web(c: &mut studybot::config::Config) {
    c.web_addr = Some("127.0.0.1:0".parse().unwrap());
}

/// In a real headless Chromium: a moderator's link opens the reports after a click (the GET
/// alone grants nothing), a group's report sorts, the same link used again shows a clear page,
/// and a member's session cannot open the moderators' pages; consoles stay clean (the CSP
/// headers hold); screenshots at phone and desktop width.
#[tokio::test]
async fn in_a_browser_links_open_the_pages_once_and_only_for_their_scope() {
    let fake = fake_discord::FakeDiscord::builder().no_default_guild().guild(with_carol()).start().await;
    let tb = TestBot::start_configured(fake, Mode::Tls, "2027-03-01T12:00:00Z", with_local_web).await;
    let g = tb.create_group("Mondays", "architecture", "2027-03-08", 0, "18:00", "UTC").await;
    let bob = tb.member();
    tb.run(fake_discord::Slash::new("join").by(&bob)).await;
    tb.set_now("2027-03-08T19:00:00Z");
    tb.run(fake_discord::Slash::new("checkin").by(&bob)).await;
    let carol = fake_discord::Invoker::new(CAROL, "carol")
        .in_guild(fake_discord::defaults::GUILD, fake_discord::defaults::GENERAL)
        .roles(&[fake_discord::defaults::MODERATOR_ROLE])
        .permissions(fake_discord::perms::MODERATOR);
    let r = tb.run(fake_discord::Slash::new("report").sub("web").by(&carol)).await;
    let start = r.content.find("http://").unwrap();
    let link = r.content[start..r.content.find('>').unwrap()].to_string();

    let b = browser::Browser::start().await;
    b.open(&link).await;
    b.assert_quiet_console("enter").await;
    b.screenshots("web-enter").await;
    b.client.find(fantoccini::Locator::Id("enter")).await.unwrap().click().await.unwrap();
    b.wait_for("the reports", "return document.location.pathname === '/web/report'").await;
    b.assert_quiet_console("overview").await;
    b.screenshots("web-overview").await;
    b.client
        .find(fantoccini::Locator::Css(&format!("a[href='/web/report/{g}']")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.wait_for("the report", "return !!document.getElementById('members-table')").await;
    let cells = b.js("return document.querySelectorAll('#members-table tbody tr').length").await;
    assert_eq!(cells, 1);
    b.client
        .find(fantoccini::Locator::Css("#members-table thead th:nth-child(2) button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let sorted =
        b.js("return document.querySelector('#members-table thead th:nth-child(2)').getAttribute('aria-sort')").await;
    assert_eq!(sorted, "ascending");
    b.assert_quiet_console("report").await;
    b.screenshots("web-report").await;
    // Another server's group, in the same database: not reachable from this session.
    let other = studybot::db::groups::insert_unchecked(
        &tb.db,
        42,
        &support::harness::monday_group("Elsewhere", 77, "2027-03-01"),
        1,
        support::harness::utc("2027-03-01T12:00:00Z"),
    )
    .await
    .unwrap()
    .unwrap();
    let base = link[..link.find("/web/").unwrap()].to_string();
    b.open(&format!("{base}/web/report/{other}")).await;
    b.wait_for("a refusal", "return document.body.textContent.includes('no such study group in this server')").await;
    assert!(b.js("return document.body.textContent.includes('Elsewhere')").await == false);
    b.assert_no_csp_violation("another server's group").await;

    // The same link again: a clear page, and nothing more granted.
    b.client.delete_all_cookies().await.unwrap();
    b.open(&link).await;
    b.client.find(fantoccini::Locator::Id("enter")).await.unwrap().click().await.unwrap();
    b.wait_for("the answer", "return document.body.textContent.includes('does not work any more')").await;
    b.screenshots("web-used-link").await;
    b.open(&format!("{base}/web/report")).await;
    b.wait_for("a refusal", "return document.body.textContent.includes('Your visit has ended')").await;
    // Both answered with an error status on purpose (400, 401): no policy broken.
    b.assert_no_csp_violation("refusals").await;

    // A member's session: their progress, never the moderators' pages.
    let r = tb.run(fake_discord::Slash::new("web").by(&bob)).await;
    let start = r.content.find("http://").unwrap();
    let link = r.content[start..r.content.find('>').unwrap()].to_string();
    b.open(&link).await;
    b.client.find(fantoccini::Locator::Id("enter")).await.unwrap().click().await.unwrap();
    b.wait_for("my progress", "return document.location.pathname === '/web/me'").await;
    assert!(b.js("return document.body.textContent.includes('Weeks checked in')").await == true);
    b.assert_quiet_console("me").await;
    b.screenshots("web-me").await;
    b.open(&format!("{base}/web/report/{g}")).await;
    b.wait_for("a refusal", "return document.body.textContent.includes('This page is for the server')").await;
    b.assert_no_csp_violation("refused").await;
    b.close().await;
    tb.finish().await;
}
