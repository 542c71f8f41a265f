//! Read-only web pages without OAuth: `/web` and `/report web` mint a single-use link after
//! Discord told the bot who the member is (and whether they moderate); its page exchanges it
//! for a server-side session. Sessions last 8 hours at most and 30 minutes idle; who holds one
//! is checked against Discord again at most every 10 minutes (still in the server, still a
//! moderator for moderator pages), and `/forget-me` ends them.

use super::feeds::WebLinks;
use super::{Core, ProgressService, ReportService};
use crate::db;
use crate::db::web::Holder;
pub use crate::db::web::Scope;
use crate::error::{Result, UserError};
use crate::model::Actor;
use base64::Engine;
use chrono::Duration;
use sha2::{Digest, Sha256};
use std::sync::{Arc, OnceLock};

/// A link works this long after it was minted.
pub const LINK_TTL: Duration = Duration::minutes(5);
/// A session ends this long after it started, whatever happens.
pub const SESSION_MAX: Duration = Duration::hours(8);
/// A session ends after this long without a request.
pub const SESSION_IDLE: Duration = Duration::minutes(30);
/// Who holds a session is asked of Discord again after this long.
pub const VERIFY_EVERY: Duration = Duration::minutes(10);

/// What Discord says of a session's holder now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// No longer in the server.
    Gone,
    /// In the server; a moderator or not (Manage Server, Administrator, the owner, or the
    /// server's moderator role).
    Member { moderator: bool },
}

/// Discord could not be asked about a session's holder (the request failed).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot ask Discord about the member: {0}")]
pub struct CheckFailed(pub String);

/// Asks Discord about a member (the bot's edge provides it once the client is up).
pub type StandingCheck = Arc<
    dyn Fn(u64, u64) -> futures_util::future::BoxFuture<'static, std::result::Result<Standing, CheckFailed>>
        + Send
        + Sync,
>;

/// A secret: 32 random bytes, URL-safe (43 characters).
fn secret() -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
}

/// What is stored of a secret: its SHA-256, hex.
pub fn hash(secret: &str) -> String {
    Sha256::digest(secret.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

fn well_formed(secret: &str) -> bool {
    secret.len() == 43 && secret.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Why a page is not shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denied {
    /// No session, or it ended (expired, idle, forgotten, left the server).
    NoSession,
    /// A moderator page for a member's session, or moderation was taken away.
    NotModerator,
    /// No such group in the session's server.
    NoGroup,
}

/// A session allowed to see a page: the actor it acts as.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub actor: Actor,
    pub scope: Scope,
}

#[derive(Clone)]
pub struct WebService {
    core: Core,
    reports: ReportService,
    progress: ProgressService,
    web: Option<WebLinks>,
    check: Arc<OnceLock<StandingCheck>>,
}

impl WebService {
    pub fn new(core: Core, reports: ReportService, progress: ProgressService, web: Option<WebLinks>) -> WebService {
        WebService { core, reports, progress, web, check: Arc::new(OnceLock::new()) }
    }

    /// How sessions' holders are checked against Discord (set once by the bot).
    pub fn set_check(&self, check: StandingCheck) {
        let _ = self.check.set(check);
    }

    /// `/web` (member pages) and `/report web` (also the server's reports, moderators only):
    /// a link that works once, for 5 minutes, for this member in this server.
    pub async fn mint(&self, actor: &Actor, moderator_pages: bool) -> Result<String> {
        let web = self.web.as_ref().ok_or(UserError::WebOff)?;
        if moderator_pages && !actor.moderator {
            return Err(UserError::NotModerator.into());
        }
        let db = &self.core.db;
        let now = self.core.now();
        db::members::ensure_member(db, actor.guild_id, actor.user_id, &actor.display_name, now).await?;
        let token = secret();
        let scope = if moderator_pages { Scope::Moderator } else { Scope::Member };
        let h = Holder { guild_id: actor.guild_id, user_id: actor.user_id, scope };
        db::web::mint(db, h, &hash(&token), now + LINK_TTL, now).await?;
        Ok(format!("{}/web/enter/{token}", web.public_url.trim_end_matches('/')))
    }

    /// The link's page POSTs its token here: a new session's secret (for the cookie) and its
    /// scope, or `None` for a used, expired, unknown or malformed link (nothing granted).
    pub async fn enter(&self, token: &str) -> Result<Option<(String, Scope)>> {
        if !well_formed(token) {
            return Ok(None);
        }
        let db = &self.core.db;
        let now = self.core.now();
        let Some(h) = db::web::use_link(db, &hash(token), now).await? else { return Ok(None) };
        let id = secret();
        db::web::start(db, &hash(&id), h, now).await?;
        Ok(Some((id, h.scope)))
    }

    /// The session's viewer when it may see a page of `need` scope: alive (under 8 hours,
    /// seen in the last 30 minutes), its holder still in the server and, for moderator pages,
    /// still a moderator (asked of Discord at most every 10 minutes; a holder who left ends
    /// every session of theirs). Marks it seen.
    pub async fn viewer(&self, session: Option<&str>, need: Scope) -> Result<std::result::Result<Viewer, Denied>> {
        let Some(id) = session.filter(|s| well_formed(s)) else { return Ok(Err(Denied::NoSession)) };
        let db = &self.core.db;
        let now = self.core.now();
        let id_hash = hash(id);
        let Some(s) = db::web::session(db, &id_hash).await? else { return Ok(Err(Denied::NoSession)) };
        if now - s.created_at > SESSION_MAX || now - s.seen_at > SESSION_IDLE {
            db::web::end(db, &id_hash).await?;
            return Ok(Err(Denied::NoSession));
        }
        let h = s.holder;
        if need == Scope::Moderator && h.scope != Scope::Moderator {
            return Ok(Err(Denied::NotModerator));
        }
        let mut moderator = h.scope == Scope::Moderator;
        let verify = now - s.verified_at > VERIFY_EVERY;
        if verify {
            let check = self.check.get().ok_or_else(|| crate::error::Error::internal("no Discord check yet"))?;
            match check(h.guild_id, h.user_id).await.map_err(|e| crate::error::Error::internal(e.to_string()))? {
                Standing::Gone => {
                    db::web::end_all(db, h.guild_id, h.user_id).await?;
                    return Ok(Err(Denied::NoSession));
                }
                Standing::Member { moderator: still } => {
                    if moderator && !still {
                        db::web::end(db, &id_hash).await?;
                        return Ok(Err(Denied::NotModerator));
                    }
                    moderator = moderator && still;
                }
            }
        }
        db::web::touch(db, &id_hash, now, verify).await?;
        let name = db::members::display_name(db, h.guild_id, h.user_id).await?.unwrap_or_default();
        let actor =
            Actor { guild_id: h.guild_id, user_id: h.user_id, display_name: name, moderator, manages_server: false };
        Ok(Ok(Viewer { actor, scope: h.scope }))
    }

    /// The viewer's progress in each group they belong to.
    pub async fn my_progress(&self, v: &Viewer) -> Result<Vec<super::progress::GroupProgress>> {
        self.progress.of_member(&v.actor, None, None).await
    }

    /// The server's groups at a glance (moderators).
    pub async fn overview(&self, v: &Viewer) -> Result<Vec<crate::report::overview::GroupOverview>> {
        self.reports.overview_groups(&v.actor).await
    }

    /// A group's participation report (moderators), only a group of the viewer's server.
    pub async fn report(
        &self,
        v: &Viewer,
        group_id: i64,
    ) -> Result<std::result::Result<crate::report::Report, Denied>> {
        let Some(_) = db::groups::get(&self.core.db, v.actor.guild_id, group_id).await? else {
            return Ok(Err(Denied::NoGroup));
        };
        Ok(Ok(self.reports.participation_report(&v.actor, Some(&group_id.to_string()), None, None).await?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_32_bytes_url_safe_and_checked_first() {
        let s = secret();
        assert!(well_formed(&s), "{s}");
        assert_ne!(s, secret());
        assert!(!well_formed("x") && !well_formed(&format!("{s}=")) && !well_formed(&s[..42]));
    }
}
