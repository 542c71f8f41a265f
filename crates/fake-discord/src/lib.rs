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
//! guild, RESUME -> replay + RESUMED (or op 9 when asked to). It is sharded like Discord:
//! `GET /gateway/bot` recommends [`FakeDiscordBuilder::shards`] (default 1), IDENTIFY must
//! use that total (else close 4011), and each shard gets the events of the guilds with
//! `(guild_id >> 22) % shards == shard` (DMs on shard 0), with its own session and replay. Every REST request is recorded;
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
//!
//! Modules: `guild` (ids, permissions, guild specs), `records` (what tests inspect), `drivers`
//! (invokers, slash commands, interaction handles), `state` (shared state), `fake` (the
//! [`FakeDiscord`] handle), `rest` and `interactions` (the HTTP API), `gateway` (websocket) and
//! `tls` (the HTTPS listener). `tests/selftest.rs` checks the fake against a tiny poise bot.

mod drivers;
mod events;
mod fake;
mod gateway;
mod guild;
mod interactions;
mod records;
mod rest;
mod state;
mod tls;

pub use drivers::*;
pub use events::{MAX_UPCOMING, UNSTARTED_CANCELLED_AFTER};
pub use fake::*;
pub use guild::*;
pub use records::*;
