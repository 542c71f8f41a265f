//! A member's progress in a group: pure computation over held weeks, check-ins and ratings.

use crate::model::{Checkin, Rating};
use crate::streaks::{Entry, Streak};

#[derive(Debug, Clone, PartialEq)]
pub struct Progress {
    /// Weeks with a check-in of any status.
    pub weeks_checked_in: u32,
    /// Weeks held so far (breaks excluded).
    pub weeks_held: u32,
    pub current_streak: u32,
    pub best_streak: u32,
    /// The streak's walk: the weeks' states, freezes in hand, why.
    pub streak: Streak,
    pub hours: f64,
    pub average_confidence: Option<f64>,
    /// Weeks with the lowest average self-assessment rating: (week, average), lowest first.
    pub weakest: Vec<(u32, f64)>,
}

/// The share of the held weeks since joining (those that count: [`held`]) a member must have
/// checked in for, with the path finished, to unlock `/certificate`.
pub const CERTIFICATE_PERCENT: u32 = 70;

/// How many check-ins of `held` weeks unlock a certificate ([`CERTIFICATE_PERCENT`], rounded
/// up; at least one).
pub fn certificate_needed(held: u32) -> u32 {
    (held * CERTIFICATE_PERCENT).div_ceil(100).max(1)
}

/// The held weeks without any check-in, except the latest (still in progress), the last
/// `limit` of them in order: what a member could catch up on.
pub fn to_catch_up(held: &[u32], checkins: &[Checkin], limit: usize) -> Vec<u32> {
    let missed = missed_finished(held, checkins);
    missed[missed.len().saturating_sub(limit)..].to_vec()
}

/// Every finished held week without a check-in, in order (what [`to_catch_up`] cuts).
pub fn missed_finished(held: &[u32], checkins: &[Checkin]) -> Vec<u32> {
    let finished = held.split_last().map_or(&[][..], |(_, rest)| rest);
    finished.iter().copied().filter(|w| !checkins.iter().any(|c| c.week == *w)).collect()
}

/// A member's weeks since they joined, in the order the group held them (weeks the bot
/// missed included, as [`Entry::NotHeld`]): what [`compute`] and the streak walk read.
pub fn entries(
    weeks: &[(u32, bool)],
    checkins: &[Checkin],
    away: &std::collections::HashSet<u32>,
) -> Vec<(u32, Entry)> {
    weeks
        .iter()
        .map(|&(w, missed_by_bot)| {
            let entry = match checkins.iter().find(|c| c.week == w) {
                _ if missed_by_bot => Entry::NotHeld,
                Some(c) => Entry::Checked(c.status),
                None if away.contains(&w) => Entry::Away,
                None => Entry::Nothing,
            };
            (w, entry)
        })
        .collect()
}

/// The held weeks that count for a member: those with a check-in, or without one and not
/// away (an away week without a check-in is not theirs to keep).
pub fn held(entries: &[(u32, Entry)]) -> Vec<u32> {
    entries.iter().filter(|(_, e)| matches!(e, Entry::Checked(_) | Entry::Nothing)).map(|(w, _)| *w).collect()
}

/// Computes progress over a member's weeks ([`entries`]): counts over the held weeks that
/// count ([`held`]), the streak by [`crate::streaks::walk`] (freezes included).
pub fn compute(entries: &[(u32, Entry)], checkins: &[Checkin], ratings: &[Rating]) -> Progress {
    let held = held(entries);
    let streak = crate::streaks::walk(entries);
    let hours = checkins.iter().map(|c| c.hours).sum();
    let average_confidence = (!checkins.is_empty())
        .then(|| checkins.iter().map(|c| c.confidence as f64).sum::<f64>() / checkins.len() as f64);
    let mut by_week: std::collections::BTreeMap<u32, (u32, u32)> = Default::default();
    for r in ratings {
        let e = by_week.entry(r.week).or_default();
        e.0 += u32::from(r.rating);
        e.1 += 1;
    }
    let mut weakest: Vec<(u32, f64)> = by_week.into_iter().map(|(w, (s, n))| (w, s as f64 / n as f64)).collect();
    weakest.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
    weakest.truncate(3);
    Progress {
        // Check-ins of held weeks only (not of a week the bot missed).
        weeks_checked_in: entries.iter().filter(|(_, e)| matches!(e, Entry::Checked(_))).count() as u32,
        weeks_held: held.len() as u32,
        current_streak: streak.current,
        best_streak: streak.best,
        streak,
        hours,
        average_confidence,
        weakest,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::CheckinStatus as Status;

    fn of(held: &[u32], c: &[Checkin]) -> Vec<(u32, Entry)> {
        entries(&held.iter().map(|w| (*w, false)).collect::<Vec<_>>(), c, &Default::default())
    }

    fn ci(week: u32, status: Status, hours: f64, confidence: u8) -> Checkin {
        let t = chrono::DateTime::UNIX_EPOCH;
        Checkin { user_id: 1, week, status, hours, confidence, note: None, created_at: t, updated_at: t }
    }

    #[test]
    fn streaks_by_hand() {
        // Held weeks 1..=6; checked in 1, 2, (3 skipped), 4, 5, 6 partial.
        let held = [1, 2, 3, 4, 5, 6];
        let c = [
            ci(1, Status::Done, 5.0, 3),
            ci(2, Status::Done, 4.0, 4),
            ci(3, Status::Skipped, 0.0, 2),
            ci(4, Status::Done, 6.0, 4),
            ci(5, Status::Done, 2.5, 5),
            ci(6, Status::Partial, 1.5, 2),
        ];
        let r = |week, question, rating| Rating { user_id: 1, week, question, rating };
        let p = compute(&of(&held, &c), &c, &[r(1, 0, 2), r(1, 1, 4), r(2, 0, 5), r(4, 0, 1)]);
        assert_eq!(p.weeks_checked_in, 6);
        assert_eq!(p.current_streak, 3);
        assert_eq!(p.best_streak, 3);
        assert_eq!(p.hours, 19.0);
        assert_eq!(p.average_confidence, Some(20.0 / 6.0));
        assert_eq!(p.weakest, vec![(4, 1.0), (1, 3.0), (2, 5.0)]);
    }

    #[test]
    fn a_certificate_needs_seventy_percent_rounded_up() {
        assert_eq!(certificate_needed(36), 26, "25.2 rounds up");
        assert_eq!(certificate_needed(10), 7);
        assert_eq!(certificate_needed(1), 1);
        assert_eq!(certificate_needed(0), 1, "nothing held: never unlocked");
    }

    #[test]
    fn the_current_week_has_a_grace_period() {
        let held = [1, 2, 3];
        let c = [ci(1, Status::Done, 1.0, 3), ci(2, Status::Done, 1.0, 3)];
        assert_eq!(compute(&of(&held, &c), &c, &[]).current_streak, 2);
        // A missed week in the middle breaks the streak.
        let c = [ci(1, Status::Done, 1.0, 3), ci(3, Status::Done, 1.0, 3)];
        let p = compute(&of(&held, &c), &c, &[]);
        assert_eq!((p.current_streak, p.best_streak), (1, 1));
        assert_eq!(compute(&[], &[], &[]).average_confidence, None);
    }
}
