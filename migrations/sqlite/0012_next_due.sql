-- A tick costs what is due, not what exists: the scheduler keeps, per group and per server
-- digest, the next instant something may be due (set by the pure plan after each visit) and
-- reads only the rows due by now, through these indexes. NULL: nothing will be due until a
-- change (a paused or finished group). A change that can move what a group posts (its
-- schedule, calendar, pause, the server's reminder settings) sets the instant to the epoch
-- ("plan again at the next tick") and bumps `replan`, so a visit that began before the change
-- cannot overwrite it with an instant computed from the old state. An unfinished claim (a
-- process stopped mid-send) makes its group or digest due whatever the instant says.
ALTER TABLE study_groups ADD COLUMN next_due_at TEXT DEFAULT '1970-01-01T00:00:00+00:00';
ALTER TABLE study_groups ADD COLUMN replan INTEGER NOT NULL DEFAULT 0;
CREATE INDEX study_groups_next_due ON study_groups (next_due_at) WHERE next_due_at IS NOT NULL;
ALTER TABLE server_settings ADD COLUMN digest_due_at TEXT DEFAULT '1970-01-01T00:00:00+00:00';
ALTER TABLE server_settings ADD COLUMN digest_replan INTEGER NOT NULL DEFAULT 0;
CREATE INDEX server_settings_digest_due ON server_settings (digest_due_at) WHERE digest_due_at IS NOT NULL;
CREATE INDEX posts_claimed ON posts (group_id) WHERE state = 'claimed';
CREATE INDEX digests_claimed ON digests (guild_id) WHERE state = 'claimed';
