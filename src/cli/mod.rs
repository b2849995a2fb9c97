//! The command line: one file per subcommand. Only this module touches files, the terminal
//! and the exit code.
//!
//! Exit codes: 0 fine (warnings allowed), 1 the bot has errors (or warnings with
//! `--deny-warnings`), 2 usage or I/O error.

mod bot;
mod build;
mod chat;
mod check;
mod check_options;
mod explain;
mod fmt;
mod graph;
mod load;
mod lsp;
mod mocks;
mod notify;
mod output;
mod preview;
mod serve;
mod test;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// charla: write WhatsApp customer-care bots that cannot break the platform's rules.
#[derive(Parser)]
#[command(name = "charla", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    Check(check::CheckArgs),
    Build(build::BuildArgs),
    Test(test::TestArgs),
    Chat(chat::ChatArgs),
    Explain(explain::ExplainArgs),
    Fmt(fmt::FmtArgs),
    Graph(graph::GraphArgs),
    Lsp(lsp::LspArgs),
    Serve(serve::ServeSourceArgs),
    Preview(preview::PreviewArgs),
}

/// Exit code for "the bot has errors".
pub const EXIT_ERRORS: u8 = 1;
/// Exit code for usage and I/O errors.
pub const EXIT_USAGE: u8 = 2;

pub fn run() -> ExitCode {
    // A built bot is this executable with a bundle at its end: it runs as that bot.
    if let Some(bundle) = bot::embedded() {
        return bot::run(bundle);
    }
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            return ExitCode::from(if err.use_stderr() { EXIT_USAGE } else { 0 });
        }
    };
    let code = match cli.command {
        Command::Check(args) => check::run(args),
        Command::Build(args) => build::run(args),
        Command::Test(args) => test::run(args),
        Command::Chat(args) => chat::run(args),
        Command::Explain(args) => explain::run(args),
        Command::Fmt(args) => fmt::run(args),
        Command::Graph(args) => graph::run(args),
        Command::Lsp(args) => lsp::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Preview(args) => preview::run(args),
    };
    ExitCode::from(code)
}
