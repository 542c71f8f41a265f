//! The data model: one type per concept, typed once where data enters (a command's options,
//! a stored row) and used unchanged by services, the scheduler, reports and views.
//!
//! Nothing here talks to Discord or the database. Stored values are decoded into these types
//! strictly by `crate::db` (an unknown value is an error with context, never a default).

use chrono::{DateTime, NaiveDate, Utc};
use std::fmt;

pub use crate::weeks::{Break, BreakKind, Calendar, Mark, Schedule, Session, Standing};

/// The editable settings of a study group, already validated.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupSettings {
    pub name: String,
    pub channel_id: u64,
    pub path_id: String,
    pub schedule: Schedule,
    pub mention_role_id: Option<u64>,
}

/// A study group as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub id: i64,
    pub guild_id: u64,
    pub name: String,
    pub channel_id: u64,
    pub path_id: String,
    pub schedule: Schedule,
    pub mention_role_id: Option<u64>,
    pub paused: bool,
    /// The last delivery failure (channel deleted, missing permission...), for `/group list`.
    pub last_error: Option<DeliveryError>,
    /// When the group was created or last resumed: a reminder whose time lies before this is
    /// never sent (nobody had been told of the group, or it was paused, at that time).
    pub live_since: DateTime<Utc>,
    /// Its id checked against its server (only `crate::db` makes one, so a `Group` cannot be
    /// built outside the crate).
    pub(crate) scope: GroupScope,
}

/// A group id checked against its server: made only where `crate::db` read the group with
/// its guild (a guild-checked lookup, or the scheduler's sweep of due groups). The database
/// functions that take a group without a guild (its calendar, log, posts, missed weeks,
/// errors, next-due instant) take this, so they cannot be handed another server's group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct GroupScope {
    guild_id: u64,
    id: i64,
}

impl GroupScope {
    /// Only for `crate::db`, which read the group with its guild (and in-crate tests).
    pub(crate) fn checked(guild_id: u64, id: i64) -> GroupScope {
        GroupScope { guild_id, id }
    }

    pub fn id(self) -> i64 {
        self.id
    }

    pub fn guild_id(self) -> u64 {
        self.guild_id
    }
}

/// Why the last post of a group could not be delivered, and when.
#[derive(Debug, Clone, PartialEq)]
pub struct DeliveryError {
    pub text: String,
    pub at: DateTime<Utc>,
}

impl Group {
    /// The group's id checked against its server, for the database functions that take one.
    pub fn scope(&self) -> GroupScope {
        self.scope
    }

    /// The settings as stored (the base of an edit).
    pub fn settings(&self) -> GroupSettings {
        GroupSettings {
            name: self.name.clone(),
            channel_id: self.channel_id,
            path_id: self.path_id.clone(),
            schedule: self.schedule.clone(),
            mention_role_id: self.mention_role_id,
        }
    }
}

/// A week whose whole post slot fell into an outage of the bot: it was never posted, so it
/// is not a held week (streaks, at-risk, check-in rates leave it out).
#[derive(Debug, Clone, PartialEq)]
pub struct Missed {
    pub session: u32,
    pub week: u32,
    /// When its post was due.
    pub due_at: DateTime<Utc>,
    /// A later weekly post already told the group.
    pub announced: bool,
}

/// A group with its calendar: everything needed to reason about its weeks.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupView {
    pub group: Group,
    /// Its breaks and week marks (moderators' calendar changes).
    pub calendar: Calendar,
    /// Number of weeks in the group's curriculum path.
    pub total_weeks: u32,
    /// Weeks missed by the bot, by session.
    pub missed: Vec<Missed>,
}

impl GroupView {
    pub fn standing(&self, now: DateTime<Utc>) -> Standing {
        crate::weeks::standing(&self.group.schedule, &self.calendar, self.total_weeks, now)
    }

    pub fn schedule(&self) -> &Schedule {
        &self.group.schedule
    }

    /// The curriculum weeks held up to `now`, in order (breaks are not weeks, and neither
    /// are weeks missed by the bot).
    pub fn weeks_held(&self, now: DateTime<Utc>) -> Vec<u32> {
        match self.group.schedule.latest_started(now) {
            Some(k) => crate::weeks::weeks_held(k, &self.calendar, self.total_weeks)
                .into_iter()
                .filter(|w| !self.was_missed(*w))
                .collect(),
            None => Vec::new(),
        }
    }

    /// The curriculum weeks whose session came up to `now`, in order, each with whether the
    /// bot missed it (never posted): the held weeks and the bot's misses, for a timeline.
    pub fn weeks_happened(&self, now: DateTime<Utc>) -> Vec<(u32, bool)> {
        match self.group.schedule.latest_started(now) {
            Some(k) => crate::weeks::weeks_held(k, &self.calendar, self.total_weeks)
                .into_iter()
                .map(|w| (w, self.was_missed(w)))
                .collect(),
            None => Vec::new(),
        }
    }

    /// Whether the bot missed curriculum week `week` (never posted, the bot was down).
    pub fn was_missed(&self, week: u32) -> bool {
        self.missed.iter().any(|m| m.week == week)
    }
}

/// What a moderator changed in a group's calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CalendarAction {
    /// The group starts at week `week` (set before its first session).
    StartAt,
    /// The current week is held again at `session`.
    Repeat,
    /// The curriculum continues at week `week` from `session`.
    Jump,
    /// Sessions `session..until` are skipped (one session, or a holiday range).
    Skip,
    /// Skipped session `session` is held again.
    Unskip,
    /// Paused from `session` (until `until`, or open-ended).
    Pause,
    /// Held again from `session`.
    Resume,
}

impl CalendarAction {
    pub const ALL: [CalendarAction; 7] = [
        CalendarAction::StartAt,
        CalendarAction::Repeat,
        CalendarAction::Jump,
        CalendarAction::Skip,
        CalendarAction::Unskip,
        CalendarAction::Pause,
        CalendarAction::Resume,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CalendarAction::StartAt => "start_at",
            CalendarAction::Repeat => "repeat",
            CalendarAction::Jump => "jump",
            CalendarAction::Skip => "skip",
            CalendarAction::Unskip => "unskip",
            CalendarAction::Pause => "pause",
            CalendarAction::Resume => "resume",
        }
    }

    pub fn parse(s: &str) -> Option<CalendarAction> {
        CalendarAction::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

/// One recorded calendar change (`/group next` and reports show them).
#[derive(Debug, Clone, PartialEq)]
pub struct CalendarChange {
    pub at: DateTime<Utc>,
    /// The moderator; `None` once they used `/forget-me`.
    pub by: Option<u64>,
    pub action: CalendarAction,
    /// The first session it affects, and its local date.
    pub session: u32,
    pub on: NaiveDate,
    /// A range ends before this session: the last skipped date, or the date a pause ends.
    pub until: Option<(u32, NaiveDate)>,
    pub week: Option<u32>,
}

/// A plain-text description (no mentions or markup), e.g. "skipped 2026-12-21 to 2027-01-04".
impl fmt::Display for CalendarChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let on = self.on;
        let week = self.week.unwrap_or(0);
        match (self.action, self.until) {
            (CalendarAction::StartAt, _) => write!(f, "starts at week {week} ({on})"),
            (CalendarAction::Repeat, _) => write!(f, "week {week} repeated on {on}"),
            (CalendarAction::Jump, _) => write!(f, "jumped to week {week} on {on}"),
            (CalendarAction::Skip, Some((_, last))) if last != on => write!(f, "skipped {on} to {last} (no posts)"),
            (CalendarAction::Skip, _) => write!(f, "skipped {on}"),
            (CalendarAction::Unskip, _) => write!(f, "skip of {on} undone"),
            (CalendarAction::Pause, Some((_, back))) => write!(f, "paused from {on}, back on {back}"),
            (CalendarAction::Pause, None) => write!(f, "paused from {on}"),
            (CalendarAction::Resume, _) => write!(f, "resumed from {on}"),
        }
    }
}

/// A server's own settings (`/settings`); `None` keeps the process-wide default.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ServerSettings {
    /// Members with this role may use the moderator commands (besides Manage Server).
    pub moderator_role_id: Option<u64>,
    pub reminder_hours: Option<u32>,
    /// Whether reminders are posted in the group's channel (DMs go out either way).
    pub channel_reminders: Option<bool>,
    pub digest: Option<DigestSettings>,
    /// Spaced review's desired retention in percent, 80 to 95.
    pub review_retention: Option<u8>,
}

/// Where and when a server's weekly digest for moderators is posted.
#[derive(Debug, Clone, PartialEq)]
pub struct DigestSettings {
    pub channel_id: u64,
    pub weekday: chrono::Weekday,
    pub time: chrono::NaiveTime,
    pub tz: chrono_tz::Tz,
}

impl DigestSettings {
    /// The digest's weekly slots as a schedule: slot `k` is the `k`-th set weekday and local
    /// time from a fixed first Monday, so a slot number never changes meaning.
    pub fn schedule(&self) -> Schedule {
        Schedule {
            start_date: chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap_or_default(),
            weekday: self.weekday,
            time: self.time,
            tz: self.tz,
            every_weeks: 1,
        }
    }
}

/// What applies in a server: its settings over the process-wide defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct Effective {
    pub moderator_role_id: Option<u64>,
    pub reminder_hours: u32,
    pub channel_reminders: bool,
    pub digest: Option<DigestSettings>,
    /// Spaced review's desired retention (0.80 to 0.95).
    pub review_retention: f32,
}

/// What a member said about a week.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CheckinStatus {
    Done,
    Partial,
    Skipped,
}

impl CheckinStatus {
    pub const ALL: [CheckinStatus; 3] = [CheckinStatus::Done, CheckinStatus::Partial, CheckinStatus::Skipped];

    /// The stored and exported name: `done`, `partial` or `skipped`.
    pub fn as_str(self) -> &'static str {
        match self {
            CheckinStatus::Done => "done",
            CheckinStatus::Partial => "partial",
            CheckinStatus::Skipped => "skipped",
        }
    }

    /// What members see and type: `done`, `partial` or `no time` (not "skipped", which is a
    /// group's week without a session). Stored and exported as [`CheckinStatus::as_str`].
    pub fn label(self) -> &'static str {
        match self {
            CheckinStatus::Done => "done",
            CheckinStatus::Partial => "partial",
            CheckinStatus::Skipped => "no time",
        }
    }

    /// Parses a stored status (exact, lowercase).
    pub fn parse(s: &str) -> Option<CheckinStatus> {
        CheckinStatus::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// Parses what a member typed in the check-in form (case-insensitive, short forms).
    pub fn from_typed(s: &str) -> Option<CheckinStatus> {
        match s.trim().to_ascii_lowercase().as_str() {
            "done" | "d" => Some(CheckinStatus::Done),
            "partial" | "p" | "partly" => Some(CheckinStatus::Partial),
            "no time" | "none" | "n" | "skipped" | "skip" | "s" => Some(CheckinStatus::Skipped),
            _ => None,
        }
    }

    /// Whether the check-in keeps a streak going (done or partial).
    pub fn counts_for_streak(self) -> bool {
        matches!(self, CheckinStatus::Done | CheckinStatus::Partial)
    }
}

/// Shown to members: [`CheckinStatus::label`].
impl fmt::Display for CheckinStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// A member's check-in for one week of a group, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Checkin {
    pub user_id: u64,
    pub week: u32,
    pub status: CheckinStatus,
    pub hours: f64,
    /// 1 to 5.
    pub confidence: u8,
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A validated check-in to store for one member and week.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckinEntry {
    pub status: CheckinStatus,
    pub hours: f64,
    pub confidence: u8,
    pub note: Option<String>,
}

/// One self-assessment rating.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rating {
    pub user_id: u64,
    pub week: u32,
    /// Index of the week's question, from 0.
    pub question: u8,
    /// 1 to 5.
    pub rating: u8,
}

/// A spaced-review card: one rated question of a path's week, for one member of one server
/// (see `crate::review`).
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewCard {
    pub id: i64,
    pub guild_id: u64,
    pub user_id: u64,
    /// The group whose rating seeded it (its calendar and timezone).
    pub group_id: i64,
    pub path_id: String,
    pub week: u32,
    /// Index of the week's question, from 0.
    pub question: u8,
    /// The first rating (1 to 5): the card's first review.
    pub seed_rating: u8,
    pub rated_at: DateTime<Utc>,
    /// Once scheduled: the hash of the question's text, the memory state, when it is due
    /// and when it was last reviewed. `None` until the review-cards job schedules the seed.
    pub scheduled: Option<Scheduled>,
    /// Reviews so far, the seed included.
    pub reps: u32,
    /// Reviews graded "couldn't answer" (the seed included).
    pub lapses: u32,
}

/// A member's spaced review of one path: reviews made (seeds excluded), those recalled
/// (graded above "couldn't answer"), cards due now, and cards at all (retired ones aside).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReviewStats {
    pub reviews: u32,
    pub recalled: u32,
    pub due: u32,
    pub cards: u32,
}

/// A member's spaced-review choices (`/review on|off`); members who never chose have none
/// (the defaults: [`crate::review::DEFAULT_DAILY`] cards a day, no DMs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewPrefs {
    /// Cards a day at most (1 to 20).
    pub daily_max: u32,
    /// The group whose timezone is the member's day (`None`: it was deleted; UTC).
    pub group_id: Option<i64>,
    /// The daily DM's local hour and next instant, when the member turned DMs on.
    pub dm: Option<ReviewDmTime>,
}

/// When a member's daily review DM comes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReviewDmTime {
    pub hour: u8,
    pub next_at: DateTime<Utc>,
}

/// A member whose review-DM hour came: the DM job's row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueReviewDm {
    pub guild_id: u64,
    pub user_id: u64,
    pub prefs: ReviewPrefs,
    /// The DM's instant (`prefs.dm`'s `next_at`).
    pub slot: DateTime<Utc>,
    /// The member's cards due at the query's instant.
    pub due_cards: u32,
}

/// A scheduled card's state.
#[derive(Debug, Clone, PartialEq)]
pub struct Scheduled {
    pub question_hash: String,
    pub memory: crate::review::Memory,
    pub due_at: DateTime<Utc>,
    pub last_review_at: DateTime<Utc>,
}

/// A member of a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupMember {
    pub user_id: u64,
    pub display_name: String,
    /// The first week the member belongs to the group (from 1).
    pub joined_week: u32,
}

/// The person behind an interaction, as the services see them: typed once at the edge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub guild_id: u64,
    pub user_id: u64,
    /// Server nickname, else global name, else username (the one display-name rule).
    pub display_name: String,
    /// Manage Server, Administrator, or the server's moderator role.
    pub moderator: bool,
    /// Manage Server or Administrator (may change the server's settings).
    pub manages_server: bool,
}

/// What a scheduled post is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PostKind {
    Week,
    Skip,
    Closing,
    Reminder,
}

impl PostKind {
    pub const ALL: [PostKind; 4] = [PostKind::Week, PostKind::Skip, PostKind::Closing, PostKind::Reminder];

    pub fn as_str(self) -> &'static str {
        match self {
            PostKind::Week => "week",
            PostKind::Skip => "skip",
            PostKind::Closing => "closing",
            PostKind::Reminder => "reminder",
        }
    }

    pub fn parse(s: &str) -> Option<PostKind> {
        PostKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Where a post is in its claim -> send -> complete life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PostState {
    /// Claimed before sending; a crash leaves it here, and the retry reuses its nonce.
    Claimed,
    Sent,
    Failed,
}

impl PostState {
    pub const ALL: [PostState; 3] = [PostState::Claimed, PostState::Sent, PostState::Failed];

    pub fn as_str(self) -> &'static str {
        match self {
            PostState::Claimed => "claimed",
            PostState::Sent => "sent",
            PostState::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<PostState> {
        PostState::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A post the scheduler made or is making.
#[derive(Debug, Clone, PartialEq)]
pub struct Post {
    pub id: i64,
    pub group_id: i64,
    pub session: u32,
    pub kind: PostKind,
    pub week: Option<u32>,
    pub nonce: String,
    pub state: PostState,
    pub attempts: u32,
    pub message_id: Option<u64>,
    pub claimed_at: DateTime<Utc>,
    /// When the first attempt was claimed (Discord's nonce window counts from there).
    pub first_claimed_at: DateTime<Utc>,
    pub error: Option<String>,
}

/// What `/group post-now` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PostNow {
    Posted,
    AlreadyOut,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_names_round_trip_and_unknown_ones_are_refused() {
        for s in CheckinStatus::ALL {
            assert_eq!(CheckinStatus::parse(s.as_str()), Some(s));
        }
        for k in PostKind::ALL {
            assert_eq!(PostKind::parse(k.as_str()), Some(k));
        }
        for s in PostState::ALL {
            assert_eq!(PostState::parse(s.as_str()), Some(s));
        }
        for a in CalendarAction::ALL {
            assert_eq!(CalendarAction::parse(a.as_str()), Some(a));
        }
        assert_eq!(CheckinStatus::parse("Done"), None);
        assert_eq!(PostKind::parse("weekly"), None);
        assert_eq!(PostState::parse(""), None);
        assert_eq!(CheckinStatus::from_typed(" Partly "), Some(CheckinStatus::Partial));
        // Members see and type "no time" (a skipped week is a group's); the old word still works.
        assert_eq!(CheckinStatus::Skipped.label(), "no time");
        assert_eq!(CheckinStatus::Skipped.to_string(), "no time");
        assert_eq!(CheckinStatus::Skipped.as_str(), "skipped", "stored and exported unchanged");
        for typed in ["no time", "None", "skipped", "s"] {
            assert_eq!(CheckinStatus::from_typed(typed), Some(CheckinStatus::Skipped), "{typed}");
        }
    }
}

/// How the first DM of `/remind on` went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WelcomeDm {
    Sent,
    /// The member does not accept DMs from the bot: reminder DMs were turned off again.
    Closed,
    /// Discord failed for another reason (reminders stay on).
    Failed(String),
}

/// A certificate of completion (`/certificate`), as issued: the names at the time, the
/// member's dates and check-ins, and its verification code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificate {
    pub code: String,
    pub guild_id: u64,
    pub user_id: u64,
    pub display_name: String,
    pub group_name: String,
    pub path_name: String,
    pub path_weeks: u32,
    pub server_name: String,
    /// The member's first week of the path (1: from the start).
    pub first_week: u32,
    /// The local dates of the member's first week and of the path's last week.
    pub started_on: chrono::NaiveDate,
    pub finished_on: chrono::NaiveDate,
    pub weeks_checked_in: u32,
    pub weeks_held: u32,
    pub issued_at: DateTime<Utc>,
}
