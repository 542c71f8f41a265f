//! Study sessions as native Discord events (pure): which sessions of a group have an event,
//! what each event says, and the changes that bring Discord's events in line with the
//! calendar.
//!
//! Each held session of a rolling window (the next [`WINDOW`] upcoming ones, from the same
//! `calendar::upcoming` the `.ics` file uses, so skips, pauses, holidays, repeats and jumps
//! count the same) is one one-off event; never a recurrence rule, which cannot express the
//! calendar (one weekday, an interval of 1 or 2, no end, and an hour that moves at DST). The
//! event of a session that began is history and stays as it is.

use crate::calendar::{self, Upcoming};
use crate::curriculum::PathFile;
use crate::model::GroupView;
use chrono::{DateTime, Duration, Utc};

/// Events a group keeps ahead: its next held sessions.
pub const WINDOW: usize = 2;
/// An event's length when the moderators do not say, and the lengths they may choose.
pub const DEFAULT_MINUTES: u32 = 60;
pub const MINUTES: std::ops::RangeInclusive<u32> = 30..=240;
/// Discord's limits on an event's name, description and location.
pub const MAX_NAME: usize = 100;
pub const MAX_DESCRIPTION: usize = 1000;
pub const MAX_LOCATION: usize = 100;
/// Discord's cap of scheduled or active events in one server.
pub const MAX_PER_SERVER: usize = 100;

/// A session's event as the group wants it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wanted {
    pub session: u32,
    pub week: u32,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub name: String,
    pub description: String,
}

/// A session's event as Discord has it (as recorded when the bot made or changed it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub session: u32,
    pub event_id: u64,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub name: String,
    pub description: String,
}

/// One change to Discord's events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Create(Wanted),
    /// The session's event moved or was renamed.
    Update {
        event_id: u64,
        wanted: Wanted,
    },
    /// The session is no longer held (skipped, paused, the calendar moved): its event goes.
    Remove {
        session: u32,
        event_id: u64,
    },
}

/// `text` cut to `max` characters, with an ellipsis when cut.
fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut s: String = text.chars().take(max.saturating_sub(1)).collect();
    s.push('…');
    s
}

/// "W7 · Consensus & Raft · Tuesday evenings": the week, its title and the group, within
/// Discord's 100 characters (the title gives way first, then the group's name).
pub fn name(week: u32, title: &str, group: &str) -> String {
    let head = format!("W{week}");
    let group = cut(group, 40);
    let room = MAX_NAME.saturating_sub(head.chars().count() + group.chars().count() + 6);
    let title = cut(title, room.max(1));
    cut(&format!("{head} · {title} · {group}"), MAX_NAME)
}

/// The week's summary, then where the week's post is (a link: to the group's channel until
/// the post is out, then to the post), within 1,000 characters.
pub fn description(summary: &str, post: Option<&str>) -> String {
    let tail = match post {
        Some(link) => format!("\n\nThe week's post, questions and check-in: {link}"),
        None => "\n\nThe week's post, questions and check-in come in the group's channel.".to_string(),
    };
    let room = MAX_DESCRIPTION.saturating_sub(tail.chars().count());
    format!("{}{tail}", cut(summary.trim(), room))
}

/// The events group `view` wants at `now`: one per session of the window, `minutes` long.
pub fn wanted(view: &GroupView, path: &PathFile, minutes: u32, now: DateTime<Utc>) -> Vec<Wanted> {
    let channel = channel_link(view.group.guild_id, view.group.channel_id);
    let minutes = minutes.clamp(*MINUTES.start(), *MINUTES.end());
    calendar::upcoming(view, path, now, WINDOW)
        .into_iter()
        .map(|Upcoming { session, week, title, at }| {
            let summary = path.week(week).map(|w| w.summary.as_str()).unwrap_or_default();
            Wanted {
                session,
                week,
                start: at,
                end: at + Duration::minutes(i64::from(minutes)),
                name: name(week, &title, &view.group.name),
                description: description(summary, Some(&channel)),
            }
        })
        .collect()
}

/// The changes that make Discord's events (`stored`) what the group wants: create the
/// missing, update the moved or renamed, remove those of sessions no longer held. A stored
/// event whose session began by `now` is history: never touched. Removals first (they free
/// room under Discord's cap), then updates and creations in session order.
pub fn reconcile(wanted: &[Wanted], stored: &[Stored], now: DateTime<Utc>) -> Vec<Change> {
    let mut out = Vec::new();
    for s in stored {
        if s.start > now && !wanted.iter().any(|w| w.session == s.session) {
            out.push(Change::Remove { session: s.session, event_id: s.event_id });
        }
    }
    for w in wanted {
        match stored.iter().find(|s| s.session == w.session) {
            None => out.push(Change::Create(w.clone())),
            Some(s) if s.start <= now => {}
            Some(s) if (s.start, s.end, &s.name, &s.description) != (w.start, w.end, &w.name, &w.description) => {
                out.push(Change::Update { event_id: s.event_id, wanted: w.clone() })
            }
            Some(_) => {}
        }
    }
    out
}

/// Whether a group may turn events on without the server going over Discord's cap
/// ([`MAX_PER_SERVER`] scheduled or active events): `listed` events the server has now other
/// than this group's (by anyone; Discord's list, or the bot's own count when it could not be
/// read), `kept` of them the bot's for other groups, `groups` other groups with events on,
/// each keeping up to [`WINDOW`]. `Err((upcoming, planned))`: too many.
pub fn fits(listed: u32, kept: u32, groups: u32) -> Result<(), (u32, u32)> {
    let planned = (groups.saturating_mul(WINDOW as u32)).saturating_sub(kept);
    let total = listed.saturating_add(planned).saturating_add(WINDOW as u32);
    if total as usize <= MAX_PER_SERVER { Ok(()) } else { Err((listed, planned)) }
}

/// Where the bot is with a session's event once its time comes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Started {
    No,
    /// Started: a voice event the bot started, or an external one whose start the bot saw
    /// (Discord starts those).
    Yes,
    /// Ended: a voice event the bot ended at its end.
    Ended,
}

/// A voice event the bot did not start this long after its start is not started late: the
/// bot was down at the session's time (it missed the week), and the event goes.
pub const START_GRACE: Duration = Duration::minutes(30);

/// An event the bot keeps, with where it is at (`db::events::EventRow`, in plain data).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kept {
    pub stored: Stored,
    /// A voice event: the bot starts and ends it.
    pub voice: bool,
    pub started: Started,
    /// Its interested members were read (at the start).
    pub read: bool,
}

/// What a pass does besides [`reconcile`], at `now`, for the events that are due.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Timeline {
    /// Voice events to start: their time came (within [`START_GRACE`]).
    pub start: Vec<u32>,
    /// Voice events the bot missed starting: deleted.
    pub missed: Vec<u32>,
    /// Voice events the bot started whose end came: ended.
    pub end: Vec<u32>,
    /// Events whose time came and whose interested members are to be read (until their end):
    /// "N interested" goes into the week's post.
    pub read: Vec<u32>,
    /// When the next pass is due: the next start or end of an event, or of a session the
    /// window will take in (none: nothing to do until the calendar or the settings change).
    pub next: Option<DateTime<Utc>>,
}

/// The pass's work at `now` for the kept events, and when the next one is due given the
/// sessions `wanted`.
pub fn timeline(kept: &[Kept], wanted: &[Wanted], now: DateTime<Utc>) -> Timeline {
    let mut t = Timeline::default();
    let mut next: Option<DateTime<Utc>> = None;
    let mut consider = |at: DateTime<Utc>| {
        if at > now {
            next = Some(next.map_or(at, |n| n.min(at)));
        }
    };
    for k in kept {
        let s = &k.stored;
        let (began, over) = (s.start <= now, s.end <= now);
        if k.voice {
            match k.started {
                Started::No if began && now < s.start + START_GRACE && !over => t.start.push(s.session),
                Started::No if began => t.missed.push(s.session),
                Started::Yes if over => t.end.push(s.session),
                _ => {}
            }
            if k.started != Started::Ended {
                consider(s.start);
                consider(s.end);
            }
        } else {
            consider(s.start);
        }
        if began && !over && !k.read {
            t.read.push(s.session);
        }
    }
    for w in wanted {
        consider(w.start);
    }
    t.next = next;
    t
}

/// A channel's address in Discord (an event's location and description link to the group's).
pub fn channel_link(guild: u64, channel: u64) -> String {
    format!("https://discord.com/channels/{guild}/{channel}")
}

/// An event's address in Discord: `https://discord.com/events/<server>/<event>`.
pub fn event_link(guild: u64, event: u64) -> String {
    format!("https://discord.com/events/{guild}/{event}")
}

/// The line the week's post gets once the event's interested members were read.
pub fn interest_line(count: u32, more: bool, guild: u64, event: u64) -> String {
    let plus = if more { "+" } else { "" };
    format!("{INTEREST_MARK} {count}{plus} interested in [the event]({})", event_link(guild, event))
}

/// How the interest line starts (an edit replaces an earlier one).
pub const INTEREST_MARK: &str = "📅";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::curriculum::Curriculum;
    use crate::model::{Group, GroupScope, Schedule};
    use crate::weeks::{Break, BreakKind, Calendar};

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn view(every: i64, calendar: Calendar) -> GroupView {
        let schedule = Schedule::from_parts("2027-03-01", 0, "18:00", "Europe/Berlin", every).unwrap();
        let group = Group {
            id: 1,
            guild_id: 7,
            name: "Monday evenings".into(),
            channel_id: 1,
            path_id: "architecture".into(),
            schedule,
            mention_role_id: None,
            paused: false,
            last_error: None,
            live_since: DateTime::<Utc>::MIN_UTC,
            scope: GroupScope::checked(7, 1),
        };
        GroupView { group, calendar, total_weeks: 36, missed: vec![] }
    }

    #[test]
    fn names_and_descriptions_fit_discords_limits() {
        assert_eq!(name(7, "Consensus & Raft", "Tuesday evenings"), "W7 · Consensus & Raft · Tuesday evenings");
        let long = name(36, &"t".repeat(300), &"g".repeat(50));
        assert_eq!(long.chars().count(), MAX_NAME, "{long}");
        assert!(long.starts_with("W36 · ttt") && long.ends_with("g…"), "{long}");
        let d = description(&"s".repeat(2000), Some("https://discord.com/channels/1/2/3"));
        assert_eq!(d.chars().count(), MAX_DESCRIPTION);
        assert!(d.ends_with("check-in: https://discord.com/channels/1/2/3"));
    }

    /// The next two held sessions, at 18:00 Berlin across the spring change, every other week.
    #[test]
    fn the_window_is_the_next_two_held_sessions_across_dst_and_cadence() {
        let c = Curriculum::embedded().unwrap();
        let path = c.path("architecture").unwrap();
        // Every two weeks from Monday 2027-03-01: sessions 03-01, 03-15, 03-29 (CEST from 03-28).
        let w = wanted(&view(2, Calendar::default()), path, 90, at("2027-03-02T12:00:00Z"));
        let starts: Vec<_> = w.iter().map(|w| (w.session, w.week, w.start)).collect();
        assert_eq!(starts, [(1, 2, at("2027-03-15T17:00:00Z")), (2, 3, at("2027-03-29T16:00:00Z"))]);
        assert_eq!(w[0].end - w[0].start, Duration::minutes(90));
        assert!(w[0].name.starts_with("W2 · ") && w[0].name.ends_with(" · Monday evenings"), "{}", w[0].name);
        // Session 1 skipped: the window moves past it, and week 2 comes at session 2.
        let skip = Calendar::new(vec![Break { kind: BreakKind::Skip, from: 1, to: Some(2) }], vec![]);
        let w = wanted(&view(2, skip), path, 60, at("2027-03-02T12:00:00Z"));
        assert_eq!(w.iter().map(|w| (w.session, w.week)).collect::<Vec<_>>(), [(2, 2), (3, 3)]);
    }

    #[test]
    fn the_cap_counts_what_the_server_has_and_what_other_groups_will_keep() {
        assert_eq!(fits(0, 0, 0), Ok(()));
        assert_eq!(fits(98, 0, 0), Ok(()));
        assert_eq!(fits(99, 0, 0), Err((99, 0)));
        // 40 groups keep 80 events, 50 of them made already: 30 more to come.
        assert_eq!(fits(68, 50, 40), Ok(()));
        assert_eq!(fits(69, 50, 40), Err((69, 30)));
    }

    #[test]
    fn the_timeline_starts_ends_reads_and_says_when_to_come_back() {
        let now = at("2027-03-10T18:10:00Z");
        let kept = |session: u32, start: &str, voice: bool, started: Started, read: bool| {
            let start = at(start);
            Kept {
                stored: Stored {
                    session,
                    event_id: 100 + u64::from(session),
                    start,
                    end: start + Duration::minutes(60),
                    name: format!("W{session}"),
                    description: String::new(),
                },
                voice,
                started,
                read,
            }
        };
        let t = timeline(
            &[
                kept(1, "2027-03-03T18:00:00Z", true, Started::Yes, true), // ended a week ago: end it
                kept(2, "2027-03-10T18:00:00Z", true, Started::No, false), // began 10 min ago: start, read
                kept(3, "2027-03-10T17:00:00Z", true, Started::No, false), // 70 min ago: missed
                kept(4, "2027-03-10T18:05:00Z", false, Started::No, false), // external: read
                kept(5, "2027-03-17T18:00:00Z", false, Started::No, false),
            ],
            &[],
            now,
        );
        assert_eq!((t.start, t.missed, t.end, t.read), (vec![2], vec![3], vec![1], vec![2, 4]));
        // Next: the end of session 2's voice event (19:00), before session 5's start.
        assert_eq!(t.next, Some(at("2027-03-10T19:00:00Z")));
        // Nothing kept, nothing wanted: no visit until something changes.
        assert_eq!(timeline(&[], &[], now).next, None);
    }

    #[test]
    fn reconcile_creates_updates_removes_and_leaves_history_alone() {
        let now = at("2027-03-10T12:00:00Z");
        let want = |session: u32, start: &str, name: &str| Wanted {
            session,
            week: session + 1,
            start: at(start),
            end: at(start) + Duration::hours(1),
            name: name.into(),
            description: "d".into(),
        };
        let stored = |session: u32, event_id: u64, start: &str, name: &str| Stored {
            session,
            event_id,
            start: at(start),
            end: at(start) + Duration::hours(1),
            name: name.into(),
            description: "d".into(),
        };
        let wanted = [want(2, "2027-03-15T17:00:00Z", "W3"), want(3, "2027-03-22T17:00:00Z", "W4")];
        let have = [
            stored(1, 10, "2027-03-08T17:00:00Z", "W2"), // began: history
            stored(2, 11, "2027-03-15T18:00:00Z", "W3"), // moved an hour
            stored(4, 12, "2027-03-29T16:00:00Z", "W5"), // no longer in the window
        ];
        assert_eq!(
            reconcile(&wanted, &have, now),
            [
                Change::Remove { session: 4, event_id: 12 },
                Change::Update { event_id: 11, wanted: wanted[0].clone() },
                Change::Create(wanted[1].clone()),
            ]
        );
        // In line: nothing to do.
        let same = [stored(2, 11, "2027-03-15T17:00:00Z", "W3"), stored(3, 13, "2027-03-22T17:00:00Z", "W4")];
        assert!(reconcile(&wanted, &same, now).is_empty());
    }
}
