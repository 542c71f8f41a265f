//! The session-events job: each group with events on (`/group events on`) keeps one Discord
//! scheduled event per held session of its rolling window ([`session_events::WINDOW`]), in
//! line with its calendar ([`session_events::reconcile`]); starts and ends its voice events;
//! and at each session's start reads who said they were interested, records it for the
//! reports and shows "N interested" in the week's post.
//!
//! Exactly once: a session's event is claimed (`session_events` row, primary key (group,
//! session)) before the create request and completed with the event's id. A claim left by a
//! process that died between the two is retaken after [`CLAIM_STALE`] and settled by
//! looking for the event in the server's list (the bot's own events, by name and start)
//! before creating it: one event per session across crashes, restarts and processes.
//!
//! A group is visited when it is due (`group_events.sync_at`: now after a calendar or
//! settings change, else the next start or end of an event): a tick costs what is due.
//! Discord's refusals (a missing permission, the 100-event cap, a deleted voice channel)
//! stop the group's passes with the reason shown to moderators; passing failures are tried
//! again after [`RETRY`].

use super::discord::{SendError, code};
use super::failure::SendFailure;
use super::{Scheduler, TickReport};
use crate::db::events::{DueEvents, EventRow};
use crate::db::{self};
use crate::error::UserError;
use crate::model::{GroupView, PostKind, PostState};
use crate::session_events::{self, Change, Kept, Started, Wanted};
use chrono::{DateTime, Duration, Utc};
use tracing::{info, warn};

/// Groups visited per pass (the rest wait for the next tick).
pub const GROUPS_PER_PASS: i64 = 50;
/// A claim older than this whose event was never recorded belongs to a process that died.
pub const CLAIM_STALE: Duration = Duration::minutes(2);
/// When a pass that failed for a passing reason is tried again.
pub const RETRY: Duration = Duration::minutes(5);
/// Pages of 100 interested users read per event, at most (the count says "+" beyond).
pub const INTEREST_PAGES: usize = 10;

/// How a pass over one group ended.
struct Pass {
    /// Discord calls that changed something.
    changed: usize,
    /// The refusal that stops the group's passes, in moderators' words.
    refused: Option<String>,
    /// A passing failure: try again soon.
    retry: bool,
    /// Another process holds a claim of the group's: look again once it is stale.
    waiting: bool,
}

/// Discord's refusal of an event request, for moderators.
pub fn event_failure(e: &SendError, voice: Option<u64>) -> SendFailure {
    let text = match (e, voice) {
        (SendError::ChannelGone, Some(c)) => {
            format!("the voice channel <#{c}> no longer exists: run `/group events on` with another one")
        }
        (SendError::Http { code: code::TOO_MANY_EVENTS, .. }, _) => {
            "the server has 100 upcoming events, Discord's maximum (30038): delete some, then run `/group events on` \
             again"
                .to_string()
        }
        (SendError::Http { code: code::MISSING_PERMISSIONS | code::MISSING_ACCESS, .. }, Some(c)) => format!(
            "the bot lacks Create Events in this server, or View Channel and Connect in <#{c}> (50013): give it \
             those, then run `/group events on` again"
        ),
        (SendError::Http { code: code::MISSING_PERMISSIONS | code::MISSING_ACCESS, .. }, None) => {
            "the bot lacks Create Events in this server (50013): give it that permission (Server Settings → Roles), \
             then run `/group events on` again"
                .to_string()
        }
        (other, _) => format!("Discord refused the group's event: {other}"),
    };
    SendFailure { text, permanent: e.permanent() }
}

impl Scheduler {
    /// One pass of the session-events job over the groups due (this process's shards).
    pub(super) async fn session_events(&self, now: DateTime<Utc>) -> TickReport {
        let db = &self.core.db;
        let due = match db::events::due(db, now, self.shards.range(), GROUPS_PER_PASS).await {
            Ok(d) => d,
            Err(e) => {
                warn!("cannot list the groups whose events are due: {e}");
                return TickReport { failed: 1, ..TickReport::default() };
            }
        };
        let mut report = TickReport::default();
        for d in due {
            let (next, error) = match self.sync_events(&d, now).await {
                Ok((pass, next)) => {
                    report.sent += pass.changed;
                    if pass.refused.is_some() {
                        report.failed += 1;
                        (None, pass.refused)
                    } else if pass.retry {
                        report.failed += 1;
                        (Some(now + RETRY), None)
                    } else if pass.waiting {
                        (Some(now + CLAIM_STALE), None)
                    } else {
                        (next, None)
                    }
                }
                Err(e) => {
                    warn!(guild = d.guild_id, group = d.group_id, "group's events not brought in line: {e}");
                    report.failed += 1;
                    (Some(now + RETRY), None)
                }
            };
            if let Err(e) = db::events::passed(db, &d, next, error.as_deref()).await {
                warn!(guild = d.guild_id, group = d.group_id, "cannot record the events pass: {e}");
            }
        }
        report
    }

    /// Brings one group's events in line at `now`; the pass and when the next one is due.
    async fn sync_events(
        &self,
        d: &DueEvents,
        now: DateTime<Utc>,
    ) -> crate::error::Result<(Pass, Option<DateTime<Utc>>)> {
        let db = &self.core.db;
        let mut pass = Pass { changed: 0, refused: None, retry: false, waiting: false };
        // The group as it is (none once deleted or turned off: its events to come go).
        let view = if d.settings.enabled {
            match self.groups.by_id(d.guild_id, d.group_id).await {
                Ok(v) => Some(v),
                Err(crate::error::Error::User(u)) if matches!(*u, UserError::GroupGone) => None,
                Err(e) => return Err(e),
            }
        } else {
            None
        };
        let wanted = match &view {
            Some(v) => session_events::wanted(v, self.core.path_of(v)?, d.settings.minutes, now),
            None => Vec::new(),
        };
        let voice = d.settings.channel_id;
        let channel_link = view.as_ref().map(|v| session_events::channel_link(v.group.guild_id, v.group.channel_id));
        let location = d.settings.location.as_deref().or(channel_link.as_deref()).unwrap_or_default();

        // Claims left by a process that died between create and record: the event may exist.
        let mut rows = db::events::rows(db, d.group_id).await?;
        for r in rows.iter().filter(|r| r.event_id.is_none()) {
            if r.claimed_at > now - CLAIM_STALE
                || !db::events::retake(db, d.group_id, r.stored.session, now - CLAIM_STALE, now).await?
            {
                // Another process is creating it right now: look again shortly.
                pass.waiting = true;
                continue;
            }
            let found = match self.sender.own_events(d.guild_id).await {
                Ok(events) => {
                    events.into_iter().find(|(_, name, start)| *name == r.stored.name && *start == r.stored.start)
                }
                Err(e) => {
                    self.refuse_or_retry(&mut pass, &e, voice);
                    return Ok((pass, None));
                }
            };
            let w = wanted_of(&r.stored);
            match found {
                Some((id, _, _)) => {
                    info!(
                        guild = d.guild_id,
                        group = d.group_id,
                        session = r.stored.session,
                        "event found after a crash"
                    );
                    db::events::record(db, d.group_id, id, &w, r.channel_id).await?;
                }
                None => db::events::forget(db, d.group_id, r.stored.session).await?,
            }
        }
        if pass.waiting {
            return Ok((pass, None));
        }
        rows = db::events::rows(db, d.group_id).await?;

        let stored: Vec<_> = rows.iter().map(|r| r.stored.clone()).collect();
        for change in session_events::reconcile(&wanted, &stored, now) {
            let result = match &change {
                Change::Create(w) => {
                    if !db::events::claim(db, d, w, voice, now).await? {
                        pass.waiting = true;
                        continue;
                    }
                    match self.sender.create_event(d.guild_id, w, voice, location).await {
                        Ok(id) => {
                            db::events::record(db, d.group_id, id, w, voice).await?;
                            crate::metrics::post("session_event", "created", None);
                            Ok(())
                        }
                        Err(e) => {
                            db::events::forget(db, d.group_id, w.session).await?;
                            Err(e)
                        }
                    }
                }
                Change::Update { event_id, wanted: w } => {
                    let kept_voice = rows.iter().find(|r| r.stored.session == w.session).and_then(|r| r.channel_id);
                    let loc = if kept_voice.is_none() { Some(location) } else { None };
                    match self.sender.edit_event(d.guild_id, *event_id, w, loc).await {
                        Ok(()) => {
                            db::events::record(db, d.group_id, *event_id, w, kept_voice).await?;
                            crate::metrics::post("session_event", "updated", None);
                            Ok(())
                        }
                        Err(e) if e.code() == Some(code::UNKNOWN_EVENT) => {
                            // Deleted by hand in Discord: made again on the next pass.
                            db::events::forget(db, d.group_id, w.session).await?;
                            pass.retry = true;
                            Ok(())
                        }
                        Err(e) => Err(e),
                    }
                }
                Change::Remove { session, event_id } => match self.sender.delete_event(d.guild_id, *event_id).await {
                    Ok(()) => {
                        db::events::forget(db, d.group_id, *session).await?;
                        crate::metrics::post("session_event", "deleted", None);
                        Ok(())
                    }
                    Err(e) => Err(e),
                },
            };
            match result {
                Ok(()) => pass.changed += 1,
                Err(e) => {
                    warn!(guild = d.guild_id, group = d.group_id, "event change failed: {e}");
                    crate::metrics::post("session_event", "failed", None);
                    self.refuse_or_retry(&mut pass, &e, voice);
                    return Ok((pass, None));
                }
            }
        }

        // Starts, ends and interested members of the events whose time came.
        rows = db::events::rows(db, d.group_id).await?;
        let kept: Vec<Kept> = rows.iter().filter(|r| r.event_id.is_some()).map(kept_of).collect();
        let plan = session_events::timeline(&kept, &wanted, now);
        for s in &plan.missed {
            let Some(r) = row(&rows, *s) else { continue };
            match self.sender.delete_event(d.guild_id, r.stored.event_id).await {
                Ok(()) => db::events::forget(db, d.group_id, *s).await?,
                Err(e) => warn!(guild = d.guild_id, group = d.group_id, session = s, "missed event not deleted: {e}"),
            }
        }
        for (sessions, active, state) in [(&plan.start, true, Started::Yes), (&plan.end, false, Started::Ended)] {
            for s in sessions {
                let Some(r) = row(&rows, *s) else { continue };
                match self.sender.set_event_active(d.guild_id, r.stored.event_id, active).await {
                    Ok(()) => {
                        db::events::mark_started(db, d.group_id, *s, state).await?;
                        pass.changed += 1;
                    }
                    // Ended or cancelled in Discord already (by a member, or by Discord).
                    Err(SendError::Http { status: 400 | 404, .. }) => {
                        db::events::mark_started(db, d.group_id, *s, Started::Ended).await?
                    }
                    Err(e) => {
                        warn!(
                            guild = d.guild_id,
                            group = d.group_id,
                            session = s,
                            "voice event not started/ended: {e}"
                        );
                        pass.retry = true;
                    }
                }
            }
        }
        if let Some(view) = &view {
            for s in &plan.read {
                let Some(r) = row(&rows, *s) else { continue };
                if let Err(e) = self.read_interest(view, r).await {
                    warn!(guild = d.guild_id, group = d.group_id, session = s, "interested members not read: {e}");
                    pass.retry = true;
                }
            }
        }
        Ok((pass, plan.next))
    }

    /// Reads who said they were interested in a session's event that started, records it,
    /// and shows the count in the week's post (and links the post from the event).
    async fn read_interest(&self, view: &GroupView, r: &EventRow) -> crate::error::Result<()> {
        let db = &self.core.db;
        let (guild, event, session) = (view.group.guild_id, r.stored.event_id, r.stored.session);
        let (users, more) = match self.sender.interested(guild, event, INTEREST_PAGES).await {
            Ok(u) => u,
            Err(e) if e.code() == Some(code::UNKNOWN_EVENT) => {
                // Deleted by hand: nobody to count.
                db::events::forget(db, view.group.id, session).await?;
                return Ok(());
            }
            Err(e) => return Err(crate::error::Error::Internal(format!("reading the interested members: {e}"))),
        };
        let count = u32::try_from(users.len()).unwrap_or(u32::MAX);
        db::events::record_interest(db, view.group.scope(), session, count, &users).await?;
        if r.channel_id.is_none() && r.started == Started::No {
            // Discord started the external event; the bot saw it.
            db::events::mark_started(db, view.group.id, session, Started::Yes).await?;
        }
        let posts = db::posts::for_group(db, view.group.scope()).await?;
        let post =
            posts.iter().find(|p| p.kind == PostKind::Week && p.session == session && p.state == PostState::Sent);
        if let Some(message) = post.and_then(|p| p.message_id) {
            let channel = view.group.channel_id;
            let line = session_events::interest_line(count, more, guild, event);
            if let Err(e) = self.sender.annotate(channel, message, session_events::INTEREST_MARK, &line).await {
                warn!(guild, group = view.group.id, session, "week post not annotated with the interest: {e}");
            }
            let link = format!("https://discord.com/channels/{guild}/{channel}/{message}");
            let path = self.core.path_of(view)?;
            let summary =
                post.and_then(|p| p.week).and_then(|w| path.week(w)).map(|w| w.summary.as_str()).unwrap_or_default();
            let description = session_events::description(summary, Some(&link));
            if description != r.stored.description {
                match self.sender.describe_event(guild, event, &description).await {
                    Ok(()) => {
                        let w = Wanted { description, ..wanted_of(&r.stored) };
                        db::events::record(db, view.group.id, event, &w, r.channel_id).await?;
                    }
                    Err(e) => warn!(guild, group = view.group.id, session, "event not linked to the post: {e}"),
                }
            }
        }
        Ok(())
    }

    /// Records a failed event request: a refusal stops the group's passes, anything else is
    /// tried again soon.
    fn refuse_or_retry(&self, pass: &mut Pass, e: &SendError, voice: Option<u64>) {
        let f = event_failure(e, voice);
        if f.permanent {
            pass.refused = Some(f.text);
        } else {
            pass.retry = true;
        }
    }
}

fn row(rows: &[EventRow], session: u32) -> Option<&EventRow> {
    rows.iter().find(|r| r.stored.session == session && r.event_id.is_some())
}

fn kept_of(r: &EventRow) -> Kept {
    Kept { stored: r.stored.clone(), voice: r.channel_id.is_some(), started: r.started, read: r.interested.is_some() }
}

/// What a stored event says, as a [`Wanted`] (to record it again).
fn wanted_of(s: &session_events::Stored) -> Wanted {
    Wanted {
        session: s.session,
        week: 0,
        start: s.start,
        end: s.end,
        name: s.name.clone(),
        description: s.description.clone(),
    }
}
