//! `/report ...`: participation reports for moderators.

use super::group::autocomplete_group;
use crate::bot::{BotError, Context, actor, moderator, reply};
use crate::render;
use poise::CreateReply;
use poise::serenity_prelude as serenity;
use serenity::CreateAttachment;

/// Participation reports (moderators).
#[poise::command(
    slash_command,
    guild_only,
    default_member_permissions = "MANAGE_GUILD",
    subcommands("participation", "overview", "member", "web"),
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
    #[description = "In Discord (summary, CSVs and chart; the default) or as one HTML page"] format: Option<
        ReportFormat,
    >,
) -> Result<(), BotError> {
    if matches!(format, Some(ReportFormat::Html)) {
        ctx.defer_ephemeral().await?;
        let who = actor::of_command(ctx).await?;
        let report =
            ctx.data().services.reports.participation_report(&who, group.as_deref(), from_week, to_week).await?;
        let page = render::html::report_page(&report).map_err(|e| BotError::internal(format!("report page: {e}")))?;
        let name = format!("participation-{}.html", report.group_id);
        let note = if public.unwrap_or(false) {
            "The page holds member details, so it comes only to you. Open it in a browser: the tables sort by their headers."
        } else {
            "Open it in a browser: the tables sort by their headers."
        };
        let reply = CreateReply::default()
            .ephemeral(true)
            .content(note)
            .attachment(CreateAttachment::bytes(page.into_bytes(), name));
        ctx.send(reply).await?;
        return Ok(());
    }
    let public = public.unwrap_or(false);
    // Rendering the chart can take a moment: acknowledge within Discord's 3 seconds. Always
    // privately: the first follow-up fills the deferred answer and takes its visibility, so
    // an error (or the member rows) must come first and privately; the public summary is a
    // later follow-up.
    ctx.defer_ephemeral().await?;
    let who = actor::of_command(ctx).await?;
    // The interaction says how large a file may be here (it grows with the server's boosts).
    let limit = match ctx {
        poise::Context::Application(a) => a.interaction.attachment_size_limit as usize,
        _ => crate::service::reports::MAX_ATTACHMENT,
    };
    let limit = if limit == 0 { crate::service::reports::MAX_ATTACHMENT } else { limit };
    let p = ctx.data().services.reports.participation(&who, group.as_deref(), from_week, to_week, limit).await?;
    let r = &p.report;
    let chart = CreateAttachment::bytes(p.chart_png.clone(), format!("participation-{}.png", r.group_id));
    let members_csv = CreateAttachment::bytes(p.members_csv.clone(), format!("members-{}.csv", r.group_id));
    let checkins_csv =
        p.checkins_csv.clone().map(|raw| CreateAttachment::bytes(raw, format!("checkins-{}.csv", r.group_id)));
    let raw_too_large = checkins_csv.is_none();
    let forgotten_csv =
        p.forgotten_csv.clone().map(|csv| CreateAttachment::bytes(csv, format!("forgotten-{}.csv", r.group_id)));
    let summary = render::report::summary_embed(r).image(format!("attachment://participation-{}.png", r.group_id));
    if public {
        // Member rows and at-risk members never go to the channel.
        let mut private =
            CreateReply::default().ephemeral(true).embed(render::report::members_embed(r)).attachment(members_csv);
        if let Some(a) = checkins_csv {
            private = private.attachment(a);
        }
        if let Some(a) = forgotten_csv {
            private = private.attachment(a);
        }
        ctx.send(with_note(private, raw_too_large)).await?;
        ctx.send(CreateReply::default().ephemeral(false).embed(summary).attachment(chart)).await?;
    } else {
        let mut reply = CreateReply::default()
            .ephemeral(true)
            .embed(summary)
            .embed(render::report::members_embed(r))
            .attachment(chart)
            .attachment(members_csv);
        if let Some(a) = checkins_csv {
            reply = reply.attachment(a);
        }
        if let Some(a) = forgotten_csv {
            reply = reply.attachment(a);
        }
        ctx.send(with_note(reply, raw_too_large)).await?;
    }
    Ok(())
}

/// How `/report participation` answers.
#[derive(Debug, Clone, Copy, poise::ChoiceParameter)]
pub enum ReportFormat {
    #[name = "In Discord: summary, CSVs and chart"]
    Discord,
    #[name = "One HTML page (sortable tables, chart)"]
    Html,
}

fn with_note(reply: CreateReply, raw_too_large: bool) -> CreateReply {
    if raw_too_large {
        reply.content(
            "The raw check-ins CSV is too large for Discord; export it with `studybot report --format csv --out FILE`.",
        )
    } else {
        reply
    }
}

/// A private link to the server's reports in a browser (works once, for 5 minutes).
#[poise::command(slash_command, guild_only, check = "moderator::check")]
pub async fn web(ctx: Context<'_>) -> Result<(), BotError> {
    let who = actor::of_command(ctx).await?;
    let url = ctx.data().services.web.mint(&who, true).await?;
    reply::text(ctx, render::groups::web_link(&url, true)).await
}

/// One member's history across this server's groups.
#[poise::command(slash_command, guild_only, check = "moderator::check")]
pub async fn member(ctx: Context<'_>, #[description = "Member"] member: serenity::User) -> Result<(), BotError> {
    let who = actor::of_command(ctx).await?;
    let history = ctx.data().services.progress.history(&who, member.id.get()).await?;
    let name = actor::name_of_option(ctx, &member);
    if history.groups.is_empty() {
        return reply::text(ctx, format!("{name} has no check-ins or ratings in this server.")).await;
    }
    reply::pages(ctx, render::messages(render::progress::history(&name, &history))).await
}

/// Every study group of this server at a glance: week, check-in rate and trend, at-risk, errors.
#[poise::command(slash_command, guild_only, check = "moderator::check")]
pub async fn overview(ctx: Context<'_>) -> Result<(), BotError> {
    ctx.defer_ephemeral().await?;
    let who = actor::of_command(ctx).await?;
    let o = ctx.data().services.reports.overview(&who).await?;
    let name = "overview.png";
    let reply = CreateReply::default()
        .ephemeral(true)
        .embed(render::report::overview_embed(&o.groups, &o.forgotten, name))
        .attachment(CreateAttachment::bytes(o.chart_png, name));
    ctx.send(reply).await?;
    Ok(())
}
