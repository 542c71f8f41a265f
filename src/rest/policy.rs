//! The retry policy for Discord's REST answers (pure: status, headers and body in, a
//! decision out), and the window of invalid requests Discord counts towards its IP ban.

use std::time::Duration;

/// How many times one request is retried at most (after the first attempt).
pub const MAX_RETRIES: usize = 3;
/// The longest a request waits in all before its answer is handed back as it is.
pub const MAX_TOTAL_WAIT: Duration = Duration::from_secs(15);
/// The longest single `retry_after` honoured; a longer one is handed back at once (a
/// member would rather see an error than wait a minute).
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(10);
/// The longest a 429 holds later requests here, whatever its `retry_after` says (an absurd
/// value must not hold the bot forever; Discord's real ones are seconds).
pub const MAX_HOLD: Duration = Duration::from_secs(60);
/// Interaction callbacks must arrive within Discord's 3 s: they wait at most this long.
pub const MAX_CALLBACK_WAIT: Duration = Duration::from_millis(2000);

/// Discord bans an IP for an hour after 10,000 invalid requests (401, 403, 429) in 10 minutes.
pub const DISCORD_INVALID_LIMIT: u32 = 10_000;
/// Above this many in the window, requests are held back locally instead of sent.
pub const INVALID_GUARD: u32 = 8_000;
/// Above this many in the window, a warning is logged.
pub const INVALID_WARN: u32 = 1_000;

/// What an answer means for the request that got it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Answer {
    /// 2xx and 3xx: done.
    Success,
    /// 429: wait `retry_after`, then retry; `global` holds every request, else this route.
    RateLimited { retry_after: Duration, global: bool },
    /// 5xx (and 408): back off, then retry.
    ServerError,
    /// Any other 4xx: it cannot succeed, never retried.
    Refused,
}

/// Classifies an answer. `retry_after` comes from the `Retry-After` header (seconds, maybe
/// fractional) or else the JSON body's `retry_after`; 1 s when neither says; at most
/// [`MAX_HOLD`].
pub fn classify(status: u16, header: impl Fn(&str) -> Option<String>, body: &[u8]) -> Answer {
    match status {
        429 => {
            let json: Option<serde_json::Value> = serde_json::from_slice(body).ok();
            let retry_after = header("retry-after")
                .and_then(|v| v.trim().parse::<f64>().ok())
                .or_else(|| json.as_ref().and_then(|j| j["retry_after"].as_f64()))
                .filter(|s| s.is_finite() && *s >= 0.0)
                // Never a panic on an absurd value; never longer than MAX_HOLD.
                .map(|s| Duration::try_from_secs_f64(s).unwrap_or(MAX_HOLD).min(MAX_HOLD))
                .unwrap_or(Duration::from_secs(1));
            let global = header("x-ratelimit-global").is_some()
                || header("x-ratelimit-scope").as_deref() == Some("global")
                || json.as_ref().is_some_and(|j| j["global"] == true);
            Answer::RateLimited { retry_after, global }
        }
        408 | 500..=599 => Answer::ServerError,
        400..=499 => Answer::Refused,
        _ => Answer::Success,
    }
}

/// Whether Discord counts this answer as an invalid request: 401, 403, and 429 except those
/// of a shared resource (`X-RateLimit-Scope: shared`).
pub fn is_invalid(status: u16, scope: Option<&str>) -> bool {
    match status {
        401 | 403 => true,
        429 => scope != Some("shared"),
        _ => false,
    }
}

/// How long the retried request may wait in all, by its path.
pub fn wait_budget(path: &str) -> Duration {
    if is_callback(path) { MAX_CALLBACK_WAIT } else { MAX_TOTAL_WAIT }
}

/// `POST /interactions/{id}/{token}/callback`: the first response, due within 3 s.
pub fn is_callback(path: &str) -> bool {
    path.contains("/interactions/") && path.ends_with("/callback")
}

/// Interaction endpoints (the callback and the follow-up webhooks): Discord exempts them
/// from the global rate limit, so a global 429 never holds them (a callback has 3 s).
pub fn exempt_from_global(path: &str) -> bool {
    path.contains("/interactions/") || path.contains("/webhooks/")
}

/// Whether sending the request again after an answer that may have been lost (a 5xx, a
/// dropped connection) cannot make a second message: everything but a message created
/// without a nonce Discord enforces, i.e. follow-ups (`POST /webhooks/...`, which carry no
/// nonce) and channel messages without `enforce_nonce`. A 429 is always safe to retry:
/// Discord did nothing.
pub fn replay_safe(method: &str, path: &str, body: &[u8]) -> bool {
    if method != "POST" {
        return true;
    }
    let creates_message = path.contains("/webhooks/") || (path.contains("/channels/") && path.ends_with("/messages"));
    if !creates_message || path.contains("/interactions/") {
        return true;
    }
    // serenity writes compact JSON (also inside a multipart body's payload_json).
    let has = |needle: &[u8]| body.windows(needle.len()).any(|w| w == needle);
    !path.contains("/webhooks/") && has(b"\"nonce\":") && has(b"\"enforce_nonce\":true")
}

/// Invalid requests in the last 10 minutes, in 10-second slots (Discord's window).
#[derive(Debug, Clone)]
pub struct InvalidWindow {
    /// (slot number, count) per slot; a slot number is seconds / 10.
    slots: [(u64, u32); 60],
}

impl Default for InvalidWindow {
    fn default() -> Self {
        InvalidWindow { slots: [(u64::MAX, 0); 60] }
    }
}

impl InvalidWindow {
    /// Counts one invalid request at `secs` (seconds on a monotonic clock).
    pub fn record(&mut self, secs: u64) {
        let slot = secs / 10;
        let cell = &mut self.slots[(slot % 60) as usize];
        if cell.0 != slot {
            *cell = (slot, 0);
        }
        cell.1 += 1;
    }

    /// Invalid requests in the 10 minutes up to `secs`.
    pub fn count(&self, secs: u64) -> u32 {
        let now = secs / 10;
        self.slots.iter().filter(|(slot, _)| *slot <= now && now - *slot < 60).map(|(_, n)| n).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_messages_without_an_enforced_nonce_are_unsafe_to_replay() {
        let with = br#"{"content":"x","nonce":"abc","enforce_nonce":true}"#;
        let without = br#"{"content":"x"}"#;
        assert!(replay_safe("POST", "/api/v10/channels/1/messages", with));
        assert!(!replay_safe("POST", "/api/v10/channels/1/messages", without));
        assert!(!replay_safe("POST", "/api/v10/webhooks/1/tok", with), "follow-ups carry no nonce");
        assert!(replay_safe("POST", "/api/v10/interactions/1/tok/callback", without), "a second is refused");
        assert!(replay_safe("PATCH", "/api/v10/webhooks/1/tok/messages/@original", without));
        assert!(replay_safe("POST", "/api/v10/users/@me/channels", without));
        assert!(replay_safe("POST", "/api/v10/channels/1/messages/2/threads", without));
        assert!(exempt_from_global("/api/v10/interactions/1/tok/callback"));
        assert!(exempt_from_global("/api/v10/webhooks/1/tok"));
        assert!(!exempt_from_global("/api/v10/channels/1/messages"));
    }

    fn headers(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |name| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
    }

    #[test]
    fn a_429_waits_what_discord_says_globally_or_for_its_route() {
        let route = classify(429, headers(&[("retry-after", "0.35")]), b"{}");
        assert_eq!(route, Answer::RateLimited { retry_after: Duration::from_millis(350), global: false });
        let body = br#"{"message":"You are being rate limited.","retry_after":1.5,"global":true}"#;
        assert_eq!(
            classify(429, headers(&[]), body),
            Answer::RateLimited { retry_after: Duration::from_millis(1500), global: true }
        );
        let scoped = classify(429, headers(&[("retry-after", "2"), ("x-ratelimit-scope", "global")]), b"");
        assert_eq!(scoped, Answer::RateLimited { retry_after: Duration::from_secs(2), global: true });
        // Nothing said, or nonsense: one second.
        let unknown = classify(429, headers(&[("retry-after", "soon")]), b"not json");
        assert_eq!(unknown, Answer::RateLimited { retry_after: Duration::from_secs(1), global: false });
    }

    #[test]
    fn server_errors_are_retried_and_other_client_errors_never() {
        for s in [500, 502, 503, 504, 408] {
            assert_eq!(classify(s, headers(&[]), b""), Answer::ServerError, "{s}");
        }
        for s in [400, 401, 403, 404, 405, 413] {
            assert_eq!(classify(s, headers(&[]), b""), Answer::Refused, "{s}");
        }
        for s in [200, 201, 204, 304] {
            assert_eq!(classify(s, headers(&[]), b""), Answer::Success, "{s}");
        }
    }

    #[test]
    fn invalid_requests_are_counted_as_discord_counts_them() {
        assert!(is_invalid(401, None) && is_invalid(403, None) && is_invalid(429, Some("user")));
        assert!(!is_invalid(429, Some("shared")) && !is_invalid(404, None) && !is_invalid(500, None));
    }

    #[test]
    fn the_invalid_window_forgets_after_ten_minutes() {
        let mut w = InvalidWindow::default();
        for s in 0..100 {
            w.record(s);
        }
        assert_eq!(w.count(100), 100);
        assert_eq!(w.count(599), 100);
        // Slot 0 (0-9 s) leaves the window at 600 s, the rest slot by slot.
        assert_eq!(w.count(600), 90);
        assert_eq!(w.count(695), 0);
        w.record(700);
        assert_eq!(w.count(700), 1);
        assert_eq!(w.count(5_000), 0);
    }

    #[test]
    fn callbacks_get_a_shorter_wait_than_other_requests() {
        assert_eq!(wait_budget("/api/v10/interactions/1/tok/callback"), MAX_CALLBACK_WAIT);
        assert_eq!(wait_budget("/api/v10/webhooks/1/tok"), MAX_TOTAL_WAIT);
        assert_eq!(wait_budget("/api/v10/channels/1/messages"), MAX_TOTAL_WAIT);
        const { assert!(INVALID_WARN < INVALID_GUARD && INVALID_GUARD < DISCORD_INVALID_LIMIT) };
    }
}
