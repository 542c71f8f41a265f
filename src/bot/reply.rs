//! Sending replies: every reply of the informational commands is ephemeral, and long
//! content is split across follow-up messages so no message exceeds Discord's limits.

use super::{BotError, Context};
use poise::CreateReply;
use poise::serenity_prelude::CreateEmbed;

/// Replies with embeds, ephemeral.
pub async fn embeds(ctx: Context<'_>, embeds: Vec<CreateEmbed>) -> Result<(), BotError> {
    let reply = embeds.into_iter().fold(CreateReply::default().ephemeral(true), |r, e| r.embed(e));
    ctx.send(reply).await?;
    Ok(())
}

/// An ephemeral reply with optional text above its embeds.
pub async fn noted(ctx: Context<'_>, (note, embeds): (Option<String>, Vec<CreateEmbed>)) -> Result<(), BotError> {
    let mut reply = embeds.into_iter().fold(CreateReply::default().ephemeral(true), |r, e| r.embed(e));
    if let Some(note) = note {
        reply = reply.content(note);
    }
    ctx.send(reply).await?;
    Ok(())
}

/// Replies with several messages (the first is the reply, the rest follow-ups).
pub async fn pages(ctx: Context<'_>, pages: Vec<Vec<CreateEmbed>>) -> Result<(), BotError> {
    for page in pages {
        embeds(ctx, page).await?;
    }
    Ok(())
}

/// A plain ephemeral text reply.
pub async fn text(ctx: Context<'_>, text: impl Into<String>) -> Result<(), BotError> {
    ctx.send(CreateReply::default().content(text).ephemeral(true)).await?;
    Ok(())
}
