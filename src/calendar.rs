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
