//! Check-ins and self-assessment: which week a member means, validating what they report,
//! storing it, their reminder setting, and forgetting them.

use super::{Core, GroupService};
use crate::db::{
    self,
    members::{Author, Stored},
};
use crate::error::{Result, UserError};
use crate::model::{Actor, Checkin, CheckinEntry, CheckinStatus, GroupView, Rating, Standing};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub const MAX_NOTE: usize = 500;
pub const MAX_HOURS: f64 = 100.0;

/// Validates the values of a check-in (from the command or the form), listing every problem.
pub fn validate(
    status: CheckinStatus,
    hours: f64,
    confidence: i64,
    note: Option<&str>,
) -> std::result::Result<CheckinEntry, Vec<String>> {
    let mut problems = Vec::new();
    if !hours.is_finite() || !(0.0..=MAX_HOURS).contains(&hours) {
        problems.push(format!("Hours must be a number from 0 to {MAX_HOURS}."));
    }
    if !(1..=5).contains(&confidence) {
        problems.push("Confidence must be a whole number from 1 to 5.".to_string());
    }
    let note = note.map(str::trim).filter(|n| !n.is_empty()).map(str::to_string);
    if let Some(n) = &note {
        let len = n.chars().count();
        if len > MAX_NOTE {
            problems.push(format!("The note is {len} characters long; the limit is {MAX_NOTE}."));
        }
    }
    if problems.is_empty() {
        Ok(CheckinEntry { status, hours: (hours * 100.0).round() / 100.0, confidence: confidence as u8, note })
    } else {
        Err(problems)
    }
}

/// The text fields of the check-in form, as typed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CheckinForm {
    pub status: String,
    pub hours: String,
    pub confidence: String,
    pub note: String,
}

impl CheckinForm {
    /// Parses and validates the form, listing every problem in one message.
    pub fn parse(&self) -> std::result::Result<CheckinEntry, Vec<String>> {
        let st = CheckinStatus::from_typed(&self.status);
        let h = self.hours.trim().replace(',', ".").parse::<f64>().ok();
        let c = self.confidence.trim().parse::<i64>().ok();
        let mut problems = Vec::new();
        if st.is_none() {
            problems.push(format!("Status `{}` is not one of done, partial, no time.", self.status.trim()));
        }
        if h.is_none() {
            problems.push(format!("Hours `{}` is not a number (e.g. 4 or 2.5).", self.hours.trim()));
        }
        if c.is_none() {
            problems.push(format!("Confidence `{}` is not a whole number from 1 to 5.", self.confidence.trim()));
        }
        match (st, h, c) {
            (Some(st), Some(h), Some(c)) => validate(st, h, c, Some(&self.note)),
            _ => {
                // Report range problems of the parsable values too, in one message.
                if let Err(more) = validate(CheckinStatus::Done, h.unwrap_or(0.0), c.unwrap_or(3), Some(&self.note)) {
                    problems.extend(more);
                }
                Err(problems)
            }
        }
    }

    /// The form filled with a stored check-in (or the defaults for a first one).
    pub fn of(existing: Option<&Checkin>) -> CheckinForm {
        match existing {
            Some(e) => CheckinForm {
                status: e.status.label().to_string(),
                hours: e.hours.to_string(),
                confidence: e.confidence.to_string(),
                note: e.note.clone().unwrap_or_default(),
            },
            None => CheckinForm { status: CheckinStatus::Done.label().to_string(), ..Default::default() },
        }
    }
}

/// The week a check-in or rating is for: the requested one, or the current one. Future
/// weeks, groups that have not started and finished groups are refused with a reason.
pub fn target_week(view: &GroupView, requested: Option<u32>, now: DateTime<Utc>) -> Result<u32> {
    let group = view.group.name.clone();
    let current = match view.standing(now) {
        Standing::Finished { total } => return Err(UserError::NoMoreCheckins { group, total }.into()),
        Standing::NotStarted { first } => return Err(UserError::GroupNotStarted { group, first }.into()),
        s => s.current_week(),
    };
    let Some(current) = current else {
        return Err(UserError::NoWeekHeld(group).into());
    };
    match requested {
        None => Ok(current),
        Some(0) => Err(UserError::WeekZero.into()),
        Some(week) if week > current => Err(UserError::FutureWeek { group, week, current }.into()),
        Some(w) => Ok(w),
    }
}

/// Checklist skills shown per page (one row of rating buttons each, plus a row to page).
pub const SKILLS_PER_PAGE: usize = 4;

/// A page of a path's end-of-path skills checklist, with the member's ratings.
#[derive(Debug, Clone)]
pub struct SkillsPage {
    pub group_id: i64,
    pub page: u8,
    pub pages: u8,
    /// (skill number from 0, area, skill) on this page.
    pub items: Vec<(u8, String, String)>,
    /// The member's ratings: (skill, rating).
    pub mine: Vec<(u8, u8)>,
}

/// The longest away period, in weeks.
pub const MAX_AWAY_WEEKS: u32 = 26;

/// A stored check-in.
#[derive(Debug, Clone)]
pub struct CheckedIn {
    pub view: GroupView,
    pub week: u32,
    pub entry: CheckinEntry,
    /// True when an earlier check-in for the same week was replaced.
    pub updated: bool,
}

/// The check-in form to open: the group, the week and the member's current values.
#[derive(Debug, Clone)]
pub struct OpenForm {
    pub group_id: i64,
    pub week: u32,
    pub form: CheckinForm,
}

/// A week's self-assessment: its questions and the member's ratings so far.
#[derive(Debug, Clone)]
pub struct Assessment {
    pub group_id: i64,
    pub week: u32,
    pub title: String,
    /// The curriculum week: its questions, which of them are rated.
    pub item: crate::curriculum::Week,
    pub mine: Vec<Rating>,
}

impl Assessment {
    /// The member's rating of question `q` (from 0), if any.
    pub fn rating_of(&self, q: usize) -> Option<u8> {
        self.mine.iter().find(|r| usize::from(r.question) == q).map(|r| r.rating)
    }
}

/// How long a refused form is kept for "Fix my check-in".
pub const DRAFT_LIFETIME: Duration = Duration::hours(1);
/// At most this many refused forms are kept (the oldest go first).
const MAX_DRAFTS: usize = 10_000;

/// Check-in forms refused for a mistake, as typed, so the form re-opens with everything the
/// member wrote. Kept in memory: a guild's interactions reach the process that runs its shard.
#[derive(Clone, Default)]
struct Drafts(Arc<Mutex<HashMap<DraftKey, Draft>>>);

/// (guild, user, group, week)
type DraftKey = (u64, u64, i64, u32);
/// The form as typed and when it was refused.
type Draft = (CheckinForm, DateTime<Utc>);

impl Drafts {
    fn keep(&self, key: DraftKey, form: &CheckinForm, now: DateTime<Utc>) {
        let mut all = self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        all.retain(|_, (_, at)| now - *at < DRAFT_LIFETIME);
        if all.len() >= MAX_DRAFTS
            && let Some(oldest) = all.iter().min_by_key(|(_, (_, at))| *at).map(|(k, _)| *k)
        {
            all.remove(&oldest);
        }
        all.insert(key, (form.clone(), now));
    }

    fn get(&self, key: DraftKey, now: DateTime<Utc>) -> Option<CheckinForm> {
        let all = self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        all.get(&key).filter(|(_, at)| now - *at < DRAFT_LIFETIME).map(|(f, _)| f.clone())
    }

    fn discard(&self, key: DraftKey) {
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).remove(&key);
    }

    /// Drops every draft of a member (`/forget-me`: nothing they typed is kept).
    fn forget(&self, guild_id: u64, user_id: u64) {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .retain(|(g, u, _, _), _| (*g, *u) != (guild_id, user_id));
    }
}

#[derive(Clone)]
pub struct CheckinService {
    core: Core,
    groups: GroupService,
    drafts: Drafts,
}

fn author(actor: &Actor, group_id: i64) -> Author<'_> {
    Author { guild_id: actor.guild_id, group_id, user_id: actor.user_id, display_name: &actor.display_name }
}

impl CheckinService {
    pub fn new(core: Core, groups: GroupService) -> CheckinService {
        CheckinService { core, groups, drafts: Drafts::default() }
    }

    /// Who checks in from a reminder DM's button (a DM carries no server): a member of group
    /// `group_id`, in its server; refused for anyone else.
    pub async fn dm_actor(&self, user_id: u64, display_name: String, group_id: i64) -> Result<Actor> {
        match db::members::membership_guild(&self.core.db, group_id, user_id).await? {
            Some(guild_id) => Ok(Actor { guild_id, user_id, display_name, moderator: false, manages_server: false }),
            None => Err(UserError::NotInGroupFromDm.into()),
        }
    }

    /// `/checkin`: the group named (or the member's only one), the week requested (or the current).
    pub async fn check_in(
        &self,
        actor: &Actor,
        group: Option<&str>,
        week: Option<u32>,
        entry: CheckinEntry,
    ) -> Result<CheckedIn> {
        let view = self.groups.resolve(actor, group).await?;
        self.store(actor, view, week, entry).await
    }

    /// The check-in form was submitted for the group and week of its button. A form refused
    /// for a mistake is kept as typed: the next [`open_form`](Self::open_form) of that group
    /// and week (the "Fix my check-in" button) shows it again.
    pub async fn submit_form(&self, actor: &Actor, group_id: i64, week: u32, form: &CheckinForm) -> Result<CheckedIn> {
        let key = (actor.guild_id, actor.user_id, group_id, week);
        let stored = async {
            let view = self.groups.by_id(actor.guild_id, group_id).await?;
            let entry = form.parse().map_err(UserError::InvalidCheckin)?;
            self.store(actor, view, Some(week), entry).await
        }
        .await;
        match &stored {
            Ok(_) => self.drafts.discard(key),
            // Refused, or not stored: what was typed is kept for the "Fix my check-in" button.
            Err(crate::error::Error::User(_) | crate::error::Error::NotSaved { .. }) => {
                self.drafts.keep(key, form, self.core.now())
            }
            Err(_) => {}
        }
        stored
    }

    async fn store(&self, actor: &Actor, view: GroupView, week: Option<u32>, entry: CheckinEntry) -> Result<CheckedIn> {
        let now = self.core.now();
        let week = target_week(&view, week, now)?;
        let a = author(actor, view.group.id);
        let stored = self
            .as_member("check-in", &a, week, || db::members::upsert_checkin(&self.core.db, a, week, &entry, now))
            .await?;
        Ok(CheckedIn { view, week, entry, updated: stored == Stored::Replaced })
    }

    /// Runs a write of a member's (`write`: one statement), joining them to the group first
    /// unless they are known to have joined, and again if the database says they have not.
    /// A database failure is [`Error::NotSaved`](crate::error::Error::NotSaved) for `what`:
    /// the member is told it was not stored.
    async fn as_member<F, Fut>(&self, what: &'static str, a: &Author<'_>, week: u32, write: F) -> Result<Stored>
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = db::Result<Stored>>,
    {
        let not_saved = |source| crate::error::Error::NotSaved { what, source };
        self.as_member_inner(a, week, write).await.map_err(|e| match e {
            crate::error::Error::Db(source) => not_saved(source),
            other => other,
        })
    }

    async fn as_member_inner<F, Fut>(&self, a: &Author<'_>, week: u32, write: F) -> Result<Stored>
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = db::Result<Stored>>,
    {
        let now = self.core.now();
        let mut joined_now = false;
        if !self.groups.knows_member(a) {
            db::members::join(&self.core.db, *a, week, now).await?;
            joined_now = true;
        }
        let mut stored = write().await?;
        if stored == Stored::NotMember && !joined_now {
            db::members::join(&self.core.db, *a, week, now).await?;
            stored = write().await?;
        }
        match stored {
            Stored::New | Stored::Replaced => {
                self.groups.record_member(a, week);
                self.groups.joined(a.guild_id, a.user_id, a.group_id);
                Ok(stored)
            }
            Stored::NoGroup => Err(UserError::GroupGone.into()),
            Stored::NotMember => Err(crate::error::Error::internal(format!(
                "member {} still missing from guild {} after joining group {}",
                a.user_id, a.guild_id, a.group_id
            ))),
        }
    }

    /// The "Check in" button: the form to open, filled with what the member last typed and
    /// was refused (for [`DRAFT_LIFETIME`]), else with their stored check-in.
    pub async fn open_form(&self, actor: &Actor, group_id: i64, week: u32) -> Result<OpenForm> {
        let view = self.groups.by_id(actor.guild_id, group_id).await?;
        let week = target_week(&view, Some(week), self.core.now())?;
        if let Some(form) = self.drafts.get((actor.guild_id, actor.user_id, group_id, week), self.core.now()) {
            return Ok(OpenForm { group_id, week, form });
        }
        let existing = db::members::checkins(&self.core.db, actor.guild_id, group_id, actor.user_id).await?;
        let form = CheckinForm::of(existing.iter().find(|c| c.week == week));
        Ok(OpenForm { group_id, week, form })
    }

    /// `/assess`: the self-assessment of the group named and the week requested.
    pub async fn assessment(&self, actor: &Actor, group: Option<&str>, week: Option<u32>) -> Result<Assessment> {
        let view = self.groups.resolve(actor, group).await?;
        let week = target_week(&view, week, self.core.now())?;
        self.assessment_of(actor, &view, week).await
    }

    /// The "Rate yourself" button of a weekly post.
    pub async fn assessment_by_id(&self, actor: &Actor, group_id: i64, week: u32) -> Result<Assessment> {
        let view = self.groups.by_id(actor.guild_id, group_id).await?;
        let week = target_week(&view, Some(week), self.core.now())?;
        self.assessment_of(actor, &view, week).await
    }

    /// A rating button: stores the rating, returns the updated self-assessment.
    pub async fn rate(&self, actor: &Actor, group_id: i64, week: u32, question: u8, rating: u8) -> Result<Assessment> {
        let view = self.groups.by_id(actor.guild_id, group_id).await?;
        let now = self.core.now();
        let week = target_week(&view, Some(week), now)?;
        // Reflective prompts are never rated (a forged button cannot rate one either).
        let path = self.core.path_of(&view)?;
        let Some(w) = path.week(week).filter(|w| usize::from(question) < w.questions.len()) else {
            return Err(UserError::UnknownQuestion.into());
        };
        if !w.is_rated(usize::from(question)) {
            return Err(UserError::ReflectiveNotRated.into());
        }
        let a = author(actor, group_id);
        self.as_member("rating", &a, week, || db::members::set_rating(&self.core.db, a, week, question, rating, now))
            .await?;
        self.assessment_of(actor, &view, week).await
    }

    async fn assessment_of(&self, actor: &Actor, view: &GroupView, week: u32) -> Result<Assessment> {
        let path = self.core.path_of(view)?;
        let w = path.week(week).ok_or_else(|| UserError::UnknownWeek {
            path: path.path.name.clone(),
            weeks: path.len_weeks(),
            week,
        })?;
        let mine = db::members::ratings(&self.core.db, actor.guild_id, view.group.id, actor.user_id)
            .await?
            .into_iter()
            .filter(|r| r.week == week)
            .collect();
        Ok(Assessment { group_id: view.group.id, week, title: w.title.clone(), item: w.clone(), mine })
    }

    /// The skills checklist of the group's path, offered from its last week on.
    fn checklist(&self, view: &GroupView) -> Result<(Vec<(String, String)>, u32)> {
        let path = self.core.path_of(view)?;
        let all: Vec<(String, String)> = path
            .assessment
            .iter()
            .flat_map(|a| a.skills.iter().map(|s| (a.area.clone(), s.clone())))
            .take(100)
            .collect();
        if all.is_empty() {
            return Err(UserError::NoSkillsChecklist(view.group.name.clone()).into());
        }
        let last = path.len_weeks();
        let open = match view.standing(self.core.now()) {
            Standing::Finished { .. } => true,
            s => s.current_week().is_some_and(|w| w >= last),
        };
        if !open {
            return Err(UserError::SkillsNotYet { group: view.group.name.clone(), week: last }.into());
        }
        Ok((all, last))
    }

    /// A page of the skills checklist (the weekly post's button, or its page buttons).
    pub async fn skills(&self, actor: &Actor, group_id: i64, page: u8) -> Result<SkillsPage> {
        let view = self.groups.by_id(actor.guild_id, group_id).await?;
        let (all, _) = self.checklist(&view)?;
        self.skills_page(actor, &view, &all, page).await
    }

    /// A checklist rating button: stores it, returns the page it was on.
    pub async fn rate_skill(&self, actor: &Actor, group_id: i64, skill: u8, rating: u8) -> Result<SkillsPage> {
        let view = self.groups.by_id(actor.guild_id, group_id).await?;
        let (all, last) = self.checklist(&view)?;
        if usize::from(skill) >= all.len() {
            return Err(UserError::UnknownQuestion.into());
        }
        let a = author(actor, group_id);
        let now = self.core.now();
        self.as_member("skill rating", &a, last, || {
            db::members::set_skill_rating(&self.core.db, a, skill, rating, now)
        })
        .await?;
        self.skills_page(actor, &view, &all, (usize::from(skill) / SKILLS_PER_PAGE) as u8).await
    }

    async fn skills_page(
        &self,
        actor: &Actor,
        view: &GroupView,
        all: &[(String, String)],
        page: u8,
    ) -> Result<SkillsPage> {
        let pages = all.len().div_ceil(SKILLS_PER_PAGE) as u8;
        let page = page.min(pages.saturating_sub(1));
        let items = all
            .iter()
            .enumerate()
            .skip(usize::from(page) * SKILLS_PER_PAGE)
            .take(SKILLS_PER_PAGE)
            .map(|(i, (area, skill))| (i as u8, area.clone(), skill.clone()))
            .collect();
        let mine = db::members::skill_ratings(&self.core.db, actor.guild_id, view.group.id, actor.user_id).await?;
        Ok(SkillsPage { group_id: view.group.id, page, pages, items, mine })
    }

    /// `/join`: the member belongs to the group from its current week (week 1 before it
    /// starts), so its reminders reach them before their first check-in. Joining again
    /// changes nothing.
    pub async fn join(&self, actor: &Actor, group: Option<&str>) -> Result<(GroupView, u32)> {
        let view = self.groups.resolve(actor, group).await?;
        let week = self.join_view(actor, &view).await?;
        Ok((view, week))
    }

    pub(crate) async fn join_view(&self, actor: &Actor, view: &GroupView) -> Result<u32> {
        let now = self.core.now();
        let week = match view.standing(now) {
            Standing::Finished { total } => {
                return Err(UserError::NoMoreCheckins { group: view.group.name.clone(), total }.into());
            }
            Standing::NotStarted { .. } => 1,
            s => s.current_week().unwrap_or(1),
        };
        let a = Author {
            guild_id: actor.guild_id,
            group_id: view.group.id,
            user_id: actor.user_id,
            display_name: &actor.display_name,
        };
        db::members::join(&self.core.db, a, week, now).await?;
        let week = db::members::joined_week(&self.core.db, actor.guild_id, view.group.id, actor.user_id)
            .await?
            .unwrap_or(week);
        self.groups.record_member(&a, week);
        self.groups.joined(actor.guild_id, actor.user_id, view.group.id);
        Ok(week)
    }

    /// `/away set`: the member will be away from `from` to `to` (local dates, both
    /// included). Joins the group if needed. Returns the weeks it covers and, when this joined
    /// the member, the week their membership counts from.
    pub async fn set_away(
        &self,
        actor: &Actor,
        group: Option<&str>,
        from: &str,
        to: &str,
    ) -> Result<(GroupView, NaiveDate, NaiveDate, Vec<u32>, Option<u32>)> {
        let parse = |s: &str| crate::weeks::parse_date(s.trim()).ok_or_else(|| UserError::NotADate(s.to_string()));
        let (from, to) = (parse(from)?, parse(to)?);
        if to < from {
            return Err(UserError::AwayBackwards { from, to }.into());
        }
        if (to - from).num_days() >= i64::from(MAX_AWAY_WEEKS) * 7 {
            return Err(UserError::AwayTooLong { from, to, max: MAX_AWAY_WEEKS }.into());
        }
        let view = self.groups.resolve(actor, group).await?;
        let today = self.core.now().with_timezone(&view.group.schedule.tz).date_naive();
        if to < today {
            return Err(UserError::AwayInThePast { from, to }.into());
        }
        let weeks = crate::weeks::weeks_between(view.schedule(), &view.calendar, view.total_weeks, from, to);
        if weeks.is_empty() {
            return Err(UserError::AwayCoversNothing { group: view.group.name.clone(), from, to }.into());
        }
        // Someone not in the group yet is joined (said in the reply: from which week).
        let member_before =
            db::members::joined_week(&self.core.db, actor.guild_id, view.group.id, actor.user_id).await?.is_some();
        let joined = self.join_view(actor, &view).await?;
        let joined_now = (!member_before).then_some(joined);
        let a = Author {
            guild_id: actor.guild_id,
            group_id: view.group.id,
            user_id: actor.user_id,
            display_name: &actor.display_name,
        };
        if !db::members::set_away(&self.core.db, a, from, to, self.core.now()).await? {
            return Err(UserError::GroupGone.into());
        }
        Ok((view, from, to, weeks, joined_now))
    }

    /// `/away cancel`: the member's away period in the group is removed.
    pub async fn cancel_away(&self, actor: &Actor, group: Option<&str>) -> Result<GroupView> {
        let view = self.groups.resolve(actor, group).await?;
        if !db::members::clear_away(&self.core.db, actor.guild_id, view.group.id, actor.user_id).await? {
            return Err(UserError::NotAway(view.group.name.clone()).into());
        }
        Ok(view)
    }

    /// `/remind on|off`: reminder DMs for the member. Turning them on also joins the group
    /// (the one named, or the server's only one), so its reminders reach the member; the
    /// group joined is returned.
    pub async fn set_reminders(&self, actor: &Actor, on: bool, group: Option<&str>) -> Result<Option<GroupView>> {
        let now = self.core.now();
        // A refusal changes nothing: a group named must exist before the setting is stored.
        if on && group.is_some() {
            self.groups.resolve(actor, group).await?;
        }
        db::members::set_remind(&self.core.db, actor.guild_id, actor.user_id, &actor.display_name, on, now).await?;
        if !on {
            return Ok(None);
        }
        match self.join(actor, group).await {
            Ok((view, _)) => Ok(Some(view)),
            // Several groups and none named, or none at all: DMs are on; `/join` picks one.
            Err(crate::error::Error::User(_)) if group.is_none() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `/my-data`: everything stored about the member in this server.
    pub async fn my_data(&self, actor: &Actor) -> Result<super::my_data::MemberData> {
        let rows = db::members::export(&self.core.db, actor.guild_id, actor.user_id).await?;
        Ok(super::my_data::MemberData::new(actor.guild_id, actor.user_id, rows))
    }

    /// `/forget-me` confirmed: deletes the member's rows in this server.
    pub async fn forget(&self, actor: &Actor) -> Result<db::members::Forgotten> {
        let forgotten = db::members::forget(&self.core.db, actor.guild_id, actor.user_id).await;
        self.drafts.forget(actor.guild_id, actor.user_id);
        self.groups.forgot(actor.guild_id, actor.user_id);
        Ok(forgotten?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(status: &str, hours: &str, confidence: &str, note: &str) -> CheckinForm {
        CheckinForm { status: status.into(), hours: hours.into(), confidence: confidence.into(), note: note.into() }
    }

    #[test]
    fn form_values_are_parsed_and_every_problem_listed() {
        let r = form(" Partial ", "2,5", "4", "  went ok ").parse().unwrap();
        assert_eq!(
            r,
            CheckinEntry { status: CheckinStatus::Partial, hours: 2.5, confidence: 4, note: Some("went ok".into()) }
        );
        let e = form("finished", "lots", "9", &"x".repeat(501)).parse().unwrap_err().join("\n");
        assert!(e.contains("Status `finished`"), "{e}");
        assert!(e.contains("Hours `lots`"), "{e}");
        assert!(e.contains("Confidence must be"), "{e}");
        assert!(e.contains("501 characters"), "{e}");
        assert!(validate(CheckinStatus::Done, -1.0, 3, None).is_err());
        assert!(validate(CheckinStatus::Done, f64::NAN, 3, None).is_err());
        assert_eq!(validate(CheckinStatus::Done, 1.0, 3, Some("   ")).unwrap().note, None);
    }
}
