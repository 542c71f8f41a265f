-- Spaced review of the self-assessment questions (see src/review.rs).
--
-- One card per (server, member, path, week, rated question). A member's first rating of a
-- question seeds it (the trigger below, in the rating's own statement, so a confirmed rating
-- always has its card; ratings stored before this migration are back-filled at the end). A
-- seeded card has no memory state yet (due_at NULL): the review-cards job schedules it
-- with FSRS (the first rating is its first review) once it knows the question's text, whose
-- hash it keeps; a card whose question changed retires. `group_id` is the group of the seed
-- (its calendar and timezone); deleting the group, the member or the server deletes the
-- card, and its log with it.
CREATE TABLE review_cards (
    id             INTEGER PRIMARY KEY,
    guild_id       INTEGER NOT NULL,
    user_id        INTEGER NOT NULL,
    group_id       INTEGER NOT NULL,
    path_id        TEXT    NOT NULL,
    week           INTEGER NOT NULL CHECK (week >= 1),
    question       INTEGER NOT NULL CHECK (question BETWEEN 0 AND 4),
    seed_rating    INTEGER NOT NULL CHECK (seed_rating BETWEEN 1 AND 5),
    rated_at       TEXT    NOT NULL,
    question_hash  TEXT,
    stability      REAL,
    difficulty     REAL,
    due_at         TEXT,
    last_review_at TEXT,
    reps           INTEGER NOT NULL DEFAULT 0,
    lapses         INTEGER NOT NULL DEFAULT 0,
    retired        INTEGER NOT NULL DEFAULT 0 CHECK (retired IN (0, 1)),
    UNIQUE (guild_id, user_id, path_id, week, question),
    FOREIGN KEY (group_id, guild_id) REFERENCES study_groups (id, guild_id) ON DELETE CASCADE,
    FOREIGN KEY (guild_id, user_id) REFERENCES members (guild_id, user_id) ON DELETE CASCADE
);
CREATE INDEX review_cards_due ON review_cards (guild_id, user_id, due_at) WHERE retired = 0 AND due_at IS NOT NULL;
CREATE INDEX review_cards_new ON review_cards (id) WHERE retired = 0 AND due_at IS NULL;
CREATE INDEX review_cards_group ON review_cards (group_id);

-- Every review (the seed included), so FSRS parameters can be fitted later.
CREATE TABLE review_log (
    id             INTEGER PRIMARY KEY,
    card_id        INTEGER NOT NULL REFERENCES review_cards (id) ON DELETE CASCADE,
    guild_id       INTEGER NOT NULL,
    user_id        INTEGER NOT NULL,
    at             TEXT    NOT NULL,
    grade          INTEGER NOT NULL CHECK (grade BETWEEN 1 AND 4),
    elapsed_days   INTEGER NOT NULL CHECK (elapsed_days >= 0),
    scheduled_days INTEGER NOT NULL CHECK (scheduled_days >= 0),
    source         TEXT    NOT NULL CHECK (source IN ('seed', 'review'))
);
CREATE INDEX review_log_card ON review_log (card_id);
CREATE INDEX review_log_member ON review_log (guild_id, user_id, at);

-- A server's desired retention in percent, 80 to 95 (NULL: the default, 90).
ALTER TABLE server_settings ADD COLUMN review_retention INTEGER CHECK (review_retention BETWEEN 80 AND 95);

CREATE TRIGGER ratings_seed_card AFTER INSERT ON ratings
BEGIN
    INSERT INTO review_cards (guild_id, user_id, group_id, path_id, week, question, seed_rating, rated_at)
    SELECT NEW.guild_id, NEW.user_id, NEW.group_id, g.path_id, NEW.week, NEW.question, NEW.rating, NEW.updated_at
    FROM study_groups g WHERE g.id = NEW.group_id
    ON CONFLICT DO NOTHING;
END;

-- The earliest rating of each question seeds its card.
INSERT INTO review_cards (guild_id, user_id, group_id, path_id, week, question, seed_rating, rated_at)
SELECT r.guild_id, r.user_id, r.group_id, g.path_id, r.week, r.question, r.rating, r.updated_at
FROM ratings r JOIN study_groups g ON g.id = r.group_id
WHERE true
ORDER BY r.updated_at, r.group_id
ON CONFLICT DO NOTHING;
