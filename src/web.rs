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

/// The router: feeds, then the site for every other path.
fn app(feeds: FeedService, site: Vec<crate::render::html::SiteFile>) -> axum::Router {
    let state = Arc::new(WebState { feeds, site: site.into_iter().map(|f| (f.path, f.bytes)).collect() });
    axum::Router::new()
        .route("/feeds/group/{file}", axum::routing::get(group_feed))
        .route("/feeds/me/{file}", axum::routing::get(member_feed))
        .fallback(site_file)
        .with_state(state)
        .layer(axum::middleware::from_fn(guard))
}

/// Serves on `listener` (already bound, so its address is known before the services are
/// made).
pub fn serve(
    listener: tokio::net::TcpListener,
    feeds: FeedService,
    site: Vec<crate::render::html::SiteFile>,
) -> anyhow::Result<Server> {
    let addr = listener.local_addr()?;
    let app = app(feeds, site);
    let task = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            warn!("web server stopped: {e}");
        }
    });
    info!(%addr, "serving the syllabus and calendar feeds");
    Ok(Server { addr, task })
}

/// Every request: GET and HEAD only, a bounded URL; every answer: the security headers.
async fn guard(request: Request, next: Next) -> Response {
    let mut response = if request.uri().to_string().len() > MAX_URI {
        (StatusCode::URI_TOO_LONG, "That address is too long.\n").into_response()
    } else if request.method() != Method::GET && request.method() != Method::HEAD {
        let mut r = (StatusCode::METHOD_NOT_ALLOWED, "Only GET and HEAD are served here.\n").into_response();
        r.headers_mut().insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        r
    } else {
        next.run(request).await
    };
    let h = response.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(SITE_CSP));
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
