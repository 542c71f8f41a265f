-- See migrations/sqlite/0019_buddy_silence.sql.
ALTER TABLE buddy_rounds ADD COLUMN settled BIGINT NOT NULL DEFAULT 0 CHECK (settled IN (0, 1));
