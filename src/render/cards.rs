//! Embeds for the informational commands: tracks, resources, search results, help.

use super::{COLOUR, fields_from_lines, group_by_kind, resource_line};
use crate::curriculum::{Curriculum, Resource, Track};
use crate::limits;
use crate::search::{Hit, HitKind};
use serenity::all::{CreateEmbed, CreateEmbedFooter};

/// `/tracks`: one field per track.
pub fn tracks_list(c: &Curriculum) -> CreateEmbed {
    let fields = c.tracks.iter().map(|t| {
        (
            t.name.clone(),
            format!("{}\n{} · +{} h of study · `/track name:{}`", t.summary, t.compensation, t.learning_hours, t.id),
            false,
        )
    });
    CreateEmbed::new()
        .title(format!("{} specialization tracks", c.tracks.len()))
        .description("Each track builds on the shared foundation and goes deep in one area.")
        .fields(fields)
        .colour(COLOUR)
}

/// `/tracks`: how to choose a track (when the curriculum has the guide), then the list; one
/// message when both fit Discord's 6,000 characters of embeds, else a message each.
pub fn tracks_pages(c: &Curriculum) -> Vec<Vec<CreateEmbed>> {
    let list = tracks_list(c);
    let Some(g) = &c.guide else { return vec![vec![list]] };
    let guide = tracks_guide(g);
    let size = |e: &CreateEmbed| serde_json::to_value(e).map_or(usize::MAX, |v| limits::embed_chars(&v));
    if size(&guide).saturating_add(size(&list)) <= limits::EMBEDS_TOTAL {
        vec![vec![guide, list]]
    } else {
        vec![vec![guide], vec![list]]
    }
}

/// The guide's page: why specialize, how to decide, T-shaped skills, the timeline, the
/// action plan and next steps (one embed within Discord's 6,000 characters: the curriculum
/// check keeps each line within 200, `post_problems` the whole).
pub fn tracks_guide(g: &crate::curriculum::TrackGuide) -> CreateEmbed {
    let bullets = |items: &[String]| items.iter().map(|i| format!("- {i}")).collect::<Vec<_>>();
    let mut fields = fields_from_lines("Why specialize", &bullets(&g.why));
    fields.extend(fields_from_lines("How to decide", &bullets(&g.decide)));
    fields.extend(fields_from_lines("T-shaped skills", &bullets(&g.t_shaped)));
    let timeline: Vec<String> = g.timeline.iter().map(|s| format!("**{}**: {}", s.when, s.what)).collect();
    fields.extend(fields_from_lines("Career timeline", &timeline));
    for stage in &g.plan {
        let hours = stage.hours.map(|h| format!(", {h} hours")).unwrap_or_default();
        let name: String =
            format!("{} ({}{hours})", stage.title, stage.when).chars().take(limits::FIELD_NAME).collect();
        fields.extend(fields_from_lines(&name, &bullets(&stage.steps)));
    }
    let steps: Vec<String> = g.next_steps.iter().enumerate().map(|(i, s)| format!("{}. {s}", i + 1)).collect();
    fields.extend(fields_from_lines("Next steps", &steps));
    CreateEmbed::new()
        .title("Choosing a specialization")
        .description(g.summary.clone())
        .fields(fields)
        .colour(COLOUR)
        .footer(CreateEmbedFooter::new("The tracks follow. Open one with /track name:"))
}

/// `/track name:`: the full card of one track, as two embeds (overview, study plan).
pub fn track_card(c: &Curriculum, t: &Track) -> Vec<CreateEmbed> {
    let bullets = |items: &[String]| items.iter().map(|i| format!("- {i}")).collect::<Vec<_>>();
    let mut overview = CreateEmbed::new()
        .title(t.name.clone())
        .description(format!(
            "{}\n\n**Compensation:** {}\n**Demand:** {}\n**Growth:** {}\n**Companies:** {}",
            t.summary,
            t.compensation,
            t.demand,
            t.growth,
            t.companies.join(", ")
        ))
        .colour(COLOUR);
    let mut fields = fields_from_lines("What you do", &bullets(&t.what_you_do));
    let tech: Vec<String> = t.technologies.iter().map(|a| format!("**{}:** {}", a.area, a.items.join(", "))).collect();
    fields.extend(fields_from_lines("Key technologies", &tech));
    fields.push(("Best for".into(), t.best_for.clone(), true));
    fields.push(("Avoid if".into(), t.avoid_if.clone(), true));
    let levels: Vec<String> = t.levels.iter().map(|l| format!("- {}: {}", l.title, l.range)).collect();
    fields.extend(fields_from_lines("Career levels", &levels));
    overview = overview.fields(fields);

    let learning: Vec<String> =
        t.learning.iter().map(|l| format!("**{} ({} h):** {}", l.area, l.hours, l.topics.join(", "))).collect();
    let mut fields = fields_from_lines(&format!("Additional learning ({} hours)", t.learning_hours), &learning);
    fields.extend(fields_from_lines("Builds on", &bullets(&t.foundation)));
    fields.extend(fields_from_lines("Recommended projects", &bullets(&t.projects)));
    fields.extend(fields_from_lines("Interview focus", &bullets(&t.interview_focus)));
    let res: Vec<String> =
        t.resources.iter().filter_map(|id| c.resource(id)).map(|r| format!("- {}", resource_line(r))).collect();
    fields.extend(fields_from_lines("Resources", &res));
    let plan = CreateEmbed::new()
        .title(format!("{}: study plan", t.name))
        .fields(fields)
        .colour(COLOUR)
        .footer(CreateEmbedFooter::new("See every resource with /resources track:".to_string() + &t.id));
    vec![overview, plan]
}

/// Splits titled line groups into embeds whose descriptions fit, then the embeds into
/// messages that respect the 10-embed and 6000-character limits. Each inner Vec is one
/// message.
pub fn paginate(title: &str, sections: &[(String, Vec<String>)]) -> Vec<Vec<CreateEmbed>> {
    // Budget per embed description, leaving room for the title.
    const DESC: usize = 3500;
    const MESSAGE: usize = 5500;
    let mut pages: Vec<String> = Vec::new();
    let mut current = String::new();
    for (heading, lines) in sections {
        let head = format!("**{heading}**");
        for (i, line) in std::iter::once(&head).chain(lines.iter()).enumerate() {
            let line: String = line.chars().take(limits::FIELD_VALUE).collect();
            let extra = line.chars().count() + 2;
            if !current.is_empty() && current.chars().count() + extra > DESC {
                pages.push(std::mem::take(&mut current));
                if i > 0 {
                    current.push_str(&format!("**{heading}** (continued)\n"));
                }
            }
            if i == 0 && !current.is_empty() {
                current.push('\n');
            }
            current.push_str(&line);
            current.push('\n');
        }
    }
    if !current.is_empty() {
        pages.push(current);
    }
    let n = pages.len();
    let mut messages: Vec<Vec<CreateEmbed>> = Vec::new();
    let mut size = 0;
    for (i, page) in pages.into_iter().enumerate() {
        let t = if n > 1 { format!("{title} ({}/{n})", i + 1) } else { title.to_string() };
        let len = t.chars().count() + page.chars().count();
        let embed = CreateEmbed::new().title(t).description(page).colour(COLOUR);
        match messages.last_mut() {
            Some(m) if m.len() < limits::EMBEDS && size + len <= MESSAGE => {
                m.push(embed);
                size += len;
            }
            _ => {
                messages.push(vec![embed]);
                size = len;
            }
        }
    }
    messages
}

/// `/resources`: resources grouped by kind, paginated.
pub fn resources_pages(title: &str, resources: &[&Resource]) -> Vec<Vec<CreateEmbed>> {
    let sections: Vec<(String, Vec<String>)> = group_by_kind(resources.iter().copied())
        .into_iter()
        .map(|(k, rs)| {
            let lines = rs.into_iter().map(|r| format!("- {}: {}", resource_line(r), r.summary)).collect();
            (k.heading().to_string(), lines)
        })
        .collect();
    paginate(title, &sections)
}

/// `/search`: the hits, best first.
pub fn search_results(query: &str, hits: &[Hit]) -> CreateEmbed {
    let lines: Vec<String> = hits
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let what = match &h.kind {
                HitKind::Week { .. } => "week",
                HitKind::Topic { .. } => "topic",
                HitKind::Question { .. } => "question",
                HitKind::Track { .. } => "track",
                HitKind::Resource { .. } => "resource",
                HitKind::Role => "role",
                HitKind::Guide => "guide",
            };
            let label: String = h.label.chars().take(250).collect();
            format!("**{}.** {label}\n   _{what} · {}_", i + 1, h.context)
        })
        .collect();
    let query: String = query.chars().take(100).collect();
    CreateEmbed::new().title(format!("Results for \"{query}\"")).description(lines.join("\n")).colour(COLOUR)
}

/// The menu under search results that opens a week or a track (none when nothing opens).
pub fn search_open_menu(c: &Curriculum, hits: &[Hit]) -> Option<serenity::all::CreateActionRow> {
    use crate::service::catalog::Opened;
    use serenity::all::{CreateActionRow, CreateSelectMenu, CreateSelectMenuKind, CreateSelectMenuOption};
    let mut seen = std::collections::HashSet::new();
    let options: Vec<CreateSelectMenuOption> = hits
        .iter()
        .enumerate()
        .filter_map(|(i, h)| Some((i, h, Opened::of_hit(c, h)?)))
        .filter(|(_, _, o)| seen.insert(o.clone()))
        .take(limits::CHOICES)
        .map(|(i, h, o)| {
            // What matched (a track's, a week's name), and where it lives below it.
            let label: String = format!("{}. {}", i + 1, h.label).chars().take(100).collect();
            let context: String = h.context.chars().take(100).collect();
            CreateSelectMenuOption::new(label, o.encode()).description(context)
        })
        .collect();
    (!options.is_empty()).then(|| {
        CreateActionRow::SelectMenu(
            CreateSelectMenu::new(crate::ids::CustomId::SearchOpen.encode(), CreateSelectMenuKind::String { options })
                .placeholder("Open a result"),
        )
    })
}

/// `/help`: what the bot does, its paths and how to start (the reply), then one line per
/// command (`lines`, already "`/name`: description") in follow-up messages, each within
/// Discord's 6,000 characters of embeds per message.
pub fn help(c: &Curriculum, members: Vec<String>, moderators: Vec<String>) -> Vec<Vec<CreateEmbed>> {
    let paths: Vec<String> = c
        .paths
        .iter()
        .map(|p| format!("**{}** (`{}`, {} weeks): {}", p.path.name, p.path.id, p.weeks.len(), p.path.summary))
        .collect();
    let about = CreateEmbed::new()
        .title("studybot")
        .description(format!(
            "I run study groups through a phased distributed-systems curriculum: every week I post \
             the group's topic and self-assessment questions, record your check-ins, and give \
             moderators participation reports.\n\n**Paths**\n{}",
            paths.join("\n")
        ))
        .colour(super::COLOUR);
    let start = CreateEmbed::new()
        .title("Getting started")
        .description(
            "1. `/join` your server's study group (`/week` shows what it studies this week).\n\
             2. Each week, read the weekly post in the group's channel and discuss in its thread.\n\
             3. `/checkin` (or the post's **Check in** button) when you are done, and rate yourself with \
             `/assess`.\n\
             4. `/progress` shows your streak (with why, and your last 12 weeks) and what to catch up \
             on. Every 4 weeks in a row earn a **streak freeze** (2 at most): a week that closes without \
             a check-in uses one and your streak stays (it does not grow). `/remind on` sends you each \
             reminder as a direct message; `/calendar file` puts the sessions in your calendar (`/calendar subscribe`: a live link).\n\
             5. `/review start`: each question you rated comes back once its week is over, when you are \
             about to forget it (spaced review).",
        )
        .colour(super::COLOUR);
    let sections = [(String::from("For members"), members), (String::from("For moderators"), moderators)];
    let mut pages = vec![vec![about, start]];
    pages.extend(paginate("Commands", &sections));
    pages
}

/// A `/syllabus` page: the path (audience, weekly hours), the phase and its weeks, with
/// buttons to the neighbouring phases and a menu that opens a week.
pub fn syllabus(
    page: &crate::service::catalog::SyllabusPage<'_>,
) -> (CreateEmbed, Vec<serenity::all::CreateActionRow>) {
    use crate::ids::CustomId;
    use serenity::all::{
        ButtonStyle, CreateActionRow, CreateButton, CreateSelectMenu, CreateSelectMenuKind, CreateSelectMenuOption,
    };
    let p = page.path;
    let phases = p.phases.len() as u32;
    let number = page.phase.number;
    let lines: Vec<String> = page.weeks.iter().map(|w| format!("**Week {}**: {}", w.number, w.title)).collect();
    let mut embed = CreateEmbed::new()
        .title(
            format!("{}: phase {number} of {phases}, {}", p.path.name, page.phase.title)
                .chars()
                .take(crate::limits::EMBED_TITLE)
                .collect::<String>(),
        )
        .description(
            format!(
                "{}\n\n**For** {}.{}\n\n{}",
                p.path.summary,
                p.path.audience,
                p.path.weekly_hours.as_ref().map(|h| format!(" **About** {h} hours a week.")).unwrap_or_default(),
                page.phase.summary
            )
            .chars()
            .take(crate::limits::EMBED_DESCRIPTION)
            .collect::<String>(),
        )
        .colour(super::COLOUR)
        .footer(serenity::all::CreateEmbedFooter::new("Open a week with the menu, or /week path: number:"));
    for (name, value, inline) in super::fields_from_lines("Weeks", &lines) {
        embed = embed.field(name, value, inline);
    }
    let path = page.path_index as u8;
    let nav = |label: &str, to: u32, enabled: bool| {
        CreateButton::new(CustomId::Syllabus { path, phase: to.max(1) }.encode())
            .label(label)
            .style(ButtonStyle::Secondary)
            .disabled(!enabled)
    };
    let buttons = CreateActionRow::Buttons(vec![
        nav("Previous phase", number.saturating_sub(1), number > 1),
        nav("Next phase", number + 1, number < phases),
    ]);
    let options: Vec<CreateSelectMenuOption> = page
        .weeks
        .iter()
        .take(crate::limits::CHOICES)
        .map(|w| {
            let label: String = format!("Week {}: {}", w.number, w.title).chars().take(100).collect();
            CreateSelectMenuOption::new(label, w.number.to_string())
        })
        .collect();
    let mut rows = vec![buttons];
    if !options.is_empty() {
        let menu =
            CreateSelectMenu::new(CustomId::SyllabusWeek { path }.encode(), CreateSelectMenuKind::String { options })
                .placeholder("Open a week");
        rows.push(CreateActionRow::SelectMenu(menu));
    }
    (embed, rows)
}

/// A whole week as `/week` shows it, from the curriculum only.
pub fn week_card(
    c: &Curriculum,
    path: &crate::curriculum::PathFile,
    week: &crate::curriculum::Week,
) -> Vec<CreateEmbed> {
    vec![super::week_embed(c, path, week), super::with_look_back(super::questions_embed(week), path, week)]
}

/// `/role`: the role overview (what it is, characteristics, responsibilities, skills, best
/// practices, common challenges), in pages within Discord's limits.
pub fn role(r: &crate::curriculum::Role) -> Vec<Vec<CreateEmbed>> {
    let bullets = |items: &[String]| items.iter().map(|i| format!("- {i}")).collect::<Vec<_>>();
    let advice = |list: &[crate::curriculum::RoleAdvice]| {
        list.iter().map(|a| format!("**{}**: {}", a.area, a.points.join(" "))).collect::<Vec<_>>()
    };
    let mut sections = vec![
        (String::from("What it is"), vec![r.summary.clone()]),
        (String::from("Characteristics"), bullets(&r.characteristics)),
        (String::from("Responsibilities"), bullets(&r.responsibilities)),
        (String::from("Skills"), bullets(&r.skills)),
    ];
    if !r.best_practices.is_empty() {
        sections.push((String::from("Best practices"), advice(&r.best_practices)));
    }
    if !r.challenges.is_empty() {
        sections.push((String::from("Common challenges"), advice(&r.challenges)));
    }
    let mut pages = paginate(&r.title, &sections);
    if let Some(c) = &r.career {
        let pay: Vec<String> = c.pay.iter().map(|l| format!("- **{}**: {}", l.title, l.range)).collect();
        let pay = [pay, bullets(&c.pay_notes)].concat();
        let career = vec![
            (String::from("About these figures"), vec![c.summary.clone()]),
            (String::from("Pay by level"), pay),
            (String::from("Requirements"), bullets(&c.requirements)),
            (String::from("Progression"), bullets(&c.progression)),
            (String::from("The market"), bullets(&c.market)),
        ];
        pages.extend(paginate(&format!("{}: pay and progression", r.title), &career));
    }
    pages
}
