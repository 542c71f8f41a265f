//! studybot: a Discord bot that runs study groups through a phased curriculum.
//!
//! See `ARCHITECTURE.md` for the code map and the invariants.

pub mod bot;
pub mod buddies;
pub(crate) mod calendar;
pub mod cli;
pub mod clock;
pub mod config;
pub mod curriculum;
pub mod db;
pub(crate) mod error;
pub mod ids;
pub mod limits;
pub(crate) mod metrics;
pub mod model;
pub(crate) mod ops;
pub(crate) mod permissions;
pub mod plan;
pub(crate) mod progress;
pub(crate) mod redact;
pub mod render;
pub mod report;
pub mod rest;
pub mod review;
pub mod scheduler;
pub(crate) mod search;
pub mod service;
pub mod session_events;
pub mod shards;
pub mod streaks;
pub(crate) mod web;
pub mod weeks;
