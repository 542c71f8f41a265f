//! Guild scheduled events as Discord documents them (resources/guild-scheduled-event):
//!
//! - create, get, list, modify and delete, under `/guilds/{id}/scheduled-events`;
//! - the field requirements by entity type (an external event has no channel, a location of
//!   1-100 characters and an end; a voice or stage event has a channel of that kind and no
//!   metadata), a name of 1-100 characters, a description of at most 1,000, privacy level 2
//!   (guild only), a start in the future and an end after it;
//! - at most 100 events SCHEDULED or ACTIVE per guild (30038);
//! - the valid status transitions (SCHEDULED -> ACTIVE -> COMPLETED, SCHEDULED -> CANCELED;
//!   an ended event changes no more), and Discord's automation: an external event starts at
//!   its start and ends at its end, and an event not started hours after its start is
//!   cancelled ([`UNSTARTED_CANCELLED_AFTER`]);
//! - the interested users, ascending by user id, paged with `limit` (at most 100), `before`
//!   and `after`, with member data on `with_member=true`; `with_user_count=true` adds counts;
//! - permissions: creating needs Create Events (guild-level; a voice event also View Channel
//!   and Connect in its channel), changing or deleting the bot's own event Create Events or
//!   Manage Events, anyone else's Manage Events (403 50013).
//!
//! "Now" is the fake's clock ([`crate::FakeDiscord::set_clock`]), the system clock unless set,
//! so tests on a manual clock agree with the fake on what is in the past.

use crate::guild::{GuildSpec, perms};
use crate::rest::{Out, err, ok, query_param};
use crate::state::{Cfg, St, parse_id};
use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// Discord's cap of events SCHEDULED or ACTIVE in one guild.
pub const MAX_UPCOMING: usize = 100;
/// An event not started this long after its start is cancelled ("on the order of hours").
pub const UNSTARTED_CANCELLED_AFTER: Duration = Duration::hours(3);

pub(crate) const SCHEDULED: u64 = 1;
pub(crate) const ACTIVE: u64 = 2;
pub(crate) const COMPLETED: u64 = 3;
pub(crate) const CANCELED: u64 = 4;
const STAGE: u64 = 1;
const VOICE: u64 = 2;
const EXTERNAL: u64 = 3;

/// One stored event: its JSON as Discord returns it, and who is interested.
#[derive(Clone, Debug)]
pub(crate) struct Event {
    pub(crate) json: Value,
    pub(crate) guild_id: u64,
    pub(crate) creator: u64,
    pub(crate) users: BTreeSet<u64>,
}

impl Event {
    fn status(&self) -> u64 {
        self.json["status"].as_u64().unwrap_or(0)
    }
    fn time(&self, field: &str) -> Option<DateTime<Utc>> {
        self.json[field].as_str().and_then(parse_time)
    }
    fn upcoming(&self) -> bool {
        matches!(self.status(), SCHEDULED | ACTIVE)
    }
}

fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s).ok().map(|t| t.with_timezone(&Utc))
}

fn time_json(t: DateTime<Utc>) -> Value {
    json!(t.to_rfc3339_opts(chrono::SecondsFormat::Millis, false))
}

/// A 400 50035 naming the field, as Discord's form errors do.
fn invalid(field: &str, message: &str) -> Out {
    err(400, 50035, &format!("Invalid Form Body ({field}: {message})"))
}

/// Applies Discord's automation up to `now` (external events start and end by themselves,
/// unstarted events are cancelled hours after their start).
pub(crate) fn refresh(st: &mut St, now: DateTime<Utc>) {
    for e in st.events.values_mut() {
        let external = e.json["entity_type"].as_u64() == Some(EXTERNAL);
        let (start, end) = (e.time("scheduled_start_time"), e.time("scheduled_end_time"));
        if external && e.status() == SCHEDULED && start.is_some_and(|s| s <= now) {
            e.json["status"] = json!(ACTIVE);
        }
        if external && e.status() == ACTIVE && end.is_some_and(|t| t <= now) {
            e.json["status"] = json!(COMPLETED);
        }
        if e.status() == SCHEDULED && start.is_some_and(|s| s + UNSTARTED_CANCELLED_AFTER <= now) {
            e.json["status"] = json!(CANCELED);
        }
    }
}

/// The bot's guild-level permissions (its roles included; owner or administrator: all).
fn bot_guild_perms(cfg: &Cfg, g: &GuildSpec) -> u64 {
    let p = g.permissions_for(cfg.bot_id, &g.member_roles(cfg.bot_id));
    if g.owner_id == cfg.bot_id || p & perms::ADMINISTRATOR != 0 { u64::MAX } else { p }
}

/// The bot's permissions in a channel of `g`: its guild permissions less the channel's denials.
fn bot_channel_perms(cfg: &Cfg, st: &St, g: &GuildSpec, channel: u64) -> u64 {
    let guild = bot_guild_perms(cfg, g);
    match st.channels.get(&channel) {
        Some(c) if guild != u64::MAX => guild & !c.bot_denied,
        _ => guild,
    }
}

/// Checks an event's fields (a create body, or a stored event with a modify body merged in)
/// against Discord's requirements; `creating` (or moving the start): the start must be ahead.
fn check_fields(
    cfg: &Cfg,
    st: &St,
    g: &GuildSpec,
    merged: &Value,
    now: DateTime<Utc>,
    creating: bool,
) -> Result<(), Out> {
    let name = merged["name"].as_str().unwrap_or("");
    if !(1..=100).contains(&name.chars().count()) {
        return Err(invalid("name", "Must be between 1 and 100 in length."));
    }
    if let Some(d) = merged["description"].as_str()
        && d.chars().count() > 1000
    {
        return Err(invalid("description", "Must be 1000 or fewer in length."));
    }
    if merged["privacy_level"].as_u64() != Some(2) {
        return Err(invalid("privacy_level", "Value must be one of {2}."));
    }
    let Some(start) = merged["scheduled_start_time"].as_str().and_then(parse_time) else {
        return Err(invalid("scheduled_start_time", "Could not interpret the value as a timestamp."));
    };
    if creating && start <= now {
        return Err(invalid("scheduled_start_time", "Cannot schedule event in the past."));
    }
    let end = match &merged["scheduled_end_time"] {
        Value::Null => None,
        v => match v.as_str().and_then(parse_time) {
            Some(t) => Some(t),
            None => return Err(invalid("scheduled_end_time", "Could not interpret the value as a timestamp.")),
        },
    };
    if end.is_some_and(|e| e <= start) {
        return Err(invalid("scheduled_end_time", "Must be after the start time."));
    }
    let metadata = &merged["entity_metadata"];
    match merged["entity_type"].as_u64() {
        Some(EXTERNAL) => {
            if !merged["channel_id"].is_null() {
                return Err(invalid("channel_id", "Must be null for an external event."));
            }
            let location = metadata["location"].as_str().unwrap_or("");
            if !(1..=100).contains(&location.chars().count()) {
                return Err(invalid("entity_metadata.location", "Must be between 1 and 100 in length."));
            }
            if end.is_none() {
                return Err(invalid("scheduled_end_time", "Required for an external event."));
            }
        }
        Some(kind @ (VOICE | STAGE)) => {
            let channel = merged["channel_id"].as_str().and_then(parse_id);
            let wanted = if kind == VOICE { 2 } else { 13 };
            match channel.and_then(|c| st.channels.get(&c)) {
                Some(c) if c.guild_id == Some(g.id) && c.kind == wanted => {}
                _ => return Err(invalid("channel_id", "Must be a channel of the event's kind in this guild.")),
            }
            if creating && !metadata.is_null() && metadata.as_object().is_some_and(|o| !o.is_empty()) {
                return Err(invalid("entity_metadata", "Must be null for a voice or stage event."));
            }
            if let Some(c) = channel {
                let need = perms::VIEW_CHANNEL | perms::CONNECT;
                if bot_channel_perms(cfg, st, g, c) & need != need {
                    return Err(err(403, 50013, "Missing Permissions"));
                }
            }
        }
        _ => return Err(invalid("entity_type", "Value must be one of {1, 2, 3}.")),
    }
    Ok(())
}

fn event_json(st: &St, cfg: &Cfg, e: &Event, with_count: bool) -> Value {
    let mut v = e.json.clone();
    v["creator"] = st.user_json(cfg, e.creator);
    if with_count {
        v["user_count"] = json!(e.users.len());
    }
    v
}

/// `/guilds/{g}/scheduled-events...`.
pub(crate) fn route(
    cfg: &Cfg,
    st: &mut St,
    method: &str,
    g: &GuildSpec,
    rest: &[&str],
    query: Option<&str>,
    body: &Value,
) -> Out {
    let now = st.clock.unwrap_or_else(Utc::now);
    refresh(st, now);
    let with_count = query_param(query, "with_user_count") == Some("true");
    let find = |st: &St, id: &str| -> Option<u64> {
        parse_id(id).filter(|id| st.events.get(id).is_some_and(|e| e.guild_id == g.id))
    };
    match (method, rest) {
        ("GET", []) => {
            let list: Vec<Value> =
                st.events.values().filter(|e| e.guild_id == g.id).map(|e| event_json(st, cfg, e, with_count)).collect();
            ok(json!(list))
        }
        ("POST", []) => {
            if bot_guild_perms(cfg, g) & perms::CREATE_EVENTS == 0 {
                return err(403, 50013, "Missing Permissions");
            }
            let mut merged = body.clone();
            for k in ["channel_id", "scheduled_end_time", "entity_metadata", "description"] {
                if merged.get(k).is_none() {
                    merged[k] = Value::Null;
                }
            }
            if let Err(e) = check_fields(cfg, st, g, &merged, now, true) {
                return e;
            }
            if !body["recurrence_rule"].is_null() {
                return invalid("recurrence_rule", "Not modelled by the fake.");
            }
            if st.events.values().filter(|e| e.guild_id == g.id && e.upcoming()).count() >= MAX_UPCOMING {
                return err(400, 30038, "Maximum number of uncompleted guild scheduled events reached (100)");
            }
            let id = st.next_id();
            let start = merged["scheduled_start_time"].as_str().and_then(parse_time).map(time_json);
            let end = merged["scheduled_end_time"].as_str().and_then(parse_time).map(time_json);
            let json = json!({
                "id": id.to_string(), "guild_id": g.id.to_string(), "channel_id": merged["channel_id"],
                "creator_id": cfg.bot_id.to_string(), "name": merged["name"], "description": merged["description"],
                "scheduled_start_time": start, "scheduled_end_time": end, "privacy_level": 2,
                "status": SCHEDULED, "entity_type": merged["entity_type"], "entity_id": null,
                "entity_metadata": if merged["entity_type"].as_u64() == Some(EXTERNAL) { merged["entity_metadata"].clone() } else { Value::Null },
                "image": null, "recurrence_rule": null,
            });
            let e = Event { json, guild_id: g.id, creator: cfg.bot_id, users: BTreeSet::new() };
            let out = event_json(st, cfg, &e, false);
            st.events.insert(id, e);
            ok(out)
        }
        ("GET", [id]) => match find(st, id) {
            Some(id) => ok(event_json(st, cfg, &st.events[&id], with_count)),
            None => err(404, 10070, "Unknown Guild Scheduled Event"),
        },
        ("PATCH", [id]) => {
            let Some(id) = find(st, id) else { return err(404, 10070, "Unknown Guild Scheduled Event") };
            let e = st.events[&id].clone();
            let own = e.creator == cfg.bot_id;
            let p = bot_guild_perms(cfg, g);
            let allowed = p & perms::MANAGE_EVENTS != 0 || (own && p & perms::CREATE_EVENTS != 0);
            if !allowed {
                return err(403, 50013, "Missing Permissions");
            }
            if !e.upcoming() {
                return invalid("status", "The event has ended: it can no longer be changed.");
            }
            let mut merged = e.json.clone();
            if let Some(o) = body.as_object() {
                for (k, v) in o {
                    merged[k.as_str()] = v.clone();
                }
            }
            if let Some(to) = body.get("status").and_then(Value::as_u64) {
                let valid =
                    matches!((e.status(), to), (SCHEDULED, ACTIVE) | (ACTIVE, COMPLETED) | (SCHEDULED, CANCELED))
                        || e.status() == to;
                if !valid {
                    return invalid("status", "Invalid status transition.");
                }
            }
            // Discord silently discards entity_metadata for events that are not external.
            if merged["entity_type"].as_u64() != Some(EXTERNAL) {
                merged["entity_metadata"] = Value::Null;
            }
            // A start already past stays valid on an edit that does not move it.
            let moved = body.get("scheduled_start_time").is_some();
            if let Err(out) = check_fields(cfg, st, g, &merged, now, moved) {
                return out;
            }
            for t in ["scheduled_start_time", "scheduled_end_time"] {
                if let Some(v) = merged[t].as_str().and_then(parse_time) {
                    merged[t] = time_json(v);
                }
            }
            let stored = st.events.get_mut(&id).expect("found above");
            stored.json = merged;
            let out = event_json(st, cfg, &st.events[&id], false);
            ok(out)
        }
        ("DELETE", [id]) => {
            let Some(id) = find(st, id) else { return err(404, 10070, "Unknown Guild Scheduled Event") };
            let own = st.events[&id].creator == cfg.bot_id;
            let p = bot_guild_perms(cfg, g);
            if !(p & perms::MANAGE_EVENTS != 0 || (own && p & perms::CREATE_EVENTS != 0)) {
                return err(403, 50013, "Missing Permissions");
            }
            st.events.remove(&id);
            Out::NoContent
        }
        ("GET", [id, "users"]) => {
            let Some(id) = find(st, id) else { return err(404, 10070, "Unknown Guild Scheduled Event") };
            let limit = match query_param(query, "limit").map(str::parse::<usize>) {
                None => 100,
                Some(Ok(n)) if (1..=100).contains(&n) => n,
                _ => return invalid("limit", "Must be between 1 and 100."),
            };
            let before = query_param(query, "before").and_then(parse_id);
            let after = query_param(query, "after").and_then(parse_id).unwrap_or(0);
            let with_member = query_param(query, "with_member") == Some("true");
            let users: Vec<u64> = st.events[&id].users.iter().copied().collect();
            let page: Vec<u64> = match before {
                // `before` wins; the page closest to it, still ascending.
                Some(b) => {
                    let below: Vec<u64> = users.into_iter().filter(|u| *u < b).collect();
                    below[below.len().saturating_sub(limit)..].to_vec()
                }
                None => users.into_iter().filter(|u| *u > after).take(limit).collect(),
            };
            let out: Vec<Value> = page
                .into_iter()
                .map(|u| {
                    let mut v = json!({"guild_scheduled_event_id": id.to_string(), "user": st.user_json(cfg, u)});
                    if with_member && let Some(m) = st.members_with_bot(cfg, g).into_iter().find(|m| m.user_id == u) {
                        v["member"] = st.member_json(g, &m);
                    }
                    v
                })
                .collect();
            ok(json!(out))
        }
        _ => Out::Unhandled,
    }
}
