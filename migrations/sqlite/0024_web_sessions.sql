-- Read-only web pages without OAuth (`/web`, `/report web`): the bot mints a single-use link
-- (32 random bytes, stored as its SHA-256; 5 minutes; bound to the server, the member and the
-- scope decided when minted), whose page POSTs it for a session (32 random bytes, stored as
-- its SHA-256, in a `__Host-` cookie; 8 hours at most, 30 minutes idle). Both go with the
-- member's `/forget-me` (foreign keys to `members`).
CREATE TABLE web_links (
    token_hash TEXT    PRIMARY KEY,
    guild_id   INTEGER NOT NULL,
    user_id    INTEGER NOT NULL,
    scope      TEXT    NOT NULL CHECK (scope IN ('member', 'moderator')),
    expires_at TEXT    NOT NULL,
    used_at    TEXT,
    FOREIGN KEY (guild_id, user_id) REFERENCES members (guild_id, user_id) ON DELETE CASCADE
);

CREATE TABLE web_sessions (
    id_hash     TEXT    PRIMARY KEY,
    guild_id    INTEGER NOT NULL,
    user_id     INTEGER NOT NULL,
    scope       TEXT    NOT NULL CHECK (scope IN ('member', 'moderator')),
    created_at  TEXT    NOT NULL,
    seen_at     TEXT    NOT NULL,
    verified_at TEXT    NOT NULL,
    FOREIGN KEY (guild_id, user_id) REFERENCES members (guild_id, user_id) ON DELETE CASCADE
);
CREATE INDEX web_sessions_member ON web_sessions (guild_id, user_id);
