//! Why a send failed, in words for the moderator who can fix it, and whether trying again can
//! help. Discord's permanent refusals (the channel is gone, the bot cannot see it or lacks a
//! permission, a DM is closed) are never retried: the post is given up at once and the reason
//! is shown in `/group list`, `/report overview` and the digest. A moderator who fixed it runs
//! `/group post-now`. 429s and 5xx were already retried below (serenity's rate limiter, or
//! `crate::rest` behind a proxy); what reaches here as one of them, or a dropped connection,
//! is transient and retried with backoff.

use crate::permissions::{self, Need};
use poise::serenity_prelude as serenity;

/// Discord's codes for refusals that no retry can change.
pub const UNKNOWN_CHANNEL: isize = 10003;
pub const UNKNOWN_GUILD: isize = 10004;
pub const MISSING_ACCESS: isize = 50001;
pub const CANNOT_DM: isize = 50007;
pub const NOT_TEXT: isize = 50008;
pub const MISSING_PERMISSIONS: isize = 50013;

/// A failed send.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{text}")]
pub struct SendFailure {
    /// For moderators: what went wrong and what to do.
    pub text: String,
    /// No retry can help: give the post up now.
    pub permanent: bool,
}

impl SendFailure {
    pub fn transient(text: impl Into<String>) -> SendFailure {
        SendFailure { text: text.into(), permanent: false }
    }

    pub fn permanent(text: impl Into<String>) -> SendFailure {
        SendFailure { text: text.into(), permanent: true }
    }

    /// Discord's answer to a send to `channel`, in words.
    pub fn of(e: &serenity::Error, channel: u64) -> SendFailure {
        use serenity::HttpError;
        let serenity::Error::Http(HttpError::UnsuccessfulRequest(r)) = e else {
            return SendFailure::transient(e.to_string());
        };
        let status = r.status_code.as_u16();
        let text = match r.error.code {
            UNKNOWN_CHANNEL => format!(
                "the channel <#{channel}> no longer exists (10003): choose another one with `/group edit channel:`"
            ),
            UNKNOWN_GUILD => "the bot is no longer in this server (10004)".to_string(),
            MISSING_ACCESS => format!(
                "the bot cannot see <#{channel}> (50001 Missing Access): give it View Channel there, or choose \
                 another channel"
            ),
            MISSING_PERMISSIONS => format!(
                "the bot lacks a permission in <#{channel}> (50013): it needs {} there",
                names(permissions::GROUP_CHANNEL)
            ),
            CANNOT_DM => "the member does not accept DMs from the bot (50007)".to_string(),
            NOT_TEXT => format!("<#{channel}> is not a text channel (50008): choose another one"),
            code => format!("Discord answered {status} ({code}): {}", r.error.message),
        };
        // 429 and 5xx come back only once their own retries are spent: try again later.
        let permanent = (400..500).contains(&status) && status != 429 && status != 408;
        SendFailure { text, permanent }
    }

    /// The bot lacks `missing` in `channel` (seen before sending anything).
    pub fn missing(channel: u64, missing: &[&str]) -> SendFailure {
        SendFailure::permanent(format!(
            "the bot lacks {} in <#{channel}>: give it {} there (Edit Channel → Permissions), then `/group post-now`",
            missing.join(", "),
            if missing.len() == 1 { "that permission" } else { "those permissions" }
        ))
    }
}

/// "A, B and C" of the permissions' names.
fn names(need: &[Need]) -> String {
    let names: Vec<&str> = need.iter().map(|(_, n)| *n).collect();
    match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => names.join(""),
    }
}

/// The bot's permissions in `channel` of `guild` as the gateway cache knows them: `None` when
/// the cache does not know the server or the bot's member (the send itself will tell);
/// `Some(Err)` when the server is known and the channel is not in it (deleted).
pub fn cached_permissions(
    cache: &serenity::Cache,
    guild: u64,
    channel: u64,
) -> Option<Result<serenity::Permissions, SendFailure>> {
    let g = cache.guild(serenity::GuildId::new(guild))?;
    let me = cache.current_user().id;
    let member = g.members.get(&me)?;
    Some(match g.channels.get(&serenity::ChannelId::new(channel)) {
        Some(ch) => Ok(g.user_permissions_in(ch, member)),
        None => Err(SendFailure::permanent(format!(
            "the channel <#{channel}> no longer exists: choose another one with `/group edit channel:`"
        ))),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permission_lists_read_as_english() {
        assert_eq!(
            names(permissions::CHANNEL_POSTS),
            "View Channel, Send Messages, Embed Links and Read Message History"
        );
        let f = SendFailure::missing(7, &["Embed Links"]);
        assert!(f.permanent && f.text.contains("lacks Embed Links in <#7>: give it that permission"), "{f:?}");
    }
}
