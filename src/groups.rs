//! Study-group service: validating settings and loading a group with its schedule.

use crate::curriculum::{Curriculum, PathFile};
use crate::db::Db;
use crate::db::groups::{self, GroupRow, GroupSettings};
use crate::ids::MAX_GROUP_NAME;
use crate::search::did_you_mean;
use crate::weeks::{self, Break, Schedule, Standing};
use chrono::{DateTime, Datelike, Utc, Weekday};

/// Raw settings as a moderator typed them.
#[derive(Debug, Clone, Default)]
pub struct GroupInput {
    pub name: String,
    pub channel_id: u64,
    pub path_id: String,
    pub start_date: String,
    pub weekday: Option<Weekday>,
    pub time: String,
    pub timezone: String,
    pub role: Option<u64>,
}

pub fn weekday_name(w: Weekday) -> &'static str {
    match w {
        Weekday::Mon => "Monday",
        Weekday::Tue => "Tuesday",
        Weekday::Wed => "Wednesday",
        Weekday::Thu => "Thursday",
        Weekday::Fri => "Friday",
        Weekday::Sat => "Saturday",
        Weekday::Sun => "Sunday",
    }
}

/// Suggests timezone names close to `input`.
pub fn timezone_suggestions(input: &str, limit: usize) -> Vec<&'static str> {
    let needle = input.trim().to_lowercase().replace(' ', "_");
    let mut out: Vec<&'static str> = chrono_tz::TZ_VARIANTS
        .iter()
        .map(|t| t.name())
        .filter(|n| needle.is_empty() || n.to_lowercase().contains(&needle))
        .take(limit)
        .collect();
    if out.is_empty() {
        out = did_you_mean(&needle, chrono_tz::TZ_VARIANTS.iter().map(|t| t.name()));
    }
    out
}

/// Checks every setting and returns the normalized settings or one message listing every
/// problem. `existing_start` is the current start date when editing (it may be in the past).
pub fn validate(
    c: &Curriculum,
    input: &GroupInput,
    now: DateTime<Utc>,
    existing_start: Option<&str>,
) -> Result<GroupSettings, String> {
    let mut problems = Vec::new();
    let name = input.name.trim().to_string();
    if name.is_empty() {
        problems.push("The group name must not be empty.".to_string());
    } else if name.chars().count() > MAX_GROUP_NAME {
        problems.push(format!(
            "The group name is {} characters long; the limit is {MAX_GROUP_NAME}.",
            name.chars().count()
        ));
    }
    let path_id = input.path_id.trim().to_lowercase();
    if c.path(&path_id).is_none() {
        let ids: Vec<&str> = c.paths.iter().map(|p| p.path.id.as_str()).collect();
        problems.push(format!("Unknown path `{}`. Choose one of: {}.", input.path_id.trim(), ids.join(", ")));
    }
    let tz = weeks::parse_tz(&input.timezone);
    if tz.is_none() {
        let guesses = timezone_suggestions(&input.timezone, 3);
        let hint = if guesses.is_empty() {
            "Use an IANA name such as Europe/Berlin or America/New_York.".to_string()
        } else {
            format!("Did you mean {}?", guesses.join(", "))
        };
        problems.push(format!("`{}` is not a timezone I know. {hint}", input.timezone.trim()));
    }
    let time = weeks::parse_time(&input.time);
    if time.is_none() {
        problems.push(format!("`{}` is not a time: use 24-hour HH:MM, e.g. 18:30.", input.time.trim()));
    }
    let date = weeks::parse_date(&input.start_date);
    match (date, tz) {
        (None, _) => {
            problems.push(format!("`{}` is not a date: use YYYY-MM-DD, e.g. 2027-01-11.", input.start_date.trim()))
        }
        (Some(d), tz) => {
            // With an unknown timezone, judge the date in UTC so that problem is reported too.
            let tz = tz.unwrap_or(chrono_tz::UTC);
            let today = now.with_timezone(&tz).date_naive();
            let unchanged = existing_start.is_some_and(|s| weeks::parse_date(s) == Some(d));
            if d < today && !unchanged {
                problems.push(format!("The start date {d} is in the past (today is {today} in {tz})."));
            } else if (d - today).num_days() > 366 {
                problems.push(format!("The start date {d} is more than a year away."));
            }
        }
    }
    let Some(weekday) = input.weekday.or_else(|| date.map(|d| d.weekday())) else {
        problems.push("Choose the weekday of the sessions.".into());
        return Err(problems.join("\n"));
    };
    if !problems.is_empty() {
        return Err(problems.join("\n"));
    }
    Ok(GroupSettings {
        name,
        channel_id: input.channel_id,
        path_id,
        start_date: date.map(|d| d.to_string()).unwrap_or_default(),
        weekday: weekday.num_days_from_monday() as u8,
        post_time: time.map(|t| t.format("%H:%M").to_string()).unwrap_or_default(),
        timezone: tz.map(|t| t.name().to_string()).unwrap_or_default(),
        mention_role_id: input.role,
    })
}

/// A group with everything needed to reason about its weeks.
#[derive(Debug, Clone)]
pub struct GroupView {
    pub row: GroupRow,
    pub schedule: Schedule,
    pub breaks: Vec<Break>,
    pub total_weeks: u32,
}

impl GroupView {
    pub fn standing(&self, now: DateTime<Utc>) -> Standing {
        weeks::standing(&self.schedule, &self.breaks, self.total_weeks, now)
    }

    pub fn path<'a>(&self, c: &'a Curriculum) -> Option<&'a PathFile> {
        c.path(&self.row.path_id)
    }

    /// The settings as stored (for edits).
    pub fn settings(&self) -> GroupSettings {
        GroupSettings {
            name: self.row.name.clone(),
            channel_id: self.row.channel_id,
            path_id: self.row.path_id.clone(),
            start_date: self.row.start_date.clone(),
            weekday: self.row.weekday,
            post_time: self.row.post_time.clone(),
            timezone: self.row.timezone.clone(),
            mention_role_id: self.row.mention_role_id,
        }
    }
}

/// Builds the schedule of a stored group. Stored rows were validated, so a failure here
/// means the row was edited by hand; it is reported, not hidden.
pub fn schedule_of(row: &GroupRow) -> Result<Schedule, String> {
    Schedule::from_parts(&row.start_date, row.weekday as i64, &row.post_time, &row.timezone)
}

/// Completes a stored group into a view (schedule, breaks, path length).
pub async fn view_of(db: &Db, c: &Curriculum, row: GroupRow) -> anyhow::Result<GroupView> {
    let schedule = schedule_of(&row).map_err(|e| anyhow::anyhow!("group {}: {e}", row.id))?;
    let breaks = groups::breaks(db, row.id).await?;
    let total_weeks = c.path(&row.path_id).map(|p| p.len_weeks()).ok_or_else(|| {
        anyhow::anyhow!("group {} follows path `{}`, which the curriculum no longer has", row.id, row.path_id)
    })?;
    Ok(GroupView { row, schedule, breaks, total_weeks })
}

/// Loads one group of a guild.
pub async fn load(db: &Db, c: &Curriculum, guild_id: u64, id: i64) -> anyhow::Result<Option<GroupView>> {
    match groups::get(db, guild_id, id).await? {
        Some(row) => Ok(Some(view_of(db, c, row).await?)),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c() -> Curriculum {
        Curriculum::embedded().unwrap()
    }

    fn input() -> GroupInput {
        GroupInput {
            name: "Evening group".into(),
            channel_id: 1,
            path_id: "architecture".into(),
            start_date: "2026-12-01".into(),
            weekday: Some(Weekday::Mon),
            time: "18:30".into(),
            timezone: "Europe/Berlin".into(),
            role: None,
        }
    }

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-23T12:00:00Z").unwrap().with_timezone(&Utc)
    }

    #[test]
    fn valid_input_is_normalized() {
        let s = validate(&c(), &input(), now(), None).unwrap();
        assert_eq!(s.weekday, 0);
        assert_eq!(s.post_time, "18:30");
        assert_eq!(s.timezone, "Europe/Berlin");
    }

    #[test]
    fn every_problem_is_listed() {
        let mut i = input();
        i.path_id = "nope".into();
        i.timezone = "Europe/Berln".into();
        i.time = "25:00".into();
        i.start_date = "2026-02-30".into();
        let e = validate(&c(), &i, now(), None).unwrap_err();
        assert!(e.contains("Unknown path `nope`"), "{e}");
        assert!(e.contains("Did you mean Europe/Berlin"), "{e}");
        assert!(e.contains("`25:00` is not a time"), "{e}");
        assert!(e.contains("`2026-02-30` is not a date"), "{e}");
    }

    #[test]
    fn past_start_dates_are_refused_unless_unchanged() {
        let mut i = input();
        i.start_date = "2026-11-01".into();
        assert!(validate(&c(), &i, now(), None).unwrap_err().contains("in the past"));
        assert!(validate(&c(), &i, now(), Some("2026-11-01")).is_ok());
        i.start_date = "2029-01-01".into();
        assert!(validate(&c(), &i, now(), None).unwrap_err().contains("more than a year"));
    }
}
