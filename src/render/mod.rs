//! Rendering: curriculum data to Discord message bodies (serenity builders), pure code.
//!
//! The same builders are sent by the bot and serialized by `studybot preview --json`,
//! so the preview is exactly the request body Discord receives.

pub(crate) mod buddies;
pub(crate) mod calendar;
pub mod cards;
pub(crate) mod checkins;
pub(crate) mod groups;
pub mod html;
pub(crate) mod progress;
pub(crate) mod report;
pub(crate) mod review;
pub(crate) mod settings;
pub(crate) mod text;

use crate::curriculum::{Curriculum, PathFile, Resource, ResourceKind, Week};
use crate::ids::CustomId;
use crate::limits;
use chrono::{DateTime, Utc};
use serenity::all::{
    ButtonStyle, CreateActionRow, CreateAllowedMentions, CreateButton, CreateEmbed, CreateEmbedAuthor,
    CreateEmbedFooter, CreateMessage, RoleId,
};

/// Text that members or moderators chose (display names, group names, notes), safe in
/// markdown: every ASCII punctuation character is escaped, so Discord shows it exactly as
/// written (no formatting, code blocks, masked links or mentions) and copying it gives the
/// original back.
/// `n` with its noun in the right number: "1 week", "3 weeks", "0 weeks".
pub fn count(n: impl Into<u64>, singular: &str, plural: &str) -> String {
    let n = n.into();
    format!("{n} {}", if n == 1 { singular } else { plural })
}

/// Hours to one decimal, never "-0.0" (a sum of floats can land just below zero).
pub fn hours(h: f64) -> String {
    let h = if h.abs() < 0.05 { 0.0 } else { h };
    format!("{h:.1}")
}

/// "A, B and C": items joined as English lists them.
pub fn and_list<S: AsRef<str>>(items: &[S]) -> String {
    match items.split_last() {
        Some((last, rest)) if !rest.is_empty() => {
            let rest: Vec<&str> = rest.iter().map(AsRef::as_ref).collect();
            format!("{} and {}", rest.join(", "), last.as_ref())
        }
        Some((last, _)) => last.as_ref().to_string(),
        None => String::new(),
    }
}

pub fn escape_markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 4);
    for c in text.chars() {
        if c.is_ascii_punctuation() {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Accent colour of the bot's embeds.
pub const COLOUR: u32 = 0x2B6CB0;

/// Where a weekly post goes: the group it belongs to and an optional role to mention.
#[derive(Debug, Clone, Default)]
pub struct PostTarget {
    /// Database id of the study group (0 in previews, where there is no group).
    pub group_id: i64,
    pub group_name: Option<String>,
    pub mention_role: Option<u64>,
    /// Earlier weeks the bot missed (it was down for their whole slot) that this post is the
    /// first to tell the group about.
    pub missed_weeks: Vec<u32>,
    /// The week opens a phase for this group (its first week, or the previous week held was
    /// in another phase): the post opens with the phase's title and summary.
    pub phase_intro: bool,
    /// A break follows this session: when the group meets next (so a holiday range, which
    /// posts nothing, is announced here).
    pub next_after_break: Option<DateTime<Utc>>,
}

/// A phase introduction in a weekly post is cut to this many characters.
pub const PHASE_INTRO_MAX: usize = 700;

/// The phase introduction a weekly post opens with: title and summary, at most
/// [`PHASE_INTRO_MAX`] characters.
pub fn phase_intro(path: &PathFile, week: &Week) -> Option<String> {
    let phase = path.phase(week.phase)?;
    let text =
        format!("**New phase: Phase {} of {}, {}.** {}", phase.number, path.phases.len(), phase.title, phase.summary);
    Some(limits::truncate(&text, PHASE_INTRO_MAX))
}

/// The line a weekly post opens with after the bot missed weeks: which ones, and how to
/// read them (no link: their post does not exist). At most a few hundred characters.
pub fn missed_note(path: &PathFile, weeks: &[u32]) -> Option<String> {
    let (last, rest) = weeks.split_last()?;
    let name = |w: u32| match (weeks.len() <= 3, path.week(w)) {
        (true, Some(week)) => format!("week {w} (*{}*)", markdown_plain(&week.title)),
        _ => format!("{w}"),
    };
    let mut listed: Vec<String> = rest.iter().take(15).map(|w| name(*w)).collect();
    if rest.len() > 15 {
        listed.push("…".to_string());
    }
    let all = if listed.is_empty() { name(*last) } else { format!("{} and {}", listed.join(", "), name(*last)) };
    let (what, them, first) = if weeks.len() == 1 {
        (all, "it", *last)
    } else if weeks.len() <= 3 {
        (all, "them", weeks[0])
    } else {
        (format!("weeks {all}"), "them", weeks[0])
    };
    Some(format!(
        "⚠️ The bot was offline when {what} {} due, so {} never posted here. It does not count against \
         anyone's streak or participation; read {them} with `/week number:{first}`.",
        if weeks.len() == 1 { "was" } else { "were" },
        if weeks.len() == 1 { "it was" } else { "they were" },
    ))
}

/// Text without markdown emphasis characters (for titles inside `*...*`).
fn markdown_plain(s: &str) -> String {
    s.chars().filter(|c| !matches!(c, '*' | '_' | '`' | '~' | '|')).collect()
}

/// Splits lines into embed fields whose values stay within Discord's 1024-character limit.
pub fn fields_from_lines(name: &str, lines: &[String]) -> Vec<(String, String, bool)> {
    let mut fields = Vec::new();
    let mut current = String::new();
    for line in lines {
        let line: String = line.chars().take(limits::FIELD_VALUE).collect();
        if !current.is_empty() && current.chars().count() + 1 + line.chars().count() > limits::FIELD_VALUE {
            fields.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push('\n');
        }
        current.push_str(&line);
    }
    if !current.is_empty() {
        fields.push(current);
    }
    fields
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            let n = if i == 0 { name.to_string() } else { format!("{name} (continued)") };
            (n, v, false)
        })
        .collect()
}

/// One line describing a resource: "Title by Author (kind)".
pub fn resource_line(r: &Resource) -> String {
    let mut s = match &r.url {
        Some(url) => format!("[{}]({url})", r.title),
        None => format!("**{}**", r.title),
    };
    if let Some(by) = &r.by {
        s.push_str(&format!(" by {by}"));
    }
    s.push_str(&format!(" ({})", r.kind.as_str()));
    s
}

/// The main embed for a week: topics, exercises, project, resources.
pub fn week_embed(c: &Curriculum, path: &PathFile, week: &Week) -> CreateEmbed {
    let phase = path.phase(week.phase).map(|p| format!("Phase {}: {}", p.number, p.title)).unwrap_or_default();
    let mut description = week.summary.clone();
    description.push_str("\n\n**Topics**");
    for t in &week.topics {
        description.push_str(&format!("\n- **{}**: {}", t.name, t.summary));
    }
    let mut embed = CreateEmbed::new()
        .author(CreateEmbedAuthor::new(format!("{} · {}", path.path.name, phase)))
        .title(format!("Week {} of {}: {}", week.number, path.len_weeks(), week.title))
        .description(description)
        .colour(COLOUR);
    let exercises: Vec<String> = week.exercises.iter().map(|e| format!("- {e}")).collect();
    let mut fields = fields_from_lines("Exercises", &exercises);
    if let Some(project) = &week.project {
        fields.push(("Project".into(), project.clone(), false));
    }
    let resources: Vec<String> =
        week.resources.iter().filter_map(|id| c.resource(id)).map(|r| format!("- {}", resource_line(r))).collect();
    fields.extend(fields_from_lines("Resources", &resources));
    embed = embed.fields(fields);
    embed
}

/// With the last week of a block of `REVIEW_EVERY` weeks, that block's look-back questions.
pub fn with_look_back(embed: CreateEmbed, path: &PathFile, week: &Week) -> CreateEmbed {
    let Some(block) = path.look_back.iter().find(|b| b.closes == week.number) else {
        return embed;
    };
    let (first, last) = block.weeks();
    let lines: Vec<String> = block.questions.iter().map(|q| format!("- {q}")).collect();
    let value: String = lines.join("\n").chars().take(limits::FIELD_VALUE).collect();
    embed.field(format!("Looking back on weeks {first} to {last}"), value, false)
}

/// The self-assessment embed of a week: the rated questions, then the reflective prompts.
pub fn questions_embed(week: &Week) -> CreateEmbed {
    let number = week.number;
    let mut description = String::from("Rate yourself from 1 (not yet) to 5 (could teach it):");
    // Numbered in the order shown: rated questions, then the prompts (`Week::shown_number`).
    for (i, q) in week.questions.iter().enumerate().filter(|(i, _)| week.is_rated(*i)) {
        description.push_str(&format!("\n**{}.** {q}", week.shown_number(i)));
    }
    let reflect: Vec<String> = week
        .questions
        .iter()
        .enumerate()
        .filter(|(i, _)| !week.is_rated(*i))
        .map(|(i, q)| format!("\n**{}.** {q}", week.shown_number(i)))
        .collect();
    if !reflect.is_empty() {
        description.push_str("\n\nTo think about (no rating):");
        description.push_str(&reflect.concat());
    }
    CreateEmbed::new().title(format!("Self-assessment, week {number}")).description(description).colour(COLOUR).footer(
        CreateEmbedFooter::new("Check in with the button below or /checkin. Rate yourself with the button or /assess."),
    )
}

/// Whether `week` is where the path's skills checklist is offered: its last week.
pub fn skills_week(path: &PathFile, week: &Week) -> bool {
    !path.assessment.is_empty() && week.number == path.len_weeks()
}

/// The buttons under a weekly post (and the skills checklist in a path's last week).
pub fn week_buttons(group_id: i64, week: u32, skills: bool) -> CreateActionRow {
    let mut buttons = vec![
        CreateButton::new(CustomId::CheckIn { group_id, week }.encode()).label("Check in").style(ButtonStyle::Success),
        CreateButton::new(CustomId::Assess { group_id, week }.encode())
            .label("Rate yourself")
            .style(ButtonStyle::Primary),
    ];
    if skills {
        buttons.push(
            CreateButton::new(CustomId::Skills { group_id, page: 0 }.encode())
                .label("Skills checklist")
                .style(ButtonStyle::Primary),
        );
    }
    CreateActionRow::Buttons(buttons)
}

/// The complete weekly post for a group: role mention (if any), week and question embeds,
/// and the Check in / Rate yourself buttons. Only the group's role can be pinged.
pub fn week_post(c: &Curriculum, path: &PathFile, week: &Week, target: &PostTarget) -> CreateMessage {
    let who = target.group_name.as_deref().map(|g| format!(" for **{}**", escape_markdown(g))).unwrap_or_default();
    // The path's name is in the embed's header line; once is enough.
    let mut content = format!("This week's session{who}: week {}.", week.number);
    if target.phase_intro
        && let Some(intro) = phase_intro(path, week)
    {
        content = format!("{intro}\n\n{content}");
    }
    if let Some(note) = missed_note(path, &target.missed_weeks) {
        content = format!("{content}\n{note}");
    }
    if let Some(at) = target.next_after_break {
        content = format!("{content}\nNo sessions after this one until <t:{}:D>.", at.timestamp());
    }
    let mut mentions = no_pings();
    if let Some(role) = target.mention_role {
        content = format!("<@&{role}> {content}");
        mentions = mentions.roles(vec![RoleId::new(role)]);
    }
    CreateMessage::new()
        .content(content)
        .embeds(vec![week_embed(c, path, week), with_look_back(questions_embed(week), path, week)])
        .components(vec![week_buttons(target.group_id, week.number, skills_week(path, week))])
        .allowed_mentions(mentions)
}

/// Serializes a message body to the JSON Discord receives. Serializing serenity's builders
/// cannot fail in practice; if it ever did, that is an error, never an empty body.
pub fn to_json(msg: &CreateMessage) -> Result<serde_json::Value, serde_json::Error> {
    serde_json::to_value(msg)
}

/// Renders a week with the largest possible target (group id, name and role mention) and
/// lists every Discord limit the post would break. Empty when the post fits.
pub fn week_post_violations(c: &Curriculum, path: &PathFile, week: &Week) -> Vec<String> {
    let target = PostTarget {
        group_id: i64::MAX,
        group_name: Some("x".repeat(crate::ids::MAX_GROUP_NAME)),
        mention_role: Some(u64::MAX),
        // The longest note: three weeks with their titles.
        missed_weeks: path.weeks.iter().map(|w| w.number).filter(|n| *n != week.number).take(3).collect(),
        phase_intro: true,
        next_after_break: Some(DateTime::<Utc>::MAX_UTC),
    };
    match to_json(&week_post(c, path, week, &target)) {
        Ok(body) => limits::check_message(&body),
        Err(e) => vec![format!("the post cannot be serialized: {e}")],
    }
}

/// Every week whose post Discord would refuse, as curriculum problems (`FILE:1:1: week N:
/// ...`). Called by the loader's caller after the curriculum itself validated.
pub fn post_problems(c: &Curriculum) -> Vec<crate::curriculum::Problem> {
    let mut problems = Vec::new();
    for (i, path) in c.paths.iter().enumerate() {
        for week in &path.weeks {
            for v in week_post_violations(c, path, week) {
                problems.push(crate::curriculum::Problem {
                    file: c.path_sources.get(i).cloned().unwrap_or_default(),
                    line: 1,
                    col: 1,
                    message: format!("week {}: the weekly post is too large: {v}", week.number),
                });
            }
        }
    }
    // The pages of /tracks and /role, each a message.
    let pages = [("tracks.toml", "/tracks", cards::tracks_pages(c))]
        .into_iter()
        .chain(c.role.as_ref().map(|r| ("role.toml", "/role", cards::role(r))));
    for (file, command, pages) in pages {
        for (n, page) in pages.into_iter().enumerate() {
            let body = page.into_iter().fold(CreateMessage::new(), |m, e| m.embed(e));
            let violations = match to_json(&body) {
                Ok(body) => limits::check_message(&body),
                Err(e) => vec![format!("the page cannot be serialized: {e}")],
            };
            for v in violations {
                problems.push(crate::curriculum::Problem {
                    file: std::path::PathBuf::from(file),
                    line: 1,
                    col: 1,
                    message: format!("{command}, message {}: too large: {v}", n + 1),
                });
            }
        }
    }
    problems
}

/// Resources grouped by kind, in the order of `ResourceKind::ALL`.
pub fn group_by_kind<'a>(resources: impl IntoIterator<Item = &'a Resource>) -> Vec<(ResourceKind, Vec<&'a Resource>)> {
    let all: Vec<&Resource> = resources.into_iter().collect();
    ResourceKind::ALL
        .into_iter()
        .map(|k| (k, all.iter().copied().filter(|r| r.kind == k).collect::<Vec<_>>()))
        .filter(|(_, v)| !v.is_empty())
        .collect()
}

/// The body of every interaction response message (component and modal replies, error
/// replies): pings nobody. Start every such response here.
pub fn response() -> serenity::all::CreateInteractionResponseMessage {
    serenity::all::CreateInteractionResponseMessage::new().allowed_mentions(no_pings())
}

/// Pings nobody: the allowed mentions of every body the bot sends except a weekly post,
/// which may ping its group's role.
pub fn no_pings() -> CreateAllowedMentions {
    CreateAllowedMentions::new().everyone(false).all_users(false).all_roles(false)
}

/// The short note posted instead of a skipped session.
pub fn skip_note(group: &str, next_week: Option<u32>) -> CreateMessage {
    // `next_week`: the week the next held session takes.
    let then = next_week.map(|w| format!(" Week {w} continues at the next session.")).unwrap_or_default();
    CreateMessage::new().content(format!("{}{then}", skip_note_start(group))).allowed_mentions(no_pings())
}

/// How a group's skip note begins (the scheduler recognises its own earlier note by it).
pub fn skip_note_start(group: &str) -> String {
    format!("No session for **{}** this week.", escape_markdown(group))
}

/// The title of a group's closing post.
pub fn closing_title(group: &str, path_name: &str) -> String {
    format!("{group} has finished {path_name}")
}

/// How a group's reminder of week `next_week` begins.
pub fn reminder_start(group: &str, next_week: u32) -> String {
    format!("Reminder: **{}** moves on to week {next_week} (", escape_markdown(group))
}

/// The post after the last week of a path.
pub fn closing_post(group: &str, path: &PathFile) -> CreateMessage {
    let embed = CreateEmbed::new()
        .title(closing_title(group, &path.path.name))
        .description(format!(
            "That was the last of {} weeks. Thank you for studying together! Look back at any week with \
             `/week number:`, see your progress with `/progress`, and pick a specialization with `/tracks`.",
            path.len_weeks()
        ))
        .colour(COLOUR);
    CreateMessage::new().embed(embed).allowed_mentions(no_pings())
}

/// The reminder before the next post. It never mentions anyone.
pub fn reminder(group: &str, next_week: u32, title: &str, at_unix: i64, current_week: Option<(u32, u32)>) -> String {
    let so_far = match current_week {
        Some((w, n)) => format!(" So far {n} member{} checked in for week {w}.", if n == 1 { "" } else { "s" }),
        None => String::new(),
    };
    format!(
        "{}{title}) <t:{at_unix}:R>.{so_far} Check in with the button on the weekly post, or `/checkin` in the \
         server.",
        reminder_start(group, next_week)
    )
}

/// The reminder as a channel message.
pub fn reminder_message(text: String) -> CreateMessage {
    CreateMessage::new().content(text).allowed_mentions(no_pings())
}

/// The reminder as a DM: with a button to check in for `checkin_week` (the week before the
/// one announced; `/checkin` does not run in DMs).
pub fn reminder_dm(text: String, group_id: i64, checkin_week: Option<u32>) -> CreateMessage {
    let message = reminder_message(text);
    match checkin_week {
        Some(week) => message.components(vec![serenity::all::CreateActionRow::Buttons(vec![
            serenity::all::CreateButton::new(crate::ids::CustomId::CheckIn { group_id, week }.encode())
                .label(format!("Check in for week {week}"))
                .style(serenity::all::ButtonStyle::Primary),
        ])]),
        None => message,
    }
}

#[cfg(test)]
mod number_tests {
    use super::*;

    #[test]
    fn counts_take_the_right_number_and_hours_are_never_minus_zero() {
        assert_eq!(count(1u32, "week", "weeks"), "1 week");
        assert_eq!(count(0u32, "week", "weeks"), "0 weeks");
        assert_eq!(count(3u32, "week", "weeks"), "3 weeks");
        assert_eq!(hours(-0.0), "0.0");
        assert_eq!(hours(-1e-9), "0.0");
        assert_eq!(hours(2.26), "2.3");
        assert_eq!(hours(12.0), "12.0");
    }

    /// A group name with markdown in it reads as its name in the skip note and the
    /// reminder (in the channel and as a DM), never as formatting.
    #[test]
    fn group_names_are_escaped_in_skip_notes_and_reminders() {
        let name = "*Night_owls* ~~x~~";
        let note = crate::render::to_json(&skip_note(name, Some(3))).unwrap();
        let content = note["content"].as_str().unwrap();
        assert!(content.contains(&format!("**{}**", escape_markdown(name))) && !content.contains(name), "{content}");
        let r = reminder(name, 2, "T", 0, None);
        assert!(r.starts_with(&reminder_start(name, 2)) && !r.contains(name), "{r}");
        assert!(r.contains("`/checkin` in the server"), "{r}");
    }
}

#[cfg(test)]
mod week_post_tests {
    use super::*;

    /// Questions are numbered in the order shown (rated, then reflective), and the path's
    /// name appears once in a weekly post.
    #[test]
    fn a_weekly_post_numbers_its_questions_in_order_and_names_its_path_once() {
        let c = Curriculum::embedded().unwrap();
        for path in &c.paths {
            for week in &path.weeks {
                let target = PostTarget {
                    group_id: 1,
                    group_name: Some("G".into()),
                    mention_role: None,
                    missed_weeks: vec![],
                    phase_intro: false,
                    next_after_break: None,
                };
                let msg = serde_json::to_value(week_post(&c, path, week, &target)).unwrap();
                let all = msg.to_string();
                assert_eq!(all.matches(path.path.name.as_str()).count(), 1, "week {}: {all}", week.number);
                let questions = msg["embeds"][1]["description"].as_str().unwrap();
                let numbers: Vec<usize> = questions
                    .lines()
                    .filter_map(|l| l.strip_prefix("**")?.split_once(".**").map(|(n, _)| n.parse().unwrap()))
                    .collect();
                assert_eq!(numbers, (1..=week.questions.len()).collect::<Vec<_>>(), "week {}", week.number);
            }
        }
    }
}

/// Embeds split into messages within Discord's limits: at most [`crate::limits::EMBEDS`]
/// embeds and [`crate::limits::EMBEDS_TOTAL`] characters each (the first is the reply, the
/// rest follow-ups).
pub fn messages(embeds: Vec<serenity::all::CreateEmbed>) -> Vec<Vec<serenity::all::CreateEmbed>> {
    let mut out: Vec<Vec<serenity::all::CreateEmbed>> = Vec::new();
    let mut size = 0;
    for e in embeds {
        let len = serde_json::to_value(&e).map_or(crate::limits::EMBEDS_TOTAL, |v| crate::limits::embed_chars(&v));
        match out.last_mut() {
            Some(m) if m.len() < crate::limits::EMBEDS && size + len <= crate::limits::EMBEDS_TOTAL => {
                m.push(e);
                size += len;
            }
            _ => {
                out.push(vec![e]);
                size = len;
            }
        }
    }
    out
}
