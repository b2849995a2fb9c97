//! Helpers shared by the integration tests (`tests/*.rs` include this folder with
//! `mod support;`):
//! - [`run`]: the real `charla` binary, run with a time limit, its output collected;
//! - [`report`]: reading what `charla check --format json` reports;
//! - [`server`]: a real `charla serve` process, and a recording fake of the APIs it calls;
//! - [`temp`]: a temporary folder of a test's own, removed when dropped;
//! - [`bots`]: the example bots and a bot folder's `.charla` files, in byte order of names;
//! - [`fixture`]: one `.charla` file compiled with the library and laid out as a snapshot
//!   (for `tests/fixtures.rs` and `tests/mistakes.rs`).
//!
//! Each test crate uses only part of this, so each `mod support;` line allows dead code, and
//! the re-exports below allow going unused.

pub mod bots;
pub mod fixture;
pub mod report;
pub mod run;
pub mod server;
pub mod temp;

#[allow(unused_imports)]
pub use self::{
    bots::{example_bots, read_bot},
    fixture::{compile, names_a_situation, stem, Outcome},
    report::{assert_line_column, codes, first_with, json},
    run::{charla, charla_env, charla_input, command, Run},
    temp::TempDir,
};

use std::path::Path;

/// The crate's root folder, where `examples/`, `docs/` and `tests/` are.
pub fn crate_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}
