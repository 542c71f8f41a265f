//! Views of check-ins and self-assessment: the confirmation, the check-in form, the rating
//! buttons, and the echo of what a member typed when a form was refused.

use super::COLOUR;
use crate::ids::CustomId;
use crate::limits;
use crate::model::{CheckinEntry, GroupView};
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
        c.week,
        super::escape_markdown(&c.view.group.name),
        c.entry.status,
        c.entry.hours,
        c.entry.confidence
    )
}

/// What a member typed for `/checkin`, to send again when it could not be stored.
pub fn typed_checkin(entry: &CheckinEntry, group: Option<&str>, week: Option<u32>) -> String {
    let mut line =
        format!("/checkin status:{} hours:{} confidence:{}", entry.status.label(), entry.hours, entry.confidence);
    if let Some(g) = group {
        line.push_str(&format!(" group:{g}"));
    }
    if let Some(w) = week {
        line.push_str(&format!(" week:{w}"));
    }
    if let Some(n) = &entry.note {
        line.push_str(&format!(" note:{n}"));
    }
    // In a code block only backticks could format; they become look-alikes.
    let line: String = line.replace('`', "\u{2035}").chars().take(1800).collect();
    format!("What you typed, to send again:\n```\n{line}\n```")
}

/// A value cut to an input's `max_length` (Discord refuses a longer pre-filled value).
fn clip(value: &str, max: usize) -> String {
    value.chars().take(max).collect()
}

/// The check-in form, filled with the member's current values.
pub fn checkin_modal(f: &OpenForm) -> CreateModal {
    let title: String = format!("Week {} check-in", f.week).chars().take(limits::MODAL_TITLE).collect();
    let status = CreateInputText::new(InputTextStyle::Short, "Status: done, partial or no time", "status")
        .min_length(1)
        .max_length(10)
        .value(clip(&f.form.status, 10));
    let mut hours = CreateInputText::new(InputTextStyle::Short, "Hours spent this week", "hours")
        .placeholder("e.g. 4 or 2.5")
        .max_length(6);
    if !f.form.hours.is_empty() {
        hours = hours.value(clip(&f.form.hours, 6));
    }
    let mut confidence = CreateInputText::new(InputTextStyle::Short, "Confidence, 1 (low) to 5 (high)", "confidence")
        .placeholder("1-5")
        .max_length(1);
    if !f.form.confidence.is_empty() {
        confidence = confidence.value(clip(&f.form.confidence, 1));
    }
    let mut note = CreateInputText::new(InputTextStyle::Paragraph, "Note (optional)", "note")
        .required(false)
        .placeholder("Moderators of this server can read your note.")
        .max_length(MAX_NOTE as u16);
    if !f.form.note.is_empty() {
        note = note.value(clip(&f.form.note, MAX_NOTE));
    }
    CreateModal::new(CustomId::CheckInModal { group_id: f.group_id, week: f.week }.encode(), title).components(vec![
        CreateActionRow::InputText(status),
        CreateActionRow::InputText(hours),
        CreateActionRow::InputText(confidence),
        CreateActionRow::InputText(note),
    ])
}

/// A refused check-in form: what was wrong, a button that re-opens the form with everything
/// the member typed, and their whole note (escaped so its own markdown, code fences included,
/// shows as typed; as a file when it is too long for an embed).
pub struct FormRefusal {
    pub content: String,
    pub note: Option<NoteEcho>,
    pub buttons: Vec<CreateActionRow>,
}

pub enum NoteEcho {
    Embed(Box<CreateEmbed>),
    /// The note as `note.txt`.
    File(Vec<u8>),
}

pub fn form_refused(message: &str, group_id: i64, week: u32, note: &str) -> FormRefusal {
    let fix = CreateButton::new(CustomId::CheckIn { group_id, week }.encode())
        .label("Fix my check-in")
        .style(ButtonStyle::Primary);
    let mut content =
        format!("{message}\n\nNothing was saved. Press **Fix my check-in** to get the form back as you typed it.");
    let note = (!note.trim().is_empty()).then(|| {
        let escaped = super::escape_markdown(note);
        if escaped.chars().count() <= limits::EMBED_DESCRIPTION {
            NoteEcho::Embed(Box::new(CreateEmbed::new().title("Your note").description(escaped).colour(COLOUR)))
        } else {
            NoteEcho::File(note.as_bytes().to_vec())
        }
    });
    if note.is_some() {
        content.push_str(" Your note is below too, to copy.");
    }
    FormRefusal { content, note, buttons: vec![CreateActionRow::Buttons(vec![fix])] }
}

/// A row of 1-5 rating buttons for one item (`name` labels the first, e.g. "Q2: 1"), the
/// member's current rating highlighted.
fn rating_row(name: &str, chosen: Option<u8>, id: impl Fn(u8) -> CustomId) -> CreateActionRow {
    CreateActionRow::Buttons(
        (1..=5u8)
            .map(|rating| {
                let style = if chosen == Some(rating) { ButtonStyle::Success } else { ButtonStyle::Secondary };
                let label = if rating == 1 { format!("{name}: 1") } else { rating.to_string() };
                CreateButton::new(id(rating).encode()).label(label).style(style)
            })
            .collect(),
    )
}

/// The self-assessment: the week's questions and a row of 1-5 buttons per question, the
/// member's current ratings highlighted.
pub fn assessment(a: &Assessment) -> (CreateEmbed, Vec<CreateActionRow>) {
    let embed = super::questions_embed(&a.item)
        .title(format!("Self-assessment, week {}: {}", a.week, a.title))
        .colour(COLOUR)
        .footer(CreateEmbedFooter::new(
            "Each row of buttons rates the question it names (Q1, Q2...). Press again to change a rating.",
        ));
    // One row of buttons per rated question; reflective prompts get none.
    let rows = (0..a.item.questions.len())
        .filter(|q| a.item.is_rated(*q))
        .take(limits::ACTION_ROWS)
        .map(|q| {
            rating_row(&format!("Q{}", a.item.shown_number(q)), a.rating_of(q), |rating| CustomId::Rate {
                group_id: a.group_id,
                week: a.week,
                question: q as u8,
                rating,
            })
        })
        .collect();
    (embed, rows)
}

/// `/remind`: what the member now gets.
pub fn reminders(on: bool, joined: Option<&GroupView>) -> String {
    match (on, joined) {
        (true, Some(v)) => format!(
            "You are in **{}**: its reminders will come to you as a direct message before each weekly post \
             (keep DMs from this server open).",
            super::escape_markdown(&v.group.name)
        ),
        (true, None) => "Reminder DMs are on. Join a group with `/join group:` to get its reminders \
                         before each weekly post."
            .to_string(),
        (false, _) => "Reminder DMs are off. The reminder in the group channel never mentions anyone.".to_string(),
    }
}

/// The first DM of `/remind on`.
pub fn welcome_dm(joined: Option<&GroupView>) -> String {
    match joined {
        Some(v) => format!(
            "Reminder DMs are on: before each weekly post of **{}** I will write to you here.              Turn them off with `/remind off` in the server.",
            super::escape_markdown(&v.group.name)
        ),
        None => "Reminder DMs are on: I will write to you here before each weekly post of your groups.                  Turn them off with `/remind off` in the server."
            .to_string(),
    }
}

/// `/remind on`, after its first DM: what to fix when it did not arrive.
pub fn reminders_with_dm(joined: Option<&GroupView>, dm: &crate::model::WelcomeDm) -> String {
    use crate::model::WelcomeDm;
    match dm {
        WelcomeDm::Sent => format!("{} I sent you a first DM just now.", reminders(true, joined)),
        WelcomeDm::Closed => "I could not send you a direct message: your DMs are closed to me, so reminder DMs                               stay **off**. Allow direct messages from this server's members (the server's                               Privacy Settings, or User Settings → Privacy & Safety), then run `/remind on` again."
            .to_string(),
        WelcomeDm::Failed(_) => format!(
            "{} (My first DM did not go through just now; Discord had a problem. The reminders will try again.)",
            reminders(true, joined)
        ),
    }
}

/// `/join` done.
pub fn joined(v: &GroupView, week: u32) -> String {
    format!(
        "You are in **{}** from week {week}: `/progress` counts from there, and `/remind on` sends you its \
         reminders as a direct message.",
        super::escape_markdown(&v.group.name)
    )
}

/// `/forget-me`: the warning above the confirm buttons.
pub const FORGET_WARNING: &str = "This deletes all your check-ins, self-assessment ratings and group memberships in this server. It cannot be undone.";

/// `/my-data`: the file (pretty JSON, every stored row) and the text beside it.
pub fn my_data(data: &crate::service::my_data::MemberData) -> Result<(String, Vec<u8>), serde_json::Error> {
    let file = serde_json::to_vec_pretty(data)?;
    let text = match &data.profile {
        None if data.checkins.is_empty() && data.groups_created.is_empty() => {
            "Nothing is stored about you in this server.".to_string()
        }
        _ => format!(
            "Everything this bot stores about you in this server: {} check-in{} (with their notes, which this \
             server's moderators can read), {} self-assessment rating{}, {} group membership{}. `/forget-me` \
             deletes it.",
            data.checkins.len(),
            if data.checkins.len() == 1 { "" } else { "s" },
            data.ratings.len(),
            if data.ratings.len() == 1 { "" } else { "s" },
            data.memberships.len(),
            if data.memberships.len() == 1 { "" } else { "s" },
        ),
    };
    Ok((text, file))
}

/// `/away set` done.
/// `joined`: the week the member's membership counts from, when setting this joined them.
pub fn away_set(
    v: &GroupView,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
    weeks: &[u32],
    joined: Option<u32>,
) -> String {
    let list: Vec<String> = weeks.iter().map(u32::to_string).collect();
    let name = super::escape_markdown(&v.group.name);
    let joined = match joined {
        Some(w) => format!(
            " You were not in **{name}** yet: this made you a member, with your progress counted from week {w} \
             (`/progress`)."
        ),
        None => String::new(),
    };
    format!(
        "Away from **{name}** from {from} to {to}: week{} {}. They keep your streak, do not count as missed, and \
         you get no reminder DM for them. Check in anyway if you do study. `/away cancel` undoes it.{joined}",
        if weeks.len() == 1 { "" } else { "s" },
        list.join(", ")
    )
}

/// `/away cancel` done.
pub fn away_cancelled(v: &GroupView) -> String {
    format!(
        "Your away period in **{}** is cancelled: every week counts as usual.",
        super::escape_markdown(&v.group.name)
    )
}

/// The skills checklist page: the skills with their areas, a row of 1-5 buttons per skill
/// (the member's ratings highlighted), and a row to page through the checklist.
pub fn skills(p: &crate::service::checkins::SkillsPage) -> (CreateEmbed, Vec<CreateActionRow>) {
    let lines: Vec<String> =
        p.items.iter().map(|(i, area, skill)| format!("**S{}.** {skill} _({area})_", i + 1)).collect();
    let embed = CreateEmbed::new()
        .title(format!("Skills checklist ({}/{})", p.page + 1, p.pages))
        .description(format!("Rate yourself from 1 (not yet) to 5 (done it, could lead it):\n{}", lines.join("\n")))
        .colour(COLOUR);
    let mut rows: Vec<CreateActionRow> = p
        .items
        .iter()
        .map(|(i, _, _)| {
            let chosen = p.mine.iter().find(|(s, _)| s == i).map(|(_, r)| *r);
            rating_row(&format!("S{}", i + 1), chosen, |rating| CustomId::RateSkill {
                group_id: p.group_id,
                skill: *i,
                rating,
            })
        })
        .collect();
    let nav = |label: &str, page: u8, enabled: bool| {
        CreateButton::new(CustomId::Skills { group_id: p.group_id, page }.encode())
            .label(label)
            .style(ButtonStyle::Primary)
            .disabled(!enabled)
    };
    rows.push(CreateActionRow::Buttons(vec![
        nav("Previous", p.page.saturating_sub(1), p.page > 0),
        nav("Next", p.page + 1, p.page + 1 < p.pages),
    ]));
    (embed, rows)
}
