//! `/group events on|off`: publishing a group's sessions as Discord scheduled events. The
//! choices are checked here (length, location, Discord's cap of 100 upcoming events per
//! server); the events themselves are made and kept in line by the scheduler's
//! `session_events` job, which a change here makes due at once.

use super::GroupService;
use crate::db;
use crate::db::events::EventSettings;
use crate::error::{Result, UserError};
use crate::model::{Actor, GroupView};
use crate::session_events::{self, DEFAULT_MINUTES, MAX_LOCATION, MINUTES};

/// What a moderator asked for with `/group events on`.
#[derive(Debug, Clone, Default)]
pub struct EventsInput {
    /// A voice channel of the server (checked by the edge), or none: external events.
    pub voice_channel: Option<u64>,
    pub minutes: Option<u32>,
    pub location: Option<String>,
    /// Upcoming events Discord lists for the server now (by anyone), when the edge could
    /// read them.
    pub listed: Option<u32>,
}

/// A group's events as turned on.
#[derive(Debug, Clone)]
pub struct EventsOn {
    pub view: GroupView,
    pub settings: EventSettings,
}

impl GroupService {
    /// Turns a group's events on, or changes how they are held (moderators).
    pub async fn events_on(&self, actor: &Actor, group: Option<&str>, input: EventsInput) -> Result<EventsOn> {
        if !actor.moderator {
            return Err(UserError::NotModerator.into());
        }
        let view = self.resolve(actor, group).await?;
        let minutes = input.minutes.unwrap_or(DEFAULT_MINUTES);
        if !MINUTES.contains(&minutes) {
            return Err(UserError::EventMinutes(minutes).into());
        }
        let g = &view.group;
        // None: the group's channel, as a link the event shows.
        let location = match input.location.as_deref().map(str::trim) {
            Some(l) if l.is_empty() || l.chars().count() > MAX_LOCATION => {
                return Err(UserError::EventLocation(l.chars().count()).into());
            }
            l => l,
        };
        let db = &self.core.db;
        let now = self.core.now();
        let kept = db::events::upcoming_in_guild(db, g.guild_id, g.id, now).await?;
        let mine = db::events::upcoming_in_guild(db, g.guild_id, -1, now).await?.saturating_sub(kept);
        let groups = db::events::enabled_in_guild(db, g.guild_id, g.id).await?;
        let listed = input.listed.map_or(kept, |n| n.saturating_sub(mine));
        if let Err((upcoming, planned)) = session_events::fits(listed, kept, groups) {
            return Err(UserError::TooManyEvents { group: g.name.clone(), upcoming, planned }.into());
        }
        db::events::turn_on(db, g.scope(), input.voice_channel, minutes, location, now).await?;
        let settings = db::events::settings(db, g.scope())
            .await?
            .ok_or_else(|| crate::error::Error::Internal("events turned on but not stored".into()))?;
        Ok(EventsOn { view, settings })
    }

    /// Turns a group's events off: the bot deletes the events of sessions to come.
    pub async fn events_off(&self, actor: &Actor, group: Option<&str>) -> Result<GroupView> {
        if !actor.moderator {
            return Err(UserError::NotModerator.into());
        }
        let view = self.resolve(actor, group).await?;
        if !db::events::turn_off(&self.core.db, view.group.scope(), self.core.now()).await? {
            return Err(UserError::EventsNotOn(view.group.name.clone()).into());
        }
        Ok(view)
    }
}
