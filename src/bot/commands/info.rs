//! Informational commands over the curriculum: help, tracks, resources, search.

use crate::bot::{BotError, Context, reply};
use crate::curriculum::ResourceKind;
use crate::error::UserError;
use crate::render::cards;
use crate::search;
use poise::serenity_prelude as serenity;
use serenity::{AutocompleteChoice, CreateAutocompleteResponse, CreateEmbed};

/// What the bot does and which commands exist.
#[poise::command(slash_command)]
pub async fn help(ctx: Context<'_>) -> Result<(), BotError> {
    let mut lines = Vec::new();
    for c in &ctx.framework().options().commands {
        if c.subcommands.is_empty() {
            lines.push(format!("`/{}`: {}", c.name, c.description.clone().unwrap_or_default()));
        } else {
            for s in &c.subcommands {
                lines.push(format!("`/{} {}`: {}", c.name, s.name, s.description.clone().unwrap_or_default()));
            }
        }
    }
    let c = &ctx.data().curriculum;
    let paths: Vec<String> = c
        .paths
        .iter()
        .map(|p| format!("**{}** (`{}`, {} weeks): {}", p.path.name, p.path.id, p.weeks.len(), p.path.summary))
        .collect();
    let embed = CreateEmbed::new()
        .title("studybot")
        .description(format!(
            "I run study groups through a phased distributed-systems curriculum: every week I post \
             the group's topic and self-assessment questions, record your check-ins, and give \
             moderators participation reports.\n\n**Paths**\n{}",
            paths.join("\n")
        ))
        .colour(crate::render::COLOUR);
    let embeds = cards::paginate("Commands", &[(String::from("Commands"), lines)]);
    let mut all = vec![embed];
    all.extend(embeds.into_iter().flatten());
    reply::embeds(ctx, all).await
}

/// List the five specialization tracks.
#[poise::command(slash_command)]
pub async fn tracks(ctx: Context<'_>) -> Result<(), BotError> {
    reply::embeds(ctx, vec![cards::tracks_list(&ctx.data().curriculum)]).await
}

async fn autocomplete_track(ctx: Context<'_>, partial: &str) -> CreateAutocompleteResponse {
    let partial = partial.to_lowercase();
    let choices = ctx
        .data()
        .curriculum
        .tracks
        .iter()
        .filter(|t| partial.is_empty() || t.name.to_lowercase().contains(&partial) || t.id.contains(&partial))
        .take(25)
        .map(|t| AutocompleteChoice::new(t.name.clone(), t.id.clone()))
        .collect();
    CreateAutocompleteResponse::new().set_choices(choices)
}

/// Resolves a track from an id or a name typed by hand, or explains what exists.
fn find_track<'a>(ctx: &'a Context<'_>, name: &str) -> Result<&'a crate::curriculum::Track, BotError> {
    let c = &ctx.data().curriculum;
    let n = name.trim().to_lowercase();
    if let Some(t) = c.tracks.iter().find(|t| t.id == n || t.name.to_lowercase() == n) {
        return Ok(t);
    }
    let names: Vec<&str> = c.tracks.iter().map(|t| t.name.as_str()).collect();
    let suggestions = search::did_you_mean(name, names.iter().copied()).into_iter().map(str::to_string).collect();
    let all = names.iter().map(|n| n.to_string()).collect();
    Err(UserError::UnknownTrack { typed: name.chars().take(100).collect(), suggestions, all }.into())
}

/// Show everything about one specialization track.
#[poise::command(slash_command)]
pub async fn track(
    ctx: Context<'_>,
    #[description = "Track name"]
    #[autocomplete = "autocomplete_track"]
    name: String,
) -> Result<(), BotError> {
    let t = find_track(&ctx, &name)?;
    reply::embeds(ctx, cards::track_card(&ctx.data().curriculum, t)).await
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
    let c = &ctx.data().curriculum;
    let kind: Option<ResourceKind> = kind.map(Into::into);
    let (title, mut list): (String, Vec<_>) = match &track {
        Some(name) => {
            let t = find_track(&ctx, name)?;
            (format!("Resources for {}", t.name), t.resources.iter().filter_map(|id| c.resource(id)).collect())
        }
        None => ("Resources".to_string(), c.resources.iter().collect()),
    };
    if let Some(k) = kind {
        list.retain(|r| r.kind == k);
    }
    if list.is_empty() {
        let what = kind.map(|k| k.heading().to_lowercase()).unwrap_or_else(|| "resources".into());
        return Err(UserError::NoResourcesMatch(what).into());
    }
    let pages = cards::resources_pages(&title, &list);
    reply::pages(ctx, pages).await
}

/// Search topics, self-assessment questions, tracks and resources.
#[poise::command(slash_command)]
pub async fn search(
    ctx: Context<'_>,
    #[description = "Words to look for, e.g. consensus or kafka"]
    #[max_length = 100]
    query: String,
) -> Result<(), BotError> {
    if query.trim().chars().count() < 2 {
        return Err(UserError::SearchTooShort.into());
    }
    let hits = search::search(&ctx.data().curriculum, &query, 10);
    if hits.is_empty() {
        return Err(UserError::NothingMatches(query.chars().take(100).collect()).into());
    }
    reply::embeds(ctx, vec![cards::search_results(&query, &hits)]).await
}
