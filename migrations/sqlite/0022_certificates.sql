-- Certificates (`/certificate`): one per member and group, issued once the group's path is
-- finished and the member checked in for at least 70% of the held weeks since they joined.
-- What it says is stored as issued (names at the time), so `studybot verify CODE` reads it
-- back even after the group is deleted; the member's `/forget-me` deletes it (foreign key to
-- `members`). `code` is random (the verification code printed on it).
CREATE TABLE certificates (
    code             TEXT    PRIMARY KEY,
    guild_id         INTEGER NOT NULL,
    user_id          INTEGER NOT NULL,
    group_id         INTEGER NOT NULL,
    display_name     TEXT    NOT NULL,
    group_name       TEXT    NOT NULL,
    path_name        TEXT    NOT NULL,
    path_weeks       INTEGER NOT NULL CHECK (path_weeks >= 1),
    server_name      TEXT    NOT NULL,
    first_week       INTEGER NOT NULL CHECK (first_week >= 1),
    started_on       TEXT    NOT NULL,
    finished_on      TEXT    NOT NULL,
    weeks_checked_in INTEGER NOT NULL CHECK (weeks_checked_in >= 0),
    weeks_held       INTEGER NOT NULL CHECK (weeks_held >= 1),
    issued_at        TEXT    NOT NULL,
    UNIQUE (group_id, user_id),
    FOREIGN KEY (guild_id, user_id) REFERENCES members (guild_id, user_id) ON DELETE CASCADE
);
