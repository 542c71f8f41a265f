//! Command registration, done before the gateway starts.
//!
//! poise's `setup` runs once, on the first READY, and on an error never hands out its user
//! data: every later interaction would wait forever ("This interaction failed") while the
//! scheduler kept posting. So registration happens here instead, over REST, before the client
//! connects: transient failures (5xx, a dropped connection, a rate limit) are retried a few
//! times, a permanent refusal ends start-up with a message that says what to fix, and the
//! outcome is what `/readyz` reports.

use super::commands::Command;
use poise::serenity_prelude as serenity;
use std::time::Duration;
use tracing::{info, warn};

/// Waits between attempts: five attempts within about 15 s.
pub const RETRY_DELAYS: [Duration; 4] =
    [Duration::from_millis(500), Duration::from_secs(1), Duration::from_secs(4), Duration::from_secs(9)];

/// Where the commands went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Every server (Discord may take a while to show them everywhere).
    Global,
    /// One development server (`--dev-guild`), shown at once.
    Guild(u64),
}

/// A registration that succeeded: what `/readyz` and the log say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Registered {
    pub scope: Scope,
    pub count: usize,
    pub attempts: usize,
}

impl std::fmt::Display for Registered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.scope {
            Scope::Global => write!(f, "{} commands registered globally", self.count),
            Scope::Guild(g) => write!(f, "{} commands registered in the dev server {g}", self.count),
        }
    }
}

/// Registration failed for good: the operator's message (what to fix).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct RegistrationFailed(pub String);

/// Whether an error is worth another attempt.
fn transient(e: &serenity::Error) -> bool {
    use serenity::{Error as E, HttpError as H};
    match e {
        E::Http(H::UnsuccessfulRequest(r)) => r.status_code.is_server_error() || r.status_code.as_u16() == 429,
        E::Http(H::Request(_)) | E::Io(_) => true,
        _ => false,
    }
}

/// The operator's words for a permanent refusal.
pub fn explain(scope: Scope, e: &serenity::Error) -> String {
    use serenity::{Error as E, HttpError as H};
    let (status, code, message) = match e {
        E::Http(H::UnsuccessfulRequest(r)) => (r.status_code.as_u16(), r.error.code, r.error.message.clone()),
        other => return format!("cannot register the slash commands: {other}"),
    };
    match (scope, status, code) {
        (_, 401, _) => "Discord refused the bot token (401 Unauthorized): check DISCORD_TOKEN".to_string(),
        (Scope::Guild(g), 404, _) | (Scope::Guild(g), _, 10004) => format!(
            "cannot register the slash commands in the dev server {g}: Discord does not know it or the bot \
             is not in it ({code} {message}). Check --dev-guild / STUDYBOT_DEV_GUILD, or leave it unset to \
             register globally"
        ),
        (Scope::Guild(g), 403, _) => format!(
            "cannot register the slash commands in the dev server {g}: Discord refused access ({code} \
             {message}). The bot was probably invited without the applications.commands scope: invite it \
             again with the link in the README (scopes bot and applications.commands)"
        ),
        (_, _, 50035) => format!(
            "Discord refused the slash command definitions ({code} {message}): this is a bug in this \
             version of studybot, please report it"
        ),
        _ => format!("Discord refused to register the slash commands ({status}, {code} {message})"),
    }
}

/// Registers `commands` (in the dev server if given, else globally), retrying transient
/// failures after [`RETRY_DELAYS`]. The error is the operator's message.
pub async fn register(
    http: &serenity::Http,
    commands: &[Command],
    dev_guild: Option<u64>,
) -> Result<Registered, RegistrationFailed> {
    let scope = dev_guild.map_or(Scope::Global, Scope::Guild);
    let builders = poise::builtins::create_application_commands(commands);
    let count = builders.len();
    let mut attempt = 0;
    loop {
        attempt += 1;
        let result = async {
            // Commands live under the application: its id is needed first (and serenity's
            // client only learns it from READY).
            if http.application_id().is_none() {
                let app = http.get_current_application_info().await?;
                http.set_application_id(app.id);
            }
            match scope {
                Scope::Global => serenity::Command::set_global_commands(http, builders.clone()).await,
                Scope::Guild(g) => serenity::GuildId::new(g).set_commands(http, builders.clone()).await,
            }
        }
        .await;
        match result {
            Ok(_) => {
                let done = Registered { scope, count, attempts: attempt };
                info!(attempts = attempt, "{done}");
                return Ok(done);
            }
            Err(e) if transient(&e) && attempt <= RETRY_DELAYS.len() => {
                let wait = RETRY_DELAYS[attempt - 1];
                warn!(attempt, "registering the slash commands failed ({e}); trying again in {wait:?}");
                tokio::time::sleep(wait).await;
            }
            Err(e) if transient(&e) => {
                return Err(RegistrationFailed(format!(
                    "cannot register the slash commands: Discord kept failing ({attempt} attempts, last: {e}); \
                     the bot would not answer any command, so it stops. Try again later"
                )));
            }
            Err(e) => return Err(RegistrationFailed(explain(scope, &e))),
        }
    }
}

/// `studybot clear-commands --guild ID`: removes the bot's commands registered in one server
/// (left from `--dev-guild`; with global commands too, members would see each twice). Returns
/// how many there were.
pub async fn clear_guild_commands(config: &crate::config::Config, guild: u64) -> anyhow::Result<usize> {
    let token = super::check_token(config)?;
    let (http, _transport) = super::build_http(config, &token, None).await?;
    let words = |e: serenity::Error| anyhow::anyhow!("{}", explain(Scope::Guild(guild), &e));
    http.set_application_id(http.get_current_application_info().await.map_err(words)?.id);
    let id = serenity::GuildId::new(guild);
    let old = id.get_commands(&http).await.map_err(words)?;
    id.set_commands(&http, Vec::new()).await.map_err(words)?;
    Ok(old.len())
}
