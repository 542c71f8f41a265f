//! Shared test support: the harness that starts studybot against the local fake Discord
//! (the dev-only `fake-discord` workspace crate, `crates/fake-discord`).
#![allow(dead_code)]

use std::time::Duration;

/// Runs `fut` with a deadline and panics with `what` if it is not done in time.
pub async fn within<T>(secs: f64, what: &str, fut: impl std::future::Future<Output = T>) -> T {
    match tokio::time::timeout(Duration::from_secs_f64(secs), fut).await {
        Ok(v) => v,
        Err(_) => panic!("timed out after {secs}s: {what}"),
    }
}

pub mod harness;
