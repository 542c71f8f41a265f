-- Spaced review, a member's choices and the opt-in daily DM (see src/review.rs).
--
-- `review_prefs`: one row per member who set them with `/review on|off`. `daily_max` caps the
-- cards a day (1 to 20). `dm_hour` is the local hour of the daily DM in the timezone of
-- `group_id`'s group (UTC when it is gone); NULL with `next_dm_at`: no DMs. `next_dm_at` is
-- the instant of the next DM, served by a partial index: the DM job reads what is due.
CREATE TABLE review_prefs (
    guild_id   INTEGER NOT NULL,
    user_id    INTEGER NOT NULL,
    group_id   INTEGER REFERENCES study_groups (id) ON DELETE SET NULL,
    daily_max  INTEGER NOT NULL DEFAULT 5 CHECK (daily_max BETWEEN 1 AND 20),
    dm_hour    INTEGER CHECK (dm_hour BETWEEN 0 AND 23),
    next_dm_at TEXT,
    CHECK ((dm_hour IS NULL) = (next_dm_at IS NULL)),
    PRIMARY KEY (guild_id, user_id),
    FOREIGN KEY (guild_id, user_id) REFERENCES members (guild_id, user_id) ON DELETE CASCADE
);
CREATE INDEX review_prefs_due ON review_prefs (next_dm_at) WHERE next_dm_at IS NOT NULL;

-- The outbox's claims of review DMs: one per member and local day (`day`, YYYY-MM-DD), so a
-- day's DM goes out once across retries, restarts and several processes. The nonce is
-- derived from `id`. A claim is a lease (`owner`, a worker id, as for posts); a DM that
-- failed for a passing reason is tried again at `retry_at`; a failed one with no `retry_at`
-- was given up.
CREATE TABLE review_dms (
    id               INTEGER PRIMARY KEY,
    guild_id         INTEGER NOT NULL,
    user_id          INTEGER NOT NULL,
    day              TEXT    NOT NULL,
    cards            INTEGER NOT NULL CHECK (cards >= 1),
    state            TEXT    NOT NULL CHECK (state IN ('claimed', 'sent', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 1,
    claimed_at       TEXT    NOT NULL,
    first_claimed_at TEXT    NOT NULL,
    owner            TEXT,
    retry_at         TEXT,
    message_id       INTEGER,
    error            TEXT,
    UNIQUE (guild_id, user_id, day),
    FOREIGN KEY (guild_id, user_id) REFERENCES members (guild_id, user_id) ON DELETE CASCADE
);
