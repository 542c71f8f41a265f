//! Starts the real studybot bot against the fake Discord, with a manual clock and a
//! temporary database file, and can restart it on the same database (crash tests).

use chrono::{DateTime, Utc};
use fake_discord::{FakeDiscord, Invoker, Reply, Slash, defaults};
use std::sync::Arc;
use std::time::Duration;
use studybot::bot::{RunningBot, StartOptions, start};
use studybot::clock::ManualClock;
use studybot::config::{Config, Secret};
use studybot::curriculum::Curriculum;
use studybot::db::{Db, Location};
use studybot::scheduler::pace::Budget;

/// Generous bound for anything the bot should do promptly.
pub const T: Duration = Duration::from_secs(10);
/// Discord's deadline for the first interaction response.
pub const DISCORD_DEADLINE: Duration = Duration::from_secs(3);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `DISCORD_API_URL=http://127.0.0.1:PORT`: serenity's proxy mode, no rate limiter, every
    /// request through studybot's REST forwarder. For the forwarder's own tests (`e2e_rest`),
    /// the multi-process test and the scheduler's behaviour without serenity's limiter.
    Proxy,
    /// Real `https://discord.com` URLs resolved to the fake over TLS, serenity's rate limiter
    /// and transport on: the default deployment, and what every other test uses.
    Tls,
}

pub struct TestBot {
    pub fake: FakeDiscord,
    pub bot: Option<RunningBot>,
    pub db: Db,
    pub clock: ManualClock,
    pub mode: Mode,
    /// The database (a file, or a database on the throwaway PostgreSQL server).
    pub database: Location,
    tweak: fn(&mut Config),
    _dir: tempfile::TempDir,
}

pub fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).expect("test timestamp").with_timezone(&Utc)
}

pub fn config(fake: &FakeDiscord, mode: Mode, database: Location) -> Config {
    Config {
        discord_token: Some(Secret::new(fake.token())),
        database,
        curriculum: None,
        discord_api_url: match mode {
            Mode::Proxy => fake.base_url(),
            Mode::Tls => studybot::config::DEFAULT_DISCORD_API.to_string(),
        },
        dev_guild: Some(defaults::GUILD),
        reminder_hours: 24,
        log: "warn".into(),
        log_format: Default::default(),
        metrics_addr: None,
        web_addr: None,
        public_url: None,
        retention: chrono::Duration::days(30),
        shards: Default::default(),
        warnings: Vec::new(),
    }
}

/// `/group create` with every required option (add optional ones to it; `weekday`: 0 =
/// Monday ... 6 = Sunday).
pub fn create_cmd(name: &str, channel: u64, path: &str, start: &str, weekday: i64, time: &str, tz: &str) -> Slash {
    Slash::new("group")
        .sub("create")
        .string("name", name)
        .channel("channel", channel)
        .string("path", path)
        .string("start", start)
        .integer("weekday", weekday)
        .string("time", time)
        .string("timezone", tz)
}

/// The settings of an `architecture` group meeting Mondays at 18:00 UTC from `start`, to
/// insert straight into the database.
pub fn monday_group(name: &str, channel: u64, start: &str) -> studybot::model::GroupSettings {
    studybot::model::GroupSettings {
        name: name.into(),
        channel_id: channel,
        path_id: "architecture".into(),
        schedule: studybot::model::Schedule::from_parts(start, 0, "18:00", "UTC", 1).expect("test schedule"),
        mention_role_id: None,
    }
}

impl TestBot {
    /// A fake Discord with the default guild, and the bot connected to it at `now`.
    pub async fn start(mode: Mode, now: &str) -> TestBot {
        Self::start_with(FakeDiscord::start().await, mode, now).await
    }

    pub async fn start_with(fake: FakeDiscord, mode: Mode, now: &str) -> TestBot {
        Self::start_configured(fake, mode, now, |_| {}).await
    }

    /// Like [`TestBot::start_with`], with a change to the bot's configuration.
    pub async fn start_configured(fake: FakeDiscord, mode: Mode, now: &str, tweak: fn(&mut Config)) -> TestBot {
        let _ = tracing_subscriber::fmt().with_env_filter("studybot=info").with_test_writer().try_init();
        let dir = tempfile::tempdir().expect("tempdir");
        let database = super::new_database(dir.path());
        let db = studybot::db::open(&database).await.expect("open db");
        let clock = ManualClock::new(utc(now));
        fake.set_clock(utc(now));
        // Every body studybot sends must say who may be pinged, for the whole suite.
        fake.require_allowed_mentions();
        let mut tb = TestBot { fake, bot: None, db, clock, mode, database, tweak, _dir: dir };
        tb.boot().await;
        tb
    }

    async fn spawn(&self) -> RunningBot {
        let mut config = config(&self.fake, self.mode, self.database.clone());
        (self.tweak)(&mut config);
        let curriculum = Curriculum::embedded().expect("curriculum");
        let options = StartOptions {
            http_client: (self.mode == Mode::Tls).then(|| self.fake.tls_client()),
            clock: Some(Arc::new(self.clock.clone())),
            start_scheduler: false,
            // The fake does not enforce Discord's per-channel message limit, and the tests post
            // up to 200 groups into one channel; the global budget stays Discord's.
            pace: Some(Budget { channel_period: None, ..Budget::default() }),
        };
        start(config, curriculum, self.db.clone(), options).await.expect("bot starts")
    }

    /// Another bot process on the same fake Discord and the same database file (its own
    /// connections), configured by `tweak` (e.g. another shard range).
    pub async fn spawn_other(&self, tweak: fn(&mut Config)) -> RunningBot {
        let mut config = config(&self.fake, self.mode, self.database.clone());
        tweak(&mut config);
        let db = studybot::db::open(&self.database).await.expect("open the shared db");
        let options = StartOptions {
            http_client: (self.mode == Mode::Tls).then(|| self.fake.tls_client()),
            clock: Some(Arc::new(self.clock.clone())),
            start_scheduler: false,
            pace: Some(Budget { channel_period: None, ..Budget::default() }),
        };
        start(config, Curriculum::embedded().expect("curriculum"), db, options).await.expect("bot starts")
    }

    async fn boot(&mut self) {
        let bot = self.spawn().await;
        self.fake.wait_ready(T).await;
        self.fake.wait_commands_registered(T).await;
        self.bot = Some(bot);
    }

    /// Stops the bot (like a shutdown or crash) and starts a new one on the same database.
    pub async fn restart(&mut self) {
        if let Some(bot) = self.bot.take() {
            bot.shutdown().await;
        }
        self.db = studybot::db::open(&self.database).await.expect("reopen db");
        let sessions = self.fake.gateway_stats().sessions();
        let bot = self.spawn().await;
        self.fake.wait_gateway_sessions(sessions + 1, T).await;
        self.bot = Some(bot);
    }

    /// The reminder DMs `user` got (without the first DM of `/remind on`).
    pub fn reminder_dms(&self, user: u64) -> Vec<serde_json::Value> {
        self.fake
            .dm_messages(user)
            .into_iter()
            .filter(|m| !m["content"].as_str().unwrap_or("").starts_with("Reminder DMs are on"))
            .collect()
    }

    /// Moves the bot's clock, and the fake Discord's with it (scheduled events).
    pub fn set_now(&self, now: &str) {
        self.clock.set(utc(now));
        self.fake.set_clock(utc(now));
    }

    /// Runs one scheduler tick (what the 30-second job does).
    pub async fn tick(&self) -> studybot::scheduler::TickReport {
        self.bot.as_ref().expect("bot running").scheduler().tick().await
    }

    /// Sends a slash command and waits for its final visible reply, checking the deadline.
    pub async fn run(&self, cmd: Slash) -> Reply {
        let reply = self.fake.slash(cmd).await.wait_reply(T).await;
        assert!(reply.latency < DISCORD_DEADLINE, "first response took {:?}", reply.latency);
        reply
    }

    pub fn moderator(&self) -> Invoker {
        self.fake.moderator()
    }

    pub fn member(&self) -> Invoker {
        self.fake.member()
    }

    /// Creates a group as the moderator and returns its id.
    /// `weekday` is the choice index: 0 = Monday ... 6 = Sunday.
    pub async fn create_group(&self, name: &str, path: &str, start: &str, weekday: i64, time: &str, tz: &str) -> i64 {
        let cmd = create_cmd(name, defaults::GENERAL, path, start, weekday, time, tz);
        let r = self.run(cmd.by(&self.moderator())).await;
        assert!(r.text().contains("Created"), "{}", r.text());
        let rows = studybot::db::groups::list(&self.db, defaults::GUILD).await.expect("list");
        rows.iter().find(|g| g.name == name).expect("group stored").id
    }

    /// Stops the bot and checks the fake saw no limit violations or unknown routes.
    pub async fn finish(mut self) {
        if let Some(bot) = self.bot.take() {
            bot.shutdown().await;
        }
        self.fake.finish();
    }
}
