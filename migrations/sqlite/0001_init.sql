-- studybot schema. Discord snowflakes (u64) are stored in INTEGER (i64) columns by
-- reinterpreting their bits (see src/db/mod.rs: to_db/from_db), so they round-trip exactly.
-- Every table carries guild_id (directly or through its group) so each query is scoped by server.

CREATE TABLE study_groups (
    id              INTEGER PRIMARY KEY,
    guild_id        INTEGER NOT NULL,
    name            TEXT    NOT NULL CHECK (length(name) BETWEEN 1 AND 50),
    channel_id      INTEGER NOT NULL,
    path_id         TEXT    NOT NULL,
    -- Local date from which sessions start; the first session is the first `weekday` on or after it.
    start_date      TEXT    NOT NULL,
    -- 0 = Monday ... 6 = Sunday
    weekday         INTEGER NOT NULL CHECK (weekday BETWEEN 0 AND 6),
    -- Local wall-clock time of the weekly post, HH:MM
    post_time       TEXT    NOT NULL,
    timezone        TEXT    NOT NULL,
    mention_role_id INTEGER,
    paused          INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
    -- Last delivery failure (channel deleted, missing permission...), shown in /group list.
    last_error      TEXT,
    last_error_at   TEXT,
    created_by      INTEGER NOT NULL,
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL,
    UNIQUE (guild_id, name)
);
CREATE INDEX study_groups_guild ON study_groups (guild_id);

-- Sessions that do not advance the curriculum: a skipped week (one session) or a pause
-- (from a session until the session at which the group resumed; NULL while still paused).
-- Sessions are numbered from 0: session k is the k-th weekly slot after the start date.
CREATE TABLE group_breaks (
    id           INTEGER PRIMARY KEY,
    group_id     INTEGER NOT NULL REFERENCES study_groups (id) ON DELETE CASCADE,
    kind         TEXT    NOT NULL CHECK (kind IN ('skip', 'pause')),
    from_session INTEGER NOT NULL CHECK (from_session >= 0),
    to_session   INTEGER CHECK (to_session IS NULL OR to_session > from_session),
    created_at   TEXT    NOT NULL
);
CREATE INDEX group_breaks_group ON group_breaks (group_id);

CREATE TABLE members (
    guild_id     INTEGER NOT NULL,
    user_id      INTEGER NOT NULL,
    display_name TEXT    NOT NULL,
    -- Opted in to reminder DMs with /remind on
    remind_dm    INTEGER NOT NULL DEFAULT 0 CHECK (remind_dm IN (0, 1)),
    created_at   TEXT    NOT NULL,
    PRIMARY KEY (guild_id, user_id)
);

-- A member belongs to a group from the week of their first check-in or rating on.
CREATE TABLE group_members (
    group_id    INTEGER NOT NULL REFERENCES study_groups (id) ON DELETE CASCADE,
    guild_id    INTEGER NOT NULL,
    user_id     INTEGER NOT NULL,
    joined_week INTEGER NOT NULL CHECK (joined_week >= 1),
    joined_at   TEXT    NOT NULL,
    PRIMARY KEY (group_id, user_id),
    FOREIGN KEY (guild_id, user_id) REFERENCES members (guild_id, user_id) ON DELETE CASCADE
);
CREATE INDEX group_members_member ON group_members (guild_id, user_id);

-- One check-in per member per group-week; a second check-in updates the row.
CREATE TABLE checkins (
    id         INTEGER PRIMARY KEY,
    group_id   INTEGER NOT NULL REFERENCES study_groups (id) ON DELETE CASCADE,
    guild_id   INTEGER NOT NULL,
    user_id    INTEGER NOT NULL,
    week       INTEGER NOT NULL CHECK (week >= 1),
    status     TEXT    NOT NULL CHECK (status IN ('done', 'partial', 'skipped')),
    hours      REAL    NOT NULL CHECK (hours >= 0 AND hours <= 168),
    confidence INTEGER NOT NULL CHECK (confidence BETWEEN 1 AND 5),
    note       TEXT    CHECK (note IS NULL OR length(note) <= 500),
    created_at TEXT    NOT NULL,
    updated_at TEXT    NOT NULL,
    UNIQUE (group_id, user_id, week),
    FOREIGN KEY (guild_id, user_id) REFERENCES members (guild_id, user_id) ON DELETE CASCADE
);
CREATE INDEX checkins_member ON checkins (guild_id, user_id);
CREATE INDEX checkins_group_week ON checkins (group_id, week);

-- Self-assessment: one rating (1-5) per member, group-week and question (0-based index).
CREATE TABLE ratings (
    group_id   INTEGER NOT NULL REFERENCES study_groups (id) ON DELETE CASCADE,
    guild_id   INTEGER NOT NULL,
    user_id    INTEGER NOT NULL,
    week       INTEGER NOT NULL CHECK (week >= 1),
    question   INTEGER NOT NULL CHECK (question BETWEEN 0 AND 4),
    rating     INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    updated_at TEXT    NOT NULL,
    PRIMARY KEY (group_id, user_id, week, question),
    FOREIGN KEY (guild_id, user_id) REFERENCES members (guild_id, user_id) ON DELETE CASCADE
);
CREATE INDEX ratings_member ON ratings (guild_id, user_id);

-- Posts the scheduler made or is making. A row is claimed before sending and completed
-- after; the unique keys make every post happen at most once per group and session.
CREATE TABLE posts (
    id         INTEGER PRIMARY KEY,
    group_id   INTEGER NOT NULL REFERENCES study_groups (id) ON DELETE CASCADE,
    session    INTEGER NOT NULL CHECK (session >= 0),
    kind       TEXT    NOT NULL CHECK (kind IN ('week', 'skip', 'closing', 'reminder')),
    week       INTEGER,
    -- Sent as Discord's message nonce with enforce_nonce, so a retry cannot duplicate.
    nonce      TEXT    NOT NULL,
    state      TEXT    NOT NULL CHECK (state IN ('claimed', 'sent', 'failed')),
    attempts   INTEGER NOT NULL DEFAULT 0,
    message_id INTEGER,
    thread_id  INTEGER,
    error      TEXT,
    claimed_at TEXT    NOT NULL,
    sent_at    TEXT,
    UNIQUE (group_id, kind, session)
);
CREATE UNIQUE INDEX posts_group_week ON posts (group_id, week) WHERE kind = 'week';
CREATE UNIQUE INDEX posts_group_closing ON posts (group_id) WHERE kind = 'closing';
CREATE INDEX posts_state ON posts (state);
