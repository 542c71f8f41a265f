//! Slash commands. Each one is thin: parse, call a service, render.
//! Doc comments on the functions become the descriptions users see in Discord.

pub mod info;

use super::{BotError, Data};

pub type Command = poise::Command<Data, BotError>;

/// Every command the bot registers.
pub fn all() -> Vec<Command> {
    vec![info::help(), info::tracks(), info::track(), info::resources(), info::search()]
}
