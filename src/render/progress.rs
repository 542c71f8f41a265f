//! Views of a member's progress and history.

use super::COLOUR;
use super::cards::paginate;
use crate::service::progress::{GroupProgress, MemberHistory};
use crate::streaks::{Streak, WeekState, Why};
use serenity::all::CreateEmbed;

/// `/progress` when there is nothing to show yet (`other`: about another member).
pub fn nothing_yet(other: bool) -> &'static str {
    if other {
        "That member has not checked in to any group yet."
    } else {
        "You have not checked in to any group yet. Use `/checkin` or the Check in button on a weekly post."
    }
}

/// One embed per group: weeks checked in, streaks, hours, confidence, weakest topics.
pub fn embeds(who: &str, groups: &[GroupProgress]) -> Vec<CreateEmbed> {
    groups
        .iter()
        .take(crate::limits::EMBEDS)
        .map(|g| {
            let p = &g.progress;
            let mut e = CreateEmbed::new()
                .title(format!("{who}: {}", g.group_name))
                .colour(COLOUR)
                .field("Weeks checked in", format!("{} of {} held", p.weeks_checked_in, p.weeks_held), true)
                .field("Current streak", super::count(p.current_streak, "week", "weeks"), true)
                .field("Best streak", super::count(p.best_streak, "week", "weeks"), true)
                .field("Hours", super::hours(p.hours), true)
                .field(
                    "Average confidence",
                    p.average_confidence.map(|c| format!("{c:.1}/5")).unwrap_or_else(|| "n/a".into()),
                    true,
                );
            e = e.field("Last weeks", timeline(&p.streak), false).field("Why", why(&p.streak), false);
            if let Some(line) = review_line(&g.review) {
                e = e.field("Spaced review", line, false);
            }
            let weakest: Vec<String> =
                g.weakest.iter().map(|(w, title, avg)| format!("- Week {w}: {title} (average {avg:.1}/5)")).collect();
            if !weakest.is_empty() {
                e = e.field("Weakest topics (self-assessment)", weakest.join("\n"), false);
            }
            let catch_up: Vec<String> = g
                .catch_up
                .iter()
                .map(|c| {
                    let mut line = format!("- Week {}: {}", c.week, c.title);
                    match &c.post {
                        Some(link) => line.push_str(&format!(" ([weekly post]({link}))")),
                        None => line.push_str(&format!(" (`/week number:{}`)", c.week)),
                    }
                    if let Some(t) = c.thread {
                        line.push_str(&format!(", discussion <#{t}>"));
                    }
                    line
                })
                .collect();
            if !catch_up.is_empty() {
                let mut text = catch_up.join("\n");
                if g.catch_up_more > 0 {
                    let more = super::count(g.catch_up_more as u64, "earlier week", "earlier weeks");
                    text.push_str(&format!("\n…and {more} without a check-in (`/week number:` shows any week)."));
                }
                let value: String = text.chars().take(crate::limits::FIELD_VALUE).collect();
                e = e.field("Catch up (weeks without a check-in)", value, false);
            }
            e
        })
        .collect()
}

/// One week's state as a timeline shows it: its mark and its word.
fn state(s: WeekState) -> (&'static str, &'static str) {
    match s {
        WeekState::Done => ("✅", "done"),
        WeekState::Partial => ("🟨", "partial"),
        WeekState::NoTime => ("⬜", "no time"),
        WeekState::Away => ("🏖️", "away"),
        WeekState::Frozen => ("🧊", "frozen"),
        WeekState::Missed => ("❌", "missed"),
        WeekState::Pending => ("⏳", "not yet"),
        WeekState::NotHeld => ("➖", "not held (bot)"),
    }
}

/// The last [`crate::streaks::TIMELINE_WEEKS`] weeks on one line ("W5 ✅ W6 🧊 W7 ⏳"), then
/// what the marks shown mean.
pub fn timeline(s: &Streak) -> String {
    let weeks = s.timeline();
    if weeks.is_empty() {
        return "No week held since joining yet.".to_string();
    }
    let line: Vec<String> = weeks.iter().map(|(w, st)| format!("W{w} {}", state(*st).0)).collect();
    let mut seen: Vec<WeekState> = Vec::new();
    for (_, st) in weeks {
        if !seen.contains(st) {
            seen.push(*st);
        }
    }
    let legend: Vec<String> = seen.iter().map(|st| format!("{} {}", state(*st).0, state(*st).1)).collect();
    format!("{}\n{}", line.join(" "), legend.join(" · "))
}

fn weeks_list(weeks: &[u32]) -> String {
    let w: Vec<String> = weeks.iter().map(|w| w.to_string()).collect();
    format!("{} {}", if weeks.len() == 1 { "week" } else { "weeks" }, super::and_list(&w))
}

/// One sentence of why the streak is what it is, then the freezes in hand.
pub fn why(s: &Streak) -> String {
    let head = match &s.why {
        Why::NoWeeks => "No streak yet: it starts with the first check-in (done or partial).".to_string(),
        Why::Running { since, frozen } if frozen.is_empty() => {
            format!("{} since week {since}: every week done or partial.", super::count(s.current, "week", "weeks"))
        }
        Why::Running { since, frozen } => format!(
            "{} since week {since}: every week done or partial, and a freeze kept {} (it keeps the streak, it does \
             not add to it).",
            super::count(s.current, "week", "weeks"),
            weeks_list(frozen)
        ),
        Why::Missed { week } if s.current == 0 => {
            format!("The streak ended at week {week}: no check-in and no freeze left.")
        }
        Why::NoTime { week } if s.current == 0 => {
            format!("The streak ended at week {week}: checked in as no time (freezes never cover that).")
        }
        Why::Missed { .. } | Why::NoTime { .. } => String::new(),
    };
    let pending = s.weeks.last().is_some_and(|(_, st)| *st == WeekState::Pending);
    let grace = if pending { " This week counts once checked in." } else { "" };
    let next = format!(
        "another {} in a row {}",
        super::count(s.to_next_freeze, "week", "weeks"),
        if s.to_next_freeze == 1 { "earns" } else { "earn" }
    );
    let freezes = match s.freezes {
        0 => format!("No freeze in hand; {next} one."),
        n if n >= crate::streaks::MAX_FREEZES => format!(
            "{} in hand (the most): a week that closes without a check-in uses one.",
            super::count(n, "freeze", "freezes")
        ),
        n => format!(
            "{} in hand: a week that closes without a check-in uses one; {next} another.",
            super::count(n, "freeze", "freezes")
        ),
    };
    format!("{head}{grace} {freezes}").trim().to_string()
}

/// `/certificate`: the reply's text and the PNG's file name.
pub fn certificate(c: &crate::model::Certificate) -> (String, String) {
    let text = format!(
        "Congratulations: you {} with **{}**, {} to {}, checked in for {} of {} weeks. Your certificate is \
         attached; its verification code is `{}` (the server's host checks it with `studybot verify {}`). \
         `/forget-me` deletes it with the rest of your data.",
        super::escape_markdown(&crate::report::completed(c)),
        super::escape_markdown(&c.group_name),
        c.started_on,
        c.finished_on,
        c.weeks_checked_in,
        c.weeks_held,
        c.code,
        c.code
    );
    (text, format!("certificate-{}.png", c.code))
}

/// A name for a terminal: control characters (escape sequences) become spaces.
fn printable(s: &str) -> String {
    s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

/// `studybot verify`: what a valid certificate says, for the terminal.
pub fn verified(c: &crate::model::Certificate) -> String {
    format!(
        "valid: {code}\n{name} {completed} with the study group {group} on {server}, {from} to {to}, checking in \
         for {checked} of {held} weeks.\nIssued {issued} (server {guild}, member {user}).",
        code = c.code,
        name = printable(&c.display_name),
        completed = printable(&crate::report::completed(c)),
        group = printable(&c.group_name),
        server = printable(&c.server_name),
        from = c.started_on,
        to = c.finished_on,
        checked = c.weeks_checked_in,
        held = c.weeks_held,
        issued = c.issued_at.format("%Y-%m-%d %H:%M UTC"),
        guild = c.guild_id,
        user = c.user_id
    )
}

/// "Recalled 80% of 10 reviews, 3 due": `None` before the member has any card.
pub fn review_line(s: &crate::model::ReviewStats) -> Option<String> {
    if s.cards == 0 {
        return None;
    }
    let recalled = match s.reviews {
        0 => "No reviews yet".to_string(),
        n => format!(
            "Recalled {}% of {}",
            (f64::from(s.recalled) * 100.0 / f64::from(n)).round(),
            super::count(n, "review", "reviews")
        ),
    };
    let due = match s.due {
        0 => "nothing due".to_string(),
        n => format!("{} due (`/review start`)", n),
    };
    Some(format!("{recalled}, {due}."))
}

/// `/report member`: progress per group, then the check-in history (newest first).
pub fn history(name: &str, h: &MemberHistory) -> Vec<CreateEmbed> {
    let mut out = embeds(name, &h.groups);
    let lines: Vec<String> = h
        .checkins
        .iter()
        .map(|(group, c)| {
            format!(
                "- {group} week {}: {}, {} h, confidence {}/5{}",
                c.week,
                c.status,
                c.hours,
                c.confidence,
                if c.note.is_some() { ", with a note" } else { "" }
            )
        })
        .collect();
    if !lines.is_empty() && out.len() < crate::limits::EMBEDS {
        let pages = paginate("Check-in history", &[(String::from("Check-ins"), lines)]);
        if let Some(first) = pages.into_iter().next().and_then(|p| p.into_iter().next()) {
            out.push(first);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::CheckinStatus::{Done, Skipped};
    use crate::streaks::{Entry, walk};

    /// The timeline and its sentence, by hand: four weeks earn a freeze, week 5 is frozen,
    /// week 6 was missed by the bot, week 7 is pending.
    #[test]
    fn the_timeline_and_why_by_hand() {
        let e = [
            (1, Entry::Checked(Done)),
            (2, Entry::Checked(Done)),
            (3, Entry::Away),
            (4, Entry::Checked(Done)),
            (5, Entry::Checked(Done)),
            (6, Entry::Nothing),
            (7, Entry::NotHeld),
            (8, Entry::Checked(Done)),
            (9, Entry::Nothing),
        ];
        let s = walk(&e);
        assert_eq!(
            timeline(&s),
            "W1 ✅ W2 ✅ W3 🏖️ W4 ✅ W5 ✅ W6 🧊 W7 ➖ W8 ✅ W9 ⏳\n✅ done · 🏖️ away · 🧊 frozen · ➖ not held (bot) · ⏳ not yet"
        );
        assert_eq!(
            why(&s),
            "5 weeks since week 1: every week done or partial, and a freeze kept week 6 (it keeps the streak, it does \
             not add to it). This week counts once checked in. No freeze in hand; another 3 weeks in a row earn one."
        );
        let s = walk(&[(1, Entry::Checked(Done)), (2, Entry::Checked(Skipped)), (3, Entry::Nothing)]);
        assert_eq!(
            why(&s),
            "The streak ended at week 2: checked in as no time (freezes never cover that). This week counts once \
             checked in. No freeze in hand; another 4 weeks in a row earn one."
        );
        let long: Vec<(u32, Entry)> = (1..=20).map(|w| (w, Entry::Checked(Done))).collect();
        let s = walk(&long);
        assert_eq!(s.timeline().len(), 12);
        assert!(timeline(&s).starts_with("W9 ✅ W10"), "{}", timeline(&s));
        assert!(why(&s).ends_with("2 freezes in hand (the most): a week that closes without a check-in uses one."));
    }
}
