//! Per-server settings: the moderator role, reminder hours, channel reminders on or off, and
//! the weekly digest's channel and time. A server's settings override the process-wide
//! defaults (`Config`); only members with Manage Server may change them.

use super::Core;
use crate::db::{self, Db};
use crate::error::{Result, UserError};
use crate::model::{Actor, DigestSettings, Effective, ServerSettings};
use crate::weeks;
use chrono::Weekday;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A cached server's settings are read again after this long, so a change made by another
/// process is seen within it (this process's own changes are seen at once).
pub const CACHE_FOR: Duration = Duration::from_secs(60);

/// The process-wide values a server's settings override.
#[derive(Debug, Clone)]
pub struct Defaults {
    pub reminder_hours: u32,
    /// How long a server's data is kept after the bot was removed from it.
    pub retention: chrono::Duration,
}

/// Servers' settings, cached; cheap to clone and shared by every service and the scheduler.
#[derive(Clone)]
pub struct Settings {
    db: Db,
    defaults: Arc<Defaults>,
    cache: Arc<Mutex<Cached>>,
}

/// Each server's settings with when they were read.
type Cached = HashMap<u64, (Instant, Arc<ServerSettings>)>;

impl Settings {
    pub fn new(db: Db, defaults: Defaults) -> Settings {
        Settings { db, defaults: Arc::new(defaults), cache: Arc::default() }
    }

    pub fn defaults(&self) -> &Defaults {
        &self.defaults
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, Cached> {
        self.cache.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A server's own settings.
    pub async fn of(&self, guild_id: u64) -> Result<Arc<ServerSettings>> {
        if let Some((at, s)) = self.cache().get(&guild_id)
            && at.elapsed() < CACHE_FOR
        {
            return Ok(Arc::clone(s));
        }
        let s = Arc::new(db::settings::get(&self.db, guild_id).await?);
        self.cache().insert(guild_id, (Instant::now(), Arc::clone(&s)));
        Ok(s)
    }

    /// What applies in a server.
    pub async fn effective(&self, guild_id: u64) -> Result<Effective> {
        Ok(self.apply(&*self.of(guild_id).await?))
    }

    /// A server's settings over the defaults.
    pub fn apply(&self, s: &ServerSettings) -> Effective {
        Effective {
            moderator_role_id: s.moderator_role_id,
            reminder_hours: s.reminder_hours.unwrap_or(self.defaults.reminder_hours),
            channel_reminders: s.channel_reminders.unwrap_or(true),
            digest: s.digest.clone(),
            review_retention: s
                .review_retention
                .map(|p| crate::review::clamp_retention(f32::from(p) / 100.0))
                .unwrap_or(crate::review::DEFAULT_RETENTION),
        }
    }

    async fn save(&self, guild_id: u64, s: ServerSettings, now: chrono::DateTime<chrono::Utc>) -> Result<Effective> {
        db::settings::save(&self.db, guild_id, &s, now).await?;
        let e = self.apply(&s);
        self.cache().insert(guild_id, (Instant::now(), Arc::new(s)));
        Ok(e)
    }
}

/// A change of `/settings`.
#[derive(Debug, Clone)]
pub enum Change {
    /// The role whose members may use moderator commands (`None`: only Manage Server).
    ModeratorRole(Option<u64>),
    /// Reminder lead in hours and whether reminders are posted in channels; `None` keeps
    /// the current value, `reset` returns both to the defaults.
    Reminders {
        hours: Option<u32>,
        in_channel: Option<bool>,
        reset: bool,
    },
    /// The weekly digest: channel, weekday, local time `HH:MM` and IANA zone as typed.
    Digest {
        channel_id: u64,
        weekday: Weekday,
        time: String,
        timezone: String,
    },
    DigestOff,
    /// Spaced review's desired retention in percent (`None`: back to the default, 90).
    ReviewRetention(Option<u8>),
}

#[derive(Clone)]
pub struct SettingsService {
    core: Core,
}

impl SettingsService {
    pub fn new(core: Core) -> SettingsService {
        SettingsService { core }
    }

    /// The bot was removed from a server (not an outage): its data is purged after the
    /// retention period unless the bot comes back.
    pub async fn server_removed(&self, guild_id: u64) -> Result<()> {
        tracing::info!(
            guild = guild_id,
            "removed from a server: its data is purged in {} days unless the bot is added back",
            self.core.settings.defaults().retention.num_days()
        );
        Ok(db::servers::removed(&self.core.db, guild_id, self.core.now()).await?)
    }

    /// A shard's READY listed `listed` (available or not): stored servers of that shard it
    /// did not list removed the bot while it was offline, so their retention clock starts.
    /// (Listed ones are marked present by their GUILD_CREATE.) Returns the removed ones.
    pub async fn shard_ready(&self, shard: u32, total: u32, listed: &[u64]) -> Result<Vec<u64>> {
        let listed: std::collections::HashSet<u64> = listed.iter().copied().collect();
        let stored = db::servers::stored(&self.core.db).await?;
        let gone = crate::shards::absent_from_ready(&stored, &listed, shard, total);
        for g in &gone {
            self.server_removed(*g).await?;
        }
        Ok(gone)
    }

    /// The bot is in a server: a pending purge of its data is cancelled.
    pub async fn server_present(&self, guild_id: u64) -> Result<()> {
        if db::servers::present(&self.core.db, guild_id).await? {
            tracing::info!(guild = guild_id, "added back to a server: its data is kept");
        }
        Ok(())
    }

    /// What applies in a server (for the edge's moderator check).
    pub async fn show_for(&self, guild_id: u64) -> Result<Effective> {
        self.core.settings.effective(guild_id).await
    }

    /// What applies in the actor's server, with what the server set itself.
    pub async fn show(&self, actor: &Actor) -> Result<(Effective, Arc<ServerSettings>)> {
        let own = self.core.settings.of(actor.guild_id).await?;
        Ok((self.core.settings.apply(&own), own))
    }

    /// Changes one setting of the actor's server (Manage Server only).
    pub async fn change(&self, actor: &Actor, change: Change) -> Result<(Effective, ServerSettings)> {
        if !actor.manages_server {
            return Err(UserError::ManageServerOnly.into());
        }
        let mut s = (*self.core.settings.of(actor.guild_id).await?).clone();
        match change {
            Change::ModeratorRole(role) => s.moderator_role_id = role,
            Change::Reminders { reset: true, .. } => {
                s.reminder_hours = None;
                s.channel_reminders = None;
            }
            Change::Reminders { hours, in_channel, reset: false } => {
                if let Some(h) = hours {
                    if !(1..=167).contains(&h) {
                        return Err(UserError::ReminderHours(h).into());
                    }
                    s.reminder_hours = Some(h);
                }
                if in_channel.is_some() {
                    s.channel_reminders = in_channel;
                }
            }
            Change::Digest { channel_id, weekday, time, timezone } => {
                let mut problems = Vec::new();
                let t = weeks::parse_time(&time);
                if t.is_none() {
                    problems.push(format!("`{}` is not a time: use 24-hour HH:MM, e.g. 09:00.", time.trim()));
                }
                let tz = weeks::parse_tz(&timezone);
                if tz.is_none() {
                    problems.push(format!(
                        "`{}` is not a timezone I know. {}",
                        timezone.trim(),
                        super::groups::timezone_hint(&timezone)
                    ));
                }
                match (t, tz) {
                    (Some(time), Some(tz)) => s.digest = Some(DigestSettings { channel_id, weekday, time, tz }),
                    _ => return Err(UserError::InvalidSettings(problems).into()),
                }
            }
            Change::DigestOff => s.digest = None,
            Change::ReviewRetention(p) => s.review_retention = p.map(|p| p.clamp(80, 95)),
        }
        let e = self.core.settings.save(actor.guild_id, s.clone(), self.core.now()).await?;
        Ok((e, s))
    }
}
