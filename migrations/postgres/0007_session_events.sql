-- Study sessions as native Discord events: see migrations/sqlite/0015_session_events.sql.
CREATE TABLE group_events (
    group_id   BIGINT PRIMARY KEY,
    guild_id   BIGINT NOT NULL,
    channel_id BIGINT,
    minutes    BIGINT NOT NULL CHECK (minutes BETWEEN 30 AND 240),
    location   TEXT   CHECK (length(location) BETWEEN 1 AND 100),
    enabled    BIGINT NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    sync_at    TIMESTAMPTZ,
    error      TEXT
);
CREATE INDEX group_events_sync ON group_events (sync_at) WHERE sync_at IS NOT NULL;
CREATE INDEX group_events_guild ON group_events (guild_id);

CREATE TABLE session_events (
    group_id    BIGINT      NOT NULL,
    session     BIGINT      NOT NULL CHECK (session >= 0),
    guild_id    BIGINT      NOT NULL,
    event_id    BIGINT,
    channel_id  BIGINT,
    start_at    TIMESTAMPTZ NOT NULL,
    end_at      TIMESTAMPTZ NOT NULL,
    name        TEXT        NOT NULL,
    description TEXT        NOT NULL,
    claimed_at  TIMESTAMPTZ NOT NULL,
    owner       TEXT,
    started     BIGINT      NOT NULL DEFAULT 0 CHECK (started IN (0, 1, 2)),
    interested  BIGINT      CHECK (interested >= 0),
    PRIMARY KEY (group_id, session)
);
CREATE INDEX session_events_guild ON session_events (guild_id, end_at);

CREATE TABLE event_interest (
    group_id BIGINT NOT NULL,
    guild_id BIGINT NOT NULL,
    session  BIGINT NOT NULL,
    user_id  BIGINT NOT NULL,
    PRIMARY KEY (group_id, session, user_id),
    FOREIGN KEY (group_id, guild_id) REFERENCES study_groups (id, guild_id) ON DELETE CASCADE,
    FOREIGN KEY (guild_id, user_id) REFERENCES members (guild_id, user_id) ON DELETE CASCADE
);
CREATE INDEX event_interest_member ON event_interest (guild_id, user_id);
