//! Graceful shutdown that drains: every event the gateway delivered is counted while poise
//! handles it (commands, buttons, forms, autocomplete), so shutdown can wait until the
//! interactions already received are answered before it stops the gateway and closes the
//! database under them.

use super::{BotError, Data};
use poise::serenity_prelude as serenity;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::Notify;

/// Events being handled right now.
#[derive(Default)]
pub struct InFlight {
    count: AtomicUsize,
    idle: Notify,
}

/// How long nothing must be in flight before the drain counts as done: interactions the
/// gateway already delivered may still be between the socket and their handler.
const QUIET: Duration = Duration::from_millis(250);

impl InFlight {
    pub fn now(&self) -> usize {
        self.count.load(Ordering::SeqCst)
    }

    /// Waits until nothing has been in flight for [`QUIET`], at most `limit`; false when the
    /// limit was reached first.
    pub async fn drained(&self, limit: Duration) -> bool {
        let waited = tokio::time::timeout(limit, async {
            loop {
                while self.now() > 0 {
                    let notified = self.idle.notified();
                    if self.now() == 0 {
                        break;
                    }
                    notified.await;
                }
                tokio::time::sleep(QUIET).await;
                if self.now() == 0 {
                    return;
                }
            }
        })
        .await;
        waited.is_ok()
    }
}

/// Decrements on drop, so a panicking handler is still counted out.
struct Counted<'a>(&'a InFlight);

impl Drop for Counted<'_> {
    fn drop(&mut self) {
        if self.0.count.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.0.idle.notify_waiters();
        }
    }
}

/// poise's framework, with every event counted in [`InFlight`].
pub struct Draining {
    pub inner: poise::Framework<Data, BotError>,
    pub in_flight: Arc<InFlight>,
}

#[poise::async_trait]
impl serenity::Framework for Draining {
    async fn init(&mut self, client: &serenity::Client) {
        self.inner.init(client).await;
    }

    async fn dispatch(&self, ctx: serenity::Context, event: serenity::FullEvent) {
        self.in_flight.count.fetch_add(1, Ordering::SeqCst);
        let _counted = Counted(&self.in_flight);
        self.inner.dispatch(ctx, event).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn drained_waits_for_the_last_event_and_a_quiet_moment() {
        let f = Arc::new(InFlight::default());
        assert!(f.drained(Duration::from_secs(2)).await, "nothing in flight");
        f.count.fetch_add(1, Ordering::SeqCst);
        assert!(!f.drained(Duration::from_millis(50)).await, "one event still running");
        let g = Arc::clone(&f);
        let waiter = tokio::spawn(async move { g.drained(Duration::from_secs(5)).await });
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!waiter.is_finished());
        drop(Counted(&f));
        assert!(waiter.await.unwrap(), "done once the event ended");
        assert_eq!(f.now(), 0);
    }
}
