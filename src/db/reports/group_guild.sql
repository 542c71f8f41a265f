-- The guild a group belongs to: for the self-hoster's CLI only, which is not acting for a
-- Discord user. Everything else is then loaded with the guild-scoped queries.
SELECT guild_id FROM study_groups WHERE id = $1
