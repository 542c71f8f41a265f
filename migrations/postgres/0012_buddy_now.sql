-- See migrations/sqlite/0020_buddy_now.sql.
ALTER TABLE buddy_settings ADD COLUMN forced_session BIGINT CHECK (forced_session >= 0);
