//! The operator's endpoints, opt-in by `--metrics-addr` / `STUDYBOT_METRICS_ADDR`:
//! `GET /metrics` (Prometheus text, see [`crate::metrics`]), `GET /livez` (the process
//! answers) and `GET /readyz` (every shard connected, the database answering and taking
//! writes (the heartbeat succeeded in the last [`WRITE_STALE`]), REST requests not held by a
//! rate limit beyond [`HELD_LIMIT`], the scheduler ticked in the last [`TICK_STALE`]; 503
//! with the reasons otherwise; either way it names the slash command registration, which
//! start-up requires: `crate::bot::register`).
//! `studybot healthcheck` asks `/readyz` ([`healthcheck`]); the Docker image's HEALTHCHECK
//! runs it.

use crate::metrics::METRICS;
use crate::service::Db;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use poise::serenity_prelude as serenity;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tracing::{info, warn};

/// The scheduler ticks every 30 s; no tick for this long means it is stuck.
pub const TICK_STALE: Duration = Duration::from_secs(120);

/// No successful database write (the heartbeat, every 15 s) for this long: not ready.
pub const WRITE_STALE: Duration = Duration::from_secs(45);

/// REST requests held by a rate limit for longer than this from now: not ready.
pub const HELD_LIMIT: Duration = Duration::from_secs(30);

/// What readiness looks at.
pub struct Health {
    pub shard_manager: Arc<serenity::ShardManager>,
    pub db: Db,
    /// Time since the scheduler's last tick (None: it never ticked).
    pub last_tick: Box<dyn Fn() -> Option<Duration> + Send + Sync>,
    /// How the scheduler's heartbeat writes go: the write probe.
    pub heartbeat: Box<dyn Fn() -> crate::scheduler::Heartbeat + Send + Sync>,
    /// How much longer every REST request is held by a global 429 (behind a proxy: the
    /// forwarder's hold; `None` in the direct deployment or when nothing is held).
    pub rest_held: Box<dyn Fn() -> Option<Duration> + Send + Sync>,
    /// The slash command registration done at start-up (start-up ends if it fails).
    pub registered: String,
}

/// Why the bot is not ready; empty when it is.
pub async fn not_ready(h: &Health) -> Vec<String> {
    let mut problems = Vec::new();
    let runners = h.shard_manager.runners.lock().await;
    let connected = runners.values().filter(|r| r.stage == serenity::ConnectionStage::Connected).count();
    METRICS.shards_connected.set(connected as i64);
    if runners.is_empty() {
        problems.push("no gateway shard is running yet".to_string());
    }
    for (id, r) in runners.iter() {
        if r.stage != serenity::ConnectionStage::Connected {
            problems.push(format!("shard {id} is {}", r.stage));
        }
    }
    drop(runners);
    if let Err(e) = tokio::time::timeout(Duration::from_secs(2), crate::db::ping(&h.db))
        .await
        .map_err(|_| "no answer within 2 s".to_string())
        .and_then(|r| r.map_err(|e| e.to_string()))
    {
        problems.push(format!("the database does not answer: {e}"));
    }
    let beat = (h.heartbeat)();
    match (&beat.error, beat.ok_at.map(|t| t.elapsed())) {
        (Some(e), _) => problems.push(format!("the database refuses writes: {e}")),
        (None, None) => problems.push("no database write has succeeded yet".to_string()),
        (None, Some(age)) if age > WRITE_STALE => {
            problems.push(format!("no database write has succeeded for {} s", age.as_secs()))
        }
        _ => {}
    }
    if let Some(held) = (h.rest_held)().filter(|d| *d > HELD_LIMIT) {
        problems.push(format!("Discord requests are held by a rate limit for {} s more", held.as_secs()));
    }
    match (h.last_tick)() {
        None => problems.push("the scheduler has not ticked yet".to_string()),
        Some(age) if age > TICK_STALE => {
            problems.push(format!("the scheduler last ticked {} s ago", age.as_secs()));
        }
        Some(_) => {}
    }
    problems
}

/// A running endpoint server; stopped with the bot.
pub struct Server {
    pub addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl Server {
    pub fn stop(&self) {
        self.task.abort();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Serves the endpoints on `addr`.
pub async fn serve(addr: SocketAddr, health: Health) -> anyhow::Result<Server> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {addr} for metrics and health: {e}"))?;
    let addr = listener.local_addr()?;
    let app = axum::Router::new()
        .route("/metrics", axum::routing::get(metrics))
        .route("/livez", axum::routing::get(|| async { "ok\n" }))
        .route("/readyz", axum::routing::get(readyz))
        .with_state(Arc::new(health));
    let task = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            warn!("metrics server stopped: {e}");
        }
    });
    info!(%addr, "serving /metrics, /livez and /readyz");
    Ok(Server { addr, task })
}

async fn metrics(State(h): State<Arc<Health>>) -> impl IntoResponse {
    // Refreshes the shard gauge.
    let _ = not_ready(&h).await;
    ([("content-type", "application/openmetrics-text; version=1.0.0; charset=utf-8")], METRICS.encode())
}

async fn readyz(State(h): State<Arc<Health>>) -> impl IntoResponse {
    let problems = not_ready(&h).await;
    if problems.is_empty() {
        (StatusCode::OK, format!("ready\n{}\n", h.registered))
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, format!("not ready:\n- {}\n{}\n", problems.join("\n- "), h.registered))
    }
}

/// Why `studybot healthcheck` found the bot not ready.
#[derive(Debug, thiserror::Error)]
pub enum Unhealthy {
    #[error("{0}")]
    Client(reqwest::Error),
    #[error("{url}: {source}")]
    Unreachable { url: String, source: reqwest::Error },
    #[error("{url} answered {status}: {body}")]
    Answered { url: String, status: reqwest::StatusCode, body: String },
}

/// `studybot healthcheck`: Ok when `/readyz` on `addr` answers 200 within 5 s, else why not.
pub async fn healthcheck(addr: SocketAddr) -> Result<(), Unhealthy> {
    // Served on every interface (the image's 0.0.0.0:9464): ask it on loopback.
    let addr = match addr.ip() {
        ip if ip.is_unspecified() && ip.is_ipv4() => SocketAddr::from(([127, 0, 0, 1], addr.port())),
        ip if ip.is_unspecified() => SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, addr.port())),
        _ => addr,
    };
    // A loopback (or container-local) address: never through an HTTP proxy of the environment.
    let client =
        reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(5)).build().map_err(Unhealthy::Client)?;
    let url = format!("http://{addr}/readyz");
    let resp = client.get(&url).send().await.map_err(|source| Unhealthy::Unreachable { url: url.clone(), source })?;
    let status = resp.status();
    let body = resp.text().await.unwrap_or_default();
    if status.is_success() { Ok(()) } else { Err(Unhealthy::Answered { url, status, body: body.trim().to_string() }) }
}
