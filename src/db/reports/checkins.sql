-- The group's check-ins (guild-scoped through the group; uses checkins_group_week).
SELECT c.user_id, c.week, c.status, c.hours, c.confidence, c.note, c.created_at, c.updated_at
FROM study_groups g
JOIN checkins c ON c.group_id = g.id AND c.guild_id = g.guild_id
WHERE g.guild_id = ?1 AND g.id = ?2
