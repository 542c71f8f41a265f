//! Permission bits, default ids and the guild specification the fake announces and serves.

use std::time::Duration;

/// Discord permission bits (as u64; sent as decimal strings).
pub mod perms {
    pub const CREATE_INSTANT_INVITE: u64 = 1 << 0;
    pub const KICK_MEMBERS: u64 = 1 << 1;
    pub const BAN_MEMBERS: u64 = 1 << 2;
    pub const ADMINISTRATOR: u64 = 1 << 3;
    pub const MANAGE_CHANNELS: u64 = 1 << 4;
    pub const MANAGE_GUILD: u64 = 1 << 5;
    pub const ADD_REACTIONS: u64 = 1 << 6;
    pub const VIEW_CHANNEL: u64 = 1 << 10;
    pub const SEND_MESSAGES: u64 = 1 << 11;
    pub const MANAGE_MESSAGES: u64 = 1 << 13;
    pub const EMBED_LINKS: u64 = 1 << 14;
    pub const ATTACH_FILES: u64 = 1 << 15;
    pub const READ_MESSAGE_HISTORY: u64 = 1 << 16;
    pub const MENTION_EVERYONE: u64 = 1 << 17;
    pub const MANAGE_ROLES: u64 = 1 << 28;
    pub const USE_APPLICATION_COMMANDS: u64 = 1 << 31;
    pub const MANAGE_THREADS: u64 = 1 << 34;
    pub const CREATE_PUBLIC_THREADS: u64 = 1 << 35;
    pub const CREATE_PRIVATE_THREADS: u64 = 1 << 36;
    pub const SEND_MESSAGES_IN_THREADS: u64 = 1 << 38;
    pub const MODERATE_MEMBERS: u64 = 1 << 40;
    pub const CONNECT: u64 = 1 << 20;
    pub const MANAGE_EVENTS: u64 = 1 << 33;
    /// Needed to create scheduled events (since 2026-02-23 Manage Events alone is not enough).
    pub const CREATE_EVENTS: u64 = 1 << 44;
    /// Every permission bit Discord defines (up to Pin Messages, 1 << 51): what an owner or
    /// an administrator has, Create Events included.
    pub const ALL: u64 = (1 << 52) - 1;
    /// What `@everyone` has in the default guild.
    pub const EVERYONE: u64 = VIEW_CHANNEL
        | SEND_MESSAGES
        | ADD_REACTIONS
        | EMBED_LINKS
        | ATTACH_FILES
        | READ_MESSAGE_HISTORY
        | USE_APPLICATION_COMMANDS
        | CREATE_PUBLIC_THREADS
        | SEND_MESSAGES_IN_THREADS;
    /// What the "Moderator" role adds in the default guild (includes MANAGE_GUILD).
    pub const MODERATOR: u64 = EVERYONE
        | MANAGE_GUILD
        | MANAGE_MESSAGES
        | MANAGE_ROLES
        | MANAGE_CHANNELS
        | MANAGE_THREADS
        | MODERATE_MEMBERS
        | KICK_MEMBERS;
}

/// Ids and names of the default setup ([`FakeDiscord::start`]).
pub mod defaults {
    /// Shaped like a real token (three dot-separated parts) so `serenity::utils::token::validate`
    /// accepts it.
    pub const TOKEN: &str = "MTAwMA.ZmFrZQ.fake-discord-test-token";
    pub const BOT_USER: u64 = 1000;
    pub const BOT_NAME: &str = "studybot";
    pub const APPLICATION: u64 = 1000;
    pub const GUILD: u64 = 2000;
    pub const GUILD_NAME: &str = "Test Guild";
    /// alice: guild owner with the Moderator role.
    pub const ALICE: u64 = 3000;
    /// bob: plain member.
    pub const BOB: u64 = 3001;
    /// #general: the bot may post.
    pub const GENERAL: u64 = 4000;
    /// #readonly: the bot may NOT post (403 / 50013).
    pub const READONLY: u64 = 4001;
    pub const MODERATOR_ROLE: u64 = 5001;
    pub const MEMBER_ROLE: u64 = 5002;
    pub const HEARTBEAT_MS: u64 = 1000;
}

/// Pause before a component click / modal submit is dispatched. A human takes seconds; bots
/// (poise's `execute_modal`, `ComponentInteractionCollector`) register their collector only
/// after their own REST call returns, which the fake observes a moment earlier.
pub const HUMAN_DELAY: Duration = Duration::from_millis(100);

pub(crate) const DISCORD_EPOCH_MS: u64 = 1_420_070_400_000;
pub(crate) const JOINED_AT: &str = "2024-01-01T00:00:00.000000+00:00";

/// A guild as the fake announces it in READY / GUILD_CREATE and serves it over REST.
#[derive(Clone, Debug)]
pub struct GuildSpec {
    pub id: u64,
    pub name: String,
    pub owner_id: u64,
    pub channels: Vec<ChannelSpec>,
    /// Always contains `@everyone` (id = guild id) first.
    pub roles: Vec<RoleSpec>,
    /// The bot is added automatically; do not list it.
    pub members: Vec<MemberSpec>,
    /// Whether the bot was invited with the `applications.commands` scope. Without it,
    /// Discord refuses the guild's command endpoints with 403 / 50001 Missing Access.
    pub commands_scope: bool,
}

#[derive(Clone, Debug)]
pub struct ChannelSpec {
    pub id: u64,
    pub name: String,
    /// Discord channel type: 0 text, 2 voice, 4 category, 5 announcement, 15 forum.
    pub kind: u8,
    pub parent_id: Option<u64>,
    /// Permission bits a channel overwrite denies the bot (announced in GUILD_CREATE, as
    /// Discord does, and enforced over REST with Discord's answers: no View Channel is
    /// 403 / 50001, no Send Messages or Attach Files (with files) 403 / 50013, no Embed
    /// Links drops the embeds silently, no Read Message History returns no messages, no
    /// Create Public Threads refuses a thread with 403 / 50013).
    pub bot_denied: u64,
    pub topic: Option<String>,
}

#[derive(Clone, Debug)]
pub struct RoleSpec {
    pub id: u64,
    pub name: String,
    pub permissions: u64,
    /// Anyone may @mention it (Discord's default for a new role: no). A mention of a role
    /// that is not mentionable pings nobody unless the sender may mention every role.
    pub mentionable: bool,
}

#[derive(Clone, Debug)]
pub struct MemberSpec {
    pub user_id: u64,
    pub username: String,
    pub roles: Vec<u64>,
    pub bot: bool,
}

impl ChannelSpec {
    pub fn new(id: u64, name: &str, kind: u8) -> Self {
        ChannelSpec { id, name: name.into(), kind, parent_id: None, bot_denied: 0, topic: None }
    }
    pub fn text(id: u64, name: &str) -> Self {
        Self::new(id, name, 0)
    }
    pub fn voice(id: u64, name: &str) -> Self {
        Self::new(id, name, 2)
    }
    pub fn category(id: u64, name: &str) -> Self {
        Self::new(id, name, 4)
    }
    pub fn announcement(id: u64, name: &str) -> Self {
        Self::new(id, name, 5)
    }
    pub fn forum(id: u64, name: &str) -> Self {
        Self::new(id, name, 15)
    }
    pub fn parent(mut self, category_id: u64) -> Self {
        self.parent_id = Some(category_id);
        self
    }
    pub fn topic(mut self, topic: &str) -> Self {
        self.topic = Some(topic.into());
        self
    }
    /// The bot may not post here (Missing Permissions).
    pub fn no_permission(self) -> Self {
        self.deny_bot(perms::SEND_MESSAGES | perms::SEND_MESSAGES_IN_THREADS)
    }
    /// A channel overwrite denies the bot these permission bits (see [`ChannelSpec::bot_denied`]).
    pub fn deny_bot(mut self, bits: u64) -> Self {
        self.bot_denied |= bits;
        self
    }
}

impl GuildSpec {
    /// A guild with only `@everyone` (permissions [`perms::EVERYONE`]) and no channels.
    pub fn new(id: u64, name: &str) -> Self {
        GuildSpec {
            id,
            name: name.into(),
            owner_id: defaults::ALICE,
            channels: vec![],
            roles: vec![RoleSpec { id, name: "@everyone".into(), permissions: perms::EVERYONE, mentionable: false }],
            members: vec![],
            commands_scope: true,
        }
    }

    /// "Test Guild" (2000), owner alice (3000, Moderator), member bob (3001, Member),
    /// #general (4000, bot may post), #readonly (4001, bot may not post), roles Moderator (5001,
    /// [`perms::MODERATOR`]) and Member (5002, no extra permissions).
    pub fn default_test_guild() -> Self {
        use defaults::*;
        GuildSpec::new(GUILD, GUILD_NAME)
            .owner(ALICE)
            .channel(ChannelSpec::text(GENERAL, "general"))
            .channel(ChannelSpec::text(READONLY, "readonly").no_permission())
            .role(MODERATOR_ROLE, "Moderator", perms::MODERATOR)
            .role(MEMBER_ROLE, "Member", perms::EVERYONE)
            .member(ALICE, "alice", &[MODERATOR_ROLE])
            .member(BOB, "bob", &[MEMBER_ROLE])
    }

    /// Invited without the `applications.commands` scope (see [`GuildSpec::commands_scope`]).
    pub fn without_commands_scope(mut self) -> Self {
        self.commands_scope = false;
        self
    }
    pub fn owner(mut self, user_id: u64) -> Self {
        self.owner_id = user_id;
        self
    }
    pub fn text_channel(self, id: u64, name: &str) -> Self {
        self.channel(ChannelSpec::text(id, name))
    }
    pub fn channel(mut self, c: ChannelSpec) -> Self {
        self.channels.push(c);
        self
    }
    pub fn role(mut self, id: u64, name: &str, permissions: u64) -> Self {
        self.roles.push(RoleSpec { id, name: name.into(), permissions, mentionable: false });
        self
    }
    /// A role anyone may @mention.
    pub fn mentionable_role(mut self, id: u64, name: &str, permissions: u64) -> Self {
        self.roles.push(RoleSpec { id, name: name.into(), permissions, mentionable: true });
        self
    }
    /// Sets `@everyone`'s permissions.
    pub fn everyone_permissions(mut self, permissions: u64) -> Self {
        self.roles[0].permissions = permissions;
        self
    }
    pub fn member(mut self, user_id: u64, username: &str, roles: &[u64]) -> Self {
        self.members.push(MemberSpec { user_id, username: username.into(), roles: roles.to_vec(), bot: false });
        self
    }

    /// Guild-level permissions of a user holding `roles` (owner / ADMINISTRATOR -> ALL).
    pub fn permissions_for(&self, user_id: u64, roles: &[u64]) -> u64 {
        if user_id == self.owner_id {
            return perms::ALL;
        }
        let mut p = self.roles.first().map(|r| r.permissions).unwrap_or(0);
        for r in &self.roles {
            if roles.contains(&r.id) {
                p |= r.permissions;
            }
        }
        if p & perms::ADMINISTRATOR != 0 { perms::ALL } else { p }
    }

    pub fn member_roles(&self, user_id: u64) -> Vec<u64> {
        self.members.iter().find(|m| m.user_id == user_id).map(|m| m.roles.clone()).unwrap_or_default()
    }
}

// ---------------------------------------------------------------------------------------------
