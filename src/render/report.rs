//! Embeds for `/report participation`: summary, weeks, members, at-risk, hardest topics.
//! Names are plain text, never mentions: reports inform moderators and ping nobody.

use super::{COLOUR, fields_from_lines};
use crate::report::overview::{Digest, GroupOverview, RATE_WEEKS, State, trend_arrow};
use crate::report::{self, ForgottenTopic, Report};
use serenity::all::{CreateEmbed, CreateEmbedFooter};

fn pct(rate: f64) -> String {
    format!("{:.0}%", rate * 100.0)
}

fn conf(c: Option<f64>) -> String {
    c.map(|c| format!("{c:.1}")).unwrap_or_else(|| "-".into())
}

/// Strips characters that would format or mention in Discord markdown.
fn plain(name: &str) -> String {
    let short: String = name.chars().take(40).collect();
    super::escape_markdown(&short)
}

/// A name inside a code block: markdown does not render there, but a backtick would end it.
fn in_code(name: &str) -> String {
    name.chars().map(|c| if c == '`' || c.is_control() { ' ' } else { c }).collect()
}

/// The group-level part: summary, per-week table and hardest topics (safe to post publicly).
pub fn summary_embed(r: &Report) -> CreateEmbed {
    let s = &r.summary;
    let rate = if s.held_weeks > u32::from(s.running.is_some()) {
        format!("check-in rate {} over finished weeks", pct(s.checkin_rate))
    } else {
        "no finished week yet".to_string()
    };
    let mut description = format!(
        "Weeks {}-{} of {} · {} · {rate} · {} h in total · average confidence {}",
        r.from_week,
        r.to_week,
        r.total_weeks,
        super::count(s.members as u64, "member", "members"),
        super::hours(s.total_hours),
        conf(s.average_confidence)
    );
    if let Some(w) = s.running {
        description.push_str(&format!(
            "\nWeek {} is in progress: {} of {} checked in so far (not counted yet).",
            w.week, w.checked_in, w.active
        ));
    }
    if let Some(b) = r.buddies_met {
        description.push_str(&format!("\nStudy buddies, week {}: {} of {} pairs met.", b.week, b.met, b.pairs));
    }
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
            format!("- Week {}, Q{}: {} (avg {:.1}, {} ratings)", h.week, h.number, text, h.average, h.ratings)
        })
        .collect();
    if hardest.is_empty() {
        fields.push(("Hardest topics".into(), "No self-assessment ratings yet.".into(), false));
    } else {
        fields.extend(fields_from_lines("Hardest topics", &hardest));
    }
    // Compact (one line per 1,024 characters): a report's embed stays within Discord's 6,000.
    let interest: Vec<String> =
        r.weeks.iter().filter_map(|w| w.interested.map(|n| format!("W{} {n}", w.week))).collect();
    if !interest.is_empty() {
        fields.push(("Interested in the week's Discord event".into(), interest.join(" · "), false));
    }
    fields.extend(fields_from_lines(
        "Forgotten topics (spaced review)",
        &forgotten_lines(r.forgotten.iter().map(|t| (None, t)), 150),
    ));
    if r.weeks.iter().any(|w| w.in_progress) {
        fields.push((
            "In progress".into(),
            "The week marked * is in progress: it is left out of the rates and counts against nobody yet.".into(),
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
    let running = r.summary.running.map(|w| w.week);
    let now_head = if running.is_some() { "  Now" } else { "" };
    let mut lines = vec![format!("Member               Weeks  Streak  Last  Conf{now_head}")];
    for m in r.members.iter().take(40) {
        let now = match (running, m.running) {
            (None, _) => "",
            (Some(_), Some(true)) => "  yes",
            (Some(_), Some(false)) => "   no",
            (Some(_), None) => "    -",
        };
        let away = if m.away_weeks > 0 { format!("  away {}", m.away_weeks) } else { String::new() };
        let frozen = if m.frozen_weeks > 0 { format!("  frozen {}", m.frozen_weeks) } else { String::new() };
        let interested =
            if m.weeks_interested > 0 { format!("  interested {}", m.weeks_interested) } else { String::new() };
        lines.push(format!(
            "{:<20} {:>5}  {:>6}  {:>4}  {:>4}{now}{away}{frozen}{interested}",
            in_code(&m.display_name).chars().take(20).collect::<String>(),
            format!("{}/{}", m.weeks_checked_in, m.weeks_active),
            m.current_streak,
            m.last_checkin_week.map(|w| w.to_string()).unwrap_or_else(|| "-".into()),
            conf(m.average_confidence)
        ));
    }
    let more = r.members.len().saturating_sub(40);
    let mut fields = Vec::new();
    // 10 rows of at most 86 characters and the header fit a field's 1,024.
    for (i, chunk) in lines[1..].chunks(10).enumerate() {
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
                .map(|w| format!("last check-in: week {w}"))
                .unwrap_or_else(|| "never checked in".into());
            let missed = super::count(a.missed_weeks, "week", "weeks");
            format!("- {}: missed {missed} in a row ({last})", plain(&a.display_name))
        })
        .collect();
    if at_risk.is_empty() {
        fields.push(("At-risk members".into(), "Nobody has missed the last 2 weeks.".into(), false));
    } else {
        fields.extend(fields_from_lines("At-risk members (missed the last 2+ weeks)", &at_risk));
    }
    let weeks = match running {
        Some(w) => {
            format!("Weeks: check-ins of the finished weeks they were active for; Now: checked in for week {w} yet. ")
        }
        None => "Weeks: check-ins of the weeks they were active for. ".to_string(),
    };
    let weeks = if r.members.iter().any(|m| m.frozen_weeks > 0) {
        format!("{weeks}Frozen: weeks an earned streak freeze kept (not missed; counted in Weeks as not checked in). ")
    } else {
        weeks
    };
    let footer = if more > 0 {
        format!("{weeks}{more} more members in the attached CSV. At-risk members are listed for moderators only.")
    } else {
        format!(
            "{weeks}Per-member rows and raw check-ins are attached as CSV. At-risk members are listed for moderators only."
        )
    };
    CreateEmbed::new()
        .title(format!("Members: {}", r.group_name))
        .fields(fields.into_iter().take(crate::limits::EMBED_FIELDS))
        .colour(COLOUR)
        .footer(CreateEmbedFooter::new(footer))
}

/// One group's line of the overview: state, rate with trend, at-risk count, last post and
/// any delivery error.
pub fn overview_line(g: &GroupOverview) -> String {
    let state = match g.state {
        State::NotStarted { first } => format!("starts <t:{}:d>", first.timestamp()),
        State::Week { week, total } => format!("week {week} of {total}"),
        State::OnBreak { last_week } => format!("on a break after week {}", last_week.unwrap_or(0)),
        State::Paused => "paused".to_string(),
        State::Finished { total } => format!("finished all {total} weeks"),
    };
    let rate = match (g.rate, g.trend_points) {
        (Some(r), Some(t)) => format!("{} ({} {:+.0})", pct(r), trend_arrow(t), t),
        (Some(r), None) => pct(r),
        (None, _) => "no finished week yet".into(),
    };
    let last = g.last_post.map(|t| format!(" · last post <t:{}:R>", t.timestamp())).unwrap_or_default();
    let error = g
        .error
        .as_ref()
        .map(|e| format!("\n  \u{26a0} delivery failed <t:{}:R>: {}", e.at.timestamp(), plain_line(&e.text, 150)))
        .unwrap_or_default();
    let interested = g.interested.map(|(w, n)| format!(" · W{w} event: {n} interested")).unwrap_or_default();
    let buddies = g.buddies_met.map(|b| format!(" · buddies met {}/{}", b.met, b.pairs)).unwrap_or_default();
    let events = g
        .events_error
        .as_ref()
        .map(|e| format!("\n  \u{26a0} events stopped: {}", plain_line(e, 150)))
        .unwrap_or_default();
    format!(
        "**{}** · {state} · check-ins {rate} · {} at risk{last}{interested}{buddies}{error}{events}",
        plain(&g.name),
        g.at_risk
    )
}

/// The forgotten topics as lines, each after its group's name when given (never a
/// member's name).
fn forgotten_lines<'a>(
    topics: impl IntoIterator<Item = (Option<&'a str>, &'a ForgottenTopic)>,
    text_chars: usize,
) -> Vec<String> {
    topics
        .into_iter()
        .map(|(group, t)| {
            let group = group.map(|g| format!("{}, ", plain(g))).unwrap_or_default();
            format!(
                "- {group}week {} Q{}: {}: {}",
                t.week,
                t.number,
                plain_line(&t.text, text_chars),
                report::forgotten_figures(t)
            )
        })
        .collect()
}

/// A line of text, at most `max` characters, escaped for markdown.
fn plain_line(s: &str, max: usize) -> String {
    let one: String = s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    super::escape_markdown(&crate::limits::truncate(&one, max))
}

fn overview_lines(groups: &[GroupOverview], max: usize) -> String {
    let head = format!(
        "Check-in rates over the last {} finished weeks, with the change from the {} before.\n",
        RATE_WEEKS, RATE_WEEKS
    );
    let lines: Vec<String> = groups.iter().map(overview_line).collect();
    crate::limits::truncate(&(head + &lines.join("\n")), max)
}

/// The digest's parts are capped so that the whole embed stays within Discord's 6,000
/// characters whatever the server holds: the overview text, then at most this many newly
/// at-risk members and delivery errors (the rest counted).
const DIGEST_OVERVIEW_CHARS: usize = 2400;
/// The digest names the three most forgotten topics (the overview has five).
const DIGEST_FORGOTTEN: usize = 3;
const DIGEST_LISTED: usize = 10;
const DIGEST_ERRORS: usize = 5;

/// The first `max` lines, and a line counting the rest.
fn capped(mut lines: Vec<String>, max: usize, rest: &str) -> Vec<String> {
    if lines.len() > max {
        let more = lines.len() - max;
        lines.truncate(max);
        lines.push(format!("...and {more} more {rest}"));
    }
    lines
}

/// `/report overview`: every group of the server, with the chart attached as `png_name`.
/// Under the groups, the topics they are forgotting (spaced review), when there are any.
pub fn overview_embed(groups: &[GroupOverview], forgotten: &[(String, ForgottenTopic)], png_name: &str) -> CreateEmbed {
    let lines = forgotten_lines(forgotten.iter().map(|(g, t)| (Some(g.as_str()), t)), 120);
    let fields = fields_from_lines("Forgotten topics (spaced review)", &lines);
    // The whole embed stays within Discord's 6,000 characters.
    let taken: usize = fields.iter().map(|(n, v, _)| n.chars().count() + v.chars().count()).sum();
    let description = crate::limits::EMBED_DESCRIPTION.min(5_900 - taken.min(3_000) - 100);
    CreateEmbed::new()
        .title("All study groups")
        .description(overview_lines(groups, description))
        .fields(fields)
        .image(format!("attachment://{png_name}"))
        .colour(COLOUR)
}

/// The title of the digest of the week starting `date` (the scheduler recognises an earlier
/// attempt's message by it).
pub fn digest_title(date: chrono::NaiveDate) -> String {
    format!("Weekly digest, {date}")
}

/// The weekly digest for moderators: no one is pinged, at-risk members are named in plain text.
pub fn digest_message(d: &Digest, date: chrono::NaiveDate) -> serenity::all::CreateMessage {
    let mut fields = Vec::new();
    let newly: Vec<String> = d
        .groups
        .iter()
        .flat_map(|g| g.newly_at_risk.iter().map(move |a| format!("- {}: {}", plain(&a.display_name), plain(&g.name))))
        .collect();
    let newly = capped(newly, DIGEST_LISTED, "(see /report participation)");
    if newly.is_empty() {
        fields.push(("Newly at risk".to_string(), "Nobody this week.".to_string(), false));
    } else {
        fields.extend(fields_from_lines("Newly at risk (missed 2 finished weeks)", &newly));
    }
    let hardest: Vec<String> = d
        .hardest
        .iter()
        .map(|(g, t)| {
            format!(
                "- {}, week {} Q{}: {} (avg {:.1})",
                plain(g),
                t.week,
                t.number,
                plain_line(&t.text, 120),
                t.average
            )
        })
        .collect();
    if !hardest.is_empty() {
        fields.extend(fields_from_lines("Hardest topics this week", &hardest));
    }
    let top = d.forgotten.iter().take(DIGEST_FORGOTTEN).map(|(g, t)| (Some(g.as_str()), t));
    let forgotten = forgotten_lines(top, 80);
    fields.extend(fields_from_lines("Forgotten topics (spaced review)", &forgotten));
    let errors: Vec<String> = d
        .groups
        .iter()
        .flat_map(|g| {
            let post = g.error.as_ref().map(|e| format!("- {}: {}", plain(&g.name), plain_line(&e.text, 150)));
            let events =
                g.events_error.as_ref().map(|e| format!("- {} (events): {}", plain(&g.name), plain_line(e, 150)));
            post.into_iter().chain(events)
        })
        .collect();
    let errors = capped(errors, DIGEST_ERRORS, "(see /group list)");
    if !errors.is_empty() {
        fields.extend(fields_from_lines("Delivery errors", &errors));
    }
    let embed = CreateEmbed::new()
        .title(digest_title(date))
        .description(overview_lines(&d.groups, DIGEST_OVERVIEW_CHARS))
        .fields(fields.into_iter().take(crate::limits::EMBED_FIELDS))
        .colour(COLOUR)
        .footer(CreateEmbedFooter::new("For moderators. Details: /report overview and /report participation."));
    serenity::all::CreateMessage::new().embed(embed).allowed_mentions(super::no_pings())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::DeliveryError;
    use crate::report::overview::{Digest, GroupOverview, State};
    use crate::report::{AtRisk, HardTopic};

    /// The largest digest a server can have (25 groups with long names, each with a long
    /// error and many newly at-risk members, five long hardest topics) fits Discord's limits.
    #[test]
    fn the_largest_digest_fits_discords_limits() {
        let at = chrono::DateTime::<chrono::Utc>::MAX_UTC;
        let groups: Vec<GroupOverview> = (0..25)
            .map(|i| GroupOverview {
                group_id: i,
                name: format!("{i:02}{}", "g".repeat(48)),
                state: State::Week { week: 36, total: 36 },
                rate: Some(0.5),
                trend_points: Some(-12.0),
                at_risk: 999,
                newly_at_risk: (0..40)
                    .map(|u| AtRisk {
                        user_id: u,
                        display_name: "n".repeat(32),
                        missed_weeks: 2,
                        last_checkin_week: None,
                    })
                    .collect(),
                last_post: Some(at),
                error: Some(DeliveryError { text: "e".repeat(2000), at }),
                interested: Some((36, u32::MAX)),
                events_error: Some("v".repeat(2000)),
                buddies_met: Some(crate::report::BuddiesMet { week: 36, met: u32::MAX, pairs: u32::MAX }),
            })
            .collect();
        let topic = HardTopic { week: 36, question: 4, number: 5, text: "q".repeat(500), average: 1.0, ratings: 99 };
        let hardest = (0..5).map(|_| ("g".repeat(50), topic.clone())).collect();
        let forgotten: Vec<(String, ForgottenTopic)> = (0..5).map(|_| ("g".repeat(50), long_forgotten())).collect();
        let overview = overview_embed(&groups, &forgotten, "overview.png");
        let body = crate::render::to_json(&serenity::all::CreateMessage::new().embed(overview)).unwrap();
        assert_eq!(crate::limits::check_message(&body), Vec::<String>::new());
        let msg = digest_message(&Digest { groups, hardest, forgotten }, chrono::NaiveDate::MAX);
        let body = crate::render::to_json(&msg).unwrap();
        assert_eq!(crate::limits::check_message(&body), Vec::<String>::new());
    }

    fn long_forgotten() -> ForgottenTopic {
        ForgottenTopic {
            week: 36,
            question: 4,
            number: 5,
            text: "q".repeat(500),
            members: 9999,
            reviews: 99999,
            share: 1.0,
        }
    }

    /// A forgotten topic's line: the question as numbered in the post, its figures, no names.
    #[test]
    fn a_forgotten_topic_reads_as_a_share_of_members_reviews() {
        let t = ForgottenTopic {
            week: 3,
            question: 1,
            number: 2,
            text: "Why *quorums* intersect".into(),
            members: 5,
            reviews: 7,
            share: 3.0 / 7.0,
        };
        let lines = forgotten_lines([(Some("Evenings"), &t)], 120);
        assert_eq!(
            lines,
            ["- Evenings, week 3 Q2: Why \\*quorums\\* intersect: 43% couldn't answer (5 members, 7 reviews)"]
        );
    }
}
