//! Study buddies' replies: joining (with who can read the threads), status, pause, leaving,
//! the avoid list's confirmation (to its owner only), and the moderators' on/off.

use crate::db::buddies::BuddySettings;
use crate::model::GroupView;
use crate::service::buddies::{Answered, BuddyStatus};
use chrono::{DateTime, NaiveDate, Utc};

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
            let mine = match (&st.partners, st.thread) {
                (p, Some(t)) if !p.is_empty() => {
                    let who: Vec<String> = p.iter().map(|u| format!("<@{u}>")).collect();
                    format!(" Latest round with {} in <#{t}>.", super::and_list(&who))
                }
                _ => String::new(),
            };
            let rounds_so_far = match st.rounds {
                0 => "no round yet".to_string(),
                1 => "1 round so far".to_string(),
                n => format!("{n} rounds so far"),
            };
            format!("**{g}** study buddies ({}): you are {state}; {rounds_so_far}.{mine} {}", rounds(s), next(st))
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

/// How a round's pair thread's name starts: the week and the pair's number in the round (a
/// retry finds the thread a dead process opened by it).
pub fn thread_prefix(week: u32, idx: u32) -> String {
    format!("W{week} buddies {}:", idx + 1)
}

/// A pair thread's name: "W7 buddies 2: ann & bob", within Discord's 100 characters.
pub fn thread_name(week: u32, idx: u32, names: &[&str]) -> String {
    let names: Vec<String> = names.iter().map(|n| n.chars().take(28).collect()).collect();
    let s = format!("{} {}", thread_prefix(week, idx), names.join(" & "));
    s.chars().take(100).collect()
}

/// How the opening message starts (a retry looks for it in the thread).
pub fn opening_start(week: u32) -> String {
    format!("**Week {week}: ")
}

/// The pair thread's opening message: the week's topic, who the buddies are (new ones, for a
/// rematch), who proposes a time, and the check-in deadline. Pings the buddies only.
pub fn opening(
    week: u32,
    title: &str,
    members: &[u64],
    proposer: u64,
    deadline: Option<chrono::DateTime<chrono::Utc>>,
    channel: u64,
    rematch: bool,
) -> serenity::all::CreateMessage {
    let who: Vec<String> = members.iter().map(|u| format!("<@{u}>")).collect();
    let who = super::and_list(&who);
    let intro =
        if rematch { "Your new study buddies for the rest of this round" } else { "Your study buddies this round" };
    let by = deadline.map(|d| format!(" by <t:{0}:F> (<t:{0}:R>)", d.timestamp())).unwrap_or_default();
    let content = format!(
        "{}{}**\n{intro}: {who}.\n<@{proposer}>, would you propose a time to \
         meet (a call, a chat, or right here)? Go through the week's questions together (the weekly post is in \
         <#{channel}>) and check in with `/checkin`{by}.",
        opening_start(week),
        super::escape_markdown(title)
    );
    let users: Vec<serenity::all::UserId> = members.iter().map(|u| serenity::all::UserId::new(*u)).collect();
    serenity::all::CreateMessage::new()
        .content(content)
        .allowed_mentions(serenity::all::CreateAllowedMentions::new().users(users))
}

/// How the check-back message starts (a retry looks for it in the thread).
pub const CHECKBACK_START: &str = "Halfway to the next session:";

/// The mid-round check-back in a pair's thread, with its three buttons. Pings the buddies.
pub fn checkback(pair_id: i64, members: &[u64]) -> serenity::all::CreateMessage {
    use crate::buddies::Answer;
    use crate::ids::CustomId;
    use serenity::all::{ButtonStyle, CreateActionRow, CreateButton};
    let who: Vec<String> = members.iter().map(|u| format!("<@{u}>")).collect();
    let users: Vec<serenity::all::UserId> = members.iter().map(|u| serenity::all::UserId::new(*u)).collect();
    let button = |answer, label: &str, style| {
        CreateButton::new(CustomId::BuddyCheck { pair_id, answer }.encode()).label(label).style(style)
    };
    serenity::all::CreateMessage::new()
        .content(format!("{CHECKBACK_START} have you met yet, {}?", super::and_list(&who)))
        .components(vec![CreateActionRow::Buttons(vec![
            button(Answer::Met, "We met", ButtonStyle::Success),
            button(Answer::NotYet, "Not yet", ButtonStyle::Secondary),
            button(Answer::Unreachable, "Partner unreachable", ButtonStyle::Danger),
        ])])
        .allowed_mentions(serenity::all::CreateAllowedMentions::new().users(users))
}

/// A member's check-back answer, or `/buddy rematch`, recorded (to them only).
pub fn answered(a: &Answered) -> String {
    match a {
        Answered::Met => "Noted: you met. Keep it going, and check in with `/checkin` before the next session.".into(),
        Answered::NotYet => "Noted: not yet. There is still time before the next session; a short call counts.".into(),
        Answered::Asked { confirm_by, .. } => format!(
            "Noted. I asked your buddy in your thread to say they are there by <t:{}:F>. If nobody does, I find you \
             a new buddy for the rest of this round if anyone in the group is free, and tell you in the thread if \
             nobody is.",
            confirm_by.timestamp()
        ),
    }
}

/// How the "still there?" ask starts (a retry looks for it in the thread).
pub const ASK_START: &str = "**Still there?**";
/// How a report's outcome starts (a retry looks for it in the thread).
pub const OUTCOME_START: &str = "No word within 48 hours";

/// The ask in a pair's thread after "partner unreachable": the others have until
/// `confirm_by` to press "I'm here". Pings them only.
pub fn ask(pair_id: i64, reporter: u64, others: &[u64], confirm_by: DateTime<Utc>) -> serenity::all::CreateMessage {
    use crate::ids::CustomId;
    use serenity::all::{ButtonStyle, CreateActionRow, CreateButton};
    let who: Vec<String> = others.iter().map(|u| format!("<@{u}>")).collect();
    let users: Vec<serenity::all::UserId> = others.iter().map(|u| serenity::all::UserId::new(*u)).collect();
    serenity::all::CreateMessage::new()
        .content(format!(
            "{ASK_START} {}, <@{reporter}> could not reach you. Press **I'm here** by <t:{1}:F> (<t:{1}:R>) and carry \
             on together; without a word, <@{reporter}> gets a new buddy for the rest of this round.",
            super::and_list(&who),
            confirm_by.timestamp()
        ))
        .components(vec![CreateActionRow::Buttons(vec![
            CreateButton::new(CustomId::BuddyHere { pair_id }.encode()).label("I'm here").style(ButtonStyle::Primary),
        ])])
        .allowed_mentions(serenity::all::CreateAllowedMentions::new().users(users))
}

/// The ask, once answered: who is there (the button goes).
pub fn here(member: u64, reporter: u64) -> String {
    format!("<@{member}> is here. Carry on together, <@{reporter}>: propose a time to meet.")
}

/// A report's outcome in the pair's thread: the reporter has a new buddy, or nobody is free.
/// Pings the reporter only when nobody is.
pub fn outcome(reporter: u64, rematched: bool) -> serenity::all::CreateMessage {
    if rematched {
        serenity::all::CreateMessage::new()
            .content(format!(
                "{OUTCOME_START}: <@{reporter}> has a new buddy for the rest of this round, in a new thread. Everyone \
                 here stays in the group's rounds as usual."
            ))
            .allowed_mentions(super::no_pings())
    } else {
        serenity::all::CreateMessage::new()
            .content(format!(
                "{OUTCOME_START}, <@{reporter}>, and nobody in the group is free for a new pair this round. You are \
                 in the next round as usual; the group's channel is open to you meanwhile."
            ))
            .allowed_mentions(
                serenity::all::CreateAllowedMentions::new().users(vec![serenity::all::UserId::new(reporter)]),
            )
    }
}

/// The DM to a member paused after two silent rounds.
pub fn auto_paused_dm(group: &str) -> serenity::all::CreateMessage {
    serenity::all::CreateMessage::new()
        .content(format!(
            "You are paused in **{}**'s study-buddy rounds: two rounds went by without a check-in or an answer \
             from you, so I stopped matching you (your buddies wait on you otherwise). `/buddy join` in the \
             server resumes you whenever you like.",
            super::escape_markdown(group)
        ))
        .allowed_mentions(super::no_pings())
}

/// The DM to an eligible member left without a partner this round.
pub fn alone_dm(group: &str, week: u32) -> serenity::all::CreateMessage {
    serenity::all::CreateMessage::new()
        .content(format!(
            "No study buddy for you this round in **{}** (week {week}): nobody else could be matched with you \
             this time. You are in the next round as usual; meanwhile the group's weekly thread is open to you.",
            super::escape_markdown(group)
        ))
        .allowed_mentions(super::no_pings())
}

/// `/group buddies now` done.
pub fn round_now(v: &GroupView, week: u32) -> String {
    format!(
        "A study-buddy round for **{}** (week {week}) starts within a minute: the pairs' private threads open in \
         <#{}>.",
        name(v),
        v.group.channel_id
    )
}
