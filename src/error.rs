//! The one error vocabulary of services and the Discord edge.
//!
//! A service returns [`Error`]: either a [`UserError`], something the person can fix or should
//! know (bad input, not allowed, not found), or an internal failure (database, Discord, a
//! broken invariant). `UserError`'s messages are written for members and moderators; the edge
//! shows them as an ephemeral reply in one place (`bot::errors`), and logs internal failures
//! with context while the user sees [`INTERNAL_MESSAGE`].

use chrono::{DateTime, NaiveDate, Utc};
use poise::serenity_prelude as serenity;

/// What went wrong, for services and the edge.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    User(Box<UserError>),
    #[error(transparent)]
    Db(#[from] crate::db::Error),
    #[error("Discord request failed: {0}")]
    Discord(Box<serenity::Error>),
    /// A broken invariant (a stored group whose path the curriculum lost, a chart that did
    /// not render...): a bug or a bad deployment, logged with this text.
    #[error("{0}")]
    Internal(String),
    /// A member's write (a check-in, a rating) failed in the database: it was not stored,
    /// and the member is told so, never that it was saved. `what` names it for them.
    #[error("{what} not saved: {source}")]
    NotSaved { what: &'static str, source: crate::db::Error },
}

// Boxed: both are large, and every `Result` of the edge carries an `Error`.
impl From<UserError> for Error {
    fn from(e: UserError) -> Self {
        Error::User(Box::new(e))
    }
}

impl From<serenity::Error> for Error {
    fn from(e: serenity::Error) -> Self {
        Error::Discord(Box::new(e))
    }
}

impl Error {
    pub fn internal(msg: impl Into<String>) -> Error {
        Error::Internal(msg.into())
    }

    /// A stored group follows a path the loaded curriculum no longer has.
    pub fn missing_path(group: &crate::model::Group) -> Error {
        Error::Internal(format!(
            "group {} follows path `{}`, which the curriculum does not have",
            group.id, group.path_id
        ))
    }
}

pub type Result<T> = std::result::Result<T, Error>;

/// The reply to a member whose `what` (e.g. "check-in") the database could not store.
pub fn not_saved_message(what: &str) -> String {
    format!(
        "Your {what} was **not saved**: the database could not store it (this has been logged). \
         Nothing was changed; please try again in a moment."
    )
}

/// The short apology shown for internal failures.
pub const INTERNAL_MESSAGE: &str = "Something went wrong on my side; it has been logged. Please try again in a moment.";

/// Something the person asking can fix or should know. Each message is shown as is.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum UserError {
    // ----- where -----
    #[error("This command only works inside a server.")]
    GuildOnly,
    #[error("This check-in button is for members of that study group. Check in with `/checkin` in the server.")]
    NotInGroupFromDm,
    #[error("This is for moderators (Manage Server permission or the moderator role).")]
    NotModerator,
    #[error("Only moderators can delete study groups.")]
    OnlyModeratorsDelete,
    #[error("Server settings are for members with the Manage Server permission.")]
    ManageServerOnly,
    #[error("Reminders go out 1 to 167 hours before the weekly post, not {0}.")]
    ReminderHours(u32),

    // ----- the curriculum -----
    #[error("I don't know a track called \"{typed}\". {}", track_hint(suggestions, all))]
    UnknownTrack { typed: String, suggestions: Vec<String>, all: Vec<String> },
    #[error("No {0} match those filters. Try without `kind:`.")]
    NoResourcesMatch(String),
    #[error("Please search for at least two characters.")]
    SearchTooShort,
    #[error("Nothing matches \"{0}\". Try a broader word, e.g. a technology or concept name.")]
    NothingMatches(String),

    // ----- finding a group -----
    #[error(
        "This server has no study groups yet. A moderator can create one with `/group create`. Meanwhile \
         `/week path:` shows any week of a path and `/syllabus` a whole path."
    )]
    NoGroups,
    #[error("There is no group called \"{typed}\" in this server. {}", group_hint(suggestions, all))]
    UnknownGroup { typed: String, suggestions: Vec<String>, all: Vec<String> },
    #[error("This server has several groups ({}). Pick one with the `group` option.", names.join(", "))]
    AmbiguousGroup { names: Vec<String> },
    #[error("That study group no longer exists in this server.")]
    GroupGone,

    // ----- group settings -----
    /// Every problem of a create or edit, one per line.
    #[error("{}", .0.join("\n"))]
    InvalidSettings(Vec<String>),
    #[error("This server already has a group called **{0}**.")]
    NameTaken(String),
    #[error(
        "This server already has {0} study groups, the most it can have. Delete one you no longer need with `/group delete`."
    )]
    TooManyGroups(usize),
    #[error("Nothing to change: those are already the group's settings.")]
    NothingToChange,
    #[error(
        "Live calendar links need the bot's web server, which is off here. The person who runs the bot can turn it \
         on with `--web-addr` and `--public-url` (see the README); `/calendar file` works meanwhile."
    )]
    WebOff,
    #[error(
        "**{0}** has already posted weeks, so its path, start date and cadence are fixed (they would renumber \
         the weeks already posted). To change which week comes next, use `/group jump` or `/group repeat`; \
         for holidays, `/group skip` with `until`. To follow another path, create a new group. Name, channel, \
         time, weekday, timezone and role can still be changed."
    )]
    CalendarFixed(String),
    #[error("I can't see <#{0}>. Pick a text channel I have access to.")]
    ChannelNotVisible(u64),
    #[error(
        "I can't see that channel: I am missing View Channel there. Give me View Channel (and Send Messages, \
         Embed Links, Read Message History, Create Public Threads) in it, or pick another channel."
    )]
    ChannelHidden,
    #[error("<#{0}> is not a text channel.")]
    NotTextChannel(u64),
    #[error(
        "I can't post in <#{channel}>: I am missing {}. Give me those permissions there, or pick another channel.",
        missing.join(", ")
    )]
    ChannelPermissions { channel: u64, missing: Vec<&'static str> },
    #[error(
        "The role **{0}** is not mentionable, so the weekly posts would ping nobody. Make it mentionable \
         (Server Settings → Roles → {0} → Allow anyone to @mention this role), or give me Mention \
         @everyone, @here and All Roles, then try again."
    )]
    RoleNotPingable(String),
    #[error("That channel belongs to another server. Pick a channel of this server.")]
    ChannelElsewhere,
    #[error("That role belongs to another server. Pick a role of this server.")]
    RoleElsewhere,
    #[error(
        "@everyone cannot be the moderator role: every member would be a moderator. Pick a role given to \
         your moderators."
    )]
    EveryoneRole,

    // ----- session events -----
    #[error(
        "I can't publish events in this server: I am missing {}. Give me {} (Server Settings → Roles → my role), \
         then run `/group events on` again. Servers that don't want events need nothing more.",
        missing.join(", "),
        if missing.len() == 1 { "that permission" } else { "those permissions" }
    )]
    EventPermissions { missing: Vec<&'static str> },
    #[error(
        "I can't hold voice events in <#{channel}>: I am missing {} there. Give me {} in it (Edit Channel → \
         Permissions), or pick another voice channel.",
        missing.join(", "),
        if missing.len() == 1 { "that permission" } else { "those permissions" }
    )]
    VoicePermissions { channel: u64, missing: Vec<&'static str> },
    #[error("<#{0}> is not a voice channel. Pick a voice channel, or leave the option out for events without one.")]
    NotVoiceChannel(u64),
    #[error(
        "This server would have more than 100 upcoming events, Discord's maximum: it has {upcoming}, the bot's \
         groups will keep {planned} more, and **{group}** needs 2. Delete some events, or turn events off for \
         another group (`/group events off`)."
    )]
    TooManyEvents { group: String, upcoming: u32, planned: u32 },
    #[error("An event's location is 1 to 100 characters; yours has {0}.")]
    EventLocation(usize),
    #[error("An event lasts {min} to {max} minutes, not {0}.", min = 30, max = 240)]
    EventMinutes(u32),
    #[error("**{0}** has no events on. `/group events on` turns them on.")]
    EventsNotOn(String),

    // ----- certificates -----
    #[error("You are not in **{0}**, so there is no certificate of it for you. `/join` takes you in.")]
    NoCertificateNotInGroup(String),
    #[error("{}", certificate_locked(group, *week_now, *total, *checked, *held, *needed, catch_up))]
    CertificateLocked {
        group: String,
        /// The week the group is at (none: the path is finished).
        week_now: Option<u32>,
        total: u32,
        checked: u32,
        held: u32,
        needed: u32,
        /// Finished weeks without a check-in, the latest last (what a late check-in fixes).
        catch_up: Vec<u32>,
    },

    // ----- study buddies -----
    #[error("**{0}** has no study-buddy rounds. A moderator can start them with `/group buddies on`.")]
    BuddiesOff(String),
    #[error("You are not in **{0}**'s study-buddy rounds. `/buddy join` takes you in.")]
    NotABuddy(String),
    #[error("{0} is in the past: pause until a date to come, YYYY-MM-DD.")]
    PauseInThePast(NaiveDate),
    #[error("You cannot avoid yourself.")]
    AvoidSelf,
    #[error("These buttons are for the buddies of this thread.")]
    NotYourPair,
    #[error("You have no buddy in **{0}**'s round in progress. `/buddy status` shows your rounds.")]
    NoBuddyThisRound(String),
    #[error("This round is over; the next one comes with its weekly post.")]
    RoundOver,
    #[error(
        "Your buddy was asked already: they have until <t:{0}:F> to say they are there. If they don't, I find you \
         a new buddy for the rest of the round if anyone is free."
    )]
    ReportWaiting(i64),
    #[error("Your pair's \"partner unreachable\" is settled already; the thread says how.")]
    ReportSettled,
    #[error("You reported this one; the button is for your buddy.")]
    HereNotYou,
    #[error("Too late: the 48 hours are over and a new buddy is being found for your partner.")]
    HereLate,
    #[error(
        "**{0}** has no session going on right now (a round goes with a session that began in the last 24 hours \
         and is held). `/buddy status` shows when the next round comes."
    )]
    NoSessionForRound(String),
    #[error("**{group}**'s round for week {week} is already out.")]
    RoundMade { group: String, week: u32 },
    #[error(
        "I can't open buddy threads in <#{channel}>: I am missing {}. Give me {} there (Edit Channel → \
         Permissions), then run `/group buddies on` again.",
        missing.join(", "),
        if missing.len() == 1 { "that permission" } else { "those permissions" }
    )]
    BuddyThreadPermissions { channel: u64, missing: Vec<&'static str> },

    // ----- pausing and skipping -----    // ----- pausing and skipping -----
    #[error(
        "**{group}** has finished its path by {date}: its last session is over and the closing post goes out \
         on {ends}, so there is nothing to skip then. Check the date (`/group next` shows what comes next)."
    )]
    SkipAfterPathEnd { group: String, date: NaiveDate, ends: NaiveDate },
    #[error("**{0}** is already paused.")]
    AlreadyPaused(String),
    #[error("**{0}** is not paused.")]
    NotPaused(String),
    #[error("`{0}` is not a date: use YYYY-MM-DD.")]
    NotADate(String),
    #[error("The away period ends ({to}) before it starts ({from}).")]
    AwayBackwards { from: NaiveDate, to: NaiveDate },
    #[error("An away period can be at most {max} weeks long; {from} to {to} is longer.")]
    AwayTooLong { from: NaiveDate, to: NaiveDate, max: u32 },
    #[error("The away period {from} to {to} is already over.")]
    AwayInThePast { from: NaiveDate, to: NaiveDate },
    #[error("**{group}** has no session from {from} to {to}, so there is nothing to be away from.")]
    AwayCoversNothing { group: String, from: NaiveDate, to: NaiveDate },
    #[error("You have no away period in **{0}**.")]
    NotAway(String),
    #[error("**{group}** has no session on {date}: it meets on {weekday}s.")]
    NoSessionOn { group: String, date: NaiveDate, weekday: &'static str },
    #[error("The session on {0} has already started; only future sessions can be skipped.")]
    SessionStarted(NaiveDate),
    #[error("The session on {0} is already skipped.")]
    AlreadySkipped(NaiveDate),
    #[error("The session on {0} is not skipped.")]
    NotSkipped(NaiveDate),
    #[error("**{0}** has no skipped session ahead.")]
    NothingSkipped(String),
    #[error("The range ends ({to}) before it starts ({from}).")]
    DatesBackwards { from: NaiveDate, to: NaiveDate },
    #[error("That break would cover {sessions} sessions; the most is {max}. Use `/group pause` without an end date.")]
    BreakTooLong { sessions: u32, max: u32 },
    #[error("Part of that range of **{0}** is already skipped or paused. `/group next` lists the changes.")]
    OverlapsBreak(String),
    #[error(
        "**{0}** already has a pause in that range. `/group next` lists the changes; `/group resume` ends a pause early."
    )]
    OverlapsPause(String),
    #[error(
        "The pause must end after the next session ({next}); {until} is not later. Use `/group skip` for one session."
    )]
    PauseEndsTooSoon { until: NaiveDate, next: NaiveDate },

    // ----- posting now -----
    #[error("**{0}** has not started yet.")]
    NotStartedYet(String),
    #[error("**{0}** has finished its path.")]
    PathFinished(String),
    #[error("**{0}** has no session this week (skipped or paused).")]
    NoSessionThisWeek(String),
    #[error(
        "The last attempt to post this week of **{group}** failed; the next try is due <t:{}:R>. \
         `/group list` shows the error.",
        retry_at.timestamp()
    )]
    PostBackingOff { group: String, retry_at: DateTime<Utc> },
    #[error(
        "This week's post of **{0}** failed too often, so I stopped trying. `/group list` shows the error; \
         fix it (channel, permissions) and the next week posts as usual."
    )]
    PostGaveUp(String),
    #[error("I could not post this week of **{group}**: {reason}.")]
    PostFailed { group: String, reason: String },

    // ----- check-ins and ratings -----
    /// Every problem of a check-in's values, one per line.
    #[error("{}", .0.join("\n"))]
    InvalidCheckin(Vec<String>),
    #[error("**{group}** has finished all {total} weeks of its path, so it no longer takes check-ins.")]
    NoMoreCheckins { group: String, total: u32 },
    #[error("**{group}** has not started yet: week 1 begins <t:{}:F>.", first.timestamp())]
    GroupNotStarted { group: String, first: DateTime<Utc> },
    #[error("**{0}** has not held a week yet (its first session was skipped or paused).")]
    NoWeekHeld(String),
    #[error("Weeks start at 1.")]
    WeekZero,
    #[error("Week {week} has not started yet for **{group}**; the current week is {current}.")]
    FutureWeek { group: String, week: u32, current: u32 },
    #[error("{path} has weeks 1 to {weeks}, not {week}.")]
    UnknownWeek { path: String, weeks: u32, week: u32 },
    #[error("There is no path called \"{typed}\". The paths are: {}.", known.join(", "))]
    UnknownPath { typed: String, known: Vec<String> },
    #[error("**{0}**'s path has no skills checklist.")]
    NoSkillsChecklist(String),
    #[error("The skills checklist of **{group}** opens in its last week, week {week}.")]
    SkillsNotYet { group: String, week: u32 },
    #[error("This curriculum has no role overview (role.toml).")]
    NoRoleOverview,
    #[error("{path} has phases 1 to {phases}, not {phase}.")]
    UnknownPhase { path: String, phases: u32, phase: u32 },
    #[error("That question does not exist for this week.")]
    UnknownQuestion,
    #[error(
        "That is a reflective prompt: it is there to think about (or discuss in the week's thread), not to be \
         rated. Rate the other questions of the week."
    )]
    ReflectiveNotRated,

    // ----- spaced review -----
    #[error(
        "That review card is not there any more: it was graded already, or its question changed. Run `/review` for the next one."
    )]
    ReviewCardGone,
    #[error("That card is not due yet: it comes back <t:{}:R>.", .0.timestamp())]
    ReviewNotDue(chrono::DateTime<chrono::Utc>),
    #[error("A day's review cards are 1 to 20; you asked for {0}. Nothing was changed.")]
    ReviewDailyMax(u32),
    #[error("The hour of the review DM is 0 to 23 (in your group's timezone); you asked for {0}. Nothing was changed.")]
    ReviewHour(u8),

    // ----- reports -----
    #[error("{}", capitalize(&.0.to_string()))]
    Report(#[from] crate::report::ReportError),

    // ----- stale or forged components -----
    #[error("This button is no longer supported. Please use the slash commands.")]
    UnsupportedButton,
    #[error("That form is no longer supported. Please use /checkin.")]
    UnsupportedForm,
    #[error("That form has expired; press the button again.")]
    FormExpired,
}

fn group_hint(suggestions: &[String], all: &[String]) -> String {
    if suggestions.is_empty() {
        format!("The groups here are: {}.", all.join(", "))
    } else {
        format!("Did you mean {}?", suggestions.join(" or "))
    }
}

fn track_hint(suggestions: &[String], all: &[String]) -> String {
    if suggestions.is_empty() {
        format!("The tracks are: {}.", all.join(", "))
    } else {
        format!("Did you mean {}?", suggestions.iter().map(|g| format!("**{g}**")).collect::<Vec<_>>().join(" or "))
    }
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// Why `/certificate` is locked: the path not finished, too few check-ins, or both, and what
/// to do about it.
fn certificate_locked(
    group: &str,
    week_now: Option<u32>,
    total: u32,
    checked: u32,
    held: u32,
    needed: u32,
    catch_up: &[u32],
) -> String {
    let mut missing = Vec::new();
    if let Some(w) = week_now {
        missing.push(format!("the path is not finished yet (week {w} of {total}; it unlocks after the last week)"));
    }
    if checked < needed {
        let more = needed - checked;
        let mut s = format!(
            "you checked in for {checked} of the {held} weeks held since you joined, and {needed} ({}%) are needed: \
             {more} more",
            crate::progress::CERTIFICATE_PERCENT
        );
        if week_now.is_none() {
            s.push_str(" (the group no longer takes check-ins now that its path is over)");
        } else if !catch_up.is_empty() {
            let weeks: Vec<String> = catch_up.iter().map(|w| w.to_string()).collect();
            s.push_str(&format!(" (a late check-in counts: `/checkin week:` for week {})", weeks.join(", ")));
        }
        missing.push(s);
    }
    format!("Your **{group}** certificate is not unlocked yet: {}.", missing.join("; and "))
}

/// An error with its causes, for an operator: "its message: its source: ...". Some errors
/// (serenity's "Error while sending HTTP request.") name no cause in their own message.
pub fn with_causes(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string().trim_end_matches('.').to_string();
    let mut next = e.source();
    while let Some(cause) = next {
        let text = cause.to_string();
        let text = text.trim_end_matches('.');
        if !text.is_empty() && !out.contains(text) {
            out.push_str(": ");
            out.push_str(text);
        }
        next = cause.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_is_printed_with_its_causes() {
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "Connection refused (os error 111)");
        let e = serenity::Error::Io(io);
        assert_eq!(with_causes(&e), "Connection refused (os error 111)");
        #[derive(Debug, thiserror::Error)]
        #[error("Error while sending HTTP request.")]
        struct Outer(#[source] std::io::Error);
        let e = Outer(std::io::Error::other("client error (Connect)"));
        assert_eq!(with_causes(&e), "Error while sending HTTP request: client error (Connect)");
    }

    #[test]
    fn user_messages_read_as_sentences() {
        let e = UserError::UnknownGroup { typed: "Evenigs".into(), suggestions: vec!["Evenings".into()], all: vec![] };
        assert_eq!(e.to_string(), "There is no group called \"Evenigs\" in this server. Did you mean Evenings?");
        let e = UserError::UnknownGroup { typed: "x".into(), suggestions: vec![], all: vec!["A".into(), "B".into()] };
        assert!(e.to_string().ends_with("The groups here are: A, B."), "{e}");
        let e = UserError::Report(crate::report::ReportError::FromAfterTo { from: 3, to: 2 });
        assert_eq!(e.to_string(), "The week range is empty: from week 3 is after to week 2");
        let e = UserError::ChannelPermissions { channel: 5, missing: vec!["Send Messages", "Embed Links"] };
        assert!(e.to_string().contains("missing Send Messages, Embed Links"), "{e}");
    }
}
