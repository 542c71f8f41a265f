//! `studybot migrate --from FILE.db --to postgres://...` as a process, against a real
//! (throwaway) PostgreSQL server: every table arrives with its ids, snowflakes above
//! i64::MAX survive, what the bot reads back is the same on both sides, new ids follow the
//! copied ones, and a non-empty target is refused.

use chrono::{DateTime, Utc};
use std::process::Command;
mod support;

use studybot::db::members::{self, Author};
use studybot::db::{self, Db, Location, groups, outbox, posts, servers, settings};
use studybot::model::{
    BreakKind, CalendarAction, CalendarChange, CheckinEntry, CheckinStatus, DigestSettings, GroupSettings, Missed,
    PostKind, Schedule, ServerSettings,
};

const BIG_GUILD: u64 = u64::MAX - 1;
const SMALL_GUILD: u64 = 81_384_788_765_712_384;

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn group(name: &str, channel: u64) -> GroupSettings {
    GroupSettings {
        name: name.into(),
        channel_id: channel,
        path_id: "architecture".into(),
        schedule: Schedule::from_parts("2026-11-02", 0, "18:00", "Europe/Berlin", 1).unwrap(),
        mention_role_id: Some(u64::MAX),
    }
}

/// A SQLite file with rows in every table, written through the bot's own functions.
async fn populate(db: &Db) -> Vec<(u64, i64)> {
    let t0 = at("2026-11-01T10:00:00.123456Z");
    let mut out = Vec::new();
    for (guild, names) in [(BIG_GUILD, ["Evenings", "Mornings"]), (SMALL_GUILD, ["Evenings", "Weekend"])] {
        for (i, name) in names.iter().enumerate() {
            let g = groups::insert_unchecked(db, guild, &group(name, u64::MAX - 10 - i as u64), u64::MAX - 3, t0)
                .await
                .unwrap()
                .unwrap();
            out.push((guild, g));
            assert!(groups::add_break(db, guild, g, BreakKind::Skip, 2, 4, t0).await.unwrap());
            assert!(groups::set_mark(db, guild, g, 5, 3, t0).await.unwrap());
            let change = CalendarChange {
                at: t0,
                by: Some(u64::MAX - 3),
                action: CalendarAction::Skip,
                session: 2,
                on: chrono::NaiveDate::from_ymd_opt(2026, 11, 16).unwrap(),
                until: Some((4, chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap())),
                week: None,
            };
            groups::log_change(db, support::scope(db, g).await, &change).await.unwrap();
            let missed = Missed { session: 1, week: 2, due_at: t0, announced: false };
            groups::record_missed(db, support::scope(db, g).await, &[missed], t0).await.unwrap();
            for u in 0..12u64 {
                let user = u64::MAX - 100 - u;
                let name = format!("mémber {u} ✓");
                let who = Author { guild_id: guild, group_id: g, user_id: user, display_name: &name };
                members::join(db, who, 1, t0).await.unwrap();
                for week in 1..=3 {
                    let entry = CheckinEntry {
                        status: [CheckinStatus::Done, CheckinStatus::Partial, CheckinStatus::Skipped][(u % 3) as usize],
                        hours: 0.25 * (u + week) as f64,
                        confidence: 1 + ((u + week) % 5) as u8,
                        note: (u % 2 == 0).then(|| format!("note «{u}» 'quoted'\nline")),
                    };
                    members::upsert_checkin(db, who, week as u32, &entry, t0).await.unwrap();
                    members::set_rating(db, who, week as u32, (u % 5) as u8, 1 + (u % 5) as u8, t0).await.unwrap();
                }
                members::set_skill_rating(db, who, 3, 4, t0).await.unwrap();
                if u == 1 {
                    let (from, to) = (
                        chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
                        chrono::NaiveDate::from_ymd_opt(2026, 12, 9).unwrap(),
                    );
                    members::set_away(db, who, from, to, t0).await.unwrap();
                    members::set_remind(db, guild, user, &name, true, t0).await.unwrap();
                }
            }
            let post = outbox::claim_post(db, g, PostKind::Week, 0, Some(1), t0).await.unwrap().unwrap();
            outbox::post_sent(db, post, Some(u64::MAX), Some(u64::MAX - 1), t0).await.unwrap();
            let reminder = outbox::claim_post(db, g, PostKind::Reminder, 1, Some(2), t0).await.unwrap().unwrap();
            outbox::post_failed(db, reminder, "Missing Access", t0, false).await.unwrap();
            assert!(outbox::claim_dm(db, post, u64::MAX - 101, t0).await.unwrap());
            outbox::complete_dm(db, post, u64::MAX - 101, outbox::DmOutcome::Sent).await.unwrap();
            groups::announce_missed(db, support::scope(db, g).await, 3, post).await.unwrap();
        }
        let s = ServerSettings {
            review_retention: Some(85),
            moderator_role_id: Some(u64::MAX - 5),
            reminder_hours: Some(6),
            channel_reminders: Some(false),
            digest: Some(DigestSettings {
                channel_id: u64::MAX - 6,
                weekday: chrono::Weekday::Mon,
                time: chrono::NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
                tz: chrono_tz::Europe::Berlin,
            }),
        };
        settings::save(db, guild, &s, t0).await.unwrap();
        let d = outbox::claim_digest(db, guild, 3, u64::MAX - 6, "dnonce", t0).await.unwrap().unwrap();
        outbox::complete_digest(db, d, Ok(u64::MAX - 7), t0).await.unwrap();
    }
    servers::removed(db, SMALL_GUILD + 1, t0).await.unwrap();
    out
}

/// Everything the bot reads about the populated groups, as text.
async fn read_back(db: &Db, groups_of: &[(u64, i64)]) -> String {
    let mut out = String::new();
    for &(guild, g) in groups_of {
        out += &format!("{:?}\n", groups::list(db, guild).await.unwrap());
        out += &format!("{:?}\n", groups::calendar(db, support::scope(db, g).await).await.unwrap());
        out += &format!("{:?}\n", groups::changes(db, support::scope(db, g).await, 10).await.unwrap());
        out += &format!("{:?}\n", groups::missed(db, support::scope(db, g).await).await.unwrap());
        out += &format!("{:?}\n", posts::for_group(db, support::scope(db, g).await).await.unwrap());
        out += &format!("{:?}\n", posts::dm_subscribers(db, guild, g).await.unwrap());
        let range = studybot::report::Range { from: 1, to: 3, latest: 3, in_progress: None };
        // The aggregates come in no particular order (each engine groups its own way).
        let mut agg = db::reports::aggregates(db, guild, g, range).await.unwrap();
        agg.members.sort_by_key(|m| m.user_id);
        agg.weeks.sort_by_key(|w| w.week);
        agg.topics.sort_by_key(|t| (t.week, t.question));
        out += &format!("{agg:?}\n");
        out += &format!("{:?}\n", members::away(db, guild, g, None).await.unwrap());
        for u in 0..12u64 {
            out += &format!("{:?}\n", members::export(db, guild, u64::MAX - 100 - u).await.unwrap());
        }
        out += &format!("{:?}\n", settings::get(db, guild).await.unwrap());
        out += &format!("{:?}\n", outbox::digest(db, guild, 3).await.unwrap());
    }
    out += &format!("{:?}\n", servers::due_for_purge(db, at("2030-01-01T00:00:00Z")).await.unwrap());
    out
}

fn migrate(from: &std::path::Path, to: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_studybot"))
        .env_remove("STUDYBOT_CONFIG")
        .env_remove("STUDYBOT_DATABASE")
        .args(["migrate", "--from"])
        .arg(from)
        .args(["--to", to])
        .output()
        .unwrap()
}

#[tokio::test]
async fn a_sqlite_database_is_copied_into_an_empty_postgresql_one_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bot.db");
    let lite = db::open(&file).await.unwrap();
    let groups_of = populate(&lite).await;
    let expected = read_back(&lite, &groups_of).await;
    lite.close().await;

    // With a password in the URL (the throwaway server trusts local connections and ignores
    // it): it must never be printed.
    let url = test_postgres::database().replace("postgres@", "postgres:s3cret-pw@");
    let out = migrate(&file, &url);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("counts and checksums match"), "{stdout}");
    let rows = |table: &str| -> u64 {
        let line = stdout
            .lines()
            .find(|l| l.split_whitespace().next() == Some(table))
            .unwrap_or_else(|| panic!("{table}: {stdout}"));
        line.split_whitespace().nth(1).unwrap().parse().unwrap()
    };
    assert_eq!(rows("study_groups"), 4);
    assert_eq!(rows("checkins"), 4 * 12 * 3);
    assert_eq!(rows("members"), 24, "12 per server");
    assert_eq!(rows("removed_servers"), 1);
    assert!(stdout.contains("postgres:***@") && !stdout.contains("s3cret-pw"), "the password is hidden: {stdout}");

    let pg = db::open(Location::Postgres(url.clone())).await.unwrap();
    assert_eq!(pg.backend_name(), "postgres");
    let copied = read_back(&pg, &groups_of).await;
    assert_eq!(copied, expected, "what the bot reads is the same on both backends");
    // New rows get ids after the copied ones.
    let max = groups_of.iter().map(|g| g.1).max().unwrap();
    let new = groups::insert_unchecked(&pg, SMALL_GUILD, &group("New", 1), 1, Utc::now()).await.unwrap().unwrap();
    assert!(new > max, "{new} after {max}");
    pg.close().await;

    // The target now holds data: a second copy is refused and changes nothing.
    let again = migrate(&file, &url);
    assert!(!again.status.success());
    let err = String::from_utf8_lossy(&again.stderr);
    assert!(err.contains("not empty") && err.contains("study_groups has 5 rows"), "{err}");
    // A missing source and a target that is not PostgreSQL are clear errors.
    let missing = migrate(&dir.path().join("nope.db"), &url);
    assert!(!missing.status.success() && String::from_utf8_lossy(&missing.stderr).contains("does not exist"));
    let not_pg = migrate(&file, "other.db");
    assert!(String::from_utf8_lossy(&not_pg.stderr).contains("--to must be a postgres:// URL"));
}
