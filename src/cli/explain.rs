//! `charla explain CODE`: the long explanation of a diagnostic code.

use super::output::print_out;
use super::EXIT_USAGE;
use crate::diagnostic::codes::{find, CODES};

/// Explain a diagnostic code, such as E0105 (or `all` to list them)
#[derive(clap::Args)]
pub struct ExplainArgs {
    /// The code, as printed in brackets: `error[E0105]`
    code: String,
}

pub fn run(args: ExplainArgs) -> u8 {
    if args.code == "all" {
        for code in CODES {
            print_out(&format!(
                "{}  {:<7}  {}\n",
                code.code,
                format!("{:?}", code.severity).to_lowercase(),
                code.summary
            ));
        }
        return 0;
    }
    match find(&args.code) {
        Some(code) => {
            print_out(code.explanation);
            if !code.explanation.ends_with('\n') {
                print_out("\n");
            }
            0
        }
        None => {
            eprintln!(
                "error: `{}` is not a charla code; `charla explain all` lists them",
                args.code
            );
            EXIT_USAGE
        }
    }
}
