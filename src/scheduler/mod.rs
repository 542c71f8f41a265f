//! The scheduler: a runner of background jobs over one exactly-once protocol.
//!
//! A tokio-cron-scheduler job ticks every 30 seconds in UTC; each tick runs every job of the
//! [`jobs::registry`] in turn (weekly posts, reminder-DM retries, digests, the retention
//! purge). Every message a job sends goes through the [`outbox`] (claim -> check -> look for
//! the first copy when late -> send with nonce -> complete), whose decisions are the pure
//! [`crate::plan::attempt`]; every Discord call goes through the one [`discord::Sender`],
//! paced by [`pace::Pace`]. Failures are isolated per item and recorded for `/group list`.
//! How to add a job: [`jobs`].
//!
//! Groups are delivered concurrently (at most [`IN_FLIGHT`] at once), each group's posts in
//! order under its own lock, which `/group post-now` shares.

pub(crate) mod buddies;
pub(crate) mod buddy_reports;
pub(crate) mod digest;
pub(crate) mod discord;
pub(crate) mod failure;
pub(crate) mod jobs;
pub(crate) mod outbox;
pub mod pace;
pub(crate) mod posts;
pub(crate) mod review_dms;
pub(crate) mod session_events;

use crate::db;
use crate::service::{Core, GroupService};
use chrono::{DateTime, Utc};
use discord::Sender;
use pace::Budget;
use poise::serenity_prelude as serenity;
use serenity::Http;
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::Mutex;
use tracing::{debug, error, info, warn};

/// At most this many groups are being delivered at once; their requests share one pace,
/// so a slow or failing group holds up only its own slot.
pub const IN_FLIGHT: usize = 32;

/// What one tick did (for logs and tests).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct TickReport {
    pub sent: usize,
    pub failed: usize,
    pub groups: usize,
}

impl std::ops::AddAssign for TickReport {
    fn add_assign(&mut self, o: TickReport) {
        self.sent += o.sent;
        self.failed += o.failed;
        self.groups += o.groups;
    }
}

pub struct Scheduler {
    core: Core,
    groups: GroupService,
    /// Every Discord call of the jobs.
    sender: Sender,
    jobs: Vec<Box<dyn jobs::Job>>,
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
    /// How the last heartbeat write went ([`db::workers::beat`]): when it last succeeded,
    /// and the error of the last attempt if it failed (readiness: the database takes writes).
    heartbeat: std::sync::Mutex<Heartbeat>,
    /// The heartbeat task, stopped on shutdown.
    beating: std::sync::Mutex<Option<tokio::task::JoinHandle<()>>>,
}

/// How the heartbeat writes go.
#[derive(Debug, Default, Clone)]
pub struct Heartbeat {
    /// The last successful write, on the real clock.
    pub ok_at: Option<std::time::Instant>,
    /// The last write's error, if it failed.
    pub error: Option<String>,
}

/// Starting the ticks failed.
#[derive(Debug, thiserror::Error)]
#[error("cannot start the scheduler: {0}")]
pub struct StartError(#[from] tokio_cron_scheduler::JobSchedulerError);

impl Scheduler {
    /// A scheduler pacing its requests by `budget` (Discord's limits: `Budget::default()`);
    /// `groups` is the services' own (they share its cache of the guilds' groups).
    /// `shards`: this process schedules only the groups of servers on its shards.
    pub fn new(core: Core, groups: GroupService, budget: Budget, shards: crate::shards::Shards) -> Arc<Scheduler> {
        Arc::new(Scheduler {
            shards,
            groups,
            core,
            sender: Sender::new(budget),
            jobs: jobs::registry(),
            ticking: Mutex::new(()),
            group_locks: std::sync::Mutex::new(HashMap::new()),
            job: Mutex::new(None),
            last_tick: std::sync::Mutex::new(None),
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
        self.sender.set_http(http);
    }

    /// The gateway cache, for the permission check before each post (without it, Discord's
    /// answer to the send tells).
    pub fn set_cache(&self, cache: Arc<serenity::Cache>) {
        self.sender.set_cache(cache);
    }

    /// At start-up, before the first tick: the curriculum or the defaults may have changed
    /// while the bot was down, so every group and digest of this process's shards is planned
    /// again by the first tick (the start-up catch-up).
    pub async fn plan_again(&self) {
        let range = self.shards.range();
        if let Err(e) = db::groups::replan_all(&self.core.db, range).await {
            warn!("cannot plan the groups again at start-up: {e}");
        }
        if let Err(e) = db::settings::replan_digests(&self.core.db, range).await {
            warn!("cannot plan the digests again at start-up: {e}");
        }
    }

    /// The names of the registered jobs, in the order a tick runs them.
    pub fn job_names(&self) -> Vec<&'static str> {
        self.jobs.iter().map(|j| j.name()).collect()
    }

    /// Runs one job by name at `now` (tests: the registry check); `None` for an unknown name.
    #[doc(hidden)]
    pub async fn run_job(&self, name: &str, now: DateTime<Utc>) -> Option<TickReport> {
        let job = self.jobs.iter().find(|j| j.name() == name)?;
        Some(job.run(self, now).await)
    }

    /// Starts the ticking job (once). The first tick runs immediately: that is the
    /// catch-up after downtime.
    pub async fn start(self: &Arc<Self>) -> Result<(), StartError> {
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

    /// One tick: every job of the registry in turn. Never fails as a whole; a failing item
    /// is logged and recorded, the others go on.
    #[tracing::instrument(name = "tick", skip_all)]
    pub async fn tick(&self) -> TickReport {
        let _ticking = self.ticking.lock().await;
        // The leases of this tick's claims (and any from before) are fresh.
        self.beat().await;
        let now = self.core.now();
        let mut report = TickReport::default();
        for job in &self.jobs {
            let r = job.run(self, now).await;
            if r.failed > 0 {
                debug!(job = job.name(), sent = r.sent, failed = r.failed, "job had failures");
            }
            report += r;
        }
        self.sender.tidy();
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

    /// The weekly-posts job: the groups of this process's shards that are due (another
    /// process runs the other shards' servers, `--shards`).
    async fn weekly_posts(&self, now: DateTime<Utc>) -> TickReport {
        match db::groups::due(&self.core.db, now, self.shards.range()).await {
            Ok(due) => self.tick_groups(due, now).await,
            Err(e) => {
                error!("scheduler cannot list the groups due: {e}");
                TickReport { failed: 1, ..Default::default() }
            }
        }
    }
}
