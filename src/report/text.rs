//! The plain-text summary of a report, for the CLI (`--format text`) and Discord embeds.
//!
//! Lines stay short (the week table is at most 36 characters wide and aligned for a
//! monospace font, e.g. a Discord code block). Names are plain text, never mentions; control
//! characters are removed and long names or questions are shortened.

use super::export::decimal;
use super::{Report, WeekRow};
use std::fmt::Write;

/// At most this many at-risk members are named; the rest are counted.
pub const AT_RISK_LISTED: usize = 15;

const NAME_CHARS: usize = 32;
const QUESTION_CHARS: usize = 80;

/// The header of the week table.
pub const WEEK_HEADER: &str = "Week  In/Active  Rate  Hours  Conf";

/// One row of the week table (at most 36 characters; the week in progress is marked `*`).
pub fn week_line(w: &WeekRow) -> String {
    if w.missed_by_bot {
        return format!("{:>4}  missed by the bot (offline)", w.week);
    }
    if !w.held {
        return format!("{:>4}  not held (jumped over)", w.week);
    }
    let conf = w.average_confidence.map(|c| format!("{c:.1}")).unwrap_or_else(|| "-".into());
    let mark = if w.in_progress { " *" } else { "" };
    format!(
        "{:>4}  {:>9}  {:>4}  {:>5}  {:>4}{mark}",
        w.week,
        format!("{}/{}", w.checked_in, w.active),
        percent(w.rate),
        decimal(w.hours, 1),
        conf
    )
}

/// A human-readable summary: totals, the week table, at-risk members and hardest topics.
pub fn text_summary(report: &Report) -> String {
    let s = &report.summary;
    let mut out = String::new();
    let _ = writeln!(out, "Participation report: {}", clean(&report.group_name, 50));
    let _ = writeln!(
        out,
        "Weeks {}-{} of path {} (latest held: {} of {})",
        report.from_week, report.to_week, report.path_id, report.latest_held_week, report.total_weeks
    );
    let _ = writeln!(
        out,
        "Members: {}, check-ins for finished weeks: {} ({} of active)",
        s.members,
        s.checkins,
        percent(s.checkin_rate)
    );
    if let Some(w) = s.running {
        let _ = writeln!(out, "Week {} (in progress): {} of {} checked in so far", w.week, w.checked_in, w.active);
    }
    let frozen: u32 = report.members.iter().map(|m| m.frozen_weeks).sum();
    if frozen > 0 {
        let _ = writeln!(
            out,
            "Frozen weeks: {frozen} (an earned freeze kept a streak: not missed, not toward at-risk; the rate counts \
             them as not checked in)"
        );
    }
    if let Some(b) = report.buddies_met {
        let _ = writeln!(out, "Study buddies, week {}: {} of {} pairs met", b.week, b.met, b.pairs);
    }
    let confidence = s.average_confidence.map(|c| format!("{}/5", decimal(c, 1))).unwrap_or_else(|| "-".into());
    let _ = writeln!(out, "Hours: {}, average confidence: {confidence}", decimal(s.total_hours, 1));
    let _ = writeln!(out);

    let _ = writeln!(out, "{WEEK_HEADER}");
    for w in &report.weeks {
        let _ = writeln!(out, "{}", week_line(w));
    }
    let _ = writeln!(out);
    let interest: Vec<String> =
        report.weeks.iter().filter_map(|w| w.interested.map(|n| format!("week {}: {n}", w.week))).collect();
    if !interest.is_empty() {
        let _ = writeln!(out, "Interested in the Discord events: {}", interest.join(", "));
        let _ = writeln!(out);
    }

    if report.weeks.iter().any(|w| w.in_progress) {
        let _ = writeln!(out, "* in progress: it counts against nobody yet.");
        let _ = writeln!(out);
    }
    if report.at_risk.is_empty() {
        let _ = writeln!(out, "At risk: nobody missed the last 2 finished weeks.");
    } else {
        let _ = writeln!(out, "At risk ({}), no check-in lately:", report.at_risk.len());
        for a in report.at_risk.iter().take(AT_RISK_LISTED) {
            let last = match a.last_checkin_week {
                Some(w) => format!("last week {w}"),
                None => "never checked in".to_string(),
            };
            let _ = writeln!(out, "- {}: missed {}, {last}", clean(&a.display_name, NAME_CHARS), a.missed_weeks);
        }
        if report.at_risk.len() > AT_RISK_LISTED {
            let _ = writeln!(out, "...and {} more (see the CSV)", report.at_risk.len() - AT_RISK_LISTED);
        }
    }
    let _ = writeln!(out);

    if report.hardest.is_empty() {
        let _ = writeln!(out, "Hardest topics: no ratings in these weeks.");
    } else {
        let _ = writeln!(out, "Hardest topics (lowest self-rating):");
        for (i, t) in report.hardest.iter().enumerate() {
            let _ = writeln!(
                out,
                "{}. Week {} Q{}: {}/5 ({} rating{})",
                i + 1,
                t.week,
                t.number,
                decimal(t.average, 1),
                t.ratings,
                if t.ratings == 1 { "" } else { "s" }
            );
            let _ = writeln!(out, "   {}", clean(&t.text, QUESTION_CHARS));
        }
    }
    if !report.forgotten.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(out, "Forgotten topics (spaced review, 2+ weeks after the previous review):");
        for (i, t) in report.forgotten.iter().enumerate() {
            let _ = writeln!(out, "{}. Week {} Q{}: {}", i + 1, t.week, t.number, forgotten_figures(t));
            let _ = writeln!(out, "   {}", clean(&t.text, QUESTION_CHARS));
        }
    }
    if !report.changes.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(out, "Calendar changes (latest last):");
        for c in &report.changes {
            let _ = writeln!(out, "- {}: {c}", c.at.format("%Y-%m-%d"));
        }
    }
    out
}

/// "40% couldn't answer (5 members, 7 reviews)": a forgotten topic's figures, no names.
pub fn forgotten_figures(t: &super::ForgottenTopic) -> String {
    format!("{} couldn't answer ({} members, {} reviews)", percent(t.share), t.members, t.reviews)
}

fn percent(rate: f64) -> String {
    format!("{:.0}%", rate * 100.0)
}

/// One line of at most `max` characters: control characters become spaces, runs of
/// whitespace collapse, and a cut is marked with `...`. A zero-width space after `<@` / `<#`
/// keeps text that looks like a Discord mention from rendering as one.
fn clean(s: &str, max: usize) -> String {
    let one_line: String = s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    let words: Vec<&str> = one_line.split_whitespace().collect();
    let joined = words.join(" ");
    let short = if joined.chars().count() <= max {
        joined
    } else {
        let cut: String = joined.chars().take(max.saturating_sub(3)).collect();
        format!("{}...", cut.trim_end())
    };
    short.replace("<@", "<@\u{200B}").replace("<#", "<#\u{200B}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_makes_one_short_line() {
        assert_eq!(clean("a\nb\t c", 10), "a b c");
        assert_eq!(clean("abcdefghijkl", 8), "abcde...");
        assert_eq!(clean("", 8), "");
        assert_eq!(clean("<@123> <#4>", 20), "<@\u{200B}123> <#\u{200B}4>");
    }
}
