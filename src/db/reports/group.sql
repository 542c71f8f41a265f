-- The group a report is about (guild-scoped).
SELECT g.id, g.guild_id, g.name, g.channel_id, g.path_id, g.start_date, g.weekday, g.post_time, g.timezone,
       g.mention_role_id, g.paused, g.last_error, g.last_error_at AS last_error_at,
       g.live_since AS live_since, g.every_weeks
FROM study_groups g
WHERE g.guild_id = $1 AND g.id = $2
