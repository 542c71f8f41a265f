-- The group a report is about (guild-scoped).
SELECT g.id, g.name, g.path_id, g.start_date, g.weekday, g.post_time, g.timezone
FROM study_groups g
WHERE g.guild_id = ?1 AND g.id = ?2
