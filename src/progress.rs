//! A member's progress in a group: pure computation over held weeks, check-ins and ratings.

use crate::model::{Checkin, Rating};

#[derive(Debug, Clone, PartialEq)]
pub struct Progress {
    /// Weeks with a check-in of any status.
    pub weeks_checked_in: u32,
    /// Weeks held so far (breaks excluded).
    pub weeks_held: u32,
    pub current_streak: u32,
    pub best_streak: u32,
    pub hours: f64,
    pub average_confidence: Option<f64>,
    /// Weeks with the lowest average self-assessment rating: (week, average), lowest first.
    pub weakest: Vec<(u32, f64)>,
}

/// The current streak from per-week marks in held order: `None` = no check-in that week,
/// `Some(true)` = a check-in that keeps a streak (done or partial), `Some(false)` = a
/// "skipped" check-in. The streak ends at the last week, or at the week before it while the
/// last week has no check-in yet (a one-week grace). Shared by `/progress` and reports.
pub fn current_streak(marks: &[Option<bool>]) -> u32 {
    let tail = match marks.last() {
        Some(None) => &marks[..marks.len() - 1],
        _ => marks,
    };
    tail.iter().rev().take_while(|m| **m == Some(true)).count() as u32
}

fn counts(c: &Checkin) -> bool {
    c.status.counts_for_streak()
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

/// Computes progress. `held` lists the curriculum weeks held so far, in order (skipped and
/// paused sessions are not in it, so they never break a streak). A week counts toward a
/// streak when the member checked in as done or partial. The current streak ends at the
/// latest held week, or at the week before it while the latest has no check-in yet.
pub fn compute(held: &[u32], checkins: &[Checkin], ratings: &[Rating]) -> Progress {
    let find = |w: u32| checkins.iter().find(|c| c.week == w);
    let marks: Vec<Option<bool>> = held.iter().map(|w| find(*w).map(counts)).collect();
    let mut best = 0;
    let mut run = 0;
    for m in &marks {
        run = if *m == Some(true) { run + 1 } else { 0 };
        best = best.max(run);
    }
    let current = current_streak(&marks);
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
        weeks_checked_in: marks.iter().filter(|m| m.is_some()).count() as u32,
        weeks_held: held.len() as u32,
        current_streak: current,
        best_streak: best,
        hours,
        average_confidence,
        weakest,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::CheckinStatus as Status;

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
        let p = compute(&held, &c, &[r(1, 0, 2), r(1, 1, 4), r(2, 0, 5), r(4, 0, 1)]);
        assert_eq!(p.weeks_checked_in, 6);
        assert_eq!(p.current_streak, 3);
        assert_eq!(p.best_streak, 3);
        assert_eq!(p.hours, 19.0);
        assert_eq!(p.average_confidence, Some(20.0 / 6.0));
        assert_eq!(p.weakest, vec![(4, 1.0), (1, 3.0), (2, 5.0)]);
    }

    #[test]
    fn the_current_week_has_a_grace_period() {
        let held = [1, 2, 3];
        let c = [ci(1, Status::Done, 1.0, 3), ci(2, Status::Done, 1.0, 3)];
        assert_eq!(compute(&held, &c, &[]).current_streak, 2);
        // A missed week in the middle breaks the streak.
        let c = [ci(1, Status::Done, 1.0, 3), ci(3, Status::Done, 1.0, 3)];
        let p = compute(&held, &c, &[]);
        assert_eq!((p.current_streak, p.best_streak), (1, 1));
        assert_eq!(compute(&[], &[], &[]).average_confidence, None);
    }
}
