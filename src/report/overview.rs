//! Every group of a server at a glance (`/report overview` and the weekly digest): pure
//! summaries of each group's participation report.
//!
//! - **Rate**: check-ins over active member-weeks in the last [`RATE_WEEKS`] *finished* held
//!   weeks (the week in progress is left out: it would read as a drop every Monday).
//! - **Trend**: that rate against the [`RATE_WEEKS`] finished held weeks before, in
//!   percentage points; `None` until there are such weeks.
//! - **Newly at risk**: at-risk members who missed exactly [`AT_RISK_MISSED_WEEKS`] finished
//!   weeks, i.e. who became at risk with the latest finished week.

use super::{AT_RISK_MISSED_WEEKS, AtRisk, HardTopic, Report};
use crate::model::{DeliveryError, GroupView, Standing};
use chrono::{DateTime, Utc};

/// Finished held weeks a rate is taken over.
pub const RATE_WEEKS: usize = 4;

/// A change of rate smaller than this (in percentage points) is shown as steady.
pub const STEADY_POINTS: f64 = 5.0;

/// Where a group stands, for the overview.
#[derive(Debug, Clone, PartialEq)]
pub enum State {
    NotStarted { first: DateTime<Utc> },
    Week { week: u32, total: u32 },
    OnBreak { last_week: Option<u32> },
    Paused,
    Finished { total: u32 },
}

/// One group's line of the overview.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupOverview {
    pub group_id: i64,
    pub name: String,
    pub state: State,
    /// Over the last [`RATE_WEEKS`] finished held weeks (`None`: none finished yet).
    pub rate: Option<f64>,
    /// `rate` minus the rate of the [`RATE_WEEKS`] finished held weeks before, in points.
    pub trend_points: Option<f64>,
    pub at_risk: u32,
    pub newly_at_risk: Vec<AtRisk>,
    /// When its latest weekly post went out.
    pub last_post: Option<DateTime<Utc>>,
    pub error: Option<DeliveryError>,
    /// The latest week whose Discord event was read, and how many were interested in it.
    pub interested: Option<(u32, u32)>,
    /// Discord's refusal that stopped the group's events (`/group events on` again after
    /// fixing it).
    pub events_error: Option<String>,
    /// The latest study-buddy round: pairs that met, of how many.
    pub buddies_met: Option<super::BuddiesMet>,
}

/// Check-ins over active member-weeks of `weeks`; `None` when nobody was active.
fn rate_of<'a>(weeks: impl Iterator<Item = &'a super::WeekRow>) -> Option<f64> {
    let (checked, active) = weeks.fold((0u32, 0u32), |(c, a), w| (c + w.checked_in, a + w.active));
    (active > 0).then(|| f64::from(checked) / f64::from(active))
}

/// Summarizes one group: its standing at `now`, and its report (over at least its last
/// `2 * RATE_WEEKS + 1` held weeks; `None` when it has held no week yet).
pub fn summarize(
    view: &GroupView,
    report: Option<&Report>,
    last_post: Option<DateTime<Utc>>,
    events_error: Option<String>,
    now: DateTime<Utc>,
) -> GroupOverview {
    let state = if view.group.paused {
        State::Paused
    } else {
        match view.standing(now) {
            Standing::NotStarted { first } => State::NotStarted { first },
            Standing::Week { week, .. } => State::Week { week, total: view.total_weeks },
            Standing::OnBreak { last_week, .. } => State::OnBreak { last_week },
            Standing::Finished { total } => State::Finished { total },
        }
    };
    let finished: Vec<&super::WeekRow> =
        report.map(|r| r.weeks.iter().filter(|w| w.held && !w.in_progress).collect()).unwrap_or_default();
    let n = finished.len();
    let recent = &finished[n.saturating_sub(RATE_WEEKS)..];
    let before = &finished[n.saturating_sub(2 * RATE_WEEKS)..n.saturating_sub(RATE_WEEKS)];
    let rate = rate_of(recent.iter().copied());
    let trend_points = match (rate, rate_of(before.iter().copied())) {
        (Some(now), Some(then)) => Some((now - then) * 100.0),
        _ => None,
    };
    GroupOverview {
        group_id: view.group.id,
        name: view.group.name.clone(),
        state,
        rate,
        trend_points,
        at_risk: report.map_or(0, |r| r.summary.at_risk),
        newly_at_risk: report
            .map(|r| r.at_risk.iter().filter(|a| a.missed_weeks == AT_RISK_MISSED_WEEKS).cloned().collect())
            .unwrap_or_default(),
        last_post,
        error: view.group.last_error.clone(),
        interested: report.and_then(|r| r.weeks.iter().rev().find_map(|w| w.interested.map(|n| (w.week, n)))),
        events_error,
        buddies_met: report.and_then(|r| r.buddies_met),
    }
}

/// An arrow for a trend: up, down or steady (within [`STEADY_POINTS`]).
pub fn trend_arrow(points: f64) -> &'static str {
    if points >= STEADY_POINTS {
        "\u{2191}"
    } else if points <= -STEADY_POINTS {
        "\u{2193}"
    } else {
        "\u{2192}"
    }
}

/// The server's weekly digest for moderators: the overview, who became at risk, the
/// hardest topics of each group's latest week, and delivery errors.
#[derive(Debug, Clone, PartialEq)]
pub struct Digest {
    pub groups: Vec<GroupOverview>,
    /// (group name, topic), lowest average first, at most [`super::HARDEST_TOPICS`].
    pub hardest: Vec<(String, HardTopic)>,
    /// (group name, topic), most forgotten first, at most [`super::FORGOTTEN_TOPICS`].
    pub forgotten: Vec<(String, super::ForgottenTopic)>,
}

/// The forgotten topics across groups, most forgotten first (ties: more reviews first),
/// at most [`super::FORGOTTEN_TOPICS`].
pub fn forgotten_across(per_group: Vec<(String, Vec<super::ForgottenTopic>)>) -> Vec<(String, super::ForgottenTopic)> {
    let mut all: Vec<(String, super::ForgottenTopic)> =
        per_group.into_iter().flat_map(|(g, ts)| ts.into_iter().map(move |t| (g.clone(), t))).collect();
    all.sort_by(|a, b| b.1.share.total_cmp(&a.1.share).then(b.1.reviews.cmp(&a.1.reviews)));
    all.truncate(super::FORGOTTEN_TOPICS);
    all
}

/// The hardest topics across groups, lowest average first (ties: more ratings first).
pub fn hardest_across(per_group: Vec<(String, Vec<HardTopic>)>) -> Vec<(String, HardTopic)> {
    let mut all: Vec<(String, HardTopic)> =
        per_group.into_iter().flat_map(|(g, ts)| ts.into_iter().map(move |t| (g.clone(), t))).collect();
    all.sort_by(|a, b| a.1.average.total_cmp(&b.1.average).then(b.1.ratings.cmp(&a.1.ratings)));
    all.truncate(super::HARDEST_TOPICS);
    all
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::WeekRow;

    fn week(week: u32, checked_in: u32, active: u32, in_progress: bool) -> WeekRow {
        WeekRow {
            week,
            checked_in,
            active,
            rate: 0.0,
            hours: 0.0,
            average_confidence: None,
            missed_by_bot: false,
            held: true,
            in_progress,
            interested: None,
        }
    }

    #[test]
    fn rates_use_finished_weeks_and_the_trend_compares_the_four_before() {
        let weeks: Vec<WeekRow> = (1..=9)
            .map(|w| match w {
                1..=4 => week(w, 2, 4, false), // 8 of 16: 50%
                5..=8 => week(w, 3, 4, false), // 12 of 16: 75%
                _ => week(w, 0, 4, true),      // in progress: not counted
            })
            .collect();
        let finished: Vec<&WeekRow> = weeks.iter().filter(|w| w.held && !w.in_progress).collect();
        assert_eq!(rate_of(finished[4..].iter().copied()), Some(0.75));
        assert_eq!(rate_of(finished[..4].iter().copied()), Some(0.5));
        assert_eq!(trend_arrow(25.0), "\u{2191}");
        assert_eq!(trend_arrow(-4.9), "\u{2192}");
        assert_eq!(trend_arrow(-5.0), "\u{2193}");
        assert_eq!(rate_of([].into_iter()), None);
    }
}
