-- The mid-round check-back: see migrations/sqlite/0018_buddy_checkbacks.sql.
ALTER TABLE buddy_pairs ADD COLUMN checkback_due TIMESTAMPTZ;
ALTER TABLE buddy_pairs ADD COLUMN checkback_claimed TIMESTAMPTZ;
CREATE INDEX buddy_pairs_checkback ON buddy_pairs (checkback_due) WHERE checkback_due IS NOT NULL;

CREATE TABLE buddy_answers (
    pair_id  BIGINT      NOT NULL REFERENCES buddy_pairs (id) ON DELETE CASCADE,
    guild_id BIGINT      NOT NULL,
    user_id  BIGINT      NOT NULL,
    met      BIGINT      NOT NULL CHECK (met IN (0, 1)),
    at       TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (pair_id, user_id),
    FOREIGN KEY (guild_id, user_id) REFERENCES members (guild_id, user_id) ON DELETE CASCADE
);
