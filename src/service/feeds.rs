//! Live calendar feeds (`--web-addr`): the secret links moderators and members get, and the
//! feeds those links serve. A feed is made from the calendar as it is at each request, and
//! `db::feeds::publish` keeps each session's revision, so calendar apps see a moved session
//! as an update of the same event and a cancelled one as cancelled.

use super::{Core, GroupService};
use crate::db;
use crate::error::{Result, UserError};
use crate::model::Actor;
use base64::Engine;
use sha2::{Digest, Sha256};

/// Where the web server is reached from outside (`--public-url`, or `http://` and the
/// address it listens on).
#[derive(Debug, Clone)]
pub struct WebLinks {
    pub public_url: String,
}

impl WebLinks {
    fn url(&self, path: &str) -> String {
        format!("{}/{path}", self.public_url.trim_end_matches('/'))
    }
}

/// A feed as served: the iCalendar text and its entity tag (a hash of the text).
#[derive(Debug, Clone, PartialEq)]
pub struct Feed {
    pub body: String,
    pub etag: String,
}

/// A new secret: 128 random bits, URL-safe (22 characters).
fn token() -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand::random::<[u8; 16]>())
}

/// What is stored of a personal token: its SHA-256, hex.
fn hash(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// A token as typed in a URL: 22 URL-safe base64 characters, else no feed (checked before
/// any lookup).
fn well_formed(token: &str) -> bool {
    token.len() == 22 && token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[derive(Clone)]
pub struct FeedService {
    core: Core,
    groups: GroupService,
    web: Option<WebLinks>,
}

/// A group's feed link as shown to a moderator.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupLink {
    pub group: String,
    pub url: String,
    /// A new link was made (the first, or a rotation).
    pub new: bool,
}

impl FeedService {
    pub fn new(core: Core, groups: GroupService, web: Option<WebLinks>) -> FeedService {
        FeedService { core, groups, web }
    }

    fn web(&self) -> Result<&WebLinks> {
        self.web.as_ref().ok_or_else(|| UserError::WebOff.into())
    }

    /// `/group calendar-link`: the group's secret feed URL (moderators), made on first use;
    /// `rotate` replaces it (the old one stops working at once).
    pub async fn group_link(&self, actor: &Actor, group: Option<&str>, rotate: bool) -> Result<GroupLink> {
        if !actor.moderator {
            return Err(UserError::NotModerator.into());
        }
        let web = self.web()?;
        let view = self.groups.resolve(actor, group).await?;
        let scope = view.group.scope();
        let db = &self.core.db;
        let (token, new) = match db::feeds::group_token(db, scope).await? {
            Some(t) if !rotate => (t, false),
            _ => {
                let t = token();
                db::feeds::set_group_token(db, scope, &t, actor.user_id, self.core.now()).await?;
                (t, true)
            }
        };
        Ok(GroupLink { group: view.group.name.clone(), url: web.url(&format!("feeds/group/{token}.ics")), new })
    }

    /// `/calendar subscribe`: a new personal feed URL (every group the member joined in this
    /// server, and their away ranges), shown once; an earlier one stops working.
    pub async fn subscribe(&self, actor: &Actor) -> Result<String> {
        let web = self.web()?;
        let db = &self.core.db;
        let now = self.core.now();
        db::members::ensure_member(db, actor.guild_id, actor.user_id, &actor.display_name, now).await?;
        let t = token();
        db::feeds::set_member_feed(db, actor.guild_id, actor.user_id, &hash(&t), now).await?;
        Ok(web.url(&format!("feeds/me/{t}.ics")))
    }

    /// The feed of the group whose token is `token`; `None` when there is none (an unknown,
    /// rotated or malformed token, or a deleted group).
    pub async fn group_feed(&self, token: &str) -> Result<Option<Feed>> {
        if !well_formed(token) {
            return Ok(None);
        }
        let db = &self.core.db;
        let Some((guild, group_id)) = db::feeds::group_of_token(db, token).await? else { return Ok(None) };
        let Some(group) = db::groups::get(db, guild, group_id).await? else { return Ok(None) };
        let view = super::groups::view_of(&self.core, group).await?;
        let part = self.part(&view).await?;
        let title = format!("{}: {}", view.group.name, part.1);
        let body = crate::render::calendar::feed(
            &title,
            &[crate::render::calendar::GroupFeed { view: &view, path_name: &part.1, sessions: part.0, links: &part.2 }],
            &[],
        );
        Ok(Some(feed_of(body)))
    }

    /// The personal feed whose token is `token`: every group the member joined in that
    /// server, and their away ranges; `None` when there is none (unknown, replaced,
    /// malformed, or gone with `/forget-me`).
    pub async fn member_feed(&self, token: &str) -> Result<Option<Feed>> {
        if !well_formed(token) {
            return Ok(None);
        }
        let db = &self.core.db;
        let Some((guild, user)) = db::feeds::member_of_token(db, &hash(token)).await? else { return Ok(None) };
        let mut views = Vec::new();
        for id in db::members::member_groups(db, guild, user).await? {
            if let Some(group) = db::groups::get(db, guild, id).await? {
                views.push(super::groups::view_of(&self.core, group).await?);
            }
        }
        let mut parts = Vec::new();
        let mut aways = Vec::new();
        for view in &views {
            parts.push(self.part(view).await?);
            for a in db::members::away(db, guild, view.group.id, Some(user)).await? {
                aways.push((view.group.id, view.group.name.as_str(), a));
            }
        }
        let groups: Vec<_> = views
            .iter()
            .zip(parts.iter_mut())
            .map(|(view, (sessions, path_name, links))| crate::render::calendar::GroupFeed {
                view,
                path_name,
                sessions: std::mem::take(sessions),
                links,
            })
            .collect();
        let aways: Vec<_> = aways
            .iter()
            .map(|(group_id, group_name, a)| crate::render::calendar::AwayRange {
                group_id: *group_id,
                group_name,
                user_id: user,
                from: a.from,
                to: a.to,
            })
            .collect();
        Ok(Some(feed_of(crate::render::calendar::feed("My study groups", &groups, &aways))))
    }

    /// A group's sessions with what the feed says of each (recorded now), its path's name
    /// and its Discord events.
    async fn part(
        &self,
        view: &crate::model::GroupView,
    ) -> Result<(Vec<(crate::calendar::FeedSession, crate::calendar::Published)>, String, crate::calendar::SessionLinks)>
    {
        let now = self.core.now();
        let path = self
            .core
            .curriculum
            .path(&view.group.path_id)
            .ok_or_else(|| crate::error::Error::missing_path(&view.group))?;
        let mut sessions = Vec::new();
        for s in crate::calendar::feed(view, path, now) {
            let published =
                db::feeds::publish(&self.core.db, view.group.scope(), s.session, s.at, s.week.is_none(), now).await?;
            sessions.push((s, published));
        }
        let links = self.groups.session_links(view).await?;
        Ok((sessions, path.path.name.clone(), links))
    }
}

fn feed_of(body: String) -> Feed {
    let digest = Sha256::digest(body.as_bytes());
    let etag = format!("\"{}\"", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest[..18]));
    Feed { body, etag }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_128_bits_url_safe_and_checked_before_any_lookup() {
        let t = token();
        assert!(well_formed(&t), "{t}");
        assert_ne!(t, token());
        assert_eq!(hash(&t).len(), 64);
        for bad in ["", "short", "../../../../etc/passwd", "aaaaaaaaaaaaaaaaaaaaa=", "aaaaaaaaaaaaaaaaaaaaaaa"] {
            assert!(!well_formed(bad), "{bad}");
        }
    }
}
