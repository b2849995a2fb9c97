//! The options of every command that checks a bot (`check`, `build`).

use super::output::Format;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct CheckOptions {
    /// A policy to check against instead of the bot's own: `whatsapp` or a policy file
    #[arg(long)]
    pub policy: Option<PathBuf>,
    /// How to print problems
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
    /// Treat warnings as failures: exit 1 (and, for `build`, write nothing)
    #[arg(long)]
    pub deny_warnings: bool,
}
