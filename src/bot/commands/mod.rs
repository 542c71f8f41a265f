//! Slash commands. Each one is thin: parse, call a service, render.
//! Doc comments on the functions become the descriptions users see in Discord.

pub mod buddy;
pub mod group;
pub mod info;
pub mod member;
pub mod report;
pub mod settings;

use super::{BotError, Data};

pub type Command = poise::Command<Data, BotError>;

/// Every command the bot registers, with its install and interaction contexts set
/// explicitly rather than left to Discord's defaults: installed to servers only; the
/// curriculum commands (`/help`, `/tracks`, `/track`, `/resources`, `/search`, `/syllabus`,
/// `/role`, `/week path:`) also work in a DM with the bot, the rest in servers only.
pub fn all() -> Vec<Command> {
    use poise::serenity_prelude::{InstallationContext, InteractionContext};
    let mut commands = every();
    for c in &mut commands {
        c.install_context = Some(vec![InstallationContext::Guild]);
        c.interaction_context = Some(match c.guild_only {
            true => vec![InteractionContext::Guild],
            false => vec![InteractionContext::Guild, InteractionContext::BotDm],
        });
    }
    commands
}

fn every() -> Vec<Command> {
    vec![
        info::help(),
        info::tracks(),
        info::track(),
        info::resources(),
        info::search(),
        info::syllabus(),
        info::role(),
        group::group(),
        member::week(),
        member::join(),
        member::checkin(),
        member::assess(),
        member::progress(),
        member::certificate(),
        member::my_data(),
        member::forget_me(),
        member::remind(),
        member::away(),
        member::review(),
        member::calendar(),
        member::web(),
        buddy::buddy(),
        report::report(),
        settings::settings(),
    ]
}

#[cfg(test)]
mod tests {
    #[test]
    fn registration_payload_fits_discord_limits() {
        let commands = poise::builtins::create_application_commands(&super::all());
        let json = serde_json::to_value(&commands).unwrap();
        let v = crate::limits::check_commands(&json);
        assert!(v.is_empty(), "{v:?}");
        let names: Vec<&str> = json.as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
        // Contexts are explicit: server installs only; DMs with the bot for the curriculum.
        let in_dms: Vec<&str> = json
            .as_array()
            .unwrap()
            .iter()
            .inspect(|c| assert_eq!(c["integration_types"], serde_json::json!([0]), "{}", c["name"]))
            .filter(|c| c["contexts"] == serde_json::json!([0, 1]))
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        assert_eq!(in_dms, ["help", "tracks", "track", "resources", "search", "syllabus", "role", "week"]);
        assert!(
            json.as_array()
                .unwrap()
                .iter()
                .all(|c| c["contexts"] == serde_json::json!([0]) || in_dms.contains(&c["name"].as_str().unwrap()))
        );
        assert_eq!(
            names,
            [
                "help",
                "tracks",
                "track",
                "resources",
                "search",
                "syllabus",
                "role",
                "group",
                "week",
                "join",
                "checkin",
                "assess",
                "progress",
                "certificate",
                "my-data",
                "forget-me",
                "remind",
                "away",
                "review",
                "calendar",
                "web",
                "buddy",
                "report",
                "settings"
            ]
        );
    }
}
