//! Views of spaced review: a card with its grade buttons, and the end of a session.

use super::COLOUR;
use crate::ids::CustomId;
use crate::review::Grade;
use crate::service::review::{Done, Graded, Session};
use serenity::all::{ButtonStyle, CreateActionRow, CreateButton, CreateEmbed, CreateEmbedFooter};

/// A Discord timestamp shown relative to the reader ("in 3 days").
fn when(at: chrono::DateTime<chrono::Utc>) -> String {
    format!("<t:{}:R>", at.timestamp())
}

/// What a session shows: the text, the card (if any) and its buttons. `group_id`: the group
/// the session is limited to (0: every path).
pub fn session(s: &Session, group_id: i64) -> (String, Option<CreateEmbed>, Vec<CreateActionRow>) {
    match s {
        Session::Card(shown) => {
            let c = &shown.card;
            let mut embed = CreateEmbed::new()
                .colour(COLOUR)
                .title(format!("Review: week {} of {}", c.week, shown.path_name))
                .description(format!("**{}**\n\n{}", shown.week_title, shown.question))
                .footer(CreateEmbedFooter::new(format!(
                    "Answer it in your head (or on paper), then say how it went. {} today.",
                    super::count(shown.left_today, "card left", "cards left")
                )));
            if let (Some(points), true) = (&shown.outline, shown.revealed) {
                let lines: Vec<String> = points.iter().map(|p| format!("- {p}")).collect();
                embed = embed.field("A good answer touches on", lines.join("\n"), false);
            }
            let buttons = Grade::ALL
                .into_iter()
                .map(|g| {
                    let style = match g {
                        Grade::Again => ButtonStyle::Danger,
                        Grade::Hard => ButtonStyle::Secondary,
                        Grade::Good => ButtonStyle::Primary,
                        Grade::Easy => ButtonStyle::Success,
                    };
                    CreateButton::new(
                        CustomId::ReviewGrade { card_id: c.id, reps: c.reps, grade: g.number(), group_id }.encode(),
                    )
                    .label(g.label())
                    .style(style)
                })
                .collect();
            let mut rows = vec![CreateActionRow::Buttons(buttons)];
            if shown.outline.is_some() && !shown.revealed {
                rows.push(CreateActionRow::Buttons(vec![
                    CreateButton::new(CustomId::ReviewOutline { card_id: c.id, group_id }.encode())
                        .label("Show outline")
                        .style(ButtonStyle::Secondary),
                ]));
            }
            (String::new(), Some(embed), rows)
        }
        Session::Done { why, next_due } => {
            let next = match next_due {
                Some(at) => format!(" Your next card is due {}.", when(*at)),
                None => String::new(),
            };
            let text = match why {
                Done::NothingDue if next_due.is_none() => "You have no review cards yet. Rate yourself on a week's \
                     questions (`/assess`): each rated question comes back for review once its week is over."
                    .to_string(),
                Done::NothingDue => format!("Nothing is due for review right now.{next}"),
                Done::DailyAllowance { reviewed } => format!(
                    "That is {} today, your daily amount: the rest waits for tomorrow.{next}",
                    super::count(*reviewed, "review", "reviews")
                ),
            };
            (text, None, Vec::new())
        }
    }
}

/// After a grade: when the card comes back, then the next card or the end.
pub fn graded(g: &Graded, group_id: i64) -> (String, Option<CreateEmbed>, Vec<CreateActionRow>) {
    let (then, embed, rows) = session(&g.then, group_id);
    let saved = format!("Saved ({}): that card comes back {}.", g.grade.label().to_lowercase(), when(g.comes_back));
    let text = if then.is_empty() { saved } else { format!("{saved}\n{then}") };
    (text, embed, rows)
}

/// `/review forecast`: a line per day.
pub fn forecast(days: &[(chrono::NaiveDate, u32)], zone: chrono_tz::Tz) -> String {
    let total: u32 = days.iter().map(|(_, n)| n).sum();
    if total == 0 {
        return "No review card is due in the next 7 days.".to_string();
    }
    let mut out = format!("Review cards due ({}):\n", zone.name());
    for (i, (day, n)) in days.iter().enumerate() {
        let name = if i == 0 { "Today".to_string() } else { day.format("%a %d %b").to_string() };
        out.push_str(&format!("- {name}: {n}\n"));
    }
    out.push_str("Overdue cards count today; you review at most 5 a day.");
    out
}

/// The first words of a daily review DM of `day`: how an earlier copy is recognised.
pub fn dm_start(day: chrono::NaiveDate) -> String {
    format!("**Spaced review, {}**", day.format("%A %-d %B"))
}

/// The daily review DM: the day's card count and a button that starts the session.
pub fn dm(day: chrono::NaiveDate, cards: u32, group_id: i64) -> serenity::all::CreateMessage {
    let text = format!(
        "{}: {} to review today. A minute each: read the question, answer it in your head, say how it went.\n\
         -# Turn these DMs off with `/review off` in the server.",
        dm_start(day),
        super::count(cards, "card", "cards")
    );
    serenity::all::CreateMessage::new().content(text).allowed_mentions(super::no_pings()).components(vec![
        CreateActionRow::Buttons(vec![
            CreateButton::new(CustomId::ReviewStart { group_id }.encode())
                .label("Start reviewing")
                .style(ButtonStyle::Primary),
        ]),
    ])
}

/// What `/review on|off` replies.
pub fn choices(c: &crate::service::review::Choices) -> String {
    let max = super::count(c.prefs.daily_max, "card", "cards");
    match c.prefs.dm {
        Some(dm) => format!(
            "Daily review DMs are on: at {:02}:00 ({}, the timezone of **{}**) when cards are due, at most {max} a day. \
             The first one comes <t:{}:R>. I send none while you are away. Turn them off with `/review off`.",
            dm.hour,
            c.zone.name(),
            c.group_name,
            dm.next_at.timestamp()
        ),
        None => format!("Daily review DMs are off. `/review start` still shows your due cards, at most {max} a day."),
    }
}
