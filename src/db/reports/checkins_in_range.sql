-- The check-ins of weeks $3..=$4 by week, for the raw CSV, which is streamed: rows are read
-- one at a time and never collected. Guild-scoped through the group.
SELECT c.id, c.user_id, c.week, c.status, c.hours, c.confidence, c.note,
       c.created_at AS created_at, c.updated_at AS updated_at
FROM study_groups g
JOIN checkins c ON c.group_id = g.id
WHERE g.guild_id = $1 AND g.id = $2 AND c.week BETWEEN $3 AND $4
ORDER BY c.week
