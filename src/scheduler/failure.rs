//! Why a send failed, in words for the moderator who can fix it, and whether trying again can
//! help. Discord's permanent refusals (the channel is gone, the bot cannot see it or lacks a
//! permission, a DM is closed) are never retried: the post is given up at once and the reason
//! is shown in `/group list`, `/report overview` and the digest. A moderator who fixed it runs
//! `/group post-now`. 429s and 5xx were already retried below (serenity's rate limiter, or
//! `crate::rest` behind a proxy); what reaches here as one of them, or a dropped connection,
//! is transient and retried with backoff.

use super::discord::{SendError, code};
use crate::permissions::{self, Need};

/// A failed send, in words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{text}")]
pub struct SendFailure {
    /// For moderators: what went wrong and what to do.
    pub text: String,
    /// No retry can help: give the item up now.
    pub permanent: bool,
}

impl SendFailure {
    pub fn transient(text: impl Into<String>) -> SendFailure {
        SendFailure { text: text.into(), permanent: false }
    }

    /// Discord's answer to a send to `channel` (a server channel, or 0 for a DM), in words.
    pub fn of(e: &SendError, channel: u64) -> SendFailure {
        let text = match e {
            SendError::MissingPermissions(missing) => format!(
                "the bot lacks {} in <#{channel}>: give it {} there (Edit Channel → Permissions), then `/group post-now`",
                missing.join(", "),
                if missing.len() == 1 { "that permission" } else { "those permissions" }
            ),
            SendError::ChannelGone => {
                format!("the channel <#{channel}> no longer exists: choose another one with `/group edit channel:`")
            }
            SendError::CannotDm => "the member does not accept DMs from the bot (50007)".to_string(),
            SendError::Http { code: code::UNKNOWN_GUILD, .. } => {
                "the bot is no longer in this server (10004)".to_string()
            }
            SendError::Http { code: code::MISSING_ACCESS, .. } => format!(
                "the bot cannot see <#{channel}> (50001 Missing Access): give it View Channel there, or choose \
                 another channel"
            ),
            SendError::Http { code: code::MISSING_PERMISSIONS, .. } => format!(
                "the bot lacks a permission in <#{channel}> (50013): it needs {} there",
                names(permissions::GROUP_CHANNEL)
            ),
            SendError::Http { code: code::NOT_TEXT, .. } => {
                format!("<#{channel}> is not a text channel (50008): choose another one")
            }
            other => other.to_string(),
        };
        SendFailure { text, permanent: e.permanent() }
    }
}

/// "A, B and C" of the permissions' names.
fn names(need: &[Need]) -> String {
    let names: Vec<&str> = need.iter().map(|(_, n)| *n).collect();
    crate::render::and_list(&names)
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
        let f = SendFailure::of(&SendError::MissingPermissions(vec!["Embed Links"]), 7);
        assert!(f.permanent && f.text.contains("lacks Embed Links in <#7>: give it that permission"), "{f:?}");
    }
}
