-- "Partner unreachable" (the check-back's third button, or `/buddy rematch`): a member of an
-- open pair says they cannot reach the others. One report per pair. The others are asked in
-- the pair's thread to say they are there within 48 hours; without a word by `confirm_by`
-- the reporter is rematched with someone free (a new pair of the same round, `rematch_of` =
-- the reported pair, opened like a round's pair) or told that nobody is.
--
-- `outcome`: waiting, here (someone answered, or the pair met after all), rematched, nobody
-- (nobody free: told in the thread), lapsed (the round was over, or the reporter paused).
-- `confirm_by` is set only while waiting and `notice_due` only while a message is to be
-- posted in the thread (then a lease while it is being posted; `notice_claimed`: an attempt
-- was made, a later one looks for the message first): partial indexes, the job reads what is
-- due. `buddy_rounds.rematch_lease`: one process decides a round's rematches at a time.
CREATE TABLE buddy_reports (
    pair_id        INTEGER PRIMARY KEY REFERENCES buddy_pairs (id) ON DELETE CASCADE,
    guild_id       INTEGER NOT NULL,
    reporter_id    INTEGER NOT NULL,
    reported_at    TEXT    NOT NULL,
    outcome        TEXT    NOT NULL DEFAULT 'waiting'
                   CHECK (outcome IN ('waiting', 'here', 'rematched', 'nobody', 'lapsed')),
    confirm_by     TEXT,
    notice_due     TEXT,
    notice_claimed TEXT,
    FOREIGN KEY (guild_id, reporter_id) REFERENCES members (guild_id, user_id) ON DELETE CASCADE
);
CREATE INDEX buddy_reports_confirm ON buddy_reports (confirm_by) WHERE confirm_by IS NOT NULL;
CREATE INDEX buddy_reports_notice ON buddy_reports (notice_due) WHERE notice_due IS NOT NULL;

ALTER TABLE buddy_pairs ADD COLUMN rematch_of INTEGER;
CREATE INDEX buddy_pairs_rematch_pending ON buddy_pairs (id)
    WHERE rematch_of IS NOT NULL AND state IN ('new', 'claimed');
ALTER TABLE buddy_rounds ADD COLUMN rematch_lease TEXT;
