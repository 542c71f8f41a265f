//! Streaks, pure: a member's weeks in a group walked in order, with earned freezes, and one
//! sentence of why the streak is what it is. Shared by `/progress`, `/report member` and the
//! participation reports (which count frozen weeks apart).
//!
//! Rules:
//! - A held week with a `done` or `partial` check-in adds one to the streak; a `no time`
//!   check-in ends it (an honest answer, never frozen).
//! - **Freezes are earned**: one per [`EARN_EVERY`] weeks in a row that add to the streak, at
//!   most [`MAX_FREEZES`] held at once (one earned at the cap is not kept).
//! - A held week that **closed without a check-in** takes a freeze when one is in hand: the
//!   week is **frozen**. It keeps the streak but never adds to it, is not missed and does not
//!   count toward at-risk. Without a freeze it is **missed** and the streak ends.
//! - Away weeks (declared with `/away`, no check-in) and weeks the bot missed (never posted)
//!   are not the member's to keep: they neither add, break, earn nor take a freeze.
//! - The latest week, while it has no check-in, is **pending** (the one-week grace): it
//!   counts once the member checks in, and takes nothing until then.
//!
//! Everything is recomputed from the check-ins, so a late check-in for a past week changes
//! the walk as if it had been made in time (its freeze, if it had taken one, is back in hand).

use crate::model::CheckinStatus;

/// Weeks in a row, adding to the streak, that earn one freeze.
pub const EARN_EVERY: u32 = 4;
/// Freezes held at most at once.
pub const MAX_FREEZES: u32 = 2;
/// How many of the latest weeks a timeline shows.
pub const TIMELINE_WEEKS: usize = 12;

/// What is known of one week for one member, in the group's order of weeks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    /// A check-in of that status.
    Checked(CheckinStatus),
    /// No check-in, and the member said they would be away.
    Away,
    /// No check-in.
    Nothing,
    /// The bot missed the week (never posted): not a held week.
    NotHeld,
}

/// How a week stands in a member's streak.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WeekState {
    Done,
    Partial,
    NoTime,
    Away,
    Frozen,
    Missed,
    /// The latest week, not checked in yet (the grace).
    Pending,
    /// Missed by the bot.
    NotHeld,
}

/// Why the current streak is what it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Why {
    /// No week to count yet.
    NoWeeks,
    /// Running since `since` (the first week of the streak), with the weeks a freeze kept.
    Running { since: u32, frozen: Vec<u32> },
    /// Ended by week `week`, missed without a freeze left.
    Missed { week: u32 },
    /// Ended by week `week`'s "no time" check-in.
    NoTime { week: u32 },
}

/// A member's walk over their weeks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Streak {
    /// Every week walked, in order, with its state.
    pub weeks: Vec<(u32, WeekState)>,
    pub current: u32,
    pub best: u32,
    /// Freezes in hand after the walk.
    pub freezes: u32,
    /// Weeks of the current run before the next freeze is earned.
    pub to_next_freeze: u32,
    pub why: Why,
}

impl Streak {
    /// The weeks a freeze kept.
    pub fn frozen(&self) -> impl Iterator<Item = u32> + '_ {
        self.weeks.iter().filter(|(_, s)| *s == WeekState::Frozen).map(|(w, _)| *w)
    }

    /// The last [`TIMELINE_WEEKS`] weeks.
    pub fn timeline(&self) -> &[(u32, WeekState)] {
        &self.weeks[self.weeks.len().saturating_sub(TIMELINE_WEEKS)..]
    }
}

/// Walks a member's weeks (`weeks`: the weeks since they joined, in the order the group held
/// them, each once; see the module's rules).
pub fn walk(weeks: &[(u32, Entry)]) -> Streak {
    let last = weeks.iter().rposition(|(_, e)| *e != Entry::NotHeld);
    let (mut run, mut best, mut earning, mut freezes) = (0u32, 0u32, 0u32, 0u32);
    let mut since: Option<u32> = None;
    let mut frozen_in_run: Vec<u32> = Vec::new();
    let mut why_ended: Option<Why> = None;
    let mut out = Vec::with_capacity(weeks.len());
    for (i, (week, entry)) in weeks.iter().enumerate() {
        let state = match entry {
            Entry::NotHeld => WeekState::NotHeld,
            Entry::Away => WeekState::Away,
            Entry::Checked(status) if status.counts_for_streak() => {
                run += 1;
                best = best.max(run);
                since.get_or_insert(*week);
                earning += 1;
                if earning == EARN_EVERY {
                    earning = 0;
                    freezes = (freezes + 1).min(MAX_FREEZES);
                }
                if *status == CheckinStatus::Done { WeekState::Done } else { WeekState::Partial }
            }
            Entry::Checked(_) => {
                (run, earning, since) = (0, 0, None);
                frozen_in_run.clear();
                why_ended = Some(Why::NoTime { week: *week });
                WeekState::NoTime
            }
            Entry::Nothing if Some(i) == last => WeekState::Pending,
            Entry::Nothing if freezes > 0 => {
                freezes -= 1;
                if since.is_some() {
                    frozen_in_run.push(*week);
                }
                WeekState::Frozen
            }
            Entry::Nothing => {
                (run, earning, since) = (0, 0, None);
                frozen_in_run.clear();
                why_ended = Some(Why::Missed { week: *week });
                WeekState::Missed
            }
        };
        out.push((*week, state));
    }
    let why = match since {
        Some(since) => Why::Running { since, frozen: frozen_in_run },
        None => why_ended.unwrap_or(Why::NoWeeks),
    };
    Streak { weeks: out, current: run, best, freezes, to_next_freeze: EARN_EVERY - earning, why }
}

#[cfg(test)]
mod tests {
    use super::*;
    use CheckinStatus::{Done, Partial, Skipped};
    use Entry::{Away, Checked, NotHeld, Nothing};

    fn weeks(entries: &[Entry]) -> Vec<(u32, Entry)> {
        entries.iter().enumerate().map(|(i, e)| (i as u32 + 1, *e)).collect()
    }

    fn states(s: &Streak) -> Vec<WeekState> {
        s.weeks.iter().map(|(_, st)| *st).collect()
    }

    /// Four weeks in a row earn a freeze; the next week closed without a check-in takes it
    /// and keeps the streak without adding to it; the one after is missed.
    #[test]
    fn a_freeze_is_earned_by_four_weeks_and_covers_exactly_one_week() {
        let d = Checked(Done);
        let s = walk(&weeks(&[d, d, d, d, Nothing, d]));
        assert_eq!(states(&s)[4], WeekState::Frozen);
        assert_eq!((s.current, s.best, s.freezes), (5, 5, 0), "kept, never added to");
        assert_eq!(s.why, Why::Running { since: 1, frozen: vec![5] });
        let s = walk(&weeks(&[d, d, d, d, Nothing, Nothing, d]));
        assert_eq!(states(&s)[4..6], [WeekState::Frozen, WeekState::Missed]);
        assert_eq!((s.current, s.best), (1, 4));
        assert_eq!(s.why, Why::Running { since: 7, frozen: vec![] });
        // Three weeks earn nothing.
        let s = walk(&weeks(&[d, d, d, Nothing, d]));
        assert_eq!(states(&s)[3], WeekState::Missed);
        assert_eq!(s.to_next_freeze, 3);
    }

    /// At most two freezes are held; a frozen week never adds to the run that earns the next.
    #[test]
    fn freezes_are_capped_at_two() {
        let d = Checked(Partial);
        let mut e = vec![d; 12];
        e.extend([Nothing, Nothing, Nothing]);
        e.push(d);
        let s = walk(&weeks(&e));
        assert_eq!(states(&s)[12..15], [WeekState::Frozen, WeekState::Frozen, WeekState::Missed]);
        assert_eq!((s.current, s.best, s.freezes), (1, 12, 0));
        // Frozen weeks do not count toward the next freeze.
        let s = walk(&weeks(&[d, d, d, d, Nothing, d, d, d]));
        assert_eq!((s.freezes, s.to_next_freeze), (0, 1));
    }

    /// "No time" ends a streak and is never frozen; away weeks and weeks the bot missed are
    /// transparent (no break, no freeze taken, nothing earned); the latest week is pending.
    #[test]
    fn no_time_away_weeks_the_bots_misses_and_the_grace() {
        let d = Checked(Done);
        let s = walk(&weeks(&[d, d, d, d, Checked(Skipped), d]));
        assert_eq!(states(&s)[4], WeekState::NoTime);
        assert_eq!((s.current, s.freezes), (1, 1));
        let s = walk(&weeks(&[d, d, Away, NotHeld, d, d, Nothing, d]));
        assert_eq!(states(&s)[2..4], [WeekState::Away, WeekState::NotHeld]);
        assert_eq!(states(&s)[6], WeekState::Frozen, "earned by 4 weeks around the away week");
        assert_eq!(s.current, 5);
        // The latest week without a check-in is pending and takes no freeze.
        let s = walk(&weeks(&[d, d, d, d, Nothing]));
        assert_eq!((states(&s)[4], s.freezes, s.current), (WeekState::Pending, 1, 4));
        // A week the bot missed after it does not end the grace.
        let s = walk(&weeks(&[d, Nothing, NotHeld]));
        assert_eq!(states(&s)[1], WeekState::Pending);
        assert_eq!(walk(&[]).why, Why::NoWeeks);
        let s = walk(&weeks(&[d, Nothing, d, Nothing, d]));
        assert_eq!(s.why, Why::Running { since: 5, frozen: vec![] });
        let s = walk(&weeks(&[d, Nothing, Nothing]));
        assert_eq!(s.why, Why::Missed { week: 2 });
    }
}
