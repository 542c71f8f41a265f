-- Every member of the group, and anyone with check-ins or ratings in it but no membership
-- (hand-edited data; they join at their first active week), with their check-ins of weeks
-- $3..=$4 folded into bit masks (bit w - $3: a check-in for week w; streak: done or partial),
-- hours and confidence. Guild-scoped through the group: the group row must match both ids.
WITH grp AS (SELECT g.id FROM study_groups g WHERE g.guild_id = $1 AND g.id = $2),
known AS (
    SELECT gm.user_id, m.display_name, gm.joined_week
    FROM grp
    JOIN group_members gm ON gm.group_id = grp.id
    JOIN members m ON m.guild_id = gm.guild_id AND m.user_id = gm.user_id
),
activity AS (
    SELECT c.user_id, c.week FROM grp JOIN checkins c ON c.group_id = grp.id
    UNION ALL
    SELECT r.user_id, r.week FROM grp JOIN ratings r ON r.group_id = grp.id
),
people AS (
    SELECT user_id, display_name, joined_week FROM known
    UNION ALL
    SELECT a.user_id, NULL, CASE WHEN MIN(a.week) > 1 THEN MIN(a.week) ELSE 1 END
    FROM activity a
    WHERE a.user_id NOT IN (SELECT user_id FROM known)
    GROUP BY a.user_id
),
marks AS (
    SELECT c.user_id,
           CAST(SUM(CAST(1 AS BIGINT) << CAST(c.week - $3 AS INTEGER)) AS BIGINT) AS checked,
           CAST(SUM(CASE WHEN c.status IN ('done', 'partial') THEN CAST(1 AS BIGINT) << CAST(c.week - $3 AS INTEGER)
                         ELSE 0 END) AS BIGINT) AS streak,
           SUM(c.hours) AS hours,
           CAST(SUM(c.confidence) AS BIGINT) AS confidence
    FROM grp JOIN checkins c ON c.group_id = grp.id
    WHERE c.week BETWEEN $3 AND $4
    GROUP BY c.user_id
)
SELECT p.user_id AS user_id, p.display_name AS display_name, p.joined_week AS joined_week,
       COALESCE(k.checked, 0) AS checked, COALESCE(k.streak, 0) AS streak,
       COALESCE(k.hours, CAST(0 AS DOUBLE PRECISION)) AS hours, COALESCE(k.confidence, 0) AS confidence
FROM people p
LEFT JOIN marks k ON k.user_id = p.user_id
