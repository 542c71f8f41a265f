//! Study groups: finding the group a member means, creating and editing groups, the
//! calendar rules (pausing, skipping, repeating, jumping), deleting, and what comes next.
//! Settings as typed and their validation are in `input`; what is kept in memory, with its
//! one write path ([`GroupService::write`]), in `cache`.

mod cache;
mod events;
mod input;

use cache::{Cache, GuildGroups};
pub use events::{EventsInput, EventsOn};
pub use input::{GroupChanges, GroupInput, timezone_hint, timezone_suggestions, validate};

use super::Core;
use crate::curriculum::{PathFile, Week};
use crate::db;
use crate::error::{Error, Result, UserError};
use crate::model::{Actor, BreakKind, Calendar, CalendarAction, CalendarChange, Group, GroupView, Missed, Standing};
use crate::plan;
use crate::search::did_you_mean;
use crate::weeks::{self, weekday_name};
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::HashMap;
use std::sync::Arc;

/// Why `/week` shows the week it shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WeekReason {
    /// The member asked for this week.
    Asked,
    /// It is the group's current week.
    Current,
    /// The group has not started; its first week is shown.
    NotStarted { first: DateTime<Utc> },
    /// No session this week; the last week held is shown.
    OnBreak { last_week: u32 },
}

/// The week `/week` should show for a standing, or `Err(total)` when the group finished
/// every week and none was asked for.
pub fn week_to_show(standing: Standing, asked: Option<u32>) -> std::result::Result<(u32, WeekReason), u32> {
    match (asked, standing) {
        (Some(n), _) => Ok((n, WeekReason::Asked)),
        (None, Standing::NotStarted { first }) => Ok((1, WeekReason::NotStarted { first })),
        (None, Standing::Finished { total }) => Err(total),
        (None, Standing::OnBreak { last_week, .. }) => {
            let w = last_week.unwrap_or(1);
            Ok((w, WeekReason::OnBreak { last_week: w }))
        }
        (None, Standing::Week { week, .. }) => Ok((week, WeekReason::Current)),
    }
}

/// What `/week` answers.
pub enum ShownWeek<'a> {
    Week {
        view: GroupView,
        path: &'a PathFile,
        week: &'a Week,
        reason: WeekReason,
    },
    /// Every week was held and none was asked for.
    Finished {
        view: GroupView,
        total: u32,
    },
}

/// A calendar change done: the group as it is now, what changed, and its next post.
#[derive(Debug, Clone)]
pub struct Changed {
    pub view: GroupView,
    pub change: CalendarChange,
    pub next: Option<plan::Next>,
}

/// What `/group next` shows: the next post and the latest calendar changes.
#[derive(Debug, Clone)]
pub struct Upcoming {
    pub view: GroupView,
    pub next: Option<plan::Next>,
    pub changes: Vec<CalendarChange>,
}

/// `/group next` lists at most this many calendar changes (the latest).
pub const CHANGES_SHOWN: u32 = 8;

/// A server has at most this many groups: every one fits the group option's autocomplete.
pub const MAX_GROUPS: usize = crate::limits::CHOICES;

/// A skipped range or a pause with an end covers at most this many sessions.
pub const MAX_BREAK_SESSIONS: u32 = 52;

/// `/group list`: the server's groups, and the event choices of those with events on.
#[derive(Debug, Clone)]
pub struct GroupList {
    pub groups: Vec<Listed>,
    pub events: HashMap<i64, db::events::EventSettings>,
}

/// A group of `/group list`: its calendar, or why it cannot be scheduled.
#[derive(Debug, Clone)]
pub enum Listed {
    Ok(GroupView),
    Unschedulable { group: Group, reason: String },
}

/// The group use cases; cheap to clone (the cache is shared).
#[derive(Clone)]
pub struct GroupService {
    core: Core,
    cache: Arc<Cache>,
}

impl GroupService {
    pub fn new(core: Core) -> GroupService {
        GroupService { core, cache: Arc::default() }
    }

    /// The one write path of a guild's groups, breaks, marks and calendar log: runs the
    /// write, then forgets the guild's cached groups whatever its outcome (a refused write
    /// may have lost a race with one that succeeded).
    async fn write<T>(&self, guild_id: u64, write: impl Future<Output = db::Result<T>>) -> Result<T> {
        let result = write.await;
        self.cache.forget_guild(guild_id);
        let value = result?;
        // The server's Discord events and buddy rounds follow its calendars (`scheduler`).
        db::events::touch_guild(&self.core.db, guild_id, self.core.now()).await?;
        db::buddies::touch_guild(&self.core.db, guild_id, self.core.now()).await?;
        Ok(value)
    }

    /// The guild's groups and breaks, from memory or (once) from the database.
    async fn guild(&self, guild_id: u64) -> Result<Arc<GuildGroups>> {
        if let Some(g) = self.cache.guild(guild_id) {
            return Ok(g);
        }
        let since = self.cache.epoch();
        let groups = db::groups::list(&self.core.db, guild_id).await?;
        let calendars = db::groups::guild_calendars(&self.core.db, guild_id).await?;
        let mut missed: HashMap<i64, Vec<Missed>> = HashMap::new();
        for (group_id, m) in db::groups::guild_missed(&self.core.db, guild_id).await? {
            missed.entry(group_id).or_default().push(m);
        }
        let loaded = Arc::new(GuildGroups { groups, calendars, missed });
        self.cache.store_guild(since, guild_id, Arc::clone(&loaded));
        Ok(loaded)
    }

    /// The scheduler recorded weeks the bot missed for a group of this guild.
    pub fn calendar_changed(&self, guild_id: u64) {
        self.cache.forget_guild(guild_id);
    }

    /// The groups a member belongs to, from memory or (once) from the database.
    async fn member_groups(&self, guild_id: u64, user_id: u64) -> Result<Arc<Vec<i64>>> {
        if let Some(m) = self.cache.member(guild_id, user_id) {
            return Ok(m);
        }
        let since = self.cache.epoch();
        let ids = Arc::new(db::members::member_groups(&self.core.db, guild_id, user_id).await?);
        self.cache.store_member(since, guild_id, user_id, Arc::clone(&ids));
        Ok(ids)
    }

    /// A check-in or rating made the member part of the group.
    pub fn joined(&self, guild_id: u64, user_id: u64, group_id: i64) {
        self.cache.joined(guild_id, user_id, group_id);
    }

    /// The member's data was deleted (`/forget-me`).
    pub fn forgot(&self, guild_id: u64, user_id: u64) {
        self.cache.forgot(guild_id, user_id);
    }

    /// The server's data was purged after it removed the bot: nothing of it stays in memory.
    pub fn purged(&self, guild_id: u64) {
        self.cache.purged(guild_id);
    }

    /// Whether the member is known to be stored in the group with this display name (a
    /// write of theirs then needs no join first, whatever week it is for).
    pub(crate) fn knows_member(&self, a: &db::members::Author<'_>) -> bool {
        self.cache.knows_member(a)
    }

    /// The member is stored in the group (joined, or a write of theirs succeeded).
    pub(crate) fn record_member(&self, a: &db::members::Author<'_>, week: u32) {
        self.cache.record_member(a, week);
    }

    /// How many per-member entries the cache holds (tests of its bounds).
    #[doc(hidden)]
    pub fn cached_members(&self) -> usize {
        self.cache.members_len()
    }

    fn cached_view(&self, guild: &GuildGroups, group: &Group) -> Result<GroupView> {
        let calendar = guild.calendars.get(&group.id).cloned().unwrap_or_default();
        let missed = guild.missed.get(&group.id).cloned().unwrap_or_default();
        complete(&self.core, group.clone(), calendar, missed)
    }

    /// Completes a stored group into its calendar (breaks, path length).
    pub async fn view_of(&self, group: Group) -> Result<GroupView> {
        view_of(&self.core, group).await
    }

    /// The group a custom id names, in the actor's server only (forged ids find nothing).
    pub async fn by_id(&self, guild_id: u64, group_id: i64) -> Result<GroupView> {
        let guild = self.guild(guild_id).await?;
        match guild.groups.iter().find(|g| g.id == group_id) {
            Some(g) => self.cached_view(&guild, g),
            None => Err(UserError::GroupGone.into()),
        }
    }

    /// Finds the group a member means: by id (autocomplete value) or name; without one, the
    /// server's only group, or the only group the member belongs to.
    pub async fn resolve(&self, actor: &Actor, option: Option<&str>) -> Result<GroupView> {
        let guild = self.guild(actor.guild_id).await?;
        let all = &guild.groups;
        if all.is_empty() {
            return Err(UserError::NoGroups.into());
        }
        let names = || all.iter().map(|g| g.name.clone()).collect::<Vec<_>>();
        let found = match option.map(str::trim).filter(|s| !s.is_empty()) {
            Some(text) => {
                let by_id = text.parse::<i64>().ok().and_then(|id| all.iter().find(|g| g.id == id));
                let by_name = all.iter().find(|g| g.name.eq_ignore_ascii_case(text));
                match by_id.or(by_name) {
                    Some(g) => g,
                    None => {
                        let all_names = names();
                        let suggestions = did_you_mean(text, all_names.iter().map(String::as_str))
                            .into_iter()
                            .map(str::to_string)
                            .collect();
                        return Err(UserError::UnknownGroup {
                            typed: text.chars().take(60).collect(),
                            suggestions,
                            all: all_names,
                        }
                        .into());
                    }
                }
            }
            None if all.len() == 1 => &all[0],
            None => {
                let ids = self.member_groups(actor.guild_id, actor.user_id).await?;
                let mine: Vec<&Group> = all.iter().filter(|g| ids.contains(&g.id)).collect();
                match mine.as_slice() {
                    [only] => *only,
                    _ => return Err(UserError::AmbiguousGroup { names: names() }.into()),
                }
            }
        };
        self.cached_view(&guild, found)
    }

    /// Groups whose name contains `partial`, as (name, id) for autocomplete (at most 25).
    pub async fn autocomplete(&self, guild_id: u64, partial: &str) -> Result<Vec<(String, i64)>> {
        let partial = partial.to_lowercase();
        Ok(self
            .guild(guild_id)
            .await?
            .groups
            .iter()
            .filter(|g| g.name.to_lowercase().contains(&partial))
            .take(crate::limits::CHOICES)
            .map(|g| (g.name.clone(), g.id))
            .collect())
    }

    /// Creates a group, starting at week `first_week` (week 1 when `None`: an existing cohort
    /// can join the bot mid-path). The caller has checked that the bot can post in the channel.
    pub async fn create(&self, actor: &Actor, input: &GroupInput, first_week: Option<u32>) -> Result<GroupView> {
        let now = self.core.now();
        let settings = validate(&self.core.curriculum, input, now, None).map_err(UserError::InvalidSettings)?;
        if let Some(week) = first_week {
            let path = self.core.curriculum.path(&settings.path_id).ok_or_else(|| Error::internal("validated path"))?;
            check_week(path, week)?;
        }
        let max = MAX_GROUPS as u32;
        let id = match self
            .write(
                actor.guild_id,
                db::groups::insert(&self.core.db, actor.guild_id, &settings, actor.user_id, now, max),
            )
            .await?
        {
            Ok(id) => id,
            Err(db::groups::NotInserted::NameTaken) => return Err(UserError::NameTaken(settings.name).into()),
            Err(db::groups::NotInserted::Full) => return Err(UserError::TooManyGroups(MAX_GROUPS).into()),
        };
        let view = self.by_id(actor.guild_id, id).await?;
        match first_week {
            Some(week) if week > 1 => Ok(self.set_week(actor, &view, week).await?.view),
            _ => Ok(view),
        }
    }

    /// Changes a group's settings. Once a weekly post went out, its path, start date and
    /// cadence are fixed: they renumber every session, so history would silently move (the
    /// calendar commands repeat, jump and skip instead).
    pub async fn edit(&self, actor: &Actor, group: &str, changes: GroupChanges) -> Result<GroupView> {
        let view = self.resolve(actor, Some(group)).await?;
        let old = view.group.settings();
        let input = GroupInput {
            name: changes.name.unwrap_or(old.name.clone()),
            channel_id: changes.channel_id.unwrap_or(old.channel_id),
            path_id: changes.path_id.unwrap_or(old.path_id.clone()),
            start_date: changes.start_date.unwrap_or(old.schedule.start_date.to_string()),
            weekday: Some(changes.weekday.unwrap_or(old.schedule.weekday)),
            time: changes.time.unwrap_or(old.schedule.time.format("%H:%M").to_string()),
            timezone: changes.timezone.unwrap_or(old.schedule.tz.name().to_string()),
            role: if changes.no_role { None } else { changes.role.or(old.mention_role_id) },
            every_weeks: Some(changes.every_weeks.unwrap_or(old.schedule.every_weeks)),
        };
        let now = self.core.now();
        let settings = validate(&self.core.curriculum, &input, now, Some(old.schedule.start_date))
            .map_err(UserError::InvalidSettings)?;
        if settings == old {
            return Err(UserError::NothingToChange.into());
        }
        // A new cadence renumbers every session, so it is fixed once weeks were posted too.
        let recalendar = settings.path_id != old.path_id
            || settings.schedule.start_date != old.schedule.start_date
            || settings.schedule.every_weeks != old.schedule.every_weeks;
        if recalendar && db::posts::has_week_posts(&self.core.db, view.group.scope()).await? {
            return Err(UserError::CalendarFixed(view.group.name.clone()).into());
        }
        if !self
            .write(actor.guild_id, db::groups::update(&self.core.db, actor.guild_id, view.group.id, &settings, now))
            .await?
        {
            return Err(UserError::NameTaken(settings.name).into());
        }
        self.by_id(actor.guild_id, view.group.id).await
    }

    /// The server's groups by name, each with its calendar or why it cannot be scheduled.
    pub async fn list(&self, guild_id: u64) -> Result<GroupList> {
        let mut groups = Vec::new();
        for group in db::groups::list(&self.core.db, guild_id).await? {
            groups.push(match self.view_of(group.clone()).await {
                Ok(v) => Listed::Ok(v),
                Err(e) => Listed::Unschedulable { group, reason: e.to_string() },
            });
        }
        let events = db::events::guild_settings(&self.core.db, guild_id).await?.into_iter().collect();
        Ok(GroupList { groups, events })
    }

    /// Records a calendar change made by `actor` and returns the group as it is now.
    async fn record(
        &self,
        actor: &Actor,
        view: &GroupView,
        action: CalendarAction,
        session: u32,
        until: Option<u32>,
        week: Option<u32>,
    ) -> Result<Changed> {
        let now = self.core.now();
        let schedule = view.schedule();
        let until = until.map(|u| {
            // A skip shows its last skipped date; a pause the date it ends on.
            let date = if action == CalendarAction::Skip { schedule.date(u - 1) } else { schedule.date(u) };
            (u, date)
        });
        let change = CalendarChange {
            at: now,
            by: Some(actor.user_id),
            action,
            session,
            on: schedule.date(session),
            until,
            week,
        };
        self.write(actor.guild_id, db::groups::log_change(&self.core.db, view.group.scope(), &change)).await?;
        let view = self.by_id(actor.guild_id, view.group.id).await?;
        let hours = self.core.settings.effective(actor.guild_id).await?.reminder_hours;
        let posts = db::posts::for_group(&self.core.db, view.group.scope()).await?;
        let next = plan::next(&view, &posts, now, hours);
        Ok(Changed { view, change, next })
    }

    /// The first session that has not started, and its local date.
    fn upcoming_session(&self, view: &GroupView) -> (u32, NaiveDate) {
        let k = view.schedule().next_after(self.core.now());
        (k, view.schedule().date(k))
    }

    /// The session on local date `text` (YYYY-MM-DD), which must not have started.
    fn future_session_on(&self, view: &GroupView, text: &str) -> Result<u32> {
        let schedule = view.schedule();
        let d = weeks::parse_date(text).ok_or_else(|| UserError::NotADate(text.trim().to_string()))?;
        let k = schedule.session_on(d).ok_or_else(|| UserError::NoSessionOn {
            group: view.group.name.clone(),
            date: d,
            weekday: weekday_name(schedule.weekday),
        })?;
        if k < schedule.next_after(self.core.now()) {
            return Err(UserError::SessionStarted(d).into());
        }
        Ok(k)
    }

    /// Pauses a group from its next session: no posts, no week advances. With `until`
    /// (YYYY-MM-DD), the group posts again by itself at its first session on or after it.
    pub async fn pause(&self, actor: &Actor, group: Option<&str>, until: Option<&str>) -> Result<Changed> {
        let view = self.resolve(actor, group).await?;
        let now = self.core.now();
        let (from, from_date) = self.upcoming_session(&view);
        let Some(text) = until.map(str::trim).filter(|t| !t.is_empty()) else {
            let paused = self
                .write(actor.guild_id, db::groups::pause(&self.core.db, actor.guild_id, view.group.id, from, now))
                .await?;
            if !paused {
                return Err(UserError::AlreadyPaused(view.group.name).into());
            }
            return self.record(actor, &view, CalendarAction::Pause, from, None, None).await;
        };
        let back = weeks::parse_date(text).ok_or_else(|| UserError::NotADate(text.to_string()))?;
        let to = view.schedule().session_from(back);
        if to <= from {
            return Err(UserError::PauseEndsTooSoon { until: back, next: from_date }.into());
        }
        if to - from > MAX_BREAK_SESSIONS {
            return Err(UserError::BreakTooLong { sessions: to - from, max: MAX_BREAK_SESSIONS }.into());
        }
        if view.group.paused {
            return Err(UserError::AlreadyPaused(view.group.name).into());
        }
        // Like an open-ended pause, a pause with an end may cover skips and holidays: they
        // stay in the calendar (the reply names them). Only another pause overlaps.
        if !self
            .write(
                actor.guild_id,
                db::groups::add_break(&self.core.db, actor.guild_id, view.group.id, BreakKind::Pause, from, to, now),
            )
            .await?
        {
            return Err(UserError::OverlapsPause(view.group.name).into());
        }
        self.record(actor, &view, CalendarAction::Pause, from, Some(to), None).await
    }

    /// Resumes a paused group from its next session (or ends a pause with an end date early).
    pub async fn resume(&self, actor: &Actor, group: Option<&str>) -> Result<Changed> {
        let view = self.resolve(actor, group).await?;
        let now = self.core.now();
        let (to, _) = self.upcoming_session(&view);
        let resumed = self
            .write(actor.guild_id, db::groups::resume(&self.core.db, actor.guild_id, view.group.id, to, now))
            .await?;
        if !resumed {
            return Err(UserError::NotPaused(view.group.name).into());
        }
        self.record(actor, &view, CalendarAction::Resume, to, None, None).await
    }

    /// Skips one future session (the next one by default), or every session from `date` to
    /// `until` (a holiday range: no posts at all, and the weeks wait).
    pub async fn skip(
        &self,
        actor: &Actor,
        group: Option<&str>,
        date: Option<&str>,
        until: Option<&str>,
    ) -> Result<Changed> {
        let view = self.resolve(actor, group).await?;
        let now = self.core.now();
        let schedule = view.schedule();
        let from = match date.map(str::trim).filter(|d| !d.is_empty()) {
            None => self.upcoming_session(&view).0,
            Some(text) => self.future_session_on(&view, text)?,
        };
        let to = match until.map(str::trim).filter(|d| !d.is_empty()) {
            None => from + 1,
            Some(text) => {
                let last = weeks::parse_date(text).ok_or_else(|| UserError::NotADate(text.to_string()))?;
                if last < schedule.date(from) {
                    return Err(UserError::DatesBackwards { from: schedule.date(from), to: last }.into());
                }
                // Every session on or before `last`.
                schedule.session_from(last + chrono::Days::new(1))
            }
        };
        if to - from > MAX_BREAK_SESSIONS {
            return Err(UserError::BreakTooLong { sessions: to - from, max: MAX_BREAK_SESSIONS }.into());
        }
        // A date past the path's end (a typo like 2030) would skip nothing: say so.
        if weeks::session(from, &view.calendar, view.total_weeks) == crate::model::Session::Finished {
            let end = (0..from)
                .find(|k| weeks::session(*k, &view.calendar, view.total_weeks) == crate::model::Session::Finished);
            return Err(UserError::SkipAfterPathEnd {
                group: view.group.name.clone(),
                date: schedule.date(from),
                ends: schedule.date(end.unwrap_or(from)),
            }
            .into());
        }
        if !self
            .write(
                actor.guild_id,
                db::groups::add_break(&self.core.db, actor.guild_id, view.group.id, BreakKind::Skip, from, to, now),
            )
            .await?
        {
            return Err(if to == from + 1 {
                UserError::AlreadySkipped(schedule.date(from))
            } else {
                UserError::OverlapsBreak(view.group.name.clone())
            }
            .into());
        }
        self.record(actor, &view, CalendarAction::Skip, from, Some(to), None).await
    }

    /// Holds a skipped future session again (the next skipped one by default).
    pub async fn unskip(&self, actor: &Actor, group: Option<&str>, date: Option<&str>) -> Result<Changed> {
        let view = self.resolve(actor, group).await?;
        let now = self.core.now();
        let session = match date.map(str::trim).filter(|d| !d.is_empty()) {
            Some(text) => self.future_session_on(&view, text)?,
            None => {
                let next = self.upcoming_session(&view).0;
                (next..next + 520)
                    .find(|k| view.calendar.break_at(*k).is_some_and(|b| b.kind == BreakKind::Skip))
                    .ok_or_else(|| UserError::NothingSkipped(view.group.name.clone()))?
            }
        };
        if !self
            .write(actor.guild_id, db::groups::unskip(&self.core.db, actor.guild_id, view.group.id, session, now))
            .await?
        {
            return Err(UserError::NotSkipped(view.schedule().date(session)).into());
        }
        self.record(actor, &view, CalendarAction::Unskip, session, None, None).await
    }

    /// Holds the current week again at the next session (the weeks after it wait a session).
    pub async fn repeat(&self, actor: &Actor, group: Option<&str>) -> Result<Changed> {
        let view = self.resolve(actor, group).await?;
        let name = || view.group.name.clone();
        let week = match view.standing(self.core.now()) {
            Standing::NotStarted { first } => return Err(UserError::GroupNotStarted { group: name(), first }.into()),
            Standing::OnBreak { last_week: None, .. } => return Err(UserError::NoWeekHeld(name()).into()),
            s => s.current_week().unwrap_or(1),
        };
        let (session, _) = self.upcoming_session(&view);
        self.mark(actor, &view, session, week, CalendarAction::Repeat).await
    }

    /// Continues at week `week` from the next session (before the start: starts there).
    pub async fn jump(&self, actor: &Actor, group: Option<&str>, week: u32) -> Result<Changed> {
        let view = self.resolve(actor, group).await?;
        let path = self.core.path_of(&view)?;
        check_week(path, week)?;
        self.set_week(actor, &view, week).await
    }

    async fn set_week(&self, actor: &Actor, view: &GroupView, week: u32) -> Result<Changed> {
        let (session, _) = self.upcoming_session(view);
        let action = if session == 0 { CalendarAction::StartAt } else { CalendarAction::Jump };
        self.mark(actor, view, session, week, action).await
    }

    async fn mark(
        &self,
        actor: &Actor,
        view: &GroupView,
        session: u32,
        week: u32,
        action: CalendarAction,
    ) -> Result<Changed> {
        let now = self.core.now();
        if !self
            .write(
                actor.guild_id,
                db::groups::set_mark(&self.core.db, actor.guild_id, view.group.id, session, week, now),
            )
            .await?
        {
            return Err(UserError::GroupGone.into());
        }
        self.record(actor, view, action, session, None, Some(week)).await
    }

    /// Deletes a group with its check-ins and ratings (moderators only: a confirmation
    /// button can be pressed by anyone who sees it, and its id can be forged).
    pub async fn delete(&self, actor: &Actor, group_id: i64) -> Result<String> {
        if !actor.moderator {
            return Err(UserError::OnlyModeratorsDelete.into());
        }
        let view = self.by_id(actor.guild_id, group_id).await?;
        let deleted = self
            .write(actor.guild_id, db::groups::delete(&self.core.db, actor.guild_id, group_id, self.core.now()))
            .await?;
        if !deleted {
            return Err(UserError::GroupGone.into());
        }
        Ok(view.group.name)
    }

    /// The week of the group's path a member wants to read: the one asked for, else the
    /// current one (week 1 before the start, the last week held during a break).
    pub async fn week(&self, actor: &Actor, group: Option<&str>, asked: Option<u32>) -> Result<ShownWeek<'_>> {
        let view = self.resolve(actor, group).await?;
        let path = self.core.path_of(&view)?;
        let (n, reason) = match week_to_show(view.standing(self.core.now()), asked) {
            Ok(choice) => choice,
            Err(total) => return Ok(ShownWeek::Finished { view, total }),
        };
        let week = path.week(n).ok_or_else(|| UserError::UnknownWeek {
            path: path.path.name.clone(),
            weeks: path.len_weeks(),
            week: n,
        })?;
        Ok(ShownWeek::Week { view, path, week, reason })
    }

    /// The group's upcoming sessions, for its calendar file.
    pub async fn calendar(
        &self,
        actor: &Actor,
        group: Option<&str>,
    ) -> Result<(GroupView, Vec<crate::calendar::Upcoming>, crate::calendar::SessionLinks)> {
        let view = self.resolve(actor, group).await?;
        let path = self.core.curriculum.path(&view.group.path_id).ok_or_else(|| Error::missing_path(&view.group))?;
        let sessions = crate::calendar::upcoming(&view, path, self.core.now(), crate::calendar::MAX_SESSIONS);
        let links = self.session_links(&view).await?;
        Ok((view, sessions, links))
    }

    /// The Discord events of the group's sessions (their length and links), for its
    /// calendars; none when the group publishes no events.
    pub async fn session_links(&self, view: &GroupView) -> Result<crate::calendar::SessionLinks> {
        let db = &self.core.db;
        let mut links = crate::calendar::SessionLinks::default();
        if let Some(e) = db::events::settings(db, view.group.scope()).await?.filter(|e| e.enabled) {
            links.minutes = Some(e.minutes);
            for r in db::events::rows(db, view.group.id).await? {
                if let Some(id) = r.event_id {
                    let link = crate::session_events::event_link(view.group.guild_id, id);
                    links.events.insert(r.stored.session, link);
                }
            }
        }
        Ok(links)
    }

    /// When the group's next post and reminder happen (`None`: paused or finished), with the
    /// latest calendar changes.
    pub async fn next(&self, actor: &Actor, group: Option<&str>) -> Result<Upcoming> {
        let view = self.resolve(actor, group).await?;
        let hours = self.core.settings.effective(actor.guild_id).await?.reminder_hours;
        let posts = db::posts::for_group(&self.core.db, view.group.scope()).await?;
        let next = plan::next(&view, &posts, self.core.now(), hours);
        let changes = db::groups::changes(&self.core.db, view.group.scope(), CHANGES_SHOWN).await?;
        Ok(Upcoming { view, next, changes })
    }
}

/// Checks that `week` is a week of `path`.
fn check_week(path: &PathFile, week: u32) -> Result<()> {
    if week == 0 || week > path.len_weeks() {
        return Err(UserError::UnknownWeek { path: path.path.name.clone(), weeks: path.len_weeks(), week }.into());
    }
    Ok(())
}

/// Completes a stored group into its calendar (shared with the scheduler's sweep).
pub async fn view_of(core: &Core, group: Group) -> Result<GroupView> {
    let calendar = db::groups::calendar(&core.db, group.scope()).await?;
    let missed = db::groups::missed(&core.db, group.scope()).await?;
    complete(core, group, calendar, missed)
}

fn complete(core: &Core, group: Group, calendar: Calendar, missed: Vec<Missed>) -> Result<GroupView> {
    let total_weeks =
        core.curriculum.path(&group.path_id).map(|p| p.len_weeks()).ok_or_else(|| Error::missing_path(&group))?;
    Ok(GroupView { group, calendar, total_weeks, missed })
}

#[cfg(test)]
#[cfg(test)]
mod tests {
    use super::cache::MAX_CACHED;
    use super::input::tests::{c, input, now};
    use super::*;

    /// The per-member cache never grows past its bound and forgets a purged server.
    #[tokio::test]
    async fn the_member_cache_is_bounded_and_forgets_a_purged_server() {
        let db = crate::db::open_memory().await.unwrap();
        let core = Core {
            db: db.clone(),
            curriculum: std::sync::Arc::new(c()),
            clock: std::sync::Arc::new(crate::clock::ManualClock::new(now())),
            settings: crate::service::Settings::new(
                db.clone(),
                crate::service::settings::Defaults { reminder_hours: 24, retention: chrono::Duration::days(30) },
            ),
        };
        let groups = GroupService::new(core);
        let author =
            |guild_id: u64, user_id: u64| db::members::Author { guild_id, group_id: 1, user_id, display_name: "m" };
        for user in 0..(MAX_CACHED as u64 + 10) {
            groups.record_member(&author(1 + user % 2, user), 1);
            assert!(groups.cached_members() <= MAX_CACHED);
        }
        assert!(groups.knows_member(&author(1 + (MAX_CACHED as u64 + 9) % 2, MAX_CACHED as u64 + 9)));
        let before = groups.cached_members();
        groups.purged(1);
        assert!(groups.cached_members() < before && groups.cached_members() > 0);
        groups.purged(2);
        assert_eq!(groups.cached_members(), 0);
    }

    /// The in-memory groups follow every change made through the service: a resolve after
    /// create, edit, pause, skip, resume and delete sees the database's state.
    #[tokio::test]
    async fn the_cached_groups_follow_every_change() {
        let db = crate::db::open_test().await;
        let clock = crate::clock::ManualClock::new(now());
        let core = Core {
            db: db.clone(),
            curriculum: std::sync::Arc::new(c()),
            clock: std::sync::Arc::new(clock),
            settings: crate::service::Settings::new(
                db.clone(),
                crate::service::settings::Defaults { reminder_hours: 24, retention: chrono::Duration::days(30) },
            ),
        };
        let groups = GroupService::new(core);
        let mod_ = Actor { guild_id: 9, user_id: 1, display_name: "m".into(), moderator: true, manages_server: true };
        assert!(groups.resolve(&mod_, None).await.is_err(), "no groups yet");
        let created = groups.create(&mod_, &input(), None).await.unwrap();
        let id = created.group.id;
        assert_eq!(groups.resolve(&mod_, None).await.unwrap().group.id, id);
        let changes = GroupChanges { time: Some("19:45".into()), ..GroupChanges::default() };
        groups.edit(&mod_, &id.to_string(), changes).await.unwrap();
        let seen = groups.resolve(&mod_, None).await.unwrap();
        assert_eq!(seen.group.schedule.time.format("%H:%M").to_string(), "19:45");
        groups.pause(&mod_, None, None).await.unwrap();
        let seen = groups.by_id(9, id).await.unwrap();
        assert!(seen.group.paused && seen.calendar.breaks.len() == 1, "{seen:?}");
        groups.resume(&mod_, None).await.unwrap();
        groups.skip(&mod_, None, None, None).await.unwrap();
        let seen = groups.by_id(9, id).await.unwrap();
        assert!(!seen.group.paused, "{seen:?}");
        assert_eq!(seen.calendar, crate::db::groups::calendar(&db, seen.group.scope()).await.unwrap());
        assert_eq!(groups.autocomplete(9, "even").await.unwrap(), vec![("Evening group".to_string(), id)]);
        groups.delete(&mod_, id).await.unwrap();
        assert!(groups.by_id(9, id).await.is_err());
        assert!(groups.autocomplete(9, "").await.unwrap().is_empty());
    }

    #[test]
    fn week_shows_the_asked_week_else_the_current_one_with_its_reason() {
        use crate::model::BreakKind;
        let first = chrono::Utc::now();
        assert_eq!(week_to_show(Standing::Finished { total: 12 }, Some(3)), Ok((3, WeekReason::Asked)));
        assert_eq!(week_to_show(Standing::Finished { total: 12 }, None), Err(12));
        assert_eq!(week_to_show(Standing::Week { week: 4, session: 5 }, None), Ok((4, WeekReason::Current)));
        assert_eq!(week_to_show(Standing::NotStarted { first }, None), Ok((1, WeekReason::NotStarted { first })));
        let on_break = |last_week| Standing::OnBreak { session: 3, kind: BreakKind::Skip, last_week };
        assert_eq!(week_to_show(on_break(Some(2)), None), Ok((2, WeekReason::OnBreak { last_week: 2 })));
        assert_eq!(week_to_show(on_break(None), None), Ok((1, WeekReason::OnBreak { last_week: 1 })));
    }
}
