//! CSV exports of a report, written with the `csv` crate (RFC 4180 quoting, so commas,
//! quotes and newlines in names and notes survive a round trip).
//!
//! Every field is quoted. Ids are decimal u64 strings. In text that members typed (display
//! names, notes), every segment (split at `,`, `;`, tabs and line breaks, as a spreadsheet
//! in any locale might split it) whose first non-space character starts a formula (`=`, `+`,
//! `-`, `@`, or their full-width forms `＝` `＋` `－` `＠`) gets a `'` before that character,
//! so a spreadsheet shows it as text instead of running it.

use super::{CheckinRow, ForgottenTopic, MemberRow, Report};

/// Header of [`members_csv`].
pub const MEMBERS_HEADER: [&str; 15] = [
    "user_id",
    "display_name",
    "joined_week",
    "weeks_active",
    "weeks_checked_in",
    "checkin_rate",
    "current_streak",
    "last_checkin_week",
    "missed_recent",
    "average_confidence",
    "total_hours",
    "away_weeks",
    "frozen_weeks",
    "checked_in_running_week",
    "weeks_interested",
];

/// Header of [`checkins_csv`].
pub const CHECKINS_HEADER: [&str; 9] =
    ["user_id", "display_name", "week", "status", "hours", "confidence", "note", "created_at", "updated_at"];

/// Header of [`forgotten_csv`].
pub const FORGOTTEN_HEADER: [&str; 7] =
    ["week", "question", "text", "members", "reviews", "couldnt_answer", "couldnt_answer_share"];

/// The report's forgotten topics (spaced review), most forgotten first, under
/// [`FORGOTTEN_HEADER`]: the question as numbered in the weekly post, the members and
/// reviews counted (reviews 14 days or more after the previous one), how many of those
/// were graded "couldn't answer" and their share (from 0 to 1, 3 decimals). No names.
pub fn forgotten_csv(report: &Report) -> String {
    write_csv(FORGOTTEN_HEADER, report.forgotten.iter().map(forgotten_record))
}

fn forgotten_record(t: &ForgottenTopic) -> Vec<String> {
    let mut v = forgotten_values(t);
    v[2] = spreadsheet_safe(&v[2]);
    v
}

/// A forgotten topic's values under [`FORGOTTEN_HEADER`], as the CSV has them but for the
/// spreadsheet guard (web pages show text as it is, escaped by the page).
pub fn forgotten_values(t: &ForgottenTopic) -> Vec<String> {
    let again = (t.share * f64::from(t.reviews)).round() as u64;
    vec![
        t.week.to_string(),
        t.number.to_string(),
        t.text.clone(),
        t.members.to_string(),
        t.reviews.to_string(),
        again.to_string(),
        decimal(t.share, 3),
    ]
}

/// One row per member (in the report's order) under [`MEMBERS_HEADER`]. `weeks_active`,
/// `weeks_checked_in` and `checkin_rate` (their ratio, from 0 to 1) cover finished weeks;
/// `checked_in_running_week` is `yes`/`no` for the week in progress (empty when the range
/// has none or the member is not active in it). Numbers have at most 3 decimals (rate)
/// or 2 (confidence, hours); absent values are empty.
pub fn members_csv(report: &Report) -> String {
    write_csv(MEMBERS_HEADER, report.members.iter().map(member_record))
}

/// The raw check-ins of a report's range (by week, then name) under [`CHECKINS_HEADER`], in
/// memory. Hours are written exactly as stored; an absent note is empty. Large exports are
/// streamed with [`CheckinsCsv`] instead.
pub fn checkins_csv(rows: &[CheckinRow]) -> String {
    write_csv(CHECKINS_HEADER, rows.iter().map(checkin_record))
}

/// Writes the raw check-ins CSV ([`CHECKINS_HEADER`]) row by row into a file or buffer, so
/// an export never holds all check-ins in memory.
pub struct CheckinsCsv<W: std::io::Write> {
    w: ::csv::Writer<W>,
}

impl<W: std::io::Write> CheckinsCsv<W> {
    /// Starts the file with its header.
    pub fn new(out: W) -> ::csv::Result<Self> {
        let mut w = writer(out);
        w.write_record(CHECKINS_HEADER)?;
        Ok(CheckinsCsv { w })
    }

    pub fn row(&mut self, row: &CheckinRow) -> ::csv::Result<()> {
        self.w.write_record(checkin_record(row))
    }

    /// Flushes and returns the writer.
    pub fn finish(self) -> std::io::Result<W> {
        self.w.into_inner().map_err(|e| e.into_error())
    }
}

fn member_record(m: &MemberRow) -> Vec<String> {
    let mut v = member_values(m);
    v[1] = spreadsheet_safe(&v[1]);
    v
}

/// A member's values under [`MEMBERS_HEADER`], as the CSV has them but for the spreadsheet
/// guard (web pages show the name as it is, escaped by the page).
pub fn member_values(m: &MemberRow) -> Vec<String> {
    let rate = if m.weeks_active == 0 { 0.0 } else { f64::from(m.weeks_checked_in) / f64::from(m.weeks_active) };
    vec![
        m.user_id.to_string(),
        m.display_name.clone(),
        m.joined_week.to_string(),
        m.weeks_active.to_string(),
        m.weeks_checked_in.to_string(),
        decimal(rate, 3),
        m.current_streak.to_string(),
        m.last_checkin_week.map(|w| w.to_string()).unwrap_or_default(),
        m.missed_recent.to_string(),
        m.average_confidence.map(|c| decimal(c, 2)).unwrap_or_default(),
        decimal(m.total_hours, 2),
        m.away_weeks.to_string(),
        m.frozen_weeks.to_string(),
        match m.running {
            Some(true) => "yes".into(),
            Some(false) => "no".into(),
            None => String::new(),
        },
        m.weeks_interested.to_string(),
    ]
}

fn checkin_record(row: &CheckinRow) -> Vec<String> {
    let c = &row.checkin;
    vec![
        c.user_id.to_string(),
        spreadsheet_safe(&row.display_name),
        c.week.to_string(),
        c.status.as_str().to_string(),
        c.hours.to_string(),
        c.confidence.to_string(),
        c.note.as_deref().map(spreadsheet_safe).unwrap_or_default(),
        c.created_at.to_rfc3339(),
        c.updated_at.to_rfc3339(),
    ]
}

fn write_csv<const N: usize>(header: [&str; N], rows: impl Iterator<Item = Vec<String>>) -> String {
    // Writing into memory does no I/O and cannot fail; if it ever did, say so in the output
    // rather than return a silently truncated file.
    try_write_csv(header, rows).unwrap_or_else(|e| format!("error: cannot write CSV: {e}\n"))
}

fn try_write_csv<const N: usize>(
    header: [&str; N],
    rows: impl Iterator<Item = Vec<String>>,
) -> Result<String, Box<dyn std::error::Error>> {
    let mut w = writer(Vec::new());
    w.write_record(header)?;
    for row in rows {
        w.write_record(&row)?;
    }
    let bytes = w.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8(bytes)?)
}

/// `x` with at most `places` decimals, without trailing zeros: 4.5, 3, 1.25.
pub fn decimal(x: f64, places: usize) -> String {
    let s = format!("{x:.places$}");
    if s.contains('.') {
        let s = s.trim_end_matches('0').trim_end_matches('.');
        if s == "-0" { "0".to_string() } else { s.to_string() }
    } else {
        s
    }
}

/// A CSV writer that quotes every field.
fn writer<W: std::io::Write>(out: W) -> ::csv::Writer<W> {
    ::csv::WriterBuilder::new().quote_style(::csv::QuoteStyle::Always).from_writer(out)
}

/// Characters that start a formula in a spreadsheet cell.
const FORMULA_STARTS: [char; 8] = ['=', '+', '-', '@', '\u{FF1D}', '\u{FF0B}', '\u{FF0D}', '\u{FF20}'];

/// Where a spreadsheet may start a new cell inside one field.
fn is_separator(c: char) -> bool {
    matches!(c, ',' | ';' | '\t' | '\r' | '\n')
}

/// Puts `'` before every formula start that begins a segment (after leading spaces).
pub(crate) fn spreadsheet_safe(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    let mut segment_start = true;
    for c in s.chars() {
        if segment_start && FORMULA_STARTS.contains(&c) {
            out.push('\'');
        }
        out.push(c);
        if is_separator(c) {
            segment_start = true;
        } else if !c.is_whitespace() {
            segment_start = false;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_starts_are_neutralised_in_every_segment() {
        for (typed, safe) in [
            ("=1+1", "'=1+1"),
            ("x;=cmd|' /C calc'!A0;", "x;'=cmd|' /C calc'!A0;"),
            ("  =HYPERLINK(\"x\")", "  '=HYPERLINK(\"x\")"),
            ("a,\t@SUM(A1)", "a,\t'@SUM(A1)"),
            ("\u{FF1D}1+1", "'\u{FF1D}1+1"),
            ("ok; \u{FF0B}2", "ok; '\u{FF0B}2"),
            ("line\n-2+3", "line\n'-2+3"),
            ("plain text, 3-4 hours", "plain text, 3-4 hours"),
            ("a=b", "a=b"),
        ] {
            assert_eq!(spreadsheet_safe(typed), safe, "{typed:?}");
        }
    }

    #[test]
    fn every_field_is_quoted() {
        let out = try_write_csv(["a", "b"], [vec!["1".to_string(), spreadsheet_safe("x;=cmd")]].into_iter()).unwrap();
        assert_eq!(out, "\"a\",\"b\"\n\"1\",\"x;'=cmd\"\n");
    }
}
