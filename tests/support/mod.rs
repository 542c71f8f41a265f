//! Shared test support. `fake_discord` is a local fake of the Discord API (REST + gateway)
//! that the real serenity client talks to over 127.0.0.1; see its module docs.
#![allow(dead_code)]

pub mod fake_discord;

use std::time::Duration;

/// Runs `fut` with a deadline and panics with `what` if it is not done in time.
pub async fn within<T>(secs: f64, what: &str, fut: impl std::future::Future<Output = T>) -> T {
    match tokio::time::timeout(Duration::from_secs_f64(secs), fut).await {
        Ok(v) => v,
        Err(_) => panic!("timed out after {secs}s: {what}"),
    }
}

pub mod harness;
