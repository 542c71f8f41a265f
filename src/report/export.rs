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
/// streamed with [`CheckinsCsv`] instead (the same writer, so the same bytes).
pub fn checkins_csv(rows: &[CheckinRow<'_>]) -> String {
    let written = || -> Result<String, Box<dyn std::error::Error>> {
        let mut csv = CheckinsCsv::new(Vec::new())?;
        rows.iter().try_for_each(|row| csv.row(row))?;
        Ok(String::from_utf8(csv.finish()?)?)
    };
    in_memory(written())
}

/// Writes the raw check-ins CSV ([`CHECKINS_HEADER`]) row by row into a file or buffer, so
/// an export never holds all check-ins in memory. Each field goes straight into the writer
/// (numbers and times formatted into one reused buffer): a row allocates nothing.
pub struct CheckinsCsv<W: std::io::Write> {
    w: ::csv::Writer<W>,
    buf: String,
}

impl<W: std::io::Write> CheckinsCsv<W> {
    /// Starts the file with its header.
    pub fn new(out: W) -> ::csv::Result<Self> {
        let mut w = writer(out);
        w.write_record(CHECKINS_HEADER)?;
        Ok(CheckinsCsv { w, buf: String::with_capacity(64) })
    }

    /// One record: user id, name, week, status, hours (as stored), confidence, note (empty
    /// when absent), created and updated (RFC 3339, as `DateTime::to_rfc3339` writes them).
    pub fn row(&mut self, row: &CheckinRow<'_>) -> ::csv::Result<()> {
        let c = &row.checkin;
        let mut int = itoa::Buffer::new();
        self.w.write_field(int.format(c.user_id))?;
        self.w.write_field(&*spreadsheet_safe_cow(&row.display_name))?;
        self.w.write_field(int.format(c.week))?;
        self.w.write_field(c.status.as_str())?;
        self.formatted(|out| push_hours(out, c.hours))?;
        self.w.write_field(int.format(c.confidence))?;
        self.w.write_field(c.note.as_deref().map(spreadsheet_safe_cow).as_deref().unwrap_or(""))?;
        self.formatted(|out| push_rfc3339(out, &c.created_at))?;
        self.formatted(|out| push_rfc3339(out, &c.updated_at))?;
        // An empty record ends the one written field by field.
        self.w.write_record(std::iter::empty::<&[u8]>())
    }

    /// Writes one field that `write` formats into the reused buffer.
    fn formatted(&mut self, write: impl FnOnce(&mut String)) -> ::csv::Result<()> {
        self.buf.clear();
        write(&mut self.buf);
        self.w.write_field(&self.buf)
    }

    /// Flushes and returns the writer.
    pub fn finish(self) -> std::io::Result<W> {
        self.w.into_inner().map_err(|e| e.into_error())
    }
}

/// Appends `t` as [`chrono::DateTime::to_rfc3339`] writes it (`2026-03-29T01:59:59+00:00`,
/// with 3, 6 or 9 decimals when the second has a fraction), digit by digit: a CSV export
/// writes two per row. Years outside 0..=9999 and leap seconds are left to chrono.
fn push_rfc3339(out: &mut String, t: &chrono::DateTime<chrono::Utc>) {
    use chrono::{Datelike, Timelike};
    // The UTC fields read once (each accessor of a `DateTime` would apply the offset again).
    let n = t.naive_utc();
    let (date, time) = (n.date(), n.time());
    let (year, nanos) = (date.year(), time.nanosecond());
    if !(0..=9999).contains(&year) || nanos >= 1_000_000_000 {
        out.push_str(&t.to_rfc3339());
        return;
    }
    fn digits(out: &mut String, n: u32, width: u32) {
        for place in (0..width).rev() {
            out.push(char::from(b'0' + (n / 10u32.pow(place) % 10) as u8));
        }
    }
    digits(out, year as u32, 4);
    out.push('-');
    digits(out, date.month(), 2);
    out.push('-');
    digits(out, date.day(), 2);
    out.push('T');
    digits(out, time.hour(), 2);
    out.push(':');
    digits(out, time.minute(), 2);
    out.push(':');
    digits(out, time.second(), 2);
    // chrono's `SecondsFormat::AutoSi`: as few of 3, 6 or 9 decimals as hold the fraction.
    if nanos != 0 {
        out.push('.');
        if nanos % 1_000_000 == 0 {
            digits(out, nanos / 1_000_000, 3);
        } else if nanos % 1_000 == 0 {
            digits(out, nanos / 1_000, 6);
        } else {
            digits(out, nanos, 9);
        }
    }
    out.push_str("+00:00");
}

/// Appends `hours` as `f64`'s `Display` writes it; whole numbers (the usual) without the
/// float formatter.
fn push_hours(out: &mut String, hours: f64) {
    use std::fmt::Write as _;
    if hours.fract() == 0.0 && hours.is_sign_positive() && hours < 1e15 {
        out.push_str(itoa::Buffer::new().format(hours as u64));
    } else {
        // Formatting into a String cannot fail.
        let _ = write!(out, "{hours}");
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

fn write_csv<const N: usize>(header: [&str; N], rows: impl Iterator<Item = Vec<String>>) -> String {
    in_memory(try_write_csv(header, rows))
}

/// A CSV written into memory. That does no I/O and cannot fail; if it ever did, say so in the
/// output rather than return a silently truncated file.
fn in_memory(written: Result<String, Box<dyn std::error::Error>>) -> String {
    written.unwrap_or_else(|e| format!("error: cannot write CSV: {e}\n"))
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
    spreadsheet_safe_cow(s).into_owned()
}

/// [`spreadsheet_safe`], borrowing `s` when it has nothing to guard (most names and notes).
fn spreadsheet_safe_cow(s: &str) -> std::borrow::Cow<'_, str> {
    let mut out: Option<String> = None;
    let mut segment_start = true;
    for (i, c) in s.char_indices() {
        if segment_start && FORMULA_STARTS.contains(&c) {
            let out = out.get_or_insert_with(|| {
                let mut out = String::with_capacity(s.len() + 2);
                out.push_str(&s[..i]);
                out
            });
            out.push('\'');
        }
        if let Some(out) = out.as_mut() {
            out.push(c);
        }
        if is_separator(c) {
            segment_start = true;
        } else if !c.is_whitespace() {
            segment_start = false;
        }
    }
    out.map_or(std::borrow::Cow::Borrowed(s), std::borrow::Cow::Owned)
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
    fn text_with_nothing_to_guard_is_borrowed() {
        assert!(matches!(spreadsheet_safe_cow("plain text, 3-4 hours"), std::borrow::Cow::Borrowed(_)));
        assert!(matches!(spreadsheet_safe_cow("ok; =1"), std::borrow::Cow::Owned(_)));
    }

    #[test]
    fn times_are_written_as_to_rfc3339_writes_them() {
        use chrono::{TimeZone, Timelike, Utc};
        let rfc3339 = |t| {
            let mut out = String::new();
            push_rfc3339(&mut out, &t);
            out
        };
        let second = Utc.with_ymd_and_hms(2026, 3, 29, 1, 59, 59).unwrap();
        // Whole seconds, milli-, micro- and nanoseconds (chrono's AutoSi), a leap second.
        for nanos in [0, 1, 999, 1_000, 120_000, 5_000_000, 100_000_000, 123_456_789, 999_999_999, 1_500_000_000] {
            let t = second.with_nanosecond(nanos).unwrap();
            assert_eq!(rfc3339(t), t.to_rfc3339(), "{nanos}");
        }
        // The first and last years of four digits, and beyond them.
        for (y, mo, d, h, mi, s) in [
            (0, 1, 1, 0, 0, 0),
            (9, 2, 3, 4, 5, 6),
            (9999, 12, 31, 23, 59, 59),
            (-1, 1, 1, 0, 0, 0),
            (10000, 1, 1, 0, 0, 0),
        ] {
            let t = Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap();
            assert_eq!(rfc3339(t), t.to_rfc3339(), "{t:?}");
        }
    }

    #[test]
    fn hours_are_written_as_display_writes_them() {
        for hours in [0.0, -0.0, 1.0, 2.5, 0.25, 100.0, 1e14, 1e15, 1e16, 0.1 + 0.2, f64::MIN_POSITIVE] {
            let mut out = String::new();
            push_hours(&mut out, hours);
            assert_eq!(out, hours.to_string(), "{hours}");
        }
    }

    #[test]
    fn every_field_is_quoted() {
        let out = try_write_csv(["a", "b"], [vec!["1".to_string(), spreadsheet_safe("x;=cmd")]].into_iter()).unwrap();
        assert_eq!(out, "\"a\",\"b\"\n\"1\",\"x;'=cmd\"\n");
    }
}
