-- Self-assessment ratings per week and question of $3..=$4: their sum and count.
-- Guild-scoped through the group (ratings primary key prefix).
SELECT r.week AS week, r.question AS question, CAST(SUM(r.rating) AS BIGINT) AS sum,
       COUNT(*) AS ratings
FROM study_groups g
JOIN ratings r ON r.group_id = g.id
WHERE g.guild_id = $1 AND g.id = $2 AND r.week BETWEEN $3 AND $4
GROUP BY r.week, r.question
