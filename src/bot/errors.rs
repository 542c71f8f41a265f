//! The one place where errors become replies: a [`UserError`] is shown as is, ephemeral;
//! anything else is logged with context and the user sees [`INTERNAL_MESSAGE`].

use super::{Data, drain, reply};
use crate::error::{Error, INTERNAL_MESSAGE, UserError};
use poise::serenity_prelude as serenity;
use tracing::{error, warn};

/// The text a user sees for `e`; internal errors are logged here with `what` as context.
pub fn phrase(e: &Error, what: &str) -> String {
    match e {
        Error::User(u) => {
            drain::mark(drain::Outcome::Refused);
            u.to_string()
        }
        Error::NotSaved { what: saved, source } => {
            drain::mark(drain::Outcome::Error);
            error!(what = %what, error = %source, "a member's {saved} was not stored");
            crate::error::not_saved_message(saved)
        }
        other => {
            drain::mark(drain::Outcome::Error);
            error!(what = %what, error = %other, "request failed");
            INTERNAL_MESSAGE.to_string()
        }
    }
}

/// A command option as defined: its name and, for a choice, the choices' names in order.
pub struct Param<'a> {
    pub name: &'a str,
    pub choices: Vec<&'a str>,
}

/// An option as Discord sent it: its name and its value as text (an index for a choice).
pub struct Arg<'a> {
    pub name: &'a str,
    pub value: String,
}

fn arg_value(v: &serenity::ResolvedValue<'_>) -> String {
    use serenity::ResolvedValue as V;
    match v {
        V::Integer(i) => i.to_string(),
        V::Number(n) => n.to_string(),
        V::String(s) => s.chars().take(50).collect(),
        V::Boolean(b) => b.to_string(),
        V::User(u, _) => u.id.to_string(),
        V::Role(r) => r.id.to_string(),
        V::Channel(c) => c.id.to_string(),
        _ => "?".to_string(),
    }
}

/// What to tell a member when Discord sent options the command does not define (an old
/// client, a command definition still updating, a forged payload): the option at fault and
/// the values it accepts, or the options the command has.
pub fn mismatch_message(command: &str, params: &[Param<'_>], args: &[Arg<'_>]) -> String {
    for a in args {
        match params.iter().find(|p| p.name == a.name) {
            None => {
                let names: Vec<String> = params.iter().map(|p| format!("`{}`", p.name)).collect();
                return format!(
                    "`/{command}` has no option `{}`; its options are {}. Your Discord may show an old version \
                     of the command: reload Discord (Ctrl+R) and try again.",
                    a.name,
                    names.join(", ")
                );
            }
            Some(p) if !p.choices.is_empty() => {
                let known = a.value.parse::<usize>().ok().is_some_and(|i| i < p.choices.len())
                    || p.choices.iter().any(|c| c.eq_ignore_ascii_case(&a.value));
                if !known {
                    return format!(
                        "`{}` is not a value of the option `{}` of `/{command}`. It accepts: {}. Pick one of them and try again.",
                        a.value,
                        p.name,
                        p.choices.join(", ")
                    );
                }
            }
            Some(_) => {}
        }
    }
    format!(
        "Discord sent options `/{command}` does not expect. Reload Discord (Ctrl+R) to get the current version \
         of the command and try again."
    )
}

/// poise's error hook for every command.
pub async fn on_error(error: poise::FrameworkError<'_, Data, Error>) {
    use poise::FrameworkError as F;
    // Refused unless phrased otherwise below (`phrase` marks its own outcome).
    drain::mark(drain::Outcome::Refused);
    let (ctx, message) = match error {
        F::Command { error, ctx, .. } => {
            let what = format!("command /{} by user {}", ctx.command().qualified_name, ctx.author().id);
            (ctx, phrase(&error, &what))
        }
        F::ArgumentParse { error, input, ctx, .. } => {
            // A channel option the bot cannot see: Discord refuses to show it to the bot (50001).
            let hidden = match error.downcast_ref::<serenity::Error>() {
                Some(serenity::Error::Http(serenity::HttpError::UnsuccessfulRequest(r))) => r.error.code == 50001,
                _ => false,
            };
            if hidden {
                (ctx, UserError::ChannelHidden.to_string())
            } else {
                let shown =
                    input.map(|i| format!(" `{}`", i.chars().take(100).collect::<String>())).unwrap_or_default();
                (ctx, format!("I couldn't understand the value{shown}: {error}. Please check the command's options."))
            }
        }
        F::MissingUserPermissions { ctx, .. } | F::CommandCheckFailed { ctx, error: None, .. } => {
            (ctx, UserError::NotModerator.to_string())
        }
        F::CommandCheckFailed { ctx, error: Some(e), .. } => (ctx, phrase(&e, "command check")),
        F::CommandStructureMismatch { ctx, description, .. } => {
            let command = ctx.command();
            warn!(command = %command.qualified_name, "option mismatch: {description}");
            let params: Vec<Param<'_>> = command
                .parameters
                .iter()
                .map(|p| Param { name: &p.name, choices: p.choices.iter().map(|c| c.name.as_ref()).collect() })
                .collect();
            let args: Vec<Arg<'_>> =
                ctx.args.iter().map(|o| Arg { name: o.name, value: arg_value(&o.value) }).collect();
            (poise::Context::Application(ctx), mismatch_message(&command.qualified_name, &params, &args))
        }
        F::GuildOnly { ctx, .. } => (ctx, UserError::GuildOnly.to_string()),
        F::CommandPanic { ctx, payload, .. } => {
            drain::mark(drain::Outcome::Error);
            error!(command = %ctx.command().qualified_name, payload = ?payload, "command panicked");
            (ctx, INTERNAL_MESSAGE.to_string())
        }
        F::EventHandler { error, event, .. } => {
            error!(event = ?event.snake_case_name(), "event handler failed: {error}");
            return;
        }
        other => {
            if let Err(e) = poise::builtins::on_error(other).await {
                error!("error while handling an error: {e}");
            }
            return;
        }
    };
    if let Err(e) = reply::text(ctx, message).await {
        warn!("could not send the error reply: {e}");
    }
}

/// Answers a failed component or modal interaction with the phrased error, ephemeral.
pub async fn reply_to_interaction(ctx: &serenity::Context, interaction: &serenity::Interaction, e: &Error) {
    use serenity::{CreateInteractionResponse, Interaction};
    let text = phrase(e, "component interaction");
    let response = CreateInteractionResponse::Message(crate::render::response().content(text).ephemeral(true));
    let sent = match interaction {
        Interaction::Component(c) => c.create_response(ctx, response).await,
        Interaction::Modal(m) => m.create_response(ctx, response).await,
        _ => Ok(()),
    };
    if let Err(e) = sent {
        warn!("could not send the error reply: {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status() -> Vec<Param<'static>> {
        vec![
            Param { name: "status", choices: vec!["done", "partial", "skipped"] },
            Param { name: "hours", choices: vec![] },
        ]
    }

    #[test]
    fn an_undefined_choice_names_the_option_and_its_values() {
        let args = [Arg { name: "hours", value: "2".into() }, Arg { name: "status", value: "7".into() }];
        assert_eq!(
            mismatch_message("checkin", &status(), &args),
            "`7` is not a value of the option `status` of `/checkin`. It accepts: done, partial, skipped. Pick one of them and try again."
        );
    }

    #[test]
    fn an_unknown_option_lists_the_options_and_defined_values_pass() {
        let args = [Arg { name: "status", value: "2".into() }, Arg { name: "mood", value: "x".into() }];
        let m = mismatch_message("checkin", &status(), &args);
        assert!(m.starts_with("`/checkin` has no option `mood`; its options are `status`, `hours`."), "{m}");
        let fine = [Arg { name: "status", value: "0".into() }];
        assert!(mismatch_message("checkin", &status(), &fine).starts_with("Discord sent options `/checkin`"));
    }
}
