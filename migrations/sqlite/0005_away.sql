-- A member away from a group for a range of dates (their local calendar days): the weeks
-- whose sessions fall in it do not break their streak, do not count as missed or at-risk,
-- and get no reminder DM. One range per member and group; a new one replaces it.
CREATE TABLE away (
    group_id   INTEGER NOT NULL REFERENCES study_groups (id) ON DELETE CASCADE,
    guild_id   INTEGER NOT NULL,
    user_id    INTEGER NOT NULL,
    from_date  TEXT    NOT NULL,
    to_date    TEXT    NOT NULL CHECK (to_date >= from_date),
    created_at TEXT    NOT NULL,
    PRIMARY KEY (group_id, user_id),
    FOREIGN KEY (guild_id, user_id) REFERENCES members (guild_id, user_id) ON DELETE CASCADE
);
