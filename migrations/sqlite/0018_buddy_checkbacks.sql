-- The mid-round check-back of each open pair (its thread gets "We met" / "Not yet" buttons
-- halfway to the next session): `checkback_due` is when it is due, then a lease while it is
-- being posted (partial index: the job reads what is due); `checkback_claimed` is set by the
-- first attempt (a later one looks for the posted message first). Members' answers are kept
-- per pair: a pair met when one of them says so.
ALTER TABLE buddy_pairs ADD COLUMN checkback_due TEXT;
ALTER TABLE buddy_pairs ADD COLUMN checkback_claimed TEXT;
CREATE INDEX buddy_pairs_checkback ON buddy_pairs (checkback_due) WHERE checkback_due IS NOT NULL;

CREATE TABLE buddy_answers (
    pair_id  INTEGER NOT NULL REFERENCES buddy_pairs (id) ON DELETE CASCADE,
    guild_id INTEGER NOT NULL,
    user_id  INTEGER NOT NULL,
    met      INTEGER NOT NULL CHECK (met IN (0, 1)),
    at       TEXT    NOT NULL,
    PRIMARY KEY (pair_id, user_id),
    FOREIGN KEY (guild_id, user_id) REFERENCES members (guild_id, user_id) ON DELETE CASCADE
);
