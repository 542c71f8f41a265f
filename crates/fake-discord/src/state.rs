//! The fake's shared state: channels, messages, interactions, the event log.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};
use tokio::sync::{mpsc, watch};

use crate::{guild::*, records::*};

// Internal state
// ---------------------------------------------------------------------------------------------

pub(crate) struct Cfg {
    pub(crate) token: String,
    pub(crate) bot_id: u64,
    pub(crate) app_id: u64,
    pub(crate) bot_name: String,
    pub(crate) heartbeat_ms: u64,
    pub(crate) nonce_window: Duration,
    pub(crate) port: u16,
    pub(crate) tls_addr: SocketAddr,
    pub(crate) ca_pem: String,
    /// The shard count `GET /gateway/bot` recommends and IDENTIFY must use.
    pub(crate) shards: u64,
}

/// The shard a guild's events go to, as Discord routes them.
pub(crate) fn shard_of(guild_id: u64, shards: u64) -> u64 {
    (guild_id >> 22) % shards.max(1)
}

/// The guild an event belongs to (`guild_id`, or `id` for GUILD_CREATE/DELETE); DMs: none.
pub(crate) fn event_guild(t: &str, d: &Value) -> Option<u64> {
    let v = if matches!(t, "GUILD_CREATE" | "GUILD_DELETE" | "GUILD_UPDATE") { &d["id"] } else { &d["guild_id"] };
    v.as_str().and_then(|s| s.parse().ok()).or_else(|| v.as_u64())
}

pub(crate) struct Inner {
    pub(crate) cfg: Cfg,
    pub(crate) st: Mutex<St>,
    pub(crate) changed: watch::Sender<u64>,
}

#[derive(Clone, Debug)]
pub(crate) struct Chan {
    pub(crate) id: u64,
    pub(crate) guild_id: Option<u64>,
    pub(crate) name: String,
    pub(crate) kind: u8,
    pub(crate) parent_id: Option<u64>,
    /// Bits an overwrite denies the bot (see `ChannelSpec::bot_denied`).
    pub(crate) bot_denied: u64,
    pub(crate) topic: Option<String>,
    pub(crate) position: usize,
    pub(crate) recipient: Option<u64>,
    pub(crate) owner_id: Option<u64>,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Origin {
    Channel,
    Interaction(String),
}

#[derive(Clone, Debug)]
pub(crate) struct StoredMsg {
    pub(crate) channel_id: u64,
    pub(crate) msg: Value,
    pub(crate) origin: Origin,
    pub(crate) deleted: bool,
}

pub(crate) struct Ix {
    pub(crate) id: u64,
    pub(crate) kind: u8,
    pub(crate) channel_id: u64,
    pub(crate) created: Instant,
    pub(crate) sent_at: Option<Instant>,
    pub(crate) callback: Option<(u8, Value, Instant)>,
    pub(crate) deferred_flags: u64,
    pub(crate) original: Option<u64>,
    pub(crate) source_message: Option<Value>,
    pub(crate) events: Vec<TokenEvent>,
    /// The interaction's `attachment_size_limit`: a larger file is refused with 40005.
    pub(crate) attachment_limit: u64,
}

pub(crate) struct LogEv {
    pub(crate) seq: u64,
    pub(crate) t: String,
    pub(crate) d: Value,
    pub(crate) token: Option<String>,
    pub(crate) sent: bool,
}

pub(crate) struct Session {
    pub(crate) id: String,
    pub(crate) seq: u64,
    pub(crate) log: Vec<LogEv>,
}

pub(crate) enum WsCmd {
    Frame(String, Option<String>),
    Close(u16, &'static str),
    Abrupt,
    Raw(String),
}

/// One shard's gateway state: its session, its live connection and the events kept for it.
#[derive(Default)]
pub(crate) struct ShardGw {
    pub(crate) session: Option<Session>,
    pub(crate) live: Option<(u64, mpsc::UnboundedSender<WsCmd>)>,
    pub(crate) orphans: Vec<(String, Value, Option<String>)>,
    pub(crate) invalidate_next_resume: bool,
}

#[derive(Default)]
pub(crate) struct Gw {
    pub(crate) next_conn: u64,
    pub(crate) sessions_made: u64,
    /// By shard id (`0..Cfg::shards`), created on first use.
    pub(crate) shards: BTreeMap<u64, ShardGw>,
    /// New websocket connections are refused (HTTP 503) while set.
    pub(crate) refusing: bool,
    pub(crate) refused: u64,
    /// New websocket upgrades are never answered while set (a network that swallows them).
    pub(crate) stalling: bool,
    pub(crate) stats: GatewayStats,
    pub(crate) ops: Vec<Value>,
    pub(crate) queries: Vec<String>,
}

/// What Discord keeps of a thread besides its channel.
#[derive(Clone, Debug)]
pub(crate) struct ThreadState {
    pub(crate) members: std::collections::BTreeSet<u64>,
    pub(crate) archived: bool,
    pub(crate) invitable: bool,
}

#[derive(Default)]
pub(crate) struct St {
    pub(crate) last_id: u64,
    pub(crate) guilds: Vec<GuildSpec>,
    pub(crate) channels: BTreeMap<u64, Chan>,
    pub(crate) dm_by_user: HashMap<u64, u64>,
    pub(crate) dm_closed: HashSet<u64>,
    pub(crate) usernames: HashMap<u64, String>,
    pub(crate) messages: BTreeMap<u64, StoredMsg>,
    pub(crate) nonces: HashMap<(u64, String), (u64, Instant)>,
    pub(crate) threads: Vec<Value>,
    /// Each thread's members, whether it is archived, and (private threads) whether
    /// non-moderators may add others.
    pub(crate) thread_state: HashMap<u64, ThreadState>,
    pub(crate) requests: Vec<Recorded>,
    pub(crate) unhandled: Vec<Recorded>,
    pub(crate) violations: Vec<Violation>,
    /// Every message body with content or embeds must set `allowed_mentions`
    /// (`FakeDiscord::require_allowed_mentions`).
    pub(crate) require_mentions: bool,
    /// The shards a bot under test runs (default: all): "live" means these are connected.
    pub(crate) expected_shards: Option<Vec<u64>>,
    pub(crate) faults: Vec<Fault>,
    pub(crate) count_429: usize,
    pub(crate) count_5xx: usize,
    /// Added to every REST request before it is answered (a round trip to Discord).
    pub(crate) latency: std::time::Duration,
    /// Discord's rate limits, when enforced (see `FakeDiscord::enforce_rate_limits`).
    pub(crate) limits: Option<Limits>,
    /// Registered commands (with ids) per scope: None = global, Some(guild).
    pub(crate) commands: BTreeMap<Option<u64>, Vec<Value>>,
    pub(crate) last_commands_put: Option<Value>,
    pub(crate) interactions: HashMap<String, Ix>,
    pub(crate) gw: Gw,
    /// Guilds the bot was removed from (`FakeDiscord::remove_guild`): their channels answer
    /// 403 / 50001 Missing Access.
    pub(crate) removed_guilds: HashSet<u64>,
    /// Guilds in an outage (`FakeDiscord::guild_outage`): listed unavailable in READY, no
    /// GUILD_CREATE.
    pub(crate) outages: HashSet<u64>,
    /// At most this many DM channel opens per window (`FakeDiscord::limit_dm_opens`).
    pub(crate) dm_open_limit: Option<(usize, std::time::Duration)>,
    pub(crate) dm_opens: Vec<Instant>,
    /// IDENTIFYs left today, Discord's `session_start_limit.remaining` (None: 1000); each
    /// IDENTIFY uses one (`FakeDiscord::set_identify_budget`).
    pub(crate) identifies_left: Option<u64>,
    /// Scheduled events by id (`crate::events`).
    pub(crate) events: std::collections::BTreeMap<u64, crate::events::Event>,
    /// The fake's "now" for scheduled events (`FakeDiscord::set_clock`); the system clock when unset.
    pub(crate) clock: Option<chrono::DateTime<chrono::Utc>>,
}

impl St {
    /// The bot's permissions in channel `c`: its guild permissions (`@everyone`, the bot has
    /// no roles) less what the channel's overwrite denies it; everything in a DM.
    pub(crate) fn bot_permissions(&self, cfg: &Cfg, c: &Chan) -> u64 {
        let Some(g) = c.guild_id.and_then(|g| self.guild(g)) else {
            return perms::ALL;
        };
        // @everyone and the roles the guild gives the bot's member.
        let guild = g.permissions_for(cfg.bot_id, &g.member_roles(cfg.bot_id));
        if guild & perms::ADMINISTRATOR != 0 {
            return perms::ALL;
        }
        // A thread has its parent's overwrites.
        let denied = match c.parent_id.and_then(|p| self.channels.get(&p)) {
            Some(parent) if matches!(c.kind, 10..=12) => parent.bot_denied,
            _ => c.bot_denied,
        };
        guild & !denied
    }

    /// Records a guild's channels and member names (at start and for `add_guild`).
    pub(crate) fn register_guild(&mut self, g: &GuildSpec) {
        for (i, c) in g.channels.iter().enumerate() {
            self.channels.insert(
                c.id,
                Chan {
                    id: c.id,
                    guild_id: Some(g.id),
                    name: c.name.clone(),
                    kind: c.kind,
                    parent_id: c.parent_id,
                    bot_denied: c.bot_denied,
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

    pub(crate) fn next_id(&mut self) -> u64 {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as u64;
        let id = ((now - DISCORD_EPOCH_MS) << 22).max(self.last_id + 1);
        self.last_id = id;
        id
    }

    pub(crate) fn username(&self, cfg: &Cfg, user_id: u64) -> String {
        if user_id == cfg.bot_id {
            return cfg.bot_name.clone();
        }
        self.usernames.get(&user_id).cloned().unwrap_or_else(|| format!("user{user_id}"))
    }

    pub(crate) fn user_json(&self, cfg: &Cfg, user_id: u64) -> Value {
        user_json(user_id, &self.username(cfg, user_id), user_id == cfg.bot_id)
    }

    pub(crate) fn guild(&self, id: u64) -> Option<&GuildSpec> {
        self.guilds.iter().find(|g| g.id == id)
    }

    pub(crate) fn chan_json(&self, cfg: &Cfg, c: &Chan) -> Value {
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
            let t = self.thread_state.get(&c.id);
            o.insert("member_count".into(), json!(t.map_or(1, |t| t.members.len())));
            o.insert("total_message_sent".into(), json!(0));
            o.insert(
                "thread_metadata".into(),
                json!({"archived": t.is_some_and(|t| t.archived), "auto_archive_duration": 1440, "locked": false,
                       "archive_timestamp": now_ts(), "create_timestamp": now_ts(),
                       "invitable": t.is_none_or(|t| t.invitable)}),
            );
            return v;
        }
        let deny = if c.bot_denied == 0 {
            vec![]
        } else {
            vec![json!({"id": cfg.bot_id.to_string(), "type": 1, "allow": "0", "deny": c.bot_denied.to_string()})]
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

    pub(crate) fn role_json(r: &RoleSpec, position: usize) -> Value {
        json!({"id": r.id.to_string(), "name": r.name, "color": 0, "hoist": false, "icon": null,
               "unicode_emoji": null, "position": position, "permissions": r.permissions.to_string(),
               "managed": false, "mentionable": r.mentionable, "flags": 0,
               "colors": {"primary_color": 0, "secondary_color": null, "tertiary_color": null}})
    }

    pub(crate) fn member_json(&self, g: &GuildSpec, m: &MemberSpec) -> Value {
        json!({"user": user_json(m.user_id, &m.username, m.bot), "nick": null, "avatar": null,
               "roles": m.roles.iter().map(|r| r.to_string()).collect::<Vec<_>>(),
               "joined_at": JOINED_AT, "premium_since": null, "deaf": false, "mute": false,
               "flags": 0, "pending": false, "communication_disabled_until": null,
               "guild_id": g.id.to_string()})
    }

    pub(crate) fn members_with_bot(&self, cfg: &Cfg, g: &GuildSpec) -> Vec<MemberSpec> {
        let mut ms = g.members.clone();
        if !ms.iter().any(|m| m.user_id == cfg.bot_id) {
            ms.push(MemberSpec { user_id: cfg.bot_id, username: cfg.bot_name.clone(), roles: vec![], bot: true });
        }
        ms
    }

    pub(crate) fn guild_json(&self, cfg: &Cfg, g: &GuildSpec, full: bool) -> Value {
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

    pub(crate) fn ready_json(&self, cfg: &Cfg, session_id: &str, shard: [u64; 2]) -> Value {
        let mut bot = user_json(cfg.bot_id, &cfg.bot_name, true);
        bot["verified"] = json!(true);
        bot["mfa_enabled"] = json!(false);
        bot["flags"] = json!(0);
        let guilds: Vec<Value> = self
            .guilds
            .iter()
            .filter(|g| shard_of(g.id, shard[1]) == shard[0])
            .map(|g| json!({"id": g.id.to_string(), "unavailable": true}))
            .collect();
        json!({
            "v": 10, "user": bot, "guilds": guilds, "session_id": session_id,
            "resume_gateway_url": format!("ws://127.0.0.1:{}/ws", cfg.port),
            "shard": shard, "application": {"id": cfg.app_id.to_string(), "flags": 0},
            "private_channels": [], "relationships": [], "presences": [],
            "geo_ordered_rtc_regions": [], "guild_join_requests": [], "user_settings": {},
            "_trace": ["fake-discord"],
        })
    }

    pub(crate) fn application_json(&self, cfg: &Cfg, g0_owner: u64) -> Value {
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

    pub(crate) fn store_message(&mut self, channel_id: u64, msg: Value, origin: Origin) {
        let id = id_of(&msg);
        self.messages.insert(id, StoredMsg { channel_id, msg, origin, deleted: false });
    }

    pub(crate) fn visible_in(&self, channel_id: u64) -> Vec<Value> {
        self.messages
            .values()
            .filter(|m| m.channel_id == channel_id && !m.deleted && m.msg["flags"].as_u64().unwrap_or(0) & 64 == 0)
            .map(|m| m.msg.clone())
            .collect()
    }

    pub(crate) fn dm_channel_for(&mut self, user_id: u64) -> u64 {
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
                bot_denied: 0,
                topic: None,
                position: 0,
                recipient: Some(user_id),
                owner_id: None,
            },
        );
        id
    }
}

pub(crate) fn user_json(id: u64, name: &str, bot: bool) -> Value {
    json!({"id": id.to_string(), "username": name, "discriminator": "0", "global_name": null,
           "avatar": null, "bot": bot, "system": false, "public_flags": 0, "banner": null,
           "accent_color": null, "avatar_decoration_data": null})
}

pub(crate) fn now_ts() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.6f+00:00").to_string()
}

pub(crate) fn id_of(v: &Value) -> u64 {
    match &v["id"] {
        Value::String(s) => s.parse().unwrap_or(0),
        Value::Number(n) => n.as_u64().unwrap_or(0),
        _ => 0,
    }
}

pub(crate) fn parse_id(s: &str) -> Option<u64> {
    s.parse().ok()
}

// ---------------------------------------------------------------------------------------------

/// Discord's published budgets as the fake enforces them: every request except interaction
/// callbacks and webhooks counts against 50 per second (a sliding second); messages posted to
/// one channel against 5 per 5 seconds. A request over budget gets a 429.
#[derive(Default)]
pub(crate) struct Limits {
    pub(crate) global: std::collections::VecDeque<Instant>,
    pub(crate) channels: HashMap<u64, std::collections::VecDeque<Instant>>,
    /// 429s served for exceeding these budgets (also counted in `count_429`).
    pub(crate) exceeded: usize,
}

pub(crate) const GLOBAL_PER_SECOND: usize = 50;
pub(crate) const CHANNEL_MESSAGES: usize = 5;
pub(crate) const CHANNEL_WINDOW: std::time::Duration = std::time::Duration::from_secs(5);

impl Limits {
    /// Records a request at `now`; `Some(retry_after)` when it is over a budget (then it is
    /// not counted as sent).
    pub(crate) fn admit(&mut self, now: Instant, path: &str, message_to: Option<u64>) -> Option<f64> {
        let second = std::time::Duration::from_secs(1);
        if path.starts_with("/interactions/") || path.starts_with("/webhooks/") {
            return None;
        }
        while self.global.front().is_some_and(|t| now.duration_since(*t) >= second) {
            self.global.pop_front();
        }
        if self.global.len() >= GLOBAL_PER_SECOND {
            self.exceeded += 1;
            let oldest = self.global.front().copied().unwrap_or(now);
            return Some((second.saturating_sub(now.duration_since(oldest))).as_secs_f64());
        }
        if let Some(channel) = message_to {
            let log = self.channels.entry(channel).or_default();
            while log.front().is_some_and(|t| now.duration_since(*t) >= CHANNEL_WINDOW) {
                log.pop_front();
            }
            if log.len() >= CHANNEL_MESSAGES {
                self.exceeded += 1;
                let oldest = log.front().copied().unwrap_or(now);
                return Some((CHANNEL_WINDOW.saturating_sub(now.duration_since(oldest))).as_secs_f64());
            }
            log.push_back(now);
        }
        self.global.push_back(now);
        None
    }
}
