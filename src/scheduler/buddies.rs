//! The study-buddy rounds job: when a group's round session starts (with its weekly post),
//! the members who opted in and are eligible ([`buddies::eligible`]) are matched
//! ([`buddies::match_round`], seeded by group and session), the round is recorded once
//! (`buddy_rounds`, unique per group and session: one process matches it), and each pair gets
//! a private thread in the group's channel with its members and an opening message.
//!
//! Exactly once per pair: the pair is claimed before its thread is opened and records the
//! thread as soon as Discord made it; a claim left by a dead process is retaken after
//! [`CLAIM_STALE`] and first looks among the channel's active threads for the pair's (its
//! name starts with [`render::buddies::thread_prefix`]); the opening message carries a
//! stable nonce. Discord's refusals (a permission taken away) mark the pair failed with the
//! reason; passing failures are tried again after [`RETRY`].

use super::discord::SendError;
use super::{Scheduler, TickReport};
use crate::buddies::{self, Candidate, Rules, Standing};
use crate::db::{self};
use crate::model::GroupView;
use crate::render;
use crate::weeks::Session;
use chrono::{DateTime, Duration, Utc};
use futures_util::StreamExt;
use poise::serenity_prelude as serenity;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use tracing::{info, warn};

/// Groups visited per pass.
pub const GROUPS_PER_PASS: i64 = 50;
/// Groups whose threads are being opened at once (their requests share the one pace; a
/// group's pairs go one after the other).
pub const GROUPS_IN_FLIGHT: usize = 8;
/// A pair claimed longer ago than this, without its thread open, belongs to a dead process.
pub const CLAIM_STALE: Duration = Duration::minutes(2);
/// When a round left with a passing failure is looked at again.
pub const RETRY: Duration = Duration::minutes(5);
/// A round is made at most this long after its session started (after downtime, the next).
pub use crate::service::buddies::ROUND_LATE;

/// What a pair thread's opening message says besides its members.
pub(super) struct Opening<'a> {
    pub week: u32,
    pub title: &'a str,
    /// The check-in deadline: the next session.
    pub deadline: Option<DateTime<Utc>>,
    /// A rematch's pair ("new buddies for the rest of this round").
    pub rematch: bool,
}

impl Scheduler {
    /// One pass of the rounds job over the groups due (this process's shards).
    pub(super) async fn buddy_rounds(&self, now: DateTime<Utc>) -> TickReport {
        let db = &self.core.db;
        let due = match db::buddies::due(db, now, self.shards.range(), GROUPS_PER_PASS).await {
            Ok(d) => d,
            Err(e) => {
                warn!("cannot list the groups whose buddy round is due: {e}");
                return TickReport { failed: 1, ..TickReport::default() };
            }
        };
        let (sent, failed) = (AtomicUsize::new(0), AtomicUsize::new(0));
        futures_util::stream::iter(due)
            .for_each_concurrent(GROUPS_IN_FLIGHT, |(guild, group_id)| {
                let (sent, failed) = (&sent, &failed);
                async move {
                    let view = match self.groups.by_id(guild, group_id).await {
                        Ok(v) => v,
                        Err(e) => {
                            warn!(guild, group = group_id, "buddy round: group not loaded: {e}");
                            failed.fetch_add(1, Ordering::Relaxed);
                            return;
                        }
                    };
                    let (opened, retry, next) = match self.round(&view, now).await {
                        Ok(r) => r,
                        Err(e) => {
                            warn!(guild, group = group_id, "buddy round not made: {e}");
                            (0, true, None)
                        }
                    };
                    sent.fetch_add(opened, Ordering::Relaxed);
                    if retry {
                        failed.fetch_add(1, Ordering::Relaxed);
                    }
                    let next = if retry { Some(now + RETRY) } else { next };
                    if let Err(e) = db::buddies::set_next(&self.core.db, view.group.scope(), next).await {
                        warn!(guild, group = group_id, "cannot record the next buddy round: {e}");
                    }
                }
            })
            .await;
        TickReport { sent: sent.into_inner(), failed: failed.into_inner(), groups: 0 }
    }

    /// The group's round of its latest session, if that session carries one: made once,
    /// then its threads opened: (threads opened, whether to try again soon, when the next
    /// round comes).
    async fn round(
        &self,
        view: &GroupView,
        now: DateTime<Utc>,
    ) -> crate::error::Result<(usize, bool, Option<DateTime<Utc>>)> {
        let db = &self.core.db;
        let scope = view.group.scope();
        let Some(settings) = db::buddies::settings(db, scope).await? else { return Ok((0, false, None)) };
        let path = self.core.path_of(view)?;
        let upcoming = crate::calendar::upcoming(view, path, now, crate::calendar::MAX_SESSIONS);
        let next = buddies::next_round(&upcoming, settings.every_weeks);
        let schedule = view.schedule();
        let Some(k) = schedule.latest_started(now) else { return Ok((0, false, next)) };
        let Session::Week(week) = crate::weeks::session(k, &view.calendar, view.total_weeks) else {
            return Ok((0, false, next));
        };
        let forced = db::buddies::forced(db, scope).await? == Some(k);
        if !(buddies::is_round(k, settings.every_weeks) || forced) || now - schedule.instant(k) > ROUND_LATE {
            return Ok((0, false, next));
        }
        let mut pairs = db::buddies::pairs(db, scope, k).await?;
        if pairs.is_empty() {
            // The last round's silent members first: two silent rounds in a row pause them.
            for user in db::buddies::settle_previous(db, scope, k, buddies::SILENT_ROUNDS).await? {
                info!(guild = view.group.guild_id, group = view.group.id, user, "buddy paused after silent rounds");
                self.buddy_dm(user, render::buddies::auto_paused_dm(&view.group.name)).await;
            }
            let candidates = self.candidates(view, week, now).await?;
            let ids: Vec<u64> = candidates.iter().map(|c| c.user_id).collect();
            let rules = Rules {
                history: db::buddies::history(db, scope, buddies::HISTORY_ROUNDS).await?,
                avoid: db::buddies::avoids_in_guild(db, view.group.guild_id)
                    .await?
                    .into_iter()
                    .filter(|(a, b)| ids.contains(a) && ids.contains(b))
                    .collect(),
            };
            let m = buddies::match_round(&candidates, settings.size, &rules, buddies::seed(view.group.id, k));
            let groups: Vec<(Vec<u64>, u64)> = m
                .groups
                .iter()
                .map(|g| (g.clone(), g[(buddies::seed(view.group.id, k) % g.len() as u64) as usize]))
                .collect();
            if db::buddies::insert_round(db, scope, k, week, &groups, now).await? {
                info!(
                    guild = view.group.guild_id,
                    group = view.group.id,
                    session = k,
                    pairs = groups.len(),
                    alone = m.alone.len(),
                    "buddy round matched"
                );
                // Nobody is dropped in silence: who has no partner this round is told so.
                for user in &m.alone {
                    self.buddy_dm(*user, render::buddies::alone_dm(&view.group.name, week)).await;
                }
            }
            pairs = db::buddies::pairs(db, scope, k).await?;
        }
        let names = db::buddies::display_names(db, scope).await?;
        // Check in by the next session.
        let deadline = upcoming.first().map(|u| u.at);
        let title = path.week(week).map(|w| w.title.clone()).unwrap_or_default();
        // The check-back comes halfway to the next session (3.5 days without one).
        let start = schedule.instant(k);
        let checkback = start + deadline.map_or(Duration::hours(84), |d| (d - start) / 2);
        let (mut opened, mut retry) = (0, false);
        for p in pairs.iter().filter(|p| p.state == "new" || p.state == "claimed") {
            if !db::buddies::claim_pair(db, p.id, now - CLAIM_STALE, now).await? {
                retry = true;
                continue;
            }
            let opening = Opening { week, title: &title, deadline, rematch: false };
            match self.open_pair(view, p, &opening, &names).await {
                Ok(()) => {
                    db::buddies::pair_done(db, p.id, None, Some(checkback)).await?;
                    crate::metrics::post("buddy_thread", "sent", None);
                    opened += 1;
                }
                Err(e) if e.permanent() => {
                    let f = super::failure::SendFailure::of(&e, view.group.channel_id);
                    warn!(guild = view.group.guild_id, group = view.group.id, "buddy thread refused: {}", f.text);
                    db::buddies::pair_done(db, p.id, Some(&f.text), None).await?;
                    crate::metrics::post("buddy_thread", "failed", None);
                }
                Err(e) => {
                    warn!(guild = view.group.guild_id, group = view.group.id, "buddy thread not opened yet: {e}");
                    retry = true;
                }
            }
        }
        Ok((opened, retry, next))
    }

    /// A study-buddy DM, at most once (the caller acts once per round); a member whose DMs
    /// are closed is only logged.
    pub(super) async fn buddy_dm(&self, user: u64, msg: serenity::CreateMessage) {
        match self.sender.dm(user, msg).await {
            Ok(_) => crate::metrics::post("buddy_dm", "sent", None),
            Err(e) => {
                crate::metrics::post("buddy_dm", "failed", None);
                warn!(user, "buddy DM not sent: {e}");
            }
        }
    }

    /// One pair's thread: found (a dead process opened it) or opened, its members added, the
    /// opening message posted once.
    pub(super) async fn open_pair(
        &self,
        view: &GroupView,
        p: &db::buddies::PairRow,
        o: &Opening<'_>,
        names: &HashMap<u64, String>,
    ) -> Result<(), SendError> {
        let week = o.week;
        let (guild, channel) = (view.group.guild_id, view.group.channel_id);
        let prefix = render::buddies::thread_prefix(week, p.idx);
        // A thread opened by an earlier attempt may hold the opening message already.
        let mut earlier = p.thread_id.is_some();
        let thread = match p.thread_id {
            Some(t) => t,
            None => {
                let found = if p.claimed_at.is_some() {
                    // Claimed before: a dead process may have opened it already.
                    self.sender.active_threads(guild, channel).await?.into_iter().find(|(_, n)| n.starts_with(&prefix))
                } else {
                    None
                };
                let t = match found {
                    Some((t, _)) => {
                        earlier = true;
                        t
                    }
                    None => {
                        let who: Vec<&str> =
                            p.members.iter().map(|u| names.get(u).map(String::as_str).unwrap_or("a member")).collect();
                        self.sender
                            .open_private_thread(channel, &render::buddies::thread_name(week, p.idx, &who))
                            .await?
                    }
                };
                if let Err(e) = db::buddies::pair_thread(&self.core.db, p.id, t).await {
                    warn!(guild, "cannot record a buddy thread: {e}");
                }
                t
            }
        };
        for u in &p.members {
            self.sender.add_thread_member(thread, *u).await?;
        }
        let start = render::buddies::opening_start(week);
        let msg = render::buddies::opening(week, o.title, &p.members, p.proposer, o.deadline, channel, o.rematch);
        self.post_once_in(thread, earlier, &start, msg, &format!("bp{}", p.id)).await
    }

    /// The group's eligible opted-in members at week `week`, with what matching looks at.
    pub(super) async fn candidates(
        &self,
        view: &GroupView,
        week: u32,
        now: DateTime<Utc>,
    ) -> crate::error::Result<Vec<Candidate>> {
        let db = &self.core.db;
        let (guild, group) = (view.group.guild_id, view.group.id);
        let today = now.with_timezone(&view.group.schedule.tz).date_naive();
        let away = db::members::away(db, guild, group, None).await?;
        // Finished held weeks, latest first (the round's week is the one starting).
        let mut held = view.weeks_held(now);
        held.retain(|w| *w != week);
        held.reverse();
        let activity = db::buddies::activity(db, view.group.scope()).await?;
        let mut out = Vec::new();
        for (user, m) in db::buddies::members(db, view.group.scope()).await? {
            let (joined_week, checked) = activity.get(&user).map_or((week, &[][..]), |(j, c)| (*j, c.as_slice()));
            let standing = Standing {
                paused: m.auto_paused || m.paused_until.is_some_and(|d| d >= today),
                away: away.iter().any(|a| a.user_id == user && a.from <= today && today <= a.to),
                recent_checkins: held.iter().map(|w| checked.contains(w)).collect(),
                joined_week,
            };
            if buddies::eligible(&standing, week).is_err() {
                continue;
            }
            // The report's at-risk rule: the last finished weeks all missed.
            let missed = crate::report::AT_RISK_MISSED_WEEKS as usize;
            let recent = &standing.recent_checkins;
            out.push(Candidate {
                user_id: user,
                at_risk: recent.len() >= missed && recent[..missed].iter().all(|c| !c),
                weeks_checked_in: checked.len() as u32,
                trios: m.trios,
            });
        }
        Ok(out)
    }
}

impl Scheduler {
    /// Posts `msg` in `thread` once: with its stable nonce, and after an earlier attempt
    /// (`tried`) only if the thread has no message of the bot's starting with `start`.
    pub(super) async fn post_once_in(
        &self,
        thread: u64,
        tried: bool,
        start: &str,
        msg: serenity::CreateMessage,
        nonce: &str,
    ) -> Result<(), SendError> {
        if tried && self.sender.find_own(thread, |m| m.content.starts_with(start)).await?.is_some() {
            return Ok(());
        }
        self.sender.send_once(thread, msg, nonce).await.map(|_| ())
    }
}

/// Check-backs claimed per pass.
pub const CHECKBACKS_PER_PASS: i64 = 200;

impl Scheduler {
    /// One pass of the check-backs job: each open pair whose check-back is due gets it in its
    /// thread once ("We met" / "Not yet" / "Partner unreachable"); a later attempt looks for
    /// it in the thread first.
    pub(super) async fn buddy_checkbacks(&self, now: DateTime<Utc>) -> TickReport {
        let db = &self.core.db;
        let due =
            match db::buddies::claim_checkbacks(db, now, now + CLAIM_STALE, self.shards.range(), CHECKBACKS_PER_PASS)
                .await
            {
                Ok(d) => d,
                Err(e) => {
                    warn!("cannot claim the buddy check-backs due: {e}");
                    return TickReport { failed: 1, ..TickReport::default() };
                }
            };
        let mut report = TickReport::default();
        for c in due {
            let msg = render::buddies::checkback(c.pair_id, &c.members);
            let nonce = format!("bk{}", c.pair_id);
            let result = self.post_once_in(c.thread_id, c.tried, render::buddies::CHECKBACK_START, msg, &nonce).await;
            match result {
                Ok(()) => {
                    report.sent += 1;
                    crate::metrics::post("buddy_checkback", "sent", None);
                    if let Err(e) = db::buddies::checkback_done(db, c.pair_id).await {
                        warn!(guild = c.guild_id, "cannot record a buddy check-back: {e}");
                    }
                }
                // A thread deleted or out of reach: nothing to check back on.
                Err(e) if e.permanent() => {
                    warn!(guild = c.guild_id, "buddy check-back refused: {e}");
                    crate::metrics::post("buddy_checkback", "failed", None);
                    if let Err(e) = db::buddies::checkback_done(db, c.pair_id).await {
                        warn!(guild = c.guild_id, "cannot record a buddy check-back: {e}");
                    }
                }
                // Passing: the lease runs out and the next pass tries again.
                Err(e) => {
                    report.failed += 1;
                    warn!(guild = c.guild_id, "buddy check-back not posted yet: {e}");
                }
            }
        }
        report
    }
}
