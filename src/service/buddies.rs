//! Study buddies' use cases (`/buddy ...`, `/group buddies ...`): opting in and out, pausing,
//! one's status, the confidential avoid list; moderators turn a group's rounds on or off. The
//! rounds themselves (matching, private threads, check-backs) are the scheduler's.

use super::{CheckinService, Core, GroupService};
use crate::buddies;
use crate::db;
pub use crate::db::buddies::{BuddyMember, BuddySettings};
use crate::error::{Result, UserError};
use crate::model::{Actor, GroupView};
use chrono::{DateTime, Duration, NaiveDate, Utc};

/// A round is made at most this long after its session started (the scheduler's rule too).
pub const ROUND_LATE: Duration = Duration::hours(24);

/// A member's buddy status in a group.
#[derive(Debug, Clone)]
pub struct BuddyStatus {
    pub view: GroupView,
    /// The group's rounds (none: off).
    pub settings: Option<BuddySettings>,
    /// Their opt-in (none: not in).
    pub member: Option<BuddyMember>,
    /// When the next round comes, if the group has one ahead.
    pub next_round: Option<DateTime<Utc>>,
    /// Rounds they were in, and their latest buddies (others only) and thread.
    pub rounds: u32,
    pub partners: Vec<u64>,
    pub thread: Option<u64>,
}

/// What a check-back answer (or `/buddy rematch`) did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answered {
    Met,
    NotYet,
    /// "Partner unreachable": `others` are asked in the thread to say they are there by
    /// `confirm_by`.
    Asked {
        others: Vec<u64>,
        confirm_by: DateTime<Utc>,
    },
}

/// The buddy use cases; cheap to clone.
#[derive(Clone)]
pub struct BuddyService {
    core: Core,
    groups: GroupService,
    checkins: CheckinService,
}

impl BuddyService {
    pub fn new(core: Core, groups: GroupService, checkins: CheckinService) -> BuddyService {
        BuddyService { core, groups, checkins }
    }

    async fn status_of(&self, view: GroupView, user_id: u64) -> Result<BuddyStatus> {
        let db = &self.core.db;
        let scope = view.group.scope();
        let settings = db::buddies::settings(db, scope).await?;
        let member = db::buddies::member(db, scope, user_id).await?;
        let next_round = match settings {
            Some(s) => {
                let path = self.core.path_of(&view)?;
                let upcoming = crate::calendar::upcoming(&view, path, self.core.now(), crate::calendar::MAX_SESSIONS);
                buddies::next_round(&upcoming, s.every_weeks)
            }
            None => None,
        };
        let (rounds, latest) = db::buddies::member_rounds(db, scope, user_id).await?;
        let (partners, thread) = match latest {
            Some((members, thread)) => (members.into_iter().filter(|u| *u != user_id).collect(), thread),
            None => (Vec::new(), None),
        };
        Ok(BuddyStatus { view, settings, member, next_round, rounds, partners, thread })
    }

    /// `/buddy join`: opts the member in (joining the group if needed), or resumes them.
    pub async fn join(&self, actor: &Actor, group: Option<&str>) -> Result<BuddyStatus> {
        let view = self.groups.resolve(actor, group).await?;
        if db::buddies::settings(&self.core.db, view.group.scope()).await?.is_none() {
            return Err(UserError::BuddiesOff(view.group.name.clone()).into());
        }
        self.checkins.join_view(actor, &view).await?;
        if !db::buddies::join(&self.core.db, view.group.scope(), actor.user_id, self.core.now()).await? {
            return Err(UserError::GroupGone.into());
        }
        self.status_of(view, actor.user_id).await
    }

    /// `/buddy leave`: opts the member out.
    pub async fn leave(&self, actor: &Actor, group: Option<&str>) -> Result<GroupView> {
        let view = self.groups.resolve(actor, group).await?;
        if !db::buddies::leave(&self.core.db, view.group.scope(), actor.user_id).await? {
            return Err(UserError::NotABuddy(view.group.name.clone()).into());
        }
        Ok(view)
    }

    /// `/buddy pause until:`: no round for the member until that local date (included).
    pub async fn pause(&self, actor: &Actor, group: Option<&str>, until: &str) -> Result<(GroupView, NaiveDate)> {
        let until = crate::weeks::parse_date(until.trim()).ok_or_else(|| UserError::NotADate(until.trim().into()))?;
        let view = self.groups.resolve(actor, group).await?;
        let today = self.core.now().with_timezone(&view.group.schedule.tz).date_naive();
        if until < today {
            return Err(UserError::PauseInThePast(until).into());
        }
        if !db::buddies::pause(&self.core.db, view.group.scope(), actor.user_id, until).await? {
            return Err(UserError::NotABuddy(view.group.name.clone()).into());
        }
        Ok((view, until))
    }

    /// `/buddy status`: the member's opt-in and the group's next round.
    pub async fn status(&self, actor: &Actor, group: Option<&str>) -> Result<BuddyStatus> {
        let view = self.groups.resolve(actor, group).await?;
        self.status_of(view, actor.user_id).await
    }

    /// `/buddy avoid member:`: never matched with `avoided` in this server. Confidential: the
    /// reply goes to the member only, nobody else is ever told.
    pub async fn avoid(&self, actor: &Actor, avoided: u64) -> Result<bool> {
        if avoided == actor.user_id {
            return Err(UserError::AvoidSelf.into());
        }
        // The avoid list belongs to a stored member of the server.
        db::members::ensure_member(&self.core.db, actor.guild_id, actor.user_id, &actor.display_name, self.core.now())
            .await?;
        Ok(db::buddies::avoid(&self.core.db, actor.guild_id, actor.user_id, avoided).await?)
    }

    /// A check-back button: the member's answer for their pair. Only a member of that pair, in
    /// that pair's server, may answer (a forged button changes nothing). "We met" settles a
    /// waiting "partner unreachable"; "partner unreachable" asks the others (see
    /// [`BuddyService::rematch`]).
    pub async fn answer(&self, actor: &Actor, pair_id: i64, answer: buddies::Answer) -> Result<Answered> {
        let db = &self.core.db;
        let members = self.pair_members(actor, pair_id).await?;
        match answer {
            buddies::Answer::Unreachable => self.report(actor, pair_id, &members).await,
            buddies::Answer::Met | buddies::Answer::NotYet => {
                let met = answer == buddies::Answer::Met;
                db::buddies::answer(db, actor.guild_id, pair_id, actor.user_id, met, self.core.now()).await?;
                if met {
                    db::buddies::report_answered(db, pair_id, None).await?;
                    return Ok(Answered::Met);
                }
                Ok(Answered::NotYet)
            }
        }
    }

    /// The members of pair `pair_id` when the actor is one of them, in this server.
    async fn pair_members(&self, actor: &Actor, pair_id: i64) -> Result<Vec<u64>> {
        match db::buddies::pair_in_guild(&self.core.db, actor.guild_id, pair_id).await? {
            Some((_, members)) if members.contains(&actor.user_id) => Ok(members),
            _ => Err(UserError::NotYourPair.into()),
        }
    }

    /// `/buddy rematch`: the member cannot reach their buddy of the round in progress. The
    /// others are asked in the thread to say they are there within
    /// [`buddies::CONFIRM_HOURS`]; without a word, the member gets a new buddy for the rest of
    /// the round if anyone is free (the scheduler's `buddy_rematches` job).
    pub async fn rematch(&self, actor: &Actor, group: Option<&str>) -> Result<Answered> {
        let view = self.groups.resolve(actor, group).await?;
        let Some((pair, members)) = db::buddies::current_pair(&self.core.db, view.group.scope(), actor.user_id).await?
        else {
            return Err(UserError::NoBuddyThisRound(view.group.name.clone()).into());
        };
        self.report(actor, pair, &members).await
    }

    async fn report(&self, actor: &Actor, pair_id: i64, members: &[u64]) -> Result<Answered> {
        let (db, now) = (&self.core.db, self.core.now());
        if !db::buddies::pair_is_current(db, pair_id).await? {
            return Err(UserError::RoundOver.into());
        }
        let confirm_by = now + Duration::hours(buddies::CONFIRM_HOURS);
        if !db::buddies::report(db, actor.guild_id, pair_id, actor.user_id, now, confirm_by).await? {
            return Err(match db::buddies::report_of(db, pair_id).await? {
                Some(r) if r.outcome == "waiting" => {
                    UserError::ReportWaiting(r.confirm_by.unwrap_or(confirm_by).timestamp()).into()
                }
                _ => UserError::ReportSettled.into(),
            });
        }
        // A word from the member: not a silent round.
        db::buddies::spoke(db, actor.guild_id, pair_id, actor.user_id, now).await?;
        let others = members.iter().copied().filter(|u| *u != actor.user_id).collect();
        Ok(Answered::Asked { others, confirm_by })
    }

    /// "I'm here": a member answers their buddy's "partner unreachable" in time; nobody is
    /// rematched. The reporter, to tell.
    pub async fn here(&self, actor: &Actor, pair_id: i64) -> Result<u64> {
        let (db, now) = (&self.core.db, self.core.now());
        self.pair_members(actor, pair_id).await?;
        let Some(report) = db::buddies::report_of(db, pair_id).await? else {
            return Err(UserError::ReportSettled.into());
        };
        if report.reporter == actor.user_id {
            return Err(UserError::HereNotYou.into());
        }
        if !db::buddies::report_answered(db, pair_id, Some(now)).await? {
            match report.outcome.as_str() {
                "here" => {}
                "waiting" => return Err(UserError::HereLate.into()),
                _ => return Err(UserError::ReportSettled.into()),
            }
        }
        db::buddies::spoke(db, actor.guild_id, pair_id, actor.user_id, now).await?;
        Ok(report.reporter)
    }

    /// `/group buddies on`: rounds for a group (moderators).
    pub async fn turn_on(&self, actor: &Actor, group: Option<&str>, s: BuddySettings) -> Result<BuddyStatus> {
        if !actor.moderator {
            return Err(UserError::NotModerator.into());
        }
        let view = self.groups.resolve(actor, group).await?;
        db::buddies::turn_on(&self.core.db, view.group.scope(), s, self.core.now()).await?;
        self.status_of(view, actor.user_id).await
    }

    /// `/group buddies now`: a round for the session in progress, even off the cadence
    /// (moderators): its week.
    pub async fn now(&self, actor: &Actor, group: Option<&str>) -> Result<(GroupView, u32)> {
        if !actor.moderator {
            return Err(UserError::NotModerator.into());
        }
        let view = self.groups.resolve(actor, group).await?;
        let (db, now) = (&self.core.db, self.core.now());
        if db::buddies::settings(db, view.group.scope()).await?.is_none() {
            return Err(UserError::BuddiesOff(view.group.name.clone()).into());
        }
        let schedule = view.schedule();
        let session = schedule.latest_started(now).filter(|k| now - schedule.instant(*k) <= ROUND_LATE);
        let held = session.and_then(|k| match crate::weeks::session(k, &view.calendar, view.total_weeks) {
            crate::weeks::Session::Week(w) => Some((k, w)),
            _ => None,
        });
        let Some((k, week)) = held else {
            return Err(UserError::NoSessionForRound(view.group.name.clone()).into());
        };
        if db::buddies::round_made(db, view.group.scope(), k).await? {
            return Err(UserError::RoundMade { group: view.group.name.clone(), week }.into());
        }
        db::buddies::force(db, view.group.scope(), k, now).await?;
        Ok((view, week))
    }

    /// `/group buddies off`: no more rounds (members stay opted in).
    pub async fn turn_off(&self, actor: &Actor, group: Option<&str>) -> Result<GroupView> {
        if !actor.moderator {
            return Err(UserError::NotModerator.into());
        }
        let view = self.groups.resolve(actor, group).await?;
        if !db::buddies::turn_off(&self.core.db, view.group.scope()).await? {
            return Err(UserError::BuddiesOff(view.group.name.clone()).into());
        }
        Ok(view)
    }
}
