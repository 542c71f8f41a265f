//! The database layer against a real database with the migrations applied (in-memory
//! SQLite, or a database on the throwaway PostgreSQL server with
//! STUDYBOT_TEST_DATABASE=postgres): guild scoping, upserts, forgetting, breaks and post
//! claims.

mod support;

use chrono::{DateTime, Utc};
use studybot::db::Db;
use studybot::db::groups;
use studybot::db::members::{self, Author};
use studybot::db::{outbox, posts};
use studybot::model::{BreakKind, CheckinEntry, CheckinStatus as Status, GroupSettings, PostKind, Schedule};

const NOW_TEXT: &str = "2026-11-23T12:00:00+00:00";
const G1: u64 = 111;
const G2: u64 = 222;

#[allow(non_snake_case)]
fn NOW() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(NOW_TEXT).unwrap().with_timezone(&Utc)
}

fn settings(name: &str) -> GroupSettings {
    GroupSettings {
        name: name.into(),
        channel_id: 10,
        path_id: "architecture".into(),
        schedule: Schedule::from_parts("2026-11-30", 0, "18:00", "Europe/Berlin", 1).unwrap(),
        mention_role_id: Some(u64::MAX),
    }
}

/// Stores a check-in of `user` (named `user{user}`); true when it replaced one.
async fn upsert(db: &Db, guild: u64, group: i64, user: u64, week: u32, status: Status) -> bool {
    let name = format!("user{user}");
    let who = Author { guild_id: guild, group_id: group, user_id: user, display_name: &name };
    let entry = CheckinEntry { status, hours: 2.5, confidence: 4, note: Some("ok".into()) };
    members::join(db, who, week, NOW()).await.unwrap();
    members::upsert_checkin(db, who, week, &entry, NOW()).await.unwrap() == members::Stored::Replaced
}

#[allow(clippy::too_many_arguments)]
async fn rate(db: &Db, guild: u64, group: i64, user: u64, name: &str, week: u32, q: u8, rating: u8) {
    let who = Author { guild_id: guild, group_id: group, user_id: user, display_name: name };
    members::join(db, who, week, NOW()).await.unwrap();
    members::set_rating(db, who, week, q, rating, NOW()).await.unwrap();
}

async fn count(db: &Db, table: &str) -> i64 {
    db.raw_integers(&format!("SELECT COUNT(*) FROM {table}"), &[]).await.unwrap()[0].unwrap()
}

/// Lets rows break the schema's CHECKs (as a hand edit or an old version could leave them).
async fn checks_off(db: &Db) {
    let sql = if support::on_postgres() {
        "DO $$ DECLARE r record; BEGIN
             FOR r IN SELECT conrelid::regclass AS t, conname FROM pg_constraint
                      WHERE contype = 'c' AND connamespace = current_schema()::regnamespace LOOP
                 EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', r.t, r.conname);
             END LOOP;
         END $$"
    } else {
        "PRAGMA ignore_check_constraints = ON"
    };
    db.raw_execute(sql, &[]).await.unwrap();
}

#[tokio::test]
async fn groups_are_scoped_by_guild() {
    let db = support::open_db().await;
    let a = groups::insert_unchecked(&db, G1, &settings("Evening"), 1, NOW()).await.unwrap().unwrap();
    // Same name in another guild is fine, twice in one guild is not.
    let b = groups::insert_unchecked(&db, G2, &settings("Evening"), 1, NOW()).await.unwrap().unwrap();
    assert!(groups::insert_unchecked(&db, G1, &settings("Evening"), 1, NOW()).await.unwrap().is_none());
    let row = groups::get(&db, G1, a).await.unwrap().unwrap();
    assert_eq!(row.mention_role_id, Some(u64::MAX));
    // Another guild cannot read, change or delete it, even with the right id.
    assert!(groups::get(&db, G2, a).await.unwrap().is_none());
    assert!(!groups::update(&db, G2, a, &settings("Hijacked"), NOW()).await.unwrap());
    assert!(!groups::delete(&db, G2, a, NOW()).await.unwrap());
    assert!(!groups::pause(&db, G2, a, 0, NOW()).await.unwrap());
    assert!(!groups::add_break(&db, G2, a, BreakKind::Skip, 0, 1, NOW()).await.unwrap());
    assert_eq!(groups::list(&db, G1).await.unwrap().len(), 1);
    assert_eq!(groups::list(&db, G2).await.unwrap()[0].id, b);
    assert_eq!(groups::get(&db, G1, a).await.unwrap().unwrap().name, "Evening");
}

#[tokio::test]
async fn checkins_upsert_and_forged_group_ids_write_nothing() {
    let db = support::open_db().await;
    let a = groups::insert_unchecked(&db, G1, &settings("A"), 1, NOW()).await.unwrap().unwrap();
    let b = groups::insert_unchecked(&db, G2, &settings("B"), 1, NOW()).await.unwrap().unwrap();
    assert!(!upsert(&db, G1, a, 7, 1, Status::Partial).await);
    assert!(upsert(&db, G1, a, 7, 1, Status::Done).await);
    let rows = members::checkins(&db, G1, a, 7).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].status, Status::Done);
    // Guild 1 naming guild 2's group: the insert finds no group and stores no check-in.
    upsert(&db, G1, b, 7, 1, Status::Done).await;
    let forged = Author { guild_id: G1, group_id: b, user_id: 7, display_name: "user7" };
    let entry = CheckinEntry { status: Status::Done, hours: 1.0, confidence: 3, note: None };
    assert_eq!(members::upsert_checkin(&db, forged, 1, &entry, NOW()).await.unwrap(), members::Stored::NoGroup);
    // Someone never joined: the write says so and stores nothing.
    let stranger = Author { guild_id: G1, group_id: a, user_id: 99, display_name: "x" };
    assert_eq!(members::upsert_checkin(&db, stranger, 1, &entry, NOW()).await.unwrap(), members::Stored::NotMember);
    assert_eq!(members::set_rating(&db, stranger, 1, 0, 3, NOW()).await.unwrap(), members::Stored::NotMember);
    assert_eq!(count(&db, "checkins").await, 1);
    rate(&db, G1, b, 7, "x", 1, 0, 5).await;
    assert_eq!(count(&db, "ratings").await, 0);
    assert!(members::checkins(&db, G2, a, 7).await.unwrap().is_empty());
}

#[tokio::test]
async fn forget_removes_exactly_one_members_rows_in_one_guild() {
    let db = support::open_db().await;
    let a = groups::insert_unchecked(&db, G1, &settings("A"), 1, NOW()).await.unwrap().unwrap();
    let b = groups::insert_unchecked(&db, G2, &settings("B"), 1, NOW()).await.unwrap().unwrap();
    for (guild, group) in [(G1, a), (G2, b)] {
        for user in [7, 8] {
            for week in 1..=3 {
                upsert(&db, guild, group, user, week, Status::Done).await;
                rate(&db, guild, group, user, "u", week, 0, 3).await;
            }
        }
    }
    assert_eq!(count(&db, "checkins").await, 12);
    let f = members::forget(&db, G1, 7).await.unwrap();
    assert_eq!((f.checkins, f.ratings, f.memberships, f.member), (3, 3, 1, true));
    assert_eq!(count(&db, "checkins").await, 9);
    assert_eq!(count(&db, "ratings").await, 9);
    assert_eq!(members::checkins(&db, G2, b, 7).await.unwrap().len(), 3);
    assert_eq!(members::checkins(&db, G1, a, 8).await.unwrap().len(), 3);
    assert!(members::checkins(&db, G1, a, 7).await.unwrap().is_empty());
}

#[tokio::test]
async fn pause_resume_and_skip_are_stored_as_breaks() {
    let db = support::open_db().await;
    let a = groups::insert_unchecked(&db, G1, &settings("A"), 1, NOW()).await.unwrap().unwrap();
    assert!(groups::pause(&db, G1, a, 3, NOW()).await.unwrap());
    assert!(!groups::pause(&db, G1, a, 3, NOW()).await.unwrap());
    assert!(groups::get(&db, G1, a).await.unwrap().unwrap().paused);
    assert!(groups::resume(&db, G1, a, 5, NOW()).await.unwrap());
    assert!(!groups::resume(&db, G1, a, 5, NOW()).await.unwrap());
    assert!(groups::add_break(&db, G1, a, BreakKind::Skip, 7, 8, NOW()).await.unwrap());
    assert!(!groups::add_break(&db, G1, a, BreakKind::Skip, 7, 8, NOW()).await.unwrap());
    let b = groups::calendar(&db, support::scope(&db, a).await).await.unwrap().breaks;
    assert_eq!(b.len(), 2);
    assert_eq!((b[0].kind, b[0].from, b[0].to), (BreakKind::Pause, 3, Some(5)));
    assert_eq!((b[1].kind, b[1].from, b[1].to), (BreakKind::Skip, 7, Some(8)));
    // A pause resumed before any session it covered leaves no break behind.
    assert!(groups::pause(&db, G1, a, 9, NOW()).await.unwrap());
    assert!(groups::resume(&db, G1, a, 9, NOW()).await.unwrap());
    assert_eq!(groups::calendar(&db, support::scope(&db, a).await).await.unwrap().breaks.len(), 2);
    // A holiday range may not overlap a break; undoing one of its sessions splits it.
    assert!(!groups::add_break(&db, G1, a, BreakKind::Skip, 6, 9, NOW()).await.unwrap());
    assert!(groups::add_break(&db, G1, a, BreakKind::Skip, 10, 14, NOW()).await.unwrap());
    assert!(groups::unskip(&db, G1, a, 11, NOW()).await.unwrap());
    assert!(!groups::unskip(&db, G1, a, 11, NOW()).await.unwrap());
    assert!(!groups::unskip(&db, G2, a, 12, NOW()).await.unwrap(), "another server's group");
    let spans: Vec<_> = groups::calendar(&db, support::scope(&db, a).await)
        .await
        .unwrap()
        .breaks
        .iter()
        .map(|b| (b.from, b.to))
        .collect();
    assert_eq!(spans, [(3, Some(5)), (7, Some(8)), (10, Some(11)), (12, Some(14))]);
    // A pause with an end; `resume` ends it early.
    assert!(groups::add_break(&db, G1, a, BreakKind::Pause, 20, 24, NOW()).await.unwrap());
    assert!(!groups::add_break(&db, G1, a, BreakKind::Pause, 22, 26, NOW()).await.unwrap());
    assert!(groups::resume(&db, G1, a, 22, NOW()).await.unwrap());
    let last = *groups::calendar(&db, support::scope(&db, a).await).await.unwrap().breaks.last().unwrap();
    assert_eq!((last.kind, last.from, last.to), (BreakKind::Pause, 20, Some(22)));
    // Marks: one per session, the latest wins; only in the group's own server.
    assert!(groups::set_mark(&db, G1, a, 30, 4, NOW()).await.unwrap());
    assert!(groups::set_mark(&db, G1, a, 30, 6, NOW()).await.unwrap());
    assert!(!groups::set_mark(&db, G2, a, 31, 6, NOW()).await.unwrap());
    let marks = groups::calendar(&db, support::scope(&db, a).await).await.unwrap().marks;
    assert_eq!(marks, [studybot::model::Mark { session: 30, week: 6 }]);
}

#[tokio::test]
async fn calendar_changes_are_logged_and_decoded_strictly() {
    use studybot::model::{CalendarAction, CalendarChange};
    let db = support::open_db().await;
    let a = groups::insert_unchecked(&db, G1, &settings("A"), 1, NOW()).await.unwrap().unwrap();
    let d = |s: &str| studybot::weeks::parse_date(s).unwrap();
    let skip = CalendarChange {
        at: NOW(),
        by: Some(42),
        action: CalendarAction::Skip,
        session: 3,
        on: d("2026-12-21"),
        until: Some((5, d("2026-12-28"))),
        week: None,
    };
    let jump = CalendarChange { action: CalendarAction::Jump, until: None, week: Some(9), by: None, ..skip.clone() };
    groups::log_change(&db, support::scope(&db, a).await, &skip).await.unwrap();
    groups::log_change(&db, support::scope(&db, a).await, &jump).await.unwrap();
    assert_eq!(groups::changes(&db, support::scope(&db, a).await, 8).await.unwrap(), [skip.clone(), jump.clone()]);
    assert_eq!(
        groups::changes(&db, support::scope(&db, a).await, 1).await.unwrap(),
        [jump],
        "the latest, oldest first"
    );
    assert_eq!(skip.to_string(), "skipped 2026-12-21 to 2026-12-28 (no posts)");
    // /forget-me of the moderator keeps the change, without their id (in their server only).
    members::forget(&db, G2, 42).await.unwrap();
    assert_eq!(groups::changes(&db, support::scope(&db, a).await, 8).await.unwrap()[0].by, Some(42));
    members::forget(&db, G1, 42).await.unwrap();
    assert_eq!(groups::changes(&db, support::scope(&db, a).await, 8).await.unwrap()[0].by, None);
    checks_off(&db).await;
    db.raw_execute("UPDATE calendar_log SET action = 'rewind'", &[]).await.unwrap();
    let e = groups::changes(&db, support::scope(&db, a).await, 8).await.unwrap_err().to_string();
    assert!(e.contains("calendar_log") && e.contains("rewind"), "{e}");
}

#[tokio::test]
async fn a_post_is_claimed_once() {
    let db = support::open_db().await;
    let a = groups::insert_unchecked(&db, G1, &settings("A"), 1, NOW()).await.unwrap().unwrap();
    let id = outbox::claim_post(&db, a, PostKind::Week, 0, Some(1), NOW()).await.unwrap().unwrap();
    assert!(outbox::claim_post(&db, a, PostKind::Week, 0, Some(1), NOW()).await.unwrap().is_none());
    // The same week at a later session is another post (a moderator repeated the week).
    assert!(outbox::claim_post(&db, a, PostKind::Week, 1, Some(1), NOW()).await.unwrap().is_some());
    let later = NOW() + chrono::Duration::minutes(30);
    outbox::post_failed(&db, id, "boom", later, false).await.unwrap();
    assert_eq!(posts::for_group(&db, support::scope(&db, a).await).await.unwrap()[0].attempts, 1);
    // The retry reuses the nonce and knows when the post was first claimed.
    assert_eq!(
        outbox::retry_post(&db, id, later).await.unwrap(),
        Some((outbox::post_nonce(a, PostKind::Week, 0), NOW()))
    );
    outbox::post_sent(&db, id, Some(u64::MAX), None, NOW()).await.unwrap();
    assert!(outbox::retry_post(&db, id, NOW()).await.unwrap().is_none());
    let rows = posts::for_group(&db, support::scope(&db, a).await).await.unwrap();
    assert_eq!(rows[0].message_id, Some(u64::MAX));
    // A reminder DM is claimed once per member and post.
    assert!(outbox::claim_dm(&db, id, 7, NOW()).await.unwrap());
    assert!(!outbox::claim_dm(&db, id, 7, NOW()).await.unwrap());
    assert!(outbox::claim_dm(&db, id, 8, NOW()).await.unwrap());
    outbox::complete_dm(&db, id, 7, outbox::DmOutcome::Sent).await.unwrap();
    assert_eq!(rows[0].attempts, 2);
    assert!(outbox::post_nonce(i64::MAX, PostKind::Reminder, 99_999).len() <= 25);
    assert!(outbox::claim_post(&db, a, PostKind::Closing, 40, None, NOW()).await.unwrap().is_some());
    assert!(outbox::claim_post(&db, a, PostKind::Closing, 41, None, NOW()).await.unwrap().is_none());
    // A permanent refusal uses up every attempt at once (never fewer than it had).
    let gone = outbox::claim_post(&db, a, PostKind::Week, 2, Some(2), NOW()).await.unwrap().unwrap();
    outbox::post_failed(&db, gone, "no access", NOW(), true).await.unwrap();
    let row =
        posts::for_group(&db, support::scope(&db, a).await).await.unwrap().into_iter().find(|p| p.id == gone).unwrap();
    assert_eq!(row.attempts, studybot::plan::MAX_ATTEMPTS);
}

/// Rows written by something other than this bot (an old version, a hand edit) with values
/// the schema's CHECKs would refuse: every reader reports the table, row and value.
#[tokio::test]
async fn an_unknown_stored_value_is_an_error_naming_its_row_never_a_default() {
    let db = support::open_db().await;
    let a = groups::insert_unchecked(&db, G1, &settings("A"), 1, NOW()).await.unwrap().unwrap();
    upsert(&db, G1, a, 5, 1, Status::Done).await;
    rate(&db, G1, a, 5, "e", 1, 0, 3).await;
    assert!(groups::pause(&db, G1, a, 2, NOW()).await.unwrap());
    outbox::claim_post(&db, a, PostKind::Week, 0, Some(1), NOW()).await.unwrap().unwrap();
    checks_off(&db).await;
    let corrupt = |e: studybot::db::Error| match e {
        studybot::db::Error::Corrupt { table, what, value, .. } => format!("{table}.{what}={value}"),
        other => panic!("expected a corrupt-row error, got {other}"),
    };
    let breaks = [
        ("UPDATE checkins SET status = 'finished'", "checkins.status=finished"),
        ("UPDATE checkins SET status = 'done', confidence = 9", "checkins.confidence=9"),
    ];
    for (sql, want) in breaks {
        db.raw_execute(sql, &[]).await.unwrap();
        assert_eq!(corrupt(members::checkins(&db, G1, a, 5).await.unwrap_err()), want);
    }
    db.raw_execute("UPDATE ratings SET rating = 0", &[]).await.unwrap();
    assert_eq!(corrupt(members::ratings(&db, G1, a, 5).await.unwrap_err()), "ratings.rating=0");
    db.raw_execute("UPDATE group_breaks SET kind = 'holiday'", &[]).await.unwrap();
    assert_eq!(
        corrupt(groups::calendar(&db, support::scope(&db, a).await).await.unwrap_err()),
        "group_breaks.kind=holiday"
    );
    db.raw_execute("UPDATE posts SET state = 'lost'", &[]).await.unwrap();
    assert_eq!(corrupt(posts::for_group(&db, support::scope(&db, a).await).await.unwrap_err()), "posts.state=lost");
    db.raw_execute("UPDATE posts SET state = 'sent', kind = 'poem'", &[]).await.unwrap();
    assert_eq!(corrupt(posts::for_group(&db, support::scope(&db, a).await).await.unwrap_err()), "posts.kind=poem");
    db.raw_execute("UPDATE study_groups SET paused = 2", &[]).await.unwrap();
    assert_eq!(corrupt(groups::get(&db, G1, a).await.unwrap_err()), "study_groups.paused=2");
}

/// The schema itself refuses a row pairing a group with another server's member, even if a
/// future bug tried to write one.
#[tokio::test]
async fn the_schema_refuses_rows_pairing_a_group_with_another_servers_member() {
    let db = support::open_db().await;
    let a = groups::insert_unchecked(&db, G1, &settings("A"), 1, NOW()).await.unwrap().unwrap();
    members::set_remind(&db, G2, 7, "other server's member", false, NOW()).await.unwrap();
    let forged = [
        "INSERT INTO group_members (group_id, guild_id, user_id, joined_week, joined_at) VALUES ($1, $2, 7, 1, '2026-01-01T00:00:00+00:00')",
        "INSERT INTO checkins (group_id, guild_id, user_id, week, status, hours, confidence, created_at, updated_at)
         VALUES ($1, $2, 7, 1, 'done', 1, 3, '2026-01-01T00:00:00+00:00', '2026-01-01T00:00:00+00:00')",
        "INSERT INTO ratings (group_id, guild_id, user_id, week, question, rating, updated_at) VALUES ($1, $2, 7, 1, 0, 3, '2026-01-01T00:00:00+00:00')",
        "INSERT INTO away (group_id, guild_id, user_id, from_date, to_date, created_at) VALUES ($1, $2, 7, 'a', 'b', '2026-01-01T00:00:00+00:00')",
    ];
    for sql in forged {
        let e = db.raw_execute(sql, &[a, studybot::db::to_db(G2)]).await.unwrap_err();
        assert!(e.to_string().to_lowercase().contains("foreign key"), "{sql}: {e}");
    }
}

/// Thirty creates at once in one server with room for 25: exactly 25 groups, the others
/// told the server is full (on SQLite writes queue; on PostgreSQL a per-server lock).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_creates_never_pass_the_group_limit() {
    let db = support::open_db().await;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..30 {
        let db = db.clone();
        tasks.spawn(async move { groups::insert(&db, G1, &settings(&format!("G{i}")), 1, NOW(), 25).await.unwrap() });
    }
    let (mut made, mut full) = (0, 0);
    while let Some(r) = tasks.join_next().await {
        match r.unwrap() {
            Ok(_) => made += 1,
            Err(groups::NotInserted::Full) => full += 1,
            Err(other) => panic!("{other:?}"),
        }
    }
    assert_eq!((made, full), (25, 5));
    assert_eq!(count(&db, "study_groups").await, 25);
}

/// Twenty overlapping skips of one group at once: exactly one is stored (a break never
/// overlaps another, whichever backend runs the checks).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_overlapping_breaks_store_one() {
    let db = support::open_db().await;
    let g = groups::insert_unchecked(&db, G1, &settings("A"), 1, NOW()).await.unwrap().unwrap();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..20u32 {
        let db = db.clone();
        tasks.spawn(async move {
            groups::add_break(&db, G1, g, BreakKind::Skip, 3 + i % 3, 6 + i % 4, NOW()).await.unwrap()
        });
    }
    let mut stored = 0;
    while let Some(r) = tasks.join_next().await {
        stored += usize::from(r.unwrap());
    }
    assert_eq!(stored, 1);
    assert_eq!(groups::calendar(&db, support::scope(&db, g).await).await.unwrap().breaks.len(), 1);
}

/// The raw export's reader: every week's check-ins in order, each week in the report's
/// member order; a consumer that stops early gets its own error back (and the reader stops);
/// a stored row the decoder refuses ends the stream with that row's error, after the weeks
/// before it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checkin_pages_come_by_week_in_member_order_and_stop_on_either_sides_error() {
    use std::collections::HashMap;
    use studybot::db::reports;
    use studybot::report::{MemberOrder, Range};
    let db = support::open_db().await;
    let a = groups::insert_unchecked(&db, G1, &settings("A"), 1, NOW()).await.unwrap().unwrap();
    for week in 1..=3 {
        for user in [30, 10, 20] {
            upsert(&db, G1, a, user, week, Status::Done).await;
        }
    }
    // By name: "bea" (30) before "cy" (10); 20 has no name and is placed by its id.
    let names: HashMap<u64, String> = [(30, "bea".to_string()), (10, "cy".to_string())].into();
    let order = MemberOrder::by_name(&names);
    let range = Range { from: 1, to: 3, latest: 3, in_progress: None };
    let read = |stop_at: Option<usize>| {
        let (db, names, order) = (&db, &names, &order);
        async move {
            let mut seen = Vec::new();
            let done = reports::checkin_pages(db, G1, a, range)
                .each(names, order, |row| {
                    if Some(seen.len()) == stop_at {
                        return Err(studybot::db::Error::Corrupt {
                            table: "test",
                            row: 0,
                            what: "stop",
                            value: String::new(),
                        });
                    }
                    seen.push((row.checkin.week, row.display_name.to_string()));
                    Ok(())
                })
                .await;
            (seen, done)
        }
    };
    let (seen, done) = read(None).await;
    done.unwrap();
    let want: Vec<(u32, String)> = (1..=3).flat_map(|w| ["20", "bea", "cy"].map(move |n| (w, n.to_string()))).collect();
    assert_eq!(seen, want);
    // The consumer stops after four rows: its error, nothing more handed out.
    let (seen, done) = read(Some(4)).await;
    assert_eq!(seen.len(), 4);
    assert!(matches!(done, Err(studybot::db::Error::Corrupt { what: "stop", .. })), "{done:?}");
    // A row of week 2 the decoder refuses: week 1 was handed out, then its error.
    checks_off(&db).await;
    db.raw_execute("UPDATE checkins SET status = 'finished' WHERE week = 2 AND user_id = 10", &[]).await.unwrap();
    let (seen, done) = read(None).await;
    assert_eq!(seen, want[..3]);
    match done {
        Err(studybot::db::Error::Corrupt { table, what, value, .. }) => {
            assert_eq!(format!("{table}.{what}={value}"), "checkins.status=finished")
        }
        other => panic!("expected the corrupt row's error, got {other:?}"),
    }
}
