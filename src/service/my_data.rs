//! The `/my-data` export: everything stored about a member in one server, in a shape of its
//! own (ids as text, questions and skills numbered from 1 as Discord shows them, a format
//! version), so that the file members keep does not change when a table does.

use crate::db::members::MemberRows;
use chrono::{DateTime, Utc};

/// The shape's version: 2 since away periods, skill ratings and calendar changes have named
/// fields; 3 since spaced-review cards and reviews are in it; 4 since review choices and
/// review DMs are; 5 since the Discord events they said they were interested in are; 6 since
/// study buddies (opt-ins and the avoid list) are; 7 since their "partner unreachable"
/// reports and their certificates are; 8 since when their personal calendar feed was made is
/// (the feed's token is stored only as its hash, and never shown again).
pub const FORMAT_VERSION: u32 = 8;

/// Everything stored about one member in one server, as `/my-data` gives it (its JSON file).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct MemberData {
    /// [`FORMAT_VERSION`].
    pub format_version: u32,
    pub guild_id: String,
    pub user_id: String,
    /// `None` when nothing is stored about the member.
    pub profile: Option<Profile>,
    pub memberships: Vec<Membership>,
    pub checkins: Vec<StoredCheckin>,
    pub ratings: Vec<StoredRating>,
    /// Groups this member created (their id is stored as the creator).
    pub groups_created: Vec<String>,
    /// Reminders the bot sent them as a direct message.
    pub reminder_dms: u64,
    /// Away periods (`/away`).
    pub away: Vec<AwayPeriod>,
    /// Skills checklist ratings.
    pub skill_ratings: Vec<SkillRating>,
    /// Spaced-review cards (one per rated question).
    pub review_cards: Vec<ReviewCard>,
    /// Every review of those cards, the first rating (seed) included.
    pub reviews: Vec<Review>,
    /// Spaced-review choices (`/review on|off`), if made.
    pub review_choices: Option<ReviewChoices>,
    /// Daily review DMs: which day, how many cards, and how it went.
    pub review_dms: Vec<ReviewDm>,
    /// Calendar changes they made as a moderator (the calendar log names them).
    pub calendar_changes: Vec<CalendarChangeMade>,
    /// The sessions' Discord events they said they were interested in (read at each start).
    pub events_interested: Vec<EventInterested>,
    /// Study-buddy opt-ins.
    pub buddies: Vec<BuddyOptIn>,
    /// Members they never want as a buddy (ids as text): shown to them only.
    pub buddy_avoid: Vec<String>,
    /// Their "partner unreachable" reports (`/buddy rematch` or the check-back's button).
    pub buddy_reports: Vec<BuddyReport>,
    /// Their certificates (`/certificate`), with the verification codes.
    pub certificates: Vec<CertificateIssued>,
    /// When their personal calendar feed (`/calendar subscribe`) was made, if they have one.
    pub calendar_feed_since: Option<DateTime<Utc>>,
}

/// A certificate issued to the member.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CertificateIssued {
    pub code: String,
    pub group: String,
    pub path: String,
    pub issued_at: DateTime<Utc>,
}

/// A "partner unreachable" report: the group, the round's week, when, and how it ended
/// (waiting, here, rematched, nobody free, lapsed).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct BuddyReport {
    pub group: String,
    pub week: i64,
    pub reported_at: DateTime<Utc>,
    pub outcome: String,
}

/// A study-buddy opt-in: the group, paused until a day, or paused by the bot.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct BuddyOptIn {
    pub group: String,
    pub paused_until: Option<String>,
    pub paused_by_bot: bool,
}

/// A session's Discord event the member was interested in: the group and the session's start.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct EventInterested {
    pub group: String,
    pub session_start: DateTime<Utc>,
}

/// Spaced-review choices in `/my-data`: cards a day at most, and the DM's local hour (none:
/// DMs off).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ReviewChoices {
    pub daily_max: i64,
    pub dm_hour: Option<i64>,
}

/// A daily review DM in `/my-data`: the member's local day, the cards it announced, and
/// `sent`, `failed` or `claimed` (being sent).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ReviewDm {
    pub day: String,
    pub cards: i64,
    pub state: String,
}

/// An away period in `/my-data`: the group, its first and last day.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AwayPeriod {
    pub group: String,
    pub from: String,
    pub to: String,
}

/// A skills checklist rating in `/my-data`: the skill numbered from 1, rated 1 to 5.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SkillRating {
    pub group: String,
    pub skill: i64,
    pub rating: i64,
}

/// One calendar change a member made (`/group skip`, `pause`, `repeat`...), as logged.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CalendarChangeMade {
    pub group: String,
    pub at: DateTime<Utc>,
    pub action: String,
    pub on_date: String,
    pub until_date: Option<String>,
    pub week: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Profile {
    pub display_name: String,
    pub reminder_dms_on: bool,
    pub first_seen: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Membership {
    pub group: String,
    pub joined_week: i64,
    pub joined_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct StoredCheckin {
    pub group: String,
    pub week: i64,
    pub status: String,
    pub hours: f64,
    pub confidence: i64,
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct StoredRating {
    pub group: String,
    pub week: i64,
    /// From 1, as shown in Discord.
    pub question: i64,
    pub rating: i64,
    pub updated_at: DateTime<Utc>,
}

/// A spaced-review card in `/my-data`: the question numbered from 1, its memory state (FSRS
/// stability in days and difficulty 1-10) once scheduled.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ReviewCard {
    pub path: String,
    pub week: i64,
    pub question: i64,
    pub first_rating: i64,
    pub rated_at: DateTime<Utc>,
    pub stability: Option<f64>,
    pub difficulty: Option<f64>,
    pub due_at: Option<DateTime<Utc>>,
    pub reviews: i64,
    pub lapses: i64,
    pub retired: bool,
}

/// One review in `/my-data`: grade 1 (couldn't answer) to 4 (could teach it).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Review {
    pub path: String,
    pub week: i64,
    pub question: i64,
    pub at: DateTime<Utc>,
    pub grade: i64,
    pub elapsed_days: i64,
    pub scheduled_days: i64,
    /// `seed` (the first rating) or `review`.
    pub source: String,
}

impl MemberData {
    /// The export of what is stored about member `user_id` in server `guild_id`.
    pub fn new(guild_id: u64, user_id: u64, rows: MemberRows) -> MemberData {
        MemberData {
            format_version: FORMAT_VERSION,
            guild_id: guild_id.to_string(),
            user_id: user_id.to_string(),
            profile: rows.profile.map(|(display_name, reminder_dms_on, first_seen)| Profile {
                display_name,
                reminder_dms_on,
                first_seen,
            }),
            memberships: rows
                .memberships
                .into_iter()
                .map(|(group, joined_week, joined_at)| Membership { group, joined_week, joined_at })
                .collect(),
            checkins: rows
                .checkins
                .into_iter()
                .map(|(group, week, status, hours, confidence, note, created_at, updated_at)| StoredCheckin {
                    group,
                    week,
                    status,
                    hours,
                    confidence,
                    note,
                    created_at,
                    updated_at,
                })
                .collect(),
            ratings: rows
                .ratings
                .into_iter()
                .map(|(group, week, question, rating, updated_at)| StoredRating {
                    group,
                    week,
                    question: question + 1,
                    rating,
                    updated_at,
                })
                .collect(),
            groups_created: rows.groups_created,
            reminder_dms: rows.reminder_dms,
            away: rows.away.into_iter().map(|(group, from, to)| AwayPeriod { group, from, to }).collect(),
            skill_ratings: rows
                .skill_ratings
                .into_iter()
                .map(|(group, skill, rating)| SkillRating { group, skill: skill + 1, rating })
                .collect(),
            review_cards: rows
                .review_cards
                .into_iter()
                .map(
                    |(
                        path,
                        week,
                        question,
                        first_rating,
                        rated_at,
                        stability,
                        difficulty,
                        due_at,
                        reviews,
                        lapses,
                        retired,
                    )| {
                        ReviewCard {
                            path,
                            week,
                            question: question + 1,
                            first_rating,
                            rated_at,
                            stability,
                            difficulty,
                            due_at,
                            reviews,
                            lapses,
                            retired: retired != 0,
                        }
                    },
                )
                .collect(),
            reviews: rows
                .reviews
                .into_iter()
                .map(|(path, week, question, at, grade, elapsed_days, scheduled_days, source)| Review {
                    path,
                    week,
                    question: question + 1,
                    at,
                    grade,
                    elapsed_days,
                    scheduled_days,
                    source,
                })
                .collect(),
            review_choices: rows.review_choices.map(|(daily_max, dm_hour)| ReviewChoices { daily_max, dm_hour }),
            review_dms: rows.review_dms.into_iter().map(|(day, cards, state)| ReviewDm { day, cards, state }).collect(),
            calendar_changes: rows
                .calendar_changes
                .into_iter()
                .map(|(group, at, action, on_date, until_date, week)| CalendarChangeMade {
                    group,
                    at,
                    action,
                    on_date,
                    until_date,
                    week,
                })
                .collect(),
            events_interested: rows
                .events_interested
                .into_iter()
                .map(|(group, session_start)| EventInterested { group, session_start })
                .collect(),
            buddies: rows
                .buddies
                .into_iter()
                .map(|(group, paused_until, auto)| BuddyOptIn { group, paused_until, paused_by_bot: auto != 0 })
                .collect(),
            buddy_avoid: rows.avoided.into_iter().map(|a| crate::db::from_db(a).to_string()).collect(),
            buddy_reports: rows
                .buddy_reports
                .into_iter()
                .map(|(group, week, reported_at, outcome)| BuddyReport { group, week, reported_at, outcome })
                .collect(),
            certificates: rows
                .certificates
                .into_iter()
                .map(|(code, group, path, issued_at)| CertificateIssued { code, group, path, issued_at })
                .collect(),
            calendar_feed_since: rows.calendar_feed_since,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The file's shape: ids as text, questions and skills from 1, every field named.
    #[test]
    fn the_export_numbers_from_one_and_names_every_field() {
        let at = DateTime::parse_from_rfc3339("2026-12-01T10:00:00Z").unwrap().with_timezone(&Utc);
        let rows = MemberRows {
            profile: Some(("ann".into(), true, at)),
            ratings: vec![("Evenings".into(), 3, 0, 4, at)],
            skill_ratings: vec![("Evenings".into(), 2, 5)],
            away: vec![("Evenings".into(), "2026-12-07".into(), "2026-12-20".into())],
            reminder_dms: 2,
            review_cards: vec![("arch".into(), 1, 0, 4, at, Some(2.3), Some(2.1), Some(at), 1, 0, 0)],
            reviews: vec![("arch".into(), 1, 0, at, 3, 0, 2, "seed".into())],
            review_choices: Some((3, Some(9))),
            review_dms: vec![("2026-12-08".into(), 2, "sent".into())],
            events_interested: vec![("Evenings".into(), at)],
            avoided: vec![-2],
            buddy_reports: vec![("Evenings".into(), 3, at, "rematched".into())],
            ..MemberRows::default()
        };
        let json = serde_json::to_value(MemberData::new(u64::MAX, 7, rows)).unwrap();
        assert_eq!(json["format_version"], 8);
        assert_eq!(json["calendar_feed_since"], serde_json::Value::Null);
        assert_eq!(json["buddy_reports"][0]["outcome"], "rematched");
        assert_eq!(json["buddy_reports"][0]["week"], 3);
        assert_eq!(json["buddy_avoid"], serde_json::json!([u64::MAX - 1].map(|u| u.to_string())));
        assert_eq!(json["guild_id"], u64::MAX.to_string());
        assert_eq!(json["user_id"], "7");
        assert_eq!(json["profile"]["reminder_dms_on"], true);
        assert_eq!(json["ratings"][0]["question"], 1);
        assert_eq!(json["skill_ratings"][0], serde_json::json!({"group": "Evenings", "skill": 3, "rating": 5}));
        assert_eq!(json["away"][0], serde_json::json!({"group": "Evenings", "from": "2026-12-07", "to": "2026-12-20"}));
        assert_eq!(json["reminder_dms"], 2);
        assert_eq!(json["checkins"], serde_json::json!([]));
        assert_eq!(json["review_cards"][0]["question"], 1);
        assert_eq!(json["review_cards"][0]["retired"], false);
        assert_eq!(json["reviews"][0]["source"], "seed");
        assert_eq!(json["review_choices"], serde_json::json!({"daily_max": 3, "dm_hour": 9}));
        assert_eq!(json["review_dms"][0], serde_json::json!({"day": "2026-12-08", "cards": 2, "state": "sent"}));
        assert_eq!(
            json["events_interested"][0],
            serde_json::json!({"group": "Evenings", "session_start": "2026-12-01T10:00:00Z"})
        );
    }
}
