//! The weekly scheduler: posts, skip notes, closing posts and reminders.
//!
//! A tokio-cron-scheduler job ticks every 30 seconds in UTC; each tick asks the pure
//! [`plan::due`] what is due for every group (its timezone math is our own, chrono-tz
//! based) and the database what was already sent. A post is claimed in the database before
//! it is sent and completed after, and carries a Discord nonce with `enforce_nonce`, so
//! neither a retry nor a restart can produce a second message. Failures are isolated per
//! group and recorded for `/group list`.
//!
//! Groups are delivered concurrently (at most [`IN_FLIGHT`] at once), each group's posts in
//! order under its own lock, which `/group post-now` shares; every request waits for the
//! shared [`pace::Pace`] (global and per-channel budgets).

pub mod digest;
pub mod failure;
pub mod pace;

use crate::db::{self, posts};
use crate::error::{Error, UserError};
use crate::model::Actor;
use crate::model::{Group, GroupView, PostKind, PostNow, Session, WelcomeDm};
use crate::plan::{self, Candidate, Due, NONCE_TRUST};
use crate::render;
use crate::service::{Core, GroupService};
use crate::weeks;
use chrono::{DateTime, Utc};
use failure::SendFailure;
use futures_util::StreamExt;
use pace::{Budget, Pace};
use poise::serenity_prelude as serenity;
use serenity::{ChannelId, CreateMessage, CreateThread, Http, Nonce, UserId};
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};
use tokio::sync::Mutex;

/// At most this many groups are being delivered at once; their requests share one [`Pace`],
/// so a slow or failing group holds up only its own slot.
pub const IN_FLIGHT: usize = 32;
use tracing::{debug, error, info, warn};

/// What one tick did (for logs and tests).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct TickReport {
    pub sent: usize,
    pub failed: usize,
    pub groups: usize,
}

pub struct Scheduler {
    core: Core,
    groups: GroupService,
    http: OnceLock<Arc<Http>>,
    /// The gateway cache: the bot's permissions in a channel, checked before each post.
    cache: OnceLock<Arc<serenity::Cache>>,
    pace: Pace,
    /// Ticks never overlap; shutdown waits for the running one.
    ticking: Mutex<()>,
    /// One delivery at a time per group (a tick's or `/group post-now`'s), so one post is
    /// never being sent twice at once; other groups are not held up.
    group_locks: std::sync::Mutex<HashMap<i64, Arc<Mutex<()>>>>,
    job: Mutex<Option<tokio_cron_scheduler::JobScheduler>>,
    /// When the last tick ended, on the real clock (readiness: the scheduler is not stuck).
    last_tick: std::sync::Mutex<Option<std::time::Instant>>,
    /// The shards this process runs: it schedules only their servers' groups and digests.
    shards: crate::shards::Shards,
    /// Reminder DMs of posts just sent, by group: sent after the group's lock is released.
    pending_dms: std::sync::Mutex<HashMap<i64, Vec<DmJob>>>,
    /// How the last heartbeat write went ([`db::workers::beat`]): when it last succeeded,
    /// and the error of the last attempt if it failed (readiness: the database takes writes).
    heartbeat: std::sync::Mutex<Heartbeat>,
    /// The heartbeat task, stopped on shutdown.
    beating: std::sync::Mutex<Option<tokio::task::JoinHandle<()>>>,
    /// Each member's DM channel once opened (Discord asks bots not to open one per DM).
    dm_channels: std::sync::Mutex<HashMap<u64, ChannelId>>,
}

/// How the heartbeat writes go.
#[derive(Debug, Default, Clone)]
pub struct Heartbeat {
    /// The last successful write, on the real clock.
    pub ok_at: Option<std::time::Instant>,
    /// The last write's error, if it failed.
    pub error: Option<String>,
}

/// The reminder DMs of one reminder post, to send once its delivery is complete.
struct DmJob {
    view: GroupView,
    text: String,
    post_id: i64,
    week: u32,
}

/// Reminder DMs of one reminder in flight at once (each is still paced per request).
pub const DM_CONCURRENCY: usize = 4;

/// Discord's code for opening DM channels too fast: wait, then try again.
const OPENING_DMS_TOO_FAST: isize = 40003;

/// At most this many DM channels are remembered (then the memory starts over).
const DM_CHANNELS_KEPT: usize = 100_000;

/// Reminder DM retries handled per tick at most (the rest wait for the next tick).
const DM_RETRIES_PER_TICK: i64 = 200;

/// Discord's error code for "a thread has already been created for this message".
const THREAD_EXISTS: isize = 160004;

/// Discord's error code for a user who cannot be sent a DM (DMs closed, blocked, no server
/// in common).
const CANNOT_DM: isize = failure::CANNOT_DM;

/// What a delivered post left: its message and thread, and what went wrong on the way
/// (its thread could not be opened, Discord dropped its embeds) for `/group list`.
#[derive(Debug, Default)]
struct Delivered {
    message: Option<u64>,
    thread: Option<u64>,
    warnings: Vec<String>,
}

fn err_text(e: &serenity::Error) -> String {
    use serenity::HttpError;
    match e {
        serenity::Error::Http(HttpError::UnsuccessfulRequest(r)) => match r.error.code {
            50013 => "missing permissions in the channel (Send Messages, Embed Links, Create Public Threads)".into(),
            10003 => "the channel no longer exists".into(),
            50001 => "no access to the channel".into(),
            _ => format!("Discord answered {}: {}", r.status_code, r.error.message),
        },
        other => other.to_string(),
    }
}

/// How many pages of 100 recent channel messages that lookup reads at most.
const HISTORY_PAGES: usize = 3;

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
    let after = match crate::weeks::session(session + 1, &view.calendar, view.total_weeks) {
        Session::Skipped | Session::Paused => next_held(view, session).map(|(k, _)| view.schedule().instant(k)),
        _ => None,
    };
    (previous, after)
}

/// Weeks the bot missed before `session` that no weekly post has named yet.
fn unannounced(view: &GroupView, session: u32) -> Vec<u32> {
    view.missed.iter().filter(|m| !m.announced && m.session < session).map(|m| m.week).collect()
}

impl Scheduler {
    /// A scheduler pacing its requests by `budget` (Discord's limits: `Budget::default()`);
    /// `groups` is the services' own (they share its cache of the guilds' groups).
    /// `shards`: this process schedules only the groups of servers on its shards.
    pub fn new(core: Core, groups: GroupService, budget: Budget, shards: crate::shards::Shards) -> Arc<Scheduler> {
        Arc::new(Scheduler {
            shards,
            groups,
            core,
            http: OnceLock::new(),
            cache: OnceLock::new(),
            dm_channels: std::sync::Mutex::new(HashMap::new()),
            pace: Pace::new(budget),
            ticking: Mutex::new(()),
            group_locks: std::sync::Mutex::new(HashMap::new()),
            job: Mutex::new(None),
            last_tick: std::sync::Mutex::new(None),
            pending_dms: std::sync::Mutex::new(HashMap::new()),
            heartbeat: std::sync::Mutex::new(Heartbeat::default()),
            beating: std::sync::Mutex::new(None),
        })
    }

    /// Writes this process's heartbeat: it renews the lease of every claim it holds, and
    /// shows whether the database takes writes.
    pub async fn beat(&self) {
        let r = db::workers::beat(&self.core.db, self.core.now()).await;
        let mut h = self.heartbeat.lock().unwrap_or_else(|p| p.into_inner());
        match r {
            Ok(()) => {
                h.ok_at = Some(std::time::Instant::now());
                h.error = None;
            }
            Err(e) => {
                if h.error.is_none() {
                    warn!("the database refuses the heartbeat write: {e}");
                }
                h.error = Some(e.to_string());
            }
        }
    }

    /// Per-member entries in the services' shared cache (tests: the purge empties it).
    #[doc(hidden)]
    pub fn cached_members(&self) -> usize {
        self.groups.cached_members()
    }

    /// How the heartbeat writes go.
    pub fn heartbeat(&self) -> Heartbeat {
        self.heartbeat.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Purges the data of servers that removed the bot longer ago than the retention period
    /// (and did not add it back). One server's failure does not stop the others.
    async fn purge_removed_servers(&self, now: DateTime<Utc>) {
        let before = now - self.core.settings.defaults().retention;
        let due = match db::servers::due_for_purge(&self.core.db, before).await {
            Ok(d) => d,
            Err(e) => {
                warn!("cannot list removed servers: {e}");
                return;
            }
        };
        for guild in due.into_iter().filter(|g| self.shards.owns(*g)) {
            match db::servers::purge(&self.core.db, guild).await {
                Ok((groups, members)) => {
                    self.groups.purged(guild);
                    info!(guild, groups, members, "purged the data of a server that removed the bot");
                }
                Err(e) => error!(guild, "cannot purge a removed server's data: {e}"),
            }
        }
    }

    /// Real time since the last tick ended; `None` before the first.
    pub fn since_last_tick(&self) -> Option<std::time::Duration> {
        self.last_tick.lock().unwrap_or_else(|p| p.into_inner()).map(|t| t.elapsed())
    }

    fn group_lock(&self, group_id: i64) -> Arc<Mutex<()>> {
        let mut locks = self.group_locks.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        Arc::clone(locks.entry(group_id).or_default())
    }

    /// Gives the scheduler the bot's HTTP client (once the client exists).
    pub fn set_http(&self, http: Arc<Http>) {
        let _ = self.http.set(http);
    }

    /// The gateway cache, for the permission check before each post (without it, Discord's
    /// answer to the send tells).
    pub fn set_cache(&self, cache: Arc<serenity::Cache>) {
        let _ = self.cache.set(cache);
    }

    /// Whether the bot has every permission of `need` in `channel`, as far as the cache knows.
    fn check_channel(&self, guild: u64, channel: u64, need: &[crate::permissions::Need]) -> Result<(), SendFailure> {
        let Some(cache) = self.cache.get() else { return Ok(()) };
        match failure::cached_permissions(cache, guild, channel) {
            None => Ok(()),
            Some(Err(gone)) => Err(gone),
            Some(Ok(have)) => {
                let missing = crate::permissions::missing(have, need);
                if missing.is_empty() { Ok(()) } else { Err(SendFailure::missing(channel, &missing)) }
            }
        }
    }

    fn http(&self) -> anyhow::Result<&Arc<Http>> {
        self.http.get().ok_or_else(|| anyhow::anyhow!("scheduler has no HTTP client yet"))
    }

    /// Starts the ticking job (once). The first tick runs immediately: that is the
    /// catch-up after downtime.
    pub async fn start(self: &Arc<Self>) -> anyhow::Result<()> {
        let mut job = self.job.lock().await;
        if job.is_some() {
            return Ok(());
        }
        let me = Arc::downgrade(self);
        let beating = tokio::spawn(async move {
            let mut every = tokio::time::interval(db::workers::BEAT_EVERY);
            loop {
                every.tick().await;
                let Some(me) = me.upgrade() else { return };
                me.beat().await;
            }
        });
        *self.beating.lock().unwrap_or_else(|p| p.into_inner()) = Some(beating);
        let sched = tokio_cron_scheduler::JobScheduler::new().await?;
        let me = Arc::downgrade(self);
        sched
            .add(tokio_cron_scheduler::Job::new_async("*/30 * * * * *", move |_id, _l| {
                let me = me.clone();
                Box::pin(async move {
                    if let Some(me) = me.upgrade() {
                        me.tick().await;
                    }
                })
            })?)
            .await?;
        sched.start().await?;
        *job = Some(sched);
        drop(job);
        let me = Arc::clone(self);
        tokio::spawn(async move {
            let r = me.tick().await;
            info!(sent = r.sent, failed = r.failed, groups = r.groups, "start-up catch-up done");
        });
        Ok(())
    }

    /// Stops the ticking job; a tick in progress finishes first.
    pub async fn shutdown(&self) {
        let job = self.job.lock().await.take();
        if let Some(mut s) = job
            && let Err(e) = s.shutdown().await
        {
            warn!("scheduler shutdown: {e}");
        }
        let _ticking = self.ticking.lock().await;
        if let Some(task) = self.beating.lock().unwrap_or_else(|p| p.into_inner()).take() {
            task.abort();
        }
        // Nothing is being sent any more: this process's claims are free for the next one.
        if let Err(e) = db::workers::leave(&self.core.db).await {
            warn!("cannot remove this process's heartbeat: {e}");
        }
    }

    /// One pass over every group: sends what is due, up to [`IN_FLIGHT`] groups at once.
    /// Never fails as a whole; a failing group is logged and recorded, the others go on.
    #[tracing::instrument(name = "tick", skip_all)]
    pub async fn tick(&self) -> TickReport {
        let _ticking = self.ticking.lock().await;
        // The leases of this tick's claims (and any from before) are fresh.
        self.beat().await;
        let mut report = TickReport::default();
        let all = match db::groups::all(&self.core.db).await {
            Ok(g) => g,
            Err(e) => {
                error!("scheduler cannot list groups: {e}");
                return report;
            }
        };
        let now = self.core.now();
        // Another process runs the other shards' servers (`--shards`).
        let all: Vec<Group> = all.into_iter().filter(|g| self.shards.owns(g.guild_id)).collect();
        report.groups = all.len();
        let mut outcomes = futures_util::stream::iter(all).map(|g| self.tick_group(g, now)).buffer_unordered(IN_FLIGHT);
        while let Some((sent, failed)) = outcomes.next().await {
            report.sent += sent;
            report.failed += failed;
        }
        drop(outcomes);
        self.retry_dms(now).await;
        let (sent, failed) = self.tick_digests(now).await;
        report.sent += sent;
        report.failed += failed;
        self.purge_removed_servers(now).await;
        self.pace.tidy();
        self.group_locks
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .retain(|_, l| Arc::strong_count(l) > 1);
        *self.last_tick.lock().unwrap_or_else(|p| p.into_inner()) = Some(std::time::Instant::now());
        crate::metrics::METRICS.scheduler_ticks.inc();
        if report.sent + report.failed > 0 {
            info!(sent = report.sent, failed = report.failed, "scheduler tick");
        } else {
            debug!(groups = report.groups, "scheduler tick: nothing due");
        }
        report
    }

    /// What is due for one group at `now`, delivered in order: (sent, failed).
    #[tracing::instrument(name = "group", skip_all, fields(group = group.id, guild = group.guild_id))]
    async fn tick_group(&self, group: Group, now: DateTime<Utc>) -> (usize, usize) {
        let id = group.id;
        let lock = self.group_lock(id);
        let delivering = lock.lock().await;
        let counts = self.deliver_due(group, now).await;
        drop(delivering);
        let jobs = self.pending_dms.lock().unwrap_or_else(|p| p.into_inner()).remove(&id).unwrap_or_default();
        for job in jobs {
            self.send_dms(&job.view, &job.text, job.post_id, job.week).await;
        }
        counts
    }

    /// Under the group's lock: what is due for it, delivered in order (sent, failed).
    async fn deliver_due(&self, group: Group, now: DateTime<Utc>) -> (usize, usize) {
        let id = group.id;
        let view = match self.groups.view_of(group).await {
            Ok(v) => v,
            Err(e) => {
                warn!(group = id, "cannot schedule group: {e:#}");
                return (0, 0);
            }
        };
        let existing = match posts::for_group(&self.core.db, id).await {
            Ok(p) => p,
            Err(e) => {
                error!(group = id, "cannot read posts: {e}");
                return (0, 0);
            }
        };
        let view = self.note_missed(view, &existing, now).await;
        let (mut sent, mut failed) = (0, 0);
        let hours = self.reminders_of(view.group.guild_id).await.0;
        for due in plan::due(&view, &existing, now, hours) {
            match self.deliver(&view, &due).await {
                Ok(true) => sent += 1,
                Ok(false) => {}
                Err(e) => {
                    failed += 1;
                    warn!(group = id, kind = due.kind.as_str(), "post failed: {e:#}");
                }
            }
        }
        (sent, failed)
    }

    /// Records the weeks whose whole slot passed while the bot was down ([`plan::missed`]),
    /// so they do not count as held; the view comes back with them.
    async fn note_missed(&self, mut view: GroupView, existing: &[crate::model::Post], now: DateTime<Utc>) -> GroupView {
        let missed = plan::missed(&view, existing, now);
        if missed.is_empty() {
            return view;
        }
        match db::groups::record_missed(&self.core.db, view.group.id, &missed, now).await {
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
        let existing = posts::for_group(&self.core.db, view.group.id).await?;
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
        match self.deliver(view, &due).await {
            Ok(true) => Ok(PostNow::Posted),
            // Another attempt owned it meanwhile (completed by then): it is out.
            Ok(false) => Ok(PostNow::AlreadyOut),
            Err(e) => match e.downcast_ref::<SendFailure>() {
                Some(f) => Err(UserError::PostFailed { group: name(), reason: f.text.clone() }.into()),
                None => Err(Error::internal(format!("post-now: {e:#}"))),
            },
        }
    }

    /// A server's reminder lead in hours and whether reminders go to the channel; the
    /// defaults when its settings cannot be read (logged: one server does not stop the rest).
    async fn reminders_of(&self, guild_id: u64) -> (u32, bool) {
        match self.core.settings.effective(guild_id).await {
            Ok(e) => (e.reminder_hours, e.channel_reminders),
            Err(e) => {
                warn!(guild = guild_id, "cannot read server settings, using the defaults: {e}");
                (self.core.settings.defaults().reminder_hours, true)
            }
        }
    }

    /// When `due` was due: its session's instant, or the reminder's time before it.
    async fn due_at(&self, view: &GroupView, due: &Due) -> DateTime<Utc> {
        let at = view.schedule().instant(due.session);
        match due.kind {
            PostKind::Reminder => {
                at - chrono::Duration::hours(i64::from(self.reminders_of(view.group.guild_id).await.0))
            }
            _ => at,
        }
    }

    /// Claims, sends and completes one post. Ok(false) when another attempt owns it.
    #[tracing::instrument(name = "post", skip_all, fields(kind = due.kind.as_str(), session = due.session, post))]
    async fn deliver(&self, view: &GroupView, due: &Due) -> anyhow::Result<bool> {
        let now = self.core.now();
        let group_id = view.group.id;
        let (post_id, nonce, first_claimed) = match due.retry_of {
            // A retry reuses the nonce of the first attempt, so Discord can match it.
            Some(id) => match posts::retry(&self.core.db, id, now).await? {
                Some((nonce, first)) => (id, nonce, Some(first)),
                None => return Ok(false),
            },
            None => match posts::claim(&self.core.db, group_id, due.kind, due.session, due.week, now).await? {
                Some(id) => (id, posts::nonce(group_id, due.kind, due.session), None),
                None => return Ok(false),
            },
        };
        tracing::Span::current().record("post", post_id);
        // Past the nonce window Discord would make a second message: look for the first.
        let late_retry = first_claimed.is_some_and(|first| now - first > NONCE_TRUST);
        // Nothing goes out half-done: the permissions the post needs are checked first.
        let in_channel = due.kind != PostKind::Reminder || self.reminders_of(view.group.guild_id).await.1;
        let need = if due.kind == PostKind::Week {
            crate::permissions::GROUP_CHANNEL
        } else {
            crate::permissions::CHANNEL_POSTS
        };
        let checked = match in_channel {
            true => self.check_channel(view.group.guild_id, view.group.channel_id, need),
            false => Ok(()),
        };
        let (result, outcome) = match (checked, late_retry) {
            (Err(f), _) => (Err(f), "sent"),
            (Ok(()), true) => match self.find_earlier(view, due, post_id).await {
                Ok(Some(found)) => (Ok(found), "found"),
                Ok(None) => (self.send(view, due, &nonce, post_id).await, "sent"),
                Err(f) => (
                    Err(SendFailure {
                        text: format!("cannot look for an earlier copy in the channel: {}", f.text),
                        permanent: f.permanent,
                    }),
                    "sent",
                ),
            },
            (Ok(()), false) => (self.send(view, due, &nonce, post_id).await, "sent"),
        };
        match result {
            Ok(Delivered { message, thread, warnings }) => {
                let sent_at = self.core.now();
                posts::mark_sent(&self.core.db, post_id, message, thread, sent_at).await?;
                let late = (sent_at - self.due_at(view, due).await).to_std().unwrap_or_default();
                crate::metrics::post(due.kind.as_str(), outcome, Some(late));
                if outcome == "found" {
                    info!(
                        group = group_id,
                        post = post_id,
                        "an earlier attempt's message was in the channel: not sent again"
                    );
                }
                if due.kind == PostKind::Week && !unannounced(view, due.session).is_empty() {
                    db::groups::announce_missed(&self.core.db, group_id, due.session, post_id).await?;
                    self.groups.calendar_changed(view.group.guild_id);
                }
                if !warnings.is_empty() {
                    let text = format!("{} post went out, but {}", due.kind.as_str(), warnings.join("; "));
                    warn!(group = group_id, post = post_id, "{text}");
                    db::groups::set_error(&self.core.db, group_id, Some(&text), now).await?;
                } else if view.group.last_error.is_some() || due.retry_of.is_some() {
                    // (A retry's view may come from a cache that predates the failure.)
                    db::groups::set_error(&self.core.db, group_id, None, now).await?;
                }
                Ok(true)
            }
            Err(f) => {
                let text = format!("{} post: {}", due.kind.as_str(), f.text);
                crate::metrics::post(due.kind.as_str(), "failed", None);
                // A permanent refusal is given up at once: no retries against it.
                posts::mark_failed(&self.core.db, post_id, &text, now, f.permanent).await?;
                db::groups::set_error(&self.core.db, group_id, Some(&text), now).await?;
                Err(anyhow::Error::new(SendFailure { text, permanent: f.permanent }))
            }
        }
    }

    /// Sends a channel message within the channel's pace. 429s and 5xx are retried below,
    /// by serenity's rate limiter or, behind a proxy, by [`crate::rest`].
    /// The second value is a warning when Discord sent the message without the embeds it
    /// carried (the bot lost Embed Links since the check).
    async fn send_message(
        &self,
        channel: ChannelId,
        msg: CreateMessage,
    ) -> Result<(serenity::Message, Option<String>), SendFailure> {
        let http = self.http().map_err(|e| SendFailure::transient(e.to_string()))?;
        let embeds = serde_json::to_value(&msg).ok().and_then(|v| v["embeds"].as_array().map(Vec::len)).unwrap_or(0);
        self.pace.message(channel.get()).await;
        let m = channel.send_message(http.as_ref(), msg).await.map_err(|e| SendFailure::of(&e, channel.get()))?;
        let dropped = (embeds > 0 && m.embeds.is_empty()).then(|| {
            format!("Discord dropped its embeds (the bot lacks Embed Links in <#{channel}>): give it Embed Links there")
        });
        Ok((m, dropped))
    }

    /// The earlier attempt's message of this post in the channel's recent history, if the
    /// bot sent it (and the thread of a weekly post, opened now if it is missing).
    async fn find_earlier(&self, view: &GroupView, due: &Due, post_id: i64) -> Result<Option<Delivered>, SendFailure> {
        let http = self.http().map_err(|e| SendFailure::transient(e.to_string()))?;
        let group = &view.group;
        let path = self
            .core
            .curriculum
            .path(&group.path_id)
            .ok_or_else(|| SendFailure::transient(format!("path `{}` is not in the curriculum", group.path_id)))?;
        self.pace.request().await;
        let me = http.get_current_user().await.map_err(|e| SendFailure::transient(err_text(&e)))?.id;
        // Messages completing other posts of the group are not this one.
        let taken: std::collections::HashSet<u64> = posts::for_group(&self.core.db, group.id)
            .await
            .map_err(|e| SendFailure::transient(e.to_string()))?
            .into_iter()
            .filter(|p| p.id != post_id)
            .filter_map(|p| p.message_id)
            .collect();
        let channel = ChannelId::new(group.channel_id);
        let mut before: Option<serenity::MessageId> = None;
        for _ in 0..HISTORY_PAGES {
            let mut query = serenity::GetMessages::new().limit(100);
            if let Some(b) = before {
                query = query.before(b);
            }
            self.pace.request().await;
            let page = channel.messages(http.as_ref(), query).await.map_err(|e| SendFailure::of(&e, channel.get()))?;
            let found = page
                .iter()
                .find(|m| m.author.id == me && !taken.contains(&m.id.get()) && is_copy(view, &path.path.name, due, m));
            if let Some(m) = found {
                let mut found = Delivered { message: Some(m.id.get()), ..Default::default() };
                match (due.kind, &m.thread) {
                    (PostKind::Week, Some(t)) => found.thread = Some(t.id.get()),
                    (PostKind::Week, None) => {
                        let week = due
                            .week
                            .and_then(|w| path.week(w))
                            .ok_or_else(|| SendFailure::transient("week not in the path"))?;
                        match self.open_thread(channel, m.id, week).await {
                            Ok(t) => found.thread = Some(t),
                            Err(w) => found.warnings.push(w.text),
                        }
                    }
                    _ => {}
                }
                return Ok(Some(found));
            }
            match page.last() {
                Some(last) if page.len() == 100 => before = Some(last.id),
                _ => break,
            }
        }
        Ok(None)
    }

    /// Opens the discussion thread of a weekly post. A failure is not retried later (the
    /// post itself is out): its words are the post's warning, for `/group list`.
    async fn open_thread(
        &self,
        channel: ChannelId,
        message: serenity::MessageId,
        week: &crate::curriculum::Week,
    ) -> Result<u64, SendFailure> {
        let http = self.http().map_err(|e| SendFailure::transient(e.to_string()))?;
        let name: String = format!("Week {}: {}", week.number, week.title).chars().take(100).collect();
        let thread = CreateThread::new(name).auto_archive_duration(serenity::AutoArchiveDuration::OneWeek);
        // 429s and 5xx are retried below, like the post's (see `send_message`).
        self.pace.request().await;
        match channel.create_thread_from_message(http.as_ref(), message, thread).await {
            Ok(t) => Ok(t.id.get()),
            // Another copy of this attempt opened it: a thread started from a message has
            // the message's id.
            Err(serenity::Error::Http(serenity::HttpError::UnsuccessfulRequest(r)))
                if r.error.code == THREAD_EXISTS =>
            {
                Ok(message.get())
            }
            Err(e) => {
                let why = match &e {
                    serenity::Error::Http(serenity::HttpError::UnsuccessfulRequest(r))
                        if r.error.code == failure::MISSING_PERMISSIONS =>
                    {
                        format!("the bot lacks Create Public Threads in <#{channel}>")
                    }
                    _ => err_text(&e),
                };
                Err(SendFailure::transient(format!("its discussion thread could not be opened: {why}")))
            }
        }
    }

    async fn send(&self, view: &GroupView, due: &Due, nonce: &str, post_id: i64) -> Result<Delivered, SendFailure> {
        let group = &view.group;
        let channel = ChannelId::new(group.channel_id);
        let path = self
            .core
            .curriculum
            .path(&group.path_id)
            .ok_or_else(|| SendFailure::transient(format!("path `{}` is not in the curriculum", group.path_id)))?;
        let sent = |(m, warning): (serenity::Message, Option<String>)| Delivered {
            message: Some(m.id.get()),
            thread: None,
            warnings: warning.into_iter().collect(),
        };
        let with_nonce = |m: CreateMessage| m.nonce(Nonce::String(nonce.to_string())).enforce_nonce(true);
        match due.kind {
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
                let msg = self
                    .send_message(channel, with_nonce(render::week_post(&self.core.curriculum, path, week, &target)))
                    .await?;
                let id = msg.0.id;
                let mut done = sent(msg);
                match self.open_thread(channel, id, week).await {
                    Ok(t) => done.thread = Some(t),
                    Err(w) => done.warnings.push(w.text),
                }
                Ok(done)
            }
            PostKind::Skip => {
                let next_week = next_held(view, due.session).map(|(_, w)| w);
                Ok(sent(self.send_message(channel, with_nonce(render::skip_note(&group.name, next_week))).await?))
            }
            PostKind::Closing => {
                Ok(sent(self.send_message(channel, with_nonce(render::closing_post(&group.name, path))).await?))
            }
            PostKind::Reminder => {
                let w = due.week.unwrap_or(1);
                let text = self
                    .reminder_text(view, due.session, w)
                    .await
                    .map_err(|e| SendFailure::transient(e.to_string()))?;
                // A server may keep reminders out of its channels: then only the DMs go out.
                let done = match self.reminders_of(group.guild_id).await.1 {
                    true => sent(self.send_message(channel, with_nonce(render::reminder_message(text.clone()))).await?),
                    false => Delivered::default(),
                };
                // The DMs go out once the group's lock is released (`tick_group`).
                let job = DmJob { view: view.clone(), text, post_id, week: w };
                self.pending_dms.lock().unwrap_or_else(|p| p.into_inner()).entry(group.id).or_default().push(job);
                Ok(done)
            }
        }
    }

    /// Reminder DMs to members who opted in, [`DM_CONCURRENCY`] at a time; one member's closed
    /// DMs do not stop the rest. Each is claimed first, so none goes out twice, even across a
    /// crash. Called with no lock held.
    async fn send_dms(&self, view: &GroupView, text: &str, post_id: i64, week: u32) {
        let Ok(http) = self.http() else { return };
        let users = match posts::dm_subscribers(&self.core.db, view.group.guild_id, view.group.id).await {
            Ok(u) => u,
            Err(e) => {
                warn!(group = view.group.id, "cannot list reminder subscribers: {e}");
                return;
            }
        };
        // Members away for the week being announced get no DM.
        let away = match db::members::away(&self.core.db, view.group.guild_id, view.group.id, None).await {
            Ok(a) => crate::service::reports::away_weeks(view, &a),
            Err(e) => {
                warn!(group = view.group.id, "cannot read away periods: {e}");
                Default::default()
            }
        };
        let users: Vec<u64> = users.into_iter().filter(|u| !away.get(u).is_some_and(|w| w.contains(&week))).collect();
        futures_util::stream::iter(users)
            .for_each_concurrent(DM_CONCURRENCY, |u| async move {
                match posts::claim_dm(&self.core.db, post_id, u, self.core.now()).await {
                    Ok(true) => self.send_dm(view, http, text, post_id, week, u, 1).await,
                    Ok(false) => {}
                    Err(e) => {
                        warn!(group = view.group.id, user = u, "cannot claim the reminder DM, not sending it: {e}")
                    }
                }
            })
            .await;
    }

    /// The text of a reminder of week `w` for session `session` (the channel post and the DMs).
    async fn reminder_text(&self, view: &GroupView, session: u32, w: u32) -> Result<String, Error> {
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

    /// Reminder DMs that failed for a passing reason and are due again: claimed one by one
    /// (one process wins), sent with the same nonce. A reminder whose session has begun is
    /// given up: it would come too late.
    async fn retry_dms(&self, now: DateTime<Utc>) {
        let Ok(http) = self.http() else { return };
        let due = match posts::due_dm_retries(&self.core.db, now, DM_RETRIES_PER_TICK).await {
            Ok(d) => d,
            Err(e) => {
                warn!("cannot list reminder DMs to retry: {e}");
                return;
            }
        };
        let mut views: HashMap<i64, Option<(GroupView, Vec<crate::model::Post>)>> = HashMap::new();
        for r in due.into_iter().filter(|r| self.shards.owns(r.guild_id)) {
            if let std::collections::hash_map::Entry::Vacant(slot) = views.entry(r.group_id) {
                let loaded = async {
                    let group = db::groups::get(&self.core.db, r.guild_id, r.group_id).await.ok()??;
                    let view = self.groups.view_of(group).await.ok()?;
                    let posts = posts::for_group(&self.core.db, r.group_id).await.ok()?;
                    Some((view, posts))
                }
                .await;
                slot.insert(loaded);
            }
            let Some(Some((view, posts))) = views.get(&r.group_id) else { continue };
            let Some(post) = posts.iter().find(|p| p.id == r.post_id) else { continue };
            let Ok(Some(attempt)) = posts::retry_dm(&self.core.db, r.post_id, r.user_id, now).await else { continue };
            if now >= view.schedule().instant(post.session) {
                let _ = posts::complete_dm(&self.core.db, r.post_id, r.user_id, posts::DmOutcome::GaveUp).await;
                crate::metrics::post("reminder_dm", "failed", None);
                continue;
            }
            let week = post.week.unwrap_or(1);
            match self.reminder_text(view, post.session, week).await {
                Ok(text) => self.send_dm(view, http, &text, r.post_id, week, r.user_id, attempt).await,
                Err(e) => {
                    warn!(group = r.group_id, "cannot write the reminder again: {e}");
                    let retry = posts::DmOutcome::RetryAt(now + chrono::Duration::minutes(5));
                    let _ = posts::complete_dm(&self.core.db, r.post_id, r.user_id, retry).await;
                }
            }
        }
    }

    /// `/remind on`: a first DM right away, so a member whose DMs are closed learns it now
    /// rather than at the first reminder. Closed DMs (50007) turn reminder DMs off again, as
    /// a reminder would.
    pub async fn welcome_dm(&self, guild: u64, user: u64, text: String) -> WelcomeDm {
        let Ok(http) = self.http() else { return WelcomeDm::Failed("not connected to Discord yet".into()) };
        match self.message_member(http, user, render::reminder_message(text)).await {
            Ok(_) => WelcomeDm::Sent,
            Err(serenity::Error::Http(serenity::HttpError::UnsuccessfulRequest(r))) if r.error.code == CANNOT_DM => {
                self.stop_reminder_dms(guild, user).await;
                WelcomeDm::Closed
            }
            Err(e) => WelcomeDm::Failed(err_text(&e)),
        }
    }

    /// A DM to `user` in their remembered DM channel, within the pace.
    async fn message_member(
        &self,
        http: &Http,
        user: u64,
        msg: CreateMessage,
    ) -> Result<serenity::Message, serenity::Error> {
        let dm = self.dm_channel(http, user).await?;
        self.pace.message(dm.get()).await;
        dm.send_message(http, msg).await
    }

    /// Discord cannot DM the member (50007): reminder DMs off until they turn them on again.
    async fn stop_reminder_dms(&self, guild: u64, user: u64) {
        info!(user, "member cannot be sent DMs (50007): reminder DMs turned off");
        if let Err(e) = db::members::stop_reminder_dms(&self.core.db, guild, user).await {
            warn!(user, "cannot turn off reminder DMs: {e}");
        }
    }

    /// The member's DM channel: remembered once opened (Discord asks bots not to open one per
    /// message).
    async fn dm_channel(&self, http: &Http, user: u64) -> Result<ChannelId, serenity::Error> {
        if let Some(c) = self.dm_channels.lock().unwrap_or_else(|p| p.into_inner()).get(&user) {
            return Ok(*c);
        }
        self.pace.request().await;
        let c = UserId::new(user).create_dm_channel(http).await?.id;
        let mut kept = self.dm_channels.lock().unwrap_or_else(|p| p.into_inner());
        if kept.len() >= DM_CHANNELS_KEPT {
            kept.clear();
        }
        kept.insert(user, c);
        Ok(c)
    }

    /// One member's reminder DM (already claimed; `attempt` from 1): sent with its nonce,
    /// recorded. A member Discord reports as unreachable (50007) gets no more reminder DMs
    /// until they turn them on again; a passing failure (Discord busy, opening DMs too fast,
    /// a dropped connection) is tried again later, at most [`plan::DM_ATTEMPTS`] times.
    #[allow(clippy::too_many_arguments)]
    async fn send_dm(
        &self,
        view: &GroupView,
        http: &Arc<Http>,
        text: &str,
        post_id: i64,
        week: u32,
        u: u64,
        attempt: u32,
    ) {
        let guild = view.group.guild_id;
        let nonce = posts::dm_nonce(post_id, u);
        // A button to check in for the week ending (the one before the week announced).
        let checkin_week = week.checked_sub(1).filter(|w| *w >= 1);
        let msg = render::reminder_dm(text.to_string(), view.group.id, checkin_week)
            .nonce(Nonce::String(nonce))
            .enforce_nonce(true);
        let result = self.message_member(http, u, msg).await;
        let code = match &result {
            Err(serenity::Error::Http(serenity::HttpError::UnsuccessfulRequest(r))) => Some(r.error.code),
            _ => None,
        };
        if code == Some(failure::UNKNOWN_CHANNEL) {
            // A remembered DM channel Discord no longer knows: open a new one next time.
            self.dm_channels.lock().unwrap_or_else(|p| p.into_inner()).remove(&u);
        }
        let passing = match &result {
            Ok(_) => false,
            Err(e) => {
                code == Some(OPENING_DMS_TOO_FAST)
                    || code == Some(failure::UNKNOWN_CHANNEL)
                    || !SendFailure::of(e, 0).permanent
            }
        };
        let now = self.core.now();
        let outcome = match &result {
            Ok(_) => posts::DmOutcome::Sent,
            // The same backoff as every item (1, 2, 4, 8 minutes), at most DM_ATTEMPTS times.
            Err(_) => match plan::next_try(attempt, now, !passing, plan::DM_ATTEMPTS) {
                Some(at) => posts::DmOutcome::RetryAt(at),
                None => posts::DmOutcome::GaveUp,
            },
        };
        if let Err(e) = posts::complete_dm(&self.core.db, post_id, u, outcome).await {
            warn!(group = view.group.id, user = u, "cannot record the reminder DM: {e}");
        }
        match result {
            Ok(_) => crate::metrics::post("reminder_dm", "sent", None),
            Err(_) if code == Some(CANNOT_DM) => {
                crate::metrics::post("reminder_dm", "failed", None);
                self.stop_reminder_dms(guild, u).await;
            }
            Err(e) => {
                let again = matches!(outcome, posts::DmOutcome::RetryAt(_));
                if !again {
                    crate::metrics::post("reminder_dm", "failed", None);
                }
                warn!(group = view.group.id, user = u, attempt, again, "reminder DM failed: {}", err_text(&e));
            }
        }
    }
}
