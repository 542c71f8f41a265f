//! Member commands: the current week, check-ins, self-assessment, progress, forgetting.

use super::group::autocomplete_group;
use crate::bot::flows::{self, resolve_group};
use crate::bot::{BotError, Context, guild_of, moderator, reply};
use crate::checkins;
use crate::db::members::{self, Status};
use crate::ids::CustomId;
use crate::render;
use crate::weeks::Standing;
use poise::CreateReply;
use poise::serenity_prelude as serenity;

async fn display_name(ctx: Context<'_>) -> String {
    match ctx.author_member().await {
        Some(m) => m.display_name().to_string(),
        None => ctx.author().name.clone(),
    }
}

/// This week's topic, exercises, questions and resources for your group.
#[poise::command(slash_command, guild_only)]
pub async fn week(
    ctx: Context<'_>,
    #[description = "Study group"]
    #[autocomplete = "autocomplete_group"]
    group: Option<String>,
    #[description = "Week number (default: the current week)"]
    #[min = 1]
    number: Option<u32>,
) -> Result<(), BotError> {
    let guild = guild_of(&ctx)?;
    let data = ctx.data();
    let view = resolve_group(data, guild, ctx.author().id.get(), group.as_deref()).await?;
    let path = view
        .path(&data.curriculum)
        .ok_or_else(|| BotError::Internal(anyhow::anyhow!("path {} missing", view.row.path_id)))?;
    let standing = view.standing(data.now());
    let (n, note) = match (number, standing) {
        (Some(n), _) => (n, None),
        (None, Standing::NotStarted { first }) => {
            (1, Some(format!("**{}** starts <t:{}:F>. Here is week 1:", view.row.name, first.timestamp())))
        }
        (None, Standing::Finished { total }) => {
            return reply::text(
                ctx,
                format!(
                    "**{}** has finished all {total} weeks. Look back at any week with `/week number:`.",
                    view.row.name
                ),
            )
            .await;
        }
        (None, Standing::OnBreak { last_week, .. }) => {
            let w = last_week.unwrap_or(1);
            (w, Some(format!("No session for **{}** this week. The last week held was {w}:", view.row.name)))
        }
        (None, Standing::Week { week, .. }) => (week, None),
    };
    let w = path
        .week(n)
        .ok_or_else(|| BotError::user(format!("{} has weeks 1 to {}, not {n}.", path.path.name, path.len_weeks())))?;
    let mut r = CreateReply::default()
        .ephemeral(true)
        .embed(render::week_embed(&data.curriculum, path, w))
        .embed(render::questions_embed(w));
    if let Some(note) = note {
        r = r.content(note);
    }
    ctx.send(r).await?;
    Ok(())
}

#[derive(Debug, Clone, Copy, poise::ChoiceParameter)]
pub enum StatusChoice {
    #[name = "done"]
    Done,
    #[name = "partial"]
    Partial,
    #[name = "skipped"]
    Skipped,
}

impl From<StatusChoice> for Status {
    fn from(s: StatusChoice) -> Self {
        match s {
            StatusChoice::Done => Status::Done,
            StatusChoice::Partial => Status::Partial,
            StatusChoice::Skipped => Status::Skipped,
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
    #[description = "Anything to remember (up to 500 characters)"]
    #[max_length = 500]
    note: Option<String>,
    #[description = "Study group"]
    #[autocomplete = "autocomplete_group"]
    group: Option<String>,
    #[description = "Week (default: the current week)"]
    #[min = 1]
    week: Option<u32>,
) -> Result<(), BotError> {
    let guild = guild_of(&ctx)?;
    let data = ctx.data();
    let report = checkins::validate(status.into(), hours, confidence, note.as_deref()).map_err(BotError::User)?;
    let view = resolve_group(data, guild, ctx.author().id.get(), group.as_deref()).await?;
    let now = data.now();
    let week = checkins::target_week(&view, week, now).map_err(BotError::User)?;
    let name = display_name(ctx).await;
    let stored = checkins::record(&data.db, &view, guild, ctx.author().id.get(), &name, week, &report, now).await?;
    reply::text(ctx, flows::checkin_done_text(&view, &stored, &report)).await
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
    let guild = guild_of(&ctx)?;
    let data = ctx.data();
    let view = resolve_group(data, guild, ctx.author().id.get(), group.as_deref()).await?;
    let week = checkins::target_week(&view, week, data.now()).map_err(BotError::User)?;
    let (embed, rows) = flows::assess_view(data, &view, guild, ctx.author().id.get(), week).await?;
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
    let guild = guild_of(&ctx)?;
    let data = ctx.data();
    let me = ctx.author().id;
    let (user_id, who) = match &member {
        Some(u) if u.id != me => {
            moderator::require(ctx).await?;
            (u.id.get(), u.global_name.clone().unwrap_or_else(|| u.name.clone()))
        }
        _ => (me.get(), "You".to_string()),
    };
    let groups: Vec<i64> = match &group {
        Some(g) => vec![resolve_group(data, guild, me.get(), Some(g)).await?.row.id],
        None => members::member_groups(&data.db, guild, user_id).await?,
    };
    if groups.is_empty() {
        let msg = if who == "You" {
            "You have not checked in to any group yet. Use `/checkin` or the Check in button on a weekly post."
        } else {
            "That member has not checked in to any group yet."
        };
        return reply::text(ctx, msg).await;
    }
    let embeds = flows::progress_embeds(data, guild, user_id, &who, &groups).await?;
    reply::embeds(ctx, embeds).await
}

/// Delete everything this bot stored about you in this server (asks first).
#[poise::command(slash_command, guild_only, rename = "forget-me")]
pub async fn forget_me(ctx: Context<'_>) -> Result<(), BotError> {
    let r = CreateReply::default()
        .ephemeral(true)
        .content("This deletes all your check-ins, self-assessment ratings and group memberships in this server. It cannot be undone.")
        .components(flows::confirm_buttons(CustomId::Forget, "Delete my data"));
    ctx.send(r).await?;
    Ok(())
}

#[derive(Debug, Clone, Copy, poise::ChoiceParameter)]
pub enum OnOff {
    #[name = "on"]
    On,
    #[name = "off"]
    Off,
}

/// Get the weekly reminder as a direct message (on) or not (off).
#[poise::command(slash_command, guild_only)]
pub async fn remind(ctx: Context<'_>, #[description = "on or off"] setting: OnOff) -> Result<(), BotError> {
    let guild = guild_of(&ctx)?;
    let data = ctx.data();
    let on = matches!(setting, OnOff::On);
    let name = display_name(ctx).await;
    members::set_remind(&data.db, guild, ctx.author().id.get(), &name, on, &data.now().to_rfc3339()).await?;
    let text = if on {
        "Reminders will come to you as a direct message before each weekly post."
    } else {
        "Reminder DMs are off. The reminder in the group channel never mentions anyone."
    };
    reply::text(ctx, text).await
}
