//! The one place where errors become replies: a [`UserError`] is shown as is, ephemeral;
//! anything else is logged with context and the user sees [`INTERNAL_MESSAGE`].

use super::{Data, reply};
use crate::error::{Error, INTERNAL_MESSAGE, UserError};
use poise::serenity_prelude as serenity;
use tracing::{error, warn};

/// The text a user sees for `e`; internal errors are logged here with `what` as context.
pub fn phrase(e: &Error, what: &str) -> String {
    match e {
        Error::User(u) => u.to_string(),
        other => {
            error!("{what} failed: {other}");
            INTERNAL_MESSAGE.to_string()
        }
    }
}

/// poise's error hook for every command.
pub async fn on_error(error: poise::FrameworkError<'_, Data, Error>) {
    use poise::FrameworkError as F;
    let (ctx, message) = match error {
        F::Command { error, ctx, .. } => {
            let what = format!("command /{} by user {}", ctx.command().qualified_name, ctx.author().id);
            (ctx, phrase(&error, &what))
        }
        F::ArgumentParse { error, input, ctx, .. } => {
            let shown = input.map(|i| format!(" `{}`", i.chars().take(100).collect::<String>())).unwrap_or_default();
            (ctx, format!("I couldn't understand the value{shown}: {error}. Please check the command's options."))
        }
        F::MissingUserPermissions { ctx, .. } | F::CommandCheckFailed { ctx, error: None, .. } => {
            (ctx, UserError::NotModerator.to_string())
        }
        F::CommandCheckFailed { ctx, error: Some(e), .. } => (ctx, phrase(&e, "command check")),
        F::CommandStructureMismatch { ctx, description, .. } => {
            warn!(command = %ctx.command().qualified_name, "option mismatch: {description}");
            (
                poise::Context::Application(ctx),
                "Discord sent options this command does not have (its definition may be updating). Please try again in a minute."
                    .to_string(),
            )
        }
        F::GuildOnly { ctx, .. } => (ctx, UserError::GuildOnly.to_string()),
        F::CommandPanic { ctx, payload, .. } => {
            error!(command = %ctx.command().qualified_name, "command panicked: {payload:?}");
            (ctx, INTERNAL_MESSAGE.to_string())
        }
        F::EventHandler { error, event, .. } => {
            error!(event = ?event.snake_case_name(), "event handler failed: {error}");
            return;
        }
        other => {
            if let Err(e) = poise::builtins::on_error(other).await {
                error!("error while handling an error: {e}");
            }
            return;
        }
    };
    if let Err(e) = reply::text(ctx, message).await {
        warn!("could not send the error reply: {e}");
    }
}

/// Answers a failed component or modal interaction with the phrased error, ephemeral.
pub async fn reply_to_interaction(ctx: &serenity::Context, interaction: &serenity::Interaction, e: &Error) {
    use serenity::{CreateInteractionResponse, CreateInteractionResponseMessage, Interaction};
    let text = phrase(e, "component interaction");
    let response =
        CreateInteractionResponse::Message(CreateInteractionResponseMessage::new().content(text).ephemeral(true));
    let sent = match interaction {
        Interaction::Component(c) => c.create_response(ctx, response).await,
        Interaction::Modal(m) => m.create_response(ctx, response).await,
        _ => Ok(()),
    };
    if let Err(e) = sent {
        warn!("could not send the error reply: {e}");
    }
}
