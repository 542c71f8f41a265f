-- The group's check-ins. Guild-scoped through the group: the group row must match both ids;
-- its check-ins are reached by group_id (index checkins_group_week).
SELECT c.id, c.user_id, c.week, c.status, c.hours, c.confidence, c.note,
       c.created_at AS created_at, c.updated_at AS updated_at
FROM study_groups g
JOIN checkins c ON c.group_id = g.id
WHERE g.guild_id = $1 AND g.id = $2
