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

/// Where a member stands in a server now, asked of Discord (for the web pages' sessions):
/// gone (Discord answers Unknown Member), or in it and a moderator or not, by the same rule as
/// commands (Manage Server or Administrator through their roles, the owner, or the server's
/// moderator role).
pub async fn standing(
    http: &serenity::Http,
    settings: &crate::service::SettingsService,
    guild: u64,
    user: u64,
) -> Result<crate::service::web::Standing, crate::service::web::CheckFailed> {
    use crate::service::web::{CheckFailed, Standing};
    let guild_id = GuildId::new(guild);
    let member = match http.get_member(guild_id, serenity::UserId::new(user)).await {
        Ok(m) => m,
        Err(serenity::Error::Http(serenity::HttpError::UnsuccessfulRequest(r)))
            if r.status_code.as_u16() == 404 || r.error.code == 10007 =>
        {
            return Ok(Standing::Gone);
        }
        Err(e) => return Err(CheckFailed(format!("reading the member: {e}"))),
    };
    let roles =
        http.get_guild_roles(guild_id).await.map_err(|e| CheckFailed(format!("reading the server's roles: {e}")))?;
    let mut permissions = Permissions::empty();
    for r in roles.iter().filter(|r| r.id.get() == guild || member.roles.contains(&r.id)) {
        permissions |= r.permissions;
    }
    let mut moderator =
        permissions.contains(Permissions::MANAGE_GUILD) || permissions.contains(Permissions::ADMINISTRATOR);
    if !moderator {
        let owner =
            http.get_guild(guild_id).await.map_err(|e| CheckFailed(format!("reading the server: {e}")))?.owner_id;
        moderator = owner.get() == user;
    }
    if !moderator {
        let s =
            settings.show_for(guild).await.map_err(|e| CheckFailed(format!("reading the server's settings: {e}")))?;
        moderator = s.moderator_role_id.is_some_and(|role| member.roles.iter().any(|r| r.get() == role));
    }
    Ok(Standing::Member { moderator })
}
