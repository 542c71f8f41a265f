-- The group's self-assessment ratings. Guild-scoped through the group: the group row must
-- match both ids; its ratings are reached by group_id (primary key prefix).
SELECT r.user_id, r.week, r.question, r.rating
FROM study_groups g
JOIN ratings r ON r.group_id = g.id
WHERE g.guild_id = $1 AND g.id = $2
