//! `studybot report` end to end: a database filled with plain SQL, the real binary, and
//! outputs checked against values computed by hand.
//!
//! The group meets Mondays 18:00 UTC from 2026-01-05 and skipped its third session
//! (2026-01-19), so at 2026-01-27 it has held weeks 1, 2 and 3. Check-ins:
//!
//! | member (joined) | week 1             | week 2            | week 3 |
//! |-----------------|--------------------|-------------------|--------|
//! | alice (1)       | done 5h conf 4     | done 3h conf 5    | -      |
//! | bob (1)         | partial 2.5h conf 3| -                 | -      |
//! | carol (2)       |                    | skipped 0h conf 2 | -      |
//!
//! Ratings: alice week 1 Q1 = 2, bob week 1 Q1 = 4, alice week 2 Q2 = 1.
//! Another guild's group with its own check-in shares the database and must not show up.
//!
//! With STUDYBOT_TEST_DATABASE=postgres the same rows are copied into a database on the
//! throwaway PostgreSQL server (`studybot migrate`'s copy) and the binary reads that.

mod support;

#[path = "support/browser.rs"]
mod browser;

use std::path::PathBuf;
use std::process::{Command, Output};
use studybot::db::Location;
use studybot::db::to_db;

const GUILD: u64 = 9_300_000_000_000_000_001; // above i64::MAX: stored negative
const OTHER_GUILD: u64 = 42;
const ALICE: u64 = 18_446_744_073_709_551_000; // above i64::MAX
const BOB: u64 = 2;
const CAROL: u64 = 3;
const NOW: &str = "2026-01-27T00:00:00Z";
const ALICE_NOTE: &str = "great, \"really\"\nyes";

struct Fixture {
    _dir: tempfile::TempDir,
    /// The `--database` value: the file, or the PostgreSQL URL.
    db: String,
    dir: PathBuf,
    group: i64,
}

async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("studybot.db");
    let db = studybot::db::open(&path).await.unwrap();
    let t = "2026-01-01T00:00:00+00:00";
    let group = sqlx::query(
        "INSERT INTO study_groups (guild_id, name, channel_id, path_id, start_date, weekday, post_time,
             timezone, created_by, created_at, updated_at)
         VALUES (?, 'Evening group', 10, 'architecture', '2026-01-05', 0, '18:00', 'UTC', 1, ?, ?)",
    )
    .bind(to_db(GUILD))
    .bind(t)
    .bind(t)
    .execute(db.sqlite().unwrap())
    .await
    .unwrap()
    .last_insert_rowid();
    sqlx::query(
        "INSERT INTO group_breaks (group_id, kind, from_session, to_session, created_at) VALUES (?, 'skip', 2, 3, ?)",
    )
    .bind(group)
    .bind(t)
    .execute(db.sqlite().unwrap())
    .await
    .unwrap();
    for (user, name, joined) in [(ALICE, "alice", 1), (BOB, "bob", 1), (CAROL, "carol", 2)] {
        sqlx::query("INSERT INTO members (guild_id, user_id, display_name, created_at) VALUES (?, ?, ?, ?)")
            .bind(to_db(GUILD))
            .bind(to_db(user))
            .bind(name)
            .bind(t)
            .execute(db.sqlite().unwrap())
            .await
            .unwrap();
        sqlx::query(
            "INSERT INTO group_members (group_id, guild_id, user_id, joined_week, joined_at) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(group)
        .bind(to_db(GUILD))
        .bind(to_db(user))
        .bind(joined)
        .bind(t)
        .execute(db.sqlite().unwrap())
        .await
        .unwrap();
    }
    /// (user, week, status, hours, confidence, note)
    type Checkin = (u64, i64, &'static str, f64, i64, Option<&'static str>);
    let checkins: [Checkin; 4] = [
        (ALICE, 1, "done", 5.0, 4, Some(ALICE_NOTE)),
        (ALICE, 2, "done", 3.0, 5, None),
        (BOB, 1, "partial", 2.5, 3, None),
        (CAROL, 2, "skipped", 0.0, 2, Some("busy week")),
    ];
    for (user, week, status, hours, confidence, note) in checkins {
        sqlx::query(
            "INSERT INTO checkins (group_id, guild_id, user_id, week, status, hours, confidence, note, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(group)
        .bind(to_db(GUILD))
        .bind(to_db(user))
        .bind(week)
        .bind(status)
        .bind(hours)
        .bind(confidence)
        .bind(note)
        .bind(format!("2026-01-{:02}T20:00:00+00:00", 5 + 7 * (week - 1)))
        .bind(format!("2026-01-{:02}T21:30:00+00:00", 5 + 7 * (week - 1)))
        .execute(db.sqlite().unwrap())
        .await
        .unwrap();
    }
    for (user, week, question, rating) in [(ALICE, 1, 0, 2), (BOB, 1, 0, 4), (ALICE, 2, 1, 1)] {
        sqlx::query(
            "INSERT INTO ratings (group_id, guild_id, user_id, week, question, rating, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(group)
        .bind(to_db(GUILD))
        .bind(to_db(user))
        .bind(week)
        .bind(question)
        .bind(rating)
        .bind(t)
        .execute(db.sqlite().unwrap())
        .await
        .unwrap();
    }
    // Another server's group, with a check-in by a member of the same user id.
    let other = sqlx::query(
        "INSERT INTO study_groups (guild_id, name, channel_id, path_id, start_date, weekday, post_time,
             timezone, created_by, created_at, updated_at)
         VALUES (?, 'Evening group', 11, 'architecture', '2026-01-05', 0, '18:00', 'UTC', 1, ?, ?)",
    )
    .bind(to_db(OTHER_GUILD))
    .bind(t)
    .bind(t)
    .execute(db.sqlite().unwrap())
    .await
    .unwrap()
    .last_insert_rowid();
    sqlx::query("INSERT INTO members (guild_id, user_id, display_name, created_at) VALUES (?, ?, 'intruder', ?)")
        .bind(to_db(OTHER_GUILD))
        .bind(to_db(BOB))
        .bind(t)
        .execute(db.sqlite().unwrap())
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO group_members (group_id, guild_id, user_id, joined_week, joined_at) VALUES (?, ?, ?, 1, ?)",
    )
    .bind(other)
    .bind(to_db(OTHER_GUILD))
    .bind(to_db(BOB))
    .bind(t)
    .execute(db.sqlite().unwrap())
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO checkins (group_id, guild_id, user_id, week, status, hours, confidence, note, created_at, updated_at)
         VALUES (?, ?, ?, 3, 'done', 99, 1, 'other server', ?, ?)",
    )
    .bind(other)
    .bind(to_db(OTHER_GUILD))
    .bind(to_db(BOB))
    .bind(t)
    .bind(t)
    .execute(db.sqlite().unwrap())
    .await
    .unwrap();
    let database = if support::on_postgres() {
        let url = test_postgres::database();
        let pg = studybot::db::open(Location::Postgres(url.clone())).await.unwrap();
        studybot::db::migrate::copy(&db, &pg).await.unwrap();
        pg.close().await;
        url
    } else {
        path.display().to_string()
    };
    db.close().await;
    Fixture { db: database, dir: dir.path().to_path_buf(), _dir: dir, group }
}

/// Runs `studybot --database DB report ARGS`, as of [`NOW`] unless ARGS has its own `--now`.
fn studybot(db: impl AsRef<std::ffi::OsStr>, args: &[&str]) -> Output {
    let now: &[&str] = if args.contains(&"--now") { &[] } else { &["--now", NOW] };
    Command::new(env!("CARGO_BIN_EXE_studybot"))
        .arg("--database")
        .arg(db)
        .arg("report")
        .args(now)
        .args(args)
        .env_remove("STUDYBOT_CONFIG")
        .env_remove("STUDYBOT_DATABASE")
        .env_remove("STUDYBOT_CURRICULUM")
        .env_remove("DISCORD_TOKEN")
        .output()
        .unwrap()
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn failed(out: &Output, code: i32) -> String {
    assert_eq!(out.status.code(), Some(code), "stdout:\n{}", String::from_utf8_lossy(&out.stdout));
    assert!(out.stdout.is_empty(), "nothing on stdout on failure");
    String::from_utf8(out.stderr.clone()).unwrap()
}

fn csv_rows(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let header = r.headers().unwrap().iter().map(String::from).collect();
    let rows = r.records().map(|rec| rec.unwrap().iter().map(String::from).collect()).collect();
    (header, rows)
}

#[tokio::test]
async fn csv_members_by_hand() {
    let f = fixture().await;
    let group = f.group.to_string();
    let (header, rows) = csv_rows(&ok(&studybot(&f.db, &["--group", &group, "--format", "csv"])));
    assert_eq!(
        header,
        [
            "user_id",
            "display_name",
            "joined_week",
            "weeks_active",
            "weeks_checked_in",
            "checkin_rate",
            "current_streak",
            "last_checkin_week",
            "missed_recent",
            "average_confidence",
            "total_hours",
            "away_weeks",
            "frozen_weeks",
            "checked_in_running_week",
            "weeks_interested"
        ]
    );
    let alice = ALICE.to_string();
    let want: Vec<Vec<&str>> = vec![
        // Week 3 has no check-in yet: alice's streak counts weeks 2 and 1. Week 3 is in
        // progress, so it is missed by nobody yet and left out of the counts (its own
        // column): bob missed week 2 only.
        vec![&alice, "alice", "1", "2", "2", "1", "2", "2", "0", "4.5", "8", "0", "0", "no", "0"],
        vec!["2", "bob", "1", "2", "1", "0.5", "0", "1", "1", "3", "2.5", "0", "0", "no", "0"],
        vec!["3", "carol", "2", "1", "1", "1", "0", "2", "0", "2", "0", "0", "0", "no", "0"],
    ];
    assert_eq!(rows, want);

    // A range: weeks 2 to 3 only.
    let (_, rows) = csv_rows(&ok(&studybot(&f.db, &["--group", &group, "--format", "csv", "--from", "2"])));
    let bob = rows.iter().find(|r| r[1] == "bob").unwrap();
    assert_eq!(bob[3..=5], ["1", "0", "0"]);
}

/// `--format checkins` streams the raw check-ins alone (no report is built) and writes
/// exactly the file `--format csv --out` writes beside the members CSV, in the report's
/// member order: also for someone with a check-in but no membership of the group
/// (hand-edited data), named by their id and placed by it.
#[tokio::test]
async fn checkins_format_is_the_raw_csv_without_the_report() {
    let f = fixture().await;
    let db = studybot::db::open(Location::parse(&f.db).unwrap()).await.unwrap();
    // A member of the server (named "zed") who never joined the group.
    let member = "INSERT INTO members (guild_id, user_id, display_name, created_at)
         VALUES ($1, 9, 'zed', '2026-01-01T00:00:00+00:00')";
    match (db.sqlite(), db.postgres()) {
        (Some(p), _) => sqlx::query(member).bind(to_db(GUILD)).execute(p).await.map(drop),
        (_, Some(p)) => sqlx::query(member).bind(to_db(GUILD)).execute(p).await.map(drop),
        _ => unreachable!("a database is SQLite or PostgreSQL"),
    }
    .unwrap();
    let sql = "INSERT INTO checkins (group_id, guild_id, user_id, week, status, hours, confidence, note, created_at, updated_at)
         VALUES ($1, $2, 9, 1, 'done', 1, 3, NULL, '2026-01-05T20:00:00+00:00', '2026-01-05T20:00:00+00:00')";
    match (db.sqlite(), db.postgres()) {
        (Some(p), _) => sqlx::query(sql).bind(f.group).bind(to_db(GUILD)).execute(p).await.map(drop),
        (_, Some(p)) => sqlx::query(sql).bind(f.group).bind(to_db(GUILD)).execute(p).await.map(drop),
        _ => unreachable!("a database is SQLite or PostgreSQL"),
    }
    .unwrap();
    db.close().await;
    let group = f.group.to_string();
    for range in [&[][..], &["--from", "2"][..], &["--to", "1"][..]] {
        let out = f.dir.join("report.csv");
        let mut args = vec!["--group", group.as_str(), "--format", "csv", "--out", out.to_str().unwrap()];
        args.extend_from_slice(range);
        ok(&studybot(&f.db, &args));
        let with_report = std::fs::read_to_string(f.dir.join("report-checkins.csv")).unwrap();
        let mut args = vec!["--group", group.as_str(), "--format", "checkins"];
        args.extend_from_slice(range);
        let alone = ok(&studybot(&f.db, &args));
        assert_eq!(alone, with_report, "{range:?}");
        let file = f.dir.join("raw.csv");
        args.extend_from_slice(&["--out", file.to_str().unwrap()]);
        assert!(ok(&studybot(&f.db, &args)).is_empty(), "nothing on stdout with --out");
        assert_eq!(std::fs::read_to_string(&file).unwrap(), with_report, "{range:?}");
    }
    let (_, rows) = csv_rows(&ok(&studybot(&f.db, &["--group", &group, "--format", "checkins"])));
    let week_1: Vec<&str> = rows.iter().filter(|r| r[2] == "1").map(|r| r[1].as_str()).collect();
    assert_eq!(week_1, ["9", "alice", "bob"]);
    let wrong = failed(&studybot(&f.db, &["--group", "999", "--format", "checkins"]), 2);
    assert!(wrong.contains("no study group with id 999"), "{wrong}");
}

#[tokio::test]
async fn csv_out_writes_members_and_raw_checkins() {
    let f = fixture().await;
    let out = f.dir.join("report.csv");
    let res = studybot(&f.db, &["--group", &f.group.to_string(), "--format", "csv", "--out", out.to_str().unwrap()]);
    assert!(ok(&res).is_empty(), "nothing on stdout with --out");
    let (_, members) = csv_rows(&std::fs::read_to_string(&out).unwrap());
    assert_eq!(members.len(), 3);
    let raw = std::fs::read_to_string(f.dir.join("report-checkins.csv")).unwrap();
    // Members' notes and ratings: readable by their owner only, like the database.
    #[cfg(unix)]
    for file in [out.clone(), f.dir.join("report-checkins.csv")] {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600, "{}", file.display());
    }
    let (header, rows) = csv_rows(&raw);
    assert_eq!(
        header,
        ["user_id", "display_name", "week", "status", "hours", "confidence", "note", "created_at", "updated_at"]
    );
    let alice = ALICE.to_string();
    let want: Vec<Vec<&str>> = vec![
        vec![
            &alice,
            "alice",
            "1",
            "done",
            "5",
            "4",
            ALICE_NOTE,
            "2026-01-05T20:00:00+00:00",
            "2026-01-05T21:30:00+00:00",
        ],
        vec!["2", "bob", "1", "partial", "2.5", "3", "", "2026-01-05T20:00:00+00:00", "2026-01-05T21:30:00+00:00"],
        vec![&alice, "alice", "2", "done", "3", "5", "", "2026-01-12T20:00:00+00:00", "2026-01-12T21:30:00+00:00"],
        vec![
            "3",
            "carol",
            "2",
            "skipped",
            "0",
            "2",
            "busy week",
            "2026-01-12T20:00:00+00:00",
            "2026-01-12T21:30:00+00:00",
        ],
    ];
    assert_eq!(rows, want);
    assert!(!raw.contains("other server") && !raw.contains("intruder"), "another guild leaked:\n{raw}");
}

#[tokio::test]
async fn text_summary_by_hand() {
    let f = fixture().await;
    let text = ok(&studybot(&f.db, &["--group", &f.group.to_string()]));
    let c = studybot::curriculum::Curriculum::embedded().unwrap();
    let hardest = &c.week("architecture", 2).unwrap().questions[1];
    let total = c.path("architecture").unwrap().len_weeks();
    let expected = [
        "Participation report: Evening group".to_string(),
        format!("Weeks 1-3 of path architecture (latest held: 3 of {total})"),
        "Members: 3, check-ins for finished weeks: 4 (80% of active)".into(),
        "Week 3 (in progress): 0 of 3 checked in so far".into(),
        "Hours: 10.5, average confidence: 3.5/5".into(),
        "   1        2/2  100%    7.5   3.5".into(),
        "   2        2/3   67%      3   3.5".into(),
        "   3        0/3    0%      0     - *".into(),
        "* in progress: it counts against nobody yet.".into(),
        "At risk: nobody missed the last 2 finished weeks.".into(),
        "1. Week 2 Q2: 1/5 (1 rating)".into(),
        "2. Week 1 Q1: 3/5 (2 ratings)".into(),
    ];
    for want in &expected {
        assert!(text.lines().any(|l| l == want), "missing `{want}` in:\n{text}");
    }
    assert!(text.contains(&hardest.chars().take(40).collect::<String>()), "{text}");
    assert!(!text.contains("intruder"), "{text}");
}

fn png_size(bytes: &[u8]) -> (u32, u32) {
    let reader = png::Decoder::new(std::io::Cursor::new(bytes)).read_info().unwrap();
    (reader.info().width, reader.info().height)
}

#[tokio::test]
async fn png_to_a_file_or_a_pipe() {
    let f = fixture().await;
    let out = f.dir.join("chart.png");
    let group = f.group.to_string();
    ok(&studybot(&f.db, &["--group", &group, "--format", "png", "--out", out.to_str().unwrap()]));
    assert_eq!(png_size(&std::fs::read(&out).unwrap()), (1000, 600));
    // Standard output is a pipe here, so the PNG goes there.
    let res = studybot(&f.db, &["--group", &group, "--format", "png", "--from", "2", "--to", "2"]);
    assert!(res.status.success(), "{}", String::from_utf8_lossy(&res.stderr));
    assert_eq!(png_size(&res.stdout), (1000, 600));
}

#[tokio::test]
async fn errors_are_clear_and_non_zero() {
    let f = fixture().await;
    let group = f.group.to_string();
    let err = failed(&studybot(&f.db, &["--group", "999", "--format", "csv"]), 2);
    assert!(err.contains("no study group with id 999"), "{err}");
    let err = failed(&studybot(&f.db, &["--group", &group, "--to", "4"]), 2);
    assert!(err.contains("week 4 is out of range: Evening group has held weeks 1 to 3"), "{err}");
    let err = failed(&studybot(&f.db, &["--group", &group, "--from", "3", "--to", "2"]), 2);
    assert!(err.contains("from week 3 is after to week 2"), "{err}");
    let err = failed(&studybot(&f.db, &["--group", &group, "--from", "0"]), 2);
    assert!(err.contains("week 0 is out of range"), "{err}");
    let err = failed(&studybot(&f.db, &["--group", &group, "--now", "yesterday"]), 2);
    assert!(err.contains("invalid --now"), "{err}");
    // Before the first session there is nothing to report.
    let err = failed(&studybot(&f.db, &["--group", &group, "--now", "2026-01-05T17:00:00Z"]), 2);
    assert!(err.contains("has not held any week yet"), "{err}");
    // A missing database is not created.
    let missing = f.dir.join("missing.db");
    let err = failed(&studybot(&missing, &["--group", &group]), 1);
    assert!(err.contains("does not exist"), "{err}");
    assert!(!missing.exists());
    // Writing to a directory that does not exist fails with the path.
    let bad = f.dir.join("no/such/dir/out.txt");
    let err = failed(&studybot(&f.db, &["--group", &group, "--out", bad.to_str().unwrap()]), 1);
    assert!(err.contains("cannot write") && err.contains("out.txt"), "{err}");
}

/// `--format html`: one self-contained page. In a real headless Chromium, its members table
/// has exactly the members CSV's rows (the CSV's spreadsheet guard aside), a name that
/// looks like markup stays text, the tables sort by their headers, and the console is
/// clean (its Content-Security-Policy allows only its own inline style and script).
#[tokio::test]
async fn html_page_has_the_csv_values_sorts_and_keeps_names_as_text() {
    let f = fixture().await;
    const NAME: &str = "<img src=x onerror=\"document.title='pwned'\"> & carol";
    let location = if support::on_postgres() {
        Location::Postgres(f.db.clone())
    } else {
        Location::Sqlite(f.dir.join("studybot.db"))
    };
    let db = studybot::db::open(location).await.unwrap();
    let sql = format!("UPDATE members SET display_name = '{}' WHERE user_id = {CAROL}", NAME.replace('\'', "''"));
    assert_eq!(db.raw_execute(&sql, &[]).await.unwrap(), 1);
    db.close().await;

    let g = f.group.to_string();
    let page = f.dir.join("report.html");
    ok(&studybot(&f.db, &["--group", &g, "--format", "html", "--out", page.to_str().unwrap()]));
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>") && !html.contains("<img"), "the name is escaped");
    assert!(!html.contains("src=\"http") && !html.contains("href=\"http"), "nothing from elsewhere");
    let (header, rows) = csv_rows(&ok(&studybot(&f.db, &["--group", &g, "--format", "csv"])));

    let b = browser::Browser::start().await;
    b.open(page.to_str().unwrap()).await;
    b.assert_quiet_console("report").await;
    let heads =
        b.js("return Array.from(document.querySelectorAll('#members-table thead th')).map(c => c.textContent)").await;
    assert_eq!(heads, serde_json::json!(header));
    let table = "return Array.from(document.querySelectorAll('#members-table tbody tr'))\
                 .map(r => Array.from(r.cells).map(c => c.textContent))";
    let cells = b.js(table).await;
    assert_eq!(cells, serde_json::json!(rows), "the page's members are the CSV's");
    assert!(rows.iter().any(|r| r[1] == NAME), "{rows:?}");
    assert_ne!(b.js("return document.title").await, "pwned");
    assert_eq!(b.js("return document.querySelectorAll('img').length").await, 0);
    let chart = b.js("return document.querySelector('.chart svg').getAttribute('aria-label')").await;
    assert!(chart.as_str().unwrap().starts_with("Check-in rate and average confidence per week"), "{chart}");

    // Sorting: checkin_rate ascending, then descending; the names follow their rows.
    let rate = header.iter().position(|h| h == "checkin_rate").unwrap();
    let column = format!(
        "return Array.from(document.querySelectorAll('#members-table tbody tr')).map(r => r.cells[{rate}].textContent)"
    );
    let button = format!("#members-table thead th:nth-child({}) button", rate + 1);
    let mut expected: Vec<f64> = rows.iter().map(|r| r[rate].parse().unwrap()).collect();
    expected.sort_by(f64::total_cmp);
    b.client.find(fantoccini::Locator::Css(&button)).await.unwrap().click().await.unwrap();
    let got: Vec<f64> =
        b.js(&column).await.as_array().unwrap().iter().map(|v| v.as_str().unwrap().parse().unwrap()).collect();
    assert_eq!(got, expected);
    let sorted =
        b.js(&format!("return document.querySelector('{button}').parentElement.getAttribute('aria-sort')")).await;
    assert_eq!(sorted, "ascending");
    b.client.find(fantoccini::Locator::Css(&button)).await.unwrap().click().await.unwrap();
    let got: Vec<f64> =
        b.js(&column).await.as_array().unwrap().iter().map(|v| v.as_str().unwrap().parse().unwrap()).collect();
    expected.reverse();
    assert_eq!(got, expected);
    let rows_now = b.js(table).await;
    for row in rows_now.as_array().unwrap() {
        assert!(rows.iter().any(|r| serde_json::json!(r) == *row), "a row was torn apart: {row}");
    }
    b.assert_quiet_console("report after sorting").await;
    b.screenshots("report").await;
    b.close().await;
}
