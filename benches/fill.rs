//! The participation benchmarks' database: one group of 10,000 members x 36 weeks of
//! check-ins and some ratings (and a second, smaller group), in one transaction (shared by
//! `report` and `web`, each including this file with `#[path]`).

use studybot::db::{Db, to_db};

pub const GUILD: u64 = 1_234_567_890_123_456_789;
pub const MEMBERS: u64 = 10_000;
pub const WEEKS: i64 = 36;

/// The user id of member `m` (0 to [`MEMBERS`] - 1).
#[allow(dead_code)] // `report` does not need it
pub fn user_of(m: u64) -> u64 {
    1_000_000_000_000_000_000 + m * 7919
}

/// One group of 10,000 members (joining in weeks 1 to 4), filled week by week as in real
/// use: a check-in for every member and week from their join on, except the last 3 weeks of
/// every 25th member (at risk); two ratings per week from every 4th member. A second group
/// of the guild shares 1,000 of the members. Returns the group id and the row counts
/// (members, check-ins, ratings).
pub async fn fill(db: &Db) -> anyhow::Result<(i64, (u64, u64, u64))> {
    let t = "2025-06-01T00:00:00+00:00";
    let guild = to_db(GUILD);
    let mut tx = db.sqlite().expect("a SQLite file").begin().await?;
    let group = sqlx::query(
        "INSERT INTO study_groups (guild_id, name, channel_id, path_id, start_date, weekday, post_time,
             timezone, created_by, created_at, updated_at)
         VALUES (?, 'Benchmark group', 1, 'architecture', '2025-06-02', 0, '18:00', 'Europe/Berlin', 1, ?, ?)",
    )
    .bind(guild)
    .bind(t)
    .bind(t)
    .execute(&mut *tx)
    .await?
    .last_insert_rowid();
    // A second group in the same guild with a little data, so the group filter matters.
    let other = sqlx::query(
        "INSERT INTO study_groups (guild_id, name, channel_id, path_id, start_date, weekday, post_time,
             timezone, created_by, created_at, updated_at)
         VALUES (?, 'Other group', 1, 'senior', '2025-06-02', 2, '18:00', 'UTC', 1, ?, ?)",
    )
    .bind(guild)
    .bind(t)
    .bind(t)
    .execute(&mut *tx)
    .await?
    .last_insert_rowid();

    let user_of = |m: u64| to_db(user_of(m));
    let joined_of = |m: u64| 1 + (m % 4) as i64;
    for m in 0..MEMBERS {
        sqlx::query("INSERT INTO members (guild_id, user_id, display_name, created_at) VALUES (?, ?, ?, ?)")
            .bind(guild)
            .bind(user_of(m))
            .bind(format!("member {m:05}"))
            .bind(t)
            .execute(&mut *tx)
            .await?;
        for g in [group, other] {
            if g == other && m % 10 != 0 {
                continue;
            }
            sqlx::query(
                "INSERT INTO group_members (group_id, guild_id, user_id, joined_week, joined_at) VALUES (?, ?, ?, ?, ?)",
            )
            .bind(g)
            .bind(guild)
            .bind(user_of(m))
            .bind(joined_of(m))
            .bind(t)
            .execute(&mut *tx)
            .await?;
        }
    }
    // Week by week, as members check in over time.
    let (mut checkins, mut ratings) = (0u64, 0u64);
    for week in 1..=WEEKS {
        for m in 0..MEMBERS {
            if week < joined_of(m) || (m % 25 == 0 && week > WEEKS - 3) {
                continue;
            }
            let user = user_of(m);
            let status = match (m + week as u64) % 10 {
                0 => "skipped",
                1 | 2 => "partial",
                _ => "done",
            };
            let hours = ((m + week as u64 * 3) % 12) as f64 * 0.5;
            let confidence = 1 + ((m / 3 + week as u64) % 5) as i64;
            let note = (m % 5 == 0).then(|| format!("week {week}: notes, \"quotes\" and more"));
            let at = format!("2026-01-{:02}T12:00:00+00:00", 1 + week % 28);
            sqlx::query(
                "INSERT INTO checkins (group_id, guild_id, user_id, week, status, hours, confidence, note,
                     created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(group)
            .bind(guild)
            .bind(user)
            .bind(week)
            .bind(status)
            .bind(hours)
            .bind(confidence)
            .bind(note)
            .bind(&at)
            .bind(&at)
            .execute(&mut *tx)
            .await?;
            checkins += 1;
            if m % 4 == 0 {
                for question in [week % 5, (week + 2) % 5] {
                    let rating = 1 + ((m + week as u64 * 7 + question as u64) % 5) as i64;
                    sqlx::query(
                        "INSERT INTO ratings (group_id, guild_id, user_id, week, question, rating, updated_at)
                         VALUES (?, ?, ?, ?, ?, ?, ?)",
                    )
                    .bind(group)
                    .bind(guild)
                    .bind(user)
                    .bind(week)
                    .bind(question)
                    .bind(rating)
                    .bind(t)
                    .execute(&mut *tx)
                    .await?;
                    ratings += 1;
                }
            }
        }
    }
    tx.commit().await?;
    Ok((group, (MEMBERS, checkins, ratings)))
}
