//! Secrets never printed: one redaction for database URLs, and a scrub of every log line
//! and error message (pure string work, plus the process's own secrets registered at start).
//!
//! - [`database_url`]: a URL with its `user:password@` password and every secret query
//!   parameter (`password=`, `sslpassword=`, anything naming a key, token or secret)
//!   replaced by `***`. `db::Location` shows itself through it (logs, errors, `Debug`,
//!   `migrate`).
//! - [`scrub`]: what [`Scrubbed`] does to each log line and `cli` to each error it prints:
//!   interaction and webhook tokens in URLs (`/interactions/ID/TOKEN`, `/webhooks/ID/TOKEN`)
//!   and in quoted `token` fields (serenity's request spans),
//!   database URLs anywhere in the text, and the secrets [`register`]ed (the bot token, the
//!   REST forwarder's path secret, the database password).

use std::borrow::Cow;
use std::sync::RwLock;

const HIDDEN: &str = "***";

/// Secrets of this process that must never appear in output.
static SECRETS: RwLock<Vec<String>> = RwLock::new(Vec::new());

/// Adds a secret of this process to what [`scrub`] removes (ignored when shorter than 6
/// characters: it would blank ordinary words).
pub fn register(secret: &str) {
    if secret.len() < 6 {
        return;
    }
    let mut s = SECRETS.write().unwrap_or_else(|p| p.into_inner());
    if !s.iter().any(|k| k == secret) {
        s.push(secret.to_string());
    }
}

/// Registers the secrets of a database URL (its password, and every secret query
/// parameter's value), so no output shows them whatever prints them.
pub fn register_url_secrets(url: &str) {
    let Some((_, rest)) = url.split_once("://") else { return };
    let (before_query, query) = rest.split_once('?').unwrap_or((rest, ""));
    if let Some(at) = before_query.rfind('@')
        && let Some((_, password)) = before_query[..at].split_once(':')
    {
        register(password);
    }
    for (k, v) in query.split('&').filter_map(|p| p.split_once('=')) {
        if secret_param(k) {
            register(v);
        }
    }
}

/// Whether a URL query parameter holds a secret.
fn secret_param(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    ["pass", "secret", "token", "key", "auth"].iter().any(|w| k.contains(w))
}

/// A database URL with its password and secret parameters hidden.
pub fn database_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_string() };
    let (before_query, query) = match rest.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (rest, None),
    };
    let mut out = format!("{scheme}://");
    match before_query.rfind('@') {
        Some(at) => {
            let (auth, host) = (&before_query[..at], &before_query[at..]);
            match auth.split_once(':') {
                Some((user, _)) => out.push_str(&format!("{user}:{HIDDEN}{host}")),
                None => out.push_str(before_query),
            }
        }
        None => out.push_str(before_query),
    }
    if let Some(q) = query {
        let params: Vec<String> = q
            .split('&')
            .map(|p| match p.split_once('=') {
                Some((k, _)) if secret_param(k) => format!("{k}={HIDDEN}"),
                _ => p.to_string(),
            })
            .collect();
        out.push('?');
        out.push_str(&params.join("&"));
    }
    out
}

/// Where a URL-ish run of characters ends.
fn url_end(c: char) -> bool {
    c.is_whitespace() || matches!(c, '"' | '\'' | ')' | '>' | '<' | '`' | ',')
}

/// Every occurrence of `marker` in `text` rewritten by `f`, which gets the text from the
/// marker on and returns what to write instead and how much of it that replaces (at least
/// the marker).
fn rewrite<'a>(text: Cow<'a, str>, marker: &str, f: impl Fn(&str) -> (String, usize)) -> Cow<'a, str> {
    if !text.contains(marker) {
        return text;
    }
    let mut s = String::with_capacity(text.len());
    let mut rest: &str = &text;
    while let Some(i) = rest.find(marker) {
        s.push_str(&rest[..i]);
        let (with, used) = f(&rest[i..]);
        s.push_str(&with);
        rest = &rest[i + used.max(marker.len())..];
    }
    s.push_str(rest);
    Cow::Owned(s)
}

/// `text` with tokens and secrets hidden (see the module doc).
pub fn scrub(text: &str) -> Cow<'_, str> {
    let mut out = Cow::Borrowed(text);
    // Tokens after /interactions/ID/ and /webhooks/ID/.
    for marker in ["/interactions/", "/webhooks/"] {
        out = rewrite(out, marker, |at| {
            let after = &at[marker.len()..];
            let digits = after.len() - after.trim_start_matches(|c: char| c.is_ascii_digit()).len();
            let kept = &at[..marker.len() + digits];
            match after[digits..].strip_prefix('/') {
                Some(token_on) if digits > 0 => {
                    let len = token_on.find(|c: char| c == '/' || c == '?' || url_end(c)).unwrap_or(token_on.len());
                    let hidden = if len > 0 { HIDDEN } else { "" };
                    (format!("{kept}/{hidden}"), kept.len() + 1 + len)
                }
                _ => (kept.to_string(), kept.len()),
            }
        });
    }
    // Quoted token fields (serenity's request spans show `token: "..."` at debug level).
    for marker in ["token: \"", "\"token\":\"", "token=\""] {
        out = rewrite(out, marker, |at| {
            let value = &at[marker.len()..];
            let len = value.find('"').unwrap_or(value.len());
            (format!("{marker}{HIDDEN}"), marker.len() + len)
        });
    }
    // Database URLs anywhere in the text.
    for scheme in ["postgres://", "postgresql://"] {
        out = rewrite(out, scheme, |at| {
            let len = at.find(url_end).unwrap_or(at.len());
            (database_url(&at[..len]), len)
        });
    }
    let secrets = SECRETS.read().unwrap_or_else(|p| p.into_inner());
    for secret in secrets.iter() {
        if out.contains(secret.as_str()) {
            out = Cow::Owned(out.replace(secret.as_str(), HIDDEN));
        }
    }
    out
}

/// A writer that scrubs what passes through it (each log event is one write).
pub struct Scrubbed<W>(pub W);

impl<W: std::io::Write> std::io::Write for Scrubbed<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match std::str::from_utf8(buf) {
            Ok(text) => {
                self.0.write_all(scrub(text).as_bytes())?;
                Ok(buf.len())
            }
            Err(_) => self.0.write(buf),
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

/// Standard error, scrubbed: the log writer.
pub fn stderr() -> Scrubbed<std::io::Stderr> {
    Scrubbed(std::io::stderr())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_urls_lose_every_password() {
        assert_eq!(database_url("postgres://bot:pa%40ss@db:5432/x"), "postgres://bot:***@db:5432/x");
        assert_eq!(
            database_url("postgres://bot@db/x?sslmode=verify-full&password=hunter22&sslpassword=k&application_name=a"),
            "postgres://bot@db/x?sslmode=verify-full&password=***&sslpassword=***&application_name=a"
        );
        assert_eq!(database_url("postgres://db/x"), "postgres://db/x");
        assert_eq!(database_url("studybot.db"), "studybot.db");
    }

    #[test]
    fn tokens_in_urls_and_database_urls_in_text_are_hidden() {
        let line = "error sending request for url (http://127.0.0.1:9/api/v10/interactions/123/aW50ZXJhY3Rpb24.tok-en_1/callback?with_response=true)";
        assert_eq!(
            scrub(line),
            "error sending request for url (http://127.0.0.1:9/api/v10/interactions/123/***/callback?with_response=true)"
        );
        assert_eq!(
            scrub("route=PATCH /api/v10/webhooks/42/secretToken/messages/@original"),
            "route=PATCH /api/v10/webhooks/42/***/messages/@original"
        );
        assert_eq!(scrub("GET /webhooks/42"), "GET /webhooks/42");
        assert_eq!(
            scrub(r#"route: InteractionResponse { interaction_id: InteractionId(1), token: "abc.def" }"#),
            r#"route: InteractionResponse { interaction_id: InteractionId(1), token: "***" }"#
        );
        assert_eq!(
            scrub("cannot connect to postgres://u:pw123@h/db?password=pw123 now"),
            "cannot connect to postgres://u:***@h/db?password=*** now"
        );
        register("forwarder-secret-0123");
        assert_eq!(scrub("http://127.0.0.1:1/forwarder-secret-0123/api"), "http://127.0.0.1:1/***/api");
        assert!(matches!(scrub("nothing secret here"), Cow::Borrowed(_)));
    }
}
