//! Views of a server's settings (`/settings`).

use crate::model::{Effective, ServerSettings};
use crate::weeks::weekday_name;

fn lines(e: &Effective, own: &ServerSettings) -> String {
    let default = |set: bool| if set { "" } else { " (default)" };
    let role = match e.moderator_role_id {
        Some(r) => format!("<@&{r}> and members with Manage Server"),
        None => "members with Manage Server only".to_string(),
    };
    let digest = match &e.digest {
        Some(d) => format!(
            "in <#{}> on {}s at {} ({})",
            d.channel_id,
            weekday_name(d.weekday),
            d.time.format("%H:%M"),
            d.tz.name()
        ),
        None => "off".to_string(),
    };
    let hours_set = own.reminder_hours.is_some();
    let channel_set = own.channel_reminders.is_some();
    format!(
        "- Moderator commands: {role}\n- Reminders: {} h before each weekly post{}\n- Reminders in channels: {}{}\n\
         - Weekly digest: {digest}\n- Spaced review: cards come back when recall falls to {}%{}",
        e.reminder_hours,
        default(hours_set),
        if e.channel_reminders { "on" } else { "off (DMs only)" },
        default(channel_set),
        (e.review_retention * 100.0).round(),
        default(own.review_retention.is_some()),
    )
}

/// `/settings show`.
pub fn show(e: &Effective, own: &ServerSettings) -> String {
    format!(
        "**This server's settings**\n{}\n\nModerator commands are hidden from members without Manage Server; to \
         show them to your moderators' role, allow it under Server Settings > Integrations > studybot.",
        lines(e, own)
    )
}

/// A setting changed.
pub fn changed(e: &Effective, own: &ServerSettings) -> String {
    format!("Saved. This server's settings now:\n{}", lines(e, own))
}
