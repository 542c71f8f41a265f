//! Who counts as a moderator: Manage Server (or Administrator) in the interaction's member
//! permissions, or the server's moderator role, by id (`/settings moderator-role`; never by
//! name: anyone who may create roles could copy a name). Checked on the server side for
//! every moderator command and confirmation button, not only by command visibility.

use super::{BotError, Context, Data};
use poise::serenity_prelude as serenity;
use serenity::{GuildId, Member, Permissions};

/// True when `member` has Manage Server or Administrator.
pub fn manages_server(member: &Member) -> bool {
    member.permissions.is_some_and(|p| p.contains(Permissions::MANAGE_GUILD) || p.contains(Permissions::ADMINISTRATOR))
}

/// True when `member` may use moderator commands in `guild_id`. A server whose settings
/// cannot be read counts only Manage Server (the failure is logged).
pub async fn is_moderator(data: &Data, guild_id: GuildId, member: &Member) -> bool {
    if manages_server(member) {
        return true;
    }
    let settings = match data.services.settings.show_for(guild_id.get()).await {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(guild = guild_id.get(), "cannot read server settings: {e}");
            return false;
        }
    };
    settings.moderator_role_id.is_some_and(|role| member.roles.iter().any(|r| r.get() == role))
}

/// poise check for moderator commands.
pub async fn check(ctx: Context<'_>) -> Result<bool, BotError> {
    let Some(guild_id) = ctx.guild_id() else {
        return Ok(false);
    };
    let Some(member) = ctx.author_member().await else {
        return Ok(false);
    };
    Ok(is_moderator(ctx.data(), guild_id, &member).await)
}

/// poise check for `/settings`: Manage Server only.
pub async fn check_manager(ctx: Context<'_>) -> Result<bool, BotError> {
    if ctx.guild_id().is_some() && ctx.author_member().await.is_some_and(|m| manages_server(&m)) {
        Ok(true)
    } else {
        Err(crate::error::UserError::ManageServerOnly.into())
    }
}
