//! Views of study groups for moderators: one-line descriptions, the list, the next post,
//! and the delete confirmation.

use super::cards::paginate;
use crate::curriculum::Curriculum;
use crate::db::events::EventSettings;
use crate::ids::CustomId;
use crate::model::PostNow;
use crate::model::{CalendarAction, CalendarChange, GroupView, Standing};
use crate::plan::Next;
use crate::service::groups::{Changed, EventsOn, GroupList, Listed, ShownWeek, Upcoming, WeekReason};
use crate::weeks::weekday_name;
use chrono::{DateTime, Utc};
use serenity::all::{ButtonStyle, CreateActionRow, CreateButton, CreateEmbed};

/// A one-line description of a group's schedule and state.
pub fn describe(c: &Curriculum, v: &GroupView, now: DateTime<Utc>) -> String {
    let g = &v.group;
    let path = c.path(&g.path_id).map(|p| p.path.name.clone()).unwrap_or_else(|| g.path_id.clone());
    let s = &g.schedule;
    let every = match s.every_weeks {
        1 => String::new(),
        n => format!("every {n} weeks, "),
    };
    let when = format!("{every}{}s at {} ({})", weekday_name(s.weekday), s.time.format("%H:%M"), s.tz.name());
    let state = if g.paused {
        "paused".to_string()
    } else {
        match v.standing(now) {
            Standing::NotStarted { first } => format!("starts <t:{}:F>", first.timestamp()),
            Standing::Week { week, .. } => format!("week {week} of {}", v.total_weeks),
            Standing::OnBreak { last_week, .. } => format!("on a break after week {}", last_week.unwrap_or(0)),
            Standing::Finished { total } => format!("finished all {total} weeks"),
        }
    };
    let role = g.mention_role_id.map(|r| format!(", mentions <@&{r}>")).unwrap_or_default();
    format!("{path} · <#{}> · {when} · {state}{role}", g.channel_id)
}

/// `/group create` done, with what the scheduler will post first: the pure `plan::next` of
/// the new group, which has no posts yet (the reminder lead does not change the first post).
pub fn created(c: &Curriculum, v: &GroupView, now: DateTime<Utc>) -> String {
    let first = crate::plan::next(v, &[], now, 0);
    let first = first.as_ref();
    let name = super::escape_markdown(&v.group.name);
    let what = match first {
        Some(Next { now: true, week: Some(w), .. }) => {
            format!(" Its first session has already begun: week {w} is posted now (within a minute).")
        }
        Some(Next { week: Some(w), post_at, .. }) => {
            format!(" The first post goes out <t:{}:F> with week {w}.", post_at.timestamp())
        }
        Some(n) => format!(" The first post goes out <t:{}:F>.", n.post_at.timestamp()),
        None => String::new(),
    };
    format!("Created **{name}**: {}.{what}", describe(c, v, now))
}

/// `/group edit` done.
pub fn updated(c: &Curriculum, v: &GroupView, now: DateTime<Utc>) -> String {
    format!("Updated **{}**: {}.", super::escape_markdown(&v.group.name), describe(c, v, now))
}

/// `/group list`: one line per group, with its last delivery failure, in pages.
pub fn list(c: &Curriculum, list: &GroupList, now: DateTime<Utc>) -> Vec<Vec<CreateEmbed>> {
    let mut lines = Vec::new();
    for l in &list.groups {
        let group = match l {
            Listed::Ok(v) => {
                lines.push(format!(
                    "**{}** (id {}): {}",
                    super::escape_markdown(&v.group.name),
                    v.group.id,
                    describe(c, v, now)
                ));
                if let Some(m) = missed_line(v) {
                    lines.push(m);
                }
                &v.group
            }
            Listed::Unschedulable { group, reason } => {
                lines.push(format!(
                    "**{}** (id {}): cannot be scheduled: {reason}",
                    super::escape_markdown(&group.name),
                    group.id
                ));
                group
            }
        };
        if let Some(e) = &group.last_error {
            lines.push(format!("  ⚠ Last post failed ({}): {}", e.at.to_rfc3339(), e.text));
        }
        if let Some(e) = list.events.get(&group.id) {
            lines.push(format!("  {}", events_line(e)));
        }
    }
    paginate("Study groups", &[(String::from("Groups"), lines)])
}

/// The weeks the bot missed (it was offline for their whole slot), for `/group list`.
pub fn missed_line(v: &GroupView) -> Option<String> {
    let (first, rest) = v.missed.split_first()?;
    let weeks: Vec<String> = v.missed.iter().take(10).map(|m| m.week.to_string()).collect();
    let more = if v.missed.len() > 10 { format!(" and {} more", v.missed.len() - 10) } else { String::new() };
    let label = if rest.is_empty() { "week" } else { "weeks" };
    Some(format!(
        "  ⚠ Missed by the bot (offline when due, not counted as held): {label} {}{more}; first due <t:{}:f>",
        weeks.join(", "),
        first.due_at.timestamp()
    ))
}

/// The text beside `/calendar`'s file.
pub fn calendar_note(v: &GroupView, sessions: &[crate::calendar::Upcoming]) -> String {
    let name = &super::escape_markdown(&v.group.name);
    match (sessions.first(), sessions.last()) {
        (Some(first), Some(last)) => format!(
            "**{name}**: {} upcoming session{}, from <t:{}:f> (week {}) to <t:{}:f> (week {}). Open the file to \
             add them to your calendar; skipped weeks are left out. Ask again after a change to the schedule.",
            sessions.len(),
            if sessions.len() == 1 { "" } else { "s" },
            first.at.timestamp(),
            first.week,
            last.at.timestamp(),
            last.week
        ),
        _ if v.group.paused => format!("**{name}** is paused: the file has no sessions until it resumes."),
        _ => format!("**{name}** has no upcoming sessions: its path is finished."),
    }
}

/// `/group next`.
/// `/group next`: the next post, then the latest calendar changes.
pub fn next(u: &Upcoming) -> String {
    let mut text = next_line(&u.view, u.next.as_ref());
    if !u.changes.is_empty() {
        text.push_str("\n\n**Calendar changes** (latest last):");
        for c in &u.changes {
            text.push_str(&format!("\n- {}", change_line(c)));
        }
    }
    text
}

/// One calendar change for moderators: when, what, and who (a mention in an ephemeral reply,
/// which pings nobody).
pub fn change_line(c: &CalendarChange) -> String {
    let by = c.by.map(|u| format!(" by <@{u}>")).unwrap_or_default();
    format!("<t:{}:d>{by}: {c}", c.at.timestamp())
}

/// A calendar change done (`/group pause`, `resume`, `skip`, `unskip`, `repeat`, `jump`).
pub fn changed(ch: &Changed) -> String {
    let name = &super::escape_markdown(&ch.view.group.name);
    let c = &ch.change;
    let on = c.on;
    let week = c.week.unwrap_or(0);
    let done = match (c.action, c.until) {
        (CalendarAction::Pause, None) => {
            format!("Paused **{name}**. Resume it with `/group resume`; the week it was on continues then.")
        }
        (CalendarAction::Pause, Some((_, back))) => {
            format!(
                "Paused **{name}** from {on}; it posts again by itself from {back}. `/group resume` ends the pause early."
            )
        }
        (CalendarAction::Resume, _) => format!("Resumed **{name}**."),
        (CalendarAction::Skip, Some((_, last))) if last != on => format!(
            "**{name}** skips every session from {on} to {last}: nothing is posted then, and no week is used up. \
             The last post before it says when the group meets again."
        ),
        (CalendarAction::Skip, _) => {
            format!(
                "The session of **{name}** on {on} is skipped; the following sessions move their weeks back by one."
            )
        }
        (CalendarAction::Unskip, _) => format!("The session of **{name}** on {on} is held again."),
        (CalendarAction::Repeat, _) => {
            format!("**{name}** repeats week {week} on {on}; the weeks after it wait a session.")
        }
        (CalendarAction::Jump, _) => format!("**{name}** continues at week {week} on {on}."),
        (CalendarAction::StartAt, _) => format!("**{name}** starts at week {week} on {on}."),
    };
    let kept = match (c.action, c.until) {
        (CalendarAction::Pause, until) => kept_skips(&ch.view, c.session, until.map(|(u, _)| u)),
        _ => String::new(),
    };
    format!("{done}{kept} {}", next_line(&ch.view, ch.next.as_ref()))
}

/// For a pause: the skips and holidays it covers, which stay in the calendar (so resuming
/// early does not bring those sessions back).
fn kept_skips(v: &GroupView, from: u32, to: Option<u32>) -> String {
    let schedule = v.schedule();
    let skips: Vec<String> = v
        .calendar
        .skips_within(from, to)
        .iter()
        .map(|b| match b.to {
            Some(t) if t > b.from + 1 => format!("{} to {}", schedule.date(b.from), schedule.date(t - 1)),
            _ => schedule.date(b.from).to_string(),
        })
        .collect();
    if skips.is_empty() {
        return String::new();
    }
    format!(" What was already skipped inside it ({}) stays skipped, also if the pause ends earlier.", skips.join(", "))
}

fn next_line(v: &GroupView, next: Option<&Next>) -> String {
    let name = &super::escape_markdown(&v.group.name);
    match next {
        None if v.group.paused => format!("**{name}** is paused: nothing is scheduled until `/group resume`."),
        None => format!("**{name}** has finished its path: nothing more is scheduled."),
        Some(n) => {
            let local = n.post_at.with_timezone(&v.group.schedule.tz).format("%A %Y-%m-%d %H:%M %Z");
            let what = match n.week {
                Some(w) => format!("week {w}"),
                None => "a skipped-week note".to_string(),
            };
            if n.now {
                return format!(
                    "Next post of **{name}**: {what}, for the session that began on {local}: it goes out now \
                     (within a minute)."
                );
            }
            let reminder = match n.reminder_at {
                Some(r) => format!(" The reminder goes out <t:{}:F> (<t:{}:R>).", r.timestamp(), r.timestamp()),
                None => String::new(),
            };
            format!(
                "Next post of **{name}**: {what} on {local}, that is <t:{}:F> (<t:{}:R>) in your time.{reminder}",
                n.post_at.timestamp(),
                n.post_at.timestamp()
            )
        }
    }
}

/// Confirm and cancel buttons for a destructive action.
pub fn confirm_buttons(confirm: CustomId, label: &str) -> Vec<CreateActionRow> {
    vec![CreateActionRow::Buttons(vec![
        CreateButton::new(confirm.encode()).label(label).style(ButtonStyle::Danger),
        CreateButton::new(CustomId::Cancel.encode()).label("Cancel").style(ButtonStyle::Secondary),
    ])]
}

/// The question before `/group delete`.
pub fn delete_prompt(v: &GroupView) -> (CreateEmbed, Vec<CreateActionRow>) {
    let embed = CreateEmbed::new().title(format!("Delete {}?", super::escape_markdown(&v.group.name))).description(
        "This deletes the group with every check-in and self-assessment rating in it. It cannot be undone.",
    );
    (embed, confirm_buttons(CustomId::DeleteGroup { group_id: v.group.id }, "Delete"))
}

/// `/week`: a line saying why this week (if it is not simply the one asked for or the
/// current one), then the week and its questions.
pub fn shown_week(c: &Curriculum, shown: &ShownWeek<'_>) -> (Option<String>, Vec<CreateEmbed>) {
    match shown {
        ShownWeek::Finished { view, total } => (
            Some(format!(
                "**{}** has finished all {total} weeks. Look back at any week with `/week number:`.",
                super::escape_markdown(&view.group.name)
            )),
            Vec::new(),
        ),
        ShownWeek::Week { view, path, week, reason } => {
            let name = &super::escape_markdown(&view.group.name);
            let note = match reason {
                WeekReason::Asked | WeekReason::Current => None,
                WeekReason::NotStarted { first } => {
                    Some(format!("**{name}** starts <t:{}:F>. Here is week 1:", first.timestamp()))
                }
                WeekReason::OnBreak { last_week } => {
                    Some(format!("No session for **{name}** this week. The last week held was {last_week}:"))
                }
            };
            (note, vec![super::week_embed(c, path, week), super::questions_embed(week)])
        }
    }
}

/// `/group list` in a server without groups.
pub const NO_GROUPS: &str = "No study groups yet. Create one with `/group create`.";

pub fn posted_now(v: &GroupView, outcome: PostNow) -> String {
    let g = &v.group;
    match outcome {
        PostNow::Posted => {
            format!("Posted this week's session of **{}** in <#{}>.", super::escape_markdown(&g.name), g.channel_id)
        }
        PostNow::AlreadyOut => format!(
            "This week's post of **{}** is already out; nothing was posted twice.",
            super::escape_markdown(&g.name)
        ),
    }
}

/// How a group's sessions are published as Discord events, and Discord's refusal if one
/// stopped them (`/group list`, the overview, the digest).
pub fn events_line(e: &EventSettings) -> String {
    if !e.enabled {
        return "📅 Events: turned off; the bot is deleting the events to come.".to_string();
    }
    let place = match e.channel_id {
        Some(c) => format!("in <#{c}>"),
        None => match &e.location {
            Some(l) => format!("at {l}"),
            None => "in the group's channel".to_string(),
        },
    };
    match &e.error {
        Some(err) => format!("⚠ Events stopped: {err}"),
        None => format!("📅 Events: the next 2 sessions, {} minutes, {place}", e.minutes),
    }
}

/// `/group events on` done.
pub fn events_on(on: &EventsOn) -> String {
    let name = super::escape_markdown(&on.view.group.name);
    let e = &on.settings;
    let how = match e.channel_id {
        Some(c) => format!(
            "voice events in <#{c}>, {} minutes each; I start each one when the session begins (Discord \
             starts no voice event by itself)",
            e.minutes
        ),
        None => match &e.location {
            Some(l) => format!("{}-minute events at {l}", e.minutes),
            None => format!("{}-minute events in the group's channel (linked)", e.minutes),
        },
    };
    format!(
        "**{name}**'s next 2 sessions will be in the server's Events within a minute: {how}. They follow the \
         calendar (skips, pauses, holidays, repeats, jumps, edits). Members who mark an event **Interested** \
         are reminded by Discord; the week's post then shows how many were. `/group events off` deletes them."
    )
}

/// `/group events off` done.
pub fn events_off(v: &GroupView) -> String {
    format!(
        "**{}** no longer publishes its sessions as events; I delete its events to come within a minute.",
        super::escape_markdown(&v.group.name)
    )
}

/// `/group calendar-link`: the group's live feed link, and how to use and replace it.
pub fn calendar_link(link: &crate::service::feeds::GroupLink) -> String {
    let made = if link.new { "A new live calendar link" } else { "The live calendar link" };
    format!(
        "{made} for **{}**:\n<{}>\nShare it with the group: calendar apps (Google Calendar: *From URL*; Apple \
         Calendar: *New Calendar Subscription*; Outlook: *Subscribe from web*) follow every skip, holiday and \
         time change. Anyone with the link sees the group's sessions (no member names). `rotate: True` makes a \
         new link and stops this one.",
        super::escape_markdown(&link.group),
        link.url
    )
}

/// `/calendar subscribe`: the member's personal live feed link, shown once.
pub fn subscribe_link(url: &str) -> String {
    format!(
        "Your live calendar link (all your groups here, and your away dates):\n<{url}>\nAdd it to your calendar \
         app as a subscription (Google Calendar: *From URL*). It is shown only now and is yours alone: anyone with \
         it sees your away dates. Running `/calendar subscribe` again makes a new link and stops this one; \
         `/forget-me` stops it too."
    )
}

/// `/web` and `/report web`: the single-use link to the pages.
pub fn web_link(url: &str, moderator: bool) -> String {
    let what = if moderator { "the server's reports (and your own progress)" } else { "your progress" };
    format!(
        "Your private link to {what}:\n<{url}>\nIt works once, within 5 minutes, and only for you: do not share \
         it. The visit lasts up to 8 hours (30 minutes without use ends it)."
    )
}
