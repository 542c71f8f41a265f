-- Study buddies: see migrations/sqlite/0016_buddies.sql.
CREATE TABLE buddy_settings (
    group_id    BIGINT PRIMARY KEY,
    guild_id    BIGINT NOT NULL,
    every_weeks BIGINT NOT NULL CHECK (every_weeks IN (1, 2, 4)),
    size        BIGINT NOT NULL CHECK (size IN (2, 3)),
    FOREIGN KEY (group_id, guild_id) REFERENCES study_groups (id, guild_id) ON DELETE CASCADE
);

CREATE TABLE buddy_members (
    group_id     BIGINT      NOT NULL,
    guild_id     BIGINT      NOT NULL,
    user_id      BIGINT      NOT NULL,
    joined_at    TIMESTAMPTZ NOT NULL,
    paused_until TEXT,
    auto_paused  BIGINT      NOT NULL DEFAULT 0 CHECK (auto_paused IN (0, 1)),
    silent       BIGINT      NOT NULL DEFAULT 0 CHECK (silent >= 0),
    trios        BIGINT      NOT NULL DEFAULT 0 CHECK (trios >= 0),
    PRIMARY KEY (group_id, user_id),
    FOREIGN KEY (group_id, guild_id) REFERENCES study_groups (id, guild_id) ON DELETE CASCADE,
    FOREIGN KEY (guild_id, user_id) REFERENCES members (guild_id, user_id) ON DELETE CASCADE
);
CREATE INDEX buddy_members_member ON buddy_members (guild_id, user_id);

CREATE TABLE buddy_avoid (
    guild_id   BIGINT NOT NULL,
    user_id    BIGINT NOT NULL,
    avoided_id BIGINT NOT NULL CHECK (avoided_id <> user_id),
    PRIMARY KEY (guild_id, user_id, avoided_id),
    FOREIGN KEY (guild_id, user_id) REFERENCES members (guild_id, user_id) ON DELETE CASCADE
);
