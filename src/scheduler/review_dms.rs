//! The review-DMs job: each member who turned on spaced-review DMs (`/review on`) gets one
//! DM a day at their hour, in their group's timezone, with the count of cards due within
//! their daily allowance and a button that starts the session. None while they are away,
//! none when nothing is due, none more than [`review::DM_LATE_LIMIT_HOURS`] late; closed DMs
//! (50007) turn them off. Each DM is an outbox item keyed by member and local day
//! ([`db::outbox::claim_review_dm`]): never twice, across retries, restarts, crashes and
//! several processes.

use super::discord::Target;
use super::failure::SendFailure;
use super::outbox::{self, Claimed, Delivered, Failed, Item, JobError};
use super::posts::DM_CONCURRENCY;
use super::{Scheduler, TickReport};
use crate::db::{self, Db};
use crate::model::DueReviewDm;
use crate::plan;
use crate::render;
use crate::service::review::{DailyDm, ReviewService};
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use poise::serenity_prelude as serenity;
use std::sync::atomic::{AtomicUsize, Ordering};
use tracing::{info, warn};

/// Members whose DM hour came, handled per pass (the rest wait for the next tick).
pub const DMS_PER_PASS: i64 = 500;

/// One member's review DM of one day: the outbox item.
struct ReviewDmItem<'a> {
    due: &'a DueReviewDm,
    dm: &'a DailyDm,
}

impl Item for ReviewDmItem<'_> {
    fn kind(&self) -> &'static str {
        "review_dm"
    }

    fn target(&self) -> Option<Target> {
        Some(Target::Dm { user: self.due.user_id })
    }

    fn due_at(&self) -> DateTime<Utc> {
        self.due.slot
    }

    async fn claim(&self, db: &Db, now: DateTime<Utc>) -> db::Result<Option<Claimed>> {
        let day = self.dm.day.format("%Y-%m-%d").to_string();
        let claimed =
            db::outbox::claim_review_dm(db, self.due.guild_id, self.due.user_id, &day, self.dm.cards, now).await?;
        Ok(claimed.ok().map(|c| Claimed {
            id: c.id,
            nonce: db::outbox::review_dm_nonce(c.id),
            attempt: c.attempt,
            // Past the nonce window (a crash, a long outage), look in the DM channel first.
            late: now - c.first_claimed_at > plan::NONCE_TRUST,
        }))
    }

    async fn body(&self) -> Result<serenity::CreateMessage, SendFailure> {
        Ok(render::review::dm(self.dm.day, self.dm.cards, self.dm.group_id))
    }

    fn is_copy(&self, m: &serenity::Message) -> bool {
        m.content.starts_with(&render::review::dm_start(self.dm.day))
    }

    /// Closed DMs (50007) turn the member's review DMs off; a passing failure is tried again
    /// later ([`Failed::dm_next`], the rule of reminder DMs too).
    async fn complete(
        &self,
        db: &Db,
        claimed: &Claimed,
        outcome: &Result<Delivered, Failed>,
        now: DateTime<Utc>,
    ) -> db::Result<()> {
        let (guild, user) = (self.due.guild_id, self.due.user_id);
        let (result, message, error) = match outcome {
            Ok(d) => (db::outbox::DmOutcome::Sent, d.message, None),
            Err(f) => {
                if f.dms_closed() {
                    info!(guild, user, "member cannot be sent DMs (50007): review DMs turned off");
                    db::review::stop_dms(db, guild, user).await?;
                    crate::metrics::post("review_dm", "dms_closed", None);
                } else {
                    warn!(guild, user, attempt = claimed.attempt, "review DM failed: {}", f.failure.text);
                }
                (f.dm_next(claimed.attempt, now), None, Some(f.failure.text.as_str()))
            }
        };
        db::outbox::complete_review_dm(db, claimed.id, result, message, error).await
    }
}

/// What one member's turn of a pass did.
enum Handled {
    Sent,
    Nothing,
    Failed,
}

impl Scheduler {
    /// One pass of the review-DMs job: the members whose DM hour came (of this process's
    /// shards), [`DM_CONCURRENCY`] at a time; one member's failure does not stop the others.
    pub(super) async fn review_dms(&self, now: DateTime<Utc>) -> TickReport {
        let due = match db::review::due_dms(&self.core.db, now, self.shards.range(), DMS_PER_PASS).await {
            Ok(d) => d,
            Err(e) => {
                warn!("cannot list the review DMs due: {e}");
                return TickReport { failed: 1, ..TickReport::default() };
            }
        };
        let service = ReviewService::new(self.core.clone(), self.groups.clone());
        let (sent, failed) = (AtomicUsize::new(0), AtomicUsize::new(0));
        futures_util::stream::iter(due)
            .for_each_concurrent(DM_CONCURRENCY, |due| {
                let (service, sent, failed) = (&service, &sent, &failed);
                async move {
                    match self.review_dm(service, &due, now).await {
                        Ok(Handled::Sent) => {
                            sent.fetch_add(1, Ordering::Relaxed);
                        }
                        Ok(Handled::Nothing) => {}
                        Ok(Handled::Failed) => {
                            failed.fetch_add(1, Ordering::Relaxed);
                        }
                        Err(e) => {
                            failed.fetch_add(1, Ordering::Relaxed);
                            warn!(guild = due.guild_id, user = due.user_id, "review DM not handled: {e}");
                        }
                    }
                }
            })
            .await;
        TickReport { sent: sent.into_inner(), failed: failed.into_inner(), groups: 0 }
    }

    /// One member's DM of the day, or the reason for none; then the next day's instant once
    /// the day is over (sent, skipped or given up; not while a retry is to come).
    async fn review_dm(
        &self,
        service: &ReviewService,
        due: &DueReviewDm,
        now: DateTime<Utc>,
    ) -> crate::error::Result<Handled> {
        let db = &self.core.db;
        let dm = match service.daily_dm(due, now).await? {
            Ok(dm) => dm,
            Err(skip) => {
                crate::metrics::post("review_dm", skip.as_str(), None);
                self.advance(service, due, now).await?;
                return Ok(Handled::Nothing);
            }
        };
        let item = ReviewDmItem { due, dm: &dm };
        let handled = match outbox::deliver(db, &self.sender, &item, now, || self.core.now()).await {
            Ok(Some(_)) => {
                self.advance(service, due, now).await?;
                return Ok(Handled::Sent);
            }
            Ok(None) => Handled::Nothing,
            Err(JobError::Send(_)) => Handled::Failed,
            Err(JobError::Db(e)) => return Err(e.into()),
        };
        let day = dm.day.format("%Y-%m-%d").to_string();
        if db::outbox::review_dm_state(db, due.guild_id, due.user_id, &day).await? == db::outbox::ReviewDmState::Done {
            self.advance(service, due, now).await?;
        }
        Ok(handled)
    }

    async fn advance(
        &self,
        service: &ReviewService,
        due: &DueReviewDm,
        now: DateTime<Utc>,
    ) -> crate::error::Result<()> {
        let next = service.next_dm(due, now).await;
        db::review::dm_advance(&self.core.db, due.guild_id, due.user_id, due.slot, next).await?;
        Ok(())
    }
}
