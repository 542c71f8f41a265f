-- When a group last went live: created, or resumed after a pause. A reminder whose own time
-- lies before this is never sent (nobody had been told of the group then). Existing groups
-- count as live since their creation.
ALTER TABLE study_groups ADD COLUMN live_since TEXT NOT NULL DEFAULT '1970-01-01T00:00:00+00:00';
UPDATE study_groups SET live_since = created_at;
