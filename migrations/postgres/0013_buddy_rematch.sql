-- "Partner unreachable": see migrations/sqlite/0021_buddy_rematch.sql.
CREATE TABLE buddy_reports (
    pair_id        BIGINT      PRIMARY KEY REFERENCES buddy_pairs (id) ON DELETE CASCADE,
    guild_id       BIGINT      NOT NULL,
    reporter_id    BIGINT      NOT NULL,
    reported_at    TIMESTAMPTZ NOT NULL,
    outcome        TEXT        NOT NULL DEFAULT 'waiting'
                   CHECK (outcome IN ('waiting', 'here', 'rematched', 'nobody', 'lapsed')),
    confirm_by     TIMESTAMPTZ,
    notice_due     TIMESTAMPTZ,
    notice_claimed TIMESTAMPTZ,
    FOREIGN KEY (guild_id, reporter_id) REFERENCES members (guild_id, user_id) ON DELETE CASCADE
);
CREATE INDEX buddy_reports_confirm ON buddy_reports (confirm_by) WHERE confirm_by IS NOT NULL;
CREATE INDEX buddy_reports_notice ON buddy_reports (notice_due) WHERE notice_due IS NOT NULL;

ALTER TABLE buddy_pairs ADD COLUMN rematch_of BIGINT;
CREATE INDEX buddy_pairs_rematch_pending ON buddy_pairs (id)
    WHERE rematch_of IS NOT NULL AND state IN ('new', 'claimed');
ALTER TABLE buddy_rounds ADD COLUMN rematch_lease TIMESTAMPTZ;
