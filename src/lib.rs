//! studybot: a Discord bot that runs study groups through a phased curriculum.
//!
//! See `ARCHITECTURE.md` for the code map and the invariants.

pub mod bot;
pub mod cli;
pub mod config;
pub mod curriculum;
pub mod db;
pub mod ids;
pub mod limits;
pub mod render;
pub mod search;
pub mod weeks;
