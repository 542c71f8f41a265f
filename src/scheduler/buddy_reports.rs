//! The "partner unreachable" job (`buddy_rematches`): a member of an open pair says they
//! cannot reach the others (the check-back's third button, or `/buddy rematch`).
//!
//! 1. **The ask**: the pair's thread gets "Still there?" with an "I'm here" button for the
//!    others, who have [`buddies::CONFIRM_HOURS`] to press it (or to say "We met").
//! 2. **The rematch**: at the end of those hours without a word, the round's unanswered
//!    reports are decided together, by one process at a time (the round's lease): each
//!    reporter gets a new buddy, another reporter or a free member (eligible, in no group of
//!    the round), by [`buddies::rematch`] (never an avoid, never whom they could not reach), as
//!    a new pair of the same round opened like a round's pair (its own private thread and
//!    opening). A round that is over (its next session began) or a reporter who paused
//!    lapses quietly.
//! 3. **The outcome**: the old thread says the reporter has a new buddy, or tells them that
//!    nobody is free this round.
//!
//! Exactly once: reports are settled in one transaction with the new pairs (`outcome =
//! 'waiting'` is the claim); a new pair is claimed before its thread opens and is found again
//! after a crash like a round's pair; every message in a thread has a lease, a stable nonce and
//! a look for it in the thread on a retry.

use super::{Scheduler, TickReport};
use crate::buddies::{self, Rules};
use crate::db;
use crate::render;
use chrono::{DateTime, Duration, Utc};
use std::collections::HashSet;
use tracing::{info, warn};

/// Rounds with expired reports decided per pass.
pub const ROUNDS_PER_PASS: i64 = 50;
/// Rematch pairs opened per pass, and report messages posted per pass.
pub const ITEMS_PER_PASS: i64 = 200;
/// A lease on a report's message or a round's rematch.
pub const LEASE: Duration = super::buddies::CLAIM_STALE;

impl Scheduler {
    /// One pass of the job: the rematches due, the rematch pairs' threads, the messages.
    pub(super) async fn buddy_rematches(&self, now: DateTime<Utc>) -> TickReport {
        let mut report = TickReport::default();
        self.decide_rematches(now, &mut report).await;
        self.open_rematches(now, &mut report).await;
        self.report_notices(now, &mut report).await;
        report
    }

    async fn decide_rematches(&self, now: DateTime<Utc>, report: &mut TickReport) {
        let db = &self.core.db;
        let rounds = match db::buddies::expired_rounds(db, now, self.shards.range(), ROUNDS_PER_PASS).await {
            Ok(r) => r,
            Err(e) => {
                warn!("cannot list the buddy reports that ran out: {e}");
                report.failed += 1;
                return;
            }
        };
        for (guild, group, round) in rounds {
            match db::buddies::lease_round(db, round, now, now + LEASE).await {
                Ok(true) => {}
                Ok(false) => continue,
                Err(e) => {
                    warn!(guild, group, "cannot lease a buddy round for its rematches: {e}");
                    report.failed += 1;
                    continue;
                }
            }
            if let Err(e) = self.decide_round(guild, group, round, now).await {
                warn!(guild, group, round, "buddy rematches not decided: {e}");
                report.failed += 1;
            }
            if let Err(e) = db::buddies::release_round(db, round).await {
                warn!(guild, group, "cannot release a buddy round's lease: {e}");
            }
        }
    }

    /// Decides a round's expired reports (see the module's header).
    async fn decide_round(
        &self,
        guild: u64,
        group_id: i64,
        round: i64,
        now: DateTime<Utc>,
    ) -> crate::error::Result<()> {
        let db = &self.core.db;
        let view = self.groups.by_id(guild, group_id).await?;
        let Some(r) = db::buddies::rematch_round(db, round, now).await? else { return Ok(()) };
        if r.expired.is_empty() {
            return Ok(());
        }
        // Over when a later session began: the reports lapse.
        let over = view.schedule().latest_started(now) != Some(r.session);
        let candidates = if over { Vec::new() } else { self.candidates(&view, r.week, now).await? };
        let reporters: HashSet<u64> = r.expired.iter().map(|(_, u, _)| *u).collect();
        let seekers: Vec<_> = candidates.iter().filter(|c| reporters.contains(&c.user_id)).cloned().collect();
        let free: Vec<_> = candidates.iter().filter(|c| !r.in_round.contains(&c.user_id)).cloned().collect();
        let ids: Vec<u64> = candidates.iter().map(|c| c.user_id).collect();
        let mut avoid: HashSet<(u64, u64)> = db::buddies::avoids_in_guild(db, guild)
            .await?
            .into_iter()
            .filter(|(a, b)| ids.contains(a) && ids.contains(b))
            .collect();
        // Never again with whom they could not reach.
        for (_, reporter, members) in &r.expired {
            avoid.extend(members.iter().filter(|m| *m != reporter).map(|m| (*reporter, *m)));
        }
        let rules =
            Rules { history: db::buddies::history(db, view.group.scope(), buddies::HISTORY_ROUNDS).await?, avoid };
        let m = buddies::rematch(&seekers, &free, &rules, buddies::seed(group_id, r.session) ^ round as u64);
        let pair_of = |u: u64| r.expired.iter().find(|(_, rep, _)| *rep == u).map(|(p, _, _)| *p);
        let groups: Vec<(Vec<u64>, u64, i64)> = m
            .groups
            .iter()
            .filter_map(|g| {
                // The first member of a rematch group is a seeker: they propose a time.
                let seeker = g[0];
                pair_of(seeker).map(|p| (g.clone(), seeker, p))
            })
            .collect();
        let matched: HashSet<u64> = m.groups.iter().flatten().copied().collect();
        let outcomes: Vec<(i64, &str)> = r
            .expired
            .iter()
            .map(|(pair, reporter, _)| {
                let outcome = if matched.contains(reporter) {
                    "rematched"
                } else if m.alone.contains(reporter) {
                    "nobody"
                } else {
                    // The round is over, or they paused or went away since.
                    "lapsed"
                };
                (*pair, outcome)
            })
            .collect();
        if db::buddies::settle_rematches(db, round, guild, &outcomes, &groups, now).await? {
            info!(
                guild,
                group = group_id,
                round,
                rematched = groups.len(),
                nobody = m.alone.len(),
                reports = outcomes.len(),
                "buddy rematches decided"
            );
        }
        Ok(())
    }

    /// Opens the rematch pairs not open yet: like a round's pair, with "new buddies" in the
    /// opening and a check-back halfway to the next session.
    async fn open_rematches(&self, now: DateTime<Utc>, report: &mut TickReport) {
        let db = &self.core.db;
        let pending = match db::buddies::pending_rematches(db, self.shards.range(), ITEMS_PER_PASS).await {
            Ok(p) => p,
            Err(e) => {
                warn!("cannot list the buddy rematches to open: {e}");
                report.failed += 1;
                return;
            }
        };
        for (guild, group, week, pair) in pending {
            match db::buddies::claim_pair(db, pair.id, now - super::buddies::CLAIM_STALE, now).await {
                Ok(true) => {}
                Ok(false) => continue,
                Err(e) => {
                    warn!(guild, group, "cannot claim a buddy rematch: {e}");
                    report.failed += 1;
                    continue;
                }
            }
            if let Err(e) = self.open_rematch(guild, group, week, &pair, now, report).await {
                warn!(guild, group, "buddy rematch not opened: {e}");
                report.failed += 1;
            }
        }
    }

    async fn open_rematch(
        &self,
        guild: u64,
        group: i64,
        week: u32,
        pair: &db::buddies::PairRow,
        now: DateTime<Utc>,
        report: &mut TickReport,
    ) -> crate::error::Result<()> {
        let db = &self.core.db;
        let view = self.groups.by_id(guild, group).await?;
        let path = self.core.path_of(&view)?;
        let upcoming = crate::calendar::upcoming(&view, path, now, 1);
        let deadline = upcoming.first().map(|u| u.at);
        let title = path.week(week).map(|w| w.title.clone()).unwrap_or_default();
        let names = db::buddies::display_names(db, view.group.scope()).await?;
        let opening = super::buddies::Opening { week, title: &title, deadline, rematch: true };
        match self.open_pair(&view, pair, &opening, &names).await {
            Ok(()) => {
                let checkback = now + deadline.map_or(Duration::hours(42), |d| (d - now) / 2);
                db::buddies::pair_done(db, pair.id, None, Some(checkback)).await?;
                crate::metrics::post("buddy_thread", "sent", None);
                report.sent += 1;
            }
            Err(e) if e.permanent() => {
                let f = super::failure::SendFailure::of(&e, view.group.channel_id);
                warn!(guild, group, "buddy rematch thread refused: {}", f.text);
                db::buddies::pair_done(db, pair.id, Some(&f.text), None).await?;
                crate::metrics::post("buddy_thread", "failed", None);
            }
            // Passing: the claim goes stale and a later pass tries again.
            Err(e) => {
                warn!(guild, group, "buddy rematch thread not opened yet: {e}");
                report.failed += 1;
            }
        }
        Ok(())
    }

    /// Posts the reports' messages due: the ask, or the outcome.
    async fn report_notices(&self, now: DateTime<Utc>, report: &mut TickReport) {
        let db = &self.core.db;
        let due = match db::buddies::claim_notices(db, now, now + LEASE, self.shards.range(), ITEMS_PER_PASS).await {
            Ok(d) => d,
            Err(e) => {
                warn!("cannot claim the buddy report messages due: {e}");
                report.failed += 1;
                return;
            }
        };
        for n in due {
            let (start, msg, nonce) = match n.outcome.as_str() {
                "waiting" => {
                    let others: Vec<u64> = n.members.iter().copied().filter(|u| *u != n.reporter).collect();
                    let by = n.confirm_by.unwrap_or(now);
                    (render::buddies::ASK_START, render::buddies::ask(n.pair_id, n.reporter, &others, by), "bu")
                }
                "rematched" | "nobody" => (
                    render::buddies::OUTCOME_START,
                    render::buddies::outcome(n.reporter, n.outcome == "rematched"),
                    "bo",
                ),
                _ => {
                    if let Err(e) = db::buddies::notice_done(db, n.pair_id).await {
                        warn!(guild = n.guild_id, "cannot record a buddy report message: {e}");
                    }
                    continue;
                }
            };
            let nonce = format!("{nonce}{}", n.pair_id);
            let result = self.post_once_in(n.thread_id, n.tried, start, msg, &nonce).await;
            match result {
                Ok(()) => {
                    report.sent += 1;
                    crate::metrics::post("buddy_report", "sent", None);
                    if let Err(e) = db::buddies::notice_done(db, n.pair_id).await {
                        warn!(guild = n.guild_id, "cannot record a buddy report message: {e}");
                    }
                }
                // The thread is gone or out of reach: nothing to post into.
                Err(e) if e.permanent() => {
                    warn!(guild = n.guild_id, "buddy report message refused: {e}");
                    crate::metrics::post("buddy_report", "failed", None);
                    if let Err(e) = db::buddies::notice_done(db, n.pair_id).await {
                        warn!(guild = n.guild_id, "cannot record a buddy report message: {e}");
                    }
                }
                // Passing: the lease runs out and the next pass tries again.
                Err(e) => {
                    report.failed += 1;
                    warn!(guild = n.guild_id, "buddy report message not posted yet: {e}");
                }
            }
        }
    }
}
