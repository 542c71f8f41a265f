//! [`FakeDiscord`]: starting the fake, building clients for it, driving and inspecting it.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::sync::watch;

use crate::{drivers::*, guild::*, records::*, rest::*, state::*, tls::*};

// FakeDiscord
// ---------------------------------------------------------------------------------------------

/// The fake. Cheap to clone (shared state).
#[derive(Clone)]
pub struct FakeDiscord {
    pub(crate) inner: Arc<Inner>,
}

/// Configures a [`FakeDiscord`] before [`FakeDiscordBuilder::start`].
pub struct FakeDiscordBuilder {
    pub(crate) token: String,
    pub(crate) bot_id: u64,
    pub(crate) app_id: u64,
    pub(crate) bot_name: String,
    pub(crate) heartbeat_ms: u64,
    pub(crate) nonce_window: Duration,
    pub(crate) guilds: Vec<GuildSpec>,
    pub(crate) shards: u64,
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

    /// The shard count `GET /gateway/bot` recommends (default 1). IDENTIFY must use it
    /// (else close 4011); each guild's events go to shard `(guild_id >> 22) % shards`.
    pub fn shards(mut self, n: u64) -> Self {
        self.shards = n.max(1);
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
            shards: self.shards,
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
            shards: 1,
            guilds: vec![GuildSpec::default_test_guild()],
        }
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, St> {
        self.inner.st.lock().unwrap_or_else(|e| e.into_inner())
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

    /// From now on, every message body with content or embeds (channel messages, interaction
    /// responses, follow-ups, edits) must set `allowed_mentions`; one that does not is a
    /// violation (and fails `finish`).
    pub fn require_allowed_mentions(&self) {
        self.lock().require_mentions = true;
    }

    /// The bot under test runs only these shards (one process of several): the gateway counts
    /// as live when they are connected.
    pub fn expect_shards(&self, ids: &[u64]) {
        self.lock().expected_shards = Some(ids.to_vec());
    }

    /// Makes DMs to this user fail with 403 / 50007.
    pub fn close_dms(&self, user_id: u64) {
        self.lock().dm_closed.insert(user_id);
    }

    /// Sets what a channel overwrite denies the bot (see `ChannelSpec::bot_denied`). With
    /// `announce`, CHANNEL_UPDATE carries the new overwrites, as Discord sends it; without,
    /// the change is silent (a bot whose cache missed the update).
    pub fn set_bot_denied(&self, channel_id: u64, bits: u64, announce: bool) {
        let d = {
            let mut st = self.lock();
            let c = st.channels.get_mut(&channel_id).expect("a known channel");
            c.bot_denied = bits;
            let c = c.clone();
            if let Some(spec) = c.guild_id.and_then(|g| st.guilds.iter_mut().find(|s| s.id == g))
                && let Some(cs) = spec.channels.iter_mut().find(|cs| cs.id == channel_id)
            {
                cs.bot_denied = bits;
            }
            st.chan_json(&self.inner.cfg, &c)
        };
        if announce {
            self.dispatch("CHANNEL_UPDATE", d);
        }
    }

    /// Deletes a channel (CHANNEL_DELETE): it answers 404 / 10003 Unknown Channel from now on.
    pub fn delete_channel(&self, channel_id: u64) {
        let d = {
            let mut st = self.lock();
            let c = st.channels.remove(&channel_id).expect("a known channel");
            if let Some(spec) = c.guild_id.and_then(|g| st.guilds.iter_mut().find(|s| s.id == g)) {
                spec.channels.retain(|cs| cs.id != channel_id);
            }
            st.chan_json(&self.inner.cfg, &c)
        };
        self.dispatch("CHANNEL_DELETE", d);
    }

    /// At most `n` DM channel opens (`POST /users/@me/channels`) per `window`; beyond, Discord's
    /// 400 / 40003 "You are opening direct messages too fast".
    pub fn limit_dm_opens(&self, n: usize, window: Duration) {
        self.lock().dm_open_limit = Some((n, window));
    }

    /// Sets how many IDENTIFYs are left today (`GET /gateway/bot`'s
    /// `session_start_limit.remaining`, 1000 a day; each IDENTIFY uses one; it resets in 4 h).
    pub fn set_identify_budget(&self, remaining: u64) {
        self.lock().identifies_left = Some(remaining);
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

    /// The bot is removed from (kicked out of) guild `id`. With its shard connected, Discord
    /// sends GUILD_DELETE without `unavailable`; with the bot offline nothing is queued: the
    /// next READY simply does not list the guild (Discord sends no removal event then). Its
    /// channels answer 403 / 50001 Missing Access from now on.
    /// Member `user` leaves guild `guild` (or is kicked): from now on Discord answers Unknown
    /// Member (10007) for them. No gateway event: it would need the privileged Server Members
    /// intent, which the bot does not ask for.
    pub fn remove_member(&self, guild: u64, user: u64) {
        let mut st = self.lock();
        if let Some(g) = st.guilds.iter_mut().find(|g| g.id == guild) {
            g.members.retain(|m| m.user_id != user);
        }
    }

    pub fn remove_guild(&self, id: u64) {
        let live = {
            let mut st = self.lock();
            st.guilds.retain(|g| g.id != id);
            st.removed_guilds.insert(id);
            let shard = shard_of(id, self.inner.cfg.shards);
            st.gw.shards.get(&shard).is_some_and(|sh| sh.live.is_some())
        };
        if live {
            self.dispatch("GUILD_DELETE", json!({"id": id.to_string()}));
        }
    }

    /// Guild `id` has an outage (`down`) or is back. Down: GUILD_DELETE with
    /// `unavailable: true` to a connected bot, and a READY lists it as unavailable without a
    /// GUILD_CREATE; back: GUILD_CREATE.
    pub fn guild_outage(&self, id: u64, down: bool) {
        let back = {
            let mut st = self.lock();
            if down {
                st.outages.insert(id);
                None
            } else {
                st.outages.remove(&id);
                st.guild(id).cloned().map(|g| st.guild_json(&self.inner.cfg, &g, true))
            }
        };
        match back {
            None => self.dispatch("GUILD_DELETE", json!({"id": id.to_string(), "unavailable": true})),
            Some(d) => self.dispatch("GUILD_CREATE", d),
        }
    }

    /// Every dispatch (type and payload) of the shards' current sessions, in order.
    pub fn dispatched(&self) -> Vec<(String, Value)> {
        let st = self.lock();
        st.gw
            .shards
            .values()
            .filter_map(|sh| sh.session.as_ref())
            .flat_map(|s| s.log.iter())
            .map(|e| (e.t.clone(), e.d.clone()))
            .collect()
    }

    // ----- fixtures (what the gateway sends) -----

    /// The READY `d` payload a new session would get.
    pub fn ready_payload(&self) -> Value {
        self.lock().ready_json(&self.inner.cfg, "fixture-session", [0, 1])
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
        let all: Vec<u64> = (0..self.inner.cfg.shards).collect();
        let expected = st.expected_shards.clone().unwrap_or(all);
        s.live = expected.iter().all(|id| st.gw.shards.get(id).is_some_and(|sh| sh.live.is_some()));
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

    /// Waits until every shard's gateway connection is live (identified or resumed).
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

    /// While `true`, new gateway connections are refused (HTTP 503 on the upgrade), as in a
    /// Discord outage; a bot whose connection drops then stays disconnected. Returns how many
    /// were refused so far.
    pub fn refuse_gateway(&self, refuse: bool) -> u64 {
        let mut st = self.lock();
        st.gw.refusing = refuse;
        st.gw.refused
    }

    /// While `true`, new gateway connections are accepted and never answered (an upgrade
    /// that hangs, as behind a network that swallows packets).
    pub fn stall_gateway(&self, stall: bool) {
        self.lock().gw.stalling = stall;
    }

    /// The shard count `GET /gateway/bot` recommends (see [`FakeDiscordBuilder::shards`]).
    pub fn shard_count(&self) -> u64 {
        self.inner.cfg.shards
    }

    /// The shard Discord routes this guild's events to.
    pub fn shard_of(&self, guild_id: u64) -> u64 {
        shard_of(guild_id, self.inner.cfg.shards)
    }

    /// Shards with a live (identified or resumed) connection.
    pub fn live_shards(&self) -> Vec<u64> {
        self.lock().gw.shards.iter().filter(|(_, sh)| sh.live.is_some()).map(|(id, _)| *id).collect()
    }

    /// Like [`Self::drop_gateway_with`], for one shard's connection only.
    pub async fn drop_shard(&self, shard: u64, how: GatewayDrop) {
        self.drop_connections(Some(shard), how).await
    }

    /// Ends the bot's websocket as asked; returns once that connection is closed (for
    /// [`GatewayDrop::Reconnect`], once the bot has closed it). Then use
    /// [`Self::wait_gateway_sessions`] / [`Self::wait_connected`].
    pub async fn drop_gateway_with(&self, how: GatewayDrop) {
        self.drop_connections(None, how).await
    }

    async fn drop_connections(&self, only: Option<u64>, how: GatewayDrop) {
        let live: Vec<(u64, u64, tokio::sync::mpsc::UnboundedSender<WsCmd>)> = {
            let mut st = self.lock();
            let mut live = vec![];
            for (id, sh) in st.gw.shards.iter_mut().filter(|(id, _)| only.is_none_or(|o| o == **id)) {
                if let Some((conn, tx)) = sh.live.clone() {
                    if how == GatewayDrop::InvalidSession {
                        sh.invalidate_next_resume = true;
                    }
                    live.push((*id, conn, tx));
                }
            }
            live
        };
        assert!(!live.is_empty(), "drop_gateway: no live gateway connection");
        for (_, _, tx) in &live {
            let cmd = match how {
                GatewayDrop::Resumable | GatewayDrop::InvalidSession => WsCmd::Close(4000, "fake: dropped"),
                GatewayDrop::Abrupt => WsCmd::Abrupt,
                GatewayDrop::Reconnect => WsCmd::Raw(json!({"op": 7, "d": null}).to_string()),
                GatewayDrop::AuthenticationFailed => WsCmd::Close(4004, "Authentication failed."),
            };
            let _ = tx.send(cmd);
        }
        self.wait_until(Duration::from_secs(10), "the dropped gateway connections to close", || {
            let st = self.lock();
            live.iter()
                .all(|(id, conn, _)| st.gw.shards.get(id).and_then(|sh| sh.live.as_ref()).map(|l| l.0) != Some(*conn))
                .then_some(())
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
    /// The fake's "now" for scheduled events (a start in the past is refused; external events
    /// start and end by themselves; unstarted ones are cancelled hours later). The system
    /// clock until set: tests on a manual clock set both.
    pub fn set_clock(&self, now: chrono::DateTime<chrono::Utc>) {
        self.lock().clock = Some(now);
    }

    /// The guild's scheduled events as Discord would list them now (with `user_count`).
    pub fn scheduled_events(&self, guild_id: u64) -> Vec<Value> {
        let mut st = self.lock();
        let now = st.clock.unwrap_or_else(chrono::Utc::now);
        crate::events::refresh(&mut st, now);
        let mut out: Vec<Value> = st
            .events
            .values()
            .filter(|e| e.guild_id == guild_id)
            .map(|e| {
                let mut v = e.json.clone();
                v["user_count"] = json!(e.users.len());
                v
            })
            .collect();
        out.sort_by_key(|v| v["scheduled_start_time"].as_str().map(String::from));
        out
    }

    /// A user clicks "Interested" on a scheduled event.
    pub fn mark_interested(&self, event_id: u64, user_id: u64) {
        if let Some(e) = self.lock().events.get_mut(&event_id) {
            e.users.insert(user_id);
        }
    }

    /// Every REST request takes `latency` before it is answered (a round trip to Discord).
    pub fn set_latency(&self, latency: Duration) {
        self.lock().latency = latency;
    }
    /// From now on, enforce Discord's budgets like Discord: 50 requests per second (interaction
    /// callbacks and webhooks exempt) and 5 messages per 5 seconds per channel; a request over
    /// budget gets a 429 (counted by [`FakeDiscord::count_429`] and [`FakeDiscord::count_over_budget`]).
    pub fn enforce_rate_limits(&self) {
        self.lock().limits = Some(crate::state::Limits::default());
    }
    /// 429s served because a budget of [`FakeDiscord::enforce_rate_limits`] was exceeded.
    pub fn count_over_budget(&self) -> usize {
        self.lock().limits.as_ref().map_or(0, |l| l.exceeded)
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
    /// The id of a user's DM channel (created now if the bot has not opened it yet, with the
    /// id `POST /users/@me/channels` will return), e.g. to inject a fault on it.
    pub fn dm_channel_of(&self, user_id: u64) -> u64 {
        self.lock().dm_channel_for(user_id)
    }
    /// A member's message in a channel (stored and visible in its history, as if typed in
    /// Discord; no gateway event, the bot has no message intent). Returns it.
    pub fn post_as_user(&self, channel_id: u64, user_id: u64, content: &str) -> Value {
        let mut st = self.lock();
        let author = st.user_json(&self.inner.cfg, user_id);
        let mut m = crate::rest::create_message(
            &self.inner.cfg,
            &mut st,
            channel_id,
            &json!({ "content": content }),
            &[],
            0,
            crate::state::Origin::Channel,
        );
        m["author"] = author;
        let id: u64 = m["id"].as_str().and_then(|i| i.parse().ok()).unwrap_or(0);
        if let Some(stored) = st.messages.get_mut(&id) {
            stored.msg = m.clone();
        }
        m
    }
    /// Threads the bot created (channel objects as returned).
    pub fn threads(&self) -> Vec<Value> {
        self.lock().threads.clone()
    }
    /// A thread's members (user ids, ascending), the bot included once it joined.
    pub fn thread_members(&self, thread_id: u64) -> Vec<u64> {
        self.lock().thread_state.get(&thread_id).map(|t| t.members.iter().copied().collect()).unwrap_or_default()
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

    pub(crate) fn command_data(&self, cmd: &Slash, who: &Invoker) -> Value {
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
                        let r = RoleSpec { id, name: format!("role{id}"), permissions: 0, mentionable: false };
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

    pub(crate) fn send_interaction(
        &self,
        kind: u8,
        data: Value,
        who: &Invoker,
        message: Option<Value>,
    ) -> InteractionHandle {
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
                "locale": who.locale, "entitlements": [], "attachment_size_limit": who.attachment_size_limit,
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
                    let app_p = match chan.as_ref() {
                        Some(c) => st.bot_permissions(cfg, c),
                        None => spec.as_ref().map(|s| s.permissions_for(cfg.bot_id, &[])).unwrap_or(perms::EVERYONE),
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
                    attachment_limit: who.attachment_size_limit,
                },
            );
            (id, token, d)
        };
        self.inner.dispatch("INTERACTION_CREATE", payload.clone(), Some(token.clone()));
        InteractionHandle { fake: self.clone(), id, token, payload }
    }
}

impl Inner {
    pub(crate) fn bump(&self) {
        self.changed.send_modify(|v| *v += 1);
    }

    pub(crate) fn dispatch(&self, t: &str, d: Value, token: Option<String>) {
        {
            let mut st = self.st.lock().unwrap_or_else(|e| e.into_inner());
            let shard = event_guild(t, &d).map(|g| shard_of(g, self.cfg.shards)).unwrap_or(0);
            let gw = st.gw.shards.entry(shard).or_default();
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

    pub(crate) fn mark_sent(&self, token: &str) {
        let mut st = self.st.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(ix) = st.interactions.get_mut(token) {
            ix.sent_at.get_or_insert_with(Instant::now);
        }
    }
}

// ---------------------------------------------------------------------------------------------
