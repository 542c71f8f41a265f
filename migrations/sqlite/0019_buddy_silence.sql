-- A round's silence is settled once, when the next round is made: its members who neither
-- checked in for its week nor answered its check-back count one more silent round (two in a
-- row pause them, with a DM saying how to resume).
ALTER TABLE buddy_rounds ADD COLUMN settled INTEGER NOT NULL DEFAULT 0 CHECK (settled IN (0, 1));
