//! Which Discord permissions the bot needs in a channel for what it does there, and which of
//! them it lacks (pure). Checked where a moderator picks a channel (`/group create|edit`,
//! `/settings digest`: `bot::options`) and again by the scheduler's sender before each post
//! (the permissions may have changed since), both from the gateway cache, so a post never
//! goes out half-done: without Embed Links Discord would silently drop its embeds, without
//! Read Message History the look for an earlier attempt's message would find nothing and a
//! late retry would post twice, and without Create Public Threads the week's thread would be
//! missing.

use poise::serenity_prelude::Permissions;

/// A permission and the name Discord's settings show for it.
pub type Need = (Permissions, &'static str);

const VIEW: Need = (Permissions::VIEW_CHANNEL, "View Channel");
const SEND: Need = (Permissions::SEND_MESSAGES, "Send Messages");
const EMBED: Need = (Permissions::EMBED_LINKS, "Embed Links");
const HISTORY: Need = (Permissions::READ_MESSAGE_HISTORY, "Read Message History");
const THREADS: Need = (Permissions::CREATE_PUBLIC_THREADS, "Create Public Threads");

/// Every post in a channel (reminders, notes, the moderators' digest): see the channel, send,
/// embed, and read its recent messages (a late retry first looks for its earlier copy).
pub const CHANNEL_POSTS: &[Need] = &[VIEW, SEND, EMBED, HISTORY];

/// A group's channel: its posts, and a public discussion thread on each weekly post.
pub const GROUP_CHANNEL: &[Need] = &[VIEW, SEND, EMBED, HISTORY, THREADS];

/// Publishing the groups' sessions as scheduled events (server-wide): Create Events, which
/// Discord asks for since 2026-02-23 (Manage Events alone no longer lets a bot create them).
pub const EVENTS: &[Need] = &[(Permissions::CREATE_EVENTS, "Create Events")];

/// A voice channel that holds a group's events: the bot must see it and be allowed to connect.
pub const VOICE_EVENTS: &[Need] = &[VIEW, (Permissions::CONNECT, "Connect")];

/// A group's channel that holds its study-buddy rounds: a private thread per pair, its members
/// added, the opening message and the check-back in it.
pub const BUDDY_THREADS: &[Need] = &[
    VIEW,
    (Permissions::CREATE_PRIVATE_THREADS, "Create Private Threads"),
    (Permissions::SEND_MESSAGES_IN_THREADS, "Send Messages in Threads"),
];

/// The names of the permissions of `need` that `have` lacks, in `need`'s order.
pub fn missing(have: Permissions, need: &[Need]) -> Vec<&'static str> {
    if have.contains(Permissions::ADMINISTRATOR) {
        return Vec::new();
    }
    need.iter().filter(|(p, _)| !have.contains(*p)).map(|(_, name)| *name).collect()
}

/// Whether a role mention pings anyone: the role is mentionable, or the bot may mention
/// every role ("Mention @everyone, @here, and All Roles").
pub fn role_pings(mentionable: bool, bot_in_channel: Permissions) -> bool {
    mentionable
        || bot_in_channel.contains(Permissions::MENTION_EVERYONE)
        || bot_in_channel.contains(Permissions::ADMINISTRATOR)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_names_what_lacks_in_order() {
        let have = Permissions::VIEW_CHANNEL | Permissions::SEND_MESSAGES;
        assert_eq!(missing(have, GROUP_CHANNEL), ["Embed Links", "Read Message History", "Create Public Threads"]);
        assert_eq!(
            missing(have | Permissions::EMBED_LINKS | Permissions::READ_MESSAGE_HISTORY, CHANNEL_POSTS),
            Vec::<&str>::new()
        );
        assert_eq!(missing(Permissions::ADMINISTRATOR, GROUP_CHANNEL), Vec::<&str>::new());
        assert_eq!(missing(Permissions::empty(), CHANNEL_POSTS).len(), 4);
    }

    #[test]
    fn a_role_pings_when_mentionable_or_the_bot_may_mention_all() {
        assert!(role_pings(true, Permissions::empty()));
        assert!(!role_pings(false, Permissions::SEND_MESSAGES));
        assert!(role_pings(false, Permissions::MENTION_EVERYONE));
    }
}
