//! Scheduling decisions as pure functions: what is due for a group at an instant, when the
//! next post and reminder will happen, and the one attempt state machine ([`attempt`]) that
//! every send the bot makes on its own goes through (weekly posts, digests, reminder DMs).
//! The database is the source of truth for what has been sent; this module only compares it
//! with the calendar and the clock.

use crate::model::{GroupView, Missed, Post, PostKind, PostState, Session};
use crate::weeks;
use chrono::{DateTime, Duration, Utc};

/// Attempts before a post or digest is given up on (it stays visible in `/group list`).
pub const MAX_ATTEMPTS: u32 = 8;

/// Attempts before a reminder DM is given up on (it would come too late after that).
pub const DM_ATTEMPTS: u32 = 5;

/// Discord honours a message nonce for a few minutes only: a retry whose item was first
/// claimed longer ago than this first looks for the earlier message in the channel.
pub const NONCE_TRUST: Duration = Duration::minutes(2);

/// What is stored of the attempts at one item (a post, a digest, a reminder DM).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stored {
    pub state: PostState,
    /// Attempts made so far (the first claim is attempt 1).
    pub attempts: u32,
    /// When the last attempt was claimed, or failed (the backoff counts from there).
    pub claimed_at: DateTime<Utc>,
    /// When the first attempt was claimed (the nonce window counts from there).
    pub first_claimed_at: DateTime<Utc>,
}

impl From<&Post> for Stored {
    fn from(p: &Post) -> Stored {
        Stored { state: p.state, attempts: p.attempts, claimed_at: p.claimed_at, first_claimed_at: p.first_claimed_at }
    }
}

/// What to do about one item now: the attempt state machine every send goes through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// Never attempted: claim it (the database's unique key lets one claimant win).
    Claim,
    /// An unfinished attempt (claimed before a crash) or a failed one whose backoff is over:
    /// try again with the first attempt's nonce. `late`: the first claim is past Discord's
    /// nonce window, so look for the first copy before sending.
    Retry { late: bool },
    /// The last attempt failed; the next one is due at this instant.
    WaitUntil(DateTime<Utc>),
    /// Failed `max_attempts` times, or refused for good: given up (the error stays visible).
    GaveUp,
    /// Out.
    Sent,
}

/// After attempt number `attempts` failed at `at`: when the next one is due, or `None` when
/// the item is given up (a refusal no retry can change, or the kind's last attempt).
pub fn next_try(attempts: u32, at: DateTime<Utc>, permanent: bool, max_attempts: u32) -> Option<DateTime<Utc>> {
    let failed = Stored { state: PostState::Failed, attempts, claimed_at: at, first_claimed_at: at };
    match attempt(Some(&failed), at, max_attempts) {
        Attempt::WaitUntil(t) if !permanent => Some(t),
        _ => None,
    }
}

/// Decides one item from what is stored of it: `max_attempts` is the kind's limit
/// ([`MAX_ATTEMPTS`], [`DM_ATTEMPTS`]).
pub fn attempt(stored: Option<&Stored>, now: DateTime<Utc>, max_attempts: u32) -> Attempt {
    let Some(s) = stored else { return Attempt::Claim };
    let late = now - s.first_claimed_at > NONCE_TRUST;
    match s.state {
        PostState::Sent => Attempt::Sent,
        // Claimed but never completed: the process stopped mid-send (the claim's lease says
        // whether its owner is gone; the database's retry statement checks it).
        PostState::Claimed => Attempt::Retry { late },
        PostState::Failed if s.attempts >= max_attempts => Attempt::GaveUp,
        PostState::Failed => {
            let at = s.claimed_at + backoff(s.attempts);
            if now >= at { Attempt::Retry { late } } else { Attempt::WaitUntil(at) }
        }
    }
}

/// Something to send now.
#[derive(Debug, Clone, PartialEq)]
pub struct Due {
    pub kind: PostKind,
    pub session: u32,
    pub week: Option<u32>,
    /// An unfinished earlier attempt (claimed before a crash, or failed) to retry.
    pub retry_of: Option<i64>,
}

/// Wait before retrying a failed item: 1, 2, 4 ... minutes, at most 64.
pub fn backoff(attempts: u32) -> Duration {
    Duration::minutes(1i64 << attempts.saturating_sub(1).min(6))
}

/// How a candidate post stands against what was already stored.
#[derive(Debug, Clone, PartialEq)]
pub enum Candidate {
    /// Send it now: new (claim it) or an unfinished attempt to retry.
    Due(Due),
    /// Already out.
    Sent,
    /// The last attempt failed; the next one is due at this instant.
    Waiting(DateTime<Utc>),
    /// Failed [`MAX_ATTEMPTS`] times; given up (the error stays in `/group list`).
    GaveUp,
}

/// Decides one candidate: new (claim it), retry an unfinished one, or nothing yet.
pub fn candidate(kind: PostKind, session: u32, week: Option<u32>, posts: &[Post], now: DateTime<Utc>) -> Candidate {
    // A week may be posted again at a later session (a moderator repeated it or jumped
    // back), so posts are told apart by session; the closing post is once per group.
    let existing = posts.iter().find(|p| {
        (p.kind == kind && p.session == session) || (kind == PostKind::Closing && p.kind == PostKind::Closing)
    });
    let stored = existing.map(Stored::from);
    match (attempt(stored.as_ref(), now, MAX_ATTEMPTS), existing) {
        (Attempt::Claim, _) | (_, None) => Candidate::Due(Due { kind, session, week, retry_of: None }),
        // Retried with the same nonce: Discord returns the first message if it was created.
        (Attempt::Retry { .. }, Some(p)) => Candidate::Due(Due { kind, session, week: p.week, retry_of: Some(p.id) }),
        (Attempt::WaitUntil(at), _) => Candidate::Waiting(at),
        (Attempt::GaveUp, _) => Candidate::GaveUp,
        (Attempt::Sent, _) => Candidate::Sent,
    }
}

fn due_now(c: Candidate) -> Option<Due> {
    match c {
        Candidate::Due(d) => Some(d),
        _ => None,
    }
}

/// What is due for `view` at `now`. Only the latest session that has started is looked at,
/// so after downtime the current week's post is caught up once and older ones are not.
pub fn due(view: &GroupView, posts: &[Post], now: DateTime<Utc>, reminder_hours: u32) -> Vec<Due> {
    candidates(view, posts, now, reminder_hours).into_iter().filter_map(due_now).collect()
}

/// When the group should next be visited, after a visit at `now` left `posts`: the earliest
/// of something due now (claimed by another process, or a retry due), a failed post's
/// retry, the next session's start (until the closing post was attempted) and the next
/// reminder. `None`: nothing until a change (paused open-ended, or finished with its closing
/// post attempted). The scheduler stores it; a due instant in the past (after an outage) is
/// due, so missed weeks are still found.
pub fn next_due(view: &GroupView, posts: &[Post], now: DateTime<Utc>, reminder_hours: u32) -> Option<DateTime<Utc>> {
    if view.group.paused {
        return None;
    }
    let mut at: Option<DateTime<Utc>> = None;
    let mut consider = |t: DateTime<Utc>| at = Some(at.map_or(t, |a| a.min(t)));
    for c in candidates(view, posts, now, reminder_hours) {
        match c {
            Candidate::Due(_) => consider(now),
            Candidate::Waiting(t) => consider(t),
            Candidate::Sent | Candidate::GaveUp => {}
        }
    }
    // Every session start may post (a week, a skip note, the closing post) or reveal a missed
    // week; once the closing post was attempted, none will.
    if !posts.iter().any(|p| p.kind == PostKind::Closing) {
        let schedule = view.schedule();
        consider(schedule.instant(schedule.next_after(now)));
    }
    if let Some(r) = next(view, posts, now, reminder_hours).and_then(|n| n.reminder_at) {
        consider(r);
    }
    at
}

/// Every candidate post at `now` ([`due`] keeps those due).
fn candidates(view: &GroupView, posts: &[Post], now: DateTime<Utc>, reminder_hours: u32) -> Vec<Candidate> {
    let mut out = Vec::new();
    if view.group.paused {
        return out;
    }
    let schedule = view.schedule();
    if let Some(k) = schedule.latest_started(now) {
        let c = match weeks::session(k, &view.calendar, view.total_weeks) {
            Session::Week(w) => Some(candidate(PostKind::Week, k, Some(w), posts, now)),
            // A holiday range posts nothing; a single skipped session gets its short note.
            Session::Skipped if view.calendar.announces_skip(k) => Some(candidate(PostKind::Skip, k, None, posts, now)),
            Session::Skipped => None,
            Session::Finished => Some(candidate(PostKind::Closing, k, None, posts, now)),
            Session::Paused => None,
        };
        out.extend(c);
    }
    let next = schedule.next_after(now);
    if let Session::Week(w) = weeks::session(next, &view.calendar, view.total_weeks) {
        let at = schedule.instant(next);
        let remind_at = at - Duration::hours(reminder_hours as i64);
        // Not for a time before the group existed (or while it was paused): a group created
        // or resumed inside the window gets its post, not a reminder out of nowhere.
        if now >= remind_at && now < at && remind_at >= view.group.live_since {
            out.push(candidate(PostKind::Reminder, next, Some(w), posts, now));
        }
    }
    out
}

/// The week sessions before the current one that nobody ever tried to post while the group
/// was live: the bot was down from their post time until the next session began (a tick at
/// any moment of that slot would have posted them, and a failed attempt leaves a row). Not
/// yet recorded in `view.missed`. Sessions before `live_since` (before the group was
/// created or resumed) are not the bot's to post.
pub fn missed(view: &GroupView, posts: &[Post], now: DateTime<Utc>) -> Vec<Missed> {
    let schedule = view.schedule();
    let Some(latest) = schedule.latest_started(now) else {
        return Vec::new();
    };
    // One walk over the sessions before the latest (this runs every tick, for every group).
    view.calendar
        .sessions(view.total_weeks)
        .take(latest as usize)
        .enumerate()
        .filter_map(|(k, s)| {
            let k = k as u32;
            let Session::Week(w) = s else {
                return None;
            };
            let due_at = schedule.instant(k);
            let attempted = posts.iter().any(|p| p.kind == PostKind::Week && p.session == k);
            let known = view.missed.iter().any(|m| m.session == k);
            (due_at >= view.group.live_since && !attempted && !known).then_some(Missed {
                session: k,
                week: w,
                due_at,
                announced: false,
            })
        })
        .collect()
}

/// When the next weekly post (or skip note) and its reminder will happen.
#[derive(Debug, Clone, PartialEq)]
pub struct Next {
    pub session: u32,
    pub post_at: DateTime<Utc>,
    pub week: Option<u32>,
    pub reminder_at: Option<DateTime<Utc>>,
    /// The session has started and its post is due now ([`due`] sends it at the next tick,
    /// within 30 s): `post_at` is `now`.
    pub now: bool,
}

/// The next session that will post something, from `now`: the session in progress when its
/// post is still due (what [`due`] would send at this instant), else the next one to start.
/// `None` when paused or finished.
pub fn next(view: &GroupView, posts: &[Post], now: DateTime<Utc>, reminder_hours: u32) -> Option<Next> {
    if view.group.paused {
        return None;
    }
    // The same rule as the ticks: no second opinion about what goes out now.
    if let Some(d) = due(view, posts, now, reminder_hours).into_iter().find(|d| d.kind != PostKind::Reminder) {
        return match d.kind {
            PostKind::Closing => None,
            _ => Some(Next { session: d.session, post_at: now, week: d.week, reminder_at: None, now: true }),
        };
    }
    let schedule = view.schedule();
    let first = schedule.next_after(now) as usize;
    // One walk over the calendar (not one per session looked at).
    for (k, s) in view.calendar.sessions(view.total_weeks).enumerate().skip(first).take(520) {
        let k = k as u32;
        match s {
            Session::Week(w) => {
                let post_at = schedule.instant(k);
                let r = post_at - Duration::hours(reminder_hours as i64);
                return Some(Next {
                    session: k,
                    post_at,
                    week: Some(w),
                    reminder_at: (r > now).then_some(r),
                    now: false,
                });
            }
            Session::Skipped if view.calendar.announces_skip(k) => {
                return Some(Next {
                    session: k,
                    post_at: schedule.instant(k),
                    week: None,
                    reminder_at: None,
                    now: false,
                });
            }
            Session::Finished => return None,
            Session::Skipped | Session::Paused => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Break, BreakKind, Group, Schedule};
    use crate::weeks::{parse_date, parse_time as pt, parse_tz};
    use chrono::Weekday;

    fn view(breaks: Vec<Break>, total: u32) -> GroupView {
        GroupView {
            group: Group {
                id: 1,
                guild_id: 1,
                name: "g".into(),
                channel_id: 1,
                path_id: "p".into(),
                schedule: Schedule {
                    start_date: parse_date("2026-03-16").unwrap(),
                    weekday: Weekday::Mon,
                    time: pt("18:00").unwrap(),
                    tz: parse_tz("Europe/Berlin").unwrap(),
                    every_weeks: 1,
                },
                mention_role_id: None,
                paused: false,
                last_error: None,
                live_since: DateTime::<Utc>::MIN_UTC,
                scope: crate::model::GroupScope::checked(1, 1),
            },
            calendar: crate::model::Calendar::new(breaks, vec![]),
            total_weeks: total,
            missed: vec![],
        }
    }

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn sent(kind: PostKind, session: u32, week: Option<u32>) -> Post {
        Post {
            id: session as i64 + 100,
            group_id: 1,
            session,
            kind,
            week,
            nonce: String::new(),
            state: PostState::Sent,
            attempts: 1,
            message_id: Some(1),
            claimed_at: t("2026-01-01T00:00:00Z"),
            first_claimed_at: t("2026-01-01T00:00:00Z"),
            error: None,
        }
    }

    /// The attempt state machine, row by row: (stored state, attempts, minutes since the last
    /// claim, minutes since the first claim) -> decision, for posts' and DMs' limits.
    #[test]
    fn the_attempt_state_machine_table() {
        use PostState::*;
        let now = t("2026-11-30T12:00:00Z");
        let ago = |m: i64| now - Duration::minutes(m);
        let row = |state, attempts, last, first| Stored {
            state,
            attempts,
            claimed_at: ago(last),
            first_claimed_at: ago(first),
        };
        let table: &[(Option<Stored>, u32, Attempt)] = &[
            (None, MAX_ATTEMPTS, Attempt::Claim),
            (Some(row(Sent, 1, 0, 0)), MAX_ATTEMPTS, Attempt::Sent),
            (Some(row(Sent, 9, 0, 0)), MAX_ATTEMPTS, Attempt::Sent),
            // A crash between claim and completion: retried, in or past the nonce window.
            (Some(row(Claimed, 1, 1, 1)), MAX_ATTEMPTS, Attempt::Retry { late: false }),
            (Some(row(Claimed, 1, 2, 2)), MAX_ATTEMPTS, Attempt::Retry { late: false }),
            (Some(row(Claimed, 1, 3, 3)), MAX_ATTEMPTS, Attempt::Retry { late: true }),
            // Failed: the backoff of 1, 2, 4 ... minutes counts from the failure.
            (Some(row(Failed, 1, 0, 0)), MAX_ATTEMPTS, Attempt::WaitUntil(ago(-1))),
            (Some(row(Failed, 1, 1, 1)), MAX_ATTEMPTS, Attempt::Retry { late: false }),
            (Some(row(Failed, 3, 3, 30)), MAX_ATTEMPTS, Attempt::WaitUntil(ago(-1))),
            (Some(row(Failed, 3, 4, 30)), MAX_ATTEMPTS, Attempt::Retry { late: true }),
            (Some(row(Failed, 7, 0, 300)), MAX_ATTEMPTS, Attempt::WaitUntil(ago(-64))),
            (Some(row(Failed, MAX_ATTEMPTS, 600, 900)), MAX_ATTEMPTS, Attempt::GaveUp),
            // A DM's limit is lower.
            (Some(row(Failed, DM_ATTEMPTS - 1, 60, 60)), DM_ATTEMPTS, Attempt::Retry { late: true }),
            (Some(row(Failed, DM_ATTEMPTS, 60, 60)), DM_ATTEMPTS, Attempt::GaveUp),
            (Some(row(Failed, DM_ATTEMPTS, 60, 60)), MAX_ATTEMPTS, Attempt::Retry { late: true }),
        ];
        for (i, (stored, max, want)) in table.iter().enumerate() {
            assert_eq!(attempt(stored.as_ref(), now, *max), *want, "row {i}: {stored:?}");
        }
        // After a failure: the next try, none after the last attempt or a refusal for good.
        assert_eq!(next_try(1, now, false, DM_ATTEMPTS), Some(ago(-1)));
        assert_eq!(next_try(4, now, false, DM_ATTEMPTS), Some(ago(-8)));
        assert_eq!(next_try(DM_ATTEMPTS, now, false, DM_ATTEMPTS), None);
        assert_eq!(next_try(1, now, true, DM_ATTEMPTS), None);
    }

    #[test]
    fn posts_at_local_time_across_the_dst_change() {
        let v = view(vec![], 36);
        // Week 2 is on 2026-03-23 18:00 CET = 17:00Z; week 3 on 2026-03-30 18:00 CEST = 16:00Z.
        let posts = [sent(PostKind::Week, 0, Some(1)), sent(PostKind::Week, 1, Some(2))];
        assert!(due(&v, &posts, t("2026-03-30T15:59:59Z"), 24).iter().all(|d| d.kind != PostKind::Week));
        let d = due(&v, &posts, t("2026-03-30T16:00:00Z"), 24);
        assert_eq!(d, vec![Due { kind: PostKind::Week, session: 2, week: Some(3), retry_of: None }]);
    }

    #[test]
    fn weeks_whose_whole_slot_passed_unattempted_were_missed_by_the_bot() {
        use crate::weeks::BreakKind;
        // Sessions on Mondays 2026-03-16, -23, -30, 04-06 (18:00 Europe/Paris).
        let mut v = view(vec![], 36);
        // Week 1 posted, then down until after week 4 began: weeks 2 and 3 were missed; the
        // current one (4) is not missed, it is caught up.
        let posts = [sent(PostKind::Week, 0, Some(1))];
        let now = t("2026-04-07T10:00:00Z");
        let m = missed(&v, &posts, now);
        assert_eq!(m.iter().map(|m| (m.session, m.week)).collect::<Vec<_>>(), [(1, 2), (2, 3)]);
        assert_eq!(m[0].due_at, t("2026-03-23T17:00:00Z"));
        assert!(m.iter().all(|m| !m.announced));
        // A failed or claimed attempt is a delivery problem, not downtime; recorded ones are
        // not found again.
        let mut failed = sent(PostKind::Week, 1, Some(2));
        failed.state = PostState::Failed;
        v.missed = vec![m[1].clone()];
        assert!(missed(&v, &[posts[0].clone(), failed], now).is_empty());
        // Skipped sessions are not weeks; sessions before the group went live are not the bot's.
        let mut v = view(vec![Break { kind: BreakKind::Skip, from: 1, to: Some(2) }], 36);
        assert_eq!(missed(&v, &posts, now).iter().map(|m| (m.session, m.week)).collect::<Vec<_>>(), [(2, 2)]);
        v.group.live_since = t("2026-03-30T17:00:00Z");
        assert!(missed(&v, &posts, now).is_empty());
        // Before the first session, nothing.
        assert!(missed(&view(vec![], 36), &[], t("2026-03-01T00:00:00Z")).is_empty());
    }

    #[test]
    fn catch_up_is_only_the_current_week_and_only_once() {
        let v = view(vec![], 36);
        // Down from before week 1 until after week 3 started: only week 3 is due.
        let d = due(&v, &[], t("2026-04-01T10:00:00Z"), 24);
        assert_eq!(d, vec![Due { kind: PostKind::Week, session: 2, week: Some(3), retry_of: None }]);
        let posts = [sent(PostKind::Week, 2, Some(3))];
        assert!(due(&v, &posts, t("2026-04-01T10:00:00Z"), 24).is_empty());
    }

    #[test]
    fn reminder_window_and_skip_note_and_closing() {
        let v = view(vec![Break { kind: BreakKind::Skip, from: 1, to: Some(2) }], 2);
        let posts = [sent(PostKind::Week, 0, Some(1))];
        // Session 1 is skipped: a skip note, no reminder for it.
        let d = due(&v, &posts, t("2026-03-23T17:00:00Z"), 24);
        assert_eq!(d, vec![Due { kind: PostKind::Skip, session: 1, week: None, retry_of: None }]);
        // 24 h before session 2 (week 2): the reminder.
        let posts = [sent(PostKind::Week, 0, Some(1)), sent(PostKind::Skip, 1, None)];
        let d = due(&v, &posts, t("2026-03-29T16:00:00Z"), 24);
        assert_eq!(d, vec![Due { kind: PostKind::Reminder, session: 2, week: Some(2), retry_of: None }]);
        // After the last week: one closing post.
        let posts = [sent(PostKind::Week, 0, Some(1)), sent(PostKind::Skip, 1, None), sent(PostKind::Week, 2, Some(2))];
        let d = due(&v, &posts, t("2026-04-06T16:00:00Z"), 24);
        assert_eq!(d, vec![Due { kind: PostKind::Closing, session: 3, week: None, retry_of: None }]);
        let mut posts = posts.to_vec();
        posts.push(sent(PostKind::Closing, 3, None));
        assert!(due(&v, &posts, t("2026-04-20T16:00:00Z"), 24).is_empty());
        assert_eq!(next(&v, &posts, t("2026-04-20T16:00:00Z"), 24), None);
    }

    #[test]
    fn no_reminder_for_a_time_before_the_group_was_created_or_resumed() {
        // Week 1 is 2026-03-16 18:00 CET = 17:00Z; its reminder 24 h before, at 03-15 17:00Z.
        let mut v = view(vec![], 36);
        let reminder = vec![Due { kind: PostKind::Reminder, session: 0, week: Some(1), retry_of: None }];
        v.group.live_since = t("2026-03-15T17:00:00Z");
        assert_eq!(due(&v, &[], t("2026-03-15T20:00:00Z"), 24), reminder, "live at the reminder's time");
        v.group.live_since = t("2026-03-15T17:00:01Z");
        assert!(due(&v, &[], t("2026-03-15T20:00:00Z"), 24).is_empty(), "created (or resumed) inside the window");
        // The week itself is still posted on time.
        let d = due(&v, &[], t("2026-03-16T17:00:00Z"), 24);
        assert_eq!(d, vec![Due { kind: PostKind::Week, session: 0, week: Some(1), retry_of: None }]);
    }

    #[test]
    fn paused_groups_post_nothing_and_unfinished_posts_are_retried() {
        let mut v = view(vec![Break { kind: BreakKind::Pause, from: 1, to: None }], 36);
        v.group.paused = true;
        assert!(due(&v, &[], t("2026-03-30T16:00:00Z"), 24).is_empty());
        let v = view(vec![], 36);
        let mut p = sent(PostKind::Week, 0, Some(1));
        p.state = PostState::Claimed;
        let d = due(&v, std::slice::from_ref(&p), t("2026-03-16T17:30:00Z"), 24);
        assert_eq!(d[0].retry_of, Some(p.id));
        p.state = PostState::Failed;
        p.attempts = 2;
        p.claimed_at = t("2026-03-16T17:29:00Z");
        assert!(due(&v, std::slice::from_ref(&p), t("2026-03-16T17:30:00Z"), 24).is_empty());
        assert_eq!(due(&v, std::slice::from_ref(&p), t("2026-03-16T17:31:00Z"), 24).len(), 1);
        // The same rule answers /group post-now: waiting for the backoff, then given up.
        let c = candidate(PostKind::Week, 0, Some(1), std::slice::from_ref(&p), t("2026-03-16T17:30:00Z"));
        assert_eq!(c, Candidate::Waiting(t("2026-03-16T17:31:00Z")));
        p.attempts = MAX_ATTEMPTS;
        let c = candidate(PostKind::Week, 0, Some(1), std::slice::from_ref(&p), t("2026-03-17T17:30:00Z"));
        assert_eq!(c, Candidate::GaveUp);
    }

    #[test]
    fn next_post_skips_paused_sessions() {
        let v = view(vec![], 36);
        let n = next(&v, &[], t("2026-03-16T12:00:00Z"), 24).unwrap();
        assert_eq!(n.post_at, t("2026-03-16T17:00:00Z"));
        assert_eq!(n.week, Some(1));
        assert_eq!(n.reminder_at, None);
        let posts = [sent(PostKind::Week, 0, Some(1))];
        let n = next(&v, &posts, t("2026-03-20T12:00:00Z"), 24).unwrap();
        assert_eq!(n.reminder_at, Some(t("2026-03-22T17:00:00Z")));
    }

    /// A session that started an hour ago with nothing posted yet is posted now (the tick's
    /// catch-up), and `next` says so instead of naming the following week.
    #[test]
    fn next_names_the_started_session_whose_post_is_still_due() {
        let v = view(vec![], 36);
        let at = t("2026-03-16T18:00:00Z");
        let n = next(&v, &[], at, 24).unwrap();
        assert_eq!((n.session, n.week, n.post_at, n.now), (0, Some(1), at, true));
        assert_eq!(due(&v, &[], at, 24)[0].session, 0, "the tick agrees");
        let posts = [sent(PostKind::Week, 0, Some(1))];
        let n = next(&v, &posts, at, 24).unwrap();
        assert_eq!((n.session, n.week, n.now), (1, Some(2), false));
    }
}
