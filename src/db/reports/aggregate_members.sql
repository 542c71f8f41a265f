-- Every member of the group, and anyone with check-ins or ratings in it but no membership
-- (hand-edited data; they join at their first active week), with their check-ins of weeks
-- ?3..=?4 folded into bit masks (bit w - ?3: a check-in for week w; streak: done or partial),
-- hours and confidence. Guild-scoped through the group: the group row must match both ids.
WITH grp AS (SELECT g.id FROM study_groups g WHERE g.guild_id = ?1 AND g.id = ?2),
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
    SELECT a.user_id, NULL, MAX(MIN(a.week), 1)
    FROM activity a
    WHERE a.user_id NOT IN (SELECT user_id FROM known)
    GROUP BY a.user_id
),
marks AS (
    SELECT c.user_id,
           SUM(1 << (c.week - ?3)) AS checked,
           SUM(CASE WHEN c.status IN ('done', 'partial') THEN 1 << (c.week - ?3) ELSE 0 END) AS streak,
           TOTAL(c.hours) AS hours,
           SUM(c.confidence) AS confidence
    FROM grp JOIN checkins c ON c.group_id = grp.id
    WHERE c.week BETWEEN ?3 AND ?4
    GROUP BY c.user_id
)
SELECT p.user_id AS "user_id!: i64", p.display_name AS "display_name?: String", p.joined_week AS "joined_week!: i64",
       COALESCE(k.checked, 0) AS "checked!: i64", COALESCE(k.streak, 0) AS "streak!: i64",
       COALESCE(k.hours, 0.0) AS "hours!: f64", COALESCE(k.confidence, 0) AS "confidence!: i64"
FROM people p
LEFT JOIN marks k ON k.user_id = p.user_id
