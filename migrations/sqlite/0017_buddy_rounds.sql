-- Study-buddy rounds (see src/scheduler/buddies.rs).
--
-- `next_round_at`: when the group's next round is due (the start of its next round session),
-- served by a partial index: the job reads what is due.
ALTER TABLE buddy_settings ADD COLUMN next_round_at TEXT;
CREATE INDEX buddy_settings_due ON buddy_settings (next_round_at) WHERE next_round_at IS NOT NULL;

-- One round per group and session (the unique key: one process matches it, once), with its
-- pairs (and trio): each an outbox item, claimed before its private thread is opened, then
-- `open` with the thread's id once its members are in and the opening message is posted.
CREATE TABLE buddy_rounds (
    id       INTEGER PRIMARY KEY,
    group_id INTEGER NOT NULL,
    guild_id INTEGER NOT NULL,
    session  INTEGER NOT NULL CHECK (session >= 0),
    week     INTEGER NOT NULL CHECK (week >= 1),
    made_at  TEXT    NOT NULL,
    UNIQUE (group_id, session),
    FOREIGN KEY (group_id, guild_id) REFERENCES study_groups (id, guild_id) ON DELETE CASCADE
);

CREATE TABLE buddy_pairs (
    id         INTEGER PRIMARY KEY,
    round_id   INTEGER NOT NULL REFERENCES buddy_rounds (id) ON DELETE CASCADE,
    guild_id   INTEGER NOT NULL,
    idx        INTEGER NOT NULL CHECK (idx >= 0),
    proposer   INTEGER NOT NULL,
    thread_id  INTEGER,
    state      TEXT    NOT NULL DEFAULT 'new' CHECK (state IN ('new', 'claimed', 'open', 'failed')),
    claimed_at TEXT,
    owner      TEXT,
    error      TEXT,
    UNIQUE (round_id, idx)
);

CREATE TABLE buddy_pair_members (
    pair_id  INTEGER NOT NULL REFERENCES buddy_pairs (id) ON DELETE CASCADE,
    guild_id INTEGER NOT NULL,
    user_id  INTEGER NOT NULL,
    PRIMARY KEY (pair_id, user_id),
    FOREIGN KEY (guild_id, user_id) REFERENCES members (guild_id, user_id) ON DELETE CASCADE
);
CREATE INDEX buddy_pair_members_member ON buddy_pair_members (guild_id, user_id);
