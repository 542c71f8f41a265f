//! `/buddy ...`: members opt in to their group's study-buddy rounds.

use crate::bot::commands::group::autocomplete_group;
use crate::bot::{BotError, Context, actor, reply};
use crate::render;
use poise::serenity_prelude as serenity;

/// Study buddies: a partner from your group each round, in a private thread.
#[poise::command(
    slash_command,
    guild_only,
    subcommands("join", "leave", "pause", "status", "avoid", "rematch"),
    subcommand_required
)]
pub async fn buddy(_ctx: Context<'_>) -> Result<(), BotError> {
    Ok(())
}

/// Join your group's study-buddy rounds (or come back after a pause).
#[poise::command(slash_command, guild_only)]
pub async fn join(
    ctx: Context<'_>,
    #[description = "Study group"]
    #[autocomplete = "autocomplete_group"]
    group: Option<String>,
) -> Result<(), BotError> {
    let who = actor::of_command(ctx).await?;
    let st = ctx.data().services.buddies.join(&who, group.as_deref()).await?;
    reply::text(ctx, render::buddies::joined(&st)).await
}

/// Leave your group's study-buddy rounds.
#[poise::command(slash_command, guild_only)]
pub async fn leave(
    ctx: Context<'_>,
    #[description = "Study group"]
    #[autocomplete = "autocomplete_group"]
    group: Option<String>,
) -> Result<(), BotError> {
    let who = actor::of_command(ctx).await?;
    let view = ctx.data().services.buddies.leave(&who, group.as_deref()).await?;
    reply::text(ctx, render::buddies::left(&view)).await
}

/// Skip study-buddy rounds until a date; you are back after it by yourself.
#[poise::command(slash_command, guild_only)]
pub async fn pause(
    ctx: Context<'_>,
    #[description = "Last day of the pause, YYYY-MM-DD"] until: String,
    #[description = "Study group"]
    #[autocomplete = "autocomplete_group"]
    group: Option<String>,
) -> Result<(), BotError> {
    let who = actor::of_command(ctx).await?;
    let (view, until) = ctx.data().services.buddies.pause(&who, group.as_deref(), &until).await?;
    reply::text(ctx, render::buddies::paused(&view, until)).await
}

/// Your study-buddy status: in or not, paused, and when the next round comes.
#[poise::command(slash_command, guild_only)]
pub async fn status(
    ctx: Context<'_>,
    #[description = "Study group"]
    #[autocomplete = "autocomplete_group"]
    group: Option<String>,
) -> Result<(), BotError> {
    let who = actor::of_command(ctx).await?;
    let st = ctx.data().services.buddies.status(&who, group.as_deref()).await?;
    reply::text(ctx, render::buddies::status(&st)).await
}

/// Never be matched with a member. Nobody is ever told.
#[poise::command(slash_command, guild_only)]
pub async fn avoid(
    ctx: Context<'_>,
    #[description = "The member you never want as a buddy"] member: serenity::User,
) -> Result<(), BotError> {
    let who = actor::of_command(ctx).await?;
    let added = ctx.data().services.buddies.avoid(&who, member.id.get()).await?;
    reply::text(ctx, render::buddies::avoided(added)).await
}

/// Can't reach your buddy this round? They get 48 hours to answer, then you get a new buddy.
#[poise::command(slash_command, guild_only)]
pub async fn rematch(
    ctx: Context<'_>,
    #[description = "Study group"]
    #[autocomplete = "autocomplete_group"]
    group: Option<String>,
) -> Result<(), BotError> {
    let who = actor::of_command(ctx).await?;
    let answered = ctx.data().services.buddies.rematch(&who, group.as_deref()).await?;
    reply::text(ctx, render::buddies::answered(&answered)).await
}
