//! Read-only web pages (tables `web_links`, `web_sessions`): single-use links and the
//! sessions they open, both stored by the SHA-256 of their secret.

use super::{Db, Result, decode, execute, fetch, from_db, to_db};
use chrono::{DateTime, Utc};

/// What a link or session may see: the member's own pages, or also the server's reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Member,
    Moderator,
}

impl Scope {
    fn as_str(self) -> &'static str {
        match self {
            Scope::Member => "member",
            Scope::Moderator => "moderator",
        }
    }

    fn parse(s: &str) -> Option<Scope> {
        match s {
            "member" => Some(Scope::Member),
            "moderator" => Some(Scope::Moderator),
            _ => None,
        }
    }
}

/// A link or session: whose, in which server, with what scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Holder {
    pub guild_id: u64,
    pub user_id: u64,
    pub scope: Scope,
}

/// A session as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Session {
    pub holder: Holder,
    pub created_at: DateTime<Utc>,
    pub seen_at: DateTime<Utc>,
    pub verified_at: DateTime<Utc>,
}

fn holder(guild: i64, user: i64, scope: String) -> Result<Holder> {
    let scope = decode("web", user, "scope", scope, |s| Scope::parse(s))?;
    Ok(Holder { guild_id: from_db(guild), user_id: from_db(user), scope })
}

/// Stores a new link (the member must be stored); links expired for a day are dropped.
pub async fn mint(db: &Db, h: Holder, token_hash: &str, expires_at: DateTime<Utc>, now: DateTime<Utc>) -> Result<()> {
    let _timer = crate::metrics::query("web.mint");
    execute!(db, "DELETE FROM web_links WHERE expires_at < $1", now - chrono::Duration::days(1))?;
    execute!(
        db,
        "INSERT INTO web_links (token_hash, guild_id, user_id, scope, expires_at) VALUES ($1, $2, $3, $4, $5)",
        token_hash,
        to_db(h.guild_id),
        to_db(h.user_id),
        h.scope.as_str(),
        expires_at
    )?;
    Ok(())
}

/// Uses the link once: its holder when it was unused and not expired at `now` (then it is
/// used), else `None`. One statement, so two uses at once get it once.
pub async fn use_link(db: &Db, token_hash: &str, now: DateTime<Utc>) -> Result<Option<Holder>> {
    let _timer = crate::metrics::query("web.use_link");
    let rows = fetch!(
        db,
        fetch_all,
        (i64, i64, String),
        "UPDATE web_links SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2
         RETURNING guild_id, user_id, scope",
        token_hash,
        now
    )?;
    rows.into_iter().next().map(|(g, u, s)| holder(g, u, s)).transpose()
}

/// Opens a session.
pub async fn start(db: &Db, id_hash: &str, h: Holder, now: DateTime<Utc>) -> Result<()> {
    let _timer = crate::metrics::query("web.start");
    // Sessions past their 8 hours are of no use: dropped as new ones start.
    execute!(db, "DELETE FROM web_sessions WHERE created_at < $1", now - chrono::Duration::hours(8))?;
    execute!(
        db,
        "INSERT INTO web_sessions (id_hash, guild_id, user_id, scope, created_at, seen_at, verified_at)
         VALUES ($1, $2, $3, $4, $5, $5, $5)",
        id_hash,
        to_db(h.guild_id),
        to_db(h.user_id),
        h.scope.as_str(),
        now
    )?;
    Ok(())
}

/// The session with this id's hash, if any.
pub async fn session(db: &Db, id_hash: &str) -> Result<Option<Session>> {
    let _timer = crate::metrics::query("web.session");
    let row = fetch!(
        db,
        fetch_optional,
        (i64, i64, String, DateTime<Utc>, DateTime<Utc>, DateTime<Utc>),
        "SELECT guild_id, user_id, scope, created_at, seen_at, verified_at FROM web_sessions WHERE id_hash = $1",
        id_hash
    )?;
    row.map(|(g, u, s, created_at, seen_at, verified_at)| {
        Ok(Session { holder: holder(g, u, s)?, created_at, seen_at, verified_at })
    })
    .transpose()
}

/// Marks the session seen at `now` (and verified then, when `verified`).
pub async fn touch(db: &Db, id_hash: &str, now: DateTime<Utc>, verified: bool) -> Result<()> {
    let _timer = crate::metrics::query("web.touch");
    execute!(
        db,
        "UPDATE web_sessions SET seen_at = $2, verified_at = CASE WHEN $3 = 1 THEN $2 ELSE verified_at END
         WHERE id_hash = $1",
        id_hash,
        now,
        i64::from(verified)
    )?;
    Ok(())
}

/// Ends every session of the member in the server (removed from it, or no longer allowed).
pub async fn end_all(db: &Db, guild_id: u64, user_id: u64) -> Result<u64> {
    let _timer = crate::metrics::query("web.end_all");
    Ok(execute!(db, "DELETE FROM web_sessions WHERE guild_id = $1 AND user_id = $2", to_db(guild_id), to_db(user_id))?)
}

/// Ends one session.
pub async fn end(db: &Db, id_hash: &str) -> Result<()> {
    let _timer = crate::metrics::query("web.end");
    execute!(db, "DELETE FROM web_sessions WHERE id_hash = $1", id_hash)?;
    Ok(())
}
