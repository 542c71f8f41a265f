//! Certificates (table `certificates`): issued once per member and group, read back by code.

use super::{Db, Result, decode, decode_u32, execute, fetch, from_db, to_db};
use crate::model::{Certificate, GroupScope};
use chrono::{DateTime, NaiveDate, Utc};

type Row = (String, i64, i64, String, String, String, i64, String, i64, String, String, i64, i64, DateTime<Utc>);

fn decode_row(r: Row) -> Result<Certificate> {
    let (
        code,
        guild,
        user,
        display_name,
        group_name,
        path_name,
        weeks,
        server_name,
        first,
        started,
        finished,
        checked,
        held,
        at,
    ) = r;
    let date = |column: &'static str, d: String| {
        decode("certificates", user, column, d, |d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
    };
    Ok(Certificate {
        started_on: date("started_on", started)?,
        finished_on: date("finished_on", finished)?,
        path_weeks: decode_u32("certificates", user, "path_weeks", weeks)?,
        first_week: decode_u32("certificates", user, "first_week", first)?,
        weeks_checked_in: decode_u32("certificates", user, "weeks_checked_in", checked)?,
        weeks_held: decode_u32("certificates", user, "weeks_held", held)?,
        code,
        guild_id: from_db(guild),
        user_id: from_db(user),
        display_name,
        group_name,
        path_name,
        server_name,
        issued_at: at,
    })
}

/// The member's certificate for the group, if issued.
pub async fn of_member(db: &Db, group: GroupScope, user_id: u64) -> Result<Option<Certificate>> {
    let _timer = crate::metrics::query("certificates.of_member");
    let (guild, user) = (to_db(group.guild_id()), to_db(user_id));
    let row = fetch!(
        db,
        fetch_optional,
        Row,
        "SELECT code, guild_id, user_id, display_name, group_name, path_name, path_weeks, server_name,
             first_week, started_on, finished_on, weeks_checked_in, weeks_held, issued_at
         FROM certificates WHERE guild_id = $1 AND group_id = $2 AND user_id = $3",
        guild,
        group.id(),
        user
    )?;
    row.map(decode_row).transpose()
}

/// The certificate with verification code `code`, if any.
pub async fn by_code(db: &Db, code: &str) -> Result<Option<Certificate>> {
    let _timer = crate::metrics::query("certificates.by_code");
    let row = fetch!(
        db,
        fetch_optional,
        Row,
        "SELECT code, guild_id, user_id, display_name, group_name, path_name, path_weeks, server_name,
             first_week, started_on, finished_on, weeks_checked_in, weeks_held, issued_at
         FROM certificates WHERE code = $1",
        code
    )?;
    row.map(decode_row).transpose()
}

/// Issues `c` for group `group` unless the member has one for it already (then nothing is
/// written: read it back with [`of_member`]). The member must be stored (`members`).
pub async fn issue(db: &Db, group: GroupScope, c: &Certificate) -> Result<()> {
    let _timer = crate::metrics::query("certificates.issue");
    let (guild, user) = (to_db(c.guild_id), to_db(c.user_id));
    let (weeks, checked, held) = (i64::from(c.path_weeks), i64::from(c.weeks_checked_in), i64::from(c.weeks_held));
    let first = i64::from(c.first_week);
    let (started, finished) =
        (c.started_on.format("%Y-%m-%d").to_string(), c.finished_on.format("%Y-%m-%d").to_string());
    execute!(
        db,
        "INSERT INTO certificates (code, guild_id, user_id, group_id, display_name, group_name, path_name, path_weeks,
             server_name, first_week, started_on, finished_on, weeks_checked_in, weeks_held, issued_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
         ON CONFLICT (group_id, user_id) DO NOTHING",
        &c.code,
        guild,
        user,
        group.id(),
        &c.display_name,
        &c.group_name,
        &c.path_name,
        weeks,
        &c.server_name,
        first,
        started,
        finished,
        checked,
        held,
        c.issued_at
    )?;
    Ok(())
}
