-- Per-server settings (/settings, Manage Server only). NULL keeps the process-wide default.
CREATE TABLE server_settings (
    guild_id          INTEGER PRIMARY KEY,
    -- Members with this role may use the moderator commands (besides Manage Server).
    moderator_role_id INTEGER,
    reminder_hours    INTEGER CHECK (reminder_hours IS NULL OR reminder_hours BETWEEN 1 AND 167),
    -- Whether reminders are posted in the group's channel (reminder DMs go out either way).
    channel_reminders INTEGER CHECK (channel_reminders IS NULL OR channel_reminders IN (0, 1)),
    -- The weekly digest for moderators: all four set, or none.
    digest_channel_id INTEGER,
    digest_weekday    INTEGER CHECK (digest_weekday IS NULL OR digest_weekday BETWEEN 0 AND 6),
    digest_time       TEXT,
    digest_timezone   TEXT,
    updated_at        TEXT    NOT NULL,
    CHECK ((digest_channel_id IS NULL) = (digest_weekday IS NULL)
       AND (digest_weekday IS NULL) = (digest_time IS NULL)
       AND (digest_time IS NULL) = (digest_timezone IS NULL))
);

-- Weekly digests, claimed before sending like posts: at most one per server and slot (the
-- slot is the digest's weekly session number), a retry reuses the nonce.
CREATE TABLE digests (
    id               INTEGER PRIMARY KEY,
    guild_id         INTEGER NOT NULL,
    slot             INTEGER NOT NULL CHECK (slot >= 0),
    channel_id       INTEGER NOT NULL,
    nonce            TEXT    NOT NULL,
    state            TEXT    NOT NULL CHECK (state IN ('claimed', 'sent', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 1,
    message_id       INTEGER,
    error            TEXT,
    claimed_at       TEXT    NOT NULL,
    first_claimed_at TEXT    NOT NULL,
    sent_at          TEXT,
    UNIQUE (guild_id, slot)
);
