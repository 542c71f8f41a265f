//! studybot: a Discord bot that runs study groups through a phased curriculum.
//!
//! See `ARCHITECTURE.md` for the code map and the invariants.

pub mod bot;
pub mod calendar;
pub mod cli;
pub mod clock;
pub mod config;
pub mod curriculum;
pub mod db;
pub mod error;
pub mod ids;
pub mod limits;
pub mod metrics;
pub mod model;
pub mod ops;
pub mod permissions;
pub mod plan;
pub mod progress;
pub mod redact;
pub mod render;
pub mod report;
pub mod rest;
pub mod scheduler;
pub mod search;
pub mod service;
pub mod shards;
pub mod weeks;
