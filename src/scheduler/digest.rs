//! The weekly digest for moderators: once per server and week at the server's set local
//! time, through the same claim -> send -> complete steps as every post (a claim per server
//! and slot in `digests`, a stable nonce, bounded retries with backoff, and a look for the
//! first copy when a retry comes after Discord's nonce window).

use super::{Scheduler, err_text};
use crate::db::settings::{self, DigestRow};
use crate::model::DigestSettings;
use crate::plan::{self, Attempt};
use crate::render;
use chrono::{DateTime, Utc};
use poise::serenity_prelude as serenity;
use serenity::{ChannelId, Nonce};
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

/// Decides a digest slot (pure).
pub fn step(row: Option<&DigestRow>, now: DateTime<Utc>) -> Step {
    let Some(r) = row else { return Step::Claim };
    let stored = plan::Stored {
        state: r.state,
        attempts: r.attempts,
        claimed_at: r.claimed_at,
        first_claimed_at: r.first_claimed_at,
    };
    match plan::attempt(Some(&stored), now, plan::MAX_ATTEMPTS) {
        Attempt::Claim => Step::Claim,
        Attempt::Retry { late } => Step::Retry { id: r.id, late },
        Attempt::WaitUntil(_) | Attempt::GaveUp | Attempt::Sent => Step::Nothing,
    }
}

/// Discord message nonce of a digest: stable across retries, at most 25 characters.
pub fn nonce(guild_id: u64, slot: u32) -> String {
    format!("{guild_id:x}d{slot:x}")
}

impl Scheduler {
    /// Every server's digest that is due now: (sent, failed). One server's failure does not
    /// stop the others.
    pub(super) async fn tick_digests(&self, now: DateTime<Utc>) -> (usize, usize) {
        let servers = match settings::with_digest(&self.core.db).await {
            Ok(s) => s,
            Err(e) => {
                warn!("cannot list the servers' digests: {e}");
                return (0, 0);
            }
        };
        let (mut sent, mut failed) = (0, 0);
        for (guild, s) in servers.into_iter().filter(|(g, _)| self.shards.owns(*g)) {
            let Some(d) = s.digest else { continue };
            match self.digest(guild, &d, now).await {
                Ok(true) => sent += 1,
                Ok(false) => {}
                Err(e) => {
                    failed += 1;
                    warn!(guild, "weekly digest failed: {e:#}");
                }
            }
        }
        (sent, failed)
    }

    /// Claims, sends and completes a server's digest of the current week, if due.
    async fn digest(&self, guild: u64, d: &DigestSettings, now: DateTime<Utc>) -> anyhow::Result<bool> {
        let schedule = d.schedule();
        let Some(slot) = schedule.latest_started(now) else { return Ok(false) };
        if now - schedule.instant(slot) > CATCH_UP {
            return Ok(false);
        }
        let db = &self.core.db;
        let row = settings::digest(db, guild, slot).await?;
        let nonce = row.as_ref().map(|r| r.nonce.clone()).unwrap_or_else(|| nonce(guild, slot));
        let (id, late) = match step(row.as_ref(), now) {
            Step::Nothing => return Ok(false),
            Step::Claim => match settings::claim_digest(db, guild, slot, d.channel_id, &nonce, now).await? {
                Some(id) => (id, false),
                None => return Ok(false),
            },
            Step::Retry { id, late } => match settings::retry_digest(db, id, now).await? {
                true => (id, late),
                false => return Ok(false),
            },
        };
        let date = schedule.date(slot);
        let channel = ChannelId::new(d.channel_id);
        if let Err(f) = self.check_channel(guild, d.channel_id, crate::permissions::CHANNEL_POSTS) {
            settings::complete_digest(db, id, Err((&f.text, true)), self.core.now()).await?;
            crate::metrics::post("digest", "failed", None);
            return Err(anyhow::Error::new(f));
        }
        if late && let Some(found) = self.find_digest(channel, date).await {
            settings::complete_digest(db, id, Ok(found), self.core.now()).await?;
            crate::metrics::post("digest", "found", None);
            return Ok(true);
        }
        let result = match crate::service::reports::digest_of(&self.core, guild, now).await {
            Ok(digest) => {
                let msg = render::report::digest_message(&digest, date).nonce(Nonce::String(nonce)).enforce_nonce(true);
                self.send_message(channel, msg).await.map(|(m, dropped)| {
                    if let Some(w) = dropped {
                        warn!(guild, "the digest went out, but {w}");
                    }
                    m.id.get()
                })
            }
            Err(e) => Err(super::SendFailure::transient(format!("cannot compute the digest: {e}"))),
        };
        let outcome = result.as_ref().map(|m| *m).map_err(|f| (f.text.as_str(), f.permanent));
        settings::complete_digest(db, id, outcome, self.core.now()).await?;
        match result {
            Ok(_) => {
                let late = (self.core.now() - schedule.instant(slot)).to_std().unwrap_or_default();
                crate::metrics::post("digest", "sent", Some(late));
                Ok(true)
            }
            Err(f) => {
                crate::metrics::post("digest", "failed", None);
                Err(anyhow::Error::new(f))
            }
        }
    }

    /// The bot's digest message of `date` among the channel's latest messages, if an earlier
    /// attempt sent it.
    async fn find_digest(&self, channel: ChannelId, date: chrono::NaiveDate) -> Option<u64> {
        let http = self.http().ok()?;
        self.pace.request().await;
        let me = match http.get_current_user().await {
            Ok(u) => u.id,
            Err(e) => {
                warn!("cannot look for an earlier digest: {}", err_text(&e));
                return None;
            }
        };
        self.pace.request().await;
        let page = match channel.messages(http.as_ref(), serenity::GetMessages::new().limit(50)).await {
            Ok(p) => p,
            Err(e) => {
                warn!("cannot look for an earlier digest: {}", err_text(&e));
                return None;
            }
        };
        let title = render::report::digest_title(date);
        page.iter()
            .find(|m| m.author.id == me && m.embeds.iter().any(|e| e.title.as_deref() == Some(title.as_str())))
            .map(|m| m.id.get())
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
