//! A group's settings as a moderator typed them, and their validation: every problem at
//! once, and close timezone names for a typo.

use crate::curriculum::Curriculum;
use crate::ids::MAX_GROUP_NAME;
use crate::model::{GroupSettings, Schedule};
use crate::weeks;
use chrono::{DateTime, Datelike, NaiveDate, Utc, Weekday};

/// Settings as a moderator typed them (dates, times and zones still text).
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
    /// Weeks between sessions (1 when not given).
    pub every_weeks: Option<u32>,
}

/// The changes of `/group edit`; `None` keeps the stored value.
#[derive(Debug, Clone, Default)]
pub struct GroupChanges {
    pub name: Option<String>,
    pub channel_id: Option<u64>,
    pub path_id: Option<String>,
    pub start_date: Option<String>,
    pub weekday: Option<Weekday>,
    pub time: Option<String>,
    pub timezone: Option<String>,
    pub role: Option<u64>,
    pub no_role: bool,
    pub every_weeks: Option<u32>,
}

/// How similar (Jaro-Winkler, 0 to 1) a typed zone or city must be to a zone's name or city
/// to be suggested: typos such as `Europe/Berln` or `Tokio` pass, `Mars/Olympus` does not.
const TZ_SIMILARITY: f64 = 0.88;

/// Timezone names for what a member typed: names containing it (`berlin`, `new york`), else
/// names or cities within [`TZ_SIMILARITY`], best first; nothing for nonsense.
pub fn timezone_suggestions(input: &str, limit: usize) -> Vec<&'static str> {
    let needle = input.trim().to_lowercase().replace(' ', "_");
    let names = || chrono_tz::TZ_VARIANTS.iter().map(|t| t.name());
    let containing: Vec<&'static str> =
        names().filter(|n| needle.is_empty() || n.to_lowercase().contains(&needle)).take(limit).collect();
    if !containing.is_empty() {
        return containing;
    }
    // Compare cities (the last part), so a shared region such as `Europe/` does not make
    // Dublin look like Berlin; a region typed that matches no zone's region costs a little.
    let split = |name: &str| -> (String, String) {
        let region = name.split('/').next().unwrap_or(name);
        let city = name.rsplit('/').next().unwrap_or(name);
        (region.to_string(), city.to_string())
    };
    let (typed_region, typed_city) = split(&needle);
    let typed_region = needle.contains('/').then_some(typed_region);
    let mut close: Vec<(f64, &'static str)> = names()
        .filter_map(|n| {
            let (region, city) = split(&n.to_lowercase());
            let mut score = strsim::jaro_winkler(&typed_city, &city);
            if typed_region.as_ref().is_some_and(|r| strsim::jaro_winkler(r, &region) < TZ_SIMILARITY) {
                score *= 0.95;
            }
            (score >= TZ_SIMILARITY).then_some((score, n))
        })
        .collect();
    close.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    close.into_iter().take(limit).map(|(_, n)| n).collect()
}

/// The hint after an unknown timezone: close names, else examples and where to look.
pub fn timezone_hint(input: &str) -> String {
    let guesses = timezone_suggestions(input, 3);
    if guesses.is_empty() {
        "Use an IANA name such as Europe/Berlin, America/New_York or Asia/Kolkata: start typing your city \
         in the timezone option and pick from the list, or look yours up in the \"TZ identifier\" column of \
         <https://en.wikipedia.org/wiki/List_of_tz_database_time_zones>."
            .to_string()
    } else {
        format!("Did you mean {}?", guesses.join(", "))
    }
}

/// Checks every setting and returns the typed settings, or every problem at once.
/// `existing_start` is the current start date when editing (it may be in the past).
pub fn validate(
    c: &Curriculum,
    input: &GroupInput,
    now: DateTime<Utc>,
    existing_start: Option<NaiveDate>,
) -> std::result::Result<GroupSettings, Vec<String>> {
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
        problems.push(format!(
            "`{}` is not a timezone I know. {}",
            input.timezone.trim(),
            timezone_hint(&input.timezone)
        ));
    }
    let time = weeks::parse_time(&input.time);
    if time.is_none() {
        problems.push(format!("`{}` is not a time: use 24-hour HH:MM, e.g. 18:30.", input.time.trim()));
    }
    let date = weeks::parse_date(&input.start_date);
    match date {
        None => problems.push(format!("`{}` is not a date: use YYYY-MM-DD, e.g. 2027-01-11.", input.start_date.trim())),
        Some(d) => {
            // With an unknown timezone, judge the date in UTC so that problem is reported too.
            let zone = tz.unwrap_or(chrono_tz::UTC);
            let today = now.with_timezone(&zone).date_naive();
            if d < today && existing_start != Some(d) {
                problems.push(format!("The start date {d} is in the past (today is {today} in {zone})."));
            } else if (d - today).num_days() > 366 {
                problems.push(format!("The start date {d} is more than a year away."));
            }
        }
    }
    let weekday = input.weekday.or_else(|| date.map(|d| d.weekday()));
    if weekday.is_none() {
        problems.push("Choose the weekday of the sessions.".into());
    }
    let every_weeks = input.every_weeks.unwrap_or(1);
    if !weeks::CADENCES.contains(&every_weeks) {
        problems.push(format!("A group meets every 1, 2 or 3 weeks, not every {every_weeks}."));
    }
    match (date, weekday, time, tz) {
        (Some(start_date), Some(weekday), Some(time), Some(tz)) if problems.is_empty() => Ok(GroupSettings {
            name,
            channel_id: input.channel_id,
            path_id,
            schedule: Schedule { start_date, weekday, time, tz, every_weeks },
            mention_role_id: input.role,
        }),
        _ => Err(problems),
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    pub(crate) fn c() -> Curriculum {
        Curriculum::embedded().unwrap()
    }

    pub(crate) fn input() -> GroupInput {
        GroupInput {
            name: "Evening group".into(),
            channel_id: 1,
            path_id: "architecture".into(),
            start_date: "2026-12-01".into(),
            weekday: Some(Weekday::Mon),
            time: "18:30".into(),
            timezone: "Europe/Berlin".into(),
            role: None,
            every_weeks: None,
        }
    }

    pub(crate) fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-23T12:00:00Z").unwrap().with_timezone(&Utc)
    }

    #[test]
    fn timezone_suggestions_are_close_matches_or_nothing() {
        let first = |typed: &str| timezone_suggestions(typed, 3).first().copied();
        assert_eq!(first("Europe/Berln"), Some("Europe/Berlin"));
        assert_eq!(first("berlin"), Some("Europe/Berlin"));
        assert_eq!(first("new york"), Some("America/New_York"));
        assert_eq!(first("Tokio"), Some("Asia/Tokyo"));
        assert_eq!(first("Amrica/Chicago"), Some("America/Chicago"));
        assert_eq!(first("Londn"), Some("Europe/London"));
        for nonsense in ["Mars/Olympus", "qwertyuiop", "Moon/Base"] {
            assert_eq!(timezone_suggestions(nonsense, 3), Vec::<&str>::new(), "{nonsense}");
        }
        let hint = timezone_hint("Mars/Olympus");
        assert!(hint.contains("Europe/Berlin") && hint.contains("List_of_tz_database_time_zones"), "{hint}");
        assert_eq!(timezone_hint("Europe/Berln"), "Did you mean Europe/Berlin?");
    }

    #[test]
    fn valid_input_is_typed() {
        let s = validate(&c(), &input(), now(), None).unwrap();
        assert_eq!(s.schedule.weekday, Weekday::Mon);
        assert_eq!(s.schedule.time.format("%H:%M").to_string(), "18:30");
        assert_eq!(s.schedule.tz, chrono_tz::Europe::Berlin);
    }

    #[test]
    fn every_problem_is_listed() {
        let mut i = input();
        i.path_id = "nope".into();
        i.timezone = "Europe/Berln".into();
        i.time = "25:00".into();
        i.start_date = "2026-02-30".into();
        let e = validate(&c(), &i, now(), None).unwrap_err().join("\n");
        assert!(e.contains("Unknown path `nope`"), "{e}");
        assert!(e.contains("Did you mean Europe/Berlin"), "{e}");
        assert!(e.contains("`25:00` is not a time"), "{e}");
        assert!(e.contains("`2026-02-30` is not a date"), "{e}");
    }

    #[test]
    fn past_start_dates_are_refused_unless_unchanged() {
        let mut i = input();
        i.start_date = "2026-11-01".into();
        let past = weeks::parse_date("2026-11-01");
        assert!(validate(&c(), &i, now(), None).unwrap_err()[0].contains("in the past"));
        assert!(validate(&c(), &i, now(), past).is_ok());
        i.start_date = "2029-01-01".into();
        assert!(validate(&c(), &i, now(), None).unwrap_err()[0].contains("more than a year"));
    }
}
