//! Buttons and modals: routed by their custom id (see `crate::ids`). Every id that names a
//! group is checked against the guild the interaction came from before anything is read or
//! written, so forged ids cannot reach another server's data.

use super::flows;
use super::{BotError, Data, INTERNAL_MESSAGE};
use crate::ids::CustomId;
use poise::serenity_prelude as serenity;
use serenity::{
    ComponentInteraction, CreateInteractionResponse, CreateInteractionResponseMessage, Interaction, ModalInteraction,
};
use tracing::{error, warn};

/// Handles one component or modal interaction; errors become an ephemeral reply.
pub async fn dispatch(ctx: &serenity::Context, data: &Data, interaction: &Interaction) {
    let result = match interaction {
        Interaction::Component(c) => on_component(ctx, data, c).await,
        Interaction::Modal(m) => on_modal(ctx, data, m).await,
        _ => return,
    };
    if let Err(e) = result {
        let message = match e {
            BotError::User(m) => m,
            BotError::Internal(e) => {
                error!("component interaction failed: {e:#}");
                INTERNAL_MESSAGE.to_string()
            }
        };
        let response = CreateInteractionResponse::Message(
            CreateInteractionResponseMessage::new().content(message).ephemeral(true),
        );
        let sent = match interaction {
            Interaction::Component(c) => c.create_response(ctx, response).await,
            Interaction::Modal(m) => m.create_response(ctx, response).await,
            _ => Ok(()),
        };
        if let Err(e) = sent {
            warn!("could not send the error reply: {e}");
        }
    }
}

fn guild_of(guild_id: Option<serenity::GuildId>) -> Result<u64, BotError> {
    guild_id.map(|g| g.get()).ok_or_else(|| BotError::user("This only works inside a server."))
}

async fn on_component(ctx: &serenity::Context, data: &Data, c: &ComponentInteraction) -> Result<(), BotError> {
    let Some(id) = CustomId::parse(&c.data.custom_id) else {
        return Err(BotError::user("This button is no longer supported. Please use the slash commands."));
    };
    let guild = guild_of(c.guild_id)?;
    match id {
        CustomId::CheckIn { group_id, week } => flows::open_checkin_modal(ctx, data, c, guild, group_id, week).await,
        CustomId::Assess { group_id, week } => flows::show_assess(ctx, data, c, guild, group_id, week).await,
        CustomId::Rate { group_id, week, question, rating } => {
            flows::rate(ctx, data, c, guild, group_id, week, question, rating).await
        }
        CustomId::DeleteGroup { group_id } => flows::confirm_delete(ctx, data, c, guild, group_id).await,
        CustomId::Forget => flows::confirm_forget(ctx, data, c, guild).await,
        CustomId::Cancel => {
            c.create_response(
                ctx,
                CreateInteractionResponse::UpdateMessage(
                    CreateInteractionResponseMessage::new()
                        .content("Cancelled; nothing was changed.")
                        .components(vec![]),
                ),
            )
            .await?;
            Ok(())
        }
        CustomId::CheckInModal { .. } => Err(BotError::user("That form has expired; press the button again.")),
    }
}

async fn on_modal(ctx: &serenity::Context, data: &Data, m: &ModalInteraction) -> Result<(), BotError> {
    let guild = guild_of(m.guild_id)?;
    match CustomId::parse(&m.data.custom_id) {
        Some(CustomId::CheckInModal { group_id, week }) => {
            flows::submit_checkin_modal(ctx, data, m, guild, group_id, week).await
        }
        _ => Err(BotError::user("That form is no longer supported. Please use /checkin.")),
    }
}
