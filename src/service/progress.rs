//! A member's progress: per group, weeks checked in, streaks, hours, confidence and the
//! weakest self-assessed weeks; and, for moderators, a member's history across groups.

use super::{Core, GroupService};
use crate::db;
use crate::error::{Error, Result, UserError};
use crate::model::{Actor, Certificate, Checkin, GroupView};
use crate::progress::{self, Progress};

/// Progress in one group, with the titles of the weakest weeks.
#[derive(Debug, Clone)]
pub struct GroupProgress {
    pub group_name: String,
    pub progress: Progress,
    /// (week, title, average rating), lowest first.
    pub weakest: Vec<(u32, String, f64)>,
    /// Finished weeks since the member joined without a check-in, latest last (at most
    /// [`CATCH_UP`]), with where to read them.
    pub catch_up: Vec<CatchUp>,
    /// Earlier weeks to catch up on beyond those in `catch_up`.
    pub catch_up_more: usize,
    /// Spaced review of the group's path.
    pub review: crate::model::ReviewStats,
}

/// At most this many weeks are offered to catch up on.
pub const CATCH_UP: usize = 5;

/// A week to catch up on: its post in the group's channel and its discussion thread, when
/// they exist.
#[derive(Debug, Clone, PartialEq)]
pub struct CatchUp {
    pub week: u32,
    pub title: String,
    /// `https://discord.com/channels/...` of the weekly post.
    pub post: Option<String>,
    pub thread: Option<u64>,
}

/// A member's weeks in a group (see `ProgressService::member_weeks`).
struct MemberWeeks {
    /// The week they joined from (none: not a member).
    joined: Option<u32>,
    checkins: Vec<Checkin>,
    entries: Vec<(u32, crate::streaks::Entry)>,
}

/// A certificate as issued, with its PNG.
#[derive(Debug, Clone)]
pub struct IssuedCertificate {
    pub certificate: Certificate,
    pub png: Vec<u8>,
}

/// A verification code from 50 random bits: "SB-" and two groups of five characters of
/// Crockford's base 32 (no I, L, O or U: nothing to misread).
pub fn certificate_code(bits: u64) -> String {
    const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let c: String = (0..10).map(|i| ALPHABET[((bits >> (5 * i)) & 31) as usize] as char).collect();
    format!("SB-{}-{}", &c[..5], &c[5..])
}

/// A code as typed (any case, spaces, I/L for 1, O for 0) in its stored form.
pub fn normalize_code(typed: &str) -> String {
    let s: String = typed
        .trim()
        .to_uppercase()
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            'I' | 'L' => '1',
            'O' => '0',
            c => c,
        })
        .collect();
    s
}

/// A member's progress in every group they belong to, and their check-ins, newest first.
#[derive(Debug, Clone)]
pub struct MemberHistory {
    pub groups: Vec<GroupProgress>,
    pub checkins: Vec<(String, Checkin)>,
}

#[derive(Clone)]
pub struct ProgressService {
    core: Core,
    groups: GroupService,
}

impl ProgressService {
    pub fn new(core: Core, groups: GroupService) -> ProgressService {
        ProgressService { core, groups }
    }

    /// `/progress`: the actor's own progress, or another member's (moderators only), in the
    /// group named or in every group the member belongs to. Empty: no group yet.
    pub async fn of_member(
        &self,
        actor: &Actor,
        member: Option<u64>,
        group: Option<&str>,
    ) -> Result<Vec<GroupProgress>> {
        let user_id = match member {
            Some(m) if m != actor.user_id => {
                if !actor.moderator {
                    return Err(UserError::NotModerator.into());
                }
                m
            }
            _ => actor.user_id,
        };
        let views = match group {
            Some(g) => vec![self.groups.resolve(actor, Some(g)).await?],
            None => self.member_groups(actor.guild_id, user_id).await?,
        };
        let mut out = Vec::new();
        for view in views.iter().take(crate::limits::EMBEDS) {
            out.push(self.in_group(actor.guild_id, user_id, view).await?.0);
        }
        Ok(out)
    }

    /// `/report member`: a member's progress and check-ins across this server's groups.
    pub async fn history(&self, actor: &Actor, user_id: u64) -> Result<MemberHistory> {
        if !actor.moderator {
            return Err(UserError::NotModerator.into());
        }
        let mut history = MemberHistory { groups: Vec::new(), checkins: Vec::new() };
        for view in self.member_groups(actor.guild_id, user_id).await? {
            let (progress, checkins) = self.in_group(actor.guild_id, user_id, &view).await?;
            history.groups.push(progress);
            history.checkins.extend(checkins.into_iter().rev().map(|c| (view.group.name.clone(), c)));
        }
        Ok(history)
    }

    /// `/certificate`: the member's certificate of the group's path, issued once (then the
    /// same one every time): unlocked when the path is finished and they checked in for at
    /// least [`progress::CERTIFICATE_PERCENT`]% of the held weeks since they joined; otherwise
    /// what is missing. With its PNG.
    pub async fn certificate(
        &self,
        actor: &Actor,
        group: Option<&str>,
        server_name: &str,
    ) -> Result<IssuedCertificate> {
        let view = self.groups.resolve(actor, group).await?;
        let (db, scope) = (&self.core.db, view.group.scope());
        let certificate = match db::certificates::of_member(db, scope, actor.user_id).await? {
            Some(c) => c,
            None => {
                let c = self.unlock(actor, &view, server_name).await?;
                db::certificates::issue(db, scope, &c).await?;
                // A second click (or process) may have issued one first: the stored one wins.
                db::certificates::of_member(db, scope, actor.user_id)
                    .await?
                    .ok_or_else(|| Error::internal("a certificate just issued is not stored"))?
            }
        };
        let png =
            crate::report::certificate_png(&certificate).map_err(|e| Error::internal(format!("certificate: {e}")))?;
        Ok(IssuedCertificate { certificate, png })
    }

    /// The certificate the member would be issued now, or why not.
    async fn unlock(&self, actor: &Actor, view: &GroupView, server_name: &str) -> Result<Certificate> {
        let now = self.core.now();
        let (guild_id, user_id) = (actor.guild_id, actor.user_id);
        let MemberWeeks { joined, checkins, entries } = self.member_weeks(guild_id, user_id, view).await?;
        if joined.is_none() {
            return Err(UserError::NoCertificateNotInGroup(view.group.name.clone()).into());
        }
        let held = progress::held(&entries);
        let checked = entries.iter().filter(|(_, e)| matches!(e, crate::streaks::Entry::Checked(_))).count() as u32;
        let needed = progress::certificate_needed(held.len() as u32);
        let week_now = match view.standing(now) {
            crate::weeks::Standing::Finished { .. } => None,
            crate::weeks::Standing::Week { week, .. } => Some(week),
            crate::weeks::Standing::OnBreak { last_week, .. } => Some(last_week.unwrap_or(0)),
            crate::weeks::Standing::NotStarted { .. } => Some(0),
        };
        if week_now.is_some() || checked < needed {
            let mut catch_up = progress::missed_finished(&held, &checkins);
            catch_up.drain(..catch_up.len().saturating_sub(CATCH_UP));
            return Err(UserError::CertificateLocked {
                group: view.group.name.clone(),
                week_now,
                total: view.total_weeks,
                checked,
                held: held.len() as u32,
                needed,
                catch_up,
            }
            .into());
        }
        let path = self.core.path_of(view)?;
        let date_of = |week: u32| {
            crate::weeks::session_of_week(week, &view.calendar, view.total_weeks).map(|k| view.schedule().date(k))
        };
        let (first, last) = (held.first().copied().unwrap_or(1), entries.last().map_or(view.total_weeks, |(w, _)| *w));
        let (Some(started_on), Some(finished_on)) = (date_of(first), date_of(last)) else {
            return Err(Error::internal(format!("no session for week {first} or {last}")));
        };
        Ok(Certificate {
            code: certificate_code(rand::random()),
            guild_id,
            user_id,
            display_name: actor.display_name.clone(),
            group_name: view.group.name.clone(),
            path_name: path.path.name.clone(),
            path_weeks: view.total_weeks,
            server_name: server_name.to_string(),
            first_week: first,
            started_on,
            finished_on,
            weeks_checked_in: checked,
            weeks_held: held.len() as u32,
            issued_at: now,
        })
    }

    async fn member_groups(&self, guild_id: u64, user_id: u64) -> Result<Vec<GroupView>> {
        let mut views = Vec::new();
        for id in db::members::member_groups(&self.core.db, guild_id, user_id).await? {
            views.push(self.groups.by_id(guild_id, id).await?);
        }
        Ok(views)
    }

    /// A member's weeks in a group, what `/progress` and `/certificate` read: since they
    /// joined (fair to late joiners), with their check-ins and away weeks; away weeks without
    /// a check-in and weeks the bot missed are not theirs to keep (no streak break).
    async fn member_weeks(&self, guild_id: u64, user_id: u64, view: &GroupView) -> Result<MemberWeeks> {
        let db = &self.core.db;
        let joined = db::members::joined_week(db, guild_id, view.group.id, user_id).await?;
        let away = db::members::away(db, guild_id, view.group.id, Some(user_id)).await?;
        let away = super::reports::away_weeks(view, &away).remove(&user_id).unwrap_or_default();
        let checkins = db::members::checkins(db, guild_id, view.group.id, user_id).await?;
        let weeks: Vec<(u32, bool)> = view
            .weeks_happened(self.core.now())
            .into_iter()
            .filter(|(w, _)| joined.is_none_or(|j| *w >= j) || checkins.iter().any(|c| c.week == *w))
            .collect();
        let entries = progress::entries(&weeks, &checkins, &away);
        Ok(MemberWeeks { joined, checkins, entries })
    }

    async fn in_group(&self, guild_id: u64, user_id: u64, view: &GroupView) -> Result<(GroupProgress, Vec<Checkin>)> {
        let MemberWeeks { checkins, entries, .. } = self.member_weeks(guild_id, user_id, view).await?;
        let held = progress::held(&entries);
        let ratings = db::members::ratings(&self.core.db, guild_id, view.group.id, user_id).await?;
        let p = progress::compute(&entries, &checkins, &ratings);
        let path = self.core.path_of(view)?;
        let title = |w: u32| path.week(w).map(|x| x.title.clone()).unwrap_or_default();
        let weakest = p.weakest.iter().map(|(w, avg)| (*w, title(*w), *avg)).collect();
        let to_catch_up = progress::to_catch_up(&held, &checkins, CATCH_UP);
        let catch_up_more = progress::missed_finished(&held, &checkins).len().saturating_sub(to_catch_up.len());
        let catch_up = if to_catch_up.is_empty() {
            Vec::new()
        } else {
            let links = db::posts::week_links(&self.core.db, view.group.scope()).await?;
            to_catch_up
                .into_iter()
                .map(|week| {
                    let link = links.iter().find(|(w, _, _)| *w == week);
                    CatchUp {
                        week,
                        title: title(week),
                        post: link.map(|(_, m, _)| {
                            format!("https://discord.com/channels/{guild_id}/{}/{m}", view.group.channel_id)
                        }),
                        thread: link.and_then(|(_, _, t)| *t),
                    }
                })
                .collect()
        };
        let review = db::review::stats(&self.core.db, guild_id, user_id, &view.group.path_id, self.core.now()).await?;
        Ok((
            GroupProgress {
                group_name: view.group.name.clone(),
                progress: p,
                weakest,
                catch_up,
                catch_up_more,
                review,
            },
            checkins,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Codes: 50 bits in two groups of Crockford base 32; typed codes are forgiven case,
    /// spaces and the letters read as digits.
    #[test]
    fn certificate_codes_round_trip_as_typed() {
        assert_eq!(certificate_code(0), "SB-00000-00000");
        let c = certificate_code(u64::MAX);
        assert_eq!(c, "SB-ZZZZZ-ZZZZZ");
        let c = certificate_code(0x0123_4567_89AB_CDEF);
        assert!(c.chars().skip(3).all(|x| x == '-' || "0123456789ABCDEFGHJKMNPQRSTVWXYZ".contains(x)), "{c}");
        assert_eq!(normalize_code(&format!(" {} ", c.to_lowercase())), c);
        assert_eq!(normalize_code("sb-0O1iL-ab cde"), "SB-00111-ABCDE");
        assert_ne!(certificate_code(1), certificate_code(2));
    }
}
