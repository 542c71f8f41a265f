//! `/calendar`: a group's upcoming sessions as an iCalendar (RFC 5545) file, built with the
//! `icalendar` crate. Times are written in UTC (always valid without VTIMEZONE blocks) and
//! computed from the group's local time and IANA zone, so they are right across DST changes;
//! each event's description says the local time and the zone.

use crate::calendar::{SessionLinks, Upcoming};
use crate::model::GroupView;
use chrono::{DateTime, Utc};
use icalendar::{Calendar, Component, Event, EventLike};

/// How long each event lasts in the calendar (a study session) when the group has no
/// Discord events saying otherwise.
pub const SESSION_MINUTES: i64 = 60;

/// The file's name: the group's name, made safe for a file system. Letters and digits of any
/// script stay (lower-cased); runs of anything else become one `-`.
pub fn file_name(view: &GroupView) -> String {
    file_name_of(&view.group.name, view.group.id)
}

fn file_name_of(name: &str, id: i64) -> String {
    let mut safe = String::new();
    for c in name.chars() {
        if c.is_alphanumeric() {
            safe.extend(c.to_lowercase());
        } else if !safe.ends_with('-') {
            safe.push('-');
        }
    }
    let safe = safe.trim_matches('-');
    if safe.is_empty() { format!("group-{id}.ics") } else { format!("{safe}.ics") }
}

/// The calendar of `sessions` (from [`crate::calendar::upcoming`]) stamped `now`. A session
/// the group publishes as a Discord event lasts as long as its event and links it (`URL`);
/// its UID is the session's ([`crate::calendar::session_uid`]).
pub fn ics(
    view: &GroupView,
    path_name: &str,
    sessions: &[Upcoming],
    links: &SessionLinks,
    now: DateTime<Utc>,
) -> String {
    let g = &view.group;
    let tz = g.schedule.tz;
    let mut cal = Calendar::new();
    cal.name(&format!("{}: {path_name}", g.name));
    cal.append_property(("X-WR-TIMEZONE", tz.name()));
    for s in sessions {
        let local = s.at.with_timezone(&tz);
        let minutes = links.minutes.map_or(SESSION_MINUTES, i64::from);
        let mut event = Event::new();
        event
            .uid(&crate::calendar::session_uid(g.id, s.session))
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
            .ends(s.at + chrono::Duration::minutes(minutes));
        if let Some(link) = links.events.get(&s.session) {
            event.url(link);
        }
        cal.push(event.done());
    }
    fold(&cal.done().to_string())
}

/// One group's part of a live feed: its sessions with what the feed last said of each
/// (`db::feeds::publish`), and its Discord events.
pub struct GroupFeed<'a> {
    pub view: &'a GroupView,
    pub path_name: &'a str,
    pub sessions: Vec<(crate::calendar::FeedSession, crate::calendar::Published)>,
    pub links: &'a SessionLinks,
}

/// A member's away range in their personal feed: an all-day event from `from` to `to`.
pub struct AwayRange<'a> {
    pub group_id: i64,
    pub group_name: &'a str,
    pub user_id: u64,
    pub from: chrono::NaiveDate,
    pub to: chrono::NaiveDate,
}

/// A live feed (RFC 5545, `METHOD:PUBLISH`): every session of the groups with its stable UID
/// ([`crate::calendar::session_uid`], as the `.ics` file and the Discord events), its
/// revision as `SEQUENCE` and `DTSTAMP` the time it last changed (so an unchanged feed is the
/// same bytes), cancelled sessions as `STATUS:CANCELLED`; then the away ranges as all-day
/// events. Calendar apps are asked to poll hourly.
pub fn feed(title: &str, groups: &[GroupFeed<'_>], aways: &[AwayRange<'_>]) -> String {
    let mut cal = Calendar::new();
    cal.name(title);
    cal.append_property(("METHOD", "PUBLISH"));
    cal.append_property(("REFRESH-INTERVAL;VALUE=DURATION", "PT1H"));
    cal.append_property(("X-PUBLISHED-TTL", "PT1H"));
    if let [one] = groups {
        cal.append_property(("X-WR-TIMEZONE", one.view.group.schedule.tz.name()));
    }
    for f in groups {
        let g = &f.view.group;
        let tz = g.schedule.tz;
        let minutes = f.links.minutes.map_or(SESSION_MINUTES, i64::from);
        for (s, published) in &f.sessions {
            let local = s.at.with_timezone(&tz);
            let when = format!("{} ({})", local.format("%A %Y-%m-%d %H:%M"), tz.name());
            let mut event = Event::new();
            event
                .uid(&crate::calendar::session_uid(g.id, s.session))
                .sequence(published.sequence)
                .timestamp(published.changed_at)
                .last_modified(published.changed_at)
                .starts(s.at)
                .ends(s.at + chrono::Duration::minutes(minutes));
            match &s.week {
                Some((week, title)) => {
                    event.summary(&format!("{}: week {week}, {title}", g.name)).description(&format!(
                        "Week {week} of {}: {title}. {when}. Check in afterwards with /checkin.",
                        f.path_name
                    ));
                    if let Some(link) = f.links.events.get(&s.session) {
                        event.url(link);
                    }
                }
                None => {
                    event
                        .summary(&format!("{}: no session", g.name))
                        .description(&format!("The group does not meet on {when}."))
                        .status(icalendar::EventStatus::Cancelled);
                }
            }
            cal.push(event.done());
        }
    }
    for a in aways {
        let stamp = a.from.and_hms_opt(0, 0, 0).map(|d| d.and_utc()).unwrap_or_default();
        let mut event = Event::new();
        event
            .uid(&format!("studybot-away-{}-{}-{}", a.group_id, a.user_id, a.from.format("%Y%m%d")))
            .timestamp(stamp)
            .summary(&format!("Away from {}", a.group_name))
            .description("You told the bot you are away: no reminders, and these weeks never break your streak.")
            .starts(a.from)
            .ends(a.to.succ_opt().unwrap_or(a.to));
        cal.push(event.done());
    }
    fold(&cal.done().to_string())
}

/// Lines folded as RFC 5545 section 3.1 says: at most 75 octets per line, the CRLF, a space
/// and the rest, never inside a UTF-8 character (the `icalendar` crate's own folding lets a
/// continuation line reach 76 octets, its space included).
pub fn fold(ics: &str) -> String {
    let unfolded = ics.replace("\r\n ", "").replace("\r\n\t", "");
    let mut out = String::with_capacity(unfolded.len() + unfolded.len() / 70 * 3);
    for line in unfolded.split("\r\n").filter(|l| !l.is_empty()) {
        let mut room = 75;
        let mut used = 0;
        for c in line.chars() {
            if used + c.len_utf8() > room {
                out.push_str("\r\n ");
                // The leading space counts towards the 75.
                room = 74;
                used = 0;
            }
            out.push(c);
            used += c.len_utf8();
        }
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_keep_letters_of_any_script() {
        assert_eq!(file_name_of("Berlin Evenings", 1), "berlin-evenings.ics");
        assert_eq!(file_name_of("Grüße / Éxito!", 1), "grüße-éxito.ics");
        assert_eq!(file_name_of("東京 勉強会", 1), "東京-勉強会.ics");
        assert_eq!(file_name_of("???", 7), "group-7.ics");
    }

    /// Every physical line is at most 75 octets, and unfolding gives the line back, for
    /// every length around the limits, in ASCII and in two-byte characters; a continuation
    /// whose rest is exactly 75 characters is split again.
    #[test]
    fn folded_lines_are_at_most_75_octets() {
        for unit in ["x", "é"] {
            for n in 1..400 {
                let line = format!("DESCRIPTION:{}", unit.repeat(n));
                let folded = fold(&format!("BEGIN:VCALENDAR\r\n{line}\r\nEND:VCALENDAR\r\n"));
                for physical in folded.split("\r\n") {
                    assert!(physical.len() <= 75, "{} octets: {physical:?}", physical.len());
                }
                assert!(folded.replace("\r\n ", "").contains(&format!("\r\n{line}\r\n")));
            }
        }
        // 75 octets first, then a space and 74, then a space and the last one.
        let folded = fold(&format!("{}\r\n", "a".repeat(75 + 74 + 1)));
        let lines: Vec<&str> = folded.trim_end().split("\r\n").collect();
        assert_eq!(lines.iter().map(|l| l.len()).collect::<Vec<_>>(), [75, 75, 2]);
    }
}
