//! Tests of the report core against hand-computed values.
//!
//! The fixture: a Monday 18:00 UTC group of a 6-week path that started 2026-01-05 and skipped
//! its third session (2026-01-19). At 2026-02-03 it has held weeks 1 to 4 (sessions 0, 1, 3
//! and 4). Check-ins (status, hours, confidence):
//!
//! | member (joined) | week 1      | week 2         | week 3         | week 4     |
//! |-----------------|-------------|----------------|----------------|------------|
//! | alice (1)       | done 5h c4  | done 4h c3     | partial 2h c2  | done 3h c5 |
//! | Bob (1)         | done 1h c2  | skipped 0h c1  | done 2h c3     | -          |
//! | carol (1)       | done 2h c3  | -              | -              | -          |
//! | dave (3)        |             |                | partial 1.5h c2| -          |
//! | erin (3)        |             |                | -              | -          |

use super::*;
use crate::model::{Break, BreakKind, Group, Schedule};
use crate::weeks::{parse_date, parse_time, parse_tz};

const ALICE: u64 = 1;
const BOB: u64 = 2;
const CAROL: u64 = 3;
const DAVE: u64 = u64::MAX - 1;
const ERIN: u64 = 5;

const DAVE_NAME: &str = "dave, \"the\" builder";
const DAVE_NOTE: &str = "=HYPERLINK(\"x\"), really\nsecond line";

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn group(total_weeks: u32, breaks: Vec<Break>) -> GroupView {
    GroupView {
        group: Group {
            id: 7,
            guild_id: 1,
            name: "Evening group".into(),
            channel_id: 1,
            path_id: "architecture".into(),
            schedule: Schedule {
                start_date: parse_date("2026-01-05").unwrap(),
                weekday: chrono::Weekday::Mon,
                time: parse_time("18:00").unwrap(),
                tz: parse_tz("UTC").unwrap(),
                every_weeks: 1,
            },
            mention_role_id: None,
            paused: false,
            last_error: None,
            live_since: DateTime::<Utc>::MIN_UTC,
            scope: crate::model::GroupScope::checked(1, 1),
        },
        total_weeks,
        missed: vec![],
        calendar: crate::model::Calendar::new(breaks, vec![]),
    }
}

fn member(user_id: u64, name: &str, joined_week: u32) -> GroupMember {
    GroupMember { user_id, display_name: name.into(), joined_week }
}

fn ci(user_id: u64, week: u32, status: CheckinStatus, hours: f64, confidence: u8) -> Checkin {
    Checkin {
        user_id,
        week,
        status,
        hours,
        confidence,
        note: None,
        // 2026-01-07 for week 1, a week later for each next week.
        created_at: utc("2026-01-01T20:00:00+00:00") + chrono::Duration::days(7 * i64::from(week) - 1),
        updated_at: utc("2026-01-01T21:00:00+00:00") + chrono::Duration::days(7 * i64::from(week) - 1),
    }
}

fn rating(user_id: u64, week: u32, question: u8, rating: u8) -> Rating {
    Rating { user_id, week, question, rating }
}

fn input() -> ReportInput {
    use CheckinStatus::*;
    let mut dave = ci(DAVE, 3, Partial, 1.5, 2);
    dave.note = Some(DAVE_NOTE.into());
    ReportInput {
        group: group(6, vec![Break { kind: BreakKind::Skip, from: 2, to: Some(3) }]),
        questions: vec![vec!["Q1a".into(), "Q1b".into()], vec![], vec!["Q3a".into(), "Q3b".into()], vec!["Q4a".into()]],
        members: vec![
            member(CAROL, "carol", 1),
            member(ALICE, "alice", 1),
            member(ERIN, "erin", 3),
            member(BOB, "Bob", 1),
            member(DAVE, DAVE_NAME, 3),
        ],
        checkins: vec![
            ci(ALICE, 1, Done, 5.0, 4),
            ci(ALICE, 2, Done, 4.0, 3),
            ci(ALICE, 3, Partial, 2.0, 2),
            ci(ALICE, 4, Done, 3.0, 5),
            ci(BOB, 1, Done, 1.0, 2),
            ci(BOB, 2, Skipped, 0.0, 1),
            ci(BOB, 3, Done, 2.0, 3),
            ci(CAROL, 1, Done, 2.0, 3),
            dave,
        ],
        ratings: vec![
            rating(ALICE, 1, 0, 5),
            rating(BOB, 1, 0, 4),
            rating(ALICE, 1, 1, 2),
            rating(BOB, 1, 1, 2),
            rating(CAROL, 1, 1, 2),
            rating(ERIN, 3, 0, 2),
            rating(DAVE, 3, 1, 1),
            rating(ALICE, 2, 4, 3),
            rating(ALICE, 4, 0, 4),
        ],
        now: utc("2026-02-03T00:00:00Z"),
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

fn row(r: &Report, user_id: u64) -> &MemberRow {
    r.members.iter().find(|m| m.user_id == user_id).unwrap()
}

#[test]
fn weeks_by_hand() {
    let r = build(&input(), None, None).unwrap();
    assert_eq!((r.from_week, r.to_week, r.latest_held_week, r.total_weeks), (1, 4, 4, 6));
    let got: Vec<(u32, u32, u32, f64, Option<f64>)> =
        r.weeks.iter().map(|w| (w.week, w.checked_in, w.active, w.hours, w.average_confidence)).collect();
    assert_eq!(
        got,
        vec![
            (1, 3, 3, 8.0, Some(3.0)),
            (2, 2, 3, 4.0, Some(2.0)),
            (3, 3, 5, 5.5, Some(7.0 / 3.0)),
            (4, 1, 5, 3.0, Some(5.0)),
        ]
    );
    let rates: Vec<f64> = r.weeks.iter().map(|w| w.rate).collect();
    for (got, want) in rates.iter().zip([1.0, 2.0 / 3.0, 0.6, 0.2]) {
        assert!(close(*got, want), "{rates:?}");
    }
}

#[test]
fn summary_by_hand() {
    let s = build(&input(), None, None).unwrap().summary;
    // Counts and the rate cover the finished weeks 1-3 (week 4 is in progress): check-ins
    // 3+2+3 = 8 over active 3+3+5 = 11. Week 4 is reported apart: 1 of 5 so far.
    assert_eq!((s.members, s.held_weeks, s.checkins, s.at_risk), (5, 4, 8, 1));
    assert!(close(s.checkin_rate, 8.0 / 11.0), "{}", s.checkin_rate);
    assert_eq!(s.running, Some(RunningWeek { week: 4, checked_in: 1, active: 5 }));
    // Hours and confidence include the running week.
    assert!(close(s.total_hours, 20.5));
    assert!(close(s.average_confidence.unwrap(), 25.0 / 9.0));
}

#[test]
fn members_by_hand() {
    let r = build(&input(), None, None).unwrap();
    let names: Vec<&str> = r.members.iter().map(|m| m.display_name.as_str()).collect();
    assert_eq!(names, vec!["alice", "Bob", "carol", DAVE_NAME, "erin"]);
    // (checked in, active, streak, last, missed recent, hours)
    let facts = |id| {
        let m = row(&r, id);
        (m.weeks_checked_in, m.weeks_active, m.current_streak, m.last_checkin_week, m.missed_recent, m.total_hours)
    };
    // Week 4 is in progress (its session was yesterday): the weeks counted are the finished
    // 1-3, as for at-risk; whether they checked in for week 4 yet is `running`.
    assert_eq!(facts(ALICE), (3, 3, 4, Some(4), 0, 14.0));
    // No check-in for week 4 yet: the streak counts from week 3 and stops at the skip.
    assert_eq!(facts(BOB), (3, 3, 1, Some(3), 0, 3.0));
    assert_eq!(facts(CAROL), (1, 3, 0, Some(1), 2, 2.0));
    assert_eq!(facts(DAVE), (1, 1, 1, Some(3), 0, 1.5));
    assert_eq!(facts(ERIN), (0, 1, 0, None, 1, 0.0));
    let running: Vec<Option<bool>> = r.members.iter().map(|m| m.running).collect();
    assert_eq!(running, vec![Some(true), Some(false), Some(false), Some(false), Some(false)]);
    assert_eq!(row(&r, ALICE).average_confidence, Some(3.5));
    assert_eq!(row(&r, BOB).average_confidence, Some(2.0));
    assert_eq!(row(&r, ERIN).average_confidence, None);
    assert_eq!(row(&r, DAVE).joined_week, 3);
}

#[test]
fn at_risk_lists_two_or_more_missed_weeks_most_first() {
    let r = build(&input(), None, None).unwrap();
    let got: Vec<(u64, u32, Option<u32>)> =
        r.at_risk.iter().map(|a| (a.user_id, a.missed_weeks, a.last_checkin_week)).collect();
    // Week 4 is in progress: nobody has missed it. Carol missed the finished weeks 2 and 3;
    // erin joined in week 3 and missed only that one finished week; bob and dave only week 4.
    assert_eq!(got, vec![(CAROL, 2, Some(1))]);
}

/// The case: on the day of the next post, a member who missed only the previous
/// week is not at-risk; once the week after it is finished too, they are.
#[test]
fn a_member_who_missed_only_the_previous_week_is_not_at_risk_at_the_next_post() {
    let mut i = input();
    // Week 4's post went out a minute ago (2026-02-02 18:00).
    i.now = utc("2026-02-02T18:01:00Z");
    let r = build(&i, None, None).unwrap();
    assert!(r.weeks.last().is_some_and(|w| w.week == 4 && w.in_progress));
    assert_eq!(row(&r, ERIN).missed_recent, 1, "erin missed week 3 only");
    assert!(!r.at_risk.iter().any(|a| a.user_id == ERIN), "{:?}", r.at_risk);
    // A week later week 5 is in progress and week 4 finished: erin missed 3 and 4.
    i.now = utc("2026-02-09T18:01:00Z");
    let r = build(&i, None, None).unwrap();
    let erin = r.at_risk.iter().find(|a| a.user_id == ERIN).expect("erin at risk");
    assert_eq!(erin.missed_weeks, 2);
    // Bob missed only week 4 (finished) with week 5 in progress: not at risk.
    assert!(!r.at_risk.iter().any(|a| a.user_id == BOB), "{:?}", r.at_risk);
}

#[test]
fn hardest_topics_lowest_first_ties_by_more_ratings() {
    let r = build(&input(), None, None).unwrap();
    let got: Vec<(u32, u8, &str, f64, u32)> =
        r.hardest.iter().map(|t| (t.week, t.question, t.text.as_str(), t.average, t.ratings)).collect();
    assert_eq!(
        got,
        vec![
            (3, 1, "Q3b", 1.0, 1),
            (1, 1, "Q1b", 2.0, 3),
            (3, 0, "Q3a", 2.0, 1),
            (2, 4, "question 5 of week 2", 3.0, 1),
            (4, 0, "Q4a", 4.0, 1),
        ]
    );
}

#[test]
fn a_range_restricts_everything() {
    let r = build(&input(), Some(2), Some(3)).unwrap();
    assert_eq!(r.weeks.iter().map(|w| w.week).collect::<Vec<_>>(), vec![2, 3]);
    assert_eq!(r.summary.checkins, 5);
    assert!(close(r.summary.total_hours, 9.5));
    // Streaks end at week 3 now (counted from week 1, whatever the range's start).
    assert_eq!(row(&r, ALICE).current_streak, 3);
    assert_eq!(row(&r, BOB).current_streak, 1);
    assert_eq!(row(&r, ALICE).last_checkin_week, Some(3));
    // carol missed weeks 2 and 3; erin was active for week 3 only.
    let at_risk: Vec<(u64, u32)> = r.at_risk.iter().map(|a| (a.user_id, a.missed_weeks)).collect();
    assert_eq!(at_risk, vec![(CAROL, 2)]);
    assert!(r.hardest.iter().all(|t| (2..=3).contains(&t.week)));
    let rows = checkin_rows(&input(), &r);
    assert_eq!(rows.len(), 5);
    assert!(rows.iter().all(|c| (2..=3).contains(&c.checkin.week)));

    // Members who join after the range are not in it.
    let r = build(&input(), None, Some(2)).unwrap();
    assert_eq!(r.summary.members, 3);
    assert!(r.members.iter().all(|m| m.user_id != DAVE && m.user_id != ERIN));
    assert_eq!(r.weeks[1].active, 3);
}

#[test]
fn bad_ranges_are_clear_errors() {
    let i = input();
    let out = |week| ReportError::WeekOutOfRange { group: "Evening group".into(), week, latest: 4 };
    assert_eq!(build(&i, Some(0), None), Err(out(0)));
    assert_eq!(build(&i, None, Some(5)), Err(out(5)));
    assert_eq!(build(&i, Some(5), None), Err(out(5)));
    assert_eq!(build(&i, Some(3), Some(2)), Err(ReportError::FromAfterTo { from: 3, to: 2 }));
    assert_eq!(
        build(&i, Some(3), Some(2)).unwrap_err().to_string(),
        "the week range is empty: from week 3 is after to week 2"
    );
    assert_eq!(
        build(&i, None, Some(9)).unwrap_err().to_string(),
        "week 9 is out of range: Evening group has held weeks 1 to 4"
    );
    assert!(build(&i, Some(4), Some(4)).is_ok());
}

#[test]
fn nothing_held_yet() {
    let mut i = input();
    i.now = utc("2026-01-05T17:59:59Z");
    let e = build(&i, None, None).unwrap_err();
    assert_eq!(e, ReportError::NoWeeksHeld { group: "Evening group".into() });
    assert_eq!(e.to_string(), "Evening group has not held any week yet, so there is nothing to report");
    // Paused from the very first session: still nothing held.
    i.group.calendar.breaks = vec![Break { kind: BreakKind::Pause, from: 0, to: None }];
    i.now = utc("2026-03-01T00:00:00Z");
    assert!(matches!(build(&i, None, None), Err(ReportError::NoWeeksHeld { .. })));
}

#[test]
fn held_weeks_follow_the_schedule_breaks_and_the_path_end() {
    let mut i = input();
    // During the skipped session the latest held week is still 2.
    i.now = utc("2026-01-20T00:00:00Z");
    let r = build(&i, None, None).unwrap();
    assert_eq!((r.to_week, r.latest_held_week), (2, 2));
    // Long after the end, all 6 weeks and no more.
    i.now = utc("2027-01-01T00:00:00Z");
    let r = build(&i, None, None).unwrap();
    assert_eq!(r.weeks.len(), 6);
    assert_eq!(r.latest_held_week, 6);
    assert_eq!(r.weeks[5].checked_in, 0);
    assert_eq!(r.weeks[5].average_confidence, None);
    // Everybody missed weeks 5 and 6. Alice's four weeks in a row earned a freeze: week 5 is
    // frozen (active, not checked in, not missed) and week 6, the last, is her grace week, so
    // her streak of 4 stands and she is not at risk (1 missed week). Bob had no freeze: weeks
    // 4 to 6 are missed.
    let alice = row(&r, ALICE);
    assert_eq!((alice.current_streak, alice.frozen_weeks, alice.missed_recent), (4, 1, 1));
    assert_eq!((alice.weeks_checked_in, alice.weeks_active), (4, 6), "the rate counts the frozen week");
    assert!(!r.at_risk.iter().any(|a| a.user_id == ALICE));
    assert!(r.at_risk.iter().any(|a| a.user_id == BOB && a.missed_weeks == 3));
    assert_eq!(row(&r, BOB).frozen_weeks, 0);
}

#[test]
fn a_group_with_nobody_active_has_zero_rates() {
    let mut i = input();
    i.members.clear();
    i.checkins.clear();
    i.ratings.clear();
    let r = build(&i, None, None).unwrap();
    assert!(r.weeks.iter().all(|w| w.active == 0 && w.rate == 0.0 && w.average_confidence.is_none()));
    assert_eq!(r.summary.checkin_rate, 0.0);
    assert_eq!(r.summary.average_confidence, None);
    assert!(r.members.is_empty() && r.at_risk.is_empty() && r.hardest.is_empty());
}

#[test]
fn checkins_without_a_membership_row_still_count() {
    let mut i = input();
    i.checkins.push(ci(99, 2, CheckinStatus::Done, 1.0, 4));
    let r = build(&i, None, None).unwrap();
    let ghost = row(&r, 99);
    assert_eq!((ghost.display_name.as_str(), ghost.joined_week, ghost.weeks_checked_in), ("99", 2, 1));
    assert_eq!((r.weeks[1].checked_in, r.weeks[1].active), (3, 4));
}

#[test]
fn a_member_checking_in_before_joining_is_active_that_week() {
    let mut i = input();
    i.checkins.push(ci(ERIN, 1, CheckinStatus::Done, 1.0, 4));
    let r = build(&i, None, None).unwrap();
    assert_eq!((r.weeks[0].checked_in, r.weeks[0].active), (4, 4));
    assert!(r.weeks.iter().all(|w| w.rate <= 1.0));
}

#[test]
fn a_range_ending_before_the_running_week_counts_all_its_weeks() {
    let r = build(&input(), None, Some(3)).unwrap();
    assert_eq!(r.summary.running, None);
    assert_eq!((r.summary.checkins, row(&r, ALICE).weeks_checked_in, row(&r, ALICE).running), (8, 3, None));
}

#[test]
fn hardest_topics_are_numbered_as_members_see_them() {
    let c = crate::curriculum::Curriculum::embedded().unwrap();
    let path = c.path("architecture").unwrap();
    // A rated question after a reflective prompt: stored index 2 is shown as question 2.
    let (week, index) = path
        .weeks
        .iter()
        .find_map(|w| {
            (0..w.questions.len()).find(|&i| w.is_rated(i) && w.shown_number(i) != i + 1).map(|i| (w.number, i))
        })
        .expect("a week with a reflective prompt before a rated question");
    let mut topics = vec![HardTopic {
        week,
        question: index as u8,
        number: index as u32 + 1,
        text: String::new(),
        average: 1.0,
        ratings: 1,
    }];
    number_topics(&mut topics, path);
    let shown = path.week(week).unwrap().shown_number(index) as u32;
    assert_eq!(topics[0].number, shown);
    assert_ne!(shown, index as u32 + 1);
    let mut r = build(&input(), None, None).unwrap();
    r.hardest = topics;
    assert!(text_summary(&r).contains(&format!("Week {week} Q{shown}:")), "{}", text_summary(&r));
}

#[test]
fn week_questions_come_from_the_curriculum() {
    let c = crate::curriculum::Curriculum::embedded().unwrap();
    let path = c.path("architecture").unwrap();
    let q = week_questions(path);
    assert_eq!(q.len() as u32, path.len_weeks());
    assert_eq!(q[0], path.week(1).unwrap().questions);
}

// ---- CSV ----

fn parse_csv(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = ::csv::Reader::from_reader(text.as_bytes());
    let header = reader.headers().unwrap().iter().map(String::from).collect();
    let rows = reader.records().map(|r| r.unwrap().iter().map(String::from).collect()).collect();
    (header, rows)
}

#[test]
fn members_csv_round_trips() {
    let r = build(&input(), None, None).unwrap();
    let (header, rows) = parse_csv(&members_csv(&r));
    assert_eq!(header, export::MEMBERS_HEADER);
    let want: Vec<Vec<&str>> = vec![
        vec!["1", "alice", "1", "3", "3", "1", "4", "4", "0", "3.5", "14", "0", "0", "yes", "0"],
        vec!["2", "Bob", "1", "3", "3", "1", "1", "3", "0", "2", "3", "0", "0", "no", "0"],
        vec!["3", "carol", "1", "3", "1", "0.333", "0", "1", "2", "3", "2", "0", "0", "no", "0"],
        vec!["18446744073709551614", DAVE_NAME, "3", "1", "1", "1", "1", "3", "0", "2", "1.5", "0", "0", "no", "0"],
        vec!["5", "erin", "3", "1", "0", "0", "0", "", "1", "", "0", "0", "0", "no", "0"],
    ];
    assert_eq!(rows, want);
}

#[test]
fn checkins_csv_round_trips_notes_with_commas_quotes_and_newlines() {
    let r = build(&input(), None, None).unwrap();
    let text = checkins_csv(&checkin_rows(&input(), &r));
    // Streamed row by row, the file is the same.
    let mut streamed = CheckinsCsv::new(Vec::new()).unwrap();
    for row in checkin_rows(&input(), &r) {
        streamed.row(&row).unwrap();
    }
    assert_eq!(String::from_utf8(streamed.finish().unwrap()).unwrap(), text);
    let (header, rows) = parse_csv(&text);
    assert_eq!(header, export::CHECKINS_HEADER);
    assert_eq!(rows.len(), 9);
    // By week, then name.
    let order: Vec<(String, String)> = rows.iter().map(|r| (r[2].clone(), r[1].clone())).collect();
    assert_eq!(order[..3], [("1".into(), "alice".into()), ("1".into(), "Bob".into()), ("1".into(), "carol".into())]);
    let dave: Vec<&Vec<String>> = rows.iter().filter(|r| r[0] == "18446744073709551614").collect();
    assert_eq!(dave.len(), 1);
    assert_eq!(
        *dave[0],
        vec![
            "18446744073709551614".to_string(),
            DAVE_NAME.into(),
            "3".into(),
            "partial".into(),
            "1.5".into(),
            "2".into(),
            // A formula-looking note is neutralised for spreadsheets.
            format!("'{DAVE_NOTE}"),
            "2026-01-21T20:00:00+00:00".into(),
            "2026-01-21T21:00:00+00:00".into(),
        ]
    );
    let bob_week2 = rows.iter().find(|r| r[0] == "2" && r[2] == "2").unwrap();
    assert_eq!((bob_week2[3].as_str(), bob_week2[4].as_str(), bob_week2[6].as_str()), ("skipped", "0", ""));
}

#[test]
fn numbers_and_spreadsheet_safety() {
    assert_eq!(export::decimal(4.5, 2), "4.5");
    assert_eq!(export::decimal(3.0, 2), "3");
    assert_eq!(export::decimal(2.0 / 3.0, 3), "0.667");
    assert_eq!(export::decimal(-0.0001, 2), "0");
    assert_eq!(export::spreadsheet_safe("=1+1"), "'=1+1");
    assert_eq!(export::spreadsheet_safe("+x"), "'+x");
    assert_eq!(export::spreadsheet_safe("@x"), "'@x");
    assert_eq!(export::spreadsheet_safe("a=b"), "a=b");
}

// ---- text ----

#[test]
fn text_summary_is_short_plain_text() {
    let r = build(&input(), None, None).unwrap();
    let t = text_summary(&r);
    for want in [
        "Participation report: Evening group",
        "Weeks 1-4 of path architecture (latest held: 4 of 6)",
        "Members: 5, check-ins for finished weeks: 8 (73% of active)",
        "Week 4 (in progress): 1 of 5 checked in so far",
        "Hours: 20.5, average confidence: 2.8/5",
        "Week  In/Active  Rate  Hours  Conf",
        "   1        3/3  100%      8   3.0",
        "   3        3/5   60%    5.5   2.3",
        "   4        1/5   20%      3   5.0 *",
        "* in progress: it counts against nobody yet.",
        "At risk (1), no check-in lately:",
        "- carol: missed 2, last week 1",
        "1. Week 3 Q2: 1/5 (1 rating)",
        "2. Week 1 Q2: 2/5 (3 ratings)",
        "   Q1b",
    ] {
        assert!(t.lines().any(|l| l == want), "missing line `{want}` in:\n{t}");
    }
    assert!(!t.contains("<@"), "{t}");
    assert!(t.lines().all(|l| l.chars().count() <= 90), "{t}");
}

#[test]
fn text_summary_caps_the_at_risk_list_and_flattens_names() {
    let mut i = input();
    i.now = utc("2027-01-01T00:00:00Z");
    for n in 0..20u64 {
        i.members.push(member(1000 + n, &format!("member\n{n:02} <@{n}>"), 1));
    }
    let r = build(&i, None, None).unwrap();
    let t = text_summary(&r);
    assert!(t.contains("...and "), "{t}");
    assert!(t.lines().any(|l| l.starts_with("- member 00 ")), "{t}");
    assert!(!t.contains("<@0>"), "a name renders as a mention: {t}");
    assert_eq!(t.lines().filter(|l| l.starts_with("- ")).count(), text::AT_RISK_LISTED);
}

// ---- chart ----

fn decode(png_bytes: &[u8]) -> (png::OutputInfo, Vec<u8>) {
    let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    buf.truncate(info.buffer_size());
    (info, buf)
}

fn save(name: &str, bytes: &[u8]) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(name), bytes).unwrap();
}

/// Fraction of pixels of each colour, roughly: (non-white, bar blue, line orange).
fn coverage(info: &png::OutputInfo, pixels: &[u8]) -> (f64, f64, f64) {
    assert_eq!(info.color_type, png::ColorType::Rgb);
    let n = (info.width * info.height) as f64;
    let (mut ink, mut blue, mut orange) = (0, 0, 0);
    for p in pixels.chunks(3) {
        if p != [255, 255, 255] {
            ink += 1;
        }
        if p == [66, 133, 244] {
            blue += 1;
        }
        if p == [230, 120, 20] {
            orange += 1;
        }
    }
    (ink as f64 / n, blue as f64 / n, orange as f64 / n)
}

#[test]
fn chart_is_a_1000_by_600_png_with_bars_line_and_text() {
    let r = build(&input(), None, None).unwrap();
    let bytes = chart_png(&r).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    save("report-chart.png", &bytes);
    let (info, pixels) = decode(&bytes);
    assert_eq!((info.width, info.height), (CHART_WIDTH, CHART_HEIGHT));
    assert_eq!((info.width, info.height), (1000, 600));
    let (ink, blue, orange) = coverage(&info, &pixels);
    assert!(ink > 0.05, "almost blank: {ink}");
    assert!(blue > 0.02, "no bars: {blue}");
    assert!(orange > 0.001, "no confidence line: {orange}");
    // The title is drawn with the embedded font: dark pixels in the header band.
    let header_dark = pixels[..(80 * 1000 * 3)].chunks(3).filter(|p| p.iter().all(|c| *c < 100)).count();
    assert!(header_dark > 500, "no title text: {header_dark}");
}

#[test]
fn chart_of_a_whole_36_week_path() {
    let start = input();
    let mut i = ReportInput {
        group: group(36, vec![Break { kind: BreakKind::Pause, from: 10, to: Some(13) }]),
        questions: vec![],
        members: (0..40).map(|n| member(100 + n, &format!("m{n}"), 1 + (n as u32 % 5))).collect(),
        checkins: vec![],
        ratings: vec![],
        now: utc("2027-06-01T00:00:00Z"),
    };
    for n in 0..40u64 {
        for w in 1..=36u32 {
            if (n + u64::from(w)) % 3 != 0 && w + (n as u32 % 7) < 40 {
                let conf = 1 + ((n as u32 + w) % 5) as u8;
                i.checkins.push(ci(100 + n, w, CheckinStatus::Done, 2.0, conf));
            }
        }
    }
    i.group.group.name = "A rather long group name, with Ünïcödé".into();
    let r = build(&i, None, None).unwrap();
    assert_eq!(r.weeks.len(), 36);
    let bytes = chart_png(&r).unwrap();
    save("report-chart-36.png", &bytes);
    let (info, pixels) = decode(&bytes);
    assert_eq!((info.width, info.height), (1000, 600));
    assert!(coverage(&info, &pixels).1 > 0.05);
    // A single-week report draws too.
    let r = build(&start, Some(2), Some(2)).unwrap();
    assert!(chart_png(&r).is_ok());
}

/// The same fixture with week 3 missed by the bot: it is shown but held against nobody.
/// Bob (checked in weeks 1-3, not 4) and carol (week 1 only) lose nothing for week 3; dave's
/// week-3 check-in is shown on the row but counts nowhere.
#[test]
fn a_week_missed_by_the_bot_counts_for_nobody() {
    let mut inp = input();
    inp.group.missed =
        vec![crate::model::Missed { session: 3, week: 3, due_at: utc("2026-01-26T18:00:00Z"), announced: true }];
    let r = build(&inp, None, None).unwrap();
    let w3 = r.weeks.iter().find(|w| w.week == 3).unwrap();
    assert!(w3.missed_by_bot && w3.active == 0, "{w3:?}");
    assert_eq!(w3.checked_in, 3, "check-ins made anyway stay visible");
    assert_eq!(r.summary.held_weeks, 3);
    // Finished held weeks 1, 2 (4 is in progress): active 3+3 = 6 member-weeks; check-ins
    // 3+2 = 5.
    assert_eq!(r.summary.checkins, 5);
    assert!(close(r.summary.checkin_rate, 5.0 / 6.0), "{}", r.summary.checkin_rate);
    assert!(close(r.summary.total_hours, 8.0 + 4.0 + 3.0), "{}", r.summary.total_hours);
    // alice's streak runs over the gap: 1, 2, 4 all done.
    assert_eq!(row(&r, ALICE).current_streak, 3);
    assert_eq!(row(&r, ALICE).weeks_checked_in, 2);
    // carol missed week 2 (3 is not held, 4 is in progress): 1; dave and erin joined in week
    // 3, so nothing finished counts for them yet: nobody is at risk.
    assert_eq!(row(&r, CAROL).missed_recent, 1);
    assert_eq!(row(&r, DAVE).missed_recent, 0);
    assert_eq!(row(&r, ERIN).missed_recent, 0);
    assert!(r.at_risk.is_empty(), "{:?}", r.at_risk);
    assert!(crate::report::text_summary(&r).contains("   3  missed by the bot (offline)"));
}

/// The events' interest lands on the week each session held (a skipped session shifts the
/// weeks), per member only for the group's members, and outside the range nowhere.
#[test]
fn event_interest_by_week_and_member() {
    let i = input();
    let mut r = build(&i, None, None).unwrap();
    let events = [
        EventInterest { session: 1, count: 5, members: vec![ALICE, 99] },
        // Session 2 is skipped: session 3 holds week 3.
        EventInterest { session: 3, count: 2, members: vec![ALICE, BOB] },
        EventInterest { session: 40, count: 9, members: vec![CAROL] },
    ];
    add_interest(&mut r, &i.group, &events);
    let by_week: Vec<(u32, Option<u32>)> = r.weeks.iter().map(|w| (w.week, w.interested)).collect();
    assert_eq!(by_week[..3], [(1, None), (2, Some(5)), (3, Some(2))]);
    assert_eq!((row(&r, ALICE).weeks_interested, row(&r, BOB).weeks_interested), (2, 1));
    assert_eq!(row(&r, CAROL).weeks_interested, 0);
    let (header, rows) = parse_csv(&members_csv(&r));
    assert_eq!(header.last().map(String::as_str), Some("weeks_interested"));
    assert_eq!(rows[0].last().map(String::as_str), Some("2"), "alice: {rows:?}");
}
