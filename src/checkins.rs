//! Check-in and self-assessment service: validation and storage, no Discord.

use crate::db::Db;
use crate::db::members::{self, CheckinInput, Status};
use crate::error::Error;
use crate::groups::GroupView;
use crate::weeks::Standing;
use chrono::{DateTime, Utc};

pub const MAX_NOTE: usize = 500;
pub const MAX_HOURS: f64 = 100.0;

/// What a member reports for a week.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub status: Status,
    pub hours: f64,
    pub confidence: u8,
    pub note: Option<String>,
}

/// Validates the values of a check-in (from the command or the modal).
pub fn validate(status: Status, hours: f64, confidence: i64, note: Option<&str>) -> Result<Report, String> {
    let mut problems = Vec::new();
    if !hours.is_finite() || !(0.0..=MAX_HOURS).contains(&hours) {
        problems.push(format!("Hours must be a number from 0 to {MAX_HOURS}."));
    }
    if !(1..=5).contains(&confidence) {
        problems.push("Confidence must be a whole number from 1 to 5.".to_string());
    }
    let note = note.map(str::trim).filter(|n| !n.is_empty()).map(str::to_string);
    if let Some(n) = &note {
        let len = n.chars().count();
        if len > MAX_NOTE {
            problems.push(format!("The note is {len} characters long; the limit is {MAX_NOTE}."));
        }
    }
    if problems.is_empty() {
        Ok(Report { status, hours: (hours * 100.0).round() / 100.0, confidence: confidence as u8, note })
    } else {
        Err(problems.join("\n"))
    }
}

/// Parses the text fields of the check-in modal.
pub fn parse_modal(status: &str, hours: &str, confidence: &str, note: &str) -> Result<Report, String> {
    let st = Status::parse(status);
    let h = hours.trim().replace(',', ".").parse::<f64>().ok();
    let c = confidence.trim().parse::<i64>().ok();
    let mut problems = Vec::new();
    if st.is_none() {
        problems.push(format!("Status `{}` is not one of done, partial, skipped.", status.trim()));
    }
    if h.is_none() {
        problems.push(format!("Hours `{}` is not a number (e.g. 4 or 2.5).", hours.trim()));
    }
    if c.is_none() {
        problems.push(format!("Confidence `{}` is not a whole number from 1 to 5.", confidence.trim()));
    }
    match (st, h, c) {
        (Some(st), Some(h), Some(c)) => validate(st, h, c, Some(note)),
        _ => {
            // Report range problems of the parsable values too, in one message.
            if let Err(more) = validate(Status::Done, h.unwrap_or(0.0), c.unwrap_or(3), Some(note)) {
                problems.push(more);
            }
            Err(problems.join("\n"))
        }
    }
}

/// The week a check-in or rating is for: the requested one, or the current one. Future
/// weeks, groups that have not started and finished groups are refused with a reason.
pub fn target_week(view: &GroupView, requested: Option<u32>, now: DateTime<Utc>) -> Result<u32, String> {
    let name = &view.row.name;
    let standing = view.standing(now);
    let current = match standing {
        Standing::Finished { total } => {
            return Err(format!(
                "**{name}** has finished all {total} weeks of its path, so it no longer takes check-ins."
            ));
        }
        Standing::NotStarted { first } => {
            return Err(format!("**{name}** has not started yet: week 1 begins <t:{}:F>.", first.timestamp()));
        }
        s => s.current_week(),
    };
    let Some(current) = current else {
        return Err(format!("**{name}** has not held a week yet (its first session was skipped or paused)."));
    };
    match requested {
        None => Ok(current),
        Some(0) => Err("Weeks start at 1.".to_string()),
        Some(w) if w > current => {
            Err(format!("Week {w} has not started yet for **{name}**; the current week is {current}."))
        }
        Some(w) => Ok(w),
    }
}

/// The outcome of a stored check-in.
#[derive(Debug, Clone, PartialEq)]
pub struct Stored {
    pub week: u32,
    /// True when an earlier check-in for the same week was replaced.
    pub updated: bool,
}

#[allow(clippy::too_many_arguments)]
/// Stores a check-in for `user_id` in the group (already checked to belong to `guild_id`).
pub async fn record(
    db: &Db,
    view: &GroupView,
    guild_id: u64,
    user_id: u64,
    display_name: &str,
    week: u32,
    report: &Report,
    now: DateTime<Utc>,
) -> Result<Stored, Error> {
    let input = CheckinInput {
        guild_id,
        group_id: view.row.id,
        user_id,
        display_name: display_name.to_string(),
        week,
        status: report.status,
        hours: report.hours,
        confidence: report.confidence,
        note: report.note.clone(),
    };
    let updated = members::upsert_checkin(db, &input, &now.to_rfc3339()).await?;
    Ok(Stored { week, updated })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modal_values_are_parsed_and_every_problem_listed() {
        let r = parse_modal(" Partial ", "2,5", "4", "  went ok ").unwrap();
        assert_eq!(r, Report { status: Status::Partial, hours: 2.5, confidence: 4, note: Some("went ok".into()) });
        let e = parse_modal("finished", "lots", "9", &"x".repeat(501)).unwrap_err();
        assert!(e.contains("Status `finished`"), "{e}");
        assert!(e.contains("Hours `lots`"), "{e}");
        assert!(e.contains("Confidence must be"), "{e}");
        assert!(e.contains("501 characters"), "{e}");
        assert!(validate(Status::Done, -1.0, 3, None).is_err());
        assert!(validate(Status::Done, f64::NAN, 3, None).is_err());
        assert_eq!(validate(Status::Done, 1.0, 3, Some("   ")).unwrap().note, None);
    }
}
