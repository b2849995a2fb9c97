//! `charla test PATH...`: run every `test` block of every bot.

use super::check_options::CheckOptions;
use super::load;
use super::output::{print_out, Format, Report};
use super::{EXIT_ERRORS, EXIT_USAGE};
use crate::runtime::engine::Engine;
use crate::runtime::testing;
use serde_json::json;
use std::path::PathBuf;

/// Run the conversation tests of bots
#[derive(clap::Args)]
pub struct TestArgs {
    /// Bot files or folders (a folder of bot folders tests each)
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    #[command(flatten)]
    checking: CheckOptions,
}

pub fn run(args: TestArgs) -> u8 {
    let bots = match load::compiled(&args.paths, args.checking.policy.as_deref()) {
        Ok(bots) => bots,
        Err(message) => {
            eprintln!("error: {message}");
            return EXIT_USAGE;
        }
    };
    let json = args.checking.format == Format::Json;
    let (mut passed, mut failed) = (0usize, 0usize);
    let mut results = Vec::new();
    let mut report = Report::default();
    for (bot, compiled) in bots {
        let label = bot.path.display().to_string();
        let Some(model) = compiled.model else {
            // A bot that does not compile fails as a whole, with its diagnostics.
            report.add(
                if json { Format::Json } else { Format::Human },
                &bot.sources,
                &compiled.diagnostics,
            );
            failed += 1;
            if !json {
                print_out(&format!("FAIL {label}: the bot has errors; see above\n"));
            }
            results.push(json!({"bot": label, "name": null, "passed": false, "failure": {"expected": "a bot without errors", "actual": "the bot has errors"}}));
            continue;
        };
        let engine = Engine::new(&model);
        let clock = crate::clock::now(&model.bot.timezone);
        for test in &model.tests {
            let outcome = testing::run(&engine, test, &clock);
            let file = bot
                .relative_names
                .get(outcome_file(test))
                .cloned()
                .unwrap_or_default();
            match &outcome.failure {
                None => {
                    passed += 1;
                    if !json {
                        print_out(&format!("ok   {label}: {}\n", outcome.name));
                    }
                }
                Some(f) => {
                    failed += 1;
                    if !json {
                        print_out(&format!(
                            "FAIL {label}: {} ({file}:{})\n     expected: {}\n     actual:   {}\n",
                            outcome.name, f.line, f.expected, f.actual
                        ));
                    }
                }
            }
            results.push(json!({
                "bot": label, "name": outcome.name, "file": file, "line": outcome.line,
                "passed": outcome.failure.is_none(),
                "failure": outcome.failure.as_ref().map(|f| json!({"line": f.line, "expected": f.expected, "actual": f.actual})),
            }));
        }
    }
    if json {
        print_out(&format!(
            "{}\n",
            json!({"tests": results, "passed": passed, "failed": failed})
        ));
    } else {
        print_out(&format!("{passed} passed, {failed} failed\n"));
    }
    if failed > 0 {
        EXIT_ERRORS
    } else {
        0
    }
}

/// The file index a test was written in.
fn outcome_file(test: &crate::model::Test) -> usize {
    test.src.0 as usize
}
