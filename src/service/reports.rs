//! Participation reports: the database aggregates a group's figures, [`report::build_from`]
//! finishes the report, and the exports are produced within Discord's upload limit (the raw
//! check-ins CSV streamed row by row).

use super::{Core, GroupService};
use crate::curriculum::Curriculum;
use crate::db;
use crate::error::{Error, Result, UserError};
use crate::model::{Actor, GroupView};
#[cfg(test)]
use crate::report::ReportInput;
use crate::report::overview::{Digest, GroupOverview};
use crate::report::{self, Report};
use chrono::{DateTime, Utc};
use std::collections::HashMap;

/// A report lists at most this many calendar changes (the latest).
pub const CHANGES_IN_REPORT: u32 = 10;

/// Largest attachment sent when the interaction does not say (Discord's smallest limit is
/// 10 MiB per file; the interaction's `attachment_size_limit` is used when known).
pub const MAX_ATTACHMENT: usize = 8 * 1024 * 1024;

/// `/report overview`: every group of the server, with a chart of their rates.
#[derive(Debug, Clone)]
pub struct Overview {
    pub groups: Vec<GroupOverview>,
    /// (group name, topic), most forgotten first, across groups.
    pub forgotten: Vec<(String, report::ForgottenTopic)>,
    pub chart_png: Vec<u8>,
}

/// A report with its exports, ready to attach.
#[derive(Debug, Clone)]
pub struct Participation {
    pub report: Report,
    pub chart_png: Vec<u8>,
    pub members_csv: Vec<u8>,
    /// `None` when the raw check-ins CSV is over the attachment limit (the CLI has no limit).
    pub checkins_csv: Option<Vec<u8>>,
    /// The forgotten topics (spaced review); `None` when there are none.
    pub forgotten_csv: Option<Vec<u8>>,
}

/// Completes a group's stored rows into a report input (path length and questions).
#[cfg(test)]
pub fn input_of(rows: db::reports::ReportRows, curriculum: &Curriculum, now: DateTime<Utc>) -> Result<ReportInput> {
    let group = rows.group;
    let path = curriculum.path(&group.path_id).ok_or_else(|| Error::missing_path(&group))?;
    Ok(ReportInput {
        questions: report::week_questions(path),
        group: GroupView { group, calendar: rows.calendar, total_weeks: path.len_weeks(), missed: vec![] },
        members: rows.members,
        checkins: rows.checkins,
        ratings: rows.ratings,
        now,
    })
}

/// Loads a report's raw input (every check-in and rating) for group `group_id` of guild
/// `guild_id`; `None` when the guild has no such group. For tests only: reports are made
/// by [`report_of`], which never loads raw rows.
#[cfg(test)]
pub async fn load_input(
    db: &db::Db,
    curriculum: &Curriculum,
    guild_id: u64,
    group_id: i64,
    now: DateTime<Utc>,
) -> Result<Option<ReportInput>> {
    match db::reports::load_rows(db, guild_id, group_id).await? {
        Some(rows) => Ok(Some(input_of(rows, curriculum, now)?)),
        None => Ok(None),
    }
}

/// Why a report could not be made for the CLI or the bot.
#[derive(Debug, thiserror::Error)]
pub enum ReportFailure {
    #[error("no study group with id {0}")]
    NoGroup(i64),
    #[error(transparent)]
    Range(#[from] report::ReportError),
    #[error(transparent)]
    Failed(#[from] Error),
}

impl From<db::Error> for ReportFailure {
    fn from(e: db::Error) -> Self {
        ReportFailure::Failed(e.into())
    }
}

/// The report of group `group_id` of guild `guild_id` over `[from, to]`, from the figures the
/// database aggregates.
pub async fn report_of(
    db: &db::Db,
    curriculum: &Curriculum,
    guild_id: u64,
    group_id: i64,
    from: Option<u32>,
    to: Option<u32>,
    now: DateTime<Utc>,
) -> std::result::Result<Report, ReportFailure> {
    let (view, path, r) = view_and_range(db, curriculum, guild_id, group_id, from, to, now).await?;
    let scope = view.group.scope();
    let mut agg = db::reports::aggregates(db, guild_id, group_id, r).await?;
    // Reflective prompts are not rated; ratings stored for them before they were marked so
    // never count as a hard topic.
    let reflective = report::reflective_questions(path);
    agg.topics.retain(|t| !reflective.contains(&(t.week, t.question)));
    let away = away_weeks(&view, &db::members::away(db, guild_id, group_id, None).await?);
    // Streaks (and their freezes) count from week 1, whatever the range's start.
    let h = report::history_range(r);
    let streaks = if h == r {
        report::member_streaks(&view, now, h, &agg, &away)
    } else {
        report::member_streaks(&view, now, h, &db::reports::aggregates(db, guild_id, group_id, h).await?, &away)
    };
    let mut report = report::build_from(&view, &report::week_questions(path), now, r, &agg, &away, &streaks);
    report::number_topics(&mut report.hardest, path);
    report.changes = db::groups::changes(db, scope, CHANGES_IN_REPORT).await?;
    let reviews = db::reports::forgotten_reviews(db, guild_id, group_id, r.to).await?;
    report.forgotten = report::forgotten_topics(&reviews, path);
    report::add_interest(&mut report, &view, &db::events::interest(db, scope).await?);
    report.buddies_met = db::buddies::latest_round_met(db, scope).await?.map(|(week, pairs, met)| report::BuddiesMet {
        week,
        met,
        pairs,
    });
    Ok(report)
}

/// A group's calendar view, its path and the weeks a report over `[from, to]` covers.
async fn view_and_range<'c>(
    db: &db::Db,
    curriculum: &'c Curriculum,
    guild_id: u64,
    group_id: i64,
    from: Option<u32>,
    to: Option<u32>,
    now: DateTime<Utc>,
) -> std::result::Result<(GroupView, &'c crate::curriculum::PathFile, report::Range), ReportFailure> {
    let (group, calendar) =
        db::reports::group(db, guild_id, group_id).await?.ok_or(ReportFailure::NoGroup(group_id))?;
    let path = curriculum.path(&group.path_id).ok_or_else(|| Error::missing_path(&group))?;
    let missed = db::groups::missed(db, group.scope()).await?;
    let view = GroupView { group, calendar, total_weeks: path.len_weeks(), missed };
    let r = report::range(&view, now, from, to)?;
    Ok((view, path, r))
}

/// A server's overview: each group summarized from its report over its latest held weeks
/// (enough for a rate and a trend), by name.
pub async fn overview_of(
    core: &Core,
    guild_id: u64,
    now: DateTime<Utc>,
) -> Result<Vec<(GroupView, Option<Report>, GroupOverview)>> {
    let (db, curriculum) = (&core.db, &*core.curriculum);
    let mut out = Vec::new();
    for group in db::groups::list(db, guild_id).await? {
        if curriculum.path(&group.path_id).is_none() {
            tracing::warn!(group = group.id, "overview: the group's path is not in the curriculum");
            continue;
        }
        let view = super::groups::view_of(core, group).await?;
        let mut held = view.weeks_held(now);
        held.sort_unstable();
        let span = 2 * report::overview::RATE_WEEKS + 1;
        let from = held.len().checked_sub(span).map(|i| held[i]).or(held.first().copied());
        let report = match from {
            None => None,
            Some(from) => match report_of(db, curriculum, guild_id, view.group.id, Some(from), None, now).await {
                Ok(r) => Some(r),
                Err(ReportFailure::Range(_)) | Err(ReportFailure::NoGroup(_)) => None,
                Err(ReportFailure::Failed(e)) => return Err(e),
            },
        };
        let last_post = db::posts::last_week_post(db, view.group.scope()).await?;
        let events_error = db::events::settings(db, view.group.scope()).await?.and_then(|e| e.error);
        let line = report::overview::summarize(&view, report.as_ref(), last_post, events_error, now);
        out.push((view, report, line));
    }
    Ok(out)
}

/// A server's weekly digest: the overview, plus the hardest topics of each group's latest
/// held week.
pub async fn digest_of(core: &Core, guild_id: u64, now: DateTime<Utc>) -> Result<Digest> {
    let (db, curriculum) = (&core.db, &*core.curriculum);
    let mut groups = Vec::new();
    let mut hardest = Vec::new();
    let mut forgotten = Vec::new();
    for (view, report, line) in overview_of(core, guild_id, now).await? {
        if let Some(r) = report {
            forgotten.push((view.group.name.clone(), r.forgotten.clone()));
            let latest = Some(r.latest_held_week);
            match report_of(db, curriculum, guild_id, view.group.id, latest, latest, now).await {
                Ok(week) => hardest.push((view.group.name.clone(), week.hardest)),
                Err(ReportFailure::Failed(e)) => return Err(e),
                Err(_) => {}
            }
        }
        groups.push(line);
    }
    Ok(Digest {
        groups,
        hardest: report::overview::hardest_across(hardest),
        forgotten: report::overview::forgotten_across(forgotten),
    })
}

/// The curriculum weeks each member is away for.
pub fn away_weeks(view: &GroupView, away: &[db::members::Away]) -> report::AwayWeeks {
    let mut out = report::AwayWeeks::new();
    for a in away {
        let weeks = crate::weeks::weeks_between(view.schedule(), &view.calendar, view.total_weeks, a.from, a.to);
        out.entry(a.user_id).or_default().extend(weeks);
    }
    out
}

/// Why the raw check-ins CSV could not be written.
#[derive(Debug, thiserror::Error)]
pub enum CsvFailure {
    #[error(transparent)]
    Db(#[from] db::Error),
    #[error("cannot write the check-ins CSV: {0}")]
    Write(#[from] csv::Error),
}

/// What the raw check-ins CSV of a group covers: its weeks, and its members' names in the
/// report's order. Made from a report already built ([`CheckinsExport::of`]) or, for an
/// export alone, from the group's calendar and names ([`checkins_export`]), without the
/// report's aggregates.
pub struct CheckinsExport {
    group_id: i64,
    range: report::Range,
    /// The report's names and order; `None`: the group's names, read with the check-ins.
    names: Option<(HashMap<u64, String>, report::MemberOrder)>,
}

impl CheckinsExport {
    pub fn of(report: &Report) -> CheckinsExport {
        CheckinsExport {
            group_id: report.group_id,
            range: report::Range {
                from: report.from_week,
                to: report.to_week,
                latest: report.latest_held_week,
                in_progress: None,
            },
            names: Some((
                report.members.iter().map(|m| (m.user_id, m.display_name.clone())).collect(),
                report::MemberOrder::of(report),
            )),
        }
    }
}

/// The raw check-ins export of group `group_id` over `[from, to]` (as [`report_of`] would
/// choose the weeks), for the CLI: the same file the report's CSV would be, at the cost of
/// reading the rows once.
pub async fn checkins_export(
    db: &db::Db,
    curriculum: &Curriculum,
    guild_id: u64,
    group_id: i64,
    from: Option<u32>,
    to: Option<u32>,
    now: DateTime<Utc>,
) -> std::result::Result<CheckinsExport, ReportFailure> {
    let (_, _, range) = view_and_range(db, curriculum, guild_id, group_id, from, to, now).await?;
    // The names are read while the check-ins are (`write_checkins_csv`).
    Ok(CheckinsExport { group_id, range, names: None })
}

/// Streams the raw check-ins of `export`'s weeks as CSV into `out`, row by row.
pub async fn write_checkins_csv<W: std::io::Write>(
    db: &db::Db,
    guild_id: u64,
    export: &CheckinsExport,
    out: W,
) -> std::result::Result<W, CsvFailure> {
    let CheckinsExport { group_id, range, names } = export;
    // The check-ins are read from here on, while the names are.
    let pages = db::reports::checkin_pages(db, guild_id, *group_id, *range);
    let loaded;
    let (names, order) = match names {
        Some((names, order)) => (names, order),
        None => {
            let names = db::reports::member_names(db, guild_id, *group_id).await?;
            let order = report::MemberOrder::by_name(&names);
            loaded = (names, order);
            (&loaded.0, &loaded.1)
        }
    };
    let mut csv = report::CheckinsCsv::new(out)?;
    pages.each(names, order, |row| csv.row(row).map_err(CsvFailure::Write)).await?;
    csv.finish().map_err(|e| CsvFailure::Write(e.into()))
}

/// Memory that refuses to grow past `max` bytes (an attachment's limit).
struct Capped {
    buf: Vec<u8>,
    max: usize,
}

impl std::io::Write for Capped {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        if self.buf.len() + bytes.len() > self.max {
            return Err(std::io::Error::other("over the attachment limit"));
        }
        self.buf.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[derive(Clone)]
pub struct ReportService {
    core: Core,
    groups: GroupService,
}

impl ReportService {
    pub fn new(core: Core, groups: GroupService) -> ReportService {
        ReportService { core, groups }
    }

    /// `/report participation`: the report of the group named over `[from, to]`, with its
    /// chart and CSVs (moderators only); the raw check-ins CSV only when it fits
    /// `max_attachment` bytes (the interaction's `attachment_size_limit`).
    pub async fn participation(
        &self,
        actor: &Actor,
        group: Option<&str>,
        from: Option<u32>,
        to: Option<u32>,
        max_attachment: usize,
    ) -> Result<Participation> {
        if !actor.moderator {
            return Err(UserError::NotModerator.into());
        }
        let report = self.participation_report(actor, group, from, to).await?;
        let (db, guild) = (&self.core.db, actor.guild_id);
        let chart_png = report::chart_png(&report).map_err(|e| Error::internal(format!("chart: {e}")))?;
        let members_csv = report::members_csv(&report).into_bytes();
        let checkins_csv = match write_checkins_csv(
            db,
            guild,
            &CheckinsExport::of(&report),
            Capped { buf: Vec::new(), max: max_attachment },
        )
        .await
        {
            Ok(capped) => Some(capped.buf),
            // Only the cap can fail a write to memory.
            Err(CsvFailure::Write(_)) => None,
            Err(CsvFailure::Db(e)) => return Err(e.into()),
        };
        let forgotten_csv = (!report.forgotten.is_empty()).then(|| report::forgotten_csv(&report).into_bytes());
        Ok(Participation { report, chart_png, members_csv, checkins_csv, forgotten_csv })
    }

    /// `/report participation format:html`: the report alone (moderators only), for a page
    /// that the edge renders.
    pub async fn participation_report(
        &self,
        actor: &Actor,
        group: Option<&str>,
        from: Option<u32>,
        to: Option<u32>,
    ) -> Result<Report> {
        if !actor.moderator {
            return Err(UserError::NotModerator.into());
        }
        let view = self.groups.resolve(actor, group).await?;
        let (db, guild) = (&self.core.db, actor.guild_id);
        match report_of(db, &self.core.curriculum, guild, view.group.id, from, to, self.core.now()).await {
            Ok(r) => Ok(r),
            Err(ReportFailure::NoGroup(_)) => Err(UserError::GroupGone.into()),
            Err(ReportFailure::Range(e)) => Err(UserError::Report(e).into()),
            Err(ReportFailure::Failed(e)) => Err(e),
        }
    }

    /// `/report overview`: every group of the actor's server in one view (moderators only).
    /// The overview's lines alone (moderators), for a web page: every group of the server,
    /// none when there is none.
    pub async fn overview_groups(&self, actor: &Actor) -> Result<Vec<GroupOverview>> {
        if !actor.moderator {
            return Err(UserError::NotModerator.into());
        }
        let lines = overview_of(&self.core, actor.guild_id, self.core.now()).await?;
        Ok(lines.into_iter().map(|(_, _, line)| line).collect())
    }

    pub async fn overview(&self, actor: &Actor) -> Result<Overview> {
        if !actor.moderator {
            return Err(UserError::NotModerator.into());
        }
        let mut groups: Vec<GroupOverview> = Vec::new();
        let mut forgotten = Vec::new();
        for (view, report, line) in overview_of(&self.core, actor.guild_id, self.core.now()).await? {
            if let Some(r) = report {
                forgotten.push((view.group.name.clone(), r.forgotten));
            }
            groups.push(line);
        }
        let forgotten = report::overview::forgotten_across(forgotten);
        if groups.is_empty() {
            return Err(UserError::NoGroups.into());
        }
        let chart_png = report::overview_png("All study groups", &groups)
            .map_err(|e| Error::internal(format!("overview chart: {e}")))?;
        Ok(Overview { groups, forgotten, chart_png })
    }
}
