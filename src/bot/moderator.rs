//! Who counts as a moderator: Manage Server (or Administrator) in the interaction's member
//! permissions, or a role named like the configured moderator role. Checked on the server
//! side for every moderator command and confirmation button, not only by command visibility.

use super::{BotError, Context, Data};
use poise::serenity_prelude as serenity;
use serenity::{GuildId, Member, Permissions};

/// True when `member` may use moderator commands in `guild_id`.
pub fn is_moderator(ctx: &serenity::Context, data: &Data, guild_id: GuildId, member: &Member) -> bool {
    if member
        .permissions
        .is_some_and(|p| p.contains(Permissions::MANAGE_GUILD) || p.contains(Permissions::ADMINISTRATOR))
    {
        return true;
    }
    let Some(role_name) = data.config.moderator_role.as_deref() else {
        return false;
    };
    let Some(guild) = ctx.cache.guild(guild_id) else {
        return false;
    };
    member.roles.iter().any(|r| guild.roles.get(r).is_some_and(|role| role.name.eq_ignore_ascii_case(role_name)))
}

/// poise check for moderator commands.
pub async fn check(ctx: Context<'_>) -> Result<bool, BotError> {
    let Some(guild_id) = ctx.guild_id() else {
        return Ok(false);
    };
    let Some(member) = ctx.author_member().await else {
        return Ok(false);
    };
    Ok(is_moderator(ctx.serenity_context(), ctx.data(), guild_id, &member))
}
