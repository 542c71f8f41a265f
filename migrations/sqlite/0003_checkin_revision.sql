-- How often a check-in was replaced (0: as first stored). The check-in upsert returns it, so
-- the reply can say "Updated" without a second query.
ALTER TABLE checkins ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
