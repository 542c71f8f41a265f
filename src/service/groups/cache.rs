//! What the group service keeps in memory so that resolving a group costs no database round
//! trip: each guild's groups with their calendars and missed weeks, which groups a member
//! belongs to, and which members are known to be stored in a group.
//!
//! **One write path.** The service changes a guild's groups only through
//! `GroupService::write`, which forgets the guild here after the write, whatever its outcome;
//! the scheduler's missed weeks and the purge forget it the same way
//! ([`Cache::forget_guild`]). A load that began before a forget is not stored (the cache's
//! epoch moved on), so a slow read never puts back what a write replaced. A guild's
//! interactions all reach the process running its shard, so the cache stays true.

use crate::db;
use crate::model::{Calendar, Group, Missed};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

/// A guild's groups with their calendars and missed weeks, as last read from the database.
#[derive(Debug)]
pub(super) struct GuildGroups {
    pub groups: Vec<Group>,
    pub calendars: HashMap<i64, Calendar>,
    pub missed: HashMap<i64, Vec<Missed>>,
}

/// The per-member maps of the cache are emptied when they reach this many entries, so they
/// never grow without bound (they refill from the database as members come back).
pub const MAX_CACHED: usize = 100_000;

/// Where a load started: stored only if nothing was forgotten since.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Epoch(u64);

#[derive(Default)]
struct Inner {
    /// Moves on with every forget.
    epoch: u64,
    guilds: HashMap<u64, Arc<GuildGroups>>,
    /// (guild, user) -> the groups they belong to.
    members: HashMap<(u64, u64), Arc<Vec<i64>>>,
    /// Members known to be stored as part of a group: (guild, user, group) -> (the display
    /// name stored, the joined week stored). A check-in or rating by a known member is one
    /// statement; anyone else [`db::members::join`]s first. A hint only (a stale entry costs
    /// one refused statement and a join): cleared for a member by `/forget-me`, for a server
    /// by the purge, and wholly when it reaches [`MAX_CACHED`].
    joined: HashMap<(u64, u64, i64), (String, u32)>,
}

#[derive(Default)]
pub(super) struct Cache {
    inner: Mutex<Inner>,
}

impl Cache {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Take before reading what [`Cache::store_guild`] or [`Cache::store_member`] will keep.
    pub fn epoch(&self) -> Epoch {
        Epoch(self.lock().epoch)
    }

    pub fn guild(&self, guild_id: u64) -> Option<Arc<GuildGroups>> {
        self.lock().guilds.get(&guild_id).cloned()
    }

    /// Keeps a guild's groups read since `since`, unless something was forgotten meanwhile.
    pub fn store_guild(&self, since: Epoch, guild_id: u64, loaded: Arc<GuildGroups>) {
        let mut inner = self.lock();
        if inner.epoch == since.0 {
            inner.guilds.insert(guild_id, loaded);
        }
    }

    /// The guild's groups, breaks or marks changed: the next use reads them again.
    pub fn forget_guild(&self, guild_id: u64) {
        let mut inner = self.lock();
        inner.epoch += 1;
        inner.guilds.remove(&guild_id);
        inner.members.retain(|(g, _), _| *g != guild_id);
    }

    pub fn member(&self, guild_id: u64, user_id: u64) -> Option<Arc<Vec<i64>>> {
        self.lock().members.get(&(guild_id, user_id)).cloned()
    }

    /// Keeps the groups of a member read since `since`, unless something was forgotten meanwhile.
    pub fn store_member(&self, since: Epoch, guild_id: u64, user_id: u64, ids: Arc<Vec<i64>>) {
        let mut inner = self.lock();
        if inner.epoch != since.0 {
            return;
        }
        if inner.members.len() >= MAX_CACHED {
            inner.members.clear();
        }
        inner.members.insert((guild_id, user_id), ids);
    }

    /// A check-in or rating made the member part of the group.
    pub fn joined(&self, guild_id: u64, user_id: u64, group_id: i64) {
        let mut inner = self.lock();
        inner.epoch += 1;
        if let Some(m) = inner.members.get_mut(&(guild_id, user_id))
            && !m.contains(&group_id)
        {
            Arc::make_mut(m).push(group_id);
        }
    }

    /// The member's data was deleted (`/forget-me`).
    pub fn forgot(&self, guild_id: u64, user_id: u64) {
        let mut inner = self.lock();
        inner.epoch += 1;
        inner.members.remove(&(guild_id, user_id));
        inner.joined.retain(|(g, u, _), _| (*g, *u) != (guild_id, user_id));
    }

    /// The server's data was purged: nothing of it stays.
    pub fn purged(&self, guild_id: u64) {
        self.forget_guild(guild_id);
        self.lock().joined.retain(|(g, _, _), _| *g != guild_id);
    }

    /// Whether the member is known to be stored in the group with this display name.
    pub fn knows_member(&self, a: &db::members::Author<'_>) -> bool {
        self.lock().joined.get(&(a.guild_id, a.user_id, a.group_id)).is_some_and(|(name, _)| name == a.display_name)
    }

    /// The member is stored in the group (joined, or a write of theirs succeeded).
    pub fn record_member(&self, a: &db::members::Author<'_>, week: u32) {
        let mut inner = self.lock();
        if inner.joined.len() >= MAX_CACHED && !inner.joined.contains_key(&(a.guild_id, a.user_id, a.group_id)) {
            inner.joined.clear();
        }
        // The stored joined week never moves (see `db::members::join`).
        let entry = inner.joined.entry((a.guild_id, a.user_id, a.group_id)).or_insert_with(|| (String::new(), week));
        entry.0 = a.display_name.to_string();
    }

    /// How many per-member entries it holds.
    pub fn members_len(&self) -> usize {
        let inner = self.lock();
        inner.members.len() + inner.joined.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loaded() -> Arc<GuildGroups> {
        Arc::new(GuildGroups { groups: Vec::new(), calendars: HashMap::new(), missed: HashMap::new() })
    }

    /// A read that began before a write is not kept: the write's forget wins.
    #[test]
    fn a_load_older_than_a_forget_is_not_stored() {
        let cache = Cache::default();
        let before = cache.epoch();
        cache.forget_guild(1);
        cache.store_guild(before, 1, loaded());
        assert!(cache.guild(1).is_none());
        cache.store_member(before, 1, 5, Arc::new(vec![3]));
        assert!(cache.member(1, 5).is_none());
        let now = cache.epoch();
        cache.store_guild(now, 1, loaded());
        cache.store_member(now, 1, 5, Arc::new(vec![3]));
        assert!(cache.guild(1).is_some() && cache.member(1, 5).is_some());
        // A member joining a group is added to what is kept, and moves the epoch on.
        cache.joined(1, 5, 4);
        assert_eq!(*cache.member(1, 5).unwrap(), vec![3, 4]);
        assert_ne!(cache.epoch(), now);
        cache.forget_guild(1);
        assert!(cache.guild(1).is_none() && cache.member(1, 5).is_none());
    }
}
