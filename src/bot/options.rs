//! Channel and role options checked against the interaction's server: Discord's state, so
//! the edge checks it before handing the value to a service. A forged interaction (or an id
//! pasted from elsewhere) can name another server's channel or role; both are refused.

use super::{BotError, Context};
use crate::error::UserError;
use poise::serenity_prelude as serenity;

/// A channel of this server where the bot has every permission of `need`
/// (`crate::permissions`), checked against the server's cache when it is there; the reply
/// names what is missing.
pub async fn postable_channel(
    ctx: Context<'_>,
    channel: &serenity::GuildChannel,
    need: &[crate::permissions::Need],
) -> Result<(), BotError> {
    let Some(guild_id) = ctx.guild_id() else {
        return Ok(());
    };
    // The channel as Discord (or the cache) knows it, not as the interaction described it.
    if channel.guild_id != guild_id {
        return Err(UserError::ChannelElsewhere.into());
    }
    let Some(member) = bot_member(ctx, guild_id, "channel permissions").await else {
        return Ok(());
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
        crate::permissions::missing(g.user_permissions_in(ch, &member), need)
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

/// A role of this server (not @everyone) that a weekly post's mention will really ping: it
/// is mentionable, or the bot may mention every role in `channel` (else Discord sends the
/// post and pings nobody).
pub async fn pingable_role(
    ctx: Context<'_>,
    role: &serenity::Role,
    channel: Option<serenity::ChannelId>,
) -> Result<(), BotError> {
    server_role(ctx, role).await?;
    if role.mentionable {
        return Ok(());
    }
    let Some(guild_id) = ctx.guild_id() else {
        return Ok(());
    };
    let Some(member) = bot_member(ctx, guild_id, "the role").await else {
        return Ok(());
    };
    let bot = {
        let Some(g) = ctx.guild() else {
            return Ok(());
        };
        match channel.and_then(|c| g.channels.get(&c)) {
            Some(ch) => g.user_permissions_in(ch, &member),
            None => g.member_permissions(&member),
        }
    };
    if crate::permissions::role_pings(false, bot) {
        Ok(())
    } else {
        Err(UserError::RoleNotPingable(role.name.clone()).into())
    }
}

/// The bot may open study-buddy threads in the group's channel `channel` (private threads,
/// their members added, messages in them), as far as the server's cache knows.
pub async fn buddy_channel(ctx: Context<'_>, channel: u64) -> Result<(), BotError> {
    let Some(guild_id) = ctx.guild_id() else {
        return Ok(());
    };
    let Some(member) = bot_member(ctx, guild_id, "thread permissions").await else {
        return Ok(());
    };
    let missing = {
        let Some(g) = ctx.guild() else {
            return Ok(());
        };
        let Some(ch) = g.channels.get(&serenity::ChannelId::new(channel)) else {
            return Err(UserError::ChannelNotVisible(channel).into());
        };
        crate::permissions::missing(g.user_permissions_in(ch, &member), crate::permissions::BUDDY_THREADS)
    };
    if missing.is_empty() { Ok(()) } else { Err(UserError::BuddyThreadPermissions { channel, missing }.into()) }
}

/// The bot may publish scheduled events in this server (Create Events) and, for a voice
/// channel of this server, see it and connect to it; checked against the cache when it is
/// there. Then how many upcoming events Discord lists for the server (by anyone), when it
/// answers, for Discord's cap of 100.
pub async fn events_allowed(ctx: Context<'_>, voice: Option<&serenity::GuildChannel>) -> Result<Option<u32>, BotError> {
    let Some(guild_id) = ctx.guild_id() else {
        return Ok(None);
    };
    if let Some(c) = voice
        && c.guild_id != guild_id
    {
        return Err(UserError::ChannelElsewhere.into());
    }
    if let Some(member) = bot_member(ctx, guild_id, "event permissions").await {
        let checked = {
            match ctx.guild() {
                None => None,
                Some(g) => {
                    let server = crate::permissions::missing(g.member_permissions(&member), crate::permissions::EVENTS);
                    let channel = match voice {
                        None => Ok(Vec::new()),
                        Some(v) => match g.channels.get(&v.id) {
                            None => Err(UserError::ChannelNotVisible(v.id.get())),
                            Some(ch) if ch.kind != serenity::ChannelType::Voice => {
                                Err(UserError::NotVoiceChannel(v.id.get()))
                            }
                            Some(ch) => Ok(crate::permissions::missing(
                                g.user_permissions_in(ch, &member),
                                crate::permissions::VOICE_EVENTS,
                            )),
                        },
                    };
                    Some((server, channel))
                }
            }
        };
        if let Some((server, channel)) = checked {
            if !server.is_empty() {
                return Err(UserError::EventPermissions { missing: server }.into());
            }
            let missing = channel?;
            if let Some(v) = voice
                && !missing.is_empty()
            {
                return Err(UserError::VoicePermissions { channel: v.id.get(), missing }.into());
            }
        }
    }
    match guild_id.scheduled_events(ctx, false).await {
        Ok(events) => Ok(Some(
            events
                .iter()
                .filter(|e| {
                    matches!(
                        e.status,
                        serenity::ScheduledEventStatus::Scheduled | serenity::ScheduledEventStatus::Active
                    )
                })
                .count() as u32,
        )),
        Err(e) => {
            tracing::warn!("cannot list the server's events for the cap of 100: {e}");
            Ok(None)
        }
    }
}

/// The bot's own member in the server (from the cache, else Discord), to compute its
/// permissions; `None` (logged) when Discord does not answer: the send itself will tell.
async fn bot_member(ctx: Context<'_>, guild_id: serenity::GuildId, what: &str) -> Option<serenity::Member> {
    match guild_id.member(ctx, ctx.framework().bot_id()).await {
        Ok(m) => Some(m),
        Err(e) => {
            tracing::warn!("cannot fetch the bot's member to check {what}: {e}");
            None
        }
    }
}
