//! The Discord adapter.

use crate::config::Config;

pub async fn run(_config: Config) -> anyhow::Result<()> {
    anyhow::bail!("not yet")
}
