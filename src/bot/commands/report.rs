//! `/report ...`: participation reports for moderators.

use super::group::autocomplete_group;
use crate::bot::flows::{self, resolve_group};
use crate::bot::{BotError, Context, guild_of, moderator};
use crate::db::{members, reports as db_reports};
use crate::render;
use crate::report;
use poise::CreateReply;
use poise::serenity_prelude as serenity;
use serenity::CreateAttachment;

/// Participation reports (moderators).
#[poise::command(
    slash_command,
    guild_only,
    default_member_permissions = "MANAGE_GUILD",
    subcommands("participation", "member"),
    subcommand_required
)]
pub async fn report(_ctx: Context<'_>) -> Result<(), BotError> {
    Ok(())
}

/// Check-in rates, hours, confidence, at-risk members and hardest topics, with CSV and chart.
#[poise::command(slash_command, guild_only, check = "moderator::check")]
pub async fn participation(
    ctx: Context<'_>,
    #[description = "Study group"]
    #[autocomplete = "autocomplete_group"]
    group: Option<String>,
    #[description = "First week (default: 1)"]
    #[min = 1]
    from_week: Option<u32>,
    #[description = "Last week (default: the latest week held)"]
    #[min = 1]
    to_week: Option<u32>,
    #[description = "Post the group summary and chart in the channel (member details stay private)"] public: Option<
        bool,
    >,
) -> Result<(), BotError> {
    let guild = guild_of(&ctx)?;
    let public = public.unwrap_or(false);
    // Rendering the chart can take a moment: acknowledge within Discord's 3 seconds.
    if public {
        ctx.defer().await?;
    } else {
        ctx.defer_ephemeral().await?;
    }
    let data = ctx.data();
    let view = resolve_group(data, guild, ctx.author().id.get(), group.as_deref()).await?;
    let input = db_reports::load_input(&data.db, guild, view.row.id, &data.curriculum, data.now())
        .await
        .map_err(|e| BotError::Internal(anyhow::Error::new(e).context("loading the report")))?
        .ok_or_else(|| BotError::user("That study group no longer exists in this server."))?;
    let r = report::build(&input, from_week, to_week).map_err(|e| BotError::User(capitalize(&e.to_string())))?;
    let png = report::chart_png(&r).map_err(|e| BotError::Internal(anyhow::anyhow!("chart: {e}")))?;
    let chart = CreateAttachment::bytes(png, format!("participation-{}.png", r.group_id));
    let members_csv =
        CreateAttachment::bytes(report::members_csv(&r).into_bytes(), format!("members-{}.csv", r.group_id));
    let raw = report::checkins_csv(&r).into_bytes();
    // Large groups' raw export can exceed Discord's upload limit; the CLI has no limit.
    let raw_too_large = raw.len() > MAX_ATTACHMENT;
    let checkins_csv = (!raw_too_large).then(|| CreateAttachment::bytes(raw, format!("checkins-{}.csv", r.group_id)));
    let summary = render::report::summary_embed(&r).image(format!("attachment://participation-{}.png", r.group_id));
    if public {
        ctx.send(CreateReply::default().embed(summary).attachment(chart)).await?;
        // Member rows and at-risk members never go to the channel.
        let mut private =
            CreateReply::default().ephemeral(true).embed(render::report::members_embed(&r)).attachment(members_csv);
        if let Some(a) = checkins_csv {
            private = private.attachment(a);
        }
        ctx.send(with_note(private, raw_too_large)).await?;
    } else {
        let mut reply = CreateReply::default()
            .ephemeral(true)
            .embed(summary)
            .embed(render::report::members_embed(&r))
            .attachment(chart)
            .attachment(members_csv);
        if let Some(a) = checkins_csv {
            reply = reply.attachment(a);
        }
        ctx.send(with_note(reply, raw_too_large)).await?;
    }
    Ok(())
}

/// Largest attachment sent (Discord's default upload limit is 10 MiB per message).
const MAX_ATTACHMENT: usize = 8 * 1024 * 1024;

fn with_note(reply: CreateReply, raw_too_large: bool) -> CreateReply {
    if raw_too_large {
        reply.content(
            "The raw check-ins CSV is too large for Discord; export it with `studybot report --format csv --out FILE`.",
        )
    } else {
        reply
    }
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// One member's history across this server's groups.
#[poise::command(slash_command, guild_only, check = "moderator::check")]
pub async fn member(ctx: Context<'_>, #[description = "Member"] member: serenity::User) -> Result<(), BotError> {
    let guild = guild_of(&ctx)?;
    let data = ctx.data();
    let groups = members::member_groups(&data.db, guild, member.id.get()).await?;
    let name = member.global_name.clone().unwrap_or_else(|| member.name.clone());
    if groups.is_empty() {
        return crate::bot::reply::text(ctx, format!("{name} has no check-ins or ratings in this server.")).await;
    }
    let mut embeds = flows::progress_embeds(data, guild, member.id.get(), &name, &groups).await?;
    // The raw history, most recent first, under the progress of each group.
    let mut lines = Vec::new();
    for g in &groups {
        let Some(view) = crate::groups::load(&data.db, &data.curriculum, guild, *g).await? else {
            continue;
        };
        for c in members::checkins(&data.db, guild, *g, member.id.get()).await?.iter().rev() {
            lines.push(format!(
                "- {} week {}: {}, {} h, confidence {}/5{}",
                view.row.name,
                c.week,
                c.status.as_str(),
                c.hours,
                c.confidence,
                if c.note.is_some() { ", with a note" } else { "" }
            ));
        }
    }
    if !lines.is_empty() && embeds.len() < crate::limits::EMBEDS {
        let pages = render::cards::paginate("Check-in history", &[(String::from("Check-ins"), lines)]);
        if let Some(first) = pages.into_iter().next().and_then(|p| p.into_iter().next()) {
            embeds.push(first);
        }
    }
    crate::bot::reply::embeds(ctx, embeds).await
}
