//! Participation reports: load a group's rows, build the report, and produce its exports
//! within Discord's upload limit.

use super::{Core, GroupService};
use crate::curriculum::Curriculum;
use crate::db::{self, reports::ReportRows};
use crate::error::{Error, Result, UserError};
use crate::model::{Actor, GroupView};
use crate::report::{self, Report, ReportInput};
use chrono::{DateTime, Utc};

/// Largest attachment sent (Discord's default upload limit is 10 MiB per message).
pub const MAX_ATTACHMENT: usize = 8 * 1024 * 1024;

/// A report with its exports, ready to attach.
#[derive(Debug, Clone)]
pub struct Participation {
    pub report: Report,
    pub chart_png: Vec<u8>,
    pub members_csv: Vec<u8>,
    /// `None` when the raw check-ins CSV is over [`MAX_ATTACHMENT`] (the CLI has no limit).
    pub checkins_csv: Option<Vec<u8>>,
}

/// Completes a group's stored rows into a report input (path length and questions).
pub fn input_of(rows: ReportRows, curriculum: &Curriculum, now: DateTime<Utc>) -> Result<ReportInput> {
    let group = rows.group;
    let path = curriculum.path(&group.path_id).ok_or_else(|| Error::missing_path(&group))?;
    Ok(ReportInput {
        questions: report::week_questions(path),
        group: GroupView { group, breaks: rows.breaks, total_weeks: path.len_weeks() },
        members: rows.members,
        checkins: rows.checkins,
        ratings: rows.ratings,
        now,
    })
}

/// Loads a report's input for group `group_id` of guild `guild_id`; `None` when the guild
/// has no such group. Then call [`report::build`].
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
    /// chart and CSVs (moderators only).
    pub async fn participation(
        &self,
        actor: &Actor,
        group: Option<&str>,
        from: Option<u32>,
        to: Option<u32>,
    ) -> Result<Participation> {
        if !actor.moderator {
            return Err(UserError::NotModerator.into());
        }
        let view = self.groups.resolve(actor, group).await?;
        let input = load_input(&self.core.db, &self.core.curriculum, actor.guild_id, view.group.id, self.core.now())
            .await?
            .ok_or(UserError::GroupGone)?;
        let report = report::build(&input, from, to).map_err(UserError::Report)?;
        let chart_png = report::chart_png(&report).map_err(|e| Error::internal(format!("chart: {e}")))?;
        let members_csv = report::members_csv(&report).into_bytes();
        let raw = report::checkins_csv(&report).into_bytes();
        let checkins_csv = (raw.len() <= MAX_ATTACHMENT).then_some(raw);
        Ok(Participation { report, chart_png, members_csv, checkins_csv })
    }
}
