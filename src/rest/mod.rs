//! The REST transport behind a proxy: one retry policy for every request the bot makes.
//!
//! With a custom `DISCORD_API_URL` (a rate-limit proxy, or the tests' fake) serenity must run
//! with its rate limiter off (serenity #1739), so it would hand every 429 and 5xx straight to
//! the caller. Instead serenity talks to this local forwarder (over a Unix socket in a private
//! directory, else on 127.0.0.1), which sends each
//! request on to the configured URL and applies [`policy`] in one place, for posts,
//! threads, interaction responses and follow-ups, DMs and lookups alike: a 429 waits its
//! `retry_after` (a global one holds every request, a route's holds that route), a 5xx backs
//! off exponentially with jitter (the `backon` crate), both bounded by
//! [`policy::MAX_RETRIES`] and a total wait; any other 4xx is handed back at once. Invalid
//! requests (401, 403, 429) are counted over Discord's 10-minute window; near Discord's ban
//! threshold requests are held back locally.
//!
//! Only this process's requests are served: serenity's base URL carries a 128-bit secret as
//! its first path segment (another user of the machine gets 403, and nothing is forwarded).
//! Every hold a 429 sets is capped at [`policy::MAX_HOLD`], and a request that a hold would
//! keep past its own wait budget is answered with a 429 at once. Interaction endpoints are
//! exempt from the global hold (as from Discord's global limit), and a request that creates
//! a message without an enforced nonce (a follow-up) is never sent again after a 5xx or a
//! dropped connection, which may have hidden its success ([`policy::replay_safe`]).
//!
//! With Discord's own URL serenity's rate limiter stays on and this module is not used.

pub(crate) mod policy;

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use backon::{ExponentialBuilder, Retryable};
use policy::{Answer, InvalidWindow};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tracing::{debug, warn};

use crate::metrics::{METRICS, RestLabels};

/// The largest request body forwarded (Discord's biggest upload plus the JSON).
const MAX_BODY: usize = 64 * 1024 * 1024;

/// A running forwarder; dropped or [`Transport::stop`]ped with the bot.
pub struct Transport {
    url: String,
    /// The client serenity is given for the hop (over the Unix socket when there is one).
    hop: reqwest::Client,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
    /// The private directory of the Unix socket, removed with the forwarder.
    _socket: Option<SocketDir>,
}

/// A directory only this user may enter (0700), holding the forwarder's socket; removed on
/// drop.
struct SocketDir(std::path::PathBuf);

impl Drop for SocketDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

struct Shared {
    /// The first path segment every request must carry: a secret of this process, so other
    /// users of the machine cannot send requests through the forwarder (behind a proxy that
    /// adds the token they would act as the bot).
    secret: String,
    upstream: String,
    client: reqwest::Client,
    started: Instant,
    /// Every request waits until then (a global 429).
    global_until: Mutex<Option<Instant>>,
    /// Requests to a route ("METHOD /path") wait until then (that route's 429).
    routes: Mutex<HashMap<String, Instant>>,
    invalid: Mutex<InvalidWindow>,
}

/// The client for the hop upstream (to the proxy) when the caller gives none: bounded waits,
/// and no redirect followed (Discord does not send them; a 3xx goes back as it came).
pub fn upstream_client() -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(60))
        .redirect(reqwest::redirect::Policy::none())
        .build()
}

impl Transport {
    /// Starts forwarding to `upstream` (e.g. `http://proxy:3000`): on a Unix socket in a
    /// private directory of the temporary directory, or, where none can be made, on a free
    /// port of 127.0.0.1. The socket is the cheaper hop (no TCP/IP on either side of it) and
    /// only this user can reach it.
    pub async fn start(upstream: &str, client: reqwest::Client) -> std::io::Result<Transport> {
        let secret = new_secret()?;
        crate::redact::register(&secret);
        let shared = Arc::new(Shared {
            secret,
            upstream: upstream.trim_end_matches('/').to_string(),
            client,
            started: Instant::now(),
            global_until: Mutex::new(None),
            routes: Mutex::new(HashMap::new()),
            invalid: Mutex::new(InvalidWindow::default()),
        });
        // Neither hop follows redirects (Discord does not send them; a 3xx goes back as it is),
        // which also spares each request reqwest's redirect layer.
        let hop = reqwest::Client::builder().no_proxy().redirect(reqwest::redirect::Policy::none());
        #[cfg(unix)]
        match unix_listener() {
            Ok((dir, listener)) => {
                let hop = hop.unix_socket(dir.0.join(SOCKET)).build().map_err(std::io::Error::other)?;
                let task = serve(listener, Arc::clone(&shared));
                // The host is not resolved: every connection goes to the socket.
                let url = format!("http://localhost/{}", shared.secret);
                return Ok(Transport { url, hop, shared, task, _socket: Some(dir) });
            }
            Err(e) => warn!("no Unix socket for the REST forwarder ({e}); using 127.0.0.1 instead"),
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}/{}", listener.local_addr()?, shared.secret);
        let hop = hop.build().map_err(std::io::Error::other)?;
        let task = serve(listener, Arc::clone(&shared));
        Ok(Transport { url, hop, shared, task, _socket: None })
    }

    /// The HTTP client that reaches the forwarder at [`url`](Self::url) (serenity's): over
    /// the Unix socket when there is one, and never through an HTTP proxy of the
    /// environment (Docker's client proxy settings inject `HTTP_PROXY`; the forwarder's own
    /// hop upstream honours it).
    pub fn client(&self) -> reqwest::Client {
        self.hop.clone()
    }

    /// The base URL serenity is given instead of the upstream (with this process's secret).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// A handle to how long requests are held (for readiness).
    pub fn holds(&self) -> Holds {
        Holds(Arc::clone(&self.shared))
    }

    /// Invalid requests (401, 403, 429) in the last 10 minutes.
    pub fn invalid_requests(&self) -> u32 {
        self.shared.invalid_count()
    }

    pub fn stop(&self) {
        self.task.abort();
    }
}

impl Drop for Transport {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// How long the forwarder holds every request (readiness).
#[derive(Clone)]
pub struct Holds(Arc<Shared>);

impl Holds {
    /// How much longer a global 429 holds every request, if one does.
    pub fn global_remaining(&self) -> Option<Duration> {
        let until = (*self.0.global_until.lock().unwrap_or_else(|p| p.into_inner()))?;
        until.checked_duration_since(Instant::now())
    }
}

impl Shared {
    fn secs(&self) -> u64 {
        self.started.elapsed().as_secs()
    }

    fn invalid_count(&self) -> u32 {
        self.invalid.lock().unwrap_or_else(|p| p.into_inner()).count(self.secs())
    }

    fn note_invalid(&self, status: u16, scope: Option<&str>) {
        if !policy::is_invalid(status, scope) {
            return;
        }
        let secs = self.secs();
        let n = {
            let mut w = self.invalid.lock().unwrap_or_else(|p| p.into_inner());
            w.record(secs);
            w.count(secs)
        };
        METRICS.rest_invalid_requests.set(i64::from(n));
        if n == policy::INVALID_WARN || n == policy::INVALID_GUARD {
            warn!(
                invalid = n,
                "{n} invalid Discord requests (401/403/429) in 10 minutes; Discord bans the IP for an hour at {}",
                policy::DISCORD_INVALID_LIMIT
            );
        }
    }

    /// Waits while a global or this route's 429 holds; false, at once, when the hold lasts
    /// past `deadline` (the request's whole wait budget): its caller answers rather than
    /// waits.
    async fn wait_turn(&self, route: &str, deadline: Instant) -> bool {
        let exempt = policy::exempt_from_global(route);
        loop {
            let now = Instant::now();
            let global = match exempt {
                true => None,
                false => *self.global_until.lock().unwrap_or_else(|p| p.into_inner()),
            };
            let mine = {
                let mut routes = self.routes.lock().unwrap_or_else(|p| p.into_inner());
                routes.retain(|_, until| *until > now);
                routes.get(route).copied()
            };
            match global.into_iter().chain(mine).filter(|t| *t > now).max() {
                Some(until) if until > deadline => return false,
                Some(until) => tokio::time::sleep_until(until.into()).await,
                None => return true,
            }
        }
    }

    fn hold(&self, route: &str, retry_after: Duration, global: bool) {
        let until = Instant::now() + retry_after;
        if global {
            let mut g = self.global_until.lock().unwrap_or_else(|p| p.into_inner());
            *g = Some(g.map_or(until, |t| t.max(until)));
        } else {
            self.routes.lock().unwrap_or_else(|p| p.into_inner()).insert(route.to_string(), until);
        }
    }
}

/// An answer to hand back to serenity.
struct Forwarded {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

/// Why an attempt is worth retrying (or was not).
enum Failure {
    Answer { answer: Answer, got: Forwarded },
    Transport(reqwest::Error),
}

async fn forward(shared: Arc<Shared>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let body = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(e) => return local_error(StatusCode::PAYLOAD_TOO_LARGE, &format!("request body: {e}")),
    };
    // Only this process's own requests: they begin with its secret.
    let Some(path) = parts
        .uri
        .path()
        .strip_prefix('/')
        .and_then(|p| p.strip_prefix(shared.secret.as_str()))
        .filter(|rest| rest.starts_with('/'))
        .map(str::to_string)
    else {
        warn!("refused a request to the REST forwarder without this process's secret");
        return local_error(StatusCode::FORBIDDEN, "not a request of this studybot process");
    };
    let query = parts.uri.query().map(|q| format!("?{q}")).unwrap_or_default();
    let target = format!("{}{path}{query}", shared.upstream);
    let route = format!("{} {path}", parts.method);
    if shared.invalid_count() >= policy::INVALID_GUARD {
        return local_error(
            StatusCode::SERVICE_UNAVAILABLE,
            "studybot holds requests back: too many invalid requests in 10 minutes (Discord's ban is near)",
        );
    }
    let method = parts.method.clone();
    let budget = policy::wait_budget(&path);
    let replay_safe = policy::replay_safe(parts.method.as_str(), &path, &body);
    let began = Instant::now();
    let deadline = began + budget;
    let attempt = || {
        let (shared, route, target, method, headers, body) =
            (&shared, &route, &target, method.clone(), &parts.headers, body.clone());
        async move {
            if !shared.wait_turn(route, deadline).await {
                // Held past this request's budget: a 429 now, as Discord would answer it.
                return Ok(Forwarded {
                    status: StatusCode::TOO_MANY_REQUESTS,
                    headers: HeaderMap::new(),
                    body: Bytes::from_static(
                        br#"{"code":0,"message":"held by an earlier rate limit","retry_after":1.0,"global":false}"#,
                    ),
                });
            }
            let resp = shared
                .client
                .request(method, target)
                .headers(request_headers(headers))
                .body(body)
                .send()
                .await
                .map_err(Failure::Transport)?;
            let status = resp.status();
            // The headers handed back (the policy reads none of those left out).
            let headers = response_headers(resp.headers());
            let body = resp.bytes().await.map_err(Failure::Transport)?;
            let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
            shared.note_invalid(status.as_u16(), header("x-ratelimit-scope").as_deref());
            let answer = policy::classify(status.as_u16(), header, &body);
            if let Answer::RateLimited { retry_after, global } = answer {
                METRICS
                    .rest_rate_limited
                    .get_or_create(&RestLabels { reason: if global { "global" } else { "route" } })
                    .inc();
                shared.hold(route, retry_after, global);
            }
            let got = Forwarded { status, headers, body };
            match answer {
                Answer::Success | Answer::Refused => Ok(got),
                _ => Err(Failure::Answer { answer, got }),
            }
        }
    };

    let backoff = ExponentialBuilder::default()
        .with_min_delay(Duration::from_millis(250))
        .with_max_delay(Duration::from_secs(4))
        .with_max_times(policy::MAX_RETRIES)
        .with_total_delay(Some(budget))
        .with_jitter();
    let result = attempt
        .retry(backoff)
        .when(|f| match f {
            Failure::Answer { answer: Answer::Refused | Answer::Success, .. } => false,
            Failure::Answer { answer: Answer::RateLimited { .. }, .. } => true,
            // The first may have been made: a message without an enforced nonce is not sent
            // again (the caller gets the error instead of a second message).
            Failure::Answer { .. } | Failure::Transport(_) => replay_safe,
        })
        .adjust(move |f, backoff| match (f, backoff) {
            (_, None) => None,
            // The wait itself happens in `wait_turn` (shared with other requests); only check
            // that it fits.
            (Failure::Answer { answer: Answer::RateLimited { retry_after, .. }, .. }, Some(_)) => {
                (*retry_after <= policy::MAX_RETRY_AFTER && began.elapsed() + *retry_after <= budget)
                    .then_some(Duration::ZERO)
            }
            (_, Some(d)) => (began.elapsed() + d <= budget).then_some(d),
        })
        .notify(|f, wait| {
            let reason = match f {
                Failure::Answer { answer: Answer::RateLimited { .. }, .. } => "rate_limited",
                Failure::Answer { .. } => "server_error",
                Failure::Transport(_) => "transport",
            };
            METRICS.rest_retries.get_or_create(&RestLabels { reason }).inc();
            debug!(route = %route, reason, ?wait, "retrying a Discord request");
        })
        .await;
    match result {
        Ok(got) | Err(Failure::Answer { got, .. }) => {
            let mut resp = Response::new(Body::from(got.body));
            *resp.status_mut() = got.status;
            *resp.headers_mut() = got.headers;
            resp
        }
        Err(Failure::Transport(e)) => {
            let e = crate::error::with_causes(&e);
            warn!(route = %route, "cannot reach Discord: {e}");
            local_error(StatusCode::BAD_GATEWAY, &format!("cannot reach Discord: {e}"))
        }
    }
}

/// Serves the forwarder on `listener` (a Unix socket or a TCP port) until stopped: plain
/// HTTP/1.1 connections of hyper, each request straight to [`forward`] (no protocol
/// detection, upgrades or routing: serenity's client speaks HTTP/1.1 and every path is
/// forwarded).
fn serve<L>(mut listener: L, shared: Arc<Shared>) -> tokio::task::JoinHandle<()>
where
    L: axum::serve::Listener,
{
    tokio::spawn(async move {
        loop {
            // Accept errors are retried inside (after a short pause).
            let (io, _) = listener.accept().await;
            let shared = Arc::clone(&shared);
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                    let shared = Arc::clone(&shared);
                    async move { Ok::<_, std::convert::Infallible>(forward(shared, req.map(Body::new)).await) }
                });
                let io = hyper_util::rt::TokioIo::new(io);
                if let Err(e) = hyper::server::conn::http1::Builder::new().serve_connection(io, service).await {
                    debug!("REST forwarder connection: {e}");
                }
            });
        }
    })
}

/// 128 random bits from the operating system, as hex.
fn new_secret() -> std::io::Result<String> {
    random_hex::<16>()
}

/// `N` random bytes from the operating system, as hex.
fn random_hex<const N: usize>() -> std::io::Result<String> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| std::io::Error::other(format!("no random bytes: {e}")))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// The socket's name in its directory.
#[cfg(unix)]
const SOCKET: &str = "rest.sock";

/// A new directory `studybot-rest-<random>` of the temporary directory that only this user
/// may enter, with the forwarder's socket listening in it. (Its name is not the secret:
/// anyone may list the temporary directory.)
#[cfg(unix)]
fn unix_listener() -> std::io::Result<(SocketDir, tokio::net::UnixListener)> {
    use std::os::unix::fs::DirBuilderExt;
    let path = std::env::temp_dir().join(format!("studybot-rest-{}", random_hex::<8>()?));
    std::fs::DirBuilder::new().mode(0o700).create(&path)?;
    let dir = SocketDir(path);
    let listener = tokio::net::UnixListener::bind(dir.0.join(SOCKET))?;
    Ok((dir, listener))
}

/// Hop-by-hop headers are not forwarded; reqwest sets host and length itself.
fn skip(name: &HeaderName) -> bool {
    matches!(
        name.as_str(),
        "host" | "connection" | "keep-alive" | "transfer-encoding" | "content-length" | "te" | "upgrade"
    )
}

fn request_headers(h: &HeaderMap) -> HeaderMap {
    h.iter().filter(|(k, _)| !skip(k)).map(|(k, v)| (k.clone(), v.clone())).collect()
}

fn response_headers(h: &HeaderMap) -> HeaderMap {
    // reqwest already decoded any content encoding.
    h.iter()
        .filter(|(k, _)| !skip(k) && k.as_str() != "content-encoding")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// An answer made here, shaped like Discord's errors so serenity decodes it.
fn local_error(status: StatusCode, message: &str) -> Response {
    let body = serde_json::json!({"code": 0, "message": message}).to_string();
    let mut resp = (status, body).into_response();
    resp.headers_mut().insert("content-type", HeaderValue::from_static("application/json"));
    resp
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// An upstream that counts its requests and answers each with `answer(n)` (n from 0).
    async fn upstream(answer: fn(usize) -> (u16, &'static str)) -> (String, Arc<AtomicUsize>) {
        let count = Arc::new(AtomicUsize::new(0));
        let seen = Arc::clone(&count);
        let app = axum::Router::new().fallback(move || {
            let n = seen.fetch_add(1, Ordering::SeqCst);
            let (status, body) = answer(n);
            async move {
                let mut r = (StatusCode::from_u16(status).unwrap(), body).into_response();
                r.headers_mut().insert("content-type", HeaderValue::from_static("application/json"));
                if r.status().is_redirection() {
                    r.headers_mut().insert("location", HeaderValue::from_static("/api/v10/moved"));
                }
                r
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        (url, count)
    }

    #[tokio::test]
    async fn only_requests_carrying_the_process_secret_are_forwarded() {
        let (up, count) = upstream(|_| (200, "{}")).await;
        let t = Transport::start(&up, reqwest::Client::new()).await.unwrap();
        let client = t.client();
        let ok = client.get(format!("{}/api/v10/users/@me?x=1", t.url())).send().await.unwrap();
        assert_eq!(ok.status(), 200);
        assert_eq!(count.load(Ordering::SeqCst), 1);
        let base = t.url().rsplit_once('/').unwrap().0.to_string();
        for wrong in
            [format!("{base}/api/v10/users/@me"), format!("{base}/0123/api/v10/users/@me"), t.url().to_string()]
        {
            let r = client.get(&wrong).send().await.unwrap();
            assert_eq!(r.status(), 403, "{wrong}");
        }
        assert_eq!(count.load(Ordering::SeqCst), 1, "nothing without the secret reached the upstream");
        let secret = t.url().rsplit_once('/').unwrap().1;
        assert_eq!(secret.len(), 32);
        assert_ne!(
            secret,
            Transport::start(&up, reqwest::Client::new()).await.unwrap().url().rsplit_once('/').unwrap().1
        );
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn the_hop_is_a_socket_only_this_user_can_reach_and_it_goes_with_the_forwarder() {
        use std::os::unix::fs::PermissionsExt;
        let (up, count) = upstream(|_| (200, "{}")).await;
        let t = Transport::start(&up, reqwest::Client::new()).await.unwrap();
        let dir = t._socket.as_ref().expect("a Unix socket").0.clone();
        assert_eq!(std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777, 0o700);
        assert!(t.url().starts_with("http://localhost/"), "{}", t.url());
        let ok = t.client().get(format!("{}/api/v10/users/@me", t.url())).send().await.unwrap();
        assert_eq!(ok.status(), 200);
        assert_eq!(count.load(Ordering::SeqCst), 1);
        drop(t);
        assert!(!dir.exists(), "{dir:?} removed with the forwarder");
    }

    /// Discord does not redirect; should a 3xx come, serenity sees it as it came (neither hop
    /// follows it, with the [`upstream_client`] `bot::build_http` uses).
    #[tokio::test]
    async fn a_redirect_goes_back_as_it_came() {
        let (up, count) = upstream(|_| (307, "{}")).await;
        let t = Transport::start(&up, upstream_client().unwrap()).await.unwrap();
        let r = t.client().get(format!("{}/api/v10/users/@me", t.url())).send().await.unwrap();
        assert_eq!(r.status(), 307);
        assert_eq!(r.headers()["location"], "/api/v10/moved");
        assert_eq!(count.load(Ordering::SeqCst), 1, "not followed");
    }

    #[tokio::test]
    async fn an_absurd_retry_after_neither_panics_nor_holds_later_requests() {
        let (up, _) = upstream(|n| match n {
            0 => (429, r#"{"message":"slow down","retry_after":1e20,"global":true}"#),
            1 => (429, r#"{"message":"slow down","retry_after":1e9,"global":true}"#),
            _ => (200, "{}"),
        })
        .await;
        let t = Transport::start(&up, reqwest::Client::new()).await.unwrap();
        let client = t.client();
        for _ in 0..3 {
            let began = Instant::now();
            let r = tokio::time::timeout(
                Duration::from_secs(5),
                client.get(format!("{}/api/v10/users/@me", t.url())).send(),
            )
            .await
            .expect("answered, not held")
            .unwrap();
            assert_eq!(r.status(), 429);
            assert!(began.elapsed() < Duration::from_secs(2));
        }
        let held = t.holds().global_remaining().unwrap();
        assert!(held <= policy::MAX_HOLD, "{held:?}");
    }
}
