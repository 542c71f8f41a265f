-- Study sessions as native Discord events (see src/session_events.rs).
--
-- `group_events`: a group whose moderators turned events on (`/group events on`): a voice
-- channel (the bot starts its events) or none (external events at `location`; none: a link to
-- the group's channel, whichever it is at the time), and how long an event lasts. `enabled` 0 once turned off or the group deleted: the job removes the
-- events of sessions to come, then the row (no foreign key to the group, so deleting a group
-- leaves the job what it needs to delete the group's events). `sync_at` is when the group's
-- events must next be brought in line with its calendar (a calendar change sets it to now;
-- after a pass, the next start or end of an event), served by a partial index: the job reads
-- what is due. `error`: Discord's refusal that stopped the passes, shown to moderators.
CREATE TABLE group_events (
    group_id   INTEGER PRIMARY KEY,
    guild_id   INTEGER NOT NULL,
    channel_id INTEGER,
    minutes    INTEGER NOT NULL CHECK (minutes BETWEEN 30 AND 240),
    location   TEXT    CHECK (length(location) BETWEEN 1 AND 100),
    enabled    INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    sync_at    TEXT,
    error      TEXT
);
CREATE INDEX group_events_sync ON group_events (sync_at) WHERE sync_at IS NOT NULL;
CREATE INDEX group_events_guild ON group_events (guild_id);

-- One row per session whose event the bot made (or is making): claimed before the create
-- request (the primary key: one process, one create), then completed with Discord's event id
-- and what the event says. A claim with no event id whose process died is settled by
-- looking for the event in the server's list before creating it again. `started`: the bot
-- started (voice) or saw start the event; `interested`: how many members said they were,
-- read at the start (the members of the group among them are in `event_interest`).
CREATE TABLE session_events (
    group_id    INTEGER NOT NULL,
    session     INTEGER NOT NULL CHECK (session >= 0),
    guild_id    INTEGER NOT NULL,
    event_id    INTEGER,
    channel_id  INTEGER,
    start_at    TEXT    NOT NULL,
    end_at      TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    description TEXT    NOT NULL,
    claimed_at  TEXT    NOT NULL,
    owner       TEXT,
    started     INTEGER NOT NULL DEFAULT 0 CHECK (started IN (0, 1, 2)),
    interested  INTEGER CHECK (interested >= 0),
    PRIMARY KEY (group_id, session)
);
CREATE INDEX session_events_guild ON session_events (guild_id, end_at);

-- The group's members who said they were interested in a session's event (others are only
-- counted): `/report participation` shows them beside their check-ins.
CREATE TABLE event_interest (
    group_id INTEGER NOT NULL,
    guild_id INTEGER NOT NULL,
    session  INTEGER NOT NULL,
    user_id  INTEGER NOT NULL,
    PRIMARY KEY (group_id, session, user_id),
    FOREIGN KEY (group_id, guild_id) REFERENCES study_groups (id, guild_id) ON DELETE CASCADE,
    FOREIGN KEY (guild_id, user_id) REFERENCES members (guild_id, user_id) ON DELETE CASCADE
);
CREATE INDEX event_interest_member ON event_interest (guild_id, user_id);
