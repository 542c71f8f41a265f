-- `/group buddies now`: a round for the session in progress even when the cadence gives it
-- none (the job treats this session as a round session).
ALTER TABLE buddy_settings ADD COLUMN forced_session INTEGER CHECK (forced_session >= 0);
