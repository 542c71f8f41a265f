//! Views of a member's progress and history.

use super::COLOUR;
use super::cards::paginate;
use crate::service::progress::{GroupProgress, MemberHistory};
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
