//! The outbox: the one exactly-once protocol every message the bot sends on its own goes
//! through (weekly posts and their kin, reminder DMs, digests).
//!
//! 1. **Claim** the item (or its retry) in the database: a unique key lets one claimant win,
//!    a claim is a lease renewed by the heartbeat ([`crate::db::workers`]).
//! 2. **Check** the bot's permissions at the target from the gateway cache: nothing goes out
//!    half-done.
//! 3. **Look** for the first copy in the target's recent history when the retry is past
//!    Discord's nonce window ([`crate::plan::NONCE_TRUST`]; one depth for every kind,
//!    [`super::discord::HISTORY_PAGES`]).
//! 4. **Send** with the item's stable nonce and `enforce_nonce`, so a retry inside the window
//!    returns the first message instead of making a second.
//! 5. **Complete** the item as sent (with its message) or failed (with the moderator's words,
//!    given up at once when no retry can help), and count it in the metrics.
//!
//! The outbox knows nothing of post kinds: an [`Item`] supplies its claim, target, body, "is
//! this my copy" and completion. The attempt decisions (retry, backoff, give up) are the pure
//! [`crate::plan::attempt`].

use super::discord::{SendError, Sender, Target};
use super::failure::SendFailure;
use crate::db::{self, Db};
use chrono::{DateTime, Utc};
use poise::serenity_prelude as serenity;
use serenity::{CreateMessage, Message, Nonce};
use std::collections::HashSet;
use std::future::Future;

/// An item claimed for this attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claimed {
    /// The stored item's id (a post's, a digest's; a DM's post).
    pub id: i64,
    /// The nonce of the first attempt: every retry reuses it.
    pub nonce: String,
    /// This attempt's number, from 1.
    pub attempt: u32,
    /// Past Discord's nonce window: look for the first copy before sending.
    pub late: bool,
}

/// What a delivered item left: its message and thread, and what went wrong on the way (its
/// thread could not be opened, Discord dropped its embeds), for `/group list`.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Delivered {
    pub message: Option<u64>,
    pub thread: Option<u64>,
    pub warnings: Vec<String>,
    /// The first copy was found in the channel: nothing was sent this time.
    pub found: bool,
}

/// A failed attempt: the moderator's words, and Discord's typed answer when there was one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failed {
    pub failure: SendFailure,
    pub cause: Option<SendError>,
}

impl Failed {
    /// Discord refused a DM because the member's DMs are closed (50007).
    pub fn dms_closed(&self) -> bool {
        self.cause.as_ref().and_then(SendError::code) == Some(super::discord::code::CANNOT_DM)
    }

    /// What comes after this failed attempt `attempt` of a DM: a passing failure (Discord busy,
    /// opening DMs too fast, a DM channel it forgot, a dropped connection) is tried again with
    /// the backoff of every item (1, 2, 4, 8 minutes), at most [`crate::plan::DM_ATTEMPTS`]
    /// times; a refusal for good (closed DMs) is given up.
    pub fn dm_next(&self, attempt: u32, now: DateTime<Utc>) -> db::outbox::DmOutcome {
        use super::discord::code;
        let c = self.cause.as_ref().and_then(SendError::code);
        let passing =
            c == Some(code::OPENING_DMS_TOO_FAST) || c == Some(code::UNKNOWN_CHANNEL) || !self.failure.permanent;
        match crate::plan::next_try(attempt, now, !passing, crate::plan::DM_ATTEMPTS) {
            Some(at) => db::outbox::DmOutcome::RetryAt(at),
            None => db::outbox::DmOutcome::GaveUp,
        }
    }
}

/// Why a job's step failed.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error(transparent)]
    Db(#[from] db::Error),
    /// A send failed (already completed as failed and recorded).
    #[error("{0}")]
    Send(SendFailure),
}

/// One thing to send once (see the module doc).
pub trait Item: Sync {
    /// For metrics and logs: `week`, `skip`, `closing`, `reminder`, `reminder_dm`, `digest`.
    fn kind(&self) -> &'static str;

    /// Where it goes; `None`: nothing to send this time (it completes as sent).
    fn target(&self) -> Option<Target>;

    /// When it was due (the metrics' lateness).
    fn due_at(&self) -> DateTime<Utc>;

    /// Claims it (or its retry); `None` when another attempt owns it or it is complete.
    fn claim(&self, db: &Db, now: DateTime<Utc>) -> impl Future<Output = db::Result<Option<Claimed>>> + Send;

    /// The message (the outbox adds the nonce).
    fn body(&self) -> impl Future<Output = Result<CreateMessage, SendFailure>> + Send;

    /// Whether `m`, a message of the bot's at the target, is this item's earlier copy.
    fn is_copy(&self, m: &Message) -> bool;

    /// Messages at the target that complete other items (never this one's copy).
    fn taken(&self, _db: &Db, _claimed: &Claimed) -> impl Future<Output = db::Result<HashSet<u64>>> + Send {
        async { Ok(HashSet::new()) }
    }

    /// Work after the message is out or found (a weekly post's thread).
    fn finish(&self, _sender: &Sender, m: &Message) -> impl Future<Output = Delivered> + Send {
        let message = Some(m.id.get());
        async move { Delivered { message, ..Default::default() } }
    }

    /// Records how the attempt went.
    fn complete(
        &self,
        db: &Db,
        claimed: &Claimed,
        outcome: &Result<Delivered, Failed>,
        now: DateTime<Utc>,
    ) -> impl Future<Output = db::Result<()>> + Send;
}

/// Claims, sends and completes one item: its claim and what it left, `Ok(None)` when
/// another attempt owns it; `Err(JobError::Send)` when it failed (completed as failed,
/// counted).
pub async fn deliver<I: Item>(
    db: &Db,
    sender: &Sender,
    item: &I,
    now: DateTime<Utc>,
    clock: impl Fn() -> DateTime<Utc>,
) -> Result<Option<(Claimed, Delivered)>, JobError> {
    let Some(claimed) = item.claim(db, now).await? else { return Ok(None) };
    let channel = match item.target() {
        Some(Target::Channel { channel, .. }) => channel,
        _ => 0,
    };
    let failed = |e: SendError| Failed { failure: SendFailure::of(&e, channel), cause: Some(e) };
    let outcome = match item.target() {
        None => Ok(Delivered::default()),
        Some(target) => attempt(db, sender, item, &claimed, target).await.map_err(|(context, e)| {
            let mut f = failed(e);
            if let Some(context) = context {
                f.failure.text = format!("{context}: {}", f.failure.text);
            }
            f
        }),
    };
    let done = clock();
    item.complete(db, &claimed, &outcome, done).await?;
    match outcome {
        Ok(d) => {
            let late = (done - item.due_at()).to_std().unwrap_or_default();
            crate::metrics::post(item.kind(), if d.found { "found" } else { "sent" }, Some(late));
            Ok(Some((claimed, d)))
        }
        Err(f) => {
            crate::metrics::post(item.kind(), "failed", None);
            Err(JobError::Send(f.failure))
        }
    }
}

/// Check, look (when late), send, finish. The error's first value says what was being done
/// when it is not the send itself.
async fn attempt<I: Item>(
    db: &Db,
    sender: &Sender,
    item: &I,
    claimed: &Claimed,
    target: Target,
) -> Result<Delivered, (Option<&'static str>, SendError)> {
    let channel = match target {
        Target::Channel { guild, channel, need } => {
            sender.check(guild, channel, need).map_err(|e| (None, e))?;
            channel
        }
        Target::Dm { user } => sender.dm_channel(user).await.map_err(|e| (None, e))?,
    };
    if claimed.late {
        const LOOKING: &str = "cannot look for an earlier copy in the channel";
        let taken = item
            .taken(db, claimed)
            .await
            .map_err(|e| (Some(LOOKING), SendError::Transport(format!("database: {e}"))))?;
        let found = sender
            .find_own(channel, |m| !taken.contains(&m.id.get()) && item.is_copy(m))
            .await
            .map_err(|e| (Some(LOOKING), e))?;
        if let Some(m) = found {
            let mut d = item.finish(sender, &m).await;
            d.found = true;
            return Ok(d);
        }
    }
    let body = item.body().await.map_err(|f| (None, SendError::Transport(f.text)))?;
    let msg = body.nonce(Nonce::String(claimed.nonce.clone())).enforce_nonce(true);
    let sent = match target {
        Target::Channel { .. } => sender.send(channel, msg).await,
        Target::Dm { user } => sender.dm(user, msg).await,
    }
    .map_err(|e| (None, e))?;
    let mut d = item.finish(sender, &sent.message).await;
    if sent.dropped_embeds {
        d.warnings.push(format!(
            "Discord dropped its embeds (the bot lacks Embed Links in <#{channel}>): give it Embed Links there"
        ));
    }
    Ok(d)
}
