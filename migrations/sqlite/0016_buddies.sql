-- Study buddies (see src/buddies.rs): a group's rounds (`/group buddies on`), the members who
-- opted in (`/buddy join`), and members' confidential avoid lists (`/buddy avoid`).
--
-- `buddy_settings`: a round every 1, 2 or 4 weeks with the weekly post, in pairs or groups of 3.
CREATE TABLE buddy_settings (
    group_id    INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL,
    every_weeks INTEGER NOT NULL CHECK (every_weeks IN (1, 2, 4)),
    size        INTEGER NOT NULL CHECK (size IN (2, 3)),
    FOREIGN KEY (group_id, guild_id) REFERENCES study_groups (id, guild_id) ON DELETE CASCADE
);

-- A member who opted in: paused until a local date (their `/buddy pause`), or by the bot after
-- rounds without a word (`auto_paused`, until they resume); `silent`: rounds in a row without a
-- check-in or an answer; `trios`: rounds they were in a group of 3 (the next odd count's trio
-- takes whoever has fewest).
CREATE TABLE buddy_members (
    group_id     INTEGER NOT NULL,
    guild_id     INTEGER NOT NULL,
    user_id      INTEGER NOT NULL,
    joined_at    TEXT    NOT NULL,
    paused_until TEXT,
    auto_paused  INTEGER NOT NULL DEFAULT 0 CHECK (auto_paused IN (0, 1)),
    silent       INTEGER NOT NULL DEFAULT 0 CHECK (silent >= 0),
    trios        INTEGER NOT NULL DEFAULT 0 CHECK (trios >= 0),
    PRIMARY KEY (group_id, user_id),
    FOREIGN KEY (group_id, guild_id) REFERENCES study_groups (id, guild_id) ON DELETE CASCADE,
    FOREIGN KEY (guild_id, user_id) REFERENCES members (guild_id, user_id) ON DELETE CASCADE
);
CREATE INDEX buddy_members_member ON buddy_members (guild_id, user_id);

-- Whom a member never wants as a buddy, in this server: never shown to anyone but its owner
-- (`/my-data`), honoured by every round.
CREATE TABLE buddy_avoid (
    guild_id   INTEGER NOT NULL,
    user_id    INTEGER NOT NULL,
    avoided_id INTEGER NOT NULL CHECK (avoided_id <> user_id),
    PRIMARY KEY (guild_id, user_id, avoided_id),
    FOREIGN KEY (guild_id, user_id) REFERENCES members (guild_id, user_id) ON DELETE CASCADE
);
