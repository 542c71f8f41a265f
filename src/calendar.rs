//! A group's upcoming sessions (pure): what `/calendar` puts in its `.ics` file.

use crate::curriculum::PathFile;
use crate::model::{GroupView, Session};
use chrono::{DateTime, Utc};

/// At most this many sessions go into a calendar file (a whole path is at most 36 weeks).
pub const MAX_SESSIONS: usize = 60;

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
