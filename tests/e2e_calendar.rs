//! Calendar control end to end (moderators): start at week N, repeat, jump, undo a skip, a
//! holiday range, a pause with an end date, and a two-week cadence across a DST change. The
//! real bot against the fake Discord with a manual clock; ticks are driven by hand.

mod support;

use fake_discord::{Slash, defaults};
use studybot::db::{groups as db_groups, members, posts};
use studybot::model::PostKind;
use support::harness::{Mode, TestBot, utc};
use support::week_posts;

fn create(name: &str, start: &str, time: &str, tz: &str) -> Slash {
    support::harness::create_cmd(name, defaults::GENERAL, "architecture", start, 0, time, tz)
}

async fn group_id(tb: &TestBot, name: &str) -> i64 {
    let rows = db_groups::list(&tb.db, defaults::GUILD).await.expect("list");
    rows.iter().find(|g| g.name == name).expect("group stored").id
}

async fn moderator(tb: &TestBot, cmd: Slash) -> String {
    tb.run(cmd.by(&tb.moderator())).await.text()
}

/// Ticks at `at` and returns the weekly posts it made (group, week).
async fn tick_at(tb: &TestBot, at: &str) -> Vec<(i64, u32)> {
    let before = week_posts(tb, defaults::GENERAL).len();
    tb.set_now(at);
    let r = tb.tick().await;
    assert_eq!(r.failed, 0, "{r:?}");
    week_posts(tb, defaults::GENERAL)[before..].to_vec()
}

/// Every channel message of the group's channel (weekly posts, notes, reminders).
fn messages(tb: &TestBot) -> usize {
    tb.fake.channel_posts(defaults::GENERAL).len()
}

/// An existing cohort joins at week 5: the first post is week 5, opening with its phase;
/// `/group next` shows the change.
#[tokio::test]
async fn a_group_started_at_week_5_posts_week_5_first() {
    let tb = TestBot::start(Mode::Tls, "2026-11-20T12:00:00Z").await;
    let t = moderator(&tb, create("Cohort", "2026-11-23", "18:00", "UTC").integer("first_week", 5)).await;
    assert!(t.contains("Created **Cohort**") && t.contains("with week 5"), "{t}");
    let g = group_id(&tb, "Cohort").await;
    let next = moderator(&tb, Slash::new("group").sub("next")).await;
    assert!(next.contains("week 5") && next.contains("starts at week 5 (2026-11-23)"), "{next}");
    assert_eq!(tick_at(&tb, "2026-11-23T18:00:00Z").await, [(g, 5)]);
    let path = studybot::curriculum::Curriculum::embedded().unwrap();
    let path = path.path("architecture").unwrap();
    let phase = path.phase(path.week(5).unwrap().phase).unwrap();
    let first = tb.fake.channel_posts(defaults::GENERAL).pop().unwrap();
    let content = first["content"].as_str().unwrap();
    assert!(content.starts_with(&format!("**New phase: Phase {}", phase.number)), "{content}");
    assert!(content.contains(&phase.title), "{content}");
    assert_eq!(tick_at(&tb, "2026-11-30T18:00:00Z").await, [(g, 6)]);
    // A week out of the path is refused and changes nothing.
    let t = moderator(&tb, Slash::new("group").sub("jump").integer("week", 99)).await;
    assert!(t.contains("not 99"), "{t}");
    tb.finish().await;
}

/// Repeat and jump change the next post only: history keeps the week each post and
/// check-in belonged to; a repeated week gets a second post, its check-in is kept.
#[tokio::test]
async fn repeat_and_jump_change_the_next_post_and_keep_history() {
    let tb = TestBot::start(Mode::Tls, "2026-11-20T12:00:00Z").await;
    moderator(&tb, create("Evenings", "2026-11-23", "18:00", "UTC")).await;
    let g = group_id(&tb, "Evenings").await;
    assert_eq!(tick_at(&tb, "2026-11-23T18:00:00Z").await, [(g, 1)]);
    assert_eq!(tick_at(&tb, "2026-11-30T18:00:00Z").await, [(g, 2)]);
    let checkin = Slash::new("checkin").integer("status", 0).number("hours", 2.0).integer("confidence", 4);
    assert!(tb.run(checkin.clone().by(&tb.member())).await.text().contains("week 2"));

    tb.set_now("2026-12-01T09:00:00Z");
    let t = moderator(&tb, Slash::new("group").sub("repeat")).await;
    assert!(t.contains("repeats week 2 on 2026-12-07"), "{t}");
    assert!(t.contains("Next post of **Evenings**: week 2"), "{t}");
    assert_eq!(tick_at(&tb, "2026-12-07T18:00:00Z").await, [(g, 2)], "week 2 again");
    assert_eq!(tick_at(&tb, "2026-12-14T18:00:00Z").await, [(g, 3)]);

    tb.set_now("2026-12-15T09:00:00Z");
    let t = moderator(&tb, Slash::new("group").sub("jump").integer("week", 7)).await;
    assert!(t.contains("continues at week 7 on 2026-12-21"), "{t}");
    assert_eq!(tick_at(&tb, "2026-12-21T18:00:00Z").await, [(g, 7)]);
    assert_eq!(tick_at(&tb, "2026-12-28T18:00:00Z").await, [(g, 8)]);

    // History: each post keeps its session and week; the check-in stays on week 2.
    let stored: Vec<(u32, Option<u32>)> = posts::for_group(&tb.db, support::scope(&tb.db, g).await)
        .await
        .unwrap()
        .into_iter()
        .filter(|p| p.kind == PostKind::Week)
        .map(|p| (p.session, p.week))
        .collect();
    assert_eq!(stored, [(0, Some(1)), (1, Some(2)), (2, Some(2)), (3, Some(3)), (4, Some(7)), (5, Some(8))]);
    // A post opens with its phase exactly when the group enters that phase: its first week,
    // or a week whose phase differs from the week held before it.
    let c = studybot::curriculum::Curriculum::embedded().unwrap();
    let path = c.path("architecture").unwrap();
    let phase = |w: u32| path.week(w).unwrap().phase;
    let posted: Vec<(u32, bool)> = tb
        .fake
        .channel_posts(defaults::GENERAL)
        .iter()
        .filter_map(|m| {
            let (_, w) = support::week_key(m)?;
            Some((w, m["content"].as_str()?.starts_with("**New phase")))
        })
        .collect();
    let mut previous = None;
    for (w, intro) in posted {
        assert_eq!(intro, previous.is_none_or(|p| phase(p) != phase(w)), "week {w} after {previous:?}");
        previous = Some(w);
    }
    let weeks: Vec<u32> = members::checkins(&tb.db, defaults::GUILD, g, defaults::BOB)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.week)
        .collect();
    assert_eq!(weeks, [2]);
    let next = moderator(&tb, Slash::new("group").sub("next")).await;
    assert!(
        next.contains("week 2 repeated on 2026-12-07") && next.contains("jumped to week 7 on 2026-12-21"),
        "{next}"
    );
    assert!(next.contains(&format!("<@{}>", defaults::ALICE)), "who changed it: {next}");
    // A report covers held weeks only: 1, 2, 3, 7, 8 (4 to 6 were jumped over).
    let report = moderator(&tb, Slash::new("report").sub("participation")).await;
    assert!(report.contains("Calendar changes") && report.contains("jumped to week 7"), "{report}");
    tb.finish().await;
}

/// Undoing a skip restores the week; a holiday range posts nothing (no note, no reminder)
/// and records no missed weeks; the last post before it says when the group meets again.
#[tokio::test]
async fn unskip_restores_the_week_and_a_holiday_range_posts_nothing() {
    let tb = TestBot::start(Mode::Tls, "2026-11-20T12:00:00Z").await;
    moderator(&tb, create("Winter", "2026-11-23", "18:00", "UTC")).await;
    let g = group_id(&tb, "Winter").await;
    assert_eq!(tick_at(&tb, "2026-11-23T18:00:00Z").await, [(g, 1)]);

    tb.set_now("2026-11-24T09:00:00Z");
    let t = moderator(&tb, Slash::new("group").sub("skip").string("date", "2026-11-30")).await;
    assert!(t.contains("2026-11-30") && t.contains("skipped"), "{t}");
    let t = moderator(&tb, Slash::new("group").sub("unskip")).await;
    assert!(t.contains("on 2026-11-30 is held again") && t.contains("week 2"), "{t}");
    let t = moderator(&tb, Slash::new("group").sub("unskip")).await;
    assert!(t.contains("no skipped session ahead"), "{t}");
    assert_eq!(tick_at(&tb, "2026-11-30T18:00:00Z").await, [(g, 2)], "the week is back");

    // Holidays: 2026-12-21 to 2027-01-04 (three Mondays) from the 12-14 session on.
    tb.set_now("2026-12-01T09:00:00Z");
    let cmd = Slash::new("group").sub("skip").string("date", "2026-12-21").string("until", "2027-01-04");
    let t = moderator(&tb, cmd).await;
    assert!(t.contains("from 2026-12-21 to 2027-01-04"), "{t}");
    assert_eq!(tick_at(&tb, "2026-12-07T18:00:00Z").await, [(g, 3)]);
    assert_eq!(tick_at(&tb, "2026-12-14T18:00:00Z").await, [(g, 4)]);
    let last = tb.fake.channel_posts(defaults::GENERAL).pop().unwrap();
    let back = utc("2027-01-11T18:00:00Z").timestamp();
    assert!(last["content"].as_str().unwrap().contains(&format!("until <t:{back}:D>")), "{last}");
    let before = messages(&tb);
    for at in [
        "2026-12-20T18:00:00Z",
        "2026-12-21T18:00:00Z",
        "2026-12-28T18:00:00Z",
        "2027-01-03T18:00:00Z",
        "2027-01-04T18:00:00Z",
    ] {
        tb.set_now(at);
        let r = tb.tick().await;
        assert_eq!((r.sent, r.failed), (0, 0), "the holiday posted at {at}");
    }
    assert_eq!(messages(&tb), before, "no notes or reminders during the holidays");
    assert_eq!(tick_at(&tb, "2027-01-11T18:00:00Z").await, [(g, 5)]);
    assert!(
        db_groups::missed(&tb.db, support::scope(&tb.db, g).await).await.unwrap().is_empty(),
        "holidays are not missed weeks"
    );
    // An overlapping range is refused.
    tb.set_now("2027-01-12T09:00:00Z");
    let cmd = Slash::new("group").sub("skip").string("date", "2027-01-18").string("until", "2027-01-11");
    assert!(moderator(&tb, cmd).await.contains("before it starts"));
    // A date years ahead, past the path's end, is refused with the reason, not stored.
    let breaks = db_groups::calendar(&tb.db, support::scope(&tb.db, g).await).await.unwrap().breaks.len();
    let t = moderator(&tb, Slash::new("group").sub("skip").string("date", "2030-01-07")).await;
    assert!(t.contains("finished its path by 2030-01-07") && t.contains("closing post goes out on"), "{t}");
    assert_eq!(db_groups::calendar(&tb.db, support::scope(&tb.db, g).await).await.unwrap().breaks.len(), breaks);
    tb.finish().await;
}

/// A pause with an end date posts again by itself, with the week it was on.
#[tokio::test]
async fn a_pause_until_a_date_resumes_by_itself() {
    let tb = TestBot::start(Mode::Tls, "2026-11-20T12:00:00Z").await;
    moderator(&tb, create("Breakers", "2026-11-23", "18:00", "UTC")).await;
    let g = group_id(&tb, "Breakers").await;
    assert_eq!(tick_at(&tb, "2026-11-23T18:00:00Z").await, [(g, 1)]);
    tb.set_now("2026-11-24T09:00:00Z");
    let t = moderator(&tb, Slash::new("group").sub("pause").string("until", "2026-12-10")).await;
    assert!(t.contains("posts again by itself from 2026-12-14"), "{t}");
    assert!(tick_at(&tb, "2026-11-30T18:00:00Z").await.is_empty());
    assert!(tick_at(&tb, "2026-12-07T18:00:00Z").await.is_empty());
    assert_eq!(tick_at(&tb, "2026-12-14T18:00:00Z").await, [(g, 2)]);
    let t = moderator(&tb, Slash::new("group").sub("pause").string("until", "2026-12-15")).await;
    assert!(t.contains("must end after the next session"), "{t}");
    tb.finish().await;
}

/// A pause may cover a planned holiday, open-ended or with an end date alike: the holiday
/// stays in the calendar (the reply says so), so resuming early still skips it.
#[tokio::test]
async fn a_pause_over_a_planned_holiday_is_accepted_either_way_and_the_holiday_stays() {
    let tb = TestBot::start(Mode::Tls, "2026-11-20T12:00:00Z").await;
    moderator(&tb, create("Breakers", "2026-11-23", "18:00", "UTC")).await;
    let g = group_id(&tb, "Breakers").await;
    assert_eq!(tick_at(&tb, "2026-11-23T18:00:00Z").await, [(g, 1)]);
    tb.set_now("2026-11-24T09:00:00Z");
    let holiday = Slash::new("group").sub("skip").string("date", "2026-12-07").string("until", "2026-12-14");
    assert!(moderator(&tb, holiday).await.contains("from 2026-12-07 to 2026-12-14"));
    let kept = "What was already skipped inside it (2026-12-07 to 2026-12-14) stays skipped";

    let t = moderator(&tb, Slash::new("group").sub("pause")).await;
    assert!(t.contains("Paused **Breakers**") && t.contains(kept), "{t}");
    let t = moderator(&tb, Slash::new("group").sub("pause").string("until", "2026-12-20")).await;
    assert!(t.contains("already paused"), "{t}");
    assert!(moderator(&tb, Slash::new("group").sub("resume")).await.contains("Resumed"));

    let t = moderator(&tb, Slash::new("group").sub("pause").string("until", "2026-12-20")).await;
    assert!(t.contains("posts again by itself from 2026-12-21") && t.contains(kept), "{t}");
    let t = moderator(&tb, Slash::new("group").sub("pause").string("until", "2026-12-27")).await;
    assert!(t.contains("already has a pause in that range"), "{t}");
    let t = moderator(&tb, Slash::new("group").sub("skip").string("date", "2026-11-30")).await;
    assert!(t.contains("already skipped or paused") || t.contains("already skipped"), "{t}");

    // Resumed early: the next session is held, the holiday is still a holiday.
    assert!(moderator(&tb, Slash::new("group").sub("resume")).await.contains("Resumed"));
    assert_eq!(tick_at(&tb, "2026-11-30T18:00:00Z").await, [(g, 2)]);
    assert!(tick_at(&tb, "2026-12-07T18:00:00Z").await.is_empty());
    assert!(tick_at(&tb, "2026-12-14T18:00:00Z").await.is_empty());
    assert_eq!(tick_at(&tb, "2026-12-21T18:00:00Z").await, [(g, 3)]);
    tb.finish().await;
}

/// Every other Monday at 18:00 Berlin from 2026-10-12: the off weeks post nothing, and the
/// session after the change to CET (2026-10-25) is still at 18:00 local (17:00Z).
#[tokio::test]
async fn a_two_week_cadence_posts_every_other_week_across_dst() {
    let tb = TestBot::start(Mode::Tls, "2026-10-05T12:00:00Z").await;
    let t =
        moderator(&tb, create("Fortnightly", "2026-10-12", "18:00", "Europe/Berlin").integer("every_weeks", 2)).await;
    assert!(t.contains("every 2 weeks, Mondays at 18:00"), "{t}");
    let g = group_id(&tb, "Fortnightly").await;
    assert_eq!(tick_at(&tb, "2026-10-12T16:00:00Z").await, [(g, 1)]);
    assert!(tick_at(&tb, "2026-10-19T17:00:00Z").await.is_empty(), "an off week");
    assert!(tick_at(&tb, "2026-10-26T16:59:00Z").await.is_empty(), "an hour early after DST");
    assert_eq!(tick_at(&tb, "2026-10-26T17:00:00Z").await, [(g, 2)]);
    assert!(tick_at(&tb, "2026-11-02T17:00:00Z").await.is_empty(), "an off week");
    assert_eq!(tick_at(&tb, "2026-11-09T17:00:00Z").await, [(g, 3)]);
    // The cadence is fixed once weeks were posted.
    let cmd = Slash::new("group").sub("edit").string("group", "Fortnightly").integer("every_weeks", 1);
    assert!(moderator(&tb, cmd).await.contains("cadence are fixed"));
    tb.finish().await;
}
