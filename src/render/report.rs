//! Embeds for `/report participation`: summary, weeks, members, at-risk, hardest topics.
//! Names are plain text, never mentions: reports inform moderators and ping nobody.

use super::{COLOUR, fields_from_lines};
use crate::report::{self, Report};
use serenity::all::{CreateEmbed, CreateEmbedFooter};

fn pct(rate: f64) -> String {
    format!("{:.0}%", rate * 100.0)
}

fn conf(c: Option<f64>) -> String {
    c.map(|c| format!("{c:.1}")).unwrap_or_else(|| "-".into())
}

/// Strips characters that would format or mention in Discord markdown.
fn plain(name: &str) -> String {
    name.chars().filter(|c| !matches!(c, '*' | '_' | '`' | '~' | '|' | '<' | '>' | '@' | '#')).take(40).collect()
}

/// The group-level part: summary, per-week table and hardest topics (safe to post publicly).
pub fn summary_embed(r: &Report) -> CreateEmbed {
    let s = &r.summary;
    let description = format!(
        "Weeks {}-{} of {} · {} members · check-in rate {} · {:.1} h in total · average confidence {}",
        r.from_week,
        r.to_week,
        r.total_weeks,
        s.members,
        pct(s.checkin_rate),
        s.total_hours,
        conf(s.average_confidence)
    );
    let mut table = vec![report::WEEK_HEADER.to_string()];
    table.extend(r.weeks.iter().map(report::week_line));
    let mut fields = Vec::new();
    // Code blocks keep the columns aligned; split to stay within the field limit.
    for (i, chunk) in table[1..].chunks(30).enumerate() {
        let name = if i == 0 { "Participation per week" } else { "Participation per week (continued)" };
        fields.push((name.to_string(), format!("```\n{}\n{}\n```", table[0], chunk.join("\n")), false));
    }
    let hardest: Vec<String> = r
        .hardest
        .iter()
        .map(|h| {
            let text: String = h.text.chars().take(150).collect();
            format!("- Week {}, Q{}: {} (avg {:.1}, {} ratings)", h.week, h.question + 1, text, h.average, h.ratings)
        })
        .collect();
    if hardest.is_empty() {
        fields.push(("Hardest topics".into(), "No self-assessment ratings yet.".into(), false));
    } else {
        fields.extend(fields_from_lines("Hardest topics", &hardest));
    }
    if r.weeks.iter().any(|w| w.in_progress) {
        fields.push((
            "In progress".into(),
            "The week marked * is in progress: it counts against nobody yet.".into(),
            false,
        ));
    }
    let changes: Vec<String> = r.changes.iter().map(|c| format!("- {}: {c}", c.at.format("%Y-%m-%d"))).collect();
    fields.extend(fields_from_lines("Calendar changes", &changes));
    CreateEmbed::new()
        .title(format!("Participation: {}", r.group_name))
        .description(description)
        .fields(fields)
        .colour(COLOUR)
        .footer(CreateEmbedFooter::new(format!("Generated {}", r.generated_at.format("%Y-%m-%d %H:%M UTC"))))
}

/// The member-level part (moderators only): per-member rows and at-risk members.
pub fn members_embed(r: &Report) -> CreateEmbed {
    let mut lines = vec!["Member               Weeks  Streak  Last  Conf".to_string()];
    for m in r.members.iter().take(40) {
        let away = if m.away_weeks > 0 { format!("  away {}", m.away_weeks) } else { String::new() };
        lines.push(format!(
            "{:<20} {:>5}  {:>6}  {:>4}  {:>4}{away}",
            plain(&m.display_name).chars().take(20).collect::<String>(),
            format!("{}/{}", m.weeks_checked_in, m.weeks_active),
            m.current_streak,
            m.last_checkin_week.map(|w| w.to_string()).unwrap_or_else(|| "-".into()),
            conf(m.average_confidence)
        ));
    }
    let more = r.members.len().saturating_sub(40);
    let mut fields = Vec::new();
    for (i, chunk) in lines[1..].chunks(12).enumerate() {
        let name = if i == 0 { "Members" } else { "Members (continued)" };
        fields.push((name.to_string(), format!("```\n{}\n{}\n```", lines[0], chunk.join("\n")), false));
    }
    if fields.is_empty() {
        fields.push(("Members".into(), "Nobody has checked in yet.".into(), false));
    }
    let at_risk: Vec<String> = r
        .at_risk
        .iter()
        .map(|a| {
            let last = a
                .last_checkin_week
                .map(|w| format!("last check-in week {w}"))
                .unwrap_or_else(|| "never checked in".into());
            format!("- {}: missed {} weeks in a row ({last})", plain(&a.display_name), a.missed_weeks)
        })
        .collect();
    if at_risk.is_empty() {
        fields.push(("At-risk members".into(), "Nobody has missed the last 2 weeks.".into(), false));
    } else {
        fields.extend(fields_from_lines("At-risk members (missed the last 2+ weeks)", &at_risk));
    }
    let footer = if more > 0 {
        format!("{more} more members in the attached CSV. At-risk members are listed for moderators only.")
    } else {
        "Per-member rows and raw check-ins are attached as CSV. At-risk members are listed for moderators only.".into()
    };
    CreateEmbed::new()
        .title(format!("Members: {}", r.group_name))
        .fields(fields.into_iter().take(crate::limits::EMBED_FIELDS))
        .colour(COLOUR)
        .footer(CreateEmbedFooter::new(footer))
}
