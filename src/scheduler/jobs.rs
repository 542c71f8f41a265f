//! The job registry: everything the bot does on its own, one [`Job`] each, run by the
//! scheduler's tick in the order of [`registry`].
//!
//! # How to add a job
//!
//! A job is "do what is due now, for this process's shards". Say the bot should DM a member
//! their weekly review cards (the spaced-review feature):
//!
//! 1. **What is due, in SQL.** A `db` function that selects only the rows due by `now` and of
//!    this process's shards (`db::shards_filter`), served by an index on the due instant,
//!    so an idle tick reads nothing: `db::reviews::due(db, now, shards, limit)`.
//! 2. **One outbox item per message** ([`super::outbox::Item`]): its claim (a row with a
//!    unique key and a stable nonce, like `reminder_dms`), its target
//!    (`Target::Dm { user }`), its body (a `render` function), "is this my copy", and its
//!    completion (sent, or failed with the moderator's words; the attempt state machine
//!    [`crate::plan::attempt`] decides retries). The outbox does the claim, the permission
//!    check, the late lookup, the send with nonce and the metrics.
//! 3. **The job type**:
//!
//!    ```ignore
//!    pub(super) struct ReviewDms;
//!    impl Job for ReviewDms {
//!        fn name(&self) -> &'static str { "review_dms" }
//!        fn run<'a>(&'a self, s: &'a Scheduler, now: DateTime<Utc>) -> BoxFuture<'a, TickReport> {
//!            Box::pin(s.review_dms(now)) // select due rows, deliver each item, count
//!        }
//!    }
//!    ```
//!
//!    and one line in [`registry`]. Failures are isolated per item: log and count them in the
//!    returned [`TickReport`], never return early for one bad row.
//! 4. **Tests**: the registry test (`scheduler::jobs::tests`) runs every job once on an
//!    empty database on both backends; an end-to-end test against the fake Discord sends
//!    the item once across a crash (see `tests/e2e_schedule.rs`).

use super::{Scheduler, TickReport};
use chrono::{DateTime, Utc};
use futures_util::future::BoxFuture;
use tracing::{error, info};

/// One kind of background work.
pub trait Job: Send + Sync {
    /// Unique, for logs and metrics.
    fn name(&self) -> &'static str;
    /// Does what is due at `now`; never fails as a whole (failures are counted per item).
    fn run<'a>(&'a self, s: &'a Scheduler, now: DateTime<Utc>) -> BoxFuture<'a, TickReport>;
}

/// Every job, in the order a tick runs them.
pub fn registry() -> Vec<Box<dyn Job>> {
    vec![
        Box::new(WeeklyPosts),
        Box::new(ReminderDmRetries),
        Box::new(Digests),
        Box::new(ReviewCards),
        Box::new(ReviewDms),
        Box::new(SessionEvents),
        Box::new(BuddyRounds),
        Box::new(BuddyCheckbacks),
        Box::new(BuddyRematches),
        Box::new(Purge),
    ]
}

/// Weekly posts, skip notes, closing posts, reminders and their DMs, missed weeks.
struct WeeklyPosts;

impl Job for WeeklyPosts {
    fn name(&self) -> &'static str {
        "weekly_posts"
    }
    fn run<'a>(&'a self, s: &'a Scheduler, now: DateTime<Utc>) -> BoxFuture<'a, TickReport> {
        Box::pin(s.weekly_posts(now))
    }
}

/// Reminder DMs that failed for a passing reason and are due again.
struct ReminderDmRetries;

impl Job for ReminderDmRetries {
    fn name(&self) -> &'static str {
        "reminder_dm_retries"
    }
    fn run<'a>(&'a self, s: &'a Scheduler, now: DateTime<Utc>) -> BoxFuture<'a, TickReport> {
        Box::pin(s.retry_dms(now))
    }
}

/// The servers' weekly digests for moderators.
struct Digests;

impl Job for Digests {
    fn name(&self) -> &'static str {
        "digests"
    }
    fn run<'a>(&'a self, s: &'a Scheduler, now: DateTime<Utc>) -> BoxFuture<'a, TickReport> {
        Box::pin(s.tick_digests(now))
    }
}

/// Spaced review's daily DMs to the members who turned them on
/// (`super::review_dms`).
struct ReviewDms;

impl Job for ReviewDms {
    fn name(&self) -> &'static str {
        "review_dms"
    }
    fn run<'a>(&'a self, s: &'a Scheduler, now: DateTime<Utc>) -> BoxFuture<'a, TickReport> {
        Box::pin(s.review_dms(now))
    }
}

/// Study sessions as Discord scheduled events, kept in line with the calendars, started
/// and ended, and their interested members read (`super::session_events`).
struct SessionEvents;

impl Job for SessionEvents {
    fn name(&self) -> &'static str {
        "session_events"
    }
    fn run<'a>(&'a self, s: &'a Scheduler, now: DateTime<Utc>) -> BoxFuture<'a, TickReport> {
        Box::pin(s.session_events(now))
    }
}

/// Study-buddy rounds: matching with the weekly post, a private thread per pair
/// (`super::buddies`).
struct BuddyRounds;

impl Job for BuddyRounds {
    fn name(&self) -> &'static str {
        "buddy_rounds"
    }
    fn run<'a>(&'a self, s: &'a Scheduler, now: DateTime<Utc>) -> BoxFuture<'a, TickReport> {
        Box::pin(s.buddy_rounds(now))
    }
}

/// "Partner unreachable": the ask, the rematch after 48 hours without a word, the outcome
/// (`super::buddy_reports`).
struct BuddyRematches;

impl Job for BuddyRematches {
    fn name(&self) -> &'static str {
        "buddy_rematches"
    }
    fn run<'a>(&'a self, s: &'a Scheduler, now: DateTime<Utc>) -> BoxFuture<'a, TickReport> {
        Box::pin(s.buddy_rematches(now))
    }
}

/// The mid-round check-back in each open buddy thread (`super::buddies`).
struct BuddyCheckbacks;

impl Job for BuddyCheckbacks {
    fn name(&self) -> &'static str {
        "buddy_checkbacks"
    }
    fn run<'a>(&'a self, s: &'a Scheduler, now: DateTime<Utc>) -> BoxFuture<'a, TickReport> {
        Box::pin(s.buddy_checkbacks(now))
    }
}

/// The data of servers that removed the bot longer ago than the retention period.
struct Purge;

impl Job for Purge {
    fn name(&self) -> &'static str {
        "retention_purge"
    }
    fn run<'a>(&'a self, s: &'a Scheduler, now: DateTime<Utc>) -> BoxFuture<'a, TickReport> {
        Box::pin(s.purge_removed_servers(now))
    }
}

/// Schedules the spaced-review cards that members' first ratings seeded (FSRS, see
/// `crate::review`); a card whose question left the curriculum retires.
struct ReviewCards;

impl Job for ReviewCards {
    fn name(&self) -> &'static str {
        "review_cards"
    }
    fn run<'a>(&'a self, s: &'a Scheduler, _now: DateTime<Utc>) -> BoxFuture<'a, TickReport> {
        Box::pin(s.schedule_review_cards())
    }
}

impl Scheduler {
    /// One pass of [`ReviewCards`]: at most `SCHEDULED_PER_PASS` seeded cards (a claim per
    /// card: two processes schedule each once).
    async fn schedule_review_cards(&self) -> TickReport {
        let service = crate::service::review::ReviewService::new(self.core.clone(), self.groups.clone());
        match service.schedule_new().await {
            Ok(done) => {
                if done.scheduled + done.retired > 0 {
                    info!(scheduled = done.scheduled, retired = done.retired, "review cards scheduled");
                }
                TickReport::default()
            }
            Err(e) => {
                error!("cannot schedule review cards: {e}");
                TickReport { failed: 1, ..TickReport::default() }
            }
        }
    }

    /// Purges the data of servers that removed the bot longer ago than the retention period
    /// (and did not add it back). One server's failure does not stop the others.
    async fn purge_removed_servers(&self, now: DateTime<Utc>) -> TickReport {
        let mut report = TickReport::default();
        let before = now - self.core.settings.defaults().retention;
        let due = match crate::db::servers::due_for_purge(&self.core.db, before).await {
            Ok(d) => d,
            Err(e) => {
                error!("cannot list removed servers: {e}");
                report.failed += 1;
                return report;
            }
        };
        for guild in due.into_iter().filter(|g| self.shards.owns(*g)) {
            match crate::db::servers::purge(&self.core.db, guild).await {
                Ok((groups, members)) => {
                    self.groups.purged(guild);
                    info!(guild, groups, members, "purged the data of a server that removed the bot");
                }
                Err(e) => {
                    report.failed += 1;
                    error!(guild, "cannot purge a removed server's data: {e}");
                }
            }
        }
        report
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_names_are_unique() {
        let names: Vec<&str> = registry().iter().map(|j| j.name()).collect();
        let unique: std::collections::HashSet<&str> = names.iter().copied().collect();
        assert_eq!(unique.len(), names.len(), "{names:?}");
        assert!(names.len() >= 4, "{names:?}");
    }
}
