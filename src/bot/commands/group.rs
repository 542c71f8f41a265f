//! `/group ...`: moderators create and manage study groups.

use crate::bot::flows::{self, resolve_group};
use crate::bot::{BotError, Context, guild_of, moderator, reply};
use crate::db::groups as db;
use crate::groups::{self, GroupInput, GroupView};
use crate::ids::CustomId;
use crate::weeks::Standing;
use chrono::Weekday;
use poise::CreateReply;
use poise::serenity_prelude as serenity;
use serenity::{AutocompleteChoice, CreateAutocompleteResponse, CreateEmbed, Permissions};

#[derive(Debug, Clone, Copy, poise::ChoiceParameter)]
pub enum WeekdayChoice {
    Monday,
    Tuesday,
    Wednesday,
    Thursday,
    Friday,
    Saturday,
    Sunday,
}

impl From<WeekdayChoice> for Weekday {
    fn from(w: WeekdayChoice) -> Self {
        match w {
            WeekdayChoice::Monday => Weekday::Mon,
            WeekdayChoice::Tuesday => Weekday::Tue,
            WeekdayChoice::Wednesday => Weekday::Wed,
            WeekdayChoice::Thursday => Weekday::Thu,
            WeekdayChoice::Friday => Weekday::Fri,
            WeekdayChoice::Saturday => Weekday::Sat,
            WeekdayChoice::Sunday => Weekday::Sun,
        }
    }
}

/// Study groups: create, edit, pause, skip weeks and more (moderators).
#[poise::command(
    slash_command,
    guild_only,
    default_member_permissions = "MANAGE_GUILD",
    subcommands("create", "edit", "list", "pause", "resume", "skip", "post_now", "next", "delete"),
    subcommand_required
)]
pub async fn group(_ctx: Context<'_>) -> Result<(), BotError> {
    Ok(())
}

pub async fn autocomplete_group(ctx: Context<'_>, partial: &str) -> CreateAutocompleteResponse {
    let Some(guild) = ctx.guild_id() else {
        return CreateAutocompleteResponse::new();
    };
    let partial = partial.to_lowercase();
    let choices = db::list(&ctx.data().db, guild.get())
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|g| g.name.to_lowercase().contains(&partial))
        .take(25)
        .map(|g| AutocompleteChoice::new(g.name, g.id.to_string()))
        .collect();
    CreateAutocompleteResponse::new().set_choices(choices)
}

async fn autocomplete_path(ctx: Context<'_>, partial: &str) -> CreateAutocompleteResponse {
    let partial = partial.to_lowercase();
    let choices = ctx
        .data()
        .curriculum
        .paths
        .iter()
        .filter(|p| p.path.id.contains(&partial) || p.path.name.to_lowercase().contains(&partial))
        .take(25)
        .map(|p| AutocompleteChoice::new(format!("{} ({} weeks)", p.path.name, p.weeks.len()), p.path.id.clone()))
        .collect();
    CreateAutocompleteResponse::new().set_choices(choices)
}

pub async fn autocomplete_timezone(_ctx: Context<'_>, partial: &str) -> CreateAutocompleteResponse {
    let choices =
        groups::timezone_suggestions(partial, 25).into_iter().map(|n| AutocompleteChoice::new(n, n)).collect();
    CreateAutocompleteResponse::new().set_choices(choices)
}

/// Checks that the bot can see and post in `channel` (when the server is cached).
async fn check_channel(ctx: Context<'_>, channel: serenity::ChannelId) -> Result<(), BotError> {
    let Some(guild_id) = ctx.guild_id() else {
        return Ok(());
    };
    let bot_id = ctx.framework().bot_id();
    let member = match guild_id.member(ctx, bot_id).await {
        Ok(m) => m,
        Err(e) => {
            tracing::warn!("cannot fetch the bot's member to check channel permissions: {e}");
            return Ok(());
        }
    };
    let missing = {
        let Some(g) = ctx.guild() else {
            return Ok(());
        };
        let Some(ch) = g.channels.get(&channel) else {
            return Err(BotError::user(format!("I can't see <#{channel}>. Pick a text channel I have access to.")));
        };
        if !matches!(ch.kind, serenity::ChannelType::Text | serenity::ChannelType::News) {
            return Err(BotError::user(format!("<#{channel}> is not a text channel.")));
        }
        let perms = g.user_permissions_in(ch, &member);
        let needed = [
            (Permissions::VIEW_CHANNEL, "View Channel"),
            (Permissions::SEND_MESSAGES, "Send Messages"),
            (Permissions::EMBED_LINKS, "Embed Links"),
        ];
        needed.iter().filter(|(p, _)| !perms.contains(*p)).map(|(_, n)| *n).collect::<Vec<_>>()
    };
    if missing.is_empty() {
        Ok(())
    } else {
        Err(BotError::user(format!(
            "I can't post in <#{channel}>: I am missing {}. Give me those permissions there, or pick another channel.",
            missing.join(", ")
        )))
    }
}

/// A one-line description of a group's schedule and state.
pub fn describe(ctx: &Context<'_>, v: &GroupView) -> String {
    let now = ctx.data().now();
    let path = v.path(&ctx.data().curriculum).map(|p| p.path.name.clone()).unwrap_or_else(|| v.row.path_id.clone());
    let when = format!("{}s at {} ({})", groups::weekday_name(v.schedule.weekday), v.row.post_time, v.row.timezone);
    let state = if v.row.paused {
        "paused".to_string()
    } else {
        match v.standing(now) {
            Standing::NotStarted { first } => format!("starts <t:{}:F>", first.timestamp()),
            Standing::Week { week, .. } => format!("week {week} of {}", v.total_weeks),
            Standing::OnBreak { last_week, .. } => format!("on a break after week {}", last_week.unwrap_or(0)),
            Standing::Finished { total } => format!("finished all {total} weeks"),
        }
    };
    let role = v.row.mention_role_id.map(|r| format!(", mentions <@&{r}>")).unwrap_or_default();
    format!("{path} · <#{}> · {when} · {state}{role}", v.row.channel_id)
}

/// Create a study group that follows a path and gets a weekly post.
#[poise::command(slash_command, guild_only, check = "moderator::check")]
#[allow(clippy::too_many_arguments)]
pub async fn create(
    ctx: Context<'_>,
    #[description = "Name of the group, e.g. Tuesday evenings"]
    #[max_length = 50]
    name: String,
    #[description = "Channel for the weekly posts"]
    #[channel_types("Text", "News")]
    channel: serenity::GuildChannel,
    #[description = "Learning path to follow"]
    #[autocomplete = "autocomplete_path"]
    path: String,
    #[description = "First possible session date, YYYY-MM-DD"] start: String,
    #[description = "Weekday of the sessions"] weekday: WeekdayChoice,
    #[description = "Local time of the weekly post, HH:MM (24-hour)"] time: String,
    #[description = "IANA timezone, e.g. Europe/Berlin"]
    #[autocomplete = "autocomplete_timezone"]
    timezone: String,
    #[description = "Role to mention in weekly posts"] role: Option<serenity::Role>,
) -> Result<(), BotError> {
    let guild = guild_of(&ctx)?;
    let input = GroupInput {
        name,
        channel_id: channel.id.get(),
        path_id: path,
        start_date: start,
        weekday: Some(weekday.into()),
        time,
        timezone,
        role: role.map(|r| r.id.get()),
    };
    let data = ctx.data();
    let now = data.now();
    let settings = groups::validate(&data.curriculum, &input, now, None).map_err(BotError::User)?;
    check_channel(ctx, channel.id).await?;
    let Some(id) = db::insert(&data.db, guild, &settings, ctx.author().id.get(), &now.to_rfc3339()).await? else {
        return Err(BotError::user(format!("This server already has a group called **{}**.", settings.name)));
    };
    let view = groups::load(&data.db, &data.curriculum, guild, id)
        .await?
        .ok_or_else(|| BotError::Internal(anyhow::anyhow!("group {id} vanished after insert")))?;
    reply::text(
        ctx,
        format!(
            "Created **{}**: {}. The first post goes out <t:{}:F>.",
            view.row.name,
            describe(&ctx, &view),
            view.schedule.instant(view.schedule.next_after(now)).timestamp()
        ),
    )
    .await
}

/// Change a study group's settings; options you leave out stay as they are.
#[poise::command(slash_command, guild_only, check = "moderator::check")]
#[allow(clippy::too_many_arguments)]
pub async fn edit(
    ctx: Context<'_>,
    #[description = "Group to change"]
    #[autocomplete = "autocomplete_group"]
    group: String,
    #[description = "New name"]
    #[max_length = 50]
    name: Option<String>,
    #[description = "New channel for the weekly posts"]
    #[channel_types("Text", "News")]
    channel: Option<serenity::GuildChannel>,
    #[description = "New path (progress restarts at its week 1 from the start date)"]
    #[autocomplete = "autocomplete_path"]
    path: Option<String>,
    #[description = "New start date, YYYY-MM-DD"] start: Option<String>,
    #[description = "New weekday"] weekday: Option<WeekdayChoice>,
    #[description = "New local time, HH:MM"] time: Option<String>,
    #[description = "New IANA timezone"]
    #[autocomplete = "autocomplete_timezone"]
    timezone: Option<String>,
    #[description = "New role to mention"] role: Option<serenity::Role>,
    #[description = "Stop mentioning a role"] no_role: Option<bool>,
) -> Result<(), BotError> {
    let guild = guild_of(&ctx)?;
    let data = ctx.data();
    let view = resolve_group(data, guild, ctx.author().id.get(), Some(&group)).await?;
    let old = view.settings();
    let input = GroupInput {
        name: name.unwrap_or(old.name.clone()),
        channel_id: channel.as_ref().map(|c| c.id.get()).unwrap_or(old.channel_id),
        path_id: path.unwrap_or(old.path_id.clone()),
        start_date: start.unwrap_or(old.start_date.clone()),
        weekday: Some(weekday.map(Into::into).unwrap_or(view.schedule.weekday)),
        time: time.unwrap_or(old.post_time.clone()),
        timezone: timezone.unwrap_or(old.timezone.clone()),
        role: if no_role == Some(true) { None } else { role.map(|r| r.id.get()).or(old.mention_role_id) },
    };
    let now = data.now();
    let settings = groups::validate(&data.curriculum, &input, now, Some(&old.start_date)).map_err(BotError::User)?;
    if let Some(c) = &channel {
        check_channel(ctx, c.id).await?;
    }
    if settings == old {
        return reply::text(ctx, "Nothing to change: those are already the group's settings.").await;
    }
    let recalendar = settings.path_id != old.path_id || settings.start_date != old.start_date;
    if recalendar && crate::db::posts::has_week_posts(&data.db, view.row.id).await? {
        // Weeks already posted stay posted; restarting the calendar under them would
        // silently skip those weeks. Nothing is changed.
        return Err(BotError::user(format!(
            "**{}** has already posted weeks, so its path and start date are fixed. To start over or follow \
             another path, create a new group (and delete this one when you no longer need its check-ins). \
             Name, channel, time, weekday, timezone and role can still be changed.",
            view.row.name
        )));
    }
    if !db::update(&data.db, guild, view.row.id, &settings, &now.to_rfc3339()).await? {
        return Err(BotError::user(format!("This server already has a group called **{}**.", settings.name)));
    }
    let view = groups::load(&data.db, &data.curriculum, guild, view.row.id)
        .await?
        .ok_or_else(|| BotError::user("That group was deleted meanwhile."))?;
    reply::text(ctx, format!("Updated **{}**: {}.", view.row.name, describe(&ctx, &view))).await
}

/// List this server's study groups with their schedule and state.
#[poise::command(slash_command, guild_only, check = "moderator::check")]
pub async fn list(ctx: Context<'_>) -> Result<(), BotError> {
    let guild = guild_of(&ctx)?;
    let data = ctx.data();
    let rows = db::list(&data.db, guild).await?;
    if rows.is_empty() {
        return reply::text(ctx, "No study groups yet. Create one with `/group create`.").await;
    }
    let mut lines = Vec::new();
    for row in rows {
        let id = row.id;
        let name = row.name.clone();
        let error = row.last_error.clone().map(|e| (e, row.last_error_at.clone().unwrap_or_default()));
        match groups::view_of(&data.db, &data.curriculum, row).await {
            Ok(v) => lines.push(format!("**{name}** (id {id}): {}", describe(&ctx, &v))),
            Err(e) => lines.push(format!("**{name}** (id {id}): cannot be scheduled: {e}")),
        }
        if let Some((e, at)) = error {
            lines.push(format!("  ⚠ Last post failed ({at}): {e}"));
        }
    }
    let pages = crate::render::cards::paginate("Study groups", &[(String::from("Groups"), lines)]);
    reply::pages(ctx, pages).await
}

/// Pause a group: no posts and no week advances until you resume it.
#[poise::command(slash_command, guild_only, check = "moderator::check")]
pub async fn pause(
    ctx: Context<'_>,
    #[description = "Group to pause"]
    #[autocomplete = "autocomplete_group"]
    group: Option<String>,
) -> Result<(), BotError> {
    let guild = guild_of(&ctx)?;
    let data = ctx.data();
    let view = resolve_group(data, guild, ctx.author().id.get(), group.as_deref()).await?;
    let now = data.now();
    let from = view.schedule.next_after(now);
    if !db::pause(&data.db, guild, view.row.id, from, &now.to_rfc3339()).await? {
        return Err(BotError::user(format!("**{}** is already paused.", view.row.name)));
    }
    reply::text(
        ctx,
        format!("Paused **{}**. Resume it with `/group resume`; the week it was on continues then.", view.row.name),
    )
    .await
}

/// Resume a paused group from its next session.
#[poise::command(slash_command, guild_only, check = "moderator::check")]
pub async fn resume(
    ctx: Context<'_>,
    #[description = "Group to resume"]
    #[autocomplete = "autocomplete_group"]
    group: Option<String>,
) -> Result<(), BotError> {
    let guild = guild_of(&ctx)?;
    let data = ctx.data();
    let view = resolve_group(data, guild, ctx.author().id.get(), group.as_deref()).await?;
    let now = data.now();
    let to = view.schedule.next_after(now);
    if !db::resume(&data.db, guild, view.row.id, to, &now.to_rfc3339()).await? {
        return Err(BotError::user(format!("**{}** is not paused.", view.row.name)));
    }
    reply::text(
        ctx,
        format!(
            "Resumed **{}**. The next post goes out <t:{}:F>.",
            view.row.name,
            view.schedule.instant(to).timestamp()
        ),
    )
    .await
}

/// Skip one session (e.g. a holiday): no week is used up, a short note is posted instead.
#[poise::command(slash_command, guild_only, check = "moderator::check")]
pub async fn skip(
    ctx: Context<'_>,
    #[description = "Group"]
    #[autocomplete = "autocomplete_group"]
    group: Option<String>,
    #[description = "Date of the session to skip, YYYY-MM-DD (default: the next one)"] date: Option<String>,
) -> Result<(), BotError> {
    let guild = guild_of(&ctx)?;
    let data = ctx.data();
    let view = resolve_group(data, guild, ctx.author().id.get(), group.as_deref()).await?;
    let now = data.now();
    let next = view.schedule.next_after(now);
    let session = match date.as_deref().map(str::trim) {
        None | Some("") => next,
        Some(text) => {
            let d = crate::weeks::parse_date(text)
                .ok_or_else(|| BotError::user(format!("`{text}` is not a date: use YYYY-MM-DD.")))?;
            let k = view.schedule.session_on(d).ok_or_else(|| {
                BotError::user(format!(
                    "**{}** has no session on {d}: it meets on {}s.",
                    view.row.name,
                    groups::weekday_name(view.schedule.weekday)
                ))
            })?;
            if k < next {
                return Err(BotError::user(format!(
                    "The session on {d} has already started; only future sessions can be skipped."
                )));
            }
            k
        }
    };
    if !db::add_skip(&data.db, guild, view.row.id, session, &now.to_rfc3339()).await? {
        return Err(BotError::user(format!("The session on {} is already skipped.", view.schedule.date(session))));
    }
    reply::text(
        ctx,
        format!(
            "The session of **{}** on {} is skipped; the following sessions move their weeks back by one.",
            view.row.name,
            view.schedule.date(session)
        ),
    )
    .await
}

/// Delete a study group and all its check-ins (asks for confirmation).
#[poise::command(slash_command, guild_only, check = "moderator::check")]
pub async fn delete(
    ctx: Context<'_>,
    #[description = "Group to delete"]
    #[autocomplete = "autocomplete_group"]
    group: String,
) -> Result<(), BotError> {
    let guild = guild_of(&ctx)?;
    let view = resolve_group(ctx.data(), guild, ctx.author().id.get(), Some(&group)).await?;
    let reply = CreateReply::default()
        .ephemeral(true)
        .embed(CreateEmbed::new().title(format!("Delete {}?", view.row.name)).description(
            "This deletes the group with every check-in and self-assessment rating in it. It cannot be undone.",
        ))
        .components(flows::confirm_buttons(CustomId::DeleteGroup { group_id: view.row.id }, "Delete"));
    ctx.send(reply).await?;
    Ok(())
}

/// Post the current week now instead of waiting (never posts the same week twice).
#[poise::command(slash_command, guild_only, check = "moderator::check", rename = "post-now")]
pub async fn post_now(
    ctx: Context<'_>,
    #[description = "Group"]
    #[autocomplete = "autocomplete_group"]
    group: Option<String>,
) -> Result<(), BotError> {
    let guild = guild_of(&ctx)?;
    ctx.defer_ephemeral().await?;
    let data = ctx.data();
    let view = resolve_group(data, guild, ctx.author().id.get(), group.as_deref()).await?;
    if data.scheduler.post_now(&view).await? {
        reply::text(ctx, format!("Posted this week's session of **{}** in <#{}>.", view.row.name, view.row.channel_id))
            .await
    } else {
        reply::text(ctx, format!("This week's post of **{}** is already out; nothing was posted twice.", view.row.name))
            .await
    }
}

/// When the next weekly post and reminder of a group will happen.
#[poise::command(slash_command, guild_only, check = "moderator::check")]
pub async fn next(
    ctx: Context<'_>,
    #[description = "Group"]
    #[autocomplete = "autocomplete_group"]
    group: Option<String>,
) -> Result<(), BotError> {
    let guild = guild_of(&ctx)?;
    let data = ctx.data();
    let view = resolve_group(data, guild, ctx.author().id.get(), group.as_deref()).await?;
    let now = data.now();
    let text = match crate::scheduler::plan::next(&view, now, data.scheduler.reminder_hours()) {
        None if view.row.paused => {
            format!("**{}** is paused: nothing is scheduled until `/group resume`.", view.row.name)
        }
        None => format!("**{}** has finished its path: nothing more is scheduled.", view.row.name),
        Some(n) => {
            let local = n.post_at.with_timezone(&view.schedule.tz).format("%A %Y-%m-%d %H:%M %Z");
            let what = match n.week {
                Some(w) => format!("week {w}"),
                None => "a skipped-week note".to_string(),
            };
            let reminder = match n.reminder_at {
                Some(r) => format!(" The reminder goes out <t:{}:F> (<t:{}:R>).", r.timestamp(), r.timestamp()),
                None => String::new(),
            };
            format!(
                "Next post of **{}**: {what} on {local}, that is <t:{}:F> (<t:{}:R>) in your time.{reminder}",
                view.row.name,
                n.post_at.timestamp(),
                n.post_at.timestamp()
            )
        }
    };
    reply::text(ctx, text).await
}
