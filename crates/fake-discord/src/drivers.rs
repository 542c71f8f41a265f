//! Interaction drivers: who invokes ([`Invoker`]), what ([`Slash`]), and the handle that
//! observes the bot's answer ([`InteractionHandle`]).

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::{fake::*, guild::*, records::*, state::*};

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
    /// The largest attachment the interaction may answer with (Discord sends it with each
    /// interaction; it grows with the server's boost level). 8 MiB by default.
    pub attachment_size_limit: u64,
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
            attachment_size_limit: 8_388_608,
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
    /// The interaction's `attachment_size_limit` (see [`Invoker::attachment_size_limit`]).
    pub fn attachment_limit(mut self, bytes: u64) -> Self {
        self.attachment_size_limit = bytes;
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
    // Named after Discord's subcommand, not arithmetic.
    #[allow(clippy::should_implement_trait)]
    pub fn sub(mut self, s: &str) -> Self {
        self.sub = Some(s.into());
        self
    }
    pub fn by(mut self, who: &Invoker) -> Self {
        self.invoker = Some(who.clone());
        self
    }
    pub(crate) fn opt(mut self, name: &str, kind: u8, value: Value) -> Self {
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
    pub(crate) fake: FakeDiscord,
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

// InteractionHandle
// ---------------------------------------------------------------------------------------------

pub(crate) enum Waited<T> {
    Done(T),
    Wrong(String),
}

impl InteractionHandle {
    pub(crate) fn with_ix<T>(&self, f: impl FnOnce(&Ix) -> T) -> T {
        let st = self.fake.lock();
        f(st.interactions.get(&self.token).expect("interaction state"))
    }

    pub(crate) async fn wait_for<T>(
        &self,
        timeout: Duration,
        what: &str,
        mut f: impl FnMut(&Ix) -> Option<Waited<T>>,
    ) -> T {
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

    pub(crate) fn latency_of(ix: &Ix, at: Instant) -> Duration {
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

pub(crate) fn make_reply(ix: &Ix, e: &TokenEvent, cb_kind: u8, latency: Duration) -> Reply {
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
