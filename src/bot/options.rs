//! Channel and role options checked against the interaction's server: Discord's state, so
//! the edge checks it before handing the value to a service. A forged interaction (or an id
//! pasted from elsewhere) can name another server's channel or role; both are refused.

use super::{BotError, Context};
use crate::error::UserError;
use poise::serenity_prelude::{self as serenity, Permissions};

/// A channel of this server that the bot can see and post embeds in (checked against the
/// server's cache when it is there).
pub async fn postable_channel(ctx: Context<'_>, channel: &serenity::GuildChannel) -> Result<(), BotError> {
    let Some(guild_id) = ctx.guild_id() else {
        return Ok(());
    };
    // The channel as Discord (or the cache) knows it, not as the interaction described it.
    if channel.guild_id != guild_id {
        return Err(UserError::ChannelElsewhere.into());
    }
    let bot_id = ctx.framework().bot_id();
    let member = match guild_id.member(ctx, bot_id).await {
        Ok(m) => m,
        Err(e) => {
            tracing::warn!("cannot fetch the bot's member to check channel permissions: {e}");
            return Ok(());
        }
    };
    let missing = {
        let Some(g) = ctx.guild() else {
            return Ok(());
        };
        let Some(ch) = g.channels.get(&channel.id) else {
            return Err(UserError::ChannelNotVisible(channel.id.get()).into());
        };
        if !matches!(ch.kind, serenity::ChannelType::Text | serenity::ChannelType::News) {
            return Err(UserError::NotTextChannel(channel.id.get()).into());
        }
        let perms = g.user_permissions_in(ch, &member);
        let needed = [
            (Permissions::VIEW_CHANNEL, "View Channel"),
            (Permissions::SEND_MESSAGES, "Send Messages"),
            (Permissions::EMBED_LINKS, "Embed Links"),
        ];
        needed.iter().filter(|(p, _)| !perms.contains(*p)).map(|(_, n)| *n).collect::<Vec<_>>()
    };
    if missing.is_empty() {
        Ok(())
    } else {
        Err(UserError::ChannelPermissions { channel: channel.id.get(), missing }.into())
    }
}

/// A role of this server other than @everyone (whose id is the server's). Resolved roles
/// carry no server of their own, so the role must be among the server's roles (its cache,
/// else Discord's list).
pub async fn server_role(ctx: Context<'_>, role: &serenity::Role) -> Result<(), BotError> {
    let Some(guild_id) = ctx.guild_id() else {
        return Ok(());
    };
    if role.id.get() == guild_id.get() {
        return Err(UserError::EveryoneRole.into());
    }
    let cached = ctx.guild().map(|g| g.roles.contains_key(&role.id));
    let known = match cached {
        Some(known) => known,
        None => guild_id.roles(ctx).await?.contains_key(&role.id),
    };
    if known { Ok(()) } else { Err(UserError::RoleElsewhere.into()) }
}
