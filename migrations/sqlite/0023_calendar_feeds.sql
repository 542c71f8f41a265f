-- Live calendar feeds (`--web-addr`): a secret feed URL per group, made by a moderator with
-- `/group calendar-link` (the token is shown again to moderators, so it is stored as it is;
-- rotating replaces it, the group's deletion removes it), and a personal one per member and
-- server (`/calendar subscribe`: the token is shown once and stored as its SHA-256 only; a
-- new one replaces it; `/forget-me` removes it with the member's row).
CREATE TABLE calendar_links (
    group_id   INTEGER PRIMARY KEY REFERENCES study_groups (id) ON DELETE CASCADE,
    guild_id   INTEGER NOT NULL,
    token      TEXT    NOT NULL UNIQUE,
    created_by INTEGER NOT NULL,
    created_at TEXT    NOT NULL
);

CREATE TABLE member_feeds (
    guild_id   INTEGER NOT NULL,
    user_id    INTEGER NOT NULL,
    token_hash TEXT    NOT NULL UNIQUE,
    created_at TEXT    NOT NULL,
    PRIMARY KEY (guild_id, user_id),
    FOREIGN KEY (guild_id, user_id) REFERENCES members (guild_id, user_id) ON DELETE CASCADE
);

-- What each feed last said of a session (its start and whether it is cancelled), so that a
-- session that moves or is cancelled gets the next SEQUENCE (RFC 5545) and the feed a new
-- DTSTAMP, and an unchanged feed the same bytes (and ETag).
CREATE TABLE feed_sessions (
    group_id   INTEGER NOT NULL REFERENCES study_groups (id) ON DELETE CASCADE,
    session    INTEGER NOT NULL CHECK (session >= 0),
    starts_at  TEXT    NOT NULL,
    cancelled  INTEGER NOT NULL CHECK (cancelled IN (0, 1)),
    sequence   INTEGER NOT NULL CHECK (sequence >= 0),
    changed_at TEXT    NOT NULL,
    PRIMARY KEY (group_id, session)
);
