//! Views of check-ins and self-assessment: the confirmation, the check-in form, the rating
//! buttons, and the echo of what a member typed when a form was refused.

use super::COLOUR;
use crate::ids::CustomId;
use crate::limits;
use crate::service::checkins::{Assessment, CheckedIn, MAX_NOTE, OpenForm};
use serenity::all::{
    ButtonStyle, CreateActionRow, CreateButton, CreateEmbed, CreateEmbedFooter, CreateInputText, CreateModal,
    InputTextStyle,
};

/// The confirmation after a check-in.
pub fn checked_in(c: &CheckedIn) -> String {
    let verb = if c.updated { "Updated your check-in" } else { "Checked in" };
    let note = if c.entry.note.is_some() { ", with a note" } else { "" };
    let again =
        if c.updated { " (you had already checked in for this week, so the earlier one was replaced)" } else { "" };
    format!(
        "{verb} for week {} of **{}**: {}, {} h, confidence {}/5{note}{again}.",
        c.week, c.view.group.name, c.entry.status, c.entry.hours, c.entry.confidence
    )
}

/// The check-in form, filled with the member's current values.
pub fn checkin_modal(f: &OpenForm) -> CreateModal {
    let title: String = format!("Week {} check-in", f.week).chars().take(limits::MODAL_TITLE).collect();
    let status = CreateInputText::new(InputTextStyle::Short, "Status: done, partial or skipped", "status")
        .min_length(1)
        .max_length(10)
        .value(f.form.status.clone());
    let mut hours = CreateInputText::new(InputTextStyle::Short, "Hours spent this week", "hours")
        .placeholder("e.g. 4 or 2.5")
        .max_length(6);
    if !f.form.hours.is_empty() {
        hours = hours.value(f.form.hours.clone());
    }
    let mut confidence = CreateInputText::new(InputTextStyle::Short, "Confidence, 1 (low) to 5 (high)", "confidence")
        .placeholder("1-5")
        .max_length(1);
    if !f.form.confidence.is_empty() {
        confidence = confidence.value(f.form.confidence.clone());
    }
    let mut note = CreateInputText::new(InputTextStyle::Paragraph, "Note (optional)", "note")
        .required(false)
        .max_length(MAX_NOTE as u16);
    if !f.form.note.is_empty() {
        note = note.value(f.form.note.clone());
    }
    CreateModal::new(CustomId::CheckInModal { group_id: f.group_id, week: f.week }.encode(), title).components(vec![
        CreateActionRow::InputText(status),
        CreateActionRow::InputText(hours),
        CreateActionRow::InputText(confidence),
        CreateActionRow::InputText(note),
    ])
}

/// A refusal of the check-in form with the member's note, so nothing typed is lost.
pub fn refused_with_note(message: &str, note: &str) -> String {
    if note.trim().is_empty() {
        return message.to_string();
    }
    let shown: String = note.chars().take(MAX_NOTE + 100).collect();
    format!("{message}\n\nNothing was saved. Your note, to copy back:\n```\n{shown}\n```")
}

/// The self-assessment: the week's questions and a row of 1-5 buttons per question, the
/// member's current ratings highlighted.
pub fn assessment(a: &Assessment) -> (CreateEmbed, Vec<CreateActionRow>) {
    let embed = super::questions_embed_of(a.week, &a.questions)
        .title(format!("Self-assessment, week {}: {}", a.week, a.title))
        .colour(COLOUR)
        .footer(CreateEmbedFooter::new(
            "Row 1 rates question 1, row 2 question 2, and so on. Press again to change a rating.",
        ));
    let rows = (0..a.questions.len())
        .take(limits::ACTION_ROWS)
        .map(|q| {
            let chosen = a.rating_of(q);
            CreateActionRow::Buttons(
                (1..=5u8)
                    .map(|rating| {
                        let id = CustomId::Rate { group_id: a.group_id, week: a.week, question: q as u8, rating };
                        let style = if chosen == Some(rating) { ButtonStyle::Success } else { ButtonStyle::Secondary };
                        let label = if rating == 1 { format!("Q{}: 1", q + 1) } else { rating.to_string() };
                        CreateButton::new(id.encode()).label(label).style(style)
                    })
                    .collect(),
            )
        })
        .collect();
    (embed, rows)
}

/// `/remind`: what the member now gets.
pub fn reminders(on: bool) -> &'static str {
    if on {
        "Reminders will come to you as a direct message before each weekly post."
    } else {
        "Reminder DMs are off. The reminder in the group channel never mentions anyone."
    }
}

/// `/forget-me`: the warning above the confirm buttons.
pub const FORGET_WARNING: &str = "This deletes all your check-ins, self-assessment ratings and group memberships in this server. It cannot be undone.";
