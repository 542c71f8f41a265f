//! Who is asking: the server, the member's display name (one rule everywhere) and whether
//! they moderate, typed once per interaction into an [`Actor`] for the services.

use super::{Context, Data, moderator};
use crate::error::{Error, UserError};
use crate::model::Actor;
use poise::serenity_prelude as serenity;

/// The server an interaction came from (all data is scoped by it).
pub fn guild_of(guild_id: Option<serenity::GuildId>) -> Result<u64, Error> {
    guild_id.map(|g| g.get()).ok_or_else(|| UserError::GuildOnly.into())
}

/// The one display-name rule: server nickname, else global name, else username.
pub fn display_name(member: Option<&serenity::Member>, user: &serenity::User) -> String {
    match member.and_then(|m| m.nick.as_deref()) {
        Some(nick) => nick.to_string(),
        None => user.display_name().to_string(),
    }
}

/// The actor of a component or modal interaction.
pub async fn of_interaction(
    data: &Data,
    guild_id: Option<serenity::GuildId>,
    member: Option<&serenity::Member>,
    user: &serenity::User,
) -> Result<Actor, Error> {
    let guild = guild_of(guild_id)?;
    let moderator = match member {
        Some(m) => moderator::is_moderator(data, serenity::GuildId::new(guild), m).await,
        None => false,
    };
    let manages_server = member.is_some_and(moderator::manages_server);
    Ok(Actor {
        guild_id: guild,
        user_id: user.id.get(),
        display_name: display_name(member, user),
        moderator,
        manages_server,
    })
}

/// The actor of a component or modal interaction whose custom id names `group_id`: in a
/// server as [`of_interaction`]; in a DM (a reminder's check-in button) the member of that
/// group, in its server.
pub async fn of_group_interaction(
    data: &Data,
    guild_id: Option<serenity::GuildId>,
    member: Option<&serenity::Member>,
    user: &serenity::User,
    group_id: i64,
) -> Result<Actor, Error> {
    match guild_id {
        Some(_) => of_interaction(data, guild_id, member, user).await,
        None => data.services.checkins.dm_actor(user.id.get(), display_name(None, user), group_id).await,
    }
}

/// The actor of a slash command.
pub async fn of_command(ctx: Context<'_>) -> Result<Actor, Error> {
    let member = ctx.author_member().await;
    of_interaction(ctx.data(), ctx.guild_id(), member.as_deref(), ctx.author()).await
}

/// The display name of a user named in a command option: their nickname in this server
/// when Discord resolved their membership, else global name, else username.
pub fn name_of_option(ctx: Context<'_>, user: &serenity::User) -> String {
    let nick = match ctx {
        poise::Context::Application(a) => {
            a.interaction.data.resolved.members.get(&user.id).and_then(|m| m.nick.clone())
        }
        poise::Context::Prefix(_) => None,
    };
    nick.unwrap_or_else(|| user.display_name().to_string())
}

/// The server's name, from the gateway's cache, else asked of Discord; "this server" when
/// neither answers (a certificate still gets issued).
pub async fn server_name(ctx: Context<'_>) -> String {
    if let Some(name) = ctx.guild().map(|g| g.name.clone()) {
        return name;
    }
    match ctx.partial_guild().await {
        Some(g) => g.name,
        None => "this server".to_string(),
    }
}
