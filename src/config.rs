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
    /// SQLite database file, created if missing [default: studybot.db].
    #[arg(long, global = true, env = "STUDYBOT_DATABASE", value_name = "FILE")]
    pub database: Option<PathBuf>,
    /// Curriculum directory [default: the curriculum built into the binary].
    #[arg(long, global = true, env = "STUDYBOT_CURRICULUM", value_name = "DIR")]
    pub curriculum: Option<PathBuf>,
    /// Base URL of the Discord API, e.g. an HTTP proxy or a local fake [default: https://discord.com].
    #[arg(long, global = true, env = "DISCORD_API_URL", value_name = "URL")]
    pub discord_api_url: Option<String>,
    /// Register slash commands in this server only (instant, for development) instead of globally.
    #[arg(long, global = true, env = "STUDYBOT_DEV_GUILD", value_name = "ID")]
    pub dev_guild: Option<u64>,
    /// Name of a role whose members may use moderator commands (besides Manage Server).
    #[arg(long, global = true, env = "STUDYBOT_MODERATOR_ROLE", value_name = "NAME")]
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
    /// Serve /metrics, /livez and /readyz on this address, e.g. 127.0.0.1:9100 [default: off].
    #[arg(long, global = true, env = "STUDYBOT_METRICS_ADDR", value_name = "ADDR")]
    pub metrics_addr: Option<std::net::SocketAddr>,
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
    database: Option<PathBuf>,
    curriculum: Option<PathBuf>,
    discord_api_url: Option<String>,
    dev_guild: Option<u64>,
    moderator_role: Option<String>,
    reminder_hours: Option<u32>,
    log: Option<String>,
    log_format: Option<LogFormat>,
    metrics_addr: Option<std::net::SocketAddr>,
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
    pub database: PathBuf,
    pub curriculum: Option<PathBuf>,
    pub discord_api_url: String,
    pub dev_guild: Option<u64>,
    pub moderator_role: Option<String>,
    pub reminder_hours: u32,
    pub log: String,
    pub log_format: LogFormat,
    /// Where `/metrics`, `/livez` and `/readyz` are served; off when `None`.
    pub metrics_addr: Option<std::net::SocketAddr>,
}

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
        Ok(Config {
            discord_token: env_token
                .filter(|t| !t.trim().is_empty())
                .or(file.discord_token)
                .filter(|t| !t.trim().is_empty())
                .map(|t| Secret::new(t.trim())),
            database: args.database.clone().or(file.database).unwrap_or_else(|| PathBuf::from(DEFAULT_DATABASE)),
            curriculum: args.curriculum.clone().or(file.curriculum),
            discord_api_url,
            dev_guild: args.dev_guild.or(file.dev_guild),
            moderator_role: args.moderator_role.clone().or(file.moderator_role),
            reminder_hours,
            log: args.log.clone().or(file.log).unwrap_or_else(|| "info".into()),
            log_format: args.log_format.or(file.log_format).unwrap_or_default(),
            metrics_addr: args.metrics_addr.or(file.metrics_addr),
        })
    }
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
        assert_eq!(c.database, PathBuf::from("flag.db"));
        assert_eq!(c.reminder_hours, 12);
        assert_eq!(c.discord_api_url, DEFAULT_DISCORD_API);
        assert_eq!(c.discord_token.as_ref().map(Secret::expose), Some("t"));
        assert!(!format!("{c:?}").contains("\"t\""));

        std::fs::write(&file, "databse = \"typo.db\"\n").unwrap();
        let err = Config::load_with_token(&args, None).unwrap_err().to_string();
        assert!(err.contains("databse"), "{err}");
    }

    #[test]
    fn rejects_bad_api_url() {
        let args = ConfigArgs { discord_api_url: Some("discord.com".into()), ..Default::default() };
        assert!(matches!(Config::load_with_token(&args, None), Err(ConfigError::ApiUrl(_))));
    }
}
