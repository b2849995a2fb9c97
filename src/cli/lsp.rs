//! `charla lsp`: the language server for editors, over standard input and output
//! (docs/lsp.md). Exit codes: 0 after the client's `shutdown` and `exit`, 1 otherwise.

use super::EXIT_ERRORS;

/// Run the language server for editors (speaks LSP on standard input and output)
#[derive(clap::Args)]
pub struct LspArgs {
    /// Accepted for clients that pass it; standard input and output are the only transport
    #[arg(long)]
    stdio: bool,
}

pub fn run(args: LspArgs) -> u8 {
    let _ = args.stdio;
    match crate::lsp::run() {
        Ok(()) => 0,
        Err(stopped) => {
            // Standard output is the protocol's: reasons go to standard error, the client's log.
            eprintln!("charla lsp: {}", stopped.0);
            EXIT_ERRORS
        }
    }
}
