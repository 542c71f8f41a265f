//! Member commands: the current week, check-ins, self-assessment, progress, forgetting.

use super::group::autocomplete_group;
use crate::bot::{BotError, Context, actor, reply};
use crate::error::UserError;
use crate::ids::CustomId;
use crate::model::CheckinStatus;
use crate::render;
use crate::service::checkins;
use poise::CreateReply;
use poise::serenity_prelude as serenity;

/// This week's topic, exercises, questions and resources for your group, or any week of a path.
#[poise::command(slash_command)]
pub async fn week(
    ctx: Context<'_>,
    #[description = "Study group"]
    #[autocomplete = "autocomplete_group"]
    group: Option<String>,
    #[description = "Week number (default: the current week)"]
    #[min = 1]
    number: Option<u32>,
    #[description = "A learning path, to read its week `number` without a group"]
    #[autocomplete = "crate::bot::commands::info::autocomplete_path"]
    path: Option<String>,
) -> Result<(), BotError> {
    let data = ctx.data();
    if let Some(path) = path {
        let (_, file) = crate::service::catalog::path(&data.curriculum, Some(&path))?;
        let week = crate::service::catalog::path_week(file, number.unwrap_or(1))?;
        return reply::embeds(ctx, render::cards::week_card(&data.curriculum, file, week)).await;
    }
    let who = actor::of_command(ctx).await?;
    let shown = data.services.groups.week(&who, group.as_deref(), number).await?;
    reply::noted(ctx, render::groups::shown_week(&data.curriculum, &shown)).await
}

#[derive(Debug, Clone, Copy, poise::ChoiceParameter)]
pub enum StatusChoice {
    #[name = "done"]
    Done,
    #[name = "partial"]
    Partial,
    /// Not "skipped": that is a group's week without a session.
    #[name = "no time this week"]
    Skipped,
}

impl From<StatusChoice> for CheckinStatus {
    fn from(s: StatusChoice) -> Self {
        match s {
            StatusChoice::Done => CheckinStatus::Done,
            StatusChoice::Partial => CheckinStatus::Partial,
            StatusChoice::Skipped => CheckinStatus::Skipped,
        }
    }
}

/// Check in for a week: what you did, hours spent and how confident you feel.
#[poise::command(slash_command, guild_only)]
#[allow(clippy::too_many_arguments)]
pub async fn checkin(
    ctx: Context<'_>,
    #[description = "How the week went"] status: StatusChoice,
    #[description = "Hours spent"]
    #[min = 0]
    #[max = 100]
    hours: f64,
    #[description = "Confidence in this week's topics, 1 (low) to 5 (high)"]
    #[min = 1]
    #[max = 5]
    confidence: i64,
    #[description = "Anything to remember (up to 500 characters; this server's moderators can read it)"]
    #[max_length = 500]
    note: Option<String>,
    #[description = "Study group"]
    #[autocomplete = "autocomplete_group"]
    group: Option<String>,
    #[description = "Week (default: the current week)"]
    #[min = 1]
    week: Option<u32>,
) -> Result<(), BotError> {
    let who = actor::of_command(ctx).await?;
    let entry =
        checkins::validate(status.into(), hours, confidence, note.as_deref()).map_err(UserError::InvalidCheckin)?;
    let typed = render::checkins::typed_checkin(&entry, group.as_deref(), week);
    match ctx.data().services.checkins.check_in(&who, group.as_deref(), week, entry).await {
        Ok(done) => reply::text(ctx, render::checkins::checked_in(&done)).await,
        // Not stored: say so, and give back what was typed to send again.
        Err(e @ BotError::NotSaved { .. }) => {
            let text = crate::bot::errors::phrase(&e, "command /checkin");
            reply::text(ctx, format!("{text}\n{typed}")).await
        }
        Err(e) => Err(e),
    }
}

/// Rate yourself on this week's self-assessment questions.
#[poise::command(slash_command, guild_only)]
pub async fn assess(
    ctx: Context<'_>,
    #[description = "Study group"]
    #[autocomplete = "autocomplete_group"]
    group: Option<String>,
    #[description = "Week (default: the current week)"]
    #[min = 1]
    week: Option<u32>,
) -> Result<(), BotError> {
    let who = actor::of_command(ctx).await?;
    let a = ctx.data().services.checkins.assessment(&who, group.as_deref(), week).await?;
    let (embed, rows) = render::checkins::assessment(&a);
    ctx.send(CreateReply::default().ephemeral(true).embed(embed).components(rows)).await?;
    Ok(())
}

/// Your progress: weeks checked in, streaks, hours, confidence and weakest topics.
#[poise::command(slash_command, guild_only)]
pub async fn progress(
    ctx: Context<'_>,
    #[description = "Another member (moderators only)"] member: Option<serenity::User>,
    #[description = "Study group"]
    #[autocomplete = "autocomplete_group"]
    group: Option<String>,
) -> Result<(), BotError> {
    let who = actor::of_command(ctx).await?;
    let other = member.as_ref().filter(|u| u.id.get() != who.user_id);
    let groups = ctx.data().services.progress.of_member(&who, other.map(|u| u.id.get()), group.as_deref()).await?;
    if groups.is_empty() {
        return reply::text(ctx, render::progress::nothing_yet(other.is_some())).await;
    }
    let name = match other {
        Some(u) => actor::name_of_option(ctx, u),
        None => "You".to_string(),
    };
    reply::pages(ctx, render::messages(render::progress::embeds(&name, &groups))).await
}

/// Your certificate for a finished path (at least 70% of the weeks checked in).
#[poise::command(slash_command, guild_only)]
pub async fn certificate(
    ctx: Context<'_>,
    #[description = "Study group"]
    #[autocomplete = "autocomplete_group"]
    group: Option<String>,
) -> Result<(), BotError> {
    let who = actor::of_command(ctx).await?;
    let server = actor::server_name(ctx).await;
    let issued = ctx.data().services.progress.certificate(&who, group.as_deref(), &server).await?;
    let (text, name) = render::progress::certificate(&issued.certificate);
    let file = serenity::CreateAttachment::bytes(issued.png, name);
    ctx.send(CreateReply::default().ephemeral(true).content(text).attachment(file)).await?;
    Ok(())
}

/// Download everything this bot stores about you in this server (a JSON file, only for you).
#[poise::command(slash_command, guild_only, rename = "my-data")]
pub async fn my_data(ctx: Context<'_>) -> Result<(), BotError> {
    let who = actor::of_command(ctx).await?;
    let data = ctx.data().services.checkins.my_data(&who).await?;
    let (text, file) = render::checkins::my_data(&data).map_err(|e| BotError::internal(format!("my-data: {e}")))?;
    let attachment = serenity::CreateAttachment::bytes(file, "my-data.json");
    ctx.send(CreateReply::default().ephemeral(true).content(text).attachment(attachment)).await?;
    Ok(())
}

/// Delete everything this bot stored about you in this server (asks first).
#[poise::command(slash_command, guild_only, rename = "forget-me")]
pub async fn forget_me(ctx: Context<'_>) -> Result<(), BotError> {
    let r = CreateReply::default()
        .ephemeral(true)
        .content(render::checkins::FORGET_WARNING)
        .components(render::groups::confirm_buttons(CustomId::Forget, "Delete my data"));
    ctx.send(r).await?;
    Ok(())
}

/// A private link to your progress pages in a browser (works once, for 5 minutes).
#[poise::command(slash_command, guild_only)]
pub async fn web(ctx: Context<'_>) -> Result<(), BotError> {
    let who = actor::of_command(ctx).await?;
    let url = ctx.data().services.web.mint(&who, false).await?;
    reply::text(ctx, render::groups::web_link(&url, false)).await
}

/// Your study sessions in your calendar: a file, or a live link that follows every change.
#[poise::command(slash_command, guild_only, subcommands("calendar_file", "calendar_subscribe"), subcommand_required)]
pub async fn calendar(_ctx: Context<'_>) -> Result<(), BotError> {
    Ok(())
}

/// A live calendar link with all your groups and away dates; a new link replaces the old.
#[poise::command(slash_command, guild_only, rename = "subscribe")]
pub async fn calendar_subscribe(ctx: Context<'_>) -> Result<(), BotError> {
    let who = actor::of_command(ctx).await?;
    let url = ctx.data().services.feeds.subscribe(&who).await?;
    reply::text(ctx, render::groups::subscribe_link(&url)).await
}

/// Get your group's upcoming sessions as a calendar file (.ics) to import into your calendar.
#[poise::command(slash_command, guild_only, rename = "file")]
pub async fn calendar_file(
    ctx: Context<'_>,
    #[description = "Study group"]
    #[autocomplete = "autocomplete_group"]
    group: Option<String>,
) -> Result<(), BotError> {
    let who = actor::of_command(ctx).await?;
    let data = ctx.data();
    let (view, sessions, links) = data.services.groups.calendar(&who, group.as_deref()).await?;
    let path_name = data.curriculum.path(&view.group.path_id).map(|p| p.path.name.clone()).unwrap_or_default();
    let file = render::calendar::ics(&view, &path_name, &sessions, &links, data.now());
    let attachment = serenity::CreateAttachment::bytes(file.into_bytes(), render::calendar::file_name(&view));
    let text = render::groups::calendar_note(&view, &sessions);
    ctx.send(CreateReply::default().ephemeral(true).content(text).attachment(attachment)).await?;
    Ok(())
}

#[derive(Debug, Clone, Copy, poise::ChoiceParameter)]
pub enum OnOff {
    #[name = "on"]
    On,
    #[name = "off"]
    Off,
}

/// Get each weekly reminder as a direct message (on), which also joins the group, or not (off).
#[poise::command(slash_command, guild_only)]
pub async fn remind(
    ctx: Context<'_>,
    #[description = "on or off"] setting: OnOff,
    #[description = "Study group to join for its reminders"]
    #[autocomplete = "autocomplete_group"]
    group: Option<String>,
) -> Result<(), BotError> {
    let who = actor::of_command(ctx).await?;
    let on = matches!(setting, OnOff::On);
    let joined = ctx.data().services.checkins.set_reminders(&who, on, group.as_deref()).await?;
    if !on {
        return reply::text(ctx, render::checkins::reminders(false, joined.as_ref())).await;
    }
    // A first DM now: closed DMs are found at once, not at the first reminder. Discord may
    // be slow to answer it: the reply is deferred first (3 s rule).
    ctx.defer_ephemeral().await?;
    let text = render::checkins::welcome_dm(joined.as_ref());
    let dm = ctx.data().scheduler.welcome_dm(who.guild_id, who.user_id, text).await;
    reply::text(ctx, render::checkins::reminders_with_dm(joined.as_ref(), &dm)).await
}

/// Tell your group you will be away: those weeks keep your streak and send you no reminder.
#[poise::command(slash_command, guild_only, subcommands("away_set", "away_cancel"), subcommand_required)]
pub async fn away(_ctx: Context<'_>) -> Result<(), BotError> {
    Ok(())
}

/// Set the days you will be away (a new period replaces the old one).
#[poise::command(slash_command, guild_only, rename = "set")]
pub async fn away_set(
    ctx: Context<'_>,
    #[description = "First day away, YYYY-MM-DD"] from: String,
    #[description = "Last day away, YYYY-MM-DD"] to: String,
    #[description = "Study group"]
    #[autocomplete = "autocomplete_group"]
    group: Option<String>,
) -> Result<(), BotError> {
    let who = actor::of_command(ctx).await?;
    let (view, from, to, weeks, joined) =
        ctx.data().services.checkins.set_away(&who, group.as_deref(), &from, &to).await?;
    reply::text(ctx, render::checkins::away_set(&view, from, to, &weeks, joined)).await
}

/// Cancel your away period: those weeks count as usual again.
#[poise::command(slash_command, guild_only, rename = "cancel")]
pub async fn away_cancel(
    ctx: Context<'_>,
    #[description = "Study group"]
    #[autocomplete = "autocomplete_group"]
    group: Option<String>,
) -> Result<(), BotError> {
    let who = actor::of_command(ctx).await?;
    let view = ctx.data().services.checkins.cancel_away(&who, group.as_deref()).await?;
    reply::text(ctx, render::checkins::away_cancelled(&view)).await
}

/// Join a study group: your progress counts from this week and you can get its reminders.
#[poise::command(slash_command, guild_only)]
pub async fn join(
    ctx: Context<'_>,
    #[description = "Study group"]
    #[autocomplete = "autocomplete_group"]
    group: Option<String>,
) -> Result<(), BotError> {
    let who = actor::of_command(ctx).await?;
    let (view, week) = ctx.data().services.checkins.join(&who, group.as_deref()).await?;
    reply::text(ctx, render::checkins::joined(&view, week)).await
}

/// Spaced review: the self-assessment questions you rated come back when you are about to forget them.
#[poise::command(
    slash_command,
    guild_only,
    subcommands("review_start", "review_on", "review_off", "review_forecast"),
    subcommand_required
)]
pub async fn review(_ctx: Context<'_>) -> Result<(), BotError> {
    Ok(())
}

/// Review the questions that are due now, most overdue first.
#[poise::command(slash_command, guild_only, rename = "start")]
pub async fn review_start(
    ctx: Context<'_>,
    #[description = "Only the questions of this group's path"]
    #[autocomplete = "autocomplete_group"]
    group: Option<String>,
) -> Result<(), BotError> {
    let who = actor::of_command(ctx).await?;
    let (session, group_id) = ctx.data().services.review.session(&who, group.as_deref()).await?;
    let (text, embed, rows) = render::review::session(&session, group_id);
    let mut reply = CreateReply::default().ephemeral(true).content(text).components(rows);
    if let Some(embed) = embed {
        reply = reply.embed(embed);
    }
    ctx.send(reply).await?;
    Ok(())
}

/// A DM a day when review cards are due (never while you are away), and your daily maximum.
#[poise::command(slash_command, guild_only, rename = "on")]
pub async fn review_on(
    ctx: Context<'_>,
    #[description = "Hour of the DM, 0 to 23, in your group's timezone (default 18)"]
    #[min = 0]
    #[max = 23]
    hour: Option<u8>,
    #[description = "Cards a day at most, 1 to 20 (default 5)"]
    #[min = 1]
    #[max = 20]
    max: Option<u32>,
    #[description = "The group whose timezone is your day (needed if you are in several)"]
    #[autocomplete = "autocomplete_group"]
    group: Option<String>,
) -> Result<(), BotError> {
    let who = actor::of_command(ctx).await?;
    let choices = ctx.data().services.review.choose(&who, group.as_deref(), true, hour, max).await?;
    reply::text(ctx, render::review::choices(&choices)).await
}

/// No more review DMs; `/review start` still works. Optionally change your daily maximum.
#[poise::command(slash_command, guild_only, rename = "off")]
pub async fn review_off(
    ctx: Context<'_>,
    #[description = "Cards a day at most, 1 to 20 (default 5)"]
    #[min = 1]
    #[max = 20]
    max: Option<u32>,
    #[description = "The group whose timezone is your day (needed if you are in several)"]
    #[autocomplete = "autocomplete_group"]
    group: Option<String>,
) -> Result<(), BotError> {
    let who = actor::of_command(ctx).await?;
    let choices = ctx.data().services.review.choose(&who, group.as_deref(), false, None, max).await?;
    reply::text(ctx, render::review::choices(&choices)).await
}

/// How many of your review cards come due on each of the next 7 days.
#[poise::command(slash_command, guild_only, rename = "forecast")]
pub async fn review_forecast(ctx: Context<'_>) -> Result<(), BotError> {
    let who = actor::of_command(ctx).await?;
    let (days, zone) = ctx.data().services.review.forecast(&who).await?;
    reply::text(ctx, render::review::forecast(&days, zone)).await
}
