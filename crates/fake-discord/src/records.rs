//! What the fake records and returns to tests: requests, violations, faults, replies, modals.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde_json::Value;

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
    /// Only requests whose JSON body has this `nonce` (see [`Fault::nonce`]).
    pub nonce: Option<String>,
    pub remaining: usize,
}

#[derive(Clone, Debug)]
pub enum FaultKind {
    /// 429 with Discord's body and headers; `retry_after` seconds.
    RateLimit { retry_after: f64, global: bool },
    /// A 5xx with a Discord-shaped body.
    ServerError { status: u16 },
    /// The connection is dropped mid-answer (a proxy or load balancer going away): the
    /// client gets no status, only a transport error.
    Drop,
    /// The request is carried out, then its answer is lost: the client gets a 502 (from a
    /// proxy or load balancer in between) for a message that was in fact created.
    LostAnswer,
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
    /// The next matching request is carried out, but answered with a 502 (its answer lost).
    pub fn lost_answer(method: &str, path_prefix: &str) -> Self {
        Self::new(FaultKind::LostAnswer, method, path_prefix)
    }
    /// The next matching request gets no answer: the connection is dropped.
    pub fn dropped(method: &str, path_prefix: &str) -> Self {
        Self::new(FaultKind::Drop, method, path_prefix)
    }
    pub(crate) fn new(kind: FaultKind, method: &str, path_prefix: &str) -> Self {
        let method = (method != "*").then(|| method.to_ascii_uppercase());
        let path_prefix = path_prefix.strip_prefix("/api/v10").unwrap_or(path_prefix).to_string();
        Fault { kind, method, path_prefix, nonce: None, remaining: 1 }
    }
    /// Only requests carrying this message `nonce` match: one post and its retries get the
    /// fault whatever else is sent at the same time.
    pub fn nonce(mut self, nonce: &str) -> Self {
        self.nonce = Some(nonce.to_string());
        self
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
    /// Close 4004 "Authentication failed." (the token was revoked): fatal, no reconnect.
    AuthenticationFailed,
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
