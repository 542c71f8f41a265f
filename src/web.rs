//! The public web server, opt-in by `--web-addr` (separate from the metrics listener): the
//! syllabus site (the same pages as `studybot site`, from memory) and the live calendar
//! feeds behind their secret links. Edge only: it parses the request, calls the feed
//! service, and answers; no member data is on any route without a secret token.
//!
//! Every answer carries the security headers (a strict Content-Security-Policy with
//! `frame-ancestors 'none'`, `nosniff`, `Referrer-Policy: no-referrer`); only GET and HEAD
//! are served, URLs longer than [`MAX_URI`] are refused, and paths are looked up in the
//! site's file list, never on disk, so no path can reach outside it. Tokens are never
//! logged.

use crate::service::feeds::{Feed, FeedService};
use crate::service::web::{Denied, Scope, WebService};
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use tracing::{error, info, warn};

/// The longest URL served (a feed's is under 60 characters).
pub const MAX_URI: usize = 2048;

/// The site pages' policy (the report page carries its own, with hashes).
pub const SITE_CSP: &str = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; base-uri 'none'; \
                            form-action 'self'; frame-ancestors 'none'";

struct WebState {
    feeds: FeedService,
    web: WebService,
    /// Token exchanges in the current minute, per client address and in all.
    exchanges: std::sync::Mutex<(std::time::Instant, HashMap<std::net::IpAddr, u32>, u32)>,
    /// The site's files by path ("index.html", "paths/senior/week-3.html", ...).
    site: HashMap<String, Vec<u8>>,
}

/// The running server; stops when dropped.
pub struct Server {
    pub addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The session cookie (`__Host-`: only over HTTPS, for this host and every path of it).
pub const COOKIE: &str = "__Host-studybot";

/// Token exchanges allowed a minute from one client address, and from all together.
pub const EXCHANGES_PER_ADDRESS: u32 = 10;
pub const EXCHANGES_IN_ALL: u32 = 120;

/// The router: feeds, the read-only pages, then the site for every other path.
fn app(feeds: FeedService, web: WebService, site: Vec<crate::render::html::SiteFile>) -> axum::Router {
    let state = Arc::new(WebState {
        feeds,
        web,
        exchanges: std::sync::Mutex::new((std::time::Instant::now(), HashMap::new(), 0)),
        site: site.into_iter().map(|f| (f.path, f.bytes)).collect(),
    });
    axum::Router::new()
        .route("/feeds/group/{file}", axum::routing::get(group_feed))
        .route("/feeds/me/{file}", axum::routing::get(member_feed))
        .route("/web/enter/{token}", axum::routing::get(enter_page))
        .route("/web/enter", axum::routing::post(enter))
        .route("/web/me", axum::routing::get(me))
        .route("/web/report", axum::routing::get(overview))
        .route("/web/report/{group}", axum::routing::get(group_report))
        .route("/web/report/{group}/members.csv", axum::routing::get(group_csv))
        .fallback(site_file)
        .with_state(state)
        .layer(axum::extract::DefaultBodyLimit::max(1024))
        .layer(axum::middleware::from_fn(guard))
}

/// Serves on `listener` (already bound, so its address is known before the services are
/// made).
pub fn serve(
    listener: tokio::net::TcpListener,
    feeds: FeedService,
    web: WebService,
    site: Vec<crate::render::html::SiteFile>,
) -> anyhow::Result<Server> {
    let addr = listener.local_addr()?;
    let app = app(feeds, web, site).into_make_service_with_connect_info::<SocketAddr>();
    let task = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            warn!("web server stopped: {e}");
        }
    });
    info!(%addr, "serving the syllabus and calendar feeds");
    Ok(Server { addr, task })
}

/// Every request: GET and HEAD only (but the link exchange's POST), a bounded URL; every
/// answer: the security headers (a page with its own policy keeps it).
async fn guard(request: Request, next: Next) -> Response {
    let exchange = request.method() == Method::POST && request.uri().path() == "/web/enter";
    let mut response = if request.uri().to_string().len() > MAX_URI {
        (StatusCode::URI_TOO_LONG, "That address is too long.\n").into_response()
    } else if request.method() != Method::GET && request.method() != Method::HEAD && !exchange {
        let mut r = (StatusCode::METHOD_NOT_ALLOWED, "Only GET and HEAD are served here.\n").into_response();
        r.headers_mut().insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        r
    } else {
        next.run(request).await
    };
    let h = response.headers_mut();
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(SITE_CSP));
    }
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next() {
        Some("html") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("svg") => "image/svg+xml",
        _ => "application/octet-stream",
    }
}

async fn site_file(State(state): State<Arc<WebState>>, uri: axum::http::Uri) -> Response {
    let path = uri.path().trim_start_matches('/');
    let path = if path.is_empty() || path.ends_with('/') { format!("{path}index.html") } else { path.to_string() };
    match state.site.get(&path) {
        Some(bytes) => (
            [(header::CONTENT_TYPE, content_type(&path)), (header::CACHE_CONTROL, "public, max-age=300")],
            bytes.clone(),
        )
            .into_response(),
        None => (
            StatusCode::NOT_FOUND,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "No such page. The syllabus starts at /.\n",
        )
            .into_response(),
    }
}

/// `{token}.ics` -> the token.
fn token_of(file: &str) -> Option<&str> {
    file.strip_suffix(".ics")
}

async fn group_feed(State(state): State<Arc<WebState>>, Path(file): Path<String>, headers: HeaderMap) -> Response {
    let feed = match token_of(&file) {
        Some(token) => state.feeds.group_feed(token).await,
        None => Ok(None),
    };
    answer(feed, &headers)
}

async fn member_feed(State(state): State<Arc<WebState>>, Path(file): Path<String>, headers: HeaderMap) -> Response {
    let feed = match token_of(&file) {
        Some(token) => state.feeds.member_feed(token).await,
        None => Ok(None),
    };
    answer(feed, &headers)
}

/// A feed: 200 with its entity tag, 304 when the client has it already (`If-None-Match`),
/// 404 for no feed, 503 when the database failed (logged without the token).
fn answer(feed: crate::error::Result<Option<Feed>>, headers: &HeaderMap) -> Response {
    match feed {
        Ok(Some(feed)) => {
            let etag = HeaderValue::from_str(&feed.etag).unwrap_or_else(|_| HeaderValue::from_static("\"\""));
            let cache = (header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=900"));
            let matches = headers
                .get(header::IF_NONE_MATCH)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.split(',').any(|t| t.trim() == feed.etag || t.trim() == "*"));
            if matches {
                return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag), cache]).into_response();
            }
            let kind = (header::CONTENT_TYPE, HeaderValue::from_static("text/calendar; charset=utf-8"));
            ([(header::ETAG, etag), cache, kind], feed.body).into_response()
        }
        Ok(None) => (
            StatusCode::NOT_FOUND,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "No such calendar: the link may have been replaced or removed.\n",
        )
            .into_response(),
        Err(e) => {
            error!("a calendar feed failed: {e}");
            (StatusCode::SERVICE_UNAVAILABLE, "The calendar cannot be read right now; try again later.\n")
                .into_response()
        }
    }
}

// ---------------------------------------------------------------- read-only pages

fn html(status: StatusCode, page: Result<String, crate::render::html::PageError>) -> Response {
    match page {
        Ok(body) => {
            (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8"), (header::CACHE_CONTROL, "no-store")], body)
                .into_response()
        }
        Err(e) => failed(&e.to_string()),
    }
}

fn failed(what: &str) -> Response {
    error!("a web page failed: {what}");
    (StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong; try again later.\n").into_response()
}

fn message(status: StatusCode, title: &str, text: &str) -> Response {
    html(status, crate::render::html::message_page(title, text, false, false))
}

/// The session cookie's value, if sent.
fn session_of(headers: &HeaderMap) -> Option<String> {
    headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(|c| {
        let (name, value) = c.trim().split_once('=')?;
        (name == COOKIE).then(|| value.to_string())
    })
}

fn denied(d: Denied) -> Response {
    match d {
        Denied::NoSession => message(
            StatusCode::UNAUTHORIZED,
            "Your visit has ended",
            "Ask the bot for a new link: /web for your pages, /report web for moderators' reports.",
        ),
        Denied::NotModerator => message(
            StatusCode::FORBIDDEN,
            "For moderators",
            "This page is for the server's moderators. Moderators open it with /report web.",
        ),
        Denied::NoGroup => {
            message(StatusCode::NOT_FOUND, "No such group", "There is no such study group in this server.")
        }
    }
}

/// GET of a bot's link: a page whose button POSTs the token (using it needs a click).
async fn enter_page(Path(token): Path<String>) -> Response {
    html(StatusCode::OK, crate::render::html::enter_page(&token))
}

/// Whether `ip` may exchange a token now (a minute's window, per address and in all).
fn allowed(state: &WebState, ip: std::net::IpAddr) -> bool {
    let mut guard = state.exchanges.lock().unwrap_or_else(|e| e.into_inner());
    let (since, per, all) = &mut *guard;
    if since.elapsed() >= std::time::Duration::from_secs(60) {
        *since = std::time::Instant::now();
        per.clear();
        *all = 0;
    }
    let mine = per.entry(ip).or_insert(0);
    if *mine >= EXCHANGES_PER_ADDRESS || *all >= EXCHANGES_IN_ALL {
        return false;
    }
    *mine += 1;
    *all += 1;
    true
}

/// POST of the link's page: a session (cookie) for a link unused and under 5 minutes old;
/// else a clear page and nothing granted.
async fn enter(
    State(state): State<Arc<WebState>>,
    axum::extract::ConnectInfo(peer): axum::extract::ConnectInfo<SocketAddr>,
    body: String,
) -> Response {
    if !allowed(&state, peer.ip()) {
        return message(StatusCode::TOO_MANY_REQUESTS, "Too many tries", "Wait a minute, then use a new link.");
    }
    let token = body
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == "token")
        .map(|(_, v)| v.to_string())
        .unwrap_or_default();
    match state.web.enter(&token).await {
        Ok(Some((id, scope))) => {
            let cookie = format!("{COOKIE}={id}; Path=/; HttpOnly; Secure; SameSite=Lax; Max-Age=28800");
            let to = if scope == Scope::Moderator { "/web/report" } else { "/web/me" };
            let mut r = (StatusCode::SEE_OTHER, [(header::LOCATION, to)]).into_response();
            if let Ok(v) = HeaderValue::from_str(&cookie) {
                r.headers_mut().insert(header::SET_COOKIE, v);
            }
            r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            r
        }
        Ok(None) => message(
            StatusCode::BAD_REQUEST,
            "This link does not work any more",
            "Each link from the bot works once, within 5 minutes. Ask for a new one: /web for your pages, /report \
             web for moderators' reports.",
        ),
        Err(e) => failed(&format!("entering: {e}")),
    }
}

async fn me(State(state): State<Arc<WebState>>, headers: HeaderMap) -> Response {
    let v = match state.web.viewer(session_of(&headers).as_deref(), Scope::Member).await {
        Ok(Ok(v)) => v,
        Ok(Err(d)) => return denied(d),
        Err(e) => return failed(&format!("session: {e}")),
    };
    match state.web.my_progress(&v).await {
        Ok(groups) => html(
            StatusCode::OK,
            crate::render::html::me_page(&v.actor.display_name, &groups, v.scope == Scope::Moderator),
        ),
        Err(e) => failed(&format!("progress: {e}")),
    }
}

async fn overview(State(state): State<Arc<WebState>>, headers: HeaderMap) -> Response {
    let v = match state.web.viewer(session_of(&headers).as_deref(), Scope::Moderator).await {
        Ok(Ok(v)) => v,
        Ok(Err(d)) => return denied(d),
        Err(e) => return failed(&format!("session: {e}")),
    };
    match state.web.overview(&v).await {
        Ok(groups) => html(StatusCode::OK, crate::render::html::overview_page(&groups)),
        Err(e) => failed(&format!("overview: {e}")),
    }
}

async fn report_of(state: &WebState, headers: &HeaderMap, group: &str) -> Result<crate::report::Report, Response> {
    let v = match state.web.viewer(session_of(headers).as_deref(), Scope::Moderator).await {
        Ok(Ok(v)) => v,
        Ok(Err(d)) => return Err(denied(d)),
        Err(e) => return Err(failed(&format!("session: {e}"))),
    };
    let Ok(group) = group.parse::<i64>() else { return Err(denied(Denied::NoGroup)) };
    match state.web.report(&v, group).await {
        Ok(Ok(r)) => Ok(r),
        Ok(Err(d)) => Err(denied(d)),
        // A refusal in members' words (no week held yet...): said as it is.
        Err(crate::error::Error::User(u)) => {
            Err(html(StatusCode::OK, crate::render::html::message_page("No report yet", &u.to_string(), true, true)))
        }
        Err(e) => Err(failed(&format!("report: {e}"))),
    }
}

async fn group_report(State(state): State<Arc<WebState>>, Path(group): Path<String>, headers: HeaderMap) -> Response {
    let r = match report_of(&state, &headers, &group).await {
        Ok(r) => r,
        Err(answer) => return answer,
    };
    match crate::render::html::report_page(&r) {
        Ok(body) => {
            let csp = crate::render::html::csp(crate::render::html::CSS, crate::render::html::SORTABLE_JS)
                + "; frame-ancestors 'none'";
            let mut answer =
                ([(header::CONTENT_TYPE, "text/html; charset=utf-8"), (header::CACHE_CONTROL, "no-store")], body)
                    .into_response();
            if let Ok(v) = HeaderValue::from_str(&csp) {
                answer.headers_mut().insert(header::CONTENT_SECURITY_POLICY, v);
            }
            answer
        }
        Err(e) => failed(&format!("report page: {e}")),
    }
}

async fn group_csv(State(state): State<Arc<WebState>>, Path(group): Path<String>, headers: HeaderMap) -> Response {
    let r = match report_of(&state, &headers, &group).await {
        Ok(r) => r,
        Err(answer) => return answer,
    };
    let disposition = format!("attachment; filename=\"members-{}.csv\"", r.group_id);
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        crate::report::members_csv(&r),
    )
        .into_response()
}
