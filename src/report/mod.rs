//! Moderator participation reports: pure computation over a group's members, check-ins and
//! self-assessment ratings. No Discord and no database here: the caller loads a
//! [`ReportInput`] (see `crate::db::reports::load_input`), calls [`build`], then renders the
//! [`Report`] as text ([`text_summary`]), CSV ([`members_csv`], [`CheckinsCsv`]) or a PNG
//! chart ([`chart_png`]).
//!
//! In production the database aggregates (`crate::db::reports::aggregates`: per member, per
//! week, per question) and [`build_from`] finishes the report; raw rows are never loaded to
//! be aggregated here. [`build`] does the same from raw rows ([`aggregate`]), which is the
//! specification the SQL is tested against.
//!
//! Definitions:
//! - **Held weeks** are the curriculum weeks actually held up to `now`
//!   ([`weeks::weeks_held`]): skipped and paused sessions are not weeks. A report covers the
//!   held weeks in `[from, to]` (default: week 1 to the latest held week).
//! - A member is **active** in week `w` from their `joined_week` on (a member who checked in
//!   for an earlier week counts as active in that week too, so a rate never exceeds 100%).
//! - A member's **current streak** is [`crate::streaks::walk`]'s, up to the last week of the
//!   range (from week 1, whatever the range's start): consecutive held weeks with a `done` or
//!   `partial` check-in, earned freezes keeping it over a week closed without one; while the
//!   last week has no check-in at all, the streak is counted from the week before (a one-week
//!   grace). A **frozen** week is active (the rate counts it as not checked in) but neither
//!   missed nor toward at-risk.
//! - **Counts and rates** (the check-in rate, a member's "8/9") cover *finished* held weeks,
//!   the rule at-risk follows: the week in progress is reported apart ([`Summary::running`],
//!   [`MemberRow::running`]) and counts against nobody. Hours and confidence include it.
//! - A member is **at risk** when they have no check-in (of any status) for the last two or
//!   more *finished* held weeks of the range that they were active for: the week in progress
//!   (its session started, the next one has not) never counts as missed, nor do weeks they
//!   were away for or the bot missed. At-risk lists are for moderators only: names are plain
//!   text, never mentions.
//! - Weeks a moderator jumped over (or a group started after) were never held: they are shown
//!   but count for nothing, like weeks the bot missed.
//! - **Hardest topics**: per week and question, the average self-assessment rating; the
//!   five lowest (ties: more ratings first).

mod chart;
mod export;
pub(crate) mod overview;
mod text;

pub use chart::{
    CHART_HEIGHT, CHART_WIDTH, ChartError, certificate_png, chart_png, chart_svg, completed, overview_png,
};
pub use export::{
    CHECKINS_HEADER, CheckinsCsv, FORGOTTEN_HEADER, MEMBERS_HEADER, checkins_csv, decimal, forgotten_csv,
    forgotten_values, member_values, members_csv,
};
pub use text::{AT_RISK_LISTED, WEEK_HEADER, forgotten_figures, text_summary, week_line};

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

/// Which questions are reflective prompts, as (week, index from 0): never in "hardest topics".
pub fn reflective_questions(path: &PathFile) -> std::collections::HashSet<(u32, u8)> {
    path.weeks
        .iter()
        .flat_map(|w| (0..w.questions.len()).filter(|i| !w.is_rated(*i)).map(move |i| (w.number, i as u8)))
        .collect()
}

/// Gives each topic the number members see it under (`Week::shown_number`: rated questions
/// first, then the reflective prompts), so a report's "Q2" is the weekly post's question 2.
pub fn number_topics(topics: &mut [HardTopic], path: &PathFile) {
    for t in topics {
        if let Some(w) = path.week(t.week) {
            t.number = w.shown_number(usize::from(t.question)) as u32;
        }
    }
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
    /// More weeks than one report covers.
    #[error("a report covers at most {max} weeks; this range has {weeks}: choose a shorter one with from and to")]
    RangeTooLong { weeks: u32, max: u32 },
}

/// Totals over the report's range. Counts and rates cover the *finished* held weeks (the
/// rule at-risk follows too); the week in progress is reported apart in [`Summary::running`].
/// Hours and confidence cover every held week, the running one included.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// Members in the report: joined by the end of the range (or checked in within it).
    pub members: u32,
    /// Held weeks in the range (the running one included).
    pub held_weeks: u32,
    /// Check-ins for the finished held weeks of the range (one per member and week at most).
    pub checkins: u32,
    /// Check-ins over active member-weeks of the finished weeks, from 0 to 1 (0 when nobody
    /// was active).
    pub checkin_rate: f64,
    /// The week in progress, when the range includes it: its check-ins so far.
    pub running: Option<RunningWeek>,
    pub total_hours: f64,
    /// Average confidence (1-5) over the check-ins; `None` without check-ins.
    pub average_confidence: Option<f64>,
    /// Members listed in [`Report::at_risk`].
    pub at_risk: u32,
}

/// The week in progress so far: shown apart, never counted in a rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunningWeek {
    pub week: u32,
    pub checked_in: u32,
    pub active: u32,
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
    /// The bot was down for the week's whole post slot: never posted, not a held week (no
    /// one is active in it; check-ins made anyway are shown but not counted).
    pub missed_by_bot: bool,
    /// Whether the week was held (false: missed by the bot, or jumped over by a moderator).
    pub held: bool,
    /// How many said they were interested in the week's Discord event, read at its start
    /// (`None`: no event; filled in by [`add_interest`]).
    pub interested: Option<u32>,
    /// The group's current week: its session started and the next one has not, so nobody
    /// has missed it yet.
    pub in_progress: bool,
}

/// One member's participation over the range.
#[derive(Debug, Clone, PartialEq)]
pub struct MemberRow {
    pub user_id: u64,
    pub display_name: String,
    pub joined_week: u32,
    /// Finished held weeks in the range with a check-in (any status).
    pub weeks_checked_in: u32,
    /// Finished held weeks in the range the member was active for.
    pub weeks_active: u32,
    /// The week in progress (when the range includes it and the member is active in it):
    /// whether they have checked in for it yet. Never counted in `weeks_*`.
    pub running: Option<bool>,
    pub current_streak: u32,
    /// The latest week in the range with a check-in (any status).
    pub last_checkin_week: Option<u32>,
    pub average_confidence: Option<f64>,
    pub total_hours: f64,
    /// Consecutive held weeks, ending at the last week of the range, without any check-in
    /// (counting only weeks the member was active for).
    pub missed_recent: u32,
    /// Held weeks of the range the member had said they would be away (`/away`): not active
    /// in them, so they break no streak and count as nothing missed.
    pub away_weeks: u32,
    /// Held weeks of the range a streak freeze kept ([`crate::streaks`]): active in them
    /// without a check-in (the rate counts them), but not missed and not toward at-risk.
    pub frozen_weeks: u32,
    /// Weeks of the range whose Discord event the member marked "Interested" (filled in by
    /// [`add_interest`]).
    pub weeks_interested: u32,
}

/// Who said they were interested in one session's Discord event, read at its start: how
/// many, and which of them are members of the group (others are only counted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventInterest {
    pub session: u32,
    pub count: u32,
    pub members: Vec<u64>,
}

/// Adds the events' interest to a report: per week (the latest session of a repeated week
/// counts), and per member the weeks of the range they were interested in.
pub fn add_interest(report: &mut Report, view: &GroupView, events: &[EventInterest]) {
    let last = events.iter().map(|e| e.session).max().unwrap_or(0) as usize;
    let weeks: Vec<crate::weeks::Session> = view.calendar.sessions(view.total_weeks).take(last + 1).collect();
    let week_of = |session: u32| match weeks.get(session as usize) {
        Some(crate::weeks::Session::Week(w)) => Some(*w),
        _ => None,
    };
    let mut by_member: HashMap<u64, std::collections::HashSet<u32>> = HashMap::new();
    for e in events {
        let Some(week) = week_of(e.session).filter(|w| (report.from_week..=report.to_week).contains(w)) else {
            continue;
        };
        if let Some(row) = report.weeks.iter_mut().find(|r| r.week == week) {
            row.interested = Some(e.count);
        }
        for m in &e.members {
            by_member.entry(*m).or_default().insert(week);
        }
    }
    for m in &mut report.members {
        m.weeks_interested = by_member.get(&m.user_id).map_or(0, |w| w.len() as u32);
    }
}

/// Members' streak walks ([`crate::streaks::walk`]) up to the end of a report's range, by
/// user id (see [`member_streaks`]).
pub type Streaks = HashMap<u64, crate::streaks::Streak>;

/// The weeks a report's streaks are walked over: from week 1 (freezes are earned before the
/// range) to the range's end, within [`MAX_RANGE_WEEKS`].
pub fn history_range(r: Range) -> Range {
    Range { from: r.to.saturating_sub(MAX_RANGE_WEEKS - 1).max(1), ..r }
}

/// Each member's streak walk over `h` (a [`history_range`]) from its aggregates: the weeks the
/// group held or the bot missed, in order, since the member joined (or checked in).
pub fn member_streaks(view: &GroupView, now: DateTime<Utc>, h: Range, agg: &Aggregates, away: &AwayWeeks) -> Streaks {
    use crate::streaks::Entry;
    let weeks: Vec<(u32, bool)> = view.weeks_happened(now).into_iter().filter(|(w, _)| h.pos(*w).is_some()).collect();
    let bit = |mask: u64, w: u32| h.pos(w).is_some_and(|p| mask & (1 << p) != 0);
    agg.members
        .iter()
        .map(|m| {
            let entries: Vec<(u32, Entry)> = weeks
                .iter()
                .filter(|(w, _)| m.joined_week <= *w || bit(m.checked, *w))
                .map(|&(w, missed_by_bot)| {
                    let entry = if missed_by_bot {
                        Entry::NotHeld
                    } else if bit(m.checked, w) {
                        // The aggregates keep whether a check-in counts, not done or partial.
                        Entry::Checked(if bit(m.streak, w) { CheckinStatus::Done } else { CheckinStatus::Skipped })
                    } else if away.get(&m.user_id).is_some_and(|a| a.contains(&w)) {
                        Entry::Away
                    } else {
                        Entry::Nothing
                    };
                    (w, entry)
                })
                .collect();
            (m.user_id, crate::streaks::walk(&entries))
        })
        .collect()
}

/// Members' away weeks (`/away`), by user id: the curriculum weeks they are away for.
pub type AwayWeeks = HashMap<u64, std::collections::HashSet<u32>>;

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
    /// Index of the question in the week, from 0 (as stored).
    pub question: u8,
    /// The number the question is shown with in the weekly post and `/assess` (from 1: rated
    /// questions first): set by [`number_topics`]; `question + 1` until then.
    pub number: u32,
    pub text: String,
    pub average: f64,
    pub ratings: u32,
}

/// A question the group is forgetting (spaced review): of the reviews made
/// [`crate::review::FORGOTTEN_AFTER_DAYS`] days or more after the previous one, the share
/// graded "couldn't answer". Only questions that at least
/// [`crate::review::FORGOTTEN_MIN_MEMBERS`] members reviewed so; never names.
#[derive(Debug, Clone, PartialEq)]
pub struct ForgottenTopic {
    pub week: u32,
    /// Index of the question in the week, from 0 (as stored).
    pub question: u8,
    /// The number members see the question under (`Week::shown_number`).
    pub number: u32,
    pub text: String,
    pub members: u32,
    pub reviews: u32,
    /// From 0 to 1.
    pub share: f64,
}

/// How many forgotten topics a report, the overview and the digest list.
pub const FORGOTTEN_TOPICS: usize = 5;

/// The forgotten topics of `path` from its reviews (others' paths and questions the
/// curriculum no longer has are left out), most forgotten first, at most
/// [`FORGOTTEN_TOPICS`].
pub fn forgotten_topics(reviews: &[crate::review::LoggedReview], path: &PathFile) -> Vec<ForgottenTopic> {
    let mine: Vec<crate::review::LoggedReview> =
        reviews.iter().filter(|r| r.question.0 == path.path.id).cloned().collect();
    crate::review::forgotten(&mine)
        .into_iter()
        .filter_map(|f| {
            let (_, week, question) = f.question;
            let w = path.week(week)?;
            let q = usize::try_from(question).ok()?;
            let text = w.questions.get(q)?.clone();
            Some(ForgottenTopic {
                week,
                question: u8::try_from(question).ok()?,
                number: w.shown_number(q) as u32,
                text,
                members: u32::try_from(f.members).unwrap_or(u32::MAX),
                reviews: u32::try_from(f.reviews).unwrap_or(u32::MAX),
                share: f.forgotten,
            })
        })
        .take(FORGOTTEN_TOPICS)
        .collect()
}

/// A check-in within the range, with the member's name (for the raw CSV): borrowed from the
/// group's names while streaming, so a row costs no copy of it.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckinRow<'a> {
    pub display_name: std::borrow::Cow<'a, str>,
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
    /// The group's latest calendar changes (filled in by the service; plain text).
    pub changes: Vec<crate::model::CalendarChange>,
    /// Questions the group is forgetting (spaced review; filled in by the service), most
    /// forgotten first, at most [`FORGOTTEN_TOPICS`].
    pub forgotten: Vec<ForgottenTopic>,
    /// The latest study-buddy round (filled in by the service): its week, how many pairs met
    /// (by the check-back), of how many. Counts only: nobody is named.
    pub buddies_met: Option<BuddiesMet>,
}

/// How a study-buddy round went: pairs that said they met, of the pairs whose thread opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BuddiesMet {
    pub week: u32,
    pub met: u32,
    pub pairs: u32,
}

/// The weeks a report covers: held weeks `from..=to` (held weeks are always 1 to the latest).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    pub from: u32,
    pub to: u32,
    /// The latest week held when the report is made.
    pub latest: u32,
    /// The week in progress when the report is made, if any (never counted as missed).
    pub in_progress: Option<u32>,
}

impl Range {
    /// How many weeks the range covers.
    pub fn weeks(&self) -> u32 {
        self.to - self.from + 1
    }

    /// Position of `week` in the range (its bit in a [`MemberAgg`] mask).
    pub fn pos(&self, week: u32) -> Option<usize> {
        (self.from..=self.to).contains(&week).then(|| (week - self.from) as usize)
    }
}

/// A report covers at most this many weeks (one bit per week in a member's masks).
pub const MAX_RANGE_WEEKS: u32 = 63;

/// Checks `[from, to]` (defaults: week 1 and the latest held week) against the weeks the
/// group has held at `now`.
pub fn range(view: &GroupView, now: DateTime<Utc>, from: Option<u32>, to: Option<u32>) -> Result<Range, ReportError> {
    let group = &view.group;
    let held = view.weeks_held(now);
    let (Some(first), Some(latest)) = (held.iter().copied().min(), held.iter().copied().max()) else {
        return Err(ReportError::NoWeeksHeld { group: group.name.clone() });
    };
    let from_week = from.unwrap_or(first);
    let to_week = to.unwrap_or(latest);
    for week in [from_week, to_week] {
        if week == 0 || week > latest {
            return Err(ReportError::WeekOutOfRange { group: group.name.clone(), week, latest });
        }
    }
    if from_week > to_week {
        return Err(ReportError::FromAfterTo { from: from_week, to: to_week });
    }
    let in_progress = match view.standing(now) {
        crate::model::Standing::Week { week, .. } => Some(week),
        _ => None,
    };
    let r = Range { from: from_week, to: to_week, latest, in_progress };
    if r.weeks() > MAX_RANGE_WEEKS {
        return Err(ReportError::RangeTooLong { weeks: r.weeks(), max: MAX_RANGE_WEEKS });
    }
    Ok(r)
}

/// One member's activity over a range, as the database aggregates it.
#[derive(Debug, Clone, PartialEq)]
pub struct MemberAgg {
    pub user_id: u64,
    /// `None` for someone with check-ins or ratings but no membership (hand-edited data): the
    /// report shows their user id.
    pub display_name: Option<String>,
    pub joined_week: u32,
    /// Bit `p` set: a check-in (any status) for week `from + p`.
    pub checked: u64,
    /// Bit `p` set: a `done` or `partial` check-in for week `from + p`.
    pub streak: u64,
    pub hours: f64,
    /// Sum of the confidences of the range's check-ins.
    pub confidence: u64,
}

/// One week's check-ins.
#[derive(Debug, Clone, PartialEq)]
pub struct WeekAgg {
    pub week: u32,
    pub checkins: u32,
    pub hours: f64,
    pub confidence: u64,
}

/// One question's ratings.
#[derive(Debug, Clone, PartialEq)]
pub struct TopicAgg {
    pub week: u32,
    pub question: u8,
    pub sum: u64,
    pub ratings: u32,
}

/// Everything a report is built from: per member, per week and per question, never the raw
/// rows. `crate::db::reports::aggregates` computes it in SQL; [`aggregate`] is the same in
/// Rust over raw rows (the specification the SQL is tested against).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Aggregates {
    /// Every member of the group and everyone with check-ins or ratings in it, any order.
    pub members: Vec<MemberAgg>,
    /// Weeks of the range with check-ins, any order.
    pub weeks: Vec<WeekAgg>,
    /// Questions of the range's weeks with ratings, any order.
    pub topics: Vec<TopicAgg>,
}

/// [`Aggregates`] from raw rows. Members without a membership row join at the first week
/// they checked in or rated for.
pub fn aggregate(input: &ReportInput, r: Range) -> Aggregates {
    let mut members: Vec<MemberAgg> = Vec::with_capacity(input.members.len());
    let mut index: HashMap<u64, usize> = HashMap::with_capacity(input.members.len());
    for m in &input.members {
        index.entry(m.user_id).or_insert_with(|| {
            members.push(MemberAgg {
                user_id: m.user_id,
                display_name: Some(m.display_name.clone()),
                joined_week: m.joined_week,
                checked: 0,
                streak: 0,
                hours: 0.0,
                confidence: 0,
            });
            members.len() - 1
        });
    }
    let known = members.len();
    let activity =
        input.checkins.iter().map(|c| (c.user_id, c.week)).chain(input.ratings.iter().map(|r| (r.user_id, r.week)));
    for (user_id, week) in activity {
        match index.get(&user_id) {
            Some(&i) if i >= known => members[i].joined_week = members[i].joined_week.min(week.max(1)),
            Some(_) => {}
            None => {
                index.insert(user_id, members.len());
                members.push(MemberAgg {
                    user_id,
                    display_name: None,
                    joined_week: week.max(1),
                    checked: 0,
                    streak: 0,
                    hours: 0.0,
                    confidence: 0,
                });
            }
        }
    }
    let mut weeks: BTreeMap<u32, WeekAgg> = BTreeMap::new();
    for c in &input.checkins {
        let (Some(p), Some(&m)) = (r.pos(c.week), index.get(&c.user_id)) else { continue };
        let agg = &mut members[m];
        agg.checked |= 1 << p;
        if c.status.counts_for_streak() {
            agg.streak |= 1 << p;
        }
        agg.hours += c.hours;
        agg.confidence += u64::from(c.confidence);
        let w = weeks.entry(c.week).or_insert(WeekAgg { week: c.week, checkins: 0, hours: 0.0, confidence: 0 });
        w.checkins += 1;
        w.hours += c.hours;
        w.confidence += u64::from(c.confidence);
    }
    let mut topics: BTreeMap<(u32, u8), TopicAgg> = BTreeMap::new();
    for rating in input.ratings.iter().filter(|x| r.pos(x.week).is_some()) {
        let t = topics.entry((rating.week, rating.question)).or_insert(TopicAgg {
            week: rating.week,
            question: rating.question,
            sum: 0,
            ratings: 0,
        });
        t.sum += u64::from(rating.rating);
        t.ratings += 1;
    }
    Aggregates { members, weeks: weeks.into_values().collect(), topics: topics.into_values().collect() }
}

/// Builds the report for the held weeks in `[from, to]` (defaults: week 1 and the latest
/// held week) from raw rows: [`range`], [`aggregate`], [`build_from`].
pub fn build(input: &ReportInput, from: Option<u32>, to: Option<u32>) -> Result<Report, ReportError> {
    let r = range(&input.group, input.now, from, to)?;
    let (away, h) = (AwayWeeks::new(), history_range(r));
    let streaks = member_streaks(&input.group, input.now, h, &aggregate(input, h), &away);
    Ok(build_from(&input.group, &input.questions, input.now, r, &aggregate(input, r), &away, &streaks))
}

/// The name a report shows for a member.
fn name_of(m: &MemberAgg) -> String {
    m.display_name.clone().unwrap_or_else(|| m.user_id.to_string())
}

/// Builds the report over `r` from its aggregates.
pub fn build_from(
    view: &GroupView,
    questions: &[Vec<String>],
    now: DateTime<Utc>,
    r: Range,
    agg: &Aggregates,
    away: &AwayWeeks,
    streaks: &Streaks,
) -> Report {
    let group = &view.group;
    let n_weeks = r.weeks() as usize;
    let weeks: Vec<u32> = (r.from..=r.to).collect();
    // Weeks the bot missed are not held: nobody is active in them, and check-ins made for
    // them anyway do not count (masked out of every figure).
    // Weeks jumped over were never held either.
    let held_weeks = view.weeks_held(now);
    let held: Vec<bool> = weeks.iter().map(|w| held_weeks.contains(w)).collect();
    let in_progress = |p: usize| r.in_progress == Some(weeks[p]);
    // Counts and rates cover finished held weeks; the running week is reported apart.
    let finished = |p: usize| held[p] && !in_progress(p);
    let finished_mask: u64 = (0..n_weeks).filter(|&p| finished(p)).fold(0, |m, p| m | (1 << p));
    let running_pos = (0..n_weeks).find(|&p| held[p] && in_progress(p));
    let held_mask: u64 = (0..n_weeks).filter(|&p| held[p]).fold(0, |m, p| m | (1 << p));
    let has = |mask: u64, p: usize| mask & held_mask & (1 << p) != 0;
    // Members in the report, by name (case-insensitive), then user id.
    let mut included: Vec<(&MemberAgg, String)> =
        agg.members.iter().filter(|m| m.joined_week <= r.to || m.checked != 0).map(|m| (m, name_of(m))).collect();
    included.sort_by_cached_key(|(m, name)| order_key(name, m.user_id));
    let is_away = |m: &MemberAgg, p: usize| away.get(&m.user_id).is_some_and(|w| w.contains(&weeks[p]));
    let frozen: HashMap<u64, std::collections::HashSet<u32>> =
        streaks.iter().map(|(u, s)| (*u, s.frozen().collect())).collect();
    let is_frozen = |m: &MemberAgg, p: usize| frozen.get(&m.user_id).is_some_and(|w| w.contains(&weeks[p]));
    // Active: a held week they had joined by and were not away for, or checked in for anyway.
    let active =
        |m: &MemberAgg, p: usize| held[p] && (has(m.checked, p) || (m.joined_week <= weeks[p] && !is_away(m, p)));

    let by_week: HashMap<u32, &WeekAgg> = agg.weeks.iter().map(|w| (w.week, w)).collect();
    let week_rows: Vec<WeekRow> = weeks
        .iter()
        .enumerate()
        .map(|(p, &week)| {
            let active = included.iter().filter(|(m, _)| active(m, p)).count() as u32;
            let w = by_week.get(&week);
            let checked_in = w.map_or(0, |w| w.checkins);
            WeekRow {
                week,
                checked_in,
                active,
                rate: ratio(checked_in, active),
                hours: w.map_or(0.0, |w| w.hours),
                average_confidence: w.filter(|w| w.checkins > 0).map(|w| w.confidence as f64 / f64::from(w.checkins)),
                missed_by_bot: view.was_missed(week),
                held: held[p],
                in_progress: in_progress(p),
                interested: None,
            }
        })
        .collect();

    let member_rows: Vec<MemberRow> = included
        .iter()
        .map(|(m, name)| {
            let weeks_checked_in = (m.checked & finished_mask).count_ones();
            let all_checked_in = (m.checked & held_mask).count_ones();
            // Away and frozen weeks (without a check-in) are left out: they are not missed.
            let counted = |p: usize| held[p] && (has(m.checked, p) || !(is_away(m, p) || is_frozen(m, p)));
            MemberRow {
                user_id: m.user_id,
                display_name: name.clone(),
                joined_week: m.joined_week,
                weeks_checked_in,
                weeks_active: (0..n_weeks).filter(|&p| finished(p) && active(m, p)).count() as u32,
                running: running_pos.filter(|&p| active(m, p)).map(|p| has(m.checked, p)),
                current_streak: streaks.get(&m.user_id).map_or(0, |s| s.current),
                last_checkin_week: (0..n_weeks).rev().find(|&p| has(m.checked, p)).map(|p| weeks[p]),
                average_confidence: (all_checked_in > 0).then(|| m.confidence as f64 / f64::from(all_checked_in)),
                total_hours: m.hours,
                missed_recent: (0..n_weeks)
                    .rev()
                    .filter(|&p| counted(p) && !in_progress(p))
                    .take_while(|&p| active(m, p) && !has(m.checked, p))
                    .count() as u32,
                away_weeks: (0..n_weeks).filter(|&p| held[p] && is_away(m, p)).count() as u32,
                frozen_weeks: (0..n_weeks).filter(|&p| held[p] && is_frozen(m, p)).count() as u32,
                weeks_interested: 0,
            }
        })
        .collect();

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

    let counted = || week_rows.iter().filter(|w| w.held);
    let finished_rows = || counted().filter(|w| !w.in_progress);
    let active_weeks: u32 = finished_rows().map(|w| w.active).sum();
    let checkins: u32 = finished_rows().map(|w| w.checked_in).sum();
    let all_checkins: u32 = counted().map(|w| w.checked_in).sum();
    let confidence: u64 = agg.weeks.iter().filter(|w| held_weeks.contains(&w.week)).map(|w| w.confidence).sum();
    let summary = Summary {
        members: member_rows.len() as u32,
        held_weeks: held.iter().filter(|h| **h).count() as u32,
        checkins,
        checkin_rate: ratio(checkins, active_weeks),
        running: counted().find(|w| w.in_progress).map(|w| RunningWeek {
            week: w.week,
            checked_in: w.checked_in,
            active: w.active,
        }),
        total_hours: counted().map(|w| w.hours).sum(),
        average_confidence: (all_checkins > 0).then(|| confidence as f64 / f64::from(all_checkins)),
        at_risk: at_risk.len() as u32,
    };

    Report {
        group_id: group.id,
        group_name: group.name.clone(),
        path_id: group.path_id.clone(),
        total_weeks: view.total_weeks,
        from_week: r.from,
        to_week: r.to,
        latest_held_week: r.latest,
        generated_at: now,
        summary,
        weeks: week_rows,
        members: member_rows,
        at_risk,
        hardest: hardest_topics(questions, &agg.topics),
        changes: Vec::new(),
        forgotten: Vec::new(),
        buddies_met: None,
    }
}

/// The check-ins of the range from raw rows, by week, then in the report's member order
/// (what `crate::db::reports::CheckinPages::each` streams for the raw CSV).
#[cfg(test)]
pub fn checkin_rows(input: &ReportInput, report: &Report) -> Vec<CheckinRow<'static>> {
    let order = MemberOrder::of(report);
    let names: HashMap<u64, &str> = report.members.iter().map(|m| (m.user_id, m.display_name.as_str())).collect();
    let mut rows: Vec<CheckinRow<'static>> = input
        .checkins
        .iter()
        .filter(|c| (report.from_week..=report.to_week).contains(&c.week))
        .filter_map(|c| {
            Some(CheckinRow { display_name: names.get(&c.user_id)?.to_string().into(), checkin: c.clone() })
        })
        .collect();
    rows.sort_by_key(|r| (r.checkin.week, order.rank(r.checkin.user_id)));
    rows
}

/// The position of each member in a report (for ordering raw check-ins within a week): by
/// name, case-insensitively, then by name as written, then by user id.
pub struct MemberOrder(HashMap<u64, usize>);

/// A report's member order key for `name` (see [`MemberOrder`]).
fn order_key(name: &str, user_id: u64) -> (String, String, u64) {
    (name.to_lowercase(), name.to_string(), user_id)
}

impl MemberOrder {
    pub fn of(report: &Report) -> MemberOrder {
        MemberOrder(report.members.iter().enumerate().map(|(i, m)| (m.user_id, i)).collect())
    }

    /// The order of the named members (`user id -> display name`), as a report would place
    /// them, without building the report.
    pub fn by_name(names: &HashMap<u64, String>) -> MemberOrder {
        let mut members: Vec<(&u64, &String)> = names.iter().collect();
        members.sort_by_cached_key(|(id, name)| order_key(name, **id));
        MemberOrder(members.into_iter().enumerate().map(|(i, (id, _))| (*id, i)).collect())
    }

    /// The member's position; members not in the report come last.
    pub fn rank(&self, user_id: u64) -> usize {
        self.0.get(&user_id).copied().unwrap_or(usize::MAX)
    }

    /// Puts one week's check-ins in the report's member order. Rows of someone this order
    /// does not know (a check-in without a membership, named by user id) are placed by the
    /// same key, comparing every row of that week by name.
    pub fn sort(&self, rows: &mut [CheckinRow<'_>]) {
        if rows.iter().all(|r| self.0.contains_key(&r.checkin.user_id)) {
            // Each rank looked up once per row, not twice per comparison.
            rows.sort_by_cached_key(|r| self.rank(r.checkin.user_id));
        } else {
            rows.sort_by_cached_key(|r| order_key(&r.display_name, r.checkin.user_id));
        }
    }
}

/// The [`HARDEST_TOPICS`] questions with the lowest average rating.
fn hardest_topics(questions: &[Vec<String>], topics: &[TopicAgg]) -> Vec<HardTopic> {
    let mut topics: Vec<HardTopic> = topics
        .iter()
        .filter(|t| t.ratings > 0)
        .map(|t| HardTopic {
            week: t.week,
            question: t.question,
            number: u32::from(t.question) + 1,
            text: question_text(questions, t.week, t.question),
            average: t.sum as f64 / f64::from(t.ratings),
            ratings: t.ratings,
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
