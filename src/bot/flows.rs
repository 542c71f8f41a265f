//! Discord-facing flows shared by slash commands and components: finding the group a member
//! means, the check-in modal, the self-assessment buttons, and confirmations.

use super::{BotError, Data, moderator};
use crate::checkins::{self, Report};
use crate::db::{groups as db_groups, members};
use crate::groups::{self, GroupView};
use crate::ids::CustomId;
use crate::render;
use crate::{progress, weeks};
use poise::serenity_prelude as serenity;
use serenity::{
    ButtonStyle, ComponentInteraction, CreateActionRow, CreateButton, CreateEmbed, CreateInputText,
    CreateInteractionResponse, CreateInteractionResponseMessage, CreateModal, InputTextStyle, ModalInteraction,
};

/// Finds the group a member means: by id (autocomplete value) or name; without one, the
/// server's only group, or the only group the member belongs to.
pub async fn resolve_group(data: &Data, guild: u64, user: u64, option: Option<&str>) -> Result<GroupView, BotError> {
    let all = db_groups::list(&data.db, guild).await?;
    if all.is_empty() {
        return Err(BotError::user(
            "This server has no study groups yet. A moderator can create one with `/group create`.",
        ));
    }
    let row = match option.map(str::trim).filter(|s| !s.is_empty()) {
        Some(text) => {
            let by_id = text.parse::<i64>().ok().and_then(|id| all.iter().find(|g| g.id == id));
            let by_name = all.iter().find(|g| g.name.eq_ignore_ascii_case(text));
            match by_id.or(by_name) {
                Some(g) => g.clone(),
                None => {
                    let names: Vec<&str> = all.iter().map(|g| g.name.as_str()).collect();
                    let guesses = crate::search::did_you_mean(text, names.iter().copied());
                    let shown: String = text.chars().take(60).collect();
                    let hint = if guesses.is_empty() {
                        format!("The groups here are: {}.", names.join(", "))
                    } else {
                        format!("Did you mean {}?", guesses.join(" or "))
                    };
                    return Err(BotError::user(format!("There is no group called \"{shown}\" in this server. {hint}")));
                }
            }
        }
        None if all.len() == 1 => all[0].clone(),
        None => {
            let mine = members::member_groups(&data.db, guild, user).await?;
            let mine: Vec<_> = all.iter().filter(|g| mine.contains(&g.id)).collect();
            if mine.len() == 1 {
                mine[0].clone()
            } else {
                let names: Vec<&str> = all.iter().map(|g| g.name.as_str()).collect();
                return Err(BotError::user(format!(
                    "This server has several groups ({}). Pick one with the `group` option.",
                    names.join(", ")
                )));
            }
        }
    };
    Ok(groups::view_of(&data.db, &data.curriculum, row).await?)
}

/// Loads a group named by a custom id, refusing ids from other servers.
pub async fn group_from_id(data: &Data, guild: u64, group_id: i64) -> Result<GroupView, BotError> {
    groups::load(&data.db, &data.curriculum, guild, group_id)
        .await?
        .ok_or_else(|| BotError::user("That study group no longer exists in this server."))
}

fn display_name_of(c_member: Option<&serenity::Member>, user: &serenity::User) -> String {
    c_member
        .map(|m| m.display_name().to_string())
        .unwrap_or_else(|| user.global_name.clone().unwrap_or_else(|| user.name.clone()))
}

/// The confirmation text after a check-in.
pub fn checkin_done_text(view: &GroupView, stored: &checkins::Stored, r: &Report) -> String {
    let verb = if stored.updated { "Updated your check-in" } else { "Checked in" };
    let note = if r.note.is_some() { ", with a note" } else { "" };
    let again = if stored.updated {
        " (you had already checked in for this week, so the earlier one was replaced)"
    } else {
        ""
    };
    format!(
        "{verb} for week {} of **{}**: {}, {} h, confidence {}/5{note}{again}.",
        stored.week,
        view.row.name,
        r.status.as_str(),
        r.hours,
        r.confidence
    )
}

/// "Check in" button: opens the modal, pre-filled with an existing check-in.
pub async fn open_checkin_modal(
    ctx: &serenity::Context,
    data: &Data,
    c: &ComponentInteraction,
    guild: u64,
    group_id: i64,
    week: u32,
) -> Result<(), BotError> {
    let view = group_from_id(data, guild, group_id).await?;
    let week = checkins::target_week(&view, Some(week), data.now()).map_err(BotError::User)?;
    let existing =
        members::checkins(&data.db, guild, group_id, c.user.id.get()).await?.into_iter().find(|x| x.week == week);
    let (status, hours, confidence, note) = match &existing {
        Some(e) => (
            e.status.as_str().to_string(),
            e.hours.to_string(),
            e.confidence.to_string(),
            e.note.clone().unwrap_or_default(),
        ),
        None => ("done".to_string(), String::new(), String::new(), String::new()),
    };
    let title: String = format!("Week {week} check-in").chars().take(45).collect();
    let mut status_in = CreateInputText::new(InputTextStyle::Short, "Status: done, partial or skipped", "status")
        .min_length(1)
        .max_length(10);
    status_in = status_in.value(status);
    let mut hours_in = CreateInputText::new(InputTextStyle::Short, "Hours spent this week", "hours")
        .placeholder("e.g. 4 or 2.5")
        .max_length(6);
    if !hours.is_empty() {
        hours_in = hours_in.value(hours);
    }
    let mut conf_in = CreateInputText::new(InputTextStyle::Short, "Confidence, 1 (low) to 5 (high)", "confidence")
        .placeholder("1-5")
        .max_length(1);
    if !confidence.is_empty() {
        conf_in = conf_in.value(confidence);
    }
    let mut note_in = CreateInputText::new(InputTextStyle::Paragraph, "Note (optional)", "note")
        .required(false)
        .max_length(checkins::MAX_NOTE as u16);
    if !note.is_empty() {
        note_in = note_in.value(note);
    }
    let modal = CreateModal::new(CustomId::CheckInModal { group_id, week }.encode(), title).components(vec![
        CreateActionRow::InputText(status_in),
        CreateActionRow::InputText(hours_in),
        CreateActionRow::InputText(conf_in),
        CreateActionRow::InputText(note_in),
    ]);
    c.create_response(ctx, CreateInteractionResponse::Modal(modal)).await?;
    Ok(())
}

fn modal_value(m: &ModalInteraction, id: &str) -> String {
    m.data
        .components
        .iter()
        .flat_map(|row| row.components.iter())
        .find_map(|c| match c {
            serenity::ActionRowComponent::InputText(t) if t.custom_id == id => t.value.clone(),
            _ => None,
        })
        .unwrap_or_default()
}

/// The check-in modal was submitted.
pub async fn submit_checkin_modal(
    ctx: &serenity::Context,
    data: &Data,
    m: &ModalInteraction,
    guild: u64,
    group_id: i64,
    week: u32,
) -> Result<(), BotError> {
    let note = modal_value(m, "note");
    let keep = |msg: String| {
        // Nothing the member typed is lost: their note comes back with the error.
        if note.trim().is_empty() {
            BotError::User(msg)
        } else {
            let shown: String = note.chars().take(checkins::MAX_NOTE + 100).collect();
            BotError::User(format!("{msg}\n\nNothing was saved. Your note, to copy back:\n```\n{shown}\n```"))
        }
    };
    let view = group_from_id(data, guild, group_id).await?;
    let report = checkins::parse_modal(
        &modal_value(m, "status"),
        &modal_value(m, "hours"),
        &modal_value(m, "confidence"),
        &note,
    )
    .map_err(keep)?;
    let now = data.now();
    let week = checkins::target_week(&view, Some(week), now).map_err(keep)?;
    let name = display_name_of(m.member.as_ref(), &m.user);
    let stored = checkins::record(&data.db, &view, guild, m.user.id.get(), &name, week, &report, now).await?;
    m.create_response(
        ctx,
        CreateInteractionResponse::Message(
            CreateInteractionResponseMessage::new().content(checkin_done_text(&view, &stored, &report)).ephemeral(true),
        ),
    )
    .await?;
    Ok(())
}

/// The self-assessment view: the week's questions and a row of 1-5 buttons per question,
/// the member's current ratings highlighted.
pub async fn assess_view(
    data: &Data,
    view: &GroupView,
    guild: u64,
    user: u64,
    week: u32,
) -> Result<(CreateEmbed, Vec<CreateActionRow>), BotError> {
    let path = view
        .path(&data.curriculum)
        .ok_or_else(|| BotError::Internal(anyhow::anyhow!("path {} missing", view.row.path_id)))?;
    let w = path.week(week).ok_or_else(|| BotError::user(format!("Week {week} does not exist in this path.")))?;
    let mine: Vec<(u32, u8, u8)> =
        members::ratings(&data.db, guild, view.row.id, user).await?.into_iter().filter(|r| r.0 == week).collect();
    let embed = render::questions_embed(w).title(format!("Self-assessment, week {week}: {}", w.title)).footer(
        serenity::CreateEmbedFooter::new(
            "Row 1 rates question 1, row 2 question 2, and so on. Press again to change a rating.",
        ),
    );
    let rows = w
        .questions
        .iter()
        .enumerate()
        .take(crate::limits::ACTION_ROWS)
        .map(|(q, _)| {
            let chosen = mine.iter().find(|r| r.1 as usize == q).map(|r| r.2);
            CreateActionRow::Buttons(
                (1..=5u8)
                    .map(|rating| {
                        let id = CustomId::Rate { group_id: view.row.id, week, question: q as u8, rating };
                        let style = if chosen == Some(rating) { ButtonStyle::Success } else { ButtonStyle::Secondary };
                        let label = if rating == 1 { format!("Q{}: 1", q + 1) } else { rating.to_string() };
                        CreateButton::new(id.encode()).label(label).style(style)
                    })
                    .collect(),
            )
        })
        .collect();
    Ok((embed, rows))
}

/// "Rate yourself" button: shows the rating view to the member only.
pub async fn show_assess(
    ctx: &serenity::Context,
    data: &Data,
    c: &ComponentInteraction,
    guild: u64,
    group_id: i64,
    week: u32,
) -> Result<(), BotError> {
    let view = group_from_id(data, guild, group_id).await?;
    let week = checkins::target_week(&view, Some(week), data.now()).map_err(BotError::User)?;
    let (embed, rows) = assess_view(data, &view, guild, c.user.id.get(), week).await?;
    c.create_response(
        ctx,
        CreateInteractionResponse::Message(
            CreateInteractionResponseMessage::new().embed(embed).components(rows).ephemeral(true),
        ),
    )
    .await?;
    Ok(())
}

/// A rating button: stores the rating and updates the view in place.
#[allow(clippy::too_many_arguments)]
pub async fn rate(
    ctx: &serenity::Context,
    data: &Data,
    c: &ComponentInteraction,
    guild: u64,
    group_id: i64,
    week: u32,
    question: u8,
    rating: u8,
) -> Result<(), BotError> {
    let view = group_from_id(data, guild, group_id).await?;
    let now = data.now();
    checkins::target_week(&view, Some(week), now).map_err(BotError::User)?;
    let questions = view.path(&data.curriculum).and_then(|p| p.week(week)).map(|w| w.questions.len()).unwrap_or(0);
    if question as usize >= questions {
        return Err(BotError::user("That question does not exist for this week."));
    }
    let name = display_name_of(c.member.as_ref(), &c.user);
    members::set_rating(&data.db, guild, group_id, c.user.id.get(), &name, week, question, rating, &now.to_rfc3339())
        .await?;
    let (embed, rows) = assess_view(data, &view, guild, c.user.id.get(), week).await?;
    c.create_response(
        ctx,
        CreateInteractionResponse::UpdateMessage(
            CreateInteractionResponseMessage::new()
                .content(format!("Saved: question {} rated {rating}/5.", question + 1))
                .embed(embed)
                .components(rows),
        ),
    )
    .await?;
    Ok(())
}

/// Confirm and cancel buttons for a destructive action.
pub fn confirm_buttons(confirm: CustomId, label: &str) -> Vec<CreateActionRow> {
    vec![CreateActionRow::Buttons(vec![
        CreateButton::new(confirm.encode()).label(label).style(ButtonStyle::Danger),
        CreateButton::new(CustomId::Cancel.encode()).label("Cancel").style(ButtonStyle::Secondary),
    ])]
}

/// `/group delete` confirmed. The moderator check is repeated here: a button can be pressed
/// by anyone who can see it, and its custom id can be forged.
pub async fn confirm_delete(
    ctx: &serenity::Context,
    data: &Data,
    c: &ComponentInteraction,
    guild: u64,
    group_id: i64,
) -> Result<(), BotError> {
    let allowed =
        c.member.as_ref().is_some_and(|m| moderator::is_moderator(ctx, data, serenity::GuildId::new(guild), m));
    if !allowed {
        return Err(BotError::user("Only moderators can delete study groups."));
    }
    let view = group_from_id(data, guild, group_id).await?;
    db_groups::delete(&data.db, guild, group_id).await?;
    c.create_response(
        ctx,
        CreateInteractionResponse::UpdateMessage(
            CreateInteractionResponseMessage::new()
                .content(format!("Deleted **{}** and all its check-ins and ratings.", view.row.name))
                .components(vec![]),
        ),
    )
    .await?;
    Ok(())
}

/// `/forget-me` confirmed: deletes the member's rows in this server.
pub async fn confirm_forget(
    ctx: &serenity::Context,
    data: &Data,
    c: &ComponentInteraction,
    guild: u64,
) -> Result<(), BotError> {
    let f = members::forget(&data.db, guild, c.user.id.get()).await?;
    c.create_response(
        ctx,
        CreateInteractionResponse::UpdateMessage(
            CreateInteractionResponseMessage::new()
                .content(format!(
                    "Done. I deleted {} check-ins, {} ratings and {} group memberships of yours in this server.",
                    f.checkins, f.ratings, f.memberships
                ))
                .components(vec![]),
        ),
    )
    .await?;
    Ok(())
}

/// Progress embeds of one member, one per group (at most 10).
pub async fn progress_embeds(
    data: &Data,
    guild: u64,
    user_id: u64,
    who: &str,
    groups: &[i64],
) -> Result<Vec<CreateEmbed>, BotError> {
    let now = data.now();
    let mut embeds = Vec::new();
    for &group_id in groups.iter().take(crate::limits::EMBEDS) {
        let view = group_from_id(data, guild, group_id).await?;
        let held = match view.schedule.latest_started(now) {
            Some(k) => weeks::weeks_held(k, &view.breaks, view.total_weeks),
            None => Vec::new(),
        };
        let checkins = members::checkins(&data.db, guild, group_id, user_id).await?;
        let ratings = members::ratings(&data.db, guild, group_id, user_id).await?;
        let p = progress::compute(&held, &checkins, &ratings);
        let path = view.path(&data.curriculum);
        let weakest: Vec<String> = p
            .weakest
            .iter()
            .map(|(w, avg)| {
                let title = path.and_then(|p| p.week(*w)).map(|x| x.title.clone()).unwrap_or_default();
                format!("- Week {w}: {title} (average {avg:.1}/5)")
            })
            .collect();
        let mut e = CreateEmbed::new()
            .title(format!("{who}: {}", view.row.name))
            .colour(render::COLOUR)
            .field("Weeks checked in", format!("{} of {} held", p.weeks_checked_in, p.weeks_held), true)
            .field("Current streak", format!("{} weeks", p.current_streak), true)
            .field("Best streak", format!("{} weeks", p.best_streak), true)
            .field("Hours", format!("{:.1}", p.hours), true)
            .field(
                "Average confidence",
                p.average_confidence.map(|c| format!("{c:.1}/5")).unwrap_or_else(|| "n/a".into()),
                true,
            );
        if !weakest.is_empty() {
            e = e.field("Weakest topics (self-assessment)", weakest.join("\n"), false);
        }
        embeds.push(e);
    }
    Ok(embeds)
}
