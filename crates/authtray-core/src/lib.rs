//! authtray's engine, as a plain library.
//!
//! Data takes one path: the Claude Code [`claude`] login and a discovered gateway
//! [`gateway::Install`] are read, the pure functions in [`health`] and [`mirror`] decide, and
//! the store adapters in [`gateway`] write (locked, atomic, 0600). The [`ops`] module bundles
//! those steps into the operations every shell (CLI, tray, `serve`) offers, returning
//! serialisable reports so that each shell only formats them.
//!
//! Nothing here depends on a GUI toolkit: the crate builds on a bare server.

#![warn(unreachable_pub)]

mod alerts;
pub mod api;
pub mod claude;
mod claude_cli;
pub mod clock;
mod digest;
pub mod duration;
pub mod env;
pub mod error;
pub mod fsx;
#[doc(hidden)]
#[cfg(feature = "fuzzing")]
pub mod fuzzing;
pub mod gateway;
pub mod glance;
pub mod health;
pub mod keeper;
#[cfg(feature = "keyring")]
pub mod keyring_vault;
pub mod live;
pub mod mirror;
pub mod ops;
mod paths;
mod process;
mod report;
pub mod service;
pub mod settings;
pub mod target;
pub mod target_pool;
pub mod token;
pub mod vault;
pub mod verdict;
mod watch;

pub use error::{Error, Result};
