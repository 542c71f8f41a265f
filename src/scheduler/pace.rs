//! The scheduler's own pacing of Discord requests. In proxy mode serenity's rate limiter is
//! off, so every request would otherwise go out as fast as the deliveries run; paced here,
//! the bot stays inside Discord's budgets instead of learning them from 429s (10,000 invalid
//! requests in 10 minutes ban the IP for an hour).
//!
//! Two budgets, both GCRA limiters from `governor` shared by every delivery of a tick and by
//! `/group post-now`: all requests (Discord allows 50 per second per token; the scheduler
//! keeps to 45, leaving room for the requests it does not pace: start-up's registration and
//! gateway lookups, command handlers' lookups, the forwarder's retries; a process alone keeps
//! to 47, since its one limiter spaces requests evenly) and messages per channel (5 per 5 seconds, spaced
//! as one per second so no 5-second window ever holds more than 5).

use governor::{DefaultDirectRateLimiter, DefaultKeyedRateLimiter, Quota};
use std::num::NonZeroU32;
use std::time::Duration;

/// Requests per second the scheduler of a process alone allows itself (Discord's global limit
/// is 50; the rest is headroom for requests made outside the scheduler; interaction answers
/// do not count against it).
pub const GLOBAL_PER_SECOND: u32 = 47;
/// The rate processes sharing a token split ([`Budget::share`]): more headroom, since evenly
/// paced requests from separate processes arrive unevenly.
pub const SHARED_PER_SECOND: u32 = 45;
/// Messages per channel: one per this period (Discord allows 5 per 5 seconds).
pub const CHANNEL_PERIOD: Duration = Duration::from_secs(1);

/// The budgets to pace by.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Budget {
    pub global_per_second: u32,
    /// `None`: messages to one channel are not paced (only for a fake Discord that does not
    /// enforce it, where tests post hundreds of groups into one channel).
    pub channel_period: Option<Duration>,
}

impl Budget {
    /// The budget of one process of several sharing a token: 90% of `share` (0 to 1) of
    /// [`SHARED_PER_SECOND`], less one, at least one. Less one because a sliding second
    /// can hold one request more than the rate (the first and the last at its two ends), in
    /// every process at once; 90% because requests paced evenly in separate processes still
    /// reach Discord unevenly (each process's scheduling and network jitter adds up): three
    /// processes at 12/s put at most 3 x 13 = 39 in any second, leaving room for the jitter
    /// and the requests nobody paces. Messages per channel need no split: a channel belongs
    /// to one server, so to one process.
    pub fn share(self, share: f64) -> Budget {
        if share >= 1.0 {
            return self;
        }
        let base = self.global_per_second.min(SHARED_PER_SECOND);
        let global = (f64::from(base) * share.max(0.0) * 0.9).floor() as u32;
        Budget { global_per_second: global.saturating_sub(1).max(1), ..self }
    }
}

impl Default for Budget {
    /// Discord's limits.
    fn default() -> Self {
        Budget { global_per_second: GLOBAL_PER_SECOND, channel_period: Some(CHANNEL_PERIOD) }
    }
}

pub struct Pace {
    global: DefaultDirectRateLimiter,
    channels: Option<DefaultKeyedRateLimiter<u64>>,
}

impl Pace {
    pub fn new(budget: Budget) -> Pace {
        let per_second = NonZeroU32::new(budget.global_per_second.max(1)).unwrap_or(NonZeroU32::MIN);
        // Burst 1: requests are spaced evenly rather than bunched at each second's start.
        let global = Quota::per_second(per_second).allow_burst(NonZeroU32::MIN);
        let channels = budget.channel_period.and_then(Quota::with_period).map(DefaultKeyedRateLimiter::keyed);
        Pace { global: DefaultDirectRateLimiter::direct(global), channels }
    }

    /// Waits for a slot in the global budget (every request).
    pub async fn request(&self) {
        self.global.until_ready().await;
    }

    /// Waits for a slot to post a message in `channel`, then for a global one.
    pub async fn message(&self, channel: u64) {
        if let Some(c) = &self.channels {
            c.until_key_ready(&channel).await;
        }
        self.request().await;
    }

    /// Forgets channels whose budget is full again (keeps the keyed state small).
    pub fn tidy(&self) {
        if let Some(c) = &self.channels {
            c.retain_recent();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn processes_sharing_a_token_split_its_request_budget_by_their_shards() {
        let b = Budget::default();
        assert_eq!(b.share(1.0).global_per_second, GLOBAL_PER_SECOND);
        assert_eq!(b.share(1.0 / 3.0).global_per_second, 12, "three processes: 3 x (12 + 1) = 39 < 50");
        assert_eq!(b.share(0.5).global_per_second, 19, "two processes: 2 x (19 + 1) = 40");
        assert_eq!(b.share(0.0).global_per_second, 1, "never zero");
        assert_eq!(b.share(0.5).channel_period, b.channel_period, "a channel is one server's, one process's");
    }

    #[tokio::test]
    async fn a_request_uses_the_global_slot_until_it_comes_round_again() {
        // One request per second: right after one, the next has to wait.
        let pace = Pace::new(Budget { global_per_second: 1, channel_period: None });
        assert!(pace.global.check().is_ok(), "the first slot is free");
        assert!(pace.global.check().is_err(), "burst 1: the second waits");
        let other = Pace::new(Budget { global_per_second: 1, channel_period: None });
        other.request().await;
        assert!(other.global.check().is_err(), "request() took the slot");
    }

    #[test]
    fn each_channel_has_its_own_message_budget() {
        let pace = Pace::new(Budget { global_per_second: 1000, channel_period: Some(Duration::from_secs(60)) });
        let channels = pace.channels.as_ref().expect("paced channels");
        for channel in 0..10 {
            assert!(channels.check_key(&channel).is_ok(), "first message to channel {channel}");
        }
        assert!(channels.check_key(&3).is_err(), "a second message to one channel waits");
        let unpaced = Pace::new(Budget { global_per_second: 1000, channel_period: None });
        assert!(unpaced.channels.is_none());
    }
}
