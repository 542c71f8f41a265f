//! `/settings ...`: a server's own settings (Manage Server only).

use super::group::{WeekdayChoice, autocomplete_timezone};
use crate::bot::{BotError, Context, actor, moderator, reply};
use crate::render;
use crate::service::settings::Change;
use poise::serenity_prelude as serenity;

/// This server's settings: moderator role, reminders, weekly digest (Manage Server).
#[poise::command(
    slash_command,
    guild_only,
    default_member_permissions = "MANAGE_GUILD",
    subcommands("show", "moderator_role", "reminders", "digest", "digest_off", "review"),
    subcommand_required
)]
pub async fn settings(_ctx: Context<'_>) -> Result<(), BotError> {
    Ok(())
}

/// Show this server's settings and the defaults they override.
#[poise::command(slash_command, guild_only, check = "moderator::check_manager")]
pub async fn show(ctx: Context<'_>) -> Result<(), BotError> {
    let who = actor::of_command(ctx).await?;
    let (effective, own) = ctx.data().services.settings.show(&who).await?;
    reply::text(ctx, render::settings::show(&effective, &own)).await
}

async fn change(ctx: Context<'_>, change: Change) -> Result<(), BotError> {
    let who = actor::of_command(ctx).await?;
    let (effective, own) = ctx.data().services.settings.change(&who, change).await?;
    reply::text(ctx, render::settings::changed(&effective, &own)).await
}

/// Let members with a role use the moderator commands (groups, reports).
#[poise::command(slash_command, guild_only, check = "moderator::check_manager", rename = "moderator-role")]
pub async fn moderator_role(
    ctx: Context<'_>,
    #[description = "The moderators' role (leave out to allow only Manage Server)"] role: Option<serenity::Role>,
) -> Result<(), BotError> {
    if let Some(r) = &role {
        crate::bot::options::server_role(ctx, r).await?;
    }
    change(ctx, Change::ModeratorRole(role.map(|r| r.id.get()))).await
}

/// When reminders go out before each weekly post, and whether they are posted in channels.
#[poise::command(slash_command, guild_only, check = "moderator::check_manager")]
pub async fn reminders(
    ctx: Context<'_>,
    #[description = "Hours before the weekly post (1 to 167)"]
    #[min = 1]
    #[max = 167]
    hours: Option<u32>,
    #[description = "Post reminders in the group's channel (reminder DMs go out either way)"] in_channel: Option<bool>,
    #[description = "Back to the bot's defaults"] reset: Option<bool>,
) -> Result<(), BotError> {
    change(ctx, Change::Reminders { hours, in_channel, reset: reset == Some(true) }).await
}

/// A weekly digest for moderators: every group's participation, new at-risk members, errors.
#[poise::command(slash_command, guild_only, check = "moderator::check_manager")]
pub async fn digest(
    ctx: Context<'_>,
    #[description = "Channel for the digest (a moderators' channel: it names at-risk members)"]
    #[channel_types("Text", "News")]
    channel: serenity::GuildChannel,
    #[description = "Weekday of the digest (default: Monday)"] weekday: Option<WeekdayChoice>,
    #[description = "Local time, HH:MM (default: 09:00)"] time: Option<String>,
    #[description = "IANA timezone (default: UTC)"]
    #[autocomplete = "autocomplete_timezone"]
    timezone: Option<String>,
) -> Result<(), BotError> {
    crate::bot::options::postable_channel(ctx, &channel, crate::permissions::CHANNEL_POSTS).await?;
    change(
        ctx,
        Change::Digest {
            channel_id: channel.id.get(),
            weekday: weekday.map(Into::into).unwrap_or(chrono::Weekday::Mon),
            time: time.unwrap_or_else(|| "09:00".into()),
            timezone: timezone.unwrap_or_else(|| "UTC".into()),
        },
    )
    .await
}

/// Spaced review: how well members should still recall a question when it comes back.
#[poise::command(slash_command, guild_only, check = "moderator::check_manager")]
pub async fn review(
    ctx: Context<'_>,
    #[description = "Desired recall in percent, 80 to 95 (higher: more reviews; default 90)"]
    #[min = 80]
    #[max = 95]
    retention: Option<u8>,
    #[description = "Back to the default (90%)"] reset: Option<bool>,
) -> Result<(), BotError> {
    let retention = if reset == Some(true) { None } else { retention.or(Some(90)) };
    change(ctx, Change::ReviewRetention(retention)).await
}

/// Stop the weekly digest.
#[poise::command(slash_command, guild_only, check = "moderator::check_manager", rename = "digest-off")]
pub async fn digest_off(ctx: Context<'_>) -> Result<(), BotError> {
    change(ctx, Change::DigestOff).await
}
