//! Services: every use case of the bot, with its rules. No Discord here: a service takes an
//! [`Actor`](crate::model::Actor) and plain values, returns data or a typed
//! [`Error`](crate::error::Error), and reaches the database only through `crate::db`'s typed
//! functions. The edge (`crate::bot`) parses, calls one service function and renders.
//!
//! | service | use cases |
//! | --- | --- |
//! | [`GroupService`] | resolve, autocomplete, create, edit (calendar rules), list, calendar changes (pause, resume, skip, unskip, repeat, jump), delete, next |
//! | [`CheckinService`] | check in (command and form), the form's current values, self-assessment, rate, reminders on/off, forget me |
//! | [`ProgressService`] | a member's progress per group, a member's history (for moderators) |
//! | [`ReportService`] | a participation report with its CSVs and chart, the overview of all groups, the CLI's report input |
//! | [`buddies::BuddyService`] | study buddies: join, leave, pause, status, avoid; rounds on/off (moderators) |
//! | [`SettingsService`] | a server's settings: moderator role, reminders, digest (Manage Server only) |
//! | [`catalog`] (pure functions) | a track by name, resource lists with filters, search |
//!
//! `/group post-now` belongs to the scheduler (`Scheduler::post_now`, in `scheduler/posts.rs`),
//! which owns sending and uses [`GroupService`] to find the group.

pub mod buddies;
pub(crate) mod catalog;
pub(crate) mod checkins;
pub mod feeds;
pub(crate) mod groups;
pub(crate) mod my_data;
pub(crate) mod progress;
pub mod reports;
pub mod review;
pub(crate) mod settings;
pub mod web;

pub use checkins::CheckinService;
pub use groups::GroupService;
pub use progress::ProgressService;
pub use reports::ReportService;
pub use settings::{Settings, SettingsService};

use crate::clock::SharedClock;
use crate::curriculum::{Curriculum, PathFile};
/// The store services run on (opened by [`open_database`]); the edge holds it only to hand
/// it to [`Core`] and to close it on shutdown.
pub use crate::db::Db;
use crate::error::{Error, Result};
use crate::model::GroupView;
use chrono::{DateTime, Utc};
use std::sync::Arc;

/// What every service shares: the database, the curriculum, the clock and the servers'
/// settings (reminder lead, moderator role, digest) over the process-wide defaults.
#[derive(Clone)]
pub struct Core {
    pub db: Db,
    pub curriculum: Arc<Curriculum>,
    pub clock: SharedClock,
    pub settings: Settings,
}

/// Opens (creating and migrating if needed) the database.
pub async fn open_database(location: &crate::db::Location) -> anyhow::Result<Db> {
    crate::db::open(location).await
}

impl Core {
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// The path a group follows. A stored group whose path the curriculum lost is a
    /// deployment problem, reported as internal.
    pub fn path_of(&self, view: &GroupView) -> Result<&PathFile> {
        self.curriculum.path(&view.group.path_id).ok_or_else(|| Error::missing_path(&view.group))
    }
}

/// All services, built once at start-up and shared by every handler.
#[derive(Clone)]
pub struct Services {
    pub groups: GroupService,
    pub checkins: CheckinService,
    pub progress: ProgressService,
    pub reports: ReportService,
    pub settings: SettingsService,
    pub review: review::ReviewService,
    pub buddies: buddies::BuddyService,
    pub feeds: feeds::FeedService,
    pub web: web::WebService,
}

impl Services {
    /// The services over `core`; `web` says where the web server is reached (none: off).
    pub fn new(core: Core, web: Option<feeds::WebLinks>) -> Services {
        let groups = GroupService::new(core.clone());
        let checkins = CheckinService::new(core.clone(), groups.clone());
        let reports = ReportService::new(core.clone(), groups.clone());
        let progress = ProgressService::new(core.clone(), groups.clone());
        Services {
            web: web::WebService::new(core.clone(), reports.clone(), progress.clone(), web.clone()),
            feeds: feeds::FeedService::new(core.clone(), groups.clone(), web),
            buddies: buddies::BuddyService::new(core.clone(), groups.clone(), checkins.clone()),
            checkins,
            progress,
            reports,
            review: review::ReviewService::new(core.clone(), groups.clone()),
            settings: SettingsService::new(core),
            groups,
        }
    }
}
