-- A reminder DM that failed for a passing reason (Discord busy, opening DMs too fast) is
-- tried again at `retry_at`, a few times (`attempts`), with the same nonce; `retry_at` is
-- NULL for one that is sent, given up, or being sent.
ALTER TABLE reminder_dms ADD COLUMN attempts BIGINT NOT NULL DEFAULT 1;
ALTER TABLE reminder_dms ADD COLUMN retry_at TIMESTAMPTZ;
CREATE INDEX reminder_dms_retry ON reminder_dms (retry_at) WHERE retry_at IS NOT NULL;
