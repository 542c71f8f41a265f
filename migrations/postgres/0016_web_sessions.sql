-- Read-only web pages: see migrations/sqlite/0024_web_sessions.sql.
CREATE TABLE web_links (
    token_hash TEXT        PRIMARY KEY,
    guild_id   BIGINT      NOT NULL,
    user_id    BIGINT      NOT NULL,
    scope      TEXT        NOT NULL CHECK (scope IN ('member', 'moderator')),
    expires_at TIMESTAMPTZ NOT NULL,
    used_at    TIMESTAMPTZ,
    FOREIGN KEY (guild_id, user_id) REFERENCES members (guild_id, user_id) ON DELETE CASCADE
);

CREATE TABLE web_sessions (
    id_hash     TEXT        PRIMARY KEY,
    guild_id    BIGINT      NOT NULL,
    user_id     BIGINT      NOT NULL,
    scope       TEXT        NOT NULL CHECK (scope IN ('member', 'moderator')),
    created_at  TIMESTAMPTZ NOT NULL,
    seen_at     TIMESTAMPTZ NOT NULL,
    verified_at TIMESTAMPTZ NOT NULL,
    FOREIGN KEY (guild_id, user_id) REFERENCES members (guild_id, user_id) ON DELETE CASCADE
);
CREATE INDEX web_sessions_member ON web_sessions (guild_id, user_id);
