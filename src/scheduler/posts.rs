//! The weekly-posts job: each group's weekly post, skip notes, closing post, reminder (in the
//! channel and as DMs to members who asked), and the weeks the bot missed while it was down.
//! What is due is the pure [`plan::due`]; each post and each DM is an [`Item`] of the outbox.

use super::discord::{Sender, Target, code};
use super::failure::SendFailure;
use super::outbox::{self, Claimed, Delivered, Failed, Item, JobError};
use super::{IN_FLIGHT, Scheduler, TickReport};
use crate::curriculum::PathFile;
use crate::db::{self, Db, posts};
use crate::error::{Error, UserError};
use crate::model::{Actor, Group, GroupView, Post, PostKind, PostNow, Session, WelcomeDm};
use crate::plan::{self, Candidate, Due};
use crate::render;
use crate::service::{Core, GroupService};
use crate::weeks;
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use poise::serenity_prelude as serenity;
use std::collections::{HashMap, HashSet};
use tracing::{error, info, warn};

/// Reminder DMs of one reminder in flight at once (each is still paced per request).
pub const DM_CONCURRENCY: usize = 4;

/// Reminder DM retries handled per tick at most (the rest wait for the next tick).
const DM_RETRIES_PER_TICK: i64 = 200;

/// Whether `m` (a message of the bot in the group's channel, not completing any other post)
/// is an earlier copy of `due`: a weekly post by its Check in button (group and week), the
/// other kinds by how their text begins.
pub fn is_copy(view: &GroupView, path_name: &str, due: &Due, m: &serenity::Message) -> bool {
    use serenity::{ActionRowComponent, ButtonKind};
    let group = &view.group;
    match due.kind {
        PostKind::Week => m.components.iter().flat_map(|row| &row.components).any(|c| match c {
            ActionRowComponent::Button(b) => match &b.data {
                ButtonKind::NonLink { custom_id, .. } => {
                    crate::ids::CustomId::parse(custom_id)
                        == Some(crate::ids::CustomId::CheckIn { group_id: group.id, week: due.week.unwrap_or(0) })
                }
                _ => false,
            },
            _ => false,
        }),
        PostKind::Skip => m.content.starts_with(&render::skip_note_start(&group.name)),
        PostKind::Closing => {
            let title = render::closing_title(&group.name, path_name);
            m.embeds.iter().any(|e| e.title.as_deref() == Some(title.as_str()))
        }
        PostKind::Reminder => m.content.starts_with(&render::reminder_start(&group.name, due.week.unwrap_or(0))),
    }
}

/// The next session after `session` that holds a week, with its week (within a year of
/// sessions; `None` past the path or in an open-ended pause).
fn next_held(view: &GroupView, session: u32) -> Option<(u32, u32)> {
    let open = view.calendar.open_pause();
    view.calendar
        .sessions(view.total_weeks)
        .enumerate()
        .skip(session as usize + 1)
        .take(60)
        .take_while(|(k, s)| *s != Session::Finished && open.is_none_or(|p| (*k as u32) < p))
        .find_map(|(k, s)| match s {
            Session::Week(w) => Some((k as u32, w)),
            _ => None,
        })
}

/// Around weekly post `session`: the week held before it (if any), and, when a break
/// follows it, when the group meets again.
fn neighbours(view: &GroupView, session: u32) -> (Option<u32>, Option<DateTime<Utc>>) {
    let previous = view
        .calendar
        .sessions(view.total_weeks)
        .take(session as usize)
        .filter_map(|s| match s {
            Session::Week(w) => Some(w),
            _ => None,
        })
        .last();
    let after = match weeks::session(session + 1, &view.calendar, view.total_weeks) {
        Session::Skipped | Session::Paused => next_held(view, session).map(|(k, _)| view.schedule().instant(k)),
        _ => None,
    };
    (previous, after)
}

/// Weeks the bot missed before `session` that no weekly post has named yet.
fn unannounced(view: &GroupView, session: u32) -> Vec<u32> {
    view.missed.iter().filter(|m| !m.announced && m.session < session).map(|m| m.week).collect()
}

/// A server's reminder settings, read once per group and tick.
#[derive(Debug, Clone, Copy)]
struct Reminders {
    hours: u32,
    in_channel: bool,
}

/// One post of a group: the outbox item.
struct PostItem<'a> {
    core: &'a Core,
    groups: &'a GroupService,
    view: &'a GroupView,
    path: &'a PathFile,
    due: &'a Due,
    reminders: Reminders,
    /// A reminder's text (the channel post and the DMs).
    reminder_text: Option<String>,
}

impl Item for PostItem<'_> {
    fn kind(&self) -> &'static str {
        self.due.kind.as_str()
    }

    fn target(&self) -> Option<Target> {
        let g = &self.view.group;
        let need = match self.due.kind {
            PostKind::Week => crate::permissions::GROUP_CHANNEL,
            // A server may keep reminders out of its channels: then only the DMs go out.
            PostKind::Reminder if !self.reminders.in_channel => return None,
            _ => crate::permissions::CHANNEL_POSTS,
        };
        Some(Target::Channel { guild: g.guild_id, channel: g.channel_id, need })
    }

    fn due_at(&self) -> DateTime<Utc> {
        let at = self.view.schedule().instant(self.due.session);
        match self.due.kind {
            PostKind::Reminder => at - chrono::Duration::hours(i64::from(self.reminders.hours)),
            _ => at,
        }
    }

    async fn claim(&self, db: &Db, now: DateTime<Utc>) -> db::Result<Option<Claimed>> {
        let g = self.view.group.id;
        let d = self.due;
        Ok(match d.retry_of {
            // A retry reuses the nonce of the first attempt, so Discord can match it.
            Some(id) => db::outbox::retry_post(db, id, now).await?.map(|(nonce, first)| Claimed {
                id,
                nonce,
                attempt: 0,
                late: now - first > plan::NONCE_TRUST,
            }),
            None => db::outbox::claim_post(db, g, d.kind, d.session, d.week, now).await?.map(|id| Claimed {
                id,
                nonce: db::outbox::post_nonce(g, d.kind, d.session),
                attempt: 1,
                late: false,
            }),
        })
    }

    async fn body(&self) -> Result<serenity::CreateMessage, SendFailure> {
        let (view, due, path) = (self.view, self.due, self.path);
        let group = &view.group;
        Ok(match due.kind {
            PostKind::Week => {
                let week = due
                    .week
                    .and_then(|w| path.week(w))
                    .ok_or_else(|| SendFailure::transient("week not in the path"))?;
                let (previous, after) = neighbours(view, due.session);
                let target = render::PostTarget {
                    group_id: group.id,
                    group_name: Some(group.name.clone()),
                    mention_role: group.mention_role_id,
                    missed_weeks: unannounced(view, due.session),
                    phase_intro: previous.and_then(|w| path.week(w)).is_none_or(|p| p.phase != week.phase),
                    next_after_break: after,
                };
                render::week_post(&self.core.curriculum, path, week, &target)
            }
            PostKind::Skip => render::skip_note(&group.name, next_held(view, due.session).map(|(_, w)| w)),
            PostKind::Closing => render::closing_post(&group.name, path),
            PostKind::Reminder => render::reminder_message(self.reminder_text.clone().unwrap_or_default()),
        })
    }

    fn is_copy(&self, m: &serenity::Message) -> bool {
        is_copy(self.view, &self.path.path.name, self.due, m)
    }

    async fn taken(&self, db: &Db, claimed: &Claimed) -> db::Result<HashSet<u64>> {
        // Messages completing other posts of the group are not this one.
        Ok(posts::for_group(db, self.view.group.scope())
            .await?
            .into_iter()
            .filter(|p| p.id != claimed.id)
            .filter_map(|p| p.message_id)
            .collect())
    }

    async fn finish(&self, sender: &Sender, m: &serenity::Message) -> Delivered {
        let mut done = Delivered { message: Some(m.id.get()), ..Default::default() };
        if self.due.kind != PostKind::Week {
            return done;
        }
        if let Some(t) = &m.thread {
            done.thread = Some(t.id.get());
            return done;
        }
        let Some(week) = self.due.week.and_then(|w| self.path.week(w)) else { return done };
        // A failure is not retried later (the post itself is out): its words are the post's
        // warning, for `/group list`.
        let channel = self.view.group.channel_id;
        let name = format!("Week {}: {}", week.number, week.title);
        match sender.open_thread(channel, m.id.get(), &name).await {
            Ok(t) => done.thread = Some(t),
            Err(e) => {
                let why = match e.code() {
                    Some(code::MISSING_PERMISSIONS) => format!("the bot lacks Create Public Threads in <#{channel}>"),
                    _ => SendFailure::of(&e, channel).text,
                };
                done.warnings.push(format!("its discussion thread could not be opened: {why}"));
            }
        }
        done
    }

    async fn complete(
        &self,
        db: &Db,
        claimed: &Claimed,
        outcome: &Result<Delivered, Failed>,
        now: DateTime<Utc>,
    ) -> db::Result<()> {
        let (group, post) = (&self.view.group, claimed.id);
        let kind = self.due.kind.as_str();
        match outcome {
            Ok(d) => {
                db::outbox::post_sent(db, post, d.message, d.thread, now).await?;
                if d.found {
                    info!(group = group.id, post, "an earlier attempt's message was in the channel: not sent again");
                }
                if self.due.kind == PostKind::Week && !unannounced(self.view, self.due.session).is_empty() {
                    db::groups::announce_missed(db, group.scope(), self.due.session, post).await?;
                    self.groups.calendar_changed(group.guild_id);
                }
                if !d.warnings.is_empty() {
                    let text = format!("{kind} post went out, but {}", d.warnings.join("; "));
                    warn!(group = group.id, post, "{text}");
                    db::groups::set_error(db, group.scope(), Some(&text), now).await?;
                } else if group.last_error.is_some() || self.due.retry_of.is_some() {
                    // (A retry's view may come from a cache that predates the failure.)
                    db::groups::set_error(db, group.scope(), None, now).await?;
                }
            }
            Err(f) => {
                let text = format!("{kind} post: {}", f.failure.text);
                // A permanent refusal is given up at once: no retries against it.
                db::outbox::post_failed(db, post, &text, now, f.failure.permanent).await?;
                db::groups::set_error(db, group.scope(), Some(&text), now).await?;
            }
        }
        Ok(())
    }
}

/// One member's reminder DM: the outbox item.
struct DmItem<'a> {
    core: &'a Core,
    view: &'a GroupView,
    post_id: i64,
    /// The week the reminder announces.
    week: u32,
    user: u64,
    text: &'a str,
    due_at: DateTime<Utc>,
    /// `true`: a due retry (claimed by [`db::outbox::retry_dm`]).
    retry: bool,
}

impl Item for DmItem<'_> {
    fn kind(&self) -> &'static str {
        "reminder_dm"
    }

    fn target(&self) -> Option<Target> {
        Some(Target::Dm { user: self.user })
    }

    fn due_at(&self) -> DateTime<Utc> {
        self.due_at
    }

    async fn claim(&self, db: &Db, now: DateTime<Utc>) -> db::Result<Option<Claimed>> {
        let nonce = db::outbox::dm_nonce(self.post_id, self.user);
        let attempt = match self.retry {
            true => db::outbox::retry_dm(db, self.post_id, self.user, now).await?,
            false => db::outbox::claim_dm(db, self.post_id, self.user, now).await?.then_some(1),
        };
        // A DM channel holds only the bot's DMs to one member; its retries trust the nonce.
        Ok(attempt.map(|attempt| Claimed { id: self.post_id, nonce, attempt, late: false }))
    }

    async fn body(&self) -> Result<serenity::CreateMessage, SendFailure> {
        // A button to check in for the week ending (the one before the week announced).
        let checkin_week = self.week.checked_sub(1).filter(|w| *w >= 1);
        Ok(render::reminder_dm(self.text.to_string(), self.view.group.id, checkin_week))
    }

    fn is_copy(&self, m: &serenity::Message) -> bool {
        m.content.starts_with(&render::reminder_start(&self.view.group.name, self.week))
    }

    /// A member Discord reports as unreachable (50007) gets no more reminder DMs until they
    /// turn them on again; a passing failure (Discord busy, opening DMs too fast, a dropped
    /// connection) is tried again later, at most [`plan::DM_ATTEMPTS`] times.
    async fn complete(
        &self,
        db: &Db,
        claimed: &Claimed,
        outcome: &Result<Delivered, Failed>,
        now: DateTime<Utc>,
    ) -> db::Result<()> {
        let (group, user) = (self.view.group.id, self.user);
        let result = match outcome {
            Ok(_) => db::outbox::DmOutcome::Sent,
            Err(f) => {
                let next = f.dm_next(claimed.attempt, now);
                if f.dms_closed() {
                    stop_reminder_dms(self.core, self.view.group.guild_id, user).await;
                } else {
                    warn!(group, user, attempt = claimed.attempt, ?next, "reminder DM failed: {}", f.failure.text);
                }
                next
            }
        };
        db::outbox::complete_dm(db, self.post_id, user, result).await
    }
}

/// Discord cannot DM the member (50007): reminder DMs off until they turn them on again.
async fn stop_reminder_dms(core: &Core, guild: u64, user: u64) {
    info!(user, "member cannot be sent DMs (50007): reminder DMs turned off");
    if let Err(e) = db::members::stop_reminder_dms(&core.db, guild, user).await {
        warn!(user, "cannot turn off reminder DMs: {e}");
    }
}

/// The reminder DMs of one reminder post, to send once its group's lock is released.
struct DmBatch {
    post_id: i64,
    session: u32,
    week: u32,
    text: String,
}

impl Scheduler {
    /// The weekly-posts job over `groups`: up to [`IN_FLIGHT`] groups at once.
    pub(super) async fn tick_groups(&self, groups: Vec<(Group, i64)>, now: DateTime<Utc>) -> TickReport {
        let mut report = TickReport { groups: groups.len(), ..Default::default() };
        let mut outcomes = futures_util::stream::iter(groups)
            .map(|(g, replan)| self.tick_group(g, replan, now))
            .buffer_unordered(IN_FLIGHT);
        while let Some((sent, failed)) = outcomes.next().await {
            report.sent += sent;
            report.failed += failed;
        }
        report
    }

    /// What is due for one group at `now`, delivered in order under the group's lock; then
    /// its reminder DMs, with no lock held; then when the group is next due ([`plan::next_due`],
    /// stored unless a change since it was read as `replan` asks to plan it again): (sent,
    /// failed).
    #[tracing::instrument(name = "group", skip_all, fields(group = group.id, guild = group.guild_id))]
    async fn tick_group(&self, group: Group, replan: i64, now: DateTime<Utc>) -> (usize, usize) {
        let id = group.id;
        let lock = self.group_lock(id);
        let delivering = lock.lock().await;
        let Some((view, counts, batches)) = self.deliver_due(group, now).await else { return (0, 0) };
        drop(delivering);
        for b in batches {
            self.send_dms(&view, &b).await;
        }
        let hours = self.reminders_of(view.group.guild_id).await.hours;
        let scope = view.group.scope();
        let planned = match posts::for_group(&self.core.db, scope).await {
            Ok(after) => {
                db::groups::planned(&self.core.db, scope, replan, plan::next_due(&view, &after, now, hours)).await
            }
            Err(e) => Err(e),
        };
        if let Err(e) = planned {
            // It stays due: the next tick visits it again.
            warn!(group = id, "cannot store when the group is next due: {e}");
        }
        counts
    }

    /// Under the group's lock: what is due for it, delivered in order: the view, (sent,
    /// failed) and the reminder DMs to send.
    async fn deliver_due(&self, group: Group, now: DateTime<Utc>) -> Option<(GroupView, (usize, usize), Vec<DmBatch>)> {
        let (id, scope) = (group.id, group.scope());
        let view = match self.groups.view_of(group).await {
            Ok(v) => v,
            Err(e) => {
                warn!(group = id, "cannot schedule group: {e:#}");
                return None;
            }
        };
        let existing = match posts::for_group(&self.core.db, scope).await {
            Ok(p) => p,
            Err(e) => {
                error!(group = id, "cannot read posts: {e}");
                return None;
            }
        };
        let view = self.note_missed(view, &existing, now).await;
        let (mut sent, mut failed) = (0, 0);
        let reminders = self.reminders_of(view.group.guild_id).await;
        let mut batches = Vec::new();
        for due in plan::due(&view, &existing, now, reminders.hours) {
            match self.deliver(&view, &due, reminders, now).await {
                Ok(Some(batch)) => {
                    sent += 1;
                    batches.extend(batch);
                }
                Ok(None) => {}
                Err(e) => {
                    failed += 1;
                    warn!(group = id, kind = due.kind.as_str(), "post failed: {e}");
                }
            }
        }
        Some((view, (sent, failed), batches))
    }

    /// Records the weeks whose whole slot passed while the bot was down ([`plan::missed`]),
    /// so they do not count as held; the view comes back with them.
    async fn note_missed(&self, mut view: GroupView, existing: &[Post], now: DateTime<Utc>) -> GroupView {
        let missed = plan::missed(&view, existing, now);
        if missed.is_empty() {
            return view;
        }
        match db::groups::record_missed(&self.core.db, view.group.scope(), &missed, now).await {
            Ok(_) => {
                let weeks: Vec<u32> = missed.iter().map(|m| m.week).collect();
                warn!(group = view.group.id, ?weeks, "weeks missed by the bot: it was down for their whole post slot");
                for _ in &missed {
                    crate::metrics::post("week", "missed", None);
                }
                self.groups.calendar_changed(view.group.guild_id);
                view.missed.extend(missed);
                view.missed.sort_by_key(|m| m.session);
            }
            Err(e) => error!(group = view.group.id, "cannot record missed weeks: {e}"),
        }
        view
    }

    /// A server's reminder lead in hours and whether reminders go to the channel; the
    /// defaults when its settings cannot be read (logged: one server does not stop the rest).
    async fn reminders_of(&self, guild_id: u64) -> Reminders {
        match self.core.settings.effective(guild_id).await {
            Ok(e) => Reminders { hours: e.reminder_hours, in_channel: e.channel_reminders },
            Err(e) => {
                warn!(guild = guild_id, "cannot read server settings, using the defaults: {e}");
                Reminders { hours: self.core.settings.defaults().reminder_hours, in_channel: true }
            }
        }
    }

    /// One post through the outbox. `Ok(None)` when another attempt owns it; a delivered
    /// reminder comes back with its DMs to send.
    #[tracing::instrument(name = "post", skip_all, fields(kind = due.kind.as_str(), session = due.session))]
    async fn deliver(
        &self,
        view: &GroupView,
        due: &Due,
        reminders: Reminders,
        now: DateTime<Utc>,
    ) -> Result<Option<Option<DmBatch>>, JobError> {
        let group = &view.group;
        let Some(path) = self.core.curriculum.path(&group.path_id) else {
            warn!(group = group.id, "{}", Error::missing_path(group));
            return Ok(None);
        };
        let reminder_text = match (due.kind, due.week) {
            (PostKind::Reminder, Some(w)) => Some(self.reminder_text(view, due.session, w).await?),
            _ => None,
        };
        let item = PostItem { core: &self.core, groups: &self.groups, view, path, due, reminders, reminder_text };
        let core = &self.core;
        let Some((claimed, _)) = outbox::deliver(&core.db, &self.sender, &item, now, || core.now()).await? else {
            return Ok(None);
        };
        Ok(Some(match (due.kind, due.week, item.reminder_text) {
            (PostKind::Reminder, Some(week), Some(text)) => {
                Some(DmBatch { post_id: claimed.id, session: due.session, week, text })
            }
            _ => None,
        }))
    }

    /// `/group post-now`: posts the current week of one group now, unless it is out. The
    /// same rule as a tick decides ([`plan::candidate`]), backoff and attempt limit included.
    pub async fn post_now(&self, actor: &Actor, group: Option<&str>) -> Result<(GroupView, PostNow), Error> {
        let view = self.groups.resolve(actor, group).await?;
        let outcome = self.post_now_of(&view).await?;
        Ok((view, outcome))
    }

    /// Waits only for a delivery of this group that is under way, never for a whole tick.
    async fn post_now_of(&self, view: &GroupView) -> Result<PostNow, Error> {
        let lock = self.group_lock(view.group.id);
        let _delivering = lock.lock().await;
        let now = self.core.now();
        let name = || view.group.name.clone();
        let existing = posts::for_group(&self.core.db, view.group.scope()).await?;
        let Some(k) = view.schedule().latest_started(now) else {
            return Err(UserError::NotStartedYet(name()).into());
        };
        let due = match weeks::session(k, &view.calendar, view.total_weeks) {
            Session::Week(w) => match plan::candidate(PostKind::Week, k, Some(w), &existing, now) {
                Candidate::Due(due) => due,
                Candidate::Sent => return Ok(PostNow::AlreadyOut),
                Candidate::Waiting(retry_at) => {
                    return Err(UserError::PostBackingOff { group: name(), retry_at }.into());
                }
                // Given up (failed too often, or refused for good): a moderator asking now has
                // presumably fixed it, so it is tried once more.
                Candidate::GaveUp => match existing.iter().find(|p| p.kind == PostKind::Week && p.session == k) {
                    Some(p) => Due { kind: PostKind::Week, session: k, week: p.week, retry_of: Some(p.id) },
                    None => return Err(UserError::PostGaveUp(name()).into()),
                },
            },
            Session::Finished => return Err(UserError::PathFinished(name()).into()),
            Session::Skipped | Session::Paused => return Err(UserError::NoSessionThisWeek(name()).into()),
        };
        let reminders = self.reminders_of(view.group.guild_id).await;
        let delivered = self.deliver(view, &due, reminders, now).await;
        // What the group posts next moved: the next tick plans it again.
        if let Err(e) = db::groups::replan(&self.core.db, view.group.scope()).await {
            warn!(group = view.group.id, "cannot plan the group again after post-now: {e}");
        }
        match delivered {
            Ok(Some(_)) => Ok(PostNow::Posted),
            // Another attempt owned it meanwhile (completed by then): it is out.
            Ok(None) => Ok(PostNow::AlreadyOut),
            Err(JobError::Send(f)) => {
                Err(UserError::PostFailed { group: name(), reason: format!("{} post: {}", due.kind.as_str(), f.text) }
                    .into())
            }
            Err(JobError::Db(e)) => Err(e.into()),
        }
    }

    /// Reminder DMs to members who opted in, [`DM_CONCURRENCY`] at a time; one member's closed
    /// DMs do not stop the rest. Each goes through the outbox (claimed first, so none goes out
    /// twice, even across a crash). Called with no lock held.
    async fn send_dms(&self, view: &GroupView, b: &DmBatch) {
        let (guild, group) = (view.group.guild_id, view.group.id);
        let users = match posts::dm_subscribers(&self.core.db, guild, group).await {
            Ok(u) => u,
            Err(e) => {
                warn!(group, "cannot list reminder subscribers: {e}");
                return;
            }
        };
        // Members away for the week being announced get no DM.
        let away = match db::members::away(&self.core.db, guild, group, None).await {
            Ok(a) => crate::service::reports::away_weeks(view, &a),
            Err(e) => {
                warn!(group, "cannot read away periods: {e}");
                Default::default()
            }
        };
        let users: Vec<u64> = users.into_iter().filter(|u| !away.get(u).is_some_and(|w| w.contains(&b.week))).collect();
        let due_at = view.schedule().instant(b.session);
        futures_util::stream::iter(users)
            .for_each_concurrent(DM_CONCURRENCY, |user| async move {
                let item = DmItem {
                    core: &self.core,
                    view,
                    post_id: b.post_id,
                    week: b.week,
                    user,
                    text: &b.text,
                    due_at,
                    retry: false,
                };
                if let Err(JobError::Db(e)) = self.deliver_dm(&item).await {
                    warn!(group, user, "reminder DM not sent: {e}");
                }
            })
            .await;
    }

    /// Whether the DM went out (`false`: another attempt owns it).
    async fn deliver_dm(&self, item: &DmItem<'_>) -> Result<bool, JobError> {
        let core = &self.core;
        Ok(outbox::deliver(&core.db, &self.sender, item, core.now(), || core.now()).await?.is_some())
    }

    /// The text of a reminder of week `w` for session `session` (the channel post and the DMs).
    async fn reminder_text(&self, view: &GroupView, session: u32, w: u32) -> Result<String, JobError> {
        let group = &view.group;
        let title = self
            .core
            .curriculum
            .path(&group.path_id)
            .and_then(|p| p.week(w))
            .map(|x| x.title.clone())
            .unwrap_or_default();
        let at = view.schedule().instant(session).timestamp();
        let current = match w {
            1 => None,
            _ => Some((w - 1, db::members::checked_in_count(&self.core.db, group.guild_id, group.id, w - 1).await?)),
        };
        Ok(render::reminder(&group.name, w, &title, at, current))
    }

    /// The reminder-DM retries job: DMs that failed for a passing reason and are due again,
    /// claimed one by one (one process wins), sent with the same nonce. A reminder whose
    /// session has begun is given up: it would come too late.
    pub(super) async fn retry_dms(&self, now: DateTime<Utc>) -> TickReport {
        let mut report = TickReport::default();
        let due = match db::outbox::due_dm_retries(&self.core.db, now, DM_RETRIES_PER_TICK).await {
            Ok(d) => d,
            Err(e) => {
                warn!("cannot list reminder DMs to retry: {e}");
                return report;
            }
        };
        let mut views: HashMap<i64, Option<(GroupView, Vec<Post>)>> = HashMap::new();
        for r in due.into_iter().filter(|r| self.shards.owns(r.guild_id)) {
            if let std::collections::hash_map::Entry::Vacant(slot) = views.entry(r.group_id) {
                let loaded = async {
                    let group = db::groups::get(&self.core.db, r.guild_id, r.group_id).await.ok()??;
                    let scope = group.scope();
                    let view = self.groups.view_of(group).await.ok()?;
                    let posts = posts::for_group(&self.core.db, scope).await.ok()?;
                    Some((view, posts))
                }
                .await;
                slot.insert(loaded);
            }
            let Some(Some((view, posts))) = views.get(&r.group_id) else { continue };
            let Some(post) = posts.iter().find(|p| p.id == r.post_id) else { continue };
            let session_at = view.schedule().instant(post.session);
            if now >= session_at {
                if let Ok(Some(_)) = db::outbox::retry_dm(&self.core.db, r.post_id, r.user_id, now).await {
                    let _ = db::outbox::complete_dm(&self.core.db, r.post_id, r.user_id, db::outbox::DmOutcome::GaveUp)
                        .await;
                    crate::metrics::post("reminder_dm", "failed", None);
                }
                continue;
            }
            let week = post.week.unwrap_or(1);
            let text = match self.reminder_text(view, post.session, week).await {
                Ok(t) => t,
                Err(e) => {
                    warn!(group = r.group_id, "cannot write the reminder again: {e}");
                    continue;
                }
            };
            let item = DmItem {
                core: &self.core,
                view,
                post_id: r.post_id,
                week,
                user: r.user_id,
                text: &text,
                due_at: session_at,
                retry: true,
            };
            match self.deliver_dm(&item).await {
                Ok(sent) => report.sent += usize::from(sent),
                Err(e) => {
                    report.failed += 1;
                    if let JobError::Db(e) = e {
                        warn!(group = r.group_id, user = r.user_id, "reminder DM retry failed: {e}");
                    }
                }
            }
        }
        report
    }

    /// `/remind on`: a first DM right away, so a member whose DMs are closed learns it now
    /// rather than at the first reminder. Closed DMs (50007) turn reminder DMs off again, as
    /// a reminder would.
    pub async fn welcome_dm(&self, guild: u64, user: u64, text: String) -> WelcomeDm {
        match self.sender.dm(user, render::reminder_message(text)).await {
            Ok(_) => WelcomeDm::Sent,
            Err(e) if e.code() == Some(code::CANNOT_DM) => {
                stop_reminder_dms(&self.core, guild, user).await;
                WelcomeDm::Closed
            }
            Err(e) => WelcomeDm::Failed(SendFailure::of(&e, 0).text),
        }
    }
}
