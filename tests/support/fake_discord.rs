//! A local fake of Discord API v10 (REST + gateway) for tests. The real serenity client talks
//! to it over 127.0.0.1 and nothing ever reaches the internet.
//!
//! One [`FakeDiscord`] runs one axum app on two listeners that share all state:
//!
//! * **plain HTTP (proxy mode)**: build the bot's `Http` with [`FakeDiscord::proxy_http`], i.e.
//!   `HttpBuilder::new(token).proxy(fake.base_url()).ratelimiter_disabled(true)` (serenity only
//!   rewrites `https://discord.com` to the proxy with the ratelimiter off, serenity#1739);
//! * **HTTPS**: a TLS listener with a `discord.com` certificate signed by a CA made at start.
//!   [`FakeDiscord::tls_client`] is a reqwest client that resolves `discord.com` to it and trusts
//!   only that CA; [`FakeDiscord::tls_http`] wraps it in an `Http` with serenity's own
//!   ratelimiter ON and no proxy (for testing 429 handling).
//!
//! The gateway (`/ws`) does HELLO, heartbeat ACK, IDENTIFY -> READY + one GUILD_CREATE per
//! guild, RESUME -> replay + RESUMED (or op 9 when asked to). Every REST request is recorded;
//! every message-like body is checked with `studybot::limits` and a violation is answered
//! with 400/50035 like Discord and recorded: end each test with [`FakeDiscord::finish`].
//!
//! Starting studybot against it (`T` = a timeout such as 5 s):
//!
//! ```ignore
//! let fake = FakeDiscord::start().await;
//! let mut config = /* a test Config */;
//! config.discord_token = Some(Secret::new(fake.token()));
//! config.dev_guild = Some(defaults::GUILD); // or None: global registration works too
//! // proxy mode: the base URL makes studybot::bot::build_http use .proxy() + no ratelimiter
//! config.discord_api_url = fake.base_url();
//! let bot = studybot::bot::start(config, curriculum, db, StartOptions::default()).await?;
//! // HTTPS mode instead: keep discord_api_url = "https://discord.com" and pass
//! // StartOptions { http_client: Some(fake.tls_client()), ..Default::default() }
//! fake.wait_ready(T).await;
//! fake.wait_commands_registered(T).await;
//! let reply = fake.slash(Slash::new("join").by(&fake.member())).await.wait_reply(T).await;
//! assert!(reply.latency < Duration::from_secs(3));
//! fake.finish(); // panics on limit violations / unknown routes
//! bot.shutdown().await;
//! ```
//!
//! Interactions are driven with [`FakeDiscord::slash`], [`FakeDiscord::autocomplete`],
//! [`FakeDiscord::click_button`], [`FakeDiscord::select`] and [`FakeDiscord::submit_modal`];
//! each returns an [`InteractionHandle`] whose `wait_*` methods observe the bot's answer.
#![allow(dead_code)]

use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::ws::{CloseFrame, Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};
use tokio::sync::{mpsc, watch};

use studybot::limits;

// ---------------------------------------------------------------------------------------------
// Constants
// ---------------------------------------------------------------------------------------------

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
    /// Every bit up to MODERATE_MEMBERS (what an owner or administrator gets).
    pub const ALL: u64 = (1 << 41) - 1;
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

const DISCORD_EPOCH_MS: u64 = 1_420_070_400_000;
const JOINED_AT: &str = "2024-01-01T00:00:00.000000+00:00";

// ---------------------------------------------------------------------------------------------
// Guild setup
// ---------------------------------------------------------------------------------------------

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
}

#[derive(Clone, Debug)]
pub struct ChannelSpec {
    pub id: u64,
    pub name: String,
    /// Discord channel type: 0 text, 2 voice, 4 category, 5 announcement, 15 forum.
    pub kind: u8,
    pub parent_id: Option<u64>,
    /// false: the bot gets an overwrite denying SEND_MESSAGES and posting returns 403/50013.
    pub bot_can_post: bool,
    pub topic: Option<String>,
}

#[derive(Clone, Debug)]
pub struct RoleSpec {
    pub id: u64,
    pub name: String,
    pub permissions: u64,
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
        ChannelSpec { id, name: name.into(), kind, parent_id: None, bot_can_post: true, topic: None }
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
    pub fn no_permission(mut self) -> Self {
        self.bot_can_post = false;
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
            roles: vec![RoleSpec { id, name: "@everyone".into(), permissions: perms::EVERYONE }],
            members: vec![],
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
        self.roles.push(RoleSpec { id, name: name.into(), permissions });
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
// Public records
// ---------------------------------------------------------------------------------------------

/// One REST request the fake received.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub at: Instant,
    pub method: String,
    /// Path without the `/api/v10` prefix, e.g. `/channels/4000/messages`.
    pub path: String,
    pub query: Option<String>,
    /// content-type, user-agent, x-audit-log-reason, host, authorization (token redacted).
    pub headers: BTreeMap<String, String>,
    /// JSON body, or the `payload_json` part of a multipart body (Null when empty).
    pub body: Value,
    /// Multipart file parts.
    pub files: Vec<FilePart>,
    pub status: u16,
    pub response: Value,
    /// Came over the HTTPS listener.
    pub tls: bool,
}

#[derive(Clone, Debug)]
pub struct FilePart {
    /// Form field name, e.g. `files[0]`.
    pub field: String,
    pub filename: Option<String>,
    pub content_type: Option<String>,
    pub bytes: Vec<u8>,
}

/// A body Discord would have rejected (size limits, double acknowledgement, ...).
#[derive(Clone, Debug)]
pub struct Violation {
    pub method: String,
    pub path: String,
    pub problems: Vec<String>,
    pub body: Value,
}

/// A fault to inject into REST responses; see [`FakeDiscord::inject`].
#[derive(Clone, Debug)]
pub struct Fault {
    pub kind: FaultKind,
    /// None = any method.
    pub method: Option<String>,
    /// Matched against the path without `/api/v10`, e.g. `/interactions/`.
    pub path_prefix: String,
    pub remaining: usize,
}

#[derive(Clone, Debug)]
pub enum FaultKind {
    /// 429 with Discord's body and headers; `retry_after` seconds.
    RateLimit { retry_after: f64, global: bool },
    /// A 5xx with a Discord-shaped body.
    ServerError { status: u16 },
}

impl Fault {
    /// The next request (see [`Fault::times`]) matching `method` (`"*"` = any) and the path
    /// prefix gets a 429 with `retry_after` 0.3 s.
    pub fn rate_limit(method: &str, path_prefix: &str) -> Self {
        Self::new(FaultKind::RateLimit { retry_after: 0.3, global: false }, method, path_prefix)
    }
    /// The next matching request gets a 500.
    pub fn server_error(method: &str, path_prefix: &str) -> Self {
        Self::new(FaultKind::ServerError { status: 500 }, method, path_prefix)
    }
    fn new(kind: FaultKind, method: &str, path_prefix: &str) -> Self {
        let method = (method != "*").then(|| method.to_ascii_uppercase());
        let path_prefix = path_prefix.strip_prefix("/api/v10").unwrap_or(path_prefix).to_string();
        Fault { kind, method, path_prefix, remaining: 1 }
    }
    pub fn times(mut self, n: usize) -> Self {
        self.remaining = n;
        self
    }
    pub fn retry_after(mut self, secs: f64) -> Self {
        if let FaultKind::RateLimit { retry_after, .. } = &mut self.kind {
            *retry_after = secs;
        }
        self
    }
    pub fn global(mut self) -> Self {
        if let FaultKind::RateLimit { global, .. } = &mut self.kind {
            *global = true;
        }
        self
    }
    pub fn status(mut self, code: u16) -> Self {
        if let FaultKind::ServerError { status } = &mut self.kind {
            *status = code;
        }
        self
    }
}

/// How [`FakeDiscord::drop_gateway_with`] ends the bot's websocket.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GatewayDrop {
    /// Close frame 4000 ("unknown error", resumable): the bot RESUMEs.
    Resumable,
    /// TCP closed without a close frame: the bot RESUMEs.
    Abrupt,
    /// Close 4000, and the next RESUME is answered with op 9 (not resumable): the bot
    /// re-IDENTIFYs (serenity may wait up to 5 s between shard boots).
    InvalidSession,
    /// Op 7 RECONNECT: the bot reconnects and RESUMEs.
    Reconnect,
}

/// Gateway counters.
#[derive(Clone, Debug, Default)]
pub struct GatewayStats {
    pub connections: u64,
    pub identifies: u64,
    /// READY sent (successful IDENTIFY).
    pub readies: u64,
    /// RESUME ops received.
    pub resumes: u64,
    /// RESUMED sent (successful RESUME).
    pub resumed: u64,
    pub invalid_sessions: u64,
    pub heartbeats: u64,
    pub disconnects: u64,
    /// Whether a connection is currently identified or resumed.
    pub live: bool,
}

impl GatewayStats {
    /// Sessions established: READY + RESUMED.
    pub fn sessions(&self) -> u64 {
        self.readies + self.resumed
    }
}

/// What happened on an interaction token, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TokenEventKind {
    /// `POST /interactions/{id}/{token}/callback` with this response type.
    Callback(u8),
    EditOriginal,
    DeleteOriginal,
    FollowUp,
    EditFollowUp(u64),
    DeleteFollowUp(u64),
}

#[derive(Clone, Debug)]
pub struct TokenEvent {
    pub kind: TokenEventKind,
    pub at: Instant,
    pub status: u16,
    /// The request body (callback `{type, data}` or message body).
    pub body: Value,
    pub files: Vec<FilePart>,
    /// The message as it looks after this event, when there is one.
    pub message: Option<Value>,
}

/// The interaction callback the bot sent.
#[derive(Clone, Debug)]
pub struct Callback {
    /// 4 message, 5 deferred message, 6 deferred update, 7 update message, 8 autocomplete,
    /// 9 modal.
    pub kind: u8,
    pub data: Value,
    /// From sending INTERACTION_CREATE on the socket to receiving the callback.
    pub latency: Duration,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReplyKind {
    /// Callback type 4.
    CallbackMessage,
    /// Callback type 7 (the component's message was updated).
    CallbackUpdate,
    /// PATCH @original after a deferral.
    OriginalEdit,
    /// A follow-up after a deferral.
    FollowUp,
}

/// The visible answer to an interaction.
#[derive(Clone, Debug)]
pub struct Reply {
    pub kind: ReplyKind,
    /// The callback type (4, 5, 6 or 7).
    pub callback_type: u8,
    pub content: String,
    pub embeds: Vec<Value>,
    pub components: Vec<Value>,
    /// flags & 64 (for a deferral: the deferral's flags).
    pub ephemeral: bool,
    pub attachments: Vec<Value>,
    pub files: Vec<FilePart>,
    /// The full message object (usable with [`FakeDiscord::click_button`]).
    pub message: Value,
    /// Dispatch to callback.
    pub latency: Duration,
    /// Dispatch to this reply.
    pub reply_latency: Duration,
}

impl Reply {
    /// All custom_ids of the message's components.
    pub fn custom_ids(&self) -> Vec<String> {
        let mut out = vec![];
        for row in &self.components {
            for c in row["components"].as_array().into_iter().flatten() {
                if let Some(id) = c["custom_id"].as_str() {
                    out.push(id.to_string());
                }
            }
        }
        out
    }
    /// Content plus all embed titles/descriptions/fields, for loose `contains` checks.
    pub fn text(&self) -> String {
        let mut s = self.content.clone();
        for e in &self.embeds {
            for k in ["title", "description"] {
                if let Some(t) = e[k].as_str() {
                    s.push('\n');
                    s.push_str(t);
                }
            }
            for f in e["fields"].as_array().into_iter().flatten() {
                s.push('\n');
                s.push_str(f["name"].as_str().unwrap_or(""));
                s.push('\n');
                s.push_str(f["value"].as_str().unwrap_or(""));
            }
            if let Some(t) = e["footer"]["text"].as_str() {
                s.push('\n');
                s.push_str(t);
            }
        }
        s
    }
}

/// A modal the bot opened (callback type 9).
#[derive(Clone, Debug)]
pub struct ModalRequest {
    pub custom_id: String,
    pub title: String,
    /// The text input components (type 4) in order.
    pub inputs: Vec<Value>,
}

impl ModalRequest {
    pub fn input_ids(&self) -> Vec<String> {
        self.inputs.iter().filter_map(|i| i["custom_id"].as_str().map(String::from)).collect()
    }
}

// ---------------------------------------------------------------------------------------------
// Interaction drivers
// ---------------------------------------------------------------------------------------------

/// Who invokes an interaction. Build with [`FakeDiscord::moderator`], [`FakeDiscord::member`],
/// [`FakeDiscord::invoker`] or [`Invoker::new`].
#[derive(Clone, Debug)]
pub struct Invoker {
    pub user_id: u64,
    pub username: String,
    /// None = a DM with the bot.
    pub guild_id: Option<u64>,
    /// 0 in a DM = the user's DM channel.
    pub channel_id: u64,
    pub roles: Vec<u64>,
    /// None = computed from the guild's roles.
    pub permissions: Option<u64>,
    pub locale: String,
}

impl Invoker {
    /// A user in the default guild's #general, no roles.
    pub fn new(user_id: u64, username: &str) -> Self {
        Invoker {
            user_id,
            username: username.into(),
            guild_id: Some(defaults::GUILD),
            channel_id: defaults::GENERAL,
            roles: vec![],
            permissions: None,
            locale: "en-US".into(),
        }
    }
    pub fn in_guild(mut self, guild_id: u64, channel_id: u64) -> Self {
        self.guild_id = Some(guild_id);
        self.channel_id = channel_id;
        self
    }
    pub fn in_channel(mut self, channel_id: u64) -> Self {
        self.channel_id = channel_id;
        self
    }
    /// Invoked in the user's DM with the bot.
    pub fn dm(mut self) -> Self {
        self.guild_id = None;
        self.channel_id = 0;
        self
    }
    pub fn roles(mut self, roles: &[u64]) -> Self {
        self.roles = roles.to_vec();
        self
    }
    /// Overrides the member's `permissions` in the payload.
    pub fn permissions(mut self, p: u64) -> Self {
        self.permissions = Some(p);
        self
    }
    pub fn locale(mut self, l: &str) -> Self {
        self.locale = l.into();
        self
    }
}

/// A slash command invocation (also used for autocomplete).
#[derive(Clone, Debug, Default)]
pub struct Slash {
    pub name: String,
    pub group: Option<String>,
    pub sub: Option<String>,
    pub options: Vec<Value>,
    pub invoker: Option<Invoker>,
}

impl Slash {
    pub fn new(name: &str) -> Self {
        Slash { name: name.into(), ..Default::default() }
    }
    pub fn group(mut self, g: &str) -> Self {
        self.group = Some(g.into());
        self
    }
    pub fn sub(mut self, s: &str) -> Self {
        self.sub = Some(s.into());
        self
    }
    pub fn by(mut self, who: &Invoker) -> Self {
        self.invoker = Some(who.clone());
        self
    }
    fn opt(mut self, name: &str, kind: u8, value: Value) -> Self {
        self.options.push(json!({"name": name, "type": kind, "value": value}));
        self
    }
    pub fn string(self, name: &str, v: &str) -> Self {
        self.opt(name, 3, json!(v))
    }
    pub fn integer(self, name: &str, v: i64) -> Self {
        self.opt(name, 4, json!(v))
    }
    pub fn boolean(self, name: &str, v: bool) -> Self {
        self.opt(name, 5, json!(v))
    }
    /// A user option; `resolved.users` (and `members` when they are in the guild) is filled.
    pub fn user(self, name: &str, user_id: u64) -> Self {
        self.opt(name, 6, json!(user_id.to_string()))
    }
    /// A channel option; `resolved.channels` is filled.
    pub fn channel(self, name: &str, channel_id: u64) -> Self {
        self.opt(name, 7, json!(channel_id.to_string()))
    }
    /// A role option; `resolved.roles` is filled.
    pub fn role(self, name: &str, role_id: u64) -> Self {
        self.opt(name, 8, json!(role_id.to_string()))
    }
    pub fn number(self, name: &str, v: f64) -> Self {
        self.opt(name, 10, json!(v))
    }
    /// The focused option of an autocomplete interaction (string option, partial input).
    pub fn focused(self, name: &str, partial: &str) -> Self {
        self.focused_typed(name, 3, partial)
    }
    /// A focused option of another type (Discord sends the partial input as a string).
    pub fn focused_typed(mut self, name: &str, kind: u8, partial: &str) -> Self {
        self.options.push(json!({"name": name, "type": kind, "value": partial, "focused": true}));
        self
    }
}

/// Observes the bot's answer to one dispatched interaction.
#[derive(Clone)]
pub struct InteractionHandle {
    fake: FakeDiscord,
    pub id: u64,
    pub token: String,
    /// The INTERACTION_CREATE `d` payload that was sent.
    pub payload: Value,
}

impl std::fmt::Debug for InteractionHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InteractionHandle").field("id", &self.id).field("token", &self.token).finish()
    }
}

// ---------------------------------------------------------------------------------------------
// Internal state
// ---------------------------------------------------------------------------------------------

struct Cfg {
    token: String,
    bot_id: u64,
    app_id: u64,
    bot_name: String,
    heartbeat_ms: u64,
    nonce_window: Duration,
    port: u16,
    tls_addr: SocketAddr,
    ca_pem: String,
}

struct Inner {
    cfg: Cfg,
    st: Mutex<St>,
    changed: watch::Sender<u64>,
}

#[derive(Clone, Debug)]
struct Chan {
    id: u64,
    guild_id: Option<u64>,
    name: String,
    kind: u8,
    parent_id: Option<u64>,
    bot_can_post: bool,
    topic: Option<String>,
    position: usize,
    recipient: Option<u64>,
    owner_id: Option<u64>,
}

#[derive(Clone, Debug, PartialEq)]
enum Origin {
    Channel,
    Interaction(String),
}

#[derive(Clone, Debug)]
struct StoredMsg {
    channel_id: u64,
    msg: Value,
    origin: Origin,
    deleted: bool,
}

struct Ix {
    id: u64,
    kind: u8,
    channel_id: u64,
    created: Instant,
    sent_at: Option<Instant>,
    callback: Option<(u8, Value, Instant)>,
    deferred_flags: u64,
    original: Option<u64>,
    source_message: Option<Value>,
    events: Vec<TokenEvent>,
}

struct LogEv {
    seq: u64,
    t: String,
    d: Value,
    token: Option<String>,
    sent: bool,
}

struct Session {
    id: String,
    seq: u64,
    log: Vec<LogEv>,
}

enum WsCmd {
    Frame(String, Option<String>),
    Close(u16, &'static str),
    Abrupt,
    Raw(String),
}

#[derive(Default)]
struct Gw {
    next_conn: u64,
    sessions_made: u64,
    session: Option<Session>,
    live: Option<(u64, mpsc::UnboundedSender<WsCmd>)>,
    orphans: Vec<(String, Value, Option<String>)>,
    invalidate_next_resume: bool,
    stats: GatewayStats,
    ops: Vec<Value>,
    queries: Vec<String>,
}

#[derive(Default)]
struct St {
    last_id: u64,
    guilds: Vec<GuildSpec>,
    channels: BTreeMap<u64, Chan>,
    dm_by_user: HashMap<u64, u64>,
    dm_closed: HashSet<u64>,
    usernames: HashMap<u64, String>,
    messages: BTreeMap<u64, StoredMsg>,
    nonces: HashMap<(u64, String), (u64, Instant)>,
    threads: Vec<Value>,
    requests: Vec<Recorded>,
    unhandled: Vec<Recorded>,
    violations: Vec<Violation>,
    faults: Vec<Fault>,
    count_429: usize,
    count_5xx: usize,
    /// Registered commands (with ids) per scope: None = global, Some(guild).
    commands: BTreeMap<Option<u64>, Vec<Value>>,
    last_commands_put: Option<Value>,
    interactions: HashMap<String, Ix>,
    gw: Gw,
}

impl St {
    /// Records a guild's channels and member names (at start and for `add_guild`).
    fn register_guild(&mut self, g: &GuildSpec) {
        for (i, c) in g.channels.iter().enumerate() {
            self.channels.insert(
                c.id,
                Chan {
                    id: c.id,
                    guild_id: Some(g.id),
                    name: c.name.clone(),
                    kind: c.kind,
                    parent_id: c.parent_id,
                    bot_can_post: c.bot_can_post,
                    topic: c.topic.clone(),
                    position: i,
                    recipient: None,
                    owner_id: None,
                },
            );
        }
        for m in &g.members {
            self.usernames.insert(m.user_id, m.username.clone());
        }
    }

    fn next_id(&mut self) -> u64 {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as u64;
        let id = ((now - DISCORD_EPOCH_MS) << 22).max(self.last_id + 1);
        self.last_id = id;
        id
    }

    fn username(&self, cfg: &Cfg, user_id: u64) -> String {
        if user_id == cfg.bot_id {
            return cfg.bot_name.clone();
        }
        self.usernames.get(&user_id).cloned().unwrap_or_else(|| format!("user{user_id}"))
    }

    fn user_json(&self, cfg: &Cfg, user_id: u64) -> Value {
        user_json(user_id, &self.username(cfg, user_id), user_id == cfg.bot_id)
    }

    fn guild(&self, id: u64) -> Option<&GuildSpec> {
        self.guilds.iter().find(|g| g.id == id)
    }

    fn chan_json(&self, cfg: &Cfg, c: &Chan) -> Value {
        if c.kind == 1 {
            let r = c.recipient.unwrap_or(0);
            return json!({"id": c.id.to_string(), "type": 1, "last_message_id": null,
                "recipients": [self.user_json(cfg, r)], "flags": 0});
        }
        let mut v = json!({
            "id": c.id.to_string(), "type": c.kind, "guild_id": c.guild_id.map(|g| g.to_string()),
            "name": c.name, "position": c.position, "flags": 0, "nsfw": false,
            "parent_id": c.parent_id.map(|p| p.to_string()),
        });
        let o = v.as_object_mut().unwrap();
        if matches!(c.kind, 10..=12) {
            o.insert("owner_id".into(), json!(c.owner_id.unwrap_or(cfg.bot_id).to_string()));
            o.insert("last_message_id".into(), Value::Null);
            o.insert("rate_limit_per_user".into(), json!(0));
            o.insert("message_count".into(), json!(0));
            o.insert("member_count".into(), json!(1));
            o.insert("total_message_sent".into(), json!(0));
            o.insert(
                "thread_metadata".into(),
                json!({"archived": false, "auto_archive_duration": 1440, "locked": false,
                       "archive_timestamp": now_ts(), "create_timestamp": now_ts(), "invitable": true}),
            );
            return v;
        }
        let deny = if c.bot_can_post {
            vec![]
        } else {
            vec![json!({"id": cfg.bot_id.to_string(), "type": 1, "allow": "0",
                        "deny": (perms::SEND_MESSAGES | perms::SEND_MESSAGES_IN_THREADS).to_string()})]
        };
        o.insert("permission_overwrites".into(), json!(deny));
        match c.kind {
            2 | 13 => {
                o.insert("bitrate".into(), json!(64000));
                o.insert("user_limit".into(), json!(0));
                o.insert("rtc_region".into(), Value::Null);
            }
            4 => {}
            _ => {
                o.insert("topic".into(), json!(c.topic));
                o.insert("last_message_id".into(), Value::Null);
                o.insert("rate_limit_per_user".into(), json!(0));
                if c.kind == 15 {
                    o.insert("available_tags".into(), json!([]));
                    o.insert("default_reaction_emoji".into(), Value::Null);
                    o.insert("default_sort_order".into(), Value::Null);
                    o.insert("default_forum_layout".into(), json!(0));
                    o.insert("default_thread_rate_limit_per_user".into(), json!(0));
                }
            }
        }
        v
    }

    fn role_json(r: &RoleSpec, position: usize) -> Value {
        json!({"id": r.id.to_string(), "name": r.name, "color": 0, "hoist": false, "icon": null,
               "unicode_emoji": null, "position": position, "permissions": r.permissions.to_string(),
               "managed": false, "mentionable": false, "flags": 0,
               "colors": {"primary_color": 0, "secondary_color": null, "tertiary_color": null}})
    }

    fn member_json(&self, g: &GuildSpec, m: &MemberSpec) -> Value {
        json!({"user": user_json(m.user_id, &m.username, m.bot), "nick": null, "avatar": null,
               "roles": m.roles.iter().map(|r| r.to_string()).collect::<Vec<_>>(),
               "joined_at": JOINED_AT, "premium_since": null, "deaf": false, "mute": false,
               "flags": 0, "pending": false, "communication_disabled_until": null,
               "guild_id": g.id.to_string()})
    }

    fn members_with_bot(&self, cfg: &Cfg, g: &GuildSpec) -> Vec<MemberSpec> {
        let mut ms = g.members.clone();
        if !ms.iter().any(|m| m.user_id == cfg.bot_id) {
            ms.push(MemberSpec { user_id: cfg.bot_id, username: cfg.bot_name.clone(), roles: vec![], bot: true });
        }
        ms
    }

    fn guild_json(&self, cfg: &Cfg, g: &GuildSpec, full: bool) -> Value {
        let roles: Vec<Value> = g.roles.iter().enumerate().map(|(i, r)| Self::role_json(r, i)).collect();
        let mut v = json!({
            "id": g.id.to_string(), "name": g.name, "icon": null, "icon_hash": null, "splash": null,
            "discovery_splash": null, "owner_id": g.owner_id.to_string(), "afk_channel_id": null,
            "afk_timeout": 300, "widget_enabled": false, "widget_channel_id": null,
            "verification_level": 0, "default_message_notifications": 0, "explicit_content_filter": 0,
            "roles": roles, "emojis": [], "features": [], "mfa_level": 0, "application_id": null,
            "system_channel_id": null, "system_channel_flags": 0, "rules_channel_id": null,
            "max_presences": null, "max_members": 500000, "vanity_url_code": null, "description": null,
            "banner": null, "premium_tier": 0, "premium_subscription_count": 0,
            "preferred_locale": "en-US", "public_updates_channel_id": null,
            "max_video_channel_users": 25, "max_stage_video_channel_users": 50,
            "approximate_member_count": g.members.len() + 1, "approximate_presence_count": 1,
            "nsfw_level": 0, "stickers": [], "premium_progress_bar_enabled": false,
            "safety_alerts_channel_id": null, "region": null,
        });
        if full {
            let o = v.as_object_mut().unwrap();
            let chans: Vec<Value> = self
                .channels
                .values()
                .filter(|c| c.guild_id == Some(g.id) && !matches!(c.kind, 10..=12))
                .map(|c| self.chan_json(cfg, c))
                .collect();
            let threads: Vec<Value> = self
                .channels
                .values()
                .filter(|c| c.guild_id == Some(g.id) && matches!(c.kind, 10..=12))
                .map(|c| self.chan_json(cfg, c))
                .collect();
            let members: Vec<Value> = self.members_with_bot(cfg, g).iter().map(|m| self.member_json(g, m)).collect();
            o.insert("joined_at".into(), json!(JOINED_AT));
            o.insert("large".into(), json!(false));
            o.insert("unavailable".into(), json!(false));
            o.insert("member_count".into(), json!(members.len()));
            o.insert("voice_states".into(), json!([]));
            o.insert("members".into(), json!(members));
            o.insert("channels".into(), json!(chans));
            o.insert("threads".into(), json!(threads));
            o.insert("presences".into(), json!([]));
            o.insert("stage_instances".into(), json!([]));
            o.insert("guild_scheduled_events".into(), json!([]));
            o.insert("soundboard_sounds".into(), json!([]));
        }
        v
    }

    fn ready_json(&self, cfg: &Cfg, session_id: &str, shard: Value) -> Value {
        let mut bot = user_json(cfg.bot_id, &cfg.bot_name, true);
        bot["verified"] = json!(true);
        bot["mfa_enabled"] = json!(false);
        bot["flags"] = json!(0);
        let guilds: Vec<Value> =
            self.guilds.iter().map(|g| json!({"id": g.id.to_string(), "unavailable": true})).collect();
        json!({
            "v": 10, "user": bot, "guilds": guilds, "session_id": session_id,
            "resume_gateway_url": format!("ws://127.0.0.1:{}/ws", cfg.port),
            "shard": shard, "application": {"id": cfg.app_id.to_string(), "flags": 0},
            "private_channels": [], "relationships": [], "presences": [],
            "geo_ordered_rtc_regions": [], "guild_join_requests": [], "user_settings": {},
            "_trace": ["fake-discord"],
        })
    }

    fn application_json(&self, cfg: &Cfg, g0_owner: u64) -> Value {
        json!({
            "id": cfg.app_id.to_string(), "name": cfg.bot_name, "icon": null, "description": "",
            "rpc_origins": [], "bot_public": true, "bot_require_code_grant": false,
            "bot": user_json(cfg.bot_id, &cfg.bot_name, true),
            "terms_of_service_url": null, "privacy_policy_url": null,
            "owner": self.user_json(cfg, g0_owner), "verify_key": "0".repeat(64), "team": null,
            "guild_id": null, "primary_sku_id": null, "slug": null, "cover_image": null,
            "flags": 0, "approximate_guild_count": self.guilds.len(), "redirect_uris": [],
            "interactions_endpoint_url": null, "role_connections_verification_url": null,
            "tags": [], "install_params": null, "custom_install_url": null,
            "integration_types_config": {"0": {}},
        })
    }

    fn store_message(&mut self, channel_id: u64, msg: Value, origin: Origin) {
        let id = id_of(&msg);
        self.messages.insert(id, StoredMsg { channel_id, msg, origin, deleted: false });
    }

    fn visible_in(&self, channel_id: u64) -> Vec<Value> {
        self.messages
            .values()
            .filter(|m| m.channel_id == channel_id && !m.deleted && m.msg["flags"].as_u64().unwrap_or(0) & 64 == 0)
            .map(|m| m.msg.clone())
            .collect()
    }

    fn dm_channel_for(&mut self, user_id: u64) -> u64 {
        if let Some(c) = self.dm_by_user.get(&user_id) {
            return *c;
        }
        let id = self.next_id();
        self.dm_by_user.insert(user_id, id);
        self.channels.insert(
            id,
            Chan {
                id,
                guild_id: None,
                name: String::new(),
                kind: 1,
                parent_id: None,
                bot_can_post: true,
                topic: None,
                position: 0,
                recipient: Some(user_id),
                owner_id: None,
            },
        );
        id
    }
}

fn user_json(id: u64, name: &str, bot: bool) -> Value {
    json!({"id": id.to_string(), "username": name, "discriminator": "0", "global_name": null,
           "avatar": null, "bot": bot, "system": false, "public_flags": 0, "banner": null,
           "accent_color": null, "avatar_decoration_data": null})
}

fn now_ts() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.6f+00:00").to_string()
}

fn id_of(v: &Value) -> u64 {
    match &v["id"] {
        Value::String(s) => s.parse().unwrap_or(0),
        Value::Number(n) => n.as_u64().unwrap_or(0),
        _ => 0,
    }
}

fn parse_id(s: &str) -> Option<u64> {
    s.parse().ok()
}

// ---------------------------------------------------------------------------------------------
// FakeDiscord
// ---------------------------------------------------------------------------------------------

/// The fake. Cheap to clone (shared state).
#[derive(Clone)]
pub struct FakeDiscord {
    inner: Arc<Inner>,
}

/// Configures a [`FakeDiscord`] before [`FakeDiscordBuilder::start`].
pub struct FakeDiscordBuilder {
    token: String,
    bot_id: u64,
    app_id: u64,
    bot_name: String,
    heartbeat_ms: u64,
    nonce_window: Duration,
    guilds: Vec<GuildSpec>,
}

impl FakeDiscordBuilder {
    /// Removes the default "Test Guild" (add your own with [`Self::guild`]).
    pub fn no_default_guild(mut self) -> Self {
        self.guilds.clear();
        self
    }
    pub fn guild(mut self, g: GuildSpec) -> Self {
        self.guilds.push(g);
        self
    }
    pub fn heartbeat_ms(mut self, ms: u64) -> Self {
        self.heartbeat_ms = ms;
        self
    }
    pub fn token(mut self, t: &str) -> Self {
        self.token = t.into();
        self
    }
    pub fn bot(mut self, user_id: u64, name: &str) -> Self {
        self.bot_id = user_id;
        self.bot_name = name.into();
        self
    }
    pub fn application_id(mut self, id: u64) -> Self {
        self.app_id = id;
        self
    }
    /// How long a `nonce` + `enforce_nonce` message is remembered (default 5 min).
    pub fn nonce_window(mut self, d: Duration) -> Self {
        self.nonce_window = d;
        self
    }

    pub async fn start(self) -> FakeDiscord {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind fake discord");
        let port = listener.local_addr().unwrap().port();
        let tls_tcp = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind fake discord tls");
        let tls_addr = tls_tcp.local_addr().unwrap();
        let (ca_pem, server_config) = make_tls();

        let mut st = St::default();
        for g in &self.guilds {
            st.register_guild(g);
        }
        st.guilds = self.guilds;
        let cfg = Cfg {
            token: self.token,
            bot_id: self.bot_id,
            app_id: self.app_id,
            bot_name: self.bot_name,
            heartbeat_ms: self.heartbeat_ms,
            nonce_window: self.nonce_window,
            port,
            tls_addr,
            ca_pem,
        };
        let (changed, _) = watch::channel(0u64);
        let inner = Arc::new(Inner { cfg, st: Mutex::new(st), changed });

        let plain = app(Ctx { inner: inner.clone(), tls: false });
        tokio::spawn(async move {
            let _ = axum::serve(listener, plain).await;
        });
        let tls_app = app(Ctx { inner: inner.clone(), tls: true });
        let tls_listener = TlsListener::spawn(tls_tcp, server_config);
        tokio::spawn(async move {
            let _ = axum::serve(tls_listener, tls_app).await;
        });
        FakeDiscord { inner }
    }
}

impl FakeDiscord {
    /// Default setup: one guild "Test Guild" ([`GuildSpec::default_test_guild`]), 1 s heartbeat.
    pub async fn start() -> FakeDiscord {
        Self::builder().start().await
    }

    pub fn builder() -> FakeDiscordBuilder {
        FakeDiscordBuilder {
            token: defaults::TOKEN.into(),
            bot_id: defaults::BOT_USER,
            app_id: defaults::APPLICATION,
            bot_name: defaults::BOT_NAME.into(),
            heartbeat_ms: defaults::HEARTBEAT_MS,
            nonce_window: Duration::from_secs(300),
            guilds: vec![GuildSpec::default_test_guild()],
        }
    }

    fn lock(&self) -> MutexGuard<'_, St> {
        self.inner.st.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn bump(&self) {
        self.inner.bump();
    }

    // ----- connection info -----

    /// `http://127.0.0.1:PORT`, for `HttpBuilder::proxy`.
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.inner.cfg.port)
    }
    /// The gateway URL the fake hands out.
    pub fn gateway_url(&self) -> String {
        format!("ws://127.0.0.1:{}/ws", self.inner.cfg.port)
    }
    pub fn token(&self) -> &str {
        &self.inner.cfg.token
    }
    pub fn bot_user_id(&self) -> u64 {
        self.inner.cfg.bot_id
    }
    pub fn application_id(&self) -> u64 {
        self.inner.cfg.app_id
    }
    /// The HTTPS listener (`discord.com` resolves here in [`Self::tls_client`]).
    pub fn tls_addr(&self) -> SocketAddr {
        self.inner.cfg.tls_addr
    }
    /// The test CA (PEM) that signed the `discord.com` certificate.
    pub fn ca_pem(&self) -> &str {
        &self.inner.cfg.ca_pem
    }

    /// Proxy mode: `HttpBuilder::new(token).proxy(base_url).ratelimiter_disabled(true)`.
    /// The application id is preset (serenity otherwise learns it from READY).
    pub fn proxy_http(&self) -> serenity::all::Http {
        serenity::all::HttpBuilder::new(self.token())
            .proxy(self.base_url())
            .ratelimiter_disabled(true)
            .application_id(serenity::all::ApplicationId::new(self.application_id()))
            .build()
    }

    /// A reqwest client (no proxy) for which `discord.com` is the fake's TLS listener and the
    /// only trusted root is the fake's CA.
    pub fn tls_client(&self) -> reqwest::Client {
        let ca = reqwest::Certificate::from_pem(self.ca_pem().as_bytes()).expect("test CA pem");
        reqwest::Client::builder()
            .no_proxy()
            .use_rustls_tls()
            .tls_built_in_root_certs(false)
            .add_root_certificate(ca)
            .resolve("discord.com", self.tls_addr())
            .connect_timeout(Duration::from_secs(5))
            .build()
            .expect("tls client")
    }

    /// HTTPS mode: `HttpBuilder::new(token).client(tls_client())`, serenity's ratelimiter ON.
    /// The application id is preset.
    pub fn tls_http(&self) -> serenity::all::Http {
        serenity::all::HttpBuilder::new(self.token())
            .client(self.tls_client())
            .application_id(serenity::all::ApplicationId::new(self.application_id()))
            .build()
    }

    // ----- invokers -----

    /// alice: owner of the default guild with the Moderator role (has MANAGE_GUILD).
    pub fn moderator(&self) -> Invoker {
        Invoker::new(defaults::ALICE, "alice").roles(&[defaults::MODERATOR_ROLE])
    }
    /// bob: plain member (no MANAGE_GUILD).
    pub fn member(&self) -> Invoker {
        Invoker::new(defaults::BOB, "bob").roles(&[defaults::MEMBER_ROLE])
    }
    /// A configured member of some guild (its first text channel, its roles).
    pub fn invoker(&self, user_id: u64) -> Invoker {
        let st = self.lock();
        for g in &st.guilds {
            if let Some(m) = g.members.iter().find(|m| m.user_id == user_id) {
                let ch =
                    st.channels.values().find(|c| c.guild_id == Some(g.id) && c.kind == 0).map(|c| c.id).unwrap_or(0);
                return Invoker::new(user_id, &m.username).in_guild(g.id, ch).roles(&m.roles);
            }
        }
        panic!("user {user_id} is not a member of any configured guild");
    }

    /// Makes DMs to this user fail with 403 / 50007.
    pub fn close_dms(&self, user_id: u64) {
        self.lock().dm_closed.insert(user_id);
    }

    /// Adds a guild at runtime and dispatches GUILD_CREATE for it.
    pub fn add_guild(&self, g: GuildSpec) {
        let d = {
            let mut st = self.lock();
            st.register_guild(&g);
            st.guilds.push(g.clone());
            st.guild_json(&self.inner.cfg, &g, true)
        };
        self.dispatch("GUILD_CREATE", d);
    }

    // ----- fixtures (what the gateway sends) -----

    /// The READY `d` payload a new session would get.
    pub fn ready_payload(&self) -> Value {
        self.lock().ready_json(&self.inner.cfg, "fixture-session", json!([0, 1]))
    }
    /// The GUILD_CREATE `d` payloads, one per guild.
    pub fn guild_create_payloads(&self) -> Vec<Value> {
        let st = self.lock();
        st.guilds.iter().map(|g| st.guild_json(&self.inner.cfg, g, true)).collect()
    }
    /// `GET /oauth2/applications/@me` body.
    pub fn application_payload(&self) -> Value {
        let st = self.lock();
        let owner = st.guilds.first().map(|g| g.owner_id).unwrap_or(defaults::ALICE);
        st.application_json(&self.inner.cfg, owner)
    }

    // ----- gateway -----

    /// Sends a raw dispatch (op 0) with the next sequence number. While the bot is
    /// disconnected it is kept and replayed on RESUME (or sent after the next READY).
    pub fn dispatch(&self, t: &str, d: Value) {
        self.inner.dispatch(t, d, None);
    }

    pub fn gateway_stats(&self) -> GatewayStats {
        let st = self.lock();
        let mut s = st.gw.stats.clone();
        s.live = st.gw.live.is_some();
        s
    }

    /// Non-heartbeat ops the bot sent (IDENTIFY with the token redacted, RESUME, presence...).
    pub fn gateway_ops(&self) -> Vec<Value> {
        self.lock().gw.ops.clone()
    }

    /// Query strings of the websocket upgrades (serenity sends `v=10`).
    pub fn gateway_queries(&self) -> Vec<String> {
        self.lock().gw.queries.clone()
    }

    /// Waits until READY + RESUMED sent >= n and a connection is live.
    pub async fn wait_gateway_sessions(&self, n: u64, timeout: Duration) -> GatewayStats {
        self.wait_until(timeout, &format!("{n} gateway sessions (READY + RESUMED)"), || {
            let s = self.gateway_stats();
            (s.sessions() >= n && s.live).then_some(s)
        })
        .await
    }

    /// Waits for the first READY.
    pub async fn wait_ready(&self, timeout: Duration) {
        self.wait_gateway_sessions(1, timeout).await;
    }

    /// Waits until some gateway connection is live (identified or resumed).
    pub async fn wait_connected(&self, timeout: Duration) -> GatewayStats {
        self.wait_until(timeout, "a live gateway connection", || {
            let s = self.gateway_stats();
            s.live.then_some(s)
        })
        .await
    }

    /// Closes the bot's websocket with a resumable close code (4000); waits until it is gone.
    pub async fn drop_gateway(&self) {
        self.drop_gateway_with(GatewayDrop::Resumable).await
    }

    /// Ends the bot's websocket as asked; returns once that connection is closed (for
    /// [`GatewayDrop::Reconnect`], once the bot has closed it). Then use
    /// [`Self::wait_gateway_sessions`] / [`Self::wait_connected`].
    pub async fn drop_gateway_with(&self, how: GatewayDrop) {
        let (conn, tx) = {
            let mut st = self.lock();
            let Some((conn, tx)) = st.gw.live.clone() else { panic!("drop_gateway: no live gateway connection") };
            if how == GatewayDrop::InvalidSession {
                st.gw.invalidate_next_resume = true;
            }
            (conn, tx)
        };
        let cmd = match how {
            GatewayDrop::Resumable | GatewayDrop::InvalidSession => WsCmd::Close(4000, "fake: dropped"),
            GatewayDrop::Abrupt => WsCmd::Abrupt,
            GatewayDrop::Reconnect => WsCmd::Raw(json!({"op": 7, "d": null}).to_string()),
        };
        let _ = tx.send(cmd);
        self.wait_until(Duration::from_secs(10), "the dropped gateway connection to close", || {
            let st = self.lock();
            (st.gw.live.as_ref().map(|l| l.0) != Some(conn)).then_some(())
        })
        .await;
    }

    // ----- faults -----

    pub fn inject(&self, f: Fault) {
        self.lock().faults.push(f);
    }
    pub fn clear_faults(&self) {
        self.lock().faults.clear();
    }
    /// 429 responses served so far.
    pub fn count_429(&self) -> usize {
        self.lock().count_429
    }
    /// 5xx responses served so far.
    pub fn count_5xx(&self) -> usize {
        self.lock().count_5xx
    }

    // ----- queries -----

    pub fn requests(&self) -> Vec<Recorded> {
        self.lock().requests.clone()
    }
    /// Requests whose method is `method` and whose path starts with `prefix`.
    pub fn requests_to(&self, method: &str, prefix: &str) -> Vec<Recorded> {
        self.lock()
            .requests
            .iter()
            .filter(|r| r.method.eq_ignore_ascii_case(method) && r.path.starts_with(prefix))
            .cloned()
            .collect()
    }
    /// Requests for routes the fake does not know (answered 404).
    pub fn unhandled(&self) -> Vec<Recorded> {
        self.lock().unhandled.clone()
    }
    /// The body of the latest command registration PUT (global or guild), as sent.
    pub fn registered_commands(&self) -> Option<Value> {
        self.lock().last_commands_put.clone()
    }
    /// Commands currently registered (with ids) in a scope: None = global.
    pub fn commands_in(&self, guild: Option<u64>) -> Vec<Value> {
        self.lock().commands.get(&guild).cloned().unwrap_or_default()
    }
    /// Waits for a command registration PUT and returns its body.
    pub async fn wait_commands_registered(&self, timeout: Duration) -> Value {
        self.wait_until(timeout, "command registration", || self.registered_commands()).await
    }
    /// Visible (non-deleted, non-ephemeral) messages in a channel, oldest first: bot posts
    /// and interaction replies alike.
    pub fn channel_messages(&self, channel_id: u64) -> Vec<Value> {
        self.lock().visible_in(channel_id)
    }
    /// Only messages the bot created with `POST /channels/{id}/messages` (not deleted).
    pub fn channel_posts(&self, channel_id: u64) -> Vec<Value> {
        self.lock()
            .messages
            .values()
            .filter(|m| m.channel_id == channel_id && !m.deleted && m.origin == Origin::Channel)
            .map(|m| m.msg.clone())
            .collect()
    }
    /// A stored message by id (including deleted ones).
    pub fn message(&self, id: u64) -> Option<Value> {
        self.lock().messages.get(&id).map(|m| m.msg.clone())
    }
    /// Messages the bot sent to a user's DM channel.
    pub fn dm_messages(&self, user_id: u64) -> Vec<Value> {
        let st = self.lock();
        match st.dm_by_user.get(&user_id) {
            Some(c) => st.visible_in(*c),
            None => vec![],
        }
    }
    /// Threads the bot created (channel objects as returned).
    pub fn threads(&self) -> Vec<Value> {
        self.lock().threads.clone()
    }
    pub fn violations(&self) -> Vec<Violation> {
        self.lock().violations.clone()
    }
    /// Returns and clears the violations.
    pub fn take_violations(&self) -> Vec<Violation> {
        std::mem::take(&mut self.lock().violations)
    }
    pub fn clear_violations(&self) {
        self.lock().violations.clear();
    }

    /// Panics listing every violation (bodies Discord would have rejected).
    pub fn assert_no_violations(&self) {
        let v = self.violations();
        if !v.is_empty() {
            let list: Vec<String> =
                v.iter().map(|v| format!("  {} {}: {}", v.method, v.path, v.problems.join("; "))).collect();
            panic!("fake discord: {} request(s) Discord would reject:\n{}", v.len(), list.join("\n"));
        }
    }

    /// Panics listing requests to routes the fake does not serve.
    pub fn assert_no_unhandled(&self) {
        let u = self.unhandled();
        if !u.is_empty() {
            let list: Vec<String> = u.iter().map(|r| format!("  {} {}", r.method, r.path)).collect();
            panic!("fake discord: {} request(s) to unknown routes:\n{}", u.len(), list.join("\n"));
        }
    }

    /// End-of-test check: no violations and no unhandled routes.
    pub fn finish(&self) {
        self.assert_no_violations();
        self.assert_no_unhandled();
    }

    /// Polls `f` (called without the fake's lock held) on every state change until it
    /// returns Some; panics after `timeout` with `what` and the last requests.
    pub async fn wait_until<T>(&self, timeout: Duration, what: &str, mut f: impl FnMut() -> Option<T>) -> T {
        match self.try_wait_until(timeout, &mut f).await {
            Some(v) => v,
            None => {
                let reqs: Vec<String> = self
                    .requests()
                    .iter()
                    .rev()
                    .take(15)
                    .rev()
                    .map(|r| format!("  {} {} -> {}", r.method, r.path, r.status))
                    .collect();
                panic!(
                    "fake discord: timed out after {timeout:?} waiting for {what}\nlast requests:\n{}\ngateway: {:?}",
                    reqs.join("\n"),
                    self.gateway_stats()
                )
            }
        }
    }

    /// Like [`Self::wait_until`] but returns None on timeout.
    pub async fn try_wait_until<T>(&self, timeout: Duration, mut f: impl FnMut() -> Option<T>) -> Option<T> {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut rx = self.inner.changed.subscribe();
        loop {
            if let Some(v) = f() {
                return Some(v);
            }
            // Also poll every 50 ms in case `f` depends on something other than our state.
            let step = tokio::time::Instant::now() + Duration::from_millis(50);
            match tokio::time::timeout_at(deadline.min(step), rx.changed()).await {
                Ok(Ok(())) => {}
                Ok(Err(_)) => return f(),
                Err(_) if tokio::time::Instant::now() >= deadline => return f(),
                Err(_) => {}
            }
        }
    }

    // ----- driving interactions -----

    /// Dispatches a slash command (type 2) INTERACTION_CREATE. Default invoker: [`Self::member`].
    pub async fn slash(&self, cmd: Slash) -> InteractionHandle {
        let who = cmd.invoker.clone().unwrap_or_else(|| self.member());
        let data = self.command_data(&cmd, &who);
        self.send_interaction(2, data, &who, None)
    }

    /// Dispatches an autocomplete (type 4) interaction; one option should be `focused`.
    pub async fn autocomplete(&self, cmd: Slash) -> InteractionHandle {
        let who = cmd.invoker.clone().unwrap_or_else(|| self.member());
        let data = self.command_data(&cmd, &who);
        self.send_interaction(4, data, &who, None)
    }

    /// A button click (type 3, component_type 2) on `message` (a message object, e.g.
    /// `reply.message`). The interaction's channel is the message's channel.
    pub async fn click_button(&self, who: &Invoker, message: &Value, custom_id: &str) -> InteractionHandle {
        let data = json!({"custom_id": custom_id, "component_type": 2});
        tokio::time::sleep(HUMAN_DELAY).await;
        self.send_interaction(3, data, who, Some(message.clone()))
    }

    /// A string select (type 3, component_type 3) choice on `message`.
    pub async fn select(&self, who: &Invoker, message: &Value, custom_id: &str, values: &[&str]) -> InteractionHandle {
        let data = json!({"custom_id": custom_id, "component_type": 3, "values": values});
        tokio::time::sleep(HUMAN_DELAY).await;
        self.send_interaction(3, data, who, Some(message.clone()))
    }

    /// A modal submit (type 5) with text input values `(custom_id, value)`.
    pub async fn submit_modal(&self, who: &Invoker, custom_id: &str, fields: &[(&str, &str)]) -> InteractionHandle {
        let rows: Vec<Value> = fields
            .iter()
            .map(|(id, v)| json!({"type": 1, "components": [{"type": 4, "custom_id": id, "value": v}]}))
            .collect();
        let data = json!({"custom_id": custom_id, "components": rows});
        tokio::time::sleep(HUMAN_DELAY).await;
        self.send_interaction(5, data, who, None)
    }

    fn command_data(&self, cmd: &Slash, who: &Invoker) -> Value {
        let st = self.lock();
        let cfg = &self.inner.cfg;
        let mut options = cmd.options.clone();
        if let Some(sub) = &cmd.sub {
            options = vec![json!({"name": sub, "type": 1, "options": options})];
        }
        if let Some(group) = &cmd.group {
            options = vec![json!({"name": group, "type": 2, "options": options})];
        }
        // Resolved data for user / channel / role options.
        let mut users = serde_json::Map::new();
        let mut members = serde_json::Map::new();
        let mut channels = serde_json::Map::new();
        let mut roles = serde_json::Map::new();
        let guild = who.guild_id.and_then(|g| st.guild(g));
        for o in &cmd.options {
            let id = o["value"].as_str().and_then(parse_id).unwrap_or(0);
            if o["focused"].as_bool() == Some(true) {
                continue;
            }
            match o["type"].as_u64() {
                Some(6) => {
                    users.insert(id.to_string(), st.user_json(cfg, id));
                    if let Some(g) = guild
                        && let Some(m) = st.members_with_bot(cfg, g).iter().find(|m| m.user_id == id)
                    {
                        let p = g.permissions_for(id, &m.roles);
                        members.insert(
                            id.to_string(),
                            json!({"roles": m.roles.iter().map(|r| r.to_string()).collect::<Vec<_>>(),
                                   "joined_at": JOINED_AT, "nick": null, "avatar": null,
                                   "premium_since": null, "pending": false, "flags": 0,
                                   "permissions": p.to_string(), "communication_disabled_until": null}),
                        );
                    }
                }
                Some(7) => {
                    let c = st.channels.get(&id).cloned();
                    let mut pc = json!({"id": id.to_string(), "type": c.as_ref().map(|c| c.kind).unwrap_or(0),
                        "name": c.as_ref().map(|c| c.name.clone()).unwrap_or_default(),
                        "permissions": perms::ALL.to_string()});
                    if let Some(p) = c.as_ref().and_then(|c| c.parent_id) {
                        pc["parent_id"] = json!(p.to_string());
                    }
                    channels.insert(id.to_string(), pc);
                }
                Some(8) => {
                    if let Some((i, r)) = guild.and_then(|g| g.roles.iter().enumerate().find(|(_, r)| r.id == id)) {
                        roles.insert(id.to_string(), St::role_json(r, i));
                    } else {
                        let r = RoleSpec { id, name: format!("role{id}"), permissions: 0 };
                        roles.insert(id.to_string(), St::role_json(&r, 0));
                    }
                }
                _ => {}
            }
        }
        // Command id / guild_id from what the bot registered.
        let mut cmd_id = None;
        let mut cmd_guild = None;
        if let Some(g) = who.guild_id
            && let Some(c) = st.commands.get(&Some(g)).and_then(|cs| cs.iter().find(|c| c["name"] == cmd.name.as_str()))
        {
            cmd_id = Some(id_of(c));
            cmd_guild = Some(g);
        }
        if cmd_id.is_none() {
            cmd_id =
                st.commands.get(&None).and_then(|cs| cs.iter().find(|c| c["name"] == cmd.name.as_str())).map(id_of);
        }
        drop(st);
        let cmd_id = cmd_id.unwrap_or_else(|| self.lock().next_id());
        let mut data = json!({"id": cmd_id.to_string(), "name": cmd.name, "type": 1, "options": options});
        let mut resolved = serde_json::Map::new();
        for (k, m) in [("users", users), ("members", members), ("channels", channels), ("roles", roles)] {
            if !m.is_empty() {
                resolved.insert(k.into(), Value::Object(m));
            }
        }
        if !resolved.is_empty() {
            data["resolved"] = Value::Object(resolved);
        }
        if let Some(g) = cmd_guild {
            data["guild_id"] = json!(g.to_string());
        }
        data
    }

    fn send_interaction(&self, kind: u8, data: Value, who: &Invoker, message: Option<Value>) -> InteractionHandle {
        let cfg = &self.inner.cfg;
        let (id, token, payload) = {
            let mut st = self.lock();
            let id = st.next_id();
            let token = format!("fake-itoken-{id}");
            st.usernames.entry(who.user_id).or_insert_with(|| who.username.clone());
            let mut channel_id = message.as_ref().map(|m| id_of(&json!({"id": m["channel_id"]}))).unwrap_or(0);
            if channel_id == 0 {
                channel_id = if who.guild_id.is_none() && who.channel_id == 0 {
                    st.dm_channel_for(who.user_id)
                } else {
                    who.channel_id
                };
            }
            let chan = st.channels.get(&channel_id).cloned();
            let user = user_json(who.user_id, &who.username, false);
            let mut d = json!({
                "id": id.to_string(), "application_id": cfg.app_id.to_string(), "type": kind,
                "data": data, "channel_id": channel_id.to_string(), "token": token, "version": 1,
                "locale": who.locale, "entitlements": [], "attachment_size_limit": 8_388_608,
            });
            let o = d.as_object_mut().unwrap();
            if let Some(c) = &chan {
                let mut pc = json!({"id": c.id.to_string(), "type": c.kind, "name": c.name,
                                    "permissions": perms::ALL.to_string()});
                if let Some(g) = c.guild_id {
                    pc["guild_id"] = json!(g.to_string());
                }
                o.insert("channel".into(), pc);
            }
            match who.guild_id {
                Some(g) => {
                    let spec = st.guild(g).cloned();
                    let p = who.permissions.unwrap_or_else(|| {
                        spec.as_ref().map(|s| s.permissions_for(who.user_id, &who.roles)).unwrap_or(perms::EVERYONE)
                    });
                    let app_p = if chan.as_ref().map(|c| c.bot_can_post).unwrap_or(true) {
                        spec.as_ref().map(|s| s.permissions_for(cfg.bot_id, &[])).unwrap_or(perms::EVERYONE)
                    } else {
                        perms::EVERYONE & !perms::SEND_MESSAGES
                    };
                    o.insert("guild_id".into(), json!(g.to_string()));
                    o.insert(
                        "member".into(),
                        json!({"user": user, "nick": null, "avatar": null,
                               "roles": who.roles.iter().map(|r| r.to_string()).collect::<Vec<_>>(),
                               "joined_at": JOINED_AT, "premium_since": null, "deaf": false, "mute": false,
                               "flags": 0, "pending": false, "permissions": p.to_string(),
                               "communication_disabled_until": null}),
                    );
                    o.insert("app_permissions".into(), json!(app_p.to_string()));
                    o.insert("guild_locale".into(), json!("en-US"));
                    o.insert("authorizing_integration_owners".into(), json!({"0": g.to_string()}));
                    o.insert("context".into(), json!(0));
                }
                None => {
                    o.insert("user".into(), user);
                    o.insert("app_permissions".into(), json!(perms::EVERYONE.to_string()));
                    o.insert("authorizing_integration_owners".into(), json!({"1": who.user_id.to_string()}));
                    o.insert("context".into(), json!(1));
                }
            }
            if let Some(m) = &message {
                o.insert("message".into(), m.clone());
            }
            st.interactions.insert(
                token.clone(),
                Ix {
                    id,
                    kind,
                    channel_id,
                    created: Instant::now(),
                    sent_at: None,
                    callback: None,
                    deferred_flags: 0,
                    original: None,
                    source_message: message,
                    events: vec![],
                },
            );
            (id, token, d)
        };
        self.inner.dispatch("INTERACTION_CREATE", payload.clone(), Some(token.clone()));
        InteractionHandle { fake: self.clone(), id, token, payload }
    }
}

impl Inner {
    fn bump(&self) {
        self.changed.send_modify(|v| *v += 1);
    }

    fn dispatch(&self, t: &str, d: Value, token: Option<String>) {
        {
            let mut st = self.st.lock().unwrap_or_else(|e| e.into_inner());
            let gw = &mut st.gw;
            match gw.session.as_mut() {
                Some(sess) => {
                    sess.seq += 1;
                    let frame = json!({"op": 0, "s": sess.seq, "t": t, "d": d}).to_string();
                    let sent = match &gw.live {
                        Some((_, tx)) => tx.send(WsCmd::Frame(frame, token.clone())).is_ok(),
                        None => false,
                    };
                    sess.log.push(LogEv { seq: sess.seq, t: t.into(), d, token, sent });
                }
                None => gw.orphans.push((t.into(), d, token)),
            }
        }
        self.bump();
    }

    fn mark_sent(&self, token: &str) {
        let mut st = self.st.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(ix) = st.interactions.get_mut(token) {
            ix.sent_at.get_or_insert_with(Instant::now);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// InteractionHandle
// ---------------------------------------------------------------------------------------------

enum Waited<T> {
    Done(T),
    Wrong(String),
}

impl InteractionHandle {
    fn with_ix<T>(&self, f: impl FnOnce(&Ix) -> T) -> T {
        let st = self.fake.lock();
        f(st.interactions.get(&self.token).expect("interaction state"))
    }

    async fn wait_for<T>(&self, timeout: Duration, what: &str, mut f: impl FnMut(&Ix) -> Option<Waited<T>>) -> T {
        let r = self
            .fake
            .wait_until(timeout, &format!("{what} for interaction {}", self.id), || {
                let st = self.fake.lock();
                f(st.interactions.get(&self.token)?)
            })
            .await;
        match r {
            Waited::Done(v) => v,
            Waited::Wrong(msg) => panic!("interaction {}: {msg}", self.id),
        }
    }

    fn latency_of(ix: &Ix, at: Instant) -> Duration {
        at.saturating_duration_since(ix.sent_at.unwrap_or(ix.created))
    }

    /// All successful and failed token events so far (callback, edits, follow-ups).
    pub fn events(&self) -> Vec<TokenEvent> {
        self.with_ix(|ix| ix.events.clone())
    }

    /// The callback, if any yet.
    pub fn callback(&self) -> Option<Callback> {
        self.with_ix(|ix| {
            ix.callback.as_ref().map(|(k, d, at)| Callback {
                kind: *k,
                data: d.clone(),
                latency: Self::latency_of(ix, *at),
            })
        })
    }

    /// Waits for the (accepted) interaction callback.
    pub async fn wait_callback(&self, timeout: Duration) -> Callback {
        self.wait_for(timeout, "the callback", |ix| {
            ix.callback.as_ref().map(|(k, d, at)| {
                Waited::Done(Callback { kind: *k, data: d.clone(), latency: Self::latency_of(ix, *at) })
            })
        })
        .await
    }

    /// Waits for the visible reply: the callback message (type 4 / 7), or after a deferral
    /// (5 / 6) the first edit of @original or follow-up. Panics on a modal / autocomplete.
    pub async fn wait_reply(&self, timeout: Duration) -> Reply {
        self.wait_for(timeout, "a reply", |ix| {
            let (kind, _, cb_at) = ix.callback.clone()?;
            let latency = Self::latency_of(ix, cb_at);
            let ok = |e: &&TokenEvent| e.status < 300;
            match kind {
                4 | 7 => {
                    let e = ix.events.iter().filter(ok).find(|e| e.kind == TokenEventKind::Callback(kind))?;
                    Some(Waited::Done(make_reply(ix, e, kind, latency)))
                }
                5 | 6 => {
                    let e = ix
                        .events
                        .iter()
                        .filter(ok)
                        .find(|e| matches!(e.kind, TokenEventKind::EditOriginal | TokenEventKind::FollowUp))?;
                    Some(Waited::Done(make_reply(ix, e, kind, latency)))
                }
                8 => Some(Waited::Wrong(
                    "the bot answered with autocomplete choices, not a reply (use wait_choices)".into(),
                )),
                9 => Some(Waited::Wrong("the bot opened a modal, not a reply (use wait_modal)".into())),
                k => Some(Waited::Wrong(format!("unexpected callback type {k}"))),
            }
        })
        .await
    }

    /// Waits until `n` visible messages exist for this interaction (callback message, edits
    /// of @original count once, follow-ups) and returns them as replies, in order.
    pub async fn wait_replies(&self, n: usize, timeout: Duration) -> Vec<Reply> {
        self.wait_for(timeout, &format!("{n} replies"), |ix| {
            let (kind, _, cb_at) = ix.callback.clone()?;
            let latency = Self::latency_of(ix, cb_at);
            let mut out: Vec<Reply> = vec![];
            let mut original_idx: Option<usize> = None;
            for e in ix.events.iter().filter(|e| e.status < 300) {
                match &e.kind {
                    TokenEventKind::Callback(4 | 7) | TokenEventKind::EditOriginal => {
                        let r = make_reply(ix, e, kind, latency);
                        match original_idx {
                            Some(i) => out[i] = r,
                            None => {
                                original_idx = Some(out.len());
                                out.push(r);
                            }
                        }
                    }
                    TokenEventKind::FollowUp => {
                        let is_original = ix.original == e.message.as_ref().map(id_of) && original_idx.is_none();
                        if is_original {
                            original_idx = Some(out.len());
                        }
                        out.push(make_reply(ix, e, kind, latency));
                    }
                    _ => {}
                }
            }
            (out.len() >= n).then_some(Waited::Done(out))
        })
        .await
    }

    /// Waits for an autocomplete answer (type 8) and returns its choices.
    pub async fn wait_choices(&self, timeout: Duration) -> Vec<Value> {
        self.wait_for(timeout, "autocomplete choices", |ix| {
            let (kind, data, _) = ix.callback.clone()?;
            Some(match kind {
                8 => Waited::Done(data["choices"].as_array().cloned().unwrap_or_default()),
                k => Waited::Wrong(format!("expected autocomplete (8), got callback type {k}")),
            })
        })
        .await
    }

    /// Waits for a modal (type 9).
    pub async fn wait_modal(&self, timeout: Duration) -> ModalRequest {
        self.wait_for(timeout, "a modal", |ix| {
            let (kind, data, _) = ix.callback.clone()?;
            Some(match kind {
                9 => {
                    let inputs = data["components"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .flat_map(|row| row["components"].as_array().cloned().unwrap_or_default())
                        .collect();
                    Waited::Done(ModalRequest {
                        custom_id: data["custom_id"].as_str().unwrap_or("").into(),
                        title: data["title"].as_str().unwrap_or("").into(),
                        inputs,
                    })
                }
                k => Waited::Wrong(format!("expected a modal (9), got callback type {k}")),
            })
        })
        .await
    }

    /// Time from INTERACTION_CREATE on the socket to the callback, if there is one.
    pub fn latency(&self) -> Option<Duration> {
        self.callback().map(|c| c.latency)
    }
}

fn make_reply(ix: &Ix, e: &TokenEvent, cb_kind: u8, latency: Duration) -> Reply {
    let msg = e.message.clone().unwrap_or(Value::Null);
    let kind = match e.kind {
        TokenEventKind::Callback(7) => ReplyKind::CallbackUpdate,
        TokenEventKind::Callback(_) => ReplyKind::CallbackMessage,
        TokenEventKind::EditOriginal => ReplyKind::OriginalEdit,
        _ => ReplyKind::FollowUp,
    };
    let arr = |k: &str| msg[k].as_array().cloned().unwrap_or_default();
    Reply {
        kind,
        callback_type: cb_kind,
        content: msg["content"].as_str().unwrap_or("").to_string(),
        embeds: arr("embeds"),
        components: arr("components"),
        ephemeral: msg["flags"].as_u64().unwrap_or(0) & 64 != 0,
        attachments: arr("attachments"),
        files: e.files.clone(),
        message: msg,
        latency,
        reply_latency: InteractionHandle::latency_of(ix, e.at),
    }
}

// ---------------------------------------------------------------------------------------------
// HTTP app
// ---------------------------------------------------------------------------------------------

#[derive(Clone)]
struct Ctx {
    inner: Arc<Inner>,
    tls: bool,
}

fn app(ctx: Ctx) -> Router {
    Router::new().route("/ws", get(ws_upgrade)).route("/ws/", get(ws_upgrade)).fallback(rest).with_state(ctx)
}

/// A REST outcome.
enum Out {
    Json(StatusCode, Value),
    NoContent,
    Err(StatusCode, u64, String),
    /// 400 / 50035 plus a recorded violation.
    Invalid(Vec<String>),
    /// Unknown route.
    Unhandled,
}

fn err(status: u16, code: u64, msg: &str) -> Out {
    Out::Err(StatusCode::from_u16(status).unwrap(), code, msg.into())
}
fn ok(v: Value) -> Out {
    Out::Json(StatusCode::OK, v)
}

const INTERESTING_HEADERS: &[&str] = &["content-type", "user-agent", "x-audit-log-reason", "host", "authorization"];

async fn rest(State(ctx): State<Ctx>, req: Request) -> Response {
    let inner = ctx.inner.clone();
    let cfg = &inner.cfg;
    let method = req.method().as_str().to_string();
    let uri = req.uri().clone();
    let headers = req.headers().clone();
    let body = axum::body::to_bytes(req.into_body(), 64 * 1024 * 1024).await.unwrap_or_default();

    let full_path = uri.path().to_string();
    let path = full_path.strip_prefix("/api/v10").unwrap_or(&full_path).to_string();
    let query = uri.query().map(String::from);

    let mut rec_headers = BTreeMap::new();
    for h in INTERESTING_HEADERS {
        if let Some(v) = headers.get(*h).and_then(|v| v.to_str().ok()) {
            let v = if *h == "authorization" { v.replace(cfg.token.as_str(), "<token>") } else { v.to_string() };
            rec_headers.insert(h.to_string(), v);
        }
    }
    let (json_body, files) = parse_body(&headers, &body);

    let mut rec = Recorded {
        at: Instant::now(),
        method: method.clone(),
        path: path.clone(),
        query: query.clone(),
        headers: rec_headers,
        body: json_body.clone(),
        files: files.clone(),
        status: 0,
        response: Value::Null,
        tls: ctx.tls,
    };

    // Auth: a wrong token is always refused; a missing one only where Discord needs it.
    let auth = headers.get("authorization").and_then(|v| v.to_str().ok());
    let expected = format!("Bot {}", cfg.token);
    let public = path.starts_with("/webhooks/") || path.starts_with("/interactions/") || path == "/gateway";
    let auth_ok = match auth {
        Some(a) => a == expected || a == cfg.token,
        None => public,
    };

    let segs: Vec<String> = path.trim_matches('/').split('/').map(String::from).collect();
    let seg: Vec<&str> = segs.iter().map(String::as_str).collect();

    let mut fault_resp: Option<Response> = None;
    let out = {
        let mut st = inner.st.lock().unwrap_or_else(|e| e.into_inner());
        if !auth_ok {
            err(401, 0, "401: Unauthorized")
        } else if let Some(kind) = take_fault(&mut st, &method, &path) {
            let (resp, status, body) = fault_response(&kind, &path);
            match status {
                429 => st.count_429 += 1,
                s if s >= 500 => st.count_5xx += 1,
                _ => {}
            }
            rec.status = status;
            rec.response = body;
            fault_resp = Some(resp);
            Out::NoContent
        } else {
            route(&inner, &mut st, &method, &seg, query.as_deref(), &json_body, &files)
        }
    };
    if let Some(resp) = fault_resp {
        let mut st = inner.st.lock().unwrap_or_else(|e| e.into_inner());
        st.requests.push(rec);
        drop(st);
        inner.bump();
        return resp;
    }

    let (status, resp_body, unhandled) = match out {
        Out::Json(s, v) => (s, Some(v), false),
        Out::NoContent => (StatusCode::NO_CONTENT, None, false),
        Out::Err(s, code, msg) => (s, Some(json!({"message": msg, "code": code})), false),
        Out::Invalid(problems) => {
            let mut st = inner.st.lock().unwrap_or_else(|e| e.into_inner());
            st.violations.push(Violation {
                method: method.clone(),
                path: path.clone(),
                problems,
                body: json_body.clone(),
            });
            (StatusCode::BAD_REQUEST, Some(json!({"message": "Invalid Form Body", "code": 50035})), false)
        }
        Out::Unhandled => (StatusCode::NOT_FOUND, Some(json!({"message": "404: Not Found", "code": 0})), true),
    };
    rec.status = status.as_u16();
    rec.response = resp_body.clone().unwrap_or(Value::Null);
    {
        let mut st = inner.st.lock().unwrap_or_else(|e| e.into_inner());
        if unhandled {
            st.unhandled.push(rec.clone());
        }
        st.requests.push(rec);
    }
    inner.bump();

    let mut resp = match resp_body {
        Some(v) => (status, axum::Json(v)).into_response(),
        None => status.into_response(),
    };
    add_ratelimit_headers(resp.headers_mut(), &path, 5, 4, 1.0);
    resp
}

fn bucket_of(path: &str) -> String {
    let segs: Vec<&str> = path.trim_matches('/').split('/').take(2).collect();
    format!("fake-{}", segs.join("-").replace('@', ""))
}

fn add_ratelimit_headers(h: &mut HeaderMap, path: &str, limit: u32, remaining: u32, reset_after: f64) {
    let reset = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs_f64() + reset_after;
    let mut put = |k: &'static str, v: String| {
        h.insert(HeaderName::from_static(k), HeaderValue::from_str(&v).unwrap());
    };
    put("x-ratelimit-limit", limit.to_string());
    put("x-ratelimit-remaining", remaining.to_string());
    put("x-ratelimit-reset", format!("{reset:.3}"));
    put("x-ratelimit-reset-after", format!("{reset_after:.3}"));
    put("x-ratelimit-bucket", bucket_of(path));
}

fn take_fault(st: &mut St, method: &str, path: &str) -> Option<FaultKind> {
    let f = st.faults.iter_mut().find(|f| {
        f.remaining > 0 && f.method.as_deref().is_none_or(|m| m == method) && path.starts_with(&f.path_prefix)
    })?;
    f.remaining -= 1;
    let kind = f.kind.clone();
    st.faults.retain(|f| f.remaining > 0);
    Some(kind)
}

fn fault_response(kind: &FaultKind, path: &str) -> (Response, u16, Value) {
    match kind {
        FaultKind::RateLimit { retry_after, global } => {
            let body = json!({"message": "You are being rate limited.", "retry_after": retry_after, "global": global});
            let mut resp = (StatusCode::TOO_MANY_REQUESTS, axum::Json(body.clone())).into_response();
            let h = resp.headers_mut();
            add_ratelimit_headers(h, path, 5, 0, *retry_after);
            h.insert("retry-after", HeaderValue::from_str(&format!("{retry_after}")).unwrap());
            h.insert("x-ratelimit-scope", HeaderValue::from_static(if *global { "global" } else { "user" }));
            if *global {
                h.insert("x-ratelimit-global", HeaderValue::from_static("true"));
            }
            (resp, 429, body)
        }
        FaultKind::ServerError { status } => {
            let body = json!({"message": "500: Internal Server Error", "code": 0});
            let s = StatusCode::from_u16(*status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            ((s, axum::Json(body.clone())).into_response(), *status, body)
        }
    }
}

/// JSON body, or multipart `payload_json` + file parts.
fn parse_body(headers: &HeaderMap, body: &Bytes) -> (Value, Vec<FilePart>) {
    let ct = headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("");
    if let Some(b) = ct.split(';').map(str::trim).find_map(|p| p.strip_prefix("boundary=")) {
        let boundary = b.trim_matches('"');
        let parts = parse_multipart(body, boundary);
        let mut json_body = Value::Null;
        let mut files = vec![];
        for p in parts {
            if p.field == "payload_json" {
                json_body = serde_json::from_slice(&p.bytes).unwrap_or(Value::Null);
            } else if p.filename.is_some() {
                files.push(p);
            } else if json_body.is_null() || json_body.is_object() {
                // Plain text fields (serenity's `Multipart::fields`).
                let mut o = json_body.as_object().cloned().unwrap_or_default();
                o.insert(p.field.clone(), Value::String(String::from_utf8_lossy(&p.bytes).into()));
                json_body = Value::Object(o);
            }
        }
        return (json_body, files);
    }
    if body.is_empty() {
        return (Value::Null, vec![]);
    }
    (serde_json::from_slice(body).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(body).into())), vec![])
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn parse_multipart(body: &[u8], boundary: &str) -> Vec<FilePart> {
    let mut data = b"\r\n".to_vec();
    data.extend_from_slice(body);
    let delim = format!("\r\n--{boundary}").into_bytes();
    let mut out = vec![];
    let mut rest: &[u8] = &data;
    // Skip the preamble.
    let Some(first) = find(rest, &delim) else {
        return out;
    };
    rest = &rest[first + delim.len()..];
    loop {
        if rest.starts_with(b"--") {
            break;
        }
        let Some(end) = find(rest, &delim) else { break };
        let part = &rest[..end];
        rest = &rest[end + delim.len()..];
        let part = part.strip_prefix(b"\r\n").unwrap_or(part);
        let Some(hend) = find(part, b"\r\n\r\n") else {
            continue;
        };
        let head = String::from_utf8_lossy(&part[..hend]).to_string();
        let content = part[hend + 4..].to_vec();
        let mut field = String::new();
        let mut filename = None;
        let mut content_type = None;
        for line in head.lines() {
            let lower = line.to_ascii_lowercase();
            if lower.starts_with("content-disposition:") {
                for item in line.split(';').map(str::trim) {
                    if let Some(v) = item.strip_prefix("name=") {
                        field = v.trim_matches('"').to_string();
                    } else if let Some(v) = item.strip_prefix("filename=") {
                        filename = Some(v.trim_matches('"').to_string());
                    }
                }
            } else if lower.starts_with("content-type:") {
                content_type = Some(line["content-type:".len()..].trim().to_string());
            }
        }
        out.push(FilePart { field, filename, content_type, bytes: content });
    }
    out
}

fn query_param<'a>(query: Option<&'a str>, key: &str) -> Option<&'a str> {
    query?.split('&').filter(|p| !p.is_empty()).find_map(|p| {
        let (k, v) = p.split_once('=').unwrap_or((p, ""));
        (k == key).then_some(v)
    })
}

fn route(
    inner: &Inner,
    st: &mut St,
    method: &str,
    seg: &[&str],
    query: Option<&str>,
    body: &Value,
    files: &[FilePart],
) -> Out {
    let cfg = &inner.cfg;
    let gw = || {
        json!({"url": format!("ws://127.0.0.1:{}/ws", cfg.port), "shards": 1,
               "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 14_400_000, "max_concurrency": 1}})
    };
    match (method, seg) {
        ("GET", ["gateway"]) => ok(json!({"url": format!("ws://127.0.0.1:{}/ws", cfg.port)})),
        ("GET", ["gateway", "bot"]) => ok(gw()),

        // ----- users -----
        ("GET", ["users", "@me"]) => {
            let mut u = user_json(cfg.bot_id, &cfg.bot_name, true);
            u["verified"] = json!(true);
            u["mfa_enabled"] = json!(false);
            u["flags"] = json!(0);
            u["locale"] = json!("en-US");
            ok(u)
        }
        ("GET", ["users", "@me", "guilds"]) => ok(json!(
            st.guilds
                .iter()
                .map(|g| json!({"id": g.id.to_string(), "name": g.name, "icon": null, "owner": false,
                            "permissions": perms::EVERYONE.to_string(), "features": []}))
                .collect::<Vec<_>>()
        )),
        ("POST", ["users", "@me", "channels"]) => {
            let Some(uid) = body["recipient_id"].as_str().and_then(parse_id).or(body["recipient_id"].as_u64()) else {
                return err(400, 50035, "Invalid Form Body");
            };
            let ch = st.dm_channel_for(uid);
            let c = st.channels[&ch].clone();
            ok(st.chan_json(cfg, &c))
        }
        ("GET", ["users", uid]) => match parse_id(uid) {
            Some(id) => ok(st.user_json(cfg, id)),
            None => err(404, 10013, "Unknown User"),
        },

        // ----- application -----
        ("GET", ["oauth2", "applications", "@me"]) | ("GET", ["applications", "@me"]) => {
            let owner = st.guilds.first().map(|g| g.owner_id).unwrap_or(defaults::ALICE);
            ok(st.application_json(cfg, owner))
        }
        (m, ["applications", app, rest @ ..])
            if rest.first() == Some(&"commands") || rest.get(2) == Some(&"commands") =>
        {
            if parse_id(app) != Some(cfg.app_id) {
                return err(403, 50001, "Missing Access");
            }
            let (scope, tail): (Option<u64>, &[&str]) = match rest {
                ["guilds", g, "commands", tail @ ..] => match parse_id(g) {
                    Some(g) if st.guild(g).is_some() => (Some(g), tail),
                    _ => return err(404, 10004, "Unknown Guild"),
                },
                ["commands", tail @ ..] => (None, tail),
                _ => return Out::Unhandled,
            };
            commands_route(cfg, st, m, scope, tail, body)
        }

        // ----- interactions & webhooks -----
        ("POST", ["interactions", iid, token, "callback"]) => callback_route(cfg, st, iid, token, body, files),
        (m, ["webhooks", app, token, rest @ ..]) => webhook_route(cfg, st, m, app, token, rest, body, files),

        // ----- channels -----
        (m, ["channels", cid, rest @ ..]) => {
            let Some(cid) = parse_id(cid) else {
                return err(404, 10003, "Unknown Channel");
            };
            channel_route(inner, st, m, cid, rest, query, body, files)
        }

        // ----- guilds -----
        (m, ["guilds", gid, rest @ ..]) => {
            let Some(g) = parse_id(gid).and_then(|g| st.guild(g)).cloned() else {
                return err(404, 10004, "Unknown Guild");
            };
            guild_route(cfg, st, m, &g, rest, query)
        }
        _ => Out::Unhandled,
    }
}

fn commands_route(cfg: &Cfg, st: &mut St, method: &str, scope: Option<u64>, tail: &[&str], body: &Value) -> Out {
    let stamp = |st: &mut St, c: &Value, id: Option<u64>| -> Value {
        let id = id.unwrap_or_else(|| st.next_id());
        let mut c = c.clone();
        let o = c.as_object_mut().unwrap();
        o.insert("id".into(), json!(id.to_string()));
        o.insert("application_id".into(), json!(cfg.app_id.to_string()));
        o.insert("version".into(), json!(id.to_string()));
        o.entry("type").or_insert(json!(1));
        o.entry("description").or_insert(json!(""));
        o.entry("options").or_insert(json!([]));
        o.entry("nsfw").or_insert(json!(false));
        o.entry("default_member_permissions").or_insert(Value::Null);
        if let Some(g) = scope {
            o.insert("guild_id".into(), json!(g.to_string()));
        }
        c
    };
    match (method, tail) {
        ("GET", []) => ok(json!(st.commands.get(&scope).cloned().unwrap_or_default())),
        ("PUT", []) => {
            if !body.is_array() {
                return err(400, 50035, "Invalid Form Body");
            }
            let problems = limits::check_commands(body);
            if !problems.is_empty() {
                return Out::Invalid(problems);
            }
            let old = st.commands.get(&scope).cloned().unwrap_or_default();
            let mut new = vec![];
            for c in body.as_array().unwrap() {
                let keep = old.iter().find(|o| o["name"] == c["name"]).map(id_of);
                new.push(stamp(st, c, keep));
            }
            st.commands.insert(scope, new.clone());
            st.last_commands_put = Some(body.clone());
            ok(json!(new))
        }
        ("POST", []) => {
            let problems = limits::check_commands(&json!([body]));
            if !problems.is_empty() {
                return Out::Invalid(problems);
            }
            let list = st.commands.entry(scope).or_default().clone();
            let keep = list.iter().find(|o| o["name"] == body["name"]).map(id_of);
            let c = stamp(st, body, keep);
            let list = st.commands.entry(scope).or_default();
            list.retain(|o| o["name"] != c["name"]);
            list.push(c.clone());
            Out::Json(if keep.is_some() { StatusCode::OK } else { StatusCode::CREATED }, c)
        }
        (m, [cid]) => {
            let Some(cid) = parse_id(cid) else {
                return err(404, 10063, "Unknown application command");
            };
            let list = st.commands.entry(scope).or_default();
            let Some(pos) = list.iter().position(|c| id_of(c) == cid) else {
                return err(404, 10063, "Unknown application command");
            };
            match m {
                "GET" => ok(list[pos].clone()),
                "DELETE" => {
                    list.remove(pos);
                    Out::NoContent
                }
                "PATCH" => {
                    let mut merged = list[pos].clone();
                    for (k, v) in body.as_object().cloned().unwrap_or_default() {
                        merged[k] = v;
                    }
                    let problems = limits::check_commands(&json!([merged]));
                    if !problems.is_empty() {
                        return Out::Invalid(problems);
                    }
                    list[pos] = merged.clone();
                    ok(merged)
                }
                _ => Out::Unhandled,
            }
        }
        _ => Out::Unhandled,
    }
}

/// Builds a message object and stores it.
fn create_message(
    cfg: &Cfg,
    st: &mut St,
    channel_id: u64,
    body: &Value,
    files: &[FilePart],
    flags: u64,
    origin: Origin,
) -> Value {
    let id = st.next_id();
    let guild_id = st.channels.get(&channel_id).and_then(|c| c.guild_id);
    let attachments = make_attachments(st, channel_id, body, files, &[]);
    let mut m = json!({
        "id": id.to_string(), "channel_id": channel_id.to_string(),
        "author": user_json(cfg.bot_id, &cfg.bot_name, true),
        "content": body["content"].as_str().unwrap_or(""),
        "timestamp": now_ts(), "edited_timestamp": null,
        "tts": body["tts"].as_bool().unwrap_or(false), "mention_everyone": false,
        "mentions": [], "mention_roles": [], "attachments": attachments,
        "embeds": body["embeds"].as_array().cloned().unwrap_or_default(),
        "components": body["components"].as_array().cloned().unwrap_or_default(),
        "reactions": [], "pinned": false, "type": 0, "flags": flags,
    });
    let o = m.as_object_mut().unwrap();
    if let Some(g) = guild_id {
        o.insert("guild_id".into(), json!(g.to_string()));
    }
    if !body["nonce"].is_null() {
        o.insert("nonce".into(), body["nonce"].clone());
    }
    if body["message_reference"].is_object() {
        let mut r = body["message_reference"].clone();
        if r["channel_id"].is_null() {
            r["channel_id"] = json!(channel_id.to_string());
        }
        o.insert("type".into(), json!(19));
        o.insert("message_reference".into(), r);
    }
    if let Origin::Interaction(_) = &origin {
        o.insert("webhook_id".into(), json!(cfg.app_id.to_string()));
        o.insert("application_id".into(), json!(cfg.app_id.to_string()));
    }
    st.store_message(channel_id, m.clone(), origin);
    m
}

fn make_attachments(st: &mut St, channel_id: u64, body: &Value, files: &[FilePart], existing: &[Value]) -> Vec<Value> {
    let mut out = vec![];
    // On edits, `attachments` lists what to keep (existing ones by their id).
    if let Some(list) = body["attachments"].as_array() {
        for a in list {
            if let Some(e) = existing.iter().find(|e| e["id"] == a["id"] || e["id"].as_str() == a["id"].as_str()) {
                out.push(e.clone());
            }
        }
    } else {
        out.extend(existing.iter().cloned());
    }
    for f in files {
        let Some(name) = &f.filename else { continue };
        let idx = f.field.strip_prefix("files[").and_then(|s| s.strip_suffix(']')).and_then(|s| s.parse::<u64>().ok());
        let meta = body["attachments"]
            .as_array()
            .and_then(|l| {
                l.iter().find(|a| {
                    a["id"].as_u64() == idx && idx.is_some()
                        || a["id"].as_str().and_then(parse_id) == idx && idx.is_some()
                })
            })
            .cloned()
            .unwrap_or(Value::Null);
        let filename = meta["filename"].as_str().unwrap_or(name).to_string();
        let id = st.next_id();
        let url = format!("https://cdn.discordapp.com/attachments/{channel_id}/{id}/{filename}");
        let mut a = json!({"id": id.to_string(), "filename": filename, "size": f.bytes.len(),
                           "url": url, "proxy_url": url});
        if let Some(ct) = &f.content_type {
            a["content_type"] = json!(ct);
        }
        if let Some(d) = meta["description"].as_str() {
            a["description"] = json!(d);
        }
        out.push(a);
    }
    out
}

/// Applies an edit body to a stored message object.
fn apply_edit(st: &mut St, msg: &mut Value, body: &Value, files: &[FilePart]) {
    let channel_id = id_of(&json!({"id": msg["channel_id"]}));
    for k in ["content", "embeds", "components", "flags", "allowed_mentions"] {
        if let Some(v) = body.get(k) {
            if k == "allowed_mentions" {
                continue;
            }
            msg[k] = match (k, v) {
                ("content", Value::Null) => json!(""),
                ("embeds" | "components", Value::Null) => json!([]),
                _ => v.clone(),
            };
        }
    }
    if body.get("attachments").is_some() || !files.is_empty() {
        let existing = msg["attachments"].as_array().cloned().unwrap_or_default();
        msg["attachments"] = json!(make_attachments(st, channel_id, body, files, &existing));
    }
    msg["edited_timestamp"] = json!(now_ts());
}

fn check_or_invalid(problems: Vec<String>) -> Result<(), Out> {
    if problems.is_empty() { Ok(()) } else { Err(Out::Invalid(problems)) }
}

fn violation(st: &mut St, method: &str, path: String, problem: &str, body: &Value) {
    st.violations.push(Violation { method: method.into(), path, problems: vec![problem.into()], body: body.clone() });
}

fn callback_route(cfg: &Cfg, st: &mut St, iid: &str, token: &str, body: &Value, files: &[FilePart]) -> Out {
    let path = format!("/interactions/{iid}/{token}/callback");
    let valid = st.interactions.get(token).is_some_and(|ix| Some(ix.id) == parse_id(iid));
    if !valid {
        return err(404, 10062, "Unknown interaction");
    }
    let kind = body["type"].as_u64().unwrap_or(0) as u8;
    let now = Instant::now();
    if st.interactions[token].callback.is_some() {
        violation(st, "POST", path, "interaction acknowledged twice (Discord: 40060)", body);
        return err(400, 40060, "Interaction has already been acknowledged.");
    }
    let ix_kind = st.interactions[token].kind;
    let allowed: &[u8] = match ix_kind {
        2 => &[4, 5, 9, 10],
        3 => &[4, 5, 6, 7, 9, 10],
        4 => &[8],
        5 => &[4, 5, 6, 7],
        _ => &[],
    };
    if !allowed.contains(&kind) {
        violation(st, "POST", path, &format!("callback type {kind} is not valid for interaction type {ix_kind}"), body);
        return err(400, 50035, "Invalid Form Body");
    }
    if let Err(o) = check_or_invalid(limits::check_interaction_response(body)) {
        return o;
    }
    let data = body["data"].clone();
    let flags = data["flags"].as_u64().unwrap_or(0);
    let channel_id = st.interactions[token].channel_id;
    let message = match kind {
        4 => {
            let m = create_message(cfg, st, channel_id, &data, files, flags & 64, Origin::Interaction(token.into()));
            st.interactions.get_mut(token).unwrap().original = Some(id_of(&m));
            Some(m)
        }
        5 => {
            st.interactions.get_mut(token).unwrap().deferred_flags = flags;
            None
        }
        7 => {
            let src = st.interactions[token].source_message.clone().unwrap_or(Value::Null);
            let sid = id_of(&src);
            let mut m = st.messages.get(&sid).map(|s| s.msg.clone()).unwrap_or(src);
            apply_edit(st, &mut m, &data, files);
            if let Some(s) = st.messages.get_mut(&sid) {
                s.msg = m.clone();
            }
            st.interactions.get_mut(token).unwrap().source_message = Some(m.clone());
            Some(m)
        }
        _ => None,
    };
    let ix = st.interactions.get_mut(token).unwrap();
    ix.callback = Some((kind, data, now));
    ix.events.push(TokenEvent {
        kind: TokenEventKind::Callback(kind),
        at: now,
        status: 204,
        body: body.clone(),
        files: files.to_vec(),
        message,
    });
    Out::NoContent
}

#[allow(clippy::too_many_arguments)]
fn webhook_route(
    cfg: &Cfg,
    st: &mut St,
    method: &str,
    app: &str,
    token: &str,
    rest: &[&str],
    body: &Value,
    files: &[FilePart],
) -> Out {
    let path = format!("/webhooks/{app}/{token}/{}", rest.join("/"));
    if parse_id(app) != Some(cfg.app_id) || !st.interactions.contains_key(token) {
        return err(404, 10015, "Unknown Webhook");
    }
    let now = Instant::now();
    let Some((cb_kind, _, _)) = st.interactions[token].callback.clone() else {
        violation(st, method, path, "webhook request before the interaction was acknowledged", body);
        return err(404, 10015, "Unknown Webhook");
    };
    let channel_id = st.interactions[token].channel_id;
    let push = |st: &mut St, kind: TokenEventKind, status: u16, message: Option<Value>| {
        st.interactions.get_mut(token).unwrap().events.push(TokenEvent {
            kind,
            at: now,
            status,
            body: body.clone(),
            files: files.to_vec(),
            message,
        });
    };
    match (method, rest) {
        ("POST", []) => {
            if let Err(o) = check_or_invalid(limits::check_message(body)) {
                return o;
            }
            let ix = &st.interactions[token];
            // The first follow-up after a deferred message (type 5) fills the deferred original.
            let becomes_original = cb_kind == 5 && ix.original.is_none();
            let flags = if becomes_original {
                ix.deferred_flags & 64
            } else {
                body["flags"].as_u64().unwrap_or(0) & (64 | 4 | 4096)
            };
            let m = create_message(cfg, st, channel_id, body, files, flags, Origin::Interaction(token.into()));
            if becomes_original {
                st.interactions.get_mut(token).unwrap().original = Some(id_of(&m));
            }
            push(st, TokenEventKind::FollowUp, 200, Some(m.clone()));
            ok(m)
        }
        (m, ["messages", mid]) => {
            let original = *mid == "@original";
            let target: Option<u64> = if original {
                let ix = &st.interactions[token];
                match (ix.original, cb_kind) {
                    (Some(id), _) => Some(id),
                    (None, 6 | 7) => ix.source_message.as_ref().map(id_of),
                    _ => None,
                }
            } else {
                parse_id(mid)
            };
            match m {
                "GET" => match target.and_then(|id| st.messages.get(&id)).filter(|s| !s.deleted) {
                    Some(s) => ok(s.msg.clone()),
                    None => err(404, 10008, "Unknown Message"),
                },
                "PATCH" => {
                    if let Err(o) = check_or_invalid(limits::check_message(body)) {
                        return o;
                    }
                    let kind = if original {
                        TokenEventKind::EditOriginal
                    } else {
                        TokenEventKind::EditFollowUp(target.unwrap_or(0))
                    };
                    let existing =
                        target.and_then(|id| st.messages.get(&id)).filter(|s| !s.deleted).map(|s| s.msg.clone());
                    let msg = match existing {
                        Some(mut msg) => {
                            apply_edit(st, &mut msg, body, files);
                            st.messages.get_mut(&id_of(&msg)).unwrap().msg = msg.clone();
                            msg
                        }
                        None if original && cb_kind == 5 => {
                            // Editing the deferred "thinking" message creates the original.
                            let flags = st.interactions[token].deferred_flags & 64;
                            let msg = create_message(
                                cfg,
                                st,
                                channel_id,
                                body,
                                files,
                                flags,
                                Origin::Interaction(token.into()),
                            );
                            st.interactions.get_mut(token).unwrap().original = Some(id_of(&msg));
                            msg
                        }
                        None if original && matches!(cb_kind, 6 | 7) => {
                            // The component's message is not one the fake stored: edit a copy.
                            let mut msg = st.interactions[token].source_message.clone().unwrap_or(json!({}));
                            apply_edit(st, &mut msg, body, files);
                            st.interactions.get_mut(token).unwrap().source_message = Some(msg.clone());
                            msg
                        }
                        None => return err(404, 10008, "Unknown Message"),
                    };
                    push(st, kind, 200, Some(msg.clone()));
                    ok(msg)
                }
                "DELETE" => {
                    let Some(s) = target.and_then(|id| st.messages.get_mut(&id)).filter(|s| !s.deleted) else {
                        return err(404, 10008, "Unknown Message");
                    };
                    s.deleted = true;
                    let kind = if original {
                        TokenEventKind::DeleteOriginal
                    } else {
                        TokenEventKind::DeleteFollowUp(target.unwrap_or(0))
                    };
                    push(st, kind, 204, None);
                    Out::NoContent
                }
                _ => Out::Unhandled,
            }
        }
        _ => Out::Unhandled,
    }
}

#[allow(clippy::too_many_arguments)]
fn channel_route(
    inner: &Inner,
    st: &mut St,
    method: &str,
    cid: u64,
    rest: &[&str],
    query: Option<&str>,
    body: &Value,
    files: &[FilePart],
) -> Out {
    let cfg = &inner.cfg;
    let Some(chan) = st.channels.get(&cid).cloned() else {
        return err(404, 10003, "Unknown Channel");
    };
    match (method, rest) {
        ("GET", []) => ok(st.chan_json(cfg, &chan)),
        ("POST", ["messages"]) => {
            if !chan.bot_can_post {
                return err(403, 50013, "Missing Permissions");
            }
            if let Some(u) = chan.recipient
                && st.dm_closed.contains(&u)
            {
                return err(403, 50007, "Cannot send messages to this user");
            }
            if matches!(chan.kind, 4 | 15) {
                return err(400, 50008, "Cannot send messages in a non-text channel");
            }
            let empty = body["content"].as_str().unwrap_or("").is_empty()
                && body["embeds"].as_array().is_none_or(|e| e.is_empty())
                && body["components"].as_array().is_none_or(|e| e.is_empty())
                && body["sticker_ids"].as_array().is_none_or(|e| e.is_empty())
                && body["poll"].is_null()
                && files.is_empty();
            if empty {
                violation(st, "POST", format!("/channels/{cid}/messages"), "empty message (Discord: 50006)", body);
                return err(400, 50006, "Cannot send an empty message");
            }
            if let Err(o) = check_or_invalid(limits::check_message(body)) {
                return o;
            }
            let nonce = match &body["nonce"] {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            };
            if let Some(n) = &nonce
                && n.chars().count() > 25
            {
                let problem = format!("nonce is {} long, the limit is 25", n.chars().count());
                return Out::Invalid(vec![problem]);
            }
            // Discord: with enforce_nonce, a nonce reused in this channel within a few minutes
            // returns the message created the first time.
            if let Some(n) = &nonce
                && body["enforce_nonce"].as_bool() == Some(true)
                && let Some((mid, at)) = st.nonces.get(&(cid, n.clone()))
                && at.elapsed() < cfg.nonce_window
                && let Some(s) = st.messages.get(mid)
            {
                return ok(s.msg.clone());
            }
            let flags = body["flags"].as_u64().unwrap_or(0) & (4 | 4096);
            let m = create_message(cfg, st, cid, body, files, flags, Origin::Channel);
            if let Some(n) = nonce {
                st.nonces.insert((cid, n), (id_of(&m), Instant::now()));
            }
            ok(m)
        }
        ("GET", ["messages"]) => {
            let limit = query_param(query, "limit").and_then(|l| l.parse().ok()).unwrap_or(50usize).min(100);
            let before = query_param(query, "before").and_then(parse_id);
            let after = query_param(query, "after").and_then(parse_id);
            let mut all: Vec<Value> = st
                .visible_in(cid)
                .into_iter()
                .filter(|m| before.is_none_or(|b| id_of(m) < b) && after.is_none_or(|a| id_of(m) > a))
                .collect();
            all.reverse(); // newest first, like Discord
            all.truncate(limit);
            ok(json!(all))
        }
        (m, ["messages", mid]) => {
            let Some(mid) = parse_id(mid) else {
                return err(404, 10008, "Unknown Message");
            };
            let Some(stored) = st.messages.get(&mid).filter(|s| s.channel_id == cid && !s.deleted).cloned() else {
                return err(404, 10008, "Unknown Message");
            };
            match m {
                "GET" => ok(stored.msg),
                "PATCH" => {
                    if let Err(o) = check_or_invalid(limits::check_message(body)) {
                        return o;
                    }
                    let mut msg = stored.msg;
                    apply_edit(st, &mut msg, body, files);
                    st.messages.get_mut(&mid).unwrap().msg = msg.clone();
                    ok(msg)
                }
                "DELETE" => {
                    st.messages.get_mut(&mid).unwrap().deleted = true;
                    Out::NoContent
                }
                _ => Out::Unhandled,
            }
        }
        ("POST", ["messages", mid, "threads"]) => {
            let Some(mid) = parse_id(mid).filter(|m| st.messages.get(m).is_some_and(|s| s.channel_id == cid)) else {
                return err(404, 10008, "Unknown Message");
            };
            if st.channels.contains_key(&mid) {
                return err(400, 160004, "A thread has already been created for this message");
            }
            let kind = if chan.kind == 5 { 10 } else { 11 };
            ok(create_thread(cfg, st, &chan, mid, kind, body))
        }
        ("POST", ["threads"]) => {
            if chan.kind == 15 {
                // Forum post: the thread comes with its starter message.
                let msg_body = body["message"].clone();
                if let Err(o) = check_or_invalid(limits::check_message(&msg_body)) {
                    return o;
                }
                let tid = st.next_id();
                let mut t = create_thread(cfg, st, &chan, tid, 11, body);
                let m = create_message(cfg, st, tid, &msg_body, files, 0, Origin::Channel);
                // A forum starter message has the thread's id.
                let old = id_of(&m);
                let mut m2 = m.clone();
                m2["id"] = json!(tid.to_string());
                if let Some(s) = st.messages.remove(&old) {
                    st.messages.insert(tid, StoredMsg { msg: m2.clone(), ..s });
                }
                t["message"] = m2;
                if let Some(last) = st.threads.last_mut() {
                    *last = t.clone();
                }
                ok(t)
            } else {
                let tid = st.next_id();
                let kind = body["type"].as_u64().unwrap_or(12) as u8;
                ok(create_thread(cfg, st, &chan, tid, kind, body))
            }
        }
        ("POST", ["typing"]) => Out::NoContent,
        ("PUT" | "DELETE", ["pins", _]) | ("PUT" | "DELETE", ["messages", "pins", _]) => Out::NoContent,
        ("PUT" | "DELETE", ["messages", _, "reactions", ..]) => Out::NoContent,
        ("PUT" | "DELETE", ["thread-members", _]) => Out::NoContent,
        ("PATCH", []) => {
            let c = st.channels.get_mut(&cid).unwrap();
            if let Some(n) = body["name"].as_str() {
                c.name = n.into();
            }
            if let Some(t) = body["topic"].as_str() {
                c.topic = Some(t.into());
            }
            let c = c.clone();
            let mut v = st.chan_json(cfg, &c);
            if let Some(a) = body["archived"].as_bool() {
                v["thread_metadata"]["archived"] = json!(a);
            }
            ok(v)
        }
        _ => Out::Unhandled,
    }
}

fn create_thread(cfg: &Cfg, st: &mut St, parent: &Chan, tid: u64, kind: u8, body: &Value) -> Value {
    let c = Chan {
        id: tid,
        guild_id: parent.guild_id,
        name: body["name"].as_str().unwrap_or("thread").into(),
        kind,
        parent_id: Some(parent.id),
        bot_can_post: true,
        topic: None,
        position: 0,
        recipient: None,
        owner_id: Some(cfg.bot_id),
    };
    st.channels.insert(tid, c.clone());
    let mut v = st.chan_json(cfg, &c);
    if let Some(d) = body["auto_archive_duration"].as_u64() {
        v["thread_metadata"]["auto_archive_duration"] = json!(d);
    }
    st.threads.push(v.clone());
    v
}

fn guild_route(cfg: &Cfg, st: &mut St, method: &str, g: &GuildSpec, rest: &[&str], query: Option<&str>) -> Out {
    match (method, rest) {
        ("GET", []) => {
            let mut v = st.guild_json(cfg, g, false);
            if query_param(query, "with_counts") != Some("true") {
                let o = v.as_object_mut().unwrap();
                o.remove("approximate_member_count");
                o.remove("approximate_presence_count");
            }
            ok(v)
        }
        ("GET", ["roles"]) => {
            ok(json!(g.roles.iter().enumerate().map(|(i, r)| St::role_json(r, i)).collect::<Vec<_>>()))
        }
        ("GET", ["channels"]) => ok(json!(
            st.channels
                .values()
                .filter(|c| c.guild_id == Some(g.id) && !matches!(c.kind, 10..=12))
                .map(|c| st.chan_json(cfg, c))
                .collect::<Vec<_>>()
        )),
        ("GET", ["members"]) => {
            let limit = query_param(query, "limit").and_then(|l| l.parse().ok()).unwrap_or(1usize);
            let after = query_param(query, "after").and_then(parse_id).unwrap_or(0);
            let mut ms = st.members_with_bot(cfg, g);
            ms.sort_by_key(|m| m.user_id);
            ok(json!(
                ms.iter().filter(|m| m.user_id > after).take(limit).map(|m| st.member_json(g, m)).collect::<Vec<_>>()
            ))
        }
        ("GET", ["members", uid]) => {
            let ms = st.members_with_bot(cfg, g);
            match parse_id(uid).and_then(|u| ms.iter().find(|m| m.user_id == u)) {
                Some(m) => ok(st.member_json(g, m)),
                None => err(404, 10007, "Unknown Member"),
            }
        }
        (m @ ("PUT" | "DELETE"), ["members", uid, "roles", rid]) => {
            let (Some(uid), Some(rid)) = (parse_id(uid), parse_id(rid)) else {
                return err(404, 10011, "Unknown Role");
            };
            if !g.roles.iter().any(|r| r.id == rid) {
                return err(404, 10011, "Unknown Role");
            }
            let gs = st.guilds.iter_mut().find(|x| x.id == g.id).unwrap();
            let Some(mem) = gs.members.iter_mut().find(|x| x.user_id == uid) else {
                return err(404, 10007, "Unknown Member");
            };
            mem.roles.retain(|r| *r != rid);
            if m == "PUT" {
                mem.roles.push(rid);
            }
            Out::NoContent
        }
        _ => Out::Unhandled,
    }
}

// ---------------------------------------------------------------------------------------------
// Gateway
// ---------------------------------------------------------------------------------------------

async fn ws_upgrade(State(ctx): State<Ctx>, uri: Uri, ws: WebSocketUpgrade) -> Response {
    let q = uri.query().unwrap_or("").to_string();
    let inner = ctx.inner.clone();
    ws.on_upgrade(move |s| gateway_conn(inner, s, q))
}

enum GwOut {
    Frames(Vec<(String, Option<String>)>),
    Close(u16, &'static str),
}

async fn gateway_conn(inner: Arc<Inner>, mut ws: WebSocket, query: String) {
    let (tx, mut rx) = mpsc::unbounded_channel::<WsCmd>();
    let conn = {
        let mut st = inner.st.lock().unwrap_or_else(|e| e.into_inner());
        st.gw.next_conn += 1;
        st.gw.stats.connections += 1;
        st.gw.queries.push(query);
        st.gw.next_conn
    };
    inner.bump();
    let hello = json!({"op": 10, "s": null, "t": null, "d": {"heartbeat_interval": inner.cfg.heartbeat_ms}});
    let mut alive = ws.send(WsMessage::Text(hello.to_string().into())).await.is_ok();
    while alive {
        tokio::select! {
            msg = ws.recv() => {
                let text = match msg {
                    Some(Ok(WsMessage::Text(t))) => t.to_string(),
                    Some(Ok(WsMessage::Close(_))) | None | Some(Err(_)) => break,
                    _ => continue,
                };
                let Ok(v) = serde_json::from_str::<Value>(&text) else {
                    let _ = ws.send(WsMessage::Close(Some(CloseFrame { code: 4002, reason: "Error while decoding payload.".into() }))).await;
                    break;
                };
                match gateway_op(&inner, conn, &tx, v) {
                    GwOut::Frames(frames) => {
                        for (f, token) in frames {
                            if ws.send(WsMessage::Text(f.into())).await.is_err() {
                                alive = false;
                                break;
                            }
                            if let Some(t) = token {
                                inner.mark_sent(&t);
                            }
                        }
                    }
                    GwOut::Close(code, reason) => {
                        let _ = ws.send(WsMessage::Close(Some(CloseFrame { code, reason: reason.into() }))).await;
                        break;
                    }
                }
                inner.bump();
            }
            cmd = rx.recv() => match cmd {
                Some(WsCmd::Frame(f, token)) => {
                    if ws.send(WsMessage::Text(f.into())).await.is_err() {
                        break;
                    }
                    if let Some(t) = token {
                        inner.mark_sent(&t);
                    }
                }
                Some(WsCmd::Raw(f)) => {
                    if ws.send(WsMessage::Text(f.into())).await.is_err() {
                        break;
                    }
                }
                Some(WsCmd::Close(code, reason)) => {
                    let _ = ws.send(WsMessage::Close(Some(CloseFrame { code, reason: reason.into() }))).await;
                    break;
                }
                Some(WsCmd::Abrupt) | None => break,
            }
        }
    }
    drop(ws);
    {
        let mut st = inner.st.lock().unwrap_or_else(|e| e.into_inner());
        if st.gw.live.as_ref().map(|l| l.0) == Some(conn) {
            st.gw.live = None;
        }
        st.gw.stats.disconnects += 1;
    }
    inner.bump();
}

fn gateway_op(inner: &Inner, conn: u64, tx: &mpsc::UnboundedSender<WsCmd>, v: Value) -> GwOut {
    let cfg = &inner.cfg;
    let mut st = inner.st.lock().unwrap_or_else(|e| e.into_inner());
    let op = v["op"].as_u64().unwrap_or(u64::MAX);
    if op != 1 {
        let mut logged = v.clone();
        if logged["d"]["token"].is_string() {
            logged["d"]["token"] = json!("<redacted>");
        }
        st.gw.ops.push(logged);
    }
    let token_ok = |t: &Value| t.as_str().map(|t| t.trim_start_matches("Bot ")) == Some(cfg.token.as_str());
    match op {
        1 => {
            st.gw.stats.heartbeats += 1;
            GwOut::Frames(vec![(json!({"op": 11, "s": null, "t": null, "d": null}).to_string(), None)])
        }
        2 => {
            st.gw.stats.identifies += 1;
            if !token_ok(&v["d"]["token"]) {
                return GwOut::Close(4004, "Authentication failed.");
            }
            // Carry over what the bot never got: events of the old session not yet sent.
            let mut carried: Vec<(String, Value, Option<String>)> = std::mem::take(&mut st.gw.orphans);
            if let Some(old) = st.gw.session.take() {
                carried.extend(
                    old.log
                        .into_iter()
                        .filter(|e| !e.sent && !matches!(&e.t[..], "READY" | "GUILD_CREATE" | "RESUMED"))
                        .map(|e| (e.t, e.d, e.token)),
                );
            }
            st.gw.sessions_made += 1;
            let sid = format!("fake-session-{}", st.gw.sessions_made);
            let shard = if v["d"]["shard"].is_array() { v["d"]["shard"].clone() } else { json!([0, 1]) };
            let mut events: Vec<(String, Value, Option<String>)> =
                vec![("READY".into(), st.ready_json(cfg, &sid, shard), None)];
            for g in &st.guilds {
                events.push(("GUILD_CREATE".into(), st.guild_json(cfg, g, true), None));
            }
            events.extend(carried);
            let mut sess = Session { id: sid, seq: 0, log: vec![] };
            let mut frames = vec![];
            for (t, d, token) in events {
                sess.seq += 1;
                frames.push((json!({"op": 0, "s": sess.seq, "t": t, "d": d}).to_string(), token.clone()));
                sess.log.push(LogEv { seq: sess.seq, t, d, token, sent: true });
            }
            st.gw.session = Some(sess);
            st.gw.live = Some((conn, tx.clone()));
            st.gw.stats.readies += 1;
            GwOut::Frames(frames)
        }
        6 => {
            st.gw.stats.resumes += 1;
            let d = &v["d"];
            let client_seq = d["seq"].as_u64().unwrap_or(0);
            let invalidate = std::mem::take(&mut st.gw.invalidate_next_resume);
            let matches = st.gw.session.as_ref().is_some_and(|s| Some(s.id.as_str()) == d["session_id"].as_str());
            if !token_ok(&d["token"]) {
                return GwOut::Close(4004, "Authentication failed.");
            }
            if invalidate || !matches {
                st.gw.stats.invalid_sessions += 1;
                // Unsent and not-yet-acknowledged events go to the next session.
                if let Some(sess) = st.gw.session.as_mut() {
                    for e in sess.log.iter_mut().filter(|e| e.seq > client_seq) {
                        e.sent = false;
                    }
                }
                return GwOut::Frames(vec![(json!({"op": 9, "s": null, "t": null, "d": false}).to_string(), None)]);
            }
            let sess = st.gw.session.as_mut().unwrap();
            let mut frames = vec![];
            for e in sess.log.iter_mut().filter(|e| e.seq > client_seq) {
                frames.push((json!({"op": 0, "s": e.seq, "t": e.t, "d": e.d}).to_string(), e.token.clone()));
                e.sent = true;
            }
            sess.seq += 1;
            let resumed = json!({"_trace": ["fake-discord"]});
            frames.push((json!({"op": 0, "s": sess.seq, "t": "RESUMED", "d": resumed}).to_string(), None));
            sess.log.push(LogEv { seq: sess.seq, t: "RESUMED".into(), d: resumed, token: None, sent: true });
            st.gw.live = Some((conn, tx.clone()));
            st.gw.stats.resumed += 1;
            GwOut::Frames(frames)
        }
        _ => GwOut::Frames(vec![]),
    }
}

// ---------------------------------------------------------------------------------------------
// TLS
// ---------------------------------------------------------------------------------------------

/// A test CA and a `discord.com` leaf it signed; returns (CA pem, server config).
fn make_tls() -> (String, Arc<rustls::ServerConfig>) {
    use rcgen::{
        BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
        KeyUsagePurpose,
    };
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.distinguished_name.push(DnType::CommonName, "fake-discord test CA");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages =
        vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();

    let mut leaf_params = CertificateParams::new(vec![
        "discord.com".to_string(),
        "gateway.discord.gg".into(),
        "cdn.discordapp.com".into(),
    ])
    .unwrap();
    leaf_params.distinguished_name.push(DnType::CommonName, "discord.com");
    leaf_params.is_ca = IsCa::NoCa;
    leaf_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    leaf_params.key_usages = vec![KeyUsagePurpose::DigitalSignature, KeyUsagePurpose::KeyEncipherment];
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = leaf_params.signed_by(&leaf_key, &ca).unwrap();

    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(leaf_key.serialize_der().into());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![leaf.der().clone(), ca.der().clone()], key)
        .unwrap();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    (ca.pem(), Arc::new(config))
}

/// An axum listener doing TLS handshakes concurrently in the background.
struct TlsListener {
    rx: mpsc::Receiver<(tokio_rustls::server::TlsStream<tokio::net::TcpStream>, SocketAddr)>,
    addr: SocketAddr,
}

impl TlsListener {
    fn spawn(tcp: tokio::net::TcpListener, config: Arc<rustls::ServerConfig>) -> Self {
        let addr = tcp.local_addr().unwrap();
        let (tx, rx) = mpsc::channel(64);
        let acceptor = tokio_rustls::TlsAcceptor::from(config);
        tokio::spawn(async move {
            loop {
                let Ok((sock, peer)) = tcp.accept().await else {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                };
                let acceptor = acceptor.clone();
                let tx = tx.clone();
                tokio::spawn(async move {
                    if let Ok(Ok(tls)) = tokio::time::timeout(Duration::from_secs(5), acceptor.accept(sock)).await {
                        let _ = tx.send((tls, peer)).await;
                    }
                });
            }
        });
        TlsListener { rx, addr }
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = tokio_rustls::server::TlsStream<tokio::net::TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.rx.recv().await {
            Some(x) => x,
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.addr)
    }
}
