-- Keys that enforce guild scoping: a group member, check-in, rating, away period or skill
-- rating always belongs to a group of the same server as its member. Rows breaking this
-- stop the migration with the check below naming the problem (none are expected: every
-- statement of the bot scopes by guild), so the data can be inspected before anything moves.
CREATE TEMP TABLE scoping_check (
    rows_pairing_a_group_with_another_servers_member INTEGER
        CHECK (rows_pairing_a_group_with_another_servers_member = 0)
);
INSERT INTO scoping_check
SELECT (SELECT COUNT(*) FROM group_members x JOIN study_groups g ON g.id = x.group_id WHERE g.guild_id != x.guild_id)
     + (SELECT COUNT(*) FROM checkins x JOIN study_groups g ON g.id = x.group_id WHERE g.guild_id != x.guild_id)
     + (SELECT COUNT(*) FROM ratings x JOIN study_groups g ON g.id = x.group_id WHERE g.guild_id != x.guild_id)
     + (SELECT COUNT(*) FROM away x JOIN study_groups g ON g.id = x.group_id WHERE g.guild_id != x.guild_id)
     + (SELECT COUNT(*) FROM skill_ratings x JOIN study_groups g ON g.id = x.group_id WHERE g.guild_id != x.guild_id);
DROP TABLE scoping_check;

CREATE UNIQUE INDEX study_groups_id_guild ON study_groups (id, guild_id);

CREATE TABLE group_members_new (
    group_id    INTEGER NOT NULL,
    guild_id    INTEGER NOT NULL,
    user_id     INTEGER NOT NULL,
    joined_week INTEGER NOT NULL CHECK (joined_week >= 1),
    joined_at   TEXT    NOT NULL,
    PRIMARY KEY (group_id, user_id),
    FOREIGN KEY (group_id, guild_id) REFERENCES study_groups (id, guild_id) ON DELETE CASCADE,
    FOREIGN KEY (guild_id, user_id) REFERENCES members (guild_id, user_id) ON DELETE CASCADE
);
INSERT INTO group_members_new SELECT * FROM group_members;
DROP TABLE group_members;
ALTER TABLE group_members_new RENAME TO group_members;
CREATE INDEX group_members_member ON group_members (guild_id, user_id);

CREATE TABLE checkins_new (
    id         INTEGER PRIMARY KEY,
    group_id   INTEGER NOT NULL,
    guild_id   INTEGER NOT NULL,
    user_id    INTEGER NOT NULL,
    week       INTEGER NOT NULL CHECK (week >= 1),
    status     TEXT    NOT NULL CHECK (status IN ('done', 'partial', 'skipped')),
    hours      REAL    NOT NULL CHECK (hours >= 0 AND hours <= 168),
    confidence INTEGER NOT NULL CHECK (confidence BETWEEN 1 AND 5),
    note       TEXT    CHECK (note IS NULL OR length(note) <= 500),
    created_at TEXT    NOT NULL,
    updated_at TEXT    NOT NULL,
    revision   INTEGER NOT NULL DEFAULT 0,
    UNIQUE (group_id, user_id, week),
    FOREIGN KEY (group_id, guild_id) REFERENCES study_groups (id, guild_id) ON DELETE CASCADE,
    FOREIGN KEY (guild_id, user_id) REFERENCES members (guild_id, user_id) ON DELETE CASCADE
);
INSERT INTO checkins_new SELECT * FROM checkins;
DROP TABLE checkins;
ALTER TABLE checkins_new RENAME TO checkins;
CREATE INDEX checkins_member ON checkins (guild_id, user_id);
CREATE INDEX checkins_group_week ON checkins (group_id, week);

CREATE TABLE ratings_new (
    group_id   INTEGER NOT NULL,
    guild_id   INTEGER NOT NULL,
    user_id    INTEGER NOT NULL,
    week       INTEGER NOT NULL CHECK (week >= 1),
    question   INTEGER NOT NULL CHECK (question BETWEEN 0 AND 4),
    rating     INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    updated_at TEXT    NOT NULL,
    PRIMARY KEY (group_id, user_id, week, question),
    FOREIGN KEY (group_id, guild_id) REFERENCES study_groups (id, guild_id) ON DELETE CASCADE,
    FOREIGN KEY (guild_id, user_id) REFERENCES members (guild_id, user_id) ON DELETE CASCADE
);
INSERT INTO ratings_new SELECT * FROM ratings;
DROP TABLE ratings;
ALTER TABLE ratings_new RENAME TO ratings;
CREATE INDEX ratings_member ON ratings (guild_id, user_id);

CREATE TABLE away_new (
    group_id   INTEGER NOT NULL,
    guild_id   INTEGER NOT NULL,
    user_id    INTEGER NOT NULL,
    from_date  TEXT    NOT NULL,
    to_date    TEXT    NOT NULL CHECK (to_date >= from_date),
    created_at TEXT    NOT NULL,
    PRIMARY KEY (group_id, user_id),
    FOREIGN KEY (group_id, guild_id) REFERENCES study_groups (id, guild_id) ON DELETE CASCADE,
    FOREIGN KEY (guild_id, user_id) REFERENCES members (guild_id, user_id) ON DELETE CASCADE
);
INSERT INTO away_new SELECT * FROM away;
DROP TABLE away;
ALTER TABLE away_new RENAME TO away;

CREATE TABLE skill_ratings_new (
    group_id   INTEGER NOT NULL,
    guild_id   INTEGER NOT NULL,
    user_id    INTEGER NOT NULL,
    skill      INTEGER NOT NULL CHECK (skill BETWEEN 0 AND 99),
    rating     INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    updated_at TEXT    NOT NULL,
    PRIMARY KEY (group_id, user_id, skill),
    FOREIGN KEY (group_id, guild_id) REFERENCES study_groups (id, guild_id) ON DELETE CASCADE,
    FOREIGN KEY (guild_id, user_id) REFERENCES members (guild_id, user_id) ON DELETE CASCADE
);
INSERT INTO skill_ratings_new SELECT * FROM skill_ratings;
DROP TABLE skill_ratings;
ALTER TABLE skill_ratings_new RENAME TO skill_ratings;

-- Servers that removed the bot (a GUILD_DELETE that is not an outage): their data is purged
-- once the grace period after removed_at has passed, unless the bot is added back first.
CREATE TABLE removed_servers (
    guild_id   INTEGER PRIMARY KEY,
    removed_at TEXT    NOT NULL
);
