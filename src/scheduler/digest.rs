//! The weekly digest for moderators: once per server and week at the server's set local
//! time, through the same claim -> send -> complete steps as every post (a claim per server
//! and slot in `digests`, a stable nonce, bounded retries with backoff, and a look for the
//! first copy when a retry comes after Discord's nonce window).

use super::discord::Target;
use super::failure::SendFailure;
use super::outbox::{self, Claimed, Delivered, Failed, Item};
use super::{Scheduler, TickReport};
use crate::db::outbox::DigestRow;
use crate::db::settings;
use crate::db::{self, Db};
use crate::model::DigestSettings;
use crate::plan::{self, Attempt};
use crate::render;
use crate::service::Core;
use chrono::{DateTime, Utc};
use poise::serenity_prelude as serenity;
use tracing::warn;

/// A digest is caught up (after downtime, or when just set up) within this long of its time;
/// later, that week's digest is left out and the next one comes at its time.
pub const CATCH_UP: chrono::Duration = chrono::Duration::hours(24);

/// What to do about a server's digest slot, given its stored attempt.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// Not attempted yet: claim it.
    Claim,
    /// An unfinished or failed attempt to retry; `late` when the first claim is past the
    /// nonce window (look for the first copy before sending).
    Retry { id: i64, late: bool },
    /// Sent, given up, or waiting for its backoff.
    Nothing,
}

/// Decides a digest slot (pure): the attempt state machine of every item.
pub fn step(row: Option<&DigestRow>, now: DateTime<Utc>) -> Step {
    let Some(r) = row else { return Step::Claim };
    match plan::attempt(Some(&r.stored()), now, plan::MAX_ATTEMPTS) {
        Attempt::Claim => Step::Claim,
        Attempt::Retry { late } => Step::Retry { id: r.id, late },
        Attempt::WaitUntil(_) | Attempt::GaveUp | Attempt::Sent => Step::Nothing,
    }
}

/// When a server's digest should next be visited, after a visit at `now` left `row` (the
/// stored attempt of the latest slot): now while that slot is due, its retry, else the next
/// slot's time.
pub fn next_due(d: &DigestSettings, row: Option<&DigestRow>, now: DateTime<Utc>) -> DateTime<Utc> {
    let schedule = d.schedule();
    let next = schedule.instant(schedule.next_after(now));
    let Some(slot) = schedule.latest_started(now) else { return next };
    if now - schedule.instant(slot) > CATCH_UP || row.is_some_and(|r| r.slot != slot) {
        return next;
    }
    let stored = row.map(DigestRow::stored);
    match plan::attempt(stored.as_ref(), now, plan::MAX_ATTEMPTS) {
        Attempt::Claim | Attempt::Retry { .. } => now,
        Attempt::WaitUntil(t) => t.min(next),
        Attempt::GaveUp | Attempt::Sent => next,
    }
}

/// Discord message nonce of a digest: stable across retries, at most 25 characters.
pub fn nonce(guild_id: u64, slot: u32) -> String {
    format!("{guild_id:x}d{slot:x}")
}

/// One server's digest of one week: the outbox item.
struct DigestItem<'a> {
    core: &'a Core,
    guild: u64,
    settings: &'a DigestSettings,
    slot: u32,
    row: Option<DigestRow>,
    now: DateTime<Utc>,
}

impl DigestItem<'_> {
    fn date(&self) -> chrono::NaiveDate {
        self.settings.schedule().date(self.slot)
    }
}

impl Item for DigestItem<'_> {
    fn kind(&self) -> &'static str {
        "digest"
    }

    fn target(&self) -> Option<Target> {
        let need = crate::permissions::CHANNEL_POSTS;
        Some(Target::Channel { guild: self.guild, channel: self.settings.channel_id, need })
    }

    fn due_at(&self) -> DateTime<Utc> {
        self.settings.schedule().instant(self.slot)
    }

    async fn claim(&self, db: &Db, now: DateTime<Utc>) -> db::Result<Option<Claimed>> {
        let nonce = self.row.as_ref().map(|r| r.nonce.clone()).unwrap_or_else(|| nonce(self.guild, self.slot));
        Ok(match step(self.row.as_ref(), now) {
            Step::Nothing => None,
            Step::Claim => db::outbox::claim_digest(db, self.guild, self.slot, self.settings.channel_id, &nonce, now)
                .await?
                .map(|id| Claimed { id, nonce, attempt: 1, late: false }),
            Step::Retry { id, late } => {
                db::outbox::retry_digest(db, id, now).await?.then_some(Claimed { id, nonce, attempt: 0, late })
            }
        })
    }

    async fn body(&self) -> Result<serenity::CreateMessage, SendFailure> {
        match crate::service::reports::digest_of(self.core, self.guild, self.now).await {
            Ok(digest) => Ok(render::report::digest_message(&digest, self.date())),
            Err(e) => Err(SendFailure::transient(format!("cannot compute the digest: {e}"))),
        }
    }

    fn is_copy(&self, m: &serenity::Message) -> bool {
        let title = render::report::digest_title(self.date());
        m.embeds.iter().any(|e| e.title.as_deref() == Some(title.as_str()))
    }

    async fn complete(
        &self,
        db: &Db,
        claimed: &Claimed,
        outcome: &Result<Delivered, Failed>,
        now: DateTime<Utc>,
    ) -> db::Result<()> {
        let outcome = match outcome {
            Ok(d) => {
                for w in &d.warnings {
                    warn!(guild = self.guild, "the digest went out, but {w}");
                }
                Ok(d.message.unwrap_or_default())
            }
            Err(f) => Err((f.failure.text.as_str(), f.failure.permanent)),
        };
        db::outbox::complete_digest(db, claimed.id, outcome, now).await
    }
}

impl Scheduler {
    /// The digest job: every server's digest that is due now. One server's failure does not
    /// stop the others.
    pub(super) async fn tick_digests(&self, now: DateTime<Utc>) -> TickReport {
        let mut report = TickReport::default();
        let db = &self.core.db;
        let servers = match settings::due_digests(db, now, self.shards.range()).await {
            Ok(s) => s,
            Err(e) => {
                warn!("cannot list the digests due: {e}");
                report.failed += 1;
                return report;
            }
        };
        for (guild, s, replan) in servers {
            let Some(d) = s.digest else { continue };
            match self.digest(guild, &d, now).await {
                Ok(true) => report.sent += 1,
                Ok(false) => {}
                Err(e) => {
                    report.failed += 1;
                    warn!(guild, "weekly digest failed: {e}");
                }
            }
            // When to visit it again (a failed read leaves it due for the next tick).
            let schedule = d.schedule();
            let row = match schedule.latest_started(now) {
                Some(slot) => db::outbox::digest(db, guild, slot).await,
                None => Ok(None),
            };
            let planned = match row {
                Ok(row) => settings::digest_planned(db, guild, replan, Some(next_due(&d, row.as_ref(), now))).await,
                Err(e) => Err(e),
            };
            if let Err(e) = planned {
                warn!(guild, "cannot store when the digest is next due: {e}");
            }
        }
        report
    }

    /// A server's digest of the current week through the outbox, if due.
    async fn digest(&self, guild: u64, d: &DigestSettings, now: DateTime<Utc>) -> Result<bool, outbox::JobError> {
        let schedule = d.schedule();
        let Some(slot) = schedule.latest_started(now) else { return Ok(false) };
        if now - schedule.instant(slot) > CATCH_UP {
            return Ok(false);
        }
        let core = &self.core;
        let row = db::outbox::digest(&core.db, guild, slot).await?;
        if step(row.as_ref(), now) == Step::Nothing {
            return Ok(false);
        }
        let item = DigestItem { core, guild, settings: d, slot, row, now };
        Ok(outbox::deliver(&core.db, &self.sender, &item, now, || core.now()).await?.is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::PostState;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn row(state: PostState, attempts: u32, claimed: &str) -> DigestRow {
        DigestRow {
            id: 7,
            slot: 3,
            nonce: nonce(1, 3),
            state,
            attempts,
            claimed_at: t(claimed),
            first_claimed_at: t("2026-11-30T09:00:00Z"),
        }
    }

    #[test]
    fn a_digest_is_claimed_once_and_retried_with_backoff() {
        let now = t("2026-11-30T09:01:00Z");
        assert_eq!(step(None, now), Step::Claim);
        assert_eq!(step(Some(&row(PostState::Sent, 1, "2026-11-30T09:00:00Z")), now), Step::Nothing);
        // A crash between claim and completion: retried with the same nonce, in the window.
        assert_eq!(
            step(Some(&row(PostState::Claimed, 1, "2026-11-30T09:00:00Z")), now),
            Step::Retry { id: 7, late: false }
        );
        let later = t("2026-11-30T10:00:00Z");
        assert_eq!(
            step(Some(&row(PostState::Claimed, 1, "2026-11-30T09:00:00Z")), later),
            Step::Retry { id: 7, late: true }
        );
        // A failure waits for its backoff, and is given up after MAX_ATTEMPTS.
        assert_eq!(step(Some(&row(PostState::Failed, 2, "2026-11-30T09:00:30Z")), now), Step::Nothing);
        assert_eq!(
            step(Some(&row(PostState::Failed, 2, "2026-11-30T08:50:00Z")), now),
            Step::Retry { id: 7, late: false }
        );
        assert_eq!(
            step(Some(&row(PostState::Failed, plan::MAX_ATTEMPTS, "2026-11-30T01:00:00Z")), later),
            Step::Nothing
        );
        assert!(nonce(u64::MAX, u32::MAX).len() <= 25);
    }
}
