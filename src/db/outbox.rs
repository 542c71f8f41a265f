//! The outbox's claims: the rows that make every message the bot sends on its own go out
//! once. Weekly posts (table `posts`), reminder DMs (`reminder_dms`) and digests
//! (`digests`) side by side, each with the same protocol: **claim** (an insert that a
//! unique key lets only one process win), **retry** (take an unfinished claim over: a
//! lease, only from a worker whose heartbeat is older than
//! [`workers::LEASE`](super::workers::LEASE)), **complete** (sent with its message, or
//! failed with the error; a permanent refusal uses up every attempt). Each kind has a
//! stable nonce of at most 25 characters that every attempt reuses.
//!
//! The scheduler's outbox (`scheduler::outbox`) is the only caller outside tests.

use super::{Db, Result, decode, decode_u32, execute, fetch, from_db, scalar, to_db};
use crate::model::{PostKind, PostState};
use chrono::{DateTime, Utc};

// ---- Weekly posts (skip notes, closing posts, reminders) ----
/// A letter that is not a hex digit, used in nonces.
fn letter(kind: PostKind) -> char {
    match kind {
        PostKind::Week => 'p',
        PostKind::Skip => 'k',
        PostKind::Closing => 'z',
        PostKind::Reminder => 'r',
    }
}

/// Discord message nonce for a post: stable across retries, at most 25 characters.
pub fn post_nonce(group_id: i64, kind: PostKind, session: u32) -> String {
    format!("{:x}{}{:x}", group_id as u64, letter(kind), session)
}

/// Claims a post before sending it. `None` when it was already claimed (by an earlier
/// attempt, a concurrent `/group post-now`, or before a restart).
pub async fn claim_post(
    db: &Db,
    group_id: i64,
    kind: PostKind,
    session: u32,
    week: Option<u32>,
    now: DateTime<Utc>,
) -> Result<Option<i64>> {
    let _timer = crate::metrics::query("outbox.claim_post");
    let n = post_nonce(group_id, kind, session);
    let kind_s = kind.as_str();
    let session = i64::from(session);
    let week = week.map(i64::from);
    Ok(scalar!(
        db,
        fetch_all,
        i64,
        "INSERT INTO posts (group_id, session, kind, week, nonce, state, attempts, claimed_at, first_claimed_at, owner)
         VALUES ($1, $2, $3, $4, $5, 'claimed', 1, $6, $6, $7) ON CONFLICT DO NOTHING RETURNING id",
        group_id,
        session,
        kind_s,
        week,
        &n,
        now,
        db.worker()
    )?
    .into_iter()
    .next())
}

/// Starts another attempt of an unfinished post; returns the nonce it was first claimed
/// with (a retry must reuse it) and when that first claim was, or `None` when the post was
/// completed meanwhile or another live process holds it. A claim is a lease: a `claimed`
/// post is taken over only from a worker whose heartbeat is older than
/// [`workers::LEASE`](super::workers::LEASE) (or gone), and a `failed` one only once (the
/// statement itself moves it to `claimed` under this worker).
pub async fn retry_post(db: &Db, id: i64, now: DateTime<Utc>) -> Result<Option<(String, DateTime<Utc>)>> {
    let _timer = crate::metrics::query("outbox.retry_post");
    let stale = now - super::workers::LEASE;
    Ok(fetch!(
        db,
        fetch_all,
        (String, DateTime<Utc>),
        "UPDATE posts SET state = 'claimed', attempts = attempts + 1, claimed_at = $1, owner = $2
         WHERE id = $3 AND state != 'sent'
           AND (state = 'failed' OR owner IS NULL OR owner = $2
                OR NOT EXISTS (SELECT 1 FROM workers w WHERE w.id = posts.owner AND w.seen_at > $4))
         RETURNING nonce, first_claimed_at",
        now,
        db.worker(),
        id,
        stale
    )?
    .into_iter()
    .next())
}

/// Completes a claimed post as sent with its message (and thread).
pub async fn post_sent(
    db: &Db,
    id: i64,
    message_id: Option<u64>,
    thread_id: Option<u64>,
    now: DateTime<Utc>,
) -> Result<()> {
    let _timer = crate::metrics::query("outbox.post_sent");
    let m = message_id.map(to_db);
    let t = thread_id.map(to_db);
    execute!(
        db,
        // A thread recorded by another copy of this attempt is kept.
        "UPDATE posts SET state = 'sent', message_id = $1, thread_id = COALESCE($2, thread_id), sent_at = $3,
             error = NULL WHERE id = $4",
        m,
        t,
        now,
        id
    )?;
    Ok(())
}

/// Completes a claimed post as failed with its error. `give_up`: Discord refused for good (the channel is gone, a permission is missing): the
/// post counts as having used every attempt, so no retry runs against the refusal; a
/// moderator's `/group post-now` tries it again.
pub async fn post_failed(db: &Db, id: i64, error: &str, now: DateTime<Utc>, give_up: bool) -> Result<()> {
    let _timer = crate::metrics::query("outbox.post_failed");
    let floor = if give_up { i64::from(crate::plan::MAX_ATTEMPTS) } else { 0 };
    execute!(
        db,
        "UPDATE posts SET state = 'failed', error = $1, claimed_at = $2,
                attempts = CASE WHEN attempts < $4 THEN $4 ELSE attempts END
         WHERE id = $3",
        error,
        now,
        id,
        floor
    )?;
    Ok(())
}

// ---- Reminder DMs ----

/// Claims one reminder DM before it is sent; false when it was claimed before (sent, or
/// being sent when the process stopped): a reminder DM goes out at most once.
pub async fn claim_dm(db: &Db, post_id: i64, user_id: u64, now: DateTime<Utc>) -> Result<bool> {
    let _timer = crate::metrics::query("outbox.claim_dm");
    let user = to_db(user_id);
    let n = execute!(
        db,
        "INSERT INTO reminder_dms (post_id, user_id, state, claimed_at) VALUES ($1, $2, 'claimed', $3)
         ON CONFLICT DO NOTHING",
        post_id,
        user,
        now
    )?;
    Ok(n == 1)
}

/// How a claimed reminder DM went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DmOutcome {
    Sent,
    /// Failed for a passing reason: tried again from then on ([`due_dm_retries`]).
    RetryAt(DateTime<Utc>),
    /// Failed for good (DMs closed), or too often.
    GaveUp,
}

/// Records how a claimed reminder DM went.
pub async fn complete_dm(db: &Db, post_id: i64, user_id: u64, outcome: DmOutcome) -> Result<()> {
    let _timer = crate::metrics::query("outbox.complete_dm");
    let user = to_db(user_id);
    let (state, retry_at) = match outcome {
        DmOutcome::Sent => ("sent", None),
        DmOutcome::RetryAt(at) => ("failed", Some(at)),
        DmOutcome::GaveUp => ("failed", None),
    };
    execute!(
        db,
        "UPDATE reminder_dms SET state = $1, retry_at = $2 WHERE post_id = $3 AND user_id = $4",
        state,
        retry_at,
        post_id,
        user
    )?;
    Ok(())
}

/// A reminder DM due for another attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DmRetry {
    pub post_id: i64,
    pub group_id: i64,
    pub guild_id: u64,
    pub user_id: u64,
}

/// Reminder DMs whose retry is due at `now`, earliest first, at most `limit`, in servers the
/// bot is in. Served by the index on `retry_at`: a tick costs what is due.
pub async fn due_dm_retries(db: &Db, now: DateTime<Utc>, limit: i64) -> Result<Vec<DmRetry>> {
    let _timer = crate::metrics::query("outbox.due_dm_retries");
    let rows = fetch!(
        db,
        fetch_all,
        (i64, i64, i64, i64),
        "SELECT d.post_id, p.group_id, g.guild_id, d.user_id
         FROM reminder_dms d JOIN posts p ON p.id = d.post_id JOIN study_groups g ON g.id = p.group_id
         WHERE d.retry_at IS NOT NULL AND d.retry_at <= $1
           AND NOT EXISTS (SELECT 1 FROM removed_servers r WHERE r.guild_id = g.guild_id)
         ORDER BY d.retry_at, d.post_id, d.user_id LIMIT $2",
        now,
        limit
    )?;
    Ok(rows
        .into_iter()
        .map(|(post_id, group_id, guild, user)| DmRetry {
            post_id,
            group_id,
            guild_id: from_db(guild),
            user_id: from_db(user),
        })
        .collect())
}

/// Claims a due retry of a reminder DM (one process wins); returns its attempt number.
pub async fn retry_dm(db: &Db, post_id: i64, user_id: u64, now: DateTime<Utc>) -> Result<Option<u32>> {
    let _timer = crate::metrics::query("outbox.retry_dm");
    let user = to_db(user_id);
    let rows = scalar!(
        db,
        fetch_all,
        i64,
        "UPDATE reminder_dms SET state = 'claimed', claimed_at = $3, attempts = attempts + 1, retry_at = NULL
         WHERE post_id = $1 AND user_id = $2 AND retry_at IS NOT NULL AND retry_at <= $3
         RETURNING attempts",
        post_id,
        user,
        now
    )?;
    Ok(rows.into_iter().next().map(|a| u32::try_from(a).unwrap_or(u32::MAX)))
}

/// The Discord nonce of a reminder DM (at most 25 characters): the same for every attempt,
/// so a retry after a lost answer does not send it twice.
pub fn dm_nonce(post_id: i64, user_id: u64) -> String {
    format!("{:x}m{user_id:x}", post_id as u64 & 0xffff_ffff)
}

// ---- Weekly digests ----

/// A digest's stored attempt.
#[derive(Debug, Clone, PartialEq)]
pub struct DigestRow {
    pub id: i64,
    pub slot: u32,
    pub nonce: String,
    pub state: PostState,
    pub attempts: u32,
    pub claimed_at: DateTime<Utc>,
    pub first_claimed_at: DateTime<Utc>,
}

impl DigestRow {
    /// What the attempt state machine ([`crate::plan::attempt`]) reads of it.
    pub fn stored(&self) -> crate::plan::Stored {
        crate::plan::Stored {
            state: self.state,
            attempts: self.attempts,
            claimed_at: self.claimed_at,
            first_claimed_at: self.first_claimed_at,
        }
    }
}

/// The digest of `slot`, if it was ever claimed.
pub async fn digest(db: &Db, guild_id: u64, slot: u32) -> Result<Option<DigestRow>> {
    let _timer = crate::metrics::query("outbox.digest");
    let guild = to_db(guild_id);
    let slot = i64::from(slot);
    let r = fetch!(
        db,
        fetch_optional,
        (i64, i64, String, String, i64, DateTime<Utc>, DateTime<Utc>),
        "SELECT id, slot, nonce, state, attempts, claimed_at, first_claimed_at
         FROM digests WHERE guild_id = $1 AND slot = $2",
        guild,
        slot
    )?;
    r.map(|(id, slot, nonce, state, attempts, claimed_at, first_claimed_at)| {
        Ok(DigestRow {
            id,
            slot: decode_u32("digests", id, "slot", slot)?,
            nonce,
            state: decode("digests", id, "state", state, |s| PostState::parse(s))?,
            attempts: decode_u32("digests", id, "attempts", attempts)?,
            claimed_at,
            first_claimed_at,
        })
    })
    .transpose()
}

/// Claims the digest of `slot` before sending it; `None` when it was claimed before.
pub async fn claim_digest(
    db: &Db,
    guild_id: u64,
    slot: u32,
    channel_id: u64,
    nonce: &str,
    now: DateTime<Utc>,
) -> Result<Option<i64>> {
    let _timer = crate::metrics::query("outbox.claim_digest");
    let guild = to_db(guild_id);
    let slot = i64::from(slot);
    let channel = to_db(channel_id);
    Ok(scalar!(
        db,
        fetch_all,
        i64,
        "INSERT INTO digests (guild_id, slot, channel_id, nonce, state, attempts, claimed_at, first_claimed_at, owner)
         VALUES ($1, $2, $3, $4, 'claimed', 1, $5, $5, $6) ON CONFLICT DO NOTHING RETURNING id",
        guild,
        slot,
        channel,
        nonce,
        now,
        db.worker()
    )?
    .into_iter()
    .next())
}

/// Starts another attempt of an unfinished digest; false when it was sent meanwhile or
/// another live process holds its lease (the rule of [`retry_post`]).
pub async fn retry_digest(db: &Db, id: i64, now: DateTime<Utc>) -> Result<bool> {
    let _timer = crate::metrics::query("outbox.retry_digest");
    let stale = now - super::workers::LEASE;
    let n = execute!(
        db,
        "UPDATE digests SET state = 'claimed', attempts = attempts + 1, claimed_at = $1, owner = $2
         WHERE id = $3 AND state != 'sent'
           AND (state = 'failed' OR owner IS NULL OR owner = $2
                OR NOT EXISTS (SELECT 1 FROM workers w WHERE w.id = digests.owner AND w.seen_at > $4))",
        now,
        db.worker(),
        id,
        stale
    )?;
    Ok(n == 1)
}

/// Records how a digest attempt went: its message, or the error.
/// A failure with `give_up` (Discord refused for good) uses up every attempt: no retries.
pub async fn complete_digest(
    db: &Db,
    id: i64,
    outcome: std::result::Result<u64, (&str, bool)>,
    now: DateTime<Utc>,
) -> Result<()> {
    let _timer = crate::metrics::query("outbox.complete_digest");
    match outcome {
        Ok(message) => {
            let message = to_db(message);
            execute!(
                db,
                "UPDATE digests SET state = 'sent', message_id = $1, error = NULL, sent_at = $2 WHERE id = $3",
                message,
                now,
                id
            )?;
        }
        Err((e, give_up)) => {
            let floor = if give_up { i64::from(crate::plan::MAX_ATTEMPTS) } else { 0 };
            execute!(
                db,
                "UPDATE digests SET state = 'failed', error = $1,
                        attempts = CASE WHEN attempts < $3 THEN $3 ELSE attempts END
                 WHERE id = $2",
                e,
                id,
                floor
            )?;
        }
    }
    Ok(())
}

// ---- Review DMs (spaced review's daily DM) ----

/// A review DM claimed for this attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReviewDmClaim {
    pub id: i64,
    pub attempt: u32,
    pub first_claimed_at: DateTime<Utc>,
}

/// Where a member's review DM of one day stands when it cannot be claimed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewDmState {
    /// Sent, or given up: the day is over.
    Done,
    /// Being sent by a live process, or waiting for its retry.
    Pending,
}

/// Claims the review DM of `day` (the member's local date, YYYY-MM-DD) before it is sent,
/// or takes over its unfinished claim: a due retry of a passing failure, or a claim whose
/// process stopped (its heartbeat is older than [`workers::LEASE`](super::workers::LEASE)).
/// `Err` says why not.
pub async fn claim_review_dm(
    db: &Db,
    guild_id: u64,
    user_id: u64,
    day: &str,
    cards: u32,
    now: DateTime<Utc>,
) -> Result<std::result::Result<ReviewDmClaim, ReviewDmState>> {
    let _timer = crate::metrics::query("outbox.claim_review_dm");
    let (guild, user) = (to_db(guild_id), to_db(user_id));
    let cards = i64::from(cards.max(1));
    let first = scalar!(
        db,
        fetch_all,
        i64,
        "INSERT INTO review_dms (guild_id, user_id, day, cards, state, attempts, claimed_at, first_claimed_at, owner)
         VALUES ($1, $2, $3, $4, 'claimed', 1, $5, $5, $6) ON CONFLICT DO NOTHING RETURNING id",
        guild,
        user,
        day,
        cards,
        now,
        db.worker()
    )?;
    if let Some(id) = first.into_iter().next() {
        return Ok(Ok(ReviewDmClaim { id, attempt: 1, first_claimed_at: now }));
    }
    let stale = now - super::workers::LEASE;
    let retried = fetch!(
        db,
        fetch_all,
        (i64, i64, DateTime<Utc>),
        "UPDATE review_dms SET state = 'claimed', attempts = attempts + 1, claimed_at = $4, owner = $5, retry_at = NULL
         WHERE guild_id = $1 AND user_id = $2 AND day = $3
           AND ((state = 'failed' AND retry_at IS NOT NULL AND retry_at <= $4)
                OR (state = 'claimed' AND (owner IS NULL OR owner = $5
                    OR NOT EXISTS (SELECT 1 FROM workers w WHERE w.id = review_dms.owner AND w.seen_at > $6))))
         RETURNING id, attempts, first_claimed_at",
        guild,
        user,
        day,
        now,
        db.worker(),
        stale
    )?;
    if let Some((id, attempts, first_claimed_at)) = retried.into_iter().next() {
        let attempt = decode_u32("review_dms", id, "attempts", attempts)?;
        return Ok(Ok(ReviewDmClaim { id, attempt, first_claimed_at }));
    }
    Ok(Err(review_dm_state(db, guild_id, user_id, day).await?))
}

/// Where the member's review DM of `day` stands: done (sent or given up) or pending (being
/// sent, waiting for a retry, or never claimed).
pub async fn review_dm_state(db: &Db, guild_id: u64, user_id: u64, day: &str) -> Result<ReviewDmState> {
    let _timer = crate::metrics::query("outbox.review_dm_state");
    let (guild, user) = (to_db(guild_id), to_db(user_id));
    let state = fetch!(
        db,
        fetch_optional,
        (String, Option<DateTime<Utc>>),
        "SELECT state, retry_at FROM review_dms WHERE guild_id = $1 AND user_id = $2 AND day = $3",
        guild,
        user,
        day
    )?;
    Ok(match state {
        Some((s, None)) if s != "claimed" => ReviewDmState::Done,
        _ => ReviewDmState::Pending,
    })
}

/// Records how a claimed review DM went (its message when sent, the error when not).
pub async fn complete_review_dm(
    db: &Db,
    id: i64,
    outcome: DmOutcome,
    message_id: Option<u64>,
    error: Option<&str>,
) -> Result<()> {
    let _timer = crate::metrics::query("outbox.complete_review_dm");
    let (state, retry_at) = match outcome {
        DmOutcome::Sent => ("sent", None),
        DmOutcome::RetryAt(at) => ("failed", Some(at)),
        DmOutcome::GaveUp => ("failed", None),
    };
    let message = message_id.map(to_db);
    execute!(
        db,
        "UPDATE review_dms SET state = $1, retry_at = $2, message_id = $3, error = $4 WHERE id = $5",
        state,
        retry_at,
        message,
        error,
        id
    )?;
    Ok(())
}

/// The Discord nonce of a review DM (at most 25 characters), the same for every attempt.
pub fn review_dm_nonce(id: i64) -> String {
    format!("v{:x}", id as u64)
}
