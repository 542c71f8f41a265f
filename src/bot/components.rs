//! Buttons and modals, routed by their custom id (see `crate::ids`): parse, one service
//! call, render. Every id that names a group is resolved in the guild the interaction came
//! from (by the services), so forged ids cannot reach another server's data.

use super::{BotError, Data, actor, errors};
use crate::error::UserError;
use crate::ids::CustomId;
use crate::render;
use crate::render::checkins::NoteEcho;
use crate::service::catalog;
use crate::service::checkins::CheckinForm;
use poise::serenity_prelude as serenity;
use serenity::{ComponentInteraction, CreateInteractionResponse, Interaction, ModalInteraction};

/// Handles one component or modal interaction; errors become an ephemeral reply.
pub async fn dispatch(ctx: &serenity::Context, data: &Data, interaction: &Interaction) {
    let result = match interaction {
        Interaction::Component(c) => on_component(ctx, data, c).await,
        Interaction::Modal(m) => on_modal(ctx, data, m).await,
        _ => return,
    };
    if let Err(e) = result {
        errors::reply_to_interaction(ctx, interaction, &e).await;
    }
}

fn update(content: String) -> CreateInteractionResponse {
    CreateInteractionResponse::UpdateMessage(crate::render::response().content(content).components(vec![]))
}

async fn on_component(ctx: &serenity::Context, data: &Data, c: &ComponentInteraction) -> Result<(), BotError> {
    let id = CustomId::parse(&c.data.custom_id).ok_or(UserError::UnsupportedButton)?;
    // The syllabus is the curriculum only: it works anywhere, DMs included.
    match id {
        CustomId::Syllabus { path, phase } => {
            let page = catalog::syllabus_page(&data.curriculum, usize::from(path), Some(phase))?;
            let (embed, rows) = render::cards::syllabus(&page);
            let update = crate::render::response().embed(embed).components(rows);
            c.create_response(ctx, CreateInteractionResponse::UpdateMessage(update)).await?;
            return Ok(());
        }
        CustomId::SyllabusWeek { path } => {
            let file = data.curriculum.paths.get(usize::from(path)).ok_or(UserError::UnsupportedButton)?;
            let number = selected(c).and_then(|v| v.parse::<u32>().ok()).ok_or(UserError::UnsupportedButton)?;
            let week = catalog::path_week(file, number)?;
            let message = crate::render::response()
                .embeds(render::cards::week_card(&data.curriculum, file, week))
                .ephemeral(true);
            c.create_response(ctx, CreateInteractionResponse::Message(message)).await?;
            return Ok(());
        }
        CustomId::SearchOpen => {
            let opened = selected(c).and_then(catalog::Opened::parse).ok_or(UserError::UnsupportedButton)?;
            let c_ = &data.curriculum;
            let embeds = match opened {
                catalog::Opened::Week { path, week } => {
                    let file = c_.paths.get(path).ok_or(UserError::UnsupportedButton)?;
                    render::cards::week_card(c_, file, catalog::path_week(file, week)?)
                }
                catalog::Opened::Track(id) => render::cards::track_card(c_, catalog::track(c_, &id)?),
            };
            let message = crate::render::response().embeds(embeds).ephemeral(true);
            c.create_response(ctx, CreateInteractionResponse::Message(message)).await?;
            return Ok(());
        }
        _ => {}
    }
    let who = match id {
        // The check-in button also comes on reminder DMs.
        CustomId::CheckIn { group_id, .. } => {
            actor::of_group_interaction(data, c.guild_id, c.member.as_ref(), &c.user, group_id).await?
        }
        // The daily review DM's button, and the grades of a session it started.
        CustomId::ReviewStart { group_id } => {
            actor::of_group_interaction(data, c.guild_id, c.member.as_ref(), &c.user, group_id).await?
        }
        CustomId::ReviewGrade { card_id, .. } | CustomId::ReviewOutline { card_id, .. } if c.guild_id.is_none() => {
            let name = actor::display_name(None, &c.user);
            data.services.review.dm_actor(c.user.id.get(), name, card_id).await?
        }
        _ => actor::of_interaction(data, c.guild_id, c.member.as_ref(), &c.user).await?,
    };
    let s = &data.services;
    let response = match id {
        CustomId::CheckIn { group_id, week } => {
            let form = s.checkins.open_form(&who, group_id, week).await?;
            CreateInteractionResponse::Modal(render::checkins::checkin_modal(&form))
        }
        CustomId::Assess { group_id, week } => {
            let (embed, rows) = render::checkins::assessment(&s.checkins.assessment_by_id(&who, group_id, week).await?);
            CreateInteractionResponse::Message(crate::render::response().embed(embed).components(rows).ephemeral(true))
        }
        CustomId::Rate { group_id, week, question, rating } => {
            let a = s.checkins.rate(&who, group_id, week, question, rating).await?;
            let (embed, rows) = render::checkins::assessment(&a);
            CreateInteractionResponse::UpdateMessage(
                crate::render::response()
                    .content(format!(
                        "Saved: question {} rated {rating}/5.",
                        a.item.shown_number(usize::from(question))
                    ))
                    .embed(embed)
                    .components(rows),
            )
        }
        CustomId::Skills { group_id, page } => {
            let (embed, rows) = render::checkins::skills(&s.checkins.skills(&who, group_id, page).await?);
            let message = crate::render::response().embed(embed).components(rows);
            // Paging inside the private checklist updates it; the weekly post's button opens it.
            let private = c.message.flags.is_some_and(|f| f.contains(serenity::MessageFlags::EPHEMERAL));
            if private {
                CreateInteractionResponse::UpdateMessage(message)
            } else {
                CreateInteractionResponse::Message(message.ephemeral(true))
            }
        }
        CustomId::RateSkill { group_id, skill, rating } => {
            let page = s.checkins.rate_skill(&who, group_id, skill, rating).await?;
            let (embed, rows) = render::checkins::skills(&page);
            CreateInteractionResponse::UpdateMessage(
                crate::render::response()
                    .content(format!("Saved: skill {} rated {rating}/5.", skill + 1))
                    .embed(embed)
                    .components(rows),
            )
        }
        CustomId::ReviewGrade { card_id, reps, grade, group_id } => {
            let grade = crate::review::Grade::from_number(grade).ok_or(UserError::UnsupportedButton)?;
            let graded = s.review.grade(&who, card_id, reps, grade, group_id).await?;
            let (text, embed, rows) = render::review::graded(&graded, group_id);
            let message = crate::render::response().content(text).components(rows);
            CreateInteractionResponse::UpdateMessage(match embed {
                Some(embed) => message.embeds(vec![embed]),
                None => message.embeds(vec![]),
            })
        }
        CustomId::ReviewOutline { card_id, group_id } => {
            let (text, embed, rows) = render::review::session(&s.review.outline(&who, card_id).await?, group_id);
            let message = crate::render::response().content(text).components(rows);
            CreateInteractionResponse::UpdateMessage(match embed {
                Some(embed) => message.embeds(vec![embed]),
                None => message.embeds(vec![]),
            })
        }
        CustomId::ReviewStart { .. } => {
            let (session, group_id) = s.review.session(&who, None).await?;
            let (text, embed, rows) = render::review::session(&session, group_id);
            let message = crate::render::response().content(text).components(rows).ephemeral(true);
            CreateInteractionResponse::Message(match embed {
                Some(embed) => message.embed(embed),
                None => message,
            })
        }
        CustomId::DeleteGroup { group_id } => {
            let name = s.groups.delete(&who, group_id).await?;
            update(format!("Deleted **{name}** and all its check-ins and ratings."))
        }
        CustomId::Forget => {
            let f = s.checkins.forget(&who).await?;
            update(format!(
                "Done. I deleted {} check-ins, {} ratings and {} group memberships of yours in this server.",
                f.checkins, f.ratings, f.memberships
            ))
        }
        CustomId::BuddyCheck { pair_id, answer } => {
            let answered = s.buddies.answer(&who, pair_id, answer).await?;
            let reply = crate::render::response().content(render::buddies::answered(&answered)).ephemeral(true);
            CreateInteractionResponse::Message(reply)
        }
        CustomId::BuddyHere { pair_id } => {
            let reporter = s.buddies.here(&who, pair_id).await?;
            update(render::buddies::here(who.user_id, reporter))
        }
        CustomId::Cancel => update("Cancelled; nothing was changed.".to_string()),
        CustomId::CheckInModal { .. } => return Err(UserError::FormExpired.into()),
        CustomId::Syllabus { .. } | CustomId::SyllabusWeek { .. } | CustomId::SearchOpen => return Ok(()),
    };
    c.create_response(ctx, response).await?;
    Ok(())
}

/// The option a member picked in a select menu.
fn selected(c: &ComponentInteraction) -> Option<&str> {
    match &c.data.kind {
        serenity::ComponentInteractionDataKind::StringSelect { values } => values.first().map(String::as_str),
        _ => None,
    }
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

async fn on_modal(ctx: &serenity::Context, data: &Data, m: &ModalInteraction) -> Result<(), BotError> {
    let Some(CustomId::CheckInModal { group_id, week }) = CustomId::parse(&m.data.custom_id) else {
        return Err(UserError::UnsupportedForm.into());
    };
    let who = actor::of_group_interaction(data, m.guild_id, m.member.as_ref(), &m.user, group_id).await?;
    let form = CheckinForm {
        status: modal_value(m, "status"),
        hours: modal_value(m, "hours"),
        confidence: modal_value(m, "confidence"),
        note: modal_value(m, "note"),
    };
    let message = match data.services.checkins.submit_form(&who, group_id, week, &form).await {
        Ok(done) => crate::render::response().content(render::checkins::checked_in(&done)),
        // Nothing the member typed is lost: the form re-opens as typed, the note comes back.
        Err(e @ (BotError::User(_) | BotError::NotSaved { .. })) => {
            let text = crate::bot::errors::phrase(&e, "check-in form");
            let refusal = render::checkins::form_refused(&text, group_id, week, &form.note);
            let message = crate::render::response().content(refusal.content).components(refusal.buttons);
            match refusal.note {
                Some(NoteEcho::Embed(embed)) => message.embed(*embed),
                Some(NoteEcho::File(bytes)) => message.add_file(serenity::CreateAttachment::bytes(bytes, "note.txt")),
                None => message,
            }
        }
        Err(e) => return Err(e),
    };
    m.create_response(ctx, CreateInteractionResponse::Message(message.ephemeral(true))).await?;
    Ok(())
}
