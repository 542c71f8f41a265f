-- Live calendar feeds: see migrations/sqlite/0023_calendar_feeds.sql.
CREATE TABLE calendar_links (
    group_id   BIGINT      PRIMARY KEY REFERENCES study_groups (id) ON DELETE CASCADE,
    guild_id   BIGINT      NOT NULL,
    token      TEXT        NOT NULL UNIQUE,
    created_by BIGINT      NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE member_feeds (
    guild_id   BIGINT      NOT NULL,
    user_id    BIGINT      NOT NULL,
    token_hash TEXT        NOT NULL UNIQUE,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (guild_id, user_id),
    FOREIGN KEY (guild_id, user_id) REFERENCES members (guild_id, user_id) ON DELETE CASCADE
);

CREATE TABLE feed_sessions (
    group_id   BIGINT      NOT NULL REFERENCES study_groups (id) ON DELETE CASCADE,
    session    BIGINT      NOT NULL CHECK (session >= 0),
    starts_at  TIMESTAMPTZ NOT NULL,
    cancelled  BIGINT      NOT NULL CHECK (cancelled IN (0, 1)),
    sequence   BIGINT      NOT NULL CHECK (sequence >= 0),
    changed_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (group_id, session)
);
