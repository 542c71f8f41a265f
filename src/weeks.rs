//! Week arithmetic for study groups: pure functions over a group's schedule and breaks.
//!
//! A group meets every 1, 2 or 3 weeks (its cadence): session `k` (from 0) is `k` cadences
//! after the first `weekday` on or after the start date, at the local `time` in the group's
//! IANA timezone. Each session either holds a curriculum week or is a break (a skipped
//! session or part of a pause). Held sessions take the weeks in order, from week 1 or from
//! where a moderator's [`Mark`] says (start at week N, repeat a week, jump). Instants are
//! computed from the local date and time every time, so they are right across DST changes.
//!
//! The calendar only ever changes for sessions that have not started: history (which week
//! each past session held) never moves, see `a_change_never_renumbers_a_started_session`.

use chrono::{DateTime, Datelike, Days, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;

/// When a group meets.
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    pub start_date: NaiveDate,
    pub weekday: Weekday,
    pub time: NaiveTime,
    pub tz: Tz,
    /// Weeks from one session to the next: 1, 2 or 3 ([`CADENCES`]).
    pub every_weeks: u32,
}

/// The cadences a group may meet at, in weeks.
pub const CADENCES: std::ops::RangeInclusive<u32> = 1..=3;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakKind {
    Skip,
    Pause,
}

impl BreakKind {
    /// The stored name: `skip` or `pause`.
    pub fn as_str(self) -> &'static str {
        match self {
            BreakKind::Skip => "skip",
            BreakKind::Pause => "pause",
        }
    }

    /// Parses a stored name (exact).
    pub fn parse(s: &str) -> Option<BreakKind> {
        [BreakKind::Skip, BreakKind::Pause].into_iter().find(|k| k.as_str() == s)
    }
}

/// The English name of a weekday.
pub fn weekday_name(w: Weekday) -> &'static str {
    match w {
        Weekday::Mon => "Monday",
        Weekday::Tue => "Tuesday",
        Weekday::Wed => "Wednesday",
        Weekday::Thu => "Thursday",
        Weekday::Fri => "Friday",
        Weekday::Sat => "Saturday",
        Weekday::Sun => "Sunday",
    }
}

/// Sessions `from..to` (to exclusive; `None` = open-ended pause) do not advance the week.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Break {
    pub kind: BreakKind,
    pub from: u32,
    pub to: Option<u32>,
}

impl Break {
    pub fn covers(&self, session: u32) -> bool {
        session >= self.from && self.to.is_none_or(|t| session < t)
    }
}

/// From session `session` on, the curriculum continues at week `week`: a group started at
/// week N (a mark at session 0), a repeated week, or a jump ahead or back. Set only on
/// sessions that have not started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mark {
    pub session: u32,
    pub week: u32,
}

/// A group's calendar changes: its breaks and its marks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calendar {
    pub breaks: Vec<Break>,
    pub marks: Vec<Mark>,
}

impl Calendar {
    pub fn new(breaks: Vec<Break>, marks: Vec<Mark>) -> Calendar {
        Calendar { breaks, marks }
    }

    /// The break covering session `k`, if any. A pause wins over a skip it covers: a paused
    /// group posts nothing, not even a skipped-session note.
    pub fn break_at(&self, k: u32) -> Option<&Break> {
        let mut covering = self.breaks.iter().filter(|b| b.covers(k));
        let first = covering.next()?;
        Some(if first.kind == BreakKind::Pause {
            first
        } else {
            covering.find(|b| b.kind == BreakKind::Pause).unwrap_or(first)
        })
    }

    /// The skips (single sessions and holiday ranges) that start in sessions `from..to`
    /// (`to`: `None` for no end), in order: what a pause over them leaves in the calendar.
    pub fn skips_within(&self, from: u32, to: Option<u32>) -> Vec<&Break> {
        let mut skips: Vec<&Break> = self
            .breaks
            .iter()
            .filter(|b| b.kind == BreakKind::Skip && b.from >= from && to.is_none_or(|t| b.from < t))
            .collect();
        skips.sort_by_key(|b| b.from);
        skips
    }

    /// Whether skipped session `k` gets its short note: a single skipped session does, the
    /// sessions of a skipped range (holidays) post nothing.
    pub fn announces_skip(&self, k: u32) -> bool {
        self.break_at(k).is_some_and(|b| b.kind == BreakKind::Skip && b.to == Some(b.from + 1))
    }

    /// The first session of an open-ended pause, if there is one.
    pub fn open_pause(&self) -> Option<u32> {
        self.breaks.iter().filter(|b| b.to.is_none()).map(|b| b.from).min()
    }

    /// Every session from 0 on, in order (an endless iterator: take what you need).
    pub fn sessions(&self, total_weeks: u32) -> impl Iterator<Item = Session> + '_ {
        let mut next = 1u32;
        (0u32..).map(move |k| {
            if let Some(m) = self.marks.iter().find(|m| m.session == k) {
                next = m.week.max(1);
            }
            match self.break_at(k) {
                Some(b) if b.kind == BreakKind::Skip => Session::Skipped,
                Some(_) => Session::Paused,
                None if next > total_weeks => Session::Finished,
                None => {
                    next += 1;
                    Session::Week(next - 1)
                }
            }
        })
    }
}

/// What a session is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Session {
    /// Curriculum week `week` (1-based) is posted at this session.
    Week(u32),
    Skipped,
    Paused,
    /// Every week of the path has been posted before this session.
    Finished,
}

/// Where a group stands at an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// The first session is still ahead.
    NotStarted { first: DateTime<Utc> },
    /// The latest session that has started is week `week`.
    Week { week: u32, session: u32 },
    /// The latest session was a break; `last_week` is the last week held before it (if any).
    OnBreak { session: u32, kind: BreakKind, last_week: Option<u32> },
    /// Every week has been held; `total` weeks in the path.
    Finished { total: u32 },
}

impl Standing {
    /// The week members check in for by default: the latest week that has started.
    pub fn current_week(&self) -> Option<u32> {
        match *self {
            Standing::Week { week, .. } => Some(week),
            Standing::OnBreak { last_week, .. } => last_week,
            Standing::Finished { total } => Some(total),
            Standing::NotStarted { .. } => None,
        }
    }
}

/// Parses an IANA timezone name such as `Europe/Berlin`.
pub fn parse_tz(name: &str) -> Option<Tz> {
    name.trim().parse::<Tz>().ok()
}

/// Parses `HH:MM` (24-hour).
pub fn parse_time(s: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(s.trim(), "%H:%M").ok()
}

/// Parses `YYYY-MM-DD`.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()
}

/// Converts a local wall-clock time to UTC. A time skipped by a DST jump (e.g. 02:30 on the
/// spring-forward night) moves forward by the gap; a repeated time (fall back) takes the
/// first occurrence.
pub fn local_to_utc(tz: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => t.with_timezone(&Utc),
        LocalResult::Ambiguous(first, _) => first.with_timezone(&Utc),
        LocalResult::None => {
            // In a DST gap: read the wall-clock time with the offset in force just before
            // the gap, which lands the same distance past the jump (02:30 -> 03:30).
            use chrono::Offset;
            let before = (1..=48)
                .find_map(|h| tz.from_local_datetime(&(local - chrono::Duration::hours(h))).earliest())
                .map(|t| t.offset().fix().local_minus_utc())
                .unwrap_or(0);
            Utc.from_utc_datetime(&(local - chrono::Duration::seconds(before as i64)))
        }
    }
}

/// The part of a stored schedule that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    #[error("bad weekday {0}")]
    Weekday(i64),
    #[error("bad start date `{0}`")]
    StartDate(String),
    #[error("bad time `{0}`")]
    Time(String),
    #[error("bad timezone `{0}`")]
    Timezone(String),
    #[error("bad cadence {0}")]
    Cadence(i64),
}

impl Schedule {
    /// Builds a schedule from its stored form (weekday 0 = Monday), naming the bad part.
    pub fn from_parts(
        start_date: &str,
        weekday: i64,
        time: &str,
        tz: &str,
        every: i64,
    ) -> Result<Schedule, ScheduleError> {
        let weekday = u8::try_from(weekday)
            .ok()
            .and_then(|d| Weekday::try_from(d).ok())
            .ok_or(ScheduleError::Weekday(weekday))?;
        Ok(Schedule {
            start_date: parse_date(start_date).ok_or_else(|| ScheduleError::StartDate(start_date.to_string()))?,
            weekday,
            time: parse_time(time).ok_or_else(|| ScheduleError::Time(time.to_string()))?,
            tz: parse_tz(tz).ok_or_else(|| ScheduleError::Timezone(tz.to_string()))?,
            every_weeks: u32::try_from(every)
                .ok()
                .filter(|e| CADENCES.contains(e))
                .ok_or(ScheduleError::Cadence(every))?,
        })
    }

    /// Date of the first session: the first `weekday` on or after the start date.
    pub fn first_date(&self) -> NaiveDate {
        let offset = (7 + self.weekday.num_days_from_monday() - self.start_date.weekday().num_days_from_monday()) % 7;
        self.start_date + Days::new(offset as u64)
    }

    /// Days from one session to the next.
    fn step_days(&self) -> u32 {
        7 * self.every_weeks.max(1)
    }

    /// Local date of session `k`.
    pub fn date(&self, k: u32) -> NaiveDate {
        self.first_date() + Days::new(u64::from(self.step_days()) * u64::from(k))
    }

    /// The instant session `k` starts.
    pub fn instant(&self, k: u32) -> DateTime<Utc> {
        local_to_utc(self.tz, self.date(k).and_time(self.time))
    }

    /// Index of the latest session that has started at `now`, if any.
    pub fn latest_started(&self, now: DateTime<Utc>) -> Option<u32> {
        let first = self.instant(0);
        if now < first {
            return None;
        }
        // Estimate from elapsed days, then correct by at most one step either way.
        let mut k = ((now - first).num_days() / i64::from(self.step_days())).max(0) as u32;
        while self.instant(k + 1) <= now {
            k += 1;
        }
        while k > 0 && self.instant(k) > now {
            k -= 1;
        }
        Some(k)
    }

    /// Index of the first session strictly after `now`.
    pub fn next_after(&self, now: DateTime<Utc>) -> u32 {
        self.latest_started(now).map(|k| k + 1).unwrap_or(0)
    }

    /// Session index whose local date is `date`, if the group meets that day.
    pub fn session_on(&self, date: NaiveDate) -> Option<u32> {
        let first = self.first_date();
        let days = (date - first).num_days();
        let step = i64::from(self.step_days());
        (days >= 0 && days % step == 0).then_some((days / step) as u32)
    }

    /// The first session on or after local date `date`.
    pub fn session_from(&self, date: NaiveDate) -> u32 {
        let first = self.first_date();
        if date <= first { 0 } else { ((date - first).num_days() as u32).div_ceil(self.step_days()) }
    }
}

/// The curriculum weeks whose sessions fall on local dates `from..=to` (an away period).
pub fn weeks_between(
    schedule: &Schedule,
    calendar: &Calendar,
    total_weeks: u32,
    from: NaiveDate,
    to: NaiveDate,
) -> Vec<u32> {
    let start = schedule.session_from(from) as usize;
    calendar
        .sessions(total_weeks)
        .enumerate()
        .skip(start)
        .take_while(|(k, _)| schedule.date(*k as u32) <= to)
        .take(600)
        .filter_map(|(_, s)| match s {
            Session::Week(w) => Some(w),
            _ => None,
        })
        .collect()
}

/// What session `k` is, given the calendar and the number of weeks in the path.
pub fn session(k: u32, calendar: &Calendar, total_weeks: u32) -> Session {
    calendar.sessions(total_weeks).nth(k as usize).unwrap_or(Session::Finished)
}

/// The first session at which curriculum week `week` is (or was) held.
pub fn session_of_week(week: u32, calendar: &Calendar, total_weeks: u32) -> Option<u32> {
    if week == 0 || week > total_weeks {
        return None;
    }
    let open = calendar.open_pause();
    let last_mark = calendar.marks.iter().map(|m| m.session).max().unwrap_or(0);
    // Bounded: once past every mark and at an open-ended pause, nothing is held any more.
    calendar
        .sessions(total_weeks)
        .enumerate()
        .take(100_000)
        .take_while(|(k, _)| open.is_none_or(|p| (*k as u32) < p || (*k as u32) <= last_mark))
        .find_map(|(k, s)| (s == Session::Week(week)).then_some(k as u32))
}

/// Where the group stands at `now`.
pub fn standing(schedule: &Schedule, calendar: &Calendar, total_weeks: u32, now: DateTime<Utc>) -> Standing {
    let Some(k) = schedule.latest_started(now) else {
        return Standing::NotStarted { first: schedule.instant(0) };
    };
    match session(k, calendar, total_weeks) {
        Session::Week(week) => Standing::Week { week, session: k },
        Session::Finished => Standing::Finished { total: total_weeks },
        s @ (Session::Skipped | Session::Paused) => {
            let last_week = calendar
                .sessions(total_weeks)
                .take(k as usize)
                .filter_map(|s| match s {
                    Session::Week(w) => Some(w),
                    _ => None,
                })
                .last();
            let kind = if s == Session::Skipped { BreakKind::Skip } else { BreakKind::Pause };
            Standing::OnBreak { session: k, kind, last_week }
        }
    }
}

/// Weeks that were actually held in sessions `0..=upto` (for streaks and reports):
/// the curriculum weeks in the order held, each once (a repeated week keeps its first
/// place). Breaks do not appear, so they never break a streak.
pub fn weeks_held(upto: u32, calendar: &Calendar, total_weeks: u32) -> Vec<u32> {
    let mut out: Vec<u32> = Vec::new();
    for s in calendar.sessions(total_weeks).take(upto as usize + 1) {
        if let Session::Week(w) = s
            && !out.contains(&w)
        {
            out.push(w);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn an_away_range_covers_the_weeks_of_its_session_dates() {
        // Mondays from 2026-11-30; week 3 (2026-12-14) is skipped.
        let s = sched("2026-11-30", Weekday::Mon, "18:00", "Europe/Berlin");
        let skip = [Break { kind: BreakKind::Skip, from: 2, to: Some(3) }];
        let d = |x: &str| parse_date(x).unwrap();
        assert_eq!(weeks_between(&s, &cal(&[]), 36, d("2026-12-07"), d("2026-12-20")), [2, 3]);
        // The skipped session is not a week: Dec 14 is a break, Dec 21 is week 3.
        assert_eq!(weeks_between(&s, &cal(&skip), 36, d("2026-12-07"), d("2026-12-21")), [2, 3]);
        assert_eq!(weeks_between(&s, &cal(&skip), 36, d("2026-12-14"), d("2026-12-14")), Vec::<u32>::new());
        // Days between sessions only: nothing. Before the start: from week 1.
        assert!(weeks_between(&s, &cal(&[]), 36, d("2026-12-01"), d("2026-12-06")).is_empty());
        assert_eq!(weeks_between(&s, &cal(&[]), 36, d("2026-11-01"), d("2026-11-30")), [1]);
        // Past the end of the path: nothing more.
        assert_eq!(weeks_between(&s, &cal(&[]), 2, d("2026-11-30"), d("2027-03-01")), [1, 2]);
    }

    fn sched(start: &str, weekday: Weekday, time: &str, tz: &str) -> Schedule {
        Schedule {
            start_date: parse_date(start).unwrap(),
            weekday,
            time: parse_time(time).unwrap(),
            tz: parse_tz(tz).unwrap(),
            every_weeks: 1,
        }
    }

    fn cal(breaks: &[Break]) -> Calendar {
        Calendar::new(breaks.to_vec(), vec![])
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn first_session_is_the_first_weekday_on_or_after_start() {
        // 2026-11-23 is a Monday.
        assert_eq!(sched("2026-11-23", Weekday::Mon, "18:00", "UTC").first_date(), parse_date("2026-11-23").unwrap());
        assert_eq!(sched("2026-11-24", Weekday::Mon, "18:00", "UTC").first_date(), parse_date("2026-11-30").unwrap());
        assert_eq!(sched("2026-11-23", Weekday::Sun, "18:00", "UTC").first_date(), parse_date("2026-11-29").unwrap());
    }

    #[test]
    fn berlin_keeps_local_time_across_spring_and_autumn_dst() {
        // Sessions on Mondays at 18:00 Berlin time around the 2026 changes (29 Mar, 25 Oct).
        let s = sched("2026-03-23", Weekday::Mon, "18:00", "Europe/Berlin");
        assert_eq!(s.instant(0), utc("2026-03-23T17:00:00Z")); // CET, UTC+1
        assert_eq!(s.instant(1), utc("2026-03-30T16:00:00Z")); // CEST, UTC+2
        let s = sched("2026-10-19", Weekday::Mon, "18:00", "Europe/Berlin");
        assert_eq!(s.instant(0), utc("2026-10-19T16:00:00Z"));
        assert_eq!(s.instant(1), utc("2026-10-26T17:00:00Z"));
        // Exactly one week of local time apart, 167 or 169 real hours.
        assert_eq!((s.instant(1) - s.instant(0)).num_hours(), 169);
    }

    #[test]
    fn new_york_dst_gap_and_overlap() {
        // 2026-03-08 02:30 does not exist in New York: moves to 03:30 EDT (07:30 UTC).
        let s = sched("2026-03-01", Weekday::Sun, "02:30", "America/New_York");
        assert_eq!(s.instant(0), utc("2026-03-01T07:30:00Z")); // EST
        assert_eq!(s.instant(1), utc("2026-03-08T07:30:00Z")); // 03:30 EDT
        assert_eq!(s.instant(2), utc("2026-03-15T06:30:00Z")); // 02:30 EDT
        // 2026-11-01 01:30 happens twice: the first one (EDT) is used.
        let s = sched("2026-10-25", Weekday::Sun, "01:30", "America/New_York");
        assert_eq!(s.instant(1), utc("2026-11-01T05:30:00Z"));
        assert_eq!(s.instant(2), utc("2026-11-08T06:30:00Z"));
    }

    #[test]
    fn latest_started_across_dst_and_year_end() {
        let s = sched("2026-12-21", Weekday::Mon, "09:00", "Europe/Berlin");
        assert_eq!(s.latest_started(utc("2026-12-21T07:59:59Z")), None);
        assert_eq!(s.latest_started(utc("2026-12-21T08:00:00Z")), Some(0));
        // Across the year end: 2027-01-04 is session 2.
        assert_eq!(s.date(2), parse_date("2027-01-04").unwrap());
        assert_eq!(s.latest_started(utc("2027-01-04T08:00:00Z")), Some(2));
        assert_eq!(s.latest_started(utc("2027-01-04T07:59:00Z")), Some(1));
        assert_eq!(s.next_after(utc("2027-01-04T07:59:00Z")), 2);
        // Far ahead, across two DST changes.
        let k = s.latest_started(utc("2027-11-01T12:00:00Z")).unwrap();
        assert_eq!(s.date(k), parse_date("2027-11-01").unwrap());
    }

    #[test]
    fn skips_and_pauses_do_not_advance_the_week() {
        let breaks = [
            Break { kind: BreakKind::Skip, from: 2, to: Some(3) },
            Break { kind: BreakKind::Pause, from: 5, to: Some(7) },
        ];
        let seq: Vec<Session> = (0..10).map(|k| session(k, &cal(&breaks), 6)).collect();
        use Session::*;
        assert_eq!(seq, vec![Week(1), Week(2), Skipped, Week(3), Week(4), Paused, Paused, Week(5), Week(6), Finished]);
        assert_eq!(session_of_week(5, &cal(&breaks), 6), Some(7));
        assert_eq!(session_of_week(7, &cal(&breaks), 6), None);
        assert_eq!(weeks_held(8, &cal(&breaks), 6), vec![1, 2, 3, 4, 5, 6]);
        // An open pause holds everything after it.
        let open = [Break { kind: BreakKind::Pause, from: 1, to: None }];
        assert_eq!(session(40, &cal(&open), 36), Paused);
        assert_eq!(session_of_week(2, &cal(&open), 36), None);
    }

    #[test]
    fn a_pause_over_a_skip_wins_and_leaves_the_skip_in_the_calendar() {
        // A single skip (which would post a note) and a holiday inside a pause with an end.
        let breaks = [
            Break { kind: BreakKind::Skip, from: 2, to: Some(3) },
            Break { kind: BreakKind::Skip, from: 4, to: Some(6) },
            Break { kind: BreakKind::Pause, from: 1, to: Some(7) },
        ];
        let c = cal(&breaks);
        assert!((1..7).all(|k| c.break_at(k).is_some_and(|b| b.kind == BreakKind::Pause)));
        assert!(!c.announces_skip(2), "a paused group posts no skip note");
        let skips: Vec<u32> = c.skips_within(1, Some(7)).iter().map(|b| b.from).collect();
        assert_eq!(skips, vec![2, 4]);
        assert_eq!(c.skips_within(3, None).len(), 1);
        // Without the pause (resumed early), the skips still hold.
        let c = cal(&breaks[..2]);
        assert_eq!(session(2, &c, 6), Session::Skipped);
        assert!(c.announces_skip(2));
    }

    #[test]
    fn standing_reports_breaks_and_a_finished_path() {
        let s = sched("2026-01-05", Weekday::Mon, "18:00", "UTC");
        let breaks = [Break { kind: BreakKind::Skip, from: 1, to: Some(2) }];
        assert!(matches!(standing(&s, &cal(&breaks), 3, utc("2026-01-01T00:00:00Z")), Standing::NotStarted { .. }));
        assert_eq!(standing(&s, &cal(&breaks), 3, utc("2026-01-05T18:00:00Z")), Standing::Week { week: 1, session: 0 });
        let b = standing(&s, &cal(&breaks), 3, utc("2026-01-13T00:00:00Z"));
        assert_eq!(b, Standing::OnBreak { session: 1, kind: BreakKind::Skip, last_week: Some(1) });
        assert_eq!(b.current_week(), Some(1));
        assert_eq!(standing(&s, &cal(&breaks), 3, utc("2026-01-19T18:00:00Z")), Standing::Week { week: 2, session: 2 });
        // Week 3 at session 3, then the path is finished: never "week 4".
        assert_eq!(standing(&s, &cal(&breaks), 3, utc("2026-01-26T18:00:00Z")), Standing::Week { week: 3, session: 3 });
        assert_eq!(standing(&s, &cal(&breaks), 3, utc("2026-03-01T00:00:00Z")), Standing::Finished { total: 3 });
    }

    #[test]
    fn session_on_a_date() {
        let s = sched("2026-11-23", Weekday::Wed, "18:00", "UTC");
        assert_eq!(s.session_on(parse_date("2026-11-25").unwrap()), Some(0));
        assert_eq!(s.session_on(parse_date("2026-12-09").unwrap()), Some(2));
        assert_eq!(s.session_on(parse_date("2026-12-10").unwrap()), None);
        assert_eq!(s.session_on(parse_date("2026-11-18").unwrap()), None);
        let _ = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0);
    }

    #[test]
    fn marks_start_repeat_and_jump_without_touching_earlier_sessions() {
        use Session::*;
        // Started at week 5.
        let start5 = Calendar::new(vec![], vec![Mark { session: 0, week: 5 }]);
        let seq: Vec<Session> = start5.sessions(7).take(4).collect();
        assert_eq!(seq, vec![Week(5), Week(6), Week(7), Finished]);
        // Week 2 repeated at session 2, then a jump to week 6 at session 4 (onto a skip:
        // the next held session takes it).
        let c = Calendar::new(
            vec![Break { kind: BreakKind::Skip, from: 4, to: Some(5) }],
            vec![Mark { session: 2, week: 2 }, Mark { session: 4, week: 6 }],
        );
        let seq: Vec<Session> = c.sessions(7).take(8).collect();
        assert_eq!(seq, vec![Week(1), Week(2), Week(2), Week(3), Skipped, Week(6), Week(7), Finished]);
        // A repeated week is held once for reports; skipped-over weeks were never held.
        assert_eq!(weeks_held(6, &c, 7), vec![1, 2, 3, 6, 7]);
        assert_eq!(session_of_week(2, &c, 7), Some(1));
        assert_eq!(session_of_week(4, &c, 7), None);
        let s = sched("2026-01-05", Weekday::Mon, "18:00", "UTC");
        let b = standing(&s, &c, 7, utc("2026-02-03T00:00:00Z"));
        assert_eq!(b, Standing::OnBreak { session: 4, kind: BreakKind::Skip, last_week: Some(3) });
    }

    /// The invariant behind "posted weeks are never renumbered": a change made at `now` (on
    /// sessions that have not started) leaves every started session as it was.
    #[test]
    fn a_change_never_renumbers_a_started_session() {
        let base = Calendar::new(vec![Break { kind: BreakKind::Skip, from: 1, to: Some(2) }], vec![]);
        let next = 4; // sessions 0..=3 have started
        let changed = [
            Calendar { marks: vec![Mark { session: next, week: 3 }], ..base.clone() },
            Calendar { marks: vec![Mark { session: next, week: 9 }], ..base.clone() },
            Calendar {
                breaks: [base.breaks.clone(), vec![Break { kind: BreakKind::Skip, from: next, to: Some(next + 3) }]]
                    .concat(),
                ..base.clone()
            },
            Calendar {
                breaks: [base.breaks.clone(), vec![Break { kind: BreakKind::Pause, from: next, to: None }]].concat(),
                ..base.clone()
            },
        ];
        let before: Vec<Session> = base.sessions(12).take(next as usize).collect();
        for c in changed {
            assert_eq!(c.sessions(12).take(next as usize).collect::<Vec<_>>(), before, "{c:?}");
        }
    }

    #[test]
    fn a_skipped_range_posts_no_notes_and_a_single_skip_does() {
        let c = cal(&[
            Break { kind: BreakKind::Skip, from: 1, to: Some(2) },
            Break { kind: BreakKind::Skip, from: 4, to: Some(7) },
        ]);
        assert!(c.announces_skip(1));
        assert!(!c.announces_skip(4) && !c.announces_skip(6) && !c.announces_skip(2));
    }

    #[test]
    fn a_two_week_cadence_keeps_local_time_across_dst_and_the_year_end() {
        // Every other Monday at 18:00 Berlin from 2026-10-12: 10-12, 10-26 (after the change
        // back to CET on 10-25), ..., 2026-12-21, 2027-01-04.
        let mut s = sched("2026-10-12", Weekday::Mon, "18:00", "Europe/Berlin");
        s.every_weeks = 2;
        assert_eq!(s.instant(0), utc("2026-10-12T16:00:00Z")); // CEST
        assert_eq!(s.instant(1), utc("2026-10-26T17:00:00Z")); // CET
        assert_eq!(s.date(5), parse_date("2026-12-21").unwrap());
        assert_eq!(s.date(6), parse_date("2027-01-04").unwrap());
        // Between sessions, the latest started is the one before; the off weeks hold nothing.
        assert_eq!(s.latest_started(utc("2026-10-19T17:00:00Z")), Some(0));
        assert_eq!(s.latest_started(utc("2026-10-26T16:59:59Z")), Some(0));
        assert_eq!(s.latest_started(utc("2026-10-26T17:00:00Z")), Some(1));
        assert_eq!(s.next_after(utc("2027-01-03T00:00:00Z")), 6);
        assert_eq!(s.session_on(parse_date("2026-10-19").unwrap()), None);
        assert_eq!(s.session_on(parse_date("2026-10-26").unwrap()), Some(1));
        assert_eq!(s.session_from(parse_date("2026-10-13").unwrap()), 1);
        assert_eq!(s.session_from(parse_date("2026-10-26").unwrap()), 1);
        // Spring forward (2027-03-28) at three weeks: 03-15 CET, 04-05 CEST, same 18:00.
        let mut s = sched("2027-03-15", Weekday::Mon, "18:00", "Europe/Berlin");
        s.every_weeks = 3;
        assert_eq!(s.instant(0), utc("2027-03-15T17:00:00Z"));
        assert_eq!(s.instant(1), utc("2027-04-05T16:00:00Z"));
        // Away ranges count sessions at the cadence.
        assert_eq!(
            weeks_between(&s, &cal(&[]), 36, parse_date("2027-03-16").unwrap(), parse_date("2027-04-26").unwrap()),
            [2, 3]
        );
        assert!(Schedule::from_parts("2027-03-15", 0, "18:00", "UTC", 4).is_err());
        assert_eq!(Schedule::from_parts("2027-03-15", 0, "18:00", "UTC", 3).unwrap().every_weeks, 3);
    }
}
