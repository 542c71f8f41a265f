-- The group's skipped weeks and pauses. Guild-scoped through the group: the group row must
-- match both ids.
SELECT b.id, b.kind, b.from_session, b.to_session
FROM study_groups g
JOIN group_breaks b ON b.group_id = g.id
WHERE g.guild_id = $1 AND g.id = $2
ORDER BY b.from_session
