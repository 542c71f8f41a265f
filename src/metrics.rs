//! Prometheus metrics (the `prometheus-client` crate, the Prometheus project's own Rust
//! client), one registry per process like every Prometheus client. Labels are bounded sets
//! (command names, post kinds, outcomes, database operations); never a server, user or
//! group id.
//!
//! Served by `ops` at `GET /metrics` when `--metrics-addr` is set.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use std::sync::LazyLock;
use std::time::Duration;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct InteractionLabels {
    /// The command's name (`checkin`, `group create`...), or `button`, `modal`, `autocomplete`.
    pub command: String,
    /// `ok`, `refused` (a message for the member), `error` (an internal error).
    pub outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct CommandLabels {
    pub command: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct PostLabels {
    /// `week`, `skip`, `closing`, `reminder`, `reminder_dm`, `digest` ([`POST_KINDS`]).
    pub kind: &'static str,
    /// `sent`, `failed`, `missed` (the bot was down for the whole slot), `found` (an earlier
    /// attempt's message was found in the channel instead of sending again).
    pub outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct KindLabels {
    pub kind: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RestLabels {
    /// For 429s: `global` or `route`; for retries: `rate_limited`, `server_error`, `transport`.
    pub reason: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct GradeLabels {
    /// `again`, `hard`, `good`, `easy` ([`GRADES`]).
    pub grade: &'static str,
}

/// The `grade` values of [`GradeLabels`].
pub const GRADES: [&str; 4] = ["again", "hard", "good", "easy"];

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct QueryLabels {
    /// The database function, e.g. `members.upsert_checkin`.
    pub op: &'static str,
}

/// The `kind` values of [`PostLabels`].
pub const POST_KINDS: [&str; 6] = ["week", "skip", "closing", "reminder", "reminder_dm", "digest"];
/// The `outcome` values of [`PostLabels`].
pub const POST_OUTCOMES: [&str; 4] = ["sent", "failed", "missed", "found"];

/// Every series the bot exposes.
pub struct Metrics {
    registry: Registry,
    pub interactions: Family<InteractionLabels, Counter>,
    pub interaction_seconds: Family<CommandLabels, Histogram>,
    pub posts: Family<PostLabels, Counter>,
    pub post_lateness_seconds: Family<KindLabels, Histogram>,
    pub rest_rate_limited: Family<RestLabels, Counter>,
    pub rest_retries: Family<RestLabels, Counter>,
    pub rest_invalid_requests: Gauge,
    pub db_query_seconds: Family<QueryLabels, Histogram>,
    pub scheduler_ticks: Counter,
    pub shards_connected: Gauge,
    pub reviews: Family<GradeLabels, Counter>,
}

/// 1 ms .. ~16 s.
fn interaction_buckets() -> Histogram {
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}
/// 0.5 s .. ~1.5 days.
fn lateness_buckets() -> Histogram {
    Histogram::new(exponential_buckets(0.5, 2.0, 19))
}
/// 50 us .. ~1.6 s.
fn query_buckets() -> Histogram {
    Histogram::new(exponential_buckets(0.000_05, 2.0, 16))
}

impl Metrics {
    fn new() -> Metrics {
        let mut registry = Registry::with_prefix("studybot");
        let interactions = Family::<InteractionLabels, Counter>::default();
        registry.register("interactions", "Interactions handled, by command and outcome", interactions.clone());
        let interaction_seconds = Family::new_with_constructor(interaction_buckets as fn() -> Histogram);
        registry.register(
            "interaction_seconds",
            "Time from receiving an interaction to having answered it, by command",
            interaction_seconds.clone(),
        );
        let posts = Family::<PostLabels, Counter>::default();
        registry.register("posts", "Scheduled posts, by kind and outcome", posts.clone());
        let post_lateness_seconds = Family::new_with_constructor(lateness_buckets as fn() -> Histogram);
        registry.register(
            "post_lateness_seconds",
            "How long after its due time a post was sent, by kind",
            post_lateness_seconds.clone(),
        );
        let rest_rate_limited = Family::<RestLabels, Counter>::default();
        registry.register("rest_rate_limited", "429 answers from Discord, by scope", rest_rate_limited.clone());
        let rest_retries = Family::<RestLabels, Counter>::default();
        registry.register("rest_retries", "REST requests retried, by reason", rest_retries.clone());
        let rest_invalid_requests = Gauge::default();
        registry.register(
            "rest_invalid_requests",
            "Invalid requests (401, 403, 429) in the last 10 minutes; Discord bans the IP at 10000",
            rest_invalid_requests.clone(),
        );
        let db_query_seconds = Family::new_with_constructor(query_buckets as fn() -> Histogram);
        registry.register("db_query_seconds", "Database call latency, by operation", db_query_seconds.clone());
        let scheduler_ticks = Counter::default();
        registry.register("scheduler_ticks", "Scheduler passes over all groups", scheduler_ticks.clone());
        let shards_connected = Gauge::default();
        registry.register("shards_connected", "Gateway shards currently connected", shards_connected.clone());
        let reviews = Family::<GradeLabels, Counter>::default();
        registry.register("reviews", "Spaced-review cards graded by their members, by grade", reviews.clone());
        for grade in GRADES {
            drop(reviews.get_or_create(&GradeLabels { grade }));
        }
        // Every known label value starts at 0, so alerts (a rate of failed posts, of 429s)
        // can be written before the first sample.
        for kind in POST_KINDS {
            for outcome in POST_OUTCOMES {
                drop(posts.get_or_create(&PostLabels { kind, outcome }));
            }
        }
        for reason in ["global", "route"] {
            drop(rest_rate_limited.get_or_create(&RestLabels { reason }));
        }
        for reason in ["rate_limited", "server_error", "transport"] {
            drop(rest_retries.get_or_create(&RestLabels { reason }));
        }
        Metrics {
            registry,
            interactions,
            interaction_seconds,
            posts,
            post_lateness_seconds,
            rest_rate_limited,
            rest_retries,
            rest_invalid_requests,
            db_query_seconds,
            scheduler_ticks,
            shards_connected,
            reviews,
        }
    }

    /// The Prometheus text exposition of every series.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        if let Err(e) = prometheus_client::encoding::text::encode(&mut out, &self.registry) {
            tracing::error!("cannot encode metrics: {e}");
        }
        out
    }
}

/// The process's metrics.
pub static METRICS: LazyLock<Metrics> = LazyLock::new(Metrics::new);

/// One interaction answered.
pub fn interaction(command: &str, outcome: &'static str, took: Duration) {
    let command = command.to_string();
    METRICS.interactions.get_or_create(&InteractionLabels { command: command.clone(), outcome }).inc();
    METRICS.interaction_seconds.get_or_create(&CommandLabels { command }).observe(took.as_secs_f64());
}

/// One scheduled post delivered (or not); `late` for sent posts.
pub fn post(kind: &'static str, outcome: &'static str, late: Option<Duration>) {
    METRICS.posts.get_or_create(&PostLabels { kind, outcome }).inc();
    if let Some(late) = late {
        METRICS.post_lateness_seconds.get_or_create(&KindLabels { kind }).observe(late.as_secs_f64());
    }
}

/// One review card graded.
pub fn review_graded(grade: crate::review::Grade) {
    let grade = GRADES[usize::from(grade.number() - 1)];
    METRICS.reviews.get_or_create(&GradeLabels { grade }).inc();
}

/// Times a database call until dropped: `let _timer = metrics::query("members.join");`.
pub fn query(op: &'static str) -> QueryTimer {
    QueryTimer { op, start: std::time::Instant::now() }
}

pub struct QueryTimer {
    op: &'static str,
    start: std::time::Instant,
}

impl Drop for QueryTimer {
    fn drop(&mut self) {
        METRICS
            .db_query_seconds
            .get_or_create(&QueryLabels { op: self.op })
            .observe(self.start.elapsed().as_secs_f64());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_exposition_names_every_series_without_ids() {
        interaction("checkin", "ok", Duration::from_millis(12));
        post("week", "sent", Some(Duration::from_secs(3)));
        drop(query("members.join"));
        let text = METRICS.encode();
        for name in [
            "studybot_interactions_total{command=\"checkin\",outcome=\"ok\"}",
            "studybot_interaction_seconds_count{command=\"checkin\"}",
            "studybot_posts_total{kind=\"week\",outcome=\"sent\"}",
            "studybot_post_lateness_seconds_count{kind=\"week\"}",
            "studybot_db_query_seconds_count{op=\"members.join\"}",
            "studybot_rest_invalid_requests",
            "studybot_scheduler_ticks_total",
            "studybot_shards_connected",
        ] {
            assert!(text.contains(name), "{name} missing from\n{text}");
        }
        assert!(!text.contains("guild=\"") && !text.contains("user=\""), "no id labels: {text}");
    }

    /// Before any post or 429, the known series are there at 0 (alerts can be written on day
    /// one).
    #[test]
    fn known_series_start_at_zero() {
        let m = Metrics::new();
        let text = m.encode();
        for name in [
            "studybot_posts_total{kind=\"week\",outcome=\"failed\"} 0",
            "studybot_posts_total{kind=\"reminder_dm\",outcome=\"sent\"} 0",
            "studybot_posts_total{kind=\"digest\",outcome=\"failed\"} 0",
            "studybot_rest_rate_limited_total{reason=\"global\"} 0",
            "studybot_rest_retries_total{reason=\"server_error\"} 0",
        ] {
            assert!(text.contains(name), "{name} missing from\n{text}");
        }
    }
}
