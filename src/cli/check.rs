//! `charla check PATH...`: report every problem of every bot.

use super::check_options::CheckOptions;
use super::load;
use super::output::{count, Format, Report};
use super::{EXIT_ERRORS, EXIT_USAGE};
use std::path::PathBuf;

/// Check bots against the language, WhatsApp's limits and policy
#[derive(clap::Args)]
pub struct CheckArgs {
    /// Bot files or folders (a folder of bot folders checks each)
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    #[command(flatten)]
    checking: CheckOptions,
}

pub fn run(args: CheckArgs) -> u8 {
    let bots = match load::compiled(&args.paths, args.checking.policy.as_deref()) {
        Ok(bots) => bots,
        Err(message) => {
            eprintln!("error: {message}");
            return EXIT_USAGE;
        }
    };
    let mut report = Report::default();
    for (bot, compiled) in &bots {
        report.add(args.checking.format, &bot.sources, &compiled.diagnostics);
        if args.checking.format == Format::Human {
            let s = crate::diagnostic::Summary::of(&compiled.diagnostics);
            let verdict = if s.errors > 0 {
                "has problems"
            } else {
                "is ready"
            };
            eprintln!(
                "{}: {verdict} ({}, {})",
                bot.path.display(),
                count(s.errors, "error"),
                count(s.warnings, "warning")
            );
        }
    }
    let summary = report.summary;
    report.finish(args.checking.format);
    if summary.errors > 0 || (args.checking.deny_warnings && summary.warnings > 0) {
        EXIT_ERRORS
    } else {
        0
    }
}
