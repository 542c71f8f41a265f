-- Sessions whose whole post slot fell into an outage of the bot ("missed by the bot"): the
-- week was never posted, so it is not a held week for streaks, at-risk lists or check-in
-- rates. The next weekly post names it once (announced_in).
CREATE TABLE missed_sessions (
    group_id     INTEGER NOT NULL REFERENCES study_groups (id) ON DELETE CASCADE,
    session      INTEGER NOT NULL CHECK (session >= 0),
    week         INTEGER NOT NULL CHECK (week >= 1),
    due_at       TEXT    NOT NULL,
    detected_at  TEXT    NOT NULL,
    announced_in INTEGER REFERENCES posts (id) ON DELETE SET NULL,
    PRIMARY KEY (group_id, session)
);

-- Reminder DMs, claimed before they are sent: a crash between sending one and recording it
-- never sends it again (at most once per member and reminder).
CREATE TABLE reminder_dms (
    post_id    INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL,
    state      TEXT    NOT NULL CHECK (state IN ('claimed', 'sent', 'failed')),
    claimed_at TEXT    NOT NULL,
    PRIMARY KEY (post_id, user_id)
);

-- When a post was first claimed (claimed_at moves with every attempt): a retry long after it,
-- beyond the few minutes Discord honours a nonce for, first looks for the earlier message.
ALTER TABLE posts ADD COLUMN first_claimed_at TEXT NOT NULL DEFAULT '1970-01-01T00:00:00+00:00';
UPDATE posts SET first_claimed_at = claimed_at;
