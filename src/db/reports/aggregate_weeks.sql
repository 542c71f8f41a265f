-- Check-ins per week of $3..=$4: count, hours and the sum of confidences. Guild-scoped
-- through the group (index checkins_group_week).
SELECT c.week AS week, COUNT(*) AS checkins, COALESCE(SUM(c.hours), CAST(0 AS DOUBLE PRECISION)) AS hours,
       CAST(SUM(c.confidence) AS BIGINT) AS confidence
FROM study_groups g
JOIN checkins c ON c.group_id = g.id
WHERE g.guild_id = $1 AND g.id = $2 AND c.week BETWEEN $3 AND $4
GROUP BY c.week
