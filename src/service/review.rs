//! Spaced review of the self-assessment questions: scheduling seeded cards, a member's
//! review session (`/review`), and grading. The rules are the pure `crate::review`; the
//! cards are `db::review`'s.

use super::{Core, GroupService};
use crate::db;
use crate::error::{Result, UserError};
use crate::model::{Actor, DueReviewDm, ReviewCard, ReviewDmTime, ReviewPrefs};
use crate::review::{self, Grade};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use tracing::warn;

/// A card shown to its member.
#[derive(Debug, Clone)]
pub struct ShownCard {
    pub card: ReviewCard,
    pub path_name: String,
    pub week_title: String,
    pub question: String,
    /// Cards the member may still review today, this one included.
    pub left_today: u32,
    /// The outline of an answer, when the curriculum gives one.
    pub outline: Option<Vec<String>>,
    /// The member asked to see the outline.
    pub revealed: bool,
}

/// Why a review session has nothing to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Done {
    /// No card is due.
    NothingDue,
    /// The day's allowance is used up.
    DailyAllowance { reviewed: u32 },
}

/// What `/review` shows next.
#[derive(Debug, Clone)]
pub enum Session {
    Card(Box<ShownCard>),
    Done {
        why: Done,
        /// When the member's next card is due (`None`: no card at all yet).
        next_due: Option<DateTime<Utc>>,
    },
}

/// A grade recorded: when the card comes back, and what to show next.
#[derive(Debug, Clone)]
pub struct Graded {
    pub grade: Grade,
    pub comes_back: DateTime<Utc>,
    pub then: Session,
}

/// What one pass of the review-cards job did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Scheduling {
    pub scheduled: u32,
    pub retired: u32,
}

/// Seeded cards scheduled per pass of the review-cards job.
pub const SCHEDULED_PER_PASS: i64 = 500;

#[derive(Clone)]
pub struct ReviewService {
    core: Core,
    groups: GroupService,
}

impl ReviewService {
    pub fn new(core: Core, groups: GroupService) -> ReviewService {
        ReviewService { core, groups }
    }

    /// The review-cards job: schedules up to [`SCHEDULED_PER_PASS`] seeded cards.
    pub async fn schedule_new(&self) -> Result<Scheduling> {
        let cards = db::review::unscheduled(&self.core.db, SCHEDULED_PER_PASS).await?;
        self.schedule(cards).await
    }

    /// Schedules seeded cards with FSRS: the first rating is the first review, and the card
    /// waits at least for the end of its week's session. A card whose question left the
    /// curriculum or is no longer rated retires. Failures are per card.
    async fn schedule(&self, cards: Vec<ReviewCard>) -> Result<Scheduling> {
        let mut done = Scheduling::default();
        for card in cards {
            match self.schedule_one(&card).await {
                Ok(Some(true)) => done.scheduled += 1,
                Ok(Some(false)) => {}
                Ok(None) => {
                    db::review::retire(&self.core.db, card.id).await?;
                    done.retired += 1;
                }
                Err(e) => warn!(card = card.id, error = %e, "could not schedule a review card"),
            }
        }
        Ok(done)
    }

    /// `None`: the card's question is gone (retire it).
    async fn schedule_one(&self, card: &ReviewCard) -> Result<Option<bool>> {
        let Some(text) = self.question_text(card) else { return Ok(None) };
        let view = match self.groups.by_id(card.guild_id, card.group_id).await {
            Ok(v) => Some(v),
            // The group was deleted meanwhile: its cards go with it.
            Err(crate::error::Error::User(e)) if matches!(*e, UserError::GroupGone) => return Ok(Some(false)),
            Err(e) => return Err(e),
        };
        // Reviewable once the week's session finished: when the next session starts.
        let reviewable_from = view
            .as_ref()
            .filter(|v| v.group.path_id == card.path_id)
            .and_then(|v| {
                crate::weeks::session_of_week(card.week, &v.calendar, v.total_weeks)
                    .map(|k| v.schedule().instant(k + 1))
            })
            .unwrap_or(card.rated_at);
        let retention = self.core.settings.effective(card.guild_id).await?.review_retention;
        let key = review::fuzz_key(card.id, 1);
        let (grade, next) = review::seed(card.seed_rating, card.rated_at, reviewable_from, retention, key);
        let hash = review::question_hash(text);
        Ok(Some(db::review::schedule_seed(&self.core.db, card, &hash, grade, &next).await?))
    }

    /// The text of a card's question as the curriculum has it now (`None`: gone, or a
    /// reflective prompt).
    fn question_text(&self, card: &ReviewCard) -> Option<&str> {
        let path = self.core.curriculum.path(&card.path_id)?;
        let week = path.week(card.week)?;
        let q = usize::from(card.question);
        week.is_rated(q).then(|| week.questions[q].as_str())
    }

    /// The timezone of the member's day: the group's, else UTC.
    async fn zone(&self, guild_id: u64, group_id: Option<i64>) -> Tz {
        match group_id {
            Some(id) => self.groups.by_id(guild_id, id).await.map(|v| v.group.schedule.tz).unwrap_or(chrono_tz::UTC),
            None => chrono_tz::UTC,
        }
    }

    /// `/review [group]`: the member's most overdue card (of the group's path when named).
    pub async fn session(&self, actor: &Actor, group: Option<&str>) -> Result<(Session, i64)> {
        let (path, group_id) = match group {
            Some(_) => {
                let view = self.groups.resolve(actor, group).await?;
                (Some(view.group.path_id.clone()), Some(view.group.id))
            }
            // The member's only group (if any) gives the day's timezone; every path counts.
            None => (None, self.groups.resolve(actor, None).await.ok().map(|v| v.group.id)),
        };
        let mine = db::review::unscheduled_of(&self.core.db, actor.guild_id, actor.user_id).await?;
        self.schedule(mine).await?;
        let zone = self.zone(actor.guild_id, group_id).await;
        let shown = self.next(actor, path.as_deref(), zone).await?;
        Ok((shown, if path.is_some() { group_id.unwrap_or(0) } else { 0 }))
    }

    /// The next card within the day's allowance, most overdue first; cards whose question
    /// changed retire on the way.
    async fn next(&self, actor: &Actor, path: Option<&str>, zone: Tz) -> Result<Session> {
        let now = self.core.now();
        let db = &self.core.db;
        let (left, reviewed) = self.left_today(actor, zone).await?;
        if left == 0 {
            let next_due = db::review::next_due(db, actor.guild_id, actor.user_id, now).await?;
            return Ok(Session::Done { why: Done::DailyAllowance { reviewed }, next_due });
        }
        for _ in 0..4 {
            let due = db::review::due(db, actor.guild_id, actor.user_id, path, now, i64::from(left)).await?;
            let mut retired = false;
            for card in &due {
                let left_today = left.min(u32::try_from(due.len()).unwrap_or(u32::MAX));
                match self.shown(card, left_today, false) {
                    Some(shown) => return Ok(Session::Card(Box::new(shown))),
                    None => {
                        db::review::retire(db, card.id).await?;
                        retired = true;
                    }
                }
            }
            if !retired {
                break;
            }
        }
        let next_due = db::review::next_due(db, actor.guild_id, actor.user_id, now).await?;
        Ok(Session::Done { why: Done::NothingDue, next_due })
    }

    /// How many more cards the member may review today (their daily maximum, in `zone`'s
    /// day), and how many they reviewed.
    async fn left_today(&self, actor: &Actor, zone: Tz) -> Result<(u32, u32)> {
        let db = &self.core.db;
        let since = day_start(self.core.now(), zone);
        let reviewed = db::review::reviewed_since(db, actor.guild_id, actor.user_id, since).await?;
        let daily =
            db::review::prefs(db, actor.guild_id, actor.user_id).await?.map_or(review::DEFAULT_DAILY, |p| p.daily_max);
        Ok((review::allowance(daily, reviewed), reviewed))
    }

    /// A card as its member sees it; `None` when its question changed or left the curriculum
    /// (the card retires).
    fn shown(&self, card: &ReviewCard, left_today: u32, revealed: bool) -> Option<ShownCard> {
        let text = self.question_text(card)?;
        let s = card.scheduled.as_ref()?;
        if s.question_hash != review::question_hash(text) {
            return None;
        }
        let path = self.core.curriculum.path(&card.path_id)?;
        let week = path.week(card.week)?;
        let outline = week.outline_of(usize::from(card.question)).map(<[String]>::to_vec);
        Some(ShownCard {
            card: card.clone(),
            path_name: path.path.name.clone(),
            week_title: week.title.clone(),
            question: text.to_string(),
            left_today,
            revealed: revealed && outline.is_some(),
            outline,
        })
    }

    /// "Show outline": the member's own due card again, with its outline.
    pub async fn outline(&self, actor: &Actor, card_id: i64) -> Result<Session> {
        let db = &self.core.db;
        let card =
            db::review::card(db, actor.guild_id, actor.user_id, card_id).await?.ok_or(UserError::ReviewCardGone)?;
        let zone = self.zone(actor.guild_id, Some(card.group_id)).await;
        let (left, _) = self.left_today(actor, zone).await?;
        let shown = self.shown(&card, left.max(1), true).ok_or(UserError::ReviewCardGone)?;
        Ok(Session::Card(Box::new(shown)))
    }

    /// A grade button: records the review of the member's own due card, seen after `reps`
    /// reviews, and shows the next card (of group `group_id`'s path when not 0).
    pub async fn grade(&self, actor: &Actor, card_id: i64, reps: u32, grade: Grade, group_id: i64) -> Result<Graded> {
        let now = self.core.now();
        let db = &self.core.db;
        let card =
            db::review::card(db, actor.guild_id, actor.user_id, card_id).await?.ok_or(UserError::ReviewCardGone)?;
        let scheduled = card.scheduled.as_ref().ok_or(UserError::ReviewCardGone)?;
        if card.reps != reps {
            return Err(UserError::ReviewCardGone.into());
        }
        if scheduled.due_at > now {
            return Err(UserError::ReviewNotDue(scheduled.due_at).into());
        }
        let key = review::fuzz_key(card.id, reps + 1);
        let retention = self.core.settings.effective(actor.guild_id).await?.review_retention;
        let next = review::review(scheduled.memory, scheduled.last_review_at, grade, now, retention, key);
        if !db::review::grade(db, &card, reps, grade, &next, now).await? {
            return Err(UserError::ReviewCardGone.into());
        }
        crate::metrics::review_graded(grade);
        let path = match group_id {
            0 => None,
            id => self.groups.by_id(actor.guild_id, id).await.ok().map(|v| v.group.path_id),
        };
        let zone = self.zone(actor.guild_id, Some(card.group_id)).await;
        let then = self.next(actor, path.as_deref(), zone).await?;
        Ok(Graded { grade, comes_back: next.due, then })
    }
}

impl ReviewService {
    /// `/review forecast`: the member's cards due on each of the next 7 days, in the
    /// timezone of their group (UTC when they are in none or several).
    pub async fn forecast(&self, actor: &Actor) -> Result<(Vec<(chrono::NaiveDate, u32)>, Tz)> {
        let mine = db::review::unscheduled_of(&self.core.db, actor.guild_id, actor.user_id).await?;
        self.schedule(mine).await?;
        let group_id = self.groups.resolve(actor, None).await.ok().map(|v| v.group.id);
        let zone = self.zone(actor.guild_id, group_id).await;
        let now = self.core.now();
        let until = day_start(now, zone) + chrono::Duration::days(i64::from(FORECAST_DAYS) + 1);
        let dues = db::review::due_until(&self.core.db, actor.guild_id, actor.user_id, until).await?;
        Ok((review::forecast(&dues, now, zone, FORECAST_DAYS), zone))
    }
}

/// What `/review on|off` left.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choices {
    pub prefs: ReviewPrefs,
    /// The timezone of the member's day.
    pub zone: Tz,
    pub group_name: String,
}

/// The daily DM of one member whose hour came, as the DM job sends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DailyDm {
    /// The member's local date of the DM.
    pub day: chrono::NaiveDate,
    /// Cards to review today (due ones, within the allowance).
    pub cards: u32,
    /// The group the DM's button starts the session from (the member's actor in a DM).
    pub group_id: i64,
}

/// The review DM's hour when a member does not name one: early evening.
pub const DEFAULT_DM_HOUR: u8 = 18;

impl ReviewService {
    /// `/review on|off [group] [hour] [max]`: the daily DM on (at `hour`, in the group's
    /// timezone) or off, and the day's maximum. What is not named keeps its earlier value.
    pub async fn choose(
        &self,
        actor: &Actor,
        group: Option<&str>,
        dms: bool,
        hour: Option<u8>,
        max: Option<u32>,
    ) -> Result<Choices> {
        if let Some(m) = max.filter(|m| !review::DAILY_RANGE.contains(m)) {
            return Err(UserError::ReviewDailyMax(m).into());
        }
        if let Some(h) = hour.filter(|h| *h > 23) {
            return Err(UserError::ReviewHour(h).into());
        }
        let view = self.groups.resolve(actor, group).await?;
        let db = &self.core.db;
        let before = db::review::prefs(db, actor.guild_id, actor.user_id).await?;
        let zone = view.group.schedule.tz;
        let dm = match dms {
            false => None,
            true => {
                let hour = hour.or(before.as_ref().and_then(|p| p.dm.map(|d| d.hour))).unwrap_or(DEFAULT_DM_HOUR);
                Some(ReviewDmTime { hour, next_at: review::next_dm_at(self.core.now(), hour, zone) })
            }
        };
        let prefs = ReviewPrefs {
            daily_max: max.or(before.as_ref().map(|p| p.daily_max)).unwrap_or(review::DEFAULT_DAILY),
            group_id: Some(view.group.id),
            dm,
        };
        db::review::set_prefs(db, actor.guild_id, actor.user_id, &prefs).await?;
        Ok(Choices { prefs, zone, group_name: view.group.name.clone() })
    }

    /// The DM job's decision for one member whose hour came: the DM to send, or why none.
    /// The group gives the timezone and the DM's button; a member in no group gets none.
    pub async fn daily_dm(
        &self,
        due: &DueReviewDm,
        now: DateTime<Utc>,
    ) -> Result<std::result::Result<DailyDm, review::DmSkip>> {
        let db = &self.core.db;
        let group_id = match due.prefs.group_id {
            Some(id) => Some(id),
            None => db::members::member_groups(db, due.guild_id, due.user_id).await?.first().copied(),
        };
        let Some(group_id) = group_id else { return Ok(Err(review::DmSkip::NothingDue)) };
        let zone = self.zone(due.guild_id, Some(group_id)).await;
        let day = due.slot.with_timezone(&zone).date_naive();
        let away = db::members::away_on(db, due.guild_id, due.user_id, day).await?;
        let left = match due.due_cards {
            0 => 0,
            _ => {
                let reviewed = db::review::reviewed_since(db, due.guild_id, due.user_id, day_start(now, zone)).await?;
                review::allowance(due.prefs.daily_max, reviewed)
            }
        };
        Ok(review::dm_plan(due.slot, now, away, due.due_cards, left).map(|cards| DailyDm { day, cards, group_id }))
    }

    /// When the member's next review DM comes, after the one at `due.slot`.
    pub async fn next_dm(&self, due: &DueReviewDm, now: DateTime<Utc>) -> DateTime<Utc> {
        let zone = self.zone(due.guild_id, due.prefs.group_id).await;
        let hour = due.prefs.dm.map_or(DEFAULT_DM_HOUR, |d| d.hour);
        review::next_dm_at(now.max(due.slot), hour, zone)
    }

    /// The server of a member's own card, for a grade button pressed in a DM (`None`: not
    /// theirs, or gone).
    pub async fn dm_actor(&self, user_id: u64, display_name: String, card_id: i64) -> Result<Actor> {
        match db::review::card_guild(&self.core.db, user_id, card_id).await? {
            Some(guild_id) => Ok(Actor { guild_id, user_id, display_name, moderator: false, manages_server: false }),
            None => Err(UserError::ReviewCardGone.into()),
        }
    }
}

/// `/review forecast` covers this many days, today included.
pub const FORECAST_DAYS: u32 = 7;

/// Midnight of `now`'s day in `zone`, as an instant.
pub fn day_start(now: DateTime<Utc>, zone: Tz) -> DateTime<Utc> {
    let local = now.with_timezone(&zone).date_naive().and_hms_opt(0, 0, 0).unwrap_or_default();
    crate::weeks::local_to_utc(zone, local)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_day_starts_at_local_midnight() {
        let now = DateTime::parse_from_rfc3339("2026-12-05T03:00:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(day_start(now, chrono_tz::UTC).to_rfc3339(), "2026-12-05T00:00:00+00:00");
        // 03:00 UTC is 19:00 of the day before in Los Angeles.
        assert_eq!(day_start(now, chrono_tz::America::Los_Angeles).to_rfc3339(), "2026-12-04T08:00:00+00:00");
    }
}
