//! The one error type of services and commands: user-facing problems become an ephemeral reply; everything else is
//! logged with context and the user sees a short apology.

use poise::serenity_prelude as serenity;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Something the user can fix (bad input, not allowed, not found). Shown as is.
    #[error("{0}")]
    User(String),
    /// A bug or an outage. Logged; the user gets a generic message.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl Error {
    pub fn user(msg: impl Into<String>) -> Error {
        Error::User(msg.into())
    }
}

impl From<serenity::Error> for Error {
    fn from(e: serenity::Error) -> Self {
        Error::Internal(anyhow::Error::new(e).context("Discord request failed"))
    }
}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        Error::Internal(anyhow::Error::new(e).context("database error"))
    }
}

pub const INTERNAL_MESSAGE: &str = "Something went wrong on my side; it has been logged. Please try again in a moment.";
