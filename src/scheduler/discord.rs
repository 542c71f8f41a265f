//! The one Discord sender of background work: every serenity call the jobs make (send a
//! message, open a thread, read recent history, open a DM channel, check the bot's
//! permissions in the gateway cache) goes through [`Sender`], paced by [`Pace`], and fails
//! with a typed [`SendError`]. What a failure means for a moderator is worded once, in
//! [`super::failure`].

use super::pace::{Budget, Pace};
use crate::permissions::Need;
use crate::session_events::Wanted;
use chrono::{DateTime, Utc};
use poise::serenity_prelude as serenity;
use serenity::{ChannelId, CreateMessage, CreateThread, Http, Message, MessageId, UserId};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// Discord's codes the sender and its callers tell apart.
pub mod code {
    pub const UNKNOWN_CHANNEL: isize = 10003;
    pub const UNKNOWN_GUILD: isize = 10004;
    pub const MISSING_ACCESS: isize = 50001;
    pub const CANNOT_DM: isize = 50007;
    pub const NOT_TEXT: isize = 50008;
    pub const MISSING_PERMISSIONS: isize = 50013;
    /// Opening DM channels too fast: wait, then try again.
    pub const OPENING_DMS_TOO_FAST: isize = 40003;
    /// A thread has already been created for this message.
    pub const THREAD_EXISTS: isize = 160004;
    pub const UNKNOWN_EVENT: isize = 10070;
    /// The server has 100 scheduled or active events.
    pub const TOO_MANY_EVENTS: isize = 30038;
}

/// How many pages of 100 recent messages a late retry reads, at most, looking for its first
/// copy: one depth for every kind of item.
pub const HISTORY_PAGES: usize = 3;

/// At most this many DM channels are remembered (then the memory starts over).
const DM_CHANNELS_KEPT: usize = 100_000;

/// Why a request to Discord failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// The sender has no HTTP client yet (the bot is still connecting).
    #[error("not connected to Discord yet")]
    NotConnected,
    /// The gateway cache shows the bot lacks these permissions (nothing was sent).
    #[error("missing permissions: {}", .0.join(", "))]
    MissingPermissions(Vec<&'static str>),
    /// The channel does not exist any more (10003, or absent from the cached server).
    #[error("the channel no longer exists")]
    ChannelGone,
    /// The bot cannot DM the member (50007: DMs closed, blocked, no server in common).
    #[error("the member does not accept DMs from the bot")]
    CannotDm,
    /// 429 after serenity's (or the forwarder's) own retries.
    #[error("Discord answered 429: rate limited, tried again later")]
    RateLimited,
    /// Any other answer of Discord's.
    #[error("Discord answered {status} ({code}): {message}")]
    Http { status: u16, code: isize, message: String },
    /// No answer: the connection failed or dropped.
    #[error("{0}")]
    Transport(String),
}

impl SendError {
    /// Discord's answer (or its absence), typed.
    pub fn of(e: &serenity::Error) -> SendError {
        use serenity::HttpError;
        let serenity::Error::Http(HttpError::UnsuccessfulRequest(r)) = e else {
            return SendError::Transport(e.to_string());
        };
        let status = r.status_code.as_u16();
        match r.error.code {
            code::UNKNOWN_CHANNEL => SendError::ChannelGone,
            code::CANNOT_DM => SendError::CannotDm,
            _ if status == 429 => SendError::RateLimited,
            code => SendError::Http { status, code, message: r.error.message.clone() },
        }
    }

    /// Discord's JSON error code, when it answered with one.
    pub fn code(&self) -> Option<isize> {
        match self {
            SendError::ChannelGone => Some(code::UNKNOWN_CHANNEL),
            SendError::CannotDm => Some(code::CANNOT_DM),
            SendError::Http { code, .. } => Some(*code),
            _ => None,
        }
    }

    /// No retry can change it: a 4xx other than 408 and 429 (channel gone, no access, a
    /// permission missing, DMs closed). 429s, 5xx and dropped connections pass.
    pub fn permanent(&self) -> bool {
        match self {
            SendError::MissingPermissions(_) | SendError::ChannelGone | SendError::CannotDm => true,
            SendError::Http { status, .. } => (400..500).contains(status) && *status != 408 && *status != 429,
            SendError::NotConnected | SendError::RateLimited | SendError::Transport(_) => false,
        }
    }
}

/// A message sent: its id, and whether Discord dropped the embeds it carried (the bot lost
/// Embed Links since the check).
#[derive(Debug, Clone)]
pub struct Sent {
    pub message: Message,
    pub dropped_embeds: bool,
}

/// Where an item goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// A server channel, where the bot needs `need`.
    Channel { guild: u64, channel: u64, need: &'static [Need] },
    /// A member's DMs.
    Dm { user: u64 },
}

/// Sends for the background jobs (see the module doc).
pub struct Sender {
    http: OnceLock<Arc<Http>>,
    /// The gateway cache: the bot's permissions in a channel, checked before each post.
    cache: OnceLock<Arc<serenity::Cache>>,
    pace: Pace,
    /// The bot's own user id (read once).
    me: OnceLock<UserId>,
    /// Each member's DM channel once opened (Discord asks bots not to open one per DM).
    dm_channels: Mutex<HashMap<u64, ChannelId>>,
}

impl Sender {
    pub fn new(budget: Budget) -> Sender {
        Sender {
            http: OnceLock::new(),
            cache: OnceLock::new(),
            pace: Pace::new(budget),
            me: OnceLock::new(),
            dm_channels: Mutex::new(HashMap::new()),
        }
    }

    pub fn set_http(&self, http: Arc<Http>) {
        let _ = self.http.set(http);
    }

    pub fn set_cache(&self, cache: Arc<serenity::Cache>) {
        let _ = self.cache.set(cache);
    }

    /// Forgets the pace of idle channels (once per tick).
    pub fn tidy(&self) {
        self.pace.tidy();
    }

    fn http(&self) -> Result<&Arc<Http>, SendError> {
        self.http.get().ok_or(SendError::NotConnected)
    }

    /// Whether the bot has every permission of `need` in `channel`, as far as the cache knows
    /// (without the cache, or a server it does not know, the send itself will tell).
    pub fn check(&self, guild: u64, channel: u64, need: &[Need]) -> Result<(), SendError> {
        let Some(cache) = self.cache.get() else { return Ok(()) };
        let Some(g) = cache.guild(serenity::GuildId::new(guild)) else { return Ok(()) };
        let me = cache.current_user().id;
        let Some(member) = g.members.get(&me) else { return Ok(()) };
        let Some(ch) = g.channels.get(&ChannelId::new(channel)) else { return Err(SendError::ChannelGone) };
        let missing = crate::permissions::missing(g.user_permissions_in(ch, member), need);
        if missing.is_empty() { Ok(()) } else { Err(SendError::MissingPermissions(missing)) }
    }

    /// Sends a channel message within the channel's pace. 429s and 5xx were retried below,
    /// by serenity's rate limiter or, behind a proxy, by [`crate::rest`].
    pub async fn send(&self, channel: u64, msg: CreateMessage) -> Result<Sent, SendError> {
        let http = self.http()?;
        let embeds = serde_json::to_value(&msg).ok().and_then(|v| v["embeds"].as_array().map(Vec::len)).unwrap_or(0);
        self.pace.message(channel).await;
        let m = ChannelId::new(channel).send_message(http.as_ref(), msg).await.map_err(|e| SendError::of(&e))?;
        let dropped_embeds = embeds > 0 && m.embeds.is_empty();
        Ok(Sent { message: m, dropped_embeds })
    }

    /// Opens a public thread from `message`; the id of the thread. A thread another copy of
    /// this attempt opened is found (a thread started from a message has the message's id).
    pub async fn open_thread(&self, channel: u64, message: u64, name: &str) -> Result<u64, SendError> {
        let http = self.http()?;
        let name: String = name.chars().take(100).collect();
        let thread = CreateThread::new(name).auto_archive_duration(serenity::AutoArchiveDuration::OneWeek);
        self.pace.request().await;
        match ChannelId::new(channel).create_thread_from_message(http.as_ref(), MessageId::new(message), thread).await {
            Ok(t) => Ok(t.id.get()),
            Err(e) => match SendError::of(&e) {
                e if e.code() == Some(code::THREAD_EXISTS) => Ok(message),
                e => Err(e),
            },
        }
    }

    /// Creates a session's scheduled event in `guild`: in the voice channel `channel`, or
    /// else external at `location`. Its id.
    pub async fn create_event(
        &self,
        guild: u64,
        w: &Wanted,
        channel: Option<u64>,
        location: &str,
    ) -> Result<u64, SendError> {
        let http = self.http()?;
        let b = match channel {
            Some(c) => serenity::CreateScheduledEvent::new(serenity::ScheduledEventType::Voice, &w.name, w.start)
                .channel_id(ChannelId::new(c)),
            None => serenity::CreateScheduledEvent::new(serenity::ScheduledEventType::External, &w.name, w.start)
                .location(location),
        };
        let b = b.end_time(w.end).description(&w.description);
        self.pace.request().await;
        // Through `Http` alone: serenity's cache check would ask for Manage Events, which Discord
        // no longer needs (Create Events does).
        let e = http
            .create_scheduled_event(serenity::GuildId::new(guild), &b, None)
            .await
            .map_err(|e| SendError::of(&e))?;
        Ok(e.id.get())
    }

    /// Moves or renames a session's event (`location` only for an external one).
    pub async fn edit_event(
        &self,
        guild: u64,
        event: u64,
        w: &Wanted,
        location: Option<&str>,
    ) -> Result<(), SendError> {
        let http = self.http()?;
        let mut b = serenity::EditScheduledEvent::new()
            .name(&w.name)
            .start_time(w.start)
            .end_time(w.end)
            .description(&w.description);
        if let Some(l) = location {
            b = b.location(l);
        }
        self.pace.request().await;
        http.edit_scheduled_event(serenity::GuildId::new(guild), serenity::ScheduledEventId::new(event), &b, None)
            .await
            .map_err(|e| SendError::of(&e))?;
        Ok(())
    }

    /// Rewrites an event's description (one that started, linking the week's post).
    pub async fn describe_event(&self, guild: u64, event: u64, description: &str) -> Result<(), SendError> {
        let http = self.http()?;
        let b = serenity::EditScheduledEvent::new().description(description);
        self.pace.request().await;
        http.edit_scheduled_event(serenity::GuildId::new(guild), serenity::ScheduledEventId::new(event), &b, None)
            .await
            .map_err(|e| SendError::of(&e))?;
        Ok(())
    }

    /// Starts (`true`) or ends (`false`) a voice event: Discord starts no voice event by
    /// itself, and cancels one left unstarted.
    pub async fn set_event_active(&self, guild: u64, event: u64, active: bool) -> Result<(), SendError> {
        let http = self.http()?;
        let status =
            if active { serenity::ScheduledEventStatus::Active } else { serenity::ScheduledEventStatus::Completed };
        let b = serenity::EditScheduledEvent::new().status(status);
        self.pace.request().await;
        http.edit_scheduled_event(serenity::GuildId::new(guild), serenity::ScheduledEventId::new(event), &b, None)
            .await
            .map_err(|e| SendError::of(&e))?;
        Ok(())
    }

    /// Deletes a session's event; one Discord no longer has counts as deleted.
    pub async fn delete_event(&self, guild: u64, event: u64) -> Result<(), SendError> {
        let http = self.http()?;
        self.pace.request().await;
        match http.delete_scheduled_event(serenity::GuildId::new(guild), serenity::ScheduledEventId::new(event)).await {
            Ok(()) => Ok(()),
            Err(e) => match SendError::of(&e) {
                e if e.code() == Some(code::UNKNOWN_EVENT) => Ok(()),
                e => Err(e),
            },
        }
    }

    /// The bot's own scheduled events in `guild`: (id, name, start).
    pub async fn own_events(&self, guild: u64) -> Result<Vec<(u64, String, DateTime<Utc>)>, SendError> {
        let http = self.http()?;
        let me = self.me().await?;
        self.pace.request().await;
        let events =
            http.get_scheduled_events(serenity::GuildId::new(guild), false).await.map_err(|e| SendError::of(&e))?;
        Ok(events
            .into_iter()
            .filter(|e| e.creator_id == Some(me))
            .map(|e| (e.id.get(), e.name, *e.start_time))
            .collect())
    }

    /// Who said they were interested in an event: the users' ids, ascending, at most
    /// `pages` pages of 100 (Discord's page size); and whether there were more.
    pub async fn interested(&self, guild: u64, event: u64, pages: usize) -> Result<(Vec<u64>, bool), SendError> {
        let http = self.http()?;
        let (guild, event) = (serenity::GuildId::new(guild), serenity::ScheduledEventId::new(event));
        let mut users = Vec::new();
        for _ in 0..pages {
            let after = users.last().map(|u: &u64| serenity::UserPagination::After(UserId::new(*u)));
            self.pace.request().await;
            let page = http
                .get_scheduled_event_users(guild, event, Some(100), after, Some(false))
                .await
                .map_err(|e| SendError::of(&e))?;
            let full = page.len() == 100;
            users.extend(page.into_iter().map(|u| u.user.id.get()));
            if !full {
                return Ok((users, false));
            }
        }
        Ok((users, true))
    }

    /// Puts `line` at the end of a message the bot posted (replacing an earlier line that
    /// starts like it, `mark`); its embeds and buttons stay. Pings no one.
    pub async fn annotate(&self, channel: u64, message: u64, mark: &str, line: &str) -> Result<(), SendError> {
        let http = self.http()?;
        let (channel, message) = (ChannelId::new(channel), MessageId::new(message));
        self.pace.request().await;
        let m = http.get_message(channel, message).await.map_err(|e| SendError::of(&e))?;
        let kept: Vec<&str> = m.content.lines().filter(|l| !l.starts_with(mark)).collect();
        let content = format!("{}\n{line}", kept.join("\n"));
        let edit =
            serenity::EditMessage::new().content(content).allowed_mentions(serenity::CreateAllowedMentions::new());
        self.pace.request().await;
        http.edit_message(channel, message, &edit, Vec::new()).await.map_err(|e| SendError::of(&e))?;
        Ok(())
    }

    /// Opens a private thread named `name` in `channel` (members cannot invite others; archived
    /// after a week without messages); its id.
    pub async fn open_private_thread(&self, channel: u64, name: &str) -> Result<u64, SendError> {
        let http = self.http()?;
        let name: String = name.chars().take(100).collect();
        let b = CreateThread::new(name)
            .kind(serenity::ChannelType::PrivateThread)
            .invitable(false)
            .auto_archive_duration(serenity::AutoArchiveDuration::OneWeek);
        self.pace.request().await;
        let t = ChannelId::new(channel).create_thread(http.as_ref(), b).await.map_err(|e| SendError::of(&e))?;
        Ok(t.id.get())
    }

    /// Adds a member to a thread (a no-op when they are in it).
    pub async fn add_thread_member(&self, thread: u64, user: u64) -> Result<(), SendError> {
        let http = self.http()?;
        self.pace.request().await;
        http.add_thread_channel_member(ChannelId::new(thread), UserId::new(user)).await.map_err(|e| SendError::of(&e))
    }

    /// The guild's active threads in `parent`: (id, name).
    pub async fn active_threads(&self, guild: u64, parent: u64) -> Result<Vec<(u64, String)>, SendError> {
        let http = self.http()?;
        self.pace.request().await;
        let active =
            http.get_guild_active_threads(serenity::GuildId::new(guild)).await.map_err(|e| SendError::of(&e))?;
        Ok(active
            .threads
            .into_iter()
            .filter(|t| t.parent_id.map(|p| p.get()) == Some(parent))
            .map(|t| (t.id.get(), t.name))
            .collect())
    }

    /// Sends `msg` with a stable `nonce` that Discord enforces (a retry within its window gets
    /// the first message back instead of a second one).
    pub async fn send_once(&self, channel: u64, msg: CreateMessage, nonce: &str) -> Result<u64, SendError> {
        let msg = msg.nonce(serenity::Nonce::String(nonce.to_string())).enforce_nonce(true);
        Ok(self.send(channel, msg).await?.message.id.get())
    }

    /// The bot's own user id.
    async fn me(&self) -> Result<UserId, SendError> {
        if let Some(me) = self.me.get() {
            return Ok(*me);
        }
        let http = self.http()?;
        self.pace.request().await;
        let me = http.get_current_user().await.map_err(|e| SendError::of(&e))?.id;
        Ok(*self.me.get_or_init(|| me))
    }

    /// The latest message of the bot's in `channel`, within [`HISTORY_PAGES`] pages of recent
    /// history, that `is_copy` accepts.
    pub async fn find_own(
        &self,
        channel: u64,
        is_copy: impl Fn(&Message) -> bool,
    ) -> Result<Option<Message>, SendError> {
        let http = self.http()?;
        let me = self.me().await?;
        let mut before: Option<MessageId> = None;
        for _ in 0..HISTORY_PAGES {
            let mut query = serenity::GetMessages::new().limit(100);
            if let Some(b) = before {
                query = query.before(b);
            }
            self.pace.request().await;
            let page = ChannelId::new(channel).messages(http.as_ref(), query).await.map_err(|e| SendError::of(&e))?;
            if let Some(m) = page.iter().find(|m| m.author.id == me && is_copy(m)) {
                return Ok(Some(m.clone()));
            }
            match page.last() {
                Some(last) if page.len() == 100 => before = Some(last.id),
                _ => break,
            }
        }
        Ok(None)
    }

    /// The member's DM channel: remembered once opened.
    pub async fn dm_channel(&self, user: u64) -> Result<u64, SendError> {
        if let Some(c) = self.dm_channels.lock().unwrap_or_else(|p| p.into_inner()).get(&user) {
            return Ok(c.get());
        }
        let http = self.http()?;
        self.pace.request().await;
        let c = UserId::new(user).create_dm_channel(http.as_ref()).await.map_err(|e| SendError::of(&e))?.id;
        let mut kept = self.dm_channels.lock().unwrap_or_else(|p| p.into_inner());
        if kept.len() >= DM_CHANNELS_KEPT {
            kept.clear();
        }
        kept.insert(user, c);
        Ok(c.get())
    }

    /// A DM to `user` in their remembered DM channel, within the pace. A remembered channel
    /// Discord no longer knows is forgotten (the next DM opens a new one).
    pub async fn dm(&self, user: u64, msg: CreateMessage) -> Result<Sent, SendError> {
        let channel = self.dm_channel(user).await?;
        let sent = self.send(channel, msg).await;
        if matches!(sent, Err(SendError::ChannelGone)) {
            self.dm_channels.lock().unwrap_or_else(|p| p.into_inner()).remove(&user);
        }
        sent
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_for_good_are_told_from_passing_failures() {
        let http = |status, code| SendError::Http { status, code, message: String::new() };
        assert!(http(403, code::MISSING_PERMISSIONS).permanent());
        assert!(http(404, 10008).permanent());
        assert!(!http(502, 0).permanent());
        assert!(!http(408, 0).permanent());
        assert!(!SendError::RateLimited.permanent());
        assert!(!SendError::Transport("reset".into()).permanent());
        assert!(!SendError::NotConnected.permanent());
        assert!(SendError::CannotDm.permanent() && SendError::ChannelGone.permanent());
        assert_eq!(SendError::ChannelGone.code(), Some(code::UNKNOWN_CHANNEL));
        assert_eq!(http(400, code::OPENING_DMS_TOO_FAST).code(), Some(40003));
    }
}
