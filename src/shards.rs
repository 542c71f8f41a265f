//! Which Discord shards this process runs, and so which servers' groups it schedules: Discord
//! sends each server's events to shard `(guild_id >> 22) % total`, and the scheduler splits
//! its work the same way, so several processes (`--shards FIRST-LAST --shard-total N`) never
//! schedule the same group, while the database's claims and the message nonces still keep a
//! post single if two ever run the same shard for a moment (a restart overlap).

use std::fmt;

/// The shards of this process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Shards {
    /// Every shard in this one process, as many as Discord recommends (`GET /gateway/bot`).
    #[default]
    All,
    /// Shards `first..=last` of `total`, for one process of several.
    Range { first: u32, last: u32, total: u32 },
}

/// The shard a server's events go to.
pub fn shard_of(guild_id: u64, total: u32) -> u32 {
    ((guild_id >> 22) % u64::from(total.max(1))) as u32
}

/// IDENTIFYs kept in reserve: start-up is refused when fewer than this many would be left
/// after connecting (Discord resets the token of a bot that runs out of its daily 1,000).
pub const IDENTIFY_RESERVE: u64 = 10;

/// Discord's daily budget of gateway sessions (`GET /gateway/bot`'s `session_start_limit`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdentifyBudget {
    pub total: u64,
    pub remaining: u64,
    /// Until the budget is full again.
    pub reset_after: std::time::Duration,
}

/// Start-up refused: the identify budget is nearly spent (the message says when it renews).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct BudgetSpent(String);

/// Whether connecting `needed` shards leaves the budget above [`IDENTIFY_RESERVE`]; if not,
/// the operator's message (when to try again).
pub fn check_identify_budget(b: IdentifyBudget, needed: u64) -> Result<(), BudgetSpent> {
    if b.remaining >= needed + IDENTIFY_RESERVE {
        return Ok(());
    }
    let mins = b.reset_after.as_secs().div_ceil(60);
    Err(BudgetSpent(format!(
        "Discord's daily budget of gateway sessions is nearly spent: {} of {} left, {needed} needed to \
         connect. Starting now risks Discord resetting the bot token, so studybot does not start; the budget \
         is renewed in {}h{:02}m. (Frequent restarts use it up: check the restart policy and why the bot stopped.)",
        b.remaining,
        b.total,
        mins / 60,
        mins % 60
    )))
}

/// The stored servers of shard `shard` (of `total`) that a READY of that shard did not list:
/// the bot was removed from them while it was offline (Discord sends no removal event then).
/// A server listed as unavailable is in `listed` too: an outage, not a removal.
pub fn absent_from_ready(stored: &[u64], listed: &std::collections::HashSet<u64>, shard: u32, total: u32) -> Vec<u64> {
    stored.iter().copied().filter(|g| shard_of(*g, total) == shard && !listed.contains(g)).collect()
}

/// Why `--shards` with `--shard-total` is not a set of shards.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShardsError {
    #[error("shard_total needs a shard range, e.g. --shards 0-1 --shard-total 4")]
    TotalWithoutRange,
    #[error("shards must be `all`, a shard number or FIRST-LAST, not `{0}`")]
    Spec(String),
    #[error("a shard range needs shard_total (--shard-total N), the shards of all processes")]
    RangeWithoutTotal,
    #[error("shards {first}-{last} are not within 0-{} of {total}", .total.saturating_sub(1))]
    OutOfRange { first: u32, last: u32, total: u32 },
}

impl Shards {
    /// The shards as (total, first, last), for the database's filter
    /// `(guild_id >> 22) % total BETWEEN first AND last` (every server: `(1, 0, 0)`).
    pub fn range(self) -> (u32, u32, u32) {
        match self {
            Shards::All => (1, 0, 0),
            Shards::Range { first, last, total } => (total, first, last),
        }
    }

    /// Parses `--shards` (`all`, `N` or `FIRST-LAST`) with `--shard-total`.
    pub fn parse(shards: Option<&str>, total: Option<u32>) -> Result<Shards, ShardsError> {
        let spec = shards.map(str::trim).unwrap_or("all");
        if spec.eq_ignore_ascii_case("all") {
            return match total {
                None => Ok(Shards::All),
                Some(_) => Err(ShardsError::TotalWithoutRange),
            };
        }
        let (first, last) = match spec.split_once('-') {
            Some((a, b)) => (a.trim().parse::<u32>(), b.trim().parse::<u32>()),
            None => (spec.parse::<u32>(), spec.parse::<u32>()),
        };
        let (Ok(first), Ok(last)) = (first, last) else {
            return Err(ShardsError::Spec(spec.to_string()));
        };
        let Some(total) = total else {
            return Err(ShardsError::RangeWithoutTotal);
        };
        if first > last || last >= total {
            return Err(ShardsError::OutOfRange { first, last, total });
        }
        Ok(Shards::Range { first, last, total })
    }

    /// Whether this process schedules the groups of server `guild_id`.
    pub fn owns(&self, guild_id: u64) -> bool {
        match *self {
            Shards::All => true,
            Shards::Range { first, last, total } => (first..=last).contains(&shard_of(guild_id, total)),
        }
    }

    /// This process's share of the token's request budget: its shards over all shards (all
    /// processes share one token and Discord's 50 requests per second).
    pub fn share(&self) -> f64 {
        match *self {
            Shards::All => 1.0,
            Shards::Range { first, last, total } => f64::from(last - first + 1) / f64::from(total),
        }
    }
}

impl fmt::Display for Shards {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Shards::All => f.write_str("all"),
            Shards::Range { first, last, total } => write!(f, "{first}-{last} of {total}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_up_keeps_a_reserve_of_identifies() {
        let b = |remaining| IdentifyBudget {
            total: 1000,
            remaining,
            reset_after: std::time::Duration::from_secs(3 * 3600 + 61),
        };
        assert!(check_identify_budget(b(11), 1).is_ok());
        let e = check_identify_budget(b(10), 1).unwrap_err().to_string();
        assert!(e.contains("10 of 1000 left, 1 needed") && e.contains("renewed in 3h02m"), "{e}");
        assert!(check_identify_budget(b(20), 16).is_err());
    }

    #[test]
    fn ranges_parse_and_partition_servers_like_discord() {
        assert_eq!(Shards::parse(None, None), Ok(Shards::All));
        assert_eq!(Shards::parse(Some("1-2"), Some(3)), Ok(Shards::Range { first: 1, last: 2, total: 3 }));
        assert_eq!(Shards::parse(Some("2"), Some(3)), Ok(Shards::Range { first: 2, last: 2, total: 3 }));
        for bad in [(Some("2-1"), Some(3)), (Some("0-3"), Some(3)), (Some("x"), Some(3)), (Some("0-1"), None)] {
            assert!(Shards::parse(bad.0, bad.1).is_err(), "{bad:?}");
        }
        assert!(Shards::parse(Some("all"), Some(2)).is_err());
        // Every server belongs to exactly one of three processes.
        let parts: Vec<Shards> = (0..3).map(|i| Shards::Range { first: i, last: i, total: 3 }).collect();
        for guild in [0u64, 2000, 1 << 22, (2 << 22) | 5, u64::MAX, 80351110224678912] {
            assert_eq!(parts.iter().filter(|p| p.owns(guild)).count(), 1, "{guild}");
            assert!(Shards::All.owns(guild));
        }
        assert_eq!(shard_of((1 << 22) | 2001, 2), 1);
        assert!((Shards::Range { first: 0, last: 1, total: 4 }.share() - 0.5).abs() < 1e-9);
    }
}
