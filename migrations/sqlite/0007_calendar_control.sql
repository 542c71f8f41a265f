-- Calendar control (moderators): cadence, week marks and a log of every change.

-- Weeks from one session to the next: 1, 2 or 3.
ALTER TABLE study_groups ADD COLUMN every_weeks INTEGER NOT NULL DEFAULT 1 CHECK (every_weeks BETWEEN 1 AND 3);

-- From session `session` on, the curriculum continues at week `week`: a group started at
-- week N (session 0), a repeated week, a jump ahead or back. Only ever set on sessions that
-- have not started, so the week each past session held never changes.
CREATE TABLE week_marks (
    group_id   INTEGER NOT NULL REFERENCES study_groups (id) ON DELETE CASCADE,
    session    INTEGER NOT NULL CHECK (session >= 0),
    week       INTEGER NOT NULL CHECK (week >= 1),
    created_at TEXT    NOT NULL,
    PRIMARY KEY (group_id, session)
);

-- Every calendar change, shown in /group next and in reports. user_id is the moderator who
-- made it (cleared by their /forget-me).
CREATE TABLE calendar_log (
    id            INTEGER PRIMARY KEY,
    group_id      INTEGER NOT NULL REFERENCES study_groups (id) ON DELETE CASCADE,
    at            TEXT    NOT NULL,
    user_id       INTEGER,
    action        TEXT    NOT NULL CHECK (action IN ('start_at', 'repeat', 'jump', 'skip', 'unskip', 'pause', 'resume')),
    -- The first session it affects and its local date; a range (skip, pause until) ends before
    -- until_session. until_date is the last skipped date, or the date a pause ends.
    session       INTEGER NOT NULL CHECK (session >= 0),
    on_date       TEXT    NOT NULL,
    until_session INTEGER CHECK (until_session IS NULL OR until_session > session),
    until_date    TEXT,
    week          INTEGER CHECK (week IS NULL OR week >= 1)
);
CREATE INDEX calendar_log_group ON calendar_log (group_id, at);

-- A repeated week (or a jump back) posts the same week again at a later session: posts are
-- unique per group, kind and session only.
DROP INDEX posts_group_week;
CREATE INDEX posts_group_week ON posts (group_id, week) WHERE kind = 'week';
