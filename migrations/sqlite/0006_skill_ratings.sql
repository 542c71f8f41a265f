-- Self-ratings on a path's end-of-path skills checklist (`[[assessment]]`), 1 to 5. `skill`
-- numbers the checklist's skills from 0 across all its areas, in order.
CREATE TABLE skill_ratings (
    group_id   INTEGER NOT NULL REFERENCES study_groups (id) ON DELETE CASCADE,
    guild_id   INTEGER NOT NULL,
    user_id    INTEGER NOT NULL,
    skill      INTEGER NOT NULL CHECK (skill BETWEEN 0 AND 99),
    rating     INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    updated_at TEXT    NOT NULL,
    PRIMARY KEY (group_id, user_id, skill),
    FOREIGN KEY (guild_id, user_id) REFERENCES members (guild_id, user_id) ON DELETE CASCADE
);
