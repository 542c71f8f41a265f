-- Certificates: see migrations/sqlite/0022_certificates.sql.
CREATE TABLE certificates (
    code             TEXT        PRIMARY KEY,
    guild_id         BIGINT      NOT NULL,
    user_id          BIGINT      NOT NULL,
    group_id         BIGINT      NOT NULL,
    display_name     TEXT        NOT NULL,
    group_name       TEXT        NOT NULL,
    path_name        TEXT        NOT NULL,
    path_weeks       BIGINT      NOT NULL CHECK (path_weeks >= 1),
    server_name      TEXT        NOT NULL,
    first_week       BIGINT      NOT NULL CHECK (first_week >= 1),
    started_on       TEXT        NOT NULL,
    finished_on      TEXT        NOT NULL,
    weeks_checked_in BIGINT      NOT NULL CHECK (weeks_checked_in >= 0),
    weeks_held       BIGINT      NOT NULL CHECK (weeks_held >= 1),
    issued_at        TIMESTAMPTZ NOT NULL,
    UNIQUE (group_id, user_id),
    FOREIGN KEY (guild_id, user_id) REFERENCES members (guild_id, user_id) ON DELETE CASCADE
);
