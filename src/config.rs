//! The one typed configuration, loaded once at start-up.
//!
//! Precedence: command-line flag, then environment variable, then the optional TOML config
//! file, then the default. Nothing else in the crate reads the environment.

use clap::Args;
use serde::Deserialize;
use std::fmt;
use std::path::{Path, PathBuf};

pub const DEFAULT_DATABASE: &str = "studybot.db";
pub const DEFAULT_DISCORD_API: &str = "https://discord.com";

/// Settings shared by every subcommand (flags and environment variables).
#[derive(Debug, Clone, Default, Args)]
pub struct ConfigArgs {
    /// Optional TOML config file with the same settings (keys in snake_case).
    #[arg(long, global = true, env = "STUDYBOT_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Database: a SQLite file, created if missing (or a `sqlite:` URL), or a `postgres://`
    /// URL for PostgreSQL, shared by several processes [default: studybot.db].
    #[arg(long, global = true, env = "STUDYBOT_DATABASE", value_name = "FILE|URL")]
    pub database: Option<String>,
    /// Curriculum directory [default: the curriculum built into the binary].
    #[arg(long, global = true, env = "STUDYBOT_CURRICULUM", value_name = "DIR")]
    pub curriculum: Option<PathBuf>,
    /// Base URL of the Discord API, e.g. an HTTP proxy or a local fake [default: https://discord.com].
    #[arg(long, global = true, env = "DISCORD_API_URL", value_name = "URL")]
    pub discord_api_url: Option<String>,
    /// Register slash commands in this server only (instant, for development) instead of globally.
    #[arg(long, global = true, env = "STUDYBOT_DEV_GUILD", value_name = "ID")]
    pub dev_guild: Option<u64>,
    /// No longer honoured (a role name can be copied by anyone who may create roles): set the
    /// moderators' role per server with /settings moderator-role. Accepted with a warning.
    #[arg(long, global = true, env = "STUDYBOT_MODERATOR_ROLE", value_name = "NAME", hide = true)]
    pub moderator_role: Option<String>,
    /// Hours before each weekly post that the reminder goes out [default: 24].
    #[arg(long, global = true, env = "STUDYBOT_REMINDER_HOURS", value_name = "HOURS")]
    pub reminder_hours: Option<u32>,
    /// Log filter in tracing's EnvFilter syntax [default: info].
    #[arg(long, global = true, env = "STUDYBOT_LOG", value_name = "FILTER")]
    pub log: Option<String>,
    /// Log lines as text (default) or as JSON objects, one per line, with fields.
    #[arg(long, global = true, env = "STUDYBOT_LOG_FORMAT", value_name = "FORMAT")]
    pub log_format: Option<LogFormat>,
    /// Serve /metrics, /livez and /readyz on this address, e.g. 127.0.0.1:9464 [default: off].
    #[arg(long, global = true, env = "STUDYBOT_METRICS_ADDR", value_name = "ADDR")]
    pub metrics_addr: Option<std::net::SocketAddr>,
    /// Serve the syllabus and the live calendar feeds on this address, e.g. 127.0.0.1:8080
    /// [default: off]. Put TLS in front of it with a reverse proxy (deploy/).
    #[arg(long, global = true, env = "STUDYBOT_WEB_ADDR", value_name = "ADDR")]
    pub web_addr: Option<std::net::SocketAddr>,
    /// The address the web server is reached at from outside, for the links the bot gives,
    /// e.g. https://study.example.org [default: http:// and --web-addr].
    #[arg(long, global = true, env = "STUDYBOT_PUBLIC_URL", value_name = "URL")]
    pub public_url: Option<String>,
    /// Days a server's data is kept after the bot was removed from it [default: 30].
    #[arg(long, global = true, env = "STUDYBOT_RETENTION_DAYS", value_name = "DAYS")]
    pub retention_days: Option<u32>,
    /// Shards of this process: `all` (default: as many as Discord recommends, in this one
    /// process) or FIRST-LAST of --shard-total, for one process of several.
    #[arg(long, global = true, env = "STUDYBOT_SHARDS", value_name = "all|FIRST-LAST")]
    pub shards: Option<String>,
    /// Shards of all processes together (with a --shards range).
    #[arg(long, global = true, env = "STUDYBOT_SHARD_TOTAL", value_name = "N")]
    pub shard_total: Option<u32>,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

/// The same settings as they may appear in the config file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    discord_token: Option<String>,
    database: Option<String>,
    curriculum: Option<PathBuf>,
    discord_api_url: Option<String>,
    dev_guild: Option<u64>,
    moderator_role: Option<String>,
    reminder_hours: Option<u32>,
    log: Option<String>,
    log_format: Option<LogFormat>,
    metrics_addr: Option<std::net::SocketAddr>,
    web_addr: Option<std::net::SocketAddr>,
    public_url: Option<String>,
    retention_days: Option<u32>,
    shards: Option<String>,
    shard_total: Option<u32>,
}

/// A secret that never shows up in logs or debug output.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    pub discord_token: Option<Secret>,
    /// The SQLite file or the PostgreSQL server (its `Display` hides a password).
    pub database: crate::db::Location,
    pub curriculum: Option<PathBuf>,
    pub discord_api_url: String,
    pub dev_guild: Option<u64>,
    pub reminder_hours: u32,
    pub log: String,
    pub log_format: LogFormat,
    /// Where `/metrics`, `/livez` and `/readyz` are served; off when `None`.
    pub metrics_addr: Option<std::net::SocketAddr>,
    /// Where the syllabus and calendar feeds are served; off when `None`.
    pub web_addr: Option<std::net::SocketAddr>,
    /// How the web server is reached from outside (no trailing `/`), when set.
    pub public_url: Option<String>,
    /// A removed server's data is purged this long after the bot was removed.
    pub retention: chrono::Duration,
    /// The Discord shards this process runs (and whose servers' groups it schedules).
    pub shards: crate::shards::Shards,
    /// Problems worth a warning once logging is up (a readable token file, an ignored setting).
    pub warnings: Vec<String>,
}

/// Default of `retention_days`.
pub const DEFAULT_RETENTION_DAYS: u32 = 30;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("invalid config file {path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("invalid discord_api_url `{0}`: it must start with http:// or https://")]
    ApiUrl(String),
    #[error("reminder_hours must be between 1 and 167, got {0}")]
    ReminderHours(u32),
    #[error("retention_days must be between 1 and 3650, got {0}")]
    RetentionDays(u32),
    #[error("{0}")]
    Shards(crate::shards::ShardsError),
    #[error("invalid database setting: {0}")]
    Database(crate::db::LocationError),
}

impl Config {
    /// Builds the configuration from flags/environment and the optional config file. The
    /// bot token comes from `DISCORD_TOKEN` or the file only (a flag would show in `ps`).
    pub fn load(args: &ConfigArgs) -> Result<Config, ConfigError> {
        Self::load_with_token(args, std::env::var("DISCORD_TOKEN").ok())
    }

    /// [`Config::load`] with the token's environment value given explicitly (for tests).
    pub fn load_with_token(args: &ConfigArgs, env_token: Option<String>) -> Result<Config, ConfigError> {
        let file = match &args.config {
            Some(path) => read_file(path)?,
            None => FileConfig::default(),
        };
        let discord_api_url = args
            .discord_api_url
            .clone()
            .or(file.discord_api_url)
            .unwrap_or_else(|| DEFAULT_DISCORD_API.to_string())
            .trim_end_matches('/')
            .to_string();
        if !(discord_api_url.starts_with("http://") || discord_api_url.starts_with("https://")) {
            return Err(ConfigError::ApiUrl(discord_api_url));
        }
        let reminder_hours = args.reminder_hours.or(file.reminder_hours).unwrap_or(24);
        if !(1..=167).contains(&reminder_hours) {
            return Err(ConfigError::ReminderHours(reminder_hours));
        }
        let retention_days = args.retention_days.or(file.retention_days).unwrap_or(DEFAULT_RETENTION_DAYS);
        if !(1..=3650).contains(&retention_days) {
            return Err(ConfigError::RetentionDays(retention_days));
        }
        let shards = crate::shards::Shards::parse(
            args.shards.as_deref().or(file.shards.as_deref()),
            args.shard_total.or(file.shard_total),
        )
        .map_err(ConfigError::Shards)?;
        let database = crate::db::Location::parse(
            args.database.as_deref().or(file.database.as_deref()).unwrap_or(DEFAULT_DATABASE),
        )
        .map_err(ConfigError::Database)?;
        let mut warnings = Vec::new();
        if args.moderator_role.is_some() || file.moderator_role.is_some() {
            warnings.push(
                "moderator_role (a role name) is no longer honoured: anyone who may create roles could copy the \
                 name. Set the moderators' role in each server with /settings moderator-role."
                    .to_string(),
            );
        }
        if let Some(path) = &args.config
            && file.discord_token.is_some()
            && let Some(w) = readable_by_others(path)
        {
            warnings.push(w);
        }
        Ok(Config {
            discord_token: env_token
                .filter(|t| !t.trim().is_empty())
                .or(file.discord_token)
                .filter(|t| !t.trim().is_empty())
                .map(|t| Secret::new(t.trim())),
            database,
            curriculum: args.curriculum.clone().or(file.curriculum),
            discord_api_url,
            dev_guild: args.dev_guild.or(file.dev_guild),
            reminder_hours,
            log: args.log.clone().or(file.log).unwrap_or_else(|| "info".into()),
            log_format: args.log_format.or(file.log_format).unwrap_or_default(),
            metrics_addr: args.metrics_addr.or(file.metrics_addr),
            web_addr: args.web_addr.or(file.web_addr),
            public_url: args
                .public_url
                .clone()
                .or(file.public_url)
                .map(|u| u.trim().trim_end_matches('/').to_string())
                .filter(|u| !u.is_empty()),
            retention: chrono::Duration::days(i64::from(retention_days)),
            shards,
            warnings,
        })
    }
}

/// A warning when the file holding the bot token can be read by other users.
fn readable_by_others(path: &Path) -> Option<String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).ok()?.permissions().mode();
        if mode & 0o044 != 0 {
            return Some(format!(
                "the config file {} holds the bot token and other users can read it (mode {:o}): run `chmod 600 {}`",
                path.display(),
                mode & 0o777,
                path.display()
            ));
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    None
}

fn read_file(path: &Path) -> Result<FileConfig, ConfigError> {
    let text =
        std::fs::read_to_string(path).map_err(|source| ConfigError::Read { path: path.to_path_buf(), source })?;
    toml::from_str(&text).map_err(|e| ConfigError::Parse { path: path.to_path_buf(), message: e.message().to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_beat_file_and_file_beats_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.toml");
        std::fs::write(&file, "database = \"file.db\"\nreminder_hours = 12\ndiscord_token = \"t\"\n").unwrap();
        let args = ConfigArgs { config: Some(file.clone()), database: Some("flag.db".into()), ..Default::default() };
        let c = Config::load_with_token(&args, None).unwrap();
        assert_eq!(c.database, crate::db::Location::Sqlite(PathBuf::from("flag.db")));
        assert_eq!(c.reminder_hours, 12);
        assert_eq!(c.discord_api_url, DEFAULT_DISCORD_API);
        assert_eq!(c.discord_token.as_ref().map(Secret::expose), Some("t"));
        assert!(!format!("{c:?}").contains("\"t\""));

        std::fs::write(&file, "databse = \"typo.db\"\n").unwrap();
        let err = Config::load_with_token(&args, None).unwrap_err().to_string();
        assert!(err.contains("databse"), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn a_token_file_others_can_read_and_a_role_name_are_warned_about() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.toml");
        std::fs::write(&file, "discord_token = \"t\"\nmoderator_role = \"mods\"\nretention_days = 7\n").unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        let args = ConfigArgs { config: Some(file.clone()), ..Default::default() };
        let c = Config::load_with_token(&args, None).unwrap();
        assert_eq!(c.retention, chrono::Duration::days(7));
        assert_eq!(c.warnings.len(), 2, "{:?}", c.warnings);
        assert!(c.warnings.iter().any(|w| w.contains("chmod 600")), "{:?}", c.warnings);
        assert!(c.warnings.iter().any(|w| w.contains("no longer honoured")), "{:?}", c.warnings);
        std::fs::write(&file, "discord_token = \"t\"\n").unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert!(Config::load_with_token(&args, None).unwrap().warnings.is_empty());
        let args = ConfigArgs { retention_days: Some(0), ..Default::default() };
        assert!(matches!(Config::load_with_token(&args, None), Err(ConfigError::RetentionDays(0))));
    }

    #[test]
    fn rejects_bad_api_url() {
        let args = ConfigArgs { discord_api_url: Some("discord.com".into()), ..Default::default() };
        assert!(matches!(Config::load_with_token(&args, None), Err(ConfigError::ApiUrl(_))));
    }
}
