//! A group's upcoming sessions (pure): what `/calendar` puts in its `.ics` file.

use crate::curriculum::PathFile;
use crate::model::{GroupView, Session};
use chrono::{DateTime, Utc};

/// At most this many sessions go into a calendar file (a whole path is at most 36 weeks).
pub const MAX_SESSIONS: usize = 60;

/// A session's identity across the bot's calendars: the `.ics` file's UID of the session, the
/// same for the group's Discord event of it (`session_events`, keyed by group and session).
pub fn session_uid(group_id: i64, session: u32) -> String {
    format!("studybot-group-{group_id}-session-{session}")
}

/// The Discord events of a group's sessions, for the `.ics` file: how long a session lasts
/// and each session's event link.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SessionLinks {
    /// The events' length (none: events off; the file's default length).
    pub minutes: Option<u32>,
    /// Session -> its Discord event's address.
    pub events: std::collections::HashMap<u32, String>,
}

/// One upcoming weekly session.
#[derive(Debug, Clone, PartialEq)]
pub struct Upcoming {
    pub session: u32,
    pub week: u32,
    pub title: String,
    pub at: DateTime<Utc>,
}

/// The group's weekly sessions after `now`, in order: skipped sessions are left out, a
/// pause ends the list where it has no end (a pause with an end date only skips), and the
/// list ends with the path.
pub fn upcoming(view: &GroupView, path: &PathFile, now: DateTime<Utc>, limit: usize) -> Vec<Upcoming> {
    let schedule = view.schedule();
    let first = schedule.next_after(now);
    let mut out = Vec::new();
    // Open-ended pauses cover every later session: stop at the first one.
    let open_pause = view.calendar.open_pause();
    for (k, s) in view.calendar.sessions(view.total_weeks).enumerate().skip(first as usize).take(520) {
        let k = k as u32;
        if out.len() >= limit || open_pause.is_some_and(|from| k >= from) {
            break;
        }
        match s {
            Session::Week(w) => out.push(Upcoming {
                session: k,
                week: w,
                title: path.week(w).map(|x| x.title.clone()).unwrap_or_default(),
                at: schedule.instant(k),
            }),
            Session::Skipped | Session::Paused => {}
            Session::Finished => break,
        }
    }
    out
}

/// What a live feed says of one session: its revision (`SEQUENCE`) and when it last changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Published {
    pub sequence: u32,
    pub changed_at: DateTime<Utc>,
}

/// A live feed covers the sessions of this many weeks from now.
pub const FEED_WEEKS: i64 = 26;

/// One session of a live feed: held (with its week) or cancelled (a skip, a holiday range
/// or a pause with an end; the slot stays in the feed so calendars drop it).
#[derive(Debug, Clone, PartialEq)]
pub struct FeedSession {
    pub session: u32,
    pub at: DateTime<Utc>,
    /// The curriculum week held; `None` when the session is cancelled.
    pub week: Option<(u32, String)>,
}

/// The group's sessions from `now` to [`FEED_WEEKS`] weeks later, in order, cancelled ones
/// included; an open-ended pause, or the path's end, ends the list.
pub fn feed(view: &GroupView, path: &PathFile, now: DateTime<Utc>) -> Vec<FeedSession> {
    let schedule = view.schedule();
    let first = schedule.next_after(now);
    let until = now + chrono::Duration::weeks(FEED_WEEKS);
    let open_pause = view.calendar.open_pause();
    let mut out = Vec::new();
    for (k, s) in view.calendar.sessions(view.total_weeks).enumerate().skip(first as usize).take(520) {
        let k = k as u32;
        let at = schedule.instant(k);
        if at > until || open_pause.is_some_and(|from| k >= from) {
            break;
        }
        match s {
            Session::Week(w) => out.push(FeedSession {
                session: k,
                at,
                week: Some((w, path.week(w).map(|x| x.title.clone()).unwrap_or_default())),
            }),
            Session::Skipped | Session::Paused => out.push(FeedSession { session: k, at, week: None }),
            Session::Finished => break,
        }
    }
    out
}
