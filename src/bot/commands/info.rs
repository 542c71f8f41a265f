//! Informational commands over the curriculum: help, tracks, resources, search.

use crate::bot::{BotError, Context, reply};
use crate::curriculum::ResourceKind;
use crate::render::cards;
use crate::service::catalog;
use poise::serenity_prelude as serenity;
use serenity::{AutocompleteChoice, CreateAutocompleteResponse};

/// How to get started, and every command for members and for moderators.
#[poise::command(slash_command)]
pub async fn help(ctx: Context<'_>) -> Result<(), BotError> {
    let (mut members, mut moderators) = (Vec::new(), Vec::new());
    for c in &ctx.framework().options().commands {
        // Moderator commands are the ones Discord hides from members by default.
        let list = if c.default_member_permissions.is_empty() { &mut members } else { &mut moderators };
        if c.subcommands.is_empty() {
            list.push(format!("`/{}`: {}", c.name, c.description.clone().unwrap_or_default()));
        } else {
            for s in &c.subcommands {
                list.push(format!("`/{} {}`: {}", c.name, s.name, s.description.clone().unwrap_or_default()));
            }
        }
    }
    reply::pages(ctx, cards::help(&ctx.data().curriculum, members, moderators)).await
}

pub async fn autocomplete_path(ctx: Context<'_>, partial: &str) -> CreateAutocompleteResponse {
    let partial = crate::limits::autocomplete_input(partial);
    let choices = catalog::paths_matching(&ctx.data().curriculum, partial)
        .take(crate::limits::CHOICES)
        .map(|p| AutocompleteChoice::new(p.path.name.clone(), p.path.id.clone()))
        .collect();
    CreateAutocompleteResponse::new().set_choices(choices)
}

/// Browse a learning path: its phases, who it is for, and every week's title.
#[poise::command(slash_command)]
pub async fn syllabus(
    ctx: Context<'_>,
    #[description = "Learning path (default: the first)"]
    #[autocomplete = "autocomplete_path"]
    path: Option<String>,
    #[description = "Phase to start at (default: 1)"]
    #[min = 1]
    phase: Option<u32>,
) -> Result<(), BotError> {
    let c = &ctx.data().curriculum;
    let (index, _) = catalog::path(c, path.as_deref())?;
    let page = catalog::syllabus_page(c, index, phase)?;
    let (embed, rows) = cards::syllabus(&page);
    ctx.send(poise::CreateReply::default().ephemeral(true).embed(embed).components(rows)).await?;
    Ok(())
}

/// What a distributed-systems engineer does, and what the job pays and asks for.
#[poise::command(slash_command)]
pub async fn role(ctx: Context<'_>) -> Result<(), BotError> {
    let role = catalog::role(&ctx.data().curriculum)?;
    reply::pages(ctx, cards::role(role)).await
}

/// How to choose a specialization track, then the tracks you can choose from.
#[poise::command(slash_command)]
pub async fn tracks(ctx: Context<'_>) -> Result<(), BotError> {
    reply::pages(ctx, cards::tracks_pages(&ctx.data().curriculum)).await
}

async fn autocomplete_track(ctx: Context<'_>, partial: &str) -> CreateAutocompleteResponse {
    let partial = crate::limits::autocomplete_input(partial);
    let choices = catalog::tracks_matching(&ctx.data().curriculum, partial)
        .take(crate::limits::CHOICES)
        .map(|t| AutocompleteChoice::new(t.name.clone(), t.id.clone()))
        .collect();
    CreateAutocompleteResponse::new().set_choices(choices)
}

/// Show everything about one specialization track.
#[poise::command(slash_command)]
pub async fn track(
    ctx: Context<'_>,
    #[description = "Track name"]
    #[autocomplete = "autocomplete_track"]
    name: String,
) -> Result<(), BotError> {
    let c = &ctx.data().curriculum;
    reply::embeds(ctx, cards::track_card(c, catalog::track(c, &name)?)).await
}

/// Kinds of resources a member can filter by.
#[derive(Debug, Clone, Copy, poise::ChoiceParameter)]
pub enum KindChoice {
    Books,
    Courses,
    Communities,
    Papers,
    #[name = "Online resources"]
    Online,
    Tools,
    Conferences,
    Certifications,
}

impl From<KindChoice> for ResourceKind {
    fn from(k: KindChoice) -> Self {
        match k {
            KindChoice::Books => ResourceKind::Book,
            KindChoice::Courses => ResourceKind::Course,
            KindChoice::Communities => ResourceKind::Community,
            KindChoice::Papers => ResourceKind::Paper,
            KindChoice::Online => ResourceKind::Online,
            KindChoice::Tools => ResourceKind::Tool,
            KindChoice::Conferences => ResourceKind::Conference,
            KindChoice::Certifications => ResourceKind::Certification,
        }
    }
}

/// Books, courses, communities and papers, optionally for one track or of one kind.
#[poise::command(slash_command)]
pub async fn resources(
    ctx: Context<'_>,
    #[description = "Only resources recommended for this track"]
    #[autocomplete = "autocomplete_track"]
    track: Option<String>,
    #[description = "Only this kind of resource"] kind: Option<KindChoice>,
) -> Result<(), BotError> {
    let list = catalog::resources(&ctx.data().curriculum, track.as_deref(), kind.map(Into::into))?;
    reply::pages(ctx, cards::resources_pages(&list.title, &list.resources)).await
}

/// Search topics, self-assessment questions, tracks and resources.
#[poise::command(slash_command)]
pub async fn search(
    ctx: Context<'_>,
    #[description = "Words to look for, e.g. consensus or kafka"]
    #[max_length = 100]
    query: String,
) -> Result<(), BotError> {
    let c = &ctx.data().curriculum;
    let hits = catalog::search(c, &query)?;
    let mut reply = poise::CreateReply::default().ephemeral(true).embed(cards::search_results(&query, &hits));
    if let Some(menu) = cards::search_open_menu(c, &hits) {
        reply = reply.components(vec![menu]);
    }
    ctx.send(reply).await?;
    Ok(())
}
