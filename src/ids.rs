//! Component custom ids: the only state a button or modal carries.
//!
//! A custom id is untrusted input (a client can send any string), so parsing is strict and
//! every id that names a group is checked against the guild it arrived from before use.

use std::fmt;

/// Longest group name accepted (keeps posts and select labels within Discord's limits).
pub const MAX_GROUP_NAME: usize = 50;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CustomId {
    /// "Check in" button on a weekly post: opens the check-in modal.
    CheckIn { group_id: i64, week: u32 },
    /// The check-in modal itself.
    CheckInModal { group_id: i64, week: u32 },
    /// "Rate yourself" button on a weekly post: shows the rating buttons.
    Assess { group_id: i64, week: u32 },
    /// One rating button: question index (0-based) and rating 1..=5.
    Rate { group_id: i64, week: u32, question: u8, rating: u8 },
    /// Confirms `/group delete`.
    DeleteGroup { group_id: i64 },
    /// Confirms `/forget-me`.
    Forget,
    /// Cancels a confirmation.
    Cancel,
    /// A `/syllabus` page button: phase `phase` of the curriculum's `path`-th path.
    Syllabus { path: u8, phase: u32 },
    /// The `/syllabus` "open a week" menu of the `path`-th path (the value is the week).
    SyllabusWeek { path: u8 },
    /// The end-of-path skills checklist, page `page` (from 0).
    Skills { group_id: i64, page: u8 },
    /// One checklist rating button: skill (from 0, across the checklist's areas), 1..=5.
    RateSkill { group_id: i64, skill: u8, rating: u8 },
    /// A spaced-review grade button: the member's card, the reviews it had when shown (a
    /// second press finds it graded), the grade (1 to 4), and the group whose path the
    /// session is limited to (0: every path).
    ReviewGrade { card_id: i64, reps: u32, grade: u8, group_id: i64 },
    /// The daily review DM's "start reviewing" button (the group resolves the member in a DM).
    ReviewStart { group_id: i64 },
    /// A review card's "Show outline" button (`group_id` as in [`CustomId::ReviewGrade`]).
    ReviewOutline { card_id: i64, group_id: i64 },
    /// A study-buddy pair's check-back: "We met", "Not yet" or "Partner unreachable".
    BuddyCheck { pair_id: i64, answer: crate::buddies::Answer },
    /// "I'm here": a member of a pair answers their buddy's "partner unreachable".
    BuddyHere { pair_id: i64 },
    /// The `/search` "open a result" menu (the value says what: see `service::catalog::Opened`).
    SearchOpen,
}

impl CustomId {
    pub fn encode(&self) -> String {
        match *self {
            CustomId::CheckIn { group_id, week } => format!("sb:ci:{group_id}:{week}"),
            CustomId::CheckInModal { group_id, week } => format!("sb:cm:{group_id}:{week}"),
            CustomId::Assess { group_id, week } => format!("sb:as:{group_id}:{week}"),
            CustomId::Rate { group_id, week, question, rating } => {
                format!("sb:rt:{group_id}:{week}:{question}:{rating}")
            }
            CustomId::DeleteGroup { group_id } => format!("sb:gd:{group_id}"),
            CustomId::Forget => "sb:fg".to_string(),
            CustomId::Cancel => "sb:no".to_string(),
            CustomId::Syllabus { path, phase } => format!("sb:sy:{path}:{phase}"),
            CustomId::SyllabusWeek { path } => format!("sb:sw:{path}"),
            CustomId::SearchOpen => "sb:so".to_string(),
            CustomId::Skills { group_id, page } => format!("sb:sk:{group_id}:{page}"),
            CustomId::RateSkill { group_id, skill, rating } => format!("sb:rs:{group_id}:{skill}:{rating}"),
            CustomId::ReviewGrade { card_id, reps, grade, group_id } => {
                format!("sb:rv:{card_id}:{reps}:{grade}:{group_id}")
            }
            CustomId::ReviewStart { group_id } => format!("sb:rs:{group_id}"),
            CustomId::ReviewOutline { card_id, group_id } => format!("sb:ro:{card_id}:{group_id}"),
            CustomId::BuddyCheck { pair_id, answer } => {
                let a = match answer {
                    crate::buddies::Answer::NotYet => 0,
                    crate::buddies::Answer::Met => 1,
                    crate::buddies::Answer::Unreachable => 2,
                };
                format!("sb:bc:{pair_id}:{a}")
            }
            CustomId::BuddyHere { pair_id } => format!("sb:bh:{pair_id}"),
        }
    }

    pub fn parse(s: &str) -> Option<CustomId> {
        let parts: Vec<&str> = s.split(':').collect();
        let num = |i: usize| parts.get(i).and_then(|p| p.parse::<i64>().ok());
        let week = |i: usize| parts.get(i).and_then(|p| p.parse::<u32>().ok()).filter(|w| *w >= 1);
        match parts.as_slice() {
            ["sb", "ci", _, _] => Some(CustomId::CheckIn { group_id: num(2)?, week: week(3)? }),
            ["sb", "cm", _, _] => Some(CustomId::CheckInModal { group_id: num(2)?, week: week(3)? }),
            ["sb", "as", _, _] => Some(CustomId::Assess { group_id: num(2)?, week: week(3)? }),
            ["sb", "rt", _, _, q, r] => {
                let question = q.parse::<u8>().ok().filter(|q| *q < 5)?;
                let rating = r.parse::<u8>().ok().filter(|r| (1..=5).contains(r))?;
                Some(CustomId::Rate { group_id: num(2)?, week: week(3)?, question, rating })
            }
            ["sb", "gd", _] => Some(CustomId::DeleteGroup { group_id: num(2)? }),
            ["sb", "fg"] => Some(CustomId::Forget),
            ["sb", "no"] => Some(CustomId::Cancel),
            ["sb", "sy", p, _] => Some(CustomId::Syllabus { path: p.parse().ok()?, phase: week(3)? }),
            ["sb", "sw", p] => Some(CustomId::SyllabusWeek { path: p.parse().ok()? }),
            ["sb", "so"] => Some(CustomId::SearchOpen),
            ["sb", "sk", _, p] => Some(CustomId::Skills { group_id: num(2)?, page: p.parse().ok()? }),
            ["sb", "rs", _, s, r] => {
                let rating = r.parse::<u8>().ok().filter(|r| (1..=5).contains(r))?;
                Some(CustomId::RateSkill {
                    group_id: num(2)?,
                    skill: s.parse::<u8>().ok().filter(|s| *s < 100)?,
                    rating,
                })
            }
            ["sb", "rv", _, r, g, _] => Some(CustomId::ReviewGrade {
                card_id: num(2)?,
                reps: r.parse::<u32>().ok()?,
                grade: g.parse::<u8>().ok().filter(|g| (1..=4).contains(g))?,
                group_id: num(5)?,
            }),
            ["sb", "rs", _] => Some(CustomId::ReviewStart { group_id: num(2)? }),
            ["sb", "ro", _, _] => Some(CustomId::ReviewOutline { card_id: num(2)?, group_id: num(3)? }),
            ["sb", "bc", _, a] => Some(CustomId::BuddyCheck {
                pair_id: num(2)?,
                answer: match *a {
                    "0" => crate::buddies::Answer::NotYet,
                    "1" => crate::buddies::Answer::Met,
                    "2" => crate::buddies::Answer::Unreachable,
                    _ => return None,
                },
            }),
            ["sb", "bh", _] => Some(CustomId::BuddyHere { pair_id: num(2)? }),
            _ => None,
        }
    }
}

impl fmt::Display for CustomId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.encode())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_garbage() {
        for id in [
            CustomId::CheckIn { group_id: i64::MAX, week: 36 },
            CustomId::CheckInModal { group_id: 1, week: 1 },
            CustomId::Assess { group_id: -5, week: 2 },
            CustomId::Rate { group_id: 3, week: 4, question: 4, rating: 5 },
            CustomId::DeleteGroup { group_id: 9 },
            CustomId::Forget,
            CustomId::Cancel,
            CustomId::Syllabus { path: 1, phase: 5 },
            CustomId::SyllabusWeek { path: 0 },
            CustomId::SearchOpen,
            CustomId::Skills { group_id: 4, page: 3 },
            CustomId::RateSkill { group_id: 4, skill: 14, rating: 5 },
            CustomId::ReviewGrade { card_id: i64::MAX, reps: u32::MAX, grade: 4, group_id: i64::MAX },
            CustomId::ReviewStart { group_id: i64::MAX },
            CustomId::ReviewOutline { card_id: i64::MAX, group_id: i64::MAX },
            CustomId::BuddyCheck { pair_id: i64::MAX, answer: crate::buddies::Answer::Met },
            CustomId::BuddyCheck { pair_id: 1, answer: crate::buddies::Answer::NotYet },
            CustomId::BuddyCheck { pair_id: 1, answer: crate::buddies::Answer::Unreachable },
            CustomId::BuddyHere { pair_id: i64::MAX },
        ] {
            assert_eq!(CustomId::parse(&id.encode()), Some(id));
            assert!(id.encode().len() <= crate::limits::CUSTOM_ID);
        }
        for bad in [
            "",
            "sb",
            "sb:ci:x:1",
            "sb:ci:1:0",
            "sb:rt:1:1:9:1",
            "sb:rt:1:1:0:6",
            "sb:ci:1:2:3",
            "sb:rs:1:100:1",
            "sb:rs:1:1:0",
            "sb:rv:1:1:5:0",
            "sb:rv:1:x:1:0",
            "sb:bc:1:3",
            "sb:bh:x",
            "sb:bc:x:1",
            "other",
        ] {
            assert_eq!(CustomId::parse(bad), None, "{bad}");
        }
    }
}
