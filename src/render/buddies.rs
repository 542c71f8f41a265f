//! Study buddies' replies: joining (with who can read the threads), status, pause, leaving,
//! the avoid list's confirmation (to its owner only), and the moderators' on/off.

use crate::db::buddies::BuddySettings;
use crate::model::GroupView;
use crate::service::buddies::BuddyStatus;
use chrono::NaiveDate;

fn name(v: &GroupView) -> String {
    super::escape_markdown(&v.group.name)
}

fn rounds(s: &BuddySettings) -> String {
    let every = match s.every_weeks {
        1 => "every week".to_string(),
        n => format!("every {n} weeks"),
    };
    let size = if s.size == 3 { "groups of 3" } else { "pairs" };
    format!("{every}, in {size}")
}

fn next(st: &BuddyStatus) -> String {
    match st.next_round {
        Some(at) => format!("The next round comes with the weekly post <t:{}:F>.", at.timestamp()),
        None => "No round is ahead on the group's calendar.".to_string(),
    }
}

/// `/buddy join` done: the rounds, and plainly who can read a private thread.
pub fn joined(st: &BuddyStatus) -> String {
    let how = st.settings.as_ref().map(rounds).unwrap_or_default();
    format!(
        "You are in **{}**'s study-buddy rounds ({how}). {} Each round I open a private thread for you and \
         your buddy in the group's channel and add you both; nobody else is invited, but **server moderators \
         with the Manage Threads permission can read private threads**. `/buddy pause until:` skips rounds, \
         `/buddy leave` ends it, `/buddy avoid member:` (never shown to anyone) keeps someone away from you.",
        name(&st.view),
        next(st)
    )
}

/// `/buddy status`.
pub fn status(st: &BuddyStatus) -> String {
    let g = name(&st.view);
    let Some(s) = &st.settings else {
        return format!("**{g}** has no study-buddy rounds.");
    };
    match &st.member {
        None => {
            format!("**{g}** has study-buddy rounds ({}); you are not in them. `/buddy join` takes you in.", rounds(s))
        }
        Some(m) => {
            let state = if m.auto_paused {
                "paused after two rounds without a word from you: `/buddy join` resumes you".to_string()
            } else {
                match m.paused_until {
                    Some(d) => format!("paused until {d}"),
                    None => "in".to_string(),
                }
            };
            format!("**{g}** study buddies ({}): you are {state}. {}", rounds(s), next(st))
        }
    }
}

/// `/buddy pause` done.
pub fn paused(v: &GroupView, until: NaiveDate) -> String {
    format!(
        "No study-buddy round for you in **{}** until {until} (included); you are back after it by yourself.",
        name(v)
    )
}

/// `/buddy leave` done.
pub fn left(v: &GroupView) -> String {
    format!("You left **{}**'s study-buddy rounds. `/buddy join` takes you back any time.", name(v))
}

/// `/buddy avoid` done (to its owner only).
pub fn avoided(added: bool) -> String {
    let head = if added { "Done" } else { "Already on your list" };
    format!(
        "{head}: you will never be matched with that member. Nobody is told, ever; only your `/my-data` file \
         lists it."
    )
}

/// `/group buddies on` done.
pub fn turned_on(st: &BuddyStatus) -> String {
    let how = st.settings.as_ref().map(rounds).unwrap_or_default();
    format!(
        "**{}** has study-buddy rounds: {how}, with the weekly post. Members opt in with `/buddy join`. {}",
        name(&st.view),
        next(st)
    )
}

/// `/group buddies off` done.
pub fn turned_off(v: &GroupView) -> String {
    format!("**{}** has no more study-buddy rounds; members stay opted in for when they are back on.", name(v))
}
