-- The group's self-assessment ratings (guild-scoped through the group; uses the primary key).
SELECT r.user_id, r.week, r.question, r.rating
FROM study_groups g
JOIN ratings r ON r.group_id = g.id AND r.guild_id = g.guild_id
WHERE g.guild_id = ?1 AND g.id = ?2
