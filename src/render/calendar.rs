//! `/calendar`: a group's upcoming sessions as an iCalendar (RFC 5545) file, built with the
//! `icalendar` crate. Times are written in UTC (always valid without VTIMEZONE blocks) and
//! computed from the group's local time and IANA zone, so they are right across DST changes;
//! each event's description says the local time and the zone.

use crate::calendar::Upcoming;
use crate::model::GroupView;
use chrono::{DateTime, Utc};
use icalendar::{Calendar, Component, Event, EventLike};

/// How long each event lasts in the calendar (a study session).
pub const SESSION_MINUTES: i64 = 60;

/// The file's name: the group's name, made safe for a file system.
pub fn file_name(view: &GroupView) -> String {
    let safe: String = view
        .group
        .name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' { c.to_ascii_lowercase() } else { '-' })
        .collect();
    let safe = safe.trim_matches('-');
    if safe.is_empty() { format!("group-{}.ics", view.group.id) } else { format!("{safe}.ics") }
}

/// The calendar of `sessions` (from [`crate::calendar::upcoming`]) stamped `now`.
pub fn ics(view: &GroupView, path_name: &str, sessions: &[Upcoming], now: DateTime<Utc>) -> String {
    let g = &view.group;
    let tz = g.schedule.tz;
    let mut cal = Calendar::new();
    cal.name(&format!("{}: {path_name}", g.name));
    cal.append_property(("X-WR-TIMEZONE", tz.name()));
    for s in sessions {
        let local = s.at.with_timezone(&tz);
        let event = Event::new()
            .uid(&format!("studybot-group-{}-session-{}", g.id, s.session))
            .timestamp(now)
            .summary(&format!("{}: week {}, {}", g.name, s.week, s.title))
            .description(&format!(
                "Week {} of {path_name}: {}. {} ({}). Check in afterwards with /checkin.",
                s.week,
                s.title,
                local.format("%A %Y-%m-%d %H:%M"),
                tz.name()
            ))
            .starts(s.at)
            .ends(s.at + chrono::Duration::minutes(SESSION_MINUTES))
            .done();
        cal.push(event);
    }
    cal.done().to_string()
}
