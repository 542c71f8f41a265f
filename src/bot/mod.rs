//! The Discord adapter: connects serenity/poise, registers commands, routes interactions.
//! A handler parses its options, calls one service and renders the result; this module never
//! touches the database (`tests/layering.rs` checks that it never imports the db module).
//!
//! Only this module and the scheduler's sender talk to Discord.

pub(crate) mod actor;
pub mod commands;
pub(crate) mod components;
pub(crate) mod drain;
pub(crate) mod errors;
pub(crate) mod moderator;
pub(crate) mod options;
pub(crate) mod register;
pub(crate) mod reply;

pub use crate::error::{Error as BotError, INTERNAL_MESSAGE};

use crate::clock::{SharedClock, SystemClock};
use crate::config::Config;
use crate::curriculum::Curriculum;
use crate::scheduler::Scheduler;
use crate::service::{Core, Db, Services};
use crate::shards::Shards;
use poise::serenity_prelude as serenity;
use std::sync::Arc;
use tracing::{error, info, warn};

/// Shared state handed to every command.
pub struct Data {
    pub config: Config,
    pub curriculum: Arc<Curriculum>,
    pub clock: SharedClock,
    pub services: Services,
    pub scheduler: Arc<Scheduler>,
}

impl Data {
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }
}

pub type Context<'a> = poise::Context<'a, Data, BotError>;

/// Test and embedding hooks for [`start`].
#[derive(Default)]
pub struct StartOptions {
    /// HTTP client to use instead of serenity's default (tests give one that resolves
    /// discord.com to a local fake over TLS, keeping serenity's rate limiter on).
    pub http_client: Option<reqwest::Client>,
    /// Time source (tests use a manual clock); the system clock by default.
    pub clock: Option<SharedClock>,
    /// Start the ticking scheduler job (tests drive ticks by hand instead).
    pub start_scheduler: bool,
    /// The scheduler's request budgets; Discord's limits by default.
    pub pace: Option<crate::scheduler::pace::Budget>,
}

impl StartOptions {
    /// Production defaults: system clock, scheduler running.
    pub fn production() -> Self {
        StartOptions { start_scheduler: true, ..Default::default() }
    }
}

/// A running bot; `shutdown` stops it cleanly.
pub struct RunningBot {
    scheduler: Arc<Scheduler>,
    shard_manager: Arc<serenity::ShardManager>,
    /// `None` once it ended and was awaited ([`RunningBot::client_stopped`]).
    client_task: Option<tokio::task::JoinHandle<Result<(), serenity::Error>>>,
    db: Db,
    in_flight: Arc<drain::InFlight>,
    /// The REST forwarder in proxy mode ([`crate::rest`]).
    transport: Option<crate::rest::Transport>,
    /// `/metrics`, `/livez`, `/readyz` when configured ([`crate::ops`]).
    ops: Option<crate::ops::Server>,
    /// The syllabus and calendar feeds when configured ([`crate::web`]).
    web: Option<crate::web::Server>,
}

/// How long shutdown waits for interactions already received to be answered (below Docker's
/// 10 s grace period together with the rest of the shutdown).
pub const DRAIN_LIMIT: std::time::Duration = std::time::Duration::from_secs(6);

/// The whole shutdown ends within this, whatever Discord or the database do: Docker sends
/// SIGKILL 10 s after SIGTERM.
pub const SHUTDOWN_LIMIT: std::time::Duration = std::time::Duration::from_millis(9_300);

impl RunningBot {
    /// Lets the interactions already received finish (at most [`DRAIN_LIMIT`]), then stops
    /// the scheduler, disconnects from Discord and closes the database; each step waits only
    /// for what is left of [`SHUTDOWN_LIMIT`].
    pub async fn shutdown(self) {
        let deadline = tokio::time::Instant::now() + SHUTDOWN_LIMIT;
        // What is left of the budget, and at least a moment for each step.
        let left = || {
            deadline.saturating_duration_since(tokio::time::Instant::now()).max(std::time::Duration::from_millis(100))
        };
        let running = self.in_flight.now();
        if !self.in_flight.drained(DRAIN_LIMIT).await {
            warn!(
                still_running = self.in_flight.now(),
                "interactions still running after {DRAIN_LIMIT:?}; stopping anyway"
            );
        } else if running > 0 {
            info!(answered = running, "in-flight interactions answered before stopping");
        }
        if tokio::time::timeout(left(), self.scheduler.shutdown()).await.is_err() {
            warn!("the scheduler did not stop in time; stopping anyway");
        }
        if tokio::time::timeout(left(), self.shard_manager.shutdown_all()).await.is_err() {
            warn!("the gateway shards did not stop in time; stopping anyway");
        }
        if let Some(task) = self.client_task {
            match tokio::time::timeout(left(), task).await {
                Ok(Ok(Ok(()))) => {}
                Ok(Ok(Err(e))) => warn!("Discord client stopped with an error: {e}"),
                Ok(Err(e)) => warn!("Discord client task failed: {e}"),
                Err(_) => warn!("the Discord client did not stop in time; stopping anyway"),
            }
        }
        if let Some(t) = &self.transport {
            t.stop();
        }
        if let Some(o) = &self.ops {
            o.stop();
        }
        drop(self.web);
        if tokio::time::timeout(left(), self.db.close()).await.is_err() {
            warn!("the database did not close in time");
        }
        info!("stopped");
    }

    /// Where the syllabus and calendar feeds are served (`--web-addr`), if they are.
    pub fn web_addr(&self) -> Option<std::net::SocketAddr> {
        self.web.as_ref().map(|w| w.addr)
    }

    /// Where `/metrics`, `/livez` and `/readyz` are served, if they are.
    pub fn ops_addr(&self) -> Option<std::net::SocketAddr> {
        self.ops.as_ref().map(|o| o.addr)
    }

    /// The scheduler (tests drive its ticks directly with a manual clock).
    pub fn scheduler(&self) -> Arc<Scheduler> {
        Arc::clone(&self.scheduler)
    }

    /// Resolves when the client stops by itself (a refused token, refused intents, a fatal
    /// gateway close), with the reason for the operator. Pending forever once awaited.
    pub async fn client_stopped(&mut self) -> String {
        // Awaited through `&mut`: if the caller stops waiting, shutdown still finds the task.
        let result = match self.client_task.as_mut() {
            Some(task) => task.await,
            None => std::future::pending().await,
        };
        self.client_task = None;
        let reason = why_stopped(result);
        error!("{reason}");
        reason
    }
}

/// Builds serenity's HTTP client for the configured API base URL.
///
/// With a custom base URL (a proxy or a fake), serenity only rewrites request URLs when its
/// rate limiter is disabled (serenity issue #1739), so 429s would reach every caller: the
/// requests go through [`crate::rest::Transport`] instead, which forwards them to that URL
/// with one retry policy. With Discord's own URL serenity's rate limiter stays on.
pub async fn build_http(
    config: &Config,
    token: &str,
    client: Option<reqwest::Client>,
) -> anyhow::Result<(serenity::Http, Option<crate::rest::Transport>)> {
    let mut builder = serenity::HttpBuilder::new(token);
    if config.discord_api_url == crate::config::DEFAULT_DISCORD_API {
        if let Some(client) = client {
            builder = builder.client(client);
        }
        return Ok((builder.build(), None));
    }
    let client = match client {
        Some(c) => c,
        None => crate::rest::upstream_client().map_err(|e| anyhow::anyhow!("cannot build the HTTP client: {e}"))?,
    };
    let transport = crate::rest::Transport::start(&config.discord_api_url, client)
        .await
        .map_err(|e| anyhow::anyhow!("cannot start the local REST forwarder: {e}"))?;
    let http = builder.client(transport.client()).proxy(transport.url().to_string()).ratelimiter_disabled(true).build();
    Ok((http, Some(transport)))
}

/// Runs the bot until Ctrl-C or SIGTERM. The caller loaded and checked the curriculum.
pub async fn run(config: Config, curriculum: Curriculum) -> anyhow::Result<()> {
    check_token(&config)?;
    let db = crate::service::open_database(&config.database).await?;
    info!(database = %config.database, "database ready");
    let mut bot = start(config, curriculum, db, StartOptions::production()).await?;
    tokio::select! {
        _ = shutdown_signal() => {
            info!("shutting down");
            bot.shutdown().await;
            Ok(())
        }
        // Without Discord there is nothing to do: end, so a restart policy can act.
        lost = bot.client_stopped() => {
            bot.shutdown().await;
            Err(anyhow::anyhow!("{lost}"))
        }
    }
}

/// Why the Discord client stopped by itself, for the operator.
fn why_stopped(result: Result<Result<(), serenity::Error>, tokio::task::JoinError>) -> String {
    use serenity::{Error as E, GatewayError as G, HttpError as H};
    match result {
        Ok(Ok(())) => "the Discord connection ended".to_string(),
        Ok(Err(E::Http(H::UnsuccessfulRequest(r)))) if r.status_code.as_u16() == 401 => {
            "Discord refused the bot token (401 Unauthorized): check DISCORD_TOKEN".to_string()
        }
        Ok(Err(E::Gateway(G::InvalidAuthentication))) => {
            "Discord refused the bot token on the gateway: check DISCORD_TOKEN".to_string()
        }
        Ok(Err(E::Gateway(G::InvalidGatewayIntents | G::DisallowedGatewayIntents))) => {
            "Discord refused the gateway intents the bot asks for (GUILDS)".to_string()
        }
        Ok(Err(e)) => format!("the Discord client stopped: {}", crate::error::with_causes(&e)),
        Err(e) => format!("the Discord client task failed: {e}"),
    }
}

/// The token from the configuration, checked for shape (never logged).
pub fn check_token(config: &Config) -> anyhow::Result<String> {
    let token = config.discord_token.as_ref().ok_or_else(|| {
        anyhow::anyhow!("DISCORD_TOKEN is not set: put the bot token in the environment or the config file")
    })?;
    // Never in a log line, whatever prints it.
    crate::redact::register(token.expose());
    serenity::utils::token::validate(token.expose())
        .map_err(|_| anyhow::anyhow!("DISCORD_TOKEN is malformed: a bot token has three dot-separated parts"))?;
    Ok(token.expose().to_string())
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(s) => s,
            Err(e) => {
                warn!("cannot listen for SIGTERM: {e}");
                let _ = tokio::signal::ctrl_c().await;
                return;
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Connects to Discord and starts handling events. Returns once the client task runs.
pub async fn start(
    config: Config,
    curriculum: Curriculum,
    db: Db,
    options: StartOptions,
) -> anyhow::Result<RunningBot> {
    let token = check_token(&config)?;
    let (http, transport) = build_http(&config, &token, options.http_client).await?;
    // Ask Discord who we are before anything else: a refused token would otherwise leave
    // serenity falling back to Discord's default gateway and retrying forever.
    if let Err(e) = http.get_current_user().await {
        return Err(anyhow::anyhow!("{}", why_stopped(Ok(Err(e)))));
    }
    let dev_guild = config.dev_guild;
    // Before the gateway: a bot whose commands are not registered would be deaf.
    let registered = register::register(&http, &commands::all(), dev_guild).await.map_err(|e| anyhow::anyhow!(e))?;
    // Every start identifies each shard: a restart loop must not burn Discord's daily budget
    // (Discord resets the token of a bot that runs out). serenity boots one shard per 5 s,
    // within any `max_concurrency`.
    let gateway =
        http.get_bot_gateway().await.map_err(|e| anyhow::anyhow!("cannot read Discord's gateway information: {e}"))?;
    let needed = match config.shards {
        Shards::All => u64::from(gateway.shards),
        Shards::Range { first, last, .. } => u64::from(last - first + 1),
    };
    let limit = &gateway.session_start_limit;
    info!(
        remaining = limit.remaining,
        total = limit.total,
        max_concurrency = limit.max_concurrency,
        needed,
        "gateway session budget"
    );
    let budget = crate::shards::IdentifyBudget {
        total: limit.total,
        remaining: limit.remaining,
        reset_after: std::time::Duration::from_millis(limit.reset_after),
    };
    crate::shards::check_identify_budget(budget, needed).map_err(|e| anyhow::anyhow!(e))?;
    let metrics_addr = config.metrics_addr;
    let shards = config.shards;
    let curriculum = Arc::new(curriculum);
    let clock: SharedClock = options.clock.unwrap_or_else(|| Arc::new(SystemClock));
    let core = Core {
        db: db.clone(),
        curriculum: Arc::clone(&curriculum),
        clock: Arc::clone(&clock),
        settings: crate::service::Settings::new(
            db.clone(),
            crate::service::settings::Defaults { reminder_hours: config.reminder_hours, retention: config.retention },
        ),
    };
    // The web server's address is known before the services give links to it.
    let web_listener = match config.web_addr {
        Some(addr) => Some(
            tokio::net::TcpListener::bind(addr)
                .await
                .map_err(|e| anyhow::anyhow!("cannot listen on {addr} for the web server: {e}"))?,
        ),
        None => None,
    };
    let web_links = match &web_listener {
        Some(l) => Some(crate::service::feeds::WebLinks {
            public_url: match &config.public_url {
                Some(url) => url.clone(),
                None => format!("http://{}", l.local_addr()?),
            },
        }),
        None => None,
    };
    let services = Services::new(core.clone(), web_links);
    let web = match web_listener {
        Some(listener) => {
            let site = crate::render::html::site(&curriculum).map_err(|e| anyhow::anyhow!("the syllabus site: {e}"))?;
            Some(crate::web::serve(listener, services.feeds.clone(), services.web.clone(), site)?)
        }
        None => None,
    };
    // Processes sharing the token share its request budget by their part of the shards.
    let budget = options.pace.unwrap_or_default().share(shards.share());
    let scheduler = Scheduler::new(core, services.groups.clone(), budget, shards);
    let (web_pages, settings) = (services.web.clone(), services.settings.clone());
    let data = Data { config, curriculum, clock, services, scheduler: Arc::clone(&scheduler) };
    let framework = poise::Framework::builder()
        .options(poise::FrameworkOptions {
            commands: commands::all(),
            on_error: |e| Box::pin(errors::on_error(e)),
            initialize_owners: false,
            // Every poise reply pings nobody (component and modal replies: `render::response`).
            allowed_mentions: Some(crate::render::no_pings()),
            event_handler: |framework, event| Box::pin(on_event(framework, event)),
            ..Default::default()
        })
        .setup(move |_ctx, ready, _framework| {
            Box::pin(async move {
                // poise runs this once, on the first Ready only; it must not fail (the
                // commands were registered before the gateway started: `register`).
                info!(user = %ready.user.name, guilds = ready.guilds.len(), "connected");
                Ok(data)
            })
        })
        .build();
    let intents = serenity::GatewayIntents::GUILDS;
    let in_flight = Arc::new(drain::InFlight::default());
    let framework = drain::Draining { inner: framework, in_flight: Arc::clone(&in_flight) };
    let mut client = serenity::ClientBuilder::new_with_http(http, intents)
        .framework(framework)
        .await
        .map_err(|e| anyhow::anyhow!("cannot build the Discord client: {e}"))?;
    let shard_manager = client.shard_manager.clone();
    // Started once here, not on Ready: the scheduler only needs REST, and a reconnect
    // must not start a second one.
    scheduler.set_http(Arc::clone(&client.http));
    let check_http = Arc::clone(&client.http);
    web_pages.set_check(Arc::new(move |guild, user| {
        let (http, settings) = (Arc::clone(&check_http), settings.clone());
        Box::pin(async move { moderator::standing(&http, &settings, guild, user).await })
    }));
    scheduler.set_cache(Arc::clone(&client.cache));
    scheduler.plan_again().await;
    if options.start_scheduler {
        scheduler.start().await?;
    }
    let ops = match metrics_addr {
        Some(addr) => {
            let ticks = Arc::clone(&scheduler);
            let beats = Arc::clone(&scheduler);
            let held = transport.as_ref().map(|t| t.holds());
            let health = crate::ops::Health {
                shard_manager: Arc::clone(&shard_manager),
                db: db.clone(),
                last_tick: Box::new(move || ticks.since_last_tick()),
                heartbeat: Box::new(move || beats.heartbeat()),
                rest_held: Box::new(move || held.as_ref().and_then(|h| h.global_remaining())),
                registered: registered.to_string(),
            };
            Some(crate::ops::serve(addr, health).await?)
        }
        None => None,
    };
    let client_task = tokio::spawn(async move {
        let result = match shards {
            // Discord decides the shard count (GET /gateway/bot); required from 2,500 servers.
            Shards::All => client.start_autosharded().await,
            // serenity's range end is inclusive: `first..last` runs shards first to last.
            Shards::Range { first, last, total } => {
                info!(first, last, total, "running a range of shards");
                client.start_shard_range(first..last, total).await
            }
        };
        if let Err(e) = &result {
            error!("Discord client stopped: {e}");
        }
        result
    });
    Ok(RunningBot { scheduler, shard_manager, client_task: Some(client_task), db, in_flight, transport, ops, web })
}

async fn on_event(
    framework: poise::FrameworkContext<'_, Data, BotError>,
    event: &serenity::FullEvent,
) -> Result<(), BotError> {
    let settings = &framework.user_data.services.settings;
    match event {
        serenity::FullEvent::InteractionCreate { interaction } => {
            components::dispatch(framework.serenity_context, framework.user_data, interaction).await;
        }
        // `unavailable` is an outage; otherwise the bot was removed (kicked, or the server
        // deleted): start the retention period.
        serenity::FullEvent::GuildDelete { incomplete, .. } if !incomplete.unavailable => {
            if let Err(e) = settings.server_removed(incomplete.id.get()).await {
                tracing::error!(guild = incomplete.id.get(), "cannot record the server's removal: {e}");
            }
        }
        // READY lists every server of the shard (unavailable ones too: an outage). A stored
        // server missing from it removed the bot while the bot was offline.
        serenity::FullEvent::Ready { data_about_bot } => {
            let (shard, total) = data_about_bot.shard.map_or((0, 1), |s| (s.id.0, s.total));
            let listed: Vec<u64> = data_about_bot.guilds.iter().map(|g| g.id.get()).collect();
            match settings.shard_ready(shard, total, &listed).await {
                Ok(gone) if !gone.is_empty() => {
                    warn!(shard, ?gone, "servers absent from READY: the bot was removed while offline")
                }
                Ok(_) => {}
                Err(e) => tracing::error!(shard, "cannot compare READY with the stored servers: {e}"),
            }
        }
        serenity::FullEvent::GuildCreate { guild, .. } => {
            if let Err(e) = settings.server_present(guild.id.get()).await {
                tracing::error!(guild = guild.id.get(), "cannot record the server's presence: {e}");
            }
        }
        _ => {}
    }
    Ok(())
}
