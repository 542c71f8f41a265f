//! Moderator participation reports: pure computation over a group's members, check-ins and
//! self-assessment ratings. No Discord and no database here: the caller loads a
//! [`ReportInput`] (see `crate::db::reports::load_input`), calls [`build`], then renders the
//! [`Report`] as text ([`text_summary`]), CSV ([`members_csv`], [`checkins_csv`]) or a PNG
//! chart ([`chart_png`]).
//!
//! Definitions:
//! - **Held weeks** are the curriculum weeks actually held up to `now`
//!   ([`weeks::weeks_held`]): skipped and paused sessions are not weeks. A report covers the
//!   held weeks in `[from, to]` (default: week 1 to the latest held week).
//! - A member is **active** in week `w` from their `joined_week` on (a member who checked in
//!   for an earlier week counts as active in that week too, so a rate never exceeds 100%).
//! - A member's **current streak** counts consecutive held weeks, ending at the last week of
//!   the range, with a `done` or `partial` check-in. While that last week has no check-in at
//!   all, the streak is counted from the week before (a one-week grace).
//! - A member is **at risk** when they have no check-in (of any status) for the last two or
//!   more held weeks of the range that they were active for. At-risk lists are for
//!   moderators only: names are plain text, never mentions.
//! - **Hardest topics**: per week and question, the average self-assessment rating; the
//!   five lowest (ties: more ratings first).

mod chart;
mod export;
mod text;

pub use chart::{CHART_HEIGHT, CHART_WIDTH, ChartError, chart_png};
pub use export::{CHECKINS_HEADER, MEMBERS_HEADER, checkins_csv, members_csv};
pub use text::{AT_RISK_LISTED, text_summary};

use crate::curriculum::model::PathFile;
pub use crate::model::CheckinStatus;
use crate::model::{Checkin, GroupMember, GroupView, Rating};
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, HashMap};

/// How many hardest topics a report lists.
pub const HARDEST_TOPICS: usize = 5;

/// Consecutive missed weeks from which a member is listed as at risk.
pub const AT_RISK_MISSED_WEEKS: u32 = 2;

/// Everything a report is computed from.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportInput {
    /// The group with its calendar.
    pub group: GroupView,
    /// Question texts per curriculum week: `questions[w - 1]` holds week `w`'s questions
    /// (see [`week_questions`]). Missing entries are shown as "question N of week W".
    pub questions: Vec<Vec<String>>,
    pub members: Vec<GroupMember>,
    pub checkins: Vec<Checkin>,
    pub ratings: Vec<Rating>,
    /// The instant the report is made at: decides which weeks have been held.
    pub now: DateTime<Utc>,
}

/// The question texts of every week of a path, as [`ReportInput::questions`] wants them.
pub fn week_questions(path: &PathFile) -> Vec<Vec<String>> {
    let len = path.weeks.iter().map(|w| w.number as usize).max().unwrap_or(0);
    let mut out = vec![Vec::new(); len];
    for w in &path.weeks {
        if let Some(slot) = (w.number as usize).checked_sub(1).and_then(|i| out.get_mut(i)) {
            slot.clone_from(&w.questions);
        }
    }
    out
}

/// Why a report cannot be made. The messages are meant for the person who asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReportError {
    /// The group has not held any week yet (not started, or only breaks so far).
    #[error("{group} has not held any week yet, so there is nothing to report")]
    NoWeeksHeld { group: String },
    /// A requested week is outside the held weeks.
    #[error("week {week} is out of range: {group} has held weeks 1 to {latest}")]
    WeekOutOfRange { group: String, week: u32, latest: u32 },
    /// `from` is after `to`.
    #[error("the week range is empty: from week {from} is after to week {to}")]
    FromAfterTo { from: u32, to: u32 },
}

/// Totals over the report's range.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// Members in the report: joined by the end of the range (or checked in within it).
    pub members: u32,
    /// Held weeks in the range.
    pub held_weeks: u32,
    /// Check-ins in the range (one per member and week at most).
    pub checkins: u32,
    /// Check-ins over active member-weeks, from 0 to 1 (0 when nobody was active).
    pub checkin_rate: f64,
    pub total_hours: f64,
    /// Average confidence (1-5) over the check-ins; `None` without check-ins.
    pub average_confidence: Option<f64>,
    /// Members listed in [`Report::at_risk`].
    pub at_risk: u32,
}

/// Participation in one held week.
#[derive(Debug, Clone, PartialEq)]
pub struct WeekRow {
    pub week: u32,
    /// Distinct members with a check-in (any status) for the week.
    pub checked_in: u32,
    /// Members active in the week.
    pub active: u32,
    /// `checked_in / active`, from 0 to 1 (0 when `active` is 0).
    pub rate: f64,
    pub hours: f64,
    /// `None` when nobody checked in.
    pub average_confidence: Option<f64>,
}

/// One member's participation over the range.
#[derive(Debug, Clone, PartialEq)]
pub struct MemberRow {
    pub user_id: u64,
    pub display_name: String,
    pub joined_week: u32,
    /// Held weeks in the range with a check-in (any status).
    pub weeks_checked_in: u32,
    /// Held weeks in the range the member was active for.
    pub weeks_active: u32,
    pub current_streak: u32,
    /// The latest week in the range with a check-in (any status).
    pub last_checkin_week: Option<u32>,
    pub average_confidence: Option<f64>,
    pub total_hours: f64,
    /// Consecutive held weeks, ending at the last week of the range, without any check-in
    /// (counting only weeks the member was active for).
    pub missed_recent: u32,
}

/// A member who stopped checking in (moderators only; render as plain text, never a mention).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AtRisk {
    pub user_id: u64,
    pub display_name: String,
    /// Consecutive held weeks missed, ending at the last week of the range.
    pub missed_weeks: u32,
    pub last_checkin_week: Option<u32>,
}

/// A question members rated low.
#[derive(Debug, Clone, PartialEq)]
pub struct HardTopic {
    pub week: u32,
    /// Index of the question in the week, from 0.
    pub question: u8,
    pub text: String,
    pub average: f64,
    pub ratings: u32,
}

/// A check-in within the range, with the member's name (for the raw CSV).
#[derive(Debug, Clone, PartialEq)]
pub struct CheckinRow {
    pub display_name: String,
    pub checkin: Checkin,
}

/// A computed participation report.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub group_id: i64,
    pub group_name: String,
    pub path_id: String,
    pub total_weeks: u32,
    /// First and last week of the range (both held).
    pub from_week: u32,
    pub to_week: u32,
    /// The latest week held at `generated_at` (may be after `to_week`).
    pub latest_held_week: u32,
    pub generated_at: DateTime<Utc>,
    pub summary: Summary,
    /// One row per held week in the range, in order.
    pub weeks: Vec<WeekRow>,
    /// One row per member, by display name (case-insensitive), then user id.
    pub members: Vec<MemberRow>,
    /// Most weeks missed first, then by name.
    pub at_risk: Vec<AtRisk>,
    /// Lowest average first, at most [`HARDEST_TOPICS`].
    pub hardest: Vec<HardTopic>,
    /// Check-ins in the range, by week, then name.
    pub checkins: Vec<CheckinRow>,
}

/// Builds the report for the held weeks in `[from, to]` (defaults: week 1 and the latest
/// held week).
pub fn build(input: &ReportInput, from: Option<u32>, to: Option<u32>) -> Result<Report, ReportError> {
    let view = &input.group;
    let group = &view.group;
    let held = view.weeks_held(input.now);
    let Some(&latest) = held.iter().max() else {
        return Err(ReportError::NoWeeksHeld { group: group.name.clone() });
    };
    let from_week = from.unwrap_or(1);
    let to_week = to.unwrap_or(latest);
    for week in [from_week, to_week] {
        if week == 0 || week > latest {
            return Err(ReportError::WeekOutOfRange { group: group.name.clone(), week, latest });
        }
    }
    if from_week > to_week {
        return Err(ReportError::FromAfterTo { from: from_week, to: to_week });
    }
    let weeks: Vec<u32> = held.into_iter().filter(|w| (from_week..=to_week).contains(w)).collect();
    // Position of each week in `weeks`, indexed by week number.
    let mut week_pos: Vec<Option<usize>> = vec![None; to_week as usize + 1];
    for (i, w) in weeks.iter().enumerate() {
        week_pos[*w as usize] = Some(i);
    }
    let pos_of = |week: u32| week_pos.get(week as usize).copied().flatten();

    // Members: the known ones, plus anyone who checked in or rated without a membership row
    // (hand-edited data), so no check-in silently disappears from a report.
    let mut members: Vec<GroupMember> = input.members.clone();
    let mut index: HashMap<u64, usize> = HashMap::with_capacity(members.len());
    for (i, m) in members.iter().enumerate() {
        index.entry(m.user_id).or_insert(i);
    }
    let activity =
        input.checkins.iter().map(|c| (c.user_id, c.week)).chain(input.ratings.iter().map(|r| (r.user_id, r.week)));
    for (user_id, week) in activity {
        match index.get(&user_id) {
            Some(&i) if i >= input.members.len() => members[i].joined_week = members[i].joined_week.min(week.max(1)),
            Some(_) => {}
            None => {
                index.insert(user_id, members.len());
                members.push(GroupMember { user_id, display_name: user_id.to_string(), joined_week: week.max(1) });
            }
        }
    }
    // The latest check-in of each member for each week of the range.
    let n_weeks = weeks.len();
    let mut cells: Vec<Option<usize>> = vec![None; members.len() * n_weeks];
    for (ci, c) in input.checkins.iter().enumerate() {
        if let (Some(&m), Some(p)) = (index.get(&c.user_id), pos_of(c.week)) {
            cells[m * n_weeks + p] = Some(ci);
        }
    }
    let cell = |m: usize, p: usize| cells[m * n_weeks + p].map(|ci| &input.checkins[ci]);
    // Members in the report, by name (case-insensitive), then user id.
    let mut included: Vec<usize> = (0..members.len())
        .filter(|&m| members[m].joined_week <= to_week || (0..n_weeks).any(|p| cell(m, p).is_some()))
        .collect();
    included.sort_by_cached_key(|&m| {
        let name = &members[m].display_name;
        (name.to_lowercase(), name.clone(), members[m].user_id)
    });
    let active = |m: usize, p: usize| members[m].joined_week <= weeks[p] || cell(m, p).is_some();

    let mut week_rows = Vec::with_capacity(n_weeks);
    for (p, &week) in weeks.iter().enumerate() {
        let mut row = WeekRow { week, checked_in: 0, active: 0, rate: 0.0, hours: 0.0, average_confidence: None };
        let mut confidence = 0u64;
        for &m in &included {
            if active(m, p) {
                row.active += 1;
            }
            if let Some(c) = cell(m, p) {
                row.checked_in += 1;
                row.hours += c.hours;
                confidence += u64::from(c.confidence);
            }
        }
        row.rate = ratio(row.checked_in, row.active);
        row.average_confidence = (row.checked_in > 0).then(|| confidence as f64 / f64::from(row.checked_in));
        week_rows.push(row);
    }

    let mut member_rows = Vec::with_capacity(included.len());
    for &m in &included {
        let info = &members[m];
        let mut row = MemberRow {
            user_id: info.user_id,
            display_name: info.display_name.clone(),
            joined_week: info.joined_week,
            weeks_checked_in: 0,
            weeks_active: 0,
            current_streak: 0,
            last_checkin_week: None,
            average_confidence: None,
            total_hours: 0.0,
            missed_recent: 0,
        };
        let mut confidence = 0u64;
        for (p, &week) in weeks.iter().enumerate() {
            if active(m, p) {
                row.weeks_active += 1;
            }
            if let Some(c) = cell(m, p) {
                row.weeks_checked_in += 1;
                row.total_hours += c.hours;
                confidence += u64::from(c.confidence);
                row.last_checkin_week = Some(week);
            }
        }
        row.average_confidence =
            (row.weeks_checked_in > 0).then(|| confidence as f64 / f64::from(row.weeks_checked_in));
        let marks: Vec<Option<bool>> = (0..n_weeks).map(|p| cell(m, p).map(|c| c.status.counts_for_streak())).collect();
        row.current_streak = crate::progress::current_streak(&marks);
        row.missed_recent = (0..n_weeks).rev().take_while(|&p| active(m, p) && cell(m, p).is_none()).count() as u32;
        member_rows.push(row);
    }

    let mut at_risk: Vec<AtRisk> = member_rows
        .iter()
        .filter(|r| r.missed_recent >= AT_RISK_MISSED_WEEKS)
        .map(|r| AtRisk {
            user_id: r.user_id,
            display_name: r.display_name.clone(),
            missed_weeks: r.missed_recent,
            last_checkin_week: r.last_checkin_week,
        })
        .collect();
    // Stable: equal counts keep the name order.
    at_risk.sort_by_key(|a| std::cmp::Reverse(a.missed_weeks));

    let hardest = hardest_topics(input, &|w| pos_of(w).is_some());

    // Check-ins by week, then in member (name) order.
    let mut checkins: Vec<CheckinRow> = Vec::new();
    for p in 0..n_weeks {
        for &m in &included {
            if let Some(c) = cell(m, p) {
                checkins.push(CheckinRow { display_name: members[m].display_name.clone(), checkin: c.clone() });
            }
        }
    }

    let active_weeks: u32 = week_rows.iter().map(|w| w.active).sum();
    let checked_in: u32 = week_rows.iter().map(|w| w.checked_in).sum();
    let confidence: u64 = checkins.iter().map(|c| u64::from(c.checkin.confidence)).sum();
    let summary = Summary {
        members: member_rows.len() as u32,
        held_weeks: n_weeks as u32,
        checkins: checkins.len() as u32,
        checkin_rate: ratio(checked_in, active_weeks),
        total_hours: week_rows.iter().map(|w| w.hours).sum(),
        average_confidence: (!checkins.is_empty()).then(|| confidence as f64 / checkins.len() as f64),
        at_risk: at_risk.len() as u32,
    };

    Ok(Report {
        group_id: group.id,
        group_name: group.name.clone(),
        path_id: group.path_id.clone(),
        total_weeks: view.total_weeks,
        from_week,
        to_week,
        latest_held_week: latest,
        generated_at: input.now,
        summary,
        weeks: week_rows,
        members: member_rows,
        at_risk,
        hardest,
        checkins,
    })
}

/// The [`HARDEST_TOPICS`] questions with the lowest average rating among the weeks for
/// which `in_range` holds.
fn hardest_topics(input: &ReportInput, in_range: &dyn Fn(u32) -> bool) -> Vec<HardTopic> {
    let mut sums: BTreeMap<(u32, u8), (u64, u32)> = BTreeMap::new();
    for r in input.ratings.iter().filter(|r| in_range(r.week)) {
        let e = sums.entry((r.week, r.question)).or_default();
        e.0 += u64::from(r.rating);
        e.1 += 1;
    }
    let mut topics: Vec<HardTopic> = sums
        .into_iter()
        .map(|((week, question), (sum, n))| HardTopic {
            week,
            question,
            text: question_text(&input.questions, week, question),
            average: sum as f64 / f64::from(n),
            ratings: n,
        })
        .collect();
    topics.sort_by(|a, b| {
        a.average
            .total_cmp(&b.average)
            .then(b.ratings.cmp(&a.ratings))
            .then(a.week.cmp(&b.week))
            .then(a.question.cmp(&b.question))
    });
    topics.truncate(HARDEST_TOPICS);
    topics
}

fn question_text(questions: &[Vec<String>], week: u32, question: u8) -> String {
    (week as usize)
        .checked_sub(1)
        .and_then(|i| questions.get(i))
        .and_then(|qs| qs.get(question as usize))
        .cloned()
        .unwrap_or_else(|| format!("question {} of week {week}", u32::from(question) + 1))
}

fn ratio(n: u32, d: u32) -> f64 {
    if d == 0 { 0.0 } else { f64::from(n) / f64::from(d) }
}

#[cfg(test)]
mod tests;
