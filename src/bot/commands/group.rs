//! `/group ...`: moderators create and manage study groups.

use crate::bot::{BotError, Context, actor, moderator, reply};
use crate::render;
use crate::service::groups::{EventsInput, GroupChanges, GroupInput, timezone_suggestions};
use chrono::Weekday;
use poise::CreateReply;
use poise::serenity_prelude as serenity;
use serenity::{AutocompleteChoice, CreateAutocompleteResponse};

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
    subcommands(
        "create",
        "edit",
        "list",
        "next",
        "pause",
        "resume",
        "skip",
        "unskip",
        "repeat",
        "jump",
        "post_now",
        "delete",
        "events",
        "buddies",
        "calendar_link"
    ),
    subcommand_required
)]
pub async fn group(_ctx: Context<'_>) -> Result<(), BotError> {
    Ok(())
}

pub async fn autocomplete_group(ctx: Context<'_>, partial: &str) -> CreateAutocompleteResponse {
    let partial = crate::limits::autocomplete_input(partial);
    let Some(guild) = ctx.guild_id() else {
        return CreateAutocompleteResponse::new();
    };
    let choices = match ctx.data().services.groups.autocomplete(guild.get(), partial).await {
        Ok(groups) => groups.into_iter().map(|(name, id)| AutocompleteChoice::new(name, id.to_string())).collect(),
        Err(e) => {
            tracing::warn!("group autocomplete failed: {e}");
            Vec::new()
        }
    };
    CreateAutocompleteResponse::new().set_choices(choices)
}

async fn autocomplete_path(ctx: Context<'_>, partial: &str) -> CreateAutocompleteResponse {
    let partial = crate::limits::autocomplete_input(partial);
    let choices = ctx
        .data()
        .curriculum
        .paths_matching(partial)
        .take(crate::limits::CHOICES)
        .map(|p| AutocompleteChoice::new(format!("{} ({} weeks)", p.path.name, p.weeks.len()), p.path.id.clone()))
        .collect();
    CreateAutocompleteResponse::new().set_choices(choices)
}

pub async fn autocomplete_timezone(_ctx: Context<'_>, partial: &str) -> CreateAutocompleteResponse {
    let partial = crate::limits::autocomplete_input(partial);
    let choices = timezone_suggestions(partial, crate::limits::CHOICES)
        .into_iter()
        .map(|n| AutocompleteChoice::new(n, n))
        .collect();
    CreateAutocompleteResponse::new().set_choices(choices)
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
    #[description = "Meet every 1, 2 or 3 weeks (default: every week)"]
    #[min = 1]
    #[max = 3]
    every_weeks: Option<u32>,
    #[description = "Week of the path to start at, for a group that already studied the first weeks"]
    #[min = 1]
    first_week: Option<u32>,
) -> Result<(), BotError> {
    let who = actor::of_command(ctx).await?;
    crate::bot::options::postable_channel(ctx, &channel, crate::permissions::GROUP_CHANNEL).await?;
    if let Some(r) = &role {
        crate::bot::options::pingable_role(ctx, r, Some(channel.id)).await?;
    }
    let input = GroupInput {
        name,
        channel_id: channel.id.get(),
        path_id: path,
        start_date: start,
        weekday: Some(weekday.into()),
        time,
        timezone,
        role: role.map(|r| r.id.get()),
        every_weeks,
    };
    let view = ctx.data().services.groups.create(&who, &input, first_week).await?;
    reply::text(ctx, render::groups::created(&ctx.data().curriculum, &view, ctx.data().now())).await
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
    #[description = "Meet every 1, 2 or 3 weeks (only before the first weekly post)"]
    #[min = 1]
    #[max = 3]
    every_weeks: Option<u32>,
) -> Result<(), BotError> {
    let who = actor::of_command(ctx).await?;
    if let Some(c) = &channel {
        crate::bot::options::postable_channel(ctx, c, crate::permissions::GROUP_CHANNEL).await?;
    }
    if let Some(r) = &role {
        crate::bot::options::pingable_role(ctx, r, channel.as_ref().map(|c| c.id)).await?;
    }
    let changes = GroupChanges {
        name,
        channel_id: channel.map(|c| c.id.get()),
        path_id: path,
        start_date: start,
        weekday: weekday.map(Into::into),
        time,
        timezone,
        role: role.map(|r| r.id.get()),
        no_role: no_role == Some(true),
        every_weeks,
    };
    let view = ctx.data().services.groups.edit(&who, &group, changes).await?;
    reply::text(ctx, render::groups::updated(&ctx.data().curriculum, &view, ctx.data().now())).await
}

/// List this server's study groups with their schedule and state.
#[poise::command(slash_command, guild_only, check = "moderator::check")]
pub async fn list(ctx: Context<'_>) -> Result<(), BotError> {
    let who = actor::of_command(ctx).await?;
    let groups = ctx.data().services.groups.list(who.guild_id).await?;
    if groups.groups.is_empty() {
        return reply::text(ctx, render::groups::NO_GROUPS).await;
    }
    reply::pages(ctx, render::groups::list(&ctx.data().curriculum, &groups, ctx.data().now())).await
}

/// Pause a group: no posts and no week advances until you resume it (or until a date).
#[poise::command(slash_command, guild_only, check = "moderator::check")]
pub async fn pause(
    ctx: Context<'_>,
    #[description = "Group to pause"]
    #[autocomplete = "autocomplete_group"]
    group: Option<String>,
    #[description = "Post again from this date on by itself, YYYY-MM-DD (default: until /group resume)"] until: Option<
        String,
    >,
) -> Result<(), BotError> {
    let who = actor::of_command(ctx).await?;
    let changed = ctx.data().services.groups.pause(&who, group.as_deref(), until.as_deref()).await?;
    reply::text(ctx, render::groups::changed(&changed)).await
}

/// Resume a paused group from its next session.
#[poise::command(slash_command, guild_only, check = "moderator::check")]
pub async fn resume(
    ctx: Context<'_>,
    #[description = "Group to resume"]
    #[autocomplete = "autocomplete_group"]
    group: Option<String>,
) -> Result<(), BotError> {
    let who = actor::of_command(ctx).await?;
    let changed = ctx.data().services.groups.resume(&who, group.as_deref()).await?;
    reply::text(ctx, render::groups::changed(&changed)).await
}

/// Skip a session, or every session of a holiday range: no week is used up.
#[poise::command(slash_command, guild_only, check = "moderator::check")]
pub async fn skip(
    ctx: Context<'_>,
    #[description = "Group"]
    #[autocomplete = "autocomplete_group"]
    group: Option<String>,
    #[description = "Date of the session to skip, YYYY-MM-DD (default: the next one)"] date: Option<String>,
    #[description = "Skip every session up to this date too, YYYY-MM-DD (holidays: nothing is posted)"] until: Option<
        String,
    >,
) -> Result<(), BotError> {
    let who = actor::of_command(ctx).await?;
    let changed = ctx.data().services.groups.skip(&who, group.as_deref(), date.as_deref(), until.as_deref()).await?;
    reply::text(ctx, render::groups::changed(&changed)).await
}

/// Undo a skip: the skipped session is held again.
#[poise::command(slash_command, guild_only, check = "moderator::check")]
pub async fn unskip(
    ctx: Context<'_>,
    #[description = "Group"]
    #[autocomplete = "autocomplete_group"]
    group: Option<String>,
    #[description = "Date of the skipped session, YYYY-MM-DD (default: the next skipped one)"] date: Option<String>,
) -> Result<(), BotError> {
    let who = actor::of_command(ctx).await?;
    let changed = ctx.data().services.groups.unskip(&who, group.as_deref(), date.as_deref()).await?;
    reply::text(ctx, render::groups::changed(&changed)).await
}

/// Study the current week again at the next session; later weeks wait one session.
#[poise::command(slash_command, guild_only, check = "moderator::check")]
pub async fn repeat(
    ctx: Context<'_>,
    #[description = "Group"]
    #[autocomplete = "autocomplete_group"]
    group: Option<String>,
) -> Result<(), BotError> {
    let who = actor::of_command(ctx).await?;
    let changed = ctx.data().services.groups.repeat(&who, group.as_deref()).await?;
    reply::text(ctx, render::groups::changed(&changed)).await
}

/// Continue at another week from the next session (before the start: start there).
#[poise::command(slash_command, guild_only, check = "moderator::check")]
pub async fn jump(
    ctx: Context<'_>,
    #[description = "Week of the path to continue at"]
    #[min = 1]
    week: u32,
    #[description = "Group"]
    #[autocomplete = "autocomplete_group"]
    group: Option<String>,
) -> Result<(), BotError> {
    let who = actor::of_command(ctx).await?;
    let changed = ctx.data().services.groups.jump(&who, group.as_deref(), week).await?;
    reply::text(ctx, render::groups::changed(&changed)).await
}

/// Delete a study group and all its check-ins (asks for confirmation).
#[poise::command(slash_command, guild_only, check = "moderator::check")]
pub async fn delete(
    ctx: Context<'_>,
    #[description = "Group to delete"]
    #[autocomplete = "autocomplete_group"]
    group: String,
) -> Result<(), BotError> {
    let who = actor::of_command(ctx).await?;
    let view = ctx.data().services.groups.resolve(&who, Some(&group)).await?;
    let (embed, buttons) = render::groups::delete_prompt(&view);
    ctx.send(CreateReply::default().ephemeral(true).embed(embed).components(buttons)).await?;
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
    ctx.defer_ephemeral().await?;
    let who = actor::of_command(ctx).await?;
    let (view, outcome) = ctx.data().scheduler.post_now(&who, group.as_deref()).await?;
    reply::text(ctx, render::groups::posted_now(&view, outcome)).await
}

/// When the next weekly post and reminder of a group will happen, and its calendar changes.
#[poise::command(slash_command, guild_only, check = "moderator::check")]
pub async fn next(
    ctx: Context<'_>,
    #[description = "Group"]
    #[autocomplete = "autocomplete_group"]
    group: Option<String>,
) -> Result<(), BotError> {
    let who = actor::of_command(ctx).await?;
    let upcoming = ctx.data().services.groups.next(&who, group.as_deref()).await?;
    reply::text(ctx, render::groups::next(&upcoming)).await
}

/// The group's live calendar link: calendar apps that subscribe follow every change.
#[poise::command(slash_command, guild_only, check = "moderator::check", rename = "calendar-link")]
pub async fn calendar_link(
    ctx: Context<'_>,
    #[description = "Study group"]
    #[autocomplete = "autocomplete_group"]
    group: Option<String>,
    #[description = "Make a new link; the old one stops working (default: no)"] rotate: Option<bool>,
) -> Result<(), BotError> {
    let who = actor::of_command(ctx).await?;
    let link = ctx.data().services.feeds.group_link(&who, group.as_deref(), rotate.unwrap_or(false)).await?;
    reply::text(ctx, render::groups::calendar_link(&link)).await
}

/// Publish the group's sessions as Discord events that members can mark "Interested".
#[poise::command(slash_command, guild_only, subcommands("events_on", "events_off"), subcommand_required)]
pub async fn events(_ctx: Context<'_>) -> Result<(), BotError> {
    Ok(())
}

/// Publish each of the group's next two sessions as a Discord event, kept in line with its calendar.
#[poise::command(slash_command, guild_only, check = "moderator::check", rename = "on")]
pub async fn events_on(
    ctx: Context<'_>,
    #[description = "Voice channel where the sessions meet (the bot starts the events); leave out for none"]
    #[channel_types("Voice")]
    voice_channel: Option<serenity::GuildChannel>,
    #[description = "How long a session lasts, in minutes (default 60)"]
    #[min = 30]
    #[max = 240]
    duration: Option<u32>,
    #[description = "Where the sessions meet, if not in a voice channel (default: the group's channel)"]
    #[max_length = 100]
    location: Option<String>,
    #[description = "Group"]
    #[autocomplete = "autocomplete_group"]
    group: Option<String>,
) -> Result<(), BotError> {
    let who = actor::of_command(ctx).await?;
    let listed = crate::bot::options::events_allowed(ctx, voice_channel.as_ref()).await?;
    let input = EventsInput { voice_channel: voice_channel.map(|c| c.id.get()), minutes: duration, location, listed };
    let on = ctx.data().services.groups.events_on(&who, group.as_deref(), input).await?;
    reply::text(ctx, render::groups::events_on(&on)).await
}

/// Stop publishing the group's sessions as events; the bot deletes the events to come.
#[poise::command(slash_command, guild_only, check = "moderator::check", rename = "off")]
pub async fn events_off(
    ctx: Context<'_>,
    #[description = "Group"]
    #[autocomplete = "autocomplete_group"]
    group: Option<String>,
) -> Result<(), BotError> {
    let who = actor::of_command(ctx).await?;
    let view = ctx.data().services.groups.events_off(&who, group.as_deref()).await?;
    reply::text(ctx, render::groups::events_off(&view)).await
}

#[derive(Debug, Clone, Copy, poise::ChoiceParameter)]
pub enum BuddyEvery {
    #[name = "every week"]
    One,
    #[name = "every 2 weeks"]
    Two,
    #[name = "every 4 weeks"]
    Four,
}

#[derive(Debug, Clone, Copy, poise::ChoiceParameter)]
pub enum BuddySize {
    #[name = "pairs"]
    Pairs,
    #[name = "groups of 3"]
    Threes,
}

/// Study buddies: rotating pairs of members in private threads, with the weekly post.
#[poise::command(
    slash_command,
    guild_only,
    subcommands("buddies_on", "buddies_off", "buddies_now"),
    subcommand_required
)]
pub async fn buddies(_ctx: Context<'_>) -> Result<(), BotError> {
    Ok(())
}

/// Start study-buddy rounds for a group: members who opt in get a partner in a private thread.
#[poise::command(slash_command, guild_only, check = "moderator::check", rename = "on")]
pub async fn buddies_on(
    ctx: Context<'_>,
    #[description = "How often a round comes, with the weekly post (default: every week)"] every: Option<BuddyEvery>,
    #[description = "Pairs or groups of 3 (default: pairs)"] size: Option<BuddySize>,
    #[description = "Group"]
    #[autocomplete = "autocomplete_group"]
    group: Option<String>,
) -> Result<(), BotError> {
    let who = actor::of_command(ctx).await?;
    let services = &ctx.data().services;
    let view = services.groups.resolve(&who, group.as_deref()).await?;
    crate::bot::options::buddy_channel(ctx, view.group.channel_id).await?;
    let every_weeks = match every.unwrap_or(BuddyEvery::One) {
        BuddyEvery::One => 1,
        BuddyEvery::Two => 2,
        BuddyEvery::Four => 4,
    };
    let size = match size.unwrap_or(BuddySize::Pairs) {
        BuddySize::Pairs => 2,
        BuddySize::Threes => 3,
    };
    let id = view.group.id.to_string();
    let settings = crate::service::buddies::BuddySettings { every_weeks, size };
    let st = services.buddies.turn_on(&who, Some(&id), settings).await?;
    reply::text(ctx, render::buddies::turned_on(&st)).await
}

/// Stop a group's study-buddy rounds (members stay opted in).
#[poise::command(slash_command, guild_only, check = "moderator::check", rename = "off")]
pub async fn buddies_off(
    ctx: Context<'_>,
    #[description = "Group"]
    #[autocomplete = "autocomplete_group"]
    group: Option<String>,
) -> Result<(), BotError> {
    let who = actor::of_command(ctx).await?;
    let view = ctx.data().services.buddies.turn_off(&who, group.as_deref()).await?;
    reply::text(ctx, render::buddies::turned_off(&view)).await
}

/// Start a study-buddy round now, for the session in progress.
#[poise::command(slash_command, guild_only, check = "moderator::check", rename = "now")]
pub async fn buddies_now(
    ctx: Context<'_>,
    #[description = "Group"]
    #[autocomplete = "autocomplete_group"]
    group: Option<String>,
) -> Result<(), BotError> {
    let who = actor::of_command(ctx).await?;
    let (view, week) = ctx.data().services.buddies.now(&who, group.as_deref()).await?;
    reply::text(ctx, render::buddies::round_now(&view, week)).await
}
