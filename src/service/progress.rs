//! A member's progress: per group, weeks checked in, streaks, hours, confidence and the
//! weakest self-assessed weeks; and, for moderators, a member's history across groups.

use super::{Core, GroupService};
use crate::db;
use crate::error::{Result, UserError};
use crate::model::{Actor, Checkin, GroupView};
use crate::progress::{self, Progress};

/// Progress in one group, with the titles of the weakest weeks.
#[derive(Debug, Clone)]
pub struct GroupProgress {
    pub group_name: String,
    pub progress: Progress,
    /// (week, title, average rating), lowest first.
    pub weakest: Vec<(u32, String, f64)>,
    /// Finished weeks since the member joined without a check-in, latest last (at most
    /// [`CATCH_UP`]), with where to read them.
    pub catch_up: Vec<CatchUp>,
    /// Earlier weeks to catch up on beyond those in `catch_up`.
    pub catch_up_more: usize,
    /// Spaced review of the group's path.
    pub review: crate::model::ReviewStats,
}

/// At most this many weeks are offered to catch up on.
pub const CATCH_UP: usize = 5;

/// A week to catch up on: its post in the group's channel and its discussion thread, when
/// they exist.
#[derive(Debug, Clone, PartialEq)]
pub struct CatchUp {
    pub week: u32,
    pub title: String,
    /// `https://discord.com/channels/...` of the weekly post.
    pub post: Option<String>,
    pub thread: Option<u64>,
}

/// A member's progress in every group they belong to, and their check-ins, newest first.
#[derive(Debug, Clone)]
pub struct MemberHistory {
    pub groups: Vec<GroupProgress>,
    pub checkins: Vec<(String, Checkin)>,
}

#[derive(Clone)]
pub struct ProgressService {
    core: Core,
    groups: GroupService,
}

impl ProgressService {
    pub fn new(core: Core, groups: GroupService) -> ProgressService {
        ProgressService { core, groups }
    }

    /// `/progress`: the actor's own progress, or another member's (moderators only), in the
    /// group named or in every group the member belongs to. Empty: no group yet.
    pub async fn of_member(
        &self,
        actor: &Actor,
        member: Option<u64>,
        group: Option<&str>,
    ) -> Result<Vec<GroupProgress>> {
        let user_id = match member {
            Some(m) if m != actor.user_id => {
                if !actor.moderator {
                    return Err(UserError::NotModerator.into());
                }
                m
            }
            _ => actor.user_id,
        };
        let views = match group {
            Some(g) => vec![self.groups.resolve(actor, Some(g)).await?],
            None => self.member_groups(actor.guild_id, user_id).await?,
        };
        let mut out = Vec::new();
        for view in views.iter().take(crate::limits::EMBEDS) {
            out.push(self.in_group(actor.guild_id, user_id, view).await?.0);
        }
        Ok(out)
    }

    /// `/report member`: a member's progress and check-ins across this server's groups.
    pub async fn history(&self, actor: &Actor, user_id: u64) -> Result<MemberHistory> {
        if !actor.moderator {
            return Err(UserError::NotModerator.into());
        }
        let mut history = MemberHistory { groups: Vec::new(), checkins: Vec::new() };
        for view in self.member_groups(actor.guild_id, user_id).await? {
            let (progress, checkins) = self.in_group(actor.guild_id, user_id, &view).await?;
            history.groups.push(progress);
            history.checkins.extend(checkins.into_iter().rev().map(|c| (view.group.name.clone(), c)));
        }
        Ok(history)
    }

    async fn member_groups(&self, guild_id: u64, user_id: u64) -> Result<Vec<GroupView>> {
        let mut views = Vec::new();
        for id in db::members::member_groups(&self.core.db, guild_id, user_id).await? {
            views.push(self.groups.by_id(guild_id, id).await?);
        }
        Ok(views)
    }

    async fn in_group(&self, guild_id: u64, user_id: u64, view: &GroupView) -> Result<(GroupProgress, Vec<Checkin>)> {
        let joined = db::members::joined_week(&self.core.db, guild_id, view.group.id, user_id).await?;
        let away = db::members::away(&self.core.db, guild_id, view.group.id, Some(user_id)).await?;
        let away = super::reports::away_weeks(view, &away).remove(&user_id).unwrap_or_default();
        let checkins = db::members::checkins(&self.core.db, guild_id, view.group.id, user_id).await?;
        // Fair to late joiners: the weeks since they joined; away weeks without a check-in
        // and weeks the bot missed are not theirs to keep (no streak break).
        let weeks: Vec<(u32, bool)> = view
            .weeks_happened(self.core.now())
            .into_iter()
            .filter(|(w, _)| joined.is_none_or(|j| *w >= j) || checkins.iter().any(|c| c.week == *w))
            .collect();
        let entries = progress::entries(&weeks, &checkins, &away);
        let held = progress::held(&entries);
        let ratings = db::members::ratings(&self.core.db, guild_id, view.group.id, user_id).await?;
        let p = progress::compute(&entries, &checkins, &ratings);
        let path = self.core.path_of(view)?;
        let title = |w: u32| path.week(w).map(|x| x.title.clone()).unwrap_or_default();
        let weakest = p.weakest.iter().map(|(w, avg)| (*w, title(*w), *avg)).collect();
        let to_catch_up = progress::to_catch_up(&held, &checkins, CATCH_UP);
        let catch_up_more = progress::missed_finished(&held, &checkins).len().saturating_sub(to_catch_up.len());
        let catch_up = if to_catch_up.is_empty() {
            Vec::new()
        } else {
            let links = db::posts::week_links(&self.core.db, view.group.scope()).await?;
            to_catch_up
                .into_iter()
                .map(|week| {
                    let link = links.iter().find(|(w, _, _)| *w == week);
                    CatchUp {
                        week,
                        title: title(week),
                        post: link.map(|(_, m, _)| {
                            format!("https://discord.com/channels/{guild_id}/{}/{m}", view.group.channel_id)
                        }),
                        thread: link.and_then(|(_, _, t)| *t),
                    }
                })
                .collect()
        };
        let review = db::review::stats(&self.core.db, guild_id, user_id, &view.group.path_id, self.core.now()).await?;
        Ok((
            GroupProgress {
                group_name: view.group.name.clone(),
                progress: p,
                weakest,
                catch_up,
                catch_up_more,
                review,
            },
            checkins,
        ))
    }
}
