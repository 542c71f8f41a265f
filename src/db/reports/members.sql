-- The group's members with their display names. Guild-scoped through the group: the group
-- row must match both ids; its memberships are reached by group_id (primary key prefix).
SELECT gm.user_id, m.display_name, gm.joined_week
FROM study_groups g
JOIN group_members gm ON gm.group_id = g.id
JOIN members m ON m.guild_id = gm.guild_id AND m.user_id = gm.user_id
WHERE g.guild_id = $1 AND g.id = $2
