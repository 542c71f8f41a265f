//! Graceful shutdown that drains: every event the gateway delivered is counted while poise
//! handles it (commands, buttons, forms, autocomplete), so shutdown can wait until the
//! interactions already received are answered before it stops the gateway and closes the
//! database under them.
//!
//! Each interaction is also measured here, in one place: a tracing span (command, server,
//! user) around its handling, and the interaction metrics with its [`Outcome`], which the
//! error path marks ([`mark`]).

use super::{BotError, Data};
use poise::serenity_prelude as serenity;
use std::cell::Cell;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::Notify;
use tracing::Instrument;

/// How an interaction ended, for the metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    /// The member got a message about their input or rights (a `UserError`, a bad option).
    Refused,
    /// Something failed on our side.
    Error,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Refused => "refused",
            Outcome::Error => "error",
        }
    }
}

tokio::task_local! {
    static OUTCOME: Cell<Outcome>;
}

/// Records how the interaction being handled on this task ended (no-op outside one). An
/// error outcome is never downgraded.
pub fn mark(outcome: Outcome) {
    let _ = OUTCOME.try_with(|c| {
        if c.get() != Outcome::Error {
            c.set(outcome);
        }
    });
}

/// The metric label of an interaction (bounded: command names and component kinds), and its
/// server and user for the span.
fn describe(i: &serenity::Interaction) -> (String, Option<u64>, u64) {
    use serenity::{CommandDataOptionValue as V, Interaction as I};
    match i {
        I::Command(c) => {
            let sub = c.data.options.first().and_then(|o| match &o.value {
                V::SubCommand(_) | V::SubCommandGroup(_) => Some(o.name.as_str()),
                _ => None,
            });
            let name = match sub {
                Some(sub) => format!("{} {sub}", c.data.name),
                None => c.data.name.clone(),
            };
            (name, c.guild_id.map(|g| g.get()), c.user.id.get())
        }
        I::Autocomplete(c) => ("autocomplete".into(), c.guild_id.map(|g| g.get()), c.user.id.get()),
        I::Component(c) => {
            let kind = match c.data.kind {
                serenity::ComponentInteractionDataKind::Button => "button",
                _ => "select",
            };
            (kind.into(), c.guild_id.map(|g| g.get()), c.user.id.get())
        }
        I::Modal(m) => ("modal".into(), m.guild_id.map(|g| g.get()), m.user.id.get()),
        _ => ("other".into(), None, 0),
    }
}

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
        let serenity::FullEvent::InteractionCreate { interaction } = &event else {
            return self.inner.dispatch(ctx, event).await;
        };
        let (command, guild, user) = describe(interaction);
        let span = tracing::info_span!("interaction", command = %command, guild, user);
        let started = Instant::now();
        let outcome = OUTCOME
            .scope(Cell::new(Outcome::Ok), async {
                self.inner.dispatch(ctx, event).instrument(span).await;
                OUTCOME.with(Cell::get)
            })
            .await;
        crate::metrics::interaction(&command, outcome.as_str(), started.elapsed());
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
